/* stats.c — grouping reported attempts (or hourly rollups of them) by network, by
 * bid and by time bucket, and the figures of each group. An attempt and a rollup
 * are read into the same row: how many attempts it stands for, the CPMs of its
 * fills, and its fills' latencies as (ms, count) pairs, so quantiles come out of
 * the same code whether the server kept every attempt or only histograms. */
#include "stats.h"

#include <string.h>

#include "bounds.h"
#include "sort.h"
#include "waterfall.h"

/* The reported outcomes, in the order of med_attempt_outcome (waterfall.h). */
enum { O_FILLED, O_NO_FILL, O_ERROR, O_TIMEOUT, O_LATE, O_COUNT };
_Static_assert(O_COUNT == MED_ATTEMPT_LATE - MED_ATTEMPT_FILLED + 1, "one counter per reported outcome");

#define MAX_COUNT ((int64_t)1 << 40) /* attempts one rollup row may stand for */

typedef struct {
  int64_t ms;
  uint64_t n;
} lat_count;

typedef struct {
  med_str network, bid, source;
  int outcome;
  uint64_t count;     /* attempts the row stands for: 1, or a rollup's n */
  int64_t cpm_micros; /* sum of the CPMs of its fills, micro-units */
  lat_count *lat;     /* latencies of its fills */
  uint32_t nlat;
  int64_t bucket;
} row;

typedef struct {
  uint64_t n[O_COUNT];
  int64_t revenue_micros_k; /* sum of CPM micros over fills: revenue x 1000 */
  lat_count *lat;
  uint32_t nlat;
} figures;

/* list[i].field is wrong: of the wrong JSON type (wrong_type) or value (invalid_value). */
static int fail_at(med_error *err, const char *code, const char *item, const char *field, const char *what) {
  med_path at;
  med_path_key(&at, item, field, strlen(field));
  return med_fail(err, code, at.s, "%s must be %s", at.s, what);
}

/* The fields attempts and rollups share: network, bid, source, outcome. Returns 1
 * if key k was one of them (read, or *ok = 0 with err set), 0 if it was not. */
static int read_common(const med_json *j, int k, const char *item, row *r, med_arena *a, med_error *err, int *ok) {
  int v = k + 1;
  med_str key = med_json_str(j, k);
  if (med_str_eq_lit(key, "network")) {
    if (med_json_is_string(j, v)) r->network = med_json_text(j, v, a);
    else if (!med_json_is_null(j, v)) *ok = fail_at(err, "wrong_type", item, "network", "a string or null");
  } else if (med_str_eq_lit(key, "bid")) {
    if (!med_json_is_string(j, v)) *ok = fail_at(err, "wrong_type", item, "bid", "a string");
    else r->bid = med_json_text(j, v, a);
  } else if (med_str_eq_lit(key, "source")) {
    if (!med_json_is_string(j, v)) *ok = fail_at(err, "wrong_type", item, "source", "a string");
    else r->source = med_json_text(j, v, a);
  } else if (med_str_eq_lit(key, "outcome")) {
    for (int o = MED_ATTEMPT_FILLED; o <= MED_ATTEMPT_LATE; o++)
      if (med_json_is_string(j, v) && med_str_eq_cstr(med_json_str(j, v), med_attempt_outcome_name(o)))
        r->outcome = o - MED_ATTEMPT_FILLED;
    if (r->outcome < 0) *ok = fail_at(err, "invalid_value", item, "outcome", "filled, no_fill, error, timeout or late");
  } else {
    return 0;
  }
  return 1;
}

static int read_time(const med_json *j, int v, const char *item, const char *field, int64_t *t, med_error *err) {
  if (med_json_int(j, v, 0, INT64_MAX / 2, t)) return 1;
  return fail_at(err, "invalid_value", item, field, "a time in ms since 1970");
}

