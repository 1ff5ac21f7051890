/* The AWS shared files (~/.aws/config, ~/.aws/credentials) as the AWS CLI and
 * SDKs read them, and what kpi takes from them besides keys: profiles,
 * [sso-session NAME] and [services NAME] sections, endpoint URLs. Private to
 * libkpi (net/aws.c resolves with it, the credential chain of
 * net/aws_creds.h reads its profiles through it).
 *
 * The INI syntax itself is kpi__aws_ini_get() (declared in net/aws.h, defined
 * here). */
#ifndef KPI_AWS_CONFIG_H
#define KPI_AWS_CONFIG_H

#include "net/aws.h"

/* The two files of one resolution, read once. */
typedef struct kpi__aws_files {
	char *profile;          /* the profile in use: $AWS_PROFILE, else "default" */
	bool profile_from_env;  /* AWS_PROFILE named it */
	char *cred_path;        /* $AWS_SHARED_CREDENTIALS_FILE, default ~/.aws/credentials */
	char *conf_path;        /* $AWS_CONFIG_FILE, default ~/.aws/config */
	char *cred_text;        /* NULL when the file cannot be read */
	char *conf_text;
	char *home;             /* $HOME (NULL when unset): ~/.aws/sso/cache */
} kpi__aws_files;

/* Read the files for `cfg`'s environment. @return 0, KPI_ENOMEM. A file that
 * does not exist is no error (its text stays NULL). Release with
 * kpi__aws_files_release(), which wipes the texts (they hold keys). */
int kpi__aws_files_load(kpi__aws_files *out, const kpi_config *cfg, kpi_error *err);
void kpi__aws_files_release(kpi__aws_files *f);

/* The section of profile `name` in the config file: "default" for the
 * default profile (as the CLI writes it), else "profile NAME". */
void kpi__aws_profile_section(char *buf, size_t size, const char *name);

/* Whether profile `name` has a section in either file. */
bool kpi__aws_profile_exists(const kpi__aws_files *f, const char *name);

/* Setting `key` of profile `name`, empty values counting as absent: the
 * credentials file's [NAME] first (its values win, as botocore merges the
 * two), then the config file's. *from (may be NULL) gets the path of the file
 * it came from. @return 0 with *out (caller frees), KPI_ENOTFOUND, KPI_ENOMEM. */
int kpi__aws_profile_get(char **out, const char **from, const kpi__aws_files *f, const char *name,
                         const char *key);

/* Setting `key` of a config-file section named in full ("sso-session x").
 * @return as kpi__aws_profile_get(). */
int kpi__aws_section_get(char **out, const kpi__aws_files *f, const char *section, const char *key);

/* Look `key` up inside sub-section `sub` of `section` of an INI text: the
 * indented lines after "sub =" ("[services s]\ncloudwatch =\n  endpoint_url = X").
 * @return 0 with *out (caller frees), KPI_ENOTFOUND, KPI_ENOMEM. */
int kpi__aws_ini_get_sub(char **out, const char *text, const char *section, const char *sub, const char *key);

/*
 * The endpoint URL configured for a service of AWS identifier `id`
 * ("CLOUDWATCH", "SNS", "STS", "SSO"), in the SDKs' order:
 * AWS_ENDPOINT_URL_<id>, AWS_ENDPOINT_URL, the profile's `services` section
 * (key: `id` in lower case), the profile's `endpoint_url` — none of them when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
 * ignore_configured_endpoint_urls) is true. *out is NULL when nothing is
 * configured (the caller takes the service's default); `src` names where it
 * came from. The URL must be http(s) without user information or a query; a
 * trailing '/' is dropped.
 * @return 0; KPI_ECONFIG naming the setting; KPI_ENOMEM.
 */
int kpi__aws_endpoint_configured(char **out, char *src, size_t ssize, const kpi_config *cfg,
                                 const kpi__aws_files *f, const char *id, kpi_error *err);

/* A variable of `cfg`'s environment, NULL when unset or empty. */
const char *kpi__aws_env(const kpi_config *cfg, const char *name);

/* Whether a setting's text means true ("true", any case). */
bool kpi__aws_true(const char *v);

#endif
