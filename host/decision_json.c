/*
 * decision_json.c — the DESIGN.md decision schema between text and
 * perp_decision.
 *
 * The text comes from an LLM, so it is hostile: it may be fenced in
 * ```json, wrapped in prose, preceded by a <think> block holding braces,
 * huge, or wrong in any field. The parser looks for the first JSON object
 * that has a "positions" member, tries only a bounded number of starting
 * points (so a megabyte of '{' stays linear), and degrades per coin: a
 * coin whose fields have the wrong type keeps its name with quantity NAN,
 * which the validator rejects for that coin alone.
 */
#include "decision_json.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Bigger than any sane decision (32 coins x ~1.6 KB) by three orders of
 * magnitude, small enough that a runaway answer is refused quickly. */
#define DECISION_TEXT_MAX (2u * 1024u * 1024u)
/* Starting points tried: fence, prose and a <think> block rarely hold more
 * than a few stray braces before the decision. */
#define DECISION_MAX_CANDIDATES 32

/* Copies src into dst (capacity cap, NUL included), cutting at a UTF-8
 * character boundary. Returns 1 if it had to cut. */
static int copy_utf8(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n < cap) {
        memcpy(dst, src, n + 1);
        return 0;
    }
    n = cap - 1;
    /* Back off over continuation bytes (10xxxxxx) so the cut never splits
     * a multi-byte character. */
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
        n--;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 1;
}

/* Appends "; msg" to out->error, silently stopping when full. */
static void note(perp_decision *out, const char *fmt, ...) PERP_PRINTF(2, 3);
static void note(perp_decision *out, const char *fmt, ...)
{
    size_t len = strlen(out->error);
    if (len + 3 >= sizeof out->error)
        return;
    if (len > 0) {
        memcpy(out->error + len, "; ", 3);
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error + len, sizeof out->error - len, fmt, ap);
    va_end(ap);
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

/* The state of one coin's parse: bad is set on any wrong-typed field. */
typedef struct coin_parse {
    perp_decision *out;
    perp_coin_decision *c;
    int bad;
} coin_parse;

static void wrong_type(coin_parse *p, const char *field, const json_t *v,
                       const char *expected)
{
    note(p->out, "%s: %s: expected %s, found %s", p->c->coin, field, expected,
         json_type_name(v));
    p->bad = 1;
}

/* A number field: absent or null gives def; a non-number marks the coin
 * bad. */
static double num_field(coin_parse *p, const json_t *obj, const char *key,
                        const char *label, double def)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return def;
    if (json_is_number(v))
        return json_number_value(v);
    wrong_type(p, label, v, "number");
    return NAN;
}

static void str_field(coin_parse *p, const json_t *obj, const char *key,
                      char *dst, size_t cap)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return;
    if (!json_is_string(v)) {
        wrong_type(p, key, v, "string");
        return;
    }
    if (copy_utf8(dst, cap, json_string_value(v)))
        note(p->out, "%s: %s truncated to %zu bytes", p->c->coin, key, cap - 1);
}

static void parse_signal(coin_parse *p, const json_t *obj)
{
    static const struct {
        const char *name;
        perp_signal sig;
    } names[] = {{"buy", PERP_SIGNAL_BUY},
                 {"sell", PERP_SIGNAL_SELL},
                 {"hold", PERP_SIGNAL_HOLD},
                 {"close", PERP_SIGNAL_CLOSE}};
    const json_t *v = json_object_get(obj, "signal");
    p->c->signal = PERP_SIGNAL_HOLD;
    if (!v) {
        note(p->out, "%s: signal missing", p->c->coin);
        p->bad = 1;
        return;
    }
    if (!json_is_string(v)) {
        wrong_type(p, "signal", v, "string");
        return;
    }
    const char *s = json_string_value(v);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            p->c->signal = names[i].sig;
            return;
        }
    }
    char shown[24];
    copy_utf8(shown, sizeof shown, s);
    note(p->out, "%s: signal '%s' is not buy, sell, hold or close", p->c->coin,
         shown);
    p->bad = 1;
}

