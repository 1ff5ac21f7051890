/*
 * The pack directory (kpi/pack.h): rendering every file into a temporary
 * directory beside the target, manifest.json, the atomic swap, verification.
 *
 * Why a directory swap: a pack is many files that must agree with each
 * other (the manifest lists the others' hashes). Renaming files one by one
 * would leave a mixed pack if the run dies half-way; renameat2's
 * RENAME_EXCHANGE swaps two directory entries in one step, so readers see
 * the old pack or the new one, never parts of both. Every file and both
 * directories are fsync'ed before the swap and the parent after it.
 */
#define _GNU_SOURCE /* renameat2, RENAME_EXCHANGE (glibc >= 2.28) */
#include "pack/output.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST "manifest.json"
#define SNAPSHOT "snapshot.json"

void kpi_pack_paths_release(kpi_pack_paths *p)
{
	if (!p)
		return;
	free(p->dir);
	free(p->pdf);
	free(p->xlsx);
	free(p->kept);
	memset(p, 0, sizeof(*p));
}

char *kpi_pack_default_dir(const kpi_snapshot *snap)
{
	char wk[16], *p = malloc(32);
	if (p)
		snprintf(p, 32, "reports/%s", kpi_week_format(wk, sizeof(wk), snap->result->window.last));
	return p;
}

/* ---- files ---- */

static void files_free(kpi_pack_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(f[i].path);
	free(f);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const kpi_pack_file *)a)->path, ((const kpi_pack_file *)b)->path);
}

/* Every entry under `root` (relative paths, sorted), with size and hash
 * when `hash`. Directories are descended into, not listed; anything that
 * is neither a regular file nor a directory is listed with size 0 and an
 * empty hash, so verification reports it. */
typedef struct walk {
	kpi_pack_file *f;
	size_t n, cap;
	bool hash;
	kpi_error *err;
} walk;

