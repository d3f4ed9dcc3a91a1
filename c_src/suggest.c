/* suggest.c — discrepancy between counted fills and reported impressions, and
 * suggested CPMs: a recency-weighted realised eCPM over the last 7 days and how far
 * it can be trusted. The formulas are in the README ("Suggested CPMs"). */
#include "suggest.h"

#include <string.h>

#include "error.h"
#include "isotime.h"
#include "reports.h"

/* (day, network, bid) -> a count: fills, as the ad server counted them. */
typedef struct {
  int64_t day;
  med_str network, bid;
  int64_t n;
  int used;
} cell;

typedef struct {
  cell *cells;
  size_t cap;
} table;

static cell *find(table *t, int64_t day, med_str n, med_str b, int add) {
  size_t at = (size_t)med_report_key_hash(day, n, b) & (t->cap - 1);
  while (t->cells[at].used) {
    cell *c = &t->cells[at];
    if (c->day == day && med_str_eq(c->network, n) && med_str_eq(c->bid, b)) return c;
    at = (at + 1) & (t->cap - 1);
  }
  if (!add) return NULL;
  t->cells[at] = (cell){day, n, b, 0, 1};
  return &t->cells[at];
}

static int field(const med_json *j, int obj, const char *key) {
  int v = -1;
  for (int k = med_json_first(j, obj); k >= 0; k = med_json_next_key(j, obj, k))
    if (med_json_streq_n(j, k, key, strlen(key))) v = k + 1;
  return v;
}

typedef struct {
  const med_json *j;
  med_arena *a;
  med_error *err;
} ctx;

static int bad(ctx *c, const char *at, const char *what) { return med_fail(c->err, "wrong_type", at, "%s must be %s", at, what); }

static int read_day(ctx *c, int tok, const char *at, int64_t *day) {
  const med_json *j = c->j;
  if (tok < 0 || !med_json_is_string(j, tok) ||
      !med_day_parse(j->src + j->tok[tok].start, (size_t)(j->tok[tok].end - j->tok[tok].start), day))
    return bad(c, at, "a day as YYYY-MM-DD");
  return 1;
}

static int read_text(ctx *c, int tok, const char *at, med_str *out) {
  if (tok < 0 || !med_json_is_string(c->j, tok)) return bad(c, at, "a string");
  *out = med_json_text(c->j, tok, c->a);
  return 1;
}

static int read_num(ctx *c, int tok, const char *at, int64_t *micros) {
  if (tok < 0 || !med_json_fixed(c->j, tok, 6, (int64_t)1000000000000 * 1000000, micros) || *micros < 0)
    return bad(c, at, "a number >= 0");
  return 1;
}

static int array(ctx *c, int root, const char *key, int *arr) {
  *arr = field(c->j, root, key);
  if (*arr < 0) return 1; /* absent: none */
  if (!med_json_is_array(c->j, *arr)) return bad(c, key, "an array");
  return 1;
}

typedef struct {
  med_str bid, network;
  int64_t cpm;
  double imp[MED_SUGGEST_DAYS], rev[MED_SUGGEST_DAYS]; /* day today-1-i */
  double counted;                                      /* our fills on the days reported */
  int used;
} bid_acc;

static bid_acc *find_bid(bid_acc *t, size_t cap, med_str id, int add) {
  size_t at = (size_t)med_report_key_hash(0, id, (med_str){"", 0}) & (cap - 1);
  while (t[at].used) {
    if (med_str_eq(t[at].bid, id)) return &t[at];
    at = (at + 1) & (cap - 1);
  }
  return add ? &t[at] : NULL;
}

/* No libm: a square root by Newton's method, and rounding half away from zero. */
static double square_root(double x) {
  if (!(x > 0)) return 0;
  double r = x > 1 ? x : 1;
  for (int i = 0; i < 60; i++) r = 0.5 * (r + x / r);
  return r;
}
static int64_t nearest(double x) { return (int64_t)(x < 0 ? x - 0.5 : x + 0.5); }

static size_t pow2_over(size_t n) {
  size_t cap = 16;
  while (cap < 2 * n + 2) cap *= 2;
  return cap;
}

static void write_day(med_out *o, int64_t day) {
  char buf[10];
  med_day_format(day, buf);
  med_out_char(o, '"');
  med_out_raw(o, buf, 10);
  med_out_char(o, '"');
}

