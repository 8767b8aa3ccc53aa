/* ks-ui-harness.c: the real app under Xvfb, a session bus and a throwaway keyring
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-api-client.h"
#include "ks-cognito-client.h"
#include "ks-profile.h"
#include "ks-session.h"
#include "ks-test-cloud.h"
#include "ks-token-store.h"
#include "ks-ui-harness.h"
#include "test-cloud-transfer.h"

KsUi ui;

/* --- Helpers: processes, screenshots */

static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

void
ui_screenshot (const char *name)
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

void
ui_run_shell (const char *script)
{
  /* The test's stdout is TAP: what the script prints goes to stderr. */
  g_autofree char *redirected = g_strconcat ("exec 1>&2\n", script, NULL);
  const char      *argv[] = { "sh", "-ec", redirected, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

/* Photos that look like something, each different. */
void
ui_make_photos (const char *prefix,
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
  ui_run_shell (script->str);
  g_string_free (script, TRUE);
}

GVariant *
ui_photo_uris (const char *prefix,
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

void
ui_activate (const char *path,
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

void
ui_widget (const char *selector,
           const char *verb,
           const char *argument)
{
  ui_activate (APP_PATH, "test-widget", g_variant_new ("(sss)", selector, verb, argument));
}

GVariant *
ui_get_state (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GVariant) child = NULL;
  g_autoptr (GError) error = NULL;

  ui_activate (APP_PATH, "test-state", NULL);
  reply = g_dbus_connection_call_sync (ui.bus, APP_BUS_NAME, APP_PATH, "org.gtk.Actions", "Describe",
                                       g_variant_new ("(s)", "test-state"), G_VARIANT_TYPE ("((bgav))"),
                                       G_DBUS_CALL_FLAGS_NONE, (int) (30000 * ui.time_scale), NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "((bg@av))", NULL, NULL, &state);
  g_assert_cmpuint (g_variant_n_children (state), ==, 1);
  child = g_variant_get_child_value (state, 0);
  return g_variant_get_variant (child);
}

const char *
ui_state_string (GVariant   *state,
                 const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (state, key, "&s", &value))
    return "";
  return value;
}

guint
ui_state_uint (GVariant   *state,
               const char *key)
{
  guint32 value = 0;

  g_variant_lookup (state, key, "u", &value);
  return value;
}

gboolean
ui_state_has_label (GVariant   *state,
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

/* Polls what the app shows until @check holds; on time-out, saves a
 * ui_screenshot, prints the last state and fails. */
GVariant *
ui_wait_for (const char   *what,
             UiStateCheck  check,
             gconstpointer data,
             double        seconds)
{
  gint64    deadline = g_get_monotonic_time () + (gint64) (seconds * ui.time_scale * G_USEC_PER_SEC);
  GVariant *state = NULL;

  while (TRUE)
    {
      g_clear_pointer (&state, g_variant_unref);
      state = ui_get_state ();
      if (check (state, data))
        return state;
      if (g_get_monotonic_time () > deadline)
        break;
      g_usleep (100 * 1000);
    }
  ui_screenshot ("timeout");
  {
    g_autofree char *text = g_variant_print (state, FALSE);
    g_test_message ("last state: %s", text);
  }
  g_error ("timed out waiting for %s", what);
}

gboolean
ui_check_setup_page (GVariant     *state,
                     gconstpointer page)
{
  return g_str_equal (ui_state_string (state, "stack"), "setup") &&
         g_str_equal (ui_state_string (state, "setup-page"), page);
}

gboolean
ui_check_page (GVariant     *state,
               gconstpointer page)
{
  return g_str_equal (ui_state_string (state, "stack"), "main") &&
         g_str_equal (ui_state_string (state, "page"), page);
}

gboolean
ui_check_library (GVariant     *state,
                  gconstpointer count)
{
  gboolean loaded = FALSE;

  g_variant_lookup (state, "library-loaded", "b", &loaded);
  return ui_check_page (state, "library") && loaded &&
         ui_state_uint (state, "library-count") == GPOINTER_TO_UINT (count);
}

/* The queue forgets its counts once idle; failures stay. */
gboolean
ui_check_uploads_done (GVariant     *state,
                       gconstpointer data)
{
  gboolean busy = TRUE;

  g_variant_lookup (state, "uploads-busy", "b", &busy);
  return !busy && ui_state_uint (state, "uploads-failed") == 0;
}

gboolean
ui_check_label (GVariant     *state,
                gconstpointer text)
{
  return ui_state_has_label (state, text);
}

gboolean
ui_check_window (GVariant     *state,
                 gconstpointer type)
{
  g_autofree const char **windows = NULL;

  return g_variant_lookup (state, "windows", "^a&s", &windows) &&
         g_strv_contains ((const char *const *) windows, type);
}

gboolean
ui_check_no_window (GVariant     *state,
                    gconstpointer type)
{
  return !ui_check_window (state, type);
}

/* --- Starting and stopping the app */

static void
app_exited_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ui.app_exited = TRUE;
}

static GSubprocessLauncher *
app_launcher_new (void)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  g_subprocess_launcher_setenv (launcher, "KEEPSAKE_TEST_HOOKS", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "KEEPSAKE_SERVER", g_getenv ("KS_SERVER_BINARY"), TRUE);
  /* Settings must outlive the process: the chosen server is one. */
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", TRUE);
  /* GTK, fontconfig and pango keep caches to the end of the process,
   * which LeakSanitizer counts as leaks; the libraries under the app are
   * leak-checked by their own suites. AddressSanitizer errors stay fatal.
   * Without leak checks the full stacks (fast_unwind_on_malloc=0, for the
   * suppressions) only slow every allocation down: the frame-pointer
   * unwinder is enough to name where a bad access's memory came from. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":detect_leaks=0:fast_unwind_on_malloc=1", NULL);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan, TRUE);
    }
  /* Xvfb has no GPU: software GL under a sanitizer is too slow to drive. */
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  return launcher;
}

void
ui_launch_app (void)
{
  ui_launch_app_with_args (NULL, TRUE);
}

void
ui_launch_app_with_args (const char *const *args,
                         gboolean           with_window)
{
  g_autoptr (GSubprocessLauncher) launcher = app_launcher_new ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) (60 * ui.time_scale * G_USEC_PER_SEC);

  g_ptr_array_add (argv, ui.app_binary);
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  ui.app = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
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
  if (with_window)
    g_variant_unref (ui_wait_for ("the window", ui_check_window, "KsWindow", 60));
}

