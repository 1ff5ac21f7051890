#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"
#include "history.h"
#include "signals.h"
#include "progress.h"

typedef struct pack_args {
	const char *week, *outdir, *config, *db;
	int weeks;
	bool quiet;
	bool deliver;
	bool replace_decided;
	const char *log_format;
} pack_args;

static const kpi_opt opts[] = {
	KPI_WEEK("week", 'w', pack_args, week, "last", "the pack's week (`last`: the last complete week)"),
	KPI_OPT_WEEKS(pack_args, weeks, "12", "weeks of history ending with `--week`"),
	KPI_DIR("out", 'o', "DIR", pack_args, outdir,
	        "pack directory (default `reports/YYYY-Www`, relative to the working directory)"),
	KPI_FLAG("replace-decided", 0, pack_args, replace_decided, KPI_REPLACE_DECIDED_HELP),
	KPI_OPT_CONFIG(pack_args, config),
	KPI_OPT_DB(pack_args, db),
	KPI_FLAG("quiet", 'q', pack_args, quiet, KPI_QUIET_HELP),
	KPI_FLAG("deliver", 0, pack_args, deliver,
	         "then send the pack to the config's recipients, as `kpi deliver DIR` does (exit 9 or 10 when one "
	         "is not reached)"),
	KPI_OPT_LOG_FORMAT(pack_args, log_format),
	KPI_OPT_END,
};

const kpi_cmd_spec kpi_cmd_pack = {
	"pack", cmd_pack, "write the weekly go/no-go pack (PDF, XLSX, charts, snapshot, manifest)",
	"Write the weekly go/no-go pack: read every KPI over the window and the\n"
	"drill-down lists in one read-only transaction, save them as snapshot.json,\n"
	"and render the PDF, the XLSX and one PNG chart per KPI, with manifest.json\n"
	"(size and SHA-256 of every file). The pack is built beside DIR and swapped\n"
	"in whole: a killed run leaves the previous pack intact. Prints the paths of\n"
	"the PDF and the XLSX. Re-render with kpi render, check with kpi verify.\n"
	"\n"
	KPI_DECIDED_PACK_TEXT,
	opts, NULL, false, false,
};

/* The reports directory a pack joins: its directory's parent ("reports"
 * for the default reports/YYYY-Www). */
static const char *reports_dir(char *buf, size_t size, const char *outdir)
{
	char *slash;
	size_t n;
	if (!outdir)
		return "reports";
	snprintf(buf, size, "%s", outdir);
	for (n = strlen(buf); n > 1 && buf[n - 1] == '/';)
		buf[--n] = '\0';
	if (!(slash = strrchr(buf, '/')))
		return ".";
	if (slash == buf)
		slash[1] = '\0';
	else
		*slash = '\0';
	return buf;
}

int cmd_pack(int argc, char **argv)
{
	pack_args a;
	int rc;
	int64_t now;
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi_snapshot *snap = NULL;
	kpi_window w;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf json = KPI_BUF_INIT;
	kpi_pack_paths paths = { NULL, NULL, NULL, NULL };
	kpi_tool_progress progress;
	char reports[4096], target[64], wk[16];

	if ((rc = kpi_opts_parse(&kpi_cmd_pack, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	/* Ctrl-C or a service stop leaves no temporary pack behind */
	kpi_tool_signals_begin();
	if ((rc = kpi_load_setup(&cfg, &cat, a.config, a.db)))
		return rc;
	kpi_tool_progress_begin(&progress, cfg, "pack", a.quiet, kpi_tool_log_format(a.log_format));
	if ((rc = kpi_now(cfg, &now)))
		goto done;
	/* --deliver without a usable delivery section fails before any reading */
	if ((a.deliver && (rc = kpi_deliver_config_check(cfg, &err))) ||
	    (rc = kpi_window_init(&w, a.week, a.weeks, cfg->timezone, now, &err)))
		goto fail;
	/* a decided pack is not replaced: refused before anything is read */
	if (!a.outdir)
		snprintf(target, sizeof(target), "reports/%s", kpi_week_format(wk, sizeof(wk), w.last));
	if ((rc = kpi_reports_pack_check(NULL, a.outdir ? a.outdir : target, a.replace_decided, &err)) ||
	    (rc = kpi_snapshot_collect(&snap, cat, cfg, &w, &err)) ||
	    (rc = kpi_reports_history(snap, reports_dir(reports, sizeof(reports), a.outdir), &err)) ||
	    (rc = kpi_reports_restatements(snap, reports_dir(reports, sizeof(reports), a.outdir), &err)) ||
	    (rc = kpi_snapshot_write(&json, snap, &err)) ||
	    (kpi_tool_progress_phase(&progress, "rendering"), 0) ||
	    (rc = kpi_reports_pack_write(&paths, a.outdir, a.replace_decided, snap, json.data, json.len, &err)))
		goto fail;
	kpi_tool_progress_end(&progress, cfg);
	kpi_print_kept(&paths);
	rc = kpi_print_pack(&paths);
	if (!rc) {
		/* the history page, then the delivery: a page that cannot be
		 * written does not keep the pack from its recipients */
		int hrc = kpi_tool_history_after_pack(paths.dir);
		if (a.deliver)
			rc = kpi_tool_deliver(cfg, paths.dir, NULL, NULL);
		if (!rc)
			rc = hrc;
	}
	goto done;
fail:
	kpi_tool_progress_end(&progress, cfg);
	rc = kpi_fail(&err);
done:
	kpi_tool_progress_end(&progress, cfg);
	kpi_pack_paths_release(&paths);
	kpi_buf_release(&json);
	kpi_snapshot_free(snap);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	return rc;
}
