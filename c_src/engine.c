/* engine.c — from an input document to an output document: parse once, read the
 * parts, run the auction, write the answer or the error. */
#include "engine.h"

#include <string.h>

#include "auction.h"
#include "config_load.h"
#include "isotime.h"
#include "openrtb.h"
#include "result.h"
#ifndef MED_NO_STATS
#include "reports.h"
#include "suggest.h"
#include "stats.h"
#endif

static int finish_error(med_out *out, med_arena *a, const med_error *err) {
  if (a->failed) return MED_NO_ROOM;
  out->len = 0;
  out->overflow = 0;
  med_error_write(out, err);
  return out->overflow ? MED_NO_ROOM : MED_BAD_INPUT;
}

static int parse_object(med_json *j, const char *doc, size_t len, med_arena *a, const char *what, med_error *err) {
  if (!med_json_parse(j, doc, len, a, err)) return 0;
  if (!med_json_is_object(j, 0)) return med_fail(err, "not_object", "", "the %s must be a JSON object", what);
  return 1;
}

/* The host's UTC offset of zone z at utc_ms, if it knows the zone. */
static int zone_offset(const med_zones *zones, med_str z, int64_t utc_ms, int32_t *offset_min) {
  return zones && zones->fn && zones->fn(zones->ctx, z.s, z.len, utc_ms, offset_min) && *offset_min >= -1440 &&
         *offset_min <= 1440;
}

/* The config's UTC offset at utc_ms: its fixed offset, or its zone's there. */
static int local_offset(const med_config *cfg, const med_zones *zones, int64_t utc_ms, int32_t *offset_min,
                        med_error *err) {
  *offset_min = cfg->tz_offset_min;
  if (!cfg->timezone.len || zone_offset(zones, cfg->timezone, utc_ms, offset_min)) return 1;
  return med_fail(err, "unknown_timezone", "config.timezone", "config.timezone \"%.*s\" is not a zone this host knows",
                  (int)cfg->timezone.len, cfg->timezone.s);
}

/* Each network's report time zone must be one the host knows: its reports' days are
 * read in it (the server counts fills per day of that zone). */
static int report_zones_known(const med_config *cfg, const med_zones *zones, med_error *err) {
  for (uint32_t i = 0; i < cfg->nnetworks; i++) {
    med_str z = cfg->networks[i].report_timezone;
    int32_t offset;
    if (!z.len || zone_offset(zones, z, 0, &offset)) continue;
    med_path item, p;
    med_path_index(&item, "config.networks", i);
    med_path_key(&p, item.s, "report_timezone", 15);
    return med_fail(err, "unknown_timezone", p.s, "%s \"%.*s\" is not a zone this host knows", p.s, (int)z.len, z.s);
  }
  return 1;
}

int med_load_config(const char *doc, size_t len, int text_kept, med_config *cfg, const med_zones *zones,
                    med_arena *keep, med_arena *scratch, med_out *out) {
  med_error err = {0};
  int32_t offset;
  const char *text = doc;
  if (!text_kept) {
    char *copy = med_arena_alloc(keep, len + 1);
    if (!copy) return MED_NO_ROOM;
    memcpy(copy, doc, len);
    copy[len] = 0;
    text = copy;
  }
  if (!med_config_load_text(cfg, text, len, keep, scratch, &err) || !local_offset(cfg, zones, 0, &offset, &err) ||
      !report_zones_known(cfg, zones, &err)) {
    if (keep->failed || scratch->failed) return MED_NO_ROOM;
    return finish_error(out, scratch, &err);
  }
  /* A read that ran out of room may have carried on with a fallback: never keep it. */
  return keep->failed || scratch->failed ? MED_NO_ROOM : MED_OK;
}

typedef struct {
  int config, request, bids, now, explain;
} doc_parts;

