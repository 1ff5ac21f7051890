/*
 * The command's help, the man page (docs/kpi.1) and the docs agree with the
 * code, no database needed. --help, the man page's SYNOPSIS / OPTIONS / EXIT
 * STATUS and the completions are generated from one source (each command's
 * kpi_cmd_spec in tools/, the exit status tables in tools/opts.c; the ctests
 * cli_man_page_up_to_date and cli_completion_* check the generated files),
 * so what is left to check here is what a user sees: every command of
 * `kpi --help` is in the man page's SYNOPSIS and COMMANDS prose; every
 * command answers --help, -h, --version, -V and `kpi help CMD` the same way,
 * refuses an unknown option and a missing option argument as a usage error
 * (kpi alert as a Nagios UNKNOWN), and every option of its --help is in its
 * man page SYNOPSIS; typed options (week, enum, integer range) are checked by
 * the parser with messages naming what they take; every command taking
 * --week names the values the parser accepts (YYYY-Www, last, current) in
 * its usage line, its option help and its SYNOPSIS, and the parser accepts
 * exactly those; the exit codes of kpi --help are the man page's; kpi seed
 * --help and the man page give the demo weeks queries/seed/demo.sql holds;
 * every environment variable the code reads (getenv("...") in libkpi/src and
 * tools/) is in .env.example and docs/configuration.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "it_util.h"
#include "asserts.h"
#include "core/internal.h"

static char *slurp(const char *rel)
{
	char path[1024], *t = NULL;
	snprintf(path, sizeof(path), "%s/%s", KPI_SOURCE_DIR, rel);
	if (kpi__read_file(&t, NULL, path, NULL))
		fail_msg("cannot read %s", path);
	return t;
}

/* The man page with roff's "\-" as "-". */
static char *man_page(void)
{
	char *t = slurp("docs/kpi.1"), *w = t;
	for (const char *r = t; *r; r++) {
		if (r[0] == '\\' && r[1] == '-')
			continue;
		*w++ = *r;
	}
	*w = '\0';
	return t;
}

/* The text between two markers ("" for the end), caller frees. */
static char *section(const char *text, const char *from, const char *to)
{
	const char *a = strstr(text, from), *b;
	assert_non_null(a);
	b = *to ? strstr(a + strlen(from), to) : a + strlen(a);
	assert_non_null(b);
	return strndup(a, (size_t)(b - a));
}

static void help_of(it_run_result *r, const char *cmd)
{
	const char *argv[] = { "kpi", cmd, "--help", NULL };
	it_run(r, argv, NULL, 20);
	if (r->status != 0)
		fail_msg("kpi %s --help exited %d: %s", cmd, r->status, r->err);
}

/* The command names of `kpi --help` (the "commands:" list). */
static size_t commands(char names[16][32])
{
	it_run_result r;
	const char *argv[] = { "kpi", "--help", NULL };
	const char *p;
	size_t n = 0;
	it_run(&r, argv, NULL, 20);
	assert_int_equal(r.status, 0);
	p = strstr(r.out, "commands:\n");
	assert_non_null(p);
	for (p = strchr(p, '\n') + 1; strncmp(p, "  ", 2) == 0 && n < 16; p = strchr(p, '\n') + 1)
		sscanf(p, " %31s", names[n++]);
	it_run_free(&r);
	assert_true(n >= 9);
	return n;
}

static void test_docs__every_command_in_the_man_page(void **state)
{
	char names[16][32], *man = man_page(), *syn = section(man, ".SH SYNOPSIS", ".SH DESCRIPTION"),
	                     *cmds = section(man, ".SH COMMANDS", ".SH OPTIONS");
	size_t n = commands(names);
	(void)state;
	for (size_t i = 0; i < n; i++) {
		char want[64];
		snprintf(want, sizeof(want), "\n.SY \"kpi %s\"\n", names[i]);
		if (!strstr(syn, want))
			fail_msg("man page SYNOPSIS lacks 'kpi %s'", names[i]);
		snprintf(want, sizeof(want), "\n.B %s", names[i]);
		if (!strstr(cmds, want))
			fail_msg("man page COMMANDS lacks '%s'", names[i]);
	}
	free(syn);
	free(cmds);
	free(man);
}

static void expect_week_values(const char *cmd, const char *where, const char *text)
{
	static const char *const values[] = { "YYYY-Www", "last", "current" };
	for (int i = 0; i < 3; i++)
		if (!strstr(text, values[i]))
			fail_msg("kpi %s: %s lacks '%s' of the --week values: %s", cmd, where, values[i], text);
}

