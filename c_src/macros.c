/* macros.c — one pass over the text, copying runs between macros whole. */
#include "macros.h"

#include <string.h>

void med_macro_write_encoded(med_out *o, med_str s) {
  static const char hex[] = "0123456789ABCDEF";
  for (uint32_t i = 0; i < s.len; i++) {
    unsigned char c = (unsigned char)s.s[i];
    int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.' || c == '~';
    if (plain) {
      med_out_raw(o, s.s + i, 1);
    } else {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      med_out_raw(o, e, 3);
    }
  }
}

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
