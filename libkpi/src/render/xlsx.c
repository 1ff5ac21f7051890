/*
 * The pack's workbook, written with libxlsxwriter from a snapshot alone
 * (kpi/xlsx.h).
 *
 * libxlsxwriter prints a warning on stderr for some bad inputs (an invalid
 * sheet name, a string that is too long) and an error for a file it cannot
 * create. The library must not print, so every input is made valid before it
 * is handed over (sheet names sanitised, unique and at most 31 characters,
 * strings cut to Excel's 32,767 characters) and every lxw_error return is
 * turned into a kpi_error. Its temporary files go to the output's own
 * directory, which the caller has just created, so the one remaining
 * message is for an I/O failure of that directory while the zip is written.
 *
 * Numbers are written as numbers (never text), percentages as 0-100 with
 * the unit in the header; a missing value is an empty cell, never 0.
 */
#include "core/internal.h"
#include "core/number.h"
#include "core/threshold.h"
#include "render/chart.h"
#include "snapshot/snapshot_provenance.h"
#include "render/render_slo.h"
#include <xlsxwriter.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define SHEET_MAX 31           /* characters in a sheet name */
#define CELL_MAX 32767         /* characters in a cell */
#define CHART_SERIES_MAX 64    /* label sets drawn in one chart (Excel allows 255) */
#define LABELSETS_MAX 4000     /* label sets in one KPI sheet (4 columns each, 16,384 columns) */
#define PLOT_SHEET "Chart data" /* the hidden sheet the charts read */

/* Colours of the statuses and verdicts (fills light, text dark). */
#define C_OK 0xC6EFCE
#define C_OK_TEXT 0x006100
#define C_WARN 0xFFEB9C
#define C_WARN_TEXT 0x9C5700
#define C_BREACH 0xFFC7CE
#define C_BREACH_TEXT 0x9C0006
#define C_GREY 0xE7E6E6
#define C_GREY_TEXT 0x595959
#define C_HEADER 0xDDEBF7

typedef struct fmts {
	lxw_format *title, *subtitle, *bold, *header, *text, *wrap, *top, *date, *datetime, *general, *sci;
	lxw_format *status_fill[5];         /* conditional formats per status */
	lxw_format *verdict[3];             /* GO, HOLD, NO-GO */
} fmts;

/* A wrapped cell, kept until the sheet's column widths are known: its
 * row's height follows from how many lines it wraps into. */
typedef struct wcell {
	lxw_row_t row;
	lxw_col_t col;
	char *text;
	bool bold;
	bool header;               /* a header: may wrap into HEADER_LINES lines */
	double scale;              /* font size / 11 */
} wcell;

/* What the cells of the sheet being written need (fit_*). */
typedef struct fit {
	double *need;              /* [ncols] widest unwrapped cell, in column units */
	double *cap;               /* [ncols] widest a wrapped cell may make the column (0: WRAP_CAP) */
	lxw_col_t ncols;
	double *height;            /* [nrows] least height of a row, points (0: the default) */
	lxw_row_t nrows;
	wcell *wraps;
	size_t nwraps, cap_wraps;
} fit;

typedef struct xl {
	lxw_workbook *wb;
	const kpi_snapshot *snap;
	kpi_error *err;
	int rc;
	fmts f;
	char (*names)[SHEET_MAX * 4 + 1];   /* sheet names taken so far */
	size_t nnames;
	fit fit;                            /* of the sheet being written */
	lxw_worksheet *plot;                /* the hidden sheet of what the charts plot */
	lxw_col_t plot_next;                /* its next free column */
	lxw_format *dur[8];                 /* durations' number formats, by unit shown */
	const char *dur_unit[8];
} xl;

/* ---- errors ---- */

static int lxw_fail(xl *x, lxw_error e, const char *what)
{
	int code;
	if (x->rc)
		return x->rc;
	switch (e) {
	case LXW_ERROR_MEMORY_MALLOC_FAILED: code = KPI_ENOMEM; break;
	case LXW_ERROR_CREATING_XLSX_FILE:
	case LXW_ERROR_CREATING_TMPFILE:
	case LXW_ERROR_READING_TMPFILE:
	case LXW_ERROR_ZIP_FILE_OPERATION:
	case LXW_ERROR_ZIP_FILE_ADD:
	case LXW_ERROR_ZIP_CLOSE: code = KPI_EIO; break;
	default: code = KPI_ERROR;
	}
	return x->rc = kpi_error_set(x->err, code, "XLSX: %s: %s", what, lxw_strerror(e));
}

static void chk(xl *x, lxw_error e, const char *what)
{
	if (e != LXW_NO_ERROR)
		lxw_fail(x, e, what);
}

static void *need(xl *x, void *p)
{
	if (!p && !x->rc)
		x->rc = kpi_error_set(x->err, KPI_ENOMEM, "XLSX: out of memory");
	return p;
}

/* ---- column widths and row heights ----
 *
 * libxlsxwriter sizes neither columns nor rows, and Excel and LibreOffice
 * do not either when they open a file: a number wider than its column shows
 * as ###, and a row of wrapped text keeps the default height and overlaps
 * its neighbours. So every cell written is measured as it will be shown
 * (numbers in their number format), each column is made as wide as its
 * widest cell, and each row with wrapped text as tall as its lines.
 *
 * Widths are in Excel's column unit, the advance of the digit '0' of the
 * default font, which is also how LibreOffice converts them. Text is
 * measured with the advances of DejaVu Sans, what LibreOffice substitutes
 * for Calibri on Debian without Carlito: it is wider than Calibri and
 * Carlito, so a column that fits it fits in Excel too (with some room). */

#define COL_PAD 1.0        /* room beside a cell's content, in column units */
#define COL_MAX 100.0      /* a single-line cell wider than this is cut */
#define WRAP_CAP 50.0      /* the widest a wrapped body cell makes its column */
#define HEADER_LINES 3     /* a header wraps into at most this many lines */
#define HEADER_WORD 16.0   /* header words up to this wide are never broken */
#define LINE_PT 15.0       /* the height of a line of 11 pt text (Excel's default row) */

/* Advances of DejaVu Sans and DejaVu Sans Bold (fonts-dejavu-core 2.37),
 * ' ' to '~', in 1/2048 em; the digits are 1303 (regular). */
static const unsigned short adv_regular[95] = {
	651,  821,  942,  1716, 1303, 1946, 1597, 563,  799,  799,  1024, 1716, 651,  739,  651,  690,
	1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690,  690,  1716, 1716, 1716, 1087,
	2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604,  604,  1343, 1141, 1767, 1532, 1612,
	1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799,  690,  799,  1716, 1024,
	1024, 1255, 1300, 1126, 1300, 1260, 721,  1300, 1298, 569,  569,  1186, 569,  1995, 1298, 1253,
	1300, 1300, 842,  1067, 803,  1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,  1303, 1716,
};
static const unsigned short adv_bold[95] = {
	713,  934,  1067, 1716, 1425, 2052, 1786, 627,  936,  936,  1071, 1716, 778,  850,  778,  748,
	1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819,  819,  1716, 1716, 1716, 1188,
	2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762,  762,  1587, 1305, 2038, 1714, 1741,
	1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936,  748,  936,  1716, 1024,
	1024, 1382, 1466, 1214, 1466, 1389, 891,  1466, 1458, 702,  702,  1362, 702,  2134, 1458, 1407,
	1466, 1466, 1010, 1219, 979,  1458, 1335, 1892, 1321, 1335, 1192, 1458, 748,  1458, 1716,
};
#define ADV_DIGIT 1303.0
#define ADV_OTHER 2048     /* any other character: a full em (wider than most) */

/* The width of the character at `p` (advancing `*len` bytes), column units. */
static double char_width(const unsigned char *p, size_t *len, bool bold)
{
	*len = 1;
	if (*p >= 0x20 && *p < 0x7F)
		return (bold ? adv_bold : adv_regular)[*p - 0x20] / ADV_DIGIT;
	while ((p[*len] & 0xC0) == 0x80)
		(*len)++;
	return ADV_OTHER / ADV_DIGIT;
}

/* The width of `n` bytes of text on one line. */
static double text_width_n(const char *s, size_t n, bool bold)
{
	double w = 0;
	for (size_t i = 0, l; i < n; i += l)
		w += char_width((const unsigned char *)s + i, &l, bold);
	return w;
}

/* The width of the widest line of `s`. */
static double text_width(const char *s, bool bold)
{
	double w = 0;
	for (;;) {
		size_t n = strcspn(s, "\n");
		double lw = text_width_n(s, n, bold);
		w = lw > w ? lw : w;
		if (!s[n])
			return w;
		s += n + 1;
	}
}

/* How many lines `s` takes wrapped into `avail` column units: words (split
 * at spaces) move to the next line when they do not fit, a word wider than
 * a line is broken between characters (as Excel and LibreOffice do), a
 * newline starts a line. */
static int wrap_lines(const char *s, bool bold, double avail)
{
	double space = text_width_n(" ", 1, bold), x = 0;
	int lines = 1;
	bool empty = true;

	if (avail < 1)
		avail = 1;
	while (*s) {
		size_t n = strcspn(s, " \n");
		double w = text_width_n(s, n, bold);
		if (n) {
			if (!empty && x + space + w > avail) {
				lines++;
				x = 0;
				empty = true;
			}
			if (empty && w > avail) {
				/* break the word between characters */
				for (size_t i = 0, l; i < n; i += l) {
					double cw = char_width((const unsigned char *)s + i, &l, bold);
					if (x + cw > avail && x > 0) {
						lines++;
						x = 0;
					}
					x += cw;
				}
			} else {
				x += (empty ? 0 : space) + w;
			}
			empty = false;
		}
		s += n;
		if (*s == '\n') {
			lines++;
			x = 0;
			empty = true;
		}
		if (*s)
			s++;
	}
	return lines;
}

/* `v` as the number format `num` shows it, for the formats this file uses. */
static void rendered_number(char *buf, size_t size, double v, const char *num)
{
	char t[400];
	const char *q = strchr(num, '"');
	if (q) {
		/* a duration's format: the number, then its unit in quotes
		 * ('#,##0.00" d"') */
		char base[32];
		size_t n;
		snprintf(base, sizeof(base), "%.*s", (int)(q - num), num);
		rendered_number(buf, size, v, base);
		n = strlen(buf);
		snprintf(buf + n, size - n, "%.*s", (int)strcspn(q + 1, "\""), q + 1);
		return;
	}
	if (strcmp(num, "0.00") == 0) {
		snprintf(buf, size, "%.2f", v);
	} else if (strcmp(num, "#,##0") == 0 || strcmp(num, "#,##0.00") == 0) {
		snprintf(t, sizeof(t), strcmp(num, "#,##0") == 0 ? "%.0f" : "%.2f", v);
		kpi__fmt_grouped(buf, size, t, "-");
	} else if (strcmp(num, "0.00E+00") == 0) {
		snprintf(buf, size, "%.2E", v);
	} else if (strcmp(num, "yyyy-mm-dd") == 0) {
		snprintf(buf, size, "0000-00-00");
	} else if (strcmp(num, "yyyy-mm-dd hh:mm:ss") == 0) {
		snprintf(buf, size, "0000-00-00 00:00:00");
	} else if (v == floor(v) && fabs(v) < 1e11) {
		snprintf(buf, size, "%.0f", v); /* General: whole numbers as they are */
	} else {
		snprintf(buf, size, "%.10G", v); /* General shows about ten digits */
	}
}

