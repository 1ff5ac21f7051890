/*
 * index.html of a reports directory (kpi/history.h): the packs of
 * kpi/reports.h with their snapshots, the decisions of decisions.jsonl,
 * through kpi_history_html(), written temp + rename. What cannot be shown
 * becomes a warning on the page rather than no page at all: the page is
 * how people look back, and one bad pack must not hide the others.
 */
#include "core/internal.h"
#include "kpi/history.h"
#include "kpi/reports.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct warnings {
	char **w;
	size_t n, cap;
} warnings;

static int warn(warnings *w, const char *a, const char *b)
{
	kpi_buf t = KPI_BUF_INIT;
	if (w->n == w->cap) {
		char **n = realloc(w->w, (w->cap = w->cap ? 2 * w->cap : 8) * sizeof(*n));
		if (!n)
			return KPI_ENOMEM;
		w->w = n;
	}
	if (kpi_buf_printf(&t, "%s%s", a, b)) {
		kpi_buf_release(&t);
		return KPI_ENOMEM;
	}
	w->w[w->n++] = t.data;
	return 0;
}

/* A path of pack `p` relative to its directory. */
static const char *rel(const kpi_report_pack *p, const char *path)
{
	size_t n = strlen(p->dir);
	return !strncmp(path, p->dir, n) && path[n] == '/' ? path + n + 1 : path;
}

/* A decided pack kept aside (kpi_reports_pack_kept()) while another pack of
 * its week is there: the week is shown from that one. */
static bool superseded(const kpi_reports *r, const kpi_report_pack *p)
{
	if (!kpi_reports_pack_kept(p))
		return false;
	for (size_t i = 0; i < r->npacks; i++)
		if (!kpi_week_cmp(r->packs[i].week, p->week) && !kpi_reports_pack_kept(&r->packs[i]))
			return true;
	return false;
}

/* The kept pack decision `x` was taken on; NULL when it was taken on
 * another (the week's current pack, which may hold the same manifest). */
static const char *kept_name(const kpi_reports *r, const kpi_decision *x)
{
	for (size_t i = 0; i < r->npacks; i++)
		if (!kpi_reports_pack_kept(&r->packs[i]) && !strcmp(r->packs[i].manifest_sha256, x->manifest_sha256))
			return NULL;
	for (size_t i = 0; i < r->npacks; i++)
		if (kpi_reports_pack_kept(&r->packs[i]) && !strcmp(r->packs[i].manifest_sha256, x->manifest_sha256))
			return r->packs[i].name;
	return NULL;
}

int kpi_history_write(char **path, size_t *nwarnings, const char *reports_dir, kpi_error *err)
{
	kpi_reports *r = NULL;
	kpi_decisions *d = NULL;
	kpi_snapshot **snaps = NULL;
	kpi_history_pack *hp = NULL;
	kpi_history_decision *hd = NULL;
	const char **files = NULL;
	size_t nhp = 0, nfiles = 0, nhd = 0;
	warnings w = {0};
	kpi_buf page = KPI_BUF_INIT;
	char *out = NULL, *dpath = NULL;
	struct stat st;
	int rc = 0;

	if (path)
		*path = NULL;
	if (nwarnings)
		*nwarnings = 0;
	if (stat(reports_dir, &st) || !S_ISDIR(st.st_mode))
		return kpi_error_set(err, KPI_ENOTFOUND, "cannot write the history page: '%s' is not a directory", reports_dir);
	if ((rc = kpi_reports_list(&r, reports_dir, err)))
		return rc;
	for (size_t i = 0; i < r->nskipped && !rc; i++) {
		kpi_buf t = KPI_BUF_INIT;
		rc = kpi_buf_printf(&t, "%s: not a pack: ", r->skipped[i].dir) || warn(&w, t.data, r->skipped[i].reason)
		         ? KPI_ENOMEM : 0;
		kpi_buf_release(&t);
	}
	if (!rc && r->npacks &&
	    (!(snaps = calloc(r->npacks, sizeof(*snaps))) || !(hp = calloc(r->npacks, sizeof(*hp)))))
		rc = KPI_ENOMEM;
	for (size_t i = 0; i < r->npacks && !rc; i++)
		nfiles += 2 + r->packs[i].npngs;
	if (!rc && nfiles && !(files = calloc(nfiles, sizeof(*files))))
		rc = KPI_ENOMEM;
	nfiles = 0;
	for (size_t i = 0; i < r->npacks && !rc; i++) {
		const kpi_report_pack *p = &r->packs[i];
		kpi_error e = KPI_ERROR_INIT;
		int lr;
		if (superseded(r, p))
			continue; /* shown as its decision's "decided on the pack kept in" */
		lr = kpi_snapshot_load(&snaps[nhp], p->snapshot, &e);
		if (lr == KPI_ENOMEM) {
			rc = KPI_ENOMEM;
			break;
		}
		if (lr) {
			rc = warn(&w, "", e.message);
			continue;
		}
		hp[nhp].name = p->name;
		hp[nhp].snap = snaps[nhp];
		hp[nhp].files = files + nfiles;
		if (p->pdf)
			files[nfiles++] = rel(p, p->pdf);
		if (p->xlsx)
			files[nfiles++] = rel(p, p->xlsx);
		for (size_t k = 0; k < p->npngs; k++)
			files[nfiles++] = rel(p, p->pngs[k]);
		hp[nhp].nfiles = (size_t)(files + nfiles - hp[nhp].files);
		nhp++;
	}
	if (!rc && !(dpath = kpi__path_join(reports_dir, KPI_DECISIONS_FILE)))
		rc = KPI_ENOMEM;
	if (!rc) {
		kpi_error e = KPI_ERROR_INIT;
		int lr = kpi_decisions_load(&d, dpath, &e);
		if (lr == KPI_ENOMEM)
			rc = KPI_ENOMEM;
		else if (lr && lr != KPI_ENOTFOUND)
			rc = warn(&w, "the decisions are left off: ", e.message);
	}
	if (!rc && d && d->n && !(hd = calloc(d->n, sizeof(*hd))))
		rc = KPI_ENOMEM;
	for (size_t i = 0; !rc && d && i < d->n; i++, nhd++) {
		hd[i].week = d->rec[i].week;
		hd[i].decision = d->rec[i].decision;
		hd[i].by = d->rec[i].by;
		hd[i].at = d->rec[i].at;
		hd[i].note = d->rec[i].note;
		hd[i].verdict = d->rec[i].verdict;
		hd[i].kept = kept_name(r, &d->rec[i]);
	}
	if (rc) {
		rc = kpi_error_set(err, rc, "out of memory");
		goto done;
	}
	if ((rc = kpi_history_html(&page, hp, nhp, hd, nhd, (const char *const *)w.w, w.n, err)))
		goto done;
	if (!(out = kpi__path_join(reports_dir, KPI_HISTORY_FILE))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi__write_file_atomic(out, page.data, page.len, err)))
		goto done;
	if (nwarnings)
		*nwarnings = w.n;
	if (path) {
		*path = out;
		out = NULL;
	}
done:
	free(out);
	free(dpath);
	kpi_buf_release(&page);
	for (size_t i = 0; i < w.n; i++)
		free(w.w[i]);
	free(w.w);
	free(hd);
	free(files);
	free(hp);
	for (size_t i = 0; snaps && i < r->npacks; i++)
		kpi_snapshot_free(snaps[i]);
	free(snaps);
	kpi_decisions_free(d);
	kpi_reports_free(r);
	return rc;
}
