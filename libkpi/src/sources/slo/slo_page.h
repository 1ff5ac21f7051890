/* The pack's SLO page (kpi_slo_page, kpi/slo.h): computed from the counts
 * the SLO KPIs read, at kpi pack time, into snapshot.json's "slo". */
#ifndef KPI_SOURCES_SLO_PAGE_H
#define KPI_SOURCES_SLO_PAGE_H

#include "sources/source.h"

/* The page's key in snapshot.json (snapshot/snapshot_slo.c). */
#define KPI__SLO_SNAPSHOT_KEY "slo"

/* Allocate the series of `s` (labels for `nlabels`, NULL each; daily points
 * `ndays`, hourly KPI_SLO_PAGE_HOURS), every number NAN, nothing fired.
 * 0 or KPI_ENOMEM (what was allocated is freed with the page). */
int kpi__slo_service_init(kpi_slo_service *s, size_t nlabels, size_t ndays, kpi_error *err);

/* Free what kpi__slo_service_init() and the labels (`nlabels`) hold. */
void kpi__slo_service_release(kpi_slo_service *s, size_t nlabels);

/* kpi_slo_alerts(): the page's KPI_SLO_PAGE_ALERTS alerts. */
const kpi_slo_alert *kpi__slo_page_alerts(void);

/* The name of the long window of alert k of kpi_slo_alerts() ("1h", "6h",
 * "3d"): the hourly burn-rate series' names. */
const char *kpi__slo_alert_long_name(size_t k);

/* Fill the series and the as-of state of service `s` (initialised) of
 * objective `o` (objective, window, ndays, as_of_hour and as_of_5m set)
 * from its 5-minute datapoints (`fine`, NULL when none) and hourly ones
 * (`coarse`, NULL when none); windows they cannot make have no value. */
void kpi__slo_page_fill(kpi_slo_service *s, const kpi_slo_objective *o, const kpi_datapoints *fine,
                        const kpi_datapoints *coarse);

/* What the page needs of an SLO KPI's "slo" object (slo.c's spec). */
typedef struct kpi__slo_def {
	const char *target_kpi;   /* the KPI whose threshold is the objective (in def->raw) */
	double target;            /* percent */
	int64_t window;           /* the SLO window, seconds */
	kpi_def counts;           /* the counts' query as a KPI of the counts' source */
	kpi_label_def *labels;    /* counts.labels' storage: the caller frees it */
} kpi__slo_def;

/* Load `out` from `def` (an SLO KPI of `cat`). 0 or KPI_ECONFIG, KPI_ENOMEM;
 * out->labels is the caller's in every case. */
int kpi__slo_def_load(kpi__slo_def *out, const kpi_def *def, const kpi_catalog *cat, kpi_error *err);

/* The counts of `counts` in the `period`s of [from, to), read through the
 * SLO source's `session` (shared with the run's SLO KPIs, kept until the
 * session closes) from the run `q` gives. */
int kpi__slo_counts_read(const kpi_datapoint_set **out, void *session, const kpi__fetch *q, const kpi_def *counts,
                         int64_t from, int64_t to, int period, kpi_error *err);

/* Whether label values `a` and `b` (`nl` each) are the same. */
bool kpi__slo_same_labels(char *const *a, char *const *b, size_t nl);

/* The datapoints of label set `labels` (`nl` values) in `set` (may be
 * NULL), or NULL. */
const kpi_datapoints *kpi__slo_find_set(const kpi_datapoint_set *set, char *const *labels, size_t nl);

/* The SLO page of a run over window `w`: one objective per (target KPI,
 * counts source and query, SLO window) of the SLO KPIs of `cat` (the whole
 * catalogue: those the run left out are "not measured", with why), the
 * measured ones from the counts' per-period datapoints read through the
 * run (hourly over the SLO window plus its days, 5-minute over the last 7
 * days). `*out` NULL when `cat` has no SLO KPI; the caller frees it
 * (kpi_slo_page_free()). 0, or what the counts' source returns. */
int kpi__slo_page_collect(kpi_slo_page **out, kpi__run *run, const kpi_catalog *cat, const kpi_window *w,
                          kpi_error *err);

#endif
