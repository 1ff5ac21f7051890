/*
 * The week in plain words (kpi/render.h): the sentences the cover leads
 * with, for people who do not read KPI ids. Generated from the snapshot
 * alone, so a re-render says the same.
 */
#include "render/render_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct words {
	char **s;
	size_t n;
	int rc;
} wlist;

static void say(wlist *w, const char *fmt, ...) KPI_PRINTF(2, 3);
static void say(wlist *w, const char *fmt, ...)
{
	char buf[1024], **n;
	va_list ap;

	if (w->rc || w->n >= KPI_RENDER_WORDS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!(n = realloc(w->s, (w->n + 2) * sizeof(char *))) || !(n[w->n] = strdup(buf))) {
		if (n)
			w->s = n;
		w->rc = KPI_ENOMEM;
		return;
	}
	w->s = n;
	n[++w->n] = NULL;
}

/* A value as people say it: "2.35 days", "8 minutes", "97.2%". */
static char *spoken(char *buf, size_t size, bool has, double v, const kpi_def *d)
{
	char *sp;
	kpi__fmt_value(buf, size, has, v, d->unit, KPI__NUM_PEOPLE, &d->threshold);
	if ((sp = strrchr(buf, ' ')) && sp[1]) {
		const char *said = kpi__unit_words(sp + 1);
		if (strcmp(said, sp + 1) != 0 && strcmp(sp + 1, "%") != 0)
			snprintf(sp + 1, size - (size_t)(sp + 1 - buf), "%s", said);
	}
	return buf;
}

/* The title of a KPI with the row's labels: "Export success rate by path (path owned)". */
static char *named(char *buf, size_t size, const kpi_def *d, const kpi_series *s, const kpi_row *r)
{
	char lb[256];
	if (s && r && kpi__row_labels_join(lb, sizeof(lb), s, r, ", ")[0])
		snprintf(buf, size, "%s (%s)", d->title, lb);
	else
		snprintf(buf, size, "%s", d->title);
	return buf;
}

static const kpi_def *def_of(const kpi_snapshot *snap, const char *id)
{
	const kpi_def *d = snap->catalog ? kpi_catalog_find(snap->catalog, id) : NULL;
	const kpi_series *s = d ? NULL : kpi_result_find(snap->result, id);
	return d ? d : s ? s->def : NULL;
}

/* The title of a reason's KPI, from the catalogue or what was not collected. */
static const char *reason_title(const kpi_snapshot *snap, const char *id)
{
	const kpi_def *d = def_of(snap, id);
	for (size_t i = 0; !d && i < snap->nnot_collected; i++)
		if (strcmp(snap->not_collected[i].kpi, id) == 0)
			return snap->not_collected[i].title;
	return d ? d->title : id;
}

/* "A, B and 3 more" of the reasons with (`nm`) or without a why. */
static void title_list(char *buf, size_t size, const kpi_snapshot *snap, const kpi_reason *rs, size_t n, bool nm)
{
	size_t o = 0, k = 0, total = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		total += (rs[i].not_measured != NULL) == nm;
	for (size_t i = 0; i < n && o < size; i++) {
		if ((rs[i].not_measured != NULL) != nm)
			continue;
		if (k == 3 && total > 4) {
			snprintf(buf + o, size - o, " and %zu more", total - 3);
			return;
		}
		o += (size_t)snprintf(buf + o, size - o, "%s%s", k == 0 ? "" : k + 1 == total ? " and " : ", ",
		                      reason_title(snap, rs[i].kpi));
		k++;
	}
}

