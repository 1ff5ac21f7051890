# The CloudWatch source's files (included by libkpi/CMakeLists.txt for every
# source that sources/registry.h registers).
list(APPEND KPI_SOURCE_FILES
  src/sources/cloudwatch/settings.c
  src/sources/cloudwatch/query.c
  src/sources/cloudwatch/plan.c
  src/sources/cloudwatch/cache.c
  src/sources/cloudwatch/discover.c
  src/sources/cloudwatch/source.c
)
