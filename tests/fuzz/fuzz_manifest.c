/*
 * Fuzz target: manifest.json as kpi verify checks it (kpi_pack_verify in
 * pack/pack.c). The check reads a pack directory, so each input becomes the
 * manifest.json of a scratch pack beside a small fixed snapshot.json
 * (tests/fuzz/manifest_snapshot.json); the seed corpus holds the manifest
 * that matches it, so mutations reach every field's check.
 */
#include "fuzz.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "kpi/kpi.h"

#define SNAPSHOT KPI_SOURCE_DIR "/tests/fuzz/manifest_snapshot.json"

static char *pack;

static void setup(void)
{
	FILE *f = fopen(SNAPSHOT, "rb");
	char buf[1 << 16];
	size_t n;
	char *p;

	if (!f)
		fuzz_fail("cannot open", SNAPSHOT);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	pack = fuzz_path("pack");
	if (mkdir(pack, 0700) != 0)
		fuzz_fail("cannot create", pack);
	free(fuzz_write("pack/snapshot.json", buf, n));
	p = fuzz_path("pack/manifest.json");
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kpi_error err = KPI_ERROR_INIT;
	size_t nfiles = 0;

	fuzz_quiet();
	if (!pack)
		setup();
	free(fuzz_write("pack/manifest.json", data, size));
	if (kpi_pack_verify(pack, &nfiles, &err) == 0 && nfiles != 1)
		fuzz_fail("a pack of one file verified with another count", NULL);
	return 0;
}
