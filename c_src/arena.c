/* arena.c — the one allocator of the engine: a bump pointer in a caller's block. */
#include "arena.h"

#include <string.h>

void med_arena_init(med_arena *a, void *mem, size_t cap) {
  a->base = mem;
  a->cap = cap;
  a->used = 0;
  a->failed = 0;
}

void *med_arena_alloc(med_arena *a, size_t size) {
  size_t start = (a->used + 7u) & ~(size_t)7u;
  if (start > a->cap || size > a->cap - start) {
    a->failed = 1;
    return NULL;
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
