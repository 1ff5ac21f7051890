/* The pack's rows as CSV, kpi-YYYY-Www.csv: every KPI row of the window
 * exactly as `kpi query all --format csv` prints it (RFC 4180, CRLF; header
 * kpi,period_start,period_end,labels,value,numerator,denominator,status,
 * partial), for spreadsheets and scripts that want the numbers without the
 * workbook. */
#include "pack/output.h"

static int write_csv(void *job, const kpi_snapshot *snap, const char *tmp, kpi_pack_paths *paths, kpi_error *err)
{
	kpi_buf b = KPI_BUF_INIT;
	char name[96];
	int rc;

	(void)job;
	(void)paths;
	kpi__pack_file_name(name, sizeof(name), snap, "csv");
	if (!(rc = kpi_format_csv(&b, snap->result, err)))
		rc = kpi__pack_put(tmp, name, b.data, b.len, err);
	kpi_buf_release(&b);
	return rc;
}

const kpi__pack_out kpi__pack_out_csv = {
	.name = "CSV",
	.write = write_csv,
};
