/* ks-test-api.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <sqlite3.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-jwt.h"
#include "ks-test-api.h"
#include "ks-test-util.h"

#define COGNITO_CONTENT_TYPE "application/x-amz-json-1.1"
#define COGNITO_TARGET "AWSCognitoIdentityProviderService."

struct _KsTestApi
{
  KsTestServer *server;
  KsRsaKey     *key;    /* the server's signing key */
  KsRsaKey     *forger; /* another key */
  char         *issuer;
  char         *client_id;
  GHashTable   *users; /* username → KsTestUser */
  SoupSession  *session;
};

static void
user_free (KsTestUser *user)
{
  g_free (user->sub);
  g_free (user->username);
  g_free (user->token);
  g_free (user);
}

static KsRsaKey *
read_signing_key (KsTestServer *server)
{
  g_autofree char *path = ks_test_server_dup_data_path (server, "signing-key.pem");
  g_autofree char *pem = NULL;
  g_autoptr (GError) error = NULL;
  KsRsaKey *key;

  g_file_get_contents (path, &pem, NULL, &error);
  g_assert_no_error (error);
  key = ks_rsa_key_new_from_pem (pem, &error);
  g_assert_no_error (error);

  return key;
}

KsTestApi *
ks_test_api_new (void)
{
  return ks_test_api_new_for_server (ks_test_server_new ());
}

/* @server: (transfer full): not started yet, its arguments set */
KsTestApi *
ks_test_api_new_for_server (KsTestServer *server)
{
  KsTestApi *self = g_new0 (KsTestApi, 1);
  g_autoptr (JsonNode) discovery = NULL;
  guint status = 0;

  self->server = server;
  ks_test_server_add_args (self->server, "--auto-confirm", NULL);
  ks_test_server_start (self->server);

  discovery = ks_test_server_get_json (self->server, "/.well-known/keepsake.json", &status);
  g_assert_cmpuint (status, ==, 200);
  self->issuer = g_strconcat (ks_test_json_get_string (discovery, "cognito.endpoint"), "/",
                              ks_test_json_get_string (discovery, "cognito.user_pool_id"), NULL);
  self->client_id = g_strdup (ks_test_json_get_string (discovery, "cognito.client_id"));
  self->key = read_signing_key (self->server);
  self->forger = ks_rsa_key_ref (ks_test_rsa_key (0));
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) user_free);
  self->session = soup_session_new_with_options ("timeout", 90, NULL);
  soup_session_set_proxy_resolver (self->session, NULL);

  return self;
}

void
ks_test_api_free (KsTestApi *self)
{
  if (self == NULL)
    return;

  if (ks_test_server_is_running (self->server))
    ks_test_server_stop (self->server);
  ks_test_server_free (self->server);
  ks_rsa_key_unref (self->key);
  ks_rsa_key_unref (self->forger);
  g_free (self->issuer);
  g_free (self->client_id);
  g_hash_table_unref (self->users);
  g_object_unref (self->session);
  g_free (self);
}

KsTestServer *
ks_test_api_get_server (KsTestApi *self)
{
  return self->server;
}

/* ---- Tokens ---- */

static JsonObject *
access_claims (KsTestApi  *self,
               const char *sub,
               const char *username,
               gint64      lifetime)
{
  JsonObject      *claims = json_object_new ();
  gint64           now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *jti = g_uuid_string_random ();

  /* What Cognito puts in an access token, in its order. */
  json_object_set_string_member (claims, "sub", sub);
  json_object_set_string_member (claims, "iss", self->issuer);
  json_object_set_string_member (claims, "client_id", self->client_id);
  json_object_set_string_member (claims, "origin_jti", jti);
  json_object_set_string_member (claims, "token_use", "access");
  json_object_set_string_member (claims, "scope", "aws.cognito.signin.user.admin");
  json_object_set_int_member (claims, "auth_time", now - 7200 * (lifetime < 0));
  json_object_set_int_member (claims, "exp", now + lifetime);
  json_object_set_int_member (claims, "iat", now - 7200 * (lifetime < 0));
  json_object_set_string_member (claims, "jti", jti);
  json_object_set_string_member (claims, "username", username);

  return claims;
}

char *
ks_test_api_mint_token (KsTestApi  *self,
                        const char *sub,
                        const char *username,
                        gint64      lifetime)
{
  g_autoptr (JsonObject) claims = access_claims (self, sub, username, lifetime);

  return ks_test_jwt_sign (self->key, claims);
}

