#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "commands.h"
#include "opts.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct publish_args {
	const char *week, *ns, *prom, *config, *db;
	bool cw;
	bool alarms, prune, dashboard;
	int interval;
	const char *log_format;
} publish_args;

static const kpi_opt opts[] = {
	KPI_WEEK("week", 'w', publish_args, week, "current", "the week to publish"),
	KPI_FLAG("cloudwatch", 0, publish_args, cw, "send the values to CloudWatch with PutMetricData"),
	KPI_STRING("namespace", 0, "NS", publish_args, ns,
	           "CloudWatch namespace (default: the config's `publish.namespace`, `$KPI_PUBLISH_NAMESPACE`, "
	           "`KPI`)"),
	KPI_FILE("prom-textfile", 0, "PATH", publish_args, prom,
	         "write a Prometheus node_exporter textfile (atomically)"),
	KPI_FLAG("alarms", 0, publish_args, alarms,
	         "put one CloudWatch alarm per alerting KPI row (PutMetricAlarm), from the same thresholds"),
	KPI_FLAG("prune", 0, publish_args, prune, "with --alarms: delete kpi's alarms of KPIs no longer alerting"),
	KPI_FLAG("dashboard", 0, publish_args, dashboard,
	         "put a CloudWatch dashboard: the verdict, one widget per KPI with its threshold"),
	KPI_INT("interval", 0, "SECONDS", publish_args, interval, "300", 10, 86400,
	        "how often kpi publish runs: the period of alarms of KPIs without an alarm rule"),
	KPI_OPT_CONFIG(publish_args, config),
	KPI_OPT_DB(publish_args, db),
	KPI_OPT_LOG_FORMAT(publish_args, log_format),
	KPI_OPT_END,
};

const kpi_cmd_spec kpi_cmd_publish = {
	"publish", cmd_publish,
	"publish a week's KPIs to CloudWatch (PutMetricData) and/or a Prometheus textfile",
	"Compute every KPI of the run (all configured sources) for one week and publish\n"
	"the values: as CloudWatch custom metrics (metric = KPI id, dimensions = its\n"
	"labels, plus <id>_status: 1 breach, 0 ok or warn; rows without a value send\n"
	"nothing and are logged), and/or as a Prometheus textfile with kpi_<name> and\n"
	"kpi_<name>_status gauges, kpi_rows, kpi_run_duration_seconds,\n"
	"kpi_last_success_timestamp_seconds and kpi_source_errors_total. Prometheus\n"
	"names use base units: days and ms become seconds, percentages a ratio 0..1\n"
	"(uncached_legacy_max_age_days -> kpi_uncached_legacy_max_age_seconds,\n"
	"legacy_coverage_pct -> kpi_legacy_coverage_ratio; docs/configuration.md).\n"
	"When a source cannot be read the command exits 4 (5 on a timeout) and the\n"
	"textfile is still written, without any KPI gauge, with kpi_last_run_success 0,\n"
	"kpi_source_errors_total incremented and the last success time kept: alert on\n"
	"time() - kpi_last_success_timestamp_seconds (see docs/configuration.md).\n"
	"A textfile whose directory is missing or cannot be written is refused before\n"
	"anything is read (exit 7).\n"
	"--alarms puts a CloudWatch alarm named kpi-<id>[-<label values>] per row of\n"
	"every alerting KPI (threshold, M of N, missing data, the SNS topic of\n"
	"publish.alarm_topic_arn), updated in place; --prune deletes kpi's alarms of\n"
	"this namespace that were not put. --dashboard puts the dashboard \"kpi\"\n"
	"(\"kpi-<namespace>\" for another namespace). See docs/runbook.md.",
	opts, NULL, false, false,
};

int cmd_publish(int argc, char **argv)
{
	publish_args a;
	const char *prom;
	int rc;
	int64_t now;
	double start = mono();
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_result *res = NULL;
	kpi_verdict *verdicts = NULL;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT, perr = KPI_ERROR_INIT;
	kpi_publish_opts po = KPI_PUBLISH_OPTS_INIT;
	kpi_publish_stats st = { 0, 0, 0 };

	if ((rc = kpi_opts_parse(&kpi_cmd_publish, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	prom = a.prom;
	if (!a.cw && !prom && !a.alarms && !a.dashboard) {
		fprintf(stderr, "kpi publish: nothing to publish: give --cloudwatch, --alarms, --dashboard and/or "
		                "--prom-textfile PATH\n");
		return KPI_EXIT_USAGE;
	}
	if (a.prune && !a.alarms) {
		fprintf(stderr, "kpi publish: --prune applies to --alarms\n");
		return KPI_EXIT_USAGE;
	}
	/* a textfile that cannot be written is refused before anything is
	 * read: it is what tells of a source that cannot be read */
	if (prom && kpi_prom_check(prom, &err))
		return kpi_fail(&err);
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, a.db)))
		return rc;
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	if ((rc = kpi_window_init(&w, a.week, 1, cfg->timezone, now, &err)))
		goto fail;
	rc = kpi_collect(&res, cat, cfg, NULL, 0, &w, &err);
	/* the verdict the pack would give: gating KPIs not measured and waivers weighed */
	if (!rc)
		rc = kpi_collect_verdicts(&verdicts, res, cat, cfg, &err);
	if (prom) {
		/* Written on failure too: no KPI gauge, errors counted, the last
		 * success time kept, so a staleness alert can fire. */
		if (kpi_prom_write(prom, rc ? NULL : res, rc ? NULL : verdicts, mono() - start, now, &perr)) {
			/* one line: the source's error, and that the textfile
			 * meant to tell of it was not written either */
			if (rc) {
				size_t n = strlen(err.message);
				snprintf(err.message + n, sizeof(err.message) - n,
				         "; the textfile that would tell of it was not written either: %s", perr.message);
			} else
				err = perr;
			rc = rc ? rc : perr.code;
		}
	}
	if (rc)
		goto fail;
	po.namespace_ = a.ns;
	po.verdicts = verdicts;
	po.now = now;
	po.prune = a.prune;
	po.interval = a.interval;
	if (a.cw && (rc = kpi_publish_cloudwatch(cfg, res, &po, &st, &err)))
		goto fail;
	if (a.alarms) {
		kpi_publish_alarm_stats ast = { 0, 0 };
		if ((rc = kpi_publish_alarms(cfg, cat, res, &po, &ast, &err)))
			goto fail;
		fprintf(stderr, "kpi publish: %zu CloudWatch alarms put, %zu pruned\n", ast.put, ast.deleted);
	}
	if (a.dashboard) {
		char name[256];
		if ((rc = kpi_publish_dashboard(cfg, res, &po, name, sizeof(name), &err)))
			goto fail;
		fprintf(stderr, "kpi publish: CloudWatch dashboard %s put\n", name);
	}
	rc = KPI_EXIT_OK;
	goto done;
fail:
	rc = kpi_fail(&err);
done:
	if (verdicts)
		kpi_verdicts_free(verdicts, res->window.nweeks);
	kpi_result_free(res);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
