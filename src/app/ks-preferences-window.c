/* ks-preferences-window.c: account, background and notifications
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-preferences-window.h"

struct _KsPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  KsAccount *account;

  AdwActionRow *account_row;
  AdwAvatar    *avatar;
  GtkWidget    *sign_out_button;
  AdwActionRow *server_row;
  GtkImage     *server_icon;
  GtkSwitch    *background_switch;
  GtkSwitch    *autostart_switch;
  GtkSwitch    *notifications_switch;

  GSettings           *settings;
  KsSyncService       *sync;
  GtkSwitch           *metered_switch;
  GtkSwitch           *battery_switch;
  AdwComboRow         *bandwidth_row;
  GtkStringList       *bandwidth_list;
  AdwComboRow         *budget_row;
  GtkStringList       *budget_list;
  AdwPreferencesGroup *pinned_group;
  GPtrArray           *pinned_rows;
};

/* Upload limits in kilobits a second, 0 for none. */
static const guint bandwidth_choices[] = { 0, 1000, 2000, 5000, 10000, 25000, 50000 };
/* Space for shared albums, MiB. */
static const guint budget_choices[] = { 512, 1024, 2048, 5120, 10240, 20480, 51200 };

G_DEFINE_FINAL_TYPE (KsPreferencesWindow, ks_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
update_account (KsPreferencesWindow *self)
{
  const char *username = ks_account_get_username (self->account);
  gboolean    local = ks_account_is_local (self->account);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->account_row),
                                 username != NULL ? username : _ ("Signed Out"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->account_row),
                               username != NULL ? _ ("Signed in") : NULL);
  adw_avatar_set_text (self->avatar, username);
  gtk_widget_set_visible (self->sign_out_button, username != NULL);

  gtk_image_set_from_icon_name (self->server_icon, local ? "computer-symbolic" : "network-server-symbolic");
  adw_action_row_set_subtitle (self->server_row,
                               local ? _ ("This computer") : ks_account_get_server_url (self->account));
}

static void
signed_out_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (KsPreferencesWindow) self = user_data;

  ks_account_sign_out_finish (KS_ACCOUNT (source), result, NULL);
  gtk_window_close (GTK_WINDOW (self));
}

static void
sign_out_clicked_cb (KsPreferencesWindow *self)
{
  gtk_widget_set_sensitive (self->sign_out_button, FALSE);
  ks_account_sign_out_async (self->account, NULL, signed_out_cb, g_object_ref (self));
}

/* --- Syncing: choices stored as numbers, shown as sentences */

static guint
choice_index (const guint *choices,
              guint        n_choices,
              guint        value)
{
  guint best = 0;

  /* A value set elsewhere (gsettings) shows as the nearest choice. */
  for (guint i = 0; i < n_choices; i++)
    if ((value > choices[i] ? value - choices[i] : choices[i] - value) <
        (value > choices[best] ? value - choices[best] : choices[best] - value))
      best = i;
  return best;
}

static void
fill_choices (KsPreferencesWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (bandwidth_choices); i++)
    {
      g_autofree char *label = NULL;

      if (bandwidth_choices[i] == 0)
        label = g_strdup (_ ("No Limit"));
      else
        /* Translators: an upload speed, e.g. "5 Mbit/s" */
        label = g_strdup_printf (_ ("%u Mbit/s"), bandwidth_choices[i] / 1000);
      gtk_string_list_append (self->bandwidth_list, label);
    }
  for (guint i = 0; i < G_N_ELEMENTS (budget_choices); i++)
    {
      g_autofree char *label = g_format_size_full ((guint64) budget_choices[i] * 1024 * 1024,
                                                   G_FORMAT_SIZE_IEC_UNITS);

      gtk_string_list_append (self->budget_list, label);
    }
}

static void
bandwidth_selected_cb (KsPreferencesWindow *self)
{
  guint i = adw_combo_row_get_selected (self->bandwidth_row);

  if (i < G_N_ELEMENTS (bandwidth_choices))
    g_settings_set_uint (self->settings, "bandwidth-limit-kbps", bandwidth_choices[i]);
}

static void
update_budget_subtitle (KsPreferencesWindow *self)
{
  KsCache         *cache = ks_sync_service_get_cache (self->sync);
  KsCacheStatus    status;
  g_autofree char *used = NULL;
  g_autofree char *subtitle = NULL;

  if (cache == NULL)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->budget_row), NULL);
      return;
    }
  status = ks_cache_get_status (cache);
  used = g_format_size_full ((guint64) status.used, G_FORMAT_SIZE_IEC_UNITS);
  /* Translators: "120 MiB in use" */
  subtitle = g_strdup_printf (_ ("%s in use"), used);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->budget_row), subtitle);
}

