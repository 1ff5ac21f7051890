/*
 * Nice chart axes (render/axis.c). Not installed.
 */
#ifndef KPI_RENDER_AXIS_H
#define KPI_RENDER_AXIS_H

#include <stddef.h>

/* Nice axis: ticks lo, lo + step, ..., hi with step 1, 2 or 5 x 10^k.
 *
 * Every finite double gives a finite axis: lo, hi and step are in axis
 * units, a value v being v x 10^-e10 there. e10 is 0 for every range that
 * double arithmetic handles plainly (values of magnitude 1e-290 to 1e290),
 * so those axes are computed exactly as they always were; beyond that (the
 * largest doubles, whose span or rounded-up top tick overflows, and the
 * tiniest and subnormal ones, whose steps would underflow) the axis is set
 * in units of a power of ten and its labels say so ("×10³⁰⁸"). */
typedef struct kpi__axis {
	double lo, hi, step; /* axis units */
	int e10;             /* axis unit = 10^e10 */
	int nticks;          /* 2 or more */
	double div;          /* tick labels show (axis units) / div (k, M, ... or 10^-n) */
	const char *suffix;  /* "k", "M", "bn", "tn" or "" */
	int decimals;
	char scale_note[32]; /* "×10⁻⁶" when ticks are scaled by a power of ten */
} kpi__axis;

/* The axis for values in [lo, hi] (either order; non-finite bounds are
 * taken as the largest finite double of their sign, NaN as [0, 1]). */
void kpi__axis_nice(kpi__axis *ax, double lo, double hi, int target_ticks);
/* Tick `i` (0 = bottom) in axis units. */
double kpi__axis_tick(const kpi__axis *ax, int i);
/* A value in axis units. */
double kpi__axis_units(const kpi__axis *ax, double v);
/* Where a value lies on the axis: 0 at lo, 1 at hi (not clamped). */
double kpi__axis_frac(const kpi__axis *ax, double v);
/* The label of a tick, `x` in axis units (kpi__axis_tick()). */
char *kpi__axis_label(char *buf, size_t size, const kpi__axis *ax, double x);
/* (v - lo) / (hi - lo) for any finite doubles with lo < hi, without the
 * overflow of hi - lo (scaled by a power of two: exact where the plain
 * formula does not overflow). */
double kpi__frac(double v, double lo, double hi);
/* a + b, saturated at the largest finite double of its sign. */
double kpi__add_sat(double a, double b);

#endif
