/* ks-idp-tokens.c: ID, access and refresh tokens, and the operations
 * that take an access token or a refresh token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-idp-private.h"
#include "ks-idp-store.h"
#include "ks-jwt.h"

#define REFRESH_TOKEN_BYTES 48
#define ACCESS_SCOPE "aws.cognito.signin.user.admin"
#define LEEWAY 60

/* What an access and ID token pair share. */
typedef struct
{
  const KsIdpUser *user;
  const char      *origin_jti;
  gint64           auth_time;
} TokenContext;

char *
ks_idp_hash_token (const char *token)
{
  return ks_sha256_hex (token, strlen (token));
}

static void
set_common_claims (KsIdpCall          *call,
                   JsonObject         *claims,
                   const TokenContext *context,
                   const char         *event_id,
                   const char         *token_use)
{
  g_autofree char *jti = g_uuid_string_random ();

  json_object_set_string_member (claims, "sub", context->user->sub);
  json_object_set_string_member (claims, "iss", call->issuer);
  json_object_set_string_member (claims, "token_use", token_use);
  json_object_set_int_member (claims, "auth_time", context->auth_time);
  json_object_set_int_member (claims, "iat", call->now);
  json_object_set_int_member (claims, "exp", call->now + KS_IDP_TOKEN_LIFETIME);
  json_object_set_string_member (claims, "jti", jti);
  json_object_set_string_member (claims, "origin_jti", context->origin_jti);
  json_object_set_string_member (claims, "event_id", event_id);
}

static char *
sign_id_token (KsIdpCall          *call,
               const TokenContext *context,
               const char         *event_id,
               GError            **error)
{
  g_autoptr (JsonObject) claims = json_object_new ();

  set_common_claims (call, claims, context, event_id, "id");
  json_object_set_string_member (claims, "aud", call->idp->client_id);
  json_object_set_string_member (claims, "cognito:username", context->user->username);
  if (context->user->email != NULL)
    {
      json_object_set_string_member (claims, "email", context->user->email);
      json_object_set_boolean_member (claims, "email_verified", context->user->email_verified);
    }

  return ks_jwt_sign (call->idp->signing_key, claims, error);
}

static char *
sign_access_token (KsIdpCall          *call,
                   const TokenContext *context,
                   const char         *event_id,
                   GError            **error)
{
  g_autoptr (JsonObject) claims = json_object_new ();

  set_common_claims (call, claims, context, event_id, "access");
  json_object_set_string_member (claims, "client_id", call->idp->client_id);
  json_object_set_string_member (claims, "scope", ACCESS_SCOPE);
  json_object_set_string_member (claims, "username", context->user->username);

  return ks_jwt_sign (call->idp->signing_key, claims, error);
}

/* {"AuthenticationResult": {...}, "ChallengeParameters": {}} */
static JsonNode *
build_result (KsIdpCall          *call,
              const TokenContext *context,
              const char         *refresh_token,
              GError            **error)
{
  g_autofree char *event_id = g_uuid_string_random ();
  g_autofree char *id_token = sign_id_token (call, context, event_id, error);
  g_autofree char *access_token = NULL;
  g_autoptr (JsonObject) result = json_object_new ();
  g_autoptr (JsonObject) reply = json_object_new ();
  JsonNode *node;

  if (id_token == NULL ||
      (access_token = sign_access_token (call, context, event_id, error)) == NULL)
    return NULL;

  json_object_set_string_member (result, "AccessToken", access_token);
  json_object_set_int_member (result, "ExpiresIn", KS_IDP_TOKEN_LIFETIME);
  json_object_set_string_member (result, "IdToken", id_token);
  if (refresh_token != NULL)
    json_object_set_string_member (result, "RefreshToken", refresh_token);
  json_object_set_string_member (result, "TokenType", "Bearer");

  json_object_set_object_member (reply, "AuthenticationResult", g_steal_pointer (&result));
  json_object_set_object_member (reply, "ChallengeParameters", json_object_new ());

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, reply);
  return node;
}

