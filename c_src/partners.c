/* partners.c — the known partners' parameters, their format checks, and the tags
 * written from them. Every value that reaches a tag has passed a check that keeps
 * it inside its string or attribute (no quotes, backslashes, angle brackets or macro
 * braces); the one free-form value, a Prebid.js ad unit, is copied as the JSON it is
 * with < > & written as \u escapes, so it cannot close its script. */
#include "partners.h"

#include <string.h>

static const med_partner_param GAM[] = {
    {"ad_unit", MED_PARAM_AD_UNIT, 1, "the ad unit path, /network code/unit (e.g. /6355419/Travel/Europe)"},
    {"targeting", MED_PARAM_KEY_VALUES, 0, "key-values for setTargeting: {\"section\": [\"sports\"]}"},
    {"passback", MED_PARAM_BOOL, 0, "true: the passback form (definePassback)"},
    {NULL, 0, 0, NULL}};
static const med_partner_param ADSENSE[] = {
    {"client", MED_PARAM_ADS_CLIENT, 1, "the publisher id, ca-pub- and 16 digits"},
    {"slot", MED_PARAM_ADS_SLOT, 1, "the ad slot id, 10 digits"},
    {NULL, 0, 0, NULL}};
static const med_partner_param PREBID[] = {
    {"ad_unit", MED_PARAM_PREBID_UNIT, 1, "a Prebid.js ad unit: {\"bids\": [{\"bidder\": ..., \"params\": {...}}]}"},
    {"timeout_ms", MED_PARAM_MS, 0, "the bidders' timeout, 1..60000 ms (default: 3/4 of the bid's timeout)"},
    {NULL, 0, 0, NULL}};
static const med_partner_param AMAZON[] = {
    {"pub_id", MED_PARAM_TOKEN, 1, "the publisher id apstag.init takes"},
    {"slot_id", MED_PARAM_TOKEN, 1, "the slot id fetchBids asks for"},
    {"timeout_ms", MED_PARAM_MS, 0, "fetchBids' timeout, 1..60000 ms (default: 3/4 of the bid's timeout)"},
    {NULL, 0, 0, NULL}};
static const med_partner_param IMAGE[] = {
    {"src", MED_PARAM_URL, 1, "the image's http(s) URL"},
    {"click_url", MED_PARAM_URL, 0, "where a click goes, http(s)"},
    {NULL, 0, 0, NULL}};
static const med_partner_param IFRAME[] = {{"src", MED_PARAM_URL, 1, "the creative page's http(s) URL"},
                                           {NULL, 0, 0, NULL}};

static const med_partner PARTNERS[MED_PARTNER_COUNT] = {
    {NULL, NULL, NULL, 0, 0, NULL},
    {"google_ad_manager", "Google Ad Manager (GPT)", "https://securepubads.g.doubleclick.net/tag/js/gpt.js", 0, 755,
     GAM},
    {"adsense", "Google AdSense", "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js", 0, 755, ADSENSE},
    {"prebid", "Prebid.js wrapper", NULL, 1, 0, PREBID},
    {"amazon", "Amazon TAM/UAM (apstag)", "https://c.amazon-adsystem.com/aax2/apstag.js", 0, 793, AMAZON},
    {"image", "Image creative", NULL, 0, 0, IMAGE},
    {"iframe", "Iframe creative", NULL, 0, 0, IFRAME},
};

const med_partner *med_partner_get(int id) { return id > 0 && id < MED_PARTNER_COUNT ? &PARTNERS[id] : NULL; }

int med_partner_find(med_str s) {
  for (int i = 1; i < MED_PARTNER_COUNT; i++)
    if (med_str_eq_cstr(s, PARTNERS[i].name)) return i;
  return MED_PARTNER_NONE;
}

/* ---- format checks ---- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int all_digits(const char *s, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!is_digit(s[i])) return 0;
  return n > 0;
}

/* Text that may sit in a JS string or an HTML attribute as it is. */
static int plain_char(char c) {
  return c >= 0x20 && c < 0x7f && !strchr("\"'\\<>&`${}#", c);
}

int med_partner_url_ok(med_str s) {
  uint32_t scheme = s.len >= 8 && memcmp(s.s, "https://", 8) == 0 ? 8 : s.len >= 7 && memcmp(s.s, "http://", 7) == 0 ? 7 : 0;
  if (!scheme || s.len == scheme || s.len > 2048) return 0;
  for (uint32_t i = 0; i < s.len; i++)
    if (!plain_char(s.s[i]) && s.s[i] != '&') return 0; /* & is written as &amp; */
  return s.s[scheme] != '/';
}

