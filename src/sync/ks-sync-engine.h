/* ks-sync-engine.h: watched folders to albums, crash-safe
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-api-client.h"
#include "ks-journal.h"

G_BEGIN_DECLS

typedef enum
{
  KS_SYNC_STATE_IDLE,     /* nothing to do */
  KS_SYNC_STATE_SCANNING, /* a full scan is running, nothing uploads */
  KS_SYNC_STATE_SYNCING,  /* files are being hashed or uploaded */
  KS_SYNC_STATE_PAUSED,   /* by the user */
  KS_SYNC_STATE_OFFLINE,  /* no server, or a metered network */
  KS_SYNC_STATE_ERROR,    /* needs the user: signed out, journal broken */
} KsSyncState;

#define KS_TYPE_SYNC_STATE (ks_sync_state_get_type ())
GType       ks_sync_state_get_type (void);
const char *ks_sync_state_to_string (KsSyncState state);

/* Where a watched folder's photos go. */
typedef enum
{
  KS_SYNC_ALBUM_DEFAULT, /* a new album named after the folder */
  KS_SYNC_ALBUM_NAMED,   /* the user's album of that name, made if none */
  KS_SYNC_ALBUM_ID,      /* an existing album */
  KS_SYNC_ALBUM_NONE,    /* no album */
} KsSyncAlbum;

/* Priorities of ks_sync_engine_upload_files_async(): higher goes first. */
#define KS_SYNC_PRIORITY_BACKGROUND 0
#define KS_SYNC_PRIORITY_USER 100

#define KS_SYNC_DEFAULT_MAX_UPLOADS 3
#define KS_SYNC_DEFAULT_RESCAN_INTERVAL (60 * 60) /* seconds */
#define KS_SYNC_DEFAULT_MAX_ATTEMPTS 8
#define KS_SYNC_DEFAULT_BATTERY_THRESHOLD 20 /* percent */

/* ---- the journal's folder records, shared with keepsake-cli ---- */

/* g_get_user_state_dir()/keepsake/@profile_name/journal.db: the app and
 * keepsake-cli share one journal per profile. */
char *ks_sync_default_journal_path (const char *profile_name);

/* Adds @folder (made absolute and canonical) to @journal with its album
 * choice; @album: the name or id for _NAMED and _ID, else NULL. */
gint64 ks_sync_journal_add_folder (KsJournal  *journal,
                                   GFile      *folder,
                                   KsSyncAlbum album,
                                   const char *album_value,
                                   GError    **error);
/* How a folder record's album_id column reads: the album id, or the
 * name still to find or create (*out_album = _NAMED), or _NONE. */
KsSyncAlbum ks_sync_folder_get_album (const KsJournalFolder *folder,
                                      const char           **out_value);

/* A small key file next to the journal ("<journal>.control") that other
 * processes write and a running engine watches: "paused", and a
 * "folders" generation bumped when folders are added or removed. */
gboolean ks_sync_control_set_paused (const char *journal_path,
                                     gboolean    paused,
                                     GError    **error);
gboolean ks_sync_control_get_paused (const char *journal_path);
gboolean ks_sync_control_touch_folders (const char *journal_path,
                                        GError    **error);

/* ---- one entry of the activity list ---- */

#define KS_TYPE_SYNC_ACTIVITY (ks_sync_activity_get_type ())
G_DECLARE_FINAL_TYPE (KsSyncActivity, ks_sync_activity, KS, SYNC_ACTIVITY, GObject)

typedef enum
{
  KS_SYNC_ACTIVITY_UPLOADED,
  KS_SYNC_ACTIVITY_EXISTED, /* same content already there: no bytes sent */
  KS_SYNC_ACTIVITY_FAILED,
  KS_SYNC_ACTIVITY_SKIPPED, /* not an image */
  KS_SYNC_ACTIVITY_FOLDER_PAUSED,
  KS_SYNC_ACTIVITY_FOLDER_RESUMED,
} KsSyncActivityKind;

KsSyncActivityKind ks_sync_activity_get_kind (KsSyncActivity *self);
/* Absolute path of the file or folder. */
const char *ks_sync_activity_get_path (KsSyncActivity *self);
/* nullable: the photo */
const char *ks_sync_activity_get_photo_id (KsSyncActivity *self);
/* nullable: what went wrong, one sentence */
const char *ks_sync_activity_get_message (KsSyncActivity *self);
gint64      ks_sync_activity_get_time (KsSyncActivity *self); /* µs */

