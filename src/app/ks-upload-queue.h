/* ks-upload-queue.h: photos the user dropped or picked, on their way up
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-account.h"
#include "ks-photo-item.h"
#include "ks-sync-engine.h"
#include "ks-thumbnail-cache.h"

G_BEGIN_DECLS

#define KS_TYPE_UPLOAD_QUEUE (ks_upload_queue_get_type ())
G_DECLARE_FINAL_TYPE (KsUploadQueue, ks_upload_queue, KS, UPLOAD_QUEUE, GObject)

/*
 * Placeholders for what the user drops or picks; the sync engine
 * (ks_sync_engine_upload_files_async) hashes, makes thumbnails,
 * uploads and adds to the album, before its background work. Its
 * journal holds every file a few milliseconds after the drop (written
 * on a worker): from then a crash or a reboot loses none; after a
 * restart, their placeholders come back once the engine is set and
 * has listed them. Files wait here, placeholders
 * shown, until the engine is set; the queue is busy, which keeps the
 * app running, until each has finished.
 *
 * Properties (notify on change):
 *   "busy"     gboolean, something is waiting or running
 *   "n-total"  guint, files since the queue was last idle
 *   "n-done"   guint, of those, finished (well or not)
 *   "n-failed" guint, failures not yet retried
 *   "paused"   gboolean, the engine's pause (folders too)
 *   "offline"  gboolean, the engine waits (server out of reach,
 *              metered network, low battery): photos wait, none fails
 *              for it
 *   "recording" gboolean, some dropped files are not in the engine's
 *              journal yet (a folder being listed, a drop being written,
 *              or no engine yet): quitting now would lose them
 *
 * Signals:
 *   "items-added" (GPtrArray *items of KsPhotoItem, const char *album_id
 *     (nullable)): placeholders for what was just dropped (or, after a
 *     restart, is still on its way), in the order dropped; put them
 *     first, the last first, all at once.
 *   "item-uploaded" (KsPhotoItem *item, const char *album_id (nullable))
 *   "item-dismissed" (KsPhotoItem *item): a failed placeholder the user
 *     gave up on; take it away
 */
KsUploadQueue *ks_upload_queue_new (KsAccount        *account,
                                    KsThumbnailCache *cache);

/* @engine: (nullable) the engine that uploads; unsent files go to it. */
void ks_upload_queue_set_engine (KsUploadQueue *self,
                                 KsSyncEngine  *engine);

/* Files and folders (their images, recursively). @album_id: (nullable) */
void ks_upload_queue_add_files (KsUploadQueue *self,
                                GListModel    *files,
                                const char    *album_id);
void ks_upload_queue_retry_failed (KsUploadQueue *self);

gboolean ks_upload_queue_get_paused (KsUploadQueue *self);
void     ks_upload_queue_set_paused (KsUploadQueue *self,
                                     gboolean       paused);

gboolean ks_upload_queue_get_busy (KsUploadQueue *self);
gboolean ks_upload_queue_get_recording (KsUploadQueue *self);
guint    ks_upload_queue_get_n_total (KsUploadQueue *self);
guint    ks_upload_queue_get_n_done (KsUploadQueue *self);
guint    ks_upload_queue_get_n_failed (KsUploadQueue *self);
gboolean ks_upload_queue_get_offline (KsUploadQueue *self);
/* Files waiting for the engine to be set. */
guint ks_upload_queue_get_n_unsent (KsUploadQueue *self);
/* @path (canonical, as the engine's signals give it) has a placeholder
 * here: the queue shows it when it is done. */
gboolean ks_upload_queue_has_file (KsUploadQueue *self,
                                   const char    *path);
/* The placeholders of the files still on their way, in the order they
 * came (dropped in this run, or in an earlier one and found in the
 * engine's journal once it is set): all of them, or those going to
 * @album_id (nullable). (element-type KsPhotoItem) */
GPtrArray *ks_upload_queue_list_items (KsUploadQueue *self,
                                       const char    *album_id);
/* (nullable): the most recent failure, or why photos wait, as a
 * sentence */
const char *ks_upload_queue_get_last_error (KsUploadQueue *self);

G_END_DECLS
