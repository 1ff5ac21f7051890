/* kpi silence add|list|expire: the silences of `kpi alert`, kept in its state
 * directory (libkpi/src/alert/alert_silence.c does the work). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct silence_args {
	const char *action, *id;
	const char *config, *state_dir, *kpi, *until, *by, *comment, *format, *now;
	kpi_opt_list labels;
	const char *log_format;
} silence_args;

static const char *const actions[] = { "add", "list", "expire", NULL };
static const char *const formats[] = { "table", "json", NULL };

static const kpi_opt opts[] = {
	KPI_STRING("kpi", 0, "ID", silence_args, kpi,
	           "add: the KPI whose alerts it silences (`kpi_source`: the blind monitor)"),
	KPI_LIST("label", 0, "NAME=VALUE", silence_args, labels,
	         "add: only the alerts whose label NAME is VALUE (every one given must match)"),
	KPI_STRING("until", 0, "TIME", silence_args, until,
	           "add: when it ends: an ISO-8601 time with its offset (`2026-12-07T06:00:00+01:00`) or a "
	           "duration from now (`90m`, `2h`, `1d`)"),
	KPI_STRING("by", 0, "NAME", silence_args, by, "add: who silences it"),
	KPI_STRING("comment", 0, "TEXT", silence_args, comment, "add: why (the maintenance, a ticket)"),
	KPI_ENUM("format", 'f', "FORMAT", silence_args, format, "table", formats, "list: the output"),
	KPI_FILE("config", 'c', "FILE", silence_args, config,
	         "JSON config file (default `$KPI_CONFIG`): its `alert.state_dir`"),
	KPI_DIR("state-dir", 0, "DIR", silence_args, state_dir,
	        "the state directory of `kpi alert` (default as `kpi alert` finds it)"),
	KPI_STRING("now", 0, "TIME", silence_args, now,
	           "as of this ISO-8601 instant (default `$KPI_NOW`, else the clock), for tests"),
	KPI_OPT_LOG_FORMAT(silence_args, log_format),
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "ACTION", KPI_ARG_ENUM, offsetof(silence_args, action), actions, "action",
	  "missing the action: add, list or expire" },
	{ "ID", KPI_ARG_FILE, offsetof(silence_args, id), NULL, NULL, NULL },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_silence = {
	"silence", cmd_silence, "silence kpi alert's alerts for a maintenance: add, list, expire",
	"Keep the alerts of one KPI (and label set) from every sink of kpi alert until a\n"
	"time, for a maintenance. A silenced alert is still evaluated and recorded: its\n"
	"line says SILENCED with the silence's id, it raises no exit code, and the\n"
	"ledger names the silence. A resolve of an alert sent before the silence is\n"
	"still sent; when the silence ends while the breach goes on, the next run sends\n"
	"the alert. A silence matches as Alertmanager's equality matchers do: the KPI id\n"
	"is equal and every --label is a label of the alert with that value.\n"
	"\n"
	"  kpi silence add --kpi ID [--label NAME=VALUE]... --until TIME --by NAME --comment TEXT\n"
	"      prints the new silence's id; in force from now (inclusive) to TIME (exclusive)\n"
	"  kpi silence list [--format json]\n"
	"      active, pending and expired silences (ended ones are kept 7 days)\n"
	"  kpi silence expire ID\n"
	"      ends the silence now\n"
	"\n"
	"Silences live in the state directory of kpi alert (silences.json, written\n"
	"atomically under its own lock, lock.silences: adding one never waits for a\n"
	"run). Recurring quiet hours are the config's alert.mute_windows. See\n"
	"docs/runbook.md, \"Silencing for a maintenance\".",
	opts, args, false, false,
};

/* The options of `add` given with another action: a usage error. */
static const char *stray_option(const silence_args *a)
{
	if (strcmp(a->action, "add") == 0)
		return NULL;
	if (a->kpi)
		return "--kpi";
	if (a->labels.n)
		return "--label";
	if (a->until)
		return "--until";
	if (a->by)
		return "--by";
	if (a->comment)
		return "--comment";
	return NULL;
}

static int usage(const char *fmt, const char *what)
{
	fprintf(stderr, "kpi silence: ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return KPI_EXIT_USAGE;
}

int cmd_silence(int argc, char **argv)
{
	silence_args a;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;
	const char *stray;
	char *id = NULL;
	int64_t now;
	int rc;

	if ((rc = kpi_opts_parse(&kpi_cmd_silence, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if ((stray = stray_option(&a)))
		return usage("%s goes with add only", stray);
	if (strcmp(a.action, "expire") == 0 && !a.id)
		return usage("%s", "missing the id of the silence to expire (see kpi silence list)");
	if (strcmp(a.action, "expire") != 0 && a.id)
		return usage("unexpected argument '%s' (only expire takes an id)", a.id);
	if (strcmp(a.action, "list") != 0 && strcmp(a.format, "table") != 0)
		return usage("%s goes with list only", "--format");
	if (a.now && kpi_time_parse(&now, a.now, &err))
		return usage("--now: %s", err.message);
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, NULL)))
		return rc;
	if (!a.now && kpi_config_now(cfg, &now, &err)) {
		rc = kpi_fail(&err);
		goto done;
	}
	if (strcmp(a.action, "add") == 0) {
		kpi_silence_spec spec = { a.kpi, a.labels.v, a.labels.n, a.until, a.by, a.comment };
		if (!a.until) {
			rc = usage("%s", "missing --until TIME (an ISO-8601 time with its offset, or a duration: 2h)");
			goto done;
		}
		if (kpi_silence_add(&id, cat, cfg, a.state_dir, &spec, now, &err)) {
			rc = kpi_fail(&err);
			goto done;
		}
		printf("%s\n", id);
		rc = fflush(stdout) == 0 ? KPI_EXIT_OK : KPI_EXIT_IO;
	} else if (strcmp(a.action, "expire") == 0) {
		if (kpi_silence_expire(cfg, a.state_dir, a.id, now, &err)) {
			rc = kpi_fail(&err);
			goto done;
		}
		fprintf(stderr, "kpi: silence %s expired\n", a.id);
		rc = KPI_EXIT_OK;
	} else {
		if (kpi_silence_list(&out, cfg, a.state_dir, strcmp(a.format, "json") == 0, now, &err)) {
			rc = kpi_fail(&err);
			goto done;
		}
		rc = kpi_write_stdout(&out) ? KPI_EXIT_IO : KPI_EXIT_OK;
	}
done:
	free(id);
	kpi_buf_release(&out);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
