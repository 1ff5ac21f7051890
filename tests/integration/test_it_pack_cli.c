/*
 * kpi pack / render / verify through the command, with no database: --help,
 * usage errors (exit 2), a corrupted snapshot (exit 8, file:line:col, nothing
 * written), a render that verifies (one OK line), a pack with one byte
 * changed (exit 8 naming the file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it_util.h"

#define GOLDEN KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_golden.json"

static char tmp[64];

static void run_ok(it_run_result *r, const char *const *argv)
{
	it_run(r, argv, NULL, 60);
	if (r->status != 0)
		fail_msg("kpi %s exited %d: %s", argv[1], r->status, r->err);
}

/* A failure: exit `want`, nothing on stdout, one line on stderr with `must`. */
static void run_fails(const char *const *argv, int want, const char *must)
{
	it_run_result r;
	it_run(&r, argv, NULL, 60);
	if (r.status != want)
		fail_msg("kpi %s: exit %d, expected %d; stderr: %s", argv[1], r.status, want, r.err);
	if (r.out[0])
		fail_msg("kpi %s: nothing may go to stdout on failure, got: %s", argv[1], r.out);
	if (it_count_lines(r.err) != 1)
		fail_msg("kpi %s: expected one line on stderr, got:\n%s", argv[1], r.err);
	if (must && !strstr(r.err, must))
		fail_msg("kpi %s: stderr should mention '%s': %s", argv[1], must, r.err);
	it_run_free(&r);
}

static void test_help_and_usage(void **state)
{
	(void)state;
	static const char *const cmds[] = { "pack", "render", "verify" };
	for (size_t i = 0; i < 3; i++) {
		const char *argv[] = { "kpi", cmds[i], "--help", NULL };
		char want[64];
		it_run_result r;
		run_ok(&r, argv);
		snprintf(want, sizeof(want), "usage: kpi %s ", cmds[i]);
		assert_non_null(strstr(r.out, want));
		assert_non_null(strstr(r.out, "--help"));
		it_run_free(&r);
		{
			const char *bad[] = { "kpi", cmds[i], "--no-such-option", NULL };
			run_fails(bad, 2, "unknown option '--no-such-option'");
		}
	}
	{
		const char *argv[] = { "kpi", "render", NULL };
		run_fails(argv, 2, "missing --snapshot FILE");
	}
	{
		const char *argv[] = { "kpi", "verify", NULL };
		run_fails(argv, 2, "missing the pack directory");
	}
	{
		const char *argv[] = { "kpi", "pack", "--weeks", "0", NULL };
		run_fails(argv, 2, "--weeks '0'");
	}
	{
		const char *argv[] = { "kpi", "pack", "--week", "2026-W99", NULL };
		run_fails(argv, 2, "2026-W99");
	}
	{ /* an input that does not exist: usage (2), as an unknown KPI; one
	   * that is there but no snapshot (a directory, a FIFO): 8 */
		const char *argv[] = { "kpi", "render", "--snapshot", "/nonexistent/snapshot.json", NULL };
		const char *dir[] = { "kpi", "render", "--snapshot", "/tmp", NULL };
		run_fails(argv, 2, "kpi: cannot open '/nonexistent/snapshot.json': No such file or directory");
		run_fails(dir, 8, "kpi: '/tmp' is a directory, not a regular file");
	}
	{ /* verify takes a directory or a file: a missing one is named as such */
		const char *argv[] = { "kpi", "verify", "/tmp/nonexistent.jsonl", NULL };
		run_fails(argv, 2, "kpi verify: '/tmp/nonexistent.jsonl' does not exist (PATH is a pack directory, a "
		                   "decisions.jsonl or the reports directory holding it)");
	}
}

