/**
 * @file kpi/reports.h
 * @brief The reports directory: the packs it holds and its decisions file.
 *
 * A reports directory (default `reports/`) holds one pack per subdirectory
 * (kpi/pack.h: `reports/2026-W46/` with its manifest.json) and the record of
 * what the governance meeting decided on them, `decisions.jsonl`: one JSON
 * object per line, each with the SHA-256 of the line before it (a hash
 * chain; docs/pack.md, "decisions.jsonl").
 *
 * kpi_reports_list() finds the packs; kpi_decisions_load() reads and checks
 * the decisions file. Both only read.
 */
#ifndef KPI_REPORTS_H
#define KPI_REPORTS_H

#include "common.h"
#include "week.h"
#include "eval.h"
#include "snapshot.h"
#include "pack.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The name of the decisions file in a reports directory. */
#define KPI_DECISIONS_FILE "decisions.jsonl"

/** The version of a decisions.jsonl record ("format"). */
#define KPI_DECISIONS_FORMAT 1

/** One pack of a reports directory. Every path is the reports directory
 *  joined with the pack's relative path ("reports/2026-W46/manifest.json"). */
typedef struct kpi_report_pack {
	kpi_week week;              /**< the manifest's window.last_week */
	char *name;                 /**< the subdirectory's name ("2026-W46") */
	char *dir;                  /**< the pack directory */
	char *manifest;             /**< dir/manifest.json */
	char *snapshot;             /**< dir/snapshot.json */
	char *pdf;                  /**< the PDF the manifest lists; NULL when none */
	char *xlsx;                 /**< the XLSX the manifest lists; NULL when none */
	char **pngs;                /**< the charts/ *.png the manifest lists, in its (path) order */
	size_t npngs;
	char manifest_sha256[65];   /**< SHA-256 of manifest.json's bytes */
} kpi_report_pack;

/** A subdirectory that is not a valid pack, and why (for the caller's log). */
typedef struct kpi_report_skip {
	char *dir;                  /**< reports dir joined with its name */
	char *reason;               /**< "manifest.json:3:12: window.last_week is not a week" */
} kpi_report_skip;

/** The packs of a reports directory. */
typedef struct kpi_reports {
	char *dir;                  /**< the reports directory as given */
	kpi_report_pack *packs;     /**< sorted by week, then by name */
	size_t npacks;
	kpi_report_skip *skipped;   /**< sorted by name */
	size_t nskipped;
} kpi_reports;

/**
 * List the packs of reports directory `dir`: each subdirectory (not hidden:
 * no leading '.', so the temporaries of a pack being built are left out)
 * holding a manifest.json. A subdirectory with no manifest.json is not a
 * pack and is left out silently; one whose manifest.json cannot be read, is
 * not a kpi manifest (format, window.last_week, files with paths) or does
 * not list snapshot.json is recorded in `skipped` with the reason. The
 * files themselves are not checked against the manifest (kpi_pack_verify()
 * does that).
 * @param[out] out the list; free with kpi_reports_free(). A missing `dir`
 *             gives an empty list.
 * @return 0; KPI_EIO when `dir` exists but cannot be read; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_reports_list(kpi_reports **out, const char *dir, kpi_error *err);

/**
 * The reports directory a pack directory was installed in: its parent, when
 * the pack directory is named after a week ("2026-W46", as kpi pack and
 * kpi render name it by default: reports/2026-W46); NULL otherwise (a pack
 * written with --out /tmp/again: /tmp is not taken for a reports directory,
 * and its history page is not written there).
 * @param[out] out the parent ("." for a bare name), or NULL; free() it.
 * @return 0 or KPI_ENOMEM.
 */
KPI_EXTERN int kpi_reports_dir_of(char **out, const char *pack_dir, kpi_error *err);

/** The pack of week `w`: the one whose directory is named after the week
 *  ("2026-W46") when there is one, else the first of that week; NULL when
 *  the directory has no pack of that week. Points into `r`. */
KPI_EXTERN const kpi_report_pack *kpi_reports_find(const kpi_reports *r, kpi_week w);

/** Is `p` a decided pack kept aside by kpi_reports_pack_write() with
 *  replace_decided: named NAME.decided-SHA12, SHA12 the first 12 hex digits
 *  of its own manifest's SHA-256 ("2026-W46.decided-fc574027b0d0")? Such a
 *  pack is evidence for a decision, not the week's current pack. */
