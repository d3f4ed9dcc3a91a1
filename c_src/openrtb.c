/* openrtb.c — reading BidRequest and BidResponse into plain structs. */
#include "openrtb.h"

#include <string.h>

#include "country.h"
#include "gpp.h"

/* Paths here have fixed, short shapes (request.imp[N].pmp.deals[N].id): no user key goes in. */
#define P MED_PATH_CAP

static int wrong_type(med_error *err, const char *path, const char *what) {
  return med_fail(err, "wrong_type", path, "%s must be %s", path, what);
}

static int oom(med_error *err) { return med_fail(err, "out_of_memory", "", "out of memory reading the request"); }

/* The value of `key` in object obj, or -1. */
#define field(j, obj, key) field_n((j), (obj), "" key, sizeof(key) - 1)
static int field_n(const med_json *j, int obj, const char *key, size_t n) {
  for (int k = med_json_first(j, obj); k >= 0; k = med_json_next_key(j, obj, k))
    if (med_json_streq_n(j, k, key, n)) return k + 1;
  return -1;
}

static med_str host_of(med_str url) {
  const char *s = url.s, *end = url.s + url.len;
  const char *p = s;
  while (p + 2 < end && !(p[0] == ':' && p[1] == '/' && p[2] == '/')) p++;
  if (p + 2 < end) s = p + 3;
  const char *h = s;
  while (h < end && *h != '/' && *h != ':' && *h != '?' && *h != '#') h++;
  return (med_str){s, (uint32_t)(h - s)};
}

#define opt_string(j, obj, key, path, out, a, err) opt_string_n((j), (obj), "" key, sizeof(key) - 1, (path), (out), (a), (err))
static int opt_string_n(const med_json *j, int obj, const char *key, size_t n, const char *path, med_str *out,
                        med_arena *a, med_error *err) {
  int v = field_n(j, obj, key, n);
  if (v < 0 || med_json_is_null(j, v)) return 1;
  if (!med_json_is_string(j, v)) {
    char p[P];
    med_format(p, sizeof p, "%s.%s", path, key);
    return wrong_type(err, p, "a string");
  }
  *out = med_json_text(j, v, a);
  return 1;
}

static int read_formats(med_imp *imp, const med_json *j, int banner, const char *path, med_arena *a,
                        med_error *err) {
  char p[P];
  int fmt = field(j, banner, "format");
  int64_t w, h;
  if (fmt >= 0 && !med_json_is_null(j, fmt)) {
    med_format(p, sizeof p, "%s.banner.format", path);
    if (!med_json_is_array(j, fmt)) return wrong_type(err, p, "an array");
    imp->formats = med_arena_alloc(a, sizeof(med_size) * ((size_t)j->tok[fmt].size + 2));
    if (!imp->formats) return oom(err);
    uint32_t n = 0;
    for (int e = med_json_first(j, fmt); e >= 0; e = med_json_next_elem(j, fmt, e), n++) {
      med_format(p, sizeof p, "%s.banner.format[%u]", path, n);
      if (!med_json_is_object(j, e)) return wrong_type(err, p, "an object");
      int wt = field(j, e, "w"), ht = field(j, e, "h");
      if (wt < 0 || ht < 0) continue; /* wratio/hratio formats carry no fixed size */
      if (!med_json_int(j, wt, 0, 100000, &w) || !med_json_int(j, ht, 0, 100000, &h))
        return wrong_type(err, p, "a format with integer w and h");
      imp->formats[imp->nformats++] = (med_size){(int32_t)w, (int32_t)h};
    }
  }
  if (imp->nformats == 0) {
    int wt = field(j, banner, "w"), ht = field(j, banner, "h");
    if (wt >= 0 && ht >= 0) {
      med_format(p, sizeof p, "%s.banner", path);
      if (!med_json_int(j, wt, 0, 100000, &w) || !med_json_int(j, ht, 0, 100000, &h))
        return wrong_type(err, p, "a banner with integer w and h");
      if (!imp->formats) imp->formats = med_arena_alloc(a, sizeof(med_size));
      if (!imp->formats) return oom(err);
      imp->formats[imp->nformats++] = (med_size){(int32_t)w, (int32_t)h};
    }
  }
  return 1;
}

