/* AWS STS for the credential chain (net/aws_creds.h): AssumeRole, signed
 * with the source credentials, and AssumeRoleWithWebIdentity, unsigned, with
 * the token of a file (EKS IRSA, any OIDC provider). Query protocol: a form
 * POST, an XML answer parsed with libxml2. Private to libkpi. */
#ifndef KPI_AWS_STS_H
#define KPI_AWS_STS_H

#include "net/aws_keys.h"

/* One call's parameters. */
typedef struct kpi__aws_sts_req {
	const char *endpoint;      /* "https://sts.REGION.amazonaws.com" or a configured one, no trailing '/' */
	const char *region;        /* the SigV4 scope's */
	const char *role_arn;
	const char *session_name;
	const char *external_id;   /* AssumeRole only; NULL: none */
	int duration_s;            /* 0: STS's default (one hour) */
} kpi__aws_sts_req;

/* AssumeRole signed with `source` (SigV4 service "sts"). Transport faults,
 * 5xx and throttling are tried 3 times. @return 0 with `out` (released by
 * the caller); KPI_EAUTH (refused: HTTP 403, AccessDenied, an invalid
 * token...; the message names the call and endpoint and quotes STS's code
 * and message: the caller says which role);
 * KPI_ECONFIG (ValidationError: a duration the role does not allow...);
 * KPI_ESOURCE, KPI_ETIMEOUT (unreachable); KPI_EDATA (a malformed answer);
 * KPI_ENOMEM. */
int kpi__aws_sts_assume_role(kpi__aws_keys *out, const kpi__aws_sts_req *req, const kpi__aws_keys *source,
                             kpi_error *err);

/* AssumeRoleWithWebIdentity with the token read from `token_file` now (it
 * is rotated: read at every call; blanks around it dropped), which is added
 * to `secrets`. @return as kpi__aws_sts_assume_role(); KPI_ECONFIG when the
 * file cannot be read or is empty. */
int kpi__aws_sts_web_identity(kpi__aws_keys *out, const kpi__aws_sts_req *req, const char *token_file,
                              kpi__aws_secrets *secrets, kpi_error *err);

/* The credentials of an STS answer to `action` ("AssumeRole",
 * "AssumeRoleWithWebIdentity"): <ActionResponse><ActionResult><Credentials>
 * with AccessKeyId, SecretAccessKey, SessionToken, Expiration, whatever the
 * namespace. @return 0; KPI_EDATA (not XML, another element, a field
 * missing, an expiry that is no time); KPI_ENOMEM. */
int kpi__aws_sts_parse(kpi__aws_keys *out, const char *xml, size_t len, const char *action, int64_t now,
                       kpi_error *err);

/* Code and message of an STS error answer (<ErrorResponse><Error><Code>,
 * <Message>), empty when absent or not XML; one line each. */
void kpi__aws_sts_error(const char *xml, size_t len, char *code, size_t csize, char *msg, size_t msize);

#endif