static void decision(wlist *w, const kpi_snapshot *snap, const kpi_verdict *v, const char *wk)
{
	size_t nb = 0, nd = 0, nm = 0, ng;
	char list[512], val[96], th[96];

	for (size_t i = 0; i < v->nreasons; i++) {
		nb += v->reasons[i].status == KPI_STATUS_BREACH;
		nm += v->reasons[i].not_measured != NULL;
	}
	nd = v->nreasons - nb - nm;
	/* an older snapshot, decided before a measure not read held the week */
	if ((ng = kpi__go_unweighed(snap, v, NULL, 0))) {
		say(w, "This older pack said GO for %s, but %zu measure%s that decide the rollout %s not measured and "
		    "its verdict did not weigh them: read it as a hold.", wk, ng, ng == 1 ? "" : "s",
		    ng == 1 ? "was" : "were");
		return;
	}
	if (v->verdict == KPI_VERDICT_GO) {
		say(w, "The rollout can go ahead in %s: every measure that decides it was read and meets its target%s.", wk,
		    v->nwaived ? ", or is excused by an approved waiver" : "");
		return;
	}
	if (v->verdict == KPI_VERDICT_NOGO) {
		const kpi_reason *r = &v->reasons[0];
		const kpi_def *d = def_of(snap, r->kpi);
		if (d)
			spoken(val, sizeof(val), r->has_value, r->value, d);
		else
			snprintf(val, sizeof(val), "out of bounds");
		if (d)
			kpi__threshold_format(th, sizeof(th), &d->threshold, d->unit, KPI__TH_PACK);
		else
			snprintf(th, sizeof(th), "%s", r->threshold);
		say(w, "The rollout should not go ahead in %s: %zu measure%s that decide%s it miss%s the target. The first: "
		    "%s is %s where it must be %s.", wk, nb, nb == 1 ? "" : "s", nb == 1 ? "s" : "", nb == 1 ? "es" : "",
		    reason_title(snap, r->kpi), val, th);
		return;
	}
	if (nm && nd)
		say(w, "The decision for %s waits: %zu measure%s that decide%s the rollout could not be read this week and "
		    "%zu more %s no data.", wk, nm, nm == 1 ? "" : "s", nm == 1 ? "s" : "", nd, nd == 1 ? "has" : "have");
	else if (nm) {
		title_list(list, sizeof(list), snap, v->reasons, v->nreasons, true);
		say(w, "The decision for %s waits: %s could not be measured, and a rollout is not approved on numbers "
		    "nobody has seen.", wk, list);
	} else {
		title_list(list, sizeof(list), snap, v->reasons, v->nreasons, false);
		say(w, "The decision for %s waits: %s %s no data this week.", wk, list, nd == 1 ? "has" : "have");
	}
}

/* "its data and the waivers": what the two packs of a restated verdict hold
 * differently (KPI_RESTATED_*); "" when not known. */
static const char *differ_words(char *buf, size_t size, unsigned differ)
{
	/* by bit, KPI_RESTATED_DATA (1) first */
	static const char *const said[] = { "the data (late or corrected rows)",
		                            "the waivers in force (a waiver has no start week: it covers earlier weeks too)",
		                            "the measures collected", "the thresholds",
		                            "the verdict rule (that older pack did not weigh measures not read)" };
	size_t n = 0, k = 0, o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		n += (differ >> i) & 1u;
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]) && o < size; i++)
		if ((differ >> i) & 1u) {
			o += (size_t)snprintf(buf + o, size - o, "%s%s", k == 0 ? "" : k + 1 == n ? " and " : ", ", said[i]);
			k++;
		}
	return buf;
}

/* What earlier packs reported and this one reads differently (snapshot
 * format 4): a past week whose verdict changed first, in the meeting's
 * words -- "decided" only when decisions.jsonl held a decision on it, and
 * a cause only when the two snapshots show one; then how many numbers
 * changed; then the packs not checked. */
static void restated(wlist *w, const kpi_snapshot *snap)
{
	const kpi_restatements *r = snap->format >= 4 ? snap->restatements : NULL;
	char list[1200], why[320], wk[16];
	size_t o = 0, ndecided = 0, npacks = 0;
	bool one_why = true;

	if (!r || !r->nverdicts)
		goto numbers;
	for (size_t i = 0; i < r->nverdicts; i++) {
		bool seen = false;
		ndecided += r->verdicts[i].decided;
		one_why = one_why && r->verdicts[i].differ == r->verdicts[0].differ;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(r->verdicts[k].pack, r->verdicts[i].pack) == 0;
		npacks += !seen;
	}
	for (size_t i = 0; i < r->nverdicts && o < sizeof(list); i++) {
		const kpi_restated_verdict *v = &r->verdicts[i];
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s is now %s, not the %s its pack %s reported%s",
		                      i == 0 ? "" : i + 1 == r->nverdicts ? "; and " : "; ",
		                      kpi_week_format(wk, sizeof(wk), v->week), kpi_verdict_name(v->new_verdict),
		                      kpi_verdict_name(v->old_verdict), v->pack,
		                      ndecided && ndecided < r->nverdicts && v->decided ? " (a decision on it is on record)" : "");
		if (!one_why && v->differ && o < sizeof(list))
			o += (size_t)snprintf(list + o, sizeof(list) - o, ", which differs from this one in %s",
			                      differ_words(why, sizeof(why), v->differ));
	}
	if (one_why && r->verdicts[0].differ && o < sizeof(list))
		snprintf(list + o, sizeof(list) - o, ". %s this one in %s", npacks == 1 ? "That pack differs from" :
		         "Those packs differ from", differ_words(why, sizeof(why), r->verdicts[0].differ));
	say(w, "Changed since %s: %s. See Restatements in the appendix.",
	    ndecided == r->nverdicts ? (ndecided == 1 ? "it was decided" : "they were decided")
	    : r->nverdicts == 1 ? "its pack was made"
	    : npacks == 1       ? "the pack that reported them was made"
	                        : "the packs that reported them were made",
	    list);
