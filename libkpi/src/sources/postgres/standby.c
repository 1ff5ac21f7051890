/* A hot standby's freshness (docs/configuration.md, "Reading a hot
 * standby"): whether the server is in recovery and, when it is, up to
 * which primary time its data is known to be complete:
 *
 * - the WAL receiver is streaming and has replayed everything the primary
 *   had sent by its last message (pg_last_wal_replay_lsn() >=
 *   pg_stat_wal_receiver.latest_end_lsn): the data is complete as of that
 *   message's send time on the primary (last_msg_send_time). On an idle
 *   primary this keeps the lag to the keepalive interval (about
 *   wal_receiver_timeout / 2, 30 s by default) instead of growing without
 *   end, as the last replayed transaction's time would;
 * - else the commit time of the last transaction replayed
 *   (pg_last_xact_replay_timestamp()): replay is behind (or paused), and
 *   nothing committed after it is in the data.
 *
 * The later of the two is the primary time T; the lag is the server's
 * now() - T (so a clock skew between the two hosts is part of it). Both
 * are read before the transaction's snapshot is taken: the snapshot holds
 * at least what T says. pg_stat_wal_receiver shows its details only to
 * roles with pg_read_all_stats (pg_monitor); without them and without a
 * transaction replayed since the standby started, the lag is unknown,
 * which database.max_lag treats as above the limit. */
#include "sources/postgres/pg.h"
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char freshness_sql[] =
	"SELECT pg_is_in_recovery(), extract(epoch FROM now())::float8, "
	"extract(epoch FROM pg_last_xact_replay_timestamp())::float8, "
	"(SELECT extract(epoch FROM r.last_msg_send_time)::float8 FROM pg_stat_wal_receiver r "
	" WHERE r.status = 'streaming' AND pg_last_wal_replay_lsn() >= r.latest_end_lsn)";

static bool num(const PGresult *r, int col, double *out)
{
	char *end;
	if (PQgetisnull(r, 0, col))
		return false;
	*out = strtod(PQgetvalue(r, 0, col), &end);
	return *end == '\0' && isfinite(*out);
}

static int set_str(char **dst, const char *s, kpi_error *err)
{
	free(*dst);
	if (!(*dst = s ? strdup(s) : NULL) && s)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

int kpi__pg_read_freshness(kpi_pg *pg, kpi_error *err)
{
	kpi_source_freshness *f = kpi__pg_freshness(pg);
	const kpi_config *cfg = kpi__pg_config(pg);
	PGresult *r = NULL;
	double now = 0, replay = 0, caught = 0;
	bool has_replay, has_caught;
	const char *basis;
	int rc;

	if ((rc = kpi__pg_session_sql((struct pg_result **)&r, pg, "the check whether PostgreSQL is a hot standby",
	                              freshness_sql,
	                              0, NULL, err)))
		return rc;
	if ((rc = set_str(&f->source, "postgres", err)))
		goto done;
	f->standby = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	f->max_lag = cfg->max_lag;
	f->has_primary_time = f->stale = false;
	f->primary_time = 0;
	f->lag_seconds = 0;
	if (!f->standby) {
		rc = set_str(&f->basis, NULL, err);
		goto done;
	}
	num(r, 1, &now);
	has_replay = num(r, 2, &replay);
	has_caught = num(r, 3, &caught);
	if (has_caught && (!has_replay || caught >= replay)) {
		basis = "caught up with the primary's last message";
		replay = caught;
	} else if (has_replay) {
		basis = "last replayed transaction";
	} else {
		basis = "no transaction replayed since the standby started, and the WAL receiver's state not visible "
		        "(grant pg_monitor) or not streaming";
	}
	if ((rc = set_str(&f->basis, basis, err)))
		goto done;
	if (has_caught || has_replay) {
		f->has_primary_time = true;
		f->primary_time = (int64_t)floor(replay);
		/* to the millisecond: what the snapshot records */
		f->lag_seconds = now > replay ? round((now - replay) * 1000) / 1000 : 0;
	}
	f->stale = cfg->max_lag > 0 && (!f->has_primary_time || f->lag_seconds > cfg->max_lag);
	if (f->stale) {
		char line[512], t[32];
		if (f->has_primary_time)
			snprintf(line, sizeof(line),
			         "the PostgreSQL hot standby (%s) lags %.0f s behind its primary (data as of primary time %s), "
			         "more than database.max_lag %d s: every PostgreSQL KPI of this run is missing data",
			         kpi__pg_where(pg), f->lag_seconds, kpi_time_format(t, sizeof(t), f->primary_time), cfg->max_lag);
		else
			snprintf(line, sizeof(line),
			         "the PostgreSQL hot standby (%s) cannot say how far it lags behind its primary (%s) and "
			         "database.max_lag is %d s: every PostgreSQL KPI of this run is missing data",
			         kpi__pg_where(pg), basis, cfg->max_lag);
		kpi_log_fields(KPI_LOG_WARN, "pg.lag",
		               json_pack("{s:o, s:i, s:s}", "lag_seconds",
		                         f->has_primary_time ? json_real(f->lag_seconds) : json_null(), "max_lag",
		                         cfg->max_lag, "basis", basis),
		               line);
	}
done:
	PQclear(r);
	return rc;
}
