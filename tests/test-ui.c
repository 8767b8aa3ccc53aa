/* test-ui.c: the first minute with the app, end to end
 *
 * First run with "This computer", sign up, sign out and in, drop photos,
 * make an album, share it, pause and resume, quit and relaunch. Each
 * test starts where the previous one ended (ks-ui-harness.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-ui-harness.h"

#define N_LIBRARY 12
#define N_ALBUM 2
#define N_PAUSED 3
#define N_PAUSED_ALBUM 1

/* --- The steps: each test starts where the previous one ended */

static void
test_first_run (void)
{
  g_autoptr (GVariant) state = NULL;

  ui_launch_app ();
  state = ui_wait_for ("the welcome page", ui_check_setup_page, "welcome", 30);
  g_assert_true (ui_state_has_label (state, "Welcome to Keepsake"));
  g_assert_true (ui_state_has_label (state, "This Computer"));
  /* Nothing animates out of sight: the app idles at no CPU. */
  g_assert_cmpuint (ui_state_uint (state, "hidden-spinners"), ==, 0);
  ui_screenshot ("first-run");

  /* Signed out, Ctrl+O and Ctrl+N do nothing. */
  ui_widget ("type:KsWindow", "action", "win.add-photos");
  ui_widget ("type:KsWindow", "action", "win.new-album");
  g_usleep (G_USEC_PER_SEC / 2);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_get_state ();
  g_assert_false (ui_check_window (state, "GtkFileChooserDialog"));
  g_assert_false (ui_check_window (state, "AdwMessageDialog"));

  /* A page on, Back (Alt+Left, as everywhere in the window) returns. */
  ui_widget ("remote_row", "activate", "");
  g_variant_unref (ui_wait_for ("the server page", ui_check_setup_page, "server", 30));
  ui_widget ("type:KsWindow", "action", "win.go-back");
  g_variant_unref (ui_wait_for ("the welcome page again", ui_check_setup_page, "welcome", 30));

  /* "This Computer": the app starts its own server, then asks for an
   * account since nobody is on it yet. */
  ui_widget ("local_row", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the sign-up page", ui_check_setup_page, "sign-up", 60);
  /* It mails nobody, so it asks for no address. */
  g_assert_true (ui_state_has_label (state, "Username"));
  g_assert_false (ui_state_has_label (state, "Email"));
  ui_screenshot ("sign-up");
}

static void
test_sign_up (void)
{
  g_autoptr (GVariant) state = NULL;
  gboolean focus_mapped = FALSE;

  /* The form says what a password needs before anyone tries one, and a
   * password that lacks it is refused with the rule it breaks; Enter
   * in the last field submits the form. */
  state = ui_get_state ();
  g_assert_true (ui_state_has_label (state, "At least 8 characters, with an upper case letter, a lower case "
                                            "letter, a digit and a symbol, such as ! or %."));
  g_clear_pointer (&state, g_variant_unref);
  ui_widget ("sign_up_username", "set-text", "alice");
  ui_widget ("sign_up_password", "set-text", "Sh0rt!");
  ui_widget ("sign_up_password", "emit", "entry-activated");
  g_variant_unref (ui_wait_for ("the length it needs", ui_check_label, "Choose a password of at least 8 characters.",
                                30));
  ui_widget ("sign_up_password", "set-text", "no-capitals-9");
  ui_widget ("sign_up_password", "emit", "entry-activated");
  g_variant_unref (ui_wait_for ("the rule it breaks", ui_check_label,
                                "The server wants the password to have an upper case letter (A–Z).", 30));
  ui_screenshot ("sign-up-password-rule");

  ui_widget ("sign_up_password", "set-text", UI_PASSWORD);
  ui_widget ("sign_up_button", "activate", "");

  /* The embedded server confirms at once and the app signs in. */
  state = ui_wait_for ("an empty library", ui_check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, "alice");
  g_assert_cmpstr (ui_state_string (state, "title"), ==, "Library");
  g_assert_true (ui_state_has_label (state, "alice"));
  g_assert_cmpuint (ui_state_uint (state, "hidden-spinners"), ==, 0);
  /* The keyboard is on the empty library's "Add Photos…", not on a grid
   * out of sight. */
  g_assert_cmpstr (ui_state_string (state, "focus-page"), ==, "library");
  g_assert_true (g_variant_lookup (state, "focus-mapped", "b", &focus_mapped));
  g_assert_true (focus_mapped);
  ui_screenshot ("signed-up");
}

/* @bytes: the engine's upload limit expected, metered uploads allowed
 * with one and not without */
static gboolean
check_engine_settings (GVariant     *state,
                       gconstpointer bytes)
{
  gboolean metered = !bytes;
  guint64  bandwidth = G_MAXUINT64;

  g_variant_lookup (state, "engine-allow-metered", "b", &metered);
  g_variant_lookup (state, "engine-bandwidth", "t", &bandwidth);
  return metered == (bytes != NULL) && bandwidth == GPOINTER_TO_UINT (bytes);
}

static void
test_sign_in (void)
{
  g_autoptr (GVariant) state = NULL;

  /* Out from Preferences, then in again with the password. */
  ui_activate (APP_PATH, "preferences", NULL);
  g_variant_unref (ui_wait_for ("preferences", ui_check_window, "KsPreferencesWindow", 30));
  ui_screenshot ("preferences");

  /* What the Syncing page sets reaches the folder engine at once. */
  ui_widget ("type:KsPreferencesWindow", "show-page", "syncing");
  ui_widget ("metered_switch", "activate", "");
  ui_widget ("bandwidth_row", "select", "3");
  g_variant_unref (ui_wait_for ("the engine to follow the preferences", check_engine_settings,
                                GUINT_TO_POINTER (5000 * 1000 / 8), 30));
  ui_screenshot ("preferences-syncing");
  ui_widget ("metered_switch", "activate", "");
  ui_widget ("bandwidth_row", "select", "0");
  g_variant_unref (ui_wait_for ("the engine back to its defaults", check_engine_settings, NULL, 30));
  ui_widget ("type:KsPreferencesWindow", "show-page", "general");
  ui_widget ("sign_out_button", "activate", "");
  g_variant_unref (ui_wait_for ("preferences to close", ui_check_no_window, "KsPreferencesWindow", 30));
  state = ui_wait_for ("the sign-in page", ui_check_setup_page, "sign-in", 30);
  g_assert_true (ui_state_has_label (state, "Sign In"));
  ui_screenshot ("signed-out");

  ui_widget ("sign_in_password", "set-text", "not the password");
  ui_widget ("sign_in_button", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("an error in place", ui_check_label, "is wrong", 60);
  g_assert_cmpstr (ui_state_string (state, "setup-page"), ==, "sign-in");
  ui_screenshot ("sign-in-error");

  ui_widget ("sign_in_username", "set-text", "alice");
  ui_widget ("sign_in_password", "set-text", UI_PASSWORD);
  ui_widget ("sign_in_button", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the library", ui_check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, "alice");

  /* A forgotten password: the server on this computer mails nobody, and
   * the app reads the code it left instead of asking for it. */
  ui_sign_out ();
  ui_widget ("label:_Forgot Password?", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the forgotten-password page", ui_check_setup_page, "forgot", 30);
  g_assert_true (ui_state_has_label (state, "Enter your username to choose a new password."));
  ui_widget ("forgot_username", "set-text", "alice");
  ui_widget ("forgot_button", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the new-password page", ui_check_setup_page, "reset", 60);
  g_assert_true (ui_state_has_label (state, "New Password"));
  g_assert_false (ui_state_has_label (state, "Code"));
  ui_screenshot ("new-password");
  ui_widget ("reset_password", "set-text", "Another-Horse-7-Battery");
  ui_widget ("reset_button", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the library", ui_check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, "alice");
}

static gboolean
check_mid_sync (GVariant     *state,
                gconstpointer data)
{
  guint done = ui_state_uint (state, "uploads-done");

  return done >= GPOINTER_TO_UINT (data) || (done > 0 && ui_state_has_label (state, "of"));
}

static void
test_drop_photos (void)
{
  g_autoptr (GVariant) state = NULL;

  ui_make_photos ("library", N_LIBRARY, 1);

  /* What a drop from Files gives the window: a list of files. The sync
   * popover stays open to show the progress. */
  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popup", "");
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("library", N_LIBRARY));
  state = ui_wait_for ("uploads under way", check_mid_sync, GUINT_TO_POINTER (N_LIBRARY), 60);
  ui_screenshot ("sync-popover");
  g_clear_pointer (&state, g_variant_unref);

  /* Placeholders appear at once; all of them upload. */
  state = ui_wait_for ("the uploads", ui_check_uploads_done, NULL, 120);
  g_assert_cmpuint (ui_state_uint (state, "library-count"), ==, N_LIBRARY);
  ui_screenshot ("sync-done");
  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popdown", "");

  /* From the server again, not the placeholders. */
  ui_widget ("type:KsWindow", "action", "win.reload");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the photos in the library", ui_check_library, GUINT_TO_POINTER (N_LIBRARY), 60);
  ui_screenshot ("library");
}

static gboolean
check_album (GVariant     *state,
             gconstpointer name)
{
  return ui_check_page (state, "album") && g_str_equal (ui_state_string (state, "title"), name);
}

static gboolean
check_album_count (GVariant     *state,
                   gconstpointer count)
{
  return ui_check_page (state, "album") && ui_state_uint (state, "album-count") == GPOINTER_TO_UINT (count) &&
         ui_check_uploads_done (state, NULL);
}

static void
test_create_album (void)
{
  g_autoptr (GVariant) state = NULL;

  ui_widget ("type:KsWindow", "action", "win.show-page::albums");
  g_variant_unref (ui_wait_for ("the albums page", ui_check_page, "albums", 30));
  ui_widget ("type:KsWindow", "action", "win.new-album");
  g_variant_unref (ui_wait_for ("the album name dialog", ui_check_window, "AdwMessageDialog", 30));
  ui_widget ("type:AdwMessageDialog>type:GtkEntry", "set-text", "Holidays");
  ui_screenshot ("new-album");
  ui_widget ("type:AdwMessageDialog", "response", "ok");
  state = ui_wait_for ("the new album", check_album, "Holidays", 30);
  g_assert_cmpuint (ui_state_uint (state, "album-count"), ==, 0);
  /* "Available Offline" is for friends' albums (ui-offline). */
  {
    gboolean offline_enabled = TRUE;

    g_assert_true (g_variant_lookup (state, "album-offline-enabled", "b", &offline_enabled));
    g_assert_false (offline_enabled);
  }

  /* Dropped on an album on screen: into the album (and the library). */
  ui_make_photos ("album", N_ALBUM, 40);
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("album", N_ALBUM));
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the album's photos", check_album_count, GUINT_TO_POINTER (N_ALBUM), 120);
  ui_screenshot ("album");

  ui_widget ("type:KsWindow", "action", "win.go-back");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the album in the list", ui_check_label, "Holidays", 30);
  g_assert_cmpstr (ui_state_string (state, "page"), ==, "albums");
  ui_screenshot ("albums");
}

static void
test_share (void)
{
  g_autoptr (GVariant) state = NULL;

  ui_sign_up_friend ("bob");

  ui_widget ("type:KsAlbumsView>type:AdwActionRow", "activate", "");
  g_variant_unref (ui_wait_for ("the album", check_album, "Holidays", 30));
  ui_widget ("type:KsWindow", "action", "win.share-album");
  g_variant_unref (ui_wait_for ("the share dialog", ui_check_window, "KsShareDialog", 30));

  ui_widget ("username_row", "set-text", "nobody-by-that-name");
  ui_widget ("username_row", "emit", "apply");
  state = ui_wait_for ("an error for an unknown user", ui_check_label, "Nobody called", 30);
  g_clear_pointer (&state, g_variant_unref);

  ui_widget ("role_dropdown", "select", "1");
  ui_widget ("username_row", "set-text", "bob");
  ui_widget ("username_row", "emit", "apply");
  state = ui_wait_for ("bob among the members", ui_check_label, "bob can now see", 30);
  g_assert_true (ui_state_has_label (state, "Contributor"));
  ui_screenshot ("share-dialog");

  ui_widget ("type:KsShareDialog", "close", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the share dialog to close", ui_check_no_window, "KsShareDialog", 30);
}

/* Placeholders included: nothing needs to be uploaded. */
static gboolean
check_album_photos (GVariant     *state,
                    gconstpointer count)
{
  return ui_check_page (state, "album") && ui_state_uint (state, "album-count") == GPOINTER_TO_UINT (count);
}

static void
open_holidays (void)
{
  ui_widget ("type:KsWindow", "action", "win.show-page::albums");
  g_variant_unref (ui_wait_for ("the albums page", ui_check_page, "albums", 30));
  ui_widget ("type:KsAlbumsView>type:AdwActionRow", "activate", "");
  g_variant_unref (ui_wait_for ("the album", check_album, "Holidays", 30));
}

static gboolean
check_paused (GVariant     *state,
              gconstpointer count)
{
  gboolean paused = FALSE;

  g_variant_lookup (state, "uploads-paused", "b", &paused);
  return paused && ui_state_uint (state, "uploads-total") >= GPOINTER_TO_UINT (count) &&
         ui_state_has_label (state, "Uploads Paused");
}

/* Paused, dropped photos wait (and say so); resumed, they all arrive. */
static void
test_pause_resume (void)
{
  g_autoptr (GVariant) state = NULL;
  gint64 until;

  ui_widget ("type:KsWindow", "action", "win.show-page::library");
  ui_make_photos ("paused", N_PAUSED, 70);
  ui_widget ("type:KsWindow", "action", "win.pause-uploads");
  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popup", "");
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("paused", N_PAUSED));
  state = ui_wait_for ("uploads to be paused", check_paused, GUINT_TO_POINTER (N_PAUSED), 30);
  ui_screenshot ("paused");

  /* Nothing moves for a while. */
  until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_clear_pointer (&state, g_variant_unref);
      state = ui_get_state ();
      g_assert_cmpuint (ui_state_uint (state, "uploads-done"), ==, 0);
      g_usleep (200 * 1000);
    }

  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popdown", "");

  /* One dropped on an album meanwhile: its placeholder is there again
   * when the album is opened again, before it is uploaded. */
  open_holidays ();
  ui_make_photos ("paused-album", N_PAUSED_ALBUM, 75);
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("paused-album", N_PAUSED_ALBUM));
  g_variant_unref (ui_wait_for ("its placeholder in the album", check_album_photos,
                                GUINT_TO_POINTER (N_ALBUM + N_PAUSED_ALBUM), 30));
  ui_widget ("type:KsWindow", "action", "win.go-back");
  g_variant_unref (ui_wait_for ("the albums page", ui_check_page, "albums", 30));
  open_holidays ();
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the placeholder in the album opened again", check_album_photos,
                       GUINT_TO_POINTER (N_ALBUM + N_PAUSED_ALBUM), 30);
  g_assert_cmpuint (ui_state_uint (state, "uploads-done"), ==, 0);
  ui_screenshot ("album-paused");
  ui_widget ("type:KsWindow", "action", "win.show-page::library");

  ui_widget ("type:KsWindow", "action", "win.resume-uploads");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the uploads after resuming", ui_check_uploads_done, NULL, 120);

  ui_widget ("type:KsWindow", "action", "win.reload");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the resumed photos in the library", ui_check_library,
                       GUINT_TO_POINTER (N_LIBRARY + N_ALBUM + N_PAUSED + N_PAUSED_ALBUM), 60);

  /* Ctrl+2, Ctrl+1: the keyboard goes with the page, to its albums, to
   * its photos. */
  ui_widget ("type:KsWindow", "action", "win.show-page::albums");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_get_state ();
  g_assert_cmpstr (ui_state_string (state, "focus-page"), ==, "albums");
  ui_widget ("type:KsWindow", "action", "win.show-page::library");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_get_state ();
  g_assert_cmpstr (ui_state_string (state, "focus-page"), ==, "library");
}

