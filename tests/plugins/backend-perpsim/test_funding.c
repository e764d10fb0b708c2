/*
 * test_funding.c — perpsim funding: external rates paid and received over
 * hours, prorated by elapsed time (the Python twin charged one minute per
 * accrual whatever the gap), rate changes paid piecewise, the heuristic's
 * EMA over time rather than ticks, and continuous payment.
 * Fees and slippage are 0 here so the cash moves by funding alone.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "psim_fixture.h"
#include "rates_csv.h"

#define H   3600000LL
#define MIN 60000LL
#define T0  (472222LL * H) /* 2023-11-14T22:00:00Z, on an hour */
#define EPS 1e-9

static void start_model(psim_funding_model model, int64_t interval)
{
    psim_params p = fixture_params();
    p.fee_bps = 0;
    p.slippage_bps = 0;
    p.funding_model = model;
    p.funding_interval_ms = interval;
    fixture_start(&p);
}

static void assert_payment(size_t i, int64_t ts, const char *s, double pay)
{
    cr_assert_lt(i, R.n_funding, "only %zu payments", R.n_funding);
    cr_assert_eq(R.funding_ts[i], ts, "payment %zu at %lld, want %lld", i,
                 (long long)R.funding_ts[i], (long long)ts);
    cr_assert_str_eq(R.funding[i].symbol, s);
    cr_assert_float_eq(R.funding[i].payment, pay, EPS, "payment %zu: %.12g", i,
                       R.funding[i].payment);
}

/* External rates of 0.0001 per hour, a long 0.1 BTC and a short 10 ETH
 * opened at T0 + 30 min, marks fixed (BTC 100000, ETH 2000); payment =
 * -q x mark x rate x hours:
 *   T0+1h   BTC -0.1 x 100000 x 0.0001 x 0.5 = -0.5   ETH +10 x 2000 x
 *           0.0001 x 0.5 = +1.0
 *   T0+2h   BTC -1.0   ETH +2.0
 *   T0+2.5h BTC's rate becomes -0.0002: first the half hour at the old
 *           rate, -0.5
 *   T0+3h   BTC -0.1 x 100000 x -0.0002 x 0.5 = +1.0 (longs receive)
 *           ETH +2.0
 *   T0+3.25h BTC closed: its quarter hour, +0.5
 *   T0+6h   the next ETH update after a 3 h silence: 3 h at once, +6.0
 * funding_net = (-0.5 - 1 - 0.5 + 1 + 0.5) + (1 + 2 + 2 + 6) = 10.5 */
Test(funding, external_paid_and_received_over_hours)
{
    start_model(PSIM_FUNDING_EXTERNAL, H);
    last("BTC-USD", T0, 100000);
    last("ETH-USD", T0, 2000);
    psim_on_funding(&E, sym("BTC-USD"), T0, 0.0001);
    psim_on_funding(&E, sym("ETH-USD"), T0, 0.0001);
    cr_assert_eq(order("BTC-USD", 0.1, 5, T0 + 30 * MIN, NULL), PERP_OK, "%s",
                 WHY);
    cr_assert_eq(order("ETH-USD", -10, 5, T0 + 30 * MIN, NULL), PERP_OK);
    last("BTC-USD", T0 + H, 100000);
    last("BTC-USD", T0 + 2 * H, 100000);
    psim_on_funding(&E, sym("BTC-USD"), T0 + 2 * H + 30 * MIN, -0.0002);
    last("BTC-USD", T0 + 3 * H, 100000);
    cr_assert_eq(order("BTC-USD", -0.1, 0, T0 + 3 * H + 15 * MIN, NULL),
                 PERP_OK);
    last("ETH-USD", T0 + 6 * H, 2000);

    cr_assert_eq(R.n_funding, 9);
    assert_payment(0, T0 + H, "BTC-USD", -0.5);
    assert_payment(1, T0 + H, "ETH-USD", 1.0);
    assert_payment(2, T0 + 2 * H, "BTC-USD", -1.0);
    assert_payment(3, T0 + 2 * H, "ETH-USD", 2.0);
    assert_payment(4, T0 + 2 * H + 30 * MIN, "BTC-USD", -0.5);
    assert_payment(5, T0 + 3 * H, "BTC-USD", 1.0);
    assert_payment(6, T0 + 3 * H, "ETH-USD", 2.0);
    assert_payment(7, T0 + 3 * H + 15 * MIN, "BTC-USD", 0.5);
    assert_payment(8, T0 + 6 * H, "ETH-USD", 6.0);
    cr_assert_float_eq(R.funding[8].rate, 0.0003, EPS);
    cr_assert_float_eq(R.funding[8].position, -10, EPS);
    cr_assert_float_eq(E.funding_net, 10.5, EPS);
    cr_assert_float_eq(E.cash, 10010.5, EPS);
    perp_account a;
    psim_account(&E, &a);
    cr_assert_float_eq(a.funding_net, 10.5, EPS);
}