numbers:
	if (!r)
		return;
	if (r->values_total)
		say(w, "%zu number%s reported in earlier packs %s changed since (late or corrected data); the scorecard "
		    "marks %s as restated.", r->values_total, r->values_total == 1 ? "" : "s",
		    r->values_total == 1 ? "has" : "have", r->values_total == 1 ? "it" : "them");
	if (r->nunread)
		say(w, "%zu earlier pack%s could not be read, so %s numbers were not checked for changes: %s.", r->nunread,
		    r->nunread == 1 ? "" : "s", r->nunread == 1 ? "its" : "their", r->unread[0].pack);
}

/* Week-over-week rows of a series: the last week's and the week before's of
 * each label set, both with values. */
typedef void (*pair_fn)(void *ctx, const kpi_def *d, const kpi_series *s, const kpi_row *prev, const kpi_row *last);

static void pairs(const kpi_snapshot *snap, pair_fn fn, void *ctx)
{
	const kpi_window *win = &snap->result->window;
	if (win->nweeks < 2)
		return;
	for (size_t i = 0; i < kpi__kpi_count(snap); i++) {
		const kpi_series *s;
		const kpi_def *d = kpi__kpi_def(snap, i, &s);
		kpi__lsets ls;
		if (!s || kpi__lsets_build(&ls, s, win) == 0)
			for (size_t k = 0; s && k < ls.n; k++) {
				const kpi_row *p = ls.set[k].week[win->nweeks - 2], *l = ls.set[k].week[win->nweeks - 1];
				if (p && l && p->has_value && l->has_value && isfinite(p->value) && isfinite(l->value))
					fn(ctx, d, s, p, l);
			}
		if (s)
			kpi__lsets_release(&ls);
	}
}

typedef struct best {
	double score;
	const kpi_def *d;
	const kpi_series *s;
	const kpi_row *prev, *last;
} best;

/* The move of a row with a threshold, relative to the threshold's target. */
static void moved(void *ctx, const kpi_def *d, const kpi_series *s, const kpi_row *p, const kpi_row *l)
{
	best *b = ctx;
	double scale, score;
	if (d->threshold.op == KPI_OP_NONE || p->value == l->value)
		return;
	scale = fabs(d->threshold.target) > 0 ? fabs(d->threshold.target) : 1;
	score = fabs(l->value - p->value) / scale;
	if (score > b->score) {
		b->score = score;
		b->d = d;
		b->s = s;
		b->prev = p;
		b->last = l;
	}
}

/* Whether more is worse for an informational KPI (no threshold): a
 * duration (waits, ages, latencies), a backlog, a queue depth, mismatches. */
static bool more_is_worse(const kpi_def *d)
{
	return d->unit && (kpi__unit_is(d->unit, "s") || kpi__unit_is(d->unit, "ms") || kpi__unit_is(d->unit, "min") ||
	                   kpi__unit_is(d->unit, "h") || kpi__unit_is(d->unit, "d") || strstr(d->id, "backlog") ||
	                   strstr(d->id, "depth") || strstr(d->id, "mismatch"));
}

static void wrong_way(void *ctx, const kpi_def *d, const kpi_series *s, const kpi_row *p, const kpi_row *l)
{
	best *b = ctx;
	double score;
	if (d->gating || d->threshold.op != KPI_OP_NONE || !more_is_worse(d) || l->value <= p->value || l->value <= 0 ||
	    p->value < 0)
		return;
	/* at least half as much again */
	score = p->value > 0 ? l->value / p->value : 1e9;
	if (score >= 1.5 && score > b->score) {
		b->score = score;
		b->d = d;
		b->s = s;
		b->prev = p;
		b->last = l;
	}
}

/* The distinct reasons the snapshot's non-gating KPIs were not collected
 * for, in catalogue order, "; "-separated; the first three, then how many
 * more. */
static void info_reasons(char *buf, size_t size, const kpi_snapshot *snap)
{
	size_t o = 0, k = 0, more = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < snap->nnot_collected; i++) {
		const kpi_not_collected *c = &snap->not_collected[i];
		bool seen = false;
		if (c->gating || !c->reason)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !snap->not_collected[j].gating && snap->not_collected[j].reason &&
			       strcmp(snap->not_collected[j].reason, c->reason) == 0;
		if (seen)
			continue;
		if (k == 3 || o >= size) {
			more++;
			continue;
		}
		o += (size_t)snprintf(buf + o, size - o, "%s%s", k ? "; " : "", c->reason);
		k++;
	}
	if (more && o < size)
		snprintf(buf + o, size - o, "; and %zu other reason%s (see the scorecard)", more, more == 1 ? "" : "s");
}

