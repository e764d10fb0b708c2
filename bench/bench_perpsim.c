/*
 * bench_perpsim.c — perpsim through its vtable (loaded with the host's
 * loader from $PERP_BUILD_DIR/lib/perp/perpsim.so): price updates per
 * second with positions and exit plans open on five symbols (each update
 * marks one symbol, checks its stop and target, the account's maintenance
 * margin, the funding clock and the EMA clock), and market orders per
 * second (each fills, books, emits a TRADE record). Beside each, an
 * in-run reference on the same inputs: for price updates a loop that only
 * marks the five positions to market (finds the symbol, moves its mark,
 * updates equity), for orders a loop that only nets the fill into the
 * position (average entry, realized P&L, fee); and the ratio of the two.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "plugin_services.h"
#include "plugin_loader.h"

#define N_SYM   5
#define TABLE   4096
#define UPDATES 100000000L
#define ORDERS  2000000L

static const char *const syms[N_SYM] = {"BTC-USD", "ETH-USD", "SOL-USD",
                                        "DOGE-USD", "XRP-USD"};
static const double base[N_SYM] = {30000, 2000, 25, 0.08, 0.5};
static const double qty[N_SYM] = {1, 10, 1000, 200000, 40000};

static unsigned long records;

static void count(void *ud, const perp_record *r)
{
    (void)ud;
    (void)r;
    records++;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void cpu_name(char *out, size_t len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && c) {
            c += 1 + strspn(c + 1, " \t");
            c[strcspn(c, "\n")] = '\0';
            snprintf(out, len, "%s", c);
            break;
        }
    }
    fclose(f);
}

static int open_positions(const perp_backend_vtable *vt, void *self, int64_t ts)
{
    for (int i = 0; i < N_SYM; i++) {
        perp_price p = {ts, "", base[i], NAN, NAN};
        snprintf(p.symbol, sizeof p.symbol, "%s", syms[i]);
        vt->on_price(self, &p);
        perp_order o;
        memset(&o, 0, sizeof o);
        o.ts = ts;
        snprintf(o.symbol, sizeof o.symbol, "%s", syms[i]);
        o.qty = (i % 2 ? -1 : 1) * qty[i];
        o.leverage = 2;
        o.has_exit_plan = 1;
        o.exit_plan.stop_loss = base[i] * (i % 2 ? 1.2 : 0.8);
        o.exit_plan.profit_target = base[i] * (i % 2 ? 0.8 : 1.2);
        perp_fill f;
        char why[PERP_ERROR_MAX];
        if (vt->submit(self, &o, &f, why, sizeof why) != PERP_OK) {
            fprintf(stderr, "bench_perpsim: open %s: %s\n", syms[i], why);
            return -1;
        }
    }
    return 0;
}

/* Prices wander within +-0.5 % of base: no stop, target or liquidation. */
static void fill_table(perp_price *t)
{
    unsigned x = 12345;
    for (int k = 0; k < TABLE; k++) {
        int i = k % N_SYM;
        x = x * 1103515245u + 12345u;
        double r = ((x >> 8) & 0xffff) / 65535.0 - 0.5;
        t[k] = (perp_price){0, "", base[i] * (1 + 0.01 * r), NAN, NAN};
        snprintf(t[k].symbol, sizeof t[k].symbol, "%s", syms[i]);
    }
}

static double bench_updates(const perp_backend_vtable *vt, void *self,
                            int64_t *ts)
{
    static perp_price table[TABLE];
    fill_table(table);
    double t0 = now_s();
    for (long n = 0; n < UPDATES; n++) {
        perp_price *p = &table[n & (TABLE - 1)];
        p->ts = ++*ts; /* 1 ms apart: funding every 3.6 M updates */
        vt->on_price(self, p);
    }
    return UPDATES / (now_s() - t0);
}

static double bench_orders(const perp_backend_vtable *vt, void *self,
                           int64_t ts)
{
    perp_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.symbol, sizeof o.symbol, "ETH-USD");
    o.leverage = 2;
    perp_fill f;
    char why[PERP_ERROR_MAX];
    double t0 = now_s();
    for (long n = 0; n < ORDERS; n++) {
        o.ts = ts;
        o.qty = n % 2 ? -0.5 : 0.5;
        if (vt->submit(self, &o, &f, why, sizeof why) != PERP_OK) {
            fprintf(stderr, "bench_perpsim: order: %s\n", why);
            return 0;
        }
    }
    return ORDERS / (now_s() - t0);
}

/* ------------------------------------------------------ references */

typedef struct ref_pos {
    char symbol[PERP_SYMBOL_MAX];
    double qty, entry, mark;
} ref_pos;

