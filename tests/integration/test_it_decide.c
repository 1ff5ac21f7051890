/*
 * kpi decide and kpi verify of decisions.jsonl through the command, on a
 * pack rendered from the golden snapshot (no database): the record's
 * fields, the hash chain, concurrent runs, action ids and closing, a
 * tampered record and a pack changed after the decision caught by verify,
 * a decided pack that kpi render and kpi pack refuse to replace (and keep
 * aside with --replace-decided).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "it_util.h"
#include "core/internal.h"

#define GOLDEN KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_golden.json"
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static char reports[512], pack[600], file[600];

static const char *const now_env[] = { "KPI_NOW=2026-11-17T10:00:00Z", "KPI_CONFIG", NULL };

static void run_ok(it_run_result *r, const char *const *argv)
{
	it_run(r, argv, now_env, 60);
	if (r->status != 0)
		fail_msg("kpi %s exited %d: %s", argv[1], r->status, r->err);
}

static void run_fails(const char *const *argv, int want, const char *must)
{
	it_run_result r;
	it_run(&r, argv, now_env, 60);
	if (r.status != want)
		fail_msg("kpi %s: exit %d, expected %d; stderr: %s", argv[1], r.status, want, r.err);
	if (must && !strstr(r.err, must))
		fail_msg("kpi %s: stderr should mention '%s': %s", argv[1], must, r.err);
	it_run_free(&r);
}

static char *read_all(const char *path)
{
	char *d = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi__read_file(&d, NULL, path, &err))
		fail_msg("cannot read %s: %s", path, err.message);
	return d;
}

static void write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Line `n` (1-based) of the decisions file parsed as JSON. */
static json_t *record(int n)
{
	char *text = read_all(file), *p = text;
	json_t *o;
	for (int i = 1; i < n; i++)
		p = strchr(p, '\n') + 1;
	*strchr(p, '\n') = '\0';
	o = json_loads(p, 0, NULL);
	assert_non_null(o);
	free(text);
	return o;
}

/* The golden snapshot's pack rendered into NAME/2026-W46 of a temp dir:
 * the reports directory, the pack and the decisions file's paths. */
static void render_pack(const char *name, char *rdir, size_t rn, char *wk, size_t wn, char *dfile, size_t dn)
{
	it_run_result r;
	char *d = it_write_tmp("x", "");
	*strrchr(d, '/') = '\0';
	snprintf(rdir, rn, "%s/%s", d, name);
	snprintf(wk, wn, "%s/2026-W46", rdir);
	snprintf(dfile, dn, "%s/decisions.jsonl", rdir);
	free(d);
	{
		const char *argv[] = { "kpi", "render", "--snapshot", GOLDEN, "--out", wk, NULL };
		run_ok(&r, argv);
		it_run_free(&r);
	}
}

static void setup_pack(void)
{
	render_pack("reports", reports, sizeof(reports), pack, sizeof(pack), file, sizeof(file));
}

/* Bytes this process has read so far (/proc/self/io's rchar). */
static long long bytes_read(void)
{
	FILE *f = fopen("/proc/self/io", "r");
	long long n = -1;
	char line[128];
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rchar: %lld", &n) == 1)
			break;
	fclose(f);
	assert_true(n >= 0);
	return n;
}

/* The bytes of the files of directory `dir` and its subdirectories. */
static long long tree_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long long n = 0;
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[1024];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		n += S_ISDIR(st.st_mode) ? tree_bytes(path) : (long long)st.st_size;
	}
	closedir(d);
	return n;
}

