/* Restatements (kpi/reports.h): what a new pack reads differently from what
 * the earlier packs of its reports directory reported for the same weeks
 * (late rows, corrected data), recorded in its snapshot (format 4,
 * "restatements") so the pack shows it and a re-render says the same. */
#include "core/internal.h"
#include "reports/reports_int.h"
#include "snapshot/snapshot_restate.h"

#include <stdlib.h>
#include <string.h>

/* One row of a series in a week the comparison looks at: the week's index
 * in the new snapshot's window and its labels as one key. */
typedef struct rkey {
	int week;
	char *key;
	const kpi_series *s;
	const kpi_row *row;
} rkey;

static int cmp_rkey(const void *a, const void *b)
{
	const rkey *x = a, *y = b;
	return x->week != y->week ? (x->week < y->week ? -1 : 1) : strcmp(x->key, y->key);
}

/* "name\x1fvalue\x1e..." in the series' label order. */
static char *label_key(const kpi_series *s, const kpi_row *row)
{
	size_t n = 1, o = 0;
	char *k;
	for (size_t i = 0; i < s->nlabels; i++)
		n += strlen(s->label_names[i]) + strlen(row->labels[i] ? row->labels[i] : "") + 2;
	if (!(k = malloc(n)))
		return NULL;
	for (size_t i = 0; i < s->nlabels; i++)
		o += (size_t)snprintf(k + o, n - o, "%s\x1f%s\x1e", s->label_names[i], row->labels[i] ? row->labels[i] : "");
	k[o] = '\0';
	return k;
}

static void keys_free(rkey *k, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		free(k[i].key);
	free(k);
}

/* The rows of `s` (of snapshot `from`) in the weeks of `now` that `pick`
 * assigns to earlier pack `j` (-1: the new snapshot's own rows, every week
 * assigned to some pack), sorted. */
static int keys_of(rkey **out, size_t *n, const kpi_series *s, const kpi_window *fw, const kpi_window *now,
                   const int *pick, int j)
{
	rkey *k = calloc(s->nrows + 1, sizeof(*k));
	*out = k;
	*n = 0;
	if (!k)
		return KPI_ENOMEM;
	for (size_t i = 0; i < s->nrows; i++) {
		const kpi_row *row = &s->rows[i];
		int fi = kpi_window_index(fw, row->period_start), wi;
		if (fi < 0)
			continue;
		wi = fw == now ? fi : kpi__window_week_index(now, kpi_week_add(fw->first, fi));
		if (wi < 0 || pick[wi] < 0 || (j >= 0 && pick[wi] != j))
			continue;
		if (j >= 0 && fw->partial && fi == fw->nweeks - 1)
			continue; /* still in progress when that pack was built */
		k[*n].week = wi;
		k[*n].s = s;
		k[*n].row = row;
		if (!(k[(*n)++].key = label_key(s, row)))
			return KPI_ENOMEM;
	}
	qsort(k, *n, sizeof(*k), cmp_rkey);
	return 0;
}

static bool same_value(const kpi_row *a, const kpi_row *b)
{
	bool ha = a && a->has_value, hb = b && b->has_value;
	return ha == hb && (!ha || a->value == b->value);
}

static int add_value(kpi_restatements *r, size_t *per_week, const kpi_window *now, const rkey *o, const rkey *n,
                     const char *pack)
{
	const rkey *side = n ? n : o;
	kpi_restated *x;

	r->values_total++;
	per_week[side->week]++;
	if (r->nvalues >= KPI_SNAPSHOT_RESTATED_MAX)
		return 0;
	if (!(x = realloc(r->values, (r->nvalues + 1) * sizeof(*x))))
		return KPI_ENOMEM;
	r->values = x;
	x = &r->values[r->nvalues++];
	memset(x, 0, sizeof(*x));
	x->week = kpi_week_add(now->first, side->week);
	x->old_has = o && o->row->has_value;
	x->old_value = x->old_has ? o->row->value : 0;
	x->new_has = n && n->row->has_value;
	x->new_value = x->new_has ? n->row->value : 0;
	if (!(x->kpi = kpi__strdup(side->s->def->id)) || !(x->pack = kpi__strdup(pack)))
		return KPI_ENOMEM;
	if (side->s->nlabels && (!(x->label_names = calloc(side->s->nlabels, sizeof(char *))) ||
	                         !(x->label_values = calloc(side->s->nlabels, sizeof(char *)))))
		return KPI_ENOMEM;
	for (size_t i = 0; i < side->s->nlabels; i++, x->nlabels++)
		if (!(x->label_names[i] = kpi__strdup(side->s->label_names[i])) ||
		    !(x->label_values[i] = kpi__strdup(side->row->labels[i] ? side->row->labels[i] : "")))
			return KPI_ENOMEM;
	return 0;
}

