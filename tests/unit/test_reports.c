/* The reports directory (kpi/reports.h): listing packs, reading and
 * checking decisions.jsonl. */
#include "unit.h"
#include "packfix.h"
#include "reports/reports_int.h"
#include "snapshot/snapshot_history.h"

#include <sys/stat.h>
#include <unistd.h>

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static void write_text(const char *path, const char *text)
{
	packfix_write(path, text, strlen(text));
}

static void mkdirp(const char *path)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static void test_reports_list__packs_sorted_and_skipped(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_buf json = packfix_json(snap);
	kpi_error err = KPI_ERROR_INIT;
	kpi_reports *r = NULL;
	char root[512], dir[1024], p[1200];
	char sha[65];
	uint64_t size;
	kpi_week w46 = { 2026, 46 }, w45 = { 2026, 45 }, w44 = { 2026, 44 };

	snprintf(root, sizeof(root), "%s/reports", packfix_tmpdir());
	snprintf(dir, sizeof(dir), "%s/2026-W46", root);
	if (kpi_pack_write(NULL, dir, snap, json.data, json.len, &err))
		fail_msg("kpi_pack_write: %s", err.message);
	/* a copy of the same week under another name, sorted after it */
	snprintf(p, sizeof(p), "cp -r '%s' '%s/latest'", dir, root);
	assert_int_equal(system(p), 0);
	/* a hand-made pack of an earlier week: only its manifest is read */
	snprintf(p, sizeof(p), "%s/old", root);
	mkdirp(p);
	write_text(packfix_path(p, "manifest.json"),
	           "{\"format\": 1, \"window\": {\"last_week\": \"2026-W44\"}, \"files\": [{\"path\": \"snapshot.json\"}, "
	           "{\"path\": \"kpi-2026-W44.pdf\"}]}\n");
	/* not packs: no manifest (left out), a broken one, one without snapshot, a hidden one */
	snprintf(p, sizeof(p), "%s/notes", root);
	mkdirp(p);
	snprintf(p, sizeof(p), "%s/broken", root);
	mkdirp(p);
	write_text(packfix_path(p, "manifest.json"), "{\"format\": 1, \"window\": {\"last_week\": \"2026-W99\"}}\n");
	snprintf(p, sizeof(p), "%s/nosnap", root);
	mkdirp(p);
	write_text(packfix_path(p, "manifest.json"),
	           "{\"format\": 1, \"window\": {\"last_week\": \"2026-W45\"}, \"files\": []}\n");
	snprintf(p, sizeof(p), "%s/.2026-W47.kpi-tmp-1", root);
	mkdirp(p);
	write_text(packfix_path(p, "manifest.json"), "{}");
	write_text(packfix_path(root, "decisions.jsonl"), "");

	if (kpi_reports_list(&r, root, &err))
		fail_msg("kpi_reports_list: %s", err.message);
	assert_int_equal(r->npacks, 3);
	assert_string_equal(r->packs[0].name, "old");
	assert_int_equal(kpi_week_cmp(r->packs[0].week, w44), 0);
	snprintf(dir, sizeof(dir), "%s/old", root);
	assert_string_equal(r->packs[0].pdf, packfix_path(dir, "kpi-2026-W44.pdf"));
	assert_null(r->packs[0].xlsx);
	assert_int_equal(r->packs[0].npngs, 0);
	assert_string_equal(r->packs[1].name, "2026-W46");
	assert_string_equal(r->packs[2].name, "latest");
	snprintf(dir, sizeof(dir), "%s/2026-W46", root);
	assert_string_equal(r->packs[1].dir, dir);
	assert_string_equal(r->packs[1].manifest, packfix_path(dir, "manifest.json"));
	assert_string_equal(r->packs[1].snapshot, packfix_path(dir, "snapshot.json"));
	assert_string_equal(r->packs[1].pdf, packfix_path(dir, "kpi-2026-W46.pdf"));
	assert_string_equal(r->packs[1].xlsx, packfix_path(dir, "kpi-2026-W46.xlsx"));
	assert_int_equal(r->packs[1].npngs, snap->catalog->nkpis);
	assert_string_equal(r->packs[1].pngs[0], packfix_path(dir, "charts/api_error_rate_pct.png"));
	assert_int_equal(kpi__file_sha256(sha, &size, packfix_path(dir, "manifest.json"), NULL), 0);
	assert_string_equal(r->packs[1].manifest_sha256, sha);
	/* the pack named after its week wins over a copy */
	assert_ptr_equal(kpi_reports_find(r, w46), &r->packs[1]);
	assert_ptr_equal(kpi_reports_find(r, w44), &r->packs[0]);
	assert_null(kpi_reports_find(r, w45));
	/* skipped, with reasons, sorted by path */
	assert_int_equal(r->nskipped, 2);
	assert_non_null(strstr(r->skipped[0].dir, "/broken"));
	assert_non_null(strstr(r->skipped[0].reason, "window.last_week is not an ISO week"));
	assert_non_null(strstr(r->skipped[0].reason, "manifest.json:1:"));
	assert_non_null(strstr(r->skipped[1].dir, "/nosnap"));
	assert_non_null(strstr(r->skipped[1].reason, "does not list snapshot.json"));
	kpi_reports_free(r);

	/* a directory that does not exist is an empty list */
	if (kpi_reports_list(&r, packfix_path(root, "absent"), &err))
		fail_msg("kpi_reports_list: %s", err.message);
	assert_int_equal(r->npacks + r->nskipped, 0);
	assert_null(kpi_reports_find(r, w46));
	kpi_reports_free(r);
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
}

