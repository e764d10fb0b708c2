/* rates_csv.c — external funding rates from CSV (see rates_csv.h). */
#include "rates_csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <perp/file.h>
#include <perp/quote.h>

/* A rates line is "ts,symbol,rate": anything longer is not one. */
#define RATES_LINE_MAX 512
/* 9999-12-31T23:59:59Z: later is a corrupt row, and the bound keeps
 * ts * 1000 inside int64. */
#define RATES_TS_MAX 253402300799LL

typedef struct row {
    int sym;
    size_t line;
    psim_rate_point pt;
} row;

typedef struct table {
    row *rows;
    size_t n, cap;
} table;

static int row_cmp(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->sym != y->sym)
        return x->sym < y->sym ? -1 : 1;
    if (x->pt.ts != y->pt.ts)
        return x->pt.ts < y->pt.ts ? -1 : 1;
    return x->line < y->line ? -1 : (x->line > y->line);
}

static int push(table *t, row r)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        row *p = realloc(t->rows, cap * sizeof *p);
        if (!p)
            return -1;
        t->rows = p;
        t->cap = cap;
    }
    t->rows[t->n++] = r;
    return 0;
}

/* Parses "ts,symbol,rate" in place; 0 on success. */
static int parse_line(char *s, long long *ts, char **sym, double *rate)
{
    s[strcspn(s, "\r\n")] = '\0';
    char *c1 = strchr(s, ',');
    char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c2 || strchr(c2 + 1, ','))
        return -1;
    *c1 = *c2 = '\0';
    char *end;
    errno = 0;
    *ts = strtoll(s, &end, 10);
    if (errno || end == s || *end || *ts < 0 || *ts > RATES_TS_MAX)
        return -1;
    *rate = strtod(c2 + 1, &end);
    if (end == c2 + 1 || *end || !isfinite(*rate))
        return -1;
    *sym = c1 + 1;
    return **sym ? 0 : -1;
}

static int finish(psim_engine *e, table *t)
{
    qsort(t->rows, t->n, sizeof *t->rows, row_cmp);
    psim_rate_point *pts = malloc((t->n ? t->n : 1) * sizeof *pts);
    int *idx = malloc((t->n ? t->n : 1) * sizeof *idx);
    if (!pts || !idx) {
        free(pts);
        free(idx);
        return PERP_ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++) {
        pts[i] = t->rows[i].pt;
        idx[i] = t->rows[i].sym;
    }
    psim_set_rate_table(e, pts, idx, t->n);
    free(idx);
    return PERP_OK;
}

int psim_rates_load(psim_engine *e, const char *path, size_t *skipped,
                    char *why, size_t why_len)
{
    FILE *f = perp_file_fopen(path, why, why_len);
    if (!f)
        return PERP_EINVAL;
    char shown[PERP_QUOTE_LEN];
    perp_shorten(path, shown, sizeof shown);
    table t = {0};
    char *buf = NULL;
    size_t cap = 0, len, line = 0;
    int rc = PERP_OK;
    *skipped = 0;
    while (rc == PERP_OK) {
        int st = perp_file_getline(f, RATES_LINE_MAX, &buf, &cap, &len);
        if (st == PERP_LINE_EOF)
            break;
        line++;
        if (st != PERP_LINE_OK) {
            if (st == PERP_LINE_TOO_LONG)
                snprintf(why, why_len, "%s:%zu: line longer than %d bytes",
                         shown, line, RATES_LINE_MAX);
            else
                snprintf(why, why_len, "%s:%zu: read error: %s", shown, line,
                         strerror(errno));
            rc = PERP_EINVAL;
            break;
        }
        if (line == 1) {
            if (strncmp(buf, "ts,symbol,rate", 14) != 0) {
                snprintf(why, why_len, "%s:1: expected header ts,symbol,rate",
                         shown);
                rc = PERP_EINVAL;
            }
            continue;
        }
        if (buf[strspn(buf, " \r\n")] == '\0')
            continue;
        long long ts;
        char *sym;
        double rate;
        if (parse_line(buf, &ts, &sym, &rate) != 0) {
            snprintf(why, why_len,
                     "%s:%zu: expected <unix seconds>,<symbol>,<rate per "
                     "hour>",
                     shown, line);
            rc = PERP_EINVAL;
            break;
        }
        int idx = psim_find(e, sym);
        if (idx < 0) {
            (*skipped)++;
            continue;
        }
        row r = {idx, line, {(int64_t)ts * 1000, rate}};
        if (push(&t, r) != 0)
            rc = PERP_ENOMEM;
    }
    if (rc == PERP_OK && line == 0) {
        snprintf(why, why_len, "%s: empty file", shown);
        rc = PERP_EINVAL;
    }
    free(buf);
    fclose(f);
    if (rc == PERP_OK)
        rc = finish(e, &t);
    free(t.rows);
    return rc;
}
