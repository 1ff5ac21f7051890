/* The command-line surface, declared once: each command's kpi_cmd_spec (its
 * typed option table, positional arguments, synopsis and description, in its
 * cmd_*.c) and the exit status tables below drive parsing, the usage line,
 * --help, the man page's SYNOPSIS / OPTIONS / EXIT STATUS and the shell
 * completions (tools/gen.c), so none of them can drift from behaviour. */
#ifndef KPI_TOOLS_OPTS_H
#define KPI_TOOLS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "kpi/kpi.h"

/* Exit codes of every subcommand but `kpi alert` (which keeps Nagios' 0-3).
 * What each means is in kpi_exit_codes[] (opts.c), the one place --help and
 * the man page's EXIT STATUS are generated from. */
enum {
	KPI_EXIT_OK = 0,
	KPI_EXIT_FAILURE = 1,
	KPI_EXIT_USAGE = 2,
	KPI_EXIT_CONFIG = 3,
	KPI_EXIT_SOURCE = 4,
	KPI_EXIT_TIMEOUT = 5,
	KPI_EXIT_CONTRACT = 6,
	KPI_EXIT_IO = 7,
	KPI_EXIT_DATA = 8,
	/* kpi deliver, kpi pack --deliver */
	KPI_EXIT_DELIVERY_RETRY = 9,
	KPI_EXIT_DELIVERY_FAILED = 10
};

/* Exit codes of `kpi alert` (Nagios plugin convention): kpi_nagios_codes[]. */
enum {
	KPI_NAGIOS_OK = 0,
	KPI_NAGIOS_WARNING = 1,
	KPI_NAGIOS_CRITICAL = 2,
	KPI_NAGIOS_UNKNOWN = 3
};

/* One exit status: the code, a short name, one line for --help and more for
 * the man page (or NULL). Texts may mark literals with `backquotes` (bold in
 * the man page, plain in --help). `lib` lists the library codes (KPI_E...)
 * kpi_exit_code() maps to it. */
typedef struct kpi_exit_info {
	int code;
	const char *name;
	const char *summary;
	const char *details;
	int lib[3];
	size_t nlib;
} kpi_exit_info;

extern const kpi_exit_info kpi_exit_codes[];   /* ends with name NULL */
extern const kpi_exit_info kpi_nagios_codes[]; /* ends with name NULL */

/* The type of an option's argument: how it is parsed and checked, what the
 * value in the command's argument struct is, how a shell completes it. */
typedef enum kpi_opt_type {
	KPI_OPT_FLAG,   /* no argument; bool, true when given */
	KPI_OPT_STRING, /* const char * */
	KPI_OPT_INT,    /* int, a whole number in [min, max] */
	KPI_OPT_NUMBER, /* double in [min, max] */
	KPI_OPT_WEEK,   /* const char *: YYYY-Www (checked by kpi_week_parse), last or current */
	KPI_OPT_ENUM,   /* const char *: one of `values` (the table's own string) */
	KPI_OPT_FILE,   /* const char *: a path to a file, not empty */
	KPI_OPT_DIR,    /* const char *: a path to a directory, not empty */
	KPI_OPT_LIST    /* kpi_opt_list: a string, the option repeatable */
} kpi_opt_type;

/* The values of a repeatable option (KPI_OPT_LIST), in the order given. */
#define KPI_OPT_LIST_MAX 64
typedef struct kpi_opt_list {
	const char *v[KPI_OPT_LIST_MAX];
	size_t n;
} kpi_opt_list;

enum { KPI_OPT_REQUIRED = 1 }; /* kpi_opt.flags: the command cannot run without it */

/* One option. Texts may mark literals with `backquotes`. --help prints
 * `help`, then what the type accepts (": table, csv or json", ", 1..60")
 * and the default ("(default last)"); the man page adds `details`. */
typedef struct kpi_opt {
	const char *name;     /* long name without "--"; NULL ends the table */
	char short_name;      /* 0 for none */
	kpi_opt_type type;
	const char *arg;      /* argument placeholder ("FILE"), NULL for a flag */
	size_t offset;        /* of the value in the command's argument struct */
	const char *def;      /* default, parsed like an argument; NULL for none */
	const char *help;     /* one line: what it is */
	const char *details;  /* more for the man page, or NULL */
	const char *const *values; /* KPI_OPT_ENUM: allowed values, NULL-terminated */
	double min, max;      /* KPI_OPT_INT, KPI_OPT_NUMBER: the range */
	int flags;            /* KPI_OPT_REQUIRED */
} kpi_opt;

/* The kinds of positional arguments (for checks, synopsis and completion). */
typedef enum kpi_arg_kind {
	KPI_ARG_KPI,        /* a KPI id of the catalogue */
	KPI_ARG_KPI_OR_ALL, /* a KPI id or "all" */
	KPI_ARG_ENUM,       /* one of `values` */
	KPI_ARG_DIR,        /* a directory */
	KPI_ARG_FILE        /* a file */
} kpi_arg_kind;

