/* ks-album-cover.c: a small square photo with rounded corners
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-album-cover.h"

struct _KsAlbumCover
{
  GtkWidget parent_instance;

  int           size;
  GdkPaintable *paintable; /* nullable */
  GtkWidget    *icon;
};

G_DEFINE_FINAL_TYPE (KsAlbumCover, ks_album_cover, GTK_TYPE_WIDGET)

static void
ks_album_cover_measure (GtkWidget     *widget,
                        GtkOrientation orientation,
                        int            for_size,
                        int           *minimum,
                        int           *natural,
                        int           *minimum_baseline,
                        int           *natural_baseline)
{
  *minimum = *natural = KS_ALBUM_COVER (widget)->size;
}

static void
ks_album_cover_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  gtk_widget_allocate (KS_ALBUM_COVER (widget)->icon, width, height, baseline, NULL);
}

/* Scaled to cover the square, centred, the rest clipped by the CSS's
 * rounded corners (overflow: hidden). */
static void
ks_album_cover_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  KsAlbumCover *self = KS_ALBUM_COVER (widget);
  double        ratio, width, height;
  int           size = gtk_widget_get_width (widget);

  if (self->paintable == NULL)
    {
      gtk_widget_snapshot_child (widget, self->icon, snapshot);
      return;
    }

  ratio = gdk_paintable_get_intrinsic_aspect_ratio (self->paintable);
  if (ratio <= 0)
    ratio = 1;
  width = ratio >= 1 ? size * ratio : size;
  height = ratio >= 1 ? size : size / ratio;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((size - width) / 2, (size - height) / 2));
  gdk_paintable_snapshot (self->paintable, snapshot, width, height);
  gtk_snapshot_restore (snapshot);
}

static void
ks_album_cover_dispose (GObject *object)
{
  KsAlbumCover *self = KS_ALBUM_COVER (object);

  g_clear_object (&self->paintable);
  g_clear_pointer (&self->icon, gtk_widget_unparent);

  G_OBJECT_CLASS (ks_album_cover_parent_class)->dispose (object);
}

static void
ks_album_cover_class_init (KsAlbumCoverClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ks_album_cover_dispose;
  widget_class->measure = ks_album_cover_measure;
  widget_class->size_allocate = ks_album_cover_size_allocate;
  widget_class->snapshot = ks_album_cover_snapshot;
  gtk_widget_class_set_css_name (widget_class, "album-cover");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
ks_album_cover_init (KsAlbumCover *self)
{
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
}

GtkWidget *
ks_album_cover_new (int         size,
                    const char *icon_name)
{
  KsAlbumCover *self = g_object_new (KS_TYPE_ALBUM_COVER, NULL);

  self->size = size;
  self->icon = gtk_image_new_from_icon_name (icon_name);
  gtk_widget_set_parent (self->icon, GTK_WIDGET (self));
  return GTK_WIDGET (self);
}

void
ks_album_cover_set_paintable (KsAlbumCover *self,
                              GdkPaintable *paintable)
{
  g_return_if_fail (KS_IS_ALBUM_COVER (self));

  if (g_set_object (&self->paintable, paintable))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}
