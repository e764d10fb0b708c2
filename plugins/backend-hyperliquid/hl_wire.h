/*
 * hl_wire.h — numbers as the exchange takes them.
 *
 * Prices and sizes travel as decimal strings, and the signature covers
 * those exact strings, so they must be produced the one way the SDKs
 * produce them (float_to_wire); prices must also be valid for the
 * exchange's tick rules. Rules: ../shared/signing/README.md, "Numbers on
 * the wire".
 */
#ifndef HL_WIRE_H
#define HL_WIRE_H

#include <stddef.h>

#define HL_WIRE_MAX 48 /* longest text float_to_wire writes, with NUL */

/* x with 8 decimals, trailing zeros and a trailing '.' removed, never an
 * exponent ("100", "0.0147", "0.00001"); negative zero gives "0". -1
 * (nothing written) when the 8-decimal text differs from x by 1e-12 or
 * more — x has more precision than the wire keeps — or x is not finite
 * or too large for the text. */
int hl_float_to_wire(double x, char out[HL_WIRE_MAX]);

/* round(x * 10^decimals) as decimal digits (with '-' if negative),
 * refused (-1) when x * 10^decimals is 1e-3 or more away from an
 * integer: the SDK's float_to_int (decimals 8 for hashing, 6 for USD).
 * Digits come from the exact decimal expansion, so integer inputs up to
 * 2^64 / 10^decimals come out exact, as in Python. */
int hl_float_to_int(double x, int decimals, char *out, size_t len);

/* A perp price the exchange accepts, the way the SDK's rounding example
 * makes one: above 100000 an integer, else 5 significant figures and at
 * most 6 - sz_decimals decimals. Integer prices are always valid. NAN for
 * a price that is not finite and positive. */
double hl_round_price(double px, int sz_decimals);

/* A size rounded to sz_decimals decimals (half to even on the exact
 * binary value, as Python's round()). */
double hl_round_size(double sz, int sz_decimals);

/* 1 if the decimal text px is a valid price with at most max_decimals
 * decimals (6 - szDecimals for perps, 8 - szDecimals for spot) and at
 * most 5 significant figures; an integer is always valid. */
int hl_price_valid(const char *px, int max_decimals);

#endif