static int read_floor(const med_json *j, int obj, const char *path, int64_t *floor, med_str *cur, med_arena *a,
                      med_error *err) {
  char p[P];
  int f = field(j, obj, "bidfloor");
  *cur = (med_str){"USD", 3};
  *floor = 0;
  if (f >= 0) {
    med_format(p, sizeof p, "%s.bidfloor", path);
    if (!med_json_is_number(j, f)) return wrong_type(err, p, "a number");
    if (!med_json_fixed(j, f, 6, MED_MAX_MICROS, floor) || *floor < 0)
      return med_fail(err, "invalid_value", p, "%s must be a number from 0 to 1e9", p);
  }
  return opt_string(j, obj, "bidfloorcur", path, cur, a, err);
}

static int read_deals(med_imp *imp, const med_json *j, int pmp, const char *path, med_arena *a, med_error *err) {
  char p[P];
  int deals = field(j, pmp, "deals");
  if (deals < 0 || med_json_is_null(j, deals)) return 1;
  med_format(p, sizeof p, "%s.pmp.deals", path);
  if (!med_json_is_array(j, deals)) return wrong_type(err, p, "an array");
  imp->deals = med_arena_alloc(a, sizeof(med_deal) * ((size_t)j->tok[deals].size + 1));
  if (!imp->deals) return oom(err);
  for (int e = med_json_first(j, deals); e >= 0; e = med_json_next_elem(j, deals, e)) {
    med_format(p, sizeof p, "%s.pmp.deals[%u]", path, imp->ndeals);
    med_deal *d = &imp->deals[imp->ndeals];
    if (!med_json_is_object(j, e)) return wrong_type(err, p, "an object");
    int id = field(j, e, "id");
    if (id < 0 || !med_json_is_string(j, id)) {
      char q[P];
      med_format(q, sizeof q, "%s.id", p);
      return wrong_type(err, q, "a string");
    }
    d->id = med_json_text(j, id, a);
    if (!read_floor(j, e, p, &d->floor, &d->floorcur, a, err)) return 0;
    imp->ndeals++;
  }
  return 1;
}

static int read_imp(med_imp *imp, const med_json *j, int tok, uint32_t index, med_arena *a, med_error *err) {
  char path[P], p[P];
  med_format(path, sizeof path, "request.imp[%u]", index);
  memset(imp, 0, sizeof *imp);
  imp->kv = -1;
  if (!med_json_is_object(j, tok)) return wrong_type(err, path, "an object");
  int id = field(j, tok, "id");
  med_format(p, sizeof p, "%s.id", path);
  if (id < 0) return med_fail(err, "missing_field", p, "%s is required", p);
  if (!med_json_is_string(j, id) || j->tok[id].end == j->tok[id].start) return wrong_type(err, p, "a non-empty string");
  imp->id = med_json_text(j, id, a);
  if (!opt_string(j, tok, "tagid", path, &imp->tagid, a, err)) return 0;
  int banner = field(j, tok, "banner");
  if (banner >= 0 && !med_json_is_null(j, banner)) {
    med_format(p, sizeof p, "%s.banner", path);
    if (!med_json_is_object(j, banner)) return wrong_type(err, p, "an object");
    if (!read_formats(imp, j, banner, path, a, err)) return 0;
  }
  if (!read_floor(j, tok, path, &imp->floor, &imp->floorcur, a, err)) return 0;
  int pmp = field(j, tok, "pmp");
  if (pmp >= 0 && med_json_is_object(j, pmp) && !read_deals(imp, j, pmp, path, a, err)) return 0;
  int ext = field(j, tok, "ext");
  if (ext >= 0 && med_json_is_object(j, ext)) {
    int data = field(j, ext, "data");
    if (data >= 0 && med_json_is_object(j, data)) imp->kv = data;
  }
  return 1;
}

