/* config.c — reading and checking the mediation setup, and indexing it for auctions.
 *
 * Everything a config can get wrong is found here, once, with the JSON path of the
 * culprit: wrong types, negative CPMs, unknown networks, duplicate ids, unknown
 * countries or device types, macros a tag uses but the bid does not define. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "country.h"
#include "partners.h"
#include "currency.h"
#include "isotime.h"
#include "sort.h"

typedef struct {
  const med_json *j;
  med_arena *a;
  med_error *err;
  med_config *c;
  med_arena *tmp; /* for what is dropped after the read: a, or the scratch arena */
} reader;

static int oom(reader *r) { return med_fail(r->err, "out_of_memory", "", "out of memory reading the config"); }

static int wrong_type(reader *r, const char *path, const char *what) {
  return med_fail(r->err, "wrong_type", path, "%s must be %s", path, what);
}

static void *alloc_n(reader *r, size_t n, size_t size) {
  return med_arena_alloc(r->a, (n ? n : 1) * size);
}

/* The path of key k of an object under parent. */
static void key_path(reader *r, med_path *p, const char *parent, int k) {
  med_str key = med_json_str(r->j, k);
  med_path_key(p, parent, key.s, key.len);
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

static int read_nonempty_string(reader *r, int tok, const char *path, med_str *out) {
  if (!med_json_is_string(r->j, tok) || r->j->tok[tok].end == r->j->tok[tok].start)
    return wrong_type(r, path, "a non-empty string");
  *out = med_json_text(r->j, tok, r->a);
  return 1;
}

/* Reads the array at tok element by element: read_item(r, element, its path, the
 * item it fills, ctx) on items of `size` bytes in the arena. A null array is empty.
 * Returns the items (never NULL on success) and their count, or NULL. */
typedef int (*item_reader)(reader *r, int tok, const char *path, void *item, const void *ctx);
static void *read_array(reader *r, int tok, const char *path, const char *what, size_t size, item_reader read_item,
                        const void *ctx, uint32_t *n) {
  const med_json *j = r->j;
  *n = 0;
  if (!med_json_is_null(j, tok) && !med_json_is_array(j, tok)) return wrong_type(r, path, what), NULL;
  char *items = alloc_n(r, med_json_is_null(j, tok) ? 0 : (size_t)j->tok[tok].size, size);
  if (!items) return oom(r), NULL;
  if (med_json_is_null(j, tok)) return items;
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e)) {
    med_path p;
    med_path_index(&p, path, *n);
    if (!read_item(r, e, p.s, items + (size_t)*n * size, ctx)) return NULL;
    (*n)++;
  }
  return items;
}

/* ---- targeting ---- */

static int read_symbol(reader *r, int tok, const char *path, void *item, const void *ns) {
  med_str text;
  if (!read_nonempty_string(r, tok, path, &text)) return 0;
  uint32_t id = med_symtab_intern(&r->c->syms, *(const enum med_ns *)ns, text, r->a);
  if (!id) return oom(r);
  *(uint32_t *)item = id;
  return 1;
}

static int read_symbols(reader *r, int tok, const char *path, enum med_ns ns, med_idlist *out) {
  out->ids = read_array(r, tok, path, "an array of strings", sizeof(uint32_t), read_symbol, &ns, &out->n);
  return out->ids != NULL;
}

static int read_country(reader *r, int tok, const char *path, void *item, const void *ctx) {
  (void)ctx;
  if (!med_json_is_string(r->j, tok)) return wrong_type(r, path, "an ISO 3166-1 country code");
  med_str s = med_json_text(r->j, tok, r->a);
  uint16_t code = med_country_code(s.s, s.len);
  if (!code)
    return med_fail(r->err, "invalid_value", path, "%s \"%.*s\" is not an ISO 3166-1 alpha-2 or alpha-3 code", path,
                    (int)(s.len > 16 ? 16 : s.len), s.s);
  *(uint16_t *)item = code;
  return 1;
}

