/*
 * Fuzz target: the KPI catalogue (kpi_catalog_load, model/catalog.c) and
 * what reads it next as every command does: kpi_sources_check (each KPI's
 * source and the sources' settings), kpi list's output (table and JSON),
 * and the alert rules of its entries (kpi__alert_settings_load). The
 * configuration is the default one (no file; KPI_DATADIR the source tree).
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include "kpi/kpi.h"
#include "alert/alert_internal.h"

static kpi_config *cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const envp[] = { "KPI_DATADIR=" KPI_SOURCE_DIR, "HOME=/nonexistent", NULL };
	kpi_catalog *cat = NULL;
	kpi__alert_settings *st = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char *path;

	fuzz_quiet();
	if (!cfg && kpi_config_load_env(&cfg, NULL, envp, &err))
		fuzz_fail("the default config", err.message);
	path = fuzz_write("catalog.json", data, size);
	if (kpi_catalog_load(&cat, path, &err) == 0 && kpi_config_apply(cfg, cat, &err) == 0 &&
	    kpi_sources_check(cfg, cat, &err) == 0) {
		kpi_buf b = KPI_BUF_INIT;
		if (kpi_format_catalog(&b, cat, cfg, true, &err) || kpi_format_catalog(&b, cat, cfg, false, &err))
			fuzz_fail("an accepted catalogue cannot be listed", err.message);
		kpi_buf_release(&b);
		for (size_t i = 0; i < cat->nkpis; i++)
			if (kpi_catalog_find(cat, cat->kpis[i].id) != &cat->kpis[i])
				fuzz_fail("a KPI id that does not find its KPI", cat->kpis[i].id);
		if (kpi__alert_settings_load(&st, cfg, cat, &err) == 0)
			kpi__alert_settings_free(st);
	}
	kpi_catalog_free(cat);
	free(path);
	return 0;
}
