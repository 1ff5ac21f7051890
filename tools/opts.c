#include "opts.h"
#include "datadir.h"
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- exit status: the one table ---- */

const kpi_exit_info kpi_exit_codes[] = {
	{ KPI_EXIT_OK, "ok", "success", NULL, { KPI_OK }, 1 },
	{ KPI_EXIT_FAILURE, "failure", "failure not listed below", NULL, { 0 }, 0 },
	{ KPI_EXIT_USAGE, "usage",
	  "usage error: bad option, malformed week, unknown KPI, an input file that does not exist; a request "
	  "refused as given (a pack a decision was taken on, not replaced)",
	  "The message names the option or argument, then the command's usage is one `--help` away. A refusal "
	  "(`kpi pack` or `kpi render` over a pack a decision was taken on, `kpi decide` overriding the verdict "
	  "without `--note`) writes nothing and says what to do instead.",
	  { KPI_EUSAGE, KPI_ENOTFOUND }, 2 },
	{ KPI_EXIT_CONFIG, "config", "missing or invalid config or catalogue, or a `--db` libpq cannot parse",
	  "For an invalid file the message says `file:line:col`; a connection string is never quoted in it.",
	  { KPI_ECONFIG }, 1 },
	{ KPI_EXIT_SOURCE, "source",
	  "a data source could not be read: unreachable, authentication failed, connection lost", NULL,
	  { KPI_ESOURCE, KPI_EAUTH }, 2 },
	{ KPI_EXIT_TIMEOUT, "timeout", "a query was cancelled by statement_timeout, or a deadline passed", NULL,
	  { KPI_ETIMEOUT }, 1 },
	{ KPI_EXIT_CONTRACT, "contract", "a query returned columns that break the result contract", NULL,
	  { KPI_ECONTRACT }, 1 },
	{ KPI_EXIT_IO, "output", "an output file or standard output could not be written", NULL, { KPI_EIO }, 1 },
	{ KPI_EXIT_DATA, "data",
	  "malformed input data: a source's answer that cannot be true (docs/configuration.md), a snapshot "
	  "that cannot be parsed, is inconsistent or is no regular file, a pack that fails `kpi verify`",
	  NULL, { KPI_EDATA }, 1 },
	{ KPI_EXIT_DELIVERY_RETRY, "delivery-retry",
	  "`kpi deliver`: a recipient not reached yet (timeout, HTTP 429 or 5xx, SMTP 4xx); a later run retries it",
	  "The outbox keeps the attempt; the next run after its backoff (or the receiver's `Retry-After`) tries "
	  "again. Nothing delivered is sent twice.",
	  { 0 }, 0 },
	{ KPI_EXIT_DELIVERY_FAILED, "delivery-failed",
	  "`kpi deliver`: a recipient refused the pack for good (HTTP 4xx other than 429, SMTP 5xx, login "
	  "refused, attempts used up)",
	  "Reported by every run and not retried; fix the cause, then `kpi deliver DIR --resend NAME` "
	  "(docs/runbook.md).",
	  { 0 }, 0 },
	{ 0, NULL, NULL, NULL, { 0 }, 0 },
};

const kpi_exit_info kpi_nagios_codes[] = {
	{ KPI_NAGIOS_OK, "OK", "nothing in breach", NULL, { 0 }, 0 },
	{ KPI_NAGIOS_WARNING, "WARNING",
	  "a warning-severity alert firing, a breach pending, a value within the warning margin", NULL, { 0 }, 0 },
	{ KPI_NAGIOS_CRITICAL, "CRITICAL", "a critical alert firing (including kpi_source)", NULL, { 0 }, 0 },
	{ KPI_NAGIOS_UNKNOWN, "UNKNOWN",
	  "a source cannot be read, invalid config or catalogue, a missing secret variable, the state directory "
	  "or ledger unusable, a terminal delivery failure, a usage error",
	  "Also: the lock held too long by another run, a corrupted ledger moved aside and rebuilt (in that run); "
	  "with `--require-delivery`, no sink configured, or a firing alert whose trigger has reached no sink "
	  "for `alert.undelivered_after` (10 minutes). "
	  "UNKNOWN wins over CRITICAL; the lines still show every change. A run that cannot start (a usage or "
	  "config error: a bad option, a malformed `--now`, a missing or invalid config, catalogue or template, "
	  "a `--db` libpq cannot parse) prints one line `KPI UNKNOWN - what is wrong` on standard output and the "
	  "same as a log line on standard error.",
	  { 0 }, 0 },
	{ 0, NULL, NULL, NULL, { 0 }, 0 },
};

