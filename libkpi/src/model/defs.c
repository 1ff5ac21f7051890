/* The catalogue in memory: finding a definition or a label, copying and
 * freeing (catalog.c reads it from its file). */
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

bool kpi__def_label_value_known(const kpi_def *def, const char *name, const char *value, kpi_buf *listed)
{
	int li = def && name ? kpi_def_label_index(def, name) : -1;
	const kpi_label_def *ld = li >= 0 ? &def->labels[li] : NULL;

	if (!ld || !value)
		return false;
	if (!ld->nvalues)
		return true;
	for (size_t i = 0; i < ld->nvalues; i++)
		if (strcmp(ld->values[i], value) == 0)
			return true;
	for (size_t i = 0; listed && i < ld->nvalues; i++)
		(void)kpi_buf_printf(listed, "%s%s", i ? ", " : "", ld->values[i]);
	return false;
}

void kpi__def_release(kpi_def *d)
{
	free(d->id);
	free(d->title);
	free(d->unit);
	free(d->description);
	free(d->query);
	free(d->chart);
	free(d->source);
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
		kpi__def_release(&cat->kpis[i]);
	free(cat->kpis);
	free(cat->path);
	kpi__jsondoc_free((kpi__jsondoc *)cat->doc);
	free(cat);
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
	d->id = d->title = d->unit = d->description = d->query = d->chart = d->source = NULL;
	d->labels = NULL;
	d->nlabels = 0;
	d->raw = NULL;
	if (!(d->id = kpi__strdup(s->id)) || !(d->title = kpi__strdup(s->title)) ||
	    !(d->unit = kpi__strdup(s->unit)) || (s->description && !(d->description = strdup(s->description))) ||
	    (s->query && !(d->query = strdup(s->query))) || (s->chart && !(d->chart = strdup(s->chart))) ||
	    !(d->source = kpi__strdup(s->source)))
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
