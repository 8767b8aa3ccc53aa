/* ks-cache-db.h: the shared-album cache's SQLite database (private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cache.h"
#include "ks-cloud-types.h"

G_BEGIN_DECLS

/*
 * One connection, guarded by a recursive lock: every function takes it,
 * and begin() holds it until commit() or rollback(), so a worker's
 * transaction never interleaves with a read on the main thread.
 *
 * Functions that delete photos add the relative paths of files that
 * were present to @unlink (char *), for the caller to remove after the
 * commit: a crash in between leaves unknown files, which the next open
 * sweeps, never a row pointing at a missing file's place.
 */
typedef struct _KsCacheDb KsCacheDb;

/* What the downloader needs to fetch one file. */
typedef struct
{
  char           *photo_id;
  KsCacheFileKind kind;
  char           *sha256;
  gint64          size;
  char           *url;     /* nullable: no URL known */
  gint64          expires; /* µs, 0: unknown */
} KsCacheBlob;

void ks_cache_blob_free (KsCacheBlob *self);

KsCacheDb *ks_cache_db_open (const char *path,
                             GError    **error);
void       ks_cache_db_free (KsCacheDb *self);

gboolean ks_cache_db_begin (KsCacheDb *self,
                            GError   **error);
gboolean ks_cache_db_commit (KsCacheDb *self,
                             GError   **error);
void     ks_cache_db_rollback (KsCacheDb *self);

/* meta: "cursor", "seen_seq", "username", "budget" */
char    *ks_cache_db_get_meta (KsCacheDb  *self,
                               const char *key);
gboolean ks_cache_db_set_meta (KsCacheDb  *self,
                               const char *key,
                               const char *value,
                               GError    **error);

/* ---- Following the server (inside a transaction) ---- */

gboolean ks_cache_db_put_album (KsCacheDb     *self,
                                const KsAlbum *album,
                                GError       **error);
/* @members: KsMember */
gboolean ks_cache_db_put_members (KsCacheDb  *self,
                                  const char *album_id,
                                  GPtrArray  *members,
                                  GError    **error);
/* @photos: KsPhoto, the album's whole list: the others leave it. */
gboolean ks_cache_db_put_album_photos (KsCacheDb  *self,
                                       const char *album_id,
                                       GPtrArray  *photos,
                                       GPtrArray  *unlink,
                                       GError    **error);
gboolean ks_cache_db_delete_album (KsCacheDb  *self,
                                   const char *album_id,
                                   GPtrArray  *unlink,
                                   GError    **error);
/* @album_id: (nullable) every album. */
gboolean ks_cache_db_remove_photo (KsCacheDb  *self,
                                   const char *album_id,
                                   const char *photo_id,
                                   GPtrArray  *unlink,
                                   GError    **error);
/* Everything but the budget; files present go to @unlink. */
gboolean ks_cache_db_clear (KsCacheDb *self,
                            GPtrArray *unlink,
                            GError   **error);
/* (transfer full) album ids */
GStrv    ks_cache_db_album_ids (KsCacheDb *self,
                                GError   **error);
gboolean ks_cache_db_has_album (KsCacheDb  *self,
                                const char *album_id);
/* (nullable) an album holding @photo_id */
char *ks_cache_db_album_of_photo (KsCacheDb  *self,
                                  const char *photo_id);
/* (transfer full) the albums holding @photo_id */
GStrv ks_cache_db_albums_of_photo (KsCacheDb  *self,
                                   const char *photo_id);

/* ---- Files ---- */

/* Up to @max files to fetch in the background: missing grid thumbnails
 * first, then previews, then originals of albums kept offline, most
 * recently viewed first, leaving out @busy ("photo_id/kind" keys).
 * @album_id: (nullable) only that album's, evicted ones included. */
GPtrArray   *ks_cache_db_next_blobs (KsCacheDb  *self,
                                     const char *album_id,
                                     GHashTable *busy,
                                     guint       max,
                                     GError    **error);
KsCacheBlob *ks_cache_db_get_blob (KsCacheDb      *self,
                                   const char     *photo_id,
                                   KsCacheFileKind kind,
                                   GError        **error);
/* "missing", "present", "evicted". FALSE with no error: no such file
 * (the photo went away meanwhile, or its content is no longer @sha256;
 * nullable: any). */
gboolean ks_cache_db_set_blob_state (KsCacheDb      *self,
                                     const char     *photo_id,
                                     KsCacheFileKind kind,
                                     const char     *sha256,
                                     const char     *state,
                                     GError        **error);
/* Evicts whole photos, least recently viewed first and never those of a
 * pinned album, until the files present fit in @budget. */
gboolean ks_cache_db_evict (KsCacheDb *self,
                            gint64     budget,
                            GPtrArray *unlink,
                            GError   **error);
/* (transfer full) relative path of every known file -> its state */
GHashTable *ks_cache_db_blob_states (KsCacheDb *self,
                                     GError   **error);
gboolean    ks_cache_db_touch_photo (KsCacheDb  *self,
                                     const char *photo_id,
                                     GError    **error);
gboolean    ks_cache_db_set_pinned (KsCacheDb  *self,
                                    const char *album_id,
                                    gboolean    pinned,
                                    gboolean    keep_originals,
                                    GError    **error);

/* ---- Reading ---- */

GPtrArray     *ks_cache_db_list_albums (KsCacheDb  *self,
                                        const char *not_owner,
                                        GError    **error);
KsCachedAlbum *ks_cache_db_get_album (KsCacheDb  *self,
                                      const char *album_id,
                                      GError    **error);
GPtrArray     *ks_cache_db_list_members (KsCacheDb  *self,
                                         const char *album_id,
                                         GError    **error);
GPtrArray     *ks_cache_db_list_photos (KsCacheDb  *self,
                                        const char *album_id,
                                        GError    **error);
void           ks_cache_db_get_status (KsCacheDb     *self,
                                       KsCacheStatus *status);

gboolean ks_cache_file_kind_from_string (const char      *text,
                                         KsCacheFileKind *out_kind);

/* "files/ab/<photo id>.grid": where a file lives under the cache dir. */
char *ks_cache_blob_path (const char     *photo_id,
                          KsCacheFileKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCacheBlob, ks_cache_blob_free)

G_END_DECLS
