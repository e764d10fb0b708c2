/* rounding.c — tick and size steps; see rounding.h for the rules. */
#include "rounding.h"

#include <math.h>

/* A value within STEP_EPS of a step counts as on it. */
#define STEP_EPS 1e-9

/* k steps as the double nearest the decimal value k * step. */
static double steps_to_value(double k, double step)
{
    double inv = round(1.0 / step);
    if (inv >= 1.0 && fabs(inv * step - 1.0) < 1e-12)
        return k / inv;
    return k * step;
}

double psim_qty_floor(double qty, double step)
{
    double k = floor(fabs(qty) / step + STEP_EPS);
    double v = steps_to_value(k, step);
    return qty < 0 ? -v : v;
}

double psim_qty_snap(double qty, double step)
{
    return steps_to_value(round(qty / step), step);
}

double psim_price_up(double price, double tick)
{
    return steps_to_value(ceil(price / tick - STEP_EPS), tick);
}

double psim_price_down(double price, double tick)
{
    return steps_to_value(floor(price / tick + STEP_EPS), tick);
}

double psim_price_nearest(double price, double tick)
{
    return steps_to_value(round(price / tick), tick);
}
