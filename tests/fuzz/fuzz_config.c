/* fuzz_config.c — fuzzes loading a config: med_config_load (api.h) and, on an
 * exact-size copy of the same bytes, the reader under it (med_json_parse then
 * med_config_read, config.h).
 *
 * Invariants (abort() on violation):
 *  - the reader fails only with an error code; a config it reads is well formed:
 *    currency and rates are 3 capitals with positive rates, max_waterfall 1..100,
 *    timeouts 1..MED_MAX_TIMEOUT_MS, network ids non-empty and unique, every bid
 *    names a network, has a unique id, a CPM in [0, MED_MAX_MICROS], sizes in
 *    range, start < end, is inactive when its network is; the placement index
 *    holds every active bid once per placement it targets (untargeted ones in
 *    `untargeted`), in config order, with symbol ids in range;
 *  - med_config_load gives a handle exactly when the reader accepts, and answers
 *    {"ok":true} or an error document that is valid JSON;
 *  - with the handle, a fixed auction answers valid JSON (status 0, or 2 when the
 *    config has no rate for the request's USD floor), and the very same status and
 *    bytes as the same auction with this config inline (handle 0);
 *  - unload answers 1 once, then 0; the freed slot is reused by the next load;
 *  - nothing leaks (LeakSanitizer). */
#include "api.h"
#include "config.h"
#include "result.h"
#include "fuzz_common.h"

static const char REQUEST[] =
    "\"request\":{\"id\":\"fz\",\"imp\":[{\"id\":\"1\",\"tagid\":\"home-top\",\"banner\":{\"format\":[{\"w\":300,\"h\":250},"
    "{\"w\":320,\"h\":50}]},\"bidfloor\":0.5,\"ext\":{\"data\":{\"section\":\"sports\",\"k\":[\"a\",\"b\"]}}},"
    "{\"id\":\"2\",\"banner\":{\"w\":728,\"h\":90},\"bidfloor\":1}],"
    "\"site\":{\"page\":\"https://www.news.example.com/a\"},"
    "\"device\":{\"devicetype\":4,\"os\":\"iOS\",\"geo\":{\"country\":\"USA\",\"region\":\"CA\"}}},"
    "\"bids\":[{\"id\":\"fz\",\"cur\":\"EUR\",\"seatbid\":[{\"seat\":\"s\",\"bid\":[{\"id\":\"b1\",\"impid\":\"1\","
    "\"price\":1.5,\"adm\":\"<a>${AUCTION_PRICE}</a>\",\"w\":300,\"h\":250},{\"id\":\"b2\",\"impid\":\"2\","
    "\"price\":2,\"nurl\":\"https://x.example/${AUCTION_PRICE}\"}]}]}],\"now\":\"2026-11-27T12:00:00Z\"";

