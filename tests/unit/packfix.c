/* Fixtures of the pack's tests (packfix.h). */
#include "packfix.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("packfix: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static int64_t at(const char *iso)
{
	int64_t t;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_time_parse(&t, iso, &err))
		die("%s", err.message);
	return t;
}

kpi_snapshot *packfix_golden(void)
{
	kpi_snapshot *snap = snapfix_new(PACKFIX_CATALOG, "2026-W46", 3, "Europe/Berlin", at("2026-11-12T10:30:00Z"));
	const char *legacy[] = { "legacy" }, *owned[] = { "owned" }, *p50[] = { "p50" }, *p95[] = { "p95" };
	const char *orders[] = { "/v1/orders" }, *odd[] = { "caf\xc3\xa9 \xe2\x98\x95 \"quoted\" back\\slash\ttab" };
	const int64_t as_of = snap->result->window.as_of;
	kpi_row *r;

	/* coverage: no data (blocks: HOLD), a breach, a warning */
	r = snapfix_row(snap, "legacy_coverage_pct", 0, NULL, false, 0);
	r->has_numerator = r->has_denominator = true;
	r = snapfix_row(snap, "legacy_coverage_pct", 1, NULL, true, 94.5);
	r->has_numerator = r->has_denominator = true;
	r->numerator = 189;
	r->denominator = 200;
	r = snapfix_row(snap, "legacy_coverage_pct", 2, NULL, true, 95.5);
	r->has_numerator = r->has_denominator = true;
	r->numerator = 191;
	r->denominator = 200;
	/* success by path: owned has no row in week 1, no value in week 2 */
	snapfix_row(snap, "export_success_rate", 0, legacy, true, 99.7);
	snapfix_row(snap, "export_success_rate", 0, owned, true, 100);
	snapfix_row(snap, "export_success_rate", 1, legacy, true, 98.2);
	snapfix_row(snap, "export_success_rate", 2, legacy, true, 0.1 + 0.2 + 99);
	snapfix_row(snap, "export_success_rate", 2, owned, false, 0);
	/* uncached age and critical mismatches: week 2 is what the drill-down
	 * lists below say (2 uncovered designs, the oldest 8.5 days old; 2
	 * critical mismatches), as a collection reads them */
	r = snapfix_row(snap, "uncached_legacy_max_age_days", 0, NULL, true, 0);
	r->has_numerator = true;
	r = snapfix_row(snap, "uncached_legacy_max_age_days", 1, NULL, true, 8.25);
	r->has_numerator = true;
	r->numerator = 3;
	r = snapfix_row(snap, "uncached_legacy_max_age_days", 2, NULL, true, 8.5);
	r->has_numerator = true;
	r->numerator = 2;
	snapfix_row(snap, "routing_mismatch_critical", 0, NULL, true, 0);
	snapfix_row(snap, "routing_mismatch_critical", 1, NULL, true, 2);
	snapfix_row(snap, "routing_mismatch_critical", 2, NULL, true, 2);
	/* CloudWatch: open-ended labels, extreme numbers, an incomplete row */
	snapfix_row(snap, "api_error_rate_pct", 0, orders, true, 0.25);
	snapfix_row(snap, "api_error_rate_pct", 1, orders, true, 4.9406564584124654e-324);
	snapfix_row(snap, "api_error_rate_pct", 1, odd, true, 1.5e308); /* beyond Excel's range */
	r = snapfix_row(snap, "api_error_rate_pct", 2, orders, true, 0.5);
	r->incomplete = true;
	snapfix_row(snap, "api_error_rate_pct", 2, odd, true, 0);
	/* informational, negative and large values, not applicable */
	r = snapfix_row(snap, "job_latency_seconds", 0, p50, true, 1.5);
	r = snapfix_row(snap, "job_latency_seconds", 0, p95, true, 3);
	r->applicable = false;
	snapfix_row(snap, "job_latency_seconds", 1, p50, true, -12.5);
	snapfix_row(snap, "job_latency_seconds", 1, p95, true, 1e21);
	snapfix_row(snap, "job_latency_seconds", 2, p50, true, 1.25);
	snapfix_row(snap, "job_latency_seconds", 2, p95, false, 0);

	snapfix_uncovered(snap, 1001, "acme", "gold-foil", 2, as_of - 8 * 86400 - 43200);
	snapfix_uncovered(snap, 1002, "globex", "classic", 1, as_of - 3 * 86400);
	snapfix_mismatch(snap, 77002, as_of - 3600, 501, "acme", "tenant", "owned", "legacy");
	snapfix_mismatch(snap, 77001, as_of - 7200, 502, "globex", "style", "legacy", "owned");
	snapfix_change(snap, at("2026-10-27T09:00:00Z"), "tenant", "acme", NULL, "owned", "a.okafor");
	snapfix_change(snap, at("2026-11-03T14:02:00Z"), "style", "vintage-poster", "legacy", "owned", "deploy-bot");
	snapfix_change(snap, at("2026-11-10T08:15:00Z"), "user", "u1001", "owned", NULL, "a.okafor");
	/* two catalogue KPIs the run left out, one of them gating (format 2) */
	snapfix_not_collected(snap, "api_latency_p95_ms", "API latency p95 (load balancer target response time)", true,
	                      "CloudWatch not configured",
	                      "set cloudwatch.load_balancer in the config file or KPI_CW_LOAD_BALANCER");
	snapfix_not_collected(snap, "sqs_queue_depth", "SQS queue depth (max visible messages)", false,
	                      "CloudWatch not configured", "set cloudwatch.queues in the config file or KPI_CW_QUEUES");
	/* a waiver of the gating one that ran out the week before the last (format 3) */
	snapfix_waiver(snap, "api_latency_p95_ms", NULL, NULL, "the load balancer moves to the new account in W46",
	               "J. Rivera (rollout board)", "2026-W45");
	snap->sources = realloc(snap->sources, 2 * sizeof(*snap->sources));
	if (!snap->sources)
		die("out of memory");
	snap->sources[1].kind = strdup("cloudwatch");
	snap->sources[1].where = strdup("us-east-1 http://127.0.0.1:5000");
	snap->nsources = 2;
	snap->drill_queries = calloc(3, sizeof(*snap->drill_queries));
	if (!snap->drill_queries)
		die("out of memory");
	{
		static const char *const q[] = { "pack/uncovered_designs.sql", "pack/critical_mismatches.sql",
			                         "pack/rollout_changes.sql" };
		for (int i = 0; i < 3; i++) {
			snap->drill_queries[i].name = strdup(q[i]);
			snprintf(snap->drill_queries[i].sha256, 65, "%064x", 0xd0 + i);
		}
		snap->ndrill_queries = 3;
		}
	/* format 4: read from a hot standby 2.5 s behind its primary, with
	 * pg_stat_statements; the first KPI's blocks counted, the others not
	 * (another run called the same query meanwhile), one not queried */
	snap->provenance = calloc(1, sizeof(*snap->provenance));
	if (!snap->provenance || !(snap->provenance->sources = calloc(1, sizeof(kpi_source_freshness))) ||
	    !(snap->provenance->costs = calloc(snap->result->nseries + 1, sizeof(kpi_kpi_cost))))
		die("out of memory");
	snap->provenance->nsources = 1;
	snap->provenance->sources[0] = (kpi_source_freshness){ strdup("postgres"), true, true, at("2026-11-19T23:59:57Z"),
		                                               2.5, strdup("caught up with the primary's last message"),
		                                               300, false, 1, strdup("pg_stat_statements") };
	for (size_t i = 0; i < snap->result->nseries; i++) {
		kpi_kpi_cost *c = &snap->provenance->costs[snap->provenance->ncosts++];
		c->kpi = strdup(snap->result->series[i].def->id);
		c->has_seconds = i != 1;
		c->seconds = c->has_seconds ? 0.125 * (double)(i + 1) : 0;
		c->has_blocks = i == 0;
		c->shared_blks_hit = c->has_blocks ? 14644 : 0;
		c->shared_blks_read = c->has_blocks ? 12 : 0;
	}
	/* a stable catalogue path, wherever the tests run */
	free(snap->catalog->path);
	snap->catalog->path = strdup("tests/fixtures/unit/catalog_pack.json");
	snapfix_finish(snap);
	return snap;
}

