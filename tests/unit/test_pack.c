/*
 * The pack directory (pack.c): manifest.json (golden), kpi_pack_verify on a
 * fresh pack and on packs with one byte changed, a file missing or extra,
 * byte-identical re-renders, the atomic swap (the previous pack survives a
 * run killed at any moment; leftovers are cleaned; a directory that is not a
 * pack is never replaced).
 *
 * KPI_UPDATE_GOLDEN=1 rewrites tests/fixtures/unit/manifest_golden.json.
 */
#include "unit.h"
#include "packfix.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MANIFEST_GOLDEN KPI_SOURCE_DIR "/tests/fixtures/unit/manifest_golden.json"

/* The golden snapshot written into `dir` as a pack; returns its sha256. */
static void write_pack(const char *dir, kpi_snapshot *snap, kpi_pack_paths *paths)
{
	kpi_buf json = packfix_json(snap);
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_pack_write(paths, dir, snap, json.data, json.len, &err))
		fail_msg("kpi_pack_write %s: %s", dir, err.message);
	kpi_buf_release(&json);
}

static void expect_verify_fails(const char *dir, const char *file, const char *what)
{
	kpi_error err = KPI_ERROR_INIT;
	char want[4096];
	int rc = kpi_pack_verify(dir, NULL, &err);
	if (rc != KPI_EDATA)
		fail_msg("verify of %s (%s): expected KPI_EDATA, got %d '%s'", dir, file, rc, err.message);
	snprintf(want, sizeof(want), "%s/%s: %s", dir, file, what);
	if (strncmp(err.message, want, strlen(want)) != 0)
		fail_msg("verify: '%s' does not start with '%s'", err.message, want);
}

static void expect_verify_ok(const char *dir, size_t nfiles)
{
	kpi_error err = KPI_ERROR_INIT;
	size_t n = 0;
	if (kpi_pack_verify(dir, &n, &err))
		fail_msg("verify %s: %s", dir, err.message);
	assert_int_equal(n, nfiles);
}

/* ---- manifest ---- */

static void test_manifest__golden(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_buf json = packfix_json(snap), m = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi_pack_file files[] = {
		{ "charts/legacy_coverage_pct.png", 1234, "" },
		{ "kpi-2026-W46.pdf", 56789, "" },
		{ "kpi-2026-W46.xlsx", 4321, "" },
		{ "snapshot.json", json.len, "" },
	};
	char *want;
	size_t len;

	for (size_t i = 0; i < 3; i++)
		snprintf(files[i].sha256, 65, "%064zx", i + 0xf0);
	kpi_sha256_hex(files[3].sha256, json.data, json.len);
	if (kpi_manifest_write(&m, snap, files, 4, &err))
		fail_msg("%s", err.message);
	if (getenv("KPI_UPDATE_GOLDEN"))
		packfix_write(MANIFEST_GOLDEN, m.data, m.len);
	want = packfix_read(MANIFEST_GOLDEN, &len);
	assert_non_null(want);
	if (len != m.len || memcmp(want, m.data, len) != 0)
		fail_msg("manifest differs from %s:\n%s", MANIFEST_GOLDEN, m.data);
	free(want);
	kpi_buf_release(&m);
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
}

/* ---- verify ---- */

static void flip(const char *path, size_t at)
{
	size_t len;
	char *d = packfix_read(path, &len);
	assert_non_null(d);
	assert_true(at < len);
	d[at] ^= 0x01;
	packfix_write(path, d, len);
	free(d);
}

