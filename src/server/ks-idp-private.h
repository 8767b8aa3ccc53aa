/* ks-idp-private.h: what the ks-idp*.c files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-hash.h"
#include "ks-idp-store.h"
#include "ks-idp.h"
#include "ks-jwks.h"
#include "ks-server.h"

G_BEGIN_DECLS

#define KS_IDP_ERROR (ks_idp_error_quark ())

/* Each code is one Cognito exception ("__type"); see ks_idp_error_type(). */
typedef enum
{
  KS_IDP_ERROR_INVALID_PARAMETER,
  KS_IDP_ERROR_INVALID_PASSWORD,
  KS_IDP_ERROR_USERNAME_EXISTS,
  KS_IDP_ERROR_NOT_AUTHORIZED,
  KS_IDP_ERROR_USER_NOT_CONFIRMED,
  KS_IDP_ERROR_USER_NOT_FOUND,
  KS_IDP_ERROR_CODE_MISMATCH,
  KS_IDP_ERROR_EXPIRED_CODE,
  KS_IDP_ERROR_RESOURCE_NOT_FOUND,
  KS_IDP_ERROR_LIMIT_EXCEEDED,
  KS_IDP_ERROR_UNKNOWN_OPERATION,
  KS_IDP_ERROR_INTERNAL,
} KsIdpError;

GQuark      ks_idp_error_quark (void);
const char *ks_idp_error_type (KsIdpError code);

/* Limits and lifetimes, in seconds where they are times. */
#define KS_IDP_TOKEN_LIFETIME (60 * 60)
#define KS_IDP_REFRESH_LIFETIME (30 * 24 * 60 * 60)
#define KS_IDP_CONFIRM_CODE_LIFETIME (24 * 60 * 60)
#define KS_IDP_RESET_CODE_LIFETIME (60 * 60)
#define KS_IDP_CODE_MAX_ATTEMPTS 5
#define KS_IDP_CHALLENGE_LIFETIME (5 * 60)
#define KS_IDP_TIMESTAMP_SKEW (5 * 60)
#define KS_IDP_MAX_FAILURES 5
#define KS_IDP_FAILURE_WINDOW (15 * 60)
#define KS_IDP_LOCKOUT (15 * 60)
#define KS_IDP_MAX_SENDS 5
#define KS_IDP_SEND_WINDOW (60 * 60)
#define KS_IDP_SECRET_KEY_LEN 32

typedef struct _KsIdp KsIdp;

/*
 * The module's state, shared by the main thread and the IdP's one worker
 * thread. Fields are set at registration and read-only afterwards, but
 * for @db, which only the worker touches.
 */
struct _KsIdp
{
  KsServer     *server;  /* unowned: the routes own the IdP */
  GMainContext *context; /* the server's, where replies are sent from */
  GThreadPool  *worker;  /* one thread: operations run in order */
  KsServerDb   *db;      /* nullable: the worker's own connection */
  KsServerDb   *main_db; /* the server's, which the worker's opens beside */
  char         *data_path;
  char         *pool_id;
  char         *client_id;
  KsRsaKey     *signing_key;
  KsJwks       *jwks;
  guint8        secret_key[KS_IDP_SECRET_KEY_LEN]; /* seals SECRET_BLOCK */
};

/* One request as the worker sees it: everything read on the main thread. */
typedef struct
{
  KsIdp      *idp;
  KsServerDb *db;
  JsonObject *body;
  const char *issuer;
  gboolean    auto_confirm;
  gint64      now; /* Unix time, seconds */
} KsIdpCall;

typedef JsonNode *(*KsIdpOperation) (KsIdpCall *call,
                                     GError   **error);

/* ks-idp-request.c: validating request members. Errors are
 * KS_IDP_ERROR_INVALID_PARAMETER unless said otherwise. */
gboolean ks_idp_check_members (JsonObject        *object,
                               const char *const *allowed,
                               GError           **error);
gboolean ks_idp_get_string (JsonObject  *object,
                            const char  *name,
                            gboolean     required,
                            const char **out,
                            GError     **error);
gboolean ks_idp_get_boolean (JsonObject *object,
                             const char *name,
                             gboolean   *out,
                             GError    **error);
/* A map of strings (AuthParameters, ChallengeResponses, ClientMetadata):
 * (out) (nullable) points into @object. */
gboolean ks_idp_get_string_map (JsonObject  *object,
                                const char  *name,
                                gboolean     required,
                                JsonObject **out,
                                GError     **error);
/* "Missing required parameter NAME" when absent. */
gboolean ks_idp_get_parameter (JsonObject  *map,
                               const char  *name,
                               const char **out,
                               GError     **error);
/* ResourceNotFoundException for another pool's client. */
gboolean ks_idp_check_client_id (KsIdpCall  *call,
                                 JsonObject *object,
                                 GError    **error);
