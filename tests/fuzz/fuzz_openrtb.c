/* fuzz_openrtb.c — fuzzes the JSON tokenizer (med_json_parse) and the OpenRTB
 * readers med_request_read and med_bids_read (openrtb.h).
 *
 * Input: one JSON document. An object's "request" is read as the BidRequest and its
 * "bids" as the array of BidResponses; an object with neither is read as a
 * BidRequest itself; a top-level array is read as the BidResponses. Bids are read
 * against the document's request when that one is valid, else a fixed one.
 *
 * Invariants (abort() on violation):
 *  - med_json_parse accepts exactly what an independent RFC 8259 validator with the
 *    same depth limit accepts, and reads nothing past the document (the bytes are
 *    an exact-size heap block, so ASan sees any over-read);
 *  - a reader that fails sets an error code; a request read has >= 1 imp, unique
 *    non-empty imp ids, at 1 or 2, floors in [0, MED_MAX_MICROS], sizes in range;
 *  - every bid: reason NONE, 3, 5, 7 or 9; imp is -1 or an imp whose id is its
 *    impid; a bid still in has id, impid, a price in [0, MED_MAX_MICROS] and markup;
 *    order is its index, response < number of responses; adomain is valid JSON;
 *  - every string points into the document, the arena or a static literal;
 *  - with a tight arena (half of what the ample run used, exact-size block) the
 *    tokenizer never accepts what it refused with room, nor refuses for another
 *    reason than memory what it accepted with room. */
/* jsmn's own parser (Debian's header, strict, with parent links) is compiled here,
 * as the reference for the tokens med_json_parse makes. */
#define MED_JSON_IMPL
#include "fuzz_common.h"
#include "openrtb.h"

/* For a document med_json_parse accepted: jsmn makes the very same tokens. */
static void check_tokens_like_jsmn(const char *doc, size_t size) {
  static unsigned char mem[(1 << 20) * 4];
  med_arena a;
  med_arena_init(&a, mem, sizeof mem);
  med_json j;
  med_error err = {0};
  FZ_ASSERT(med_json_parse(&j, doc, size, &a, &err), "a document accepted once is accepted again");
  size_t cap = size + 2;
  jsmntok_t *ref = malloc(cap * sizeof *ref);
  jsmn_parser p;
  jsmn_init(&p);
  int n = jsmn_parse(&p, doc, size, ref, (unsigned)cap);
  if (n == JSMN_ERROR_PART && j.ntok == 1 && j.tok[0].type == JSMN_PRIMITIVE) {
    free(ref); /* strict jsmn wants a delimiter after a top-level number or literal */
    return;
  }
  FZ_ASSERT(n == j.ntok, "jsmn makes as many tokens");
  for (int i = 0; i < n; i++)
    FZ_ASSERT(ref[i].type == j.tok[i].type && ref[i].start == j.tok[i].start && ref[i].end == j.tok[i].end &&
                  ref[i].size == j.tok[i].size && ref[i].parent == j.tok[i].parent,
              "each token is jsmn's");
  free(ref);
}

typedef struct {
  const char *doc, *arena;
  size_t ndoc, narena;
} regions;

static void check_str(const regions *r, med_str s) {
  if (!s.len) return;
  FZ_ASSERT(s.s != NULL, "a non-empty string has bytes");
  int in_doc = s.s >= r->doc && s.s + s.len <= r->doc + r->ndoc;
  int in_arena = s.s >= r->arena && s.s + s.len <= r->arena + r->narena;
  FZ_ASSERT(in_doc || in_arena || (s.len == 3 && memcmp(s.s, "USD", 3) == 0), "a string points into the input or the arena");
}

static int key_of(const med_json *j, const char *name) {
  if (!med_json_is_object(j, 0)) return -1;
  for (int k = med_json_first(j, 0); k >= 0; k = med_json_next_key(j, 0, k))
    if (med_str_eq_cstr(med_json_str(j, k), name)) return k + 1;
  return -1;
}

static void check_request(const med_request *q, const regions *r) {
  FZ_ASSERT(q->nimps >= 1, "a request has an imp");
  FZ_ASSERT(q->at == 1 || q->at == 2, "at is 1 or 2");
  FZ_ASSERT(q->devicetype >= 0 && q->devicetype <= 1000, "devicetype in range");
  FZ_ASSERT(q->supply == 0 || q->supply == MED_SUPPLY_SITE || q->supply == MED_SUPPLY_APP, "supply is one kind");
  check_str(r, q->id);
  check_str(r, q->domain);
  check_str(r, q->bundle);
  check_str(r, q->os);
  check_str(r, q->region);
  for (uint32_t k = 0; k < q->ncur; k++) check_str(r, q->cur[k]);
  for (uint32_t i = 0; i < q->nimps; i++) {
    const med_imp *imp = &q->imps[i];
    FZ_ASSERT(imp->id.len > 0, "imp ids are not empty");
    check_str(r, imp->id);
    check_str(r, imp->tagid);
    check_str(r, imp->floorcur);
    for (uint32_t k = 0; k < i; k++) FZ_ASSERT(!med_str_eq(q->imps[k].id, imp->id), "imp ids are unique");
    FZ_ASSERT(imp->floor >= 0 && imp->floor <= MED_MAX_MICROS, "imp floor in range");
    for (uint32_t k = 0; k < imp->nformats; k++)
      FZ_ASSERT(imp->formats[k].w >= 0 && imp->formats[k].w <= 100000 && imp->formats[k].h >= 0 &&
                    imp->formats[k].h <= 100000,
                "format in range");
    for (uint32_t k = 0; k < imp->ndeals; k++) {
      FZ_ASSERT(imp->deals[k].floor >= 0 && imp->deals[k].floor <= MED_MAX_MICROS, "deal floor in range");
      check_str(r, imp->deals[k].id);
      check_str(r, imp->deals[k].floorcur);
    }
  }
}