static int ad_unit_ok(med_str s) {
  uint32_t i = 1, start;
  if (s.len < 2 || s.len > 256 || s.s[0] != '/') return 0;
  for (start = i; i < s.len && is_digit(s.s[i]); i++) {}
  if (i == start) return 0; /* the network code */
  if (i < s.len && s.s[i] == ',') { /* an MCM child network */
    for (start = ++i; i < s.len && is_digit(s.s[i]); i++) {}
    if (i == start) return 0;
  }
  for (; i < s.len; i++) {
    char c = s.s[i];
    if (c == '/' && (i + 1 == s.len || s.s[i + 1] == '/')) return 0;
    if (c != '/' && !is_alnum(c) && !strchr("_-.*!:()", c)) return 0;
  }
  return 1;
}

static int token_ok(med_str s) {
  if (!s.len || s.len > 128) return 0;
  for (uint32_t i = 0; i < s.len; i++)
    if (!is_alnum(s.s[i]) && !strchr("-_./:", s.s[i])) return 0;
  return 1;
}

static int short_plain(med_str s, uint32_t max) {
  if (!s.len || s.len > max) return 0;
  for (uint32_t i = 0; i < s.len; i++)
    if (!plain_char(s.s[i])) return 0;
  return 1;
}

/* ---- reading params ---- */

typedef struct {
  const med_json *j;
  med_arena *a;
  med_error *err;
  const char *path; /* the bid's params */
  med_str text[8];  /* each param's text (strings, unescaped) */
  int tok[8];       /* each param's token, -1 when absent */
} params_ctx;

static int bad(params_ctx *c, const char *code, const char *key, const char *what) {
  med_path p;
  med_path_key(&p, c->path, key, strlen(key));
  return med_fail(c->err, code, p.s, "%s %s", p.s, what);
}

static int check_key_values(params_ctx *c, int tok, const char *key) {
  const med_json *j = c->j;
  if (!med_json_is_object(j, tok)) return bad(c, "wrong_type", key, "must be an object of key to value(s)");
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    med_str name = med_json_text(j, k, c->a);
    int ok = name.len > 0 && name.len <= 20;
    for (uint32_t i = 0; ok && i < name.len; i++) ok = is_alnum(name.s[i]) || name.s[i] == '_' || name.s[i] == '-';
    if (!ok) return bad(c, "invalid_value", key, "keys are 1..20 letters, digits, _ or -");
    int v = k + 1, n = 0;
    int list = med_json_is_array(j, v);
    for (int e = list ? med_json_first(j, v) : v; e >= 0; e = list ? med_json_next_elem(j, v, e) : -1, n++) {
      if (!med_json_is_string(j, e) || !short_plain(med_json_text(j, e, c->a), 40))
        return bad(c, "invalid_value", key, "values are 1..40 characters of plain text (no quotes, < > & $ # { } \\)");
    }
    if (!n) return bad(c, "invalid_value", key, "needs at least one value per key");
  }
  return 1;
}

static int check_prebid_unit(params_ctx *c, int tok, const char *key) {
  const med_json *j = c->j;
  if (!med_json_is_object(j, tok)) return bad(c, "wrong_type", key, "must be a Prebid.js ad unit object");
  if (j->tok[tok].end - j->tok[tok].start > 16384) return bad(c, "invalid_value", key, "is over 16 KB");
  int bids = -1;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k))
    if (med_json_streq(j, k, "bids")) bids = k + 1;
  if (bids < 0 || !med_json_is_array(j, bids) || !j->tok[bids].size)
    return bad(c, "invalid_value", key, "needs bids: [{\"bidder\": ..., \"params\": {...}}, ...]");
  for (int e = med_json_first(j, bids); e >= 0; e = med_json_next_elem(j, bids, e)) {
    int bidder = -1;
    if (med_json_is_object(j, e))
      for (int k = med_json_first(j, e); k >= 0; k = med_json_next_key(j, e, k))
        if (med_json_streq(j, k, "bidder")) bidder = k + 1;
    if (bidder < 0 || !med_json_is_string(j, bidder) || !token_ok(med_json_text(j, bidder, c->a)))
      return bad(c, "invalid_value", key, "has a bid without a bidder code");
  }
  return 1;
}

