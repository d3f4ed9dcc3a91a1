/* symtab.c — an open-addressing hash table of (namespace, string) to id. */
#include "symtab.h"

#include <string.h>

static int folds(enum med_ns ns) { return ns != MED_NS_PLACEMENT && ns != MED_NS_KV; }
static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static uint32_t hash_bytes(uint32_t h, const char *s, uint32_t n, int fold) {
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    h = (h ^ (fold ? lower(c) : c)) * 16777619u;
  }
  return h;
}

static uint32_t hash_of(enum med_ns ns, med_str s) {
  return hash_bytes((2166136261u ^ (uint32_t)ns) * 16777619u, s.s, s.len, folds(ns));
}

static int same(const med_sym *y, enum med_ns ns, uint32_t h, med_str s) {
  if (y->hash != h || y->ns != ns || y->key.len != s.len) return 0;
  if (!folds(ns)) return memcmp(y->key.s, s.s, s.len) == 0;
  for (uint32_t i = 0; i < s.len; i++)
    if (y->key.s[i] != (char)lower((unsigned char)s.s[i])) return 0;
  return 1;
}

/* Arrays for cap symbols, with at least twice as many slots so probes stay short. */
static int make_room(med_symtab *t, uint32_t cap, med_arena *a) {
  uint32_t slots = 16;
  while (slots < cap * 2 + 2) slots <<= 1;
  med_sym *syms = med_arena_alloc(a, sizeof(med_sym) * ((size_t)cap + 1));
  uint32_t *slot = med_arena_zalloc(a, sizeof(uint32_t) * slots);
  if (!syms || !slot) return 0;
  if (t->nsyms > 1) memcpy(syms, t->syms, sizeof(med_sym) * t->nsyms);
  for (uint32_t id = 1; id < t->nsyms; id++) {
    uint32_t i = syms[id].hash & (slots - 1);
    while (slot[i]) i = (i + 1) & (slots - 1);
    slot[i] = id;
  }
  t->syms = syms;
  t->slots = slot;
  t->capsyms = cap + 1;
  t->nslots = slots;
  return 1;
}

int med_symtab_init(med_symtab *t, uint32_t expect, med_arena *a) {
  t->nsyms = 1;
  return make_room(t, expect < 16 ? 16 : expect, a);
}

/* Doubles the table when the next symbol would not fit. */
static int room_for_one(med_symtab *t, med_arena *a) {
  return t->nsyms < t->capsyms || (t->capsyms < UINT32_MAX / 4 && make_room(t, t->capsyms * 2, a));
}

static uint32_t find_hashed(const med_symtab *t, enum med_ns ns, uint32_t h, med_str s, uint32_t *slot) {
  uint32_t mask = t->nslots - 1;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t id = t->slots[i];
    if (!id || same(&t->syms[id], ns, h, s)) {
      *slot = i;
      return id;
    }
  }
}

uint32_t med_symtab_find(const med_symtab *t, enum med_ns ns, med_str s) {
  uint32_t slot;
  return find_hashed(t, ns, hash_of(ns, s), s, &slot);
}

uint32_t med_symtab_intern(med_symtab *t, enum med_ns ns, med_str s, med_arena *a) {
  uint32_t slot, h = hash_of(ns, s);
  uint32_t id = find_hashed(t, ns, h, s, &slot);
  if (id) return id;
  if (t->nsyms >= t->capsyms) {
    if (!room_for_one(t, a)) return 0;
    find_hashed(t, ns, h, s, &slot);
  }
  med_str key = s;
  if (folds(ns)) {
    char *copy = med_arena_alloc(a, s.len + 1);
    if (!copy) return 0;
    for (uint32_t i = 0; i < s.len; i++) copy[i] = (char)lower((unsigned char)s.s[i]);
    key.s = copy;
  }
  id = t->nsyms++;
  t->syms[id] = (med_sym){h, (uint8_t)ns, key};
  t->slots[slot] = id;
  return id;
}

/* Key-values are hashed as key 0x1f value without building the joined string. */
static uint32_t hash_kv(med_str k, med_str v) {
  uint32_t h = hash_bytes((2166136261u ^ (uint32_t)MED_NS_KV) * 16777619u, k.s, k.len, 0);
  h = (h ^ 0x1fu) * 16777619u;
  return hash_bytes(h, v.s, v.len, 0);
}

static int same_kv(const med_sym *y, uint32_t h, med_str k, med_str v) {
  return y->hash == h && y->ns == MED_NS_KV && y->key.len == k.len + 1 + v.len &&
         memcmp(y->key.s, k.s, k.len) == 0 && y->key.s[k.len] == 0x1f &&
         memcmp(y->key.s + k.len + 1, v.s, v.len) == 0;
}

static uint32_t find_kv(const med_symtab *t, uint32_t h, med_str k, med_str v, uint32_t *slot) {
  uint32_t mask = t->nslots - 1;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t id = t->slots[i];
    if (!id || same_kv(&t->syms[id], h, k, v)) {
      *slot = i;
      return id;
    }
  }
}

uint32_t med_symtab_find_kv(const med_symtab *t, med_str k, med_str v) {
  uint32_t slot;
  return find_kv(t, hash_kv(k, v), k, v, &slot);
}

uint32_t med_symtab_intern_kv(med_symtab *t, med_str k, med_str v, med_arena *a) {
  uint32_t slot, h = hash_kv(k, v);
  uint32_t id = find_kv(t, h, k, v, &slot);
  if (id) return id;
  if (t->nsyms >= t->capsyms) {
    if (!room_for_one(t, a)) return 0;
    find_kv(t, h, k, v, &slot);
  }
  char *joined = med_arena_alloc(a, (size_t)k.len + 1 + v.len);
  if (!joined) return 0;
  memcpy(joined, k.s, k.len);
  joined[k.len] = 0x1f;
  memcpy(joined + k.len + 1, v.s, v.len);
  id = t->nsyms++;
  t->syms[id] = (med_sym){h, MED_NS_KV, {joined, k.len + 1 + v.len}};
  t->slots[slot] = id;
  return id;
}
