/* ks-rsa-key.h: an RSA key pair for signing tokens, and its JWK form
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _KsRsaKey KsRsaKey;

/* 2048-bit keys, like Cognito's. */
KsRsaKey *ks_rsa_key_generate (GError **error);
/* PKCS#8 or traditional PEM, private or public. */
KsRsaKey *ks_rsa_key_new_from_pem (const char *pem,
                                   GError    **error);
/* Public key from a JWK object ("kty": "RSA", "n", "e"). */
KsRsaKey *ks_rsa_key_new_from_jwk (JsonObject *jwk,
                                   GError    **error);
KsRsaKey *ks_rsa_key_ref (KsRsaKey *self);
void      ks_rsa_key_unref (KsRsaKey *self);

gboolean ks_rsa_key_has_private (KsRsaKey *self);
/* PKCS#8 PEM of the private key; NULL for a public-only key. */
char *ks_rsa_key_to_private_pem (KsRsaKey *self);
/* RFC 7638 thumbprint (base64url SHA-256), used as "kid". */
const char *ks_rsa_key_get_kid (KsRsaKey *self);
/* {"kty","alg":"RS256","use":"sig","kid","n","e"} */
JsonObject *ks_rsa_key_to_public_jwk (KsRsaKey *self);

/* RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over raw bytes: the JWS layer
 * under ks-jwt. Signing needs the private key. Errors of this module are
 * KS_CORE_ERROR: PARSE (not a key), INVALID (not RSA, modulus outside
 * 2048..8192 bits, odd exponent outside 3..2^64, a public key asked to
 * sign), CRYPTO (OpenSSL failed). */
GBytes  *ks_rsa_key_sign_rs256 (KsRsaKey   *self,
                                const void *data,
                                gsize       len,
                                GError    **error);
gboolean ks_rsa_key_verify_rs256 (KsRsaKey     *self,
                                  const void   *data,
                                  gsize         len,
                                  const guint8 *signature,
                                  gsize         signature_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsRsaKey, ks_rsa_key_unref)

G_END_DECLS
