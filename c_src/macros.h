/* macros.h — substituting ${NAME} and #{NAME} in markup and URLs while copying.
 *
 * The text is raw JSON string content and so are the values, so the result is
 * still valid JSON string content. A name the resolver does not know is copied
 * as it stands. */
#ifndef MED_MACROS_H
#define MED_MACROS_H

#include "json.h"

/* Writes the value of ${name} (hash = 0) or #{name} (hash = 1) and returns 1,
 * or returns 0 to leave the macro as it is. */
typedef int (*med_macro_fn)(void *ctx, med_str name, int hash, med_out *o);

/* Copies text to o, expanding macros; #{...} only when with_hash is set. */
void med_macros_write(med_out *o, med_str text, int with_hash, med_macro_fn fn, void *ctx);

/* Writes s (decoded text) percent-encoded: every byte but A-Z a-z 0-9 - _ . ~ as
 * %XX. The result is safe in a URL, an HTML attribute, a script string and JSON. */
void med_macro_write_encoded(med_out *o, med_str s);

#endif
