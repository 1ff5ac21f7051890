/* Helpers of the fuzz targets (fuzz.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "fuzz.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ftw.h>
#include "kpi/kpi.h"

static char dir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_dir(void)
{
	if (dir[0])
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "/dev/shm/kpi-fuzz-%ld-XXXXXX", (long)getpid());
		if (access("/dev/shm", W_OK) != 0 || !mkdtemp(dir)) {
			snprintf(dir, sizeof(dir), "%s/kpi-fuzz-%ld-XXXXXX", tmp && *tmp ? tmp : "/tmp", (long)getpid());
			if (!mkdtemp(dir))
				fuzz_fail("cannot create a scratch directory", strerror(errno));
		}
		atexit(remove_dir);
	}
	return dir;
}

char *fuzz_path(const char *name)
{
	const char *d = fuzz_dir();
	char *p = malloc(strlen(d) + strlen(name) + 2);
	if (!p)
		fuzz_fail("out of memory", name);
	sprintf(p, "%s/%s", d, name);
	return p;
}

char *fuzz_write(const char *name, const void *data, size_t size)
{
	char *p = fuzz_path(name);
	FILE *f = fopen(p, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		fuzz_fail("cannot write a scratch file", p);
	return p;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		fuzz_fail("out of memory", "input copy");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void fuzz_quiet(void)
{
	static int done;
	if (!done) {
		kpi_log_setup(KPI_LOG_FORMAT_JSON, KPI_LOG_OFF, stderr, "fuzz");
		done = 1;
	}
}

void fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, detail ? detail : "");
	abort();
}
