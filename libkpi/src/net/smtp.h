/* One e-mail over SMTP with libcurl's SMTP and MIME API (curl_mime_*):
 * a multipart/mixed of a multipart/alternative (text/plain, text/html) and
 * file attachments. Private to libkpi. Like net/http.h, messages never name
 * the server's URL with credentials or a password: `what` describes it. */
#ifndef KPI_SMTP_H
#define KPI_SMTP_H

#include "core/internal.h"

typedef struct kpi__smtp_file {
	const char *path;          /* read when sent */
	const char *filename;      /* as the reader sees it */
	const char *type;          /* "application/pdf" */
} kpi__smtp_file;

typedef struct kpi__smtp_msg {
	const char *url;           /* smtp://host:port or smtps://host:port */
	bool require_tls;          /* STARTTLS required on smtp:// (CURLUSESSL_ALL) */
	const char *ca_file;       /* CA bundle to trust (CURLOPT_CAINFO); NULL: the system's */
	const char *user, *password; /* AUTH; NULL: none */
	const char *from;          /* envelope sender (MAIL FROM) */
	const char *const *to;     /* envelope recipients, NULL-terminated */
	const char *const *headers; /* "From: ...", "To: ...", "Subject: ...", "Date: ...",
	                               "Message-ID: ...", NULL-terminated */
	const char *text, *html;   /* the two alternatives */
	const kpi__smtp_file *files;
	size_t nfiles;
	long timeout_ms;           /* whole transfer; 0 = 60000 */
	const char *what;          /* secret-free description for messages */
} kpi__smtp_msg;

/* Send `m`. *reply gets the server's last SMTP reply code (0 when none
 * came). Returns 0 when the server accepted the message; KPI_ETIMEOUT,
 * KPI_ESOURCE (unreachable, refused, connection lost, a 4xx reply: worth
 * another try), KPI_EAUTH (login refused), KPI_ECONFIG (TLS required but
 * not offered, a certificate not trusted, an attachment that cannot be
 * read), KPI_EDATA (a 5xx reply: refused for good), KPI_ENOMEM. */
int kpi__smtp_send(long *reply, const kpi__smtp_msg *m, kpi_error *err);

#endif
