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
 * both passes multiply eight samples at a time even on plain SSE2.
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

static inline guint16
round_down (guint32 sum)
{
  return (guint16) ((sum + (1u << (WEIGHT_BITS - 9))) >> (WEIGHT_BITS - 8));
}

/* @n rows times their weights, for a constant @n: added to @acc or not,
 * stored there or rounded into @out. 16 × 16 → 32 bits: a widening
 * multiply the compiler vectorises, and no sums stored between taps. */
static inline void
sum_rows_n (const guint8 *const *rows,
            const guint16       *w,
            const int            n,
            int                  len,
            gboolean             from_acc,
            gboolean             to_out,
            guint32 *restrict acc,
            guint16 *restrict out)
{
  for (int i = 0; i < len; i++)
    {
      guint32 sum = from_acc ? acc[i] : 0;

      for (int k = 0; k < n; k++)
        sum += (guint32) (guint16) rows[k][i] * w[k];
      if (to_out)
        out[i] = round_down (sum);
      else
        acc[i] = sum;
    }
}

/* Source rows summed down into one row of value × 256, three at a
 * time. Taps of weight 0 (at the edges) are rows that may not exist:
 * never read. */
static void
shrink_down (const guint8  *src,
             int            stride,
             const guint16 *w,
             int            n_taps,
             int            len,
             guint32       *acc,
             guint16       *out)
{
  const guint8 *rows[3];
  guint16       wk[3];
  int           n = 0, last = n_taps - 1;
  gboolean      started = FALSE;

  /* Never all 0: they add up to WEIGHT_ONE. */
  while (w[last] == 0)
    last--;
  for (int k = 0; k <= last; k++)
    {
      if (w[k] == 0)
        continue;
      rows[n] = src + (gsize) k * stride;
      wk[n++] = w[k];
      if (n < 3 && k < last)
        continue;
      if (n == 3)
        sum_rows_n (rows, wk, 3, len, started, k == last, acc, out);
      else if (n == 2)
        sum_rows_n (rows, wk, 2, len, started, k == last, acc, out);
      else
        sum_rows_n (rows, wk, 1, len, started, k == last, acc, out);
      started = TRUE;
      n = 0;
    }
}

/* The across pass reads each output pixel's taps from wherever they
 * start, which no loop vectorises. So the samples that the pixels of a
 * chunk take from their tap k are first gathered into a row of their
 * own; then those rows are multiplied by rows of weights repeated for
 * each channel and summed, in loops that vectorise like the down
 * pass's. Same products, same sums: the same pixels as a loop over each
 * pixel's taps, in about half the time. */
#define CHUNK 256

typedef struct
{
  guint16 *weights;  /* [k × len + x × channels + c] */
  guint16 *gathered; /* [k × stride + (x − x0) × channels + c] */
  guint32 *acc;      /* [(x − x0) × channels + c] */
  gsize    len;      /* samples in an output row */
  gsize    stride;   /* samples in a chunk, and slack for gather_n() */
} Across;

static void
across_init (Across     *across,
             const Taps *taps,
             int         width,
             int         channels)
{
  gsize n = (gsize) taps->max_taps;

  across->len = (gsize) width * channels;
  across->stride = (gsize) MIN (width, CHUNK) * channels + 8;
  across->weights = g_new (guint16, n * across->len);
  /* Rows for up to 6 taps at once: see shrink_across(). */
  across->gathered = g_new (guint16, MIN (n, 6) * across->stride);
  across->acc = g_new (guint32, across->stride);
  for (gsize k = 0; k < n; k++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < channels; c++)
        across->weights[k * across->len + (gsize) x * channels + c] = taps->weights[(gsize) x * n + k];
}

static void
across_clear (Across *across)
{
  g_free (across->weights);
  g_free (across->gathered);
  g_free (across->acc);
}

/* The @n taps from @k0 of pixels @x0 to @x1 − 1, a row each. Four samples
 * copied a pixel: for RGB the fourth is the next pixel's first,
 * overwritten in turn, and @mid has a sample of slack. */
static inline void
gather_n (const guint16 *mid,
          const int     *first,
          int            x0,
          int            x1,
          const int      channels,
          int            k0,
          const int      n,
          guint16       *gathered,
          gsize          stride)
{
  for (int x = x0; x < x1; x++)
    {
      const guint16 *p = mid + ((gsize) first[x] + k0) * channels;
      guint16       *g = gathered + (gsize) (x - x0) * channels;

      for (int k = 0; k < n; k++)
        memcpy (g + k * stride, p + k * channels, 4 * sizeof (guint16));
    }
}

static inline guint8
round_across (guint32 sum)
{
  return (guint8) ((sum + (1u << (WEIGHT_BITS + 7))) >> (WEIGHT_BITS + 8));
}

/* All @n taps at once for a constant @n: no sums stored between them.
 * restrict: six rows are more than GCC checks against @out at run time
 * before it vectorises. */
