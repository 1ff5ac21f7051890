/**
 * @file kpi/seed.h
 * @brief Loading the reference schema and the generated datasets.
 */
#ifndef KPI_SEED_H
#define KPI_SEED_H

#include "common.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Create the reference schema (queries/schema.sql, dropping existing tables
 * first when `reset`) and load a generated dataset into the database of
 * `cfg` (this connection is read-write, unlike every other one).
 * @param dataset "demo" (the rollout story), "scale" (sized by `scale`:
 *        `scale` x 1000 designs, 10 jobs and 20 events per design) or NULL
 *        (schema only).
 */
KPI_EXTERN int kpi_seed(const kpi_config *cfg, const char *dataset, long scale, bool reset,
                        kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
