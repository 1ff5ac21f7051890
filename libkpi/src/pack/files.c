/* The pack's file helpers (pack/output.h), shared by pack.c and the
 * outputs: durable writes into the pack being built, directory syncs, the
 * main files' names. */
#include "pack/output.h"
#include <errno.h>
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

