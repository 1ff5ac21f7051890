/*
 * A generic webhook recipient: POST to the URL (a secret, from the
 * variable "url_env" names) the pack's manifest and summary as JSON,
 *
 *   {"event": "kpi.pack", "week", "verdict", "subject", "summary", "link",
 *    "manifest_sha256", "content_sha256", "manifest": {...manifest.json...}}
 *
 * with an Idempotency-Key header, the outbox key (the pack's content digest
 * and recipient, "#N" appended when that content is sent again after
 * another), the same on every retry and for a pack of unchanged data made
 * again: the alert sinks' webhook
 * (alert/sinks/webhook.c) sends this body, with its parsing and state.
 */
#include "deliver/deliver_internal.h"

static const char *const keys[] = { "url_env", NULL };

static void deliver(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "event", "kpi.pack", "week",
	                         kpi__nstr(n, "week"), "verdict", kpi__nstr(n, "verdict"), "subject",
	                         kpi__nstr(n, "subject"), "summary", kpi__nstr(n, "text"), "link", kpi__nstr(n, "link"),
	                         "manifest_sha256", kpi__nstr(n, "manifest_sha256"), "content_sha256",
	                         kpi__nstr(n, "content_sha256"), "manifest", json_object_get(n, "manifest"));

	kpi__sink_webhook.send(res, s, body, idem, timeout_ms, st);
	json_decref(body);
}

const kpi__sink_type kpi__recipient_webhook = {
	.name = "webhook",
	.keys = keys,
	.parse = kpi__sink_secret_url_parse,
	.send = deliver,
	.where = kpi__sink_secret_url_where,
	.free = kpi__sink_secret_url_free,
};