kpi_snapshot *packfix_synthetic(int nweeks)
{
	kpi_snapshot *snap = snapfix_synthetic(KPI_SOURCE_DIR "/templates/catalog.json", nweeks);
	free(snap->catalog->path);
	snap->catalog->path = strdup("templates/catalog.json");
	return snap;
}

kpi_buf packfix_json(kpi_snapshot *snap)
{
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_snapshot_write(&b, snap, &err))
		die("kpi_snapshot_write: %s", err.message);
	return b;
}

/* ---- files ---- */

static char tmproot[256];

void packfix_cleanup(void)
{
	kpi_error err = KPI_ERROR_INIT;
	if (tmproot[0] && kpi__remove_tree(tmproot, &err))
		fprintf(stderr, "packfix: %s\n", err.message);
	tmproot[0] = '\0';
}

const char *packfix_tmpdir(void)
{
	static char dir[300];
	static int n;
	if (!tmproot[0]) {
		snprintf(tmproot, sizeof(tmproot), "/tmp/kpi-packtest.XXXXXX");
		if (!mkdtemp(tmproot))
			die("mkdtemp: %s", strerror(errno));
		atexit(packfix_cleanup);
	}
	snprintf(dir, sizeof(dir), "%s/d%d", tmproot, ++n);
	if (mkdir(dir, 0755) != 0)
		die("mkdir %s: %s", dir, strerror(errno));
	return dir;
}

