/*
 * Nice chart axes (render/axis.h): ticks in 1-2-5 steps, k/M/bn/tn and
 * power-of-ten scales, for every finite double; and the overflow-free
 * arithmetic the charts place values with.
 */
#include "core/number.h"
#include "render/axis.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

double kpi__add_sat(double a, double b)
{
	double r = a + b;
	return isinf(r) && isfinite(a) && isfinite(b) ? (r > 0 ? DBL_MAX : -DBL_MAX) : r;
}

double kpi__frac(double v, double lo, double hi)
{
	int e;
	frexp(fmax(fmax(fabs(lo), fabs(hi)), fabs(v)), &e);
	return (ldexp(v, -e) - ldexp(lo, -e)) / (ldexp(hi, -e) - ldexp(lo, -e));
}

/* v x 10^k without an intermediate overflow or underflow (in steps of at
 * most 10^300, towards the result). */
static double scale10(double v, int k)
{
	while (k > 300) {
		v *= 1e300;
		k -= 300;
	}
	while (k < -300) {
		v *= 1e-300;
		k += 300;
	}
	return v * pow(10, k);
}

/* Magnitudes between these are handled in plain units (e10 = 0). */
#define AXIS_PLAIN_MAX 1e290
#define AXIS_PLAIN_MIN 1e-290

void kpi__axis_nice(kpi__axis *ax, double lo, double hi, int target)
{
	double raw, mag, f, step, maxabs;

	memset(ax, 0, sizeof(*ax));
	ax->div = 1;
	ax->suffix = "";
	if (isnan(lo) || isnan(hi)) {
		lo = 0;
		hi = 1;
	}
	lo = fmax(fmin(lo, DBL_MAX), -DBL_MAX);
	hi = fmax(fmin(hi, DBL_MAX), -DBL_MAX);
	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	/* beyond plain double arithmetic (hi - lo or the rounded-up top tick
	 * overflows; steps underflow): work in units of 10^e10, where the
	 * bounds are within ±10 */
	maxabs = fmax(fabs(lo), fabs(hi));
	if (maxabs > AXIS_PLAIN_MAX || (maxabs > 0 && maxabs < AXIS_PLAIN_MIN)) {
		ax->e10 = (int)floor(log10(maxabs));
		lo = scale10(lo, -ax->e10);
		hi = scale10(hi, -ax->e10);
	}
	if (hi == lo) {
		double pad = lo == 0 ? 1 : fabs(lo) * 0.1;
		lo -= lo == 0 ? 0 : pad;
		hi += pad;
	}
	if (target < 2)
		target = 2;
	raw = (hi - lo) / (target - 1);
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	/* a small tolerance so 100 stays the top tick of [0, 100] */
	ax->lo = floor(lo / step + 1e-9) * step;
	ax->hi = ceil(hi / step - 1e-9) * step;
	ax->step = step;
	ax->nticks = (int)floor((ax->hi - ax->lo) / step + 0.5) + 1;
	if (ax->nticks < 2) {
		ax->nticks = 2;
		ax->hi = ax->lo + step;
	}
	maxabs = fmax(fabs(ax->lo), fabs(ax->hi));
	if (ax->e10 || maxabs >= 1e15 || step < 1e-3) {
		int e = (int)floor(log10(maxabs) + 1e-9);
		ax->div = pow(10, e);
		kpi__fmt_pow10(ax->scale_note, sizeof(ax->scale_note), e + ax->e10);
		{
			char tmp[32];
			snprintf(tmp, sizeof(tmp), "×%s", ax->scale_note);
			snprintf(ax->scale_note, sizeof(ax->scale_note), "%s", tmp);
		}
	} else {
		/* k from 10,000 on; below, the digits themselves */
		static const struct { double from, div; const char *suffix; } sfx[] = {
			{ 1e12, 1e12, "tn" }, { 1e9, 1e9, "bn" }, { 1e6, 1e6, "M" }, { 1e4, 1e3, "k" },
		};
		for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
			if (maxabs >= sfx[i].from) {
				ax->div = sfx[i].div;
				ax->suffix = sfx[i].suffix;
				break;
			}
	}
	{
		double s = step / ax->div;
		ax->decimals = s >= 1 ? 0 : (int)ceil(-log10(s) - 1e-9);
		if (ax->decimals > 9)
			ax->decimals = 9;
	}
}

double kpi__axis_tick(const kpi__axis *ax, int i)
{
	return ax->lo + i * ax->step;
}

double kpi__axis_units(const kpi__axis *ax, double v)
{
	return ax->e10 ? scale10(v, -ax->e10) : v;
}

double kpi__axis_frac(const kpi__axis *ax, double v)
{
	return (kpi__axis_units(ax, v) - ax->lo) / (ax->hi - ax->lo);
}

char *kpi__axis_label(char *buf, size_t size, const kpi__axis *ax, double x)
{
	char num[64];
	x /= ax->div;
	if (fabs(x) < 1e-9 * (ax->step / ax->div)) {
		snprintf(buf, size, "0");
		return buf;
	}
	kpi__fmt_fixed(num, sizeof(num), x, ax->decimals);
	snprintf(buf, size, "%s%s", num, ax->suffix);
	return buf;
}
