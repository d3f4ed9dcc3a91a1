/* fuzz_waterfall.c — fuzzes the waterfall state machine (waterfall.h) through the
 * host calls of api.h (med_wf_new/set/begin/on_signal/on_tick and the readers).
 *
 * Input bytes: n (0..130; the engine cuts at 128), budget (int16, ms; <= 0 allowed),
 * a mode byte (bit 0: fractional times, as performance.now() gives), per entry one
 * byte (bit 7 RTB, low bits a timeout, <= 0 allowed), the start time, then events of
 * two bytes: start, tick, or signal(entry, kind) — entry: the current one, a fixed
 * index, or out of range; kind 0..7 (1..3 are signals) — each after a time step >= 0.
 *
 * Invariants, checked after EVERY step (abort() on violation):
 *  - each call returns the action in force; the readers agree with the struct;
 *  - current is -1 or an entry; LOAD/RENDER: current is pending and RENDER iff RTB;
 *    EMPTY: current is -1; FILLED: the last outcome record is current's FILLED;
 *  - at most one fill is shown: once FILLED, action and current never change;
 *  - records are only appended, never changed; each names an entry, has an outcome
 *    1..5, end >= start, ends never go backwards, nothing ends after "now";
 *  - every attempt gets exactly one outcome (FILLED, NO_FILL, ERROR or TIMEOUT),
 *    attempts go down the waterfall (entries ascend, each tried once), each starts
 *    when the previous one ended (the first when the waterfall started), and at
 *    most one LATE follows a TIMEOUT of the same entry, with that attempt's start;
 *  - an outcome other than TIMEOUT ends before the attempt's deadline; a TIMEOUT
 *    ends at or after it;
 *  - the mediated budget is never exceeded: a LOAD's deadline is <= started + budget
 *    and <= its start + timeout, and > its start; a RENDER's deadline is its start +
 *    timeout; entries are skipped only when mediated and the budget is spent;
 *  - start after the waterfall has begun changes nothing. */
#include "api.h"
#include "fuzz_common.h"
#include "waterfall.h"

typedef struct {
  const uint8_t *p;
  size_t n;
} bytes;

static unsigned take(bytes *b) {
  if (!b->n) return 0;
  b->n--;
  return *b->p++;
}

static med_wf_record prev[2 * MED_WF_MAX_ENTRIES];
static uint32_t nprev;

typedef struct {
  int begun;                /* start took effect */
  double started;           /* its time */
  int filled;               /* FILLED seen */
  int32_t filled_entry;
  int32_t att_entry;        /* the attempt in force after the last step, or -1 */
  double att_start, att_deadline;
  int att_rtb;
  int32_t last_attempted;   /* highest entry attempted so far, -1 */
} shadow;

static int is_final(int32_t o) { return o >= MED_ATTEMPT_FILLED && o <= MED_ATTEMPT_TIMEOUT; }

/* Entries (from, to) were skipped at time now: mediated, no budget left. */
static void check_skipped(const med_waterfall *w, const shadow *s, int32_t from, int32_t to, double now) {
  for (int32_t i = from + 1; i < to; i++) {
    FZ_ASSERT(!w->entries[i].rtb, "an RTB entry is never skipped");
    FZ_ASSERT(s->started + w->budget_ms - now <= 0, "a mediated entry is skipped only when the budget is spent");
  }
}

