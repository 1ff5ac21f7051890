/*
 * Integration: the pack against the throwaway PostgreSQL.
 *
 *  - drill-down lists on a hand-built dataset: the uncovered designs and the
 *    critical routing mismatches agree with their KPIs (hand-computed), the
 *    limits (25, 50) and their ordering and ties, rollout changes in the
 *    window only, all read in the KPIs' transaction;
 *  - the demo dataset through `kpi pack`: the pack verifies, the XLSX's
 *    numbers equal `kpi query all --format json` for the same weeks (read
 *    back from the sheet XML), and LibreOffice converts the XLSX to a PDF
 *    with pages (one conversion per run: it starts slowly);
 *  - a pack run whose database is unreachable leaves nothing behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "it_util.h"
#include "core/internal.h"
#include "xlsxread.h"

#define DONE "2026-05-01T00:00:00Z"
/* the header row of a KPI sheet's table (xlsx.c): below its charts */
#define KPI_HEAD xr_kpi_head(b, s)

/*
 * W09 = [02-23, 03-02), W10 = [03-02, 03-09) (2026, UTC); T = 03-09 00:00.
 * Designs 1..30: legacy, created 01-05, revision 1 at T - 5i hours, an event
 *   on 03-01, no artifact: uncovered, age 5i/24 days (design 30: 6.25 d).
 * 31: an unexpired artifact of its revision: covered.   32: migrated 03-01: covered.
 * 33: owned: not in the cohort.   34: last event 2025-11-01 (> 90 days): not in the cohort.
 * 35: revision 1 (02-01, with an artifact) and revision 2 at T - 12 h (none): uncovered, 0.5 d.
 * 36: revision 1 at T - 96 h; its artifact created exactly at T (not before): uncovered, 4 d.
 * 37: revision 1 at T - 125 h, like design 25: a tie, broken by id (25 first).
 * -> 33 uncovered; the 25 oldest: 30..26, 25, 37, 24..20, 36, 19..8.
 */
static const char *const cohort_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at, migrated_at)\n"
	"SELECT i, 'tenant-' || (i % 3), 'style-' || (i % 4), 'u', 'prod', CASE WHEN i = 33 THEN 'owned' ELSE 'legacy' END,\n"
	"       '2026-01-05T00:00:00Z', CASE WHEN i = 32 THEN '2026-03-01T00:00:00Z'::timestamptz END\n"
	"FROM generate_series(1, 37) i;\n"
	"INSERT INTO design_events (design_id, at, kind)\n"
	"SELECT i, CASE WHEN i = 34 THEN '2025-11-01T00:00:00Z' ELSE '2026-03-01T00:00:00Z' END::timestamptz, 'edited'\n"
	"FROM generate_series(1, 37) i;\n"
	"INSERT INTO decoration_revisions (design_id, revision, created_at)\n"
	"SELECT i, 1, '2026-03-09T00:00:00Z'::timestamptz - make_interval(hours => 5 * i) FROM generate_series(1, 30) i\n"
	"UNION ALL VALUES (31, 1, '2026-02-01T00:00:00Z'::timestamptz), (32, 1, '2026-02-01T00:00:00Z'),\n"
	" (33, 1, '2026-02-01T00:00:00Z'), (34, 1, '2025-10-01T00:00:00Z'), (35, 1, '2026-02-01T00:00:00Z'),\n"
	" (35, 2, '2026-03-08T12:00:00Z'), (36, 1, '2026-03-05T00:00:00Z'), (37, 1, '2026-03-03T19:00:00Z');\n"
	"INSERT INTO export_artifacts (design_id, revision, source, created_at, expired_at) VALUES\n"
	" (31, 1, 'cached', '2026-02-02T00:00:00Z', NULL),\n"
	" (35, 1, 'cached', '2026-02-02T00:00:00Z', NULL),\n"
	" (36, 1, 'pregenerated', '2026-03-09T00:00:00Z', NULL);\n"
	/* routing: 55 critical in W10 every 2 h from 03-02 00:00, plus ones that do not count */
	"INSERT INTO routing_decisions (id, decided_at, design_id, environment, tenant_id, style_id, user_id,\n"
	"  decided_by, provider_metadata, route_outcome, design_migrated)\n"
	"SELECT 1000 + k, '2026-03-02T00:00:00Z'::timestamptz + make_interval(hours => 2 * k), 1, 'prod', 'acme', 's', 'u',\n"
	"       'tenant', 'owned', 'legacy', false FROM generate_series(0, 54) k\n"
	"UNION ALL VALUES\n"
	" (2001, '2026-03-03T00:00:00Z'::timestamptz, 2, 'prod', 'acme', 's', 'u', 'style', 'legacy', 'owned', true),\n"
	" (2002, '2026-03-03T00:00:00Z', 2, 'prod', 'acme', 's', 'u', 'style', 'owned', 'owned', false),\n"
	" (2003, '2026-03-01T23:59:59Z', 2, 'prod', 'acme', 's', 'u', 'style', 'owned', 'legacy', false),\n"
	" (2004, '2026-03-09T00:00:00Z', 2, 'prod', 'acme', 's', 'u', 'style', 'owned', 'legacy', false);\n"
	"INSERT INTO rollout_changes (id, changed_at, layer, key, old_value, new_value, actor) VALUES\n"
	" (1, '2026-02-22T23:59:59Z', 'tenant', 'acme', 'legacy', 'owned', 'ops'),\n"
	" (2, '2026-02-23T00:00:00Z', 'tenant', 'acme', NULL, 'owned', 'ops'),\n"
	" (3, '2026-03-01T10:00:00Z', 'style', 'gold-foil', 'owned', 'legacy', 'deploy-bot'),\n"
	" (4, '2026-03-08T23:59:59Z', 'user', 'u9', 'legacy', NULL, 'ops'),\n"
	" (5, '2026-03-09T00:00:00Z', 'tenant', 'globex', 'legacy', 'owned', 'ops');\n";

