/* test-sync-photos.h: real JPEGs with EXIF orientations, and what the
 * sync engine tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "ks-api-client.h"
#include "ks-sync-engine.h"
#include "ks-test-cloud.h"

/* Upright, every test photo has four quadrants: red top left, green top
 * right, blue bottom left, white bottom right. */
static const guint32 photo_quadrants[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };

static G_GNUC_UNUSED guint32
photo_quadrant (int x,
                int y,
                int w,
                int h)
{
  return photo_quadrants[(y >= h / 2 ? 2 : 0) + (x >= w / 2 ? 1 : 0)];
}

/* The pixels as a camera held sideways (or a mirror) stores them, so
 * that applying @orientation shows the upright quadrants. @seed varies
 * a few pixels so that every photo has its own bytes. */
static G_GNUC_UNUSED GdkPixbuf *
photo_stored_pixbuf (int     w,
                     int     h,
                     int     orientation,
                     guint32 seed)
{
  gboolean   swap = orientation >= 5;
  int        sw = swap ? h : w, sh = swap ? w : h;
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, sw, sh);
  int        stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8    *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int dy = 0; dy < h; dy++)
    for (int dx = 0; dx < w; dx++)
      {
        int     sx = dx, sy = dy;
        guint32 rgb = photo_quadrant (dx, dy, w, h);
        guint8 *p;

        switch (orientation)
          {
          case 2:
            sx = sw - 1 - dx;
            break;
          case 3:
            sx = sw - 1 - dx, sy = sh - 1 - dy;
            break;
          case 4:
            sy = sh - 1 - dy;
            break;
          case 5:
            sx = dy, sy = dx;
            break;
          case 6:
            sx = dy, sy = sh - 1 - dx;
            break;
          case 7:
            sx = sw - 1 - dy, sy = sh - 1 - dx;
            break;
          case 8:
            sx = sw - 1 - dy, sy = dx;
            break;
          default:
            break;
          }
        p = pixels + sy * stride + sx * 3;
        p[0] = rgb >> 16, p[1] = (rgb >> 8) & 0xff, p[2] = rgb & 0xff;
      }
  /* The seed's bits as black and grey blocks across the middle rows,
   * away from the corners the thumbnail checks look at. */
  for (int bit = 0; bit < 32; bit++)
    for (int y = MAX (0, sh / 2 - 2); y < MIN (sh, sh / 2 + 2); y++)
      for (int x = bit * sw / 32; x < (bit + 1) * sw / 32 || x == bit * sw / 32; x++)
        memset (pixels + y * stride + MIN (x, sw - 1) * 3, (seed >> bit) & 1 ? 0x80 : 0x00, 3);
  return pixbuf;
}

static G_GNUC_UNUSED void
photo_put16 (GByteArray *a,
             guint16     v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };

  g_byte_array_append (a, b, 2);
}

static G_GNUC_UNUSED void
photo_put32 (GByteArray *a,
             guint32     v)
{
  photo_put16 (a, v & 0xffff);
  photo_put16 (a, v >> 16);
}

/* "Exif\0\0", a little-endian TIFF header and one IFD with Orientation. */
static G_GNUC_UNUSED GByteArray *
photo_exif (int orientation)
{
  GByteArray *a = g_byte_array_new ();

  g_byte_array_append (a, (const guint8 *) "Exif\0\0II*\0", 10);
  photo_put32 (a, 8);
  photo_put16 (a, 1);
  photo_put16 (a, 0x0112);
  photo_put16 (a, 3);
  photo_put32 (a, 1);
  photo_put16 (a, (guint16) orientation);
  photo_put16 (a, 0);
  photo_put32 (a, 0);
  return a;
}

/* A JPEG of @w x @h as displayed, stored per @orientation with the EXIF
 * tag that says so. */
static G_GNUC_UNUSED GBytes *
photo_jpeg (int     w,
            int     h,
            int     orientation,
            guint32 seed)
{
  g_autoptr (GdkPixbuf) pixbuf = photo_stored_pixbuf (w, h, orientation, seed);
  g_autoptr (GByteArray) exif = photo_exif (orientation);
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize            len = 0;
  GByteArray      *out = g_byte_array_new ();
  guint8           marker[4] = { 0xff, 0xe1, (exif->len + 2) >> 8, (exif->len + 2) & 0xff };

  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, "jpeg", &error, "quality", "90", NULL));
  g_assert_no_error (error);
  g_byte_array_append (out, (const guint8 *) data, 2);
  g_byte_array_append (out, marker, 4);
  g_byte_array_append (out, exif->data, exif->len);
  g_byte_array_append (out, (const guint8 *) data + 2, (guint) len - 2);
  return g_byte_array_free_to_bytes (out);
}

static G_GNUC_UNUSED char *
photo_sha256 (const void *data,
              gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

/* Writes @bytes to @path (directories made), returns their SHA-256. */
static G_GNUC_UNUSED char *
photo_write (const char *path,
             GBytes     *bytes)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, (const char *) data, len, &error));
  g_assert_no_error (error);
  return photo_sha256 (data, len);
}

static G_GNUC_UNUSED void
photo_remove_tree (const char *path)
{
  GDir       *dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        photo_remove_tree (child);
      else
        g_unlink (child);
    }
  g_clear_pointer (&dir, g_dir_close);
  g_rmdir (path);
}

/* Every committed photo of the client's user, all pages: sha256 ->
 * KsPhoto. Asserts that no SHA-256 is there twice. */
static G_GNUC_UNUSED GHashTable *
photo_list_server (KsApiClient *client)
{
  GHashTable      *photos = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ks_photo_free);
  g_autofree char *cursor = NULL;

  do
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GError) error = NULL;
      KsPhotoPage *page;

      ks_api_client_list_photos_async (client, cursor, 200, FALSE, NULL, ks_test_store_result, &result);
      page = ks_api_client_list_photos_finish (client, ks_test_wait_result (&result), &error);
      g_assert_no_error (error);
      while (page->photos->len > 0)
        {
          KsPhoto *photo = g_ptr_array_steal_index (page->photos, 0);

          g_assert_false (g_hash_table_contains (photos, photo->sha256));
          g_hash_table_insert (photos, photo->sha256, photo);
        }
      g_free (cursor);
      cursor = g_strdup (page->cursor);
      ks_photo_page_free (page);
    }
  while (cursor != NULL);
  return photos;
}
