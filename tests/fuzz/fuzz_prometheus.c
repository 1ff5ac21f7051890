/*
 * Fuzz target: a Prometheus HTTP API answer (kpi__prom_answer_parse, and
 * kpi__prom_error_text for an error body). The first byte picks the shape
 * asked for: bit 0 matrix (query_range) or vector (query), bits 1-2 how many
 * labels the query file names (0, 1 or 2: service, code); the rest is the
 * body.
 */
#include "fuzz.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sources/prometheus/prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const labels[] = { "service", "code" };
	kpi__prom_answer a;
	kpi_error err = KPI_ERROR_INIT;
	char text[512];
	bool matrix;
	size_t nlabels;

	fuzz_quiet();
	if (size < 1)
		return 0;
	matrix = data[0] & 1;
	nlabels = (size_t)((data[0] >> 1) & 3) % 3;
	data++;
	size--;
	if (kpi__prom_answer_parse(&a, (const char *)data, size, matrix, labels, nlabels, &err) == 0) {
		for (size_t i = 0; i < a.nseries; i++) {
			if (!matrix && a.series[i].n != 1)
				fuzz_fail("a vector series without exactly one sample", NULL);
			for (size_t k = 0; k < a.series[i].n; k++)
				if (!isfinite(a.series[i].v[k]) || !isfinite(a.series[i].t[k]))
					fuzz_fail("a sample that is not a finite number", NULL);
			if (kpi__prom_answer_find(&a, a.series[i].labels) != (long)i)
				fuzz_fail("two series with the same labels", NULL);
		}
		kpi__prom_answer_release(&a);
	}
	kpi__prom_error_text(text, sizeof(text), (const char *)data, size);
	return 0;
}
