/* A profile's credential_process for the credential chain: the command line
 * split into words the way a POSIX shell splits them (quotes, backslashes;
 * no variables, pipes or globs), run without a shell, stdin from /dev/null,
 * its standard output read as the JSON contract of the AWS CLI
 * ({"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?,
 * "Expiration"?}), its standard error counted but never shown (it may hold
 * secrets), killed with its process group at the timeout. Private to libkpi. */
#ifndef KPI_AWS_PROCESS_H
#define KPI_AWS_PROCESS_H

#include "net/aws_keys.h"

/* Run `command` with the environment `envp` ("NAME=value", NULL-terminated)
 * for at most `timeout_s`. @return 0 with `out` (expires 0 when the answer
 * has no Expiration); KPI_ECONFIG (the command line cannot be split or the
 * program cannot be started); KPI_EAUTH (it exited non-zero or was killed:
 * the message gives the status and how many bytes it wrote to stderr);
 * KPI_ETIMEOUT; KPI_EDATA (its output breaks the contract); KPI_ENOMEM. */
int kpi__aws_process_credentials(kpi__aws_keys *out, const char *command, char *const *envp, double timeout_s,
                                 kpi_error *err);

/* The credentials of the program's output `json`. @return 0, KPI_EDATA
 * naming what breaks the contract (never a value), KPI_ENOMEM. */
int kpi__aws_process_parse(kpi__aws_keys *out, const char *json, int64_t now, kpi_error *err);

#endif
