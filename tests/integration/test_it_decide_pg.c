/*
 * A governance meeting run from the pack, against the tests' PostgreSQL:
 * the pack of 2026-W45, a decision that overrides its verdict with a note
 * and two action items, then the pack of 2026-W46 into the same reports
 * directory: its snapshot and its cover show the override, the note and
 * the open items (one overdue), and kpi verify checks pack and chain. A
 * second kpi pack of the decided week is refused, and with
 * --replace-decided keeps the decided pack beside the new one.
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

static void test_decide__override_shown_in_the_next_pack(void **state)
{
	(void)state;
	it_db *db = it_db_create("decide_pg");
	kpi_error err = KPI_ERROR_INIT;
	kpi_snapshot *w45 = NULL, *w46 = NULL;
	char tmp[] = "/tmp/kpi-it-decide.XXXXXX", reports[64], p45[96], p46[96], path[256], want[512], cmd[512];
	const char *decision, *computed;
	char *out = NULL, *text = NULL;
	const kpi_history *h;

	if (kpi_seed(db->cfg, "demo", 1, true, &err))
		fail_msg("kpi_seed demo: %s", err.message);
	assert_non_null(mkdtemp(tmp));
	snprintf(reports, sizeof(reports), "%s/reports", tmp);
	snprintf(p45, sizeof(p45), "%s/2026-W45", reports);
	snprintf(p46, sizeof(p46), "%s/2026-W46", reports);
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W45", "--weeks", "4", "--out", p45, "--db",
			               db->conninfo, NULL };
		it_run_ok_at(argv, "2026-11-10T08:00:00Z", NULL, NULL);
	}
	snprintf(path, sizeof(path), "%s/snapshot.json", p45);
	if (kpi_snapshot_load(&w45, path, &err))
		fail_msg("%s", err.message);
	/* nothing on record yet: an empty history */
	assert_non_null(w45->history);
	assert_false(w45->history->has_decision);
	assert_int_equal(w45->history->nactions, 0);
	computed = kpi_verdict_name(w45->verdicts[w45->result->window.nweeks - 1].verdict);
	decision = strcmp(computed, "GO") == 0 ? "no-go" : "go";
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W45", "--decision", decision, "--by", "Rollout board",
			               "--note", "the backfill log covers what the pack could not",
			               "--action", "Bo Li: backfill the oldest designs by 2026-11-12",
			               "--action", "Cy: drill again by 2026-12-31", "--reports", reports, NULL };
		it_run_ok_at(argv, "2026-11-10T10:00:00Z", &out, NULL);
		assert_non_null(strstr(out, "an override"));
		free(out);
	}
	/* the decided pack of 2026-W45 is not replaced by a second run; with
	 * --replace-decided it is kept beside, and the decision still verifies */
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W45", "--weeks", "4", "--out", p45, "--db",
			               db->conninfo, NULL };
		const char *env[] = { "KPI_NOW=2026-11-10T11:00:00Z", "KPI_CONFIG", NULL };
		char m0[65], m1[65];
		it_run_result r;
		snprintf(path, sizeof(path), "%s/manifest.json", p45);
		assert_int_equal(kpi__file_sha256(m0, NULL, path, &err), 0);
		it_run(&r, argv, env, 180);
		assert_int_equal(r.status, 2);
		snprintf(want, sizeof(want), "kpi: %s is the pack of 2026-W45 decided on in %s/decisions.jsonl:1 (", p45,
		         reports);
		if (strncmp(r.err, want, strlen(want)) != 0 || it_count_lines(r.err) != 1)
			fail_msg("kpi pack over the decided pack: exit 2 and '%s...' expected, got: %s", want, r.err);
		it_run_free(&r);
		assert_int_equal(kpi__file_sha256(m1, NULL, path, &err), 0);
		assert_string_equal(m0, m1);
		const char *argv2[] = { "kpi", "pack", "--week", "2026-W45", "--weeks", "4", "--out", p45, "--db",
			                db->conninfo, "--replace-decided", NULL };
		it_run_ok_at(argv2, "2026-11-10T11:00:00Z", NULL, &out);
		snprintf(want, sizeof(want), "kpi: the pack a decision was taken on is kept as %s.decided-%.12s", p45, m0);
		if (!strstr(out, want))
			fail_msg("stderr lacks '%s': %s", want, out);
		free(out);
		const char *argv3[] = { "kpi", "verify", reports, NULL };
		it_run_ok_at(argv3, "2026-11-10T11:00:00Z", NULL, NULL);
	}
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--weeks", "4", "--out", p46, "--db",
			               db->conninfo, NULL };
		it_run_ok_at(argv, "2026-11-17T08:00:00Z", NULL, NULL);
	}
	snprintf(path, sizeof(path), "%s/snapshot.json", p46);
	if (kpi_snapshot_load(&w46, path, &err))
		fail_msg("%s", err.message);
	assert_int_equal(w46->format, KPI_SNAPSHOT_FORMAT);
	h = w46->history;
	assert_non_null(h);
	assert_true(h->has_decision);
	assert_int_equal(h->week.week, 45);
	assert_string_equal(kpi_verdict_name(h->verdict), computed);
	assert_true(h->decision != h->verdict);
	assert_string_equal(h->by, "Rollout board");
	assert_string_equal(h->note, "the backfill log covers what the pack could not");
	assert_int_equal(h->nactions, 2);
	assert_string_equal(h->actions[0].id, "2026-W45.1");
	assert_true(h->actions[0].overdue);   /* due 2026-11-12, the week evaluated as of 2026-11-16 */
	assert_false(h->actions[1].overdue);
	/* the cover */
	snprintf(cmd, sizeof(cmd), "pdftotext -f 1 -l 1 -layout '%s/kpi-2026-W46.pdf' '%s/cover.txt'", p46, tmp);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/cover.txt", tmp);
	assert_int_equal(kpi__read_file(&text, NULL, path, NULL), 0);
	snprintf(want, sizeof(want), "An override: the pack of 2026-W45 computed %s; the meeting decided %s.", computed,
	         kpi_verdict_name(h->decision));
	if (!strstr(text, want))
		fail_msg("the cover lacks '%s':\n%s", want, text);
	assert_non_null(strstr(text, "Note: the backfill log covers what the pack could not"));
	assert_non_null(strstr(text, "Open action items (2, 1 overdue)"));
	assert_non_null(strstr(text, "OVERDUE (due 2026-11-12)"));
	assert_non_null(strstr(text, "Cy: drill again"));
	free(text);
	/* verify: the pack, then the chain beside it */
	{
		const char *argv[] = { "kpi", "verify", p46, NULL };
		it_run_ok_at(argv, "2026-11-17T08:00:00Z", &out, NULL);
		assert_non_null(strstr(out, "1 record, hash chain intact, every pack decided on unchanged"));
		free(out);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	kpi_snapshot_free(w45);
	kpi_snapshot_free(w46);
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide__override_shown_in_the_next_pack),
	};
	if (!it_pg_wanted("decide_pg"))
		return IT_SKIP;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
