#include "core/internal.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = { "ok", "warn", "breach", "no_data", "not_applicable" };

const char *kpi_status_name(kpi_status status)
{
	if ((unsigned)status < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[status];
	return "unknown";
}

int kpi_status_parse(kpi_status *out, const char *name)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (name && strcmp(name, status_names[i]) == 0) {
			*out = (kpi_status)i;
			return 0;
		}
	return KPI_EUSAGE;
}

int kpi_window_init(kpi_window *out, const char *spec, int nweeks, const char *tz, int64_t now,
                    kpi_error *err)
{
	kpi_week last;
	kpi__tz *zone = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (nweeks < 1 || nweeks > KPI_MAX_WEEKS)
		return kpi_error_set(err, KPI_EUSAGE, "--weeks %d: expected 1..%d", nweeks, KPI_MAX_WEEKS);
	/* checks the zone, and keeps it loaded for the up to 62 conversions below */
	if ((rc = kpi__tz_hold(&zone, tz, err)))
		return rc;
	if (!spec || strcmp(spec, "last") == 0 || strcmp(spec, "current") == 0) {
		if ((rc = kpi_week_of(&last, now, tz, err)))
			goto done;
		if (!spec || strcmp(spec, "last") == 0)
			last = kpi_week_add(last, -1);
	} else if ((rc = kpi_week_parse(&last, spec, err))) {
		/* a window also takes two words: say so when the text is not a week at all */
		if (err && strncmp(err->message, "malformed week", 14) == 0)
			kpi_error_set(err, rc, "malformed week '%s': expected YYYY-Www (e.g. 2026-W07), last or current", spec);
		goto done;
	}
	snprintf(out->tz, sizeof(out->tz), "%s", tz);
	out->last = last;
	out->nweeks = nweeks;
	out->first = kpi_week_add(last, -(nweeks - 1));
	for (int i = 0; i <= nweeks; i++)
		if ((rc = kpi_week_bounds(&out->starts[i], NULL, kpi_week_add(out->first, i), tz, err)))
			goto done;
	out->from = out->starts[0];
	out->to = out->starts[nweeks];
	if (out->starts[nweeks - 1] > now) {
		char b[16];
		rc = kpi_error_set(err, KPI_EUSAGE, "week %s has not started yet",
		                   kpi_week_format(b, sizeof(b), last));
		goto done;
	}
	out->as_of = now < out->to ? now : out->to;
	out->partial = now < out->to;
done:
	kpi__tz_release(zone);
	return rc;
}

int kpi_window_init_range(kpi_window *out, int64_t from, int64_t to, const char *tz, kpi_error *err)
{
	char a[32], b[32];
	int rc;

	memset(out, 0, sizeof(*out));
	if (from >= to || to - from > 7 * 86400)
		return kpi_error_set(err, KPI_EUSAGE, "window [%s, %s): expected a range of more than 0 s and at most one week",
		                     kpi_time_format(a, sizeof(a), from), kpi_time_format(b, sizeof(b), to));
	if ((rc = kpi_tz_check(tz, NULL, err)) || (rc = kpi_week_of(&out->first, from, tz, err)))
		return rc;
	snprintf(out->tz, sizeof(out->tz), "%s", tz);
	out->last = out->first;
	out->nweeks = 1;
	out->starts[0] = out->from = from;
	out->starts[1] = out->to = out->as_of = to;
	out->partial = false;
	return 0;
}

int kpi_window_index(const kpi_window *w, int64_t period_start)
{
	for (int i = 0; i < w->nweeks; i++)
		if (w->starts[i] == period_start)
			return i;
	return -1;
}

const kpi_series *kpi_result_find(const kpi_result *res, const char *id)
{
	for (size_t i = 0; res && i < res->nseries; i++)
		if (strcmp(res->series[i].def->id, id) == 0)
			return &res->series[i];
	return NULL;
}

void kpi__row_week_period(kpi_row *row, const kpi_window *w, int wi)
{
	row->period_start = w->starts[wi];
	row->period_end = w->starts[wi + 1];
	row->partial = w->partial && wi == w->nweeks - 1;
	row->applicable = true;
}

