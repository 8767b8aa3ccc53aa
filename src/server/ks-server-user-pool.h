/* ks-server-user-pool.h: an outside Cognito user pool whose tokens the
 * API trusts instead of its built-in sign-in service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KS_TYPE_SERVER_USER_POOL (ks_server_user_pool_get_type ())

G_DECLARE_FINAL_TYPE (KsServerUserPool, ks_server_user_pool, KS, SERVER_USER_POOL, GObject)

/*
 * @issuer_url: the pool's issuer, as in its tokens' "iss":
 *   https://cognito-idp.<region>.amazonaws.com/<region>_<id>; plain http
 *   only on a loopback host (a Cognito emulator in tests)
 * @client_id: the app client the desktop app signs in with
 *
 * Checks both; reads nothing yet. Errors: KS_SERVER_ERROR_INVALID_ARGUMENT.
 */
KsServerUserPool *ks_server_user_pool_new (const char *issuer_url,
                                           const char *client_id,
                                           GError    **error);

/* Reads the pool's signing keys (<issuer>/.well-known/jwks.json),
 * blocking, before the server answers anyone. Errors: KS_SERVER_ERROR_FAILED
 * with a sentence naming the URL. */
gboolean ks_server_user_pool_load_keys (KsServerUserPool *self,
                                        GCancellable     *cancellable,
                                        GError          **error);

/* What clients are told (GET /.well-known/keepsake.json). */
const char *ks_server_user_pool_get_issuer (KsServerUserPool *self);
const char *ks_server_user_pool_get_endpoint (KsServerUserPool *self);
const char *ks_server_user_pool_get_region (KsServerUserPool *self);
const char *ks_server_user_pool_get_id (KsServerUserPool *self);
const char *ks_server_user_pool_get_client_id (KsServerUserPool *self);

/* The claims of a valid access token of this pool and app client;
 * KS_JWT_ERROR otherwise. A key the set lacks makes it read the keys
 * again in the background (at most once a minute): Cognito may rotate
 * them. Main thread only. */
JsonObject *ks_server_user_pool_verify_access_token (KsServerUserPool *self,
                                                     const char       *token,
                                                     GError          **error);

G_END_DECLS
