#include "core/internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const kpi_def *kpi_catalog_find(const kpi_catalog *cat, const char *id)
{
	for (size_t i = 0; cat && id && i < cat->nkpis; i++)
		if (strcmp(cat->kpis[i].id, id) == 0)
			return &cat->kpis[i];
	return NULL;
}

int kpi_def_label_index(const kpi_def *def, const char *name)
{
	for (size_t i = 0; i < def->nlabels; i++)
		if (strcmp(def->labels[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void def_release(kpi_def *d)
{
	free(d->id);
	free(d->title);
	free(d->unit);
	free(d->description);
	free(d->query);
	free(d->chart);
	for (size_t i = 0; i < d->nlabels; i++) {
		free(d->labels[i].name);
		for (size_t j = 0; j < d->labels[i].nvalues; j++)
			free(d->labels[i].values[j]);
		free(d->labels[i].values);
	}
	free(d->labels);
	json_decref((json_t *)d->raw);
}

void kpi_catalog_free(kpi_catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->nkpis; i++)
		def_release(&cat->kpis[i]);
	free(cat->kpis);
	free(cat->path);
	free(cat);
}

/* Shared by the catalogue and the config's per-KPI overrides. */
int kpi__parse_threshold(const kpi__jsondoc *doc, const json_t *v, kpi_threshold *th,
                         kpi_error *err);
int kpi__parse_threshold(const kpi__jsondoc *doc, const json_t *v, kpi_threshold *th,
                         kpi_error *err)
{
	static const char *const keys[] = { "op", "target", "warn_margin", NULL };
	json_t *op, *target, *warn;
	int rc;

	if (json_is_null(v)) {
		memset(th, 0, sizeof(*th));
		return 0;
	}
	if (!json_is_object(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                          "threshold must be an object {\"op\", \"target\"} or null");
	if ((rc = kpi__json_check_keys(doc, v, keys, "threshold", err)))
		return rc;
	op = json_object_get(v, "op");
	target = json_object_get(v, "target");
	warn = json_object_get(v, "warn_margin");
	if (!json_is_string(op) || kpi_op_parse(&th->op, json_string_value(op)) != 0)
		return kpi__jsondoc_error(doc, op ? op : v, err, KPI_ECONFIG,
		                          "threshold op must be one of \">=\", \">\", \"<=\", \"<\", \"=\"");
	if (!json_is_number(target) || !isfinite(json_number_value(target)))
		return kpi__jsondoc_error(doc, target ? target : v, err, KPI_ECONFIG,
		                          "threshold target must be a number");
	th->target = json_number_value(target);
	th->warn_margin = 0;
	if (warn) {
		if (!json_is_number(warn) || json_number_value(warn) < 0)
			return kpi__jsondoc_error(doc, warn, err, KPI_ECONFIG,
			                          "warn_margin must be a number >= 0");
		th->warn_margin = json_number_value(warn);
	}
	return 0;
}

int kpi__parse_missing(const kpi__jsondoc *doc, const json_t *v, kpi_missing *out, kpi_error *err);
int kpi__parse_missing(const kpi__jsondoc *doc, const json_t *v, kpi_missing *out, kpi_error *err)
{
	const char *s = json_string_value(v);
	if (s && strcmp(s, "block") == 0)
		*out = KPI_MISSING_BLOCK;
	else if (s && strcmp(s, "ignore") == 0)
		*out = KPI_MISSING_IGNORE;
	else
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "missing must be \"block\" or \"ignore\"");
	return 0;
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

int kpi__catalog_parse_def(const kpi__jsondoc *doc, const json_t *o, kpi_def *d, kpi_error *err)
{
	static const char *const keys[] = { "id", "title", "unit", "description", "query", "chart",
		                            "source", "kind", "labels", "threshold", "gating",
		                            "missing", "empty", "alert", "cloudwatch", "pack", NULL };
	char *s = NULL;
	json_t *v;
	int rc;

	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "a KPI must be an object");
	if ((rc = kpi__json_check_keys(doc, o, keys, "KPI definition", err)))
		return rc;
	if ((rc = get_string(doc, o, "id", 1, &d->id, err)) ||
	    (rc = get_string(doc, o, "title", 1, &d->title, err)) ||
	    (rc = get_string(doc, o, "unit", 1, &d->unit, err)) ||
	    (rc = get_string(doc, o, "description", 0, &d->description, err)) ||
	    (rc = get_string(doc, o, "query", 0, &d->query, err)) ||
	    (rc = get_string(doc, o, "chart", 0, &d->chart, err)))
		return rc;
	for (const char *p = d->id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return kpi__jsondoc_error(doc, json_object_get(o, "id"), err, KPI_ECONFIG,
			                          "KPI id '%s' may only hold a-z, 0-9 and _", d->id);
	if ((rc = get_string(doc, o, "source", 0, &s, err)))
		return rc;
	if (!s || strcmp(s, "postgres") == 0)
		d->source = KPI_SOURCE_POSTGRES;
	else if (strcmp(s, "cloudwatch") == 0)
		d->source = KPI_SOURCE_CLOUDWATCH;
	else {
		free(s);
		return kpi__jsondoc_error(doc, json_object_get(o, "source"), err, KPI_ECONFIG,
		                          "source must be \"postgres\" or \"cloudwatch\"");
	}
	free(s);
	s = NULL;
	if (d->source == KPI_SOURCE_POSTGRES && !d->query)
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
	d->raw = json_incref((json_t *)o);
	if ((v = json_object_get(o, "cloudwatch"))) {
		static const char *const cwkeys[] = { "alarm", NULL };
		kpi_alarm_rule rule;
		if (!json_is_object(v))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG, "cloudwatch must be an object");
		if ((rc = kpi__json_check_keys(doc, v, cwkeys, "cloudwatch", err)))
			return rc;
		if (d->source != KPI_SOURCE_CLOUDWATCH)
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "KPI '%s' has a cloudwatch object but its source is not cloudwatch", d->id);
		rc = kpi_alarm_rule_of(&rule, d, err);
		if (rc && rc != KPI_ENOTFOUND)
			return kpi__jsondoc_error(doc, json_object_get(v, "alarm"), err, rc, "%s", err->message);
	}
	if (d->source == KPI_SOURCE_CLOUDWATCH && !d->query)
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG, "KPI '%s' has no query file (queries/cloudwatch/...)",
		                          d->id);
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
	*out = cat;
	cat = NULL;
done:
	kpi_catalog_free(cat);
	kpi__jsondoc_free(doc);
	return rc;
}

static char **dup_strings(char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			while (i-- > 0)
				free(out[i]);
			free(out);
			return NULL;
		}
	return out;
}

