/*
 * The pack renderer (kpi/render.h): PDF and PNG from snapshots built in C
 * (snapfix.h) and from the demo fixtures of tests/fixtures/render/ (the
 * snapshot.json of kpi pack on the demo dataset, read by the library).
 *
 * Every PDF rendered here passes `qpdf --check`; its text (pdftotext), page
 * count, size and metadata (pdfinfo) and bookmarks (qpdf --json) are checked;
 * every text box the renderer placed (its trace) must neither overlap
 * another nor leave the page, and every word poppler extracts must lie on
 * the page. Rendering twice gives the same bytes. Golden SHA-256s of the
 * demo pack are compared only on Debian 12 with cairo 1.16.0 and pango
 * 1.50.12 (other font stacks set other bytes); KPI_UPDATE_GOLDEN=1 rewrites
 * them there, and fails anywhere else.
 */
#include "unit.h"
#include "snapfix.h"
#include "packfix.h"
#include "slofix.h"
#include "render/render_int.h"
#include "render/chart.h"

#include <ctype.h>
#include <float.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define RENDER_FIXTURES KPI_SOURCE_DIR "/tests/fixtures/render"
#define CATALOG KPI_SOURCE_DIR "/templates/catalog.json"
#define EDGE_CATALOG RENDER_FIXTURES "/catalog_edge.json"
/* snapshot.json of kpi pack on the demo dataset (make-demo-fixtures.sh) */
#define DEMO_W46 RENDER_FIXTURES "/demo-w46.snapshot.json"
#define DEMO_W42 RENDER_FIXTURES "/demo-w42.snapshot.json"
#define SUBNORMAL_MIN 4.9406564584124654e-324 /* the smallest positive double */

static char tmpdir[256];

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kpi-render-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[512];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ---- */

/* Run a shell command, return its stdout (caller frees) and exit status. */
static char *run(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	kpi_buf out = KPI_BUF_INIT;
	char chunk[4096];
	size_t n;
	int st;

	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(kpi_buf_append(&out, chunk, n), 0);
	st = pclose(p);
	if (status)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (!out.data)
		assert_int_equal(kpi_buf_puts(&out, ""), 0);
	return out.data;
}

static const char *tmp_path(const char *name)
{
	static char buf[512];
	snprintf(buf, sizeof(buf), "%s/%s", tmpdir, name);
	return buf;
}

static void save(const char *path, const kpi_buf *b)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* Two boxes overlap by more than a hair. */
static bool overlap(const kpi__rbox *a, const kpi__rbox *b, double tol)
{
	return a->x + tol < b->x + b->w && b->x + tol < a->x + a->w && a->y + tol < b->y + b->h &&
	       b->y + tol < a->y + a->h;
}

/* No two text boxes of a page overlap; none leaves its page; no series
 * or threshold line crosses a label set inside a plot (a value off the
 * axis). */
static void check_trace(const kpi__rtrace *t, const char *what)
{
	assert_true(t->nboxes > 0);
	for (size_t i = 0; i < t->nboxes; i++) {
		const kpi__rbox *a = &t->boxes[i];
		for (size_t k = 0; a->in_plot && k < t->nsegs; k++) {
			const kpi__rseg *g = &t->segs[k];
			if (g->page == a->page &&
			    kpi__seg_hits_rect(g->x0, g->y0, g->x1, g->y1, a->x + 0.2, a->y + 0.2, a->w - 0.4, a->h - 0.4)) {
				print_error("%s: page %d: the line %.1f,%.1f-%.1f,%.1f crosses the label '%s' (%.1f,%.1f %.1fx%.1f)\n",
				            what, a->page, g->x0, g->y0, g->x1, g->y1, a->text, a->x, a->y, a->w, a->h);
				fail();
			}
		}
		if (a->x < -0.01 || a->y < -0.01 || a->x + a->w > t->page_w + 0.01 || a->y + a->h > t->page_h + 0.01) {
			print_error("%s: page %d: text '%s' at %.1f,%.1f %.1fx%.1f leaves the %.0fx%.0f page\n", what, a->page,
			            a->text, a->x, a->y, a->w, a->h, t->page_w, t->page_h);
			fail();
		}
		for (size_t j = i + 1; j < t->nboxes; j++) {
			const kpi__rbox *b = &t->boxes[j];
			if (a->page == b->page && overlap(a, b, 0.05)) {
				print_error("%s: page %d: text '%s' (%.1f,%.1f %.1fx%.1f) overlaps '%s' (%.1f,%.1f %.1fx%.1f)\n",
				            what, a->page, a->text, a->x, a->y, a->w, a->h, b->text, b->x, b->y, b->w, b->h);
				fail();
			}
		}
	}
}

/* Every word poppler extracts lies on its page. */
static void check_words(const char *pdf)
{
	char cmd[1024], *out, *p;
	int st;
	double pw = 0, ph = 0;
	size_t words = 0;

	snprintf(cmd, sizeof(cmd), "pdftotext -bbox '%s' - 2>&1", pdf);
	out = run(cmd, &st);
	assert_int_equal(st, 0);
	for (p = out; (p = strstr(p, "<")) != NULL; p++) {
		double x0, y0, x1, y1;
		if (sscanf(p, "<page width=\"%lf\" height=\"%lf\"", &pw, &ph) == 2)
			continue;
		if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0, &x1, &y1) == 4) {
			words++;
			if (x0 < -0.5 || y0 < -0.5 || x1 > pw + 0.5 || y1 > ph + 0.5) {
				print_error("word at %.1f,%.1f-%.1f,%.1f leaves the %.0fx%.0f page: %.60s\n", x0, y0, x1, y1,
				            pw, ph, p);
				free(out);
				fail();
			}
		}
	}
	assert_true(words > 50);
	free(out);
}

typedef struct pdfcheck {
	char *text;   /* pdftotext of the whole document */
	char *info;   /* pdfinfo */
	int pages;
	kpi__rtrace trace;
} pdfcheck;

static void pdfcheck_release(pdfcheck *c)
{
	free(c->text);
	free(c->info);
	kpi__rtrace_release(&c->trace);
}

/* Render `snap`, check it as every PDF is checked, and keep its text. */
static void render_checked(pdfcheck *c, const kpi_snapshot *snap, const char *name)
{
	kpi_buf pdf = KPI_BUF_INIT, again = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char path[512], cmd[1200], *out;
	int st;
	const char *pages;

	memset(c, 0, sizeof(*c));
	if (kpi__render_pdf_traced(&pdf, snap, &c->trace, &err) != 0) {
		print_error("%s: %s\n", name, err.message);
		fail();
	}
	assert_true(pdf.len > 1000);
	assert_memory_equal(pdf.data, "%PDF-", 5);
	snprintf(path, sizeof(path), "%s", tmp_path(name));
	save(path, &pdf);
	/* qpdf --check: 0 clean, 2 errors, 3 warnings */
	snprintf(cmd, sizeof(cmd), "qpdf --check '%s' 2>&1", path);
	out = run(cmd, &st);
	if (st != 0) {
		print_error("%s: qpdf --check exit %d:\n%s\n", name, st, out);
		free(out);
		fail();
	}
	free(out);
	snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 '%s' - 2>&1", path);
	c->text = run(cmd, &st);
	assert_int_equal(st, 0);
	snprintf(cmd, sizeof(cmd), "pdfinfo '%s' 2>&1", path);
	c->info = run(cmd, &st);
	assert_int_equal(st, 0);
	assert_contains(c->info, "Page size:       841.89 x 595.28 pts (A4)");
	pages = strstr(c->info, "Pages:");
	assert_non_null(pages);
	c->pages = atoi(pages + 6);
	assert_int_equal(c->pages, c->trace.npages);
	check_trace(&c->trace, name);
	check_words(path);
	/* the same snapshot gives the same bytes */
	assert_int_equal(kpi_render_pdf(&again, snap, &err), 0);
	assert_int_equal(again.len, pdf.len);
	assert_memory_equal(again.data, pdf.data, pdf.len);
	kpi_buf_release(&again);
	kpi_buf_release(&pdf);
}

/* Decode a PNG and check its size; check its trace too. */
static void check_png(const kpi_snapshot *snap, size_t i)
{
	kpi_buf png = KPI_BUF_INIT, again = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi__rtrace trace;
	cairo_surface_t *img;
	char path[512];

	memset(&trace, 0, sizeof(trace));
	if (kpi__render_chart_png_traced(&png, snap, i, &trace, &err) != 0) {
		print_error("chart %zu: %s\n", i, err.message);
		fail();
	}
	assert_memory_equal(png.data, "\x89PNG", 4);
	snprintf(path, sizeof(path), "%s/%s.png", tmpdir, kpi_render_chart_name(snap, i));
	save(path, &png);
	img = cairo_image_surface_create_from_png(path);
	assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(img), KPI_RENDER_PNG_WIDTH);
	assert_int_equal(cairo_image_surface_get_height(img), KPI_RENDER_PNG_HEIGHT);
	cairo_surface_destroy(img);
	check_trace(&trace, kpi_render_chart_name(snap, i));
	assert_int_equal(kpi_render_chart_png(&again, snap, i, &err), 0);
	assert_int_equal(again.len, png.len);
	assert_memory_equal(again.data, png.data, png.len);
	kpi__rtrace_release(&trace);
	kpi_buf_release(&again);
	kpi_buf_release(&png);
}

static void check_all_pngs(const kpi_snapshot *snap)
{
	for (size_t i = 0; i < kpi_render_chart_count(snap); i++)
		check_png(snap, i);
}

/* Text as pdftotext prints it, with its line breaks folded to spaces and
 * runs of spaces to one (a page break stays a form feed, so page_of()
 * works on it). */
static char *folded(const char *text)
{
	char *t = strdup(text), *o;
	assert_non_null(t);
	o = t;
	for (const char *p = t; *p; p++) {
		char ch = *p == '\n' ? ' ' : *p;
		if (ch == ' ' && o > t && (o[-1] == ' ' || o[-1] == '\f'))
			continue;
		if (ch == '\f' && o > t && o[-1] == ' ')
			o--;
		*o++ = ch;
	}
	*o = '\0';
	return t;
}

/* The first page (1-based) whose text contains `needle`, or 0. */
static int page_of(const char *text, const char *needle)
{
	int page = 1;
	const char *hit = strstr(text, needle);
	if (!hit)
		return 0;
	for (const char *p = text; p < hit; p++)
		page += *p == '\f';
	return page;
}

/* ---- the demo pack ---- */

