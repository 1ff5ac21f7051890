/*
 * PagerDuty Events API v2: POST {base_url}/v2/enqueue, event_action trigger
 * or resolve, dedup_key = the ledger's key (so repeats and the resolve fold
 * into one incident), 202 queued. The routing key comes from the
 * environment and is put in the body at send time only.
 */
#include "alert/sinks/sink.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pagerduty {
	char *routing_key;   /* secret, from the environment */
	char *base_url;      /* not secret */
} pagerduty;

static const char *const keys[] = { "routing_key_env", "base_url", NULL };

static int parse(void **state, const kpi__sink_parse *p, kpi_error *err)
{
	pagerduty *pd = calloc(1, sizeof(*pd));
	int rc;

	if (!(*state = pd))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__sink_secret_env(&pd->routing_key, p, "routing_key_env", "routing key", err)))
		return rc;
	if (!(pd->base_url = strdup("https://events.pagerduty.com")))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return kpi__alert_get_str(p->doc, p->obj, "base_url", &pd->base_url, err);
}

static json_t *body_of(const pagerduty *pd, const json_t *n)
{
	const char *action = kpi__nstr(n, "action");
	json_t *b = json_object(), *p, *d;
	char summary[1025];

	json_object_set_new(b, "routing_key", json_string(pd->routing_key));
	json_object_set_new(b, "dedup_key", json_string(kpi__nstr(n, "dedupe_key")));
	if (strcmp(action, "resolve") == 0) {
		json_object_set_new(b, "event_action", json_string("resolve"));
		return b;
	}
	json_object_set_new(b, "event_action", json_string("trigger"));
	snprintf(summary, sizeof(summary), "%s", kpi__nstr(n, "summary"));
	p = json_object();
	json_object_set_new(p, "summary", json_string(summary));
	json_object_set_new(p, "source", json_string(kpi__nstr(n, "source")));
	json_object_set_new(p, "severity", json_string(kpi__nstr(n, "severity")));
	json_object_set_new(p, "timestamp", json_string(kpi__nstr(n, "at")));
	json_object_set_new(p, "component", json_string(kpi__nstr(n, "kpi")));
	json_object_set_new(p, "group", json_string("kpi"));
	json_object_set_new(p, "class", json_string(kpi__nstr(n, "status")));
	d = json_object();
	{
		static const char *const details[] = { "title", "labels", "value", "unit", "threshold", "since", "runbook",
			                               "body", "repeat", "error", NULL };
		for (const char *const *k = details; *k; k++)
			if (json_object_get(n, *k))
				json_object_set(d, *k, json_object_get(n, *k));
	}
	json_object_set_new(p, "custom_details", d);
	json_object_set_new(b, "payload", p);
	json_object_set_new(b, "client", json_string("kpi"));
	if (strncmp(kpi__nstr(n, "runbook"), "http://", 7) == 0 || strncmp(kpi__nstr(n, "runbook"), "https://", 8) == 0) {
		json_t *l = json_object();
		json_object_set_new(l, "href", json_string(kpi__nstr(n, "runbook")));
		json_object_set_new(l, "text", json_string("Runbook"));
		json_object_set_new(b, "links", json_pack("[o]", l));
	}
	return b;
}

static void enqueue_url(char *buf, size_t size, const pagerduty *pd)
{
	size_t n = strlen(pd->base_url);
	/* a trailing '/' in base_url would make "//v2" */
	snprintf(buf, size, "%.*s/v2/enqueue", (int)(n && pd->base_url[n - 1] == '/' ? n - 1 : n), pd->base_url);
}

static void deliver(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                 const kpi__alert_settings *st)
{
	char url[2048];
	json_t *body = body_of(s->state, n);

	(void)idem; /* PagerDuty folds repeats by dedup_key */
	enqueue_url(url, sizeof(url), s->state);
	kpi__sink_post_json(res, s, url, NULL, body, timeout_ms, st);
	json_decref(body); /* the routing key's copy inside goes with it */
}

static void where(char *buf, size_t size, const void *state)
{
	enqueue_url(buf, size, state);
}

static void free_state(void *state)
{
	pagerduty *pd = state;
	if (!pd)
		return;
	kpi__sink_wipe(pd->routing_key);
	free(pd->base_url);
	free(pd);
}

const kpi__sink_type kpi__sink_pagerduty = {
	.name = "pagerduty",
	.keys = keys,
	.parse = parse,
	.send = deliver,
	.where = where,
	.free = free_state,
	/* an incident stays open until resolved */
	.test_resolves = true,
};
