/* The pack's PDF, kpi-YYYY-Www.pdf (render/render_pdf.c). */
#include "pack/output.h"

static int write_pdf(void *job, const kpi_snapshot *snap, const char *tmp, kpi_pack_paths *paths, kpi_error *err)
{
	kpi_buf b = KPI_BUF_INIT;
	char name[96];
	int rc;

	(void)job;
	kpi__pack_file_name(name, sizeof(name), snap, "pdf");
	if (!(paths->pdf = kpi__path_join(paths->dir, name)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!(rc = kpi_render_pdf(&b, snap, err)))
		rc = kpi__pack_put(tmp, name, b.data, b.len, err);
	kpi_buf_release(&b);
	return rc;
}

const kpi__pack_out kpi__pack_out_pdf = {
	.name = "PDF",
	.write = write_pdf,
};
