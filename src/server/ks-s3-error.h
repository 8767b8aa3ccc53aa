/* ks-s3-error.h: the S3 store's error codes and their XML replies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define KS_S3_ERROR (ks_s3_error_quark ())

/* One per S3 error code the store sends; each has its HTTP status, see
 * ks_s3_error_get_status(). */
typedef enum
{
  KS_S3_ERROR_INTERNAL,
  KS_S3_ERROR_ACCESS_DENIED,
  KS_S3_ERROR_SIGNATURE_DOES_NOT_MATCH,
  KS_S3_ERROR_REQUEST_TIME_TOO_SKEWED,
  KS_S3_ERROR_INVALID_ACCESS_KEY_ID,
  KS_S3_ERROR_AUTHORIZATION_HEADER_MALFORMED,
  KS_S3_ERROR_AUTHORIZATION_QUERY_PARAMETERS_ERROR,
  KS_S3_ERROR_NO_SUCH_KEY,
  KS_S3_ERROR_NO_SUCH_BUCKET,
  KS_S3_ERROR_NO_SUCH_UPLOAD,
  KS_S3_ERROR_INVALID_PART,
  KS_S3_ERROR_INVALID_PART_ORDER,
  KS_S3_ERROR_ENTITY_TOO_SMALL,
  KS_S3_ERROR_ENTITY_TOO_LARGE,
  KS_S3_ERROR_INVALID_RANGE,
  KS_S3_ERROR_BAD_DIGEST,
  KS_S3_ERROR_INVALID_DIGEST,
  KS_S3_ERROR_CONTENT_SHA256_MISMATCH,
  KS_S3_ERROR_INCOMPLETE_BODY,
  KS_S3_ERROR_MALFORMED_XML,
  KS_S3_ERROR_INVALID_ARGUMENT,
  KS_S3_ERROR_INVALID_REQUEST,
  KS_S3_ERROR_INVALID_URI,
  KS_S3_ERROR_KEY_TOO_LONG,
  KS_S3_ERROR_METHOD_NOT_ALLOWED,
  KS_S3_ERROR_NOT_IMPLEMENTED,
  KS_S3_ERROR_OPERATION_ABORTED,
} KsS3Error;

GQuark      ks_s3_error_quark (void);
guint       ks_s3_error_get_status (KsS3Error code);
const char *ks_s3_error_get_name (KsS3Error code);

void ks_s3_error_respond (SoupServerMessage *msg,
                          const GError      *error);

G_END_DECLS
