/* partners.h — known partners: networks whose tag the engine writes itself from a
 * mediated bid's `params`, wired to tell the page "filled" or "no fill" the way each
 * partner signals it (docs/config.md §3.1). A custom network's bid carries its own tag.
 *
 * The table below is the one list of partners and their parameters: the config
 * reader checks params against it, the tag writer fills its templates from it, and
 * scripts/gen-constants.c hands it to the JS (the Mediation tab's forms). */
#ifndef MED_PARTNERS_H
#define MED_PARTNERS_H

#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "json.h"

enum {
  MED_PARTNER_NONE = 0, /* a custom network */
  MED_PARTNER_GAM,      /* Google Ad Manager (GPT) */
  MED_PARTNER_ADSENSE,  /* Google AdSense */
  MED_PARTNER_PREBID,   /* a Prebid.js wrapper in the frame */
  MED_PARTNER_AMAZON,   /* Amazon TAM/UAM-style apstag in the frame */
  MED_PARTNER_IMAGE,    /* a plain image creative */
  MED_PARTNER_IFRAME,   /* a plain iframe creative */
  MED_PARTNER_COUNT
};

/* What a parameter holds; each kind has one format check (partners.c). */
enum {
  MED_PARAM_AD_UNIT = 1, /* a GAM ad unit path: /network[,child]/segment/... */
  MED_PARAM_ADS_CLIENT,  /* ca-pub- and 16 digits */
  MED_PARAM_ADS_SLOT,    /* 10 digits */
  MED_PARAM_TOKEN,       /* letters, digits, - _ . / : (1..128) */
  MED_PARAM_URL,         /* an absolute http(s) URL without quotes, spaces, < > \ */
  MED_PARAM_BOOL,
  MED_PARAM_MS,          /* an integer 1..60000 */
  MED_PARAM_KEY_VALUES,  /* { key: "value" | ["value", ...] }, plain short text */
  MED_PARAM_PREBID_UNIT  /* a Prebid.js ad unit object with a non-empty bids array */
};

typedef struct {
  const char *name;
  int kind;     /* MED_PARAM_* */
  int required;
  const char *hint; /* what the value looks like, for messages and forms */
} med_partner_param;

typedef struct {
  const char *name;   /* as configs name it: "google_ad_manager" */
  const char *label;  /* as people do: "Google Ad Manager (GPT)" */
  const char *script; /* its loader's URL; NULL: none, or (needs_script_url) the publisher's */
  int needs_script_url;
  int gvl_id; /* its IAB Global Vendor List id, the network's unless it gives one; 0: none */
  const med_partner_param *params; /* ends with a NULL name */
} med_partner;

/* The partner of id (1 .. MED_PARTNER_COUNT-1). */
const med_partner *med_partner_get(int id);
/* The id of a partner named s, or MED_PARTNER_NONE. */
int med_partner_find(med_str s);

/* Checks a bid's params (the object at token `params` of j) against partner's list
 * and writes the partner's tag, JSON-escaped as a config's `tag` is kept, into a.
 * script_url: the network's own (empty: the partner's). path: the bid's path, for
 * errors (…params.ad_unit). Returns 1, or 0 with err set (missing_field,
 * unknown_field, wrong_type, invalid_value, out_of_memory). */
int med_partner_tag(int partner, med_str script_url, const med_json *j, int params, int64_t timeout_ms,
                    const char *path, med_arena *a, med_str *tag, med_error *err);

/* Whether s is an absolute http(s) URL the tag writer may put in an attribute. */
int med_partner_url_ok(med_str s);

#endif
