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
};

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

static void
ks_preferences_window_dispose (GObject *object)
{
  KsPreferencesWindow *self = KS_PREFERENCES_WINDOW (object);

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  g_clear_object (&self->account);
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
  gtk_widget_class_bind_template_callback (widget_class, sign_out_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ks_preferences_window_init (KsPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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
  return self;
}
