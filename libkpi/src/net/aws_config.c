/* The AWS shared files: INI syntax, profiles, sections, endpoint URLs
 * (aws_config.h). */
#include "net/aws_config.h"
#include "net/aws_keys.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *kpi__aws_env(const kpi_config *cfg, const char *name)
{
	const char *v = kpi_config_env(cfg, name);
	return v && *v ? v : NULL;
}

bool kpi__aws_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

/* ---- INI files (~/.aws/credentials, ~/.aws/config) ---- */

static void trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* Compare a section header's inside with `want`, collapsing runs of blanks
 * ("[profile   x]" is profile x, as botocore reads it). */
static bool section_is(const char *b, const char *e, const char *want)
{
	trim(&b, &e);
	while (b < e && *want) {
		if (isspace((unsigned char)*b)) {
			if (*want != ' ')
				return false;
			while (b < e && isspace((unsigned char)*b))
				b++;
			want++;
			continue;
		}
		if (*b++ != *want++)
			return false;
	}
	return b == e && !*want;
}

static bool name_is(const char *b, const char *e, const char *want)
{
	size_t n = strlen(want);
	return (size_t)(e - b) == n && strncasecmp(b, want, n) == 0;
}

/* The value of `key` in `section`: a top-level key (sub NULL; the indented
 * lines of a sub-section skipped), or a key of sub-section `sub`. The last
 * occurrence wins. */
static int ini_find(char **out, bool *found_section, const char *text, const char *section, const char *sub,
                    const char *key)
{
	const char *p = text;
	const char *sb = NULL, *se = NULL; /* the sub-section being read ("key =" then indented lines) */
	bool in = false;
	const char *vb = NULL, *ve = NULL;

	*out = NULL;
	if (found_section)
		*found_section = false;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		const char *b = p, *e = eol ? eol : p + strlen(p);
		bool indented = b < e && (*b == ' ' || *b == '\t');
		const char *eq, *kb, *ke, *v, *vend;
		p = eol ? eol + 1 : NULL;
		trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (*b == '[' && !indented) {
			const char *close = memchr(b, ']', (size_t)(e - b));
			in = close && section_is(b + 1, close, section);
			sb = se = NULL;
			if (in && found_section)
				*found_section = true;
			continue;
		}
		if (!in || !(eq = memchr(b, '=', (size_t)(e - b))))
			continue;
		kb = b;
		ke = eq;
		trim(&kb, &ke);
		v = eq + 1;
		vend = e;
		trim(&v, &vend);
		if (indented && sb) {
			if (sub && name_is(sb, se, sub) && name_is(kb, ke, key)) {
				vb = v;
				ve = vend;
			}
			continue;
		}
		if (!indented) {
			sb = v == vend ? kb : NULL;
			se = v == vend ? ke : NULL;
		}
		if (!sub && name_is(kb, ke, key)) {
			vb = v;
			ve = vend;
		}
	}
	if (!vb)
		return KPI_ENOTFOUND;
	*out = strndup(vb, (size_t)(ve - vb));
	return *out ? 0 : KPI_ENOMEM;
}

int kpi__aws_ini_get(char **out, bool *found_section, const char *text, const char *section, const char *key)
{
	return ini_find(out, found_section, text, section, NULL, key);
}

int kpi__aws_ini_get_sub(char **out, const char *text, const char *section, const char *sub, const char *key)
{
	return ini_find(out, NULL, text, section, sub, key);
}

/* ---- the files ---- */

/* A file path from the environment or the default under $HOME, with a
 * leading "~/" expanded like the AWS CLI does. */
static char *aws_file(const kpi_config *cfg, const char *envname, const char *dflt)
{
	const char *v = kpi__aws_env(cfg, envname), *home = kpi__aws_env(cfg, "HOME");
	if (!v)
		v = dflt;
	if (v[0] == '~' && v[1] == '/' && home)
		return kpi__path_join(home, v + 2);
	return strdup(v);
}

/* A file's text, or NULL when it does not exist (other errors too: the
 * caller then reports that nothing was found there). */
static char *slurp(const char *path)
{
	char *text = NULL;
	if (!path || kpi__read_file_max(&text, NULL, path, KPI__MAX_CONFIG_BYTES, NULL))
		return NULL;
	return text;
}

