/* What a pack output is: an operations table, like a source (sources/source.h).
 * Each output of a pack directory (the PDF, the workbook, the chart PNGs,
 * ...) lives in its own file of pack/outputs/ and is registered by one line
 * in pack/outputs/registry.h; kpi_pack_write() (pack.c) runs them all into
 * the pack's temporary directory, in registration order, and the manifest
 * lists whatever they wrote. An output reads the snapshot and nothing else
 * (no database, no clock, no environment): same snapshot, same bytes.
 * Private to libkpi (docs/architecture.md, "Add an output"). */
#ifndef KPI_PACK_OUTPUT_H
#define KPI_PACK_OUTPUT_H

#include "core/internal.h"

typedef struct kpi__pack_out {
	const char *name;   /* for messages: "PDF", "workbook" */
	/* Start work that runs in the background while the outputs before this
	 * one in the registry write theirs (the charts' PNG encoding); called for
	 * every output before any write(). May be NULL. */
	int (*start)(void **job, const kpi_snapshot *snap, kpi_error *err);
	/* Write the output's files into `tmp`, the pack being built (with
	 * kpi__pack_put()); the main ones' final paths into `paths`. */
	int (*write)(void *job, const kpi_snapshot *snap, const char *tmp, kpi_pack_paths *paths, kpi_error *err);
	/* Free what start() made. May be NULL. */
	void (*free)(void *job);
} kpi__pack_out;

#define KPI__PACK_OUT(name) extern const kpi__pack_out kpi__pack_out_##name;
#include "pack/outputs/registry.h"
#undef KPI__PACK_OUT

/* Around anything that creates in the pack being built (a file, a
 * directory): a signal's kpi_pack_abort() waits for the creations under way
 * before it removes the tree, and once it has begun a hold never returns
 * (the process is ending by the signal). Never nested in one thread; the
 * release always follows. kpi__pack_put() holds by itself. */
void kpi__pack_hold(void);
void kpi__pack_release(void);

/* The tree a signal's kpi_pack_abort() removes (NULL: none): tracked before
 * it is made. */
void kpi__pack_abort_track(const char *tmp);

/* A write that failed after an abort began: its error is about what the
 * abort removed; wait for the end of the process instead of reporting it. */
void kpi__pack_wait_if_aborted(void);

/* Write `len` bytes as `tmp`/`name` (parent directories made), durable. */
int kpi__pack_put(const char *tmp, const char *name, const void *data, size_t len, kpi_error *err);

/* mkdir -p `path` (0755 each). */
int kpi__pack_mkdirs(const char *path, kpi_error *err);

/* fsync a file (or, with `dir`, a directory). */
int kpi__pack_fsync(const char *path, bool dir, kpi_error *err);

/* "kpi-YYYY-Www.EXT", the name of the pack's main files (the last week of
 * the window). */
void kpi__pack_file_name(char *buf, size_t size, const kpi_snapshot *snap, const char *ext);

#endif
