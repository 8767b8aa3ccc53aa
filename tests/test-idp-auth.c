/* test-idp-auth.c: the built-in IdP's sign-in flows, tokens, sessions and
 * throttle, over HTTP against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "test-idp-common.h"

static IdpServer *server;

static JsonObject *
sign_in (const char *username,
         const char *password)
{
  guint       status = 0;
  JsonObject *reply = idp_password_auth (server, username, password, &status);

  g_assert_cmpuint (status, ==, 200);
  idp_result (reply);
  return reply;
}

static const char *
token (JsonObject *reply,
       const char *name)
{
  const char *value = json_object_get_string_member_with_default (idp_result (reply), name, NULL);

  g_assert_nonnull (value);
  return value;
}

static void
assert_fails (JsonObject *reply,
              guint       status,
              const char *type,
              const char *message)
{
  idp_assert_error (reply, status, type);
  if (message != NULL)
    g_assert_cmpstr (json_object_get_string_member (reply, "message"), ==, message);
}

static JsonObject *
verify (const char *jwt,
        const char *token_use)
{
  g_autoptr (KsJwks) jwks = idp_fetch_jwks (server);
  KsJwtExpect expect = {
    .issuer = server->issuer,
    .token_use = token_use,
    .client_id = server->client_id,
    .leeway_seconds = 5,
  };
  g_autoptr (GError) error = NULL;
  JsonObject *claims = ks_jwt_verify (jwt, jwks, &expect, &error);

  g_assert_no_error (error);
  return claims;
}

static void
assert_claim_string (JsonObject *claims,
                     const char *name,
                     const char *value)
{
  g_assert_true (json_object_has_member (claims, name));
  if (value != NULL)
    g_assert_cmpstr (json_object_get_string_member (claims, name), ==, value);
  else
    g_assert_nonnull (json_object_get_string_member (claims, name));
}

static void
assert_times (JsonObject *claims)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 iat = json_object_get_int_member (claims, "iat");

  g_assert_cmpint (ABS (iat - now), <=, 5);
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, iat + 3600);
  g_assert_cmpint (json_object_get_int_member (claims, "auth_time"), <=, iat);
}

/* ---- Tokens ---- */

static void
test_tokens (void)
{
  g_autofree char *sub = idp_create_user (server, "Token-User", IDP_PASSWORD);
  g_autoptr (JsonObject) reply = sign_in ("token-user", IDP_PASSWORD);
  g_autoptr (JsonObject) id = verify (token (reply, "IdToken"), "id");
  g_autoptr (JsonObject) access = verify (token (reply, "AccessToken"), "access");

  assert_claim_string (id, "sub", sub);
  assert_claim_string (id, "iss", server->issuer);
  assert_claim_string (id, "aud", server->client_id);
  assert_claim_string (id, "token_use", "id");
  assert_claim_string (id, "cognito:username", "Token-User");
  assert_claim_string (id, "email", "Token-User@example.org");
  g_assert_true (json_object_get_boolean_member (id, "email_verified"));
  assert_claim_string (id, "jti", NULL);
  assert_claim_string (id, "origin_jti", NULL);
  assert_claim_string (id, "event_id", NULL);
  assert_times (id);

  assert_claim_string (access, "sub", sub);
  assert_claim_string (access, "iss", server->issuer);
  assert_claim_string (access, "client_id", server->client_id);
  assert_claim_string (access, "token_use", "access");
  assert_claim_string (access, "scope", "aws.cognito.signin.user.admin");
  assert_claim_string (access, "username", "Token-User");
  assert_claim_string (access, "origin_jti", json_object_get_string_member (id, "origin_jti"));
  assert_claim_string (access, "event_id", json_object_get_string_member (id, "event_id"));
  g_assert_false (json_object_has_member (access, "aud"));
  g_assert_cmpstr (json_object_get_string_member (access, "jti"), !=, json_object_get_string_member (id, "jti"));
  assert_times (access);

  g_assert_cmpuint (strlen (token (reply, "RefreshToken")), >=, 40);
}

