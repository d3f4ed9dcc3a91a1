/* wf_heap.c — malloc and free for the page's Wasm build of the waterfall state machine
 * alone (build/engine-wf.wasm, inside dist/mediation.js), in place of emmalloc: there
 * the only blocks asked for are waterfalls (med_wf_new), so a list of freed blocks,
 * each reused for a request it can hold, and memory taken from the top of the heap
 * (grown as needed, never given back) is all the allocator a page needs. Some 700
 * bytes less for every visitor to download. Not used by any other build. */
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base; /* the linker's first free byte */

typedef struct block {
  size_t size;        /* what the block can hold */
  struct block *next; /* on the free list */
} block;

enum { HEAD = 16 }; /* a block's header, keeping what follows 16-byte aligned */

static uintptr_t heap_top;
static block *freed;

void *malloc(size_t n) {
  for (block **at = &freed; *at; at = &(*at)->next)
    if ((*at)->size >= n) {
      block *b = *at;
      *at = b->next;
      return (unsigned char *)b + HEAD;
    }
  if (!heap_top) heap_top = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
  size_t size = (n + 15) & ~(size_t)15;
  if (size < n || size > SIZE_MAX - HEAD - heap_top) return NULL;
  uintptr_t end = heap_top + HEAD + size;
  size_t have = __builtin_wasm_memory_size(0) * 65536u;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535u) / 65536u) == (size_t)-1) return NULL;
  block *b = (block *)heap_top;
  b->size = size;
  heap_top = end;
  return (unsigned char *)b + HEAD;
}

void free(void *p) {
  if (!p) return;
  block *b = (block *)((unsigned char *)p - HEAD);
  b->next = freed;
  freed = b;
}
