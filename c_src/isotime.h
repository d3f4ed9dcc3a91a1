/* isotime.h — RFC 3339 timestamps to seconds, and the calendar facts dayparts need.
 *
 * The engine has no clock: "now", flight start and end arrive as text and are read
 * here. Leap seconds are not counted, as in Unix time. */
#ifndef MED_ISOTIME_H
#define MED_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-27T12:00:00Z", with optional fraction and a Z or ±HH:MM offset.
 * Returns 1 and the Unix time in milliseconds, or 0 if malformed. */
int med_time_parse(const char *s, size_t n, int64_t *ms_out);

/* "2026-11-27", a real calendar day: 1 and its day number since 1970-01-01, or 0. */
int med_day_parse(const char *s, size_t n, int64_t *day);
/* A day number as "YYYY-MM-DD" (10 characters, no terminator), years 0..9999. */
void med_day_format(int64_t day, char out[10]);

/* ISO weekday (1 Monday .. 7 Sunday) and hour (0..23) of a Unix time in ms. */
int med_time_weekday(int64_t ms);
int med_time_hour(int64_t ms);

/* The host's time-zone database, for configs that name an IANA zone
 * ("Europe/Paris"): fn sets *offset_min to the zone's UTC offset at the instant
 * utc_ms (60 in a Paris winter, 120 in its summer) and returns 1, or returns 0 for
 * a zone it does not know. The engine keeps no zone rules of its own: the Wasm
 * host answers from Intl, the CLI from the system's tzdata. */
typedef int (*med_zone_offset_fn)(void *ctx, const char *zone, size_t len, int64_t utc_ms, int32_t *offset_min);
typedef struct {
  med_zone_offset_fn fn; /* NULL: this host knows no zones */
  void *ctx;
} med_zones;

#endif
