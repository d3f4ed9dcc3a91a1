/* plan.h — the waterfall planned by expected value (config "optimize"; README
 * "Planning the waterfall by expected value").
 *
 * The ranked waterfall of auction.c trusts the entered CPMs and the entered timeouts.
 * A planned one uses what was learned (config.h med_learned): what a fill really pays
 * (the networks' reports, net of discrepancy), how often a bid fills, and how fast.
 * For the mediated bids eligible in one imp, the sure value of the best RTB bid, the
 * page budget and the depth, it chooses which bids to try, in which order and with
 * which timeout, to maximise the expected revenue of the impression:
 *
 *   E = p1 v1 + (1 - p1)(p2 v2 + (1 - p2)(... + (1 - pk) R))
 *
 * Bids go in falling value (swapping two neighbours changes E by pi pj (vi - vj), so
 * this order is best for any choice of bids); a bid worth no more than R never helps.
 * Which bids and which timeouts is a knapsack over the budget, solved exactly by
 * dynamic programming on a grid of MED_PLAN_STEPS budget steps, for the
 * MED_PLAN_MAX_BIDS bids of largest p (v - R).
 *
 * A bid with no suggestion is planned at its entered CPM, one with a suggestion less
 * sure than MED_PLAN_MIN_CONFIDENCE at the two weighed by that confidence; if that is
 * too low it would never be tried, so never learned. An exploring auction (config
 * explore_share of them, chosen by a hash of the request and imp ids, so the same
 * auction always plans the same) tries first the eligible bid of that kind with the
 * fewest attempts, then plans the rest in what is left. No allocation beyond the arena
 * given, no clock, no randomness. */
#ifndef MED_PLAN_H
#define MED_PLAN_H

#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "json.h"

enum {
  MED_PLAN_MAX_BIDS = 16,         /* bids the planner weighs; the rest are "not_worth" */
  MED_PLAN_STEPS = 60,            /* budget grid: a timeout costs ceil(t / (budget / 60)) steps */
  MED_PLAN_MIN_CONFIDENCE = 500000, /* millionths: a suggestion this sure replaces the CPM;
                                       a less sure one is weighed with it */
  MED_PLAN_MIN_FILLS = 20           /* fills before the latency points choose the timeout */
};

typedef struct {
  const med_mbid *bid; /* in: an eligible mediated bid */
  /* out */
  int64_t value;      /* micro-units: what one counted fill pays */
  int from_reports;   /* 1: value is the suggestion, net of discrepancy; 2: weighed with the CPM */
  double fill;        /* chance of a fill at all: (fills + 1) / (attempts + 2) */
  double p;           /* chance of a fill within timeout_ms */
  int32_t timeout_ms; /* planned: the one chosen; else the entered one */
  int32_t position;   /* in the plan, from 0; -1 when left out */
  int explored;       /* tried first by an exploring auction */
  const char *why;    /* left out: "below_rtb" or "not_worth"; NULL when planned */
  const char *detail;
} med_plan_item;

typedef struct {
  int64_t rtb_value; /* micro-units the best RTB bid pays for sure; 0 when none */
  int64_t budget_ms; /* the mediated timeouts together */
  uint32_t depth;    /* most mediated bids tried */
  int explore;       /* this auction tries first the eligible bid known least */
} med_plan_limits;

/* Whether the auction of this request and imp explores, for a share in millionths. */
int med_plan_explores(med_str request_id, med_str imp_id, int32_t share);

/* Plans items[0..n). Writes to order[0..*norder) the items to try, best first, and
 * returns the expected revenue per impression in micro-units, or -1 when the arena is
 * out of room. */
int64_t med_plan_run(med_plan_item *items, uint32_t n, const med_plan_limits *lim, med_arena *a, uint32_t *order,
                     uint32_t *norder);

#endif
