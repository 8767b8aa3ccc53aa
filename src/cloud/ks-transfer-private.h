/* ks-transfer-private.h: what uploads and downloads share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-transfer.h"

G_BEGIN_DECLS

/* Byte counts summed over a transfer's requests, reported at most ten
 * times a second; all on the main context. */
typedef struct
{
  KsProgressFunc func; /* nullable */
  gpointer       data;
  goffset        done;
  goffset        total;
  gint64         last_report; /* µs, monotonic */
} KsProgress;

void ks_progress_init (KsProgress    *self,
                       KsProgressFunc func,
                       gpointer       data,
                       goffset        total);
void ks_progress_add (KsProgress *self,
                      gssize      delta);
/* The final report: @done == @total. */
void ks_progress_finish (KsProgress *self);

/*
 * An S3 reply that is not a success, as a KsCloudError: an expired
 * presigned URL (403 AccessDenied "Request has expired") is
 * KS_CLOUD_ERROR_URL_EXPIRED, then by status. @body: (nullable) the
 * reply's XML; @what names the request in the message.
 */
GError *ks_transfer_error_from_s3 (guint       status,
                                   GBytes     *body,
                                   const char *what);
/* S3 may answer 200 with an <Error> body (CompleteMultipartUpload). */
gboolean ks_transfer_body_is_s3_error (GBytes *body);

/* "…&X-Amz-Signature=…" must never reach a log. */
char *ks_transfer_redact_url (const char *url);

G_END_DECLS
