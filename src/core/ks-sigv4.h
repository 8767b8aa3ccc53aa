/* ks-sigv4.h: AWS Signature Version 4 signing and verification
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_SIGV4_ERROR (ks_sigv4_error_quark ())

/**
 * KsSigv4Error:
 * @KS_SIGV4_ERROR_MISSING_AUTH: neither an Authorization header nor
 *   X-Amz-Algorithm in the query
 * @KS_SIGV4_ERROR_MALFORMED: the request target, the Authorization header
 *   or an X-Amz-* parameter cannot be parsed
 * @KS_SIGV4_ERROR_UNSUPPORTED_ALGORITHM: not AWS4-HMAC-SHA256
 * @KS_SIGV4_ERROR_UNKNOWN_ACCESS_KEY: the secret lookup knows no such key
 * @KS_SIGV4_ERROR_BAD_CREDENTIAL_SCOPE: date, region, service or terminator
 *   of the credential scope is wrong
 * @KS_SIGV4_ERROR_BAD_EXPIRES: X-Amz-Expires is not 1 … 604800
 * @KS_SIGV4_ERROR_EXPIRED: a presigned URL is used after it expired, or
 *   before it was signed (beyond the allowed skew)
 * @KS_SIGV4_ERROR_TIME_SKEWED: a header-signed request's date is too far
 *   from now
 * @KS_SIGV4_ERROR_HEADER_NOT_SIGNED: host, an x-amz-* header or the
 *   security token is present but not signed
 * @KS_SIGV4_ERROR_SIGNATURE_MISMATCH: the signature is wrong
 */
typedef enum
{
  KS_SIGV4_ERROR_MISSING_AUTH,
  KS_SIGV4_ERROR_MALFORMED,
  KS_SIGV4_ERROR_UNSUPPORTED_ALGORITHM,
  KS_SIGV4_ERROR_UNKNOWN_ACCESS_KEY,
  KS_SIGV4_ERROR_BAD_CREDENTIAL_SCOPE,
  KS_SIGV4_ERROR_BAD_EXPIRES,
  KS_SIGV4_ERROR_EXPIRED,
  KS_SIGV4_ERROR_TIME_SKEWED,
  KS_SIGV4_ERROR_HEADER_NOT_SIGNED,
  KS_SIGV4_ERROR_SIGNATURE_MISMATCH,
} KsSigv4Error;

/**
 * KsSigv4Flavor:
 * @KS_SIGV4_FLAVOR_S3: the path is URI-encoded once, '/' kept, never
 *   normalised (what S3 and our server do)
 * @KS_SIGV4_FLAVOR_GENERIC: the generic AWS test-suite rules: the path is
 *   normalised (dot segments and repeated slashes removed), then encoded
 *   once. Real non-S3 services encode the path as sent a second time:
 *   pass the already-encoded path to get that.
 */
typedef enum
{
  KS_SIGV4_FLAVOR_S3,
  KS_SIGV4_FLAVOR_GENERIC,
} KsSigv4Flavor;

#define KS_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define KS_SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define KS_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define KS_SIGV4_MAX_EXPIRES 604800u
#define KS_SIGV4_DEFAULT_SKEW 900u

GQuark ks_sigv4_error_quark (void);

/* A request as the signer sees it: method, decoded UTF-8 path, decoded
 * query pairs in order (duplicates allowed), headers in order (duplicates
 * allowed) and the payload hash (NULL = hash of the empty body).
 *
 * new_from_target() takes the target as on the wire: the path must start
 * with '/', escapes must be valid, decode to UTF-8 and never to NUL
 * (KS_SIGV4_ERROR_MALFORMED otherwise). '+' stays '+'. A NULL @value in
 * add_query() is a parameter without a value ("name="). */
typedef struct _KsSigv4Request KsSigv4Request;

KsSigv4Request *ks_sigv4_request_new (const char *method,
                                      const char *path);
KsSigv4Request *ks_sigv4_request_new_from_target (const char *method,
                                                  const char *raw_path,
                                                  const char *raw_query,
                                                  GError    **error);
void            ks_sigv4_request_add_query (KsSigv4Request *req,
                                            const char     *name,
                                            const char     *value);
void            ks_sigv4_request_add_header (KsSigv4Request *req,
                                             const char     *name,
                                             const char     *value);
void            ks_sigv4_request_set_payload_hash (KsSigv4Request *req,
                                                   const char     *hex_or_unsigned_payload);
