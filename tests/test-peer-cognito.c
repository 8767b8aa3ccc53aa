/* test-peer-cognito.c: Cognito clients nobody here wrote against the
 * built-in IdP: the AWS SDK for JavaScript v3, amazon-cognito-identity-js
 * (its own SRP) and jose (JWKS and claims), run by tests/js/cognito-peer.mjs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "test-idp-common.h"

#define USERNAME "peer-user"
#define PASSWORD "Peer-passw0rd!"
#define EMAIL "peer-user@example.org"

/* What the peers need; a clear failure when it is not there. */
static gboolean
check_peers_installed (void)
{
  const char *const modules[] = { "@aws-sdk/client-cognito-identity-provider", "amazon-cognito-identity-js", "jose", NULL };

  return ks_test_js_peer_ready (modules);
}

static char *
config_json (IdpServer  *idp,
             const char *code)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *const pairs[][2] = {
    { "endpoint", idp->endpoint },
    { "region", "us-east-1" },
    { "userPoolId", idp->pool_id },
    { "clientId", idp->client_id },
    { "issuer", idp->issuer },
    { "jwksUrl", idp->jwks_url },
    { "username", USERNAME },
    { "password", PASSWORD },
    { "email", EMAIL },
    { "code", code },
  };

  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      if (pairs[i][1] == NULL)
        continue;
      json_builder_set_member_name (builder, pairs[i][0]);
      json_builder_add_string_value (builder, pairs[i][1]);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* Runs the script; asserts it exited 0 and printed one JSON object. */
static JsonNode *
run_peer (IdpServer  *idp,
          const char *mode,
          const char *code)
{
  g_autofree char *script = ks_test_js_path ("cognito-peer.mjs");
  g_autofree char *config = config_json (idp, code);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GBytes) bytes = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              "node", script, mode, config, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  g_test_message ("cognito-peer.mjs %s: %s", mode, out);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_test_message ("stderr: %s", err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  bytes = g_bytes_new (out, strlen (out));
  return ks_test_parse_json (bytes);
}

static JsonObject *
object_at (JsonNode   *root,
           const char *path)
{
  g_auto (GStrv) names = g_strsplit (path, ".", -1);
  JsonNode *node = root;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
      node = json_object_get_member (json_node_get_object (node), names[i]);
      g_assert_nonnull (node);
    }
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_node_get_object (node);
}

static void
assert_token_pair (JsonNode   *root,
                   const char *path,
                   IdpServer  *idp,
                   const char *sub)
{
  g_autofree char *id_path = g_strconcat (path, ".id", NULL);
  g_autofree char *access_path = g_strconcat (path, ".access", NULL);
  JsonObject      *id = object_at (root, id_path);
  JsonObject      *access = object_at (root, access_path);

  g_assert_cmpstr (json_object_get_string_member (id, "sub"), ==, sub);
  g_assert_cmpstr (json_object_get_string_member (id, "iss"), ==, idp->issuer);
  g_assert_cmpstr (json_object_get_string_member (id, "aud"), ==, idp->client_id);
  g_assert_cmpstr (json_object_get_string_member (id, "cognito:username"), ==, USERNAME);
  g_assert_cmpstr (json_object_get_string_member (id, "email"), ==, EMAIL);
  g_assert_cmpstr (json_object_get_string_member (access, "sub"), ==, sub);
  g_assert_cmpstr (json_object_get_string_member (access, "username"), ==, USERNAME);
  g_assert_cmpstr (json_object_get_string_member (access, "scope"), ==, "aws.cognito.signin.user.admin");
  g_assert_cmpstr (json_object_get_string_member (access, "origin_jti"), ==,
                   json_object_get_string_member (id, "origin_jti"));
}

static void
test_peer_clients (void)
{
  g_autoptr (IdpServer) idp = NULL;
  g_autoptr (JsonNode) signed_up = NULL;
  g_autoptr (JsonNode) signed_in = NULL;
  g_autofree char *code = NULL;
  g_autofree char *sub = NULL;
  JsonObject      *user;

  if (!check_peers_installed ())
    return;

  idp = idp_server_start (FALSE);

  /* The SDK signs up; the code is where the server put it. */
  signed_up = run_peer (idp, "sign-up", NULL);
  sub = g_strdup (ks_test_json_get_string (signed_up, "userSub"));
  g_assert_true (g_uuid_string_is_valid (sub));
  g_assert_false (json_object_get_boolean_member (json_node_get_object (signed_up), "userConfirmed"));
  g_assert_cmpstr (ks_test_json_get_string (signed_up, "destination"), ==, "p***@e***");
  g_assert_cmpstr (ks_test_json_get_string (signed_up, "duplicate"), ==, "User already exists");
  code = idp_read_code (idp, "confirm", USERNAME);

  signed_in = run_peer (idp, "sign-in", code);
  g_assert_cmpstr (ks_test_json_get_string (signed_in, "password.tokenType"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (object_at (signed_in, "password"), "expiresIn"), ==, 3600);
  g_assert_true (json_object_get_boolean_member (object_at (signed_in, "password"), "hasRefreshToken"));
  assert_token_pair (signed_in, "password.claims", idp, sub);
  assert_token_pair (signed_in, "refreshed.claims", idp, sub);
  g_assert_false (json_object_get_boolean_member (object_at (signed_in, "refreshed"), "hasRefreshToken"));
  assert_token_pair (signed_in, "srp.claims", idp, sub);
  assert_token_pair (signed_in, "srp.refreshedClaims", idp, sub);

  g_assert_cmpstr (ks_test_json_get_string (signed_in, "getUser.username"), ==, USERNAME);
  user = object_at (signed_in, "getUser.attributes");
  g_assert_cmpstr (json_object_get_string_member (user, "sub"), ==, sub);
  g_assert_cmpstr (json_object_get_string_member (user, "email"), ==, EMAIL);
  g_assert_cmpstr (json_object_get_string_member (user, "email_verified"), ==, "true");

  g_assert_cmpstr (ks_test_json_get_string (signed_in, "wrongPassword"), ==, "Incorrect username or password.");
  g_assert_cmpstr (ks_test_json_get_string (signed_in, "srpWrong"), ==, "NotAuthorizedException");
  g_assert_cmpstr (ks_test_json_get_string (signed_in, "foreign"), ==, "ERR_JWT_CLAIM_VALIDATION_FAILED");
  g_assert_cmpstr (ks_test_json_get_string (signed_in, "afterSignOut"), ==, "Refresh Token has been revoked");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/peer/cognito/js-clients", test_peer_clients);

  return g_test_run ();
}
