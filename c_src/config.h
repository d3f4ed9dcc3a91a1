/* config.h — the publisher's mediation setup (docs/config.md), read once, checked once.
 *
 * A med_config is immutable after loading and lives in the arena it was loaded
 * into; its strings point into the JSON text it was read from, which must live as
 * long. Every auction reads it and none changes it, so one config can serve any
 * number of auctions. */
#ifndef MED_CONFIG_H
#define MED_CONFIG_H

#include <stdint.h>

#include "arena.h"
#include "error.h"
#include "json.h"
#include "bounds.h"
#include "symtab.h"


typedef struct {
  uint32_t *ids;
  uint32_t n;
} med_idlist;

typedef struct {
  int32_t w, h;
} med_size;

typedef struct {
  uint8_t days;     /* bit d for ISO weekday d (1..7) */
  uint8_t from, to; /* hours [from, to); from > to wraps past midnight */
} med_daypart;

typedef struct {
  med_str key;
  med_idlist values; /* symbols of key=value */
} med_kv_target;

enum { MED_SUPPLY_ANY = 0, MED_SUPPLY_SITE = 1, MED_SUPPLY_APP = 2 };

/* One side of a targeting profile: what must match, or what must not. An empty
 * list constrains nothing. */
typedef struct {
  med_idlist placements, regions, os, domains;
  uint16_t *countries;
  uint32_t ncountries;
  uint32_t devicetypes; /* bit t for OpenRTB devicetype t; 0 = any */
  int supply; /* mask of MED_SUPPLY_SITE, MED_SUPPLY_APP; 0 = any */
  med_daypart *dayparts;
  uint32_t ndayparts;
  med_kv_target *kvs;
  uint32_t nkvs;
} med_targets;

typedef struct {
  med_str name, value;
} med_macro;

enum { MED_LEARNED_POINTS = 8 };

/* What the ad server learned of a mediated bid from its attempts and its network's
 * reports (docs/config.md "learned"); only `optimize` plans with it (plan.h). Shares
 * and ratios are millionths. */
typedef struct {
  int64_t attempts, fills; /* attempts in the window, and those that filled (late ones too) */
  uint32_t npoints;        /* the fill latency distribution: by latency_ms[k], share[k] of fills */
  int32_t latency_ms[MED_LEARNED_POINTS];
  int32_t share[MED_LEARNED_POINTS];
  int64_t suggested_cpm; /* micro-units, or -1: none */
  int32_t confidence;    /* of the suggestion */
  int32_t discrepancy;   /* (fills counted - impressions reported) / fills counted */
} med_learned;

/* Fields ordered widest first: a large config holds one of these per bid. */
typedef struct {
  int64_t cpm;              /* micro-units of the config currency */
  int64_t timeout_ms;
  int64_t start_ms, end_ms; /* INT64_MIN / INT64_MAX when open */
  med_str id;
  med_str tag; /* raw JSON string text */
  med_size *sizes;
  med_macro *macros;
  const med_targets *exclude; /* or NULL: none */
  const med_learned *learned; /* or NULL */
  uint32_t network; /* index into networks */
  uint32_t nsizes;
  uint32_t nmacros;
  int active; /* its own flag and its network's */
  med_targets include;
} med_mbid;

typedef struct {
  med_str id, name;
  int active;
  uint32_t gvl_id;   /* IAB Global Vendor List id; 0 = none */
  uint32_t purposes; /* TCF purposes it needs where GDPR applies: bit p-1; 0 = exempt */
  int partner;       /* MED_PARTNER_* (partners.h): a known partner writes its bids' tags */
  med_str script_url; /* the partner's loader, when not its usual one */
  med_str report_timezone; /* the IANA zone of the days in its own reports; empty: UTC */
} med_network;

typedef struct {
  char code[4];
  int64_t nano; /* value of one unit in the config currency, x 1e9 */
} med_rate;

typedef struct {
  char currency[4];
  int64_t minor_unit; /* the currency's smallest unit in micro-units (a cent: 10 000) */
  med_rate *rates;
  uint32_t nrates;
  int max_waterfall;
  int64_t waterfall_timeout_ms;
  int tz_offset_min; /* a fixed offset, or: */
  med_str timezone;  /* an IANA zone the host resolves at each auction's time */
  int default_gdpr_applies; /* when the request does not say */
  int enforce_us_privacy;   /* a US Privacy opt-out of sale rejects mediated bids */
  int optimize;             /* plan waterfalls by expected value (plan.h) */
  int32_t explore_share;    /* millionths of planned auctions that try a bid with too little data first */
  med_network *networks;
  uint32_t nnetworks;
  med_mbid *bids;
  uint32_t nbids;
  med_symtab syms;
  /* Active bids by placement, for auctions that need no explanation: bids with no
   * placement target, then per placement symbol a slice of by_placement. */
  uint32_t *untargeted;
  uint32_t nuntargeted;
  uint32_t *placement_start; /* per symbol: its slice is by_placement[start .. end) */
  uint32_t *placement_end;
  uint32_t *by_placement;
} med_config;

/* Reads the config object at token `root` of j. Strings stay in j->src. */
int med_config_read(med_config *c, const med_json *j, int root, med_arena *a, med_error *err);

/* A config's mediated bids as byte ranges of its text, one JSON value each, so that
 * a large config need not be tokenized whole (config_load.h cuts them). */
typedef struct {
  size_t start, end;
} med_span;

typedef struct {
  const char *text; /* outlives the config: its strings point here */
  const med_span *bids;
  uint32_t nbids;
  med_arena *scratch; /* each bid's tokens, dropped once it is read */
} med_config_parts;

/* As med_config_read, but config.mediated_bids (an empty array in j) is read from
 * parts, each bid tokenized alone. The same checks, in the same order. */
int med_config_read_parts(med_config *c, const med_json *j, int root, const med_config_parts *parts, med_arena *a,
                          med_error *err);

/* Rate of a currency (3 letters) in nano-units of the config currency; 0 if none. */
int64_t med_config_rate(const med_config *c, med_str code);

#endif
