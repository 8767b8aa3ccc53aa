/* test-ui-library.c: a library of several pages, open for longer than
 * its download URLs live
 *
 * Listings hand out presigned URLs that live an hour; the app's server
 * runs here with --download-url-lifetime of a few seconds, so what an
 * app left open does after an hour happens within the test: thumbnails
 * scrolled to after the listing's URLs expired still show, and the
 * original of a photo another member added to the user's album still
 * downloads (renewed through the album: GET /v1/photos/{id} serves only
 * the caller's own photos). The viewer pages the list in as far as the
 * photo it shows, not to its end.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "ks-profile.h"
#include "ks-ui-harness.h"
#include "test-cloud-transfer.h"

#define LIFETIME 10 /* seconds: --download-url-lifetime */
/* More than the grid keeps bound in the narrowest window (GtkGridView
 * binds max-columns, 5 there (ks-photo-grid.c), x 30 tiles), and more
 * than three pages of 200 (ks-photo-list.c). */
#define N_LIBRARY 650
#define PAGE_SIZE 200
#define ALBUM_NAME "Trip"

/* The app starts the server named by KEEPSAKE_SERVER, which the harness
 * takes from KS_SERVER_BINARY: a script that adds the option. */
static void
use_short_lived_urls (void)
{
  g_autofree char *wrapper = g_build_filename (g_get_home_dir (), "keepsake-server-short-urls", NULL);
  g_autofree char *script = g_strdup_printf ("#!/bin/sh\nexec '%s' \"$@\" --download-url-lifetime %ds\n",
                                             g_getenv ("KS_SERVER_BINARY"), LIFETIME);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (wrapper, script, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);
  g_setenv ("KS_SERVER_BINARY", wrapper, TRUE);
}

static void
wait_for_expiry (void)
{
  g_usleep ((LIFETIME + 2) * G_USEC_PER_SEC);
}

/* Every tile on screen shows its thumbnail. */
static gboolean
check_thumbnails_shown (GVariant     *state,
                        gconstpointer data)
{
  guint tiles = ui_state_uint (state, "mapped-tiles");

  return tiles > 0 && ui_state_uint (state, "album-thumbnails") == tiles;
}

static gboolean
check_album_photos (GVariant     *state,
                    gconstpointer count)
{
  return ui_check_page (state, "album") && g_str_equal (ui_state_string (state, "title"), ALBUM_NAME) &&
         ui_state_uint (state, "album-count") == GPOINTER_TO_UINT (count);
}

static gboolean
check_drag_export (GVariant     *state,
                   gconstpointer data)
{
  g_autoptr (GVariant) paths = g_variant_lookup_value (state, "drag-export", G_VARIANT_TYPE_STRING_ARRAY);

  return paths != NULL || *ui_state_string (state, "drag-export-error") != '\0';
}

/* --- The steps: each test starts where the previous one ended */

static void
test_sign_up (void)
{
  ui_sign_up_local ("frank");
  ui_screenshot ("signed-up");
}

/* @n photos uploaded as by another computer of the user's: a small
 * JPEG made unique by bytes after its end, which is also its grid
 * thumbnail. */
static void
upload_elsewhere (KsApiClient *api,
                  guint        n)
{
  g_autofree char *dir = g_build_filename (g_get_home_dir (), "elsewhere", NULL);
  g_autofree char *base = g_build_filename (dir, "base.jpg", NULL);
  g_autofree char *make = g_strdup_printf ("mkdir -p '%s' && convert -size 96x72 plasma:fractal '%s'", dir, base);
  g_autoptr (SoupSession) soup = ks_cloud_soup_session_new ();
  g_autoptr (KsUploader) uploader = ks_uploader_new (api, soup, NULL, NULL);
  g_autofree char *bytes = NULL;
  gsize            len = 0;

  ui_run_shell (make);
  g_assert_true (g_file_get_contents (base, &bytes, &len, NULL));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("elsewhere-%03u.jpg", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *tail = g_strdup_printf ("keepsake-ui-%03u", i);
      g_autofree char *data = g_malloc (len + strlen (tail));
      g_autoptr (GError) error = NULL;

      memcpy (data, bytes, len);
      memcpy (data + len, tail, strlen (tail));
      g_file_set_contents (path, data, (gssize) (len + strlen (tail)), &error);
      g_assert_no_error (error);
      ks_photo_free (ui_upload_file (uploader, path, path, 96, 72));
    }
}

/* None of their thumbnails is on this computer: those of the tiles
 * scrolled to are downloaded after the URLs the listing gave expired. */
