/*
 * Thresholds as text (core/threshold.h, kpi/catalog.h): operators parsed
 * and named, and one formatter for the shell, the alerts, the catalogue and
 * the workbook (ASCII) and for the pack (typographic).
 */
#include "core/internal.h"
#include "core/number.h"
#include "core/threshold.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	kpi_op op;
} ops[] = {
	{ ">=", KPI_OP_GE }, { ">", KPI_OP_GT }, { "<=", KPI_OP_LE },
	{ "<", KPI_OP_LT },  { "=", KPI_OP_EQ }, { "==", KPI_OP_EQ },
};

int kpi_op_parse(kpi_op *out, const char *text)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (text && strcmp(text, ops[i].name) == 0) {
			*out = ops[i].op;
			return 0;
		}
	return KPI_EUSAGE;
}

const char *kpi_op_name(kpi_op op)
{
	switch (op) {
	case KPI_OP_GE: return ">=";
	case KPI_OP_GT: return ">";
	case KPI_OP_LE: return "<=";
	case KPI_OP_LT: return "<";
	case KPI_OP_EQ: return "=";
	default: return "";
	}
}

/* The operator as typeset in the pack. */
static const char *op_sign(kpi_op op)
{
	switch (op) {
	case KPI_OP_GE: return "≥";
	case KPI_OP_GT: return ">";
	case KPI_OP_LE: return "≤";
	case KPI_OP_LT: return "<";
	case KPI_OP_EQ: return "=";
	default: return "";
	}
}

char *kpi__threshold_format(char *buf, size_t size, const kpi_threshold *th, const char *unit, unsigned style)
{
	char num[64], v[512];
	const char *shown = unit;
	size_t len;

	if (!th || th->op == KPI_OP_NONE) {
		snprintf(buf, size, "none");
		return buf;
	}
	if (style & KPI__TH_PACK) {
		double div = style & KPI__TH_NO_LADDER ? 1 : kpi__time_unit(unit, th->target, &shown, NULL);
		kpi__fmt_num(num, sizeof(num), th->target / div, KPI__NUM_PEOPLE);
	} else {
		kpi__fmt_num(num, sizeof(num), th->target, KPI__NUM_EXACT);
	}
	kpi__fmt_unit(v, sizeof(v), num, shown, false);
	snprintf(buf, size, "%s %s", style & KPI__TH_PACK ? op_sign(th->op) : kpi_op_name(th->op), v);
	if (!(style & KPI__TH_MARGIN) || !(th->warn_margin > 0))
		return buf;
	len = strlen(buf);
	if (style & KPI__TH_PACK) {
		/* a margin of a percentage is in points, not a percent of the target */
		if (kpi__unit_is(unit, "%"))
			kpi__fmt_unit(v, sizeof(v), kpi__fmt_num(num, sizeof(num), th->warn_margin, KPI__NUM_PEOPLE), unit, true);
		else
			kpi__fmt_value(v, sizeof(v), true, th->warn_margin, unit, KPI__NUM_PEOPLE, NULL);
		snprintf(buf + len, size - len, "; warn within %s of the target", v);
	} else {
		snprintf(buf + len, size - len, " (warn within %s)", kpi__fmt_num(num, sizeof(num), th->warn_margin, KPI__NUM_EXACT));
	}
	return buf;
}

char *kpi_threshold_format(char *buf, size_t size, const kpi_threshold *th, const char *unit)
{
	return kpi__threshold_format(buf, size, th, unit, KPI__TH_ASCII);
}
