/*
 * Mute windows of `kpi alert` (the config's alert.mute_windows; see
 * docs/configuration.md): weekly, in the configured time zone (GLib's
 * GTimeZone through core/week.c), from `start` on each of its `days` to
 * `end` (the next day when `end` is not after `start`), start inclusive and
 * end exclusive, in local wall-clock time: a window of 02:00-03:00 does not
 * happen on the night clocks skip that hour and lasts two hours on the
 * night they repeat it. A window covers the alerts of its `kpis` (all when
 * absent) whose labels include its `labels`, on its `sinks` (all when
 * absent). alert_run.c applies it with the silences (alert_silence.c).
 */
#include "alert/alert_internal.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* Every label of `want` is in `have` with the same value. */
bool kpi__labels_match(const json_t *want, const json_t *have)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)want, k, v) {
		const char *h = json_string_value(json_object_get(have, k));
		if (!h || strcmp(h, json_string_value(v)) != 0)
			return false;
	}
	return true;
}

void kpi__mute_windows_release(kpi__mute_window *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].name);
		json_decref(w[i].kpis);
		json_decref(w[i].labels);
		json_decref(w[i].sinks);
	}
	free(w);
}

/* "HH:MM" (00:00 to 23:59; "24:00" when `end`) as minutes; -1 otherwise. */
static int hhmm(const json_t *v, bool end)
{
	const char *s = json_string_value(v);
	int h, m;
	if (!s || strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m || !end)))
		return -1;
	return h * 60 + m;
}

/* An array of strings, each passing `ok` (NULL: any non-empty one). */
static bool string_array(const json_t *v, bool (*ok)(const void *ctx, const char *s), const void *ctx,
                         const char **badv)
{
	size_t i;
	json_t *x;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i, x) {
		const char *s = json_string_value(x);
		if (!s || !*s || (ok && !ok(ctx, s))) {
			*badv = s;
			return false;
		}
	}
	return true;
}

static bool is_kpi(const void *ctx, const char *s)
{
	return strcmp(s, KPI__SOURCE_RECORD) == 0 || kpi_catalog_find(ctx, s) != NULL;
}

static bool is_sink(const void *ctx, const char *s)
{
	const kpi__alert_settings *st = ctx;
	for (size_t i = 0; i < st->nsinks; i++)
		if (strcmp(st->sinks[i].name, s) == 0)
			return true;
	return false;
}

