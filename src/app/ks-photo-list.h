/* ks-photo-list.h: the photos of the library or of one album, paged in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-api-client.h"
#include "ks-photo-item.h"

G_BEGIN_DECLS

#define KS_TYPE_PHOTO_LIST (ks_photo_list_get_type ())
G_DECLARE_FINAL_TYPE (KsPhotoList, ks_photo_list, KS, PHOTO_LIST, GObject)

/*
 * A GListModel of KsPhotoItem. Pages of 200 are fetched as the view asks
 * for items near the end, so a large library costs one page at launch.
 * Uploads in progress are prepended and stay through reloads.
 *
 * Properties (notify on change):
 *   "loading" gboolean, a page is being fetched
 *   "loaded"  gboolean, the first page arrived
 *   "error"   (nullable) the last page's failure, as a sentence
 */
/* @album_id: (nullable) for the library */
KsPhotoList *ks_photo_list_new (KsApiClient *api,
                                const char  *album_id);

/*
 * A list fed from elsewhere instead of paged from the API (the shared-album
 * cache: ks-cached-photo-list.h). It keeps @feeder alive; reloading calls
 * @reload (feeder, list), which answers with ks_photo_list_set_items().
 */
typedef void (*KsPhotoListReloadFunc) (GObject     *feeder,
                                       KsPhotoList *list);
KsPhotoList *ks_photo_list_new_fed (const char           *album_id,
                                    GObject              *feeder,
                                    KsPhotoListReloadFunc reload);
/* (nullable) the feeder of a fed list */
GObject *ks_photo_list_get_feeder (KsPhotoList *self);
/* For fed lists: the photos that finished uploading become @items
 * (KsPhotoItem, in order), keeping the item already listed for a photo
 * id; uploads in progress stay first. @error: (nullable) a sentence. */
void ks_photo_list_set_items (KsPhotoList *self,
                              GPtrArray   *items,
                              const char  *error);

const char *ks_photo_list_get_album_id (KsPhotoList *self);
gboolean    ks_photo_list_get_loading (KsPhotoList *self);
gboolean    ks_photo_list_get_loaded (KsPhotoList *self);
/* Every page is in (no more to fetch). */
gboolean    ks_photo_list_get_complete (KsPhotoList *self);
const char *ks_photo_list_get_error (KsPhotoList *self);

void ks_photo_list_reload (KsPhotoList *self);
void ks_photo_list_prepend (KsPhotoList *self,
                            KsPhotoItem *item);
/* @items (KsPhotoItem) go first, the last of them first, as if each
 * were prepended in turn; one change for all. */
void ks_photo_list_prepend_items (KsPhotoList *self,
                                  GPtrArray   *items);
void ks_photo_list_remove (KsPhotoList *self,
                           KsPhotoItem *item);

G_END_DECLS
