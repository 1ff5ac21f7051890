/* The pack's workbook, kpi-YYYY-Www.xlsx (render/xlsx.c writes the file
 * itself: libxlsxwriter assembles it on disk). */
#include "pack/output.h"
#include <stdlib.h>

static int write_xlsx(void *job, const kpi_snapshot *snap, const char *tmp, kpi_pack_paths *paths, kpi_error *err)
{
	char name[96], *p;
	int rc;

	(void)job;
	kpi__pack_file_name(name, sizeof(name), snap, "xlsx");
	if (!(p = kpi__path_join(tmp, name)) || !(paths->xlsx = kpi__path_join(paths->dir, name))) {
		free(p);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	/* libxlsxwriter creates the file and its temporary files in `tmp` all
	 * along: a signal's abort waits for it (else the abort's removal would
	 * make it fail and print its own error, or leave what it made after) */
	kpi__pack_hold();
	if ((rc = kpi_xlsx_write(snap, p, err)) == 0)
		rc = kpi__pack_fsync(p, false, err);
	kpi__pack_release();
	free(p);
	return rc;
}

const kpi__pack_out kpi__pack_out_xlsx = {
	.name = "workbook",
	.write = write_xlsx,
};
