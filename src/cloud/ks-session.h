/* ks-session.h: one signed-in user of one profile
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cognito-client.h"
#include "ks-token-source.h"
#include "ks-token-store.h"

G_BEGIN_DECLS

#define KS_TYPE_SESSION (ks_session_get_type ())
G_DECLARE_FINAL_TYPE (KsSession, ks_session, KS, SESSION, GObject)

/*
 * Keeps the ID and access tokens in memory only and the refresh token in
 * @store. Implements KsTokenSource: a token that expires within 5
 * minutes (or a quarter of its lifetime, whichever is less) is refreshed
 * before it is handed out, and however many callers are waiting, one
 * REFRESH_TOKEN_AUTH runs at a time. A refused refresh token signs the
 * session out (the secret is removed) and fails the waiters with
 * KS_CLOUD_ERROR_NOT_SIGNED_IN.
 *
 * Properties (notify on change, main context of creation):
 *   "profile"   KsProfile name, construct-only
 *   "username"  (nullable) the signed-in user
 *   "signed-in" gboolean
 */
KsSession *ks_session_new (SoupSession     *soup,
                           const KsProfile *profile,
                           KsTokenStore    *store);

const char      *ks_session_get_profile_name (KsSession *self);
const char      *ks_session_get_username (KsSession *self);
gboolean         ks_session_get_signed_in (KsSession *self);
KsCognitoClient *ks_session_get_cognito (KsSession *self);
/* The "sub" of the ID token, NULL when signed out. */
const char *ks_session_get_user_id (KsSession *self);

/* Signs in (KsAuthFlow as given) and saves the refresh token. If saving
 * fails (no Secret Service) the session stays signed in for this run
 * and the error says so. */
void     ks_session_sign_in_async (KsSession          *self,
                                   const char         *username,
                                   const char         *password,
                                   KsAuthFlow          flow,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean ks_session_sign_in_finish (KsSession    *self,
                                    GAsyncResult *result,
                                    GError      **error);

/* Looks up the stored refresh token of @username and refreshes with it.
 * Nothing stored: KS_CLOUD_ERROR_NOT_SIGNED_IN. */
void     ks_session_restore_async (KsSession          *self,
                                   const char         *username,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean ks_session_restore_finish (KsSession    *self,
                                    GAsyncResult *result,
                                    GError      **error);

/* GlobalSignOut (best effort: an unreachable server does not stop it),
 * then the secret is removed and the tokens forgotten. */
void     ks_session_sign_out_async (KsSession          *self,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean ks_session_sign_out_finish (KsSession    *self,
                                     GAsyncResult *result,
                                     GError      **error);

/* For tests and `keepsake-cli whoami`: seconds the current access token
 * has left, -1 when signed out. */
gint64 ks_session_get_access_token_lifetime (KsSession *self);

G_END_DECLS