static void
test_jwks (void)
{
  g_autofree char *path = g_strconcat ("/cognito/", server->pool_id, "/.well-known/jwks.json", NULL);
  g_autofree char *oidc = g_strconcat ("/cognito/", server->pool_id, "/.well-known/openid-configuration", NULL);
  guint            status = 0;
  g_autoptr (JsonNode) jwks = ks_test_server_get_json (server->server, path, &status);
  g_autoptr (JsonNode) other = NULL;
  g_autoptr (JsonNode) config = NULL;
  JsonObject *key;

  g_assert_cmpuint (status, ==, 200);
  key = json_array_get_object_element (json_object_get_array_member (json_node_get_object (jwks), "keys"), 0);
  g_assert_cmpstr (json_object_get_string_member (key, "kty"), ==, "RSA");
  g_assert_cmpstr (json_object_get_string_member (key, "alg"), ==, "RS256");
  g_assert_cmpstr (json_object_get_string_member (key, "use"), ==, "sig");
  g_assert_cmpstr (json_object_get_string_member (key, "e"), ==, "AQAB");
  g_assert_false (json_object_has_member (key, "d"));

  other = ks_test_server_get_json (server->server, "/cognito/us-east-1_other/.well-known/jwks.json", &status);
  g_assert_cmpuint (status, ==, 404);

  config = ks_test_server_get_json (server->server, oidc, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (ks_test_json_get_string (config, "issuer"), ==, server->issuer);
  g_assert_cmpstr (ks_test_json_get_string (config, "jwks_uri"), ==, server->jwks_url);
}

/* ---- Password sign-in ---- */

static void
test_password_auth (void)
{
  g_autofree char *sub = idp_create_user (server, "password-user", IDP_PASSWORD);
  guint            status = 0;
  g_autoptr (JsonObject) ok = sign_in ("PASSWORD-USER", IDP_PASSWORD);
  g_autoptr (JsonObject) wrong = idp_password_auth (server, "password-user", "Wr0ng-password", &status);
  g_autoptr (JsonObject) nobody = NULL;
  g_autoptr (JsonObject) empty = NULL;

  assert_fails (wrong, status, "NotAuthorizedException", "Incorrect username or password.");
  /* Nobody by that name: the same answer (prevent-user-existence). */
  nobody = idp_password_auth (server, "nobody-at-all", IDP_PASSWORD, &status);
  assert_fails (nobody, status, "NotAuthorizedException", "Incorrect username or password.");
  empty = idp_password_auth (server, "password-user", "", &status);
  assert_fails (empty, status, "NotAuthorizedException", "Incorrect username or password.");
}

/* ---- SRP sign-in ---- */

static void
test_srp_auth (void)
{
  g_autofree char *sub = idp_create_user (server, "Srp-User", IDP_PASSWORD);
  guint            status = 0;
  g_autoptr (JsonObject) ok = idp_srp_auth (server, "srp-user", IDP_PASSWORD, &status);
  g_autoptr (JsonObject) wrong = NULL;
  g_autoptr (JsonObject) nobody = NULL;
  g_autoptr (JsonObject) claims = NULL;

  g_assert_cmpuint (status, ==, 200);
  claims = verify (token (ok, "AccessToken"), "access");
  assert_claim_string (claims, "username", "Srp-User");

  wrong = idp_srp_auth (server, "srp-user", "Wr0ng-password", &status);
  assert_fails (wrong, status, "NotAuthorizedException", "Incorrect username or password.");
  /* A made-up challenge for a name nobody has, refused at the end. */
  nobody = idp_srp_auth (server, "srp-nobody", IDP_PASSWORD, &status);
  assert_fails (nobody, status, "NotAuthorizedException", "Incorrect username or password.");
}

typedef struct
{
  KsSrpClient *client;
  JsonObject  *reply; /* InitiateAuth's */
  JsonObject  *challenge;
} SrpStart;

static void
srp_start (SrpStart   *start,
           const char *username)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *body = NULL;

  start->client = ks_srp_client_new (server->pool_id, &error);
  g_assert_no_error (error);
  body = g_strdup_printf ("{\"AuthFlow\":\"USER_SRP_AUTH\",\"ClientId\":\"%s\","
                          "\"AuthParameters\":{\"USERNAME\":\"%s\",\"SRP_A\":\"%s\"}}",
                          server->client_id, username, ks_srp_client_get_srp_a (start->client));
  start->reply = idp_call_ok (server, "InitiateAuth", body);
  start->challenge = json_object_get_object_member (start->reply, "ChallengeParameters");
  g_assert_nonnull (start->challenge);
}

