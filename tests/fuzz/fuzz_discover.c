/*
 * Fuzz target: CloudWatch ListMetrics answers (kpi__cw_list_apply in
 * sources/cloudwatch/discover.c) as the CloudWatch agent's host KPIs read
 * them: the input is split at lines "--8<--" into up to three pages applied
 * one after the other to one discovery of host_disk_used_pct (labels
 * InstanceId and path; the shipped query file), then sorted
 * (kpi__cw_discovery_finish). Checked: an accepted discovery has every
 * label of every set, at least one dimension set per label set, no label
 * set twice, sets sorted; a refused page leaves a discovery that is still
 * released cleanly. The seeds are the unit test's pages
 * (tests/unit/test_cw_discover.c) and a paged moto answer.
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include "sources/cloudwatch/cw.h"

#define CUT "\n--8<--\n"

static kpi_config *cfg;
static kpi_catalog *cat;
static kpi__cw_spec spec;

static void setup(void)
{
	static const char *const envp[] = { "KPI_DATADIR=" KPI_SOURCE_DIR, "HOME=/nonexistent", NULL };
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_config_load_env(&cfg, NULL, envp, &err) || kpi_catalog_load(&cat, cfg->catalog_path, &err) ||
	    kpi__cw_spec_load(&spec, cfg, kpi_catalog_find(cat, "host_disk_used_pct"), &err))
		fuzz_fail("setup", err.message);
}

static void check(const kpi__cw_discovery *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const kpi__cw_found *f = &d->found[i];
		if (!f->nsets)
			fuzz_fail("a label set without a dimension set", NULL);
		for (size_t l = 0; l < d->nlabels; l++)
			if (!f->labels[l] || !*f->labels[l])
				fuzz_fail("a label set with an empty label", NULL);
		for (size_t k = 0; k < f->nsets; k++)
			if (!f->sets[k].rest || !f->sets[k].n)
				fuzz_fail("a dimension set without dimensions", NULL);
		if (i) {
			const kpi__cw_found *p = &d->found[i - 1];
			int c = 0;
			for (size_t l = 0; l < d->nlabels && !c; l++)
				c = strcmp(p->labels[l], f->labels[l]);
			if (c >= 0)
				fuzz_fail("label sets not sorted, or one listed twice", f->labels[0]);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	kpi__cw_discovery d;
	kpi_error err = KPI_ERROR_INIT;
	int rc = 0;

	fuzz_quiet();
	if (!cfg)
		setup();
	memset(&d, 0, sizeof(d));
	for (int page = 0; page < 3 && !rc; page++) {
		const char *cut = NULL;
		char *token = NULL;
		for (const char *s = p; s + strlen(CUT) <= end; s++)
			if (memcmp(s, CUT, strlen(CUT)) == 0) {
				cut = s;
				break;
			}
		if (page == 2 || !cut)
			cut = end;
		rc = kpi__cw_list_apply(&d, &spec, p, (size_t)(cut - p), &token, &err);
		if (rc && rc != KPI_EDATA && rc != KPI_ECONFIG)
			fuzz_fail("an answer refused with an unexpected code", err.message);
		if (rc && !err.message[0])
			fuzz_fail("an answer refused without a message", NULL);
		if (!rc && token && !*token)
			fuzz_fail("an empty NextToken accepted", NULL);
		free(token);
		if (cut == end)
			break;
		p = cut + strlen(CUT);
	}
	if (!rc) {
		kpi__cw_discovery_finish(&d);
		check(&d);
	}
	kpi__cw_discovery_release(&d);
	return 0;
}
