/* consent.c — TCF v2 core segment decoding and the consent rule, bit by checked bit. */
#include "consent.h"

#include <string.h>

#include "error.h"

typedef struct {
  const uint8_t *bytes;
  uint64_t nbits, at;
  int short_read; /* a field ran past the end */
} bits;

static uint64_t take(bits *b, unsigned n) {
  if (b->at + n > b->nbits) {
    b->short_read = 1;
    b->at = b->nbits;
    return 0;
  }
  uint64_t v = 0;
  while (n) { /* whole runs of the current byte at a time */
    unsigned off = (unsigned)(b->at & 7), room = 8 - off, k = n < room ? n : room;
    unsigned byte = b->bytes[b->at >> 3];
    v = (v << k) | ((byte >> (room - k)) & ((1u << k) - 1u));
    b->at += k;
    n -= k;
  }
  return v;
}

int med_base64url_digit(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

static void letters(bits *b, char out[3]) {
  for (int i = 0; i < 2; i++) out[i] = (char)('A' + (int)take(b, 6));
  out[2] = 0;
}

static void set_bit(uint8_t *set, uint32_t v) { set[v >> 3] |= (uint8_t)(1u << (v & 7)); }
static int has_vendor(const med_tcf_vendors *s, uint32_t v) {
  if (v < 1 || v > s->max) return 0;
  if (s->field) {
    uint64_t bit = s->at + v - 1;
    return (s->field[bit >> 3] >> (7 - (bit & 7))) & 1;
  }
  return s->set && ((s->set[v >> 3] >> (v & 7)) & 1);
}

/* A vendor section: MaxVendorId, then a bit field (kept in place) or ranges (into a
 * bitset). */
static int vendor_section(bits *b, med_arena *a, med_tcf_vendors *out, const char **why) {
  uint32_t max = (uint32_t)take(b, 16);
  int ranges = (int)take(b, 1);
  *out = (med_tcf_vendors){max, NULL, 0, NULL};
  if (!ranges) {
    if (b->short_read || b->at + max > b->nbits) return (*why = "too short for its vendor section"), 0;
    out->field = b->bytes;
    out->at = b->at;
    b->at += max;
    return 1;
  }
  uint8_t *set = med_arena_zalloc(a, (max >> 3) + 1);
  if (!set) return (*why = "out of memory"), 0;
  uint32_t n = (uint32_t)take(b, 12);
  for (uint32_t k = 0; k < n && !b->short_read; k++) {
    int is_range = (int)take(b, 1);
    uint32_t first = (uint32_t)take(b, 16), last = is_range ? (uint32_t)take(b, 16) : first;
    if (b->short_read) break;
    if (first < 1 || last < first || last > max) return (*why = "a vendor range out of order or past MaxVendorId"), 0;
    for (uint32_t v = first; v <= last; v++) set_bit(set, v);
  }
  if (b->short_read) return (*why = "too short for its vendor section"), 0;
  out->set = set;
  return 1;
}

static int restrictions(bits *b, med_tcf *t, med_arena *a, const char **why) {
  uint32_t n = (uint32_t)take(b, 12), cap = 0, used = 0;
  med_tcf_restriction *list = NULL;
  for (uint32_t k = 0; k < n && !b->short_read; k++) {
    uint8_t purpose = (uint8_t)take(b, 6), type = (uint8_t)take(b, 2);
    uint32_t entries = (uint32_t)take(b, 12);
    for (uint32_t e = 0; e < entries && !b->short_read; e++) {
      int is_range = (int)take(b, 1);
      uint32_t first = (uint32_t)take(b, 16), last = is_range ? (uint32_t)take(b, 16) : first;
      if (b->short_read) break;
      if (first < 1 || last < first) return (*why = "a restriction's vendor range out of order"), 0;
      if (used == cap) {
        cap = cap ? cap * 2 : 8;
        med_tcf_restriction *more = med_arena_alloc(a, sizeof *more * cap);
        if (!more) return (*why = "out of memory"), 0;
        if (used) memcpy(more, list, sizeof *more * used);
        list = more;
      }
      list[used++] = (med_tcf_restriction){purpose, type, (uint16_t)first, (uint16_t)last};
    }
  }
  if (b->short_read) return (*why = "too short for its publisher restrictions"), 0;
  t->restrictions = list;
  t->nrestrictions = used;
  return 1;
}

int med_tcf_decode(med_tcf *t, med_str s, med_arena *a, const char **why) {
  memset(t, 0, sizeof *t);
  size_t n = 0;
  while (n < s.len && s.s[n] != '.') n++; /* the core segment */
  if (n == 0) return (*why = "empty"), 0;
  uint8_t *bytes = med_arena_zalloc(a, n * 6 / 8 + 1);
  if (!bytes) return (*why = "out of memory"), 0;
  uint32_t acc = 0;
  int held = 0;
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    int v = med_base64url_digit((unsigned char)s.s[i]);
    if (v < 0) return (*why = "not base64url"), 0;
    acc = (acc << 6) | (uint32_t)v;
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes[out++] = (uint8_t)(acc >> held);
    }
  }
  if (held) bytes[out] = (uint8_t)(acc << (8 - held));
  bits b = {bytes, (uint64_t)n * 6, 0, 0};
  t->version = (int)take(&b, 6);
  if (t->version != 2) return (*why = "not a TCF v2 string"), 0;
  t->created_ds = (int64_t)take(&b, 36);
  t->updated_ds = (int64_t)take(&b, 36);
  t->cmp_id = (int)take(&b, 12);
  t->cmp_version = (int)take(&b, 12);
  t->consent_screen = (int)take(&b, 6);
  letters(&b, t->language);
  t->vendor_list_version = (int)take(&b, 12);
  t->policy_version = (int)take(&b, 6);
  t->service_specific = (int)take(&b, 1);
  t->non_standard_stacks = (int)take(&b, 1);
  t->special_features = (uint32_t)take(&b, 12);
  t->purposes_consent = (uint32_t)take(&b, 24);
  t->purposes_li = (uint32_t)take(&b, 24);
  t->purpose_one_treatment = (int)take(&b, 1);
  letters(&b, t->publisher_cc);
  if (b.short_read) return (*why = "too short for its header"), 0;
  /* The bit fields above are written first purpose first: reversed into bit p-1. */
  uint32_t pc = 0, pl = 0, sf = 0;
  for (int i = 0; i < 24; i++) {
    pc |= ((t->purposes_consent >> (23 - i)) & 1u) << i;
    pl |= ((t->purposes_li >> (23 - i)) & 1u) << i;
    if (i < 12) sf |= ((t->special_features >> (11 - i)) & 1u) << i;
  }
  t->purposes_consent = pc;
  t->purposes_li = pl;
  t->special_features = sf;
  if (!vendor_section(&b, a, &t->vendor_consent, why)) return 0;
  if (!vendor_section(&b, a, &t->vendor_li, why)) return 0;
  return restrictions(&b, t, a, why);
}

