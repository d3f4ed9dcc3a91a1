/* json.c — a checking one-pass tokenizer, typed reads over its tokens, and a JSON writer.
 *
 * The whole text is checked for UTF-8 and control characters first (8 or 16 bytes
 * a step while it is plain ASCII); then one pass makes jsmn-shaped tokens and checks
 * the grammar as it goes, jumping over each string to its closing quote 16 bytes a
 * step. (It replaced jsmn's parser and three checking passes after it.)
 * Nothing here recurses: a document nested 100 000 levels deep is refused at 128
 * without using stack. */
#include "json.h"

#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define MED_JSON_MAX_BYTES ((size_t)1 << 30)
#define MED_STR2(x) #x
#define MED_STR(x) MED_STR2(x)

/* ---- byte-level checks: UTF-8, NUL and control characters ---- */

static int utf8_seq_len(const unsigned char *p, size_t left) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    if (left < 2 || (p[1] & 0xC0) != 0x80) return 0;
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && p[1] > 0x9F) return 0; /* surrogate */
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && p[1] > 0x8F) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

int med_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    int k = utf8_seq_len(p + i, n - i);
    if (!k) return 0;
    i += (size_t)k;
  }
  return 1;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Returns the offset of the first bad byte, or len. Sets *has_tnr when a tab, CR or
 * LF occurs (legal between tokens, illegal raw inside strings). Eight ASCII bytes at
 * a time while the text is plain ASCII with no control characters. */
static size_t scan_bytes(const unsigned char *s, size_t len, int *has_tnr) {
  size_t i = 0;
#ifdef __wasm_simd128__
  /* Sixteen bytes a step where the Wasm engine runs with SIMD. */
  const v128_t space = wasm_i8x16_splat(0x20);
  for (; i + 16 <= len; i += 16) {
    v128_t v = wasm_v128_load(s + i);
    if (wasm_i8x16_bitmask(v) | wasm_i8x16_bitmask(wasm_u8x16_lt(v, space))) break;
  }
#endif
  while (i < len) {
    if (i + 8 <= len) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (((w | ((w - 0x2020202020202020ull) & ~w)) & HIGHS) == 0) {
        i += 8;
        continue;
      }
    }
    unsigned c = s[i];
    if (c < 0x20) {
      if (c != '\t' && c != '\n' && c != '\r') return i;
      *has_tnr = 1;
      i++;
    } else if (c < 0x80) {
      i++;
    } else {
      int n = utf8_seq_len(s + i, len - i);
      if (!n) return i;
      i += (size_t)n;
    }
  }
  return len;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* ---- grammar of primitives ---- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int number_grammar_ok(const char *s, size_t n) {
  size_t i = 0;
  if (i < n && s[i] == '-') i++;
  if (i >= n) return 0;
  if (s[i] == '0') {
    i++;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && is_digit(s[i])) i++;
  } else {
    return 0;
  }
  if (i < n && s[i] == '.') {
    i++;
    if (i >= n || !is_digit(s[i])) return 0;
    while (i < n && is_digit(s[i])) i++;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= n || !is_digit(s[i])) return 0;
    while (i < n && is_digit(s[i])) i++;
  }
  return i == n;
}

static int primitive_ok(const char *s, size_t n) {
  if (n == 4 && (memcmp(s, "true", 4) == 0 || memcmp(s, "null", 4) == 0)) return 1;
  if (n == 5 && memcmp(s, "false", 5) == 0) return 1;
  return number_grammar_ok(s, n);
}

static int has_raw_tnr(const char *s, size_t from, size_t to) {
  for (size_t p = from; p < to; p++)
    if (s[p] == '\t' || s[p] == '\n' || s[p] == '\r') return 1;
  return 0;
}

static int bad_at(med_error *err, const char *code, long at, const char *what) {
  char where[32];
  med_format(where, sizeof where, "byte %ld", at);
  return med_fail(err, code, where, "%s at byte %ld", what, at);
}

/* Searches the tokenizer needs: the next quote, and the next quote or backslash.
 * Sixteen bytes a step with Wasm SIMD or SSE2; plain C elsewhere. */