static void
test_relaunch (void)
{
  g_autoptr (GVariant) state = NULL;

  ui_quit_app ();
  ui_screenshot ("quit");

  /* Straight to the library: the server choice from GSettings, the
   * session from the keyring. */
  ui_launch_app ();
  state = ui_wait_for ("the library after a relaunch", ui_check_library,
                       GUINT_TO_POINTER (N_LIBRARY + N_ALBUM + N_PAUSED + N_PAUSED_ALBUM), 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, "alice");
  /* The keyboard is on the photos (Ctrl+A, the arrows work at once), not
   * on the sidebar's menu button. */
  g_assert_cmpstr (ui_state_string (state, "focus-page"), ==, "library");
  ui_screenshot ("relaunched");

  /* Scrolling tells when the photos on screen were added. */
  {
    g_autoptr (GDateTime) now = g_date_time_new_now_local ();
    g_autofree char *month = g_date_time_format (now, "%OB %Y");

    /* Small enough for the 17 photos to scroll. */
    ui_widget ("type:KsWindow", "resize", "720x480");
    g_usleep (500 * 1000);
    ui_widget ("type:KsPhotoGrid>type:GtkGridView", "scroll-to", "200");
    g_variant_unref (ui_wait_for ("the date over the grid", ui_check_label, month, 10));
    ui_screenshot ("scrolled");
    ui_widget ("type:KsWindow", "resize", "1000x700");
  }

  ui_widget ("type:KsWindow", "action", "win.show-page::albums");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the album after a relaunch", ui_check_label, "Holidays", 30);
  ui_quit_app ();
}

int
main (int   argc,
      char *argv[])
{
  ui_init (&argc, &argv, "ui");

  g_test_add_func ("/ui/first-run", test_first_run);
  g_test_add_func ("/ui/sign-up", test_sign_up);
  g_test_add_func ("/ui/sign-in", test_sign_in);
  g_test_add_func ("/ui/drop-photos", test_drop_photos);
  g_test_add_func ("/ui/create-album", test_create_album);
  g_test_add_func ("/ui/share", test_share);
  g_test_add_func ("/ui/pause-resume", test_pause_resume);
  g_test_add_func ("/ui/relaunch", test_relaunch);
  return ui_finish (g_test_run ());
}