static void
test_thumbnails_after_expiry (void)
{
  g_autoptr (KsApiClient) frank = ui_sign_in_client ("frank");

  /* Narrow before the listing, or a wide grid binds them all. */
  ui_widget ("type:KsWindow", "resize", "360x420");
  upload_elsewhere (frank, N_LIBRARY);
  ui_widget ("type:KsWindow", "action", "win.reload");
  /* The first page, and the next one the tiles bound ask for. */
  g_variant_unref (ui_wait_for ("the photos uploaded elsewhere", ui_check_library, GUINT_TO_POINTER (2 * PAGE_SIZE), 60));
  g_variant_unref (ui_wait_for ("the first thumbnails", check_thumbnails_shown, NULL, 60));
  ui_screenshot ("first-screen");

  wait_for_expiry ();
  /* Pixels, clamped to the end. */
  ui_widget ("type:KsPhotoGrid>type:GtkGridView", "scroll-to", "1000000");
  g_variant_unref (ui_wait_for ("thumbnails behind expired URLs", check_thumbnails_shown, NULL, 60));
  ui_screenshot ("scrolled-after-expiry");
}

static gboolean
check_library_at_least (GVariant     *state,
                        gconstpointer count)
{
  return ui_state_uint (state, "library-count") >= GPOINTER_TO_UINT (count);
}

/* Open on photo 301 of 400, the viewer's asking for it loads one more
 * page (it is near the end of what is listed), and no more: the viewer
 * used to walk the list on each page, which asked for the last photo,
 * which loaded the next page, to the end of the library. */
static void
test_viewer_pages (void)
{
  g_autoptr (GVariant) state = NULL;
  g_autofree char *place = g_strdup_printf ("301 of %u", 3 * PAGE_SIZE);

  ui_widget ("type:KsPhotoGrid>type:GtkGridView", "scroll-to", "0");
  ui_widget ("type:KsWindow", "action", "win.reload");
  g_variant_unref (ui_wait_for ("two pages listed again", ui_check_library, GUINT_TO_POINTER (2 * PAGE_SIZE), 60));
  ui_widget ("library_grid>type:GtkGridView", "action", "list.activate-item(uint32 300)");
  g_variant_unref (ui_wait_for ("the third page", check_library_at_least, GUINT_TO_POINTER (3 * PAGE_SIZE), 60));
  g_variant_unref (ui_wait_for ("the viewer's place in it", ui_check_label, place, 30));
  /* Time for any page more to be asked for and arrive. */
  g_usleep (3 * G_USEC_PER_SEC);
  state = ui_get_state ();
  g_assert_cmpuint (ui_state_uint (state, "library-count"), ==, 3 * PAGE_SIZE);
  g_assert_cmpstr (ui_state_string (state, "stack"), ==, "viewer");
  ui_screenshot ("viewer");
  ui_widget ("type:KsViewer", "action", "viewer.close");
  ui_widget ("type:KsWindow", "resize", "1000x700");
}

/* A photo Erin added to Frank's album is Erin's: only the album renews
 * its URLs. */
static void
test_member_photo_after_expiry (void)
{
  g_autoptr (KsApiClient) frank = ui_sign_in_client ("frank");
  g_autoptr (KsApiClient) erin = ui_sign_up_friend_client ("erin");
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (KsMember) member = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *album_id = NULL;
  g_autofree char *original = NULL;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;
  g_auto (GStrv) paths = NULL;

  ks_api_client_create_album_async (frank, ALBUM_NAME, NULL, ks_test_store_result, &result);
  album = ks_api_client_create_album_finish (frank, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  album_id = g_strdup (album->id);
  ks_api_client_add_member_async (frank, album_id, "erin", "contributor", NULL, ks_test_store_result, &result);
  member = ks_api_client_add_member_finish (frank, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  photo = ui_upload_photo (erin, album_id, "erin", 7);

  ui_activate (APP_PATH, "open-album", g_variant_new_string (album_id));
  g_variant_unref (ui_wait_for ("Erin's photo in the album", check_album_photos, GUINT_TO_POINTER (1), 60));
  g_variant_unref (ui_wait_for ("its thumbnail", check_thumbnails_shown, NULL, 60));
  ui_screenshot ("album");

  /* Dragged out to Files after the listing's URLs expired. */
  wait_for_expiry ();
  ui_widget ("album_grid", "drag-export", "0");
  state = ui_wait_for ("the drag's file", check_drag_export, NULL, 60);
  g_assert_cmpstr (ui_state_string (state, "drag-export-error"), ==, "");
  g_assert_true (g_variant_lookup (state, "drag-export", "^as", &paths));
  g_assert_cmpuint (g_strv_length (paths), ==, 1);
  original = g_build_filename (ui.photo_dir, "erin-00.jpg", NULL);
  want = xfer_file_sha256 (original, NULL);
  got = xfer_file_sha256 (paths[0], NULL);
  g_assert_cmpstr (got, ==, want);
  g_assert_cmpstr (want, ==, photo->sha256);
  ui_quit_app ();
}

int
main (int   argc,
      char *argv[])
{
  ui_init (&argc, &argv, "ui-library");
  use_short_lived_urls ();

  g_test_add_func ("/ui-library/sign-up", test_sign_up);
  g_test_add_func ("/ui-library/thumbnails-after-expiry", test_thumbnails_after_expiry);
  g_test_add_func ("/ui-library/viewer-pages", test_viewer_pages);
  g_test_add_func ("/ui-library/member-photo-after-expiry", test_member_photo_after_expiry);
  return ui_finish (g_test_run ());
}
