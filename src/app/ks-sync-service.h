/* ks-sync-service.h: what keeps running while someone is signed in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-account.h"
#include "ks-cache.h"
#include "ks-feed-follower.h"
#include "ks-sync-engine.h"
#include "ks-thumbnail-cache.h"
#include "ks-upload-queue.h"

G_BEGIN_DECLS

#define KS_TYPE_SYNC_SERVICE (ks_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (KsSyncService, ks_sync_service, KS, SYNC_SERVICE, GObject)

/*
 * Owned by the application, not by a window: the sync engine of the
 * profile's journal (watched folders, shared with keepsake-cli), the
 * shared-album cache, the change-feed follower and the queue of photos
 * dropped or picked in a window. They start when the account signs in
 * and stop when it signs out or the app quits, so closing the window
 * does not stop them.
 *
 * The engine and the follower follow the GSettings of the app
 * (upload-on-metered, upload-on-battery, bandwidth-limit-kbps,
 * cache-budget-mib).
 *
 * Properties (notify on change):
 *   "engine"   (nullable) KsSyncEngine, once its journal is opened after
 *              signing in (opening checks the database, on a worker)
 *   "cache"    (nullable) KsCache, once opened after signing in (also
 *              on a worker)
 *   "follower" (nullable) KsFeedFollower, with "cache"
 *   "upload-queue" (nullable) KsUploadQueue, while signed in
 *
 * Signals:
 *   "notification" (KsFeedNotification *): a friend added photos or
 *     shared an album, from the follower
 *   "failed" (const char *message): the journal or the cache could not be
 *     opened; the rest of the app works without them
 *   "started-over" (guint n_folders, const char *aside): a damaged
 *     journal was replaced (ks_sync_service_start_over())
 *
 * "journal-error" (nullable GError, notify): why the journal could not
 * be opened, while there is no engine for that reason.
 */
KsSyncService *ks_sync_service_new (KsAccount *account,
                                    GSettings *settings);

KsSyncEngine   *ks_sync_service_get_engine (KsSyncService *self);
KsCache        *ks_sync_service_get_cache (KsSyncService *self);
KsFeedFollower *ks_sync_service_get_follower (KsSyncService *self);
/* (nullable) NULL only while signed out. */
KsUploadQueue *ks_sync_service_get_upload_queue (KsSyncService *self);
/* Grid thumbnails of every window and of the queue; never NULL. */
KsThumbnailCache *ks_sync_service_get_thumbnails (KsSyncService *self);

const GError *ks_sync_service_get_journal_error (KsSyncService *self);
/* With a journal that is KS_SYNC_ERROR_JOURNAL_DAMAGED: moves it aside
 * and opens a new one with the folders it still gives
 * (ks_journal_start_over(), on a worker); "engine" and "started-over"
 * follow, or "journal-error" says why not. */
void ks_sync_service_start_over (KsSyncService *self);

/* Stops everything (the journal says where to go on); for quitting. */
void ks_sync_service_shutdown (KsSyncService *self);

G_END_DECLS
