/*
 * Benchmark (not a test): what one save of the alert ledger costs as the
 * outbox grows. A run saves the ledger once before it sends anything and
 * once after every delivery attempt (so an attempt is never lost), each save
 * being serialise + SHA-256 + write + fsync + rename + directory fsync; with
 * a receiver down and many notifications waiting, that is the per-attempt
 * overhead. Prints Markdown rows: entries, file size, median ms per save,
 * median ms per parse (the next run's load).
 *
 * usage: bench_alert_ledger DIR [N...]   (default N: 10 100 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert_internal.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A ledger like a day of a down receiver: n pending entries with a dozen
 * attempts of history each, and a record per entry. */
static kpi__ledger *make(int n)
{
	kpi__ledger *l = kpi__ledger_new();
	for (int i = 0; i < n; i++) {
		char id[64], key[128];
		json_t *labels = json_pack("{s:s}", "path", i % 2 ? "owned" : "legacy");
		kpi__alert_rec *r;
		kpi__outbox_entry *e;
		snprintf(id, sizeof(id), "export_success_rate{path=%d}", i);
		snprintf(key, sizeof(key), "kpi:%s:20261116T080000Z", id);
		r = kpi__ledger_add(l, id, "export_success_rate", labels);
		json_decref(labels);
		r->state = KPI_ALERT_FIRING;
		r->dedupe_key = strdup(key);
		r->since = r->episode = r->last_notified = r->last_seen = 1794816000;
		r->has_value = true;
		r->value = 97.25;
		e = kpi__ledger_enqueue(l);
		e->id = strdup(id);
		e->sink = strdup("pagerduty");
		e->dedupe_key = strdup(key);
		e->action = strdup("trigger");
		e->attempts = 12;
		e->created = e->next_attempt = e->last_attempt = 1794816000;
		e->last_error = strdup("sink 'pagerduty' (pagerduty): HTTP 503: service unavailable");
		for (int k = 0; k < 12; k++)
			json_array_append_new(e->history, json_pack("{s:s, s:s}", "at", "2026-11-16T08:00:00Z", "outcome",
			                                            "sink 'pagerduty' (pagerduty): HTTP 503: service unavailable"));
		e->notification = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:s}", "schema", "kpi.alert/1", "id", id,
		                            "dedupe_key", key, "summary",
		                            "[critical] Export success rate by path (path=owned): 97.25% (threshold >= 99%)",
		                            "value", 97.25, "threshold", ">= 99%", "body",
		                            "KPI: export_success_rate [path=owned]\nValue: 97.25%, threshold >= 99% "
		                            "(status breach)\nIn breach since: 2026-11-16T08:00:00Z (1h)\nRunbook: "
		                            "docs/runbook.md#export-success-rate\n");
	}
	return l;
}

int main(int argc, char **argv)
{
	int defaults[] = { 10, 100, 1000 };
	int nn = argc > 2 ? argc - 2 : 3;
	char path[4096];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_alert_ledger DIR [N...]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ledger.json", argv[1]);
	printf("| outbox entries | ledger size | save (ms, median of 21) | load + parse + verify (ms, median of 21) |\n");
	printf("|---:|---:|---:|---:|\n");
	for (int k = 0; k < nn; k++) {
		int n = argc > 2 ? atoi(argv[k + 2]) : defaults[k];
		kpi__ledger *l = make(n);
		double save[21], load[21];
		kpi_error err = KPI_ERROR_INIT;
		struct stat st;
		for (int i = 0; i < 21; i++) {
			double t0 = mono();
			char *text = NULL;
			size_t len = 0;
			kpi__ledger *back = NULL;
			if (kpi__ledger_save(path, l, 1794816000 + i, &err)) {
				fprintf(stderr, "bench_alert_ledger: %s\n", err.message);
				return 1;
			}
			save[i] = (mono() - t0) * 1000;
			t0 = mono();
			if (kpi__read_file(&text, &len, path, &err) || kpi__ledger_parse(&back, text, len, &err)) {
				fprintf(stderr, "bench_alert_ledger: %s\n", err.message);
				return 1;
			}
			load[i] = (mono() - t0) * 1000;
			free(text);
			kpi__ledger_free(back);
		}
		qsort(save, 21, sizeof(double), cmp);
		qsort(load, 21, sizeof(double), cmp);
		stat(path, &st);
		printf("| %d | %.0f KiB | %.1f | %.1f |\n", n, (double)st.st_size / 1024, save[10], load[10]);
		kpi__ledger_free(l);
	}
	unlink(path);
	return 0;
}
