# The Prometheus source's files (included by libkpi/CMakeLists.txt for every
# source that sources/registry.h registers).
list(APPEND KPI_SOURCE_FILES
  src/sources/prometheus/settings.c
  src/sources/prometheus/query.c
  src/sources/prometheus/prometheus.c
)
