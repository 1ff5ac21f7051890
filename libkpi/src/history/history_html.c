/*
 * The history page of a reports directory (kpi/history.h): the packs
 * merged into one "history snapshot" whose window spans their weeks and
 * whose rows are, week by week, those of the newest pack holding the week,
 * drawn by the pack's chart code as inline SVG; the verdicts and decisions
 * as a table and a colour strip. Everything from data goes through html()
 * or url(): nothing a KPI title, a note or a name holds can become markup.
 */
#include "core/internal.h"
#include "kpi/history.h"
#include "kpi/render.h"

#include <stdlib.h>
#include <string.h>

/* ---- escaping ---- */

/* Append `s` as HTML text or attribute value: & < > " ' escaped. */
static int html(kpi_buf *b, const char *s)
{
	int rc = 0;
	const char *run = s;
	for (; s && *s && !rc; s++) {
		const char *e = NULL;
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		if (!(rc = kpi_buf_append(b, run, (size_t)(s - run))))
			rc = kpi_buf_puts(b, e);
		run = s + 1;
	}
	return rc || !s ? rc : kpi_buf_puts(b, run);
}

/* Append a relative path as a URL inside an attribute: every byte but
 * unreserved ones and '/' percent-encoded (a name with '#', '?', ':' or a
 * space stays a relative path to that file). */
static int url(kpi_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~/", c))
			rc = kpi_buf_append(b, (const char *)&c, 1);
		else
			rc = kpi_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
	return rc;
}

/* ---- the packs in order, the weeks ---- */

static const kpi_window *win(const kpi_history_pack *p)
{
	return &p->snap->result->window;
}

/* Older first: last week, then as-of, then read_at, then name. */
static int pack_cmp(const void *a, const void *b)
{
	const kpi_history_pack *x = *(const kpi_history_pack *const *)a, *y = *(const kpi_history_pack *const *)b;
	int c = kpi_week_cmp(win(x)->last, win(y)->last);
	if (c)
		return c;
	if (win(x)->as_of != win(y)->as_of)
		return win(x)->as_of < win(y)->as_of ? -1 : 1;
	if (x->snap->result->read_at != y->snap->result->read_at)
		return x->snap->result->read_at < y->snap->result->read_at ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The index in `p`'s verdicts of week `w`, or -1. */
static int pack_week(const kpi_history_pack *p, kpi_week w)
{
	const kpi_window *pw = win(p);
	if (!p->snap->verdicts || kpi_week_cmp(w, pw->first) < 0 || kpi_week_cmp(w, pw->last) > 0)
		return -1;
	for (int i = 0; i < pw->nweeks; i++)
		if (!kpi_week_cmp(p->snap->verdicts[i].week, w))
			return i;
	return -1;
}

typedef struct hist {
	const kpi_history_pack **p;   /* the usable packs, older first */
	size_t np;
	size_t nother_tz;             /* packs in another zone than the newest: not in the charts */
	kpi_week first, last;         /* every week any pack covers */
	int nweeks;
	kpi_snapshot hs;              /* the history snapshot (borrows from the packs) */
	kpi_result res;
} hist;

static void hist_release(hist *h)
{
	for (size_t i = 0; i < h->res.nseries; i++)
		free(h->res.series[i].rows);
	free(h->res.series);
	free(h->hs.verdicts);
	free(h->hs.changes);
	free(h->p);
}

static bool same_labels(const kpi_series *a, const kpi_series *b)
{
	if (a->nlabels != b->nlabels)
		return false;
	for (size_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->label_names[i], b->label_names[i]))
			return false;
	return true;
}