static void
srp_start_clear (SrpStart *start)
{
  g_clear_pointer (&start->client, ks_srp_client_free);
  g_clear_pointer (&start->reply, json_object_unref);
}

static void
assert_answer_fails (const char *answer,
                     const char *type)
{
  guint status = 0;
  g_autoptr (JsonObject) reply = idp_call (server, "RespondToAuthChallenge", answer, &status);

  idp_assert_error (reply, status, type);
}

static void
test_srp_challenge (void)
{
  g_autofree char *sub = idp_create_user (server, "Srp-Challenge", IDP_PASSWORD);
  SrpStart         start = { 0 };
  JsonObject      *c;

  srp_start (&start, "SRP-CHALLENGE");
  c = start.challenge;
  /* Cognito's USER_ID_FOR_SRP: the name as it was signed up. */
  g_assert_cmpstr (json_object_get_string_member (c, "USER_ID_FOR_SRP"), ==, "Srp-Challenge");
  g_assert_cmpstr (json_object_get_string_member (c, "USERNAME"), ==, "Srp-Challenge");
  g_assert_cmpuint (strlen (json_object_get_string_member (c, "SALT")), >=, 32);
  g_assert_cmpuint (strlen (json_object_get_string_member (c, "SRP_B")), >=, 700);
  g_assert_cmpuint (json_object_get_size (c), ==, 5);
  srp_start_clear (&start);
}

static void
test_srp_replay (void)
{
  g_autofree char *sub = idp_create_user (server, "srp-replay", IDP_PASSWORD);
  SrpStart         start = { 0 };
  g_autofree char *answer = NULL;

  srp_start (&start, "srp-replay");
  answer = idp_srp_answer (server, start.client, start.challenge, IDP_PASSWORD, NULL);
  json_object_unref (idp_call_ok (server, "RespondToAuthChallenge", answer));
  assert_answer_fails (answer, "NotAuthorizedException");
  srp_start_clear (&start);
}

static void
test_srp_timestamps (void)
{
  g_autofree char *sub = idp_create_user (server, "srp-time", IDP_PASSWORD);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) past = g_date_time_add_minutes (now, -10);
  g_autoptr (GDateTime) future = g_date_time_add_minutes (now, 10);
  g_autofree char  *past_text = ks_srp_format_timestamp (past);
  g_autofree char  *future_text = ks_srp_format_timestamp (future);
  const char *const malformed[] = { "yesterday", "Tue Nov 3 05:07:09 GMT 2026", "Xyz Nov 3 05:07:09 UTC 2026" };
  SrpStart          start = { 0 };

  srp_start (&start, "srp-time");
  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *answer = idp_srp_answer (server, start.client, start.challenge, IDP_PASSWORD, malformed[i]);

      assert_answer_fails (answer, "InvalidParameterException");
    }
  {
    g_autofree char *old = idp_srp_answer (server, start.client, start.challenge, IDP_PASSWORD, past_text);
    g_autofree char *ahead = idp_srp_answer (server, start.client, start.challenge, IDP_PASSWORD, future_text);
    g_autofree char *good = idp_srp_answer (server, start.client, start.challenge, IDP_PASSWORD, NULL);

    assert_answer_fails (old, "NotAuthorizedException");
    assert_answer_fails (ahead, "NotAuthorizedException");
    /* None of that used the challenge up. */
    json_object_unref (idp_call_ok (server, "RespondToAuthChallenge", good));
  }
  srp_start_clear (&start);
}

/* A SECRET_BLOCK with one bit changed, still valid base64. */
static char *
tamper (const char *block,
        gsize       where)
{
  gsize              len = 0;
  g_autofree guint8 *bytes = ks_base64_decode (block, &len, NULL);

  g_assert_nonnull (bytes);
  bytes[where < len ? where : len - 1] ^= 0x01;
  return ks_base64_encode (bytes, len);
}