/* ---- the engine ---- */

#define KS_TYPE_SYNC_ENGINE (ks_sync_engine_get_type ())
G_DECLARE_FINAL_TYPE (KsSyncEngine, ks_sync_engine, KS, SYNC_ENGINE, GObject)

/*
 * Properties (notify on change, on the main context of creation):
 *   "state"            KsSyncState
 *   "paused"           gboolean, read-write: user pause (also from
 *                      another process through the control file)
 *   "n-queued"         guint64: files still to hash or upload
 *   "n-done"           guint64: files on the server
 *   "n-failed"         guint64: files that need a retry
 *   "bytes-done", "bytes-total"  guint64: uploads of this run
 *   "current-files"    GStrv: absolute paths being uploaded now
 *   "last-error"       nullable string: why the state is ERROR/OFFLINE
 *   "max-uploads"      guint, default 3
 *   "bandwidth-limit"  guint64 bytes a second, 0 for none
 *   "allow-metered"    gboolean, default FALSE
 *   "allow-low-battery" gboolean, default FALSE: upload on battery
 *                      below "battery-threshold" (UPower's display
 *                      device); otherwise such a machine waits (OFFLINE,
 *                      "last-error" says why; no new upload or hashing
 *                      starts, scans go on) until charging or above
 *   "battery-threshold" guint percent, default 20
 *   "rescan-interval"  guint seconds, default one hour
 *   "settle-interval"  guint ms for the watchers (default 1000)
 *   "max-attempts"     guint, transient failures before FAILED
 *
 * Signals:
 *   "file-prepared" (const char *path, GFile *grid, const char *grid_sha256):
 *     hashed, thumbnails made (@grid lives until the file's upload ends)
 *   "file-progress" (const char *path, guint64 done, guint64 total): bytes
 *     of the original and its thumbnails sent
 *   "file-done" (const char *path, const char *photo_id, gboolean existed)
 *   "file-failed" (const char *path, GError *error): a permanent failure,
 *     recorded in the journal's error list (or a dropped file that could
 *     not be read at all)
 *   "file-dismissed" (const char *path): a failed file the user gave up
 *     on, no longer failed (ks_sync_engine_dismiss())
 *   "scan-finished" (const char *folder_path, guint n_files)
 *
 * Hashing and thumbnails run on the thumbnailer's pool, scans and their
 * journal batches on a worker thread; the main thread only schedules.
 */
KsSyncEngine *ks_sync_engine_new (KsJournal   *journal,
                                  KsApiClient *api,
                                  SoupSession *soup,
                                  const char  *cache_dir);

KsJournal  *ks_sync_engine_get_journal (KsSyncEngine *self);
KsSyncState ks_sync_engine_get_state (KsSyncEngine *self);
gboolean    ks_sync_engine_get_paused (KsSyncEngine *self);
void        ks_sync_engine_set_paused (KsSyncEngine *self,
                                       gboolean      paused);
void        ks_sync_engine_set_max_uploads (KsSyncEngine *self,
                                            guint         n);
void        ks_sync_engine_set_bandwidth_limit (KsSyncEngine *self,
                                                guint64       bytes_per_second);
void        ks_sync_engine_set_allow_metered (KsSyncEngine *self,
                                              gboolean      allow);
void        ks_sync_engine_set_allow_low_battery (KsSyncEngine *self,
                                                  gboolean      allow);
void        ks_sync_engine_set_battery_threshold (KsSyncEngine *self,
                                                  guint         percent);
void        ks_sync_engine_set_rescan_interval (KsSyncEngine *self,
                                                guint         seconds);
void        ks_sync_engine_set_settle_interval (KsSyncEngine *self,
                                                guint         msec);
void        ks_sync_engine_set_max_attempts (KsSyncEngine *self,
                                             guint         n);
/* For tests: the first retry waits @base_ms (doubling, full jitter). */
void ks_sync_engine_set_retry_base (KsSyncEngine *self,
                                    guint         base_ms);

/* Counts from the journal: queued (new to uploading), done, failed. */
void        ks_sync_engine_get_counts (KsSyncEngine *self,
                                       guint64      *out_queued,
                                       guint64      *out_done,
                                       guint64      *out_failed);
GStrv       ks_sync_engine_dup_current_files (KsSyncEngine *self);
const char *ks_sync_engine_get_last_error (KsSyncEngine *self);