const char     *ks_sigv4_request_get_method (const KsSigv4Request *req);
const char     *ks_sigv4_request_get_path (const KsSigv4Request *req);
/* First value of a query parameter (exact name) or header (any case). */
const char *ks_sigv4_request_get_query (const KsSigv4Request *req,
                                        const char           *name);
const char *ks_sigv4_request_get_header (const KsSigv4Request *req,
                                         const char           *name);
void        ks_sigv4_request_free (KsSigv4Request *req);

typedef struct
{
  const char *access_key_id;
  const char *secret_access_key;
  const char *session_token; /* nullable */
  const char *region;
  const char *service;
} KsSigv4Credentials;

/* Building blocks, public for tests and for the differential test.
 * @signed_headers: lower-case and sorted, or NULL for every header but
 * Authorization. The canonical query leaves out X-Amz-Signature. */
char *ks_sigv4_canonical_request (const KsSigv4Request *req,
                                  KsSigv4Flavor         flavor,
                                  const char *const    *signed_headers);
char *ks_sigv4_string_to_sign (const char *amz_date,
                               const char *credential_scope,
                               const char *canonical_request);
void  ks_sigv4_signing_key (const char *secret,
                            const char *date8,
                            const char *region,
                            const char *service,
                            guint8      out[32]);
char *ks_sigv4_encode_path (const char   *path,
                            KsSigv4Flavor flavor);
char *ks_sigv4_canonical_query (const KsSigv4Request *req);
char *ks_sigv4_format_amz_date (GDateTime *time);

/* Header auth: adds x-amz-date, x-amz-security-token (when there is one)
 * and, for S3, x-amz-content-sha256 to @req; signs every header of @req.
 * Returns the Authorization header value. */
char *ks_sigv4_sign_request (KsSigv4Request           *req,
                             const KsSigv4Credentials *creds,
                             GDateTime                *now,
                             KsSigv4Flavor             flavor);

/* Query (presigned) form with UNSIGNED-PAYLOAD. @endpoint is
 * "scheme://host[:port]"; the host header is derived from it (default
 * ports omitted). Headers already on @req are signed too. Returns the full
 * URL, the path encoded with S3 rules. */
char *ks_sigv4_presign_url (const char               *endpoint,
                            KsSigv4Request           *req,
                            const KsSigv4Credentials *creds,
                            GDateTime                *now,
                            guint                     expires_seconds,
                            GError                  **error);

/* Returns the secret for an access key, or NULL when the key is unknown.
 * The string must stay valid until ks_sigv4_verify() returns. */
typedef const char *(*KsSigv4SecretLookup) (const char *access_key_id,
                                            gpointer    user_data);

typedef struct
{
  const char         *region;
  const char         *service;
  GDateTime          *now;
  guint               max_skew_seconds; /* 0 = KS_SIGV4_DEFAULT_SKEW */
  KsSigv4SecretLookup lookup;
  gpointer            user_data;
} KsSigv4VerifyOptions;

typedef struct
{
  char    *access_key_id;
  char   **signed_headers; /* lower-case, sorted */
  char    *payload_hash;   /* x-amz-content-sha256 or UNSIGNED-PAYLOAD */
  gboolean presigned;
  gint64   expires_at_unix; /* presigned only */
} KsSigv4Auth;

void ks_sigv4_auth_free (KsSigv4Auth *auth);

/* Verifies a presigned URL (X-Amz-* auth parameters in the query) or a
 * header-signed request (Authorization header), always with S3 rules:
 * the scope must be <X-Amz-Date's date>/<region>/<service>/aws4_request;
 * host must be signed, and so must every x-amz-* header present (both
 * forms). Presigned: X-Amz-Expires 1 … 604800, now within
 * [date - skew, date + expires] (EXPIRED otherwise). Header-signed:
 * |now - x-amz-date| <= skew (TIME_SKEWED), and x-amz-content-sha256 must
 * be a hex SHA-256 or UNSIGNED-PAYLOAD. The signature is compared in
 * constant time. Returns what the server needs to check the body later. */
KsSigv4Auth *ks_sigv4_verify (const KsSigv4Request       *received,
                              const KsSigv4VerifyOptions *opts,
                              GError                    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSigv4Request, ks_sigv4_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSigv4Auth, ks_sigv4_auth_free)

G_END_DECLS
