#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "opts.h"

typedef struct decide_args {
	const char *week, *decision, *by, *note, *reports;
	kpi_opt_list actions, closes;
	const char *config, *log_format;
} decide_args;

static const char *const decisions[] = { "go", "no-go", "hold", NULL };

static const kpi_opt opts[] = {
	KPI_OPT_("week", 'w', KPI_OPT_STRING, "YYYY-Www", decide_args, week, NULL,
	         "the week decided (`YYYY-Www`): its pack must be in the reports directory", NULL, NULL, 0, 0,
	         KPI_OPT_REQUIRED),
	KPI_OPT_("decision", 0, KPI_OPT_ENUM, "DECISION", decide_args, decision, NULL, "what the meeting decided", NULL,
	         decisions, 0, 0, KPI_OPT_REQUIRED),
	KPI_OPT_("by", 0, KPI_OPT_STRING, "NAME", decide_args, by, NULL, "who decided (a name or a body)", NULL, NULL,
	         0, 0, KPI_OPT_REQUIRED),
	KPI_STRING("note", 0, "TEXT", decide_args, note,
	           "why: shown with the decision in the next pack; required when it overrides the pack's verdict"),
	KPI_LIST("action", 0, "\"OWNER: TEXT by YYYY-MM-DD\"", decide_args, actions,
	         "an action item the meeting set, due on or after the decision's date (in the config's `timezone`, "
	         "`KPI_TIMEZONE` wins; UTC by default); "
	         "gets an id like `2026-W46.1`"),
	KPI_LIST("close", 0, "ID", decide_args, closes, "close the open action item `ID` (it was done)"),
	KPI_OPT_("reports", 'r', KPI_OPT_DIR, "DIR", decide_args, reports, "reports",
	         "the reports directory holding the packs and `decisions.jsonl`", NULL, NULL, 0, 0, 0),
	KPI_OPT_CONFIG(decide_args, config),
	KPI_OPT_LOG_FORMAT(decide_args, log_format),
	KPI_OPT_END,
};

const kpi_cmd_spec kpi_cmd_decide = {
	"decide", cmd_decide, "record the meeting's decision on a week's pack in decisions.jsonl",
	"Record what the governance meeting decided on a week's pack: appends one\n"
	"line to DIR/decisions.jsonl with the week, the decision, who and when\n"
	"(KPI_NOW honoured), the note, the action items, the verdict the pack\n"
	"computed, the SHA-256 of the pack's manifest.json and of the previous\n"
	"record (a hash chain kpi verify checks). The append is locked (flock) and\n"
	"fsync'ed: concurrent runs all land. A week without a pack in DIR is\n"
	"refused. Prints the record and the action items still open; the next\n"
	"week's pack shows the decision and the open items on its cover.",
	opts, NULL, false, false,
};

int cmd_decide(int argc, char **argv)
{
	decide_args a;
	kpi_decide_opts o = KPI_DECIDE_OPTS_INIT;
	kpi_decision *rec = NULL;
	kpi_decisions *all = NULL;
	kpi_config *cfg = NULL;
	kpi_error err = KPI_ERROR_INIT;
	const kpi_action **open = NULL;
	size_t nopen = 0;
	kpi_buf out = KPI_BUF_INIT;
	char wk[16], at[32], *path = NULL;
	int rc;

	if ((rc = kpi_opts_parse(&kpi_cmd_decide, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (kpi_week_parse(&o.week, a.week, NULL)) {
		fprintf(stderr, "kpi decide: --week '%s': give the week decided (YYYY-Www)\n", a.week);
		return KPI_EXIT_USAGE;
	}
	o.decision = strcmp(a.decision, "go") == 0 ? KPI_VERDICT_GO
	             : strcmp(a.decision, "hold") == 0 ? KPI_VERDICT_HOLD
	                                                : KPI_VERDICT_NOGO;
	o.by = a.by;
	o.note = a.note;
	o.actions = a.actions.v;
	o.nactions = a.actions.n;
	o.closes = a.closes.v;
	o.ncloses = a.closes.n;
	if (kpi_config_load(&cfg, a.config, &err))
		return kpi_fail(&err);
	if ((rc = kpi_now(cfg, &o.at)))
		goto done;
	o.tz = cfg->timezone;
	if (kpi_decide(&rec, a.reports, &o, &err)) {
		rc = kpi_fail(&err);
		goto done;
	}
	kpi_week_format(wk, sizeof(wk), rec->week);
	kpi_buf_printf(&out, "%s/%s:%zu: %s %s by %s at %s (the pack computed %s%s)\n", a.reports, KPI_DECISIONS_FILE,
	               rec->line, wk, kpi_verdict_name(rec->decision), rec->by, kpi_time_format(at, sizeof(at), rec->at),
	               kpi_verdict_name(rec->verdict), rec->decision != rec->verdict ? ": an override" : "");
	kpi_buf_printf(&out, "record SHA-256 %s: keep it with the minutes (kpi verify --head SHA256 %s)\n", rec->sha256,
	               a.reports);
	for (size_t i = 0; i < rec->ncloses; i++)
		kpi_buf_printf(&out, "closed %s\n", rec->closes[i]);
	if (!(path = malloc(strlen(a.reports) + sizeof(KPI_DECISIONS_FILE) + 1))) {
		rc = KPI_EXIT_FAILURE;
		goto done;
	}
	sprintf(path, "%s/%s", a.reports, KPI_DECISIONS_FILE);
	if ( kpi_decisions_load(&all, path, &err) || kpi_decisions_open_actions(&open, &nopen, all, &err)) {
		rc = kpi_fail(&err);
		goto done;
	}
	kpi_buf_printf(&out, "open actions: %zu\n", nopen);
	for (size_t i = 0; i < nopen; i++)
		kpi_buf_printf(&out, "  %s  %s: %s (due %s)\n", open[i]->id, open[i]->owner, open[i]->text, open[i]->due);
	rc = kpi_write_stdout(&out);
done:
	free(open);
	free(path);
	kpi_buf_release(&out);
	kpi_decisions_free(all);
	kpi_decision_free(rec);
	kpi_config_free(cfg);
	return rc;
}
