/*
 * Restatements with late rows in the tests' PostgreSQL: the pack of
 * 2026-W45, then late rows (owned exports that failed in W45, inserted
 * after that pack was built) and a broken pack directory beside it, then
 * the pack of 2026-W46 into the same reports directory. The W45 values the
 * late rows change are restated old -> new from the W45 pack, the others
 * are not; W45's verdict turns NO-GO and the cover says so; the appendix,
 * the scorecard and the workbook list them; the broken pack is named in a
 * warning and does not fail the pack; a re-render gives the same PDF.
 * The cover says "since its pack was made" unless a decision on the week
 * is on record, and names what differs only when the snapshots show it
 * (the data there; the waivers, not the data, when only a waiver came).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "it_util.h"
#include "core/internal.h"

/* The row of KPI `id` in week `week` whose first label is `label` (NULL: none). */
static const kpi_row *row_of(const kpi_snapshot *s, const char *id, int week, const char *label)
{
	for (size_t i = 0; i < s->result->nseries; i++) {
		const kpi_series *se = &s->result->series[i];
		if (strcmp(se->def->id, id) != 0)
			continue;
		for (size_t k = 0; k < se->nrows; k++) {
			int wi = kpi_window_index(&s->result->window, se->rows[k].period_start);
			if (wi < 0 || kpi_week_add(s->result->window.first, wi).week != week)
				continue;
			if (!label || (se->nlabels && strcmp(se->rows[k].labels[0], label) == 0))
				return &se->rows[k];
		}
	}
	return NULL;
}

static const kpi_restated *restated_of(const kpi_restatements *r, const char *id, const char *label)
{
	for (size_t i = 0; i < r->nvalues; i++)
		if (strcmp(r->values[i].kpi, id) == 0 &&
		    (!label || (r->values[i].nlabels && strcmp(r->values[i].label_values[0], label) == 0)))
			return &r->values[i];
	return NULL;
}

