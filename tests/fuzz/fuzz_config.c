/*
 * Fuzz target: the config file as every command loads it (tools/opts.c):
 * kpi_config_load_env, the catalogue it names (templates/catalog.json
 * unless it names another), kpi_config_apply (the per-KPI overrides and
 * variants), kpi_sources_check (each source's section: cloudwatch,
 * prometheus, postgres) and the alert settings (kpi__alert_settings_load:
 * sinks, rules, retry, the templates). The environment is fixed (no
 * process environment): KPI_DATADIR is the source tree, HOME a directory
 * that does not exist, and the secret variables the sinks may name (AWS keys
 * for an sns sink).
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include "kpi/kpi.h"
#include "alert/alert_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const envp[] = {
		"KPI_DATADIR=" KPI_SOURCE_DIR, "HOME=/nonexistent", "KPI_FUZZ_SECRET=s3cr3t-value",
		"KPI_PAGERDUTY_ROUTING_KEY=0123456789abcdef0123456789abcdef", "KPI_SLACK_WEBHOOK_URL=https://hooks.slack.test/T0/B0/x",
		"AWS_ACCESS_KEY_ID=AKIAFUZZ", "AWS_SECRET_ACCESS_KEY=fuzz-secret", /* the sns sink's */
		NULL,
	};
	kpi_config *cfg = NULL;
	kpi_catalog *cat = NULL;
	kpi__alert_settings *st = NULL;
	kpi_error err = KPI_ERROR_INIT;
	char *path;

	fuzz_quiet();
	path = fuzz_write("config.json", data, size);
	if (kpi_config_load_env(&cfg, path, envp, &err) == 0 && kpi_catalog_load(&cat, cfg->catalog_path, &err) == 0 &&
	    kpi_config_apply(cfg, cat, &err) == 0 && kpi_sources_check(cfg, cat, &err) == 0 &&
	    kpi__alert_settings_load(&st, cfg, cat, &err) == 0) {
		kpi_buf b = KPI_BUF_INIT;
		if (kpi_format_catalog(&b, cat, cfg, true, &err) || kpi_format_catalog(&b, cat, cfg, false, &err))
			fuzz_fail("an accepted config's catalogue cannot be listed", err.message);
		kpi_buf_release(&b);
	}
	kpi__alert_settings_free(st);
	kpi_catalog_free(cat);
	kpi_config_free(cfg);
	free(path);
	return 0;
}
