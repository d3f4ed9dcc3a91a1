/* stats.c — grouping attempts by network, by bid and by time bucket, and the
 * figures of each group. */
#include "stats.h"

#include <string.h>

#include "bounds.h"
#include "sort.h"
#include "waterfall.h"

/* The reported outcomes, in the order of med_attempt_outcome (waterfall.h). */
enum { O_FILLED, O_NO_FILL, O_ERROR, O_TIMEOUT, O_LATE, O_COUNT };
_Static_assert(O_COUNT == MED_ATTEMPT_LATE - MED_ATTEMPT_FILLED + 1, "one counter per reported outcome");

typedef struct {
  med_str network, bid, source;
  int outcome;
  int64_t latency_ms, price, ts, bucket;
} attempt;

typedef struct {
  uint64_t n[O_COUNT];
  int64_t revenue_micros_k; /* sum of CPM micros over fills: revenue x 1000 */
  int64_t *lat;             /* latencies of fills */
  uint32_t nlat;
} figures;

/* attempts[i].field is wrong: of the wrong JSON type (wrong_type) or value (invalid_value). */
static int fail_at(med_error *err, const char *code, uint32_t i, const char *field, const char *what) {
  med_path item, at;
  med_path_index(&item, "attempts", i);
  med_path_key(&at, item.s, field, strlen(field));
  return med_fail(err, code, at.s, "%s must be %s", at.s, what);
}
static int bad(med_error *err, uint32_t i, const char *field, const char *what) {
  return fail_at(err, "invalid_value", i, field, what);
}
static int wrong(med_error *err, uint32_t i, const char *field, const char *what) {
  return fail_at(err, "wrong_type", i, field, what);
}

static int read_attempt(const med_json *j, int tok, uint32_t i, int64_t bucket_ms, attempt *t, med_arena *a,
                        med_error *err) {
  med_path at;
  med_path_index(&at, "attempts", i);
  if (!med_json_is_object(j, tok)) return med_fail(err, "wrong_type", at.s, "%s must be an object", at.s);
  *t = (attempt){{"", 0}, {"", 0}, {"", 0}, -1, 0, 0, 0, 0};
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    med_str key = med_json_str(j, k);
    if (med_str_eq_lit(key, "network")) {
      if (med_json_is_string(j, v)) t->network = med_json_text(j, v, a);
      else if (!med_json_is_null(j, v)) return wrong(err, i, "network", "a string or null");
    } else if (med_str_eq_lit(key, "bid")) {
      if (!med_json_is_string(j, v)) return wrong(err, i, "bid", "a string");
      t->bid = med_json_text(j, v, a);
    } else if (med_str_eq_lit(key, "source")) {
      if (!med_json_is_string(j, v)) return wrong(err, i, "source", "a string");
      t->source = med_json_text(j, v, a);
    } else if (med_str_eq_lit(key, "outcome")) {
      for (int o = MED_ATTEMPT_FILLED; o <= MED_ATTEMPT_LATE; o++)
        if (med_json_is_string(j, v) && med_str_eq_cstr(med_json_str(j, v), med_attempt_outcome_name(o)))
          t->outcome = o - MED_ATTEMPT_FILLED;
      if (t->outcome < 0) return bad(err, i, "outcome", "filled, no_fill, error, timeout or late");
    } else if (med_str_eq_lit(key, "latency_ms")) {
      if (!med_json_int(j, v, 0, MED_MAX_LATENCY_MS, &t->latency_ms))
        return bad(err, i, "latency_ms", "an integer of ms, at most the longest timeout plus the late window");
    } else if (med_str_eq_lit(key, "price")) {
      if (!med_json_is_null(j, v) && (!med_json_fixed(j, v, 6, MED_MAX_MICROS, &t->price) || t->price < 0))
        return bad(err, i, "price", "a CPM");
    } else if (med_str_eq_lit(key, "ts")) {
      if (!med_json_int(j, v, 0, INT64_MAX / 2, &t->ts)) return bad(err, i, "ts", "a time in ms since 1970");
    }
  }
  if (t->outcome < 0) return med_fail(err, "missing_field", at.s, "%s has no outcome", at.s);
  t->bucket = t->ts - t->ts % bucket_ms;
  return 1;
}

