/*
 * One delivery run (`kpi deliver DIR`): check the pack against its
 * manifest, build what every recipient gets from its snapshot, and try each
 * recipient that was not last sent this content for the week, once.
 *
 * The outbox is a ledger file of the alerts' format (alert/alert_ledger.c:
 * checksum, atomic save, a corrupted file moved aside) in the state
 * directory, `delivery.json`, under its own lock (`delivery.lock`, flock).
 * Its key is "CONTENT_SHA256:RECIPIENT" ("#N" appended when that content is
 * sent again after another), the pack's content digest (content_sha256()):
 * what the manifest and the snapshot say, without how and when the data was
 * read (the read time and the provenance), which a pack of unchanged data
 * made again changes (and with it its snapshot's, files' and manifest's
 * SHA-256s). Per week and recipient the content sent last counts: a rerun,
 * or a new pack of unchanged data, never resends it, while data that went
 * back to what was sent before another is sent again (an entry keyed by the
 * manifest SHA-256, as kpi wrote them before this digest, counts for that
 * very pack); a failure worth another try waits the alerts' backoff
 * (SPEC §6: min(max, base * 2^attempt) * rand(0.5..1.5), or longer when
 * the receiver's Retry-After asks), until max_attempts make it permanent;
 * a permanent failure (a 4xx other than 429, a 5xx SMTP reply) is reported
 * by every run and never retried, until `kpi deliver --resend`.
 */
#include "deliver/deliver_internal.h"
#include "kpi/log.h"
#include "kpi/pack.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Delivered entries are kept a year: a pack of unchanged content delivered
 * again later than that would be sent again. */
#define KEEP_SECONDS (366 * 86400)
#define KEEP_ENTRIES 5000

const char *kpi_deliver_state_name(kpi_deliver_state s)
{
	switch (s) {
	case KPI_DELIVER_SENT: return "sent";
	case KPI_DELIVER_ALREADY: return "already delivered";
	case KPI_DELIVER_RETRY: return "retry";
	case KPI_DELIVER_WAITING: return "waiting";
	default: return "failed";
	}
}

void kpi_deliver_report_free(kpi_deliver_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nitems; i++) {
		free(r->items[i].recipient);
		free(r->items[i].kind);
		free(r->items[i].detail);
	}
	free(r->items);
	free(r->state_dir);
	free(r);
}

/* RFC 5322 date, always in English and UTC. */
static void rfc5322(char *buf, size_t size, int64_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);
	return a >= b && strcmp(s + a - b, tail) == 0;
}

/* The chart PNG a chat shows: the one of the verdict's first reason, else
 * the first chart of the manifest. */
static const char *pick_png(const json_t *files, const kpi_snapshot *snap)
{
	const kpi_verdict *v = snap->result && snap->result->window.nweeks > 0
	                               ? &snap->verdicts[snap->result->window.nweeks - 1]
	                               : NULL;
	const char *first = NULL;
	size_t i;
	json_t *f;
	char want[300] = "";

	if (v && v->nreasons)
		snprintf(want, sizeof(want), "charts/%s.png", v->reasons[0].kpi);
	json_array_foreach(files, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		if (!p || strncmp(p, "charts/", 7) != 0 || !ends_with(p, ".png"))
			continue;
		if (strcmp(p, want) == 0)
			return p;
		if (!first)
			first = p;
	}
	return first;
}