static void check_config(const med_config *c) {
  for (int k = 0; k < 3; k++) FZ_ASSERT(c->currency[k] >= 'A' && c->currency[k] <= 'Z', "currency is 3 capitals");
  FZ_ASSERT(c->max_waterfall >= 1 && c->max_waterfall <= 100, "max_waterfall in range");
  FZ_ASSERT(c->waterfall_timeout_ms >= 1 && c->waterfall_timeout_ms <= MED_MAX_TIMEOUT_MS, "budget in range");
  FZ_ASSERT(c->tz_offset_min >= -1440 && c->tz_offset_min <= 1440, "time zone in range");
  for (uint32_t i = 0; i < c->nrates; i++) {
    for (int k = 0; k < 3; k++) FZ_ASSERT(c->rates[i].code[k] >= 'A' && c->rates[i].code[k] <= 'Z', "rate code");
    FZ_ASSERT(c->rates[i].nano > 0, "rates are positive");
  }
  for (uint32_t i = 0; i < c->nnetworks; i++) {
    FZ_ASSERT(c->networks[i].id.len > 0, "network ids are not empty");
    for (uint32_t k = 0; k < i; k++) FZ_ASSERT(!med_str_eq(c->networks[i].id, c->networks[k].id), "network ids unique");
  }
  uint32_t nsyms = c->syms.nsyms;
  for (uint32_t i = 0; i < c->nbids; i++) {
    const med_mbid *b = &c->bids[i];
    FZ_ASSERT(b->id.len > 0 && b->tag.len > 0, "a bid has an id and a tag");
    for (uint32_t k = 0; k < i; k++) FZ_ASSERT(!med_str_eq(b->id, c->bids[k].id), "bid ids unique");
    FZ_ASSERT(b->network < c->nnetworks, "a bid names a network");
    if (!c->networks[b->network].active) FZ_ASSERT(!b->active, "an inactive network's bids are inactive");
    FZ_ASSERT(b->cpm >= 0 && b->cpm <= MED_MAX_MICROS, "cpm in range");
    FZ_ASSERT(b->timeout_ms >= 1 && b->timeout_ms <= MED_MAX_TIMEOUT_MS, "timeout in range");
    FZ_ASSERT(b->start_ms < b->end_ms, "a flight starts before it ends");
    for (uint32_t k = 0; k < b->nsizes; k++)
      FZ_ASSERT(b->sizes[k].w >= 1 && b->sizes[k].w <= 100000 && b->sizes[k].h >= 1 && b->sizes[k].h <= 100000, "size");
    const med_targets *ts[2] = {&b->include, b->exclude};
    for (int t = 0; t < (b->exclude ? 2 : 1); t++) {
      const med_idlist *ls[4] = {&ts[t]->placements, &ts[t]->regions, &ts[t]->os, &ts[t]->domains};
      for (int l = 0; l < 4; l++)
        for (uint32_t k = 0; k < ls[l]->n; k++) FZ_ASSERT(ls[l]->ids[k] >= 1 && ls[l]->ids[k] < nsyms, "symbol id");
      for (uint32_t k = 0; k < ts[t]->nkvs; k++)
        for (uint32_t v = 0; v < ts[t]->kvs[k].values.n; v++)
          FZ_ASSERT(ts[t]->kvs[k].values.ids[v] >= 1 && ts[t]->kvs[k].values.ids[v] < nsyms, "kv symbol id");
      for (uint32_t k = 0; k < ts[t]->ndayparts; k++) {
        const med_daypart *d = &ts[t]->dayparts[k];
        FZ_ASSERT(d->from <= 24 && d->to <= 24 && d->from != d->to && !(d->days & 1), "daypart in range");
      }
    }
  }
  /* The placement index. */
  uint32_t nun = 0;
  for (uint32_t i = 0; i < c->nbids; i++) {
    const med_mbid *b = &c->bids[i];
    if (b->active && !b->include.placements.n) {
      FZ_ASSERT(nun < c->nuntargeted && c->untargeted[nun] == i, "untargeted holds the active untargeted bids in order");
      nun++;
    }
  }
  FZ_ASSERT(nun == c->nuntargeted, "untargeted holds nothing else");
  for (uint32_t s = 1; s < nsyms; s++) {
    FZ_ASSERT(c->placement_start[s] <= c->placement_end[s], "a slice is well formed");
    FZ_ASSERT(s + 1 >= nsyms || c->placement_end[s] <= c->placement_start[s + 1], "slices do not overlap");
    for (uint32_t k = c->placement_start[s]; k < c->placement_end[s]; k++) {
      uint32_t i = c->by_placement[k];
      FZ_ASSERT(i < c->nbids && c->bids[i].active, "an indexed bid is active");
      FZ_ASSERT(k == c->placement_start[s] || c->by_placement[k - 1] < i, "a slice ascends, without repeats");
      int targets = 0;
      for (uint32_t p = 0; p < c->bids[i].include.placements.n; p++) targets |= c->bids[i].include.placements.ids[p] == s;
      FZ_ASSERT(targets, "an indexed bid targets its placement");
    }
  }
  for (uint32_t i = 0; i < c->nbids; i++) {
    const med_mbid *b = &c->bids[i];
    for (uint32_t p = 0; b->active && p < b->include.placements.n; p++) {
      uint32_t s = b->include.placements.ids[p], k;
      for (k = c->placement_start[s]; k < c->placement_end[s] && c->by_placement[k] != i; k++) {}
      FZ_ASSERT(k < c->placement_end[s], "an active bid is indexed under each placement it targets");
    }
  }
}

static int32_t load(med_engine *e, const char *doc, size_t len) {
  char *in = med_input(e, len);
  FZ_ASSERT(in != NULL, "input buffer");
  memcpy(in, doc, len);
  int32_t h = med_config_load(e, len);
  const char *out = med_output(e);
  size_t n = med_output_len(e);
  FZ_ASSERT(h >= 0, "a handle or 0");
  FZ_ASSERT(fz_json_valid(out, n), "the load answer is valid JSON");
  if (h) FZ_ASSERT(n == 11 && memcmp(out, "{\"ok\":true}", 11) == 0, "a handle comes with {\"ok\":true}");
  else FZ_ASSERT(fz_starts(out, n, "{\"error\":{\"code\":"), "no handle comes with an error");
  return h;
}

