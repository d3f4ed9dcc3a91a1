/* reports.c — reading a network report CSV: fields split as RFC 4180 says, each
 * row's date, network, bid, impressions, revenue and currency checked, rows and
 * errors written as JSON with their line numbers. */
#include "reports.h"

#include <string.h>

#include "currency.h"
#include "isotime.h"

enum { COL_DATE, COL_NETWORK, COL_BID, COL_IMPRESSIONS, COL_REVENUE, COL_CURRENCY, NCOLS };
static const char *const COLS[NCOLS] = {"date", "network", "bid", "impressions", "revenue", "currency"};
enum { MAX_FIELDS = 64, MAX_TEXT = 256 };

typedef struct {
  const char *s;
  size_t len;
  size_t at;
  uint32_t line;
} csv;

typedef struct {
  char *s; /* unquoted, in the arena */
  size_t len;
} field;

/* One record's fields (a quoted field may hold line breaks). Returns the count, 0 at
 * the end, -1 when the arena is full, -2 for an unclosed quote. */
static int record(csv *c, med_arena *a, field *f) {
  if (c->at >= c->len) return 0;
  int n = 0;
  for (;;) {
    size_t start = c->at, cap = 0;
    char *buf = NULL;
    size_t k = 0;
    if (c->at < c->len && c->s[c->at] == '"') {
      /* Its length first (a "" is one quote), then the text. */
      size_t j = c->at + 1;
      for (;; j++) {
        if (j >= c->len) return -2;
        if (c->s[j] == '"') {
          if (j + 1 < c->len && c->s[j + 1] == '"') j++, cap++;
          else break;
        } else {
          cap++;
        }
      }
      buf = med_arena_alloc(a, cap + 1);
      if (!buf) return -1;
      for (size_t i = c->at + 1; i < j; i++) {
        if (c->s[i] == '"') i++; /* the first of a "" pair */
        else if (c->s[i] == '\n') c->line++;
        buf[k++] = c->s[i];
      }
      c->at = j + 1;
      while (c->at < c->len && c->s[c->at] != ',' && c->s[c->at] != '\n') c->at++; /* after the quote */
    } else {
      while (c->at < c->len && c->s[c->at] != ',' && c->s[c->at] != '\n') c->at++;
      size_t end = c->at;
      while (end > start && (c->s[end - 1] == '\r' || c->s[end - 1] == ' ' || c->s[end - 1] == '\t')) end--;
      while (start < end && (c->s[start] == ' ' || c->s[start] == '\t')) start++;
      buf = med_arena_alloc(a, end - start + 1);
      if (!buf) return -1;
      memcpy(buf, c->s + start, end - start);
      k = end - start;
    }
    if (n < MAX_FIELDS) f[n++] = (field){buf, k};
    if (c->at >= c->len || c->s[c->at] == '\n') {
      c->at++;
      return n;
    }
    c->at++; /* the comma */
  }
}

static int same_ci(const field *f, const char *name) {
  size_t n = strlen(name);
  if (f->len != n) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = f->s[i];
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    if (ch != name[i]) return 0;
  }
  return 1;
}

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return n > 0;
}

/* A non-negative decimal with at most 6 decimals, in micro-units. */
static int read_micros(const field *f, int64_t max_units, int64_t *out) {
  size_t i = 0, n = f->len;
  int64_t units = 0, frac = 0;
  int places = 0;
  while (i < n && f->s[i] >= '0' && f->s[i] <= '9' && units <= max_units) units = units * 10 + (f->s[i++] - '0');
  if (i == 0 || units > max_units) return 0;
  if (i < n && f->s[i] == '.') {
    for (i++; i < n && f->s[i] >= '0' && f->s[i] <= '9'; i++) {
      if (++places > 6) return 0;
      frac = frac * 10 + (f->s[i] - '0');
    }
    if (!places) return 0;
  }
  if (i != n) return 0;
  while (places++ < 6) frac *= 10;
  *out = units * 1000000 + frac;
  return 1;
}

static int plain_text(const field *f) {
  if (!f->len || f->len > MAX_TEXT) return 0;
  for (size_t i = 0; i < f->len; i++)
    if ((unsigned char)f->s[i] < 0x20) return 0;
  return med_utf8_valid(f->s, f->len);
}

/* Rows seen, by date, network and bid: an open-addressing table (a row repeated in
 * one file is an error). */