static void test_render_verify(void **state)
{
	(void)state;
	char out[128], bad[128], expect[512];
	it_run_result r;

	snprintf(out, sizeof(out), "%s/pack", tmp);
	{
		const char *argv[] = { "kpi", "render", "--snapshot", GOLDEN, "--out", out, NULL };
		run_ok(&r, argv);
	}
	snprintf(expect, sizeof(expect), "%s/kpi-2026-W46.pdf\n%s/kpi-2026-W46.xlsx\n", out, out);
	assert_string_equal(r.out, expect);
	/* a pack directory not named after its week: its parent is not taken
	 * for a reports directory, and nothing is written there */
	snprintf(expect, sizeof(expect),
	         "kpi: no history page: %s is not named after its week (reports/YYYY-Www), so its parent is not taken "
	         "for a reports directory\n", out);
	assert_string_equal(r.err, expect);
	it_run_free(&r);
	{
		char index[160];
		snprintf(index, sizeof(index), "%s/index.html", tmp);
		assert_int_equal(access(index, F_OK), -1);
	}
	/* named after its week: the history page of the reports directory (the
	 * pack's parent) is written and named on stderr */
	{
		char wk[160];
		snprintf(wk, sizeof(wk), "%s/reports/2026-W46", tmp);
		const char *argv[] = { "kpi", "render", "--snapshot", GOLDEN, "--out", wk, NULL };
		run_ok(&r, argv);
		snprintf(expect, sizeof(expect), "kpi: history page: %s/reports/index.html\n", tmp);
		assert_string_equal(r.err, expect);
		it_run_free(&r);
	}
	{
		const char *argv[] = { "kpi", "verify", out, NULL };
		run_ok(&r, argv);
		snprintf(expect, sizeof(expect), "OK: %s: 10 files match manifest.json\n", out);
		assert_string_equal(r.out, expect);
		it_run_free(&r);
	}
	{ /* the manifest given for its pack: said so, not "not a JSON record" */
		char mpath[256];
		snprintf(mpath, sizeof(mpath), "%s/manifest.json", out);
		const char *argv[] = { "kpi", "verify", mpath, NULL };
		run_fails(argv, 2, "is a pack's manifest: give the pack's directory (kpi verify DIR)");
	}
	/* a manifest written by another kpi version: exit 8, both versions named */
	{
		char mpath[256], *text, *v, *other, must[256];
		FILE *f;
		size_t len;
		snprintf(mpath, sizeof(mpath), "%s/manifest.json", out);
		f = fopen(mpath, "rb");
		assert_non_null(f);
		text = calloc(1, 1 << 16);
		len = fread(text, 1, (1 << 16) - 1, f);
		fclose(f);
		v = strstr(text, kpi_version());
		assert_non_null(v);
		other = calloc(1, len + 16);
		snprintf(other, len + 16, "%.*s9.9.9%s", (int)(v - text), text, v + strlen(kpi_version()));
		f = fopen(mpath, "wb");
		fputs(other, f);
		fclose(f);
		snprintf(must, sizeof(must),
		         "manifest.json:3:19: tool_version: the pack was written by kpi 9.9.9, this is kpi %s: "
		         "verify it with kpi 9.9.9 (its 10 files do match",
		         kpi_version());
		{
			const char *argv[] = { "kpi", "verify", out, NULL };
			run_fails(argv, 8, must);
		}
		f = fopen(mpath, "wb");
		fwrite(text, 1, len, f);
		fclose(f);
		free(other);
		free(text);
		{
			const char *argv[] = { "kpi", "verify", out, NULL };
			run_ok(&r, argv);
			it_run_free(&r);
		}
	}
	/* one byte changed: exit 8, naming the file */
	{
		char pdf[256];
		FILE *f;
		int c;
		snprintf(pdf, sizeof(pdf), "%s/kpi-2026-W46.pdf", out);
		f = fopen(pdf, "r+b");
		assert_non_null(f);
		fseek(f, 200, SEEK_SET);
		c = fgetc(f);
		fseek(f, 200, SEEK_SET);
		fputc(c ^ 1, f);
		fclose(f);
		{
			const char *argv[] = { "kpi", "verify", out, NULL };
			run_fails(argv, 8, pdf);
		}
	}
	/* a corrupted snapshot: exit 8 at file:line:col, nothing written */
	{
		char *text = NULL, *p;
		FILE *f;
		size_t len;
		struct stat st;
		f = fopen(GOLDEN, "rb");
		assert_non_null(f);
		text = calloc(1, 1 << 20);
		len = fread(text, 1, (1 << 20) - 1, f);
		fclose(f);
		p = strstr(text, "\"status\": \"warn\"");
		assert_non_null(p);
		memcpy(p + 11, "wa_n", 4);
		snprintf(bad, sizeof(bad), "%s/bad.json", tmp);
		f = fopen(bad, "wb");
		assert_int_equal(fwrite(text, 1, len, f), len);
		fclose(f);
		free(text);
		snprintf(out, sizeof(out), "%s/never", tmp);
		{
			const char *argv[] = { "kpi", "render", "--snapshot", bad, "--out", out, NULL };
			char must[256];
			snprintf(must, sizeof(must), "kpi: %s:", bad);
			run_fails(argv, 8, must);
			run_fails(argv, 8, "unknown status 'wa_n'");
		}
		assert_int_not_equal(stat(out, &st), 0);
	}
}

static void cleanup(void)
{
	char cmd[128];
	if (tmp[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_usage),
		cmocka_unit_test(test_render_verify),
	};
	snprintf(tmp, sizeof(tmp), "/tmp/kpi-it-cli.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	atexit(cleanup);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