static int check_param(params_ctx *c, const med_partner_param *p, int tok, int index) {
  const med_json *j = c->j;
  int64_t v;
  int flag;
  switch (p->kind) {
  case MED_PARAM_BOOL: return med_json_bool(j, tok, &flag) || bad(c, "wrong_type", p->name, "must be true or false");
  case MED_PARAM_MS:
    return med_json_int(j, tok, 1, 60000, &v) || bad(c, "invalid_value", p->name, "must be an integer 1..60000");
  case MED_PARAM_KEY_VALUES: return check_key_values(c, tok, p->name);
  case MED_PARAM_PREBID_UNIT: return check_prebid_unit(c, tok, p->name);
  default: break;
  }
  if (!med_json_is_string(j, tok)) return bad(c, "wrong_type", p->name, "must be a string");
  med_str s = med_json_text(j, tok, c->a);
  c->text[index] = s;
  int ok = p->kind == MED_PARAM_AD_UNIT     ? ad_unit_ok(s)
           : p->kind == MED_PARAM_ADS_CLIENT ? s.len == 23 && memcmp(s.s, "ca-pub-", 7) == 0 && all_digits(s.s + 7, 16)
           : p->kind == MED_PARAM_ADS_SLOT   ? s.len == 10 && all_digits(s.s, 10)
           : p->kind == MED_PARAM_URL        ? med_partner_url_ok(s)
                                             : token_ok(s);
  if (ok) return 1;
  med_path at;
  med_path_key(&at, c->path, p->name, strlen(p->name));
  return med_fail(c->err, "invalid_value", at.s, "%s must be %s", at.s, p->hint);
}

static int read_params(params_ctx *c, const med_partner *pt, int tok) {
  const med_json *j = c->j;
  if (!med_json_is_object(j, tok)) return med_fail(c->err, "wrong_type", c->path, "%s must be an object", c->path);
  for (int i = 0; i < 8; i++) c->tok[i] = -1;
  for (int k = med_json_first(j, tok); k >= 0; k = med_json_next_key(j, tok, k)) {
    int i = 0;
    while (pt->params[i].name && !med_json_streq_n(j, k, pt->params[i].name, strlen(pt->params[i].name))) i++;
    if (!pt->params[i].name) {
      med_str name = med_json_text(j, k, c->a);
      med_path p;
      med_path_key(&p, c->path, name.s, name.len);
      return med_fail(c->err, "unknown_field", p.s, "%s is not a parameter of %s", p.s, pt->label);
    }
    c->tok[i] = k + 1;
    if (!check_param(c, &pt->params[i], k + 1, i)) return 0;
  }
  for (int i = 0; pt->params[i].name; i++)
    if (pt->params[i].required && c->tok[i] < 0)
      return bad(c, "missing_field", pt->params[i].name, "is required for this partner");
  return 1;
}

/* ---- writing tags ---- */

static void lit(med_out *o, const char *s) { med_out_cstr(o, s); }
static void str(med_out *o, med_str s) { med_out_raw(o, s.s, s.len); }
/* A checked URL in an attribute: & as &amp;. */
static void attr_url(med_out *o, med_str s) {
  for (uint32_t i = 0; i < s.len; i++) {
    if (s.s[i] == '&') lit(o, "&amp;");
    else med_out_char(o, s.s[i]);
  }
}
/* A JSON value of the config, as a JS expression that cannot close its script. */
static void js_value(med_out *o, const med_json *j, int tok) {
  const char *s = j->src + j->tok[tok].start, *end = j->src + j->tok[tok].end;
  if (med_json_is_string(j, tok)) s--, end++; /* jsmn's string tokens leave the quotes out */
  for (; s < end; s++) {
    if (*s == '<') lit(o, "\\u003c");
    else if (*s == '>') lit(o, "\\u003e");
    else if (*s == '&') lit(o, "\\u0026");
    else med_out_char(o, *s);
  }
}
static void script(med_out *o, med_str own, const char *fallback, med_str query) {
  lit(o, "<script async src=\"");
  attr_url(o, own.len ? own : (med_str){fallback, (uint32_t)strlen(fallback)});
  if (query.len) attr_url(o, query);
  lit(o, "\" onerror=\"mediation.error()\"></script>\n");
}
static int64_t timeout_of(const params_ctx *c, int index, int64_t bid_timeout) {
  int64_t v;
  if (c->tok[index] >= 0 && med_json_int(c->j, c->tok[index], 1, 60000, &v)) return v;
  return bid_timeout * 3 / 4 > 0 ? bid_timeout * 3 / 4 : 1;
}
/* An iframe that a partner's renderer writes its creative into. */
static const char *RENDER_FRAME =
    "var f = document.createElement('iframe');\n"
    "f.width = ${WIDTH}; f.height = ${HEIGHT}; f.style.border = '0'; f.scrolling = 'no';\n"
    "document.getElementById('ad').appendChild(f);\n";

