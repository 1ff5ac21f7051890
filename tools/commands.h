#ifndef KPI_TOOLS_COMMANDS_H
#define KPI_TOOLS_COMMANDS_H
int cmd_list(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_alert(int argc, char **argv);
int cmd_publish(int argc, char **argv);
#endif
