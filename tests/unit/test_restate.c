/*
 * Restatements (kpi/reports.h, snapshot format 4): the comparison of a
 * snapshot with an earlier pack's (values, missing values, labels,
 * verdicts, a partial week), the "restatements" section written and read
 * back byte for byte and its validation, and a format-3 snapshot that
 * still reads and writes back as it was.
 */
#include "unit.h"
#include "packfix.h"
#include "core/internal.h"

#define SNAPSHOT_FORMAT3 KPI_SOURCE_DIR "/tests/fixtures/unit/snapshot_format3.json"

/* Two parses of one synthetic snapshot: `now`, and `earlier` as a pack
 * built a week before it would have reported the same weeks (its last week
 * moved back by one, so every week of the window is a past week of `now`). */
static void pair(kpi_snapshot **now, kpi_snapshot **earlier)
{
	kpi_snapshot *s = packfix_synthetic(6);
	kpi_buf b = packfix_json(s);
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_snapshot_parse(now, "now.json", b.data, b.len, &err) ||
	    kpi_snapshot_parse(earlier, "earlier.json", b.data, b.len, &err))
		fail_msg("%s", err.message);
	(*earlier)->result->window.last = kpi_week_add((*earlier)->result->window.last, -1);
	(*earlier)->result->window.partial = false;
	kpi_buf_release(&b);
	kpi_snapshot_free(s);
}

/* A row with a value and a label, in week `week` of the window. */
static kpi_row *labelled_row(kpi_snapshot *s, int week, const kpi_series **ser)
{
	for (size_t i = 0; i < s->result->nseries; i++) {
		kpi_series *se = &s->result->series[i];
		for (size_t k = 0; se->nlabels && k < se->nrows; k++)
			if (se->rows[k].has_value && kpi_window_index(&s->result->window, se->rows[k].period_start) == week) {
				*ser = se;
				return &se->rows[k];
			}
	}
	fail_msg("no labelled row with a value in week %d", week);
	return NULL;
}

static kpi_restatements *compare(const kpi_snapshot *now, const kpi_snapshot *earlier)
{
	kpi_earlier_pack ep = { "2026-W45", earlier };
	kpi_restatements *r = NULL;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_restatements_compare(&r, now, &ep, 1, &err))
		fail_msg("%s", err.message);
	return r;
}