static void gam_tag(med_out *o, const params_ctx *c, med_str url) {
  const med_json *j = c->j;
  int flag = 0;
  int passback = c->tok[2] >= 0 && med_json_bool(j, c->tok[2], &flag) && flag;
  lit(o, "<div id=\"ad\"></div>\n<script>\nwindow.googletag = window.googletag || { cmd: [] };\n"
         "googletag.cmd.push(function () {\n"
         "  googletag.pubads().addEventListener('slotRenderEnded', function (e) {\n"
         "    if (e.isEmpty) mediation.noad(); else mediation.filled();\n  });\n"
         "  googletag.pubads().set('page_url', decodeURIComponent('${PAGE_URL}'));\n");
  lit(o, passback ? "  var slot = googletag.pubads().definePassback('" : "  var slot = googletag.defineSlot('");
  str(o, c->text[0]);
  lit(o, passback ? "', [${WIDTH}, ${HEIGHT}]);\n" : "', [${WIDTH}, ${HEIGHT}], 'ad').addService(googletag.pubads());\n");
  if (c->tok[1] >= 0)
    for (int k = med_json_first(j, c->tok[1]); k >= 0; k = med_json_next_key(j, c->tok[1], k)) {
      lit(o, "  slot.setTargeting(");
      js_value(o, j, k);
      lit(o, ", ");
      js_value(o, j, k + 1);
      lit(o, ");\n");
    }
  lit(o, passback ? "  slot.display();\n});\n</script>\n"
                  : "  googletag.enableServices();\n  googletag.display('ad');\n});\n</script>\n");
  script(o, url, PARTNERS[MED_PARTNER_GAM].script, (med_str){0});
}

static void adsense_tag(med_out *o, const params_ctx *c, med_str url) {
  lit(o, "<ins class=\"adsbygoogle\" style=\"display:inline-block;width:${WIDTH}px;height:${HEIGHT}px\" "
         "data-ad-client=\"");
  str(o, c->text[0]);
  lit(o, "\" data-ad-slot=\"");
  str(o, c->text[1]);
  lit(o, "\"></ins>\n<script>\n(function () {\n"
         "  var ins = document.querySelector('ins.adsbygoogle');\n"
         "  function status() {\n"
         "    var s = ins.getAttribute('data-ad-status');\n"
         "    if (s === 'filled') mediation.filled();\n    else if (s === 'unfilled') mediation.noad();\n  }\n"
         "  new MutationObserver(status).observe(ins, { attributes: true, attributeFilter: ['data-ad-status'] });\n"
         "  (window.adsbygoogle = window.adsbygoogle || []).push({});\n})();\n</script>\n");
  med_out q;
  char buf[40];
  med_out_init(&q, buf, sizeof buf);
  lit(&q, "?client=");
  str(&q, c->text[0]);
  script(o, url, PARTNERS[MED_PARTNER_ADSENSE].script, (med_str){buf, (uint32_t)q.len});
}

static void prebid_tag(med_out *o, const params_ctx *c, med_str url, int64_t bid_timeout) {
  lit(o, "<div id=\"ad\"></div>\n<script>\nwindow.pbjs = window.pbjs || {};\npbjs.que = pbjs.que || [];\n"
         "pbjs.que.push(function () {\n  var unit = ");
  js_value(o, c->j, c->tok[0]);
  lit(o, ";\n  unit.code = 'ad';\n"
         "  unit.mediaTypes = unit.mediaTypes || { banner: { sizes: [[${WIDTH}, ${HEIGHT}]] } };\n"
         "  if (typeof pbjs.onEvent === 'function') pbjs.onEvent('adRenderFailed', function () { mediation.error(); });\n"
         "  pbjs.addAdUnits([unit]);\n  pbjs.requestBids({\n    adUnitCodes: ['ad'],\n    timeout: ");
  med_out_int(o, timeout_of(c, 1, bid_timeout));
  lit(o, ",\n    bidsBackHandler: function () {\n"
         "      var won = pbjs.getHighestCpmBids('ad')[0];\n"
         "      if (!won) return mediation.noad();\n");
  lit(o, RENDER_FRAME);
  lit(o, "      pbjs.renderAd(f.contentWindow.document, won.adId);\n      mediation.filled();\n    },\n  });\n"
         "});\n</script>\n");
  script(o, url, "", (med_str){0});
}

