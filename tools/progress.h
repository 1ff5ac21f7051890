/* The terminal side of the kpi command: whether to colour, and the progress
 * line of long runs (kpi query all, kpi pack, kpi alert). */
#ifndef KPI_TOOLS_PROGRESS_H
#define KPI_TOOLS_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include "kpi/kpi.h"

/* Colour on `fd`: a terminal, not TERM=dumb, NO_COLOR not set, no --no-color. */
bool kpi_term_color(int fd, bool no_color);

/* The progress line: on standard error only when it is a terminal (and not
 * TERM=dumb) and --quiet was not given. One line, rewritten in place with
 * \r and erased when the run ends: "kpi pack: reading PostgreSQL, 7/15 KPIs,
 * 2 connections, 12 s". libkpi reports through the config's progress
 * callback on the run's thread; a ticker thread of ours redraws the elapsed
 * time every half second; log lines (also on standard error) are written
 * above the line, through a stream that erases and redraws it. One mutex
 * keeps the three apart. */
typedef struct kpi_tool_progress {
	bool on;
	const char *command;       /* "pack" */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t ticker;
	bool ticking, stop;
	double start;              /* monotonic seconds */
	char phase[64];
	size_t done, total;
	int connections;
	size_t shown;              /* columns of the line on screen, 0: none */
	bool log_bol;              /* the log stream is at the start of a line */
	FILE *log;                 /* the log stream while the line is on */
	kpi_log_format log_format;
	char run_id[17];
} kpi_tool_progress;

/* Start the line for `command` (when it should be on: see above) and
 * install its callback into `cfg`; logs keep `log_format`. */
void kpi_tool_progress_begin(kpi_tool_progress *pg, kpi_config *cfg, const char *command, bool quiet,
                             kpi_log_format log_format);

/* A phase of the command itself ("rendering"). */
void kpi_tool_progress_phase(kpi_tool_progress *pg, const char *phase);

/* Erase the line, stop the ticker, give the log standard error back, and
 * take the callback out of `cfg` (which may be NULL by then). Safe to call
 * when the line was never on, and more than once. */
void kpi_tool_progress_end(kpi_tool_progress *pg, kpi_config *cfg);

#endif