/* What every recipient gets (deliver_internal.h). */
static int build_notification(json_t **out, const char *dir, const kpi_snapshot *snap, json_t *manifest,
                              const char *sha, const kpi__deliver_settings *s, int64_t now, kpi_error *err)
{
	kpi_buf text = KPI_BUF_INIT, html = KPI_BUF_INIT;
	json_t *n = NULL, *files = json_object(), *list = json_object_get(manifest, "files"), *f;
	char subject[128], date[64], week[16], *abs = realpath(dir, NULL), *link = NULL;
	const char *base, *png;
	size_t i;
	int rc;

	if (!abs || !files) {
		rc = abs ? kpi_error_set(err, KPI_ENOMEM, "out of memory")
		         : kpi_error_set(err, KPI_EIO, "cannot resolve '%s'", dir);
		goto done;
	}
	base = strrchr(abs, '/') && strrchr(abs, '/')[1] ? strrchr(abs, '/') + 1 : abs;
	if (s->link_base) {
		size_t n0 = strlen(s->link_base);
		link = malloc(n0 + strlen(base) + 2);
		if (link)
			snprintf(link, n0 + strlen(base) + 2, "%s%s%s", s->link_base,
			         n0 && s->link_base[n0 - 1] == '/' ? "" : "/", base);
	} else {
		link = strdup(abs);
	}
	if (!link) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi_deliver_summary(&text, &html, snap, link, sha, err)))
		goto done;
	kpi_deliver_subject(subject, sizeof(subject), snap);
	kpi_week_format(week, sizeof(week), snap->verdicts[snap->result->window.nweeks - 1].week);
	rfc5322(date, sizeof(date), now);
	json_array_foreach(list, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		char *full;
		if (!p || strchr(p, '/'))
			continue;
		if (!(full = kpi__path_join(abs, p))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		if (ends_with(p, ".pdf")) {
			json_object_set_new(files, "pdf", json_string(full));
			json_object_set_new(files, "pdf_name", json_string(p));
		} else if (ends_with(p, ".xlsx")) {
			json_object_set_new(files, "xlsx", json_string(full));
			json_object_set_new(files, "xlsx_name", json_string(p));
		}
		free(full);
	}
	if ((png = pick_png(list, snap))) {
		char *full = kpi__path_join(abs, png);
		json_object_set_new(files, "png", full ? json_string(full) : NULL);
		free(full);
	}
	n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O}", "subject", subject, "text",
	              text.data ? text.data : "", "html", html.data ? html.data : "", "week", week, "verdict",
	              kpi_verdict_name(snap->verdicts[snap->result->window.nweeks - 1].verdict), "date", date,
	              "manifest_sha256", sha, "link", link, "manifest", manifest, "files", files);
	if (!n)
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
done:
	*out = n;
	json_decref(files);
	kpi_buf_release(&text);
	kpi_buf_release(&html);
	free(abs);
	free(link);
	return rc;
}

/* The pack's content digest, what its outbox entries are keyed by: SHA-256
 * of its manifest without what hashes and sizes the files (they change with
 * the read time alone) and of its snapshot as written without what says how
 * and when the data was read rather than what it says: the read time
 * ("read_at") and the whole "provenance" (written null: a standby's replay
 * lag, primary time and basis, max_lag, stale, conflict retries, the
 * queries' seconds and blocks), which differ on every read of the same
 * data. What a stale read leaves out shows in what stays in (its KPIs'
 * rows without value, its drill-down lists empty). Same data, same
 * version, same queries, same config: the same digest; any change to what
 * the pack says (a value, a verdict, a waiver, a decision on record, the
 * tool version that renders it): another one. This is the one place the
 * rule is (docs/pack.md, "Delivery", says it). */
static int content_sha256(char out[65], kpi_snapshot *snap, const json_t *manifest, kpi_error *err)
{
	json_t *m = json_deep_copy(manifest);
	kpi_buf b = KPI_BUF_INIT;
	int64_t read_at = snap->result->read_at;
	kpi_provenance *prov = snap->provenance;
	char *mtext = NULL;
	int rc = 0;

	if (!m || json_object_del(m, "snapshot_sha256") || json_object_del(m, "files") ||
	    !(mtext = json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT)) || kpi_buf_puts(&b, "kpi pack content 1\n") ||
	    kpi_buf_puts(&b, mtext) || kpi_buf_puts(&b, "\n"))
		rc = m && mtext ? kpi_error_set(err, KPI_ENOMEM, "out of memory")
		                : kpi_error_set(err, KPI_EDATA, "manifest.json: no snapshot_sha256 or files");
	snap->result->read_at = 0;
	snap->provenance = NULL;
	if (!rc)
		rc = kpi_snapshot_write(&b, snap, err);
	snap->result->read_at = read_at;
	snap->provenance = prov;
	if (!rc)
		kpi_sha256_hex(out, b.data, b.len);
	free(mtext);
	json_decref(m);
	kpi_buf_release(&b);
	return rc;
}

static kpi__outbox_entry *find_entry(kpi__ledger *l, const char *id, size_t *at)
{
	for (size_t i = 0; i < l->nout; i++)
		if (l->outbox[i].id && strcmp(l->outbox[i].id, id) == 0) {
			if (at)
				*at = i;
			return &l->outbox[i];
		}
	return NULL;
}

static bool resend_asked(const kpi_deliver_opts *o, const char *name)
{
	for (const char *const *r = o ? o->resend : NULL; r && *r; r++)
		if (strcmp(*r, name) == 0 || strcmp(*r, "all") == 0)
			return true;
	return false;
}

