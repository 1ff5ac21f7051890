/*
 * The history page (kpi/history.h, pack/history.c) from the renderer's demo
 * fixtures (demo-w42: 8 weeks, NO-GO; demo-w46: 12 weeks, GO), no
 * database: its golden bytes, its escaping of hostile names, ids that never
 * collide between the inline SVGs, nothing from elsewhere, and the merge
 * (each week as the newest pack holding it reported it).
 *
 * The golden, tests/fixtures/history/index.html, holds Debian 12's Cairo
 * and Pango output; rewrite it after a deliberate change with
 *   KPI_UPDATE_GOLDEN=1 build/tests/unit/test_unit_history
 * and look at the page (docs/pack.md, "The history page").
 */
#include "unit.h"
#include "kpi/history.h"
#include "kpi/render.h"

#include <cairo.h>
#include <pango/pango.h>
#include <strings.h>

#define RENDER_FIXTURES KPI_SOURCE_DIR "/tests/fixtures/render"
#define GOLDEN KPI_SOURCE_DIR "/tests/fixtures/history/index.html"

typedef struct fx {
	kpi_snapshot *w42, *w46;
} fx;

static const char *const files42[] = {"charts/export_success_rate.png", "kpi-2026-W42.csv", "kpi-2026-W42.pdf",
                                      "kpi-2026-W42.xlsx", "snapshot.json"};
static const char *const files46[] = {"charts/adoption_split.png", "charts/export_success_rate.png",
                                      "kpi-2026-W46.csv", "kpi-2026-W46.pdf", "kpi-2026-W46.xlsx", "snapshot.json"};

static const kpi_history_decision decisions[] = {
	{{2026, 42}, KPI_VERDICT_NOGO, "Ana Lima", 1792400400, "Error rate above target; revisit next week.", NULL,
	 KPI_VERDICT_GO},
	{{2026, 46}, KPI_VERDICT_HOLD, "Ben Okafor", 1794821400, "Wait for the drill.", NULL, KPI_VERDICT_GO},
};

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	kpi_error err = KPI_ERROR_INIT;
	assert_non_null(f);
	if (kpi_snapshot_load(&f->w42, RENDER_FIXTURES "/demo-w42.snapshot.json", &err) ||
	    kpi_snapshot_load(&f->w46, RENDER_FIXTURES "/demo-w46.snapshot.json", &err))
		fail_msg("%s", err.message);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	kpi_snapshot_free(f->w42);
	kpi_snapshot_free(f->w46);
	free(f);
	return 0;
}

/* The page of both packs (given newest first: the order must not matter). */
static char *page(const fx *f, const char *name46, const kpi_history_decision *d, size_t nd)
{
	kpi_history_pack p[2] = {
		{name46, f->w46, files46, sizeof(files46) / sizeof(files46[0])},
		{"2026-W42", f->w42, files42, sizeof(files42) / sizeof(files42[0])},
	};
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_history_html(&b, p, 2, d, nd, NULL, 0, &err))
		fail_msg("kpi_history_html: %s", err.message);
	return b.data;
}

/* The page with each inline <svg>...</svg> replaced by one line naming its
 * SHA-256: the golden stays readable (and diffable) while pinning every
 * byte of the charts too. */
static char *golden_form(const char *html)
{
	kpi_buf b = KPI_BUF_INIT;
	const char *p = html, *s, *e;
	while ((s = strstr(p, "<svg ")) && (e = strstr(s, "</svg>"))) {
		char hex[65];
		e += strlen("</svg>");
		kpi_sha256_hex(hex, s, (size_t)(e - s));
		assert_int_equal(kpi_buf_append(&b, p, (size_t)(s - p)), 0);
		assert_int_equal(kpi_buf_printf(&b, "<svg sha256=\"%s\" bytes=\"%zu\"/>", hex, (size_t)(e - s)), 0);
		p = e;
	}
	assert_int_equal(kpi_buf_puts(&b, p), 0);
	return b.data;
}

