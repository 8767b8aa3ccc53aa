/* ks-jwks.h: JSON Web Key Sets (RFC 7517) of RS256 keys, as Cognito
 * publishes them in jwks.json
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "ks-rsa-key.h"

G_BEGIN_DECLS

/* A JSON Web Key Set: RS256 keys by "kid". */
typedef struct _KsJwks KsJwks;

KsJwks *ks_jwks_new (void);
/* {"keys":[...]}. Keys of other types, other "use" or other "alg" are
 * skipped; a broken RSA key or a repeated "kid" fails the whole set.
 * Errors are KS_JWT_ERROR_MALFORMED (ks-jwt.h). */
KsJwks *ks_jwks_new_from_json (const char *json,
                               gssize      len,
                               GError    **error);
KsJwks *ks_jwks_ref (KsJwks *self);
void    ks_jwks_unref (KsJwks *self);
/* Under ks_rsa_key_get_kid(); replaces a key with the same kid. */
void ks_jwks_add_key (KsJwks   *self,
                      KsRsaKey *key);
/* (transfer none) (nullable) */
KsRsaKey *ks_jwks_lookup (KsJwks     *self,
                          const char *kid);
guint     ks_jwks_get_n_keys (KsJwks *self);
/* Public keys only, in Cognito's jwks.json form. */
char *ks_jwks_to_json (KsJwks *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsJwks, ks_jwks_unref)

G_END_DECLS
