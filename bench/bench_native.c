/* bench_native.c — times the native engine on the benchmark's documents.
 *
 * usage: bench-native CONFIG.json AUCTION.json [iterations-per-batch]
 *        bench-native --tcf TC-STRING [iterations-per-batch]  (decode, then one rule check)
 * Loads the config once, then runs batches of auctions and prints one line of
 * JSON: the median and minimum per-auction time over the batches, in ns. The
 * engine itself has no clock; this harness does. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "consent.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) return NULL;
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* One TC string decoded and checked for a vendor, as each auction does. */
static int bench_tcf(const char *s, int iters) {
  static unsigned char mem[1 << 16];
  enum { BATCHES = 31 };
  double per[BATCHES];
  unsigned allowed = 0;
  for (int b = -3; b < BATCHES; b++) {
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      med_arena a;
      med_arena_init(&a, mem, sizeof mem);
      med_tcf t;
      const char *why;
      char buf[96];
      if (!med_tcf_decode(&t, (med_str){s, (uint32_t)strlen(s)}, &a, &why)) {
        fprintf(stderr, "bench-native: %s\n", why);
        return 2;
      }
      allowed += med_tcf_allows(&t, 755, 3u, buf, sizeof buf) == NULL;
    }
    if (b >= 0) per[b] = (now_ns() - t0) / iters;
  }
  qsort(per, BATCHES, sizeof per[0], cmp_double);
  printf("{\"median_ns\":%.0f,\"min_ns\":%.0f,\"allowed\":%u}\n", per[BATCHES / 2], per[0], allowed);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "--tcf") == 0) return bench_tcf(argv[2], argc > 3 ? atoi(argv[3]) : 20000);
  if (argc < 3) {
    fputs("usage: bench-native CONFIG.json AUCTION.json [iterations]\n", stderr);
    return 64;
  }
  size_t clen, alen;
  char *cfg = slurp(argv[1], &clen), *doc = slurp(argv[2], &alen);
  int iters = argc > 3 ? atoi(argv[3]) : 2000;
  if (!cfg || !doc) return 1;
  med_engine *e = med_engine_new();
  memcpy(med_input(e, clen), cfg, clen);
  int handle = med_config_load(e, clen);
  if (!handle) {
    fwrite(med_output(e), 1, med_output_len(e), stderr);
    return 2;
  }
  enum { BATCHES = 31 };
  double per[BATCHES];
  for (int b = -3; b < BATCHES; b++) { /* three warm-up batches */
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      memcpy(med_input(e, alen), doc, alen); /* the host's one copy of the input */
      if (med_auction(e, alen, handle) != 0) {
        fwrite(med_output(e), 1, med_output_len(e), stderr);
        return 2;
      }
    }
    if (b >= 0) per[b] = (now_ns() - t0) / iters;
  }
  qsort(per, BATCHES, sizeof per[0], cmp_double);
  printf("{\"median_ns\":%.0f,\"min_ns\":%.0f,\"output_bytes\":%zu}\n", per[BATCHES / 2], per[0], med_output_len(e));
  med_engine_free(e);
  return 0;
}
