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

int main(void) {
  med_engine *e = med_engine_new();
  CHECK(e != NULL);

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
