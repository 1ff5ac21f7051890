/* The data directory of the kpi command (datadir.h). The executable's own
 * path belongs here, in the tool, and not in libkpi: in another program
 * linking libkpi, /proc/self/exe is that program, whose ../share/kpi is no
 * place of ours. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "datadir.h"

#ifndef KPI_DATADIR_FROM_BINDIR
#define KPI_DATADIR_FROM_BINDIR "../share/kpi"
#endif

static int has_catalog(const char *dir)
{
	char probe[PATH_MAX + 32];
	struct stat st;
	snprintf(probe, sizeof(probe), "%s/templates/catalog.json", dir);
	return stat(probe, &st) == 0 && S_ISREG(st.st_mode);
}

const char *kpi_tool_datadir(char *buf, size_t size)
{
	char exe[PATH_MAX], cand[PATH_MAX * 2], real[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	if (!(slash = strrchr(exe, '/')))
		return NULL;
	*slash = '\0'; /* the executable's directory */
	if (KPI_DATADIR_FROM_BINDIR[0]) {
		snprintf(cand, sizeof(cand), "%s/%s", exe, KPI_DATADIR_FROM_BINDIR);
		if (has_catalog(cand) && realpath(cand, real)) {
			snprintf(buf, size, "%s", real);
			return buf;
		}
	}
#if defined(KPI_BUILD_TOOLS_DIR) && defined(KPI_SOURCE_DIR)
	/* the binary where the build put it: the source tree it was built from */
	{
		char built[PATH_MAX];
		if (realpath(KPI_BUILD_TOOLS_DIR, built) && strcmp(built, exe) == 0 && has_catalog(KPI_SOURCE_DIR)) {
			snprintf(buf, size, "%s", KPI_SOURCE_DIR);
			return buf;
		}
	}
#endif
	return NULL;
}
