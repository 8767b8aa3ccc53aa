/* ks-cached-photo-tile.h: one thumbnail in a grid the cache feeds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-cached-thumbnails.h"
#include "ks-photo-item.h"

G_BEGIN_DECLS

#define KS_TYPE_CACHED_PHOTO_TILE (ks_cached_photo_tile_get_type ())
G_DECLARE_FINAL_TYPE (KsCachedPhotoTile, ks_cached_photo_tile, KS, CACHED_PHOTO_TILE, GtkWidget)

/*
 * Looks like KsPhotoTile (CSS name "photo-tile"), but draws the grid
 * thumbnail from a KsCachedThumbnails by photo id, trying again when the
 * cache says the file arrived; a photo uploading from here shows its
 * local thumbnail and progress.
 */
GtkWidget *ks_cached_photo_tile_new (KsCachedThumbnails *thumbnails);

/* @item: (nullable) to unbind: pending loads are cancelled. */
void     ks_cached_photo_tile_set_item (KsCachedPhotoTile *self,
                                        KsPhotoItem       *item);
gboolean ks_cached_photo_tile_has_texture (KsCachedPhotoTile *self);

G_END_DECLS
