#include "net/http.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void init_curl(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct sink {
	kpi_buf *buf;
	size_t max;
	bool overflow;
	bool oom;
} sink;

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
	sink *s = ud;
	size_t len = size * n;
	if (s->buf->len + len > s->max) {
		s->overflow = true;
		return 0;
	}
	if (kpi_buf_append(s->buf, ptr, len)) {
		s->oom = true;
		return 0;
	}
	return len;
}

static size_t on_header(char *ptr, size_t size, size_t n, void *ud)
{
	kpi_buf *h = ud;
	size_t len = size * n;
	/* A new status line (after a 100 Continue or a redirect) starts over. */
	if (len > 5 && strncmp(ptr, "HTTP/", 5) == 0)
		h->len = 0;
	return kpi_buf_append(h, ptr, len) ? 0 : len;
}

int kpi__curl_global(kpi_error *err)
{
	pthread_once(&curl_once, init_curl);
	if (curl_init_rc != CURLE_OK)
		return kpi_error_set(err, KPI_ERROR, "libcurl initialisation failed: %s", curl_easy_strerror(curl_init_rc));
	return 0;
}

bool kpi__http_retryable(long status)
{
	return status == 429 || (status >= 500 && status <= 599);
}

int kpi__http_gave_up(kpi_error *err, const kpi_error *last, const kpi__http_resp *resp, const char *what,
                      const char *server, int attempts, double seconds, double deadline_s)
{
	const char *detail = last->message;
	size_t n = strlen(what);
	if (strncmp(detail, what, n) == 0 && strncmp(detail + n, ": ", 2) == 0)
		detail += n + 2;
	if (resp->unreachable)
		return kpi_error_set(err, KPI_ESOURCE, "%s: %s cannot be reached: %s (%d attempt%s in %.1f s, deadline %g s)",
		                     what, server, detail, attempts, attempts == 1 ? "" : "s", seconds, deadline_s);
	return kpi_error_set(err, KPI_ETIMEOUT, "%s: gave up after %d attempt%s in %.1f s (deadline %g s): %s", what,
	                     attempts, attempts == 1 ? "" : "s", seconds, deadline_s, detail);
}

int kpi__http_do(kpi__http_resp *resp, const kpi__http_req *req, kpi_error *err)
{
	CURL *c = NULL;
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *what = req->what ? req->what : "HTTP request";
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : 30000;
	long ctimeout = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : (timeout < 10000 ? timeout : 10000);
	sink body = { &resp->body, req->max_response ? req->max_response : KPI__HTTP_MAX_RESPONSE, false, false };
	CURLcode cc;
	int rc = 0;

	resp->status = 0;
	resp->unreachable = false;
	resp->body.len = 0;
	resp->headers.len = 0;
	pthread_once(&curl_once, init_curl);
	if (curl_init_rc != CURLE_OK)
		return kpi_error_set(err, KPI_ESOURCE, "%s: cannot initialise libcurl: %s", what,
		                     curl_easy_strerror(curl_init_rc));
	if (!(c = curl_easy_init()))
		return kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", what);
	for (const char *const *h = req->headers; h && *h; h++) {
		struct curl_slist *n = curl_slist_append(hdrs, *h);
		if (!n) {
			rc = kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", what);
			goto done;
		}
		hdrs = n;
	}
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ctimeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	/* An announced Content-Length above the cap stops before any byte is read. */
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)body.max);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp->headers);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kpi/" KPI_VERSION_STRING);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	/* Redirects could carry a signed request or a secret elsewhere: never follow. */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (req->body || (req->method && strcmp(req->method, "POST") == 0)) {
		/* POSTFIELDS (not a read callback): SigV4 hashes this body (docs/dependencies.md). */
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
	}
	if (req->method && strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->sigv4) {
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, req->sigv4);
		curl_easy_setopt(c, CURLOPT_USERNAME, req->aws_access_key ? req->aws_access_key : "");
		curl_easy_setopt(c, CURLOPT_PASSWORD, req->aws_secret_key ? req->aws_secret_key : "");
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &resp->seconds);
	if (cc == CURLE_OK) {
		if (kpi_buf_puts(&resp->body, "") || kpi_buf_puts(&resp->headers, ""))
			rc = kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", what);
	} else if ((cc == CURLE_WRITE_ERROR && body.overflow) || cc == CURLE_FILESIZE_EXCEEDED) {
		/* Its own code: asking again would only bring the same answer. */
		rc = kpi_error_set(err, KPI_EDATA, "%s: malformed answer: larger than %zu bytes", what, body.max);
	} else if (body.oom) {
		rc = kpi_error_set(err, KPI_ENOMEM, "%s: out of memory", what);
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		rc = kpi_error_set(err, KPI_ETIMEOUT, "%s: no complete answer within %ld ms", what, timeout);
	} else {
		resp->unreachable = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
		                    cc == CURLE_COULDNT_RESOLVE_PROXY;
		/* curl's messages can quote the host but not the path or query. */
		rc = kpi_error_set(err, KPI_ESOURCE, "%s: %s", what, errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
done:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}

const char *kpi__http_header(const kpi__http_resp *resp, const char *name, char *buf, size_t size)
{
	const char *p = resp->headers.data;
	size_t nlen = strlen(name);
	if (!p || size == 0)
		return NULL;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			const char *v = p + nlen + 1, *e = p + len;
			size_t n;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
				e--;
			n = (size_t)(e - v) < size - 1 ? (size_t)(e - v) : size - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return buf;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return NULL;
}

void kpi__http_resp_release(kpi__http_resp *resp)
{
	kpi_buf_release(&resp->body);
	kpi_buf_release(&resp->headers);
}
