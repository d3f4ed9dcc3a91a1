/* suggest.h — closing the loop: what the networks' own reports (reports.h) say
 * against what the ad server counted and what the publisher entered, per day, network
 * and bid (discrepancy), and a suggested CPM for each mediated bid from the realised
 * eCPM of the last 7 days, with a confidence (README "Suggested CPMs").
 *
 * Input:  {"today": "YYYY-MM-DD",
 *          "bids":    [{"bid", "network", "cpm"}, ...],          the config's
 *          "fills":   [{"date", "network", "bid", "fills"}, ...], counted (UTC days)
 *          "reports": [{"date", "network", "bid", "impressions", "revenue"}, ...]}
 *          (revenue in the config currency; bid "" is a row for the whole network)
 * Output: {"discrepancy": [{"date", "network", "bid", "fills", "impressions",
 *          "discrepancy", "realised_ecpm", "entered_cpm"}, ...],
 *          "suggestions": [{"bid", "network", "entered_cpm", "suggested_cpm",
 *          "confidence", "discrepancy", "impressions", "days",
 *          "note"}, ...]} */
#ifndef MED_SUGGEST_H
#define MED_SUGGEST_H

#include "arena.h"
#include "json.h"

enum { MED_SUGGEST_DAYS = 7, MED_SUGGEST_MIN_IMPRESSIONS = 1000 };

/* Returns 1 and writes the document, or 0 with err set (a malformed input; an arena
 * or output too small shows as a->failed or out->overflow). */
int med_suggest_run(const med_json *j, med_arena *a, med_out *out, med_error *err);

#endif