int kpi_exit_code(int code)
{
	for (const kpi_exit_info *e = kpi_exit_codes; e->name; e++)
		for (size_t i = 0; i < e->nlib; i++)
			if (e->lib[i] == code)
				return e->code;
	return KPI_EXIT_FAILURE;
}

/* ---- texts: `literal` markup to plain text or roff ---- */

void kpi_doc_text(kpi_buf *b, const char *text, bool man)
{
	bool bold = false;
	for (const char *p = text; p && *p; p++) {
		bool bol = b->len == 0 || b->data[b->len - 1] == '\n';
		if (*p == '`') {
			bold = !bold;
			if (man)
				kpi_buf_puts(b, bold ? "\\fB" : "\\fR");
			continue;
		}
		if (!man) {
			kpi_buf_append(b, p, 1);
			continue;
		}
		if (bol && (*p == '.' || *p == '\''))
			kpi_buf_puts(b, "\\&");
		if (*p == '-')
			kpi_buf_puts(b, "\\-");
		else if (*p == '\\')
			kpi_buf_puts(b, "\\e");
		else
			kpi_buf_append(b, p, 1);
	}
	if (man && bold)
		kpi_buf_puts(b, "\\fR");
}

void kpi_opts_values(kpi_buf *b, const char *const *values, const char *conj)
{
	for (size_t i = 0; values && values[i]; i++)
		kpi_buf_printf(b, "%s%s", i == 0 ? "" : values[i + 1] ? ", " : conj, values[i]);
}

static const char *const week_values[] = { "`YYYY-Www`", "`last`", "`current`", NULL };
static const char *const week_words[] = { "YYYY-Www", "last", "current", NULL };

void kpi_opts_describe(kpi_buf *b, const kpi_opt *o, bool man)
{
	kpi_buf t = KPI_BUF_INIT;
	kpi_buf_puts(&t, o->help);
	switch (o->type) {
	case KPI_OPT_WEEK:
		kpi_buf_puts(&t, ": ");
		kpi_opts_values(&t, week_values, " or ");
		break;
	case KPI_OPT_ENUM:
		kpi_buf_puts(&t, ": ");
		for (size_t i = 0; o->values[i]; i++)
			kpi_buf_printf(&t, "%s`%s`", i == 0 ? "" : o->values[i + 1] ? ", " : " or ", o->values[i]);
		break;
	case KPI_OPT_INT:
	case KPI_OPT_NUMBER:
		if (o->min < o->max)
			kpi_buf_printf(&t, ", %g..%g", o->min, o->max);
		break;
	case KPI_OPT_LIST:
		kpi_buf_puts(&t, " (repeat for more)");
		break;
	default:
		break;
	}
	if (o->def)
		kpi_buf_printf(&t, " (default `%s`)", o->def);
	if (o->flags & KPI_OPT_REQUIRED)
		kpi_buf_puts(&t, " (required)");
	if (man && o->details)
		kpi_buf_printf(&t, ". %s", o->details);
	kpi_doc_text(b, t.data, man);
	kpi_buf_release(&t);
}

static void arg_synopsis(kpi_buf *b, const kpi_arg *a)
{
	const char *open = a->missing ? "" : "[", *close = a->missing ? "" : "]";
	kpi_buf_puts(b, open);
	if (a->kind == KPI_ARG_ENUM)
		for (size_t i = 0; a->values[i]; i++)
			kpi_buf_printf(b, "%s%s", i ? "|" : "", a->values[i]);
	else
		kpi_buf_printf(b, "%s%s", a->name, a->kind == KPI_ARG_KPI_OR_ALL ? "|all" : "");
	kpi_buf_puts(b, close);
}

