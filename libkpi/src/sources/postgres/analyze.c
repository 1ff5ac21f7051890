/* `kpi explain KPI --analyze`: the KPI's query run under EXPLAIN (ANALYZE,
 * BUFFERS, FORMAT JSON) in the read-only, repeatable-read transaction of a
 * session like any run's (same settings: statement_timeout, JIT off, the
 * zone), and its plan printed one node a line with where the time and the
 * blocks went. Times are the node's actual total time x its loops (a
 * node's time includes its children's); blocks are shared buffers hit (in
 * PostgreSQL's cache) and read (from the OS or disk), children included. */
#include "sources/postgres/pg.h"
#include <libpq-fe.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPLAIN_PREFIX "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* One line per node, depth-first, indented by depth. */
static void node_lines(kpi_buf *out, const json_t *plan, int depth)
{
	char label[256];
	const char *rel = json_string_value(json_object_get(plan, "Relation Name"));
	const char *idx = json_string_value(json_object_get(plan, "Index Name"));
	const char *cte = json_string_value(json_object_get(plan, "CTE Name"));
	const char *strat = json_string_value(json_object_get(plan, "Strategy"));
	double loops = num(plan, "Actual Loops");
	size_t i;
	json_t *child;

	snprintf(label, sizeof(label), "%*s%s%s%s%s%s%s%s%s%s", depth * 2, "", depth ? "-> " : "",
	         json_string_value(json_object_get(plan, "Node Type")), strat && strcmp(strat, "Plain") ? " (" : "",
	         strat && strcmp(strat, "Plain") ? strat : "", strat && strcmp(strat, "Plain") ? ")" : "",
	         rel ? " on " : cte ? " on CTE " : "", rel ? rel : cte ? cte : "", idx ? " using " : "", idx ? idx : "");
	kpi_buf_printf(out, "%12.3f %12.0f %7.0f %12.0f %12.0f  %s\n", num(plan, "Actual Total Time") * loops,
	               num(plan, "Actual Rows") * loops, loops, num(plan, "Shared Hit Blocks"),
	               num(plan, "Shared Read Blocks"), label);
	json_array_foreach(json_object_get(plan, "Plans"), i, child)
		node_lines(out, child, depth + 1);
}

int kpi__pg_analyze(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                    const kpi_window *w, kpi_error *err)
{
	char values[KPI__SQL_MAX_PARAMS][64], what[160];
	const char *vals[KPI__SQL_MAX_PARAMS];
	kpi__sql q;
	kpi_pg *pg = NULL;
	PGresult *r = NULL;
	json_t *doc = NULL, *top, *plan;
	json_error_t jerr;
	kpi_buf text = KPI_BUF_INIT;
	int rc;

	snprintf(what, sizeof(what), "KPI %s (EXPLAIN ANALYZE)", def->id);
	if ((rc = kpi__sql_load(&q, cfg->query_dir, def->query, err)))
		return kpi_error_wrap(err, "KPI %s", def->id);
	if ((rc = kpi__pg_param_values(values, &q, cfg, cat, def, w, err)))
		goto done;
	for (size_t i = 0; i < q.nparams; i++)
		vals[i] = values[i];
	if (kpi_buf_puts(&text, EXPLAIN_PREFIX) || kpi_buf_puts(&text, q.text)) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi__pg_open(&pg, cfg, cat, false, err)) ||
	    (rc = kpi__pg_exec_sql((struct pg_result **)&r, pg, &q, text.data, vals, what, err)))
		goto done;
	if (PQntuples(r) != 1 || PQnfields(r) != 1 ||
	    !(doc = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &jerr)) || !json_is_object(top = json_array_get(doc, 0)) ||
	    !json_is_object(plan = json_object_get(top, "Plan"))) {
		rc = kpi_error_set(err, KPI_ESOURCE, "%s (%s): PostgreSQL (%s) answered EXPLAIN with no JSON plan", what,
		                   q.path, kpi__pg_where(pg));
		goto done;
	}
	kpi_buf_printf(out,
	               "\n-- EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) on %s, in kpi's read-only transaction\n"
	               "-- time: the node's actual total time x loops, children included; blocks: shared buffers\n"
	               "-- hit (in PostgreSQL's cache) and read (from the OS or disk), children included\n"
	               "%12s %12s %7s %12s %12s  %s\n",
	               kpi__pg_where(pg), "time (ms)", "rows", "loops", "shared hit", "shared read", "node");
	node_lines(out, plan, 0);
	kpi_buf_printf(out, "-- planning %.3f ms, execution %.3f ms; shared blocks hit %.0f, read %.0f\n",
	               num(top, "Planning Time"), num(top, "Execution Time"), num(plan, "Shared Hit Blocks"),
	               num(plan, "Shared Read Blocks"));
done:
	json_decref(doc);
	PQclear(r);
	kpi__pg_close(pg);
	kpi_buf_release(&text);
	kpi__sql_release(&q);
	return rc;
}
