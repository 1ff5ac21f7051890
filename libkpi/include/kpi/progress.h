/**
 * @file kpi/progress.h
 * @brief Progress of a long run (kpi query all, kpi pack, kpi alert), for a
 *        display the caller draws.
 *
 * The library never prints: it calls the callback a program installs with
 * kpi_config_set_progress() as a collection advances. The callback is
 * called on the thread that called the library function (the PostgreSQL
 * connections of a run are driven by one poll loop on that thread; the PNG
 * encoder threads never report), one call at a time, never after that
 * function returns. It must be quick and must not call back into libkpi.
 * A program that also draws from a thread of its own (a ticking clock)
 * synchronises that with its callback itself.
 */
#ifndef KPI_PROGRESS_H
#define KPI_PROGRESS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Where a run is. */
typedef struct kpi_progress {
	const char *phase;  /**< what it does now, for people: "reading PostgreSQL",
	                         "reading lists", "rendering", "delivering" (static text) */
	size_t done;        /**< KPIs read so far in this run */
	size_t total;       /**< KPIs the run reads (0 while not known) */
	int connections;    /**< connections the current source is reading on (0: none open) */
} kpi_progress;

/** The callback: `p` is valid during the call only. */
typedef void (*kpi_progress_cb)(const kpi_progress *p, void *payload);

#ifdef __cplusplus
}
#endif
#endif
