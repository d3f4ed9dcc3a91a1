/* fuzz_consent.c — fuzzes the privacy strings: med_tcf_decode and med_tcf_allows
 * (consent.h), med_gpp_decode and med_gpp_sale_opt_out (gpp.h), on an exact-size
 * copy of the input.
 *
 * Invariants (abort() on violation):
 *  - a refused string gives a non-empty reason;
 *  - a decoded TC string's vendor sections answer for every id up to MaxVendorId + 1
 *    without reading past the input (ASan), and med_tcf_allows writes a reason
 *    that fits its buffer;
 *  - a decoded GPP string's sections are in strictly increasing id order, each a
 *    non-empty slice inside the input, and their count is what the header named;
 *  - the opt-out of sale of each US section is 1, 0, or -1 with a reason. */
#include "consent.h"
#include "fuzz_common.h"
#include "gpp.h"

static void check_tcf(const char *s, size_t n) {
  static uint8_t mem[1 << 20];
  med_arena a;
  med_arena_init(&a, mem, sizeof mem);
  med_tcf t;
  const char *why = NULL;
  if (!med_tcf_decode(&t, (med_str){s, (uint32_t)n}, &a, &why)) {
    FZ_ASSERT(why && *why, "a refused TC string has a reason");
    return;
  }
  uint32_t max = t.vendor_consent.max > t.vendor_li.max ? t.vendor_consent.max : t.vendor_li.max;
  for (uint32_t v = 0; v <= max + 1 && v < 70000; v++) {
    (void)med_tcf_vendor_consent(&t, v);
    (void)med_tcf_vendor_li(&t, v);
  }
  char buf[96];
  const char *no = med_tcf_allows(&t, 755, 0xffffffu, buf, sizeof buf);
  FZ_ASSERT(!no || strlen(no) < sizeof buf, "a reason fits its buffer");
}

static void check_gpp(const char *s, size_t n) {
  med_gpp g;
  const char *why = NULL;
  if (!med_gpp_decode(&g, (med_str){s, (uint32_t)n}, &why)) {
    FZ_ASSERT(why && *why, "a refused GPP string has a reason");
    return;
  }
  FZ_ASSERT(g.nsections <= MED_GPP_MAX_SECTIONS, "at most MED_GPP_MAX_SECTIONS");
  for (uint32_t k = 0; k < g.nsections; k++) {
    const med_gpp_section *sec = &g.sections[k];
    FZ_ASSERT(k == 0 || sec->id > g.sections[k - 1].id, "ids in increasing order");
    FZ_ASSERT(sec->text.len > 0 && sec->text.s > s && sec->text.s + sec->text.len <= s + n, "a slice of the input");
    const char *reason = NULL;
    int out = med_gpp_sale_opt_out(sec->id, sec->text, &reason);
    FZ_ASSERT(out == 0 || out == 1 || (out == -1 && reason && *reason), "1, 0, or -1 with a reason");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  char *s = fz_copy((const char *)data, size);
  check_tcf(s, size);
  check_gpp(s, size);
  free(s);
  return 0;
}
