/* api.c — memory for the engine's operations, and handles for loaded configs. */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "waterfall.h"

/* No buffer grows past 2 GiB: on wasm32 a size_t doubling past it would wrap. */
#define MAX_BYTES ((size_t)1 << 31)

/* A handle names a slot and the generation of what it holds, so a handle kept
 * after its config was released never reaches the config loaded there next. */
#define SLOT_BITS 16
#define MAX_SLOTS ((1 << SLOT_BITS) - 1)
#define GEN_MASK 0x7fff

/* A loaded config's memory: the blocks its arena asked for, newest first, and
 * the input buffer it took over as its text (or NULL: its text is in a block). */
typedef struct block {
  struct block *next;
  size_t size; /* what follows; also keeps it aligned as malloc aligns */
} block;

typedef struct {
  med_config cfg;
  block *blocks;
  char *text;
  size_t text_cap;
  size_t first_block; /* the first block's size when its text is copied: text and all in one */
  int used;
  uint32_t gen;
} config_slot;

struct med_engine {
  med_zones zones;
  char *in;
  size_t in_cap;
  void *scratch;
  size_t scratch_cap;
  char *out;
  size_t out_cap;
  size_t out_len;
  config_slot *slots;
  int32_t nslots;
};

static int grow(void **p, size_t *cap, size_t want) {
  if (*cap >= want) return 1;
  if (want > MAX_BYTES) return 0;
  size_t n = *cap ? *cap : 4096;
  while (n < want) n *= 2;
  void *q = realloc(*p, n);
  if (!q) return 0;
  *p = q;
  *cap = n;
  return 1;
}

#ifdef __wasm__
/* In Wasm the host's time-zone database is an import (c_src/imports.js declares
 * it for emcc; web/engine/engine.js answers it from Intl): the UTC offset of the
 * zone at utc_ms in minutes, or a value beyond ±1440 for a zone it does not know. */
extern int32_t med_host_zone_offset(const char *zone, uint32_t len, double utc_ms);

static int host_zone_offset(void *ctx, const char *zone, size_t len, int64_t utc_ms, int32_t *offset_min) {
  (void)ctx;
  *offset_min = med_host_zone_offset(zone, (uint32_t)len, (double)utc_ms);
  return *offset_min >= -1440 && *offset_min <= 1440;
}
#endif

void med_engine_set_zones(med_engine *e, med_zone_offset_fn fn, void *ctx) {
  e->zones.fn = fn;
  e->zones.ctx = ctx;
}

med_engine *med_engine_new(void) {
  med_engine *e = calloc(1, sizeof *e);
  if (!e) return NULL;
#ifdef __wasm__
  e->zones.fn = host_zone_offset;
#endif
  if (!grow(&e->scratch, &e->scratch_cap, 256 * 1024) || !grow((void **)&e->out, &e->out_cap, 64 * 1024)) {
    med_engine_free(e);
    return NULL;
  }
  return e;
}

static void free_slot_memory(config_slot *s) {
  while (s->blocks) {
    block *next = s->blocks->next;
    free(s->blocks);
    s->blocks = next;
  }
  free(s->text);
  s->text = NULL;
}

void med_engine_free(med_engine *e) {
  if (!e) return;
  for (int32_t i = 0; i < e->nslots; i++) free_slot_memory(&e->slots[i]);
  free(e->slots);
  free(e->in);
  free(e->scratch);
  free(e->out);
  free(e);
}

static void set_output(med_engine *e, const char *s) {
  size_t n = strlen(s);
  if (n > e->out_cap) n = e->out_cap;
  memcpy(e->out, s, n);
  e->out_len = n;
}

/* Inputs this large get a buffer of their own size, not the next power of two: a
 * config's text may become the config's (med_config_load). */
#define LARGE_INPUT ((size_t)64 * 1024)

char *med_input(med_engine *e, size_t len) {
  if (len >= MAX_BYTES) return NULL;
  if (len + 1 > e->in_cap && len + 1 > LARGE_INPUT) {
    size_t n = (len + 1 + 4095) & ~(size_t)4095;
    char *q = realloc(e->in, n);
    if (!q) return NULL;
    e->in = q;
    e->in_cap = n;
    return e->in;
  }
  if (!grow((void **)&e->in, &e->in_cap, len + 1)) return NULL;
  return e->in;
}

/* The document the host says it put in must fit the buffer it was given. */
static int input_fits(med_engine *e, size_t len) {
  if (!e->in) med_input(e, 0);
  if (e->in && len < e->in_cap) return 1;
  set_output(e, "{\"error\":{\"code\":\"bad_length\",\"message\":\"the document is longer than the input buffer\",\"at\":\"\"}}");
  return 0;
}

