/* test-peer-cognito-local.c: our KsCognitoClient against cognito-local,
 * a Cognito emulator nobody here wrote (tests/js, `npm ci --prefix
 * tests/js`): USER_PASSWORD_AUTH, the fallback from SRP, refresh, errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>
#include <string.h>

#include "ks-cloud-error.h"
#include "ks-cognito-client.h"
#include "ks-encoding.h"
#include "ks-jwt.h"
#include "ks-profile.h"
#include "ks-test-cloud.h"
#include "test-cli-common.h"

/* A _finish () that returns TRUE, the error printed if not. */
#define assert_finish_ok(call) \
  G_STMT_START                 \
  {                            \
    gboolean ok_ = (call);     \
    g_assert_no_error (error); \
    g_assert_true (ok_);       \
  }                            \
  G_STMT_END

#define USERNAME "peer@example.org"
#define PASSWORD "Peer-passw0rd!"
#define START_TIMEOUT_S 60
#define CALL_TIMEOUT_S 30

/* The pool takes e-mail addresses as usernames, cognito-local's default.
 *
 * cognito-local on 127.0.0.1, a port of its choosing, in a temp dir. */
typedef struct
{
  GSubprocess *process;
  GThread     *reader;
  GMutex       mutex;
  GString     *output;
  char        *dir;
  char        *url;
  SoupSession *soup;
} CognitoLocal;

static char *
module_path (void)
{
  const char *source_dir = g_getenv ("KS_SOURCE_DIR");

  g_assert_nonnull (source_dir);
  return g_build_filename (source_dir, "tests", "js", "node_modules", "cognito-local", "lib", "bin",
                           "start.js", NULL);
}

static gpointer
reader_thread (gpointer user_data)
{
  CognitoLocal *self = user_data;
  GInputStream *stream = g_subprocess_get_stdout_pipe (self->process);
  char          buf[4096];
  gssize        n;

  while ((n = g_input_stream_read (stream, buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_mutex_lock (&self->mutex);
      g_string_append_len (self->output, buf, n);
      g_mutex_unlock (&self->mutex);
    }
  return NULL;
}

/* The "http://127.0.0.1:<port>" it printed within the timeout, or NULL
 * if the port was taken meanwhile. */
static char *
wait_for_url (CognitoLocal *self)
{
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (GRegex) regex = g_regex_new ("running on (http://127\\.0\\.0\\.1:[0-9]+)", 0, 0, NULL);
      g_autoptr (GMatchInfo) match = NULL;
      g_autofree char *output = NULL;

      g_mutex_lock (&self->mutex);
      output = g_strdup (self->output->str);
      g_mutex_unlock (&self->mutex);
      if (g_regex_match (regex, output, 0, &match))
        return g_match_info_fetch (match, 1);
      if (strstr (output, "EADDRINUSE") != NULL)
        return NULL;
      g_usleep (50000);
    }

  g_test_message ("cognito-local said: %s", self->output->str);
  g_assert_not_reached ();
}

/* A port nobody listens on now. cognito-local puts its URL in the
 * tokens' issuer as configured, so it must know the port it gets. */
static guint16
pick_port (void)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
cognito_local_spawn (CognitoLocal *self)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *script = module_path ();
  g_autofree char *port = g_strdup_printf ("%u", pick_port ());
  g_autoptr (GError) error = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  g_subprocess_launcher_setenv (launcher, "PORT", port, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOST", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_COLOR", "1", TRUE);
  self->process = g_subprocess_launcher_spawn (launcher, &error, "node", script, NULL);
  g_assert_no_error (error);
  self->reader = g_thread_new ("cognito-local", reader_thread, self);
}

static void
cognito_local_stop (CognitoLocal *self)
{
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, NULL);
  g_thread_join (self->reader);
  g_clear_object (&self->process);
}

/* @plain_usernames: users sign in with a name, not an e-mail address
 * (cognito-local's default pool takes addresses). */
