/* config.c — reading and checking the mediation setup, and indexing it for auctions.
 *
 * Everything a config can get wrong is found here, once, with the JSON path of the
 * culprit: wrong types, negative CPMs, unknown networks, duplicate ids, unknown
 * countries or device types, macros a tag uses but the bid does not define. */
#include "config.h"

#include <string.h>

#include "country.h"
#include "isotime.h"
#include "sort.h"

typedef struct {
  const med_json *j;
  med_arena *a;
  med_error *err;
  med_config *c;
} reader;

#define PATH_MAX_LEN 160

static int oom(reader *r) { return med_fail(r->err, "out_of_memory", "", "out of memory reading the config"); }

static int wrong_type(reader *r, const char *path, const char *what) {
  return med_fail(r->err, "wrong_type", path, "%s must be %s", path, what);
}

static void *alloc_n(reader *r, size_t n, size_t size) {
  return med_arena_alloc(r->a, (n ? n : 1) * size);
}

/* ---- small typed reads with paths ---- */

static int read_int(reader *r, int tok, const char *path, int64_t min, int64_t max, int64_t *out) {
  if (med_json_int(r->j, tok, min, max, out)) return 1;
  return med_fail(r->err, med_json_is_number(r->j, tok) ? "invalid_value" : "wrong_type", path,
                  "%s must be an integer from %lld to %lld", path, (long long)min, (long long)max);
}

static int read_bool(reader *r, int tok, const char *path, int *out) {
  if (med_json_bool(r->j, tok, out)) return 1;
  return wrong_type(r, path, "true or false");
}

static int read_money(reader *r, int tok, const char *path, int64_t *out) {
  if (!med_json_is_number(r->j, tok)) return wrong_type(r, path, "a number");
  if (!med_json_fixed(r->j, tok, 6, MED_MAX_MICROS, out))
    return med_fail(r->err, "invalid_value", path, "%s is out of range", path);
  if (*out < 0) return med_fail(r->err, "invalid_value", path, "%s must not be negative", path);
  return 1;
}

static int read_time(reader *r, int tok, const char *path, int64_t open, int64_t *out) {
  if (med_json_is_null(r->j, tok)) {
    *out = open;
    return 1;
  }
  if (!med_json_is_string(r->j, tok)) return wrong_type(r, path, "an RFC 3339 time string or null");
  med_str s = med_json_str(r->j, tok);
  if (!med_time_parse(s.s, s.len, out))
    return med_fail(r->err, "invalid_time", path, "%s is not a time like 2026-11-27T12:00:00Z", path);
  return 1;
}

static int is_currency(med_str s) {
  if (s.len != 3) return 0;
  for (int i = 0; i < 3; i++)
    if (s.s[i] < 'A' || s.s[i] > 'Z') return 0;
  return 1;
}

/* ---- targeting ---- */

static int read_symbols(reader *r, int tok, const char *path, enum med_ns ns, med_idlist *out) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_array(j, tok)) return wrong_type(r, path, "an array of strings");
  out->ids = alloc_n(r, (size_t)j->tok[tok].size, sizeof(uint32_t));
  if (!out->ids) return oom(r);
  uint32_t n = 0;
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e)) {
    if (!med_json_is_string(j, e) || j->tok[e].end == j->tok[e].start) {
      char p[PATH_MAX_LEN];
      med_format(p, sizeof p, "%s[%u]", path, n);
      return wrong_type(r, p, "a non-empty string");
    }
    uint32_t id = med_symtab_intern(&r->c->syms, ns, med_json_text(j, e, r->a), r->a);
    if (!id) return oom(r);
    out->ids[n++] = id;
  }
  out->n = n;
  return 1;
}