static int walk_dir(walk *wk, const char *root, const char *rel)
{
	char *path = rel ? kpi__path_join(root, rel) : strdup(root);
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (!path)
		return kpi_error_set(wk->err, KPI_ENOMEM, "out of memory");
	if (!(d = opendir(path))) {
		rc = kpi_error_set(wk->err, errno == ENOENT ? KPI_ENOTFOUND : KPI_EIO, "cannot read directory '%s': %s",
		                   path, strerror(errno));
		free(path);
		return rc;
	}
	while (!rc && (e = readdir(d))) {
		char *r, *full;
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = rel ? kpi__path_join(rel, e->d_name) : strdup(e->d_name);
		full = r ? kpi__path_join(root, r) : NULL;
		if (!r || !full) {
			free(r);
			free(full);
			rc = kpi_error_set(wk->err, KPI_ENOMEM, "out of memory");
			break;
		}
		if (lstat(full, &st) != 0) {
			rc = kpi_error_set(wk->err, KPI_EIO, "cannot stat '%s': %s", full, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(wk, root, r);
		} else {
			kpi_pack_file *f;
			if (wk->n == wk->cap) {
				kpi_pack_file *p = realloc(wk->f, (wk->cap = wk->cap ? wk->cap * 2 : 32) * sizeof(*p));
				if (!p) {
					rc = kpi_error_set(wk->err, KPI_ENOMEM, "out of memory");
					free(r);
					free(full);
					break;
				}
				wk->f = p;
			}
			f = &wk->f[wk->n++];
			memset(f, 0, sizeof(*f));
			f->path = r;
			r = NULL;
			f->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
			if (wk->hash && S_ISREG(st.st_mode))
				rc = kpi__file_sha256(f->sha256, &f->size, full, wk->err);
		}
		free(r);
		free(full);
	}
	closedir(d);
	free(path);
	return rc;
}

static int list_files(kpi_pack_file **out, size_t *n, const char *root, bool hash, kpi_error *err)
{
	walk wk = { NULL, 0, 0, hash, err };
	int rc = walk_dir(&wk, root, NULL);

	*out = NULL;
	*n = 0;
	if (rc) {
		files_free(wk.f, wk.n);
		return rc;
	}
	if (wk.n)
		qsort(wk.f, wk.n, sizeof(*wk.f), cmp_file);
	*out = wk.f;
	*n = wk.n;
	return 0;
}

/* ---- the manifest ---- */

int kpi_manifest_write(kpi_buf *out, const kpi_snapshot *snap, const kpi_pack_file *files, size_t nfiles,
                       kpi_error *err)
{
	const kpi_result *res = snap->result;
	const kpi_window *w = &res->window;
	char fw[16], lw[16], a[32], b[32], c[32];
	bool first = true;
	int rc;

	rc = kpi_buf_printf(out, "{\n  \"format\": %d,\n  \"tool_version\": ", KPI_MANIFEST_FORMAT) ||
	     kpi__buf_json_str(out, kpi_version()) ||
	     kpi_buf_printf(out,
	                    ",\n  \"window\": {\"first_week\": \"%s\", \"last_week\": \"%s\", \"weeks\": %d, "
	                    "\"from\": \"%s\", \"to\": \"%s\", \"as_of\": \"%s\", \"timezone\": ",
	                    kpi_week_format(fw, sizeof(fw), w->first), kpi_week_format(lw, sizeof(lw), w->last),
	                    w->nweeks, kpi_time_format(a, sizeof(a), w->from), kpi_time_format(b, sizeof(b), w->to),
	                    kpi_time_format(c, sizeof(c), w->as_of)) ||
	     kpi__buf_json_str(out, w->tz) ||
	     kpi_buf_printf(out, "},\n  \"snapshot_sha256\": \"%s\",\n  \"queries\": [", snap->sha256);
	for (size_t i = 0; i < res->nseries && !rc; i++) {
		const kpi_series *s = &res->series[i];
		if (!s->query_sha256[0])
			continue;
		rc = kpi_buf_puts(out, first ? "\n    {\"kpi\": " : ",\n    {\"kpi\": ") ||
		     kpi__buf_json_str(out, s->def->id) || kpi_buf_puts(out, ", \"file\": ") ||
		     kpi__buf_json_str(out, s->def->query ? s->def->query : "") ||
		     kpi_buf_printf(out, ", \"sha256\": \"%s\"}", s->query_sha256);
		first = false;
	}
	for (size_t i = 0; i < snap->ndrill_queries && !rc; i++) {
		rc = kpi_buf_puts(out, first ? "\n    {\"kpi\": null, \"file\": " : ",\n    {\"kpi\": null, \"file\": ") ||
		     kpi__buf_json_str(out, snap->drill_queries[i].name) ||
		     kpi_buf_printf(out, ", \"sha256\": \"%s\"}", snap->drill_queries[i].sha256);
		first = false;
	}
	rc = rc || kpi_buf_puts(out, first ? "],\n  \"files\": [" : "\n  ],\n  \"files\": [");
	for (size_t i = 0; i < nfiles && !rc; i++)
		rc = kpi_buf_puts(out, i ? ",\n    {\"path\": " : "\n    {\"path\": ") ||
		     kpi__buf_json_str(out, files[i].path) ||
		     kpi_buf_printf(out, ", \"size\": %llu, \"sha256\": \"%s\"}", (unsigned long long)files[i].size,
		                    files[i].sha256);
	rc = rc || kpi_buf_puts(out, nfiles ? "\n  ]\n}\n" : "]\n}\n");
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

/* ---- writing a pack ---- */

/* May `dir` be replaced? Absent, an empty directory, or a kpi pack. */
static int check_target(const char *dir, bool *exists, kpi_error *err)
{
	struct stat st;
	char *m;
	DIR *d;
	struct dirent *e;
	bool empty = true;

	*exists = false;
	if (lstat(dir, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return kpi_error_set(err, KPI_EIO, "cannot stat '%s': %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return kpi_error_set(err, KPI_EUSAGE, "'%s' exists and is not a directory: refusing to replace it", dir);
	*exists = true;
	if (!(m = kpi__path_join(dir, MANIFEST)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (lstat(m, &st) == 0 && S_ISREG(st.st_mode)) {
		free(m);
		return 0;
	}
	free(m);
	if (!(d = opendir(dir)))
		return kpi_error_set(err, KPI_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	if (!empty)
		return kpi_error_set(err, KPI_EUSAGE,
		                     "'%s' is not empty and is not a kpi pack (no manifest.json): refusing to replace it",
		                     dir);
	return 0;
}

#define KPI__PACK_OUT(name) &kpi__pack_out_##name,
static const kpi__pack_out *const outputs[] = {
#include "pack/outputs/registry.h"
	NULL,
};
#undef KPI__PACK_OUT

/* Render every file of the pack into `tmp`: snapshot.json (the bytes given),
 * then each registered output (pack/outputs/registry.h), all of them
 * started first so background work (the charts' PNG encoding) overlaps the
 * outputs written before it. */
static int render_into(kpi_pack_paths *paths, const char *tmp, const kpi_snapshot *snap, const void *json,
                       size_t len, kpi_error *err)
{
	void *jobs[sizeof(outputs) / sizeof(outputs[0])] = { NULL };
	size_t started = 0;
	int rc;

	if ((rc = kpi__pack_put(tmp, SNAPSHOT, json, len, err)))
		return rc;
	for (; outputs[started] && !rc; started++)
		if (outputs[started]->start)
			rc = outputs[started]->start(&jobs[started], snap, err);
	if (rc)
		started--; /* the failed one made nothing to free */
	for (size_t i = 0; outputs[i] && !rc; i++)
		rc = outputs[i]->write(jobs[i], snap, tmp, paths, err);
	for (size_t i = 0; i < started; i++)
		if (outputs[i]->free)
			outputs[i]->free(jobs[i]);
	return rc;
}

/* The previous pack at `dir` moved to `keep`, then `tmp` into its place;
 * on failure the previous pack is put back. */
static int install_keeping(const char *tmp, const char *dir, const char *keep, kpi_error *err)
{
	struct stat st;
	if (lstat(keep, &st) == 0)
		return kpi_error_set(err, KPI_EIO, "cannot keep the previous pack as '%s': it exists", keep);
	if (renameat2(AT_FDCWD, dir, AT_FDCWD, keep, RENAME_NOREPLACE) != 0 &&
	    ((errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) || rename(dir, keep) != 0))
		return kpi_error_set(err, KPI_EIO, "cannot move '%s' to '%s': %s", dir, keep, strerror(errno));
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE) != 0 &&
	    ((errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) || rename(tmp, dir) != 0)) {
		int rc = kpi_error_set(err, KPI_EIO, "cannot install '%s': %s", dir, strerror(errno));
		if (rename(keep, dir) != 0) {
			/* the previous pack stays whole at `keep`: the message says where */
			kpi_error_wrap(err, "the previous pack is at '%s'", keep);
		}
		return rc;
	}
	return 0;
}

int kpi_pack_write(kpi_pack_paths *out, const char *dir_in, const kpi_snapshot *snap, const void *json,
                   size_t len, kpi_error *err)
{
	return kpi_pack_write_opts(out, dir_in, NULL, snap, json, len, err);
}

int kpi_pack_write_opts(kpi_pack_paths *out, const char *dir_in, const kpi_pack_opts *o, const kpi_snapshot *snap,
                        const void *json, size_t len, kpi_error *err)
{
	char sha[65], *dir = NULL, *parent = NULL, *name, *slash, *tmp = NULL, *old = NULL, *mpath = NULL;
	char *defdir = NULL;
	kpi_pack_paths paths = { NULL, NULL, NULL, NULL };
	kpi_pack_file *files = NULL;
	kpi_buf manifest = KPI_BUF_INIT;
	kpi__tz *zone = NULL;
	size_t nfiles = 0, dl;
	bool exists, tmp_made = false;
	int rc = 0;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!snap || !snap->result || !json)
		return kpi_error_set(err, KPI_EUSAGE, "pack: no snapshot");
	kpi_sha256_hex(sha, json, len);
	if (strcmp(sha, snap->sha256) != 0)
		return kpi_error_set(err, KPI_EUSAGE, "pack: the snapshot.json bytes are not those of the snapshot");
	/* the PDF, charts and XLSX convert instants of the zone many times: keep
	 * it loaded (a zone that does not load shows UTC) */
	kpi__tz_hold(&zone, snap->timezone, NULL);
	if (!dir_in && !(dir_in = defdir = kpi_pack_default_dir(snap))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (!(dir = strdup(dir_in)) || !(paths.dir = strdup(dir_in))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (dl = strlen(dir); dl > 1 && dir[dl - 1] == '/'; dl--)
		dir[dl - 1] = paths.dir[dl - 1] = '\0';
	slash = strrchr(dir, '/');
	name = slash ? slash + 1 : dir;
	parent = slash ? (slash == dir ? strdup("/") : strndup(dir, (size_t)(slash - dir))) : strdup(".");
	if (!parent) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		rc = kpi_error_set(err, KPI_EUSAGE, "pack: '%s' does not name a directory to create", dir_in);
		goto done;
	}
	if ((rc = kpi__pack_mkdirs(parent, err)) || (rc = check_target(dir, &exists, err)))
		goto done;
	/* what killed runs left in the parent (any week's: whoever writes into
	 * it owns it), ".<name>.kpi-tmp-<pid>" whose process is gone */
	kpi__temps_clean(parent, KPI__TEMPS_PACK, "pack.cleanup");
	tmp = malloc(strlen(parent) + strlen(name) + 40);
	old = malloc(strlen(parent) + strlen(name) + 40);
	if (!tmp || !old) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	sprintf(tmp, "%s/.%s.kpi-tmp-%ld", parent, name, (long)getpid());
	sprintf(old, "%s/.%s.kpi-old-%ld", parent, name, (long)getpid());
	if ((rc = kpi__remove_tree(tmp, err)))
		goto done;
	/* tracked before it exists, made under a hold: a signal's abort comes
	 * before it (then it is never made) or after (then it is removed) */
	kpi__pack_hold();
	kpi__pack_abort_track(tmp);
	if (mkdir(tmp, 0755) != 0) {
		rc = kpi_error_set(err, KPI_EIO, "cannot create directory '%s': %s", tmp, strerror(errno));
		kpi__pack_release();
		goto done;
	}
	tmp_made = true;
	kpi__pack_release();

	if ((rc = render_into(&paths, tmp, snap, json, len, err)) || (rc = list_files(&files, &nfiles, tmp, true, err)) ||
	    (rc = kpi_manifest_write(&manifest, snap, files, nfiles, err)))
		goto done;
	if (!(mpath = kpi__path_join(tmp, MANIFEST))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	kpi__pack_hold();
	rc = kpi__write_file_atomic(mpath, manifest.data, manifest.len, err);
	kpi__pack_release();
	if (rc)
		goto done;
	for (size_t i = 0; i < nfiles; i++) {
		/* sync the subdirectories the files are in (charts/) */
		char *s = strrchr(files[i].path, '/'), *sub;
		if (!s || (i > 0 && strncmp(files[i - 1].path, files[i].path, (size_t)(s - files[i].path) + 1) == 0))
			continue;
		if (!(sub = malloc(strlen(tmp) + (size_t)(s - files[i].path) + 2))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		sprintf(sub, "%s/%.*s", tmp, (int)(s - files[i].path), files[i].path);
		rc = kpi__pack_fsync(sub, true, err);
		free(sub);
		if (rc)
			goto done;
	}
	if ((rc = kpi__pack_fsync(tmp, true, err)))
		goto done;

	/* The swap, under a hold: a signal's kpi_pack_abort() waits for it to
	 * end, then removes what the write would have removed after it (the
	 * previous pack it displaced), or nothing (a first pack; a previous pack
	 * kept). A swap that failed leaves `tmp` tracked. */
	kpi__pack_hold();
	if (exists && o && o->keep_old) {
		if (!(rc = install_keeping(tmp, dir, o->keep_old, err))) {
			kpi__pack_abort_track(NULL);
			if (!(paths.kept = strdup(o->keep_old)))
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		}
		exists = false; /* nothing to remove */
	} else if (exists) {
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
			/* `tmp` now holds the previous pack: it is the one to remove
			 * (still the path tracked) */
			char *t = tmp;
			tmp = old;
			old = t;
		} else if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) {
			/* A file system without RENAME_EXCHANGE: move the old pack aside,
			 * then the new one in. For a moment there is no pack, never a
			 * mixed one. */
			kpi_log_msg(KPI_LOG_WARN, "pack.swap", "the file system of %s cannot exchange directories "
			                                       "atomically: replacing in two renames", parent);
			if (rename(dir, old) != 0) {
				rc = kpi_error_set(err, KPI_EIO, "cannot install '%s': %s", dir, strerror(errno));
			} else if (rename(tmp, dir) != 0) {
				rc = kpi_error_set(err, KPI_EIO, "cannot install '%s': %s", dir, strerror(errno));
				rename(old, dir); /* put the previous pack back */
			} else {
				kpi__pack_abort_track(old);
			}
		} else {
			rc = kpi_error_set(err, KPI_EIO, "cannot install '%s': %s", dir, strerror(errno));
		}
	} else if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_NOREPLACE) != 0 &&
	           ((errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) || rename(tmp, dir) != 0)) {
		rc = kpi_error_set(err, KPI_EIO, "cannot install '%s': %s", dir, strerror(errno));
	} else {
		kpi__pack_abort_track(NULL);
	}
	kpi__pack_release();
	if (rc)
		goto done;
	tmp_made = false;
	if ((rc = kpi__pack_fsync(parent, true, err)))
		goto done;
	if (exists) {
		/* held: the abort does not remove it at the same time */
		kpi__pack_hold();
		if (!(rc = kpi__remove_tree(old, err)))
			kpi__pack_abort_track(NULL);
		kpi__pack_release();
		if (rc)
			goto done;
	}
	if (out) {
		*out = paths;
		memset(&paths, 0, sizeof(paths));
	}
done:
	if (rc)
		kpi__pack_wait_if_aborted();
	kpi__pack_abort_track(NULL);
	if (tmp_made) {
		kpi_error ignored = KPI_ERROR_INIT;
		kpi__remove_tree(tmp, &ignored);
	}
	kpi_pack_paths_release(&paths);
	files_free(files, nfiles);
	kpi_buf_release(&manifest);
	free(mpath);
	free(tmp);
	free(old);
	free(parent);
	free(dir);
	free(defdir);
	kpi__tz_release(zone);
	return rc;
}

int kpi_pack_render_file(kpi_pack_paths *out, const char *dir, const char *path, kpi_error *err)
{
	kpi_snapshot *snap = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((rc = kpi__snapshot_read(&snap, &text, &len, path, err)) == 0)
		rc = kpi_pack_write(out, dir, snap, text, len, err);
	kpi_snapshot_free(snap);
	free(text);
	return rc;
}

/* ---- verification ---- */

typedef struct mf {
	const kpi__jsondoc *doc;
	kpi_error *err;
} mf;

static int mfail(const mf *m, const json_t *v, const char *fmt, ...) KPI_PRINTF(3, 4);
static int mfail(const mf *m, const json_t *v, const char *fmt, ...)
{
	char msg[KPI_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kpi__jsondoc_error(m->doc, v, m->err, KPI_EDATA, "%s", msg);
}

/* A path a manifest may name: relative, [A-Za-z0-9._-] components, no . or .. */
static bool safe_path(const char *p)
{
	size_t comp = 0;
	if (!*p || *p == '/')
		return false;
	for (const char *s = p;; s++) {
		if (*s == '/' || !*s) {
			if (comp == 0 || (comp == 1 && s[-1] == '.') || (comp == 2 && s[-1] == '.' && s[-2] == '.'))
				return false;
			if (!*s)
				return true;
			comp = 0;
		} else if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		           *s == '.' || *s == '_' || *s == '-') {
			comp++;
		} else {
			return false;
		}
	}
}

static bool is_sha(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A JSON value as compact text for a message (caller frees; never NULL
 * unless out of memory). */
static char *json_text(const json_t *v)
{
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* The manifest's `got` against `want` (what the pack's snapshot.json
 * gives), named `name` in the message. */
static int same_value(const mf *m, const json_t *got, const json_t *at, const json_t *want, const char *name)
{
	char *g, *w;
	int rc;
	if (got && json_equal(got, want))
		return 0;
	g = got ? json_text(got) : NULL;
	w = json_text(want);
	if (!w || (got && !g))
		rc = kpi_error_set(m->err, KPI_ENOMEM, "out of memory");
	else if (!got)
		rc = mfail(m, at, "%s is missing; the pack's snapshot.json gives %s", name, w);
	else
		rc = mfail(m, got, "%s is %s, but the pack's snapshot.json gives %s", name, g, w);
	free(g);
	free(w);
	return rc;
}

/* The manifest describes the pack's snapshot: its window, its SHA-256 and
 * the hashes of its queries are what a manifest of this snapshot has, field
 * for field ("files" is checked against the files; "tool_version" is the
 * renderer's, which may be newer than the snapshot's collector). The first
 * field that differs is named. */
static int check_describes(const mf *m, const json_t *root, const kpi_snapshot *snap)
{
	kpi_buf buf = KPI_BUF_INIT;
	kpi__jsondoc *wd = NULL;
	const json_t *mw = json_object_get(root, "window"), *ww, *mq = json_object_get(root, "queries"), *wq;
	const char *key;
	json_t *v;
	char name[128];
	size_t i;
	int rc;

	if ((rc = kpi_manifest_write(&buf, snap, NULL, 0, m->err)) ||
	    (rc = kpi__jsondoc_parse(&wd, "(expected manifest)", buf.data, buf.len, m->err)))
		goto done;
	ww = json_object_get(wd->root, "window");
	wq = json_object_get(wd->root, "queries");
	if (!json_is_object(mw)) {
		rc = mfail(m, mw ? mw : root, "'window' must be an object");
		goto done;
	}
	json_object_foreach((json_t *)ww, key, v) {
		snprintf(name, sizeof(name), "window.%s", key);
		if ((rc = same_value(m, json_object_get(mw, key), mw, v, name)))
			goto done;
	}
	json_object_foreach((json_t *)mw, key, v)
		if (!json_object_get(ww, key)) {
			rc = mfail(m, v, "window.%s is not a field of a manifest's window", key);
			goto done;
		}
	if ((rc = same_value(m, json_object_get(root, "snapshot_sha256"), root, json_object_get(wd->root, "snapshot_sha256"),
	                     "snapshot_sha256")))
		goto done;
	if (!json_is_array(mq)) {
		rc = mfail(m, mq ? mq : root, "'queries' must be an array");
		goto done;
	}
	for (i = 0; i < json_array_size(wq) || i < json_array_size(mq); i++) {
		const json_t *g = json_array_get(mq, i), *w = json_array_get(wq, i);
		if (!w) {
			rc = mfail(m, g, "queries[%zu] is not a query of the pack's snapshot.json (it has %zu)", i,
			           json_array_size(wq));
			goto done;
		}
		if (!json_is_object(g)) {
			snprintf(name, sizeof(name), "queries[%zu]", i);
			rc = same_value(m, g, mq, w, name);
			goto done;
		}
		json_object_foreach((json_t *)w, key, v) {
			/* which query, then its hash */
			snprintf(name, sizeof(name), "queries[%zu].%s (%s)", i, key,
			         json_string_value(json_object_get(w, "file")));
			if ((rc = same_value(m, json_object_get(g, key), g, v, name)))
				goto done;
		}
		if (json_object_size(g) != json_object_size(w)) {
			rc = mfail(m, g, "queries[%zu] has fields a manifest's query does not have", i);
			goto done;
		}
	}
done:
	kpi__jsondoc_free(wd);
	kpi_buf_release(&buf);
	return rc;
}

/* The kpi that wrote the manifest is this one: another version may list
 * other files or mean other things by them, and only the same version
 * renders the same bytes from the snapshot, so a pack is verified by the
 * version that wrote it (docs/pack.md). */
static int check_version(const mf *m, const json_t *root, size_t nfiles)
{
	const json_t *tv = json_object_get(root, "tool_version");
	if (!json_is_string(tv))
		return mfail(m, tv ? tv : root, "'tool_version' must be a string (the kpi that wrote the pack)");
	if (strcmp(json_string_value(tv), kpi_version()) != 0)
		return mfail(m, tv,
		             "tool_version: the pack was written by kpi %s, this is kpi %s: verify it with kpi %s "
		             "(its %zu files do match their sizes and SHA-256s)",
		             json_string_value(tv), kpi_version(), json_string_value(tv), nfiles);
	return 0;
}

static int verify(const char *dir, size_t *nfiles, bool same_version, kpi_error *err)
{
	static const char *const keys[] = { "format", "tool_version", "window", "snapshot_sha256", "queries",
		                            "files", NULL };
	static const char *const fkeys[] = { "path", "size", "sha256", NULL };
	char *mpath = kpi__path_join(dir, MANIFEST), *spath = kpi__path_join(dir, SNAPSHOT);
	kpi__jsondoc *doc = NULL;
	kpi_snapshot *snap = NULL;
	kpi_pack_file *have = NULL;
	size_t nhave = 0, i;
	json_t *files, *f;
	struct stat st;
	mf m;
	int rc;

	if (nfiles)
		*nfiles = 0;
	if (!mpath || !spath) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = kpi_error_set(err, KPI_ENOTFOUND, "'%s' is not a directory", dir);
		goto done;
	}
	if ((rc = kpi__jsondoc_load(&doc, mpath, err))) {
		if (rc == KPI_ENOTFOUND)
			kpi_error_set(err, KPI_EDATA, "%s: missing: a pack has one", mpath);
		else
			err->code = rc == KPI_ENOMEM ? rc : KPI_EDATA;
		rc = err->code;
		goto done;
	}
	m.doc = doc;
	m.err = err;
	files = json_object_get(doc->root, "files");
	if (!json_is_object(doc->root) || !json_is_integer(json_object_get(doc->root, "format"))) {
		rc = mfail(&m, doc->root, "not a kpi manifest (no whole number 'format')");
		goto done;
	}
	if (json_integer_value(json_object_get(doc->root, "format")) != KPI_MANIFEST_FORMAT) {
		rc = mfail(&m, json_object_get(doc->root, "format"), "manifest format %lld is not supported (this kpi reads %d)",
		           (long long)json_integer_value(json_object_get(doc->root, "format")), KPI_MANIFEST_FORMAT);
		goto done;
	}
	if ((rc = kpi__json_check_keys(doc, doc->root, keys, "manifest", err))) {
		rc = err->code = KPI_EDATA;
		goto done;
	}
	if (!json_is_array(files)) {
		rc = mfail(&m, files ? files : doc->root, "'files' must be an array");
		goto done;
	}
	/* Every file listed: present, same size, same SHA-256. */
	json_array_foreach(files, i, f) {
		json_t *p = json_object_get(f, "path"), *size = json_object_get(f, "size"),
		       *sha = json_object_get(f, "sha256");
		char *full, got[65];
		if (!json_is_object(f) || kpi__json_check_keys(doc, f, fkeys, "file entry", err) || !json_is_string(p) ||
		    !json_is_integer(size) || json_integer_value(size) < 0 || !json_is_string(sha) ||
		    !is_sha(json_string_value(sha))) {
			rc = mfail(&m, f, "a file entry must be {\"path\", \"size\", \"sha256\"}");
			goto done;
		}
		if (!safe_path(json_string_value(p)) || strcmp(json_string_value(p), MANIFEST) == 0) {
			rc = mfail(&m, p, "'%s' is not a path a pack may list", json_string_value(p));
			goto done;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_object_get(json_array_get(files, j), "path")),
			           json_string_value(p)) == 0) {
				rc = mfail(&m, p, "'%s' is listed twice", json_string_value(p));
				goto done;
			}
		if (!(full = kpi__path_join(dir, json_string_value(p)))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		if (lstat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
			rc = kpi_error_set(err, KPI_EDATA, "%s: missing (listed in manifest.json)", full);
		} else if ((uint64_t)st.st_size != (uint64_t)json_integer_value(size)) {
			rc = kpi_error_set(err, KPI_EDATA, "%s: differs from manifest.json (%lld bytes, listed %lld)", full,
			                   (long long)st.st_size, (long long)json_integer_value(size));
		} else if ((rc = kpi__file_sha256(got, NULL, full, err)) == 0) {
			if (strcmp(got, json_string_value(sha)) != 0)
				rc = kpi_error_set(err, KPI_EDATA, "%s: differs from manifest.json (SHA-256 %.12s..., listed %.12s...)",
				                   full, got, json_string_value(sha));
		}
		free(full);
		if (rc)
			goto done;
	}
	/* Nothing else. */
	if ((rc = list_files(&have, &nhave, dir, false, err)))
		goto done;
	for (i = 0; i < nhave; i++) {
		bool listed = strcmp(have[i].path, MANIFEST) == 0;
		for (size_t j = 0; j < json_array_size(files) && !listed; j++)
			listed = strcmp(json_string_value(json_object_get(json_array_get(files, j), "path")), have[i].path) == 0;
		if (!listed) {
			char *full = kpi__path_join(dir, have[i].path);
			rc = kpi_error_set(err, KPI_EDATA, "%s: not in manifest.json", full ? full : have[i].path);
			free(full);
			goto done;
		}
	}
	/* The manifest describes this pack's snapshot. */
	if ((rc = kpi_snapshot_load(&snap, spath, err))) {
		if (rc == KPI_ENOTFOUND)
			rc = kpi_error_set(err, KPI_EDATA, "%s: missing: a pack has one", spath);
		goto done;
	}
	if ((rc = check_describes(&m, doc->root, snap)) ||
	    (same_version && (rc = check_version(&m, doc->root, json_array_size(files)))))
		goto done;
	if (nfiles)
		*nfiles = json_array_size(files);
done:
	kpi_snapshot_free(snap);
	files_free(have, nhave);
	kpi__jsondoc_free(doc);
	free(mpath);
	free(spath);
	return rc;
}

int kpi_pack_verify(const char *dir, size_t *nfiles, kpi_error *err)
{
	return verify(dir, nfiles, true, err);
}

int kpi_pack_verify_files(const char *dir, size_t *nfiles, kpi_error *err)
{
	return verify(dir, nfiles, false, err);
}