/* ---- grouping ---- */

typedef struct {
  const attempt *at;
  int by; /* 0 network, 1 bid, 2 bucket then network */
} group_ctx;

static int cmp_key(const group_ctx *g, const attempt *x, const attempt *y) {
  if (g->by == 2 && x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
  int c = med_str_cmp(x->network, y->network);
  if (c || g->by != 1) return c;
  return med_str_cmp(x->bid, y->bid);
}

static int group_less(uint32_t a, uint32_t b, const void *ctx) {
  const group_ctx *g = ctx;
  int c = cmp_key(g, &g->at[a], &g->at[b]);
  return c ? c < 0 : a < b;
}

static int lat_less(uint32_t a, uint32_t b, const void *ctx) {
  const int64_t *l = ctx;
  return l[a] != l[b] ? l[a] < l[b] : a < b;
}

/* Nearest-rank percentile of the sorted latencies. */
static int64_t percentile(const int64_t *sorted, uint32_t n, int p) {
  if (!n) return -1;
  uint32_t rank = (uint32_t)(((uint64_t)p * n + 99) / 100);
  return sorted[rank ? rank - 1 : 0];
}

static void add(figures *f, const attempt *t) {
  f->n[t->outcome]++;
  if (t->outcome == O_FILLED) {
    /* Saturates: prices up to 1e9 CPM over enough fills would overflow int64. */
    if (__builtin_add_overflow(f->revenue_micros_k, t->price, &f->revenue_micros_k)) f->revenue_micros_k = INT64_MAX;
    f->lat[f->nlat++] = t->latency_ms;
  }
}

static void write_ratio(med_out *o, uint64_t num, uint64_t den) {
  if (!den) {
    med_out_lit(o, "null");
    return;
  }
  med_out_micros(o, (int64_t)((num * 1000000 + den / 2) / den));
}

static int write_figures(med_out *o, figures *f, med_arena *a) {
  uint64_t attempts = f->n[O_FILLED] + f->n[O_NO_FILL] + f->n[O_ERROR] + f->n[O_TIMEOUT];
  /* latencies: sort indices, then read in order */
  uint32_t *idx = med_arena_alloc(a, sizeof(uint32_t) * (f->nlat + 1));
  uint32_t *tmp = med_arena_alloc(a, sizeof(uint32_t) * (f->nlat + 1));
  int64_t *sorted = med_arena_alloc(a, sizeof(int64_t) * (f->nlat + 1));
  if (!idx || !tmp || !sorted) return 0;
  for (uint32_t k = 0; k < f->nlat; k++) idx[k] = k;
  med_sort(idx, f->nlat, tmp, lat_less, f->lat);
  for (uint32_t k = 0; k < f->nlat; k++) sorted[k] = f->lat[idx[k]];
  med_out_lit(o, "\"attempts\":");
  med_out_int(o, (int64_t)attempts);
  med_out_lit(o, ",\"fills\":");
  med_out_int(o, (int64_t)f->n[O_FILLED]);
  med_out_lit(o, ",\"fill_rate\":");
  write_ratio(o, f->n[O_FILLED], attempts);
  med_out_lit(o, ",\"no_fills\":");
  med_out_int(o, (int64_t)f->n[O_NO_FILL]);
  med_out_lit(o, ",\"timeouts\":");
  med_out_int(o, (int64_t)f->n[O_TIMEOUT]);
  med_out_lit(o, ",\"errors\":");
  med_out_int(o, (int64_t)f->n[O_ERROR]);
  med_out_lit(o, ",\"late\":");
  med_out_int(o, (int64_t)f->n[O_LATE]);
  med_out_lit(o, ",\"latency_p50\":");
  if (f->nlat) med_out_int(o, percentile(sorted, f->nlat, 50));
  else med_out_lit(o, "null");
  med_out_lit(o, ",\"latency_p95\":");
  if (f->nlat) med_out_int(o, percentile(sorted, f->nlat, 95));
  else med_out_lit(o, "null");
  /* revenue = sum(CPM) / 1000 per fill; eCPM = revenue * 1000 / attempts = sum(CPM) / attempts */
  med_out_lit(o, ",\"revenue\":");
  med_out_micros(o, f->revenue_micros_k / 1000 + (f->revenue_micros_k % 1000 >= 500));
  med_out_lit(o, ",\"ecpm\":");
  if (attempts) med_out_micros(o, (int64_t)(((uint64_t)f->revenue_micros_k + attempts / 2) / attempts));
  else med_out_lit(o, "null");
  return 1;
}

/* Writes one array of groups of the sorted indices. */
static int write_groups(med_out *o, const attempt *at, const uint32_t *idx, uint32_t n, int by, med_arena *a) {
  group_ctx g = {at, by};
  med_out_char(o, '[');
  for (uint32_t s = 0, first = 1; s < n; first = 0) {
    uint32_t e = s;
    while (e < n && cmp_key(&g, &at[idx[s]], &at[idx[e]]) == 0) e++;
    figures f = {{0}, 0, med_arena_alloc(a, sizeof(int64_t) * (e - s + 1)), 0};
    if (!f.lat) return 0;
    for (uint32_t k = s; k < e; k++) add(&f, &at[idx[k]]);
    const attempt *head = &at[idx[s]];
    if (!first) med_out_char(o, ',');
    med_out_char(o, '{');
    if (by == 2) {
      med_out_lit(o, "\"t\":");
      med_out_int(o, head->bucket);
      med_out_char(o, ',');
    }
    if (by == 1) {
      med_out_lit(o, "\"bid\":");
      med_out_str(o, head->bid);
      med_out_lit(o, ",\"source\":");
      med_out_str(o, head->source);
      med_out_char(o, ',');
    }
    med_out_lit(o, "\"network\":");
    med_out_str(o, head->network);
    med_out_char(o, ',');
    if (!write_figures(o, &f, a)) return 0;
    med_out_char(o, '}');
    s = e;
  }
  med_out_char(o, ']');
  return 1;
}

int med_stats_run(const med_json *j, med_arena *a, med_out *o, med_error *err) {
  int list = -1;
  int64_t bucket_ms = 3600000;
  for (int k = med_json_first(j, 0); k >= 0; k = med_json_next_key(j, 0, k)) {
    if (med_json_streq(j, k, "attempts")) list = k + 1;
    else if (med_json_streq(j, k, "bucket_ms") && !med_json_int(j, k + 1, 1000, 86400000 * 31LL, &bucket_ms))
      return med_fail(err, "invalid_value", "bucket_ms", "bucket_ms must be an integer from 1000 to 31 days");
  }
  if (list < 0) return med_fail(err, "missing_field", "attempts", "attempts (the reported attempts) is required");
  if (!med_json_is_array(j, list)) return med_fail(err, "wrong_type", "attempts", "attempts must be an array");
  uint32_t n = (uint32_t)j->tok[list].size;
  attempt *at = med_arena_alloc(a, sizeof(attempt) * (n + 1));
  uint32_t *idx = med_arena_alloc(a, sizeof(uint32_t) * (n + 1)), *tmp = med_arena_alloc(a, sizeof(uint32_t) * (n + 1));
  figures all = {{0}, 0, med_arena_alloc(a, sizeof(int64_t) * (n + 1)), 0};
  if (!at || !idx || !tmp || !all.lat) return med_fail(err, "out_of_memory", "", "no memory for the attempts");
  uint32_t i = 0;
  for (int e = med_json_first(j, list); e >= 0; e = med_json_next_elem(j, list, e), i++) {
    if (!read_attempt(j, e, i, bucket_ms, &at[i], a, err)) return 0;
    add(&all, &at[i]);
  }
  med_out_lit(o, "{\"totals\":{");
  if (!write_figures(o, &all, a)) return med_fail(err, "out_of_memory", "", "no memory for the report");
  med_out_char(o, '}');
  static const char *const names[3] = {",\"networks\":", ",\"bids\":", ",\"series\":"};
  for (int by = 0; by < 3; by++) {
    group_ctx g = {at, by};
    for (uint32_t k = 0; k < n; k++) idx[k] = k;
    med_sort(idx, n, tmp, group_less, &g);
    med_out_cstr(o, names[by]);
    if (!write_groups(o, at, idx, n, by, a)) return med_fail(err, "out_of_memory", "", "no memory for the report");
  }
  med_out_char(o, '}');
  return 1;
}