static void test_decide__record_chain_and_refusals(void **state)
{
	(void)state;
	it_run_result r;
	json_t *o, *a;
	kpi_decisions *d = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char want[1024], sha[65];

	/* no pack of that week */
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W45", "--decision", "go", "--by", "Ana",
			               "--reports", reports, NULL };
		run_fails(argv, 2, "has no pack of 2026-W45 to decide on (kpi pack --week 2026-W45 first)");
	}
	/* malformed action, missing --by, unknown decision */
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "go", "--by", "Ana",
			               "--action", "Bo fixes it", "--reports", reports, NULL };
		run_fails(argv, 2, "--action 'Bo fixes it': expected \"OWNER: TEXT by YYYY-MM-DD\"");
		const char *argv2[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "go", "--reports", reports, NULL };
		run_fails(argv2, 2, "--by");
		const char *argv3[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "maybe", "--by", "Ana",
			                "--reports", reports, NULL };
		run_fails(argv3, 2, "go, no-go or hold");
		/* an override of the pack's NO-GO without its reason */
		const char *argv4[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "go", "--by", "Ana",
			                "--reports", reports, NULL };
		run_fails(argv4, 2,
		          "--note: the pack of 2026-W46 says NO-GO and the decision is GO: an override needs its reason "
		          "(--note TEXT)");
		/* an action due before the decision's date (KPI_NOW 2026-11-17): both dates named */
		const char *argv5[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Ana",
			                "--action", "Bo Li: backfill by 2026-11-16", "--reports", reports, NULL };
		run_fails(argv5, 2,
		          "kpi: --action 'Bo Li: backfill by 2026-11-16': due 2026-11-16, before the decision's date "
		          "2026-11-17\n");
		/* the decision's date in the config's time zone: 10:00 UTC is already
		 * 2026-11-18 at UTC+14 */
		it_run_result z;
		const char *kiritimati[] = { "KPI_NOW=2026-11-17T10:00:00Z", "KPI_CONFIG", "KPI_TIMEZONE=Pacific/Kiritimati",
			                     NULL };
		const char *argv6[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Ana",
			                "--action", "Bo Li: backfill by 2026-11-17", "--reports", reports, NULL };
		it_run(&z, argv6, kiritimati, 60);
		assert_int_equal(z.status, 2);
		assert_non_null(strstr(z.err, "due 2026-11-17, before the decision's date 2026-11-18\n"));
		it_run_free(&z);
		/* the same zone from the config given with --config, as every
		 * command that reads the config takes it */
		{
			char *cfg = it_write_tmp("decide-tz.json", "{\"timezone\": \"Pacific/Kiritimati\"}\n");
			const char *argv7[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Ana",
				                "--action", "Bo Li: backfill by 2026-11-17", "--reports", reports,
				                "--config", cfg, NULL };
			it_run(&z, argv7, now_env, 60);
			assert_int_equal(z.status, 2);
			assert_string_equal(z.err, "kpi: --action 'Bo Li: backfill by 2026-11-17': due 2026-11-17, before "
			                           "the decision's date 2026-11-18\n");
			it_run_free(&z);
			free(cfg);
		}
	}
	assert_int_equal(access(file, F_OK), -1);

	/* the pack said NO-GO; the meeting overrides with GO, sets two actions */
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "go", "--by", "Governance board",
			               "--note", "coverage is known from the backfill log",
			               "--action", "Bo Li: backfill the 25 oldest designs by 2026-11-20",
			               "--action", "Cy: page the DB team: by Friday by 2026-11-27",
			               "--reports", reports, NULL };
		char rsha[65], *text;
		run_ok(&r, argv);
		/* the record's SHA-256: of its line's bytes, without the newline */
		text = read_all(file);
		kpi_sha256_hex(rsha, text, strcspn(text, "\n"));
		free(text);
		snprintf(want, sizeof(want),
		         "%s/decisions.jsonl:1: 2026-W46 GO by Governance board at 2026-11-17T10:00:00Z (the pack computed "
		         "NO-GO: an override)\n"
		         "record SHA-256 %s: keep it with the minutes (kpi verify --head SHA256 %s)\n"
		         "open actions: 2\n"
		         "  2026-W46.1  Bo Li: backfill the 25 oldest designs (due 2026-11-20)\n"
		         "  2026-W46.2  Cy: page the DB team: by Friday (due 2026-11-27)\n",
		         reports, rsha, reports);
		assert_string_equal(r.out, want);
		it_run_free(&r);
	}
	o = record(1);
	assert_int_equal(json_object_size(o), 11);
	assert_string_equal(json_string_value(json_object_get(o, "week")), "2026-W46");
	assert_string_equal(json_string_value(json_object_get(o, "decision")), "go");
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "no-go");
	assert_string_equal(json_string_value(json_object_get(o, "by")), "Governance board");
	assert_string_equal(json_string_value(json_object_get(o, "at")), "2026-11-17T10:00:00Z");
	assert_string_equal(json_string_value(json_object_get(o, "note")), "coverage is known from the backfill log");
	assert_string_equal(json_string_value(json_object_get(o, "prev_sha256")), ZEROS);
	snprintf(want, sizeof(want), "%s/manifest.json", pack);
	{
		char *m = read_all(want);
		kpi_sha256_hex(sha, m, strlen(m));
		free(m);
	}
	assert_string_equal(json_string_value(json_object_get(o, "manifest_sha256")), sha);
	a = json_array_get(json_object_get(o, "actions"), 1);
	assert_string_equal(json_string_value(json_object_get(a, "id")), "2026-W46.2");
	assert_string_equal(json_string_value(json_object_get(a, "owner")), "Cy");
	assert_string_equal(json_string_value(json_object_get(a, "text")), "page the DB team: by Friday");
	assert_string_equal(json_string_value(json_object_get(a, "due")), "2026-11-27");
	json_decref(o);

	/* closing: an unknown id is refused, an open one closed once */
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Ana",
			               "--close", "2026-W46.9", "--reports", reports, NULL };
		run_fails(argv, 2, "--close '2026-W46.9': no open action has that id");
		const char *argv2[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Ana",
			                "--close", "2026-W46.1", "--action", "Di: rerun the drill by 2026-12-04",
			                "--reports", reports, NULL };
		run_ok(&r, argv2);
		assert_non_null(strstr(r.out, ":2: 2026-W46 NO-GO by Ana"));
		assert_non_null(strstr(r.out, "closed 2026-W46.1\nopen actions: 2\n  2026-W46.2  Cy"));
		assert_non_null(strstr(r.out, "  2026-W46.3  Di: rerun the drill (due 2026-12-04)\n"));
		it_run_free(&r);
		run_fails(argv2, 2, "--close '2026-W46.1': no open action has that id");
	}

	/* the library reads what the command wrote, chain intact */
	if (kpi_decisions_load(&d, file, &err))
		fail_msg("%s", err.message);
	assert_int_equal(d->n, 2);
	assert_string_equal(d->rec[1].prev_sha256, d->rec[0].sha256);
	kpi_decisions_free(d);
}

