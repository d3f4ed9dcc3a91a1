/* targeting.c — matching a bid's targeting profile against one impression. */
#include "targeting.h"

#include "isotime.h"

static int has_id(const med_idlist *l, uint32_t id) {
  for (uint32_t i = 0; i < l->n; i++)
    if (l->ids[i] == id) return 1;
  return 0;
}

static int has_any(const med_idlist *l, const uint32_t *ids, uint32_t n) {
  for (uint32_t k = 0; k < n; k++)
    if (ids[k] && has_id(l, ids[k])) return 1;
  return 0;
}

static int has_country(const med_targets *t, uint16_t c) {
  for (uint32_t i = 0; i < t->ncountries; i++)
    if (t->countries[i] == c) return 1;
  return 0;
}

static int in_daypart(const med_daypart *d, int weekday, int hour) {
  if (!(d->days & (1u << weekday))) return 0;
  return d->from < d->to ? hour >= d->from && hour < d->to : hour >= d->from || hour < d->to;
}

void med_request_features(med_req_features *f, const med_config *c, const med_request *q, int64_t now_ms,
                          int32_t offset_min) {
  f->supply = q->supply;
  f->devbit = q->devicetype > 0 && q->devicetype < 32 ? 1u << q->devicetype : 0;
  f->country = q->country;
  f->region = q->region.len ? med_symtab_find(&c->syms, MED_NS_REGION, q->region) : 0;
  f->os = q->os.len ? med_symtab_find(&c->syms, MED_NS_OS, q->os) : 0;
  f->ndomains = 0;
  med_str d = q->domain;
  while (d.len && f->ndomains < MED_MAX_DOMAIN_LEVELS) {
    uint32_t id = med_symtab_find(&c->syms, MED_NS_DOMAIN, d);
    if (id) f->domains[f->ndomains++] = id;
    uint32_t k = 0;
    while (k < d.len && d.s[k] != '.') k++;
    if (k >= d.len) break;
    d.s += k + 1;
    d.len -= k + 1;
  }
  if (q->bundle.len) {
    uint32_t id = med_symtab_find(&c->syms, MED_NS_DOMAIN, q->bundle);
    if (id) f->domains[f->ndomains++] = id;
  }
  int64_t local = now_ms + (int64_t)offset_min * 60000;
  f->weekday = med_time_weekday(local);
  f->hour = med_time_hour(local);
  f->now_ms = now_ms;
}

static void add_kv(med_imp_features *f, const med_config *c, med_str key, const med_json *j, int v, med_arena *a) {
  uint32_t id = med_symtab_find_kv(&c->syms, key, med_json_text(j, v, a));
  if (id) f->kvs[f->nkvs++] = id;
}

int med_imp_features_of(med_imp_features *f, const med_config *c, const med_json *j, const med_imp *imp, med_arena *a) {
  f->placement = imp->tagid.len ? med_symtab_find(&c->syms, MED_NS_PLACEMENT, imp->tagid) : 0;
  f->kvs = NULL;
  f->nkvs = 0;
  if (imp->kv < 0) return 1;
  /* At most one symbol per value token inside ext.data. */
  int end = med_json_skip(j, imp->kv);
  f->kvs = med_arena_alloc(a, sizeof(uint32_t) * (size_t)(end - imp->kv));
  if (!f->kvs) return 0;
  for (int k = med_json_first(j, imp->kv); k >= 0; k = med_json_next_key(j, imp->kv, k)) {
    int v = k + 1;
    med_str key = med_json_text(j, k, a);
    if (med_json_is_string(j, v)) {
      add_kv(f, c, key, j, v, a);
    } else if (med_json_is_array(j, v)) {
      for (int e = med_json_first(j, v); e >= 0; e = med_json_next_elem(j, v, e))
        if (med_json_is_string(j, e)) add_kv(f, c, key, j, e, a);
    }
  }
  return 1;
}

