/**
 * @file kpi/pack.h
 * @brief The go/no-go pack directory: its files, manifest.json, the atomic
 *        swap that installs it, and verification.
 *
 * A pack directory (default `reports/YYYY-Www/`) holds `snapshot.json`, the
 * PDF `kpi-YYYY-Www.pdf`, the workbook `kpi-YYYY-Www.xlsx`, the rows as
 * `kpi-YYYY-Www.csv` (as `kpi query all --format csv`), one PNG per KPI in
 * `charts/<kpi_id>.png` (the outputs of pack/outputs/registry.h), and
 * `manifest.json`: every other file with its
 * size and SHA-256, the tool version, the window, the snapshot's SHA-256 and
 * the SHA-256 of every query text (docs/pack.md).
 *
 * The pack is built in a temporary directory beside the target and swapped
 * in with one rename (Linux renameat2 RENAME_EXCHANGE), after fsync of every
 * file and directory: a run killed at any moment leaves the previous pack
 * whole, never a mix. Leftovers of killed runs are removed by the next run.
 */
#ifndef KPI_PACK_H
#define KPI_PACK_H

#include "common.h"
#include "buf.h"
#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The version of the manifest.json format. */
#define KPI_MANIFEST_FORMAT 1

/** One file of a pack, relative to the pack directory ("charts/x.png"). */
typedef struct kpi_pack_file {
	char *path;
	uint64_t size;
	char sha256[65];
} kpi_pack_file;

/** Where a written pack's main files are. */
typedef struct kpi_pack_paths {
	char *dir;     /**< the pack directory */
	char *pdf;     /**< dir/kpi-YYYY-Www.pdf */
	char *xlsx;    /**< dir/kpi-YYYY-Www.xlsx */
	char *kept;    /**< where the previous pack was moved (kpi_pack_opts.keep_old); NULL when none */
} kpi_pack_paths;

/** Free the strings of `p` (not `p` itself). Accepts NULL. */
KPI_EXTERN void kpi_pack_paths_release(kpi_pack_paths *p);

/** The default pack directory of a snapshot, "reports/YYYY-Www" (the last
 *  week of its window); the caller frees it. NULL when out of memory. */
KPI_EXTERN char *kpi_pack_default_dir(const kpi_snapshot *snap);

/**
 * Render the pack of `snap` and install it as directory `dir` (NULL: the
 * default, kpi_pack_default_dir()) atomically,
 * replacing a previous pack there (whether or not a decision was taken on
 * it: kpi_reports_pack_write() is the write that keeps decided packs). `dir` may exist only as a kpi pack (it
 * has a manifest.json) or an empty directory: anything else is refused, so
 * a mistyped --out never deletes someone's folder. Parent directories are
 * created.
 * @param snapshot_json the bytes of snapshot.json, copied in unchanged; their
 *        SHA-256 must be `snap->sha256` (as kpi_snapshot_write() or
 *        kpi_snapshot_parse() set it).
 * @param[out] out the paths written (release with kpi_pack_paths_release());
 *        may be NULL.
 * @return 0; KPI_EUSAGE (snapshot bytes that are not the snapshot's, a
 *         target that is not a pack); KPI_EIO; KPI_ENOMEM; a renderer's error.
 */
KPI_EXTERN int kpi_pack_write(kpi_pack_paths *out, const char *dir, const kpi_snapshot *snap,
                              const void *snapshot_json, size_t len, kpi_error *err);

/** Options of kpi_pack_write_opts(). */
typedef struct kpi_pack_opts {
	/** NULL: a previous pack at the target is removed once the new one is
	 *  in. Else the previous pack is moved to this path (a sibling of the
	 *  target, which must not exist) and kept whole, and the new one takes
	 *  its place; with no previous pack it is not used. */
	const char *keep_old;
} kpi_pack_opts;

#define KPI_PACK_OPTS_INIT { NULL }

/**
 * kpi_pack_write() with options (`o` NULL: as kpi_pack_write()). With
 * `keep_old` the previous pack is renamed to it, then the new one into
 * place (for a moment there is no pack at `dir`, never a mixed one; a
 * failed second rename puts the previous pack back); `out->kept` names it.
 * kpi_reports_pack_write() (kpi/reports.h) uses it to keep a pack a
 * decision was taken on.
 * @return as kpi_pack_write(); KPI_EIO when `keep_old` exists.
 */
KPI_EXTERN int kpi_pack_write_opts(kpi_pack_paths *out, const char *dir, const kpi_pack_opts *o,
                                   const kpi_snapshot *snap, const void *snapshot_json, size_t len,
                                   kpi_error *err);

/**
 * For a process being stopped by a signal (SIGINT, SIGTERM) while it may be
 * in kpi_pack_write(): remove the temporary directory of that write
 * (".NAME.kpi-tmp-PID" beside the target), so nothing of the cut run is
 * left; the previous pack, if any, is untouched. It first stops the
 * write from creating anything more, waits for a creation under way (a
 * file, the workbook) to end, then removes the tree, so nothing of it is
 * made again; the write never goes on nor reports an error about what was
 * removed. A write in its swap is waited for: the new pack stays in place
 * and the previous one it displaced is removed. Not async-signal-safe:
 * call it from a thread that waits for the signal (sigwait), never from a
 * handler. It returns with the process's pack writes stopped for good (the
 * threads in them wait): end the process right after (re-raise the signal
 * with its default action).
 */
KPI_EXTERN void kpi_pack_abort(void);

/**
 * Render the pack of a snapshot.json file (kpi render): read it, parse and
 * validate it (kpi_snapshot_parse()), then kpi_pack_write() with its bytes
 * unchanged. `dir` NULL: the default directory of the snapshot.
 * @return as kpi_snapshot_load() and kpi_pack_write().
 */
KPI_EXTERN int kpi_pack_render_file(kpi_pack_paths *out, const char *dir, const char *snapshot_path,
                                    kpi_error *err);

/**
 * manifest.json of a pack: `files` (sorted by path, manifest.json itself not
 * among them) with the snapshot's window, version and query hashes.
 * @return 0 or KPI_ENOMEM.
 */
KPI_EXTERN int kpi_manifest_write(kpi_buf *out, const kpi_snapshot *snap, const kpi_pack_file *files,
                                  size_t nfiles, kpi_error *err);

/**
 * Check a pack directory against its manifest.json: every file listed must be
 * there with its size and SHA-256, no other file may be there, the manifest
 * must be well-formed and describe the pack's snapshot.json field for field
 * (every window field, the snapshot's SHA-256, each query's KPI, file and
 * SHA-256), and its tool_version must be kpi_version(): a pack of another
 * version is refused (docs/pack.md says why).
 * @param[out] nfiles how many files matched (may be NULL).
 * @return 0; KPI_EDATA naming the first file that is missing, differs or is
 *         extra (manifest order, then extra files in path order), or the
 *         first manifest field that disagrees (manifest.json:line:col, both
 *         values; for tool_version both versions);
 *         KPI_ENOTFOUND when `dir` is not a directory.
 */
KPI_EXTERN int kpi_pack_verify(const char *dir, size_t *nfiles, kpi_error *err);

/**
 * kpi_pack_verify() but for the tool_version: a pack written by any kpi
 * version passes when its files and manifest are as written. What an audit
 * of past packs needs (kpi_decisions_verify()), where the pack was decided
 * on with the kpi of its day.
 */
KPI_EXTERN int kpi_pack_verify_files(const char *dir, size_t *nfiles, kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
