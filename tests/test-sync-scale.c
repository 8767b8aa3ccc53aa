/* test-sync-scale.c: shrinking pixels for thumbnails by area averaging
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "ks-image-scale.h"

static const guint8 *
pixel (GdkPixbuf *pixbuf,
       int        x,
       int        y)
{
  return gdk_pixbuf_read_pixels (pixbuf) + (gsize) y * gdk_pixbuf_get_rowstride (pixbuf) +
         (gsize) x * gdk_pixbuf_get_n_channels (pixbuf);
}

/* A flat colour stays exactly that colour, at any factor and size. */
static void
test_flat (void)
{
  static const int sizes[][4] = {
    { 997, 611, 313, 177 },
    { 2000, 1500, 1280, 960 },
    { 1280, 853, 256, 170 },
    { 5, 3, 1, 1 },
    { 300, 200, 299, 199 },
    { 64, 64, 64, 63 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    for (int alpha = 0; alpha < 2; alpha++)
      {
        g_autoptr (GdkPixbuf) src = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, sizes[i][0], sizes[i][1]);
        g_autoptr (GdkPixbuf) dst = NULL;
        int channels;

        gdk_pixbuf_fill (src, 0xff10e37fu);
        dst = ks_image_scale_down (src, sizes[i][2], sizes[i][3]);
        g_assert_nonnull (dst);
        g_assert_cmpint (gdk_pixbuf_get_width (dst), ==, sizes[i][2]);
        g_assert_cmpint (gdk_pixbuf_get_height (dst), ==, sizes[i][3]);
        channels = gdk_pixbuf_get_n_channels (dst);
        g_assert_cmpint (channels, ==, alpha ? 4 : 3);
        for (int y = 0; y < sizes[i][3]; y++)
          for (int x = 0; x < sizes[i][2]; x++)
            {
              const guint8 *p = pixel (dst, x, y);

              g_assert_cmpuint (p[0], ==, 0xff);
              g_assert_cmpuint (p[1], ==, 0x10);
              g_assert_cmpuint (p[2], ==, 0xe3);
              if (alpha)
                g_assert_cmpuint (p[3], ==, 0x7f);
            }
      }
}

/* Each output pixel is the mean of the area it covers: 3 → 2 across a
 * black | white | black row gives two pixels of one third white and
 * half of the middle one each. */
static void
test_area (void)
{
  g_autoptr (GdkPixbuf) src = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 3, 1);
  g_autoptr (GdkPixbuf) dst = NULL;
  guint8 *p = gdk_pixbuf_get_pixels (src);

  memset (p, 0, 9);
  memset (p + 3, 255, 3);
  dst = ks_image_scale_down (src, 2, 1);
  /* Pixel 0 covers source [0, 1.5): 1 black, 0.5 white → 255/3. */
  g_assert_cmpuint (pixel (dst, 0, 0)[0], ==, 85);
  g_assert_cmpuint (pixel (dst, 1, 0)[1], ==, 85);

  /* Halving a checkerboard: grey everywhere, nothing aliased. */
  {
    g_autoptr (GdkPixbuf) board = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 400, 300);
    g_autoptr (GdkPixbuf) half = NULL;

    for (int y = 0; y < 300; y++)
      for (int x = 0; x < 400; x++)
        memset ((guint8 *) pixel (board, x, y), (x + y) % 2 ? 255 : 0, 3);
    half = ks_image_scale_down (board, 200, 150);
    for (int y = 0; y < 150; y++)
      for (int x = 0; x < 200; x++)
        g_assert_cmpint (ABS ((int) pixel (half, x, y)[0] - 128), <=, 1);
  }
}

/* A gradient shrunk by a fraction agrees with gdk-pixbuf's own filter
 * within rounding, and keeps left left and top top. */
static void
test_like_gdk_pixbuf (void)
{
  g_autoptr (GdkPixbuf) src = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 2000, 1500);
  g_autoptr (GdkPixbuf) ours = NULL;
  g_autoptr (GdkPixbuf) theirs = NULL;
  double total = 0;

  for (int y = 0; y < 1500; y++)
    for (int x = 0; x < 2000; x++)
      {
        guint8 *p = (guint8 *) pixel (src, x, y);

        p[0] = (guint8) (x * 255 / 1999);
        p[1] = (guint8) (y * 255 / 1499);
        p[2] = (guint8) ((x + y) % 256);
      }
  ours = ks_image_scale_down (src, 1280, 960);
  theirs = gdk_pixbuf_scale_simple (src, 1280, 960, GDK_INTERP_BILINEAR);
  for (int y = 0; y < 960; y++)
    for (int x = 0; x < 1280; x++)
      for (int c = 0; c < 2; c++)
        {
          int diff = ABS ((int) pixel (ours, x, y)[c] - (int) pixel (theirs, x, y)[c]);

          g_assert_cmpint (diff, <=, 2);
          total += diff;
        }
  g_assert_cmpfloat (total / (1280 * 960 * 2), <, 0.6);
  g_assert_cmpuint (pixel (ours, 0, 0)[0], <, 2);
  g_assert_cmpuint (pixel (ours, 1279, 0)[0], >, 253);
  g_assert_cmpuint (pixel (ours, 0, 959)[1], >, 253);
}

/* What ks-image-scale.c computes, the slow and obvious way: per output
 * pixel, source pixel j's weight is how much more of the area the
 * pixels up to j cover than those before it, in 2^15ths rounded; each
 * column is summed down into value × 256 rounded, then across. */
