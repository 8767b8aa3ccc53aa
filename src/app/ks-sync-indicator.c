/* ks-sync-indicator.c: the header bar button that says how syncing goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-sync-error.h"
#include "ks-sync-indicator.h"

#define N_ACTIVITY 10

struct _KsSyncIndicator
{
  GtkWidget parent_instance;

  KsUploadQueue *queue;    /* nullable */
  KsSyncEngine  *engine;   /* nullable */
  GListModel    *recent;   /* nullable: the engine's last activity */
  guint64        run_base; /* the engine's n-done when its run began */
  gboolean       engine_running;
  char          *title;
  char          *journal_error; /* nullable: why there is no engine */

  GtkMenuButton  *button;
  GtkImage       *status_icon;
  GtkLabel       *title_label;
  GtkLabel       *detail_label;
  GtkProgressBar *progress_bar;
  GtkButton      *retry_button;
  GtkButton      *pause_button;
  GtkWidget      *activity_box;
  GtkListBox     *activity_list;
};

G_DEFINE_FINAL_TYPE (KsSyncIndicator, ks_sync_indicator, GTK_TYPE_WIDGET)

/* Both sources of uploads, as one. */
typedef struct
{
  gboolean    paused;
  gboolean    busy;
  KsSyncState state;
  KsSyncWait  wait;  /* in state OFFLINE */
  guint64     total; /* of the current runs */
  guint64     done;
  guint64     waiting; /* not yet uploaded */
  guint64     failed;
  double      fraction;
  const char *error; /* nullable */
} Status;

static guint64
engine_count (KsSyncEngine *engine,
              const char   *property)
{
  guint64 value = 0;

  g_object_get (engine, property, &value, NULL);
  return value;
}

/* The engine counts what its journal holds; a run is from the moment
 * files wait to the moment none do. */
static void
add_engine_status (KsSyncIndicator *self,
                   Status          *status)
{
  guint64 queued = engine_count (self->engine, "n-queued");
  guint64 done = engine_count (self->engine, "n-done");
  guint64 run_done;

  if (queued > 0 && (!self->engine_running || done < self->run_base))
    {
      self->engine_running = TRUE;
      self->run_base = done;
    }
  else if (queued == 0)
    self->engine_running = FALSE;
  run_done = self->engine_running ? done - self->run_base : 0;

  status->state = ks_sync_engine_get_state (self->engine);
  status->wait = ks_sync_engine_get_wait (self->engine);
  status->paused |= ks_sync_engine_get_paused (self->engine);
  status->busy |= status->state == KS_SYNC_STATE_SYNCING;
  status->total += run_done + queued;
  status->done += run_done;
  status->waiting += queued;
  /* Failed drops are the journal's too, unless they never got there. */
  status->failed = MAX (status->failed, engine_count (self->engine, "n-failed"));
  if (status->state == KS_SYNC_STATE_ERROR || status->state == KS_SYNC_STATE_OFFLINE)
    status->error = ks_sync_engine_get_last_error (self->engine);
}

static void
get_status (KsSyncIndicator *self,
            Status          *status)
{
  *status = (Status){ .state = KS_SYNC_STATE_IDLE };
  if (self->queue != NULL)
    {
      status->paused = ks_upload_queue_get_paused (self->queue);
      status->busy = ks_upload_queue_get_busy (self->queue);
      status->failed = ks_upload_queue_get_n_failed (self->queue);
      status->error = ks_upload_queue_get_last_error (self->queue);
    }
  if (self->engine != NULL)
    {
      guint unsent = self->queue != NULL ? ks_upload_queue_get_n_unsent (self->queue) : 0;

      /* The engine uploads what is dropped: counted there, once. */
      add_engine_status (self, status);
      status->total += unsent;
      status->waiting += unsent;
    }
  else if (self->queue != NULL)
    {
      guint total = ks_upload_queue_get_n_total (self->queue);

      status->total = total;
      status->done = ks_upload_queue_get_n_done (self->queue);
      status->waiting = total - MIN (total, status->done);
    }
  status->fraction = status->total > 0 ? CLAMP ((double) status->done / status->total, 0, 1) : 0;
}

