/* ks-image-scale.c: shrinking pixels by averaging the area they cover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thumbnails only ever shrink, by factors between 1 and a few dozen.
 * Each output pixel is the average of the source area it covers (a box
 * filter with exact fractional edges): no aliasing at any factor, and
 * in fixed point about four times faster than gdk_pixbuf_scale_simple()'s
 * general filters, which were a third of a photo's local work.
 *
 * Both passes are separable: source rows are first summed down into
 * one row of value × 256 in 16 bits, which is then shrunk across. The
 * weights are 16-bit fractions of WEIGHT_ONE and those of each output
 * pixel sum to exactly WEIGHT_ONE, so neither pass's 32-bit sums can
 * overflow (255 × 2^15 down, 65280 × 2^15 across); 16-bit weights let
 * the down pass multiply eight samples at a time even on plain SSE2.
 */
#include "config.h"

#include <string.h>

#include "ks-image-scale.h"

#define WEIGHT_BITS 15
#define WEIGHT_ONE (1u << WEIGHT_BITS)

/* Per output index: the first source index, and max_taps weights (the
 * unused ones 0), so the inner loops have a fixed length. */
typedef struct
{
  int     *first;
  guint16 *weights;
  int      max_taps;
} Taps;

static void
taps_clear (Taps *taps)
{
  g_free (taps->first);
  g_free (taps->weights);
}

/* Output pixel i covers [i × src, (i + 1) × src) in units of 1/dst of a
 * source pixel; source pixel j covers [j × dst, (j + 1) × dst). */
static void
taps_init (Taps *taps,
           int   src,
           int   dst)
{
  /* Never more than the source has: a 5 px row shrunk to 1 has 5. */
  taps->max_taps = MIN ((src + dst - 1) / dst + 1, src);
  taps->first = g_new (int, dst);
  taps->weights = g_new0 (guint16, (gsize) dst * taps->max_taps);

  for (int i = 0; i < dst; i++)
    {
      gint64   start = (gint64) i * src, end = (gint64) (i + 1) * src;
      int      j0 = (int) (start / dst), j1 = (int) ((end - 1) / dst);
      gint64   covered = 0;
      guint32  given = 0;
      guint16 *w = taps->weights + (gsize) i * taps->max_taps;

      /* Near the right edge, start early rather than read past it. */
      taps->first[i] = MIN (j0, src - taps->max_taps);
      taps->first[i] = MAX (taps->first[i], 0);
      for (int j = j0; j <= j1; j++)
        {
          gint64  lo = MAX (start, (gint64) j * dst), hi = MIN (end, (gint64) (j + 1) * dst);
          guint32 upto;

          covered += hi - lo;
          /* Cumulative rounding: the weights add up to exactly WEIGHT_ONE. */
          upto = (guint32) ((covered * WEIGHT_ONE + src / 2) / src);
          w[j - taps->first[i]] = (guint16) (upto - given);
          given = upto;
        }
    }
}

/* Source rows summed down into one row of value × 256. Taps of weight
 * 0 (at the edges) are rows that may not exist: never read. */
static void
shrink_down (const guint8  *src,
             int            stride,
             const guint16 *w,
             int            n_taps,
             int            len,
             guint32       *acc,
             guint16       *out)
{
  gboolean started = FALSE;

  for (int k = 0; k < n_taps; k++)
    {
      const guint8 *row = src + (gsize) k * stride;
      guint16       wk = w[k];

      if (wk == 0)
        continue;
      /* 16 × 16 → 32 bits: a widening multiply the compiler vectorises. */
      if (!started)
        for (int i = 0; i < len; i++)
          acc[i] = (guint32) (guint16) row[i] * wk;
      else
        for (int i = 0; i < len; i++)
          acc[i] += (guint32) (guint16) row[i] * wk;
      started = TRUE;
    }
  for (int i = 0; i < len; i++)
    out[i] = (guint16) ((acc[i] + (1u << (WEIGHT_BITS - 9))) >> (WEIGHT_BITS - 8));
}

/* That row shrunk across into 8-bit pixels. Inlined with constant
 * @channels and @n, the inner loops unroll. */
static inline void
shrink_across_n (const guint16 *mid,
                 const Taps    *taps,
                 int            width,
                 const int      channels,
                 const int      n,
                 guint8        *out)
{
  for (int x = 0; x < width; x++)
    {
      const guint16 *p = mid + (gsize) taps->first[x] * channels;
      const guint16 *w = taps->weights + (gsize) x * n;

      for (int c = 0; c < channels; c++)
        {
          guint32 sum = 0;

          for (int k = 0; k < n; k++)
            sum += (guint32) p[k * channels + c] * w[k];
          out[x * channels + c] = (guint8) ((sum + (1u << (WEIGHT_BITS + 7))) >> (WEIGHT_BITS + 8));
        }
    }
}

static void
shrink_across (const guint16 *mid,
               const Taps    *taps,
               int            width,
               int            channels,
               guint8        *out)
{
  /* Shrinking by up to 2 (a scaled decode to the preview) needs 3 taps,
   * by up to 5 (the preview to the grid) 6. */
  if (channels == 3 && taps->max_taps == 3)
    shrink_across_n (mid, taps, width, 3, 3, out);
  else if (channels == 3 && taps->max_taps == 6)
    shrink_across_n (mid, taps, width, 3, 6, out);
  else
    shrink_across_n (mid, taps, width, channels, taps->max_taps, out);
}

GdkPixbuf *
ks_image_scale_down (GdkPixbuf *src,
                     int        width,
                     int        height)
{
  int                 sw = gdk_pixbuf_get_width (src), sh = gdk_pixbuf_get_height (src);
  int                 channels = gdk_pixbuf_get_n_channels (src);
  int                 src_stride = gdk_pixbuf_get_rowstride (src);
  const guint8       *src_pixels = gdk_pixbuf_read_pixels (src);
  g_autofree guint32 *acc = NULL;
  g_autofree guint16 *mid = NULL;
  GdkPixbuf          *dst;
  guint8             *dst_pixels;
  int                 dst_stride;
  Taps                across, down;

  g_return_val_if_fail (gdk_pixbuf_get_bits_per_sample (src) == 8, NULL);
  g_return_val_if_fail (channels == 3 || channels == 4, NULL);
  g_return_val_if_fail (width > 0 && width <= sw && height > 0 && height <= sh, NULL);

  if (width == sw && height == sh)
    return gdk_pixbuf_copy (src);

  dst = gdk_pixbuf_new (GDK_COLORSPACE_RGB, gdk_pixbuf_get_has_alpha (src), 8, width, height);
  if (dst == NULL)
    return NULL;
  dst_pixels = gdk_pixbuf_get_pixels (dst);
  dst_stride = gdk_pixbuf_get_rowstride (dst);
  acc = g_new (guint32, (gsize) sw * channels);
  mid = g_new (guint16, (gsize) sw * channels);
  taps_init (&across, sw, width);
  taps_init (&down, sh, height);

  /* Down first: contiguous rows, loops the compiler vectorises; then
   * across only the rows that remain. */
  for (int y = 0; y < height; y++)
    {
      shrink_down (src_pixels + (gsize) down.first[y] * src_stride, src_stride,
                   down.weights + (gsize) y * down.max_taps, MIN (down.max_taps, sh - down.first[y]),
                   sw * channels, acc, mid);
      shrink_across (mid, &across, width, channels, dst_pixels + (gsize) y * dst_stride);
    }

  taps_clear (&across);
  taps_clear (&down);
  return dst;
}
