/* Structured logs: one line per event on stderr, JSON by default, with the
 * run id on every line so a cron run's lines can be found together; every
 * line redacted of the secrets of the run (core/redact.h). */
#include "core/internal.h"
#include "core/redact.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
	kpi_log_format format;
	kpi_log_level min;
	FILE *stream;
	char run_id[17];
	kpi__redact *redact;
	int forced;  /* KPI_LOG_LEVEL (kpi__log_level_force): wins over kpi_log_setup's; -1 none */
} logcfg = { KPI_LOG_FORMAT_JSON, KPI_LOG_INFO, NULL, "", NULL, -1 };

static const char *const level_names[] = { "debug", "info", "warn", "error", "off" };

static void make_run_id(char out[17])
{
	unsigned char r[8];
	static const char hex[] = "0123456789abcdef";
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* No entropy source: time and pid still tell runs apart. */
		uint64_t v = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
		memcpy(r, &v, sizeof(r));
	}
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[16] = '\0';
}

void kpi_log_setup(kpi_log_format format, kpi_log_level min_level, FILE *stream, const char *run_id)
{
	logcfg.format = format;
	logcfg.min = logcfg.forced >= 0 ? (kpi_log_level)logcfg.forced : min_level;
	logcfg.stream = stream;
	if (run_id && *run_id)
		snprintf(logcfg.run_id, sizeof(logcfg.run_id), "%s", run_id);
	else
		make_run_id(logcfg.run_id);
}

int kpi_log_format_parse(kpi_log_format *out, const char *name)
{
	if (name && strcmp(name, "json") == 0)
		*out = KPI_LOG_FORMAT_JSON;
	else if (name && strcmp(name, "text") == 0)
		*out = KPI_LOG_FORMAT_TEXT;
	else
		return KPI_EUSAGE;
	return 0;
}

int kpi_log_level_parse(kpi_log_level *out, const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (name && strcmp(name, level_names[i]) == 0) {
			*out = (kpi_log_level)i;
			return 0;
		}
	return KPI_EUSAGE;
}

void kpi__log_level_force(int level)
{
	logcfg.forced = level;
	if (level >= 0)
		logcfg.min = (kpi_log_level)level;
}

void kpi__log_redact_set(kpi__redact *r)
{
	kpi__redact *old = logcfg.redact;
	logcfg.redact = kpi__redact_ref(r);
	kpi__redact_unref(old);
}

char *kpi_log_redact(char *s, size_t size)
{
	return kpi__redact_str(logcfg.redact, s, size);
}

int kpi_log_redact_buf(kpi_buf *b)
{
	return kpi__redact_buf(logcfg.redact, b);
}

const char *kpi_log_run_id(void)
{
	if (!logcfg.run_id[0])
		make_run_id(logcfg.run_id);
	return logcfg.run_id;
}

static void text_value(kpi_buf *b, const json_t *v)
{
	char num[40];
	switch (json_typeof(v)) {
	case JSON_STRING: {
		const char *s = json_string_value(v);
		if (strpbrk(s, " \t\"=") || !*s) {
			char *d = json_dumps(v, JSON_ENCODE_ANY);
			kpi_buf_puts(b, d ? d : "\"\"");
			free(d);
		} else {
			kpi_buf_puts(b, s);
		}
		break;
	}
	case JSON_INTEGER: kpi_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: kpi_buf_puts(b, kpi_format_number(num, sizeof(num), true, json_real_value(v))); break;
	case JSON_TRUE: kpi_buf_puts(b, "true"); break;
	case JSON_FALSE: kpi_buf_puts(b, "false"); break;
	case JSON_NULL: kpi_buf_puts(b, "null"); break;
	default: {
		char *d = json_dumps(v, JSON_COMPACT);
		kpi_buf_puts(b, d ? d : "?");
		free(d);
	}
	}
}

void kpi_log_fields(kpi_log_level level, const char *event, void *fields_, const char *msg)
{
	json_t *fields = fields_;
	FILE *f = logcfg.stream ? logcfg.stream : stderr;
	struct timeval tv;
	struct tm tm;
	char ts[40];
	kpi_buf line = KPI_BUF_INIT, mbuf = KPI_BUF_INIT;

	if (level < logcfg.min || level >= KPI_LOG_OFF) {
		json_decref(fields);
		return;
	}
	/* the message and each field as messages (a cut one may end in the
	 * start of a secret), then the whole line below */
	if (msg && logcfg.redact && kpi_buf_puts(&mbuf, msg) == 0 && kpi__redact_msg(logcfg.redact, &mbuf) == 0)
		msg = mbuf.data;
	kpi__redact_json(logcfg.redact, fields);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, 24, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ldZ", (long)(tv.tv_usec / 1000));
	if (logcfg.format == KPI_LOG_FORMAT_JSON) {
		json_t *o = json_object();
		const char *k;
		json_t *v;
		char *d;
		json_object_set_new(o, "ts", json_string(ts));
		json_object_set_new(o, "level", json_string(level_names[level]));
		json_object_set_new(o, "run_id", json_string(kpi_log_run_id()));
		json_object_set_new(o, "event", json_string(event ? event : ""));
		if (msg)
			json_object_set_new(o, "msg", json_string(msg));
		if (json_is_object(fields))
			json_object_foreach(fields, k, v)
				if (!json_object_get(o, k))
					json_object_set(o, k, v);
		d = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		if (d)
			kpi_buf_puts(&line, d);
		free(d);
		json_decref(o);
	} else {
		const char *k;
		json_t *v;
		kpi_buf_printf(&line, "%s %s run=%s %s", ts, level_names[level], kpi_log_run_id(),
		               event ? event : "");
		if (msg)
			kpi_buf_printf(&line, ": %s", msg);
		if (json_is_object(fields))
			json_object_foreach(fields, k, v) {
				kpi_buf_printf(&line, " %s=", k);
				text_value(&line, v);
			}
	}
	if (line.data && kpi__redact_buf(logcfg.redact, &line) == 0) {
		kpi_buf_puts(&line, "\n");
		/* One write per line, so lines of concurrent runs do not interleave. */
		fwrite(line.data, 1, line.len, f);
		fflush(f);
	}
	kpi_buf_release(&line);
	kpi_buf_release(&mbuf);
	json_decref(fields);
}

void kpi_log_msg(kpi_log_level level, const char *event, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	if (level < logcfg.min || level >= KPI_LOG_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kpi_log_fields(level, event, NULL, msg);
}
