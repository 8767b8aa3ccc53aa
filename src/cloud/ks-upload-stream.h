/* ks-upload-stream.h: a request body read from a file range (private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ks-rate-limiter.h"

G_BEGIN_DECLS

/* @delta bytes were read (negative when the stream was rewound); on the
 * stream's main context. */
typedef void (*KsUploadStreamFunc) (gssize   delta,
                                    gpointer user_data);

/*
 * @length bytes of @file from @offset, for soup_message_set_request_body:
 * the file is opened, read and (with @hash) hashed on worker threads; each
 * chunk first waits for @limiter (nullable). A file that ends before
 * @offset + @length is KS_CLOUD_ERROR_FILE_CHANGED, not a short body.
 * Seekable back to the start, so libsoup can restart the message.
 */
#define KS_TYPE_UPLOAD_STREAM (ks_upload_stream_get_type ())
G_DECLARE_FINAL_TYPE (KsUploadStream, ks_upload_stream, KS, UPLOAD_STREAM, GInputStream)

KsUploadStream *ks_upload_stream_new (GFile             *file,
                                      goffset            offset,
                                      goffset            length,
                                      gboolean           hash,
                                      KsRateLimiter     *limiter,
                                      KsUploadStreamFunc func,
                                      gpointer           user_data);
/* No more calls of the stream's func (its data is going away). */
void ks_upload_stream_disconnect (KsUploadStream *self);
/* How many bytes were handed out. */
goffset ks_upload_stream_get_position (KsUploadStream *self);
/* Whether a read failed because the file ended early or vanished. */
gboolean ks_upload_stream_get_file_changed (KsUploadStream *self);
/* The lower-case hex SHA-256 of the whole range once it was all read
 * (with @hash), else NULL. */
char *ks_upload_stream_dup_sha256 (KsUploadStream *self);

G_END_DECLS
