/* What a source is: an operations table (in the manner of curl's struct
 * Curl_ssl or libgit2's transports), and the run that holds the sessions of
 * the sources one collection uses. Private to libkpi; the public face is
 * kpi/source.h.
 *
 * A source lives in its own folder under sources/ and is registered by one
 * line in sources/registry.h. Nothing outside sources/ knows what kinds of
 * source there are: collect, alert, explain, list, the snapshot and the
 * renderers ask a source by its name (docs/architecture.md, "Add a source"). */
#ifndef KPI_SOURCES_SOURCE_H
#define KPI_SOURCES_SOURCE_H

#include "core/internal.h"
#include "core/progress.h"

/* A source waits for an answer at most its statement limit (the
 * configuration's statement_timeout) plus this margin, the time the answer
 * of a query the server cut short needs to come back (docs/configuration.md,
 * "Deadlines"); kpi alert's run deadline leaves room for one such wait. */
#define KPI__SOURCE_WAIT_MARGIN_S 5.0

/* One KPI of a run and the periods to fill: `out` gets one row per period
 * of `w` and label set (statuses not set), and the SHA-256 of what was run. */
typedef struct kpi__fetch {
	const kpi_def *def;
	const kpi_window *w;
	kpi_series *out;
	kpi__progress *progress; /* kpi__progress_kpi() when this one is read (or NULL) */
	/* A source computed from another's per-period datapoints (its counts(),
	 * the SLO source) reads them through this, in the run's session of that
	 * source; `def` is what counts() gave. Set by kpi__collect(). */
	int (*datapoints)(void *ctx, const kpi_def *def, int64_t from, int64_t to, int period,
	                  kpi_datapoint_set **out, kpi_error *err);
	void *ctx;
} kpi__fetch;

typedef struct kpi__source {
	const char *name;    /* the catalogue's "source": "postgres" */
	const char *title;   /* for people: "PostgreSQL" */
	/* Alerting on this source's KPIs needs an alarm rule (M of N
	 * datapoints): it cannot read an arbitrary trailing window. */
	bool alarm_only;
	/* Check the source's settings (its section of the config file, its
	 * environment variables) when a run is configured; errors name
	 * file:line:col. May be NULL. */
	int (*check)(const kpi_config *cfg, kpi_error *err);
	/* Whether the configuration says enough to read `def`; when it does not,
	 * `*hint` (when not NULL) gets what would (a static string). NULL: always. */
	bool (*configured)(const kpi_config *cfg, const kpi_def *def, const char **hint);
	/* Open a session for a run of `nkpis` KPIs (connections, credentials,
	 * settings). The session is closed with close(). */
	int (*open)(void **session, const kpi_config *cfg, const kpi_catalog *cat, size_t nkpis, kpi_error *err);
	/* Fill `n` series. On failure every one is left empty (released) and
	 * `err` names the first KPI, in `reqs` order, that failed. */
	int (*fetch)(void *session, kpi__fetch *reqs, size_t n, kpi_error *err);
	/* Per-period datapoints of a KPI's label sets (alarm rules). May be NULL. */
	int (*datapoints)(void *session, const kpi_def *def, int64_t from, int64_t to, int period,
	                  kpi_datapoint_set **out, kpi_error *err);
	/* Append to `out` what the source would run for `def` over `w`: the query
	 * text or the requests, their SHA-256, parameters and endpoint. Reads and
	 * sends nothing; never a secret. */
	int (*explain)(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
	               const kpi_window *w, kpi_error *err);
	/* Run what explain() prints under the server's own profiler and append
	 * where the time and the reads went (kpi explain --analyze). May be
	 * NULL: the source cannot. */
	int (*analyze)(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
	               const kpi_window *w, kpi_error *err);
	/* The session's provenance for the snapshot, secret-free ("host=... port=...",
	 * "us-east-1 https://monitoring..."); caller frees. */
	int (*where)(void *session, char **out, kpi_error *err);
	void (*close)(void *session);
	/* Wait for nothing past `deadline` (kpi__mono_now() seconds) from now
	 * on in this session: the run's own deadline (kpi alert). May be NULL:
	 * the source's own deadlines bound its waits. */
	void (*deadline)(void *session, double deadline);
	/* A source computed from another source's per-period datapoints (the
	 * SLO source): fill `*out` with the KPI `def` reads there (its source,
	 * query file and label names, into `labels`, room for def->nlabels), so
	 * whether `def` is configured is whether that one is. May be NULL. */
	int (*counts)(kpi_def *out, kpi_label_def *labels, const kpi_def *def, kpi_error *err);
	/* How fresh the session's data is (a hot standby's replay lag) and
	 * where its KPIs' block counts come from, for the snapshot's
	 * provenance: fills `*out` (its strings the caller's), or leaves
	 * out->source NULL when the source has nothing to say. May be NULL. */
	int (*freshness)(void *session, kpi_source_freshness *out, kpi_error *err);
} kpi__source;

