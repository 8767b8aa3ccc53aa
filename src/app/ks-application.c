/* ks-application.c: the Keepsake application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-application.h"
#include "ks-preferences-window.h"
#include "ks-sync-service.h"
#include "ks-test-hooks.h"
#include "ks-window.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define BACKGROUND_HINT_ID "background"

struct _KsApplication
{
  AdwApplication parent_instance;

  GSettings     *settings;
  KsAccount     *account;
  KsSyncService *sync;
  KsUploadQueue *queue;         /* nullable: the service's, watched for "busy" */
  GCancellable  *cancellable;   /* nullable: the profile's opening */
  char          *open_error;    /* nullable */
  char          *pending_album; /* nullable: app.open-album before sign-in */
  guint          portal_response_id;
  gboolean       opening;
  gboolean       held;
  gboolean       quitting;
  guint          quit_timeout_id; /* quitting, waiting for drops to be recorded */
};

G_DEFINE_FINAL_TYPE (KsApplication, ks_application, ADW_TYPE_APPLICATION)

enum
{
  PROP_0,
  PROP_OPENING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Uninstalled runs from the build tree use the schema compiled there;
 * installed ones only ever see the system's. */
static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchemaSource) build_source = NULL;
  g_autoptr (GSettingsSchema) schema = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, KS_SCHEMA_ID, TRUE);
  if (schema == NULL && exe != NULL && g_str_has_prefix (exe, KS_BUILD_ROOT "/"))
    {
      build_source = g_settings_schema_source_new_from_directory (KS_BUILD_SCHEMA_DIR, source,
                                                                  FALSE, NULL);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, KS_SCHEMA_ID, FALSE);
    }
  if (schema == NULL)
    g_error ("The GSettings schema %s is not installed", KS_SCHEMA_ID);

  return g_settings_new_full (schema, NULL, NULL);
}

/* --- Running in the background */

/* Exactly one hold while there is a reason to run without a window:
 * opening the profile (a service start has nothing else yet), someone
 * signed in with "run-in-background" on, or dropped photos uploading. */
static void
update_hold (KsApplication *self)
{
  gboolean signed_in = ks_account_get_signed_in (self->account);
  gboolean uploading = self->queue != NULL && ks_upload_queue_get_busy (self->queue);
  gboolean want = !self->quitting &&
                  (self->opening ||
                   (signed_in && (g_settings_get_boolean (self->settings, "run-in-background") || uploading)));

  if (want == self->held)
    return;
  self->held = want;
  if (want)
    g_application_hold (G_APPLICATION (self));
  else
    g_application_release (G_APPLICATION (self));
}

static void
queue_changed_cb (KsApplication *self)
{
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_set_object (&self->queue, ks_sync_service_get_upload_queue (self->sync));
  if (self->queue != NULL)
    g_signal_connect_object (self->queue, "notify::busy", G_CALLBACK (update_hold), self,
                             G_CONNECT_SWAPPED);
  update_hold (self);
}

/* Once ever: the first time the last window closes into the background. */
static void
show_background_hint (KsApplication *self)
{
  g_autoptr (GNotification) notification = NULL;

  if (!self->held || self->quitting || !ks_account_get_signed_in (self->account) ||
      !g_settings_get_boolean (self->settings, "run-in-background") ||
      g_settings_get_boolean (self->settings, "background-hint-shown"))
    return;

  notification = g_notification_new (_ ("Keepsake keeps syncing in the background"));
  g_notification_set_body (notification, _ ("Turn this off in Preferences"));
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_LOW);
  g_notification_set_default_action (notification, "app.preferences");
  g_application_send_notification (G_APPLICATION (self), BACKGROUND_HINT_ID, notification);
  g_settings_set_boolean (self->settings, "background-hint-shown", TRUE);
}

static void
ks_application_window_removed (GtkApplication *application,
                               GtkWindow      *window)
{
  KsApplication *self = KS_APPLICATION (application);

  GTK_APPLICATION_CLASS (ks_application_parent_class)->window_removed (application, window);

  if (gtk_application_get_windows (application) == NULL)
    show_background_hint (self);
}

/* --- Starting at login: the background portal in a sandbox, an
 * autostart entry elsewhere */

