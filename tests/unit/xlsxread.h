/*
 * Reading an XLSX back in the tests: its parts through `unzip -p` (Debian
 * package unzip), sheets by name, cells by reference with shared strings
 * resolved. Enough for the workbooks libxlsxwriter writes; not a general
 * XLSX reader. Test code: failures abort with a message on stderr.
 */
#ifndef KPI_TEST_XLSXREAD_H
#define KPI_TEST_XLSXREAD_H

#include <stdbool.h>
#include <stddef.h>

typedef struct xr_sheet {
	char *name;
	char *part;      /* "xl/worksheets/sheet1.xml" */
	char *xml;
} xr_sheet;

typedef struct xr_book {
	char *path;
	xr_sheet *sheets;
	size_t nsheets;
	char **sst;      /* shared strings, entities decoded */
	size_t nsst;
	char *styles;    /* xl/styles.xml */
} xr_book;

/* Open a workbook: its sheets (workbook order) and shared strings. */
xr_book *xr_open(const char *path);
void xr_close(xr_book *b);

/* A part of the zip as text (caller frees), NULL when absent. */
char *xr_part(const xr_book *b, const char *name);

/* The names of the zip's entries, one per line (caller frees). */
char *xr_list(const xr_book *b);

/* The sheet called `name`, NULL when absent. */
const xr_sheet *xr_sheet_by_name(const xr_book *b, const char *name);

/* One cell: absent (no <c> element, or one without a value), a number (its
 * text in the XML, as libxlsxwriter printed it) or a string (resolved). */
typedef struct xr_cell {
	bool present;
	bool is_number;
	char *text;      /* owned; NULL when absent */
	double number;
} xr_cell;

/* The cell at 0-based row/col of a sheet. Free with xr_cell_release(). */
xr_cell xr_get(const xr_book *b, const xr_sheet *s, int row, int col);
void xr_cell_release(xr_cell *c);

/* Convenience: the string at row/col ("" when absent; a number's text for
 * a number), in a static buffer valid until the next call. */
const char *xr_text(const xr_book *b, const xr_sheet *s, int row, int col);

/* How a cell is shown: its number format ("General" when none), whether
 * its text wraps, bold, font size. Free with xr_style_release(). */
typedef struct xr_style {
	char *num_format;
	bool wrap;
	bool bold;
	double font_size;
} xr_style;

xr_style xr_get_style(const xr_book *b, const xr_sheet *s, int row, int col);
void xr_style_release(xr_style *st);

/* The width of a column (<cols>), -1 when it has the default width. */
double xr_col_width(const xr_sheet *s, int col);

/* The height of a row in points (<row ht>), -1 when it has the default. */
double xr_row_height(const xr_sheet *s, int row);

/* The rows and columns the sheet's <dimension> spans (0 and 0 when empty). */
void xr_dimension(const xr_sheet *s, int *nrows, int *ncols);

/* The cell of label set `key` ("value" without labels) in ISO week `week`
 * ("2026-W44") on a KPI's sheet, its value or (`status`) its status, in
 * either layout of the table (xlsx.c): one row per week (a column per label
 * set: "KEY (UNIT)", "KEY status") or one row per label set and week
 * (Week, Week start, Labels, "Value (UNIT)", ..., Status). The unit the
 * values are shown in into `shown`. False when the table has no such cell
 * (no row of the label set that week in the tall layout). */
/* The row of a KPI sheet's table header ("Week", "Week start" in columns A
 * and B); aborts naming the sheet when it has none. */
int xr_kpi_head(const xr_book *b, const xr_sheet *s);

bool xr_kpi_cell(const xr_book *b, const xr_sheet *s, const char *key, const char *week, bool status, int *row,
                 int *col, char *shown, size_t nshown);

/* What a value of `unit` ("s", "ms") is divided by to read in `shown`
 * ("min"): the workbook shows durations in the PDF's units; 1 otherwise. */
double xr_unit_div(const char *unit, const char *shown);

/* Decode the five XML entities and &#N; of `s` in place. */
void xr_unescape(char *s);

#endif