/* Every registered source's table (sources/registry.h). */
#define KPI__SOURCE(name) extern const kpi__source kpi__source_##name;
#include "sources/registry.h"
#undef KPI__SOURCE

/* The registered sources, NULL-terminated, in registration order. */
const kpi__source *const *kpi__sources(void);

/* The source of that name; NULL when none is registered. */
const kpi__source *kpi__source_find(const char *name);

/* The source of a KPI, which kpi_sources_check() has made sure exists;
 * NULL for a catalogue that was not checked and names an unknown one. */
const kpi__source *kpi__source_of(const kpi_def *def);

/* A collection run: the configuration, the catalogue and a session per
 * source, opened when first needed and kept until kpi__run_close(), so
 * every query of a run (the snapshot's lists too) sees the same data. */
#define KPI__MAX_SOURCES 16
typedef struct kpi__run {
	const kpi_config *cfg;
	const kpi_catalog *cat;
	void *session[KPI__MAX_SOURCES];
	bool open[KPI__MAX_SOURCES];
	double deadline;  /* kpi__mono_now() seconds the sessions wait past at most (their deadline()); 0 none */
	kpi__progress progress;  /* reports to cfg's progress callback */
} kpi__run;

void kpi__run_init(kpi__run *run, const kpi_config *cfg, const kpi_catalog *cat);

/* The run's session of `src` (opened for `nkpis` KPIs when it is not yet). */
int kpi__run_session(void **out, kpi__run *run, const kpi__source *src, size_t nkpis, kpi_error *err);

/* Provenance of every source the run opened, in registration order: `kind`
 * is the source's name, `where` what its where() says. */
int kpi__run_sources(kpi_source_info **out, size_t *n, kpi__run *run, kpi_error *err);

/* Whether a source the run opened read data too old to use: a hot standby
 * lagging past database.max_lag (its freshness() says stale). Then *source
 * gets its name (static), `why` one sentence naming the source, the lag and
 * the limit, and 1 is returned; 0 when every source is fresh enough; <0 on
 * failure (err). */
int kpi__run_stale(kpi__run *run, const char **source, char *why, size_t size, kpi_error *err);

void kpi__run_close(kpi__run *run);

/* One KPI a collection reads: over the periods of `w` or, when `alarm` is
 * set, by its alarm rule over the last datapoints before `now`. */
typedef struct kpi__collect_req {
	const kpi_def *def;
	const kpi_window *w;            /* the periods (NULL for an alarm rule) */
	const kpi_alarm_rule *alarm;    /* NULL: the periods of `w` */
	int64_t now;                    /* alarm rules: evaluated as of this instant */
	/* alarm rules: a row's state before this evaluation (for "ignore");
	 * NULL: OK */
	kpi_alarm_state (*current)(void *ctx, const kpi_series *s, const kpi_row *row);
	void *ctx;
} kpi__collect_req;

/*
 * The one collection path of query, pack and alert: read every request's
 * KPI from its source (all KPIs of a source in one fetch; the sources
 * computed from another's datapoints, counts(), first, then the others,
 * each in registration order), evaluate the statuses (an alarm rule's state decides
 * its rows': ALARM breach, INSUFFICIENT_DATA no_data, OK ok or warn, never
 * ok on a partial answer), and return the series in request order. Any
 * failure fails the whole run; the error is that of the first failing
 * request as the sources report it.
 */
int kpi__collect(kpi_result **out, kpi__run *run, const kpi__collect_req *reqs, size_t n, kpi_error *err);

/* kpi__fetch's datapoints for a run (`ctx` the kpi__run): the per-period
 * datapoints of `def` from its source, in the run's session of it. */
int kpi__run_datapoints(void *ctx, const kpi_def *def, int64_t from, int64_t to, int period,
                        kpi_datapoint_set **out, kpi_error *err);

/* The KPIs of the whole catalogue that are part of runs: those whose source
 * is configured to read them (kpi_source_configured()). */
bool kpi__in_run(const kpi_def *def, const void *cfg);

/* Why a KPI is not part of a run: "CloudWatch not configured" (what the
 * verdicts and the snapshot's not_collected say). @return buf. */
char *kpi__unmeasured_why(char *buf, size_t size, const kpi_def *def);

#endif
