#ifndef KPI_TOOLS_COMMANDS_H
#define KPI_TOOLS_COMMANDS_H
#include "opts.h"

/* One file per command (cmd_NAME.c): its function and its kpi_cmd_spec,
 * the one place its options, arguments and texts are declared. */
int cmd_list(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_alert(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_complete(int argc, char **argv);
int cmd_deliver(int argc, char **argv);
int cmd_silence(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_decide(int argc, char **argv);

extern const kpi_cmd_spec kpi_cmd_list, kpi_cmd_query, kpi_cmd_explain, kpi_cmd_seed, kpi_cmd_pack,
	kpi_cmd_render, kpi_cmd_verify, kpi_cmd_alert, kpi_cmd_publish, kpi_cmd_gen, kpi_cmd_complete;
extern const kpi_cmd_spec kpi_cmd_silence;
extern const kpi_cmd_spec kpi_cmd_index;

extern const kpi_cmd_spec kpi_cmd_deliver;

/* Deliver the installed pack `dir` (kpi deliver, kpi pack --deliver): one
 * line per recipient on stdout; returns the exit code (0, 9 retry, 10 failed,
 * or the error's). `resend`: comma-separated recipients, or NULL. */
int kpi_tool_deliver(const kpi_config *cfg, const char *dir, const char *state_dir, const char *resend);
extern const kpi_cmd_spec kpi_cmd_export;
extern const kpi_cmd_spec kpi_cmd_decide;

/* kpi uncovered (cmd_uncovered.c) */
int cmd_uncovered(int argc, char **argv);
extern const kpi_cmd_spec kpi_cmd_uncovered;

/* Every command, in the order of kpi --help and the man page (main.c);
 * ends with NULL. */
extern const kpi_cmd_spec *const kpi_commands[];

/* The command named `name` (hidden ones included), or NULL. */
const kpi_cmd_spec *kpi_command_find(const char *name);

/* kpi --help, to `f`. */
void kpi_usage(FILE *f);
#endif