static CognitoLocal *
cognito_local_start (gboolean plain_usernames)
{
  CognitoLocal *self = g_new0 (CognitoLocal, 1);
  g_autoptr (GError) error = NULL;

  self->output = g_string_new (NULL);
  g_mutex_init (&self->mutex);
  self->dir = g_dir_make_tmp ("ks-cognito-local-XXXXXX", &error);
  g_assert_no_error (error);
  if (plain_usernames)
    {
      g_autofree char *config_dir = g_build_filename (self->dir, ".cognito", NULL);
      g_autofree char *config = g_build_filename (config_dir, "config.json", NULL);

      g_assert_cmpint (g_mkdir (config_dir, 0700), ==, 0);
      g_file_set_contents (config, "{\"UserPoolDefaults\":{\"UsernameAttributes\":[]}}", -1, &error);
      g_assert_no_error (error);
    }

  for (guint attempt = 0; self->url == NULL; attempt++)
    {
      g_assert_cmpuint (attempt, <, 5);
      cognito_local_spawn (self);
      self->url = wait_for_url (self);
      if (self->url == NULL)
        cognito_local_stop (self);
    }

  self->soup = soup_session_new_with_options ("timeout", CALL_TIMEOUT_S, NULL);
  soup_session_set_proxy_resolver (self->soup, NULL);
  return self;
}

static void
cognito_local_free (CognitoLocal *self)
{
  cognito_local_stop (self);
  if (g_test_failed ())
    g_test_message ("cognito-local said: %s", self->output->str);
  g_object_unref (self->soup);
  g_string_free (self->output, TRUE);
  g_mutex_clear (&self->mutex);
  ks_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->url);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CognitoLocal, cognito_local_free)

/* Administrative calls our client does not make, as raw JSON. */
static JsonNode *
admin_call (CognitoLocal *self,
            const char   *operation,
            const char   *body)
{
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, self->url);
  g_autofree char *target = g_strconcat ("AWSCognitoIdentityProviderService.", operation, NULL);
  g_autoptr (GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Amz-Target", target);
  soup_message_set_request_body_from_bytes (msg, "application/x-amz-json-1.1", request);
  reply = soup_session_send_and_read (self->soup, msg, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %u %.*s", operation, soup_message_get_status (msg), (int) g_bytes_get_size (reply),
                  (const char *) g_bytes_get_data (reply, NULL));
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return ks_test_parse_json (reply);
}

static KsServerInfo *
create_pool (CognitoLocal *self)
{
  KsServerInfo *info = g_new0 (KsServerInfo, 1);
  g_autoptr (JsonNode) pool = admin_call (self, "CreateUserPool", "{\"PoolName\":\"keepsake\",\"AutoVerifiedAttributes\":[\"email\"]}");
  g_autofree char *body = NULL;
  g_autoptr (JsonNode) client = NULL;

  info->user_pool_id = g_strdup (ks_test_json_get_string (pool, "UserPool.Id"));
  body = g_strdup_printf ("{\"UserPoolId\":\"%s\",\"ClientName\":\"keepsake-desktop\","
                          "\"ExplicitAuthFlows\":[\"ALLOW_USER_PASSWORD_AUTH\",\"ALLOW_REFRESH_TOKEN_AUTH\"]}",
                          info->user_pool_id);
  client = admin_call (self, "CreateUserPoolClient", body);
  info->client_id = g_strdup (ks_test_json_get_string (client, "UserPoolClient.ClientId"));
  info->cognito_endpoint = g_strdup (self->url);
  info->api_url = g_strconcat (self->url, "/v1", NULL);
  info->region = g_strdup ("local");
  return info;
}

/* cognito-local prints the code it "sends". */
static char *
read_code (CognitoLocal *self,
           gsize         from)
{
  g_autoptr (GRegex) regex = g_regex_new ("Code:\\s+([0-9]{6})", 0, 0, NULL);
  gint64 deadline = g_get_monotonic_time () + CALL_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (GMatchInfo) match = NULL;
      g_autofree char *output = NULL;

      g_mutex_lock (&self->mutex);
      output = g_strdup (self->output->str + from);
      g_mutex_unlock (&self->mutex);
      if (g_regex_match (regex, output, 0, &match))
        return g_match_info_fetch (match, 1);
      g_usleep (50000);
    }

  g_test_message ("cognito-local said: %s", self->output->str);
  g_assert_not_reached ();
}

