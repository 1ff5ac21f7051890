/* The AWS default credential chain: which source provides the credentials
 * (aws_creds.h), read the way botocore and the Go SDK v2 read the
 * environment and the shared files. */
#include "net/aws_creds.h"
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What every step of the chain needs. */
typedef struct chain {
	const kpi_config *cfg;
	const kpi__aws_files *f;
	const kpi__aws_imds *imds;
	const char *region;
	kpi__aws_creds *c;
	char *sts_endpoint;
	char sts_src[400];
} chain;

/* The most profiles a source_profile chain may go through. */
#define MAX_DEPTH 16

static int oom(kpi_error *err)
{
	return kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

/* ---- static keys ---- */

static int static_provider(kpi__aws_provider **out, char *id, char *secret, char *token, kpi_error *err)
{
	kpi__aws_provider *p = kpi__aws_provider_new(KPI__AWS_STATIC);
	if (!p) {
		kpi__aws_wipe_free(id);
		kpi__aws_wipe_free(secret);
		kpi__aws_wipe_free(token);
		return oom(err);
	}
	p->keys.access_key = id;
	p->keys.secret_key = secret;
	p->keys.session_token = token;
	p->keys.received = (int64_t)time(NULL);
	*out = p;
	return 0;
}

/* AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN).
 * KPI_ENOTFOUND when neither is set. */
static int env_keys(kpi__aws_provider **out, const chain *x, kpi_error *err)
{
	const char *id = kpi__aws_env(x->cfg, "AWS_ACCESS_KEY_ID"), *secret = kpi__aws_env(x->cfg, "AWS_SECRET_ACCESS_KEY");
	const char *token = kpi__aws_env(x->cfg, "AWS_SESSION_TOKEN");
	char *i, *s, *t = NULL;
	int rc;

	if (!id && !secret)
		return KPI_ENOTFOUND;
	if (!id || !secret)
		return kpi_error_set(err, KPI_EAUTH,
		                     "AWS credentials from the environment are incomplete: %s is set but %s is not",
		                     id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		                     id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	i = strdup(id);
	s = strdup(secret);
	if (token)
		t = strdup(token);
	if (!i || !s || (token && !t)) {
		kpi__aws_wipe_free(i);
		kpi__aws_wipe_free(s);
		kpi__aws_wipe_free(t);
		return oom(err);
	}
	if ((rc = static_provider(out, i, s, t, err)))
		return rc;
	snprintf((*out)->desc, sizeof((*out)->desc), "the environment (AWS_ACCESS_KEY_ID%s)",
	         token ? ", AWS_SESSION_TOKEN" : "");
	return 0;
}

/* The static keys of a profile: the credentials file's section, then the
 * config file's (each file's pair whole). KPI_ENOTFOUND when the profile has
 * none, KPI_EAUTH when half a pair. */
static int keys_in(kpi__aws_provider **out, const chain *x, const char *text, const char *section, const char *path,
                   const char *profile, kpi_error *err)
{
	char *id = NULL, *secret = NULL, *token = NULL;
	int rc;

	if (!text)
		return KPI_ENOTFOUND;
	kpi__aws_ini_get(&id, NULL, text, section, "aws_access_key_id");
	kpi__aws_ini_get(&secret, NULL, text, section, "aws_secret_access_key");
	kpi__aws_ini_get(&token, NULL, text, section, "aws_session_token");
	if (id && *id && secret && *secret) {
		if (token && !*token) {
			free(token);
			token = NULL;
		}
		if ((rc = static_provider(out, id, secret, token, err)))
			return rc;
		snprintf((*out)->desc, sizeof((*out)->desc), "profile '%s' in %s", profile, path);
		return 0;
	}
	if ((id && *id) || (secret && *secret))
		rc = kpi_error_set(err, KPI_EAUTH, "AWS credentials of profile '%s' in %s are incomplete: %s is missing",
		                   profile, path, id && *id ? "aws_secret_access_key" : "aws_access_key_id");
	else
		rc = KPI_ENOTFOUND;
	kpi__aws_wipe_free(id);
	kpi__aws_wipe_free(secret);
	kpi__aws_wipe_free(token);
	(void)x;
	return rc;
}

static int profile_keys(kpi__aws_provider **out, const chain *x, const char *profile, kpi_error *err)
{
	char section[300];
	int rc = keys_in(out, x, x->f->cred_text, profile, x->f->cred_path, profile, err);
	if (rc != KPI_ENOTFOUND)
		return rc;
	kpi__aws_profile_section(section, sizeof(section), profile);
	return keys_in(out, x, x->f->conf_text, section, x->f->conf_path, profile, err);
}

static bool has_keys(const chain *x, const char *profile)
{
	char *v = NULL;
	bool r = kpi__aws_profile_get(&v, NULL, x->f, profile, "aws_access_key_id") == 0 ||
	         kpi__aws_profile_get(&v, NULL, x->f, profile, "aws_secret_access_key") == 0;
	free(v);
	return r;
}

/* ---- STS ---- */

/* A provider that calls STS: the endpoint and region, the role, its session name. */
static kpi__aws_provider *sts_provider(kpi__aws_kind kind, const chain *x, const char *role_arn, const char *session)
{
	kpi__aws_provider *p = kpi__aws_provider_new(kind);
	char name[64];

	if (!p)
		return NULL;
	if (!session) {
		snprintf(name, sizeof(name), "kpi-%lld", (long long)time(NULL));
		session = name;
	}
	p->role_arn = strdup(role_arn);
	p->session_name = strdup(session);
	p->sts_endpoint = strdup(x->sts_endpoint);
	p->sts_region = strdup(x->region);
	if (!p->role_arn || !p->session_name || !p->sts_endpoint || !p->sts_region) {
		kpi__aws_provider_free(p);
		return NULL;
	}
	return p;
}

static int check_arn(const char *arn, const char *what, kpi_error *err)
{
	if (strncmp(arn, "arn:", 4) != 0 || strstr(arn, ":role/") == NULL || strpbrk(arn, " \t\r\n"))
		return kpi_error_set(err, KPI_ECONFIG, "%s '%s' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
		                     what, arn);
	return 0;
}

static int web_identity(kpi__aws_provider **out, const chain *x, const char *file, const char *role_arn,
                        const char *session, const char *desc, kpi_error *err)
{
	int rc;
	if ((rc = check_arn(role_arn, "the role", err)))
		return rc;
	if (!(*out = sts_provider(KPI__AWS_WEB_IDENTITY, x, role_arn, session)) || !((*out)->token_file = strdup(file)))
		return oom(err);
	snprintf((*out)->desc, sizeof((*out)->desc), "%s", desc);
	return 0;
}

/* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN. KPI_ENOTFOUND when unset. */
static int env_web_identity(kpi__aws_provider **out, const chain *x, kpi_error *err)
{
	const char *file = kpi__aws_env(x->cfg, "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = kpi__aws_env(x->cfg, "AWS_ROLE_ARN");
	char desc[512];

	if (!file)
		return KPI_ENOTFOUND;
	if (!role)
		return kpi_error_set(err, KPI_ECONFIG,
		                     "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: web identity needs the "
		                     "role to assume");
	snprintf(desc, sizeof(desc), "web identity, role %s (AWS_WEB_IDENTITY_TOKEN_FILE)", role);
	return web_identity(out, x, file, role, kpi__aws_env(x->cfg, "AWS_ROLE_SESSION_NAME"), desc, err);
}

/* ---- the container endpoint and instance metadata ---- */

static int container(kpi__aws_provider **out, const chain *x, kpi_error *err)
{
	kpi__aws_provider *p = kpi__aws_provider_new(KPI__AWS_CONTAINER);
	int rc;
	if (!p)
		return oom(err);
	if ((rc = kpi__aws_container_settings(&p->container, x->cfg, err))) {
		kpi__aws_provider_free(p);
		return rc;
	}
	snprintf(p->desc, sizeof(p->desc), "the container endpoint (%s, host %s)", p->container.var, p->container.host);
	*out = p;
	return 0;
}

static int imds(kpi__aws_provider **out, const chain *x, kpi_error *err)
{
	kpi__aws_provider *p = kpi__aws_provider_new(KPI__AWS_IMDS);
	if (!p)
		return oom(err);
	p->imds = *x->imds;
	snprintf(p->desc, sizeof(p->desc), "EC2 instance metadata (%s)", p->imds.endpoint);
	*out = p;
	return 0;
}

/* ---- profiles ---- */

static int profile_provider(kpi__aws_provider **out, chain *x, const char *name, const char **visited, int depth,
                            bool as_source, kpi_error *err);

/* The source of a role_arn profile: its source_profile or credential_source. */
static int role_source(kpi__aws_provider *p, chain *x, const char *name, const char **visited, int depth,
                       kpi_error *err)
{
	char *sp = NULL, *cs = NULL;
	int rc = 0;

	kpi__aws_profile_get(&sp, NULL, x->f, name, "source_profile");
	kpi__aws_profile_get(&cs, NULL, x->f, name, "credential_source");
	if (sp && cs) {
		rc = kpi_error_set(err, KPI_ECONFIG, "profile '%s' has both source_profile and credential_source: keep one",
		                   name);
	} else if (!sp && !cs) {
		rc = kpi_error_set(err, KPI_ECONFIG,
		                   "profile '%s' has role_arn but neither source_profile nor credential_source: kpi "
		                   "needs credentials to assume the role with",
		                   name);
	} else if (cs) {
		if (strcmp(cs, "Environment") == 0) {
			if ((rc = env_keys(&p->source, x, err)) == KPI_ENOTFOUND)
				rc = kpi_error_set(err, KPI_EAUTH,
				                   "profile '%s' has credential_source Environment but AWS_ACCESS_KEY_ID and "
				                   "AWS_SECRET_ACCESS_KEY are not set",
				                   name);
		} else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
			rc = imds(&p->source, x, err);
		} else if (strcmp(cs, "EcsContainer") == 0) {
			if ((rc = container(&p->source, x, err)) == KPI_ENOTFOUND)
				rc = kpi_error_set(err, KPI_EAUTH,
				                   "profile '%s' has credential_source EcsContainer but neither "
				                   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI "
				                   "is set",
				                   name);
		} else {
			rc = kpi_error_set(err, KPI_ECONFIG,
			                   "profile '%s': credential_source '%s' is none of Environment, "
			                   "Ec2InstanceMetadata, EcsContainer",
			                   name, cs);
		}
		if (!rc)
			snprintf(p->desc, sizeof(p->desc), "profile '%s' role_arn %s via credential_source %s", name,
			         p->role_arn, cs);
	} else {
		bool seen = false;
		for (int i = 0; i < depth; i++)
			seen = seen || strcmp(visited[i], sp) == 0;
		if (!kpi__aws_profile_exists(x->f, sp)) {
			rc = kpi_error_set(err, KPI_ECONFIG, "profile '%s' names source_profile '%s', which is in neither %s nor %s",
			                   name, sp, x->f->cred_path, x->f->conf_path);
		} else if (seen && !(strcmp(sp, name) == 0 && has_keys(x, sp))) {
			/* a profile may name itself for its own static keys; any other
			 * repeat never ends */
			char path[600] = "";
			for (int i = 0; i < depth; i++)
				snprintf(path + strlen(path), sizeof(path) - strlen(path), "'%s' -> ", visited[i]);
			rc = kpi_error_set(err, KPI_ECONFIG, "the source_profile settings form a cycle: %s'%s'", path, sp);
		} else if (depth >= MAX_DEPTH) {
			rc = kpi_error_set(err, KPI_ECONFIG, "source_profile chain of profile '%s' is longer than %d profiles",
			                   x->f->profile, MAX_DEPTH);
		} else if (strcmp(sp, name) == 0) {
			rc = profile_keys(&p->source, x, sp, err);
		} else {
			visited[depth] = sp;
			rc = profile_provider(&p->source, x, sp, visited, depth + 1, true, err);
			if (rc == KPI_ENOTFOUND)
				rc = kpi_error_set(err, KPI_EAUTH, "source_profile '%s' of profile '%s' has no credentials", sp,
				                   name);
		}
		if (!rc)
			snprintf(p->desc, sizeof(p->desc), "profile '%s' role_arn %s via source_profile '%s'", name,
			         p->role_arn, sp);
	}
	free(sp);
	free(cs);
	return rc;
}

static int assume_role(kpi__aws_provider **out, chain *x, const char *name, const char *role_arn,
                       const char **visited, int depth, kpi_error *err)
{
	char *session = NULL, *ext = NULL, *dur = NULL, *mfa = NULL, *end = NULL;
	kpi__aws_provider *p = NULL;
	long d = 0;
	int rc;

	if ((rc = check_arn(role_arn, "role_arn", err)))
		return kpi_error_wrap(err, "profile '%s'", name);
	kpi__aws_profile_get(&mfa, NULL, x->f, name, "mfa_serial");
	kpi__aws_profile_get(&session, NULL, x->f, name, "role_session_name");
	kpi__aws_profile_get(&ext, NULL, x->f, name, "external_id");
	kpi__aws_profile_get(&dur, NULL, x->f, name, "duration_seconds");
	if (mfa) {
		rc = kpi_error_set(err, KPI_ECONFIG,
		                   "profile '%s' needs an MFA code (mfa_serial), which kpi cannot ask for: give it a "
		                   "role without MFA, or export credentials made with one",
		                   name);
		goto done;
	}
	if (dur && (d = strtol(dur, &end, 10), !end || *end || d < 900 || d > 43200)) {
		rc = kpi_error_set(err, KPI_ECONFIG, "profile '%s': duration_seconds must be a whole number from 900 to 43200",
		                   name);
		goto done;
	}
	if (!(p = sts_provider(KPI__AWS_ASSUME_ROLE, x, role_arn, session)) || (ext && !(p->external_id = strdup(ext)))) {
		rc = oom(err);
		goto done;
	}
	p->duration_s = (int)d;
	if ((rc = role_source(p, x, name, visited, depth, err)))
		goto done;
	*out = p;
	p = NULL;
done:
	kpi__aws_provider_free(p);
	free(session);
	kpi__aws_wipe_free(ext);
	free(dur);
	free(mfa);
	return rc;
}

/* The credential settings of profile `name`, in the Go SDK's order: role_arn
 * (with source_profile or credential_source; as a source_profile, static keys
 * win over the profile's own role_arn, as in botocore), web identity, static
 * keys, SSO, credential_process. KPI_ENOTFOUND when it has none. */
static int profile_provider(kpi__aws_provider **out, chain *x, const char *name, const char **visited, int depth,
                            bool as_source, kpi_error *err)
{
	char *role = NULL, *wit = NULL, *proc = NULL, desc[512];
	int rc;

	kpi__aws_profile_get(&role, NULL, x->f, name, "role_arn");
	kpi__aws_profile_get(&wit, NULL, x->f, name, "web_identity_token_file");
	kpi__aws_profile_get(&proc, NULL, x->f, name, "credential_process");
	if (role && !wit && !(as_source && has_keys(x, name))) {
		rc = assume_role(out, x, name, role, visited, depth, err);
	} else if (wit) {
		if (!role) {
			rc = kpi_error_set(err, KPI_ECONFIG, "profile '%s' has web_identity_token_file but no role_arn", name);
		} else {
			snprintf(desc, sizeof(desc), "profile '%s' web identity, role %s", name, role);
			rc = web_identity(out, x, wit, role, NULL, desc, err);
			if (!rc) {
				char *session = NULL;
				if (kpi__aws_profile_get(&session, NULL, x->f, name, "role_session_name") == 0) {
					free((*out)->session_name);
					(*out)->session_name = session;
				}
			}
		}
	} else if ((rc = profile_keys(out, x, name, err)) != KPI_ENOTFOUND) {
		/* static keys, or half a pair */
	} else if (kpi__aws_sso_configured(x->f, name)) {
		if (!(*out = kpi__aws_provider_new(KPI__AWS_SSO))) {
			rc = oom(err);
		} else if ((rc = kpi__aws_sso_settings(&(*out)->sso, x->cfg, x->f, name, err))) {
			kpi__aws_provider_free(*out);
			*out = NULL;
		} else {
			snprintf((*out)->desc, sizeof((*out)->desc), "profile '%s' SSO%s%s%s, role '%s' in account %s", name,
			         (*out)->sso.session ? " (sso_session '" : "", (*out)->sso.session ? (*out)->sso.session : "",
			         (*out)->sso.session ? "')" : "", (*out)->sso.role_name, (*out)->sso.account_id);
		}
	} else if (proc) {
		char **argv = NULL;
		if (!g_shell_parse_argv(proc, NULL, &argv, NULL)) {
			rc = kpi_error_set(err, KPI_ECONFIG,
			                   "profile '%s': credential_process cannot be split into words (unbalanced quotes?)",
			                   name);
		} else if (!(*out = kpi__aws_provider_new(KPI__AWS_PROCESS)) || !((*out)->command = strdup(proc)) ||
		           !((*out)->envp = g_strdupv(x->cfg->env))) {
			rc = oom(err);
		} else {
			rc = 0;
			snprintf((*out)->desc, sizeof((*out)->desc), "profile '%s' credential_process (program '%s')", name,
			         argv[0]);
		}
		g_strfreev(argv);
	} else {
		rc = KPI_ENOTFOUND;
	}
	if (rc) {
		kpi__aws_provider_free(*out);
		*out = NULL;
	}
	free(role);
	free(wit);
	free(proc);
	return rc;
}

/* ---- the chain ---- */

static int sts_endpoint(chain *x, kpi_error *err)
{
	int rc = kpi__aws_endpoint_configured(&x->sts_endpoint, x->sts_src, sizeof(x->sts_src), x->cfg, x->f, "STS", err);
	if (rc || x->sts_endpoint)
		return rc;
	x->sts_endpoint = g_strdup_printf("https://sts.%s.amazonaws.com", x->region);
	return x->sts_endpoint ? 0 : oom(err);
}

/* The first source that is configured; KPI_ENOTFOUND with `looked` saying
 * where kpi looked when none is. */
static int choose(kpi__aws_provider **out, chain *x, char *looked, size_t lsize, kpi_error *err)
{
	const char *visited[MAX_DEPTH + 1];
	kpi__aws_provider *p = NULL;
	kpi_error e = KPI_ERROR_INIT;
	int rc;

	*out = NULL;
	if ((rc = env_keys(out, x, err)) != KPI_ENOTFOUND || (rc = env_web_identity(out, x, err)) != KPI_ENOTFOUND)
		return rc;
	if (x->f->profile_from_env && !kpi__aws_profile_exists(x->f, x->f->profile))
		return kpi_error_set(err, KPI_EAUTH, "no AWS credentials: profile '%s' (AWS_PROFILE) is in neither %s%s nor %s%s",
		                     x->f->profile, x->f->cred_path, x->f->cred_text ? "" : " (no such file)",
		                     x->f->conf_path, x->f->conf_text ? "" : " (no such file)");
	visited[0] = x->f->profile;
	if ((rc = profile_provider(out, x, x->f->profile, visited, 1, false, err)) != KPI_ENOTFOUND ||
	    (rc = container(out, x, err)) != KPI_ENOTFOUND)
		return rc;
	snprintf(looked, lsize,
	         "AWS_ACCESS_KEY_ID and AWS_WEB_IDENTITY_TOKEN_FILE are not set, profile '%s' has no credentials in "
	         "%s%s or %s%s, no container endpoint is set (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, _FULL_URI), ",
	         x->f->profile, x->f->cred_path, x->f->cred_text ? "" : " (no such file)", x->f->conf_path,
	         x->f->conf_text ? "" : " (no such file)");
	if (x->imds->disabled) {
		snprintf(looked + strlen(looked), lsize - strlen(looked),
		         "and EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED)");
		return KPI_ENOTFOUND;
	}
	if ((rc = imds(&p, x, err)))
		return rc;
	rc = kpi__aws_imds_credentials(&p->keys, &p->imds, &x->c->secrets, &e);
	if (rc == KPI_ENOTFOUND) {
		snprintf(looked + strlen(looked), lsize - strlen(looked), "and %s", e.message);
		kpi__aws_provider_free(p);
		return rc;
	}
	if (!rc && !(rc = kpi__aws_keys_check_fresh(&p->keys, (int64_t)time(NULL), "the answer", &e)) &&
	    (rc = kpi__aws_secrets_add_keys(&x->c->secrets, &p->keys)))
		kpi_error_set(&e, rc, "cannot keep the credentials for redaction");
	if (rc) {
		if (err)
			*err = e;
		kpi_error_wrap(err, "AWS credentials from %s", p->desc);
		kpi__aws_provider_free(p);
		return rc;
	}
	snprintf(p->desc, sizeof(p->desc), "EC2 instance metadata, role '%s'", p->imds.role);
	*out = p;
	return 0;
}

/* The secrets of static keys in the tree (fetched ones are added as they come). */
static int static_secrets(kpi__aws_secrets *s, const kpi__aws_provider *p)
{
	int rc = 0;
	for (; p && !rc; p = p->source)
		if (p->kind == KPI__AWS_STATIC)
			rc = kpi__aws_secrets_add_keys(s, &p->keys);
	return rc;
}

int kpi__aws_chain(kpi__aws_creds **out, const kpi_config *cfg, const kpi__aws_files *f, const char *region,
                   const kpi__aws_imds *imds_settings, kpi_error *err)
{
	chain x = { cfg, f, imds_settings, region, NULL, NULL, "" };
	kpi__aws_keys first = { 0 };
	char looked[1500];
	int rc;

	*out = NULL;
	if (!region)
		return kpi_error_set(err, KPI_ECONFIG, "no AWS region to call STS in");
	if (!(x.c = calloc(1, sizeof(*x.c))))
		return oom(err);
	pthread_mutex_init(&x.c->lock, NULL);
	if ((rc = sts_endpoint(&x, err)))
		goto done;
	rc = choose(&x.c->top, &x, looked, sizeof(looked), err);
	if (rc == KPI_ENOTFOUND) {
		rc = kpi_error_set(err, KPI_EAUTH, "no AWS credentials: %s", looked);
		goto done;
	}
	if (!rc && (rc = static_secrets(&x.c->secrets, x.c->top)))
		kpi_error_set(err, rc, "cannot keep the credentials for redaction");
	/* the first credentials now: a source that cannot give any fails here */
	if (rc || (rc = kpi__aws_creds_current(&first, x.c, err)))
		goto done;
	*out = x.c;
	x.c = NULL;
done:
	kpi__aws_keys_release(&first);
	kpi__aws_creds_free(x.c);
	g_free(x.sts_endpoint);
	return rc;
}