/* {"network", "bid", "source", "outcome", "latency_ms", "price", "ts"} */
static int read_attempt(const med_json *j, int tok, const char *item, row *r, int64_t *ts, med_arena *a,
                        med_error *err) {
  int64_t latency = 0, price = 0;
  int ok = 1;
  for (int k = med_json_first(j, tok); ok && k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    if (read_common(j, k, item, r, a, err, &ok)) continue;
    if (med_json_streq(j, k, "latency_ms")) {
      if (!med_json_int(j, v, 0, MED_MAX_LATENCY_MS, &latency))
        ok = fail_at(err, "invalid_value", item, "latency_ms",
                     "an integer of ms, at most the longest timeout plus the late window");
    } else if (med_json_streq(j, k, "price")) {
      if (!med_json_is_null(j, v) && (!med_json_fixed(j, v, 6, MED_MAX_MICROS, &price) || price < 0))
        ok = fail_at(err, "invalid_value", item, "price", "a CPM");
    } else if (med_json_streq(j, k, "ts")) {
      ok = read_time(j, v, item, "ts", ts, err);
    }
  }
  if (!ok) return 0;
  r->count = 1;
  if (r->outcome == O_FILLED) {
    r->cpm_micros = price;
    r->lat = med_arena_alloc(a, sizeof(lat_count));
    if (!r->lat) return med_fail(err, "out_of_memory", "", "no memory for the attempts");
    r->lat[0] = (lat_count){latency, 1};
    r->nlat = 1;
  }
  return 1;
}

/* "latency": [[ms, count], ...] of a rollup's fills. */
static int read_histogram(const med_json *j, int v, const char *item, row *r, med_arena *a, med_error *err) {
  const char *what = "an array of [ms, count] pairs";
  if (!med_json_is_array(j, v)) return fail_at(err, "wrong_type", item, "latency", what);
  r->lat = med_arena_alloc(a, sizeof(lat_count) * ((size_t)j->tok[v].size + 1));
  r->nlat = 0; /* "latency" given twice: the last one counts */
  if (!r->lat) return med_fail(err, "out_of_memory", "", "no memory for the rollups");
  for (int e = med_json_first(j, v); e >= 0; e = med_json_next_elem(j, v, e)) {
    int64_t ms, n;
    if (!med_json_is_array(j, e) || j->tok[e].size != 2 || !med_json_int(j, e + 1, 0, MED_MAX_LATENCY_MS, &ms) ||
        !med_json_int(j, e + 2, 1, MAX_COUNT, &n))
      return fail_at(err, "invalid_value", item, "latency", what);
    r->lat[r->nlat++] = (lat_count){ms, (uint64_t)n};
  }
  return 1;
}

/* {"t", "network", "bid", "source", "outcome", "n", "cpm_micros", "latency"} */
static int read_rollup(const med_json *j, int tok, const char *item, row *r, int64_t *ts, med_arena *a,
                       med_error *err) {
  int64_t n = 1, cpm = 0;
  int ok = 1;
  for (int k = med_json_first(j, tok); ok && k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    if (read_common(j, k, item, r, a, err, &ok)) continue;
    if (med_json_streq(j, k, "n")) {
      if (!med_json_int(j, v, 1, MAX_COUNT, &n))
        ok = fail_at(err, "invalid_value", item, "n", "a count of attempts, 1 or more");
    } else if (med_json_streq(j, k, "cpm_micros")) {
      if (!med_json_int(j, v, 0, INT64_MAX, &cpm))
        ok = fail_at(err, "invalid_value", item, "cpm_micros", "the sum of the fills' CPMs in micro-units");
    } else if (med_json_streq(j, k, "latency")) {
      ok = read_histogram(j, v, item, r, a, err);
    } else if (med_json_streq(j, k, "t")) {
      ok = read_time(j, v, item, "t", ts, err);
    }
  }
  if (!ok) return 0;
  r->count = (uint64_t)n;
  if (r->outcome == O_FILLED) r->cpm_micros = cpm;
  else r->nlat = 0; /* only fills have a latency that counts */
  return 1;
}

/* ---- grouping ---- */

typedef struct {
  const row *rows;
  int by; /* 0 network, 1 bid, 2 bucket then network */
} group_ctx;

