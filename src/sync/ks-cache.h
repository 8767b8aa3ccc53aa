/* ks-cache.h: albums, their photos and thumbnails, kept on disk for
 * when the server is out of reach
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-api-client.h"
#include "ks-rate-limiter.h"

G_BEGIN_DECLS

/* 2 GiB: what the cache may hold before it evicts. */
#define KS_CACHE_DEFAULT_BUDGET (G_GINT64_CONSTANT (2) << 30)

typedef enum
{
  KS_CACHE_FILE_GRID,
  KS_CACHE_FILE_PREVIEW,
  KS_CACHE_FILE_ORIGINAL,
} KsCacheFileKind;

const char *ks_cache_file_kind_to_string (KsCacheFileKind kind);

/* An album as last seen on the server. */
typedef struct
{
  char    *id;
  char    *name;
  char    *owner;
  char    *role; /* the user's: "owner", "contributor", "viewer" */
  gint64   photo_count;
  char    *created_at;
  char    *updated_at;
  gboolean pinned;
  gboolean keep_originals; /* pinned with originals ("available offline") */
} KsCachedAlbum;

void ks_cached_album_free (KsCachedAlbum *self);

typedef struct
{
  char *username;
  char *role;
  char *added_at;
} KsCachedMember;

void ks_cached_member_free (KsCachedMember *self);

/* A photo of one album. The has_* members say whether the file is on
 * disk now (it is still verified when opened). */
typedef struct
{
  char    *id;
  char    *owner;
  char    *added_by;
  char    *added_at;
  char    *file_name;
  char    *content_type;
  char    *taken_at; /* nullable */
  char    *sha256;
  gint64   size;
  gint64   width;
  gint64   height;
  gboolean has_grid;
  gboolean has_preview;
  gboolean has_original;
} KsCachedPhoto;

void ks_cached_photo_free (KsCachedPhoto *self);

typedef struct
{
  gint64 used;   /* bytes of the files on disk */
  gint64 budget; /* bytes */
  guint  n_albums;
  guint  n_photos;
  guint  n_files;
  gint64 cursor;    /* the change feed's, 0 before the first sync */
  gint64 synced_at; /* g_get_real_time () of the last sync, 0: never */
} KsCacheStatus;

#define KS_TYPE_CACHE (ks_cache_get_type ())
G_DECLARE_FINAL_TYPE (KsCache, ks_cache, KS, CACHE, GObject)

/*
 * One profile's cache: a SQLite database (WAL) and the files under
 * @dir, by default g_get_user_cache_dir()/keepsake/<profile>.
 *
 * The cache follows the server: ks_cache_apply_changes_async() takes a
 * page of the change feed (KsFeedFollower does that), deletes what the
 * events removed and fetches the albums they touched again, so replaying
 * events changes nothing. Grid thumbnails and previews (and the originals
 * of albums pinned with originals) download in the background, a few at a
 * time, through presigned GETs verified by SHA-256. A file is verified
 * again when it is opened; a damaged one is deleted and fetched again.
 *
 * When the files pass the budget, those of the least recently viewed
 * photos go first; photos of pinned albums never do.
 *
 * Reads (lists, status) answer from the database at once and work with
 * no network; everything that writes runs on a worker thread.
 *
 * Properties (notify on change, main context of creation):
 *   "offline"        gboolean: the last request failed to reach the server
 *   "offline-since"  gint64: g_get_real_time () when that began, 0 online
 *   "budget"         gint64: bytes
 *
 * Signals:
 *   "changed" (const char *album_id): rows of that album changed (NULL:
 *     the album list); "file-ready" (const char *photo_id, KsCacheFileKind)
 */

/* g_get_user_cache_dir()/keepsake/@profile_name */
char *ks_cache_default_dir (const char *profile_name);

/* Opens (creating) the cache in @dir for @username. A cache written for
 * another user is emptied first. Removes files the database does not
 * know (left by a crash). @api and @soup: (nullable) for a cache that
 * only reads (offline listings, status, clear). */
void     ks_cache_open_async (const char         *dir,
                              const char         *username,
                              KsApiClient        *api,
                              SoupSession        *soup,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data);
KsCache *ks_cache_open_finish (GAsyncResult *result,
                               GError      **error);
/* Cancels the cache's own downloads, URL refreshes and evictions, and
 * starts none after. Downloads hold a reference until they end: call
 * this before dropping the cache so that it goes at once. */
void ks_cache_stop (KsCache *self);

const char  *ks_cache_get_dir (KsCache *self);
const char  *ks_cache_get_username (KsCache *self);
KsApiClient *ks_cache_get_api (KsCache *self);
gboolean     ks_cache_get_offline (KsCache *self);
gint64       ks_cache_get_offline_since (KsCache *self);
/* The follower and the CLI say what the last request taught them. */
void ks_cache_set_offline (KsCache *self,
                           gboolean offline);

