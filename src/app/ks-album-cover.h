/* ks-album-cover.h: a small square photo with rounded corners
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define KS_TYPE_ALBUM_COVER (ks_album_cover_get_type ())
G_DECLARE_FINAL_TYPE (KsAlbumCover, ks_album_cover, KS, ALBUM_COVER, GtkWidget)

/* @size px square; the placeholder icon shows until a paintable is set. */
GtkWidget *ks_album_cover_new (int         size,
                               const char *icon_name);

/* @paintable: (nullable) drawn cropped to fill the square */
void ks_album_cover_set_paintable (KsAlbumCover *self,
                                   GdkPaintable *paintable);

G_END_DECLS
