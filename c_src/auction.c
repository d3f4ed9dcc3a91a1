/* auction.c — validation of RTB bids against the request, the ranking, the
 * waterfall rules (below-RTB, depth, timeout budget) and the clearing price. */
#include "auction.h"

#include "consent.h"
#include "gpp.h"

#include <string.h>

#include "currency.h"
#include "sort.h"

/* Conversions into and out of the config currency; a result beyond MED_MAX_MICROS
 * comes out just above it, which every caller treats as out of range. */
static int64_t to_config(int64_t micros, int64_t rate) { return med_convert(micros, rate, MED_MAX_MICROS); }
static int64_t from_config(int64_t micros, int64_t rate) { return med_convert_back(micros, rate, MED_MAX_MICROS); }

static int oom(med_error *err) { return med_fail(err, "out_of_memory", "", "out of memory in the auction"); }

/* ---- RTB bid checks that need the request and the config ---- */

static int rtb_key_less(uint32_t a, uint32_t b, const void *ctx) {
  const med_rtb *x = (const med_rtb *)ctx + a, *y = (const med_rtb *)ctx + b;
  int c = med_str_cmp(x->seat, y->seat);
  if (c) return c < 0;
  c = med_str_cmp(x->id, y->id);
  if (c) return c < 0;
  return x->order < y->order;
}

/* A bid id repeated within one seat: the first keeps its place, the rest are 3. */
static int reject_duplicates(med_bidset *s, med_arena *a, med_error *err) {
  uint32_t n = 0;
  uint32_t *idx = med_arena_alloc(a, sizeof(uint32_t) * (s->nbids + 1));
  uint32_t *tmp = med_arena_alloc(a, sizeof(uint32_t) * (s->nbids + 1));
  if (!idx || !tmp) return oom(err);
  for (uint32_t i = 0; i < s->nbids; i++)
    if (s->bids[i].id.s && s->bids[i].reason == MED_LOSS_NONE) idx[n++] = i;
  med_sort(idx, n, tmp, rtb_key_less, s->bids);
  for (uint32_t i = 1; i < n; i++) {
    med_rtb *x = &s->bids[idx[i - 1]], *y = &s->bids[idx[i]];
    if (med_str_eq(x->seat, y->seat) && med_str_eq(x->id, y->id)) y->reason = MED_LOSS_INVALID_RESPONSE;
  }
  return 1;
}

static int size_accepted(const med_imp *imp, int32_t w, int32_t h) {
  if (!w || !h || !imp->nformats) return 1;
  for (uint32_t k = 0; k < imp->nformats; k++)
    if (imp->formats[k].w == w && imp->formats[k].h == h) return 1;
  return 0;
}

static const med_deal *find_deal(const med_imp *imp, med_str id) {
  for (uint32_t k = 0; k < imp->ndeals; k++)
    if (med_str_eq(imp->deals[k].id, id)) return &imp->deals[k];
  return NULL;
}

static int currency_allowed(const med_request *q, med_str cur) {
  for (uint32_t k = 0; k < q->ncur; k++)
    if (med_str_eq(q->cur[k], cur)) return 1;
  return 0;
}

static void check_rtb(med_rtb *b, const med_config *c, const med_request *q) {
  const med_imp *imp = &q->imps[b->imp];
  int64_t rate = med_config_rate(c, b->cur);
  if (!rate || !size_accepted(imp, b->w, b->h)) {
    b->reason = MED_LOSS_INVALID_RESPONSE;
    return;
  }
  b->price = to_config(b->price_own, rate);
  if (b->price > MED_MAX_MICROS) {
    b->reason = MED_LOSS_INVALID_RESPONSE; /* beyond any real CPM once converted */
    return;
  }
  if (q->ncur && !currency_allowed(q, b->cur)) {
    b->reason = MED_LOSS_INVALID_RESPONSE; /* a currency the request did not allow */
    return;
  }
  if (b->dealid.len) {
    const med_deal *d = find_deal(imp, b->dealid);
    if (!d) {
      b->reason = MED_LOSS_INVALID_DEAL;
      return;
    }
    int64_t drate = med_config_rate(c, d->floorcur);
    if (drate && b->price < to_config(d->floor, drate)) b->reason = MED_LOSS_BELOW_DEAL_FLOOR;
  }
}

/* ---- ranking ---- */

typedef struct {
  const med_entry *e;
  const med_config *c;
  const med_rtb *rtb;
} rank_ctx;