int kpi__row_week_init(kpi_row *row, const kpi_window *w, int wi, size_t nlabels, kpi_error *err)
{
	kpi__row_week_period(row, w, wi);
	if (!(row->labels = calloc(nlabels + 1, sizeof(char *))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

char *kpi__row_labels_join(char *buf, size_t size, const kpi_series *s, const kpi_row *row, const char *sep)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; s && i < s->nlabels && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s=%s", i ? sep : "", s->label_names[i],
		                        row->labels && row->labels[i] ? row->labels[i] : "");
	return buf;
}

char *kpi_row_labels_format(char *buf, size_t size, const kpi_series *s, const kpi_row *row)
{
	return kpi__row_labels_join(buf, size, s, row, ",");
}

int kpi__series_init(kpi_series *s, const kpi_def *def, kpi_error *err)
{
	memset(s, 0, sizeof(*s));
	s->def = def;
	s->nlabels = def->nlabels;
	if (def->nlabels) {
		s->label_names = calloc(def->nlabels, sizeof(char *));
		if (!s->label_names)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		for (size_t i = 0; i < def->nlabels; i++)
			s->label_names[i] = strdup(def->labels[i].name);
	}
	return 0;
}

void kpi__series_release(kpi_series *s)
{
	for (size_t i = 0; i < s->nrows; i++) {
		for (size_t j = 0; j < s->nlabels; j++)
			free(s->rows[i].labels[j]);
		free(s->rows[i].labels);
	}
	free(s->rows);
	for (size_t j = 0; j < s->nlabels; j++)
		free(s->label_names[j]);
	free(s->label_names);
	memset(s, 0, sizeof(*s));
}

void kpi_result_free(kpi_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nseries; i++)
		kpi__series_release(&res->series[i]);
	free(res->series);
	free(res);
}

void kpi_datapoint_set_free(kpi_datapoint_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->nsets; i++) {
		for (size_t j = 0; set->sets[i].labels && j < set->nlabels; j++)
			free(set->sets[i].labels[j]);
		free(set->sets[i].labels);
		free(set->sets[i].values);
		free(set->sets[i].present);
		free(set->sets[i].numerator);
		free(set->sets[i].denominator);
	}
	free(set->sets);
	free(set);
}

/* ---- label sets ---- */

static uint64_t labels_hash(const kpi_row *r, size_t nl)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a, a NUL after each label */
	for (size_t i = 0; i < nl; i++) {
		for (const char *p = r->labels && r->labels[i] ? r->labels[i] : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h;
}

static bool labels_equal(const kpi_row *a, const kpi_row *b, size_t nl)
{
	for (size_t i = 0; i < nl; i++)
		if (strcmp(a->labels && a->labels[i] ? a->labels[i] : "", b->labels && b->labels[i] ? b->labels[i] : "") != 0)
			return false;
	return true;
}

int kpi__lsets_build(kpi__lsets *out, const kpi_series *s, const kpi_window *w)
{
	size_t nrows = s ? s->nrows : 0, nl = s ? s->nlabels : 0, nw = (size_t)w->nweeks, cap = 16, mask;
	size_t *table = NULL; /* open addressing: 1 + set index, 0 empty */

	memset(out, 0, sizeof(*out));
	while (cap < 2 * nrows)
		cap *= 2;
	mask = cap - 1;
	out->set = calloc(nrows ? nrows : 1, sizeof(*out->set));
	out->of_row = calloc(nrows ? nrows : 1, sizeof(*out->of_row));
	out->weeks = calloc(nrows ? nrows * nw : 1, sizeof(*out->weeks));
	table = calloc(cap, sizeof(*table));
	if (!out->set || !out->of_row || !out->weeks || !table) {
		free(table);
		kpi__lsets_release(out);
		return KPI_ENOMEM;
	}
	for (size_t k = 0; k < nrows; k++) {
		const kpi_row *r = &s->rows[k];
		int wi = kpi_window_index(w, r->period_start);
		size_t slot;
		kpi__lset *ls = NULL;

		out->of_row[k] = SIZE_MAX;
		if (wi < 0)
			continue;
		for (slot = (size_t)labels_hash(r, nl) & mask; table[slot]; slot = (slot + 1) & mask)
			if (labels_equal(out->set[table[slot] - 1].first, r, nl)) {
				ls = &out->set[table[slot] - 1];
				break;
			}
		if (!ls) {
			ls = &out->set[out->n];
			ls->first = r;
			ls->week = out->weeks + out->n * nw;
			table[slot] = ++out->n;
		}
		out->of_row[k] = (size_t)(ls - out->set);
		if (ls->week[wi]) {
			if (!out->dup_row)
				out->dup_row = k + 1;
			continue;
		}
		ls->week[wi] = r;
	}
	free(table);
	return 0;
}

void kpi__lsets_release(kpi__lsets *ls)
{
	if (!ls)
		return;
	free(ls->set);
	free(ls->of_row);
	free(ls->weeks);
	memset(ls, 0, sizeof(*ls));
}