gboolean ks_idp_check_username (const char *username,
                                GError    **error);
/* InvalidPasswordException, with Cognito's sentences. */
gboolean ks_idp_check_password (const char *password,
                                GError    **error);
gboolean ks_idp_check_code_format (const char *code,
                                   GError    **error);
gboolean ks_idp_check_email (const char *email,
                             GError    **error);

/* ks-idp-codes.c */
JsonNode *ks_idp_code_delivery_reply (const char *email);
gboolean  ks_idp_send_code (KsIdpCall       *call,
                            const KsIdpUser *user,
                            const char      *purpose,
                            GError         **error);
gboolean  ks_idp_use_code (KsIdpCall       *call,
                           const KsIdpUser *user,
                           const char      *purpose,
                           const char      *code,
                           GError         **error);

/* ks-idp-signup.c */
JsonNode *ks_idp_sign_up (KsIdpCall *call,
                          GError   **error);
JsonNode *ks_idp_confirm_sign_up (KsIdpCall *call,
                                  GError   **error);
JsonNode *ks_idp_resend_confirmation_code (KsIdpCall *call,
                                           GError   **error);
JsonNode *ks_idp_forgot_password (KsIdpCall *call,
                                  GError   **error);
JsonNode *ks_idp_confirm_forgot_password (KsIdpCall *call,
                                          GError   **error);

/* ks-idp-auth.c */
JsonNode *ks_idp_initiate_auth (KsIdpCall *call,
                                GError   **error);
JsonNode *ks_idp_respond_to_auth_challenge (KsIdpCall *call,
                                            GError   **error);
JsonNode *ks_idp_change_password (KsIdpCall *call,
                                  GError   **error);
/* NotAuthorizedException "Password attempts exceeded" while @username
 * is locked out after too many wrong passwords. */
gboolean ks_idp_check_sign_in_allowed (KsIdpCall  *call,
                                       const char *username,
                                       GError    **error);
gboolean ks_idp_note_sign_in_result (KsIdpCall  *call,
                                     const char *username,
                                     gboolean    success,
                                     GError    **error);
/* After the right password: UserNotConfirmedException, or tokens. */
JsonNode *ks_idp_finish_sign_in (KsIdpCall       *call,
                                 const KsIdpUser *user,
                                 GError         **error);
gboolean  ks_idp_set_password (KsIdpCall       *call,
                               const KsIdpUser *user,
                               const char      *password,
                               GError         **error);

/* ks-idp-srp.c */
typedef struct
{
  char  *user_id;   /* USER_ID_FOR_SRP */
  char  *private_b; /* hex, secret */
  char  *srp_a;     /* hex */
  gint64 expires_at;
} KsIdpChallenge;

void            ks_idp_challenge_free (KsIdpChallenge *challenge);
char           *ks_idp_challenge_seal (const guint8          key[KS_IDP_SECRET_KEY_LEN],
                                       const char           *pool_id,
                                       const KsIdpChallenge *challenge);
KsIdpChallenge *ks_idp_challenge_open (const guint8 key[KS_IDP_SECRET_KEY_LEN],
                                       const char  *pool_id,
                                       const char  *secret_block,
                                       gint64       now,
                                       GError     **error);
gboolean        ks_idp_parse_timestamp (const char *text,
                                        gint64     *out_unix);
void            ks_idp_fake_credentials (KsIdp      *idp,
                                         const char *username,
                                         char      **out_salt,
                                         char      **out_verifier);
JsonNode       *ks_idp_srp_start (KsIdpCall  *call,
                                  JsonObject *parameters,
                                  GError    **error);
JsonNode       *ks_idp_srp_answer (KsIdpCall  *call,
                                   JsonObject *responses,
                                   GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsIdpChallenge, ks_idp_challenge_free)

/* ks-idp-tokens.c */
char *ks_idp_hash_token (const char *token);
/* A new session: ID, access and refresh tokens as AuthenticationResult. */
JsonNode *ks_idp_tokens_issue (KsIdpCall       *call,
                               const KsIdpUser *user,
                               GError         **error);
JsonNode *ks_idp_tokens_refresh (KsIdpCall  *call,
                                 const char *refresh_token,
                                 GError    **error);
/* The user of the request's AccessToken, if its session is still on. */
KsIdpUser *ks_idp_tokens_authorize (KsIdpCall  *call,
                                    JsonObject *body,
                                    GError    **error);
JsonNode  *ks_idp_get_user (KsIdpCall *call,
                            GError   **error);
JsonNode  *ks_idp_global_sign_out (KsIdpCall *call,
                                   GError   **error);
JsonNode  *ks_idp_revoke_token (KsIdpCall *call,
                                GError   **error);

G_END_DECLS