static int parse_window(kpi__mute_window *w, kpi__alert_settings *st, const kpi_catalog *cat,
                        const kpi__jsondoc *doc, const json_t *o, kpi_error *err)
{
	static const char *const keys[] = { "name", "days", "start", "end", "kpis", "labels", "sinks", NULL };
	const char *name = json_string_value(json_object_get(o, "name")), *badv = NULL, *k;
	json_t *v, *dv;
	size_t i;
	int rc;

	if (!json_is_object(o))
		return kpi__jsondoc_error(doc, o, err, KPI_ECONFIG,
		                          "alert.mute_windows holds objects {name, days, start, end, kpis, labels, sinks}");
	if ((rc = kpi__json_check_keys(doc, o, keys, "alert.mute_windows[]", err)))
		return rc;
	if (!name || !*name)
		return kpi__jsondoc_error(doc, json_object_get(o, "name") ? json_object_get(o, "name") : o, err, KPI_ECONFIG,
		                          "alert.mute_windows: every window needs a name (a non-empty string)");
	for (size_t j = 0; j < st->nmutes; j++)
		if (strcmp(st->mutes[j].name, name) == 0)
			return kpi__jsondoc_error(doc, json_object_get(o, "name"), err, KPI_ECONFIG,
			                          "alert.mute_windows: two windows are named '%s'", name);
	if (!(w->name = strdup(name)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	v = json_object_get(o, "days");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return kpi__jsondoc_error(doc, v ? v : o, err, KPI_ECONFIG,
		                          "mute window '%s': days must be a non-empty array of mon, tue, wed, thu, fri, sat, "
		                          "sun (the days the window starts on)",
		                          name);
	json_array_foreach(v, i, dv) {
		bool found = false;
		for (int d = 0; d < 7; d++)
			if (json_string_value(dv) && strcmp(json_string_value(dv), day_names[d]) == 0) {
				w->days |= 1u << d;
				found = true;
			}
		if (!found)
			return kpi__jsondoc_error(doc, dv, err, KPI_ECONFIG,
			                          "mute window '%s': days holds mon, tue, wed, thu, fri, sat or sun", name);
	}
	if ((w->start = hhmm(json_object_get(o, "start"), false)) < 0)
		return kpi__jsondoc_error(doc, json_object_get(o, "start") ? json_object_get(o, "start") : o, err,
		                          KPI_ECONFIG, "mute window '%s': start must be a local time \"HH:MM\" (00:00-23:59)",
		                          name);
	if ((w->end = hhmm(json_object_get(o, "end"), true)) < 0)
		return kpi__jsondoc_error(doc, json_object_get(o, "end") ? json_object_get(o, "end") : o, err, KPI_ECONFIG,
		                          "mute window '%s': end must be a local time \"HH:MM\" (00:00-24:00; not after "
		                          "start: the next day)",
		                          name);
	if ((v = json_object_get(o, "kpis"))) {
		if (!string_array(v, is_kpi, cat, &badv))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "mute window '%s': kpis must be a non-empty array of KPI ids%s%s%s", name,
			                          badv ? " ('" : "", badv ? badv : "", badv ? "' is not one: see kpi list)" : "");
		w->kpis = json_incref(v);
	}
	if ((v = json_object_get(o, "labels"))) {
		json_t *x;
		bool ok = json_is_object(v);
		json_object_foreach(v, k, x)
			ok &= json_is_string(x);
		if (!ok)
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "mute window '%s': labels must be an object {name: value} of strings", name);
		w->labels = json_incref(v);
	}
	if ((v = json_object_get(o, "sinks"))) {
		if (!string_array(v, is_sink, st, &badv))
			return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
			                          "mute window '%s': sinks must be a non-empty array of the names of alert.sinks%s%s%s",
			                          name, badv ? " ('" : "", badv ? badv : "", badv ? "' is not one)" : "");
		w->sinks = json_incref(v);
	}
	return 0;
}

int kpi__mute_windows_parse(kpi__alert_settings *st, const kpi_catalog *cat, const kpi__jsondoc *doc,
                            const json_t *v, kpi_error *err)
{
	size_t i;
	json_t *o;
	int rc;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return kpi__jsondoc_error(doc, v, err, KPI_ECONFIG,
		                          "alert.mute_windows must be an array of {name, days, start, end, kpis, labels, sinks}");
	if (!(st->mutes = calloc(json_array_size(v) + 1, sizeof(*st->mutes))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	json_array_foreach(v, i, o) {
		kpi__mute_window w = { 0 };
		rc = parse_window(&w, st, cat, doc, o, err);
		st->mutes[st->nmutes++] = w;
		if (rc)
			return rc;
	}
	return 0;
}

/* a mod b for b > 0, never negative. */
static int64_t mod_floor(int64_t a, int64_t b)
{
	int64_t m = a % b;
	return m < 0 ? m + b : m;
}

bool kpi__mute_window_active(const kpi__mute_window *w, const kpi__tz *tz, int64_t t)
{
	int64_t wall = kpi__tz_wall(tz, t);
	int64_t day = (wall - mod_floor(wall, 86400)) / 86400;
	int64_t minute = mod_floor(wall, 86400) / 60;
	/* 1970-01-01 was a Thursday: day 0 is index 3 of mon..sun */
	int today = (int)mod_floor(day + 3, 7), yesterday = (today + 6) % 7;
	bool starts_today = w->days & (1u << today), started_yesterday = w->days & (1u << yesterday);

	if (w->start < w->end)
		return starts_today && minute >= w->start && minute < w->end;
	/* crosses midnight (or lasts a whole day when end == start) */
	return (starts_today && minute >= w->start) || (started_yesterday && minute < w->end);
}

static bool listed(const json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return true;
	return false;
}

bool kpi__mute_window_covers(const kpi__mute_window *w, const char *kpi, const json_t *labels, const char *sink)
{
	if (w->kpis && !listed(w->kpis, kpi))
		return false;
	if (w->labels && !kpi__labels_match(w->labels, labels))
		return false;
	return !sink || !w->sinks || listed(w->sinks, sink);
}

