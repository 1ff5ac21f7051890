/* kpi: the command-line front end of libkpi. Each subcommand lives in its own
 * cmd_*.c with its kpi_cmd_spec, registered in the table below. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

const kpi_cmd_spec *const kpi_commands[] = {
	&kpi_cmd_list,
	&kpi_cmd_query,
	&kpi_cmd_explain,
	&kpi_cmd_uncovered,
	&kpi_cmd_pack,
	&kpi_cmd_render,
	&kpi_cmd_verify,
	&kpi_cmd_index,
	&kpi_cmd_decide,
	&kpi_cmd_publish,
	&kpi_cmd_export,
	&kpi_cmd_alert,
	&kpi_cmd_deliver,
	&kpi_cmd_silence,
	&kpi_cmd_seed,
	&kpi_cmd_gen,      /* hidden: kpi __gen man|bash|zsh */
	&kpi_cmd_complete, /* hidden: kpi __complete kpis */
	NULL,
};

const kpi_cmd_spec *kpi_command_find(const char *name)
{
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

void kpi_usage(FILE *f)
{
	fprintf(f, "usage: kpi [--version] [--help] COMMAND [ARGS]\n"
	           "       kpi help [COMMAND]\n\n"
	           "KPI governance and reporting for the owned/legacy export rollout.\n\ncommands:\n");
	for (const kpi_cmd_spec *const *c = kpi_commands; *c; c++)
		if (!(*c)->hidden)
			fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\nRun 'kpi COMMAND --help' (or 'kpi help COMMAND') for a command's options;\n"
	           "'man kpi' for everything.\n"
	           "\nexit status (all commands but alert):\n");
	kpi_exit_help(f, kpi_exit_codes);
	fprintf(f, "exit status of alert (Nagios):\n");
	kpi_exit_help(f, kpi_nagios_codes);
	fprintf(f, "\nenvironment: KPI_CONFIG, KPI_TIMEZONE, KPI_ACTIVE_DAYS, KPI_DATADIR, KPI_CATALOG,\n"
	           "  KPI_QUERY_DIR, KPI_STATEMENT_TIMEOUT_MS, KPI_DB_CONNECTIONS, KPI_DB_MAX_LAG, KPI_LOG_LEVEL,\n"
	           "  KPI_NOW, KPI_STATE_DIR,\n"
	           "  NO_COLOR, libpq's PG*, KPI_CW_LOAD_BALANCER, KPI_CW_QUEUES, KPI_CW_HOSTS,\n"
	           "  KPI_CW_DEADLINE_SECONDS,"
	           " KPI_PUBLISH_NAMESPACE, the AWS ones (AWS_PROFILE, AWS_REGION,\n"
	           "  AWS_ENDPOINT_URL[_CLOUDWATCH|_SNS], ...) and the alert sinks' secret variables\n");
}

/* A usage error naming what the user typed, on one line (kpi_error_set()
 * escapes control characters). */
static int usage_error(const char *prefix, const char *what, const char *arg)
{
	kpi_error err = KPI_ERROR_INIT;
	kpi_error_set(&err, KPI_EUSAGE, "%s: %s '%s' (see kpi --help)", prefix, what, arg);
	fprintf(stderr, "%s\n", err.message);
	return KPI_EXIT_USAGE;
}

/* kpi help [COMMAND]: the same as kpi --help or kpi COMMAND --help. */
static int help(int argc, char **argv)
{
	const kpi_cmd_spec *c;
	if (argc < 3) {
		kpi_usage(stdout);
		return KPI_EXIT_OK;
	}
	if (argc > 3)
		return usage_error("kpi help", "unexpected argument", argv[3]);
	if (!(c = kpi_command_find(argv[2])) || c->hidden)
		return usage_error("kpi help", "unknown command", argv[2]);
	kpi_opts_help(stdout, c);
	return KPI_EXIT_OK;
}

/* Every exit goes through here: what is still buffered for standard output
 * (help, --version, a printed path) is flushed, and a failed write is exit
 * 7 (kpi alert: UNKNOWN), as kpi_write_stdout() makes it for the rest. A
 * command that already failed keeps its status (and its message). */
static int finish(const kpi_cmd_spec *c, int rc)
{
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == KPI_EXIT_OK) {
		fprintf(stderr, "kpi: cannot write to standard output\n");
		return c && strcmp(c->name, "alert") == 0 ? KPI_NAGIOS_UNKNOWN : KPI_EXIT_IO;
	}
	return rc;
}

static int run(int argc, char **argv, const kpi_cmd_spec **cmd)
{
	const kpi_cmd_spec *c;
	if (argc < 2) {
		kpi_usage(stderr);
		return KPI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return help(1, argv);
	if (strcmp(argv[1], "help") == 0)
		return help(argc, argv);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("kpi %s\n", kpi_version());
		return KPI_EXIT_OK;
	}
	if ((c = *cmd = kpi_command_find(argv[1]))) {
		int rc = c->fn(argc - 1, argv + 1);
		kpi_config_redact_logs(NULL); /* the secrets the command's config named */
		return rc;
	}
	return usage_error("kpi", "unknown command", argv[1]);
}

int main(int argc, char **argv)
{
	const kpi_cmd_spec *c = NULL;
	int rc = run(argc, argv, &c);
	return finish(c, rc);
}