static void test_decide__concurrent_runs_all_land(void **state)
{
	(void)state;
	enum { N = 8 };
	pid_t pids[N];
	kpi_decisions *d = NULL;
	kpi_error err = KPI_ERROR_INIT;
	it_run_result r;
	size_t before;
	char last[65];

	if (kpi_decisions_load(&d, file, &err))
		fail_msg("%s", err.message);
	before = d->n;
	kpi_decisions_free(d);
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char by[32], act[64];
			snprintf(by, sizeof(by), "runner %d", i);
			snprintf(act, sizeof(act), "Owner %d: task %d by 2026-12-0%d", i, i, 1 + i);
			const char *argv[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "hold", "--by", by,
				               "--note", "until the drill is rerun", "--action", act, "--reports", reports, NULL };
			it_run(&r, argv, now_env, 60);
			_exit(r.status);
		}
	}
	for (int i = 0; i < N; i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	if (kpi_decisions_load(&d, file, &err))
		fail_msg("%s", err.message);
	assert_int_equal(d->n, before + N);
	/* every runner once; action ids unique, numbered on */
	for (int i = 0; i < N; i++) {
		char by[32];
		int seen = 0;
		snprintf(by, sizeof(by), "runner %d", i);
		for (size_t j = before; j < d->n; j++)
			seen += strcmp(d->rec[j].by, by) == 0;
		assert_int_equal(seen, 1);
	}
	for (size_t j = before; j < d->n; j++) {
		char id[32];
		snprintf(id, sizeof(id), "2026-W46.%zu", 4 + (j - before));
		assert_string_equal(d->rec[j].actions[0].id, id);
	}
	memcpy(last, d->rec[d->n - 1].sha256, sizeof(last));
	kpi_decisions_free(d);
	{
		const char *argv[] = { "kpi", "verify", file, NULL };
		char want[1024];
		run_ok(&r, argv);
		snprintf(want, sizeof(want), "OK: %s: %zu records, hash chain intact, every pack decided on unchanged\n"
		         "newest record: %s:%zu, SHA-256 %s (keep it with the minutes: kpi verify --head proves it later)\n",
		         file, before + N, file, before + N, last);
		assert_string_equal(r.out, want);
		it_run_free(&r);
	}
	{
		/* ten records of one week: its pack is hashed once, not ten times */
		long long pack_bytes = tree_bytes(pack), read0 = bytes_read(), read;
		size_t n = 0;
		if (kpi_decisions_verify(file, &n, &err))
			fail_msg("%s", err.message);
		read = bytes_read() - read0;
		assert_int_equal(n, before + N);
		if (read >= 2 * pack_bytes)
			fail_msg("verifying %zu records of one pack read %lld bytes: the pack (%lld bytes) more than once", n,
			         read, pack_bytes);
	}
	{
		/* a pack directory: the pack, then its parent's decisions */
		const char *argv[] = { "kpi", "verify", pack, NULL };
		run_ok(&r, argv);
		assert_non_null(strstr(r.out, "files match manifest.json\nOK: "));
		assert_non_null(strstr(r.out, "records, hash chain intact"));
		it_run_free(&r);
		const char *argv2[] = { "kpi", "verify", reports, NULL };
		run_ok(&r, argv2);
		assert_non_null(strstr(r.out, "records, hash chain intact"));
		it_run_free(&r);
	}
}