static void test_render__demo_pack_cover_scorecard_charts_appendix(void **state)
{
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	pdfcheck c;
	char *t;
	(void)state;

	render_checked(&c, snap, "demo-w46.pdf");
	t = c.text;
	/* cover: verdict, the week with its dates and zone, when the data was read */
	assert_int_equal(page_of(t, "GO"), 1);
	assert_int_equal(page_of(t, "ISO week 2026-W46"), 1);
	assert_contains(t, "Mon 9 Nov – Sun 15 Nov 2026");
	assert_contains(t, "time zone UTC");
	assert_contains(t, "2026-11-16 06:30 UTC");
	/* an older GO that did not weigh 2 gating KPIs not measured: the
	 * verdict box and the reasons say what the first sentence says, a hold */
	assert_contains(t, "Go as recorded for 2026-W46, to be read as a hold");
	assert_contains(t, "An older kpi decided this week on the rows it read alone: API error rate (load balancer 5xx)");
	assert_contains(t, "nobody has seen them meet their target. Read it as a hold.");
	assert_contains(t, "as recorded for 2026-W46: read as a hold");
	assert_contains(t, "Reasons behind the verdict (none on record, 2 not weighed)");
	/* and so does every page's header, and the chip of every GO of the
	 * window (the run left the same gating KPIs out of each week): never a
	 * plain GO */
	{
		const char *head = "Rollout go/no-go pack · 2026-W46 · GO as recorded, read as HOLD\n";
		int n = 0;
		for (const char *p = t; (p = strstr(p, head)); p++)
			n++;
		assert_int_equal(n, c.pages);
		assert_not_contains(t, "Rollout go/no-go pack · 2026-W46 · GO\n");
		n = 0;
		for (const char *p = t, *end = strchr(t, '\f'); (p = strstr(p, "GO→HOLD")) && p < end; p++)
			n++;
		/* the verdict box (HOLD's colour) and the chips of W41, W43, W45, W46 */
		assert_int_equal(n, 5);
	}
	assert_int_equal(page_of(t, "api_latency_p95_ms"), 1);
	assert_not_contains(t, "Every measure that decides the rollout was read and meets its target");
	assert_not_contains(t, "None: every measure that decides the rollout was read");
	/* the week in plain words leads (the gating table at a glance needs room it no longer has) */
	assert_int_equal(page_of(t, "This older pack said GO for 2026-W46, but 2 measures that decide the rollout were not "
	                            "measured and its verdict did not weigh them"), 1);
	assert_contains(t, "Appendix D — Glossary");
	/* every KPI has a scorecard row and a chart page */
	for (size_t i = 0; i < snap->catalog->nkpis; i++) {
		char want[256];
		snprintf(want, sizeof(want), "%s", snap->catalog->kpis[i].id);
		assert_contains(t, want);
		assert_contains(t, snap->catalog->kpis[i].title);
	}
	assert_int_equal(page_of(t, "Scorecard — 2026-W46"), 2);
	assert_contains(t, "30.44%");
	assert_contains(t, "2.35 d");           /* 203,012 s, queue_oldest_age_seconds */
	assert_contains(t, "18.7 min");         /* 1,122.3 s, a p99 */
	assert_contains(t, "↑ +2.34 d");
	assert_not_contains(t, "203,012");
	assert_contains(t, "↓ −4.88 pp");
	/* the scorecard's KPI names take the room the other columns do not
	 * need: none is ellipsized, nor any other text of the scorecard, and a
	 * one-row KPI's name wider than the old 176 pt column is whole */
	{
		size_t titles = 0;
		for (size_t i = 0; i < c.trace.nboxes; i++) {
			const kpi__rbox *b = &c.trace.boxes[i];
			if (b->page != c.trace.section_page[1])
				continue;
			if (b->ellipsized) {
				print_error("scorecard: '%s' is ellipsized\n", b->text);
				fail();
			}
			if (strcmp(b->text, "Legacy cache coverage (active legacy cohort)") == 0) {
				titles++;
				assert_true(b->w > 176);
			}
		}
		assert_int_equal(titles, 1);
	}
	/* charts: axes, units, threshold tags, legend, rollout changes */
	assert_contains(t, "target ≥ 99% (gating)");
	assert_contains(t, "Rollout changes");
	{
		/* a legend entry wraps whole (it was cut, "legacy → own…") */
		char *f = folded(t);
		assert_contains(f, "Nov 9 default new_designs: legacy → owned");
		free(f);
	}
	assert_contains(t, "threshold not applicable");
	assert_contains(t, "off the axis: value printed");
	/* the capped latency spikes are labelled inside their panels, clear of
	 * every line (check_trace()) */
	{
		static const char *const spikes[] = { "7.11 h", "2.47 h", "6.72 h" };
		for (size_t k = 0; k < 3; k++) {
			size_t found = 0;
			for (size_t i = 0; i < c.trace.nboxes; i++)
				found += c.trace.boxes[i].in_plot && strcmp(c.trace.boxes[i].text, spikes[k]) == 0;
			assert_int_equal(found, 1);
		}
		assert_true(c.trace.nsegs > 100);
	}
	/* drill-down */
	assert_contains(t, "Oldest uncovered legacy designs as of 2026-11-16 00:00 UTC");
	assert_contains(t, "all 7 uncovered designs");
	assert_contains(t, "northwind");
	/* design 873, uncovered for 0.018 days: not "0.0" */
	{
		char *f = folded(t);
		assert_contains(f, "2026-11-15 23:34 UTC < 0.1 Critical routing mismatches");
		free(f);
	}
	assert_contains(t, "None: no routing decision in 2026-W46");
	/* appendix: definitions, query hashes, provenance */
	assert_contains(t, "Appendix A — KPI definitions");
	assert_contains(t, "ignore: no data does not affect the verdict");
	assert_contains(t, "block: no data on this gating KPI makes the week HOLD");
	assert_contains(t, snap->result->series[0].query_sha256);
	assert_contains(t, "Appendix C — Provenance");
	assert_contains(t, snap->sha256);
	assert_contains(t, "12 ISO weeks 2026-W35 – 2026-W46");
	/* metadata: dates are the as-of instant, never the clock */
	assert_contains(c.info, "Title:           Rollout go/no-go pack 2026-W46 — GO as recorded, read as HOLD\n");
	assert_contains(c.info, "Subject:         KPI governance pack for ISO week 2026-W46");
	assert_contains(c.info, "CreationDate:    Mon Nov 16 00:00:00 2026 UTC");
	assert_contains(c.info, "ModDate:         Mon Nov 16 00:00:00 2026 UTC");
	/* the first page of each section */
	assert_int_equal(c.trace.nsections, 5);
	assert_string_equal(c.trace.section_name[0], "Cover");
	assert_int_equal(c.trace.section_page[0], 1);
	assert_string_equal(c.trace.section_name[1], "Scorecard");
	assert_int_equal(c.trace.section_page[1], 2);
	assert_string_equal(c.trace.section_name[2], "Charts");
	assert_int_equal(c.trace.section_page[2], 3);
	assert_string_equal(c.trace.section_name[3], "Drill-down");
	assert_int_equal(c.trace.section_page[3], 3 + (int)kpi_render_chart_count(snap));
	/* the CloudWatch KPIs of the catalogue were not configured for the demo:
	 * kpi pack keeps the definitions of the 10 it collected and records the
	 * 4 it left out and why; the cover, the scorecard's footnote and the
	 * provenance say so (a catalogue KPI a snapshot lacks is covered by the
	 * edge cases below) */
	assert_int_equal(kpi_render_chart_count(snap), 10);
	assert_int_equal(snap->catalog->nkpis, 10);
	assert_int_equal(snap->nnot_collected, 4);
	assert_contains(t, "10 collected (5 gating) of the 14 in the catalogue");
	{
		char *f = folded(t);
		const char *stmt = "CloudWatch not configured: api_error_rate_pct, api_latency_p95_ms, sqs_queue_depth, "
		                   "sqs_oldest_message_age_seconds. 2 of them are gating: the verdicts do not weigh them";
		/* the cover: the count and the gating ones first, where a long
		 * list cannot cut them off */
		assert_int_equal(page_of(f, "4 KPIs. 2 of them are gating: the verdicts do not weigh them. "
		                            "CloudWatch not configured: api_error_rate_pct, api_latency_p95_ms, "
		                            "sqs_queue_depth, sqs_oldest_message_age_seconds"), 1);
		assert_contains(strstr(f, "Scorecard — 2026-W46"), stmt);   /* its footnote */
		assert_contains(strstr(f, "Appendix C — Provenance"),
		                "Not collected CloudWatch not configured: api_error_rate_pct, api_latency_p95_ms (set "
		                "cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER); sqs_queue_depth, "
		                "sqs_oldest_message_age_seconds (set cloudwatch.queues in the config file or KPI_CW_QUEUES)");
		free(f);
	}
	{
		char want[32];
		snprintf(want, sizeof(want), "page 1 of %d", c.pages);
		assert_contains(t, want);
	}
	pdfcheck_release(&c);
	kpi_snapshot_free(snap);
}

/* More KPIs left out than the cover's three lines hold (the demo's with 8
 * more, long ids): the cover lists whole names and counts the rest, never
 * cutting one; the scorecard's footnote still names every one. */
static void test_render__cover_not_collected_never_cuts_a_name(void **state)
{
	static const char *const more[] = { "api_availability_pct", "api_error_budget_remaining_pct",
		                            "api_slo_burn_rate", "api_slo_burn_page_1h", "api_slo_burn_page_6h",
		                            "api_slo_burn_ticket_3d", "host_memory_used_pct", "host_disk_used_pct" };
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	size_t n0 = snap->nnot_collected, nmore = sizeof(more) / sizeof(more[0]), boxes = 0;
	kpi_not_collected *nc = realloc(snap->not_collected, (n0 + nmore) * sizeof(*nc));
	pdfcheck c;
	char *f, *cover, want[64];
	(void)state;
	assert_non_null(nc);
	snap->not_collected = nc;
	for (size_t i = 0; i < nmore; i++) {
		kpi_not_collected *n = &nc[snap->nnot_collected++];
		memset(n, 0, sizeof(*n));
		n->kpi = strdup(more[i]);
		n->title = strdup(more[i]);
		n->source = strdup(i < 6 ? "slo" : "cloudwatch");
		n->reason = strdup(i < 6 ? "SLO not configured" : "CloudWatch not configured");
		n->detail = strdup("set it");
	}
	render_checked(&c, snap, "many-not-collected.pdf");
	for (size_t i = 0; i < c.trace.nboxes; i++) {
		const kpi__rbox *b = &c.trace.boxes[i];
		if (b->page == 1 && strncmp(b->text, "12 KPIs.", 8) == 0) {
			boxes++;
			assert_false(b->ellipsized);
		}
	}
	assert_int_equal(boxes, 1);
	f = folded(c.text);
	cover = strndup(f, (size_t)(strchr(f, '\f') - f));
	assert_contains(cover, "12 KPIs. 2 of them are gating: the verdicts do not weigh them. CloudWatch not configured: "
	                       "api_error_rate_pct, api_latency_p95_ms");
	{ /* the count is of what is not shown: the names shown plus it make 12 */
		const char *m = strstr(cover, " more (see the scorecard)"), *p = m;
		size_t shown = 0, counted;
		assert_non_null(m);
		while (p > cover && p[-1] != ' ')
			p--;
		counted = strtoul(p, NULL, 10);
		for (size_t i = 0; i < snap->nnot_collected; i++) {
			char word[80];
			snprintf(word, sizeof(word), " %s%s", snap->not_collected[i].kpi, "");
			shown += strstr(cover, word) != NULL && strstr(cover, word) < m;
		}
		assert_true(counted > 0);
		assert_int_equal(shown + counted, 12);
		snprintf(want, sizeof(want), "… and %zu more (see the scorecard)", counted);
		assert_contains(cover, want);
	}
	assert_contains(strstr(f, "Scorecard — 2026-W46"), "host_disk_used_pct");
	free(cover);
	free(f);
	pdfcheck_release(&c);
	kpi_snapshot_free(snap);
}

/* A snapshot of format 1 (which did not record the KPIs a run left out)
 * renders, and its provenance says that it does not know. */
