/* test_plan.c — the expected-value planner against cases computed by hand: the value
 * of a fill net of discrepancy, the fill chance with its prior, the timeout chosen from
 * the latency points, the knapsack over budget and depth, and exploring auctions. */
#include <math.h>

#include "check.h"
#include "plan.h"

static med_mbid bid(int64_t cpm_micros, int64_t timeout_ms, const med_learned *l) {
  med_mbid b;
  memset(&b, 0, sizeof b);
  b.cpm = cpm_micros;
  b.timeout_ms = timeout_ms;
  b.learned = l;
  return b;
}

static char mem[1 << 20];

static int64_t plan(med_plan_item *it, uint32_t n, int64_t rtb, int64_t budget, uint32_t depth, int explore,
                    uint32_t *order, uint32_t *norder) {
  med_arena a;
  med_arena_init(&a, mem, sizeof mem);
  med_plan_limits lim = {rtb, budget, depth, explore};
  return med_plan_run(it, n, &lim, &a, order, norder);
}

int main(void) {
  /* The golden case optimize-plan: R = 1.00, budget 1000 ms (60 steps of 16.7 ms), depth 2.
   * a: suggestion 1.50 (confident), fill (49+1)/(98+2) = 0.5, 600 ms = 36 steps.
   * b: no data: 2.00, fill 0.5, 500 ms = 30 steps.
   * c: 1.20, fill (31+1)/(38+2) = 0.8; points 100 ms 50%, 300 ms 90%: p = 0.4 / 0.72 / 0.72
   *    at 100 / 300 / 400 ms (6 / 18 / 24 steps).
   * d: 1.00 x (1 - 0.2) = 0.80 <= R: below_rtb.
   * b then c at 300 ms: 0.5 x 2 + 0.5 x (0.72 x 1.2 + 0.28 x 1) = 1.572; a and c: 1.322;
   * a and b do not fit (66 steps). */
  med_learned la = {98, 49, 0, {0}, {0}, 1500000, 900000, 0};
  med_learned lc = {38, 31, 3, {100, 300, 800}, {500000, 900000, 1000000}, -1, 0, 0};
  med_learned ld = {1000, 300, 0, {0}, {0}, 1000000, 800000, 200000};
  med_mbid a = bid(3000000, 600, &la), b = bid(2000000, 500, NULL), c = bid(1200000, 400, &lc),
           d = bid(1500000, 400, &ld);
  med_plan_item it[4] = {{.bid = &a}, {.bid = &b}, {.bid = &c}, {.bid = &d}};
  uint32_t order[4], n;
  CHECK(plan(it, 4, 1000000, 1000, 2, 0, order, &n) == 1572000);
  CHECK(n == 2 && order[0] == 1 && order[1] == 2);
  CHECK(it[2].timeout_ms == 300 && fabs(it[2].p - 0.72) < 1e-12);
  CHECK(it[0].value == 1500000 && it[0].from_reports && it[0].position == -1);
  CHECK_STR(it[0].why, "not_worth");
  CHECK(it[3].value == 800000);
  CHECK_STR(it[3].why, "below_rtb");
  CHECK(fabs(it[1].fill - 0.5) < 1e-12 && fabs(it[3].fill - 301.0 / 1002.0) < 1e-12);

  /* A suggestion less sure than 0.5 is weighed with the CPM: at confidence 0.25,
   * w = 0.5 and a is worth 0.5 x 1.50 + 0.5 x 3.00 = 2.25. a (36 steps) then c at
   * 300 ms (18 steps): 0.5 x 2.25 + 0.5 x (0.72 x 1.2 + 0.28 x 1) = 1.697, against
   * a then c at 100 ms 1.665, a alone 1.625, b then c 1.572; a and b do not fit. */
  la.confidence = 250000;
  med_plan_item it2[4] = {{.bid = &a}, {.bid = &b}, {.bid = &c}, {.bid = &d}};
  CHECK(plan(it2, 4, 1000000, 1000, 2, 0, order, &n) == 1697000);
  CHECK(n == 2 && order[0] == 0 && order[1] == 2 && it2[2].timeout_ms == 300);
  CHECK(it2[0].value == 2250000 && it2[0].from_reports == 2);
  /* Just under the bar the suggestion all but replaces the CPM: no jump at 0.5. */
  la.confidence = 499999;
  med_plan_item it2b[1] = {{.bid = &a}};
  CHECK(plan(it2b, 1, 0, 1000, 4, 0, order, &n) > 0 && it2b[0].value == 1500003 && it2b[0].from_reports == 2);
  la.confidence = 0;
  CHECK(plan(it2b, 1, 0, 1000, 4, 0, order, &n) > 0 && it2b[0].value == 3000000 && it2b[0].from_reports == 0);
  la.confidence = 900000;
  /* Weighed below the RTB bid: CPM 1.20, suggestion 0.50 at confidence 0.25:
   * 0.5 x 0.50 + 0.5 x 1.20 = 0.85 <= 1.00. */
  med_learned lw = {100, 50, 0, {0}, {0}, 500000, 250000, 0};
  med_mbid w = bid(1200000, 400, &lw);
  med_plan_item it2c[1] = {{.bid = &w}};
  CHECK(plan(it2c, 1, 1000000, 1000, 4, 0, order, &n) == 1000000 && n == 0);
  CHECK(it2c[0].value == 850000);
  CHECK_STR(it2c[0].why, "below_rtb");
  CHECK_STR(it2c[0].detail, "its CPM and what its networks' reports say, weighed, are no more than the RTB bid");

  /* Fewer than 20 fills: the latency points are not trusted; only the entered timeout. */
  lc.fills = 19;
  lc.attempts = 19;
  med_plan_item it3[1] = {{.bid = &c}};
  CHECK(plan(it3, 1, 0, 1000, 4, 0, order, &n) > 0 && n == 1 && it3[0].timeout_ms == 400);
  lc.fills = 31;
  lc.attempts = 38;

  /* No RTB bid, depth that cannot bind: every bid worth anything is a candidate; with the
   * budget for all (4 x 400 ms in 3000 ms) all four go, in value order. */
  med_mbid e[4] = {bid(1000000, 400, NULL), bid(4000000, 400, NULL), bid(2000000, 400, NULL), bid(3000000, 400, NULL)};
  med_plan_item it4[4] = {{.bid = &e[0]}, {.bid = &e[1]}, {.bid = &e[2]}, {.bid = &e[3]}};
  /* 0.5 x 4 + 0.25 x 3 + 0.125 x 2 + 0.0625 x 1 = 3.0625 */
  CHECK(plan(it4, 4, 0, 3000, 10, 0, order, &n) == 3062500);
  CHECK(n == 4 && order[0] == 1 && order[1] == 3 && order[2] == 2 && order[3] == 0);

  /* An exploring auction tries first the eligible bid known least, even below the RTB bid:
   * d has a confident suggestion, so the unknown among the others with fewest attempts is
   * b (none). */
  med_plan_item it5[4] = {{.bid = &a}, {.bid = &b}, {.bid = &c}, {.bid = &d}};
  plan(it5, 4, 1000000, 1000, 2, 1, order, &n);
  CHECK(n >= 1 && order[0] == 1 && it5[1].explored && it5[1].timeout_ms == 500);

  /* Which auctions explore: none at 0, about the share asked otherwise, and always the same. */
  int hits = 0;
  char id[16];
  for (int i = 0; i < 100000; i++) {
    int len = snprintf(id, sizeof id, "req-%d", i);
    med_str rid = {id, (uint32_t)len}, imp = {"1", 1};
    CHECK(!med_plan_explores(rid, imp, 0));
    hits += med_plan_explores(rid, imp, 20000);
  }
  CHECK(hits > 1800 && hits < 2200);
  med_str r1 = {"req-7", 5}, i1 = {"1", 1};
  CHECK(med_plan_explores(r1, i1, 200000) == med_plan_explores(r1, i1, 200000));
  return check_report();
}