static int change_cmp(const void *a, const void *b)
{
	const kpi_change *x = a, *y = b;
	if (x->changed_at != y->changed_at)
		return x->changed_at < y->changed_at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The series of KPI `ref` over the history window: week by week the rows of
 * the newest pack (same zone) holding the week with the same label names. */
static int hist_series(hist *h, kpi_series *out, const kpi_series *ref)
{
	const kpi_window *w = &h->res.window;
	size_t cap = 0;

	*out = *ref;
	out->rows = NULL;
	out->nrows = 0;
	for (int i = 0; i < w->nweeks; i++) {
		for (size_t k = h->np; k-- > 0;) {
			const kpi_history_pack *p = h->p[k];
			const kpi_series *s;
			bool any = false;
			if (strcmp(p->snap->timezone, h->hs.timezone) || pack_week(p, h->hs.verdicts[i].week) < 0)
				continue;
			if (!(s = kpi_result_find(p->snap->result, ref->def->id)) || !same_labels(s, ref))
				continue;
			for (size_t r = 0; r < s->nrows; r++) {
				if (s->rows[r].period_start != w->starts[i])
					continue;
				if (out->nrows == cap) {
					kpi_row *n = realloc(out->rows, (cap = cap ? 2 * cap : 64) * sizeof(*n));
					if (!n)
						return KPI_ENOMEM;
					out->rows = n;
				}
				out->rows[out->nrows++] = s->rows[r];
				any = true;
			}
			if (any)
				break;
		}
	}
	return 0;
}

static int hist_build(hist *h, const kpi_history_pack *packs, size_t npacks, kpi_error *err)
{
	const kpi_snapshot *nw;
	char lw[16];
	int rc;

	memset(h, 0, sizeof(*h));
	if (!(h->p = calloc(npacks ? npacks : 1, sizeof(*h->p))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < npacks; i++) {
		const kpi_snapshot *s = packs[i].snap;
		if (!s || !s->result || !s->verdicts || !s->timezone || s->result->window.nweeks < 1)
			return kpi_error_set(err, KPI_EDATA, "history: pack '%s': its snapshot has no window or verdicts",
			                     packs[i].name);
		h->p[h->np++] = &packs[i];
	}
	if (!h->np)
		return 0;
	qsort(h->p, h->np, sizeof(*h->p), pack_cmp);
	nw = h->p[h->np - 1]->snap;
	h->last = nw->result->window.last;
	h->first = h->last;
	for (size_t i = 0; i < h->np; i++) {
		if (strcmp(h->p[i]->snap->timezone, nw->timezone))
			h->nother_tz++;
		if (kpi_week_cmp(win(h->p[i])->first, h->first) < 0)
			h->first = win(h->p[i])->first;
	}
	for (h->nweeks = 1; kpi_week_cmp(kpi_week_add(h->last, 1 - h->nweeks), h->first) > 0 && h->nweeks < KPI_MAX_WEEKS;)
		h->nweeks++;
	h->first = kpi_week_add(h->last, 1 - h->nweeks);

	/* the history snapshot: the newest pack's catalogue and zone */
	h->hs.format = nw->format;
	h->hs.tool_version = nw->tool_version;
	h->hs.timezone = nw->timezone;
	h->hs.active_days = nw->active_days;
	h->hs.catalog = nw->catalog;
	h->hs.result = &h->res;
	h->res.read_at = nw->result->read_at;
	if ((rc = kpi_window_init(&h->res.window, kpi_week_format(lw, sizeof(lw), h->last), h->nweeks, nw->timezone,
	                          nw->result->window.as_of, err)))
		return rc;
	if (!(h->hs.verdicts = calloc((size_t)h->nweeks, sizeof(kpi_verdict))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (int i = 0; i < h->nweeks; i++) {
		h->hs.verdicts[i].week = kpi_week_add(h->first, i);
		h->hs.verdicts[i].period_start = h->res.window.starts[i];
	}
	/* the rollout changes of every pack, once each, oldest first */
	{
		size_t n = 0;
		for (size_t i = 0; i < h->np; i++)
			n += h->p[i]->snap->nchanges;
		if (n && !(h->hs.changes = calloc(n, sizeof(kpi_change))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		for (size_t i = 0; i < h->np; i++)
			for (size_t c = 0; c < h->p[i]->snap->nchanges; c++) {
				const kpi_change *ch = &h->p[i]->snap->changes[c];
				bool seen = false;
				for (size_t k = 0; k < h->hs.nchanges && !seen; k++)
					seen = h->hs.changes[k].id == ch->id;
				if (!seen)
					h->hs.changes[h->hs.nchanges++] = *ch;
			}
		if (h->hs.nchanges)
			qsort(h->hs.changes, h->hs.nchanges, sizeof(kpi_change), change_cmp);
		h->hs.changes_total = h->hs.nchanges;
	}
	if (nw->result->nseries && !(h->res.series = calloc(nw->result->nseries, sizeof(kpi_series))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; i < nw->result->nseries; i++) {
		if ((rc = hist_series(h, &h->res.series[i], &nw->result->series[i])))
			return kpi_error_set(err, rc, "out of memory");
		h->res.nseries++;
	}
	return 0;
}

/* ---- the page ---- */

static const char CSS[] =
	":root{--ink:#1f2933;--muted:#52606d;--line:#d9dee3;--go:#2e7d32;--hold:#b86e00;--nogo:#c62828;--none:#8a949e}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:15px/1.45 \"DejaVu Sans\",Verdana,Arial,sans-serif;color:var(--ink);background:#f5f7f9}\n"
	"header,main{max-width:1280px;margin:0 auto;padding:0 24px}\n"
	"header{padding-top:24px}\n"
	"h1{font-size:26px;margin:0 0 4px}\n"
	"h2{font-size:19px;margin:32px 0 10px}\n"
	".lead{color:var(--muted);margin:0 0 8px}\n"
	".warn{border:1px solid var(--hold);border-left:6px solid var(--hold);background:#fff8ec;padding:8px 14px;"
	"margin:12px 0}\n.warn ul{margin:4px 0 0;padding-left:18px}\n"
	"section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:4px 20px 18px;margin:18px 0}\n"
	".strip{display:flex;flex-wrap:wrap;gap:3px;list-style:none;padding:0;margin:0}\n"
	".strip li{flex:1 0 64px;max-width:96px;border-radius:3px;color:#fff;text-align:center;padding:5px 2px;font-size:12px}\n"
	".strip .wk{display:block;font-size:11px;opacity:.9}\n"
	".strip .vd{display:block;font-weight:bold;font-size:13px}\n"
	".strip .dec{display:block;font-size:11px}\n"
	".v-go{background:var(--go)}.v-hold{background:var(--hold)}.v-nogo{background:var(--nogo)}"
	".v-none{background:#fff;color:var(--muted)!important;border:1px dashed var(--none)}\n"
	".badge{display:inline-block;min-width:64px;text-align:center;color:#fff;font-weight:bold;border-radius:3px;"
	"padding:1px 6px;font-size:13px}\n"
	"table{border-collapse:collapse;width:100%;font-size:14px}\n"
	"caption{text-align:left;color:var(--muted);padding:0 0 8px}\n"
	"th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}\n"
	"thead th{background:#eef1f4;border-bottom:2px solid #b8c0c8;font-size:13px}\n"
	"tbody th{white-space:nowrap}\n"
	"tbody tr:nth-child(even){background:#fafbfc}\n"
	".muted{color:var(--muted)}\n"
	".reasons{margin:0;padding-left:16px}\n"
	".override{font-weight:bold;color:var(--nogo)}\n"
	".restated{display:block;font-size:12px;color:#8a5200}\n"
	"a{color:#0b5cad}\n"
	".files a{margin-right:8px}\n"
	"details summary{cursor:pointer;color:#0b5cad}\n"
	"details ul{margin:4px 0;padding-left:18px;columns:2}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}\n"
	"figure{margin:0;border:1px solid var(--line);border-radius:4px;padding:8px;background:#fff}\n"
	"figure svg{display:block;width:100%;height:auto}\n"
	"figcaption{font-size:12px;color:var(--muted);padding-top:4px}\n"
	"footer{max-width:1280px;margin:0 auto;padding:8px 24px 32px;color:var(--muted);font-size:12px}\n"
	"@media print{\n"
	"  @page{size:A4 landscape;margin:12mm}\n"
	"  body{background:#fff;font-size:11px}\n"
	"  header,main,footer{max-width:none;padding:0}\n"
	"  section{border:0;padding:0;margin:0 0 12px}\n"
	"  .strip li,.badge,thead th{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"  .charts{display:block}\n"
	"  figure{break-inside:avoid;page-break-inside:avoid;width:49%;display:inline-block;vertical-align:top;margin:0 0 8px}\n"
	"  tr{break-inside:avoid}\n"
	"  a{color:inherit;text-decoration:none}\n"
	"  details ul{display:none}\n"
	"}\n";

static const char *vclass(kpi_verdict_kind v)
{
	return v == KPI_VERDICT_GO ? "v-go" : v == KPI_VERDICT_HOLD ? "v-hold" : "v-nogo";
}

/* The newest pack holding week `w`, and the index of the week in it. */
static const kpi_history_pack *holder(const hist *h, kpi_week w, int *wi)
{
	for (size_t k = h->np; k-- > 0;)
		if ((*wi = pack_week(h->p[k], w)) >= 0)
			return h->p[k];
	return NULL;
}

/* The last decision recorded for week `w` (the one in force), or NULL. */
static const kpi_history_decision *last_decision(const kpi_history_decision *d, size_t nd, kpi_week w)
{
	const kpi_history_decision *r = NULL;
	for (size_t i = 0; i < nd; i++)
		if (!kpi_week_cmp(d[i].week, w))
			r = &d[i];
	return r;
}

/* What pack `p` restated of week `w` (snapshot format 4): its verdict
 * change, or NULL, and how many of its listed restated values are of that
 * week (*first: the first of them). */
static const kpi_restated_verdict *restated(const kpi_history_pack *p, kpi_week w, size_t *nvalues,
                                            const kpi_restated **first)
{
	const kpi_restatements *r = p ? p->snap->restatements : NULL;
	const kpi_restated_verdict *v = NULL;
	*nvalues = 0;
	*first = NULL;
	for (size_t i = 0; r && i < r->nverdicts; i++)
		if (!kpi_week_cmp(r->verdicts[i].week, w))
			v = &r->verdicts[i];
	for (size_t i = 0; r && i < r->nvalues; i++)
		if (!kpi_week_cmp(r->values[i].week, w) && !(*nvalues)++)
			*first = &r->values[i];
	return v;
}

/* "↻ restated: pack P reported HOLD" (or "↻ N values restated since pack
 * P") under the computed verdict of a week the newest pack reads
 * differently from what an earlier pack reported. */
static int restated_note(kpi_buf *b, const kpi_history_pack *p, kpi_week w)
{
	size_t n;
	const kpi_restated *x;
	const kpi_restated_verdict *v = restated(p, w, &n, &x);
	int rc = 0;
	if (v) {
		rc = kpi_buf_puts(b, "<span class=\"restated\">↻ restated: pack ");
		if (!rc)
			rc = html(b, v->pack);
		if (!rc)
			rc = kpi_buf_printf(b, " reported %s</span>", kpi_verdict_name(v->old_verdict));
	} else if (n) {
		rc = kpi_buf_printf(b, "<span class=\"restated\">↻ %zu value%s restated since pack ", n,
		                    n == 1 ? "" : "s");
		if (!rc)
			rc = html(b, x->pack);
		if (!rc)
			rc = kpi_buf_puts(b, "</span>");
	}
	return rc;
}

static int page_strip(kpi_buf *b, const hist *h, const kpi_history_decision *d, size_t nd)
{
	int rc = kpi_buf_puts(b, "<section aria-labelledby=\"strip-h\">\n<h2 id=\"strip-h\">Verdicts week by week</h2>\n"
	                         "<p class=\"lead\">Oldest on the left. Each week shows the computed verdict of the newest "
	                         "pack holding it (↻: restated, it reads differently from what an earlier pack "
	                         "reported) and, below, the decision recorded for it.</p>\n<ol class=\"strip\">\n");
	for (int i = 0; i < h->nweeks && !rc; i++) {
		kpi_week w = kpi_week_add(h->first, i);
		char wk[16];
		int wi;
		const kpi_history_pack *p = holder(h, w, &wi);
		const kpi_history_decision *dd = last_decision(d, nd, w);
		kpi_week_format(wk, sizeof(wk), w);
		if (p) {
			/* an older GO that did not weigh gating KPIs not measured reads
			 * as a hold, as its pack shows it */
			kpi_verdict_kind v;
			const char *shown = kpi__verdict_shown(p->snap, &p->snap->verdicts[wi], true, &v);
			size_t nv;
			const kpi_restated *x;
			bool re = restated(p, w, &nv, &x) || nv;
			rc = kpi_buf_printf(b, "<li class=\"%s\"><span class=\"wk\">%s%s</span><span class=\"vd\">%s</span>",
			                    vclass(v), wk, re ? " ↻" : "", shown);
		} else {
			rc = kpi_buf_printf(b, "<li class=\"v-none\"><span class=\"wk\">%s</span><span class=\"vd\">no pack</span>", wk);
		}
		if (!rc && dd)
			rc = kpi_buf_printf(b, "<span class=\"dec\">decided %s</span>", kpi_verdict_name(dd->decision));
		if (!rc)
			rc = kpi_buf_puts(b, "</li>\n");
	}
	return rc ? rc : kpi_buf_puts(b, "</ol>\n</section>\n");
}

static int link(kpi_buf *b, const char *pack, const char *file, const char *text)
{
	int rc = kpi_buf_puts(b, "<a href=\"");
	if (!rc)
		rc = url(b, pack);
	if (!rc)
		rc = kpi_buf_puts(b, "/");
	if (!rc)
		rc = url(b, file);
	if (!rc)
		rc = kpi_buf_puts(b, "\">");
	if (!rc)
		rc = html(b, text);
	return rc ? rc : kpi_buf_puts(b, "</a>");
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* The links to a pack's PDF, workbook and chart PNGs. */
static int pack_links(kpi_buf *b, const kpi_history_pack *p)
{
	size_t npng = 0;
	int rc = kpi_buf_puts(b, "<span class=\"files\">");
	for (size_t i = 0; i < p->nfiles && !rc; i++)
		if (ends_with(p->files[i], ".pdf"))
			rc = link(b, p->name, p->files[i], "PDF");
	for (size_t i = 0; i < p->nfiles && !rc; i++)
		if (ends_with(p->files[i], ".xlsx"))
			rc = link(b, p->name, p->files[i], "Workbook");
	for (size_t i = 0; i < p->nfiles; i++)
		npng += ends_with(p->files[i], ".png");
	if (!rc)
		rc = kpi_buf_puts(b, "</span>");
	if (!rc && npng) {
		rc = kpi_buf_printf(b, "<details><summary>%zu chart%s (PNG)</summary><ul>", npng, npng == 1 ? "" : "s");
		for (size_t i = 0; i < p->nfiles && !rc; i++) {
			const char *f = p->files[i], *base;
			if (!ends_with(f, ".png"))
				continue;
			base = strrchr(f, '/') ? strrchr(f, '/') + 1 : f;
			rc = kpi_buf_puts(b, "<li>");
			if (!rc)
				rc = link(b, p->name, f, base);
			if (!rc)
				rc = kpi_buf_puts(b, "</li>");
		}
		if (!rc)
			rc = kpi_buf_puts(b, "</ul></details>");
	}
	return rc;
}

static int reasons(kpi_buf *b, const kpi_snapshot *snap, const kpi_verdict *v)
{
	char list[1024];
	int rc;
	/* an older GO that did not weigh gating KPIs not measured: they are
	 * why it reads as a hold */
	if (kpi__go_unweighed(snap, v, list, sizeof(list))) {
		rc = kpi_buf_puts(b, "none on record; not measured and not weighed by this older pack: ");
		if (!rc)
			rc = html(b, list);
		return rc;
	}
	if (!v->nreasons)
		return kpi_buf_puts(b, "<span class=\"muted\">every gating KPI within its threshold</span>");
	rc = kpi_buf_puts(b, "<ul class=\"reasons\">");
	for (size_t i = 0; i < v->nreasons && !rc; i++) {
		const kpi_reason *r = &v->reasons[i];
		rc = kpi_buf_puts(b, "<li>");
		if (!rc)
			rc = html(b, r->kpi);
		if (!rc && r->labels && *r->labels) {
			rc = kpi_buf_puts(b, " (");
			if (!rc)
				rc = html(b, r->labels);
			if (!rc)
				rc = kpi_buf_puts(b, ")");
		}
		if (!rc && r->not_measured) { /* the whole KPI was not collected: say why */
			rc = kpi_buf_puts(b, ": not measured (");
			if (!rc)
				rc = html(b, r->not_measured);
			if (!rc)
				rc = kpi_buf_puts(b, ")</li>");
			continue;
		}
		if (!rc)
			rc = kpi_buf_printf(b, ": %s", r->status == KPI_STATUS_BREACH ? "breach" : "no data");
		if (!rc && r->threshold && *r->threshold) {
			rc = kpi_buf_puts(b, " (target ");
			if (!rc)
				rc = html(b, r->threshold);
			if (!rc)
				rc = kpi_buf_puts(b, ")");
		}
		if (!rc)
			rc = kpi_buf_puts(b, "</li>");
	}
	return rc ? rc : kpi_buf_puts(b, "</ul>");
}

/* `shown` / `read`: the week's computed verdict as the table shows it
 * (kpi__verdict_shown), NULL when no pack holds the week. */
static int decision_cell(kpi_buf *b, const kpi_history_decision *d, size_t nd, kpi_week w, const char *shown,
                         kpi_verdict_kind read)
{
	bool any = false;
	int rc = 0;
	for (size_t i = 0; i < nd && !rc; i++) {
		char at[32];
		if (kpi_week_cmp(d[i].week, w))
			continue;
		rc = kpi_buf_printf(b, "%s<strong>%s</strong> by ", any ? "<br>" : "", kpi_verdict_name(d[i].decision));
		any = true;
		if (!rc)
			rc = html(b, d[i].by ? d[i].by : "?");
		if (!rc)
			rc = kpi_buf_printf(b, " <span class=\"muted\">%s</span>", kpi_time_format(at, sizeof(at), d[i].at));
		/* against the verdict as the page shows it (an older GO read as a hold) */
		if (!rc && (d[i].kept ? d[i].decision != d[i].verdict : shown && d[i].decision != read))
			rc = kpi_buf_printf(b, " <span class=\"override\">overrides the computed %s</span>",
			                    d[i].kept ? kpi_verdict_name(d[i].verdict) : shown);
		if (!rc && d[i].kept) {
			rc = kpi_buf_puts(b, "<br><span class=\"kept\">decided on the pack kept in ");
			if (!rc) {
				char *text = malloc(strlen(d[i].kept) + 2);
				if (!text)
					return KPI_ENOMEM;
				sprintf(text, "%s/", d[i].kept);
				rc = link(b, d[i].kept, "", text);
				free(text);
			}
			if (!rc)
				rc = kpi_buf_puts(b, "</span>");
		}
		if (!rc && d[i].note && *d[i].note) {
			rc = kpi_buf_puts(b, "<br><q>");
			if (!rc)
				rc = html(b, d[i].note);
			if (!rc)
				rc = kpi_buf_puts(b, "</q>");
		}
	}
	return rc || any ? rc : kpi_buf_puts(b, "<span class=\"muted\">none recorded</span>");
}

static int page_table(kpi_buf *b, const hist *h, const kpi_history_decision *d, size_t nd)
{
	int rc = kpi_buf_puts(b,
	                      "<section aria-labelledby=\"weeks-h\">\n<h2 id=\"weeks-h\">Weeks, verdicts and decisions</h2>\n"
	                      "<table>\n<caption>Newest week first. The computed verdict and its reasons are those of the "
	                      "newest pack holding the week; the files are those of the packs ending that week.</caption>\n"
	                      "<thead><tr><th scope=\"col\">Week</th><th scope=\"col\">Computed verdict</th>"
	                      "<th scope=\"col\">Why</th><th scope=\"col\">Decision recorded</th>"
	                      "<th scope=\"col\">Reported by</th><th scope=\"col\">Pack files</th></tr></thead>\n<tbody>\n");
	for (int i = h->nweeks; i-- > 0 && !rc;) {
		kpi_week w = kpi_week_add(h->first, i);
		char wk[16];
		int wi;
		const kpi_history_pack *p = holder(h, w, &wi);
		const kpi_verdict *v = p ? &p->snap->verdicts[wi] : NULL;
		const char *shown = NULL;
		kpi_verdict_kind read = KPI_VERDICT_HOLD;
		size_t nown = 0;

		kpi_week_format(wk, sizeof(wk), w);
		for (size_t k = 0; k < h->np; k++)
			nown += !kpi_week_cmp(win(h->p[k])->last, w);
		rc = kpi_buf_printf(b, "<tr><th scope=\"row\">%s</th><td>", wk);
		if (v)
			shown = kpi__verdict_shown(p->snap, v, false, &read);
		if (!rc)
			rc = v ? kpi_buf_printf(b, "<span class=\"badge %s\">%s</span>%s", vclass(read),
			                        shown, win(p)->partial && !kpi_week_cmp(w, win(p)->last)
			                                                        ? " <span class=\"muted\">(week in progress)</span>" : "")
			       : kpi_buf_puts(b, "<span class=\"muted\">no pack holds this week</span>");
		if (!rc)
			rc = restated_note(b, p, w);
		if (!rc)
			rc = kpi_buf_puts(b, "</td><td>");
		if (!rc && v)
			rc = reasons(b, p->snap, v);
		if (!rc)
			rc = kpi_buf_puts(b, "</td><td>");
		if (!rc)
			rc = decision_cell(b, d, nd, w, shown, read);
		if (!rc)
			rc = kpi_buf_puts(b, "</td><td>");
		if (!rc && p)
			rc = html(b, p->name);
		if (!rc)
			rc = kpi_buf_puts(b, "</td><td>");
		/* the packs ending this week, newest first (named when several) */
		for (size_t k = h->np; k-- > 0 && !rc;) {
			if (kpi_week_cmp(win(h->p[k])->last, w))
				continue;
			if (nown > 1) {
				rc = kpi_buf_puts(b, "<div>");
				if (!rc)
					rc = html(b, h->p[k]->name);
				if (!rc)
					rc = kpi_buf_puts(b, ": ");
			}
			if (!rc)
				rc = pack_links(b, h->p[k]);
			if (!rc && nown > 1)
				rc = kpi_buf_puts(b, "</div>");
		}
		if (!rc)
			rc = kpi_buf_puts(b, "</td></tr>\n");
	}
	return rc ? rc : kpi_buf_puts(b, "</tbody>\n</table>\n</section>\n");
}

static int page_charts(kpi_buf *b, const hist *h, kpi_error *err)
{
	size_t n = kpi_render_chart_count(&h->hs);
	char a[16], z[16];
	int rc;

	kpi_week_format(a, sizeof(a), h->first);
	kpi_week_format(z, sizeof(z), h->last);
	rc = kpi_buf_printf(b, "<section aria-labelledby=\"charts-h\">\n<h2 id=\"charts-h\">Each KPI over every pack</h2>\n"
	                       "<p class=\"lead\">%s – %s: each week's values as the newest pack holding that week "
	                       "reported them, drawn by the same code as the pack's charts.", a, z);
	if (!rc && h->nother_tz)
		rc = kpi_buf_printf(b, " %zu pack%s in another time zone than the newest %s left out of the charts.",
		                    h->nother_tz, h->nother_tz == 1 ? " is" : "s are", h->nother_tz == 1 ? "is" : "are");
	if (!rc)
		rc = kpi_buf_puts(b, "</p>\n<div class=\"charts\">\n");
	for (size_t i = 0; i < n && !rc; i++) {
		const char *id = kpi_render_chart_name(&h->hs, i);
		const kpi_def *def = kpi_catalog_find(h->hs.catalog, id);
		kpi_buf title = KPI_BUF_INIT;
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "c%zu", i);
		if (kpi_buf_printf(&title, "%s, %s – %s: chart of each week's value", def ? def->title : id, a, z))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		rc = kpi_buf_printf(b, "<figure id=\"kpi-%s\">\n", id);
		if (!rc && (rc = kpi_render_chart_svg(b, &h->hs, i, prefix, title.data, err))) {
			kpi_buf_release(&title);
			return rc;
		}
		kpi_buf_release(&title);
		if (!rc)
			rc = kpi_buf_printf(b, "\n<figcaption>%s · ", id);
		if (!rc)
			rc = html(b, def ? def->title : id);
		if (!rc)
			rc = kpi_buf_puts(b, "</figcaption>\n</figure>\n");
	}
	if (!rc)
		rc = kpi_buf_puts(b, "</div>\n</section>\n");
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

/* What the page could not show, in a box at its top. */
static int page_warnings(kpi_buf *b, const char *const *w, size_t n)
{
	int rc;
	if (!n)
		return 0;
	rc = kpi_buf_puts(b, "<div class=\"warn\" role=\"note\"><strong>Not on this page:</strong><ul>\n");
	for (size_t i = 0; i < n && !rc; i++) {
		rc = kpi_buf_puts(b, "<li>");
		if (!rc)
			rc = html(b, w[i]);
		if (!rc)
			rc = kpi_buf_puts(b, "</li>\n");
	}
	return rc ? rc : kpi_buf_puts(b, "</ul></div>\n");
}

int kpi_history_html(kpi_buf *out, const kpi_history_pack *packs, size_t npacks,
                     const kpi_history_decision *decisions, size_t ndecisions, const char *const *warnings,
                     size_t nwarnings, kpi_error *err)
{
	size_t start = out->len;
	hist h;
	int rc = hist_build(&h, packs, npacks, err);

	if (!rc)
		rc = kpi_buf_printf(out,
		                    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		                    "<title>Rollout go/no-go history</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n"
		                    "<h1>Rollout go/no-go history</h1>\n",
		                    CSS) ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
	if (!rc && page_warnings(out, warnings, nwarnings))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!rc && !h.np)
		rc = kpi_buf_puts(out, "<p class=\"lead\">No pack in this directory yet: <code>kpi pack</code> writes one "
		                       "and this page again.</p>\n</header>\n")
		         ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
	if (!rc && h.np) {
		char a[16], z[16];
		rc = kpi_buf_printf(out, "<p class=\"lead\">%zu pack%s, weeks %s – %s (", h.np, h.np == 1 ? "" : "s",
		                    kpi_week_format(a, sizeof(a), h.first), kpi_week_format(z, sizeof(z), h.last));
		if (!rc)
			rc = html(out, h.hs.timezone);
		if (!rc)
			rc = kpi_buf_printf(out, "), %zu decision%s recorded. Made from the packs' snapshots by kpi.</p>\n"
			                         "</header>\n<main>\n", ndecisions, ndecisions == 1 ? "" : "s");
		if (!rc)
			rc = page_strip(out, &h, decisions, ndecisions);
		if (!rc)
			rc = page_table(out, &h, decisions, ndecisions);
		if (rc)
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		if (!rc)
			rc = page_charts(out, &h, err);
		if (!rc && kpi_buf_puts(out, "</main>\n"))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if (!rc && kpi_buf_puts(out, "<footer>A static page: no script, no font or file from elsewhere; every link is "
	                             "relative to this directory.</footer>\n</body>\n</html>\n"))
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
	hist_release(&h);
	if (rc)
		kpi__buf_truncate(out, start);
	return rc;
}
