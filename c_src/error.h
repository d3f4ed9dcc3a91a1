/* error.h — how the engine says what was wrong with its input, and where.
 *
 * A code (a stable word for programs), a message (a sentence for people) and `at`
 * (a JSON path like "config.mediated_bids[3].cpm", or "byte 1234"). */
#ifndef MED_ERROR_H
#define MED_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON path as errors name it: config.mediated_bids[3].targeting.countries[2].
 * Paths are built a step at a time into one of these; a key longer than
 * MED_PATH_KEY_MAX bytes is cut there and marked with "~", and a path that would
 * not fit ends in "~" too, so a cut path is never mistaken for a real one. */
#define MED_PATH_CAP 192
#define MED_PATH_KEY_MAX 40
typedef struct {
  char s[MED_PATH_CAP];
} med_path;

/* parent.key */
void med_path_key(med_path *p, const char *parent, const char *key, size_t len);
/* parent[i] */
void med_path_index(med_path *p, const char *parent, uint32_t i);

typedef struct {
  const char *code; /* NULL while there is no error */
  char message[192];
  char at[MED_PATH_CAP];
} med_error;

/* Records the first error only; later calls are ignored. Returns 0 so callers can
 * `return med_fail(...)`. */
int med_fail(med_error *e, const char *code, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A small snprintf for paths and messages: %s %.*s %d %u %ld %lld %%, nothing
 * else. Always terminates; cuts what does not fit. libc's printf would add a
 * floating-point formatter the engine never uses to every Wasm download. */
void med_format(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void med_vformat(char *buf, size_t cap, const char *fmt, va_list ap);

#endif
