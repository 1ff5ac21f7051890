/*
 * The history page (kpi/history.h, pack/history.c) from the renderer's demo
 * fixtures (demo-w42: 8 weeks, NO-GO; demo-w46: 12 weeks, GO), no
 * database: its golden bytes, its escaping of hostile names, ids that never
 * collide between the inline SVGs, nothing from elsewhere, and the merge
 * (each week as the newest pack holding it reported it).
 *
 * The golden, tests/fixtures/history/index.html, holds Debian 12's Cairo
 * and Pango output; rewrite it after a deliberate change with
 *   KPI_UPDATE_GOLDEN=1 build/tests/unit/test_unit_history
 * and look at the page (docs/pack.md, "The history page").
 */
#include "unit.h"
#include "kpi/history.h"
#include "kpi/render.h"

#include <cairo.h>
#include <pango/pango.h>
#include <strings.h>

#define RENDER_FIXTURES KPI_SOURCE_DIR "/tests/fixtures/render"
#define GOLDEN KPI_SOURCE_DIR "/tests/fixtures/history/index.html"

typedef struct fx {
	kpi_snapshot *w42, *w46;
} fx;

static const char *const files42[] = {"charts/export_success_rate.png", "kpi-2026-W42.csv", "kpi-2026-W42.pdf",
                                      "kpi-2026-W42.xlsx", "snapshot.json"};
static const char *const files46[] = {"charts/adoption_split.png", "charts/export_success_rate.png",
                                      "kpi-2026-W46.csv", "kpi-2026-W46.pdf", "kpi-2026-W46.xlsx", "snapshot.json"};

static const kpi_history_decision decisions[] = {
	{"2026-W42", "no-go", "Ana Lima", "2026-10-19T09:00:00Z", "Error rate above target; revisit next week."},
	{"2026-W46", "hold", "Ben Okafor", "2026-11-16T09:30:00Z", "Wait for the drill."},
};

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	kpi_error err = KPI_ERROR_INIT;
	assert_non_null(f);
	if (kpi_snapshot_load(&f->w42, RENDER_FIXTURES "/demo-w42.snapshot.json", &err) ||
	    kpi_snapshot_load(&f->w46, RENDER_FIXTURES "/demo-w46.snapshot.json", &err))
		fail_msg("%s", err.message);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	kpi_snapshot_free(f->w42);
	kpi_snapshot_free(f->w46);
	free(f);
	return 0;
}

/* The page of both packs (given newest first: the order must not matter). */
static char *page(const fx *f, const char *name42, const kpi_history_decision *d, size_t nd)
{
	kpi_history_pack p[2] = {
		{"2026-W46", f->w46, files46, sizeof(files46) / sizeof(files46[0])},
		{name42, f->w42, files42, sizeof(files42) / sizeof(files42[0])},
	};
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_history_html(&b, p, 2, d, nd, &err))
		fail_msg("kpi_history_html: %s", err.message);
	return b.data;
}

static void test_history__golden_page_of_two_packs(void **state)
{
	char *got = page(*state, "2026-W42", decisions, 2), *want;
	if (getenv("KPI_UPDATE_GOLDEN")) {
		FILE *o;
		if (strcmp(cairo_version_string(), "1.16.0") || strcmp(pango_version_string(), "1.50.12"))
			fail_msg("KPI_UPDATE_GOLDEN: refusing to rewrite %s: its bytes are Debian 12's (cairo 1.16.0, "
			         "pango 1.50.12), this is cairo %s, pango %s", GOLDEN, cairo_version_string(),
			         pango_version_string());
		assert_non_null(o = fopen(GOLDEN, "wb"));
		assert_int_equal(fwrite(got, 1, strlen(got), o), strlen(got));
		assert_int_equal(fclose(o), 0);
	}
	want = slurp(GOLDEN);
	assert_non_null(want);
	if (strcmp(got, want)) {
		size_t i = 0;
		while (got[i] && got[i] == want[i])
			i++;
		fail_msg("the page differs from %s at byte %zu (KPI_UPDATE_GOLDEN=1 rewrites it): got \"%.80s\"", GOLDEN, i,
		         got + i);
	}
	free(want);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history__golden_page_of_two_packs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