static int read_device_type(reader *r, int tok, const char *path, void *item, const void *ctx) {
  static const struct {
    const char *name;
    uint32_t bits;
  } names[] = {{"mobile", 1u << 1 | 1u << 4}, {"desktop", 1u << 2}, {"ctv", 1u << 3 | 1u << 7},
               {"tablet", 1u << 5},           {"connected_device", 1u << 6}};
  (void)ctx;
  for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
    if (med_json_is_string(r->j, tok) && med_str_eq_cstr(med_json_str(r->j, tok), names[k].name)) {
      *(uint32_t *)item = names[k].bits;
      return 1;
    }
  return med_fail(r->err, "invalid_value", path, "%s must be one of mobile, desktop, ctv, tablet, connected_device",
                  path);
}

static int read_weekday(reader *r, int tok, const char *path, void *item, const void *ctx) {
  int64_t day;
  (void)ctx;
  if (!read_int(r, tok, path, 1, 7, &day)) return 0;
  *(uint32_t *)item = 1u << day;
  return 1;
}

/* A list read as the union of its items' bits (device types, weekdays). */
static int read_mask(reader *r, int tok, const char *path, const char *what, item_reader read_bit, uint32_t *mask) {
  uint32_t n, *bits = read_array(r, tok, path, what, sizeof(uint32_t), read_bit, NULL, &n);
  if (!bits) return 0;
  for (uint32_t i = 0; i < n; i++) *mask |= bits[i];
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

/* A key that the reader does not know: refused, since a typo ("genre", "day") would
 * otherwise widen what a bid matches; keys starting with "x-" are extensions and
 * are left for other tools. */
static int unknown_key(reader *r, int k, const char *path, const char *known) {
  med_str key = med_json_str(r->j, k);
  if (key.len >= 2 && key.s[0] == 'x' && key.s[1] == '-') return 1;
  return med_fail(r->err, "unknown_field", path, "%s is not a field here (%s; extensions start with x-)", path,
                  known);
}

static int read_daypart(reader *r, int tok, const char *path, void *item, const void *ctx) {
  const med_json *j = r->j;
  med_daypart *d = item;
  (void)ctx;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object with days and hours");
  uint32_t days = 0x7fu << 1;
  d->from = 0;
  d->to = 24;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1;
    med_path p;
    key_path(r, &p, path, k);
    if (med_json_streq(j, k, "days")) {
      days = 0;
      if (!read_mask(r, v, p.s, "an array of ISO weekdays 1..7", read_weekday, &days)) return 0;
    } else if (med_json_streq(j, k, "hours")) {
      med_path from, to;
      int64_t h[2];
      if (!med_json_is_array(j, v) || j->tok[v].size != 2) return wrong_type(r, p.s, "[from, to] in hours 0..24");
      med_path_index(&from, p.s, 0);
      med_path_index(&to, p.s, 1);
      if (!read_int(r, v + 1, from.s, 0, 24, &h[0]) || !read_int(r, v + 2, to.s, 0, 24, &h[1])) return 0;
      if (h[0] == h[1]) return med_fail(r->err, "invalid_value", p.s, "%s is an empty range", p.s);
      d->from = (uint8_t)h[0];
      d->to = (uint8_t)h[1];
    } else if (!unknown_key(r, k, p.s, "days, hours")) {
      return 0;
    }
  }
  d->days = (uint8_t)days;
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
    med_path p;
    med_kv_target *kv = &t->kvs[n];
    kv->key = med_json_text(j, k, r->a);
    med_path_key(&p, path, kv->key.s, kv->key.len);
    int single = med_json_is_string(j, v);
    if (!single && !med_json_is_array(j, v)) return wrong_type(r, p.s, "a string or an array of strings");
    kv->values.ids = alloc_n(r, single ? 1 : (size_t)j->tok[v].size, sizeof(uint32_t));
    if (!kv->values.ids) return oom(r);
    uint32_t m = 0;
    for (int e = single ? v : med_json_first(j, v); e >= 0; e = single ? -1 : med_json_next_elem(j, v, e)) {
      if (!med_json_is_string(j, e)) return wrong_type(r, p.s, "a string or an array of strings");
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

/* The fields shared by targeting and its exclude list (which has no exclude). */
static int read_targets(reader *r, int tok, const char *path, med_targets *t, int *exclude_tok) {
  const med_json *j = r->j;
  if (med_json_is_null(j, tok)) return 1;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object");
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1, ok = 1;
    med_path p;
    med_str key = med_json_str(j, k);
    key_path(r, &p, path, k);
    if (med_str_eq_lit(key, "placements")) ok = read_symbols(r, v, p.s, MED_NS_PLACEMENT, &t->placements);
    else if (med_str_eq_lit(key, "countries"))
      ok = (t->countries = read_array(r, v, p.s, "an array of country codes", sizeof(uint16_t), read_country, NULL,
                                      &t->ncountries)) != NULL;
    else if (med_str_eq_lit(key, "regions")) ok = read_symbols(r, v, p.s, MED_NS_REGION, &t->regions);
    else if (med_str_eq_lit(key, "device_types"))
      ok = read_mask(r, v, p.s, "an array of device type names", read_device_type, &t->devicetypes);
    else if (med_str_eq_lit(key, "os")) ok = read_symbols(r, v, p.s, MED_NS_OS, &t->os);
    else if (med_str_eq_lit(key, "domains")) ok = read_symbols(r, v, p.s, MED_NS_DOMAIN, &t->domains);
    else if (med_str_eq_lit(key, "supply_type")) ok = read_supply(r, v, p.s, &t->supply);
    else if (med_str_eq_lit(key, "dayparts"))
      ok = (t->dayparts = read_array(r, v, p.s, "an array of dayparts", sizeof(med_daypart), read_daypart, NULL,
                                     &t->ndayparts)) != NULL;
    else if (med_str_eq_lit(key, "key_values")) ok = read_kvs(r, v, p.s, t);
    else if (med_str_eq_lit(key, "exclude") && exclude_tok) *exclude_tok = v;
    else
      ok = unknown_key(r, k, p.s,
                       exclude_tok ? "placements, countries, regions, device_types, os, domains, supply_type, "
                                     "dayparts, key_values, exclude"
                                   : "placements, countries, regions, device_types, os, domains, supply_type, "
                                     "dayparts, key_values");
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
      med_path p;
      med_path_key(&p, path, m->name.s, m->name.len);
      return wrong_type(r, p.s, "a string or a number");
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

static int read_size(reader *r, int tok, const char *path, void *item, const void *ctx) {
  int64_t w, h;
  (void)ctx;
  if (!med_json_is_array(r->j, tok) || r->j->tok[tok].size != 2) return wrong_type(r, path, "[width, height]");
  if (!read_int(r, tok + 1, path, 1, 100000, &w) || !read_int(r, tok + 2, path, 1, 100000, &h)) return 0;
  *(med_size *)item = (med_size){(int32_t)w, (int32_t)h};
  return 1;
}

/* A ratio in [min, 1] as millionths. */
static int read_share(reader *r, int tok, const char *path, int64_t min, int32_t *out) {
  int64_t v;
  if (!med_json_is_number(r->j, tok)) return wrong_type(r, path, "a number");
  if (!med_json_fixed(r->j, tok, 6, 1000000, &v) || v < min)
    return med_fail(r->err, "invalid_value", path, "%s must be from %s to 1", path, min < 0 ? "-1" : "0");
  *out = (int32_t)v;
  return 1;
}

/* learned.fill_latency_ms: up to MED_LEARNED_POINTS [ms, share] pairs, both ascending. */
static int read_latency_points(reader *r, int tok, const char *path, med_learned *l) {
  const med_json *j = r->j;
  if (!med_json_is_array(j, tok)) return wrong_type(r, path, "an array of [ms, share of fills]");
  for (int e = med_json_first(j, tok); e >= 0; e = med_json_next_elem(j, tok, e)) {
    med_path p;
    med_path_index(&p, path, l->npoints);
    if (l->npoints == MED_LEARNED_POINTS)
      return med_fail(r->err, "invalid_value", p.s, "%s: at most 8 points", p.s);
    if (!med_json_is_array(j, e) || j->tok[e].size != 2) return wrong_type(r, p.s, "[ms, share of fills]");
    int64_t ms;
    int32_t share;
    if (!read_int(r, e + 1, p.s, 0, MED_MAX_LATENCY_MS, &ms) || !read_share(r, e + 2, p.s, 0, &share)) return 0;
    if (l->npoints && (ms <= l->latency_ms[l->npoints - 1] || share < l->share[l->npoints - 1]))
      return med_fail(r->err, "invalid_value", p.s, "%s: latencies must rise and shares must not fall", p.s);
    l->latency_ms[l->npoints] = (int32_t)ms;
    l->share[l->npoints++] = share;
  }
  return 1;
}

/* A bid's "learned": what the ad server measured (written by it, not by hand). */
static int read_learned(reader *r, int tok, const char *path, med_mbid *b) {
  const med_json *j = r->j;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object");
  med_learned *l = med_arena_zalloc(r->a, sizeof *l);
  if (!l) return oom(r);
  l->suggested_cpm = -1;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1, ok = 1;
    med_path p;
    key_path(r, &p, path, k);
    if (med_json_streq(j, k, "attempts")) ok = read_int(r, v, p.s, 0, INT64_C(1) << 50, &l->attempts);
    else if (med_json_streq(j, k, "fills")) ok = read_int(r, v, p.s, 0, INT64_C(1) << 50, &l->fills);
    else if (med_json_streq(j, k, "fill_latency_ms")) ok = read_latency_points(r, v, p.s, l);
    else if (med_json_streq(j, k, "suggested_cpm"))
      ok = med_json_is_null(j, v) ? (l->suggested_cpm = -1, 1) : read_money(r, v, p.s, &l->suggested_cpm);
    else if (med_json_streq(j, k, "confidence")) ok = read_share(r, v, p.s, 0, &l->confidence);
    else if (med_json_streq(j, k, "discrepancy")) ok = read_share(r, v, p.s, -1000000, &l->discrepancy);
    else return med_fail(r->err, "unknown_field", p.s, "%s is not a learned field", p.s);
    if (!ok) return 0;
  }
  if (l->fills > l->attempts) {
    med_path p;
    med_path_key(&p, path, "fills", 5);
    return med_fail(r->err, "invalid_value", p.s, "%s cannot exceed attempts", p.s);
  }
  b->learned = l;
  return 1;
}

static int read_mbid(reader *r, int tok, const char *path, void *item, const void *ctx) {
  const med_json *j = r->j;
  med_mbid *b = item;
  med_path p;
  (void)ctx;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object");
  memset(b, 0, sizeof *b);
  b->active = 1;
  b->timeout_ms = 1000;
  b->start_ms = INT64_MIN;
  b->end_ms = INT64_MAX;
  int have_id = 0, have_network = 0, have_cpm = 0, have_tag = 0, exclude = -1, params = -1;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1, ok = 1;
    med_str key = med_json_str(j, k);
    key_path(r, &p, path, k);
    if (med_str_eq_lit(key, "id")) {
      ok = have_id = read_nonempty_string(r, v, p.s, &b->id);
    } else if (med_str_eq_lit(key, "network")) {
      if (!med_json_is_string(j, v)) return wrong_type(r, p.s, "a network id");
      int n = find_network(r->c, med_json_text(j, v, r->a));
      if (n < 0) {
        med_str s = med_json_text(j, v, r->a);
        return med_fail(r->err, "unknown_network", p.s, "%s names network \"%.*s\", which networks does not list", p.s,
                        (int)(s.len > MED_PATH_KEY_MAX ? MED_PATH_KEY_MAX : s.len), s.s);
      }
      b->network = (uint32_t)n;
      have_network = 1;
    } else if (med_str_eq_lit(key, "cpm")) {
      ok = read_money(r, v, p.s, &b->cpm);
      have_cpm = 1;
    } else if (med_str_eq_lit(key, "active")) {
      ok = read_bool(r, v, p.s, &b->active);
    } else if (med_str_eq_lit(key, "timeout_ms")) {
      ok = read_int(r, v, p.s, 1, MED_MAX_TIMEOUT_MS, &b->timeout_ms);
    } else if (med_str_eq_lit(key, "sizes")) {
      b->sizes = read_array(r, v, p.s, "an array of [width, height]", sizeof(med_size), read_size, NULL, &b->nsizes);
      ok = b->sizes != NULL;
    } else if (med_str_eq_lit(key, "start")) {
      ok = read_time(r, v, p.s, INT64_MIN, &b->start_ms);
    } else if (med_str_eq_lit(key, "end")) {
      ok = read_time(r, v, p.s, INT64_MAX, &b->end_ms);
    } else if (med_str_eq_lit(key, "targeting")) {
      ok = read_targets(r, v, p.s, &b->include, &exclude);
      if (ok && exclude >= 0) {
        med_path x;
        med_path_key(&x, p.s, "exclude", 7);
        med_targets *t = med_arena_zalloc(r->a, sizeof *t);
        ok = t ? read_targets(r, exclude, x.s, t, NULL) : oom(r);
        b->exclude = t;
      }
    } else if (med_str_eq_lit(key, "macros")) {
      ok = read_macros(r, v, p.s, b);
    } else if (med_str_eq_lit(key, "tag")) {
      if (!med_json_is_string(j, v) || j->tok[v].end == j->tok[v].start) return wrong_type(r, p.s, "a non-empty string");
      b->tag = med_json_str(j, v);
      have_tag = 1;
    } else if (med_str_eq_lit(key, "params")) {
      params = v;
    } else if (med_str_eq_lit(key, "learned")) {
      ok = med_json_is_null(j, v) || read_learned(r, v, p.s, b);
    }
    if (!ok) return 0;
  }
  const med_network *net = have_network ? &r->c->networks[b->network] : NULL;
  if (net && net->partner) { /* a known partner's tag is written from its params */
    med_path_key(&p, path, have_tag ? "tag" : "params", have_tag ? 3 : 6);
    if (have_tag) return med_fail(r->err, "invalid_value", p.s, "%s: a known partner's bid takes params, not a tag", p.s);
    if (params < 0) return med_fail(r->err, "missing_field", p.s, "%s is required for a known partner's bid", p.s);
    if (!have_id || !have_cpm) goto missing;
    if (!med_partner_tag(net->partner, net->script_url, j, params, b->timeout_ms, p.s, r->a, &b->tag, r->err)) return 0;
    have_tag = 1;
  } else if (net && params >= 0) {
    med_path_key(&p, path, "params", 6);
    return med_fail(r->err, "invalid_value", p.s, "%s are for the bids of known partners (a network of kind \"known\")",
                    p.s);
  }
missing:;
  const char *missing = !have_id ? "id" : !have_network ? "network" : !have_cpm ? "cpm" : !have_tag ? "tag" : NULL;
  if (missing) {
    med_path_key(&p, path, missing, strlen(missing));
    return med_fail(r->err, "missing_field", p.s, "%s is required", p.s);
  }
  if (b->start_ms != INT64_MIN && b->end_ms != INT64_MAX && b->end_ms <= b->start_ms) {
    med_path_key(&p, path, "end", 3);
    return med_fail(r->err, "invalid_value", p.s, "%s must be after start", p.s);
  }
  med_path_key(&p, path, "tag", 3);
  if (!check_tag_macros(r, b, p.s)) return 0;
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
    med_path p;
    med_str code = med_json_text(j, k, r->a);
    med_path_key(&p, "config.rates", code.s, code.len);
    if (!med_is_currency(code.s, code.len))
      return med_fail(r->err, "invalid_value", p.s, "%s: currencies are 3 capital letters", p.s);
    int64_t nano;
    if (!med_json_is_number(j, k + 1)) return wrong_type(r, p.s, "a number");
    if (!med_json_fixed(j, k + 1, 9, (int64_t)1000000 * 1000000000, &nano) || nano <= 0)
      return med_fail(r->err, "invalid_value", p.s, "%s must be a positive number up to 1000000", p.s);
    med_rate *rt = &c->rates[c->nrates++];
    memcpy(rt->code, code.s, 3);
    rt->code[3] = 0;
    rt->nano = nano;
  }
  return 1;
}

