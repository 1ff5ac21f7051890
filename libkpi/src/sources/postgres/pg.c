/*
 * The PostgreSQL source: one read-only, repeatable-read transaction per run
 * (every KPI of a run sees the same snapshot), statement_timeout and the
 * configured time zone set as transaction-local settings, application_name
 * kpi. Queries get their window as parameters and return binary results,
 * whose column names and types are checked against the result contract
 * (docs/configuration.md, the result contract) before a single number is used.
 */
#include "sources/postgres/pg.h"
#include "core/redact.h"
#include <libpq-fe.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	const kpi_config *cfg;
	const kpi_catalog *cat;
	PGconn *conn;      /* NULL once closed after a timeout */
	char where[256];   /* "host=... port=... dbname=..." without secrets */
	char snapshot[64]; /* the exported snapshot id, "" when not shared */
	double run_deadline; /* kpi__mono_now() seconds: no wait past it; 0 none */
	/* a hot standby (standby.c) and the queries' costs (costs.c) */
	bool share;          /* opened to share its snapshot (kept for a reopen) */
	kpi_source_freshness fresh; /* read at every (re)open; strings owned */
	int conflicts;       /* queries of the session a recovery conflict cancelled */
	char pss[160];       /* "schema".pg_stat_statements when usable, "" not */
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

void kpi__pg_set_deadline(kpi_pg *pg, double deadline)
{
	pg->run_deadline = deadline;
}

kpi_source_freshness *kpi__pg_freshness(kpi_pg *pg)
{
	return &pg->fresh;
}

char *kpi__pg_pss(kpi_pg *pg)
{
	return pg->pss;
}

double kpi__pg_run_deadline(const kpi_pg *pg)
{
	return pg->run_deadline;
}

const kpi_config *kpi__pg_config(const kpi_pg *pg)
{
	return pg->cfg;
}

const kpi_catalog *kpi__pg_catalog(const kpi_pg *pg)
{
	return pg->cat;
}

/* Whether a query on `conn` that gave `r` was cancelled (ERROR) or its
 * connection terminated (FATAL) by a conflict with the WAL a hot standby
 * replays: SQLSTATE 40001 "canceling statement due to conflict with
 * recovery", "terminating connection due to conflict with recovery" (a
 * FATAL that arrives on an idle connection is in libpq's message). */
static bool recovery_conflict(PGconn *conn, const PGresult *r)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *cmsg = PQerrorMessage(conn);

	if (state && strcmp(state, "40001") == 0 && msg && strstr(msg, "conflict with recovery"))
		return true;
	return cmsg && strstr(cmsg, "conflict with recovery");
}

/* ---- notices ---- */

/* libpq's notice receiver: the server's notices and warnings ("WARNING:
 * terminating connection due to immediate shutdown command" when the server
 * stops, "... because of crash of another server process" when a backend
 * was killed, a FATAL that arrives while the connection is idle) and
 * libpq's own, which its default receiver prints raw on stderr, become log
 * lines (event pg.notice). */
static void on_notice(void *arg, const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
	kpi_log_level level = KPI_LOG_INFO;
	json_t *fields;
	char line[512];

	(void)arg;
	if (!sev)
		sev = "NOTICE";
	first_line(line, sizeof(line), msg ? msg : PQresultErrorMessage(r));
	if (strcmp(sev, "WARNING") == 0)
		level = KPI_LOG_WARN;
	else if (strcmp(sev, "ERROR") == 0 || strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0)
		level = KPI_LOG_ERROR;
	else if (strcmp(sev, "DEBUG") == 0 || strcmp(sev, "LOG") == 0)
		level = KPI_LOG_DEBUG;
	fields = json_pack("{s:s}", "severity", sev);
	if (fields && state)
		json_object_set_new(fields, "sqlstate", json_string(state));
	if (fields && detail)
		json_object_set_new(fields, "detail", json_string(detail));
	kpi_log_fields(level, "pg.notice", fields, line);
}

/* ---- waiting for the server, never past a deadline ---- */

/* When a wait ends: statement_timeout + the margin from when the statement
 * was sent, or the run's deadline when that comes first. */
typedef struct pg_deadline {
	double at;       /* kpi__mono_now() seconds */
	double seconds;  /* from the start */
	bool run;        /* the run's deadline */
} pg_deadline;

static void deadline_start(pg_deadline *d, const kpi_config *cfg, double run_deadline)
{
	double now = kpi__mono_now();
	d->at = now + cfg->statement_timeout_ms / 1000.0 + KPI__PG_MARGIN_S;
	d->run = run_deadline > 0 && run_deadline < d->at;
	if (d->run)
		d->at = run_deadline;
	d->seconds = d->at - now;
}

/* "7 s (statement_timeout 2000 ms + 5 s)", or the run's deadline. */
static const char *deadline_text(char *buf, size_t size, const pg_deadline *d, const kpi_config *cfg)
{
	if (d->run)
		snprintf(buf, size, "%.1f s (what was left of the run's deadline)", d->seconds > 0 ? d->seconds : 0);
	else
		snprintf(buf, size, "%g s (statement_timeout %d ms + %g s)",
		         cfg->statement_timeout_ms / 1000.0 + KPI__PG_MARGIN_S, cfg->statement_timeout_ms, KPI__PG_MARGIN_S);
	return buf;
}

static int poll_ms(double seconds)
{
	double ms = ceil(seconds * 1000);
	return ms <= 0 ? 0 : ms > 3600000 ? 3600000 : (int)ms;
}

/* Send what is buffered and wait until the answer can be taken without
 * blocking (PQgetResult) or `deadline` passes. True: ready, or the
 * connection failed (PQgetResult says how); false: the deadline passed. */
