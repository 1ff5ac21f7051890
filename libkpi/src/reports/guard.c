/* Writing a pack into a reports directory without invalidating a decision
 * (kpi/reports.h): a pack a record of decisions.jsonl was taken on is
 * evidence; it is never replaced in place, only kept aside on request. */
#include "core/internal.h"
#include "reports/reports_int.h"
#include "kpi/pack.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* `pack_dir` without trailing slashes, and its parent ("." for a bare
 * name). Both malloc'ed; false when out of memory. */
static bool split_dir(char **dir, char **parent, const char *pack_dir)
{
	char *slash;
	size_t n;

	*parent = NULL;
	if (!(*dir = kpi__strdup(pack_dir)))
		return false;
	for (n = strlen(*dir); n > 1 && (*dir)[n - 1] == '/';)
		(*dir)[--n] = '\0';
	slash = strrchr(*dir, '/');
	*parent = !slash ? kpi__strdup(".") : slash == *dir ? kpi__strdup("/") : strndup(*dir, (size_t)(slash - *dir));
	return *parent != NULL;
}

/* The SHA-256 of `dir`/manifest.json; false (and "") when `dir` holds none. */
static bool manifest_sha(char sha[65], const char *dir)
{
	kpi_error ignored = KPI_ERROR_INIT;
	char *m = kpi__path_join(dir, "manifest.json");
	struct stat st;
	bool ok = m && lstat(m, &st) == 0 && S_ISREG(st.st_mode) && kpi__file_sha256(sha, NULL, m, &ignored) == 0;
	free(m);
	if (!ok)
		sha[0] = '\0';
	return ok;
}

/* `keep` already holds the decided pack: its manifest has the SHA-256
 * `sha` and its files verify. */
static bool kept_already(const char *keep, const char *sha)
{
	kpi_error ignored = KPI_ERROR_INIT;
	char have[65];
	return manifest_sha(have, keep) && strcmp(have, sha) == 0 && kpi_pack_verify_files(keep, NULL, &ignored) == 0;
}

#define KEPT_TAG ".decided-"

bool kpi_reports_pack_kept(const kpi_report_pack *p)
{
	const char *tag;
	size_t n;

	if (!p || !p->name || (n = strlen(p->name)) < strlen(KEPT_TAG) + 12 + 1)
		return false;
	tag = p->name + n - 12 - strlen(KEPT_TAG);
	if (strncmp(tag, KEPT_TAG, strlen(KEPT_TAG)))
		return false;
	for (size_t i = 0; i < 12; i++)
		if (!strchr("0123456789abcdef", tag[strlen(KEPT_TAG) + i]) || !tag[strlen(KEPT_TAG) + i])
			return false;
	return strncmp(tag + strlen(KEPT_TAG), p->manifest_sha256, 12) == 0;
}

