/* ks-viewer.c: one photo at a time, full window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-album-picker.h"
#include "ks-cached-photo-list.h"
#include "ks-cloud-error.h"
#include "ks-photo-fetch.h"
#include "ks-textures.h"
#include "ks-viewer-private.h"

G_DEFINE_FINAL_TYPE (KsViewer, ks_viewer, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_CLOSE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* --- Loading the preview */

static void
show_error (KsViewer   *self,
            const char *message)
{
  gtk_label_set_label (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (self->error_box, message != NULL);
}

/* A preview being decoded: a cached one that turns out damaged is
 * deleted, to be fetched again next time. */
typedef struct
{
  KsViewer *self;
  GFile    *file;
  gboolean  cached;
} Decode;

static void
decode_free (Decode *decode)
{
  g_object_unref (decode->self);
  g_object_unref (decode->file);
  g_free (decode);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Decode, decode_free)

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (Decode) decode = user_data;
  KsViewer *self = decode->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture = ks_texture_load_finish (result, &error);

  if (g_task_get_cancellable (G_TASK (result)) != self->load_cancellable)
    return;
  gtk_spinner_stop (self->spinner);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("Decoding a preview: %s", error->message);
          show_error (self, _ ("The photo’s file is damaged."));
          /* Fetched again next time. */
          if (decode->cached)
            g_file_delete (decode->file, NULL, NULL);
        }
      return;
    }
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  self->preview_shown = TRUE;
  ks_viewer_set_zoom (self, 1.0);
}

static void
decode (KsViewer *self,
        GFile    *file,
        gboolean  cached)
{
  Decode *data = g_new0 (Decode, 1);

  data->self = g_object_ref (self);
  data->file = g_object_ref (file);
  data->cached = cached;
  ks_texture_load_async (file, self->load_cancellable, decoded_cb, data);
}

static GFile *
preview_file (KsViewer      *self,
              const KsPhoto *photo)
{
  if (photo == NULL)
    return NULL;

  const char      *sha256 = ks_photo_fetch_preview_sha256 (photo, NULL);
  g_autofree char *name = NULL;

  if (sha256 == NULL)
    return NULL;
  name = g_strconcat (sha256, ".jpg", NULL);
  return g_file_new_build_filename (self->cache_dir, name, NULL);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KsViewer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = NULL;

  if (g_task_get_cancellable (G_TASK (result)) != self->load_cancellable)
    return;
  if (!ks_photo_fetch_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Fetching a preview: %s", error->message);
      gtk_spinner_stop (self->spinner);
      show_error (self, error->message);
      return;
    }
  file = preview_file (self, ks_photo_item_get_photo (self->item));
  decode (self, file, TRUE);
}

/* --- From the shared-album cache: verified there, fetched by it */

static void
cached_preview_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (KsViewer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = ks_cache_get_file_finish (KS_CACHE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_task_get_cancellable (G_TASK (result)) != self->load_cancellable)
    return;
  if (file == NULL)
    {
      g_debug ("Preview from the cache: %s", error->message);
      gtk_spinner_stop (self->spinner);
      if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK))
        show_error (self, _ ("This photo’s preview is not on this computer, and the server cannot be reached."));
      else
        show_error (self, error->message);
      return;
    }
  /* The cache checked it against its SHA-256: never delete it here. */
  decode (self, file, FALSE);
}

static void
load_cached_preview (KsViewer *self,
                     KsCache  *cache)
{
  KsCachedThumbnails *thumbnails = ks_cached_thumbnails_get (cache);

  gtk_picture_set_paintable (self->picture,
                             GDK_PAINTABLE (ks_cached_thumbnails_peek (thumbnails, ks_photo_item_get_id (self->item))));
  ks_cache_get_file_async (cache, ks_photo_item_get_id (self->item), KS_CACHE_FILE_PREVIEW,
                           self->load_cancellable, cached_preview_cb, g_object_ref (self));
}

static void
load_preview (KsViewer *self)
{
  const KsPhoto *photo = ks_photo_item_get_photo (self->item);
  GFile         *original = ks_photo_item_get_original (self->item);
  KsCache       *cache = ks_cached_photo_item_get_cache (self->item);
  g_autoptr (GFile) file = photo != NULL && cache == NULL ? preview_file (self, photo) : NULL;
  GdkTexture *thumbnail = ks_thumbnail_cache_peek (self->thumbnails, self->item);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  self->preview_shown = FALSE;
  show_error (self, NULL);

  /* The grid's thumbnail, scaled up, until the preview is here. */
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (thumbnail));
  gtk_spinner_start (self->spinner);

  if (cache != NULL && ks_photo_item_get_id (self->item) != NULL)
    load_cached_preview (self, cache);
  else if (file != NULL && g_file_query_exists (file, NULL))
    decode (self, file, TRUE);
  else if (file != NULL)
    ks_photo_fetch_async (self->api, self->soup, self->item, KS_PHOTO_FETCH_PREVIEW, file, NULL,
                          NULL, self->load_cancellable, fetched_cb, g_object_ref (self));
  else if (original != NULL)
    decode (self, original, FALSE);
  else
    {
      gtk_spinner_stop (self->spinner);
      show_error (self, _ ("This photo has no preview."));
    }
}

