/* ks-cached-thumbnails.h: grid thumbnails from the shared-album cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-cache.h"
#include "ks-thumbnail-source.h"

G_BEGIN_DECLS

#define KS_TYPE_CACHED_THUMBNAILS (ks_cached_thumbnails_get_type ())
G_DECLARE_FINAL_TYPE (KsCachedThumbnails, ks_cached_thumbnails, KS, CACHED_THUMBNAILS, GObject)

/*
 * The textures of a KsCache's grid thumbnails, by photo id: the file
 * comes verified from ks_cache_get_file_async() (fetched first when it
 * is missing and the server can be reached) and is decoded on a worker
 * thread. The last few hundred stay in memory.
 *
 * A KsThumbnailSource for tiles of cached albums (an upload's own
 * thumbnail file is decoded while it uploads); it emits "ready" when the
 * cache has just stored a photo's thumbnail, so a load that failed may
 * now work.
 */

/* (transfer none) the one of @cache, made on first use and kept with it */
KsCachedThumbnails *ks_cached_thumbnails_get (KsCache *cache);

/* The texture if it is in memory, without waiting. */
GdkTexture *ks_cached_thumbnails_peek (KsCachedThumbnails *self,
                                       const char         *photo_id);

void        ks_cached_thumbnails_load_async (KsCachedThumbnails *self,
                                             const char         *photo_id,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GdkTexture *ks_cached_thumbnails_load_finish (KsCachedThumbnails *self,
                                              GAsyncResult       *result,
                                              GError            **error);

G_END_DECLS
