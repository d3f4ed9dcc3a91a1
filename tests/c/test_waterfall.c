/* test_waterfall.c — the fallback state machine: every path of docs/runtime.md. */
#include "check.h"
#include "waterfall.h"

static med_waterfall w;

static void setup(const char *kinds, int32_t budget) {
  med_wf_entry e[MED_WF_MAX_ENTRIES];
  uint32_t n = 0;
  for (const char *k = kinds; *k; k++, n++) e[n] = (med_wf_entry){(uint8_t)(*k == 'r'), *k == 'r' ? 5000 : 500};
  med_wf_init(&w, e, n, budget);
}

int main(void) {
  /* first fills */
  setup("mmr", 3000);
  CHECK(med_wf_start(&w, 100) == MED_WF_LOAD && w.current == 0 && w.deadline_ms == 600);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_FILLED, 180) == MED_WF_FILLED);
  CHECK(w.nrecords == 1 && w.records[0].outcome == MED_ATTEMPT_FILLED && w.records[0].end_ms - w.records[0].start_ms == 80);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_FILLED, 190) == MED_WF_FILLED && w.nrecords == 1); /* filled twice: once */

  /* no-fill moves on; error moves on; the RTB entry renders last */
  setup("mmr", 3000);
  med_wf_start(&w, 0);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_NO_FILL, 50) == MED_WF_LOAD && w.current == 1 && w.deadline_ms == 550);
  CHECK(med_wf_signal(&w, 1, MED_ATTEMPT_ERROR, 60) == MED_WF_RENDER && w.current == 2);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_FILLED, 70) == MED_WF_RENDER); /* noad then filled: the first counts */
  CHECK(w.nrecords == 2);
  CHECK(med_wf_signal(&w, 2, MED_ATTEMPT_FILLED, 75) == MED_WF_FILLED);

  /* a timeout moves on exactly once; the later fill is late, never shown */
  setup("mm", 3000);
  med_wf_start(&w, 0);
  CHECK(med_wf_tick(&w, 499) == MED_WF_LOAD && w.current == 0);
  CHECK(med_wf_tick(&w, 500) == MED_WF_LOAD && w.current == 1);
  CHECK(med_wf_tick(&w, 501) == MED_WF_LOAD && w.current == 1); /* no second move */
  CHECK(w.records[0].outcome == MED_ATTEMPT_TIMEOUT);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_FILLED, 700) == MED_WF_LOAD && w.current == 1);
  CHECK(w.nrecords == 2 && w.records[1].outcome == MED_ATTEMPT_LATE && w.records[1].entry == 0);
  CHECK(w.records[1].start_ms == 0 && w.records[1].end_ms == 700); /* latency from the attempt's start */
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_FILLED, 710) == MED_WF_LOAD && w.nrecords == 2); /* late once */
  CHECK(med_wf_tick(&w, 1000) == MED_WF_EMPTY && w.nrecords == 3);

  /* a fill that beats the host's tick but not the deadline is late too */
  setup("mm", 3000);
  med_wf_start(&w, 0);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_FILLED, 505) == MED_WF_LOAD && w.current == 1);
  CHECK(w.records[0].outcome == MED_ATTEMPT_TIMEOUT && w.records[1].outcome == MED_ATTEMPT_LATE);

  /* the total budget cuts deadlines and skips mediated entries, never the RTB one */
  setup("mmmr", 700);
  med_wf_start(&w, 0);
  CHECK(w.deadline_ms == 500);
  CHECK(med_wf_tick(&w, 500) == MED_WF_LOAD && w.deadline_ms == 700);
  CHECK(med_wf_tick(&w, 700) == MED_WF_RENDER && w.current == 3);

  /* an RTB creative that never loads times out on its own deadline, past the budget */
  setup("mr", 300);
  med_wf_start(&w, 0);
  CHECK(med_wf_tick(&w, 300) == MED_WF_RENDER && w.deadline_ms == 5300);
  CHECK(med_wf_tick(&w, 5299) == MED_WF_RENDER);
  CHECK(med_wf_tick(&w, 5300) == MED_WF_EMPTY && w.records[1].outcome == MED_ATTEMPT_TIMEOUT);

  /* nothing at all */
  setup("", 3000);
  CHECK(med_wf_start(&w, 0) == MED_WF_EMPTY);
  setup("m", 3000);
  med_wf_start(&w, 0);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_NO_FILL, 10) == MED_WF_EMPTY);
  /* an RTB entry that fails to render ends the waterfall empty */
  setup("r", 3000);
  CHECK(med_wf_start(&w, 0) == MED_WF_RENDER);
  CHECK(med_wf_signal(&w, 0, MED_ATTEMPT_ERROR, 10) == MED_WF_EMPTY);
  /* bad entries and signals are ignored */
  setup("m", 3000);
  med_wf_start(&w, 0);
  CHECK(med_wf_signal(&w, 7, MED_ATTEMPT_FILLED, 1) == MED_WF_LOAD);
  CHECK(med_wf_signal(&w, -1, MED_ATTEMPT_FILLED, 1) == MED_WF_LOAD);
  CHECK(med_wf_signal(&w, 0, (med_attempt_outcome)99, 1) == MED_WF_LOAD);
  CHECK(med_wf_start(&w, 5) == MED_WF_LOAD && w.current == 0); /* started once */
  return check_report();
}
