/*
 * Fuzz target: the alert ledger and its outbox (kpi__ledger_parse in
 * alert/alert_ledger.c, what kpi alert reads from its state directory).
 * The input is parsed as it is (which almost always stops at the checksum
 * a mutation breaks); then, when it is a JSON object with an object
 * "body", once more with the checksum of that body put right, so the
 * records and the outbox entries are reached. A ledger that is accepted is
 * written back (kpi__ledger_serialize), and that must parse to the same
 * bytes again.
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "alert/alert_internal.h"

static void parse_and_round_trip(const char *text, size_t len)
{
	kpi__ledger *l = NULL, *again = NULL;
	kpi_buf one = KPI_BUF_INIT, two = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;

	if (kpi__ledger_parse(&l, text, len, &err) != 0)
		return;
	if (kpi__ledger_serialize(&one, l, &err))
		fuzz_fail("an accepted ledger cannot be written", err.message);
	if (kpi__ledger_parse(&again, one.data, one.len, &err))
		fuzz_fail("a written ledger does not parse back", err.message);
	if (kpi__ledger_serialize(&two, again, &err))
		fuzz_fail("a ledger parsed back cannot be written", err.message);
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0)
		fuzz_fail("writing a ledger parsed back gives other bytes", NULL);
	kpi_buf_release(&one);
	kpi_buf_release(&two);
	kpi__ledger_free(again);
	kpi__ledger_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *top, *body;

	fuzz_quiet();
	parse_and_round_trip((const char *)data, size);
	/* the same with the body's checksum put right (as the ledger computes it) */
	top = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	body = json_object_get(top, "body");
	if (json_is_object(top) && json_is_object(body)) {
		char *d = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)), sha[65], *text;
		if (d) {
			kpi_sha256_hex(sha, d, strlen(d));
			json_object_set_new(top, "sha256", json_string(sha));
			if ((text = json_dumps(top, 0))) {
				parse_and_round_trip(text, strlen(text));
				free(text);
			}
			free(d);
		}
	}
	json_decref(top);
	return 0;
}