static void parse_exit_plan(coin_parse *p, const json_t *obj)
{
    const json_t *ep = json_object_get(obj, "exit_plan");
    perp_exit_plan *x = &p->c->exit_plan;
    if (!ep || json_is_null(ep))
        return;
    if (!json_is_object(ep)) {
        wrong_type(p, "exit_plan", ep, "object");
        return;
    }
    x->profit_target =
        num_field(p, ep, "profit_target", "exit_plan.profit_target", 0.0);
    x->stop_loss = num_field(p, ep, "stop_loss", "exit_plan.stop_loss", 0.0);
    str_field(p, ep, "invalidation_condition", x->invalidation,
              sizeof x->invalidation);
}

static void parse_coin(perp_decision *out, const char *key, const json_t *v)
{
    perp_coin_decision *c = &out->coins[out->n_coins++];
    coin_parse p = {out, c, 0};
    memset(c, 0, sizeof *c);
    if (copy_utf8(c->coin, sizeof c->coin, key))
        p.bad = 1; /* no real coin is that long; keep it for the reason */
    c->leverage = 1.0;
    if (!json_is_object(v)) {
        wrong_type(&p, "decision", v, "object");
        c->quantity = NAN;
        return;
    }
    const json_t *coin = json_object_get(v, "coin");
    if (coin && json_is_string(coin) &&
        strcasecmp(json_string_value(coin), c->coin) != 0) {
        note(out, "%s: coin field '%.16s' does not match its key", c->coin,
             json_string_value(coin));
        p.bad = 1;
    }
    parse_signal(&p, v);
    c->quantity = num_field(&p, v, "quantity", "quantity", 0.0);
    c->leverage = num_field(&p, v, "leverage", "leverage", 1.0);
    c->confidence = num_field(&p, v, "confidence", "confidence", 0.0);
    c->risk_usd = num_field(&p, v, "risk_usd", "risk_usd", 0.0);
    parse_exit_plan(&p, v);
    str_field(&p, v, "justification", c->justification,
              sizeof c->justification);
    if (p.bad)
        c->quantity = NAN;
}

/* "positions" as {"BTC": {...}} (the schema) or [{"coin": "BTC", ...}]
 * (a common model slip, still unambiguous). */
static void parse_positions(perp_decision *out, const json_t *pos)
{
    if (json_is_object(pos)) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)pos, key, v)
        {
            if (out->n_coins == PERP_MAX_SYMBOLS) {
                note(out, "more than %d coins; '%.16s' and later ignored",
                     PERP_MAX_SYMBOLS, key);
                return;
            }
            parse_coin(out, key, v);
        }
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(pos, i, v)
    {
        if (out->n_coins == PERP_MAX_SYMBOLS) {
            note(out, "more than %d coins; the rest ignored", PERP_MAX_SYMBOLS);
            return;
        }
        const json_t *coin = json_object_get(v, "coin");
        parse_coin(out, json_is_string(coin) ? json_string_value(coin) : "?",
                   v);
    }
}

static int is_decision(const json_t *root)
{
    const json_t *pos = json_object_get(root, "positions");
    return json_is_object(root) && (json_is_object(pos) || json_is_array(pos));
}

/* "duplicate key 'BTC' (line 1, column 45)" from jansson's error. Two
 * values for one key are two instructions; which one the writer meant is
 * not ours to guess (jansson alone would keep the last one). */
static void duplicate_why(const json_error_t *jerr, char *why, size_t why_len)
{
    const char *near = strstr(jerr->text, "near '");
    char key[48] = "?";
    int col = jerr->column;
    if (near) {
        near += 6;
        size_t n = strcspn(near, "'");
        /* jansson points at the token's last character; say where the
         * key starts, as an editor would. */
        if ((size_t)col > n)
            col -= (int)n - 1;
        /* The token as written: strip its JSON quotes. */
        if (n >= 2 && near[0] == '"' && near[n - 1] == '"') {
            near++;
            n -= 2;
        }
        snprintf(key, sizeof key, "%.*s", (int)(n < 40 ? n : 40), near);
    }
    snprintf(why, why_len, "duplicate key '%s' (line %d, column %d)", key,
             jerr->line, col);
}