static void
portal_response_cb (GDBusConnection *bus,
                    const char      *sender,
                    const char      *path,
                    const char      *interface,
                    const char      *signal,
                    GVariant        *parameters,
                    gpointer         user_data)
{
  KsApplication *self = user_data;
  guint32        response = 2;
  gboolean       autostart = FALSE;
  g_autoptr (GVariant) results = NULL;

  g_dbus_connection_signal_unsubscribe (bus, self->portal_response_id);
  self->portal_response_id = 0;
  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;
  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  g_variant_lookup (results, "autostart", "b", &autostart);
  if (g_settings_get_boolean (self->settings, "start-at-login") && (response != 0 || !autostart))
    {
      g_message ("The desktop did not allow Keepsake to start at login (response %u)", response);
      g_settings_set_boolean (self->settings, "start-at-login", FALSE);
    }
}

static void
portal_called_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_warning ("Could not ask the desktop to start Keepsake at login: %s", error->message);
}

static void
request_background (KsApplication *self,
                    gboolean       autostart)
{
  GDBusConnection   *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  static const char *commandline[] = { "keepsake", "--gapplication-service", NULL };
  g_autofree char   *token = g_strdup_printf ("keepsake%u", g_random_int ());
  g_autofree char   *sender = NULL;
  g_autofree char   *path = NULL;
  GVariantBuilder    options;

  if (bus == NULL)
    return;

  /* The reply comes as a signal on a path made from the token. */
  sender = g_strdup (g_dbus_connection_get_unique_name (bus) + 1);
  g_strdelimit (sender, ".", '_');
  path = g_strconcat (PORTAL_PATH "/request/", sender, "/", token, NULL);
  if (self->portal_response_id != 0)
    g_dbus_connection_signal_unsubscribe (bus, self->portal_response_id);
  self->portal_response_id =
      g_dbus_connection_signal_subscribe (bus, PORTAL_BUS_NAME, "org.freedesktop.portal.Request", "Response",
                                          path, NULL, G_DBUS_SIGNAL_FLAGS_NONE, portal_response_cb, self, NULL);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_ ("Keepsake keeps your folders and shared albums up to date")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));
  g_dbus_connection_call (bus, PORTAL_BUS_NAME, PORTAL_PATH, "org.freedesktop.portal.Background",
                          "RequestBackground", g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, portal_called_cb, NULL);
}

static void
write_autostart_file (gboolean enabled)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_strdup_printf ("%s/%s.desktop", dir, APP_ID);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;

  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        g_warning ("Could not remove %s: %s", path, g_strerror (errno));
      return;
    }

  contents = g_strdup_printf ("[Desktop Entry]\n"
                              "Type=Application\n"
                              "Name=%s\n"
                              "Exec=keepsake --gapplication-service\n"
                              "Icon=%s\n"
                              "NoDisplay=true\n"
                              "X-GNOME-Autostart-enabled=true\n",
                              _ ("Keepsake"), APP_ID);
  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !g_file_set_contents (path, contents, -1, &error))
    g_warning ("Could not write %s: %s", path, error != NULL ? error->message : g_strerror (errno));
}

static void
start_at_login_changed_cb (KsApplication *self)
{
  gboolean enabled = g_settings_get_boolean (self->settings, "start-at-login");

  /* A sandboxed app's autostart directory is its own, which no session
   * reads: only the portal can do it there. */
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    request_background (self, enabled);
  else
    write_autostart_file (enabled);
}

/* --- Notifications */

static char *
album_notification_id (const char *album_id)
{
  return g_strconcat ("album-", album_id, NULL);
}

static void
feed_notification_cb (KsApplication      *self,
                      KsFeedNotification *note)
{
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = ks_feed_notification_to_string (note);
  g_autofree char *id = album_notification_id (note->album_id);

  if (!g_settings_get_boolean (self->settings, "notifications"))
    return;

  if (note->kind == KS_FEED_NOTIFICATION_ALBUM_SHARED)
    /* Translators: a notification's title; %s is an album name */
    title = g_strdup_printf (_ ("New shared album: %s"), note->album_name);
  else
    /* Translators: a notification's title; %s is an album name */
    title = g_strdup_printf (_ ("New photos in %s"), note->album_name);
  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  g_notification_set_default_action_and_target (notification, "app.open-album", "s", note->album_id);
  /* One per album: more news about it replaces what is shown. */
  g_application_send_notification (G_APPLICATION (self), id, notification);
}

/* --- Opening the saved profile */

static void
set_opening (KsApplication *self,
             gboolean       opening)
{
  if (self->opening == opening)
    return;
  self->opening = opening;
  update_hold (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPENING]);
}

