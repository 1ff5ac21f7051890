/*
 * A generic JSON webhook: POST the URL (a secret, from the environment) the
 * notification JSON itself, with an Idempotency-Key header = the
 * notification's id, the same on every retry and after a crash, so the
 * receiver can fold repeats. Delivered on any 2xx.
 */
#include "alert/sinks/sink.h"
#include <stdio.h>

static const char *const keys[] = { "url_env", NULL };

static void deliver(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	const kpi__sink_secret_url *u = s->state;
	char idem_h[320];
	const char *headers[] = { idem_h, NULL };

	snprintf(idem_h, sizeof(idem_h), "Idempotency-Key: %s", idem);
	kpi__sink_post_json(res, s, u->url, headers, n, timeout_ms, st);
}

const kpi__sink_type kpi__sink_webhook = {
	.name = "webhook",
	.keys = keys,
	.parse = kpi__sink_secret_url_parse,
	.send = deliver,
	.where = kpi__sink_secret_url_where,
	.free = kpi__sink_secret_url_free,
};
