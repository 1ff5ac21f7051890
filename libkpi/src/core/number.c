/*
 * Numbers for every output (core/number.h): JSON/CSV/snapshot digits, the
 * pack's numbers for people, kpi query's table, alert texts; units, the
 * duration ladder, values and week-over-week changes.
 *
 * No locale: every separator, sign and exponent is written here, so the
 * same double gives the same text on every machine.
 */
#include "core/internal.h"
#include "core/number.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* U+2212 MINUS SIGN: reads better than a hyphen in the pack */
#define MINUS "\xe2\x88\x92"

bool kpi__unit_is(const char *unit, const char *u)
{
	return unit && strcmp(unit, u) == 0;
}

static bool unit_time(const char *unit)
{
	return kpi__unit_is(unit, "s") || kpi__unit_is(unit, "ms");
}

/* ---- digits ---- */

/* The shortest "%.Ng" (15 to 17 significant digits) that reads back as v. */
static void exact(char *buf, size_t size, double v)
{
	if (!isfinite(v)) {
		snprintf(buf, size, "null");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, "0");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
}

char *kpi_format_number(char *buf, size_t size, bool has, double v)
{
	exact(buf, size, has ? v : NAN);
	return buf;
}

char *kpi__fmt_grouped(char *buf, size_t size, const char *digits, const char *minus)
{
	const char *p = digits, *dot;
	size_t o = 0, intlen, ml = strlen(minus);

	if (*p == '-')
		p++;
	dot = strchr(p, '.');
	intlen = dot ? (size_t)(dot - p) : strlen(p);
	if (p != digits && o + ml < size) {
		memcpy(buf + o, minus, ml);
		o += ml;
	}
	for (size_t i = 0; i < intlen && o + 2 < size; i++) {
		if (i && (intlen - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = p[i];
	}
	for (const char *q = p + intlen; *q && o + 1 < size; q++)
		buf[o++] = *q;
	buf[o] = '\0';
	return buf;
}

/* Drop trailing zeros of a fraction ("22.50" -> "22.5", "100.00" -> "100"). */
static void trim_zeros(char *s)
{
	char *dot = strchr(s, '.');
	size_t n;
	if (!dot)
		return;
	n = strlen(s);
	while (n > (size_t)(dot - s) && s[n - 1] == '0')
		s[--n] = '\0';
	if (s[n - 1] == '.')
		s[n - 1] = '\0';
}

static const char *const superscript[] = { "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹" };

char *kpi__fmt_pow10(char *buf, size_t size, int e)
{
	char digits[24];
	size_t o;
	snprintf(buf, size, "10%s", e < 0 ? "⁻" : "");
	snprintf(digits, sizeof(digits), "%lld", e < 0 ? -(long long)e : (long long)e);
	o = strlen(buf);
	for (const char *p = digits; *p >= '0' && *p <= '9' && o + 4 < size; p++) {
		const char *sup = superscript[*p - '0'];
		memcpy(buf + o, sup, strlen(sup));
		o += strlen(sup);
	}
	buf[o] = '\0';
	return buf;
}

/* "1.80 × 10³⁰⁸": `mul` × v in scientific notation with three significant
 * digits, for every finite double (the mantissa comes from printf, so the
 * largest and the subnormal doubles need no power of ten that would
 * overflow or underflow). `mul` (1 or 2) lets a caller format a number
 * beyond the largest double from its half. */
static void scientific(char *buf, size_t size, double v, double mul)
{
	char tmp[48], p[32], *ep;
	double m;
	int e;

	snprintf(tmp, sizeof(tmp), "%.17e", v);
	ep = strchr(tmp, 'e');
	e = ep ? atoi(ep + 1) : 0;
	if (ep)
		*ep = '\0';
	m = strtod(tmp, NULL) * mul;
	for (;;) { /* doubling, or rounding, carried into the next power */
		snprintf(tmp, sizeof(tmp), "%.2f", fabs(m));
		if (!(strtod(tmp, NULL) >= 10))
			break;
		m /= 10;
		e++;
	}
	kpi__fmt_pow10(p, sizeof(p), e);
	snprintf(buf, size, "%s%s × %s", m < 0 ? MINUS : "", tmp, p);
}

char *kpi__fmt_fixed(char *buf, size_t size, double v, int decimals)
{
	char raw[64];
	snprintf(raw, sizeof(raw), "%.*f", decimals, v);
	if (strcmp(raw, "-0") == 0 || (raw[0] == '-' && strtod(raw, NULL) == 0))
		memmove(raw, raw + 1, strlen(raw));
	kpi__fmt_grouped(buf, size, raw, MINUS);
	return buf;
}

/* Whether `shown` (v rounded) reads 100 or -100 where v is not: the edge
 * of a percentage (every design covered, every export succeeded), which a
 * rounded 99.9995 must not claim. */
static bool onto_hundred(double shown, double v)
{
	return fabs(shown) == 100 && fabs(v) != 100;
}

/* Whether `shown` (v rounded) is on the other side of *target than v, or
 * on it where v is not: 99.996 against "= 100" must not read "100". */
static bool across(double shown, double v, const double *target)
{
	return target && ((shown > *target) != (v > *target) || (shown < *target) != (v < *target));
}

/* The decimals, from `dec` on, that printf's "%.*f" of v needs to read
 * neither +-100 where v is not nor across (or onto) *target (NULL: none).
 * Every style adds decimals rather than round wrongly, up to the 17
 * significant digits that read back as v itself, where rounding is never
 * wrong: 99.9999999996 reads so, never "100". */
static int honest_decimals(double v, int dec, const double *target)
{
	char tmp[400]; /* "%.*f" of the largest double has 309 digits before the point */
	int exact;

	if (v == 0 || !isfinite(v))
		return dec;
	exact = 16 - (int)floor(log10(fabs(v)));
	for (; dec < exact; dec++) {
		double shown;
		snprintf(tmp, sizeof(tmp), "%.*f", dec, v);
		shown = strtod(tmp, NULL);
		if (!onto_hundred(shown, v) && !across(shown, v, target))
			break;
	}
	return dec;
}

/* The value as people read it. When `target` is given, never round onto or
 * across it: 99.996 against "= 100" must not read "100". */
static char *people(char *buf, size_t size, double v, const double *target)
{
	double a = fabs(v);
	int dec;

	if (!isfinite(v)) {
		snprintf(buf, size, "—");
		return buf;
	}
	if (v == 0) {
		snprintf(buf, size, "0");
		return buf;
	}
	if (a >= 1e15 || a < 1e-4) {
		scientific(buf, size, v, 1);
		return buf;
	}
	if (a >= 1e6) {
		static const struct { double div; const char *name; } sfx[] = {
			{ 1e12, "tn" }, { 1e9, "bn" }, { 1e6, "M" }
		};
		for (size_t i = 0; i < 3; i++)
			if (a >= sfx[i].div) {
				char tmp[64];
				double m = v / sfx[i].div;
				dec = m == floor(m) ? 0 : fabs(m) < 10 ? 2 : fabs(m) < 100 ? 1 : 0;
				snprintf(tmp, sizeof(tmp), "%.*f", dec, m);
				snprintf(buf, size, "%s %s", tmp, sfx[i].name);
				return buf;
			}
	}
	if (v == floor(v))
		dec = 0; /* a whole number never rounds across a target */
	else if (a >= 1e4)
		dec = 0;
	else if (a >= 1e3)
		dec = 1;
	else if (a >= 1)
		dec = 2;
	else
		dec = 2 - (int)floor(log10(a));
	dec = honest_decimals(v, dec, target);
	kpi__fmt_fixed(buf, size, v, dec);
	if (dec > 0 && v != floor(v))
		trim_zeros(buf);
	return buf;
}

/* kpi query's table: whole numbers bare, others with two decimals (more
 * where two would read 100). */
static void table(char *buf, size_t size, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, size, "%.0f", v);
	else if (fabs(v) < 0.01)
		snprintf(buf, size, "%.3g", v);
	else
		snprintf(buf, size, "%.*f", honest_decimals(v, 2, NULL), v);
}

/* Alert texts: a few decimals (more where they would read 100), no
 * exponent below 1e15; from there on EXACT, like the perfdata beside them
 * ("1e+15"). */
static void terse(char *buf, size_t size, double v)
{
	char *e;
	if (fabs(v) >= 1e15) {
		exact(buf, size, v);
		return;
	}
	if (v == floor(v))
		snprintf(buf, size, "%.0f", v);
	else if (fabs(v) >= 0.01)
		snprintf(buf, size, "%.*f", honest_decimals(v, fabs(v) >= 100 ? 1 : 2, NULL), v);
	else
		snprintf(buf, size, "%.4f", v);
	if (strchr(buf, '.')) {
		e = buf + strlen(buf) - 1;
		while (*e == '0')
			*e-- = '\0';
		if (*e == '.')
			*e = '\0';
	}
}

char *kpi__fmt_num(char *buf, size_t size, double v, kpi__numstyle style)
{
	switch (style) {
	case KPI__NUM_EXACT: exact(buf, size, v); break;
	case KPI__NUM_PEOPLE: people(buf, size, v, NULL); break;
	case KPI__NUM_TABLE: table(buf, size, v); break;
	case KPI__NUM_TERSE: terse(buf, size, v); break;
	case KPI__NUM_WHOLE: snprintf(buf, size, "%.0f", v); break;
	}
	return buf;
}

/* ---- units ---- */

const char *kpi__unit_words(const char *unit)
{
	static const struct { const char *unit, *words; } names[] = {
		{ "%", "percent" }, { "s", "seconds" }, { "ms", "milliseconds" },
		{ "d", "days" },    { "h", "hours" },   { "min", "minutes" },
	};
	if (!unit || !*unit)
		return "value";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(unit, names[i].unit) == 0)
			return names[i].words;
	return unit;
}

