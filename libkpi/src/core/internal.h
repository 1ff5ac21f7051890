/* Private helpers shared by libkpi's modules. Not installed. */
#ifndef KPI_INTERNAL_H
#define KPI_INTERNAL_H

#include "kpi/kpi.h"
#include <jansson.h>

/* Duplicate a string; NULL stays NULL. */
char *kpi__strdup(const char *s);

/* Monotonic seconds (CLOCK_MONOTONIC), and a sleep of `s` seconds that
 * resumes after signals (core/util.c). */
double kpi__mono_now(void);
void kpi__sleep(double s);

/* A time zone held open (kpi/week.h). The functions there take zone names
 * and load the zone for each call, which costs about a millisecond: GLib
 * expands the file's closing rule into transitions up to the year 2999. While
 * a zone is held, GLib hands the same loaded zone to those calls, so code that
 * converts many instants (a window of weeks, a report) holds it for the time.
 * The zone is immutable: holding it from several threads is fine. */
typedef struct kpi__tz kpi__tz;
int kpi__tz_hold(kpi__tz **out, const char *tz, kpi_error *err);
void kpi__tz_release(kpi__tz *tz);
/* Local wall-clock time of instant t in zone z, as seconds since
 * 1970-01-01T00:00 local (t + the zone's UTC offset at t): its day is
 * floor(w / 86400), its time of day w mod 86400. */
int64_t kpi__tz_wall(const kpi__tz *z, int64_t t);

/* Caps on what kpi reads from a file, by kind (docs/configuration.md,
 * "Input files"): a file above its cap is refused before it is read. */
#define KPI__MAX_CONFIG_BYTES ((size_t)4 << 20)    /* config, catalogue, query files, templates, manifest, AWS files */
#define KPI__MAX_LEDGER_BYTES ((size_t)64 << 20)   /* the alert ledger and its outbox */
#define KPI__MAX_SNAPSHOT_BYTES ((size_t)256 << 20) /* snapshot.json */
#define KPI__MAX_FILE_BYTES ((size_t)64 << 20)     /* anything else kpi__read_file() reads */

/* Read a whole regular file of at most `max` bytes into a NUL-terminated
 * buffer (caller frees). Opened without blocking and checked with fstat:
 * a FIFO, a device or a directory is refused at once, as is a file above
 * `max`, both with KPI_EDATA and a message naming the file; KPI_ENOTFOUND
 * when it does not exist, KPI_EIO when it cannot be read. */
int kpi__read_file_max(char **out, size_t *len, const char *path, size_t max, kpi_error *err);
/* The SHA-256 (hex) and size of a regular file, read in chunks (no cap:
 * nothing is kept); refused like kpi__read_file_max() when not regular. */
int kpi__file_sha256(char out[65], uint64_t *size, const char *path, kpi_error *err);
/* kpi__read_file_max() with KPI__MAX_FILE_BYTES. */
int kpi__read_file(char **out, size_t *len, const char *path, kpi_error *err);
/* The line and column (1-based; columns count UTF-8 characters) of the
 * first NUL byte of text[0..len); false when there is none. */
bool kpi__text_find_nul(const char *text, size_t len, int *line, int *col);
/* 0, or `code` with "NAME:LINE:COL: a NUL byte ..." when the text holds
 * one: a text input (JSON, SQL, INI) never does, and C strings would cut it. */
int kpi__text_check_nul(const char *name, const char *text, size_t len, int code, kpi_error *err);

/* After reading a file a run is configured by (config, catalogue) failed
 * with `rc`: a missing, unreadable or refused file (not a regular file, too
 * large: KPI_EDATA) becomes KPI_ECONFIG ("WHAT: cannot open ..."), as an
 * invalid one is (exit 3); other codes pass through. */
int kpi__config_file_error(int rc, const char *what, kpi_error *err);

/* Write `len` bytes to `path` atomically: a temp file in the same directory,
 * fsync, rename, fsync of the directory. Nothing half-written is ever seen. */
int kpi__write_file_atomic(const char *path, const void *data, size_t len, kpi_error *err);
/* The same with the file's mode set to `mode` whatever the umask (-1: the
 * umask's 0644), for a file another user's process reads. */
int kpi__write_file_atomic_mode(const char *path, const void *data, size_t len, int mode, kpi_error *err);