static int read_countries(reader *r, int tok, const char *path, med_targets *t) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_array(j, tok)) return wrong_type(r, path, "an array of country codes");
  t->countries = alloc_n(r, (size_t)j->tok[tok].size, sizeof(uint16_t));
  if (!t->countries) return oom(r);
  uint32_t n = 0;
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e), n++) {
    char p[PATH_MAX_LEN];
    med_format(p, sizeof p, "%s[%u]", path, n);
    if (!med_json_is_string(j, e)) return wrong_type(r, p, "an ISO 3166-1 country code");
    med_str s = med_json_text(j, e, r->a);
    uint16_t code = med_country_code(s.s, s.len);
    if (!code)
      return med_fail(r->err, "invalid_value", p, "%s \"%.*s\" is not an ISO 3166-1 alpha-2 or alpha-3 code", p,
                      (int)(s.len > 16 ? 16 : s.len), s.s);
    t->countries[n] = code;
  }
  t->ncountries = n;
  return 1;
}

static int read_devicetypes(reader *r, int tok, const char *path, uint32_t *mask) {
  static const struct {
    const char *name;
    uint32_t bits;
  } names[] = {{"mobile", 1u << 1 | 1u << 4}, {"desktop", 1u << 2}, {"ctv", 1u << 3 | 1u << 7},
               {"tablet", 1u << 5},           {"connected_device", 1u << 6}};
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_array(j, tok)) return wrong_type(r, path, "an array of device type names");
  uint32_t n = 0;
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e), n++) {
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++)
      if (med_json_is_string(j, e) && med_str_eq_cstr(med_json_str(j, e), names[k].name)) break;
    if (k == sizeof names / sizeof names[0]) {
      char p[PATH_MAX_LEN];
      med_format(p, sizeof p, "%s[%u]", path, n);
      return med_fail(r->err, "invalid_value", p,
                      "%s must be one of mobile, desktop, ctv, tablet, connected_device", p);
    }
    *mask |= names[k].bits;
  }
  return 1;
}

/* "site", "app", or a list of them: a mask of MED_SUPPLY_SITE | MED_SUPPLY_APP. */
static int read_supply(reader *r, int tok, const char *path, int *out) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  int list = med_json_is_array(j, tok);
  for (int e = list ? med_json_first(j, tok) : tok; e >= 0; e = list ? med_json_next_elem(j, tok, e) : -1) {
    if (med_json_streq(j, e, "site")) *out |= MED_SUPPLY_SITE;
    else if (med_json_streq(j, e, "app")) *out |= MED_SUPPLY_APP;
    else if (!med_json_streq(j, e, ""))
      return med_fail(r->err, "invalid_value", path, "%s must be \"site\", \"app\" or a list of them", path);
  }
  return 1;
}

static int read_daypart(reader *r, int tok, const char *path, med_daypart *d) {
  const med_json *j = r->j;
  char p[PATH_MAX_LEN];
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object with days and hours");
  d->days = 0x7f << 1;
  d->from = 0;
  d->to = 24;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    if (med_json_streq(j, k, "days")) {
      med_format(p, sizeof p, "%s.days", path);
      if (!med_json_is_array(j, v)) return wrong_type(r, p, "an array of ISO weekdays 1..7");
      d->days = 0;
      uint32_t n = 0;
      for (int e = med_json_first(j, v); e >= 0; e = med_json_next_elem(j, v, e), n++) {
        int64_t day;
        char pe[PATH_MAX_LEN + 16];
        med_format(pe, sizeof pe, "%s[%u]", p, n);
        if (!read_int(r, e, pe, 1, 7, &day)) return 0;
        d->days |= (uint8_t)(1u << day);
      }
    } else if (med_json_streq(j, k, "hours")) {
      med_format(p, sizeof p, "%s.hours", path);
      int64_t from, to;
      if (!med_json_is_array(j, v) || j->tok[v].size != 2) return wrong_type(r, p, "[from, to] in hours 0..24");
      if (!read_int(r, v + 1, p, 0, 24, &from) || !read_int(r, v + 2, p, 0, 24, &to)) return 0;
      if (from == to) return med_fail(r->err, "invalid_value", p, "%s is an empty range", p);
      d->from = (uint8_t)from;
      d->to = (uint8_t)to;
    }
  }
  return 1;
}