static int cmp_key(const group_ctx *g, const row *x, const row *y) {
  if (g->by == 2 && x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
  int c = med_str_cmp(x->network, y->network);
  if (c || g->by != 1) return c;
  c = med_str_cmp(x->bid, y->bid);
  return c ? c : med_str_cmp(x->source, y->source);
}

static int group_less(uint32_t a, uint32_t b, const void *ctx) {
  const group_ctx *g = ctx;
  int c = cmp_key(g, &g->rows[a], &g->rows[b]);
  return c ? c < 0 : a < b;
}

static int lat_less(uint32_t a, uint32_t b, const void *ctx) {
  const lat_count *l = ctx;
  return l[a].ms != l[b].ms ? l[a].ms < l[b].ms : a < b;
}

/* Nearest-rank percentile of latencies given with their counts, in order. */
static int64_t percentile(const lat_count *l, const uint32_t *order, uint32_t n, uint64_t total, int p) {
  /* ceil(p * total / 100), without overflow for rollups of up to 2^64 attempts */
  uint64_t rank = total / 100 * (uint64_t)p + (total % 100 * (uint64_t)p + 99) / 100, seen = 0;
  if (!rank) rank = 1;
  for (uint32_t k = 0; k < n; k++) {
    seen += l[order[k]].n;
    if (seen >= rank) return l[order[k]].ms;
  }
  return n ? l[order[n - 1]].ms : -1;
}

static void add(figures *f, const row *r) {
  f->n[r->outcome] += r->count;
  if (r->outcome != O_FILLED) return;
  /* Saturates: CPMs up to 1e9 over enough fills would overflow int64. */
  if (__builtin_add_overflow(f->revenue_micros_k, r->cpm_micros, &f->revenue_micros_k))
    f->revenue_micros_k = INT64_MAX;
  if (!r->nlat) return; /* a fill row without a histogram has a NULL lat */
  memcpy(f->lat + f->nlat, r->lat, sizeof(lat_count) * r->nlat);
  f->nlat += r->nlat;
}

static void write_ratio(med_out *o, uint64_t num, uint64_t den) {
  if (!den) {
    med_out_lit(o, "null");
    return;
  }
  med_out_micros(o, (int64_t)(((unsigned __int128)num * 1000000 + den / 2) / den));
}

static void write_count(med_out *o, const char *name, uint64_t n) {
  med_out_cstr(o, name);
  med_out_int(o, (int64_t)n);
}

static int write_figures(med_out *o, const figures *f, med_arena *a) {
  uint64_t attempts = f->n[O_FILLED] + f->n[O_NO_FILL] + f->n[O_ERROR] + f->n[O_TIMEOUT], fills = 0;
  uint32_t *order = med_arena_alloc(a, sizeof(uint32_t) * (f->nlat + 1));
  uint32_t *tmp = med_arena_alloc(a, sizeof(uint32_t) * (f->nlat + 1));
  if (!order || !tmp) return 0;
  for (uint32_t k = 0; k < f->nlat; k++) order[k] = k, fills += f->lat[k].n;
  med_sort(order, f->nlat, tmp, lat_less, f->lat);
  write_count(o, "\"attempts\":", attempts);
  write_count(o, ",\"fills\":", f->n[O_FILLED]);
  med_out_lit(o, ",\"fill_rate\":");
  write_ratio(o, f->n[O_FILLED], attempts);
  write_count(o, ",\"no_fills\":", f->n[O_NO_FILL]);
  write_count(o, ",\"timeouts\":", f->n[O_TIMEOUT]);
  write_count(o, ",\"errors\":", f->n[O_ERROR]);
  write_count(o, ",\"late\":", f->n[O_LATE]);
  static const char *const names[2] = {",\"latency_p50\":", ",\"latency_p95\":"};
  static const int ps[2] = {50, 95};
  for (int q = 0; q < 2; q++) {
    med_out_cstr(o, names[q]);
    if (fills) med_out_int(o, percentile(f->lat, order, f->nlat, fills, ps[q]));
    else med_out_lit(o, "null");
  }
  /* revenue = sum(CPM) / 1000 per fill; eCPM = revenue * 1000 / attempts = sum(CPM) / attempts */
  med_out_lit(o, ",\"revenue\":");
  med_out_micros(o, f->revenue_micros_k / 1000 + (f->revenue_micros_k % 1000 >= 500));
  med_out_lit(o, ",\"ecpm\":");
  if (attempts) med_out_micros(o, (int64_t)(((uint64_t)f->revenue_micros_k + attempts / 2) / attempts));
  else med_out_lit(o, "null");
  return 1;
}

/* The figures of rows idx[s .. e). */
static int figures_of(figures *f, const row *rows, const uint32_t *idx, uint32_t s, uint32_t e, med_arena *a) {
  uint32_t nlat = 0;
  for (uint32_t k = s; k < e; k++) nlat += rows[idx[k]].nlat;
  *f = (figures){{0}, 0, med_arena_alloc(a, sizeof(lat_count) * ((size_t)nlat + 1)), 0};
  if (!f->lat) return 0;
  for (uint32_t k = s; k < e; k++) add(f, &rows[idx[k]]);
  return 1;
}

/* Writes one array of groups of the sorted indices. */
static int write_groups(med_out *o, const row *rows, const uint32_t *idx, uint32_t n, int by, med_arena *a) {
  group_ctx g = {rows, by};
  med_out_char(o, '[');
  for (uint32_t s = 0, first = 1; s < n; first = 0) {
    uint32_t e = s;
    while (e < n && cmp_key(&g, &rows[idx[s]], &rows[idx[e]]) == 0) e++;
    figures f;
    if (!figures_of(&f, rows, idx, s, e, a)) return 0;
    const row *head = &rows[idx[s]];
    if (!first) med_out_char(o, ',');
    med_out_char(o, '{');
    if (by == 2) {
      write_count(o, "\"t\":", (uint64_t)head->bucket);
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
  int list = -1, rollups = 0;
  int64_t bucket_ms = 3600000;
  for (int k = med_json_first(j, 0); k >= 0; k = med_json_next_key(j, 0, k)) {
    if (med_json_streq(j, k, "attempts")) list = k + 1, rollups = 0;
    else if (med_json_streq(j, k, "rollups")) list = k + 1, rollups = 1;
    else if (med_json_streq(j, k, "bucket_ms") && !med_json_int(j, k + 1, 1000, 86400000 * 31LL, &bucket_ms))
      return med_fail(err, "invalid_value", "bucket_ms", "bucket_ms must be an integer from 1000 to 31 days");
  }
  const char *name = rollups ? "rollups" : "attempts";
  if (list < 0) return med_fail(err, "missing_field", "attempts", "attempts (the reported attempts) is required");
  if (!med_json_is_array(j, list)) return med_fail(err, "wrong_type", name, "%s must be an array", name);
  uint32_t n = (uint32_t)j->tok[list].size;
  row *rows = med_arena_alloc(a, sizeof(row) * (n + 1));
  uint32_t *idx = med_arena_alloc(a, sizeof(uint32_t) * (n + 1)), *tmp = med_arena_alloc(a, sizeof(uint32_t) * (n + 1));
  if (!rows || !idx || !tmp) return med_fail(err, "out_of_memory", "", "no memory for the %s", name);
  uint32_t i = 0;
  for (int e = med_json_first(j, list); e >= 0; e = med_json_next_elem(j, list, e), i++) {
    med_path item;
    int64_t ts = 0;
    med_path_index(&item, name, i);
    if (!med_json_is_object(j, e)) return med_fail(err, "wrong_type", item.s, "%s must be an object", item.s);
    rows[i] = (row){{"", 0}, {"", 0}, {"", 0}, -1, 0, 0, NULL, 0, 0};
    if (!(rollups ? read_rollup : read_attempt)(j, e, item.s, &rows[i], &ts, a, err)) return 0;
    if (rows[i].outcome < 0) return med_fail(err, "missing_field", item.s, "%s has no outcome", item.s);
    /* Attempts fall into buckets of bucket_ms from 1970; rollups come bucketed by
     * their host (aligned to its range), and keep their t. */
    rows[i].bucket = rollups ? ts : ts - ts % bucket_ms;
    idx[i] = i;
  }
  figures all;
  med_out_lit(o, "{\"totals\":{");
  if (!figures_of(&all, rows, idx, 0, n, a) || !write_figures(o, &all, a))
    return med_fail(err, "out_of_memory", "", "no memory for the report");
  med_out_char(o, '}');
  static const char *const names[3] = {",\"networks\":", ",\"bids\":", ",\"series\":"};
  for (int by = 0; by < 3; by++) {
    group_ctx g = {rows, by};
    for (uint32_t k = 0; k < n; k++) idx[k] = k;
    med_sort(idx, n, tmp, group_less, &g);
    med_out_cstr(o, names[by]);
    if (!write_groups(o, rows, idx, n, by, a)) return med_fail(err, "out_of_memory", "", "no memory for the report");
  }
  med_out_char(o, '}');
  return 1;
}
