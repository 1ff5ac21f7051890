/* The registered sources, one line each, in the order a run reads them and
 * `kpi list` shows them: KPI__SOURCE(name) registers `kpi__source_<name>`,
 * the operations table the source's folder defines (sources/source.h).
 * Included by sources/source.h only, with KPI__SOURCE defined. */
KPI__SOURCE(postgres)
KPI__SOURCE(cloudwatch)
KPI__SOURCE(prometheus)
KPI__SOURCE(slo)
