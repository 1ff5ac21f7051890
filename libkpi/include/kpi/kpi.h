/**
 * @file kpi/kpi.h
 * @brief Umbrella header of libkpi.
 */
#ifndef KPI_KPI_H
#define KPI_KPI_H

#include "common.h"
#include "buf.h"
#include "log.h"
#include "week.h"
#include "catalog.h"
#include "progress.h"
#include "config.h"
#include "result.h"
#include "waiver.h"
#include "eval.h"
#include "alarm.h"
#include "source.h"
#include "publish.h"
#include "format.h"
#include "seed.h"
#include "xlsx.h"
#include "pack.h"
#include "provenance.h"
#include "snapshot.h"
#include "alert.h"
#include "render.h"
#include "deliver.h"
#include "history.h"
#include "reports.h"
#include "slo.h"
#include "lists.h"

#endif