/* --- Moving through the list */

/* The title and the arrows always follow the list (a page appended
 * enables "next"); the preview only when the photo changed. */
static void
show_current (KsViewer *self)
{
  guint n = self->photos != NULL ? g_list_model_get_n_items (self->photos) : 0;
  g_autoptr (KsPhotoItem) item = NULL;
  g_autofree char *subtitle = NULL;
  gboolean         changed;

  if (n == 0)
    return;
  self->position = MIN (self->position, n - 1);
  item = g_list_model_get_item (self->photos, self->position);
  changed = item != self->item;
  g_set_object (&self->item, item);

  adw_window_title_set_title (self->title, ks_photo_item_get_title (item));
  /* Translators: the photo's place in the list, "3 of 120" */
  subtitle = g_strdup_printf (_ ("%u of %u"), self->position + 1, n);
  adw_window_title_set_subtitle (self->title, subtitle);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.previous", self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.next", self->position + 1 < n);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.share",
                                 ks_photo_item_get_id (item) != NULL);
  gtk_widget_set_visible (self->previous_button, self->position > 0);
  gtk_widget_set_visible (self->next_button, self->position + 1 < n);
  if (!changed)
    return;

  self->zoom = 1.0;
  load_preview (self);
  ks_viewer_update_details (self);
}

void
ks_viewer_go (KsViewer *self,
              int       delta)
{
  guint n = self->photos != NULL ? g_list_model_get_n_items (self->photos) : 0;

  if ((delta < 0 && self->position == 0) || (delta > 0 && self->position + 1 >= n))
    return;
  self->position += delta;
  show_current (self);
}

/* Uploads prepend, deletions remove, pages append: follow the photo on
 * screen, looking for it only where it can be. Asking a paged list for
 * its last items loads its next page, so walking the whole list on each
 * page appended listed the whole library. */
static void
items_changed_cb (KsViewer   *self,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GListModel *photos)
{
  if (g_list_model_get_n_items (photos) == 0)
    {
      g_signal_emit (self, signals[SIGNAL_CLOSE], 0);
      return;
    }

  if (self->item != NULL && position + removed <= self->position)
    self->position = self->position - removed + added;
  else if (self->item != NULL && position <= self->position)
    {
      gboolean found = FALSE;

      /* Replaced: if it came back, it is among the new; if not, the
       * photo after it takes its place. */
      for (guint i = position; i < position + added && !found; i++)
        {
          g_autoptr (KsPhotoItem) item = g_list_model_get_item (photos, i);

          if (item == self->item)
            {
              self->position = i;
              found = TRUE;
            }
        }
      if (!found)
        g_clear_object (&self->item);
    }
  show_current (self);
}

void
ks_viewer_show (KsViewer   *self,
                GListModel *photos,
                guint       position,
                const char *album_name)
{
  g_return_if_fail (KS_IS_VIEWER (self));

  ks_viewer_clear (self);
  self->photos = g_object_ref (photos);
  self->position = position;
  self->album_name = g_strdup (album_name);
  g_signal_connect_swapped (photos, "items-changed", G_CALLBACK (items_changed_cb), self);
  show_current (self);
}

void
ks_viewer_clear (KsViewer *self)
{
  g_return_if_fail (KS_IS_VIEWER (self));

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  if (self->photos != NULL)
    g_signal_handlers_disconnect_by_func (self->photos, items_changed_cb, self);
  g_clear_object (&self->photos);
  g_clear_object (&self->item);
  g_clear_pointer (&self->album_name, g_free);
  self->preview_shown = FALSE;
  if (self->picture != NULL)
    gtk_picture_set_paintable (self->picture, NULL);
}

guint
ks_viewer_get_position (KsViewer *self)
{
  g_return_val_if_fail (KS_IS_VIEWER (self), 0);

  return self->position;
}

