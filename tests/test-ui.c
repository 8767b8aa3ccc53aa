/* test-ui.c: the real app under Xvfb, a session bus and a throwaway keyring
 *
 * The test re-runs itself under xvfb-run and run-with-keyring.sh, starts
 * the built `keepsake` with KEEPSAKE_TEST_HOOKS set, and drives it over
 * D-Bus: its exported actions (import-uris, quit, ...) and the test
 * hooks (src/app/ks-test-hooks.h), which report what the windows show
 * and act on widgets the way a user would. The app runs its own
 * keepsake-server ("This computer"). Every step is bounded in time and
 * saves a screenshot to meson-logs/ui-screenshots/.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-api-client.h"
#include "ks-cognito-client.h"
#include "ks-profile.h"
#include "ks-session.h"
#include "ks-token-store.h"
#include "ks-test-cloud.h"

#define APP_BUS_NAME "io.github.keepsake.Keepsake"
#define APP_PATH "/io/github/keepsake/Keepsake"
#define WINDOW_PATH APP_PATH "/window/1"
#define PASSWORD "Correct-Horse-9-Battery"
#define N_LIBRARY 12
#define N_ALBUM 2
#define N_PAUSED 3

static struct
{
  char            *app_binary;
  char            *shot_dir;
  char            *photo_dir;
  GDBusConnection *bus;
  GSubprocess     *app;
  gboolean         app_exited;
  guint            shot_index;
  double           time_scale;
} ui;

/* --- Helpers: processes, screenshots */

static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
screenshot (const char *name)
{
  g_autofree char *file = g_strdup_printf ("%02u-%s.png", ++ui.shot_index, name);
  g_autofree char *path = g_build_filename (ui.shot_dir, file, NULL);
  const char      *argv[] = { "import", "-window", "root", path, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  /* What the widgets say is a frame ahead of the screen. */
  g_usleep ((gulong) (400 * 1000 * ui.time_scale));
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_test_message ("screenshot %s failed: %s", file, error->message);
  else
    g_test_message ("screenshot %s", path);
}

static void
run_shell (const char *script)
{
  const char *argv[] = { "sh", "-ec", script, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

/* Photos that look like something, each different. */
static void
make_photos (const char *prefix,
             guint       count,
             guint       seed)
{
  const char *colors[] = { "orange-purple", "skyblue-navy", "gold-firebrick", "lightgreen-teal",
                           "pink-indigo", "khaki-sienna" };
  GString    *script = g_string_new (NULL);

  for (guint i = 0; i < count; i++)
    g_string_append_printf (script,
                            "convert -seed %u -size 900x675 plasma:%s -blur 0x2 '%s/%s-%02u.jpg' &\n",
                            seed + i, colors[(seed + i) % G_N_ELEMENTS (colors)], ui.photo_dir,
                            prefix, i);
  g_string_append (script, "wait\n");
  run_shell (script->str);
  g_string_free (script, TRUE);
}

static GVariant *
photo_uris (const char *prefix,
            guint       count)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%02u.jpg", prefix, i);
      g_autofree char *path = g_build_filename (ui.photo_dir, name, NULL);
      g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

      g_variant_builder_add (&builder, "s", uri);
    }
  return g_variant_builder_end (&builder);
}

/* --- Talking to the app */

static void
activate (const char *path,
          const char *action,
          GVariant   *parameter)
{
  GVariantBuilder params;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  g_variant_builder_init (&params, G_VARIANT_TYPE ("av"));
  if (parameter != NULL)
    g_variant_builder_add (&params, "v", parameter);
  reply = g_dbus_connection_call_sync (ui.bus, APP_BUS_NAME, path, "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", action, &params, NULL), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, (int) (30000 * ui.time_scale), NULL, &error);
  g_assert_no_error (error);
}

static void
widget (const char *selector,
        const char *verb,
        const char *argument)
{
  activate (APP_PATH, "test-widget", g_variant_new ("(sss)", selector, verb, argument));
}