void kpi_opts_synopsis(kpi_buf *b, const kpi_cmd_spec *spec)
{
	const char *sep = "";
	for (const kpi_arg *a = spec->args; a && a->name; a++, sep = " ") {
		kpi_buf_puts(b, sep);
		arg_synopsis(b, a);
	}
	for (const kpi_opt *o = spec->opts; o && o->name; o++, sep = " ") {
		bool req = o->flags & KPI_OPT_REQUIRED;
		kpi_buf_printf(b, "%s%s--%s", sep, req ? "" : "[", o->name);
		if (o->type == KPI_OPT_WEEK)
			kpi_buf_puts(b, " YYYY-Www|last|current");
		else if (o->type == KPI_OPT_ENUM)
			for (size_t i = 0; o->values[i]; i++)
				kpi_buf_printf(b, "%s%s", i ? "|" : " ", o->values[i]);
		else if (o->arg)
			kpi_buf_printf(b, " %s", o->arg);
		kpi_buf_puts(b, req ? "" : "]");
	}
}

void kpi_opts_wrap(FILE *f, const char *text, int indent, int width)
{
	int col = indent;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, " \n");
		if (col > indent && col + 1 + (int)n > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		for (size_t i = 0; i < n; i++) /* '\x1f' is a space no line breaks at */
			fputc(p[i] == '\x1f' ? ' ' : p[i], f);
		col += (int)n;
		p += n;
		while (*p == ' ' || *p == '\n')
			p++;
	}
	fputc('\n', f);
}

enum { HELP_WIDTH = 79, HELP_LEFT = 28 };

static void help_line(FILE *f, const char *left, const char *text)
{
	if ((int)strlen(left) > HELP_LEFT) {
		fprintf(f, "  %s\n%*s", left, HELP_LEFT + 3, "");
	} else {
		fprintf(f, "  %-*s ", HELP_LEFT, left);
	}
	kpi_opts_wrap(f, text, HELP_LEFT + 3, HELP_WIDTH);
}

/* "exit status: 0 ok, 1 failure, ..." */
static void exit_footer(FILE *f, const kpi_cmd_spec *spec)
{
	kpi_buf b = KPI_BUF_INIT;
	const kpi_exit_info *t = spec->nagios ? kpi_nagios_codes : kpi_exit_codes;
	kpi_buf_puts(&b, spec->nagios ? "exit status (Nagios):" : "exit status:");
	for (const kpi_exit_info *e = t; e->name; e++)
		kpi_buf_printf(&b, " %d\x1f%s%s", e->code, e->name, e[1].name ? "," : "");
	kpi_buf_puts(&b, spec->nagios ? " (see above)" : " (kpi --help says what each means)");
	kpi_opts_wrap(f, b.data, 0, HELP_WIDTH);
	kpi_buf_release(&b);
}

void kpi_opts_help(FILE *f, const kpi_cmd_spec *spec)
{
	kpi_buf syn = KPI_BUF_INIT;
	kpi_opts_synopsis(&syn, spec);
	fprintf(f, "usage: kpi %s%s%s\n\n%s\n\noptions:\n", spec->name, syn.len ? " " : "", syn.len ? syn.data : "",
	        spec->description);
	for (const kpi_opt *o = spec->opts; o && o->name; o++) {
		char left[64];
		kpi_buf text = KPI_BUF_INIT;
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		kpi_opts_describe(&text, o, false);
		help_line(f, left, text.data);
		kpi_buf_release(&text);
	}
	help_line(f, "-h, --help", "show this help and exit");
	help_line(f, "-V, --version", "print the version and exit");
	fputc('\n', f);
	exit_footer(f, spec);
	kpi_buf_release(&syn);
}

void kpi_exit_help(FILE *f, const kpi_exit_info *table)
{
	bool named = table == kpi_nagios_codes;
	for (const kpi_exit_info *e = table; e->name; e++) {
		kpi_buf b = KPI_BUF_INIT;
		if (named)
			kpi_buf_printf(&b, "%s: ", e->name);
		kpi_doc_text(&b, e->summary, false);
		fprintf(f, "  %d  ", e->code);
		kpi_opts_wrap(f, b.data, 5, HELP_WIDTH);
		kpi_buf_release(&b);
	}
}

