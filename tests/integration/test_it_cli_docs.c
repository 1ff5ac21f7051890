/*
 * The command's help, the man page (docs/kpi.1) and the docs agree with the
 * code, no database needed: every command of `kpi --help` is in the man
 * page's SYNOPSIS and COMMANDS; every command taking --week names the values
 * the parser accepts (YYYY-Www, last, current) in its usage line, its option
 * help and its SYNOPSIS, and the parser accepts exactly those; kpi seed
 * --help and the man page give the demo weeks queries/seed/demo.sql holds;
 * every environment variable the code reads (getenv("...") in libkpi/src
 * and tools/) is in .env.example and docs/configuration.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		snprintf(want, sizeof(want), "\n.B kpi %s\n", names[i]);
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

static void test_docs__week_values_agree_with_the_parser(void **state)
{
	char names[16][32], *man = man_page(), *syn = section(man, ".SH SYNOPSIS", ".SH DESCRIPTION");
	size_t n = commands(names), with_week = 0;
	(void)state;
	for (size_t i = 0; i < n; i++) {
		it_run_result r;
		const char *usage, *opt;
		char want[64], *line, *chunk, *next;
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
		/* the option's help */
		line = strndup(opt, (size_t)(strchr(opt, '\n') - opt));
		expect_week_values(names[i], "the --week help", line);
		free(line);
		/* the SYNOPSIS of the command, up to the next .br */
		snprintf(want, sizeof(want), "\n.B kpi %s\n", names[i]);
		chunk = strstr(syn, want);
		assert_non_null(chunk);
		next = strstr(chunk + 1, ".br");
		line = strndup(chunk, next ? (size_t)(next - chunk) : strlen(chunk));
		if (!strstr(line, "--week"))
			fail_msg("man page SYNOPSIS of kpi %s lacks --week", names[i]);
		expect_week_values(names[i], "the man page SYNOPSIS", line);
		free(line);
		it_run_free(&r);
	}
	assert_int_equal(with_week, 4); /* query, explain, pack, publish */
	/* the man page's --week option */
	{
		char *opts = section(man, "--week \" \\fIWEEK\\fR\"", ".TP");
		expect_week_values("(all)", "the man page's OPTIONS", opts);
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
		if (!strstr(env, line) && !(strncmp(env, line + 1, strlen(line + 1)) == 0))
			fail_msg("the code reads %s but .env.example does not list it", tok);
		if (!strstr(conf, code))
			fail_msg("the code reads %s but docs/configuration.md does not name it (as `%s`)", tok, tok);
		n++;
	}
	assert_true(n >= 30);
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
		cmocka_unit_test(test_docs__demo_weeks_are_the_dataset_s),
		cmocka_unit_test(test_docs__every_environment_variable_documented),
	};
	return cmocka_run_group_tests_name("cli_docs", tests, NULL, NULL);
}
