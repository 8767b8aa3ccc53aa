/* ks-cached-photo-list.h: an album's photos as the shared-album cache has them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cache.h"
#include "ks-cached-thumbnails.h"
#include "ks-photo-list.h"

G_BEGIN_DECLS

#define KS_TYPE_CACHED_PHOTO_LIST (ks_cached_photo_list_get_type ())
G_DECLARE_FINAL_TYPE (KsCachedPhotoList, ks_cached_photo_list, KS, CACHED_PHOTO_LIST, GObject)

/*
 * Feeds a KsPhotoList (ks_photo_list_new_fed) with ks_cache_list_photos()
 * of one album, read on a worker thread, and again whenever the cache
 * says the album changed. No network: it works the same offline, and the
 * change-feed follower keeps the cache current while online. Items are
 * KsPhotoItem over KsPhoto without URLs; ks_cached_photo_item_get_cache()
 * tells them apart, so their files come from the cache as well.
 */
KsPhotoList *ks_cached_photo_list_new (KsCache    *cache,
                                       const char *album_id);

/* (nullable) what feeds @list, if the cache does */
KsCachedPhotoList  *ks_cached_photo_list_from_list (KsPhotoList *list);
KsCache            *ks_cached_photo_list_get_cache (KsCachedPhotoList *self);
KsCachedThumbnails *ks_cached_photo_list_get_thumbnails (KsCachedPhotoList *self);

KsPhotoItem *ks_cached_photo_item_new (KsCache             *cache,
                                       const KsCachedPhoto *photo);
/* (nullable) the cache @item came from */
KsCache *ks_cached_photo_item_get_cache (KsPhotoItem *item);

G_END_DECLS
