/**
 * @file kpi/provenance.h
 * @brief What a run knows about how fresh and how costly its data was
 *        (snapshot.json format 4, "provenance"): per source, whether it
 *        read a hot standby and the primary time its data reflects (the
 *        replay lag), and per KPI the wall time of its query and, where the
 *        server tells, the shared blocks it hit and read.
 */
#ifndef KPI_PROVENANCE_H
#define KPI_PROVENANCE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How fresh one source's data was (docs/configuration.md, "Reading a hot
 *  standby"). */
typedef struct kpi_source_freshness {
	char *source;             /**< the source's name ("postgres") */
	bool standby;             /**< the run read a server in recovery (a hot standby) */
	bool has_primary_time;    /**< false: not a standby, or the standby could not say */
	int64_t primary_time;     /**< UTC seconds: the data holds everything the primary
	                               committed up to this instant */
	double lag_seconds;       /**< the server's clock at the read minus primary_time
	                               (valid when has_primary_time) */
	char *basis;              /**< how primary_time was found (NULL when not a standby):
	                               "caught up" or "last replayed transaction", or why
	                               the lag is unknown */
	int max_lag;              /**< database.max_lag at the read, seconds; 0 none */
	bool stale;               /**< lag above max_lag, or unknown with max_lag set: every
	                               KPI of the source is missing data in this run */
	int conflict_retries;     /**< reads cancelled by a recovery conflict and run again */
	char *blocks;             /**< where the KPIs' block counts come from
	                               ("pg_stat_statements"), or why there are none */
} kpi_source_freshness;

/** What one KPI's query cost in the run. */
typedef struct kpi_kpi_cost {
	char *kpi;                /**< KPI id */
	bool has_seconds;         /**< false: not queried (a stale standby) */
	double seconds;           /**< wall time from sending the query to its last row */
	bool has_blocks;          /**< the server told (pg_stat_statements, one call of it) */
	double shared_blks_hit;   /**< shared buffers found in PostgreSQL's cache */
	double shared_blks_read;  /**< shared buffers read from the OS or disk */
} kpi_kpi_cost;

/** The "provenance" of a format-4 snapshot. */
typedef struct kpi_provenance {
	kpi_source_freshness *sources; /**< one per source that reports it, registration order */
	size_t nsources;
	kpi_kpi_cost *costs;           /**< one per series the run read, in series order */
	size_t ncosts;
} kpi_provenance;

/** Free a provenance and everything it owns. Accepts NULL. */
KPI_EXTERN void kpi_provenance_free(kpi_provenance *p);

#ifdef __cplusplus
}
#endif
#endif
