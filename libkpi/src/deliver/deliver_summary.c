/*
 * The summary every recipient gets, generated from the pack's snapshot
 * alone: the verdict of the pack's week, the week's dates, the reasons
 * behind the verdict (KPI, labels, value, threshold), what was not
 * measured, and where the pack is. As plain text and as an HTML fragment
 * (every string escaped).
 */
#include "deliver/deliver_internal.h"
#include "core/number.h"
#include <stdio.h>
#include <string.h>

static const kpi_verdict *last_verdict(const kpi_snapshot *snap)
{
	if (!snap || !snap->result || snap->result->window.nweeks < 1 || !snap->verdicts)
		return NULL;
	return &snap->verdicts[snap->result->window.nweeks - 1];
}

char *kpi_deliver_subject(char *buf, size_t size, const kpi_snapshot *snap)
{
	const kpi_verdict *v = last_verdict(snap);
	char week[16] = "?";

	if (v)
		kpi_week_format(week, sizeof(week), v->week);
	snprintf(buf, size, "Rollout go/no-go %s: %s%s", week, v ? kpi__verdict_shown(snap, v, false, NULL) : "?",
	         snap && snap->result && snap->result->window.partial ? " (week in progress)" : "");
	return buf;
}

static int html_esc(kpi_buf *b, const char *s)
{
	int oom = 0;
	for (; s && *s; s++) {
		switch (*s) {
		case '&': oom |= kpi_buf_puts(b, "&amp;"); break;
		case '<': oom |= kpi_buf_puts(b, "&lt;"); break;
		case '>': oom |= kpi_buf_puts(b, "&gt;"); break;
		case '"': oom |= kpi_buf_puts(b, "&quot;"); break;
		default: oom |= kpi_buf_append(b, s, 1);
		}
	}
	return oom;
}

/* One reason as a line: "Legacy coverage (legacy_coverage_pct): 93.1% against >= 95%: breach". */
static void reason_line(char *buf, size_t size, const kpi_snapshot *snap, const kpi_reason *r)
{
	const kpi_def *d = snap->catalog ? kpi_catalog_find(snap->catalog, r->kpi) : NULL;
	char val[64];

	if (r->has_value)
		kpi__fmt_value(val, sizeof(val), true, r->value, d ? d->unit : "", KPI__NUM_PEOPLE,
		               d ? &d->threshold : NULL);
	else
		snprintf(val, sizeof(val), "not measured");
	snprintf(buf, size, "%s%s%s%s: %s against %s (%s)", d && d->title ? d->title : r->kpi, r->labels[0] ? " [" : "",
	         r->labels, r->labels[0] ? "]" : "", val, r->threshold ? r->threshold : "its threshold",
	         kpi_status_name(r->status));
}

int kpi_deliver_summary(kpi_buf *text, kpi_buf *html, const kpi_snapshot *snap, const char *where,
                        const char *manifest_sha256, kpi_error *err)
{
	const kpi_verdict *v = last_verdict(snap);
	const kpi_window *w;
	char subject[128], week[16], from[32], to[32], line[1024], nc[2048], unweighed[768];
	size_t nnc, nunweighed;
	int oom = 0;

	if (!v)
		return kpi_error_set(err, KPI_EDATA, "the snapshot has no week to summarise");
	w = &snap->result->window;
	kpi_deliver_subject(subject, sizeof(subject), snap);
	kpi_week_format(week, sizeof(week), v->week);
	kpi_time_format_date(from, sizeof(from), v->period_start, snap->timezone);
	kpi_time_format_date(to, sizeof(to), w->starts[w->nweeks] - 1, snap->timezone);
	nnc = kpi__snapshot_not_collected(nc, sizeof(nc), snap, false, false);

	oom |= kpi_buf_printf(text, "%s\n\nWeek %s, %s to %s (%s)%s.\n", subject, week, from, to, snap->timezone,
	               w->partial ? ", in progress: values so far" : "");
	if (html) {
		oom |= kpi_buf_puts(html, "<h2>");
		oom |= html_esc(html, subject);
		oom |= kpi_buf_printf(html, "</h2>\n<p>Week %s, %s to %s (", week, from, to);
		oom |= html_esc(html, snap->timezone);
		oom |= kpi_buf_printf(html, ")%s.</p>\n", w->partial ? ", in progress: values so far" : "");
	}
	if ((nunweighed = kpi__go_unweighed(snap, v, unweighed, sizeof(unweighed)))) {
		/* an older GO: what the subject's "read as HOLD" stands on */
		snprintf(line, sizeof(line), "Read it as a hold: %zu gating KPI%s not measured, and this older verdict did "
		         "not weigh %s: %s.", nunweighed, nunweighed == 1 ? " was" : "s were", nunweighed == 1 ? "it" : "them",
		         unweighed);
		oom |= kpi_buf_printf(text, "%s\n", line);
		if (html) {
			oom |= kpi_buf_puts(html, "<p>");
			oom |= html_esc(html, line);
			oom |= kpi_buf_puts(html, "</p>\n");
		}
	} else if (!v->nreasons) {
		oom |= kpi_buf_puts(text, "Every gating KPI that was measured meets its threshold.\n");
		if (html)
			oom |= kpi_buf_puts(html, "<p>Every gating KPI that was measured meets its threshold.</p>\n");
	} else {
		oom |= kpi_buf_printf(text, "%s because:\n", kpi_verdict_name(v->verdict));
		if (html)
			oom |= kpi_buf_printf(html, "<p>%s because:</p>\n<ul>\n", kpi_verdict_name(v->verdict));
		for (size_t i = 0; i < v->nreasons; i++) {
			reason_line(line, sizeof(line), snap, &v->reasons[i]);
			oom |= kpi_buf_printf(text, "- %s\n", line);
			if (html) {
				oom |= kpi_buf_puts(html, "<li>");
				oom |= html_esc(html, line);
				oom |= kpi_buf_puts(html, "</li>\n");
			}
		}
		if (html)
			oom |= kpi_buf_puts(html, "</ul>\n");
	}
	if (nnc) {
		oom |= kpi_buf_printf(text, "Not measured (%zu KPIs): %s\n", nnc, nc);
		if (html) {
			oom |= kpi_buf_printf(html, "<p>Not measured (%zu KPIs): ", nnc);
			oom |= html_esc(html, nc);
			oom |= kpi_buf_puts(html, "</p>\n");
		}
	}
	oom |= kpi_buf_printf(text, "\nThe pack: %s/kpi-%s.pdf (and .xlsx)\n", where, week);
	if (manifest_sha256)
		oom |= kpi_buf_printf(text, "manifest.json SHA-256 %s (kpi verify)\n", manifest_sha256);
	if (html) {
		oom |= kpi_buf_puts(html, "<p>The pack: ");
		oom |= html_esc(html, where);
		oom |= kpi_buf_printf(html, "/kpi-%s.pdf (and .xlsx)", week);
		if (manifest_sha256)
			oom |= kpi_buf_printf(html, "<br>manifest.json SHA-256 <code>%s</code> (kpi verify)", manifest_sha256);
		oom |= kpi_buf_puts(html, "</p>\n");
	}
	if (oom)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}
