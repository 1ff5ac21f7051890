/*
 * Slack incoming webhook: POST the webhook URL (the secret, from the
 * environment) {"text", "blocks"} with the rendered template; 200 "ok".
 * Errors are plain strings (invalid_payload, channel_not_found, ...).
 */
#include "alert/sinks/sink.h"
#include <string.h>

static const char *const keys[] = { "url_env", NULL };

/* Slack mrkdwn: only &, < and > need escaping. */
static void slack_escape(kpi_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			kpi_buf_puts(b, "&amp;");
		else if (*s == '<')
			kpi_buf_puts(b, "&lt;");
		else if (*s == '>')
			kpi_buf_puts(b, "&gt;");
		else
			kpi_buf_append(b, s, 1);
	}
}

static json_t *body_of(const json_t *n)
{
	const char *action = kpi__nstr(n, "action"), *sev = kpi__nstr(n, "severity");
	const char *icon = strcmp(action, "resolve") == 0       ? ":white_check_mark:"
	                   : strcmp(action, "test") == 0         ? ":information_source:"
	                   : strcmp(sev, "critical") == 0        ? ":rotating_light:"
	                   : strcmp(sev, "error") == 0           ? ":x:"
	                                                         : ":warning:";
	kpi_buf t = KPI_BUF_INIT, m = KPI_BUF_INIT;
	json_t *b = json_object(), *sec;

	kpi_buf_printf(&t, "%s %s", icon, kpi__nstr(n, "summary"));
	kpi_buf_printf(&m, "%s *", icon);
	slack_escape(&m, kpi__nstr(n, "summary"));
	kpi_buf_puts(&m, "*\n");
	slack_escape(&m, kpi__nstr(n, "body"));
	json_object_set_new(b, "text", json_string(t.data ? t.data : ""));
	sec = json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type", "mrkdwn", "text",
	                m.data ? m.data : "");
	json_object_set_new(b, "blocks", json_pack("[o]", sec));
	kpi_buf_release(&t);
	kpi_buf_release(&m);
	return b;
}

static void deliver(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	const kpi__sink_secret_url *u = s->state;
	json_t *body = body_of(n);

	(void)idem; /* Slack has no idempotency key */
	kpi__sink_post_json(res, s, u->url, NULL, body, timeout_ms, st);
	json_decref(body);
}

const kpi__sink_type kpi__sink_slack = {
	.name = "slack",
	.keys = keys,
	.parse = kpi__sink_secret_url_parse,
	.send = deliver,
	.where = kpi__sink_secret_url_where,
	.free = kpi__sink_secret_url_free,
};
