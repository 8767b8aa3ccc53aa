/* test-idp-common.h: a small Cognito client for the IdP tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-jwt.h"
#include "ks-srp.h"
#include "ks-test-server.h"

G_BEGIN_DECLS

#define IDP_PASSWORD "Corr3ct-Horse"
#define IDP_TARGET_PREFIX "AWSCognitoIdentityProviderService."

/* A running server and what discovery says about its pool. */
typedef struct
{
  KsTestServer *server;
  char         *endpoint;
  char         *client_id;
  char         *pool_id;
  char         *issuer;
  char         *jwks_url;
} IdpServer;

IdpServer *idp_server_start (gboolean auto_confirm);
void       idp_server_free (IdpServer *self);

/* POST /cognito; the reply parsed (any status), the status in *out_status. */
JsonObject *idp_call (IdpServer  *self,
                      const char *operation,
                      const char *body,
                      guint      *out_status);
/* With headers of one's choosing: NULL leaves a header out. */
JsonObject *idp_call_raw (IdpServer  *self,
                          const char *target,
                          const char *content_type,
                          const char *body,
                          gsize       len,
                          guint      *out_status);
JsonObject *idp_call_ok (IdpServer  *self,
                         const char *operation,
                         const char *body);
/* Asserts HTTP 400 with {"__type": @type, "message": ...}. */
void idp_call_fails (IdpServer  *self,
                     const char *operation,
                     const char *body,
                     const char *type);
void idp_assert_error (JsonObject *reply,
                       guint       status,
                       const char *type);

char *idp_read_code (IdpServer  *self,
                     const char *purpose,
                     const char *username);
/* Returns the sub. */
char *idp_sign_up (IdpServer  *self,
                   const char *username,
                   const char *password);
void  idp_confirm (IdpServer  *self,
                   const char *username);
char *idp_create_user (IdpServer  *self,
                       const char *username,
                       const char *password);

JsonObject *idp_password_auth (IdpServer  *self,
                               const char *username,
                               const char *password,
                               guint      *out_status);
/* USER_SRP_AUTH with our own client (ks_srp_client_*): the body of the
 * RespondToAuthChallenge that answers @challenge (ChallengeParameters),
 * at @timestamp (NULL: now). */
char *idp_srp_answer (IdpServer   *self,
                      KsSrpClient *client,
                      JsonObject  *challenge,
                      const char  *password,
                      const char  *timestamp);
/* Both steps; the reply of the last one that ran. */
JsonObject *idp_srp_auth (IdpServer  *self,
                          const char *username,
                          const char *password,
                          guint      *out_status);
JsonObject *idp_refresh (IdpServer  *self,
                         const char *flow,
                         const char *refresh_token,
                         guint      *out_status);
JsonObject *idp_with_token (IdpServer  *self,
                            const char *operation,
                            const char *access_token,
                            guint      *out_status);

/* Runs @sql on the server's database, for what only time would do. */
void    idp_sql (IdpServer  *self,
                 const char *sql);
KsJwks *idp_fetch_jwks (IdpServer *self);

/* AuthenticationResult of a successful reply, asserted present. */
JsonObject *idp_result (JsonObject *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (IdpServer, idp_server_free)

G_END_DECLS
