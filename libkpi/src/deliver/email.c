/*
 * E-mail recipient: the pack over SMTP (net/smtp.c: libcurl's SMTP and MIME
 * API). smtp_url is smtp://host:port (STARTTLS required unless "starttls":
 * false) or smtps://host:port (TLS from the start); AUTH with the user and
 * password from the variables username_env and password_env name; ca_file
 * a CA bundle to trust beside (instead of) the system's.
 *
 * The message: From, To, Subject "Rollout go/no-go 2026-W46: GO", Date,
 * Message-ID (the same on every retry: the outbox key); a
 * multipart/alternative summary (text and HTML) and the PDF and XLSX.
 * A 4xx reply, a broken connection or a timeout is retried; a 5xx reply,
 * a refused login or an untrusted certificate is permanent.
 */
#include "deliver/deliver_internal.h"
#include "net/smtp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keys[] = { "smtp_url", "from", "to", "starttls", "username_env", "password_env", "ca_file",
	                            NULL };

typedef struct email_state {
	char *url;
	char *from;
	char **to;        /* NULL-terminated */
	bool starttls;
	char *user;       /* from the environment; NULL: no AUTH */
	char *password;   /* secret */
	char *ca_file;
} email_state;

static void state_free(void *state)
{
	email_state *s = state;
	if (!s)
		return;
	free(s->url);
	free(s->from);
	for (char **t = s->to; t && *t; t++)
		free(*t);
	free(s->to);
	kpi__sink_wipe(s->user);
	kpi__sink_wipe(s->password);
	free(s->ca_file);
	free(s);
}

/* An address as the config gives it: no CR, LF, comma or angle brackets
 * (a header cannot be smuggled in), one @. */
static bool address_ok(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;
	return at && at != a && at[1] && !strchr(at + 1, '@') && !strpbrk(a, "\r\n,<> \t\"");
}

static int parse(void **state, const kpi__sink_parse *p, kpi_error *err)
{
	email_state *s = calloc(1, sizeof(*s));
	json_t *v, *x;
	size_t i;
	int rc;

	if (!(*state = s))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	v = json_object_get(p->obj, "smtp_url");
	if (!json_is_string(v) ||
	    (strncmp(json_string_value(v), "smtp://", 7) != 0 && strncmp(json_string_value(v), "smtps://", 8) != 0))
		return kpi__jsondoc_error(p->doc, v ? v : p->obj, err, KPI_ECONFIG,
		                          "delivery recipient '%s' (email): smtp_url must be smtp://HOST:PORT (STARTTLS) "
		                          "or smtps://HOST:PORT",
		                          p->name);
	if (strchr(json_string_value(v), '@'))
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
		                          "delivery recipient '%s' (email): a user:password@ in smtp_url would put a secret in "
		                          "the config file; name the variables in username_env and password_env",
		                          p->name);
	s->url = strdup(json_string_value(v));
	v = json_object_get(p->obj, "from");
	if (!address_ok(json_string_value(v)))
		return kpi__jsondoc_error(p->doc, v ? v : p->obj, err, KPI_ECONFIG,
		                          "delivery recipient '%s' (email): from must be one address (kpi@example.org)",
		                          p->name);
	s->from = strdup(json_string_value(v));
	v = json_object_get(p->obj, "to");
	if (json_is_string(v))
		v = json_pack("[O]", v);
	else
		json_incref(v);
	if (!json_is_array(v) || !json_array_size(v)) {
		rc = kpi__jsondoc_error(p->doc, json_object_get(p->obj, "to") ? json_object_get(p->obj, "to") : p->obj, err,
		                        KPI_ECONFIG, "delivery recipient '%s' (email): to must be an address or a list of them",
		                        p->name);
		json_decref(v);
		return rc;
	}
	s->to = calloc(json_array_size(v) + 1, sizeof(*s->to));
	json_array_foreach(v, i, x) {
		if (!address_ok(json_string_value(x))) {
			rc = kpi__jsondoc_error(p->doc, json_object_get(p->obj, "to"), err, KPI_ECONFIG,
			                        "delivery recipient '%s' (email): to[%zu] is not an address", p->name, i);
			json_decref(v);
			return rc;
		}
		if (s->to)
			s->to[i] = strdup(json_string_value(x));
	}
	json_decref(v);
	v = json_object_get(p->obj, "starttls");
	if (v && !json_is_boolean(v))
		return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
		                          "delivery recipient '%s' (email): starttls must be true or false", p->name);
	s->starttls = v ? json_is_true(v) : true;
	if (json_object_get(p->obj, "username_env") &&
	    (rc = kpi__sink_secret_env(&s->user, p, "username_env", "SMTP user name", err)))
		return rc;
	if (json_object_get(p->obj, "password_env") &&
	    (rc = kpi__sink_secret_env(&s->password, p, "password_env", "SMTP password", err)))
		return rc;
	if (!s->user != !s->password)
		return kpi__jsondoc_error(p->doc, p->obj, err, KPI_ECONFIG,
		                          "delivery recipient '%s' (email): AUTH needs both username_env and password_env",
		                          p->name);
	if ((v = json_object_get(p->obj, "ca_file"))) {
		if (!json_is_string(v) || !json_string_length(v))
			return kpi__jsondoc_error(p->doc, v, err, KPI_ECONFIG,
			                          "delivery recipient '%s' (email): ca_file must be a path", p->name);
		s->ca_file = kpi__path_relative(p->st->cfg ? p->st->cfg->path : NULL, json_string_value(v));
	}
	if (!s->url || !s->from || !s->to || ((v = json_object_get(p->obj, "ca_file")) && !s->ca_file))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}

