/* The outputs of a pack directory, one line each, in the order they are
 * written: KPI__PACK_OUT(name) registers `kpi__pack_out_<name>`, the table
 * its file pack/outputs/<name>.c defines (pack/output.h). Included by
 * pack/output.h only, with KPI__PACK_OUT defined. */
KPI__PACK_OUT(pdf)
KPI__PACK_OUT(xlsx)
KPI__PACK_OUT(charts)
KPI__PACK_OUT(csv)
