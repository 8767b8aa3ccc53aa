/* test-ui-offline.c: Shared with Me with the server gone
 *
 * The app signs up "frank" on a keepsake-server this test runs (not the
 * app's own), so the test can stop it. A friend, "gina", shares an album
 * of real photos with thumbnails and previews; once the app's cache has
 * their files the server stops: Shared with Me still lists the album, it
 * opens with every thumbnail, the viewer shows a preview, and a bar says
 * the copies are all there is. The server comes back on the same port
 * and the bar goes away. Each test starts where the previous one ended
 * (ks-ui-harness.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-profile.h"
#include "ks-test-cloud.h"
#include "ks-test-server.h"
#include "ks-transfer.h"
#include "ks-ui-harness.h"
#include "test-cloud-transfer.h"

#define N_PHOTOS 6
#define ALBUM "Lake Trip"
#define PHOTO_WIDTH 900 /* ui_make_photos () */

static KsTestServer *server;
static KsApiClient  *gina;

/* --- gina, through the client library */

/* The app's thumbnailer makes 256 px grid thumbnails and 1280 px
 * previews; ImageMagick makes the same for gina. */
static void
make_thumbnails (const char *original,
                 const char *grid,
                 const char *preview)
{
  g_autofree char *script = g_strdup_printf ("convert '%s' -resize '256x256>' -quality 85 '%s'\n"
                                             "convert '%s' -resize '1280x1280>' -quality 85 '%s'\n",
                                             original, grid, original, preview);

  ui_run_shell (script);
}