static void test_verify__fresh_pack_and_every_damage(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	const char *root = packfix_tmpdir();
	char dir[512], p[1024];
	kpi_pack_paths paths;
	size_t n;

	snprintf(dir, sizeof(dir), "%s/reports/2026-W46", root);
	write_pack(dir, snap, &paths);
	snprintf(p, sizeof(p), "%s/kpi-2026-W46.pdf", dir);
	assert_string_equal(paths.pdf, p);
	snprintf(p, sizeof(p), "%s/kpi-2026-W46.xlsx", dir);
	assert_string_equal(paths.xlsx, p);
	/* snapshot, PDF, XLSX, CSV, one chart per KPI */
	n = 4 + snap->catalog->nkpis;
	expect_verify_ok(dir, n);

	/* one byte changed, in each kind of file: named, then restored */
	{
		static const char *const files[] = { "kpi-2026-W46.pdf", "kpi-2026-W46.xlsx", "snapshot.json",
			                             "charts/api_error_rate_pct.png", "kpi-2026-W46.csv" };
		for (size_t i = 0; i < 5; i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
			flip(p, 100);
			expect_verify_fails(dir, files[i], "differs from manifest.json (SHA-256");
			flip(p, 100);
			expect_verify_ok(dir, n);
		}
	}
	/* a byte fewer */
	{
		size_t len;
		char *d;
		snprintf(p, sizeof(p), "%s/charts/legacy_coverage_pct.png", dir);
		d = packfix_read(p, &len);
		packfix_write(p, d, len - 1);
		expect_verify_fails(dir, "charts/legacy_coverage_pct.png", "differs from manifest.json (");
		/* missing */
		unlink(p);
		expect_verify_fails(dir, "charts/legacy_coverage_pct.png", "missing (listed in manifest.json)");
		packfix_write(p, d, len);
		free(d);
		expect_verify_ok(dir, n);
	}
	/* extra files, also in charts/ and as a symlink */
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	packfix_write(p, "x", 1);
	expect_verify_fails(dir, "notes.txt", "not in manifest.json");
	unlink(p);
	snprintf(p, sizeof(p), "%s/charts/zz_extra.png", dir);
	assert_int_equal(symlink("../snapshot.json", p), 0);
	expect_verify_fails(dir, "charts/zz_extra.png", "not in manifest.json");
	unlink(p);
	expect_verify_ok(dir, n);

	/* a damaged manifest: its position; one that describes another window */
	{
		size_t len;
		char *m, *t, *q;
		snprintf(p, sizeof(p), "%s/manifest.json", dir);
		m = packfix_read(p, &len);
		packfix_write(p, m, len / 2);
		{
			kpi_error err = KPI_ERROR_INIT;
			assert_int_equal(kpi_pack_verify(dir, NULL, &err), KPI_EDATA);
			assert_contains(err.message, "manifest.json:");
		}
		t = strdup(m);
		q = strstr(t, "\"weeks\": 3");
		assert_non_null(q);
		q[10 - 1] = '4';
		packfix_write(p, t, strlen(t));
		{
			kpi_error err = KPI_ERROR_INIT;
			assert_int_equal(kpi_pack_verify(dir, NULL, &err), KPI_EDATA);
			assert_contains(err.message, ": window.weeks is 4, but the pack's snapshot.json gives 3");
			assert_error_at(&err, p, "4, \"from\"", 0);
		}
		/* a path that leaves the pack */
		free(t);
		t = strdup(m);
		q = strstr(t, "\"path\": \"charts/");
		assert_non_null(q);
		memcpy(q + 9, "../../x", 7);
		packfix_write(p, t, strlen(t));
		{
			kpi_error err = KPI_ERROR_INIT;
			assert_int_equal(kpi_pack_verify(dir, NULL, &err), KPI_EDATA);
			assert_contains(err.message, "is not a path a pack may list");
		}
		free(t);
		unlink(p);
		{
			kpi_error err = KPI_ERROR_INIT;
			assert_int_equal(kpi_pack_verify(dir, NULL, &err), KPI_EDATA);
			assert_contains(err.message, "manifest.json: missing");
		}
		packfix_write(p, m, len);
		free(m);
		expect_verify_ok(dir, n);
	}
	{
		kpi_error err = KPI_ERROR_INIT;
		assert_int_equal(kpi_pack_verify("/nonexistent/pack", NULL, &err), KPI_ENOTFOUND);
	}
	kpi_pack_paths_release(&paths);
	kpi_snapshot_free(snap);
}

/* The manifest with `from` replaced by `to` (the first occurrence after
 * `after`, or anywhere when NULL) fails verify with `what`, positioned at
 * `at` in the edited text; the manifest is then restored. */
static void expect_manifest_fails(const char *dir, const char *orig, const char *after, const char *from,
                                  const char *to, const char *what, const char *at)
{
	char p[1024], *t, *q;
	size_t n = strlen(orig) + strlen(to) + 1;
	kpi_error err = KPI_ERROR_INIT;

	snprintf(p, sizeof(p), "%s/manifest.json", dir);
	t = calloc(1, n);
	assert_non_null(t);
	q = strstr(after ? strstr(orig, after) : orig, from);
	if (!q)
		fail_msg("no '%s' in the manifest", from);
	memcpy(t, orig, (size_t)(q - orig));
	strcat(t, to);
	strcat(t, q + strlen(from));
	packfix_write(p, t, strlen(t));
	assert_int_equal(kpi_pack_verify(dir, NULL, &err), KPI_EDATA);
	if (!strstr(err.message, what))
		fail_msg("verify: '%s' does not say '%s'", err.message, what);
	if (at)
		assert_error_at(&err, p, at, 0);
	packfix_write(p, orig, strlen(orig));
	free(t);
}

