/* ks-cognito-client.h: Amazon Cognito user pools, the JSON protocol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "ks-cloud-types.h"

G_BEGIN_DECLS

#define KS_TYPE_COGNITO_CLIENT (ks_cognito_client_get_type ())
G_DECLARE_FINAL_TYPE (KsCognitoClient, ks_cognito_client, KS, COGNITO_CLIENT, GObject)

typedef enum
{
  KS_AUTH_FLOW_AUTO,     /* USER_SRP_AUTH; USER_PASSWORD_AUTH if the app
                          * client does not allow SRP */
  KS_AUTH_FLOW_SRP,      /* USER_SRP_AUTH only */
  KS_AUTH_FLOW_PASSWORD, /* USER_PASSWORD_AUTH only */
} KsAuthFlow;

/* Speaks to @server's Cognito endpoint (AWS's or the built-in IdP) with
 * SECRET_HASH when @server has a client secret. Errors are
 * KS_CLOUD_ERROR codes with a translated message; Cognito's own message
 * is logged at debug level only (it never holds secrets). */
KsCognitoClient *ks_cognito_client_new (SoupSession        *session,
                                        const KsServerInfo *server);

/* What a new password needs, as one sentence for a form ("At least 8
 * characters, with ..."), or NULL when the server does not say (an
 * outside user pool). */
char *ks_cognito_client_describe_password_policy (KsCognitoClient *self);

/* Sign-up and ConfirmForgotPassword refuse a password that breaks the
 * server's policy, when it is known, without asking the server
 * (KS_CLOUD_ERROR_INVALID_PASSWORD naming the rule).
 * *out_confirmed: the pool confirmed the user at once (auto-confirm). */
void     ks_cognito_client_sign_up_async (KsCognitoClient    *self,
                                          const char         *username,
                                          const char         *password,
                                          const char         *email,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data);
gboolean ks_cognito_client_sign_up_finish (KsCognitoClient *self,
                                           GAsyncResult    *result,
                                           gboolean        *out_confirmed,
                                           GError         **error);

void     ks_cognito_client_confirm_sign_up_async (KsCognitoClient    *self,
                                                  const char         *username,
                                                  const char         *code,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean ks_cognito_client_confirm_sign_up_finish (KsCognitoClient *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);

void     ks_cognito_client_resend_code_async (KsCognitoClient    *self,
                                              const char         *username,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean ks_cognito_client_resend_code_finish (KsCognitoClient *self,
                                               GAsyncResult    *result,
                                               GError         **error);

void      ks_cognito_client_sign_in_async (KsCognitoClient    *self,
                                           const char         *username,
                                           const char         *password,
                                           KsAuthFlow          flow,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
KsTokens *ks_cognito_client_sign_in_finish (KsCognitoClient *self,
                                            GAsyncResult    *result,
                                            GError         **error);

/* REFRESH_TOKEN_AUTH. @username is needed for SECRET_HASH only. A
 * revoked or expired refresh token is KS_CLOUD_ERROR_NOT_SIGNED_IN. */
void      ks_cognito_client_refresh_async (KsCognitoClient    *self,
                                           const char         *username,
                                           const char         *refresh_token,
                                           GCancellable       *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
KsTokens *ks_cognito_client_refresh_finish (KsCognitoClient *self,
                                            GAsyncResult    *result,
                                            GError         **error);

void     ks_cognito_client_global_sign_out_async (KsCognitoClient    *self,
                                                  const char         *access_token,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean ks_cognito_client_global_sign_out_finish (KsCognitoClient *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);

void     ks_cognito_client_forgot_password_async (KsCognitoClient    *self,
                                                  const char         *username,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean ks_cognito_client_forgot_password_finish (KsCognitoClient *self,
                                                   GAsyncResult    *result,
                                                   GError         **error);

void     ks_cognito_client_confirm_forgot_password_async (KsCognitoClient    *self,
                                                          const char         *username,
                                                          const char         *code,
                                                          const char         *new_password,
                                                          GCancellable       *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer            user_data);
gboolean ks_cognito_client_confirm_forgot_password_finish (KsCognitoClient *self,
                                                           GAsyncResult    *result,
                                                           GError         **error);

G_END_DECLS
