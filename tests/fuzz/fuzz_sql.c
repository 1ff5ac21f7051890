/*
 * Fuzz target: the PostgreSQL query-file loader (kpi__sql_load in
 * sources/postgres/sql.c): `-- @param` declarations, `-- @include`
 * fragments (nested, up to a depth), `${name}` uses, the check of every $N.
 * The input is split at lines "--8<--" into up to three files of a scratch
 * query directory: q.sql (loaded), a.sql and fragments/b.sql (which q.sql
 * and each other may include).
 */
#include "fuzz.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "sources/postgres/pg.h"

#define CUT "\n--8<--\n"

static char *dir;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "q.sql", "a.sql", "fragments/b.sql" };
	const char *p = (const char *)data, *end = p + size;
	kpi_error err = KPI_ERROR_INIT;
	kpi__sql q;

	fuzz_quiet();
	if (!dir) {
		char *frag = fuzz_path("queries/fragments");
		dir = fuzz_path("queries");
		if (mkdir(dir, 0700) != 0 || mkdir(frag, 0700) != 0)
			fuzz_fail("cannot create", dir);
		free(frag);
	}
	for (size_t i = 0; i < 3; i++) {
		const char *cut = NULL;
		char rel[64];
		for (const char *s = p; s && s + strlen(CUT) <= end; s++)
			if (memcmp(s, CUT, strlen(CUT)) == 0) {
				cut = s;
				break;
			}
		if (i == 2 || !cut)
			cut = end;
		snprintf(rel, sizeof(rel), "queries/%s", names[i]);
		free(fuzz_write(rel, p, (size_t)(cut - p)));
		p = cut < end ? cut + strlen(CUT) : end;
	}
	if (kpi__sql_load(&q, dir, "q.sql", &err) == 0) {
		char where[600];
		size_t len = strlen(q.text);
		/* every ${name} became its $N; every declared name is found */
		if (strstr(q.text, "${"))
			fuzz_fail("a ${name} left in the expanded text", NULL);
		for (size_t i = 0; i < q.nparams; i++)
			if (kpi__sql_param_index(&q, q.params[i].name) != (int)i)
				fuzz_fail("a declared parameter not found at its place", q.params[i].name);
		/* a position of the expanded text maps back to a file */
		kpi__sql_position(where, sizeof(where), &q, 1);
		kpi__sql_position(where, sizeof(where), &q, (long)len);
		kpi__sql_position(where, sizeof(where), &q, (long)len + 10);
		kpi__sql_release(&q);
	}
	return 0;
}
