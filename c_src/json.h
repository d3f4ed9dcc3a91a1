/* json.h — reading JSON as jsmn's tokens, and writing JSON.
 *
 * Reading: med_json_parse() checks a document against RFC 8259 (UTF-8, control
 * characters, separators, number and literal grammar, trailing bytes, depth) and
 * tokenizes it in the same single pass into arena memory. The tokens are jsmn's
 * (strict mode, parent links): the same array jsmn's parser makes, which the fuzzer
 * checks, so readers walk one well-known shape. After a successful parse every
 * token is valid JSON, so the typed reads below only check types and ranges.
 *
 * Strings are kept in their raw JSON form (escapes not decoded): they are compared
 * as bytes and copied to the output as they came, which is valid JSON by
 * construction and saves a decode and an encode per string.
 *
 * Writing: med_out appends to a caller's buffer and remembers overflow instead of
 * growing; the host retries with a larger buffer. */
#ifndef MED_JSON_H
#define MED_JSON_H

/* jsmn is Debian's libjsmn-dev header, copied to build/include by the Makefile.
 * The engine uses its token type; only the fuzzer, which defines MED_JSON_IMPL,
 * compiles jsmn's parser, as the reference for ours. */
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#ifndef MED_JSON_IMPL
#define JSMN_HEADER
#endif
#include "jsmn.h"

#include <stdint.h>
#include <stddef.h>

#include "arena.h"
#include "error.h"

typedef struct {
  const char *s;
  uint32_t len;
} med_str;

typedef struct {
  const char *src;
  size_t len;
  jsmntok_t *tok;
  int ntok;
} med_json;

/* Deeper documents are refused ("too_deep"): OpenRTB needs about ten levels. */
#define MED_JSON_MAX_DEPTH 128

/* Tokenizes and validates src[0..len). The top level may be any JSON value. */
int med_json_parse(med_json *j, const char *src, size_t len, med_arena *a, med_error *err);

/* The offset just past the value that starts at src[i] (no whitespace before it),
 * found by matching brackets and skipping strings, without tokens; 0 if there is no
 * bracketed, terminated value there. It checks nothing else: it only cuts a large
 * document into parts that med_json_parse then reads and checks one at a time. */
size_t med_json_value_end(const char *src, size_t len, size_t i);
/* The offset of the first byte at or after i that is not JSON whitespace. */
size_t med_json_skip_ws(const char *src, size_t len, size_t i);

/* Index of the token after the value at i and everything inside it. */
int med_json_skip(const med_json *j, int i);

static inline int med_json_type(const med_json *j, int i) { return j->tok[i].type; }
static inline int med_json_is_object(const med_json *j, int i) { return j->tok[i].type == JSMN_OBJECT; }
static inline int med_json_is_array(const med_json *j, int i) { return j->tok[i].type == JSMN_ARRAY; }
static inline int med_json_is_string(const med_json *j, int i) { return j->tok[i].type == JSMN_STRING; }
int med_json_is_null(const med_json *j, int i);
int med_json_is_number(const med_json *j, int i);

/* The raw (still escaped) bytes of a string token. */
static inline med_str med_json_str(const med_json *j, int i) {
  med_str s = {j->src + j->tok[i].start, (uint32_t)(j->tok[i].end - j->tok[i].start)};
  return s;
}
int med_json_streq_n(const med_json *j, int i, const char *s, size_t n);
/* For string literals: the length is known at compile time. */
#define med_json_streq(j, i, lit) med_json_streq_n((j), (i), "" lit, sizeof(lit) - 1)

/* The decoded text of a string token: the raw bytes when it holds no escape (no
 * copy), else its unescaped UTF-8 in arena memory. Used for every string that is
 * compared (ids, targeting values) so that "a\/b" and "a/b" are the same; such
 * text is written back with med_out_str, which escapes. Markup and URLs that are
 * only passed through stay raw (med_json_str) and are written with med_out_raw. */
med_str med_json_text(const med_json *j, int i, med_arena *a);

/* Object iteration: for (int k = med_json_first(j, obj); k >= 0; k = med_json_next_key(j, obj, k))
 * visits each key; its value is k + 1. Array iteration likewise with elements. */
int med_json_first(const med_json *j, int container);
int med_json_next_key(const med_json *j, int obj, int key);
int med_json_next_elem(const med_json *j, int arr, int elem);

/* Numbers. Fixed point: a decimal number scaled by 10^scale, rounded half away from
 * zero. Each returns 1 on success, 0 if the token is not a number or out of range. */
int med_json_fixed(const med_json *j, int i, int scale, int64_t max_abs, int64_t *out);
int med_json_int(const med_json *j, int i, int64_t min, int64_t max, int64_t *out);
int med_json_bool(const med_json *j, int i, int *out);

/* String helpers shared by the readers. */
int med_str_eq(med_str a, med_str b);
int med_str_eq_n(med_str a, const char *s, size_t n);
#define med_str_eq_lit(a, lit) med_str_eq_n((a), "" lit, sizeof(lit) - 1)
int med_str_eq_cstr(med_str a, const char *s);
/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF). */
int med_utf8_valid(const char *s, size_t n);
int med_str_cmp(med_str a, med_str b); /* byte order */
int med_str_has_escape(med_str a);

/* ---- writing ---- */
typedef struct {
  char *buf;
  size_t cap;
  size_t len;
  int overflow;
} med_out;

void med_out_init(med_out *o, char *buf, size_t cap);
void med_out_raw(med_out *o, const char *s, size_t n);
void med_out_cstr(med_out *o, const char *s);
#define med_out_lit(o, lit) med_out_raw((o), "" lit, sizeof(lit) - 1)
void med_out_char(med_out *o, char c);
void med_out_str(med_out *o, med_str s);         /* text, escaped and quoted */
void med_out_str_body(med_out *o, med_str s);    /* text, escaped, no quotes */
void med_out_escaped(med_out *o, const char *s); /* a C string, escaped and quoted */
void med_out_int(med_out *o, int64_t v);
void med_out_micros(med_out *o, int64_t micros); /* 2500000 -> 2.5 */

#endif
