#include <stdio.h>
#include "commands.h"
#include "opts.h"

int cmd_render(int argc, char **argv)
{
	const char *file = NULL, *outdir = NULL;
	const kpi_opt opts[] = {
		{ "snapshot", 's', "FILE", "the snapshot.json to render (required)", &file },
		{ "out", 'o', "DIR", "pack directory (default reports/YYYY-Www of the snapshot's last week)", &outdir },
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc;
	kpi_pack_paths paths;
	kpi_error err = KPI_ERROR_INIT;

	rc = kpi_opts_parse("render", "--snapshot FILE [--out DIR]",
	                    "Render a pack from a snapshot.json alone, with no database: the same files\n"
	                    "as kpi pack (the snapshot copied in unchanged), installed the same atomic\n"
	                    "way. The same snapshot and kpi version give byte-identical files. A\n"
	                    "corrupted, truncated or inconsistent snapshot is refused with\n"
	                    "file:line:col and exit status 8. Prints the paths of the PDF and the XLSX.",
	                    opts, argc, argv, pos, 0, &npos);
	if (rc)
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (!file) {
		fprintf(stderr, "kpi render: missing --snapshot FILE\n");
		return KPI_EXIT_USAGE;
	}
	if (kpi_pack_render_file(&paths, outdir, file, &err))
		return kpi_fail(&err);
	rc = kpi_print_pack(&paths);
	kpi_pack_paths_release(&paths);
	return rc;
}