static char *pdf_text(const char *tmp, const char *pdf, int first, int last)
{
	char cmd[1024], path[256];
	char *text = NULL;
	snprintf(path, sizeof(path), "%s/pdf.txt", tmp);
	snprintf(cmd, sizeof(cmd), "pdftotext -f %d -l %d '%s' '%s'", first, last, pdf, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(kpi__read_file(&text, NULL, path, NULL), 0);
	return text;
}

/* The demo dataset in `db`, and its pack of 2026-W45 (4 weeks) at `dir`, made on 2026-11-10. */
static void seed_and_pack_w45(it_db *db, const char *dir)
{
	kpi_error err = KPI_ERROR_INIT;
	const char *argv[] = { "kpi", "pack", "--week", "2026-W45", "--weeks", "4", "--out", dir, "--db", db->conninfo, NULL };
	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	it_run_ok_at(argv, "2026-11-10T08:00:00Z", NULL, NULL);
}

/* The cover's sentence on page 1 of the W46 pack in `dir`, from "Changed" to its full stop after "appendix". */
static char *changed_sentence(const char *tmp, const char *dir)
{
	char pdf[256], *text, *at, *end;
	/* the pack's PDF is named after its week, the directory's name */
	snprintf(pdf, sizeof(pdf), "%s/kpi-%s.pdf", dir, strrchr(dir, '/') + 1);
	text = pdf_text(tmp, pdf, 1, 1);
	for (char *c = text; *c; c++)
		if (*c == '\n')
			*c = ' ';
	if (!(at = strstr(text, "Changed since")) || !(end = strstr(at, "in the appendix.")))
		fail_msg("no restated verdict on the cover of %s:\n%s", dir, text);
	end[strlen("in the appendix.")] = '\0';
	memmove(text, at, strlen(at) + 1);
	return text;
}

static void test_restate__late_rows_between_two_packs(void **state)
{
	(void)state;
	it_db *db = it_db_create("restate_pg");
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *w45 = NULL, *w46 = NULL;
	char tmp[] = "/tmp/kpi-it-restate.XXXXXX", reports[64], p45[96], p46[96], again[96], path[256], cmd[512];
	char pdf[160], *text = NULL, *errout = NULL, *a = NULL, *b = NULL;
	const kpi_row *old_owned, *new_owned, *old_legacy;
	const kpi_restatements *r;
	const kpi_restated *x;
	kpi_verdict_kind v45;
	size_t la, lb;

	assert_non_null(mkdtemp(tmp));
	snprintf(reports, sizeof(reports), "%s/reports", tmp);
	snprintf(p45, sizeof(p45), "%s/2026-W45", reports);
	snprintf(p46, sizeof(p46), "%s/2026-W46", reports);
	seed_and_pack_w45(db, p45);
	snprintf(path, sizeof(path), "%s/snapshot.json", p45);
	if (kpi_snapshot_load(&w45, path, &err))
		fail_msg("%s", err.message);
	/* the first pack of the directory: nothing earlier to compare with */
	assert_int_equal(w45->format, 4);
	assert_non_null(w45->restatements);
	assert_int_equal(w45->restatements->ncompared, 0);
	assert_int_equal(w45->restatements->values_total, 0);
	v45 = w45->verdicts[w45->result->window.nweeks - 1].verdict;
	assert_int_not_equal(v45, KPI_VERDICT_NOGO); /* so the late rows can flip it */
	old_owned = row_of(w45, "export_success_rate", 45, "owned");
	old_legacy = row_of(w45, "export_success_rate", 45, "legacy");
	assert_non_null(old_owned);
	assert_non_null(old_legacy);
	assert_true(old_owned->has_value && old_owned->value >= 99.0);

	/* late rows: 400 owned exports that failed in W45, inserted now */
	it_db_exec(db, "INSERT INTO jobs (id, design_id, kind, path, status, enqueued_at, started_at, finished_at) "
	               "SELECT 900000000 + g, (SELECT min(id) FROM designs), 'export', 'owned', 'failed', "
	               "'2026-11-04T10:00:00Z', '2026-11-04T10:01:00Z', '2026-11-04T10:30:00Z' "
	               "FROM generate_series(1, 400) g");
	/* and an earlier pack that cannot be read */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/2026-W44' && echo '{\"format\": ' > '%s/2026-W44/manifest.json'", reports,
	         reports);
	assert_int_equal(system(cmd), 0);
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "4", "--out", p46, "--db",
			               db->conninfo, NULL };
		it_run_ok_at(argv, "2026-11-17T08:00:00Z", NULL, &errout);
	}
	/* the broken pack: a warning naming it, never a failure */
	if (!strstr(errout, "pack.restatements.unreadable") || !strstr(errout, "2026-W44"))
		fail_msg("no warning naming the unreadable pack:\n%s", errout);
	snprintf(path, sizeof(path), "%s/snapshot.json", p46);
	if (kpi_snapshot_load(&w46, path, &err))
		fail_msg("%s", err.message);
	assert_int_equal(w46->format, 4);
	r = w46->restatements;
	assert_non_null(r);
	assert_int_equal(r->ncompared, 1);
	assert_string_equal(r->compared[0], "2026-W45");
	assert_int_equal(r->nunread, 1);
	assert_non_null(strstr(r->unread[0].pack, "2026-W44"));
	/* the owned export success rate of W45: restated old -> new from the W45 pack */
	new_owned = row_of(w46, "export_success_rate", 45, "owned");
	assert_non_null(new_owned);
	assert_true(new_owned->has_value && new_owned->value < old_owned->value);
	x = restated_of(r, "export_success_rate", "owned");
	assert_non_null(x);
	assert_int_equal(x->week.week, 45);
	assert_true(x->old_has && x->old_value == old_owned->value);
	assert_true(x->new_has && x->new_value == new_owned->value);
	assert_string_equal(x->pack, "2026-W45");
	/* the unaffected are not: the legacy path's, and every KPI the late rows do not feed */
	assert_null(restated_of(r, "export_success_rate", "legacy"));
	assert_true(row_of(w46, "export_success_rate", 45, "legacy")->value == old_legacy->value);
	assert_true(r->values_total == r->nvalues && r->nvalues >= 1);
	for (size_t i = 0; i < r->nvalues; i++) {
		const kpi_restated *v = &r->values[i];
		if (v->week.week != 45 || (strcmp(v->kpi, "export_success_rate") != 0 && strcmp(v->kpi, "adoption_split") != 0 &&
		                           strcmp(v->kpi, "job_latency_seconds") != 0))
			fail_msg("restated unexpectedly: %s week %d", v->kpi, v->week.week);
	}
	/* the verdict of W45 flipped */
	assert_int_equal(r->nverdicts, 1);
	assert_int_equal(r->verdicts[0].week.week, 45);
	assert_int_equal(r->verdicts[0].old_verdict, v45);
	assert_int_equal(r->verdicts[0].new_verdict, KPI_VERDICT_NOGO);
	assert_string_equal(r->verdicts[0].pack, "2026-W45");
	/* nobody decided W45; what differs is its data, and only that */
	assert_false(r->verdicts[0].decided);
	assert_int_equal(r->verdicts[0].differ, KPI_RESTATED_DATA);

	/* the cover says so in words; the scorecard marks it; the appendix lists it */
	snprintf(pdf, sizeof(pdf), "%s/kpi-2026-W46.pdf", p46);
	text = pdf_text(tmp, pdf, 1, 1);
	snprintf(cmd, sizeof(cmd), "2026-W45 is now NO-GO, not the %s its pack 2026-W45 reported", kpi_verdict_name(v45));
	if (!strstr(text, cmd))
		fail_msg("the cover lacks '%s':\n%s", cmd, text);
	free(text);
	text = changed_sentence(tmp, p46);
	snprintf(cmd, sizeof(cmd), "Changed since its pack was made: 2026-W45 is now NO-GO, not the %s its pack 2026-W45 "
	         "reported. That pack differs from this one in the data (late or corrected rows). See Restatements in "
	         "the appendix.", kpi_verdict_name(v45));
	if (strcmp(text, cmd) != 0)
		fail_msg("the cover says\n  %s\nnot\n  %s", text, cmd);
	free(text);
	text = pdf_text(tmp, pdf, 1, 999);
	assert_non_null(strstr(text, "RESTATED"));
	assert_non_null(strstr(text, "Appendix E — Restatements"));
	assert_non_null(strstr(text, "Verdicts changed"));
	assert_non_null(strstr(text, "could not be read"));
	free(text);
	/* the workbook has the sheet */
	snprintf(cmd, sizeof(cmd), "unzip -p '%s/kpi-2026-W46.xlsx' xl/workbook.xml | grep -q 'name=\"Restatements\"'", p46);
	assert_int_equal(system(cmd), 0);
	/* a re-render from snapshot.json alone: the same PDF */
	snprintf(again, sizeof(again), "%s/again", tmp);
	{
		const char *argv[] = { "kpi", "render", "--snapshot", path, "--out", again, NULL };
		it_run_ok_at(argv, "2026-11-17T08:00:00Z", NULL, NULL);
	}
	assert_int_equal(kpi__read_file(&a, &la, pdf, NULL), 0);
	snprintf(pdf, sizeof(pdf), "%s/kpi-2026-W46.pdf", again);
	assert_int_equal(kpi__read_file(&b, &lb, pdf, NULL), 0);
	assert_true(la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
	free(errout);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	kpi_snapshot_free(w45);
	kpi_snapshot_free(w46);
	it_db_drop(db);
}

