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
#include "test-photos.h"

/* The pixels of test-photos.h's stored photo; @seed varies a few pixels
 * so that every photo has its own bytes. */
static G_GNUC_UNUSED GdkPixbuf *
photo_stored_pixbuf (int     w,
                     int     h,
                     int     orientation,
                     guint32 seed)
{
  GdkPixbuf *pixbuf = make_stored_pixbuf (w, h, orientation);
  int        sw = gdk_pixbuf_get_width (pixbuf), sh = gdk_pixbuf_get_height (pixbuf);
  int        stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8    *pixels = gdk_pixbuf_get_pixels (pixbuf);

  /* The seed's bits as black and grey blocks across the middle rows,
   * away from the corners the thumbnail checks look at. */
  for (int bit = 0; bit < 32; bit++)
    for (int y = MAX (0, sh / 2 - 2); y < MIN (sh, sh / 2 + 2); y++)
      for (int x = bit * sw / 32; x < (bit + 1) * sw / 32 || x == bit * sw / 32; x++)
        memset (pixels + y * stride + MIN (x, sw - 1) * 3, (seed >> bit) & 1 ? 0x80 : 0x00, 3);
  return pixbuf;
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
  g_autoptr (GByteArray) exif = build_exif (&(ExifSpec){ .orientation = orientation });

  return make_jpeg (pixbuf, exif);
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