/* Tries up to DECISION_MAX_CANDIDATES '{' in text[from..len) until one
 * parses to an object with "positions". NULL if none does; why says what
 * the first candidate lacked. A decision with a key given twice stops the
 * search with *dup set: it is refused, not passed over for a later one. */
static json_t *scan_from(const char *text, size_t from, size_t len, char *why,
                         size_t why_len, int *dup)
{
    const char *p = text + from;
    const char *end = text + len;
    for (int tries = 0; tries < DECISION_MAX_CANDIDATES; tries++) {
        const char *brace = memchr(p, '{', (size_t)(end - p));
        if (!brace)
            break;
        json_error_t jerr;
        json_t *root =
            json_loadb(brace, (size_t)(end - brace),
                       JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
        if (!root && json_error_code(&jerr) == json_error_duplicate_key) {
            json_t *lax = json_loadb(brace, (size_t)(end - brace),
                                     JSON_DISABLE_EOF_CHECK, NULL);
            int is_dec = lax && is_decision(lax);
            json_decref(lax);
            if (is_dec) {
                duplicate_why(&jerr, why, why_len);
                *dup = 1;
                return NULL;
            }
        }
        if (root && is_decision(root))
            return root;
        if (tries == 0 && root)
            snprintf(why, why_len, "JSON object has no \"positions\" member");
        else if (tries == 0)
            snprintf(why, why_len, "JSON error at line %d column %d: %s",
                     jerr.line, jerr.column, jerr.text);
        json_decref(root);
        p = brace + 1;
    }
    return NULL;
}

/* A ```json fence is the model saying where its answer is, so it is tried
 * first; then the text from its beginning. */
static json_t *find_decision(const char *text, size_t len, char *why,
                             size_t why_len)
{
    int dup = 0;
    snprintf(why, why_len, "no JSON object found");
    const char *fence = strstr(text, "```");
    if (fence) {
        json_t *root =
            scan_from(text, (size_t)(fence - text), len, why, why_len, &dup);
        if (root || dup || fence == text)
            return root;
    }
    return scan_from(text, 0, len, why, why_len, &dup);
}

/* NULL-text and size checks shared by both parsers; 0 or -1 with err. */
static int text_ok(const char *text, size_t *len, char *err, size_t err_len)
{
    if (!text) {
        snprintf(err, err_len, "decision: no text");
        return -1;
    }
    *len = strnlen(text, DECISION_TEXT_MAX + 1);
    if (*len > DECISION_TEXT_MAX) {
        snprintf(err, err_len, "decision: text is over the %u byte limit",
                 DECISION_TEXT_MAX);
        return -1;
    }
    return 0;
}

static void decision_from_root(json_t *root, perp_decision *out);

int host_decision_from_json(const char *text, perp_decision *out, char *err,
                            size_t err_len)
{
    char why[200];
    size_t len;
    memset(out, 0, sizeof *out);
    if (text_ok(text, &len, err, err_len) != 0)
        return PERP_EINVAL;
    json_t *root = find_decision(text, len, why, sizeof why);
    if (!root) {
        snprintf(err, err_len, "decision: %s", why);
        return PERP_EINVAL;
    }
    decision_from_root(root, out);
    json_decref(root);
    return PERP_OK;
}

int host_decision_from_json_strict(const char *text, perp_decision *out,
                                   char *err, size_t err_len)
{
    char why[200];
    size_t len;
    memset(out, 0, sizeof *out);
    if (text_ok(text, &len, err, err_len) != 0)
        return PERP_EINVAL;
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root && json_error_code(&jerr) == json_error_duplicate_key)
        duplicate_why(&jerr, why, sizeof why);
    else if (!root)
        snprintf(why, sizeof why, "JSON error at line %d column %d: %s",
                 jerr.line, jerr.column, jerr.text);
    else if (!json_is_object(root))
        snprintf(why, sizeof why, "expected one JSON object, found %s",
                 json_type_name(root));
    else if (!is_decision(root))
        snprintf(why, sizeof why,
                 "no top-level \"positions\" object (a decision's coins "
                 "are read from there only)");
    else {
        decision_from_root(root, out);
        json_decref(root);
        return PERP_OK;
    }
    json_decref(root);
    snprintf(err, err_len, "decision: %s", why);
    return PERP_EINVAL;
}

