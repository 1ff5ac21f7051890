/* Reading an XLSX back in the tests (xlsxread.h). */
#include "xlsxread.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("xlsxread: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* The output of a command (caller frees); NULL when it exits non-zero. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int st;

	if (!p)
		die("cannot run %s", cmd);
	for (;;) {
		size_t n;
		if (cap - len < 4096) {
			char *g = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!g)
				die("out of memory");
			buf = g;
		}
		n = fread(buf + len, 1, cap - len - 1, p);
		len += n;
		if (n == 0)
			break;
	}
	buf[len] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Quote for the shell: '...' with ' as '\'' */
static char *quote(const char *s)
{
	size_t n = 3;
	char *q, *o;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	if (!(q = o = malloc(n)))
		die("out of memory");
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

char *xr_part(const xr_book *b, const char *name)
{
	char *qp = quote(b->path), *qn = quote(name), *cmd, *out;
	size_t n = strlen(qp) + strlen(qn) + 32;
	if (!(cmd = malloc(n)))
		die("out of memory");
	snprintf(cmd, n, "unzip -p %s %s 2>/dev/null", qp, qn);
	out = run(cmd);
	free(cmd);
	free(qp);
	free(qn);
	return out;
}

char *xr_list(const xr_book *b)
{
	char *qp = quote(b->path), *cmd, *out;
	size_t n = strlen(qp) + 32;
	if (!(cmd = malloc(n)))
		die("out of memory");
	snprintf(cmd, n, "unzip -Z1 %s", qp);
	out = run(cmd);
	free(cmd);
	free(qp);
	if (!out)
		die("unzip -Z1 %s failed", b->path);
	return out;
}

void xr_unescape(char *s)
{
	static const struct {
		const char *e;
		char c;
	} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' } };
	char *o = s;
	while (*s) {
		bool done = false;
		if (*s == '&') {
			for (size_t i = 0; i < 5 && !done; i++)
				if (strncmp(s, ents[i].e, strlen(ents[i].e)) == 0) {
					*o++ = ents[i].c;
					s += strlen(ents[i].e);
					done = true;
				}
			if (!done && s[1] == '#') {
				char *end;
				long cp = s[2] == 'x' ? strtol(s + 3, &end, 16) : strtol(s + 2, &end, 10);
				if (*end == ';' && cp > 0 && cp < 0x80) {
					*o++ = (char)cp;
					s = end + 1;
					done = true;
				}
			}
		}
		if (!done)
			*o++ = *s++;
	}
	*o = '\0';
}

/* The value of attribute `name` in the tag starting at `tag` (caller frees). */
static char *attr(const char *tag, const char *name)
{
	const char *end = strchr(tag, '>'), *p = tag;
	size_t nl = strlen(name);
	while (p && (p = strstr(p, name)) && (!end || p < end)) {
		if ((p[-1] == ' ' || p[-1] == ':') && strncmp(p + nl, "=\"", 2) == 0) {
			const char *v = p + nl + 2, *q = strchr(v, '"');
			char *r = strndup(v, (size_t)(q - v));
			xr_unescape(r);
			return r;
		}
		p += nl;
	}
	return NULL;
}

/* The text of every <t> inside an <si> (rich text has several). */
static char *si_text(const char *si, const char *si_end)
{
	size_t cap = 64, len = 0;
	char *out = malloc(cap);
	const char *p = si;
	if (!out)
		die("out of memory");
	out[0] = '\0';
	while ((p = strstr(p, "<t")) && p < si_end) {
		const char *gt = strchr(p, '>'), *close;
		if (p[2] != '>' && p[2] != ' ') {
			p += 2;
			continue;
		}
		if (gt[-1] == '/') { /* <t/> */
			p = gt + 1;
			continue;
		}
		close = strstr(gt, "</t>");
		if (len + (size_t)(close - gt) + 1 > cap) {
			char *g = realloc(out, cap = len + (size_t)(close - gt) + 64);
			if (!g)
				die("out of memory");
			out = g;
		}
		memcpy(out + len, gt + 1, (size_t)(close - gt - 1));
		len += (size_t)(close - gt - 1);
		out[len] = '\0';
		p = close + 4;
	}
	xr_unescape(out);
	return out;
}

xr_book *xr_open(const char *path)
{
	xr_book *b = calloc(1, sizeof(*b));
	char *wb, *rels, *sst, *p;

	if (!b || !(b->path = strdup(path)))
		die("out of memory");
	if (!(wb = xr_part(b, "xl/workbook.xml")) || !(rels = xr_part(b, "xl/_rels/workbook.xml.rels")))
		die("%s: no xl/workbook.xml (not an XLSX?)", path);
	for (p = wb; (p = strstr(p, "<sheet ")); p++) {
		char *name = attr(p, "name"), *rid = attr(p, "id"), *target = NULL, key[64];
		const char *r;
		xr_sheet *s;
		snprintf(key, sizeof(key), "Id=\"%s\"", rid ? rid : "");
		if ((r = strstr(rels, key))) {
			const char *tag = r;
			while (tag > rels && *tag != '<')
				tag--;
			target = attr(tag, "Target");
		}
		if (!name || !target)
			die("%s: sheet without name or target", path);
		b->sheets = realloc(b->sheets, (b->nsheets + 1) * sizeof(*b->sheets));
		if (!b->sheets)
			die("out of memory");
		s = &b->sheets[b->nsheets++];
		s->name = name;
		s->part = malloc(strlen(target) + 4);
		sprintf(s->part, "xl/%s", target);
		if (!(s->xml = xr_part(b, s->part)))
			die("%s: no part %s", path, s->part);
		free(rid);
		free(target);
	}
	if ((sst = xr_part(b, "xl/sharedStrings.xml"))) {
		for (p = sst; (p = strstr(p, "<si>"));) {
			char *end = strstr(p, "</si>");
			b->sst = realloc(b->sst, (b->nsst + 1) * sizeof(char *));
			if (!b->sst || !end)
				die("%s: malformed sharedStrings.xml", path);
			b->sst[b->nsst++] = si_text(p, end);
			p = end + 5;
		}
		free(sst);
	}
	b->styles = xr_part(b, "xl/styles.xml");
	free(wb);
	free(rels);
	return b;
}

void xr_close(xr_book *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nsheets; i++) {
		free(b->sheets[i].name);
		free(b->sheets[i].part);
		free(b->sheets[i].xml);
	}
	for (size_t i = 0; i < b->nsst; i++)
		free(b->sst[i]);
	free(b->sheets);
	free(b->sst);
	free(b->styles);
	free(b->path);
	free(b);
}

