/* currency.h — ISO 4217 money: what a currency code looks like, how small its
 * smallest unit is, and converting amounts between currencies in integers.
 *
 * Amounts are micro-units (1 USD = 1 000 000); a rate is the value of one unit of a
 * currency in another, in nano-units. Conversion multiplies and divides in 128-bit
 * integers and rounds once, half away from zero: the same input gives the same
 * cents on every host, with no floating point in the path. */
#ifndef MED_CURRENCY_H
#define MED_CURRENCY_H

#include <stddef.h>
#include <stdint.h>

/* Three capital letters. */
int med_is_currency(const char *code, size_t len);

/* The currency's smallest unit in micro-units: 10 000 for USD or EUR (a cent),
 * 1 000 000 for JPY or KRW (no minor unit), 1 000 for KWD or BHD (a fils). */
int64_t med_minor_unit_micros(const char code[3]);

/* micros × rate_nano / 1e9 and micros × 1e9 / rate_nano, rounded; a result beyond
 * ±max comes out as just beyond it (max + 1 or -max - 1), never wrapped. */
int64_t med_convert(int64_t micros, int64_t rate_nano, int64_t max);
int64_t med_convert_back(int64_t micros, int64_t rate_nano, int64_t max);

#endif