static void test_render__format_1_snapshot_says_not_collected_is_not_recorded(void **state)
{
	kpi_snapshot *snap = snapfix_read(KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_format1.json");
	pdfcheck c;
	char *t;
	(void)state;

	assert_int_equal(snap->format, 1);
	render_checked(&c, snap, "format1.pdf");
	t = folded(c.text);
	assert_contains(t, "Not collected not recorded (a snapshot of format 1 does not say which catalogue KPIs the "
	                   "run left out)");
	assert_contains(t, "format 1, collected by kpi");
	assert_not_contains(t, "CloudWatch not configured");
	free(t);
	pdfcheck_release(&c);
	kpi_snapshot_free(snap);
}

static void test_render__bookmarks_one_per_section_and_chart(void **state)
{
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	static const char *const want[] = { "Cover", "Scorecard", "Charts", "Drill-down", "Appendix" };
	kpi_buf pdf = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char cmd[1024], *out;
	json_t *root, *ol;
	json_error_t je;
	int st;
	(void)state;

	assert_int_equal(kpi_render_pdf(&pdf, snap, &err), 0);
	save(tmp_path("bookmarks.pdf"), &pdf);
	snprintf(cmd, sizeof(cmd), "qpdf --json=2 --json-key=outlines '%s'", tmp_path("bookmarks.pdf"));
	out = run(cmd, &st);
	assert_int_equal(st, 0);
	root = json_loads(out, 0, &je);
	assert_non_null(root);
	ol = json_object_get(root, "outlines");
	assert_int_equal(json_array_size(ol), 5);
	for (size_t i = 0; i < 5; i++) {
		json_t *o = json_array_get(ol, i);
		assert_string_equal(json_string_value(json_object_get(o, "title")), want[i]);
		assert_true(json_integer_value(json_object_get(o, "destpageposfrom1")) >= 1);
	}
	/* Charts holds one bookmark per KPI, on consecutive pages */
	{
		json_t *kids = json_object_get(json_array_get(ol, 2), "kids");
		assert_int_equal(json_array_size(kids), kpi_render_chart_count(snap));
		for (size_t i = 0; i < json_array_size(kids); i++) {
			json_t *k = json_array_get(kids, i);
			const kpi_def *def = kpi_catalog_find(snap->catalog, kpi_render_chart_name(snap, i));
			assert_string_equal(json_string_value(json_object_get(k, "title")), def->title);
			assert_int_equal(json_integer_value(json_object_get(k, "destpageposfrom1")), 3 + (int)i);
		}
		assert_int_equal(json_array_size(json_object_get(json_array_get(ol, 4), "kids")), 3);
	}
	json_decref(root);
	free(out);
	kpi_buf_release(&pdf);
	kpi_snapshot_free(snap);
}

static void test_render__nogo_cover_lists_every_reason_and_mismatches(void **state)
{
	kpi_snapshot *snap = snapfix_read(DEMO_W42);
	pdfcheck c;
	(void)state;

	render_checked(&c, snap, "demo-w42.pdf");
	assert_int_equal(page_of(c.text, "NO-GO"), 1);
	assert_contains(c.text, "2 measures that decide the rollout miss the target");
	assert_contains(c.text, "Reasons behind the verdict (2)");
	assert_int_equal(page_of(c.text, "98.84%"), 1);
	assert_int_equal(page_of(c.text, "export_success_rate"), 1);
	assert_int_equal(page_of(c.text, "routing_mismatch_critical"), 1);
	assert_contains(c.text, "path=owned");
	assert_contains(c.text, "≥ 99%");
	assert_contains(c.text, "BREACH");
	/* 35 mismatches, all listed, continued on the next page with the header again */
	assert_contains(c.text, "35 critical mismatches in the week, newest first.");
	assert_contains(c.text, "Critical routing mismatches (continued)");
	assert_contains(c.text, "vintage-poster");
	assert_contains(c.text, "legacy → owned");
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

/* ---- edge cases on built snapshots ---- */

static const char *const one_label[] = { "svc-a" };

/* A snapshot of the edge catalogue over `n` weeks ending 2026-W46. */
static kpi_snapshot *edge(int n)
{
	return snapfix_new(EDGE_CATALOG, "2026-W46", n, "UTC", utc(2026, 11, 16, 0, 0, 0));
}

static void test_render__missing_weeks_all_no_data_and_one_week(void **state)
{
	kpi_snapshot *snap = edge(12);
	pdfcheck c;
	char *t;
	(void)state;

	/* rows only in some weeks: the others are gaps, never zeros */
	for (int w = 0; w < 12; w++) {
		const char *lb[] = { "checkout", "/pay" };
		if (w % 3 != 1)
			snapfix_row(snap, "api_error_rate_pct", w, lb, true, 0.2 + 0.05 * w);
		snapfix_row(snap, "empty_kpi", w, NULL, false, 0);
	}
	snapfix_series(snap, "huge_count");
	snapfix_finish(snap);
	render_checked(&c, snap, "missing.pdf");
	t = folded(c.text);
	assert_contains(t, "No data for this KPI in 2026-W35 – 2026-W46");
	assert_contains(t, "Every week of the window is no_data for empty_kpi");
	/* a KPI collected without a single row says so on its chart; one not
	 * collected at all has no chart, and the scorecard says so */
	assert_contains(t, "The snapshot holds no row of huge_count in this window");
	assert_not_contains(t, "no row of tiny_ratio_pct");
	assert_contains(t, "not collected in this snapshot");
	assert_contains(t, "gap: no data that week");
	free(t);
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);

	/* a one-week history */
	snap = edge(1);
	snapfix_row(snap, "api_latency_p95_ms", 0, one_label, true, 420);
	snapfix_row(snap, "drill_like_pct", 0, NULL, true, 100);
	snapfix_finish(snap);
	render_checked(&c, snap, "one-week.pdf");
	assert_contains(c.text, "1 ISO week, 2026-W46 – 2026-W46");
	assert_contains(c.text, "420 ms");
	assert_contains(c.text, "compared with no earlier week");
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

static void test_render__huge_tiny_and_negative_values(void **state)
{
	kpi_snapshot *snap = edge(12);
	static const char *const a[] = { "a" }, *const b[] = { "b" };
	pdfcheck c;
	char *t;
	(void)state;

	for (int w = 0; w < 12; w++) {
		snapfix_row(snap, "huge_count", w, a, true, 1e12 + 2.5e10 * w);
		snapfix_row(snap, "huge_count", w, b, true, 3e12 - 1e11 * w); /* falling: negative deltas */
		snapfix_row(snap, "tiny_ratio_pct", w, NULL, true, 1e-6 * (1 + 0.1 * w));
		snapfix_row(snap, "api_latency_p95_ms", w, one_label, true, 900 - 40.0 * w);
	}
	snapfix_finish(snap);
	render_checked(&c, snap, "magnitudes.pdf");
	t = c.text;
	assert_contains(t, "1.27 tn");          /* 1e12 + 11 * 2.5e10 */
	assert_contains(t, "1.90 tn");          /* 3e12 - 11e11 */
	assert_contains(t, "2.10 × 10⁻⁶%");     /* 1e-6 * 2.1 */
	assert_contains(t, "↓ −100 bn");
	assert_contains(t, "↓ −40 ms");
	assert_contains(t, "≤ 2 tn");
	/* axes: k/M/bn/tn suffixes and a power of ten, never 13 digits */
	assert_contains(t, "×10⁻⁶");
	assert_not_contains(t, "1000000000000");
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

/* The largest, the smallest normal and the smallest subnormal double, of
 * both signs, mixed in one snapshot over the whole catalogue (stacked bars,
 * bars, lines, small multiples, seconds shown as days): every chart keeps an
 * axis with numbers and its scale, every value is printed as a number (never
 * "inf" or "nan"), the cover and the scorecard name them, and the changes
 * between them, beyond the largest double, are printed too. Run under
 * ASan + UBSan by scripts/test. */
static void test_render__extreme_doubles_stay_legible(void **state)
{
	static const double X[] = { DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN, SUBNORMAL_MIN, -SUBNORMAL_MIN, 0, 1 };
	/* (api_error_rate_pct mixes them all, of both signs) */
	kpi_snapshot *snap = snapfix_new(CATALOG, "2026-W46", 12, "UTC", utc(2026, 11, 16, 0, 0, 0));
	const char *legacy[] = { "legacy" }, *owned[] = { "owned" }, *preview[] = { "preview" }, *exp[] = { "export" };
	static const char *const lbs[] = { "lb-a", "lb-b", "lb-c" };
	pdfcheck c;
	char *t;
	(void)state;

	for (int w = 0; w < 12; w++) {
		const double x = X[w % 8], y = X[(w + 3) % 8];
		/* stacked: two of the largest doubles on each other */
		snapfix_row(snap, "adoption_split", w, legacy, true, DBL_MAX);
		snapfix_row(snap, "adoption_split", w, owned, true, w % 2 ? DBL_MAX : 50);
		/* lines: the span between -DBL_MAX and DBL_MAX overflows */
		snapfix_row(snap, "export_success_rate", w, legacy, true, w % 2 ? DBL_MAX : -DBL_MAX);
		snapfix_row(snap, "export_success_rate", w, owned, true, 99.5);
		/* small multiples, seconds: one line of the largest double */
		for (int k = 0; k < 2; k++)
			for (int pth = 0; pth < 2; pth++)
				for (int st = 0; st < 3; st++) {
					static const char *const kinds[] = { "preview", "export" }, *const paths[] = { "legacy", "owned" },
					                         *const stats[] = { "p50", "p95", "p99" };
					const char *lb[] = { kinds[k], paths[pth], stats[st] };
					snapfix_row(snap, "job_latency_seconds", w, lb, true,
					            k == 1 && pth == 1 && st == 2 ? DBL_MAX : 3.0 * (st + 1));
				}
		/* all equal: the largest negative double (span 0), and the smallest normal */
		snapfix_row(snap, "queue_backlog", w, preview, true, -DBL_MAX);
		snapfix_row(snap, "queue_backlog", w, exp, true, DBL_MIN);
		/* the smallest normal and subnormal doubles, and zero */
		snapfix_row(snap, "queue_oldest_age_seconds", w, preview, true, DBL_MIN);
		snapfix_row(snap, "queue_oldest_age_seconds", w, exp, true, w % 2 ? SUBNORMAL_MIN : 0);
		/* tiny values of both signs around a 95% target */
		snapfix_row(snap, "legacy_coverage_pct", w, NULL, true, w % 2 ? DBL_MIN : -DBL_MIN);
		snapfix_row(snap, "uncached_legacy_max_age_days", w, NULL, true, w == 11 ? DBL_MAX : 2.5);
		snapfix_row(snap, "outage_drill_success_pct", w, NULL, true, w % 3 ? 100 : -DBL_MAX);
		snapfix_row(snap, "routing_mismatch_critical", w, NULL, true, w % 2 ? DBL_MAX : 0);
		{
			static const char *const layers[] = { "environment", "tenant", "style", "user", "default" };
			for (int l = 0; l < 5; l++) { /* all equal: the smallest subnormal (10% of it is 0) */
				const char *lb[] = { layers[l] };
				snapfix_row(snap, "routing_mismatch_rate", w, lb, true, SUBNORMAL_MIN);
			}
		}
		for (int l = 0; l < 3; l++) {
			const char *lb[] = { lbs[l] };
			snapfix_row(snap, "api_error_rate_pct", w, lb, true, l == 0 ? x : l == 1 ? y : SUBNORMAL_MIN);
			snapfix_row(snap, "api_latency_p95_ms", w, lb, true, l == 0 ? 1e308 : 1);
			snapfix_row(snap, "sqs_queue_depth", w, lb, true, DBL_MAX);
			snapfix_row(snap, "sqs_oldest_message_age_seconds", w, lb, true, l == 2 ? DBL_MAX : SUBNORMAL_MIN);
		}
	}
	snapfix_finish(snap);
	render_checked(&c, snap, "extremes.pdf");
	t = folded(c.text);
	assert_contains(t, "1.80 × 10³⁰⁸");
	assert_contains(t, "−1.80 × 10³⁰⁸");
	assert_contains(t, "2.23 × 10⁻³⁰⁸");
	assert_contains(t, "4.94 × 10⁻³²⁴");
	assert_contains(t, "2.08 × 10³⁰³ d");      /* DBL_MAX seconds */
	assert_contains(t, "+3.60 × 10³⁰⁸ pp");    /* -DBL_MAX to DBL_MAX, beyond the largest double */
	assert_contains(t, "×10³⁰⁸");              /* axis scales */
	assert_contains(t, "×10⁻³⁰⁸");
	assert_contains(t, "×10⁻³²⁴");
	/* printf's words for what is not a number, as words */
	for (const char *p = t; *p; p++)
		if ((p == t || !isalpha((unsigned char)p[-1])) &&
		    (strncasecmp(p, "inf", 3) == 0 || strncasecmp(p, "nan", 3) == 0) && !isalpha((unsigned char)p[3])) {
			print_error("'%.20s' in the text\n", p);
			fail();
		}
	assert_not_contains(t, "No data for this KPI"); /* every KPI has values, so every chart has an axis */
	free(t);
	/* every chart page has an axis with numbers: tick labels in its trace */
	for (int pg = 1; pg <= c.pages; pg++) {
		size_t numbers = 0, boxes = 0;
		for (size_t i = 0; i < c.trace.nboxes; i++) {
			const kpi__rbox *b = &c.trace.boxes[i];
			if (b->page != pg)
				continue;
			boxes++;
			numbers += (b->text[0] >= '0' && b->text[0] <= '9') || strncmp(b->text, "−", 3) == 0;
		}
		if (pg >= c.trace.section_page[2] && pg < c.trace.section_page[3] && numbers < 4) {
			print_error("chart page %d: %zu of %zu texts are numbers\n", pg, numbers, boxes);
			fail();
		}
	}
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

static void test_render__long_titles_and_labels_are_ellipsized(void **state)
{
	kpi_snapshot *snap = edge(12);
	const char *lb[] = { "tenant-with-an-extraordinarily-long-identifier-that-no-column-can-hold-0123456789-"
		             "and-then-some-more-characters-for-good-measure" };
	const char *lb2[] = { "short" };
	pdfcheck c;
	char *t;
	(void)state;

	for (int w = 0; w < 12; w++) {
		snapfix_row(snap, "long_title_kpi", w, lb, true, 20 + w);
		snapfix_row(snap, "long_title_kpi", w, lb2, true, 25 + w);
	}
	snapfix_change(snap, snap->result->window.starts[5] + 3600, "tenant",
	               "a-tenant-key-that-is-much-too-long-for-the-legend-column-of-a-chart", "legacy", "owned",
	               "someone");
	/* data is not always clean: invalid UTF-8 and control characters set as one line */
	snapfix_change(snap, snap->result->window.starts[6] + 7200, "user", "bad\xff\xfeutf8\nand a newline",
	               NULL, "owned", "tab\there");
	snapfix_finish(snap);
	render_checked(&c, snap, "long.pdf");
	t = c.text;
	/* (the PDF keeps the whole text behind an ellipsis, so pdftotext shows it:
	 * what was set is in the trace) */
	assert_contains(t, "A very long KPI title");
	assert_contains(t, "tenant_with_a_rather_long_label_name=tenant-with-an");
	{
		size_t titles = 0, labels = 0, wrapped = 0, legend_whole = 0;
		for (size_t i = 0; i < c.trace.nboxes; i++) {
			const kpi__rbox *b = &c.trace.boxes[i];
			if (strncmp(b->text, "A very long KPI title", 21) == 0) {
				titles++;
				wrapped += !b->ellipsized; /* the appendix wraps it whole */
				if (b->page == 2) {       /* the scorecard: two lines, then an ellipsis */
					assert_true(b->ellipsized);
					assert_true(b->x + b->w <= c.trace.page_w / 2);
				}
			}
			if (strstr(b->text, "tenant-with-an-extraordinarily")) {
				labels++;
				if (b->page == 2) /* the scorecard cuts it */
					assert_true(b->ellipsized);
				else /* a chart's legend wraps it whole */
					legend_whole += !b->ellipsized;
			}
		}
		assert_true(titles >= 3); /* scorecard, chart, appendix */
		assert_true(wrapped >= 1);
		assert_true(labels >= 2); /* scorecard, chart legend */
		assert_true(legend_whole >= 1);
	}
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

/* Many rollout changes with long keys and values: every legend entry of a
 * chart (PDF pages and PNGs) is set whole, wrapped by word into the lines it
 * needs, never ellipsized ("removed (w..."); the legend grows down its own
 * column (check_trace: no overlap, nothing leaves the page), and what does
 * not fit is counted ("+N more: see the appendix"), never cut. */
static void test_render__long_legend_entries_wrap_whole(void **state)
{
	kpi_snapshot *snap = edge(12);
	const size_t nchanges = 9;
	pdfcheck c;
	(void)state;

	for (int w = 0; w < 12; w++)
		snapfix_row(snap, "api_latency_p95_ms", w, one_label, true, 380 + 10 * w);
	for (size_t k = 0; k < nchanges; k++) {
		char key[96], val[96];
		snprintf(key, sizeof(key), "checkout.payment-routing-%zu", k);
		snprintf(val, sizeof(val), "owned-renderer-with-the-new-cache-layer-and-fallback %zu", k);
		snapfix_change(snap, snap->result->window.starts[2 + k] + 3600, "tenant", key,
		               k % 3 == 0 ? NULL : "legacy-renderer-of-the-previous-quarter", k % 3 == 1 ? NULL : val,
		               "someone");
	}
	snapfix_finish(snap);
	render_checked(&c, snap, "long-legend.pdf");
	{
		size_t whole = 0, more = 0, removed = 0;
		for (size_t i = 0; i < c.trace.nboxes; i++) {
			const kpi__rbox *b = &c.trace.boxes[i];
			if (strstr(b->text, "checkout.payment-routing") && b->x > c.trace.page_w / 2) {
				/* a chart's legend column (the appendix lists them full width) */
				if (b->ellipsized) {
					print_error("page %d: the legend entry '%s' is ellipsized\n", b->page, b->text);
					fail();
				}
				assert_true(b->h > 12); /* wrapped onto more than one line */
				whole++;
				removed += strstr(b->text, ": removed (was") != NULL; /* the start of the text */
			}
			if (strncmp(b->text, "+", 1) == 0 && strstr(b->text, "more: see the appendix"))
				more++;
		}
		assert_true(whole >= 3);
		assert_true(removed >= 1);
		(void)more; /* the count, when the column is full, is checked on the PNG below */
	}
	pdfcheck_release(&c);
	for (size_t i = 0; i < kpi_render_chart_count(snap); i++) {
		kpi_buf png = KPI_BUF_INIT;
		kpi_error err = KPI_ERROR_INIT;
		kpi__rtrace trace;
		size_t whole = 0, more = 0;
		memset(&trace, 0, sizeof(trace));
		assert_int_equal(kpi__render_chart_png_traced(&png, snap, i, &trace, &err), 0);
		check_trace(&trace, kpi_render_chart_name(snap, i));
		for (size_t k = 0; k < trace.nboxes; k++) {
			const kpi__rbox *b = &trace.boxes[k];
			if (strstr(b->text, "checkout.payment-routing")) {
				assert_false(b->ellipsized);
				whole++;
			}
			if (strstr(b->text, "more: see the appendix")) {
				unsigned long n = strtoul(b->text + 1, NULL, 10);
				more += n;
			}
		}
		/* every change in the window is listed whole or counted */
		if (whole)
			assert_int_equal(whole + more, nchanges);
		kpi__rtrace_release(&trace);
		kpi_buf_release(&png);
	}
	kpi_snapshot_free(snap);
}

/* Values off a capped axis in neighbouring weeks of several series, on
 * lines, a threshold and bars, next to rollout change lines: every one is
 * labelled (the check of every render: no line crosses a label, no label
 * overlaps a text), in the PDF and in the PNGs. */
static void test_render__offscale_labels_stay_clear_of_lines(void **state)
{
	kpi_snapshot *snap = edge(12);
	static const char *const queues[] = { "q-a", "q-b", "q-c", "q-d" };
	const char *svc[] = { "svc-a" };
	size_t want = 0;
	pdfcheck c;
	(void)state;

	for (int w = 0; w < 12; w++) {
		for (int q = 0; q < 4; q++) {
			const char *lb[] = { queues[q] };
			/* spikes of hours among seconds (fewer than a tenth of the
			 * values, so the axis is capped): two in one week, one in the
			 * next, one in the first week */
			bool spike = (w == 4 && q < 2) || (w == 5 && q == 2) || (w == 0 && q == 3);
			snapfix_row(snap, "sqs_oldest_message_age_seconds", w, lb, true,
			            spike ? 3600.0 * (2 + q + w) : 20 + 7 * q + (w % 3));
			want += spike;
			lb[0] = queues[q];
			snapfix_row(snap, "sqs_queue_depth", w, lb, true, q == 0 && w == 6 ? 90000 : 40 + q + w);
		}
		snapfix_row(snap, "api_latency_p95_ms", w, svc, true, w == 4 || w == 5 ? 60000 : 380 + 10 * w);
	}
	want += 1 + 2; /* one bar, two latency weeks */
	for (int k = 0; k < 4; k++)
		snapfix_change(snap, snap->result->window.starts[3 + k] + 43200, "tenant", "t", "legacy", "owned", "ops");
	snapfix_finish(snap);
	render_checked(&c, snap, "offscale.pdf");
	{
		size_t labels = 0, hours9 = 0, min1 = 0;
		for (size_t i = 0; i < c.trace.nboxes; i++) {
			const kpi__rbox *b = &c.trace.boxes[i];
			labels += b->in_plot;
			hours9 += b->in_plot && strcmp(b->text, "9 h") == 0; /* 3600 * (2 + 2 + 5) s: q-c, week 5 */
			min1 += b->in_plot && strcmp(b->text, "60 s") == 0; /* 60,000 ms, twice */
		}
		if (labels != want) {
			print_error("%zu of %zu values off the axis are labelled\n", labels, want);
			fail();
		}
		assert_int_equal(hours9, 1);
		assert_int_equal(min1, 2);
	}
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

static void test_render__many_reasons_paginate_with_header(void **state)
{
	kpi_snapshot *snap = edge(4);
	pdfcheck c;
	char *t;
	(void)state;

	/* 60 endpoints in breach: 60 reasons */
	for (int e = 0; e < 60; e++) {
		char ep[32];
		const char *lb[] = { "checkout", ep };
		snprintf(ep, sizeof(ep), "/endpoint/%02d", e);
		for (int w = 0; w < 4; w++)
			snapfix_row(snap, "api_error_rate_pct", w, lb, true, 1.5 + 0.01 * e);
	}
	snapfix_finish(snap);
	assert_int_equal(snap->verdicts[3].nreasons, 60);
	render_checked(&c, snap, "reasons.pdf");
	t = c.text;
	assert_contains(t, "Reasons behind the verdict (60)");
	assert_contains(t, "Reasons behind the verdict (continued)");
	assert_true(page_of(t, "Reasons behind the verdict (continued)") == 2);
	for (int e = 0; e < 60; e++) {
		char ep[64];
		snprintf(ep, sizeof(ep), "endpoint=/endpoint/%02d", e);
		assert_contains(t, ep);
	}
	assert_contains(t, "60 measures that decide the rollout miss the target");
	/* the scorecard follows the cover's pages, and its header repeats on each page */
	assert_true(page_of(t, "Scorecard — 2026-W46") >= 3);
	assert_contains(t, "Scorecard — 2026-W46 (continued)");
	/* the chart draws the largest label sets and says how many it left out */
	t = folded(c.text);
	assert_contains(t, "more label sets not drawn");
	free(t);
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

/* A KPI with 600 label sets (the open load_balancer label): the chart
 * draws KPI__CHART_MAX_LINES of them and says how many of how many, the
 * scorecard pages its 600 rows with its header on each page, and every
 * text stays inside its page (render_checked()). Timing is a benchmark
 * figure (docs/performance.md), not a test. */
static void test_render__many_label_sets_page_and_group(void **state)
{
	kpi_snapshot *snap = snapfix_synthetic_wide(CATALOG, 4, 600, "api_error_rate_pct");
	const kpi_series *s = NULL;
	pdfcheck c;
	char *t, *scorecard_pages;
	size_t i;
	(void)state;

	for (i = 0; i < kpi_render_chart_count(snap); i++)
		if (strcmp(kpi__chart_def(snap, i, &s)->id, "api_error_rate_pct") == 0)
			break;
	assert_true(i < kpi_render_chart_count(snap));
	{
		kpi__chart ch;
		assert_int_equal(kpi__chart_build(&ch, s->def, s, &snap->result->window), 0);
		assert_int_equal(ch.nser, 600);
		assert_int_equal(ch.npan, 1);
		assert_int_equal(ch.pan[0].nser, KPI__CHART_MAX_LINES);
		assert_int_equal(ch.hidden_series, 600 - KPI__CHART_MAX_LINES);
		kpi__chart_release(&ch);
	}
	render_checked(&c, snap, "many-label-sets.pdf");
	t = folded(c.text);
	assert_contains(t, "592 more label sets not drawn: 8 of 600 drawn, the worst for the target; every row is in "
	                   "the scorecard, the workbook and the CSV");
	assert_contains(t, "load_balancer=q00000");
	assert_contains(t, "load_balancer=q00599");
	/* 600 scorecard rows run over several pages, each with the header */
	scorecard_pages = strstr(t, "Scorecard — 2026-W46 (continued)");
	assert_non_null(scorecard_pages);
	assert_true(c.pages > 10);
	free(t);
	pdfcheck_release(&c);
	check_png(snap, i);
	kpi_snapshot_free(snap);
}

static void test_render__every_status_partial_and_incomplete(void **state)
{
	/* the week in progress, in Europe/Berlin */
	int64_t now = utc(2026, 11, 18, 9, 30, 0);
	kpi_snapshot *snap = snapfix_new(EDGE_CATALOG, "current", 8, "Europe/Berlin", now);
	const char *lb[] = { "svc-a" }, *lb2[] = { "svc-b" }, *lb3[] = { "svc-c" };
	pdfcheck c;
	char *t;
	kpi_row *r;
	(void)state;

	for (int w = 0; w < 8; w++) {
		snapfix_row(snap, "api_latency_p95_ms", w, lb, true, 300);        /* ok */
		snapfix_row(snap, "api_latency_p95_ms", w, lb2, true, 650 + w);   /* breach */
		r = snapfix_row(snap, "api_latency_p95_ms", w, lb3, true, 120);   /* incomplete: no_data */
		r->incomplete = w == 7;
		r = snapfix_row(snap, "drill_like_pct", w, NULL, w % 2 == 0, 90); /* breach or no data */
		r->applicable = w > 1 && w < 7;                                   /* not applicable */
	}
	/* a warning margin of 50 ms below the 500 ms target: 480 ms warns */
	snap->catalog->kpis[1].threshold.warn_margin = 50;
	snapfix_row(snap, "api_latency_p95_ms", 7, (const char *[]){ "svc-d" }, true, 480);
	snapfix_finish(snap);
	assert_true(snap->result->window.partial);
	render_checked(&c, snap, "statuses.pdf");
	t = c.text;
	assert_contains(t, "OK");
	assert_contains(t, "WARN");
	assert_contains(t, "BREACH");
	assert_contains(t, "NO DATA");
	assert_contains(t, "N/A");
	assert_contains(t, "partial week");
	assert_contains(t, "CET");
	assert_contains(t, "†");
	assert_contains(t, "incomplete: source gaps");
	assert_contains(t, "120 ms (incomplete)");
	assert_contains(t, "W47*");
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

static void test_render__fifty_two_weeks(void **state)
{
	kpi_snapshot *snap = snapfix_synthetic(CATALOG, 52);
	pdfcheck c;
	(void)state;

	render_checked(&c, snap, "weeks52.pdf");
	assert_contains(c.text, "52 ISO weeks 2025-W47 – 2026-W46");
	assert_contains(c.text, "the 25 oldest of 132 uncovered designs");
	assert_contains(c.text, "74 critical mismatches in the week; the 50 newest are listed.");
	assert_contains(c.text, "… and 24 more critical mismatches not listed.");
	/* the year boundary is labelled on the charts */
	assert_contains(c.text, "2026");
	assert_contains(c.text, "2025");
	pdfcheck_release(&c);
	check_all_pngs(snap);
	kpi_snapshot_free(snap);
}

/* The synthetic snapshots of the tests and benchmarks are ones a
 * collection could have written: snapshot.json takes them and gives them
 * back (its parser checks the drill-down lists against their KPIs). */
static void test_render__synthetic_snapshots_parse_as_snapshot_json(void **state)
{
	static const int weeks[] = { 1, 2, 12, 52 };
	(void)state;
	for (size_t k = 0; k < sizeof(weeks) / sizeof(weeks[0]); k++) {
		kpi_snapshot *snap = snapfix_synthetic(CATALOG, weeks[k]), *back = NULL;
		kpi_buf json = KPI_BUF_INIT;
		kpi_error err = KPI_ERROR_INIT;
		assert_int_equal(kpi_snapshot_write(&json, snap, &err), 0);
		if (kpi_snapshot_parse(&back, "synthetic.json", json.data, json.len, &err) != 0) {
			print_error("%d weeks: %s\n", weeks[k], err.message);
			fail();
		}
		assert_int_equal(back->uncovered_total, 132);
		assert_int_equal(back->mismatches_total, 74);
		kpi_snapshot_free(back);
		kpi_buf_release(&json);
		kpi_snapshot_free(snap);
	}
}

/* ---- API contract ---- */

static void test_render__api_bad_input(void **state)
{
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	kpi_buf out = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi_verdict *v;
	(void)state;

	assert_int_equal(kpi_render_chart_count(NULL), 0);
	assert_int_equal(kpi_render_chart_count(snap), 10);
	assert_string_equal(kpi_render_chart_name(snap, 0), "adoption_split");
	assert_string_equal(kpi_render_chart_name(snap, 9), "routing_mismatch_rate");
	assert_null(kpi_render_chart_name(snap, 10));
	assert_int_equal(kpi_render_chart_png(&out, snap, 10, &err), KPI_EUSAGE);
	assert_contains(err.message, "chart 10 out of range");
	assert_int_equal(kpi_render_pdf(&out, NULL, &err), KPI_EDATA);
	assert_contains(err.message, "no result");
	v = snap->verdicts;
	snap->verdicts = NULL;
	assert_int_equal(kpi_render_pdf(&out, snap, &err), KPI_EDATA);
	assert_contains(err.message, "no verdicts");
	assert_int_equal(kpi_render_chart_png(&out, snap, 0, &err), KPI_EDATA);
	snap->verdicts = v;
	assert_int_equal(out.len, 0);
	kpi_buf_release(&out);
	kpi_snapshot_free(snap);
}

/* The pack's way to the PNGs: drawn, then encoded in the background while
 * the caller renders the PDF; the same bytes as one chart at a time. */
static void test_render__charts_encoded_in_the_background_are_the_same_bytes(void **state)
{
	kpi_snapshot *snap = snapfix_synthetic(CATALOG, 12);
	kpi_render_charts *job = NULL;
	kpi_error err = KPI_ERROR_INIT;
	size_t n = kpi_render_chart_count(snap);
	kpi_buf *pngs = calloc(n, sizeof(*pngs)), pdf = KPI_BUF_INIT;
	kpi_verdict *v;
	(void)state;

	assert_non_null(pngs);
	assert_int_equal(n, 22); /* a chart per KPI of the shipped catalogue */
	assert_int_equal(kpi_render_charts_start(&job, snap, &err), 0);
	assert_int_equal(kpi_render_pdf(&pdf, snap, &err), 0); /* meanwhile, as the pack does */
	assert_int_equal(kpi_render_charts_finish(job, pngs, &err), 0);
	kpi_render_charts_free(job);
	for (size_t i = 0; i < n; i++) {
		kpi_buf one = KPI_BUF_INIT;
		assert_int_equal(kpi_render_chart_png(&one, snap, i, &err), 0);
		assert_int_equal(pngs[i].len, one.len);
		assert_memory_equal(pngs[i].data, one.data, one.len);
		kpi_buf_release(&one);
		kpi_buf_release(&pngs[i]);
	}
	/* stopped before the end: the encoders are joined, nothing leaks */
	assert_int_equal(kpi_render_charts_start(&job, snap, &err), 0);
	kpi_render_charts_free(job);
	kpi_render_charts_free(NULL);
	/* a snapshot a pack cannot be made of: an error, no job */
	v = snap->verdicts;
	snap->verdicts = NULL;
	job = (kpi_render_charts *)&err; /* overwritten */
	assert_int_equal(kpi_render_charts_start(&job, snap, &err), KPI_EDATA);
	assert_null(job);
	assert_contains(err.message, "no verdicts");
	snap->verdicts = v;
	kpi_buf_release(&pdf);
	free(pngs);
	kpi_snapshot_free(snap);
}

/* ---- golden files (Debian 12 only) ---- */

static bool debian12(void)
{
	char *os = slurp("/etc/os-release");
	bool yes = os && strstr(os, "ID=debian") && strstr(os, "VERSION_ID=\"12\"") &&
	           strcmp(cairo_version_string(), "1.16.0") == 0 && strcmp(pango_version_string(), "1.50.12") == 0;
	free(os);
	return yes;
}

static void test_render__golden_sha256_of_the_demo_pack(void **state)
{
	kpi_snapshot *snap;
	kpi_buf out = KPI_BUF_INIT, list = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	const char *golden = RENDER_FIXTURES "/golden.sha256";
	bool update = getenv("KPI_UPDATE_GOLDEN") != NULL;
	char hex[65], *want;
	(void)state;

	/* the platform first: other cairo/pango/freetype/fonts set other bytes,
	 * so there the hashes are neither compared nor rewritten */
	if (!debian12()) {
		if (update)
			fail_msg("KPI_UPDATE_GOLDEN: refusing to rewrite %s: the golden bytes are those of Debian 12 with "
			         "cairo 1.16.0 and pango 1.50.12, this is cairo %s and pango %s (or not Debian 12)",
			         golden, cairo_version_string(), pango_version_string());
		skip();
	}
	snap = snapfix_read(DEMO_W46);
	assert_int_equal(kpi_render_pdf(&out, snap, &err), 0);
	kpi_sha256_hex(hex, out.data, out.len);
	assert_int_equal(kpi_buf_printf(&list, "%s  pack.pdf\n", hex), 0);
	kpi_buf_release(&out);
	for (size_t i = 0; i < kpi_render_chart_count(snap); i++) {
		out.len = 0;
		assert_int_equal(kpi_render_chart_png(&out, snap, i, &err), 0);
		kpi_sha256_hex(hex, out.data, out.len);
		assert_int_equal(kpi_buf_printf(&list, "%s  %s.png\n", hex, kpi_render_chart_name(snap, i)), 0);
	}
	kpi_buf_release(&out);
	if (update) {
		FILE *f = fopen(golden, "w");
		assert_non_null(f);
		fputs(list.data, f);
		assert_int_equal(fclose(f), 0);
	}
	want = slurp(golden);
	assert_non_null(want);
	if (strcmp(want, list.data) != 0) {
		print_error("golden files differ (KPI_UPDATE_GOLDEN=1 rewrites %s):\nwant\n%sgot\n%s", golden, want, list.data);
		free(want);
		fail();
	}
	free(want);
	kpi_buf_release(&list);
	kpi_snapshot_free(snap);
}

/* ---- formatting ---- */

static void test_render__numbers_for_people(void **state)
{
	char b[96];
	kpi_threshold eq100 = { KPI_OP_EQ, 100, 0 }, ge99 = { KPI_OP_GE, 99, 0 };
	(void)state;

	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.7812, "%", KPI__NUM_PEOPLE, NULL), "99.78%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 44.91, "s", KPI__NUM_PEOPLE, NULL), "44.91 s");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 63, "count", KPI__NUM_PEOPLE, NULL), "63");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 1e12, "count", KPI__NUM_PEOPLE, NULL), "1 tn");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 1.27e12, "count", KPI__NUM_PEOPLE, NULL), "1.27 tn");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 2.5e9, "", KPI__NUM_PEOPLE, NULL), "2.50 bn");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 1e-6, "%", KPI__NUM_PEOPLE, NULL), "1.00 × 10⁻⁶%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 0.658, "d", KPI__NUM_PEOPLE, NULL), "0.658 d");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, -1234.5, "s", KPI__NUM_PEOPLE, NULL), "−20.57 min");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), false, 0, "%", KPI__NUM_PEOPLE, NULL), "no data");
	/* never rounded onto or across the target */
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 99.996, "%", KPI__NUM_PEOPLE, &eq100), "99.996%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 98.995, "%", KPI__NUM_PEOPLE, &ge99), "98.995%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 100, "%", KPI__NUM_PEOPLE, &eq100), "100%");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 0.5, 0.5 - 0.0434, "%"), "−0.043 pp");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 25.56, 30.44, "%"), "+4.88 pp");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 12, 12, "s"), "±0");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &ge99, "%", KPI__TH_PACK), "≥ 99%");
	/* every finite double, however large or small */
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, DBL_MAX, "count", KPI__NUM_PEOPLE, NULL), "1.80 × 10³⁰⁸");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, -DBL_MAX, "ms", KPI__NUM_PEOPLE, NULL), "−2.08 × 10³⁰⁰ d");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, DBL_MIN, "", KPI__NUM_PEOPLE, NULL), "2.23 × 10⁻³⁰⁸");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, SUBNORMAL_MIN, "%", KPI__NUM_PEOPLE, NULL), "4.94 × 10⁻³²⁴%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, -SUBNORMAL_MIN, "%", KPI__NUM_PEOPLE, NULL), "−4.94 × 10⁻³²⁴%");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 9.9999e20, "", KPI__NUM_PEOPLE, NULL), "1.00 × 10²¹");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), -DBL_MAX, DBL_MAX, "count"), "+3.60 × 10³⁰⁸");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), DBL_MAX, -DBL_MAX, "ms"), "−4.16 × 10³⁰⁰ d");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), DBL_MAX, -DBL_MAX, "count"), "−3.60 × 10³⁰⁸");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 0, SUBNORMAL_MIN, "%"), "+4.94 × 10⁻³²⁴ pp");
	assert_string_equal(kpi__fmt_week_dates(b, sizeof(b), utc(2026, 12, 28, 0, 0, 0), utc(2027, 1, 4, 0, 0, 0), "UTC"),
	                    "Mon 28 Dec 2026 – Sun 3 Jan 2027");
}

