/* ks-photo-tile.c: one thumbnail in a photo grid
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-photo-tile.h"

#define TILE_MIN_SIZE 112
#define TILE_NATURAL_SIZE 180
#define DRAG_ICON_SIZE 96

struct _KsPhotoTile
{
  GtkWidget parent_instance;

  KsThumbnailSource *source;
  KsPhotoItem       *item; /* nullable */
  GCancellable      *cancellable;
  gboolean           has_texture;
  gboolean           load_failed; /* until the item or the source has news */

  GtkPicture     *picture;
  GtkImage       *placeholder;
  GtkProgressBar *progress_bar;
  GtkImage       *error_icon;
};

G_DEFINE_FINAL_TYPE (KsPhotoTile, ks_photo_tile, GTK_TYPE_WIDGET)

static void
ks_photo_tile_dispose (GObject *object)
{
  GtkWidget   *child;
  KsPhotoTile *self = KS_PHOTO_TILE (object);

  ks_photo_tile_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), KS_TYPE_PHOTO_TILE);
  /* The template's root is not a bound child. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->source != NULL)
    g_signal_handlers_disconnect_by_data (self->source, self);
  g_clear_object (&self->source);

  G_OBJECT_CLASS (ks_photo_tile_parent_class)->dispose (object);
}

/* Square whatever the photo's shape: as tall as the grid makes it wide. */
static GtkSizeRequestMode
ks_photo_tile_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ks_photo_tile_measure (GtkWidget     *widget,
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
ks_photo_tile_size_allocate (GtkWidget *widget,
                             int        width,
                             int        height,
                             int        baseline)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  if (child != NULL)
    gtk_widget_allocate (child, width, height, baseline, NULL);
}

static void
ks_photo_tile_class_init (KsPhotoTileClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_photo_tile_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/keepsake/Keepsake/ui/ks-photo-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, KsPhotoTile, picture);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoTile, placeholder);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoTile, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, KsPhotoTile, error_icon);

  widget_class->get_request_mode = ks_photo_tile_get_request_mode;
  widget_class->measure = ks_photo_tile_measure;
  widget_class->size_allocate = ks_photo_tile_size_allocate;
  gtk_widget_class_set_css_name (widget_class, "photo-tile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ks_photo_tile_init (KsPhotoTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void load_texture (KsPhotoTile *self);

static void
source_ready_cb (KsPhotoTile *self,
                 const char  *photo_id)
{
  if (self->item == NULL || self->has_texture || g_strcmp0 (ks_photo_item_get_id (self->item), photo_id) != 0)
    return;
  self->load_failed = FALSE;
  load_texture (self);
}

GtkWidget *
ks_photo_tile_new (KsThumbnailSource *source)
{
  KsPhotoTile *self = g_object_new (KS_TYPE_PHOTO_TILE, NULL);

  g_return_val_if_fail (KS_IS_THUMBNAIL_SOURCE (source), GTK_WIDGET (self));

  self->source = g_object_ref (source);
  g_signal_connect_object (source, "ready", G_CALLBACK (source_ready_cb), self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

static void
show_texture (KsPhotoTile *self,
              GdkTexture  *texture)
{
  self->has_texture = texture != NULL;
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), texture == NULL);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (KsPhotoTile) self = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  texture = ks_thumbnail_source_load_finish (KS_THUMBNAIL_SOURCE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (texture == NULL)
    {
      /* Not there yet (offline, or still being made): the item's or the
       * source's next news tries again. */
      g_debug ("Thumbnail: %s", error->message);
      self->load_failed = TRUE;
      return;
    }
  show_texture (self, texture);
}

static void
load_texture (KsPhotoTile *self)
{
  GdkTexture *texture = ks_thumbnail_source_peek (self->source, self->item);

  if (texture != NULL)
    {
      show_texture (self, texture);
      return;
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ks_thumbnail_source_load_async (self->source, self->item, self->cancellable, loaded_cb,
                                  g_object_ref (self));
}

static void
update_state (KsPhotoTile *self)
{
  KsPhotoItemState state = ks_photo_item_get_state (self->item);
  const char      *error = ks_photo_item_get_error (self->item);
  g_autofree char *description = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar),
                          state == KS_PHOTO_ITEM_UPLOADING || state == KS_PHOTO_ITEM_PREPARING);
  gtk_progress_bar_set_fraction (self->progress_bar, ks_photo_item_get_progress (self->item));
  gtk_widget_set_visible (GTK_WIDGET (self->error_icon), state == KS_PHOTO_ITEM_FAILED);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->error_icon), error);
  gtk_widget_set_opacity (GTK_WIDGET (self->picture), state == KS_PHOTO_ITEM_READY ? 1.0 : 0.6);

  switch (state)
    {
    case KS_PHOTO_ITEM_PREPARING:
      description = g_strdup (_ ("Preparing to upload"));
      break;
    case KS_PHOTO_ITEM_UPLOADING:
      description = g_strdup (_ ("Uploading"));
      break;
    case KS_PHOTO_ITEM_FAILED:
      description = g_strdup_printf (_ ("Upload failed: %s"), error != NULL ? error : "");
      break;
    case KS_PHOTO_ITEM_READY:
    default:
      break;
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, ks_photo_item_get_title (self->item),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);

  if (!self->has_texture && self->cancellable == NULL && !self->load_failed)
    load_texture (self);
}

