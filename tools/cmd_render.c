#include <stdio.h>
#include "commands.h"
#include "opts.h"
#include "history.h"
#include "signals.h"

/* KPI_SNAPSHOT_FORMAT in the help text, as a string */
#define RENDER_STR_(x) #x
#define RENDER_STR(x) RENDER_STR_(x)

typedef struct render_args {
	const char *file, *outdir;
	bool replace_decided;
	const char *log_format;
} render_args;

static const kpi_opt opts[] = {
	KPI_OPT_("snapshot", 's', KPI_OPT_FILE, "FILE", render_args, file, NULL, "the `snapshot.json` to render",
	         NULL, NULL, 0, 0, KPI_OPT_REQUIRED),
	KPI_DIR("out", 'o', "DIR", render_args, outdir,
	        "pack directory (default `reports/YYYY-Www` of the snapshot's last week)"),
	KPI_FLAG("replace-decided", 0, render_args, replace_decided, KPI_REPLACE_DECIDED_HELP),
	KPI_OPT_LOG_FORMAT(render_args, log_format),
	KPI_OPT_END,
};

const kpi_cmd_spec kpi_cmd_render = {
	"render", cmd_render, "render a pack from a snapshot.json, with no database",
	"Render a pack from a snapshot.json alone, with no database: the same files\n"
	"as kpi pack (the snapshot copied in unchanged), installed the same atomic\n"
	"way. The same snapshot and kpi version give byte-identical files. A\n"
	"corrupted, truncated or inconsistent snapshot is refused with\n"
	"file:line:col and exit status 8. Prints the paths of the PDF and the XLSX.\n"
	"Snapshots of formats 1 to " RENDER_STR(KPI_SNAPSHOT_FORMAT) " are read (kpi pack writes format "
	RENDER_STR(KPI_SNAPSHOT_FORMAT) "); an older\n"
	"one is copied in unchanged and its pack shows what it recorded\n"
	"(docs/pack.md).\n"
	"\n"
	KPI_DECIDED_PACK_TEXT,
	opts, NULL, false, false,
};

int cmd_render(int argc, char **argv)
{
	render_args a;
	int rc;
	kpi_pack_paths paths;
	kpi_error err = KPI_ERROR_INIT;

	if ((rc = kpi_opts_parse(&kpi_cmd_render, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	/* Ctrl-C or a service stop leaves no temporary pack behind */
	kpi_tool_signals_begin();
	if (kpi_reports_render_file(&paths, a.outdir, a.replace_decided, a.file, &err))
		return kpi_fail(&err);
	kpi_print_kept(&paths);
	if (!(rc = kpi_print_pack(&paths)))
		rc = kpi_tool_history_after_pack(paths.dir);
	kpi_pack_paths_release(&paths);
	return rc;
}