static guint32
reference_upto (gint64 src,
                gint64 dst,
                gint64 i,
                gint64 j)
{
  gint64 covered = CLAMP (MIN ((i + 1) * src, (j + 1) * dst) - i * src, 0, src);

  return (guint32) ((covered * 32768 + src / 2) / src);
}

static guint32
reference_weight (int src,
                  int dst,
                  int i,
                  int j)
{
  return reference_upto (src, dst, i, j) - reference_upto (src, dst, i, j - 1);
}

static GdkPixbuf *
reference_scale (GdkPixbuf *src,
                 int        width,
                 int        height)
{
  int        sw = gdk_pixbuf_get_width (src), sh = gdk_pixbuf_get_height (src);
  int        channels = gdk_pixbuf_get_n_channels (src);
  GdkPixbuf *dst = gdk_pixbuf_new (GDK_COLORSPACE_RGB, channels == 4, 8, width, height);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < channels; c++)
        {
          guint32 across = 0;

          for (int j = (int) ((gint64) x * sw / width); j < sw && (gint64) j * width < (gint64) (x + 1) * sw; j++)
            {
              guint32 down = 0;

              for (int k = (int) ((gint64) y * sh / height); k < sh && (gint64) k * height < (gint64) (y + 1) * sh; k++)
                down += pixel (src, j, k)[c] * reference_weight (sh, height, y, k);
              across += ((down + 64) >> 7) * reference_weight (sw, width, x, j);
            }
          ((guint8 *) pixel (dst, x, y))[c] = (guint8) ((across + (1u << 22)) >> 23);
        }
  return dst;
}

/* Random noise, or only black and white (the largest sums), or white. */
static GdkPixbuf *
random_pixbuf (gboolean alpha,
               int      width,
               int      height)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  int        kind = g_test_rand_int_range (0, 3);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < (alpha ? 4 : 3); c++)
        ((guint8 *) pixel (pixbuf, x, y))[c] = kind == 0   ? (guint8) g_test_rand_int_range (0, 256)
                                               : kind == 1 ? (g_test_rand_bit () ? 255 : 0)
                                                           : 255;
  return pixbuf;
}

static void
assert_same_pixels (GdkPixbuf *a,
                    GdkPixbuf *b)
{
  int w = gdk_pixbuf_get_width (a), h = gdk_pixbuf_get_height (a);

  g_assert_cmpint (gdk_pixbuf_get_width (b), ==, w);
  g_assert_cmpint (gdk_pixbuf_get_height (b), ==, h);
  g_assert_cmpint (gdk_pixbuf_get_n_channels (b), ==, gdk_pixbuf_get_n_channels (a));
  for (int y = 0; y < h; y++)
    g_assert_cmpmem (pixel (a, 0, y), w * gdk_pixbuf_get_n_channels (a), pixel (b, 0, y),
                     w * gdk_pixbuf_get_n_channels (b));
}

/* Every pixel exactly as the reference has it: at random sizes and
 * factors, from 1 × 1 up, with the tap counts the scaler treats apart
 * (3 for up to 2 ×, 6 for up to 5 ×, any other) on rows longer than
 * it takes at once, no shrink at all across or down, and a source that
 * is part of a larger pixbuf. */
static void
test_reference (void)
{
  for (int i = 0; i < 400; i++)
    {
      gboolean alpha = i % 2;
      /* Tiny, then small, then longer rows than it takes at once. */
      int sw = g_test_rand_int_range (1, i < 100 ? 9 : 260);
      int sh = g_test_rand_int_range (1, 40);
      int width, height;
      g_autoptr (GdkPixbuf) whole = NULL;
      g_autoptr (GdkPixbuf) src = NULL;
      g_autoptr (GdkPixbuf) ours = NULL;
      g_autoptr (GdkPixbuf) theirs = NULL;

      if (i >= 300)
        {
          sw = g_test_rand_int_range (260, 1200);
          sh = g_test_rand_int_range (1, 6);
        }
      switch (i % 5)
        {
        case 0: /* up to 2 × */
          width = MAX (1, sw / 2 + g_test_rand_int_range (0, sw / 2 + 1));
          break;
        case 1: /* up to 5 × */
          width = MAX (1, sw / 5 + g_test_rand_int_range (0, sw / 5 + 1));
          break;
        case 2:
          width = sw;
          break;
        default:
          width = g_test_rand_int_range (1, sw + 1);
          break;
        }
      height = i % 7 == 0 ? sh : g_test_rand_int_range (1, sh + 1);
      if (i % 3 == 0)
        {
          int dx = g_test_rand_int_range (0, 5), dy = g_test_rand_int_range (0, 3);

          whole = random_pixbuf (alpha, sw + dx + g_test_rand_int_range (0, 5), sh + dy);
          src = gdk_pixbuf_new_subpixbuf (whole, dx, dy, sw, sh);
        }
      else
        src = random_pixbuf (alpha, sw, sh);

      ours = ks_image_scale_down (src, width, height);
      theirs = reference_scale (src, width, height);
      assert_same_pixels (ours, theirs);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/scale/flat", test_flat);
  g_test_add_func ("/sync/scale/area", test_area);
  g_test_add_func ("/sync/scale/like-gdk-pixbuf", test_like_gdk_pixbuf);
  g_test_add_func ("/sync/scale/reference", test_reference);
  return g_test_run ();
}