char *
ks_test_api_forge_token (KsTestApi  *self,
                         const char *sub,
                         const char *username)
{
  g_autoptr (JsonObject) claims = access_claims (self, sub, username, 3600);
  g_autofree char *payload = ks_test_json_text (claims);
  g_autofree char *header = g_strdup_printf ("{\"kid\":\"%s\",\"alg\":\"RS256\"}",
                                             ks_rsa_key_get_kid (self->key));

  return ks_test_jwt_sign_raw (self->forger, header, payload);
}

KsTestUser *
ks_test_api_user (KsTestApi  *self,
                  const char *username)
{
  KsTestUser *user = g_hash_table_lookup (self->users, username);
  g_autoptr (JsonNode) me = NULL;

  if (user != NULL)
    return user;

  user = g_new0 (KsTestUser, 1);
  user->sub = g_uuid_string_random ();
  user->username = g_strdup (username);
  user->token = ks_test_api_mint_token (self, user->sub, username, 3600);
  g_hash_table_insert (self->users, user->username, user);

  me = ks_test_api_expect (self, user->token, "GET", "/v1/me", NULL, 200);
  g_assert_cmpstr (ks_test_json_get_string (me, "sub"), ==, user->sub);

  return user;
}

/* ---- HTTP ---- */

static GBytes *
send (KsTestApi   *self,
      SoupMessage *msg)
{
  g_autoptr (GError) error = NULL;
  GBytes *body = soup_session_send_and_read (self->session, msg, NULL, &error);

  g_assert_no_error (error);
  return body;
}

static JsonNode *
cognito_call (KsTestApi  *self,
              const char *operation,
              const char *body)
{
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (self->server, "POST", "/cognito");
  g_autofree char *target = g_strconcat (COGNITO_TARGET, operation, NULL);
  g_autoptr (GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr (GBytes) reply = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Amz-Target", target);
  soup_message_set_request_body_from_bytes (msg, COGNITO_CONTENT_TYPE, request);
  reply = send (self, msg);
  if (soup_message_get_status (msg) != 200)
    g_test_message ("%s: %.*s", operation, (int) g_bytes_get_size (reply),
                    (const char *) g_bytes_get_data (reply, NULL));
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);

  return ks_test_parse_json (reply);
}

char *
ks_test_api_sign_in (KsTestApi  *self,
                     const char *username,
                     const char *password)
{
  g_autofree char *sign_up = g_strdup_printf ("{\"ClientId\":\"%s\",\"Username\":\"%s\",\"Password\":\"%s\","
                                              "\"UserAttributes\":[{\"Name\":\"email\",\"Value\":\"%s@example.org\"}]}",
                                              self->client_id, username, password, username);
  g_autofree char *auth = g_strdup_printf ("{\"AuthFlow\":\"USER_PASSWORD_AUTH\",\"ClientId\":\"%s\","
                                           "\"AuthParameters\":{\"USERNAME\":\"%s\",\"PASSWORD\":\"%s\"}}",
                                           self->client_id, username, password);
  g_autoptr (JsonNode) signed_up = cognito_call (self, "SignUp", sign_up);
  g_autoptr (JsonNode) result = cognito_call (self, "InitiateAuth", auth);

  return g_strdup (ks_test_json_get_string (result, "AuthenticationResult.AccessToken"));
}

JsonNode *
ks_test_api_call (KsTestApi  *self,
                  const char *token,
                  const char *method,
                  const char *path,
                  const char *body,
                  guint      *out_status)
{
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (self->server, method, path);
  g_autoptr (GBytes) reply = NULL;

  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  if (body != NULL)
    {
      g_autoptr (GBytes) request = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }

  reply = send (self, msg);
  *out_status = soup_message_get_status (msg);
  if (g_bytes_get_size (reply) == 0)
    return NULL;

  return ks_test_parse_json (reply);
}

static char *
node_text (JsonNode *node)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();

  if (node == NULL)
    return g_strdup ("(no body)");

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

JsonNode *
ks_test_api_expect (KsTestApi  *self,
                    const char *token,
                    const char *method,
                    const char *path,
                    const char *body,
                    guint       status)
{
  guint     got = 0;
  JsonNode *reply = ks_test_api_call (self, token, method, path, body, &got);

  if (got != status)
    {
      g_autofree char *text = node_text (reply);
      g_test_message ("%s %s → %u, expected %u: %s", method, path, got, status, text);
    }
  g_assert_cmpuint (got, ==, status);

  return reply;
}