static void test_verify__tampered_record_and_changed_pack(void **state)
{
	(void)state;
	char *orig = read_all(file), *bad = malloc(strlen(orig) + 16), *at; /* room for the edits below */
	char want[1024];

	strcpy(bad, orig);
	/* the decision of record 1 changed from go to no-go: record 2 names it */
	at = strstr(bad, "\"decision\": \"go\"");
	assert_non_null(at);
	memcpy(at, "\"decision\": \"no\"", 16);
	write_all(file, bad);
	snprintf(want, sizeof(want), "kpi: %s:2: prev_sha256 does not match record 1", file);
	{
		const char *argv[] = { "kpi", "verify", file, NULL };
		run_fails(argv, 8, "decision is not go, no-go or hold");
	}
	/* a valid value: only the chain shows it */
	at = strstr(bad, "\"decision\": \"no\"");
	memmove(at + 19, at + 16, strlen(at + 16) + 1);
	memcpy(at, "\"decision\": \"no-go\"", 19);
	write_all(file, bad);
	{
		const char *argv[] = { "kpi", "verify", file, NULL };
		run_fails(argv, 8, want + 5);
		/* and a decide refuses to append to a broken chain */
		const char *argv2[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Ana",
			                "--reports", reports, NULL };
		run_fails(argv2, 8, "prev_sha256 does not match record 1");
		/* verify of the pack directory: the pack is fine, the chain is not */
		const char *argv3[] = { "kpi", "verify", pack, NULL };
		run_fails(argv3, 8, want + 5);
	}
	write_all(file, orig);
	/* a file of the decided pack edited, its manifest untouched: the audit
	 * of the decisions names the file (it looked at the manifest alone) */
	{
		char pdf[700];
		struct stat st;
		FILE *f;
		snprintf(pdf, sizeof(pdf), "%s/kpi-2026-W46.pdf", pack);
		assert_int_equal(stat(pdf, &st), 0);
		assert_non_null(f = fopen(pdf, "ab"));
		fputs("%tampered\n", f);
		fclose(f);
		snprintf(want, sizeof(want), "%s:1: the pack of 2026-W46 the decision was taken on has changed: %s: differs from "
		         "manifest.json (%lld bytes, listed %lld)", file, pdf, (long long)st.st_size + 10, (long long)st.st_size);
		const char *argv[] = { "kpi", "verify", file, NULL };
		run_fails(argv, 8, want);
		const char *argv2[] = { "kpi", "verify", reports, NULL };
		run_fails(argv2, 8, want);
		assert_int_equal(truncate(pdf, st.st_size), 0);
		it_run_result r;
		run_ok(&r, argv);
		it_run_free(&r);
	}
	free(orig);
	free(bad);
}

