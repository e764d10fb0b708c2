/*
 * hlm_parse.c — see hlm_parse.h.
 */
#include "hlm_parse.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *text;
    int64_t ms;
} INTERVALS[] = {{"1m", 60000},     {"3m", 180000},   {"5m", 300000},
                 {"15m", 900000},   {"30m", 1800000}, {"1h", 3600000},
                 {"2h", 7200000},   {"4h", 14400000}, {"8h", 28800000},
                 {"12h", 43200000}, {"1d", 86400000}, {"3d", 259200000},
                 {"1w", 604800000}};

int64_t hlm_interval_ms(const char *text)
{
    for (size_t i = 0; text && i < sizeof INTERVALS / sizeof *INTERVALS; i++)
        if (strcmp(INTERVALS[i].text, text) == 0)
            return INTERVALS[i].ms;
    return 0;
}

const char *hlm_interval_text(int64_t ms)
{
    for (size_t i = 0; i < sizeof INTERVALS / sizeof *INTERVALS; i++)
        if (INTERVALS[i].ms == ms)
            return INTERVALS[i].text;
    return NULL;
}

/* A decimal string as a positive finite double, else NAN. */
static double num(const json_t *o, const char *key)
{
    const char *t = json_string_value(json_object_get(o, key));
    char *end;
    if (!t || !*t)
        return NAN;
    double x = strtod(t, &end);
    return *end || !isfinite(x) || x < 0 ? NAN : x;
}

static hlm_msg_kind malformed(hlm_message *m, const char *why)
{
    snprintf(m->text, sizeof m->text, "%s", why);
    return HLM_MSG_MALFORMED;
}

static int set_coin(hlm_message *m, const json_t *v)
{
    const char *c = json_string_value(v);
    if (!c || !*c || strlen(c) >= sizeof m->coin)
        return -1;
    memcpy(m->coin, c, strlen(c) + 1);
    return 0;
}

static hlm_msg_kind parse_bbo(const json_t *d, hlm_message *m)
{
    const json_t *lv = json_object_get(d, "bbo");
    const json_t *t = json_object_get(d, "time");
    if (set_coin(m, json_object_get(d, "coin")) || !json_is_array(lv) ||
        json_array_size(lv) != 2 || !json_is_integer(t))
        return malformed(m, "bbo without coin, time or two levels");
    perp_tick *k = &m->tick;
    k->ts = json_integer_value(t);
    k->price = k->last_size = k->volume_24h = NAN;
    const json_t *bid = json_array_get(lv, 0), *ask = json_array_get(lv, 1);
    k->bid = json_is_object(bid) ? num(bid, "px") : NAN;
    k->bid_size = json_is_object(bid) ? num(bid, "sz") : NAN;
    k->ask = json_is_object(ask) ? num(ask, "px") : NAN;
    k->ask_size = json_is_object(ask) ? num(ask, "sz") : NAN;
    if ((json_is_object(bid) && !isfinite(k->bid)) ||
        (json_is_object(ask) && !isfinite(k->ask)))
        return malformed(m, "bbo level without a price");
    return HLM_MSG_BBO;
}

hlm_msg_kind hlm_parse_candle(const void *data, hlm_message *m)
{
    const json_t *d = data;
    perp_candle *c = &m->candle;
    const json_t *t = json_object_get(d, "t");
    if (set_coin(m, json_object_get(d, "s")) || !json_is_integer(t))
        return malformed(m, "candle without s or t");
    c->ts = json_integer_value(t);
    c->interval_ms =
        hlm_interval_ms(json_string_value(json_object_get(d, "i")));
    c->open = num(d, "o");
    c->high = num(d, "h");
    c->low = num(d, "l");
    c->close = num(d, "c");
    c->volume = num(d, "v");
    if (c->interval_ms <= 0 || !isfinite(c->open) || !isfinite(c->high) ||
        !isfinite(c->low) || !isfinite(c->close) || !isfinite(c->volume))
        return malformed(m, "candle with a bad interval or price");
    return HLM_MSG_CANDLE;
}

hlm_msg_kind hlm_parse(const char *buf, size_t len, hlm_message *m)
{
    memset(m, 0, sizeof *m);
    json_t *root = json_loadb(buf, len, 0, NULL);
    const char *ch = json_string_value(json_object_get(root, "channel"));
    const json_t *d = json_object_get(root, "data");
    hlm_msg_kind k = HLM_MSG_OTHER;
    if (!root)
        k = malformed(m, "not JSON");
    else if (!ch)
        k = malformed(m, "no channel");
    else if (strcmp(ch, "bbo") == 0)
        k = parse_bbo(d, m);
    else if (strcmp(ch, "candle") == 0)
        k = hlm_parse_candle(d, m);
    else if (strcmp(ch, "pong") == 0)
        k = HLM_MSG_PONG;
    else if (strcmp(ch, "subscriptionResponse") == 0)
        k = HLM_MSG_SUBSCRIBED;
    else if (strcmp(ch, "error") == 0) {
        snprintf(m->text, sizeof m->text, "%.120s",
                 json_is_string(d) ? json_string_value(d) : "error");
        k = HLM_MSG_ERROR;
    }
    json_decref(root);
    return k;
}