gboolean
ks_viewer_get_preview_size (KsViewer *self,
                            int      *out_width,
                            int      *out_height)
{
  GdkPaintable *paintable;

  g_return_val_if_fail (KS_IS_VIEWER (self), FALSE);

  paintable = self->preview_shown ? gtk_picture_get_paintable (self->picture) : NULL;
  if (out_width != NULL)
    *out_width = paintable != NULL ? gdk_paintable_get_intrinsic_width (paintable) : 0;
  if (out_height != NULL)
    *out_height = paintable != NULL ? gdk_paintable_get_intrinsic_height (paintable) : 0;
  return paintable != NULL;
}

void
ks_viewer_set_services (KsViewer         *self,
                        KsApiClient      *api,
                        SoupSession      *soup,
                        KsThumbnailCache *thumbnails,
                        const char       *cache_dir)
{
  g_return_if_fail (KS_IS_VIEWER (self));

  g_set_object (&self->api, api);
  g_set_object (&self->soup, soup);
  g_set_object (&self->thumbnails, thumbnails);
  g_free (self->cache_dir);
  self->cache_dir = g_strdup (cache_dir);
  if (cache_dir != NULL)
    g_mkdir_with_parents (cache_dir, 0700);
}

/* --- Actions */

static void
close_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  if (adw_flap_get_reveal_flap (self->flap) && adw_flap_get_folded (self->flap))
    adw_flap_set_reveal_flap (self->flap, FALSE);
  else
    g_signal_emit (self, signals[SIGNAL_CLOSE], 0);
}

static void
go_action (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  ks_viewer_go (KS_VIEWER (widget), g_str_equal (action_name, "viewer.next") ? 1 : -1);
}

static void
toggle_info_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  KsViewer *self = KS_VIEWER (widget);

  adw_flap_set_reveal_flap (self->flap, !adw_flap_get_reveal_flap (self->flap));
}

static void
download_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  ks_viewer_download_original (KS_VIEWER (widget));
}

static void
picker_done_cb (KsViewer   *self,
                const char *message)
{
  ks_viewer_toast (self, adw_toast_new (message));
}

static void
share_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KsViewer      *self = KS_VIEWER (widget);
  const char    *ids[] = { NULL, NULL };
  KsAlbumPicker *picker;

  if (self->item == NULL || (ids[0] = ks_photo_item_get_id (self->item)) == NULL)
    return;
  picker = ks_album_picker_new (self->api, ids);
  gtk_window_set_transient_for (GTK_WINDOW (picker), GTK_WINDOW (gtk_widget_get_root (widget)));
  g_signal_connect_object (picker, "done", G_CALLBACK (picker_done_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (picker));
}

/* --- GObject */

static void
ks_viewer_dispose (GObject *object)
{
  KsViewer  *self = KS_VIEWER (object);
  GtkWidget *child;

  ks_viewer_clear (self);
  g_cancellable_cancel (self->download_cancellable);
  g_clear_object (&self->download_cancellable);
  g_clear_object (&self->api);
  g_clear_object (&self->soup);
  g_clear_object (&self->thumbnails);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_VIEWER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (ks_viewer_parent_class)->dispose (object);
}

static void
ks_viewer_finalize (GObject *object)
{
  g_free (KS_VIEWER (object)->cache_dir);

  G_OBJECT_CLASS (ks_viewer_parent_class)->finalize (object);
}

static void
ks_viewer_class_init (KsViewerClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_viewer_dispose;
  object_class->finalize = ks_viewer_finalize;

  signals[SIGNAL_CLOSE] = g_signal_new ("close", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-viewer.ui");
  gtk_widget_class_bind_template_child (widget_class, KsViewer, title);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, flap);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, scroller);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, picture);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, spinner);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, error_box);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, error_label);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, previous_button);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, next_button);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, name_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, date_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, dimensions_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, size_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, type_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, uploaded_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, album_row);
  gtk_widget_class_bind_template_child (widget_class, KsViewer, added_by_row);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "viewer");

  gtk_widget_class_install_action (widget_class, "viewer.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "viewer.previous", NULL, go_action);
  gtk_widget_class_install_action (widget_class, "viewer.next", NULL, go_action);
  gtk_widget_class_install_action (widget_class, "viewer.toggle-info", NULL, toggle_info_action);
  gtk_widget_class_install_action (widget_class, "viewer.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "viewer.share", NULL, share_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "viewer.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Back, 0, "viewer.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "viewer.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "viewer.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "viewer.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, 0, "viewer.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, 0, "viewer.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_ALT_MASK, "viewer.toggle-info", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "viewer.toggle-info", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "viewer.download", NULL);
  ks_viewer_zoom_class_init (widget_class);
}

static void
ks_viewer_init (KsViewer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->zoom = 1.0;
  ks_viewer_zoom_init (self);
}