static void amazon_tag(med_out *o, const params_ctx *c, med_str url, int64_t bid_timeout) {
  lit(o, "<div id=\"ad\"></div>\n<script>\n"
         "(function (w) {\n  if (w.apstag) return;\n"
         "  var later = function (kind, args) { w.apstag._Q.push([kind, args]); };\n"
         "  w.apstag = { _Q: [], init: function () { later('i', arguments); },\n"
         "    fetchBids: function () { later('f', arguments); }, setDisplayBids: function () {},\n"
         "    targetingKeys: function () { return []; } };\n})(window);\n"
         "apstag.init({ pubID: '");
  str(o, c->text[0]);
  lit(o, "', adServer: 'none' });\napstag.fetchBids({ slots: [{ slotID: '");
  str(o, c->text[1]);
  lit(o, "', slotName: '");
  str(o, c->text[1]);
  lit(o, "', sizes: [[${WIDTH}, ${HEIGHT}]] }], timeout: ");
  med_out_int(o, timeout_of(c, 2, bid_timeout));
  lit(o, " }, function (bids) {\n  var b = bids && bids[0];\n  if (!b || !b.amzniid) return mediation.noad();\n");
  lit(o, RENDER_FRAME);
  lit(o, "  apstag.renderImp(f.contentWindow.document, b.amzniid);\n  mediation.filled();\n});\n</script>\n");
  script(o, url, PARTNERS[MED_PARTNER_AMAZON].script, (med_str){0});
}

/* An image: its load with a real size is the fill, a 1x1 or smaller is no ad, a load
 * error is an error. */
static void image_tag(med_out *o, const params_ctx *c) {
  if (c->tok[1] >= 0) {
    lit(o, "<a href=\"");
    attr_url(o, c->text[1]);
    lit(o, "\" target=\"_blank\" rel=\"noopener\">");
  }
  lit(o, "<img src=\"");
  attr_url(o, c->text[0]);
  lit(o, "\" width=\"${WIDTH}\" height=\"${HEIGHT}\" alt=\"\" style=\"display:block;border:0\" "
         "onload=\"this.naturalWidth > 1 ? mediation.filled() : mediation.noad()\" onerror=\"mediation.error()\">");
  if (c->tok[1] >= 0) lit(o, "</a>");
  lit(o, "\n");
}

/* An iframe: the frame's fill detection counts it once loaded (and quiet for a passback
 * through the tag host's noad.js). */
static void iframe_tag(med_out *o, const params_ctx *c) {
  lit(o, "<iframe src=\"");
  attr_url(o, c->text[0]);
  lit(o, "\" width=\"${WIDTH}\" height=\"${HEIGHT}\" scrolling=\"no\" style=\"display:block;border:0\"></iframe>\n");
}

int med_partner_tag(int partner, med_str script_url, const med_json *j, int params, int64_t timeout_ms,
                    const char *path, med_arena *a, med_str *tag, med_error *err) {
  const med_partner *pt = med_partner_get(partner);
  params_ctx c = {j, a, err, path, {{0}}, {0}};
  if (!pt || !read_params(&c, pt, params)) return 0;
  size_t raw = (size_t)(j->tok[params].end - j->tok[params].start);
  size_t cap = 4096 + raw * 6 + script_url.len * 5;
  char *plain = med_arena_alloc(a, cap);
  if (!plain) return med_fail(err, "out_of_memory", path, "no room for the tag of %s", path);
  med_out o;
  med_out_init(&o, plain, cap);
  switch (partner) {
  case MED_PARTNER_GAM: gam_tag(&o, &c, script_url); break;
  case MED_PARTNER_ADSENSE: adsense_tag(&o, &c, script_url); break;
  case MED_PARTNER_PREBID: prebid_tag(&o, &c, script_url, timeout_ms); break;
  case MED_PARTNER_AMAZON: amazon_tag(&o, &c, script_url, timeout_ms); break;
  case MED_PARTNER_IMAGE: image_tag(&o, &c); break;
  default: iframe_tag(&o, &c); break;
  }
  if (o.overflow) return med_fail(err, "out_of_memory", path, "no room for the tag of %s", path);
  /* Kept JSON-escaped, as a custom bid's tag is. */
  size_t ecap = o.len * 6 + 16;
  char *escaped = med_arena_alloc(a, ecap);
  if (!escaped) return med_fail(err, "out_of_memory", path, "no room for the tag of %s", path);
  med_out e;
  med_out_init(&e, escaped, ecap);
  med_out_str_body(&e, (med_str){plain, (uint32_t)o.len});
  *tag = (med_str){escaped, (uint32_t)e.len};
  return 1;
}
