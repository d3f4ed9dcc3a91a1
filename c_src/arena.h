/* arena.h — bump allocation over memory the caller owns.
 *
 * The engine never calls malloc: every function that needs memory takes an arena.
 * The host gives the arena a block; when the block runs out, allocation returns NULL
 * and the arena remembers it failed, so the host can retry with a larger block. */
#ifndef MED_ARENA_H
#define MED_ARENA_H

#include <stddef.h>

typedef struct {
  unsigned char *base;
  size_t cap;
  size_t used;
  int failed; /* set once an allocation did not fit */
} med_arena;

void med_arena_init(med_arena *a, void *mem, size_t cap);
void *med_arena_alloc(med_arena *a, size_t size);  /* 8-byte aligned, NULL if full */
void *med_arena_zalloc(med_arena *a, size_t size); /* zero-filled */
size_t med_arena_remaining(const med_arena *a);

#endif
