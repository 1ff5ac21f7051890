/* The catalogue read from its file (kpi/catalog.h): each definition parsed
 * and checked with its positions, variants, parameter origins; defs.c holds
 * the catalogue in memory. */
#include "core/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a-z, 0-9 and _: KPI ids and source names. */
static bool name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int get_string(const kpi__jsondoc *doc, const json_t *obj, const char *key, int required,
                      char **out, kpi_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		if (required)
			return kpi__jsondoc_error(doc, obj, err, KPI_ECONFIG, "missing required key '%s'", key);
		return 0;
	}
	if (!json_is_string(v) || (required && json_string_length(v) == 0))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "'%s' must be a non-empty string", key);
	*out = strdup(json_string_value(v));
	return *out ? 0 : kpi_error_set(err, KPI_ENOMEM, "out of memory");
}

static int parse_labels(const kpi__jsondoc *doc, const json_t *arr, kpi_def *d, kpi_error *err)
{
	size_t i;
	json_t *lab;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return kpi__jsondoc_error(doc, arr, err, KPI_ECONFIG,
		                          "labels must be an array of {\"name\", \"values\"}");
	d->labels = calloc(json_array_size(arr) + 1, sizeof(*d->labels));
	if (!d->labels)
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_array_foreach(arr, i, lab) {
		static const char *const keys[] = { "name", "values", NULL };
		kpi_label_def *l = &d->labels[d->nlabels];
		json_t *vals;
		size_t j;
		json_t *v;
		int rc;

		if (!json_is_object(lab))
			return kpi__jsondoc_error(doc, lab, err, KPI_ECONFIG, "a label must be an object");
		if ((rc = kpi__json_check_keys(doc, lab, keys, "label", err)))
			return rc;
		if ((rc = get_string(doc, lab, "name", 1, &l->name, err)))
			return rc;
		d->nlabels++;
		vals = json_object_get(lab, "values");
		if (!vals)
			continue;
		if (!json_is_array(vals))
			return kpi__jsondoc_error(doc, vals, err, KPI_ECONFIG, "label values must be an array of strings");
		l->values = calloc(json_array_size(vals) + 1, sizeof(char *));
		if (!l->values)
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		json_array_foreach(vals, j, v) {
			if (!json_is_string(v))
				return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "label values must be strings");
			for (size_t k = 0; k < l->nvalues; k++)
				if (strcmp(l->values[k], json_string_value(v)) == 0)
					return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
					                          "duplicate value '%s' of label '%s'",
					                          json_string_value(v), l->name);
			l->values[l->nvalues++] = strdup(json_string_value(v));
		}
	}
	return 0;
}

/* The definition `o` with variant `name` in force: a shallow copy (so
 * errors still find their positions) with the variant's keys on top, no
 * "variants", and "variant": name. NULL when there is no such variant. */
static json_t *variant_of(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(json_object_get(o, "variants"), name);
	json_t *m;
	if (!json_is_object(v) || !(m = json_copy((json_t *)o)))
		return NULL;
	json_object_del(m, "variants");
	if (json_object_update(m, (json_t *)v) || json_object_set_new(m, "variant", json_string(name))) {
		json_decref(m);
		return NULL;
	}
	return m;
}

/* Each variant must make a whole definition: parse it and throw it away. */
static int check_variants(const kpi__jsondoc *doc, const json_t *o, const json_t *vs, kpi_error *err)
{
	const char *name;
	json_t *v;

	if (!vs)
		return 0;
	if (!json_is_object(vs))
		return kpi__jsondoc_error(doc, vs, err, KPI_ECONFIG,
		                          "variants must be an object {name: {the keys the variant changes}}");
	json_object_foreach((json_t *)vs, name, v) {
		kpi_def tmp;
		json_t *m;
		int rc;
		if (!json_is_object(v))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "variant '%s' must be an object", name);
		if (json_object_get(v, "id") || json_object_get(v, "variants") || json_object_get(v, "variant"))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "variant '%s' may not change id, variants or variant", name);
		if (!(m = variant_of(o, name)))
			return kpi_error_set(err, KPI_ENOMEM, "out of memory");
		memset(&tmp, 0, sizeof(tmp));
		rc = kpi__catalog_parse_def(doc, m, &tmp, err);
		kpi__def_release(&tmp);
		json_decref(m);
		if (rc) {
			/* "file:line:col: variant 'x': what", the position first; a
			 * message without one (it was about the merged definition,
			 * which has no place in the file) gets the variant's */
			char msg[KPI_ERROR_MSG_MAX];
			const char *p = err ? err->message : "";
			size_t pl = doc ? strlen(doc->path) : 0;
			int line, col, n = 0;
			if (rc == KPI_ENOMEM || !err)
				return rc;
			if (!pl || strncmp(p, doc->path, pl) != 0 || p[pl] != ':')
				return kpi__jsondoc_error(doc, v, err, rc, "variant '%s': %s", name, p);
			if (sscanf(p + pl, ":%d:%d: %n", &line, &col, &n) != 2 || n == 0)
				return kpi__jsondoc_error(doc, v, err, rc, "variant '%s': %s", name,
				                          p + pl + 1 + (p[pl + 1] == ' '));
			snprintf(msg, sizeof(msg), "%.*svariant '%s': %s", (int)pl + n, p, name, p + pl + n);
			return kpi_error_set(err, rc, "%s", msg);
		}
	}
	return 0;
}