static inline void
sum_taps_n (const guint16 *gathered,
            gsize          stride,
            const guint16 *weights,
            gsize          weights_stride,
            gsize          len,
            const int      n,
            guint8 *restrict out)
{
  for (gsize i = 0; i < len; i++)
    {
      guint32 sum = 0;

      for (int k = 0; k < n; k++)
        sum += (guint32) gathered[k * stride + i] * weights[k * weights_stride + i];
      out[i] = round_across (sum);
    }
}

static inline void
shrink_across_n (const guint16 *mid,
                 const Taps    *taps,
                 const Across  *across,
                 int            width,
                 const int      channels,
                 const int      n,
                 guint8        *out)
{
  for (int x0 = 0; x0 < width; x0 += CHUNK)
    {
      int x1 = MIN (x0 + CHUNK, width);

      gather_n (mid, taps->first, x0, x1, channels, 0, n, across->gathered, across->stride);
      sum_taps_n (across->gathered, across->stride, across->weights + (gsize) x0 * channels, across->len,
                  (gsize) (x1 - x0) * channels, n, out + (gsize) x0 * channels);
    }
}

/* @n gathered taps of a chunk added to @acc, or stored in it. */
static inline void
add_taps_n (const guint16 *gathered,
            gsize          stride,
            const guint16 *weights,
            gsize          weights_stride,
            gsize          len,
            const int      n,
            gboolean       start,
            guint32 *restrict acc)
{
  for (gsize i = 0; i < len; i++)
    {
      guint32 sum = start ? 0 : acc[i];

      for (int k = 0; k < n; k++)
        sum += (guint32) gathered[k * stride + i] * weights[k * weights_stride + i];
      acc[i] = sum;
    }
}

/* Any number of taps, three at a time. */
static inline void
shrink_across_any (const guint16 *mid,
                   const Taps    *taps,
                   const Across  *across,
                   int            width,
                   const int      channels,
                   guint8        *out)
{
  for (int x0 = 0; x0 < width; x0 += CHUNK)
    {
      int   x1 = MIN (x0 + CHUNK, width);
      gsize len = (gsize) (x1 - x0) * channels;

      for (int k = 0; k < taps->max_taps;)
        {
          const guint16 *w = across->weights + (gsize) k * across->len + (gsize) x0 * channels;
          int            n = taps->max_taps - k >= 3 ? 3 : 1;

          if (n == 3)
            {
              gather_n (mid, taps->first, x0, x1, channels, k, 3, across->gathered, across->stride);
              add_taps_n (across->gathered, across->stride, w, across->len, len, 3, k == 0, across->acc);
            }
          else
            {
              gather_n (mid, taps->first, x0, x1, channels, k, 1, across->gathered, across->stride);
              add_taps_n (across->gathered, across->stride, w, across->len, len, 1, k == 0, across->acc);
            }
          k += n;
        }
      for (gsize i = 0; i < len; i++)
        out[(gsize) x0 * channels + i] = round_across (across->acc[i]);
    }
}

static void
shrink_across (const guint16 *mid,
               const Taps    *taps,
               const Across  *across,
               int            width,
               int            channels,
               guint8        *out)
{
  /* Shrinking by up to 2 (a scaled decode to the preview) needs 3 taps,
   * by up to 5 (the preview to the grid) 6. */
  if (channels == 3 && taps->max_taps == 3)
    shrink_across_n (mid, taps, across, width, 3, 3, out);
  else if (channels == 3 && taps->max_taps == 6)
    shrink_across_n (mid, taps, across, width, 3, 6, out);
  else if (channels == 4 && taps->max_taps == 3)
    shrink_across_n (mid, taps, across, width, 4, 3, out);
  else if (channels == 4 && taps->max_taps == 6)
    shrink_across_n (mid, taps, across, width, 4, 6, out);
  else if (channels == 3)
    shrink_across_any (mid, taps, across, width, 3, out);
  else
    shrink_across_any (mid, taps, across, width, 4, out);
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
  Across              across_rows;

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
  /* A zero sample of slack for gather_n(). */
  mid = g_new0 (guint16, (gsize) sw * channels + 1);
  taps_init (&across, sw, width);
  across_init (&across_rows, &across, width, channels);
  taps_init (&down, sh, height);

  /* Down first: contiguous rows, loops the compiler vectorises; then
   * across only the rows that remain. */
  for (int y = 0; y < height; y++)
    {
      shrink_down (src_pixels + (gsize) down.first[y] * src_stride, src_stride,
                   down.weights + (gsize) y * down.max_taps, MIN (down.max_taps, sh - down.first[y]),
                   sw * channels, acc, mid);
      shrink_across (mid, &across, &across_rows, width, channels, dst_pixels + (gsize) y * dst_stride);
    }

  across_clear (&across_rows);
  taps_clear (&across);
  taps_clear (&down);
  return dst;
}
