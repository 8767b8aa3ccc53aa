/* ks-cached-albums.h: the shared albums as the cache has them, read off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cache.h"

G_BEGIN_DECLS

typedef struct
{
  GPtrArray *albums;    /* KsAlbum, newest first */
  GPtrArray *cover_ids; /* char *, nullable: the newest photo of each */
  gboolean   synced;    /* the cache has followed the server at least once */
} KsCachedAlbums;

void ks_cached_albums_free (KsCachedAlbums *self);

/* The albums others shared with the cache's user (the database is read
 * on a worker thread: a writer's transaction may hold it a moment). */
void            ks_cached_albums_read_async (KsCache            *cache,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
KsCachedAlbums *ks_cached_albums_read_finish (GAsyncResult *result,
                                              GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCachedAlbums, ks_cached_albums_free)

G_END_DECLS
