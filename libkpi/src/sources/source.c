/* The registry of sources, a run's sessions, and the public face of the
 * sources (kpi/source.h): every question about a KPI's source is asked of
 * the source the KPI names, through its operations table. */
#include "sources/source.h"
#include "core/redact.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KPI__SOURCE(name) &kpi__source_##name,
static const kpi__source *const registry[] = {
#include "sources/registry.h"
	NULL,
};
#undef KPI__SOURCE

#define KPI__SOURCE(name) #name,
static const char *const names[] = {
#include "sources/registry.h"
	NULL,
};
#undef KPI__SOURCE

/* The registry must fit a run's table of sessions. */
_Static_assert(sizeof(registry) / sizeof(registry[0]) <= KPI__MAX_SOURCES + 1, "too many sources");

const kpi__source *const *kpi__sources(void)
{
	return registry;
}

const char *const *kpi_source_names(void)
{
	return names;
}

const kpi__source *kpi__source_find(const char *name)
{
	for (size_t i = 0; name && registry[i]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const kpi__source *kpi__source_of(const kpi_def *def)
{
	return def ? kpi__source_find(def->source) : NULL;
}

static size_t index_of(const kpi__source *src)
{
	size_t i = 0;
	while (registry[i] && registry[i] != src)
		i++;
	return i;
}

const char *kpi_source_title(const char *name)
{
	const kpi__source *src = kpi__source_find(name);
	return src ? src->title : name ? name : "";
}

/* "postgres, cloudwatch" */
static const char *source_list(char *list, size_t size)
{
	list[0] = '\0';
	for (size_t i = 0; registry[i]; i++)
		snprintf(list + strlen(list), size - strlen(list), "%s%s", i ? ", " : "", registry[i]->name);
	return list;
}

/* "unknown source 'x' (the sources are postgres, cloudwatch)" */
static int unknown_source(const kpi_def *def, kpi_error *err)
{
	char list[256];
	return kpi_error_set(err, KPI_ECONFIG, "KPI %s: unknown source '%s' (the sources are %s)", def->id,
	                     def->source, source_list(list, sizeof(list)));
}

/* The sources the catalogue file's variants name (selected or not: a
 * variant is checked at load as a whole definition). */
static int check_variant_sources(const kpi__jsondoc *kdoc, kpi_error *err)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(kdoc->root, "kpis"), i, o) {
		const char *name;
		json_t *v;
		json_object_foreach(json_object_get(o, "variants"), name, v) {
			json_t *s = json_object_get(v, "source");
			char list[256];
			if (!json_is_string(s) || kpi__source_find(json_string_value(s)))
				continue;
			return kpi__jsondoc_error(kdoc, s, err, KPI_ECONFIG,
			                          "KPI %s: variant '%s': unknown source '%s' (the sources are %s)",
			                          json_string_value(json_object_get(o, "id")), name, json_string_value(s),
			                          source_list(list, sizeof(list)));
		}
	}
	return 0;
}

bool kpi_source_configured(const kpi_config *cfg, const kpi_def *def, const char **hint)
{
	const kpi__source *src = kpi__source_of(def);
	if (hint)
		*hint = NULL;
	if (!src)
		return true; /* a run names it as unknown */
	if (src->counts) {
		/* computed from another source's counts: configured when those are */
		kpi_label_def *labels = calloc(def->nlabels + 1, sizeof(*labels));
		kpi_def c;
		bool ok = true; /* a definition that is wrong: a run names what is wrong */
		if (labels && src->counts(&c, labels, def, NULL) == 0 && kpi__source_of(&c) && !kpi__source_of(&c)->counts)
			ok = kpi_source_configured(cfg, &c, hint);
		free(labels);
		return ok;
	}
	return !src->configured || src->configured(cfg, def, hint);
}

bool kpi__in_run(const kpi_def *def, const void *cfg)
{
	return kpi_source_configured(cfg, def, NULL);
}

int kpi_sources_check(const kpi_config *cfg, const kpi_catalog *cat, kpi_error *err)
{
	const kpi__jsondoc *cdoc = cfg ? (const kpi__jsondoc *)cfg->doc : NULL;
	const kpi__jsondoc *kdoc = cat ? (const kpi__jsondoc *)cat->doc : NULL;
	int rc;

	for (size_t i = 0; cat && i < cat->nkpis; i++) {
		const kpi_def *d = &cat->kpis[i];
		if (kpi__source_of(d))
			continue;
		unknown_source(d, err);
		if (kdoc && d->raw && json_object_get(d->raw, "source"))
			return kpi__jsondoc_error(kdoc, json_object_get(d->raw, "source"), err, KPI_ECONFIG, "%s",
			                          err->message);
		return KPI_ECONFIG;
	}
	if (kdoc && (rc = check_variant_sources(kdoc, err)))
		return rc;
	if (cdoc && json_is_object(cdoc->root)) {
		/* load_file let through every object-valued key it does not know:
		 * each must be a source's section */
		const char *key;
		json_t *v;
		json_object_foreach(cdoc->root, key, v)
			if (!kpi__config_own_key(key) && !kpi__source_find(key))
				return kpi__jsondoc_error(cdoc, v, err, KPI_ECONFIG, "unknown key '%s' in config", key);
	}
	for (size_t i = 0; registry[i]; i++)
		if (registry[i]->check && (rc = registry[i]->check(cfg, err)))
			return rc;
	return 0;
}