/* Merge the sorted rows of one KPI: restated where they differ. */
static int compare_series(kpi_restatements *r, size_t *per_week, const kpi_series *ns, const kpi_snapshot *now,
                          const kpi_series *os, const kpi_snapshot *old, const int *pick, int j, const char *pack)
{
	rkey *nk = NULL, *ok = NULL;
	size_t nn = 0, on = 0, a = 0, b = 0;
	const kpi_window *nw = &now->result->window;
	int rc;

	if ((rc = keys_of(&nk, &nn, ns, nw, nw, pick, -1)) ||
	    (rc = keys_of(&ok, &on, os, &old->result->window, nw, pick, j)))
		goto done;
	/* the new rows of the weeks this pack reports */
	{
		size_t m = 0;
		for (size_t i = 0; i < nn; i++) {
			if (pick[nk[i].week] == j) {
				nk[m++] = nk[i];
				continue;
			}
			free(nk[i].key);
		}
		nn = m;
	}
	while (!rc && (a < nn || b < on)) {
		int c = a >= nn ? 1 : b >= on ? -1 : cmp_rkey(&nk[a], &ok[b]);
		if (c == 0) {
			if (!same_value(nk[a].row, ok[b].row))
				rc = add_value(r, per_week, nw, &ok[b], &nk[a], pack);
			a++, b++;
		} else if (c < 0) {
			if (nk[a].row->has_value) /* reported as no row, now a value */
				rc = add_value(r, per_week, nw, NULL, &nk[a], pack);
			a++;
		} else {
			if (ok[b].row->has_value) /* reported, now no row */
				rc = add_value(r, per_week, nw, &ok[b], NULL, pack);
			b++;
		}
	}
done:
	keys_free(nk, nn);
	keys_free(ok, on);
	return rc;
}

static const kpi_series *series_of(const kpi_result *res, const char *id)
{
	for (size_t i = 0; i < res->nseries; i++)
		if (strcmp(res->series[i].def->id, id) == 0)
			return &res->series[i];
	return NULL;
}

/* Whether `s` has a waiver in force in week `wk` on the KPI and labels of `w`. */
static bool waiver_in_force(const kpi_snapshot *s, const kpi_waiver *w, kpi_week wk)
{
	char a[512], b[512];
	kpi_waiver_labels_format(a, sizeof(a), w);
	for (size_t i = 0; i < s->nwaivers; i++)
		if (kpi_week_cmp(s->waivers[i].until, wk) >= 0 && strcmp(s->waivers[i].kpi, w->kpi) == 0 &&
		    strcmp(kpi_waiver_labels_format(b, sizeof(b), &s->waivers[i]), a) == 0)
			return true;
	return false;
}

/* A waiver of `a` in force in week `wk` that `b` does not have. */
static bool waivers_only_in(const kpi_snapshot *a, const kpi_snapshot *b, kpi_week wk)
{
	for (size_t i = 0; i < a->nwaivers; i++)
		if (kpi_week_cmp(a->waivers[i].until, wk) >= 0 && !waiver_in_force(b, &a->waivers[i], wk))
			return true;
	return false;
}