/* Durations read in the unit their size suits, by one ladder (seconds
 * below 2 min, minutes below 2 h, hours below 2 d, then days;
 * milliseconds below 10 s): values, thresholds, week-over-week changes and
 * axes alike, never "1.41 M s". */
static void test_render__durations_in_minutes_hours_days(void **state)
{
	static const struct { double v; const char *unit, *want; } values[] = {
		{ 119, "s", "119 s" },                { 120, "s", "2 min" },
		{ 169.82, "s", "2.83 min" },          { 1122.29, "s", "18.7 min" },
		{ 7199, "s", "119.98 min" },          { 7200, "s", "2 h" },
		{ 24012, "s", "6.67 h" },             { 203011.79, "s", "2.35 d" },
		{ 1.41e6, "s", "16.32 d" },           { 86400 * 2.5e6, "s", "2.50 M d" },
		{ 420, "ms", "420 ms" },              { 9999, "ms", "9,999 ms" },
		{ 12500, "ms", "12.5 s" },            { 1.41e6, "ms", "23.5 min" },
		{ 0.4, "s", "0.4 s" },                { 0, "s", "0 s" },
		{ 0.658, "d", "0.658 d" },            { 1.41e6, "count", "1.41 M" },
	};
	kpi_threshold le2h = { KPI_OP_LE, 7200, 0 }, le500 = { KPI_OP_LE, 500, 0 }, le1 = { KPI_OP_LE, 86400, 0 };
	const char *shown, *words;
	char b[96];
	(void)state;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		kpi__fmt_value(b, sizeof(b), true, values[i].v, values[i].unit, KPI__NUM_PEOPLE, NULL);
		if (strcmp(b, values[i].want) != 0) {
			print_error("%g %s reads '%s', expected '%s'\n", values[i].v, values[i].unit, b, values[i].want);
			fail();
		}
		assert_null(strstr(b, " M s"));
	}
	/* thresholds, and values never rounded onto or across them in the unit shown */
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &le2h, "s", KPI__TH_PACK), "≤ 2 h");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &le1, "s", KPI__TH_PACK), "≤ 24 h");
	assert_string_equal(kpi__threshold_format(b, sizeof(b), &le500, "ms", KPI__TH_PACK), "≤ 500 ms");
	assert_string_equal(kpi__fmt_value(b, sizeof(b), true, 7200.3, "s", KPI__NUM_PEOPLE, &le2h), "2.0001 h");
	/* changes: in the unit of their own size */
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 473, 203011.79, "s"), "+2.34 d");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 160.6, 169.8, "s"), "+9.2 s");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 1.41e6, 0, "s"), "−16.32 d");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 900, 860, "ms"), "−40 ms");
	assert_string_equal(kpi__fmt_delta(b, sizeof(b), 0, 3 * 3600, "s"), "+3 h");
	/* axes: one unit for the panel, in words */
	assert_true(kpi__time_unit("s", 1.41e6, &shown, &words) == 86400);
	assert_string_equal(shown, "d");
	assert_string_equal(words, "days");
	assert_true(kpi__time_unit("s", 1800, &shown, &words) == 60);
	assert_string_equal(words, "minutes");
	assert_true(kpi__time_unit("s", 90, &shown, &words) == 1);
	assert_string_equal(words, "seconds");
	assert_true(kpi__time_unit("ms", 25000, &shown, &words) == 1000);
	assert_string_equal(words, "seconds");
	assert_true(kpi__time_unit("ms", 1.41e6, &shown, &words) == 60000);
	assert_string_equal(shown, "min");
	assert_true(kpi__time_unit("%", 1.41e6, &shown, &words) == 1);
	assert_string_equal(shown, "%");
	assert_true(kpi__time_unit("s", INFINITY, &shown, NULL) == 86400);
	assert_true(kpi__time_unit("s", NAN, &shown, NULL) == 1);
}

