/* openrtb.h — the OpenRTB 2.6 subset the engine reads: BidRequest and BidResponse.
 *
 * This file only reads and type-checks. A malformed request stops the auction (the
 * publisher's own input is wrong); a malformed bid only marks that bid with an
 * OpenRTB loss reason, because one broken bidder must not cost the impression.
 * Unknown fields are ignored. */
#ifndef MED_OPENRTB_H
#define MED_OPENRTB_H

#include <stdint.h>

#include "arena.h"
#include "config.h"
#include "error.h"
#include "gpp.h"
#include "json.h"

/* OpenRTB loss reasons (docs/auction.md). */
enum {
  MED_LOSS_NONE = -1,
  MED_LOSS_INVALID_RESPONSE = 3,
  MED_LOSS_INVALID_DEAL = 4,
  MED_LOSS_INVALID_AUCTION_ID = 5,
  MED_LOSS_MISSING_MARKUP = 7,
  MED_LOSS_MISSING_PRICE = 9,
  MED_LOSS_BELOW_FLOOR = 100,
  MED_LOSS_BELOW_DEAL_FLOOR = 101,
  MED_LOSS_LOST_TO_HIGHER = 102,
  MED_LOSS_LOST_TO_DEAL = 103
};

typedef struct {
  med_str id;
  int64_t floor; /* micro-units of floorcur */
  med_str floorcur;
} med_deal;

typedef struct {
  med_str id, tagid;
  med_size *formats;
  uint32_t nformats;
  int64_t floor; /* micro-units of floorcur */
  med_str floorcur;
  med_deal *deals;
  uint32_t ndeals;
  int kv; /* token of imp.ext.data, or -1 */
} med_imp;

typedef struct {
  med_str id;
  med_imp *imps;
  uint32_t nimps;
  int at; /* 1 first price, 2 second price */
  int supply;
  med_str domain; /* site.domain, else the host of site.page; app.domain for apps */
  med_str page;   /* site.page, decoded; empty for apps */
  med_str bundle;
  int devicetype; /* 0 when absent */
  med_str os, region;
  uint16_t country; /* med_country_code, 0 when absent or unknown */
  med_str *cur;     /* request.cur: the currencies bids may use; none = any */
  uint32_t ncur;
  /* Privacy signals (docs/auction.md §9), as sent; decoded by the auction. */
  int gdpr;          /* regs.gdpr (or regs.ext.gdpr): 0, 1, or -1 when absent */
  med_str consent;   /* user.consent (or user.ext.consent): the TC string */
  med_str us_privacy; /* regs.us_privacy (or regs.ext.us_privacy) */
  med_str gpp;       /* regs.gpp */
  const med_gpp *gpp_read; /* regs.gpp decoded once here; NULL when absent or not readable */
  const char *gpp_why;     /* why it is not readable */
  med_str gpp_sid;   /* regs.gpp_sid as comma-separated ids ("2,6"), for macros */
} med_request;

typedef struct {
  med_str id, impid, seat, adm, nurl, burl, lurl, crid, dealid, adid, cur;
  med_str adomain; /* a compact JSON array of strings, or empty */
  int64_t price_own; /* micro-units of the bid's currency */
  int64_t price;     /* micro-units of the config currency */
  int32_t w, h;
  int32_t imp;  /* index into request imps, or -1 */
  int reason;   /* MED_LOSS_NONE while the bid is still in */
  uint32_t response, order;
} med_rtb;

/* A response that had to be ignored whole (not an object, seatbid not an array). */
typedef struct {
  uint32_t index;
  const char *why;
} med_bad_response;

typedef struct {
  med_rtb *bids;
  uint32_t nbids;
  med_bad_response *bad;
  uint32_t nbad;
} med_bidset;

int med_request_read(med_request *q, const med_json *j, int root, med_arena *a, med_error *err);

/* Reads the array of BidResponses at `arr` (or none when arr < 0). Bids get
 * imp and the structural loss reasons (3, 5, 7, 9); the auction adds the rest. */
int med_bids_read(med_bidset *s, const med_json *j, int arr, const med_request *q, med_arena *a, med_error *err);

#endif
