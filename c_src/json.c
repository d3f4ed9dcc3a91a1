/* json.c — jsmn tokens made trustworthy, typed reads over them, and a JSON writer.
 *
 * jsmn tokenizes; it leaves UTF-8, string control characters, separators between
 * tokens, number grammar and trailing bytes to its caller. This file checks all of
 * them once, right after tokenizing, so the rest of the engine can read tokens
 * without re-checking. Nothing here recurses: a document nested 100 000 levels deep
 * costs tokens, not stack. */
#define MED_JSON_IMPL
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

/* ---- structure: what lies between tokens ---- */

static int raw_start(const jsmntok_t *t) { return t->type == JSMN_STRING ? t->start - 1 : t->start; }
static int raw_end(const jsmntok_t *t) { return t->type == JSMN_STRING ? t->end + 1 : t->end; }

enum gap_kind { GAP_NOTHING, GAP_COLON, GAP_COMMA, GAP_TAIL };

/* Returns the offset of the first byte that does not belong, or -1 if the gap is
 * well formed: whitespace, plus one ':' (GAP_COLON), or closers then one ','
 * (GAP_COMMA), or closers only (GAP_TAIL). */
static long gap_bad(const char *s, int from, int to, enum gap_kind kind) {
  /* Compact JSON: the gap is the separator alone, or nothing. */
  if (to - from == 1 && ((kind == GAP_COLON && s[from] == ':') || (kind == GAP_COMMA && s[from] == ','))) return -1;
  if (to == from && (kind == GAP_NOTHING || kind == GAP_TAIL)) return -1;
  int seen_sep = 0;
  for (int p = from; p < to; p++) {
    char c = s[p];
    if (is_ws(c)) continue;
    if (kind == GAP_COLON && c == ':' && !seen_sep) {
      seen_sep = 1;
    } else if (kind == GAP_COMMA && c == ',' && !seen_sep) {
      seen_sep = 1;
    } else if ((kind == GAP_COMMA || kind == GAP_TAIL) && (c == ']' || c == '}') && !seen_sep) {
      /* a container closing before the separator */
    } else {
      return p;
    }
  }
  if ((kind == GAP_COLON || kind == GAP_COMMA) && !seen_sep) return to;
  return -1;
}

static int has_raw_tnr(const char *s, int from, int to) {
  for (int p = from; p < to; p++)
    if (s[p] == '\t' || s[p] == '\n' || s[p] == '\r') return 1;
  return 0;
}

static int bad_at(med_error *err, const char *code, long at, const char *what) {
  char where[32];
  med_format(where, sizeof where, "byte %ld", at);
  return med_fail(err, code, where, "%s at byte %ld", what, at);
}

#define WINDOW 64

static int open_depth(const jsmntok_t *tok, int super) {
  int d = 0;
  while (super >= 0 && d <= MED_JSON_MAX_DEPTH) {
    if (tok[super].type != JSMN_STRING) d++;
    super = tok[super].parent;
  }
  return d;
}

static int too_deep(med_error *err, unsigned pos) {
  return bad_at(err, "too_deep", (long)pos, "JSON nested deeper than " MED_STR(MED_JSON_MAX_DEPTH) " levels");
}

static int check_tokens(const med_json *j, int has_tnr, med_arena *a, med_error *err) {
  const jsmntok_t *t = j->tok;
  const char *s = j->src;
  /* Containers' depths; keys do not count as a level. */
  uint8_t *depth = med_arena_alloc(a, (size_t)j->ntok);
  if (!depth) return med_fail(err, "out_of_memory", "", "no memory for JSON tokens");
  for (int i = 0; i < j->ntok; i++) {
    int par = t[i].parent;
    int dp = par < 0 ? 0 : depth[par];
    depth[i] = (uint8_t)(t[i].type == JSMN_OBJECT || t[i].type == JSMN_ARRAY ? dp + 1 : dp);
    if (depth[i] > MED_JSON_MAX_DEPTH) return too_deep(err, (unsigned)t[i].start);
    int par_is_obj = par >= 0 && t[par].type == JSMN_OBJECT;
    switch (t[i].type) {
      case JSMN_PRIMITIVE:
        if (t[i].size != 0 || !primitive_ok(s + t[i].start, (size_t)(t[i].end - t[i].start)))
          return bad_at(err, "invalid_json", t[i].start, "not a JSON value");
        break;
      case JSMN_STRING:
        if (par_is_obj ? t[i].size != 1 : t[i].size != 0)
          return bad_at(err, "invalid_json", raw_start(&t[i]),
                        par_is_obj ? "a key without a value" : "a string used as a key outside an object");
        if (has_tnr && has_raw_tnr(s, t[i].start, t[i].end))
          return bad_at(err, "invalid_json", t[i].start, "a raw control character in a string");
        break;
      default:
        if (par_is_obj) return bad_at(err, "invalid_json", t[i].start, "an object key that is not a string");
        if (t[i].size == 0) {
          long b = gap_bad(s, t[i].start + 1, t[i].end - 1, GAP_NOTHING);
          if (b >= 0) return bad_at(err, "invalid_json", b, "unexpected character");
        }
        break;
    }
    if (i == 0) {
      /* jsmn skips ',' and ':' before the first value: only whitespace may lead. */
      long b = gap_bad(s, 0, raw_start(&t[0]), GAP_NOTHING);
      if (b >= 0) return bad_at(err, "invalid_json", b, "unexpected character");
      continue;
    }
    long b;
    if (i - 1 == par) {
      if (t[par].type == JSMN_STRING)
        b = gap_bad(s, raw_end(&t[par]), raw_start(&t[i]), GAP_COLON);
      else
        b = gap_bad(s, t[par].start + 1, raw_start(&t[i]), GAP_NOTHING);
    } else {
      b = gap_bad(s, raw_end(&t[i - 1]), raw_start(&t[i]), GAP_COMMA);
    }
    if (b >= 0) return bad_at(err, "invalid_json", b, "unexpected or missing separator");
  }
  if (j->ntok > 1) {
    long b = gap_bad(s, raw_end(&t[j->ntok - 1]), raw_end(&t[0]), GAP_TAIL);
    if (b >= 0) return bad_at(err, "invalid_json", b, "unexpected character before a closing bracket");
  }
  return 1;
}