JsonNode *
ks_idp_tokens_issue (KsIdpCall       *call,
                     const KsIdpUser *user,
                     GError         **error)
{
  guint8           bytes[REFRESH_TOKEN_BYTES];
  g_autofree char *refresh_token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *origin_jti = g_uuid_string_random ();
  KsIdpSession     session = { 0 };
  TokenContext     context = { user, origin_jti, call->now };

  ks_random_bytes (bytes, sizeof bytes);
  refresh_token = ks_base64url_encode (bytes, sizeof bytes);
  token_hash = ks_idp_hash_token (refresh_token);

  session.sub = user->sub;
  session.origin_jti = origin_jti;
  session.auth_time = call->now;
  session.expires_at = call->now + KS_IDP_REFRESH_LIFETIME;
  if (!ks_idp_store_add_session (call->db, token_hash, &session, error))
    return NULL;

  return build_result (call, &context, refresh_token, error);
}

static gboolean
not_authorized (GError    **error,
                const char *message)
{
  g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_NOT_AUTHORIZED, message);
  return FALSE;
}

static KsIdpSession *
find_live_session (KsIdpCall  *call,
                   const char *refresh_token,
                   GError    **error)
{
  g_autofree char *token_hash = ks_idp_hash_token (refresh_token);
  g_autoptr (KsIdpSession) session = NULL;
  g_autoptr (GError) local_error = NULL;

  session = ks_idp_store_find_session (call->db, token_hash, &local_error);
  if (session == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        not_authorized (error, "Invalid Refresh Token");
      return NULL;
    }
  if (session->revoked)
    {
      not_authorized (error, "Refresh Token has been revoked");
      return NULL;
    }
  if (session->expires_at <= call->now)
    {
      not_authorized (error, "Refresh Token has expired");
      return NULL;
    }

  return g_steal_pointer (&session);
}

/* No new refresh token: like Cognito without rotation, the old one stays
 * good until it expires or is revoked. */
JsonNode *
ks_idp_tokens_refresh (KsIdpCall  *call,
                       const char *refresh_token,
                       GError    **error)
{
  g_autoptr (KsIdpSession) session = find_live_session (call, refresh_token, error);
  g_autoptr (KsIdpUser) user = NULL;
  TokenContext context;

  if (session == NULL)
    return NULL;

  if (!ks_idp_store_find_user_by_sub (call->db, session->sub, &user, error))
    return NULL;
  if (user == NULL || !user->confirmed)
    {
      not_authorized (error, "Invalid Refresh Token");
      return NULL;
    }

  context.user = user;
  context.origin_jti = session->origin_jti;
  context.auth_time = session->auth_time;
  return build_result (call, &context, NULL, error);
}

/* ---- Operations on an access token ---- */

static JsonObject *
verify_access_token (KsIdpCall  *call,
                     const char *token,
                     GError    **error)
{
  KsJwtExpect expect = {
    .issuer = call->issuer,
    .token_use = "access",
    .client_id = call->idp->client_id,
    .now_unix = call->now,
    .leeway_seconds = LEEWAY,
  };
  g_autoptr (GError) local_error = NULL;
  JsonObject *claims = ks_jwt_verify (token, call->idp->jwks, &expect, &local_error);

  if (claims == NULL)
    {
      g_debug ("Access token refused: %s", local_error->message);
      not_authorized (error, g_error_matches (local_error, KS_JWT_ERROR, KS_JWT_ERROR_EXPIRED)
                                 ? "Access Token has expired"
                                 : "Invalid Access Token");
    }

  return claims;
}

/* The access token's user, if the token is good and its session was
 * not signed out. */