/* The SYNOPSIS of `kpi cmd` in the man page (from .SY to .YS), caller frees. */
static char *man_synopsis_of(const char *syn, const char *cmd)
{
	char want[64];
	const char *chunk, *end;
	snprintf(want, sizeof(want), "\n.SY \"kpi %s\"\n", cmd);
	chunk = strstr(syn, want);
	if (!chunk)
		fail_msg("man page SYNOPSIS lacks 'kpi %s'", cmd);
	end = strstr(chunk, "\n.YS");
	assert_non_null(end);
	return strndup(chunk, (size_t)(end - chunk));
}

/* An option's entry in --help: from its line to the next option's, caller
 * frees. */
static char *help_entry(const char *help, const char *opt)
{
	const char *a = strstr(help, opt), *b;
	assert_non_null(a);
	for (b = strchr(a, '\n'); b && strncmp(b + 1, "        ", 8) == 0; b = strchr(b + 1, '\n'))
		;
	return strndup(a, b ? (size_t)(b - a) : strlen(a));
}

static void test_docs__week_values_agree_with_the_parser(void **state)
{
	char names[16][32], *man = man_page(), *syn = section(man, ".SH SYNOPSIS", ".SH DESCRIPTION");
	size_t n = commands(names), with_week = 0;
	(void)state;
	for (size_t i = 0; i < n; i++) {
		it_run_result r;
		const char *usage, *opt;
		char *line;
		help_of(&r, names[i]);
		opt = strstr(r.out, "--week WEEK");
		if (!opt) {
			it_run_free(&r);
			continue;
		}
		with_week++;
		/* the usage line's [--week ...] */
		usage = strstr(r.out, "[--week ");
		assert_non_null(usage);
		line = strndup(usage, (size_t)(strchr(usage, ']') - usage));
		expect_week_values(names[i], "the usage line", line);
		free(line);
		/* the option's help (wrapped over lines) */
		line = help_entry(r.out, "--week WEEK");
		expect_week_values(names[i], "the --week help", line);
		free(line);
		/* the SYNOPSIS of the command */
		line = man_synopsis_of(syn, names[i]);
		if (!strstr(line, "--week"))
			fail_msg("man page SYNOPSIS of kpi %s lacks --week", names[i]);
		expect_week_values(names[i], "the man page SYNOPSIS", line);
		free(line);
		it_run_free(&r);
	}
	assert_int_equal(with_week, 5); /* query, explain, uncovered, pack, publish */
	/* every --week option of the man page */
	{
		char *opts = section(man, ".SH OPTIONS", ".SH ENVIRONMENT");
		size_t found = 0;
		for (const char *p = opts; (p = strstr(p, "--week \" \\fIWEEK\\fR\"")); p++, found++) {
			const char *end = strstr(p, ".TP");
			char *entry = strndup(p, end ? (size_t)(end - p) : strlen(p));
			expect_week_values("(man page)", "the man page's OPTIONS", entry);
			free(entry);
		}
		assert_true(found >= 3); /* query and explain share one; pack; publish */
		free(opts);
	}
	/* the parser: explain reads no database, so it shows what --week takes */
	{
		static const char *const ok[] = { "current", "last", "2026-W46", "2026-w46" };
		static const char *const bad[] = { "this", "Current", "2026-46", "W46", "" };
		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			const char *argv[] = { "kpi", "explain", "adoption_split", "--week", ok[i], NULL };
			const char *env[] = { "KPI_NOW=2026-11-18T12:00:00Z", NULL };
			it_run_result r;
			it_run(&r, argv, env, 20);
			if (r.status != 0)
				fail_msg("--week '%s' refused (%d): %s", ok[i], r.status, r.err);
			it_run_free(&r);
		}
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *argv[] = { "kpi", "explain", "adoption_split", "--week", bad[i], NULL };
			it_run_result r;
			it_run(&r, argv, NULL, 20);
			assert_int_equal(r.status, 2);
			assert_contains(r.err, "expected YYYY-Www (e.g. 2026-W07), last or current");
			it_run_free(&r);
		}
	}
	free(syn);
	free(man);
}

/* The standard checks of every command (postgres' program_help_ok,
 * program_options_handling_ok): --help and -h and `kpi help CMD` print the
 * same help, --version and -V print "kpi VERSION", an unknown option and an
 * option without its argument are usage errors: exit 2 and one line "kpi
 * CMD: ..." on stderr, or for kpi alert exit 3 and "KPI UNKNOWN - ..." on
 * stdout. Every option the help lists is in the command's man page SYNOPSIS. */