static config_slot *slot_of(const med_engine *e, int32_t handle) {
  int32_t i = (handle & MAX_SLOTS) - 1;
  if (handle < 1 || i < 0 || i >= e->nslots) return NULL;
  config_slot *s = &e->slots[i];
  return s->used && (uint32_t)(handle >> SLOT_BITS) == s->gen ? s : NULL;
}

const char *med_output(const med_engine *e) { return e->out; }
size_t med_output_len(const med_engine *e) { return e->out_len; }


/* What an operation ran short of, so that only that buffer grows. */
typedef struct {
  int scratch, out;
} shortfall;

/* Repeats op, doubling what it ran short of, until it fits or memory runs out. */
static int with_room(med_engine *e, size_t len, int (*op)(med_engine *, size_t, void *, shortfall *), void *ctx) {
  for (;;) {
    shortfall s = {0, 0};
    int r = op(e, len, ctx, &s);
    if (r != MED_NO_ROOM) return r;
    int ok = s.scratch || s.out; /* no progress possible otherwise */
    if (ok && s.scratch) ok = e->scratch_cap * 2 <= MAX_BYTES && grow(&e->scratch, &e->scratch_cap, e->scratch_cap * 2);
    if (ok && s.out) ok = e->out_cap * 2 <= MAX_BYTES && grow((void **)&e->out, &e->out_cap, e->out_cap * 2);
    if (!ok) {
      set_output(e, "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"the engine ran out of memory\",\"at\":\"\"}}");
      return MED_BAD_INPUT;
    }
  }
}

typedef struct {
  int32_t handle;
} auction_args;

static int run_auction(med_engine *e, size_t len, void *ctx, shortfall *s) {
  const auction_args *args = ctx;
  const med_config *cfg = args->handle > 0 ? &slot_of(e, args->handle)->cfg : NULL;
  med_arena a;
  med_out o;
  med_arena_init(&a, e->scratch, e->scratch_cap);
  med_out_init(&o, e->out, e->out_cap);
  int r = med_run_auction(e->in, len, cfg, &e->zones, &a, &o);
  e->out_len = o.len;
  s->scratch = a.failed;
  s->out = o.overflow;
  return r;
}

int32_t med_auction(med_engine *e, size_t len, int32_t handle) {
  if (handle != 0 && !slot_of(e, handle)) {
    set_output(e, "{\"error\":{\"code\":\"unknown_config\",\"message\":\"no loaded config has this handle\",\"at\":\"config\"}}");
    return MED_BAD_INPUT;
  }
  if (!input_fits(e, len)) return MED_BAD_INPUT;
  auction_args args = {handle};
  return with_room(e, len, run_auction, &args);
}

/* The page's build leaves statistics out (-DMED_NO_STATS): servers compute them. */
#ifndef MED_NO_STATS
/* A document in, a document out, with the scratch arena: statistics, a report import,
 * suggestions (engine.h). */
typedef struct {
  int (*run)(const char *doc, size_t len, med_arena *scratch, med_out *out);
} document_args;

static int run_document(med_engine *e, size_t len, void *ctx, shortfall *s) {
  const document_args *args = ctx;
  med_arena a;
  med_out o;
  med_arena_init(&a, e->scratch, e->scratch_cap);
  med_out_init(&o, e->out, e->out_cap);
  int r = args->run(e->in, len, &a, &o);
  e->out_len = o.len;
  s->scratch = a.failed;
  s->out = o.overflow;
  return r;
}

static int32_t document(med_engine *e, size_t len, int (*run)(const char *, size_t, med_arena *, med_out *)) {
  if (!input_fits(e, len)) return MED_BAD_INPUT;
  document_args args = {run};
  return with_room(e, len, run_document, &args);
}

int32_t med_report(med_engine *e, size_t len) { return document(e, len, med_run_stats); }
int32_t med_import(med_engine *e, size_t len) { return document(e, len, med_run_import); }
int32_t med_suggest(med_engine *e, size_t len) { return document(e, len, med_run_suggest); }
#endif

/* The config arena's `more`: a block from malloc, chained to the slot. */
static void *more_for_slot(void *ctx, size_t size, size_t *cap) {
  config_slot *s = ctx;
  if (!s->blocks && s->first_block > size) size = s->first_block;
  if (size > MAX_BYTES) return NULL;
  block *b = malloc(sizeof(block) + size);
  if (!b) return NULL;
  b->next = s->blocks;
  b->size = size;
  s->blocks = b;
  *cap = size;
  return b + 1;
}

typedef struct {
  config_slot *slot;
  int text_kept; /* the input buffer becomes the config's text */
} load_args;

static int run_load(med_engine *e, size_t len, void *ctx, shortfall *s) {
  load_args *args = ctx;
  free_slot_memory(args->slot);
  med_arena keep, scratch;
  med_out o;
  med_arena_init_more(&keep, more_for_slot, args->slot);
  med_arena_init(&scratch, e->scratch, e->scratch_cap);
  med_out_init(&o, e->out, e->out_cap);
  int r = med_load_config(e->in, len, args->text_kept, &args->slot->cfg, &e->zones, &keep, &scratch, &o);
  e->out_len = o.len;
  s->scratch = scratch.failed;
  s->out = o.overflow;
  if (keep.failed) {
    set_output(e, "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"no memory for the config\",\"at\":\"\"}}");
    return MED_BAD_INPUT;
  }
  return r;
}