void
ks_test_api_expect_error (KsTestApi  *self,
                          const char *token,
                          const char *method,
                          const char *path,
                          const char *body,
                          guint       status,
                          const char *code)
{
  g_autoptr (JsonNode) reply = ks_test_api_expect (self, token, method, path, body, status);

  g_assert_nonnull (reply);
  g_assert_cmpstr (ks_test_json_get_string (reply, "error.code"), ==, code);
  g_assert_cmpstr (ks_test_json_get_string (reply, "error.message"), !=, "");
}

/* ---- Photos ---- */

GBytes *
ks_test_api_photo_bytes (const char *seed,
                         gsize       size)
{
  guint8 *data = g_malloc (size);
  guint8  digest[KS_SHA256_LEN];
  guint32 state;

  ks_sha256 (seed, strlen (seed), digest);
  memcpy (&state, digest, sizeof state);
  state |= 1;

  /* JPEG's magic, then noise: looks enough like a photo for a store. */
  for (gsize i = 0; i < size; i++)
    {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      data[i] = (guint8) state;
    }
  if (size >= 3)
    memcpy (data, "\xff\xd8\xff", 3);

  return g_bytes_new_take (data, size);
}

static char *
bytes_sha256 (GBytes *bytes)
{
  return ks_sha256_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static char *
thumb_json (const char *name,
            GBytes     *bytes)
{
  g_autofree char *sha256 = bytes_sha256 (bytes);

  return g_strdup_printf ("{\"name\":\"%s\",\"size\":%" G_GSIZE_FORMAT ",\"sha256\":\"%s\"}",
                          name, g_bytes_get_size (bytes), sha256);
}

char *
ks_test_api_prepare_body (GBytes     *bytes,
                          GBytes     *grid,
                          GBytes     *preview,
                          const char *file_name)
{
  g_autofree char *sha256 = bytes_sha256 (bytes);
  g_autofree char *grid_json = grid != NULL ? thumb_json ("grid", grid) : NULL;
  g_autofree char *preview_json = preview != NULL ? thumb_json ("preview", preview) : NULL;

  return g_strdup_printf ("{\"sha256\":\"%s\",\"size\":%" G_GSIZE_FORMAT ",\"content_type\":\"image/jpeg\","
                          "\"file_name\":\"%s\",\"taken_at\":\"2024-05-01T12:34:56+02:00\","
                          "\"width\":4000,\"height\":3000,\"thumbnails\":[%s%s%s]}",
                          sha256, g_bytes_get_size (bytes), file_name,
                          grid_json != NULL ? grid_json : "",
                          grid_json != NULL && preview_json != NULL ? "," : "",
                          preview_json != NULL ? preview_json : "");
}

guint
ks_test_api_put (KsTestApi  *self,
                 JsonObject *upload,
                 GBytes     *bytes)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("PUT", ks_test_api_object_string (upload, "url"));
  JsonObject    *headers = json_object_get_object_member (upload, "headers");
  JsonObjectIter iter;
  const char    *name;
  JsonNode      *value;
  g_autoptr (GBytes) reply = NULL;

  g_assert_nonnull (msg);
  json_object_iter_init (&iter, headers);
  while (json_object_iter_next (&iter, &name, &value))
    {
      /* libsoup sends Content-Length from the body itself. */
      if (g_ascii_strcasecmp (name, "Content-Length") != 0)
        soup_message_headers_replace (soup_message_get_request_headers (msg), name,
                                      json_node_get_string (value));
    }
  soup_message_set_request_body_from_bytes (msg, "image/jpeg", bytes);
  reply = send (self, msg);
  if (soup_message_get_status (msg) != 200)
    g_test_message ("PUT: %u %.*s", soup_message_get_status (msg), (int) g_bytes_get_size (reply),
                    (const char *) g_bytes_get_data (reply, NULL));

  return soup_message_get_status (msg);
}

GBytes *
ks_test_api_fetch (KsTestApi  *self,
                   const char *url,
                   guint      *out_status)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  GBytes *body;

  g_assert_nonnull (msg);
  body = send (self, msg);
  *out_status = soup_message_get_status (msg);

  return body;
}

static GBytes *
upload_bytes (const char *target,
              GBytes     *original,
              GBytes     *grid,
              GBytes     *preview)
{
  if (g_str_equal (target, "grid"))
    return grid;
  if (g_str_equal (target, "preview"))
    return preview;

  return original;
}