/* Waits at most CALL_TIMEOUT_S for @result. */
static gsize
output_length (CognitoLocal *self)
{
  gsize len;

  g_mutex_lock (&self->mutex);
  len = self->output->len;
  g_mutex_unlock (&self->mutex);
  return len;
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  gint64 deadline = g_get_monotonic_time () + CALL_TIMEOUT_S * G_USEC_PER_SEC;

  while (*result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      if (*result == NULL)
        g_usleep (1000);
    }
  return *result;
}

static KsTokens *
sign_in (KsCognitoClient *client,
         const char      *username,
         const char      *password,
         KsAuthFlow       flow,
         GError         **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_cognito_client_sign_in_async (client, username, password, flow, NULL, ks_test_store_result, &result);
  return ks_cognito_client_sign_in_finish (client, wait_result (&result), error);
}

static gboolean
check_installed (void)
{
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *script = module_path ();

  if (node == NULL)
    {
      g_test_fail_printf ("node is not in PATH: the peer tests need Node.js 20 or later");
      return FALSE;
    }
  if (!g_file_test (script, G_FILE_TEST_EXISTS))
    {
      g_test_fail_printf ("cognito-local is missing: run `npm ci --prefix tests/js` first");
      return FALSE;
    }
  return TRUE;
}

static void
test_password_and_refresh (void)
{
  g_autoptr (CognitoLocal) local = NULL;
  g_autoptr (KsServerInfo) info = NULL;
  g_autoptr (KsCognitoClient) client = NULL;
  g_autoptr (SoupSession) soup = NULL;
  g_autoptr (GAsyncResult) signed_up = NULL;
  g_autoptr (GAsyncResult) confirmed = NULL;
  g_autoptr (GAsyncResult) refreshed = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsTokens) unconfirmed = NULL;
  g_autoptr (KsTokens) tokens = NULL;
  g_autoptr (KsTokens) fallback = NULL;
  g_autoptr (KsTokens) wrong = NULL;
  g_autoptr (KsTokens) fresh = NULL;
  g_autofree char *code = NULL;
  gboolean         user_confirmed = TRUE;

  if (!check_installed ())
    return;

  local = cognito_local_start (FALSE);
  info = create_pool (local);
  soup = ks_cloud_soup_session_new ();
  soup_session_set_proxy_resolver (soup, NULL);
  client = ks_cognito_client_new (soup, info);

  ks_cognito_client_sign_up_async (client, USERNAME, PASSWORD, "peer@example.org", NULL,
                                   ks_test_store_result, &signed_up);
  assert_finish_ok (ks_cognito_client_sign_up_finish (client, wait_result (&signed_up), &user_confirmed, &error));
  g_assert_false (user_confirmed);

  unconfirmed = sign_in (client, USERNAME, PASSWORD, KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_null (unconfirmed);
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_USER_NOT_CONFIRMED);
  g_clear_error (&error);

  code = read_code (local, 0);
  ks_cognito_client_confirm_sign_up_async (client, USERNAME, code, NULL, ks_test_store_result, &confirmed);
  assert_finish_ok (ks_cognito_client_confirm_sign_up_finish (client, wait_result (&confirmed), &error));

  tokens = sign_in (client, USERNAME, PASSWORD, KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens->access_token);
  g_assert_nonnull (tokens->id_token);
  g_assert_nonnull (tokens->refresh_token);
  g_assert_cmpint (tokens->expires_in, >, 0);

  /* cognito-local has no SRP: AUTO falls back to the password. */
  fallback = sign_in (client, USERNAME, PASSWORD, KS_AUTH_FLOW_AUTO, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fallback->refresh_token);

  wrong = sign_in (client, USERNAME, "Wr0ng-passw0rd!", KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_null (wrong);
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_WRONG_PASSWORD);
  g_clear_error (&error);

  /* Its refresh reply has no ExpiresIn: the token's own claims say it. */
  ks_cognito_client_refresh_async (client, USERNAME, tokens->refresh_token, NULL, ks_test_store_result,
                                   &refreshed);
  fresh = ks_cognito_client_refresh_finish (client, wait_result (&refreshed), &error);
  g_assert_no_error (error);
  g_assert_nonnull (fresh->access_token);
  g_assert_null (fresh->refresh_token);
  g_assert_cmpint (fresh->expires_in, >, 0);
}

/* ---- keepsake-server trusting the pool instead of its own service ---- */

/* Signs @user up at the pool and in, with keepsake-cli as the README
 * says, knowing nothing but keepsake-server's URL. */