/* `keepsake` once more, as a launcher or a desktop would: it hands over
 * to the running app and exits. */
void
ui_launch_again (void)
{
  g_autoptr (GSubprocessLauncher) launcher = app_launcher_new ();
  g_autoptr (GSubprocess) second = NULL;
  g_autoptr (GError) error = NULL;

  second = g_subprocess_launcher_spawn (launcher, &error, ui.app_binary, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (second, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ui_quit_app (void)
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
      ui_screenshot ("quit-timeout");
      g_subprocess_force_exit (ui.app);
      g_error ("the app did not quit");
    }
  if (g_subprocess_get_if_signaled (ui.app))
    g_error ("the app died of signal %d while quitting", g_subprocess_get_term_sig (ui.app));
  g_assert_cmpint (g_subprocess_get_exit_status (ui.app), ==, 0);
  g_clear_object (&ui.app);
}

void
ui_sign_up_friend (const char *username)
{
  g_object_unref (ui_sign_up_friend_client (username));
}

static KsServerInfo *
discover_app_server (SoupSession *soup)
{
  g_autoptr (GVariant) state = ui_get_state ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  KsServerInfo *server;

  ks_discover_async (soup, ui_state_string (state, "server-url"), NULL, ks_test_store_result, &result);
  server = ks_discover_finish (ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return server;
}

KsApiClient *
ui_sign_in_client (const char *username)
{
  g_autoptr (SoupSession) soup = ks_cloud_soup_session_new ();
  g_autoptr (KsServerInfo) server = discover_app_server (soup);
  g_autoptr (KsProfile) profile = NULL;
  g_autoptr (KsTokenStore) store = NULL;
  g_autoptr (KsSession) session = NULL;
  g_autoptr (KsApiClient) api = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) state = ui_get_state ();

  /* Tokens in a file, under a profile named after the user: not in the
   * app's keyring, nor in another test user's file. */
  profile = ks_profile_new (username, ui_state_string (state, "server-url"), server);
  store = ks_token_store_new (KS_TOKEN_STORE_FILE, ui.photo_dir);
  session = ks_session_new (soup, profile, store);
  ks_session_sign_in_async (session, username, UI_PASSWORD, KS_AUTH_FLOW_PASSWORD, NULL,
                            ks_test_store_result, &result);
  ks_session_sign_in_finish (session, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  api = ks_api_client_new (soup, server->api_url, KS_TOKEN_SOURCE (session));
  ks_api_client_get_me_async (api, NULL, ks_test_store_result, &result);
  ks_api_client_get_me_finish (api, ks_test_wait_result (&result), NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&api);
}

KsApiClient *
ui_sign_up_friend_client (const char *username)
{
  g_autoptr (SoupSession) soup = ks_cloud_soup_session_new ();
  g_autoptr (KsServerInfo) server = discover_app_server (soup);
  g_autoptr (KsCognitoClient) cognito = ks_cognito_client_new (soup, server);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *email = g_strdup_printf ("%s@example.com", username);
  gboolean         confirmed = FALSE;

  ks_cognito_client_sign_up_async (cognito, username, UI_PASSWORD, email, NULL,
                                   ks_test_store_result, &result);
  ks_cognito_client_sign_up_finish (cognito, ks_test_wait_result (&result), &confirmed, &error);
  g_assert_no_error (error);
  g_assert_true (confirmed);
  /* Friends can be added once they have used the server. */
  return ui_sign_in_client (username);
}

KsPhoto *
ui_upload_file (KsUploader *uploader,
                const char *path,
                const char *grid,
                int         width,
                int         height)
{
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *sha256 = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (GError) error = NULL;
  guint64  size = 0;
  KsPhoto *photo;

  sha256 = xfer_file_sha256 (path, &size);
  request = xfer_request_new (sha256, (gint64) size, name);
  request->width = width;
  request->height = height;
  xfer_request_add_thumbnail (request, "grid", grid);
  photo = xfer_upload (uploader, path, request, grid, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return photo;
}

KsPhoto *
ui_upload_photo (KsApiClient *api,
                 const char  *album_id,
                 const char  *prefix,
                 guint        seed)
{
  g_autofree char *name = g_strdup_printf ("%s-00.jpg", prefix);
  g_autofree char *path = g_build_filename (ui.photo_dir, name, NULL);
  g_autofree char *grid = g_strdup_printf ("%s/%s-grid.jpg", ui.photo_dir, prefix);
  g_autofree char *resize = g_strdup_printf ("convert '%s' -resize 256x256 '%s'", path, grid);
  g_autoptr (SoupSession) soup = ks_cloud_soup_session_new ();
  g_autoptr (KsUploader) uploader = ks_uploader_new (api, soup, NULL, NULL);
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  const char *ids[2] = { NULL, NULL };

  ui_make_photos (prefix, 1, seed);
  ui_run_shell (resize);
  photo = ui_upload_file (uploader, path, grid, 900, 675);
  if (album_id == NULL)
    return g_steal_pointer (&photo);

  ids[0] = photo->id;
  ks_api_client_add_album_photos_async (api, album_id, ids, NULL, ks_test_store_result, &result);
  ks_api_client_add_album_photos_finish (api, ks_test_wait_result (&result), NULL, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&photo);
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

/* Under Xvfb and a keyring (re-running itself there first), with the
 * built app found and screenshots going to meson-logs/ui-screenshots/@name. */
void
ui_init (int        *argc,
         char     ***argv,
         const char *name)
{
  g_autofree char *build_root = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *entry;

  g_test_init (argc, argv, NULL);
  if (g_getenv ("KS_UI_WRAPPED") == NULL)
    rerun_wrapped (*argv);

  build_root = g_test_build_filename (G_TEST_BUILT, "..", NULL);
  ui.app_binary = g_build_filename (build_root, "src", "app", "keepsake", NULL);
  if (!g_file_test (ui.app_binary, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("%s: %s is not built\n", name, ui.app_binary);
      exit (1);
    }
  /* Sanitizer builds are several times slower. */
  ui.time_scale = g_getenv ("KS_UI_TIME_SCALE") != NULL ? g_ascii_strtod (g_getenv ("KS_UI_TIME_SCALE"), NULL) : 1;
#if defined(__SANITIZE_ADDRESS__)
  ui.time_scale *= 4;
#endif
  if (ui.time_scale < 1)
    ui.time_scale = 1;

  ui.shot_dir = g_build_filename (build_root, "meson-logs", "ui-screenshots", name, NULL);
  g_assert_cmpint (g_mkdir_with_parents (ui.shot_dir, 0755), ==, 0);
  dir = g_dir_open (ui.shot_dir, 0, NULL);
  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (entry, ".png"))
      {
        g_autofree char *path = g_build_filename (ui.shot_dir, entry, NULL);
        g_unlink (path);
      }
  ui.photo_dir = g_build_filename (g_get_home_dir (), "Pictures", NULL);
  g_assert_cmpint (g_mkdir_with_parents (ui.photo_dir, 0700), ==, 0);
  ui.bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
}

int
ui_finish (int status)
{
  if (ui.app != NULL)
    g_subprocess_force_exit (ui.app);
  g_clear_object (&ui.app);
  g_clear_object (&ui.bus);
  g_clear_pointer (&ui.app_binary, g_free);
  g_clear_pointer (&ui.shot_dir, g_free);
  g_clear_pointer (&ui.photo_dir, g_free);
  return status;
}

/* First run with "This computer" and a new account: ends on the empty
 * library, signed in as @username. */
void
ui_sign_out (void)
{
  ui_activate (APP_PATH, "preferences", NULL);
  g_variant_unref (ui_wait_for ("preferences", ui_check_window, "KsPreferencesWindow", 30));
  ui_widget ("sign_out_button", "activate", "");
  g_variant_unref (ui_wait_for ("preferences to close", ui_check_no_window, "KsPreferencesWindow", 30));
  g_variant_unref (ui_wait_for ("the sign-in page", ui_check_setup_page, "sign-in", 30));
}

void
ui_sign_up_local (const char *username)
{
  g_autoptr (GVariant) state = NULL;

  ui_launch_app ();
  g_variant_unref (ui_wait_for ("the welcome page", ui_check_setup_page, "welcome", 30));
  ui_widget ("local_row", "activate", "");
  g_variant_unref (ui_wait_for ("the sign-up page", ui_check_setup_page, "sign-up", 60));
  ui_widget ("sign_up_username", "set-text", username);
  ui_widget ("sign_up_password", "set-text", UI_PASSWORD);
  ui_widget ("sign_up_button", "activate", "");
  state = ui_wait_for ("an empty library", ui_check_library, GUINT_TO_POINTER (0), 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, username);
}
