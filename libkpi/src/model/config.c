#include "core/internal.h"
#include "core/redact.h"
#include <libpq-fe.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#ifndef KPI_DATADIR_INSTALL
#define KPI_DATADIR_INSTALL "/usr/local/share/kpi"
#endif

extern char **environ;

/* Copy the environment (the only place libkpi reads it). */
static int env_copy(kpi_config *cfg, const char *const *envp)
{
	size_t n = 0;
	while (envp && envp[n])
		n++;
	if (!(cfg->env = calloc(n + 1, sizeof(char *))))
		return KPI_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!strchr(envp[i], '='))
			continue;
		if (!(cfg->env[cfg->nenv] = strdup(envp[i])))
			return KPI_ENOMEM;
		cfg->nenv++;
	}
	return 0;
}

const char *kpi_config_env(const kpi_config *cfg, const char *name)
{
	size_t len = name ? strlen(name) : 0;
	for (size_t i = 0; cfg && len && i < cfg->nenv; i++)
		if (strncmp(cfg->env[i], name, len) == 0 && cfg->env[i][len] == '=')
			return cfg->env[i] + len + 1;
	return NULL;
}

/* A variable that is set and not empty. */
static const char *env_set(const kpi_config *cfg, const char *name)
{
	const char *v = kpi_config_env(cfg, name);
	return v && *v ? v : NULL;
}

int kpi_config_now(const kpi_config *cfg, int64_t *out, kpi_error *err)
{
	const char *v = env_set(cfg, "KPI_NOW");

	if (v) {
		if (kpi_time_parse(out, v, err))
			return kpi_error_wrap(err, "KPI_NOW");
		return 0;
	}
	*out = (int64_t)time(NULL);
	return 0;
}

/* The directory holding queries/ and templates/: $KPI_DATADIR (the user's
 * explicit choice wins over any guess), else the caller's (a program that
 * knows where it is installed, as the kpi command does from its executable),
 * else the one configured when libkpi was built. The library never looks at
 * /proc/self/exe itself: in a program linking libkpi that is the program's
 * path, and its ../share/kpi means nothing. */
static const char *datadir(const kpi_config *cfg, const char *given)
{
	const char *env = env_set(cfg, "KPI_DATADIR");

	if (env)
		return env;
	if (given && *given)
		return given;
	return KPI_DATADIR_INSTALL;
}

void kpi_config_free(kpi_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->timezone);
	free(cfg->conninfo);
	free(cfg->catalog_path);
	free(cfg->query_dir);
	free(cfg->template_dir);
	free(cfg->datadir);
	kpi__jsondoc_free((kpi__jsondoc *)cfg->doc);
	kpi__redact_unref(cfg->secrets);
	for (size_t i = 0; i < cfg->nenv; i++)
		free(cfg->env[i]);
	free(cfg->env);
	free(cfg);
}

