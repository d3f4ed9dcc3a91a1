/* result.h — the auction's answer as JSON (docs/auction.md, "Output"), with macros
 * substituted in the markup and notice URLs that leave the engine. */
#ifndef MED_RESULT_H
#define MED_RESULT_H

#include "auction.h"

void med_result_write(med_out *o, const med_result *res, const med_config *c, const med_request *q,
                      const med_bidset *bids, int64_t now_ms);

/* {"error":{"code":...,"message":...,"at":...}} */
void med_error_write(med_out *o, const med_error *err);

#endif