static void test_render__nice_axes_use_1_2_5_steps(void **state)
{
	static const struct { double lo, hi; double step, alo, ahi; const char *top; } cases[] = {
		{ 0, 100, 20, 0, 100, "100" },       { 98.5, 100, 0.5, 98.5, 100, "100.0" },
		{ 0, 63, 20, 0, 80, "80" },          { 0, 203012, 50000, 0, 250000, "250k" },
		{ 0, 2.9e12, 1e12, 0, 3e12, "3tn" }, { 1e-6, 2.1e-6, 5e-7, 1e-6, 2.5e-6, "2.5" },
		{ 0, 0, 0.2, 0, 1, "1.0" },          { -3, 7, 2, -4, 8, "8" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi__axis ax;
		char b[64], m[32];
		double mant;
		kpi__axis_nice(&ax, cases[i].lo, cases[i].hi, 6);
		mant = ax.step / pow(10, floor(log10(ax.step) + 1e-9));
		if (fabs(mant - 1) > 1e-9 && fabs(mant - 2) > 1e-9 && fabs(mant - 5) > 1e-9) {
			print_error("case %zu: step %g is not 1, 2 or 5 x 10^k\n", i, ax.step);
			fail();
		}
		snprintf(m, sizeof(m), "case %zu", i);
		if (fabs(ax.step - cases[i].step) > 1e-12 * fabs(cases[i].step) + 1e-18 ||
		    fabs(ax.lo - cases[i].alo) > 1e-9 * fabs(cases[i].step) ||
		    fabs(ax.hi - cases[i].ahi) > 1e-9 * fabs(cases[i].step)) {
			print_error("%s: [%g, %g] -> step %g [%g, %g], expected step %g [%g, %g]\n", m, cases[i].lo,
			            cases[i].hi, ax.step, ax.lo, ax.hi, cases[i].step, cases[i].alo, cases[i].ahi);
			fail();
		}
		assert_string_equal(kpi__axis_label(b, sizeof(b), &ax, ax.hi), cases[i].top);
	}
}

/* Every finite double gives a finite axis with 2..12 distinct, non-empty
 * labels that cover the range, and a scale note with the right power of
 * ten where one is needed. */
static void test_render__axes_of_extreme_doubles(void **state)
{
	static const struct { double lo, hi; const char *note; } cases[] = {
		{ 0, DBL_MAX, "×10³⁰⁸" },                   /* the top tick, 2e308, is beyond double */
		{ -DBL_MAX, DBL_MAX, "×10³⁰⁸" },            /* the span overflows */
		{ DBL_MAX, DBL_MAX, "×10³⁰⁸" },             /* span 0 at the top */
		{ -DBL_MAX, -DBL_MAX, "×10³⁰⁸" },
		{ -DBL_MAX, 0, "×10³⁰⁸" },
		{ 1, DBL_MAX, "×10³⁰⁸" },
		{ SUBNORMAL_MIN, SUBNORMAL_MIN, "×10⁻³²⁴" }, /* 10% of it rounds to 0 */
		{ 0, SUBNORMAL_MIN, "×10⁻³²⁴" },
		{ -SUBNORMAL_MIN, SUBNORMAL_MIN, "×10⁻³²⁴" },
		{ DBL_MIN, DBL_MIN, "×10⁻³⁰⁸" },
		{ -DBL_MIN, DBL_MIN, "×10⁻³⁰⁸" },
		{ SUBNORMAL_MIN, DBL_MIN, "×10⁻³⁰⁸" },
		{ 1e-300, 3e-300, "×10⁻³⁰⁰" },
		{ 0, 0, "" },
		{ -5, -5, "" },
		{ 1e300, 1e300, "×10³⁰⁰" },
		{ 0, INFINITY, "×10³⁰⁸" },                  /* non-finite: taken as the largest double */
		{ -INFINITY, INFINITY, "×10³⁰⁸" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kpi__axis ax;
		char prev[64] = "", b[64];
		double lo = fmax(cases[i].lo, -DBL_MAX), hi = fmin(cases[i].hi, DBL_MAX);
		for (int target = 2; target <= 7; target++) {
			kpi__axis_nice(&ax, cases[i].lo, cases[i].hi, target);
			if (!isfinite(ax.lo) || !isfinite(ax.hi) || !isfinite(ax.step) || !(ax.step > 0) || ax.nticks < 2 ||
			    ax.nticks > 12 || !(ax.hi > ax.lo)) {
				print_error("case %zu (%g, %g), %d ticks: axis [%g, %g] step %g, %d ticks\n", i, cases[i].lo,
				            cases[i].hi, target, ax.lo, ax.hi, ax.step, ax.nticks);
				fail();
			}
			/* the range is on the axis */
			assert_true(kpi__axis_frac(&ax, lo) >= -1e-9);
			assert_true(kpi__axis_frac(&ax, hi) <= 1 + 1e-9);
			assert_true(isfinite(kpi__axis_frac(&ax, lo)) && isfinite(kpi__axis_frac(&ax, hi)));
			/* the power of ten; at 6 ticks (a chart's usual) exactly the expected one */
			if (target == 6)
				assert_string_equal(ax.scale_note, cases[i].note);
			else
				assert_int_equal(ax.scale_note[0] != '\0', cases[i].note[0] != '\0');
			prev[0] = '\0';
			for (int t = 0; t < ax.nticks; t++) {
				kpi__axis_label(b, sizeof(b), &ax, kpi__axis_tick(&ax, t));
				if (!b[0] || strcmp(b, prev) == 0 || strstr(b, "inf") || strstr(b, "nan")) {
					print_error("case %zu: tick %d of %d reads '%s' after '%s'\n", i, t, ax.nticks, b, prev);
					fail();
				}
				snprintf(prev, sizeof(prev), "%s", b);
			}
		}
	}
	/* [0, DBL_MAX]: 0, 0.5, ..., 2.0 ×10³⁰⁸ */
	{
		kpi__axis ax;
		char b[64];
		kpi__axis_nice(&ax, 0, DBL_MAX, 6);
		assert_int_equal(ax.e10, 308);
		assert_int_equal(ax.nticks, 5);
		assert_string_equal(kpi__axis_label(b, sizeof(b), &ax, kpi__axis_tick(&ax, 1)), "0.5");
		assert_string_equal(kpi__axis_label(b, sizeof(b), &ax, kpi__axis_tick(&ax, 4)), "2.0");
		/* plain ranges are computed as they always were */
		kpi__axis_nice(&ax, 0, 1e290, 6);
		assert_int_equal(ax.e10, 0);
	}
}

/* ---- the cover: the week in words, KPIs not measured, waivers ---- */

/* An older (format 2) GO whose run did not collect gating KPIs is read as a
 * hold, and only such a GO: the cover's sentence, verdict box and reasons
 * all ask kpi__go_unweighed(). */
static void test_render__older_go_unweighed(void **state)
{
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	const kpi_verdict *v = &snap->verdicts[snap->result->window.nweeks - 1];
	char list[320];
	(void)state;

	assert_int_equal(v->verdict, KPI_VERDICT_GO);
	assert_int_equal(kpi__go_unweighed(snap, v, list, sizeof(list)), 2);
	assert_string_equal(list, "API error rate (load balancer 5xx) and API latency p95 (load balancer target response time)");
	/* format 3 weighs what was not collected in its verdicts */
	snap->format = 3;
	assert_int_equal(kpi__go_unweighed(snap, v, list, sizeof(list)), 0);
	assert_string_equal(list, "");
	snap->format = 2;
	/* a NO-GO is not a GO read as a hold */
	assert_int_equal(kpi__go_unweighed(snap, &snap->verdicts[snap->result->window.nweeks - 3], NULL, 0), 0);
	/* the word every other place shows (header, chips, title, workbook,
	 * mail subject), and the verdict it reads as, for its colour */
	{
		kpi_verdict_kind read = KPI_VERDICT_GO;
		assert_string_equal(kpi__verdict_shown(snap, v, false, &read), "GO as recorded, read as HOLD");
		assert_int_equal(read, KPI_VERDICT_HOLD);
		assert_string_equal(kpi__verdict_shown(snap, v, true, NULL), "GO→HOLD");
		assert_string_equal(kpi__verdict_shown(snap, &snap->verdicts[snap->result->window.nweeks - 3], true, &read),
		                    "NO-GO");
		assert_int_equal(read, KPI_VERDICT_NOGO);
		snap->format = 3;
		assert_string_equal(kpi__verdict_shown(snap, v, false, &read), "GO");
		assert_int_equal(read, KPI_VERDICT_GO);
		snap->format = 2;
	}
	kpi_snapshot_free(snap);
}

/* Background measures not read for several reasons: each reason once, the
 * first three, then how many more (not only the first KPI's). */
static void test_render_week_words__background_reasons(void **state)
{
	(void)state;
	static const char *const reasons[] = { "Prometheus not configured", "CloudWatch not configured",
		                               "the SLO source failed", "Prometheus not configured", "host metrics off" };
	kpi_snapshot *snap = packfix_golden();
	kpi_error err = KPI_ERROR_INIT;
	size_t base = snap->nnot_collected, n = 0;
	char **w = NULL;

	snap->not_collected = realloc(snap->not_collected, (base + 5) * sizeof(*snap->not_collected));
	assert_non_null(snap->not_collected);
	for (size_t i = 0; i < 5; i++) {
		kpi_not_collected *c = &snap->not_collected[base + i];
		char id[32];
		snprintf(id, sizeof(id), "extra_%zu", i);
		memset(c, 0, sizeof(*c));
		c->kpi = strdup(id);
		c->title = strdup(id);
		c->source = strdup("prometheus");
		c->reason = strdup(reasons[i]);
		c->detail = strdup("configure it");
	}
	snap->nnot_collected = base + 5;
	assert_int_equal(kpi_render_week_words(&w, snap, &err), 0);
	while (w[n])
		n++;
	assert_string_equal(w[n - 1], "6 background measures (not deciding the rollout) were not read: CloudWatch not "
	                              "configured; Prometheus not configured; the SLO source failed; and 1 other "
	                              "reason (see the scorecard).");
	kpi_render_words_free(w);
	kpi_snapshot_free(snap);
}

/* The golden snapshot (W46 NO-GO, api_latency_p95_ms not measured, its
 * waiver expired in W45): the sentences, in order, in people's words. */
static void test_render_week_words__golden(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_error err = KPI_ERROR_INIT;
	char **w = NULL;
	size_t n = 0;

	assert_int_equal(kpi_render_week_words(&w, snap, &err), 0);
	while (w[n])
		n++;
	assert_true(n >= 3 && n <= KPI_RENDER_WORDS_MAX);
	assert_string_equal(w[0], "The rollout should not go ahead in 2026-W46: 2 measures that decide it miss the target. "
	                          "The first: Max age of uncached legacy exports is 8.5 days where it must be ≤ 7 d.");
	assert_contains(w[1], "The biggest move relative to its target since last week: ");
	assert_contains(w[n - 2], "1 waiver ran out before 2026-W46 and no longer excuses anything");
	assert_string_equal(w[n - 1], "1 background measure (not deciding the rollout) was not read: CloudWatch not configured.");
	for (size_t i = 0; i < n; i++) {
		/* no KPI ids, no engineers' words */
		assert_not_contains(w[i], "_pct");
		assert_not_contains(w[i], "gating");
		assert_not_contains(w[i], "snapshot hash");
	}
	kpi_render_words_free(w);
	/* the same snapshot, the same words */
	assert_int_equal(kpi_render_week_words(&w, snap, &err), 0);
	assert_contains(w[0], "should not go ahead");
	kpi_render_words_free(w);
	kpi_render_words_free(NULL);
	kpi_snapshot_free(snap);
}

/* A HOLD on KPIs not measured, one waived; an informational wait heading
 * the wrong way in days, up from minutes. */
static void test_render_week_words__hold_waived_and_wrong_way(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_error err = KPI_ERROR_INIT;
	char **w = NULL, *all;
	size_t len = 0;

	/* W46 without its breaches: what holds it is api_latency_p95_ms */
	for (size_t i = 0; i < snap->result->nseries; i++) {
		kpi_series *s = &snap->result->series[i];
		for (size_t j = 0; j < s->nrows; j++)
			if (s->rows[j].period_start == snap->result->window.starts[2] && s->def->gating) {
				s->rows[j].has_value = true;
				s->rows[j].incomplete = false;
				s->rows[j].value = s->def->threshold.op == KPI_OP_LE ? s->def->threshold.target - 5
				                 : s->def->threshold.op == KPI_OP_EQ ? s->def->threshold.target
				                                                     : s->def->threshold.target + 5;
			}
	}
	snap->uncovered_total = 0;
	snapfix_finish(snap);
	assert_int_equal(kpi_render_week_words(&w, snap, &err), 0);
	assert_string_equal(w[0], "The decision for 2026-W46 waits: API latency p95 (load balancer target response time) "
	                          "could not be measured, and a rollout is not approved on numbers nobody has seen.");
	kpi_render_words_free(w);
	/* waived until W46: GO, and the words say by whom */
	snap->waivers[0].until.week = 46;
	snapfix_finish(snap);
	assert_int_equal(kpi_render_week_words(&w, snap, &err), 0);
	for (size_t i = 0; w[i]; i++)
		len += strlen(w[i]) + 1;
	all = calloc(1, len + 1);
	assert_non_null(all);
	for (size_t i = 0; w[i]; i++)
		strcat(strcat(all, w[i]), "\n");
	assert_contains(all, "The rollout can go ahead in 2026-W46: every measure that decides it was read and meets its "
	                     "target, or is excused by an approved waiver.");
	assert_contains(all, "Excused this week by an approved waiver: API latency p95 (load balancer target response time) "
	                     "(approved by J. Rivera (rollout board), until 2026-W46; see Waivers).");
	assert_not_contains(all, "ran out");
	free(all);
	kpi_render_words_free(w);
	kpi_snapshot_free(snap);
}

/* Many KPIs not measured with long names, 30 waivers (in force, expired,
 * by label, with long reasons): the cover goes on over "Cover (continued)"
 * pages, no text leaves its page or overlaps another (render_checked). */
static void test_render_cover__many_waivers_long_names(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	pdfcheck c;
	char *t, id[64], title[256], reason[512];

	for (int i = 0; i < 12; i++) {
		snprintf(id, sizeof(id), "remote_gate_%02d_pct", i);
		snprintf(title, sizeof(title), "A remote gating measure with a very long name that goes on and on, "
		         "number %d of twelve, read from a source this run could not reach", i);
		snapfix_not_collected(snap, id, title, true, "CloudWatch not configured",
		                      "set cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER");
	}
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "remote_gate_%02d_pct", i % 12);
		snprintf(reason, sizeof(reason), "Waiver %d: the measure moves to the new account; the board accepted "
		         "the risk for the weeks of the migration, with a manual check every Monday by the on-call "
		         "engineer and a written note to the rollout channel", i);
		snapfix_waiver(snap, i % 3 == 0 ? "export_success_rate" : id, i % 3 == 0 ? "path" : NULL,
		               i % 3 == 0 ? "owned" : NULL, reason,
		               "Jacqueline Montgomery-Featherstonehaugh, VP Platform Reliability", i % 4 ? "2026-W52" : "2026-W40");
	}
	snapfix_finish(snap);
	assert_int_equal(snap->verdicts[2].verdict, KPI_VERDICT_NOGO);
	render_checked(&c, snap, "many-waivers.pdf");
	t = folded(c.text);
	assert_contains(t, "Cover (continued)");
	assert_contains(t, "Waivers (31): approved exceptions"); /* and the golden's own */
	assert_contains(t, "Waivers (continued)");
	assert_contains(t, "EXPIRED");
	assert_contains(t, "IN FORCE");
	assert_contains(t, "NOT MEASURED");
	assert_contains(t, "waivers expired before 2026-W46 and no longer excuse anything");
	assert_contains(t, "Appendix D — Glossary");
	assert_contains(t, "Coverage cohort");
	free(t);
	/* the cover's pages come before the scorecard's, each marked */
	assert_true(c.trace.section_page[1] > 2);
	pdfcheck_release(&c);
	kpi_snapshot_free(snap);
}

