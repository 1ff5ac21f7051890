#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "history.h"
#include "opts.h"

typedef struct index_args {
	const char *dir;
	const char *log_format;
} index_args;

static const kpi_opt opts[] = {
	KPI_OPT_LOG_FORMAT(index_args, log_format),
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "DIR", KPI_ARG_DIR, offsetof(index_args, dir), NULL, NULL,
	  "missing the reports directory (e.g. reports)" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_index = {
	"index", cmd_index, "write the history page DIR/index.html of a reports directory",
	"Write the history page of a reports directory, `DIR/index.html`, from the\n"
	"packs in it and its `decisions.jsonl`: every week's verdict and decision as a\n"
	"table and a colour strip, each KPI's long-run chart across every pack (each\n"
	"week as the newest pack holding it reported it), and links to each pack's\n"
	"PDF, workbook and chart PNGs. One static HTML file (no script, nothing from\n"
	"elsewhere, relative links), written atomically. `kpi pack` and `kpi render`\n"
	"write it too, after installing a pack in a directory named after its week\n"
	"(reports/2026-W46 writes reports/index.html). A pack or decisions file the page\n"
	"cannot show is named on the page and counted on stderr. Prints the page's path.",
	opts, args, false, false,
};

int cmd_index(int argc, char **argv)
{
	index_args a;
	char *path = NULL;
	size_t nwarn = 0;
	int rc;
	kpi_error err = KPI_ERROR_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_index, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (kpi_history_write(&path, &nwarn, a.dir, &err))
		return kpi_fail(&err);
	if (nwarn)
		fprintf(stderr, "kpi: warning: %s names %zu thing%s it cannot show\n", path, nwarn, nwarn == 1 ? "" : "s");
	printf("%s\n", path);
	free(path);
	return fflush(stdout) == 0 ? KPI_EXIT_OK : KPI_EXIT_IO;
}

int kpi_tool_history_after_pack(const char *pack_dir)
{
	size_t nwarn = 0;
	char *parent = NULL, *path = NULL;
	kpi_error err = KPI_ERROR_INIT;
	int rc = 0;

	if (kpi_reports_dir_of(&parent, pack_dir, &err))
		return kpi_fail(&err);
	if (!parent) {
		fprintf(stderr, "kpi: no history page: %s is not named after its week (reports/YYYY-Www), so its parent is "
		        "not taken for a reports directory\n", pack_dir);
		return 0;
	}
	if (kpi_history_write(&path, &nwarn, parent, &err)) {
		fprintf(stderr, "kpi: the pack is installed, but its history page is not:\n");
		rc = kpi_fail(&err);
	} else {
		fprintf(stderr, "kpi: history page: %s\n", path);
		if (nwarn)
			fprintf(stderr, "kpi: warning: %s names %zu thing%s it cannot show\n", path, nwarn, nwarn == 1 ? "" : "s");
	}
	free(path);
	free(parent);
	return rc;
}