int kpi__catalog_select_variant(kpi_catalog *cat, kpi_def *d, const char *name, kpi_error *err)
{
	json_t *m = variant_of(d->raw, name);
	kpi_def nd;
	int rc;

	if (!m) {
		char list[256] = "";
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(d->raw, "variants"), k, v)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", *list ? ", " : "", k);
		return kpi_error_set(err, KPI_ECONFIG, "KPI %s has no variant '%s' (%s)", d->id, name,
		                     *list ? list : "it has none");
	}
	memset(&nd, 0, sizeof(nd));
	rc = kpi__catalog_parse_def(cat->doc, m, &nd, err);
	json_decref(m);
	if (rc) {
		kpi__def_release(&nd);
		return rc;
	}
	kpi__def_release(d);
	*d = nd;
	return 0;
}

int kpi__catalog_parse_def(const kpi__jsondoc *doc, const json_t *o, kpi_def *d, kpi_error *err)
{
	static const char *const keys[] = { "id", "title", "unit", "description", "query", "chart",
		                            "source", "kind", "labels", "threshold", "gating", "missing",
		                            "empty", "alert", "alarm", "params", "pack", "variants", "variant", NULL };
	const char *key;
	char *s = NULL;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "a KPI must be an object");
	if ((rc = get_string(doc, o, "id", 1, &d->id, err)) ||
	    (rc = get_string(doc, o, "title", 1, &d->title, err)) ||
	    (rc = get_string(doc, o, "unit", 1, &d->unit, err)) ||
	    (rc = get_string(doc, o, "description", 0, &d->description, err)) ||
	    (rc = get_string(doc, o, "query", 0, &d->query, err)) ||
	    (rc = get_string(doc, o, "chart", 0, &d->chart, err)) ||
	    (rc = get_string(doc, o, "source", 0, &d->source, err)))
		return rc;
	if (!d->source && !(d->source = strdup(KPI_DEFAULT_SOURCE)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	/* The source's name: which sources exist is for kpi_sources_check() to say. */
	if (!name_ok(d->source))
		return kpi__jsondoc_error(doc, json_object_get(o, "source"), err, KPI_ECONFIG,
		                          "source '%s' is not a source name (a-z, 0-9, _)", d->source);
	/* Besides the common keys, an object named after the KPI's source holds
	 * that source's own settings of the KPI. */
	json_object_foreach((json_t *)o, key, v) {
		bool ok = strcmp(key, d->source) == 0 && json_is_object(v);
		for (size_t i = 0; keys[i] && !ok; i++)
			ok = strcmp(keys[i], key) == 0;
		if (!ok)
			return kpi__jsondoc_error(doc, json_is_boolean(v) || json_is_null(v) ? o : v, err, KPI_ECONFIG,
			                          "unknown key '%s' in KPI definition", key);
	}
	if (!name_ok(d->id))
		return kpi__jsondoc_error(doc, json_object_get(o, "id"), err, KPI_ECONFIG,
		                          "KPI id '%s' may only hold a-z, 0-9 and _", d->id);
	if (!d->query)
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "KPI '%s' has no query file", d->id);
	if ((rc = get_string(doc, o, "kind", 0, &s, err)))
		return rc;
	if (s && strcmp(s, "state") != 0 && strcmp(s, "flow") != 0) {
		free(s);
		return kpi__jsondoc_error(doc, json_object_get(o, "kind"), err, KPI_ECONFIG,
		                          "kind must be \"state\" or \"flow\"");
	}
	d->state = s && strcmp(s, "state") == 0;
	free(s);
	s = NULL;
	if ((rc = get_string(doc, o, "empty", 0, &s, err)))
		return rc;
	if (s && strcmp(s, "zero") != 0 && strcmp(s, "null") != 0) {
		free(s);
		return kpi__jsondoc_error(doc, json_object_get(o, "empty"), err, KPI_ECONFIG,
		                          "empty must be \"zero\" or \"null\"");
	}
	d->empty_is_zero = s && strcmp(s, "zero") == 0;
	free(s);
	if ((rc = parse_labels(doc, json_object_get(o, "labels"), d, err)))
		return rc;
	if ((v = json_object_get(o, "threshold")) && (rc = kpi__parse_threshold(doc, v, &d->threshold, err)))
		return rc;
	v = json_object_get(o, "gating");
	if (v && !json_is_boolean(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "gating must be true or false");
	d->gating = json_is_true(v);
	v = json_object_get(o, "missing");
	d->missing = KPI_MISSING_IGNORE;
	if (v && (rc = kpi__parse_missing(doc, v, &d->missing, err)))
		return rc;
	if (d->gating && d->threshold.op == KPI_OP_NONE)
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
		                          "KPI '%s' is gating but has no threshold", d->id);
	if ((rc = kpi__params_check(doc, json_object_get(o, "params"), err)))
		return rc;
	if ((v = json_object_get(o, "variant")) && !json_is_string(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "variant must be the name of the variant in use");
	if ((rc = check_variants(doc, o, json_object_get(o, "variants"), err)))
		return rc;
	d->raw = json_incref((json_t *)o);
	if (kpi__has_alarm_rule(d)) {
		kpi_alarm_rule rule;
		const json_t *at = json_object_get(o, "alarm");
		if (!at)
			at = json_object_get(json_object_get(o, d->source), "alarm");
		if ((rc = kpi_alarm_rule_of(&rule, d, err)))
			return kpi__jsondoc_error(doc, at, err, rc, "%s", err->message);
	}
	return 0;
}

/* Each parameter of `params` that is another KPI's threshold names a KPI of
 * the catalogue. */
static int check_threshold_params(const kpi__jsondoc *doc, const kpi_catalog *cat, const json_t *params,
                                  kpi_error *err)
{
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)params, name, v) {
		const char *t = json_string_value(v);
		if (strncmp(t, "threshold.", 10) == 0 && !kpi_catalog_find(cat, t + 10))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "parameter '%s' is the threshold of KPI '%s', which is not in the catalogue",
			                          name, t + 10);
	}
	return 0;
}

