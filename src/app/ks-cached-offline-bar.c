/* ks-cached-offline-bar.c: "Offline — showing the copies on this computer"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ks-application.h"
#include "ks-cached-offline-bar.h"

/* "updated 3 minutes ago" moves on while the bar shows. */
#define REFRESH_SECONDS 30

struct _KsCachedOfflineBar
{
  GtkWidget parent_instance;

  KsCache *cache; /* nullable */
  guint    refresh_id;

  GtkInfoBar *info_bar;
  GtkLabel   *label;
};

G_DEFINE_FINAL_TYPE (KsCachedOfflineBar, ks_cached_offline_bar, GTK_TYPE_WIDGET)

/* One sentence each, so translators see the whole. */
static char *
offline_text (gint64 since)
{
  gint64 minutes = since > 0 ? (g_get_real_time () - since) / G_USEC_PER_SEC / 60 : 0;
  g_autoptr (GDateTime) then = NULL;
  g_autofree char *date = NULL;

  if (minutes < 1)
    return g_strdup (_ ("Offline — showing the copies on this computer, updated just now"));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Offline — showing the copies on this computer, updated %d minute ago",
                                         "Offline — showing the copies on this computer, updated %d minutes ago",
                                         (gulong) minutes),
                            (int) minutes);
  if (minutes < 24 * 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Offline — showing the copies on this computer, updated %d hour ago",
                                         "Offline — showing the copies on this computer, updated %d hours ago",
                                         (gulong) (minutes / 60)),
                            (int) (minutes / 60));
  then = g_date_time_new_from_unix_local (since / G_USEC_PER_SEC);
  /* Translators: a date, see g_date_time_format() */
  date = then != NULL ? g_date_time_format (then, _ ("%e %B")) : g_strdup ("");
  /* Translators: %s is a date, "12 March" */
  return g_strdup_printf (_ ("Offline — showing the copies on this computer, updated on %s"), g_strstrip (date));
}

static gboolean refresh_cb (gpointer user_data);

static void
update (KsCachedOfflineBar *self)
{
  gboolean         offline = self->cache != NULL && ks_cache_get_offline (self->cache);
  g_autofree char *text = NULL;

  if (offline)
    {
      text = offline_text (ks_cache_get_offline_since (self->cache));
      gtk_label_set_label (self->label, text);
      if (self->refresh_id == 0)
        self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_cb, self);
    }
  else
    g_clear_handle_id (&self->refresh_id, g_source_remove);
  gtk_info_bar_set_revealed (self->info_bar, offline);
}

static gboolean
refresh_cb (gpointer user_data)
{
  KsCachedOfflineBar *self = user_data;

  update (self);
  return G_SOURCE_CONTINUE;
}

/* The follower waits longer after each failure: ask now. */
static void
response_cb (KsCachedOfflineBar *self)
{
  GApplication   *app = g_application_get_default ();
  KsSyncService  *service = KS_IS_APPLICATION (app) ? ks_application_get_sync_service (KS_APPLICATION (app)) : NULL;
  KsFeedFollower *follower = service != NULL ? ks_sync_service_get_follower (service) : NULL;

  if (follower != NULL)
    ks_feed_follower_wake (follower);
}

void
ks_cached_offline_bar_set_cache (KsCachedOfflineBar *self,
                                 KsCache            *cache)
{
  g_return_if_fail (KS_IS_CACHED_OFFLINE_BAR (self));

  if (self->cache == cache)
    return;
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    {
      g_signal_connect_swapped (cache, "notify::offline", G_CALLBACK (update), self);
      g_signal_connect_swapped (cache, "notify::offline-since", G_CALLBACK (update), self);
    }
  update (self);
}

gboolean
ks_cached_offline_bar_get_revealed (KsCachedOfflineBar *self)
{
  g_return_val_if_fail (KS_IS_CACHED_OFFLINE_BAR (self), FALSE);

  return gtk_info_bar_get_revealed (self->info_bar);
}

/* --- GObject */

static void
ks_cached_offline_bar_dispose (GObject *object)
{
  KsCachedOfflineBar *self = KS_CACHED_OFFLINE_BAR (object);

  ks_cached_offline_bar_set_cache (self, NULL);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->info_bar != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->info_bar));
  self->info_bar = NULL;

  G_OBJECT_CLASS (ks_cached_offline_bar_parent_class)->dispose (object);
}

static void
ks_cached_offline_bar_class_init (KsCachedOfflineBarClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_cached_offline_bar_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_cached_offline_bar_init (KsCachedOfflineBar *self)
{
  GtkWidget *icon = gtk_image_new_from_icon_name ("network-offline-symbolic");
  GtkWidget *label = gtk_label_new (NULL);

  self->info_bar = GTK_INFO_BAR (gtk_info_bar_new ());
  gtk_info_bar_set_message_type (self->info_bar, GTK_MESSAGE_INFO);
  gtk_info_bar_set_revealed (self->info_bar, FALSE);
  gtk_widget_set_parent (GTK_WIDGET (self->info_bar), GTK_WIDGET (self));

  gtk_widget_set_margin_start (icon, 6);
  self->label = GTK_LABEL (label);
  gtk_label_set_wrap (self->label, TRUE);
  gtk_label_set_xalign (self->label, 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_info_bar_add_child (self->info_bar, icon);
  gtk_info_bar_add_child (self->info_bar, label);
  gtk_info_bar_add_button (self->info_bar, _ ("_Try Again"), GTK_RESPONSE_OK);
  g_signal_connect_swapped (self->info_bar, "response", G_CALLBACK (response_cb), self);
}

GtkWidget *
ks_cached_offline_bar_new (void)
{
  return g_object_new (KS_TYPE_CACHED_OFFLINE_BAR, NULL);
}