const char *packfix_path(const char *dir, const char *name)
{
	static char buf[4096];
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

char *packfix_read(const char *path, size_t *len)
{
	char *data = NULL;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi__read_file(&data, &n, path, &err))
		return NULL;
	if (len)
		*len = n;
	return data;
}

void packfix_write(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s", path);
}

static void list(const char *root, const char *rel, char ***out, size_t *n)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	snprintf(path, sizeof(path), "%s%s%s", root, rel[0] ? "/" : "", rel);
	if (!(d = opendir(path)))
		die("opendir %s: %s", path, strerror(errno));
	while ((e = readdir(d))) {
		char r[4096], full[8192];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(r, sizeof(r), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, r);
		if (lstat(full, &st) != 0)
			die("lstat %s", full);
		if (S_ISDIR(st.st_mode)) {
			list(root, r, out, n);
		} else {
			*out = realloc(*out, (*n + 1) * sizeof(char *));
			(*out)[(*n)++] = strdup(r);
		}
	}
	closedir(d);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void packfix_same_tree(const char *a, const char *b)
{
	char **la = NULL, **lb = NULL;
	size_t na = 0, nb = 0;
	list(a, "", &la, &na);
	list(b, "", &lb, &nb);
	qsort(la, na, sizeof(char *), cmpstr);
	qsort(lb, nb, sizeof(char *), cmpstr);
	if (na != nb)
		die("%s has %zu files, %s has %zu", a, na, b, nb);
	for (size_t i = 0; i < na; i++) {
		char pa[8192], pb[8192], *da, *db;
		size_t la_, lb_;
		if (strcmp(la[i], lb[i]) != 0)
			die("%s has %s where %s has %s", a, la[i], b, lb[i]);
		snprintf(pa, sizeof(pa), "%s/%s", a, la[i]);
		snprintf(pb, sizeof(pb), "%s/%s", b, lb[i]);
		da = packfix_read(pa, &la_);
		db = packfix_read(pb, &lb_);
		if (!da || !db || la_ != lb_ || memcmp(da, db, la_) != 0)
			die("%s differs between %s and %s", la[i], a, b);
		free(da);
		free(db);
		free(la[i]);
		free(lb[i]);
	}
	free(la);
	free(lb);
}

char *packfix_stderr_of(void (*fn)(void *), void *ctx)
{
	char path[300];
	int saved, fd;
	char *out;
	snprintf(path, sizeof(path), "%s/stderr.txt", packfix_tmpdir());
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (saved < 0 || fd < 0)
		die("cannot redirect stderr");
	dup2(fd, 2);
	close(fd);
	fn(ctx);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	out = packfix_read(path, NULL);
	return out ? out : strdup("");
}