/* Append a record to `b` as kpi decide writes it, chained to `prev`;
 * returns its hash in `sha`. */
static void add_record(kpi_buf *b, const char *prev, char sha[65], int week, const char *decision, const char *note,
                       kpi_action *acts, size_t nacts, char **closes, size_t ncloses)
{
	kpi_decision d = { 0 };
	size_t start = b->len;
	d.week = (kpi_week){ 2026, week };
	assert_true(kpi__decision_parse(&d.decision, decision));
	d.verdict = KPI_VERDICT_HOLD;
	d.by = (char *)"Ana Pérez";
	d.at = utc(2026, 11, 17, 10, 0, 0);
	d.note = (char *)note;
	d.actions = acts;
	d.nactions = nacts;
	d.closes = closes;
	d.ncloses = ncloses;
	memset(d.manifest_sha256, 'a', 64);
	strcpy(d.prev_sha256, prev);
	assert_int_equal(kpi__decision_write(b, &d), 0);
	kpi_sha256_hex(sha, b->data + start, b->len - start);
	assert_int_equal(kpi_buf_puts(b, "\n"), 0);
}

static kpi_buf three_records(void)
{
	kpi_buf b = KPI_BUF_INIT;
	char s1[65], s2[65], s3[65];
	kpi_action a1[] = { { (char *)"2026-W45.1", (char *)"Bo", (char *)"Backfill \"legacy\" designs", (char *)"2026-11-20" },
		            { (char *)"2026-W45.2", (char *)"Cy", (char *)"Page the DB team", (char *)"2026-11-27" } };
	kpi_action a3[] = { { (char *)"2026-W46.1", (char *)"Di", (char *)"Re-run the drill", (char *)"2026-12-04" } };
	char *c3[] = { (char *)"2026-W45.1" };

	add_record(&b, ZEROS, s1, 45, "hold", NULL, a1, 2, NULL, 0);
	add_record(&b, s1, s2, 46, "go", "verdict said HOLD:\tcoverage is known", NULL, 0, NULL, 0);
	add_record(&b, s2, s3, 46, "no-go", NULL, a3, 1, c3, 1);
	return b;
}

static void expect_load_fails(const char *path, const char *text, const char *want)
{
	kpi_decisions *d = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char full[2048];

	write_text(path, text);
	if (kpi_decisions_load(&d, path, &err) != KPI_EDATA)
		fail_msg("expected KPI_EDATA for '%s', got '%s'", want, err.message);
	assert_null(d);
	snprintf(full, sizeof(full), "%s:%s", path, want);
	if (strcmp(err.message, full) != 0)
		fail_msg("got '%s', want '%s'", err.message, full);
}

