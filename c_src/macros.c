/* macros.c — one pass over the text, copying runs between macros whole. */
#include "macros.h"

#include <string.h>

void med_macros_write(med_out *o, med_str text, int with_hash, med_macro_fn fn, void *ctx) {
  const char *s = text.s, *end = text.s + text.len, *run = s;
  while (s + 3 < end) {
    const char *d = memchr(s, '{', (size_t)(end - s));
    if (!d) break;
    if (d > text.s && (d[-1] == '$' || (with_hash && d[-1] == '#'))) {
      const char *close = memchr(d + 1, '}', (size_t)(end - d - 1));
      if (!close) break;
      med_str name = {d + 1, (uint32_t)(close - d - 1)};
      size_t before = o->len;
      med_out_raw(o, run, (size_t)(d - 1 - run));
      if (fn(ctx, name, d[-1] == '#', o)) {
        run = s = close + 1;
        continue;
      }
      o->len = before; /* undo: the macro is copied as text with the next run */
    }
    s = d + 1;
  }
  med_out_raw(o, run, (size_t)(end - run));
}