static void decision_from_root(json_t *root, perp_decision *out)
{
    parse_positions(out, json_object_get(root, "positions"));
    const json_t *notes = json_object_get(root, "notes_for_audience");
    if (json_is_string(notes) &&
        copy_utf8(out->notes, sizeof out->notes, json_string_value(notes)))
        note(out, "notes_for_audience truncated to %d bytes", PERP_NOTES_MAX);
}

/* ---------------------------------------------------------- rendering */

/* json_string refuses invalid UTF-8; a planner's bytes are shown with
 * every non-ASCII byte as '?' rather than dropped. */
static json_t *str_json(const char *s)
{
    json_t *j = json_string(s);
    if (j)
        return j;
    char buf[PERP_NOTES_MAX + 1];
    size_t n = 0;
    for (; s[n] && n + 1 < sizeof buf; n++)
        buf[n] = ((unsigned char)s[n] < 0x80) ? s[n] : '?';
    buf[n] = '\0';
    return json_string(buf);
}

static json_t *num_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static const char *signal_name(perp_signal s)
{
    switch (s) {
    case PERP_SIGNAL_BUY:
        return "buy";
    case PERP_SIGNAL_SELL:
        return "sell";
    case PERP_SIGNAL_CLOSE:
        return "close";
    case PERP_SIGNAL_HOLD:
        break;
    }
    return "hold";
}

/* 0 means "not set" for exit prices (sdk.h). */
static json_t *price_or_null(double x)
{
    return x == 0.0 ? json_null() : num_or_null(x);
}

static json_t *coin_to_json(const perp_coin_decision *c)
{
    json_t *ep = json_object();
    json_object_set_new(ep, "profit_target",
                        price_or_null(c->exit_plan.profit_target));
    json_object_set_new(ep, "stop_loss", price_or_null(c->exit_plan.stop_loss));
    json_object_set_new(ep, "invalidation_condition",
                        str_json(c->exit_plan.invalidation));
    json_t *o = json_object();
    json_object_set_new(o, "coin", str_json(c->coin));
    json_object_set_new(o, "signal", json_string(signal_name(c->signal)));
    json_object_set_new(o, "quantity", num_or_null(c->quantity));
    json_object_set_new(o, "leverage", num_or_null(c->leverage));
    json_object_set_new(o, "confidence", num_or_null(c->confidence));
    json_object_set_new(o, "risk_usd", num_or_null(c->risk_usd));
    json_object_set_new(o, "exit_plan", ep);
    json_object_set_new(o, "justification", str_json(c->justification));
    return o;
}

static char *dump(json_t *root)
{
    /* 17 significant digits round-trip every double exactly, so a
     * decision written and read back is the same decision. */
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                   JSON_REAL_PRECISION(17));
    json_decref(root);
    return s;
}

char *host_coin_decision_to_json(const perp_coin_decision *c)
{
    return dump(coin_to_json(c));
}

char *host_decision_to_json(const perp_decision *d)
{
    json_t *pos = json_object();
    for (size_t i = 0; i < d->n_coins && i < PERP_MAX_SYMBOLS; i++) {
        /* Keys must be valid UTF-8; coins are ASCII, so anything else is
         * shown as '?' rather than lost. */
        char key[PERP_COIN_MAX];
        size_t n = 0;
        for (; d->coins[i].coin[n] && n + 1 < sizeof key; n++) {
            unsigned char ch = (unsigned char)d->coins[i].coin[n];
            key[n] = ch < 0x80 ? (char)ch : '?';
        }
        key[n] = '\0';
        json_object_set_new(pos, key, coin_to_json(&d->coins[i]));
    }
    json_t *root = json_object();
    json_object_set_new(root, "positions", pos);
    json_object_set_new(root, "notes_for_audience", str_json(d->notes));
    if (d->error[0])
        json_object_set_new(root, "error", str_json(d->error));
    return dump(root);
}