double kpi__time_unit(const char *unit, double maxabs, const char **shown, const char **words)
{
	static const struct { double sec; const char *name, *words; } ladder[] = {
		{ 86400, "d", "days" }, { 3600, "h", "hours" }, { 60, "min", "minutes" }, { 1, "s", "seconds" },
	};
	double ms = kpi__unit_is(unit, "ms") ? 1000 : 1, a = fabs(maxabs) / ms;

	if (shown)
		*shown = unit;
	if (words)
		*words = kpi__unit_words(unit);
	if (!unit_time(unit) || isnan(a) || (ms > 1 && a * ms < 10000))
		return 1; /* not a duration, or milliseconds that read as such */
	/* two of a unit before it is used: 120 s reads "2 min", 119 s "119 s" */
	for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (a >= 2 * ladder[i].sec || ladder[i].sec == 1) {
			if (shown)
				*shown = ladder[i].name;
			if (words)
				*words = ladder[i].words;
			return ladder[i].sec * ms;
		}
	return 1;
}

char *kpi__fmt_unit(char *buf, size_t size, const char *num, const char *unit, bool difference)
{
	if (kpi__unit_is(unit, "%"))
		snprintf(buf, size, difference ? "%s pp" : "%s%%", num);
	else if (unit && *unit && !kpi__unit_is(unit, "count"))
		snprintf(buf, size, "%s %s", num, unit);
	else
		snprintf(buf, size, "%s", num);
	return buf;
}

