/* result.c — writing the waterfall and the rejections, one imp after another. */
#include "result.h"

#include "currency.h"

#include <string.h>

#include "macros.h"

typedef struct {
  const med_config *c;
  const med_request *q;
  const med_imp *imp;
  const med_rtb *rtb;
  const med_mbid *mbid;
  const med_imp_result *ir;
  med_size size;
  int loss;
  int64_t now_ms;
} macro_ctx;

static uint64_t fnv(uint64_t h, med_str s) {
  for (uint32_t i = 0; i < s.len; i++) h = (h ^ (unsigned char)s.s[i]) * 1099511628211ull;
  return h;
}

/* A cache buster must differ between requests and slots but, with no clock and
 * no randomness in the engine, it is a hash of what identifies this ad call. */
static uint64_t cachebuster(const macro_ctx *m) {
  uint64_t h = fnv(14695981039346656037ull, m->q->id);
  h = fnv(h, m->imp->id);
  h = fnv(h, m->mbid->id);
  for (int i = 0; i < 8; i++) h = (h ^ (uint64_t)((m->now_ms >> (8 * i)) & 0xff)) * 1099511628211ull;
  return h % 10000000000ull;
}

/* NAME or NAME_<digits> (${GDPR_CONSENT_755}: the same string whatever the vendor). */
static int named(med_str name, const char *base) {
  size_t n = strlen(base);
  if (name.len < n || memcmp(name.s, base, n) != 0) return 0;
  if (name.len == n) return 1;
  if (name.s[n] != '_' || name.len == n + 1) return 0;
  for (uint32_t i = (uint32_t)n + 1; i < name.len; i++)
    if (name.s[i] < '0' || name.s[i] > '9') return 0;
  return 1;
}

/* The privacy signals of the request, in tags and RTB markup alike (docs/auction.md
 * §7): empty when the request has none, percent-encoded. */
static int privacy_macro(const med_request *q, med_str name, med_out *o) {
  if (med_str_eq_lit(name, "GDPR") || med_str_eq_lit(name, "GDPR_APPLIES")) {
    if (q->gdpr >= 0) med_out_int(o, q->gdpr);
  } else if (med_str_eq_lit(name, "GDPR_CONSENT_STRING") || named(name, "GDPR_CONSENT")) {
    med_macro_write_encoded(o, q->consent);
  } else if (named(name, "GPP_STRING")) {
    med_macro_write_encoded(o, q->gpp);
  } else if (med_str_eq_lit(name, "GPP_SID")) {
    if (q->gpp_sid.len) med_out_raw(o, q->gpp_sid.s, q->gpp_sid.len); /* digits and commas */
  } else if (med_str_eq_lit(name, "US_PRIVACY")) {
    med_macro_write_encoded(o, q->us_privacy);
  } else {
    return 0;
  }
  return 1;
}

static int mediated_macro(void *ctx, med_str name, int hash, med_out *o) {
  const macro_ctx *m = ctx;
  if (hash) {
    for (uint32_t k = 0; k < m->mbid->nmacros; k++)
      if (med_str_eq(m->mbid->macros[k].name, name)) {
        med_out_raw(o, m->mbid->macros[k].value.s, m->mbid->macros[k].value.len);
        return 1;
      }
    return 0;
  }
  if (med_str_eq_lit(name, "CACHEBUSTER")) med_out_int(o, (int64_t)cachebuster(m));
  else if (med_str_eq_lit(name, "AUCTION_ID")) med_out_str_body(o, m->q->id);
  else if (med_str_eq_lit(name, "AUCTION_IMP_ID")) med_out_str_body(o, m->imp->id);
  else if (med_str_eq_lit(name, "WIDTH")) med_out_int(o, m->size.w);
  else if (med_str_eq_lit(name, "HEIGHT")) med_out_int(o, m->size.h);
  else if (med_str_eq_lit(name, "PAGE_URL")) med_macro_write_encoded(o, m->q->page);
  else if (med_str_eq_lit(name, "DOMAIN")) med_macro_write_encoded(o, m->q->domain);
  else return privacy_macro(m->q, name, o);
  return 1;
}

