/* waterfall.h — the fallback logic of docs/runtime.md as a state machine the host drives.
 *
 * The page (or any host) owns frames, timers and messages; this owns the decisions:
 * which entry to try next, with what deadline, which signal counts, when the budget
 * is spent, and the record of every attempt. Time is an input (milliseconds on any
 * monotonic clock, e.g. performance.now()); nothing here reads a clock.
 *
 *   med_wf_init(w, entries, n, budget_ms)
 *   med_wf_start(w, now)                    -> the first action
 *   med_wf_signal(w, attempt, signal, now)  -> a tag said filled / no_fill / error
 *   med_wf_tick(w, now)                     -> a deadline may have passed
 *
 * Each returns the action in force: LOAD entry e until deadline d, RENDER the RTB
 * entry e until deadline d, FILLED by entry e, or EMPTY. Records are appended as attempts end; a fill
 * that arrives after its attempt timed out appends a LATE record and is never shown.
 * Only the first signal of an attempt counts. */
#ifndef MED_WATERFALL_H
#define MED_WATERFALL_H

#include <stdint.h>

#include "bounds.h"


typedef enum { MED_WF_LOAD = 1, MED_WF_RENDER = 2, MED_WF_FILLED = 3, MED_WF_EMPTY = 4 } med_wf_action;

/* Outcomes, as recorded; signals use the first three. */
typedef enum {
  MED_ATTEMPT_PENDING = 0,
  MED_ATTEMPT_FILLED = 1,
  MED_ATTEMPT_NO_FILL = 2,
  MED_ATTEMPT_ERROR = 3,
  MED_ATTEMPT_TIMEOUT = 4,
  MED_ATTEMPT_LATE = 5
} med_attempt_outcome;

typedef struct {
  uint8_t rtb;        /* the sure-fill RTB entry: rendered, outside the budget */
  int32_t timeout_ms; /* for RTB: how long its creative may take to load */
} med_wf_entry;

typedef struct {
  int32_t entry;   /* position in the waterfall */
  int32_t outcome; /* med_attempt_outcome */
  double start_ms, end_ms;
} med_wf_record;

typedef struct med_waterfall {
  med_wf_entry entries[MED_WF_MAX_ENTRIES];
  uint32_t n;
  double budget_ms, started_ms;
  /* the action in force */
  med_wf_action action;
  int32_t current;    /* entry being tried, -1 before start */
  double deadline_ms; /* of the current LOAD */
  double current_start_ms;
  /* per entry: 0 never tried, 1 pending, 2 ended, 3 timed out (a late fill may come) */
  uint8_t state[MED_WF_MAX_ENTRIES];
  med_wf_record records[2 * MED_WF_MAX_ENTRIES];
  uint32_t nrecords;
} med_waterfall;

/* n is cut to MED_WF_MAX_ENTRIES. budget_ms bounds the mediated attempts together. */
void med_wf_init(med_waterfall *w, const med_wf_entry *entries, uint32_t n, int32_t budget_ms);
med_wf_action med_wf_start(med_waterfall *w, double now_ms);
med_wf_action med_wf_signal(med_waterfall *w, int32_t entry, med_attempt_outcome signal, double now_ms);
med_wf_action med_wf_tick(med_waterfall *w, double now_ms);

/* "pending", "filled", "no_fill", "error", "timeout", "late": the outcome's name in
 * beacons, events and statistics; NULL for a value that is none of them. */
const char *med_attempt_outcome_name(int outcome);

#endif
