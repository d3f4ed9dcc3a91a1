/* test_json.c — the JSON layer: what jsmn accepts that JSON does not, numbers,
 * navigation without recursion, and the writer. */
#include "check.h"
#include "json.h"

static char mem[1 << 24];

static const char *parse_code(const char *s) {
  static med_error err;
  med_arena a;
  med_json j;
  memset(&err, 0, sizeof err);
  med_arena_init(&a, mem, sizeof mem);
  return med_json_parse(&j, s, strlen(s), &a, &err) ? "ok" : err.code;
}

static void test_validity(void) {
  CHECK_STR(parse_code("{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}"), "ok");
  CHECK_STR(parse_code("  {}  \n"), "ok");
  CHECK_STR(parse_code(""), "empty_input");
  CHECK_STR(parse_code("   "), "empty_input");
  CHECK_STR(parse_code("{\"a\":1"), "truncated_json");
  CHECK_STR(parse_code("{\"a\":\"x"), "truncated_json");
  CHECK_STR(parse_code("{} x"), "trailing_garbage");
  CHECK_STR(parse_code("{} {}"), "trailing_garbage");
  CHECK_STR(parse_code("{\"a\":1 \"b\":2}"), "invalid_json");  /* missing comma */
  CHECK_STR(parse_code("{\"a\" 1}"), "invalid_json");         /* missing colon */
  CHECK_STR(parse_code("[1,]"), "invalid_json");              /* trailing comma */
  CHECK_STR(parse_code("{\"a\":1,}"), "invalid_json");
  CHECK_STR(parse_code("[,1]"), "invalid_json");
  CHECK_STR(parse_code("[1,,2]"), "invalid_json");
  CHECK_STR(parse_code("[ , ]"), "invalid_json");
  CHECK_STR(parse_code("{\"a\"}"), "invalid_json");
  CHECK_STR(parse_code("{\"a\":1:2}"), "invalid_json");
  CHECK_STR(parse_code("[\"a\":1]"), "invalid_json");
  CHECK_STR(parse_code("[NaN]"), "invalid_json");
  CHECK_STR(parse_code("[Infinity]"), "invalid_json");
  CHECK_STR(parse_code("[-]"), "invalid_json");
  CHECK_STR(parse_code("[01]"), "invalid_json");
  CHECK_STR(parse_code("[1.]"), "invalid_json");
  CHECK_STR(parse_code("[tru]"), "invalid_json");
  CHECK_STR(parse_code("[1e400]"), "ok"); /* valid JSON; out of range when read */
  CHECK_STR(parse_code("[\"a\tb\"]"), "invalid_json"); /* raw tab in a string */
  CHECK_STR(parse_code("[\"a\\tb\"]"), "ok");
  CHECK_STR(parse_code("[\"\xff\"]"), "invalid_utf8");
  CHECK_STR(parse_code("[\"\xc0\xaf\"]"), "invalid_utf8"); /* overlong */
  CHECK_STR(parse_code("[\"\xed\xa0\x80\"]"), "invalid_utf8"); /* surrogate */
  CHECK_STR(parse_code("[\"\xe2\x82\"]"), "invalid_utf8"); /* cut */
  CHECK_STR(parse_code("[\"caf\xc3\xa9 \xf0\x9f\x98\x80\"]"), "ok");
  CHECK_STR(parse_code("[\"a\x01\"]"), "invalid_json");
  char nul[] = "{\"a\":\"x\0y\"}";
  med_error err = {0};
  med_arena a;
  med_json j;
  med_arena_init(&a, mem, sizeof mem);
  CHECK(!med_json_parse(&j, nul, sizeof nul - 1, &a, &err));
}

static void test_deep(void) {
  enum { D = 100000 };
  static char s[2 * D + 16];
  size_t n = 0;
  s[n++] = '{';
  memcpy(s + n, "\"x\":", 4), n += 4;
  for (int i = 0; i < D; i++) s[n++] = '[';
  for (int i = 0; i < D; i++) s[n++] = ']';
  memcpy(s + n, ",\"y\":7}", 7), n += 7;
  s[n] = 0;
  CHECK_STR(parse_code(s), "too_deep");
  /* 120 levels parse, and skipping them needs no recursion. */
  n = 0;
  s[n++] = '{';
  memcpy(s + n, "\"x\":", 4), n += 4;
  for (int i = 0; i < 120; i++) s[n++] = '[';
  for (int i = 0; i < 120; i++) s[n++] = ']';
  memcpy(s + n, ",\"y\":7}", 7), n += 7;
  s[n] = 0;
  med_error err = {0};
  med_arena a;
  med_json j;
  med_arena_init(&a, mem, sizeof mem);
  CHECK(med_json_parse(&j, s, n, &a, &err));
  int k = med_json_first(&j, 0);
  k = med_json_next_key(&j, 0, k);
  CHECK(k > 0 && med_json_streq(&j, k, "y"));
  int64_t v;
  CHECK(med_json_int(&j, k + 1, 0, 10, &v) && v == 7);
}

static void test_numbers(void) {
  const char *s = "[2.5,0.000001,1e2,-3,1e400,12.0000005,3.14,1E-7,123456789012345678901234]";
  med_error err = {0};
  med_arena a;
  med_json j;
  med_arena_init(&a, mem, sizeof mem);
  CHECK(med_json_parse(&j, s, strlen(s), &a, &err));
  int64_t v;
  CHECK(med_json_fixed(&j, 1, 6, INT64_MAX, &v) && v == 2500000);
  CHECK(med_json_fixed(&j, 2, 6, INT64_MAX, &v) && v == 1);
  CHECK(med_json_int(&j, 3, 0, 1000, &v) && v == 100);
  CHECK(med_json_int(&j, 4, -10, 10, &v) && v == -3);
  CHECK(!med_json_fixed(&j, 5, 6, INT64_MAX, &v));
  CHECK(med_json_fixed(&j, 6, 6, INT64_MAX, &v) && v == 12000001); /* half away from zero */
  CHECK(!med_json_int(&j, 7, 0, 100, &v));                         /* 3.14 is no integer */
  CHECK(med_json_fixed(&j, 8, 6, INT64_MAX, &v) && v == 0);
  CHECK(!med_json_fixed(&j, 9, 6, INT64_MAX, &v));
}

static void test_writer(void) {
  char buf[64];
  med_out o;
  med_out_init(&o, buf, sizeof buf);
  med_out_micros(&o, 2500000);
  med_out_char(&o, ' ');
  med_out_micros(&o, 1);
  med_out_char(&o, ' ');
  med_out_micros(&o, -1954000);
  med_out_char(&o, ' ');
  med_out_escaped(&o, "a\"\n\xe2\x82");
  buf[o.len] = 0;
  CHECK_STR(buf, "2.5 0.000001 -1.954 \"a\\\"\\u000a??\"");
  med_out_init(&o, buf, 4);
  med_out_lit(&o, "12345");
  CHECK(o.overflow);
}

int main(void) {
  test_validity();
  test_deep();
  test_numbers();
  test_writer();
  return check_report();
}