/* Grow an array of `*n` elements of `size` bytes, zeroed, to hold index `i`. */
static bool grow(xl *x, void **arr, size_t *n, size_t i, size_t size)
{
	size_t nn;
	char *p;
	if (i < *n)
		return true;
	nn = *n ? *n : 16;
	while (nn <= i)
		nn *= 2;
	if (!(p = need(x, realloc(*arr, nn * size))))
		return false;
	memset(p + *n * size, 0, (nn - *n) * size);
	*arr = p;
	*n = nn;
	return true;
}

static bool fit_col(xl *x, lxw_col_t c)
{
	fit *f = &x->fit;
	size_t n = f->ncols, n2 = f->ncols;
	bool ok = grow(x, (void **)&f->need, &n, c, sizeof(double)) && grow(x, (void **)&f->cap, &n2, c, sizeof(double));
	if (ok)
		f->ncols = (lxw_col_t)n;
	return ok;
}

/* The row is at least `pt` points high. */
static void fit_row(xl *x, lxw_row_t r, double pt)
{
	fit *f = &x->fit;
	size_t n = f->nrows;
	if (x->rc || !grow(x, (void **)&f->height, &n, r, sizeof(double)))
		return;
	f->nrows = (lxw_row_t)n;
	if (pt > f->height[r])
		f->height[r] = pt;
}

/* Wrapped cells of column `c` make it at most `w` wide. */
static void fit_cap(xl *x, lxw_col_t c, double w)
{
	if (!x->rc && fit_col(x, c))
		x->fit.cap[c] = w;
}

static double font_scale(const lxw_format *f)
{
	return f && f->font_size > 0 ? f->font_size / 11.0 : 1.0;
}

/* A cell of text `s` in format `f` was written at row/col. */
static void fit_text(xl *x, lxw_row_t row, lxw_col_t col, const char *s, const lxw_format *f)
{
	bool bold = f && f->bold;
	double scale = font_scale(f);

	if (x->rc || !fit_col(x, col))
		return;
	if (scale > 1)
		fit_row(x, row, LINE_PT * scale * 1.3);
	if (f && f->text_wrap) {
		fit *fi = &x->fit;
		wcell *w;
		size_t n = fi->cap_wraps;
		if (!grow(x, (void **)&fi->wraps, &n, fi->nwraps, sizeof(wcell)))
			return;
		fi->cap_wraps = n;
		w = &fi->wraps[fi->nwraps];
		if (!(w->text = need(x, strdup(s))))
			return;
		fi->nwraps++;
		w->row = row;
		w->col = col;
		w->bold = bold;
		w->header = f == x->f.header;
		w->scale = scale;
	} else {
		double w = text_width(s, bold) * scale + COL_PAD;
		if (w > x->fit.need[col])
			x->fit.need[col] = w;
		if (strchr(s, '\n'))
			fit_row(x, row, LINE_PT * scale * (double)wrap_lines(s, bold, 1e9));
	}
}

/* A number `v` in format `f` was written at row/col. */
static void fit_number(xl *x, lxw_col_t col, double v, const lxw_format *f)
{
	char t[400];
	double w;
	if (x->rc || !fit_col(x, col))
		return;
	rendered_number(t, sizeof(t), v, f && f->num_format[0] ? f->num_format : "General");
	w = text_width(t, f && f->bold) * font_scale(f) + COL_PAD;
	if (w > x->fit.need[col])
		x->fit.need[col] = w;
}

static void fit_release(fit *f)
{
	for (size_t i = 0; i < f->nwraps; i++)
		free(f->wraps[i].text);
	free(f->wraps);
	free(f->need);
	free(f->cap);
	free(f->height);
	memset(f, 0, sizeof(*f));
}

/* The width a wrapped cell asks of its column, which is `w` so far. */
static double wrap_width(const fit *f, const wcell *c, double w)
{
	double nat = text_width(c->text, c->bold) * c->scale + COL_PAD;
	if (c->header) {
		/* its words whole up to HEADER_WORD, in at most HEADER_LINES lines */
		double word = 0;
		for (const char *s = c->text; *s;) {
			size_t n = strcspn(s, " \n");
			double ww = text_width_n(s, n, c->bold) * c->scale;
			word = ww > word ? ww : word;
			s += n;
			s += *s != '\0';
		}
		word = (word < HEADER_WORD ? word : HEADER_WORD) + COL_PAD;
		w = w > word ? w : word;
		while (w < nat && wrap_lines(c->text, c->bold, (w - COL_PAD) / c->scale) > HEADER_LINES)
			w += 0.5;
		return w;
	}
	{
		double cap = f->cap[c->col] > 0 ? f->cap[c->col] : WRAP_CAP;
		return nat < cap ? nat : cap;
	}
}

/* Size the columns and rows of `ws` to what was written, then forget it. */
static void fit_finish(xl *x, lxw_worksheet *ws)
{
	fit *f = &x->fit;
	double *w = NULL;

	if (x->rc || !f->ncols)
		goto done;
	if (!(w = need(x, calloc(f->ncols, sizeof(*w)))))
		goto done;
	for (lxw_col_t c = 0; c < f->ncols; c++)
		w[c] = f->need[c] < COL_MAX ? f->need[c] : COL_MAX;
	for (size_t i = 0; i < f->nwraps; i++) {
		double ww = wrap_width(f, &f->wraps[i], w[f->wraps[i].col]);
		if (ww > w[f->wraps[i].col])
			w[f->wraps[i].col] = ww < COL_MAX ? ww : COL_MAX;
	}
	for (size_t i = 0; i < f->nwraps; i++) {
		const wcell *c = &f->wraps[i];
		fit_row(x, c->row, LINE_PT * c->scale * wrap_lines(c->text, c->bold, (w[c->col] - COL_PAD) / c->scale));
	}
	for (lxw_col_t c = 0; c < f->ncols && !x->rc; c++)
		if (w[c] > 0) /* else nothing in it: the default width */
			chk(x, worksheet_set_column(ws, c, c, ceil(w[c] * 4) / 4, NULL), "cannot set a column width");
	for (lxw_row_t r = 0; r < f->nrows && !x->rc; r++)
		if (f->height[r] > LINE_PT)
			chk(x, worksheet_set_row(ws, r, ceil(f->height[r]), NULL), "cannot set a row height");
done:
	free(w);
	fit_release(f);
}

/* ---- cells ---- */

/* Cut a UTF-8 string to at most `max` characters (code points) into a new
 * string, or NULL when it already fits. */
static char *cut_utf8(const char *s, size_t max)
{
	size_t chars = 0, i = 0;
	char *c;

	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > max)
			break;
	if (!s[i])
		return NULL;
	if ((c = malloc(i + 1))) {
		memcpy(c, s, i);
		c[i] = '\0';
	}
	return c;
}

static void write_str(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *f,
                      bool measure)
{
	char *cut;
	if (x->rc || !s || !*s)
		return;
	cut = cut_utf8(s, CELL_MAX);
	chk(x, worksheet_write_string(ws, row, col, cut ? cut : s, f), "cannot write a text cell");
	if (measure)
		fit_text(x, row, col, cut ? cut : s, f);
	else if (font_scale(f) > 1)
		fit_row(x, row, LINE_PT * font_scale(f) * 1.3);
	free(cut);
}

/* A text cell; its column is made wide enough for it (or, wrapped, its row
 * tall enough). */
static void put_str(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *f)
{
	write_str(x, ws, row, col, s, f, true);
}

/* A text cell that runs on over the empty cells to its right (titles, notes
 * alone on their row): it does not widen its column. */
static void put_over(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *f)
{
	write_str(x, ws, row, col, s, f, false);
}

/* Excel's range: it cannot hold magnitudes above 9.99999999999999E+307 nor
 * subnormal ones (it reads them as 0). */
#define EXCEL_MAX 9.99999999999999e307
#define EXCEL_MIN 2.2250738585072014e-308

/* A value Excel holds as it is (put_num writes the others as text). */
static bool excel_number(double v)
{
	double a = fabs(v);
	return isfinite(v) && (a == 0 || (a >= EXCEL_MIN && a <= EXCEL_MAX));
}

/* A row whose value a chart draws: it has one that Excel holds, and it is
 * neither no_data (incomplete rows can have a value) nor not_applicable. */
static bool plotted(const kpi_row *r)
{
	return r->has_value && excel_number(r->value) && r->status != KPI_STATUS_NO_DATA &&
	       r->status != KPI_STATUS_NOT_APPLICABLE;
}

/* A number; an empty cell when there is none. Values an ordinary number
 * format would show as 0.00 or as a row of digits get a scientific one. A
 * value outside Excel's range is written as its exact decimal text rather
 * than as a number Excel would turn into something else. */
static void put_num(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, bool has, double v, lxw_format *f)
{
	double a = fabs(v);
	if (x->rc || !has || !isfinite(v))
		return;
	if (!excel_number(v)) {
		char n[40];
		chk(x, worksheet_write_string(ws, row, col, kpi_format_number(n, sizeof(n), true, v), x->f.text),
		    "cannot write a number cell");
		fit_text(x, row, col, n, x->f.text);
		return;
	}
	if (a != 0 && (a < 0.01 || a >= 1e12))
		f = x->f.sci;
	chk(x, worksheet_write_number(ws, row, col, v, f), "cannot write a number cell");
	fit_number(x, col, v, f);
}

static void put_int(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double v)
{
	if (!x->rc)
		chk(x, worksheet_write_number(ws, row, col, v, x->f.general), "cannot write a number cell");
	fit_number(x, col, v, x->f.general);
}

static void put_time(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t t)
{
	if (!x->rc)
		chk(x, worksheet_write_unixtime(ws, row, col, t, x->f.datetime), "cannot write a time cell");
	fit_number(x, col, 0, x->f.datetime);
}

/* The local calendar date of instant `t` in the snapshot's zone, as an Excel date. */
static void put_date(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int64_t t)
{
	char d[16];
	lxw_datetime dt;

	memset(&dt, 0, sizeof(dt));
	kpi_time_format_date(d, sizeof(d), t, x->snap->timezone);
	if (sscanf(d, "%d-%d-%d", &dt.year, &dt.month, &dt.day) != 3) {
		put_str(x, ws, row, col, d, x->f.text);
		return;
	}
	if (!x->rc)
		chk(x, worksheet_write_datetime(ws, row, col, &dt, x->f.date), "cannot write a date cell");
	fit_number(x, col, 0, x->f.date);
}

/* A header row: wrapped bold text (its height follows its lines). */
static lxw_row_t header_row(xl *x, lxw_worksheet *ws, lxw_row_t row, const char *const *cols, size_t n)
{
	for (size_t c = 0; c < n; c++)
		put_str(x, ws, row, (lxw_col_t)c, cols[c], x->f.header);
	return row + 1;
}

/* ---- formats ---- */

static lxw_format *fmt(xl *x, const char *num, bool bold, lxw_color_t bg, lxw_color_t fg)
{
	lxw_format *f = need(x, workbook_add_format(x->wb));
	if (!f)
		return NULL;
	if (num)
		format_set_num_format(f, num);
	if (bold)
		format_set_bold(f);
	if (bg != LXW_COLOR_UNSET)
		format_set_bg_color(f, bg);
	if (fg != LXW_COLOR_UNSET)
		format_set_font_color(f, fg);
	return f;
}