static void test_restate__same_data_restates_nothing(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier;
	kpi_restatements *r;
	pair(&now, &earlier);
	r = compare(now, earlier);
	assert_int_equal(r->ncompared, 1);
	assert_string_equal(r->compared[0], "2026-W45");
	assert_int_equal(r->nvalues, 0);
	assert_int_equal(r->values_total, 0);
	assert_int_equal(r->nverdicts, 0);
	kpi_restatements_free(r);
	/* a pack of the same week (or a later one) is not an earlier pack */
	earlier->result->window.last = now->result->window.last;
	r = compare(now, earlier);
	assert_int_equal(r->ncompared, 0);
	kpi_restatements_free(r);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

static void test_restate__changed_value_old_to_new(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier;
	const kpi_series *s;
	kpi_row *row;
	double old;
	kpi_restatements *r;
	pair(&now, &earlier);
	row = labelled_row(now, 1, &s);
	old = row->value;
	row->value = nextafter(old, old + 1); /* the smallest change: compared exactly */
	r = compare(now, earlier);
	assert_int_equal(r->nvalues, 1);
	assert_int_equal(r->values_total, 1);
	assert_string_equal(r->values[0].kpi, s->def->id);
	assert_int_equal(kpi_week_cmp(r->values[0].week, kpi_week_add(now->result->window.first, 1)), 0);
	assert_true(r->values[0].old_has && r->values[0].old_value == old);
	assert_true(r->values[0].new_has && r->values[0].new_value == row->value);
	assert_int_equal(r->values[0].nlabels, s->nlabels);
	assert_string_equal(r->values[0].label_names[0], s->label_names[0]);
	assert_string_equal(r->values[0].label_values[0], row->labels[0]);
	assert_string_equal(r->values[0].pack, "2026-W45");
	kpi_restatements_free(r);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

static void test_restate__value_against_missing(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier;
	const kpi_series *s, *es;
	kpi_row *row;
	kpi_restatements *r;
	pair(&now, &earlier);
	/* now missing */
	row = labelled_row(now, 2, &s);
	row->has_value = false;
	r = compare(now, earlier);
	assert_int_equal(r->nvalues, 1);
	assert_true(r->values[0].old_has);
	assert_false(r->values[0].new_has);
	kpi_restatements_free(r);
	/* and the other way round: the earlier pack had no value */
	row->has_value = true;
	labelled_row(earlier, 2, &es)->has_value = false;
	r = compare(now, earlier);
	assert_int_equal(r->nvalues, 1);
	assert_false(r->values[0].old_has);
	assert_true(r->values[0].new_has);
	kpi_restatements_free(r);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

static void test_restate__labels_must_match(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier;
	const kpi_series *s;
	kpi_row *row;
	char *was;
	kpi_restatements *r;
	pair(&now, &earlier);
	row = labelled_row(now, 0, &s);
	was = row->labels[0];
	row->labels[0] = strdup("a label set the earlier pack did not have");
	r = compare(now, earlier);
	/* the earlier row is gone (value -> none), the new one appeared (none -> value) */
	assert_int_equal(r->nvalues, 2);
	for (size_t i = 0; i < 2; i++) {
		const kpi_restated *x = &r->values[i];
		bool old_side = strcmp(x->label_values[0], was) == 0;
		assert_true(old_side || strcmp(x->label_values[0], row->labels[0]) == 0);
		assert_int_equal(x->old_has, old_side);
		assert_int_equal(x->new_has, !old_side);
	}
	kpi_restatements_free(r);
	free(row->labels[0]);
	row->labels[0] = was;
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

static void test_restate__verdict_change_and_partial_week(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier;
	kpi_restatements *r;
	const kpi_series *s;
	int last;
	pair(&now, &earlier);
	last = earlier->result->window.nweeks - 1;
	now->verdicts[3].verdict = now->verdicts[3].verdict == KPI_VERDICT_NOGO ? KPI_VERDICT_GO : KPI_VERDICT_NOGO;
	r = compare(now, earlier);
	assert_int_equal(r->nverdicts, 1);
	assert_int_equal(kpi_week_cmp(r->verdicts[0].week, now->verdicts[3].week), 0);
	assert_int_equal(r->verdicts[0].old_verdict, earlier->verdicts[3].verdict);
	assert_int_equal(r->verdicts[0].new_verdict, now->verdicts[3].verdict);
	assert_string_equal(r->verdicts[0].pack, "2026-W45");
	kpi_restatements_free(r);
	/* a week the earlier pack reported while in progress is not compared */
	labelled_row(now, last, &s)->value += 1;
	r = compare(now, earlier);
	assert_int_equal(r->nvalues, 1);
	kpi_restatements_free(r);
	earlier->result->window.partial = true;
	r = compare(now, earlier);
	assert_int_equal(r->nvalues, 0);
	kpi_restatements_free(r);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

/* `s` written to `a`, read back and written again: the same bytes; the
 * snapshot read back (the caller frees). */
static kpi_snapshot *round_trip(kpi_snapshot *s, kpi_buf *a)
{
	kpi_snapshot *back = NULL;
	kpi_buf b = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	if (kpi_snapshot_write(a, s, &err) || kpi_snapshot_parse(&back, "r.json", a->data, a->len, &err) ||
	    kpi_snapshot_write(&b, back, &err))
		fail_msg("%s", err.message);
	assert_int_equal(a->len, b.len);
	assert_memory_equal(a->data, b.data, a->len);
	kpi_buf_release(&b);
	return back;
}

/* Restatements written, read back, written again: the same bytes; a
 * broken section is an error at its position. */
static void test_restate__snapshot_round_trip_and_validation(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier, *back = NULL;
	const kpi_series *s;
	kpi_buf a = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char *bad;
	pair(&now, &earlier);
	/* (the earlier side changed: `now` stays a valid snapshot) */
	labelled_row(earlier, 1, &s)->value += 1;
	earlier->verdicts[2].verdict = earlier->verdicts[2].verdict == KPI_VERDICT_NOGO ? KPI_VERDICT_GO : KPI_VERDICT_NOGO;
	now->restatements = compare(now, earlier);
	now->restatements->unread = calloc(1, sizeof(kpi_unread_pack));
	now->restatements->unread[0].pack = strdup("reports/2026-W44");
	now->restatements->unread[0].reason = strdup("manifest.json:1:1: not a kpi manifest");
	now->restatements->nunread = 1;
	back = round_trip(now, &a);
	assert_non_null(strstr(a.data, ", \"pack\": \"2026-W45\"}\n    ]}"));
	assert_non_null(strstr(a.data, "\"unreadable\": [\n      {\"pack\": \"reports/2026-W44\""));
	assert_int_equal(back->restatements->nvalues, 1);
	assert_int_equal(back->restatements->nverdicts, 1);
	assert_int_equal(back->restatements->nunread, 1);
	kpi_snapshot_free(back);
	back = NULL;
	/* the total must count what is listed */
	bad = strdup(a.data);
	memcpy(strstr(bad, "\"values_total\": 1"), "\"values_total\": 7", 17);
	assert_int_equal(kpi_snapshot_parse(&back, "r.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_non_null(strstr(err.message, "values_total"));
	assert_null(back);
	free(bad);
	/* a restated verdict must be the snapshot's verdict of that week */
	bad = strdup(a.data);
	{
		char *v = strstr(strstr(bad, "\"verdicts\": [\n      {"), "\"new\": \"");
		assert_non_null(v);
		memcpy(v + 8, strncmp(v + 8, "GO\"", 3) == 0 ? "NO" : "GO", 2);
	}
	assert_int_equal(kpi_snapshot_parse(&back, "r.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_null(back);
	free(bad);
	/* a format-4 snapshot without the section */
	bad = strdup(a.data);
	*strstr(bad, ",\n  \"restatements\"") = '\0';
	{
		kpi_buf c = KPI_BUF_INIT;
		kpi_buf_puts(&c, bad);
		kpi_buf_puts(&c, "\n}\n");
		assert_int_equal(kpi_snapshot_parse(&back, "r.json", c.data, c.len, &err), KPI_EDATA);
		assert_non_null(strstr(err.message, "'restatements' must be an object or null"));
		kpi_buf_release(&c);
	}
	free(bad);
	kpi_buf_release(&a);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

/* A waiver of `kpi` in force until `until` appended to `s`'s. */
static void add_waiver(kpi_snapshot *s, const char *kpi, kpi_week until)
{
	kpi_waiver *w = realloc(s->waivers, (s->nwaivers + 1) * sizeof(*w));
	assert_non_null(w);
	s->waivers = w;
	w = &s->waivers[s->nwaivers++];
	memset(w, 0, sizeof(*w));
	w->kpi = strdup(kpi);
	w->reason = strdup("ALB moves account");
	w->approved_by = strdup("J. Rivera");
	w->until = until;
}

/* What a restated verdict's two snapshots hold differently: nothing known
 * when the verdict changed for no reason the snapshots show; the waivers
 * in force for the week (not the data) when only a waiver came; the data
 * when a value of the week changed; a waiver that ran out before the week
 * is not one in force. */
static void test_restate__what_differs(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier;
	kpi_restatements *r;
	const kpi_series *s;
	pair(&now, &earlier);
	now->verdicts[3].verdict = now->verdicts[3].verdict == KPI_VERDICT_NOGO ? KPI_VERDICT_GO : KPI_VERDICT_NOGO;
	r = compare(now, earlier);
	assert_int_equal(r->nverdicts, 1);
	assert_int_equal(r->verdicts[0].differ, 0);
	assert_false(r->verdicts[0].decided); /* kpi_restatements_compare() reads no decisions */
	kpi_restatements_free(r);
	/* a waiver that ran out the week before: not in force, not a difference */
	add_waiver(now, now->catalog->kpis[0].id, kpi_week_add(now->verdicts[3].week, -1));
	r = compare(now, earlier);
	assert_int_equal(r->verdicts[0].differ, 0);
	kpi_restatements_free(r);
	/* in force in the week (no start week: it covers every earlier week) */
	add_waiver(now, now->catalog->kpis[0].id, kpi_week_add(now->result->window.last, 2));
	r = compare(now, earlier);
	assert_int_equal(r->verdicts[0].differ, KPI_RESTATED_WAIVERS);
	kpi_restatements_free(r);
	/* the same waiver in both: not a difference; a value of the week: the data */
	add_waiver(earlier, now->catalog->kpis[0].id, kpi_week_add(now->result->window.last, 5));
	labelled_row(now, 3, &s)->value += 1;
	r = compare(now, earlier);
	assert_int_equal(r->verdicts[0].differ, KPI_RESTATED_DATA);
	kpi_restatements_free(r);
	/* a value of another week is not this week's data */
	labelled_row(now, 3, &s)->value -= 1;
	labelled_row(now, 2, &s)->value += 1;
	r = compare(now, earlier);
	assert_int_equal(r->verdicts[0].differ, 0);
	assert_int_equal(r->values_total, 1);
	kpi_restatements_free(r);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

/* The cover's sentence on a restated verdict says "decided" only for a
 * decision on record, and a cause only when one is known; "decided" and
 * "differ" round-trip through snapshot.json and are checked there. */
static void test_restate__cover_words_and_round_trip(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier, *back = NULL;
	kpi_buf a = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	char **words = NULL, wk[16], *bad, *at;
	const char *said = NULL;
	pair(&now, &earlier);
	earlier->verdicts[3].verdict = now->verdicts[3].verdict == KPI_VERDICT_NOGO ? KPI_VERDICT_GO : KPI_VERDICT_NOGO;
	now->restatements = compare(now, earlier);
	assert_int_equal(now->restatements->nverdicts, 1);
	kpi_week_format(wk, sizeof(wk), now->verdicts[3].week);
	/* nothing decided, nothing known of why */
	assert_int_equal(kpi_render_week_words(&words, now, &err), 0);
	for (size_t i = 0; words[i]; i++)
		if (strstr(words[i], "Changed since"))
			said = words[i];
	assert_non_null(said);
	assert_true(strncmp(said, "Changed since its pack was made: ", 33) == 0);
	assert_non_null(strstr(said, wk));
	assert_null(strstr(said, "decided"));
	assert_null(strstr(said, "differs"));
	assert_null(strstr(said, "Data arrived"));
	kpi_render_words_free(words);
	/* decided, and the waivers differ */
	now->restatements->verdicts[0].decided = true;
	now->restatements->verdicts[0].differ = KPI_RESTATED_WAIVERS | KPI_RESTATED_RULE;
	assert_int_equal(kpi_render_week_words(&words, now, &err), 0);
	said = NULL;
	for (size_t i = 0; words[i]; i++)
		if (strstr(words[i], "Changed since"))
			said = words[i];
	assert_non_null(said);
	assert_true(strncmp(said, "Changed since it was decided: ", 30) == 0);
	assert_non_null(strstr(said, "That pack differs from this one in the waivers in force (a waiver has no start "
	                             "week: it covers earlier weeks too) and the verdict rule"));
	assert_null(strstr(said, "data"));
	kpi_render_words_free(words);
	/* written, read back, written again: the same bytes */
	back = round_trip(now, &a);
	assert_non_null(strstr(a.data, ", \"pack\": \"2026-W45\", \"decided\": true, \"differ\": [\"waivers\", \"rule\"]}"));
	assert_true(back->restatements->verdicts[0].decided);
	assert_int_equal(back->restatements->verdicts[0].differ, KPI_RESTATED_WAIVERS | KPI_RESTATED_RULE);
	kpi_snapshot_free(back);
	back = NULL;
	/* out of order, unknown, false: refused at the value */
	bad = strdup(a.data);
	at = strstr(bad, "[\"waivers\", \"rule\"]");
	memcpy(at, "[\"rule\", \"waivers\"]", 19);
	assert_int_equal(kpi_snapshot_parse(&back, "r.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_non_null(strstr(err.message, "'differ' lists data, waivers, collected, thresholds or rule"));
	memcpy(at, "[\"waivers\", \"rulx\"]", 19);
	assert_int_equal(kpi_snapshot_parse(&back, "r.json", bad, strlen(bad), &err), KPI_EDATA);
	free(bad);
	bad = strdup(a.data);
	memcpy(strstr(bad, "\"decided\": true"), "\"decided\": null", 15);
	assert_int_equal(kpi_snapshot_parse(&back, "r.json", bad, strlen(bad), &err), KPI_EDATA);
	assert_non_null(strstr(err.message, "'decided' is true or absent"));
	assert_null(back);
	free(bad);
	kpi_buf_release(&a);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

/* Format 3 (no "restatements") still reads, and writes back byte for byte. */
static void test_restate__format3_written_back(void **state)
{
	(void)state;
	kpi_snapshot *snap = NULL;
	kpi_error err = KPI_ERROR_INIT;
	kpi_buf out = KPI_BUF_INIT;
	size_t len;
	char *text = packfix_read(SNAPSHOT_FORMAT3, &len);
	if (kpi_snapshot_parse(&snap, "f3.json", text, len, &err))
		fail_msg("%s", err.message);
	assert_int_equal(snap->format, 3);
	assert_null(snap->restatements);
	if (kpi_snapshot_write(&out, snap, &err))
		fail_msg("%s", err.message);
	assert_int_equal(out.len, len);
	assert_memory_equal(out.data, text, len);
	assert_null(strstr(out.data, "restatements"));
	kpi_buf_release(&out);
	kpi_snapshot_free(snap);
	free(text);
}

/* Many restatements with long labels: the scorecard's bands and Appendix E
 * over pages (pages written as PNG under KPI_RESTATE_PNG=DIR to look at). */
static void test_restate__render_many_with_long_labels(void **state)
{
	(void)state;
	kpi_snapshot *now, *earlier;
	kpi_buf pdf = KPI_BUF_INIT;
	kpi_error err = KPI_ERROR_INIT;
	const char *dir = packfix_tmpdir();
	char cmd[1024], *text;
	size_t len;
	kpi_restatements *r;
	pair(&now, &earlier);
	r = compare(now, earlier);
	/* 150 restated values with labels far longer than a column */
	r->values = calloc(150, sizeof(*r->values));
	for (size_t i = 0; i < 150; i++) {
		kpi_restated *x = &r->values[i];
		char lv[200];
		const kpi_series *s = &now->result->series[i % now->result->nseries];
		snprintf(lv, sizeof(lv), "a very long label value number %zu that no column of the pack is wide enough "
		         "to show whole, so it is cut with an ellipsis", i);
		x->kpi = strdup(s->def->id);
		x->nlabels = 1;
		x->label_names = calloc(1, sizeof(char *));
		x->label_values = calloc(1, sizeof(char *));
		x->label_names[0] = strdup(s->nlabels ? s->label_names[0] : "tenant");
		x->label_values[0] = strdup(lv);
		x->week = kpi_week_add(now->result->window.first, (int)(i % 5));
		x->old_has = i % 7 != 0;
		x->old_value = 90 + (double)i / 10;
		x->new_has = true;
		x->new_value = 80 + (double)i / 10;
		x->pack = strdup("2026-W45");
	}
	r->nvalues = r->values_total = 150;
	now->restatements = r;
	if (kpi_render_pdf(&pdf, now, &err))
		fail_msg("%s", err.message);
	packfix_write(packfix_path(dir, "many.pdf"), pdf.data, pdf.len);
	snprintf(cmd, sizeof(cmd), "pdftotext '%s/many.pdf' '%s/many.txt'", dir, dir);
	assert_int_equal(system(cmd), 0);
	text = packfix_read(packfix_path(dir, "many.txt"), &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "Appendix E — Restatements"));
	assert_non_null(strstr(text, "Appendix E — Restatements (continued)"));
	assert_non_null(strstr(text, "Values restated (150)"));
	assert_non_null(strstr(text, "a very long label value number 149"));
	free(text);
	if (getenv("KPI_RESTATE_PNG")) {
		snprintf(cmd, sizeof(cmd), "pdftoppm -r 60 -png '%s/many.pdf' '%s/many'", dir, getenv("KPI_RESTATE_PNG"));
		assert_int_equal(system(cmd), 0);
	}
	kpi_buf_release(&pdf);
	kpi_snapshot_free(now);
	kpi_snapshot_free(earlier);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restate__same_data_restates_nothing),
		cmocka_unit_test(test_restate__changed_value_old_to_new),
		cmocka_unit_test(test_restate__value_against_missing),
		cmocka_unit_test(test_restate__labels_must_match),
		cmocka_unit_test(test_restate__verdict_change_and_partial_week),
		cmocka_unit_test(test_restate__snapshot_round_trip_and_validation),
		cmocka_unit_test(test_restate__format3_written_back),
		cmocka_unit_test(test_restate__what_differs),
		cmocka_unit_test(test_restate__cover_words_and_round_trip),
		cmocka_unit_test(test_restate__render_many_with_long_labels),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	packfix_cleanup();
	return rc;
}
