/* ks-sync-engine-private.h: what ks-sync-*.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-rate-limiter.h"
#include "ks-sync-engine.h"
#include "ks-sync-error.h"
#include "ks-thumbnailer.h"
#include "ks-transfer.h"
#include "ks-watcher.h"

G_BEGIN_DECLS

/* Folder records of dropped files: "drop:" + album id (or nothing);
 * their files' paths are absolute paths without the leading '/'. */
#define KS_SYNC_DROP_PREFIX "drop:"
/* The album_id column of a folder whose album is found (or made) by
 * name on its first upload. */
#define KS_SYNC_ALBUM_NAME_PREFIX "name:"

/* Photos in the uploader a transfer slot (max-uploads): one sending its
 * bytes, one preparing or committing, so that the round trips before
 * and after a photo's bytes overlap another photo's. */
#define KS_SYNC_PHOTOS_PER_SLOT 2

typedef struct _KsSyncFolder KsSyncFolder;
typedef struct _KsSyncJob    KsSyncJob;

struct _KsSyncFolder
{
  KsSyncEngine *engine; /* unowned */
  gint64        id;
  char         *path;             /* the record's path */
  GFile        *root;             /* nullable: drop records have none */
  KsWatcher    *watcher;          /* owned, nullable */
  GCancellable *scan_cancellable; /* owned, nullable: while scanning */
  gboolean      rescan_pending;
  gboolean      paused;
  char         *album_id; /* nullable: resolved, or none */
  KsSyncAlbum   album_kind;
  char         *album_name; /* for _NAMED until resolved */
};

typedef enum
{
  KS_SYNC_JOB_HASHING,
  KS_SYNC_JOB_READY, /* hashed, waiting for an upload slot */
  KS_SYNC_JOB_UPLOADING,
  KS_SYNC_JOB_ALBUM_WAIT, /* uploaded, waiting for its album */
  KS_SYNC_JOB_ALBUM_ADD,
} KsSyncJobStage;

struct _KsSyncJob
{
  KsSyncEngine  *engine; /* owned ref */
  KsSyncJobStage stage;
  gint64         file_id;
  gint64         folder_id;
  char          *rel_path;
  int            priority;
  int            attempts;
  KsJournalStat  stat;
  char          *path; /* absolute */
  GFile         *file;
  GFile         *thumb_dir;
  char          *sha256;   /* nullable until hashed */
  KsThumbnails  *thumbs;   /* nullable */
  char          *photo_id; /* nullable: on the server as this */
  gboolean       existed;
  gboolean       deleted; /* the server's copy is in the trash */
  gboolean       uploading;
  GCancellable  *cancellable; /* owned */
  goffset        bytes_done;
  goffset        bytes_total;
};

struct _KsSyncEngine
{
  GObject parent_instance;

  KsJournal     *journal;
  KsApiClient   *api;
  SoupSession   *soup;
  KsUploader    *uploader;
  KsRateLimiter *limiter;
  char          *cache_dir;
  char          *control_path;
  GMainContext  *context;

  gboolean    started;
  int         lock_fd;
  GHashTable *folders;   /* gint64 id -> KsSyncFolder */
  GHashTable *jobs;      /* gint64 file id -> KsSyncJob */
  GQueue      ready;     /* KsSyncJob hashed, waiting for a slot */
  GHashTable *busy_shas; /* sha256 being uploaded */
  guint       n_hashing;
  guint       n_uploading;
  guint       n_scans;
  GPtrArray  *album_waiters; /* KsSyncJob waiting for an album */
  gboolean    album_busy;
  GHashTable *album_adds;    /* album id → GPtrArray of KsSyncJob to add next */
  GHashTable *albums_adding; /* album ids with an add request out */

  guint    pump_id;
  guint    refresh_id;
  guint    retry_id;
  guint    rescan_id;
  guint    probe_id;
  guint    probe_delay_ms;
  gboolean probing;
  guint    cache_retry_id;       /* while cache_full */
  guint    cache_retry_delay_ms; /* doubles while it stays full */
  gboolean cache_full;           /* thumbnails cannot be written: no hashing */

  KsSyncState state;
  gboolean    paused;
  gboolean    offline;
  gboolean    metered;
  char       *last_error;
  GError     *fatal;
  guint64     counts[3]; /* queued, done, failed */
  guint64     pending;   /* queued in folders not paused */
  guint64     bytes_done;
  guint64     bytes_total;
  GStrv       current_files;

  GListStore      *activity;
  GFileMonitor    *control_monitor;
  gint64           control_folders;
  GNetworkMonitor *network;
  GPtrArray       *sync_tasks; /* GTask */

  GDBusProxy   *power;             /* owned, nullable: UPower's display device */
  GCancellable *power_cancellable; /* owned, nullable: while connecting to it */
  guint         power_wait_id;     /* while nothing starts until UPower answers */
  gboolean      low_battery;       /* uploads and hashing wait for a charger */
  char         *battery_message;   /* nullable: why, while low_battery */

  guint    max_uploads;
  guint    max_hashing;
  guint    max_attempts;
  guint    rescan_interval;
  guint    settle_ms;
  guint    retry_base_ms;
  guint64  bandwidth;
  gboolean allow_metered;
  gboolean allow_low_battery;
  guint    battery_threshold;
};