int kpi_catalog_load(kpi_catalog **out, const char *path, kpi_error *err)
{
	kpi__jsondoc *doc = NULL;
	kpi_catalog *cat = NULL;
	json_t *kpis, *o;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = kpi__jsondoc_load(&doc, path, err)))
		return kpi__config_file_error(rc, "catalogue", err);
	cat = calloc(1, sizeof(*cat));
	if (!cat) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	cat->path = strdup(path);
	kpis = json_object_get(doc->root, "kpis");
	if (!json_is_object(doc->root) || !json_is_array(kpis)) {
		rc = kpi__jsondoc_error(doc, doc->root, err, KPI_ECONFIG,
		                        "a catalogue is an object with a \"kpis\" array");
		goto done;
	}
	cat->kpis = calloc(json_array_size(kpis) + 1, sizeof(*cat->kpis));
	if (!cat->kpis) {
		rc = kpi_error_set(err, KPI_ENOMEM, "out of memory");
		goto done;
	}
	json_array_foreach(kpis, i, o) {
		kpi_def *d = &cat->kpis[cat->nkpis++];
		if ((rc = kpi__catalog_parse_def(doc, o, d, err)))
			goto done;
		for (size_t j = 0; j + 1 < cat->nkpis; j++)
			if (strcmp(cat->kpis[j].id, d->id) == 0) {
				rc = kpi__jsondoc_error(doc, json_object_get(o, "id"), err, KPI_ECONFIG,
				                        "duplicate KPI id '%s'", d->id);
				goto done;
			}
	}
	/* A parameter that is another KPI's threshold names a KPI of the
	 * catalogue, in the definitions and in their variants. */
	for (size_t k = 0; k < cat->nkpis; k++) {
		const char *vname;
		json_t *var;
		if ((rc = check_threshold_params(doc, cat, json_object_get(cat->kpis[k].raw, "params"), err)))
			goto done;
		json_object_foreach(json_object_get(cat->kpis[k].raw, "variants"), vname, var)
			if ((rc = check_threshold_params(doc, cat, json_object_get(var, "params"), err)))
				goto done;
	}
	cat->doc = doc; /* positions for the checks of kpi_sources_check() */
	doc = NULL;
	*out = cat;
	cat = NULL;
done:
	kpi_catalog_free(cat);
	kpi__jsondoc_free(doc);
	return rc;
}

