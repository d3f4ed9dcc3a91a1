/* config_load.h — reading a config that is kept, without its whole token array.
 *
 * Tokenized whole, a config needs about twice its text again in tokens (20 bytes
 * a token, a token every 9 bytes or so). A config that is loaded once and kept
 * need not pay that: its top level is read with the mediated bids left out, then
 * each bid alone, and a bid's tokens are dropped once it is read. */
#ifndef MED_CONFIG_LOAD_H
#define MED_CONFIG_LOAD_H

#include <stddef.h>

#include "arena.h"
#include "config.h"
#include "error.h"

/* Reads the config text[0..len), which must outlive cfg, into keep; scratch holds
 * tokens only for as long as they are read. Whatever the cutting does not expect
 * (a second "mediated_bids", one that is not an array, brackets out of place) or
 * any error, and the text is read whole instead: the config, and every error, are
 * those of med_json_parse and med_config_read. Returns 1, or 0 with err set (or
 * with an arena's `failed` set: it ran out of room). */
int med_config_load_text(med_config *cfg, const char *text, size_t len, med_arena *keep, med_arena *scratch,
                         med_error *err);

#endif