static void unmeasured_and_waived(wlist *w, const kpi_snapshot *snap, const kpi_verdict *v, const char *wk)
{
	char list[512], by[256];
	size_t nexp = 0;

	if (snap->format >= 3 && v->nwaived) {
		const kpi_waiver *x = &snap->waivers[v->waived[0].waiver];
		char until[16];
		title_list(list, sizeof(list), snap, v->waived, v->nwaived, true);
		if (!list[0])
			title_list(list, sizeof(list), snap, v->waived, v->nwaived, false);
		snprintf(by, sizeof(by), "%s", x->approved_by);
		say(w, "Excused this week by an approved waiver: %s (approved by %s, until %s; see Waivers).", list, by,
		    kpi_week_format(until, sizeof(until), x->until));
	}
	for (size_t i = 0; i < snap->nwaivers; i++)
		nexp += kpi_week_cmp(snap->waivers[i].until, v->week) < 0;
	if (nexp)
		say(w, "%zu waiver%s ran out before %s and no longer excuse%s anything: renew or remove %s.", nexp,
		    nexp == 1 ? "" : "s", wk, nexp == 1 ? "s" : "", nexp == 1 ? "it" : "them");
	{
		size_t ninfo = 0;
		for (size_t i = 0; i < snap->nnot_collected; i++)
			ninfo += !snap->not_collected[i].gating;
		if (ninfo) {
			info_reasons(list, sizeof(list), snap);
			say(w, "%zu background measure%s (not deciding the rollout) %s not read: %s.", ninfo,
			    ninfo == 1 ? "" : "s", ninfo == 1 ? "was" : "were", list);
		}
	}
}

int kpi_render_week_words(char ***out, const kpi_snapshot *snap, kpi_error *err)
{
	const kpi_window *win;
	const kpi_verdict *v;
	wlist w = { NULL, 0, 0 };
	char wk[16], a[96], b[96], th[96], name[512];
	best mv = { 0 }, ww = { 0 };

	*out = NULL;
	if (!snap || !snap->result || !snap->verdicts || snap->result->window.nweeks < 1)
		return kpi_error_set(err, KPI_EUSAGE, "the week in words: the snapshot has no verdict");
	win = &snap->result->window;
	v = &snap->verdicts[win->nweeks - 1];
	kpi_week_format(wk, sizeof(wk), win->last);
	decision(&w, snap, v, wk);
	restated(&w, snap);
	pairs(snap, moved, &mv);
	if (mv.d) {
		int sense = (mv.last->value > mv.prev->value) == (mv.d->threshold.op == KPI_OP_GE || mv.d->threshold.op == KPI_OP_GT);
		kpi__threshold_format(th, sizeof(th), &mv.d->threshold, mv.d->unit, KPI__TH_PACK);
		say(&w, "The biggest move relative to its target since last week: %s went from %s to %s (target %s), %s.",
		    named(name, sizeof(name), mv.d, mv.s, mv.last), spoken(a, sizeof(a), true, mv.prev->value, mv.d),
		    spoken(b, sizeof(b), true, mv.last->value, mv.d), th,
		    mv.d->threshold.op == KPI_OP_EQ ? (fabs(mv.last->value - mv.d->threshold.target) <
		                                               fabs(mv.prev->value - mv.d->threshold.target)
		                                           ? "closer to it"
		                                           : "further from it")
		    : sense ? "a change for the better" : "a change for the worse");
	} else if (win->nweeks >= 2) {
		say(&w, "No measure with a target moved since last week.");
	}
	pairs(snap, wrong_way, &ww);
	if (ww.d)
		say(&w, "Heading the wrong way: %s is %s, up from %s a week before.", named(name, sizeof(name), ww.d, ww.s, ww.last),
		    spoken(a, sizeof(a), true, ww.last->value, ww.d), spoken(b, sizeof(b), true, ww.prev->value, ww.d));
	unmeasured_and_waived(&w, snap, v, wk);
	if (w.n < 3)
		say(&w, "Every number here comes from one snapshot of the data, read %s; the appendix explains the terms.",
		    kpi__fmt_time(a, sizeof(a), snap->result->read_at, win->tz));
	if (w.rc) {
		kpi_render_words_free(w.s);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	*out = w.s;
	return 0;
}

void kpi_render_words_free(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}