static int read_dayparts(reader *r, int tok, const char *path, med_targets *t) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_array(j, tok)) return wrong_type(r, path, "an array of dayparts");
  t->dayparts = alloc_n(r, (size_t)j->tok[tok].size, sizeof(med_daypart));
  if (!t->dayparts) return oom(r);
  uint32_t n = 0;
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e), n++) {
    char p[PATH_MAX_LEN];
    med_format(p, sizeof p, "%s[%u]", path, n);
    if (!read_daypart(r, e, p, &t->dayparts[n])) return 0;
  }
  t->ndayparts = n;
  return 1;
}

static int read_kvs(reader *r, int tok, const char *path, med_targets *t) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object of key to list of values");
  t->kvs = alloc_n(r, (size_t)j->tok[tok].size, sizeof(med_kv_target));
  if (!t->kvs) return oom(r);
  uint32_t n = 0;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    char p[PATH_MAX_LEN];
    med_kv_target *kv = &t->kvs[n];
    kv->key = med_json_text(j, k, r->a);
    med_format(p, sizeof p, "%s.%.*s", path, (int)(kv->key.len > 40 ? 40 : kv->key.len), kv->key.s);
    int single = med_json_is_string(j, v);
    if (!single && !med_json_is_array(j, v)) return wrong_type(r, p, "a string or an array of strings");
    kv->values.ids = alloc_n(r, single ? 1 : (size_t)j->tok[v].size, sizeof(uint32_t));
    if (!kv->values.ids) return oom(r);
    uint32_t m = 0;
    for (int e = single ? v : med_json_first(j, v); e >= 0; e = single ? -1 : med_json_next_elem(j, v, e)) {
      if (!med_json_is_string(j, e)) return wrong_type(r, p, "a string or an array of strings");
      uint32_t id = med_symtab_intern_kv(&r->c->syms, kv->key, med_json_text(j, e, r->a), r->a);
      if (!id) return oom(r);
      kv->values.ids[m++] = id;
    }
    kv->values.n = m;
    if (m) n++;
  }
  t->nkvs = n;
  return 1;
}

/* The fields shared by targeting and its exclude list. */
static int read_targets(reader *r, int tok, const char *path, med_targets *t, int *exclude_tok) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object");
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1, ok = 1;
    char p[PATH_MAX_LEN];
    med_str key = med_json_str(j, k);
    med_format(p, sizeof p, "%s.%.*s", path, (int)(key.len > 40 ? 40 : key.len), key.s);
    if (med_str_eq_lit(key, "placements")) ok = read_symbols(r, v, p, MED_NS_PLACEMENT, &t->placements);
    else if (med_str_eq_lit(key, "countries")) ok = read_countries(r, v, p, t);
    else if (med_str_eq_lit(key, "regions")) ok = read_symbols(r, v, p, MED_NS_REGION, &t->regions);
    else if (med_str_eq_lit(key, "device_types")) ok = read_devicetypes(r, v, p, &t->devicetypes);
    else if (med_str_eq_lit(key, "os")) ok = read_symbols(r, v, p, MED_NS_OS, &t->os);
    else if (med_str_eq_lit(key, "domains")) ok = read_symbols(r, v, p, MED_NS_DOMAIN, &t->domains);
    else if (med_str_eq_lit(key, "supply_type")) ok = read_supply(r, v, p, &t->supply);
    else if (med_str_eq_lit(key, "dayparts")) ok = read_dayparts(r, v, p, t);
    else if (med_str_eq_lit(key, "key_values")) ok = read_kvs(r, v, p, t);
    else if (med_str_eq_lit(key, "exclude") && exclude_tok) *exclude_tok = v;
    if (!ok) return 0;
  }
  return 1;
}

/* ---- one mediated bid ---- */

static int find_network(const med_config *c, med_str id) {
  for (uint32_t i = 0; i < c->nnetworks; i++)
    if (med_str_eq(c->networks[i].id, id)) return (int)i;
  return -1;
}

