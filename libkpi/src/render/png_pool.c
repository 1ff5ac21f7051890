/*
 * Chart images as PNG (render/png_pool.h): the encoder, and the pool of
 * encoder threads `kpi pack` and `kpi render` hand the drawn charts to.
 *
 * Deflating a 1200 x 675 image is two thirds of a chart's time and needs
 * neither Pango nor the renderer's lock, so it runs beside the drawing of
 * the next charts, the PDF and the workbook. At most PENDING_MAX drawn
 * images (3.2 MB each) wait: beyond that the drawing thread encodes too.
 */
#include "core/internal.h"
#include "render/png_pool.h"

#include <png.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the encoder ---- */

/* Not cairo_surface_write_to_png_stream(): that one takes libpng's default
 * adaptive filtering and compression level, ~31 ms for one 1200x675 chart
 * here; filter "none" at level 2 takes ~7 ms and gives files as small (charts
 * are mostly flat colour). */
typedef struct png_sink {
	kpi_buf *out;
	bool failed;
} png_sink;

static void png_write(png_structp png, png_bytep data, png_size_t len)
{
	png_sink *sink = png_get_io_ptr(png);
	if (kpi_buf_append(sink->out, (const char *)data, len)) {
		sink->failed = true;
		png_error(png, "out of memory");
	}
}

static void png_flush(png_structp png)
{
	(void)png;
}

int kpi__png_encode(kpi_buf *out, cairo_surface_t *img, const char *name, kpi_error *err)
{
	int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
	int stride = cairo_image_surface_get_stride(img);
	const unsigned char *px = cairo_image_surface_get_data(img);
	png_structp png = NULL;
	png_infop info = NULL;
	png_sink sink = { out, false };
	unsigned char *volatile row = NULL;
	volatile int rc = 0;

	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	if (!png || !(info = png_create_info_struct(png)) || !(row = malloc((size_t)w * 3))) {
		rc = kpi_error_set(err, KPI_ENOMEM, "render: chart '%s' as PNG: out of memory", name);
		goto done;
	}
	if (setjmp(png_jmpbuf(png))) {
		rc = kpi_error_set(err, sink.failed ? KPI_ENOMEM : KPI_ERROR, "render: chart '%s' as PNG: libpng failed", name);
		goto done;
	}
	png_set_write_fn(png, &sink, png_write, png_flush);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_compression_level(png, 2);
	png_set_filter(png, 0, PNG_FILTER_NONE);
	png_write_info(png, info);
	for (int y = 0; y < h; y++) {
		/* CAIRO_FORMAT_RGB24: one native-endian 32-bit word per pixel, xRGB */
		const uint32_t *src = (const uint32_t *)(const void *)(px + (size_t)y * (size_t)stride);
		for (int x = 0; x < w; x++) {
			row[3 * x] = (unsigned char)(src[x] >> 16);
			row[3 * x + 1] = (unsigned char)(src[x] >> 8);
			row[3 * x + 2] = (unsigned char)src[x];
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
done:
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	free(row);
	return rc;
}

/* ---- the pool ---- */

/* Images drawn but not yet being encoded, at most (each is 3.2 MB): when
 * the encoders fall behind, the drawing thread encodes one itself. */
#define PENDING_MAX 6
#define THREADS_MAX 4

typedef struct slot {
	cairo_surface_t *img;        /* drawn, until encoded */
	const char *name;
	kpi_buf png;
	int rc;
	kpi_error err;
} slot;

struct kpi__png_pool {
	slot *slot;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t drawn;                /* slots [0, drawn) have their image */
	size_t next;                 /* the next slot to encode */
	size_t done;                 /* encoded (or failed) */
	bool stop;                   /* kpi__png_pool_free() before the end */
	pthread_t thread[THREADS_MAX];
	size_t nthreads;
};

/* Encode slot i (its image is drawn and nobody else has taken it). */
static void encode(kpi__png_pool *p, size_t i)
{
	slot *sl = &p->slot[i];

	sl->rc = kpi__png_encode(&sl->png, sl->img, sl->name, &sl->err);
	cairo_surface_destroy(sl->img);
	sl->img = NULL;
	pthread_mutex_lock(&p->mu);
	p->done++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Take the next drawn slot to encode: its index, or n when there is none
 * (now, with `wait` false; at all, with `wait` true). Called locked. */
static size_t take(kpi__png_pool *p, bool wait)
{
	while (wait && !p->stop && p->next >= p->drawn && p->next < p->n)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->stop || p->next >= p->drawn)
		return p->n;
	return p->next++;
}

static void *worker(void *arg)
{
	kpi__png_pool *p = arg;
	for (;;) {
		size_t i;
		pthread_mutex_lock(&p->mu);
		i = take(p, true);
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		encode(p, i);
	}
}

/* Encode in this thread whatever is drawn and not taken, beyond `keep`. */
static void help(kpi__png_pool *p, size_t keep)
{
	for (;;) {
		size_t i;
		pthread_mutex_lock(&p->mu);
		i = p->drawn - p->next > keep ? take(p, false) : p->n;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return;
		encode(p, i);
	}
}

void kpi__png_pool_free(kpi__png_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (size_t t = 0; t < p->nthreads; t++)
		pthread_join(p->thread[t], NULL);
	for (size_t i = 0; i < p->n; i++) {
		if (p->slot[i].img)
			cairo_surface_destroy(p->slot[i].img);
		kpi_buf_release(&p->slot[i].png);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->slot);
	free(p);
}

int kpi__png_pool_new(kpi__png_pool **out, size_t n, kpi_error *err)
{
	kpi__png_pool *p;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want;

	*out = NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	p->n = n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (!(p->slot = calloc(n ? n : 1, sizeof(*p->slot)))) {
		kpi__png_pool_free(p);
		return kpi_error_set(err, KPI_ENOMEM, "out of memory");
	}
	/* one encoder per other processor; none on one (the caller encodes
	 * everything); a thread that cannot be created is one fewer */
	want = cpus > 1 ? (size_t)(cpus - 1) : 0;
	if (want > THREADS_MAX)
		want = THREADS_MAX;
	if (want > n)
		want = n;
	while (p->nthreads < want && pthread_create(&p->thread[p->nthreads], NULL, worker, p) == 0)
		p->nthreads++;
	*out = p;
	return 0;
}

void kpi__png_pool_put(kpi__png_pool *p, cairo_surface_t *img, const char *name)
{
	pthread_mutex_lock(&p->mu);
	p->slot[p->drawn].img = img;
	p->slot[p->drawn].name = name;
	p->drawn++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	help(p, p->nthreads ? PENDING_MAX : 0);
}

int kpi__png_pool_finish(kpi__png_pool *p, kpi_buf *out, kpi_error *err)
{
	int rc = 0;

	help(p, 0);
	pthread_mutex_lock(&p->mu);
	while (p->done < p->n)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	for (size_t i = 0; i < p->n && !rc; i++)
		if (p->slot[i].rc) {
			if (err)
				*err = p->slot[i].err;
			rc = p->slot[i].rc;
		}
	for (size_t i = 0; i < p->n && !rc; i++) {
		out[i] = p->slot[i].png;
		memset(&p->slot[i].png, 0, sizeof(p->slot[i].png));
	}
	return rc;
}
