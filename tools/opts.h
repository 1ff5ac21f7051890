/* Declarative command-line options: one table per command drives parsing,
 * the usage line and --help, so help cannot drift from behaviour. */
#ifndef KPI_TOOLS_OPTS_H
#define KPI_TOOLS_OPTS_H

#include <stdio.h>
#include "kpi/kpi.h"

/* Exit codes of every subcommand but `kpi alert` (which keeps Nagios' 0-3).
 * Documented in docs/kpi.1 (EXIT STATUS) and kpi --help. */
enum {
	KPI_EXIT_OK = 0,
	KPI_EXIT_FAILURE = 1,   /* anything not listed below */
	KPI_EXIT_USAGE = 2,     /* bad option, malformed week, unknown KPI */
	KPI_EXIT_CONFIG = 3,    /* missing or invalid config or catalogue, --db libpq cannot parse */
	KPI_EXIT_SOURCE = 4,    /* a data source could not be read (unreachable, auth, lost) */
	KPI_EXIT_TIMEOUT = 5,   /* statement_timeout or a deadline */
	KPI_EXIT_CONTRACT = 6,  /* a query returned columns that break the contract */
	KPI_EXIT_IO = 7,        /* cannot write an output file */
	KPI_EXIT_DATA = 8       /* malformed input data (snapshot, pack that fails verify) */
};

typedef struct kpi_opt {
	const char *name;     /* long name without "--"; NULL ends the table */
	char short_name;      /* 0 for none */
	const char *arg;      /* argument placeholder, NULL for a flag */
	const char *help;
	const char **value;   /* where the argument (or "1" for a flag) goes */
} kpi_opt;

typedef struct kpi_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} kpi_cmd;

/* Parse argv (argv[0] is the subcommand name). Positional arguments are
 * collected into pos (up to maxpos). Prints usage errors to stderr.
 * Returns 0, -1 after a usage error, or 1 when --help was printed. */
int kpi_opts_parse(const char *cmd, const char *synopsis, const char *description,
                   const kpi_opt *opts, int argc, char **argv,
                   const char **pos, int maxpos, int *npos);

/* The same without printing a usage error: it goes into `err` (KPI_EUSAGE,
 * without the "kpi CMD: " prefix) and -1 is returned; --help is still
 * printed (returns 1). For kpi alert, whose errors are Nagios lines. */
int kpi_opts_parse_err(const char *cmd, const char *synopsis, const char *description, const kpi_opt *opts,
                       int argc, char **argv, const char **pos, int maxpos, int *npos, kpi_error *err);

/* Print the help of a command to `f`. */
void kpi_opts_help(FILE *f, const char *cmd, const char *synopsis, const char *description,
                   const kpi_opt *opts);

/* Map a library error code to an exit code. */
int kpi_exit_code(int code);

/* Print "kpi: message" to stderr and return the exit code for `err`. */
int kpi_fail(const kpi_error *err);

/* Load the config (--config or KPI_CONFIG), apply --db (checked by
 * kpi_config_set_conninfo), load the catalogue and apply the config's
 * overrides. On failure prints and returns the exit code (>0: 3 for a
 * missing or invalid config, catalogue or --db); 0 on success. */
int kpi_load_setup(kpi_config **cfg, kpi_catalog **cat, const char *config_path, const char *db);

/* The same without printing: the library's code (KPI_ECONFIG...) and `err`. */
int kpi_load_setup_err(kpi_config **cfg, kpi_catalog **cat, const char *config_path, const char *db,
                       kpi_error *err);

/* Write a whole buffer to stdout; returns KPI_EXIT_IO on failure. */
int kpi_write_stdout(const kpi_buf *b);

/* Parse --weeks: a whole number 1..KPI_MAX_WEEKS. Prints the usage error
 * naming `cmd` and returns KPI_EXIT_USAGE; 0 on success. */
int kpi_parse_weeks(const char *cmd, const char *text, int *out);

/* Print the paths of a written pack's PDF and XLSX, one per line. */
int kpi_print_pack(const kpi_pack_paths *p);

/* The current time, or $KPI_NOW (ISO 8601) when set, for replays and tests
 * (as the config saw the environment). Prints the error; returns the exit code. */
int kpi_now(const kpi_config *cfg, int64_t *now);

#endif