static void
budget_selected_cb (KsPreferencesWindow *self)
{
  guint i = adw_combo_row_get_selected (self->budget_row);

  if (i < G_N_ELEMENTS (budget_choices))
    g_settings_set_uint (self->settings, "cache-budget-mib", budget_choices[i]);
  update_budget_subtitle (self);
}

static void
add_toast (KsPreferencesWindow *self,
           const char          *message)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
}

static void
pinned_toggled_cb (GtkSwitch           *toggle,
                   GParamSpec          *pspec,
                   KsPreferencesWindow *self)
{
  KsCache    *cache = ks_sync_service_get_cache (self->sync);
  const char *album_id = g_object_get_data (G_OBJECT (toggle), "album-id");
  gboolean    active = gtk_switch_get_active (toggle);
  g_autoptr (GError) error = NULL;

  if (cache == NULL || ks_cache_set_pinned (cache, album_id, active, active, &error))
    return;
  add_toast (self, error->message);
}

static void
update_pinned (KsPreferencesWindow *self)
{
  KsCache *cache = ks_sync_service_get_cache (self->sync);
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < self->pinned_rows->len; i++)
    adw_preferences_group_remove (self->pinned_group, g_ptr_array_index (self->pinned_rows, i));
  g_ptr_array_set_size (self->pinned_rows, 0);

  albums = cache != NULL ? ks_cache_list_albums (cache, TRUE, &error) : NULL;
  if (albums == NULL && error != NULL)
    g_warning ("Cannot list the cached albums: %s", error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->pinned_group), albums != NULL && albums->len > 0);
  for (guint i = 0; albums != NULL && i < albums->len; i++)
    {
      KsCachedAlbum   *album = g_ptr_array_index (albums, i);
      GtkWidget       *row = adw_action_row_new ();
      GtkWidget       *toggle = gtk_switch_new ();
      g_autofree char *subtitle = NULL;

      /* Translators: "alice’s album" */
      subtitle = g_strdup_printf (_ ("%s’s album"), album->owner);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), album->name);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      gtk_switch_set_active (GTK_SWITCH (toggle), album->pinned && album->keep_originals);
      g_object_set_data_full (G_OBJECT (toggle), "album-id", g_strdup (album->id), g_free);
      g_signal_connect (toggle, "notify::active", G_CALLBACK (pinned_toggled_cb), self);
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      album->name, -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      adw_preferences_group_add (self->pinned_group, row);
      g_ptr_array_add (self->pinned_rows, row);
    }
}

static void
cache_changed_cb (KsPreferencesWindow *self)
{
  update_budget_subtitle (self);
  update_pinned (self);
}

static void
ks_preferences_window_dispose (GObject *object)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (object);

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_clear_object (&self->account);
  g_clear_object (&self->sync);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pinned_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (ks_preferences_window_parent_class)->dispose (object);
}

static void
ks_preferences_window_class_init (KsPreferencesWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, account_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, avatar);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, sign_out_button);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, server_icon);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, metered_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, battery_switch);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, bandwidth_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, bandwidth_list);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, budget_row);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, budget_list);
  gtk_widget_class_bind_template_child (widget_class, KsPreferencesWindow, pinned_group);
  gtk_widget_class_bind_template_callback (widget_class, sign_out_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ks_preferences_window_init (KsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pinned_rows = g_ptr_array_new ();
  fill_choices (self);
}

KsPreferencesWindow *
ks_preferences_window_new (KsApplication *application)
{
  KsPreferencesWindow *self = g_object_new (KS_TYPE_PREFERENCES_WINDOW, NULL);
  GSettings           *settings = ks_application_get_settings (application);

  self->account = g_object_ref (ks_application_get_account (application));
  g_signal_connect_swapped (self->account, "notify::signed-in", G_CALLBACK (update_account), self);
  update_account (self);

  g_settings_bind (settings, "run-in-background", self->background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "start-at-login", self->autostart_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "notifications", self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "upload-on-metered", self->metered_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "upload-on-battery", self->battery_switch, "active", G_SETTINGS_BIND_DEFAULT);

  self->settings = g_object_ref (settings);
  adw_combo_row_set_selected (self->bandwidth_row,
                              choice_index (bandwidth_choices, G_N_ELEMENTS (bandwidth_choices),
                                            g_settings_get_uint (settings, "bandwidth-limit-kbps")));
  adw_combo_row_set_selected (self->budget_row,
                              choice_index (budget_choices, G_N_ELEMENTS (budget_choices),
                                            g_settings_get_uint (settings, "cache-budget-mib")));
  g_signal_connect_swapped (self->bandwidth_row, "notify::selected", G_CALLBACK (bandwidth_selected_cb), self);
  g_signal_connect_swapped (self->budget_row, "notify::selected", G_CALLBACK (budget_selected_cb), self);

  self->sync = g_object_ref (ks_application_get_sync_service (application));
  g_signal_connect_swapped (self->sync, "notify::cache", G_CALLBACK (cache_changed_cb), self);
  cache_changed_cb (self);
  return self;
}