/* ---- values and changes ---- */

char *kpi__fmt_value(char *buf, size_t size, bool has, double v, const char *unit, kpi__numstyle style,
                     const kpi_threshold *th)
{
	char num[400]; /* TABLE: "%.2f" of the largest double has 312 characters */
	const char *shown = unit;
	double div = 1, target;
	bool aim = th && th->op != KPI_OP_NONE && style == KPI__NUM_PEOPLE;

	if (!has || (style == KPI__NUM_PEOPLE && !isfinite(v))) {
		snprintf(buf, size, "%s", style == KPI__NUM_PEOPLE ? "no data" : style == KPI__NUM_EXACT ? "null" : "—");
		return buf;
	}
	if (style == KPI__NUM_PEOPLE || style == KPI__NUM_TABLE)
		div = kpi__time_unit(unit, v, &shown, NULL);
	if (aim) {
		/* in the unit shown, the target too: never rounded onto or across it */
		target = th->target / div;
		people(num, sizeof(num), v / div, &target);
	} else {
		kpi__fmt_num(num, sizeof(num), v / div, style);
	}
	return kpi__fmt_unit(buf, size, num, shown, false);
}

char *kpi__fmt_delta(char *buf, size_t size, double prev, double last, const char *unit)
{
	char num[64], sig[72];
	double d, div;

	/* a change of a duration in the unit it reads best in (from halves:
	 * the change between the largest doubles overflows) */
	div = kpi__time_unit(unit, 2 * fabs(last / 2 - prev / 2), &unit, NULL);
	prev /= div;
	last /= div;
	d = last - prev;
	if (d == 0) {
		snprintf(buf, size, "±0");
		return buf;
	}
	if (!isfinite(d)) /* beyond the largest double: from the half, exact */
		scientific(num, sizeof(num), fabs(last / 2 - prev / 2), 2);
	else if (fabs(d) < 1 && fabs(d) >= 1e-4) {
		/* two significant digits are enough for a change */
		kpi__fmt_fixed(num, sizeof(num), fabs(d), 1 - (int)floor(log10(fabs(d))));
		trim_zeros(num);
	} else {
		people(num, sizeof(num), fabs(d), NULL);
	}
	snprintf(sig, sizeof(sig), "%s%s", d > 0 ? "+" : MINUS, num);
	return kpi__fmt_unit(buf, size, sig, unit, true);
}
