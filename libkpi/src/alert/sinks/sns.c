/*
 * Amazon SNS: Publish (query protocol, form body, XML answer), signed by
 * libcurl's SigV4 with service "sns" in the topic's region. The message is
 * the notification JSON (machine subscribers read it; CloudWatch alarms
 * publish JSON too), the subject its summary. FIFO topics dedupe by the
 * notification's id within 5 minutes.
 */
#include "alert/sinks/sink.h"
#include "net/aws.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sns {
	char *topic_arn;
	char *region;        /* the topic's (from its ARN unless set) */
	char *endpoint;      /* the "endpoint" key; NULL: the AWS way */
	kpi__aws *aws;       /* credentials, endpoint, SigV4 scope */
} sns;

static const char *const keys[] = { "topic_arn", "region", "endpoint", NULL };

/* Credentials the AWS way (kpi__aws_resolve: environment, shared files), the
 * region of the topic (an SNS topic lives in one region: its ARN's wins over
 * AWS_REGION), the endpoint from the sink's "endpoint", else
 * AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL, else sns.REGION.amazonaws.com. */
static int resolve(sns *s, const kpi__sink_parse *p, kpi_error *err)
{
	kpi_error aerr = KPI_ERROR_INIT;
	kpi__aws *a = calloc(1, sizeof(*a));
	const kpi_config *cfg = p->st->cfg;
	const char *ep = s->endpoint;
	char buf[512];
	int rc;

	if (!a)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__aws_resolve(a, cfg, &kpi__aws_sns, s->region, &aerr))) {
		free(a);
		return kpi__jsondoc_error(p->doc, p->obj, err, KPI_ECONFIG, "sink '%s' (sns): %s", p->name, aerr.message);
	}
	s->aws = a;
	free(a->region);
	a->region = strdup(s->region);
	if (!ep && !kpi_config_env(cfg, "AWS_ENDPOINT_URL_SNS") && !kpi_config_env(cfg, "AWS_ENDPOINT_URL")) {
		snprintf(buf, sizeof(buf), "https://sns.%s.amazonaws.com", s->region);
		ep = buf;
	}
	if (ep) {
		size_t n = strlen(ep);
		if (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0)
			return kpi__jsondoc_error(p->doc, json_object_get(p->obj, "endpoint"), err, KPI_ECONFIG,
			                          "sink '%s' (sns): endpoint must start with https:// (or http://)", p->name);
		free(a->endpoint);
		a->endpoint = strndup(ep, n > 1 && ep[n - 1] == '/' ? n - 1 : n);
	}
	if (!a->region || !a->endpoint)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	snprintf(a->sigv4, sizeof(a->sigv4), "aws:amz:%s:%s", a->region, kpi__aws_sns.signing_name);
	snprintf(a->where, sizeof(a->where), "%s %s", a->region, a->endpoint);
	return 0;
}

static int parse(void **state, const kpi__sink_parse *p, kpi_error *err)
{
	const json_t *o = p->obj;
	sns *s = calloc(1, sizeof(*s));
	const char *arn;
	int rc;

	if (!(*state = s))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!json_object_get(o, "topic_arn"))
		return kpi__jsondoc_error(p->doc, o, err, KPI_ECONFIG, "sink '%s' (sns): missing topic_arn", p->name);
	if ((rc = kpi__alert_get_str(p->doc, o, "topic_arn", &s->topic_arn, err)) ||
	    (rc = kpi__alert_get_str(p->doc, o, "region", &s->region, err)) ||
	    (rc = kpi__alert_get_str(p->doc, o, "endpoint", &s->endpoint, err)))
		return rc;
	arn = s->topic_arn;
	if (strncmp(arn, "arn:aws:sns:", 12) != 0)
		return kpi__jsondoc_error(p->doc, json_object_get(o, "topic_arn"), err, KPI_ECONFIG,
		                          "sink '%s': topic_arn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)",
		                          p->name);
	if (!s->region) {
		const char *r = arn + 12, *e = strchr(r, ':');
		if (!e || e == r)
			return kpi__jsondoc_error(p->doc, json_object_get(o, "topic_arn"), err, KPI_ECONFIG,
			                          "sink '%s': topic_arn names no region; set region", p->name);
		if (!(s->region = strndup(r, (size_t)(e - r))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	return resolve(s, p, err);
}

/* application/x-www-form-urlencoded: unreserved characters as they are,
 * a space as '+' (the form encoding; moto re-encodes spaces that way before
 * it checks a signature, docs/dependencies.md), everything else %XX. */
static void form_value(kpi_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
			kpi_buf_append(b, (const char *)p, 1);
		} else if (*p == ' ') {
			kpi_buf_puts(b, "+");
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			kpi_buf_append(b, e, 3);
		}
	}
}

