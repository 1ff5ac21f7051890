/* Progress reports of a run (core/progress.h). */
#include "core/progress.h"
#include <stdio.h>
#include <string.h>

static void report(kpi__progress *pr)
{
	if (pr && pr->cb) {
		kpi_progress copy = pr->p;
		pr->cb(&copy, pr->payload);
	}
}

void kpi__progress_init(kpi__progress *pr, const kpi_config *cfg)
{
	memset(pr, 0, sizeof(*pr));
	pr->cb = cfg ? cfg->progress : NULL;
	pr->payload = cfg ? cfg->progress_payload : NULL;
	pr->p.phase = pr->phase;
}

void kpi__progress_phase(kpi__progress *pr, const char *prefix, const char *what, size_t more)
{
	if (!pr)
		return;
	snprintf(pr->phase, sizeof(pr->phase), "%s%s%s", prefix ? prefix : "", prefix ? " " : "", what ? what : "");
	pr->p.total += more;
	pr->p.connections = 0; /* until the phase's source says */
	report(pr);
}

void kpi__progress_kpi(kpi__progress *pr, int connections)
{
	if (!pr)
		return;
	if (pr->p.done < pr->p.total)
		pr->p.done++;
	pr->p.connections = connections;
	report(pr);
}

void kpi__progress_settle(kpi__progress *pr, size_t done)
{
	if (!pr || pr->p.done >= done)
		return;
	pr->p.done = done < pr->p.total ? done : pr->p.total;
	report(pr);
}

void kpi__progress_note(const kpi_config *cfg, const char *phase)
{
	kpi__progress pr;
	kpi__progress_init(&pr, cfg);
	kpi__progress_phase(&pr, NULL, phase, 0);
}