int kpi_source_explain(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                       const kpi_window *w, kpi_error *err)
{
	const kpi__source *src = kpi__source_of(def);
	char th[64];

	if (!src)
		return unknown_source(def, err);
	kpi_buf_printf(out, "-- %s: %s (%s)\n", def->id, def->title, def->unit);
	if (def->description)
		kpi_buf_printf(out, "-- %s\n", def->description);
	kpi_buf_printf(out, "-- threshold %s, %s, missing data: %s\n",
	               kpi_threshold_format(th, sizeof(th), &def->threshold, def->unit),
	               def->gating ? "gating" : "not gating", def->missing == KPI_MISSING_BLOCK ? "block" : "ignore");
	return src->explain(out, cfg, cat, def, w, err);
}

int kpi_source_analyze(kpi_buf *out, const kpi_config *cfg, const kpi_catalog *cat, const kpi_def *def,
                       const kpi_window *w, kpi_error *err)
{
	const kpi__source *src = kpi__source_of(def);
	if (!src)
		return unknown_source(def, err);
	if (!src->analyze)
		return kpi_error_set(err, KPI_EUSAGE, "KPI %s: --analyze needs a source with a query profiler; %s has none",
		                     def->id, src->title);
	return src->analyze(out, cfg, cat, def, w, err);
}

/* ---- a run's sessions ---- */

void kpi__run_init(kpi__run *run, const kpi_config *cfg, const kpi_catalog *cat)
{
	memset(run, 0, sizeof(*run));
	run->cfg = cfg;
	run->cat = cat;
	kpi__progress_init(&run->progress, cfg);
}

int kpi__run_session(void **out, kpi__run *run, const kpi__source *src, size_t nkpis, kpi_error *err)
{
	size_t i = index_of(src);
	int rc;

	if (!run->open[i]) {
		if ((rc = src->open(&run->session[i], run->cfg, run->cat, nkpis, err)))
			return rc;
		run->open[i] = true;
		if (run->deadline > 0 && src->deadline)
			src->deadline(run->session[i], run->deadline);
	}
	*out = run->session[i];
	return 0;
}

int kpi__run_sources(kpi_source_info **out, size_t *n, kpi__run *run, kpi_error *err)
{
	kpi_source_info *info = calloc(KPI__MAX_SOURCES + 1, sizeof(*info));
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!info)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	for (size_t i = 0; registry[i] && !rc; i++) {
		kpi_source_info *s = &info[*n];
		if (!run->open[i])
			continue;
		(*n)++;
		if (!(s->kind = strdup(registry[i]->name)))
			rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		else if (!(rc = registry[i]->where(run->session[i], &s->where, err)) && s->where) {
			/* the provenance of the snapshot and the pack: never a secret */
			kpi_buf w = { s->where, strlen(s->where), strlen(s->where) + 1 };
			if (kpi__redact_msg(kpi__config_redact(run->cfg), &w))
				rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
			s->where = w.data;
		}
	}
	if (rc) {
		for (size_t i = 0; i < *n; i++) {
			free(info[i].kind);
			free(info[i].where);
		}
		free(info);
		*n = 0;
		return rc;
	}
	*out = info;
	return 0;
}

int kpi__run_stale(kpi__run *run, const char **source, char *why, size_t size, kpi_error *err)
{
	for (size_t i = 0; registry[i]; i++) {
		kpi_source_freshness f;
		bool stale;
		if (!run->open[i] || !registry[i]->freshness)
			continue;
		memset(&f, 0, sizeof(f));
		if (registry[i]->freshness(run->session[i], &f, err))
			return -1;
		stale = f.stale;
		if (stale && f.has_primary_time)
			snprintf(why, size, "the %s source read a hot standby %.0f s behind its primary, above database.max_lag "
			         "%d s: its KPIs would be stale: not evaluated in this run", registry[i]->name,
			         f.lag_seconds, f.max_lag);
		else if (stale)
			snprintf(why, size, "the %s source read a hot standby whose lag is not known to be within "
			         "database.max_lag %d s (%s): its KPIs are not evaluated in this run", registry[i]->name,
			         f.max_lag, f.basis ? f.basis : "no replay time");
		free(f.source);
		free(f.basis);
		free(f.blocks);
		if (stale) {
			*source = registry[i]->name;
			return 1;
		}
	}
	return 0;
}

void kpi__run_close(kpi__run *run)
{
	for (size_t i = 0; registry[i]; i++)
		if (run->open[i])
			registry[i]->close(run->session[i]);
	memset(run->open, 0, sizeof(run->open));
}

/* ---- datapoints ---- */

int kpi_source_datapoints(kpi_datapoint_set **out, const kpi_config *cfg, const kpi_def *def, int64_t from,
                          int64_t to, int period, kpi_error *err)
{
	const kpi__source *src = kpi__source_of(def);
	kpi__run run;
	void *session;
	int rc;

	*out = NULL;
	if (!src)
		return unknown_source(def, err);
	if (!src->datapoints)
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s: %s gives no per-period datapoints (an alarm rule needs them)",
		                     def->id, src->title);
	if (period <= 0 || from >= to || (to - from) % period != 0 || from % period != 0)
		return kpi_error_set(err, KPI_EUSAGE, "KPI %s: datapoints need [from, to) on %d-s period boundaries",
		                     def->id, period);
	kpi__run_init(&run, cfg, NULL);
	if (!(rc = kpi__run_session(&session, &run, src, 1, err)))
		rc = src->datapoints(session, def, from, to, period, out, err);
	kpi__run_close(&run);
	return rc;
}
