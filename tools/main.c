/* kpi: the command-line front end of libkpi. Each subcommand lives in its own
 * cmd_*.c and is registered in the table below. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

static const kpi_cmd commands[] = {
	{ "list", cmd_list, "list the KPI catalogue with thresholds and policies" },
	{ "query", cmd_query, "compute KPIs for one or more ISO weeks (table, csv, json)" },
	{ "explain", cmd_explain, "print the SQL behind a KPI and the parameters it runs with" },
	{ "pack", cmd_pack, "write the weekly go/no-go pack (PDF, XLSX, charts, snapshot, manifest)" },
	{ "render", cmd_render, "render a pack from a snapshot.json, with no database" },
	{ "verify", cmd_verify, "check a pack directory against its manifest.json" },
	{ "publish", cmd_publish, "publish a week's KPIs to CloudWatch (PutMetricData) and/or a Prometheus textfile" },
	{ "alert", cmd_alert, "evaluate alerting KPIs as of now and deliver incident alerts (for cron)" },
	{ "seed", cmd_seed, "create the reference schema and load the demo or scale dataset" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kpi [--version] [--help] COMMAND [ARGS]\n\n"
	           "KPI governance and reporting for the owned/legacy export rollout.\n\ncommands:\n");
	for (const kpi_cmd *c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nRun 'kpi COMMAND --help' for a command's options; 'man kpi' for everything.\n"
	           "\nexit status (all commands but alert):\n"
	           "  0 success, 1 failure, 2 usage error (bad option, malformed week, unknown KPI),\n"
	           "  3 missing or invalid config or catalogue (or a --db libpq cannot parse),\n"
	           "  4 data source unreadable (unreachable, auth, connection lost), 5 timeout,\n"
	           "  6 query result breaks the contract, 7 cannot write output, 8 malformed\n"
	           "  input data (snapshot, pack that fails verify)\n"
	           "exit status of alert (Nagios): 0 ok, 1 warning, 2 critical, 3 unknown\n"
	           "\nenvironment: KPI_CONFIG, KPI_TIMEZONE, KPI_ACTIVE_DAYS, KPI_DATADIR, KPI_CATALOG,\n"
	           "  KPI_QUERY_DIR, KPI_STATEMENT_TIMEOUT_MS, KPI_DB_CONNECTIONS, KPI_NOW, KPI_STATE_DIR,\n"
	           "  NO_COLOR, libpq's PG*, KPI_CW_LOAD_BALANCER, KPI_CW_QUEUES, KPI_CW_DEADLINE_SECONDS,\n"
	           "  KPI_PUBLISH_NAMESPACE, the AWS ones (AWS_PROFILE, AWS_REGION,\n"
	           "  AWS_ENDPOINT_URL[_CLOUDWATCH|_SNS], ...) and the alert sinks' secret variables\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return KPI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return KPI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("kpi %s\n", kpi_version());
		return KPI_EXIT_OK;
	}
	for (const kpi_cmd *c = commands; c->name; c++)
		if (strcmp(c->name, argv[1]) == 0)
			return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "kpi: unknown command '%s' (see kpi --help)\n", argv[1]);
	return KPI_EXIT_USAGE;
}