/* A standby lagging past database.max_lag: the drill-down lists were not
 * read, and the pack says so where each list would be instead of "None". */
static void test_render__stale_standby_lists_not_read(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	const char *want = "Not read: the postgres hot standby was 3 s behind its primary, above database.max_lag 300 s; "
	                   "the list would be as stale as the KPIs, which are missing data in this run.";
	pdfcheck c;
	char *t, *p;
	int n = 0;

	snap->provenance->sources[0].stale = true;
	render_checked(&c, snap, "stale-standby.pdf");
	t = folded(c.text);
	for (p = strstr(t, want); p; p = strstr(p + 1, want))
		n++;
	if (n != 3) /* the uncovered designs, the critical mismatches, the rollout changes */
		fail_msg("'%s' %d times, not 3:\n%s", want, n, t);
	assert_null(strstr(t, "None: every design of the active legacy cohort is covered"));
	assert_null(strstr(t, "None: no routing decision"));
	assert_null(strstr(t, "None: no rollout change in the window"));
	free(t);
	pdfcheck_release(&c);
	kpi_snapshot_free(snap);
}

/* ---- the SLO page (snapshot "slo", render/render_slo.c) ---- */

/* The PDF of `snap` into the file the environment variable `var` names,
 * when set: to look at (pdftoppm). */
