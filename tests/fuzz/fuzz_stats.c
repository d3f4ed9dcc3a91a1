/* fuzz_stats.c — fuzzes the statistics report: med_report (api.h) and, on an
 * exact-size copy, med_run_stats (engine.h).
 *
 * Invariants (abort() on violation):
 *  - status is 0 or 2; the answer is valid JSON; an error document iff status 2;
 *  - the same document on the same engine gives the same bytes again;
 *  - med_run_stats with enough room gives the same bytes in exactly that many
 *    bytes of output, and MED_NO_ROOM with one byte less;
 *  - a report adds up: totals.attempts + totals.late is the number of attempts
 *    given (a rollup row gives its n); each of attempts, fills, no_fills, timeouts, errors and late summed over
 *    "networks", over "bids" and over "series" equals its total; fills <= attempts
 *    in every group;
 *  - nothing leaks (LeakSanitizer), nothing is read past the document (ASan). */
#include "api.h"
#include "engine.h"
#include "fuzz_common.h"

static const char *const FIGS[] = {"attempts", "fills", "no_fills", "timeouts", "errors", "late"};
#define NFIGS 6

static int value_of(const med_json *j, int obj, const char *key) {
  int v = -1; /* the last occurrence, as the engine reads keys */
  for (int k = med_json_first(j, obj); k >= 0; k = med_json_next_key(j, obj, k))
    if (med_str_eq_cstr(med_json_str(j, k), key)) v = k + 1;
  return v;
}

static void figures(const med_json *j, int obj, int64_t f[NFIGS]) {
  FZ_ASSERT(obj >= 0 && med_json_is_object(j, obj), "a group is an object");
  for (int i = 0; i < NFIGS; i++) {
    int v = value_of(j, obj, FIGS[i]);
    FZ_ASSERT(v >= 0 && med_json_int(j, v, 0, INT64_MAX, &f[i]), "a figure is a non-negative integer");
  }
  FZ_ASSERT(f[1] <= f[0], "fills <= attempts");
}

static void check_report(const char *in, size_t nin, const char *out, size_t nout) {
  size_t cap = (nin + nout) * 64 + 65536;
  char *mem = malloc(cap);
  FZ_ASSERT(mem != NULL, "memory");
  med_arena a;
  med_arena_init(&a, mem, cap);
  med_json ji, jo;
  med_error err = {0};
  FZ_ASSERT(med_json_parse(&ji, in, nin, &a, &err), "an accepted input parses");
  FZ_ASSERT(med_json_parse(&jo, out, nout, &a, &err), "the report parses");
  /* The list the engine read: the last "attempts" or "rollups" key. */
  int list = -1, rollups = 0;
  for (int k = med_json_first(&ji, 0); k >= 0; k = med_json_next_key(&ji, 0, k)) {
    if (med_str_eq_cstr(med_json_str(&ji, k), "attempts")) list = k + 1, rollups = 0;
    if (med_str_eq_cstr(med_json_str(&ji, k), "rollups")) list = k + 1, rollups = 1;
  }
  FZ_ASSERT(list >= 0 && med_json_is_array(&ji, list), "an accepted input has attempts or rollups");
  int64_t given = 0; /* an attempt is one; a rollup row is its n (1 when absent) */
  for (int e = med_json_first(&ji, list); e >= 0; e = med_json_next_elem(&ji, list, e)) {
    int64_t n = 1;
    int v = rollups ? value_of(&ji, e, "n") : -1;
    if (v >= 0) FZ_ASSERT(med_json_int(&ji, v, 1, INT64_MAX, &n), "an accepted n is a count");
    given += n;
  }
  int64_t total[NFIGS];
  figures(&jo, value_of(&jo, 0, "totals"), total);
  FZ_ASSERT(total[0] + total[5] == given, "every attempt is counted once");
  static const char *const groups[] = {"networks", "bids", "series"};
  for (int g = 0; g < 3; g++) {
    int arr = value_of(&jo, 0, groups[g]);
    FZ_ASSERT(arr >= 0 && med_json_is_array(&jo, arr), "groups are an array");
    int64_t sum[NFIGS] = {0};
    for (int e = med_json_first(&jo, arr); e >= 0; e = med_json_next_elem(&jo, arr, e)) {
      int64_t f[NFIGS];
      figures(&jo, e, f);
      for (int i = 0; i < NFIGS; i++) sum[i] += f[i];
    }
    for (int i = 0; i < NFIGS; i++) FZ_ASSERT(sum[i] == total[i], "groups add up to the totals");
  }
  free(mem);
}

static char *report(med_engine *e, const char *doc, size_t len, size_t *n, int32_t *st) {
  char *in = med_input(e, len);
  FZ_ASSERT(in != NULL, "input buffer");
  memcpy(in, doc, len);
  *st = med_report(e, len);
  *n = med_output_len(e);
  fz_check_answer(med_output(e), *n, *st, "{\"totals\":{");
  return fz_copy(med_output(e), *n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1 << 20)) return 0;
  char *doc = fz_copy(data, size);
  med_engine *e = fz_engine_new();
  FZ_ASSERT(e != NULL, "engine");
  size_t n1, n2;
  int32_t st1, st2;
  char *r1 = report(e, doc, size, &n1, &st1);
  char *r2 = report(e, doc, size, &n2, &st2);
  FZ_ASSERT(st1 == st2 && n1 == n2 && memcmp(r1, r2, n1) == 0, "the same document gives the same answer");
  med_engine_free(e);

  size_t cap = size * 64 + 65536;
  char *mem = malloc(cap), *out = malloc(n1);
  FZ_ASSERT(mem && out, "memory");
  med_arena a;
  med_out o;
  med_arena_init(&a, mem, cap);
  med_out_init(&o, out, n1);
  int r = med_run_stats(doc, size, &a, &o);
  if (!a.failed) {
    FZ_ASSERT(r == st1 && o.len == n1 && memcmp(out, r1, n1) == 0, "med_run_stats gives med_report's answer");
    med_arena_init(&a, mem, cap);
    med_out_init(&o, out, n1 - 1);
    FZ_ASSERT(med_run_stats(doc, size, &a, &o) == MED_NO_ROOM, "one byte less is no room");
  }
  free(mem);
  free(out);
  if (st1 == 0) check_report(doc, size, r1, n1);
  free(r1);
  free(r2);
  free(doc);
  return 0;
}
