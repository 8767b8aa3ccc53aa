/* test-server-user-pool.c: KsServerUserPool reading an outside pool's
 * keys from a SoupServer of our own (its own thread and context) and
 * checking tokens against them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <libsoup/soup.h>

#include "ks-jwt.h"
#include "ks-server-error.h"
#include "ks-server-user-pool.h"
#include "ks-test-cloud.h"

#define POOL_ID "eu-west-1_Test123"
#define CLIENT_ID "keepsake1"
#define WAIT_S 10

/* Serves one key set at /POOL_ID/.well-known/jwks.json, counting requests. */
typedef struct
{
  GMutex      mutex;
  char       *body; /* what it answers now */
  guint       requests;
  KsTestHttp *http;
  char       *issuer;
} KeyServer;

static void
jwks_cb (SoupServerMessage *msg,
         const char        *path,
         gpointer           user_data)
{
  KeyServer *self = user_data;
  char      *body;

  g_mutex_lock (&self->mutex);
  self->requests++;
  body = g_strdup (self->body);
  g_mutex_unlock (&self->mutex);

  if (!g_str_equal (path, "/" POOL_ID "/.well-known/jwks.json"))
    {
      g_free (body);
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
key_server_serve (KeyServer  *self,
                  const char *body)
{
  g_mutex_lock (&self->mutex);
  g_free (self->body);
  self->body = g_strdup (body);
  g_mutex_unlock (&self->mutex);
}

static void
key_server_serve_keys (KeyServer *self,
                       KsRsaKey  *first,
                       ...)
{
  g_autoptr (KsJwks) jwks = ks_jwks_new ();
  g_autofree char *json = NULL;
  va_list          args;

  va_start (args, first);
  for (KsRsaKey *key = first; key != NULL; key = va_arg (args, KsRsaKey *))
    ks_jwks_add_key (jwks, key);
  va_end (args);
  json = ks_jwks_to_json (jwks);
  key_server_serve (self, json);
}

static guint
key_server_get_requests (KeyServer *self)
{
  guint requests;

  g_mutex_lock (&self->mutex);
  requests = self->requests;
  g_mutex_unlock (&self->mutex);
  return requests;
}

static KeyServer *
key_server_start (void)
{
  KeyServer *self = g_new0 (KeyServer, 1);

  g_mutex_init (&self->mutex);
  self->body = g_strdup ("{\"keys\":[]}");
  self->http = ks_test_http_new (jwks_cb, self);
  self->issuer = g_strconcat (ks_test_http_get_url (self->http), "/", POOL_ID, NULL);
  return self;
}

static void
key_server_free (KeyServer *self)
{
  ks_test_http_free (self->http);
  g_mutex_clear (&self->mutex);
  g_free (self->body);
  g_free (self->issuer);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KeyServer, key_server_free)

/* An access token as Cognito issues it, signed by @key. */
static char *
access_token (KsRsaKey   *key,
              const char *issuer,
              const char *client_id)
{
  g_autoptr (JsonObject) claims = json_object_new ();
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  char  *token;

  json_object_set_string_member (claims, "sub", "5f2a7c3e-1b2d-4e8f-9a0b-1c2d3e4f5a6b");
  json_object_set_string_member (claims, "iss", issuer);
  json_object_set_string_member (claims, "client_id", client_id);
  json_object_set_string_member (claims, "token_use", "access");
  json_object_set_string_member (claims, "username", "alice");
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + 3600);
  token = ks_jwt_sign (key, claims, &error);
  g_assert_no_error (error);
  return token;
}

static KsRsaKey *
new_key (void)
{
  g_autoptr (GError) error = NULL;
  KsRsaKey *key = ks_rsa_key_generate (&error);

  g_assert_no_error (error);
  return key;
}

static void
assert_valid (KsServerUserPool *pool,
              const char       *token)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) claims = ks_server_user_pool_verify_access_token (pool, token, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "username"), ==, "alice");
}

static void
assert_invalid (KsServerUserPool *pool,
                const char       *token,
                KsJwtError        code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) claims = ks_server_user_pool_verify_access_token (pool, token, &error);

  g_assert_null (claims);
  g_assert_error (error, KS_JWT_ERROR, code);
}

static KsServerUserPool *
new_pool (KeyServer *keys)
{
  g_autoptr (GError) error = NULL;
  KsServerUserPool *pool = ks_server_user_pool_new (keys->issuer, CLIENT_ID, &error);

  g_assert_no_error (error);
  return pool;
}

static void
test_discovery_fields (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsServerUserPool) pool = NULL;

  pool = ks_server_user_pool_new ("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/", "abc123", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_server_user_pool_get_issuer (pool), ==, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123");
  g_assert_cmpstr (ks_server_user_pool_get_endpoint (pool), ==, "https://cognito-idp.eu-west-1.amazonaws.com");
  g_assert_cmpstr (ks_server_user_pool_get_region (pool), ==, "eu-west-1");
  g_assert_cmpstr (ks_server_user_pool_get_id (pool), ==, "eu-west-1_AbC123");
  g_assert_cmpstr (ks_server_user_pool_get_client_id (pool), ==, "abc123");
}

