/* gpp.h — the IAB Global Privacy Platform string: its header (which sections the
 * string carries, in order) and the one fact the auction reads from its US sections,
 * whether the user opted out of the sale of their data (docs/auction.md §4.1).
 *
 * Nothing is allocated: a decoded string is a table of slices of the caller's text.
 * Every field is read through a bounds-checked reader over the base64url characters
 * themselves; a string that cannot be read is refused with a short reason. */
#ifndef MED_GPP_H
#define MED_GPP_H

#include <stdint.h>

#include "json.h"

enum {
  MED_GPP_MAX_SECTIONS = 32,
  MED_GPP_TCF_EU = 2, /* tcfeuv2: a TC string */
  MED_GPP_USP = 6,    /* uspv1: the US Privacy string, as text ("1YNN") */
  MED_GPP_US_NAT = 7, /* usnat; 8..27 are the US states (usca .. usri) */
  MED_GPP_US_LAST = 27
};

typedef struct {
  uint16_t id;
  med_str text; /* the section as it stands in the string, sub-segments included */
} med_gpp_section;

typedef struct {
  uint32_t nsections;
  med_gpp_section sections[MED_GPP_MAX_SECTIONS];
} med_gpp;

/* Reads the header and slices the sections. Returns 1, or 0 with *why set (a static
 * phrase): empty, not base64url, not a GPP header (type 3, version 1), ids out of
 * order, more than MED_GPP_MAX_SECTIONS, an empty section, or a section count that differs from the
 * header's. */
int med_gpp_decode(med_gpp *g, med_str s, const char **why);

/* Whether id is listed in sids, the request's regs.gpp_sid as "2,7"; an empty list
 * (no gpp_sid) lists every id. */
int med_gpp_sid_lists(med_str sids, uint16_t id);

/* The section with this id, or {NULL, 0}. */
med_str med_gpp_section_text(const med_gpp *g, uint16_t id);

/* Whether a US section (MED_GPP_USP .. MED_GPP_US_LAST) says the user opted out of
 * sale: 1 yes, 0 no (or the section says nothing of sale), -1 not readable (*why). */
int med_gpp_sale_opt_out(uint16_t id, med_str text, const char **why);

#endif
