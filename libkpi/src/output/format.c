/*
 * Table, CSV and JSON renderings.
 *
 * JSON is written here rather than with json_dumps: jansson prints reals with
 * "%.17g" (96.666666666666671), while every kpi output shows the shortest
 * decimal that reads back as the same double (96.66666666666667), so the
 * table, the CSV, the JSON and the pack agree digit for digit. Parsing JSON is
 * jansson's job everywhere.
 */
#include "core/internal.h"
#include "core/number.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {"name":"value",...} of `n` labels (the contract of docs/requirements.md's row labels). */
static int json_labels(kpi_buf *b, char *const *names, char *const *values, size_t n)
{
	int rc = kpi_buf_puts(b, "{");
	for (size_t i = 0; i < n && !rc; i++)
		rc = (i ? kpi_buf_puts(b, ",") : 0) || kpi__buf_json_str(b, names[i]) || kpi_buf_puts(b, ":") ||
		     kpi__buf_json_str(b, values[i] ? values[i] : "");
	return rc || kpi_buf_puts(b, "}") ? KPI_ENOMEM : 0;
}

static int json_row(kpi_buf *b, const kpi_series *s, const kpi_row *r)
{
	char t1[32], t2[32], n1[40], n2[40], n3[40];
	int rc = kpi_buf_printf(b, "{\"period_start\":\"%s\",\"period_end\":\"%s\",\"labels\":",
	                        kpi_time_format(t1, sizeof(t1), r->period_start),
	                        kpi_time_format(t2, sizeof(t2), r->period_end)) ||
	         json_labels(b, s->label_names, r->labels, s->nlabels);
	if (rc)
		return KPI_ENOMEM;
	rc = kpi_buf_printf(b, ",\"value\":%s,\"numerator\":%s,\"denominator\":%s,\"status\":\"%s\"%s%s}",
	                    kpi_format_number(n1, sizeof(n1), r->has_value, r->value),
	                    kpi_format_number(n2, sizeof(n2), r->has_numerator, r->numerator),
	                    kpi_format_number(n3, sizeof(n3), r->has_denominator, r->denominator),
	                    kpi_status_name(r->status), r->partial ? ",\"partial\":true" : "",
	                    r->incomplete ? ",\"incomplete\":true" : "");
	return rc;
}

static int series_json(kpi_buf *b, const kpi_series *s, const char *indent)
{
	int rc = kpi_buf_puts(b, "{\"kpi\":") || kpi__buf_json_str(b, s->def->id) ||
	         kpi_buf_puts(b, ",\"unit\":") || kpi__buf_json_str(b, s->def->unit) ||
	         kpi_buf_puts(b, ",\"rows\":[");
	for (size_t i = 0; i < s->nrows && !rc; i++)
		rc = kpi_buf_printf(b, "%s\n%s  ", i ? "," : "", indent) || json_row(b, s, &s->rows[i]);
	return rc || kpi_buf_printf(b, "\n%s]}", indent) ? KPI_ENOMEM : 0;
}

