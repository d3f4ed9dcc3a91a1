/* reports.h — networks' own reports, as they come: a CSV export of what each network
 * says it served and paid, per day (docs/server.md §11). Read here row by row with
 * every field checked; the ad server stores the rows and compares them with what it
 * counted (suggest.h).
 *
 * Input: CSV text (UTF-8, an optional BOM, \n or \r\n lines, RFC 4180 quoting), its
 * first line the header naming at least the columns date, network, bid,
 * impressions, revenue and currency in any order (any case; others ignored).
 * Output: {"rows": [{"line", "date", "network", "bid", "impressions", "revenue",
 *          "currency"}, ...], "errors": [{"line", "column", "message"}, ...]}
 * Every bad row is an error with its line (1 = the header); a row repeating the
 * date, network and bid of an earlier one is an error too. */
#ifndef MED_REPORTS_H
#define MED_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "json.h"

enum { MED_REPORT_MAX_ROWS = 200000 };

/* The hash of a report row's key (day, network, bid): one row per key in a file,
 * and the key by which suggest.c matches rows with counted fills. */
uint64_t med_report_key_hash(int64_t day, med_str network, med_str bid);

/* Reads the CSV and writes the document. Returns 1, or 0 when the arena or the
 * output ran short (the host retries with more room). */
int med_reports_read_csv(const char *text, size_t len, med_arena *a, med_out *out);

#endif
