/*
 * Integration: routing_mismatch_critical and routing_mismatch_rate.
 *
 * docs/kpis.md: critical = decisions with decided_at in W where provider_metadata
 * <> route_outcome, except legacy -> owned when design_migrated (servable);
 * threshold = 0; a count, 0 when none. rate = all mismatches (servable ones
 * included) / decisions x 100 by decided_by; null + no_data for a layer
 * without decisions.
 *
 * Window W10..W12 of 2026 (UTC): W10 [03-02, 03-09), W11 [03-09, 03-16),
 * W12 [03-16, 03-23).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define DONE "2026-05-01T00:00:00Z"

static const char *const routing_sql =
	"INSERT INTO designs (id, tenant_id, style_id, user_id, environment, provider, created_at)\n"
	"VALUES (1, 't1', 's1', 'u1', 'prod', 'legacy', '2026-01-05T00:00:00Z');\n"
	"INSERT INTO routing_decisions (id, decided_at, design_id, environment, tenant_id, style_id, user_id,\n"
	"                               decided_by, provider_metadata, route_outcome, design_migrated) VALUES\n"
	/* W10 */
	" (1, '2026-03-03T10:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'environment', 'legacy', 'legacy', false),\n" /* match */
	" (2, '2026-03-03T11:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'environment', 'legacy', 'owned', true),\n"   /* servable */
	" (3, '2026-03-04T10:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'environment', 'legacy', 'owned', false),\n"  /* critical */
	" (4, '2026-03-05T10:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'tenant', 'owned', 'legacy', false),\n"       /* critical */
	" (5, '2026-03-05T11:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'tenant', 'owned', 'legacy', true),\n"        /* critical: only legacy->owned is servable */
	" (6, '2026-03-06T10:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'user', 'owned', 'owned', false),\n"          /* match */
	" (7, '2026-03-02T00:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'user', 'legacy', 'owned', false),\n"         /* critical, W10's first instant */
	" (8, '2026-03-08T23:59:59.999999Z', 1, 'prod', 't1', 's1', 'u1', 'style', 'owned', 'owned', false),\n" /* match, W10's last microsecond */
	/* W11 */
	" (9, '2026-03-09T00:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'default', 'legacy', 'owned', false),\n"      /* critical, Monday 00:00 */
	" (10, '2026-03-12T10:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'style', 'legacy', 'owned', true),\n"       /* servable */
	/* W12: none. Outside the window: W09 (1 s before) and W13 (Monday 00:00) */
	" (11, '2026-03-01T23:59:59Z', 1, 'prod', 't1', 's1', 'u1', 'environment', 'owned', 'legacy', false),\n"
	" (12, '2026-03-23T00:00:00Z', 1, 'prod', 't1', 's1', 'u1', 'tenant', 'legacy', 'owned', false);\n";

/* critical: W10 = #3, #4, #5, #7 = 4 (breach); W11 = #9 = 1 (breach); W12 = 0 (ok).
 * No numerator/denominator for a count. */
static void test_routing_mismatch_critical(void **state)
{
	(void)state;
	it_db *db = it_db_create("routing_mismatch_critical");
	it_db_exec(db, routing_sql);
	static const it_row exp[] = {
		{ 0, "", 4, NULLV, NULLV, "breach" },
		{ 1, "", 1, NULLV, NULLV, "breach" },
		{ 2, "", 0, NULLV, NULLV, "ok" },
	};
	it_check_kpi(db, "routing_mismatch_critical", "2026-W12", 3, DONE, NULL, exp, N(exp));
	it_db_drop(db);
}

/* rate (all mismatches / decisions, by decided_by; informational -> ok with a value):
 *   W10 environment #1, #2, #3: mismatches #2 (servable), #3 -> 2/3 = 66.67 %
 *       tenant #4, #5 -> 2/2 = 100 %;  style #8 -> 0/1 = 0 %;  user #6, #7 -> 1/2 = 50 %
 *       default: none -> null, no_data
 *   W11 style #10 -> 1/1 = 100 %;  default #9 -> 1/1 = 100 %;  others none
 *   W12 none at all: every layer null, 0/0, no_data */
static void test_routing_mismatch_rate(void **state)
{
	(void)state;
	it_db *db = it_db_create("routing_mismatch_rate");
	it_db_exec(db, routing_sql);
	static const it_row exp[] = {
		{ 0, "decided_by=environment", 100.0 * 2 / 3, 2, 3, "ok" },
		{ 0, "decided_by=tenant", 100, 2, 2, "ok" },
		{ 0, "decided_by=style", 0, 0, 1, "ok" },
		{ 0, "decided_by=user", 50, 1, 2, "ok" },
		{ 0, "decided_by=default", NULLV, 0, 0, "no_data" },
		{ 1, "decided_by=environment", NULLV, 0, 0, "no_data" },
		{ 1, "decided_by=tenant", NULLV, 0, 0, "no_data" },
		{ 1, "decided_by=style", 100, 1, 1, "ok" },
		{ 1, "decided_by=user", NULLV, 0, 0, "no_data" },
		{ 1, "decided_by=default", 100, 1, 1, "ok" },
		{ 2, "decided_by=environment", NULLV, 0, 0, "no_data" },
		{ 2, "decided_by=tenant", NULLV, 0, 0, "no_data" },
		{ 2, "decided_by=style", NULLV, 0, 0, "no_data" },
		{ 2, "decided_by=user", NULLV, 0, 0, "no_data" },
		{ 2, "decided_by=default", NULLV, 0, 0, "no_data" },
	};
	it_check_kpi(db, "routing_mismatch_rate", "2026-W12", 3, DONE, NULL, exp, N(exp));
	it_db_drop(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing_mismatch_critical),
		cmocka_unit_test(test_routing_mismatch_rate),
	};
	if (!it_pg_wanted("integration_routing"))
		return IT_SKIP;
	return cmocka_run_group_tests_name("integration_routing", tests, NULL, NULL);
}
