/**
 * @file kpi/alarm.h
 * @brief Alarm rules like CloudWatch's: "ALARM when M of the last N
 *        datapoints breach", with a treat-missing-data policy. Pure
 *        functions: no I/O (the datapoints come from
 *        kpi_source_datapoints() in kpi/source.h).
 *
 * The semantics follow the CloudWatch User Guide ("Configuring how CloudWatch
 * alarms treat missing data", "How alarm state is evaluated when data is
 * missing"):
 *
 * - The caller passes the *evaluation range*: the last N periods and a few
 *   before them, oldest first (CloudWatch retrieves 5 datapoints for N = 3;
 *   kpi_alarm_range() says how many kpi uses).
 * - When the range holds at least N real datapoints, the N most recent real
 *   ones are evaluated and the policy is not needed.
 * - When it holds fewer, the missing ones are filled with the policy:
 *   `breaching` and `not_breaching` count them as such (as few as needed to
 *   make N); with `missing` and `ignore` only the real datapoints count: M
 *   of them breaching is ALARM, any non-breaching one makes it OK, and with
 *   only breaching ones (fewer than M) the state is INSUFFICIENT_DATA
 *   (`missing`) or the current state is kept (`ignore`) — except that with
 *   `missing` a breaching oldest datapoint of the range gives ALARM, as the
 *   guide's table shows ("X - - - -").
 * - No datapoint at all: `missing` → INSUFFICIENT_DATA, `ignore` → the
 *   current state, `breaching` → ALARM, `not_breaching` → OK.
 *
 * A datapoint breaches when it does not meet the rule's threshold (the
 * kpi_threshold says what is healthy: `<= 1` breaches above 1).
 */
#ifndef KPI_ALARM_H
#define KPI_ALARM_H

#include "common.h"
#include "catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An alarm's state (CloudWatch's three). */
typedef enum kpi_alarm_state {
	KPI_ALARM_OK = 0,
	KPI_ALARM_ALARM,
	KPI_ALARM_INSUFFICIENT_DATA
} kpi_alarm_state;

/** How missing datapoints are treated (CloudWatch's TreatMissingData). */
typedef enum kpi_treat_missing {
	KPI_TREAT_MISSING = 0,        /**< "missing" (CloudWatch's default) */
	KPI_TREAT_BREACHING,          /**< "breaching" */
	KPI_TREAT_NOT_BREACHING,      /**< "not_breaching" (also "notBreaching") */
	KPI_TREAT_IGNORE              /**< "ignore": keep the current state */
} kpi_treat_missing;

/** An M-of-N rule. */
typedef struct kpi_alarm_rule {
	kpi_threshold threshold;      /**< healthy when `value OP target`; op NONE never breaches */
	int datapoints_to_alarm;      /**< M, 1..N */
	int evaluation_periods;       /**< N, >= 1 */
	int period_seconds;           /**< length of one datapoint's period (60, 300, ...) */
	kpi_treat_missing treat_missing;
} kpi_alarm_rule;

/**
 * Evaluate a rule over an evaluation range.
 * @param values datapoint values, oldest first (ignored where !present)
 * @param present which periods have a datapoint
 * @param n length of the range (>= 0; may be shorter than N)
 * @param current the alarm's state before this evaluation (used by `ignore`)
 * @return the new state
 */
KPI_EXTERN kpi_alarm_state kpi_alarm_eval(const kpi_alarm_rule *rule, const double *values,
                                          const bool *present, size_t n, kpi_alarm_state current);

/** Whether one datapoint breaches the rule's threshold (NaN never does: it is
 *  no datapoint). */
KPI_EXTERN bool kpi_alarm_breaches(const kpi_alarm_rule *rule, double value);

/** How many periods kpi fetches for a rule's evaluation range: N + 2, at
 *  least 5 (CloudWatch fetches 5 for N = 3). */
KPI_EXTERN int kpi_alarm_range(const kpi_alarm_rule *rule);

/**
 * The alarm rule of a KPI from its catalogue entry: the `"alarm"` object of
 * its `"cloudwatch"` object, `{"period_seconds", "datapoints_to_alarm",
 * "evaluation_periods", "treat_missing_data", "threshold"}` (threshold
 * defaults to the KPI's own, treat_missing_data to "missing").
 * @param[out] out the rule
 * @return 0; KPI_ENOTFOUND when the KPI has no alarm rule; KPI_ECONFIG naming
 *         the KPI and the key when the rule is invalid.
 */
KPI_EXTERN int kpi_alarm_rule_of(kpi_alarm_rule *out, const kpi_def *def, kpi_error *err);

/** "OK", "ALARM", "INSUFFICIENT_DATA". */
KPI_EXTERN const char *kpi_alarm_state_name(kpi_alarm_state state);

/** "missing", "breaching", "not_breaching", "ignore". */
KPI_EXTERN const char *kpi_treat_missing_name(kpi_treat_missing t);

/** Parse a policy name (also CloudWatch's "notBreaching"). @return 0 or KPI_EUSAGE. */
KPI_EXTERN int kpi_treat_missing_parse(kpi_treat_missing *out, const char *name);

#ifdef __cplusplus
}
#endif
#endif