/* Every field of the manifest is checked against the pack's snapshot.json,
 * and the one that differs is named; a manifest of another kpi version is
 * refused saying which version wrote it and which is verifying. */
static void test_verify__manifest_fields_and_version(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	char dir[512], p[1024], *m, want[256];
	kpi_pack_paths paths;
	size_t len, n = 4 + snap->catalog->nkpis;

	snprintf(dir, sizeof(dir), "%s/reports/fields", packfix_tmpdir());
	write_pack(dir, snap, &paths);
	snprintf(p, sizeof(p), "%s/manifest.json", dir);
	m = packfix_read(p, &len);
	assert_non_null(m);
	expect_verify_ok(dir, n);

	/* the window, field by field */
	expect_manifest_fails(dir, m, NULL, "\"first_week\": \"2026-W44\"", "\"first_week\": \"2026-W43\"",
	                      "window.first_week is \"2026-W43\", but the pack's snapshot.json gives \"2026-W44\"",
	                      "\"2026-W43\"");
	expect_manifest_fails(dir, m, NULL, "\"last_week\": \"2026-W46\"", "\"last_week\": \"2026-W47\"",
	                      "window.last_week is \"2026-W47\"", "\"2026-W47\"");
	expect_manifest_fails(dir, m, "\"from\"", "T", "X", "window.from is \"2026-10-25X23:00:00Z\"", NULL);
	expect_manifest_fails(dir, m, "\"to\"", "2026-11-15T23", "2026-11-22T23", "window.to is \"2026-11-22T23:00:00Z\"",
	                      NULL);
	expect_manifest_fails(dir, m, "\"as_of\"", "10:30", "10:31",
	                      "window.as_of is \"2026-11-12T10:31:00Z\", but the pack's snapshot.json gives "
	                      "\"2026-11-12T10:30:00Z\"",
	                      NULL);
	expect_manifest_fails(dir, m, NULL, "\"Europe/Berlin\"", "\"UTC\"",
	                      "window.timezone is \"UTC\", but the pack's snapshot.json gives \"Europe/Berlin\"", NULL);
	expect_manifest_fails(dir, m, NULL, ", \"timezone\"", ", \"zone\"",
	                      "window.timezone is missing; the pack's snapshot.json gives \"Europe/Berlin\"", NULL);
	/* the snapshot's SHA-256 */
	snprintf(want, sizeof(want), "\"snapshot_sha256\": \"%.4s", snap->sha256);
	expect_manifest_fails(dir, m, NULL, want, "\"snapshot_sha256\": \"ffff",
	                      "snapshot_sha256 is \"ffff", NULL);
	/* a query's hash, a query's file, a query too few and one too many */
	expect_manifest_fails(dir, m, "\"file\": \"legacy_coverage_pct.sql\", \"sha256\": \"", "\"sha256\": \"",
	                      "\"sha256\": \"0123",
	                      "queries[0].sha256 (legacy_coverage_pct.sql) is \"0123", "\"0123");
	expect_manifest_fails(dir, m, NULL, "\"file\": \"legacy_coverage_pct.sql\"", "\"file\": \"coverage.sql\"",
	                      "queries[0].file (legacy_coverage_pct.sql) is \"coverage.sql\"", "\"coverage.sql\"");
	expect_manifest_fails(dir, m, NULL, "\n    {\"kpi\": \"legacy_coverage_pct\"", "\n    {\"kpi\": \"x\"",
	                      "queries[0].kpi (legacy_coverage_pct.sql) is \"x\", but the pack's snapshot.json gives "
	                      "\"legacy_coverage_pct\"",
	                      NULL);
	{
		/* the last drill-down query dropped; one more than the snapshot's */
		const char *last = strstr(m, ",\n    {\"kpi\": null, \"file\": \"pack/rollout_changes.sql\"");
		char *cut;
		assert_non_null(last);
		cut = strndup(last, (size_t)(strchr(last, '}') + 1 - last));
		expect_manifest_fails(dir, m, NULL, cut, "",
		                      "queries[8] is missing; the pack's snapshot.json gives "
		                      "{\"kpi\":null,\"file\":\"pack/rollout_changes.sql\",",
		                      NULL);
		free(cut);
		expect_manifest_fails(dir, m, NULL, "\n  ],\n  \"files\"",
		                      ",\n    {\"kpi\": null, \"file\": \"pack/more.sql\", \"sha256\": \"00\"}\n  ],\n  \"files\"",
		                      "queries[9] is not a query of the pack's snapshot.json (it has 9)",
		                      "{\"kpi\": null, \"file\": \"pack/more.sql\"");
	}
	/* another kpi wrote it: both versions named, and that the files match */
	snprintf(want, sizeof(want), "\"tool_version\": \"%s\"", kpi_version());
	{
		char msg[256];
		snprintf(msg, sizeof(msg),
		         "tool_version: the pack was written by kpi 0.0.9, this is kpi %s: verify it with kpi 0.0.9 "
		         "(its %zu files do match their sizes and SHA-256s)",
		         kpi_version(), n);
		expect_manifest_fails(dir, m, NULL, want, "\"tool_version\": \"0.0.9\"", msg, "\"0.0.9\"");
	}
	expect_manifest_fails(dir, m, NULL, want, "\"tool_version\": 1", "'tool_version' must be a string", NULL);
	/* restored: OK again */
	expect_verify_ok(dir, n);
	free(m);
	kpi_pack_paths_release(&paths);
	kpi_snapshot_free(snap);
}

