/* cli.c — the native command line: `mediate auction < input.json`,
 * `mediate config < config.json` and `mediate stats < attempts.json`. Reads stdin,
 * prints one JSON document, exits 0 on success and 2 on bad input. It is the host:
 * the I/O, and the time-zone database (the system's tzdata) for config.timezone. */
#define _DEFAULT_SOURCE /* tm_gmtoff, setenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"

/* A zone exists when tzdata has a file for it; its offset comes from localtime_r
 * under that TZ. */
static int system_zone_offset(void *ctx, const char *zone, size_t len, int64_t utc_ms, int32_t *offset_min) {
  char name[80], path[128];
  (void)ctx;
  if (len == 0 || len >= sizeof name || memchr(zone, '.', len)) return 0;
  memcpy(name, zone, len);
  name[len] = 0;
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
  if (access(path, R_OK) != 0) return 0;
  setenv("TZ", name, 1);
  tzset();
  time_t t = (time_t)(utc_ms >= 0 ? utc_ms / 1000 : -((999 - utc_ms) / 1000));
  struct tm tm;
  if (!localtime_r(&t, &tm)) return 0;
  *offset_min = (int32_t)(tm.tm_gmtoff / 60);
  return 1;
}

static int read_stdin(med_engine *e, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = med_input(e, cap);
  for (;;) {
    if (!buf) return 0;
    size_t got = fread(buf + n, 1, cap - n, stdin);
    n += got;
    if (got == 0) break;
    if (n == cap) {
      cap *= 2;
      buf = med_input(e, cap);
    }
  }
  *len = n;
  return !ferror(stdin);
}

static int usage(void) {
  fputs("usage: mediate auction < input.json     run one auction (docs/auction.md)\n"
        "       mediate config < config.json     check a mediation config\n"
        "       mediate stats < attempts.json    statistics of reported attempts\n",
        stderr);
  return 64;
}

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "auction") != 0 && strcmp(argv[1], "config") != 0 && strcmp(argv[1], "stats") != 0))
    return usage();
  med_engine *e = med_engine_new();
  size_t len = 0;
  if (e) med_engine_set_zones(e, system_zone_offset, NULL);
  if (!e || !read_stdin(e, &len)) {
    fputs("mediate: cannot read standard input\n", stderr);
    return 1;
  }
  int status = 0;
  if (strcmp(argv[1], "auction") == 0) status = med_auction(e, len, 0) == 0 ? 0 : 2;
  else if (strcmp(argv[1], "stats") == 0) status = med_report(e, len) == 0 ? 0 : 2;
  else status = med_config_load(e, len) > 0 ? 0 : 2;
  fwrite(med_output(e), 1, med_output_len(e), stdout);
  fputc('\n', stdout);
  med_engine_free(e);
  return status;
}