static int rtb_macro(void *ctx, med_str name, int hash, med_out *o) {
  const macro_ctx *m = ctx;
  const med_rtb *b = m->rtb;
  (void)hash;
  if (name.len < 9 || memcmp(name.s, "AUCTION_", 8) != 0) return privacy_macro(m->q, name, o);
  med_str n = {name.s + 8, name.len - 8}; /* after "AUCTION_" */
  if (med_str_eq_lit(n, "ID")) med_out_str_body(o, m->q->id);
  else if (med_str_eq_lit(n, "BID_ID")) med_out_str_body(o, b->id);
  else if (med_str_eq_lit(n, "IMP_ID")) med_out_str_body(o, b->impid);
  else if (med_str_eq_lit(n, "SEAT_ID")) med_out_str_body(o, b->seat);
  else if (med_str_eq_lit(n, "AD_ID")) med_out_str_body(o, b->adid);
  else if (med_str_eq_lit(n, "CURRENCY")) med_out_str_body(o, b->cur);
  else if (med_str_eq_lit(n, "PRICE") && m->loss < 0) med_out_micros(o, m->ir->clearing_own);
  else if (med_str_eq_lit(n, "LOSS") && m->loss >= 0) med_out_int(o, m->loss);
  else if (med_str_eq_lit(n, "MIN_TO_WIN") && m->loss >= 0) {
    int64_t rate = med_config_rate(m->c, b->cur);
    med_out_micros(o, rate ? med_convert_back(m->ir->min_to_win, rate, MED_MAX_MICROS) : m->ir->min_to_win);
  } else return 0;
  return 1;
}

/* ,"name": */
#define key(o, name) med_out_lit((o), ",\"" name "\":")

#define opt_str(o, name, v) opt_str_((o), ",\"" name "\":", sizeof(",\"" name "\":") - 1, (v))
static void opt_str_(med_out *o, const char *k, size_t n, med_str v) {
  if (!v.s) return;
  med_out_raw(o, k, n);
  med_out_str(o, v);
}

#define opt_macro_str(o, name, v, m) opt_macro_str_((o), ",\"" name "\":", sizeof(",\"" name "\":") - 1, (v), (m))
static void opt_macro_str_(med_out *o, const char *k, size_t n, med_str v, macro_ctx *m) {
  if (!v.s) return;
  med_out_raw(o, k, n);
  med_out_char(o, '"');
  med_macros_write(o, v, 0, rtb_macro, m);
  med_out_char(o, '"');
}

/* How the planner saw a bid (optimize with explain): "plan":{value, value_from, fill,
 * p, timeout_ms}. */
static void write_plan(med_out *o, const med_plan_item *it) {
  key(o, "plan");
  med_out_lit(o, "{\"value\":");
  med_out_micros(o, it->value);
  static const char *const from[] = {",\"value_from\":\"cpm\"", ",\"value_from\":\"reports\"",
                                      ",\"value_from\":\"reports_and_cpm\""};
  med_out_cstr(o, from[it->from_reports]);
  med_out_lit(o, ",\"fill\":");
  med_out_micros(o, (int64_t)(it->fill * 1e4 + 0.5) * 100);
  med_out_lit(o, ",\"p\":");
  med_out_micros(o, (int64_t)(it->p * 1e4 + 0.5) * 100);
  med_out_lit(o, ",\"timeout_ms\":");
  med_out_int(o, it->timeout_ms);
  if (it->explored) med_out_lit(o, ",\"explored\":true");
  med_out_char(o, '}');
}

static void write_mediated(med_out *o, const med_entry *e, macro_ctx *m, int in_waterfall) {
  const med_mbid *b = &m->c->bids[e->index];
  med_out_lit(o, "{\"source\":\"mediated\",\"bid\":");
  med_out_str(o, b->id);
  key(o, "network");
  med_out_str(o, m->c->networks[b->network].id);
  key(o, "price");
  med_out_micros(o, b->cpm);
  if (in_waterfall) {
    key(o, "timeout_ms");
    med_out_int(o, e->timeout_ms);
    key(o, "w");
    med_out_int(o, e->size.w);
    key(o, "h");
    med_out_int(o, e->size.h);
    key(o, "tag");
    m->mbid = b;
    m->size = e->size;
    med_out_char(o, '"');
    med_macros_write(o, b->tag, 1, mediated_macro, m);
    med_out_char(o, '"');
  } else {
    key(o, "reason");
    med_out_char(o, '"');
    med_out_cstr(o, e->why);
    med_out_char(o, '"');
    if (e->detail) {
      key(o, "detail");
      med_out_char(o, '"');
      med_out_cstr(o, e->detail);
      med_out_char(o, '"');
    }
  }
  if (e->plan) write_plan(o, e->plan);
  med_out_char(o, '}');
}