static GVariant *
get_state (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GVariant) child = NULL;
  g_autoptr (GError) error = NULL;

  activate (APP_PATH, "test-state", NULL);
  reply = g_dbus_connection_call_sync (ui.bus, APP_BUS_NAME, APP_PATH, "org.gtk.Actions", "Describe",
                                       g_variant_new ("(s)", "test-state"), G_VARIANT_TYPE ("((bgav))"),
                                       G_DBUS_CALL_FLAGS_NONE, (int) (30000 * ui.time_scale), NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "((bg@av))", NULL, NULL, &state);
  g_assert_cmpuint (g_variant_n_children (state), ==, 1);
  child = g_variant_get_child_value (state, 0);
  return g_variant_get_variant (child);
}

static const char *
state_string (GVariant   *state,
              const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (state, key, "&s", &value))
    return "";
  return value;
}

static guint
state_uint (GVariant   *state,
            const char *key)
{
  guint32 value = 0;

  g_variant_lookup (state, key, "u", &value);
  return value;
}

static gboolean
state_has_label (GVariant   *state,
                 const char *text)
{
  g_autofree const char **labels = NULL;

  if (!g_variant_lookup (state, "labels", "^a&s", &labels))
    return FALSE;
  for (guint i = 0; labels[i] != NULL; i++)
    if (strstr (labels[i], text) != NULL)
      return TRUE;
  return FALSE;
}

typedef gboolean (*StateCheck) (GVariant     *state,
                                gconstpointer data);

/* Polls what the app shows until @check holds; on time-out, saves a
 * screenshot, prints the last state and fails. */
static GVariant *
wait_for (const char   *what,
          StateCheck    check,
          gconstpointer data,
          double        seconds)
{
  gint64    deadline = g_get_monotonic_time () + (gint64) (seconds * ui.time_scale * G_USEC_PER_SEC);
  GVariant *state = NULL;

  while (TRUE)
    {
      g_clear_pointer (&state, g_variant_unref);
      state = get_state ();
      if (check (state, data))
        return state;
      if (g_get_monotonic_time () > deadline)
        break;
      g_usleep (100 * 1000);
    }
  screenshot ("timeout");
  {
    g_autofree char *text = g_variant_print (state, FALSE);
    g_test_message ("last state: %s", text);
  }
  g_error ("timed out waiting for %s", what);
}

static gboolean
check_setup_page (GVariant     *state,
                  gconstpointer page)
{
  return g_str_equal (state_string (state, "stack"), "setup") &&
         g_str_equal (state_string (state, "setup-page"), page);
}

static gboolean
check_page (GVariant     *state,
            gconstpointer page)
{
  return g_str_equal (state_string (state, "stack"), "main") &&
         g_str_equal (state_string (state, "page"), page);
}

static gboolean
check_library (GVariant     *state,
               gconstpointer count)
{
  gboolean loaded = FALSE;

  g_variant_lookup (state, "library-loaded", "b", &loaded);
  return check_page (state, "library") && loaded &&
         state_uint (state, "library-count") == GPOINTER_TO_UINT (count);
}

/* The queue forgets its counts once idle; failures stay. */
static gboolean
check_uploads_done (GVariant     *state,
                    gconstpointer data)
{
  gboolean busy = TRUE;

  g_variant_lookup (state, "uploads-busy", "b", &busy);
  return !busy && state_uint (state, "uploads-failed") == 0;
}

static gboolean
check_label (GVariant     *state,
             gconstpointer text)
{
  return state_has_label (state, text);
}

static gboolean
check_window (GVariant     *state,
              gconstpointer type)
{
  g_autofree const char **windows = NULL;

  return g_variant_lookup (state, "windows", "^a&s", &windows) &&
         g_strv_contains ((const char *const *) windows, type);
}

static gboolean
check_no_window (GVariant     *state,
                 gconstpointer type)
{
  return !check_window (state, type);
}

/* --- Starting and stopping the app */

static void
app_exited_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ui.app_exited = TRUE;
}

