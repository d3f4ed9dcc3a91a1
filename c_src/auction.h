/* auction.h — ranking eligible bids and cutting the waterfall (docs/auction.md).
 *
 * Input: a loaded config, a read request and bid set, the time. Output: for each
 * imp, the waterfall (mediated bids above the best RTB bid, best first, then that
 * RTB bid) and every bid left out with its reason. Prices are micro-units of the
 * config currency throughout. */
#ifndef MED_AUCTION_H
#define MED_AUCTION_H

#include <stdint.h>

#include "config.h"
#include "openrtb.h"
#include "plan.h"
#include "targeting.h"

typedef struct {
  uint8_t rtb;     /* 1: bids[index] of the bid set; 0: config bids[index] */
  uint32_t index;
  int64_t price;   /* mediated: its CPM; RTB: its bid, converted */
  med_size size;
  int loss;        /* RTB loss reason, or -1 */
  const char *why; /* mediated rejection word, or NULL */
  const char *detail;
  int64_t timeout_ms;          /* mediated: the entered timeout, or the planned one */
  const med_plan_item *plan;   /* optimize with explain: how the planner saw it */
} med_entry;

typedef struct {
  med_entry *waterfall;
  uint32_t nwaterfall;
  med_entry *rejected;
  uint32_t nrejected;
  int64_t floor;
  int64_t clearing;     /* the RTB entry's clearing price, config currency */
  int64_t clearing_own; /* the same in the bid's own currency */
  int64_t min_to_win;   /* the best price in this imp, for loss notices */
  int64_t expected;     /* optimize with explain: expected revenue per impression; else -1 */
} med_imp_result;

typedef struct {
  med_imp_result *imps;
  med_entry *unplaced; /* RTB bids naming no imp of the request */
  uint32_t nunplaced;
  int gdpr_applies;
  const char *consent_error; /* GDPR applies and the TC string is missing or unreadable */
} med_result;

int med_auction_run(med_result *res, const med_config *c, const med_request *q, med_bidset *bids,
                    const med_json *j, int64_t now_ms, int32_t offset_min, int explain, med_arena *a,
                    med_error *err);

#endif
