/*
 * The PostgreSQL source: one read-only, repeatable-read transaction per run
 * (every KPI of a run sees the same snapshot), statement_timeout and the
 * configured time zone set as transaction-local settings, application_name
 * kpi. Queries get their window as parameters and return binary results,
 * whose column names and types are checked against the result contract
 * (SPEC §5) before a single number is used.
 */
#include "internal.h"
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type OIDs from pg_type.h (stable across PostgreSQL versions). */
#define OID_BOOL 16
#define OID_TEXT 25
#define OID_FLOAT8 701
#define OID_VARCHAR 1043
#define OID_TIMESTAMPTZ 1184
#define OID_JSONB 3802
#define OID_INT4 23

/* Seconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
#define PG_EPOCH_OFFSET 946684800LL

struct kpi_pg {
	PGconn *conn;
	char where[256]; /* "host=... port=... dbname=..." without secrets */
};

static void first_line(char *dst, size_t n, const char *msg)
{
	size_t i = 0;
	if (!msg)
		msg = "";
	/* libpq prefixes server messages with "ERROR:  " / "FATAL:  ". */
	if (strncmp(msg, "FATAL:  ", 8) == 0 || strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	while (msg[i] && msg[i] != '\n' && i + 1 < n) {
		dst[i] = msg[i];
		i++;
	}
	dst[i] = '\0';
}

const char *kpi__pg_where(const kpi_pg *pg)
{
	return pg->where;
}

void kpi_pg_close(kpi_pg *pg)
{
	if (!pg)
		return;
	if (pg->conn) {
		if (PQstatus(pg->conn) == CONNECTION_OK)
			PQclear(PQexec(pg->conn, "ROLLBACK"));
		PQfinish(pg->conn);
	}
	free(pg);
}

static int exec_ok(kpi_pg *pg, PGresult *r, const char *what, kpi_error *err)
{
	char msg[512];
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	first_line(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(pg->conn));
	PQclear(r);
	return kpi_error_set(err, KPI_ESOURCE, "PostgreSQL (%s): %s: %s", pg->where, what, msg);
}

int kpi__pg_connect(struct pg_conn **out_, char *where, size_t wsize, const kpi_config *cfg, kpi_error *err)
{
	/* connect_timeout comes before dbname so a conninfo can override it;
	 * application_name comes after so every session is labelled kpi. */
	const char *keys[4], *vals[4];
	int n = 0;
	char msg[512];
	PGconn *conn;
	PGconn **out = (PGconn **)out_;

	*out = NULL;
	keys[n] = "connect_timeout";
	vals[n++] = getenv("PGCONNECT_TIMEOUT") ? getenv("PGCONNECT_TIMEOUT") : "10";
	if (cfg->conninfo && *cfg->conninfo) {
		keys[n] = "dbname";
		vals[n++] = cfg->conninfo;
	}
	keys[n] = "application_name";
	vals[n++] = "kpi";
	keys[n] = NULL;
	vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (!conn)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory connecting to PostgreSQL");
	snprintf(where, wsize, "host=%s port=%s dbname=%s user=%s",
	         PQhost(conn) ? PQhost(conn) : "?", PQport(conn) ? PQport(conn) : "?",
	         PQdb(conn) ? PQdb(conn) : "?", PQuser(conn) ? PQuser(conn) : "?");
	if (PQstatus(conn) != CONNECTION_OK) {
		const char *m = PQerrorMessage(conn);
		int code = (strstr(m, "password authentication failed") || strstr(m, "no password supplied") ||
		            strstr(m, "authentication failed"))
		                   ? KPI_EAUTH
		                   : KPI_ESOURCE;
		/* libpq's message may span lines ("connection to server ... failed: ..."). */
		const char *p = strstr(m, "failed: ");
		first_line(msg, sizeof(msg), p ? p + 8 : m);
		kpi_error_set(err, code, "cannot connect to PostgreSQL (%s): %s", where, msg);
		PQfinish(conn);
		return code;
	}
	*out = conn;
	return 0;
}

int kpi_pg_open(kpi_pg **out, const kpi_config *cfg, kpi_error *err)
{
	int rc;
	char timeout[32];
	kpi_pg *pg = calloc(1, sizeof(*pg));
	const char *params[2];
	PGresult *r;

	*out = NULL;
	if (!pg)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__pg_connect((struct pg_conn **)&pg->conn, pg->where, sizeof(pg->where), cfg, err))) {
		free(pg);
		return rc;
	}
	if ((rc = exec_ok(pg, PQexec(pg->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
	                  "cannot start a read-only transaction", err)))
		goto fail;
	snprintf(timeout, sizeof(timeout), "%d", cfg->statement_timeout_ms);
	params[0] = timeout;
	params[1] = cfg->timezone;
	/* jit off: compiling these plans with LLVM costs 0.3-0.7 s per query
	 * and per parallel worker, more than it saves on their scans (see
	 * docs/performance.md). */
	r = PQexecParams(pg->conn,
	                 "SELECT set_config('statement_timeout', $1, true), "
	                 "set_config('TimeZone', $2, true), set_config('DateStyle', 'ISO', true), "
	                 "set_config('jit', 'off', true)",
	                 2, NULL, params, NULL, NULL, 0);
	if ((rc = exec_ok(pg, r, "cannot set statement_timeout and TimeZone", err)))
		goto fail;
	*out = pg;
	return 0;
fail:
	kpi_pg_close(pg);
	return rc;
}