static bool wait_ready(PGconn *conn, double deadline)
{
	for (;;) {
		int flush = PQflush(conn); /* 0 all sent, 1 more to send, -1 failed */
		struct pollfd p;
		double left;
		int n;

		p.fd = PQsocket(conn);
		if (flush < 0 || p.fd < 0)
			return true;
		if (flush == 0 && (!PQconsumeInput(conn) || !PQisBusy(conn)))
			return true;
		if ((left = deadline - kpi__mono_now()) <= 0)
			return false;
		p.events = POLLIN | (flush == 1 ? POLLOUT : 0);
		p.revents = 0;
		n = poll(&p, 1, poll_ms(left));
		if (n < 0 && errno != EINTR)
			return false;
		/* libpq: read-ready while sending means consume, then flush again */
		if (flush == 1 && (p.revents & POLLIN) && !PQconsumeInput(conn))
			return true;
	}
}

/* The answer to what was sent on `conn`: its last result (NULL when the
 * connection failed without one). False when `deadline` passed first. */
static bool take_answer(PGresult **out, PGconn *conn, double deadline)
{
	PGresult *r;

	*out = NULL;
	while (wait_ready(conn, deadline)) {
		if (!(r = PQgetResult(conn)))
			return true;
		PQclear(*out);
		*out = r;
	}
	PQclear(*out);
	*out = NULL;
	return false;
}

/* Ask the server to cancel what runs on `conn`. PQcancel waits until the
 * server has taken the request, which a frozen server never does, so it
 * runs in a child process that gets at most `seconds` (PQcancel is
 * async-signal-safe: it may run in the child of a threaded process). */
static void cancel_bounded(PGconn *conn, double seconds)
{
	PGcancel *c = PQgetCancel(conn);
	double until = kpi__mono_now() + seconds;
	int status;
	pid_t pid;

	if (!c)
		return;
	pid = fork();
	if (pid == 0) {
		char buf[256];
		_exit(PQcancel(c, buf, sizeof(buf)) ? 0 : 1);
	}
	PQfreeCancel(c);
	while (pid > 0) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (kpi__mono_now() >= until) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			break;
		}
		kpi__sleep(0.005);
	}
}

/* Run `sql` on `conn` and wait for its answer until `d`: true with its last
 * result in *out (NULL when it could not be sent or the connection broke:
 * PQerrorMessage says why); false when the deadline passed, after asking
 * the server to cancel it (the connection is then to be closed: the query
 * may still be running on it). */
static bool exec_within(PGresult **out, PGconn *conn, const pg_deadline *d, const char *sql, int n, const Oid *types,
                        const char *const *vals, int format)
{
	*out = NULL;
	if (!PQsendQueryParams(conn, sql, n, types, vals, NULL, NULL, format))
		return true;
	if (take_answer(out, conn, d->at))
		return true;
	cancel_bounded(conn, KPI__PG_CANCEL_S);
	return false;
}

static int timeout_error(kpi_error *err, const char *what, const char *qpath, const char *where, const pg_deadline *d,
                         const kpi_config *cfg)
{
	char dl[128];
	return kpi_error_set(err, KPI_ETIMEOUT,
	                     "%s (%s): no answer from PostgreSQL (%s) within %s: the query was cancelled and the "
	                     "connection closed",
	                     what, qpath, where, deadline_text(dl, sizeof(dl), d, cfg));
}

/* Close the session's connection (after a timeout). */
static void drop_session_conn(kpi_pg *pg)
{
	PQfinish(pg->conn); /* non-blocking: never waits for the server */
	pg->conn = NULL;
}

/* A query of the session on its connection, within its deadline. 0: *out
 * is its answer (NULL when there is none: PQerrorMessage says why);
 * KPI_ETIMEOUT: cancelled, the connection closed, `err` naming `what`,
 * `qpath` and the deadline; KPI_ESOURCE when an earlier timeout closed it. */
static int session_exec(PGresult **out, kpi_pg *pg, const char *what, const char *qpath, const char *text, int n,
                        const Oid *types, const char *const *vals, int format, kpi_error *err)
{
	pg_deadline d;

	*out = NULL;
	if (!pg->conn)
		return kpi_error_set(err, KPI_ESOURCE, "%s (%s): the connection to PostgreSQL (%s) was closed after a timeout",
		                     what, qpath, pg->where);
	deadline_start(&d, pg->cfg, pg->run_deadline);
	if (exec_within(out, pg->conn, &d, text, n, types, vals, format))
		return 0;
	drop_session_conn(pg);
	return timeout_error(err, what, qpath, pg->where, &d, pg->cfg);
}

void kpi__pg_close(kpi_pg *pg)
{
	if (!pg)
		return;
	if (pg->conn) {
		/* End the transaction; a server that does not answer at once is
		 * left to roll it back when the connection closes. */
		if (PQstatus(pg->conn) == CONNECTION_OK && PQtransactionStatus(pg->conn) != PQTRANS_ACTIVE &&
		    PQsendQuery(pg->conn, "ROLLBACK")) {
			PGresult *r = NULL;
			take_answer(&r, pg->conn, kpi__mono_now() + KPI__PG_CANCEL_S);
			PQclear(r);
		}
		PQfinish(pg->conn);
	}
	free(pg->fresh.source);
	free(pg->fresh.basis);
	free(pg->fresh.blocks);
	free(pg);
}

/* The value of libpq option `key` of `conn` as it will connect (conninfo,
 * environment, service file, defaults), copied into `buf`; "" when unset. */
static const char *conn_option(char *buf, size_t size, PGconn *conn, const char *key)
{
	PQconninfoOption *opts = PQconninfo(conn), *o;

	buf[0] = '\0';
	for (o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, key) == 0 && o->val)
			snprintf(buf, size, "%s", o->val);
	PQconninfoFree(opts);
	return buf;
}

/* Finish the connection PQconnectStartParams began, as PQconnectdbParams
 * would (libpq's connect_timeout, at least 2 s, 0 none), but with kpi's
 * notice receiver in place from the first message of the server (a
 * collation version warning arrives at connect). False when the timeout
 * passed, in `*timeout` seconds. Only for one host: with several, libpq
 * goes on to the next after a timeout, which PQconnectPoll cannot be told. */
