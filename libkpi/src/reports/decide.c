/* kpi decide: appending a decision to decisions.jsonl under a lock, and
 * verifying the file against the packs (kpi/reports.h). */
#include "core/internal.h"
#include "reports/reports_int.h"
#include "kpi/pack.h"
#include "kpi/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>


void kpi_decision_free(kpi_decision *d)
{
	kpi__decision_release(d);
	free(d);
}


static char *trimmed(const char *s, size_t n)
{
	char *r;
	while (n && (*s == ' ')) {
		s++;
		n--;
	}
	while (n && s[n - 1] == ' ')
		n--;
	if (!(r = malloc(n + 1)))
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* "OWNER: TEXT by YYYY-MM-DD" into `a` (id not set). */
static int parse_action(kpi_action *a, const char *s, kpi_error *err)
{
	const char *colon = strchr(s, ':'), *by = NULL;
	int64_t t;

	for (const char *p = s; (p = strstr(p, " by ")); p++)
		by = p;
	if (!colon || !by || by < colon) {
		goto bad;
	}
	if (!(a->owner = trimmed(s, (size_t)(colon - s))) || !(a->text = trimmed(colon + 1, (size_t)(by - colon - 1))) ||
	    !(a->due = trimmed(by + 4, strlen(by + 4))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (!kpi__decision_text_ok(a->owner) || !kpi__decision_text_ok(a->text) || strlen(a->due) != 10 ||
	    kpi_time_parse(&t, a->due, NULL))
		goto bad;
	return 0;
bad:
	return kpi_error_set(err, KPI_EUSAGE, "--action '%s': expected \"OWNER: TEXT by YYYY-MM-DD\"", s);
}

/* The next number of week `wk`'s action ids in `d`. */
static unsigned long next_action(const kpi_decisions *d, const char *wk)
{
	size_t wl = strlen(wk);
	unsigned long max = 0;
	for (size_t r = 0; r < d->n; r++)
		for (size_t i = 0; i < d->rec[r].nactions; i++) {
			const char *id = d->rec[r].actions[i].id;
			if (strncmp(id, wk, wl) == 0 && id[wl] == '.') {
				unsigned long n = strtoul(id + wl + 1, NULL, 10);
				if (n > max)
					max = n;
			}
		}
	return max + 1;
}

/* Fill `x` from the options and the week's pack: all but what depends on
 * the records before it (checked before the file is touched). */
static int prepare(kpi_decision *x, const char *reports_dir, const kpi_decide_opts *o, kpi_error *err)
{
	kpi_reports *r = NULL;
	kpi_snapshot *snap = NULL;
	const kpi_report_pack *p;
	char wk[16], today[16];
	int rc;

	kpi_week_format(wk, sizeof(wk), o->week);
	if (!kpi__decision_text_ok(o->by))
		return kpi_error_set(err, KPI_EUSAGE, "--by: a name is needed (no control characters)");
	if (o->note && !kpi__utf8_valid(o->note))
		return kpi_error_set(err, KPI_EUSAGE, "--note: not UTF-8 text");
	x->week = o->week;
	x->decision = o->decision;
	x->at = o->at;
	if (!(x->by = kpi__strdup(o->by)) || (o->note && o->note[0] && !(x->note = kpi__strdup(o->note))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (o->nactions && !(x->actions = calloc(o->nactions, sizeof(*x->actions))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	kpi_time_format_date(today, sizeof(today), o->at, o->tz ? o->tz : "UTC");
	for (size_t i = 0; i < o->nactions; i++) {
		x->nactions++;
		if ((rc = parse_action(&x->actions[i], o->actions[i], err)))
			return rc;
		/* an item already overdue when it is set is a typo (the year, the month) */
		if (strcmp(x->actions[i].due, today) < 0)
			return kpi_error_set(err, KPI_EUSAGE, "--action '%s': due %s, before the decision's date %s",
			                     o->actions[i], x->actions[i].due, today);
	}
	/* the pack the decision is taken on */
	if ((rc = kpi_reports_list(&r, reports_dir, err)))
		goto done;
	if (!(p = kpi_reports_find(r, o->week))) {
		rc = kpi_error_set(err, KPI_ENOTFOUND, "'%s' has no pack of %s to decide on (kpi pack --week %s first)",
		                   reports_dir, wk, wk);
		goto done;
	}
	memcpy(x->manifest_sha256, p->manifest_sha256, 65);
	if ((rc = kpi_snapshot_load(&snap, p->snapshot, err)))
		goto done;
	x->verdict = snap->verdicts[snap->result->window.nweeks - 1].verdict;
	/* an override of the pack's verdict is recorded with its reason */
	if (x->decision != x->verdict && !x->note)
		rc = kpi_error_set(err, KPI_EUSAGE,
		                   "--note: the pack of %s says %s and the decision is %s: an override needs its reason "
		                   "(--note TEXT)", wk, kpi_verdict_name(x->verdict), kpi_verdict_name(x->decision));
done:
	kpi_snapshot_free(snap);
	kpi_reports_free(r);
	return rc;
}

/* What depends on the records `d` before it: action ids, what it closes,
 * the chain link. */
static int link_to(kpi_decision *x, const kpi_decide_opts *o, const kpi_decisions *d, kpi_error *err)
{
	const kpi_action **open = NULL;
	size_t nopen = 0;
	char wk[16];
	unsigned long next;
	int rc;

	kpi_week_format(wk, sizeof(wk), o->week);
	next = next_action(d, wk);
	for (size_t i = 0; i < x->nactions; i++) {
		char id[48];
		snprintf(id, sizeof(id), "%s.%lu", wk, next + i);
		if (!(x->actions[i].id = kpi__strdup(id)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	if ((rc = kpi_decisions_open_actions(&open, &nopen, d, err)))
		return rc;
	if (o->ncloses && !(x->closes = calloc(o->ncloses, sizeof(*x->closes)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < o->ncloses; i++) {
		bool found = false;
		for (size_t j = 0; j < nopen && !found; j++)
			found = strcmp(open[j]->id, o->closes[i]) == 0;
		for (size_t j = 0; j < i && found; j++)
			found = strcmp(o->closes[j], o->closes[i]) != 0;
		if (!found) {
			rc = kpi_error_set(err, KPI_EUSAGE, "--close '%s': no open action has that id (kpi decide lists them)",
			                   o->closes[i]);
			goto done;
		}
		if (!(x->closes[x->ncloses++] = kpi__strdup(o->closes[i]))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
	}
	memcpy(x->prev_sha256, d->n ? d->rec[d->n - 1].sha256 : KPI__CHAIN_START, 65);
done:
	free(open);
	return rc;
}

/* Write all of `data` at the end of `fd` (O_APPEND); on failure cut the
 * file back to `size`. */
static int append_all(int fd, const char *path, off_t size, const char *data, size_t len, kpi_error *err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			if (ftruncate(fd, size) != 0) {
				/* nothing more to do: the next reader names the cut line */
			}
			return kpi_error_set(err, KPI_EIO, "cannot write '%s': %s", path, strerror(e));
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0)
		return kpi_error_set(err, KPI_EIO, "cannot sync '%s': %s", path, strerror(errno));
	return 0;
}

int kpi__reports_flock(int fd, int op, const char *path, kpi_error *err)
{
	while (flock(fd, op) != 0)
		if (errno != EINTR)
			return kpi_error_set(err, KPI_EIO, "cannot lock '%s': %s", path, strerror(errno));
	return 0;
}

/* Opens directory `dir` into *fd and locks it exclusively. */
static int lock_dir(int *fd, const char *dir, kpi_error *err)
{
	if ((*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return kpi_error_set(err, KPI_EIO, "cannot open '%s': %s", dir, strerror(errno));
	return kpi__reports_flock(*fd, LOCK_EX, dir, err);
}

int kpi_decide(kpi_decision **out, const char *reports_dir, const kpi_decide_opts *o, kpi_error *err)
{
	char *path = kpi__path_join(reports_dir, KPI_DECISIONS_FILE), *text = NULL;
	kpi_decision *x = calloc(1, sizeof(*x));
	kpi_decisions *d = NULL;
	kpi_buf line = KPI_BUF_INIT;
	struct stat st;
	size_t len = 0;
	int fd = -1, dfd = -1, rc = 0;
	bool created;

	if (out)
		*out = NULL;
	if (!path || !x) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (stat(reports_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		rc = kpi_error_set(err, KPI_ENOTFOUND, "reports directory '%s' does not exist", reports_dir);
		goto done;
	}
	if ((rc = prepare(x, reports_dir, o, err)))
		goto done;
	created = stat(path, &st) != 0;
	/* A first record: the file is created under an exclusive lock of the
	 * directory, which kpi_reports_pack_write() holds shared while it
	 * replaces a pack of a directory without decisions.jsonl. */
	if (created && (rc = lock_dir(&dfd, reports_dir, err)))
		goto done;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		rc = kpi_error_set(err, KPI_EIO, "cannot open '%s': %s", path, strerror(errno));
		goto done;
	}
	if ((rc = kpi__reports_flock(fd, LOCK_EX, path, err)))
		goto done;
	/* Under the lock: the pack as it is now (kpi_reports_pack_write()
	 * replaces a pack under a shared lock of this file: none is replaced
	 * until the record is in), and what is there now, checked, is what we
	 * chain to. */
	kpi__decision_release(x);
	if ((rc = prepare(x, reports_dir, o, err)) ||
	    (rc = kpi__read_file_max(&text, &len, path, KPI__MAX_LEDGER_BYTES, err)) ||
	    (rc = kpi__decisions_parse(&d, path, text, len, err)))
		goto done;
	if ((rc = link_to(x, o, d, err)))
		goto done;
	if (kpi__decision_write(&line, x)) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	kpi_sha256_hex(x->sha256, line.data, line.len);
	x->line = d->n + 1;
	if (kpi_buf_puts(&line, "\n")) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = append_all(fd, path, (off_t)len, line.data, line.len, err)))
		goto done;
	/* the new file's name made durable */
	if (created && fsync(dfd) != 0)
		rc = kpi_error_set(err, KPI_EIO, "cannot sync '%s': %s", reports_dir, strerror(errno));
done:
	if (fd >= 0)
		close(fd); /* releases the lock */
	if (dfd >= 0)
		close(dfd); /* and the directory's */
	kpi_buf_release(&line);
	kpi_decisions_free(d);
	free(text);
	free(path);
	if (rc || !out)
		kpi_decision_free(x);
	else
		*out = x;
	return rc;
}

/* The pack record `x` was taken on: of the packs of its week, the one
 * named after the week when its manifest is the one recorded, else another
 * with that manifest (kept aside by kpi_reports_pack_write()), else the
 * one named after the week (kpi_reports_find(): the error names it). */
static const kpi_report_pack *decided_pack(const kpi_reports *r, const kpi_decision *x)
{
	const kpi_report_pack *p = kpi_reports_find(r, x->week);
	if (p && strcmp(p->manifest_sha256, x->manifest_sha256) == 0)
		return p;
	for (size_t i = 0; i < r->npacks; i++)
		if (kpi_week_cmp(r->packs[i].week, x->week) == 0 &&
		    strcmp(r->packs[i].manifest_sha256, x->manifest_sha256) == 0)
			return &r->packs[i];
	return p;
}

int kpi_decisions_verify(const char *path, size_t *nrecords, kpi_error *err)
{
	return kpi_decisions_verify_head(path, NULL, nrecords, NULL, NULL, err);
}

int kpi_decisions_verify_head(const char *path, const char *known, size_t *nrecords, size_t *known_line,
                              char head[65], kpi_error *err)
{
	kpi_decisions *d = NULL;
	kpi_reports *r = NULL;
	char *copy = NULL;
	bool *checked = NULL;
	size_t at = 0;
	int rc;

	if (nrecords)
		*nrecords = 0;
	if (known_line)
		*known_line = 0;
	if (head)
		head[0] = '\0';
	if (known) {
		size_t n = strspn(known, "0123456789abcdef");
		if (n < 12 || n > 64 || known[n])
			return kpi_error_set(err, KPI_EUSAGE,
			                     "'%s' is not a record's SHA-256: give 12 to 64 of its lowercase hex digits",
			                     known);
	}
	if ((rc = kpi_decisions_load(&d, path, err)))
		return rc;
	if (known) {
		while (at < d->n && strncmp(d->rec[at].sha256, known, strlen(known)) != 0)
			at++;
		if (at == d->n) {
			rc = kpi_error_set(err, KPI_EDATA,
			                   "%s: no record has SHA-256 %s... (the record kept with the minutes was changed or "
			                   "removed, or belongs to another file)",
			                   path, known);
			goto done;
		}
	}
	if (!(copy = kpi__strdup(path))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = kpi_reports_list(&r, dirname(copy), err)))
		goto done;
	/* a week decided several times has one pack: its files are hashed once,
	 * for the first record taken on it (the one an error names) */
	if (r->npacks && !(checked = calloc(r->npacks, sizeof(*checked)))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < d->n; i++) {
		const kpi_decision *x = &d->rec[i];
		const kpi_report_pack *p = decided_pack(r, x);
		char wk[16];
		kpi_week_format(wk, sizeof(wk), x->week);
		if (!p) {
			rc = kpi_error_set(err, KPI_EDATA, "%s:%zu: the pack of %s the decision was taken on is not in '%s'",
			                   path, x->line, wk, r->dir);
			goto done;
		}
		if (strcmp(p->manifest_sha256, x->manifest_sha256) != 0) {
			rc = kpi_error_set(err, KPI_EDATA,
			                   "%s:%zu: %s no longer matches the pack the decision was taken on (SHA-256 %.12s..., "
			                   "recorded %.12s...)",
			                   path, x->line, p->manifest, p->manifest_sha256, x->manifest_sha256);
			goto done;
		}
		/* the manifest as taken, and the files still as it lists them */
		if (checked[p - r->packs])
			continue;
		checked[p - r->packs] = true;
		if ((rc = kpi_pack_verify_files(p->dir, NULL, err))) {
			kpi_error_wrap(err, "%s:%zu: the pack of %s the decision was taken on has changed", path, x->line, wk);
			goto done;
		}
	}
	if (nrecords)
		*nrecords = d->n;
	if (known_line && known)
		*known_line = d->rec[at].line;
	if (head && d->n)
		memcpy(head, d->rec[d->n - 1].sha256, 65);
done:
	free(checked);
	free(copy);
	kpi_reports_free(r);
	kpi_decisions_free(d);
	return rc;
}
