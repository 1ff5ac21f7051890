/* kpi alert: one evaluation and delivery cycle for cron (libkpi/src/alert/alert_*.c
 * does the work). Nagios plugin output and exit codes: 0 ok, 1 warning,
 * 2 critical, 3 unknown (for every failure, usage errors included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

enum { NAGIOS_UNKNOWN = 3 };

static int unknown(const char *msg)
{
	printf("KPI UNKNOWN - %s\n", msg);
	fflush(stdout);
	return NAGIOS_UNKNOWN;
}

/* A run that cannot start (usage, config): the Nagios line on stdout, the
 * same as a log line (JSON unless --log-format text) on stderr. */
static int cannot_start(const char *event, const char *msg)
{
	kpi_log_msg(KPI_LOG_ERROR, event, "%s", msg);
	return unknown(msg);
}

int cmd_alert(int argc, char **argv)
{
	const char *config = NULL, *db = NULL, *state_dir = NULL, *dry_run = NULL, *now_s = NULL, *test = NULL,
	           *replay = NULL, *log_format = "json";
	const kpi_opt opts[] = {
		{ "config", 'c', "FILE", "JSON config file (default $KPI_CONFIG); sinks in its \"alert\" object", &config },
		{ "db", 'd', "CONNINFO", "libpq connection string (default: config, then PG* environment)", &db },
		{ "state-dir", 0, "DIR", "ledger and lock (default $KPI_STATE_DIR, alert.state_dir, $XDG_STATE_HOME/kpi, ~/.local/state/kpi)", &state_dir },
		{ "dry-run", 0, NULL, "evaluate and print what would be sent; write nothing, send nothing", &dry_run },
		{ "now", 0, "TIME", "evaluate as of this ISO-8601 instant (default $KPI_NOW, else the clock)", &now_s },
		{ "test", 0, "SINK", "send a clearly marked test notification to one sink and report the result", &test },
		{ "replay", 0, NULL, "requeue terminally failed deliveries (fresh attempt counter) and deliver", &replay },
		{ "log-format", 0, "FORMAT", "json (default) or text: the log lines on standard error", &log_format },
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc;
	int64_t now;
	kpi_log_format lf;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_alert_report *rep = NULL;
	kpi_alert_opts ao = KPI_ALERT_OPTS_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;
	char msg[KPI_ERROR_MSG_MAX + 200];

	rc = kpi_opts_parse_err("alert", "[--config FILE] [--state-dir DIR] [--dry-run] [--now TIME] [--test SINK] [--replay] [--log-format json|text]",
	                    "Evaluate the alerting KPIs as of now (state KPIs as of now, flow KPIs over their\n"
	                    "trailing window), move each (KPI, label set) through ok/warn/pending/firing, and\n"
	                    "deliver trigger and resolve notifications at least once through the configured\n"
	                    "sinks (PagerDuty, Slack, webhook, SNS, command, Alertmanager), from a ledger and\n"
	                    "outbox in the state directory. Made for cron; takes a lock itself, so\n"
	                    "overlapping runs wait.\n"
	                    "\n"
	                    "Prints one Nagios plugin line per state change (a summary line when nothing\n"
	                    "changed) and exits 0 ok, 1 warning (a warning alert firing, a breach pending, a\n"
	                    "value within the warning margin), 2 critical (a critical alert firing), 3 unknown\n"
	                    "(a source cannot be read, invalid config or catalogue, a missing secret variable,\n"
	                    "the state directory or ledger unusable, a corrupted ledger rebuilt, a terminal\n"
	                    "delivery failure, a usage error). Logs are JSON lines on standard error.\n"
	                    "See docs/runbook.md for cron set-up and what each alert means.",
	                    opts, argc, argv, pos, 0, &npos, &err);
	if (rc > 0)
		return KPI_EXIT_OK;
	/* Logs as asked when that much could be read, else JSON. */
	if (kpi_log_format_parse(&lf, log_format))
		lf = KPI_LOG_FORMAT_JSON;
	kpi_log_setup(lf, KPI_LOG_INFO, NULL, NULL);
	if (rc < 0)
		return cannot_start("alert.usage", err.message);
	if (kpi_log_format_parse(&lf, log_format)) {
		snprintf(msg, sizeof(msg), "--log-format '%s': expected json or text", log_format);
		return cannot_start("alert.usage", msg);
	}
	if (now_s && kpi_time_parse(&now, now_s, &err)) {
		snprintf(msg, sizeof(msg), "--now '%s': %s", now_s, err.message);
		return cannot_start("alert.usage", msg);
	}
	if (kpi_load_setup_err(&cfg, &cat, config, db, &err))
		return cannot_start("alert.config.invalid", err.message);
	if (!now_s && kpi_config_now(cfg, &now, &err)) { /* "KPI_NOW: ..." */
		kpi_catalog_free(cat);
		kpi_config_free(cfg);
		return cannot_start("alert.usage", err.message);
	}
	if (test) {
		kpi_alert_test_result tr;
		if ((rc = kpi_alert_test(&tr, cat, cfg, test, now, &err))) {
			kpi_log_msg(KPI_LOG_ERROR, "alert.test.failed", "%s", err.message);
			rc = unknown(err.message);
		} else {
			snprintf(msg, sizeof(msg), "KPI OK - test notification delivered to sink '%s' (%s %ld, %d attempt%s, %.2f s)\n",
			         test, tr.status > 99 ? "HTTP" : "exit", tr.status, tr.attempts, tr.attempts == 1 ? "" : "s",
			         tr.seconds);
			fputs(msg, stdout);
			fflush(stdout);
			rc = KPI_EXIT_OK;
		}
		goto done;
	}
	ao.state_dir = state_dir;
	ao.now = now;
	ao.dry_run = dry_run != NULL;
	ao.replay = replay != NULL;
	if ((rc = kpi_alert_run(&rep, cat, cfg, &ao, &err))) {
		kpi_log_msg(KPI_LOG_ERROR, "alert.run.failed", "%s", err.message);
		rc = unknown(err.message);
		goto done;
	}
	if (kpi_alert_format(&out, rep, &err) || kpi_write_stdout(&out))
		rc = NAGIOS_UNKNOWN;
	else
		rc = rep->exit_code;
done:
	kpi_buf_release(&out);
	kpi_alert_report_free(rep);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
