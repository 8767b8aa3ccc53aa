/* ks-photo-fetch.h: a photo's preview or original, downloaded to a file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-photo-item.h"
#include "ks-transfer.h"

G_BEGIN_DECLS

typedef enum
{
  KS_PHOTO_FETCH_ORIGINAL,
  KS_PHOTO_FETCH_PREVIEW,
} KsPhotoFetchKind;

/*
 * Fresh download URLs for @item (ks_photo_item_renew_urls), from the
 * album it was listed in (GET /v1/albums/{id}/photos/{photo_id}) or,
 * for the library, GET /v1/photos/{id}.
 */
void     ks_photo_renew_urls_async (KsApiClient        *api,
                                    KsPhotoItem        *item,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean ks_photo_renew_urls_finish (GAsyncResult *result,
                                     GError      **error);

/*
 * ks_download_async with the photo's presigned URL and SHA-256; URLs
 * that are missing, about to expire or refused as expired are renewed
 * once (ks_photo_renew_urls_async). A photo
 * still uploading is copied from its local original instead, and one
 * from the shared-album cache (ks_cached_photo_item_get_cache) is copied
 * from the cache's verified file, which the cache fetches first when it
 * is missing: offline, that fails with KS_CLOUD_ERROR_NETWORK.
 */
void     ks_photo_fetch_async (KsApiClient        *api,
                               SoupSession        *soup,
                               KsPhotoItem        *item,
                               KsPhotoFetchKind    kind,
                               GFile              *dest,
                               KsProgressFunc      progress,
                               gpointer            progress_data,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data);
gboolean ks_photo_fetch_finish (GAsyncResult *result,
                                GError      **error);

/* The preview's SHA-256 (nullable), e.g. as a cache key. */
const char *ks_photo_fetch_preview_sha256 (const KsPhoto *photo,
                                           gint64        *out_size);

/* A file name in @dir not taken yet, from @name ("a.jpg", "a (2).jpg"). */
GFile *ks_photo_fetch_unique_file (GFile      *dir,
                                   const char *name);

G_END_DECLS