static med_str entry_id(const rank_ctx *r, const med_entry *e) {
  return e->rtb ? r->rtb[e->index].id : r->c->bids[e->index].id;
}

/* Price descending; on a tie RTB first (a sure fill), then the lower id in byte
 * order, then the seat and input order so that the order is total. */
static int rank_less(uint32_t a, uint32_t b, const void *ctx) {
  const rank_ctx *r = ctx;
  const med_entry *x = &r->e[a], *y = &r->e[b];
  if (x->price != y->price) return x->price > y->price;
  if (x->rtb != y->rtb) return x->rtb;
  int c = med_str_cmp(entry_id(r, x), entry_id(r, y));
  if (c) return c < 0;
  if (x->rtb) {
    c = med_str_cmp(r->rtb[x->index].seat, r->rtb[y->index].seat);
    if (c) return c < 0;
    return r->rtb[x->index].order < r->rtb[y->index].order;
  }
  return 0;
}

/* ---- one imp ---- */

typedef struct {
  const med_config *c;
  const med_request *q;
  med_bidset *bids;
  const med_req_features *rf;
  med_arena *a;
  int explain;
  const char **consent; /* per network: why it may not take part, or NULL */
} auction_ctx;

static med_entry mediated(const med_mbid *b, uint32_t i, med_size size, const char *why) {
  med_entry e = {0, i, b->cpm, size, -1, why, NULL, b->timeout_ms, NULL};
  return e;
}

static med_entry rtb_entry(const med_rtb *b, uint32_t i, int loss) {
  med_entry e = {1, i, b->price, {b->w, b->h}, loss, NULL, NULL, 0, NULL};
  return e;
}

/* Decides one mediated bid before the auction: into cands, or (explained) out. */
static void consider_mediated(auction_ctx *x, uint32_t i, const med_imp_features *imf, const med_imp *imp,
                              int64_t floor, med_entry *cands, uint32_t *ncands, med_entry *rej,
                              uint32_t *nrej) {
  static const char *const words[] = {NULL, "inactive", "flight", "targeting", "size"};
  const med_mbid *b = &x->c->bids[i];
  med_size size = {0, 0};
  const char *detail;
  med_eligibility el = med_bid_eligible(b, x->rf, imf, imp, &size, &detail);
  if (el != MED_ELIGIBLE) {
    if (x->explain) {
      rej[*nrej] = mediated(b, i, size, words[el]);
      rej[(*nrej)++].detail = detail;
    }
    return;
  }
  if (x->consent && x->consent[b->network]) {
    rej[*nrej] = mediated(b, i, size, "consent");
    rej[(*nrej)++].detail = x->consent[b->network];
    return;
  }
  if (b->cpm < floor || b->cpm == 0) rej[(*nrej)++] = mediated(b, i, size, "floor");
  else cands[(*ncands)++] = mediated(b, i, size, NULL);
}

/* An RTB bid that is not the best: lost to a higher bid, or to a deal (OpenRTB 103). */
static void rtb_loser(auction_ctx *x, med_entry *e, const med_entry *cands, const uint32_t *order, uint32_t ncands,
                      uint32_t best) {
  int to_deal = best < ncands && x->bids->bids[cands[order[best]].index].dealid.len &&
                !x->bids->bids[e->index].dealid.len;
  e->loss = to_deal ? MED_LOSS_LOST_TO_DEAL : MED_LOSS_LOST_TO_HIGHER;
}

/* The ranked cut (docs/auction.md §5): mediated bids above the best RTB bid in price
 * order, while the depth and the budget allow, then that RTB bid. */
static int ranked_cut(auction_ctx *x, med_entry *cands, const uint32_t *order, uint32_t ncands, uint32_t best,
                      med_imp_result *out, med_entry *rej, uint32_t *nrej_io) {
  const med_config *c = x->c;
  uint32_t nrej = *nrej_io;
  int64_t budget = c->waterfall_timeout_ms;
  uint32_t depth = 0;
  for (uint32_t k = 0; k < ncands; k++) {
    med_entry *e = &cands[order[k]];
    if (k == best) {
      out->waterfall[out->nwaterfall++] = *e;
    } else if (e->rtb) {
      rtb_loser(x, e, cands, order, ncands, best);
      rej[nrej++] = *e;
    } else if (k > best) {
      e->why = "below_rtb";
      rej[nrej++] = *e;
    } else if (depth >= (uint32_t)c->max_waterfall) {
      e->why = "depth";
      rej[nrej++] = *e;
    } else if (c->bids[e->index].timeout_ms > budget) {
      e->why = "budget";
      rej[nrej++] = *e;
    } else {
      budget -= c->bids[e->index].timeout_ms;
      depth++;
      out->waterfall[out->nwaterfall++] = *e;
    }
  }
  *nrej_io = nrej;
  return 1;
}