static void test_pack_drilldown_agrees_with_the_kpis(void **state)
{
	(void)state;
	static const int want_ids[25] = { 30, 29, 28, 27, 26, 25, 37, 24, 23, 22, 21, 20, 36,
		                          19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8 };
	it_db *db = it_db_create("pack_drilldown");
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *snap = NULL, *back = NULL;
	kpi_buf json = KPI_BUF_INIT;
	const kpi_series *age, *crit;
	kpi_window w;
	char sha[65];

	it_db_exec(db, cohort_sql);
	it_window(&w, "2026-W10", 2, "UTC", DONE);
	{
		/* the run's clock, as a config loaded with KPI_NOW sees it */
		kpi_config *cfg = NULL;
		setenv("KPI_NOW", "2026-05-01T00:00:00Z", 1);
		assert_int_equal(kpi_config_load(&cfg, NULL, &err), 0);
		unsetenv("KPI_NOW");
		free(cfg->conninfo);
		cfg->conninfo = strdup(db->cfg->conninfo);
		if (kpi_snapshot_collect(&snap, db->cat, cfg, &w, &err))
			fail_msg("kpi_snapshot_collect: %s", err.message);
		kpi_config_free(cfg);
	}
	assert_int_equal(snap->result->read_at, it_time(DONE));

	/* the KPIs, hand-computed */
	age = kpi_result_find(snap->result, "uncached_legacy_max_age_days");
	assert_true(age->rows[1].has_value && age->rows[1].has_numerator);
	assert_true(fabs(age->rows[1].value - 6.25) < 1e-12);
	assert_true(age->rows[1].numerator == 33);
	crit = kpi_result_find(snap->result, "routing_mismatch_critical");
	assert_true(crit->rows[1].value == 55);
	assert_true(crit->rows[0].value == 1);

	/* the uncovered list: the 25 oldest, ties by id, total = the numerator,
	 * oldest age = the value to the last bit */
	assert_int_equal(snap->uncovered_total, 33);
	assert_int_equal(snap->nuncovered, 25);
	for (int i = 0; i < 25; i++)
		if (snap->uncovered[i].design_id != want_ids[i])
			fail_msg("uncovered[%d] is design %lld, expected %d", i, (long long)snap->uncovered[i].design_id,
			         want_ids[i]);
	assert_true(snap->uncovered[0].age_days == age->rows[1].value);
	assert_int_equal(snap->uncovered[0].revision_at, it_time("2026-03-02T18:00:00Z"));
	assert_string_equal(snap->uncovered[0].tenant_id, "tenant-0");
	assert_string_equal(snap->uncovered[0].style_id, "style-2");
	assert_true(fabs(snap->uncovered[12].age_days - 4) < 1e-12);
	assert_int_equal(snap->uncovered[12].revision, 1);

	/* critical mismatches: the 50 newest of 55, newest first */
	assert_int_equal(snap->mismatches_total, 55);
	assert_int_equal(snap->nmismatches, 50);
	assert_int_equal(snap->mismatches[0].id, 1054);
	assert_int_equal(snap->mismatches[0].decided_at, it_time("2026-03-06T12:00:00Z"));
	assert_int_equal(snap->mismatches[49].id, 1005);
	assert_string_equal(snap->mismatches[0].provider_metadata, "owned");
	assert_string_equal(snap->mismatches[0].route_outcome, "legacy");
	assert_string_equal(snap->mismatches[0].decided_by, "tenant");
	assert_false(snap->mismatches[0].design_migrated);

	/* rollout changes in [from, T), oldest first, nulls kept */
	assert_int_equal(snap->changes_total, 3);
	assert_int_equal(snap->nchanges, 3);
	assert_int_equal(snap->changes[0].id, 2);
	assert_null(snap->changes[0].old_value);
	assert_int_equal(snap->changes[2].id, 4);
	assert_null(snap->changes[2].new_value);

	/* provenance: the drill-down queries' hashes, a secret-free source */
	assert_int_equal(snap->ndrill_queries, 3);
	{
		char *text = NULL, *path = kpi__path_join(db->cfg->query_dir, "pack/uncovered_designs.sql");
		assert_int_equal(kpi__read_file(&text, NULL, path, &err), 0);
		kpi_sha256_hex(sha, text, strlen(text));
		assert_string_equal(snap->drill_queries[0].name, "pack/uncovered_designs.sql");
		assert_string_equal(snap->drill_queries[0].sha256, sha);
		free(text);
		free(path);
	}
	assert_int_equal(snap->nsources, 1);
	assert_string_equal(snap->sources[0].kind, "postgres");
	assert_non_null(strstr(snap->sources[0].where, "dbname=kpi_it_pack_drilldown"));
	/* the catalogue's KPIs the run left out (CloudWatch ones not configured
	 * here): recorded in catalogue order with the setting that would
	 * collect them, and neither in the snapshot's catalogue nor collected */
	{
		size_t k = 0;
		for (size_t i = 0; i < db->cat->nkpis; i++) {
			const kpi_def *d = &db->cat->kpis[i];
			const kpi_not_collected *n = &snap->not_collected[k];
			if (kpi_source_configured(db->cfg, d, NULL))
				continue;
			assert_true(k < snap->nnot_collected);
			assert_string_equal(n->kpi, d->id);
			assert_string_equal(n->title, d->title);
			assert_string_equal(n->source, d->source); /* cloudwatch, or slo (computed from CloudWatch's counts) */
			assert_int_equal(n->gating, d->gating);
			assert_string_equal(n->reason, "CloudWatch not configured");
			assert_non_null(strstr(n->detail, strcmp(d->labels[0].name, "queue") == 0  ? "KPI_CW_QUEUES"
			                                  : strcmp(d->labels[0].name, "host") == 0 ? "KPI_CW_HOSTS"
			                                                                           : "KPI_CW_LOAD_BALANCER"));
			assert_null(kpi_catalog_find(snap->catalog, d->id));
			assert_null(kpi_result_find(snap->result, d->id));
			k++;
		}
		assert_int_equal(k, snap->nnot_collected);
		assert_true(k > 0); /* the test configures no CloudWatch */
	}

	/* and it is a valid snapshot.json */
	if (kpi_snapshot_write(&json, snap, &err) || kpi_snapshot_parse(&back, "collected.json", json.data, json.len, &err))
		fail_msg("%s", err.message);
	assert_string_equal(back->sha256, snap->sha256);
	kpi_buf_release(&json);
	kpi_snapshot_free(back);
	kpi_snapshot_free(snap);
	it_db_drop(db);
}