static int read_device(med_request *q, const med_json *j, int dev, med_arena *a, med_error *err) {
  if (!med_json_is_object(j, dev)) return wrong_type(err, "request.device", "an object");
  int dt = field(j, dev, "devicetype");
  if (dt >= 0 && !med_json_is_null(j, dt)) {
    int64_t v;
    if (!med_json_int(j, dt, 0, 1000, &v)) return wrong_type(err, "request.device.devicetype", "an integer");
    q->devicetype = (int)v;
  }
  if (!opt_string(j, dev, "os", "request.device", &q->os, a, err)) return 0;
  int geo = field(j, dev, "geo");
  if (geo >= 0 && !med_json_is_null(j, geo)) {
    if (!med_json_is_object(j, geo)) return wrong_type(err, "request.device.geo", "an object");
    med_str country = {NULL, 0};
    if (!opt_string(j, geo, "country", "request.device.geo", &country, a, err)) return 0;
    if (country.s) q->country = med_country_code(country.s, country.len);
    if (!opt_string(j, geo, "region", "request.device.geo", &q->region, a, err)) return 0;
  }
  return 1;
}

/* regs and user: the privacy signals, in their OpenRTB 2.6 places or their 2.5 ext ones. */

/* The GPP string, decoded once for the auction (US opt-outs); and what it says where
 * the request's own fields say nothing: with no regs.gdpr, GDPR applies when gpp_sid
 * lists the EU TCF section (2); with no user.consent, the TC string is that section's.
 * An unreadable GPP string fills nothing in (the auction reports it where it counts).
 * Returns 0 only when out of memory. */
static int read_gpp(med_request *q, med_arena *a, med_error *err) {
  if (!q->gpp.len) return 1;
  med_gpp *g = med_arena_alloc(a, sizeof *g);
  if (!g) return oom(err);
  if (med_gpp_decode(g, q->gpp, &q->gpp_why)) q->gpp_read = g;
  if (q->gdpr < 0 && q->gpp_sid.len) q->gdpr = med_gpp_sid_lists(q->gpp_sid, MED_GPP_TCF_EU);
  if (!q->consent.len && q->gpp_read && med_gpp_sid_lists(q->gpp_sid, MED_GPP_TCF_EU))
    q->consent = med_gpp_section_text(q->gpp_read, MED_GPP_TCF_EU);
  return 1;
}

static int read_privacy(med_request *q, const med_json *j, int root, med_arena *a, med_error *err) {
  q->gdpr = -1;
  int regs = field(j, root, "regs"), user = field(j, root, "user");
  if (regs >= 0 && !med_json_is_null(j, regs)) {
    if (!med_json_is_object(j, regs)) return wrong_type(err, "request.regs", "an object");
    int ext = field(j, regs, "ext");
    if (ext >= 0 && !med_json_is_null(j, ext) && !med_json_is_object(j, ext))
      return wrong_type(err, "request.regs.ext", "an object");
    if (ext >= 0 && med_json_is_null(j, ext)) ext = -1;
    int g = field(j, regs, "gdpr");
    const char *gpath = "request.regs.gdpr";
    if ((g < 0 || med_json_is_null(j, g)) && ext >= 0) g = field(j, ext, "gdpr"), gpath = "request.regs.ext.gdpr";
    if (g >= 0 && !med_json_is_null(j, g)) {
      int64_t v;
      if (!med_json_int(j, g, 0, 1, &v)) return wrong_type(err, gpath, "0 or 1");
      q->gdpr = (int)v;
    }
    if (!opt_string(j, regs, "us_privacy", "request.regs", &q->us_privacy, a, err)) return 0;
    if (!q->us_privacy.s && ext >= 0 && !opt_string(j, ext, "us_privacy", "request.regs.ext", &q->us_privacy, a, err))
      return 0;
    if (!opt_string(j, regs, "gpp", "request.regs", &q->gpp, a, err)) return 0;
    int sid = field(j, regs, "gpp_sid");
    if (sid >= 0 && !med_json_is_null(j, sid)) {
      if (!med_json_is_array(j, sid)) return wrong_type(err, "request.regs.gpp_sid", "an array of integers");
      med_out o;
      char buf[256];
      med_out_init(&o, buf, sizeof buf);
      int n = 0;
      for (int k = med_json_first(j, sid); k >= 0; k = med_json_next_elem(j, sid, k)) {
        int64_t v;
        if (!med_json_int(j, k, 0, 65535, &v)) return wrong_type(err, "request.regs.gpp_sid", "an array of integers");
        if (n++) med_out_lit(&o, ",");
        med_out_int(&o, v);
      }
      if (o.overflow) return med_fail(err, "invalid_value", "request.regs.gpp_sid", "request.regs.gpp_sid is too long");
      char *copy = med_arena_alloc(a, o.len + 1);
      if (!copy) return oom(err);
      memcpy(copy, buf, o.len);
      q->gpp_sid = (med_str){copy, (uint32_t)o.len};
    }
  }
  if (user >= 0 && !med_json_is_null(j, user)) {
    if (!med_json_is_object(j, user)) return wrong_type(err, "request.user", "an object");
    if (!opt_string(j, user, "consent", "request.user", &q->consent, a, err)) return 0;
    int ext = field(j, user, "ext");
    if (!q->consent.s && ext >= 0 && med_json_is_object(j, ext) &&
        !opt_string(j, ext, "consent", "request.user.ext", &q->consent, a, err))
      return 0;
  }
  return read_gpp(q, a, err);
}

