/*
 * Helpers of the `kpi alert` integration tests: a test database with or
 * without an uncached-age breach, the tests' HTTP responder as the alert
 * receiver, a state directory and a config file of the test's own, runs of
 * the kpi binary (waited for, or in the background to be killed), and
 * readers of the ledger and of what the receiver got.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>.
 */
#ifndef KPI_IT_ALERT_H
#define KPI_IT_ALERT_H

#include <string.h>
#include <sys/types.h>
#include "it_util.h"
#include "it_http.h"
#include "asserts.h"
#include "alert/alert_internal.h"

/* 2026-11-16T08:00:00Z, the runs' "now" at minute 0. */
#define IT_T0 1794816000

/* The secrets the tests hand to kpi through the environment; none may ever
 * show up in an output, a log or the state directory. */
#define IT_PD_KEY "R0UT1NG-K3Y-9f8e7d6c5b4a"
#define IT_HOOK_TOKEN "W3BH00K-T0K3N-1a2b3c4d"
#define IT_ALERT_AWS_KEY_ID "KPITESTALERTKEYID001"
#define IT_ALERT_AWS_SECRET "aws-s3cr3t-kpi-alert-never-printed"
/* The Alertmanager sink's basic auth password, and "kpi:" + it in base64
 * (the Authorization header's credentials) */
#define IT_AM_PASSWORD "am-s3cr3t-pass-kpi-it"
#define IT_AM_BASIC "a3BpOmFtLXMzY3IzdC1wYXNzLWtwaS1pdA=="

/* Config pieces: only uncached_legacy_max_age_days alerts (the others are
 * disabled), a PagerDuty sink at the responder, a webhook sink there. */
#define IT_ONLY_UNCACHED                                                                                        \
	"\"kpis\": {\"legacy_coverage_pct\": {\"enabled\": false}, \"export_success_rate\": {\"enabled\": false}," \
	" \"outage_drill_success_pct\": {\"enabled\": false}, \"routing_mismatch_critical\": {\"enabled\": false}}"
#define IT_PD_SINK                                                                                              \
	"\"pd\": {\"type\": \"pagerduty\", \"routing_key_env\": \"KPI_IT_PD_KEY\", \"base_url\": \"%URL%\","       \
	" \"timeout_seconds\": 5}"
#define IT_HOOK_SINK "\"hook\": {\"type\": \"webhook\", \"url_env\": \"KPI_IT_HOOK_URL\", \"timeout_seconds\": 5}"

typedef struct it_alert {
	it_db *db;
	it_responder *resp;
	char root[64];        /* temp dir: state/, config.json, command output */
	char state[128];      /* the state directory */
	char config[128];     /* the config file */
	char conninfo[256];   /* --db (the test database unless changed) */
	char pd_env[160];     /* KPI_IT_PD_KEY=... */
	char hook_env[256];   /* KPI_IT_HOOK_URL=... (holds the token) */
	char hook_url[200];
} it_alert;

/* A test's set-up: database kpi_it_alert_<name> (with the breach when
 * `breach`), a responder answering 202 to everything, a state dir, and a
 * config file of `alert_json` (the "alert" object; "%URL%" is replaced by
 * the responder's URL, "%ROOT%" by the test's temp dir). */
it_alert *it_alert_new(const char *name, bool breach, const char *alert_json);
/* Replace the config file (same placeholders). */
void it_alert_config(it_alert *a, const char *alert_json);
/* Clean up everything (state dir, responder, database). Accepts NULL. */
void it_alert_free(it_alert *a);
/* A cmocka teardown: it_alert_free(*state), so a failing test leaves no
 * responder or database behind. */
int it_alert_teardown(void **state);

/* The string at a dotted path of a JSON object ("payload.summary"), or NULL. */
const char *it_str(const json_t *o, const char *path);

/* Insert the artifact that covers the breaching design (at minute 20): from
 * minute 20 on the KPI is healthy (0 d). */
void it_alert_fix_breach(it_alert *a);

/* The minute `m` after IT_T0, as ISO-8601 (static buffer, 8 in rotation). */
const char *it_at(int minutes);

/* Run `kpi alert --config --db --state-dir --now it_at(minute) [extra...]`
 * with the secrets in the environment (`env` adds or, with "NAME", removes
 * variables). Fails the test when it takes longer than 60 s. */
void it_alert_run(it_alert *a, it_run_result *r, int minute, const char *const *extra, const char *const *env);
/* The same with --now NOW (an ISO-8601 instant). */
void it_alert_run_at(it_alert *a, it_run_result *r, const char *now, const char *const *extra, const char *const *env);
/* The same in the background, stdout+stderr into `out_path`. */
pid_t it_alert_spawn(it_alert *a, int minute, const char *out_path);
/* Wait for a background run; its exit status (128 + signal when killed). */
int it_alert_wait(pid_t pid, double timeout_s);

/* The requests the receiver got on `path` (NULL: all), oldest first;
 * caller decrefs. Each has "json": the body parsed (when it is JSON). */
json_t *it_alert_requests(it_alert *a, const char *path);
/* Wait until the receiver has recorded at least n requests (fails after 10 s). */
void it_alert_wait_requests(it_alert *a, size_t n);

/* Parse the ledger in the state directory; fails the test when it does
 * not parse (corrupt, missing). Free with kpi__ledger_free(). */
kpi__ledger *it_alert_ledger(it_alert *a);

/* No file below `dir`, and neither text, contains a secret of the tests. */
void it_assert_no_secrets(const char *dir, const char *out, const char *err);

/* stdout has a line starting with `prefix`. */
void it_assert_line(const char *out, const char *prefix);

#endif
