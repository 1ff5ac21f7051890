/* The CloudWatch source's settings: the config file's "cloudwatch" section
 * and the KPI_CW_* environment variables (cw.h). */
#include "sources/cloudwatch/cw.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- settings ---- */

static const kpi__jsondoc *cfg_doc(const kpi_config *cfg)
{
	return cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
}

void kpi__cw_settings_release(kpi__cw_settings *s)
{
	if (!s)
		return;
	free(s->load_balancer);
	for (size_t i = 0; i < s->nqueues; i++)
		free(s->queues[i]);
	free(s->queues);
	free(s->region);
	memset(s, 0, sizeof(*s));
}

static int add_queue(kpi__cw_settings *s, const char *b, size_t len, const char *where, kpi_error *err)
{
	char **n;
	while (len && isspace((unsigned char)*b)) {
		b++;
		len--;
	}
	while (len && isspace((unsigned char)b[len - 1]))
		len--;
	if (!len)
		return 0;
	for (size_t i = 0; i < s->nqueues; i++)
		if (strlen(s->queues[i]) == len && strncmp(s->queues[i], b, len) == 0)
			return kpi_error_set(err, KPI_ECONFIG, "%s: queue '%.*s' is listed twice", where, (int)len, b);
	if (!(n = realloc(s->queues, (s->nqueues + 1) * sizeof(*n))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->queues = n;
	if (!(s->queues[s->nqueues] = strndup(b, len)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->nqueues++;
	return 0;
}

/* cloudwatch.hosts: "discover" (the CloudWatch agent's host KPIs, their
 * series found with ListMetrics) or "none" (the default). */
static int hosts_setting(bool *out, const kpi__jsondoc *doc, const json_t *h, kpi_error *err)
{
	const char *v = json_string_value(h);
	if (!h || json_is_null(h))
		return 0;
	if (!v || (strcmp(v, "discover") != 0 && strcmp(v, "none") != 0))
		return kpi__jsondoc_error(doc, h, err, KPI_ECONFIG,
		                          "cloudwatch.hosts must be \"discover\" (find the CloudWatch agent's hosts "
		                          "with ListMetrics) or \"none\"");
	*out = strcmp(v, "discover") == 0;
	return 0;
}

int kpi__cw_settings_load(kpi__cw_settings *out, const kpi_config *cfg, kpi_error *err)
{
	static const char *const keys[] = { "load_balancer", "queues", "region", "deadline_seconds",
		                            "retry_base_seconds", "retry_max_seconds", "request_timeout_seconds",
		                            "max_response_bytes", "hosts", NULL };
	kpi__aws_retry dflt = KPI__AWS_RETRY_INIT;
	const kpi__jsondoc *doc = cfg_doc(cfg);
	const json_t *o = doc ? json_object_get(doc->root, "cloudwatch") : NULL;
	double timeout = (double)dflt.timeout_ms / 1000.0, maxresp = (double)KPI__HTTP_MAX_RESPONSE;
	const char *v;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->retry = dflt;
	if (o) {
		json_t *lb, *q, *r;
		if (!json_is_object(o))
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "cloudwatch must be an object");
		if ((rc = kpi__json_check_keys(doc, o, keys, "cloudwatch", err)))
			return rc;
		if ((lb = json_object_get(o, "load_balancer")) && !json_is_null(lb)) {
			if (!json_is_string(lb) || !json_string_length(lb))
				return kpi__jsondoc_error(doc, lb, err, KPI_ECONFIG,
				                          "cloudwatch.load_balancer must be a non-empty string "
				                          "(the LoadBalancer dimension, e.g. \"app/web/50dc6c495c0c9188\")");
			out->load_balancer = strdup(json_string_value(lb));
		}
		if ((q = json_object_get(o, "queues"))) {
			size_t i;
			json_t *e;
			if (!json_is_array(q)) {
				rc = kpi__jsondoc_error(doc, q, err, KPI_ECONFIG,
				                        "cloudwatch.queues must be an array of queue names");
				goto fail;
			}
			json_array_foreach(q, i, e) {
				if (!json_is_string(e) || !json_string_length(e)) {
					rc = kpi__jsondoc_error(doc, e, err, KPI_ECONFIG, "a queue name must be a non-empty string");
					goto fail;
				}
				if ((rc = add_queue(out, json_string_value(e), json_string_length(e), "cloudwatch.queues", err)))
					goto fail;
			}
		}
		if ((r = json_object_get(o, "region"))) {
			if (!json_is_string(r) || !json_string_length(r)) {
				rc = kpi__jsondoc_error(doc, r, err, KPI_ECONFIG, "cloudwatch.region must be a region name");
				goto fail;
			}
			out->region = strdup(json_string_value(r));
		}
	}
	if (o && (rc = hosts_setting(&out->hosts, doc, json_object_get(o, "hosts"), err)))
		goto fail;
	/* The environment wins over the file. */
	if ((v = kpi_config_env(cfg, "KPI_CW_HOSTS")) && *v) {
		if (strcmp(v, "discover") != 0 && strcmp(v, "none") != 0) {
			rc = kpi_error_set(err, KPI_ECONFIG,
			                   "environment KPI_CW_HOSTS: '%.40s' is not \"discover\" or \"none\"", v);
			goto fail;
		}
		out->hosts = strcmp(v, "discover") == 0;
	}
	if ((v = kpi_config_env(cfg, "KPI_CW_LOAD_BALANCER")) && *v) {
		free(out->load_balancer);
		out->load_balancer = strdup(v);
	}
	if ((v = kpi_config_env(cfg, "KPI_CW_QUEUES")) && *v) {
		for (size_t i = 0; i < out->nqueues; i++)
			free(out->queues[i]);
		out->nqueues = 0;
		for (const char *p = v;;) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			if ((rc = add_queue(out, p, len, "environment KPI_CW_QUEUES", err)))
				goto fail;
			if (!comma)
				break;
			p = comma + 1;
		}
	}
	if ((rc = kpi__config_number(cfg, "cloudwatch", "deadline_seconds", "KPI_CW_DEADLINE_SECONDS", 0.1, 3600,
	                             "seconds", &out->retry.deadline_s, err)) ||
	    (rc = kpi__config_number(cfg, "cloudwatch", "retry_base_seconds", "KPI_CW_RETRY_BASE_SECONDS", 0.001, 600,
	                             "seconds", &out->retry.base_s, err)) ||
	    (rc = kpi__config_number(cfg, "cloudwatch", "retry_max_seconds", "KPI_CW_RETRY_MAX_SECONDS", 0.001, 3600,
	                             "seconds", &out->retry.max_s, err)) ||
	    (rc = kpi__config_number(cfg, "cloudwatch", "request_timeout_seconds", "KPI_CW_REQUEST_TIMEOUT_SECONDS", 0.1,
	                             600, "seconds", &timeout, err)) ||
	    (rc = kpi__config_number(cfg, "cloudwatch", "max_response_bytes", "KPI_CW_MAX_RESPONSE_BYTES", 1024,
	                             1073741824.0, "bytes", &maxresp, err)))
		goto fail;
	out->retry.timeout_ms = (long)(timeout * 1000.0);
	out->retry.max_response = (size_t)maxresp;
	return 0;
fail:
	kpi__cw_settings_release(out);
	return rc;
}
