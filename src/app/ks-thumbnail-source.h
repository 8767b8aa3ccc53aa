/* ks-thumbnail-source.h: where a photo tile gets its thumbnail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-photo-item.h"

G_BEGIN_DECLS

#define KS_TYPE_THUMBNAIL_SOURCE (ks_thumbnail_source_get_type ())
G_DECLARE_INTERFACE (KsThumbnailSource, ks_thumbnail_source, KS, THUMBNAIL_SOURCE, GObject)

/*
 * Grid thumbnails as textures, decoded off the main thread: from the
 * server (KsThumbnailCache) or from the shared-album cache
 * (KsCachedThumbnails). One tile widget draws either.
 *
 * Signal "ready" (const char *photo_id): that photo's thumbnail became
 * available after a load failed (a source that never fails for want of
 * a file does not emit it).
 */
struct _KsThumbnailSourceInterface
{
  GTypeInterface parent_iface;

  GdkTexture *(*peek) (KsThumbnailSource *self,
                       KsPhotoItem       *item);
  void (*load_async) (KsThumbnailSource  *self,
                      KsPhotoItem        *item,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data);
  GdkTexture *(*load_finish) (KsThumbnailSource *self,
                              GAsyncResult      *result,
                              GError           **error);
};

/* The texture if it is in memory, without waiting. */
GdkTexture *ks_thumbnail_source_peek (KsThumbnailSource *self,
                                      KsPhotoItem       *item);
void        ks_thumbnail_source_load_async (KsThumbnailSource  *self,
                                            KsPhotoItem        *item,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
GdkTexture *ks_thumbnail_source_load_finish (KsThumbnailSource *self,
                                             GAsyncResult      *result,
                                             GError           **error);

G_END_DECLS
