/* kpi alert: one evaluation and delivery cycle for cron (libkpi/src/alert/alert_*.c
 * does the work). Nagios plugin output and exit codes: 0 ok, 1 warning,
 * 2 critical, 3 unknown (for every failure, usage errors included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"
#include "progress.h"

static int unknown(const char *text)
{
	char msg[KPI_ERROR_MSG_MAX + 200];
	snprintf(msg, sizeof(msg), "%s", text);
	printf("KPI UNKNOWN - %s\n", kpi_log_redact(msg, sizeof(msg)));
	fflush(stdout);
	return KPI_NAGIOS_UNKNOWN;
}

/* A run that cannot start (usage, config): the Nagios line on stdout, the
 * same as a log line (JSON unless --log-format text) on stderr. */
static int cannot_start(const char *event, const char *msg)
{
	kpi_log_msg(KPI_LOG_ERROR, event, "%s", msg);
	return unknown(msg);
}

typedef struct alert_args {
	const char *config, *db, *state_dir, *now, *test, *log_format;
	bool dry_run, replay, require_delivery, quiet;
} alert_args;


/* The usage line's order is the man page's and the tests': --db last. */
static const kpi_opt opts[] = {
	KPI_FILE("config", 'c', "FILE", alert_args, config,
	         "JSON config file (default `$KPI_CONFIG`); sinks in its `alert` object"),
	KPI_DIR("state-dir", 0, "DIR", alert_args, state_dir,
	        "ledger and lock (default `$KPI_STATE_DIR`, `alert.state_dir`, `$XDG_STATE_HOME/kpi`, "
	        "`~/.local/state/kpi`; created with mode 0700)"),
	KPI_FLAG("dry-run", 0, alert_args, dry_run,
	         "evaluate and print the state changes and every notification that would be sent or retried; "
	         "write nothing, send nothing"),
	KPI_STRING("now", 0, "TIME", alert_args, now,
	           "evaluate as of this ISO-8601 instant (default `$KPI_NOW`, else the clock), for replays and tests"),
	KPI_STRING("test", 0, "SINK", alert_args, test,
	           "send a clearly marked test notification to one sink and report the result (exit 0 "
	           "delivered, 3 not); PagerDuty gets the resolve right after"),
	KPI_FLAG("replay", 0, alert_args, replay,
	         "requeue terminally failed deliveries with a fresh attempt counter, then run"),
	KPI_FLAG("require-delivery", 0, alert_args, require_delivery,
	         "a run that would page nobody exits 3 (UNKNOWN) with a line saying why, instead of 1 or 2: no sink "
	         "configured (on every run, also with nothing firing), or a firing alert, not silenced or muted, "
	         "whose trigger has reached none of its sinks `alert.undelivered_after` (default 10m) after it "
	         "fired; for a timer that takes 1 and 2 as success (the packaged kpi-alert.service)"),
	KPI_OPT_LOG_FORMAT(alert_args, log_format),
	KPI_OPT_DB(alert_args, db),
	KPI_FLAG("quiet", 'q', alert_args, quiet, KPI_QUIET_HELP),
	KPI_OPT_END,
};