static char *
busy_detail (KsSyncIndicator *self)
{
  g_auto (GStrv) files = self->engine != NULL ? ks_sync_engine_dup_current_files (self->engine) : NULL;

  if (files != NULL && files[0] != NULL)
    {
      g_autofree char *name = g_path_get_basename (files[0]);

      /* Translators: what the folder sync uploads right now */
      return g_strdup_printf (_ ("Uploading “%s”"), name);
    }
  return g_strdup (_ ("Photos appear in your library as soon as they are uploaded."));
}

static void
describe (KsSyncIndicator *self,
          const Status    *status,
          const char     **out_icon,
          char           **out_title,
          char           **out_detail)
{
  guint n_failed = (guint) MIN (status->failed, G_MAXUINT);

  if (status->paused)
    {
      guint waiting = (guint) MIN (status->waiting, G_MAXUINT);

      *out_icon = "media-playback-pause-symbolic";
      *out_title = g_strdup (_ ("Uploads Paused"));
      /* Translators: photos waiting while uploads are paused */
      *out_detail = g_strdup_printf (ngettext ("%u photo is waiting. Nothing is lost while paused.",
                                               "%u photos are waiting. Nothing is lost while paused.", waiting),
                                     waiting);
    }
  else if (status->state == KS_SYNC_STATE_ERROR)
    {
      *out_icon = "dialog-error-symbolic";
      *out_title = g_strdup (_ ("Folder Sync Stopped"));
      *out_detail = g_strdup (status->error);
    }
  else if (status->state == KS_SYNC_STATE_OFFLINE && status->wait == KS_SYNC_WAIT_CACHE)
    {
      *out_icon = "drive-harddisk-symbolic";
      *out_title = g_strdup (_ ("Thumbnails Cannot Be Saved"));
      /* Translators: the first %s says why, e.g. the disk is full */
      *out_detail = g_strdup_printf (_ ("%s. Photos wait and are tried again; nothing is lost."),
                                     status->error != NULL ? status->error : _ ("The disk is full"));
    }
  else if (status->state == KS_SYNC_STATE_OFFLINE)
    {
      *out_icon = "network-offline-symbolic";
      *out_title = g_strdup (_ ("Offline"));
      *out_detail = g_strdup (status->error != NULL ? status->error
                                                    : _ ("Photos upload as soon as the server can be reached."));
    }
  else if (status->busy)
    {
      guint total = (guint) MIN (status->total, G_MAXUINT);
      guint current = (guint) MIN (status->done + 1, total);

      *out_icon = "emblem-synchronizing-symbolic";
      /* Translators: "Syncing 3 of 10" photos */
      *out_title = g_strdup_printf (_ ("Syncing %u of %u"), current, total);
      *out_detail = busy_detail (self);
    }
  else if (self->engine == NULL && self->journal_error != NULL)
    {
      *out_icon = "dialog-error-symbolic";
      *out_title = g_strdup (_ ("Folders Can’t Sync"));
      *out_detail = g_strdup (self->journal_error);
    }
  else if (n_failed > 0)
    {
      *out_icon = "dialog-warning-symbolic";
      *out_title = g_strdup_printf (ngettext ("%u File Was Not Uploaded", "%u Files Were Not Uploaded", n_failed),
                                    n_failed);
      *out_detail = g_strdup (status->error != NULL ? status->error
                                                    : _ ("The Folders page says why for each of them."));
    }
  else if (status->state == KS_SYNC_STATE_SCANNING)
    {
      *out_icon = "emblem-synchronizing-symbolic";
      *out_title = g_strdup (_ ("Looking for New Photos"));
      *out_detail = g_strdup (_ ("Your synced folders are being checked."));
    }
  else
    {
      *out_icon = "emblem-ok-symbolic";
      *out_title = g_strdup (_ ("Up to Date"));
      *out_detail = g_strdup (_ ("All your photos are uploaded."));
    }
}

