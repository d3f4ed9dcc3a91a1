/* engine.h — the engine's two operations on whole JSON documents.
 *
 * These are what every host calls (the Wasm exports and the CLI, through api.c).
 * They allocate only from the arenas given and write only to the buffer given.
 * Each returns MED_OK, MED_BAD_INPUT (the output holds {"error": ...}) or
 * MED_NO_ROOM: the arena or the output buffer was too small; give more and call
 * again, nothing was kept. */
#ifndef MED_ENGINE_H
#define MED_ENGINE_H

#include <stddef.h>

#include "arena.h"
#include "config.h"
#include "isotime.h"
#include "json.h"

enum { MED_OK = 0, MED_NO_ROOM = 1, MED_BAD_INPUT = 2 };

/* Reads a config document into `keep`: a large one a mediated bid at a time
 * (config_load.h), so `scratch` holds tokens only briefly. Its text is copied into
 * `keep` unless `text_kept` says the caller keeps doc[0..len] alive and unchanged
 * as long as the config (api.c hands it its input buffer). A config that names a
 * time zone is refused unless `zones` knows it (zones may be NULL: none known). */
int med_load_config(const char *doc, size_t len, int text_kept, med_config *cfg, const med_zones *zones,
                    med_arena *keep, med_arena *scratch, med_out *out);

/* Runs one auction document {config?, request, bids?, now, explain?}. A non-NULL
 * cfg is used instead of the document's "config"; `zones` resolves its time zone
 * at the auction's `now`. */
int med_run_auction(const char *doc, size_t len, const med_config *cfg, const med_zones *zones, med_arena *scratch,
                    med_out *out);

/* Computes the statistics report (stats.h) of a document of reported attempts. */
int med_run_stats(const char *doc, size_t len, med_arena *scratch, med_out *out);
/* Counted fills, network reports and the bids' CPMs in; discrepancy and suggested
 * CPMs out (suggest.h). */
int med_run_suggest(const char *doc, size_t len, med_arena *scratch, med_out *out);
/* A network report CSV in, its rows and errors out (reports.h). */
int med_run_import(const char *csv, size_t len, med_arena *scratch, med_out *out);

#endif