static void save_to_look_at(const kpi_snapshot *snap, const char *var)
{
	kpi_buf pdf = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	if (!getenv(var))
		return;
	assert_int_equal(kpi_render_pdf(&pdf, snap, &err), 0);
	packfix_write(getenv(var), pdf.data, pdf.len);
	kpi_buf_release(&pdf);
}

/* With data: the objective, every service's availability, budget left, bad
 * and allowed requests and alert pairs as of T; the budget chart; a burn
 * chart per service, clipped where the incident's 50x would flatten it. */
static void test_render_slo__page(void **state)
{
	kpi_snapshot *snap = packfix_synthetic(4);
	pdfcheck c;
	char *t;
	(void)state;

	slofix_attach_demo(snap);
	render_checked(&c, snap, "slo.pdf");
	t = folded(c.text);
	assert_contains(t, "SLO — Availability ≥ 99.9 % over 28 days (api_availability_pct)");
	assert_contains(t, "As of 2026-11-16 00:00 UTC");
	/* alpha: 72 bad of 483,840 requests, 483.84 allowed: 99.985 %, 85.1 % left */
	assert_contains(t, "app/api/alpha 99.985 % 85.1 % 72 / 483.84 ok 0.00× / 0.00× ok 0.00× / 0.00× ok 1.39× ▲ / 0.00×");
	/* beta: 0.2 % errors, burn 2: the ticket fires, the budget is spent twice */
	assert_contains(t, "app/api/beta 99.800 % −100.0 % 967.68 / 483.84");
	assert_contains(t, "FIRING 2.00× ▲ / 2.00× ▲");
	assert_contains(t, "Error budget remaining, % of the budget — the SLO window (28 days) ending at each day");
	assert_contains(t, "Burn rate of app/api/alpha, last 7 days (hourly)");
	assert_contains(t, "Axis clipped at 25×: 2 hourly values above it sit on the top edge; peak 50.0× (1 h window");
	assert_contains(t, "14.4× page (1 h & 5 min)");
	assert_contains(t, "1× ticket (3 d & 6 h)");
	assert_contains(t, "Burn rate of app/api/beta");
	assert_null(strstr(t, "SLO not measured"));
	assert_null(strstr(t, "not on this page"));
	free(t);
	{
		bool found = false;
		for (int i = 0; i < c.trace.nsections; i++)
			found = found || strcmp(c.trace.section_name[i], "SLO") == 0;
		assert_true(found);
	}
	save_to_look_at(snap, "KPI_SLO_PDF");
	pdfcheck_release(&c);
	/* counts with more services than the page holds: it says so */
	snap->slo->objectives[0].nservices_total = snap->slo->objectives[0].nservices + 12;
	render_checked(&c, snap, "slo-left-out.pdf");
	t = folded(c.text);
	assert_contains(t, "12 more services are not on this page: it holds the first 2 of the 14 the counts have");
	free(t);
	pdfcheck_release(&c);
	{ /* more services than the budget chart's 8 lines: it draws the 8 with
	   * the least budget left (svc-9 worst: 0.18 % errors; svc-0 none), in
	   * the table's order, and says which it left out */
		slofix_counts many[10];
		char names[10][16];
		for (int k = 0; k < 10; k++) {
			snprintf(names[k], sizeof(names[k]), "app/svc-%d", k);
			many[k] = (slofix_counts){ names[k], 60, 0.012 * k, 0, 0, 0 };
		}
		slofix_attach(snap, many, 10);
		render_checked(&c, snap, "slo-many.pdf");
		save_to_look_at(snap, "KPI_SLO_MANY_PDF");
		t = folded(c.text);
		/* the legend, read around the axis' "50 %" */
		assert_contains(t, "100 % app/svc-2 app/svc-3 app/svc-4 app/svc-5 50 % app/svc-6 app/svc-7 app/svc-8 "
		                   "app/svc-9 2 more services not drawn, those with the most budget left");
		free(t);
		pdfcheck_release(&c);
	}
	kpi_snapshot_free(snap);
}