/* The planned cut (config optimize, plan.h): the mediated bids the planner chose, in
 * its order and with its timeouts, then the best RTB bid. */
static int plan_cut(auction_ctx *x, const med_imp *imp, med_entry *cands, const uint32_t *order, uint32_t ncands,
                    uint32_t best, med_imp_result *out, med_entry *rej, uint32_t *nrej) {
  const med_config *c = x->c;
  med_plan_item *items = med_arena_alloc(x->a, sizeof(med_plan_item) * (ncands + 1));
  uint32_t *at = med_arena_alloc(x->a, sizeof(uint32_t) * (ncands + 1));
  uint32_t *planned = med_arena_alloc(x->a, sizeof(uint32_t) * (ncands + 1));
  if (!items || !at || !planned) return 0;
  uint32_t n = 0, nplanned = 0;
  for (uint32_t k = 0; k < ncands; k++)
    if (!cands[order[k]].rtb) {
      items[n].bid = &c->bids[cands[order[k]].index];
      at[n++] = order[k];
    }
  med_plan_limits lim = {best < ncands ? cands[order[best]].price : 0, c->waterfall_timeout_ms,
                         (uint32_t)c->max_waterfall, med_plan_explores(x->q->id, imp->id, c->explore_share)};
  int64_t expected = med_plan_run(items, n, &lim, x->a, planned, &nplanned);
  if (expected < 0) return 0;
  if (x->explain) out->expected = expected;
  for (uint32_t k = 0; k < nplanned; k++) {
    med_entry *e = &cands[at[planned[k]]];
    e->timeout_ms = items[planned[k]].timeout_ms;
    if (x->explain) e->plan = &items[planned[k]];
    out->waterfall[out->nwaterfall++] = *e;
  }
  if (best < ncands) out->waterfall[out->nwaterfall++] = cands[order[best]];
  for (uint32_t k = 0, i = 0; k < ncands; k++) {
    med_entry *e = &cands[order[k]];
    if (e->rtb) {
      if (k == best) continue;
      rtb_loser(x, e, cands, order, ncands, best);
    } else {
      const med_plan_item *it = &items[i++];
      if (it->position >= 0) continue;
      e->why = it->why;
      if (x->explain) e->detail = it->detail, e->plan = it;
    }
    rej[(*nrej)++] = *e;
  }
  return 1;
}