static void
pool_sign_up (CognitoLocal *local,
              KsTestServer *server,
              CliUser      *user)
{
  g_autofree char *email = g_strconcat (user->username, "@example.org", NULL);
  g_autofree char *code = NULL;
  gsize            from = output_length (local);

  {
    g_auto (CliRun) run = cli_run (user, NULL, "--token-store", "file", "server", "add",
                                   ks_test_server_get_base_url (server));
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (user, CLI_PASSWORD "\n", "signup", user->username, "--email", email,
                                   "--password-stdin");
    g_assert_cmpint (run.status, ==, 0);
  }
  code = read_code (local, from);
  {
    g_auto (CliRun) run = cli_run (user, NULL, "confirm", user->username, code);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (user, CLI_PASSWORD "\n", "login", user->username, "--password-stdin");
    g_assert_cmpint (run.status, ==, 0);
  }
}

/* GET /v1/me with @token: the API's answer and its status. */
static JsonNode *
get_me (KsTestServer *server,
        const char   *token,
        guint        *out_status)
{
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (server, SOUP_METHOD_GET, "/v1/me");
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autoptr (GBytes) body = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  body = ks_test_server_send (server, msg);
  *out_status = soup_message_get_status (msg);
  return ks_test_parse_json (body);
}

static void
assert_refused (KsTestServer *server,
                const char   *token)
{
  guint status = 0;
  g_autoptr (JsonNode) reply = get_me (server, token, &status);

  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpstr (ks_test_json_get_string (reply, "error.code"), ==, "Unauthorized");
}

/* @token with its claims' "username" changed, its signature kept. */
static char *
claim_to_be (const char *token,
             const char *username)
{
  g_auto (GStrv) parts = g_strsplit (token, ".", 3);
  g_autoptr (JsonObject) claims = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *payload = NULL;

  claims = ks_jwt_peek_claims (token, &error);
  g_assert_no_error (error);
  json_object_set_string_member (claims, "username", username);
  json_node_set_object (node, claims);
  json = json_to_string (node, FALSE);
  payload = ks_base64url_encode ((const guint8 *) json, strlen (json));
  return g_strjoin (".", parts[0], payload, parts[2], NULL);
}

/* The same claims signed by a key the pool never published. */
static char *
sign_with_own_key (const char *token)
{
  g_autoptr (JsonObject) claims = NULL;
  g_autoptr (KsRsaKey) key = NULL;
  g_autoptr (GError) error = NULL;
  char *forged;

  claims = ks_jwt_peek_claims (token, &error);
  g_assert_no_error (error);
  key = ks_rsa_key_generate (&error);
  g_assert_no_error (error);
  forged = ks_jwt_sign (key, claims, &error);
  g_assert_no_error (error);
  return forged;
}