KPI_EXTERN bool kpi_reports_pack_kept(const kpi_report_pack *p);

/** Free a list and everything it owns. Accepts NULL. */
KPI_EXTERN void kpi_reports_free(kpi_reports *r);

/** An action item the meeting set, with the id it is closed by. */
typedef struct kpi_action {
	char *id;                   /**< "2026-W46.1": the week and a number counted over its records */
	char *owner;
	char *text;
	char *due;                  /**< "YYYY-MM-DD" */
} kpi_action;

/** One record of decisions.jsonl. */
typedef struct kpi_decision {
	size_t line;                /**< its line number in the file (1-based) */
	kpi_week week;              /**< the week decided */
	kpi_verdict_kind decision;  /**< what the meeting decided */
	kpi_verdict_kind verdict;   /**< the verdict the pack computed for that week */
	char *by;                   /**< who decided */
	int64_t at;                 /**< when it was recorded (UTC seconds) */
	char *note;                 /**< NULL when none */
	kpi_action *actions;        /**< the action items set by this decision */
	size_t nactions;
	char **closes;              /**< ids of earlier actions this decision closes */
	size_t ncloses;
	char manifest_sha256[65];   /**< SHA-256 of the pack's manifest.json it was taken on */
	char prev_sha256[65];       /**< SHA-256 of the previous line (64 zeros for the first) */
	char sha256[65];            /**< SHA-256 of this line's bytes (without its newline) */
} kpi_decision;

/** The records of a decisions file, in file order. */
typedef struct kpi_decisions {
	kpi_decision *rec;
	size_t n;
} kpi_decisions;

/**
 * Read and check decisions.jsonl at `path`: every line one record of
 * KPI_DECISIONS_FORMAT with exactly its keys, in their order, and valid
 * values (docs/pack.md); the chain intact (each record's prev_sha256 is the
 * SHA-256 of the line before it, the first one's 64 zeros); action ids
 * unique; every id a record closes set by an earlier record. The packs
 * themselves are not looked at (kpi_decisions_verify()).
 * @param[out] out the records; free with kpi_decisions_free().
 * @return 0; KPI_ENOTFOUND when the file does not exist; KPI_EDATA naming
 *         the first bad record as "PATH:LINE: what is wrong" (for a broken
 *         chain: "PATH:3: prev_sha256 does not match record 2"); KPI_EIO;
 *         KPI_ENOMEM.
 */
KPI_EXTERN int kpi_decisions_load(kpi_decisions **out, const char *path, kpi_error *err);

/** The action items set by the records of `d` and not closed by any of
 *  them, in the order they were set: pointers into `d` (the caller frees
 *  the array only). `*n` is their number; NULL and 0 when none.
 *  @return 0 or KPI_ENOMEM. */
KPI_EXTERN int kpi_decisions_open_actions(const kpi_action ***out, size_t *n, const kpi_decisions *d,
                                          kpi_error *err);

/** The record in force for week `w`: the last one of that week; NULL when
 *  none. Points into `d`. */
KPI_EXTERN const kpi_decision *kpi_decisions_find(const kpi_decisions *d, kpi_week w);

/** Free the records and everything they own. Accepts NULL. */
KPI_EXTERN void kpi_decisions_free(kpi_decisions *d);

/** What kpi_decide() records. */
typedef struct kpi_decide_opts {
	kpi_week week;              /**< the week decided: its pack must be in the reports directory */
	kpi_verdict_kind decision;
	const char *by;             /**< who decided: not empty, no control characters */
	const char *note;           /**< NULL: none */
	const char *const *actions; /**< "OWNER: TEXT by YYYY-MM-DD" each */
	size_t nactions;
	const char *const *closes;  /**< ids of open actions this decision closes */
	size_t ncloses;
	int64_t at;                 /**< when (UTC seconds; kpi_config_now()) */
	const char *tz;             /**< the zone of the decision's date, which no action may be due
	                                 before (the config's timezone); NULL: UTC */
} kpi_decide_opts;

#define KPI_DECIDE_OPTS_INIT { { 0, 0 }, KPI_VERDICT_HOLD, NULL, NULL, NULL, 0, NULL, 0, 0, NULL }