/* `text` with the first `from` after `after` replaced by `to` (caller frees). */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) + strlen(to) + 1;
	char *out = malloc(n);
	assert_non_null(at);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

static void test_decisions__chain_read_and_every_damage(void **state)
{
	(void)state;
	kpi_buf b = three_records();
	const char *path = packfix_path(packfix_tmpdir(), "decisions.jsonl");
	kpi_decisions *d = NULL;
	kpi_error err = KPI_ERROR_INIT;
	const kpi_action **open = NULL;
	size_t nopen;
	char *bad;

	packfix_write(path, b.data, b.len);
	if (kpi_decisions_load(&d, path, &err))
		fail_msg("load: %s", err.message);
	assert_int_equal(d->n, 3);
	assert_int_equal(d->rec[0].line, 1);
	assert_int_equal(d->rec[0].decision, KPI_VERDICT_HOLD);
	assert_int_equal(d->rec[1].decision, KPI_VERDICT_GO);
	assert_int_equal(d->rec[1].verdict, KPI_VERDICT_HOLD);
	assert_string_equal(d->rec[1].note, "verdict said HOLD:\tcoverage is known");
	assert_null(d->rec[0].note);
	assert_string_equal(d->rec[0].by, "Ana Pérez");
	assert_int_equal(d->rec[0].at, utc(2026, 11, 17, 10, 0, 0));
	assert_string_equal(d->rec[0].prev_sha256, ZEROS);
	assert_string_equal(d->rec[1].prev_sha256, d->rec[0].sha256);
	assert_string_equal(d->rec[2].prev_sha256, d->rec[1].sha256);
	assert_string_equal(d->rec[0].actions[1].text, "Page the DB team");
	assert_string_equal(d->rec[2].closes[0], "2026-W45.1");
	/* the record in force for a week is its last */
	assert_ptr_equal(kpi_decisions_find(d, (kpi_week){ 2026, 46 }), &d->rec[2]);
	assert_ptr_equal(kpi_decisions_find(d, (kpi_week){ 2026, 45 }), &d->rec[0]);
	assert_null(kpi_decisions_find(d, (kpi_week){ 2026, 44 }));
	/* open actions: W45.1 was closed */
	assert_int_equal(kpi_decisions_open_actions(&open, &nopen, d, &err), 0);
	assert_int_equal(nopen, 2);
	assert_string_equal(open[0]->id, "2026-W45.2");
	assert_string_equal(open[1]->id, "2026-W46.1");
	free(open);
	kpi_decisions_free(d);

	/* a value changed in record 2: the chain breaks at record 3 */
	bad = replace(b.data, "\"decision\": \"go\"", "\"decision\": \"hold\"");
	expect_load_fails(path, bad, "3: prev_sha256 does not match record 2 (a record was changed, removed or inserted)");
	free(bad);
	/* record 2 removed */
	{
		const char *l2 = strchr(b.data, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
		size_t n = (size_t)(l2 - b.data);
		bad = malloc(b.len + 1);
		memcpy(bad, b.data, n);
		strcpy(bad + n, l3);
		expect_load_fails(path, bad, "2: prev_sha256 does not match record 1 (a record was changed, removed or inserted)");
		/* the last line cut */
		bad[strlen(bad) - 1] = '\0';
		expect_load_fails(path, bad, "2: the last record has no newline (a cut write?)");
		free(bad);
	}
	/* the first record's prev */
	bad = replace(b.data, ZEROS, "0000000000000000000000000000000000000000000000000000000000000001");
	expect_load_fails(path, bad, "1: prev_sha256 of the first record is not 64 zeros");
	free(bad);
	/* other shapes of the same record */
	bad = replace(b.data, "\"format\": 1, ", "\"format\": 1,");
	expect_load_fails(path, bad, "1: the record is not written as kpi decide writes it");
	free(bad);
	bad = replace(b.data, "\"decision\": \"hold\"", "\"decision\": \"maybe\"");
	expect_load_fails(path, bad, "1: decision is not go, no-go or hold");
	free(bad);
	bad = replace(b.data, "\"due\": \"2026-11-20\"", "\"due\": \"2026-02-30\"");
	expect_load_fails(path, bad, "1: an action is not {id, owner, text, due: YYYY-MM-DD}");
	free(bad);
	bad = replace(b.data, "\"week\": \"2026-W45\"", "\"wk\": \"2026-W45\"");
	expect_load_fails(path, bad, "1: not a kpi decision record (keys differ from docs/pack.md's, or are out of order)");
	free(bad);
	bad = replace(b.data, "{\"format\"", "[\"format\"");
	expect_load_fails(path, bad, "1: not a JSON record");
	free(bad);
	expect_load_fails(path, "\n", "1: not a JSON record");
	/* closing what nobody set (the hashes of later records do not matter: the first error is named) */
	bad = replace(b.data, "\"closes\": [\"2026-W45.1\"]", "\"closes\": [\"2026-W44.9\"]");
	expect_load_fails(path, bad, "3: closes '2026-W44.9', which no earlier record set");
	free(bad);

	/* an empty file has no records; a missing one is not found */
	write_text(path, "");
	assert_int_equal(kpi_decisions_load(&d, path, &err), 0);
	assert_int_equal(d->n, 0);
	assert_int_equal(kpi_decisions_open_actions(&open, &nopen, d, &err), 0);
	assert_int_equal(nopen, 0);
	assert_null(open);
	kpi_decisions_free(d);
	unlink(path);
	assert_int_equal(kpi_decisions_load(&d, path, &err), KPI_ENOTFOUND);
	assert_null(d);
	kpi_buf_release(&b);
}

/* A history as kpi_reports_history() leaves it: an override with a long
 * name and note, and `n` open actions with long texts, every third overdue. */
static kpi_history *many_actions(size_t n)
{
	kpi_history *h = calloc(1, sizeof(*h));
	char buf[512];
	h->has_decision = true;
	h->week = (kpi_week){ 2026, 45 };
	h->decision = KPI_VERDICT_GO;
	h->verdict = KPI_VERDICT_HOLD;
	h->by = strdup("The Rollout Governance Board of the Export Platform (Chair: Maximiliane Oberhuber-Sandström)");
	h->at = utc(2026, 11, 10, 9, 30, 0);
	h->note = strdup("Coverage was not measured in W45 because the cache reader was down, but the backfill log shows "
	                 "every design of the active legacy cohort exported twice; the HOLD is on a missing number, not "
	                 "a bad one. Re-check next week — \"quotes\" and ünïcödé kept.");
	h->actions = calloc(n, sizeof(*h->actions));
	h->nactions = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "2026-W45.%zu", i + 1);
		h->actions[i].id = strdup(buf);
		snprintf(buf, sizeof(buf), i % 2 ? "Bo" : "Alexandra Konstantinopoulou-Wetherby (platform team %zu)", i);
		h->actions[i].owner = strdup(buf);
		snprintf(buf, sizeof(buf), "%s %zu", i % 2 ? "page the DB team" : "backfill the oldest uncovered legacy designs "
		         "of every tenant and confirm their cached exports in the audit log, then report back to the board", i);
		h->actions[i].text = strdup(buf);
		snprintf(buf, sizeof(buf), "2026-11-%02zu", 5 + i);
		h->actions[i].due = strdup(buf);
		h->actions[i].overdue = i % 3 == 0;
	}
	return h;
}