int kpi_reports_pack_check(char **keep, const char *pack_dir, bool replace_decided, kpi_error *err)
{
	char *dir = NULL, *parent = NULL, *dpath = NULL, *aside = NULL, sha[65], wk[16];
	kpi_decisions *d = NULL;
	const kpi_decision *x = NULL;
	int rc = 0;

	if (keep)
		*keep = NULL;
	if (!split_dir(&dir, &parent, pack_dir) || !(dpath = kpi__path_join(parent, KPI_DECISIONS_FILE))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* a directory the pack cannot be made in is named as that, not as
	 * the decisions file beside it that cannot be read */
	if ((rc = kpi__check_creatable(dir, true, "cannot create the pack directory", err)))
		goto done;
	if (!manifest_sha(sha, dir))
		goto done; /* no pack there: nothing decided on */
	if ((rc = kpi_decisions_load(&d, dpath, err))) {
		if (rc == KPI_ENOTFOUND)
			rc = 0; /* no decisions file: nothing decided */
		goto done;
	}
	for (size_t i = 0; i < d->n && !x; i++)
		if (strcmp(d->rec[i].manifest_sha256, sha) == 0)
			x = &d->rec[i];
	if (!x)
		goto done;
	kpi_week_format(wk, sizeof(wk), x->week);
	if (!(aside = malloc(strlen(dir) + 32))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	sprintf(aside, "%s" KEPT_TAG "%.12s", dir, sha);
	if (!replace_decided) {
		rc = kpi_error_set(err, KPI_EUSAGE,
		                   "%s is the pack of %s decided on in %s:%zu (%s by %s): not replaced, so that the decision "
		                   "still verifies; write the new pack to another directory (--out DIR), or keep the decided "
		                   "one as %s and write it here (--replace-decided)",
		                   dir, wk, dpath, x->line, kpi_verdict_name(x->decision), x->by, aside);
		goto done;
	}
	if (access(aside, F_OK) == 0 || errno != ENOENT) {
		if (kept_already(aside, sha))
			goto done; /* a copy is kept: this one may go */
		rc = kpi_error_set(err, KPI_EUSAGE,
		                   "%s is the pack of %s decided on in %s:%zu, and %s, where it would be kept, is taken by "
		                   "something else: not replaced (move that aside first, or write to another --out DIR)",
		                   dir, wk, dpath, x->line, aside);
		goto done;
	}
	if (keep) {
		*keep = aside;
		aside = NULL;
	}
done:
	kpi_decisions_free(d);
	free(aside);
	free(dpath);
	free(parent);
	free(dir);
	return rc;
}

int kpi_reports_pack_write(kpi_pack_paths *out, const char *pack_dir, bool replace_decided,
                           const kpi_snapshot *snap, const void *json, size_t len, kpi_error *err)
{
	kpi_pack_opts o = KPI_PACK_OPTS_INIT;
	char *defdir = NULL, *dir = NULL, *parent = NULL, *dpath = NULL, *keep = NULL;
	const char *locked;
	int fd = -1, rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!snap || !snap->result)
		return kpi_error_set(err, KPI_EUSAGE, "pack: no snapshot");
	if ((!pack_dir && !(pack_dir = defdir = kpi_pack_default_dir(snap))) || !split_dir(&dir, &parent, pack_dir) ||
	    !(dpath = kpi__path_join(parent, KPI_DECISIONS_FILE))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	/* kpi decide appends under an exclusive lock of decisions.jsonl: none
	 * lands between the check and the swap. With no such file yet, the
	 * reports directory is locked instead: a first kpi decide creates the
	 * file only under an exclusive lock of the directory, so it cannot hash
	 * the old pack while this one is being swapped in. (No directory yet:
	 * nothing decided, and kpi decide refuses a missing one.) */
	/* as kpi_reports_pack_check says it, before decisions.jsonl is looked
	 * for beside it (kpi render comes here first) */
	if ((rc = kpi__check_creatable(dir, true, "cannot create the pack directory", err)))
		goto done;
	locked = dpath;
	if ((fd = open(dpath, O_RDONLY | O_CLOEXEC)) < 0 && errno == ENOENT &&
	    (fd = open(locked = parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 && errno == ENOENT)
		locked = NULL;
	if (fd < 0 && locked) {
		rc = kpi_error_set(err, KPI_EIO, "cannot open '%s': %s", locked, strerror(errno));
		goto done;
	}
	if (fd >= 0 && (rc = kpi__reports_flock(fd, LOCK_SH, locked, err)))
		goto done;
	if ((rc = kpi_reports_pack_check(&keep, pack_dir, replace_decided, err)))
		goto done;
	o.keep_old = keep;
	rc = kpi_pack_write_opts(out, pack_dir, &o, snap, json, len, err);
done:
	if (fd >= 0)
		close(fd); /* releases the lock */
	free(keep);
	free(dpath);
	free(parent);
	free(dir);
	free(defdir);
	return rc;
}

int kpi_reports_render_file(kpi_pack_paths *out, const char *pack_dir, bool replace_decided,
                            const char *snapshot_path, kpi_error *err)
{
	kpi_snapshot *snap = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((rc = kpi__snapshot_read(&snap, &text, &len, snapshot_path, err)) == 0)
		rc = kpi_reports_pack_write(out, pack_dir, replace_decided, snap, text, len, err);
	kpi_snapshot_free(snap);
	free(text);
	return rc;
}