static int set_str(char **dst, const char *v)
{
	char *n = strdup(v);
	if (!n)
		return KPI_ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

char *kpi__path_relative(const char *file, const char *p)
{
	char *dir, *slash, *res;
	if (p[0] == '/' || !file)
		return strdup(p);
	dir = strdup(file);
	if (!dir)
		return NULL;
	slash = strrchr(dir, '/');
	if (!slash) {
		free(dir);
		return strdup(p);
	}
	*slash = '\0';
	res = kpi__path_join(dir, p);
	free(dir);
	return res;
}

static int env_int(const kpi_config *cfg, const char *name, int lo, int hi, int *out, kpi_error *err)
{
	const char *v = env_set(cfg, name);
	char *end;
	long n;

	if (!v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return kpi_error_set(err, KPI_ECONFIG, "environment %s='%s': expected a whole number %d..%d",
		                     name, v, lo, hi);
	*out = (int)n;
	return 0;
}

/* database.max_lag's upper bound: a week, in seconds */
#define KPI__MAX_LAG_S 604800

#define CONNINFO_UNPARSABLE "conninfo cannot be parsed by libpq (check its key=value quoting or URI syntax)"

/* libpq's options of a conninfo, NULL when it does not parse; then `why`
 * holds libpq's reason when it cannot hold a secret, else "". Most of
 * libpq's messages quote a token or the whole string (a URI, password and
 * all; "missing \"=\" after" a password typed without its key): only those
 * quoting nothing, or quoting a key (an unknown option, an unknown URI
 * query parameter, whose value is not shown), are passed on. */
static PQconninfoOption *parse_conninfo(const char *conninfo, char *why, size_t size)
{
	static const char *const key_quoted[] = { "invalid connection option \"", "invalid URI query parameter: \"",
		                                  NULL };
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	bool safe = false;

	why[0] = '\0';
	if (!opts && perr) {
		size_t n = strcspn(perr, "\n");
		perr[n] = '\0';
		safe = !strchr(perr, '"');
		for (size_t i = 0; key_quoted[i] && !safe; i++)
			safe = strncmp(perr, key_quoted[i], strlen(key_quoted[i])) == 0 &&
			       !strchr(perr + strlen(key_quoted[i]), '=') &&
			       strchr(perr + strlen(key_quoted[i]), '"') == perr + n - 1;
		if (safe && n)
			snprintf(why, size, ": %s", perr);
	}
	PQfreemem(perr);
	return opts;
}

static int check_conninfo(const kpi__jsondoc *doc, const json_t *v, kpi_error *err)
{
	char why[256];
	PQconninfoOption *opts = parse_conninfo(json_string_value(v), why, sizeof(why));
	int rc = 0;

	if (!opts)
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "%s%s", CONNINFO_UNPARSABLE, why);
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			rc = kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                        "conninfo holds a password: secrets belong in PGPASSWORD or "
			                        "~/.pgpass, never in the config file");
	PQconninfoFree(opts);
	return rc;
}

int kpi_config_set_conninfo(kpi_config *cfg, const char *conninfo, const char *what, kpi_error *err)
{
	char why[256];
	PQconninfoOption *opts = parse_conninfo(conninfo, why, sizeof(why));
	int rc = 0;
	if (!opts)
		return kpi_error_set(err, KPI_ECONFIG, "%s: %s%s", what, CONNINFO_UNPARSABLE, why);
	/* a --db may hold a password: redacted from every output */
	for (PQconninfoOption *o = opts; o->keyword && !rc; o++)
		if (strcmp(o->keyword, "password") == 0)
			rc = kpi__redact_add(cfg->secrets, o->val);
	PQconninfoFree(opts);
	if (rc)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (set_str(&cfg->conninfo, conninfo))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

/* The config file's own top-level keys; any other is a source's section. */
static const char *const top[] = { "timezone", "active_days", "database", "catalog", "queries",
	                           "templates", "kpis", "alert", "pack", "publish",
	                           "delivery", /* deliver/deliver_config.c */
	                           "waivers" /* model/waivers.c */, NULL };

int kpi__config_number(const kpi_config *cfg, const char *section, const char *key, const char *env, double lo,
                       double hi, const char *what, double *out, kpi_error *err)
{
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	const json_t *o = doc && section ? json_object_get(doc->root, section) : NULL;
	const json_t *v = json_is_object(o) && key ? json_object_get(o, key) : NULL;
	const char *e = env_set(cfg, env);

	if (v) {
		if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "%s.%s must be a number%s%s, %g..%g", section, key,
			                          what ? " of " : "", what ? what : "", lo, hi);
		*out = json_number_value(v);
	}
	if (e) {
		char *end;
		double d;
		errno = 0;
		d = strtod(e, &end);
		if (errno || *end || !(d >= lo && d <= hi))
			return kpi_error_set(err, KPI_ECONFIG, "environment %s='%s': expected %s, %g..%g", env, e,
			                     what ? what : "a number", lo, hi);
		*out = d;
	}
	return 0;
}

bool kpi__config_own_key(const char *key)
{
	for (size_t i = 0; top[i]; i++)
		if (strcmp(top[i], key) == 0)
			return true;
	return false;
}