/* A network's consent rule: false (exempt: house ads, contextual-only), or
 * { "purposes": [1, 2, …] } (TCF purpose ids 1..24, at least one). */
static int read_consent_rule(reader *r, int tok, const char *path, uint32_t *purposes) {
  const med_json *j = r->j;
  int flag;
  if (med_json_bool(j, tok, &flag)) {
    if (flag) return med_fail(r->err, "invalid_value", path, "%s is false or {\"purposes\": [ids]}", path);
    *purposes = 0;
    return 1;
  }
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "false or an object");
  uint32_t mask = 0;
  int seen = 0;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    med_path p;
    key_path(r, &p, path, k);
    if (!med_json_streq(j, k, "purposes")) return med_fail(r->err, "unknown_field", p.s, "%s is not a consent field", p.s);
    int arr = k + 1;
    if (!med_json_is_array(j, arr)) return wrong_type(r, p.s, "an array of TCF purpose ids (1..24)");
    for (int e = med_json_first(j, arr); e >= 0; e = med_json_next_elem(j, arr, e)) {
      int64_t id;
      if (!read_int(r, e, p.s, 1, 24, &id)) return 0;
      mask |= 1u << (id - 1);
    }
    seen = 1;
  }
  if (!seen || !mask) return med_fail(r->err, "invalid_value", path, "%s needs purposes, at least one", path);
  *purposes = mask;
  return 1;
}