static int def_dup(kpi_def *d, const kpi_def *s)
{
	*d = *s;
	d->id = d->title = d->unit = d->description = d->query = d->chart = NULL;
	d->labels = NULL;
	d->nlabels = 0;
	d->raw = NULL;
	if (!(d->id = kpi__strdup(s->id)) || !(d->title = kpi__strdup(s->title)) ||
	    !(d->unit = kpi__strdup(s->unit)) || (s->description && !(d->description = strdup(s->description))) ||
	    (s->query && !(d->query = strdup(s->query))) || (s->chart && !(d->chart = strdup(s->chart))))
		return KPI_ENOMEM;
	if (s->raw && !(d->raw = json_deep_copy((const json_t *)s->raw)))
		return KPI_ENOMEM;
	if (!(d->labels = calloc(s->nlabels + 1, sizeof(*d->labels))))
		return KPI_ENOMEM;
	for (; d->nlabels < s->nlabels; d->nlabels++) {
		const kpi_label_def *sl = &s->labels[d->nlabels];
		kpi_label_def *dl = &d->labels[d->nlabels];
		if (!(dl->name = strdup(sl->name)) || !(dl->values = dup_strings(sl->values, sl->nvalues))) {
			free(dl->name);
			return KPI_ENOMEM;
		}
		dl->nvalues = sl->nvalues;
	}
	return 0;
}

int kpi__catalog_dup(kpi_catalog **out, const kpi_catalog *cat, bool (*keep)(const kpi_def *, const void *),
                     const void *ctx, kpi_error *err)
{
	kpi_catalog *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c || !(c->kpis = calloc(cat->nkpis + 1, sizeof(*c->kpis))) ||
	    (cat->path && !(c->path = strdup(cat->path))))
		goto nomem;
	for (size_t i = 0; i < cat->nkpis; i++) {
		if (keep && !keep(&cat->kpis[i], ctx))
			continue;
		if (def_dup(&c->kpis[c->nkpis++], &cat->kpis[i]))
			goto nomem; /* the partial copy is released too */
	}
	*out = c;
	return 0;
nomem:
	kpi_catalog_free(c);
	return kpi_error_set(err, KPI_ENOMEM, "out of memory copying the catalogue");
}
