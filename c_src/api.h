/* api.h — the one surface the hosts share: the Wasm exports and the native CLI.
 *
 * This layer owns memory so that hosts need not: an engine keeps an input buffer,
 * a scratch arena and an output buffer, grows them when an operation asks for more
 * room, and reuses them on every call, so memory stays flat across any number of
 * auctions. Loaded configs live in slots named by small integer handles. It is the
 * only file of the engine that calls malloc. */
#ifndef MED_API_H
#define MED_API_H

#include <stddef.h>
#include <stdint.h>

#include "isotime.h"

typedef struct med_engine med_engine;

med_engine *med_engine_new(void);
void med_engine_free(med_engine *e);

/* The time-zone database that resolves config.timezone (isotime.h). The Wasm build
 * has its host's from the start; a native host without one refuses such configs. */
void med_engine_set_zones(med_engine *e, med_zone_offset_fn fn, void *ctx);

/* A buffer of at least len bytes for the next document; NULL if out of memory or
 * len is 2 GiB or more. */
char *med_input(med_engine *e, size_t len);

/* Loads the config document in the input buffer. Returns a handle >= 1, or 0 with
 * an error document in the output. A handle names one load: once released it is
 * refused (unknown_config), even when a later config takes its place. Every call
 * that takes len refuses one longer than the input buffer (bad_length). */
int32_t med_config_load(med_engine *e, size_t len);
/* Forgets a loaded config; returns 1 if the handle was in use. */
int32_t med_config_unload(med_engine *e, int32_t handle);
/* The bytes a loaded config holds (its text and what was read from it), or 0 for
 * a handle not in use. A large config's text is its input buffer, kept. */
double med_config_size(const med_engine *e, int32_t handle);

/* Runs the auction document in the input buffer, with a loaded config (handle >= 1)
 * or the document's own (handle 0). Returns 0 (output holds the result) or 2 (it
 * holds an error). */
int32_t med_auction(med_engine *e, size_t len, int32_t handle);

/* Computes the statistics report of the attempts document in the input buffer
 * (stats.h). Returns 0 or 2, as med_auction. */
int32_t med_report(med_engine *e, size_t len);
/* A network report CSV (reports.h) in the input: its rows and errors. */
int32_t med_import(med_engine *e, size_t len);
/* Discrepancy and suggested CPMs (suggest.h) of the document in the input. */
int32_t med_suggest(med_engine *e, size_t len);

const char *med_output(const med_engine *e);
size_t med_output_len(const med_engine *e);

/* ---- waterfalls at run time (waterfall.h), one per slot being rendered ---- */
typedef struct med_waterfall med_waterfall;

/* A waterfall of n entries (all mediated with timeout 1000 ms until set). */
med_waterfall *med_wf_new(uint32_t n, int32_t budget_ms);
void med_wf_free(med_waterfall *w);
void med_wf_set(med_waterfall *w, uint32_t i, int32_t rtb, int32_t timeout_ms);
int32_t med_wf_begin(med_waterfall *w, double now_ms);
int32_t med_wf_on_signal(med_waterfall *w, int32_t entry, int32_t signal, double now_ms);
int32_t med_wf_on_tick(med_waterfall *w, double now_ms);
int32_t med_wf_current(const med_waterfall *w);
double med_wf_deadline(const med_waterfall *w);
uint32_t med_wf_nrecords(const med_waterfall *w);
/* Record i (< nrecords): its waterfall position, its med_attempt_outcome, and its
 * latency in whole ms, capped at MED_MAX_LATENCY_MS. Read through these, so that no
 * host depends on the record's layout. */
int32_t med_wf_record_entry(const med_waterfall *w, uint32_t i);
int32_t med_wf_record_outcome(const med_waterfall *w, uint32_t i);
int32_t med_wf_record_latency_ms(const med_waterfall *w, uint32_t i);

#endif