static void test_docs__every_command_handles_help_version_and_bad_options(void **state)
{
	char names[16][32], *man = man_page(), *syn = section(man, ".SH SYNOPSIS", ".SH DESCRIPTION"), version[64];
	size_t n = commands(names);
	(void)state;
	snprintf(version, sizeof(version), "kpi %s\n", kpi_version());
	for (size_t i = 0; i < n; i++) {
		const char *cmd = names[i];
		bool nagios = strcmp(cmd, "alert") == 0;
		it_run_result help, r;
		char want[64], *msyn = man_synopsis_of(syn, cmd);
		const char *with_arg = NULL;

		help_of(&help, cmd);
		snprintf(want, sizeof(want), "usage: kpi %s", cmd);
		if (strncmp(help.out, want, strlen(want)) != 0)
			fail_msg("kpi %s --help does not start with '%s': %s", cmd, want, help.out);
		assert_contains(help.out, "-V, --version");
		assert_contains(help.out, "exit status");
		{
			const char *a1[] = { "kpi", cmd, "-h", NULL }, *a2[] = { "kpi", "help", cmd, NULL };
			const char *const *variants[] = { a1, a2 };
			for (int v = 0; v < 2; v++) {
				it_run(&r, variants[v], NULL, 20);
				assert_int_equal(r.status, 0);
				if (strcmp(r.out, help.out) != 0)
					fail_msg("kpi %s %s differs from kpi %s --help", variants[v][1], variants[v][2], cmd);
				it_run_free(&r);
			}
		}
		{
			const char *a1[] = { "kpi", cmd, "--version", NULL }, *a2[] = { "kpi", cmd, "-V", NULL };
			const char *const *variants[] = { a1, a2 };
			for (int v = 0; v < 2; v++) {
				it_run(&r, variants[v], NULL, 20);
				assert_int_equal(r.status, 0);
				assert_string_equal(r.out, version);
				assert_string_equal(r.err, "");
				it_run_free(&r);
			}
		}
		/* every option of the help is in the man page's SYNOPSIS; note one
		 * that takes an argument */
		for (const char *p = help.out; (p = strstr(p, "\n  ")); p++) {
			char opt[64];
			if (sscanf(p, "\n  -%*c, --%62[a-z-]", opt) != 1 && sscanf(p, "\n      --%62[a-z-]", opt) != 1)
				continue;
			if (strcmp(opt, "help") == 0 || strcmp(opt, "version") == 0)
				continue;
			snprintf(want, sizeof(want), "--%s", opt);
			if (!strstr(msyn, want))
				fail_msg("kpi %s: --%s is in --help but not in the man page's SYNOPSIS", cmd, opt);
			snprintf(want, sizeof(want), "--%s ", opt);
			if (!with_arg && strstr(p, want) && strstr(p, want) < strchr(p + 1, '\n'))
				with_arg = strstr(p, "--") + 2;
		}
		/* an unknown option */
		{
			const char *argv[] = { "kpi", cmd, "--no-such-option", NULL };
			it_run(&r, argv, NULL, 20);
			assert_int_equal(r.status, nagios ? 3 : 2);
			if (nagios) {
				assert_contains(r.out, "KPI UNKNOWN - unknown option '--no-such-option' (see kpi alert --help)");
			} else {
				snprintf(want, sizeof(want), "kpi %s: unknown option '--no-such-option'", cmd);
				assert_contains(r.err, want);
				assert_int_equal(it_count_lines(r.err), 1);
				assert_string_equal(r.out, "");
			}
			it_run_free(&r);
		}
		/* an option without its argument */
		if (with_arg) {
			char opt[64];
			const char *argv[] = { "kpi", cmd, opt, NULL };
			snprintf(opt, sizeof(opt), "--%.*s", (int)strcspn(with_arg, " "), with_arg);
			it_run(&r, argv, NULL, 20);
			assert_int_equal(r.status, nagios ? 3 : 2);
			snprintf(want, sizeof(want), "option '%s' needs an argument", opt);
			assert_contains(nagios ? r.out : r.err, want);
			it_run_free(&r);
		}
		free(msyn);
		it_run_free(&help);
	}
	/* kpi help alone is kpi --help; an unknown command is a usage error */
	{
		const char *a1[] = { "kpi", "help", NULL }, *a2[] = { "kpi", "--help", NULL };
		const char *a3[] = { "kpi", "help", "no-such-command", NULL }, *a4[] = { "kpi", "help", "__gen", NULL };
		it_run_result r1, r2;
		it_run(&r1, a1, NULL, 20);
		it_run(&r2, a2, NULL, 20);
		assert_int_equal(r1.status, 0);
		assert_string_equal(r1.out, r2.out);
		assert_null(strstr(r1.out, "__")); /* the hidden commands stay hidden */
		it_run_free(&r1);
		it_run_free(&r2);
		it_run(&r1, a3, NULL, 20);
		assert_int_equal(r1.status, 2);
		assert_string_equal(r1.out, "");
		assert_string_equal(r1.err, "kpi help: unknown command 'no-such-command' (see kpi --help)\n");
		it_run_free(&r1);
		it_run(&r1, a4, NULL, 20);
		assert_int_equal(r1.status, 2);
		it_run_free(&r1);
	}
	free(syn);
	free(man);
}

