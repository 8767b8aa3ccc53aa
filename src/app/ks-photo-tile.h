/* ks-photo-tile.h: one thumbnail in a photo grid
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-photo-item.h"
#include "ks-thumbnail-source.h"

G_BEGIN_DECLS

#define KS_TYPE_PHOTO_TILE (ks_photo_tile_get_type ())
G_DECLARE_FINAL_TYPE (KsPhotoTile, ks_photo_tile, KS, PHOTO_TILE, GtkWidget)

GtkWidget *ks_photo_tile_new (KsThumbnailSource *source);

/* @item: (nullable) to unbind: pending loads are cancelled. */
void ks_photo_tile_set_item (KsPhotoTile *self,
                             KsPhotoItem *item);

/* (nullable) the photo shown */
KsPhotoItem *ks_photo_tile_get_item (KsPhotoTile *self);

/* Whether the thumbnail is on screen (not the placeholder). */
gboolean ks_photo_tile_has_texture (KsPhotoTile *self);

/* (transfer full) (nullable): a small still of the thumbnail for a drag,
 * with a count when it carries @n_photos > 1; NULL before the thumbnail
 * has loaded. */
GdkPaintable *ks_photo_tile_create_drag_icon (KsPhotoTile *self,
                                              guint        n_photos);

G_END_DECLS
