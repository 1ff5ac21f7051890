/* IAM Identity Center (SSO) for the credential chain: a profile with
 * sso_session (and its [sso-session NAME] section) or the legacy sso_*
 * settings, the access token `aws sso login` cached in
 * ~/.aws/sso/cache/<SHA-1 of the session name, or of the start URL>.json,
 * exchanged at the portal's GetRoleCredentials
 * (GET /federation/credentials, header x-amz-sso_bearer_token). kpi never
 * logs in and never refreshes the token: an expired one is an error that
 * says to run `aws sso login`. Private to libkpi. */
#ifndef KPI_AWS_SSO_H
#define KPI_AWS_SSO_H

#include "net/aws_config.h"
#include "net/aws_keys.h"

typedef struct kpi__aws_sso {
	char *session;      /* sso_session; NULL with the legacy settings */
	char *start_url;    /* sso_start_url */
	char *region;       /* sso_region */
	char *account_id;   /* sso_account_id */
	char *role_name;    /* sso_role_name */
	char *cache_file;   /* the cached token's file */
	char *endpoint;     /* the portal, no trailing '/' */
	char login[300];    /* the command that logs in: "aws sso login --profile p" */
} kpi__aws_sso;

/* Whether profile `profile` is set up for SSO (any sso_* setting). */
bool kpi__aws_sso_configured(const kpi__aws_files *f, const char *profile);

/* The settings of `profile`. @return 0; KPI_ECONFIG naming what is missing
 * or inconsistent between the profile and its sso-session; KPI_ENOMEM.
 * Release with kpi__aws_sso_release(). */
int kpi__aws_sso_settings(kpi__aws_sso *out, const kpi_config *cfg, const kpi__aws_files *f, const char *profile,
                          kpi_error *err);
void kpi__aws_sso_release(kpi__aws_sso *s);

/* The cache file name of a session name or start URL, as the AWS CLI names
 * it: the SHA-1 of its UTF-8 bytes as 40 lower-case hex digits, ".json". */
void kpi__aws_sso_cache_name(char out[46], const char *key);

/* The role's credentials. The access token is added to `secrets`.
 * @return 0; KPI_EAUTH (no cached token, an expired one, or the portal
 * refused it: the message says to run `aws sso login`); KPI_ESOURCE,
 * KPI_ETIMEOUT; KPI_EDATA (a malformed cache file or answer); KPI_ENOMEM. */
int kpi__aws_sso_credentials(kpi__aws_keys *out, const kpi__aws_sso *s, kpi__aws_secrets *secrets, kpi_error *err);

#endif