/* ---- determinism ---- */

static void test_pack__same_snapshot_same_bytes(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_synthetic(12), *back = NULL;
	kpi_buf json = packfix_json(snap);
	kpi_error err = KPI_ERROR_INIT;
	char a[512], b[512], file[600];
	const char *root = packfix_tmpdir();

	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	if (kpi_pack_write(NULL, a, snap, json.data, json.len, &err))
		fail_msg("%s", err.message);
	/* the second from the file, as kpi render does */
	snprintf(file, sizeof(file), "%s/snapshot.json", a);
	if (kpi_pack_render_file(NULL, b, file, &err))
		fail_msg("%s", err.message);
	packfix_same_tree(a, b);
	expect_verify_ok(b, 4 + snap->catalog->nkpis);
	/* and again from the snapshot inside the very directory it replaces */
	if (kpi_pack_render_file(NULL, a, file, &err))
		fail_msg("rendering from the pack's own snapshot.json: %s", err.message);
	packfix_same_tree(a, b);
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
	kpi_snapshot_free(back);
}

/* ---- the directory swap ---- */

static bool has_leftovers(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *e;
	bool found = false;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".kpi-tmp-") || strstr(e->d_name, ".kpi-old-"))
			found = true;
	closedir(d);
	return found;
}

static void test_pack__refuses_what_is_not_a_pack(void **state)
{
	(void)state;
	kpi_snapshot *snap = packfix_golden();
	kpi_buf json = packfix_json(snap);
	kpi_error err = KPI_ERROR_INIT;
	const char *root = packfix_tmpdir();
	char dir[512], p[600];

	/* a folder of someone's files: refused and untouched */
	snprintf(dir, sizeof(dir), "%s/home", root);
	mkdir(dir, 0755);
	snprintf(p, sizeof(p), "%s/thesis.txt", dir);
	packfix_write(p, "precious", 8);
	assert_int_equal(kpi_pack_write(NULL, dir, snap, json.data, json.len, &err), KPI_EUSAGE);
	assert_contains(err.message, "is not a kpi pack");
	{
		char *d = packfix_read(p, NULL);
		assert_string_equal(d, "precious");
		free(d);
	}
	assert_false(has_leftovers(root));
	/* a file */
	assert_int_equal(kpi_pack_write(NULL, p, snap, json.data, json.len, &err), KPI_EUSAGE);
	assert_contains(err.message, "is not a directory");
	/* bytes that are not the snapshot's */
	snprintf(dir, sizeof(dir), "%s/pack", root);
	assert_int_equal(kpi_pack_write(NULL, dir, snap, json.data, json.len - 1, &err), KPI_EUSAGE);
	/* an empty directory is fine, a trailing slash too */
	mkdir(dir, 0755);
	snprintf(p, sizeof(p), "%s/", dir);
	if (kpi_pack_write(NULL, p, snap, json.data, json.len, &err))
		fail_msg("%s", err.message);
	expect_verify_ok(dir, 4 + snap->catalog->nkpis);
	assert_false(has_leftovers(root));
	{
		char *def = kpi_pack_default_dir(snap);
		assert_string_equal(def, "reports/2026-W46");
		free(def);
	}
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
}

/* Kill a run at many moments: the directory is always a whole pack, the old
 * one or the new one; the next run removes what the killed ones left. */
