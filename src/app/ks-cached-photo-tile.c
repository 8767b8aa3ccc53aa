/* ks-cached-photo-tile.c: one thumbnail in a grid the cache feeds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-cached-photo-tile.h"

#define TILE_MIN_SIZE 112
#define TILE_NATURAL_SIZE 180

struct _KsCachedPhotoTile
{
  GtkWidget parent_instance;

  KsCachedThumbnails *thumbnails;
  KsPhotoItem        *item; /* nullable */
  GCancellable       *cancellable;
  gboolean            has_texture;

  GtkWidget      *overlay;
  GtkPicture     *picture;
  GtkWidget      *placeholder;
  GtkProgressBar *progress_bar;
};

G_DEFINE_FINAL_TYPE (KsCachedPhotoTile, ks_cached_photo_tile, GTK_TYPE_WIDGET)

static void
ks_cached_photo_tile_dispose (GObject *object)
{
  KsCachedPhotoTile *self = KS_CACHED_PHOTO_TILE (object);

  ks_cached_photo_tile_set_item (self, NULL);
  if (self->thumbnails != NULL)
    g_signal_handlers_disconnect_by_data (self->thumbnails, self);
  g_clear_object (&self->thumbnails);
  g_clear_pointer (&self->overlay, gtk_widget_unparent);

  G_OBJECT_CLASS (ks_cached_photo_tile_parent_class)->dispose (object);
}

/* Square whatever the photo's shape, as KsPhotoTile. */
static GtkSizeRequestMode
ks_cached_photo_tile_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ks_cached_photo_tile_measure (GtkWidget     *widget,
                              GtkOrientation orientation,
                              int            for_size,
                              int           *minimum,
                              int           *natural,
                              int           *minimum_baseline,
                              int           *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL || for_size < 0)
    {
      *minimum = TILE_MIN_SIZE;
      *natural = TILE_NATURAL_SIZE;
    }
  else
    *minimum = *natural = MAX (for_size, TILE_MIN_SIZE);
}

static void
ks_cached_photo_tile_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  gtk_widget_allocate (KS_CACHED_PHOTO_TILE (widget)->overlay, width, height, baseline, NULL);
}

static void
ks_cached_photo_tile_class_init (KsCachedPhotoTileClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_cached_photo_tile_dispose;
  widget_class->get_request_mode = ks_cached_photo_tile_get_request_mode;
  widget_class->measure = ks_cached_photo_tile_measure;
  widget_class->size_allocate = ks_cached_photo_tile_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "photo-tile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ks_cached_photo_tile_init (KsCachedPhotoTile *self)
{
  GtkWidget *progress = gtk_progress_bar_new ();

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  self->overlay = gtk_overlay_new ();
  gtk_widget_set_parent (self->overlay, GTK_WIDGET (self));

  self->picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_content_fit (self->picture, GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (self->picture, TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->picture));

  self->placeholder = gtk_image_new_from_icon_name ("image-x-generic-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (self->placeholder), 32);
  gtk_widget_set_halign (self->placeholder, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->placeholder, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->placeholder);

  self->progress_bar = GTK_PROGRESS_BAR (progress);
  gtk_widget_set_visible (progress, FALSE);
  gtk_widget_set_valign (progress, GTK_ALIGN_END);
  gtk_widget_set_margin_start (progress, 10);
  gtk_widget_set_margin_end (progress, 10);
  gtk_widget_set_margin_bottom (progress, 10);
  gtk_widget_add_css_class (progress, "osd");
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), progress);
}

static void
show_texture (KsCachedPhotoTile *self,
              GdkTexture        *texture)
{
  self->has_texture = texture != NULL;
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (self->placeholder, texture == NULL);
}

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (KsCachedPhotoTile) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  if (KS_IS_CACHED_THUMBNAILS (source))
    texture = ks_cached_thumbnails_load_finish (KS_CACHED_THUMBNAILS (source), result, &error);
  else
    texture = ks_cached_thumbnails_decode_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (texture == NULL)
    {
      /* Offline and not downloaded yet: "ready" brings it later. */
      g_debug ("Cached thumbnail: %s", error->message);
      return;
    }
  show_texture (self, texture);
}