int med_request_read(med_request *q, const med_json *j, int root, med_arena *a, med_error *err) {
  memset(q, 0, sizeof *q);
  q->at = 2;
  if (!med_json_is_object(j, root)) return wrong_type(err, "request", "an OpenRTB BidRequest object");
  int id = field(j, root, "id");
  if (id < 0) return med_fail(err, "missing_field", "request.id", "request.id is required");
  if (!med_json_is_string(j, id)) return wrong_type(err, "request.id", "a string");
  q->id = med_json_text(j, id, a);
  int at = field(j, root, "at");
  if (at >= 0) {
    int64_t v;
    if (!med_json_int(j, at, 1, 1000, &v)) return wrong_type(err, "request.at", "an integer auction type");
    q->at = v == 1 ? 1 : 2;
  }
  int cur = field(j, root, "cur");
  if (cur >= 0 && !med_json_is_null(j, cur)) {
    if (!med_json_is_array(j, cur)) return wrong_type(err, "request.cur", "an array of currency codes");
    q->cur = med_arena_alloc(a, sizeof(med_str) * ((size_t)j->tok[cur].size + 1));
    if (!q->cur) return oom(err);
    for (int e = med_json_first(j, cur); e >= 0; e = med_json_next_elem(j, cur, e)) {
      if (!med_json_is_string(j, e)) return wrong_type(err, "request.cur", "an array of currency codes");
      q->cur[q->ncur++] = med_json_text(j, e, a);
    }
  }
  int imps = field(j, root, "imp");
  if (imps < 0) return med_fail(err, "missing_field", "request.imp", "request.imp is required");
  if (!med_json_is_array(j, imps)) return wrong_type(err, "request.imp", "an array");
  if (j->tok[imps].size == 0) return med_fail(err, "invalid_value", "request.imp", "request.imp must not be empty");
  q->imps = med_arena_alloc(a, sizeof(med_imp) * (size_t)j->tok[imps].size);
  if (!q->imps) return oom(err);
  for (int e = med_json_first(j, imps); e >= 0; e = med_json_next_elem(j, imps, e)) {
    med_imp *imp = &q->imps[q->nimps];
    if (!read_imp(imp, j, e, q->nimps, a, err)) return 0;
    for (uint32_t k = 0; k < q->nimps; k++) {
      if (med_str_eq(q->imps[k].id, imp->id)) {
        char p[P];
        med_format(p, sizeof p, "request.imp[%u].id", q->nimps);
        return med_fail(err, "duplicate_id", p, "%s repeats the id of request.imp[%u]", p, k);
      }
    }
    q->nimps++;
  }
  int site = field(j, root, "site"), app = field(j, root, "app");
  if (site >= 0 && !med_json_is_null(j, site)) {
    if (!med_json_is_object(j, site)) return wrong_type(err, "request.site", "an object");
    q->supply = MED_SUPPLY_SITE;
    if (!opt_string(j, site, "domain", "request.site", &q->domain, a, err)) return 0;
    if (!opt_string(j, site, "page", "request.site", &q->page, a, err)) return 0;
    if (!q->domain.len && q->page.s) q->domain = host_of(q->page);
  } else if (app >= 0 && !med_json_is_null(j, app)) {
    if (!med_json_is_object(j, app)) return wrong_type(err, "request.app", "an object");
    q->supply = MED_SUPPLY_APP;
    if (!opt_string(j, app, "domain", "request.app", &q->domain, a, err)) return 0;
    if (!opt_string(j, app, "bundle", "request.app", &q->bundle, a, err)) return 0;
  }
  int dev = field(j, root, "device");
  if (dev >= 0 && !med_json_is_null(j, dev) && !read_device(q, j, dev, a, err)) return 0;
  return read_privacy(q, j, root, a, err);
}

