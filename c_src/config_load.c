/* config_load.c — a kept config read a mediated bid at a time (config_load.h).
 *
 * The text is cut without tokens (med_json_value_end): the top-level object's
 * members, then the elements of its "mediated_bids" array. The top level is copied
 * with that array emptied and read as usual; then each bid is tokenized and read
 * alone. The cutting trusts nothing: every part is checked by med_json_parse as it
 * is read, and on any doubt the text is read whole. */
#include "config_load.h"

#include <string.h>

#include "json.h"

/* The one "mediated_bids" member of the top-level object, if it is an array:
 * [*open, *close) is its value. 0 for any other shape. */
static int find_bids(const char *s, size_t len, size_t *open, size_t *close) {
  int found = 0;
  size_t i = med_json_skip_ws(s, len, 0);
  if (i >= len || s[i] != '{') return 0;
  i = med_json_skip_ws(s, len, i + 1);
  for (;;) {
    size_t key_end = i < len && s[i] == '"' ? med_json_value_end(s, len, i) : 0;
    if (!key_end) return 0;
    int is_bids = key_end - i == 15 && memcmp(s + i, "\"mediated_bids\"", 15) == 0;
    i = med_json_skip_ws(s, len, key_end);
    if (i >= len || s[i] != ':') return 0;
    i = med_json_skip_ws(s, len, i + 1);
    size_t end = med_json_value_end(s, len, i);
    if (!end) return 0;
    if (is_bids) {
      if (found || s[i] != '[') return 0;
      found = 1;
      *open = i;
      *close = end;
    }
    i = med_json_skip_ws(s, len, end);
    if (i < len && s[i] == '}') break;
    if (i >= len || s[i] != ',') return 0;
    i = med_json_skip_ws(s, len, i + 1);
  }
  return found && med_json_skip_ws(s, len, i + 1) == len;
}

/* The elements of the array s[open, close): counted, and written to out unless it
 * is NULL. Returns 0 if they are not values separated by commas. */
static int cut_elements(const char *s, size_t open, size_t close, med_span *out, uint32_t *n) {
  size_t last = close - 1; /* the closing bracket */
  size_t i = med_json_skip_ws(s, last, open + 1);
  *n = 0;
  if (i == last) return 1;
  for (;;) {
    size_t end = med_json_value_end(s, last, i);
    if (!end || *n == UINT32_MAX) return 0;
    if (out) out[*n] = (med_span){i, end};
    (*n)++;
    i = med_json_skip_ws(s, last, end);
    if (i == last) return 1;
    if (s[i] != ',') return 0;
    i = med_json_skip_ws(s, last, i + 1);
  }
}

/* Reads the top level (a copy in keep, the bids' array emptied) and then each bid. */
static int read_in_parts(med_config *cfg, const char *text, size_t len, size_t open, size_t close, med_arena *keep,
                         med_arena *scratch, med_error *err) {
  uint32_t n;
  if (!cut_elements(text, open, close, NULL, &n)) return 0;
  med_span *bids = med_arena_alloc(scratch, sizeof(med_span) * (n ? n : 1));
  size_t tail = len - (close - 1), top_len = open + 1 + tail;
  char *top = med_arena_alloc(keep, top_len + 1);
  if (!bids || !top || !cut_elements(text, open, close, bids, &n)) return 0;
  memcpy(top, text, open + 1);
  memcpy(top + open + 1, text + close - 1, tail);
  top[top_len] = 0;
  med_json j;
  med_config_parts parts = {text, bids, n, scratch};
  return med_json_parse(&j, top, top_len, scratch, err) && med_json_is_object(&j, 0) &&
         med_config_read_parts(cfg, &j, 0, &parts, keep, err);
}

int med_config_load_text(med_config *cfg, const char *text, size_t len, med_arena *keep, med_arena *scratch,
                         med_error *err) {
  size_t open = 0, close = 0, mark = scratch->used;
  if (find_bids(text, len, &open, &close)) {
    if (read_in_parts(cfg, text, len, open, close, keep, scratch, err)) return 1;
    if (keep->failed || scratch->failed) return 0;
    *err = (med_error){0}; /* the whole read below says what is wrong */
    scratch->used = mark;
  }
  med_json j;
  if (!med_json_parse(&j, text, len, scratch, err)) return 0;
  if (!med_json_is_object(&j, 0)) return med_fail(err, "not_object", "", "the config must be a JSON object");
  return med_config_read(cfg, &j, 0, keep, err);
}
