/* cli.c — the native command line: `mediate auction < input.json`,
 * `mediate config < config.json`, `mediate stats < attempts.json` and
 * `mediate tcf < strings` (one TC string a line, its decoding a line) and
 * `mediate gpp < strings` (the same for GPP strings), `mediate import < report.csv`
 * (a network's report read: its rows, and its bad rows with their lines). Reads stdin,
 * prints one JSON document, exits 0 on success and 2 on bad input. It is the host:
 * the I/O, and the time-zone database (the system's tzdata) for config.timezone. */
#define _DEFAULT_SOURCE /* tm_gmtoff, setenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "consent.h"
#include "gpp.h"

/* A zone exists when tzdata has a file for it; its offset comes from localtime_r
 * under that TZ. */
static int system_zone_offset(void *ctx, const char *zone, size_t len, int64_t utc_ms, int32_t *offset_min) {
  char name[80], path[128];
  (void)ctx;
  if (len == 0 || len >= sizeof name || memchr(zone, '.', len)) return 0;
  memcpy(name, zone, len);
  name[len] = 0;
  snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
  if (access(path, R_OK) != 0) return 0;
  setenv("TZ", name, 1);
  tzset();
  time_t t = (time_t)(utc_ms >= 0 ? utc_ms / 1000 : -((999 - utc_ms) / 1000));
  struct tm tm;
  if (!localtime_r(&t, &tm)) return 0;
  *offset_min = (int32_t)(tm.tm_gmtoff / 60);
  return 1;
}

static int read_stdin(med_engine *e, size_t *len) {
  size_t cap = 1 << 16, n = 0;
  char *buf = med_input(e, cap);
  for (;;) {
    if (!buf) return 0;
    size_t got = fread(buf + n, 1, cap - n, stdin);
    n += got;
    if (got == 0) break;
    if (n == cap) {
      cap *= 2;
      buf = med_input(e, cap);
    }
  }
  *len = n;
  return !ferror(stdin);
}

static void print_ids(const char *key, int first, uint32_t max, int (*has)(const med_tcf *, uint32_t),
                      const med_tcf *t) {
  printf(first ? "\"%s\":[" : ",\"%s\":[", key);
  int n = 0;
  for (uint32_t i = 1; i <= max; i++)
    if (has(t, i)) printf(n++ ? ",%u" : "%u", i);
  putchar(']');
}
static int special_feature(const med_tcf *t, uint32_t f) { return f <= 12 && ((t->special_features >> (f - 1)) & 1); }

/* Each line of stdin a TC string; each line of stdout its decoding as JSON, named as
 * the IAB's own library names the fields (tests compare the two), or {"error": why}. */
static int tcf_lines(void) {
  static char line[1 << 16];
  size_t cap = 1 << 20;
  void *mem = malloc(cap);
  if (!mem) return 1;
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strcspn(line, "\r\n");
    med_arena a;
    med_arena_init(&a, mem, cap);
    med_tcf t;
    const char *why;
    if (!med_tcf_decode(&t, (med_str){line, (uint32_t)n}, &a, &why)) {
      printf("{\"error\":\"%s\"}\n", why);
      continue;
    }
    printf("{\"version\":%d,\"created\":%lld,\"lastUpdated\":%lld,\"cmpId\":%d,\"cmpVersion\":%d,"
           "\"consentScreen\":%d,\"consentLanguage\":\"%s\",\"vendorListVersion\":%d,\"policyVersion\":%d,"
           "\"isServiceSpecific\":%s,\"useNonStandardTexts\":%s,\"purposeOneTreatment\":%s,"
           "\"publisherCountryCode\":\"%s\",",
           t.version, (long long)t.created_ds, (long long)t.updated_ds, t.cmp_id, t.cmp_version, t.consent_screen,
           t.language, t.vendor_list_version, t.policy_version, t.service_specific ? "true" : "false",
           t.non_standard_stacks ? "true" : "false", t.purpose_one_treatment ? "true" : "false", t.publisher_cc);
    print_ids("specialFeatureOptins", 1, 12, special_feature, &t);
    print_ids("purposeConsents", 0, 24, med_tcf_purpose_consent, &t);
    print_ids("purposeLegitimateInterests", 0, 24, med_tcf_purpose_li, &t);
    print_ids("vendorConsents", 0, t.vendor_consent.max, med_tcf_vendor_consent, &t);
    print_ids("vendorLegitimateInterests", 0, t.vendor_li.max, med_tcf_vendor_li, &t);
    fputs(",\"publisherRestrictions\":[", stdout);
    for (uint32_t i = 0; i < t.nrestrictions; i++)
      printf("%s[%u,%u,%u,%u]", i ? "," : "", t.restrictions[i].purpose, t.restrictions[i].type,
             t.restrictions[i].first, t.restrictions[i].last);
    fputs("]}\n", stdout);
  }
  free(mem);
  return 0;
}

