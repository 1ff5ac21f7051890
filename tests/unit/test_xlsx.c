/*
 * The pack's workbook (xlsx.c), read back from the zip: golden XML parts,
 * byte-identical rewrites, sheet names, numbers as numbers (percentages
 * 0-100, no value = empty cell), native charts with the threshold series,
 * and the edge cases: missing weeks, an all-no_data KPI, a one-week
 * history, huge and tiny values, negative deltas, very long labels. The
 * library must print nothing, also when it fails.
 *
 * KPI_UPDATE_GOLDEN=1 rewrites tests/fixtures/unit/xlsx_golden/.
 */
#include "unit.h"
#include "packfix.h"
#include "xlsxread.h"
#include "core/number.h"

#include <strings.h>
#include <sys/stat.h>

/* the header row of a KPI sheet's table (xlsx.c): below its charts, 22
 * with one chart */
#define KPI_HEAD xr_kpi_head(b, s)
#define DEMO_W46 KPI_SOURCE_DIR "/tests/fixtures/render/demo-w46.snapshot.json"
#define DEMO_W42 KPI_SOURCE_DIR "/tests/fixtures/render/demo-w42.snapshot.json"

typedef struct wr_ctx {
	const kpi_snapshot *snap;
	const char *path;
	int rc;
	kpi_error err;
} wr_ctx;

static void do_write(void *p)
{
	wr_ctx *c = p;
	c->rc = kpi_xlsx_write(c->snap, c->path, &c->err);
}

/* Write `snap` to dir/name; fails the test when it fails or prints. */
static char *write_book(const kpi_snapshot *snap, const char *name)
{
	static char path[4096];
	wr_ctx c = { snap, NULL, 0, KPI_ERROR_INIT };
	char *printed;

	snprintf(path, sizeof(path), "%s", packfix_path(packfix_tmpdir(), name));
	c.path = path;
	printed = packfix_stderr_of(do_write, &c);
	if (c.rc)
		fail_msg("kpi_xlsx_write: %s", c.err.message);
	if (printed[0])
		fail_msg("kpi_xlsx_write printed on stderr: %s", printed);
	free(printed);
	return path;
}

static int find_row_from(const xr_book *b, const xr_sheet *s, int from, int col, const char *text)
{
	for (int r = from; r < from + 200; r++)
		if (strcmp(xr_text(b, s, r, col), text) == 0)
			return r;
	fail_msg("sheet %s: no '%s' in column %d from row %d", s->name, text, col, from);
	return -1;
}

static int find_row(const xr_book *b, const xr_sheet *s, int col, const char *text)
{
	return find_row_from(b, s, 0, col, text);
}

/* The row of a KPI (and label set) in the Summary's scorecard. */
static int scorecard_row(const xr_book *b, const xr_sheet *s, const char *kpi)
{
	return find_row_from(b, s, find_row(b, s, 0, "KPI"), 0, kpi);
}

static int find_col(const xr_book *b, const xr_sheet *s, int row, const char *text)
{
	for (int c = 0; c < 200; c++)
		if (strcmp(xr_text(b, s, row, c), text) == 0)
			return c;
	fail_msg("sheet %s: no '%s' in row %d", s->name, text, row);
	return -1;
}

/* The cell holds exactly this double (libxlsxwriter prints "%.16G", so the
 * 17th digit may differ: Excel keeps 15 to 17). */
static void assert_number(const xr_book *b, const xr_sheet *s, int row, int col, double want)
{
	xr_cell c = xr_get(b, s, row, col);
	if (!c.present || !c.is_number)
		fail_msg("sheet %s row %d col %d: expected the number %.17g, got %s '%s'", s->name, row, col, want,
		         c.present ? "text" : "nothing", c.text ? c.text : "");
	if (!(c.number == want || fabs(c.number - want) <= 1e-15 * fabs(want)))
		fail_msg("sheet %s row %d col %d: expected %.17g, got %s", s->name, row, col, want, c.text);
	xr_cell_release(&c);
}

static void assert_empty(const xr_book *b, const xr_sheet *s, int row, int col)
{
	xr_cell c = xr_get(b, s, row, col);
	if (c.present)
		fail_msg("sheet %s row %d col %d: expected an empty cell, got '%s'", s->name, row, col, c.text);
}

/* ---- golden parts and determinism ---- */

static const char *const golden_parts[] = {
	"xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml", "xl/worksheets/sheet6.xml",
	"xl/worksheets/sheet8.xml", "xl/worksheets/sheet9.xml", "xl/worksheets/sheet10.xml", "xl/sharedStrings.xml",
	"xl/charts/chart2.xml",
	"docProps/core.xml",
};

static void test_xlsx__golden_parts(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_buf json = packfix_json(snap); /* sets the snapshot SHA-256 the workbook shows */
	xr_book *b = xr_open(write_book(snap, "golden.xlsx"));
	const char *dir = KPI_SOURCE_DIR "/tests/fixtures/unit/xlsx_golden";

	if (getenv("KPI_UPDATE_GOLDEN"))
		mkdir(dir, 0755);
	for (size_t i = 0; i < sizeof(golden_parts) / sizeof(golden_parts[0]); i++) {
		char *got = xr_part(b, golden_parts[i]), file[4096], *want, *slash;
		size_t len;
		assert_non_null(got);
		snprintf(file, sizeof(file), "%s/%s", dir, golden_parts[i]);
		for (slash = file + strlen(dir) + 1; (slash = strchr(slash, '/'));)
			*slash = '_';
		if (getenv("KPI_UPDATE_GOLDEN"))
			packfix_write(file, got, strlen(got));
		want = packfix_read(file, &len);
		if (!want)
			fail_msg("no golden file %s (KPI_UPDATE_GOLDEN=1 writes it)", file);
		if (strlen(got) != len || memcmp(got, want, len) != 0)
			fail_msg("%s differs from %s", golden_parts[i], file);
		free(got);
		free(want);
	}
	xr_close(b);
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
}