static int read_macros(reader *r, int tok, const char *path, med_mbid *b) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object of name to string");
  b->macros = alloc_n(r, (size_t)j->tok[tok].size, sizeof(med_macro));
  if (!b->macros) return oom(r);
  b->nmacros = 0; /* "macros" given twice: the last one counts */
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    med_macro *m = &b->macros[b->nmacros++];
    m->name = med_json_str(j, k);
    if (med_json_is_string(j, v)) {
      m->value = med_json_str(j, v);
    } else if (med_json_is_number(j, v)) {
      m->value = (med_str){j->src + j->tok[v].start, (uint32_t)(j->tok[v].end - j->tok[v].start)};
    } else {
      char p[PATH_MAX_LEN];
      med_format(p, sizeof p, "%s.%.*s", path, (int)(m->name.len > 40 ? 40 : m->name.len), m->name.s);
      return wrong_type(r, p, "a string or a number");
    }
  }
  return 1;
}

/* Every #{NAME} in the tag must have a value: a tag that would go out with a
 * literal #{ZONE} is a setup mistake worth stopping at load time. */
static int check_tag_macros(reader *r, const med_mbid *b, const char *path) {
  const char *s = b->tag.s, *end = b->tag.s + b->tag.len;
  while ((s = memchr(s, '#', (size_t)(end - s))) != NULL) {
    if (s + 1 < end && s[1] == '{') {
      const char *close = memchr(s + 2, '}', (size_t)(end - s - 2));
      if (close) {
        med_str name = {s + 2, (uint32_t)(close - s - 2)};
        uint32_t k;
        for (k = 0; k < b->nmacros; k++)
          if (med_str_eq(b->macros[k].name, name)) break;
        if (k == b->nmacros)
          return med_fail(r->err, "unknown_macro", path, "%s uses #{%.*s}, which its macros do not define", path,
                          (int)(name.len > 40 ? 40 : name.len), name.s);
      }
    }
    s++;
  }
  return 1;
}

static int read_sizes(reader *r, int tok, const char *path, med_mbid *b) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_array(j, tok)) return wrong_type(r, path, "an array of [width, height]");
  b->sizes = alloc_n(r, (size_t)j->tok[tok].size, sizeof(med_size));
  if (!b->sizes) return oom(r);
  uint32_t n = 0;
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e), n++) {
    char p[PATH_MAX_LEN];
    med_format(p, sizeof p, "%s[%u]", path, n);
    int64_t w, h;
    if (!med_json_is_array(j, e) || j->tok[e].size != 2) return wrong_type(r, p, "[width, height]");
    if (!read_int(r, e + 1, p, 1, 100000, &w) || !read_int(r, e + 2, p, 1, 100000, &h)) return 0;
    b->sizes[n] = (med_size){(int32_t)w, (int32_t)h};
  }
  b->nsizes = n;
  return 1;
}