static void test_history__golden_page_of_two_packs(void **state)
{
	char *html = page(*state, "2026-W46", decisions, 2), *again = page(*state, "2026-W46", decisions, 2);
	char *got = golden_form(html), *want;

	/* deterministic: the same packs give the same bytes */
	assert_string_equal(html, again);
	free(html);
	free(again);
	if (getenv("KPI_UPDATE_GOLDEN")) {
		FILE *o;
		if (strcmp(cairo_version_string(), "1.16.0") || strcmp(pango_version_string(), "1.50.12"))
			fail_msg("KPI_UPDATE_GOLDEN: refusing to rewrite %s: its bytes are Debian 12's (cairo 1.16.0, "
			         "pango 1.50.12), this is cairo %s, pango %s", GOLDEN, cairo_version_string(),
			         pango_version_string());
		assert_non_null(o = fopen(GOLDEN, "wb"));
		assert_int_equal(fwrite(got, 1, strlen(got), o), strlen(got));
		assert_int_equal(fclose(o), 0);
	}
	want = slurp(GOLDEN);
	assert_non_null(want);
	if (strcmp(got, want)) {
		size_t i = 0;
		while (got[i] && got[i] == want[i])
			i++;
		fail_msg("the page differs from %s at byte %zu (KPI_UPDATE_GOLDEN=1 rewrites it): got \"%.80s\"", GOLDEN, i,
		         got + i);
	}
	free(want);
	free(got);
}

