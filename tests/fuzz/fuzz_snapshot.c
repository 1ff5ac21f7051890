/*
 * Fuzz target: snapshot.json (kpi_snapshot_parse, what kpi render and kpi
 * verify read). Any input is parsed or refused; one that is accepted holds
 * the contract of kpi_snapshot_write (kpi/snapshot.h): it can be written,
 * the bytes parse back, and writing that gives the same bytes.
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include "kpi/kpi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kpi_snapshot *snap = NULL, *again = NULL;
	kpi_buf one = KPI_BUF_INIT, two = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;

	fuzz_quiet();
	if (kpi_snapshot_parse(&snap, "snapshot.json", (const char *)data, size, &err) != 0)
		return 0;
	if (kpi_snapshot_write(&one, snap, &err))
		fuzz_fail("an accepted snapshot cannot be written", err.message);
	if (kpi_snapshot_parse(&again, "written", one.data, one.len, &err))
		fuzz_fail("a written snapshot does not parse back", err.message);
	if (kpi_snapshot_write(&two, again, &err))
		fuzz_fail("a snapshot parsed back cannot be written", err.message);
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0)
		fuzz_fail("writing a snapshot parsed back gives other bytes", NULL);
	kpi_buf_release(&one);
	kpi_buf_release(&two);
	kpi_snapshot_free(again);
	kpi_snapshot_free(snap);
	return 0;
}
