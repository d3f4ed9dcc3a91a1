/* currency.c — currency codes, minor units and integer conversion. */
#include "currency.h"

#include <string.h>

#ifndef __SIZEOF_INT128__
#error "currency.c needs a compiler with 128-bit integers (gcc and clang have them on x86_64 and wasm32)"
#endif

int med_is_currency(const char *code, size_t len) {
  if (len != 3) return 0;
  for (int i = 0; i < 3; i++)
    if (code[i] < 'A' || code[i] > 'Z') return 0;
  return 1;
}

int64_t med_minor_unit_micros(const char code[3]) {
  /* ISO 4217 currencies with no minor unit, then those with three decimals; all
   * others have two. */
  static const char none[] = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF ";
  static const char three[] = "BHD IQD JOD KWD LYD OMR TND ";
  for (const char *p = none; *p; p += 4)
    if (memcmp(p, code, 3) == 0) return 1000000;
  for (const char *p = three; *p; p += 4)
    if (memcmp(p, code, 3) == 0) return 1000;
  return 10000;
}

/* a × b / d rounded half away from zero (d > 0), held to ±(max + 1). */
static int64_t mul_div(int64_t a, int64_t b, int64_t d, int64_t max) {
  __int128 p = (__int128)a * b;
  int neg = p < 0;
  unsigned __int128 m = (unsigned __int128)(neg ? -p : p);
  unsigned __int128 q = (m + (unsigned __int128)(d / 2)) / (unsigned __int128)d;
  if (q > (unsigned __int128)max) return neg ? -max - 1 : max + 1;
  return neg ? -(int64_t)q : (int64_t)q;
}

int64_t med_convert(int64_t micros, int64_t rate_nano, int64_t max) {
  if (rate_nano == 1000000000) return micros;
  return mul_div(micros, rate_nano, 1000000000, max);
}

int64_t med_convert_back(int64_t micros, int64_t rate_nano, int64_t max) {
  if (rate_nano == 1000000000) return micros;
  return mul_div(micros, 1000000000, rate_nano, max);
}