/* ---- bid responses ---- */

static int find_imp(const med_request *q, med_str id) {
  for (uint32_t i = 0; i < q->nimps; i++)
    if (med_str_eq(q->imps[i].id, id)) return (int)i;
  return -1;
}

/* A JSON array of strings rewritten compactly (other elements dropped), so the
 * output stays one line whatever the bidder's formatting. */
static med_str compact_strings(const med_json *j, int arr, med_arena *a) {
  size_t cap = (size_t)(j->tok[arr].end - j->tok[arr].start) * 3 + 2;
  char *buf = med_arena_alloc(a, cap);
  if (!buf) return (med_str){"[]", 2};
  med_out o;
  med_out_init(&o, buf, cap);
  med_out_char(&o, '[');
  int n = 0;
  for (int e = med_json_first(j, arr); e >= 0; e = med_json_next_elem(j, arr, e)) {
    if (!med_json_is_string(j, e)) continue;
    if (n++) med_out_char(&o, ',');
    med_out_str(&o, med_json_text(j, e, a));
  }
  med_out_char(&o, ']');
  return (med_str){buf, (uint32_t)o.len};
}

/* Reads one bid object; a field of the wrong type makes the bid invalid (3). */
static void read_bid(med_rtb *b, const med_json *j, int tok, med_arena *a) {
  int has_price = 0, bad = 0, wt = -1, ht = -1;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    med_str key = med_json_str(j, k);
    med_str *dst = NULL;
    int raw = 0; /* markup and URLs pass through as they came */
    if (key.len == 1 && (key.s[0] == 'w' || key.s[0] == 'h')) {
      *(key.s[0] == 'w' ? &wt : &ht) = v;
      continue;
    }
    switch (key.s[0]) {
      case 'i':
        if (med_str_eq_lit(key, "id")) dst = &b->id;
        else if (med_str_eq_lit(key, "impid")) dst = &b->impid;
        break;
      case 'a':
        if (med_str_eq_lit(key, "adm")) dst = &b->adm, raw = 1;
        else if (med_str_eq_lit(key, "adid")) dst = &b->adid;
        else if (med_str_eq_lit(key, "adomain")) {
          if (med_json_is_array(j, v)) b->adomain = compact_strings(j, v, a);
          else if (!med_json_is_null(j, v)) bad = 1;
        }
        break;
      case 'n':
        if (med_str_eq_lit(key, "nurl")) dst = &b->nurl, raw = 1;
        break;
      case 'b':
        if (med_str_eq_lit(key, "burl")) dst = &b->burl, raw = 1;
        break;
      case 'l':
        if (med_str_eq_lit(key, "lurl")) dst = &b->lurl, raw = 1;
        break;
      case 'c':
        if (med_str_eq_lit(key, "crid")) dst = &b->crid;
        break;
      case 'd':
        if (med_str_eq_lit(key, "dealid")) dst = &b->dealid;
        break;
      case 'p':
        if (med_str_eq_lit(key, "price")) {
          if (med_json_is_null(j, v)) break;
          has_price = 1;
          if (!med_json_fixed(j, v, 6, MED_MAX_MICROS, &b->price_own) || b->price_own < 0) bad = 1;
        }
        break;
    }
    if (dst) {
      if (med_json_is_string(j, v)) *dst = raw ? med_json_str(j, v) : med_json_text(j, v, a);
      else if (!med_json_is_null(j, v)) bad = 1;
    }
  }
  int64_t w = 0, h = 0;
  if ((wt >= 0 && !med_json_is_null(j, wt) && !med_json_int(j, wt, 0, 100000, &w)) ||
      (ht >= 0 && !med_json_is_null(j, ht) && !med_json_int(j, ht, 0, 100000, &h)))
    bad = 1;
  b->w = (int32_t)w;
  b->h = (int32_t)h;
  if (bad || !b->id.s || !b->impid.s) b->reason = MED_LOSS_INVALID_RESPONSE;
  else if (!has_price) b->reason = MED_LOSS_MISSING_PRICE;
  else if (!b->adm.len && !b->nurl.len) b->reason = MED_LOSS_MISSING_MARKUP;
}