/* ---- parsing ---- */

static void *field(void *args, size_t offset)
{
	return (char *)args + offset;
}

/* Is `text` shaped like a week (NNNN-WNN), so that a refusal is its range? */
static bool week_shaped(const char *t)
{
	if (strlen(t) != 8 || t[4] != '-' || (t[5] != 'W' && t[5] != 'w'))
		return false;
	for (int i = 0; i < 8; i++)
		if (i != 4 && i != 5 && !isdigit((unsigned char)t[i]))
			return false;
	return true;
}

static int set_value(const kpi_opt *o, const char *val, void *args, kpi_error *err)
{
	kpi_buf b = KPI_BUF_INIT;
	char *end;
	int rc = 0;

	switch (o->type) {
	case KPI_OPT_FLAG:
		*(bool *)field(args, o->offset) = true;
		return 0;
	case KPI_OPT_STRING:
		*(const char **)field(args, o->offset) = val;
		return 0;
	case KPI_OPT_LIST: {
		kpi_opt_list *l = field(args, o->offset);
		if (l->n == KPI_OPT_LIST_MAX)
			return kpi_error_set(err, KPI_EUSAGE, "--%s: at most %d times", o->name, KPI_OPT_LIST_MAX);
		l->v[l->n++] = val;
		return 0;
	}
	case KPI_OPT_FILE:
	case KPI_OPT_DIR:
		if (!*val)
			return kpi_error_set(err, KPI_EUSAGE, "--%s needs a path", o->name);
		*(const char **)field(args, o->offset) = val;
		return 0;
	case KPI_OPT_INT: {
		long n = strtol(val, &end, 10);
		if (*end || end == val || isspace((unsigned char)*val) || n < (long)o->min || n > (long)o->max)
			return kpi_error_set(err, KPI_EUSAGE, "--%s '%s': expected a whole number %g..%g", o->name, val,
			                     o->min, o->max);
		*(int *)field(args, o->offset) = (int)n;
		return 0;
	}
	case KPI_OPT_NUMBER: {
		double x = strtod(val, &end);
		if (*end || end == val || isspace((unsigned char)*val) || !isfinite(x) ||
		    (o->min < o->max && (x < o->min || x > o->max))) {
			if (o->min < o->max)
				return kpi_error_set(err, KPI_EUSAGE, "--%s '%s': expected a number %g..%g", o->name, val,
				                     o->min, o->max);
			return kpi_error_set(err, KPI_EUSAGE, "--%s '%s': expected a number", o->name, val);
		}
		*(double *)field(args, o->offset) = x;
		return 0;
	}
	case KPI_OPT_WEEK: {
		kpi_week w;
		if (strcmp(val, "last") != 0 && strcmp(val, "current") != 0 && kpi_week_parse(&w, val, err)) {
			/* the library says "week 'X': 2025 has 52 ISO weeks" */
			if (week_shaped(val)) {
				char why[KPI_ERROR_MSG_MAX];
				snprintf(why, sizeof(why), "%s",
				         strncmp(err->message, "week ", 5) == 0 ? err->message + 5 : err->message);
				return kpi_error_set(err, KPI_EUSAGE, "--%s %s", o->name, why);
			}
			kpi_opts_values(&b, week_words, " or ");
			rc = kpi_error_set(err, KPI_EUSAGE, "--%s '%s': expected YYYY-Www (e.g. 2026-W07), last or current",
			                   o->name, val);
			kpi_buf_release(&b);
			return rc;
		}
		*(const char **)field(args, o->offset) = val;
		return 0;
	}
	case KPI_OPT_ENUM:
		for (size_t i = 0; o->values[i]; i++)
			if (strcmp(o->values[i], val) == 0) {
				*(const char **)field(args, o->offset) = o->values[i];
				return 0;
			}
		kpi_opts_values(&b, o->values, " or ");
		rc = kpi_error_set(err, KPI_EUSAGE, "--%s '%s': expected %s", o->name, val, b.data);
		kpi_buf_release(&b);
		return rc;
	}
	return kpi_error_set(err, KPI_EUSAGE, "--%s: unknown option type", o->name);
}

