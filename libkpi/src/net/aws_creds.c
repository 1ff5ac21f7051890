/* The credential cache: fetching from a provider, refreshing before expiry,
 * the secrets seen (aws_creds.h). The chain that picks the provider is
 * aws_chain.c. */
#include "net/aws_creds.h"
#include "net/aws_process.h"
#include "net/aws_sts.h"
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A failed refresh keeps credentials that are still valid this long. */
#define KEEP_AFTER_FAILED_REFRESH 60

kpi__aws_provider *kpi__aws_provider_new(kpi__aws_kind kind)
{
	kpi__aws_provider *p = calloc(1, sizeof(*p));
	if (p)
		p->kind = kind;
	return p;
}

void kpi__aws_provider_free(kpi__aws_provider *p)
{
	if (!p)
		return;
	kpi__aws_provider_free(p->source);
	kpi__aws_keys_release(&p->keys);
	free(p->role_arn);
	free(p->session_name);
	kpi__aws_wipe_free(p->external_id);
	free(p->token_file);
	free(p->sts_endpoint);
	free(p->sts_region);
	free(p->command);
	g_strfreev(p->envp);
	kpi__aws_sso_release(&p->sso);
	kpi__aws_container_release(&p->container);
	free(p);
}

int64_t kpi__aws_refresh_at(const kpi__aws_keys *k)
{
	int64_t margin;
	if (!k->access_key)
		return 0;
	if (!k->expires)
		return INT64_MAX;
	margin = (k->expires - k->received) / 2;
	if (margin > KPI__AWS_REFRESH_MARGIN)
		margin = KPI__AWS_REFRESH_MARGIN;
	if (margin < 0)
		margin = 0;
	return k->expires - margin;
}

static int ensure(kpi__aws_provider *p, kpi__aws_creds *c, int64_t now, kpi_error *err);

/* Ask the provider itself; the error names what failed inside it. */
static int fetch(kpi__aws_keys *k, kpi__aws_provider *p, kpi__aws_creds *c, int64_t now, kpi_error *err)
{
	kpi__aws_sts_req req = { p->sts_endpoint, p->sts_region, p->role_arn, p->session_name, p->external_id,
		                 p->duration_s };
	switch (p->kind) {
	case KPI__AWS_STATIC:
		return kpi__aws_keys_copy(k, &p->keys, err);
	case KPI__AWS_WEB_IDENTITY:
		return kpi__aws_sts_web_identity(k, &req, p->token_file, &c->secrets, err);
	case KPI__AWS_ASSUME_ROLE:
		return kpi__aws_sts_assume_role(k, &req, &p->source->keys, err);
	case KPI__AWS_PROCESS:
		return kpi__aws_process_credentials(k, p->command, p->envp, KPI__AWS_PROCESS_TIMEOUT, err);
	case KPI__AWS_SSO:
		return kpi__aws_sso_credentials(k, &p->sso, &c->secrets, err);
	case KPI__AWS_CONTAINER:
		return kpi__aws_container_credentials(k, &p->container, &c->secrets, err);
	case KPI__AWS_IMDS: {
		int rc = kpi__aws_imds_credentials(k, &p->imds, &c->secrets, err);
		if (rc == KPI_ENOTFOUND && err)
			err->code = KPI_EAUTH; /* asked for by name: no fall-through here */
		if (rc == 0)
			snprintf(p->desc, sizeof(p->desc), "EC2 instance metadata, role '%s'", p->imds.role);
		return rc;
	}
	}
	(void)now;
	return kpi_error_set(err, KPI_ERROR, "unknown AWS credential source");
}

/* New credentials from `p` in place of its current ones. */
static int refresh(kpi__aws_provider *p, kpi__aws_creds *c, int64_t now, kpi_error *err)
{
	kpi__aws_keys k = { 0 };
	int rc;

	/* an assumed role's source first: its failure names itself */
	if (p->kind == KPI__AWS_ASSUME_ROLE && (rc = ensure(p->source, c, now, err)))
		return rc;
	if (!(rc = fetch(&k, p, c, now, err)) && !(rc = kpi__aws_keys_check_fresh(&k, now, "the answer", err)) &&
	    (rc = kpi__aws_secrets_add_keys(&c->secrets, &k)))
		kpi_error_set(err, rc, "cannot keep the credentials for redaction");
	if (rc) {
		kpi__aws_keys_release(&k);
		return kpi_error_wrap(err, "AWS credentials from %s", p->desc);
	}
	kpi__aws_keys_release(&p->keys);
	p->keys = k;
	p->stale = false;
	return 0;
}

/* Credentials of `p` that are not due, refreshed when they are. */
static int ensure(kpi__aws_provider *p, kpi__aws_creds *c, int64_t now, kpi_error *err)
{
	kpi_error e = KPI_ERROR_INIT;
	char t[32];
	int rc;

	if (p->kind == KPI__AWS_STATIC || (!p->stale && now < kpi__aws_refresh_at(&p->keys)))
		return 0;
	if (!(rc = refresh(p, c, now, &e)))
		return 0;
	if (rc != KPI_ENOMEM && p->keys.access_key && !p->stale && p->keys.expires - now >= KEEP_AFTER_FAILED_REFRESH) {
		kpi_log_msg(KPI_LOG_WARN, "aws.credentials", "%s; the current credentials stay in use until %s", e.message,
		            kpi_time_format(t, sizeof(t), p->keys.expires));
		return 0;
	}
	if (err)
		*err = e;
	return rc;
}

int kpi__aws_creds_current(kpi__aws_keys *out, kpi__aws_creds *c, kpi_error *err)
{
	int rc;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&c->lock);
	rc = ensure(c->top, c, (int64_t)time(NULL), err);
	if (!rc)
		rc = kpi__aws_keys_copy(out, &c->top->keys, err);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void kpi__aws_creds_invalidate(kpi__aws_creds *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->top->kind != KPI__AWS_STATIC && c->top->keys.expires)
		c->top->stale = true;
	pthread_mutex_unlock(&c->lock);
}

bool kpi__aws_creds_refreshable(kpi__aws_creds *c)
{
	bool r;
	pthread_mutex_lock(&c->lock);
	r = c->top->kind != KPI__AWS_STATIC && c->top->keys.expires != 0;
	pthread_mutex_unlock(&c->lock);
	return r;
}

char *kpi__aws_creds_describe(char *buf, size_t size, kpi__aws_creds *c)
{
	pthread_mutex_lock(&c->lock);
	snprintf(buf, size, "%s", c->top->desc);
	pthread_mutex_unlock(&c->lock);
	return buf;
}

int kpi__aws_creds_on_secret(kpi__aws_creds *c, kpi__aws_secret_fn fn, void *ud)
{
	int rc = 0;
	pthread_mutex_lock(&c->lock);
	c->secrets.fn = fn;
	c->secrets.ud = ud;
	for (size_t i = 0; i < c->secrets.n && !rc && fn; i++)
		rc = fn(ud, c->secrets.v[i]);
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void kpi__aws_creds_free(kpi__aws_creds *c)
{
	if (!c)
		return;
	kpi__aws_provider_free(c->top);
	kpi__aws_secrets_release(&c->secrets);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
