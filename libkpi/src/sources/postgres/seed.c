#include "sources/postgres/pg.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_file(PGconn *conn, const kpi_config *cfg, const char *name, kpi_error *err)
{
	char *path = kpi__path_join(cfg->query_dir, name), *text = NULL;
	PGresult *r;
	int rc;

	if (!path)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__read_file(&text, NULL, path, err)) == 0) {
		/* Multi-statement scripts cannot take bind parameters: the scale comes
		 * in through the session setting kpi.scale instead. */
		r = PQexec(conn, text);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
			const char *m = PQresultErrorMessage(r);
			char line[512];
			size_t i = 0;
			if (strncmp(m, "ERROR:  ", 8) == 0)
				m += 8;
			while (m[i] && m[i] != '\n' && i + 1 < sizeof(line)) {
				line[i] = m[i];
				i++;
			}
			line[i] = '\0';
			rc = kpi_error_set(err, KPI_ESOURCE, "%s: %s", path, line);
		}
		PQclear(r);
	}
	free(text);
	free(path);
	return rc;
}

/* A dataset goes into empty reference tables only: with rows there the
 * command as given cannot run (it needs --reset), a usage error, not a
 * source that cannot be read (the dataset's SQL refuses too, for psql). */
static int check_empty(PGconn *conn, const char *dataset, kpi_error *err)
{
	PGresult *r = PQexec(conn, "SELECT EXISTS (SELECT 1 FROM designs) OR EXISTS (SELECT 1 FROM jobs)");
	int rc = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		rc = kpi_error_set(err, KPI_ESOURCE, "cannot check the reference tables: %.300s", PQresultErrorMessage(r));
	else if (strcmp(PQgetvalue(r, 0, 0), "t") == 0)
		rc = kpi_error_set(err, KPI_EUSAGE,
		                   "the reference tables are not empty (designs, jobs): kpi seed %s --reset replaces them",
		                   dataset);
	PQclear(r);
	return rc;
}

int kpi_seed(const kpi_config *cfg, const char *dataset, long scale, bool reset, kpi_error *err)
{
	PGconn *conn = NULL;
	char where[256], buf[64], file[128];
	const char *params[1];
	PGresult *r;
	int rc;

	if (dataset && strcmp(dataset, "demo") != 0 && strcmp(dataset, "scale") != 0)
		return kpi_error_set(err, KPI_EUSAGE, "unknown dataset '%s': expected demo or scale", dataset);
	if (scale < 1 || scale > 100000)
		return kpi_error_set(err, KPI_EUSAGE, "scale %ld: expected 1..100000", scale);
	if ((rc = kpi__pg_connect((struct pg_conn **)&conn, where, sizeof(where), cfg, err)))
		return rc;
	snprintf(buf, sizeof(buf), "%ld", scale);
	params[0] = buf;
	r = PQexecParams(conn, "SELECT set_config('kpi.scale', $1, false), set_config('client_min_messages', 'warning', false)",
	                 1, NULL, params, NULL, NULL, 0);
	PQclear(r);
	if (reset && (rc = run_file(conn, cfg, "seed/drop.sql", err)))
		goto done;
	if ((rc = run_file(conn, cfg, "schema.sql", err)))
		goto done;
	if (dataset && !reset && (rc = check_empty(conn, dataset, err)))
		goto done;
	if (dataset) {
		snprintf(file, sizeof(file), "seed/%s.sql", dataset);
		rc = run_file(conn, cfg, file, err);
	}
done:
	PQfinish(conn);
	return rc;
}
