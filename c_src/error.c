/* error.c — filling a med_error once, with a bounded message. */
#include "error.h"

#include <string.h>

typedef struct {
  char *buf;
  size_t cap, len;
} sink;

static void put(sink *s, const char *p, size_t n) {
  for (size_t i = 0; i < n && s->len + 1 < s->cap; i++) s->buf[s->len++] = p[i];
}

static void put_signed(sink *s, long long v) {
  char d[24];
  int n = 0;
  unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
  do d[n++] = (char)('0' + u % 10); while (u /= 10);
  if (v < 0) d[n++] = '-';
  while (n) put(s, &d[--n], 1);
}

void med_vformat(char *buf, size_t cap, const char *fmt, va_list ap) {
  sink s = {buf, cap, 0};
  if (!cap) return;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') {
      put(&s, f, 1);
      continue;
    }
    f++;
    if (*f == 's') {
      const char *str = va_arg(ap, const char *);
      put(&s, str, strlen(str));
    } else if (f[0] == '.' && f[1] == '*' && f[2] == 's') {
      int n = va_arg(ap, int);
      const char *str = va_arg(ap, const char *);
      put(&s, str, n > 0 ? (size_t)n : 0);
      f += 2;
    } else if (*f == 'd') {
      put_signed(&s, va_arg(ap, int));
    } else if (*f == 'u') {
      put_signed(&s, va_arg(ap, unsigned));
    } else if (f[0] == 'l' && f[1] == 'd') {
      put_signed(&s, va_arg(ap, long));
      f++;
    } else if (f[0] == 'l' && f[1] == 'l' && f[2] == 'd') {
      put_signed(&s, va_arg(ap, long long));
      f += 2;
    } else if (*f == '%') {
      put(&s, "%", 1);
    } else {
      break; /* not supported: stop rather than misread the arguments */
    }
  }
  s.buf[s.len] = 0;
}

/* Ends a path that was cut (a long key, or a full buffer) with "~". */
static void end_cut(med_path *p, int cut) {
  size_t n = strlen(p->s);
  if (n + 1 >= sizeof p->s) cut = 1, n = sizeof p->s - 2; /* full: the last byte gives way */
  if (!cut) return;
  p->s[n] = '~';
  p->s[n + 1] = 0;
}

void med_path_key(med_path *p, const char *parent, const char *key, size_t len) {
  size_t keep = len > MED_PATH_KEY_MAX ? MED_PATH_KEY_MAX : len;
  med_format(p->s, sizeof p->s, "%s.%.*s", parent, (int)keep, key);
  end_cut(p, keep < len);
}

void med_path_index(med_path *p, const char *parent, uint32_t i) {
  med_format(p->s, sizeof p->s, "%s[%u]", parent, i);
  end_cut(p, 0);
}

void med_format(char *buf, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  med_vformat(buf, cap, fmt, ap);
  va_end(ap);
}

int med_fail(med_error *e, const char *code, const char *at, const char *fmt, ...) {
  if (e->code) return 0;
  e->code = code;
  med_format(e->at, sizeof e->at, "%s", at ? at : "");
  va_list ap;
  va_start(ap, fmt);
  med_vformat(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return 0;
}