static bool connect_within(PGconn *conn, double *timeout)
{
	char buf[32];
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	double until;
	long t = strtol(conn_option(buf, sizeof(buf), conn, "connect_timeout"), NULL, 10);

	*timeout = t <= 0 ? 0 : t < 2 ? 2 : (double)t;
	until = kpi__mono_now() + *timeout;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		struct pollfd p = { PQsocket(conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, 0 };
		double left = until - kpi__mono_now();
		int n;
		if (p.fd < 0)
			break; /* PQconnectPoll says why */
		if (*timeout > 0 && left <= 0)
			return false;
		n = poll(&p, 1, *timeout > 0 ? poll_ms(left) : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0)
			st = PQconnectPoll(conn);
	}
	if (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED)
		PQconnectPoll(conn);
	return true;
}

/* Whether `conn` names several hosts (host or hostaddr lists). */
static bool several_hosts(PGconn *conn)
{
	char buf[1024];
	return strchr(conn_option(buf, sizeof(buf), conn, "host"), ',') ||
	       strchr(conn_option(buf, sizeof(buf), conn, "hostaddr"), ',');
}

/* Whether the conninfo or the environment names several hosts, before
 * anything is started: libpq's non-blocking start already sends the
 * startup packet to the first host (a primary, with prefer-standby). */
static bool several_hosts_asked(const kpi_config *cfg)
{
	static const char *const env[] = { "PGHOST", "PGHOSTADDR" };
	PQconninfoOption *opts = cfg->conninfo && *cfg->conninfo ? PQconninfoParse(cfg->conninfo, NULL) : NULL;
	bool several = false;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if ((strcmp(o->keyword, "host") == 0 || strcmp(o->keyword, "hostaddr") == 0) && o->val && strchr(o->val, ','))
			several = true;
	PQconninfoFree(opts);
	for (size_t i = 0; i < 2; i++)
		several |= kpi_config_env(cfg, env[i]) && strchr(kpi_config_env(cfg, env[i]), ',');
	return several;
}

int kpi__pg_connect(struct pg_conn **out_, char *where, size_t wsize, const kpi_config *cfg, kpi_error *err)
{
	/* The defaults come before dbname so a conninfo can override them;
	 * application_name comes after so every session is labelled kpi. */
	const char *keys[8], *vals[8];
	int n = 0;
	double timeout = 0;
	char msg[512];
	PGconn *conn;
	PGconn **out = (PGconn **)out_;

	*out = NULL;
	keys[n] = "connect_timeout";
	vals[n++] = kpi_config_env(cfg, "PGCONNECT_TIMEOUT") ? kpi_config_env(cfg, "PGCONNECT_TIMEOUT")
	                                                     : KPI__PG_CONNECT_TIMEOUT;
	keys[n] = "keepalives";
	vals[n++] = "1";
	keys[n] = "keepalives_idle";
	vals[n++] = KPI__PG_KEEPALIVES_IDLE;
	keys[n] = "keepalives_interval";
	vals[n++] = KPI__PG_KEEPALIVES_INTERVAL;
	keys[n] = "keepalives_count";
	vals[n++] = KPI__PG_KEEPALIVES_COUNT;
	if (cfg->conninfo && *cfg->conninfo) {
		keys[n] = "dbname";
		vals[n++] = cfg->conninfo;
	}
	keys[n] = "application_name";
	vals[n++] = "kpi";
	keys[n] = NULL;
	vals[n] = NULL;
	conn = several_hosts_asked(cfg) ? PQconnectdbParams(keys, vals, 1) : PQconnectStartParams(keys, vals, 1);
	if (conn && PQstatus(conn) != CONNECTION_BAD && PQstatus(conn) != CONNECTION_OK && several_hosts(conn)) {
		/* libpq's own loop moves on to the next host after a timeout */
		PQfinish(conn);
		conn = PQconnectdbParams(keys, vals, 1);
	}
	if (!conn)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory connecting to PostgreSQL");
	PQsetNoticeReceiver(conn, on_notice, NULL);
	if (PQstatus(conn) != CONNECTION_BAD && PQstatus(conn) != CONNECTION_OK && !connect_within(conn, &timeout)) {
		snprintf(where, wsize, "host=%s port=%s dbname=%s user=%s", PQhost(conn) ? PQhost(conn) : "?",
		         PQport(conn) ? PQport(conn) : "?", PQdb(conn) ? PQdb(conn) : "?", PQuser(conn) ? PQuser(conn) : "?");
		kpi_error_set(err, KPI_ESOURCE, "cannot connect to PostgreSQL (%s): timeout expired after %g s (connect_timeout)",
		              where, timeout);
		PQfinish(conn);
		return KPI_ESOURCE;
	}
	/* the password libpq found (~/.pgpass, a service file) is a secret of the run */
	if (kpi__redact_add(kpi__config_redact(cfg), PQpass(conn))) {
		PQfinish(conn);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory connecting to PostgreSQL");
	}
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
	if (PQsetnonblocking(conn, 1) != 0) {
		first_line(msg, sizeof(msg), PQerrorMessage(conn));
		kpi_error_set(err, KPI_ESOURCE, "PostgreSQL (%s): %s", where, msg);
		PQfinish(conn);
		return KPI_ESOURCE;
	}
	*out = conn;
	return 0;
}

/* Open the read-only transaction on `conn`, importing `snapshot` when not
 * NULL (SET TRANSACTION SNAPSHOT must come before any query), and set its
 * statement_timeout, TimeZone, DateStyle and jit. Each statement waits
 * until `run_deadline` at most (0 none); KPI_ETIMEOUT after a timeout,
 * when the connection is to be closed. */
