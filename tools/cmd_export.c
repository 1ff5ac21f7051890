#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct export_args {
	const char *what, *out, *tests, *config;
	int interval;
	const char *log_format;
} export_args;

static const kpi_opt opts[] = {
	KPI_FILE("out", 'o', "FILE", export_args, out, "write the rules to FILE (atomically) instead of stdout"),
	KPI_FILE("tests", 0, "FILE", export_args, tests,
	         "also write a `promtool test rules` suite of the rules to FILE (needs --out)"),
	KPI_INT("interval", 0, "SECONDS", export_args, interval, "300", 1, 86400,
	        "how often `kpi publish --prom-textfile` runs: a rule's `for` is its alert's `for` runs times this"),
	KPI_OPT_CONFIG(export_args, config),
	KPI_OPT_LOG_FORMAT(export_args, log_format),
	KPI_OPT_END,
};

static const char *const whats[] = { "prometheus-rules", NULL };

static const kpi_arg args[] = {
	{ "WHAT", KPI_ARG_ENUM, offsetof(export_args, what), whats, "export",
	  "what to export? (prometheus-rules)" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_export = {
	"export", cmd_export, "export the catalogue's thresholds as Prometheus alerting rules",
	"prometheus-rules: one alerting rule per KPI that alerts, over the metrics\n"
	"`kpi publish --prom-textfile` writes, from the same thresholds (catalogue and\n"
	"config overrides) the pack and `kpi alert` use: expr = the metric against\n"
	"the threshold in its unit (kpi_export_success_ratio < 0.99), for = M periods\n"
	"of the KPI's alarm rule or its alert's `for` runs x --interval, labels\n"
	"severity and kpi, annotations summary, description and runbook_url. With\n"
	"--tests, a `promtool test rules` suite: a series just past each threshold\n"
	"fires, one at its healthy edge does not. Check both with `promtool check\n"
	"rules FILE` and `promtool test rules TESTS` (docs/runbook.md).",
	opts, args, false, false,
};

/* How the tests file names the rules file: its base name when both are in
 * one directory, else its absolute path. */
static const char *rules_name(char *buf, size_t size, const char *out, const char *tests)
{
	char a[PATH_MAX], b[PATH_MAX], *da, *db;
	snprintf(a, sizeof(a), "%s", out);
	snprintf(b, sizeof(b), "%s", tests);
	da = dirname(a);
	db = dirname(b);
	if (strcmp(da, db) == 0) {
		snprintf(a, sizeof(a), "%s", out);
		snprintf(buf, size, "%s", basename(a));
	} else if (!realpath(da, b) || (size_t)snprintf(buf, size, "%s/", b) >= size) {
		snprintf(buf, size, "%s", out);
	} else {
		snprintf(a, sizeof(a), "%s", out);
		strncat(buf, basename(a), size - strlen(buf) - 1);
	}
	return buf;
}

int cmd_export(int argc, char **argv)
{
	export_args a;
	int rc;
	char name[PATH_MAX];
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi_prom_rules_opts o = KPI_PROM_RULES_OPTS_INIT;
	kpi_buf b = KPI_BUF_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_export, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (a.tests && !a.out) {
		fprintf(stderr, "kpi export: --tests needs --out FILE: the tests name the rules file they test\n");
		return KPI_EXIT_USAGE;
	}
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, NULL)))
		return rc;
	o.interval = a.interval;
	if (a.out) {
		o.rules_name = a.tests ? rules_name(name, sizeof(name), a.out, a.tests) : NULL;
		if ((rc = kpi_prom_rules_write(a.out, a.tests, cfg, cat, &o, &err)))
			rc = kpi_fail(&err);
	} else if ((rc = kpi_prom_rules_render(&b, NULL, cfg, cat, &o, &err))) {
		rc = kpi_fail(&err);
	} else {
		rc = kpi_write_stdout(&b);
	}
	kpi_buf_release(&b);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