static KsWindow *
present_window (KsApplication *self)
{
  g_application_activate (G_APPLICATION (self));
  return KS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (self)));
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (KsApplication) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *album_id = NULL;

  if (!ks_account_open_finish (KS_ACCOUNT (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not open the saved profile: %s", error->message);
      self->open_error = g_strdup (error->message);
    }
  g_clear_object (&self->cancellable);
  set_opening (self, FALSE);

  album_id = g_steal_pointer (&self->pending_album);
  if (album_id != NULL && ks_account_get_signed_in (self->account))
    ks_window_open_album_by_id (present_window (self), album_id);
}

void
ks_application_open_account (KsApplication *self)
{
  g_return_if_fail (KS_IS_APPLICATION (self));

  if (self->opening || ks_account_get_signed_in (self->account) ||
      !ks_account_has_profile (self->account))
    return;

  g_clear_pointer (&self->open_error, g_free);
  self->cancellable = g_cancellable_new ();
  set_opening (self, TRUE);
  ks_account_open_async (self->account, self->cancellable, opened_cb, g_object_ref (self));
}

static void
signed_in_changed_cb (KsApplication *self)
{
  if (ks_account_get_signed_in (self->account))
    g_clear_pointer (&self->open_error, g_free);
  update_hold (self);
}

/* --- Actions */

/* How long quitting waits for dropped files to reach the journal (a
 * folder of tens of thousands is listed in a second or two). */
#define QUIT_WAIT_S 30

static void recording_cb (KsApplication *self);

/* Ends the wait quit_activated() began, and quits. */
static void
stop_waiting_and_quit (KsApplication *self)
{
  g_clear_handle_id (&self->quit_timeout_id, g_source_remove);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_func (self->queue, recording_cb, self);
  g_application_release (G_APPLICATION (self));
  g_application_quit (G_APPLICATION (self));
}

static void
recording_cb (KsApplication *self)
{
  if (!ks_upload_queue_get_recording (self->queue))
    stop_waiting_and_quit (self);
}

static gboolean
quit_timeout_cb (gpointer user_data)
{
  KsApplication *self = user_data;

  g_warning ("Quitting with dropped files not yet recorded: they were not uploaded");
  self->quit_timeout_id = 0;
  stop_waiting_and_quit (self);
  return G_SOURCE_REMOVE;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  KsApplication *self = user_data;
  GList         *windows;

  self->quitting = TRUE;
  update_hold (self);

  /* Closing windows first lets them save their state. A closed window
   * leaves the application's list, so walk a copy. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);

  /* Photos just dropped are lost unless they reach the journal, which
   * a worker writes: wait for it, with no window left. */
  if (self->quit_timeout_id != 0)
    return;
  if (self->queue != NULL && ks_upload_queue_get_recording (self->queue))
    {
      g_application_hold (G_APPLICATION (self));
      self->quit_timeout_id = g_timeout_add_seconds (QUIT_WAIT_S, quit_timeout_cb, self);
      g_signal_connect_object (self->queue, "notify::recording", G_CALLBACK (recording_cb), self,
                               G_CONNECT_SWAPPED);
      return;
    }
  g_application_quit (G_APPLICATION (self));
}

/* The default action of a friend's-photos notification. */
static void
open_album_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  KsApplication   *self = user_data;
  const char      *album_id = g_variant_get_string (parameter, NULL);
  g_autofree char *id = album_notification_id (album_id);
  KsWindow        *window;

  g_application_withdraw_notification (G_APPLICATION (self), id);
  window = present_window (self);
  if (ks_account_get_signed_in (self->account))
    ks_window_open_album_by_id (window, album_id);
  else if (self->opening)
    {
      /* Launched by the notification: the session is still being restored. */
      g_free (self->pending_album);
      self->pending_album = g_strdup (album_id);
    }
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KsApplication       *self = user_data;
  GtkWindow           *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  KsPreferencesWindow *preferences = ks_preferences_window_new (self);

  gtk_window_set_transient_for (GTK_WINDOW (preferences), parent);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  KsApplication *self = user_data;
  GtkWindow     *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char    *developers[] = { _ ("The Keepsake contributors"), NULL };
  GtkWidget     *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-icon", APP_ID,
                        "application-name", _ ("Keepsake"),
                        "developer-name", _ ("The Keepsake contributors"),
                        "version", PACKAGE_VERSION,
                        "comments", _ ("Share photos with friends, from a desktop that "
                                       "respects your files."),
                        "website", "https://github.com/keepsake/keepsake",
                        "issue-url", "https://github.com/keepsake/keepsake/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: your names, one per line */
                        "translator-credits", _ ("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "preferences", preferences_activated },
  { "about", about_activated },
  { "open-album", open_album_activated, "s" },
};

/* --- GApplication */

static void
ks_application_startup (GApplication *application)
{
  KsApplication     *self = KS_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (ks_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);

  self->settings = settings_new ();
  self->account = ks_account_new (self->settings);
  /* Connected before any window: the service reacts to signing in first. */
  self->sync = ks_sync_service_new (self->account, self->settings);
  g_signal_connect_object (self->settings, "changed::start-at-login",
                           G_CALLBACK (start_at_login_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::run-in-background", G_CALLBACK (update_hold),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::signed-in", G_CALLBACK (signed_in_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync, "notify::upload-queue", G_CALLBACK (queue_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sync, "notification", G_CALLBACK (feed_notification_cb), self,
                           G_CONNECT_SWAPPED);

  /* Development only: what tests/test-ui.c sees and drives the app with. */
  if (g_getenv ("KEEPSAKE_TEST_HOOKS") != NULL)
    ks_test_hooks_install (self);

  /* With or without a window (a service start has none). */
  ks_application_open_account (self);
}

static void
ks_application_activate (GApplication *application)
{
  KsApplication *self = KS_APPLICATION (application);
  GtkWindow     *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (ks_window_new (self));
  gtk_window_present (window);
}

/* `keepsake photo.jpg …`, or "Open With" in Files: into the library. */
static void
ks_application_open (GApplication *application,
                     GFile       **files,
                     int           n_files,
                     const char   *hint)
{
  g_autoptr (GListStore) store = g_list_store_new (G_TYPE_FILE);
  KsWindow *window = present_window (KS_APPLICATION (application));

  for (int i = 0; i < n_files; i++)
    g_list_store_append (store, files[i]);
  ks_window_import_files (window, G_LIST_MODEL (store), FALSE);
}

static void
ks_application_shutdown (GApplication *application)
{
  KsApplication *self = KS_APPLICATION (application);

  self->quitting = TRUE;
  g_clear_handle_id (&self->quit_timeout_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->portal_response_id != 0)
    g_dbus_connection_signal_unsubscribe (g_application_get_dbus_connection (application),
                                          self->portal_response_id);
  self->portal_response_id = 0;
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_object (&self->queue);
  /* Uploads stop before the local server they talk to does. */
  if (self->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sync, self);
      ks_sync_service_shutdown (self->sync);
    }
  if (self->account != NULL)
    ks_account_shutdown (self->account);

  G_APPLICATION_CLASS (ks_application_parent_class)->shutdown (application);
}

static void
ks_application_dispose (GObject *object)
{
  KsApplication *self = KS_APPLICATION (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->queue);
  g_clear_object (&self->sync);
  g_clear_object (&self->account);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_application_parent_class)->dispose (object);
}

static void
ks_application_finalize (GObject *object)
{
  KsApplication *self = KS_APPLICATION (object);

  g_free (self->open_error);
  g_free (self->pending_album);

  G_OBJECT_CLASS (ks_application_parent_class)->finalize (object);
}

static void
ks_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsApplication *self = KS_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_OPENING:
      g_value_set_boolean (value, self->opening);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_application_class_init (KsApplicationClass *klass)
{
  GObjectClass        *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass   *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  object_class->dispose = ks_application_dispose;
  object_class->finalize = ks_application_finalize;
  object_class->get_property = ks_application_get_property;
  app_class->startup = ks_application_startup;
  app_class->activate = ks_application_activate;
  app_class->open = ks_application_open;
  app_class->shutdown = ks_application_shutdown;
  gtk_app_class->window_removed = ks_application_window_removed;

  properties[PROP_OPENING] =
      g_param_spec_boolean ("opening", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_application_init (KsApplication *self)
{
  g_set_application_name (_ ("Keepsake"));
  gtk_window_set_default_icon_name (APP_ID);
}

KsApplication *
ks_application_new (void)
{
  return g_object_new (KS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/keepsake/Keepsake",
                       NULL);
}

GSettings *
ks_application_get_settings (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->settings;
}

KsAccount *
ks_application_get_account (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->account;
}

KsSyncService *
ks_application_get_sync_service (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->sync;
}

gboolean
ks_application_get_opening (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), FALSE);

  return self->opening;
}

const char *
ks_application_get_open_error (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), NULL);

  return self->open_error;
}

gboolean
ks_application_get_held (KsApplication *self)
{
  g_return_val_if_fail (KS_IS_APPLICATION (self), FALSE);

  return self->held;
}
