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
#include "ks-profile.h"
#include "ks-test-cloud.h"

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

/* The first "http://127.0.0.1:<port>" it printed, within the timeout. */
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
      g_usleep (50000);
    }

  g_test_message ("cognito-local said: %s", self->output->str);
  g_assert_not_reached ();
}

static CognitoLocal *
cognito_local_start (void)
{
  CognitoLocal *self = g_new0 (CognitoLocal, 1);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autofree char *script = module_path ();
  g_autoptr (GError) error = NULL;

  self->output = g_string_new (NULL);
  g_mutex_init (&self->mutex);
  self->dir = g_dir_make_tmp ("ks-cognito-local-XXXXXX", &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  g_subprocess_launcher_setenv (launcher, "PORT", "0", TRUE);
  g_subprocess_launcher_setenv (launcher, "HOST", "127.0.0.1", TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_COLOR", "1", TRUE);
  self->process = g_subprocess_launcher_spawn (launcher, &error, "node", script, NULL);
  g_assert_no_error (error);
  self->reader = g_thread_new ("cognito-local", reader_thread, self);
  self->url = wait_for_url (self);

  self->soup = soup_session_new_with_options ("timeout", CALL_TIMEOUT_S, NULL);
  soup_session_set_proxy_resolver (self->soup, NULL);
  return self;
}

static void
cognito_local_free (CognitoLocal *self)
{
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, NULL);
  g_thread_join (self->reader);
  if (g_test_failed ())
    g_test_message ("cognito-local said: %s", self->output->str);
  g_object_unref (self->process);
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
read_code (CognitoLocal *self)
{
  g_autoptr (GRegex) regex = g_regex_new ("Code:\\s+([0-9]{6})", 0, 0, NULL);
  gint64 deadline = g_get_monotonic_time () + CALL_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (GMatchInfo) match = NULL;
      g_autofree char *output = NULL;

      g_mutex_lock (&self->mutex);
      output = g_strdup (self->output->str);
      g_mutex_unlock (&self->mutex);
      if (g_regex_match (regex, output, 0, &match))
        return g_match_info_fetch (match, 1);
      g_usleep (50000);
    }

  g_test_message ("cognito-local said: %s", self->output->str);
  g_assert_not_reached ();
}

/* Waits at most CALL_TIMEOUT_S for @result. */
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
         const char      *password,
         KsAuthFlow       flow,
         GError         **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_cognito_client_sign_in_async (client, USERNAME, password, flow, NULL, ks_test_store_result, &result);
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

  local = cognito_local_start ();
  info = create_pool (local);
  soup = ks_cloud_soup_session_new ();
  soup_session_set_proxy_resolver (soup, NULL);
  client = ks_cognito_client_new (soup, info);

  ks_cognito_client_sign_up_async (client, USERNAME, PASSWORD, "peer@example.org", NULL,
                                   ks_test_store_result, &signed_up);
  assert_finish_ok (ks_cognito_client_sign_up_finish (client, wait_result (&signed_up), &user_confirmed, &error));
  g_assert_false (user_confirmed);

  unconfirmed = sign_in (client, PASSWORD, KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_null (unconfirmed);
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_USER_NOT_CONFIRMED);
  g_clear_error (&error);

  code = read_code (local);
  ks_cognito_client_confirm_sign_up_async (client, USERNAME, code, NULL, ks_test_store_result, &confirmed);
  assert_finish_ok (ks_cognito_client_confirm_sign_up_finish (client, wait_result (&confirmed), &error));

  tokens = sign_in (client, PASSWORD, KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens->access_token);
  g_assert_nonnull (tokens->id_token);
  g_assert_nonnull (tokens->refresh_token);
  g_assert_cmpint (tokens->expires_in, >, 0);

  /* cognito-local has no SRP: AUTO falls back to the password. */
  fallback = sign_in (client, PASSWORD, KS_AUTH_FLOW_AUTO, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fallback->refresh_token);

  wrong = sign_in (client, "Wr0ng-passw0rd!", KS_AUTH_FLOW_PASSWORD, &error);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/peer/cognito-local/password-and-refresh", test_password_and_refresh);

  return g_test_run ();
}
