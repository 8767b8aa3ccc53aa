/* ks-upload-queue.h: photos the user dropped or picked, on their way up
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-account.h"
#include "ks-photo-item.h"
#include "ks-thumbnail-cache.h"

G_BEGIN_DECLS

#define KS_TYPE_UPLOAD_QUEUE (ks_upload_queue_get_type ())
G_DECLARE_FINAL_TYPE (KsUploadQueue, ks_upload_queue, KS, UPLOAD_QUEUE, GObject)

/*
 * Each file: thumbnails and hash made locally (ks_thumbnails_make_async),
 * then KsUploader (resumable), then, for an album, added to it. A few
 * run at once; the rest wait their turn.
 *
 * Properties (notify on change):
 *   "busy"     gboolean, something is waiting or running
 *   "n-total"  guint, files since the queue was last idle
 *   "n-done"   guint, of those, finished (well or not)
 *   "n-failed" guint, failures not yet retried
 *   "fraction" double, overall progress of the current run
 *   "offline"  gboolean, the server could not be reached: photos wait
 *              (none fails for it) and are tried again after a while
 *              (2 s, doubling up to a minute) or when the network
 *              comes back
 *
 * Signals:
 *   "item-added" (KsPhotoItem *item, const char *album_id (nullable)):
 *     a placeholder to show at once
 *   "item-uploaded" (KsPhotoItem *item, const char *album_id (nullable))
 */
KsUploadQueue *ks_upload_queue_new (KsAccount        *account,
                                    KsThumbnailCache *cache);

/* Files and folders (their images, recursively). @album_id: (nullable) */
void ks_upload_queue_add_files (KsUploadQueue *self,
                                GListModel    *files,
                                const char    *album_id);
void ks_upload_queue_retry_failed (KsUploadQueue *self);

gboolean ks_upload_queue_get_paused (KsUploadQueue *self);
void     ks_upload_queue_set_paused (KsUploadQueue *self,
                                     gboolean       paused);

gboolean ks_upload_queue_get_busy (KsUploadQueue *self);
guint    ks_upload_queue_get_n_total (KsUploadQueue *self);
guint    ks_upload_queue_get_n_done (KsUploadQueue *self);
guint    ks_upload_queue_get_n_failed (KsUploadQueue *self);
double   ks_upload_queue_get_fraction (KsUploadQueue *self);
gboolean ks_upload_queue_get_offline (KsUploadQueue *self);
/* (nullable): the most recent failure, or why photos wait, as a
 * sentence */
const char *ks_upload_queue_get_last_error (KsUploadQueue *self);

G_END_DECLS
