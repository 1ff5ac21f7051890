/*
 * Helpers of the CloudWatch integration tests: the AWS environment pointed
 * at a loopback endpoint (moto_server started by scripts/test, or the
 * responder), seeding with PutMetricData, reading back with GetMetricData
 * (the library's own client), and a catalogue of just the CloudWatch KPIs.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>.
 */
#ifndef KPI_IT_CW_H
#define KPI_IT_CW_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <string.h>
#include "asserts.h"
#include "net/aws.h"

/* The key pair every test signs with (moto accepts any until auth is on). */
#define IT_AWS_KEY "KPITESTCWKEYID000001"
#define IT_AWS_SECRET "kpi-it-secret-never-printed"

/* Clear the KPI_* and AWS_* variables a developer may have set, so the
 * defaults apply (and remove temp files at exit). */
void it_cw_clean_env(void);

/* True when KPI_TEST_MOTO_URL is set (scripts/test); else prints why and
 * the caller returns IT_SKIP. Clears KPI_* and AWS_* variables. */
bool it_moto_wanted(const char *suite);

/* Point the AWS environment at `url` with the test key pair, region
 * us-east-1, HOME in a temp dir (no ~/.aws of the developer). */
void it_aws_env(const char *url);

/* PutMetricData of n datapoints of one metric with one dimension; fails the
 * test on error. */
void it_cw_put(const char *ns, const char *metric, const char *dim, const char *value, const int64_t *ts,
               const double *v, size_t n);

/* The same with any dimensions: `dims` is name, value, name, value, ...,
 * NULL (no pair: no dimension). */
void it_cw_put_dims(const char *ns, const char *metric, const char *const *dims, const int64_t *ts, const double *v,
                    size_t n);

/* One datapoint per minute m in [m0, m1) after t of an ALB's RequestCount
 * `req` and, when `err5xx` > 0, HTTPCode_Target_5XX_Count (ALB reports a
 * count only when it is not zero). */
void it_cw_put_alb_minutes(const char *lb, int64_t t, int m0, int m1, double req, double err5xx);

/* GetMetricData of one metric over [t0, t1) at `period`: values[i] /
 * present[i] for period i (arrays of (t1-t0)/period, caller frees). */
void it_cw_get(const char *ns, const char *metric, const char *dim, const char *value, const char *stat,
               int64_t t0, int64_t t1, int period, double **values, bool **present);

/* Path of a catalogue holding only the CloudWatch KPIs of the shipped one,
 * less the ids in the NULL-terminated `without` (may be NULL) (caller
 * frees; removed by it_tmp_cleanup). */
char *it_cw_catalog(const char *const *without);

/* The same for the KPIs of source `source` ("slo"). */
char *it_source_catalog(const char *source, const char *const *without);

/* The text of the first <tag>...</tag> of an XML answer into dst; fails the
 * test when absent. */
void it_xml_field(char *dst, size_t n, const char *xml, const char *tag);

/* Make an IAM user allowed everything in moto and return its access key
 * (for tests with moto's signature checks on: /moto-api/reset-auth "0"). */
void it_moto_iam_key(char *id, size_t idn, char *secret, size_t sn);

/* POST a body to a moto-api path ("/moto-api/reset-auth"). */
void it_moto_api(const char *url, const char *path, const char *body);

/* kpi__aws_resolve with the process environment as it is now (through a
 * config loaded from it: the library reads no environment of its own). */
int aws_resolve_env(kpi__aws *a, const kpi__aws_service *svc, const char *fallback, kpi_error *err);

#endif