static void mark_bad(med_bidset *s, uint32_t index, const char *why) {
  s->bad[s->nbad].index = index;
  s->bad[s->nbad].why = why;
  s->nbad++;
}

int med_bids_read(med_bidset *s, const med_json *j, int arr, const med_request *q, med_arena *a, med_error *err) {
  memset(s, 0, sizeof *s);
  if (arr < 0 || med_json_is_null(j, arr)) return 1;
  if (!med_json_is_array(j, arr)) return wrong_type(err, "bids", "an array of OpenRTB BidResponses");
  /* Every bid is at least one token of the array: a bound that holds whatever
   * the responses repeat (a key given twice is read as its last occurrence). */
  size_t total = (size_t)(med_json_skip(j, arr) - arr), nresp = (size_t)j->tok[arr].size;
  s->bids = med_arena_alloc(a, sizeof(med_rtb) * (total + 1));
  s->bad = med_arena_alloc(a, sizeof(med_bad_response) * (nresp + 1));
  if (!s->bids || !s->bad) return oom(err);
  uint32_t ri = 0;
  for (int r = med_json_first(j, arr); r >= 0; r = med_json_next_elem(j, arr, r), ri++) {
    if (!med_json_is_object(j, r)) {
      mark_bad(s, ri, "a bid response must be an object");
      continue;
    }
    med_str rid = {NULL, 0}, cur = {"USD", 3};
    int sb = -1, resp_bad = 0;
    for (int k = med_json_first(j, r); k >= 0; k = med_json_next_key(j, r, k)) {
      int v = k + 1;
      if (med_json_streq(j, k, "id")) {
        if (med_json_is_string(j, v)) rid = med_json_text(j, v, a);
      } else if (med_json_streq(j, k, "cur")) {
        if (med_json_is_string(j, v)) cur = med_json_text(j, v, a);
        else if (!med_json_is_null(j, v)) resp_bad = 1;
      } else if (med_json_streq(j, k, "seatbid")) {
        sb = v;
      }
    }
    if (sb < 0 || med_json_is_null(j, sb)) continue; /* a no-bid */
    if (!med_json_is_array(j, sb)) {
      mark_bad(s, ri, "seatbid must be an array");
      continue;
    }
    int id_ok = rid.s && med_str_eq(rid, q->id);
    for (int st = med_json_first(j, sb); st >= 0; st = med_json_next_elem(j, sb, st)) {
      if (!med_json_is_object(j, st)) continue;
      med_str seat = {NULL, 0};
      int bids = -1;
      for (int k = med_json_first(j, st); k >= 0; k = med_json_next_key(j, st, k)) {
        if (med_json_streq(j, k, "seat") && med_json_is_string(j, k + 1)) seat = med_json_text(j, k + 1, a);
        else if (med_json_streq(j, k, "bid")) bids = k + 1;
      }
      if (bids < 0 || !med_json_is_array(j, bids)) continue;
      for (int bt = med_json_first(j, bids); bt >= 0; bt = med_json_next_elem(j, bids, bt)) {
        med_rtb *b = &s->bids[s->nbids];
        memset(b, 0, sizeof *b);
        b->reason = MED_LOSS_NONE;
        b->imp = -1;
        b->seat = seat;
        b->cur = cur;
        b->response = ri;
        b->order = s->nbids;
        if (!med_json_is_object(j, bt)) b->reason = MED_LOSS_INVALID_RESPONSE;
        else read_bid(b, j, bt, a);
        if (b->impid.s) b->imp = find_imp(q, b->impid);
        if (b->reason == MED_LOSS_NONE) {
          if (resp_bad || b->imp < 0) b->reason = MED_LOSS_INVALID_RESPONSE;
          else if (!id_ok) b->reason = MED_LOSS_INVALID_AUCTION_ID;
        }
        s->nbids++;
      }
    }
  }
  return 1;
}