static void form_param(kpi_buf *b, const char *name, const char *value)
{
	kpi_buf_printf(b, "%s%s=", b->len ? "&" : "", name);
	form_value(b, value);
}

static void deliver(kpi__send_result *res, const kpi__sink *sink, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	const sns *s = sink->state;
	kpi__aws_retry retry = KPI__AWS_RETRY_INIT;
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf body = KPI_BUF_INIT;
	char subject[101], what[160], *msg = kpi__notification_dump(n);
	const char *sum = kpi__nstr(n, "summary"), *id, *idend;
	size_t k = 0;
	int rc;

	/* Subject: at most 100 printable ASCII characters */
	for (const char *p = sum; *p && k < sizeof(subject) - 1; p++)
		subject[k++] = (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?';
	subject[k] = '\0';
	form_param(&body, "Action", "Publish");
	form_param(&body, "Version", "2010-03-31");
	form_param(&body, "TopicArn", s->topic_arn);
	form_param(&body, "Subject", subject[0] ? subject : "kpi alert");
	form_param(&body, "Message", msg ? msg : "{}");
	if (strlen(s->topic_arn) > 5 && strcmp(s->topic_arn + strlen(s->topic_arn) - 5, ".fifo") == 0) {
		/* FIFO topics dedupe by id within 5 minutes: a re-send folds */
		form_param(&body, "MessageGroupId", "kpi-alert");
		form_param(&body, "MessageDeduplicationId", idem);
	}
	free(msg);
	snprintf(what, sizeof(what), "sink '%s' (sns)", sink->name);
	/* One request per attempt: the outbox does the retrying (base past the
	 * deadline: kpi__aws_call gives up instead of waiting). */
	retry.deadline_s = (double)timeout_ms / 1000.0;
	retry.base_s = retry.max_s = 2 * retry.deadline_s + 1;
	retry.timeout_ms = timeout_ms;
	rc = kpi__aws_call(&resp, s->aws, "application/x-www-form-urlencoded; charset=utf-8", NULL, body.data ? body.data : "",
	                   body.len, what, &retry, NULL, &err);
	res->status = resp.status;
	res->seconds = resp.seconds;
	if (rc == 0) {
		res->outcome = KPI__DELIV_OK;
		id = resp.body.data ? strstr(resp.body.data, "<MessageId>") : NULL;
		idend = id ? strstr(id, "</MessageId>") : NULL;
		if (id && idend && idend - id - 11 < 200)
			snprintf(res->detail, sizeof(res->detail), "HTTP %ld, MessageId %.*s", resp.status, (int)(idend - id - 11),
			         id + 11);
		else
			snprintf(res->detail, sizeof(res->detail), "HTTP %ld", resp.status);
	} else {
		/* throttling, 5xx and transport faults end as KPI_ETIMEOUT here,
		 * an endpoint not reached as KPI_ESOURCE (resp.unreachable), an
		 * answer above the size cap as KPI_EDATA (as before the cap had
		 * its own code: tried again); auth failures and other 4xx are not
		 * worth repeating */
		res->outcome = rc == KPI_ETIMEOUT || (rc == KPI_ESOURCE && resp.unreachable) || rc == KPI_ENOMEM ||
		                       rc == KPI_EDATA
		                   ? KPI__DELIV_RETRY
		                   : KPI__DELIV_TERMINAL;
		snprintf(res->detail, sizeof(res->detail), "%s%s", err.message,
		         res->outcome == KPI__DELIV_TERMINAL ? " (not retryable)" : "");
		kpi__alert_redact(st, res->detail, sizeof(res->detail));
	}
	kpi__http_resp_release(&resp);
	kpi_buf_release(&body);
}

static void where(char *buf, size_t size, const void *state)
{
	const sns *s = state;
	snprintf(buf, size, "%s (%s)", s->topic_arn, s->aws ? s->aws->where : s->region);
}

static void free_state(void *state)
{
	sns *s = state;
	if (!s)
		return;
	if (s->aws) {
		kpi__aws_release(s->aws);
		free(s->aws);
	}
	free(s->topic_arn);
	free(s->region);
	free(s->endpoint);
	free(s);
}

const kpi__sink_type kpi__sink_sns = {
	.name = "sns",
	.keys = keys,
	.parse = parse,
	.send = deliver,
	.where = where,
	.free = free_state,
};
