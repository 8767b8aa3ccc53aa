/* test-peer-role-keys.c: AWS's own credential providers against the
 * stand-ins keepsake-server's tests take role keys from
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * /server/bucket/role and /server/bucket/instance check keepsake-server
 * against the container credentials endpoint and the instance metadata
 * service of test-fake-role.h. Here the AWS SDK for JavaScript v3's
 * providers (fromHttp; fromInstanceMetadata with IMDSv1 off), run by
 * tests/js/role-keys-peer.mjs, get their keys from the same stand-ins
 * and are refused by them in the same cases: so what the stand-ins ask
 * for and answer is what AWS's own clients send and read.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "ks-test-server.h"
#include "test-fake-role.h"

#define ACCESS_KEY_ID "AKIDROLEPEER"
#define SECRET "role-peer-secret"
#define LIFETIME 3600

/* What the peers need; a clear failure when it is not there. */
static gboolean
check_peer_installed (void)
{
  const char *const modules[] = { "@aws-sdk/credential-provider-http", "@smithy/credential-provider-imds", NULL };

  return ks_test_js_peer_ready (modules);
}

/*
 * Runs the peer in @mode with @env (name, value pairs, NULL-ended) and
 * none of the AWS variables of the test's own environment. Returns its
 * keys, or NULL when it failed, as @must_fail says it should.
 */
static JsonNode *
run_peer (const char        *mode,
          gboolean           must_fail,
          const char *const *env)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *script = ks_test_js_path ("role-keys-peer.mjs");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto (GStrv) names = g_listenv ();
  gboolean failed;

  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_has_prefix (names[i], "AWS_"))
      g_subprocess_launcher_unsetenv (launcher, names[i]);
  for (guint i = 0; env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);

  process = g_subprocess_launcher_spawn (launcher, &error, "node", script, mode, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("role-keys-peer.mjs %s: %s%s", mode, out, err);

  failed = !g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0;
  g_assert_cmpint (failed, ==, must_fail);
  if (failed)
    return NULL;

  return json_from_string (out, &error);
}

static void
assert_keys (JsonNode   *keys,
             const char *session_token)
{
  JsonObject *object = json_node_get_object (keys);
  g_autoptr (GDateTime) expiration = g_date_time_new_from_iso8601 (json_object_get_string_member (object, "expiration"),
                                                                   NULL);
  gint64 left = g_date_time_to_unix (expiration) - g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpstr (json_object_get_string_member (object, "accessKeyId"), ==, ACCESS_KEY_ID);
  g_assert_cmpstr (json_object_get_string_member (object, "secretAccessKey"), ==, SECRET);
  g_assert_cmpstr (json_object_get_string_member (object, "sessionToken"), ==, session_token);
  g_assert_cmpint (left, >, LIFETIME - 60);
  g_assert_cmpint (left, <=, LIFETIME);
}

/* The container's endpoint, its Authorization token read from a file. */
static void
test_container (void)
{
  Role role = { .access_key_id = ACCESS_KEY_ID,
                .secret = SECRET,
                .wrong_from = G_MAXUINT,
                .lifetimes = { LIFETIME, LIFETIME, LIFETIME } };
  g_autoptr (KsTestHttp) endpoint = NULL;
  g_autoptr (JsonNode) keys = NULL;
  g_autoptr (JsonNode) refused = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ks-role-peer-XXXXXX", NULL);
  g_autofree char *token_file = g_build_filename (dir, "token", NULL);
  g_autofree char *wrong_file = g_build_filename (dir, "wrong", NULL);
  g_autofree char *url = NULL;

  if (!check_peer_installed ())
    return;

  g_mutex_init (&role.mutex);
  endpoint = ks_test_http_new (role_cb, &role);
  url = g_strconcat (ks_test_http_get_url (endpoint), ROLE_PATH, NULL);
  g_assert_true (g_file_set_contents (token_file, ROLE_TOKEN, -1, NULL));
  g_assert_true (g_file_set_contents (wrong_file, "someone-else", -1, NULL));

  {
    const char *const env[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI", url,
                                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file, NULL };

    keys = run_peer ("container", FALSE, env);
  }
  assert_keys (keys, "session-1");
  g_assert_cmpuint (role_requests (&role), ==, 1);
  {
    const char *const env[] = { "AWS_CONTAINER_CREDENTIALS_FULL_URI", url,
                                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", wrong_file, NULL };

    refused = run_peer ("container", TRUE, env);
  }
  g_assert_cmpuint (role_requests (&role), ==, 1);
  g_mutex_lock (&role.mutex);
  g_assert_cmpuint (role.refused, ==, 1);
  g_mutex_unlock (&role.mutex);

  g_clear_pointer (&endpoint, ks_test_http_free);
  g_mutex_clear (&role.mutex);
  ks_test_remove_tree (dir);
}

/* The instance metadata service, IMDSv2 only: a session token, the
 * role's name, its keys; an instance without a role gives none. */
static void
test_instance (void)
{
  Instance instance = { .access_key_id = ACCESS_KEY_ID, .secret = SECRET, .lifetime = LIFETIME };
  g_autoptr (KsTestHttp) endpoint = NULL;
  g_autoptr (JsonNode) keys = NULL;
  g_autoptr (JsonNode) none = NULL;

  if (!check_peer_installed ())
    return;

  g_mutex_init (&instance.mutex);
  endpoint = ks_test_http_new (instance_cb, &instance);
  {
    const char *const env[] = { "AWS_EC2_METADATA_SERVICE_ENDPOINT", ks_test_http_get_url (endpoint), NULL };

    keys = run_peer ("instance", FALSE, env);
    assert_keys (keys, "instance-1");
    g_mutex_lock (&instance.mutex);
    g_assert_cmpuint (instance.sessions, >=, 1);
    g_assert_cmpuint (instance.keys, ==, 1);
    g_assert_cmpuint (instance.refused, ==, 0);
    instance.no_role = TRUE;
    g_mutex_unlock (&instance.mutex);

    none = run_peer ("instance", TRUE, env);
    g_assert_cmpuint (instance_keys (&instance), ==, 1);
  }

  g_clear_pointer (&endpoint, ks_test_http_free);
  g_mutex_clear (&instance.mutex);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/peer/role-keys/container", test_container);
  g_test_add_func ("/peer/role-keys/instance", test_instance);

  return g_test_run ();
}
