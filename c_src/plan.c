/* plan.c — the expected-value waterfall of plan.h: each bid's value and fill chances
 * from what was learned, then the knapsack over the budget by dynamic programming. */
#include "plan.h"

#include <string.h>

#include "sort.h"

/* A way to try one bid: its timeout, the budget steps it takes, its fill chance. */
typedef struct {
  int32_t timeout_ms;
  uint32_t steps;
  double p;
} option;

enum { MAX_OPTIONS = MED_LEARNED_POINTS + 1 };

/* value and fill of one item, from its entered CPM or what was learned. */
static void appraise(med_plan_item *it) {
  const med_mbid *b = it->bid;
  const med_learned *l = b->learned;
  it->value = b->cpm;
  it->from_reports = 0;
  it->fill = 0.5; /* no attempts yet: as likely to fill as not */
  it->p = it->fill;
  it->timeout_ms = (int32_t)b->timeout_ms;
  it->position = -1;
  it->explored = 0;
  it->why = NULL;
  it->detail = NULL;
  if (!l) return;
  it->fill = it->p = ((double)l->fills + 1.0) / ((double)l->attempts + 2.0);
  if (l->suggested_cpm >= 0 && l->confidence > 0) {
    /* A counted fill pays the network's eCPM on the share of fills it counts. A
     * suggestion less sure than MED_PLAN_MIN_CONFIDENCE is weighed against the entered
     * CPM by its confidence: w = confidence / MED_PLAN_MIN_CONFIDENCE. */
    double v = (double)l->suggested_cpm * (1.0 - (double)l->discrepancy / 1e6);
    double w = (double)l->confidence / MED_PLAN_MIN_CONFIDENCE;
    if (w < 1) v = w * v + (1 - w) * (double)b->cpm;
    it->value = v < 0 ? 0 : (int64_t)(v + 0.5);
    it->from_reports = w < 1 ? 2 : 1;
  }
}

/* Its timeouts: each learned latency point within the entered timeout, and the
 * entered timeout; a fill counts only within its timeout. */
static uint32_t options_of(const med_plan_item *it, double step_ms, option *out) {
  const med_learned *l = it->bid->learned;
  int32_t t_max = (int32_t)it->bid->timeout_ms;
  uint32_t n = 0;
  double share_at_max = 1.0;
  if (l && l->npoints && l->fills >= MED_PLAN_MIN_FILLS) {
    share_at_max = 0;
    for (uint32_t k = 0; k < l->npoints && l->latency_ms[k] <= t_max; k++) {
      share_at_max = l->share[k] / 1e6;
      if (l->latency_ms[k] < t_max && l->latency_ms[k] > 0 && (!n || out[n - 1].p < it->fill * share_at_max))
        out[n++] = (option){l->latency_ms[k], 0, it->fill * share_at_max};
    }
  }
  if (!n || out[n - 1].p < it->fill * share_at_max) out[n++] = (option){t_max, 0, it->fill * share_at_max};
  /* A longer timeout with no more fills is never better: dropped above. */
  for (uint32_t k = 0; k < n; k++) {
    double s = (double)out[k].timeout_ms / step_ms;
    uint32_t whole = (uint32_t)s;
    out[k].steps = whole + (s > (double)whole);
  }
  return n;
}

/* Value descending, then input order. */
static int by_value(uint32_t a, uint32_t b, const void *ctx) {
  const med_plan_item *it = ctx;
  if (it[a].value != it[b].value) return it[a].value > it[b].value;
  return a < b;
}

/* The MED_PLAN_MAX_BIDS kept items of largest fill x (value - R): an insertion into a
 * short sorted list, so one pass over any number of bids. */
static uint32_t weigh(med_plan_item *items, const uint32_t *kept, uint32_t nkept, int64_t rtb, uint32_t *best) {
  double gain[MED_PLAN_MAX_BIDS];
  uint32_t n = 0;
  for (uint32_t k = 0; k < nkept; k++) {
    const med_plan_item *it = &items[kept[k]];
    double g = it->fill * (double)(it->value - rtb);
    if (n == MED_PLAN_MAX_BIDS && g <= gain[n - 1]) continue;
    uint32_t at = n < MED_PLAN_MAX_BIDS ? n++ : n - 1;
    while (at > 0 && gain[at - 1] < g) {
      gain[at] = gain[at - 1];
      best[at] = best[at - 1];
      at--;
    }
    gain[at] = g;
    best[at] = kept[k];
  }
  return n;
}

static double knapsack(med_plan_item *items, const uint32_t *cand, uint32_t nc, const med_plan_limits *lim,
                       med_arena *a, uint32_t *order, uint32_t *norder);

int med_plan_explores(med_str request_id, med_str imp_id, int32_t share) {
  uint32_t h = 2166136261u; /* FNV-1a over "request id \0 imp id" */
  for (uint32_t i = 0; i < request_id.len; i++) h = (h ^ (uint8_t)request_id.s[i]) * 16777619u;
  h *= 16777619u;
  for (uint32_t i = 0; i < imp_id.len; i++) h = (h ^ (uint8_t)imp_id.s[i]) * 16777619u;
  h ^= h >> 15; /* the low bits of FNV mix poorly */
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return (uint64_t)h * 1000000u < (uint64_t)share * 4294967296u;
}

/* The eligible bid known least: no confident suggestion, fewest attempts. */
static int least_known(const med_plan_item *items, uint32_t n) {
  int best = -1;
  int64_t fewest = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (items[i].from_reports == 1) continue;
    int64_t att = items[i].bid->learned ? items[i].bid->learned->attempts : 0;
    if (best < 0 || att < fewest) best = (int)i, fewest = att;
  }
  return best;
}

