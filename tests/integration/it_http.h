/*
 * The tests' HTTP peer: tests/tools/responder.py on a free loopback port,
 * answering from a JSON script (see the docstring there) and recording every
 * request. For alert receivers (PagerDuty, Slack, webhooks) and for fault
 * injection in front of the CloudWatch client.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>.
 */
#ifndef KPI_IT_HTTP_H
#define KPI_IT_HTTP_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

typedef struct it_responder {
	pid_t pid;
	int port;
	char dir[128];       /* temp dir with script.json, requests.jsonl, port */
	char script[160];
	char log[160];
	char url[64];        /* "http://127.0.0.1:PORT" */
} it_responder;

/* Start a responder answering from `script_json` (NULL: 200 "ok" to all);
 * waits until it listens. Fails the test on error. Stop with it_responder_stop(). */
it_responder *it_responder_start(const char *script_json);

/* Replace the script atomically; the next request sees the new one. */
void it_responder_script(it_responder *r, const char *script_json);

/* The requests recorded so far, oldest first: a JSON array of objects
 * {n, t, method, path, headers, body}. Caller decrefs. */
json_t *it_responder_requests(const it_responder *r);

/* How many requests were recorded so far. */
size_t it_responder_count(const it_responder *r);

/* Forget the recorded requests. */
void it_responder_clear(it_responder *r);

/* A loopback TCP port that was free a moment ago (nobody listens there). */
int it_free_port(void);

/* Stop the responder (SIGTERM, then SIGKILL), remove its files, free it. Accepts NULL. */
void it_responder_stop(it_responder *r);

#endif
