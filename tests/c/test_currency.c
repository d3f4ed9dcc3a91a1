/* test_currency.c — currency codes, minor units, and conversion in integers: exact
 * where a double would not be, one rounding rule, no wrap-around at the limits. */
#include "bounds.h"
#include "check.h"
#include "currency.h"

int main(void) {
  CHECK(med_is_currency("USD", 3) && med_is_currency("JPY", 3));
  CHECK(!med_is_currency("usd", 3) && !med_is_currency("US", 2) && !med_is_currency("US1", 3));

  CHECK(med_minor_unit_micros("USD") == 10000);
  CHECK(med_minor_unit_micros("EUR") == 10000);
  CHECK(med_minor_unit_micros("JPY") == 1000000);
  CHECK(med_minor_unit_micros("KRW") == 1000000);
  CHECK(med_minor_unit_micros("KWD") == 1000);

  /* 10.00 at 1.23456789: 12.3456789 exactly, rounded to 12.345679. */
  CHECK(med_convert(10000000, 1234567890, MED_MAX_MICROS) == 12345679);
  /* A billion-unit CPM at a rate of 0.999999999: the product passes 2^53, still exact. */
  CHECK(med_convert(MED_MAX_MICROS, 999999999, MED_MAX_MICROS) == MED_MAX_MICROS - 1000000);
  /* Half a micro-unit rounds away from zero, both ways. */
  CHECK(med_convert(1, 500000000, MED_MAX_MICROS) == 1);
  CHECK(med_convert(-1, 500000000, MED_MAX_MICROS) == -1);
  CHECK(med_convert(3, 500000000, MED_MAX_MICROS) == 2);
  /* Back: 1.08 EUR per unit; 2.70 in the config currency is 2.50 of it. */
  CHECK(med_convert_back(2700000, 1080000000, MED_MAX_MICROS) == 2500000);
  CHECK(med_convert_back(1000000, 3000000000, MED_MAX_MICROS) == 333333);
  /* The same rate is the identity. */
  CHECK(med_convert(123456789, 1000000000, MED_MAX_MICROS) == 123456789);
  /* Beyond the limit: just beyond it, never wrapped. */
  CHECK(med_convert(MED_MAX_MICROS, 1000000000000000, MED_MAX_MICROS) == MED_MAX_MICROS + 1);
  CHECK(med_convert(-MED_MAX_MICROS, 1000000000000000, MED_MAX_MICROS) == -MED_MAX_MICROS - 1);
  CHECK(med_convert_back(MED_MAX_MICROS, 1, MED_MAX_MICROS) == MED_MAX_MICROS + 1);
  return check_report();
}
