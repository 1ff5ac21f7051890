/*
 * One e-mail over SMTP through libcurl (curl 7.88: the SMTP protocol and
 * the MIME API, curl_mime_*): the message is a multipart/mixed whose first
 * part is a multipart/alternative of the text and the HTML (in that order:
 * readers show the last they can), then one base64 part per file. The
 * top-level headers (From, To, Subject, Date, Message-ID) go through
 * CURLOPT_HTTPHEADER, which for SMTP are the message's headers.
 */
#include "net/smtp.h"
#include "net/http.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static int add_text(curl_mime *alt, const char *data, const char *type)
{
	curl_mimepart *p = curl_mime_addpart(alt);
	if (!p || curl_mime_data(p, data, CURL_ZERO_TERMINATED) != CURLE_OK ||
	    curl_mime_type(p, type) != CURLE_OK || curl_mime_encoder(p, "quoted-printable") != CURLE_OK)
		return -1;
	return 0;
}

static int build(curl_mime **out, CURL *c, const kpi__smtp_msg *m, kpi_error *err)
{
	curl_mime *mime = curl_mime_init(c), *alt = curl_mime_init(c);
	curl_mimepart *p;
	struct curl_slist *inl = NULL;

	*out = mime;
	if (!mime || !alt || add_text(alt, m->text, "text/plain; charset=utf-8") ||
	    add_text(alt, m->html, "text/html; charset=utf-8") || !(p = curl_mime_addpart(mime))) {
		curl_mime_free(alt);
		return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
	}
	/* the part owns `alt` from here */
	if (curl_mime_subparts(p, alt) != CURLE_OK) {
		curl_mime_free(alt);
		return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
	}
	if (curl_mime_type(p, "multipart/alternative") != CURLE_OK ||
	    !(inl = curl_slist_append(NULL, "Content-Disposition: inline")) ||
	    curl_mime_headers(p, inl, 1) != CURLE_OK) {
		curl_slist_free_all(inl);
		return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		const kpi__smtp_file *f = &m->files[i];
		CURLcode rc;
		if (!(p = curl_mime_addpart(mime)))
			return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
		if ((rc = curl_mime_filedata(p, f->path)) != CURLE_OK)
			return kpi_error_set(err, rc == CURLE_READ_ERROR ? KPI_ECONFIG : KPI_ENOMEM,
			                     "%s: cannot attach '%s': %s", m->what, f->path, curl_easy_strerror(rc));
		if (curl_mime_filename(p, f->filename) != CURLE_OK || curl_mime_type(p, f->type) != CURLE_OK ||
		    curl_mime_encoder(p, "base64") != CURLE_OK)
			return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
	}
	return 0;
}

static int classify(CURLcode rc, long reply, const char *what, const char *detail, kpi_error *err)
{
	const char *d = detail && *detail ? detail : curl_easy_strerror(rc);
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		return kpi_error_set(err, KPI_EAUTH, "%s: login refused (reply %ld): %s", what, reply, d);
	case CURLE_USE_SSL_FAILED:
		return kpi_error_set(err, KPI_ECONFIG, "%s: the server does not offer STARTTLS, which is required: %s", what,
		                     d);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return kpi_error_set(err, KPI_ECONFIG, "%s: TLS certificate not trusted: %s", what, d);
	case CURLE_OPERATION_TIMEDOUT:
		return kpi_error_set(err, KPI_ETIMEOUT, "%s: timed out: %s", what, d);
	case CURLE_READ_ERROR:
		return kpi_error_set(err, KPI_ECONFIG, "%s: cannot read an attachment: %s", what, d);
	case CURLE_OUT_OF_MEMORY:
		return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", what);
	default:
		break;
	}
	if (reply >= 500 && reply <= 599)
		return kpi_error_set(err, KPI_EDATA, "%s: refused (reply %ld): %s", what, reply, d);
	if (reply)
		return kpi_error_set(err, KPI_ESOURCE, "%s: failed (reply %ld): %s", what, reply, d);
	return kpi_error_set(err, KPI_ESOURCE, "%s: failed: %s", what, d);
}

int kpi__smtp_send(long *reply, const kpi__smtp_msg *m, kpi_error *err)
{
	CURL *c = NULL;
	curl_mime *mime = NULL;
	struct curl_slist *rcpt = NULL, *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	long timeout = m->timeout_ms > 0 ? m->timeout_ms : 60000;
	CURLcode rc;
	int ret = 0;

	*reply = 0;
	if ((ret = kpi__curl_global(err)))
		return ret;
	if (!(c = curl_easy_init()))
		return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
	for (const char *const *t = m->to; t && *t; t++)
		if (!(rcpt = curl_slist_append(rcpt, *t))) {
			ret = kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
			goto done;
		}
	for (const char *const *h = m->headers; h && *h; h++) {
		struct curl_slist *n = curl_slist_append(hdrs, *h);
		if (!n) {
			ret = kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", m->what);
			goto done;
		}
		hdrs = n;
	}
	if ((ret = build(&mime, c, m, err)))
		goto done;
	curl_easy_setopt(c, CURLOPT_URL, m->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, m->from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	if (m->require_tls)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (m->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, m->ca_file);
	if (m->user)
		curl_easy_setopt(c, CURLOPT_USERNAME, m->user);
	if (m->password)
		curl_easy_setopt(c, CURLOPT_PASSWORD, m->password);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, reply);
	if (rc != CURLE_OK)
		ret = classify(rc, *reply, m->what, errbuf, err);
done:
	curl_mime_free(mime);
	curl_slist_free_all(rcpt);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return ret;
}
