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

typedef struct med_engine med_engine;

med_engine *med_engine_new(void);
void med_engine_free(med_engine *e);

/* A buffer of at least len bytes for the next document; NULL if out of memory. */
char *med_input(med_engine *e, size_t len);

/* Loads the config document in the input buffer. Returns a handle >= 1, or 0 with
 * an error document in the output. */
int32_t med_config_load(med_engine *e, size_t len);
/* Forgets a loaded config; returns 1 if the handle was in use. */
int32_t med_config_unload(med_engine *e, int32_t handle);

/* Runs the auction document in the input buffer, with a loaded config (handle >= 1)
 * or the document's own (handle 0). Returns 0 (output holds the result) or 2 (it
 * holds an error). */
int32_t med_auction(med_engine *e, size_t len, int32_t handle);

const char *med_output(const med_engine *e);
size_t med_output_len(const med_engine *e);

#endif
