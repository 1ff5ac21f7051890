#include "opts.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void kpi_opts_help(FILE *f, const char *cmd, const char *synopsis, const char *description,
                   const kpi_opt *opts)
{
	fprintf(f, "usage: kpi %s %s\n\n%s\n\noptions:\n", cmd, synopsis, description);
	for (const kpi_opt *o = opts; o && o->name; o++) {
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
			         o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
	fprintf(f, "  %-28s %s\n", "-h, --help", "show this help and exit");
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

int kpi_opts_parse_err(const char *cmd, const char *synopsis, const char *description, const kpi_opt *opts,
                       int argc, char **argv, const char **pos, int maxpos, int *npos, kpi_error *err)
{
	int only_pos = 0;
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const kpi_opt *o = NULL;
		const char *val = NULL;

		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			kpi_opts_help(stdout, cmd, synopsis, description, opts);
			return 1;
		}
		if (!only_pos && a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = find(opts, a + 2, len, 0);
			if (!o) {
				kpi_error_set(err, KPI_EUSAGE, "unknown option '%.*s' (see kpi %s --help)", (int)(len + 2), a,
				              cmd);
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
				kpi_error_set(err, KPI_EUSAGE, "unknown option '%s' (see kpi %s --help)", a, cmd);
				return -1;
			}
		} else {
			if (*npos >= maxpos) {
				kpi_error_set(err, KPI_EUSAGE, "unexpected argument '%s' (see kpi %s --help)", a, cmd);
				return -1;
			}
			pos[(*npos)++] = a;
			continue;
		}
		if (o->arg && !val) {
			if (i + 1 >= argc) {
				kpi_error_set(err, KPI_EUSAGE, "option '--%s' needs an argument %s", o->name, o->arg);
				return -1;
			}
			val = argv[++i];
		}
		*o->value = o->arg ? val : "1";
	}
	return 0;
}

int kpi_opts_parse(const char *cmd, const char *synopsis, const char *description,
                   const kpi_opt *opts, int argc, char **argv, const char **pos, int maxpos, int *npos)
{
	kpi_error err = KPI_ERROR_INIT;
	int rc = kpi_opts_parse_err(cmd, synopsis, description, opts, argc, argv, pos, maxpos, npos, &err);
	if (rc < 0)
		fprintf(stderr, "kpi %s: %s\n", cmd, err.message);
	return rc;
}

int kpi_exit_code(int code)
{
	switch (code) {
	case KPI_OK: return KPI_EXIT_OK;
	case KPI_EUSAGE:
	case KPI_ENOTFOUND: return KPI_EXIT_USAGE;
	case KPI_ECONFIG: return KPI_EXIT_CONFIG;
	case KPI_ESOURCE:
	case KPI_EAUTH: return KPI_EXIT_SOURCE;
	case KPI_ETIMEOUT: return KPI_EXIT_TIMEOUT;
	case KPI_ECONTRACT: return KPI_EXIT_CONTRACT;
	case KPI_EIO: return KPI_EXIT_IO;
	case KPI_EDATA: return KPI_EXIT_DATA;
	default: return KPI_EXIT_FAILURE;
	}
}

int kpi_fail(const kpi_error *err)
{
	fprintf(stderr, "kpi: %s\n", err->message[0] ? err->message : kpi_code_name(err->code));
	return kpi_exit_code(err->code);
}

int kpi_load_setup_err(kpi_config **cfg, kpi_catalog **cat, const char *config_path, const char *db,
                       kpi_error *err)
{
	int rc;

	*cfg = NULL;
	*cat = NULL;
	if ((rc = kpi_config_load(cfg, config_path, err)))
		return rc;
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

int kpi_write_stdout(const kpi_buf *b)
{
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
		fprintf(stderr, "kpi: %s\n", err.message);
		return KPI_EXIT_USAGE;
	}
	return 0;
}

int kpi_parse_weeks(const char *cmd, const char *text, int *out)
{
	char *end;
	long n = strtol(text, &end, 10);
	if (*end || end == text || n < 1 || n > KPI_MAX_WEEKS) {
		fprintf(stderr, "kpi %s: --weeks '%s': expected a whole number 1..%d\n", cmd, text, KPI_MAX_WEEKS);
		return KPI_EXIT_USAGE;
	}
	*out = (int)n;
	return 0;
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