static int load_file(kpi_config *cfg, const char *path, kpi_error *err)
{
	static const char *const dbkeys[] = { "conninfo", "statement_timeout_ms", "connections", "max_lag", NULL };
	kpi__jsondoc *doc = NULL;
	json_t *root, *v, *db;
	int rc;

	if ((rc = kpi__jsondoc_load(&doc, path, err)))
		return kpi__config_file_error(rc, "config", err);
	cfg->doc = doc;
	root = doc->root;
	if (!json_is_object(root))
		return kpi__jsondoc_error(doc, root, err, KPI_ECONFIG, "the config must be a JSON object");
	{
		/* Another key is a source's section: an object, which
		 * kpi_sources_check() checks against the registered sources. */
		const char *key;
		json_object_foreach(root, key, v) {
			if (!json_is_object(v) && !kpi__config_own_key(key))
				return kpi__jsondoc_error(doc, json_is_boolean(v) || json_is_null(v) ? root : v, err,
				                          KPI_ECONFIG, "unknown key '%s' in config", key);
		}
	}
	if ((v = json_object_get(root, "timezone"))) {
		if (!json_is_string(v))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "timezone must be a string");
		if (kpi_tz_check(json_string_value(v), NULL /* the system tz database, which the weeks are computed from */, err))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "%s", err->message);
		set_str(&cfg->timezone, json_string_value(v));
	}
	if ((v = json_object_get(root, "active_days"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3660)
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "active_days must be a whole number of days, 1..3660");
		cfg->active_days = (int)json_integer_value(v);
	}
	if ((db = json_object_get(root, "database"))) {
		if (!json_is_object(db))
			return kpi__jsondoc_error(doc, db, err, KPI_ECONFIG, "database must be an object");
		if ((rc = kpi__json_check_keys(doc, db, dbkeys, "database", err)))
			return rc;
		if ((v = json_object_get(db, "conninfo"))) {
			if (!json_is_string(v))
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "conninfo must be a string");
			if ((rc = check_conninfo(doc, v, err)))
				return rc;
			set_str(&cfg->conninfo, json_string_value(v));
		}
		if ((v = json_object_get(db, "statement_timeout_ms"))) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 24 * 3600 * 1000)
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
				                          "statement_timeout_ms must be a whole number of milliseconds > 0");
			cfg->statement_timeout_ms = (int)json_integer_value(v);
		}
		if ((v = json_object_get(db, "connections"))) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > KPI_PG_MAX_CONNECTIONS)
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
				                          "connections must be a whole number, 1..%d",
				                          KPI_PG_MAX_CONNECTIONS);
			cfg->connections = (int)json_integer_value(v);
		}
		/* a hot standby's replay lag above it: its KPIs are missing data */
		if ((v = json_object_get(db, "max_lag"))) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > KPI__MAX_LAG_S)
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
				                          "max_lag must be a whole number of seconds, 0..%d (0: no limit)",
				                          KPI__MAX_LAG_S);
			cfg->max_lag = (int)json_integer_value(v);
		}
	}
	{
		const char *names[] = { "catalog", "queries", "templates" };
		char **dst[] = { &cfg->catalog_path, &cfg->query_dir, &cfg->template_dir };
		for (int i = 0; i < 3; i++) {
			if (!(v = json_object_get(root, names[i])))
				continue;
			if (!json_is_string(v))
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "%s must be a path", names[i]);
			free(*dst[i]);
			*dst[i] = kpi__path_relative(path, json_string_value(v));
		}
	}
	if ((v = json_object_get(root, "kpis")) && !json_is_object(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                          "kpis must be an object of {id: {threshold, gating, missing}}");
	return 0;
}

/* ---- secrets ---- */

/* The variables whose values are secrets (docs/configuration.md, .env.example). */
static const char *const secret_vars[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	                                   "PGPASSWORD", "KPI_PROM_BEARER_TOKEN", "KPI_PROM_PASSWORD", NULL };

