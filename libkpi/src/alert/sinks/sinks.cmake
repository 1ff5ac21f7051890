# The alert sinks' files (included by libkpi/CMakeLists.txt): sink.c, the
# registry and what the sinks share, and each sink's file. Every sink
# registered in src/alert/sinks/registry.h (KPI__SINK(name)) must list its
# src/alert/sinks/<name>.c here; the build checks that.
list(APPEND KPI_SINK_FILES
  src/alert/sinks/sink.c
  src/alert/sinks/pagerduty.c
  src/alert/sinks/slack.c
  src/alert/sinks/webhook.c
  src/alert/sinks/sns.c
  src/alert/sinks/command.c
  src/alert/sinks/alertmanager.c
)
