/**
 * @file kpi/source.h
 * @brief Reading KPI data: the PostgreSQL source and the collection of a run.
 */
#ifndef KPI_SOURCE_H
#define KPI_SOURCE_H

#include "common.h"
#include "catalog.h"
#include "config.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An open PostgreSQL session: one read-only, repeatable-read transaction
 *  with statement_timeout, application_name=kpi and the configured zone. */
typedef struct kpi_pg kpi_pg;

/**
 * Connect using cfg->conninfo (NULL: the PG* environment) and open the
 * read-only transaction.
 * @param[out] out the session; close it with kpi_pg_close().
 * @return 0, KPI_EAUTH (wrong password), KPI_ESOURCE (unreachable, ...).
 */
KPI_EXTERN int kpi_pg_open(kpi_pg **out, const kpi_config *cfg, kpi_error *err);

/** End the transaction and disconnect. Accepts NULL. */
KPI_EXTERN void kpi_pg_close(kpi_pg *pg);

/** The text of a KPI's query file (caller frees). */
KPI_EXTERN int kpi_query_text(char **out, const kpi_config *cfg, const kpi_def *def, kpi_error *err);

/** The parameters a KPI query runs with, as text for `kpi explain`:
 *  `names[i]`/`values[i]` for $1..$n; n <= 8. */
typedef struct kpi_query_params {
	size_t n;
	const char *names[8];
	char values[8][64];
} kpi_query_params;

/** Fill the parameters of a query for a window. */
KPI_EXTERN void kpi_query_params_init(kpi_query_params *out, const kpi_config *cfg,
                                      const kpi_catalog *cat, const kpi_window *w);

/**
 * Run one Postgres KPI's query over the window and fill `out` (rows for every
 * week and known label value, statuses not yet set).
 * @return 0, KPI_ETIMEOUT, KPI_ESOURCE (connection lost...), KPI_ECONTRACT
 *         (wrong result columns), each message naming the KPI and query file.
 */
KPI_EXTERN int kpi_pg_fetch(kpi_pg *pg, const kpi_config *cfg, const kpi_catalog *cat,
                            const kpi_def *def, const kpi_window *w,
                            kpi_series *out, kpi_error *err);

/**
 * Read the given KPIs (all when `ids` is NULL) over the window from their
 * sources and evaluate statuses. Any source failure fails the whole run:
 * nothing partial is returned. Several Postgres KPIs run side by side on up
 * to cfg->connections connections that share the first one's exported
 * snapshot: the result, and on failure the error (the first failing KPI in
 * catalogue order), are those of a run on one connection.
 * @param[out] out the result; free with kpi_result_free().
 */
KPI_EXTERN int kpi_collect(kpi_result **out, const kpi_catalog *cat, const kpi_config *cfg,
                           const char *const *ids, size_t nids, const kpi_window *w,
                           kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