/* Not measured: one line naming why and what would measure it, no chart. */
static void test_render_slo__not_measured(void **state)
{
	kpi_snapshot *snap = packfix_synthetic(2);
	pdfcheck c;
	char *t;
	(void)state;

	slofix_attach_unmeasured(snap, "CloudWatch not configured",
	                         "set cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER");
	render_checked(&c, snap, "slo-unmeasured.pdf");
	t = folded(c.text);
	assert_contains(t, "SLO not measured: CloudWatch not configured (api_availability_pct, "
	                   "api_error_budget_remaining_pct, … 6 KPIs): set cloudwatch.load_balancer in the config file or "
	                   "KPI_CW_LOAD_BALANCER");
	assert_null(strstr(t, "Error budget remaining, %"));
	assert_null(strstr(t, "Burn rate of"));
	free(t);
	pdfcheck_release(&c);
	{ /* measured, but no request in any window: said in one line too */
		const slofix_counts idle = { "app/api/idle", 0, 0, 0, 0, 0 };
		slofix_attach(snap, &idle, 1);
		render_checked(&c, snap, "slo-idle.pdf");
		t = folded(c.text);
		assert_contains(t, "SLO not measured: no requests in the 55 days to 2026-11-16 00:00 UTC (api_availability_pct, ");
		assert_null(strstr(t, "Burn rate of"));
		free(t);
		pdfcheck_release(&c);
		slofix_attach_unmeasured(snap, "CloudWatch not configured",
		                         "set cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER");
	}
	save_to_look_at(snap, "KPI_SLO_PDF_UNMEASURED");
	kpi_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render__demo_pack_cover_scorecard_charts_appendix),
		cmocka_unit_test(test_render__format_1_snapshot_says_not_collected_is_not_recorded),
		cmocka_unit_test(test_render__bookmarks_one_per_section_and_chart),
		cmocka_unit_test(test_render__nogo_cover_lists_every_reason_and_mismatches),
		cmocka_unit_test(test_render__missing_weeks_all_no_data_and_one_week),
		cmocka_unit_test(test_render__huge_tiny_and_negative_values),
		cmocka_unit_test(test_render__extreme_doubles_stay_legible),
		cmocka_unit_test(test_render__long_titles_and_labels_are_ellipsized),
		cmocka_unit_test(test_render__long_legend_entries_wrap_whole),
		cmocka_unit_test(test_render__offscale_labels_stay_clear_of_lines),
		cmocka_unit_test(test_render__many_reasons_paginate_with_header),
		cmocka_unit_test(test_render__many_label_sets_page_and_group),
		cmocka_unit_test(test_render__every_status_partial_and_incomplete),
		cmocka_unit_test(test_render__fifty_two_weeks),
		cmocka_unit_test(test_render__synthetic_snapshots_parse_as_snapshot_json),
		cmocka_unit_test(test_render__api_bad_input),
		cmocka_unit_test(test_render__charts_encoded_in_the_background_are_the_same_bytes),
		cmocka_unit_test(test_render__cover_not_collected_never_cuts_a_name),
		cmocka_unit_test(test_render__golden_sha256_of_the_demo_pack),
		cmocka_unit_test(test_render__numbers_for_people),
		cmocka_unit_test(test_render__durations_in_minutes_hours_days),
		cmocka_unit_test(test_render__nice_axes_use_1_2_5_steps),
		cmocka_unit_test(test_render__axes_of_extreme_doubles),
		cmocka_unit_test(test_render_week_words__golden),
		cmocka_unit_test(test_render__older_go_unweighed),
		cmocka_unit_test(test_render_week_words__background_reasons),
		cmocka_unit_test(test_render_week_words__hold_waived_and_wrong_way),
		cmocka_unit_test(test_render_cover__many_waivers_long_names),
		cmocka_unit_test(test_render__stale_standby_lists_not_read),
		cmocka_unit_test(test_render_slo__page),
		cmocka_unit_test(test_render_slo__not_measured),
	};
	return cmocka_run_group_tests(tests, group_setup, getenv("KPI_RENDER_KEEP") ? NULL : group_teardown);
}