/* A known partner: kind "known" (or left out) and a partner of partners.h. */
static int read_partner(reader *r, const char *path, med_network *n, int kind, int tok) {
  med_path p;
  if (tok < 0) {
    if (kind != 1) return 1;
    med_path_key(&p, path, "partner", 7);
    return med_fail(r->err, "missing_field", p.s, "%s is required for a known partner", p.s);
  }
  med_path_key(&p, path, "partner", 7);
  if (kind == 0) return med_fail(r->err, "invalid_value", p.s, "%s is for kind \"known\", not \"custom\"", p.s);
  if (!med_json_is_string(r->j, tok)) return wrong_type(r, p.s, "a partner name");
  n->partner = med_partner_find(med_json_text(r->j, tok, r->a));
  if (!n->partner)
    return med_fail(r->err, "invalid_value", p.s,
                    "%s must be google_ad_manager, adsense, prebid, amazon, image or iframe", p.s);
  if (!n->gvl_id) n->gvl_id = (uint32_t)med_partner_get(n->partner)->gvl_id;
  if (med_partner_get(n->partner)->needs_script_url && !n->script_url.len) {
    med_path_key(&p, path, "script_url", 10);
    return med_fail(r->err, "missing_field", p.s, "%s is required: the URL of the publisher's own build", p.s);
  }
  return 1;
}

