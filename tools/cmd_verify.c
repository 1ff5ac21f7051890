#include <stdio.h>
#include "commands.h"
#include "opts.h"

typedef struct verify_args {
	const char *dir;
} verify_args;

static const kpi_opt opts[] = {
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "DIR", KPI_ARG_DIR, offsetof(verify_args, dir), NULL, NULL,
	  "missing the pack directory (e.g. reports/2026-W46)" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_verify = {
	"verify", cmd_verify, "check a pack directory against its manifest.json",
	"Check a pack directory against its manifest.json: every listed file present\n"
	"with its size and SHA-256, no other file, the manifest describing the pack's\n"
	"snapshot.json field for field (window, snapshot and query SHA-256s), and the\n"
	"manifest written by this kpi version. Prints one OK line (exit 0), or names\n"
	"the first file that is missing, differs or is extra, or the manifest field\n"
	"that disagrees, with both values (exit 8). A pack of another kpi version\n"
	"fails, naming both versions.",
	opts, args, false, false,
};

int cmd_verify(int argc, char **argv)
{
	verify_args a;
	const char *pos[1];
	int rc;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_verify, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	pos[0] = a.dir;
	if (kpi_pack_verify(pos[0], &n, &err))
		return kpi_fail(&err);
	printf("OK: %s: %zu files match manifest.json\n", pos[0], n);
	return fflush(stdout) == 0 ? KPI_EXIT_OK : KPI_EXIT_IO;
}