static int run_imp(auction_ctx *x, uint32_t ii, const uint32_t *rtb_idx, uint32_t nrtb, const med_json *j,
                   med_imp_result *out, med_error *err) {
  const med_config *c = x->c;
  const med_imp *imp = &x->q->imps[ii];
  med_imp_features imf;
  if (!med_imp_features_of(&imf, c, j, imp, x->a)) return oom(err);

  int64_t floor_rate = med_config_rate(c, imp->floorcur);
  if (!floor_rate && imp->floor > 0) {
    char p[MED_PATH_CAP];
    med_format(p, sizeof p, "request.imp[%u].bidfloorcur", ii);
    return med_fail(err, "unknown_currency", p, "%s names a currency the config has no rate for", p);
  }
  int64_t floor = floor_rate ? to_config(imp->floor, floor_rate) : 0;
  out->floor = floor;

  /* Which mediated bids to look at: all of them to explain, else the index. */
  const uint32_t *slice = NULL;
  uint32_t nslice = 0;
  if (!x->explain && imf.placement) {
    slice = c->by_placement + c->placement_start[imf.placement];
    nslice = c->placement_end[imf.placement] - c->placement_start[imf.placement];
  }
  uint32_t nmed = x->explain ? c->nbids : c->nuntargeted + nslice;
  uint32_t cap = nmed + nrtb + 1;
  med_entry *cands = med_arena_alloc(x->a, sizeof(med_entry) * cap);
  med_entry *rej = med_arena_alloc(x->a, sizeof(med_entry) * cap);
  if (!cands || !rej) return oom(err);
  uint32_t ncands = 0, nrej = 0;

  if (x->explain) {
    for (uint32_t i = 0; i < c->nbids; i++) consider_mediated(x, i, &imf, imp, floor, cands, &ncands, rej, &nrej);
  } else {
    /* Both lists ascend by config index: merged, bids come in config order as
     * they do when explaining. */
    uint32_t u = 0, k = 0;
    while (u < c->nuntargeted || k < nslice) {
      uint32_t i = k >= nslice || (u < c->nuntargeted && c->untargeted[u] < slice[k]) ? c->untargeted[u++] : slice[k++];
      consider_mediated(x, i, &imf, imp, floor, cands, &ncands, rej, &nrej);
    }
  }
  for (uint32_t k = 0; k < nrtb; k++) {
    med_rtb *b = &x->bids->bids[rtb_idx[k]];
    if (b->reason == MED_LOSS_NONE && (b->price < floor || b->price == 0)) b->reason = MED_LOSS_BELOW_FLOOR;
    if (b->reason == MED_LOSS_NONE) cands[ncands++] = rtb_entry(b, rtb_idx[k], -1);
    else rej[nrej++] = rtb_entry(b, rtb_idx[k], b->reason);
  }

  uint32_t *order = med_arena_alloc(x->a, sizeof(uint32_t) * (ncands + 1));
  uint32_t *tmp = med_arena_alloc(x->a, sizeof(uint32_t) * (ncands + 1));
  if (!order || !tmp) return oom(err);
  for (uint32_t k = 0; k < ncands; k++) order[k] = k;
  rank_ctx rc = {cands, c, x->bids->bids};
  med_sort(order, ncands, tmp, rank_less, &rc);

  uint32_t best = ncands;
  for (uint32_t k = 0; k < ncands && best == ncands; k++)
    if (cands[order[k]].rtb) best = k;

  out->waterfall = med_arena_alloc(x->a, sizeof(med_entry) * ((size_t)c->max_waterfall + 1));
  if (!out->waterfall) return oom(err);
  out->expected = -1;
  int ok = c->optimize ? plan_cut(x, imp, cands, order, ncands, best, out, rej, &nrej)
                       : ranked_cut(x, cands, order, ncands, best, out, rej, &nrej);
  if (!ok) return oom(err);
  out->rejected = rej;
  out->nrejected = nrej;
  out->min_to_win = ncands ? cands[order[0]].price : floor;

  /* Clearing price of the RTB entry: its bid at first price; at second price the
   * next price below it (or the floor) plus a cent, never above the bid. */
  if (best < ncands) {
    const med_rtb *b = &x->bids->bids[cands[order[best]].index];
    int64_t bid = b->price;
    out->clearing = bid;
    out->clearing_own = b->price_own;
    if (x->q->at == 2) {
      int64_t below = best + 1 < ncands ? cands[order[best + 1]].price : floor;
      int64_t clear = below + c->minor_unit; /* one cent, or one yen */
      if (clear < bid) {
        out->clearing = clear;
        int64_t own = from_config(clear, med_config_rate(c, b->cur));
        out->clearing_own = own < b->price_own ? own : b->price_own;
      }
    }
  }
  return 1;
}

/* A US opt-out of sale in the GPP string: its uspv1, usnat or state sections that
 * apply. A string that cannot be read counts as an opt-out. Returns the reason, or
 * NULL when the user did not opt out. */
static const char *gpp_opt_out(const med_gpp *g, const char *why, med_str sid, med_arena *a) {
  if (!g) {
    char *text = med_arena_alloc(a, 96);
    if (text) med_format(text, 96, "the GPP string is not readable: %s", why);
    return text ? text : "the GPP string is not readable";
  }
  for (uint32_t k = 0; k < g->nsections; k++) {
    uint16_t id = g->sections[k].id;
    if (id < MED_GPP_USP || id > MED_GPP_US_LAST || !med_gpp_sid_lists(sid, id)) continue;
    int out = med_gpp_sale_opt_out(id, g->sections[k].text, &why);
    if (out < 0) return why;
    if (out) return id == MED_GPP_USP ? "the user opted out of sale (GPP uspv1)" : "the user opted out of sale (GPP US section)";
  }
  return NULL;
}

/* Which networks the user's privacy signals leave out (docs/auction.md §4.1): where
 * GDPR applies, each network with a consent rule must pass it on the TC string (none,
 * or one not readable, passes no one); with enforce_us_privacy, a US opt-out of sale
 * (regs.us_privacy, or a US section of regs.gpp) leaves them all out. Where the
 * request names no gdpr or TC string, its GPP string filled them in (openrtb.c).
 * Returns 0 only when out of memory. */