const kpi_cmd_spec kpi_cmd_alert = {
	"alert", cmd_alert, "evaluate alerting KPIs as of now and deliver incident alerts (for cron)",
	"Evaluate the alerting KPIs as of now (state KPIs as of now, flow KPIs over their\n"
	"trailing window, KPIs with an alarm rule by its last datapoints), move each (KPI,\n"
	"label set) through ok/warn/pending/firing, and deliver trigger and resolve\n"
	"notifications at least once through the configured sinks (PagerDuty, Slack,\n"
	"webhook, SNS, command, Alertmanager), from a ledger and outbox in the state\n"
	"directory. Made for cron; takes a lock itself, so overlapping runs wait.\n"
	"\n"
	"Prints one Nagios plugin line per state change (a summary line when nothing\n"
	"changed, naming the alerts not ok) and exits 0 ok, 1 warning (a warning alert firing, a breach pending, a\n"
	"value within the warning margin), 2 critical (a critical alert firing), 3 unknown\n"
	"(a source cannot be read, invalid config or catalogue, a missing secret variable,\n"
	"the state directory or ledger unusable, a corrupted ledger rebuilt, a terminal\n"
	"delivery failure, a usage error). A 'KPI NOT MEASURED' line names the gating\n"
	"KPIs whose source is not configured, a 'KPI NO DATA' line the gating rows whose\n"
	"missing data blocks a GO and that have no data in the window evaluated (e.g. a\n"
	"load balancer without datapoints); with perfdata (not_measured=N, no_data=N),\n"
	"neither notifies nor changes the exit status. A sink configured while an alert\n"
	"fires gets its trigger at the next run. Logs are JSON lines on standard error.\n"
	"\n"
	"Without sinks the exit code is still the alerts' (Nagios notifies from it); a\n"
	"timer or cron job that pages through the sinks wants --require-delivery, so a\n"
	"run that pages nobody (no sink configured, a firing alert delivered to none of\n"
	"its sinks for 10 minutes) exits 3 and the job shows failed.\n"
	"See docs/runbook.md for cron set-up and what each alert means.",
	opts, NULL, true, false,
};

int cmd_alert(int argc, char **argv)
{
	alert_args a;
	int rc;
	int64_t now;
	kpi_log_format lf;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_alert_report *rep = NULL;
	kpi_alert_opts ao = KPI_ALERT_OPTS_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;
	kpi_tool_progress progress;
	char msg[KPI_ERROR_MSG_MAX + 200];

	rc = kpi_opts_parse_err(&kpi_cmd_alert, argc, argv, &a, &err);
	if (rc > 0)
		return KPI_EXIT_OK;
	/* Logs as asked when that much could be read, else JSON. */
	lf = kpi_tool_log_format(a.log_format);
	kpi_log_setup(lf, KPI_LOG_INFO, NULL, NULL);
	if (rc < 0)
		return cannot_start("alert.usage", err.message);
	if (a.now && kpi_time_parse(&now, a.now, &err)) {
		snprintf(msg, sizeof(msg), "--now '%s': %s", a.now, err.message);
		return cannot_start("alert.usage", msg);
	}
	if (kpi_load_setup_err(&cfg, &cat, a.config, a.db, &err))
		return cannot_start("alert.config.invalid", err.message);
	if (!a.now && kpi_config_now(cfg, &now, &err)) { /* "KPI_NOW: ..." */
		kpi_catalog_free(cat);
		kpi_config_free(cfg);
		return cannot_start("alert.usage", err.message);
	}
	if (a.test) {
		kpi_alert_test_result tr;
		if ((rc = kpi_alert_test(&tr, cat, cfg, a.test, now, &err))) {
			kpi_log_msg(KPI_LOG_ERROR, "alert.test.failed", "%s", err.message);
			rc = unknown(err.message);
		} else {
			snprintf(msg, sizeof(msg), "KPI OK - test notification delivered to sink '%s' (%s %ld, %d attempt%s, %.2f s)\n",
			         a.test, tr.status > 99 ? "HTTP" : "exit", tr.status, tr.attempts, tr.attempts == 1 ? "" : "s",
			         tr.seconds);
			fputs(msg, stdout);
			fflush(stdout);
			rc = KPI_EXIT_OK;
		}
		goto done;
	}
	ao.state_dir = a.state_dir;
	ao.now = now;
	ao.dry_run = a.dry_run;
	ao.replay = a.replay;
	ao.require_delivery = a.require_delivery;
	kpi_tool_progress_begin(&progress, cfg, "alert", a.quiet, lf);
	rc = kpi_alert_run(&rep, cat, cfg, &ao, &err);
	kpi_tool_progress_end(&progress, cfg);
	if (rc) {
		kpi_log_msg(KPI_LOG_ERROR, "alert.run.failed", "%s", err.message);
		rc = unknown(err.message);
		goto done;
	}
	if (kpi_alert_format(&out, rep, &err) || kpi_write_stdout(&out))
		rc = KPI_NAGIOS_UNKNOWN;
	else
		rc = rep->exit_code;
done:
	kpi_buf_release(&out);
	kpi_alert_report_free(rep);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