typedef struct {
  int64_t day;
  field network, bid;
  uint32_t line; /* 0: empty slot */
} seen_row;

/* FNV-1a over the day, the network, a separator and the bid. */
uint64_t med_report_key_hash(int64_t day, med_str n, med_str b) {
  uint64_t h = 14695981039346656037ull ^ (uint64_t)day;
  for (uint32_t i = 0; i < n.len; i++) h = (h ^ (unsigned char)n.s[i]) * 1099511628211ull;
  h = (h ^ 0xff) * 1099511628211ull;
  for (uint32_t i = 0; i < b.len; i++) h = (h ^ (unsigned char)b.s[i]) * 1099511628211ull;
  return h;
}

static med_str str_of(const field *f) { return (med_str){f->s, (uint32_t)f->len}; }

static int same_field(const field *a, const field *b) { return a->len == b->len && !memcmp(a->s, b->s, a->len); }

enum { MAX_ERRORS = 1000 };

typedef struct {
  med_out e; /* the errors, written after the rows */
  int n;     /* all of them, listed or not */
} errors;

static void error_at(errors *er, uint32_t line, const char *column, const char *msg, const field *value) {
  if (er->n++ >= MAX_ERRORS) return;
  med_out *o = &er->e;
  med_out_cstr(o, er->n > 1 ? ",{\"line\":" : "{\"line\":");
  med_out_int(o, line);
  med_out_lit(o, ",\"column\":");
  med_out_escaped(o, column);
  /* The value as it came, cut at 60 bytes: escaped, bad UTF-8 as '?'. */
  char text[160];
  size_t n = strlen(msg), v = value ? (value->len > 60 ? 60 : value->len) : 0;
  if (n > 90) n = 90;
  memcpy(text, msg, n);
  if (value) {
    memcpy(text + n, ": ", 2);
    for (size_t i = 0; i < v; i++) text[n + 2 + i] = value->s[i] ? value->s[i] : '?';
    n += 2 + v;
  }
  text[n] = 0;
  med_out_lit(o, ",\"message\":");
  med_out_escaped(o, text);
  med_out_char(o, '}');
}

/* A data row's fields checked: 1 and its values, or 0 with its errors written. */
static int check_row(errors *er, uint32_t line, const field *const v[NCOLS], int64_t *day, int64_t *impressions,
                     int64_t *revenue) {
  int ok = 1;
  if (!med_day_parse(v[COL_DATE]->s, v[COL_DATE]->len, day)) ok = 0, error_at(er, line, "date", "must be a day as YYYY-MM-DD", v[COL_DATE]);
  if (!plain_text(v[COL_NETWORK]))
    ok = 0, error_at(er, line, "network", "must be 1 to 256 characters of UTF-8 text", v[COL_NETWORK]);
  if (v[COL_BID]->len && !plain_text(v[COL_BID]))
    ok = 0, error_at(er, line, "bid", "must be at most 256 characters of UTF-8 text (empty: the network)", v[COL_BID]);
  const field *im = v[COL_IMPRESSIONS];
  *impressions = 0;
  if (!digits(im->s, im->len) || im->len > 12)
    ok = 0, error_at(er, line, "impressions", "must be a whole number 0..999999999999", im);
  else
    for (size_t i = 0; i < im->len; i++) *impressions = *impressions * 10 + (im->s[i] - '0');
  if (!read_micros(v[COL_REVENUE], 1000000000000LL, revenue))
    ok = 0, error_at(er, line, "revenue", "must be an amount like 12.34 (at most 6 decimals)", v[COL_REVENUE]);
  if (!med_is_currency(v[COL_CURRENCY]->s, v[COL_CURRENCY]->len))
    ok = 0, error_at(er, line, "currency", "must be 3 capital letters (ISO 4217)", v[COL_CURRENCY]);
  return ok;
}

