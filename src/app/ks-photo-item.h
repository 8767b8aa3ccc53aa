/* ks-photo-item.h: one photo in a grid, uploaded or on its way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ks-cloud-types.h"

G_BEGIN_DECLS

typedef enum
{
  KS_PHOTO_ITEM_READY,     /* on the server */
  KS_PHOTO_ITEM_PREPARING, /* hashing, making thumbnails */
  KS_PHOTO_ITEM_UPLOADING,
  KS_PHOTO_ITEM_FAILED,
} KsPhotoItemState;

#define KS_TYPE_PHOTO_ITEM (ks_photo_item_get_type ())
G_DECLARE_FINAL_TYPE (KsPhotoItem, ks_photo_item, KS, PHOTO_ITEM, GObject)

/*
 * Properties (notify on change):
 *   "state"     KsPhotoItemState
 *   "progress"  double, 0-1, while uploading
 *   "error"     (nullable) a sentence, when FAILED
 *   "local-thumbnail" (nullable) GFile of the grid thumbnail made here
 *   "title"     file name
 */
/* Takes @photo. */
KsPhotoItem *ks_photo_item_new (KsPhoto *photo);
KsPhotoItem *ks_photo_item_new_pending (GFile *original);

/* (nullable) until uploaded */
const KsPhoto   *ks_photo_item_get_photo (KsPhotoItem *self);
const char      *ks_photo_item_get_id (KsPhotoItem *self);
GFile           *ks_photo_item_get_original (KsPhotoItem *self);
const char      *ks_photo_item_get_title (KsPhotoItem *self);
KsPhotoItemState ks_photo_item_get_state (KsPhotoItem *self);
double           ks_photo_item_get_progress (KsPhotoItem *self);
const char      *ks_photo_item_get_error (KsPhotoItem *self);
GFile           *ks_photo_item_get_local_thumbnail (KsPhotoItem *self);

/* The grid thumbnail's SHA-256 and size (NULL/-1 when there is none) and
 * its presigned URL (nullable). */
const char *ks_photo_item_get_grid_sha256 (KsPhotoItem *self,
                                           gint64      *out_size);
const char *ks_photo_item_get_grid_url (KsPhotoItem *self);

/* (nullable) the album whose listing the photo came from: its download
 * URLs are renewed through that album (the photo may be a member's). */
const char *ks_photo_item_get_album_id (KsPhotoItem *self);
void        ks_photo_item_set_album_id (KsPhotoItem *self,
                                        const char  *album_id);
/* How long before "urls_expire_at" the URLs count as expired: a
 * download started then may still be running when they do. */
#define KS_PHOTO_ITEM_URL_MARGIN (60 * G_USEC_PER_SEC)
/* The download URLs expire within KS_PHOTO_ITEM_URL_MARGIN (or have). */
gboolean ks_photo_item_get_urls_expiring (KsPhotoItem *self);
/* Takes @fresh, the same photo from the server: its URLs replace the
 * item's (ks_photo_renew_urls_async() fetches it). */
void ks_photo_item_renew_urls (KsPhotoItem *self,
                               KsPhoto     *fresh);

void ks_photo_item_set_preparing (KsPhotoItem *self);
void ks_photo_item_set_uploading (KsPhotoItem *self,
                                  GFile       *local_thumbnail,
                                  const char  *grid_sha256);
void ks_photo_item_set_progress (KsPhotoItem *self,
                                 double       progress);
void ks_photo_item_set_failed (KsPhotoItem *self,
                               const char  *error);
/* Takes @photo: the upload is done. */
void ks_photo_item_set_photo (KsPhotoItem *self,
                              KsPhoto     *photo);

G_END_DECLS
