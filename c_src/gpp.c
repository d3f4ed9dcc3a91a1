/* gpp.c — GPP header and US opt-out-of-sale decoding, read straight from the
 * base64url text (6 bits a character, first bit first), no buffer in between. */
#include "gpp.h"

#include "consent.h" /* med_base64url_digit */

typedef struct {
  const char *s;
  uint32_t nchars;
  uint32_t at;   /* bit position */
  int bad;       /* a character outside base64url, or a read past the end */
} reader;

static uint32_t take(reader *r, unsigned n) {
  uint32_t v = 0;
  for (; n; n--) {
    if (r->at / 6 >= r->nchars) return (r->bad = 1), 0;
    int c = med_base64url_digit((unsigned char)r->s[r->at / 6]);
    if (c < 0) return (r->bad = 1), 0;
    v = (v << 1) | (uint32_t)((c >> (5 - r->at % 6)) & 1);
    r->at++;
  }
  return v;
}

/* A Fibonacci-coded integer: bit k (from 0) stands for F(k+2) = 1, 2, 3, 5, ...; the
 * code ends at the first "11". Section ids fit in 16 bits, so 24 digits at most. */
static uint32_t fibonacci(reader *r) {
  uint32_t f1 = 1, f2 = 2, sum = 0, prev = 0;
  for (int k = 0; k < 25 && !r->bad; k++) {
    uint32_t bit = take(r, 1);
    if (bit && prev) return sum;
    if (bit) sum += f1;
    prev = bit;
    uint32_t next = f1 + f2;
    f1 = f2;
    f2 = next;
  }
  r->bad = 1;
  return 0;
}

/* The header's Range(Fibonacci) of section ids: a count, then per item a single id
 * or a group, each as an offset from the last id seen. */
static int section_ids(reader *r, med_gpp *g, const char **why) {
  uint32_t n = take(r, 12), last = 0;
  for (uint32_t k = 0; k < n && !r->bad; k++) {
    uint32_t group = take(r, 1);
    uint32_t first = last + fibonacci(r), end = group ? first + fibonacci(r) : first;
    if (r->bad) break;
    if (first <= last || end > 0xffff) return (*why = "section ids out of order"), 0;
    for (uint32_t id = first; id <= end; id++) {
      if (g->nsections == MED_GPP_MAX_SECTIONS) return (*why = "too many sections"), 0;
      g->sections[g->nsections++].id = (uint16_t)id;
    }
    last = end;
  }
  if (r->bad) return (*why = "the header is not readable"), 0;
  return 1;
}

int med_gpp_decode(med_gpp *g, med_str s, const char **why) {
  g->nsections = 0;
  uint32_t head = 0;
  while (head < s.len && s.s[head] != '~') head++;
  if (!head) return (*why = "empty"), 0;
  reader r = {s.s, head, 0, 0};
  uint32_t type = take(&r, 6), version = take(&r, 6);
  if (r.bad || type != 3) return (*why = "not a GPP header"), 0;
  if (version != 1) return (*why = "not GPP version 1"), 0;
  if (!section_ids(&r, g, why)) return 0;
  /* The sections follow the header in the order of their ids, one per '~'. */
  uint32_t at = head, k = 0;
  while (at < s.len) {
    uint32_t start = ++at;
    while (at < s.len && s.s[at] != '~') at++;
    if (k == g->nsections) return (*why = "more sections than the header names"), 0;
    if (at == start) return (*why = "an empty section"), 0;
    g->sections[k++].text = (med_str){s.s + start, at - start};
  }
  if (k != g->nsections) return (*why = "fewer sections than the header names"), 0;
  return 1;
}

int med_gpp_sid_lists(med_str sids, uint16_t id) {
  if (!sids.len) return 1;
  uint32_t v = 0;
  for (uint32_t i = 0; i <= sids.len; i++) {
    if (i == sids.len || sids.s[i] == ',') {
      if (v == id) return 1;
      v = 0;
    } else if (sids.s[i] >= '0' && sids.s[i] <= '9' && v < 0x10000) {
      v = v * 10 + (uint32_t)(sids.s[i] - '0');
    }
  }
  return 0;
}

med_str med_gpp_section_text(const med_gpp *g, uint16_t id) {
  for (uint32_t k = 0; k < g->nsections; k++)
    if (g->sections[k].id == id) return g->sections[k].text;
  return (med_str){0};
}

/* Where SaleOptOut (Int(2): 0 not applicable, 1 opted out, 2 did not) sits in each
 * US section's core segment, after Version (Int(6)) and the notices before it. */
static int sale_opt_out_bit(uint16_t id) {
  switch (id) {
  case MED_GPP_US_NAT: return 18;
  case 11: /* usut */
  case 18: /* usia */
    return 14;
  case 24: /* usmd, usin, usky, usri: MspaVersion, MspaCoveredTransaction, MspaMode first */
  case 25:
  case 26:
  case 27: return 16;
  default: return id > MED_GPP_US_NAT && id <= MED_GPP_US_LAST ? 12 : -1;
  }
}

int med_gpp_sale_opt_out(uint16_t id, med_str text, const char **why) {
  if (id == MED_GPP_USP) { /* "1YNN": version 1, notice, opt-out of sale, LSPA */
    if (text.len != 4 || text.s[0] != '1') return (*why = "the uspv1 section is not readable"), -1;
    return text.s[2] == 'Y' || text.s[2] == 'y';
  }
  int bit = sale_opt_out_bit(id);
  if (bit < 0) return 0;
  uint32_t core = 0;
  while (core < text.len && text.s[core] != '.') core++;
  for (uint32_t i = 0; i < core; i++)
    if (med_base64url_digit((unsigned char)text.s[i]) < 0) return (*why = "a US section is not base64url"), -1;
  reader r = {text.s, core, 0, 0};
  uint32_t version = take(&r, 6);
  r.at = (uint32_t)bit;
  uint32_t sale = take(&r, 2);
  if (r.bad || version == 0) return (*why = "a US section is not readable"), -1;
  return sale == 1;
}