/* An IANA zone name: letters, digits, / _ - +, no path tricks; whether the host
 * knows it is checked at load (engine.c). */
static int read_zone_name(reader *r, int tok, const char *path, med_str *out) {
  if (!med_json_is_string(r->j, tok)) return wrong_type(r, path, "an IANA time zone name like Europe/Paris");
  med_str s = med_json_text(r->j, tok, r->a);
  int ok = s.len > 0 && s.len <= 64 && s.s[0] != '/' && s.s[0] != '.';
  for (uint32_t i = 0; ok && i < s.len; i++) {
    char ch = s.s[i];
    ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' ||
         ch == '-' || ch == '+';
    if (ch == '/' && i + 1 < s.len && s.s[i + 1] == '.') ok = 0;
  }
  if (!ok) return med_fail(r->err, "invalid_value", path, "%s must be an IANA time zone name like Europe/Paris", path);
  *out = s;
  return 1;
}

static int read_network(reader *r, int tok, const char *path, void *item, const void *ctx) {
  const med_json *j = r->j;
  med_network *n = item;
  (void)ctx;
  if (!med_json_is_object(j, tok)) return wrong_type(r, path, "an object");
  *n = (med_network){{NULL, 0}, {NULL, 0}, 1, 0, 3u, MED_PARTNER_NONE, {NULL, 0}, {NULL, 0}}; /* Purposes 1 and 2, as Prebid.js */
  int kind = -1, partner_tok = -1;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int v = k + 1, ok = 1;
    med_path p;
    key_path(r, &p, path, k);
    if (med_json_streq(j, k, "id")) {
      ok = read_nonempty_string(r, v, p.s, &n->id);
    } else if (med_json_streq(j, k, "name")) {
      if (!med_json_is_string(j, v)) return wrong_type(r, p.s, "a string");
      n->name = med_json_text(j, v, r->a);
    } else if (med_json_streq(j, k, "active")) {
      ok = read_bool(r, v, p.s, &n->active);
    } else if (med_json_streq(j, k, "gvl_id")) {
      int64_t id;
      ok = read_int(r, v, p.s, 1, 65535, &id);
      n->gvl_id = (uint32_t)id;
    } else if (med_json_streq(j, k, "consent")) {
      ok = read_consent_rule(r, v, p.s, &n->purposes);
    } else if (med_json_streq(j, k, "kind")) {
      kind = med_json_streq(j, v, "custom") ? 0 : med_json_streq(j, v, "known") ? 1 : -2;
      if (kind == -2) return med_fail(r->err, "invalid_value", p.s, "%s is \"custom\" or \"known\"", p.s);
    } else if (med_json_streq(j, k, "partner")) {
      partner_tok = v;
    } else if (med_json_streq(j, k, "report_timezone")) {
      ok = read_zone_name(r, v, p.s, &n->report_timezone);
    } else if (med_json_streq(j, k, "script_url")) {
      if (!med_json_is_string(j, v)) return wrong_type(r, p.s, "an http(s) URL");
      n->script_url = med_json_text(j, v, r->a);
      if (!med_partner_url_ok(n->script_url))
        return med_fail(r->err, "invalid_value", p.s, "%s must be an absolute http(s) URL", p.s);
    }
    if (!ok) return 0;
  }
  if (!n->id.s) {
    med_path p;
    med_path_key(&p, path, "id", 2);
    return med_fail(r->err, "missing_field", p.s, "%s is required", p.s);
  }
  return read_partner(r, path, n, kind, partner_tok);
}

