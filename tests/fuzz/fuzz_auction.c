/* fuzz_auction.c — fuzzes whole auctions: med_auction (api.h) with the document's
 * own config (handle 0), and the same document against a fixed loaded config (the
 * document then only supplies request, bids, now and explain); each also through
 * med_run_auction (engine.h) on an exact-size copy with exact-size arena and output.
 *
 * Invariants (abort() on violation):
 *  - status is 0 or 2; the answer is valid JSON; an error document iff status 2;
 *  - the same document on the same engine gives the same bytes again;
 *  - med_run_auction with enough room gives the bytes med_auction gave, in an output
 *    buffer of exactly that many bytes, and MED_NO_ROOM with one byte less;
 *  - nothing leaks (LeakSanitizer), nothing is read past the document (ASan). */
#include "api.h"
#include "engine.h"
#include "fuzz_common.h"

static const char FIXED_CONFIG[] =
    "{\"currency\":\"USD\",\"rates\":{\"EUR\":1.08,\"GBP\":1.27,\"JPY\":0.0067},\"max_waterfall\":3,"
    "\"waterfall_timeout_ms\":2500,\"timezone_offset_min\":-300,"
    "\"networks\":[{\"id\":\"acme\"},{\"id\":\"beta\",\"name\":\"B\"},{\"id\":\"off\",\"active\":false}],"
    "\"mediated_bids\":["
    "{\"id\":\"a1\",\"network\":\"acme\",\"cpm\":2.5,\"timeout_ms\":800,\"sizes\":[[300,250],[320,50]],"
    "\"start\":\"2026-11-01T00:00:00Z\",\"end\":null,\"targeting\":{\"placements\":[\"home-top\",\"home-top\"],"
    "\"countries\":[\"US\",\"CAN\"],\"device_types\":[\"mobile\",\"desktop\"],\"domains\":[\"example.com\"],"
    "\"supply_type\":\"site\",\"dayparts\":[{\"days\":[1,2,3,4,5],\"hours\":[20,6]}],"
    "\"key_values\":{\"section\":[\"sports\"]},\"exclude\":{\"countries\":[\"CU\"],\"os\":[\"android\"]}},"
    "\"macros\":{\"ZONE\":\"12345\",\"N\":7},\"tag\":\"<script src=\\\"https://a.example/t.js?z=#{ZONE}&n=#{N}&cb=${CACHEBUSTER}"
    "&a=${AUCTION_ID}&i=${AUCTION_IMP_ID}&s=${WIDTH}x${HEIGHT}\\\"></script>\"},"
    "{\"id\":\"b1\",\"network\":\"beta\",\"cpm\":2.3,\"timeout_ms\":1000,\"sizes\":[[300,250]],"
    "\"targeting\":{\"placements\":[\"home-top\"],\"regions\":[\"CA\"],\"os\":[\"ios\"]},\"tag\":\"B1 ${WIDTH}\"},"
    "{\"id\":\"g\",\"network\":\"acme\",\"cpm\":1.6,\"timeout_ms\":700,\"tag\":\"G\"},"
    "{\"id\":\"app\",\"network\":\"beta\",\"cpm\":4,\"targeting\":{\"supply_type\":[\"app\"],\"domains\":[\"com.example.app\"]},"
    "\"tag\":\"APP\"},"
    "{\"id\":\"x\",\"network\":\"off\",\"cpm\":9,\"tag\":\"X\"},"
    "{\"id\":\"zero\",\"network\":\"acme\",\"cpm\":0,\"tag\":\"Z\"},"
    "{\"id\":\"weekend\",\"network\":\"beta\",\"cpm\":3,\"end\":\"2027-01-01T00:00:00+01:00\","
    "\"targeting\":{\"dayparts\":[{\"days\":[6,7]}],\"key_values\":{\"tags\":[\"nfl\",\"nba\"]}},\"tag\":\"W\"}]}";

static med_config fixed_cfg;
static char fixed_keep[1 << 20], fixed_scratch[1 << 20];

static void init_fixed(void) {
  static int done;
  if (done) return;
  med_arena k, s;
  med_out o;
  static char outbuf[4096];
  med_arena_init(&k, fixed_keep, sizeof fixed_keep);
  med_arena_init(&s, fixed_scratch, sizeof fixed_scratch);
  med_out_init(&o, outbuf, sizeof outbuf);
  FZ_ASSERT(med_load_config(FIXED_CONFIG, sizeof FIXED_CONFIG - 1, 0, &fixed_cfg, &FZ_ZONES, &k, &s, &o) == MED_OK, "fixed config");
  done = 1;
}

static char *api_auction(med_engine *e, const char *doc, size_t len, int32_t h, size_t *n, int32_t *st) {
  char *in = med_input(e, len);
  FZ_ASSERT(in != NULL, "input buffer");
  memcpy(in, doc, len);
  *st = med_auction(e, len, h);
  *n = med_output_len(e);
  fz_check_answer(med_output(e), *n, *st, "{\"id\":");
  return fz_copy(med_output(e), *n);
}

/* med_run_auction on exact-size memory: the same answer in exactly n bytes, no room in n - 1. */
static void direct(const char *doc, size_t len, const med_config *cfg, const char *want, size_t n, int32_t st) {
  size_t cap = len * 64 + 65536;
  char *mem = malloc(cap), *out = malloc(n);
  FZ_ASSERT(mem && out, "memory");
  med_arena a;
  med_out o;
  med_arena_init(&a, mem, cap);
  med_out_init(&o, out, n);
  int r = med_run_auction(doc, len, cfg, &FZ_ZONES, &a, &o);
  if (!a.failed) {
    FZ_ASSERT(r == st, "med_run_auction agrees with med_auction on the status");
    FZ_ASSERT(o.len == n && memcmp(out, want, n) == 0, "med_run_auction gives med_auction's bytes");
    med_arena_init(&a, mem, cap);
    med_out_init(&o, out, n - 1);
    FZ_ASSERT(med_run_auction(doc, len, cfg, &FZ_ZONES, &a, &o) == MED_NO_ROOM, "one byte less is no room");
  }
  free(mem);
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1 << 20)) return 0;
  init_fixed();
  char *doc = fz_copy(data, size);
  med_engine *e = fz_engine_new();
  FZ_ASSERT(e != NULL, "engine");

  /* The document with its own config. */
  size_t n1, n2;
  int32_t st1, st2;
  char *r1 = api_auction(e, doc, size, 0, &n1, &st1);
  char *r2 = api_auction(e, doc, size, 0, &n2, &st2);
  FZ_ASSERT(st1 == st2 && n1 == n2 && memcmp(r1, r2, n1) == 0, "the same document gives the same answer");
  direct(doc, size, NULL, r1, n1, st1);
  free(r1);
  free(r2);

  /* The document's request and bids with the fixed config. */
  char *in = med_input(e, sizeof FIXED_CONFIG - 1);
  FZ_ASSERT(in != NULL, "input buffer");
  memcpy(in, FIXED_CONFIG, sizeof FIXED_CONFIG - 1);
  int32_t h = med_config_load(e, sizeof FIXED_CONFIG - 1);
  FZ_ASSERT(h == 1, "the fixed config loads");
  r1 = api_auction(e, doc, size, h, &n1, &st1);
  direct(doc, size, &fixed_cfg, r1, n1, st1);
  free(r1);

  med_engine_free(e);
  free(doc);
  return 0;
}