static void check_bids(const med_bidset *s, const med_json *j, int arr, const med_request *q, const regions *r) {
  uint32_t nresp = arr >= 0 && med_json_is_array(j, arr) ? (uint32_t)j->tok[arr].size : 0;
  FZ_ASSERT(s->nbad <= nresp, "at most one bad mark per response");
  for (uint32_t k = 0; k < s->nbad; k++) FZ_ASSERT(s->bad[k].index < nresp && s->bad[k].why, "bad marks name a response");
  for (uint32_t i = 0; i < s->nbids; i++) {
    const med_rtb *b = &s->bids[i];
    FZ_ASSERT(b->order == i, "order is the input order");
    FZ_ASSERT(b->response < nresp, "a bid belongs to a response");
    FZ_ASSERT(b->reason == MED_LOSS_NONE || b->reason == MED_LOSS_INVALID_RESPONSE ||
                  b->reason == MED_LOSS_INVALID_AUCTION_ID || b->reason == MED_LOSS_MISSING_MARKUP ||
                  b->reason == MED_LOSS_MISSING_PRICE,
              "the reader sets structural reasons only");
    FZ_ASSERT(b->imp >= -1 && b->imp < (int32_t)q->nimps, "imp index in range");
    if (b->imp >= 0) FZ_ASSERT(b->impid.s && med_str_eq(b->impid, q->imps[b->imp].id), "imp index matches impid");
    FZ_ASSERT(b->w >= 0 && b->w <= 100000 && b->h >= 0 && b->h <= 100000, "w and h in range");
    if (b->reason == MED_LOSS_NONE) {
      FZ_ASSERT(b->id.s && b->impid.s && b->imp >= 0, "a valid bid has id and a known impid");
      FZ_ASSERT(b->price_own >= 0 && b->price_own <= MED_MAX_MICROS, "a valid bid has a price in range");
      FZ_ASSERT(b->adm.len || b->nurl.len, "a valid bid has markup");
    }
    if (b->adomain.s) FZ_ASSERT(fz_json_valid(b->adomain.s, b->adomain.len), "adomain is valid JSON");
    const med_str *strs[] = {&b->id, &b->impid, &b->seat, &b->adm, &b->nurl, &b->burl, &b->lurl, &b->crid,
                             &b->dealid, &b->adid, &b->cur, &b->adomain};
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
      if (strs[k] != &b->adomain || !b->adomain.s || b->adomain.len != 2 || memcmp(b->adomain.s, "[]", 2) != 0)
        check_str(r, *strs[k]);
  }
}

static const char FIXED_REQUEST[] = "{\"id\":\"r1\",\"imp\":[{\"id\":\"1\"},{\"id\":\"2\",\"banner\":{\"w\":300,\"h\":250}}]}";

static int read_all(const char *doc, size_t len, size_t cap, size_t *used, med_error *err, int check) {
  char *mem = malloc(cap ? cap : 1);
  if (!mem) abort();
  med_arena a;
  med_arena_init(&a, mem, cap);
  med_json j;
  int parsed = med_json_parse(&j, doc, len, &a, err);
  if (parsed) {
    regions r = {doc, mem, len, cap};
    int req = key_of(&j, "request"), bids = key_of(&j, "bids");
    if (req < 0 && bids < 0) {
      if (med_json_is_array(&j, 0)) bids = 0;
      else req = 0;
    }
    med_request q;
    med_error rerr = {0};
    int have_q = req >= 0 && med_request_read(&q, &j, req, &a, &rerr);
    if (req >= 0 && !have_q) FZ_ASSERT(rerr.code != NULL, "a refused request has an error code");
    if (have_q && check) check_request(&q, &r);
    /* Bids need a request: the document's, or a fixed one read from its own text. */
    if (!have_q) {
      med_json fj;
      med_error ferr = {0};
      have_q = med_json_parse(&fj, FIXED_REQUEST, sizeof FIXED_REQUEST - 1, &a, &ferr) &&
               med_request_read(&q, &fj, 0, &a, &ferr);
      FZ_ASSERT(have_q || !check, "the fixed request reads");
    }
    med_bidset s;
    med_error berr = {0};
    if (bids >= 0 && have_q) {
      if (med_bids_read(&s, &j, bids, &q, &a, &berr)) {
        if (check) check_bids(&s, &j, bids, &q, &r);
      } else {
        FZ_ASSERT(berr.code != NULL, "refused bids have an error code");
      }
    }
  }
  *used = a.used;
  free(mem);
  return parsed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1 << 20)) return 0;
  char *doc = fz_copy(data, size);
  med_error err = {0};
  size_t used = 0;
  int ok = read_all(doc, size, size * 64 + 65536, &used, &err, 1);
  int oom = !ok && err.code && strcmp(err.code, "out_of_memory") == 0;
  if (!oom) {
    FZ_ASSERT(ok || err.code != NULL, "a refused document has an error code");
    FZ_ASSERT(ok == fz_json_valid(doc, size), "med_json_parse agrees with the reference validator");
    if (ok) check_tokens_like_jsmn(doc, size);
    /* The same document with half the room. */
    med_error terr = {0};
    size_t tused;
    int tok = read_all(doc, size, used / 2, &tused, &terr, 0);
    if (tok) FZ_ASSERT(ok, "a tight arena never accepts a refused document");
    else FZ_ASSERT(!ok || (terr.code && strcmp(terr.code, "out_of_memory") == 0), "a tight arena only adds out_of_memory");
  }
  free(doc);
  return 0;
}
