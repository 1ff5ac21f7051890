/* The progress line and the colour decision (progress.h). */
#define _GNU_SOURCE /* fopencookie: log lines written above the progress line */
#include "progress.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static bool dumb_terminal(void)
{
	const char *t = getenv("TERM");
	return t && strcmp(t, "dumb") == 0;
}

bool kpi_term_color(int fd, bool no_color)
{
	const char *nc = getenv("NO_COLOR");
	return !no_color && !(nc && *nc) && !dumb_terminal() && isatty(fd);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static size_t columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
	return 80;
}

/* Under pg->mu. */
static void erase(kpi_tool_progress *pg)
{
	if (pg->shown)
		write_all("\r\033[K", 4);
	pg->shown = 0;
}

/* Under pg->mu: the line, cut to the terminal's width (a wrapped line
 * could not be rewritten in place). */
static void draw(kpi_tool_progress *pg)
{
	char line[512], buf[520];
	size_t n, max = columns() - 1;
	int len;

	len = snprintf(line, sizeof(line), "kpi %s: %s", pg->command, pg->phase[0] ? pg->phase : "starting");
	n = len < 0 ? 0 : (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1;
	if (pg->total)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", %zu/%zu KPIs", pg->done, pg->total);
	if (n < sizeof(line) && pg->connections)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", %d connection%s", pg->connections,
		                      pg->connections == 1 ? "" : "s");
	if (n < sizeof(line))
		n += (size_t)snprintf(line + n, sizeof(line) - n, ", %.0f s", mono() - pg->start);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (n > max)
		n = max;
	len = snprintf(buf, sizeof(buf), "\r%.*s\033[K", (int)n, line);
	write_all(buf, (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf) - 1);
	pg->shown = n ? n : 1;
}

static void on_progress(const kpi_progress *p, void *payload)
{
	kpi_tool_progress *pg = payload;
	pthread_mutex_lock(&pg->mu);
	if (p->phase && p->phase[0])
		snprintf(pg->phase, sizeof(pg->phase), "%s", p->phase);
	if (p->total) { /* a report outside a collection keeps the counts */
		pg->done = p->done;
		pg->total = p->total;
	}
	pg->connections = p->connections;
	if (pg->log_bol) /* not in the middle of a log line */
		draw(pg);
	pthread_mutex_unlock(&pg->mu);
}

static void *tick(void *arg)
{
	kpi_tool_progress *pg = arg;
	pthread_mutex_lock(&pg->mu);
	while (!pg->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 500000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&pg->cv, &pg->mu, &until);
		if (!pg->stop && pg->log_bol)
			draw(pg);
	}
	pthread_mutex_unlock(&pg->mu);
	return NULL;
}

/* The log's stream while the line is on: each log line goes above it. */
static ssize_t log_write(void *cookie, const char *data, size_t size)
{
	kpi_tool_progress *pg = cookie;
	pthread_mutex_lock(&pg->mu);
	if (pg->log_bol)
		erase(pg);
	write_all(data, size);
	pg->log_bol = size > 0 && data[size - 1] == '\n';
	if (pg->log_bol)
		draw(pg);
	pthread_mutex_unlock(&pg->mu);
	return (ssize_t)size;
}

void kpi_tool_progress_begin(kpi_tool_progress *pg, kpi_config *cfg, const char *command, bool quiet,
                             kpi_log_format log_format)
{
	cookie_io_functions_t io = { NULL, log_write, NULL, NULL };

	memset(pg, 0, sizeof(*pg));
	pg->command = command;
	pg->log_format = log_format;
	pg->log_bol = true;
	if (quiet || dumb_terminal() || !isatty(STDERR_FILENO) || !cfg)
		return;
	if (pthread_mutex_init(&pg->mu, NULL) != 0)
		return;
	if (pthread_cond_init(&pg->cv, NULL) != 0) {
		pthread_mutex_destroy(&pg->mu);
		return;
	}
	pg->on = true;
	pg->start = mono();
	snprintf(pg->run_id, sizeof(pg->run_id), "%s", kpi_log_run_id());
	if ((pg->log = fopencookie(pg, "w", io))) {
		setvbuf(pg->log, NULL, _IOLBF, 0);
		kpi_log_setup(log_format, KPI_LOG_INFO, pg->log, pg->run_id);
	}
	kpi_config_set_progress(cfg, on_progress, pg);
	pthread_mutex_lock(&pg->mu);
	draw(pg);
	pthread_mutex_unlock(&pg->mu);
	pg->ticking = pthread_create(&pg->ticker, NULL, tick, pg) == 0;
}

void kpi_tool_progress_phase(kpi_tool_progress *pg, const char *phase)
{
	kpi_progress p = { phase, 0, 0, 0 };
	if (pg->on)
		on_progress(&p, pg);
}

void kpi_tool_progress_end(kpi_tool_progress *pg, kpi_config *cfg)
{
	if (cfg)
		kpi_config_set_progress(cfg, NULL, NULL);
	if (!pg->on)
		return;
	pthread_mutex_lock(&pg->mu);
	pg->stop = true;
	pthread_cond_signal(&pg->cv);
	pthread_mutex_unlock(&pg->mu);
	if (pg->ticking)
		pthread_join(pg->ticker, NULL);
	if (pg->log) {
		kpi_log_setup(pg->log_format, KPI_LOG_INFO, NULL, pg->run_id);
		fclose(pg->log);
	}
	pthread_mutex_lock(&pg->mu);
	erase(pg);
	pthread_mutex_unlock(&pg->mu);
	pthread_cond_destroy(&pg->cv);
	pthread_mutex_destroy(&pg->mu);
	pg->on = false;
}