/**
 * Append a decision to `reports_dir`/decisions.jsonl (created when absent):
 * the week's pack (kpi_reports_find()) gives the manifest's SHA-256 and the
 * verdict it computed (its snapshot.json's last week), the last record the
 * chain link, and the week's actions their ids ("2026-W46.N", numbered on
 * from the week's earlier records). The file is locked (flock, exclusive,
 * waiting for other runs) while it is read, checked (kpi_decisions_load()'s
 * checks: a broken file is never appended to) and appended to with one
 * write of the whole line, then fsync'ed: concurrent runs all land, in some
 * order, with the chain intact; a failed write is cut back off.
 * @param[out] out the record appended (free with kpi_decision_free()); may
 *             be NULL.
 * @return 0; KPI_EUSAGE (an action not "OWNER: TEXT by YYYY-MM-DD" or due
 *         before the date of `at` in `tz`, an empty name, an id to close that is not open, a decision other
 *         than the pack's verdict without a note); KPI_ENOTFOUND (no
 *         pack of the week in the directory); KPI_EDATA (the file or the
 *         pack's snapshot is broken: as kpi_decisions_load(),
 *         kpi_snapshot_load()); KPI_EIO; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_decide(kpi_decision **out, const char *reports_dir, const kpi_decide_opts *o, kpi_error *err);

/** Free one record returned by kpi_decide(). Accepts NULL. */
KPI_EXTERN void kpi_decision_free(kpi_decision *d);

/**
 * Verify a decisions file: kpi_decisions_load()'s checks (the chain), then
 * for every record that a pack of its week in the file's directory has the
 * manifest.json SHA-256 the decision was taken on (the pack named after the
 * week, else any other of that week: one kept aside by
 * kpi_reports_pack_write()), and that pack's
 * files still match that manifest (kpi_pack_verify_files(): of any kpi
 * version; each pack once however many records were taken on it, the first
 * of them named on an error). An error about the pack reads "PATH:LINE: the
 * pack of WEEK the decision was taken on has changed: DIR/FILE: differs from
 * manifest.json ...".
 * @param[out] nrecords how many records were checked (may be NULL).
 * @return 0; KPI_EDATA naming the first bad record ("PATH:LINE: ...");
 *         KPI_ENOTFOUND when the file does not exist; KPI_EIO; KPI_ENOMEM.
 */
KPI_EXTERN int kpi_decisions_verify(const char *path, size_t *nrecords, kpi_error *err);

/**
 * kpi_decisions_verify(), and the part a hash chain cannot prove alone: the
 * newest record has no successor whose prev_sha256 covers it, so an edit of
 * it, or its removal, leaves an intact chain. A record's SHA-256 kept
 * elsewhere (the meeting's minutes; kpi decide prints it) anchors it: with
 * `known`, a record whose SHA-256 starts with it must still be in the file,
 * which proves that record and every one before it unchanged.
 * @param known 12 to 64 lowercase hex digits, or NULL.
 * @param[out] nrecords as kpi_decisions_verify() (may be NULL).
 * @param[out] known_line the line of the record `known` names (may be NULL).
 * @param[out] head the newest record's SHA-256 ("" for an empty file).
 * @return 0; as kpi_decisions_verify(); KPI_EUSAGE for a malformed `known`;
 *         KPI_EDATA "PATH: no record has SHA-256 KNOWN... (...)" when none.
 */
KPI_EXTERN int kpi_decisions_verify_head(const char *path, const char *known, size_t *nrecords, size_t *known_line,
                                         char head[65], kpi_error *err);