/* One positional argument; the value (const char *) goes to `offset`. */
typedef struct kpi_arg {
	const char *name;     /* placeholder ("KPI", "DIR"); NULL ends the table */
	kpi_arg_kind kind;
	size_t offset;
	const char *const *values; /* KPI_ARG_ENUM */
	const char *noun;     /* KPI_ARG_ENUM: "dataset" in "unknown dataset 'x': expected demo or scale" */
	const char *missing;  /* when required: the usage error if it is not given */
} kpi_arg;

/* A command: the one place its options, arguments and texts live. */
typedef struct kpi_cmd_spec {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;     /* one line for kpi --help */
	const char *description; /* paragraphs of --help, as printed */
	const kpi_opt *opts;     /* ends with name NULL */
	const kpi_arg *args;     /* ends with name NULL; NULL for none */
	bool nagios;             /* exit status: kpi_nagios_codes */
	bool hidden;             /* internal: not in --help, the man page or completions */
} kpi_cmd_spec;

/* Table helpers. `T` is the command's argument struct, `f` its member. */
#define KPI_OPT_(n, s, ty, a, T, f, d, h, x, v, lo, hi, fl) \
	{ n, s, ty, a, offsetof(T, f), d, h, x, v, lo, hi, fl }
#define KPI_FLAG(n, s, T, f, h) KPI_OPT_(n, s, KPI_OPT_FLAG, NULL, T, f, NULL, h, NULL, NULL, 0, 0, 0)
#define KPI_STRING(n, s, a, T, f, h) KPI_OPT_(n, s, KPI_OPT_STRING, a, T, f, NULL, h, NULL, NULL, 0, 0, 0)
#define KPI_INT(n, s, a, T, f, d, lo, hi, h) KPI_OPT_(n, s, KPI_OPT_INT, a, T, f, d, h, NULL, NULL, lo, hi, 0)
#define KPI_WEEK(n, s, T, f, d, h) KPI_OPT_(n, s, KPI_OPT_WEEK, "WEEK", T, f, d, h, NULL, NULL, 0, 0, 0)
#define KPI_ENUM(n, s, a, T, f, d, v, h) KPI_OPT_(n, s, KPI_OPT_ENUM, a, T, f, d, h, NULL, v, 0, 0, 0)
#define KPI_LIST(n, s, a, T, f, h) KPI_OPT_(n, s, KPI_OPT_LIST, a, T, f, NULL, h, NULL, NULL, 0, 0, 0)
#define KPI_FILE(n, s, a, T, f, h) KPI_OPT_(n, s, KPI_OPT_FILE, a, T, f, NULL, h, NULL, NULL, 0, 0, 0)
#define KPI_DIR(n, s, a, T, f, h) KPI_OPT_(n, s, KPI_OPT_DIR, a, T, f, NULL, h, NULL, NULL, 0, 0, 0)
#define KPI_OPT_END { NULL, 0, KPI_OPT_FLAG, NULL, 0, NULL, NULL, NULL, NULL, 0, 0, 0 }
#define KPI_ARG_END { NULL, KPI_ARG_KPI, 0, NULL, NULL, NULL }

/* The options several commands share, defined once. */
#define KPI_CONFIG_HELP "JSON config file (default `$KPI_CONFIG`)"
#define KPI_CONFIG_DETAILS "See `docs/configuration.md`."
#define KPI_OPT_CONFIG(T, f) \
	KPI_OPT_("config", 'c', KPI_OPT_FILE, "FILE", T, f, NULL, KPI_CONFIG_HELP, KPI_CONFIG_DETAILS, NULL, 0, 0, 0)
#define KPI_OPT_DB(T, f) \
	KPI_OPT_("db", 'd', KPI_OPT_STRING, "CONNINFO", T, f, NULL, \
	         "libpq connection string (default: the config, then the `PG*` environment)", \
	         "Key=value pairs or a `postgresql://` URI, checked before connecting: one libpq cannot " \
	         "parse is a config error (exit 3), never quoted in the message. Default: the config's " \
	         "`database.conninfo`, then the libpq environment (`PGHOST`, `PGPORT`, `PGDATABASE`, " \
	         "`PGUSER`, `PGSERVICE`, `PGPASSWORD`, `~/.pgpass`).", NULL, 0, 0, 0)
/* --log-format, the same in every command (docs/configuration.md, KPI_LOG_LEVEL):
 * kpi_opts_parse sets the log up with it as soon as the options are read. */
extern const char *const kpi_log_formats[]; /* json, text */
#define KPI_OPT_LOG_FORMAT(T, f) \
	KPI_ENUM("log-format", 0, "FORMAT", T, f, "json", kpi_log_formats, \
	         "the log lines on standard error: JSON, or `text` for a person")
/* The format `name` (the value of --log-format) says; JSON when it says none. */
kpi_log_format kpi_tool_log_format(const char *name);
#define KPI_QUIET_HELP \
	"no progress line on standard error (it is shown only when standard error is a terminal, " \
	"not `TERM=dumb`)"