static int read_mbid(reader *r, int tok, uint32_t index, med_mbid *b) {
  const med_json *j = r->j;
  char path[PATH_MAX_LEN], p[PATH_MAX_LEN];
  med_format(path, sizeof path, "config.mediated_bids[%u]", index);
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object");
  memset(b, 0, sizeof *b);
  b->active = 1;
  b->timeout_ms = 1000;
  b->start_ms = INT64_MIN;
  b->end_ms = INT64_MAX;
  int have_id = 0, have_network = 0, have_cpm = 0, have_tag = 0, exclude = -1;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1, ok = 1;
    med_str key = med_json_str(j, k);
    med_format(p, sizeof p, "%s.%.*s", path, (int)(key.len > 40 ? 40 : key.len), key.s);
    if (med_str_eq_lit(key, "id")) {
      if (!med_json_is_string(j, v) || j->tok[v].end == j->tok[v].start) return wrong_type(r, p, "a non-empty string");
      b->id = med_json_text(j, v, r->a);
      have_id = 1;
    } else if (med_str_eq_lit(key, "network")) {
      if (!med_json_is_string(j, v)) return wrong_type(r, p, "a network id");
      int n = find_network(r->c, med_json_text(j, v, r->a));
      if (n < 0) {
        med_str s = med_json_text(j, v, r->a);
        return med_fail(r->err, "unknown_network", p, "%s names network \"%.*s\", which networks does not list", p,
                        (int)(s.len > 40 ? 40 : s.len), s.s);
      }
      b->network = (uint32_t)n;
      have_network = 1;
    } else if (med_str_eq_lit(key, "cpm")) {
      ok = read_money(r, v, p, &b->cpm);
      have_cpm = 1;
    } else if (med_str_eq_lit(key, "active")) {
      ok = read_bool(r, v, p, &b->active);
    } else if (med_str_eq_lit(key, "timeout_ms")) {
      ok = read_int(r, v, p, 1, MED_MAX_TIMEOUT_MS, &b->timeout_ms);
    } else if (med_str_eq_lit(key, "sizes")) {
      ok = read_sizes(r, v, p, b);
    } else if (med_str_eq_lit(key, "start")) {
      ok = read_time(r, v, p, INT64_MIN, &b->start_ms);
    } else if (med_str_eq_lit(key, "end")) {
      ok = read_time(r, v, p, INT64_MAX, &b->end_ms);
    } else if (med_str_eq_lit(key, "targeting")) {
      ok = read_targets(r, v, p, &b->include, &exclude);
      if (ok && exclude >= 0) {
        med_format(p, sizeof p, "%s.targeting.exclude", path);
        ok = read_targets(r, exclude, p, &b->exclude, NULL);
      }
    } else if (med_str_eq_lit(key, "macros")) {
      ok = read_macros(r, v, p, b);
    } else if (med_str_eq_lit(key, "tag")) {
      if (!med_json_is_string(j, v) || j->tok[v].end == j->tok[v].start) return wrong_type(r, p, "a non-empty string");
      b->tag = med_json_str(j, v);
      have_tag = 1;
    }
    if (!ok) return 0;
  }
  const char *missing = !have_id ? "id" : !have_network ? "network" : !have_cpm ? "cpm" : !have_tag ? "tag" : NULL;
  if (missing) {
    med_format(p, sizeof p, "%s.%s", path, missing);
    return med_fail(r->err, "missing_field", p, "%s is required", p);
  }
  if (b->start_ms != INT64_MIN && b->end_ms != INT64_MAX && b->end_ms <= b->start_ms) {
    med_format(p, sizeof p, "%s.end", path);
    return med_fail(r->err, "invalid_value", p, "%s must be after start", p);
  }
  med_format(p, sizeof p, "%s.tag", path);
  if (!check_tag_macros(r, b, p)) return 0;
  if (!r->c->networks[b->network].active) b->active = 0;
  return 1;
}

/* ---- the whole config ---- */

static int read_rates(reader *r, int tok) {
  const med_json *j = r->j;
  med_config *c = r->c;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_object(j, tok)) return wrong_type(r, "config.rates", "an object of currency to rate");
  c->rates = alloc_n(r, (size_t)j->tok[tok].size + 1, sizeof(med_rate));
  if (!c->rates) return oom(r);
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    char p[PATH_MAX_LEN];
    med_str code = med_json_text(j, k, r->a);
    med_format(p, sizeof p, "config.rates.%.*s", (int)(code.len > 40 ? 40 : code.len), code.s);
    if (!is_currency(code)) return med_fail(r->err, "invalid_value", p, "%s: currencies are 3 capital letters", p);
    int64_t nano;
    if (!med_json_is_number(j, k + 1)) return wrong_type(r, p, "a number");
    if (!med_json_fixed(j, k + 1, 9, (int64_t)1000000 * 1000000000, &nano) || nano <= 0)
      return med_fail(r->err, "invalid_value", p, "%s must be a positive number up to 1000000", p);
    med_rate *rt = &c->rates[c->nrates++];
    memcpy(rt->code, code.s, 3);
    rt->code[3] = 0;
    rt->nano = nano;
  }
  return 1;
}