/* Typed options: the parser checks them before anything runs, and says
 * what they take. */
static void test_docs__typed_options_are_checked_by_the_parser(void **state)
{
	static const struct {
		const char *argv[8];
		const char *must;
	} cases[] = {
		{ { "kpi", "query", "adoption_split", "--format", "xml", NULL }, "kpi query: --format 'xml': expected table, csv or json" },
		{ { "kpi", "list", "--format", "csv", NULL }, "kpi list: --format 'csv': expected table or json" },
		{ { "kpi", "list", "-f", "", NULL }, "kpi list: --format '': expected table or json" },
		{ { "kpi", "query", "adoption_split", "--weeks", "61", NULL }, "kpi query: --weeks '61': expected a whole number 1..60" },
		{ { "kpi", "explain", "adoption_split", "-n", "2x", NULL }, "kpi explain: --weeks '2x': expected a whole number 1..60" },
		{ { "kpi", "seed", "demo", "--scale", "0", NULL }, "kpi seed: --scale '0': expected a whole number 1..100000" },
		{ { "kpi", "seed", "nope", NULL }, "kpi seed: unknown dataset 'nope': expected demo or scale" },
		{ { "kpi", "pack", "--week", "2025-W53", NULL }, "kpi pack: --week '2025-W53': 2025 has 52 ISO weeks" },
		{ { "kpi", "publish", "--week", "next", "--cloudwatch", NULL }, "kpi publish: --week 'next': expected YYYY-Www (e.g. 2026-W07), last or current" },
		{ { "kpi", "publish", "--prom-textfile", "", NULL }, "kpi publish: --prom-textfile needs a path" },
		{ { "kpi", "render", "--out", "/tmp", NULL }, "kpi render: missing --snapshot FILE" },
		{ { "kpi", "query", "--no-color=yes", "all", NULL }, "kpi query: option '--no-color' takes no argument" },
		{ { "kpi", "verify", "a", "b", NULL }, "kpi verify: unexpected argument 'b' (see kpi verify --help)" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		it_run_result r;
		char want[256];
		it_run(&r, cases[i].argv, NULL, 20);
		snprintf(want, sizeof(want), "%s\n", cases[i].must);
		if (r.status != 2 || strcmp(r.err, want) != 0 || r.out[0])
			fail_msg("kpi %s ...: exit %d, stderr '%s', expected exit 2 and '%s'", cases[i].argv[1], r.status,
			         r.err, cases[i].must);
		it_run_free(&r);
	}
	/* --opt=value and the defaults: --weeks=2 --week=2026-W46 is the same window as -n 2 -w 2026-W46 */
	{
		const char *a1[] = { "kpi", "explain", "adoption_split", "--weeks=2", "--week=2026-W46", NULL };
		const char *a2[] = { "kpi", "explain", "adoption_split", "-n", "2", "-w", "2026-W46", NULL };
		const char *env[] = { "KPI_NOW=2026-11-18T12:00:00Z", NULL };
		it_run_result r1, r2;
		it_run(&r1, a1, env, 20);
		it_run(&r2, a2, env, 20);
		assert_int_equal(r1.status, 0);
		assert_string_equal(r1.out, r2.out);
		assert_contains(r1.out, "= 2026-11-02T00:00:00Z"); /* $1 from: two weeks ending with W46 */
		it_run_free(&r1);
		it_run_free(&r2);
	}
}

/* kpi --help's exit codes are the man page's EXIT STATUS (both come from
 * the tables in tools/opts.c; this reads what the user reads). */
/* Standard output that cannot be written (a full disk): exit 7 (kpi
 * alert: UNKNOWN), also for --help and --version, whose text is all
 * buffered until exit. */
static void test_docs__stdout_write_failure_is_exit_7(void **state)
{
	char names[16][32], cmd[256];
	size_t n = commands(names);
	(void)state;
	for (size_t i = 0; i <= n + 1; i++) {
		const char *args = i == n ? "--help" : i == n + 1 ? "--version" : NULL;
		int st;
		if (args)
			snprintf(cmd, sizeof(cmd), "'%s' %s >/dev/full 2>/dev/null", KPI_BINARY, args);
		else
			snprintf(cmd, sizeof(cmd), "'%s' %s --help >/dev/full 2>/dev/null", KPI_BINARY, names[i]);
		st = system(cmd);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != (i < n && strcmp(names[i], "alert") == 0 ? 3 : 7))
			fail_msg("%s: exit %d, expected 7 (alert: 3)", cmd, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}
	snprintf(cmd, sizeof(cmd), "'%s' --help 2>&1 >/dev/full | grep -qx 'kpi: cannot write to standard output'",
	         KPI_BINARY);
	assert_int_equal(system(cmd), 0);
}

static void test_docs__exit_codes_agree(void **state)
{
	it_run_result r;
	const char *argv[] = { "kpi", "--help", NULL };
	char *man = man_page(), *ex = section(man, ".SH EXIT STATUS", ".SH FILES");
	(void)state;
	it_run(&r, argv, NULL, 20);
	for (int code = 0; code <= 8; code++) {
		char want[32];
		snprintf(want, sizeof(want), "\n  %d  ", code);
		if (!strstr(r.out, want))
			fail_msg("kpi --help lacks exit status %d", code);
		snprintf(want, sizeof(want), ".TP\n.B %d\n", code);
		if (!strstr(ex, want))
			fail_msg("the man page's EXIT STATUS lacks %d", code);
	}
	assert_contains(r.out, "3  UNKNOWN: ");
	assert_contains(ex, "\\fBUNKNOWN\\fR: ");
	assert_contains(r.out, "2  usage error: bad option, malformed week, unknown KPI");
	assert_contains(ex, "usage error: bad option, malformed week, unknown KPI");
	it_run_free(&r);
	free(ex);
	free(man);
}

static void test_docs__demo_weeks_are_the_dataset_s(void **state)
{
	char *sql = slurp("queries/seed/demo.sql"), *man = man_page(), first[16], last[16], want[64];
	it_run_result r;
	(void)state;
	/* "-- The demo dataset: the owned-path rollout told over ISO weeks 2026-W35 ..\n-- 2026-W46" */
	if (sscanf(strstr(sql, "ISO weeks "), "ISO weeks %15s ..\n-- %15s", first, last) != 2)
		fail_msg("queries/seed/demo.sql does not start by naming its weeks");
	help_of(&r, "seed");
	snprintf(want, sizeof(want), "%s..%s", first, last);
	assert_contains(r.out, want);
	snprintf(want, sizeof(want), "ISO weeks %s to %s", first, last);
	assert_contains(man, want);
	it_run_free(&r);
	free(sql);
	free(man);
}

/* kpi render --help and the man page name the snapshot formats read: 1 to
 * the one kpi pack writes (they once said "format 2 and the older format 1"
 * after packs were format 4). */
static void test_docs__render_names_the_snapshot_formats(void **state)
{
	char *man = man_page(), want[96];
	it_run_result r;
	(void)state;
	help_of(&r, "render");
	snprintf(want, sizeof(want), "Snapshots of formats 1 to %d are read (kpi pack writes format %d)",
	         KPI_SNAPSHOT_FORMAT, KPI_SNAPSHOT_FORMAT);
	assert_contains(r.out, want);
	snprintf(want, sizeof(want), "Snapshots of formats 1 to %d are read\n", KPI_SNAPSHOT_FORMAT);
	assert_contains(man, want);
	snprintf(want, sizeof(want), "writes format %d;", KPI_SNAPSHOT_FORMAT);
	assert_contains(man, want);
	it_run_free(&r);
	free(man);
}

static void add_name(kpi_buf *names, const char *s, size_t len)
{
	char name[128];
	snprintf(name, sizeof(name), " %.*s ", (int)len, s);
	if (!strstr(names->data ? names->data : "", name))
		kpi_buf_printf(names, "%s", name + (names->len ? 1 : 0));
}

/* The environment variables the code reads, appended to `names`
 * (space-separated), in `dir` and its sub-folders: every getenv("NAME"), and every string literal that is
 * the name of one of kpi's, AWS', libpq's or XDG's variables, or TZDIR (passed to the
 * helpers that read and check them, like env_int("KPI_ACTIVE_DAYS", ...)). */
static void env_names(kpi_buf *names, const char *dir)
{
	static const char *const prefixes[] = { "KPI_", "AWS_", "XDG_", "PG", "TZDIR", NULL };
	char path[1024];
	DIR *d;
	struct dirent *e;
	snprintf(path, sizeof(path), "%s/%s", KPI_SOURCE_DIR, dir);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d))) {
		char rel[600], *text;
		size_t len = strlen(e->d_name);
		snprintf(rel, sizeof(rel), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			env_names(names, rel); /* the library's module folders */
			continue;
		}
		if (len < 3 || strcmp(e->d_name + len - 2, ".c") != 0)
			continue;
		text = slurp(rel);
		for (const char *p = text; (p = strstr(p, "getenv(\"")); p++)
			add_name(names, p + 8, (size_t)(strchr(p + 8, '"') - (p + 8)));
		for (const char *p = text; (p = strchr(p, '"')); p++) {
			size_t n = strspn(p + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
			if (n < 4 || p[1 + n] != '"')
				continue;
			for (const char *const *x = prefixes; *x; x++)
				if (strncmp(p + 1, *x, strlen(*x)) == 0) {
					add_name(names, p + 1, n);
					break;
				}
			p += n + 1;
		}
		free(text);
	}
	closedir(d);
}