/* ---- the demo through the command ---- */

/* `div`: what the JSON's value is divided by in the workbook (1, or a
 * duration's unit_div). */
static void check_value(const char *where, const json_t *want, double div, const xr_book *b, const xr_sheet *s,
                        int row, int col)
{
	xr_cell c = xr_get(b, s, row, col);
	if (json_is_null(want)) {
		if (c.present)
			fail_msg("%s: expected an empty cell, got '%s'", where, c.text);
	} else {
		double v = json_number_value(want) / div;
		/* libxlsxwriter writes 16 significant digits ("%.16G") */
		if (!c.present || !c.is_number || !(c.number == v || fabs(c.number - v) <= 1e-15 * fabs(v)))
			fail_msg("%s: expected %.17g, got %s '%s'", where, v, c.is_number ? "number" : "cell",
			         c.text ? c.text : "(none)");
	}
	xr_cell_release(&c);
}

/* Every row of `kpi query all --format json` against the workbook: the
 * KPI's sheet (every week) and the Summary (the last week). */
static size_t compare_xlsx_with_query(const char *xlsx, const char *query_json)
{
	json_error_t je;
	json_t *doc = json_loads(query_json, 0, &je), *kpis, *k;
	xr_book *b = xr_open(xlsx);
	const xr_sheet *sum = xr_sheet_by_name(b, "Summary");
	const char *last_start;
	size_t i, checked = 0;
	int sum_head = -1;

	if (!doc)
		fail_msg("kpi query printed invalid JSON: %s", je.text);
	for (int r = 0; r < 60 && sum_head < 0; r++)
		if (strcmp(xr_text(b, sum, r, 0), "KPI") == 0)
			sum_head = r;
	assert_true(sum_head > 0);
	kpis = json_object_get(doc, "kpis");
	last_start = json_string_value(json_object_get(json_array_get(json_object_get(json_array_get(kpis, 0), "rows"),
	                                                              json_array_size(json_object_get(json_array_get(kpis, 0), "rows")) - 1),
	                                               "period_start"));
	json_array_foreach(kpis, i, k) {
		const char *id = json_string_value(json_object_get(k, "kpi"));
		const char *unit = json_string_value(json_object_get(k, "unit"));
		const xr_sheet *s = xr_sheet_by_name(b, id);
		json_t *rows = json_object_get(k, "rows"), *row;
		size_t j;
		if (!s)
			fail_msg("the workbook has no sheet %s", id);
		json_array_foreach(rows, j, row) {
			char labels[512] = "", where[700], wk[16], shown[16];
			const char *name;
			json_t *v;
			int week = -1, c;
			double div;
			/* labels in the query's order, which is the catalogue's */
			json_object_foreach(json_object_get(row, "labels"), name, v)
				snprintf(labels + strlen(labels), sizeof(labels) - strlen(labels), "%s%s=%s", labels[0] ? "," : "",
				         name, json_string_value(v));
			int kh = KPI_HEAD, nr, nc;
			xr_dimension(s, &nr, &nc);
			for (int r = kh + 1; r < nr && week < 0; r++) {
				xr_cell d = xr_get(b, s, r, 1);
				char date[16];
				if (d.present && d.is_number) {
					/* Excel serial date of the week's start (UTC weeks) */
					time_t t = (time_t)((d.number - 25569) * 86400);
					strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&t));
					if (strncmp(date, json_string_value(json_object_get(row, "period_start")), 10) == 0)
						week = r;
				}
				xr_cell_release(&d);
			}
			if (week < 0)
				fail_msg("%s: no row for the week of %s", id, json_string_value(json_object_get(row, "period_start")));
			snprintf(wk, sizeof(wk), "%s", xr_text(b, s, week, 0)); /* its ISO week */
			snprintf(where, sizeof(where), "%s {%s} %s", id, labels, json_string_value(json_object_get(row, "period_start")));
			/* the label set's cells that week, in either layout of the table; a
			 * duration in the unit its header names */
			if (!xr_kpi_cell(b, s, labels, wk, false, &week, &c, shown, sizeof(shown)))
				fail_msg("%s: no row in the table", where);
			div = xr_unit_div(unit, shown);
			check_value(where, json_object_get(row, "value"), div, b, s, week, c);
			assert_true(xr_kpi_cell(b, s, labels, wk, true, &week, &c, shown, sizeof(shown)));
			if (strcmp(xr_text(b, s, week, c), json_string_value(json_object_get(row, "status"))) != 0)
				fail_msg("%s: status %s, expected %s", where, xr_text(b, s, week, c),
				         json_string_value(json_object_get(row, "status")));
			checked++;
			/* the last week is also on the Summary */
			if (strcmp(json_string_value(json_object_get(row, "period_start")), last_start) == 0) {
				int r = sum_head + 1;
				for (; r < sum_head + 200; r++)
					if (strcmp(xr_text(b, sum, r, 0), id) == 0 && strcmp(xr_text(b, sum, r, 1), labels) == 0)
						break;
				if (r == sum_head + 200)
					fail_msg("Summary has no row for %s {%s}", id, labels);
				snprintf(where, sizeof(where), "Summary %s {%s}", id, labels);
				{
					/* a duration's number format names its unit: '#,##0.00" d"' */
					xr_style st = xr_get_style(b, sum, r, 2);
					const char *q = strchr(st.num_format, '"');
					char fshown[16] = "";
					if (q)
						sscanf(q + 1, " %15[^\"]", fshown); /* after the space */
					div = q ? xr_unit_div(unit, fshown) : 1;
					xr_style_release(&st);
				}
				check_value(where, json_object_get(row, "value"), div, b, sum, r, 2);
				assert_string_equal(xr_text(b, sum, r, 5), json_string_value(json_object_get(row, "status")));
				checked++;
			}
		}
	}
	xr_close(b);
	json_decref(doc);
	return checked;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_pack_demo_xlsx_equals_query_and_converts(void **state)
{
	(void)state;
	it_db *db = it_db_create("pack_demo");
	kpi_error err = KPI_ERROR_INIT;
	char tmp[] = "/tmp/kpi-it-pack.XXXXXX", out[256], xlsx[512], pdf[512], cmd[2048], expect[1200];
	const char *env[] = { "KPI_NOW=2026-12-01T00:00:00Z", NULL };
	it_run_result r;
	size_t n;
	double t0;

	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	assert_non_null(mkdtemp(tmp));
	snprintf(out, sizeof(out), "%s/pack", tmp);
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "12", "--out", out,
			               "--db", db->conninfo, NULL };
		it_run(&r, argv, env, 120);
	}
	if (r.status != 0)
		fail_msg("kpi pack exited %d: %s", r.status, r.err);
	snprintf(xlsx, sizeof(xlsx), "%s/kpi-2026-W46.xlsx", out);
	snprintf(expect, sizeof(expect), "%s/kpi-2026-W46.pdf\n%s\n", out, xlsx);
	assert_string_equal(r.out, expect);
	it_run_free(&r);
	if (kpi_pack_verify(out, &n, &err))
		fail_msg("verify: %s", err.message);
	assert_int_equal(n, 14);

	/* the pack's CSV is the query's, byte for byte */
	{
		const char *argv[] = { "kpi", "query", "all", "--week", "2026-W46", "--weeks", "12", "--format", "csv",
			               "--db", db->conninfo, NULL };
		char csv[600];
		char *text = NULL;
		it_run(&r, argv, env, 60);
		if (r.status != 0)
			fail_msg("kpi query exited %d: %s", r.status, r.err);
		snprintf(csv, sizeof(csv), "%s/kpi-2026-W46.csv", out);
		assert_int_equal(kpi__read_file(&text, NULL, csv, NULL), 0);
		assert_string_equal(text, r.out);
		free(text);
		it_run_free(&r);
	}

	/* the workbook's numbers are the query's */
	{
		const char *argv[] = { "kpi", "query", "all", "--week", "2026-W46", "--weeks", "12", "--format", "json",
			               "--db", db->conninfo, NULL };
		size_t checked;
		it_run(&r, argv, env, 60);
		if (r.status != 0)
			fail_msg("kpi query exited %d: %s", r.status, r.err);
		checked = compare_xlsx_with_query(xlsx, r.out);
		print_message("XLSX = kpi query: %zu cells compared\n", checked);
		assert_true(checked > 300);
		it_run_free(&r);
	}

	/* a re-render of its snapshot gives the same pack, byte for byte */
	{
		char again[300], snapfile[400];
		snprintf(again, sizeof(again), "%s/again", tmp);
		snprintf(snapfile, sizeof(snapfile), "%s/snapshot.json", out);
		{
			const char *argv[] = { "kpi", "render", "--snapshot", snapfile, "--out", again, NULL };
			it_run(&r, argv, NULL, 60);
		}
		if (r.status != 0)
			fail_msg("kpi render exited %d: %s", r.status, r.err);
		it_run_free(&r);
		snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s' >/dev/null", out, again);
		assert_int_equal(system(cmd), 0);
	}

	/* LibreOffice (Debian's libreoffice-calc-nogui) converts it: a PDF with pages */
	t0 = now_s();
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && HOME='%s' timeout 240 libreoffice --headless --norestore --convert-to pdf --outdir '%s/lo' '%s'"
	         " >'%s/lo.log' 2>&1",
	         tmp, tmp, tmp, xlsx, tmp);
	if (system(cmd) != 0) {
		char log[600];
		snprintf(log, sizeof(log), "%s/lo.log", tmp);
		fail_msg("libreoffice --convert-to pdf failed (see %s)", log);
	}
	print_message("libreoffice --convert-to pdf: %.1f s\n", now_s() - t0);
	snprintf(pdf, sizeof(pdf), "%s/lo/kpi-2026-W46.pdf", tmp);
	{
		FILE *f = fopen(pdf, "rb");
		char magic[6] = { 0 };
		if (!f)
			fail_msg("LibreOffice wrote no %s", pdf);
		assert_int_equal(fread(magic, 1, 5, f), 5);
		fclose(f);
		assert_string_equal(magic, "%PDF-");
	}
	snprintf(cmd, sizeof(cmd), "pdfinfo '%s' | awk '/^Pages:/ { exit !($2 >= 12) }'", pdf);
	if (system(cmd) != 0)
		fail_msg("the converted PDF has fewer than 12 pages (a summary, ten KPI sheets, drill-down, definitions)");
	/* every number fits its column as LibreOffice lays it out: no ### */
	snprintf(cmd, sizeof(cmd), "pdftotext '%s' - | grep -c '###' >'%s/hashes.txt'", pdf, tmp);
	if (system(cmd) == 0) {
		char got[32] = "", file[300];
		FILE *f;
		snprintf(file, sizeof(file), "%s/hashes.txt", tmp);
		if ((f = fopen(file, "r"))) {
			if (!fgets(got, sizeof(got), f))
				got[0] = '\0';
			fclose(f);
		}
		fail_msg("LibreOffice shows ### in %s cells of the workbook (a column too narrow for its number)", got);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	it_db_drop(db);
}