int kpi__aws_files_load(kpi__aws_files *out, const kpi_config *cfg, kpi_error *err)
{
	const char *prof = kpi__aws_env(cfg, "AWS_PROFILE"), *home = kpi__aws_env(cfg, "HOME");

	memset(out, 0, sizeof(*out));
	out->profile_from_env = prof != NULL;
	out->profile = strdup(prof ? prof : "default");
	out->cred_path = aws_file(cfg, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials");
	out->conf_path = aws_file(cfg, "AWS_CONFIG_FILE", "~/.aws/config");
	out->home = home ? strdup(home) : NULL;
	if (!out->profile || !out->cred_path || !out->conf_path || (home && !out->home)) {
		kpi__aws_files_release(out);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	out->cred_text = slurp(out->cred_path);
	out->conf_text = slurp(out->conf_path);
	return 0;
}

void kpi__aws_files_release(kpi__aws_files *f)
{
	if (!f)
		return;
	free(f->profile);
	free(f->cred_path);
	free(f->conf_path);
	free(f->home);
	kpi__aws_wipe_free(f->cred_text);
	kpi__aws_wipe_free(f->conf_text);
	memset(f, 0, sizeof(*f));
}

void kpi__aws_profile_section(char *buf, size_t size, const char *name)
{
	if (strcmp(name, "default") == 0)
		snprintf(buf, size, "default");
	else
		snprintf(buf, size, "profile %s", name);
}

bool kpi__aws_profile_exists(const kpi__aws_files *f, const char *name)
{
	char section[300], *v = NULL;
	bool in_cred = false, in_conf = false;

	kpi__aws_profile_section(section, sizeof(section), name);
	if (f->cred_text)
		kpi__aws_ini_get(&v, &in_cred, f->cred_text, name, "\n"); /* no key holds a newline */
	free(v);
	v = NULL;
	if (f->conf_text)
		kpi__aws_ini_get(&v, &in_conf, f->conf_text, section, "\n");
	free(v);
	return in_cred || in_conf;
}

/* `key` of `section` in `text`, empty values counting as absent. */
static int get_nonempty(char **out, const char *text, const char *section, const char *key)
{
	int rc;
	*out = NULL;
	if (!text)
		return KPI_ENOTFOUND;
	if ((rc = kpi__aws_ini_get(out, NULL, text, section, key)))
		return rc;
	if (**out)
		return 0;
	free(*out);
	*out = NULL;
	return KPI_ENOTFOUND;
}

int kpi__aws_profile_get(char **out, const char **from, const kpi__aws_files *f, const char *name, const char *key)
{
	char section[300];
	int rc;

	if ((rc = get_nonempty(out, f->cred_text, name, key)) != KPI_ENOTFOUND) {
		if (!rc && from)
			*from = f->cred_path;
		return rc;
	}
	kpi__aws_profile_section(section, sizeof(section), name);
	if ((rc = get_nonempty(out, f->conf_text, section, key)) == 0 && from)
		*from = f->conf_path;
	return rc;
}

int kpi__aws_section_get(char **out, const kpi__aws_files *f, const char *section, const char *key)
{
	return get_nonempty(out, f->conf_text, section, key);
}

/* ---- endpoint URLs ---- */

static int check_url(char **out, const char *v, const char *src, kpi_error *err)
{
	size_t n;
	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return kpi_error_set(err, KPI_ECONFIG, "%s must be an http:// or https:// URL", src);
	if (strchr(v, '@') || strchr(v, '?'))
		return kpi_error_set(err, KPI_ECONFIG, "%s must not hold user information or a query string", src);
	if (!(*out = strdup(v)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	n = strlen(*out);
	while (n > 0 && (*out)[n - 1] == '/')
		(*out)[--n] = '\0';
	return 0;
}

int kpi__aws_endpoint_configured(char **out, char *src, size_t ssize, const kpi_config *cfg, const kpi__aws_files *f,
                                 const char *id, kpi_error *err)
{
	char name[64], lower[64], section[300], *ignore = NULL, *services = NULL, *v = NULL;
	const char *e;
	int rc = 0;
	size_t i;

	*out = NULL;
	src[0] = '\0';
	for (i = 0; id[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)id[i]);
	lower[i] = '\0';
	if ((e = kpi__aws_env(cfg, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ? kpi__aws_true(e)
	    : (kpi__aws_profile_get(&ignore, NULL, f, f->profile, "ignore_configured_endpoint_urls") == 0 &&
	       kpi__aws_true(ignore))) {
		free(ignore);
		return 0;
	}
	free(ignore);
	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", id);
	if ((e = kpi__aws_env(cfg, name))) {
		snprintf(src, ssize, "%s", name);
		return check_url(out, e, src, err);
	}
	if ((e = kpi__aws_env(cfg, "AWS_ENDPOINT_URL"))) {
		snprintf(src, ssize, "AWS_ENDPOINT_URL");
		return check_url(out, e, src, err);
	}
	if (kpi__aws_profile_get(&services, NULL, f, f->profile, "services") == 0 && f->conf_text) {
		snprintf(section, sizeof(section), "services %s", services);
		if (kpi__aws_ini_get_sub(&v, f->conf_text, section, lower, "endpoint_url") == 0 && *v) {
			snprintf(src, ssize, "%s endpoint_url of [services %s] in %s", lower, services, f->conf_path);
			rc = check_url(out, v, src, err);
			goto done;
		}
		free(v);
		v = NULL;
	}
	if (kpi__aws_profile_get(&v, NULL, f, f->profile, "endpoint_url") == 0) {
		snprintf(src, ssize, "endpoint_url of profile '%s'", f->profile);
		rc = check_url(out, v, src, err);
	}
done:
	free(services);
	free(v);
	return rc;
}