int kpi_query_text(char **out, const kpi_config *cfg, const kpi_def *def, kpi_error *err)
{
	char *path = kpi__path_join(cfg->query_dir, def->query);
	int rc;
	if (!path)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	rc = kpi__read_file(out, NULL, path, err);
	if (rc)
		kpi_error_wrap(err, "KPI %s", def->id);
	free(path);
	return rc;
}

void kpi_query_params_init(kpi_query_params *out, const kpi_config *cfg, const kpi_catalog *cat,
                           const kpi_window *w)
{
	const kpi_def *cov = kpi_catalog_find(cat, "legacy_coverage_pct");
	double target = cov && cov->threshold.op != KPI_OP_NONE ? cov->threshold.target : 95.0;

	memset(out, 0, sizeof(*out));
	out->n = 4;
	out->names[0] = "from";
	kpi_time_format(out->values[0], sizeof(out->values[0]), w->from);
	out->names[1] = "to";
	kpi_time_format(out->values[1], sizeof(out->values[1]), w->as_of);
	out->names[2] = "active_days";
	snprintf(out->values[2], sizeof(out->values[2]), "%d", cfg->active_days);
	out->names[3] = "coverage_target";
	kpi_format_number(out->values[3], sizeof(out->values[3]), true, target);
}

/* ---- binary result decoding ---- */

static uint64_t be64(const char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | (unsigned char)p[i];
	return v;
}

static int get_float8(const PGresult *r, int row, int col, bool *has, double *v)
{
	uint64_t bits;
	if (PQgetisnull(r, row, col)) {
		*has = false;
		*v = 0;
		return 0;
	}
	if (PQgetlength(r, row, col) != 8)
		return -1;
	bits = be64(PQgetvalue(r, row, col));
	memcpy(v, &bits, sizeof(*v));
	*has = !isnan(*v);
	return 0;
}