static void
update (KsSyncIndicator *self)
{
  Status           status;
  const char      *icon;
  g_autofree char *detail = NULL;
  gboolean         syncing;

  /* Nothing to show on once disposed. */
  if (self->button == NULL)
    return;
  get_status (self, &status);
  g_free (self->title);
  describe (self, &status, &icon, &self->title, &detail);
  syncing = status.busy && !status.paused && status.state != KS_SYNC_STATE_ERROR &&
            status.state != KS_SYNC_STATE_OFFLINE;

  gtk_menu_button_set_icon_name (self->button, icon);
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), self->title);
  gtk_label_set_label (self->title_label, self->title);
  gtk_label_set_label (self->detail_label, detail != NULL ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail != NULL && *detail != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), syncing);
  gtk_progress_bar_set_fraction (self->progress_bar, status.fraction);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), !syncing && status.failed > 0);
  if (status.paused)
    {
      gtk_button_set_label (self->pause_button, _ ("_Resume Uploads"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button), "win.resume-uploads");
    }
  else
    {
      gtk_button_set_label (self->pause_button, _ ("_Pause Uploads"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button), "win.pause-uploads");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->pause_button), self->queue != NULL || self->engine != NULL);
  gtk_widget_set_visible (self->activity_box,
                          self->recent != NULL && g_list_model_get_n_items (self->recent) > 0);

  if (syncing)
    gtk_widget_add_css_class (GTK_WIDGET (self->button), "syncing");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->button), "syncing");
}

/* --- Recent activity */

static const char *
activity_icon (KsSyncActivityKind kind)
{
  switch (kind)
    {
    case KS_SYNC_ACTIVITY_UPLOADED:
      return "emblem-ok-symbolic";
    case KS_SYNC_ACTIVITY_EXISTED:
      return "emblem-default-symbolic";
    case KS_SYNC_ACTIVITY_FAILED:
      return "dialog-warning-symbolic";
    case KS_SYNC_ACTIVITY_SKIPPED:
      return "action-unavailable-symbolic";
    case KS_SYNC_ACTIVITY_FOLDER_PAUSED:
      return "media-playback-pause-symbolic";
    case KS_SYNC_ACTIVITY_FOLDER_RESUMED:
    default:
      return "folder-symbolic";
    }
}

static char *
activity_text (KsSyncActivity *activity)
{
  const char *message = ks_sync_activity_get_message (activity);
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_local (ks_sync_activity_get_time (activity) / G_USEC_PER_SEC);
  g_autofree char *time = when != NULL ? g_date_time_format (when, "%R") : g_strdup ("");
  const char      *what;

  switch (ks_sync_activity_get_kind (activity))
    {
    case KS_SYNC_ACTIVITY_UPLOADED:
      what = _ ("Uploaded");
      break;
    case KS_SYNC_ACTIVITY_EXISTED:
      what = _ ("Already in Keepsake");
      break;
    case KS_SYNC_ACTIVITY_FAILED:
      what = message != NULL ? message : _ ("Not uploaded");
      break;
    case KS_SYNC_ACTIVITY_SKIPPED:
      what = _ ("Skipped: not a photo");
      break;
    case KS_SYNC_ACTIVITY_FOLDER_PAUSED:
      what = message != NULL ? message : _ ("Folder paused");
      break;
    case KS_SYNC_ACTIVITY_FOLDER_RESUMED:
    default:
      what = message != NULL ? message : _ ("Folder back");
      break;
    }
  /* Translators: "14:05 · Uploaded" */
  return g_strdup_printf (_ ("%s · %s"), time, what);
}

