/* check.h — the smallest test harness: CHECK(cond) counts and reports, and each
 * test binary ends with "N passed, N failed". */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (cond) {                                                             \
      check_passed++;                                                       \
    } else {                                                                \
      check_failed++;                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                       \
  } while (0)

#define CHECK_STR(got, want)                                                          \
  do {                                                                                \
    const char *g_ = (got), *w_ = (want);                                             \
    if (g_ && w_ && strcmp(g_, w_) == 0) {                                            \
      check_passed++;                                                                 \
    } else {                                                                          \
      check_failed++;                                                                 \
      fprintf(stderr, "%s:%d: got  %s\n%*swant %s\n", __FILE__, __LINE__, g_ ? g_ : "(null)", \
              (int)strlen(__FILE__) + 8, "", w_ ? w_ : "(null)");                     \
    }                                                                                 \
  } while (0)

static int check_report(void) {
  printf("%d passed, %d failed\n", check_passed, check_failed);
  return check_failed ? 1 : 0;
}

#endif