static void
load_texture (KsCachedPhotoTile *self)
{
  const char *id = ks_photo_item_get_id (self->item);
  GFile      *local = ks_photo_item_get_local_thumbnail (self->item);
  GdkTexture *texture = id != NULL ? ks_cached_thumbnails_peek (self->thumbnails, id) : NULL;

  if (texture != NULL)
    {
      show_texture (self, texture);
      return;
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  /* An upload from here has its thumbnail on disk until the cache has it. */
  if (local != NULL && ks_photo_item_get_state (self->item) != KS_PHOTO_ITEM_READY)
    ks_cached_thumbnails_decode_async (local, self->cancellable, decoded_cb, g_object_ref (self));
  else if (id != NULL)
    ks_cached_thumbnails_load_async (self->thumbnails, id, self->cancellable, decoded_cb,
                                     g_object_ref (self));
  else
    g_clear_object (&self->cancellable);
}

static void
update_state (KsCachedPhotoTile *self)
{
  KsPhotoItemState state = ks_photo_item_get_state (self->item);
  const char      *description = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          state == KS_PHOTO_ITEM_UPLOADING || state == KS_PHOTO_ITEM_PREPARING);
  gtk_progress_bar_set_fraction (self->progress_bar, ks_photo_item_get_progress (self->item));
  gtk_widget_set_opacity (GTK_WIDGET (self->picture), state == KS_PHOTO_ITEM_READY ? 1.0 : 0.6);
  if (state == KS_PHOTO_ITEM_FAILED)
    description = ks_photo_item_get_error (self->item);
  else if (state != KS_PHOTO_ITEM_READY)
    description = _ ("Uploading");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, ks_photo_item_get_title (self->item),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  if (!self->has_texture && self->cancellable == NULL)
    load_texture (self);
}

static void
item_notify_cb (KsCachedPhotoTile *self)
{
  update_state (self);
}

static void
thumbnail_ready_cb (KsCachedPhotoTile *self,
                    const char        *photo_id)
{
  if (self->item != NULL && !self->has_texture &&
      g_strcmp0 (ks_photo_item_get_id (self->item), photo_id) == 0)
    load_texture (self);
}

GtkWidget *
ks_cached_photo_tile_new (KsCachedThumbnails *thumbnails)
{
  KsCachedPhotoTile *self = g_object_new (KS_TYPE_CACHED_PHOTO_TILE, NULL);

  g_return_val_if_fail (KS_IS_CACHED_THUMBNAILS (thumbnails), GTK_WIDGET (self));

  self->thumbnails = g_object_ref (thumbnails);
  g_signal_connect_object (thumbnails, "ready", G_CALLBACK (thumbnail_ready_cb), self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

void
ks_cached_photo_tile_set_item (KsCachedPhotoTile *self,
                               KsPhotoItem       *item)
{
  g_return_if_fail (KS_IS_CACHED_PHOTO_TILE (self));

  if (self->item == item)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, item_notify_cb, self);
  g_set_object (&self->item, item);
  show_texture (self, NULL);
  if (item == NULL)
    return;

  g_signal_connect_swapped (item, "notify::state", G_CALLBACK (item_notify_cb), self);
  g_signal_connect_swapped (item, "notify::progress", G_CALLBACK (item_notify_cb), self);
  g_signal_connect_swapped (item, "notify::local-thumbnail", G_CALLBACK (item_notify_cb), self);
  update_state (self);
}

gboolean
ks_cached_photo_tile_has_texture (KsCachedPhotoTile *self)
{
  g_return_val_if_fail (KS_IS_CACHED_PHOTO_TILE (self), FALSE);

  return self->has_texture;
}
