/* SLO arithmetic (kpi/slo.h): availability, burn rates and the error budget
 * left, and the workbook's multi-window, multi-burn-rate alerts. Pure
 * functions: the SLO source (sources/slo/) reads the counts. */
#include "kpi/slo.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool kpi_slo_target_ok(double target)
{
	return isfinite(target) && target > 0 && target < 100;
}

/* errors / requests, when both are counts that make a ratio */
static bool error_ratio(double *out, double errors, double requests)
{
	if (!isfinite(errors) || !isfinite(requests) || requests <= 0 || errors < 0 || errors > requests)
		return false;
	*out = errors / requests;
	return true;
}

bool kpi_slo_availability(double *out, double errors, double requests)
{
	double r;
	if (!error_ratio(&r, errors, requests))
		return false;
	*out = (1.0 - r) * 100.0;
	return true;
}

bool kpi_slo_burn_rate(double *out, double errors, double requests, double target)
{
	double r;
	if (!kpi_slo_target_ok(target) || !error_ratio(&r, errors, requests))
		return false;
	*out = r / (1.0 - target / 100.0);
	return true;
}

bool kpi_slo_budget_remaining(double *out, double errors, double requests, double target)
{
	double burn;
	if (!kpi_slo_burn_rate(&burn, errors, requests, target))
		return false;
	*out = (1.0 - burn) * 100.0;
	return true;
}

static const kpi_slo_alert alerts[] = {
	{ "page_1h", "critical", 14.4, 3600, 300 },
	{ "page_6h", "critical", 6.0, 21600, 1800 },
	{ "ticket_3d", "warning", 1.0, 259200, 21600 },
};

const kpi_slo_alert *kpi_slo_alerts(size_t *n)
{
	*n = sizeof(alerts) / sizeof(alerts[0]);
	return alerts;
}

bool kpi_slo_pair_fires(bool has_long, double burn_long, bool has_short, double burn_short, double factor)
{
	return has_long && has_short && burn_long > factor && burn_short > factor;
}

int kpi_slo_window_parse(int64_t *out, const char *text)
{
	char *end;
	long long n;
	int64_t unit;

	if (!text || *text < '1' || *text > '9')
		return KPI_EUSAGE;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno || end[0] == '\0' || end[1] != '\0' || n > 366 * 24 * 60)
		return KPI_EUSAGE;
	switch (*end) {
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return KPI_EUSAGE;
	}
	if ((int64_t)n * unit > (int64_t)366 * 86400)
		return KPI_EUSAGE;
	*out = (int64_t)n * unit;
	return 0;
}

double kpi_slo_sum(const double *count, const bool *has, size_t end, size_t n, size_t *present)
{
	double sum = 0;
	size_t p = 0;
	for (size_t i = end > n ? end - n : 0; i < end; i++)
		if (has[i]) {
			sum += count[i];
			p++;
		}
	if (present)
		*present = p;
	return sum;
}
