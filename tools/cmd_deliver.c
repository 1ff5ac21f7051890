/* kpi deliver DIR: send an installed pack to the config's recipients
 * (libkpi/src/deliver/ does the work), and `kpi pack --deliver`'s second
 * half (kpi_tool_deliver). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct deliver_args {
	const char *dir, *config, *state_dir, *resend;
	const char *log_format;
} deliver_args;

static const kpi_opt opts[] = {
	KPI_FILE("config", 'c', "FILE", deliver_args, config,
	         "JSON config file (default `$KPI_CONFIG`); recipients in its `delivery` object"),
	KPI_DIR("state-dir", 0, "DIR", deliver_args, state_dir,
	        "the outbox, `delivery.json`, and its lock (default `$KPI_STATE_DIR`, `delivery.state_dir`, "
	        "`$XDG_STATE_HOME/kpi`, `~/.local/state/kpi`)"),
	KPI_STRING("resend", 0, "NAMES", deliver_args, resend,
	           "forget what the outbox recorded for these recipients (comma-separated, or `all`) and send "
	           "this pack to them again"),
	KPI_OPT_LOG_FORMAT(deliver_args, log_format),
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "DIR", KPI_ARG_DIR, offsetof(deliver_args, dir), NULL, NULL,
	  "missing the pack directory (e.g. reports/2026-W46)" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_deliver = {
	"deliver", cmd_deliver, "send an installed pack to the configured recipients (e-mail, Slack, webhook)",
	"Send the pack in DIR, once it passes kpi verify, to every recipient of the\n"
	"config's delivery section: e-mail over SMTP (STARTTLS or SMTPS, AUTH) with the\n"
	"summary and the PDF and XLSX attached; Slack (files upload v2) with a chart PNG,\n"
	"the PDF and the summary; a webhook with the manifest and the summary. An\n"
	"outbox in the state directory records each (content digest, recipient), the\n"
	"digest covering the manifest and snapshot but how and when the data was read\n"
	"(read time, provenance: a standby's lag, the queries' costs). Per week and\n"
	"recipient the content sent last counts: a rerun, or a pack of unchanged data\n"
	"made again, sends nothing (the recipients keep the copy they got, named by\n"
	"its own manifest SHA-256); other content is sent, data back to what was sent\n"
	"before another too; a failure worth another try (timeout,\n"
	"HTTP 429 or 5xx, SMTP 4xx) waits its backoff and is tried by a later run, a\n"
	"permanent one (another 4xx, SMTP 5xx, a refused login) is reported by every\n"
	"run and not tried again until --resend. Prints one line per recipient.",
	opts, args, false, false,
};

/* "a,b,c" into a NULL-terminated list (the strings point into `copy`). */
static const char **split(char *copy)
{
	size_t n = 1;
	const char **v;
	for (const char *p = copy; *p; p++)
		n += *p == ',';
	if (!(v = calloc(n + 1, sizeof(*v))))
		return NULL;
	n = 0;
	for (char *tok = copy, *next; tok; tok = next) {
		if ((next = strchr(tok, ',')))
			*next++ = '\0';
		if (*tok)
			v[n++] = tok;
	}
	return v;
}

int kpi_tool_deliver(const kpi_config *cfg, const char *dir, const char *state_dir, const char *resend)
{
	kpi_deliver_opts o = KPI_DELIVER_OPTS_INIT;
	kpi_deliver_report *rep = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char *copy = resend ? strdup(resend) : NULL;
	const char **names = copy ? split(copy) : NULL;
	int rc;

	o.state_dir = state_dir;
	o.resend = names;
	rc = kpi_deliver(&rep, dir, cfg, &o, &err);
	for (size_t i = 0; rep && i < rep->nitems; i++) {
		const kpi_deliver_item *it = &rep->items[i];
		char line[KPI_ERROR_MSG_MAX + 400], at[32];
		int n = snprintf(line, sizeof(line), "%s: %s (%s) %s %s", kpi_deliver_state_name(it->state), it->recipient,
		                 it->kind, rep->week, rep->verdict);
		if (n > 0 && (size_t)n < sizeof(line) &&
		    (it->state == KPI_DELIVER_RETRY || it->state == KPI_DELIVER_WAITING))
			n += snprintf(line + n, sizeof(line) - (size_t)n, ", attempt %d, next not before %s", it->attempts,
			              kpi_time_format(at, sizeof(at), it->next_attempt));
		if (n > 0 && (size_t)n < sizeof(line) && it->detail && it->detail[0] && it->state != KPI_DELIVER_ALREADY)
			snprintf(line + n, sizeof(line) - (size_t)n, ": %s", it->detail);
		printf("%s\n", kpi_log_redact(line, sizeof(line)));
	}
	if (fflush(stdout) != 0 && !rc)
		rc = kpi_error_set(&err, KPI_EIO, "cannot write to standard output");
	if (rc)
		rc = kpi_fail(&err);
	else if (rep->failed)
		rc = KPI_EXIT_DELIVERY_FAILED;
	else if (rep->retry)
		rc = KPI_EXIT_DELIVERY_RETRY;
	else
		rc = KPI_EXIT_OK;
	kpi_deliver_report_free(rep);
	free(names);
	free(copy);
	return rc;
}

int cmd_deliver(int argc, char **argv)
{
	deliver_args a;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	int rc;

	if ((rc = kpi_opts_parse(&kpi_cmd_deliver, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, NULL)))
		return rc;
	rc = kpi_tool_deliver(cfg, a.dir, a.state_dir, a.resend);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