/**
 * May the pack at `pack_dir` be replaced? Not when it is a pack a decision
 * was taken on: a record of the decisions file of the reports directory it
 * is in (`pack_dir`'s parent, whatever its name: PARENT/decisions.jsonl)
 * has its manifest.json's SHA-256. Replacing it would leave that record
 * unverifiable for good. With `replace_decided`, such a pack may be
 * replaced when it can be kept beside it as `pack_dir`.decided-SHA12 (the
 * first 12 hex digits of its manifest's SHA-256): that name is free, or
 * already holds the same pack (same manifest, files that verify), so the
 * decision still verifies (kpi_decisions_verify() looks for its pack by
 * that SHA-256). Only reads; checks nothing about the new pack but that
 * its directory can be made there, so it can run before the data is read
 * (kpi pack).
 * @param[out] keep when not NULL: the directory the decided pack is to be
 *             moved to (free() it), NULL when none is to be moved.
 * @return 0; KPI_EUSAGE when refused: "PACK_DIR is the pack of WEEK decided
 *         on in PARENT/decisions.jsonl:LINE ...: not replaced; ..." (what
 *         to do); as kpi_decisions_load() for a broken decisions file;
 *         KPI_EIO, also "cannot create the pack directory PACK_DIR: DIR is
 *         not a directory" (or DIR cannot be written); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_reports_pack_check(char **keep, const char *pack_dir, bool replace_decided, kpi_error *err);

/**
 * kpi_pack_write() that never silently invalidates a decision: while a
 * shared lock (flock) on the reports directory's decisions.jsonl is held
 * (kpi_decide() appends under an exclusive one), kpi_reports_pack_check()
 * is done again and the pack written; a decided pack is then moved aside
 * (kpi_pack_opts.keep_old; `out->kept` names it) or, when a copy is
 * already kept, replaced. `pack_dir` NULL: kpi_pack_default_dir().
 * @return as kpi_reports_pack_check() and kpi_pack_write().
 */
KPI_EXTERN int kpi_reports_pack_write(kpi_pack_paths *out, const char *pack_dir, bool replace_decided,
                                      const kpi_snapshot *snap, const void *snapshot_json, size_t len,
                                      kpi_error *err);

/**
 * kpi_pack_render_file() through kpi_reports_pack_write() (kpi render).
 * @return as kpi_pack_render_file() and kpi_reports_pack_write().
 */
KPI_EXTERN int kpi_reports_render_file(kpi_pack_paths *out, const char *pack_dir, bool replace_decided,
                                       const char *snapshot_path, kpi_error *err);

/**
 * Fill `snap->history` (snapshot format 3; a format-1 or 2 snapshot becomes
 * format 3) from reports directory `dir`, for a pack of `snap`'s last week
 * joining it: the decision in force of the newest week before it that has
 * one in decisions.jsonl (the last record of that week), and the action
 * items still open, overdue when due before the date of the window's as-of
 * instant in its zone. No decisions file: nothing on record.
 * @return 0; as kpi_decisions_load() for a broken decisions file
 *         (KPI_EDATA naming the record); KPI_ENOMEM.
 */
KPI_EXTERN int kpi_reports_history(kpi_snapshot *snap, const char *dir, kpi_error *err);

/** An earlier pack's snapshot to compare a new one with. */
typedef struct kpi_earlier_pack {
	const char *name;           /**< the pack's name ("2026-W45"), as the restatements name it */
	const kpi_snapshot *snap;
} kpi_earlier_pack;

/**
 * The restatements of snapshot `now` against earlier packs (docs/pack.md,
 * "Restatements"). A week of `now`'s window is compared with the latest of
 * `earlier` that reported it: the one with the newest last week before
 * `now`'s that has the week in its window (ties: the first given), not
 * counting a pack's own last week when it was partial (still in progress
 * when that pack was built). Every row of that week (same KPI, same label
 * names and values) whose value differs, compared exactly as stored, is a
 * restated value; a value on one side and none on the other (no value, or
 * no row) is one too. KPIs that only one of the two collected are not
 * compared. A week whose verdict differs is a restated verdict.
 * `compared` lists the packs that reported a week, oldest first; `unread`
 * is left empty.
 * @param[out] out free with kpi_restatements_free().
 * @return 0 or KPI_ENOMEM.
 */
KPI_EXTERN int kpi_restatements_compare(kpi_restatements **out, const kpi_snapshot *now,
                                        const kpi_earlier_pack *earlier, size_t n, kpi_error *err);

/**
 * Fill `snap->restatements` (snapshot format 4) from the packs of reports
 * directory `dir` before `snap`'s last week (kpi_reports_list(); of several
 * packs of one week, kpi_reports_find()'s): the newest are read first, until
 * every earlier week of the window is reported by one, and compared
 * (kpi_restatements_compare()). A pack that cannot be read (its manifest or
 * its snapshot.json) is named in `unread` with the reason and logged as a
 * warning ("pack.restatements.unreadable"); the next older pack reports its
 * weeks instead. A missing or unreadable directory compares with nothing.
 * A format-1, -2 or -3 snapshot becomes format 4.
 * @return 0 or KPI_ENOMEM: an unreadable pack never fails the pack.
 */
KPI_EXTERN int kpi_reports_restatements(kpi_snapshot *snap, const char *dir, kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
