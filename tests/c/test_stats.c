/* test_stats.c — the report's figures for a known set of attempts, and the same
 * figures from hourly rollups of those attempts. */
#include "check_engine.h"

#define run check_stats

#define A(net, bid, outcome, lat, price, ts)                                                                  \
  "{\"network\":\"" net "\",\"bid\":\"" bid "\",\"source\":\"mediated\",\"outcome\":\"" outcome "\",\"latency_ms\":" \
  #lat ",\"price\":" #price ",\"ts\":" #ts "}"

#define R(t, net, bid, outcome, n, cpm, lat)                                                                    \
  "{\"t\":" #t ",\"network\":\"" net "\",\"bid\":\"" bid "\",\"source\":\"mediated\",\"outcome\":\"" outcome "\",\"n\":" #n \
  ",\"cpm_micros\":" #cpm ",\"latency\":" lat "}"

int main(void) {
  int st;
  const char *out = run("{\"bucket_ms\":3600000,\"attempts\":[" A("a", "a1", "filled", 100, 2, 0) "," A("a", "a1", "filled", 300, 2, 10)
                        "," A("a", "a1", "filled", 200, 2, 3600000) "," A("a", "a1", "no_fill", 50, 2, 20) "," A("a", "a2", "timeout", 800, 4, 30)
                        "," A("a", "a2", "late", 1200, 4, 40) "," A("b", "b1", "error", 5, 1, 50) "]}",
                        &st);
  CHECK(st == MED_OK);
  /* network a: 5 attempts (late is not one), 3 fills, p50 200, p95 300, revenue 6/1000, eCPM 6/5 */
  CHECK(strstr(out, "{\"network\":\"a\",\"attempts\":5,\"fills\":3,\"fill_rate\":0.6,\"no_fills\":1,\"timeouts\":1,"
                    "\"errors\":0,\"late\":1,\"latency_p50\":200,\"latency_p95\":300,\"revenue\":0.006,\"ecpm\":1.2}") != NULL);
  CHECK(strstr(out, "{\"network\":\"b\",\"attempts\":1,\"fills\":0,\"fill_rate\":0,\"no_fills\":0,\"timeouts\":0,"
                    "\"errors\":1,\"late\":0,\"latency_p50\":null,\"latency_p95\":null,\"revenue\":0,\"ecpm\":0}") != NULL);
  CHECK(strstr(out, "{\"bid\":\"a2\",\"source\":\"mediated\",\"network\":\"a\",\"attempts\":1,\"fills\":0") != NULL);
  /* series: two hourly buckets for a */
  CHECK(strstr(out, "{\"t\":0,\"network\":\"a\",\"attempts\":4,\"fills\":2") != NULL);
  CHECK(strstr(out, "{\"t\":3600000,\"network\":\"a\",\"attempts\":1,\"fills\":1") != NULL);

  /* The same attempts as rollups (count, CPM sum, latency histogram) give the same report. */
  static char from_attempts[4096];
  snprintf(from_attempts, sizeof from_attempts, "%s", out);
  out = run("{\"bucket_ms\":3600000,\"rollups\":["
            R(0, "a", "a1", "filled", 2, 4000000, "[[300,1],[100,1]]") "," R(3600000, "a", "a1", "filled", 1, 2000000, "[[200,1]]")
            "," R(0, "a", "a1", "no_fill", 1, 0, "[]") "," R(0, "a", "a2", "timeout", 1, 0, "[]")
            "," R(0, "a", "a2", "late", 1, 0, "[[1200,1]]") "," R(0, "b", "b1", "error", 1, 0, "[]") "]}",
            &st);
  CHECK(st == MED_OK);
  CHECK_STR(out, from_attempts);
  /* A histogram's quantiles weigh each latency by its count. */
  out = run("{\"rollups\":[" R(0, "n", "x", "filled", 100, 0, "[[10,90],[500,9],[9000,1]]") "]}", &st);
  CHECK(st == MED_OK && strstr(out, "\"latency_p50\":10,\"latency_p95\":500,") != NULL);
  /* "latency" given twice: the last one counts; rollups keep the t their host gave. */
  out = run("{\"bucket_ms\":172800000,\"rollups\":[{\"t\":86400000,\"network\":\"n\",\"bid\":\"x\",\"outcome\":\"filled\","
            "\"n\":2,\"latency\":[[1,1],[2,1]],\"latency\":[[7,2]]}]}",
            &st);
  CHECK(st == MED_OK && strstr(out, "\"latency_p50\":7,\"latency_p95\":7,") != NULL);
  CHECK(strstr(out, "\"series\":[{\"t\":86400000,") != NULL);
  out = run("{\"rollups\":[" R(0, "n", "x", "filled", 1, 0, "[[10,0]]") "]}", &st);
  CHECK(st == MED_BAD_INPUT && strstr(out, "rollups[0].latency") != NULL);
  out = run("{\"rollups\":[" R(0, "n", "x", "filled", 0, 0, "[]") "]}", &st);
  CHECK(st == MED_BAD_INPUT && strstr(out, "rollups[0].n") != NULL);
  out = run("{\"attempts\":[]}", &st);
  CHECK(st == MED_OK && strstr(out, "\"networks\":[],\"bids\":[],\"series\":[]") != NULL);
  out = run("{\"attempts\":[{\"bid\":\"x\",\"outcome\":\"exploded\"}]}", &st);
  CHECK(st == MED_BAD_INPUT && strstr(out, "attempts[0].outcome") != NULL);
  out = run("{\"attempts\":{}}", &st);
  CHECK(st == MED_BAD_INPUT && strstr(out, "wrong_type") != NULL);
  out = run("{\"attempts\":[{\"bid\":7,\"outcome\":\"filled\"}]}", &st);
  CHECK(st == MED_BAD_INPUT && strstr(out, "\"code\":\"wrong_type\",") && strstr(out, "attempts[0].bid"));

  /* 9 300 fills at the largest CPM: their sum passes int64 (fuzzing found the
   * overflow by reading); the revenue saturates instead, under UBSan's eye. */
  static const char one[] = "{\"outcome\":\"filled\",\"price\":1e9},";
  enum { FILLS = 9300 };
  char *doc = malloc(sizeof one * FILLS + 32);
  size_t n = 0;
  n += (size_t)sprintf(doc, "{\"attempts\":[");
  for (int i = 0; i < FILLS; i++) memcpy(doc + n, one, sizeof one - 1), n += sizeof one - 1;
  strcpy(doc + n - 1, "]}");
  out = run(doc, &st);
  CHECK(st == MED_OK && strstr(out, "\"fills\":9300") != NULL);
  free(doc);
  return check_report();
}
