/* sort.h — a stable merge sort of index arrays, so equal keys keep input order and
 * every host gets the same order (qsort promises neither). */
#ifndef MED_SORT_H
#define MED_SORT_H

#include <stdint.h>

typedef int (*med_less_fn)(uint32_t a, uint32_t b, const void *ctx);

/* Sorts idx[0..n) by less(); tmp must hold n entries. */
void med_sort(uint32_t *idx, uint32_t n, uint32_t *tmp, med_less_fn less, const void *ctx);

#endif