static void check(const med_waterfall *w, shadow *s, int32_t ret, double now, int was_start) {
  int32_t cur = med_wf_current(w);
  FZ_ASSERT(ret == (int32_t)w->action, "a call returns the action in force");
  FZ_ASSERT(cur == w->current && med_wf_deadline(w) == w->deadline_ms && med_wf_nrecords(w) == w->nrecords,
            "the readers agree with the struct");
  FZ_ASSERT(w->action >= MED_WF_LOAD && w->action <= MED_WF_EMPTY, "a known action");
  FZ_ASSERT(cur >= -1 && cur < (int32_t)w->n, "current is -1 or an entry");
  FZ_ASSERT(w->nrecords <= 2 * MED_WF_MAX_ENTRIES, "records fit");
  if (w->action == MED_WF_LOAD || w->action == MED_WF_RENDER) {
    FZ_ASSERT(cur >= 0 && w->state[cur] == 1, "the current attempt is pending");
    FZ_ASSERT((w->action == MED_WF_RENDER) == (w->entries[cur].rtb != 0), "RENDER iff RTB");
  }
  if (w->action == MED_WF_EMPTY) FZ_ASSERT(cur == -1, "EMPTY has no current entry");
  if (w->action == MED_WF_FILLED) FZ_ASSERT(cur >= 0, "FILLED names its entry");
  if (s->filled)
    FZ_ASSERT(w->action == MED_WF_FILLED && cur == s->filled_entry, "one fill shown, and it stays shown");

  /* Records: appended only. */
  FZ_ASSERT(w->nrecords >= nprev, "records are never removed");
  FZ_ASSERT(memcmp(prev, w->records, sizeof prev[0] * nprev) == 0, "records are never changed");
  for (uint32_t k = 0; k < w->nrecords; k++) {
    const med_wf_record *r = &w->records[k];
    FZ_ASSERT(med_wf_record_entry(w, k) == r->entry && med_wf_record_outcome(w, k) == r->outcome,
              "the accessors read the records");
    int32_t lat = med_wf_record_latency_ms(w, k);
    FZ_ASSERT(lat >= 0 && lat <= MED_MAX_LATENCY_MS, "a latency within its bound");
    FZ_ASSERT(r->entry >= 0 && r->entry < (int32_t)w->n, "a record names an entry");
    FZ_ASSERT(r->outcome >= MED_ATTEMPT_FILLED && r->outcome <= MED_ATTEMPT_LATE, "a record has an outcome");
    FZ_ASSERT(r->end_ms >= r->start_ms, "a record ends after it starts");
    FZ_ASSERT(r->end_ms <= now, "no record ends in the future");
    FZ_ASSERT(s->begun && r->start_ms >= s->started, "no record starts before the waterfall");
    if (k) FZ_ASSERT(r->end_ms >= w->records[k - 1].end_ms, "record ends never go backwards");
  }
  FZ_ASSERT(med_wf_record_entry(w, w->nrecords) == -1, "no record past the end");
  /* Attempts: one outcome each, down the waterfall, back to back; LATE after TIMEOUT. */
  int32_t last = -1, nfilled = 0;
  double last_end = s->started;
  for (uint32_t k = 0; k < w->nrecords; k++) {
    const med_wf_record *r = &w->records[k];
    if (is_final(r->outcome)) {
      FZ_ASSERT(r->entry > last, "attempts go down the waterfall, one outcome each");
      FZ_ASSERT(r->start_ms == last_end, "an attempt starts when the previous one ends");
      FZ_ASSERT(nfilled == 0, "nothing is attempted after a fill");
      nfilled += r->outcome == MED_ATTEMPT_FILLED;
      last = r->entry;
      last_end = r->end_ms;
    } else {
      uint32_t t, late = 0;
      for (t = 0; t < k && !(w->records[t].entry == r->entry && w->records[t].outcome == MED_ATTEMPT_TIMEOUT); t++) {}
      FZ_ASSERT(t < k, "a LATE follows a TIMEOUT of its entry");
      FZ_ASSERT(r->start_ms == w->records[t].start_ms, "a LATE has its attempt's start");
      for (uint32_t q = 0; q < w->nrecords; q++) late += w->records[q].entry == r->entry && w->records[q].outcome == MED_ATTEMPT_LATE;
      FZ_ASSERT(late == 1, "at most one LATE per attempt");
    }
  }
  if (w->action == MED_WF_FILLED)
    FZ_ASSERT(nfilled == 1 && last == cur, "FILLED is the last attempt's outcome");
  if (w->action == MED_WF_LOAD || w->action == MED_WF_RENDER) {
    FZ_ASSERT(cur > last && w->current_start_ms == last_end, "the attempt in force follows the last outcome");
    double t = w->entries[cur].timeout_ms;
    FZ_ASSERT(w->deadline_ms <= w->current_start_ms + t, "a deadline is within the entry's timeout");
    if (w->action == MED_WF_LOAD) {
      FZ_ASSERT(w->deadline_ms <= s->started + w->budget_ms, "a LOAD's deadline is within the budget");
      FZ_ASSERT(w->deadline_ms > w->current_start_ms, "a LOAD has time");
    } else {
      FZ_ASSERT(w->deadline_ms == w->current_start_ms + t, "a RENDER's deadline is its own timeout");
    }
  }

  /* What happened in this step. */
  for (uint32_t k = nprev; k < w->nrecords; k++) {
    const med_wf_record *r = &w->records[k];
    if (!is_final(r->outcome)) continue;
    FZ_ASSERT(r->entry == s->att_entry && r->start_ms == s->att_start, "the outcome is the attempt's in force");
    if (r->outcome == MED_ATTEMPT_TIMEOUT) FZ_ASSERT(r->end_ms >= s->att_deadline, "a TIMEOUT comes at the deadline");
    else FZ_ASSERT(r->end_ms < s->att_deadline, "an outcome before the deadline");
    if (!s->att_rtb && r->outcome != MED_ATTEMPT_TIMEOUT)
      FZ_ASSERT(r->end_ms < s->started + w->budget_ms, "a mediated outcome comes within the budget");
  }
  int32_t now_attempt = (w->action == MED_WF_LOAD || w->action == MED_WF_RENDER) ? cur : -1;
  if (now_attempt >= 0 && now_attempt != s->att_entry) {
    FZ_ASSERT(now_attempt > s->last_attempted, "each entry is tried once");
    check_skipped(w, s, s->last_attempted, now_attempt, w->current_start_ms);
    if (!w->entries[now_attempt].rtb)
      FZ_ASSERT(s->started + w->budget_ms - w->current_start_ms > 0, "a mediated entry starts only with budget left");
    s->last_attempted = now_attempt;
  }
  if (w->action == MED_WF_EMPTY && s->begun && (s->att_entry >= 0 || was_start)) {
    check_skipped(w, s, s->last_attempted, (int32_t)w->n, now); /* the rest was skipped */
  }
  if (w->action == MED_WF_FILLED && !s->filled) {
    s->filled = 1;
    s->filled_entry = cur;
  }
  s->att_entry = now_attempt;
  s->att_start = w->current_start_ms;
  s->att_deadline = w->deadline_ms;
  s->att_rtb = now_attempt >= 0 && w->entries[now_attempt].rtb;
  nprev = w->nrecords;
  memcpy(prev, w->records, sizeof prev[0] * nprev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bytes b = {data, size};
  uint32_t n = take(&b) % (MED_WF_MAX_ENTRIES + 3);
  int32_t budget = (int16_t)(take(&b) | take(&b) << 8);
  unsigned mode = take(&b);
  int frac = mode & 1;
  med_waterfall *w = med_wf_new(n, budget);
  FZ_ASSERT(w != NULL, "waterfall");
  FZ_ASSERT(w->n == (n < MED_WF_MAX_ENTRIES ? n : MED_WF_MAX_ENTRIES), "n is cut to the maximum");
  for (uint32_t i = 0; i < n; i++) {
    unsigned e = take(&b);
    int32_t timeout = ((int32_t)(e & 0x7f) - 4) * 40; /* -160 .. 4920 ms */
    med_wf_set(w, i, (int32_t)(e >> 7), timeout);
  }
  double now = (double)(take(&b) | take(&b) << 8) * (frac ? 0.37 : 1.0);
  shadow s = {0, 0, 0, -1, -1, 0, 0, 0, -1};
  nprev = 0;
  check(w, &s, (int32_t)w->action, now, 0);
  while (b.n >= 2) {
    unsigned op = take(&b), arg = take(&b);
    now += (double)(arg >> 3) * (frac ? 33.3 : 25.0);
    int32_t ret;
    int was_start = 0;
    switch (op >> 6) {
      case 0: {
        int fresh = w->action == MED_WF_EMPTY && w->current == -1 && w->nrecords == 0;
        med_waterfall before = *w;
        ret = med_wf_begin(w, now);
        if (fresh) {
          s.begun = 1;
          s.started = now;
          s.last_attempted = -1;
          FZ_ASSERT(w->started_ms == now, "the waterfall starts now");
          was_start = 1;
          if (w->action == MED_WF_EMPTY)
            for (uint32_t i = 0; i < w->n; i++)
              FZ_ASSERT(!w->entries[i].rtb && w->budget_ms <= 0, "an empty start: only mediated entries, no budget");
        } else {
          FZ_ASSERT(memcmp(&before, w, sizeof before) == 0, "start after the beginning changes nothing");
        }
        break;
      }
      case 1:
        ret = med_wf_on_tick(w, now);
        break;
      default: {
        int32_t entry = (op & 0x20) ? w->current : (int32_t)(op & 0x1f) - 2;
        ret = med_wf_on_signal(w, entry, (int32_t)(arg & 7), now);
        break;
      }
    }
#ifdef FZ_TRACE /* -DFZ_TRACE: print each step, to read a reproducer */
    fprintf(stderr, "op %u arg %u now %.17g -> action %d current %d deadline %.17g records %u\n", op >> 6, arg, now,
            ret, w->current, w->deadline_ms, w->nrecords);
#endif
    check(w, &s, ret, now, was_start);
  }
  med_wf_free(w);
  return 0;
}