/* ---- the skeleton: jsmn reads the structure, not the long strings ----
 *
 * jsmn looks at every byte. Most bytes of bid responses are markup and URLs in
 * long strings that need no tokenizing, only their two ends. So before jsmn runs,
 * each string of SKIP_MIN or more bytes is emptied in a copy
 * (the skeleton: `"<div>...</div>"` becomes `""`), its ends found with a fast
 * byte search; jsmn tokenizes the skeleton; and token offsets are mapped back to
 * the original text, where every later check reads. */

#define SKIP_MIN 4

typedef struct {
  uint32_t at;    /* skeleton offset of an emptied string's closing quote */
  uint32_t shift; /* bytes removed up to and including this string */
} removal;

typedef struct {
  const char *text;
  size_t len;
  removal *rm;
  size_t nrm;
} skeleton;

/* Searches the skeleton needs: the next quote, and the next quote or backslash.
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
static size_t string_end(const char *s, size_t q, size_t len) {
  size_t p = q + 1;
  for (;;) {
    const char *hit = find_quote(s + p, len - p, 1);
    if (!hit) return len;
    p = (size_t)(hit - s);
    if (*hit == '"') return p;
    if (p + 1 >= len) return len;
    char c = s[p + 1];
    if (c == 'u') {
      if (p + 5 >= len || !is_hex(s[p + 2]) || !is_hex(s[p + 3]) || !is_hex(s[p + 4]) || !is_hex(s[p + 5]))
        return len;
      p += 6;
    } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
      p += 2;
    } else {
      return len;
    }
  }
}

size_t med_json_skip_ws(const char *s, size_t len, size_t i) {
  while (i < len && is_ws(s[i])) i++;
  return i;
}

size_t med_json_value_end(const char *s, size_t len, size_t i) {
  if (i >= len) return 0;
  char c = s[i];
  if (c == '"') {
    size_t e = string_end(s, i, len);
    return e < len ? e + 1 : 0;
  }
  if (c == '{' || c == '[') {
    size_t depth = 0;
    for (size_t p = i; p < len; p++) {
      c = s[p];
      if (c == '"') {
        p = string_end(s, p, len);
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

static int make_skeleton(const char *s, size_t len, med_arena *a, skeleton *k) {
  k->text = s;
  k->len = len;
  k->rm = NULL;
  k->nrm = 0;
  char *out = NULL;
  size_t o = 0, copied = 0, i = 0, shift = 0;
  while (i < len) {
    /* Outside a string, the next quote opens one. */
    const char *qp = find_quote(s + i, len - i, 0);
    if (!qp) break;
    size_t q = (size_t)(qp - s);
    size_t e = string_end(s, q, len);
    if (e >= len) break; /* unterminated or a bad escape: jsmn will say so */
    if (e - q - 1 >= SKIP_MIN) {
      if (!out) {
        out = med_arena_alloc(a, len);
        k->rm = med_arena_alloc(a, sizeof(removal) * (len / (SKIP_MIN + 2) + 1));
        if (!out || !k->rm) return 0;
      }
      memcpy(out + o, s + copied, q + 1 - copied);
      o += q + 1 - copied;
      shift += e - q - 1;
      k->rm[k->nrm++] = (removal){(uint32_t)o, (uint32_t)shift};
      copied = e;
    }
    i = e + 1;
  }
  if (out) {
    memcpy(out + o, s + copied, len - copied);
    k->text = out;
    k->len = o + len - copied;
  }
  return 1;
}

