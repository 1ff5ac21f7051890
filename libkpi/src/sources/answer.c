/* Checks of the numbers in a remote source's answers (answer.h). */
#include "sources/answer.h"
#include <math.h>
#include <stdio.h>

/* 2^62: far from int64's ends, so arithmetic on the seconds cannot overflow. */
#define SECONDS_LIMIT 4611686018427387904.0

static int bound(double *out, const kpi__jsondoc *doc, const json_t *v, double open, kpi_error *err)
{
	if (json_is_null(v)) {
		*out = open;
		return 0;
	}
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "a bound must be a number or null (no bound)");
	*out = json_number_value(v);
	return 0;
}

int kpi__bounds_parse(kpi__bounds *out, const kpi__jsondoc *doc, const json_t *v, kpi_error *err)
{
	kpi__bounds b = KPI__BOUNDS_INIT;
	int rc;

	*out = b;
	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) != 2)
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                          "bounds must be [min, max], each a number or null (no bound)");
	if ((rc = bound(&b.lo, doc, json_array_get(v, 0), -INFINITY, err)) ||
	    (rc = bound(&b.hi, doc, json_array_get(v, 1), INFINITY, err)))
		return rc;
	if (b.lo > b.hi)
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "bounds: min is above max");
	*out = b;
	return 0;
}

const char *kpi__bounds_check(const kpi__bounds *b, double v, char *buf, size_t size)
{
	if (!isfinite(v))
		snprintf(buf, size, "not a finite number");
	else if (v < b->lo && b->lo == 0)
		snprintf(buf, size, "negative");
	else if (v < b->lo)
		snprintf(buf, size, "below the query file's bound %g", b->lo);
	else if (v > b->hi && b->hi == KPI__ANSWER_MAX)
		snprintf(buf, size, "above %g, more than a week can hold", b->hi);
	else if (v > b->hi)
		snprintf(buf, size, "above the query file's bound %g", b->hi);
	else
		return NULL;
	return buf;
}

bool kpi__answer_seconds(int64_t *out, double t)
{
	if (!isfinite(t) || t != floor(t) || fabs(t) >= SECONDS_LIMIT)
		return false;
	*out = (int64_t)t;
	return true;
}

const char *kpi__answer_time(char *buf, size_t size, double t)
{
	int64_t s;
	/* years 1 to 9999: what an ISO-8601 date can say */
	if (kpi__answer_seconds(&s, t) && s >= -62135596800 && s <= 253402300799)
		return kpi_time_format(buf, size, s);
	snprintf(buf, size, "%.15g", t);
	return buf;
}

bool kpi__answer_ratio_exceeds(double num, double den)
{
	/* the same counts summed in another order may differ in the last bits */
	return num > den + fabs(den) * 1e-9 + 1e-9;
}