static int read_networks(reader *r, int tok) {
  const med_json *j = r->j;
  med_config *c = r->c;
  if (!med_json_is_array(j, tok)) return wrong_type(r, "config.networks", "an array of networks");
  c->networks = alloc_n(r, (size_t)j->tok[tok].size, sizeof(med_network));
  if (!c->networks) return oom(r);
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e)) {
    char path[PATH_MAX_LEN], p[PATH_MAX_LEN];
    med_format(path, sizeof path, "config.networks[%u]", c->nnetworks);
    if (!med_json_is_object(j, e)) return wrong_type(r, path, "an object");
    med_network *n = &c->networks[c->nnetworks];
    *n = (med_network){{NULL, 0}, {NULL, 0}, 1};
    for (int k = med_json_first(j, e); k >= 0; k = med_json_next_key(j, e, k)) {
      int v = k + 1;
      if (med_json_streq(j, k, "id")) {
        med_format(p, sizeof p, "%s.id", path);
        if (!med_json_is_string(j, v) || j->tok[v].end == j->tok[v].start) return wrong_type(r, p, "a non-empty string");
        n->id = med_json_text(j, v, r->a);
      } else if (med_json_streq(j, k, "name")) {
        med_format(p, sizeof p, "%s.name", path);
        if (!med_json_is_string(j, v)) return wrong_type(r, p, "a string");
        n->name = med_json_text(j, v, r->a);
      } else if (med_json_streq(j, k, "active")) {
        med_format(p, sizeof p, "%s.active", path);
        if (!read_bool(r, v, p, &n->active)) return 0;
      }
    }
    if (!n->id.s) {
      med_format(p, sizeof p, "%s.id", path);
      return med_fail(r->err, "missing_field", p, "%s is required", p);
    }
    if (find_network(c, n->id) >= 0) {
      med_format(p, sizeof p, "%s.id", path);
      return med_fail(r->err, "duplicate_id", p, "%s \"%.*s\" is used by an earlier network", p,
                      (int)(n->id.len > 40 ? 40 : n->id.len), n->id.s);
    }
    c->nnetworks++;
  }
  return 1;
}

static int bid_id_less(uint32_t a, uint32_t b, const void *ctx) {
  const med_config *c = ctx;
  return med_str_cmp(c->bids[a].id, c->bids[b].id) < 0;
}

/* Bids sorted by id, to find duplicates in n log n without a second table. */
static int check_duplicate_bids(reader *r) {
  med_config *c = r->c;
  uint32_t n = c->nbids;
  if (n < 2) return 1;
  uint32_t *idx = alloc_n(r, n, sizeof(uint32_t)), *tmp = alloc_n(r, n, sizeof(uint32_t));
  if (!idx || !tmp) return oom(r);
  for (uint32_t i = 0; i < n; i++) idx[i] = i;
  med_sort(idx, n, tmp, bid_id_less, c);
  for (uint32_t i = 1; i < n; i++) {
    if (med_str_eq(c->bids[idx[i]].id, c->bids[idx[i - 1]].id)) {
      uint32_t later = idx[i] > idx[i - 1] ? idx[i] : idx[i - 1];
      char p[PATH_MAX_LEN];
      med_format(p, sizeof p, "config.mediated_bids[%u].id", later);
      med_str id = c->bids[later].id;
      return med_fail(r->err, "duplicate_id", p, "%s \"%.*s\" is used by an earlier mediated bid", p,
                      (int)(id.len > 40 ? 40 : id.len), id.s);
    }
  }
  return 1;
}

/* The placement index: active bids grouped by the placements they target. */
static int build_index(reader *r) {
  med_config *c = r->c;
  uint32_t nsyms = c->syms.nsyms, total = 0, nun = 0;
  c->placement_start = med_arena_zalloc(r->a, sizeof(uint32_t) * ((size_t)nsyms + 1));
  if (!c->placement_start) return oom(r);
  for (uint32_t i = 0; i < c->nbids; i++) {
    const med_mbid *b = &c->bids[i];
    if (!b->active) continue;
    if (!b->include.placements.n) nun++;
    for (uint32_t k = 0; k < b->include.placements.n; k++) c->placement_start[b->include.placements.ids[k]]++, total++;
  }
  c->untargeted = alloc_n(r, nun, sizeof(uint32_t));
  c->by_placement = alloc_n(r, total, sizeof(uint32_t));
  uint32_t *fill = alloc_n(r, (size_t)nsyms + 1, sizeof(uint32_t));
  if (!c->untargeted || !c->by_placement || !fill) return oom(r);
  uint32_t run = 0;
  for (uint32_t s = 0; s <= nsyms; s++) {
    uint32_t count = s < nsyms ? c->placement_start[s] : 0;
    c->placement_start[s] = run;
    fill[s] = run;
    run += count;
  }
  for (uint32_t i = 0; i < c->nbids; i++) {
    const med_mbid *b = &c->bids[i];
    if (!b->active) continue;
    if (!b->include.placements.n) c->untargeted[c->nuntargeted++] = i;
    for (uint32_t k = 0; k < b->include.placements.n; k++) {
      uint32_t id = b->include.placements.ids[k];
      /* A bid listing one placement twice is indexed once. */
      if (fill[id] > c->placement_start[id] && c->by_placement[fill[id] - 1] == i) continue;
      c->by_placement[fill[id]++] = i;
    }
  }
  c->placement_end = fill;
  return 1;
}

