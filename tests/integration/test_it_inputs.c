/*
 * Integration: hostile input files through the kpi command, no database
 * (issue 17, "parsers that cannot loop", "unbounded inputs"). A NUL byte in
 * a JSON or SQL input is refused with its file:line:col; a FIFO, a device
 * or a directory is refused at once (a FIFO with no writer must not block,
 * /dev/zero must not be read); a file above its cap is refused without
 * being read. Each ends with its documented exit code (3 for configuration,
 * 8 for a snapshot or a pack), one line on stderr, nothing on stdout, and
 * well within its deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "it_util.h"

#define GOLDEN KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_golden.json"
/* Each case ends at once; this is far above "at once" and far below a hang. */
#define DEADLINE_S 10

static char tmp[64];

static const char *in_tmp(const char *name)
{
	/* a ring: a test's argv holds several at once */
	static char buf[32][256];
	static int k;
	k = (k + 1) % 32;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmp, name);
	return buf[k];
}

static void write_bytes(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* Copy `from` to `to` with a NUL byte inserted right after the first
 * occurrence of `after`. */
static void copy_with_nul(const char *from, const char *to, const char *after)
{
	size_t len;
	char *s = read_all(from, &len), *out = malloc(len + 1);
	const char *p;
	size_t at;
	assert_non_null(out);
	s[len] = '\0';
	p = strstr(s, after);
	assert_non_null(p);
	at = (size_t)(p - s) + strlen(after);
	memcpy(out, s, at);
	out[at] = '\0';
	memcpy(out + at + 1, s + at, len - at);
	write_bytes(to, out, len + 1);
	free(out);
	free(s);
}

/* A failure: exit `want` within DEADLINE_S, nothing on stdout, one line on
 * stderr holding `must`. */
static void run_fails(const char *const *argv, const char *const *env, int want, const char *must)
{
	it_run_result r;
	it_run(&r, argv, env, DEADLINE_S * 3);
	if (r.timed_out)
		fail_msg("kpi %s: still running after %d s (killed)", argv[1], DEADLINE_S * 3);
	if (r.seconds > DEADLINE_S)
		fail_msg("kpi %s: took %.1f s, expected to end at once", argv[1], r.seconds);
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

/* The reproduction: `printf '{"a": [1\0, 2]}' > c.json; kpi list
 * --config c.json` never returned and grew past 4 GB in 5 s. */
static void test_inputs__nul_byte_in_the_config(void **state)
{
	static const char text[] = "{\"a\": [1\0, 2]}";
	char must[300];
	const char *argv[] = { "kpi", "list", "--config", in_tmp("c.json"), NULL };
	(void)state;
	write_bytes(in_tmp("c.json"), text, sizeof(text) - 1);
	snprintf(must, sizeof(must), "kpi: %s:1:9: a NUL byte\n", in_tmp("c.json"));
	run_fails(argv, NULL, 3, must);
}

static void test_inputs__nul_byte_in_the_catalogue_and_query_files(void **state)
{
	char cfg[512];
	const char *argv[] = { "kpi", "explain", "adoption_split", "--config", in_tmp("q.json"), NULL };
	const char *cw_argv[] = { "kpi", "explain", "api_error_rate_pct", "--config", in_tmp("q.json"), NULL };
	const char *cw_env[] = { "KPI_CW_LOAD_BALANCER=app/web/1", NULL };
	const char *frag_argv[] = { "kpi", "explain", "queue_backlog", "--config", in_tmp("q.json"), NULL };
	const char *list_argv[] = { "kpi", "list", "--config", in_tmp("cat.json"), NULL };
	(void)state;
	assert_int_equal(mkdir(in_tmp("queries"), 0700), 0);
	assert_int_equal(mkdir(in_tmp("queries/cloudwatch"), 0700), 0);
	assert_int_equal(mkdir(in_tmp("queries/fragments"), 0700), 0);
	copy_with_nul(KPI_SOURCE_DIR "/queries/adoption_split.sql", in_tmp("queries/adoption_split.sql"), "\n");
	copy_with_nul(KPI_SOURCE_DIR "/queries/cloudwatch/api_error_rate_pct.json",
	              in_tmp("queries/cloudwatch/api_error_rate_pct.json"), "\n");
	{
		size_t len;
		char *text = read_all(KPI_SOURCE_DIR "/queries/queue_backlog.sql", &len);
		write_bytes(in_tmp("queries/queue_backlog.sql"), text, len);
		free(text);
	}
	copy_with_nul(KPI_SOURCE_DIR "/queries/fragments/queued_jobs.sql",
	              in_tmp("queries/fragments/queued_jobs.sql"), "\n");
	snprintf(cfg, sizeof(cfg), "{\"queries\": \"%s\"}", in_tmp("queries"));
	write_bytes(in_tmp("q.json"), cfg, strlen(cfg));
	run_fails(argv, NULL, 3, "queries/adoption_split.sql:2:1: a NUL byte");
	run_fails(cw_argv, cw_env, 3, "queries/cloudwatch/api_error_rate_pct.json:2:1: a NUL byte");
	/* a fragment: its own file and place */
	run_fails(frag_argv, NULL, 3, "fragments/queued_jobs.sql:2:1: a NUL byte");
	copy_with_nul(KPI_SOURCE_DIR "/templates/catalog.json", in_tmp("catalog.json"), "\"kpis\": [");
	snprintf(cfg, sizeof(cfg), "{\"catalog\": \"%s\"}", in_tmp("catalog.json"));
	write_bytes(in_tmp("cat.json"), cfg, strlen(cfg));
	run_fails(list_argv, NULL, 3, "catalog.json:");
	run_fails(list_argv, NULL, 3, ": a NUL byte");
}

/* `"catalog": "/dev/zero"` read 2.1 GB and exited 1; a FIFO hung. */
static void test_inputs__catalogue_that_is_not_a_regular_file(void **state)
{
	static const char *const what[][2] = {
		{ "/dev/zero", "catalogue: '/dev/zero' is a character device, not a regular file" },
		{ "FIFO", "is a FIFO, not a regular file" },
		{ "DIR", "is a directory, not a regular file" },
	};
	const char *argv[] = { "kpi", "list", "--config", in_tmp("dev.json"), NULL };
	(void)state;
	assert_int_equal(mkfifo(in_tmp("fifo.json"), 0600), 0);
	for (size_t i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		char cfg[512];
		const char *path = strcmp(what[i][0], "FIFO") == 0  ? in_tmp("fifo.json")
		                   : strcmp(what[i][0], "DIR") == 0 ? tmp
		                                                    : what[i][0];
		snprintf(cfg, sizeof(cfg), "{\"catalog\": \"%s\"}", path);
		write_bytes(in_tmp("dev.json"), cfg, strlen(cfg));
		run_fails(argv, NULL, 3, what[i][1]);
	}
	{
		/* the config itself, and a query file */
		const char *cargv[] = { "kpi", "list", "--config", in_tmp("fifo.json"), NULL };
		run_fails(cargv, NULL, 3, "config: '");
		run_fails(cargv, NULL, 3, "fifo.json' is a FIFO, not a regular file");
	}
}

static void test_inputs__catalogue_above_its_cap(void **state)
{
	size_t n = ((size_t)4 << 20) + 1;
	char *big = malloc(n), cfg[512];
	const char *argv[] = { "kpi", "list", "--config", in_tmp("big.json"), NULL };
	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	write_bytes(in_tmp("big-catalog.json"), big, n);
	free(big);
	snprintf(cfg, sizeof(cfg), "{\"catalog\": \"%s\"}", in_tmp("big-catalog.json"));
	write_bytes(in_tmp("big.json"), cfg, strlen(cfg));
	run_fails(argv, NULL, 3, "big-catalog.json' is 4194305 bytes, larger than kpi reads from such a file (4 MiB)");
}

/* The same in snapshot.json (kpi render) and a snapshot whose
 * `"active_days": 90<NUL>,` was accepted and rendered: exit 8. */
static void test_inputs__nul_byte_in_a_snapshot(void **state)
{
	const char *argv[] = { "kpi", "render", "--snapshot", in_tmp("s1.json"), "--out", in_tmp("out1"), NULL };
	const char *argv2[] = { "kpi", "render", "--snapshot", in_tmp("s2.json"), "--out", in_tmp("out2"), NULL };
	struct stat st;
	(void)state;
	copy_with_nul(GOLDEN, in_tmp("s1.json"), "\"active_days\": 90");
	run_fails(argv, NULL, 8, "s1.json:5:20: a NUL byte");
	copy_with_nul(GOLDEN, in_tmp("s2.json"), "\"starts\": [\"2026-10-25T23:00:00Z\"");
	run_fails(argv2, NULL, 8, "s2.json:8:38: a NUL byte");
	assert_int_not_equal(stat(in_tmp("out1"), &st), 0); /* nothing written */
}

static void test_inputs__snapshot_that_is_not_a_regular_file(void **state)
{
	const char *fifo[] = { "kpi", "render", "--snapshot", in_tmp("snap.fifo"), "--out", in_tmp("o"), NULL };
	const char *zero[] = { "kpi", "render", "--snapshot", "/dev/zero", "--out", in_tmp("o"), NULL };
	(void)state;
	assert_int_equal(mkfifo(in_tmp("snap.fifo"), 0600), 0);
	run_fails(fifo, NULL, 8, "snap.fifo' is a FIFO, not a regular file");
	run_fails(zero, NULL, 8, "'/dev/zero' is a character device, not a regular file");
}

/* manifest.json with a NUL byte (kpi verify): exit 8 at its place. */
static void test_inputs__nul_byte_in_a_manifest(void **state)
{
	const char *render[] = { "kpi", "render", "--snapshot", GOLDEN, "--out", in_tmp("pack"), NULL };
	const char *verify[] = { "kpi", "verify", in_tmp("pack"), NULL };
	it_run_result r;
	(void)state;
	it_run(&r, render, NULL, 120);
	if (r.status != 0)
		fail_msg("kpi render: exit %d: %s", r.status, r.err);
	it_run_free(&r);
	copy_with_nul(in_tmp("pack/manifest.json"), in_tmp("manifest.nul"), "\"format\": 1");
	assert_int_equal(rename(in_tmp("manifest.nul"), in_tmp("pack/manifest.json")), 0);
	run_fails(verify, NULL, 8, "pack/manifest.json:2:14: a NUL byte");
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/kpi-it-inputs.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_inputs__nul_byte_in_the_config),
		T(test_inputs__nul_byte_in_the_catalogue_and_query_files),
		T(test_inputs__catalogue_that_is_not_a_regular_file),
		T(test_inputs__catalogue_above_its_cap),
		T(test_inputs__nul_byte_in_a_snapshot),
		T(test_inputs__snapshot_that_is_not_a_regular_file),
		T(test_inputs__nul_byte_in_a_manifest),
	};
	return cmocka_run_group_tests_name("integration_inputs", tests, NULL, NULL);
}