static int begin_tx(PGconn *conn, const char *where, const char *snapshot, const kpi_config *cfg, double run_deadline,
                    kpi_error *err)
{
	char timeout[32], msg[512], *lit = NULL, sql[128], dl[128];
	const char *params[2], *what = "cannot start a read-only transaction";
	pg_deadline d;
	PGresult *r = NULL;

	deadline_start(&d, cfg, run_deadline);
	if (!exec_within(&r, conn, &d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL, 0))
		goto timeout;
	if (PQresultStatus(r) == PGRES_COMMAND_OK && snapshot) {
		/* A utility statement takes no parameters: the id is the server's
		 * own (checked by export_snapshot) and quoted by libpq. */
		PQclear(r);
		r = NULL;
		what = "cannot import the run's snapshot on a further connection";
		if ((lit = PQescapeLiteral(conn, snapshot, strlen(snapshot)))) {
			snprintf(sql, sizeof(sql), "SET TRANSACTION SNAPSHOT %s", lit);
			PQfreemem(lit);
			deadline_start(&d, cfg, run_deadline);
			if (!exec_within(&r, conn, &d, sql, 0, NULL, NULL, 0))
				goto timeout;
		}
	}
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		snprintf(timeout, sizeof(timeout), "%d", cfg->statement_timeout_ms);
		params[0] = timeout;
		params[1] = cfg->timezone;
		what = "cannot set statement_timeout and TimeZone";
		/* jit off: compiling these plans with LLVM costs 0.3-0.7 s per query
		 * and per parallel worker, more than it saves on their scans (see
		 * docs/performance.md). */
		deadline_start(&d, cfg, run_deadline);
		if (!exec_within(&r, conn, &d,
		                 "SELECT set_config('statement_timeout', $1, true), "
		                 "set_config('TimeZone', $2, true), set_config('DateStyle', 'ISO', true), "
		                 "set_config('jit', 'off', true)",
		                 2, NULL, params, 0))
			goto timeout;
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			PQclear(r);
			return 0;
		}
	}
	first_line(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
	PQclear(r);
	return kpi_error_set(err, KPI_ESOURCE, "PostgreSQL (%s): %s: %s", where, what, msg);
timeout:
	return kpi_error_set(err, KPI_ETIMEOUT, "PostgreSQL (%s): %s: no answer within %s: cancelled", where, what,
	                     deadline_text(dl, sizeof(dl), &d, cfg));
}

/* Export the transaction's snapshot into pg->snapshot. A failed statement
 * aborts the transaction (and an export cannot be guarded by a savepoint:
 * "cannot export a snapshot from a subtransaction"), so on failure the
 * transaction is rolled back and begun again, unshared; nothing has been
 * read in it yet. */
static int export_snapshot(kpi_pg *pg, const kpi_config *cfg, kpi_error *err)
{
	PGresult *r = NULL;
	const char *id;
	size_t len;
	int rc;

	if ((rc = session_exec(&r, pg, "the run's snapshot", "pg_export_snapshot()", "SELECT pg_export_snapshot()", 0,
	                       NULL, NULL, 0, err)))
		return rc;
	id = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
	len = strlen(id);
	if (len > 0 && len < sizeof(pg->snapshot) && strspn(id, "0123456789ABCDEFabcdef-") == len) {
		memcpy(pg->snapshot, id, len + 1);
		PQclear(r);
		return 0;
	}
	PQclear(r);
	if (PQstatus(pg->conn) != CONNECTION_OK)
		return kpi_error_set(err, KPI_ESOURCE, "lost the connection to PostgreSQL (%s): %s", pg->where,
		                     PQerrorMessage(pg->conn));
	if ((rc = session_exec(&r, pg, "the run's snapshot", "ROLLBACK", "ROLLBACK", 0, NULL, NULL, 0, err)))
		return rc;
	PQclear(r);
	if ((rc = begin_tx(pg->conn, pg->where, NULL, cfg, pg->run_deadline, err)) == KPI_ETIMEOUT)
		drop_session_conn(pg);
	return rc;
}

kpi_pg *kpi__pg_session_new(const kpi_config *cfg, const kpi_catalog *cat, bool share)
{
	kpi_pg *pg = calloc(1, sizeof(*pg));
	if (pg) {
		pg->cfg = cfg;
		pg->cat = cat;
		pg->share = share;
	}
	return pg;
}

int kpi__pg_session_connect(kpi_pg *pg, kpi_error *err)
{
	if (pg->conn) {
		PQfinish(pg->conn); /* rolls its transaction back */
		pg->conn = NULL;
	}
	pg->snapshot[0] = '\0';
	return kpi__pg_connect((struct pg_conn **)&pg->conn, pg->where, sizeof(pg->where), pg->cfg, err);
}

int kpi__pg_session_begin(kpi_pg *pg, kpi_error *err)
{
	int rc;
	if ((rc = begin_tx(pg->conn, pg->where, NULL, pg->cfg, pg->run_deadline, err)) ||
	    (pg->share && pg->cfg->connections > 1 && (rc = export_snapshot(pg, pg->cfg, err)))) {
		if (rc == KPI_ETIMEOUT && pg->conn)
			drop_session_conn(pg);
	}
	return rc;
}

int kpi__pg_conflicts(const kpi_pg *pg)
{
	return pg->conflicts;
}