static void test_pack__killed_run_leaves_a_whole_pack(void **state)
{
	(void)state;
	kpi_snapshot *old = packfix_golden(), *new = packfix_synthetic(52);
	kpi_buf jold = packfix_json(old), jnew = packfix_json(new);
	const char *root = packfix_tmpdir();
	/* fractions of a whole run's time, and past its end */
	static const double at[] = { 0, 0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.995, 1.0, 1.02, 1.5 };
	int delays_ms[sizeof(at) / sizeof(at[0])];
	char dir[512];
	int survived_new = 0;
	struct timespec t0, t1;
	double run_ms;

	snprintf(dir, sizeof(dir), "%s/2026-W46", root);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	write_pack(dir, new, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	run_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		delays_ms[i] = (int)(at[i] * run_ms);
	write_pack(dir, old, NULL);
	for (size_t i = 0; i < sizeof(delays_ms) / sizeof(delays_ms[0]); i++) {
		pid_t pid;
		int st;
		char *snap_json, sha[65], path[600];
		size_t len;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			kpi_error err = KPI_ERROR_INIT;
			_exit(kpi_pack_write(NULL, dir, new, jnew.data, jnew.len, &err) ? 1 : 0);
		}
		usleep((useconds_t)delays_ms[i] * 1000);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		{
			kpi_error err = KPI_ERROR_INIT;
			size_t n = 0;
			if (kpi_pack_verify(dir, &n, &err))
				fail_msg("killed after %d ms: the directory is not a whole pack: %s", delays_ms[i], err.message);
			snprintf(path, sizeof(path), "%s/snapshot.json", dir);
			snap_json = packfix_read(path, &len);
			assert_non_null(snap_json);
			kpi_sha256_hex(sha, snap_json, len);
			free(snap_json);
			if (strcmp(sha, new->sha256) == 0) {
				survived_new++;
				assert_int_equal(n, 4 + new->catalog->nkpis);
			} else {
				assert_string_equal(sha, old->sha256);
				assert_int_equal(n, 4 + old->catalog->nkpis);
			}
		}
		(void)st;
	}
	print_message("a run takes %.0f ms; of %zu killed ones, %d had swapped in the new pack\n", run_ms,
	              sizeof(delays_ms) / sizeof(delays_ms[0]), survived_new);
	/* a run of ANOTHER week into the same parent cleans up after the killed
	 * ones (their PIDs are gone), but not a live run's temp directory */
	{
		pid_t dead = fork(), live;
		int st;
		char path[600], other[600];
		assert_true(dead >= 0);
		if (dead == 0)
			_exit(0);
		assert_int_equal(waitpid(dead, &st, 0), dead);
		fflush(NULL);
		live = fork();
		assert_true(live >= 0);
		if (live == 0) {
			pause();
			_exit(0);
		}
		snprintf(path, sizeof(path), "%s/.2026-W40.kpi-tmp-%ld", root, (long)dead);
		assert_int_equal(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/.2026-W40.kpi-tmp-%ld/pack.pdf", root, (long)dead);
		packfix_write(path, "half", 4);
		snprintf(path, sizeof(path), "%s/.2026-W41.kpi-old-%ld", root, (long)dead);
		assert_int_equal(mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/.2026-W42.kpi-tmp-%ld", root, (long)live);
		assert_int_equal(mkdir(path, 0755), 0);
		snprintf(other, sizeof(other), "%s/2026-W45", root);
		write_pack(other, new, NULL);
		assert_int_equal(access(path, F_OK), 0); /* the live run's */
		rmdir(path);
		assert_false(has_leftovers(root)); /* the killed runs', this week's and others' */
		kill(live, SIGKILL);
		assert_int_equal(waitpid(live, &st, 0), live);
		/* and once that run is gone, the next run removes its directory too */
		assert_int_equal(mkdir(path, 0755), 0);
		write_pack(other, old, NULL);
		assert_false(has_leftovers(root));
	}
	/* a run of the same week too */
	write_pack(dir, new, NULL);
	assert_false(has_leftovers(root));
	expect_verify_ok(dir, 4 + new->catalog->nkpis);
	kpi_buf_release(&jold);
	kpi_buf_release(&jnew);
	kpi_snapshot_free(old);
	kpi_snapshot_free(new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest__golden),
		cmocka_unit_test(test_verify__fresh_pack_and_every_damage),
		cmocka_unit_test(test_verify__manifest_fields_and_version),
		cmocka_unit_test(test_pack__same_snapshot_same_bytes),
		cmocka_unit_test(test_pack__refuses_what_is_not_a_pack),
		cmocka_unit_test(test_pack__killed_run_leaves_a_whole_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