static void
test_srp_tampered_block (void)
{
  g_autofree char *sub = idp_create_user (server, "srp-tamper", IDP_PASSWORD);
  SrpStart         start = { 0 };
  const gsize      where[] = { 0, 1, 13, 40, 100000 };

  srp_start (&start, "srp-tamper");
  for (guint i = 0; i < G_N_ELEMENTS (where); i++)
    {
      g_autoptr (JsonObject) copy = json_object_ref (start.challenge);
      const char      *original = json_object_get_string_member (start.challenge, "SECRET_BLOCK");
      g_autofree char *saved = g_strdup (original);
      g_autofree char *changed = tamper (original, where[i]);
      g_autofree char *answer = NULL;

      json_object_set_string_member (copy, "SECRET_BLOCK", changed);
      answer = idp_srp_answer (server, start.client, copy, IDP_PASSWORD, NULL);
      json_object_set_string_member (copy, "SECRET_BLOCK", saved);
      assert_answer_fails (answer, "NotAuthorizedException");
    }
  srp_start_clear (&start);
}

/* The challenge lives in SECRET_BLOCK, sealed with a key from the data
 * dir: a restarted server (or another copy) takes the answer. */
static void
test_srp_across_restart (void)
{
  g_autofree char *sub = idp_create_user (server, "srp-restart", IDP_PASSWORD);
  SrpStart         start = { 0 };
  g_autofree char *answer = NULL;

  srp_start (&start, "srp-restart");
  answer = idp_srp_answer (server, start.client, start.challenge, IDP_PASSWORD, NULL);
  ks_test_server_restart (server->server);
  json_object_unref (idp_call_ok (server, "RespondToAuthChallenge", answer));
  srp_start_clear (&start);
}

static void
test_srp_bad_requests (void)
{
  const char *const bad_a[] = { "0", "zz", "", "-1" };
  g_autofree char  *answer_body = g_strdup_printf ("{\"ChallengeName\":\"SMS_MFA\",\"ClientId\":\"%s\","
                                                    "\"ChallengeResponses\":{}}",
                                                   server->client_id);
  g_autofree char  *bogus_name = g_strdup_printf ("{\"ChallengeName\":\"BOGUS\",\"ClientId\":\"%s\"}",
                                                  server->client_id);
  g_autofree char  *no_responses = g_strdup_printf ("{\"ChallengeName\":\"PASSWORD_VERIFIER\",\"ClientId\":\"%s\"}",
                                                    server->client_id);
  g_autofree char  *missing = g_strdup_printf ("{\"ChallengeName\":\"PASSWORD_VERIFIER\",\"ClientId\":\"%s\","
                                                "\"ChallengeResponses\":{\"USERNAME\":\"x\"}}",
                                               server->client_id);

  for (guint i = 0; i < G_N_ELEMENTS (bad_a); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"AuthFlow\":\"USER_SRP_AUTH\",\"ClientId\":\"%s\","
                                               "\"AuthParameters\":{\"USERNAME\":\"x\",\"SRP_A\":\"%s\"}}",
                                               server->client_id, bad_a[i]);

      idp_call_fails (server, "InitiateAuth", body, "InvalidParameterException");
    }
  idp_call_fails (server, "RespondToAuthChallenge", answer_body, "InvalidParameterException");
  idp_call_fails (server, "RespondToAuthChallenge", bogus_name, "InvalidParameterException");
  idp_call_fails (server, "RespondToAuthChallenge", no_responses, "InvalidParameterException");
  idp_call_fails (server, "RespondToAuthChallenge", missing, "InvalidParameterException");
}