#define KPI_OPT_WEEKS(T, f, d, h) KPI_INT("weeks", 'n', "N", T, f, d, 1, KPI_MAX_WEEKS, h)

/* Parse argv (argv[0] is the subcommand name) against `spec` into `args`
 * (the command's argument struct): defaults first, then every option and
 * positional argument, typed and checked. --help / --version print to
 * stdout and return 1. A usage error goes into `err` (KPI_EUSAGE, without
 * the "kpi CMD: " prefix) and -1 is returned; options before the bad one
 * are set. 0 on success. */
int kpi_opts_parse_err(const kpi_cmd_spec *spec, int argc, char **argv, void *args, kpi_error *err);

/* The same, printing a usage error as "kpi CMD: message" on stderr. */
int kpi_opts_parse(const kpi_cmd_spec *spec, int argc, char **argv, void *args);

/* Print the help of a command to `f`. */
void kpi_opts_help(FILE *f, const kpi_cmd_spec *spec);

/* The synopsis of a command after "kpi NAME " (plain text), into `b`. */
void kpi_opts_synopsis(kpi_buf *b, const kpi_cmd_spec *spec);

/* The text --help shows for an option: its help, the values its type takes,
 * its default; `man` selects roff (bold literals) instead of plain text. */
void kpi_opts_describe(kpi_buf *b, const kpi_opt *o, bool man);

/* Append `text` to `b` with its `literals` as plain text, or (man) as roff
 * with literals in bold and special characters escaped. */
void kpi_doc_text(kpi_buf *b, const char *text, bool man);

/* Print "A, B or C" of a NULL-terminated list into `b`. */
void kpi_opts_values(kpi_buf *b, const char *const *values, const char *conj);

/* Word-wrap `text` to `width` columns, every line after the first indented
 * by `indent` spaces, into `f`; a '\x1f' in `text` is a space that never breaks. */
void kpi_opts_wrap(FILE *f, const char *text, int indent, int width);

/* The exit status list for --help ("  2  usage error: ...") into `f`. */
void kpi_exit_help(FILE *f, const kpi_exit_info *table);

/* Map a library error code to an exit code (through kpi_exit_codes). */
int kpi_exit_code(int code);

/* Print "kpi: message" to stderr and return the exit code for `err`. */
int kpi_fail(const kpi_error *err);
/* Print "kpi: message" to stderr, redacted of the run's secrets (as every
 * message kpi prints: kpi_log_redact()). */
void kpi_error_print(const kpi_error *err);

/* Load the config (--config or KPI_CONFIG), apply --db (checked by
 * kpi_config_set_conninfo), load the catalogue and apply the config's
 * overrides. From then on the log and kpi_log_redact() redact the
 * config's secrets (kpi_config_redact_logs()). On failure prints and returns the exit code (>0: 3 for a
 * missing or invalid config, catalogue or --db); 0 on success. */
int kpi_load_setup(kpi_config **cfg, kpi_catalog **cat, const char *config_path, const char *db);

/* The same without printing: the library's code (KPI_ECONFIG...) and `err`. */
int kpi_load_setup_err(kpi_config **cfg, kpi_catalog **cat, const char *config_path, const char *db,
                       kpi_error *err);

/* Write a whole buffer to stdout, redacted of the run's secrets first;
 * returns KPI_EXIT_IO on failure. */
int kpi_write_stdout(kpi_buf *b);

/* Print the paths of a written pack's PDF and XLSX, one per line. */
int kpi_print_pack(const kpi_pack_paths *p);

/* kpi pack, kpi render: where a decided pack was kept (p->kept), on stderr. */
void kpi_print_kept(const kpi_pack_paths *p);

/* --replace-decided of kpi pack and kpi render, and what their --help says
 * of a pack a decision was taken on. */
#define KPI_REPLACE_DECIDED_HELP \
	"when DIR holds a pack a decision was taken on, keep it beside as `DIR.decided-SHA12` (so the decision " \
	"still verifies) and write the new pack to DIR; without it such a pack is not replaced (exit 2)"
#define KPI_DECIDED_PACK_TEXT \
	"A pack a decision was taken on (a record of decisions.jsonl in DIR's\n" \
	"parent has its manifest's SHA-256) is evidence: it is never replaced. Without\n" \
	"--replace-decided nothing is written (kpi pack refuses before it reads\n" \
	"the database) and one line names the week, the record\n" \
	"(decisions.jsonl:LINE) and what to do (exit 2); with it the decided pack\n" \
	"is moved to DIR.decided-SHA12, where kpi verify still finds it, and the\n" \
	"new pack takes DIR."

/* The current time, or $KPI_NOW (ISO 8601) when set, for replays and tests
 * (as the config saw the environment). Prints the error; returns the exit code. */
int kpi_now(const kpi_config *cfg, int64_t *now);

#endif
