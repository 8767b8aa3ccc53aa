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

struct _KsApplication
{
  AdwApplication parent_instance;

  GSettings     *settings;
  KsAccount     *account;
  KsSyncService *sync;
};

G_DEFINE_FINAL_TYPE (KsApplication, ks_application, ADW_TYPE_APPLICATION)

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

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  KsApplication *self = user_data;
  GList         *windows;

  /* Closing windows first lets them save their state. A closed window
   * leaves the application's list, so walk a copy. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) g_object_ref, NULL);
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
  g_application_quit (G_APPLICATION (self));
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

/* Without the background portal (Debian 12's GNOME has it, but not every
 * desktop), an autostart entry is what starts apps at login. */
static void
start_at_login_changed_cb (GSettings     *settings,
                           const char    *key,
                           KsApplication *self)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_strdup_printf ("%s/%s.desktop", dir, APP_ID);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;

  if (!g_settings_get_boolean (settings, key))
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

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "preferences", preferences_activated },
  { "about", about_activated },
};

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
  self->sync = ks_sync_service_new (self->account, self->settings);
  g_signal_connect_object (self->settings, "changed::start-at-login",
                           G_CALLBACK (start_at_login_changed_cb), self, 0);

  /* Development only: what tests/test-ui.c sees and drives the app with. */
  if (g_getenv ("KEEPSAKE_TEST_HOOKS") != NULL)
    ks_test_hooks_install (self);
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
  KsWindow *window;

  g_application_activate (application);
  window = KS_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (application)));
  for (int i = 0; i < n_files; i++)
    g_list_store_append (store, files[i]);
  ks_window_import_files (window, G_LIST_MODEL (store), FALSE);
}

static void
ks_application_shutdown (GApplication *application)
{
  KsApplication *self = KS_APPLICATION (application);

  /* Uploads stop before the local server they talk to does. */
  if (self->sync != NULL)
    ks_sync_service_shutdown (self->sync);
  if (self->account != NULL)
    ks_account_shutdown (self->account);

  G_APPLICATION_CLASS (ks_application_parent_class)->shutdown (application);
}

static void
ks_application_dispose (GObject *object)
{
  KsApplication *self = KS_APPLICATION (object);

  g_clear_object (&self->sync);
  g_clear_object (&self->account);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_application_parent_class)->dispose (object);
}

static void
ks_application_class_init (KsApplicationClass *klass)
{
  GObjectClass      *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = ks_application_dispose;
  app_class->startup = ks_application_startup;
  app_class->activate = ks_application_activate;
  app_class->open = ks_application_open;
  app_class->shutdown = ks_application_shutdown;
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