static char *auction(med_engine *e, const char *doc, size_t len, int32_t h, size_t *n, int32_t *st_out) {
  char *in = med_input(e, len);
  FZ_ASSERT(in != NULL, "input buffer");
  memcpy(in, doc, len);
  int32_t st = med_auction(e, len, h);
  *n = med_output_len(e);
  fz_check_answer(med_output(e), *n, st, "{\"id\":\"fz\"");
  *st_out = st;
  return fz_copy(med_output(e), *n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1 << 20)) return 0;
  char *doc = fz_copy(data, size);

  /* The reader, on exact-size memory. */
  size_t cap = size * 64 + 65536;
  char *mem = malloc(cap);
  FZ_ASSERT(mem != NULL, "memory");
  med_arena a;
  med_arena_init(&a, mem, cap);
  med_json j;
  med_config cfg;
  med_error err = {0};
  int ok = med_json_parse(&j, doc, size, &a, &err) && med_json_is_object(&j, 0) && med_config_read(&cfg, &j, 0, &a, &err);
  int read = ok;
  int32_t offset;
  /* A zone the (stand-in) database does not know is refused by the load alone. */
  if (ok && cfg.timezone.len) ok = fz_zone_offset(NULL, cfg.timezone.s, cfg.timezone.len, 0, &offset);
  for (uint32_t i = 0; ok && i < cfg.nnetworks; i++) /* and so is a network's report zone */
    if (cfg.networks[i].report_timezone.len)
      ok = fz_zone_offset(NULL, cfg.networks[i].report_timezone.s, cfg.networks[i].report_timezone.len, 0, &offset);
  int oom = a.failed;
  if (ok && !oom) check_config(&cfg);
  if (!read && !oom && j.ntok > 0 && med_json_is_object(&j, 0)) FZ_ASSERT(err.code != NULL, "a refused config has an error code");
  free(mem);

  med_engine *e = fz_engine_new();
  FZ_ASSERT(e != NULL, "engine");
  int32_t h = load(e, doc, size);
  if (!oom) FZ_ASSERT((h > 0) == ok, "med_config_load agrees with med_config_read");
  if (!oom && !read && err.code) { /* loaded a bid at a time (config_load.h), it fails with the same error */
    char want[512];
    med_out wo;
    med_out_init(&wo, want, sizeof want);
    med_error_write(&wo, &err);
    FZ_ASSERT(med_output_len(e) == wo.len && memcmp(med_output(e), want, wo.len) == 0,
              "med_config_load gives the error med_config_read gives");
  }
  if (h > 0) {
    int explain = size & 1;
    size_t nreq = sizeof REQUEST - 1, n1, n2;
    size_t len = nreq + 40;
    char *tail = malloc(len);
    int tl = snprintf(tail, len, ",%s,\"explain\":%s}", REQUEST, explain ? "true" : "false");
    char *with_handle = malloc((size_t)tl + 2), *inline_doc = malloc(size + (size_t)tl + 16);
    snprintf(with_handle, (size_t)tl + 2, "{%s", tail + 1);
    memcpy(inline_doc, "{\"config\":", 10);
    memcpy(inline_doc + 10, doc, size);
    memcpy(inline_doc + 10 + size, tail, (size_t)tl);
    int32_t st1, st2;
    char *r1 = auction(e, with_handle, (size_t)tl, h, &n1, &st1);
    char *r2 = auction(e, inline_doc, 10 + size + (size_t)tl, 0, &n2, &st2);
    FZ_ASSERT(st1 == st2 && n1 == n2 && memcmp(r1, r2, n1) == 0,
              "a loaded config and the same config inline give the same answer");
    free(r1);
    free(r2);
    free(tail);
    free(with_handle);
    free(inline_doc);
    FZ_ASSERT(med_config_unload(e, h) == 1, "unload once");
    FZ_ASSERT(med_config_unload(e, h) == 0, "not twice");
    int32_t again = load(e, doc, size);
    FZ_ASSERT(again != h && (again & 0xffff) == (h & 0xffff), "the freed slot is reused, under a new handle");
    FZ_ASSERT(med_config_unload(e, h) == 0, "the old handle does not free the new config");
    FZ_ASSERT(med_config_unload(e, again) == 1, "the new handle does");
  }
  med_engine_free(e);
  free(doc);
  return 0;
}