#if defined(__wasm_simd128__)
typedef v128_t vec16;
static vec16 load16(const char *p) { return wasm_v128_load(p); }
static vec16 splat16(char c) { return wasm_i8x16_splat(c); }
static unsigned eq_mask(vec16 v, vec16 c) { return (unsigned)wasm_i8x16_bitmask(wasm_i8x16_eq(v, c)); }
#define HAVE_VEC16 1
#elif defined(__SSE2__)
#include <emmintrin.h>
typedef __m128i vec16;
static vec16 load16(const char *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }
static vec16 splat16(char c) { return _mm_set1_epi8(c); }
static unsigned eq_mask(vec16 v, vec16 c) { return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, c)); }
#define HAVE_VEC16 1
#endif

/* The first quote, or (with_bs) quote or backslash, in s[0..n); NULL if none. */
static const char *find_quote(const char *s, size_t n, int with_bs) {
  size_t i = 0;
#ifdef HAVE_VEC16
  vec16 quote = splat16('"'), bs = splat16('\\');
  for (; i + 16 <= n; i += 16) {
    vec16 v = load16(s + i);
    unsigned m = eq_mask(v, quote) | (with_bs ? eq_mask(v, bs) : 0);
    if (m) return s + i + __builtin_ctz(m);
  }
#endif
  for (; i < n; i++)
    if (s[i] == '"' || (with_bs && s[i] == '\\')) return s + i;
  return NULL;
}

static int is_hex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

/* The offset of the quote closing the string that opens at q, jumping from quote
 * to backslash with find_quote; len if it is unterminated or holds an escape JSON
 * does not allow (jsmn then reports it). */
/* The offset of the quote closing the string that opens at q, jumping from quote
 * to backslash with find_quote; len if it is unterminated, or if it holds an escape
 * JSON does not allow (then *bad_escape, if given, is set). */
static size_t string_end(const char *s, size_t q, size_t len, int *bad_escape) {
  size_t p = q + 1;
  for (;;) {
    const char *hit = find_quote(s + p, len - p, 1);
    if (!hit) return len;
    p = (size_t)(hit - s);
    if (*hit == '"') return p;
    if (p + 1 >= len) return len;
    char c = s[p + 1];
    if (c == 'u') {
      if (p + 5 >= len) return len;
      if (!is_hex(s[p + 2]) || !is_hex(s[p + 3]) || !is_hex(s[p + 4]) || !is_hex(s[p + 5])) break;
      p += 6;
    } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
      p += 2;
    } else {
      break;
    }
  }
  if (bad_escape) *bad_escape = 1;
  return len;
}

size_t med_json_skip_ws(const char *s, size_t len, size_t i) {
  while (i < len && is_ws(s[i])) i++;
  return i;
}

size_t med_json_value_end(const char *s, size_t len, size_t i) {
  if (i >= len) return 0;
  char c = s[i];
  if (c == '"') {
    size_t e = string_end(s, i, len, NULL);
    return e < len ? e + 1 : 0;
  }
  if (c == '{' || c == '[') {
    size_t depth = 0;
    for (size_t p = i; p < len; p++) {
      c = s[p];
      if (c == '"') {
        p = string_end(s, p, len, NULL);
        if (p >= len) return 0;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return p + 1;
      }
    }
    return 0;
  }
  size_t p = i; /* a number or literal: up to the next delimiter */
  while (p < len && !is_ws(s[p]) && s[p] != ',' && s[p] != '}' && s[p] != ']' && s[p] != '"' && s[p] != '{' &&
         s[p] != '[' && s[p] != ':')
    p++;
  return p > i ? p : 0;
}

/* ---- the tokenizer: one pass, each rule of RFC 8259 checked where it applies ----
 *
 * Tokens are jsmn's (type, start, end, size, parent), as jsmn with JSMN_STRICT and
 * JSMN_PARENT_LINKS makes them, so every reader works on that one well-known
 * shape; the fuzzer checks that jsmn's own parser gives the same tokens for every
 * document accepted here. Strings are skipped 16 bytes a step to their closing
 * quote; UTF-8 and control characters were checked for the whole text before. */

enum want { WANT_VALUE, WANT_VALUE_OR_CLOSE, WANT_KEY, WANT_KEY_OR_CLOSE, WANT_COLON, WANT_COMMA_OR_CLOSE, WANT_END };

typedef struct {
  const char *s;
  size_t len;
  jsmntok_t *tok;
  int n, cap;
  med_arena *a;
  med_error *err;
} lexer;