/* A gating KPI `a` did not collect that `b` did. */
static bool uncollected_only_in(const kpi_snapshot *a, const kpi_snapshot *b)
{
	for (size_t i = 0; i < a->nnot_collected; i++) {
		bool both = false;
		for (size_t k = 0; k < b->nnot_collected && !both; k++)
			both = strcmp(a->not_collected[i].kpi, b->not_collected[k].kpi) == 0;
		if (a->not_collected[i].gating && !both)
			return true;
	}
	return false;
}

/* KPI_RESTATED_* but DATA: what snapshots `now` and `old` hold differently
 * that weighs in week `wk`'s verdict (the values are compared apart). */
static unsigned verdict_differ(const kpi_snapshot *now, const kpi_snapshot *old, kpi_week wk)
{
	unsigned d = 0;
	if (waivers_only_in(now, old, wk) || waivers_only_in(old, now, wk))
		d |= KPI_RESTATED_WAIVERS;
	/* format 1 does not record what it did not collect */
	if (now->format >= 2 && old->format >= 2 && (uncollected_only_in(now, old) || uncollected_only_in(old, now)))
		d |= KPI_RESTATED_COLLECTED;
	for (size_t i = 0; now->catalog && old->catalog && i < now->catalog->nkpis; i++) {
		const kpi_def *a = &now->catalog->kpis[i], *b = kpi_catalog_find(old->catalog, a->id);
		if (b && (a->gating || b->gating) &&
		    (a->gating != b->gating || a->threshold.op != b->threshold.op || a->threshold.target != b->threshold.target))
			d |= KPI_RESTATED_THRESHOLDS;
	}
	for (size_t i = 0; old->format < 3 && i < old->nnot_collected; i++)
		if (old->not_collected[i].gating)
			d |= KPI_RESTATED_RULE;
	return d;
}