static void history_add(kpi__outbox_entry *e, int64_t at, const char *outcome)
{
	char t[32];
	json_array_append_new(e->history,
	                      json_pack("{s:s, s:s}", "at", kpi_time_format(t, sizeof(t), at), "outcome", outcome));
}

static int set_str(char **dst, const char *v)
{
	char *c = strdup(v ? v : "");
	if (!c)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

/* One attempt for recipient r: the entry updated, the outcome in item. */
static int attempt(kpi__ledger *l, const kpi__sink *r, const char *id, const json_t *n, const kpi__deliver_settings *s,
                   int64_t now, kpi_deliver_item *item, kpi_error *err)
{
	kpi__outbox_entry *e = find_entry(l, id, NULL);
	kpi__send_result res;
	char line[700];

	if (!e) {
		if (!(e = kpi__ledger_enqueue(l)) || set_str(&e->id, id) || set_str(&e->sink, r->name) ||
		    set_str(&e->dedupe_key, kpi__nstr(n, "content_sha256")) || set_str(&e->action, "deliver") ||
		    !(e->notification = json_pack("{s:s, s:s, s:s, s:s}", "week", kpi__nstr(n, "week"), "verdict",
		                                  kpi__nstr(n, "verdict"), "kind", r->type->name, "link",
		                                  kpi__nstr(n, "link"))))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		e->created = now;
	}
	kpi__sink_send(&res, r, n, id, r->timeout_ms, &s->base);
	e->attempts++;
	e->last_attempt = now;
	if (res.outcome == KPI__DELIV_OK) {
		e->status = KPI__ENTRY_DELIVERED;
		e->done = now;
		item->state = KPI_DELIVER_SENT;
		snprintf(line, sizeof(line), "delivered: %s", res.detail);
	} else if (res.outcome == KPI__DELIV_RETRY && e->attempts < s->base.max_attempts) {
		int64_t at = kpi__retry_at(now, e->attempts, s->base.retry_base, s->base.retry_max, kpi_random_unit());
		if (res.retry_after > 0 && now + (int64_t)res.retry_after > at)
			at = now + (int64_t)res.retry_after;
		e->next_attempt = at;
		item->state = KPI_DELIVER_RETRY;
		snprintf(line, sizeof(line), "attempt %d failed, retried from %lld: %s", e->attempts, (long long)at,
		         res.detail);
	} else {
		e->status = KPI__ENTRY_FAILED;
		e->done = now;
		item->state = KPI_DELIVER_FAILED;
		snprintf(line, sizeof(line), "failed for good after %d attempt%s: %s", e->attempts,
		         e->attempts == 1 ? "" : "s", res.detail);
	}
	if (set_str(&e->last_error, res.outcome == KPI__DELIV_OK ? NULL : res.detail))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (res.outcome == KPI__DELIV_OK) {
		free(e->last_error);
		e->last_error = NULL;
	}
	history_add(e, now, line);
	item->attempts = e->attempts;
	item->next_attempt = e->next_attempt;
	return set_str(&item->detail, res.detail) ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}

/* Is e recipient `name`'s entry of this pack's content: keyed by its
 * content digest, or by its manifest SHA-256 (this very pack, delivered by
 * a kpi before the content digest)? */
static bool same_content(const kpi__outbox_entry *e, const kpi_deliver_report *rep, const char *name)
{
	char old[200];
	snprintf(old, sizeof(old), "%s:%s", rep->manifest_sha256, name);
	return e->sink && strcmp(e->sink, name) == 0 &&
	       ((e->dedupe_key &&
	         (strcmp(e->dedupe_key, rep->content_sha256) == 0 || strcmp(e->dedupe_key, rep->manifest_sha256) == 0)) ||
	        (e->id && strcmp(e->id, old) == 0));
}

/* Where recipient `name`'s entries for this pack's week are: *last the
 * newest queued or delivered one of any content (what the recipient holds,
 * or is about to), *cur the newest one of this content (any status); -1
 * none. The outbox keeps the order entries were made in. */
static void scan(const kpi__ledger *l, const kpi_deliver_report *rep, const char *name, long *last, long *cur)
{
	*last = *cur = -1;
	for (size_t i = 0; i < l->nout; i++) {
		const kpi__outbox_entry *e = &l->outbox[i];
		if (!e->sink || strcmp(e->sink, name) != 0)
			continue;
		if (same_content(e, rep, name))
			*cur = (long)i;
		if (e->status != KPI__ENTRY_FAILED && strcmp(kpi__nstr(e->notification, "week"), rep->week) == 0)
			*last = (long)i;
	}
}

/* A new entry's key: "CONTENT_SHA256:RECIPIENT", and when that content was
 * sent to it before and then superseded (the data went back), with "#N" so
 * that a receiver keeping Idempotency-Keys takes it as the new message it is. */
static void new_id(char *id, size_t size, kpi__ledger *l, const char *content, const char *name)
{
	snprintf(id, size, "%s:%s", content, name);
	for (int n = 2; find_entry(l, id, NULL); n++)
		snprintf(id, size, "%s:%s#%d", content, name, n);
}

/* Per week and recipient, what counts is the content sent last: this
 * pack's content is sent when it is not what the recipient was last sent
 * (or queued) for the week, and "already delivered" only when it is. An
 * entry of this content still pending is retried under its own key, one
 * that failed for good is reported until --resend. */
static int run(kpi_deliver_report *rep, kpi__ledger *l, const char *path, const json_t *n,
               const kpi__deliver_settings *s, const kpi_deliver_opts *opts, int64_t now, kpi_error *err)
{
	int rc = 0;

	for (size_t i = 0; i < s->nrecipients && !rc; i++) {
		const kpi__sink *r = &s->recipients[i];
		kpi_deliver_item *item = &rep->items[rep->nitems++];
		kpi__outbox_entry *e = NULL;
		char id[200];
		long last, cur;

		if (set_str(&item->recipient, r->name) || set_str(&item->kind, r->type->name) || set_str(&item->detail, ""))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		id[0] = '\0';
		scan(l, rep, r->name, &last, &cur);
		if (cur >= 0 && resend_asked(opts, r->name)) {
			/* sent again under the key it had (Message-ID, Idempotency-Key) */
			snprintf(id, sizeof(id), "%s", l->outbox[cur].id ? l->outbox[cur].id : "");
			kpi__ledger_drop_entry(l, (size_t)cur);
			scan(l, rep, r->name, &last, &cur);
			cur = -1;
		}
		/* this content's entry, with nothing else sent to the recipient since */
		if (cur >= 0 && cur >= last)
			e = &l->outbox[cur];
		if (e && e->status == KPI__ENTRY_DELIVERED) {
			item->state = KPI_DELIVER_ALREADY;
			item->attempts = e->attempts;
			continue;
		}
		if (e && e->status == KPI__ENTRY_FAILED) {
			item->state = KPI_DELIVER_FAILED;
			item->attempts = e->attempts;
			if (set_str(&item->detail, e->last_error))
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			rep->failed++;
			continue;
		}
		if (e && e->next_attempt > now) {
			item->state = KPI_DELIVER_WAITING;
			item->attempts = e->attempts;
			item->next_attempt = e->next_attempt;
			if (set_str(&item->detail, e->last_error))
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			rep->retry++;
			continue;
		}
		if (e) {
			snprintf(id, sizeof(id), "%s", e->id);
		} else {
			/* another content for the week: what was still queued of an
			 * earlier one is superseded, never sent after it */
			for (size_t j = l->nout; j-- > 0;) {
				kpi__outbox_entry *o = &l->outbox[j];
				if (o->status == KPI__ENTRY_PENDING && o->sink && strcmp(o->sink, r->name) == 0 &&
				    strcmp(kpi__nstr(o->notification, "week"), rep->week) == 0) {
					kpi_log_msg(KPI_LOG_INFO, "deliver.superseded",
					            "pack %s to '%s': queued %s dropped, superseded by content %s", rep->week,
					            r->name, o->id ? o->id : "?", rep->content_sha256);
					kpi__ledger_drop_entry(l, j);
				}
			}
			if (!id[0])
				new_id(id, sizeof(id), l, rep->content_sha256, r->name);
		}
		if ((rc = attempt(l, r, id, n, s, now, item, err)))
			break;
		if (item->state == KPI_DELIVER_RETRY)
			rep->retry++;
		else if (item->state == KPI_DELIVER_FAILED)
			rep->failed++;
		kpi_log_msg(item->state == KPI_DELIVER_SENT ? KPI_LOG_INFO : KPI_LOG_WARN, "deliver.attempt",
		            "pack %s to '%s' (%s): %s%s%s", rep->week, r->name, r->type->name,
		            kpi_deliver_state_name(item->state), item->detail[0] ? ": " : "", item->detail);
		/* saved after every attempt: a crash never resends what was delivered */
		kpi__ledger_prune(l, now, KEEP_SECONDS, KEEP_ENTRIES);
		rc = kpi__ledger_save(path, l, now, err);
	}
	return rc;
}

int kpi_deliver(kpi_deliver_report **out, const char *dir, const kpi_config *cfg, const kpi_deliver_opts *opts,
                kpi_error *err)
{
	kpi__deliver_settings *s = NULL;
	kpi_deliver_report *rep = NULL;
	kpi_snapshot *snap = NULL;
	kpi__ledger *l = NULL;
	kpi__ledger_damage dmg;
	json_t *manifest = NULL, *n = NULL;
	char *mpath = NULL, *spath = NULL, *text = NULL, *opath = NULL;
	size_t len = 0, nfiles = 0;
	uint64_t msize = 0;
	int64_t now = 0;
	int rc, fd = -1;

	*out = NULL;
	if ((rc = kpi__deliver_settings_load(&s, cfg, err)) || (rc = kpi_config_now(cfg, &now, err)))
		goto done;
	if ((rc = kpi_pack_verify(dir, &nfiles, err))) {
		kpi_error_wrap(err, "not delivered");
		goto done;
	}
	if (!(rep = calloc(1, sizeof(*rep))) || !(rep->items = calloc(s->nrecipients, sizeof(*rep->items))) ||
	    !(mpath = kpi__path_join(dir, "manifest.json")) || !(spath = kpi__path_join(dir, "snapshot.json"))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi__file_sha256(rep->manifest_sha256, &msize, mpath, err)) ||
	    (rc = kpi__read_file(&text, &len, mpath, err)) || (rc = kpi_snapshot_load(&snap, spath, err)))
		goto done;
	if (!(manifest = json_loadb(text, len, 0, NULL)) || !snap->result || snap->result->window.nweeks < 1) {
		rc = kpi_error_set(err, KPI_EDATA, "%s: not a manifest with a week", mpath);
		goto done;
	}
	kpi_week_format(rep->week, sizeof(rep->week), snap->verdicts[snap->result->window.nweeks - 1].week);
	snprintf(rep->verdict, sizeof(rep->verdict), "%s",
	         kpi_verdict_name(snap->verdicts[snap->result->window.nweeks - 1].verdict));
	if ((rc = build_notification(&n, dir, snap, manifest, rep->manifest_sha256, s, now, err)) ||
	    (rc = content_sha256(rep->content_sha256, snap, manifest, err)))
		goto done;
	json_object_set_new(n, "content_sha256", json_string(rep->content_sha256));
	if (!(rep->state_dir = kpi__state_dir_resolve(cfg, opts ? opts->state_dir : NULL, s->base.state_dir))) {
		rc = kpi_error_set(err, KPI_ECONFIG, "no state directory for the delivery outbox: set KPI_STATE_DIR");
		goto done;
	}
	if (!(opath = kpi__path_join(rep->state_dir, KPI__DELIVER_OUTBOX))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi__state_dir_prepare(rep->state_dir, err)) ||
	    (rc = kpi__alert_lock(&fd, rep->state_dir, KPI__DELIVER_LOCK, s->base.lock_wait, NULL, NULL, err)))
		goto done;
	kpi__ledger_clean_temp(opath, KPI__LEDGER_DELIVER_OUTBOX);
	if ((rc = kpi__ledger_load(&l, opath, KPI__LEDGER_DELIVER_OUTBOX, true, &dmg, err)))
		goto done;
	if (dmg.reason[0])
		kpi_log_msg(KPI_LOG_ERROR, "deliver.outbox",
		            "outbox '%s' was corrupted (%s); moved aside to '%s': what it recorded as delivered may be "
		            "sent again",
		            opath, dmg.reason, dmg.moved_to);
	l->redact = s->base.redact;
	rc = run(rep, l, opath, n, s, opts, now, err);
done:
	if (fd >= 0)
		close(fd); /* releases the flock */
	kpi__ledger_free(l);
	json_decref(n);
	json_decref(manifest);
	kpi_snapshot_free(snap);
	free(text);
	free(mpath);
	free(spath);
	free(opath);
	if (s)
		kpi__redact_error(s->base.redact, err);
	kpi__deliver_settings_free(s);
	if (rc && rep && !rep->nitems) {
		kpi_deliver_report_free(rep);
		rep = NULL;
	}
	*out = rep;
	return rc;
}
