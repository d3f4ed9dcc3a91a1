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

/* ISO weekday (1 Monday .. 7 Sunday) and hour (0..23) of a Unix time in ms. */
int med_time_weekday(int64_t ms);
int med_time_hour(int64_t ms);

#endif
