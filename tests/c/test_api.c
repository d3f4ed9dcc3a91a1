/* test_api.c — the host surface of api.h: config handles that never alias after a
 * release, lengths the input buffer cannot hold, and sizes that would wrap. */
#include <stdint.h>

#include "api.h"
#include "check.h"

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

  med_engine_free(e);
  return check_report();
}
