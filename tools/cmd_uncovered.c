/* kpi uncovered: the backfill list of the outage playbook (docs/runbook.md,
 * uncached_legacy_max_age_days step 2): the oldest uncovered designs of the
 * active legacy cohort as of now or the end of a week, read with the pack's
 * query (kpi/lists.h), and how many there are in all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "commands.h"
#include "opts.h"
#include "progress.h"

#define STR_(x) #x
#define STR(x) STR_(x)

typedef struct uncovered_args {
	const char *week, *format, *config, *db;
	int limit;
	bool no_color;
	const char *log_format;
} uncovered_args;

static const char *const formats[] = { "table", "csv", "json", NULL };

static const kpi_opt opts[] = {
	KPI_WEEK("week", 'w', uncovered_args, week, "current",
	         "as of the end of this week (`current`: as of now)"),
	KPI_INT("limit", 'l', "N", uncovered_args, limit, STR(KPI_UNCOVERED_LIMIT_DEFAULT), 1, KPI_UNCOVERED_LIMIT_MAX,
	        "list at most the N oldest (the total is always shown)"),
	KPI_ENUM("format", 'f', "FORMAT", uncovered_args, format, "table", formats, "output format"),
	KPI_OPT_CONFIG(uncovered_args, config),
	KPI_OPT_DB(uncovered_args, db),
	KPI_FLAG("no-color", 0, uncovered_args, no_color,
	         "no ANSI colours (also when `NO_COLOR` is set, `TERM=dumb` or not a terminal)"),
	KPI_OPT_LOG_FORMAT(uncovered_args, log_format),
	KPI_OPT_END,
};

static const kpi_arg args[] = { KPI_ARG_END };

const kpi_cmd_spec kpi_cmd_uncovered = {
	"uncovered", cmd_uncovered, "list the uncovered legacy designs to backfill, oldest first",
	"List the uncovered designs of the active legacy cohort (no migration and no\n"
	"unexpired export of the latest revision), oldest latest revision first, ties\n"
	"by design id: the backfill list of the outage playbook. It runs the pack's\n"
	"query, queries/pack/uncovered_designs.sql, in kpi's read-only session, so the\n"
	"first age is uncached_legacy_max_age_days and the total its numerator, as of\n"
	"the same instant. Every format says how many are uncovered in all, so a list\n"
	"cut at --limit never reads as the whole backlog.",
	opts, args, false, false,
};

int cmd_uncovered(int argc, char **argv)
{
	uncovered_args a;
	int rc;
	int64_t now;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_uncovered_list *list = NULL;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_uncovered, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, a.db)))
		return rc;
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	if ((rc = kpi_window_init(&w, a.week, 1, cfg->timezone, now, &err)) ||
	    (rc = kpi_uncovered_read(&list, cfg, &w, (size_t)a.limit, &err)))
		goto fail;
	if (strcmp(a.format, "json") == 0) {
		rc = kpi_format_uncovered_json(&out, list, &err);
	} else if (strcmp(a.format, "csv") == 0) {
		rc = kpi_format_uncovered_csv(&out, list, &err);
	} else {
		/* the ages coloured as the KPI whose value the oldest one is */
		const kpi_def *def = kpi_catalog_find(cat, "uncached_legacy_max_age_days");
		kpi_table_opts to = KPI_TABLE_OPTS_INIT;
		to.color = kpi_term_color(STDOUT_FILENO, a.no_color);
		rc = kpi_format_uncovered_table(&out, list, def ? &def->threshold : NULL, &to, &err);
	}
	if (rc)
		goto fail;
	rc = kpi_write_stdout(&out);
	goto done;
fail:
	rc = kpi_fail(&err);
done:
	kpi_buf_release(&out);
	kpi_uncovered_list_free(list);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
