#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/stat.h>
#include "commands.h"
#include "opts.h"

typedef struct verify_args {
	const char *path;
	const char *head;
	const char *log_format;
} verify_args;

static const kpi_opt opts[] = {
	KPI_STRING("head", 0, "SHA256", verify_args, head,
	           "a record's SHA-256 kept with the minutes, as kpi decide prints it (all 64 hex digits; a prefix of "
	           "12 or more is taken but proves less): it must still be in decisions.jsonl, proving it and every "
	           "record before it unchanged"),
	KPI_OPT_LOG_FORMAT(verify_args, log_format),
	KPI_OPT_END,
};

static const kpi_arg args[] = {
	{ "PATH", KPI_ARG_FILE, offsetof(verify_args, path), NULL, NULL,
	  "missing the pack directory (e.g. reports/2026-W46) or decisions file" },
	KPI_ARG_END,
};

const kpi_cmd_spec kpi_cmd_verify = {
	"verify", cmd_verify, "check a pack directory against its manifest.json, and the decisions' hash chain",
	"Check a pack directory against its manifest.json: every listed file present\n"
	"with its size and SHA-256, no other file, the manifest describing the pack's\n"
	"snapshot.json field for field (window, snapshot and query SHA-256s), and the\n"
	"manifest written by this kpi version. Prints one OK line (exit 0), or names\n"
	"the first file that is missing, differs or is extra, or the manifest field\n"
	"that disagrees, with both values (exit 8). A pack of another kpi version\n"
	"fails, naming both versions.\n"
	"\n"
	"When the pack's parent directory holds decisions.jsonl, its hash chain is\n"
	"checked too; PATH may also be a decisions.jsonl or the reports directory\n"
	"holding it. Every record must be intact and chained to the one before, and\n"
	"the pack it was decided on must still have the manifest it was taken on,\n"
	"and its files must still match that manifest (whichever kpi wrote it);\n"
	"the first broken record is named as decisions.jsonl:LINE (exit 8). A\n"
	"decision's pack is the week's pack with the manifest it was taken on:\n"
	"the one named after the week, or one kept aside as WEEK.decided-SHA12 by\n"
	"kpi pack --replace-decided. When PATH is a pack directory and the pack\n"
	"passes but the decisions do not, a last line on standard error says the\n"
	"whole failed (`kpi verify: FAILED: 1 of 2 checks: ...`).\n"
	"\n"
	"The chain proves each record but the newest unchanged: nothing after the\n"
	"newest covers it, so an edit or removal of it goes unnoticed by the chain\n"
	"alone. The OK output names the newest record's SHA-256; kpi decide prints\n"
	"each new one. Keep it with the meeting's minutes, and later --head SHA256\n"
	"proves that record and all before it unchanged (exit 8 when it is gone).",
	opts, args, false, false,
};

/* Verify decisions file `path` (and that the record `known` names is in
 * it, when given); prints the OK lines. */
static int verify_decisions(const char *path, const char *known)
{
	kpi_error err = KPI_ERROR_INIT;
	size_t n = 0, line = 0;
	char head[65];
	if (kpi_decisions_verify_head(path, known, &n, &line, head, &err))
		return kpi_fail(&err);
	printf("OK: %s: %zu record%s, hash chain intact, every pack decided on unchanged\n", path, n, n == 1 ? "" : "s");
	if (n)
		printf("newest record: %s:%zu, SHA-256 %s (keep it with the minutes: kpi verify --head proves it later)\n",
		       path, n, head);
	if (known)
		printf("OK: the record kept with the minutes, %s:%zu, is unchanged, and so is every record before it "
		       "(%zu after it)\n", path, line, n - line);
	return KPI_EXIT_OK;
}

int cmd_verify(int argc, char **argv)
{
	verify_args a;
	int rc;
	size_t n = 0;
	kpi_error err = KPI_ERROR_INIT;
	struct stat st;
	char *dpath = NULL, *mpath = NULL;

	if ((rc = kpi_opts_parse(&kpi_cmd_verify, argc, argv, &a)))
		return rc > 0 ? KPI_EXIT_OK : KPI_EXIT_USAGE;
	if (stat(a.path, &st) != 0 && errno == ENOENT) {
		/* PATH may be a file or a directory: say it names nothing */
		kpi_error_set(&err, KPI_EUSAGE,
		              "'%s' does not exist (PATH is a pack directory, a decisions.jsonl or the reports directory "
		              "holding it)",
		              a.path);
		fprintf(stderr, "kpi verify: %s\n", err.message);
		rc = KPI_EXIT_USAGE;
		goto done;
	}
	if (stat(a.path, &st) == 0 && S_ISREG(st.st_mode)) {
		const char *base = strrchr(a.path, '/');
		base = base ? base + 1 : a.path;
		if (strcmp(base, "manifest.json") == 0) {
			/* the pack is what is verified, against it */
			fprintf(stderr, "kpi verify: %s is a pack's manifest: give the pack's directory (kpi verify DIR)\n",
			        a.path);
			rc = KPI_EXIT_USAGE;
			goto done;
		}
		rc = verify_decisions(a.path, a.head);
		goto done;
	}
	if (!(dpath = malloc(strlen(a.path) + 32)) || !(mpath = malloc(strlen(a.path) + 32))) {
		rc = KPI_EXIT_FAILURE;
		goto done;
	}
	/* a reports directory: its decisions file */
	sprintf(dpath, "%s/%s", a.path, KPI_DECISIONS_FILE);
	sprintf(mpath, "%s/manifest.json", a.path);
	if (stat(mpath, &st) != 0 && stat(dpath, &st) == 0) {
		rc = verify_decisions(dpath, a.head);
		goto done;
	}
	if (a.head && stat(mpath, &st) != 0) {
		fprintf(stderr, "kpi verify: --head: %s holds no %s to find the record in (and is not a pack)\n", a.path,
		        KPI_DECISIONS_FILE);
		rc = KPI_EXIT_DATA;
		goto done;
	}
	if (kpi_pack_verify(a.path, &n, &err)) {
		rc = kpi_fail(&err);
		goto done;
	}
	printf("OK: %s: %zu files match manifest.json\n", a.path, n);
	/* before the decisions' check: its failure comes after this line even
	 * when both streams go to one place */
	if (fflush(stdout) != 0) {
		rc = KPI_EXIT_IO;
		goto done;
	}
	/* a pack directory: its parent's decisions file */
	{
		char *copy = strdup(a.path), *parent;
		size_t len = copy ? strlen(copy) : 0;
		while (len > 1 && copy[len - 1] == '/')
			copy[--len] = '\0';
		parent = copy ? dirname(copy) : ".";
		snprintf(dpath, strlen(a.path) + 32, "%s/%s", parent, KPI_DECISIONS_FILE);
		free(copy);
	}
	if (a.head && stat(dpath, &st) != 0) {
		fprintf(stderr, "kpi verify: --head: there is no %s beside the pack to find the record in\n", dpath);
		rc = KPI_EXIT_DATA;
	} else if (stat(dpath, &st) == 0 && (rc = verify_decisions(dpath, a.head)) != KPI_EXIT_OK)
		/* the OK line above was the pack's alone: the whole did not pass */
		fprintf(stderr, "kpi verify: FAILED: 1 of 2 checks: the pack %s matches its manifest.json, the decisions %s "
		        "do not verify (above)\n", a.path, dpath);
done:
	free(dpath);
	free(mpath);
	if (rc == KPI_EXIT_OK && fflush(stdout) != 0)
		rc = KPI_EXIT_IO;
	return rc;
}