static int consent_verdicts(auction_ctx *x, med_result *res) {
  const med_config *c = x->c;
  const med_request *q = x->q;
  res->gdpr_applies = q->gdpr == 1 || (q->gdpr < 0 && c->default_gdpr_applies);
  const med_str u = q->us_privacy;
  const char *opt_out = NULL;
  if (c->enforce_us_privacy && u.len == 4 && u.s[0] == '1' && (u.s[2] == 'Y' || u.s[2] == 'y'))
    opt_out = "the user opted out of sale (US Privacy)";
  if (c->enforce_us_privacy && !opt_out && q->gpp.len)
    opt_out = gpp_opt_out(q->gpp_read, q->gpp_why, q->gpp_sid, x->a);
  if (!res->gdpr_applies && !opt_out) return 1;
  const med_str tc = q->consent;
  med_tcf tcf;
  const char *why = NULL;
  int readable = 0;
  if (res->gdpr_applies) {
    if (!tc.len) {
      res->consent_error = "GDPR applies and the request has no TC string (user.consent, or a tcfeuv2 section in regs.gpp)";
    } else if (med_tcf_decode(&tcf, tc, x->a, &why)) {
      readable = 1;
    } else {
      if (x->a->failed) return 0;
      char *text = med_arena_alloc(x->a, 96);
      if (!text) return 0;
      med_format(text, 96, "the TC string is not readable: %s", why);
      res->consent_error = text;
    }
  }
  x->consent = med_arena_zalloc(x->a, sizeof(char *) * (c->nnetworks + 1));
  if (!x->consent) return 0;
  for (uint32_t n = 0; n < c->nnetworks; n++) {
    const med_network *net = &c->networks[n];
    if (!net->purposes) continue; /* exempt */
    if (res->gdpr_applies && !readable) x->consent[n] = res->consent_error;
    else if (res->gdpr_applies && !net->gvl_id) x->consent[n] = "GDPR applies and the network has no gvl_id";
    else if (res->gdpr_applies) {
      char *buf = med_arena_alloc(x->a, 96);
      if (!buf) return 0;
      x->consent[n] = med_tcf_allows(&tcf, net->gvl_id, net->purposes, buf, 96);
    }
    if (!x->consent[n] && opt_out) x->consent[n] = opt_out;
  }
  return 1;
}

int med_auction_run(med_result *res, const med_config *c, const med_request *q, med_bidset *bids,
                    const med_json *j, int64_t now_ms, int32_t offset_min, int explain, med_arena *a,
                    med_error *err) {
  med_req_features rf;
  med_request_features(&rf, c, q, now_ms, offset_min);
  auction_ctx x = {c, q, bids, &rf, a, explain, NULL};
  res->gdpr_applies = 0;
  res->consent_error = NULL;
  if (!consent_verdicts(&x, res)) return oom(err);

  for (uint32_t i = 0; i < bids->nbids; i++)
    if (bids->bids[i].reason == MED_LOSS_NONE) check_rtb(&bids->bids[i], c, q);
  if (bids->nbids > 1 && !reject_duplicates(bids, a, err)) return 0;

  /* RTB bids bucketed by imp, in input order. */
  uint32_t *start = med_arena_zalloc(a, sizeof(uint32_t) * (q->nimps + 2));
  uint32_t *by_imp = med_arena_alloc(a, sizeof(uint32_t) * (bids->nbids + 1));
  res->imps = med_arena_zalloc(a, sizeof(med_imp_result) * q->nimps);
  res->unplaced = med_arena_alloc(a, sizeof(med_entry) * (bids->nbids + 1));
  res->nunplaced = 0;
  if (!start || !by_imp || !res->imps || !res->unplaced) return oom(err);
  for (uint32_t i = 0; i < bids->nbids; i++)
    if (bids->bids[i].imp >= 0) start[bids->bids[i].imp + 1]++;
  for (uint32_t k = 1; k <= q->nimps; k++) start[k] += start[k - 1];
  uint32_t *fill = med_arena_alloc(a, sizeof(uint32_t) * (q->nimps + 1));
  if (!fill) return oom(err);
  memcpy(fill, start, sizeof(uint32_t) * (q->nimps + 1));
  for (uint32_t i = 0; i < bids->nbids; i++) {
    med_rtb *b = &bids->bids[i];
    if (b->imp >= 0) by_imp[fill[b->imp]++] = i;
    else res->unplaced[res->nunplaced++] = rtb_entry(b, i, b->reason);
  }
  for (uint32_t ii = 0; ii < q->nimps; ii++)
    if (!run_imp(&x, ii, by_imp + start[ii], start[ii + 1] - start[ii], j, &res->imps[ii], err)) return 0;
  return 1;
}