gint64 ks_cache_get_budget (KsCache *self);
/* Stored in the cache; evicts at once (in the background) if needed. */
void ks_cache_set_budget (KsCache *self,
                          gint64   bytes);
/* Evicts now until the files fit in the budget; @out_removed: files
 * removed. (ks_cache_set_budget() and downloads do this on their own.) */
void     ks_cache_evict_async (KsCache            *self,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data);
gboolean ks_cache_evict_finish (KsCache      *self,
                                GAsyncResult *result,
                                guint        *out_removed,
                                GError      **error);
/* Parallel downloads (default 4). */
void ks_cache_set_download_concurrency (KsCache *self,
                                        guint    n);
/* @limiter: (nullable) */
void ks_cache_set_rate_limiter (KsCache       *self,
                                KsRateLimiter *limiter);
/* Whether files download on their own as albums change (default TRUE;
 * the CLI's one-shot commands turn it off). */
void ks_cache_set_background_downloads (KsCache *self,
                                        gboolean enabled);
/* Starts background downloads of the files not on disk yet, such as
 * those an earlier run stopped before; the follower does this when it
 * starts. Nothing with background downloads off. */
void ks_cache_fetch_missing (KsCache *self);

/* ---- Reading: from the database, never the network ---- */

/* (transfer container) KsCachedAlbum, newest first. @shared_only: those
 * the user does not own. */
GPtrArray     *ks_cache_list_albums (KsCache *self,
                                     gboolean shared_only,
                                     GError **error);
KsCachedAlbum *ks_cache_get_album (KsCache    *self,
                                   const char *album_id,
                                   GError    **error);
/* The owner first, then in the order they joined. */
GPtrArray *ks_cache_list_members (KsCache    *self,
                                  const char *album_id,
                                  GError    **error);
/* Most recently added first. */
GPtrArray    *ks_cache_list_photos (KsCache    *self,
                                    const char *album_id,
                                    GError    **error);
KsCacheStatus ks_cache_get_status (KsCache *self);
/* The change feed's cursor, NULL before the first sync. */
char *ks_cache_dup_cursor (KsCache *self);

/* The photo was looked at: it is evicted last. */
gboolean ks_cache_mark_viewed (KsCache    *self,
                               const char *photo_id,
                               GError    **error);

/* ---- Files ---- */

/*
 * The file of @kind of @photo_id, verified (size and SHA-256) before it
 * is returned. A missing, evicted or damaged file is fetched (originals
 * resume a partial download); offline, that is a KS_CLOUD_ERROR_NETWORK
 * and a damaged file is removed, never returned. Marks the photo viewed.
 */
void   ks_cache_get_file_async (KsCache            *self,
                                const char         *photo_id,
                                KsCacheFileKind     kind,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
GFile *ks_cache_get_file_finish (KsCache      *self,
                                 GAsyncResult *result,
                                 GError      **error);
/* Where the file of @kind lives when present (it may not be). */
GFile *ks_cache_dup_file_path (KsCache        *self,
                               const char     *photo_id,
                               KsCacheFileKind kind);

/* Pins (never evicted; @keep_originals downloads the originals too) or
 * unpins an album. */
gboolean ks_cache_set_pinned (KsCache    *self,
                              const char *album_id,
                              gboolean    pinned,
                              gboolean    keep_originals,
                              GError    **error);

/* Downloads every file of @album_id the background would (and the
 * originals if it is kept offline), and returns when they are there. */
void     ks_cache_download_album_async (KsCache            *self,
                                        const char         *album_id,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data);
gboolean ks_cache_download_album_finish (KsCache      *self,
                                         GAsyncResult *result,
                                         guint        *out_failed,
                                         GError      **error);

/* ---- Following the server ---- */

/* Applies a page of GET /v1/changes (KsEvent, in order) and stores
 * @cursor once everything it touched is fetched again. A page seen
 * twice, or an event replayed, changes nothing. */
void     ks_cache_apply_changes_async (KsCache            *self,
                                       GPtrArray          *events,
                                       const char         *cursor,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
gboolean ks_cache_apply_changes_finish (KsCache      *self,
                                        GAsyncResult *result,
                                        GError      **error);

/* Fetches every album again (the first sync, or after a gap). */
void     ks_cache_refresh_async (KsCache            *self,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
gboolean ks_cache_refresh_finish (KsCache      *self,
                                  GAsyncResult *result,
                                  GError      **error);

/* Empties the cache: rows, files and the cursor. The budget stays. */
void     ks_cache_clear_async (KsCache            *self,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data);
gboolean ks_cache_clear_finish (KsCache      *self,
                                GAsyncResult *result,
                                GError      **error);

/* Forgets the cursor (the next sync starts from the beginning). */
gboolean ks_cache_reset_cursor (KsCache *self,
                                GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCachedAlbum, ks_cached_album_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCachedMember, ks_cached_member_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCachedPhoto, ks_cached_photo_free)

G_END_DECLS
