/* test_api.c — the host surface of api.h: config handles that never alias after a
 * release, lengths the input buffer cannot hold, sizes that would wrap, and configs
 * loaded a bid at a time (config_load.h) that read and fail as when read whole. */
#include <stdint.h>

#include "api.h"
#include "check.h"
#include "config.h"
#include "result.h"

static const char *CONFIG = "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"m\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"}]}";
static const char *AUCTION = "{\"request\":{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]},\"now\":\"2026-11-27T12:00:00Z\"}";

static size_t put(med_engine *e, const char *doc) {
  size_t n = strlen(doc);
  memcpy(med_input(e, n), doc, n);
  return n;
}

static int output_has(med_engine *e, const char *s) {
  char buf[512];
  size_t n = med_output_len(e) < sizeof buf - 1 ? med_output_len(e) : sizeof buf - 1;
  memcpy(buf, med_output(e), n);
  buf[n] = 0;
  return strstr(buf, s) != NULL;
}

/* A stand-in zone database: "Test/Shift" is UTC+1 before 2026-03-29T01:00Z and
 * UTC+2 from then on; no other zone exists. */
static int fake_zones(void *ctx, const char *zone, size_t len, int64_t utc_ms, int32_t *offset_min) {
  (void)ctx;
  if (len != 10 || memcmp(zone, "Test/Shift", 10) != 0) return 0;
  *offset_min = utc_ms < 1774746000000 ? 60 : 120;
  return 1;
}

static const char *ZONED = "{\"timezone\":\"Test/Shift\",\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"m\","
                           "\"network\":\"n\",\"cpm\":1,\"tag\":\"t\",\"targeting\":{\"dayparts\":[{\"hours\":[9,10]}]}}]}";

/* An auction at `now` with the zoned config: 1 if the 9-to-10 bid is in. */
static int zoned_bid_in(med_engine *e, int32_t h, const char *now) {
  char doc[256];
  snprintf(doc, sizeof doc, "{\"request\":{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]},\"now\":\"%s\"}", now);
  return med_auction(e, put(e, doc), h) == 0 && output_has(e, "\"bid\":\"m\"") && !output_has(e, "\"reason\"");
}

/* Configs whose cutting into bids is easy to get wrong: each must load, or fail
 * with the very error, as when the whole text is tokenized and read. */
static const char *TRICKY[] = {
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"},"
    "{\"id\":\"b\",}]}",
    /* a bid's error, then a syntax error further on: the syntax error is the one */
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"x\",\"cpm\":1,\"tag\":\"t\"},"
    "{\"id\":\"b\" \"network\":\"n\"}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"},]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,"
    "\"tag\":\"t\"}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":null}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":\"x\"}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"}}}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"},"
    "{\"id\":\"a\",\"network\":\"n\",\"cpm\":2,\"tag\":\"u\"}]}",
    "{\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"}],\"networks\":[{\"id\":\"n\"}]}",
    " { \"networks\" : [ { \"id\" : \"n\" } ] , \"mediated_bids\" : [ { \"id\" : \"a\" , \"network\" : \"n\" , "
    "\"cpm\" : 1 , \"tag\" : \"t\" } , {\"id\":\"b\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"} ] } ",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated\\u005fbids\":[{\"id\":\"a\"}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a]}\\\"[{\",\"network\":\"n\",\"cpm\":1,"
    "\"tag\":\"<div>]}\\\"[{</div>\"}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[]} x",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"\xff\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[1,2]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1e999,\"tag\":\"t\"}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":01,\"tag\":\"t\"}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\",\"x\":"
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
    "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
    "]]]]]]]]]]]]]]]]]]]]]}]}",
    "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"a\",\"network\":\"n\",\"cpm\":1,\"tag\":\"t\"}]",
    "[{\"mediated_bids\":[]}]",
};

/* The answer of reading doc whole: "ok", or its error document. */
static void read_whole(const char *doc, char *answer, size_t cap) {
  static unsigned char mem[1 << 20];
  med_arena a;
  med_arena_init(&a, mem, sizeof mem);
  med_json j;
  med_config cfg;
  med_error err = {0};
  if (med_json_parse(&j, doc, strlen(doc), &a, &err) &&
      (med_json_is_object(&j, 0) || med_fail(&err, "not_object", "", "the config must be a JSON object")) &&
      med_config_read(&cfg, &j, 0, &a, &err)) {
    snprintf(answer, cap, "ok");
    return;
  }
  med_out o;
  med_out_init(&o, answer, cap - 1);
  med_error_write(&o, &err);
  answer[o.len] = 0;
}

