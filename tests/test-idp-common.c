/* test-idp-common.c: a small Cognito client for the IdP tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <sqlite3.h>

#include "test-idp-common.h"

#define CONTENT_TYPE "application/x-amz-json-1.1"

static char *
dup_string (JsonNode   *root,
            const char *path)
{
  return g_strdup (ks_test_json_get_string (root, path));
}

IdpServer *
idp_server_start (gboolean auto_confirm)
{
  IdpServer *self = g_new0 (IdpServer, 1);
  g_autoptr (JsonNode) discovery = NULL;
  guint status = 0;

  self->server = ks_test_server_new ();
  if (auto_confirm)
    ks_test_server_add_args (self->server, "--auto-confirm", NULL);
  ks_test_server_start (self->server);

  discovery = ks_test_server_get_json (self->server, "/.well-known/keepsake.json", &status);
  g_assert_cmpuint (status, ==, 200);
  self->endpoint = dup_string (discovery, "cognito.endpoint");
  self->client_id = dup_string (discovery, "cognito.client_id");
  self->pool_id = dup_string (discovery, "cognito.user_pool_id");
  self->issuer = g_strconcat (ks_test_server_get_base_url (self->server), "/cognito/", self->pool_id, NULL);
  self->jwks_url = g_strconcat (self->issuer, "/.well-known/jwks.json", NULL);

  return self;
}

void
idp_server_free (IdpServer *self)
{
  if (self == NULL)
    return;

  if (ks_test_server_is_running (self->server))
    ks_test_server_stop (self->server);
  ks_test_server_free (self->server);
  g_free (self->endpoint);
  g_free (self->client_id);
  g_free (self->pool_id);
  g_free (self->issuer);
  g_free (self->jwks_url);
  g_free (self);
}

JsonObject *
idp_call_raw (IdpServer  *self,
              const char *target,
              const char *content_type,
              const char *body,
              gsize       len,
              guint      *out_status)
{
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (self->server, SOUP_METHOD_POST, "/cognito");
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr (GBytes) request = g_bytes_new (body, len);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (JsonNode) root = NULL;

  if (target != NULL)
    soup_message_headers_replace (headers, "X-Amz-Target", target);
  soup_message_set_request_body_from_bytes (msg, content_type, request);

  reply = ks_test_server_send (self->server, msg);
  *out_status = soup_message_get_status (msg);
  /* Cognito's answers, errors included, are always its JSON. */
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                   ==, CONTENT_TYPE);
  root = ks_test_parse_json (reply);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

JsonObject *
idp_call (IdpServer  *self,
          const char *operation,
          const char *body,
          guint      *out_status)
{
  g_autofree char *target = g_strconcat (IDP_TARGET_PREFIX, operation, NULL);

  return idp_call_raw (self, target, CONTENT_TYPE, body, strlen (body), out_status);
}

JsonObject *
idp_call_ok (IdpServer  *self,
             const char *operation,
             const char *body)
{
  guint       status = 0;
  JsonObject *reply = idp_call (self, operation, body, &status);

  if (status != 200)
    g_test_message ("%s: %u %s", operation, status,
                    json_object_get_string_member_with_default (reply, "message", "?"));
  g_assert_cmpuint (status, ==, 200);
  return reply;
}

void
idp_assert_error (JsonObject *reply,
                  guint       status,
                  const char *type)
{
  const char *message = json_object_get_string_member_with_default (reply, "message", NULL);

  g_test_message ("%u %s: %s", status,
                  json_object_get_string_member_with_default (reply, "__type", "?"),
                  message != NULL ? message : "(none)");
  g_assert_cmpuint (status, ==, 400);
  g_assert_cmpstr (json_object_get_string_member_with_default (reply, "__type", NULL), ==, type);
  g_assert_nonnull (message);
  g_assert_cmpuint (json_object_get_size (reply), ==, 2);
}

void
idp_call_fails (IdpServer  *self,
                const char *operation,
                const char *body,
                const char *type)
{
  guint status = 0;
  g_autoptr (JsonObject) reply = idp_call (self, operation, body, &status);

  idp_assert_error (reply, status, type);
}

char *
idp_read_code (IdpServer  *self,
               const char *purpose,
               const char *username)
{
  g_autofree char *name = g_strconcat (g_str_equal (purpose, "confirm") ? "confirmation-codes/"
                                                                        : "password-reset-codes/",
                                       username, NULL);
  g_autofree char *path = ks_test_server_dup_data_path (self->server, name);
  g_autoptr (GError) error = NULL;
  char *code = NULL;

  g_file_get_contents (path, &code, NULL, &error);
  g_assert_no_error (error);
  g_strchomp (code);
  g_assert_cmpuint (strlen (code), ==, 6);

  return code;
}

char *
idp_sign_up (IdpServer  *self,
             const char *username,
             const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"%s\",\"Password\":\"%s\","
                                           "\"UserAttributes\":[{\"Name\":\"email\",\"Value\":\"%s@example.org\"}]}",
                                           self->client_id, username, password, username);
  g_autoptr (JsonObject) reply = idp_call_ok (self, "SignUp", body);

  return g_strdup (json_object_get_string_member (reply, "UserSub"));
}

void
idp_confirm (IdpServer  *self,
             const char *username)
{
  g_autofree char *code = idp_read_code (self, "confirm", username);
  g_autofree char *body = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"%s\",\"ConfirmationCode\":\"%s\"}",
                                           self->client_id, username, code);
  g_autoptr (JsonObject) reply = idp_call_ok (self, "ConfirmSignUp", body);

  g_assert_cmpuint (json_object_get_size (reply), ==, 0);
}