/* Skeleton offset to original offset. */
static int map_pos(const skeleton *k, int x) {
  size_t lo = 0, hi = k->nrm;
  while (lo < hi) { /* the first removal past x */
    size_t mid = lo + (hi - lo) / 2;
    if (k->rm[mid].at <= (uint32_t)x) lo = mid + 1;
    else hi = mid;
  }
  return lo ? x + (int)k->rm[lo - 1].shift : x;
}

/* Starts ascend with the token index, so one pass of a cursor maps them; ends of
 * strings and primitives lie before the next start; containers' ends bisect. */
static void map_tokens(const skeleton *k, jsmntok_t *t, int n) {
  if (!k->nrm) return;
  size_t r = 0;
  for (int i = 0; i < n; i++) {
    /* A string's start is right after its opening quote, which no removal moves. */
    int x = t[i].type == JSMN_STRING ? t[i].start - 1 : t[i].start;
    while (r < k->nrm && k->rm[r].at <= (uint32_t)x) r++;
    t[i].start += r ? (int)k->rm[r - 1].shift : 0;
    if (t[i].type == JSMN_OBJECT || t[i].type == JSMN_ARRAY) {
      t[i].end = map_pos(k, t[i].end);
    } else {
      size_t r2 = r;
      while (r2 < k->nrm && k->rm[r2].at <= (uint32_t)t[i].end) r2++;
      t[i].end += r2 ? (int)k->rm[r2 - 1].shift : 0;
    }
  }
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
  size_t lead = 0;
  while (lead < len && is_ws(src[lead])) lead++;
  if (lead == len) return med_fail(err, "empty_input", "", "the input is empty");

  skeleton k;
  if (!make_skeleton(src, len, a, &k)) return med_fail(err, "out_of_memory", "", "no memory for JSON tokens");

  /* jsmn closes a container by walking parent links up from the newest token, so
   * n closing brackets in a row cost n^2 / 2 steps. To bound that, it is fed
   * WINDOW tokens at a time and the open depth is checked between feeds. */
  size_t cap = k.len / 8 + 64;
  if (cap > 4096) cap = 4096;
  jsmntok_t *tok = med_arena_alloc(a, cap * sizeof *tok);
  if (!tok) return med_fail(err, "out_of_memory", "", "no memory for JSON tokens");
  jsmn_parser p;
  jsmn_init(&p);
  int r;
  size_t limit = cap < WINDOW ? cap : WINDOW;
  while ((r = jsmn_parse(&p, k.text, k.len, tok, (unsigned)limit)) == JSMN_ERROR_NOMEM) {
    if (open_depth(tok, p.toksuper) > MED_JSON_MAX_DEPTH) return too_deep(err, (unsigned)map_pos(&k, (int)p.pos));
    if (limit == cap) {
      size_t ncap = cap * 2;
      if (ncap > k.len + 2) ncap = k.len + 2;
      jsmntok_t *bigger = med_arena_alloc(a, ncap * sizeof *tok);
      if (!bigger) return med_fail(err, "out_of_memory", "", "no memory for JSON tokens");
      memcpy(bigger, tok, cap * sizeof *tok);
      tok = bigger;
      cap = ncap;
    }
    limit = p.toknext + WINDOW < cap ? p.toknext + WINDOW : cap;
  }
  if (r == JSMN_ERROR_PART && p.toknext == 0 && src[lead] != '"' && src[lead] != '{' && src[lead] != '[') {
    /* Strict jsmn wants a delimiter after a primitive: a document that is one number
     * or literal with nothing after it is that one token (checked as any other). */
    tok[0] = (jsmntok_t){.type = JSMN_PRIMITIVE, .start = (int)lead, .end = (int)len, .size = 0, .parent = -1};
    j->tok = tok;
    j->ntok = 1;
    return check_tokens(j, has_tnr, a, err);
  }
  if (r == JSMN_ERROR_PART) return bad_at(err, "truncated_json", (long)len, "the JSON ends too early");
  if (r < 0) {
    long at = map_pos(&k, (int)p.pos);
    if (p.toknext > 0 && tok[0].end >= 0 && p.pos >= (unsigned)raw_end(&tok[0]))
      return bad_at(err, "trailing_garbage", at, "bytes after the JSON value");
    return bad_at(err, "invalid_json", at, "not valid JSON");
  }
  if (r == 0) return med_fail(err, "empty_input", "", "the input holds no JSON value");
  map_tokens(&k, tok, r);
  j->tok = tok;
  j->ntok = r;
  size_t end = (size_t)raw_end(&tok[0]);
  while (end < len && is_ws(src[end])) end++;
  if (end < len) return bad_at(err, "trailing_garbage", (long)end, "bytes after the JSON value");
  return check_tokens(j, has_tnr, a, err);
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
