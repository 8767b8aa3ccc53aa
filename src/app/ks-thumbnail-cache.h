/* ks-thumbnail-cache.h: grid thumbnails, on disk and decoded in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

#include "ks-account.h"
#include "ks-photo-item.h"
#include "ks-thumbnail-source.h"

G_BEGIN_DECLS

#define KS_TYPE_THUMBNAIL_CACHE (ks_thumbnail_cache_get_type ())
G_DECLARE_FINAL_TYPE (KsThumbnailCache, ks_thumbnail_cache, KS, THUMBNAIL_CACHE, GObject)

/*
 * Files are <dir>/<sha256 of the thumbnail>.jpg, downloaded once through
 * the photo's presigned URL (six at a time, on connections of their own),
 * checked against its SHA-256 whenever read, and read, written and
 * decoded on worker threads. The files stay on disk up to a budget of
 * 256 MiB, the least recently read trimmed first, off the main thread
 * (KsDirBudget); a trimmed one is downloaded again. The most recent
 * textures stay in memory up to a budget in bytes (48 MiB). Several
 * requests for one thumbnail
 * share one load, which is cancelled when every requester has cancelled
 * (a tile scrolled away). A URL that has expired (listings' URLs live an
 * hour), or that the store refuses, is renewed once through @account's
 * API client (ks_photo_renew_urls_async) before the download.
 */
KsThumbnailCache *ks_thumbnail_cache_new (KsAccount  *account,
                                          const char *dir);

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

/* Thumbnails decoded from now on cover a square of @size device pixels
 * (0, the default: as they come), the size the grid shows them at:
 * drawing them then needs no scaling, and they take less memory. */
void ks_thumbnail_cache_set_tile_size (KsThumbnailCache *self,
                                       int               size);

/* The bytes of the textures kept in memory, and how many there are. */
gsize ks_thumbnail_cache_get_memory_size (KsThumbnailCache *self,
                                          guint            *out_n_textures);

/* A thumbnail made on this machine (an upload): copied in so it never
 * needs downloading. Best effort. */
void ks_thumbnail_cache_add_file (KsThumbnailCache *self,
                                  const char       *sha256,
                                  GFile            *file);

G_END_DECLS
