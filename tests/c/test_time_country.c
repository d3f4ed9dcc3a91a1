/* test_time_country.c — timestamps, weekdays and hours; ISO 3166 folding. */
#include "check.h"
#include "country.h"
#include "isotime.h"

static int64_t t(const char *s) {
  int64_t ms = -1;
  return med_time_parse(s, strlen(s), &ms) ? ms : -1;
}

int main(void) {
  CHECK(t("1970-01-01T00:00:00Z") == 0);
  CHECK(t("2026-11-27T12:00:00Z") == 1795780800000);
  CHECK(t("2026-11-27T13:00:00+01:00") == 1795780800000);
  CHECK(t("2026-11-27T12:00:00.250Z") == 1795780800250);
  CHECK(t("2024-02-29T00:00:00Z") > 0);
  CHECK(t("2025-02-29T00:00:00Z") == -1);
  CHECK(t("2026-13-01T00:00:00Z") == -1);
  CHECK(t("2026-11-27 12:00:00") == -1); /* no zone */
  CHECK(t("2026-11-27T24:00:00Z") == -1);
  CHECK(t("yesterday") == -1);
  CHECK(t("2026-11-27T12:00:00Zjunk") == -1);
  CHECK(med_time_weekday(t("2026-11-27T12:00:00Z")) == 5); /* a Friday */
  CHECK(med_time_weekday(t("2026-11-29T23:59:59Z")) == 7);
  CHECK(med_time_weekday(t("2026-11-30T00:00:00Z")) == 1);
  CHECK(med_time_weekday(t("1969-12-31T12:00:00Z")) == 3); /* before the epoch */
  CHECK(med_time_hour(t("2026-11-27T17:59:59Z")) == 17);
  CHECK(med_time_hour(t("1969-12-31T23:30:00Z")) == 23);

  CHECK(med_country_code("US", 2) == med_country_code("USA", 3));
  CHECK(med_country_code("usa", 3) == med_country_code("us", 2));
  CHECK(med_country_code("GB", 2) == med_country_code("GBR", 3));
  CHECK(med_country_code("DE", 2) == med_country_code("DEU", 3));
  CHECK(med_country_code("CU", 2) != 0 && med_country_code("CU", 2) != med_country_code("US", 2));
  CHECK(med_country_code("XX", 2) == 0);
  CHECK(med_country_code("U", 1) == 0);
  CHECK(med_country_code("U1", 2) == 0);
  return check_report();
}
