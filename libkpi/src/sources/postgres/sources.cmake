# The PostgreSQL source's files (included by libkpi/CMakeLists.txt for every
# source that sources/registry.h registers).
list(APPEND KPI_SOURCE_FILES
  src/sources/postgres/pg.c
  src/sources/postgres/sql.c
  src/sources/postgres/lists.c
  src/sources/postgres/seed.c
  src/sources/postgres/source.c
  src/sources/postgres/analyze.c
  src/sources/postgres/standby.c
  src/sources/postgres/costs.c
  src/sources/postgres/session.c
  # kpi uncovered: the pack's list of uncovered designs for the shell (kpi/lists.h)
  src/sources/postgres/uncovered.c
)