static void write_rtb(med_out *o, const med_entry *e, macro_ctx *m) {
  const med_rtb *b = &m->rtb[e->index];
  macro_ctx bm = *m;
  bm.rtb = b;
  bm.loss = e->loss;
  med_out_lit(o, "{\"source\":\"rtb\",\"bid\":");
  if (b->id.s) med_out_str(o, b->id);
  else med_out_lit(o, "null");
  opt_str(o, "seat", b->seat);
  if (e->loss < 0) {
    key(o, "price");
    med_out_micros(o, m->ir->clearing);
    key(o, "bid_price");
    med_out_micros(o, b->price);
    if (!med_str_eq_cstr(b->cur, m->c->currency)) {
      opt_str(o, "cur", b->cur);
      key(o, "cur_price");
      med_out_micros(o, m->ir->clearing_own);
    }
    if (b->w && b->h) {
      key(o, "w");
      med_out_int(o, b->w);
      key(o, "h");
      med_out_int(o, b->h);
    }
    opt_macro_str(o, "adm", b->adm, &bm);
    opt_macro_str(o, "nurl", b->nurl, &bm);
    opt_macro_str(o, "burl", b->burl, &bm);
    opt_str(o, "crid", b->crid);
    opt_str(o, "dealid", b->dealid);
    if (b->adomain.s) {
      key(o, "adomain");
      med_out_raw(o, b->adomain.s, b->adomain.len);
    }
  } else {
    if (m->imp == NULL) opt_str(o, "impid", b->impid);
    key(o, "reason");
    med_out_int(o, e->loss);
    if (m->imp) opt_macro_str(o, "lurl", b->lurl, &bm);
  }
  med_out_char(o, '}');
}

static void write_entry(med_out *o, const med_entry *e, macro_ctx *m, int in_waterfall) {
  if (e->rtb) write_rtb(o, e, m);
  else write_mediated(o, e, m, in_waterfall);
}

void med_result_write(med_out *o, const med_result *res, const med_config *c, const med_request *q,
                      const med_bidset *bids, int64_t now_ms) {
  macro_ctx m = {c, q, NULL, NULL, NULL, NULL, {0, 0}, -1, now_ms};
  m.rtb = bids->bids;
  const med_rtb *all = bids->bids;
  med_out_lit(o, "{\"id\":");
  med_out_str(o, q->id);
  med_out_lit(o, ",\"cur\":\"");
  med_out_raw(o, c->currency, 3);
  med_out_lit(o, "\",\"imps\":[");
  for (uint32_t i = 0; i < q->nimps; i++) {
    const med_imp_result *ir = &res->imps[i];
    m.imp = &q->imps[i];
    m.ir = ir;
    m.rtb = all;
    if (i) med_out_char(o, ',');
    med_out_lit(o, "{\"impid\":");
    med_out_str(o, q->imps[i].id);
    med_out_lit(o, ",\"waterfall\":[");
    for (uint32_t k = 0; k < ir->nwaterfall; k++) {
      if (k) med_out_char(o, ',');
      write_entry(o, &ir->waterfall[k], &m, 1);
    }
    med_out_lit(o, "],\"rejected\":[");
    for (uint32_t k = 0; k < ir->nrejected; k++) {
      if (k) med_out_char(o, ',');
      write_entry(o, &ir->rejected[k], &m, 0);
    }
    med_out_char(o, ']');
    if (ir->expected >= 0) {
      key(o, "expected_cpm");
      med_out_micros(o, ir->expected);
    }
    med_out_char(o, '}');
  }
  med_out_char(o, ']');
  if (res->nunplaced || bids->nbad) {
    med_imp_result none = {0};
    m.imp = NULL;
    m.ir = &none;
    med_out_lit(o, ",\"rejected\":[");
    for (uint32_t k = 0; k < res->nunplaced; k++) {
      if (k) med_out_char(o, ',');
      write_rtb(o, &res->unplaced[k], &m);
    }
    for (uint32_t k = 0; k < bids->nbad; k++) {
      if (k || res->nunplaced) med_out_char(o, ',');
      med_out_lit(o, "{\"source\":\"rtb\",\"response\":");
      med_out_int(o, bids->bad[k].index);
      med_out_lit(o, ",\"reason\":3,\"message\":");
      med_out_escaped(o, bids->bad[k].why);
      med_out_char(o, '}');
    }
    med_out_char(o, ']');
  }
  if (res->consent_error) {
    med_out_lit(o, ",\"consent_error\":");
    med_out_escaped(o, res->consent_error);
  }
  med_out_char(o, '}');
}

void med_error_write(med_out *o, const med_error *err) {
  med_out_lit(o, "{\"error\":{\"code\":");
  med_out_escaped(o, err->code ? err->code : "internal");
  med_out_lit(o, ",\"message\":");
  med_out_escaped(o, err->message);
  med_out_lit(o, ",\"at\":");
  med_out_escaped(o, err->at);
  med_out_lit(o, "}}");
}
