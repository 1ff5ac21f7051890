/* The packs of a reports directory (kpi/reports.h): each subdirectory with
 * a manifest.json, read just enough to know its week and its files. */
#include "core/internal.h"
#include "kpi/reports.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void pack_release(kpi_report_pack *p)
{
	free(p->name);
	free(p->dir);
	free(p->manifest);
	free(p->snapshot);
	free(p->pdf);
	free(p->xlsx);
	for (size_t i = 0; i < p->npngs; i++)
		free(p->pngs[i]);
	free(p->pngs);
}

void kpi_reports_free(kpi_reports *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npacks; i++)
		pack_release(&r->packs[i]);
	for (size_t i = 0; i < r->nskipped; i++) {
		free(r->skipped[i].dir);
		free(r->skipped[i].reason);
	}
	free(r->packs);
	free(r->skipped);
	free(r->dir);
	free(r);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Read pack `name` of `r->dir` into `p`. KPI_EDATA with the reason when it
 * is not a valid pack; other codes are failures of the run. */
static int read_pack(kpi_report_pack *p, const char *dir, const char *name, kpi_error *err)
{
	kpi__jsondoc *doc = NULL;
	const json_t *v, *files, *window;
	bool has_snapshot = false;
	char weekbuf[16];
	int rc;

	if (!(p->name = kpi__strdup(name)) || !(p->dir = kpi__path_join(dir, name)) ||
	    !(p->manifest = kpi__path_join(p->dir, "manifest.json")) ||
	    !(p->snapshot = kpi__path_join(p->dir, "snapshot.json")))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	if ((rc = kpi__jsondoc_load_hashed(&doc, p->manifest_sha256, p->manifest, err))) {
		/* Unreadable or malformed: the pack is skipped, the reason kept. */
		if (rc != KPI_ENOMEM)
			rc = KPI_EDATA;
		goto done;
	}
	v = json_object_get(doc->root, "format");
	if (!json_is_object(doc->root) || !json_is_integer(v)) {
		rc = kpi__jsondoc_error(doc, doc->root, err, KPI_EDATA, "not a kpi manifest (no whole number 'format')");
		goto done;
	}
	if (json_integer_value(v) != KPI_MANIFEST_FORMAT) {
		rc = kpi__jsondoc_error(doc, v, err, KPI_EDATA, "manifest format %lld is not supported (this kpi reads %d)",
		                        (long long)json_integer_value(v), KPI_MANIFEST_FORMAT);
		goto done;
	}
	window = json_object_get(doc->root, "window");
	v = json_object_get(window, "last_week");
	if (!json_is_string(v) || kpi_week_parse(&p->week, json_string_value(v), NULL) != 0) {
		rc = kpi__jsondoc_error(doc, v ? v : doc->root, err, KPI_EDATA, "window.last_week is not an ISO week");
		goto done;
	}
	files = json_object_get(doc->root, "files");
	if (!json_is_array(files)) {
		rc = kpi__jsondoc_error(doc, doc->root, err, KPI_EDATA, "no 'files' list");
		goto done;
	}
	kpi_week_format(weekbuf, sizeof(weekbuf), p->week);
	for (size_t i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i), *pv = json_object_get(f, "path");
		const char *path = json_string_value(pv);
		char **slot = NULL;

		if (!path || !path[0] || path[0] == '/' || strstr(path, "..")) {
			rc = kpi__jsondoc_error(doc, pv ? pv : f, err, KPI_EDATA, "files[%zu].path is not a relative path", i);
			goto done;
		}
		if (strcmp(path, "snapshot.json") == 0)
			has_snapshot = true;
		else if (!strchr(path, '/') && has_suffix(path, ".pdf") && !p->pdf)
			slot = &p->pdf;
		else if (!strchr(path, '/') && has_suffix(path, ".xlsx") && !p->xlsx)
			slot = &p->xlsx;
		else if (strncmp(path, "charts/", 7) == 0 && has_suffix(path, ".png")) {
			char **n = realloc(p->pngs, (p->npngs + 1) * sizeof(*n));
			if (!n)
				return kpi_error_set(err, KPI_ENOMEM, "out of memory");
			p->pngs = n;
			slot = &p->pngs[p->npngs];
			*slot = NULL;
			p->npngs++;
		}
		if (slot && !(*slot = kpi__path_join(p->dir, path))) {
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (!has_snapshot)
		rc = kpi__jsondoc_error(doc, files, err, KPI_EDATA, "the manifest does not list snapshot.json");
done:
	kpi__jsondoc_free(doc);
	return rc;
}

static int cmp_pack(const void *a, const void *b)
{
	const kpi_report_pack *x = a, *y = b;
	int c = kpi_week_cmp(x->week, y->week);
	return c ? c : strcmp(x->name, y->name);
}

static int cmp_skip(const void *a, const void *b)
{
	return strcmp(((const kpi_report_skip *)a)->dir, ((const kpi_report_skip *)b)->dir);
}

static int add_skip(kpi_reports *r, const char *path, const char *reason)
{
	kpi_report_skip *n = realloc(r->skipped, (r->nskipped + 1) * sizeof(*n));
	if (!n)
		return KPI_ENOMEM;
	r->skipped = n;
	n[r->nskipped].dir = kpi__strdup(path);
	n[r->nskipped].reason = kpi__strdup(reason);
	r->nskipped++;
	return n[r->nskipped - 1].dir && n[r->nskipped - 1].reason ? 0 : KPI_ENOMEM;
}

int kpi_reports_list(kpi_reports **out, const char *dir, kpi_error *err)
{
	kpi_reports *r = calloc(1, sizeof(*r));
	DIR *d = NULL;
	struct dirent *e;
	int rc = 0;

	*out = NULL;
	if (!r || !(r->dir = kpi__strdup(dir))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	if (!(d = opendir(dir))) {
		if (errno == ENOENT)
			goto done;
		rc = kpi_error_set(err, KPI_EIO, "cannot read reports directory '%s': %s", dir, strerror(errno));
		goto done;
	}
	while ((e = readdir(d))) {
		char *sub, *man;
		struct stat st;
		kpi_report_pack p = { 0 };
		kpi_error perr = KPI_ERROR_INIT;
		bool pack;

		if (e->d_name[0] == '.')
			continue;
		if (!(sub = kpi__path_join(dir, e->d_name)) || !(man = kpi__path_join(sub, "manifest.json"))) {
			free(sub);
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			goto done;
		}
		pack = stat(sub, &st) == 0 && S_ISDIR(st.st_mode) && lstat(man, &st) == 0;
		free(man);
		if (!pack) {
			free(sub);
			continue;
		}
		rc = read_pack(&p, dir, e->d_name, &perr);
		if (rc == KPI_EDATA) {
			rc = add_skip(r, sub, perr.message);
			pack_release(&p);
		} else if (rc == 0) {
			kpi_report_pack *n = realloc(r->packs, (r->npacks + 1) * sizeof(*n));
			if (!n) {
				pack_release(&p);
				rc = KPI_ENOMEM;
			} else {
				r->packs = n;
				r->packs[r->npacks++] = p;
			}
		} else {
			pack_release(&p);
		}
		free(sub);
		if (rc) {
			if (rc == KPI_ENOMEM)
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			else
				rc = kpi_error_set(err, rc, "%s", perr.message);
			goto done;
		}
	}
	if (r->npacks)
		qsort(r->packs, r->npacks, sizeof(*r->packs), cmp_pack);
	if (r->nskipped)
		qsort(r->skipped, r->nskipped, sizeof(*r->skipped), cmp_skip);
done:
	if (d)
		closedir(d);
	if (rc) {
		kpi_reports_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

const kpi_report_pack *kpi_reports_find(const kpi_reports *r, kpi_week w)
{
	const kpi_report_pack *first = NULL;
	char name[16];

	if (!r)
		return NULL;
	kpi_week_format(name, sizeof(name), w);
	for (size_t i = 0; i < r->npacks; i++) {
		if (kpi_week_cmp(r->packs[i].week, w) != 0)
			continue;
		if (strcmp(r->packs[i].name, name) == 0)
			return &r->packs[i];
		if (!first)
			first = &r->packs[i];
	}
	return first;
}

int kpi_reports_dir_of(char **out, const char *pack_dir, kpi_error *err)
{
	size_t n = strlen(pack_dir), end;
	char name[16];
	kpi_week wk;

	*out = NULL;
	while (n > 1 && pack_dir[n - 1] == '/')
		n--;
	end = n;
	while (n > 0 && pack_dir[n - 1] != '/')
		n--;
	/* the name: a week, "YYYY-Www" */
	if (end - n != 8 || pack_dir[n + 4] != '-' || pack_dir[n + 5] != 'W')
		return 0;
	memcpy(name, pack_dir + n, 8);
	name[8] = '\0';
	if (kpi_week_parse(&wk, name, NULL) != 0)
		return 0;
	while (n > 1 && pack_dir[n - 1] == '/')
		n--;
	if (!(*out = n ? strndup(pack_dir, n) : strdup(".")))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	return 0;
}