/* Map a query offset (1-based character position) to line:col. */
static void offset_to_linecol(const char *text, long pos, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (long i = 0; text[i] && i < pos - 1; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

typedef struct colmap {
	int period_start, value, numerator, denominator, applicable, labels_json;
	int label_cols[16];
} colmap;

static int check_columns(const PGresult *r, const kpi_def *def, const char *qpath, colmap *m,
                         kpi_error *err)
{
	int nf = PQnfields(r);

	memset(m, -1, sizeof(*m));
	if (def->nlabels > 16)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: more than 16 labels", def->id);
	for (int c = 0; c < nf; c++) {
		const char *name = PQfname(r, c);
		Oid t = PQftype(r, c);
		int li = kpi_def_label_index(def, name);
		const char *want = NULL;
		if (strcmp(name, "period_start") == 0) {
			m->period_start = c;
			if (t != OID_TIMESTAMPTZ)
				want = "timestamptz";
		} else if (strcmp(name, "value") == 0 || strcmp(name, "numerator") == 0 ||
		           strcmp(name, "denominator") == 0) {
			*(name[0] == 'v' ? &m->value : name[0] == 'n' ? &m->numerator : &m->denominator) = c;
			if (t != OID_FLOAT8)
				want = "float8";
		} else if (strcmp(name, "applicable") == 0) {
			m->applicable = c;
			if (t != OID_BOOL)
				want = "boolean";
		} else if (strcmp(name, "labels") == 0) {
			m->labels_json = c;
			if (t != OID_JSONB)
				want = "jsonb";
		} else if (li >= 0) {
			m->label_cols[li] = c;
			if (t != OID_TEXT && t != OID_VARCHAR)
				want = "text";
		} else {
			return kpi_error_set(err, KPI_ECONTRACT,
			                     "KPI %s (%s): unexpected result column '%s' (the contract is "
			                     "period_start, labels or label columns, value, numerator, denominator)",
			                     def->id, qpath, name);
		}
		if (want)
			return kpi_error_set(err, KPI_ECONTRACT,
			                     "KPI %s (%s): result column '%s' must be %s (cast it in the query)",
			                     def->id, qpath, name, want);
	}
	{
		const char *miss = m->period_start < 0 ? "period_start" : m->value < 0 ? "value"
		                   : m->numerator < 0                 ? "numerator"
		                   : m->denominator < 0               ? "denominator"
		                                                      : NULL;
		if (miss)
			return kpi_error_set(err, KPI_ECONTRACT, "KPI %s (%s): result has no column '%s'",
			                     def->id, qpath, miss);
	}
	for (size_t i = 0; i < def->nlabels; i++)
		if (m->label_cols[i] < 0 && m->labels_json < 0)
			return kpi_error_set(err, KPI_ECONTRACT,
			                     "KPI %s (%s): result has no column for label '%s' (nor a labels jsonb)",
			                     def->id, qpath, def->labels[i].name);
	return 0;
}

/* The label values of one result row, as strings owned by `vals`. */
static int row_labels(const PGresult *r, int row, const kpi_def *def, const colmap *m,
                      const char *qpath, char **vals, kpi_error *err)
{
	json_t *obj = NULL;
	int rc = 0;

	if (m->labels_json >= 0 && !PQgetisnull(r, row, m->labels_json)) {
		const char *p = PQgetvalue(r, row, m->labels_json);
		int len = PQgetlength(r, row, m->labels_json);
		if (len < 1 || p[0] != 1 ||
		    !(obj = json_loadb(p + 1, (size_t)len - 1, 0, NULL)) || !json_is_object(obj)) {
			json_decref(obj);
			return kpi_error_set(err, KPI_ECONTRACT, "KPI %s (%s): labels is not a JSON object",
			                     def->id, qpath);
		}
	}
	for (size_t i = 0; i < def->nlabels; i++) {
		const char *v = NULL;
		if (m->label_cols[i] >= 0) {
			if (!PQgetisnull(r, row, m->label_cols[i]))
				v = PQgetvalue(r, row, m->label_cols[i]);
		} else if (obj) {
			v = json_string_value(json_object_get(obj, def->labels[i].name));
		}
		if (!v) {
			rc = kpi_error_set(err, KPI_ECONTRACT, "KPI %s (%s): row %d has no value for label '%s'",
			                   def->id, qpath, row + 1, def->labels[i].name);
			break;
		}
		vals[i] = strdup(v);
	}
	json_decref(obj);
	return rc;
}

/* Position of a label combination in the catalogue's value order, or -1 when
 * a value is not among the known ones. */
static long combo_index(const kpi_def *def, char **vals)
{
	long idx = 0;
	for (size_t i = 0; i < def->nlabels; i++) {
		const kpi_label_def *l = &def->labels[i];
		long k = -1;
		for (size_t j = 0; j < l->nvalues; j++)
			if (strcmp(l->values[j], vals[i]) == 0)
				k = (long)j;
		if (k < 0)
			return -1;
		idx = idx * (long)l->nvalues + k;
	}
	return idx;
}

static long combo_count(const kpi_def *def)
{
	long n = 1;
	for (size_t i = 0; i < def->nlabels; i++)
		n *= (long)def->labels[i].nvalues;
	return n;
}

static int fill_rows(kpi_series *s, const PGresult *r, const kpi_def *def, const kpi_window *w,
                     const colmap *m, const char *qpath, kpi_error *err)
{
	long ncombo = combo_count(def);
	size_t total = (size_t)w->nweeks * (size_t)ncombo;
	bool *seen = NULL;
	int rc = 0;

	for (size_t i = 0; i < def->nlabels; i++)
		if (def->labels[i].nvalues == 0)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "KPI %s: label '%s' of a Postgres KPI needs its known values in the catalogue",
			                     def->id, def->labels[i].name);
	s->rows = calloc(total, sizeof(*s->rows));
	seen = calloc(total, sizeof(*seen));
	if (!s->rows || !seen) {
		free(seen);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	s->nrows = total;
	/* Every (week, label set) first gets the KPI's empty value. */
	for (int wi = 0; wi < w->nweeks; wi++) {
		for (long c = 0; c < ncombo; c++) {
			kpi_row *row = &s->rows[(size_t)wi * (size_t)ncombo + (size_t)c];
			long rem = c;
			row->period_start = w->starts[wi];
			row->period_end = w->starts[wi + 1];
			row->partial = w->partial && wi == w->nweeks - 1;
			row->applicable = true;
			row->has_value = def->empty_is_zero;
			row->value = 0;
			row->labels = calloc(def->nlabels + 1, sizeof(char *));
			if (!row->labels) {
				free(seen);
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			}
			for (size_t li = def->nlabels; li-- > 0;) {
				const kpi_label_def *l = &def->labels[li];
				row->labels[li] = strdup(l->values[rem % (long)l->nvalues]);
				rem /= (long)l->nvalues;
			}
		}
	}
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		char *vals[16] = { 0 };
		int64_t ps;
		int wi;
		long c;
		kpi_row *row;

		if (PQgetisnull(r, i, m->period_start) || PQgetlength(r, i, m->period_start) != 8) {
			rc = kpi_error_set(err, KPI_ECONTRACT, "KPI %s (%s): row %d has a null period_start",
			                   def->id, qpath, i + 1);
			break;
		}
		ps = (int64_t)be64(PQgetvalue(r, i, m->period_start));
		/* microseconds since 2000-01-01, floored to seconds */
		ps = (ps >= 0 ? ps / 1000000 : -((-ps + 999999) / 1000000)) + PG_EPOCH_OFFSET;
		wi = kpi_window_index(w, ps);
		if (wi < 0) {
			char t[32];
			rc = kpi_error_set(err, KPI_ECONTRACT,
			                   "KPI %s (%s): period_start %s is not the start of a week in the "
			                   "window (%s, zone %s)",
			                   def->id, qpath, kpi_time_format(t, sizeof(t), ps), "Monday 00:00", w->tz);
			break;
		}
		if ((rc = row_labels(r, i, def, m, qpath, vals, err)) == 0) {
			c = combo_index(def, vals);
			if (c < 0) {
				char lb[256] = "";
				for (size_t li = 0; li < def->nlabels; li++)
					snprintf(lb + strlen(lb), sizeof(lb) - strlen(lb), "%s%s=%s", li ? "," : "",
					         def->labels[li].name, vals[li]);
				rc = kpi_error_set(err, KPI_ECONTRACT,
				                   "KPI %s (%s): label set %s is not among the catalogue's known values",
				                   def->id, qpath, lb);
			} else if (seen[(size_t)wi * (size_t)ncombo + (size_t)c]) {
				rc = kpi_error_set(err, KPI_ECONTRACT,
				                   "KPI %s (%s): two rows for the same week and label set", def->id, qpath);
			} else {
				seen[(size_t)wi * (size_t)ncombo + (size_t)c] = true;
				row = &s->rows[(size_t)wi * (size_t)ncombo + (size_t)c];
				if (get_float8(r, i, m->value, &row->has_value, &row->value) ||
				    get_float8(r, i, m->numerator, &row->has_numerator, &row->numerator) ||
				    get_float8(r, i, m->denominator, &row->has_denominator, &row->denominator))
					rc = kpi_error_set(err, KPI_ECONTRACT, "KPI %s (%s): malformed float8", def->id, qpath);
				if (m->applicable >= 0 && !PQgetisnull(r, i, m->applicable))
					row->applicable = PQgetvalue(r, i, m->applicable)[0] != 0;
			}
		}
		for (size_t li = 0; li < def->nlabels; li++)
			free(vals[li]);
	}
	free(seen);
	return rc;
}

/* Translate a failed query into kpi_error: a lost connection, a timeout
 * (SQLSTATE 57014), no result set, or the server's message at the
 * file:line:col of the query text when it gives a position. */
static int query_error(kpi_pg *pg, PGresult *r, const kpi_config *cfg, const char *text,
                       const char *qpath, const char *what, kpi_error *err)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	char msg[512];

	first_line(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(pg->conn));
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return kpi_error_set(err, KPI_ESOURCE, "%s (%s): lost the connection to PostgreSQL (%s): %s",
		                     what, qpath, pg->where, msg);
	if (state && strcmp(state, "57014") == 0)
		return kpi_error_set(err, KPI_ETIMEOUT, "%s (%s): query cancelled after statement_timeout %d ms: %s",
		                     what, qpath, cfg->statement_timeout_ms, msg);
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		return kpi_error_set(err, KPI_ECONTRACT, "%s (%s): the query returned no result set", what, qpath);
	if (pos) {
		int line, col;
		offset_to_linecol(text, atol(pos), &line, &col);
		return kpi_error_set(err, KPI_ESOURCE, "%s:%d:%d: %s: %s", qpath, line, col, what, msg);
	}
	return kpi_error_set(err, KPI_ESOURCE, "%s (%s): %s%s%s", what, qpath, msg, state ? " SQLSTATE " : "",
	                     state ? state : "");
}

