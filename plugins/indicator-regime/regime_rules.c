/*
 * regime_rules.c — trend strength, volatility level and regime class.
 *
 * Starts from the Python twin's regime.py and fixes two of its bugs:
 *  - it compared an annualised realized-vol fraction (0.45 = 45 %) with
 *    thresholds meant for ATR as a percent of price (0.5, 1.5, 3.0), so
 *    "volatility" meant different things depending on which number was
 *    larger; here one measure, annualised realized vol in percent, is
 *    compared with thresholds in the same unit;
 *  - with votes of 1 (close vs EMA) and 0.5 (MACD) and ratio thresholds
 *    0.65/0.35, every vote split (2/3 or 1/3) counted as a trend, so
 *    volatile_choppy could never be returned; the split now needs
 *    0.7/0.3, and high volatility without a displacement that stands out
 *    of the noise is volatile_choppy.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "regime_rules.h"

static const char *const kind_names[] = {"trending_up", "trending_down",
                                         "ranging", "volatile_choppy"};
static const char *const vol_names[] = {"low", "moderate", "high", "extreme"};

const char *regime_name(regime_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "unknown";
}

const char *regime_vol_name(regime_vol v)
{
    return (unsigned)v < 4 ? vol_names[v] : "unknown";
}

void regime_default_thresholds(regime_thresholds *th)
{
    th->vol_low = 25.0;
    th->vol_moderate = 50.0;
    th->vol_high = 100.0;
    th->ranging_below = 30.0;
    th->trend_min = 50.0;
    th->choppy_strength = 60.0;
    th->up_ratio = 0.7;
    th->down_ratio = 0.3;
    th->choppy_vol = REGIME_VOL_HIGH;
    th->min_trend_to_noise = 2.0;
}

static perp_status bad(const perp_host *h, const perp_config_node *cfg,
                       const char *key, const char *expected)
{
    const perp_config_node *at = h->cfg_child(cfg, key);
    return h->cfg_error(h, at ? at : cfg, "%s: expected %s", key, expected);
}

static perp_status read_choppy_vol(const perp_host *h,
                                   const perp_config_node *cfg, regime_vol *out)
{
    const char *s = NULL;
    if (h->cfg_str(h, cfg, "choppy_vol", "high", &s) != PERP_OK)
        return PERP_EINVAL;
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, vol_names[i]) == 0) {
            *out = (regime_vol)i;
            return PERP_OK;
        }
    }
    return bad(h, cfg, "choppy_vol", "one of low, moderate, high, extreme");
}

/* What the config map cannot say: order between keys, strict ends. */
static perp_status check_thresholds(const perp_host *h,
                                    const perp_config_node *cfg,
                                    const regime_thresholds *th)
{
    if (!(th->vol_moderate > th->vol_low))
        return bad(h, cfg, "vol_moderate", "a percent above vol_low");
    if (!(th->vol_high > th->vol_moderate))
        return bad(h, cfg, "vol_high", "a percent above vol_moderate");
    if (!(th->ranging_below <= th->trend_min))
        return bad(h, cfg, "ranging_below", "0..trend_min");
    if (!(th->up_ratio > 0.5))
        return bad(h, cfg, "up_ratio", "a share in (0.5, 1]");
    if (!(th->down_ratio < 0.5))
        return bad(h, cfg, "down_ratio", "a share in [0, 0.5)");
    return PERP_OK;
}

perp_status regime_read_thresholds(const perp_host *h,
                                   const perp_config_node *cfg,
                                   regime_thresholds *th)
{
    regime_default_thresholds(th);
    struct {
        const char *key;
        double *dst;
    } nums[] = {{"vol_low", &th->vol_low},
                {"vol_moderate", &th->vol_moderate},
                {"vol_high", &th->vol_high},
                {"ranging_below", &th->ranging_below},
                {"trend_min", &th->trend_min},
                {"choppy_strength", &th->choppy_strength},
                {"up_ratio", &th->up_ratio},
                {"down_ratio", &th->down_ratio},
                {"min_trend_to_noise", &th->min_trend_to_noise}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (h->cfg_num(h, cfg, nums[i].key, *nums[i].dst, nums[i].dst) !=
            PERP_OK)
            return PERP_EINVAL;
    }
    if (read_choppy_vol(h, cfg, &th->choppy_vol) != PERP_OK)
        return PERP_EINVAL;
    return check_thresholds(h, cfg, th);
}

/* The twin's scores: distance from the EMA (up to 50), MACD line as a
 * percent of price (up to 30), RSI away from 50 (up to 20). */
static double trend_strength(const regime_inputs *in)
{
    double ema_pct = fabs(in->close - in->ema) / in->ema * 100.0;
    double macd_pct = fabs(in->macd) / in->close * 100.0;
    double s = fmin(ema_pct * 10.0, 50.0) + fmin(macd_pct * 20.0, 30.0) +
               fmin(fabs(in->rsi - 50.0) / 2.0, 20.0);
    return fmin(s, 100.0);
}

static regime_vol vol_level(const regime_thresholds *th, double rv_annual)
{
    double pct = rv_annual * 100.0;
    if (pct < th->vol_low)
        return REGIME_VOL_LOW;
    if (pct < th->vol_moderate)
        return REGIME_VOL_MODERATE;
    if (pct < th->vol_high)
        return REGIME_VOL_HIGH;
    return REGIME_VOL_EXTREME;
}

regime_result regime_classify(const regime_thresholds *th,
                              const regime_inputs *in)
{
    regime_result r;
    r.strength = trend_strength(in);
    r.vol_level = vol_level(th, in->rv_annual);
    double up = (in->close > in->ema ? 1.0 : 0.0) + (in->macd > 0 ? 0.5 : 0.0);
    r.up_share = up / 1.5;
    double displacement = fabs(in->close - in->ema) / in->ema;
    r.trend_to_noise = in->rv > 0.0 ? displacement / in->rv : INFINITY;

    if (r.vol_level >= th->choppy_vol &&
        r.trend_to_noise < th->min_trend_to_noise)
        r.regime = REGIME_VOLATILE_CHOPPY;
    else if (r.strength < th->ranging_below)
        r.regime = REGIME_RANGING;
    else if (r.strength >= th->trend_min && r.up_share >= th->up_ratio)
        r.regime = REGIME_TRENDING_UP;
    else if (r.strength >= th->trend_min && r.up_share <= th->down_ratio)
        r.regime = REGIME_TRENDING_DOWN;
    else if (r.strength > th->choppy_strength)
        r.regime = REGIME_VOLATILE_CHOPPY;
    else
        r.regime = REGIME_RANGING;
    return r;
}

void regime_describe(const regime_inputs *in, const regime_result *r, char *buf,
                     size_t len)
{
    static const char *const vol_words[] = {"Low", "Moderate", "High",
                                            "Extreme"};
    static const char *const kind_words[] = {
        "trending higher", "trending lower", "range-bound", "choppy/volatile"};
    snprintf(buf, len,
             "%s volatility - %s (strength %.0f/100; close %+.2f%% vs EMA, "
             "RSI %.1f, rv %.1f%%/yr)",
             vol_words[r->vol_level], kind_words[r->regime], r->strength,
             (in->close - in->ema) / in->ema * 100.0, in->rsi,
             in->rv_annual * 100.0);
}
