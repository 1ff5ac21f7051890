/* The AWS default credential chain and the cache of its credentials.
 * Private to libkpi; net/aws.c's kpi__aws_resolve() builds it, kpi__aws_call()
 * asks it for current credentials at each attempt.
 *
 * The chain, in the SDKs' order, the first source that is configured wins
 * (each shadows the later ones; a configured source that fails is an error,
 * never a fall-through), except the last:
 *  1. the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 *  2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME)
 *     -> STS AssumeRoleWithWebIdentity;
 *  3. the profile in use (AWS_PROFILE, else default) of the shared files:
 *     role_arn with source_profile (chains allowed, cycles refused) or
 *     credential_source (Environment, Ec2InstanceMetadata, EcsContainer)
 *     -> STS AssumeRole (external_id, duration_seconds, role_session_name);
 *     web_identity_token_file + role_arn; static keys; SSO (sso_session or
 *     the legacy sso_* settings); credential_process;
 *  4. the ECS / EKS container endpoint (net/aws_container.h);
 *  5. EC2 instance metadata (net/aws_imds.h): when it does not answer or
 *     the instance has no role, the chain ends with "no AWS credentials"
 *     naming every place it looked.
 *
 * Temporary credentials are kept for the run and refreshed before they
 * expire: once less than KPI__AWS_REFRESH_MARGIN seconds are left (or half
 * their lifetime, for credentials issued for less than twice that). A failed
 * refresh keeps the current credentials while they have a minute left, with
 * a warning in the log; then it is an error. One lock guards the cache, so
 * any thread may ask. */
#ifndef KPI_AWS_CREDS_H
#define KPI_AWS_CREDS_H

#include "net/aws_config.h"
#include "net/aws_container.h"
#include "net/aws_imds.h"
#include "net/aws_keys.h"
#include "net/aws_sso.h"
#include <pthread.h>

/* Seconds before expiry when credentials are refreshed (the SDKs' 5 min). */
#define KPI__AWS_REFRESH_MARGIN 300

/* How long a credential_process may run. */
#define KPI__AWS_PROCESS_TIMEOUT 60.0

typedef enum kpi__aws_kind {
	KPI__AWS_STATIC,        /* keys of the environment or a profile: never refreshed */
	KPI__AWS_WEB_IDENTITY,  /* STS AssumeRoleWithWebIdentity */
	KPI__AWS_ASSUME_ROLE,   /* STS AssumeRole signed with `source`'s credentials */
	KPI__AWS_PROCESS,       /* credential_process */
	KPI__AWS_SSO,           /* IAM Identity Center */
	KPI__AWS_CONTAINER,     /* ECS / EKS container endpoint */
	KPI__AWS_IMDS,          /* EC2 instance metadata */
} kpi__aws_kind;

/* One source of credentials; an assumed role's source is another one. */
typedef struct kpi__aws_provider {
	kpi__aws_kind kind;
	char desc[512];                 /* secret-free: "web identity, role arn:..." */
	kpi__aws_keys keys;             /* the current credentials (none before the first fetch) */
	bool stale;                     /* refused as expired by a service: fetch again */
	/* STS (web identity, assume role) */
	char *role_arn, *session_name, *external_id, *token_file, *sts_endpoint, *sts_region;
	int duration_s;
	struct kpi__aws_provider *source;
	/* credential_process */
	char *command;
	char **envp;
	kpi__aws_sso sso;
	kpi__aws_container container;
	kpi__aws_imds imds;
} kpi__aws_provider;

/* A new provider of `kind` (zeroed), or NULL when out of memory. */
kpi__aws_provider *kpi__aws_provider_new(kpi__aws_kind kind);
/* Free a provider, its source and their secrets. Accepts NULL. */
void kpi__aws_provider_free(kpi__aws_provider *p);

/* The chain's outcome: the provider it chose and every secret seen. */
typedef struct kpi__aws_creds {
	pthread_mutex_t lock;
	kpi__aws_provider *top;
	kpi__aws_secrets secrets;
} kpi__aws_creds;

/* Build the chain for the environment of `cfg` and the shared files `f`,
 * and fetch the first credentials. `region` is the STS calls' (the
 * resolved one); `imds` the instance metadata settings the region lookup
 * used (its `down` flag is honoured). @return 0 with *out (free with
 * kpi__aws_creds_free()); KPI_EAUTH (no credentials anywhere, naming where
 * kpi looked; a source refused); KPI_ECONFIG (a profile that cannot work:
 * a cycle, a missing source_profile, an unknown credential_source, ...);
 * KPI_ESOURCE, KPI_ETIMEOUT, KPI_EDATA (a source failed or answered
 * nonsense); KPI_ENOMEM. Every message names the source, never a secret. */
int kpi__aws_chain(kpi__aws_creds **out, const kpi_config *cfg, const kpi__aws_files *f, const char *region,
                   const kpi__aws_imds *imds, kpi_error *err);

/* A copy of the current credentials (refreshed first when they are due),
 * to release with kpi__aws_keys_release(). Thread-safe. */
int kpi__aws_creds_current(kpi__aws_keys *out, kpi__aws_creds *c, kpi_error *err);

/* A service refused the credentials as expired: the next
 * kpi__aws_creds_current() fetches new ones. Thread-safe. */
void kpi__aws_creds_invalidate(kpi__aws_creds *c);

/* Whether the credentials can be fetched again (they expire). */
bool kpi__aws_creds_refreshable(kpi__aws_creds *c);

/* The description of the source in use (copied into buf). Thread-safe. */
char *kpi__aws_creds_describe(char *buf, size_t size, kpi__aws_creds *c);

/* Call `fn` for every secret seen so far and every one seen later.
 * @return 0 or the first code `fn` returned. Thread-safe. */
int kpi__aws_creds_on_secret(kpi__aws_creds *c, kpi__aws_secret_fn fn, void *ud);

/* When credentials `k` are due for a refresh (Unix time; INT64_MAX for
 * static ones, 0 when there are none). */
int64_t kpi__aws_refresh_at(const kpi__aws_keys *k);

/* Free the cache, its providers and its secrets. Accepts NULL. */
void kpi__aws_creds_free(kpi__aws_creds *c);

#endif