/* Appends a token; the array doubles in the arena when full. -1 if out of room. */
static int add_token(lexer *x, jsmntype_t type, size_t start, size_t end, int parent) {
  if (x->n == x->cap) {
    size_t cap = (size_t)x->cap * 2;
    jsmntok_t *t = med_arena_alloc(x->a, cap * sizeof *t);
    if (!t) return -1;
    memcpy(t, x->tok, (size_t)x->n * sizeof *t);
    x->tok = t;
    x->cap = (int)cap;
  }
  x->tok[x->n] = (jsmntok_t){.type = type, .start = (int)start, .end = (int)end, .size = 0, .parent = parent};
  return x->n++;
}

/* The string opening at s[i]: its closing quote's offset in *end, or 0 with the
 * error (unterminated, a bad escape, a raw tab, CR or LF when the text has any). */
static int string_at(const char *s, size_t i, size_t len, int has_tnr, size_t *end, med_error *err) {
  int bad_escape = 0;
  size_t e = string_end(s, i, len, &bad_escape);
  if (e == len)
    return bad_escape ? bad_at(err, "invalid_json", (long)i, "a bad escape in a string")
                      : bad_at(err, "truncated_json", (long)len, "the JSON ends too early");
  if (has_tnr && has_raw_tnr(s, i + 1, e))
    return bad_at(err, "invalid_json", (long)i + 1, "a raw control character in a string");
  *end = e;
  return 1;
}

static int is_delimiter(char c) {
  return is_ws(c) || c == ',' || c == ':' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"';
}

int med_json_parse(med_json *j, const char *src, size_t len, med_arena *a, med_error *err) {
  j->src = src;
  j->len = len;
  j->tok = NULL;
  j->ntok = 0;
  if (len > MED_JSON_MAX_BYTES) return med_fail(err, "too_large", "", "the document is larger than 1 GiB");
  int has_tnr = 0;
  size_t bad = scan_bytes((const unsigned char *)src, len, &has_tnr);
  if (bad < len) {
    if ((unsigned char)src[bad] >= 0x80) return bad_at(err, "invalid_utf8", (long)bad, "invalid UTF-8");
    return bad_at(err, "invalid_json", (long)bad, "a control character");
  }
  size_t i = med_json_skip_ws(src, len, 0);
  if (i == len) return med_fail(err, "empty_input", "", "the input is empty");

  size_t cap = len / 8 + 16;
  lexer x = {src, len, med_arena_alloc(a, (cap > 4096 ? 4096 : cap) * sizeof(jsmntok_t)), 0, cap > 4096 ? 4096 : (int)cap,
             a, err};
  if (!x.tok) return med_fail(err, "out_of_memory", "", "no memory for JSON tokens");
  const char *s = src;
  int super = -1; /* the innermost open container */
  int key = -1;   /* in an object: the key whose value is next */
  int depth = 0;
  enum want want = WANT_VALUE;
  for (; i < len; i = med_json_skip_ws(s, len, i)) {
    char c = s[i];
    switch (want) {
      case WANT_END:
        return bad_at(err, "trailing_garbage", (long)i, "bytes after the JSON value");
      case WANT_COLON:
        if (c != ':') return bad_at(err, "invalid_json", (long)i, "unexpected or missing separator");
        i++;
        want = WANT_VALUE;
        continue;
      case WANT_COMMA_OR_CLOSE:
        if (c == ',') {
          i++;
          want = x.tok[super].type == JSMN_OBJECT ? WANT_KEY : WANT_VALUE;
          continue;
        }
        if (c != '}' && c != ']') return bad_at(err, "invalid_json", (long)i, "unexpected or missing separator");
        break; /* closes below */
      case WANT_KEY_OR_CLOSE:
        if (c == '}') break;
        /* fall through */
      case WANT_KEY: {
        if (c != '"') return bad_at(err, "invalid_json", (long)i, "an object key that is not a string");
        size_t e;
        if (!string_at(s, i, len, has_tnr, &e, err)) return 0;
        key = add_token(&x, JSMN_STRING, i + 1, e, super);
        if (key < 0) return med_fail(err, "out_of_memory", "", "no memory for JSON tokens");
        x.tok[super].size++;
        i = e + 1;
        want = WANT_COLON;
        continue;
      }
      case WANT_VALUE_OR_CLOSE:
        if (c == ']') break;
        /* fall through */
      case WANT_VALUE: {
        int parent = super >= 0 && x.tok[super].type == JSMN_OBJECT ? key : super;
        int t;
        if (c == '{' || c == '[') {
          if (++depth > MED_JSON_MAX_DEPTH)
            return bad_at(err, "too_deep", (long)i, "JSON nested deeper than " MED_STR(MED_JSON_MAX_DEPTH) " levels");
          t = add_token(&x, c == '{' ? JSMN_OBJECT : JSMN_ARRAY, i, 0, parent);
          if (t >= 0) super = t;
          want = c == '{' ? WANT_KEY_OR_CLOSE : WANT_VALUE_OR_CLOSE;
          i++;
        } else if (c == '"') {
          size_t e;
          if (!string_at(s, i, len, has_tnr, &e, err)) return 0;
          t = add_token(&x, JSMN_STRING, i + 1, e, parent);
          i = e + 1;
          want = super < 0 ? WANT_END : WANT_COMMA_OR_CLOSE;
        } else {
          size_t e = i;
          while (e < len && !is_delimiter(s[e])) e++;
          if (!primitive_ok(s + i, e - i)) return bad_at(err, "invalid_json", (long)i, "not a JSON value");
          t = add_token(&x, JSMN_PRIMITIVE, i, e, parent);
          i = e;
          want = super < 0 ? WANT_END : WANT_COMMA_OR_CLOSE;
        }
        if (t < 0) return med_fail(err, "out_of_memory", "", "no memory for JSON tokens");
        if (parent >= 0) x.tok[parent].size++;
        continue;
      }
    }
    /* c closes the open container. */
    if (x.tok[super].type != (c == '}' ? JSMN_OBJECT : JSMN_ARRAY))
      return bad_at(err, "invalid_json", (long)i, "a closing bracket of the wrong kind");
    x.tok[super].end = (int)i + 1;
    depth--;
    int up = x.tok[super].parent; /* the key it is the value of, or the array */
    super = up >= 0 && x.tok[up].type == JSMN_STRING ? x.tok[up].parent : up;
    want = super < 0 ? WANT_END : WANT_COMMA_OR_CLOSE;
    i++;
  }
  if (want != WANT_END) return bad_at(err, "truncated_json", (long)len, "the JSON ends too early");
  j->tok = x.tok;
  j->ntok = x.n;
  return 1;
}

