/* error.c — filling a med_error once, with a bounded message. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int med_fail(med_error *e, const char *code, const char *at, const char *fmt, ...) {
  if (e->code) return 0;
  e->code = code;
  snprintf(e->at, sizeof e->at, "%s", at ? at : "");
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  va_end(ap);
  return 0;
}
