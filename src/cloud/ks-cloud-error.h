/* ks-cloud-error.h: what can go wrong talking to the cloud
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_CLOUD_ERROR (ks_cloud_error_quark ())

/**
 * KsCloudError:
 *
 * One domain for the whole client library, so the app and the CLI can
 * show one precise sentence per code. Cancellation is always
 * G_IO_ERROR_CANCELLED, never a code here.
 *
 * Transport and API (HTTP status in brackets):
 * @KS_CLOUD_ERROR_FAILED: anything not below
 * @KS_CLOUD_ERROR_NETWORK: the server could not be reached or the
 *   connection broke (after retries)
 * @KS_CLOUD_ERROR_PROTOCOL: the reply was malformed (bad JSON, missing or
 *   wrongly typed member, truncated body)
 * @KS_CLOUD_ERROR_SERVER: the server kept failing (5xx after retries)
 * @KS_CLOUD_ERROR_THROTTLED: too many requests (429 or Cognito's
 *   TooManyRequests/LimitExceeded after retries)
 * @KS_CLOUD_ERROR_BAD_REQUEST: 400 from the API
 * @KS_CLOUD_ERROR_UNAUTHORIZED: 401 even after a token refresh
 * @KS_CLOUD_ERROR_FORBIDDEN: 403, the caller's role does not allow it
 * @KS_CLOUD_ERROR_NOT_FOUND: 404
 * @KS_CLOUD_ERROR_CONFLICT: 409
 * @KS_CLOUD_ERROR_GONE: 410 (expired or revoked share link)
 * @KS_CLOUD_ERROR_PRECONDITION: 412 (commit before the bytes arrived)
 * @KS_CLOUD_ERROR_TOO_LARGE: 413
 *
 * Accounts (Cognito exception in brackets):
 * @KS_CLOUD_ERROR_NOT_SIGNED_IN: no session, or the refresh token was
 *   revoked or expired: sign in again
 * @KS_CLOUD_ERROR_WRONG_PASSWORD: (NotAuthorizedException at sign-in)
 * @KS_CLOUD_ERROR_USER_NOT_FOUND: (UserNotFoundException)
 * @KS_CLOUD_ERROR_USER_NOT_CONFIRMED: (UserNotConfirmedException)
 * @KS_CLOUD_ERROR_USERNAME_EXISTS: (UsernameExistsException)
 * @KS_CLOUD_ERROR_INVALID_PASSWORD: the password policy refused it
 *   (InvalidPasswordException)
 * @KS_CLOUD_ERROR_CODE_MISMATCH: (CodeMismatchException)
 * @KS_CLOUD_ERROR_CODE_EXPIRED: (ExpiredCodeException)
 * @KS_CLOUD_ERROR_INVALID_PARAMETER: (InvalidParameterException and
 *   other invalid-input exceptions)
 * @KS_CLOUD_ERROR_AUTH_FLOW: the pool's app client does not allow the
 *   sign-in flow that was asked for
 * @KS_CLOUD_ERROR_EMAIL_REQUIRED: a sign-up without the e-mail address
 *   the pool wants (InvalidParameterException naming it)
 *
 * Local:
 * @KS_CLOUD_ERROR_NO_SECRET_SERVICE: no Secret Service on the session
 *   bus (and no explicit file token store)
 * @KS_CLOUD_ERROR_CONFIG: no such profile, unusable server URL or
 *   discovery document, bad configuration file
 * @KS_CLOUD_ERROR_FILE_CHANGED: the file changed while it was uploaded
 * @KS_CLOUD_ERROR_CHECKSUM: downloaded bytes do not match their SHA-256
 * @KS_CLOUD_ERROR_URL_EXPIRED: a presigned URL expired (the uploader
 *   handles this itself by preparing again; downloads report it so the
 *   caller can fetch fresh URLs)
 */
typedef enum
{
  KS_CLOUD_ERROR_FAILED,
  KS_CLOUD_ERROR_NETWORK,
  KS_CLOUD_ERROR_PROTOCOL,
  KS_CLOUD_ERROR_SERVER,
  KS_CLOUD_ERROR_THROTTLED,
  KS_CLOUD_ERROR_BAD_REQUEST,
  KS_CLOUD_ERROR_UNAUTHORIZED,
  KS_CLOUD_ERROR_FORBIDDEN,
  KS_CLOUD_ERROR_NOT_FOUND,
  KS_CLOUD_ERROR_CONFLICT,
  KS_CLOUD_ERROR_GONE,
  KS_CLOUD_ERROR_PRECONDITION,
  KS_CLOUD_ERROR_TOO_LARGE,

  KS_CLOUD_ERROR_NOT_SIGNED_IN,
  KS_CLOUD_ERROR_WRONG_PASSWORD,
  KS_CLOUD_ERROR_USER_NOT_FOUND,
  KS_CLOUD_ERROR_USER_NOT_CONFIRMED,
  KS_CLOUD_ERROR_USERNAME_EXISTS,
  KS_CLOUD_ERROR_INVALID_PASSWORD,
  KS_CLOUD_ERROR_CODE_MISMATCH,
  KS_CLOUD_ERROR_CODE_EXPIRED,
  KS_CLOUD_ERROR_INVALID_PARAMETER,
  KS_CLOUD_ERROR_AUTH_FLOW,

  KS_CLOUD_ERROR_NO_SECRET_SERVICE,
  KS_CLOUD_ERROR_CONFIG,
  KS_CLOUD_ERROR_FILE_CHANGED,
  KS_CLOUD_ERROR_CHECKSUM,
  KS_CLOUD_ERROR_URL_EXPIRED,

  KS_CLOUD_ERROR_EMAIL_REQUIRED,
} KsCloudError;

GQuark ks_cloud_error_quark (void);

/* TRUE for errors worth retrying later without the user doing anything:
 * NETWORK, SERVER, THROTTLED, URL_EXPIRED. */
gboolean ks_cloud_error_is_transient (const GError *error);

G_END_DECLS
