/* ks-thumbnail-cache.h: grid thumbnails, on disk and decoded in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "ks-photo-item.h"

G_BEGIN_DECLS

#define KS_TYPE_THUMBNAIL_CACHE (ks_thumbnail_cache_get_type ())
G_DECLARE_FINAL_TYPE (KsThumbnailCache, ks_thumbnail_cache, KS, THUMBNAIL_CACHE, GObject)

/*
 * Files are <dir>/<sha256 of the thumbnail>.jpg, downloaded once through
 * the photo's presigned URL (checked against its SHA-256) and decoded on
 * a worker thread. The last few hundred textures stay in memory. Several
 * requests for one thumbnail share one download, which is cancelled when
 * every requester has cancelled (a tile scrolled away).
 */
KsThumbnailCache *ks_thumbnail_cache_new (SoupSession *soup,
                                          const char  *dir);

/* The texture if it is in memory, without waiting. */
GdkTexture *ks_thumbnail_cache_peek (KsThumbnailCache *self,
                                     KsPhotoItem      *item);

void        ks_thumbnail_cache_load_async (KsThumbnailCache   *self,
                                           KsPhotoItem        *item,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
GdkTexture *ks_thumbnail_cache_load_finish (KsThumbnailCache *self,
                                            GAsyncResult     *result,
                                            GError          **error);

/* A thumbnail made on this machine (an upload): copied in so it never
 * needs downloading. Best effort. */
void ks_thumbnail_cache_add_file (KsThumbnailCache *self,
                                  const char       *sha256,
                                  GFile            *file);

G_END_DECLS