/* An unreachable database: exit 4, one line, nothing written. */
static void test_pack_source_down_writes_nothing(void **state)
{
	(void)state;
	char tmp[] = "/tmp/kpi-it-pack.XXXXXX", out[256], cmd[512];
	const char *env[] = { "KPI_NOW=2026-12-01T00:00:00Z", "PGCONNECT_TIMEOUT=2", NULL };
	it_run_result r;
	struct stat st;

	assert_non_null(mkdtemp(tmp));
	snprintf(out, sizeof(out), "%s/reports/2026-W46", tmp);
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--out", out, "--db",
			               "host=/nonexistent-socket-dir port=1 dbname=x", NULL };
		it_run(&r, argv, env, 30);
	}
	assert_int_equal(r.status, 4);
	assert_string_equal(r.out, "");
	assert_int_equal(it_count_lines(r.err), 1);
	assert_non_null(strstr(r.err, "cannot connect to PostgreSQL"));
	assert_int_not_equal(stat(out, &st), 0);
	it_run_free(&r);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_drilldown_agrees_with_the_kpis),
		cmocka_unit_test(test_pack_demo_xlsx_equals_query_and_converts),
		cmocka_unit_test(test_pack_source_down_writes_nothing),
	};
	if (!it_pg_wanted("integration_pack"))
		return IT_SKIP;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