static char *
upload_photo (KsUploader *uploader,
              guint       index)
{
  g_autofree char *name = g_strdup_printf ("lake-%02u.jpg", index);
  g_autofree char *path = g_build_filename (ui.photo_dir, name, NULL);
  g_autofree char *grid_path = g_strconcat (path, ".grid.jpg", NULL);
  g_autofree char *preview_path = g_strconcat (path, ".preview.jpg", NULL);
  g_autoptr (GFile) original = g_file_new_for_path (path);
  g_autoptr (GFile) grid = g_file_new_for_path (grid_path);
  g_autoptr (GFile) preview = g_file_new_for_path (preview_path);
  g_autoptr (KsPrepareRequest) request = ks_prepare_request_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  guint64 size = 0;

  make_thumbnails (path, grid_path, preview_path);
  request->sha256 = xfer_file_sha256 (path, &size);
  request->size = (gint64) size;
  request->content_type = g_strdup ("image/jpeg");
  request->file_name = g_strdup (name);
  request->width = PHOTO_WIDTH;
  request->height = PHOTO_WIDTH * 3 / 4;
  xfer_request_add_thumbnail (request, "grid", grid_path);
  xfer_request_add_thumbnail (request, "preview", preview_path);

  ks_uploader_upload_photo_async (uploader, original, request, grid, preview, NULL, NULL, NULL,
                                  ks_test_store_result, &result);
  photo = ks_uploader_upload_photo_finish (uploader, ks_test_wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  return g_strdup (photo->id);
}

/* gina makes ALBUM of N_PHOTOS photos and shares it with frank. */
static void
gina_shares_album (void)
{
  g_autoptr (SoupSession) soup = ks_cloud_soup_session_new ();
  g_autoptr (KsUploader) uploader = ks_uploader_new (gina, soup, NULL, NULL);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (KsMember) member = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;

  ks_api_client_create_album_async (gina, ALBUM, NULL, ks_test_store_result, &result);
  album = ks_api_client_create_album_finish (gina, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  ui_make_photos ("lake", N_PHOTOS, 300);
  for (guint i = 0; i < N_PHOTOS; i++)
    g_ptr_array_add (ids, upload_photo (uploader, i));
  g_ptr_array_add (ids, NULL);
  ks_api_client_add_album_photos_async (gina, album->id, (const char *const *) ids->pdata, NULL,
                                        ks_test_store_result, &result);
  ks_api_client_add_album_photos_finish (gina, ks_test_wait_result (&result), NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  ks_api_client_add_member_async (gina, album->id, "frank", "viewer", NULL, ks_test_store_result, &result);
  member = ks_api_client_add_member_finish (gina, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
}

/* --- What the app shows */

static gboolean
state_bool (GVariant   *state,
            const char *key)
{
  gboolean value = FALSE;

  g_variant_lookup (state, key, "b", &value);
  return value;
}

static gboolean
check_shared_list (GVariant     *state,
                   gconstpointer data)
{
  return ui_check_page (state, "shared") && ui_state_uint (state, "shared-count") == 1 &&
         state_bool (state, "shared-from-cache") && ui_state_has_label (state, ALBUM) &&
         ui_state_has_label (state, "gina · Viewer");
}

/* The album from the cache, every thumbnail drawn; with @data, every
 * photo's thumbnail and preview on disk too. */
static gboolean
check_album (GVariant     *state,
             gconstpointer data)
{
  return ui_check_page (state, "album") && g_str_equal (ui_state_string (state, "title"), ALBUM) &&
         state_bool (state, "album-from-cache") && ui_state_uint (state, "album-count") == N_PHOTOS &&
         ui_state_uint (state, "album-thumbnails") == N_PHOTOS &&
         (data == NULL || ui_state_uint (state, "album-cached-files") == N_PHOTOS);
}

/* "Available Offline" checked, and every original in the cache. */
static gboolean
check_kept_offline (GVariant     *state,
                    gconstpointer data)
{
  return check_album (state, "files") && state_bool (state, "album-offline") &&
         ui_state_uint (state, "album-cached-originals") == N_PHOTOS;
}

static gboolean
check_offline (GVariant     *state,
               gconstpointer offline)
{
  gboolean bar = ui_state_uint (state, "offline-bars") > 0 && ui_state_has_label (state, "Offline —");

  return state_bool (state, "offline") == GPOINTER_TO_INT (offline) && bar == GPOINTER_TO_INT (offline);
}

static gboolean
check_shared_offline (GVariant     *state,
                      gconstpointer data)
{
  return check_shared_list (state, NULL) && check_offline (state, GINT_TO_POINTER (TRUE));
}

static gboolean
check_preview (GVariant     *state,
               gconstpointer data)
{
  return g_str_equal (ui_state_string (state, "stack"), "viewer") &&
         ui_state_uint (state, "viewer-preview-width") == PHOTO_WIDTH;
}

/* The Connect button shows its label, not a spinner. */
static gboolean
connect_label_shown (GVariant *state)
{
  g_autofree const char **labels = NULL;

  return g_variant_lookup (state, "labels", "^a&s", &labels) &&
         g_strv_contains ((const char *const *) labels, "Connect");
}

static gboolean
check_connecting (GVariant     *state,
                  gconstpointer data)
{
  return ui_check_setup_page (state, "server") && !connect_label_shown (state);
}

static gboolean
check_connect_ready (GVariant     *state,
                     gconstpointer data)
{
  return ui_check_setup_page (state, "server") && connect_label_shown (state);
}

/* --- The steps */

static void
test_sign_up (void)
{
  g_autoptr (GVariant) state = NULL;
  g_autofree char *typed = g_strdup_printf ("127.0.0.1:%u", ks_test_server_get_port (server));
  g_autofree char *hanging = g_strdup_printf ("https://127.0.0.1:%u", ks_test_server_get_port (server));
  g_autofree char *on_server = NULL;
  g_autofree char *cli = g_strdup_printf (
      "cli=\"$KS_CLI_BINARY --profile cli-erin\"\n"
      "$cli server add %s\n"
      "printf '%%s\\n' '%s' | $cli signup erin --password-stdin\n"
      "printf '%%s\\n' '%s' | $cli login erin --password-stdin\n",
      ks_test_server_get_base_url (server), UI_PASSWORD, UI_PASSWORD);

  /* Signed in with keepsake-cli first: the app offers that account, and
   * opens it from the keyring without asking for the password. */
  ui_run_shell (cli);
  ui_launch_app ();
  state = ui_wait_for ("the welcome page", ui_check_setup_page, "welcome", 30);
  g_assert_true (ui_state_has_label (state, "Continue as erin"));
  on_server = g_strdup_printf ("On 127.0.0.1:%u", ks_test_server_get_port (server));
  g_assert_true (ui_state_has_label (state, on_server));
  ui_screenshot ("welcome-known-account");
  g_clear_pointer (&state, g_variant_unref);
  ui_widget ("name:known-cli-erin", "activate", "");
  state = ui_wait_for ("erin's library", ui_check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, "erin");
  g_clear_pointer (&state, g_variant_unref);

  /* Signed out, and back to the choice of server. */
  ui_sign_out ();
  ui_widget ("back_button", "activate", "");
  g_variant_unref (ui_wait_for ("the welcome page", ui_check_setup_page, "welcome", 30));
  ui_widget ("remote_row", "activate", "");
  g_variant_unref (ui_wait_for ("the server page", ui_check_setup_page, "server", 30));

  /* HTTPS to a plain-HTTP server never answers: going back gives up on
   * it, and the page is usable again when the user returns. */
  ui_widget ("server_entry", "set-text", hanging);
  ui_widget ("connect_button", "activate", "");
  g_variant_unref (ui_wait_for ("the connection under way", check_connecting, NULL, 30));
  ui_widget ("back_button", "activate", "");
  g_variant_unref (ui_wait_for ("the welcome page again", ui_check_setup_page, "welcome", 30));
  ui_widget ("remote_row", "activate", "");
  g_variant_unref (ui_wait_for ("the server page, ready", check_connect_ready, NULL, 30));

  /* Typed as people do, without http://: this computer speaks it. */
  ui_widget ("server_entry", "set-text", typed);
  ui_widget ("connect_button", "activate", "");
  g_variant_unref (ui_wait_for ("the sign-in page", ui_check_setup_page, "sign-in", 60));
  ui_widget ("label:_Create an Account", "activate", "");
  state = ui_wait_for ("the sign-up page", ui_check_setup_page, "sign-up", 30);
  /* Another server may mail codes: it asks for the address. */
  g_assert_true (ui_state_has_label (state, "Email"));
  g_clear_pointer (&state, g_variant_unref);
  ui_widget ("sign_up_username", "set-text", "frank");
  ui_widget ("sign_up_email", "set-text", "frank@example.com");
  ui_widget ("sign_up_password", "set-text", UI_PASSWORD);
  ui_widget ("sign_up_button", "activate", "");

  state = ui_wait_for ("an empty library", ui_check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, "frank");
  g_assert_true (g_str_has_prefix (ui_state_string (state, "server-url"), ks_test_server_get_base_url (server)));
}

static void
test_shared_online (void)
{
  g_autoptr (GVariant) state = NULL;

  gina = ui_sign_up_friend_client ("gina");
  gina_shares_album ();

  /* The change feed brings the album into the cache, then its files. */
  ui_widget ("type:KsWindow", "action", "win.show-page::shared");
  state = ui_wait_for ("the shared album, from the cache", check_shared_list, NULL, 60);
  ui_screenshot ("shared-online");

  ui_widget ("type:KsAlbumsView>type:AdwActionRow", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the album's thumbnails and previews in the cache", check_album, "files", 120);
  g_assert_false (state_bool (state, "offline"));
  g_assert_cmpuint (ui_state_uint (state, "offline-bars"), ==, 0);
  ui_screenshot ("album-online");

  /* A friend's album can be kept whole on this computer. */
  g_assert_true (state_bool (state, "album-offline-enabled"));
  g_assert_false (state_bool (state, "album-offline"));
  g_assert_cmpuint (ui_state_uint (state, "album-cached-originals"), ==, 0);
  ui_widget ("type:KsWindow", "action", "win.album-offline");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the originals kept", check_kept_offline, NULL, 60);
  g_assert_true (ui_state_has_label (state, "“" ALBUM "” is kept on this computer"));
}

static gboolean
check_upload_waits (GVariant     *state,
                    gconstpointer data)
{
  return state_bool (state, "uploads-offline") && state_bool (state, "uploads-busy") &&
         ui_state_uint (state, "uploads-failed") == 0 &&
         ui_state_uint (state, "uploads-total") == GPOINTER_TO_UINT (data);
}

/* Uploaded once the server is back, with no button pressed (a failure
 * would count in uploads-failed). */
static gboolean
check_upload_done (GVariant     *state,
                   gconstpointer data)
{
  return !state_bool (state, "uploads-offline") && !state_bool (state, "uploads-busy") &&
         ui_state_uint (state, "uploads-failed") == 0 && ui_state_uint (state, "library-count") == 2;
}

static void
test_server_gone (void)
{
  g_autoptr (GVariant) state = NULL;

  ks_test_server_stop (server);

  /* The album on screen stays, and says why nothing new comes. */
  state = ui_wait_for ("the offline bar", check_offline, GINT_TO_POINTER (TRUE), 60);
  g_assert_true (check_album (state, NULL));
  ui_screenshot ("album-offline");

  ui_widget ("type:KsWindow", "action", "win.go-back");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("Shared with Me, offline", check_shared_offline, NULL, 30);
  ui_screenshot ("shared-offline");

  /* Opened again offline: the rows, the thumbnails, a preview, and
   * the originals it keeps. */
  ui_widget ("type:KsAlbumsView>type:AdwActionRow", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the album offline", check_kept_offline, NULL, 30);
  ui_widget ("album_grid>type:GtkGridView", "action", "list.activate-item(uint32 2)");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("a preview from the cache", check_preview, NULL, 30);
  g_assert_true (ui_state_has_label (state, "3 of 6"));
  /* The details, from what the cache knows. */
  ui_widget ("type:KsViewer", "action", "viewer.toggle-info");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the details pane", ui_check_label, "900 × 675", 30);
  g_assert_true (ui_state_has_label (state, "gina"));
  g_assert_true (ui_state_has_label (state, "image/jpeg"));
  ui_screenshot ("viewer-offline");
  ui_widget ("type:KsViewer", "action", "viewer.toggle-info");
  ui_widget ("type:KsViewer", "action", "viewer.close");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the album again", check_album, NULL, 30);

  /* A photo dropped on it (a viewer's album: it goes to the library, as
   * online) waits for the server instead of failing, and the app says
   * so. */
  g_clear_pointer (&state, g_variant_unref);
  ui_make_photos ("dropped", 1, 76);
  {
    g_autoptr (GVariant) uris = g_variant_ref_sink (ui_photo_uris ("dropped", 1));
    const char *uri = NULL;

    g_variant_get_child (uris, 0, "&s", &uri);
    ui_widget ("album_grid", "drop-uris", uri);
  }
  state = ui_wait_for ("a toast about the drop", ui_check_label, "will be uploaded once", 30);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the drop waiting for the server", check_upload_waits, GUINT_TO_POINTER (1), 60);
  ui_screenshot ("drop-offline");

  /* So does a photo added to the library meanwhile ("Add Photos…"). */
  ui_make_photos ("waiting", 1, 77);
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("waiting", 1));
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the uploads waiting for the server", check_upload_waits, GUINT_TO_POINTER (2), 60);
  ui_screenshot ("upload-waits");
}

static void
test_server_back (void)
{
  g_autoptr (GVariant) state = NULL;

  ks_test_server_restart (server);
  /* The follower's next try, after its backoff: no button pressed. */
  state = ui_wait_for ("the bar to go", check_offline, GINT_TO_POINTER (FALSE), 180);
  g_assert_true (check_album (state, "files"));
  ui_screenshot ("back-online");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the waiting photos uploaded", check_upload_done, NULL, 120);
  ui_quit_app ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  ui_init (&argc, &argv, "ui-offline");
  server = ks_test_server_new ();
  ks_test_server_add_args (server, "--auto-confirm", NULL);
  ks_test_server_start (server);

  g_test_add_func ("/ui-offline/sign-up", test_sign_up);
  g_test_add_func ("/ui-offline/shared-online", test_shared_online);
  g_test_add_func ("/ui-offline/server-gone", test_server_gone);
  g_test_add_func ("/ui-offline/server-back", test_server_back);
  status = g_test_run ();

  g_clear_object (&gina);
  ks_test_server_free (server);
  return ui_finish (status);
}
