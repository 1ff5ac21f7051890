/* The pack's file helpers (pack/output.h), shared by pack.c and the
 * outputs: durable writes into the pack being built, directory syncs, the
 * main files' names, and the holds a signal's kpi_pack_abort() waits for
 * (here, below pack.c and the outputs, which all create in the tree). */
#include "pack/output.h"
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int kpi__pack_fsync(const char *path, bool dir, kpi_error *err)
{
	int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return kpi_error_set(err, KPI_EIO, "cannot open '%s': %s", path, strerror(errno));
	if (fsync(fd) != 0)
		rc = kpi_error_set(err, KPI_EIO, "cannot sync '%s': %s", path, strerror(errno));
	close(fd);
	return rc;
}

int kpi__pack_mkdirs(const char *path, kpi_error *err)
{
	char *p = strdup(path);
	int rc = 0;

	if (!p)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (char *s = p + 1; !rc; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) != 0 && errno != EEXIST)
				rc = kpi_error_set(err, KPI_EIO, "cannot create directory '%s': %s", p, strerror(errno));
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

void kpi__pack_file_name(char *buf, size_t size, const kpi_snapshot *snap, const char *ext)
{
	char wk[16];
	snprintf(buf, size, "kpi-%s.%s", kpi_week_format(wk, sizeof(wk), snap->result->window.last), ext);
}

int kpi__pack_put(const char *tmp, const char *name, const void *data, size_t len, kpi_error *err)
{
	char *p = kpi__path_join(tmp, name), *slash;
	int rc = 0;

	if (!p)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* under a hold: a signal's abort removing `tmp` comes before (then
	 * nothing is made, not even `tmp` again by the mkdir -p) or after */
	kpi__pack_hold();
	/* its directories first; a name ending in '/' is a directory alone */
	if ((slash = strrchr(p, '/')) && slash > p + strlen(tmp)) {
		*slash = '\0';
		rc = kpi__pack_mkdirs(p, err);
		*slash = '/';
	}
	if (!rc && !(slash && !slash[1]))
		rc = kpi__write_file_atomic(p, data ? data : "", len, err);
	kpi__pack_release();
	free(p);
	return rc;
}

/* A signal's kpi_pack_abort() against the pack write under way in this
 * process (one at a time), all guarded by abort_mu:
 * - abort_tmp: the path it removes (NULL none): the temporary directory,
 *   tracked before it is made; after an exchange, the same path, which then
 *   holds the previous pack (removed anyway); after a swap in two renames,
 *   the previous pack moved aside;
 * - holds: the creations in that tree under way (kpi__pack_hold()); the
 *   abort waits for them to end (abort_cv) before it removes anything, so
 *   nothing of the tree is made again behind it (mkdir -p of a file's
 *   directories would make the directory itself again);
 * - aborted: set by the abort first, never cleared: a creation not yet
 *   begun never begins (kpi__pack_hold() waits until the process ends),
 *   nor does a swap, nor does a write that failed on what the abort removed
 *   return its error (kpi__pack_wait_if_aborted()): the process is ending by the
 *   signal, with nothing to say about files it removed itself. */
static pthread_mutex_t abort_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t abort_cv = PTHREAD_COND_INITIALIZER;
static char *abort_tmp;
static unsigned abort_holds;
static bool aborted;

/* Wait, with abort_mu held, for the end of the process once aborted. */
static void stay_if_aborted_locked(void)
{
	while (aborted)
		pthread_cond_wait(&abort_cv, &abort_mu); /* woken only to wait again */
}

/* output.h */
void kpi__pack_abort_track(const char *tmp)
{
	pthread_mutex_lock(&abort_mu);
	free(abort_tmp);
	abort_tmp = tmp ? strdup(tmp) : NULL;
	pthread_mutex_unlock(&abort_mu);
}

void kpi__pack_hold(void)
{
	pthread_mutex_lock(&abort_mu);
	stay_if_aborted_locked();
	abort_holds++;
	pthread_mutex_unlock(&abort_mu);
}

void kpi__pack_release(void)
{
	pthread_mutex_lock(&abort_mu);
	if (--abort_holds == 0)
		pthread_cond_broadcast(&abort_cv);
	pthread_mutex_unlock(&abort_mu);
}

void kpi__pack_wait_if_aborted(void)
{
	pthread_mutex_lock(&abort_mu);
	stay_if_aborted_locked();
	pthread_mutex_unlock(&abort_mu);
}

void kpi_pack_abort(void)
{
	kpi_error ignored = KPI_ERROR_INIT;

	pthread_mutex_lock(&abort_mu);
	aborted = true;
	/* the creations under way end; none begins after */
	while (abort_holds > 0)
		pthread_cond_wait(&abort_cv, &abort_mu);
	/* nothing is created in it any more: a pass that failed (a file system
	 * error) is tried again a few times */
	for (int i = 0; abort_tmp && i < 3 && kpi__remove_tree(abort_tmp, &ignored) != 0; i++)
		kpi_error_clear(&ignored);
	free(abort_tmp);
	abort_tmp = NULL;
	/* kept locked: no write of this process goes on after this */
}