static GtkWidget *
activity_row_new (gpointer item,
                  gpointer user_data)
{
  KsSyncActivity    *activity = item;
  KsSyncActivityKind kind = ks_sync_activity_get_kind (activity);
  GtkWidget         *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget         *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget         *icon = gtk_image_new_from_icon_name (activity_icon (kind));
  g_autofree char   *name = g_path_get_basename (ks_sync_activity_get_path (activity));
  g_autofree char   *text = activity_text (activity);
  GtkWidget         *title = gtk_label_new (name);
  GtkWidget         *detail = gtk_label_new (text);

  if (kind == KS_SYNC_ACTIVITY_FAILED)
    gtk_widget_add_css_class (icon, "warning");
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (detail), 36);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_set_tooltip_text (box, ks_sync_activity_get_path (activity));
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 9);
  gtk_widget_set_margin_end (box, 9);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), detail);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), labels);
  return box;
}

/* --- GObject */

static void
retry_clicked_cb (KsSyncIndicator *self)
{
  g_autoptr (GError) error = NULL;

  if (self->queue != NULL)
    ks_upload_queue_retry_failed (self->queue);
  if (self->engine != NULL && !ks_sync_engine_retry (self->engine, 0, &error))
    g_warning ("Could not retry the failed files: %s", error->message);
}

static void
ks_sync_indicator_dispose (GObject *object)
{
  KsSyncIndicator *self = KS_SYNC_INDICATOR (object);

  ks_sync_indicator_set_queue (self, NULL);
  ks_sync_indicator_set_engine (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_SYNC_INDICATOR);

  G_OBJECT_CLASS (ks_sync_indicator_parent_class)->dispose (object);
}

static void
ks_sync_indicator_finalize (GObject *object)
{
  g_free (KS_SYNC_INDICATOR (object)->title);
  g_free (KS_SYNC_INDICATOR (object)->journal_error);

  G_OBJECT_CLASS (ks_sync_indicator_parent_class)->finalize (object);
}

static void
ks_sync_indicator_class_init (KsSyncIndicatorClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_sync_indicator_dispose;
  object_class->finalize = ks_sync_indicator_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-sync-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, button);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, status_icon);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, title_label);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, detail_label);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, retry_button);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, pause_button);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, activity_box);
  gtk_widget_class_bind_template_child (widget_class, KsSyncIndicator, activity_list);
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

void
ks_sync_indicator_set_engine (KsSyncIndicator *self,
                              KsSyncEngine    *engine)
{
  g_return_if_fail (KS_IS_SYNC_INDICATOR (self));

  if (self->engine == engine)
    return;
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_func (self->engine, update, self);
  if (self->recent != NULL)
    g_signal_handlers_disconnect_by_func (self->recent, update, self);
  /* The template's children are gone once disposed. */
  if (self->activity_list != NULL)
    gtk_list_box_bind_model (self->activity_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->recent);
  g_set_object (&self->engine, engine);
  self->engine_running = FALSE;

  if (engine != NULL)
    {
      g_signal_connect_swapped (engine, "notify", G_CALLBACK (update), self);
      self->recent = G_LIST_MODEL (
          gtk_slice_list_model_new (g_object_ref (ks_sync_engine_get_activity (engine)), 0, N_ACTIVITY));
      g_signal_connect_swapped (self->recent, "items-changed", G_CALLBACK (update), self);
      gtk_list_box_bind_model (self->activity_list, self->recent, activity_row_new, NULL, NULL);
    }
  update (self);
}

const char *
ks_sync_indicator_get_title (KsSyncIndicator *self)
{
  g_return_val_if_fail (KS_IS_SYNC_INDICATOR (self), NULL);

  return self->title;
}

void
ks_sync_indicator_set_journal_error (KsSyncIndicator *self,
                                     const GError    *error)
{
  g_return_if_fail (KS_IS_SYNC_INDICATOR (self));

  g_clear_pointer (&self->journal_error, g_free);
  if (g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED))
    self->journal_error = g_strdup (_ ("The list of synced folders is damaged. The Folders page offers to "
                                       "start over."));
  else if (error != NULL)
    self->journal_error = g_strdup (error->message);
  update (self);
}
