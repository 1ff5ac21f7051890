#define _XOPEN_SOURCE 700 /* nftw */
#include "core/internal.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <ftw.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <sys/random.h>
#include <openssl/evp.h>

char *kpi__strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *kpi__path_join(const char *dir, const char *name)
{
	size_t a, b;
	char *p;

	if (!dir || !*dir || name[0] == '/')
		return strdup(name);
	a = strlen(dir);
	b = strlen(name);
	p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* `path` less its last component: "." or "/" at the top (caller frees). */
static char *parent_of(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	if (n == 0)
		return strdup(".");
	while (n > 1 && path[n - 1] == '/')
		n--;
	return strndup(path, n);
}

int kpi__check_creatable(const char *path, bool parents, const char *what, kpi_error *err)
{
	char *dir = parent_of(path), *up;
	struct stat st;
	int rc = 0;

	/* up to the nearest ancestor that exists: a missing one is created
	 * (parents) or is the problem; one that is no directory always is */
	while (dir && stat(dir, &st) != 0 && (errno == ENOTDIR || (errno == ENOENT && parents)) &&
	       strcmp(dir, "/") != 0 && strcmp(dir, ".") != 0) {
		up = parent_of(dir);
		free(dir);
		dir = up;
	}
	if (!dir)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if (stat(dir, &st) != 0)
		rc = kpi_error_set(err, KPI_EIO, "%s %s: %s: %s", what, path, dir,
		                   errno == ENOENT ? "no such directory" : strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = kpi_error_set(err, KPI_EIO, "%s %s: %s is not a directory", what, path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		rc = kpi_error_set(err, KPI_EIO, "%s %s: %s: %s", what, path, dir, strerror(errno));
	free(dir);
	return rc;
}

/* "a FIFO", "a directory", ... for a message about a file that is not a
 * regular one. */
static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
	       : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "something else";
}

/* Open `path` for reading when it is a regular file, and fstat it. O_NONBLOCK:
 * opening a FIFO must not wait for a writer; fstat on what was opened (not
 * stat on the name) so the file checked is the file read. */
static int open_regular(int *fd_out, struct stat *st, const char *path, kpi_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc = 0;

	*fd_out = -1;
	if (fd < 0)
		return kpi_error_set(err, errno == ENOENT ? KPI_ENOTFOUND : KPI_EIO, "cannot open '%s': %s", path,
		                     strerror(errno));
	if (fstat(fd, st) != 0)
		rc = kpi_error_set(err, KPI_EIO, "cannot stat '%s': %s", path, strerror(errno));
	else if (!S_ISREG(st->st_mode))
		rc = kpi_error_set(err, KPI_EDATA, "'%s' is %s, not a regular file", path, file_kind(st->st_mode));
	if (rc)
		close(fd);
	else
		*fd_out = fd;
	return rc;
}

int kpi__read_file_max(char **out, size_t *len, const char *path, size_t max, kpi_error *err)
{
	char *data = NULL;
	size_t cap, n = 0;
	struct stat st;
	int fd, rc = 0;

	*out = NULL;
	if (len)
		*len = 0;
	if ((rc = open_regular(&fd, &st, path, err)))
		return rc;
	if ((uintmax_t)st.st_size > (uintmax_t)max) {
		rc = kpi_error_set(err, KPI_EDATA, "'%s' is %jd bytes, larger than kpi reads from such a file (%zu MiB)",
		                   path, (intmax_t)st.st_size, max >> 20);
		goto done;
	}
	/* The size as of fstat, one byte more to see a file that grew since, and
	 * never more than the cap. */
	cap = (size_t)st.st_size + 2;
	if (!(data = malloc(cap))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory reading '%s'", path);
		goto done;
	}
	for (;;) {
		ssize_t got;
		if (cap - n < 2) {
			char *p;
			if (n > max) {
				rc = kpi_error_set(err, KPI_EDATA, "'%s' is larger than kpi reads from such a file (%zu MiB)", path,
				                   max >> 20);
				goto done;
			}
			cap = cap + (cap >> 1) + 4096;
			if (!(p = realloc(data, cap))) {
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory reading '%s'", path);
				goto done;
			}
			data = p;
		}
		got = read(fd, data + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = kpi_error_set(err, KPI_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > max) {
		rc = kpi_error_set(err, KPI_EDATA, "'%s' is larger than kpi reads from such a file (%zu MiB)", path,
		                   max >> 20);
		goto done;
	}
	data[n] = '\0';
	*out = data;
	data = NULL;
	if (len)
		*len = n;
done:
	free(data);
	close(fd);
	return rc;
}

int kpi__read_file(char **out, size_t *len, const char *path, kpi_error *err)
{
	return kpi__read_file_max(out, len, path, KPI__MAX_FILE_BYTES, err);
}

bool kpi__text_find_nul(const char *text, size_t len, int *line, int *col)
{
	const char *nul = memchr(text, '\0', len);

	if (!nul)
		return false;
	*line = 1;
	*col = 1;
	/* Columns count characters (UTF-8 sequences), as kpi__jsondoc_error's do. */
	for (const char *p = text; p < nul; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)*p & 0xC0) != 0x80) {
			(*col)++;
		}
	}
	return true;
}

int kpi__text_check_nul(const char *name, const char *text, size_t len, int code, kpi_error *err)
{
	int line, col;

	if (!kpi__text_find_nul(text, len, &line, &col))
		return 0;
	return kpi_error_set(err, code, "%s:%d:%d: a NUL byte", name, line, col);
}

int kpi__write_file_atomic(const char *path, const void *data, size_t len, kpi_error *err)
{
	return kpi__write_file_atomic_mode(path, data, len, -1, err);
}

int kpi__write_file_atomic_mode(const char *path, const void *data, size_t len, int mode, kpi_error *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 32), *dcopy = NULL;
	int fd = -1, rc = 0;
	const char *p = data;

	if (!tmp)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = kpi_error_set(err, KPI_EIO, "cannot create '%s': %s", tmp, strerror(errno));
		goto done;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = kpi_error_set(err, KPI_EIO, "cannot write '%s': %s", tmp, strerror(errno));
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	if (mode >= 0 && fchmod(fd, (mode_t)mode) != 0) {
		rc = kpi_error_set(err, KPI_EIO, "cannot set the mode of '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (fsync(fd) != 0) {
		rc = kpi_error_set(err, KPI_EIO, "cannot sync '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = kpi_error_set(err, KPI_EIO, "cannot close '%s': %s", tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = kpi_error_set(err, KPI_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto done;
	}
	/* Make the rename itself durable. */
	dcopy = strdup(path);
	if (dcopy) {
		int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	free(dcopy);
	return rc;
}

void kpi_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

int kpi__file_sha256(char out[65], uint64_t *size, const char *path, kpi_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE], chunk[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = NULL;
	uint64_t n = 0;
	struct stat st;
	int fd, rc = 0;

	out[0] = '\0';
	if ((rc = open_regular(&fd, &st, path, err)))
		return rc;
	if (!(ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = kpi_error_set(err, KPI_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		if (got == 0)
			break;
		EVP_DigestUpdate(ctx, chunk, (size_t)got);
		n += (uint64_t)got;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (unsigned int i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	if (size)
		*size = n;
done:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

double kpi_backoff_delay(double base, double max, int attempt, double jitter)
{
	double d = base * ldexp(1.0, attempt < 0 ? 0 : attempt > 60 ? 60 : attempt);
	if (d > max)
		d = max;
	if (jitter < 0)
		jitter = 0;
	if (jitter > 1)
		jitter = 1;
	return d * (0.5 + jitter);
}

double kpi_random_unit(void)
{
	uint64_t r;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint64_t)rand() << 31 ^ (uint64_t)rand();
	return (double)(r >> 11) * 0x1.0p-53;
}

bool kpi__utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned c = *s;
		int n;
		unsigned cp;

		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (int i = 1; i <= n; i++) {
			if ((s[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		s += n + 1;
	}
	return true;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int kpi__remove_tree(const char *path, kpi_error *err)
{
	/* depth first, never following symlinks, staying on one file system */
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0 && errno != ENOENT)
		return kpi_error_set(err, KPI_EIO, "cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

/* The PID of a temporary entry `name` of `kinds`, or 0 when it is not one. */
static long temp_pid(const char *name, int kinds)
{
	const char *tag = NULL, *p;
	char *end;
	long pid;

	if ((kinds & KPI__TEMPS_PACK) && name[0] == '.') {
		const char *t = strstr(name + 1, ".kpi-tmp-"), *o = strstr(name + 1, ".kpi-old-");
		tag = t ? t : o;
		if (tag == name + 1)
			tag = NULL; /* ".kpi-tmp-1": no NAME */
		if (tag)
			tag += 9;
	}
	if (!tag && (kinds & KPI__TEMPS_FILES) && (p = strstr(name, ".tmp.")) && p > name) {
		while (strstr(p + 1, ".tmp."))
			p = strstr(p + 1, ".tmp.");
		tag = p + 5;
	}
	if (!tag || !isdigit((unsigned char)*tag))
		return 0;
	errno = 0;
	pid = strtol(tag, &end, 10);
	return *end || errno || pid <= 0 || pid > INT_MAX ? 0 : pid;
}

size_t kpi__temps_clean(const char *dir, int kinds, const char *event)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t removed = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		long pid = temp_pid(e->d_name, kinds);
		char *full;
		if (!pid || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* not a temp entry, or its run may still be going */
		if ((full = kpi__path_join(dir, e->d_name))) {
			kpi_error ignored = KPI_ERROR_INIT;
			if (kpi__remove_tree(full, &ignored) == 0) {
				removed++;
				kpi_log_msg(KPI_LOG_INFO, event, "removed '%s', left by a killed run (PID %ld)", full, pid);
			}
			free(full);
		}
	}
	closedir(d);
	return removed;
}

double kpi__mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kpi__sleep(double s)
{
	struct timespec ts;
	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