/* Append `s` to `b` as a JSON string (quotes, escapes; UTF-8 passes through). */
int kpi__buf_json_str(kpi_buf *b, const char *s);
/* Cut `b` back to its first `len` bytes (a longer `len` leaves it as is):
 * what a failed writer appended goes, nothing partial stays. */
void kpi__buf_truncate(kpi_buf *b, size_t len);

/* True when `s` is well-formed UTF-8 (no overlong forms, no surrogates). */
bool kpi__utf8_valid(const char *s);

/* rm -rf `path` (symlinks removed, never followed); absent is fine. */
int kpi__remove_tree(const char *path, kpi_error *err);

/* The temporary entries kpi runs make, by the PID of the run:
 * KPI__TEMPS_PACK: ".NAME.kpi-tmp-PID" and ".NAME.kpi-old-PID" beside a
 * pack directory (pack/pack.c); KPI__TEMPS_FILES: "NAME.tmp.PID" beside a
 * file written by kpi__write_file_atomic(). */
#define KPI__TEMPS_PACK 1
#define KPI__TEMPS_FILES 2

/* Remove from `dir` the temporary entries of `kinds` whose run is gone:
 * kill(PID, 0) fails with ESRCH. A live PID, even another user's (EPERM)
 * or a reused one, keeps its entry: a run's own entries are never removed
 * while it lives, and a dead run's whose PID was reused stays until that
 * process ends. Each removal is logged as `event`. Returns how many. */
size_t kpi__temps_clean(const char *dir, int kinds, const char *event);
/* A path given in file `file` (a config file) is relative to that file's
 * directory; absolute paths and a NULL file leave it as is (caller frees). */
char *kpi__path_relative(const char *file, const char *p);

/* Join dir and name with a '/' (caller frees). */
char *kpi__path_join(const char *dir, const char *name);
/* Can `path` be written where asked? Its directory exists (or, with
 * `parents`, the nearest of its ancestors that does), is a directory and
 * kpi may write in it. For a check before anything is read. 0; KPI_EIO
 * "WHAT PATH: DIR is not a directory" (or DIR: no such directory, or why
 * it cannot be written); KPI_ENOMEM. */
int kpi__check_creatable(const char *path, bool parents, const char *what, kpi_error *err);

/* A parsed JSON document with the position of every value, so semantic errors
 * can say file:line:col. */
typedef struct kpi__jsondoc {
	char *path;
	json_t *root;
	struct kpi__jpos *pos;
	size_t npos;
} kpi__jsondoc;

/* Read (at most KPI__MAX_CONFIG_BYTES, see kpi__read_file_max()) and parse
 * a JSON file; syntax errors and NUL bytes are KPI_ECONFIG at their place. */
int kpi__jsondoc_load(kpi__jsondoc **out, const char *path, kpi_error *err);
/* kpi__jsondoc_load, and the SHA-256 of the file's bytes (a query file's
 * hash, as the snapshot and the manifest record it); a file refused as not
 * regular or too large is KPI_ECONFIG too. */
int kpi__jsondoc_load_hashed(kpi__jsondoc **out, char sha256[65], const char *path, kpi_error *err);
int kpi__jsondoc_parse(kpi__jsondoc **out, const char *name, const char *text, size_t len, kpi_error *err);
void kpi__jsondoc_free(kpi__jsondoc *doc);
/* Set err to "file:line:col: message" for the value `v` of the document
 * (found by identity), falling back to the file name alone. Returns code. */
int kpi__jsondoc_error(const kpi__jsondoc *doc, const json_t *v, kpi_error *err, int code,
                       const char *fmt, ...) KPI_PRINTF(5, 6);

/* Check that object `obj` only has keys from the NULL-terminated `allowed`. */
int kpi__json_check_keys(const kpi__jsondoc *doc, const json_t *obj, const char *const *allowed,
                         const char *what, kpi_error *err);

/* Member `key` of object `o`: non-empty text copied to *out (the caller
 * frees), or, when `nullable`, JSON null (*out untouched); else KPI_EDATA
 * "<what>: 'key' must be [null or ]non-empty text" at the value. */
int kpi__json_text_member(char **out, const kpi__jsondoc *doc, const json_t *o, const char *key, bool nullable,
                          const char *what, kpi_error *err);

/* Parse one catalogue entry (the catalogue's format) into `d`; errors are
 * KPI_ECONFIG at the value's position. `d->raw` holds a reference to `o`. */
int kpi__catalog_parse_def(const kpi__jsondoc *doc, const json_t *o, kpi_def *d, kpi_error *err);