static void
launch_app (void)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) (60 * ui.time_scale * G_USEC_PER_SEC);

  g_subprocess_launcher_setenv (launcher, "KEEPSAKE_TEST_HOOKS", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "KEEPSAKE_SERVER", g_getenv ("KS_SERVER_BINARY"), TRUE);
  /* Settings must outlive the process: the chosen server is one. */
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", TRUE);
  /* GTK, fontconfig and pango keep caches to the end of the process,
   * which LeakSanitizer counts as leaks; the libraries under the app are
   * leak-checked by their own suites. AddressSanitizer errors stay fatal. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":detect_leaks=0", NULL);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan, TRUE);
    }
  /* Xvfb has no GPU: software GL under a sanitizer is too slow to drive. */
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  ui.app = g_subprocess_launcher_spawn (launcher, &error, ui.app_binary, NULL);
  g_assert_no_error (error);
  ui.app_exited = FALSE;
  g_subprocess_wait_async (ui.app, NULL, app_exited_cb, NULL);

  /* On the bus, with its actions exported. */
  while (TRUE)
    {
      g_autoptr (GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      reply = g_dbus_connection_call_sync (ui.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", APP_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &has_owner);
      if (has_owner)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_false (ui.app_exited);
      g_usleep (100 * 1000);
    }
  g_variant_unref (wait_for ("the window", check_window, "KsWindow", 60));
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
quit_app (void)
{
  gboolean timed_out = FALSE;
  guint    timeout_id;

  /* The app may be gone before a reply could be sent: expect none, and
   * judge by its exit status instead. */
  g_dbus_connection_call (ui.bus, APP_BUS_NAME, APP_PATH, "org.gtk.Actions", "Activate",
                          g_variant_new ("(s@ava{sv})", "quit", g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0), NULL),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  timeout_id = g_timeout_add_seconds ((guint) (60 * ui.time_scale), timeout_cb, &timed_out);
  while (!ui.app_exited && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  if (!ui.app_exited)
    {
      screenshot ("quit-timeout");
      g_subprocess_force_exit (ui.app);
      g_error ("the app did not quit");
    }
  if (g_subprocess_get_if_signaled (ui.app))
    g_error ("the app died of signal %d while quitting", g_subprocess_get_term_sig (ui.app));
  g_assert_cmpint (g_subprocess_get_exit_status (ui.app), ==, 0);
  g_clear_object (&ui.app);
}

/* --- The steps: each test starts where the previous one ended */

static void
test_first_run (void)
{
  g_autoptr (GVariant) state = NULL;

  launch_app ();
  state = wait_for ("the welcome page", check_setup_page, "welcome", 30);
  g_assert_true (state_has_label (state, "Welcome to Keepsake"));
  g_assert_true (state_has_label (state, "This Computer"));
  screenshot ("first-run");

  /* "This Computer": the app starts its own server, then asks for an
   * account since nobody is on it yet. */
  widget ("local_row", "activate", "");
  g_variant_unref (wait_for ("the sign-up page", check_setup_page, "sign-up", 60));
  screenshot ("sign-up");
}

static void
test_sign_up (void)
{
  g_autoptr (GVariant) state = NULL;

  widget ("sign_up_username", "set-text", "alice");
  widget ("sign_up_email", "set-text", "alice@example.com");
  widget ("sign_up_password", "set-text", PASSWORD);
  widget ("sign_up_button", "activate", "");

  /* The embedded server confirms at once and the app signs in. */
  state = wait_for ("an empty library", check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (state_string (state, "user"), ==, "alice");
  g_assert_cmpstr (state_string (state, "title"), ==, "Library");
  g_assert_true (state_has_label (state, "alice"));
  screenshot ("signed-up");
}

static void
test_sign_in (void)
{
  g_autoptr (GVariant) state = NULL;

  /* Out from Preferences, then in again with the password. */
  activate (APP_PATH, "preferences", NULL);
  g_variant_unref (wait_for ("preferences", check_window, "KsPreferencesWindow", 30));
  screenshot ("preferences");
  widget ("sign_out_button", "activate", "");
  g_variant_unref (wait_for ("preferences to close", check_no_window, "KsPreferencesWindow", 30));
  state = wait_for ("the sign-in page", check_setup_page, "sign-in", 30);
  g_assert_true (state_has_label (state, "Sign In"));
  screenshot ("signed-out");

  widget ("sign_in_password", "set-text", "not the password");
  widget ("sign_in_button", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("an error in place", check_label, "is wrong", 60);
  g_assert_cmpstr (state_string (state, "setup-page"), ==, "sign-in");
  screenshot ("sign-in-error");

  widget ("sign_in_username", "set-text", "alice");
  widget ("sign_in_password", "set-text", PASSWORD);
  widget ("sign_in_button", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the library", check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (state_string (state, "user"), ==, "alice");
}

static gboolean
check_mid_sync (GVariant     *state,
                gconstpointer data)
{
  guint done = state_uint (state, "uploads-done");

  return done >= GPOINTER_TO_UINT (data) || (done > 0 && state_has_label (state, "of"));
}

static void
test_drop_photos (void)
{
  g_autoptr (GVariant) state = NULL;

  make_photos ("library", N_LIBRARY, 1);

  /* What a drop from Files gives the window: a list of files. The sync
   * popover stays open to show the progress. */
  widget ("type:KsSyncIndicator>type:GtkMenuButton", "popup", "");
  activate (WINDOW_PATH, "import-uris", photo_uris ("library", N_LIBRARY));
  state = wait_for ("uploads under way", check_mid_sync, GUINT_TO_POINTER (N_LIBRARY), 60);
  screenshot ("sync-popover");
  g_clear_pointer (&state, g_variant_unref);

  /* Placeholders appear at once; all of them upload. */
  state = wait_for ("the uploads", check_uploads_done, NULL, 120);
  g_assert_cmpuint (state_uint (state, "library-count"), ==, N_LIBRARY);
  screenshot ("sync-done");
  widget ("type:KsSyncIndicator>type:GtkMenuButton", "popdown", "");

  /* From the server again, not the placeholders. */
  widget ("type:KsWindow", "action", "win.reload");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the photos in the library", check_library, GUINT_TO_POINTER (N_LIBRARY), 60);
  screenshot ("library");
}

static gboolean
check_album (GVariant     *state,
             gconstpointer name)
{
  return check_page (state, "album") && g_str_equal (state_string (state, "title"), name);
}

static gboolean
check_album_count (GVariant     *state,
                   gconstpointer count)
{
  return check_page (state, "album") && state_uint (state, "album-count") == GPOINTER_TO_UINT (count) &&
         check_uploads_done (state, NULL);
}

static void
test_create_album (void)
{
  g_autoptr (GVariant) state = NULL;

  widget ("type:KsWindow", "action", "win.show-page::albums");
  g_variant_unref (wait_for ("the albums page", check_page, "albums", 30));
  widget ("type:KsWindow", "action", "win.new-album");
  g_variant_unref (wait_for ("the album name dialog", check_window, "AdwMessageDialog", 30));
  widget ("type:AdwMessageDialog>type:GtkEntry", "set-text", "Holidays");
  screenshot ("new-album");
  widget ("type:AdwMessageDialog", "response", "ok");
  state = wait_for ("the new album", check_album, "Holidays", 30);
  g_assert_cmpuint (state_uint (state, "album-count"), ==, 0);

  /* Dropped on an album on screen: into the album (and the library). */
  make_photos ("album", N_ALBUM, 40);
  activate (WINDOW_PATH, "import-uris", photo_uris ("album", N_ALBUM));
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the album's photos", check_album_count, GUINT_TO_POINTER (N_ALBUM), 120);
  screenshot ("album");

  widget ("type:KsWindow", "action", "win.go-back");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the album in the list", check_label, "Holidays", 30);
  g_assert_cmpstr (state_string (state, "page"), ==, "albums");
  screenshot ("albums");
}

static void
sign_up_friend (const char *username)
{
  g_autoptr (GVariant) state = get_state ();
  g_autoptr (SoupSession) soup = ks_cloud_soup_session_new ();
  g_autoptr (KsServerInfo) server = NULL;
  g_autoptr (KsCognitoClient) cognito = NULL;
  g_autoptr (KsProfile) profile = NULL;
  g_autoptr (KsTokenStore) store = NULL;
  g_autoptr (KsSession) session = NULL;
  g_autoptr (KsApiClient) api = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gboolean confirmed = FALSE;

  ks_discover_async (soup, state_string (state, "server-url"), NULL, ks_test_store_result, &result);
  server = ks_discover_finish (ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  cognito = ks_cognito_client_new (soup, server);
  ks_cognito_client_sign_up_async (cognito, username, PASSWORD, "bob@example.com", NULL,
                                   ks_test_store_result, &result);
  ks_cognito_client_sign_up_finish (cognito, ks_test_wait_result (&result), &confirmed, &error);
  g_assert_no_error (error);
  g_assert_true (confirmed);
  g_clear_object (&result);

  /* Friends can be added once they have used the server. */
  profile = ks_profile_new ("friend", state_string (state, "server-url"), server);
  store = ks_token_store_new (KS_TOKEN_STORE_FILE, ui.photo_dir);
  session = ks_session_new (soup, profile, store);
  ks_session_sign_in_async (session, username, PASSWORD, KS_AUTH_FLOW_PASSWORD, NULL,
                            ks_test_store_result, &result);
  ks_session_sign_in_finish (session, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  api = ks_api_client_new (soup, server->api_url, KS_TOKEN_SOURCE (session));
  ks_api_client_get_me_async (api, NULL, ks_test_store_result, &result);
  ks_api_client_get_me_finish (api, ks_test_wait_result (&result), NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_share (void)
{
  g_autoptr (GVariant) state = NULL;

  sign_up_friend ("bob");

  widget ("type:KsAlbumsView>type:AdwActionRow", "activate", "");
  g_variant_unref (wait_for ("the album", check_album, "Holidays", 30));
  widget ("type:KsWindow", "action", "win.share-album");
  g_variant_unref (wait_for ("the share dialog", check_window, "KsShareDialog", 30));

  widget ("username_row", "set-text", "nobody-by-that-name");
  widget ("username_row", "emit", "apply");
  state = wait_for ("an error for an unknown user", check_label, "Nobody called", 30);
  g_clear_pointer (&state, g_variant_unref);

  widget ("role_dropdown", "select", "1");
  widget ("username_row", "set-text", "bob");
  widget ("username_row", "emit", "apply");
  state = wait_for ("bob among the members", check_label, "bob can now see", 30);
  g_assert_true (state_has_label (state, "Contributor"));
  screenshot ("share-dialog");

  widget ("type:KsShareDialog", "close", "");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the share dialog to close", check_no_window, "KsShareDialog", 30);
}

static gboolean
check_paused (GVariant     *state,
              gconstpointer count)
{
  gboolean paused = FALSE;

  g_variant_lookup (state, "uploads-paused", "b", &paused);
  return paused && state_uint (state, "uploads-total") >= GPOINTER_TO_UINT (count) &&
         state_has_label (state, "Uploads Paused");
}

/* Paused, dropped photos wait (and say so); resumed, they all arrive. */
static void
test_pause_resume (void)
{
  g_autoptr (GVariant) state = NULL;
  gint64 until;

  widget ("type:KsWindow", "action", "win.show-page::library");
  make_photos ("paused", N_PAUSED, 70);
  widget ("type:KsWindow", "action", "win.pause-uploads");
  widget ("type:KsSyncIndicator>type:GtkMenuButton", "popup", "");
  activate (WINDOW_PATH, "import-uris", photo_uris ("paused", N_PAUSED));
  state = wait_for ("uploads to be paused", check_paused, GUINT_TO_POINTER (N_PAUSED), 30);
  screenshot ("paused");

  /* Nothing moves for a while. */
  until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_clear_pointer (&state, g_variant_unref);
      state = get_state ();
      g_assert_cmpuint (state_uint (state, "uploads-done"), ==, 0);
      g_usleep (200 * 1000);
    }

  widget ("type:KsWindow", "action", "win.resume-uploads");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the uploads after resuming", check_uploads_done, NULL, 120);
  widget ("type:KsSyncIndicator>type:GtkMenuButton", "popdown", "");

  widget ("type:KsWindow", "action", "win.reload");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the resumed photos in the library", check_library,
                    GUINT_TO_POINTER (N_LIBRARY + N_ALBUM + N_PAUSED), 60);
}

static void
test_relaunch (void)
{
  g_autoptr (GVariant) state = NULL;

  quit_app ();
  screenshot ("quit");

  /* Straight to the library: the server choice from GSettings, the
   * session from the keyring. */
  launch_app ();
  state = wait_for ("the library after a relaunch", check_library,
                    GUINT_TO_POINTER (N_LIBRARY + N_ALBUM + N_PAUSED), 60);
  g_assert_cmpstr (state_string (state, "user"), ==, "alice");
  screenshot ("relaunched");

  widget ("type:KsWindow", "action", "win.show-page::albums");
  g_clear_pointer (&state, g_variant_unref);
  state = wait_for ("the album after a relaunch", check_label, "Holidays", 30);
  quit_app ();
}

/* --- Setup: under Xvfb and a throwaway keyring, or run again there */

static void
rerun_wrapped (char **argv)
{
  g_autofree char *wrapper = g_test_build_filename (G_TEST_DIST, "run-with-keyring.sh", NULL);
  g_autofree char *xvfb_run = g_find_program_in_path ("xvfb-run");
  g_autoptr (GPtrArray) args = g_ptr_array_new ();

  if (xvfb_run == NULL || g_find_program_in_path ("import") == NULL ||
      g_find_program_in_path ("gnome-keyring-daemon") == NULL)
    {
      g_printerr ("test-ui: needs xvfb-run, ImageMagick and gnome-keyring (scripts/deps.sh installs them)\n");
      exit (1);
    }
  g_setenv ("KS_UI_WRAPPED", "1", TRUE);
  g_ptr_array_add (args, xvfb_run);
  g_ptr_array_add (args, (gpointer) "-a");
  g_ptr_array_add (args, (gpointer) "-s");
  g_ptr_array_add (args, (gpointer) "-screen 0 1280x800x24");
  g_ptr_array_add (args, wrapper);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  execv (xvfb_run, (char **) args->pdata);
  g_printerr ("could not run %s: %s\n", xvfb_run, g_strerror (errno));
  exit (1);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *build_root = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *name;
  int         status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("KS_UI_WRAPPED") == NULL)
    rerun_wrapped (argv);

  build_root = g_test_build_filename (G_TEST_BUILT, "..", NULL);
  ui.app_binary = g_build_filename (build_root, "src", "app", "keepsake", NULL);
  if (!g_file_test (ui.app_binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("test-ui: %s is not built\n", ui.app_binary);
      return 1;
    }
  /* Sanitizer builds are several times slower. */
  ui.time_scale = g_getenv ("KS_UI_TIME_SCALE") != NULL ? g_ascii_strtod (g_getenv ("KS_UI_TIME_SCALE"), NULL) : 1;
#if defined(__SANITIZE_ADDRESS__)
  ui.time_scale *= 4;
#endif
  if (ui.time_scale < 1)
    ui.time_scale = 1;

  ui.shot_dir = g_build_filename (build_root, "meson-logs", "ui-screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (ui.shot_dir, 0755), ==, 0);
  dir = g_dir_open (ui.shot_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".png"))
      {
        g_autofree char *path = g_build_filename (ui.shot_dir, name, NULL);
        g_unlink (path);
      }
  ui.photo_dir = g_build_filename (g_get_home_dir (), "Pictures", NULL);
  g_assert_cmpint (g_mkdir_with_parents (ui.photo_dir, 0700), ==, 0);
  ui.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/ui/first-run", test_first_run);
  g_test_add_func ("/ui/sign-up", test_sign_up);
  g_test_add_func ("/ui/sign-in", test_sign_in);
  g_test_add_func ("/ui/drop-photos", test_drop_photos);
  g_test_add_func ("/ui/create-album", test_create_album);
  g_test_add_func ("/ui/share", test_share);
  g_test_add_func ("/ui/pause-resume", test_pause_resume);
  g_test_add_func ("/ui/relaunch", test_relaunch);
  status = g_test_run ();

  if (ui.app != NULL)
    g_subprocess_force_exit (ui.app);
  g_clear_object (&ui.app);
  g_clear_object (&ui.bus);
  g_free (ui.app_binary);
  g_free (ui.shot_dir);
  g_free (ui.photo_dir);
  return status;
}