/* A digest of every entry under `dir` (names, kinds and file contents,
 * hidden ones too): equal before and after means nothing changed there. */
static void tree_digest_into(kpi_buf *b, const char *dir, const char *rel)
{
	struct dirent **names = NULL;
	char path[1024];
	int n;
	snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
	n = scandir(path, &names, NULL, alphasort);
	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		char sub[1024], full[2048], sha[65];
		struct stat st;
		kpi_error err = KPI_ERROR_INIT;
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", names[i]->d_name);
			snprintf(full, sizeof(full), "%s/%s", dir, sub);
			assert_int_equal(lstat(full, &st), 0);
			if (S_ISDIR(st.st_mode)) {
				kpi_buf_printf(b, "d %s\n", sub);
				tree_digest_into(b, dir, sub);
			} else {
				if (kpi__file_sha256(sha, NULL, full, &err))
					fail_msg("%s", err.message);
				kpi_buf_printf(b, "f %s %s\n", sub, sha);
			}
		}
		free(names[i]);
	}
	free(names);
}

static void tree_digest(char out[65], const char *dir)
{
	kpi_buf b = KPI_BUF_INIT;
	tree_digest_into(&b, dir, "");
	kpi_sha256_hex(out, b.data, b.len);
	kpi_buf_release(&b);
}

/* A decided pack is not replaced: kpi render and kpi pack over it are
 * refused (exit 2, one line naming the week, the record and what to do,
 * nothing changed in the reports directory; kpi pack before it reads the
 * database); --replace-decided keeps it as DIR.decided-SHA12, where the
 * decision still verifies; verify over a pack whose decision does not
 * verify ends with a line saying the whole failed. */
