# The SLO source's files (included by libkpi/CMakeLists.txt for every
# source that sources/registry.h registers).
list(APPEND KPI_SOURCE_FILES
  src/sources/slo/slo.c
  src/sources/slo/slo_page.c
)