static void test_history__snapshot_round_trip_and_cover(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_synthetic(12), *back = NULL;
	kpi_buf a = KPI_BUF_INIT, b = KPI_BUF_INIT, pdf = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	const char *dir = packfix_tmpdir();
	char cmd[2048], *text;

	snap->format = KPI_SNAPSHOT_FORMAT;
	snap->history = many_actions(12);
	if (kpi_snapshot_write(&a, snap, &err))
		fail_msg("write: %s", err.message);
	assert_non_null(strstr(a.data, "\"format\": 4,"));
	assert_non_null(strstr(a.data, ",\n  \"history\": {\"decision\": {\"week\": \"2026-W45\", \"decision\": \"GO\", "
	                               "\"verdict\": \"HOLD\", \"by\": \"The Rollout"));
	assert_non_null(strstr(a.data, "\"due\": \"2026-11-05\", \"overdue\": true}"));
	if (kpi_snapshot_parse(&back, "s.json", a.data, a.len, &err))
		fail_msg("parse: %s", err.message);
	assert_int_equal(back->format, KPI_SNAPSHOT_FORMAT);
	assert_non_null(back->history);
	assert_int_equal(back->history->nactions, 12);
	assert_true(back->history->actions[0].overdue);
	assert_false(back->history->actions[1].overdue);
	assert_int_equal(kpi_snapshot_write(&b, back, &err), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	/* a bad history is refused at its place */
	{
		kpi_snapshot *x = NULL;
		char *bad = strdup(a.data), *at = strstr(bad, "\"overdue\": true");
		memcpy(at, "\"overdue\": 1   ", 15);
		assert_int_equal(kpi_snapshot_parse(&x, "s.json", bad, strlen(bad), &err), KPI_EDATA);
		assert_non_null(strstr(err.message, "history.open_actions[0].overdue must be true or false"));
		assert_non_null(strstr(err.message, "s.json:"));
		free(bad);
		kpi_snapshot_free(x);
	}
	/* nothing on record: "history": null, parsed back as NULL */
	{
		kpi_snapshot *x = NULL;
		kpi_buf c = KPI_BUF_INIT;
		kpi__history_free(back->history);
		back->history = NULL;
		assert_int_equal(kpi_snapshot_write(&c, back, &err), 0);
		assert_non_null(strstr(c.data, ",\n  \"history\": null,\n  \"restatements\": null,\n  \"provenance\": null\n}\n"));
		assert_int_equal(kpi_snapshot_parse(&x, "s.json", c.data, c.len, &err), 0);
		assert_null(x->history);
		kpi_snapshot_free(x);
		kpi_buf_release(&c);
	}
	/* the cover (page 1, and its continuation where the box did not fit): the
	 * override, its note, 8 items and the rest counted, overdue marked */
	if (kpi_render_pdf(&pdf, snap, &err))
		fail_msg("render: %s", err.message);
	packfix_write(packfix_path(dir, "history.pdf"), pdf.data, pdf.len);
	snprintf(cmd, sizeof(cmd), "pdftotext -f 1 -l 2 -layout '%s/history.pdf' '%s/history.txt'", dir, dir);
	assert_int_equal(system(cmd), 0);
	text = packfix_read(packfix_path(dir, "history.txt"), NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "Decision on record for 2026-W45"));
	assert_non_null(strstr(text, "An override: the pack of 2026-W45 computed HOLD; the meeting decided GO."));
	assert_non_null(strstr(text, "Note: Coverage was not measured"));
	assert_non_null(strstr(text, "Open action items (12, 4 overdue)"));
	assert_non_null(strstr(text, "OVERDUE (due 2026-11-05)"));
	assert_non_null(strstr(text, "due 2026-11-06"));
	assert_non_null(strstr(text, "and 4 more open items (kpi decide lists them all)."));
	assert_null(strstr(text, "2026-W45.9"));
	if (getenv("KPI_RENDER_KEEP")) {
		snprintf(cmd, sizeof(cmd), "cp '%s/history.pdf' '%s'", dir, getenv("KPI_RENDER_KEEP"));
		assert_int_equal(system(cmd), 0);
	}
	free(text);
	kpi_buf_release(&pdf);
	kpi_buf_release(&a);
	kpi_buf_release(&b);
	kpi_snapshot_free(back);
	kpi_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports_list__packs_sorted_and_skipped),
		cmocka_unit_test(test_decisions__chain_read_and_every_damage),
		cmocka_unit_test(test_history__snapshot_round_trip_and_cover),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
