#include <stdio.h>
#include "commands.h"
#include "opts.h"

int cmd_verify(int argc, char **argv)
{
	const kpi_opt opts[] = {
		{ NULL, 0, NULL, NULL, NULL },
	};
	const char *pos[1];
	int npos, rc;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;

	rc = kpi_opts_parse("verify", "DIR",
	                    "Check a pack directory against its manifest.json: every listed file present\n"
	                    "with its size and SHA-256, no other file, the manifest describing the pack's\n"
	                    "snapshot.json field for field (window, snapshot and query SHA-256s), and the\n"
	                    "manifest written by this kpi version. Prints one OK line (exit 0), or names\n"
	                    "the first file that is missing, differs or is extra, or the manifest field\n"
	                    "that disagrees, with both values (exit 8). A pack of another kpi version\n"
	                    "fails, naming both versions.",
	                    opts, argc, argv, pos, 1, &npos);
	if (rc)
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (npos != 1) {
		fprintf(stderr, "kpi verify: missing the pack directory (e.g. reports/2026-W46)\n");
		return KPI_EXIT_USAGE;
	}
	if (kpi_pack_verify(pos[0], &n, &err))
		return kpi_fail(&err);
	printf("OK: %s: %zu files match manifest.json\n", pos[0], n);
	return fflush(stdout) == 0 ? KPI_EXIT_OK : KPI_EXIT_IO;
}
