/* test_engine.c — whole documents through med_run_auction and med_load_config:
 * the rules that golden files also cover, checked here under the sanitizers, plus
 * reuse of one loaded config and the out-of-room retry contract. */
#include "check_engine.h"

static char keep[1 << 20];

static const char *CONFIG =
    "{\"currency\":\"USD\",\"rates\":{\"EUR\":1.08},\"max_waterfall\":2,\"waterfall_timeout_ms\":2000,"
    "\"networks\":[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"off\",\"active\":false}],"
    "\"mediated_bids\":["
    "{\"id\":\"a1\",\"network\":\"a\",\"cpm\":3,\"timeout_ms\":1500,\"tag\":\"A1 ${WIDTH}x${HEIGHT}\"},"
    "{\"id\":\"b1\",\"network\":\"b\",\"cpm\":2.8,\"timeout_ms\":1000,\"tag\":\"B1\"},"
    "{\"id\":\"a2\",\"network\":\"a\",\"cpm\":2.6,\"timeout_ms\":400,\"tag\":\"A2\"},"
    "{\"id\":\"b2\",\"network\":\"b\",\"cpm\":2.55,\"timeout_ms\":100,\"tag\":\"B2\"},"
    "{\"id\":\"x\",\"network\":\"off\",\"cpm\":9,\"tag\":\"X\"},"
    "{\"id\":\"us\",\"network\":\"b\",\"cpm\":8,\"tag\":\"US\",\"targeting\":{\"countries\":[\"US\"]}}"
    "]}";

#define run check_auction

static void test_loaded_config_reused(void) {
  med_config cfg;
  med_arena k, s;
  med_out o;
  med_arena_init(&k, keep, sizeof keep);
  med_arena_init(&s, check_scratch, sizeof check_scratch);
  med_out_init(&o, check_outbuf, sizeof check_outbuf);
  CHECK(med_load_config(CONFIG, strlen(CONFIG), 0, &cfg, NULL, &k, &s, &o) == MED_OK);
  const char *doc =
      "{\"request\":{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
      "\"device\":{\"geo\":{\"country\":\"FRA\"}}},"
      "\"bids\":[{\"id\":\"r\",\"seatbid\":[{\"seat\":\"s\",\"bid\":[{\"id\":\"q\",\"impid\":\"1\",\"price\":2.5,"
      "\"adm\":\"<p>${AUCTION_PRICE}</p>\"},"
      "{\"id\":\"q2\",\"impid\":\"1\",\"price\":2,\"adm\":\"q2\"}]}]}],\"now\":\"2026-11-27T12:00:00Z\"}";
  for (int i = 0; i < 3; i++) { /* same answer every time */
    int st;
    const char *out = run(doc, &cfg, &st);
    CHECK(st == MED_OK);
    /* a1 in (1500 of 2000 ms), b1 skipped for budget (1000 > 500), a2 in (400),
     * then depth is reached: b2 is depth though it would fit. RTB q pays q2 + 0.01. */
    CHECK(strstr(out, "\"waterfall\":[{\"source\":\"mediated\",\"bid\":\"a1\"") != NULL);
    CHECK(strstr(out, "\"bid\":\"a2\",\"network\":\"a\",\"price\":2.6,\"timeout_ms\":400") != NULL);
    CHECK(strstr(out, "\"bid\":\"b1\",\"network\":\"b\",\"price\":2.8,\"reason\":\"budget\"") != NULL);
    CHECK(strstr(out, "\"bid\":\"b2\",\"network\":\"b\",\"price\":2.55,\"reason\":\"depth\"") != NULL);
    CHECK(strstr(out, "\"source\":\"rtb\",\"bid\":\"q\",\"seat\":\"s\",\"price\":2.01,\"bid_price\":2.5") != NULL);
    CHECK(strstr(out, "<p>2.01</p>") != NULL);
    CHECK(strstr(out, "\"tag\":\"A1 300x250\"") != NULL);
    CHECK(strstr(out, "\"x\"") == NULL);  /* inactive network, not explained */
    CHECK(strstr(out, "\"us\"") == NULL); /* targeted elsewhere */
  }
}

static void test_errors(void) {
  int st;
  const char *out = run("{\"config\":{\"networks\":[],\"mediated_bids\":[{\"id\":\"m\",\"network\":\"nope\",\"cpm\":1,"
                        "\"tag\":\"t\"}]},\"request\":{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]},\"now\":\"2026-11-27T12:00:00Z\"}",
                        NULL, &st);
  CHECK(st == MED_BAD_INPUT);
  CHECK_STR(out, "{\"error\":{\"code\":\"unknown_network\",\"message\":\"config.mediated_bids[0].network names network "
                 "\\\"nope\\\", which networks does not list\",\"at\":\"config.mediated_bids[0].network\"}}");
  out = run("{\"config\":{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"m\",\"network\":\"n\",\"cpm\":-1,"
            "\"tag\":\"t\"}]},\"request\":{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]},\"now\":\"2026-11-27T12:00:00Z\"}",
            NULL, &st);
  CHECK(st == MED_BAD_INPUT && strstr(out, "\"at\":\"config.mediated_bids[0].cpm\"") != NULL);
  out = run("[1]", NULL, &st);
  CHECK(st == MED_BAD_INPUT && strstr(out, "not_object") != NULL);
}

static void test_no_room_is_reported(void) {
  char small[64];
  med_arena a;
  med_out o;
  med_arena_init(&a, check_scratch, sizeof check_scratch);
  med_out_init(&o, small, sizeof small);
  const char *doc = "{\"config\":{\"networks\":[{\"id\":\"n\"}],\"mediated_bids\":[{\"id\":\"m\",\"network\":\"n\","
                    "\"cpm\":1,\"tag\":\"a long enough tag to overflow\"}]},\"request\":{\"id\":\"r\",\"imp\":[{\"id\":"
                    "\"1\"}]},\"now\":\"2026-11-27T12:00:00Z\"}";
  CHECK(med_run_auction(doc, strlen(doc), NULL, NULL, &a, &o) == MED_NO_ROOM);
  med_arena_init(&a, check_scratch, 256);
  med_out_init(&o, check_outbuf, sizeof check_outbuf);
  CHECK(med_run_auction(doc, strlen(doc), NULL, NULL, &a, &o) == MED_NO_ROOM);
}

int main(void) {
  test_loaded_config_reused();
  test_errors();
  test_no_room_is_reported();
  return check_report();
}