enum
{
  KS_SYNC_SIGNAL_FILE_PREPARED,
  KS_SYNC_SIGNAL_FILE_PROGRESS,
  KS_SYNC_SIGNAL_FILE_DONE,
  KS_SYNC_SIGNAL_FILE_FAILED,
  KS_SYNC_SIGNAL_FILE_DISMISSED,
  KS_SYNC_SIGNAL_SCAN_FINISHED,
  KS_SYNC_N_SIGNALS,
};

extern guint ks_sync_engine_signals[KS_SYNC_N_SIGNALS];

/* ks-sync-engine.c */
void     ks_sync_engine_update_state (KsSyncEngine *self);
void     ks_sync_engine_queue_refresh (KsSyncEngine *self);
void     ks_sync_engine_set_fatal (KsSyncEngine *self,
                                   const GError *error);
void     ks_sync_engine_add_activity (KsSyncEngine      *self,
                                      KsSyncActivityKind kind,
                                      const char        *path,
                                      const char        *photo_id,
                                      const char        *message);
gboolean ks_sync_engine_can_upload (KsSyncEngine *self);
gboolean ks_sync_engine_can_hash (KsSyncEngine *self);
void     ks_sync_engine_set_last_error (KsSyncEngine *self,
                                        const char   *message);
void     ks_sync_engine_complete_sync_tasks (KsSyncEngine *self,
                                             const GError *error);
void     ks_sync_engine_notify_paused (KsSyncEngine *self);
/* Thumbnails cannot be written (KS_SYNC_ERROR_CACHE): nothing more is
 * hashed until a retry, after a second, then twice as long each time it
 * fails again, up to half a minute. */
void ks_sync_engine_wait_for_cache (KsSyncEngine *self,
                                    const GError *error);
void ks_sync_engine_notify_rescan_interval (KsSyncEngine *self);

/* ks-sync-engine-run.c */
/* Watches the folder of @record (started with the engine). */
KsSyncFolder *ks_sync_engine_add_record (KsSyncEngine          *self,
                                         const KsJournalFolder *record);

/* ks-sync-network.c */
void ks_sync_engine_watch_network (KsSyncEngine *self,
                                   gboolean      watch);
void ks_sync_engine_go_offline (KsSyncEngine *self,
                                const GError *error);

/* ks-sync-power.c */
void ks_sync_engine_watch_power (KsSyncEngine *self,
                                 gboolean      watch);
/* Reads the battery again (or the settings changed). */
void ks_sync_power_update (KsSyncEngine *self);
/* Waiting for UPower's first answer: nothing is hashed or uploaded. */
gboolean ks_sync_power_pending (KsSyncEngine *self);

/* ks-sync-control.c */
gint64 ks_sync_control_get_folders (const char *journal_path);

/* ks-sync-folder.c */
KsSyncFolder *ks_sync_folder_new (KsSyncEngine          *engine,
                                  const KsJournalFolder *record);
void          ks_sync_folder_free (KsSyncFolder *self);
void          ks_sync_folder_start (KsSyncFolder *self);
void          ks_sync_folder_stop (KsSyncFolder *self);
void          ks_sync_folder_rescan (KsSyncFolder *self);
gboolean      ks_sync_folder_is_drop (const char *record_path);
/* Absolute path of a file of the folder. */
char *ks_sync_folder_file_path (KsSyncFolder *self,
                                const char   *rel_path);

/* ks-sync-album.c: the album a folder's photos go to, found or made
 * once; @job continues with ks_sync_queue_album_ready(). */
void ks_sync_album_resolve (KsSyncEngine *self,
                            KsSyncJob    *job);

/* ks-sync-queue.c */
void ks_sync_queue_pump (KsSyncEngine *self);
void ks_sync_queue_cancel_folder (KsSyncEngine *self,
                                  gint64        folder_id);
void ks_sync_queue_cancel_all (KsSyncEngine *self);
void ks_sync_queue_cancel_file (KsSyncEngine *self,
                                gint64        file_id);
void ks_sync_queue_reset_stale (KsSyncEngine *self);
void ks_sync_queue_album_ready (KsSyncJob    *job,
                                const char   *album_id,
                                const GError *error);
void ks_sync_job_finish (KsSyncJob *job);
void ks_sync_job_release_slot (KsSyncJob *job);
void ks_sync_job_leave_album_add (KsSyncJob *job);
void ks_sync_job_revert_state (KsSyncJob *job);
void ks_sync_job_record_failure (KsSyncJob    *job,
                                 const GError *error,
                                 gboolean      transient);
void ks_sync_job_file_changed (KsSyncJob *job);
void ks_sync_job_file_missing (KsSyncJob    *job,
                               const GError *error);
/* ks-sync-upload.c */
void ks_sync_job_start_upload (KsSyncEngine *self,
                               KsSyncJob    *job);
/* Earliest next_attempt_at of a file waiting for a retry, 0 if none. */
gint64 ks_sync_queue_next_retry (KsSyncEngine *self);

/* ks-sync-activity.c */
KsSyncActivity *ks_sync_activity_new (KsSyncActivityKind kind,
                                      const char        *path,
                                      const char        *photo_id,
                                      const char        *message);

G_END_DECLS