static void test_xlsx__same_snapshot_same_bytes(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_synthetic(12);
	kpi_buf json = packfix_json(snap);
	char *a = strdup(write_book(snap, "a.xlsx")), *b = strdup(write_book(snap, "b.xlsx"));
	size_t la, lb;
	char *da = packfix_read(a, &la), *db = packfix_read(b, &lb);

	assert_non_null(da);
	assert_non_null(db);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	/* the document's creation time is the as-of instant, not the clock */
	{
		xr_book *bk = xr_open(a);
		char *core = xr_part(bk, "docProps/core.xml");
		assert_contains(core, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-11-16T00:00:00Z</dcterms:created>");
		free(core);
		xr_close(bk);
	}
	free(da);
	free(db);
	free(a);
	free(b);
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
}

/* ---- content ---- */

static void test_xlsx__summary_scorecard(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	xr_book *b = xr_open(write_book(snap, "summary.xlsx"));
	const xr_sheet *s = xr_sheet_by_name(b, "Summary");
	int head, r;

	assert_non_null(s);
	assert_string_equal(b->sheets[0].name, "Summary");
	assert_string_equal(xr_text(b, s, 1, 1), "NO-GO");
	assert_contains(xr_text(b, s, 2, 1), "2026-W46, 2026-11-09 to 2026-11-15 (Europe/Berlin)");
	assert_contains(xr_text(b, s, 3, 1), "the week is not over");
	/* the reasons of the last week, in the scorecard's columns */
	r = find_row(b, s, 0, "Reason (KPI)");
	assert_string_equal(xr_text(b, s, r, 3), "Unit");
	assert_string_equal(xr_text(b, s, r, 5), "Status");
	assert_string_equal(xr_text(b, s, r + 1, 0), "uncached_legacy_max_age_days");
	assert_number(b, s, r + 1, 2, 8.5);
	assert_string_equal(xr_text(b, s, r + 1, 3), "d");
	assert_string_equal(xr_text(b, s, r + 1, 4), "<= 7 d");
	assert_string_equal(xr_text(b, s, r + 1, 5), "breach");
	/* what the run did not collect, and why, as the PDF says it */
	r = find_row(b, s, 0, "Not collected");
	{
		/* one row per KPI left out, each with its reason, gating and setting */
		int gating = 0, n = 0;
		for (int i = r; xr_text(b, s, i, 1)[0] && (i == r || !xr_text(b, s, i, 0)[0]); i++, n++) {
			assert_contains(xr_text(b, s, i, 1), ": CloudWatch not configured (");
			gating += strstr(xr_text(b, s, i, 1), "(gating: not measured, it holds the verdict unless waived; set ") != NULL;
		}
		assert_true(n >= 1);
		assert_int_equal(gating, 1);
		assert_contains(xr_text(b, s, r, 1),
		                "api_latency_p95_ms: CloudWatch not configured (gating: not measured, it holds the verdict unless waived; "
		                "set cloudwatch.load_balancer");
	}
	head = find_row(b, s, 0, "KPI");
	assert_string_equal(xr_text(b, s, head, 3), "Unit");
	assert_string_equal(xr_text(b, s, head, 7), "Delta");
	assert_contains(s->xml, "<pane ySplit=\"");
	assert_contains(s->xml, "state=\"frozen\"");
	assert_contains(s->xml, "<autoFilter ref=\"A");
	assert_contains(s->xml, "<conditionalFormatting");
	assert_contains(s->xml, "<formula>\"breach\"</formula>");
	/* coverage: 95.5 (a 0-100 number, "%" beside it), previous 94.5, delta 1 */
	r = scorecard_row(b, s, "legacy_coverage_pct");
	assert_number(b, s, r, 2, 95.5);
	assert_string_equal(xr_text(b, s, r, 3), "%");
	assert_string_equal(xr_text(b, s, r, 4), ">= 95% (warn within 1)");
	assert_string_equal(xr_text(b, s, r, 5), "warn");
	assert_number(b, s, r, 6, 94.5);
	assert_number(b, s, r, 7, 1);
	assert_string_equal(xr_text(b, s, r, 8), "week in progress");
	/* export success: legacy then owned; owned has no value and no previous row */
	r = scorecard_row(b, s, "export_success_rate");
	assert_string_equal(xr_text(b, s, r, 1), "path=legacy");
	assert_number(b, s, r, 7, 0.1 + 0.2 + 99 - 98.2);
	assert_string_equal(xr_text(b, s, r + 1, 1), "path=owned");
	assert_empty(b, s, r + 1, 2);
	assert_string_equal(xr_text(b, s, r + 1, 5), "no_data");
	assert_empty(b, s, r + 1, 6);
	assert_empty(b, s, r + 1, 7);
	/* a negative previous value: a positive delta; a huge previous: none now */
	r = scorecard_row(b, s, "job_latency_seconds");
	assert_number(b, s, r, 2, 1.25);
	assert_number(b, s, r, 6, -12.5);
	assert_number(b, s, r, 7, 13.75);
	assert_empty(b, s, r + 1, 2);
	/* the incomplete CloudWatch row says so */
	r = find_row_from(b, s, head, 1, "endpoint=/v1/orders");
	assert_string_equal(xr_text(b, s, r, 5), "no_data");
	assert_contains(xr_text(b, s, r, 8), "source answered in part");
	assert_string_equal(xr_text(b, s, r, 6), "4.94065645841247e-324");
	assert_number(b, s, r, 7, 0.5 - 4.9406564584124654e-324);
	xr_close(b);
	kpi_snapshot_free(snap);
}

static void test_xlsx__kpi_sheets(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	xr_book *b = xr_open(write_book(snap, "kpis.xlsx"));
	const xr_sheet *s = xr_sheet_by_name(b, "export_success_rate");
	int legacy, owned;
	char *chart;

	assert_non_null(s);
	assert_string_equal(xr_text(b, s, KPI_HEAD, 0), "Week");
	legacy = find_col(b, s, KPI_HEAD, "path=legacy (%)");
	owned = find_col(b, s, KPI_HEAD, "path=owned (%)");
	assert_string_equal(xr_text(b, s, KPI_HEAD, legacy + 1), "path=legacy status");
	assert_string_equal(xr_text(b, s, KPI_HEAD + 1, 0), "2026-W44");
	assert_number(b, s, KPI_HEAD + 1, legacy, 99.7);
	assert_number(b, s, KPI_HEAD + 2, legacy, 98.2);
	assert_string_equal(xr_text(b, s, KPI_HEAD + 2, legacy + 1), "breach");
	/* owned has no row in W45: value and status empty; no value in W46: status only */
	assert_empty(b, s, KPI_HEAD + 2, owned);
	assert_empty(b, s, KPI_HEAD + 2, owned + 1);
	assert_empty(b, s, KPI_HEAD + 3, owned);
	assert_string_equal(xr_text(b, s, KPI_HEAD + 3, owned + 1), "no_data");
	/* the threshold, every week, as its own column and chart series */
	{
		int th = find_col(b, s, KPI_HEAD, "threshold >= 99% (warn within 0.5)");
		assert_number(b, s, KPI_HEAD + 1, th, 99);
		assert_number(b, s, KPI_HEAD + 3, th, 99);
	}
	chart = xr_part(b, "xl/charts/chart2.xml");
	assert_non_null(chart);
	assert_contains(chart, "<c:lineChart>");
	assert_contains(chart, "<c:f>export_success_rate!$G$23</c:f>"); /* the threshold series' name */
	assert_contains(chart, "<c:f>export_success_rate!$G$24:$G$26</c:f>");
	assert_contains(chart, "<c:f>export_success_rate!$A$24:$A$26</c:f>");
	assert_contains(chart, "<a:srgbClr val=\"C00000\"/></a:solidFill><a:prstDash val=\"dash\"/>");
	free(chart);
	/* ratio KPIs carry their numerator and denominator */
	s = xr_sheet_by_name(b, "legacy_coverage_pct");
	assert_string_equal(xr_text(b, s, KPI_HEAD, 3), "value numerator");
	assert_number(b, s, KPI_HEAD + 2, 3, 189);
	assert_number(b, s, KPI_HEAD + 2, 4, 200);
	assert_number(b, s, KPI_HEAD + 1, 3, 0);
	assert_empty(b, s, KPI_HEAD + 1, 2);
	/* the extremes stay numbers; the odd label is a header verbatim */
	s = xr_sheet_by_name(b, "api_error_rate_pct");
	{
		int odd = find_col(b, s, KPI_HEAD, "endpoint=caf\xc3\xa9 \xe2\x98\x95 \"quoted\" back\\slash\ttab (%)");
		int orders = find_col(b, s, KPI_HEAD, "endpoint=/v1/orders (%)");
		/* beyond Excel's range (above 9.99999999999999E+307, subnormal): the
		 * exact decimal as text, never a number Excel would read otherwise */
		assert_string_equal(xr_text(b, s, KPI_HEAD + 2, odd), "1.5e+308");
		assert_string_equal(xr_text(b, s, KPI_HEAD + 2, orders), "4.94065645841247e-324");
		assert_empty(b, s, KPI_HEAD + 1, odd);
		assert_contains(xr_text(b, s, KPI_HEAD + 3, find_col(b, s, KPI_HEAD, "Notes")), "source answered in part");
	}
	/* drill-down and definitions */
	s = xr_sheet_by_name(b, "Drill-down");
	assert_contains(xr_text(b, s, 0, 0), "the 2 oldest of 2");
	assert_number(b, s, 2, 0, 1001);
	assert_string_equal(xr_text(b, s, 2, 1), "acme");
	assert_number(b, s, 2, 5, 8.5);
	s = xr_sheet_by_name(b, "Definitions");
	assert_string_equal(xr_text(b, s, 1, 0), "legacy_coverage_pct");
	assert_string_equal(xr_text(b, s, 1, 6), "block (HOLD)");
	assert_string_equal(xr_text(b, s, 1, 8), "0000000000000000000000000000000000000000000000000000000000000001");
	xr_close(b);
	kpi_snapshot_free(snap);
}

static void test_xlsx__sheet_names(void **state)
{
	(void)state;
	kpi_snapshot *snap = snapfix_new(KPI_SOURCE_DIR "/tests/fixtures/unit/catalog_xlsx_names.json", "2026-W46", 2,
	                                 "UTC", utc(2026, 12, 1, 0, 0, 0));
	xr_book *b;

	snapfix_row(snap, "summary", 0, NULL, true, 3);
	snapfix_row(snap, "history", 1, NULL, true, 4);
	snapfix_finish(snap);
	b = xr_open(write_book(snap, "names.xlsx"));
	assert_int_equal(b->nsheets, 9);
	assert_string_equal(b->sheets[0].name, "Summary");
	assert_string_equal(b->sheets[1].name, "summary~2");
	assert_string_equal(b->sheets[2].name, "history~2");
	assert_string_equal(b->sheets[3].name, "a_very_long_kpi_identifier_that");
	assert_string_equal(b->sheets[4].name, "a_very_long_kpi_identifier_th~2");
	assert_string_equal(b->sheets[5].name, "definitions~2");
	assert_string_equal(b->sheets[6].name, "Drill-down");
	assert_string_equal(b->sheets[7].name, "Definitions");
	assert_string_equal(b->sheets[8].name, "Chart data"); /* what the charts plot, hidden */
	{
		char *wb = xr_part(b, "xl/workbook.xml");
		assert_contains(wb, "<sheet name=\"Chart data\" sheetId=\"9\" state=\"hidden\"");
		free(wb);
	}
	for (size_t i = 0; i < b->nsheets; i++) {
		assert_true(strlen(b->sheets[i].name) <= 31);
		for (size_t j = 0; j < i; j++)
			assert_true(strcasecmp(b->sheets[i].name, b->sheets[j].name) != 0);
	}
	/* every KPI sheet has its chart, and the chart reads its own sheet */
	{
		char *c = xr_part(b, "xl/charts/chart4.xml");
		assert_contains(c, "a_very_long_kpi_identifier_th~2'!$");
		free(c);
	}
	xr_close(b);
	kpi_snapshot_free(snap);
}

/* ---- edge cases ---- */

static void no_data_everywhere(kpi_snapshot *snap, const char *id)
{
	kpi_series *s = snapfix_series(snap, id);
	for (size_t i = 0; i < s->nrows; i++) {
		s->rows[i].has_value = false;
		s->rows[i].value = 0;
	}
}

static void test_xlsx__all_no_data_kpi_and_missing_weeks(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_synthetic(8);
	xr_book *b;
	const xr_sheet *s;
	kpi_series *lat;

	no_data_everywhere(snap, "legacy_coverage_pct");
	/* job latency loses weeks 2..4 of every label set: rows gone */
	lat = snapfix_series(snap, "job_latency_seconds");
	{
		size_t k = 0;
		for (size_t i = 0; i < lat->nrows; i++) {
			int wi = kpi_window_index(&snap->result->window, lat->rows[i].period_start);
			if (wi >= 2 && wi <= 4) {
				for (size_t l = 0; l < lat->nlabels; l++)
					free(lat->rows[i].labels[l]);
				free(lat->rows[i].labels);
			} else {
				lat->rows[k++] = lat->rows[i];
			}
		}
		lat->nrows = k;
	}
	snapfix_finish(snap);
	b = xr_open(write_book(snap, "edges.xlsx"));
	s = xr_sheet_by_name(b, "legacy_coverage_pct");
	assert_contains(xr_text(b, s, 2, 0), "No data in this window");
	{
		int v = find_col(b, s, KPI_HEAD, "value (%)"), st = find_col(b, s, KPI_HEAD, "value status");
		for (int w = 0; w < 8; w++) {
			assert_empty(b, s, KPI_HEAD + 1 + w, v);
			assert_string_equal(xr_text(b, s, KPI_HEAD + 1 + w, st), "no_data");
		}
	}
	s = xr_sheet_by_name(b, "job_latency_seconds");
	{
		/* one row per label set and week: the weeks without a row have no
		 * line (never a 0) */
		int row, col;
		char shown[16], wk[16];
		const kpi_window *w = &snap->result->window;
		assert_string_equal(xr_text(b, s, KPI_HEAD, 2), "Labels");
		for (int wi = 0; wi < 8; wi++) {
			bool has = xr_kpi_cell(b, s, "kind=export,path=owned,stat=p95",
			                       kpi_week_format(wk, sizeof(wk), kpi_week_add(w->first, wi)), false, &row, &col,
			                       shown, sizeof(shown));
			assert_int_equal(has, wi < 2 || wi > 4);
			if (has) {
				xr_cell cell = xr_get(b, s, row, col);
				assert_true(cell.present && cell.is_number);
				xr_cell_release(&cell);
			}
		}
		assert_true(strcmp(wk, "2026-W46") == 0);
	}
	xr_close(b);
	kpi_snapshot_free(snap);
}

static void test_xlsx__one_week_history(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_synthetic(1);
	xr_book *b = xr_open(write_book(snap, "one.xlsx"));
	const xr_sheet *s = xr_sheet_by_name(b, "Summary");
	int r = scorecard_row(b, s, "legacy_coverage_pct");

	/* the first week of coverage has no value in the synthetic data: no_data;
	 * no previous week, so neither previous value nor delta */
	assert_string_equal(xr_text(b, s, r, 5), "no_data");
	assert_empty(b, s, r, 6);
	assert_empty(b, s, r, 7);
	r = scorecard_row(b, s, "export_success_rate");
	assert_empty(b, s, r, 6);
	assert_empty(b, s, r, 7);
	s = xr_sheet_by_name(b, "export_success_rate");
	assert_string_equal(xr_text(b, s, KPI_HEAD + 1, 0), "2026-W46");
	assert_string_equal(xr_text(b, s, KPI_HEAD + 2, 0), "");
	xr_close(b);
	kpi_snapshot_free(snap);
}

static void test_xlsx__very_long_labels(void **state)
{
	(void)state;
	kpi_snapshot *snap = snapfix_new(PACKFIX_CATALOG, "2026-W46", 2, "UTC", utc(2026, 12, 1, 0, 0, 0));
	size_t n = 40000;
	char *huge = malloc(n + 1), *want;
	const char *labels[1];
	xr_book *b;
	const xr_sheet *s;
	const char *cell;

	assert_non_null(huge);
	for (size_t i = 0; i < n; i++)
		huge[i] = (char)('a' + i % 26);
	huge[n] = '\0';
	/* a multi-byte character across the cut: never split */
	memcpy(huge + 32760, "\xe2\x98\x95\xe2\x98\x95\xe2\x98\x95", 9);
	labels[0] = huge;
	snapfix_row(snap, "api_error_rate_pct", 0, labels, true, 0.5);
	snapfix_row(snap, "api_error_rate_pct", 1, labels, true, 2.5);
	snapfix_finish(snap);
	b = xr_open(write_book(snap, "long.xlsx"));
	s = xr_sheet_by_name(b, "Summary");
	cell = xr_text(b, s, scorecard_row(b, s, "api_error_rate_pct"), 1);
	/* Excel's limit: 32,767 characters in a cell */
	assert_int_equal(strlen(cell) > 32767 - 10 ? 1 : 0, 1);
	{
		size_t chars = 0;
		for (const char *p = cell; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
		assert_true(chars <= 32767);
		assert_true(kpi__utf8_valid(cell));
	}
	want = strndup("endpoint=", 9);
	assert_memory_equal(cell, want, 9);
	free(want);
	s = xr_sheet_by_name(b, "api_error_rate_pct");
	assert_number(b, s, KPI_HEAD + 2, 2, 2.5);
	xr_close(b);
	free(huge);
	kpi_snapshot_free(snap);
}

/* The largest double and the other magnitudes Excel cannot hold. */
static void test_xlsx__beyond_excel(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_series *s = (kpi_series *)kpi_result_find(snap->result, "job_latency_seconds");
	xr_book *b;
	const xr_sheet *sh;
	int c;

	s->rows[0].value = 1.7976931348623157e308; /* p50, week 0 */
	s->rows[2].value = -1e308;                  /* p50, week 1 */
	s->rows[4].value = 9.99999999999999e307;    /* p50, week 2: Excel's largest */
	s->rows[5].has_value = true;                /* p95, week 2, the last: the Summary too */
	s->rows[5].value = 1.5e308;
	snapfix_finish(snap);
	b = xr_open(write_book(snap, "beyond.xlsx"));
	sh = xr_sheet_by_name(b, "job_latency_seconds");
	/* a KPI with a value beyond Excel stays in its catalogue's unit: the
	 * exact text reads in the column's unit */
	c = find_col(b, sh, xr_kpi_head(b, sh), "stat=p50 (s)");
	assert_string_equal(xr_text(b, sh, xr_kpi_head(b, sh) + 1, c), "1.7976931348623157e+308");
	assert_string_equal(xr_text(b, sh, xr_kpi_head(b, sh) + 2, c), "-1e+308");
	assert_number(b, sh, xr_kpi_head(b, sh) + 3, c, 9.99999999999999e307);
	/* the Summary: the exact text in the catalogue's unit (never turned
	 * into days and shown without a unit) */
	sh = xr_sheet_by_name(b, "Summary");
	{
		int r = find_row_from(b, sh, find_row(b, sh, 0, "KPI"), 0, "job_latency_seconds");
		for (; strcmp(xr_text(b, sh, r, 1), "stat=p95") != 0; r++)
			;
		assert_string_equal(xr_text(b, sh, r, 2), "1.5e+308");
		assert_string_equal(xr_text(b, sh, r, 3), "s");
	}
	xr_close(b);
	kpi_snapshot_free(snap);
}

/* Failing to write: an error naming the file, nothing printed, no file. */
static void test_xlsx__unwritable_path(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	wr_ctx c = { snap, "/nonexistent-dir/x/pack.xlsx", 0, KPI_ERROR_INIT };
	char *printed = packfix_stderr_of(do_write, &c);

	assert_int_equal(c.rc, KPI_EIO);
	assert_contains(c.err.message, "/nonexistent-dir/x/pack.xlsx");
	assert_string_equal(printed, "");
	free(printed);
	kpi_snapshot_free(snap);
}

/* Every week of every KPI sheet equals the snapshot: numbers and statuses. */
static void test_xlsx__every_number_equals_the_snapshot(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_synthetic(12);
	xr_book *b = xr_open(write_book(snap, "all.xlsx"));
	const kpi_window *w = &snap->result->window;
	size_t checked = 0, durations = 0, tall = 0;

	for (size_t k = 0; k < snap->result->nseries; k++) {
		const kpi_series *ser = &snap->result->series[k];
		const xr_sheet *s = xr_sheet_by_name(b, ser->def->id);
		assert_non_null(s);
		for (size_t i = 0; i < ser->nrows; i++) {
			const kpi_row *r = &ser->rows[i];
			char key[512], wk[16], shown[16];
			int row, col;
			double div;
			kpi_row_labels_format(key, sizeof(key), ser, r);
			kpi_week_format(wk, sizeof(wk), kpi_week_add(w->first, kpi_window_index(w, r->period_start)));
			/* the label set's cells that week, in either layout; a duration in
			 * the unit its header names */
			if (!xr_kpi_cell(b, s, key, wk, false, &row, &col, shown, sizeof(shown)))
				fail_msg("%s {%s} %s: no row in the table", ser->def->id, key, wk);
			div = xr_unit_div(ser->def->unit, shown);
			durations += div != 1;
			tall += strcmp(xr_text(b, s, KPI_HEAD, 2), "Labels") == 0;
			if (r->has_value)
				assert_number(b, s, row, col, r->value / div);
			else
				assert_empty(b, s, row, col);
			assert_true(xr_kpi_cell(b, s, key, wk, true, &row, &col, shown, sizeof(shown)));
			assert_string_equal(xr_text(b, s, row, col), kpi_status_name(r->status));
			checked++;
		}
	}
	assert_true(checked > 100);
	assert_true(durations >= 1); /* a duration read in minutes, hours or days */
	assert_true(tall >= 1);      /* a table of one row per label set and week */
	xr_close(b);
	kpi_snapshot_free(snap);
}

/* ---- every cell fits: column widths and row heights ---- */

/* A lower bound of how wide text is shown, in column units (the width of
 * a digit), from character classes (xlsx.c measures with DejaVu's advances;
 * this is a test-side model that errs on the narrow side): a column
 * narrower than this certainly cuts its text or shows ###. */
static double shown_width(const char *s, bool bold, double font_size)
{
	double w = 0, line = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		double c;
		if (*p == '\n') {
			w = line > w ? line : w;
			line = 0;
			continue;
		}
		if ((*p & 0xC0) == 0x80)
			continue;
		if (*p >= '0' && *p <= '9')
			c = 1.0;
		else if (strchr(".,:; -'|!()", *p))
			c = 0.43;
		else if (strchr("ilj", *p))
			c = 0.43;
		else if (strchr("frtIJ", *p))
			c = 0.46;
		else if (*p >= 'a' && *p <= 'z')
			c = 0.82;
		else if (*p >= 'A' && *p <= 'Z')
			c = 0.9;
		else
			c = 0.5;
		line += c;
	}
	w = line > w ? line : w;
	return w * (bold ? 1.05 : 1.0) * font_size / 11.0;
}

/* A number as a format shows it (the formats the workbook uses). */
static bool shown_number(char *buf, size_t size, double v, const char *fmt)
{
	const char *q = strchr(fmt, '"');
	if (q) { /* a duration: '#,##0.00" d"' */
		char base[32];
		size_t n;
		snprintf(base, sizeof(base), "%.*s", (int)(q - fmt), fmt);
		if (!shown_number(buf, size, v, base))
			return false;
		n = strlen(buf);
		snprintf(buf + n, size - n, "%.*s", (int)strcspn(q + 1, "\""), q + 1);
		return true;
	}
	if (strcmp(fmt, "0.00") == 0)
		snprintf(buf, size, "%.2f", v);
	else if (strcmp(fmt, "#,##0") == 0 || strcmp(fmt, "#,##0.00") == 0) {
		char t[400];
		size_t digits, o = 0;
		snprintf(t, sizeof(t), strcmp(fmt, "#,##0") == 0 ? "%.0f" : "%.2f", fabs(v));
		digits = strspn(t, "0123456789");
		if (v < 0)
			buf[o++] = '-';
		for (size_t i = 0; t[i] && o + 2 < size; i++) {
			if (i && i < digits && (digits - i) % 3 == 0)
				buf[o++] = ',';
			buf[o++] = t[i];
		}
		buf[o] = '\0';
	} else if (strcmp(fmt, "0.00E+00") == 0)
		snprintf(buf, size, "%.2E", v);
	else if (strcmp(fmt, "yyyy-mm-dd") == 0)
		snprintf(buf, size, "2026-01-01");
	else if (strcmp(fmt, "yyyy-mm-dd hh:mm:ss") == 0)
		snprintf(buf, size, "2026-01-01 00:00:00");
	else if (strcmp(fmt, "General") == 0 && v == floor(v) && fabs(v) < 1e11)
		snprintf(buf, size, "%.0f", v);
	else
		return false; /* General with decimals: rounded to the width, never ### */
	return true;
}

/* In every sheet but the hidden one: every number's column holds it as
 * its format shows it (no ###); every text cell that cannot run on into
 * its right neighbour fits its column; every row of wrapped text is tall
 * enough for its lines. */
static size_t assert_cells_fit(const xr_book *b)
{
	size_t checked = 0;
	for (size_t i = 0; i < b->nsheets; i++) {
		const xr_sheet *s = &b->sheets[i];
		int nrows, ncols;
		if (strcmp(s->name, "Chart data") == 0)
			continue;
		xr_dimension(s, &nrows, &ncols);
		for (int r = 0; r < nrows; r++) {
			double ht = xr_row_height(s, r);
			for (int c = 0; c < ncols; c++) {
				xr_cell cell = xr_get(b, s, r, c);
				xr_style st;
				double w, need;
				char shown[512];
				if (!cell.present)
					continue;
				st = xr_get_style(b, s, r, c);
				w = xr_col_width(s, c);
				if (w < 0)
					w = 8.43; /* Excel's default */
				if (cell.is_number) {
					if (shown_number(shown, sizeof(shown), cell.number, st.num_format) &&
					    (need = shown_width(shown, st.bold, st.font_size)) > w)
						fail_msg("sheet %s row %d col %d: %s (%s) needs %.1f, the column is %.2f wide: ###",
						         s->name, r, c, shown, st.num_format, need, w);
				} else if (st.wrap) {
					/* at least this many lines, whatever the breaks */
					double lines = ceil(shown_width(cell.text, st.bold, st.font_size) / (w - 0.5));
					if ((ht < 0 ? 15 : ht) < lines * 12.8)
						fail_msg("sheet %s row %d col %d: '%.40s...' wraps into %.0f lines in %.2f, the row is "
						         "%.1f pt high",
						         s->name, r, c, cell.text, lines, w, ht < 0 ? 15 : ht);
				} else {
					xr_cell next = xr_get(b, s, r, c + 1);
					need = shown_width(cell.text, st.bold, st.font_size);
					if (next.present && need > w && need < 100)
						fail_msg("sheet %s row %d col %d: '%s' needs %.1f, the column is %.2f wide", s->name, r,
						         c, cell.text, need, w);
					xr_cell_release(&next);
				}
				checked++;
				xr_style_release(&st);
				xr_cell_release(&cell);
			}
		}
	}
	return checked;
}

static void test_xlsx__columns_and_rows_fit_their_cells(void **state)
{
	(void)state;
	kpi_snapshot *snaps[] = { packfix_golden(), packfix_synthetic(12), snapfix_read(DEMO_W46),
		                  snapfix_read(DEMO_W42) };
	for (size_t k = 0; k < sizeof(snaps) / sizeof(snaps[0]); k++) {
		char name[32];
		xr_book *b;
		snprintf(name, sizeof(name), "fit%zu.xlsx", k);
		b = xr_open(write_book(snaps[k], name));
		assert_true(assert_cells_fit(b) > 200);
		if (k == 2) {
			/* the reviewer's case: the revision times of the drill-down */
			const xr_sheet *s = xr_sheet_by_name(b, "Drill-down");
			int head = find_row(b, s, 0, "Design");
			assert_string_equal(xr_text(b, s, head, 4), "Revision created (UTC)");
			assert_true(xr_col_width(s, 4) >= 18);
			/* the definitions: rows as tall as their wrapped lines */
			s = xr_sheet_by_name(b, "Definitions");
			assert_true(xr_row_height(s, find_row(b, s, 0, "legacy_coverage_pct")) >= 4 * 12.8);
		}
		xr_close(b);
		kpi_snapshot_free(snaps[k]);
	}
}

/* ---- charts: gaps where there is nothing to plot ---- */

/* Column index of "$AB$" in a reference. */
static int ref_col(const char *ref)
{
	const char *d = strchr(ref, '$');
	int c = 0;
	assert_non_null(d);
	for (d++; *d >= 'A' && *d <= 'Z'; d++)
		c = c * 26 + (*d - 'A' + 1);
	return c - 1;
}

/* Every series of every KPI chart reads the hidden sheet, which holds a
 * week's value only when it is plotted: a value that is neither no_data nor
 * not_applicable. Returns how many weeks were left as gaps. */
static size_t assert_chart_gaps(const xr_book *b, const kpi_snapshot *snap)
{
	const xr_sheet *plot = xr_sheet_by_name(b, "Chart data");
	int nweeks = snap->result->window.nweeks;
	size_t gaps = 0, series = 0;

	assert_non_null(plot);
	for (int k = 1;; k++) {
		char part[64], *chart, *p;
		snprintf(part, sizeof(part), "xl/charts/chart%d.xml", k);
		if (!(chart = xr_part(b, part)))
			break;
		/* no zero and no connected line for blanks: gaps */
		assert_null(strstr(chart, "<c:dispBlanksAs val=\"zero\""));
		assert_null(strstr(chart, "<c:dispBlanksAs val=\"span\""));
		for (p = chart; (p = strstr(p, "<c:ser>")); p++) {
			char name[700], id[128], *q, *colon;
			const char *key;
			const xr_sheet *s;
			int plot_col;
			/* the values: a column of the hidden sheet, named "KPI: labels" in
			 * its row 0 (the threshold's own column or its KPI sheet's: not a
			 * label set) */
			q = strstr(p, "<c:val><c:numRef><c:f>") + 22;
			if (strncmp(q, "'Chart data'!", 13) != 0)
				continue; /* the threshold in the table's column */
			plot_col = ref_col(q);
			snprintf(name, sizeof(name), "%s", xr_text(b, plot, 0, plot_col));
			if (!*name || strstr(name, ": threshold "))
				continue; /* an empty chart's placeholder, a threshold */
			colon = strstr(name, ": ");
			assert_non_null(colon);
			snprintf(id, sizeof(id), "%.*s", (int)(colon - name), name);
			key = colon + 2;
			s = xr_sheet_by_name(b, id);
			assert_non_null(s);
			series++;
			for (int wi = 0; wi < nweeks; wi++) {
				char wk[16], stt[32] = "", shown[16];
				int row, vcol, scol;
				bool has = xr_kpi_cell(b, s, key, kpi_week_format(wk, sizeof(wk), kpi_week_add(snap->result->window.first, wi)),
				                       false, &row, &vcol, shown, sizeof(shown));
				xr_cell v = { 0 }, pv = xr_get(b, plot, 1 + wi, plot_col);
				bool want;
				char pt[32];
				if (has) {
					v = xr_get(b, s, row, vcol);
					xr_kpi_cell(b, s, key, wk, true, &row, &scol, shown, sizeof(shown));
					snprintf(stt, sizeof(stt), "%s", xr_text(b, s, row, scol));
				}
				want = v.present && v.is_number && strcmp(stt, "no_data") != 0 && strcmp(stt, "not_applicable") != 0;
				if (want != pv.present)
					fail_msg("%s '%s' week %d (%s, value '%s'): chart cell %s", id, key, wi, stt,
					         v.text ? v.text : "", pv.present ? "has a point" : "is empty");
				if (want) {
					/* the same value, in its chart's unit (a duration may read in
					 * another unit of the ladder than the table's) */
					static const double units[] = { 0.001, 1, 60, 3600, 86400 };
					double ratio = pv.number / v.number;
					bool same = pv.is_number && (pv.number == v.number || fabs(ratio - 1) < 1e-12);
					for (size_t u = 0; !same && u < 5; u++)
						for (size_t t = 0; !same && t < 5; t++)
							same = fabs(ratio - units[u] / units[t]) < 1e-9 * (units[u] / units[t]);
					if (!same)
						fail_msg("%s '%s' week %d: chart %s, table %s", id, key, wi, pv.text, v.text);
				}
				/* the chart's cached values have the same gaps */
				snprintf(pt, sizeof(pt), "<c:pt idx=\"%d\">", wi);
				{
					const char *val = strstr(p, "<c:val>"), *end = strstr(val, "</c:val>"), *hit = strstr(val, pt);
					assert_int_equal(want, hit && hit < end);
				}
				gaps += !want;
				xr_cell_release(&v);
				xr_cell_release(&pv);
			}
		}
		free(chart);
	}
	assert_true(series > 0);
	return gaps;
}

static void test_xlsx__charts_leave_gaps_for_no_data_and_not_applicable(void **state)
{
	(void)state;
	kpi_snapshot *demo = snapfix_read(DEMO_W46), *golden = packfix_golden();
	xr_book *b = xr_open(write_book(demo, "gaps-demo.xlsx"));
	const xr_sheet *s = xr_sheet_by_name(b, "outage_drill_success_pct");

	/* the drill KPI: W36 and W37 are not applicable (coverage missed its
	 * target): their values stay in the table but are not drawn */
	assert_string_equal(xr_text(b, s, KPI_HEAD + 2, 0), "2026-W36");
	assert_string_equal(xr_text(b, s, KPI_HEAD + 2, find_col(b, s, KPI_HEAD, "value status")), "not_applicable");
	assert_number(b, s, KPI_HEAD + 2, find_col(b, s, KPI_HEAD, "value (%)"), 0);
	assert_number(b, s, KPI_HEAD + 3, find_col(b, s, KPI_HEAD, "value (%)"), 22.5);
	assert_true(assert_chart_gaps(b, demo) >= 9); /* 2 not applicable + 7 no data weeks of the drill KPI */
	xr_close(b);
	/* the golden snapshot: an incomplete CloudWatch row (no_data with a
	 * partial value), a not-applicable row, values beyond Excel's range */
	b = xr_open(write_book(golden, "gaps-golden.xlsx"));
	assert_true(assert_chart_gaps(b, golden) > 0);
	xr_close(b);
	kpi_snapshot_free(demo);
	kpi_snapshot_free(golden);
}

/* An older (format 2) GO that did not weigh gating KPIs not measured: the
 * Summary's verdict says what the PDF's cover says, never a plain GO; an
 * older NO-GO stays NO-GO. */
static void test_xlsx__older_go_reads_as_a_hold(void **state)
{
	(void)state;
	kpi_snapshot *w46 = snapfix_read(DEMO_W46), *w42 = snapfix_read(DEMO_W42);
	xr_book *b = xr_open(write_book(w46, "older-go.xlsx"));
	const xr_sheet *s = xr_sheet_by_name(b, "Summary");

	assert_string_equal(xr_text(b, s, 1, 0), "Verdict");
	assert_string_equal(xr_text(b, s, 1, 1), "GO as recorded, read as HOLD");
	/* and its reasons say what that stands on, not "no gating KPI is in breach" */
	assert_string_equal(xr_text(b, s, find_row(b, s, 0, "Reason (KPI)") + 1, 0),
	                    "none on record; not measured and not weighed by this older pack: API error rate (load "
	                    "balancer 5xx) and API latency p95 (load balancer target response time)");
	xr_close(b);
	b = xr_open(write_book(w42, "older-nogo.xlsx"));
	s = xr_sheet_by_name(b, "Summary");
	assert_string_equal(xr_text(b, s, 1, 1), "NO-GO");
	xr_close(b);
	kpi_snapshot_free(w46);
	kpi_snapshot_free(w42);
}

/* ---- the Summary's units ---- */

static void test_xlsx__summary_units_are_the_catalogue_units(void **state)
{
	(void)state;
	kpi_snapshot *snaps[] = { packfix_golden(), snapfix_read(DEMO_W42) };
	for (size_t k = 0; k < 2; k++) {
		xr_book *b = xr_open(write_book(snaps[k], "units.xlsx"));
		const xr_sheet *s = xr_sheet_by_name(b, "Summary");
		int reasons = find_row(b, s, 0, "Reason (KPI)"), head = find_row(b, s, 0, "KPI"), n = 0;
		for (int r = reasons + 1; r < head; r++) {
			const kpi_def *d = kpi_catalog_find(snaps[k]->catalog, xr_text(b, s, r, 0));
			if (!d && strncmp(xr_text(b, s, r, 5), "not measured (", 14) == 0) {
				n++; /* a KPI not collected: no unit to show */
				continue;
			}
			if (!d)
				continue; /* "none: ..." or the blank row */
			assert_string_equal(xr_text(b, s, r, 3), d->unit);
			n++;
		}
		assert_int_equal(n, (int)snaps[k]->verdicts[snaps[k]->result->window.nweeks - 1].nreasons);
		assert_true(n > 0);
		n = 0;
		for (int r = head + 1; *xr_text(b, s, r, 0); r++, n++) {
			const kpi_def *d = kpi_catalog_find(snaps[k]->catalog, xr_text(b, s, r, 0));
			assert_non_null(d);
			assert_true(*d->unit);
			assert_string_equal(xr_text(b, s, r, 3), d->unit);
		}
		assert_true(n > 5);
		xr_close(b);
		kpi_snapshot_free(snaps[k]);
	}
}

/* ---- print setup, durations, charts (issue 14 part 7) ---- */

/* Every sheet but the hidden one prints on A4 (paper 9) landscape, fitted
 * to the page's width (fitToWidth 1, libxlsxwriter's default, is not
 * written; fitToHeight 0: as many pages down as it takes, or 1 for a KPI
 * sheet of one chart and a short table), with margins and a footer; the
 * Summary, every KPI sheet and the Definitions repeat their table's header
 * on every page. */
static void test_xlsx__every_sheet_prints_a4_landscape_fitted_to_the_width(void **state)
{
	(void)state;
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	xr_book *b = xr_open(write_book(snap, "print.xlsx"));
	char *wb = xr_part(b, "xl/workbook.xml");
	size_t sheets = 0;

	for (size_t i = 0; i < b->nsheets; i++) {
		const xr_sheet *s = &b->sheets[i];
		char want[256];
		if (strcmp(s->name, "Chart data") == 0)
			continue;
		assert_contains(s->xml, "<pageSetUpPr fitToPage=\"1\"/>");
		assert_contains(s->xml, "<pageSetup paperSize=\"9\" ");
		assert_contains(s->xml, "orientation=\"landscape\"");
		assert_null(strstr(s->xml, "fitToWidth=")); /* 1: one page wide */
		if (!strstr(s->xml, "fitToHeight=\"0\"")) {
			/* one page: a KPI sheet with one chart and one row per week */
			assert_non_null(kpi_catalog_find(snap->catalog, s->name));
			assert_contains(s->xml, "<drawing ");
		}
		assert_contains(s->xml, "<pageMargins left=\"0.6\" right=\"0.6\" top=\"0.8\" bottom=\"0.8\"");
		assert_contains(s->xml, "<oddFooter>&amp;L&amp;A&amp;RPage &amp;P of &amp;N</oddFooter>");
		if (strcmp(s->name, "Drill-down") != 0) { /* three tables: no one header */
			snprintf(want, sizeof(want), "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"%zu\">", i);
			assert_contains(wb, want);
		}
		sheets++;
	}
	assert_int_equal(sheets, snap->catalog->nkpis + 3);
	free(wb);
	xr_close(b);
	kpi_snapshot_free(snap);
}

/* The Summary shows a duration as the PDF does: a real number in the unit
 * the PDF's formatter picks (kpi__fmt_value: 203,011.79 s reads "2.35 d"),
 * the unit in the cell's number format; so every duration cell of the
 * Summary, formatted, reads as the PDF's text for it. */
static void test_xlsx__durations_read_in_the_pdf_units(void **state)
{
	(void)state;
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	xr_book *b = xr_open(write_book(snap, "durations.xlsx"));
	const xr_sheet *s = xr_sheet_by_name(b, "Summary");
	const kpi_window *w = &snap->result->window;
	int head = find_row(b, s, 0, "KPI");
	size_t days = 0, checked = 0;

	for (int r = head + 1; *xr_text(b, s, r, 0); r++) {
		char id[128], labels[512];
		const kpi_def *d;
		const kpi_series *ser;
		snprintf(id, sizeof(id), "%s", xr_text(b, s, r, 0));
		snprintf(labels, sizeof(labels), "%s", xr_text(b, s, r, 1));
		d = kpi_catalog_find(snap->catalog, id);
		assert_non_null(d);
		if (!kpi__unit_is(d->unit, "s") && !kpi__unit_is(d->unit, "ms"))
			continue;
		ser = kpi_result_find(snap->result, id);
		for (size_t i = 0; i < ser->nrows; i++) {
			const kpi_row *row = &ser->rows[i];
			char key[512], pdf[128], shown[128];
			xr_cell c;
			xr_style st;
			kpi_row_labels_format(key, sizeof(key), ser, row);
			if (row->period_start != w->starts[w->nweeks - 1] || strcmp(key, labels) != 0 || !row->has_value)
				continue;
			c = xr_get(b, s, r, 2);
			st = xr_get_style(b, s, r, 2);
			assert_true(c.present && c.is_number);
			assert_non_null(strchr(st.num_format, '"')); /* '#,##0.00" d"' */
			assert_true(shown_number(shown, sizeof(shown), c.number, st.num_format));
			kpi__fmt_value(pdf, sizeof(pdf), true, row->value, d->unit, KPI__NUM_PEOPLE, &d->threshold);
			/* the same number and unit (the PDF drops zeros: "8 min") */
			{
				double a = strtod(shown, NULL), p = strtod(pdf, NULL);
				assert_true(fabs(a - p) < 0.006);
				assert_string_equal(strrchr(shown, ' '), strrchr(pdf, ' '));
			}
			if (strcmp(id, "queue_oldest_age_seconds") == 0 && strcmp(labels, "kind=export") == 0) {
				assert_string_equal(shown, "2.35 d"); /* the issue's 203,011.79 s */
				days++;
			}
			checked++;
			xr_cell_release(&c);
			xr_style_release(&st);
		}
	}
	assert_int_equal(days, 1);
	assert_true(checked >= 6);
	xr_close(b);
	kpi_snapshot_free(snap);
}

/* A chart's XML: its title's text and how many series. */
static size_t chart_series(const char *xml)
{
	size_t n = 0;
	for (const char *p = xml; (p = strstr(p, "<c:ser>")); p++)
		n++;
	return n;
}

/* The job latency's 12 label sets: four charts, the PDF's panels (kind and
 * path), three series each (p50, p95, p99); the panels the PDF caps for a
 * spike get a log axis (every value positive); percentage axes end at 100. */
static void test_xlsx__latency_charts_and_percentage_axes(void **state)
{
	(void)state;
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	xr_book *b = xr_open(write_book(snap, "charts.xlsx"));
	size_t latency = 0, logs = 0, pct = 0;

	for (int k = 1;; k++) {
		char part[64], *x;
		snprintf(part, sizeof(part), "xl/charts/chart%d.xml", k);
		if (!(x = xr_part(b, part)))
			break;
		if (strstr(x, "<a:t>Job latency percentiles (enqueue to finish), kind=")) {
			latency++;
			assert_int_equal(chart_series(x), 3);
			assert_contains(x, "<c:v>p50</c:v>");
			assert_contains(x, "<c:v>p99</c:v>");
			if (strstr(x, "<c:logBase val=\"10\"/>")) {
				logs++;
				assert_contains(x, "(log scale)");
			}
		}
		if (strstr(x, "<a:t>percent</a:t>")) {
			pct++;
			assert_contains(x, "<c:max val=\"100\"/>");
		}
		free(x);
	}
	assert_int_equal(latency, 4);
	assert_true(logs >= 1);
	assert_int_equal(pct, 5); /* adoption, success rate, coverage, drill, mismatch rate */
	/* the latency's table: one row per label set and week, on a printed page */
	{
		const xr_sheet *s = xr_sheet_by_name(b, "job_latency_seconds");
		assert_string_equal(xr_text(b, s, KPI_HEAD, 2), "Labels");
		assert_string_equal(xr_text(b, s, KPI_HEAD, 3), "Value (min)");
	}
	xr_close(b);
	kpi_snapshot_free(snap);
}

/* A spike over values that include a zero: no log axis, the axis capped
 * where the PDF caps it, and the chart's title says so. */
static void test_xlsx__capped_axis_says_so(void **state)
{
	(void)state;
	kpi_snapshot *snap = snapfix_read(DEMO_W46);
	kpi_series *ser = (kpi_series *)kpi_result_find(snap->result, "queue_oldest_age_seconds");
	xr_book *b;
	size_t capped = 0;

	/* both kinds: a zero in every other week, small ages, one spike of a day */
	for (size_t i = 0; i < ser->nrows; i++) {
		int wi = kpi_window_index(&snap->result->window, ser->rows[i].period_start);
		ser->rows[i].has_value = true;
		ser->rows[i].value = wi == 3 ? 86400 : wi % 2 ? 0 : 30 + wi;
	}
	snapfix_finish(snap);
	b = xr_open(write_book(snap, "capped.xlsx"));
	for (int k = 1;; k++) {
		char part[64], *x;
		snprintf(part, sizeof(part), "xl/charts/chart%d.xml", k);
		if (!(x = xr_part(b, part)))
			break;
		if (strstr(x, "<a:t>Oldest queued job age")) {
			assert_null(strstr(x, "<c:logBase"));
			assert_contains(x, "<c:max val=");
			assert_contains(x, "axis capped at ");
			assert_contains(x, "2 values above it, see the table"); /* both kinds */
			assert_contains(x, "(capped)");
			capped++;
		}
		free(x);
	}
	assert_int_equal(capped, 1);
	xr_close(b);
	kpi_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xlsx__golden_parts),
		cmocka_unit_test(test_xlsx__same_snapshot_same_bytes),
		cmocka_unit_test(test_xlsx__summary_scorecard),
		cmocka_unit_test(test_xlsx__kpi_sheets),
		cmocka_unit_test(test_xlsx__sheet_names),
		cmocka_unit_test(test_xlsx__all_no_data_kpi_and_missing_weeks),
		cmocka_unit_test(test_xlsx__one_week_history),
		cmocka_unit_test(test_xlsx__very_long_labels),
		cmocka_unit_test(test_xlsx__beyond_excel),
		cmocka_unit_test(test_xlsx__unwritable_path),
		cmocka_unit_test(test_xlsx__every_number_equals_the_snapshot),
		cmocka_unit_test(test_xlsx__columns_and_rows_fit_their_cells),
		cmocka_unit_test(test_xlsx__charts_leave_gaps_for_no_data_and_not_applicable),
		cmocka_unit_test(test_xlsx__older_go_reads_as_a_hold),
		cmocka_unit_test(test_xlsx__summary_units_are_the_catalogue_units),
		cmocka_unit_test(test_xlsx__every_sheet_prints_a4_landscape_fitted_to_the_width),
		cmocka_unit_test(test_xlsx__durations_read_in_the_pdf_units),
		cmocka_unit_test(test_xlsx__latency_charts_and_percentage_axes),
		cmocka_unit_test(test_xlsx__capped_axis_says_so),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
