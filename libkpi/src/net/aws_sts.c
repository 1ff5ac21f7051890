/* STS AssumeRole and AssumeRoleWithWebIdentity (aws_sts.h). */
#include "net/aws_sts.h"
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* libxml2 sets up its globals once, before any thread parses (its docs). */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

/* libxml2's error handlers that print nothing: a malformed answer is
 * reported by the caller as one line (KPI_EDATA). */
static void xml_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void xml_silent_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

/* Parse without touching the network (no DTD, no external entity) and
 * without printing: the library never writes to stderr. XML_PARSE_NOERROR
 * does not reach the encoding layer of libxml2 2.9 (an STS answer in
 * UTF-16 with a broken surrogate printed "encoding error : input
 * conversion failed" lines; tests/fuzz/regressions/credentials/), so the
 * handlers are set too; libxml2 keeps them per thread. */
static xmlDocPtr xml_read(const char *xml, size_t len)
{
	pthread_once(&xml_once, xml_init);
	if (!xml || len == 0 || len > 1 << 20)
		return NULL;
	xmlSetGenericErrorFunc(NULL, xml_silent);
	xmlSetStructuredErrorFunc(NULL, xml_silent_structured);
	return xmlReadMemory(xml, (int)len, "sts.xml", NULL,
	                     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
}

/* The first element child of `n` with local name `name` (any namespace). */
static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* The first element named `name` below `n`, depth first. */
static xmlNodePtr find(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
		xmlNodePtr f;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)c->name, name) == 0)
			return c;
		if ((f = find(c, name)))
			return f;
	}
	return NULL;
}

/* The text of an element as a malloc'd string (never libxml2's allocator),
 * its libxml2 copy wiped. NULL when absent or empty. */
static char *text_of(xmlNodePtr n)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	char *s = NULL;
	if (t) {
		if (*t)
			s = strdup((const char *)t);
		for (volatile xmlChar *p = t; *p; p++)
			*p = 0;
		xmlFree(t);
	}
	return s;
}

void kpi__aws_sts_error(const char *xml, size_t len, char *code, size_t csize, char *msg, size_t msize)
{
	xmlDocPtr doc = xml_read(xml, len);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	char *c = text_of(find(root, "Code")), *m = text_of(find(root, "Message"));

	snprintf(code, csize, "%s", c ? c : "");
	snprintf(msg, msize, "%s", m ? m : "");
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	for (char *p = code; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	free(c);
	free(m);
	xmlFreeDoc(doc);
}

int kpi__aws_sts_parse(kpi__aws_keys *out, const char *xml, size_t len, const char *action, int64_t now,
                       kpi_error *err)
{
	char resp_name[64], result_name[64], what[96], *exp = NULL;
	xmlDocPtr doc = xml_read(xml, len);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL, creds;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	snprintf(resp_name, sizeof(resp_name), "%sResponse", action);
	snprintf(result_name, sizeof(result_name), "%sResult", action);
	snprintf(what, sizeof(what), "STS %s answer", action);
	if (!root) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed %s: not XML", what);
		goto done;
	}
	if (strcmp((const char *)root->name, resp_name) != 0) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed %s: <%.40s> instead of <%s>", what, (const char *)root->name,
		                   resp_name);
		goto done;
	}
	if (!(creds = child(child(root, result_name), "Credentials"))) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed %s: no %s/Credentials", what, result_name);
		goto done;
	}
	out->access_key = text_of(child(creds, "AccessKeyId"));
	out->secret_key = text_of(child(creds, "SecretAccessKey"));
	out->session_token = text_of(child(creds, "SessionToken"));
	exp = text_of(child(creds, "Expiration"));
	if (!out->access_key || !out->secret_key || !out->session_token || !exp) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed %s: Credentials without %s", what,
		                   !out->access_key   ? "AccessKeyId"
		                   : !out->secret_key ? "SecretAccessKey"
		                   : !out->session_token ? "SessionToken"
		                                         : "Expiration");
		goto done;
	}
	if (strpbrk(out->access_key, "\r\n") || strpbrk(out->secret_key, "\r\n") || strpbrk(out->session_token, "\r\n")) {
		rc = kpi_error_set(err, KPI_EDATA, "malformed %s: a credential holds a line break", what);
		goto done;
	}
	if ((rc = kpi__aws_expiry_parse(&out->expires, exp, what, err)))
		goto done;
	out->received = now;
done:
	free(exp);
	xmlFreeDoc(doc);
	if (rc)
		kpi__aws_keys_release(out);
	return rc;
}

/* name=value for a form body, the value percent-encoded (all but the
 * unreserved characters). */
static void form(kpi_buf *b, const char *name, const char *value)
{
	char *v = g_uri_escape_string(value, NULL, FALSE);
	kpi_buf_printf(b, "&%s=%s", name, v ? v : "");
	if (v) {
		for (volatile char *p = v; *p; p++)
			*p = 0;
		g_free(v);
	}
}

/* Throttling and the web identity provider's hiccups come as HTTP 400. */
static bool sts_again(const kpi__http_resp *resp)
{
	char code[64], msg[8];
	if (resp->status != 400)
		return false;
	kpi__aws_sts_error(resp->body.data, resp->body.len, code, sizeof(code), msg, sizeof(msg));
	return strcmp(code, "Throttling") == 0 || strcmp(code, "IDPCommunicationError") == 0;
}