int kpi_pg_fetch(kpi_pg *pg, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                 const kpi_window *w, kpi_series *out, kpi_error *err)
{
	static const Oid types[4] = { OID_TIMESTAMPTZ, OID_TIMESTAMPTZ, OID_INT4, OID_FLOAT8 };
	char *text = NULL, *qpath = NULL, what[160];
	const char *vals[4];
	kpi_query_params qp;
	PGresult *r = NULL;
	colmap m;
	int rc;

	if ((rc = kpi__series_init(out, def, err)))
		return rc;
	qpath = kpi__path_join(cfg->query_dir, def->query);
	if ((rc = kpi_query_text(&text, cfg, def, err)))
		goto done;
	kpi_sha256_hex(out->query_sha256, text, strlen(text));
	kpi_query_params_init(&qp, cfg, cat, w);
	for (int i = 0; i < 4; i++)
		vals[i] = qp.values[i];
	r = PQexecParams(pg->conn, text, 4, types, vals, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(what, sizeof(what), "KPI %s", def->id);
		rc = query_error(pg, r, cfg, text, qpath, what, err);
		goto done;
	}
	if ((rc = check_columns(r, def, qpath, &m, err)))
		goto done;
	rc = fill_rows(out, r, def, w, &m, qpath, err);
done:
	if (rc)
		kpi__series_release(out);
	PQclear(r);
	free(text);
	free(qpath);
	return rc;
}

int kpi__pg_query_file(struct pg_result **out, char sha256[65], kpi_pg *pg, const kpi_config *cfg,
                       const char *name, const char *what, int nparams, const char *const *params,
                       kpi_error *err)
{
	char *qpath = kpi__path_join(cfg->query_dir, name), *text = NULL;
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	if (!qpath)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__read_file(&text, NULL, qpath, err))) {
		kpi_error_wrap(err, "%s", what);
		goto done;
	}
	if (sha256)
		kpi_sha256_hex(sha256, text, strlen(text));
	/* Text parameters and results: the query casts its parameters, and the
	 * caller reads integers and float8 (shortest exact text since PG 12). */
	r = PQexecParams(pg->conn, text, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = query_error(pg, r, cfg, text, qpath, what, err);
		PQclear(r);
		goto done;
	}
	*out = (struct pg_result *)r;
done:
	free(text);
	free(qpath);
	return rc;
}
