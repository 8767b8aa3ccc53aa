/* ks-idp.h: the built-in Cognito-compatible identity provider
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "ks-server.h"

G_BEGIN_DECLS

/* POST /cognito (the Cognito JSON protocol) and the issuer's
 * /.well-known/jwks.json. */
void ks_idp_register (KsServer *server);

/*
 * Checks an access token of this server's pool: RS256 signature with the
 * data dir's signing key, "exp"/"iat" with 60 s leeway, "iss" = the
 * issuer under the public URL, "client_id" = the pool's app client,
 * "token_use" = "access". Like an API Gateway authorizer in front of
 * Cognito, it does not look at GlobalSignOut: a signed-out access token
 * stays valid until it expires (one hour).
 *
 * Returns: (transfer full): the claims ("sub", "username", ...), or
 *   %NULL with a KS_JWT_ERROR (ks-jwt.h)
 */
JsonObject *ks_idp_verify_access_token (KsServer   *server,
                                        const char *token,
                                        GError    **error);

G_END_DECLS
