#ifndef KPI_TOOLS_SIGNALS_H
#define KPI_TOOLS_SIGNALS_H

/* From here on, SIGINT and SIGTERM remove the temporary directory of a pack
 * being written (kpi_pack_abort()) before they end the process as usual.
 * Call it first in the command, before any thread is started. */
void kpi_tool_signals_begin(void);

#endif