int kpi_restatements_compare(kpi_restatements **out, const kpi_snapshot *now, const kpi_earlier_pack *earlier,
                             size_t n, kpi_error *err)
{
	const kpi_window *nw = &now->result->window;
	kpi_restatements *r = calloc(1, sizeof(*r));
	int pick[KPI_MAX_WEEKS];
	size_t per_week[KPI_MAX_WEEKS] = { 0 };
	bool *used = calloc(n + 1, sizeof(bool));
	int rc = 0;

	*out = NULL;
	if (!r || !used) {
		rc = KPI_ENOMEM;
		goto done;
	}
	/* which pack reported each week: the newest before this one that has it */
	for (int i = 0; i < nw->nweeks; i++) {
		kpi_week wk = kpi_week_add(nw->first, i);
		pick[i] = -1;
		for (size_t j = 0; j < n; j++) {
			const kpi_window *ew = &earlier[j].snap->result->window;
			int oi = kpi__window_week_index(ew, wk);
			if (kpi_week_cmp(ew->last, nw->last) >= 0 || oi < 0 || (ew->partial && oi == ew->nweeks - 1))
				continue;
			if (pick[i] < 0 || kpi_week_cmp(ew->last, earlier[pick[i]].snap->result->window.last) > 0)
				pick[i] = (int)j;
		}
		if (pick[i] >= 0)
			used[pick[i]] = true;
	}
	/* the verdicts, oldest week first */
	for (int i = 0; i < nw->nweeks && !rc; i++) {
		const kpi_snapshot *old;
		const kpi_verdict *ov;
		kpi_restated_verdict *x;
		if (pick[i] < 0)
			continue;
		old = earlier[pick[i]].snap;
		ov = &old->verdicts[kpi__window_week_index(&old->result->window, kpi_week_add(nw->first, i))];
		if (ov->verdict == now->verdicts[i].verdict)
			continue;
		if (!(x = realloc(r->verdicts, (r->nverdicts + 1) * sizeof(*x)))) {
			rc = KPI_ENOMEM;
			break;
		}
		r->verdicts = x;
		x = &r->verdicts[r->nverdicts++];
		memset(x, 0, sizeof(*x));
		x->week = now->verdicts[i].week;
		x->old_verdict = ov->verdict;
		x->new_verdict = now->verdicts[i].verdict;
		if (!(x->pack = kpi__strdup(earlier[pick[i]].name)))
			rc = KPI_ENOMEM;
	}
	/* the values: by KPI in the new snapshot's order, each pack's weeks */
	for (size_t k = 0; k < now->result->nseries && !rc; k++) {
		const kpi_series *ns = &now->result->series[k];
		for (size_t j = 0; j < n && !rc; j++) {
			const kpi_series *os;
			if (!used[j] || !(os = series_of(earlier[j].snap->result, ns->def->id)))
				continue;
			rc = compare_series(r, per_week, ns, now, os, earlier[j].snap, pick, (int)j, earlier[j].name);
		}
	}
	/* what the two snapshots of each restated verdict hold differently */
	for (size_t i = 0; i < r->nverdicts && !rc; i++) {
		kpi_restated_verdict *x = &r->verdicts[i];
		int wi = kpi__window_week_index(nw, x->week);
		x->differ = verdict_differ(now, earlier[pick[wi]].snap, x->week) | (per_week[wi] ? KPI_RESTATED_DATA : 0);
	}
	/* the packs compared with, oldest first */
	for (size_t j = 0; j < n && !rc; j++) {
		size_t at;
		char **c;
		if (!used[j])
			continue;
		if (!(c = realloc(r->compared, (r->ncompared + 1) * sizeof(char *)))) {
			rc = KPI_ENOMEM;
			break;
		}
		r->compared = c;
		for (at = r->ncompared; at > 0; at--) {
			size_t p;
			for (p = 0; p < n && (!used[p] || strcmp(earlier[p].name, c[at - 1]) != 0); p++)
				;
			if (kpi_week_cmp(earlier[p].snap->result->window.last, earlier[j].snap->result->window.last) <= 0)
				break;
			c[at] = c[at - 1];
		}
		r->ncompared++;
		if (!(c[at] = kpi__strdup(earlier[j].name)))
			rc = KPI_ENOMEM;
	}
done:
	free(used);
	if (rc) {
		kpi_restatements_free(r);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

static int add_unread(kpi_restatements *r, const char *pack, const char *reason)
{
	kpi_unread_pack *u = realloc(r->unread, (r->nunread + 1) * sizeof(*u));
	if (!u)
		return KPI_ENOMEM;
	r->unread = u;
	u = &r->unread[r->nunread++];
	u->pack = kpi__strdup(pack);
	u->reason = kpi__strdup(reason);
	kpi_log_msg(KPI_LOG_WARN, "pack.restatements.unreadable",
	            "earlier pack '%s' cannot be read, its weeks are not compared for restatements: %s", pack, reason);
	return u->pack && u->reason ? 0 : KPI_ENOMEM;
}

/* The restated verdicts of weeks decisions.jsonl of `dir` has a decision
 * on. A file that is missing or does not read decides nothing here (kpi
 * verify and kpi decide report it). 0 or KPI_ENOMEM. */
/* Whether `d` holds a decision on week `w` taken on the pack named `pack`
 * of `rep` (its manifest as it is now): the pack a verdict was compared
 * with, not another pack of that week. */
static bool decided_on(const kpi_decisions *d, const kpi_reports *rep, kpi_week w, const char *pack)
{
	const kpi_report_pack *p = NULL;
	for (size_t i = 0; rep && pack && i < rep->npacks && !p; i++)
		if (strcmp(rep->packs[i].name, pack) == 0)
			p = &rep->packs[i];
	for (size_t i = 0; p && d && i < d->n; i++)
		if (kpi_week_cmp(d->rec[i].week, w) == 0 && strcmp(d->rec[i].manifest_sha256, p->manifest_sha256) == 0)
			return true;
	return false;
}

static int mark_decided(kpi_restatements *r, const kpi_reports *rep, const char *dir)
{
	char *path;
	kpi_decisions *d = NULL;
	kpi_error derr = KPI_ERROR_INIT;
	int rc;

	if (!r->nverdicts)
		return 0;
	if (!(path = kpi__path_join(dir, KPI_DECISIONS_FILE)))
		return KPI_ENOMEM;
	rc = kpi_decisions_load(&d, path, &derr);
	free(path);
	if (rc == KPI_ENOMEM)
		return rc;
	for (size_t i = 0; rc == 0 && i < r->nverdicts; i++)
		r->verdicts[i].decided = decided_on(d, rep, r->verdicts[i].week, r->verdicts[i].pack);
	kpi_decisions_free(d);
	return 0;
}

int kpi_reports_restatements(kpi_snapshot *snap, const char *dir, kpi_error *err)
{
	const kpi_window *nw = &snap->result->window;
	kpi_reports *rep = NULL;
	kpi_restatements *r = NULL, *unread = calloc(1, sizeof(*unread));
	kpi_earlier_pack *ep = NULL;
	kpi_snapshot **loaded = NULL;
	kpi_error lerr = KPI_ERROR_INIT;
	size_t nep = 0;
	bool covered[KPI_MAX_WEEKS] = { false };
	int rc = 0;

	if (!unread)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	covered[nw->nweeks - 1] = true; /* the pack's own week: nothing earlier has it */
	rc = kpi_reports_list(&rep, dir, &lerr);
	if (rc == KPI_ENOMEM)
		goto done;
	if (rc) {
		rc = add_unread(unread, dir, lerr.message);
		goto compare;
	}
	for (size_t i = 0; i < rep->nskipped && !rc; i++)
		rc = add_unread(unread, rep->skipped[i].dir, rep->skipped[i].reason);
	if (rep->npacks && (!(ep = calloc(rep->npacks, sizeof(*ep))) || !(loaded = calloc(rep->npacks, sizeof(*loaded)))))
		rc = KPI_ENOMEM;
	/* newest first, until every earlier week of the window is reported */
	for (size_t i = rep->npacks; i-- > 0 && !rc;) {
		const kpi_report_pack *p = &rep->packs[i];
		const kpi_window *ew;
		bool news = false, all = true;
		kpi_error perr = KPI_ERROR_INIT;
		int lrc;

		for (int k = 0; k < nw->nweeks; k++)
			all = all && covered[k];
		if (all || kpi_week_cmp(p->week, nw->first) < 0)
			break;
		if (kpi_week_cmp(p->week, nw->last) >= 0 || kpi_reports_find(rep, p->week) != p)
			continue;
		lrc = kpi_snapshot_load(&loaded[nep], p->snapshot, &perr);
		if (lrc == KPI_ENOMEM) {
			rc = KPI_ENOMEM;
			break;
		}
		if (lrc) {
			rc = add_unread(unread, p->dir, perr.message);
			continue;
		}
		ew = &loaded[nep]->result->window;
		for (int k = 0; k < nw->nweeks; k++) {
			int oi = kpi__window_week_index(ew, kpi_week_add(nw->first, k));
			if (oi >= 0 && !(ew->partial && oi == ew->nweeks - 1) && !covered[k])
				covered[k] = news = true;
		}
		if (!news) {
			kpi_snapshot_free(loaded[nep]);
			loaded[nep] = NULL;
			continue;
		}
		ep[nep].name = p->name;
		ep[nep].snap = loaded[nep];
		nep++;
	}
	if (rc)
		goto done;
compare:
	if ((rc = kpi_restatements_compare(&r, snap, ep, nep, err)) || (rc = mark_decided(r, rep, dir)))
		goto done;
	r->unread = unread->unread;
	r->nunread = unread->nunread;
	unread->unread = NULL;
	unread->nunread = 0;
	kpi_restatements_free(snap->restatements);
	snap->restatements = r;
	r = NULL;
	if (snap->format < KPI_SNAPSHOT_FORMAT)
		snap->format = KPI_SNAPSHOT_FORMAT;
done:
	for (size_t i = 0; loaded && rep && i < rep->npacks; i++)
		kpi_snapshot_free(loaded[i]);
	free(loaded);
	free(ep);
	kpi_restatements_free(unread);
	kpi_restatements_free(r);
	kpi_reports_free(rep);
	if (rc == KPI_ENOMEM && (!err || err->code != KPI_ENOMEM))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return rc;
}