/* Rates from a CSV file (ts in seconds, rate per hour): 0.0001 from T0,
 * 0.0003 from T0 + 30 min. A long 0.1 BTC at 100000 from T0 pays at the
 * hour in two parts: -0.1 x 100000 x 0.0001 x 0.5 = -0.5 (at T0+30m) and
 * -0.1 x 100000 x 0.0003 x 0.5 = -1.5 (at T0+1h). A row for an untraded
 * symbol is skipped. */
Test(funding, external_from_csv_piecewise)
{
    start_model(PSIM_FUNDING_EXTERNAL, H);
    char path[] = "/tmp/psim_rates_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f,
            "ts,symbol,rate\n%lld,BTC-USD,0.0003\n%lld,BTC-USD,0.0001\n"
            "%lld,PEPE-USD,0.5\n",
            (long long)(T0 + 30 * MIN) / 1000, (long long)T0 / 1000,
            (long long)T0 / 1000);
    fclose(f);
    size_t skipped = 0;
    char why[256];
    cr_assert_eq(psim_rates_load(&E, path, &skipped, why, sizeof why), PERP_OK,
                 "%s", why);
    unlink(path);
    cr_assert_eq(skipped, 1);
    last("BTC-USD", T0, 100000);
    cr_assert_eq(order("BTC-USD", 0.1, 5, T0, NULL), PERP_OK, "%s", WHY);
    last("BTC-USD", T0 + H, 100000);
    cr_assert_eq(R.n_funding, 2);
    assert_payment(0, T0 + 30 * MIN, "BTC-USD", -0.5);
    assert_payment(1, T0 + H, "BTC-USD", -1.5);
    psim_free(&E);
}

Test(funding, csv_errors_name_file_and_line)
{
    start_model(PSIM_FUNDING_EXTERNAL, H);
    char path[] = "/tmp/psim_rates_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "ts,symbol,rate\n1700000000,BTC-USD,abc\n");
    fclose(f);
    size_t skipped;
    char why[256];
    cr_assert_eq(psim_rates_load(&E, path, &skipped, why, sizeof why),
                 PERP_EINVAL);
    cr_assert(strstr(why, ":2: expected"), "%s", why);
    unlink(path);
    cr_assert_eq(
        psim_rates_load(&E, "/nonexistent/r.csv", &skipped, why, sizeof why),
        PERP_EINVAL);
    cr_assert(strstr(why, "/nonexistent/r.csv"), "%s", why);
}

/* Issue 15, item 4: the rates CSV is a regular file (a FIFO blocked in
 * open), lines have a limit (fgets split a long one into several
 * "lines"), and a ts whose milliseconds overflow int64 is refused. */
Test(funding, csv_must_be_a_regular_file_with_bounded_lines, .timeout = 20)
{
    start_model(PSIM_FUNDING_EXTERNAL, H);
    size_t skipped;
    char why[256];
    char dir[] = "/tmp/psim_dir_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/r.csv", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(psim_rates_load(&E, fifo, &skipped, why, sizeof why),
                 PERP_EINVAL);
    cr_assert(strstr(why, "r.csv': not a regular file (a FIFO)"), "%s", why);
    unlink(fifo);
    cr_assert_eq(psim_rates_load(&E, dir, &skipped, why, sizeof why),
                 PERP_EINVAL);
    cr_assert(strstr(why, "': not a regular file (a directory)"), "%s", why);
    static const struct {
        const char *row, *reason;
    } bad[] = {
        {"9223372036854775807,BTC-USD,0.0001", ":2: expected <unix seconds>"},
        {"-60,BTC-USD,0.0001", ":2: expected <unix seconds>"},
    };
    char path[64];
    snprintf(path, sizeof path, "%s/b.csv", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *f = fopen(path, "w");
        fprintf(f, "ts,symbol,rate\n%s\n", bad[i].row);
        fclose(f);
        cr_assert_eq(psim_rates_load(&E, path, &skipped, why, sizeof why),
                     PERP_EINVAL, "%s", bad[i].row);
        cr_assert(strstr(why, bad[i].reason), "%s", why);
    }
    FILE *f = fopen(path, "w");
    fprintf(f, "ts,symbol,rate\n1700000000,BTC-USD,0.");
    for (int i = 0; i < 600; i++)
        fputc('1', f);
    fprintf(f, "\n");
    fclose(f);
    cr_assert_eq(psim_rates_load(&E, path, &skipped, why, sizeof why),
                 PERP_EINVAL);
    cr_assert(strstr(why, "b.csv:2: line longer than 512 bytes"), "%s", why);
    unlink(path);
    rmdir(dir);
    psim_free(&E);
}