/* ---- navigation ---- */

int med_json_skip(const med_json *j, int i) {
  const jsmntok_t *t = j->tok;
  if (t[i].type == JSMN_STRING || t[i].type == JSMN_PRIMITIVE) return i + 1;
  int end = t[i].end;
  int lo = i + 1, hi = j->ntok;
  /* Small values are common: look a few tokens ahead before bisecting. */
  for (int k = 0; k < 8 && lo < hi; k++, lo++)
    if (t[lo].start >= end) return lo;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (t[mid].start >= end) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

int med_json_first(const med_json *j, int c) { return j->tok[c].size > 0 ? c + 1 : -1; }

int med_json_next_key(const med_json *j, int obj, int key) {
  int n = med_json_skip(j, key + 1);
  return n < j->ntok && j->tok[n].parent == obj ? n : -1;
}

int med_json_next_elem(const med_json *j, int arr, int elem) {
  int n = med_json_skip(j, elem);
  return n < j->ntok && j->tok[n].parent == arr ? n : -1;
}

int med_json_is_null(const med_json *j, int i) {
  return j->tok[i].type == JSMN_PRIMITIVE && j->src[j->tok[i].start] == 'n';
}

int med_json_is_number(const med_json *j, int i) {
  char c = j->src[j->tok[i].start];
  return j->tok[i].type == JSMN_PRIMITIVE && (c == '-' || is_digit(c));
}

int med_json_streq_n(const med_json *j, int i, const char *lit, size_t n) {
  return j->tok[i].type == JSMN_STRING && med_str_eq_n(med_json_str(j, i), lit, n);
}

static int hex4(const char *p) {
  int v = 0;
  for (int k = 0; k < 4; k++) {
    char c = p[k];
    v = v * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return v;
}

static char *put_utf8(char *d, unsigned cp) {
  if (cp < 0x80) {
    *d++ = (char)cp;
  } else if (cp < 0x800) {
    *d++ = (char)(0xC0 | cp >> 6);
    *d++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *d++ = (char)(0xE0 | cp >> 12);
    *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *d++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *d++ = (char)(0xF0 | cp >> 18);
    *d++ = (char)(0x80 | (cp >> 12 & 0x3F));
    *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *d++ = (char)(0x80 | (cp & 0x3F));
  }
  return d;
}

/* Escapes were checked by jsmn (\uXXXX has four hex digits). A lone surrogate
 * becomes U+FFFD. The decoded text is never longer than the raw. */
med_str med_json_text(const med_json *j, int i, med_arena *a) {
  med_str raw = med_json_str(j, i);
  if (!med_str_has_escape(raw)) return raw;
  char *out = med_arena_alloc(a, raw.len);
  if (!out) return raw; /* the arena is marked failed: the host retries */
  char *d = out;
  const char *p = raw.s, *end = raw.s + raw.len;
  while (p < end) {
    if (*p != '\\') {
      *d++ = *p++;
      continue;
    }
    char c = p[1];
    p += 2;
    switch (c) {
      case 'b': *d++ = '\b'; break;
      case 'f': *d++ = '\f'; break;
      case 'n': *d++ = '\n'; break;
      case 'r': *d++ = '\r'; break;
      case 't': *d++ = '\t'; break;
      case 'u': {
        unsigned cp = (unsigned)hex4(p);
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && p + 6 <= end && p[0] == '\\' && p[1] == 'u') {
          unsigned lo = (unsigned)hex4(p + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
        d = put_utf8(d, cp);
        break;
      }
      default: *d++ = c; break; /* " \\ / */
    }
  }
  return (med_str){out, (uint32_t)(d - out)};
}

int med_json_bool(const med_json *j, int i, int *out) {
  if (j->tok[i].type != JSMN_PRIMITIVE) return 0;
  char c = j->src[j->tok[i].start];
  if (c != 't' && c != 'f') return 0;
  *out = c == 't';
  return 1;
}

/* ---- numbers: exact decimal to fixed point, no floating point ---- */

static const int64_t POW10[19] = {1,
                                  10,
                                  100,
                                  1000,
                                  10000,
                                  100000,
                                  1000000,
                                  10000000,
                                  100000000,
                                  1000000000,
                                  10000000000,
                                  100000000000,
                                  1000000000000,
                                  10000000000000,
                                  100000000000000,
                                  1000000000000000,
                                  10000000000000000,
                                  100000000000000000,
                                  1000000000000000000};

/* The grammar was checked at parse time. exact is cleared when digits were
 * rounded away. */
static int decimal_to_fixed(const char *s, size_t n, int scale, int64_t max_abs, int64_t *out, int *exact) {
  size_t i = 0;
  int neg = 0;
  if (s[i] == '-') neg = 1, i++;
  uint64_t mant = 0;
  int digits = 0;   /* significant digits kept in mant */
  long exp10 = 0;   /* value = mant * 10^exp10 */
  int dropped = 0;  /* a nonzero digit was dropped */
  int seen_nonzero = 0;
  for (; i < n && is_digit(s[i]); i++) {
    int d = s[i] - '0';
    seen_nonzero |= d != 0;
    if (digits < 18) {
      mant = mant * 10 + (uint64_t)d;
      if (seen_nonzero) digits++;
    } else {
      exp10++;
      dropped |= d != 0;
    }
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && is_digit(s[i]); i++) {
      int d = s[i] - '0';
      seen_nonzero |= d != 0;
      if (digits < 18) {
        mant = mant * 10 + (uint64_t)d;
        exp10--;
        if (seen_nonzero) digits++;
      } else {
        dropped |= d != 0;
      }
    }
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    int eneg = 0;
    if (s[i] == '+' || s[i] == '-') eneg = s[i] == '-', i++;
    long e = 0;
    for (; i < n && is_digit(s[i]); i++)
      if (e < 100000) e = e * 10 + (s[i] - '0');
    exp10 += eneg ? -e : e;
  }
  *exact = !dropped;
  long e = exp10 + scale;
  int64_t v;
  if (mant == 0) {
    v = 0;
  } else if (e >= 0) {
    if (e > 18) return 0;
    if (mant > (uint64_t)INT64_MAX / (uint64_t)POW10[e]) return 0;
    v = (int64_t)(mant * (uint64_t)POW10[e]);
  } else if (e < -18) {
    v = 0;
    *exact = 0;
  } else {
    uint64_t p = (uint64_t)POW10[-e];
    uint64_t q = mant / p, r = mant % p;
    if (r) *exact = 0;
    if (r * 2 >= p) q++;
    v = (int64_t)q;
  }
  if (v > max_abs) return 0;
  *out = neg ? -v : v;
  return 1;
}

int med_json_fixed(const med_json *j, int i, int scale, int64_t max_abs, int64_t *out) {
  if (!med_json_is_number(j, i)) return 0;
  int exact;
  return decimal_to_fixed(j->src + j->tok[i].start, (size_t)(j->tok[i].end - j->tok[i].start), scale,
                          max_abs, out, &exact);
}

int med_json_int(const med_json *j, int i, int64_t min, int64_t max, int64_t *out) {
  if (!med_json_is_number(j, i)) return 0;
  int exact;
  int64_t v;
  int64_t lim = max > -min ? max : -min;
  if (!decimal_to_fixed(j->src + j->tok[i].start, (size_t)(j->tok[i].end - j->tok[i].start), 0, lim, &v,
                        &exact))
    return 0;
  if (!exact || v < min || v > max) return 0;
  *out = v;
  return 1;
}

/* ---- strings ---- */

/* An absent string is {NULL, 0}: memcmp must not see its NULL, even for 0 bytes. */
int med_str_eq(med_str a, med_str b) { return a.len == b.len && (!a.len || memcmp(a.s, b.s, a.len) == 0); }

int med_str_eq_n(med_str a, const char *lit, size_t n) { return a.len == n && (!n || memcmp(a.s, lit, n) == 0); }

int med_str_eq_cstr(med_str a, const char *s) { return med_str_eq_n(a, s, strlen(s)); }

int med_str_cmp(med_str a, med_str b) {
  uint32_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.s, b.s, n) : 0;
  if (c) return c;
  return a.len < b.len ? -1 : a.len > b.len;
}

int med_str_has_escape(med_str a) { return memchr(a.s, '\\', a.len) != NULL; }

/* ---- writing ---- */

void med_out_init(med_out *o, char *buf, size_t cap) {
  o->buf = buf;
  o->cap = cap;
  o->len = 0;
  o->overflow = 0;
}

void med_out_raw(med_out *o, const char *s, size_t n) {
  if (n > o->cap - o->len) {
    o->overflow = 1;
    return;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

void med_out_cstr(med_out *o, const char *s) { med_out_raw(o, s, strlen(s)); }

void med_out_char(med_out *o, char c) {
  if (o->len < o->cap) o->buf[o->len++] = c;
  else o->overflow = 1;
}

void med_out_str_body(med_out *o, med_str s) {
  static const char hex[] = "0123456789abcdef";
  if (!s.len) return; /* an absent string ({NULL, 0}, e.g. no seat) writes nothing */
  const char *run = s.s, *end = s.s + s.len;
  for (const char *p = s.s; p < end; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    med_out_raw(o, run, (size_t)(p - run));
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      med_out_raw(o, e, 2);
    } else {
      char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      med_out_raw(o, u, 6);
    }
    run = p + 1;
  }
  med_out_raw(o, run, (size_t)(end - run));
}

void med_out_str(med_out *o, med_str s) {
  med_out_char(o, '"');
  med_out_str_body(o, s);
  med_out_char(o, '"');
}

/* Escapes a C string that may hold input bytes cut anywhere (messages are bounded):
 * an incomplete or invalid UTF-8 sequence becomes '?'. */
void med_out_escaped(med_out *o, const char *s) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  size_t left = strlen(s);
  med_out_char(o, '"');
  while (left) {
    unsigned c = *p;
    if (c == '"' || c == '\\') {
      med_out_char(o, '\\');
      med_out_char(o, (char)c);
    } else if (c < 0x20) {
      char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      med_out_raw(o, u, 6);
    } else if (c >= 0x80) {
      int n = utf8_seq_len(p, left);
      if (n) {
        med_out_raw(o, (const char *)p, (size_t)n);
        p += n;
        left -= (size_t)n;
        continue;
      }
      med_out_char(o, '?');
    } else {
      med_out_char(o, (char)c);
    }
    p++;
    left--;
  }
  med_out_char(o, '"');
}

void med_out_int(med_out *o, int64_t v) {
  char b[24];
  int n = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    b[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) b[n++] = '-';
  char r[24];
  for (int k = 0; k < n; k++) r[k] = b[n - 1 - k];
  med_out_raw(o, r, (size_t)n);
}

void med_out_micros(med_out *o, int64_t micros) {
  if (micros < 0) {
    med_out_char(o, '-');
    micros = -micros;
  }
  med_out_int(o, micros / 1000000);
  int64_t frac = micros % 1000000;
  if (!frac) return;
  char d[8];
  int n = 0;
  d[n++] = '.';
  for (int64_t p = 100000; p && frac; p /= 10) {
    d[n++] = (char)('0' + frac / p);
    frac %= p;
  }
  med_out_raw(o, d, (size_t)n);
}
