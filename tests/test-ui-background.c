/* test-ui-background.c: the app keeps running with its window closed
 *
 * Signed in, closing the window leaves the app on the bus, syncing; a
 * friend's photos in a shared album become a desktop notification whose
 * action opens the album in a new window; with notifications turned off
 * in Preferences a friend's photos raise none. `keepsake
 * --gapplication-service` (the autostart entry) restores the session
 * with no window, and launching `keepsake` again shows one.
 *
 * The test is the desktop's notification server: it owns
 * org.gtk.Notifications on the session bus before the app starts, which
 * is what makes GLib's GNotification pick its "gtk" backend outside a
 * sandbox, and records what the app sends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-profile.h"
#include "ks-ui-harness.h"
#include "test-cloud-transfer.h"

#define ALBUM_NAME "Holidays"
#define BACKGROUND_HINT_ID "background"
#define N_LATE 6
#define N_KILLED 8
#define N_QUIT 4

/* --- The notification server */

typedef struct
{
  char     *id;
  char     *title;
  char     *body;
  char     *action; /* nullable: the default action */
  GVariant *target; /* nullable: its target */
} Note;

static void
note_free (Note *note)
{
  g_free (note->id);
  g_free (note->title);
  g_free (note->body);
  g_free (note->action);
  g_clear_pointer (&note->target, g_variant_unref);
  g_free (note);
}

static GPtrArray *added;   /* Note, in order */
static GPtrArray *removed; /* ids */

static const char notifications_xml[] =
    "<node>"
    "  <interface name='org.gtk.Notifications'>"
    "    <method name='AddNotification'>"
    "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "      <arg type='a{sv}' direction='in'/>"
    "    </method>"
    "    <method name='RemoveNotification'>"
    "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "    </method>"
    "  </interface>"
    "</node>";