static void test_pack__decided_pack_not_replaced(void **state)
{
	(void)state;
	char snap[700], want[2048], before[65], after[65], aside[800], hidden[800], sha[65], mpath[700], *text, *at;
	kpi_error err = KPI_ERROR_INIT;
	it_run_result r;
	FILE *f;

	/* another snapshot of the same week: the tool version differs */
	snprintf(snap, sizeof(snap), "%s/../other.json", reports);
	text = read_all(GOLDEN);
	at = strstr(text, "\"tool_version\": \"");
	assert_non_null(at);
	at[17] = at[17] == '9' ? '8' : '9';
	assert_non_null(f = fopen(snap, "wb"));
	fputs(text, f);
	fclose(f);
	free(text);
	snprintf(mpath, sizeof(mpath), "%s/manifest.json", pack);
	if (kpi__file_sha256(sha, NULL, mpath, &err))
		fail_msg("%s", err.message);
	snprintf(aside, sizeof(aside), "%s.decided-%.12s", pack, sha);
	snprintf(want, sizeof(want),
	         "kpi: %s is the pack of 2026-W46 decided on in %s:1 (GO by Governance board): not replaced, so that the decision still "
	         "verifies; write the new pack to another directory (--out DIR), or keep the decided one as %s and write "
	         "it here (--replace-decided)\n",
	         pack, file, aside);

	tree_digest(before, reports);
	{
		const char *argv[] = { "kpi", "render", "--snapshot", snap, "--out", pack, NULL };
		it_run(&r, argv, now_env, 60);
		assert_int_equal(r.status, 2);
		assert_string_equal(r.err, want); /* the one line, nothing else */
		assert_string_equal(r.out, "");
		it_run_free(&r);
	}
	/* kpi pack: refused before the database is read (there is none here) */
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W46", "--out", pack, "--db",
			               "host=/nonexistent/kpi-no-db port=1 connect_timeout=1", NULL };
		it_run(&r, argv, now_env, 60);
		assert_int_equal(r.status, 2);
		if (!strstr(r.err, want))
			fail_msg("kpi pack over a decided pack: stderr %s", r.err);
		it_run_free(&r);
	}
	tree_digest(after, reports);
	assert_string_equal(before, after);

	/* --replace-decided: kept aside whole, the new pack in its place */
	{
		const char *argv[] = { "kpi", "render", "--snapshot", snap, "--out", pack, "--replace-decided", NULL };
		run_ok(&r, argv);
		snprintf(want, sizeof(want), "kpi: the pack a decision was taken on is kept as %s", aside);
		if (!strstr(r.err, want))
			fail_msg("stderr lacks '%s': %s", want, r.err);
		it_run_free(&r);
	}
	if (kpi_pack_verify_files(aside, NULL, &err))
		fail_msg("the kept pack: %s", err.message);
	{
		char now[65];
		if (kpi__file_sha256(now, NULL, mpath, &err))
			fail_msg("%s", err.message);
		assert_string_not_equal(now, sha); /* a new pack at DIR */
	}
	{
		const char *argv[] = { "kpi", "verify", pack, NULL };
		run_ok(&r, argv);
		assert_non_null(strstr(r.out, "records, hash chain intact, every pack decided on unchanged"));
		it_run_free(&r);
		const char *argv2[] = { "kpi", "verify", reports, NULL };
		run_ok(&r, argv2);
		it_run_free(&r);
	}
	/* the new pack is not decided on: replaced without the option (by a
	 * third snapshot: the golden one would give the decided pack's bytes) */
	text = read_all(snap);
	at = strstr(text, "\"tool_version\": \"");
	at[18] = at[18] == '9' ? '8' : '9';
	assert_non_null(f = fopen(snap, "wb"));
	fputs(text, f);
	fclose(f);
	free(text);
	{
		const char *argv[] = { "kpi", "render", "--snapshot", snap, "--out", pack, NULL };
		run_ok(&r, argv);
		it_run_free(&r);
	}
	/* the kept pack gone (hidden: not a pack of the directory): the record
	 * names the pack there, and verify of the pack says the whole failed */
	snprintf(hidden, sizeof(hidden), "%s/.kept", reports);
	assert_int_equal(rename(aside, hidden), 0);
	{
		const char *argv[] = { "kpi", "verify", pack, NULL };
		char *nl;
		it_run(&r, argv, now_env, 60);
		assert_int_equal(r.status, 8);
		assert_non_null(strstr(r.out, "OK: "));
		snprintf(want, sizeof(want), "kpi: %s:1: %s/manifest.json no longer matches the pack the decision was taken on",
		         file, pack);
		if (strncmp(r.err, want, strlen(want)) != 0)
			fail_msg("stderr: %s", r.err);
		nl = strchr(r.err, '\n');
		assert_non_null(nl);
		snprintf(want, sizeof(want), "kpi verify: FAILED: 1 of 2 checks: the pack %s matches its manifest.json, the "
		         "decisions %s do not verify (above)\n", pack, file);
		assert_string_equal(nl + 1, want);
		it_run_free(&r);
	}
	assert_int_equal(rename(hidden, aside), 0);
	{
		const char *argv[] = { "kpi", "verify", file, NULL };
		run_ok(&r, argv);
		it_run_free(&r);
	}
}

/* Runs `argv` in a child while this process holds lock `how` on directory
 * `dir`: the child must still be waiting after a second (and have written
 * nothing: `absent` still absent), and exit 0 once the lock is released. */
static void blocked_by_dir_lock(const char *dir, int how, const char *const *argv, const char *absent)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	pid_t pid;
	int status;

	assert_true(dfd >= 0);
	assert_int_equal(flock(dfd, how), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		it_run_result r;
		close(dfd); /* the lock is the parent's alone */
		it_run(&r, argv, now_env, 60);
		_exit(r.status);
	}
	sleep(1);
	if (waitpid(pid, &status, WNOHANG) != 0)
		fail_msg("kpi %s did not wait for the lock of %s", argv[1], dir);
	if (absent && stat(absent, &st) == 0)
		fail_msg("kpi %s wrote %s before the lock of %s was released", argv[1], absent, dir);
	close(dfd); /* releases the lock */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The first decision of a reports directory (no decisions.jsonl yet) and a
 * pack being replaced there exclude each other: kpi decide must not hash
 * the old pack while the new one is swapped in. */
