/* stats.h — what each network and each mediated bid really does, from the reported
 * attempts (docs/server.md): fills, no-fills, timeouts, errors, late fills, fill
 * rate, latency of fills, estimated revenue and eCPM, and the same over time.
 *
 * Input document:  {"attempts": [{"network", "bid", "source", "outcome",
 *                    "latency_ms", "price", "ts"}, ...], "bucket_ms": 3600000}
 *   or, rolled up:  {"rollups": [{"t", "network", "bid", "source", "outcome", "n",
 *                    "cpm_micros", "latency": [[ms, count], ...]}, ...], ...}
 *                   n attempts of one outcome, the sum of their CPMs if fills, and
 *                   their latencies as a histogram; the same attempts give the same
 *                   report either way (quantiles read from the histograms).
 * Output document: {"totals": {...}, "networks": [...], "bids": [...],
 *                   "series": [{"t", "network", ...}, ...]}
 * Revenue is estimated as CPM / 1000 per fill; eCPM is revenue per 1000 attempts.
 * A late record is counted as late, not as another attempt. */
#ifndef MED_STATS_H
#define MED_STATS_H

#include <stddef.h>

#include "arena.h"
#include "json.h"

/* Returns 1 and writes the report, or 0 with err set for a malformed document. */
int med_stats_run(const med_json *j, med_arena *a, med_out *out, med_error *err);

#endif
