/* ks-jwt.h: RS256 JSON Web Tokens and key sets, as Amazon Cognito issues them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "ks-jwks.h"
#include "ks-rsa-key.h"

G_BEGIN_DECLS

#define KS_JWT_ERROR (ks_jwt_error_quark ())

/* Longer tokens are refused before any decoding. Cognito's are ~1 KiB. */
#define KS_JWT_MAX_LEN (16 * 1024)

/**
 * KsJwtError:
 * @KS_JWT_ERROR_MALFORMED: not three strict base64url segments, not JSON
 *   objects, a claim or header member of the wrong type, too long; also a
 *   JWKS document that cannot be used
 * @KS_JWT_ERROR_UNSUPPORTED_ALGORITHM: "alg" is missing or not exactly "RS256"
 * @KS_JWT_ERROR_UNKNOWN_KEY: no "kid", or a "kid" the key set lacks
 * @KS_JWT_ERROR_BAD_SIGNATURE: the signature does not verify
 * @KS_JWT_ERROR_EXPIRED: "exp" is past, beyond the leeway
 * @KS_JWT_ERROR_NOT_YET_VALID: "iat" or "nbf" is future, beyond the leeway
 * @KS_JWT_ERROR_WRONG_ISSUER: "iss" is not the expected user pool
 * @KS_JWT_ERROR_WRONG_AUDIENCE: "client_id" (access) or "aud" (id) is not
 *   the expected app client
 * @KS_JWT_ERROR_WRONG_TOKEN_USE: "token_use" is not the expected one
 * @KS_JWT_ERROR_MISSING_CLAIM: a required claim is absent
 */
typedef enum
{
  KS_JWT_ERROR_MALFORMED,
  KS_JWT_ERROR_UNSUPPORTED_ALGORITHM,
  KS_JWT_ERROR_UNKNOWN_KEY,
  KS_JWT_ERROR_BAD_SIGNATURE,
  KS_JWT_ERROR_EXPIRED,
  KS_JWT_ERROR_NOT_YET_VALID,
  KS_JWT_ERROR_WRONG_ISSUER,
  KS_JWT_ERROR_WRONG_AUDIENCE,
  KS_JWT_ERROR_WRONG_TOKEN_USE,
  KS_JWT_ERROR_MISSING_CLAIM,
} KsJwtError;

GQuark ks_jwt_error_quark (void);

typedef struct
{
  const char *issuer;         /* required: https://cognito-idp.<region>.amazonaws.com/<pool> */
  const char *token_use;      /* "access" | "id" | NULL = either */
  const char *client_id;      /* required: app client id */
  gint64      now_unix;       /* 0 = current time */
  guint       leeway_seconds; /* clock skew allowed, e.g. 60 */
} KsJwtExpect;

/* Header {"kid":<kid>,"alg":"RS256"} like Cognito. Key errors are
 * KS_CORE_ERROR (a public-only key cannot sign); a token that would be
 * longer than KS_JWT_MAX_LEN is KS_JWT_ERROR_MALFORMED. */
char *ks_jwt_sign (KsRsaKey   *key,
                   JsonObject *claims,
                   GError    **error);
/* Signature, then exp, iat/nbf, iss, token_use and client_id/aud.
 * Returns the claims, or NULL with a KS_JWT_ERROR. */
JsonObject *ks_jwt_verify (const char        *token,
                           KsJwks            *jwks,
                           const KsJwtExpect *expect,
                           GError           **error);
/* UNVERIFIED: decodes the claims without checking the signature or any
 * claim. Only for a client reading exp or username from a token it got
 * itself over TLS; never for deciding who someone is. */
JsonObject *ks_jwt_peek_claims (const char *token,
                                GError    **error);

G_END_DECLS
