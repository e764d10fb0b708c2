/*
 * backtest_record.c — a version's records, kept for its figures.
 */
#include "backtest_record.h"

#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int host_bt_record_init(host_bt_record *r)
{
    memset(r, 0, sizeof *r);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c);
        return PERP_ENOMEM;
    }
    r->sha = c;
    return PERP_OK;
}

void host_bt_record_free(host_bt_record *r)
{
    free(r->fills);
    free(r->eq_ts);
    free(r->eq);
    free(r->bench);
    EVP_MD_CTX_free(r->sha);
    memset(r, 0, sizeof *r);
}

static const char *cause_name(perp_fill_cause c)
{
    /* the hash must tell a stray value from a real exit */
    const char *name = perp_fill_cause_name(c);
    return name ? name : "unknown";
}

size_t host_bt_trade_line(const perp_fill *f, char *out, size_t cap)
{
    int n = snprintf(
        out, cap, "%lld,%.*s,%s,%.17g,%.17g,%.17g,%.17g,%.17g,%s\n",
        (long long)f->ts, (int)strnlen(f->symbol, sizeof f->symbol), f->symbol,
        f->qty < 0 ? "sell" : "buy", fabs(f->qty), f->price, f->fee,
        f->realized_pnl, f->position_after, cause_name(f->cause));
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static void add_fill(host_bt_record *r, const perp_record *rec)
{
    if (r->n_fills == r->cap_fills) {
        size_t cap = r->cap_fills ? r->cap_fills * 2 : 64;
        perp_fill *f = realloc(r->fills, cap * sizeof *f);
        if (!f) {
            r->failed = 1;
            return;
        }
        r->fills = f;
        r->cap_fills = cap;
    }
    perp_fill *f = &r->fills[r->n_fills++];
    *f = rec->u.trade.fill;
    if (f->ts == 0)
        f->ts = rec->ts;
    char line[PERP_SYMBOL_MAX + 256];
    size_t n = host_bt_trade_line(f, line, sizeof line);
    EVP_DigestUpdate(r->sha, line, n);
}

static void add_equity(host_bt_record *r, int64_t ts, double equity)
{
    if (r->n_eq == r->cap_eq) {
        size_t cap = r->cap_eq ? r->cap_eq * 2 : 1024;
        int64_t *t = realloc(r->eq_ts, cap * sizeof *t);
        if (t)
            r->eq_ts = t;
        double *e = t ? realloc(r->eq, cap * sizeof *e) : NULL;
        if (e)
            r->eq = e;
        double *b = e ? realloc(r->bench, cap * sizeof *b) : NULL;
        if (!b) {
            r->failed = 1;
            return;
        }
        r->bench = b;
        r->cap_eq = cap;
    }
    r->eq_ts[r->n_eq] = ts;
    r->bench[r->n_eq] = r->bench_now ? *r->bench_now : NAN;
    r->eq[r->n_eq++] = equity;
}

/* A decision record stands for one cycle, or for a collapsed run's. */
static size_t decision_cycles(const char *json)
{
    const char *h = json ? strstr(json, "\"held\":{\"cycles\":") : NULL;
    return h ? (size_t)strtoull(h + 17, NULL, 10) : 1;
}

void host_bt_record_tap(void *ud, const perp_record *rec)
{
    host_bt_record *r = ud;
    switch (rec->type) {
    case PERP_REC_TRADE:
        add_fill(r, rec);
        break;
    case PERP_REC_EQUITY:
        add_equity(r, rec->ts, rec->u.equity.equity);
        break;
    case PERP_REC_FUNDING:
        r->n_funding++;
        if (rec->u.funding.payment > 0)
            r->funding_received += rec->u.funding.payment;
        else
            r->funding_paid -= rec->u.funding.payment;
        break;
    case PERP_REC_LIQUIDATION:
        r->n_liquidations++;
        break;
    case PERP_REC_REJECTION:
        r->n_rejections++;
        break;
    case PERP_REC_DECISION:
        r->decisions += decision_cycles(rec->u.json.json);
        break;
    case PERP_REC_LLM_CALL:
        r->llm_calls++;
        r->prompt_tokens += rec->u.llm_call.prompt_tokens;
        r->completion_tokens += rec->u.llm_call.completion_tokens;
        if (isfinite(rec->u.llm_call.cost_usd))
            r->llm_cost_usd += rec->u.llm_call.cost_usd;
        break;
    default:
        break;
    }
}

void host_bt_record_hash(const host_bt_record *r, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || EVP_MD_CTX_copy_ex(c, r->sha) != 1 ||
        EVP_DigestFinal_ex(c, md, &n) != 1)
        n = 0;
    EVP_MD_CTX_free(c);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", i < n ? md[i] : 0);
    out[64] = '\0';
}