static void write_ratio(med_out *o, double v, int valid) {
  if (!valid || v != v || v > 1e15 || v < -1e15) {
    med_out_lit(o, "null");
    return;
  }
  int64_t r = nearest(v * 10000.0); /* 4 decimals, written as micro-units */
  med_out_micros(o, r * 100);
}

int med_suggest_run(const med_json *j, med_arena *a, med_out *o, med_error *err) {
  ctx c = {j, a, err};
  int root = 0, bids, fills, reports;
  int64_t today;
  if (!read_day(&c, field(j, root, "today"), "today", &today)) return 0;
  if (!array(&c, root, "bids", &bids) || !array(&c, root, "fills", &fills) || !array(&c, root, "reports", &reports))
    return 0;
  size_t nb = bids >= 0 ? (size_t)j->tok[bids].size : 0, nf = fills >= 0 ? (size_t)j->tok[fills].size : 0;
  size_t bcap = pow2_over(nb), fcap = pow2_over(2 * nf);
  bid_acc *bt = med_arena_zalloc(a, sizeof *bt * bcap);
  table ft = {med_arena_zalloc(a, sizeof(cell) * fcap), fcap};
  if (!bt || !ft.cells) return 0;

  for (int e = bids >= 0 ? med_json_first(j, bids) : -1; e >= 0; e = med_json_next_elem(j, bids, e)) {
    med_str id, net;
    int64_t cpm;
    if (!med_json_is_object(j, e)) return bad(&c, "bids[]", "an object");
    if (!read_text(&c, field(j, e, "bid"), "bids[].bid", &id) || !read_text(&c, field(j, e, "network"), "bids[].network", &net) ||
        !read_num(&c, field(j, e, "cpm"), "bids[].cpm", &cpm))
      return 0;
    bid_acc *b = find_bid(bt, bcap, id, 1);
    if (!b->used) *b = (bid_acc){id, net, cpm, {0}, {0}, 0, 1};
  }
  /* Fills per (day, network, bid) and per (day, network) for the network's own rows. */
  for (int e = fills >= 0 ? med_json_first(j, fills) : -1; e >= 0; e = med_json_next_elem(j, fills, e)) {
    int64_t day, n;
    med_str net, id;
    if (!med_json_is_object(j, e)) return bad(&c, "fills[]", "an object");
    if (!read_day(&c, field(j, e, "date"), "fills[].date", &day) || !read_text(&c, field(j, e, "network"), "fills[].network", &net) ||
        !read_text(&c, field(j, e, "bid"), "fills[].bid", &id) || !read_num(&c, field(j, e, "fills"), "fills[].fills", &n))
      return 0;
    find(&ft, day, net, id, 1)->n += n / 1000000;
    if (id.len) find(&ft, day, net, (med_str){"", 0}, 1)->n += n / 1000000;
  }

  med_out_lit(o, "{\"discrepancy\":[");
  int first = 1;
  for (int e = reports >= 0 ? med_json_first(j, reports) : -1; e >= 0; e = med_json_next_elem(j, reports, e)) {
    int64_t day, imp, rev;
    med_str net, id;
    if (!med_json_is_object(j, e)) return bad(&c, "reports[]", "an object");
    if (!read_day(&c, field(j, e, "date"), "reports[].date", &day) ||
        !read_text(&c, field(j, e, "network"), "reports[].network", &net) ||
        !read_text(&c, field(j, e, "bid"), "reports[].bid", &id) ||
        !read_num(&c, field(j, e, "impressions"), "reports[].impressions", &imp) ||
        !read_num(&c, field(j, e, "revenue"), "reports[].revenue", &rev))
      return 0;
    imp /= 1000000;
    const cell *f = find(&ft, day, net, id, 0);
    int64_t counted = f ? f->n : 0;
    bid_acc *b = id.len ? find_bid(bt, bcap, id, 0) : NULL;
    int64_t age = today - day;
    if (b && age >= 1 && age <= MED_SUGGEST_DAYS) {
      b->imp[age - 1] += (double)imp;
      b->rev[age - 1] += (double)rev / 1e6;
      b->counted += (double)counted;
    }
    med_out_cstr(o, first ? "{\"date\":" : ",{\"date\":");
    first = 0;
    write_day(o, day);
    med_out_lit(o, ",\"network\":");
    med_out_str(o, net);
    med_out_lit(o, ",\"bid\":");
    med_out_str(o, id);
    med_out_lit(o, ",\"fills\":");
    med_out_int(o, counted);
    med_out_lit(o, ",\"impressions\":");
    med_out_int(o, imp);
    med_out_lit(o, ",\"discrepancy\":");
    write_ratio(o, counted ? (double)(counted - imp) / (double)counted : 0, counted > 0);
    med_out_lit(o, ",\"realised_ecpm\":");
    write_ratio(o, imp ? 1000.0 * ((double)rev / 1e6) / (double)imp : 0, imp > 0);
    med_out_lit(o, ",\"entered_cpm\":");
    if (b) med_out_micros(o, b->cpm);
    else med_out_lit(o, "null");
    med_out_char(o, '}');
  }

  med_out_lit(o, "],\"suggestions\":[");
  first = 1;
  for (int e = bids >= 0 ? med_json_first(j, bids) : -1; e >= 0; e = med_json_next_elem(j, bids, e)) {
    med_str id = med_json_text(j, field(j, e, "bid"), a);
    const bid_acc *b = find_bid(bt, bcap, id, 0);
    if (!b || med_str_eq(b->bid, id) == 0) continue;
    /* Weights: 7 for yesterday down to 1 a week ago; W_d = w_d * impressions_d. */
    double sw_rev = 0, sw_imp = 0, n = 0, sW = 0, sW2 = 0;
    int days = 0;
    for (int i = 0; i < MED_SUGGEST_DAYS; i++) {
      double w = MED_SUGGEST_DAYS - i;
      sw_rev += w * b->rev[i];
      sw_imp += w * b->imp[i];
      n += b->imp[i];
      if (b->imp[i] > 0) days++, sW += w * b->imp[i], sW2 += (w * b->imp[i]) * (w * b->imp[i]);
    }
    med_out_cstr(o, first ? "{\"bid\":" : ",{\"bid\":");
    first = 0;
    med_out_str(o, b->bid);
    med_out_lit(o, ",\"network\":");
    med_out_str(o, b->network);
    med_out_lit(o, ",\"entered_cpm\":");
    med_out_micros(o, b->cpm);
    if (n < MED_SUGGEST_MIN_IMPRESSIONS) {
      med_out_lit(o, ",\"suggested_cpm\":null,\"confidence\":0,\"impressions\":");
      med_out_int(o, (int64_t)n);
      med_out_lit(o, ",\"days\":");
      med_out_int(o, days);
      med_out_lit(o, ",\"note\":\"not enough data: fewer than 1000 impressions reported in 7 days\"}");
      continue;
    }
    double mu = 1000.0 * sw_rev / sw_imp, var = 0;
    for (int i = 0; i < MED_SUGGEST_DAYS; i++)
      if (b->imp[i] > 0) {
        double x = 1000.0 * b->rev[i] / b->imp[i], W = (MED_SUGGEST_DAYS - i) * b->imp[i];
        var += W * (x - mu) * (x - mu);
      }
    var /= sW;
    double neff = sW * sW / sW2, rel = mu > 0 ? square_root(var / neff) / mu : 0;
    double conf = 1.0 - rel - 1.0 / square_root(n);
    conf = (conf < 0 ? 0 : conf > 1 ? 1 : conf) * (days >= 3 ? 1.0 : days / 3.0);
    int64_t cents = nearest(mu * 100.0);
    med_out_lit(o, ",\"suggested_cpm\":");
    med_out_micros(o, cents * 10000);
    med_out_lit(o, ",\"confidence\":");
    write_ratio(o, conf, 1);
    med_out_lit(o, ",\"discrepancy\":"); /* over the same days, unweighted */
    write_ratio(o, b->counted > 0 ? (b->counted - n) / b->counted : 0, b->counted > 0);
    med_out_lit(o, ",\"impressions\":");
    med_out_int(o, (int64_t)n);
    med_out_lit(o, ",\"days\":");
    med_out_int(o, days);
    med_out_lit(o, ",\"note\":\"\"}");
  }
  med_out_lit(o, "]}");
  return 1;
}
