/* gen-partners.c — writes dist/partners.json: the known partners of c_src/partners.c
 * with their parameters (name, required, what the value looks like), so that the
 * Mediation tab offers the partners the engine knows, with the fields it checks.
 * Run by the Makefile. */
#include <stdio.h>

#include "json.h"
#include "partners.h"

static void text(const char *s) {
  char buf[512];
  med_out o;
  med_out_init(&o, buf, sizeof buf);
  med_out_escaped(&o, s);
  fwrite(buf, 1, o.len, stdout);
}

int main(void) {
  fputs("[", stdout);
  for (int i = 1; i < MED_PARTNER_COUNT; i++) {
    const med_partner *p = med_partner_get(i);
    printf("%s\n  {\"name\": ", i > 1 ? "," : "");
    text(p->name);
    fputs(", \"label\": ", stdout);
    text(p->label);
    printf(", \"gvl_id\": %d, \"needs_script_url\": %s, \"params\": [", p->gvl_id, p->needs_script_url ? "true" : "false");
    for (int k = 0; p->params[k].name; k++) {
      printf("%s\n    {\"name\": ", k ? "," : "");
      text(p->params[k].name);
      static const char *const kinds[] = {"", "ad_unit", "text", "text", "text", "url", "boolean", "ms", "key_values", "object"};
      printf(", \"type\": \"%s\", \"required\": %s, \"hint\": ", kinds[p->params[k].kind],
             p->params[k].required ? "true" : "false");
      text(p->params[k].hint);
      fputs("}", stdout);
    }
    fputs("]}", stdout);
  }
  fputs("\n]\n", stdout);
  return 0;
}
