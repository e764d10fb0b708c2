/*
 * rounding.h — the one place perpsim rounds prices to tick_size and
 * quantities to size_step.
 *
 * Results are built as k / (1/step) when 1/step is an integer (0.0001 ->
 * 10000), so a rounded value is the double nearest the decimal k * step
 * (3 * 0.1 would give 0.30000000000000004; 3 / 10 gives 0.3). Values a hair
 * off a step (1e-9 of a step, float noise from earlier arithmetic) count as
 * on it, so 0.30000000000000004 floors to 0.3, not 0.2.
 */
#ifndef PSIM_ROUNDING_H
#define PSIM_ROUNDING_H

/* Quantity toward zero to a multiple of step (never more than asked). */
double psim_qty_floor(double qty, double step);
/* Quantity to the nearest multiple of step (snaps a position's float noise). */
double psim_qty_snap(double qty, double step);
/* Price up / down / nearest to a multiple of tick. */
double psim_price_up(double price, double tick);
double psim_price_down(double price, double tick);
double psim_price_nearest(double price, double tick);

#endif