/* A config key "K_env" names the variable that holds the secret K (the
 * alert sinks' url_env, routing_key_env, ...): its value, wherever it is. */
static int gather_env_keys(kpi__redact *r, const kpi_config *cfg, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	int rc = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) {
			size_t n = strlen(k);
			if (n > 4 && strcmp(k + n - 4, "_env") == 0 && json_is_string(x))
				rc = kpi__redact_add(r, env_set(cfg, json_string_value(x)));
			if (rc || (rc = gather_env_keys(r, cfg, x)))
				return rc;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if ((rc = gather_env_keys(r, cfg, x)))
				return rc;
	}
	return rc;
}

/* Every secret the configuration names, into cfg->secrets (core/redact.h). */
static int gather_secrets(kpi_config *cfg)
{
	const kpi__jsondoc *doc = cfg->doc;
	int rc = 0;
	for (size_t i = 0; secret_vars[i] && !rc; i++)
		rc = kpi__redact_add(cfg->secrets, env_set(cfg, secret_vars[i]));
	if (!rc)
		rc = kpi__redact_add_basic(cfg->secrets, env_set(cfg, "KPI_PROM_USERNAME"), env_set(cfg, "KPI_PROM_PASSWORD"));
	if (!rc && doc)
		rc = gather_env_keys(cfg->secrets, cfg, doc->root);
	return rc;
}

kpi__redact *kpi__config_redact(const kpi_config *cfg)
{
	return cfg ? cfg->secrets : NULL;
}

void kpi_config_redact_logs(const kpi_config *cfg)
{
	kpi__log_redact_set(cfg ? cfg->secrets : NULL);
	kpi__log_level_force(cfg ? cfg->log_level : -1);
}

int kpi_config_load_opts(kpi_config **out, const kpi_config_opts *opts, kpi_error *err)
{
	kpi_config *cfg = calloc(1, sizeof(*cfg));
	const char *dd, *v, *path = opts ? opts->path : NULL;
	const char *const *envp = opts && opts->envp ? opts->envp : (const char *const *)environ;
	int rc = 0;

	*out = NULL;
	if (!cfg || !(cfg->secrets = kpi__redact_new()) || env_copy(cfg, envp) ||
	    !(cfg->datadir = strdup(datadir(cfg, opts ? opts->datadir : NULL)))) {
		kpi_config_free(cfg);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	dd = cfg->datadir;
	cfg->timezone = strdup("UTC");
	cfg->active_days = 90;
	cfg->statement_timeout_ms = 60000;
	cfg->connections = 2;
	cfg->max_lag = 300;
	cfg->log_level = -1;
	cfg->catalog_path = kpi__path_join(dd, "templates/catalog.json");
	cfg->query_dir = kpi__path_join(dd, "queries");
	cfg->template_dir = kpi__path_join(dd, "templates");
	if (!path || !*path)
		path = env_set(cfg, "KPI_CONFIG");
	if (path && *path) {
		cfg->path = strdup(path);
		if ((rc = load_file(cfg, path, err)))
			goto fail;
	}
	/* The environment wins over the file. */
	if ((v = env_set(cfg, "KPI_TIMEZONE"))) {
		if ((rc = kpi_tz_check(v, NULL /* the system tz database, which the weeks are computed from */, err))) {
			kpi_error_wrap(err, "environment KPI_TIMEZONE");
			goto fail;
		}
		set_str(&cfg->timezone, v);
	}
	if ((rc = env_int(cfg, "KPI_ACTIVE_DAYS", 1, 3660, &cfg->active_days, err)) ||
	    (rc = env_int(cfg, "KPI_STATEMENT_TIMEOUT_MS", 1, 24 * 3600 * 1000, &cfg->statement_timeout_ms, err)) ||
	    (rc = env_int(cfg, "KPI_DB_CONNECTIONS", 1, KPI_PG_MAX_CONNECTIONS, &cfg->connections, err)) ||
	    (rc = env_int(cfg, "KPI_DB_MAX_LAG", 0, KPI__MAX_LAG_S, &cfg->max_lag, err)))
		goto fail;
	if ((v = env_set(cfg, "KPI_LOG_LEVEL"))) {
		kpi_log_level lv;
		if (kpi_log_level_parse(&lv, v) || lv == KPI_LOG_OFF) {
			rc = kpi_error_set(err, KPI_ECONFIG, "environment KPI_LOG_LEVEL='%s': expected debug, info, warn or error",
			                   v);
			goto fail;
		}
		cfg->log_level = (int)lv;
	}
	if ((v = env_set(cfg, "KPI_CATALOG")))
		set_str(&cfg->catalog_path, v);
	if ((v = env_set(cfg, "KPI_QUERY_DIR")))
		set_str(&cfg->query_dir, v);
	if (gather_secrets(cfg)) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto fail;
	}
	*out = cfg;
	return 0;
fail:
	kpi_config_free(cfg);
	return rc;
}