static bool has_ci(const char *hay, const char *needle)
{
	for (size_t n = strlen(needle); *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return false;
}

/* Hostile names everywhere data reaches the page: a KPI title, a pack's
 * directory, a decision's author, word and note. Nothing becomes markup. */
static void test_history__escapes_every_string_from_data(void **state)
{
	fx *f = *state;
	kpi_def *def = &f->w46->catalog->kpis[0];
	char *saved = def->title, hostile_title[] = "<script>alert(\"t\")</script> & 'T'";
	static const kpi_history_decision evil[] = {
		{{2026, 46}, KPI_VERDICT_GO, "<b>\"Eve\" & 'Mallory'</b> <img src=x onerror=alert(1)>", 1794821400,
		 "</td></tr></table><script>alert('n')</script>", "<script>k</script> & 'k'.decided-0123456789ab",
		 KPI_VERDICT_HOLD},
	};
	char *html;

	def->title = hostile_title;
	html = page(f, "<script>alert(\"x\")</script> & 'q'", evil, 1);
	def->title = saved;
	assert_false(has_ci(html, "<script"));
	assert_false(has_ci(html, "<img"));
	assert_false(has_ci(html, "<b>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; &#39;T&#39;"));
	assert_non_null(strstr(html, "&lt;b&gt;&quot;Eve&quot; &amp; &#39;Mallory&#39;&lt;/b&gt;"));
	assert_non_null(strstr(html, "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;"));
	/* a decision on a pack kept aside: its directory named and linked */
	assert_non_null(strstr(html, "decided on the pack kept in <a href=\"%3Cscript%3Ek%3C/script%3E%20%26%20%27k%27"
	                             ".decided-0123456789ab/\">&lt;script&gt;k&lt;/script&gt; &amp; &#39;k&#39;"
	                             ".decided-0123456789ab/</a>"));
	assert_non_null(strstr(html, "overrides the computed HOLD"));
	/* the directory in a link is a percent-encoded relative path */
	assert_non_null(strstr(html, "href=\"%3Cscript%3Ealert%28%22x%22%29%3C/script%3E%20%26%20%27q%27/kpi-2026-W46.pdf\""));
	free(html);
}

/* A gating KPI that was not measured is named as such, with why, not as
 * "no data (target )". (The fixtures are shared by the group: put back.) */
static void test_history__not_measured_reason_says_why(void **state)
{
	fx *f = *state;
	kpi_reason *re = NULL;
	char *html, want[300];

	for (int i = 0; i < f->w46->result->window.nweeks && !re; i++)
		if (f->w46->verdicts[i].nreasons)
			re = &f->w46->verdicts[i].reasons[0];
	assert_non_null(re);
	assert_null(re->not_measured);
	re->not_measured = strdup("CloudWatch not configured");
	assert_non_null(re->not_measured);
	html = page(f, "2026-W46", decisions, 2);
	free(re->not_measured);
	re->not_measured = NULL;
	snprintf(want, sizeof(want), "%s: not measured (CloudWatch not configured)</li>", re->kpi);
	assert_non_null(strstr(html, want));
	assert_null(strstr(html, "(target )"));
	free(html);
}

/* Every id once, every reference to an id found, nothing fetched from
 * elsewhere (the SVGs' namespaces are names, not fetches). */
static void test_history__self_contained_and_ids_unique(void **state)
{
	char *html = page(*state, "2026-W46", decisions, 2);
	char **ids = NULL;
	size_t nids = 0, cap = 0, nsvg = 0;
	const char *p;

	for (p = html; (p = strstr(p, " id=\"")); p++) {
		const char *v = p + 5, *e = strchr(v, '"');
		assert_non_null(e);
		for (size_t i = 0; i < nids; i++)
			if (strlen(ids[i]) == (size_t)(e - v) && !strncmp(ids[i], v, (size_t)(e - v)))
				fail_msg("id \"%s\" appears twice", ids[i]);
		if (nids == cap)
			assert_non_null(ids = realloc(ids, (cap = cap ? 2 * cap : 256) * sizeof(*ids)));
		assert_non_null(ids[nids++] = strndup(v, (size_t)(e - v)));
	}
	assert_true(nids > 100); /* the glyphs and clips of the charts */
	for (p = html; (p = strpbrk(p, "#")); p++) {
		const char *v = p + 1, *e = v;
		bool found = false;
		if (p - html < 6 || (strncmp(p - 6, "href=\"", 6) && strncmp(p - 4, "url(", 4)))
			continue;
		while (*e && *e != '"' && *e != ')')
			e++;
		for (size_t i = 0; i < nids && !found; i++)
			found = strlen(ids[i]) == (size_t)(e - v) && !strncmp(ids[i], v, (size_t)(e - v));
		if (!found)
			fail_msg("a reference to #%.*s, which no element has", (int)(e - v), v);
	}
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	for (p = html; (p = strstr(p, "<svg ")); p++) {
		nsvg++;
		assert_true(strstr(p, "role=\"img\"") < strchr(p, '>'));
		assert_int_equal(strncmp(strchr(p, '>'), ">\n<title>", 9), 0);
	}
	assert_int_equal(nsvg, kpi_render_chart_count(((fx *)*state)->w46));
	for (p = html; (p = strstr(p, "http")); p++)
		if (strncmp(p, "http://www.w3.org/2000/svg\"", 27) && strncmp(p, "http://www.w3.org/1999/xlink\"", 29))
			fail_msg("a URL: %.60s", p);
	assert_false(has_ci(html, "<script"));
	assert_false(has_ci(html, "<link"));
	assert_false(has_ci(html, " src="));
	assert_false(has_ci(html, "@import"));
	assert_false(has_ci(html, "@font-face"));
	assert_false(has_ci(html, "<?xml"));
	assert_non_null(strstr(html, "@media print"));
	assert_non_null(strstr(html, "<th scope=\"col\">Week</th>"));
	assert_non_null(strstr(html, "<th scope=\"row\">2026-W46</th>"));
	free(html);
}

static const kpi_row *row_of(const kpi_snapshot *s, const char *kpi, int64_t start)
{
	const kpi_series *se = kpi_result_find(s->result, kpi);
	for (size_t i = 0; se && i < se->nrows; i++)
		if (se->rows[i].period_start == start)
			return &se->rows[i];
	return NULL;
}

/* Each week as the newest pack holding it reported it: a value of W40 that
 * only the older pack changes leaves the page as it was; the same change in
 * the newer pack changes the chart. The verdict of a week is the newest's. */
static void test_history__newest_pack_reports_each_week(void **state)
{
	fx *f = *state;
	int64_t w40 = f->w42->result->window.starts[5]; /* W35 + 5 */
	kpi_row *old = (kpi_row *)row_of(f->w42, "export_success_rate", w40);
	kpi_row *cur = (kpi_row *)row_of(f->w46, "export_success_rate", w40);
	char *base = page(f, "2026-W46", NULL, 0), *html;
	double keep;
	kpi_verdict_kind vk;
	size_t k;

	assert_non_null(old);
	assert_non_null(cur);
	assert_int_equal(cur->period_start, f->w46->result->window.starts[5]);
	keep = old->value;
	old->value = keep / 2;
	html = page(f, "2026-W46", NULL, 0);
	old->value = keep;
	assert_string_equal(html, base);
	free(html);

	keep = cur->value;
	cur->value = keep / 2;
	html = page(f, "2026-W46", NULL, 0);
	cur->value = keep;
	assert_string_not_equal(html, base);
	free(html);

	/* W42: NO-GO in both packs; made GO in the newer one, the page says what
	 * that pack's GO reads as (format 2, gating KPIs not measured: a hold) */
	for (k = 0; kpi_week_cmp(f->w46->verdicts[k].week, f->w42->result->window.last); k++)
		;
	assert_non_null(strstr(base, "<tr><th scope=\"row\">2026-W42</th><td><span class=\"badge v-nogo\">NO-GO</span>"));
	vk = f->w46->verdicts[k].verdict;
	f->w46->verdicts[k].verdict = KPI_VERDICT_GO;
	html = page(f, "2026-W46", NULL, 0);
	f->w46->verdicts[k].verdict = vk;
	assert_non_null(strstr(html, "<tr><th scope=\"row\">2026-W42</th><td><span class=\"badge v-hold\">GO as recorded, "
	                             "read as HOLD</span>"));
	free(html);
	free(base);
}

/* A week the newest pack restated (snapshot format 4): its verdict changed
 * since pack 2026-W42 reported it, or only values did; both marked in the
 * strip and named under the computed verdict. */
static void test_history__restated_weeks_marked(void **state)
{
	fx *f = *state;
	kpi_restatements *r = calloc(1, sizeof(*r));
	char *html;

	assert_non_null(r);
	r->verdicts = calloc(1, sizeof(*r->verdicts));
	r->values = calloc(2, sizeof(*r->values));
	assert_true(r->verdicts && r->values);
	r->nverdicts = 1;
	r->verdicts[0] = (kpi_restated_verdict){ { 2026, 42 }, KPI_VERDICT_HOLD, KPI_VERDICT_NOGO, strdup("2026-W42"), false, 0 };
	for (int i = 0; i < 2; i++) {
		r->values[i].kpi = strdup("export_success_rate");
		r->values[i].week = (kpi_week){ 2026, 41 };
		r->values[i].pack = strdup("2026-W42<&>");
	}
	r->nvalues = r->values_total = 2;
	assert_null(f->w46->restatements);
	f->w46->restatements = r;
	html = page(f, "2026-W46", NULL, 0);
	f->w46->restatements = NULL;
	kpi_restatements_free(r);
	assert_non_null(strstr(html, "<span class=\"wk\">2026-W42 ↻</span><span class=\"vd\">NO-GO</span>"));
	assert_non_null(strstr(html, "<span class=\"wk\">2026-W41 ↻</span>"));
	assert_non_null(strstr(html, "<span class=\"wk\">2026-W40</span>"));
	assert_non_null(strstr(html, "<span class=\"restated\">↻ restated: pack 2026-W42 reported HOLD</span>"));
	/* the pack's name is data: escaped */
	assert_non_null(strstr(html, "<span class=\"restated\">↻ 2 values restated since pack 2026-W42&lt;&amp;&gt;</span>"));
	free(html);
}

/* A directory without packs: a page that says so. */
static void test_history__no_pack_yet(void **state)
{
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	(void)state;
	assert_int_equal(kpi_history_html(&b, NULL, 0, NULL, 0, NULL, 0, &err), 0);
	assert_non_null(strstr(b.data, "No pack in this directory yet"));
	assert_non_null(strstr(b.data, "</html>\n"));
	kpi_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history__golden_page_of_two_packs),
		cmocka_unit_test(test_history__escapes_every_string_from_data),
		cmocka_unit_test(test_history__not_measured_reason_says_why),
		cmocka_unit_test(test_history__self_contained_and_ids_unique),
		cmocka_unit_test(test_history__newest_pack_reports_each_week),
		cmocka_unit_test(test_history__restated_weeks_marked),
		cmocka_unit_test(test_history__no_pack_yet),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