static void where(char *buf, size_t size, const void *state)
{
	const email_state *s = state;
	snprintf(buf, size, "%s%s", s->url, s->starttls && strncmp(s->url, "smtp://", 7) == 0 ? " (STARTTLS)" : "");
}

/* Lines end in CRLF in a message body: quoted-printable keeps them as line
 * breaks (a bare LF would be encoded as =0A). */
static void crlf(kpi_buf *b, const char *s)
{
	for (const char *start = s; *s; s++) {
		if (*s == '\n' && (s == start || s[-1] != '\r'))
			kpi_buf_append(b, "\r", 1);
		kpi_buf_append(b, s, 1);
	}
}

static void deliver(kpi__send_result *res, const kpi__sink *sk, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	const email_state *s = sk->state;
	const json_t *files = json_object_get(n, "files");
	kpi_buf to = KPI_BUF_INIT, text = KPI_BUF_INIT, html = KPI_BUF_INIT;
	char h_from[600], h_subject[400], h_date[100], h_msgid[400], what[200];
	const char *headers[7];
	kpi__smtp_file att[2];
	size_t natt = 0, nh = 0;
	kpi__smtp_msg m = { 0 };
	kpi_error err = KPI_ERROR_INIT;
	long reply = 0;
	int rc;

	kpi_buf_puts(&to, "To: ");
	for (size_t i = 0; s->to[i]; i++)
		kpi_buf_printf(&to, "%s%s", i ? ", " : "", s->to[i]);
	snprintf(h_from, sizeof(h_from), "From: %s", s->from);
	snprintf(h_subject, sizeof(h_subject), "Subject: %s", kpi__nstr(n, "subject"));
	snprintf(h_date, sizeof(h_date), "Date: %s", kpi__nstr(n, "date"));
	/* the outbox key "SHA256:recipient" as a msg-id's left part (dot-atom: no ':') */
	snprintf(h_msgid, sizeof(h_msgid), "Message-ID: <%s@kpi>", idem);
	for (char *c = h_msgid + 13; *c; c++)
		if (*c == ':')
			*c = '.';
	headers[nh++] = h_from;
	headers[nh++] = to.data ? to.data : "To:";
	headers[nh++] = h_subject;
	headers[nh++] = h_date;
	headers[nh++] = h_msgid;
	headers[nh] = NULL;
	if (json_string_value(json_object_get(files, "pdf")))
		att[natt++] = (kpi__smtp_file){ json_string_value(json_object_get(files, "pdf")),
			                        kpi__nstr(files, "pdf_name"), "application/pdf" };
	if (json_string_value(json_object_get(files, "xlsx")))
		att[natt++] = (kpi__smtp_file){
			json_string_value(json_object_get(files, "xlsx")), kpi__nstr(files, "xlsx_name"),
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		};
	snprintf(what, sizeof(what), "recipient '%s' (email)", sk->name);
	m.url = s->url;
	m.require_tls = s->starttls;
	m.ca_file = s->ca_file;
	m.user = s->user;
	m.password = s->password;
	m.from = s->from;
	m.to = (const char *const *)s->to;
	m.headers = headers;
	crlf(&text, kpi__nstr(n, "text"));
	crlf(&html, kpi__nstr(n, "html"));
	m.text = text.data ? text.data : "";
	m.html = html.data ? html.data : "";
	m.files = att;
	m.nfiles = natt;
	m.timeout_ms = timeout_ms;
	m.what = what;
	rc = kpi__smtp_send(&reply, &m, &err);
	res->status = reply;
	if (!rc) {
		res->outcome = KPI__DELIV_OK;
		snprintf(res->detail, sizeof(res->detail), "accepted (reply %ld)", reply);
	} else {
		res->outcome = rc == KPI_ETIMEOUT || rc == KPI_ESOURCE ? KPI__DELIV_RETRY : KPI__DELIV_TERMINAL;
		snprintf(res->detail, sizeof(res->detail), "%s%s", err.message,
		         res->outcome == KPI__DELIV_TERMINAL ? " (not retryable)" : "");
	}
	kpi__alert_redact(st, res->detail, sizeof(res->detail));
	kpi_buf_release(&to);
	kpi_buf_release(&text);
	kpi_buf_release(&html);
}

const kpi__sink_type kpi__recipient_email = {
	.name = "email",
	.keys = keys,
	.parse = parse,
	.send = deliver,
	.where = where,
	.free = state_free,
};
