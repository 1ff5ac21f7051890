/* Private helpers shared by libkpi's modules. Not installed. */
#ifndef KPI_INTERNAL_H
#define KPI_INTERNAL_H

#include "kpi/kpi.h"
#include <jansson.h>

/* Duplicate a string; NULL stays NULL. */
char *kpi__strdup(const char *s);

/* Read a whole file into a NUL-terminated buffer (caller frees). */
int kpi__read_file(char **out, size_t *len, const char *path, kpi_error *err);

/* Write `len` bytes to `path` atomically: a temp file in the same directory,
 * fsync, rename, fsync of the directory. Nothing half-written is ever seen. */
int kpi__write_file_atomic(const char *path, const void *data, size_t len, kpi_error *err);


/* A path given in file `file` (a config file) is relative to that file's
 * directory; absolute paths and a NULL file leave it as is (caller frees). */
char *kpi__path_relative(const char *file, const char *p);

/* Join dir and name with a '/' (caller frees). */
char *kpi__path_join(const char *dir, const char *name);

/* A parsed JSON document with the position of every value, so semantic errors
 * can say file:line:col. */
typedef struct kpi__jsondoc {
	char *path;
	json_t *root;
	struct kpi__jpos *pos;
	size_t npos;
} kpi__jsondoc;

int kpi__jsondoc_load(kpi__jsondoc **out, const char *path, kpi_error *err);
int kpi__jsondoc_parse(kpi__jsondoc **out, const char *name, const char *text, size_t len, kpi_error *err);
void kpi__jsondoc_free(kpi__jsondoc *doc);
/* Set err to "file:line:col: message" for the value `v` of the document
 * (found by identity), falling back to the file name alone. Returns code. */
int kpi__jsondoc_error(const kpi__jsondoc *doc, const json_t *v, kpi_error *err, int code,
                       const char *fmt, ...) KPI_PRINTF(5, 6);

/* Check that object `obj` only has keys from the NULL-terminated `allowed`. */
int kpi__json_check_keys(const kpi__jsondoc *doc, const json_t *obj, const char *const *allowed,
                         const char *what, kpi_error *err);

/* Series helpers. */
void kpi__series_release(kpi_series *s);
int kpi__series_init(kpi_series *s, const kpi_def *def, kpi_error *err);

/* Connect with the configured conninfo (or the PG* environment), as
 * application_name kpi; `where` gets a secret-free description. */
struct pg_conn;
int kpi__pg_connect(struct pg_conn **out, char *where, size_t wsize, const kpi_config *cfg, kpi_error *err);

#endif