/* A threshold object {"op", "target", "warn_margin"} or null, and the
 * missing-data policy "block"/"ignore" (model/rules.c); errors at the value's
 * position in `doc` (may be NULL). */
int kpi__parse_threshold(const kpi__jsondoc *doc, const json_t *v, kpi_threshold *th, kpi_error *err);
int kpi__parse_missing(const kpi__jsondoc *doc, const json_t *v, kpi_missing *out, kpi_error *err);

/* A number setting of a section of the config file, `section`.`key` (lo..hi
 * when present), with the environment variable `env` over it: the
 * precedence of kpi/config.h in one place for every module's settings.
 * `what` names the value in messages ("seconds"; NULL: a number). Untouched
 * when neither is set. KPI_ECONFIG at the value's position. */
int kpi__config_number(const kpi_config *cfg, const char *section, const char *key, const char *env, double lo,
                       double hi, const char *what, double *out, kpi_error *err);

/* Whether `key` is one of the config file's own top-level keys (the others
 * are sources' sections, model/config.c). */
bool kpi__config_own_key(const char *key);

/* Query parameters by name (model/params.c): check a definition's "params"
 * object; where a parameter's value comes from ("window.from", ...; NULL
 * when the catalogue does not say); its value as text for a window. */
int kpi__params_check(const kpi__jsondoc *doc, const json_t *params, kpi_error *err);
const char *kpi__param_origin(const kpi_def *def, const char *name);
int kpi__param_value(char *buf, size_t size, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                     const char *name, const kpi_window *w, kpi_error *err);

/* A duration of the config or catalogue: whole seconds, or "90s", "15m",
 * "1h", "7d", or "0" (model/rules.c). 0, or -1 when malformed or negative. */
int kpi__duration_parse(int64_t *out, const json_t *v);

/* Whether a definition has an alarm rule ("alarm"; kpi_alarm_rule_of()). */
bool kpi__has_alarm_rule(const kpi_def *def);

/* Put variant `name` of `d` ("variants" of its catalogue entry) in force:
 * `d` is parsed again from the entry with the variant's keys on top. */
int kpi__catalog_select_variant(kpi_catalog *cat, kpi_def *d, const char *name, kpi_error *err);

/* Free the contents of one definition (model/defs.c). */
void kpi__def_release(kpi_def *d);
/* Does the catalogue know `value` for label `name` of `def`? True for a
 * label that lists no values (open-ended); false for a label `def` does not
 * have, or a value its label does not list: then `listed`, when not NULL,
 * gets the values it lists ("legacy, owned"; nothing for an unknown label).
 * A mistyped value would make a waiver or a silence that never matches. */
bool kpi__def_label_value_known(const kpi_def *def, const char *name, const char *value, kpi_buf *listed);

/* A deep copy of a catalogue (definitions, labels, thresholds, `raw`): of
 * the definitions for which `keep` (when not NULL) returns true. */
int kpi__catalog_dup(kpi_catalog **out, const kpi_catalog *cat, bool (*keep)(const kpi_def *, const void *),
                     const void *ctx, kpi_error *err);

/* Series helpers. */
void kpi__series_release(kpi_series *s);
/* kpi_row_labels_format() with `sep` between the labels ("a=x · b=y" for
 * people); `s` may be NULL (no labels). @return buf. */
char *kpi__row_labels_join(char *buf, size_t size, const kpi_series *s, const kpi_row *row, const char *sep);
int kpi__series_init(kpi_series *s, const kpi_def *def, kpi_error *err);
/* A source's row of week `wi` of `w`: its period, partial when it is the
 * window's last week and that is partial, applicable; the rest untouched. */
void kpi__row_week_period(kpi_row *row, const kpi_window *w, int wi);
/* kpi__row_week_period(), and `row->labels` an array of `nlabels` NULLs
 * (plus the terminating one) for the source to fill. 0 or KPI_ENOMEM. */
int kpi__row_week_init(kpi_row *row, const kpi_window *w, int wi, size_t nlabels, kpi_error *err);

/* The label sets of a series (model/result.c): its rows grouped by their
 * labels in order of first appearance, each with its row of every week of
 * a window, found through a hash of the labels so that grouping n rows is
 * linear in n (the renderer's charts, scorecard and workbook, the snapshot
 * parser's duplicate check). */