int kpi__pg_param_values(char (*values)[64], const kpi__sql *q, const kpi_config *cfg, const kpi_catalog *cat,
                         const kpi_def *def, const kpi_window *w, kpi_error *err)
{
	int rc;
	for (size_t i = 0; i < q->nparams; i++)
		if ((rc = kpi__param_value(values[i], 64, cfg, cat, def, q->params[i].name, w, err)))
			return kpi_error_wrap(err, "%s", q->path);
	return 0;
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

typedef struct colmap {
	int period_start, value, numerator, denominator, applicable, labels_json;
	int kpi; /* a query answering several KPIs: the KPI of each row */
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
		} else if (strcmp(name, "kpi") == 0) {
			m->kpi = c;
			if (t != OID_TEXT && t != OID_VARCHAR)
				want = "text";
		} else if (li >= 0) {
			m->label_cols[li] = c;
			if (t != OID_TEXT && t != OID_VARCHAR)
				want = "text";
		} else {
			return kpi_error_set(err, KPI_ECONTRACT,
			                     "KPI %s (%s): unexpected result column '%s' (the contract is "
			                     "period_start, labels or label columns, value, numerator, denominator; "
			                     "applicable and kpi when needed)",
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

/* Every (week, label set) of `s` with the KPI's empty value. */
static int init_rows(kpi_series *s, const kpi_def *def, const kpi_window *w, kpi_error *err)
{
	long ncombo = combo_count(def);
	size_t total = (size_t)w->nweeks * (size_t)ncombo;

	for (size_t i = 0; i < def->nlabels; i++)
		if (def->labels[i].nvalues == 0)
			return kpi_error_set(err, KPI_ECONFIG,
			                     "KPI %s: label '%s' of a Postgres KPI needs its known values in the catalogue",
			                     def->id, def->labels[i].name);
	if (!(s->rows = calloc(total, sizeof(*s->rows))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	s->nrows = total;
	/* Every (week, label set) first gets the KPI's empty value. */
	for (int wi = 0; wi < w->nweeks; wi++) {
		for (long c = 0; c < ncombo; c++) {
			kpi_row *row = &s->rows[(size_t)wi * (size_t)ncombo + (size_t)c];
			long rem = c;
			int rc = kpi__row_week_init(row, w, wi, def->nlabels, err);
			if (rc)
				return rc;
			row->has_value = def->empty_is_zero;
			row->value = 0;
			for (size_t li = def->nlabels; li-- > 0;) {
				const kpi_label_def *l = &def->labels[li];
				row->labels[li] = strdup(l->values[rem % (long)l->nvalues]);
				rem /= (long)l->nvalues;
			}
		}
	}
	return 0;
}

static int fill_rows(kpi_series *s, const PGresult *r, const kpi_def *def, const kpi_window *w,
                     const colmap *m, const char *qpath, kpi_error *err)
{
	long ncombo = combo_count(def);
	bool *seen = NULL;
	int mine = 0, rc;

	if ((rc = init_rows(s, def, w, err)))
		return rc;
	if (!(seen = calloc(s->nrows + 1, sizeof(*seen))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		char *vals[16] = { 0 };
		int64_t ps;
		int wi;
		long c;
		kpi_row *row;

		if (m->kpi >= 0) {
			/* a query answering several KPIs: this KPI's rows only */
			if (PQgetisnull(r, i, m->kpi)) {
				rc = kpi_error_set(err, KPI_ECONTRACT, "KPI %s (%s): row %d has a null kpi", def->id, qpath, i + 1);
				break;
			}
			if (strcmp(PQgetvalue(r, i, m->kpi), def->id) != 0)
				continue;
			mine++;
		}
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
	/* a KPI the query names no row for: a wrong id in the query, never "no data" */
	if (!rc && m->kpi >= 0 && !mine)
		rc = kpi_error_set(err, KPI_ECONTRACT, "KPI %s (%s): the result's kpi column names other KPIs only",
		                   def->id, qpath);
	return rc;
}

/* Translate a failed query into kpi_error: a lost connection, a timeout
 * (SQLSTATE 57014), no result set, or the server's message at the
 * file:line:col of the query text (or the fragment it includes) when it
 * gives a position. */
static int query_error(PGconn *conn, const char *where, PGresult *r, const kpi_config *cfg, const kpi__sql *q,
                       const char *what, kpi_error *err)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	char msg[512];

	first_line(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
	if (PQstatus(conn) != CONNECTION_OK)
		return kpi_error_set(err, KPI_ESOURCE, "%s (%s): lost the connection to PostgreSQL (%s): %s",
		                     what, q->path, where, msg);
	if (state && strcmp(state, "57014") == 0)
		return kpi_error_set(err, KPI_ETIMEOUT, "%s (%s): query cancelled after statement_timeout %d ms: %s",
		                     what, q->path, cfg->statement_timeout_ms, msg);
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		return kpi_error_set(err, KPI_ECONTRACT, "%s (%s): the query returned no result set", what, q->path);
	if (pos) {
		char at[600];
		kpi__sql_position(at, sizeof(at), q, atol(pos));
		return kpi_error_set(err, KPI_ESOURCE, "%s: %s: %s", at, what, msg);
	}
	return kpi_error_set(err, KPI_ESOURCE, "%s (%s): %s%s%s", what, q->path, msg, state ? " SQLSTATE " : "",
	                     state ? state : "");
}

/* One KPI query of a run: its text, parameters and, once run, its rows. */
typedef struct fetch_job {
	const kpi__fetch *req;
	kpi__sql q;
	char values[KPI__SQL_MAX_PARAMS][64];
	const char *vals[KPI__SQL_MAX_PARAMS];
	Oid types[KPI__SQL_MAX_PARAMS];
	double t0;  /* kpi__mono_now() when it was sent */
	size_t lead; /* the job whose execution answers this one (itself, or an earlier one) */
} fetch_job;

static void job_release(fetch_job *j)
{
	kpi__sql_release(&j->q);
}

/* Read the query file and bind its parameters by name. */
static int job_prepare(fetch_job *j, const kpi_pg *pg, const kpi__fetch *req, kpi_error *err)
{
	const kpi_def *def = req->def;
	int rc;

	memset(j, 0, sizeof(*j));
	j->req = req;
	if ((rc = kpi__series_init(req->out, def, err)))
		return rc;
	if ((rc = kpi__sql_load(&j->q, pg->cfg->query_dir, def->query, err))) {
		kpi_error_wrap(err, "KPI %s", def->id);
		goto fail;
	}
	memcpy(req->out->query_sha256, j->q.sha256, sizeof(j->q.sha256));
	if ((rc = kpi__pg_param_values(j->values, &j->q, pg->cfg, pg->cat, def, req->w, err)))
		goto fail;
	for (size_t i = 0; i < j->q.nparams; i++) {
		j->vals[i] = j->values[i];
		j->types[i] = j->q.params[i].oid;
	}
	return 0;
fail:
	kpi__series_release(req->out);
	job_release(j);
	return rc;
}

/* Check the result `r` of the job's query on `conn` and fill its series;
 * on failure the series is released. The job's text is released either way. */
static int job_finish(fetch_job *j, kpi_pg *pg, PGconn *conn, PGresult *r, kpi_error *err)
{
	const kpi_def *def = j->req->def;
	const kpi_config *cfg = pg->cfg;
	char what[160];
	colmap m;
	int rc;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(what, sizeof(what), "KPI %s", def->id);
		rc = query_error(conn, pg->where, r, cfg, &j->q, what, err);
		if (recovery_conflict(conn, r))
			pg->conflicts++;
	} else if (!(rc = check_columns(r, def, j->q.path, &m, err))) {
		rc = fill_rows(j->req->out, r, def, j->req->w, &m, j->q.path, err);
	}
	if (!rc) {
		/* its cost, attributed (docs/performance.md): in the result (kpi
		 * alert's log, kpi publish's textfile) and the debug log */
		j->req->out->query_seconds = kpi__mono_now() - j->t0;
		kpi_log_fields(KPI_LOG_DEBUG, "pg.query",
		               json_pack("{s:s, s:f, s:i, s:s}", "kpi", def->id, "seconds", j->req->out->query_seconds,
		                         "rows", PQntuples(r), "query_sha256", j->q.sha256),
		               NULL);
	}
	if (rc)
		kpi__series_release(j->req->out);
	job_release(j);
	return rc;
}

/* Give up a job that has no answer: its series and text go. */
static void job_abandon(fetch_job *j)
{
	kpi__series_release(j->req->out);
	job_release(j);
}

static int send_job(PGconn *conn, fetch_job *j)
{
	j->t0 = kpi__mono_now();
	return PQsendQueryParams(conn, j->q.text, (int)j->q.nparams, j->types, j->vals, NULL, NULL, 1);
}

/* Whether two prepared jobs run the same query text with the same
 * parameter values: in one snapshot they give the same rows. */
static bool same_query(const fetch_job *a, const fetch_job *b)
{
	if (strcmp(a->q.sha256, b->q.sha256) != 0 || a->q.nparams != b->q.nparams)
		return false;
	for (size_t i = 0; i < a->q.nparams; i++)
		if (strcmp(a->values[i], b->values[i]) != 0)
			return false;
	return true;
}

/* Prepare the run's jobs in `reqs` order, up to the first that cannot be
 * (its index in *failed, its error in *first: a serial run would still run
 * those before it). A job whose query and parameter values an earlier one
 * has (several KPIs answered by one query file, docs/configuration.md "One
 * query for several KPIs") is answered by that one's execution: its lead.
 * Returns how many were prepared. */
static size_t jobs_prepare(fetch_job *jobs, const kpi_pg *pg, kpi__fetch *reqs, size_t n, size_t *failed,
                           kpi_error *first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (job_prepare(&jobs[i], pg, &reqs[i], first)) {
			*failed = i;
			break;
		}
		jobs[i].lead = i;
		for (size_t k = 0; k < i; k++)
			if (jobs[k].lead == k && same_query(&jobs[k], &jobs[i])) {
				jobs[i].lead = k;
				break;
			}
	}
	return i;
}

/* The order in which the connections take the `nprep` prepared jobs' own
 * executions (the jobs answered by another's are left out): first those
 * that answer several KPIs, then the others, each in `reqs` order. A query
 * file answering several KPIs does the work of all of them (the coverage
 * family: most of a weekly pull's time, docs/performance.md); started after
 * the others it would end the pull that much later. Returns how many. */
static size_t jobs_order(size_t *order, const fetch_job *jobs, size_t nprep)
{
	size_t no = 0;

	for (int shared = 1; shared >= 0; shared--)
		for (size_t i = 0; i < nprep; i++) {
			bool several = false;
			if (jobs[i].lead != i)
				continue;
			for (size_t k = i + 1; k < nprep && !several; k++)
				several = jobs[k].lead == i;
			if (several == (shared == 1))
				order[no++] = i;
		}
	return no;
}

/* The result `r` of job `lead`'s execution on `conn`: fill it and every job
 * it answers (before *failed); the first that fails sets *failed and
 * *first. Each reports progress (`slots` connections) and the execution's
 * time as its own. */
static void jobs_finish(fetch_job *jobs, size_t lead, kpi_pg *pg, PGconn *conn, PGresult *r, int slots,
                        size_t *failed, kpi_error *first)
{
	for (size_t k = lead; k < *failed; k++) {
		kpi_error e = KPI_ERROR_INIT;
		if (jobs[k].lead != lead)
			continue;
		jobs[k].t0 = jobs[lead].t0;
		if (job_finish(&jobs[k], pg, conn, r, &e)) {
			*failed = k;
			*first = e;
		} else {
			kpi__progress_kpi(jobs[k].req->progress, slots);
		}
	}
}

/* On failure nothing is handed back: every series and query text of the
 * `nprep` prepared jobs goes (both releases are no-ops for what job_finish
 * already released). */
static void jobs_release(fetch_job *jobs, size_t nprep)
{
	for (size_t i = 0; i < nprep; i++) {
		kpi__series_release(jobs[i].req->out);
		job_release(&jobs[i]);
	}
}

/* One query after the other on the session's own connection. */
static int fetch_serial(kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	fetch_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	kpi_error first = KPI_ERROR_INIT;
	size_t failed = n, nprep;

	if (!jobs)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	nprep = jobs_prepare(jobs, pg, reqs, n, &failed, &first);
	for (size_t i = 0; i < failed; i++) {
		fetch_job *j = &jobs[i];
		PGresult *r = NULL;
		char what[160];
		if (j->lead != i)
			continue; /* answered with its lead */
		snprintf(what, sizeof(what), "KPI %s", reqs[i].def->id);
		j->t0 = kpi__mono_now();
		if (session_exec(&r, pg, what, j->q.path, j->q.text, (int)j->q.nparams, j->types, j->vals, 1, &first)) {
			failed = i;
			break;
		}
		jobs_finish(jobs, i, pg, pg->conn, r, 1, &failed, &first);
		PQclear(r);
	}
	if (failed < n) {
		jobs_release(jobs, nprep);
		if (err)
			*err = first;
	}
	free(jobs);
	return failed < n ? first.code : 0;
}

/* ---- several queries at once, on connections sharing one snapshot ---- */

typedef struct fetch_slot {
	PGconn *conn;      /* NULL once closed after a timeout */
	long job;          /* index of the running query, -1 when idle */
	PGresult *result;  /* its last result so far */
	bool cancelled;    /* asked to cancel: a query after one that failed */
	pg_deadline dl;    /* of the running query */
} fetch_slot;

/* Open a further connection into the run's snapshot; NULL when it cannot
 * (max_connections reached...): the run then uses fewer connections, with
 * the same results. */
static PGconn *open_more(const kpi_pg *pg)
{
	PGconn *conn = NULL;
	char where[256];
	kpi_error ignored = KPI_ERROR_INIT;

	if (kpi__pg_connect((struct pg_conn **)&conn, where, sizeof(where), pg->cfg, &ignored))
		return NULL;
	if (begin_tx(conn, where, pg->snapshot, pg->cfg, pg->run_deadline, &ignored)) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Read what has arrived on a busy slot; true when its query is complete
 * (or its connection is gone). */
static bool slot_collect(fetch_slot *s)
{
	PGresult *r;

	if (!PQconsumeInput(s->conn))
		return true;
	while (!PQisBusy(s->conn)) {
		if (!(r = PQgetResult(s->conn)))
			return true;
		PQclear(s->result);
		s->result = r;
	}
	return false;
}

/* A query after the one that failed: cancelled, and given KPI__PG_CANCEL_S
 * more to end before its connection is closed. */
static void slot_cancel(fetch_slot *s)
{
	double until;

	cancel_bounded(s->conn, KPI__PG_CANCEL_S);
	s->cancelled = true;
	until = kpi__mono_now() + KPI__PG_CANCEL_S;
	if (until < s->dl.at)
		s->dl.at = until;
}

/* A busy slot past its deadline: a timeout of its query (unless it was
 * being cancelled already), reported as a serial run would report it; the
 * connection is closed (the session's own too: nothing more is sent on it). */
static void slot_expire(kpi_pg *pg, fetch_slot *s, fetch_job *jobs, size_t *failed, kpi_error *first)
{
	size_t i = (size_t)s->job;

	if (!s->cancelled) {
		cancel_bounded(s->conn, KPI__PG_CANCEL_S);
		if (i < *failed) {
			char what[160];
			snprintf(what, sizeof(what), "KPI %s", jobs[i].req->def->id);
			*first = (kpi_error)KPI_ERROR_INIT;
			timeout_error(first, what, jobs[i].q.path, pg->where, &s->dl, pg->cfg);
			*failed = i;
		}
	}
	job_abandon(&jobs[i]);
	PQclear(s->result);
	s->result = NULL;
	if (s->conn == pg->conn)
		drop_session_conn(pg);
	else
		PQfinish(s->conn);
	s->conn = NULL;
	s->job = -1;
	s->cancelled = false;
}

int kpi__pg_fetch_once(kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	fetch_slot slots[KPI_PG_MAX_CONNECTIONS];
	fetch_job *jobs = NULL;
	size_t *order = NULL;
	struct pollfd pfd[KPI_PG_MAX_CONNECTIONS];
	size_t nslots = 1, next = 0, failed = n, nprep, norder;
	int want = pg->cfg->connections < KPI_PG_MAX_CONNECTIONS ? pg->cfg->connections : KPI_PG_MAX_CONNECTIONS;
	kpi_error first = KPI_ERROR_INIT;

	if (n <= 1 || !pg->snapshot[0] || want <= 1 || !pg->conn)
		return fetch_serial(pg, reqs, n, err);
	if (!(jobs = calloc(n, sizeof(*jobs))) || !(order = calloc(n, sizeof(*order)))) {
		free(jobs);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	nprep = jobs_prepare(jobs, pg, reqs, n, &failed, &first);
	norder = jobs_order(order, jobs, nprep);
	memset(slots, 0, sizeof(slots));
	slots[0].conn = pg->conn;
	slots[0].job = -1;
	while (nslots < (size_t)want && nslots < n && (slots[nslots].conn = open_more(pg)))
		slots[nslots++].job = -1;

	for (;;) {
		size_t nbusy = 0;
		double wake = INFINITY;
		/* Hand the next queries (jobs_order) to idle connections; none
		 * after a failure except those before it in `reqs` order, which a
		 * serial run would have run (and whose failure it would report
		 * instead). */
		for (size_t s = 0; s < nslots; s++) {
			fetch_job *j;
			while (next < norder && order[next] >= failed)
				next++;
			if (next >= norder)
				break;
			j = &jobs[order[next]];
			if (slots[s].job >= 0 || !slots[s].conn)
				continue;
			if (send_job(slots[s].conn, j) != 1 && job_finish(j, pg, slots[s].conn, NULL, &first)) {
				failed = order[next++];
				break;
			}
			deadline_start(&slots[s].dl, pg->cfg, pg->run_deadline);
			slots[s].job = (long)order[next++];
		}
		for (size_t s = 0; s < nslots; s++) {
			int flush;
			if (slots[s].job < 0)
				continue;
			if ((size_t)slots[s].job > failed && !slots[s].cancelled)
				slot_cancel(&slots[s]);
			flush = PQflush(slots[s].conn);
			pfd[nbusy].fd = PQsocket(slots[s].conn);
			pfd[nbusy].events = POLLIN | (flush == 1 ? POLLOUT : 0);
			pfd[nbusy].revents = 0;
			/* no socket: the connection is gone, which slot_collect says at once */
			if (slots[s].dl.at < wake || pfd[nbusy].fd < 0)
				wake = pfd[nbusy].fd < 0 ? 0 : slots[s].dl.at;
			nbusy++;
		}
		if (nbusy == 0)
			break;
		if (poll(pfd, nbusy, poll_ms(wake - kpi__mono_now())) < 0 && errno != EINTR) {
			kpi_error_set(&first, KPI_ESOURCE, "waiting for PostgreSQL (%s): %s", pg->where, strerror(errno));
			failed = 0;
			break;
		}
		for (size_t s = 0, b = 0; s < nslots; s++) {
			size_t i = (size_t)slots[s].job;
			bool ready;
			if (slots[s].job < 0)
				continue;
			ready = pfd[b].revents || pfd[b].fd < 0;
			b++;
			if (!ready || !slot_collect(&slots[s])) {
				if (kpi__mono_now() >= slots[s].dl.at)
					slot_expire(pg, &slots[s], jobs, &failed, &first);
				continue;
			}
			if (i < failed) {
				jobs_finish(jobs, i, pg, slots[s].conn, slots[s].result, (int)nslots, &failed, &first);
			} else {
				/* after the failure a serial run reports: its rows go */
				kpi_error ignored = KPI_ERROR_INIT;
				job_finish(&jobs[i], pg, slots[s].conn, slots[s].result, &ignored);
			}
			PQclear(slots[s].result);
			slots[s].result = NULL;
			slots[s].job = -1;
			slots[s].cancelled = false;
		}
	}
	if (failed < n) {
		jobs_release(jobs, nprep);
		if (err)
			*err = first;
	}
	for (size_t s = 1; s < nslots; s++) {
		PQclear(slots[s].result);
		if (slots[s].conn)
			PQfinish(slots[s].conn); /* ends its read-only transaction */
	}
	PQclear(slots[0].result);
	free(order);
	free(jobs);
	return failed < n ? first.code : 0;
}

int kpi__pg_fetch_stale(kpi_pg *pg, kpi__fetch *reqs, size_t n, kpi_error *err)
{
	for (size_t i = 0; i < n; i++) {
		fetch_job j;
		int rc = job_prepare(&j, pg, &reqs[i], err);
		if (!rc && (rc = init_rows(reqs[i].out, reqs[i].def, reqs[i].w, err)))
			kpi__series_release(reqs[i].out);
		job_release(&j);
		if (rc) {
			for (size_t k = 0; k < i; k++)
				kpi__series_release(reqs[k].out);
			return rc;
		}
		for (size_t k = 0; k < reqs[i].out->nrows; k++) {
			kpi_row *row = &reqs[i].out->rows[k];
			row->has_value = row->has_numerator = row->has_denominator = false;
			row->value = 0;
			row->incomplete = true;
		}
		kpi__progress_kpi(reqs[i].progress, 1);
	}
	return 0;
}

int kpi__pg_session_sql(struct pg_result **out, kpi_pg *pg, const char *what, const char *sql, int n,
                        const char *const *vals, kpi_error *err)
{
	PGresult *r = NULL;
	char msg[512];
	int rc;

	*out = NULL;
	if ((rc = session_exec(&r, pg, what, "kpi", sql, n, NULL, vals, 0, err)))
		return rc;
	if (PQresultStatus(r) == PGRES_TUPLES_OK || PQresultStatus(r) == PGRES_COMMAND_OK) {
		*out = (struct pg_result *)r;
		return 0;
	}
	if (recovery_conflict(pg->conn, r))
		pg->conflicts++;
	first_line(msg, sizeof(msg), r ? PQresultErrorMessage(r) : PQerrorMessage(pg->conn));
	if (PQstatus(pg->conn) != CONNECTION_OK)
		rc = kpi_error_set(err, KPI_ESOURCE, "%s: lost the connection to PostgreSQL (%s): %s", what, pg->where, msg);
	else if (r && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
	         strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "57014") == 0)
		/* the session's own statements are small catalogue reads: one
		 * cancelled says the limit is too low for the server, whatever the KPIs */
		rc = kpi_error_set(err, KPI_ETIMEOUT,
		                   "%s was cancelled after statement_timeout %d ms, too low for this server: raise "
		                   "KPI_STATEMENT_TIMEOUT_MS or the config's database.statement_timeout_ms (PostgreSQL %s): %s",
		                   what, pg->cfg->statement_timeout_ms, pg->where, msg);
	else
		rc = kpi_error_set(err, KPI_ESOURCE, "%s: PostgreSQL (%s): %s", what, pg->where, msg);
	PQclear(r);
	return rc;
}

int kpi__pg_exec_sql(struct pg_result **out, kpi_pg *pg, const kpi__sql *q, const char *text,
                     const char *const *vals, const char *what, kpi_error *err)
{
	Oid types[KPI__SQL_MAX_PARAMS];
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < q->nparams; i++)
		types[i] = q->params[i].oid;
	if ((rc = session_exec(&r, pg, what, q->path, text, (int)q->nparams, types, vals, 0, err)))
		return rc;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = query_error(pg->conn, pg->where, r, pg->cfg, q, what, err);
		PQclear(r);
		return rc;
	}
	*out = (struct pg_result *)r;
	return 0;
}

int kpi__pg_query_file(struct pg_result **out, char sha256[65], kpi_pg *pg, const char *name, const char *what,
                       size_t n, const char *const *names, const char *const *values, kpi_error *err)
{
	const char *vals[KPI__SQL_MAX_PARAMS] = { NULL };
	Oid types[KPI__SQL_MAX_PARAMS];
	kpi__sql q;
	PGresult *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = kpi__sql_load(&q, pg->cfg->query_dir, name, err)))
		return kpi_error_wrap(err, "%s", what);
	if (sha256)
		memcpy(sha256, q.sha256, sizeof(q.sha256));
	for (size_t i = 0; i < q.nparams; i++) {
		for (size_t k = 0; k < n && !vals[i]; k++)
			if (strcmp(names[k], q.params[i].name) == 0)
				vals[i] = values[k];
		if (!vals[i]) {
			rc = kpi_error_set(err, KPI_ECONFIG, "%s (%s): no value for its parameter $%zu %s", what, q.path, i + 1,
			                   q.params[i].name);
			goto done;
		}
		types[i] = q.params[i].oid;
	}
	/* Text results: the caller reads integers and float8 (shortest exact
	 * text since PG 12). */
	if ((rc = session_exec(&r, pg, what, q.path, q.text, (int)q.nparams, types, vals, 0, err)))
		goto done;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = query_error(pg->conn, pg->where, r, pg->cfg, &q, what, err);
		PQclear(r);
		goto done;
	}
	*out = (struct pg_result *)r;
done:
	kpi__sql_release(&q);
	return rc;
}