char *
idp_create_user (IdpServer  *self,
                 const char *username,
                 const char *password)
{
  char *sub = idp_sign_up (self, username, password);

  idp_confirm (self, username);
  return sub;
}

JsonObject *
idp_password_auth (IdpServer  *self,
                   const char *username,
                   const char *password,
                   guint      *out_status)
{
  g_autofree char *body = g_strdup_printf ("{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"%s\","
                                           "\"AuthParameters\":{\"USERNAME\":\"%s\",\"PASSWORD\":\"%s\"}}",
                                           self->client_id, username, password);

  return idp_call (self, "InitiateAuth", body, out_status);
}

static const char *
get_parameter (JsonObject *challenge,
               const char *name)
{
  const char *value = json_object_get_string_member_with_default (challenge, name, NULL);

  g_assert_nonnull (value);
  return value;
}

char *
idp_srp_answer (IdpServer   *self,
                KsSrpClient *client,
                JsonObject  *challenge,
                const char  *password,
                const char  *timestamp)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *now_text = ks_srp_format_timestamp (now);
  const char      *when = timestamp != NULL ? timestamp : now_text;
  const char      *user_id = get_parameter (challenge, "USER_ID_FOR_SRP");
  const char      *block = get_parameter (challenge, "SECRET_BLOCK");
  g_autoptr (GError) error = NULL;
  g_autofree char *signature = NULL;

  signature = ks_srp_client_compute_claim (client, user_id, password, get_parameter (challenge, "SALT"),
                                           get_parameter (challenge, "SRP_B"), block, when, &error);
  g_assert_no_error (error);

  return g_strdup_printf ("{\"ChallengeName\":\"PASSWORD_VERIFIER\",\"ClientId\":\"%s\","
                          "\"ChallengeResponses\":{\"USERNAME\":\"%s\",\"PASSWORD_CLAIM_SECRET_BLOCK\":\"%s\","
                          "\"TIMESTAMP\":\"%s\",\"PASSWORD_CLAIM_SIGNATURE\":\"%s\"}}",
                          self->client_id, user_id, block, when, signature);
}

JsonObject *
idp_srp_auth (IdpServer  *self,
              const char *username,
              const char *password,
              guint      *out_status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSrpClient) client = ks_srp_client_new (self->pool_id, &error);
  g_autofree char *body = NULL;
  g_autofree char *answer = NULL;
  g_autoptr (JsonObject) reply = NULL;
  JsonObject *challenge;

  g_assert_no_error (error);
  body = g_strdup_printf ("{\"AuthFlow\":\"USER_SRP_AUTH\",\"ClientId\":\"%s\","
                          "\"AuthParameters\":{\"USERNAME\":\"%s\",\"SRP_A\":\"%s\"}}",
                          self->client_id, username, ks_srp_client_get_srp_a (client));
  reply = idp_call (self, "InitiateAuth", body, out_status);
  if (*out_status != 200)
    return g_steal_pointer (&reply);

  g_assert_cmpstr (json_object_get_string_member (reply, "ChallengeName"), ==, "PASSWORD_VERIFIER");
  challenge = json_object_get_object_member (reply, "ChallengeParameters");
  answer = idp_srp_answer (self, client, challenge, password, NULL);

  return idp_call (self, "RespondToAuthChallenge", answer, out_status);
}

JsonObject *
idp_result (JsonObject *reply)
{
  JsonObject *result;

  g_assert_true (json_object_has_member (reply, "AuthenticationResult"));
  result = json_object_get_object_member (reply, "AuthenticationResult");
  g_assert_nonnull (result);
  g_assert_cmpstr (json_object_get_string_member (result, "TokenType"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (result, "ExpiresIn"), ==, 3600);

  return result;
}

JsonObject *
idp_refresh (IdpServer  *self,
             const char *flow,
             const char *refresh_token,
             guint      *out_status)
{
  g_autofree char *body = g_strdup_printf ("{\"AuthFlow\":\"%s\",\"ClientId\":\"%s\","
                                           "\"AuthParameters\":{\"REFRESH_TOKEN\":\"%s\"}}",
                                           flow, self->client_id, refresh_token);

  return idp_call (self, "InitiateAuth", body, out_status);
}

JsonObject *
idp_with_token (IdpServer  *self,
                const char *operation,
                const char *access_token,
                guint      *out_status)
{
  g_autofree char *body = g_strdup_printf ("{\"AccessToken\":\"%s\"}", access_token);

  return idp_call (self, operation, body, out_status);
}

void
idp_sql (IdpServer  *self,
         const char *sql)
{
  g_autofree char *path = ks_test_server_dup_data_path (self->server, "keepsake.db");
  sqlite3         *db = NULL;
  char            *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  g_assert_cmpint (sqlite3_changes (db), >, 0);
  sqlite3_close (db);
}

KsJwks *
idp_fetch_jwks (IdpServer *self)
{
  g_autofree char *path = g_strconcat ("/cognito/", self->pool_id, "/.well-known/jwks.json", NULL);
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (self->server, SOUP_METHOD_GET, path);
  g_autoptr (GBytes) body = ks_test_server_send (self->server, msg);
  g_autoptr (GError) error = NULL;
  gsize       len = 0;
  const char *data = g_bytes_get_data (body, &len);
  KsJwks     *jwks;

  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  jwks = ks_jwks_new_from_json (data, (gssize) len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ks_jwks_get_n_keys (jwks), ==, 1);

  return jwks;
}