static void
notifications_method_cb (GDBusConnection       *bus,
                         const char            *sender,
                         const char            *path,
                         const char            *interface,
                         const char            *method,
                         GVariant              *parameters,
                         GDBusMethodInvocation *invocation,
                         gpointer               user_data)
{
  const char *app_id, *id;

  if (g_str_equal (method, "AddNotification"))
    {
      g_autoptr (GVariant) fields = NULL;
      Note *note = g_new0 (Note, 1);

      g_variant_get (parameters, "(&s&s@a{sv})", &app_id, &id, &fields);
      note->id = g_strdup (id);
      g_variant_lookup (fields, "title", "s", &note->title);
      g_variant_lookup (fields, "body", "s", &note->body);
      g_variant_lookup (fields, "default-action", "s", &note->action);
      note->target = g_variant_lookup_value (fields, "default-action-target", NULL);
      g_test_message ("AddNotification %s %s: “%s” “%s”", app_id, id, note->title, note->body);
      g_assert_cmpstr (app_id, ==, APP_BUS_NAME);
      g_ptr_array_add (added, note);
    }
  else
    {
      g_variant_get (parameters, "(&s&s)", &app_id, &id);
      g_test_message ("RemoveNotification %s %s", app_id, id);
      g_assert_cmpstr (app_id, ==, APP_BUS_NAME);
      g_ptr_array_add (removed, g_strdup (id));
    }
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
notification_server_start (void)
{
  static const GDBusInterfaceVTable vtable = { notifications_method_cb, NULL, NULL, { 0 } };
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (notifications_xml, NULL);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  guint32 result = 0;

  added = g_ptr_array_new_with_free_func ((GDestroyNotify) note_free);
  removed = g_ptr_array_new_with_free_func (g_free);
  g_dbus_connection_register_object (ui.bus, "/org/gtk/Notifications", info->interfaces[0], &vtable,
                                     NULL, NULL, &error);
  g_assert_no_error (error);
  /* Owned before the app sends anything: GLib picks its backend once. */
  reply = g_dbus_connection_call_sync (ui.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.gtk.Notifications", 0x4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1);
}

/* Runs the test's main context (the notification server, the app's exit
 * status) for @seconds. */
static void
pump (double seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) (seconds * ui.time_scale * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < until)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (50 * 1000);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static guint
count_notes (const char *id)
{
  guint n = 0;

  for (guint i = 0; i < added->len; i++)
    n += g_str_equal (((Note *) g_ptr_array_index (added, i))->id, id);
  return n;
}

/* The first notification @id, from the @from-th on, whose title has
 * @title_part. */
static Note *
wait_for_note (const char *id,
               const char *title_part,
               guint       from,
               double      seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * ui.time_scale * G_USEC_PER_SEC);

  while (TRUE)
    {
      pump (0);
      for (guint i = from; i < added->len; i++)
        {
          Note *note = g_ptr_array_index (added, i);

          if (g_str_equal (note->id, id) && note->title != NULL && strstr (note->title, title_part) != NULL)
            return note;
        }
      if (g_get_monotonic_time () > deadline)
        break;
      g_usleep (100 * 1000);
    }
  ui_screenshot ("no-notification");
  g_error ("no notification %s with “%s” in its title (%u received)", id, title_part, added->len);
}

/* --- The friend: an album shared with the user, photos into it */

static char *
friend_create_album (KsApiClient *api,
                     const char  *name,
                     const char  *member)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (KsMember) added_member = NULL;

  ks_api_client_create_album_async (api, name, NULL, ks_test_store_result, &result);
  album = ks_api_client_create_album_finish (api, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  ks_api_client_add_member_async (api, album->id, member, "viewer", NULL, ks_test_store_result, &result);
  added_member = ks_api_client_add_member_finish (api, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return g_strdup (album->id);
}

/* --- Checks */

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
  return ui_check_page (state, "album") && ui_state_uint (state, "album-count") == GPOINTER_TO_UINT (count);
}

static gboolean
check_signed_in_no_window (GVariant     *state,
                           gconstpointer data)
{
  gboolean signed_in = FALSE;

  g_variant_lookup (state, "signed-in", "b", &signed_in);
  return signed_in && ui_check_no_window (state, "KsWindow");
}

static gboolean
check_cursor_moved (GVariant     *state,
                    gconstpointer before)
{
  const char *cursor = ui_state_string (state, "feed-cursor");

  return *cursor != '\0' && !g_str_equal (cursor, before);
}

static gboolean
state_bool (GVariant   *state,
            const char *key)
{
  gboolean value = FALSE;

  g_assert_true (g_variant_lookup (state, key, "b", &value));
  return value;
}

/* What the Preferences switch wrote, through the keyfile backend the app
 * runs with (ks-ui-harness.c). */
static char *
stored_setting (const char *key)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "glib-2.0", "settings", "keyfile", NULL);
  g_autoptr (GKeyFile) file = g_key_file_new ();

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_key_file_get_value (file, "io/github/keepsake/Keepsake", key, NULL);
}

static void
wait_for_setting (const char *key,
                  const char *value)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (10 * ui.time_scale * G_USEC_PER_SEC);

  while (TRUE)
    {
      g_autofree char *stored = stored_setting (key);

      if (g_strcmp0 (stored, value) == 0)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("%s is “%s”, not “%s”", key, stored, value);
      g_usleep (100 * 1000);
    }
}

/* --- The tests */