int kpi_config_load_env(kpi_config **out, const char *path, const char *const *envp, kpi_error *err)
{
	static const char *const none[] = { NULL };
	kpi_config_opts o = KPI_CONFIG_OPTS_INIT;

	o.path = path;
	o.envp = envp ? envp : none;
	return kpi_config_load_opts(out, &o, err);
}

int kpi_config_load(kpi_config **out, const char *path, kpi_error *err)
{
	kpi_config_opts o = KPI_CONFIG_OPTS_INIT;

	o.path = path;
	return kpi_config_load_opts(out, &o, err);
}

void kpi_config_set_progress(kpi_config *cfg, kpi_progress_cb cb, void *payload)
{
	if (!cfg)
		return;
	cfg->progress = cb;
	cfg->progress_payload = payload;
}

/* The waivers, checked against the catalogue after the overrides (gating). */
static int check_waivers(const kpi_config *cfg, const kpi_catalog *cat, kpi_error *err)
{
	kpi_waiver *w;
	size_t n;
	int rc = kpi_config_waivers(&w, &n, cfg, cat, err);
	kpi_waivers_free(w, n);
	return rc;
}

int kpi_config_apply(const kpi_config *cfg, kpi_catalog *cat, kpi_error *err)
{
	static const char *const keys[] = { "variant", "threshold", "gating", "missing", NULL };
	const kpi__jsondoc *doc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	json_t *kpis, *o, *v;
	const char *id;
	int rc;

	if (!doc || !(kpis = json_object_get(doc->root, "kpis")))
		return check_waivers(cfg, cat, err);
	json_object_foreach(kpis, id, o) {
		kpi_def *d = (kpi_def *)kpi_catalog_find(cat, id);
		if (!d)
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
			                          "unknown KPI '%s' (see kpi list)", id);
		if (!json_is_object(o))
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "override of '%s' must be an object", id);
		if ((rc = kpi__json_check_keys(doc, o, keys, "KPI override", err)))
			return rc;
		/* the variant first: the overrides below apply to it */
		if ((v = json_object_get(o, "variant"))) {
			if (!json_is_string(v))
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "variant of '%s' must be a variant's name", id);
			if ((rc = kpi__catalog_select_variant(cat, d, json_string_value(v), err)))
				return kpi__jsondoc_error(doc, v, err, rc, "%s", err->message);
		}
		if ((v = json_object_get(o, "threshold")) &&
		    (rc = kpi__parse_threshold(doc, v, &d->threshold, err)))
			return rc;
		if ((v = json_object_get(o, "gating"))) {
			if (!json_is_boolean(v))
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "gating of '%s' must be true or false", id);
			d->gating = json_is_true(v);
		}
		if ((v = json_object_get(o, "missing")) && (rc = kpi__parse_missing(doc, v, &d->missing, err)))
			return rc;
		if (d->gating && d->threshold.op == KPI_OP_NONE)
			return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
			                          "KPI '%s' is gating but has no threshold", id);
	}
	return check_waivers(cfg, cat, err);
}
