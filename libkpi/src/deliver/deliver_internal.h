/* Private pieces of the delivery module (libkpi/src/deliver/), shared with
 * the tests. Not installed.
 *
 *   deliver_config.c   the config's "delivery" section and its recipients
 *   deliver_summary.c  the summary and subject from the snapshot
 *   deliver_run.c      one run: the pack, the outbox, one attempt per due recipient
 *   email.c, slack.c, webhook.c   the recipients' kinds
 *
 * A recipient is an alert sink (alert/sinks/sink.h) of a kind of its own:
 * the same operations table, the same secret handling (variables named by
 * *_env keys, registered for redaction), the same JSON-over-HTTP judging
 * (2xx delivered, 429/5xx retried, other 4xx permanent), and the outbox is
 * the alerts' ledger file format (alert/alert_ledger.c) with the same lock,
 * atomic save and backoff. */
#ifndef KPI_DELIVER_INTERNAL_H
#define KPI_DELIVER_INTERNAL_H

#include "alert/sinks/sink.h"
#include "kpi/deliver.h"

/* The outbox file and lock in the state directory. */
#define KPI__DELIVER_OUTBOX "delivery.json"
#define KPI__DELIVER_LOCK "delivery.lock"

typedef struct kpi__deliver_settings {
	/* What the alerts' machinery reads: cfg (the environment), redact (the
	 * secrets), state_dir, lock_wait, retry_base, retry_max, max_attempts. */
	kpi__alert_settings base;
	char *link_base;          /* delivery.link_base; NULL: the pack's path */
	kpi__sink *recipients;    /* in the config file's order */
	size_t nrecipients;
} kpi__deliver_settings;

/* The kinds of recipient (the config's "kind"). */
extern const kpi__sink_type kpi__recipient_email, kpi__recipient_slack, kpi__recipient_webhook;

/* Parse the config's "delivery" object; read every recipient's secrets
 * from the environment. KPI_ECONFIG with file:line:col; a configuration
 * without recipients is KPI_ECONFIG too. */
int kpi__deliver_settings_load(kpi__deliver_settings **out, const kpi_config *cfg, kpi_error *err);
void kpi__deliver_settings_free(kpi__deliver_settings *s);

/* What a recipient's send() gets as its notification (built by the run):
 *   subject, text, html, week, verdict, date (RFC 5322), message_id,
 *   manifest_sha256, manifest (the manifest.json object), link,
 *   files: {pdf, xlsx, png} (absolute paths; png may be absent). */

/* Slack Web API's answer {"ok": false, "error": E}: is E worth another try? */
bool kpi__slack_error_retryable(const char *error);

#endif
