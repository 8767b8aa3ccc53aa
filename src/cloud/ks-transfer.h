/* ks-transfer.h: photo bytes through presigned URLs, from and to disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-api-client.h"
#include "ks-rate-limiter.h"
#include "ks-resume-store.h"

G_BEGIN_DECLS

/* Called on the main context, at most ~10 times a second, and once at
 * the end with @done == @total. */
typedef void (*KsProgressFunc) (goffset  done,
                                goffset  total,
                                gpointer user_data);

#define KS_TYPE_UPLOADER (ks_uploader_get_type ())
G_DECLARE_FINAL_TYPE (KsUploader, ks_uploader, KS, UPLOADER, GObject)

/* @resume, @limiter: (nullable). */
KsUploader *ks_uploader_new (KsApiClient   *api,
                             SoupSession   *soup,
                             KsResumeStore *resume,
                             KsRateLimiter *limiter);
/* Parts of one multipart upload sent at once (default 3). */
void ks_uploader_set_part_concurrency (KsUploader *self,
                                       guint       n);
/* Photos sending bytes at once (default 3). Their prepares and commits
 * are not counted: a photo takes a slot for its PUTs only, and waits
 * for one (in the order they asked) when all are taken. */
void ks_uploader_set_max_transfers (KsUploader *self,
                                    guint       n);

/*
 * One photo: prepare with @request (its sha256/size must be @original's:
 * the caller hashed it), PUT the thumbnails from @grid/@preview
 * (nullable; they must match the request's thumbnails) and the original,
 * streamed from disk, never whole in memory; a multipart original sends
 * parts in parallel and records each finished part in the resume store,
 * so a later call for the same content sends only the missing ones; then
 * complete and commit. "exists" from prepare sends nothing
 * (*out_existed = TRUE).
 *
 * A presigned URL that expired (or is about to) means preparing again,
 * not failing. @original changing while it is sent (size or mtime
 * differ from the start, or the bytes hash to something else) is
 * KS_CLOUD_ERROR_FILE_CHANGED and nothing is committed. Cancelling at
 * any point commits nothing; finished parts stay recorded.
 */
void     ks_uploader_upload_photo_async (KsUploader             *self,
                                         GFile                  *original,
                                         const KsPrepareRequest *request,
                                         GFile                  *grid,
                                         GFile                  *preview,
                                         KsProgressFunc          progress,
                                         gpointer                progress_data,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
KsPhoto *ks_uploader_upload_photo_finish (KsUploader   *self,
                                          GAsyncResult *result,
                                          gboolean     *out_existed,
                                          GError      **error);

/*
 * GET @url into @dest atomically: bytes go to a hidden partial file
 * beside @dest (".<name>.ks-partial"); a partial left by an earlier
 * attempt is continued with a Range request; at the end the whole file
 * must hash to @expected_sha256 (nullable: no check) and have
 * @expected_size (-1: any), then it is fsynced and renamed over @dest.
 * A mismatch deletes the partial: KS_CLOUD_ERROR_CHECKSUM. An expired
 * URL is KS_CLOUD_ERROR_URL_EXPIRED (the partial stays for the retry
 * with a fresh URL). @limiter: (nullable).
 */
void     ks_download_async (SoupSession        *soup,
                            const char         *url,
                            GFile              *dest,
                            const char         *expected_sha256,
                            gint64              expected_size,
                            KsRateLimiter      *limiter,
                            KsProgressFunc      progress,
                            gpointer            progress_data,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data);
gboolean ks_download_finish (GAsyncResult *result,
                             GError      **error);

G_END_DECLS