/* Each line of stdin a GPP string; each line of stdout its section ids and, for each
 * US section, whether it says the user opted out of sale (true, false, or its error);
 * or {"error": why}. */
static int gpp_lines(void) {
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strcspn(line, "\r\n");
    med_gpp g;
    const char *why;
    if (!med_gpp_decode(&g, (med_str){line, (uint32_t)n}, &why)) {
      printf("{\"error\":\"%s\"}\n", why);
      continue;
    }
    fputs("{\"sectionIds\":[", stdout);
    for (uint32_t k = 0; k < g.nsections; k++) printf("%s%u", k ? "," : "", g.sections[k].id);
    fputs("],\"saleOptOut\":{", stdout);
    int first = 1;
    for (uint32_t k = 0; k < g.nsections; k++) {
      uint16_t id = g.sections[k].id;
      if (id < MED_GPP_USP || id > MED_GPP_US_LAST) continue;
      int out = med_gpp_sale_opt_out(id, g.sections[k].text, &why);
      printf("%s\"%u\":", first ? "" : ",", id);
      if (out < 0) printf("\"%s\"", why);
      else fputs(out ? "true" : "false", stdout);
      first = 0;
    }
    fputs("}}\n", stdout);
  }
  return 0;
}

static int usage(void) {
  fputs("usage: mediate auction < input.json     run one auction (docs/auction.md)\n"
        "       mediate config < config.json     check a mediation config\n"
        "       mediate stats < attempts.json    statistics of reported attempts\n"
        "       mediate import < report.csv      read a network's report (rows and errors)\n"
        "       mediate suggest < doc.json       discrepancy and suggested CPMs\n"
        "       mediate tcf < strings            decode TC strings, one a line\n"
        "       mediate gpp < strings            decode GPP strings, one a line\n",
        stderr);
  return 64;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "tcf") == 0) return tcf_lines();
  if (argc == 2 && strcmp(argv[1], "gpp") == 0) return gpp_lines();
  if (argc != 2 || (strcmp(argv[1], "auction") != 0 && strcmp(argv[1], "config") != 0 &&
                    strcmp(argv[1], "stats") != 0 && strcmp(argv[1], "import") != 0 && strcmp(argv[1], "suggest") != 0))
    return usage();
  med_engine *e = med_engine_new();
  size_t len = 0;
  if (e) med_engine_set_zones(e, system_zone_offset, NULL);
  if (!e || !read_stdin(e, &len)) {
    fputs("mediate: cannot read standard input\n", stderr);
    return 1;
  }
  int status = 0;
  if (strcmp(argv[1], "auction") == 0) status = med_auction(e, len, 0) == 0 ? 0 : 2;
  else if (strcmp(argv[1], "stats") == 0) status = med_report(e, len) == 0 ? 0 : 2;
  else if (strcmp(argv[1], "suggest") == 0) status = med_suggest(e, len) == 0 ? 0 : 2;
  else if (strcmp(argv[1], "import") == 0) status = med_import(e, len) == 0 && !strstr(med_output(e), "\"error_count\":0}") ? 2 : 0;
  else status = med_config_load(e, len) > 0 ? 0 : 2;
  fwrite(med_output(e), 1, med_output_len(e), stdout);
  fputc('\n', stdout);
  med_engine_free(e);
  return status;
}