/* NULL when every constrained dimension matches, else the failing one's name. */
static const char *include_mismatch(const med_targets *t, const med_req_features *rf, const med_imp_features *imf) {
  if (t->placements.n && !has_id(&t->placements, imf->placement)) return "placements";
  if (t->supply && !(t->supply & rf->supply)) return "supply_type";
  if (t->devicetypes && !(t->devicetypes & rf->devbit)) return "device_types";
  if (t->ncountries && !has_country(t, rf->country)) return "countries";
  if (t->regions.n && !has_id(&t->regions, rf->region)) return "regions";
  if (t->os.n && !has_id(&t->os, rf->os)) return "os";
  if (t->domains.n && !has_any(&t->domains, rf->domains, rf->ndomains)) return "domains";
  if (t->ndayparts) {
    uint32_t k = 0;
    while (k < t->ndayparts && !in_daypart(&t->dayparts[k], rf->weekday, rf->hour)) k++;
    if (k == t->ndayparts) return "dayparts";
  }
  for (uint32_t k = 0; k < t->nkvs; k++)
    if (!has_any(&t->kvs[k].values, imf->kvs, imf->nkvs)) return "key_values";
  return NULL;
}

/* NULL when nothing the exclude list names is present. */
static const char *exclude_hit(const med_targets *t, const med_req_features *rf, const med_imp_features *imf) {
  if (t->placements.n && imf->placement && has_id(&t->placements, imf->placement)) return "exclude.placements";
  if (t->supply & rf->supply) return "exclude.supply_type";
  if (t->devicetypes & rf->devbit) return "exclude.device_types";
  if (t->ncountries && rf->country && has_country(t, rf->country)) return "exclude.countries";
  if (t->regions.n && rf->region && has_id(&t->regions, rf->region)) return "exclude.regions";
  if (t->os.n && rf->os && has_id(&t->os, rf->os)) return "exclude.os";
  if (t->domains.n && has_any(&t->domains, rf->domains, rf->ndomains)) return "exclude.domains";
  for (uint32_t k = 0; k < t->ndayparts; k++)
    if (in_daypart(&t->dayparts[k], rf->weekday, rf->hour)) return "exclude.dayparts";
  for (uint32_t k = 0; k < t->nkvs; k++)
    if (has_any(&t->kvs[k].values, imf->kvs, imf->nkvs)) return "exclude.key_values";
  return NULL;
}

/* The first of the bid's sizes that the imp accepts. A bid with no sizes takes the
 * imp's first format; an imp with no formats accepts any size. */
static int fit_size(const med_mbid *b, const med_imp *imp, med_size *out) {
  if (!b->nsizes) {
    *out = imp->nformats ? imp->formats[0] : (med_size){0, 0};
    return 1;
  }
  if (!imp->nformats) {
    *out = b->sizes[0];
    return 1;
  }
  for (uint32_t i = 0; i < b->nsizes; i++)
    for (uint32_t k = 0; k < imp->nformats; k++)
      if (b->sizes[i].w == imp->formats[k].w && b->sizes[i].h == imp->formats[k].h) {
        *out = b->sizes[i];
        return 1;
      }
  return 0;
}

med_eligibility med_bid_eligible(const med_mbid *b, const med_req_features *rf, const med_imp_features *imf,
                                 const med_imp *imp, med_size *size, const char **detail) {
  *detail = NULL;
  if (!b->active) return MED_OUT_INACTIVE;
  if (rf->now_ms < b->start_ms || rf->now_ms >= b->end_ms) return MED_OUT_FLIGHT;
  if ((*detail = include_mismatch(&b->include, rf, imf)) != NULL) return MED_OUT_TARGETING;
  if (b->exclude && (*detail = exclude_hit(b->exclude, rf, imf)) != NULL) return MED_OUT_TARGETING;
  if (!fit_size(b, imp, size)) return MED_OUT_SIZE;
  return MED_ELIGIBLE;
}
