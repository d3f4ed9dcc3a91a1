/* fuzz_reports.c — fuzzes the network report reader (reports.h) through med_import
 * (api.h), on an exact-size copy of the input.
 *
 * Invariants (abort() on violation):
 *  - the answer is valid JSON with "rows", "errors" and "error_count";
 *  - the same CSV on the same engine gives the same bytes again;
 *  - nothing leaks (LeakSanitizer), nothing is read past the input (ASan). */
#include "api.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return 0;
  med_engine *e = fz_engine_new();
  FZ_ASSERT(e != NULL, "an engine");
  char *first = NULL;
  size_t first_len = 0;
  for (int pass = 0; pass < 2; pass++) {
    char *in = med_input(e, size);
    FZ_ASSERT(in != NULL, "an input buffer");
    memcpy(in, data, size);
    FZ_ASSERT(med_import(e, size) == 0, "an import always answers");
    const char *out = med_output(e);
    size_t n = med_output_len(e);
    FZ_ASSERT(fz_json_valid(out, n), "the answer is JSON");
    FZ_ASSERT(n > 20 && !memcmp(out, "{\"rows\":[", 9) && strstr(out, "],\"errors\":[") && strstr(out, "\"error_count\":"),
              "rows, errors and their count");
    if (!pass) {
      first = fz_copy(out, n);
      first_len = n;
    } else {
      FZ_ASSERT(n == first_len && !memcmp(out, first, n), "the same CSV, the same answer");
    }
  }
  free(first);
  med_engine_free(e);
  return 0;
}
