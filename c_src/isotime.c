/* isotime.c — civil date arithmetic on a proleptic Gregorian calendar. */
#include "isotime.h"

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 1;
}

/* Days from 1970-01-01 to y-m-d (Howard Hinnant's well-known algorithm). */
static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 ? 28 + leap : dm[m - 1];
}

int med_day_parse(const char *s, size_t n, int64_t *day) {
  int y, m, d;
  if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
    return 0;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return 0;
  *day = days_from_civil(y, m, d);
  return 1;
}

/* The inverse of days_from_civil (the same algorithm). */
void med_day_format(int64_t day, char out[10]) {
  int64_t z = day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
  const int64_t parts[3] = {y, m, d};
  const int last[3] = {3, 6, 9}, width[3] = {4, 2, 2};
  for (int k = 0; k < 3; k++) {
    int64_t v = parts[k];
    for (int i = 0; i < width[k]; i++, v /= 10) out[last[k] - i] = (char)('0' + v % 10);
  }
  out[4] = out[7] = '-';
}

int med_time_parse(const char *s, size_t n, int64_t *ms_out) {
  int y, mo, d, h, mi, se, ms = 0;
  if (n < 20 || n > 40) return 0;
  if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' ||
      !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
    return 0;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59) return 0;
  size_t i = 19;
  if (i < n && s[i] == '.') {
    i++;
    int nd = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
      if (nd < 3) ms = ms * 10 + (s[i] - '0');
      nd++, i++;
    }
    if (nd == 0) return 0;
    for (; nd < 3; nd++) ms *= 10;
  }
  int off_min = 0;
  if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
    i++;
  } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh, om;
    if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59) return 0;
    off_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return 0;
  }
  if (i != n) return 0;
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - (int64_t)off_min * 60;
  *ms_out = secs * 1000 + ms;
  return 1;
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

int med_time_weekday(int64_t ms) {
  int64_t days = floor_div(ms, 86400000);
  /* 1970-01-01 was a Thursday (ISO 4). */
  int64_t w = (days + 3) % 7;
  if (w < 0) w += 7;
  return (int)w + 1;
}

int med_time_hour(int64_t ms) {
  int64_t in_day = ms - floor_div(ms, 86400000) * 86400000;
  return (int)(in_day / 3600000);
}
