/* fuzz_common.h — helpers shared by the libFuzzer harnesses (header only).
 *
 *   FZ_ASSERT(cond, msg)        prints the broken invariant and abort()s
 *   fz_json_valid(s, n)         an independent RFC 8259 validator with the engine's
 *                               own limits (UTF-8 as json.c checks it, containers
 *                               nested at most MED_JSON_MAX_DEPTH deep); used as the
 *                               oracle for med_json_parse and for every output
 *   fz_check_answer(out, n, st) what every med_auction / med_report answer must be
 *   fz_copy(p, n)               a heap copy of exactly n bytes, so ASan sees any
 *                               read past the end of a document */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "json.h"

/* A stand-in zone database, so configs with a timezone load natively: "UTC" is 0
 * and "Europe/Paris" +60 before 2026-03-29T01:00Z, +120 from then on. */
static int fz_zone_offset(void *ctx, const char *zone, size_t len, int64_t utc_ms, int32_t *offset_min) {
  (void)ctx;
  if (len == 3 && memcmp(zone, "UTC", 3) == 0) return *offset_min = 0, 1;
  if (len == 12 && memcmp(zone, "Europe/Paris", 12) == 0) return *offset_min = utc_ms < 1774746000000 ? 60 : 120, 1;
  return 0;
}
static const med_zones FZ_ZONES = {fz_zone_offset, NULL};

static inline med_engine *fz_engine_new(void) {
  med_engine *e = med_engine_new();
  if (e) med_engine_set_zones(e, fz_zone_offset, NULL);
  return e;
}

#define FZ_ASSERT(cond, msg)                                                           \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "INVARIANT BROKEN %s:%d: %s (%s)\n", __FILE__, __LINE__, msg, #cond); \
      abort();                                                                         \
    }                                                                                  \
  } while (0)

typedef struct {
  const unsigned char *s;
  size_t n, i;
} fz_cur;

static inline void fz_ws(fz_cur *c) {
  while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' || c->s[c->i] == '\r')) c->i++;
}

static inline int fz_lit(fz_cur *c, const char *w) {
  size_t k = strlen(w);
  if (c->n - c->i < k || memcmp(c->s + c->i, w, k) != 0) return 0;
  c->i += k;
  return 1;
}

static inline int fz_digit(fz_cur *c) { return c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9'; }

static inline int fz_number(fz_cur *c) {
  if (c->i < c->n && c->s[c->i] == '-') c->i++;
  if (!fz_digit(c)) return 0;
  if (c->s[c->i] == '0') c->i++;
  else while (fz_digit(c)) c->i++;
  if (c->i < c->n && c->s[c->i] == '.') {
    c->i++;
    if (!fz_digit(c)) return 0;
    while (fz_digit(c)) c->i++;
  }
  if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
    c->i++;
    if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-')) c->i++;
    if (!fz_digit(c)) return 0;
    while (fz_digit(c)) c->i++;
  }
  return 1;
}

/* One UTF-8 scalar value (no overlongs, no surrogates, at most U+10FFFF). */
static inline int fz_utf8(fz_cur *c) {
  const unsigned char *p = c->s + c->i;
  size_t left = c->n - c->i;
  unsigned b = p[0], need, cp;
  if (b < 0x80) need = 0, cp = b;
  else if (b >= 0xC0 && b < 0xE0) need = 1, cp = b & 0x1F;
  else if (b >= 0xE0 && b < 0xF0) need = 2, cp = b & 0x0F;
  else if (b >= 0xF0 && b < 0xF8) need = 3, cp = b & 0x07;
  else return 0;
  if (left < need + 1) return 0;
  for (unsigned k = 1; k <= need; k++) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (p[k] & 0x3F);
  }
  static const unsigned min[4] = {0, 0x80, 0x800, 0x10000};
  if (cp < min[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  c->i += need + 1;
  return 1;
}

static inline int fz_string(fz_cur *c) {
  if (c->i >= c->n || c->s[c->i] != '"') return 0;
  c->i++;
  for (;;) {
    if (c->i >= c->n) return 0;
    unsigned char ch = c->s[c->i];
    if (ch == '"') {
      c->i++;
      return 1;
    }
    if (ch < 0x20) return 0;
    if (ch == '\\') {
      c->i++;
      if (c->i >= c->n) return 0;
      ch = c->s[c->i++];
      if (ch == 'u') {
        for (int k = 0; k < 4; k++, c->i++) {
          if (c->i >= c->n) return 0;
          unsigned char h = c->s[c->i];
          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) return 0;
        }
      } else if (!strchr("\"\\/bfnrt", ch) || ch == 0) {
        return 0;
      }
      continue;
    }
    if (!fz_utf8(c)) return 0;
  }
}

static inline int fz_value(fz_cur *c, int depth) {
  fz_ws(c);
  if (c->i >= c->n) return 0;
  unsigned char ch = c->s[c->i];
  if (ch == '{' || ch == '[') {
    if (depth + 1 > MED_JSON_MAX_DEPTH) return 0;
    char close = ch == '{' ? '}' : ']';
    c->i++;
    fz_ws(c);
    if (c->i < c->n && c->s[c->i] == close) {
      c->i++;
      return 1;
    }
    for (;;) {
      if (ch == '{') {
        fz_ws(c);
        if (!fz_string(c)) return 0;
        fz_ws(c);
        if (c->i >= c->n || c->s[c->i] != ':') return 0;
        c->i++;
      }
      if (!fz_value(c, depth + 1)) return 0;
      fz_ws(c);
      if (c->i >= c->n) return 0;
      if (c->s[c->i] == ',') {
        c->i++;
        continue;
      }
      if (c->s[c->i] != close) return 0;
      c->i++;
      return 1;
    }
  }
  if (ch == '"') return fz_string(c);
  if (ch == 't') return fz_lit(c, "true");
  if (ch == 'f') return fz_lit(c, "false");
  if (ch == 'n') return fz_lit(c, "null");
  return fz_number(c);
}

static inline int fz_json_valid(const char *s, size_t n) {
  fz_cur c = {(const unsigned char *)s, n, 0};
  if (!fz_value(&c, 0)) return 0;
  fz_ws(&c);
  return c.i == n;
}

static inline int fz_starts(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(s, prefix, k) == 0;
}

/* Every answer of med_auction / med_report: status 0 or 2, valid JSON, and an
 * error document exactly when the status is 2. */
static inline void fz_check_answer(const char *out, size_t n, int32_t st, const char *ok_prefix) {
  FZ_ASSERT(st == 0 || st == 2, "status is MED_OK or MED_BAD_INPUT");
  FZ_ASSERT(out != NULL && n > 0, "an answer is written");
  FZ_ASSERT(fz_json_valid(out, n), "the answer is valid JSON");
  if (st == 2) FZ_ASSERT(fz_starts(out, n, "{\"error\":{\"code\":"), "status 2 comes with an error document");
  else FZ_ASSERT(fz_starts(out, n, ok_prefix), "status 0 comes with a result document");
}

static inline char *fz_copy(const void *p, size_t n) {
  char *q = malloc(n ? n : 1);
  if (!q) abort();
  if (n) memcpy(q, p, n);
  return q;
}

#endif