static void
item_notify_cb (KsPhotoTile *self,
                GParamSpec  *pspec)
{
  /* Progress is frequent; a new state or thumbnail file is news. */
  if (!g_str_equal (pspec->name, "progress"))
    self->load_failed = FALSE;
  update_state (self);
}

void
ks_photo_tile_set_item (KsPhotoTile *self,
                        KsPhotoItem *item)
{
  g_return_if_fail (KS_IS_PHOTO_TILE (self));

  if (self->item == item)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->item != NULL)
    g_signal_handlers_disconnect_by_func (self->item, item_notify_cb, self);
  g_set_object (&self->item, item);
  show_texture (self, NULL);
  self->load_failed = FALSE;

  if (item == NULL)
    return;

  g_signal_connect_swapped (item, "notify::state", G_CALLBACK (item_notify_cb), self);
  g_signal_connect_swapped (item, "notify::progress", G_CALLBACK (item_notify_cb), self);
  g_signal_connect_swapped (item, "notify::local-thumbnail", G_CALLBACK (item_notify_cb), self);
  update_state (self);
}

/* A pill with the number of photos, over the icon's top right corner. */
static void
append_count_badge (KsPhotoTile *self,
                    GtkSnapshot *snapshot,
                    guint        n_photos)
{
  g_autofree char *text = g_strdup_printf ("%u", n_photos);
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  const GdkRGBA  accent = { 0.208f, 0.518f, 0.894f, 1.0f }; /* the Adwaita blue */
  const GdkRGBA  white = { 1.0f, 1.0f, 1.0f, 1.0f };
  GskRoundedRect pill;
  int            width, height;
  float          pill_width, pill_height;

  pango_layout_get_pixel_size (layout, &width, &height);
  pill_height = height + 6;
  pill_width = MAX (pill_height, width + 12);
  gsk_rounded_rect_init_from_rect (&pill,
                                   &GRAPHENE_RECT_INIT (DRAG_ICON_SIZE - pill_width - 4, 4, pill_width,
                                                        pill_height),
                                   pill_height / 2);
  gtk_snapshot_push_rounded_clip (snapshot, &pill);
  gtk_snapshot_append_color (snapshot, &accent, &pill.bounds);
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (pill.bounds.origin.x + (pill_width - width) / 2,
                                                          pill.bounds.origin.y + 3));
  gtk_snapshot_append_layout (snapshot, layout, &white);
  gtk_snapshot_restore (snapshot);
}

GdkPaintable *
ks_photo_tile_create_drag_icon (KsPhotoTile *self,
                                guint        n_photos)
{
  GdkPaintable  *texture;
  GtkSnapshot   *snapshot;
  GskRoundedRect frame;
  double         width, height, scale;

  g_return_val_if_fail (KS_IS_PHOTO_TILE (self), NULL);

  texture = gtk_picture_get_paintable (self->picture);
  if (!self->has_texture || texture == NULL)
    return NULL;

  /* Cropped to a square like the tile, and a still: the tile may show
   * another photo before the drag ends. */
  width = gdk_paintable_get_intrinsic_width (texture);
  height = gdk_paintable_get_intrinsic_height (texture);
  if (width <= 0 || height <= 0)
    return NULL;
  scale = DRAG_ICON_SIZE / MIN (width, height);
  snapshot = gtk_snapshot_new ();
  gsk_rounded_rect_init_from_rect (&frame, &GRAPHENE_RECT_INIT (0, 0, DRAG_ICON_SIZE, DRAG_ICON_SIZE), 8);
  gtk_snapshot_push_rounded_clip (snapshot, &frame);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((DRAG_ICON_SIZE - width * scale) / 2,
                                                          (DRAG_ICON_SIZE - height * scale) / 2));
  gdk_paintable_snapshot (texture, snapshot, width * scale, height * scale);
  gtk_snapshot_restore (snapshot);
  gtk_snapshot_pop (snapshot);
  if (n_photos > 1)
    append_count_badge (self, snapshot, n_photos);
  return gtk_snapshot_free_to_paintable (snapshot, &GRAPHENE_SIZE_INIT (DRAG_ICON_SIZE, DRAG_ICON_SIZE));
}

gboolean
ks_photo_tile_has_texture (KsPhotoTile *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_TILE (self), FALSE);

  return self->has_texture;
}

KsPhotoItem *
ks_photo_tile_get_item (KsPhotoTile *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_TILE (self), NULL);

  return self->item;
}
