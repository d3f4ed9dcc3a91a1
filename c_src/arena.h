/* arena.h — bump allocation over memory the caller owns.
 *
 * The engine never calls malloc: every function that needs memory takes an arena.
 * The host gives the arena a block; when the block runs out, allocation returns NULL
 * and the arena remembers it failed, so the host can retry with a larger block.
 * An arena that lives long (a loaded config) can instead be given a `more`
 * function: when the block runs out, the host hands over another one of at least
 * the size asked for, so the arena takes what it needs and no more. */
#ifndef MED_ARENA_H
#define MED_ARENA_H

#include <stddef.h>

/* Another block of at least `size` bytes (8-byte aligned), its size in *cap; NULL if none. */
typedef void *(*med_arena_more_fn)(void *ctx, size_t size, size_t *cap);

typedef struct {
  unsigned char *base;
  size_t cap;
  size_t used;
  int failed; /* set once an allocation did not fit */
  med_arena_more_fn more; /* NULL: one block */
  void *ctx;
  unsigned nblocks; /* blocks asked of `more` so far */
} med_arena;

/* Blocks asked of `more` start at the first size and double up to the second, so a
 * small config takes a few KB and a large one few blocks. (The host may give more.) */
#define MED_ARENA_FIRST_BLOCK ((size_t)4 * 1024)
#define MED_ARENA_MAX_BLOCK ((size_t)64 * 1024)

void med_arena_init(med_arena *a, void *mem, size_t cap);
/* An arena with no block yet that asks more(ctx, ...) for each block it needs. */
void med_arena_init_more(med_arena *a, med_arena_more_fn more, void *ctx);
void *med_arena_alloc(med_arena *a, size_t size);  /* 8-byte aligned, NULL if full */
void *med_arena_zalloc(med_arena *a, size_t size); /* zero-filled */
size_t med_arena_remaining(const med_arena *a);

#endif
