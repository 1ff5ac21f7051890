/*
 * Helpers of the tests that need a real Prometheus server (the Debian
 * package `prometheus`, installed by scripts/lib.sh) or node_exporter (the
 * Debian package `prometheus-node-exporter`): started on loopback by the
 * test, data in a temp dir, stopped by pid. Neither is optional: when one
 * cannot be started the test fails, it never skips.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>; link
 * it_http.c too (it_free_port).
 */
#ifndef KPI_IT_PROM_H
#define KPI_IT_PROM_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct it_prom {
	char dir[64];       /* temp dir: tsdb/, data.om, prometheus.yml, logs */
	char url[64];       /* http://127.0.0.1:PORT */
	pid_t pid;
} it_prom;

/* Start Prometheus on a free loopback port. `write_openmetrics` (may be
 * NULL) writes OpenMetrics text to the path it is given (in p->dir), which
 * becomes the TSDB's blocks first (promtool tsdb create-blocks-from
 * openmetrics); `scrape` (may be NULL): a host:port it scrapes every second
 * (job "node"). Waits until /-/ready answers. */
void it_prom_start(it_prom *p, void (*write_openmetrics)(const char *path), const char *scrape);
/* Stop it (SIGTERM, then SIGKILL) and remove its dir. */
void it_prom_stop(it_prom *p);

/* Start node_exporter on a free loopback port with the meminfo and
 * filesystem collectors only; its address ("127.0.0.1:PORT") into addr.
 * Waits until /metrics answers. Returns its pid (stop with it_proc_stop). */
pid_t it_node_exporter_start(char *addr, size_t size, const char *log);
/* SIGTERM, then SIGKILL after 5 s; waits for it. */
void it_proc_stop(pid_t pid);

/* GET http://addr/path into a malloc'd string ("" on failure). */
char *it_http_get(const char *url);

/* The whole of a file (caller frees; "" when it cannot be read). */
char *it_slurp(const char *path);
/* Write `text` to `path` (fails the test when it cannot). */
void it_write_text(const char *path, const char *text);

#endif