int med_tcf_vendor_consent(const med_tcf *t, uint32_t v) { return has_vendor(&t->vendor_consent, v); }
int med_tcf_vendor_li(const med_tcf *t, uint32_t v) { return has_vendor(&t->vendor_li, v); }
int med_tcf_purpose_consent(const med_tcf *t, uint32_t p) { return p >= 1 && p <= 24 && ((t->purposes_consent >> (p - 1)) & 1); }
int med_tcf_purpose_li(const med_tcf *t, uint32_t p) { return p >= 1 && p <= 24 && ((t->purposes_li >> (p - 1)) & 1); }

int med_tcf_restriction_for(const med_tcf *t, uint32_t purpose, uint32_t vendor) {
  for (uint32_t i = 0; i < t->nrestrictions; i++) {
    const med_tcf_restriction *r = &t->restrictions[i];
    if (r->purpose == purpose && vendor >= r->first && vendor <= r->last) return r->type;
  }
  return -1;
}

const char *med_tcf_allows(const med_tcf *t, uint32_t vendor, uint32_t purposes, char *buf, size_t cap) {
  for (uint32_t p = 1; p <= 24; p++) {
    if (!((purposes >> (p - 1)) & 1)) continue;
    int r = med_tcf_restriction_for(t, p, vendor);
    int consent = med_tcf_purpose_consent(t, p) && med_tcf_vendor_consent(t, vendor);
    int li = med_tcf_purpose_li(t, p) && med_tcf_vendor_li(t, vendor);
    const char *missing = NULL;
    if (r == MED_TCF_NOT_ALLOWED) missing = "the publisher does not allow it";
    else if ((p == 1 || r == MED_TCF_REQUIRE_CONSENT) && !consent) missing = "no consent";
    else if (r == MED_TCF_REQUIRE_LI && !li) missing = "no legitimate interest";
    else if (r != MED_TCF_REQUIRE_CONSENT && r != MED_TCF_REQUIRE_LI && p != 1 && !consent && !li)
      missing = "neither consent nor legitimate interest";
    if (missing) {
      med_format(buf, cap, "vendor %u, purpose %u: %s", vendor, p, missing);
      return buf;
    }
  }
  return NULL;
}