static void
test_notifications (void)
{
  g_autoptr (KsApiClient) erin = NULL;
  g_autoptr (GVariant) state = NULL;
  g_autofree char *album_id = NULL;
  g_autofree char *note_id = NULL;
  g_autofree char *cursor = NULL;
  Note            *note;
  guint            before;

  ui_sign_up_local ("dana");
  erin = ui_sign_up_friend_client ("erin");

  /* Closed, the window goes; the app stays, held, and says so once. */
  ui_widget ("type:KsWindow", "close", "");
  state = ui_wait_for ("the window to close", ui_check_no_window, "KsWindow", 30);
  note = wait_for_note (BACKGROUND_HINT_ID, "background", 0, 30);
  g_assert_nonnull (strstr (note->body, "Preferences"));
  pump (2);
  g_assert_false (ui.app_exited);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_get_state ();
  g_assert_true (state_bool (state, "signed-in"));
  g_assert_true (state_bool (state, "held"));
  g_assert_true (ui_check_no_window (state, "KsWindow"));
  ui_screenshot ("closed");

  /* A friend's photo in an album shared with the user. */
  album_id = friend_create_album (erin, ALBUM_NAME, "dana");
  ks_photo_free (ui_upload_photo (erin, album_id, "erin-first", 11));
  note_id = g_strconcat ("album-", album_id, NULL);
  note = wait_for_note (note_id, "New photos in " ALBUM_NAME, 0, 90);
  g_assert_nonnull (strstr (note->body, "erin"));
  g_assert_nonnull (strstr (note->body, ALBUM_NAME));
  g_assert_cmpstr (note->action, ==, "app.open-album");
  g_assert_nonnull (note->target);
  g_assert_true (g_variant_is_of_type (note->target, G_VARIANT_TYPE_STRING));
  g_assert_cmpstr (g_variant_get_string (note->target, NULL), ==, album_id);
  g_assert_false (ui.app_exited);

  /* What the shell does when the notification is clicked. */
  ui_activate (APP_PATH, "open-album", g_variant_new_string (album_id));
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the album in a new window", check_album, ALBUM_NAME, 60);
  g_assert_true (ui_check_window (state, "KsWindow"));
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the friend's photo", check_album_count, GUINT_TO_POINTER (1), 30);
  ui_screenshot ("album-from-notification");
  pump (1);
  g_assert_true (g_ptr_array_find_with_equal_func (removed, note_id, g_str_equal, NULL));

  /* Off in Preferences: a friend's next photo raises nothing. */
  ui_activate (APP_PATH, "preferences", NULL);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("Preferences", ui_check_window, "KsPreferencesWindow", 30);
  ui_widget ("notifications_switch", "activate", "");
  wait_for_setting ("notifications", "false");
  ui_screenshot ("notifications-off");
  ui_widget ("type:KsPreferencesWindow", "close", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("Preferences to close", ui_check_no_window, "KsPreferencesWindow", 30);
  cursor = g_strdup (ui_state_string (state, "feed-cursor"));
  g_assert_cmpstr (cursor, !=, "");

  before = added->len;
  ks_photo_free (ui_upload_photo (erin, album_id, "erin-second", 12));
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the change feed to see the photo", check_cursor_moved, cursor, 60);
  /* Longer than the follower gathers events for before notifying. */
  pump (6);
  g_assert_cmpuint (added->len, ==, before);

  ui_widget ("type:KsWindow", "action", "win.reload");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("both photos", check_album_count, GUINT_TO_POINTER (2), 30);
  ui_quit_app ();
}

static void
test_service (void)
{
  static const char *const service[] = { "--gapplication-service", NULL };
  g_autoptr (GVariant) state = NULL;
  guint hints = count_notes (BACKGROUND_HINT_ID);

  /* What the autostart entry runs: no window, the session restored. */
  ui_launch_app_with_args (service, FALSE);
  state = ui_wait_for ("signed in without a window", check_signed_in_no_window, NULL, 60);
  g_assert_cmpstr (ui_state_string (state, "user"), ==, "dana");
  g_assert_true (state_bool (state, "held"));
  ui_screenshot ("service");

  /* GApplication ends a service nothing holds after ten seconds. */
  pump (12);
  g_assert_false (ui.app_exited);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_get_state ();
  g_assert_true (ui_check_no_window (state, "KsWindow"));

  /* Launched again: a window showing the library at once, no loading. */
  ui_launch_again ();
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the window", ui_check_window, "KsWindow", 30);
  g_assert_cmpstr (ui_state_string (state, "stack"), ==, "main");
  g_assert_cmpstr (ui_state_string (state, "page"), ==, "library");
  ui_screenshot ("window-from-service");

  /* Into the background again: the hint was shown before, not again. */
  ui_widget ("type:KsWindow", "close", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the window to close", ui_check_no_window, "KsWindow", 30);
  pump (3);
  g_assert_false (ui.app_exited);
  g_assert_cmpuint (count_notes (BACKGROUND_HINT_ID), ==, hints);
  ui_quit_app ();
}

/* Drops @name: a folder of @n_photos new photos ("@prefix-*.jpg", from
 * @seed) among 40,000 other files, so that listing it takes a while. */
static void
drop_crowded_folder (const char *name,
                     const char *prefix,
                     guint       n_photos,
                     guint       seed)
{
  g_autofree char *folder = g_build_filename (ui.photo_dir, name, NULL);
  g_autofree char *script = g_strdup_printf ("mkdir '%s' && mv '%s'/%s-*.jpg '%s' && cd '%s' && "
                                             "seq -f 'notes-%%05g.txt' 40000 | xargs touch",
                                             folder, ui.photo_dir, prefix, folder, folder);
  g_autofree char *uri = g_filename_to_uri (folder, NULL, NULL);
  const char      *uris[] = { uri, NULL };

  ui_make_photos (prefix, n_photos, seed);
  ui_run_shell (script);
  ui_activate (WINDOW_PATH, "import-uris", g_variant_new_strv (uris, -1));
}

/* With "run-in-background" off, closing the window mid-upload still
 * finishes the upload (the queue belongs to the application), then the
 * app exits by itself. */
static void
test_uploads_outlive_window (void)
{
  g_autoptr (GVariant) state = NULL;
  gint64 deadline;

  ui_launch_app ();
  g_variant_unref (ui_wait_for ("the library", ui_check_library, GUINT_TO_POINTER (0), 60));
  ui_activate (APP_PATH, "preferences", NULL);
  g_variant_unref (ui_wait_for ("Preferences", ui_check_window, "KsPreferencesWindow", 30));
  ui_widget ("background_switch", "activate", "");
  wait_for_setting ("run-in-background", "false");
  ui_widget ("type:KsPreferencesWindow", "close", "");
  g_variant_unref (ui_wait_for ("Preferences to close", ui_check_no_window, "KsPreferencesWindow", 30));

  /* A folder, closed at once: its photos, listed on a worker thread
   * among many other files, keep the app running too. */
  drop_crowded_folder ("Late", "late", N_LATE, 90);
  ui_widget ("type:KsWindow", "close", "");

  deadline = g_get_monotonic_time () + (gint64) (120 * ui.time_scale * G_USEC_PER_SEC);
  while (!ui.app_exited && g_get_monotonic_time () < deadline)
    pump (0.2);
  g_assert_true (ui.app_exited);
  g_assert_true (g_subprocess_get_if_exited (ui.app));
  g_assert_cmpint (g_subprocess_get_exit_status (ui.app), ==, 0);
  g_clear_object (&ui.app);

  ui_launch_app ();
  state = ui_wait_for ("the photos uploaded with the window closed", ui_check_library,
                       GUINT_TO_POINTER (N_LATE), 60);
  ui_screenshot ("uploaded-while-closed");
  ui_quit_app ();
}

/* Paused, with the drops in the journal (written on a worker). */
static gboolean
check_paused_drops (GVariant     *state,
                    gconstpointer count)
{
  gboolean paused = FALSE;
  gboolean recording = TRUE;

  g_variant_lookup (state, "uploads-paused", "b", &paused);
  g_variant_lookup (state, "uploads-recording", "b", &recording);
  return paused && !recording && ui_state_uint (state, "uploads-total") == GPOINTER_TO_UINT (count) &&
         ui_state_uint (state, "uploads-done") == 0;
}

/* After a restart, paused still: the photos dropped before it wait with
 * their placeholders back, in the queue and first in the library. */
static gboolean
check_restored_drops (GVariant     *state,
                      gconstpointer count)
{
  return check_paused_drops (state, count) &&
         ui_check_library (state, GUINT_TO_POINTER (N_LATE + GPOINTER_TO_UINT (count)));
}

static gboolean
check_engine_paused (GVariant     *state,
                     gconstpointer data)
{
  return g_strcmp0 (ui_state_string (state, "engine-state"), "paused") == 0 &&
         g_strcmp0 (ui_state_string (state, "sync-status"), "Uploads Paused") == 0;
}

static gboolean
check_one_failed (GVariant     *state,
                  gconstpointer data)
{
  gboolean busy = TRUE;

  g_variant_lookup (state, "uploads-busy", "b", &busy);
  return !busy && ui_state_uint (state, "uploads-failed") == 1;
}

/* The selection bar is up, its Delete usable or not. */
static gboolean
check_delete_enabled (GVariant     *state,
                      gconstpointer enabled)
{
  g_autofree const char **insensitive = NULL;

  if (!ui_state_has_label (state, "Selected") || !g_variant_lookup (state, "insensitive-buttons", "^a&s", &insensitive))
    return FALSE;
  return g_strv_contains ((const char *const *) insensitive, "_Delete") != GPOINTER_TO_INT (enabled);
}

static gboolean
check_none_failed (GVariant     *state,
                   gconstpointer count)
{
  g_autofree const char **failures = NULL;

  return ui_state_uint (state, "uploads-failed") == 0 && ui_state_uint (state, "library-count") == GPOINTER_TO_UINT (count) &&
         g_variant_lookup (state, "folder-failures", "^a&s", &failures) && failures[0] == NULL &&
         g_str_equal (ui_state_string (state, "sync-status"), "Up to Date");
}

/* Photos dropped and not yet uploaded are in the sync journal a moment
 * after they are dropped: the app killed before it could upload any,
 * their placeholders are back after a relaunch, and they all arrive,
 * once each. A dropped file that is
 * not a photo fails, saying so. */
static void
test_drops_survive_kill (void)
{
  g_autoptr (GVariant) state = NULL;
  g_autofree char *note = g_build_filename (ui.photo_dir, "notes.jpg", NULL);
  g_autofree char *note_uri = g_filename_to_uri (note, NULL, NULL);
  const char      *note_uris[] = { note_uri, NULL };
  gint64           deadline;

  ui_launch_app ();
  g_variant_unref (ui_wait_for ("the library", ui_check_library, GUINT_TO_POINTER (N_LATE), 60));
  ui_widget ("type:KsWindow", "action", "win.pause-uploads");
  ui_make_photos ("killed", N_KILLED, 120);
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("killed", N_KILLED));
  g_variant_unref (ui_wait_for ("the drops to wait", check_paused_drops, GUINT_TO_POINTER (N_KILLED), 30));
  ui_screenshot ("dropped-paused");

  g_subprocess_send_signal (ui.app, SIGKILL);
  deadline = g_get_monotonic_time () + (gint64) (30 * ui.time_scale * G_USEC_PER_SEC);
  while (!ui.app_exited && g_get_monotonic_time () < deadline)
    pump (0.1);
  g_assert_true (ui.app_exited);
  g_assert_true (g_subprocess_get_if_signaled (ui.app));
  g_clear_object (&ui.app);

  /* Paused still: the engine remembers. */
  ui_launch_app ();
  g_variant_unref (ui_wait_for ("the paused uploads", check_engine_paused, NULL, 60));
  g_variant_unref (ui_wait_for ("the placeholders of the drops", check_restored_drops, GUINT_TO_POINTER (N_KILLED), 60));
  ui_screenshot ("restored-after-crash");

  /* One of them selected while it waits offers nothing to delete; once
   * it is a photo it does, without being selected again. */
  ui_widget ("type:KsPhotoGrid>type:GtkGridView", "action", "list.select-item((uint32 0, false, false))");
  g_variant_unref (ui_wait_for ("a waiting placeholder selected", check_delete_enabled, GINT_TO_POINTER (FALSE), 30));
  ui_widget ("type:KsWindow", "action", "win.resume-uploads");
  g_variant_unref (ui_wait_for ("the photos dropped before the crash", ui_check_uploads_done, NULL, 120));
  g_variant_unref (ui_wait_for ("the selected one deletable", check_delete_enabled, GINT_TO_POINTER (TRUE), 30));
  ui_widget ("type:KsPhotoGrid", "action", "grid.unselect-all");
  state = ui_wait_for ("the library with them", ui_check_library, GUINT_TO_POINTER (N_LATE + N_KILLED), 30);
  ui_screenshot ("after-crash");

  g_assert_true (g_file_set_contents (note, "Not a photo, whatever its name says.\n", -1, NULL));
  ui_activate (WINDOW_PATH, "import-uris", g_variant_new_strv (note_uris, -1));
  g_clear_pointer (&state, g_variant_unref);
  g_variant_unref (ui_wait_for ("the note to fail", check_one_failed, NULL, 60));
  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popup", "");
  state = ui_wait_for ("why it failed", ui_check_label, "“notes.jpg” is not a photo", 10);
  ui_screenshot ("not-a-photo");
  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popdown", "");
  g_assert_cmpuint (ui_state_uint (state, "library-count"), ==, N_LATE + N_KILLED + 1);

  /* Selected alone, its placeholder (first in the library) offers
   * nothing to delete or download; with a photo beside it, it does. */
  ui_widget ("type:KsPhotoGrid>type:GtkGridView", "action", "list.select-item((uint32 0, false, false))");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("only the placeholder selected", check_delete_enabled, GINT_TO_POINTER (FALSE), 30);
  ui_widget ("type:KsPhotoGrid>type:GtkGridView", "action", "list.select-item((uint32 1, true, false))");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("a photo selected too", check_delete_enabled, GINT_TO_POINTER (TRUE), 30);
  ui_widget ("type:KsPhotoGrid", "action", "grid.unselect-all");

  /* Given up on, from the Folders page: its placeholder goes too. */
  ui_widget ("type:KsWindow", "action", "win.show-page::folders");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the note listed as failed", ui_check_label, "Ignore", 30);
  ui_widget ("label:_Ignore", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("nothing failed", check_none_failed, GUINT_TO_POINTER (N_LATE + N_KILLED), 30);
  ui_quit_app ();
}

/* Quitting right after a folder was dropped waits, with no window,
 * until its photos are in the journal (the folder, among many other
 * files, takes a while to list): they upload at the next launch. */
static void
test_quit_keeps_drops (void)
{
  ui_launch_app ();
  g_variant_unref (ui_wait_for ("the library", ui_check_library, GUINT_TO_POINTER (N_LATE + N_KILLED), 60));
  drop_crowded_folder ("Quit", "quit", N_QUIT, 150);
  ui_quit_app ();

  ui_launch_app ();
  g_variant_unref (ui_wait_for ("the photos dropped just before quitting", ui_check_library,
                                GUINT_TO_POINTER (N_LATE + N_KILLED + N_QUIT), 120));
  ui_quit_app ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  ui_init (&argc, &argv, "ui-background");
  notification_server_start ();

  g_test_add_func ("/ui-background/notifications", test_notifications);
  g_test_add_func ("/ui-background/service", test_service);
  g_test_add_func ("/ui-background/uploads-outlive-window", test_uploads_outlive_window);
  g_test_add_func ("/ui-background/drops-survive-kill", test_drops_survive_kill);
  g_test_add_func ("/ui-background/quit-keeps-drops", test_quit_keeps_drops);
  status = g_test_run ();
  g_clear_pointer (&added, g_ptr_array_unref);
  g_clear_pointer (&removed, g_ptr_array_unref);
  return ui_finish (status);
}