static void test_docs__every_environment_variable_documented(void **state)
{
	kpi_buf names = KPI_BUF_INIT;
	char *env = slurp(".env.example"), *conf = slurp("docs/configuration.md"), *copy, *tok, *save = NULL;
	size_t n = 0;
	(void)state;
	env_names(&names, "libkpi/src");
	env_names(&names, "tools");
	copy = strdup(names.data);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char line[160], code[160];
		/* not a setting of kpi: HOME (only where ~/.aws and ~/.local/state
		 * are) */
		if (strcmp(tok, "HOME") == 0)
			continue;
		snprintf(line, sizeof(line), "\n%s=", tok);
		snprintf(code, sizeof(code), "`%s`", tok);
		/* TERM is the terminal's, not a setting to put in an environment
		 * file (TERM= there would break the shell that sources it): named in
		 * docs/configuration.md only */
		if (strcmp(tok, "TERM") != 0 && !strstr(env, line) && !(strncmp(env, line + 1, strlen(line + 1)) == 0)) {
			/* a variable with no default is listed commented out */
			snprintf(line, sizeof(line), "\n#%s=", tok);
			if (!strstr(env, line))
				fail_msg("the code reads %s but .env.example does not list it", tok);
		}
		if (!strstr(conf, code))
			fail_msg("the code reads %s but docs/configuration.md does not name it (as `%s`)", tok, tok);
		n++;
	}
	assert_true(n >= 30);
	/* safe to source as it is: no variable set to the empty string (libpq
	 * reads PGSERVICE= as the service "", not as unset) */
	for (const char *l = env; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t k = strspn(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (k > 0 && l[k] == '=' && (l[k + 1] == '\n' || l[k + 1] == '\0'))
			fail_msg(".env.example sets %.*s to the empty string: comment it out (#%.*s=)", (int)k, l, (int)k, l);
	}
	free(copy);
	kpi_buf_release(&names);
	free(env);
	free(conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docs__every_command_in_the_man_page),
		cmocka_unit_test(test_docs__week_values_agree_with_the_parser),
		cmocka_unit_test(test_docs__every_command_handles_help_version_and_bad_options),
		cmocka_unit_test(test_docs__typed_options_are_checked_by_the_parser),
		cmocka_unit_test(test_docs__stdout_write_failure_is_exit_7),
		cmocka_unit_test(test_docs__exit_codes_agree),
		cmocka_unit_test(test_docs__demo_weeks_are_the_dataset_s),
		cmocka_unit_test(test_docs__render_names_the_snapshot_formats),
		cmocka_unit_test(test_docs__every_environment_variable_documented),
	};
	return cmocka_run_group_tests_name("cli_docs", tests, NULL, NULL);
}
