/* ks-cognito-private.h: the request layer under KsCognitoClient
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "ks-cloud-private.h"
#include "ks-cloud-types.h"
#include "ks-cognito-client.h"

G_BEGIN_DECLS

/* A reply object whose strings are overwritten when it is freed. */
typedef JsonObject KsCognitoReply;

void ks_cognito_reply_free (KsCognitoReply *reply);
void ks_cognito_wipe_object (JsonObject *object);

/* POST @body to @endpoint as AWSCognitoIdentityProviderService.@operation.
 * @body's strings are wiped once it is serialized. Throttled requests are
 * retried a few times with backoff; errors are KS_CLOUD_ERROR codes (see
 * ks_cloud_error_from_cognito()). */
void            ks_cognito_call_async (SoupSession        *session,
                                       const char         *endpoint,
                                       const char         *operation,
                                       JsonObject         *body,
                                       KsCognitoContext    context,
                                       gpointer            source_object,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data);
KsCognitoReply *ks_cognito_call_finish (GAsyncResult *result,
                                        GError      **error);

/* AuthenticationResult of @reply; @need_refresh: a RefreshToken must be
 * there. Without ExpiresIn, the access token's own exp - iat. */
KsTokens *ks_cognito_tokens_from_reply (JsonObject *reply,
                                        gboolean    need_refresh,
                                        GError    **error);

/* For ks-cognito-sign-in.c: requests through the client's session and
 * endpoint; @body is consumed. */
void ks_cognito_client_call (KsCognitoClient    *self,
                             const char         *operation,
                             JsonObject         *body,
                             KsCognitoContext    context,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data);
/* {"ClientId": ...} */
JsonObject *ks_cognito_client_new_body (KsCognitoClient *self);
/* SECRET_HASH into @object when the server info has a client secret. */
void                ks_cognito_client_add_secret_hash (KsCognitoClient *self,
                                                       JsonObject      *object,
                                                       const char      *username);
const KsServerInfo *ks_cognito_client_get_server (KsCognitoClient *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCognitoReply, ks_cognito_reply_free)

G_END_DECLS