static void
test_auth_flows (void)
{
  const char *const flows[] = { "CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH", "USER_AUTH", "BOGUS", "user_srp_auth" };
  g_autofree char  *no_parameters = g_strdup_printf ("{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"%s\"}",
                                                     server->client_id);
  g_autofree char  *no_username = g_strdup_printf ("{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"%s\","
                                                    "\"AuthParameters\":{\"PASSWORD\":\"x\"}}",
                                                   server->client_id);
  guint             status = 0;
  g_autoptr (JsonObject) reply = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (flows); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"AuthFlow\":\"%s\",\"ClientId\":\"%s\","
                                               "\"AuthParameters\":{\"USERNAME\":\"x\"}}",
                                               flows[i], server->client_id);

      idp_call_fails (server, "InitiateAuth", body, "InvalidParameterException");
    }
  idp_call_fails (server, "InitiateAuth", no_parameters, "InvalidParameterException");
  reply = idp_call (server, "InitiateAuth", no_username, &status);
  assert_fails (reply, status, "InvalidParameterException", "Missing required parameter USERNAME");
}

/* ---- Sessions ---- */

static void
test_refresh (void)
{
  g_autofree char *sub = idp_create_user (server, "refresher", IDP_PASSWORD);
  g_autoptr (JsonObject) first = sign_in ("refresher", IDP_PASSWORD);
  const char *refresh_token = token (first, "RefreshToken");
  guint       status = 0;
  g_autoptr (JsonObject) again = idp_refresh (server, "REFRESH_TOKEN_AUTH", refresh_token, &status);
  g_autoptr (JsonObject) alias = NULL;
  g_autoptr (JsonObject) bogus = NULL;
  g_autoptr (JsonObject) old_claims = verify (token (first, "AccessToken"), "access");
  g_autoptr (JsonObject) new_claims = NULL;

  g_assert_cmpuint (status, ==, 200);
  g_assert_false (json_object_has_member (idp_result (again), "RefreshToken"));
  new_claims = verify (token (again, "AccessToken"), "access");
  g_assert_cmpstr (json_object_get_string_member (new_claims, "origin_jti"), ==,
                   json_object_get_string_member (old_claims, "origin_jti"));
  g_assert_cmpint (json_object_get_int_member (new_claims, "auth_time"), ==,
                   json_object_get_int_member (old_claims, "auth_time"));
  json_object_unref (verify (token (again, "IdToken"), "id"));

  alias = idp_refresh (server, "REFRESH_TOKEN", refresh_token, &status);
  g_assert_cmpuint (status, ==, 200);
  bogus = idp_refresh (server, "REFRESH_TOKEN_AUTH", "not-a-refresh-token", &status);
  assert_fails (bogus, status, "NotAuthorizedException", "Invalid Refresh Token");
}

static void
test_refresh_expired (void)
{
  g_autofree char *sub = idp_create_user (server, "stale", IDP_PASSWORD);
  g_autoptr (JsonObject) first = sign_in ("stale", IDP_PASSWORD);
  g_autofree char *sql = g_strdup_printf ("UPDATE idp_sessions SET expires_at = 1 WHERE sub = '%s'", sub);
  guint            status = 0;
  g_autoptr (JsonObject) reply = NULL;

  idp_sql (server, sql);
  reply = idp_refresh (server, "REFRESH_TOKEN_AUTH", token (first, "RefreshToken"), &status);
  assert_fails (reply, status, "NotAuthorizedException", "Refresh Token has expired");
}

static void
test_get_user (void)
{
  g_autofree char *sub = idp_create_user (server, "Get-User", IDP_PASSWORD);
  g_autoptr (JsonObject) session = sign_in ("get-user", IDP_PASSWORD);
  guint status = 0;
  g_autoptr (JsonObject) reply = idp_with_token (server, "GetUser", token (session, "AccessToken"), &status);
  g_autoptr (JsonObject) with_id = NULL;
  g_autoptr (JsonObject) garbage = NULL;
  JsonArray *attributes;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (reply, "Username"), ==, "Get-User");
  attributes = json_object_get_array_member (reply, "UserAttributes");
  for (guint i = 0; i < json_array_get_length (attributes); i++)
    {
      JsonObject *attribute = json_array_get_object_element (attributes, i);

      g_hash_table_insert (seen, (gpointer) json_object_get_string_member (attribute, "Name"),
                           (gpointer) json_object_get_string_member (attribute, "Value"));
    }
  g_assert_cmpstr (g_hash_table_lookup (seen, "sub"), ==, sub);
  g_assert_cmpstr (g_hash_table_lookup (seen, "email"), ==, "Get-User@example.org");
  g_assert_cmpstr (g_hash_table_lookup (seen, "email_verified"), ==, "true");

  with_id = idp_with_token (server, "GetUser", token (session, "IdToken"), &status);
  assert_fails (with_id, status, "NotAuthorizedException", "Invalid Access Token");
  garbage = idp_with_token (server, "GetUser", "a.b.c", &status);
  assert_fails (garbage, status, "NotAuthorizedException", "Invalid Access Token");
}