/* A waiver is a config change, not data: the pack of 2026-W45 (HOLD: the
 * API KPIs are not measured), then 2026-W46 with waivers of both (a waiver
 * has no start week, so W45 is GO now) and no new rows. Once in a reports
 * directory where nobody decided W45 ("since its pack was made"), once
 * where kpi decide recorded a decision on it ("since it was decided"); both
 * name the waivers as what differs, neither the data. */
static void test_restate__waivers_not_data_decided_or_not(void **state)
{
	(void)state;
	it_db *db = it_db_create("restate_waivers_pg");
	kpi_error err = KPI_ERROR_INIT;
	char tmp[] = "/tmp/kpi-it-restate-w.XXXXXX", undecided[96], decided[96], dir[160], path[256], cmd[600];
	char cfg[160], *said;
	kpi_snapshot *w46 = NULL;
	FILE *f;

	assert_non_null(mkdtemp(tmp));
	snprintf(undecided, sizeof(undecided), "%s/undecided", tmp);
	snprintf(decided, sizeof(decided), "%s/decided", tmp);
	snprintf(dir, sizeof(dir), "%s/2026-W45", undecided);
	seed_and_pack_w45(db, dir);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", undecided, decided);
	assert_int_equal(system(cmd), 0);
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W45", "--decision", "hold", "--by", "Ana",
			               "--reports", decided, NULL };
		it_run_ok_at(argv, "2026-11-10T09:00:00Z", NULL, NULL);
	}
	snprintf(cfg, sizeof(cfg), "%s/config.json", tmp);
	assert_non_null(f = fopen(cfg, "w"));
	fputs("{\"waivers\": [\n"
	      "  {\"kpi\": \"api_error_rate_pct\", \"reason\": \"ALB moves account\", \"approved_by\": \"J. Rivera\", \"until\": \"2026-W47\"},\n"
	      "  {\"kpi\": \"api_latency_p95_ms\", \"reason\": \"ALB moves account\", \"approved_by\": \"J. Rivera\", \"until\": \"2026-W47\"}\n"
	      "]}\n", f);
	assert_int_equal(fclose(f), 0);
	for (int k = 0; k < 2; k++) {
		const char *reports = k ? decided : undecided;
		const kpi_restated_verdict *v = NULL;
		snprintf(dir, sizeof(dir), "%s/2026-W46", reports);
		{
			const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "4", "--out", dir, "--db",
				               db->conninfo, "--config", cfg, NULL };
			it_run_ok_at(argv, "2026-11-17T08:00:00Z", NULL, NULL);
		}
		snprintf(path, sizeof(path), "%s/snapshot.json", dir);
		if (kpi_snapshot_load(&w46, path, &err))
			fail_msg("%s", err.message);
		assert_int_equal(w46->restatements->values_total, 0); /* no data changed */
		/* every week of the window W45's pack held for the API KPIs alone is GO now */
		assert_int_equal(w46->restatements->nverdicts, 2);
		for (size_t i = 0; i < w46->restatements->nverdicts; i++) {
			v = &w46->restatements->verdicts[i];
			assert_int_equal(v->old_verdict, KPI_VERDICT_HOLD);
			assert_int_equal(v->new_verdict, KPI_VERDICT_GO);
			assert_int_equal(v->decided, k == 1 && v->week.week == 45); /* only W45 was decided */
			assert_int_equal(v->differ, KPI_RESTATED_WAIVERS);
		}
		assert_non_null(v);
		assert_int_equal(v->week.week, 45);
		said = changed_sentence(tmp, dir);
		/* W43 (held for the API KPIs) too, and the cause once */
		snprintf(cmd, sizeof(cmd), "Changed since %s: 2026-W43 is now GO, not the HOLD its pack 2026-W45 reported; "
		         "and 2026-W45 is now GO, not the HOLD its pack 2026-W45 reported%s. That pack differs from this "
		         "one in the waivers in force (a waiver has no start week: it covers earlier weeks too). See "
		         "Restatements in the appendix.", k ? "the pack that reported them was made" : "the pack that "
		         "reported them was made", k ? " (a decision on it is on record)" : "");
		if (strcmp(said, cmd) != 0)
			fail_msg("the cover says\n  %s\nnot\n  %s", said, cmd);
		free(said);
		/* the reasons box of a GO whose measures not read are waived does
		 * not say every measure was read */
		snprintf(path, sizeof(path), "%s/kpi-2026-W46.pdf", dir);
		said = pdf_text(tmp, path, 1, 1);
		for (char *c = said; *c; c++)
			if (*c == '\n')
				*c = ' ';
		if (!strstr(said, "None: every measure that decides the rollout was read and meets its target this week, "
		                  "or is excused by an approved waiver (2 excused, below)."))
			fail_msg("the reasons box of a waived GO:\n%s", said);
		free(said);
		kpi_snapshot_free(w46);
		w46 = NULL;
	}
	/* W47 without the waivers: W45 is HOLD again, as decided on its own
	 * pack, against the GO the W46 pack reported. The decision was not
	 * taken on that pack: not "since it was decided". */
	{
		const kpi_restated_verdict *v = NULL;
		snprintf(dir, sizeof(dir), "%s/2026-W47", decided);
		{
			const char *argv[] = { "kpi", "pack", "--week", "2026-W47", "--weeks", "4", "--out", dir, "--db",
				               db->conninfo, NULL };
			it_run_ok_at(argv, "2026-11-24T08:00:00Z", NULL, NULL);
		}
		snprintf(path, sizeof(path), "%s/snapshot.json", dir);
		if (kpi_snapshot_load(&w46, path, &err))
			fail_msg("%s", err.message);
		for (size_t i = 0; i < w46->restatements->nverdicts; i++)
			if (w46->restatements->verdicts[i].week.week == 45)
				v = &w46->restatements->verdicts[i];
		assert_non_null(v);
		assert_string_equal(v->pack, "2026-W46");
		assert_int_equal(v->old_verdict, KPI_VERDICT_GO);
		assert_int_equal(v->new_verdict, KPI_VERDICT_HOLD);
		assert_false(v->decided);
		said = changed_sentence(tmp, dir);
		if (strstr(said, "decided") || strstr(said, "decision"))
			fail_msg("a decision taken on another pack: the cover says\n  %s", said);
		free(said);
		kpi_snapshot_free(w46);
		w46 = NULL;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restate__late_rows_between_two_packs),
		cmocka_unit_test(test_restate__waivers_not_data_decided_or_not),
	};
	if (!it_pg_wanted("restate_pg"))
		return IT_SKIP;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
