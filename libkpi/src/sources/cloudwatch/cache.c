/* The series a CloudWatch session has read (cw.h, kpi__cw_cache): a run's
 * units that a range already read holds are filled from it instead of
 * being asked again, much as a query text with the same parameters runs
 * once per run on the PostgreSQL side (postgres/pg.c, jobs_prepare). A
 * datapoint of a series (namespace, metric, statistic, dimensions) at a
 * period's start is the same whatever range it was asked with, so long as
 * the periods fall on the same grid: only then is one range's answer
 * another's. */
#include "sources/cloudwatch/cw.h"
#include <stdlib.h>
#include <string.h>

void kpi__cw_cache_release(kpi__cw_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->e[i].series);
		free(c->e[i].values);
		free(c->e[i].flags);
	}
	free(c->e);
	memset(c, 0, sizeof(*c));
}

/* What identifies unit u's series, as one string (caller frees), or NULL
 * (out of memory). Fields are separated by a unit separator (0x1f), which
 * no name CloudWatch accepts holds. */
static char *series_of(const kpi__cw_unit *u)
{
	kpi_buf b = KPI_BUF_INIT;
	size_t nd = u->dims ? u->dims->n : 1;
	int bad = kpi_buf_printf(&b, "%s\x1f%s\x1f%s", u->metric->namespace_, u->metric->name, u->metric->stat);
	for (size_t d = 0; d < nd && !bad; d++)
		bad = kpi_buf_printf(&b, "\x1f%s=%s", u->dims ? u->dims->names[d] : u->dimension,
		                     u->dims ? u->dims->values[d] : u->dim_value);
	if (bad) {
		kpi_buf_release(&b);
		return NULL;
	}
	return b.data;
}

/* The entry holding all of unit u's periods (same series, period and grid),
 * or NULL. */
static const kpi__cw_cached *find(const kpi__cw_cache *c, const kpi__cw_unit *u, const char *series)
{
	for (size_t i = 0; i < c->n; i++) {
		const kpi__cw_cached *e = &c->e[i];
		if (e->period == u->period && e->t0 <= u->t0 && u->t1 <= e->t1 && (u->t0 - e->t0) % u->period == 0 &&
		    strcmp(e->series, series) == 0)
			return e;
	}
	return NULL;
}

/* Fill unit u from entry e, each datapoint checked against u's bounds. */
static int fill(kpi__cw_unit *u, const kpi__cw_cached *e, kpi_error *err)
{
	size_t off = (size_t)((u->t0 - e->t0) / e->period);
	for (size_t k = 0; k < u->n; k++) {
		if ((e->flags[off + k] & KPI__CW_PRESENT) &&
		    kpi__cw_unit_bounds(err, u, (double)(u->t0 + (int64_t)k * u->period), e->values[off + k]))
			return KPI_EDATA;
		u->values[k] = e->values[off + k];
		u->flags[k] = e->flags[off + k];
	}
	return 0;
}

/* Keep what unit u read (its series in `series`, taken over). */
static int keep(kpi__cw_cache *c, const kpi__cw_unit *u, char *series, kpi_error *err)
{
	kpi__cw_cached *e;
	if (find(c, u, series) || c->slots + u->n > KPI__CW_CACHE_MAX_SLOTS) {
		free(series);
		return 0;
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		kpi__cw_cached *p = realloc(c->e, nc * sizeof(*p));
		if (!p) {
			free(series);
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
		c->e = p;
		c->cap = nc;
	}
	e = &c->e[c->n];
	memset(e, 0, sizeof(*e));
	e->series = series;
	e->values = malloc(u->n * sizeof(*e->values));
	e->flags = malloc(u->n * sizeof(*e->flags));
	if (!e->values || !e->flags) {
		free(e->series);
		free(e->values);
		free(e->flags);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	memcpy(e->values, u->values, u->n * sizeof(*e->values));
	memcpy(e->flags, u->flags, u->n * sizeof(*e->flags));
	e->t0 = u->t0;
	e->t1 = u->t1;
	e->period = u->period;
	e->n = u->n;
	c->slots += u->n;
	c->n++;
	return 0;
}

int kpi__cw_run_cached(kpi__cw_unit *units, size_t nunits, kpi__cw_cache *cache, const kpi__aws *aws,
                       const kpi__aws_retry *retry, int64_t now, kpi__cw_stats *stats, kpi_error *err)
{
	kpi__cw_unit *ask;
	size_t *from, nask = 0;
	int rc = 0;

	if (!cache)
		return kpi__cw_run(units, nunits, aws, retry, now, stats, err);
	ask = calloc(nunits + 1, sizeof(*ask));
	from = calloc(nunits + 1, sizeof(*from));
	if (!ask || !from) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < nunits && !rc; i++) {
		char *series = series_of(&units[i]);
		const kpi__cw_cached *e = series ? find(cache, &units[i], series) : NULL;
		if (!series) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		} else if (e) {
			rc = fill(&units[i], e, err);
			cache->reused++;
		} else {
			/* asked: a copy sharing the unit's datapoint arrays */
			from[nask] = i;
			ask[nask++] = units[i];
		}
		free(series);
	}
	if (!rc && nask)
		rc = kpi__cw_run(ask, nask, aws, retry, now, stats, err);
	for (size_t i = 0; i < nask && !rc; i++) {
		char *series = series_of(&ask[i]);
		units[from[i]].results = ask[i].results;
		rc = series ? keep(cache, &ask[i], series, err) : kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
done:
	free(ask);
	free(from);
	return rc;
}