static void
test_global_sign_out (void)
{
  g_autofree char *sub = idp_create_user (server, "leaver", IDP_PASSWORD);
  g_autoptr (JsonObject) one = sign_in ("leaver", IDP_PASSWORD);
  g_autoptr (JsonObject) two = sign_in ("leaver", IDP_PASSWORD);
  guint status = 0;
  g_autoptr (JsonObject) out = idp_with_token (server, "GlobalSignOut", token (one, "AccessToken"), &status);
  g_autoptr (JsonObject) refresh_one = NULL;
  g_autoptr (JsonObject) refresh_two = NULL;
  g_autoptr (JsonObject) get_user = NULL;
  g_autoptr (JsonObject) later = NULL;
  g_autoptr (JsonObject) get_later = NULL;

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpuint (json_object_get_size (out), ==, 0);

  refresh_one = idp_refresh (server, "REFRESH_TOKEN_AUTH", token (one, "RefreshToken"), &status);
  assert_fails (refresh_one, status, "NotAuthorizedException", "Refresh Token has been revoked");
  refresh_two = idp_refresh (server, "REFRESH_TOKEN_AUTH", token (two, "RefreshToken"), &status);
  assert_fails (refresh_two, status, "NotAuthorizedException", "Refresh Token has been revoked");
  get_user = idp_with_token (server, "GetUser", token (two, "AccessToken"), &status);
  assert_fails (get_user, status, "NotAuthorizedException", "Access Token has been revoked");
  /* Still a well-signed token until it expires: like Cognito's, it is
   * refused by the IdP's own operations only. */
  json_object_unref (verify (token (two, "AccessToken"), "access"));

  later = sign_in ("leaver", IDP_PASSWORD);
  get_later = idp_with_token (server, "GetUser", token (later, "AccessToken"), &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
test_revoke_token (void)
{
  g_autofree char *sub = idp_create_user (server, "revoker", IDP_PASSWORD);
  g_autoptr (JsonObject) session = sign_in ("revoker", IDP_PASSWORD);
  g_autofree char *body = g_strdup_printf ("{\"ClientId\":\"%s\",\"Token\":\"%s\"}",
                                           server->client_id, token (session, "RefreshToken"));
  guint            status = 0;
  g_autoptr (JsonObject) reply = NULL;

  json_object_unref (idp_call_ok (server, "RevokeToken", body));
  json_object_unref (idp_call_ok (server, "RevokeToken", body));
  reply = idp_refresh (server, "REFRESH_TOKEN_AUTH", token (session, "RefreshToken"), &status);
  assert_fails (reply, status, "NotAuthorizedException", "Refresh Token has been revoked");
}

static char *
change_body (JsonObject *session,
             const char *previous,
             const char *proposed)
{
  return g_strdup_printf ("{\"AccessToken\":\"%s\",\"PreviousPassword\":\"%s\",\"ProposedPassword\":\"%s\"}",
                          token (session, "AccessToken"), previous, proposed);
}

static void
test_change_password (void)
{
  g_autofree char *sub = idp_create_user (server, "changer", IDP_PASSWORD);
  g_autoptr (JsonObject) session = sign_in ("changer", IDP_PASSWORD);
  g_autofree char *wrong = change_body (session, "Wr0ng-password", "N3w-password");
  g_autofree char *weak = change_body (session, IDP_PASSWORD, "weak");
  g_autofree char *right = change_body (session, IDP_PASSWORD, "N3w-password");
  guint            status = 0;
  g_autoptr (JsonObject) old = NULL;
  g_autoptr (JsonObject) srp = NULL;

  idp_call_fails (server, "ChangePassword", wrong, "NotAuthorizedException");
  idp_call_fails (server, "ChangePassword", weak, "InvalidPasswordException");
  json_object_unref (idp_call_ok (server, "ChangePassword", right));

  old = idp_password_auth (server, "changer", IDP_PASSWORD, &status);
  assert_fails (old, status, "NotAuthorizedException", "Incorrect username or password.");
  srp = idp_srp_auth (server, "changer", "N3w-password", &status);
  g_assert_cmpuint (status, ==, 200);
}

/* ---- Throttle ---- */

static void
assert_locked (const char *username)
{
  guint status = 0;
  g_autoptr (JsonObject) by_password = idp_password_auth (server, username, IDP_PASSWORD, &status);
  g_autoptr (JsonObject) by_srp = NULL;

  assert_fails (by_password, status, "NotAuthorizedException", "Password attempts exceeded");
  by_srp = idp_srp_auth (server, username, IDP_PASSWORD, &status);
  assert_fails (by_srp, status, "NotAuthorizedException", "Password attempts exceeded");
}

/* Five wrong passwords in 15 minutes lock the name for 15 minutes, right
 * password or not; Cognito says "Password attempts exceeded". */
static void
test_throttle (void)
{
  g_autofree char *sub = idp_create_user (server, "hammered", IDP_PASSWORD);
  guint            status = 0;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr (JsonObject) reply = NULL;

      if (i % 2 == 0)
        reply = idp_password_auth (server, "hammered", "Wr0ng-password", &status);
      else
        reply = idp_srp_auth (server, "HAMMERED", "Wr0ng-password", &status);
      assert_fails (reply, status, "NotAuthorizedException", "Incorrect username or password.");
    }
  assert_locked ("hammered");
  assert_locked ("Hammered");

  /* Others are not affected; names nobody has are throttled the same. */
  g_free (idp_create_user (server, "bystander", IDP_PASSWORD));
  json_object_unref (sign_in ("bystander", IDP_PASSWORD));
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr (JsonObject) reply = idp_password_auth (server, "ghost", "Wr0ng-password", &status);

      assert_fails (reply, status, "NotAuthorizedException", "Incorrect username or password.");
    }
  assert_locked ("ghost");

  /* When the lock is over, the right password works and clears the count. */
  idp_sql (server, "UPDATE idp_sign_in_failures SET locked_until = 0, window_start = 0 WHERE username = 'hammered'");
  json_object_unref (sign_in ("hammered", IDP_PASSWORD));
  {
    g_autoptr (JsonObject) wrong = idp_password_auth (server, "hammered", "Wr0ng-password", &status);

    assert_fails (wrong, status, "NotAuthorizedException", "Incorrect username or password.");
  }
  json_object_unref (sign_in ("hammered", IDP_PASSWORD));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/idp/tokens/claims", test_tokens);
  g_test_add_func ("/idp/tokens/jwks", test_jwks);
  g_test_add_func ("/idp/auth/password", test_password_auth);
  g_test_add_func ("/idp/auth/srp", test_srp_auth);
  g_test_add_func ("/idp/auth/srp-challenge", test_srp_challenge);
  g_test_add_func ("/idp/auth/srp-replay", test_srp_replay);
  g_test_add_func ("/idp/auth/srp-timestamps", test_srp_timestamps);
  g_test_add_func ("/idp/auth/srp-tampered-block", test_srp_tampered_block);
  g_test_add_func ("/idp/auth/srp-across-restart", test_srp_across_restart);
  g_test_add_func ("/idp/auth/srp-bad-requests", test_srp_bad_requests);
  g_test_add_func ("/idp/auth/flows", test_auth_flows);
  g_test_add_func ("/idp/session/refresh", test_refresh);
  g_test_add_func ("/idp/session/refresh-expired", test_refresh_expired);
  g_test_add_func ("/idp/session/get-user", test_get_user);
  g_test_add_func ("/idp/session/global-sign-out", test_global_sign_out);
  g_test_add_func ("/idp/session/revoke-token", test_revoke_token);
  g_test_add_func ("/idp/session/change-password", test_change_password);
  g_test_add_func ("/idp/throttle", test_throttle);

  server = idp_server_start (FALSE);
  result = g_test_run ();
  idp_server_free (server);

  return result;
}
