/* Where the kpi command's catalogue, queries and templates are. */
#ifndef KPI_TOOLS_DATADIR_H
#define KPI_TOOLS_DATADIR_H
#include <stddef.h>

/* The data directory this executable brings, for kpi_config_opts.datadir:
 * the install's share/kpi beside it (/proc/self/exe's directory, then
 * KPI_DATADIR_FROM_BINDIR, e.g. ../share/kpi) when that holds
 * templates/catalog.json, so an install moved or made with `cmake --install
 * --prefix` finds its own; else, for the binary of a build tree
 * (build/tools/kpi, where it was built), the source tree it was built from;
 * else NULL (libkpi then uses the configured install path). $KPI_DATADIR
 * wins over all of these (libkpi applies it). Writes into `buf`. */
const char *kpi_tool_datadir(char *buf, size_t size);

#endif
