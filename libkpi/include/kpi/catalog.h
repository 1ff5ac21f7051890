/**
 * @file kpi/catalog.h
 * @brief The KPI catalogue: definitions, labels, thresholds, policies.
 *
 * The catalogue is a JSON file (templates/catalog.json by default). A
 * configuration file may override thresholds, gating and missing-data policy
 * per KPI (see kpi/config.h).
 */
#ifndef KPI_CATALOG_H
#define KPI_CATALOG_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The source of a catalogue entry that names none (kpi/source.h). */
#define KPI_DEFAULT_SOURCE "postgres"

/** Comparison of a threshold: the KPI is healthy when `value OP target`. */
typedef enum kpi_op {
	KPI_OP_NONE = 0, /**< informational: no threshold */
	KPI_OP_GE,       /**< value >= target */
	KPI_OP_GT,       /**< value >  target */
	KPI_OP_LE,       /**< value <= target */
	KPI_OP_LT,       /**< value <  target */
	KPI_OP_EQ        /**< value == target */
} kpi_op;

/** What a week with no value means for the verdict. */
typedef enum kpi_missing {
	KPI_MISSING_IGNORE = 0, /**< no_data does not affect the verdict */
	KPI_MISSING_BLOCK       /**< no_data on a gating KPI makes the week HOLD */
} kpi_missing;

/** A threshold. `warn_margin` > 0 makes values within that distance of the
 *  target (on the healthy side) `warn` instead of `ok`. */
typedef struct kpi_threshold {
	kpi_op op;
	double target;
	double warn_margin;
} kpi_threshold;

/** A label: its name and, when known, the complete set of its values (every
 *  value gets a row every week). `nvalues` 0 means open-ended. */
typedef struct kpi_label_def {
	char *name;
	char **values;
	size_t nvalues;
} kpi_label_def;

/** One KPI definition. */
typedef struct kpi_def {
	char *id;
	char *title;
	char *unit;           /**< "%", "s", "d", "count", "ms", ... */
	char *description;    /**< the definition in words (appendix, explain) */
	char *query;          /**< query file, relative to the query directory */
	char *chart;          /**< chart style hint for renderers ("line", "stacked_bar", ...) */
	char *source;         /**< the name of its source ("postgres" when the catalogue says none;
	                           kpi/source.h) */
	bool state;           /**< state KPI (as of T) vs flow KPI (over W) */
	kpi_label_def *labels;
	size_t nlabels;
	kpi_threshold threshold;
	bool gating;          /**< takes part in the verdict */
	kpi_missing missing;
	bool empty_is_zero;   /**< a label set with no row is 0 (counts) rather than null */
	void *raw;            /**< the catalogue entry as a jansson json_t* (library modules only) */
} kpi_def;

/** A loaded catalogue. */
typedef struct kpi_catalog {
	kpi_def *kpis;
	size_t nkpis;
	char *path;           /**< the file it was loaded from */
	void *doc;            /**< the parsed file with value positions (library modules only) */
} kpi_catalog;

/**
 * Load a catalogue file.
 * @param[out] out the catalogue; the caller frees it with kpi_catalog_free().
 * @return 0; KPI_ECONFIG when missing or unreadable ("catalogue: cannot
 *         open 'FILE': ...") or with "file:line:col: what is wrong" when
 *         invalid.
 */
KPI_EXTERN int kpi_catalog_load(kpi_catalog **out, const char *path, kpi_error *err);

/** Find a KPI by id; NULL when unknown. */
KPI_EXTERN const kpi_def *kpi_catalog_find(const kpi_catalog *cat, const char *id);

/** Index of a label by name in `def`, or -1. */
KPI_EXTERN int kpi_def_label_index(const kpi_def *def, const char *name);

/** Render the threshold as text, e.g. ">= 95%" or "<= 7 d", or "none". @return buf. */
KPI_EXTERN char *kpi_threshold_format(char *buf, size_t size, const kpi_threshold *th, const char *unit);

/** Parse an operator (">=", ">", "<=", "<", "=", "=="). @return 0 or KPI_EUSAGE. */
KPI_EXTERN int kpi_op_parse(kpi_op *out, const char *text);

/** The operator as text (">=", ...; "" for KPI_OP_NONE). */
KPI_EXTERN const char *kpi_op_name(kpi_op op);

/** Free a catalogue. Accepts NULL. */
KPI_EXTERN void kpi_catalog_free(kpi_catalog *cat);

#ifdef __cplusplus
}
#endif
#endif
