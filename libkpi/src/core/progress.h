/* A run's progress reports to the callback of kpi_config_set_progress()
 * (kpi/progress.h). A kpi__progress lives in the run (sources/source.h's
 * kpi__run) and is updated on the run's thread only: the PostgreSQL source
 * finishes its queries in one poll loop on that thread, so no lock is
 * needed; the callback is called with a copy of the state. */
#ifndef KPI_CORE_PROGRESS_H
#define KPI_CORE_PROGRESS_H

#include "kpi/config.h"
#include "kpi/progress.h"

typedef struct kpi__progress {
	kpi_progress_cb cb;     /* NULL: reports are off */
	void *payload;
	kpi_progress p;
	char phase[64];
} kpi__progress;

/* Reports to cfg's callback (none when it has none); nothing reported yet. */
void kpi__progress_init(kpi__progress *pr, const kpi_config *cfg);

/* A new phase ("reading " + `what`, or `what` alone when `prefix` is
 * NULL), on no connection until one is reported; `more` KPIs join the
 * total. NULL `pr` is a no-op. */
void kpi__progress_phase(kpi__progress *pr, const char *prefix, const char *what, size_t more);

/* One more KPI read, on `connections` connections. NULL `pr` is a no-op. */
void kpi__progress_kpi(kpi__progress *pr, int connections);

/* At least `done` KPIs read (a source that reports no single KPIs). */
void kpi__progress_settle(kpi__progress *pr, size_t done);

/* A phase outside a collection ("delivering"), reported through cfg. */
void kpi__progress_note(const kpi_config *cfg, const char *phase);

#endif