char *
ks_test_api_upload_photo (KsTestApi  *self,
                          KsTestUser *user,
                          const char *seed)
{
  g_autofree char *grid_seed = g_strconcat (seed, "/grid", NULL);
  g_autofree char *preview_seed = g_strconcat (seed, "/preview", NULL);
  g_autoptr (GBytes) original = ks_test_api_photo_bytes (seed, 3000 + strlen (seed));
  g_autoptr (GBytes) grid = ks_test_api_photo_bytes (grid_seed, 300);
  g_autoptr (GBytes) preview = ks_test_api_photo_bytes (preview_seed, 1000);
  g_autofree char *body = ks_test_api_prepare_body (original, grid, preview, "IMG_0001.JPG");
  g_autoptr (JsonNode) prepared = ks_test_api_expect (self, user->token, "POST", "/v1/photos/prepare", body, 201);
  JsonArray       *uploads = json_object_get_array_member (ks_test_api_root (prepared), "uploads");
  g_autofree char *id = g_strdup (ks_test_json_get_string (prepared, "photo_id"));
  g_autofree char *commit = g_strdup_printf ("/v1/photos/%s/commit", id);
  g_autoptr (JsonNode) committed = NULL;

  g_assert_cmpuint (json_array_get_length (uploads), ==, 3);
  for (guint i = 0; i < json_array_get_length (uploads); i++)
    {
      JsonObject *upload = json_array_get_object_element (uploads, i);
      GBytes     *bytes = upload_bytes (ks_test_api_object_string (upload, "target"),
                                        original, grid, preview);

      g_assert_cmpuint (ks_test_api_put (self, upload, bytes), ==, 200);
    }

  committed = ks_test_api_expect (self, user->token, "POST", commit, NULL, 200);
  g_assert_cmpstr (ks_test_json_get_string (committed, "status"), ==, "committed");

  return g_steal_pointer (&id);
}

/* ---- Uploads in parts ---- */

JsonObject *
ks_test_api_find_upload (JsonArray  *uploads,
                         const char *target)
{
  for (guint i = 0; i < json_array_get_length (uploads); i++)
    {
      JsonObject *upload = json_array_get_object_element (uploads, i);

      if (g_str_equal (ks_test_api_object_string (upload, "target"), target))
        return upload;
    }

  g_assert_not_reached ();
}

/* PUTs the parts of @original that prepare's @upload lists, but part
 * @skip (0: none); returns the ETags, "" for the one skipped. */
GPtrArray *
ks_test_api_put_parts (KsTestApi  *api,
                       JsonObject *upload,
                       GBytes     *original,
                       guint       skip)
{
  JsonArray *parts = json_object_get_array_member (upload, "parts");
  GPtrArray *etags = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonObject *part = json_array_get_object_element (parts, i);
      gsize       offset = i * KS_TEST_API_PART_SIZE;
      gsize       len = json_object_get_int_member (part, "size");
      g_autoptr (GBytes) chunk = g_bytes_new_from_bytes (original, offset, len);
      g_autoptr (SoupMessage) msg = soup_message_new ("PUT", ks_test_api_object_string (part, "url"));
      g_autoptr (GBytes) ignored = NULL;

      if (i + 1 == skip)
        {
          g_ptr_array_add (etags, g_strdup (""));
          continue;
        }
      soup_message_set_request_body_from_bytes (msg, "application/octet-stream", chunk);
      ignored = ks_test_server_send (ks_test_api_get_server (api), msg);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      g_ptr_array_add (etags, g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag")));
    }

  return etags;
}

/* {"parts": [...]} for commit, with @etags[i] for part i + 1. */
char *
ks_test_api_parts_body (GPtrArray *etags)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "parts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < etags->len; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "part_number");
      json_builder_add_int_value (builder, i + 1);
      json_builder_set_member_name (builder, "etag");
      json_builder_add_string_value (builder, g_ptr_array_index (etags, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* ---- Odds and ends ---- */

void
ks_test_api_sql (KsTestApi  *self,
                 const char *sql)
{
  g_autofree char *path = ks_test_server_dup_data_path (self->server, "keepsake.db");
  sqlite3         *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), >, 0);
  sqlite3_close (db);
}

const char *
ks_test_api_object_string (JsonObject *object,
                           const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);

  return json_node_get_string (node);
}

JsonObject *
ks_test_api_root (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_node_get_object (node);
}
