/* country.h — ISO 3166-1 codes: "US" and "USA" name the same country.
 *
 * OpenRTB sends alpha-3 (device.geo.country); publishers often write alpha-2. Both
 * are folded to one 16-bit code (the alpha-2 letters) so targeting compares ints. */
#ifndef MED_COUNTRY_H
#define MED_COUNTRY_H

#include <stddef.h>
#include <stdint.h>

/* 2 or 3 letters, any case. Returns the country's code, or 0 if unknown. */
uint16_t med_country_code(const char *s, size_t n);

#endif
