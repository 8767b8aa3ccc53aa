/* ks-cache-private.h: what the cache's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib/gi18n.h>

#include "ks-cache-db.h"
#include "ks-cache.h"
#include "ks-cloud-error.h"
#include "ks-sync-error.h"

G_BEGIN_DECLS

struct _KsCache
{
  GObject        parent_instance;
  char          *dir;      /* owned */
  char          *username; /* owned */
  KsApiClient   *api;      /* owned, nullable */
  SoupSession   *soup;     /* owned, nullable */
  KsRateLimiter *limiter;  /* owned, nullable */
  KsCacheDb     *db;       /* owned */

  gboolean offline;
  gint64   offline_since;
  gint64   budget;

  /* Downloads: "photo_id/kind" -> GPtrArray of GTasks waiting for it. */
  GHashTable   *busy;
  GHashTable   *failed; /* keys the background gave up on in this run */
  guint         concurrency;
  guint         n_running;
  gboolean      background;
  gboolean      evicting;
  gboolean      evict_again;
  guint         evicted;       /* files removed since the waiters asked */
  GPtrArray    *evict_waiters; /* GTask, nullable */
  GCancellable *cancellable;   /* owned: background work, cancelled at dispose */

  /* Writers of what the server said, one at a time (ks-cache-sync.c). */
  gboolean serial_busy;
  GQueue   serial_queue; /* GTask, owned */
};

typedef void (*KsCacheSerialFunc) (GTask *task);

/* ks-cache.c */
void ks_cache_emit_changed (KsCache    *self,
                            const char *album_id);
void ks_cache_emit_file_ready (KsCache        *self,
                               const char     *photo_id,
                               KsCacheFileKind kind);

/* ks-cache-files.c */
/* Starts fetching @blob (taking it), or joins the fetch under way.
 * @waiter: (nullable) a GTask answered with the file's GFile. */
void ks_cache_start_job (KsCache     *self,
                         KsCacheBlob *blob,
                         gboolean     background,
                         GTask       *waiter);
/* Starts background downloads while there are free slots. */
void ks_cache_kick_downloads (KsCache *self);
void ks_cache_schedule_evict (KsCache *self);
/* Removes what the database does not know; runs in the open thread. */
gboolean ks_cache_sweep_files (KsCacheDb  *db,
                               const char *dir,
                               GError    **error);
void     ks_cache_unlink_paths (const char *dir,
                                GPtrArray  *paths);

/* ks-cache-sync.c: runs @func (task) once the writers before it are
 * done; the task's completion must call ks_cache_serial_done(). */
void ks_cache_serial_run (KsCache          *self,
                          GTask            *task,
                          KsCacheSerialFunc func);
void ks_cache_serial_done (KsCache *self);
/* ks_cache_refresh_album_async() for a caller holding the lock: returns
 * a boolean task. */
void ks_cache_fetch_album_async (KsCache            *self,
                                 const char         *album_id,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
/* ks-cache-sync.c: fetches one album (metadata, members, photos) and
 * stores it, or deletes it when the server no longer shows it to us. */
void     ks_cache_refresh_album_async (KsCache            *self,
                                       const char         *album_id,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean ks_cache_refresh_album_finish (KsCache      *self,
                                        GAsyncResult *result,
                                        GError      **error);

gboolean ks_cache_error_is_offline (const GError *error);

G_END_DECLS
