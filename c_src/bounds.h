/* bounds.h — every bound that the engine and its hosts must agree on, in one place.
 *
 * The config reader enforces them, the waterfall sizes its tables by them, and the
 * build writes them into the JS (build/constants.js, from scripts/gen-constants.c):
 * the page runtime cuts and caps by them and the ad server checks beacons by them,
 * so a change here reaches every host at the next build. */
#ifndef MED_BOUNDS_H
#define MED_BOUNDS_H

/* Mediated entries in one waterfall (config.max_waterfall is 1..this). */
#define MED_MAX_WATERFALL 100
/* Entries the runtime drives: the mediated ones plus the RTB fallback. Positions
 * in beacons are 0..MED_WF_MAX_ENTRIES - 1. */
#define MED_WF_MAX_ENTRIES (MED_MAX_WATERFALL + 1)

/* A mediated bid's timeout_ms and config.waterfall_timeout_ms: 1..this. */
#define MED_MAX_TIMEOUT_MS 600000
/* After a timeout the runtime keeps the frame to hear a late fill for
 * LATE_WINDOW_PER_TIMEOUT × the timeout, within [MIN, MAX]. */
#define MED_LATE_WINDOW_PER_TIMEOUT 3
#define MED_LATE_WINDOW_MIN_MS 1000
#define MED_LATE_WINDOW_MAX_MS 10000
/* The longest latency an attempt can report: a late fill heard at the end of the
 * longest late window of the longest timeout. Longer ones (a page asleep in a
 * background tab) are reported as this. */
#define MED_MAX_LATENCY_MS (MED_MAX_TIMEOUT_MS + MED_LATE_WINDOW_MAX_MS)

/* Money is held in micro-units: CPMs up to one billion. */
#define MED_MAX_MICROS ((int64_t)1000000000 * 1000000)

#endif