static void
test_keepsake_server (void)
{
  g_autoptr (CognitoLocal) local = NULL;
  g_autoptr (KsServerInfo) info = NULL;
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (JsonNode) discovery = NULL;
  g_autoptr (JsonNode) me = NULL;
  g_autoptr (JsonNode) other_client = NULL;
  g_autoptr (KsCognitoClient) client = NULL;
  g_autoptr (KsCognitoClient) stranger = NULL;
  g_autoptr (SoupSession) soup = NULL;
  g_autoptr (KsTokens) tokens = NULL;
  g_autoptr (KsTokens) stranger_tokens = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *pool_url = NULL;
  g_autofree char *root = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *photo_sha = NULL;
  g_autofree char *down = NULL;
  g_autofree char *downloaded = NULL;
  g_autofree char *downloaded_sha = NULL;
  g_autofree char *as_bob = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *body = NULL;
  KsServerInfo     stranger_info;
  g_auto (CliUser) alice = { 0 };
  g_auto (CliUser) bob = { 0 };
  guint status = 0;

  if (!check_installed ())
    return;

  local = cognito_local_start (TRUE);
  info = create_pool (local);
  pool_url = g_strconcat (local->url, "/", info->user_pool_id, NULL);
  ks_test_server_add_args (server, "--cognito-user-pool", pool_url, "--cognito-client-id", info->client_id, NULL);
  ks_test_server_start (server);

  /* Clients are sent to the pool; the built-in service is not there. */
  discovery = ks_test_server_get_json (server, "/.well-known/keepsake.json", &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (ks_test_json_get_string (discovery, "cognito.endpoint"), ==, local->url);
  g_assert_cmpstr (ks_test_json_get_string (discovery, "cognito.user_pool_id"), ==, info->user_pool_id);
  g_assert_cmpstr (ks_test_json_get_string (discovery, "cognito.client_id"), ==, info->client_id);
  g_assert_cmpstr (ks_test_json_get_string (discovery, "cognito.region"), ==, "local");
  /* The pool's password policy is its own, not the built-in one. */
  g_assert_null (json_object_get_member (json_object_get_object_member (json_node_get_object (discovery), "cognito"),
                                         "password_policy"));
  {
    g_autoptr (SoupMessage) msg = ks_test_server_new_message (server, SOUP_METHOD_POST, "/cognito/");
    g_autoptr (GBytes) reply = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Amz-Target",
                                  "AWSCognitoIdentityProviderService.InitiateAuth");
    soup_message_set_request_body_from_bytes (msg, "application/x-amz-json-1.1", NULL);
    reply = ks_test_server_send (server, msg);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NOT_FOUND);
  }

  /* Two people sign up at the pool and share an album through the API. */
  root = g_dir_make_tmp ("ks-peer-pool-XXXXXX", &error);
  g_assert_no_error (error);
  cli_user_init (&alice, root, "alice");
  cli_user_init (&bob, root, "bob");
  pool_sign_up (local, server, &alice);
  pool_sign_up (local, server, &bob);

  photo = cli_write_png (root, "harbour.png", 64, 48, 7);
  photo_sha = cli_file_sha256 (photo);
  {
    g_auto (CliRun) run = cli_run (&alice, NULL, "album", "create", "Harbour");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (&alice, NULL, "upload", photo, "--album", "Harbour");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (&alice, NULL, "share", "Harbour", "bob");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (&bob, NULL, "albums");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Harbour"));
    g_assert_nonnull (strstr (run.out, "alice"));
  }
  down = g_build_filename (root, "bob-downloads", NULL);
  {
    g_auto (CliRun) run = cli_run (&bob, NULL, "download", "Harbour", down);
    g_assert_cmpint (run.status, ==, 0);
  }
  downloaded = g_build_filename (down, "harbour.png", NULL);
  downloaded_sha = cli_file_sha256 (downloaded);
  g_assert_cmpstr (downloaded_sha, ==, photo_sha);

  /* The pool's own access token is alice; anything else is nobody. */
  soup = ks_cloud_soup_session_new ();
  soup_session_set_proxy_resolver (soup, NULL);
  client = ks_cognito_client_new (soup, info);
  tokens = sign_in (client, "alice", CLI_PASSWORD, KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_no_error (error);
  me = get_me (server, tokens->access_token, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (ks_test_json_get_string (me, "username"), ==, "alice");

  assert_refused (server, tokens->id_token);
  as_bob = claim_to_be (tokens->access_token, "bob");
  assert_refused (server, as_bob);
  forged = sign_with_own_key (tokens->access_token);
  assert_refused (server, forged);

  /* Another app client of the same pool is not Keepsake. */
  body = g_strdup_printf ("{\"UserPoolId\":\"%s\",\"ClientName\":\"other\","
                          "\"ExplicitAuthFlows\":[\"ALLOW_USER_PASSWORD_AUTH\"]}",
                          info->user_pool_id);
  other_client = admin_call (local, "CreateUserPoolClient", body);
  stranger_info = *info;
  stranger_info.client_id = (char *) ks_test_json_get_string (other_client, "UserPoolClient.ClientId");
  stranger = ks_cognito_client_new (soup, &stranger_info);
  stranger_tokens = sign_in (stranger, "alice", CLI_PASSWORD, KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_no_error (error);
  assert_refused (server, stranger_tokens->access_token);

  /* The forgeries changed nothing for the real token. */
  g_clear_pointer (&me, json_node_unref);
  me = get_me (server, tokens->access_token, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);

  ks_test_server_stop (server);
  ks_test_remove_tree (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/peer/cognito-local/password-and-refresh", test_password_and_refresh);
  g_test_add_func ("/peer/cognito-local/keepsake-server", test_keepsake_server);

  return g_test_run ();
}