static const kpi_opt *find(const kpi_opt *opts, const char *name, size_t len, char shrt)
{
	for (const kpi_opt *o = opts; o && o->name; o++) {
		if (shrt && o->short_name == shrt)
			return o;
		if (!shrt && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

static int set_arg(const kpi_arg *a, const char *val, void *args, kpi_error *err)
{
	if (a->kind == KPI_ARG_ENUM) {
		kpi_buf b = KPI_BUF_INIT;
		int rc;
		for (size_t i = 0; a->values[i]; i++)
			if (strcmp(a->values[i], val) == 0) {
				*(const char **)field(args, a->offset) = a->values[i];
				return 0;
			}
		kpi_opts_values(&b, a->values, " or ");
		rc = kpi_error_set(err, KPI_EUSAGE, "unknown %s '%s': expected %s", a->noun, val, b.data);
		kpi_buf_release(&b);
		return rc;
	}
	*(const char **)field(args, a->offset) = val;
	return 0;
}

int kpi_opts_parse_err(const kpi_cmd_spec *spec, int argc, char **argv, void *args, kpi_error *err)
{
	const kpi_opt *opts = spec->opts;
	const kpi_arg *next = spec->args;
	uint64_t given = 0;
	int only_pos = 0;

	/* defaults (or nothing) first */
	for (const kpi_opt *o = opts; o && o->name; o++) {
		if (o->type == KPI_OPT_FLAG)
			*(bool *)field(args, o->offset) = false;
		else if (o->type == KPI_OPT_INT)
			*(int *)field(args, o->offset) = 0;
		else if (o->type == KPI_OPT_NUMBER)
			*(double *)field(args, o->offset) = 0;
		else if (o->type == KPI_OPT_LIST)
			((kpi_opt_list *)field(args, o->offset))->n = 0;
		else
			*(const char **)field(args, o->offset) = NULL;
		if (o->def && set_value(o, o->def, args, err))
			return -1;
	}
	for (const kpi_arg *a = spec->args; a && a->name; a++)
		*(const char **)field(args, a->offset) = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const kpi_opt *o = NULL;
		const char *val = NULL;

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			kpi_opts_help(stdout, spec);
			return 1;
		}
		if (!only_pos && (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0)) {
			printf("kpi %s\n", kpi_version());
			return 1;
		}
		if (!only_pos && a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = find(opts, a + 2, len, 0);
			if (!o) {
				kpi_error_set(err, KPI_EUSAGE, "unknown option '%.*s' (see kpi %s --help)", (int)(len + 2), a,
				              spec->name);
				return -1;
			}
			if (eq) {
				if (!o->arg) {
					kpi_error_set(err, KPI_EUSAGE, "option '--%s' takes no argument", o->name);
					return -1;
				}
				val = eq + 1;
			}
		} else if (!only_pos && a[0] == '-' && a[1] && a[2] == '\0') {
			o = find(opts, NULL, 0, a[1]);
			if (!o) {
				kpi_error_set(err, KPI_EUSAGE, "unknown option '%s' (see kpi %s --help)", a, spec->name);
				return -1;
			}
		} else {
			if (!next || !next->name) {
				kpi_error_set(err, KPI_EUSAGE, "unexpected argument '%s' (see kpi %s --help)", a, spec->name);
				return -1;
			}
			if (set_arg(next++, a, args, err))
				return -1;
			continue;
		}
		if (o->arg && !val) {
			if (i + 1 >= argc) {
				kpi_error_set(err, KPI_EUSAGE, "option '--%s' needs an argument %s", o->name, o->arg);
				return -1;
			}
			val = argv[++i];
		}
		if (set_value(o, val, args, err))
			return -1;
		given |= (uint64_t)1 << ((o - opts) & 63);
	}
	/* the log as asked from here on, the usage errors below included */
	for (const kpi_opt *o = opts; o && o->name; o++)
		if (strcmp(o->name, "log-format") == 0)
			kpi_log_setup(kpi_tool_log_format(*(const char **)field(args, o->offset)), KPI_LOG_INFO, NULL, NULL);
	for (const kpi_opt *o = opts; o && o->name; o++)
		if ((o->flags & KPI_OPT_REQUIRED) && !(given & ((uint64_t)1 << ((o - opts) & 63)))) {
			kpi_error_set(err, KPI_EUSAGE, "missing --%s %s", o->name, o->arg ? o->arg : "");
			return -1;
		}
	for (; next && next->name; next++)
		if (next->missing) {
			kpi_error_set(err, KPI_EUSAGE, "%s", next->missing);
			return -1;
		}
	return 0;
}

int kpi_opts_parse(const kpi_cmd_spec *spec, int argc, char **argv, void *args)
{
	kpi_error err = KPI_ERROR_INIT;
	int rc = kpi_opts_parse_err(spec, argc, argv, args, &err);
	if (rc < 0)
		fprintf(stderr, "kpi %s: %s\n", spec->name, err.message);
	return rc;
}

/* ---- what every command shares ---- */

const char *const kpi_log_formats[] = { "json", "text", NULL };

kpi_log_format kpi_tool_log_format(const char *name)
{
	kpi_log_format lf;
	return kpi_log_format_parse(&lf, name) ? KPI_LOG_FORMAT_JSON : lf;
}

int kpi_fail(const kpi_error *err)
{
	kpi_error_print(err);
	return kpi_exit_code(err->code);
}

void kpi_error_print(const kpi_error *err)
{
	char msg[KPI_ERROR_MSG_MAX];
	snprintf(msg, sizeof(msg), "%s", err->message[0] ? err->message : kpi_code_name(err->code));
	fprintf(stderr, "kpi: %s\n", kpi_log_redact(msg, sizeof(msg)));
}

int kpi_load_setup_err(kpi_config **cfg, kpi_catalog **cat, const char *config_path, const char *db,
                       kpi_error *err)
{
	kpi_config_opts co = KPI_CONFIG_OPTS_INIT;
	char datadir[4096];
	int rc;

	*cfg = NULL;
	*cat = NULL;
	co.path = config_path;
	co.datadir = kpi_tool_datadir(datadir, sizeof(datadir));
	if ((rc = kpi_config_load_opts(cfg, &co, err)))
		return rc;
	/* from here on, nothing the command prints or logs holds a secret */
	kpi_config_redact_logs(*cfg);
	if ((db && (rc = kpi_config_set_conninfo(*cfg, db, "--db", err))) ||
	    (rc = kpi_catalog_load(cat, (*cfg)->catalog_path, err)) || (rc = kpi_config_apply(*cfg, *cat, err)) ||
	    (rc = kpi_sources_check(*cfg, *cat, err))) {
		kpi_config_free(*cfg);
		kpi_catalog_free(*cat);
		*cfg = NULL;
		*cat = NULL;
		return rc;
	}
	return 0;
}

int kpi_load_setup(kpi_config **cfg, kpi_catalog **cat, const char *config_path, const char *db)
{
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_load_setup_err(cfg, cat, config_path, db, &err))
		return kpi_fail(&err);
	return 0;
}

int kpi_write_stdout(kpi_buf *b)
{
	if (kpi_log_redact_buf(b))
		goto fail;
	if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len)
		goto fail;
	if (fflush(stdout) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "kpi: cannot write to standard output\n");
	return KPI_EXIT_IO;
}

int kpi_now(const kpi_config *cfg, int64_t *now)
{
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_config_now(cfg, now, &err)) {
		kpi_error_print(&err);
		return KPI_EXIT_USAGE;
	}
	return 0;
}

void kpi_print_kept(const kpi_pack_paths *p)
{
	if (p->kept)
		fprintf(stderr, "kpi: the pack a decision was taken on is kept as %s (kpi verify still checks the decision "
		        "against it)\n", p->kept);
}

int kpi_print_pack(const kpi_pack_paths *p)
{
	kpi_buf b = KPI_BUF_INIT;
	int rc;
	if (p->pdf)
		kpi_buf_printf(&b, "%s\n", p->pdf);
	if (p->xlsx)
		kpi_buf_printf(&b, "%s\n", p->xlsx);
	rc = kpi_write_stdout(&b);
	kpi_buf_release(&b);
	return rc;
}