typedef struct kpi__lset {
	const kpi_row *first;     /* the set's first row: its labels */
	const kpi_row **week;     /* [nweeks]: its row of each week, NULL where it has none */
} kpi__lset;

typedef struct kpi__lsets {
	kpi__lset *set;
	size_t n;
	size_t *of_row;           /* [s->nrows]: the set of each row; SIZE_MAX outside the window */
	size_t dup_row;           /* 1 + the first row whose week and label set an earlier row had; 0: none */
	const kpi_row **weeks;    /* the sets' week arrays, one allocation */
} kpi__lsets;

/* Group the rows of `s` (may be NULL: no sets) by label set over window
 * `w`; rows of weeks outside it are left out. A week and label set seen
 * twice keeps the first row and records the second in `dup_row`.
 * @return 0 or KPI_ENOMEM (then `out` holds nothing); release with
 * kpi__lsets_release() either way. */
int kpi__lsets_build(kpi__lsets *out, const kpi_series *s, const kpi_window *w);
void kpi__lsets_release(kpi__lsets *ls);

/* The most connections a run may use at once (config database.connections). */
#define KPI_PG_MAX_CONNECTIONS 8

/* Check a snapshot's drill-down lists against their KPIs (the uncovered
 * total and oldest age against uncached_legacy_max_age_days, the mismatch
 * total against routing_mismatch_critical). KPI_ECONTRACT when they differ. */
int kpi__snapshot_check_lists(const kpi_snapshot *snap, kpi_error *err);

/* kpi_snapshot_load() that also gives the file's bytes (`*text`, `*len`:
 * the caller frees; NULL `text`: not kept), for a pack that copies them in
 * unchanged (kpi_pack_render_file(), kpi_reports_render_file()). */
int kpi__snapshot_read(kpi_snapshot **out, char **text, size_t *len, const char *path, kpi_error *err);

/* The statement of what a snapshot did not collect, for the pack's pages and
 * workbook: "CloudWatch not configured: api_error_rate_pct, ...", with
 * `detail` the setting that would collect each group ("(set ...)") and how
 * many of them are gating; "none: ..." when the run collected the whole
 * catalogue, and "not recorded ..." for a format-1 snapshot. With
 * `gating_first` it opens with the count and the gating ones ("6 KPIs. 2 of
 * them are gating: ... . CloudWatch ..."): for a place that may cut the
 * text short (the cover). Returns how many KPIs were not collected (0 for
 * format 1 too). */
size_t kpi__snapshot_not_collected(char *buf, size_t size, const kpi_snapshot *snap, bool detail, bool gating_first);
/* The same listing at most `max_ids` KPI ids, then "… and N more (see the
 * scorecard)" for the rest (SIZE_MAX: every one). */
size_t kpi__snapshot_not_collected_max(char *buf, size_t size, const kpi_snapshot *snap, bool detail,
                                       bool gating_first, size_t max_ids);

/* An older snapshot's GO that did not weigh gating KPIs its run did not
 * collect (format < 3 decided by the rows alone): how many there are, 0 when
 * `v` is not such a verdict; their titles, "A and B", in `list` when it is
 * not NULL. The pack reads such a GO as a hold. */
size_t kpi__go_unweighed(const kpi_snapshot *snap, const kpi_verdict *v, char *list, size_t size);
/* The verdict `v` of `snap` as the pack and its mail show it, wherever a
 * verdict word stands (page header, week chips, PDF title, workbook, mail
 * subject): kpi_verdict_name(), but for a GO kpi__go_unweighed() reads as a
 * hold "GO as recorded, read as HOLD" (`brief`, for a chip: "GO→HOLD").
 * `*read` (when not NULL): the verdict it reads as, for its colour. */
const char *kpi__verdict_shown(const kpi_snapshot *snap, const kpi_verdict *v, bool brief, kpi_verdict_kind *read);

/* snapshot/snapshot_waivers.c: the verdicts of a snapshot (the rows alone
 * for formats 1 and 2; with the KPIs not collected and the waivers from
 * format 3), and the "waivers" section of snapshot.json. */
int kpi__snapshot_verdicts(kpi_verdict **out, const kpi_snapshot *snap, kpi_error *err);
int kpi__snapshot_waivers_write(kpi_buf *out, const kpi_snapshot *snap, kpi_error *err);
int kpi__snapshot_waivers_parse(kpi_snapshot *snap, const kpi__jsondoc *doc, const json_t *root, kpi_error *err);


#endif
