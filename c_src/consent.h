/* consent.h — the IAB TCF v2 TC string (core segment) and the consent rule a
 * network must pass where GDPR applies (docs/auction.md §9).
 *
 * The decoder reads only the core segment (the text before the first '.'), checks
 * every length against the bits present, and keeps the vendor sections as bitsets in
 * the caller's arena. A string it cannot read is refused with a short reason; the
 * auction then treats the user as having given no consent. */
#ifndef MED_CONSENT_H
#define MED_CONSENT_H

#include <stdint.h>

#include "arena.h"
#include "json.h"

enum { MED_TCF_NOT_ALLOWED = 0, MED_TCF_REQUIRE_CONSENT = 1, MED_TCF_REQUIRE_LI = 2 };

typedef struct {
  uint8_t purpose, type; /* type: MED_TCF_* */
  uint16_t first, last;  /* vendor ids, inclusive */
} med_tcf_restriction;

/* A vendor section: the string's own bit field read in place (field: vendor v at bit
 * at + v - 1, first bit first), or a bitset built from its ranges (set: bit v). */
typedef struct {
  uint32_t max;
  const uint8_t *field;
  uint64_t at;
  const uint8_t *set;
} med_tcf_vendors;

typedef struct {
  int version;
  int64_t created_ds, updated_ds; /* deciseconds since 1970 */
  int cmp_id, cmp_version, consent_screen, vendor_list_version, policy_version;
  char language[3], publisher_cc[3];
  int service_specific, non_standard_stacks, purpose_one_treatment;
  uint32_t special_features; /* bit f-1 for special feature f (1..12) */
  uint32_t purposes_consent; /* bit p-1 for purpose p (1..24) */
  uint32_t purposes_li;
  med_tcf_vendors vendor_consent, vendor_li;
  med_tcf_restriction *restrictions;
  uint32_t nrestrictions;
} med_tcf;

/* Decodes a TC string. Returns 1, or 0 with *why set (a static phrase): not
 * base64url, too short for a field, version not 2, a vendor range out of order,
 * out of memory (*why "out of memory" and a->failed set). */
int med_tcf_decode(med_tcf *t, med_str s, med_arena *a, const char **why);

/* The value of a base64url digit (A-Z a-z 0-9 - _), or -1: TC and GPP strings alike. */
int med_base64url_digit(unsigned char c);

int med_tcf_vendor_consent(const med_tcf *t, uint32_t vendor);
int med_tcf_vendor_li(const med_tcf *t, uint32_t vendor);
int med_tcf_purpose_consent(const med_tcf *t, uint32_t purpose);
int med_tcf_purpose_li(const med_tcf *t, uint32_t purpose);
/* The publisher's restriction on (purpose, vendor): MED_TCF_*, or -1 for none. */
int med_tcf_restriction_for(const med_tcf *t, uint32_t purpose, uint32_t vendor);

/* Whether vendor may be used for every purpose of the mask (bit p-1 for purpose p):
 * purpose 1 needs the purpose's and the vendor's consent; another purpose needs them,
 * or the purpose's and the vendor's legitimate interest, unless the publisher
 * restricts it (not allowed; consent only; legitimate interest only). Returns NULL,
 * or why not (text written into buf). */
const char *med_tcf_allows(const med_tcf *t, uint32_t vendor, uint32_t purposes, char *buf, size_t cap);

#endif
