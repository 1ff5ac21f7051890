/* Private pieces of publish/ shared between its files. Not installed. */
#ifndef KPI_PUBLISH_INTERNAL_H
#define KPI_PUBLISH_INTERNAL_H

#include "kpi/publish.h"

/* The CloudWatch namespace of a publication: opts, $KPI_PUBLISH_NAMESPACE,
 * the config's publish.namespace, else "KPI" (KPI_ECONFIG when invalid). */
int kpi__publish_namespace(const char **out, const kpi_config *cfg, const kpi_publish_opts *o, kpi_error *err);

#endif