const xr_sheet *xr_sheet_by_name(const xr_book *b, const char *name)
{
	for (size_t i = 0; i < b->nsheets; i++)
		if (strcmp(b->sheets[i].name, name) == 0)
			return &b->sheets[i];
	return NULL;
}

static void ref(char *buf, int row, int col)
{
	char letters[8];
	int n = 0;
	col++;
	while (col > 0) {
		letters[n++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	for (int i = 0; i < n; i++)
		buf[i] = letters[n - 1 - i];
	sprintf(buf + n, "%d", row + 1);
}

xr_cell xr_get(const xr_book *b, const xr_sheet *s, int row, int col)
{
	xr_cell c = { false, false, NULL, 0 };
	char key[32], r[24];
	const char *p, *gt, *end, *v;

	ref(r, row, col);
	snprintf(key, sizeof(key), "<c r=\"%s\"", r);
	if (!(p = strstr(s->xml, key)))
		return c;
	gt = strchr(p, '>');
	if (gt[-1] == '/') /* <c r=".." s=".."/>: a formatted empty cell */
		return c;
	end = strstr(gt, "</c>");
	if (!(v = strstr(gt, "<v>")) || v > end)
		return c;
	{
		char *t = attr(p, "t");
		const char *ve = strstr(v, "</v>");
		char *val = strndup(v + 3, (size_t)(ve - v - 3));
		c.present = true;
		if (t && strcmp(t, "s") == 0) {
			long i = strtol(val, NULL, 10);
			if (i < 0 || (size_t)i >= b->nsst)
				die("%s: shared string %ld out of range", s->name, i);
			c.text = strdup(b->sst[i]);
			free(val);
		} else if (t && strcmp(t, "str") == 0) {
			xr_unescape(val);
			c.text = val;
		} else {
			c.is_number = true;
			c.number = strtod(val, NULL);
			c.text = val;
		}
		free(t);
	}
	return c;
}

void xr_cell_release(xr_cell *c)
{
	free(c->text);
	c->text = NULL;
}

const char *xr_text(const xr_book *b, const xr_sheet *s, int row, int col)
{
	static char buf[65536];
	xr_cell c = xr_get(b, s, row, col);
	snprintf(buf, sizeof(buf), "%s", c.text ? c.text : "");
	xr_cell_release(&c);
	return buf;
}

/* The `i`th element `<tag` inside the first `<list` element of `xml` (a
 * pointer to its '<'), NULL when there is none. */
static const char *nth_in(const char *xml, const char *list, const char *tag, long i)
{
	char open[64], close[64];
	const char *p, *end;
	size_t tl = strlen(tag);
	snprintf(open, sizeof(open), "<%s", list);
	snprintf(close, sizeof(close), "</%s>", list);
	if (!xml || !(p = strstr(xml, open)) || !(end = strstr(p, close)))
		return NULL;
	for (p = strchr(p, '>'); p && (p = strstr(p, tag)) && p < end; p += tl) {
		if (p[-1] != '<' || (p[tl] != ' ' && p[tl] != '>' && p[tl] != '/'))
			continue;
		if (i-- == 0)
			return p - 1;
	}
	return NULL;
}

/* Excel's built-in number formats the writer may use. */
static const char *builtin_format(long id)
{
	switch (id) {
	case 1: return "0";
	case 2: return "0.00";
	case 3: return "#,##0";
	case 4: return "#,##0.00";
	case 11: return "0.00E+00";
	case 14: return "m/d/yyyy";
	case 49: return "@";
	default: return "General";
	}
}

xr_style xr_get_style(const xr_book *b, const xr_sheet *s, int row, int col)
{
	xr_style st = { NULL, false, false, 11 };
	char key[32], r[24], *sidx, *fmt_id = NULL, *font_id = NULL;
	const char *p, *xf, *xf_end, *font;
	long id = 0;

	ref(r, row, col);
	snprintf(key, sizeof(key), "<c r=\"%s\"", r);
	if ((p = strstr(s->xml, key)) && (sidx = attr(p, "s"))) {
		if ((xf = nth_in(b->styles, "cellXfs", "xf", strtol(sidx, NULL, 10)))) {
			xf_end = strstr(xf, "</xf>");
			fmt_id = attr(xf, "numFmtId");
			font_id = attr(xf, "fontId");
			{
				/* <xf ...><alignment ... wrapText="1"/></xf> */
				const char *gt = strchr(xf, '>');
				const char *al = gt[-1] == '/' ? NULL : strstr(gt, "<alignment");
				char *wrap = al && xf_end && al < xf_end ? attr(al, "wrapText") : NULL;
				st.wrap = wrap && strcmp(wrap, "1") == 0;
				free(wrap);
			}
		}
		free(sidx);
	}
	if (fmt_id) {
		char want[64];
		const char *nf;
		id = strtol(fmt_id, NULL, 10);
		snprintf(want, sizeof(want), "<numFmt numFmtId=\"%ld\"", id);
		nf = b->styles ? strstr(b->styles, want) : NULL;
		st.num_format = nf ? attr(nf, "formatCode") : strdup(builtin_format(id));
		free(fmt_id);
	} else {
		st.num_format = strdup("General");
	}
	if (font_id && (font = nth_in(b->styles, "fonts", "font", strtol(font_id, NULL, 10)))) {
		const char *end = strstr(font, "</font>"), *b_ = strstr(font, "<b/>"), *sz = strstr(font, "<sz ");
		char *v;
		st.bold = b_ && end && b_ < end;
		if (sz && end && sz < end && (v = attr(sz, "val"))) {
			st.font_size = strtod(v, NULL);
			free(v);
		}
	}
	free(font_id);
	return st;
}

void xr_style_release(xr_style *st)
{
	free(st->num_format);
	st->num_format = NULL;
}

double xr_col_width(const xr_sheet *s, int col)
{
	const char *p = strstr(s->xml, "<cols>"), *end = p ? strstr(p, "</cols>") : NULL;
	for (; p && (p = strstr(p, "<col ")) && p < end; p++) {
		char *min = attr(p, "min"), *max = attr(p, "max"), *w = attr(p, "width");
		double width = w ? strtod(w, NULL) : -1;
		bool in = min && max && col + 1 >= atoi(min) && col + 1 <= atoi(max);
		free(min);
		free(max);
		free(w);
		if (in)
			return width;
	}
	return -1;
}

double xr_row_height(const xr_sheet *s, int row)
{
	char key[32], *ht;
	const char *p;
	double h;
	snprintf(key, sizeof(key), "<row r=\"%d\"", row + 1);
	if (!(p = strstr(s->xml, key)) || !(ht = attr(p, "ht")))
		return -1;
	h = strtod(ht, NULL);
	free(ht);
	return h;
}

void xr_dimension(const xr_sheet *s, int *nrows, int *ncols)
{
	const char *p = strstr(s->xml, "<dimension ");
	char *r = p ? attr(p, "ref") : NULL, *colon;
	*nrows = *ncols = 0;
	if (r && (colon = strchr(r, ':'))) {
		const char *q = colon + 1;
		int c = 0;
		for (; *q >= 'A' && *q <= 'Z'; q++)
			c = c * 26 + (*q - 'A' + 1);
		*ncols = c;
		*nrows = atoi(q);
	}
	free(r);
}

/* ---- a KPI sheet's table ---- */

/* A cell's text into buf ("" when absent), without xr_text's buffer. */
static const char *cell_text(const xr_book *b, const xr_sheet *s, int row, int col, char *buf, size_t size)
{
	xr_cell c = xr_get(b, s, row, col);
	snprintf(buf, size, "%s", c.text ? c.text : "");
	xr_cell_release(&c);
	return buf;
}

int xr_kpi_head(const xr_book *b, const xr_sheet *s)
{
	char t[64], t2[64];
	int nrows, ncols;

	xr_dimension(s, &nrows, &ncols);
	for (int r = 0; r < nrows; r++)
		if (strcmp(cell_text(b, s, r, 0, t, sizeof(t)), "Week") == 0 &&
		    strcmp(cell_text(b, s, r, 1, t2, sizeof(t2)), "Week start") == 0)
			return r;
	die("sheet %s: no table header (Week, Week start)", s->name);
}

bool xr_kpi_cell(const xr_book *b, const xr_sheet *s, const char *key, const char *week, bool status, int *row,
                 int *col, char *shown, size_t nshown)
{
	char t[1024], want[1024];
	int head = -1, nrows, ncols, vcol = -1, scol = -1;
	bool tall;

	xr_dimension(s, &nrows, &ncols);
	head = xr_kpi_head(b, s);
	tall = strcmp(cell_text(b, s, head, 2, t, sizeof(t)), "Labels") == 0;
	if (!*key)
		key = "value";
	for (int c = 2; c < ncols; c++) {
		cell_text(b, s, head, c, t, sizeof(t));
		if (tall ? strncmp(t, "Value (", 7) == 0
		         : strncmp(t, key, strlen(key)) == 0 && strncmp(t + strlen(key), " (", 2) == 0) {
			vcol = c;
			snprintf(shown, nshown, "%s", strrchr(t, '(') + 1);
			shown[strcspn(shown, ")")] = '\0';
		}
		snprintf(want, sizeof(want), "%s status", key);
		if (tall ? strcmp(t, "Status") == 0 : strcmp(t, want) == 0)
			scol = c;
	}
	if (vcol < 0 || scol < 0) {
		fprintf(stderr, "sheet %s: no columns of '%s'\n", s->name, key);
		abort();
	}
	*col = status ? scol : vcol;
	for (int r = head + 1; r < nrows; r++)
		if (strcmp(cell_text(b, s, r, 0, t, sizeof(t)), week) == 0 &&
		    (!tall || strcmp(cell_text(b, s, r, 2, want, sizeof(want)), key) == 0)) {
			*row = r;
			return true;
		}
	return false;
}

double xr_unit_div(const char *unit, const char *shown)
{
	static const struct { const char *name; double s; } units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 },
	};
	double a = 0, b = 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].name) == 0)
			a = units[i].s;
		if (strcmp(shown, units[i].name) == 0)
			b = units[i].s;
	}
	return a > 0 && b > 0 ? b / a : 1;
}