static int find_parts(const med_json *j, doc_parts *p, med_error *err) {
  *p = (doc_parts){-1, -1, -1, -1, -1};
  for (int k = med_json_first(j, 0); k >= 0; k = med_json_next_key(j, 0, k)) {
    med_str key = med_json_str(j, k);
    if (med_str_eq_lit(key, "config")) p->config = k + 1;
    else if (med_str_eq_lit(key, "request")) p->request = k + 1;
    else if (med_str_eq_lit(key, "bids")) p->bids = k + 1;
    else if (med_str_eq_lit(key, "now")) p->now = k + 1;
    else if (med_str_eq_lit(key, "explain")) p->explain = k + 1;
  }
  if (p->request < 0) return med_fail(err, "missing_field", "request", "request (an OpenRTB BidRequest) is required");
  if (p->now < 0) return med_fail(err, "missing_field", "now", "now (the time of the auction) is required");
  return 1;
}

int med_run_auction(const char *doc, size_t len, const med_config *cfg, const med_zones *zones, med_arena *a,
                    med_out *out) {
  med_error err = {0};
  med_json j;
  doc_parts p;
  med_config inline_cfg;
  med_request q;
  med_bidset bids;
  med_result res;
  int64_t now_ms;
  int32_t offset;
  int explain = 0;
  out->len = 0;
  out->overflow = 0;
  if (!parse_object(&j, doc, len, a, "input", &err) || !find_parts(&j, &p, &err)) return finish_error(out, a, &err);
  if (!cfg) {
    if (p.config < 0) {
      med_fail(&err, "missing_field", "config", "config is required (or a loaded config handle)");
      return finish_error(out, a, &err);
    }
    if (!med_config_read(&inline_cfg, &j, p.config, a, &err)) return finish_error(out, a, &err);
    cfg = &inline_cfg;
  }
  if (!med_json_is_string(&j, p.now) || !med_time_parse(j.src + j.tok[p.now].start,
                                                         (size_t)(j.tok[p.now].end - j.tok[p.now].start), &now_ms)) {
    med_fail(&err, "invalid_time", "now", "now must be a time like 2026-11-27T12:00:00Z");
    return finish_error(out, a, &err);
  }
  if (!local_offset(cfg, zones, now_ms, &offset, &err)) return finish_error(out, a, &err);
  if (p.explain >= 0 && !med_json_is_null(&j, p.explain) && !med_json_bool(&j, p.explain, &explain)) {
    med_fail(&err, "wrong_type", "explain", "explain must be true or false");
    return finish_error(out, a, &err);
  }
  if (!med_request_read(&q, &j, p.request, a, &err) || !med_bids_read(&bids, &j, p.bids, &q, a, &err) ||
      !med_auction_run(&res, cfg, &q, &bids, &j, now_ms, offset, explain, a, &err))
    return finish_error(out, a, &err);
  med_result_write(out, &res, cfg, &q, &bids, now_ms);
  /* Some reads fall back when the arena is full (a raw string, an empty list);
   * such an answer is not the answer: the host retries with more room. */
  return out->overflow || a->failed ? MED_NO_ROOM : MED_OK;
}

#ifndef MED_NO_STATS
int med_run_stats(const char *doc, size_t len, med_arena *a, med_out *out) {
  med_error err = {0};
  med_json j;
  out->len = 0;
  out->overflow = 0;
  if (!parse_object(&j, doc, len, a, "input", &err) || !med_stats_run(&j, a, out, &err)) return finish_error(out, a, &err);
  if (a->failed) return MED_NO_ROOM;
  return out->overflow ? MED_NO_ROOM : MED_OK;
}

int med_run_suggest(const char *doc, size_t len, med_arena *a, med_out *out) {
  med_error err = {0};
  med_json j;
  out->len = 0;
  out->overflow = 0;
  if (!parse_object(&j, doc, len, a, "input", &err) || !med_suggest_run(&j, a, out, &err)) {
    if (a->failed) return MED_NO_ROOM;
    return finish_error(out, a, &err);
  }
  return a->failed || out->overflow ? MED_NO_ROOM : MED_OK;
}

int med_run_import(const char *csv, size_t len, med_arena *a, med_out *out) {
  out->len = 0;
  out->overflow = 0;
  if (!med_reports_read_csv(csv, len, a, out) || out->overflow) return MED_NO_ROOM;
  return MED_OK;
}
#endif
