/* The EC2 instance metadata service (IMDSv2) for the credential chain and
 * the region: a session token (PUT /latest/api/token with its TTL header),
 * then the instance profile's role name and credentials, or the region,
 * with the token in X-aws-ec2-metadata-token. IMDSv1 (no token) is never
 * used. Short timeouts, so a machine that is no EC2 instance falls through in
 * about a second. Private to libkpi. */
#ifndef KPI_AWS_IMDS_H
#define KPI_AWS_IMDS_H

#include "net/aws_config.h"
#include "net/aws_keys.h"

typedef struct kpi__aws_imds {
	bool disabled;          /* AWS_EC2_METADATA_DISABLED=true */
	char endpoint[256];     /* base URL, no trailing '/' */
	char endpoint_src[96];  /* where it came from: "the default", "AWS_EC2_METADATA_SERVICE_ENDPOINT" */
	long timeout_ms;        /* each request (AWS_METADATA_SERVICE_TIMEOUT seconds, default 1) */
	int attempts;           /* AWS_METADATA_SERVICE_NUM_ATTEMPTS, default 1 */
	bool down;              /* it did not answer once: not asked again by this resolution */
	char role[128];         /* the instance profile's role, once found */
} kpi__aws_imds;

/* The settings from the environment and the profile in use:
 * AWS_EC2_METADATA_DISABLED; AWS_EC2_METADATA_SERVICE_ENDPOINT (or the
 * profile's ec2_metadata_service_endpoint), else by
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE (ec2_metadata_service_endpoint_mode)
 * IPv4 http://169.254.169.254 or IPv6 http://[fd00:ec2::254];
 * AWS_METADATA_SERVICE_TIMEOUT (metadata_service_timeout), 1 s;
 * AWS_METADATA_SERVICE_NUM_ATTEMPTS (metadata_service_num_attempts), 1.
 * @return 0; KPI_ECONFIG naming the bad setting. */
int kpi__aws_imds_settings(kpi__aws_imds *out, const kpi_config *cfg, const kpi__aws_files *f, kpi_error *err);

/* The instance profile's credentials (s->role is set). The session token is
 * added to `secrets`. @return 0; KPI_ENOTFOUND when the service is
 * disabled, does not answer (s->down is set), gives no token, or the
 * instance has no role (the message says which: the chain falls through);
 * KPI_EAUTH (it answered with an error Code); KPI_EDATA (malformed answer);
 * KPI_ENOMEM. */
int kpi__aws_imds_credentials(kpi__aws_keys *out, kpi__aws_imds *s, kpi__aws_secrets *secrets, kpi_error *err);

/* The instance's region (/latest/meta-data/placement/region).
 * @return 0 with *out (caller frees); KPI_ENOTFOUND as above; KPI_EDATA. */
int kpi__aws_imds_region(char **out, kpi__aws_imds *s, kpi__aws_secrets *secrets, kpi_error *err);

#endif
