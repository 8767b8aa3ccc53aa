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

/* ---- Waiting, always bounded ---- */

#define SYNC_WAIT_S 60

/* @subject: whatever the predicate looks at (a fixture, the engine) */
typedef gboolean (*SyncDone) (gpointer subject, gconstpointer data);

static G_GNUC_UNUSED gboolean
sync_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @done says so, for a minute at most; a
 * timeout names @what and the engine's state and last error. */
static G_GNUC_UNUSED void
sync_wait_for (KsSyncEngine *engine,
               SyncDone      done,
               gpointer      subject,
               gconstpointer data,
               const char   *what)
{
  gint64 deadline = g_get_monotonic_time () + SYNC_WAIT_S * G_USEC_PER_SEC;
  guint  tick = g_timeout_add (50, sync_tick_cb, NULL);

  while (!done (subject, data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s (state %s, last error %s)", what,
                 ks_sync_state_to_string (ks_sync_engine_get_state (engine)),
                 ks_sync_engine_get_last_error (engine));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

/* @data: a monotonic time, in µs */
static G_GNUC_UNUSED gboolean
sync_time_passed (gpointer      subject,
                  gconstpointer data)
{
  return g_get_monotonic_time () >= *(const gint64 *) data;
}

/* @engine: the engine; @data: a KsSyncState */
static G_GNUC_UNUSED gboolean
sync_state_is (gpointer      engine,
               gconstpointer data)
{
  return ks_sync_engine_get_state (engine) == (KsSyncState) GPOINTER_TO_INT (data);
}

static G_GNUC_UNUSED gboolean
sync_result_arrived (gpointer      subject,
                     gconstpointer data)
{
  return *(GAsyncResult *const *) data != NULL;
}

/* ks_sync_engine_sync_async(), bounded, and asserts it succeeded. */
static G_GNUC_UNUSED void
sync_wait_synced (KsSyncEngine *engine)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  ks_sync_engine_sync_async (engine, NULL, ks_test_store_result, &result);
  sync_wait_for (engine, sync_result_arrived, NULL, &result, "the sync");
  g_assert_true (ks_sync_engine_sync_finish (engine, result, &error));
  g_assert_no_error (error);
}