static KsIdpUser *
authorize (KsIdpCall  *call,
           const char *access_token,
           GError    **error)
{
  g_autoptr (JsonObject) claims = verify_access_token (call, access_token, error);
  KsIdpUser  *user = NULL;
  const char *sub;
  const char *origin_jti;
  gboolean    revoked;

  if (claims == NULL)
    return NULL;

  sub = json_object_get_string_member_with_default (claims, "sub", "");
  origin_jti = json_object_get_string_member_with_default (claims, "origin_jti", "");
  if (!ks_idp_store_is_session_revoked (call->db, origin_jti, &revoked, error))
    return NULL;
  if (revoked)
    {
      not_authorized (error, "Access Token has been revoked");
      return NULL;
    }

  if (!ks_idp_store_find_user_by_sub (call->db, sub, &user, error))
    return NULL;
  if (user == NULL)
    g_set_error_literal (error, KS_IDP_ERROR, KS_IDP_ERROR_USER_NOT_FOUND, "User does not exist.");

  return user;
}

KsIdpUser *
ks_idp_tokens_authorize (KsIdpCall  *call,
                         JsonObject *body,
                         GError    **error)
{
  const char *access_token;

  if (!ks_idp_get_string (body, "AccessToken", TRUE, &access_token, error))
    return NULL;

  return authorize (call, access_token, error);
}

static void
add_attribute (JsonArray  *attributes,
               const char *name,
               const char *value)
{
  JsonObject *attribute = json_object_new ();

  json_object_set_string_member (attribute, "Name", name);
  json_object_set_string_member (attribute, "Value", value);
  json_array_add_object_element (attributes, attribute);
}

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

JsonNode *
ks_idp_get_user (KsIdpCall *call,
                 GError   **error)
{
  static const char *const members[] = { "AccessToken", NULL };
  g_autoptr (KsIdpUser) user = NULL;
  JsonObject *reply;
  JsonArray  *attributes;

  if (!ks_idp_check_members (call->body, members, error) ||
      (user = ks_idp_tokens_authorize (call, call->body, error)) == NULL)
    return NULL;

  attributes = json_array_new ();
  add_attribute (attributes, "sub", user->sub);
  if (user->email != NULL)
    {
      add_attribute (attributes, "email", user->email);
      add_attribute (attributes, "email_verified", user->email_verified ? "true" : "false");
    }

  reply = json_object_new ();
  json_object_set_string_member (reply, "Username", user->username);
  json_object_set_array_member (reply, "UserAttributes", attributes);
  return object_node (reply);
}

/* Every refresh token of the user stops working, and so does every
 * access token for the operations here (GetUser, ChangePassword...).
 * Other modules check access tokens by signature and expiry only, like
 * services behind real Cognito: those stay good for up to an hour. */
JsonNode *
ks_idp_global_sign_out (KsIdpCall *call,
                        GError   **error)
{
  static const char *const members[] = { "AccessToken", NULL };
  g_autoptr (KsIdpUser) user = NULL;

  if (!ks_idp_check_members (call->body, members, error) ||
      (user = ks_idp_tokens_authorize (call, call->body, error)) == NULL ||
      !ks_idp_store_revoke_sessions (call->db, user->sub, error))
    return NULL;

  return object_node (json_object_new ());
}

/* Cognito answers {} for a token it does not know, too. */
JsonNode *
ks_idp_revoke_token (KsIdpCall *call,
                     GError   **error)
{
  static const char *const members[] = { "Token", "ClientId", "ClientSecret", NULL };
  const char              *token;
  const char              *secret = NULL;
  g_autofree char         *token_hash = NULL;

  if (!ks_idp_check_members (call->body, members, error) ||
      !ks_idp_check_client_id (call, call->body, error) ||
      !ks_idp_get_string (call->body, "Token", TRUE, &token, error) ||
      !ks_idp_get_string (call->body, "ClientSecret", FALSE, &secret, error))
    return NULL;

  token_hash = ks_idp_hash_token (token);
  if (!ks_idp_store_revoke_session (call->db, token_hash, error))
    return NULL;

  return object_node (json_object_new ());
}