int64_t med_plan_run(med_plan_item *items, uint32_t n, const med_plan_limits *lim_in, med_arena *a, uint32_t *order,
                     uint32_t *norder) {
  *norder = 0;
  med_plan_limits limits = *lim_in;
  const med_plan_limits *lim = &limits;
  int64_t rtb = lim->rtb_value;
  uint32_t *kept = med_arena_alloc(a, sizeof(uint32_t) * (n + 1));
  if (!kept) return -1;
  uint32_t nkept = 0;
  for (uint32_t i = 0; i < n; i++) appraise(&items[i]);
  int first = lim->explore && lim->depth ? least_known(items, n) : -1;
  if (first >= 0) { /* tried first, with its entered timeout; the rest share what is left */
    med_plan_item *it = &items[first];
    if (it->timeout_ms > limits.budget_ms) {
      first = -1;
    } else {
      it->position = 0;
      it->explored = 1;
      order[(*norder)++] = (uint32_t)first;
      limits.budget_ms -= it->timeout_ms;
      limits.depth--;
    }
  }
  for (uint32_t i = 0; i < n; i++) {
    if ((int)i == first) continue;
    if (items[i].value > rtb) kept[nkept++] = i;
    else {
      static const char *const no_more[] = {
          "its CPM is no more than the RTB bid",
          "what it really pays (networks' reports) is no more than the RTB bid",
          "its CPM and what its networks' reports say, weighed, are no more than the RTB bid"};
      items[i].why = "below_rtb";
      items[i].detail = no_more[items[i].from_reports];
    }
  }
  uint32_t cand[MED_PLAN_MAX_BIDS], tmp[MED_PLAN_MAX_BIDS];
  uint32_t nc = weigh(items, kept, nkept, rtb, cand);
  for (uint32_t k = 0; k < nkept; k++) {
    med_plan_item *it = &items[kept[k]];
    it->why = "not_worth";
    it->detail = "not among the 16 bids that could add the most over the RTB bid";
  }
  for (uint32_t k = 0; k < nc; k++)
    items[cand[k]].detail = "trying it would add less than other bids do with the same budget and depth";
  med_sort(cand, nc, tmp, by_value, items);
  double rest = nc && lim->depth && lim->budget_ms > 0 ? knapsack(items, cand, nc, lim, a, order, norder) : (double)rtb;
  if (rest < 0) return -1;
  if (first >= 0) rest = items[first].p * (double)items[first].value + (1.0 - items[first].p) * rest;
  return (int64_t)(rest + 0.5);
}

/* The dynamic programme over the candidates (in value order): appends the bids it
 * plans to order, and returns the expected value, or -1 when out of room. */
static double knapsack(med_plan_item *items, const uint32_t *cand, uint32_t nc, const med_plan_limits *lim,
                       med_arena *a, uint32_t *order, uint32_t *norder) {
  const int64_t rtb = lim->rtb_value;

  /* Grid: steps of budget / MED_PLAN_STEPS; depth left 0..D, or one layer when the
   * depth cannot bind. f[b][d]: best expected value of the bids from k on. */
  const uint32_t B = MED_PLAN_STEPS + 1;
  const int bound = lim->depth < nc;
  const uint32_t D = bound ? lim->depth + 1 : 1;
  const double step_ms = (double)lim->budget_ms / MED_PLAN_STEPS;
  double *f = med_arena_alloc(a, sizeof(double) * B * D), *g = med_arena_alloc(a, sizeof(double) * B * D);
  uint8_t *choice = med_arena_alloc(a, (size_t)nc * B * D);
  option *opts = med_arena_alloc(a, sizeof(option) * MAX_OPTIONS * nc);
  uint32_t *nopts = med_arena_alloc(a, sizeof(uint32_t) * nc);
  if (!f || !g || !choice || !opts || !nopts) return -1;
  for (uint32_t c = 0; c < B * D; c++) f[c] = (double)rtb;
  for (uint32_t k = nc; k-- > 0;) {
    const med_plan_item *it = &items[cand[k]];
    const option *o = opts + MAX_OPTIONS * k;
    nopts[k] = options_of(it, step_ms, opts + MAX_OPTIONS * k);
    const double v = (double)it->value;
    uint8_t *ch = choice + (size_t)k * B * D;
    for (uint32_t b = 0; b < B; b++)
      for (uint32_t d = 0; d < D; d++) {
        double best = f[b * D + d];
        uint8_t pick = 0;
        if (!bound || d > 0) {
          uint32_t dn = bound ? d - 1 : d;
          for (uint32_t q = 0; q < nopts[k]; q++) {
            if (o[q].steps > b) continue;
            double e = o[q].p * v + (1.0 - o[q].p) * f[(b - o[q].steps) * D + dn];
            if (e > best) best = e, pick = (uint8_t)(q + 1);
          }
        }
        g[b * D + d] = best;
        ch[b * D + d] = pick;
      }
    double *t = f;
    f = g;
    g = t;
  }
  double expected = f[(B - 1) * D + (D - 1)];

  uint32_t b = B - 1, d = D - 1;
  for (uint32_t k = 0; k < nc; k++) {
    uint8_t pick = choice[(size_t)k * B * D + b * D + d];
    if (!pick) continue;
    const option *o = &opts[MAX_OPTIONS * k + pick - 1];
    med_plan_item *it = &items[cand[k]];
    it->timeout_ms = o->timeout_ms;
    it->p = o->p;
    it->position = (int32_t)*norder;
    it->why = NULL;
    it->detail = NULL;
    order[(*norder)++] = cand[k];
    b -= o->steps;
    if (bound) d--;
  }
  return expected;
}