static void check_tricky_configs(med_engine *e) {
  for (size_t i = 0; i < sizeof TRICKY / sizeof *TRICKY; i++) {
    char want[512], got[512];
    read_whole(TRICKY[i], want, sizeof want);
    int32_t h = med_config_load(e, put(e, TRICKY[i]));
    size_t n = med_output_len(e) < sizeof got - 1 ? med_output_len(e) : sizeof got - 1;
    memcpy(got, med_output(e), n);
    got[n] = 0;
    if (h > 0) snprintf(got, sizeof got, "ok");
    CHECK_STR(got, want);
    if (h > 0) med_config_unload(e, h);
  }
}

/* A config of n small bids: loaded, it holds less than three times its text (the
 * text itself is one of the three; with 64-bit pointers here, more than in Wasm),
 * and an auction runs on it. */
static void check_large_config(med_engine *e, int n) {
  size_t cap = (size_t)n * 400 + 1024, len = 0;
  char *doc = malloc(cap);
  len += (size_t)snprintf(doc + len, cap - len, "{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[");
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(doc + len, cap - len,
                            "%s{\"id\":\"mb-%d\",\"network\":\"n\",\"cpm\":%d.5,\"sizes\":[[300,250]],\"targeting\":"
                            "{\"placements\":[\"p-%d\"],\"countries\":[\"US\",\"FR\"]},\"macros\":{\"ZONE\":\"%d\"},"
                            "\"tag\":\"<script src=\\\"https://ads.example/t.js?z=#{ZONE}\\\"></script><div>%d</div>\"}",
                            i ? "," : "", i, i % 9, i % 50, i, i);
  len += (size_t)snprintf(doc + len, cap - len, "]}");
  memcpy(med_input(e, len), doc, len);
  int32_t h = med_config_load(e, len);
  CHECK(h > 0);
  double held = med_config_size(e, h);
  CHECK(held > (double)len && held < 3.0 * (double)len);
  CHECK(med_auction(e, put(e, "{\"request\":{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"tagid\":\"p-7\",\"banner\":{\"w\":300,\"h\":250}}],\"device\":{\"geo\":{\"country\":\"USA\"}}},"
                                "\"now\":\"2026-11-27T12:00:00Z\"}"),
                    h) == 0);
  CHECK(output_has(e, "\"bid\":\"mb-"));
  CHECK(med_config_unload(e, h) == 1 && med_config_size(e, h) == 0);
  free(doc);
}

int main(void) {
  med_engine *e = med_engine_new();
  CHECK(e != NULL);

  /* Time zones: none known natively until the host gives a database. */
  CHECK(med_config_load(e, put(e, ZONED)) == 0 && output_has(e, "unknown_timezone"));
  med_engine_set_zones(e, fake_zones, NULL);
  int32_t hz = med_config_load(e, put(e, ZONED));
  CHECK(hz >= 1);
  CHECK(zoned_bid_in(e, hz, "2026-03-28T08:30:00Z"));  /* 09:30 at UTC+1 */
  CHECK(!zoned_bid_in(e, hz, "2026-03-29T08:30:00Z")); /* 10:30 at UTC+2 */
  CHECK(zoned_bid_in(e, hz, "2026-03-29T07:30:00Z"));  /* 09:30 at UTC+2 */
  CHECK(med_config_unload(e, hz) == 1);

  int32_t h1 = med_config_load(e, put(e, CONFIG));
  CHECK(h1 >= 1);
  CHECK(med_auction(e, put(e, AUCTION), h1) == 0);
  CHECK(med_config_unload(e, h1) == 1);
  CHECK(med_config_unload(e, h1) == 0); /* twice is a no-op */
  int32_t h2 = med_config_load(e, put(e, CONFIG));
  CHECK(h2 >= 1 && h2 != h1); /* same slot, new generation */
  CHECK(med_auction(e, put(e, AUCTION), h1) == 2 && output_has(e, "unknown_config"));
  CHECK(med_config_unload(e, h1) == 0); /* the stale handle cannot free the new config */
  CHECK(med_auction(e, put(e, AUCTION), h2) == 0);
  CHECK(med_auction(e, put(e, AUCTION), -5) == 2 && output_has(e, "unknown_config"));
  CHECK(med_auction(e, put(e, AUCTION), h2 + (1 << 20)) == 2);

  /* A length beyond the input buffer is refused, not read past. */
  put(e, AUCTION);
  CHECK(med_auction(e, (size_t)1 << 30, h2) == 2 && output_has(e, "bad_length"));
  CHECK(med_config_load(e, (size_t)1 << 30) == 0 && output_has(e, "bad_length"));
  /* Sizes that would wrap or pass 2 GiB get no buffer. */
  CHECK(med_input(e, SIZE_MAX) == NULL);
  CHECK(med_input(e, (size_t)1 << 31) == NULL);
  CHECK(med_input(e, 16) != NULL);

  check_tricky_configs(e);
  check_large_config(e, 3000);

  med_engine_free(e);
  return check_report();
}