/* Why uploads wait, in state OFFLINE. */
typedef enum
{
  KS_SYNC_WAIT_NONE,
  KS_SYNC_WAIT_OFFLINE, /* the server cannot be reached */
  KS_SYNC_WAIT_METERED, /* a metered network, not allowed */
  KS_SYNC_WAIT_BATTERY, /* on battery below the threshold, not allowed */
  KS_SYNC_WAIT_CACHE,   /* thumbnails cannot be written (disk full) */
} KsSyncWait;

KsSyncWait ks_sync_engine_get_wait (KsSyncEngine *self);
/* (nullable): what stopped the engine (state ERROR), e.g. another
 * process syncing the same journal. */
const GError *ks_sync_engine_get_error (KsSyncEngine *self);
/* (element-type KsSyncActivity): newest first, the last 200. */
GListModel *ks_sync_engine_get_activity (KsSyncEngine *self);

/* Watches every folder of the journal and starts their scans. */
void ks_sync_engine_start (KsSyncEngine *self);
/* Cancels what runs (nothing is lost: the journal says where to go on)
 * and stops watching; no signal after it returns. */
void ks_sync_engine_stop (KsSyncEngine *self);

/* Adds a folder while running (scanned and watched at once). */
gboolean ks_sync_engine_add_folder (KsSyncEngine *self,
                                    GFile        *folder,
                                    KsSyncAlbum   album,
                                    const char   *album_value,
                                    GError      **error);
/* Stops watching and forgets it; the cloud keeps every photo. */
gboolean ks_sync_engine_remove_folder (KsSyncEngine *self,
                                       GFile        *folder,
                                       GError      **error);
/* Rescans every folder now (also done every rescan-interval). */
void ks_sync_engine_rescan (KsSyncEngine *self);

/* Drag and drop: @files (GFile, regular files) go before background
 * work and into @album_id (nullable). A file of a watched folder whose
 * photos go to that album stays the folder's; others are tracked under
 * a hidden "dropped files" record of the journal. A file uploaded
 * before goes through the queue again (its photo restored from the
 * server's trash, or uploaded again if purged since). The files are
 * looked at and written to the journal on a worker, a few milliseconds
 * a transaction; once it completes every file is in the journal (so no
 * crash or reboot loses it) or has had "file-failed" (not a file here,
 * known not to be a photo, or the journal failed: then the error says
 * why too). Each journaled file then ends with "file-done" or
 * "file-failed". Cancelling stops the journaling between transactions;
 * the files not written get no signal. */
void     ks_sync_engine_upload_files_async (KsSyncEngine       *self,
                                            GList              *files,
                                            const char         *album_id,
                                            int                 priority,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean ks_sync_engine_upload_files_finish (KsSyncEngine *self,
                                             GAsyncResult *result,
                                             GError      **error);

/* A dropped file (above background priority) not finished yet. */
typedef struct
{
  char *path;     /* as the signals name it */
  char *album_id; /* nullable: its folder's album, if known */
} KsSyncDropped;

void ks_sync_dropped_free (KsSyncDropped *self);

/* The files dropped, in this run or an earlier one, still on their way
 * up, oldest first: read from the journal on a worker. One that
 * finishes while they are read may be listed still, its "file-done" or
 * "file-failed" emitted before @callback runs. (element-type
 * KsSyncDropped) */
void       ks_sync_engine_list_dropped_async (KsSyncEngine       *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray *ks_sync_engine_list_dropped_finish (KsSyncEngine *self,
                                               GAsyncResult *result,
                                               GError      **error);

/* FAILED files (one, or all with @file_id 0) back into the queue. */
gboolean ks_sync_engine_retry (KsSyncEngine *self,
                               gint64        file_id,
                               GError      **error);

/* A FAILED file the user gave up on: not tried again until it changes
 * (a file of a watched folder), or forgotten (a dropped file: dropping
 * it again tries it anew). Emits "file-dismissed". */
gboolean ks_sync_engine_dismiss (KsSyncEngine *self,
                                 gint64        file_id,
                                 GError      **error);

/* Completes when every folder has been scanned and nothing is left to
 * hash or upload (files waiting for a retry included; FAILED ones are
 * left), or with KS_CLOUD_ERROR_NETWORK when the server stays away, or
 * with the error that put the engine in ERROR. `keepsake-cli sync run
 * --once` is this. Starts the engine if needed. */
void     ks_sync_engine_sync_async (KsSyncEngine       *self,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean ks_sync_engine_sync_finish (KsSyncEngine *self,
                                     GAsyncResult *result,
                                     GError      **error);

G_END_DECLS
