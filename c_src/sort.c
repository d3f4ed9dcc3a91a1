/* sort.c — bottom-up merge sort; insertion sort for the short runs auctions have. */
#include "sort.h"

#include <string.h>

static void insertion(uint32_t *idx, uint32_t n, med_less_fn less, const void *ctx) {
  for (uint32_t i = 1; i < n; i++) {
    uint32_t v = idx[i], k = i;
    while (k > 0 && less(v, idx[k - 1], ctx)) {
      idx[k] = idx[k - 1];
      k--;
    }
    idx[k] = v;
  }
}

void med_sort(uint32_t *idx, uint32_t n, uint32_t *tmp, med_less_fn less, const void *ctx) {
  enum { RUN = 16 };
  for (uint32_t lo = 0; lo < n; lo += RUN) insertion(idx + lo, n - lo < RUN ? n - lo : RUN, less, ctx);
  uint32_t *src = idx, *dst = tmp;
  for (uint32_t width = RUN; width < n; width *= 2) {
    for (uint32_t lo = 0; lo < n; lo += 2 * width) {
      uint32_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      uint32_t a = lo, b = mid, o = lo;
      while (a < mid && b < hi) dst[o++] = less(src[b], src[a], ctx) ? src[b++] : src[a++];
      while (a < mid) dst[o++] = src[a++];
      while (b < hi) dst[o++] = src[b++];
    }
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != idx) memcpy(idx, src, sizeof(uint32_t) * n);
}