/* Heuristic, EMA horizon 10 min (alpha = 2/11), cap 1 (so no clamp):
 *   T0 mark 100 seeds the EMA; T0+30m mark 100 (EMA stays 100), buy 1
 *   BTC; T0+59m: 1000 updates at 110 inside one minute: one EMA sample,
 *   EMA = 100 + 2/11 x 10 = 1120/11 = 101.8181... (an EMA over ticks would
 *   be ~110 by now and show no premium);
 *   T0+1h: pay at mark 110: premium = (110 - 1120/11) / (1120/11) =
 *   90/1120; rate_1h = premium / 8; half an hour held:
 *   payment = -1 x 110 x 90/1120 / 8 x 0.5 = -0.552455357142857 */
Test(funding, heuristic_ema_over_time_not_ticks)
{
    psim_params p = fixture_params();
    p.fee_bps = p.slippage_bps = 0;
    p.funding_model = PSIM_FUNDING_HEURISTIC;
    p.funding_ema_ms = 10 * MIN;
    p.funding_cap_8h = 1.0;
    fixture_start(&p);
    last("BTC-USD", T0, 100);
    last("BTC-USD", T0 + 30 * MIN, 100);
    cr_assert_eq(order("BTC-USD", 1, 5, T0 + 30 * MIN, NULL), PERP_OK, "%s",
                 WHY);
    for (int i = 0; i < 1000; i++)
        last("BTC-USD", T0 + 59 * MIN + i, 110);
    cr_assert_float_eq(pos("BTC-USD")->ema, 1120.0 / 11.0, 1e-9);
    last("BTC-USD", T0 + H, 110);
    cr_assert_eq(R.n_funding, 1);
    assert_payment(0, T0 + H, "BTC-USD", -110 * (90.0 / 1120) / 8 * 0.5);
    cr_assert_float_eq(R.funding[0].payment, -0.552455357142857, 1e-12);
}

/* Same path, default cap 0.0001 per 8 h: the premium is clamped, rate_1h
 * = 0.0001 / 8 = 0.0000125; payment = -110 x 0.0000125 x 0.5 =
 * -0.0006875. A short would receive the same. */
Test(funding, heuristic_clamped_to_cap)
{
    psim_params p = fixture_params();
    p.fee_bps = p.slippage_bps = 0;
    p.funding_model = PSIM_FUNDING_HEURISTIC;
    p.funding_ema_ms = 10 * MIN;
    fixture_start(&p);
    last("BTC-USD", T0, 100);
    last("ETH-USD", T0, 100);
    last("BTC-USD", T0 + 30 * MIN, 100);
    last("ETH-USD", T0 + 30 * MIN, 100);
    cr_assert_eq(order("BTC-USD", 1, 5, T0 + 30 * MIN, NULL), PERP_OK);
    cr_assert_eq(order("ETH-USD", -1, 5, T0 + 30 * MIN, NULL), PERP_OK);
    last("BTC-USD", T0 + 59 * MIN, 110);
    last("ETH-USD", T0 + 59 * MIN, 110);
    last("BTC-USD", T0 + H, 110);
    cr_assert_eq(R.n_funding, 2);
    assert_payment(0, T0 + H, "BTC-USD", -0.0006875);
    assert_payment(1, T0 + H, "ETH-USD", 0.0006875);
}

/* Continuous: paid on every update of the symbol for the time since the
 * last one: long 0.1 at 100000, rate 0.0001/h; updates at +10 min and +30
 * min pay -10000 x 0.0001 x 1/6 and x 2/6. */
Test(funding, continuous_prorated_per_update)
{
    start_model(PSIM_FUNDING_EXTERNAL, 0);
    last("BTC-USD", T0, 100000);
    psim_on_funding(&E, sym("BTC-USD"), T0, 0.0001);
    cr_assert_eq(order("BTC-USD", 0.1, 5, T0, NULL), PERP_OK);
    last("BTC-USD", T0 + 10 * MIN, 100000);
    last("BTC-USD", T0 + 30 * MIN, 100000);
    cr_assert_eq(R.n_funding, 2);
    assert_payment(0, T0 + 10 * MIN, "BTC-USD", -1.0 / 6.0);
    assert_payment(1, T0 + 30 * MIN, "BTC-USD", -2.0 / 6.0);
    cr_assert_float_eq(E.funding_net, -0.5, EPS);
}

/* Model none: nothing is ever paid. */
Test(funding, none_pays_nothing)
{
    start_model(PSIM_FUNDING_NONE, H);
    last("BTC-USD", T0, 100000);
    psim_on_funding(&E, sym("BTC-USD"), T0, 0.01);
    cr_assert_eq(order("BTC-USD", 0.1, 5, T0, NULL), PERP_OK);
    psim_on_funding(&E, sym("BTC-USD"), T0 + H / 2, 0.02);
    last("BTC-USD", T0 + 5 * H, 100000);
    cr_assert_eq(R.n_funding, 0);
    cr_assert_eq(E.funding_net, 0.0);
}