static void test_decide__first_record_and_pack_write_exclude(void **state)
{
	(void)state;
	char dir[600], wk[700], dfile[700];
	it_run_result r;

	render_pack("reports-first", dir, sizeof(dir), wk, sizeof(wk), dfile, sizeof(dfile));
	/* a first kpi decide holds the directory: the pack waits */
	{
		const char *argv[] = { "kpi", "render", "--snapshot", GOLDEN, "--out", wk, NULL };
		blocked_by_dir_lock(dir, LOCK_EX, argv, NULL);
	}
	/* a pack is being written: the first kpi decide waits, creating nothing */
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Board",
			               "--reports", dir, NULL };
		blocked_by_dir_lock(dir, LOCK_SH, argv, dfile);
	}
	{
		const char *argv[] = { "kpi", "verify", dfile, NULL };
		run_ok(&r, argv);
		assert_non_null(strstr(r.out, "1 record, hash chain intact, every pack decided on unchanged"));
		it_run_free(&r);
	}
}

/* The chain cannot see an edit of its newest record (nothing after it
 * covers it); the SHA-256 kpi decide prints, kept with the minutes, can:
 * kpi verify --head finds that record unchanged, or fails naming it. */
static void test_verify__head_anchors_the_newest_record(void **state)
{
	(void)state;
	char dir[600], wk[700], dfile[700], sha[65], want[1024], *text, *at;
	it_run_result r;

	render_pack("reports-head", dir, sizeof(dir), wk, sizeof(wk), dfile, sizeof(dfile));
	{
		const char *argv[] = { "kpi", "decide", "--week", "2026-W46", "--decision", "no-go", "--by", "Board",
			               "--reports", dir, NULL };
		run_ok(&r, argv);
		at = strstr(r.out, "record SHA-256 ");
		assert_non_null(at);
		assert_int_equal(sscanf(at, "record SHA-256 %64[0-9a-f]:", sha), 1);
		it_run_free(&r);
	}
	{
		const char *argv[] = { "kpi", "verify", "--head", sha, dir, NULL };
		run_ok(&r, argv);
		snprintf(want, sizeof(want), "OK: the record kept with the minutes, %s:1, is unchanged, and so is every "
		         "record before it (0 after it)\n", dfile);
		assert_non_null(strstr(r.out, want));
		it_run_free(&r);
	}
	/* the newest record edited: the chain alone still passes ... */
	text = read_all(dfile);
	assert_non_null(at = strstr(text, "\"decision\": \"no-go\""));
	{
		char edited[8192];
		snprintf(edited, sizeof(edited), "%.*s\"decision\": \"hold\"%s", (int)(at - text), text,
		         at + strlen("\"decision\": \"no-go\""));
		write_all(dfile, edited);
	}
	free(text);
	{
		const char *argv[] = { "kpi", "verify", dfile, NULL };
		run_ok(&r, argv);
		it_run_free(&r);
	}
	/* ... the kept SHA-256 does not, also given as 12 digits, also from the pack */
	snprintf(want, sizeof(want), "kpi: %s: no record has SHA-256 %.12s... (the record kept with the minutes was "
	         "changed or removed, or belongs to another file)\n", dfile, sha);
	sha[12] = '\0';
	{
		const char *argv[] = { "kpi", "verify", "--head", sha, dfile, NULL };
		run_fails(argv, 8, NULL);
		it_run(&r, argv, now_env, 60);
		assert_string_equal(r.err, want);
		assert_string_equal(r.out, "");
		it_run_free(&r);
		const char *argv2[] = { "kpi", "verify", "--head", sha, wk, NULL };
		run_fails(argv2, 8, "no record has SHA-256");
		const char *argv3[] = { "kpi", "verify", "--head", "XYZ", dfile, NULL };
		run_fails(argv3, 2, "give 12 to 64 of its lowercase hex digits");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide__record_chain_and_refusals),
		cmocka_unit_test(test_decide__concurrent_runs_all_land),
		cmocka_unit_test(test_decide__first_record_and_pack_write_exclude),
		cmocka_unit_test(test_verify__tampered_record_and_changed_pack),
		cmocka_unit_test(test_verify__head_anchors_the_newest_record),
		cmocka_unit_test(test_pack__decided_pack_not_replaced),
	};
	int rc;
	setup_pack();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	it_tmp_cleanup();
	return rc;
}
