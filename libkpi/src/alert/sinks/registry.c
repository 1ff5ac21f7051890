/* The registry of alert sinks (registry.h) and the calls that dispatch to a
 * sink's operations table (sink.h). */
#include "alert/sinks/sink.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KPI__SINK(name) &kpi__sink_##name,
static const kpi__sink_type *const registry[] = {
#include "alert/sinks/registry.h"
	NULL,
};
#undef KPI__SINK

const kpi__sink_type *kpi__sink_type_find(const char *name)
{
	for (size_t i = 0; name && registry[i]; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

void kpi__sink_type_names(char *buf, size_t size)
{
	size_t off = 0, n = sizeof(registry) / sizeof(registry[0]) - 1;
	buf[0] = '\0';
	for (size_t i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
		                        registry[i]->name);
}

void kpi__sink_release(kpi__sink *s)
{
	if (s->type && s->type->free)
		s->type->free(s->state);
	s->state = NULL;
	free(s->name);
	s->name = NULL;
}

void kpi__sink_send(kpi__send_result *res, const kpi__sink *s, const json_t *n, const char *idem, long timeout_ms,
                    const kpi__alert_settings *st)
{
	memset(res, 0, sizeof(*res));
	s->type->send(res, s, n, idem, timeout_ms, st);
	/* what every type says goes to the log, the ledger, the report and the
	 * other sinks: redacted here, whatever the type quoted */
	kpi__alert_redact(st, res->detail, sizeof(res->detail));
}

