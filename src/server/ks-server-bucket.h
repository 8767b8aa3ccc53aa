/* ks-server-bucket.h: an S3 bucket outside the server, holding the photo
 * bytes instead of the built-in store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ks-s3-store.h"
#include "ks-s3-xml.h"
#include "ks-server-role-keys.h"
#include "ks-sigv4.h"

G_BEGIN_DECLS

#define KS_TYPE_SERVER_BUCKET (ks_server_bucket_get_type ())

G_DECLARE_FINAL_TYPE (KsServerBucket, ks_server_bucket, KS, SERVER_BUCKET, GObject)

/*
 * @endpoint: (nullable): an S3-compatible service's URL, whose buckets
 *   are addressed path-style ({endpoint}/{bucket}/{key}); NULL for Amazon
 *   S3 in @creds' region, addressed virtual-hosted
 *   (https://{bucket}.s3.{region}.amazonaws.com/{key}). Plain http only
 *   on a loopback host.
 * @creds: the keys requests and presigned URLs are signed with, and the
 *   bucket's region (service ignored)
 *
 * Checks the arguments; sends nothing yet. Errors:
 * KS_SERVER_ERROR_INVALID_ARGUMENT.
 */
KsServerBucket *ks_server_bucket_new (const char               *endpoint,
                                      const char               *bucket,
                                      const KsSigv4Credentials *creds,
                                      GError                  **error);

/*
 * As ks_server_bucket_new(), with temporary keys fetched from
 * @role_keys now (blocking) and again, on the thread-default main
 * context, five minutes before they expire; a failed fetch is logged
 * and tried again 30 s later while the keys in use still work.
 * Errors: as ks_server_bucket_new(), and ks_server_role_keys_fetch()'s.
 */
KsServerBucket *ks_server_bucket_new_with_role (const char       *endpoint,
                                                const char       *bucket,
                                                const char       *region,
                                                KsServerRoleKeys *role_keys,
                                                GCancellable     *cancellable,
                                                GError          **error);

/* What clients and people are told. */
const char *ks_server_bucket_get_name (KsServerBucket *self);
const char *ks_server_bucket_get_region (KsServerBucket *self);
/* The service's URL, path-style or not. */
const char *ks_server_bucket_get_endpoint (KsServerBucket *self);

/* The bucket's answer to HeadBucket, blocking, before the server answers
 * anyone. Errors: KS_SERVER_ERROR_FAILED with a sentence naming the
 * bucket and why. */
gboolean ks_server_bucket_check (KsServerBucket *self,
                                 GCancellable   *cancellable,
                                 GError        **error);

/*
 * @expires_seconds is cut to what the keys in use have left when they
 * are temporary: S3 refuses a URL whose keys expired, whatever it says.
 * Thread-safe.
 */
char *ks_server_bucket_presign (KsServerBucket           *self,
                                const char               *method,
                                const char               *key,
                                guint                     expires_seconds,
                                const KsS3PresignOptions *options,
                                gint64                    now_unix);
/* How long a URL asked to live @wanted seconds, presigned now, lives. */
guint ks_server_bucket_url_lifetime (KsServerBucket *self,
                                     guint           wanted,
                                     gint64          now_unix);

/*
 * The object calls block on the network: call them from a worker thread,
 * never the server's main loop. Thread-safe. Errors as ks-s3-store.h's:
 * G_IO_ERROR_NOT_FOUND for no such object or upload,
 * G_IO_ERROR_INVALID_DATA / G_IO_ERROR_INVALID_ARGUMENT for parts S3
 * refuses, G_IO_ERROR_FAILED with S3's code and message otherwise.
 */

/* Size and ETag; out->sha256 is set when S3 keeps the object's SHA-256
 * (a single PUT with x-amz-checksum-sha256), NULL otherwise. */
gboolean ks_server_bucket_head (KsServerBucket *self,
                                const char     *key,
                                KsS3ObjectInfo *out,
                                GCancellable   *cancellable,
                                GError        **error);
/* Reads the object through and returns its hex SHA-256. */
char    *ks_server_bucket_digest (KsServerBucket *self,
                                  const char     *key,
                                  guint64        *out_size,
                                  GCancellable   *cancellable,
                                  GError        **error);
gboolean ks_server_bucket_delete (KsServerBucket *self,
                                  const char     *key,
                                  GCancellable   *cancellable,
                                  GError        **error);
char    *ks_server_bucket_create_multipart (KsServerBucket *self,
                                            const char     *key,
                                            GCancellable   *cancellable,
                                            GError        **error);
/* @parts: (element-type KsS3CompletePart): every part, in order */
gboolean ks_server_bucket_complete_multipart (KsServerBucket *self,
                                              const char     *key,
                                              const char     *upload_id,
                                              GPtrArray      *parts,
                                              GCancellable   *cancellable,
                                              GError        **error);
/* An upload that is not there is fine. */
gboolean ks_server_bucket_abort_multipart (KsServerBucket *self,
                                           const char     *key,
                                           const char     *upload_id,
                                           GCancellable   *cancellable,
                                           GError        **error);

G_END_DECLS