static volatile double ref_sink;

/* Mark to market only: find the symbol, move its mark, carry equity by
 * the change. Updates per second, on the same table and count. */
static double ref_updates(void)
{
    static perp_price table[TABLE];
    fill_table(table);
    ref_pos pos[N_SYM];
    for (int i = 0; i < N_SYM; i++) {
        snprintf(pos[i].symbol, sizeof pos[i].symbol, "%s", syms[i]);
        pos[i].qty = (i % 2 ? -1 : 1) * qty[i];
        pos[i].entry = pos[i].mark = base[i];
    }
    double equity = 1000000.0;
    int64_t ts = 0;
    double t0 = now_s();
    for (long n = 0; n < UPDATES; n++) {
        perp_price *p = &table[n & (TABLE - 1)];
        p->ts = ++ts;
        int k = 0;
        while (k < N_SYM - 1 && strcmp(pos[k].symbol, p->symbol) != 0)
            k++;
        equity += pos[k].qty * (p->last - pos[k].mark);
        pos[k].mark = p->last;
    }
    double dt = now_s() - t0;
    ref_sink = equity;
    return UPDATES / dt;
}

/* Netting only: each order's fill folded into one position (average
 * entry when it grows, realized P&L when it shrinks, a fee on the
 * notional). Orders per second, on the same alternating orders. */
static double ref_orders(void)
{
    double q = 0, entry = 0, cash = 0, price = 2000.0, fee = 2e-4;
    double t0 = now_s();
    for (long n = 0; n < ORDERS; n++) {
        double dq = n % 2 ? -0.5 : 0.5, after = q + dq;
        if (q == 0 || (q > 0) == (dq > 0)) {
            entry = (entry * fabs(q) + price * fabs(dq)) / fabs(after);
        } else {
            double closed = fabs(dq) < fabs(q) ? fabs(dq) : fabs(q);
            cash += closed * (price - entry) * (q > 0 ? 1 : -1);
            if (after == 0)
                entry = 0;
        }
        cash -= fabs(dq) * price * fee;
        q = after;
    }
    double dt = now_s() - t0;
    ref_sink = cash + entry;
    return ORDERS / dt;
}

int main(void)
{
    const char *bdir = getenv("PERP_BUILD_DIR");
    char path[512], err[512], cpu[256];
    snprintf(path, sizeof path, "%s/lib/perp/perpsim.so",
             bdir ? bdir : "build");
    host_plugin pl;
    if (host_plugin_open_file(path, PERP_KIND_BACKEND, &pl, err, sizeof err) !=
        PERP_OK) {
        fprintf(stderr, "bench_perpsim: %s\n", err);
        return 1;
    }
    const perp_backend_vtable *vt = pl.desc->vtable;
    host_context ctx = {
        .version = "bench", .symbols = syms, .n_symbols = N_SYM, .emit = count};
    perp_host *host = host_services_new(&ctx, "perpsim");
    host_config *cfg =
        host_config_parse("plugin: perpsim\nstarting_equity: 1000000\n"
                          "funding: {model: heuristic, interval: 1h}\n",
                          "bench.yaml", err, sizeof err);
    void *self = NULL;
    if (!cfg || vt->create(host, host_config_root(cfg), &self) != PERP_OK) {
        fprintf(stderr, "bench_perpsim: create failed %s\n", cfg ? "" : err);
        return 1;
    }
    int64_t ts = 1680000000000LL;
    if (open_positions(vt, self, ts) != 0)
        return 1;
    double ups = bench_updates(vt, self, &ts);
    perp_account a;
    vt->account(self, &a);
    size_t open = a.n_positions;
    unsigned long recs = records;
    double ops = bench_orders(vt, self, ts);
    double ref_u = ref_updates(), ref_o = ref_orders();
    cpu_name(cpu, sizeof cpu);
    printf("perpsim on %s (one core)\n", cpu);
    printf("  price updates: %.1f M/s (%ld updates, %zu positions with "
           "exit plans open, %lu funding records)\n"
           "    reference, marking the positions to market only: %.1f M/s; "
           "ratio (time per update) %.2f\n",
           ups / 1e6, UPDATES, open, recs - N_SYM, ref_u / 1e6, ref_u / ups);
    printf("  market orders: %.2f M/s (%ld fills, each a TRADE record)\n"
           "    reference, netting each fill into the position only: %.1f "
           "M/s; ratio (time per order) %.1f\n",
           ops / 1e6, ORDERS, ref_o / 1e6, ref_o / ops);
    vt->destroy(self);
    host_config_free(cfg);
    host_services_free(host);
    host_plugin_close(&pl);
    return open == N_SYM ? 0 : 1;
}