static void write_row(med_out *o, int first, uint32_t line, const field *const v[NCOLS], int64_t impressions,
                      int64_t revenue) {
  med_out_cstr(o, first ? "{\"line\":" : ",{\"line\":");
  med_out_int(o, line);
  med_out_lit(o, ",\"date\":\"");
  med_out_raw(o, v[COL_DATE]->s, 10);
  med_out_lit(o, "\",\"network\":");
  med_out_str(o, (med_str){v[COL_NETWORK]->s, (uint32_t)v[COL_NETWORK]->len});
  med_out_lit(o, ",\"bid\":");
  med_out_str(o, (med_str){v[COL_BID]->s, (uint32_t)v[COL_BID]->len});
  med_out_lit(o, ",\"impressions\":");
  med_out_int(o, impressions);
  med_out_lit(o, ",\"revenue\":");
  med_out_micros(o, revenue);
  med_out_lit(o, ",\"currency\":\"");
  med_out_raw(o, v[COL_CURRENCY]->s, 3);
  med_out_lit(o, "\"}");
}

int med_reports_read_csv(const char *text, size_t len, med_arena *a, med_out *o) {
  csv c = {text, len, 0, 1};
  if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) c.at = 3;
  size_t lines = 1;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  size_t cap = 16;
  while (cap < 2 * lines && cap < 2 * (size_t)MED_REPORT_MAX_ROWS) cap *= 2;
  seen_row *seen = med_arena_zalloc(a, sizeof *seen * cap);
  size_t ecap = (size_t)MAX_ERRORS * 400 + 64;
  char *ebuf = med_arena_alloc(a, ecap);
  if (!seen || !ebuf) return 0;
  errors er = {{0}, 0};
  med_out_init(&er.e, ebuf, ecap);
  field f[MAX_FIELDS];
  int col[NCOLS], n, nrows = 0;
  uint32_t line;

  do { /* the header: the first line that is not empty */
    line = c.line;
    n = record(&c, a, f);
    c.line++;
  } while (n == 1 && f[0].len == 0);
  med_out_lit(o, "{\"rows\":[");
  if (n == -1) return 0;
  if (n == -2) error_at(&er, line, "", "a quote is not closed", NULL);
  for (int k = 0; n > 0 && k < NCOLS; k++) {
    col[k] = -1;
    for (int i = 0; i < n; i++)
      if (same_ci(&f[i], COLS[k])) col[k] = i;
    if (col[k] < 0) error_at(&er, line, COLS[k], "the header has no such column", NULL);
  }
  if (n == 0) error_at(&er, 1, "", "the file is empty: a header line, then one row a line", NULL);
  int header_ok = !er.n;
  while (header_ok) {
    line = c.line;
    size_t mark = a->used; /* the record's field buffers go after it */
    n = record(&c, a, f);
    c.line++;
    if (n == 0) break;
    if (n == -1) return 0;
    if (n == -2) {
      error_at(&er, line, "", "a quote is not closed", NULL);
      break;
    }
    if (n == 1 && f[0].len == 0) {
      a->used = mark;
      continue; /* an empty line */
    }
    const field *v[NCOLS];
    int complete = 1;
    for (int k = 0; k < NCOLS; k++) {
      v[k] = col[k] < n ? &f[col[k]] : NULL;
      if (!v[k]) complete = 0, error_at(&er, line, COLS[k], "the row has no such field", NULL);
    }
    int64_t day = 0, impressions = 0, revenue = 0;
    if (complete && check_row(&er, line, v, &day, &impressions, &revenue)) {
      uint64_t h = med_report_key_hash(day, str_of(v[COL_NETWORK]), str_of(v[COL_BID]));
      size_t at = (size_t)h & (cap - 1);
      while (seen[at].line &&
             !(seen[at].day == day && same_field(&seen[at].network, v[COL_NETWORK]) && same_field(&seen[at].bid, v[COL_BID])))
        at = (at + 1) & (cap - 1);
      if (seen[at].line) {
        char msg[64];
        med_format(msg, sizeof msg, "repeats the date, network and bid of line %u", seen[at].line);
        error_at(&er, line, "date", msg, NULL);
      } else if (nrows == MED_REPORT_MAX_ROWS) {
        error_at(&er, line, "", "more than 200000 rows: split the file", NULL);
      } else {
        write_row(o, !nrows++, line, v, impressions, revenue);
        seen[at] = (seen_row){day, *v[COL_NETWORK], *v[COL_BID], line}; /* its buffers stay */
        continue;
      }
    }
    a->used = mark;
  }
  /* A bad row stops nothing: the other rows are read for their errors too. */
  med_out_lit(o, "],\"errors\":[");
  med_out_raw(o, er.e.buf, er.e.len);
  med_out_lit(o, "],\"error_count\":");
  med_out_int(o, er.n);
  med_out_char(o, '}');
  return !a->failed;
}