int med_config_read(med_config *c, const med_json *j, int root, med_arena *a, med_error *err) {
  reader r = {j, a, err, c};
  memset(c, 0, sizeof *c);
  memcpy(c->currency, "USD", 4);
  c->max_waterfall = 4;
  c->waterfall_timeout_ms = 3000;
  if (!med_json_is_object(j, root)) return wrong_type(&r, "config", "an object");
  if (!med_symtab_init(&c->syms, (uint32_t)j->ntok, a)) return oom(&r);
  int networks = -1, bids = -1, rates = -1;
  for (int k = med_json_first(j, root); k >= 0; k = med_json_next_key(j, root, k)) {
    int v = k + 1;
    if (med_json_streq(j, k, "currency")) {
      if (!med_json_is_string(j, v) || !is_currency(med_json_text(j, v, a)))
        return med_fail(err, "invalid_value", "config.currency", "config.currency must be 3 capital letters, like USD");
      memcpy(c->currency, med_json_text(j, v, a).s, 3);
    } else if (med_json_streq(j, k, "rates")) {
      rates = v;
    } else if (med_json_streq(j, k, "max_waterfall")) {
      int64_t n;
      if (!read_int(&r, v, "config.max_waterfall", 1, MED_MAX_WATERFALL, &n)) return 0;
      c->max_waterfall = (int)n;
    } else if (med_json_streq(j, k, "waterfall_timeout_ms")) {
      if (!read_int(&r, v, "config.waterfall_timeout_ms", 1, MED_MAX_TIMEOUT_MS, &c->waterfall_timeout_ms)) return 0;
    } else if (med_json_streq(j, k, "timezone_offset_min")) {
      int64_t n;
      if (!read_int(&r, v, "config.timezone_offset_min", -1440, 1440, &n)) return 0;
      c->tz_offset_min = (int)n;
    } else if (med_json_streq(j, k, "networks")) {
      networks = v;
    } else if (med_json_streq(j, k, "mediated_bids")) {
      bids = v;
    }
  }
  if (rates >= 0 && !read_rates(&r, rates)) return 0;
  if (networks >= 0 && !read_networks(&r, networks)) return 0;
  if (bids >= 0 && !med_json_is_null(j, bids)) {
    if (!med_json_is_array(j, bids)) return wrong_type(&r, "config.mediated_bids", "an array");
    c->bids = alloc_n(&r, (size_t)j->tok[bids].size, sizeof(med_mbid));
    if (!c->bids) return oom(&r);
    for (int e = med_json_first(j, bids); e >= 0; e = med_json_next_elem(j, bids, e)) {
      if (!read_mbid(&r, e, c->nbids, &c->bids[c->nbids])) return 0;
      c->nbids++;
    }
  }
  if (!check_duplicate_bids(&r)) return 0;
  return build_index(&r);
}

int64_t med_config_rate(const med_config *c, med_str code) {
  if (code.len != 3) return 0;
  if (memcmp(code.s, c->currency, 3) == 0) return 1000000000;
  for (uint32_t i = 0; i < c->nrates; i++)
    if (memcmp(c->rates[i].code, code.s, 3) == 0) return c->rates[i].nano;
  return 0;
}