int32_t med_config_load(med_engine *e, size_t len) {
  int32_t h = 0;
  if (!input_fits(e, len)) return 0;
  while (h < e->nslots && e->slots[h].used) h++;
  if (h == MAX_SLOTS) {
    set_output(e, "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"too many configs loaded at once\",\"at\":\"\"}}");
    return 0;
  }
  if (h == e->nslots) {
    config_slot *s = realloc(e->slots, sizeof *s * (size_t)(e->nslots + 1));
    if (!s) {
      set_output(e, "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"no memory for another config\",\"at\":\"\"}}");
      return 0;
    }
    e->slots = s;
    memset(&e->slots[e->nslots++], 0, sizeof *s);
  }
  /* A large text is not copied: the config takes the input buffer, and the next
   * input gets a new one. */
  load_args args = {&e->slots[h], len + 1 > LARGE_INPUT};
  /* A small config's text is copied: one block for it and what is read from it. */
  e->slots[h].first_block = args.text_kept ? 0 : len * 2 + 2048;
  e->in[len] = 0;
  if (with_room(e, len, run_load, &args) != MED_OK) {
    free_slot_memory(&e->slots[h]);
    return 0;
  }
  if (args.text_kept) {
    e->slots[h].text = e->in;
    e->slots[h].text_cap = e->in_cap;
    e->in = NULL;
    e->in_cap = 0;
  }
  e->slots[h].used = 1;
  set_output(e, "{\"ok\":true}");
  return (int32_t)(e->slots[h].gen << SLOT_BITS) | (h + 1);
}

int32_t med_config_unload(med_engine *e, int32_t handle) {
  config_slot *s = slot_of(e, handle);
  if (!s) return 0;
  free_slot_memory(s);
  s->used = 0;
  s->gen = (s->gen + 1) & GEN_MASK; /* the old handle names nothing from now on */
  return 1;
}

double med_config_size(const med_engine *e, int32_t handle) {
  config_slot *s = slot_of(e, handle);
  if (!s) return 0;
  double n = (double)s->text_cap;
  for (const block *b = s->blocks; b; b = b->next) n += (double)(sizeof *b + b->size);
  return n;
}

/* ---- waterfalls ---- */

med_waterfall *med_wf_new(uint32_t n, int32_t budget_ms) {
  med_waterfall *w = malloc(sizeof *w);
  if (!w) return NULL;
  med_wf_entry entries[MED_WF_MAX_ENTRIES];
  if (n > MED_WF_MAX_ENTRIES) n = MED_WF_MAX_ENTRIES;
  for (uint32_t i = 0; i < n; i++) entries[i] = (med_wf_entry){0, 1000};
  med_wf_init(w, entries, n, budget_ms);
  return w;
}

void med_wf_free(med_waterfall *w) { free(w); }

void med_wf_set(med_waterfall *w, uint32_t i, int32_t rtb, int32_t timeout_ms) {
  if (i >= w->n) return;
  w->entries[i] = (med_wf_entry){(uint8_t)(rtb != 0), timeout_ms > 0 ? timeout_ms : 1};
}

int32_t med_wf_begin(med_waterfall *w, double now_ms) { return med_wf_start(w, now_ms); }
int32_t med_wf_on_signal(med_waterfall *w, int32_t entry, int32_t signal, double now_ms) {
  return med_wf_signal(w, entry, (med_attempt_outcome)signal, now_ms);
}
int32_t med_wf_on_tick(med_waterfall *w, double now_ms) { return med_wf_tick(w, now_ms); }
int32_t med_wf_current(const med_waterfall *w) { return w->current; }
double med_wf_deadline(const med_waterfall *w) { return w->deadline_ms; }
uint32_t med_wf_nrecords(const med_waterfall *w) { return w->nrecords; }
int32_t med_wf_record_entry(const med_waterfall *w, uint32_t i) { return i < w->nrecords ? w->records[i].entry : -1; }
int32_t med_wf_record_outcome(const med_waterfall *w, uint32_t i) { return i < w->nrecords ? w->records[i].outcome : 0; }
int32_t med_wf_record_latency_ms(const med_waterfall *w, uint32_t i) {
  if (i >= w->nrecords) return 0;
  double ms = w->records[i].end_ms - w->records[i].start_ms;
  if (!(ms >= 0)) return 0; /* NaN or a clock that went back */
  return ms >= MED_MAX_LATENCY_MS ? MED_MAX_LATENCY_MS : (int32_t)(ms + 0.5);
}
