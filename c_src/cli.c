/* cli.c — the native command line: `mediate auction < input.json`,
 * `mediate config < config.json` and `mediate stats < attempts.json`. Reads stdin, prints one JSON document, exits 0
 * on success and 2 on bad input. */
#include <stdio.h>
#include <string.h>

#include "api.h"

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
