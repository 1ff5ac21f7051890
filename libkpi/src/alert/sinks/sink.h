/* What a sink is: an operations table (like a source, sources/source.h),
 * and the pieces the sinks share (sinks/sink.c). Private to the alert
 * module.
 *
 * A sink lives in one file of this folder and is registered by one line in
 * sinks/registry.h, whose comment is the recipe ("Add a sink"). Nothing
 * outside alert/sinks/ knows what kinds of sink there are: the config
 * parser, the run, the outbox and `kpi alert --test` ask a sink's type. */
#ifndef KPI_ALERT_SINKS_SINK_H
#define KPI_ALERT_SINKS_SINK_H

#include "alert/alert_internal.h"

/* What a type's parse() gets: the sink's object of the config file. */
typedef struct kpi__sink_parse {
	kpi__alert_settings *st;     /* st->cfg: the environment; the secret list */
	const kpi__jsondoc *doc;     /* for file:line:col in messages */
	const char *name;            /* the sink's name in alert.sinks */
	const char *type;            /* its type's name, for messages */
	const json_t *obj;           /* its object (keys already checked) */
} kpi__sink_parse;

struct kpi__sink_type {
	const char *name;            /* the config's "type": "pagerduty" */
	/* The type's own keys of the sink object, NULL-terminated (every sink
	 * also takes type, min_severity and timeout_seconds). A key K whose
	 * "K_env" is listed here is refused as a secret in the file. */
	const char *const *keys;
	/* Read the type's keys of p->obj into a state of its own (*state, set
	 * as soon as it is allocated: on failure the caller frees it with
	 * free()). Secrets only from the environment (kpi__sink_secret_env),
	 * every one added to the settings' secret list. KPI_ECONFIG with
	 * file:line:col and the sink's name; never a secret in a message. */
	int (*parse)(void **state, const kpi__sink_parse *p, kpi_error *err);
	/* One attempt to deliver notification `n` (see kpi__sink_send) within
	 * `timeout_ms`. `res` is zeroed; set outcome (OK, RETRY for 429, 5xx,
	 * timeouts, unreachable; TERMINAL for what another try cannot fix),
	 * status and a secret-free, redacted detail. */
	void (*send)(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
	             const kpi__alert_settings *st);
	/* Where it delivers, secret-free, for logs ("https://events.pagerduty.com/v2/enqueue"). */
	void (*where)(char *buf, size_t size, const void *state);
	void (*free)(void *state);   /* accepts NULL */
	/* `kpi alert --test`: after the test notification, send its resolve
	 * (the receiver keeps incidents open until resolved). */
	bool test_resolves;
	/* While an alert fires, send it again on every run (not only on
	 * transitions and reminders): for receivers that resolve an alert
	 * by themselves unless it is refreshed (Alertmanager's endsAt). The
	 * run queues one "refresh" entry per (sink, dedupe key); a newer one
	 * supersedes a queued one (alert_run.c). */
	bool refresh_every_run;
};

/* Every registered type (sinks/registry.h). */
#define KPI__SINK(name) extern const kpi__sink_type kpi__sink_##name;
#include "alert/sinks/registry.h"
#undef KPI__SINK

/* The registered type of that name ("pagerduty"); NULL when none is. */
const kpi__sink_type *kpi__sink_type_find(const char *name);
/* The registered types' names as a message lists them:
 * "pagerduty, slack, webhook, sns, command or alertmanager". */
void kpi__sink_type_names(char *buf, size_t size);
/* Release a sink's state (its type's free()) and name. */
void kpi__sink_release(kpi__sink *s);

/* ---- shared by the types (sinks/sink.c) ---- */

/* Free a secret string, its bytes zeroed first. Accepts NULL. */
void kpi__sink_wipe(char *secret);

/* The string member `key` of notification `n`, "" when absent. */
const char *kpi__nstr(const json_t *n, const char *key);

/* Read a secret from the environment variable that p->obj[key] names (of
 * the config's copy of the environment) into *out and add it to the
 * settings' secret list. `what` names it in messages ("routing key").
 * A missing key, a bad variable name or an unset variable is KPI_ECONFIG. */
int kpi__sink_secret_env(char **out, const kpi__sink_parse *p, const char *key, const char *what, kpi_error *err);

/* A URL of the config file (not a secret), the value `v` of `key`: http://
 * or https://, no user:password@ (credentials come from the environment). */
int kpi__sink_url_check(const kpi__sink_parse *p, const json_t *v, const char *url, const char *key, kpi_error *err);

/* The state of a sink whose whole address is a secret URL read from the
 * variable its "url_env" names (Slack, webhooks). */
typedef struct kpi__sink_secret_url {
	char *url;                   /* secret */
	char *var;                   /* the variable's name */
} kpi__sink_secret_url;
int kpi__sink_secret_url_parse(void **state, const kpi__sink_parse *p, kpi_error *err);
void kpi__sink_secret_url_where(char *buf, size_t size, const void *state);
void kpi__sink_secret_url_free(void *state);

/* POST `body` as JSON to `url` (+ `headers`, NULL-terminated "Name: value"
 * lines, may be NULL) and judge the answer: 2xx OK; 429 and 5xx, timeouts,
 * refused or broken connections RETRY (with Retry-After); other statuses
 * TERMINAL. The detail names the sink and quotes a line of the answer,
 * redacted of every secret. The serialised body is wiped after sending
 * (it may hold a secret). */
void kpi__sink_post_json(kpi__send_result *res, const kpi__sink *s, const char *url, const char *const *headers,
                         const json_t *body, long timeout_ms, const kpi__alert_settings *st);

#endif
