/*
 * Message templates of the alerts (templates/alert/NAME.txt). A deliberately
 * small syntax, documented in docs/configuration.md:
 *
 *   {{name}}                the value of a placeholder ("" when it has none)
 *   {{?name}}...{{/name}}   the inside only when the placeholder is non-empty
 *   {{{{                    a literal "{{"
 *
 * The first line of a rendered template is the notification's summary (the
 * PagerDuty summary, the Slack text's first line), the rest its body.
 * Unknown placeholders and unbalanced sections are errors at start-up, with
 * the template's file and line, so a typo never goes out in a page.
 */
#include "alert/alert_internal.h"
#include <stdio.h>
#include <string.h>

static const char *const known[] = {
	"action", "severity", "title", "kpi", "labels", "value", "unit", "threshold", "status", "since",
	"duration", "at", "runbook", "dedupe_key", "repeat", "error", "source", "detail", NULL,
};

static bool is_known(const char *name, size_t n)
{
	for (const char *const *k = known; *k; k++)
		if (strlen(*k) == n && strncmp(*k, name, n) == 0)
			return true;
	return false;
}

/* One tag at `p` (which starts with "{{"): its kind ('=' value, '?' open,
 * '/' close, '{' literal) and name; the length of the tag, or 0 when it is
 * malformed. */
static size_t tag(const char *p, char *kind, const char **name, size_t *nlen)
{
	const char *q = p + 2, *e;
	if (strncmp(p, "{{{{", 4) == 0) {
		*kind = '{';
		return 4;
	}
	*kind = '=';
	if (*q == '?' || *q == '/')
		*kind = *q++;
	e = q;
	while ((*e >= 'a' && *e <= 'z') || *e == '_')
		e++;
	if (e == q || strncmp(e, "}}", 2) != 0)
		return 0;
	*name = q;
	*nlen = (size_t)(e - q);
	return (size_t)(e + 2 - p);
}

int kpi__template_check(const char *text, const char *name, kpi_error *err)
{
	const char *open[8];
	size_t openlen[8], depth = 0;
	int line = 1;

	for (const char *p = text; *p;) {
		char kind;
		const char *n = NULL;
		size_t nl = 0, len;
		if (*p == '\n')
			line++;
		if (strncmp(p, "{{", 2) != 0) {
			p++;
			continue;
		}
		if (!(len = tag(p, &kind, &n, &nl)))
			return kpi_error_set(err, KPI_ECONFIG,
			                     "%s:%d: malformed placeholder (expected {{name}}, {{?name}}, {{/name}} or "
			                     "{{{{ for a literal)",
			                     name, line);
		if (kind != '{' && !is_known(n, nl))
			return kpi_error_set(err, KPI_ECONFIG, "%s:%d: unknown placeholder '%.*s' (see docs/configuration.md)",
			                     name, line, (int)nl, n);
		if (kind == '?') {
			if (depth == sizeof(open) / sizeof(open[0]))
				return kpi_error_set(err, KPI_ECONFIG, "%s:%d: sections nested too deep", name, line);
			open[depth] = n;
			openlen[depth++] = nl;
		} else if (kind == '/') {
			if (!depth || openlen[depth - 1] != nl || strncmp(open[depth - 1], n, nl) != 0)
				return kpi_error_set(err, KPI_ECONFIG, "%s:%d: {{/%.*s}} closes no open {{?%.*s}}", name, line,
				                     (int)nl, n, (int)nl, n);
			depth--;
		}
		p += len;
	}
	if (depth)
		return kpi_error_set(err, KPI_ECONFIG, "%s: {{?%.*s}} is never closed", name, (int)openlen[depth - 1],
		                     open[depth - 1]);
	return 0;
}

int kpi__template_render(kpi_buf *out, const char *text, const json_t *vars, kpi_error *err)
{
	/* skip > 0: inside a section whose placeholder is empty (its depth) */
	size_t depth = 0, skip = 0;
	int rc = 0;

	for (const char *p = text; *p && !rc;) {
		const char *q = strstr(p, "{{"), *n = NULL;
		size_t nl = 0, len;
		char kind, name[64];
		const char *val;

		if (!q) {
			if (!skip)
				rc = kpi_buf_puts(out, p);
			break;
		}
		if (!skip && q > p)
			rc = kpi_buf_append(out, p, (size_t)(q - p));
		if (!(len = tag(q, &kind, &n, &nl)))
			return kpi_error_set(err, KPI_ECONFIG, "malformed template (it passed no check)");
		snprintf(name, sizeof(name), "%.*s", (int)nl, n);
		val = kind == '{' ? NULL : json_string_value(json_object_get(vars, name));
		switch (kind) {
		case '{':
			if (!skip)
				rc = kpi_buf_puts(out, "{{");
			break;
		case '=':
			if (!skip && val)
				rc = kpi_buf_puts(out, val);
			break;
		case '?':
			depth++;
			if (!skip && !(val && *val))
				skip = depth;
			break;
		default: /* '/' */
			if (skip == depth)
				skip = 0;
			depth--;
			break;
		}
		p = q + len;
	}
	return rc ? kpi_error_set(err, KPI_ENOMEM, "out of memory") : 0;
}
