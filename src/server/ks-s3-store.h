/* ks-s3-store.h: where the photos' bytes are, as seen by the other server
 * modules (the API checks and presigns objects through it): the built-in
 * S3-compatible store or, when the server has one, an outside bucket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-server.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 size;
  char   *etag;   /* quoted, as S3 sends it */
  char   *sha256; /* hex SHA-256 of the whole object, computed on write */
  gint64  mtime_unix;
} KsS3ObjectInfo;

void ks_s3_object_info_clear (KsS3ObjectInfo *info);

typedef struct
{
  gint64      content_length;  /* -1: not bound; else signed as a header */
  const char *checksum_sha256; /* nullable hex; signed as
                                * x-amz-checksum-sha256 (base64 on the wire) */
  const char *upload_id;       /* nullable: UploadPart */
  guint       part_number;     /* with upload_id; 0 for the upload itself
                                * (POST: Complete, DELETE: Abort) */
} KsS3PresignOptions;

/* Registers the built-in store's routes under KS_SERVER_PATH_S3. */
void ks_s3_store_register (KsServer *server);

/* Object metadata, SHA-256 included, or FALSE with G_IO_ERROR_NOT_FOUND.
 * This and the other calls that return a gboolean or a string block: call
 * them from a worker thread. */
gboolean ks_s3_store_head (KsServer       *server,
                           const char     *key,
                           KsS3ObjectInfo *out,
                           GCancellable   *cancellable,
                           GError        **error);
gboolean ks_s3_store_delete (KsServer   *server,
                             const char *key,
                             GError    **error);

/* Multipart, for the API's prepare step: returns the new upload id. */
char *ks_s3_store_create_multipart (KsServer   *server,
                                    const char *key,
                                    GError    **error);

/* One part of a multipart upload, as the client lists it. */
typedef struct
{
  guint       part_number;
  const char *etag; /* as UploadPart answered it, quotes and all */
} KsS3CompletedPart;

void     ks_s3_store_complete_multipart_async (KsServer                *server,
                                               const char              *key,
                                               const char              *upload_id,
                                               const KsS3CompletedPart *parts,
                                               guint                    n_parts,
                                               GCancellable            *cancellable,
                                               GAsyncReadyCallback      callback,
                                               gpointer                 user_data);
gboolean ks_s3_store_complete_multipart_finish (KsServer     *server,
                                                GAsyncResult *result,
                                                GError      **error);
gboolean ks_s3_store_abort_multipart (KsServer   *server,
                                      const char *key,
                                      const char *upload_id,
                                      GError    **error);

/* A presigned URL for @method on @key under the public URL, valid for
 * @expires_seconds, signed with the store's own key pair. */
char *ks_s3_store_presign (KsServer                 *server,
                           const char               *method,
                           const char               *key,
                           guint                     expires_seconds,
                           const KsS3PresignOptions *options);
char *ks_s3_store_presign_at (KsServer                 *server,
                              const char               *method,
                              const char               *key,
                              guint                     expires_seconds,
                              const KsS3PresignOptions *options,
                              gint64                    now_unix);
/* How long a URL asked to live @wanted seconds, presigned at @now_unix,
 * lives: less with a bucket whose temporary keys expire sooner. */
guint ks_s3_store_url_lifetime (KsServer *server,
                                guint     wanted,
                                gint64    now_unix);

G_END_DECLS
