/**
 * @file kpi/config.h
 * @brief The JSON configuration file and the environment.
 *
 * Precedence (highest first): command-line flags, environment variables
 * (KPI_*, PG*), the config file (--config or KPI_CONFIG), built-in defaults.
 * Secrets are never read from the config file: passwords come from PGPASSWORD
 * or ~/.pgpass, as libpq does.
 *
 * The environment is read in one place: kpi_config_load() takes a copy of it,
 * and every module of libkpi asks that copy (kpi_config_env()) for the
 * variables it documents, applying the precedence above. Nothing in libkpi
 * reads or changes the process environment afterwards (libpq reads its own
 * PG* variables when it connects).
 */
#ifndef KPI_CONFIG_H
#define KPI_CONFIG_H

#include "common.h"
#include "catalog.h"
#include "progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The effective configuration. */
typedef struct kpi_config {
	char *path;                 /**< config file, or NULL when none */
	char *timezone;             /**< IANA zone, default "UTC" */
	int active_days;            /**< legacy cohort activity window, default 90 */
	char *conninfo;             /**< libpq connection string, NULL = PG* environment */
	int statement_timeout_ms;   /**< default 60000 */
	int connections;            /**< connections a multi-KPI run may use at once
	                                 (all in one exported snapshot), default 2 */
	char *catalog_path;         /**< catalogue file */
	char *query_dir;            /**< directory of the query files */
	char *template_dir;         /**< directory of templates */
	void *doc;                  /**< the parsed file with value positions (library modules only) */
	char **env;                 /**< the environment when loaded, "NAME=value" (kpi_config_env()) */
	size_t nenv;
	char *datadir;              /**< the directory the catalogue, queries and templates
	                                 defaults come from (kpi_config_load_opts()) */
	kpi_progress_cb progress;   /**< kpi_config_set_progress(); NULL: no reports */
	void *progress_payload;
	void *secrets;              /**< every secret the run knows, which outputs are redacted of
	                                 (library modules only; see kpi_config_redact_logs()) */
	int max_lag;                /**< database.max_lag: seconds a hot standby may lag behind its
	                                 primary before its KPIs are missing data; 0 none, default 300 */
	int log_level;              /**< $KPI_LOG_LEVEL as a kpi_log_level (the lowest level logged
	                                 once kpi_config_redact_logs() ran); -1: the command's (info) */
} kpi_config;

/** How to load a configuration (kpi_config_load_opts()). */
typedef struct kpi_config_opts {
	/** the config file; NULL: $KPI_CONFIG if set, else no file */
	const char *path;
	/** "NAME=value" strings, NULL-terminated; NULL: the process's environment */
	const char *const *envp;
	/**
	 * The caller's data directory (holding templates/catalog.json and
	 * queries/), e.g. the one installed beside its executable; used when
	 * KPI_DATADIR is not set. NULL: the directory configured when libkpi was
	 * built (CMAKE_INSTALL_PREFIX/share/kpi). The library never guesses from
	 * the process's executable itself: it may be another program's.
	 */
	const char *datadir;
} kpi_config_opts;

#define KPI_CONFIG_OPTS_INIT { NULL, NULL, NULL }

/**
 * Load the configuration: defaults, then `path` (NULL: $KPI_CONFIG if set,
 * else no file), then the environment (KPI_TIMEZONE, KPI_ACTIVE_DAYS,
 * KPI_DATADIR, KPI_CATALOG, KPI_QUERY_DIR, KPI_STATEMENT_TIMEOUT_MS,
 * KPI_DB_CONNECTIONS).
 * @param[out] out the configuration; the caller frees it with kpi_config_free().
 * @return 0; KPI_ECONFIG when the file is missing or unreadable ("config:
 *         cannot open 'FILE': ...") and with "file:line:col: what is wrong"
 *         for a syntax or semantic error.
 */
KPI_EXTERN int kpi_config_load(kpi_config **out, const char *path, kpi_error *err);

/**
 * Load the configuration as kpi_config_load() does, with the options of
 * `opts` (NULL: as kpi_config_load(NULL)). The data directory is, first to
 * last: $KPI_DATADIR (what the user said wins), `opts->datadir`, the
 * configure-time install directory; KPI_CATALOG, KPI_QUERY_DIR and the
 * config file's `catalog`, `queries`, `templates` override its parts.
 * @param[out] out the configuration; the caller frees it with kpi_config_free().
 * @return as kpi_config_load().
 */
KPI_EXTERN int kpi_config_load_opts(kpi_config **out, const kpi_config_opts *opts, kpi_error *err);

/**
 * Report the progress of the runs made with `cfg` (kpi_collect(),
 * kpi_snapshot_collect(), kpi_pack_write(), kpi_alert_run()) to `cb`
 * (kpi/progress.h); NULL turns reports off.
 */
KPI_EXTERN void kpi_config_set_progress(kpi_config *cfg, kpi_progress_cb cb, void *payload);

/**
 * kpi_config_load() with the environment `envp` ("NAME=value" strings, NULL
 * terminated; NULL for an empty one) instead of the process's: for programs
 * that run kpi for others, and for tests.
 */
KPI_EXTERN int kpi_config_load_env(kpi_config **out, const char *path, const char *const *envp,
                                   kpi_error *err);

/** The value of environment variable `name` as it was when `cfg` was loaded;
 *  NULL when it was unset (an empty value is returned as ""). */
KPI_EXTERN const char *kpi_config_env(const kpi_config *cfg, const char *name);

/**
 * The current instant (UTC seconds): `$KPI_NOW` as it was when the config
 * was loaded (ISO 8601, as kpi_time_parse() reads it), for replays and
 * deterministic tests, else the system clock.
 * @return 0, or KPI_EUSAGE naming KPI_NOW when it is malformed.
 */
KPI_EXTERN int kpi_config_now(const kpi_config *cfg, int64_t *out, kpi_error *err);

/**
 * Use `conninfo` (a libpq connection string, e.g. from `--db`) instead of
 * the configured one, after checking that libpq can parse it.
 * @param what names its origin in the message ("--db").
 * @return 0; KPI_ECONFIG "WHAT: conninfo cannot be parsed by libpq ..."
 *         when it does not parse (the string itself, which may hold a
 *         password, is never quoted); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_config_set_conninfo(kpi_config *cfg, const char *conninfo, const char *what, kpi_error *err);

/**
 * Apply the file's per-KPI overrides ("kpis": {id: {threshold, gating,
 * missing}}) to `cat`. Unknown KPI ids are an error with their position.
 */
KPI_EXTERN int kpi_config_apply(const kpi_config *cfg, kpi_catalog *cat, kpi_error *err);

/**
 * From now on, redact the secrets `cfg` knows from every log line and from
 * what kpi_log_redact() is given: each secret variable's value (AWS keys and
 * session token, PGPASSWORD, a `--db` conninfo's password, the Prometheus
 * credentials, the variables the config file's `*_env` keys name) and its
 * meaningful parts (the path segments, query values and userinfo of a
 * secret URL, base64 of basic credentials), and secrets the run resolves
 * later (credentials from AWS files, the password libpq found). The log
 * keeps the set after `cfg` is freed; NULL lets it go (nothing is redacted
 * then). Call it from one thread, before others log.
 */
KPI_EXTERN void kpi_config_redact_logs(const kpi_config *cfg);

/** Free a configuration. Accepts NULL. */
KPI_EXTERN void kpi_config_free(kpi_config *cfg);

#ifdef __cplusplus
}
#endif
#endif
