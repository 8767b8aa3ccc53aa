/* ks-sync-indicator.c: the header bar button that says how syncing goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-sync-indicator.h"

struct _KsSyncIndicator
{
  GtkWidget parent_instance;

  KsUploadQueue *queue; /* nullable */

  GtkMenuButton  *button;
  GtkImage       *status_icon;
  GtkLabel       *title_label;
  GtkLabel       *detail_label;
  GtkProgressBar *progress_bar;
  GtkButton      *retry_button;
  GtkButton      *pause_button;
};

G_DEFINE_FINAL_TYPE (KsSyncIndicator, ks_sync_indicator, GTK_TYPE_WIDGET)

static void
update (KsSyncIndicator *self)
{
  gboolean         busy = self->queue != NULL && ks_upload_queue_get_busy (self->queue);
  guint            n_failed = self->queue != NULL ? ks_upload_queue_get_n_failed (self->queue) : 0;
  const char      *icon;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;

  if (self->queue != NULL && ks_upload_queue_get_paused (self->queue))
    {
      guint waiting = ks_upload_queue_get_n_total (self->queue) - ks_upload_queue_get_n_done (self->queue) -
                      n_failed;

      icon = "media-playback-pause-symbolic";
      title = g_strdup (_ ("Uploads Paused"));
      /* Translators: photos waiting while uploads are paused */
      detail = g_strdup_printf (ngettext ("%u photo is waiting. Nothing is lost while paused.",
                                          "%u photos are waiting. Nothing is lost while paused.", waiting),
                                waiting);
    }
  else if (busy)
    {
      guint total = ks_upload_queue_get_n_total (self->queue);
      guint current = MIN (ks_upload_queue_get_n_done (self->queue) + 1, total);

      icon = "emblem-synchronizing-symbolic";
      /* Translators: "Uploading 3 of 10" */
      title = g_strdup_printf (ngettext ("Uploading %u of %u Photo", "Uploading %u of %u Photos", total),
                               current, total);
      detail = g_strdup (_ ("Photos appear in your library as soon as they are uploaded."));
    }
  else if (n_failed > 0)
    {
      icon = "dialog-warning-symbolic";
      title = g_strdup_printf (ngettext ("%u Photo Was Not Uploaded", "%u Photos Were Not Uploaded", n_failed),
                               n_failed);
      detail = g_strdup (ks_upload_queue_get_last_error (self->queue));
    }
  else
    {
      icon = "emblem-ok-symbolic";
      title = g_strdup (_ ("Up to Date"));
      detail = g_strdup (_ ("All your photos are uploaded."));
    }

  gtk_menu_button_set_icon_name (self->button, icon);
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), title);
  gtk_label_set_label (self->title_label, title);
  gtk_label_set_label (self->detail_label, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 self->queue != NULL ? ks_upload_queue_get_fraction (self->queue) : 0);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), !busy && n_failed > 0);
  if (self->queue != NULL && ks_upload_queue_get_paused (self->queue))
    {
      gtk_button_set_label (self->pause_button, _ ("_Resume Uploads"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button), "win.resume-uploads");
    }
  else
    {
      gtk_button_set_label (self->pause_button, _ ("_Pause Uploads"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button), "win.pause-uploads");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button), self->queue != NULL);

  if (busy)
    gtk_widget_add_css_class (GTK_WIDGET (self->button), "syncing");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->button), "syncing");
}

static void
retry_clicked_cb (KsSyncIndicator *self)
{
  if (self->queue != NULL)
    ks_upload_queue_retry_failed (self->queue);
}

static void
ks_sync_indicator_dispose (GObject *object)
{
  KsSyncIndicator *self = KS_SYNC_INDICATOR (object);

  ks_sync_indicator_set_queue (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_SYNC_INDICATOR);

  G_OBJECT_CLASS (ks_sync_indicator_parent_class)->dispose (object);
}

static void
ks_sync_indicator_class_init (KsSyncIndicatorClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_sync_indicator_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, status_icon);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, title_label);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, detail_label);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, retry_button);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, pause_button);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
ks_sync_indicator_init (KsSyncIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update (self);
}

void
ks_sync_indicator_set_queue (KsSyncIndicator *self,
                             KsUploadQueue   *queue)
{
  g_return_if_fail (KS_IS_SYNC_INDICATOR (self));

  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_func (self->queue, update, self);
  g_set_object (&self->queue, queue);
  if (queue != NULL)
    g_signal_connect_swapped (queue, "notify", G_CALLBACK (update), self);
  update (self);
}
