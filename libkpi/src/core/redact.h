/*
 * Redaction: the one path every string takes before it leaves the process
 * or reaches disk (core/redact.c). Private to libkpi.
 *
 * A set holds the secrets a run knows and the meaningful parts of each:
 *  - a value (a token, a key, a password): itself and the forms it takes
 *    when echoed back (JSON-escaped, percent-encoded);
 *  - a URL whose whole is a secret (a Slack or webhook URL): the URL, its
 *    path with the query, each path segment, query value and userinfo part
 *    that is meaningful (below), and base64(user:password) of its userinfo;
 *  - basic-auth credentials: the password and base64(user:password), the
 *    Authorization header's credentials.
 *
 * Meaningful: at least KPI__REDACT_MIN (8) characters, and not an ordinary
 * word (only lower-case letters, '-', '_' and '.', shorter than 20: "hooks",
 * "services", "incoming-webhook", "v1"). Eight because real secrets are
 * longer (AWS key ids 20, secret keys 40, PagerDuty routing keys 32, Slack
 * ids 9 to 11 and their tokens 24), because a shorter value cannot be told
 * from ordinary text ("test" would be cut out of every message that says
 * test), and because a part that short gives an attacker little. A secret
 * shorter than that is not redacted at all (docs/configuration.md says so).
 *
 * Every match is replaced by KPI__REDACTED. Messages cut to a buffer's size
 * may end in the first part of a secret: kpi__redact_str() and
 * kpi__redact_json() also redact a tail that is the first 8 or more
 * characters of a token, key, password or URL part.
 *
 * A set is shared (reference counted) by the configuration that gathered it
 * and the log; adding and applying are safe from several threads.
 */
#ifndef KPI_CORE_REDACT_H
#define KPI_CORE_REDACT_H

#include "core/internal.h"

#define KPI__REDACTED "[redacted]"
#define KPI__REDACT_MIN 8

typedef struct kpi__redact kpi__redact;

/* A new, empty set with one reference; NULL when out of memory. */
kpi__redact *kpi__redact_new(void);
/* Another reference to `r` (NULL stays NULL); returns r. */
kpi__redact *kpi__redact_ref(kpi__redact *r);
/* Drop a reference; the last one wipes the secrets and frees. Accepts NULL. */
void kpi__redact_unref(kpi__redact *r);

/* Add a secret and its meaningful parts: a URL ("scheme://...") as a URL,
 * anything else as a value. NULL, "" and values too short to tell from
 * ordinary text are ignored; `r` NULL too. 0 or KPI_ENOMEM. */
int kpi__redact_add(kpi__redact *r, const char *secret);
/* Add basic-auth credentials: `password` and base64(user:password). */
int kpi__redact_add_basic(kpi__redact *r, const char *user, const char *password);

/* How many strings the set redacts (parts and forms included). */
size_t kpi__redact_count(const kpi__redact *r);

/* Redact `s` in place, a NUL-terminated string in a buffer of `size`
 * bytes (a message: its tail too; cut to fit when "[redacted]" is longer
 * than what it replaces). `r` NULL: nothing. Returns s. */
char *kpi__redact_str(const kpi__redact *r, char *s, size_t size);
/* Redact the message of `err` (accepts NULL). */
void kpi__redact_error(const kpi__redact *r, kpi_error *err);
/* Redact a whole text (a document: every occurrence, no tail rule). 0 or
 * KPI_ENOMEM (the buffer is then unchanged). */
int kpi__redact_buf(const kpi__redact *r, kpi_buf *b);
/* Redact a message in a buffer (as kpi__redact_str(), never cut). */
int kpi__redact_msg(const kpi__redact *r, kpi_buf *b);
/* Redact every string value of a JSON value, recursively, in place (as
 * messages: their tails too). Keys are left as they are. */
void kpi__redact_json(const kpi__redact *r, json_t *v);

/* The set of a configuration (model/config.c): gathered when it was
 * loaded, added to by whoever resolves a secret later. NULL for NULL. */
kpi__redact *kpi__config_redact(const kpi_config *cfg);

/* The set every log line and kpi_log_redact() apply (core/log.c): the log
 * takes a reference of its own and drops the one it held; NULL: none. */
void kpi__log_redact_set(kpi__redact *r);

/* The lowest level the log writes from now on, whatever kpi_log_setup()
 * says later (the configuration's KPI_LOG_LEVEL); -1: kpi_log_setup's. */
void kpi__log_level_force(int level);

#endif