/* An IANA zone name as tzdata spells them ("Europe/Paris", "America/Argentina/
 * Buenos_Aires", "Etc/GMT+5"); whether the zone exists is the host's to say. */

/* ---- ids used twice ---- */

typedef struct {
  const char *items;
  size_t size, id_offset;
} id_table;

static med_str id_at(const id_table *t, uint32_t i) {
  med_str id;
  memcpy(&id, t->items + (size_t)i * t->size + t->id_offset, sizeof id);
  return id;
}

static int id_less(uint32_t a, uint32_t b, const void *ctx) { return med_str_cmp(id_at(ctx, a), id_at(ctx, b)) < 0; }

/* Items sorted by id, to find a repeated one in n log n without a second table;
 * the later of the two is named: list[i].id. */
static int check_unique_ids(reader *r, const id_table *t, uint32_t n, const char *list, const char *what) {
  if (n < 2) return 1;
  uint32_t *idx = med_arena_alloc(r->tmp, sizeof(uint32_t) * n), *tmp = med_arena_alloc(r->tmp, sizeof(uint32_t) * n);
  if (!idx || !tmp) return oom(r);
  for (uint32_t i = 0; i < n; i++) idx[i] = i;
  med_sort(idx, n, tmp, id_less, t);
  for (uint32_t i = 1; i < n; i++) {
    med_str id = id_at(t, idx[i]);
    if (!med_str_eq(id, id_at(t, idx[i - 1]))) continue;
    med_path item, p;
    med_path_index(&item, list, idx[i] > idx[i - 1] ? idx[i] : idx[i - 1]);
    med_path_key(&p, item.s, "id", 2);
    return med_fail(r->err, "duplicate_id", p.s, "%s \"%.*s\" is used by an earlier %s", p.s,
                    (int)(id.len > MED_PATH_KEY_MAX ? MED_PATH_KEY_MAX : id.len), id.s, what);
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

/* Each bid of parts tokenized alone in the scratch arena, which is reset after it. */
static int read_bid_parts(reader *r, const med_config_parts *parts) {
  med_config *c = r->c;
  med_arena *s = parts->scratch;
  c->bids = alloc_n(r, parts->nbids, sizeof(med_mbid));
  if (!c->bids) return oom(r);
  for (uint32_t i = 0; i < parts->nbids; i++) {
    size_t mark = s->used;
    med_json one;
    med_path p;
    med_path_index(&p, "config.mediated_bids", i);
    if (!med_json_parse(&one, parts->text + parts->bids[i].start, parts->bids[i].end - parts->bids[i].start, s,
                        r->err))
      return 0;
    reader each = *r;
    each.j = &one;
    if (!read_mbid(&each, 0, p.s, &c->bids[i], NULL)) return 0;
    c->nbids = i + 1;
    s->used = mark;
  }
  return 1;
}

int med_config_read(med_config *c, const med_json *j, int root, med_arena *a, med_error *err) {
  return med_config_read_parts(c, j, root, NULL, a, err);
}

int med_config_read_parts(med_config *c, const med_json *j, int root, const med_config_parts *parts, med_arena *a,
                          med_error *err) {
  reader r = {j, a, err, c, parts ? parts->scratch : a};
  memset(c, 0, sizeof *c);
  memcpy(c->currency, "USD", 4);
  c->max_waterfall = 4;
  c->waterfall_timeout_ms = 3000;
  c->explore_share = 20000; /* 2% */
  if (!med_json_is_object(j, root)) return wrong_type(&r, "config", "an object");
  if (!med_symtab_init(&c->syms, 16, a)) return oom(&r);
  int networks = -1, bids = -1, rates = -1, fixed_offset = 0;
  for (int k = med_json_first(j, root); k >= 0; k = med_json_next_key(j, root, k)) {
    int v = k + 1;
    if (med_json_streq(j, k, "currency")) {
      med_str code = med_json_is_string(j, v) ? med_json_text(j, v, a) : (med_str){"", 0};
      if (!med_is_currency(code.s, code.len))
        return med_fail(err, "invalid_value", "config.currency", "config.currency must be 3 capital letters, like USD");
      memcpy(c->currency, code.s, 3);
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
      fixed_offset = 1;
    } else if (med_json_streq(j, k, "timezone")) {
      if (!read_zone_name(&r, v, "config.timezone", &c->timezone)) return 0;
    } else if (med_json_streq(j, k, "default_gdpr_applies")) {
      if (!read_bool(&r, v, "config.default_gdpr_applies", &c->default_gdpr_applies)) return 0;
    } else if (med_json_streq(j, k, "enforce_us_privacy")) {
      if (!read_bool(&r, v, "config.enforce_us_privacy", &c->enforce_us_privacy)) return 0;
    } else if (med_json_streq(j, k, "optimize")) {
      if (!read_bool(&r, v, "config.optimize", &c->optimize)) return 0;
    } else if (med_json_streq(j, k, "explore_share")) {
      int64_t share;
      if (!med_json_is_number(j, v)) return wrong_type(&r, "config.explore_share", "a number");
      if (!med_json_fixed(j, v, 6, 200000, &share) || share < 0)
        return med_fail(err, "invalid_value", "config.explore_share", "config.explore_share must be from 0 to 0.2");
      c->explore_share = (int32_t)share;
    } else if (med_json_streq(j, k, "networks")) {
      networks = v;
    } else if (med_json_streq(j, k, "mediated_bids")) {
      bids = v;
    }
  }
  if (fixed_offset && c->timezone.len)
    return med_fail(err, "invalid_value", "config.timezone",
                    "config.timezone and config.timezone_offset_min cannot both be given");
  c->minor_unit = med_minor_unit_micros(c->currency);
  if (rates >= 0 && !read_rates(&r, rates)) return 0;
  if (networks >= 0) {
    c->networks = read_array(&r, networks, "config.networks", "an array of networks", sizeof(med_network),
                             read_network, NULL, &c->nnetworks);
    id_table ids = {(const char *)c->networks, sizeof(med_network), offsetof(med_network, id)};
    if (!c->networks || !check_unique_ids(&r, &ids, c->nnetworks, "config.networks", "network")) return 0;
  }
  if (parts || bids >= 0) {
    if (parts ? !read_bid_parts(&r, parts)
              : !(c->bids = read_array(&r, bids, "config.mediated_bids", "an array", sizeof(med_mbid), read_mbid, NULL,
                                       &c->nbids)))
      return 0;
    id_table ids = {(const char *)c->bids, sizeof(med_mbid), offsetof(med_mbid, id)};
    if (!check_unique_ids(&r, &ids, c->nbids, "config.mediated_bids", "mediated bid")) return 0;
  }
  return build_index(&r);
}

int64_t med_config_rate(const med_config *c, med_str code) {
  if (code.len != 3) return 0;
  if (memcmp(code.s, c->currency, 3) == 0) return 1000000000;
  for (uint32_t i = 0; i < c->nrates; i++)
    if (memcmp(c->rates[i].code, code.s, 3) == 0) return c->rates[i].nano;
  return 0;
}
