/* arena.c — the one allocator of the engine: a bump pointer in a caller's block. */
#include "arena.h"

#include <string.h>

void med_arena_init(med_arena *a, void *mem, size_t cap) {
  a->base = mem;
  a->cap = cap;
  a->used = 0;
  a->failed = 0;
  a->more = NULL;
  a->ctx = NULL;
  a->nblocks = 0;
}

void med_arena_init_more(med_arena *a, med_arena_more_fn more, void *ctx) {
  med_arena_init(a, NULL, 0);
  a->more = more;
  a->ctx = ctx;
}

/* Moves to a new block that holds `size` bytes; what the old one had left is not used. */
static int next_block(med_arena *a, size_t size) {
  size_t cap = 0, want = MED_ARENA_FIRST_BLOCK << (a->nblocks < 4 ? a->nblocks : 4);
  if (want > MED_ARENA_MAX_BLOCK) want = MED_ARENA_MAX_BLOCK;
  if (want < size) want = size;
  void *mem = a->more && size <= (size_t)-1 - 8 ? a->more(a->ctx, want, &cap) : NULL;
  if (!mem || cap < size) return 0;
  a->base = mem;
  a->cap = cap;
  a->used = 0;
  a->nblocks++;
  return 1;
}

void *med_arena_alloc(med_arena *a, size_t size) {
  size_t start = (a->used + 7u) & ~(size_t)7u;
  if (start > a->cap || size > a->cap - start) {
    if (!next_block(a, size)) {
      a->failed = 1;
      return NULL;
    }
    start = 0;
  }
  a->used = start + size;
  return a->base + start;
}

void *med_arena_zalloc(med_arena *a, size_t size) {
  void *p = med_arena_alloc(a, size);
  if (p) memset(p, 0, size);
  return p;
}

size_t med_arena_remaining(const med_arena *a) {
  return a->used >= a->cap ? 0 : a->cap - a->used;
}
