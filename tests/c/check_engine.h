/* check_engine.h — running whole documents through the engine in tests: static
 * buffers big enough for every test document, and the output as a C string. */
#ifndef CHECK_ENGINE_H
#define CHECK_ENGINE_H

#include "check.h"
#include "engine.h"

static char check_scratch[1 << 24], check_outbuf[1 << 20];

/* Fresh scratch and output over the static buffers. */
static inline void check_room(med_arena *a, med_out *o) {
  med_arena_init(a, check_scratch, sizeof check_scratch);
  med_out_init(o, check_outbuf, sizeof check_outbuf - 1);
}

static inline const char *check_output(const med_out *o) {
  check_outbuf[o->len] = 0;
  return check_outbuf;
}

/* One auction (cfg NULL: the document's own config); *status gets MED_OK, ... */
static inline const char *check_auction(const char *doc, const med_config *cfg, int *status) {
  med_arena a;
  med_out o;
  check_room(&a, &o);
  *status = med_run_auction(doc, strlen(doc), cfg, NULL, &a, &o);
  return check_output(&o);
}

/* One statistics report. */
static inline const char *check_stats(const char *doc, int *status) {
  med_arena a;
  med_out o;
  check_room(&a, &o);
  *status = med_run_stats(doc, strlen(doc), &a, &o);
  return check_output(&o);
}

#endif
