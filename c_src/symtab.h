/* symtab.h — interning the config's target strings, so targeting compares ints.
 *
 * At config load every placement, region, OS, domain and key-value that a target
 * names gets a small id (>= 1). At auction time the request's own values are looked
 * up once per request, and each bid's checks become tiny integer-array scans. A
 * value the config never names gets 0, which no target holds. */
#ifndef MED_SYMTAB_H
#define MED_SYMTAB_H

#include <stdint.h>

#include "arena.h"
#include "json.h"

enum med_ns { MED_NS_PLACEMENT = 1, MED_NS_REGION, MED_NS_OS, MED_NS_DOMAIN, MED_NS_KV };

typedef struct {
  uint32_t hash;
  uint8_t ns;
  med_str key; /* normalised: lower case where the namespace ignores case */
} med_sym;

typedef struct {
  med_sym *syms;    /* syms[0] unused */
  uint32_t nsyms;   /* ids in use are 1 .. nsyms-1 */
  uint32_t capsyms;
  uint32_t *slots;  /* open addressing, 0 = empty */
  uint32_t nslots;  /* a power of two */
} med_symtab;

/* Room for `expect` distinct strings to start with; the table doubles in the arena
 * as it fills (the old arrays stay behind, less than the final size in all). */
int med_symtab_init(med_symtab *t, uint32_t expect, med_arena *a);
/* Interns (ns, s): the id, or 0 if the arena is out of room. Case is folded for
 * namespaces other than PLACEMENT and KV. The bytes must outlive the table. */
uint32_t med_symtab_intern(med_symtab *t, enum med_ns ns, med_str s, med_arena *a);
/* The id of (ns, s), or 0 if never interned. */
uint32_t med_symtab_find(const med_symtab *t, enum med_ns ns, med_str s);
/* A key-value pair is one symbol: key, a 0x1f byte, value. */
uint32_t med_symtab_find_kv(const med_symtab *t, med_str key, med_str value);
uint32_t med_symtab_intern_kv(med_symtab *t, med_str key, med_str value, med_arena *a);

#endif
