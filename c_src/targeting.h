/* targeting.h — which mediated bids may compete for an impression (docs/config.md).
 *
 * The request's values are turned into "features" once per request and once per
 * imp (symbol ids, a device bit, a country code, the weekday and hour in the
 * publisher's time zone). Checking a bid is then integer comparisons only. */
#ifndef MED_TARGETING_H
#define MED_TARGETING_H

#include <stdint.h>

#include "config.h"
#include "openrtb.h"

#define MED_MAX_DOMAIN_LEVELS 16

typedef struct {
  int supply;
  uint32_t devbit; /* 1 << devicetype, 0 when unknown */
  uint16_t country;
  uint32_t region, os;
  uint32_t domains[MED_MAX_DOMAIN_LEVELS + 1]; /* the domain, its parents, the app bundle */
  uint32_t ndomains;
  int weekday, hour;
  int64_t now_ms;
} med_req_features;

typedef struct {
  uint32_t placement;
  uint32_t *kvs;
  uint32_t nkvs;
} med_imp_features;

/* Why a bid is out before the auction; the words are the output's reasons. */
typedef enum { MED_ELIGIBLE = 0, MED_OUT_INACTIVE, MED_OUT_FLIGHT, MED_OUT_TARGETING, MED_OUT_SIZE } med_eligibility;

/* offset_min: the config's UTC offset at now_ms, for dayparts. */
void med_request_features(med_req_features *f, const med_config *c, const med_request *q, int64_t now_ms,
                          int32_t offset_min);
int med_imp_features_of(med_imp_features *f, const med_config *c, const med_json *j, const med_imp *imp, med_arena *a);

/* Decides one bid for one imp. On MED_ELIGIBLE *size is the bid's size for this imp;
 * on MED_OUT_TARGETING *detail names the dimension that failed ("countries", or
 * "exclude.countries"). */
med_eligibility med_bid_eligible(const med_mbid *b, const med_req_features *rf, const med_imp_features *imf,
                                 const med_imp *imp, med_size *size, const char **detail);

#endif
