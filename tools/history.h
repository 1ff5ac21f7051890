#ifndef KPI_TOOLS_HISTORY_H
#define KPI_TOOLS_HISTORY_H
#include "kpi/kpi.h"

/* Regenerate the history page of the reports directory holding the pack
 * just installed at `pack_dir` (its parent: reports/2026-W46 ->
 * reports/index.html, kpi_history_write()) and print its path on stderr as
 * "kpi: history page: PATH" (the pack's own paths are stdout's). Prints a
 * failure and returns its exit code (the pack stays installed); 0 on
 * success. */
int kpi_tool_history_after_pack(const char *pack_dir);
#endif