int kpi_format_json_series(kpi_buf *out, const kpi_series *s, kpi_error *err)
{
	if (series_json(out, s, "") || kpi_buf_puts(out, "\n"))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

/* The reasons of a verdict as JSON objects; a KPI that was not measured
 * has "not_measured": why, one an expired waiver no longer covers
 * "expired_waiver": "approved by X until 2026-W39". */
static int json_reasons(kpi_buf *out, const kpi_reason *rs, size_t n)
{
	int rc = 0;
	for (size_t j = 0; j < n && !rc; j++) {
		const kpi_reason *r = &rs[j];
		char num[40];
		rc = kpi_buf_puts(out, j ? "," : "") || kpi_buf_puts(out, "{\"kpi\":") || kpi__buf_json_str(out, r->kpi) ||
		     kpi_buf_puts(out, ",\"labels\":") || json_labels(out, r->label_names, r->label_values, r->nlabels) ||
		     kpi_buf_printf(out, ",\"value\":%s,\"status\":\"%s\",\"threshold\":",
		                    kpi_format_number(num, sizeof(num), r->has_value, r->value), kpi_status_name(r->status)) ||
		     kpi__buf_json_str(out, r->threshold) ||
		     (r->not_measured && (kpi_buf_puts(out, ",\"not_measured\":") || kpi__buf_json_str(out, r->not_measured))) ||
		     (r->expired_waiver &&
		      (kpi_buf_puts(out, ",\"expired_waiver\":") || kpi__buf_json_str(out, r->expired_waiver))) ||
		     kpi_buf_puts(out, "}");
	}
	return rc;
}

int kpi_format_json_result(kpi_buf *out, const kpi_result *res, const kpi_verdict *verdicts,
                           kpi_error *err)
{
	const kpi_window *w = &res->window;
	char a[32], b2[32], c[32], d[32], fw[16], lw[16];
	int rc = kpi_buf_printf(out,
	                        "{\"window\":{\"first_week\":\"%s\",\"last_week\":\"%s\",\"weeks\":%d,"
	                        "\"timezone\":",
	                        kpi_week_format(fw, sizeof(fw), w->first), kpi_week_format(lw, sizeof(lw), w->last),
	                        w->nweeks) ||
	         kpi__buf_json_str(out, w->tz) ||
	         kpi_buf_printf(out, ",\"from\":\"%s\",\"to\":\"%s\",\"as_of\":\"%s\",\"partial\":%s},"
	                             "\"read_at\":\"%s\",\"kpis\":[",
	                        kpi_time_format(a, sizeof(a), w->from), kpi_time_format(b2, sizeof(b2), w->to),
	                        kpi_time_format(c, sizeof(c), w->as_of), w->partial ? "true" : "false",
	                        kpi_time_format(d, sizeof(d), res->read_at));
	for (size_t i = 0; i < res->nseries && !rc; i++)
		rc = kpi_buf_puts(out, i ? ",\n  " : "\n  ") || series_json(out, &res->series[i], "  ");
	rc = rc || kpi_buf_puts(out, "\n]");
	if (verdicts) {
		rc = rc || kpi_buf_puts(out, ",\"verdicts\":[");
		for (int i = 0; i < w->nweeks && !rc; i++) {
			const kpi_verdict *v = &verdicts[i];
			rc = kpi_buf_printf(out, "%s\n  {\"week\":\"%s\",\"period_start\":\"%s\",\"verdict\":\"%s\",\"reasons\":[",
			                    i ? "," : "", kpi_week_format(fw, sizeof(fw), v->week),
			                    kpi_time_format(a, sizeof(a), v->period_start), kpi_verdict_name(v->verdict));
			rc = rc || json_reasons(out, v->reasons, v->nreasons);
			if (v->nwaived)
				rc = rc || kpi_buf_puts(out, "],\"waived\":[") || json_reasons(out, v->waived, v->nwaived);
			rc = rc || kpi_buf_puts(out, "]}");
		}
		rc = rc || kpi_buf_puts(out, "\n]");
	}
	rc = rc || kpi_buf_puts(out, "}\n");
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

/* ---- CSV (RFC 4180: CRLF line ends, quotes doubled) ----
 *
 * One record per row, the header first. `partial` is true on the rows of
 * the week in progress (their values are so far), false otherwise. */

static int csv_field(kpi_buf *b, const char *s, bool last)
{
	int rc = 0;
	if (strpbrk(s, ",\"\r\n")) {
		rc = kpi_buf_puts(b, "\"");
		for (const char *p = s; *p && !rc; p++)
			rc = *p == '"' ? kpi_buf_puts(b, "\"\"") : kpi_buf_append(b, p, 1);
		rc = rc || kpi_buf_puts(b, "\"");
	} else {
		rc = kpi_buf_puts(b, s);
	}
	return rc || kpi_buf_puts(b, last ? "\r\n" : ",");
}

int kpi_format_csv(kpi_buf *out, const kpi_result *res, kpi_error *err)
{
	int rc = kpi_buf_puts(out, "kpi,period_start,period_end,labels,value,numerator,denominator,status,partial\r\n");
	for (size_t i = 0; i < res->nseries && !rc; i++) {
		const kpi_series *s = &res->series[i];
		for (size_t j = 0; j < s->nrows && !rc; j++) {
			const kpi_row *r = &s->rows[j];
			char t1[32], t2[32], lb[512], n1[40], n2[40], n3[40];
			kpi_row_labels_format(lb, sizeof(lb), s, r);
			kpi_format_number(n1, sizeof(n1), r->has_value, r->value);
			kpi_format_number(n2, sizeof(n2), r->has_numerator, r->numerator);
			kpi_format_number(n3, sizeof(n3), r->has_denominator, r->denominator);
			rc = csv_field(out, s->def->id, false) ||
			     csv_field(out, kpi_time_format(t1, sizeof(t1), r->period_start), false) ||
			     csv_field(out, kpi_time_format(t2, sizeof(t2), r->period_end), false) ||
			     csv_field(out, lb, false) || csv_field(out, r->has_value ? n1 : "", false) ||
			     csv_field(out, r->has_numerator ? n2 : "", false) ||
			     csv_field(out, r->has_denominator ? n3 : "", false) ||
			     csv_field(out, kpi_status_name(r->status), false) ||
			     csv_field(out, r->partial ? "true" : "false", true);
		}
	}
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

/* ---- table ---- */

int kpi_format_sparkline(kpi_buf *out, const double *v, const bool *has, size_t n)
{
	static const char *const blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	double lo = INFINITY, hi = -INFINITY;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		if (has[i]) {
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
		}
	for (size_t i = 0; i < n && !rc; i++) {
		if (!has[i])
			rc = kpi_buf_puts(out, "·");
		else if (hi - lo <= 0)
			rc = kpi_buf_puts(out, blocks[3]);
		else
			rc = kpi_buf_puts(out, blocks[(int)lround((v[i] - lo) / (hi - lo) * 7)]);
	}
	return rc;
}

/* Display width of a UTF-8 string (one column per code point). */
static size_t width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static const char *status_color(kpi_status s)
{
	switch (s) {
	case KPI_STATUS_OK: return "\033[32m";
	case KPI_STATUS_WARN: return "\033[33m";
	case KPI_STATUS_BREACH: return "\033[1;31m";
	default: return "\033[2m";
	}
}

enum { COL_KPI, COL_LABELS, COL_WEEK, COL_VALUE, COL_PREV, COL_THRESHOLD, COL_STATUS, COL_TREND, NCOL };

typedef struct cell {
	char *text[NCOL];
	kpi_status status;
} cell;

static int pad(kpi_buf *b, const char *s, size_t w, bool right)
{
	size_t sw = width(s);
	int rc = 0;
	if (right)
		for (size_t i = sw; i < w && !rc; i++)
			rc = kpi_buf_puts(b, " ");
	rc = rc || kpi_buf_puts(b, s);
	if (!right)
		for (size_t i = sw; i < w && !rc; i++)
			rc = kpi_buf_puts(b, " ");
	return rc;
}

/* "kpi{a=x} breach 91.2 (>= 95%); kpi2 not measured (CloudWatch not configured)"; an
 * expired waiver: "(...; waiver expired: approved by X until 2026-W39)" */
static int table_reasons(kpi_buf *out, const kpi_reason *rs, size_t n, const char *first)
{
	int rc = 0;
	for (size_t j = 0; j < n && !rc; j++) {
		const kpi_reason *r = &rs[j];
		char val[64];
		if (r->not_measured) {
			rc = kpi_buf_printf(out, "%s%s not measured (%s%s%s)", j ? "; " : first, r->kpi, r->not_measured,
			                    r->expired_waiver ? "; waiver expired: " : "",
			                    r->expired_waiver ? r->expired_waiver : "");
			continue;
		}
		kpi__fmt_value(val, sizeof(val), r->has_value, r->value, "", KPI__NUM_TABLE, NULL);
		rc = kpi_buf_printf(out, "%s%s%s%s%s %s%s%s (%s%s%s)", j ? "; " : first, r->kpi, *r->labels ? "{" : "",
		                    r->labels, *r->labels ? "}" : "", kpi_status_name(r->status), r->has_value ? " " : "",
		                    r->has_value ? val : "", r->threshold, r->expired_waiver ? "; waiver expired: " : "",
		                    r->expired_waiver ? r->expired_waiver : "");
	}
	return rc;
}

int kpi_format_table(kpi_buf *out, const kpi_result *res, const kpi_verdict *verdicts,
                     const kpi_table_opts *opts, kpi_error *err)
{
	static const char *const head[NCOL] = { "KPI", "LABELS", "WEEK", "VALUE", "PREV", "THRESHOLD",
		                                "STATUS", "TREND" };
	static const bool right[NCOL] = { false, false, false, true, true, false, false, false };
	kpi_table_opts defaults = KPI_TABLE_OPTS_INIT;
	const kpi_window *w = &res->window;
	size_t nlines = 0, cap = 0, colw[NCOL];
	cell *lines = NULL;
	bool any_partial = false;
	int rc = 0;
	char wk[16];

	if (!opts)
		opts = &defaults;
	for (int c = 0; c < NCOL; c++)
		colw[c] = width(head[c]);
	kpi_week_format(wk, sizeof(wk), w->last);
	for (size_t i = 0; i < res->nseries && !rc; i++) {
		const kpi_series *s = &res->series[i];
		/* One line per label set, in order of first appearance; a label set
		 * need not have a row in every week (open-ended labels). */
		for (size_t k = 0; k < s->nrows && !rc; k++) {
			double vals[KPI_MAX_WEEKS];
			bool has[KPI_MAX_WEEKS];
			const kpi_row *last = NULL, *prev = NULL;
			char buf[512], key[512];
			kpi_buf spark = KPI_BUF_INIT;
			bool seen = false;
			cell *c;

			kpi_row_labels_format(key, sizeof(key), s, &s->rows[k]);
			for (size_t j = 0; j < k && !seen; j++)
				seen = strcmp(kpi_row_labels_format(buf, sizeof(buf), s, &s->rows[j]), key) == 0;
			if (seen)
				continue;
			for (int wi = 0; wi < w->nweeks; wi++)
				has[wi] = false;
			for (size_t j = k; j < s->nrows; j++) {
				const kpi_row *r = &s->rows[j];
				int wi = kpi_window_index(w, r->period_start);
				if (wi < 0 || strcmp(kpi_row_labels_format(buf, sizeof(buf), s, r), key) != 0)
					continue;
				vals[wi] = r->value;
				has[wi] = r->has_value;
				if (wi == w->nweeks - 1)
					last = r;
				else if (wi == w->nweeks - 2)
					prev = r;
			}
			if (!last)
				continue; /* the label set has no row in the last week */
			if (nlines == cap) {
				cell *n = realloc(lines, (cap = cap ? cap * 2 : 32) * sizeof(*n));
				if (!n) {
					rc = KPI_ENOMEM;
					break;
				}
				lines = n;
			}
			c = &lines[nlines++];
			memset(c, 0, sizeof(*c));
			kpi_format_sparkline(&spark, vals, has, (size_t)w->nweeks);
			c->text[COL_KPI] = strdup(s->def->id);
			c->text[COL_LABELS] = strdup(kpi_row_labels_format(buf, sizeof(buf), s, last));
			c->text[COL_WEEK] = strdup(last->partial ? "current" : wk);
			if (last->partial) {
				any_partial = true;
				free(c->text[COL_WEEK]);
				snprintf(buf, sizeof(buf), "%s*", wk);
				c->text[COL_WEEK] = strdup(buf);
			}
			kpi__fmt_value(buf, sizeof(buf), last->has_value, last->value, s->def->unit, KPI__NUM_TABLE, NULL);
			c->text[COL_VALUE] = strdup(buf);
			kpi__fmt_value(buf, sizeof(buf), prev && prev->has_value, prev ? prev->value : 0, s->def->unit, KPI__NUM_TABLE,
			               NULL);
			c->text[COL_PREV] = strdup(prev ? buf : "");
			c->text[COL_THRESHOLD] =
			        strdup(kpi_threshold_format(buf, sizeof(buf), &s->def->threshold, s->def->unit));
			c->text[COL_STATUS] = strdup(kpi_status_name(last->status));
			c->text[COL_TREND] = spark.data ? spark.data : strdup("");
			c->status = last->status;
			for (int col = 0; col < NCOL; col++) {
				if (!c->text[col]) {
					rc = KPI_ENOMEM;
					break;
				}
				if (width(c->text[col]) > colw[col])
					colw[col] = width(c->text[col]);
			}
		}
	}
	for (int col = 0; col < NCOL && !rc; col++)
		rc = pad(out, head[col], col == NCOL - 1 ? 0 : colw[col], right[col]) ||
		     kpi_buf_puts(out, col == NCOL - 1 ? "\n" : "  ");
	for (size_t i = 0; i < nlines && !rc; i++) {
		for (int col = 0; col < NCOL && !rc; col++) {
			bool colored = opts->color && col == COL_STATUS;
			rc = (colored ? kpi_buf_puts(out, status_color(lines[i].status)) : 0) ||
			     pad(out, lines[i].text[col], col == NCOL - 1 ? 0 : colw[col], right[col]) ||
			     (colored ? kpi_buf_puts(out, "\033[0m") : 0) ||
			     kpi_buf_puts(out, col == NCOL - 1 ? "\n" : "  ");
		}
	}
	if (any_partial && !rc) {
		/* the footnote of the `*` on the week */
		char t1[32], t2[32];
		rc = kpi_buf_printf(out, "* %s is not over: values so far, as of %s (the week ends %s)\n", wk,
		                    kpi_time_format(t1, sizeof(t1), w->as_of), kpi_time_format(t2, sizeof(t2), w->to));
	}
	if (verdicts && !rc) {
		rc = kpi_buf_puts(out, "\nVERDICT\n");
		for (int i = 0; i < w->nweeks && !rc; i++) {
			const kpi_verdict *v = &verdicts[i];
			const char *col = v->verdict == KPI_VERDICT_GO ? "\033[32m" : v->verdict == KPI_VERDICT_HOLD ? "\033[33m" : "\033[1;31m";
			rc = kpi_buf_printf(out, "%s  %s%s%s%*s", kpi_week_format(wk, sizeof(wk), v->week),
			                    opts->color ? col : "", kpi_verdict_name(v->verdict), opts->color ? "\033[0m" : "",
			                    v->nreasons || v->nwaived ? 5 - (int)strlen(kpi_verdict_name(v->verdict)) : 0, "");
			rc = rc || table_reasons(out, v->reasons, v->nreasons, "  ");
			if (v->nwaived)
				rc = rc || table_reasons(out, v->waived, v->nwaived, v->nreasons ? "; waived: " : "  waived: ");
			rc = rc || kpi_buf_puts(out, "\n");
		}
	}
	for (size_t i = 0; i < nlines; i++)
		for (int col = 0; col < NCOL; col++)
			free(lines[i].text[col]);
	free(lines);
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

/* ---- the uncovered designs (kpi uncovered, kpi/lists.h) ----
 *
 * Every rendering says how many are uncovered in all, so a list cut at
 * --limit never reads as the whole backlog. */

/* "2026-11-16T00:00:00Z (the end of 2026-W46)" or "... (2026-W47 is not over: now)" */
static char *uncovered_as_of(char *buf, size_t size, const kpi_uncovered_list *l)
{
	char t[32], wk[16];
	snprintf(buf, size, l->partial ? "%s (%s is not over: now)" : "%s (the end of %s)",
	         kpi_time_format(t, sizeof(t), l->as_of), kpi_week_format(wk, sizeof(wk), l->week));
	return buf;
}

enum { UC_DESIGN, UC_TENANT, UC_STYLE, UC_REVISION, UC_CREATED, UC_AGE, UC_NCOL };

/* The text of column `c` of an uncovered design's row: its tenant and
 * style as they are, the other columns as formatted into `cells`. */
static const char *uncovered_cell(const kpi_uncovered *u, const char (*cells)[40], int c)
{
	return c == UC_TENANT ? u->tenant_id : c == UC_STYLE ? u->style_id : cells[c];
}

int kpi_format_uncovered_table(kpi_buf *out, const kpi_uncovered_list *l, const kpi_threshold *th,
                               const kpi_table_opts *opts, kpi_error *err)
{
	static const char *const head[UC_NCOL] = { "DESIGN", "TENANT", "STYLE", "REVISION", "REVISION CREATED", "AGE" };
	static const bool right[UC_NCOL] = { true, false, false, true, false, true };
	kpi_table_opts defaults = KPI_TABLE_OPTS_INIT;
	char (*cells)[UC_NCOL][40] = NULL, at[96];
	size_t colw[UC_NCOL];
	int rc = 0;

	if (!opts)
		opts = &defaults;
	if (l->total == 0) {
		rc = kpi_buf_printf(out, "No uncovered designs as of %s: every design of the active legacy cohort (an event "
		                         "in the last %d days) is migrated or has an unexpired export of its latest revision.\n",
		                    uncovered_as_of(at, sizeof(at), l), l->active_days);
		return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
	}
	if (l->ndesigns && !(cells = calloc(l->ndesigns, sizeof(*cells))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (int c = 0; c < UC_NCOL; c++)
		colw[c] = width(head[c]);
	for (size_t i = 0; i < l->ndesigns; i++) {
		const kpi_uncovered *u = &l->designs[i];
		snprintf(cells[i][UC_DESIGN], sizeof(cells[i][UC_DESIGN]), "%lld", (long long)u->design_id);
		snprintf(cells[i][UC_REVISION], sizeof(cells[i][UC_REVISION]), "%d", u->revision);
		kpi_time_format(cells[i][UC_CREATED], sizeof(cells[i][UC_CREATED]), u->revision_at);
		kpi__fmt_value(cells[i][UC_AGE], sizeof(cells[i][UC_AGE]), true, u->age_days, "d", KPI__NUM_TABLE, NULL);
		for (int c = 0; c < UC_NCOL; c++) {
			const char *s = uncovered_cell(u, cells[i], c);
			if (width(s) > colw[c])
				colw[c] = width(s);
		}
	}
	for (int c = 0; c < UC_NCOL && !rc; c++)
		rc = pad(out, head[c], colw[c], right[c]) ||
		     kpi_buf_puts(out, c == UC_NCOL - 1 ? "\n" : "  ");
	for (size_t i = 0; i < l->ndesigns && !rc; i++) {
		const kpi_uncovered *u = &l->designs[i];
		for (int c = 0; c < UC_NCOL && !rc; c++) {
			const char *s = uncovered_cell(u, cells[i], c);
			/* the age coloured by the KPI's threshold: the oldest is its value */
			bool colored = opts->color && c == UC_AGE && th;
			rc = (colored ? kpi_buf_puts(out, status_color(kpi_eval_status(th, true, u->age_days, true))) : 0) ||
			     pad(out, s, colw[c], right[c]) || (colored ? kpi_buf_puts(out, "\033[0m") : 0) ||
			     kpi_buf_puts(out, c == UC_NCOL - 1 ? "\n" : "  ");
		}
	}
	if (!rc && l->ndesigns < l->total)
		rc = kpi_buf_printf(out, "%zu uncovered designs as of %s: the %zu oldest listed (--limit %zu), %zu more not "
		                         "listed\n",
		                    l->total, uncovered_as_of(at, sizeof(at), l), l->ndesigns, l->limit,
		                    l->total - l->ndesigns);
	else if (!rc)
		rc = kpi_buf_printf(out, "%zu uncovered design%s as of %s: all listed\n", l->total, l->total == 1 ? "" : "s",
		                    uncovered_as_of(at, sizeof(at), l));
	free(cells);
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

int kpi_format_uncovered_csv(kpi_buf *out, const kpi_uncovered_list *l, kpi_error *err)
{
	char t[32], at[32], n[40], total[24];
	int rc = kpi_buf_puts(out, "design_id,tenant_id,style_id,revision,revision_at,age_days,as_of,total\r\n");

	kpi_time_format(at, sizeof(at), l->as_of);
	snprintf(total, sizeof(total), "%zu", l->total);
	for (size_t i = 0; i < l->ndesigns && !rc; i++) {
		const kpi_uncovered *u = &l->designs[i];
		char id[24], rev[16];
		snprintf(id, sizeof(id), "%lld", (long long)u->design_id);
		snprintf(rev, sizeof(rev), "%d", u->revision);
		rc = csv_field(out, id, false) || csv_field(out, u->tenant_id, false) || csv_field(out, u->style_id, false) ||
		     csv_field(out, rev, false) || csv_field(out, kpi_time_format(t, sizeof(t), u->revision_at), false) ||
		     csv_field(out, kpi_format_number(n, sizeof(n), true, u->age_days), false) ||
		     csv_field(out, at, false) || csv_field(out, total, true);
	}
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

int kpi_format_uncovered_json(kpi_buf *out, const kpi_uncovered_list *l, kpi_error *err)
{
	char t[32], wk[16], n[40];
	int rc = kpi_buf_printf(out, "{\"as_of\":\"%s\",\"week\":\"%s\",\"partial\":%s,\"active_days\":%d,\"total\":%zu,"
	                             "\"listed\":%zu,\"limit\":%zu,\"query\":{\"file\":",
	                        kpi_time_format(t, sizeof(t), l->as_of), kpi_week_format(wk, sizeof(wk), l->week),
	                        l->partial ? "true" : "false", l->active_days, l->total, l->ndesigns, l->limit) ||
	         kpi__buf_json_str(out, l->query) || kpi_buf_printf(out, ",\"sha256\":\"%s\"},\"source\":", l->sha256) ||
	         kpi__buf_json_str(out, l->source ? l->source : "") || kpi_buf_puts(out, ",\"designs\":[");
	for (size_t i = 0; i < l->ndesigns && !rc; i++) {
		const kpi_uncovered *u = &l->designs[i];
		rc = kpi_buf_printf(out, "%s\n  {\"design_id\":%lld,\"tenant_id\":", i ? "," : "", (long long)u->design_id) ||
		     kpi__buf_json_str(out, u->tenant_id) || kpi_buf_puts(out, ",\"style_id\":") ||
		     kpi__buf_json_str(out, u->style_id) ||
		     kpi_buf_printf(out, ",\"revision\":%d,\"revision_at\":\"%s\",\"age_days\":%s}", u->revision,
		                    kpi_time_format(t, sizeof(t), u->revision_at),
		                    kpi_format_number(n, sizeof(n), true, u->age_days));
	}
	rc = rc || kpi_buf_puts(out, l->ndesigns ? "\n]}\n" : "]}\n");
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}
