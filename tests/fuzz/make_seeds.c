/*
 * make_seeds: write the seeds of the fuzz corpus that are derived from code
 * rather than copied from the tree (tests/fuzz/corpus/, docs/testing.md):
 *
 *   fuzz_make_seeds CORPUS_DIR
 *
 *   manifest/pack_of_one.json  the manifest of a pack holding
 *                              manifest_snapshot.json alone (what
 *                              fuzz_manifest verifies against)
 *   ledger/two_alerts.json     a ledger with a firing and a resolved alert,
 *                              the blind monitor, and pending, delivered and
 *                              failed outbox entries
 *
 * Not a test: run it again when the manifest or ledger format changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kpi/kpi.h"
#include "alert/alert_internal.h"

#define T0 1794816000 /* 2026-11-16T08:00:00Z */

static void put(const char *dir, const char *name, const kpi_buf *b)
{
	char path[1024];
	kpi_error err = KPI_ERROR_INIT;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (kpi__write_file_atomic(path, b->data, b->len, &err)) {
		fprintf(stderr, "make_seeds: %s\n", err.message);
		exit(1);
	}
}

static void manifest(const char *dir)
{
	const char *path = KPI_SOURCE_DIR "/tests/fuzz/manifest_snapshot.json";
	kpi_snapshot *snap = NULL;
	kpi_pack_file f = { "snapshot.json", 0, "" };
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char *text = NULL;
	size_t len = 0;

	if (kpi__read_file(&text, &len, path, &err) || kpi_snapshot_parse(&snap, path, text, len, &err)) {
		fprintf(stderr, "make_seeds: %s\n", err.message);
		exit(1);
	}
	f.size = len;
	kpi_sha256_hex(f.sha256, text, len);
	if (kpi_manifest_write(&b, snap, &f, 1, &err)) {
		fprintf(stderr, "make_seeds: %s\n", err.message);
		exit(1);
	}
	put(dir, "manifest/pack_of_one.json", &b);
	kpi_buf_release(&b);
	kpi_snapshot_free(snap);
	free(text);
}

static void ledger(const char *dir)
{
	kpi__ledger *l = kpi__ledger_new();
	json_t *owned = json_pack("{s:s}", "path", "owned"), *none = json_object();
	kpi__alert_rec *r = kpi__ledger_add(l, "export_success_rate{path=owned}", "export_success_rate", owned);
	kpi__outbox_entry *e;
	kpi_buf b = KPI_BUF_INIT;

	r->state = KPI_ALERT_FIRING;
	r->severity = KPI_ALERT_SEV_CRITICAL;
	r->since = T0;
	r->episode = T0 - 600;
	r->dedupe_key = strdup("kpi:export_success_rate{path=owned}:20261116T075000Z");
	r->pending = 3;
	r->last_notified = T0;
	r->has_value = true;
	r->value = 97.25;
	r->last_status = KPI_STATUS_BREACH;
	r->last_seen = T0;
	r = kpi__ledger_add(l, "legacy_coverage_pct", "legacy_coverage_pct", none);
	r->state = KPI_ALERT_OK;
	r->severity = KPI_ALERT_SEV_WARNING;
	r->since = T0 - 3600;
	r->dedupe_key = strdup("kpi:legacy_coverage_pct:20261115T080000Z");
	r->last_status = KPI_STATUS_OK;
	r->last_seen = T0;
	r = kpi__ledger_add(l, KPI__SOURCE_RECORD, KPI__SOURCE_RECORD, none);
	r->state = KPI_ALERT_OK;
	r->severity = KPI_ALERT_SEV_CRITICAL;
	r->since = T0 - 7200;
	r->note = strdup("postgres: connection refused");
	r->last_status = KPI_STATUS_NO_DATA;
	e = kpi__ledger_enqueue(l);
	e->id = strdup("n-1:pd");
	e->sink = strdup("pd");
	e->dedupe_key = strdup("kpi:export_success_rate{path=owned}:20261116T075000Z");
	e->action = strdup("trigger");
	e->attempts = 2;
	e->created = T0;
	e->next_attempt = T0 + 10;
	e->last_attempt = T0 + 5;
	e->last_error = strdup("sink 'pd' (pagerduty): HTTP 503: busy");
	e->notification = json_pack("{s:s, s:s}", "id", "n-1", "summary", "[critical] Export success rate");
	json_array_append_new(e->history, json_pack("{s:s, s:s}", "at", "2026-11-16T08:00:05Z", "outcome", "HTTP 503"));
	e = kpi__ledger_enqueue(l);
	e->id = strdup("n-0:slack");
	e->sink = strdup("slack");
	e->dedupe_key = strdup("kpi:legacy_coverage_pct:20261115T080000Z");
	e->action = strdup("resolve");
	e->status = KPI__ENTRY_DELIVERED;
	e->attempts = 1;
	e->created = T0 - 60;
	e->next_attempt = T0 - 60;
	e->last_attempt = T0 - 59;
	e->done = T0 - 59;
	e->notification = json_pack("{s:s, s:s}", "id", "n-0", "summary", "[resolved] Legacy cache coverage");
	e = kpi__ledger_enqueue(l);
	e->id = strdup("n-2:hook");
	e->sink = strdup("hook");
	e->dedupe_key = strdup("kpi:export_success_rate{path=owned}:20261116T075000Z");
	e->action = strdup("notice");
	e->status = KPI__ENTRY_FAILED;
	e->attempts = 12;
	e->created = T0 - 86400;
	e->next_attempt = T0;
	e->last_attempt = T0;
	e->done = T0;
	e->last_error = strdup("sink 'hook' (webhook): HTTP 410: gone");
	e->notification = json_pack("{s:s, s:s}", "id", "n-2", "summary", "kpi could not deliver");
	l->updated = T0;
	l->seq = 41;
	l->run_id = strdup("0123456789abcdef");
	if (kpi__ledger_serialize(&b, l, NULL)) {
		fprintf(stderr, "make_seeds: cannot serialize the ledger\n");
		exit(1);
	}
	put(dir, "ledger/two_alerts.json", &b);
	kpi_buf_release(&b);
	json_decref(owned);
	json_decref(none);
	kpi__ledger_free(l);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_make_seeds CORPUS_DIR\n");
		return 2;
	}
	manifest(argv[1]);
	ledger(argv[1]);
	return 0;
}