static void make_formats(xl *x)
{
	fmts *f = &x->f;
	static const lxw_color_t bg[5] = { C_OK, C_WARN, C_BREACH, C_GREY, C_GREY };
	static const lxw_color_t fg[5] = { C_OK_TEXT, C_WARN_TEXT, C_BREACH_TEXT, C_GREY_TEXT, C_GREY_TEXT };

	f->title = fmt(x, NULL, true, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	if (f->title)
		format_set_font_size(f->title, 16);
	f->subtitle = fmt(x, NULL, false, LXW_COLOR_UNSET, C_GREY_TEXT);
	f->bold = fmt(x, NULL, true, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	f->header = fmt(x, NULL, true, C_HEADER, LXW_COLOR_UNSET);
	if (f->header) {
		format_set_bottom(f->header, LXW_BORDER_THIN);
		format_set_text_wrap(f->header);
		format_set_align(f->header, LXW_ALIGN_VERTICAL_TOP);
	}
	f->text = fmt(x, "@", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	f->wrap = fmt(x, NULL, false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	if (f->wrap) {
		format_set_text_wrap(f->wrap);
		format_set_align(f->wrap, LXW_ALIGN_VERTICAL_TOP);
	}
	f->top = fmt(x, NULL, false, LXW_COLOR_UNSET, LXW_COLOR_UNSET); /* beside wrapped cells */
	if (f->top)
		format_set_align(f->top, LXW_ALIGN_VERTICAL_TOP);
	f->date = fmt(x, "yyyy-mm-dd", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	f->datetime = fmt(x, "yyyy-mm-dd hh:mm:ss", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	f->general = fmt(x, "General", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	f->sci = fmt(x, "0.00E+00", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	for (int i = 0; i < 5; i++)
		f->status_fill[i] = fmt(x, NULL, i == KPI_STATUS_BREACH, bg[i], fg[i]);
	f->verdict[KPI_VERDICT_GO] = fmt(x, NULL, true, C_OK, C_OK_TEXT);
	f->verdict[KPI_VERDICT_HOLD] = fmt(x, NULL, true, C_WARN, C_WARN_TEXT);
	f->verdict[KPI_VERDICT_NOGO] = fmt(x, NULL, true, C_BREACH, C_BREACH_TEXT);
	for (int i = 0; i < 3; i++)
		if (f->verdict[i])
			format_set_font_size(f->verdict[i], 16);
}

/* The number format of a KPI's values: percentages stay 0-100 numbers. */
static lxw_format *unit_format(xl *x, const char *unit, lxw_format **cache, size_t ncache)
{
	const char *num = strcmp(unit, "%") == 0 ? "0.00" : strcmp(unit, "count") == 0 ? "#,##0" : "#,##0.00";
	size_t i = strcmp(unit, "%") == 0 ? 0 : strcmp(unit, "count") == 0 ? 1 : 2;
	if (i < ncache && !cache[i])
		cache[i] = fmt(x, num, false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	return i < ncache ? cache[i] : NULL;
}

/* The number format of a duration shown in unit `shown` ("d", "min"): the
 * number, then the unit ('#,##0.00" d"'), over a real number in that unit. */
static lxw_format *dur_format(xl *x, const char *shown)
{
	char num[32];
	size_t i;
	for (i = 0; i < sizeof(x->dur) / sizeof(x->dur[0]) && x->dur_unit[i]; i++)
		if (strcmp(x->dur_unit[i], shown) == 0)
			return x->dur[i];
	if (i == sizeof(x->dur) / sizeof(x->dur[0]))
		return NULL;
	snprintf(num, sizeof(num), "#,##0.00\" %s\"", shown);
	x->dur_unit[i] = shown; /* kpi__time_unit's static names, or the catalogue's unit */
	return x->dur[i] = fmt(x, num, false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
}

static bool is_duration(const char *unit)
{
	return kpi__unit_is(unit, "s") || kpi__unit_is(unit, "ms");
}

/* A value of a KPI for the Summary: a duration in the unit the PDF shows
 * it in (kpi__time_unit, sized by `size`: the value itself, or a change as
 * kpi__fmt_delta sizes it), other units as they are. */
static void put_value(xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, bool has, double v, double size,
                      const kpi_def *d, lxw_format *nf)
{
	const char *shown = d ? d->unit : NULL;
	double div;
	if (!d || !is_duration(d->unit) || !has || !isfinite(v)) {
		put_num(x, ws, row, col, has, v, nf);
		return;
	}
	div = kpi__time_unit(d->unit, size, &shown, NULL);
	/* a value put_num writes as text or in scientific notation (no unit in
	 * its format) stays in the catalogue's unit, which the Unit column names */
	if (!excel_number(v) || (v / div != 0 && (fabs(v / div) < 0.01 || fabs(v / div) >= 1e12)))
		put_num(x, ws, row, col, true, v, nf);
	else
		put_num(x, ws, row, col, true, v / div, dur_format(x, shown));
}

/* Colour the cells of a status column by their text. */
static void status_colours(xl *x, lxw_worksheet *ws, lxw_row_t r0, lxw_row_t r1, lxw_col_t c0, lxw_col_t c1)
{
	for (int s = 0; s < 5 && !x->rc; s++) {
		lxw_conditional_format cf;
		char value[32];
		memset(&cf, 0, sizeof(cf));
		snprintf(value, sizeof(value), "\"%s\"", kpi_status_name((kpi_status)s));
		cf.type = LXW_CONDITIONAL_TYPE_CELL;
		cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
		cf.value_string = value;
		cf.format = x->f.status_fill[s];
		chk(x, worksheet_conditional_format_range(ws, r0, c0, r1, c1, &cf), "cannot add a conditional format");
	}
}

/* ---- sheet names ---- */

static bool name_taken(const xl *x, const char *n)
{
	for (size_t i = 0; i < x->nnames; i++)
		if (strcasecmp(x->names[i], n) == 0)
			return true;
	return false;
}

/* A valid, unused sheet name from `want`: Excel's forbidden characters
 * become '_', at most 31 characters, "~2", "~3"... on a clash. Reserves it. */
static const char *sheet_name(xl *x, const char *want)
{
	char base[SHEET_MAX * 4 + 1], cand[SHEET_MAX * 4 + 1];
	char *cut;
	size_t n = 0;

	if (x->rc)
		return NULL;
	for (const char *p = want; *p && n + 1 < sizeof(base); p++)
		base[n++] = strchr("[]:*?/\\", *p) ? '_' : *p;
	base[n] = '\0';
	while (n > 0 && base[n - 1] == '\'')
		base[--n] = '\0';
	if (base[0] == '\'')
		base[0] = '_';
	if (!n)
		snprintf(base, sizeof(base), "sheet");
	if ((cut = cut_utf8(base, SHEET_MAX))) {
		snprintf(base, sizeof(base), "%s", cut);
		free(cut);
	}
	snprintf(cand, sizeof(cand), "%s", base);
	for (int k = 2; name_taken(x, cand) || strcasecmp(cand, "History") == 0 ||
	                workbook_validate_sheet_name(x->wb, cand) != LXW_NO_ERROR;
	     k++) {
		char suffix[16], *b;
		snprintf(suffix, sizeof(suffix), "~%d", k);
		b = cut_utf8(base, SHEET_MAX - strlen(suffix));
		snprintf(cand, sizeof(cand), "%s%s", b ? b : base, suffix);
		free(b);
		if (k > 10000) {
			lxw_fail(x, LXW_ERROR_SHEETNAME_ALREADY_USED, "no free sheet name");
			return NULL;
		}
	}
	snprintf(x->names[x->nnames], sizeof(x->names[0]), "%s", cand);
	return x->names[x->nnames++];
}

static lxw_worksheet *add_sheet(xl *x, const char *name)
{
	lxw_worksheet *ws;
	if (x->rc || !name)
		return NULL;
	/* the name is valid and unused, so libxlsxwriter has nothing to warn about */
	if (!(ws = workbook_add_worksheet(x->wb, name))) {
		need(x, NULL);
		return NULL;
	}
	/* printed (or converted to PDF): A4 landscape, one page wide, as many
	 * pages down as it takes; margins of 1.5 cm (0.6 in) left and right,
	 * 2 cm above and below with the sheet's name and the page in the footer */
	worksheet_set_landscape(ws);
	worksheet_set_paper(ws, 9);
	worksheet_fit_to_pages(ws, 1, 0);
	worksheet_set_margins(ws, 0.6, 0.6, 0.8, 0.8);
	chk(x, worksheet_set_footer(ws, "&L&A&RPage &P of &N"), "cannot set the page footer");
	return ws;
}

/* ---- label sets of a series ---- */

typedef struct lset {
	char *key;                 /* "a=x,b=y", or "" without labels */
	const kpi_row *first;      /* its first row (its labels) */
	const kpi_row **by_week;   /* [nweeks], NULL where the set has no row */
} lset;

static void labels_key(kpi_buf *b, const kpi_series *s, const kpi_row *r)
{
	b->len = 0;
	kpi_buf_puts(b, "");
	for (size_t i = 0; i < s->nlabels; i++)
		kpi_buf_printf(b, "%s%s=%s", i ? "," : "", s->label_names[i], r->labels[i] ? r->labels[i] : "");
}

/* The label sets of `s` in order of first appearance, each with its row of
 * every week (linear in the rows: kpi__lsets). Returns how many (at most
 * `max`; `*total` all). */
static size_t label_sets(xl *x, const kpi_series *s, size_t max, lset **out, size_t *total)
{
	const kpi_window *w = &x->snap->result->window;
	kpi_buf key = KPI_BUF_INIT;
	kpi__lsets ls;
	lset *sets = NULL;
	size_t n = 0;

	*out = NULL;
	*total = 0;
	if (!need(x, kpi__lsets_build(&ls, s, w) == 0 ? &ls : NULL))
		return 0;
	*total = ls.n;
	n = ls.n < max ? ls.n : max;
	if (!(sets = need(x, calloc(n ? n : 1, sizeof(*sets)))))
		n = 0;
	for (size_t k = 0; k < n && !x->rc; k++) {
		labels_key(&key, s, ls.set[k].first);
		if (!need(x, key.data) || !(sets[k].key = need(x, strdup(key.data))) ||
		    !(sets[k].by_week = need(x, calloc((size_t)w->nweeks, sizeof(kpi_row *))))) {
			n = k + 1;
			break;
		}
		memcpy(sets[k].by_week, ls.set[k].week, (size_t)w->nweeks * sizeof(kpi_row *));
		sets[k].first = ls.set[k].first;
	}
	kpi_buf_release(&key);
	kpi__lsets_release(&ls);
	*out = sets;
	return n;
}

static void label_sets_free(lset *sets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(sets[i].key);
		free(sets[i].by_week);
	}
	free(sets);
}

/* The threshold with its warning margin: ">= 95% (warn within 0.5)". */
static void threshold_text(char *buf, size_t size, const kpi_def *d)
{
	kpi__threshold_format(buf, size, &d->threshold, d->unit, KPI__TH_ASCII | KPI__TH_MARGIN);
}

/* ---- Summary ---- */

static const kpi_series *series_of(const kpi_snapshot *snap, const kpi_def *d)
{
	return kpi_result_find(snap->result, d->id);
}

static void summary(xl *x, lxw_worksheet *ws)
{
	const kpi_snapshot *snap = x->snap;
	const kpi_window *w = &snap->result->window;
	const kpi_verdict *v = &snap->verdicts[w->nweeks - 1];
	lxw_format *numfmt[3] = { NULL, NULL, NULL };
	char buf[2048], d1[16], d2[16], wk[16], t[32], list[1024];
	lxw_row_t row = 0, head;

	kpi_week_format(wk, sizeof(wk), w->last);
	snprintf(buf, sizeof(buf), "Go/no-go pack %s", wk);
	put_over(x, ws, row++, 0, buf, x->f.title);
	put_str(x, ws, row, 0, "Verdict", x->f.bold);
	{
		kpi_verdict_kind read;
		const char *shown = kpi__verdict_shown(snap, v, false, &read);
		put_str(x, ws, row++, 1, shown, x->f.verdict[read]);
	}
	snprintf(buf, sizeof(buf), "%s, %s to %s (%s)", wk, kpi_time_format_date(d1, sizeof(d1), w->starts[w->nweeks - 1], w->tz),
	         kpi_time_format_date(d2, sizeof(d2), w->to - 1, w->tz), w->tz);
	put_str(x, ws, row, 0, "Week", x->f.bold);
	put_over(x, ws, row++, 1, buf, NULL);
	snprintf(buf, sizeof(buf), "%s%s", kpi_time_format(t, sizeof(t), w->as_of),
	         w->partial ? " (the week is not over: values so far)" : "");
	put_str(x, ws, row, 0, "As of", x->f.bold);
	put_over(x, ws, row++, 1, buf, NULL);
	put_str(x, ws, row, 0, "Data read at", x->f.bold);
	put_over(x, ws, row++, 1, kpi_time_format(t, sizeof(t), snap->result->read_at), NULL);
	row++;
	/* The reasons, in the scorecard's columns (KPI, labels, value, unit,
	 * threshold, status). */
	{
		static const char *const cols[] = { "Reason (KPI)", "Labels", "Value", "Unit", "Threshold", "Status" };
		row = header_row(x, ws, row, cols, 6);
	}
	if (kpi__go_unweighed(snap, v, list, sizeof(list))) {
		/* an older GO: what "read as HOLD" above stands on */
		snprintf(buf, sizeof(buf), "none on record; not measured and not weighed by this older pack: %s", list);
		put_over(x, ws, row++, 0, buf, NULL);
	} else if (!v->nreasons)
		put_over(x, ws, row++, 0, "none: no gating KPI is in breach or blocked by missing data", NULL);
	for (size_t i = 0; i < v->nreasons; i++, row++) {
		const kpi_reason *r = &v->reasons[i];
		const kpi_def *d = kpi_catalog_find(snap->catalog, r->kpi);
		put_str(x, ws, row, 0, r->kpi, NULL);
		put_str(x, ws, row, 1, r->labels, NULL);
		put_value(x, ws, row, 2, r->has_value, r->value, r->value, d,
		          d ? unit_format(x, d->unit, numfmt, 3) : x->f.general);
		put_str(x, ws, row, 3, d ? d->unit : "", NULL);
		put_str(x, ws, row, 4, r->threshold, NULL);
		if (r->not_measured)
			snprintf(buf, sizeof(buf), "not measured (%s)", r->not_measured);
		put_str(x, ws, row, 5, r->not_measured ? buf : kpi_status_name(r->status), NULL);
	}
	if (v->nreasons)
		status_colours(x, ws, row - (lxw_row_t)v->nreasons, row - 1, 5, 5);
	/* What the run did not collect, and why (the PDF's statement): one row
	 * per KPI, so no line runs past the printed page. */
	put_str(x, ws, row, 0, "Not collected", x->f.bold);
	if (!snap->nnot_collected) {
		kpi__snapshot_not_collected(buf, sizeof(buf), snap, true, false);
		put_over(x, ws, row++, 1, buf, NULL); /* overflows into the empty cells beside it */
	}
	for (size_t i = 0; i < snap->nnot_collected; i++, row++) {
		const kpi_not_collected *n = &snap->not_collected[i];
		snprintf(buf, sizeof(buf), "%s: %s (%s; %s)", n->kpi, n->reason,
		         !n->gating ? "not gating"
		         : snap->format < 3 ? "gating: the verdicts do not weigh it"
		                            : "gating: not measured, it holds the verdict unless waived",
		         n->detail);
		put_over(x, ws, row, 1, buf, NULL);
	}
	row++;
	head = row;
	{
		static const char *const cols[] = { "KPI", "Labels", "Value", "Unit", "Threshold", "Status",
			                            "Previous", "Delta", "Note" };
		row = header_row(x, ws, row, cols, 9);
	}
	for (size_t k = 0; k < snap->catalog->nkpis && !x->rc; k++) {
		const kpi_def *d = &snap->catalog->kpis[k];
		const kpi_series *s = series_of(snap, d);
		lxw_format *nf = unit_format(x, d->unit, numfmt, 3);
		lset *sets = NULL;
		size_t total, n;
		char th[128];

		if (!s)
			continue;
		threshold_text(th, sizeof(th), d);
		n = label_sets(x, s, SIZE_MAX, &sets, &total); /* rows: every label set */
		for (size_t i = 0; i < n && !x->rc; i++) {
			const kpi_row *last = sets[i].by_week[w->nweeks - 1];
			const kpi_row *prev = w->nweeks > 1 ? sets[i].by_week[w->nweeks - 2] : NULL;
			char note[64] = "";
			if (!last)
				continue; /* the label set has no row in the last week */
			put_str(x, ws, row, 0, d->id, NULL);
			put_str(x, ws, row, 1, sets[i].key, NULL);
			put_value(x, ws, row, 2, last->has_value, last->value, last->value, d, nf);
			put_str(x, ws, row, 3, d->unit, NULL);
			put_str(x, ws, row, 4, th, NULL);
			put_str(x, ws, row, 5, kpi_status_name(last->status), NULL);
			put_value(x, ws, row, 6, prev && prev->has_value, prev ? prev->value : 0, prev ? prev->value : 0, d,
			          nf);
			if (prev)
				put_value(x, ws, row, 7, prev->has_value && last->has_value, last->value - prev->value,
				          2 * fabs(last->value / 2 - prev->value / 2), d, nf);
			snprintf(note, sizeof(note), "%s%s%s", last->partial ? "week in progress" : "",
			         last->partial && last->incomplete ? "; " : "",
			         last->incomplete ? "source answered in part" : "");
			put_str(x, ws, row, 8, note, NULL);
			row++;
		}
		label_sets_free(sets, n);
	}
	if (x->rc)
		return;
	status_colours(x, ws, head + 1, row > head + 1 ? row - 1 : head + 1, 5, 5);
	worksheet_freeze_panes(ws, head + 1, 0);
	chk(x, worksheet_repeat_rows(ws, head, head), "cannot repeat the header when printed");
	chk(x, worksheet_autofilter(ws, head, 0, row > head + 1 ? row - 1 : head, 8), "cannot add the autofilter");
	fit_finish(x, ws);
}

/* ---- one sheet per KPI ---- */

#define CHART_ROWS 18      /* the rows a chart takes, with the gap below it */
#define WIDE_COLS 14       /* a wider table of a KPI is printed one row per label set and week */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The least of 1, 2, 5 x 10^k at or above v (v > 0). */
static double nice_ceil(double v)
{
	double p = pow(10, floor(log10(v)));
	return v <= p ? p : v <= 2 * p ? 2 * p : v <= 5 * p ? 5 * p : 10 * p;
}

/* The label set of `sets` (the first `n`) with the labels of `r`; n when none. */
static size_t set_of(const lset *sets, size_t n, const kpi_series *s, const kpi_row *r)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = 0;
		for (; l < s->nlabels; l++)
			if (strcmp(sets[i].first->labels[l] ? sets[i].first->labels[l] : "", r->labels[l] ? r->labels[l] : "") != 0)
				break;
		if (l == s->nlabels)
			return i;
	}
	return n;
}

/* The value axis of a chart drawing the `n` values `v` (sorted here, in
 * the unit `shown`, `cap` too: the PDF's cap of the panel, kpi__panel_cap,
 * INFINITY for none): a percentage axis ends at 100 when no value is above;
 * where the PDF caps its axis (a spike that would flatten the rest), a log
 * axis when every value is positive, else the axis capped as in the PDF,
 * said in `note` (" (axis capped at 50 s: 2 values above it, see the
 * table)"). The axis' name into `name`. */
static void value_axis(lxw_chart *chart, double *v, size_t n, double cap, const char *shown, char *name,
                       size_t nsize, char *note, size_t notesize)
{
	const char *words = kpi__unit_words(shown);

	snprintf(name, nsize, "%s", words);
	*note = '\0';
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	if (kpi__unit_is(shown, "%")) {
		if (v[n - 1] <= 100) /* the low end stays automatic: 98 % and 99.5 % apart */
			chart_axis_set_max(chart->y_axis, 100);
		return;
	}
	if (!isfinite(cap) || cap <= 0)
		return;
	if (v[0] > 0) {
		chart_axis_set_log_base(chart->y_axis, 10);
		snprintf(name, nsize, "%s (log scale)", words);
	} else {
		size_t above = 0;
		char num[64], digits[64];
		cap = nice_ceil(cap);
		for (size_t i = 0; i < n; i++)
			above += v[i] > cap;
		chart_axis_set_max(chart->y_axis, cap);
		snprintf(name, nsize, "%s (capped)", words);
		snprintf(note, notesize, " (axis capped at %s: %zu value%s above it, see the table)",
		         kpi__fmt_unit(num, sizeof(num), kpi__fmt_num(digits, sizeof(digits), cap, KPI__NUM_PEOPLE), shown,
		                       false),
		         above, above == 1 ? "" : "s");
	}
}

/* The notes of a row: a week in progress, a source that answered in part. */
static const char *row_note(char *buf, size_t size, bool partial, bool incomplete)
{
	snprintf(buf, size, "%s%s%s", partial ? "week in progress" : "", partial && incomplete ? "; " : "",
	         incomplete ? "source answered in part" : "");
	return buf;
}

/* A KPI's table, one row per week from `head` + 1: Week, Week start, then
 * per label set its value, numerator and denominator (when the KPI has
 * them), status; then the threshold; notes. Values are divided by `div`
 * (a duration in the unit `shown`). */
static void wide_table(xl *x, lxw_worksheet *ws, const kpi_def *d, const lset *sets, size_t nsets,
                       const size_t *ncols, lxw_col_t *vcol, lxw_row_t head, double div, const char *shown,
                       lxw_format *nf, const char *th, lxw_col_t *th_col)
{
	const kpi_window *w = &x->snap->result->window;
	bool has_th = d->threshold.op != KPI_OP_NONE;
	lxw_row_t first = head + 1, last = head + (lxw_row_t)w->nweeks;
	lxw_col_t c = 2, note_col;
	char buf[1024];

	put_str(x, ws, head, 0, "Week", x->f.header);
	put_str(x, ws, head, 1, "Week start", x->f.header);
	for (size_t i = 0; i < nsets && !x->rc; i++) {
		const char *lab = *sets[i].key ? sets[i].key : "value";
		vcol[i] = c;
		snprintf(buf, sizeof(buf), "%s (%s)", lab, shown);
		put_str(x, ws, head, c++, buf, x->f.header);
		if (ncols[i] == 4) {
			snprintf(buf, sizeof(buf), "%s numerator", lab);
			put_str(x, ws, head, c++, buf, x->f.header);
			snprintf(buf, sizeof(buf), "%s denominator", lab);
			put_str(x, ws, head, c++, buf, x->f.header);
		}
		snprintf(buf, sizeof(buf), "%s status", lab);
		put_str(x, ws, head, c++, buf, x->f.header);
	}
	if (has_th) {
		*th_col = c;
		snprintf(buf, sizeof(buf), "threshold %s", th);
		put_str(x, ws, head, c++, buf, x->f.header);
	}
	note_col = c;
	put_str(x, ws, head, note_col, "Notes", x->f.header);
	for (int wi = 0; wi < w->nweeks && !x->rc; wi++) {
		lxw_row_t row = first + (lxw_row_t)wi;
		bool partial = false, incomplete = false;
		char wk[16];
		put_str(x, ws, row, 0, kpi_week_format(wk, sizeof(wk), kpi_week_add(w->first, wi)), NULL);
		put_date(x, ws, row, 1, w->starts[wi]);
		for (size_t i = 0; i < nsets; i++) {
			const kpi_row *r = sets[i].by_week[wi];
			lxw_col_t vc = vcol[i];
			if (!r)
				continue; /* no row this week: empty cells */
			put_num(x, ws, row, vc, r->has_value, r->value / div, nf);
			if (ncols[i] == 4) {
				put_num(x, ws, row, vc + 1, r->has_numerator, r->numerator, x->f.general);
				put_num(x, ws, row, vc + 2, r->has_denominator, r->denominator, x->f.general);
			}
			put_str(x, ws, row, vc + (lxw_col_t)ncols[i] - 1, kpi_status_name(r->status), NULL);
			partial = partial || r->partial;
			incomplete = incomplete || r->incomplete;
		}
		if (has_th)
			put_num(x, ws, row, *th_col, true, d->threshold.target / div, nf);
		put_str(x, ws, row, note_col, row_note(buf, sizeof(buf), partial, incomplete), NULL);
	}
	for (size_t i = 0; i < nsets && !x->rc; i++) {
		lxw_col_t sc = vcol[i] + (lxw_col_t)ncols[i] - 1;
		status_colours(x, ws, first, last, sc, sc);
	}
}

/* A KPI's table too wide for a printed page as wide_table() (the job
 * latency's 12 label sets, the mismatch rate's 5 ratios): one row per label
 * set and week that has a row, from `head` + 1, label set by label set:
 * Week, Week start, Labels, Value, Numerator and Denominator (when any set
 * has them), Status, Threshold, Notes; an autofilter on the header. Returns
 * the table's last row. */
static lxw_row_t tall_table(xl *x, lxw_worksheet *ws, const kpi_def *d, const lset *sets, size_t nsets,
                            const size_t *ncols, bool any_ratio, lxw_row_t head, double div, const char *shown,
                            lxw_format *nf, const char *th)
{
	const kpi_window *w = &x->snap->result->window;
	bool has_th = d->threshold.op != KPI_OP_NONE;
	lxw_col_t c = 0, vc, st_col, th_col = 0, note_col;
	lxw_row_t row = head + 1;
	char buf[1024];

	put_str(x, ws, head, c++, "Week", x->f.header);
	put_str(x, ws, head, c++, "Week start", x->f.header);
	put_str(x, ws, head, c++, "Labels", x->f.header);
	vc = c;
	snprintf(buf, sizeof(buf), "Value (%s)", shown);
	put_str(x, ws, head, c++, buf, x->f.header);
	if (any_ratio) {
		put_str(x, ws, head, c++, "Numerator", x->f.header);
		put_str(x, ws, head, c++, "Denominator", x->f.header);
	}
	st_col = c;
	put_str(x, ws, head, c++, "Status", x->f.header);
	if (has_th) {
		th_col = c;
		snprintf(buf, sizeof(buf), "threshold %s", th);
		put_str(x, ws, head, c++, buf, x->f.header);
	}
	note_col = c;
	put_str(x, ws, head, note_col, "Notes", x->f.header);
	for (size_t i = 0; i < nsets && !x->rc; i++)
		for (int wi = 0; wi < w->nweeks && !x->rc; wi++) {
			const kpi_row *r = sets[i].by_week[wi];
			char wk[16];
			if (!r)
				continue; /* no row this week: no line */
			put_str(x, ws, row, 0, kpi_week_format(wk, sizeof(wk), kpi_week_add(w->first, wi)), NULL);
			put_date(x, ws, row, 1, w->starts[wi]);
			put_str(x, ws, row, 2, *sets[i].key ? sets[i].key : "value", NULL);
			put_num(x, ws, row, vc, r->has_value, r->value / div, nf);
			if (ncols[i] == 4) {
				put_num(x, ws, row, vc + 1, r->has_numerator, r->numerator, x->f.general);
				put_num(x, ws, row, vc + 2, r->has_denominator, r->denominator, x->f.general);
			}
			put_str(x, ws, row, st_col, kpi_status_name(r->status), NULL);
			if (has_th)
				put_num(x, ws, row, th_col, true, d->threshold.target / div, nf);
			put_str(x, ws, row, note_col, row_note(buf, sizeof(buf), r->partial, r->incomplete), NULL);
			row++;
		}
	if (row > head + 1 && !x->rc) {
		status_colours(x, ws, head + 1, row - 1, st_col, st_col);
		chk(x, worksheet_autofilter(ws, head, 0, row - 1, note_col), "cannot add the autofilter");
	}
	return row > head + 1 ? row - 1 : head;
}

/* The most a panel of the PDF's chart draws and its cap (kpi__panel_cap):
 * the top its axis is sized by. */
static double panel_top(const kpi__chart *cm, const kpi__cpanel *p, double *cap)
{
	double mx = 0;
	for (size_t k = 0; k < p->nser; k++)
		for (int wi = 0; wi < cm->w->nweeks; wi++) {
			const kpi_row *r = cm->ser[p->ser[k]].row[wi];
			if (kpi__plotted(r))
				mx = fmax(mx, fabs(r->value));
		}
	*cap = kpi__panel_cap(cm, p);
	return fmin(mx, *cap);
}

/* A KPI's sheet: title and policies; its charts, the PDF's panels (the
 * same model, chart_model.c: the job latency's four kind and path panels
 * of p50, p95 and p99; one chart for most KPIs), each a native chart; then
 * its table. A duration reads in the unit the PDF's axis shows it in (the
 * one ladder, kpi__time_unit, sized as the PDF sizes its axis): each chart
 * in its panel's unit, the table in the unit of the largest panel axis. */
static void kpi_sheet(xl *x, lxw_worksheet *ws, const char *sheet, const kpi_def *d, const kpi_series *s)
{
	const kpi_snapshot *snap = x->snap;
	const kpi_window *w = &snap->result->window;
	lxw_format *numfmt[3] = { NULL, NULL, NULL };
	lxw_format *nf = unit_format(x, d->unit, numfmt, 3);
	lxw_row_t head, first, last;
	bool has_th = d->threshold.op != KPI_OP_NONE, any_value = false, stacked, tall, any_ratio = false;
	bool built = false, beyond = false, durations = is_duration(d->unit);
	lset *sets = NULL;
	size_t nsets = 0, total = 0, *ncols = NULL, ncharts, nplot = 0, wide_cols = 3; /* Week, Week start, Notes */
	lxw_col_t *vcol = NULL, th_col = 0, plot_col, plot_wk = 0, plot_th = 0;
	double div = 1, *pdiv = NULL, *vals = NULL, top = 0, th_abs = has_th ? fabs(d->threshold.target) : 0;
	const char *shown = d->unit;
	uint8_t type = LXW_CHART_LINE;
	kpi__chart cm;
	char buf[1024], th[128];

	threshold_text(th, sizeof(th), d);
	put_over(x, ws, 0, 0, d->title, x->f.title);
	snprintf(buf, sizeof(buf), "%s: unit %s; threshold %s; %s; missing data: %s; %s KPI", d->id, d->unit, th,
	         d->gating ? "gating" : "not gating", d->missing == KPI_MISSING_BLOCK ? "block (HOLD)" : "ignore",
	         d->state ? "state (as of each week's end)" : "flow (over each week)");
	put_over(x, ws, 1, 0, buf, x->f.subtitle);
	if (kpi__chart_build(&cm, d, s, w) != 0)
		need(x, NULL);
	built = true;
	if (s)
		nsets = label_sets(x, s, LABELSETS_MAX, &sets, &total);
	vcol = need(x, calloc(nsets + 1, sizeof(*vcol)));
	ncols = need(x, calloc(nsets + 1, sizeof(*ncols)));
	pdiv = need(x, calloc(nsets + 1, sizeof(*pdiv)));
	/* every plotted value of a chart, and its threshold */
	vals = need(x, calloc(nsets * (size_t)w->nweeks + 1, sizeof(*vals)));
	if (x->rc)
		goto done;
	/* Excel 1.1.4 charts cannot combine types, so a KPI with a threshold is
	 * a line chart; without one, bars as asked */
	if (!has_th && d->chart && strcmp(d->chart, "stacked_bar") == 0)
		type = LXW_CHART_COLUMN_STACKED;
	else if (!has_th && d->chart && strcmp(d->chart, "bar") == 0)
		type = LXW_CHART_COLUMN;
	stacked = type == LXW_CHART_COLUMN_STACKED;
	nplot = nsets < CHART_SERIES_MAX ? nsets : CHART_SERIES_MAX;
	if ((size_t)x->plot_next + (nplot ? nplot : 1) + 2 > LXW_COL_MAX)
		nplot = 0; /* no room left: the chart draws the threshold alone */
	ncharts = cm.npan ? cm.npan : 1;
	head = (lxw_row_t)(4 + CHART_ROWS * ncharts);
	first = head + 1;
	last = head + (lxw_row_t)w->nweeks;
	plot_col = x->plot_next;
	x->plot_next = (lxw_col_t)(x->plot_next + (nplot ? nplot : 1));

	/* the units: a value Excel cannot hold is written as its exact text,
	 * which reads in the column's unit: then the catalogue's */
	for (size_t i = 0; i < nsets; i++)
		for (int wi = 0; wi < w->nweeks; wi++) {
			const kpi_row *r = sets[i].by_week[wi];
			beyond = beyond || (r && r->has_value && isfinite(r->value) && !excel_number(r->value));
			any_value = any_value || (r && r->has_value);
		}
	durations = durations && !beyond;
	for (size_t g = 0; g < cm.npan; g++) {
		double cap, t = panel_top(&cm, &cm.pan[g], &cap);
		top = fmax(top, t);
	}
	if (!cm.npan)
		for (size_t i = 0; i < nsets; i++)
			for (int wi = 0; wi < w->nweeks; wi++) {
				const kpi_row *r = sets[i].by_week[wi];
				if (kpi__plotted(r))
					top = fmax(top, fabs(r->value));
			}
	if (durations) {
		div = kpi__time_unit(d->unit, fmax(top, th_abs), &shown, NULL);
		nf = dur_format(x, shown);
	}
	for (size_t i = 0; i < nsets; i++)
		pdiv[i] = div;

	for (size_t i = 0; i < nsets; i++) {
		bool ratio = false;
		for (int wi = 0; wi < w->nweeks; wi++) {
			const kpi_row *r = sets[i].by_week[wi];
			ratio = ratio || (r && (r->has_numerator || r->has_denominator));
		}
		ncols[i] = ratio ? 4 : 2;
		any_ratio = any_ratio || ratio;
		wide_cols += ncols[i];
	}
	/* a table wider than this would print too small fitted to the page's
	 * width: one row per week and label set instead */
	tall = wide_cols + (has_th ? 1 : 0) > WIDE_COLS;
	if (tall) {
		/* the chart's weeks and threshold from the hidden sheet too */
		plot_wk = (lxw_col_t)(plot_col + (nplot ? nplot : 1));
		plot_th = plot_wk + 1;
		x->plot_next = (lxw_col_t)(plot_th + (has_th ? 1 : 0));
		tall_table(x, ws, d, sets, nsets, ncols, any_ratio, head, div, shown, nf, th);
	} else {
		wide_table(x, ws, d, sets, nsets, ncols, vcol, head, div, shown, nf, th, &th_col);
	}
	/* printed: a chart and a table of up to half a year on one page */
	if (!tall && ncharts == 1 && w->nweeks <= 26)
		worksheet_fit_to_pages(ws, 1, 1);
	worksheet_freeze_panes(ws, first, tall ? 3 : 2);
	chk(x, worksheet_repeat_rows(ws, head, head), "cannot repeat the header when printed");
	if (!any_value)
		put_over(x, ws, 2, 0, "No data in this window: every week is empty (see the statuses below).", x->f.bold);
	if (total > nsets) {
		snprintf(buf, sizeof(buf), "Showing the first %zu of %zu label sets.", nsets, total);
		put_over(x, ws, 3, 0, buf, x->f.bold);
	}
	if (x->rc)
		goto done;

	/* The charts: one per panel of the PDF's chart, its series (the PDF's,
	 * named as there) and the threshold as its own series. */
	for (size_t g = 0; g < ncharts && !x->rc; g++) {
		const kpi__cpanel *pan = cm.npan ? &cm.pan[g] : NULL;
		lxw_chart_options opt;
		lxw_chart *chart;
		size_t nv = 0, drawn = 0;
		double cap = INFINITY, gdiv = div;
		const char *gshown = shown;
		char name[128], note[160], title[600];

		if (pan && durations && !has_th) { /* a threshold line is in the table's unit */
			double t = panel_top(&cm, pan, &cap);
			gdiv = kpi__time_unit(d->unit, fmax(t, th_abs), &gshown, NULL);
		} else if (pan) {
			panel_top(&cm, pan, &cap);
		}
		if (!(chart = need(x, workbook_add_chart(x->wb, type))))
			goto done;
		for (size_t k = 0; pan && k < pan->nser; k++) {
			const kpi__cser *cs = &cm.ser[pan->ser[k]];
			size_t i = set_of(sets, nplot, s, cs->first);
			lxw_chart_series *se;
			if (i == nplot)
				continue; /* beyond the plotted label sets */
			pdiv[i] = gdiv;
			if (!(se = need(x, chart_add_series(chart, NULL, NULL))))
				goto done;
			chart_series_set_values(se, PLOT_SHEET, 1, plot_col + (lxw_col_t)i, (lxw_row_t)w->nweeks,
			                        plot_col + (lxw_col_t)i);
			if (tall) {
				chart_series_set_categories(se, PLOT_SHEET, 1, plot_wk, (lxw_row_t)w->nweeks, plot_wk);
				chart_series_set_name(se, *cs->name ? cs->name : "value");
			} else {
				chart_series_set_categories(se, sheet, first, 0, last, 0);
				chart_series_set_name_range(se, sheet, head, vcol[i]);
			}
			if (type == LXW_CHART_LINE)
				chart_series_set_marker_type(se, LXW_CHART_MARKER_CIRCLE);
			drawn++;
			if (!stacked)
				for (int wi = 0; wi < w->nweeks; wi++) {
					const kpi_row *r = sets[i].by_week[wi];
					if (r && plotted(r) && excel_number(r->value / gdiv))
						vals[nv++] = r->value / gdiv;
				}
		}
		if (stacked && pan) /* the axis spans the weeks' sums */
			for (int wi = 0; wi < w->nweeks; wi++) {
				double sum = 0;
				bool any = false;
				for (size_t k = 0; k < pan->nser; k++) {
					const kpi_row *r = cm.ser[pan->ser[k]].row[wi];
					if (r && plotted(r) && excel_number(r->value)) {
						sum += r->value;
						any = true;
					}
				}
				if (any)
					vals[nv++] = sum;
			}
		if (has_th) {
			lxw_chart_line line;
			lxw_chart_series *se = need(x, chart_add_series(chart, NULL, NULL));
			if (!se)
				goto done;
			memset(&line, 0, sizeof(line));
			line.color = 0xC00000;
			line.width = 1.5;
			line.dash_type = LXW_CHART_LINE_DASH_DASH;
			if (tall) {
				snprintf(buf, sizeof(buf), "threshold %s", th);
				chart_series_set_categories(se, PLOT_SHEET, 1, plot_wk, (lxw_row_t)w->nweeks, plot_wk);
				chart_series_set_values(se, PLOT_SHEET, 1, plot_th, (lxw_row_t)w->nweeks, plot_th);
				chart_series_set_name(se, buf);
			} else {
				chart_series_set_categories(se, sheet, first, 0, last, 0);
				chart_series_set_values(se, sheet, first, th_col, last, th_col);
				chart_series_set_name_range(se, sheet, head, th_col);
			}
			chart_series_set_line(se, &line);
			chart_series_set_marker_type(se, LXW_CHART_MARKER_NONE);
			if (excel_number(d->threshold.target / gdiv))
				vals[nv++] = d->threshold.target / gdiv;
		}
		if (!drawn && !has_th) {
			/* a chart needs a series: an empty plotted column */
			lxw_chart_series *se = need(x, chart_add_series(chart, NULL, NULL));
			if (!se)
				goto done;
			if (tall)
				chart_series_set_categories(se, PLOT_SHEET, 1, plot_wk, (lxw_row_t)w->nweeks, plot_wk);
			else
				chart_series_set_categories(se, sheet, first, 0, last, 0);
			chart_series_set_values(se, PLOT_SHEET, 1, plot_col, (lxw_row_t)w->nweeks, plot_col);
		}
		value_axis(chart, vals, nv, cap / gdiv, gshown, name, sizeof(name), note, sizeof(note));
		snprintf(title, sizeof(title), "%s%s%s%s", d->title, pan && *pan->title ? ", " : "",
		         pan ? pan->title : "", note);
		chart_title_set_name(chart, title);
		chart_axis_set_name(chart->x_axis, "ISO week");
		chart_axis_set_name(chart->y_axis, name);
		chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
		/* empty cells are gaps (libxlsxwriter writes no dispBlanksAs for
		 * this, Excel's and LibreOffice's default) */
		chart_show_blanks_as(chart, LXW_CHART_BLANKS_AS_GAP);
		memset(&opt, 0, sizeof(opt));
		opt.x_scale = 1.6;
		opt.y_scale = 1.0;
		chk(x, worksheet_insert_chart_opt(ws, (lxw_row_t)(4 + CHART_ROWS * g), 0, chart, &opt),
		    "cannot insert a chart");
	}

	/* What the charts plot, in columns of the hidden sheet PLOT_SHEET (row 0
	 * names them, then one row per week): the value of each week that has
	 * one and is neither no_data nor not_applicable, so those weeks are
	 * empty cells, gaps in the chart (never 0 or a point), in its chart's
	 * unit. The table keeps every value. */
	for (size_t i = 0; i < nplot && !x->rc; i++) {
		snprintf(buf, sizeof(buf), "%s: %s", d->id, *sets[i].key ? sets[i].key : "value");
		put_over(x, x->plot, 0, plot_col + (lxw_col_t)i, buf, NULL);
		for (int wi = 0; wi < w->nweeks && !x->rc; wi++) {
			const kpi_row *r = sets[i].by_week[wi];
			if (r && plotted(r) && excel_number(r->value / pdiv[i]))
				chk(x, worksheet_write_number(x->plot, (lxw_row_t)(1 + wi), plot_col + (lxw_col_t)i,
				                              r->value / pdiv[i], NULL),
				    "cannot write a number cell");
		}
	}
	if (tall && !x->rc) {
		char wk[16];
		put_over(x, x->plot, 0, plot_wk, "ISO week", NULL);
		for (int wi = 0; wi < w->nweeks && !x->rc; wi++)
			put_over(x, x->plot, (lxw_row_t)(1 + wi), plot_wk,
			         kpi_week_format(wk, sizeof(wk), kpi_week_add(w->first, wi)), NULL);
		if (has_th) {
			snprintf(buf, sizeof(buf), "%s: threshold %s", d->id, th);
			put_over(x, x->plot, 0, plot_th, buf, NULL);
			for (int wi = 0; wi < w->nweeks && !x->rc; wi++)
				if (excel_number(d->threshold.target / div))
					chk(x, worksheet_write_number(x->plot, (lxw_row_t)(1 + wi), plot_th,
					                              d->threshold.target / div, NULL),
					    "cannot write a number cell");
		}
	}
done:
	fit_finish(x, ws);
	if (built)
		kpi__chart_release(&cm);
	label_sets_free(sets, nsets);
	free(vcol);
	free(ncols);
	free(pdiv);
	free(vals);
}

/* ---- Drill-down ---- */


static void drilldown(xl *x, lxw_worksheet *ws)
{
	static const char *const ucols[] = { "Design", "Tenant", "Style", "Revision", "Revision created (UTC)",
		                             "Age (days)" };
	static const char *const mcols[] = { "Decision", "Decided at (UTC)", "Design", "Environment", "Tenant",
		                             "Style", "User", "Decided by", "Provider metadata", "Route outcome",
		                             "Design migrated" };
	static const char *const ccols[] = { "#", "Change id", "Changed at (UTC)", "Layer", "Key", "Old value",
		                             "New value", "Actor" };
	const kpi_snapshot *snap = x->snap;
	const kpi_window *w = &snap->result->window;
	lxw_format *days = fmt(x, "0.00", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	char buf[256], t[32], t2[32], why[320];
	const char *unread = kpi__lists_unread(why, sizeof(why), snap);
	lxw_row_t row = 0;
	int *no = NULL;

	if (unread)
		snprintf(buf, sizeof(buf), "Uncovered legacy designs as of %s (the backfill list): not read",
		         kpi_time_format(t, sizeof(t), w->as_of));
	else
		snprintf(buf, sizeof(buf), "Uncovered legacy designs as of %s: the %zu oldest of %zu (the backfill list)",
		         kpi_time_format(t, sizeof(t), w->as_of), snap->nuncovered, snap->uncovered_total);
	put_over(x, ws, row++, 0, buf, x->f.title);
	row = header_row(x, ws, row, ucols, 6);
	for (size_t i = 0; i < snap->nuncovered; i++, row++) {
		const kpi_uncovered *u = &snap->uncovered[i];
		put_int(x, ws, row, 0, (double)u->design_id);
		put_str(x, ws, row, 1, u->tenant_id, NULL);
		put_str(x, ws, row, 2, u->style_id, NULL);
		put_int(x, ws, row, 3, u->revision);
		put_time(x, ws, row, 4, u->revision_at);
		put_num(x, ws, row, 5, true, u->age_days, days);
	}
	if (unread)
		put_over(x, ws, row++, 0, unread, NULL);
	else if (!snap->nuncovered)
		put_over(x, ws, row++, 0, "none: every design of the active legacy cohort is covered", NULL);
	row++;
	if (unread)
		snprintf(buf, sizeof(buf), "Critical routing mismatches in [%s, %s): not read",
		         kpi_time_format(t, sizeof(t), w->starts[w->nweeks - 1]), kpi_time_format(t2, sizeof(t2), w->as_of));
	else
		snprintf(buf, sizeof(buf), "Critical routing mismatches in [%s, %s): %zu of %zu, newest first",
		         kpi_time_format(t, sizeof(t), w->starts[w->nweeks - 1]), kpi_time_format(t2, sizeof(t2), w->as_of),
		         snap->nmismatches, snap->mismatches_total);
	put_over(x, ws, row++, 0, buf, x->f.title);
	row = header_row(x, ws, row, mcols, 11);
	for (size_t i = 0; i < snap->nmismatches; i++, row++) {
		const kpi_mismatch *m = &snap->mismatches[i];
		put_int(x, ws, row, 0, (double)m->id);
		put_time(x, ws, row, 1, m->decided_at);
		put_int(x, ws, row, 2, (double)m->design_id);
		put_str(x, ws, row, 3, m->environment, NULL);
		put_str(x, ws, row, 4, m->tenant_id, NULL);
		put_str(x, ws, row, 5, m->style_id, NULL);
		put_str(x, ws, row, 6, m->user_id, NULL);
		put_str(x, ws, row, 7, m->decided_by, NULL);
		put_str(x, ws, row, 8, m->provider_metadata, NULL);
		put_str(x, ws, row, 9, m->route_outcome, NULL);
		put_str(x, ws, row, 10, m->design_migrated ? "yes" : "no", NULL);
	}
	if (!snap->nmismatches)
		put_over(x, ws, row++, 0, unread ? unread : "none", NULL);
	row++;
	if (unread)
		snprintf(buf, sizeof(buf), "Rollout changes in [%s, %s): not read", kpi_time_format(t, sizeof(t), w->from),
		         kpi_time_format(t2, sizeof(t2), w->as_of));
	else
		snprintf(buf, sizeof(buf), "Rollout changes in [%s, %s): %zu of %zu%s",
		         kpi_time_format(t, sizeof(t), w->from), kpi_time_format(t2, sizeof(t2), w->as_of), snap->nchanges,
		         snap->changes_total, snap->changes_total > snap->nchanges ? " (the newest)" : "");
	put_over(x, ws, row++, 0, buf, x->f.title);
	row = header_row(x, ws, row, ccols, 8);
	/* "#": the number of the charts' marker and the PDF's appendix */
	if (snap->nchanges && (no = need(x, calloc(snap->nchanges, sizeof(int)))))
		kpi__number_changes(no, snap);
	for (size_t i = 0; no && i < snap->nchanges; i++, row++) {
		const kpi_change *c = &snap->changes[i];
		if (no[i])
			put_int(x, ws, row, 0, no[i]);
		put_int(x, ws, row, 1, (double)c->id);
		put_time(x, ws, row, 2, c->changed_at);
		put_str(x, ws, row, 3, c->layer, NULL);
		put_str(x, ws, row, 4, c->key, NULL);
		put_str(x, ws, row, 5, c->old_value, NULL);
		put_str(x, ws, row, 6, c->new_value, NULL);
		put_str(x, ws, row, 7, c->actor, NULL);
	}
	free(no);
	if (!snap->nchanges)
		put_over(x, ws, row++, 0, unread ? unread : "none", NULL);
	fit_finish(x, ws);
}

/* ---- Definitions and provenance ---- */

static void definitions(xl *x, lxw_worksheet *ws)
{
	static const char *const cols[] = { "KPI", "Title", "Unit", "Definition", "Threshold", "Gating",
		                            "Missing data", "Query", "Query SHA-256" };
	const kpi_snapshot *snap = x->snap;
	const kpi_window *w = &snap->result->window;
	char th[128], t[32], fw[16], lw[16], buf[256];
	lxw_row_t row;

	row = header_row(x, ws, 0, cols, 9);
	worksheet_freeze_panes(ws, 1, 0);
	chk(x, worksheet_repeat_rows(ws, 0, 0), "cannot repeat the header when printed");
	for (size_t k = 0; k < snap->catalog->nkpis; k++, row++) {
		const kpi_def *d = &snap->catalog->kpis[k];
		const kpi_series *s = series_of(snap, d);
		threshold_text(th, sizeof(th), d);
		put_str(x, ws, row, 0, d->id, x->f.top);
		put_str(x, ws, row, 1, d->title, x->f.wrap);
		put_str(x, ws, row, 2, d->unit, x->f.top);
		put_str(x, ws, row, 3, d->description, x->f.wrap);
		put_str(x, ws, row, 4, th, x->f.top);
		put_str(x, ws, row, 5, d->gating ? "yes" : "no", x->f.top);
		put_str(x, ws, row, 6, d->missing == KPI_MISSING_BLOCK ? "block (HOLD)" : "ignore", x->f.top);
		put_str(x, ws, row, 7, d->query, x->f.top);
		put_str(x, ws, row, 8, s ? s->query_sha256 : "", x->f.top);
	}
	for (size_t i = 0; i < snap->ndrill_queries; i++, row++) {
		put_str(x, ws, row, 0, "drill-down", NULL);
		put_str(x, ws, row, 7, snap->drill_queries[i].name, NULL);
		put_str(x, ws, row, 8, snap->drill_queries[i].sha256, NULL);
	}
	row++;
	/* provenance: values run on over the empty cells to their right */
	put_over(x, ws, row++, 0, "Provenance", x->f.title);
	put_str(x, ws, row, 0, "Snapshot SHA-256", x->f.bold);
	put_over(x, ws, row++, 1, snap->sha256, NULL);
	put_str(x, ws, row, 0, "Tool version", x->f.bold);
	put_over(x, ws, row++, 1, snap->tool_version, NULL);
	snprintf(buf, sizeof(buf), "%s .. %s (%d weeks), [%s, ", kpi_week_format(fw, sizeof(fw), w->first),
	         kpi_week_format(lw, sizeof(lw), w->last), w->nweeks, kpi_time_format(t, sizeof(t), w->from));
	kpi_time_format(t, sizeof(t), w->to);
	strncat(buf, t, sizeof(buf) - strlen(buf) - 1);
	strncat(buf, ")", sizeof(buf) - strlen(buf) - 1);
	put_str(x, ws, row, 0, "Window", x->f.bold);
	put_over(x, ws, row++, 1, buf, NULL);
	put_str(x, ws, row, 0, "As of", x->f.bold);
	put_over(x, ws, row++, 1, kpi_time_format(t, sizeof(t), w->as_of), NULL);
	put_str(x, ws, row, 0, "Time zone", x->f.bold);
	put_over(x, ws, row++, 1, snap->timezone, NULL);
	put_str(x, ws, row, 0, "Active days", x->f.bold);
	put_int(x, ws, row++, 1, snap->active_days);
	put_str(x, ws, row, 0, "Data read at", x->f.bold);
	put_over(x, ws, row++, 1, kpi_time_format(t, sizeof(t), snap->result->read_at), NULL);
	for (size_t i = 0; i < snap->nsources; i++, row++) {
		put_str(x, ws, row, 0, "Source", x->f.bold);
		put_str(x, ws, row, 1, snap->sources[i].kind, NULL);
		put_over(x, ws, row, 2, snap->sources[i].where, NULL);
	}
	/* format 4: a hot standby's replay lag, as the PDF's Appendix C */
	for (size_t i = 0; snap->provenance && i < snap->provenance->nsources; i++) {
		char line[600];
		if (!*kpi__freshness_text(line, sizeof(line), &snap->provenance->sources[i]))
			continue;
		put_str(x, ws, row, 0, "Freshness", x->f.bold);
		put_str(x, ws, row, 1, snap->provenance->sources[i].source, NULL);
		put_over(x, ws, row++, 2, line, NULL);
	}
	fit_cap(x, 1, 34); /* the title */
	fit_cap(x, 3, 60); /* the definition */
	fit_finish(x, ws);
}

/* ---- Restatements (snapshot format 4) ---- */

/* What earlier packs reported and this snapshot reads differently: the
 * verdicts, then every value, in the catalogue's units (numbers, "no data"
 * for none), as the PDF's Appendix E. */
static void restatements(xl *x, lxw_worksheet *ws)
{
	static const char *const vcols[] = { "Week", "Reported verdict", "Verdict now", "Reported in pack" };
	static const char *const cols[] = { "Week", "KPI", "Title", "Labels", "Unit", "Reported", "Now",
		                            "Reported in pack" };
	const kpi_restatements *r = x->snap->restatements;
	char buf[1024], wk[16];
	lxw_row_t row = 0;
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->ncompared && o < sizeof(buf); i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? ", " : "", r->compared[i]);
	put_over(x, ws, row++, 0, "Restatements: earlier weeks that read differently from what their pack reported",
	         x->f.title);
	put_over(x, ws, row++, 0, r->ncompared ? "Compared with the packs:" : "No earlier pack reported a week of this window.",
	         NULL);
	if (r->ncompared)
		put_str(x, ws, row - 1, 3, buf, NULL);
	for (size_t i = 0; i < r->nunread; i++) {
		snprintf(buf, sizeof(buf), "Warning: the earlier pack %s could not be read and was not compared: %s",
		         r->unread[i].pack, r->unread[i].reason);
		put_over(x, ws, row++, 0, buf, x->f.bold);
	}
	row++;
	put_over(x, ws, row++, 0, "Verdicts changed", x->f.subtitle);
	row = header_row(x, ws, row, vcols, 4);
	for (size_t i = 0; i < r->nverdicts; i++, row++) {
		const kpi_restated_verdict *v = &r->verdicts[i];
		put_str(x, ws, row, 0, kpi_week_format(wk, sizeof(wk), v->week), NULL);
		put_str(x, ws, row, 1, kpi_verdict_name(v->old_verdict), x->f.verdict[v->old_verdict]);
		put_str(x, ws, row, 2, kpi_verdict_name(v->new_verdict), x->f.verdict[v->new_verdict]);
		put_str(x, ws, row, 3, v->pack, NULL);
	}
	if (!r->nverdicts)
		put_over(x, ws, row++, 0, "none", NULL);
	row++;
	snprintf(buf, sizeof(buf), "Values restated: %zu%s", r->values_total,
	         r->values_total > r->nvalues ? " (the first listed)" : "");
	put_over(x, ws, row++, 0, buf, x->f.subtitle);
	row = header_row(x, ws, row, cols, 8);
	for (size_t i = 0; i < r->nvalues; i++, row++) {
		const kpi_restated *v = &r->values[i];
		const kpi_def *d = kpi_catalog_find(x->snap->catalog, v->kpi);
		o = 0;
		buf[0] = '\0';
		for (size_t k = 0; k < v->nlabels && o < sizeof(buf); k++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s=%s", k ? ", " : "", v->label_names[k],
			                      v->label_values[k]);
		put_str(x, ws, row, 0, kpi_week_format(wk, sizeof(wk), v->week), NULL);
		put_str(x, ws, row, 1, v->kpi, NULL);
		put_str(x, ws, row, 2, d ? d->title : "", NULL);
		put_str(x, ws, row, 3, buf, NULL);
		put_str(x, ws, row, 4, d && d->unit ? d->unit : "", NULL);
		if (v->old_has)
			put_num(x, ws, row, 5, true, v->old_value, x->f.general);
		else
			put_str(x, ws, row, 5, "no data", NULL);
		if (v->new_has)
			put_num(x, ws, row, 6, true, v->new_value, x->f.general);
		else
			put_str(x, ws, row, 6, "no data", NULL);
		put_str(x, ws, row, 7, v->pack, NULL);
	}
	if (!r->nvalues)
		put_over(x, ws, row++, 0, "none: every value of an earlier week is as its pack reported it", NULL);
	fit_finish(x, ws);
}

/* ---- the SLO sheet (snapshot "slo", format 4): the numbers behind the PDF's SLO page ---- */

static void slo_sheet(xl *x, lxw_worksheet *ws)
{
	static const char *const scols[] = { "Service", "Availability (%)", "Error budget remaining (% of the budget)",
		                             "Bad requests (SLO window)", "Requests (SLO window)", "Bad requests allowed",
		                             "page_1h: burn 1 h", "burn 5 min", "firing", "page_6h: burn 6 h",
		                             "burn 30 min", "firing", "ticket_3d: burn 3 d", "burn 6 h", "firing" };
	static const char *const dcols[] = { "SLO window ends (UTC)", "Service", "Bad requests", "Requests",
		                             "Availability (%)", "Error budget remaining (% of the budget)" };
	static const char *const hcols[] = { "Hour ends (UTC)", "Service", "Bad requests in the hour",
		                             "Requests in the hour", "Burn rate 1 h", "Burn rate 6 h", "Burn rate 3 d",
		                             "Alert pairs that fired" };
	const kpi_slo_page *p = x->snap->slo;
	lxw_format *pct = fmt(x, "0.000", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	lxw_format *burn = fmt(x, "0.00", false, LXW_COLOR_UNSET, LXW_COLOR_UNSET);
	char buf[1024], title[256], t[48];
	lxw_row_t row = 0;

	for (size_t i = 0; i < p->nobjectives && !x->rc; i++) {
		const kpi_slo_objective *o = &p->objectives[i];
		snprintf(buf, sizeof(buf), "SLO: %s", kpi__slo_title(title, sizeof(title), o));
		put_over(x, ws, row++, 0, buf, x->f.title);
		if (kpi__slo_unmeasured(buf, sizeof(buf), o, x->snap->timezone)) {
			put_over(x, ws, row++, 0, buf, x->f.bold);
			row++;
			continue;
		}
		snprintf(buf, sizeof(buf), "As of %s; counts %s (%s); burn rate = (bad / requests) / (1 − objective); "
		         "an alert pair fires when both of its windows are above its factor (14.4, 6, 1)",
		         kpi_time_format(t, sizeof(t), o->as_of_hour), o->query, o->counts);
		put_over(x, ws, row++, 0, buf, NULL);
		row = header_row(x, ws, row, scols, 15);
		for (size_t k = 0; k < o->nservices; k++, row++) {
			const kpi_slo_service *s = &o->services[k];
			double e = s->day_errors[o->ndays - 1], q = s->day_requests[o->ndays - 1];
			put_str(x, ws, row, 0, s->labels[0], NULL);
			put_num(x, ws, row, 1, !isnan(s->day_availability[o->ndays - 1]), s->day_availability[o->ndays - 1], pct);
			put_num(x, ws, row, 2, !isnan(s->day_budget[o->ndays - 1]), s->day_budget[o->ndays - 1], pct);
			put_num(x, ws, row, 3, !isnan(e), e, x->f.general);
			put_num(x, ws, row, 4, !isnan(q), q, x->f.general);
			put_num(x, ws, row, 5, !isnan(q), q * (1 - o->objective / 100), burn);
			for (size_t a = 0; a < KPI_SLO_PAGE_ALERTS; a++) {
				const kpi_slo_alert_state *st = &s->alerts[a];
				put_num(x, ws, row, (lxw_col_t)(6 + 3 * a), st->has_long, st->burn_long, burn);
				put_num(x, ws, row, (lxw_col_t)(7 + 3 * a), st->has_short, st->burn_short, burn);
				put_str(x, ws, row, (lxw_col_t)(8 + 3 * a), st->firing ? "FIRING" : "ok", NULL);
			}
		}
		if (kpi__slo_left_out(buf, sizeof(buf), o))
			put_over(x, ws, row++, 0, buf, x->f.bold);
		row++;
		put_over(x, ws, row++, 0, "Daily: the SLO window ending at each day (the PDF's error budget chart)",
		         x->f.subtitle);
		row = header_row(x, ws, row, dcols, 6);
		for (size_t k = 0; k < o->nservices; k++)
			for (size_t d = 0; d < o->ndays; d++, row++) {
				const kpi_slo_service *s = &o->services[k];
				put_time(x, ws, row, 0, o->as_of_hour - (int64_t)(o->ndays - 1 - d) * 86400);
				put_str(x, ws, row, 1, s->labels[0], NULL);
				put_num(x, ws, row, 2, !isnan(s->day_errors[d]), s->day_errors[d], x->f.general);
				put_num(x, ws, row, 3, !isnan(s->day_requests[d]), s->day_requests[d], x->f.general);
				put_num(x, ws, row, 4, !isnan(s->day_availability[d]), s->day_availability[d], pct);
				put_num(x, ws, row, 5, !isnan(s->day_budget[d]), s->day_budget[d], pct);
			}
		row++;
		put_over(x, ws, row++, 0, "Hourly: the last 7 days (the PDF's burn-rate charts)", x->f.subtitle);
		row = header_row(x, ws, row, hcols, 8);
		for (size_t k = 0; k < o->nservices; k++)
			for (size_t h = 0; h < KPI_SLO_PAGE_HOURS; h++, row++) {
				const kpi_slo_service *s = &o->services[k];
				size_t n = 0;
				buf[0] = '\0';
				for (size_t a = 0; a < KPI_SLO_PAGE_ALERTS; a++)
					if (s->hour_fired[h] & (1u << a)) {
						size_t nal;
						n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ", " : "", kpi_slo_alerts(&nal)[a].name);
					}
				put_time(x, ws, row, 0, o->as_of_hour - (int64_t)(KPI_SLO_PAGE_HOURS - 1 - h) * 3600);
				put_str(x, ws, row, 1, s->labels[0], NULL);
				put_num(x, ws, row, 2, !isnan(s->hour_errors[h]), s->hour_errors[h], x->f.general);
				put_num(x, ws, row, 3, !isnan(s->hour_requests[h]), s->hour_requests[h], x->f.general);
				for (size_t a = 0; a < KPI_SLO_PAGE_ALERTS; a++)
					put_num(x, ws, row, (lxw_col_t)(4 + a), !isnan(s->hour_burn[a][h]), s->hour_burn[a][h], burn);
				if (n)
					put_str(x, ws, row, 7, buf, NULL);
			}
		row++;
	}
	fit_finish(x, ws);
}

int kpi_xlsx_write(const kpi_snapshot *snap, const char *path, kpi_error *err)
{
	lxw_workbook_options wo;
	lxw_doc_properties props;
	char *dir = NULL, *slash, title[64], subject[128], wk[16];
	const kpi_window *w;
	lxw_worksheet *summ, *dd, *defs, *rest = NULL, *slo = NULL, **sheets = NULL;
	const char **names = NULL;
	kpi__tz *zone = NULL;
	xl x;
	FILE *probe;

	memset(&x, 0, sizeof(x));
	x.snap = snap;
	x.err = err;
	if (!snap || !snap->result || !snap->catalog || !snap->verdicts)
		return kpi_error_set(err, KPI_EUSAGE, "XLSX: incomplete snapshot");
	w = &snap->result->window;
	/* Make sure the file can be created before libxlsxwriter tries (it
	 * would print its own message), and keep its temporary files beside it. */
	if (!(probe = fopen(path, "wb")))
		return kpi_error_set(err, KPI_EIO, "cannot create '%s': %s", path, strerror(errno));
	fclose(probe);
	if (!(dir = strdup(path)))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	memset(&wo, 0, sizeof(wo));
	wo.tmpdir = slash ? dir : NULL;
	if (!(x.wb = workbook_new_opt(path, &wo))) {
		free(dir);
		return kpi_error_set(err, KPI_ENOMEM, "XLSX: out of memory");
	}
	/* every date cell converts an instant: keep the zone loaded (one that
	 * does not load shows UTC) */
	kpi__tz_hold(&zone, snap->timezone, NULL);
	x.names = need(&x, calloc(snap->catalog->nkpis + 8, sizeof(*x.names)));
	sheets = need(&x, calloc(snap->catalog->nkpis + 1, sizeof(*sheets)));
	names = need(&x, calloc(snap->catalog->nkpis + 1, sizeof(*names)));
	if (x.rc)
		goto done;

	kpi_week_format(wk, sizeof(wk), w->last);
	snprintf(title, sizeof(title), "Go/no-go pack %s", wk);
	snprintf(subject, sizeof(subject), "Rollout KPIs, %d weeks to %s (%s)", w->nweeks, wk, w->tz);
	memset(&props, 0, sizeof(props));
	props.title = title;
	props.subject = subject;
	props.author = "kpi";
	props.created = (time_t)w->as_of; /* not the wall clock: same snapshot, same bytes */
	chk(&x, workbook_set_properties(x.wb, &props), "cannot set the document properties");
	make_formats(&x);

	/* The fixed sheets keep their names: reserve them before the KPIs'. */
	{
		const char *fixed[] = { "Summary", "Drill-down", "Definitions", PLOT_SHEET, "Restatements" };
		for (int i = 0; i < (snap->format >= 4 && snap->restatements ? 5 : 4); i++)
			sheet_name(&x, fixed[i]);
		if (snap->slo) /* format 4: the SLO page's numbers */
			sheet_name(&x, "SLO");
	}
	for (size_t k = 0; k < snap->catalog->nkpis; k++)
		names[k] = sheet_name(&x, snap->catalog->kpis[k].id);
	summ = add_sheet(&x, "Summary");
	for (size_t k = 0; k < snap->catalog->nkpis; k++)
		sheets[k] = add_sheet(&x, names[k]);
	if (snap->slo)
		slo = add_sheet(&x, "SLO");
	dd = add_sheet(&x, "Drill-down");
	defs = add_sheet(&x, "Definitions");
	if (snap->format >= 4 && snap->restatements) /* format 4: what earlier packs said */
		rest = add_sheet(&x, "Restatements");
	if ((x.plot = add_sheet(&x, PLOT_SHEET)))
		worksheet_hide(x.plot); /* not printed, not in the way; the charts read it */
	if (x.rc)
		goto done;
	summary(&x, summ);
	for (size_t k = 0; k < snap->catalog->nkpis && !x.rc; k++)
		kpi_sheet(&x, sheets[k], names[k], &snap->catalog->kpis[k], series_of(snap, &snap->catalog->kpis[k]));
	if (!x.rc && slo)
		slo_sheet(&x, slo);
	if (!x.rc)
		drilldown(&x, dd);
	if (!x.rc)
		definitions(&x, defs);
	if (!x.rc && rest)
		restatements(&x, rest);
done:
	if (x.rc) {
		lxw_workbook_free(x.wb); /* nothing half-made is written */
		unlink(path);
	} else {
		lxw_error e = workbook_close(x.wb); /* writes the file and frees the workbook */
		if (e != LXW_NO_ERROR)
			lxw_fail(&x, e, path);
	}
	fit_release(&x.fit); /* a sheet left unfinished by an error */
	free(x.names);
	free(sheets);
	free(names);
	free(dir);
	kpi__tz_release(zone);
	return x.rc;
}