/* The codes that mean "you may not have these credentials". */
static bool refused(const char *code)
{
	static const char *const codes[] = { "AccessDenied", "InvalidIdentityToken", "ExpiredTokenException",
		                             "ExpiredToken", "IDPRejectedClaim", "InvalidClientTokenId",
		                             "SignatureDoesNotMatch", "RegionDisabledException",
		                             "IncompleteSignature", "InvalidAuthorizationMessageException", NULL };
	for (const char *const *c = codes; *c; c++)
		if (strcmp(code, *c) == 0)
			return true;
	return false;
}

static int call(kpi__aws_keys *out, const kpi__aws_sts_req *r, const char *action, kpi_buf *body,
                const kpi__aws_keys *source, kpi_error *err)
{
	kpi__http_resp resp = KPI__HTTP_RESP_INIT;
	kpi__http_req req = { 0 };
	char url[600], sigv4[128], what[700], code[128], msg[400], *tok = NULL;
	const char *headers[3] = { "Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL, NULL };
	int rc;

	snprintf(url, sizeof(url), "%s/", r->endpoint);
	snprintf(what, sizeof(what), "STS %s (%s)", action, r->endpoint);
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.body = body->data;
	req.body_len = body->len;
	req.timeout_ms = 10000;
	req.what = what;
	req.max_response = 1 << 20;
	if (source) {
		snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:sts", r->region);
		req.sigv4 = sigv4;
		req.aws_access_key = source->access_key;
		req.aws_secret_key = source->secret_key;
		if (source->session_token) {
			size_t n = strlen(source->session_token) + 32;
			if (!(tok = malloc(n)))
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			snprintf(tok, n, "x-amz-security-token: %s", source->session_token);
			headers[1] = tok;
		}
	}
	if ((rc = kpi__aws_http_retry(&resp, &req, 3, sts_again, err)))
		goto done;
	if (resp.status == 200) {
		if ((rc = kpi__aws_sts_parse(out, resp.body.data, resp.body.len, action, (int64_t)time(NULL), err)))
			kpi_error_wrap(err, "%s", what);
		goto done;
	}
	kpi__aws_sts_error(resp.body.data, resp.body.len, code, sizeof(code), msg, sizeof(msg));
	/* refused: authentication; a parameter the role does not take (a
	 * duration over its maximum, a malformed ARN): configuration */
	rc = resp.status == 403 || refused(code) ? KPI_EAUTH : resp.status == 400 ? KPI_ECONFIG : KPI_ESOURCE;
	kpi_error_set(err, rc, "%s: HTTP %ld%s%s%s%s", what, resp.status, code[0] ? " " : "", code, msg[0] ? ": " : "",
	              msg);
done:
	if (resp.body.data)
		memset(resp.body.data, 0, resp.body.len);
	kpi__http_resp_release(&resp);
	kpi__aws_wipe_free(tok);
	return rc;
}

static void common(kpi_buf *b, const char *action, const kpi__aws_sts_req *r)
{
	kpi_buf_printf(b, "Action=%s&Version=2011-06-15", action);
	form(b, "RoleArn", r->role_arn);
	form(b, "RoleSessionName", r->session_name);
	if (r->duration_s > 0)
		kpi_buf_printf(b, "&DurationSeconds=%d", r->duration_s);
}

static void wipe_buf(kpi_buf *b)
{
	if (b->data)
		memset(b->data, 0, b->len);
	kpi_buf_release(b);
}

int kpi__aws_sts_assume_role(kpi__aws_keys *out, const kpi__aws_sts_req *r, const kpi__aws_keys *source,
                             kpi_error *err)
{
	kpi_buf b = KPI_BUF_INIT;
	int rc;

	common(&b, "AssumeRole", r);
	if (r->external_id)
		form(&b, "ExternalId", r->external_id);
	rc = call(out, r, "AssumeRole", &b, source, err);
	wipe_buf(&b);
	return rc;
}

int kpi__aws_sts_web_identity(kpi__aws_keys *out, const kpi__aws_sts_req *r, const char *token_file,
                              kpi__aws_secrets *secrets, kpi_error *err)
{
	kpi_buf b = KPI_BUF_INIT;
	char *token = NULL, *t, *e;
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kpi__read_file(&token, &len, token_file, err)) {
		if (err)
			err->code = KPI_ECONFIG;
		return kpi_error_wrap(err, "the web identity token file");
	}
	for (t = token; *t == ' ' || *t == '\t' || *t == '\n' || *t == '\r'; t++)
		;
	for (e = t + strlen(t); e > t && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'); e--)
		;
	*e = '\0';
	if (!*t || memchr(token, '\0', len) || len > 64 * 1024) {
		rc = kpi_error_set(err, KPI_ECONFIG, "the web identity token file '%s' is %s", token_file,
		                   !*t ? "empty" : "not one token (a NUL, or larger than 64 KiB)");
		goto done;
	}
	if ((rc = kpi__aws_secrets_add(secrets, t))) {
		kpi_error_set(err, rc, "cannot keep the web identity token for redaction");
		goto done;
	}
	common(&b, "AssumeRoleWithWebIdentity", r);
	form(&b, "WebIdentityToken", t);
	rc = call(out, r, "AssumeRoleWithWebIdentity", &b, NULL, err);
done:
	wipe_buf(&b);
	if (token)
		memset(token, 0, len);
	free(token);
	return rc;
}
