/* The ECS / EKS Pod Identity container credentials endpoint for the
 * credential chain: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on ECS's
 * 169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (only loopback and the
 * link-local agent addresses: 169.254.170.2, EKS Pod Identity's
 * 169.254.170.23 and fd00:ec2::23), with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 * (read at every call: EKS rotates it) or AWS_CONTAINER_AUTHORIZATION_TOKEN
 * as the Authorization header. Private to libkpi. */
#ifndef KPI_AWS_CONTAINER_H
#define KPI_AWS_CONTAINER_H

#include "net/aws_keys.h"

typedef struct kpi__aws_container {
	char *url;              /* the endpoint (never printed: a relative URI is a capability) */
	const char *var;        /* the variable that set it */
	char host[128];         /* for messages */
	char *token;            /* AWS_CONTAINER_AUTHORIZATION_TOKEN, NULL when unset */
	char *token_file;       /* AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, NULL when unset */
} kpi__aws_container;

/* The settings of `cfg`'s environment. @return 0; KPI_ENOTFOUND when
 * neither URI variable is set; KPI_ECONFIG for a URI that is malformed or
 * names another host (the message says which hosts are allowed); KPI_ENOMEM.
 * Release with kpi__aws_container_release(). */
int kpi__aws_container_settings(kpi__aws_container *out, const kpi_config *cfg, kpi_error *err);
void kpi__aws_container_release(kpi__aws_container *c);

/* Whether a host (as a URL spells it: IPv6 in brackets) may serve container
 * credentials over FULL_URI: loopback (127.0.0.0/8, ::1, localhost) or one of
 * the agent addresses. */
bool kpi__aws_container_host_allowed(const char *host);

/* GET the credentials (2 s a try, 3 tries). The authorization token is
 * added to `secrets`. @return 0; KPI_EAUTH (HTTP 401/403, or 4xx); KPI_ESOURCE,
 * KPI_ETIMEOUT (unreachable); KPI_EDATA (malformed answer); KPI_ECONFIG (the
 * token file cannot be read or holds a line break); KPI_ENOMEM. */
int kpi__aws_container_credentials(kpi__aws_keys *out, const kpi__aws_container *c, kpi__aws_secrets *secrets,
                                   kpi_error *err);

#endif
