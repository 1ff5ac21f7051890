/*
 * PNG encoding of drawn chart images, and a pool of encoder threads that
 * deflates them while the caller goes on (render/png_pool.c). No Pango, no
 * renderer lock: encoding needs neither. Not installed.
 */
#ifndef KPI_RENDER_PNG_POOL_H
#define KPI_RENDER_PNG_POOL_H

#include "kpi/buf.h"

#include <cairo.h>

/* Append the PNG of an RGB24 image surface to `out` (libpng, filter none,
 * zlib level 2, no time or text chunks: the same pixels give the same
 * bytes). `name` names the image in errors. On failure `out` may hold part
 * of it: the caller cuts it back. @return 0, KPI_ENOMEM or KPI_ERROR. */
int kpi__png_encode(kpi_buf *out, cairo_surface_t *img, const char *name, kpi_error *err);

/* Images 0..n-1, drawn one after the other by the caller and encoded by the
 * pool's threads (one per processor beyond the first, at most four, none on
 * one processor) or, when they fall behind, by the caller. Which thread
 * encodes an image does not change its bytes. */
typedef struct kpi__png_pool kpi__png_pool;

/* A pool for `n` images, its threads started. @return 0 or KPI_ENOMEM. */
int kpi__png_pool_new(kpi__png_pool **out, size_t n, kpi_error *err);

/* Hand over the next image (0, 1, ... n-1): the pool destroys it once
 * encoded. `name` (kept until the pool is freed) names it in errors. While
 * too many drawn images wait (all of them in a pool without threads), the
 * caller encodes some itself before this returns. */
void kpi__png_pool_put(kpi__png_pool *p, cairo_surface_t *img, const char *name);

/* Encode what is left (helping the threads), wait for every image, and move
 * the PNGs into out[0..n) (overwritten, not appended to). On failure, the
 * error of the first image that failed and `out` untouched. Call after all
 * `n` images were put. @return 0, KPI_ENOMEM or KPI_ERROR. */
int kpi__png_pool_finish(kpi__png_pool *p, kpi_buf *out, kpi_error *err);

/* Stop the threads (images not yet taken are dropped), release every image
 * and PNG still held. Accepts NULL. */
void kpi__png_pool_free(kpi__png_pool *p);

#endif