static void
test_checks_tokens (void)
{
  g_autoptr (KeyServer) keys = key_server_start ();
  g_autoptr (KsServerUserPool) pool = new_pool (keys);
  g_autoptr (KsRsaKey) key = new_key ();
  g_autoptr (GError) error = NULL;
  g_autofree char *good = NULL;
  g_autofree char *other_pool = NULL;
  g_autofree char *other_client = NULL;
  g_autofree char *other_issuer = g_strconcat (keys->issuer, "x", NULL);

  key_server_serve_keys (keys, key, NULL);
  g_assert_true (ks_server_user_pool_load_keys (pool, NULL, &error));
  g_assert_no_error (error);

  good = access_token (key, keys->issuer, CLIENT_ID);
  other_pool = access_token (key, other_issuer, CLIENT_ID);
  other_client = access_token (key, keys->issuer, "someoneelse");
  assert_valid (pool, good);
  assert_invalid (pool, other_pool, KS_JWT_ERROR_WRONG_ISSUER);
  assert_invalid (pool, other_client, KS_JWT_ERROR_WRONG_AUDIENCE);
  g_assert_cmpuint (key_server_get_requests (keys), ==, 1);
}

/* Waits until @pool takes @token, which needs keys it is reading. */
static void
wait_valid (KsServerUserPool *pool,
            const char       *token)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) claims = NULL;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      claims = ks_server_user_pool_verify_access_token (pool, token, &error);
      if (claims != NULL)
        return;
      g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_UNKNOWN_KEY);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
}

static void
test_rotated_keys (void)
{
  g_autoptr (KeyServer) keys = key_server_start ();
  g_autoptr (KsServerUserPool) pool = new_pool (keys);
  g_autoptr (KsRsaKey) old_key = new_key ();
  g_autoptr (KsRsaKey) new_key_ = new_key ();
  g_autoptr (KsRsaKey) unknown_key = new_key ();
  g_autoptr (GError) error = NULL;
  g_autofree char *old_token = NULL;
  g_autofree char *new_token = NULL;
  g_autofree char *unknown_token = NULL;
  gint64           until;

  key_server_serve_keys (keys, old_key, NULL);
  g_assert_true (ks_server_user_pool_load_keys (pool, NULL, &error));
  old_token = access_token (old_key, keys->issuer, CLIENT_ID);
  new_token = access_token (new_key_, keys->issuer, CLIENT_ID);
  unknown_token = access_token (unknown_key, keys->issuer, CLIENT_ID);

  /* The pool starts signing with a new key: the first token with it
   * is refused, and the keys are read again. */
  key_server_serve_keys (keys, old_key, new_key_, NULL);
  assert_invalid (pool, new_token, KS_JWT_ERROR_UNKNOWN_KEY);
  wait_valid (pool, new_token);
  assert_valid (pool, old_token);
  g_assert_cmpuint (key_server_get_requests (keys), ==, 2);

  /* Tokens with made-up key ids do not make it ask again and again. */
  for (guint i = 0; i < 20; i++)
    assert_invalid (pool, unknown_token, KS_JWT_ERROR_UNKNOWN_KEY);
  until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
  g_assert_cmpuint (key_server_get_requests (keys), ==, 2);
  assert_valid (pool, new_token);
}

static void
assert_load_fails (KeyServer  *keys,
                   const char *body,
                   const char *why)
{
  g_autoptr (KsServerUserPool) pool = new_pool (keys);
  g_autoptr (GError) error = NULL;

  key_server_serve (keys, body);
  g_assert_false (ks_server_user_pool_load_keys (pool, NULL, &error));
  g_assert_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "cannot read the signing keys of the user pool at "));
  g_assert_nonnull (strstr (error->message, why));
}

static void
test_bad_key_sets (void)
{
  g_autoptr (KeyServer) keys = key_server_start ();
  g_autofree char *huge = NULL;
  GString         *text = g_string_new ("{\"keys\":[],\"padding\":\"");

  assert_load_fails (keys, "<html>Service Unavailable</html>", "Invalid JSON");
  assert_load_fails (keys, "{\"keys\":[]}", "it lists no RS256 signing key");
  assert_load_fails (keys, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"!\",\"e\":\"AQAB\"}]}", "Key 0 of the key set");
  for (guint i = 0; i < 70 * 1024; i++)
    g_string_append_c (text, 'x');
  g_string_append (text, "\"}");
  huge = g_string_free (text, FALSE);
  assert_load_fails (keys, huge, "too large");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/user-pool/discovery-fields", test_discovery_fields);
  g_test_add_func ("/server/user-pool/checks-tokens", test_checks_tokens);
  g_test_add_func ("/server/user-pool/rotated-keys", test_rotated_keys);
  g_test_add_func ("/server/user-pool/bad-key-sets", test_bad_key_sets);

  return g_test_run ();
}
