/* waterfall.c — moving down the waterfall: one attempt at a time, each with a
 * deadline inside the total budget; the RTB entry last, with a deadline of its own. */
#include "waterfall.h"

#include <string.h>

enum { NEVER = 0, PENDING = 1, ENDED = 2, TIMED_OUT = 3 };

void med_wf_init(med_waterfall *w, const med_wf_entry *entries, uint32_t n, int32_t budget_ms) {
  memset(w, 0, sizeof *w);
  if (n > MED_WF_MAX_ENTRIES) n = MED_WF_MAX_ENTRIES;
  memcpy(w->entries, entries, sizeof *entries * n);
  w->n = n;
  w->budget_ms = budget_ms > 0 ? budget_ms : 0;
  w->current = -1;
  w->action = MED_WF_EMPTY;
}

static void record(med_waterfall *w, int32_t entry, med_attempt_outcome outcome, double start, double end) {
  if (w->nrecords >= sizeof w->records / sizeof w->records[0]) return;
  w->records[w->nrecords++] = (med_wf_record){entry, outcome, start, end};
}

/* Starts entry i or a later one; the budget only bounds mediated entries. */
static med_wf_action begin_from(med_waterfall *w, uint32_t i, double now) {
  double left = w->started_ms + w->budget_ms - now;
  for (; i < w->n; i++) {
    if (!w->entries[i].rtb && left <= 0) continue; /* no time left for mediated tags */
    w->current = (int32_t)i;
    w->current_start_ms = now;
    w->state[i] = PENDING;
    if (w->entries[i].rtb) {
      /* Outside the budget, but a creative that never loads must not hang the slot. */
      w->deadline_ms = now + w->entries[i].timeout_ms;
      return w->action = MED_WF_RENDER;
    }
    /* The budget's end itself, not now + left: that sum may round one ulp past it. */
    double t = w->entries[i].timeout_ms, end = w->started_ms + w->budget_ms;
    w->deadline_ms = now + t < end ? now + t : end;
    return w->action = MED_WF_LOAD;
  }
  w->current = -1;
  return w->action = MED_WF_EMPTY;
}

med_wf_action med_wf_start(med_waterfall *w, double now_ms) {
  if (w->action != MED_WF_EMPTY || w->current != -1 || w->nrecords) return w->action; /* started already */
  w->started_ms = now_ms;
  return begin_from(w, 0, now_ms);
}

static int running(const med_waterfall *w) { return w->action == MED_WF_LOAD || w->action == MED_WF_RENDER; }

med_wf_action med_wf_signal(med_waterfall *w, int32_t entry, med_attempt_outcome signal, double now_ms) {
  if (entry < 0 || (uint32_t)entry >= w->n) return w->action;
  if (signal != MED_ATTEMPT_FILLED && signal != MED_ATTEMPT_NO_FILL && signal != MED_ATTEMPT_ERROR) return w->action;
  uint8_t *st = &w->state[entry];
  if (*st == TIMED_OUT) {
    /* Only a fill after the deadline is worth a record; it is never shown. Its
     * latency counts from the start of the attempt it belongs to. */
    if (signal == MED_ATTEMPT_FILLED) {
      double start = now_ms;
      for (uint32_t k = 0; k < w->nrecords; k++)
        if (w->records[k].entry == entry) start = w->records[k].start_ms;
      record(w, entry, MED_ATTEMPT_LATE, start, now_ms);
    }
    *st = ENDED;
    return w->action;
  }
  if (*st != PENDING || entry != w->current || !running(w)) return w->action; /* not the first signal */
  /* A signal that arrives after the deadline, before the host's tick, is late. */
  if (now_ms >= w->deadline_ms) {
    med_wf_tick(w, now_ms);
    return med_wf_signal(w, entry, signal, now_ms);
  }
  *st = ENDED;
  record(w, entry, signal, w->current_start_ms, now_ms);
  if (signal == MED_ATTEMPT_FILLED) return w->action = MED_WF_FILLED;
  return begin_from(w, (uint32_t)entry + 1, now_ms);
}

med_wf_action med_wf_tick(med_waterfall *w, double now_ms) {
  if (!running(w) || now_ms < w->deadline_ms) return w->action;
  int32_t e = w->current;
  w->state[e] = TIMED_OUT;
  record(w, e, MED_ATTEMPT_TIMEOUT, w->current_start_ms, now_ms);
  return begin_from(w, (uint32_t)e + 1, now_ms);
}

const char *med_attempt_outcome_name(int outcome) {
  static const char *const names[] = {"pending", "filled", "no_fill", "error", "timeout", "late"};
  return outcome >= 0 && outcome <= MED_ATTEMPT_LATE ? names[outcome] : NULL;
}
