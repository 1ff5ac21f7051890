/**
 * @file deliver.h
 * @brief Delivery of an installed pack (`kpi deliver DIR`, `kpi pack
 *        --deliver`): e-mail over SMTP, Slack (files upload v2), a webhook,
 *        when the pack's content (all but how and when the data was read)
 *        is not what the recipient was last sent for the week, through an
 *        outbox.
 *
 * The recipients are the config file's `delivery.recipients`; their secrets
 * come only from the environment (docs/configuration.md, "Delivery").
 */
#ifndef KPI_DELIVER_H
#define KPI_DELIVER_H

#include "buf.h"
#include "common.h"
#include "config.h"
#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What happened to one recipient in a run. */
typedef enum kpi_deliver_state {
	KPI_DELIVER_SENT = 0,      /**< delivered by this run */
	KPI_DELIVER_ALREADY,       /**< delivered before: nothing sent */
	KPI_DELIVER_RETRY,         /**< failed, tried again by a later run (next_attempt) */
	KPI_DELIVER_WAITING,       /**< an earlier failure's backoff is not over: not tried */
	KPI_DELIVER_FAILED         /**< failed for good (4xx other than 429, attempts used up):
	                                reported, not tried again until resent */
} kpi_deliver_state;

/** "sent", "already delivered", "retry", "waiting", "failed". */
KPI_EXTERN const char *kpi_deliver_state_name(kpi_deliver_state s);

/** One recipient's outcome. */
typedef struct kpi_deliver_item {
	char *recipient;          /**< its name in delivery.recipients */
	char *kind;               /**< "email", "slack", "webhook" */
	kpi_deliver_state state;
	int attempts;             /**< attempts so far for this pack's content */
	int64_t next_attempt;     /**< KPI_DELIVER_RETRY / WAITING: not before (UTC seconds) */
	char *detail;             /**< the last attempt's outcome, secret-free; "" */
} kpi_deliver_item;

/** The outcome of a run. */
typedef struct kpi_deliver_report {
	char manifest_sha256[65]; /**< SHA-256 of the pack's manifest.json */
	char week[16];            /**< "2026-W46" */
	char verdict[8];          /**< "GO", "HOLD", "NO-GO" */
	char *state_dir;          /**< where the outbox is (delivery.json) */
	kpi_deliver_item *items;  /**< in the order of delivery.recipients */
	size_t nitems;
	size_t retry;             /**< items in RETRY or WAITING */
	size_t failed;            /**< items FAILED */
	char content_sha256[65];  /**< the pack's content digest, what the outbox is keyed by: its
	                               manifest and snapshot but the read time and provenance
	                               (a pack of unchanged data made again has the same) */
} kpi_deliver_report;

/** Options of kpi_deliver(). */
typedef struct kpi_deliver_opts {
	/** the state directory of the outbox; NULL: $KPI_STATE_DIR, delivery.state_dir,
	 *  $XDG_STATE_HOME/kpi, ~/.local/state/kpi */
	const char *state_dir;
	/** recipients whose outbox entry for this pack's content is forgotten first, so
	 *  they are sent again ("all": every one); NULL-terminated, or NULL */
	const char *const *resend;
} kpi_deliver_opts;

#define KPI_DELIVER_OPTS_INIT { NULL, NULL }

/**
 * The pack's summary from its snapshot: the verdict, the week, the reasons,
 * what was not measured, and where the files are.
 * @param[out] text plain text (appended; caller releases)
 * @param[out] html the same as an HTML fragment, escaped (appended; may be NULL)
 * @param snap the pack's snapshot
 * @param where the pack's place as the reader sees it: a URL
 *        (delivery.link_base + the pack's folder name) or a path
 * @param manifest_sha256 the pack's manifest SHA-256, or NULL
 * @return 0, KPI_ENOMEM, KPI_EDATA (a snapshot with no week)
 */
KPI_EXTERN int kpi_deliver_summary(kpi_buf *text, kpi_buf *html, const kpi_snapshot *snap, const char *where,
                                   const char *manifest_sha256, kpi_error *err);

/** "Rollout go/no-go 2026-W46: GO" into buf (the e-mail subject). */
KPI_EXTERN char *kpi_deliver_subject(char *buf, size_t size, const kpi_snapshot *snap);

/**
 * Deliver the installed pack `dir` to every recipient of the configuration
 * whose last delivery for the pack's week (queued or delivered) had another
 * content (kpi_deliver_report.content_sha256: a pack of unchanged data made
 * again, whose read time and provenance alone differ, is not sent again;
 * any other change is, and so is a return to content sent before another). The pack must pass kpi_pack_verify()
 * first (what is sent is what the manifest lists). Takes the outbox's lock,
 * tries each due recipient once, saves the outbox atomically after each.
 * @param[out] out the report (also on KPI_OK with failures: see its
 *             counts); free with kpi_deliver_report_free()
 * @return 0 when the run went through (whatever each recipient's outcome);
 *         KPI_ECONFIG (no recipients, a bad delivery section, an unset
 *         secret variable), KPI_EDATA (a pack that fails verification, a
 *         corrupted outbox: moved aside), KPI_ETIMEOUT (the lock held by
 *         another run), KPI_EIO, KPI_ENOMEM
 */
KPI_EXTERN int kpi_deliver(kpi_deliver_report **out, const char *dir, const kpi_config *cfg,
                           const kpi_deliver_opts *opts, kpi_error *err);

/** Free a report. Accepts NULL. */
KPI_EXTERN void kpi_deliver_report_free(kpi_deliver_report *r);

/** Check the config's delivery section the way kpi_deliver() reads it,
 *  before any pack is made (`kpi pack --deliver`). @return 0, or
 *  KPI_ECONFIG naming what is missing or wrong. */
KPI_EXTERN int kpi_deliver_config_check(const kpi_config *cfg, kpi_error *err);

#ifdef __cplusplus
}
#endif
#endif
