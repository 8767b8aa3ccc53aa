/* test-cloud-cognito.c: KsCognitoClient and KsSession against the real
 * keepsake-server, some requests through a counting proxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-cloud-error.h"
#include "ks-cognito-client.h"
#include "ks-profile.h"
#include "ks-session.h"
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

#define PASSWORD "Corr3ct-Horse-Battery"
#define NEW_PASSWORD "N3w-Staple-Battery!"

static KsTestServer *server;
static KsServerInfo *info;
static SoupSession  *soup;

/* ---- A proxy in front of /cognito: counts refreshes, shortens token
 * lifetimes, refuses SRP, on a thread and main context of its own ---- */

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  char         *upstream;
  char         *url;
  GMutex        mutex;
  GCond         cond;
  gint          refreshes;   /* atomic */
  gint          expires_in;  /* atomic; 0 leaves ExpiresIn alone */
  gint          refuse_srp;  /* atomic */
  gint          want_secret; /* atomic: as an app client with a secret */
} Proxy;

static void
proxy_respond (SoupServerMessage *msg,
               guint              status,
               const char        *body,
               gsize              len)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/x-amz-json-1.1", SOUP_MEMORY_COPY, body, len);
}

static GBytes *
proxy_rewrite (Proxy  *self,
               GBytes *reply)
{
  g_autoptr (JsonNode) root = ks_test_parse_json (reply);
  JsonObject *result = json_object_get_object_member (json_node_get_object (root), "AuthenticationResult");
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  gsize len = 0;
  char *text;

  json_object_set_int_member (result, "ExpiresIn", g_atomic_int_get (&self->expires_in));
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  return g_bytes_new_take (text, len);
}

static void
proxy_handler (SoupServer        *soup_server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Proxy           *self = user_data;
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) body = soup_message_body_flatten (request);
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  const char      *target = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                          "X-Amz-Target");
  g_autoptr (SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autoptr (SoupMessage) upstream = soup_message_new (SOUP_METHOD_POST, self->upstream);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  guint status;

  if (g_atomic_int_get (&self->refuse_srp) && strstr (text, "\"USER_SRP_AUTH\"") != NULL)
    {
      const char *refusal = "{\"__type\":\"InvalidParameterException\","
                            "\"message\":\"USER_SRP_AUTH is not enabled for the client.\"}";

      proxy_respond (msg, 400, refusal, strlen (refusal));
      return;
    }
  if (g_atomic_int_get (&self->want_secret) && strstr (text, "SECRET_HASH") == NULL &&
      strstr (text, "SecretHash") == NULL)
    {
      /* Cognito's words, for InitiateAuth and for SignUp */
      const char *refusal = g_strcmp0 (target, "AWSCognitoIdentityProviderService.SignUp") == 0
                                ? "{\"__type\":\"NotAuthorizedException\","
                                  "\"message\":\"Unable to verify secret hash for client 1example23456789\"}"
                                : "{\"__type\":\"NotAuthorizedException\",\"message\":\"Client "
                                  "1example23456789 is configured with secret but SECRET_HASH was not received\"}";

      proxy_respond (msg, 400, refusal, strlen (refusal));
      return;
    }
  if (strstr (text, "\"REFRESH_TOKEN_AUTH\"") != NULL)
    g_atomic_int_inc (&self->refreshes);

  soup_message_headers_replace (soup_message_get_request_headers (upstream), "X-Amz-Target", target);
  soup_message_set_request_body_from_bytes (upstream, "application/x-amz-json-1.1", body);
  reply = soup_session_send_and_read (session, upstream, NULL, &error);
  g_assert_no_error (error);
  status = soup_message_get_status (upstream);
  if (status == 200 && g_atomic_int_get (&self->expires_in) > 0 &&
      strstr (g_bytes_get_data (reply, NULL), "AuthenticationResult") != NULL)
    {
      GBytes *rewritten = proxy_rewrite (self, reply);

      g_bytes_unref (reply);
      reply = rewritten;
    }
  proxy_respond (msg, status, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
}

static GSocketService *
listen_loopback (SoupServer *soup_server,
                 char      **out_url)
{
  guint16         port;
  GSocketService *service = ks_test_listen_loopback (soup_server, &port);

  *out_url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  return service;
}

static gpointer
proxy_thread (gpointer user_data)
{
  Proxy *self = user_data;
  g_autoptr (SoupServer) soup_server = NULL;
  g_autoptr (GSocketService) service = NULL;
  char *url = NULL;

  g_main_context_push_thread_default (self->context);
  soup_server = soup_server_new (NULL, NULL);
  soup_server_add_handler (soup_server, "/", proxy_handler, self, NULL);
  service = listen_loopback (soup_server, &url);

  g_mutex_lock (&self->mutex);
  self->url = url;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  g_main_loop_run (self->loop);
  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  soup_server_disconnect (soup_server);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static Proxy *
proxy_new (void)
{
  Proxy *self = g_new0 (Proxy, 1);

  self->upstream = g_strdup (info->cognito_endpoint);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->thread = g_thread_new ("proxy", proxy_thread, self);

  g_mutex_lock (&self->mutex);
  while (self->url == NULL)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  return self;
}

static gboolean
proxy_quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
proxy_free (Proxy *self)
{
  g_main_context_invoke (self->context, proxy_quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_free (self->upstream);
  g_free (self->url);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proxy, proxy_free)

/* The server info, with Cognito behind @proxy. */
static KsServerInfo *
info_via (Proxy *proxy)
{
  KsServerInfo *copy = ks_server_info_copy (info);

  g_free (copy->cognito_endpoint);
  copy->cognito_endpoint = g_strdup (proxy->url);
  return copy;
}

/* ---- Helpers ---- */

static char *
read_code (const char *purpose,
           const char *username)
{
  g_autofree char *name = g_strconcat (purpose, "/", username, NULL);
  g_autofree char *path = ks_test_server_dup_data_path (server, name);
  g_autoptr (GError) error = NULL;
  char *code = NULL;

  g_file_get_contents (path, &code, NULL, &error);
  g_assert_no_error (error);
  return g_strchomp (code);
}

static void
sign_up (KsCognitoClient *client,
         const char      *username,
         const char      *password,
         GError         **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *email = g_strconcat (username, "@example.org", NULL);
  gboolean         confirmed = TRUE;

  ks_cognito_client_sign_up_async (client, username, password, email, NULL, ks_test_store_result, &result);
  if (ks_cognito_client_sign_up_finish (client, ks_test_wait_result (&result), &confirmed, error))
    g_assert_false (confirmed);
}

static gboolean
confirm (KsCognitoClient *client,
         const char      *username,
         const char      *code,
         GError         **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_cognito_client_confirm_sign_up_async (client, username, code, NULL, ks_test_store_result, &result);
  return ks_cognito_client_confirm_sign_up_finish (client, ks_test_wait_result (&result), error);
}

static void
create_user (KsCognitoClient *client,
             const char      *username,
             const char      *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;

  sign_up (client, username, password, &error);
  g_assert_no_error (error);
  code = read_code ("confirmation-codes", username);
  g_assert_true (confirm (client, username, code, &error));
  g_assert_no_error (error);
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
  return ks_cognito_client_sign_in_finish (client, ks_test_wait_result (&result), error);
}

static KsTokens *
refresh (KsCognitoClient *client,
         const char      *username,
         const char      *refresh_token,
         GError         **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_cognito_client_refresh_async (client, username, refresh_token, NULL, ks_test_store_result, &result);
  return ks_cognito_client_refresh_finish (client, ks_test_wait_result (&result), error);
}

/* A translated sentence that names neither the password nor a token. */
static void
assert_error (GError      *error,
              KsCloudError code)
{
  g_assert_error (error, KS_CLOUD_ERROR, code);
  g_assert_true (g_str_has_suffix (error->message, "."));
  g_assert_null (strstr (error->message, PASSWORD));
  g_assert_null (strstr (error->message, "Exception"));
}

static void
assert_tokens (const KsTokens *tokens,
               gboolean        with_refresh)
{
  g_assert_nonnull (tokens);
  g_assert_cmpuint (strlen (tokens->access_token), >, 100);
  g_assert_cmpuint (strlen (tokens->id_token), >, 100);
  g_assert_cmpint (tokens->expires_in, ==, 3600);
  g_assert_cmpint (ABS (tokens->obtained_at - g_get_real_time ()), <, 60 * G_USEC_PER_SEC);
  if (with_refresh)
    g_assert_nonnull (tokens->refresh_token);
  else
    g_assert_null (tokens->refresh_token);
}

/* The API takes the token: GET /v1/me names the user. */
static void
assert_api_accepts (const char *access_token,
                    const char *username)
{
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (server, "GET", "/v1/me");
  g_autofree char *bearer = g_strconcat ("Bearer ", access_token, NULL);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonNode) root = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  body = ks_test_server_send (server, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  root = ks_test_parse_json (body);
  g_assert_cmpstr (ks_test_json_get_string (root, "username"), ==, username);
}

/* ---- KsCognitoClient ---- */

static void
test_lifecycle (void)
{
  g_autoptr (KsCognitoClient) client = ks_cognito_client_new (soup, info);
  g_autoptr (KsTokens) tokens = NULL;
  g_autoptr (KsTokens) refreshed = NULL;
  g_autoptr (KsTokens) refused = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) resent = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *first_code = NULL;
  g_autofree char *code = NULL;

  sign_up (client, "life", PASSWORD, &error);
  g_assert_no_error (error);
  first_code = read_code ("confirmation-codes", "life");

  /* Not confirmed yet: the right password is not enough. */
  tokens = sign_in (client, "life", PASSWORD, KS_AUTH_FLOW_SRP, &error);
  g_assert_null (tokens);
  assert_error (error, KS_CLOUD_ERROR_USER_NOT_CONFIRMED);
  g_clear_error (&error);

  ks_cognito_client_resend_code_async (client, "life", NULL, ks_test_store_result, &resent);
  assert_finish_ok (ks_cognito_client_resend_code_finish (client, ks_test_wait_result (&resent), &error));
  code = read_code ("confirmation-codes", "life");

  g_assert_false (confirm (client, "life", g_str_equal (code, "000000") ? "111111" : "000000", &error));
  assert_error (error, KS_CLOUD_ERROR_CODE_MISMATCH);
  g_clear_error (&error);
  g_assert_true (confirm (client, "life", code, &error));
  g_assert_no_error (error);

  tokens = sign_in (client, "life", PASSWORD, KS_AUTH_FLOW_SRP, &error);
  g_assert_no_error (error);
  assert_tokens (tokens, TRUE);
  assert_api_accepts (tokens->access_token, "life");

  refreshed = refresh (client, "life", tokens->refresh_token, &error);
  g_assert_no_error (error);
  assert_tokens (refreshed, FALSE);
  g_assert_cmpstr (refreshed->access_token, !=, tokens->access_token);
  assert_api_accepts (refreshed->access_token, "life");

  ks_cognito_client_global_sign_out_async (client, refreshed->access_token, NULL, ks_test_store_result,
                                           &result);
  assert_finish_ok (ks_cognito_client_global_sign_out_finish (client, ks_test_wait_result (&result), &error));

  refused = refresh (client, "life", tokens->refresh_token, &error);
  g_assert_null (refused);
  assert_error (error, KS_CLOUD_ERROR_NOT_SIGNED_IN);
}

static void
test_password_flow (void)
{
  g_autoptr (Proxy) proxy = proxy_new ();
  g_autoptr (KsServerInfo) proxied = info_via (proxy);
  g_autoptr (KsCognitoClient) client = ks_cognito_client_new (soup, info);
  g_autoptr (KsCognitoClient) no_srp = ks_cognito_client_new (soup, proxied);
  g_autoptr (KsTokens) tokens = NULL;
  g_autoptr (KsTokens) fallback = NULL;
  g_autoptr (KsTokens) refused = NULL;
  g_autoptr (GError) error = NULL;

  create_user (client, "plain", PASSWORD);
  tokens = sign_in (client, "plain", PASSWORD, KS_AUTH_FLOW_PASSWORD, &error);
  g_assert_no_error (error);
  assert_tokens (tokens, TRUE);
  assert_api_accepts (tokens->access_token, "plain");

  /* A pool whose app client does not allow SRP: AUTO falls back, SRP
   * alone says why it failed. */
  g_atomic_int_set (&proxy->refuse_srp, TRUE);
  fallback = sign_in (no_srp, "plain", PASSWORD, KS_AUTH_FLOW_AUTO, &error);
  g_assert_no_error (error);
  assert_tokens (fallback, TRUE);

  refused = sign_in (no_srp, "plain", PASSWORD, KS_AUTH_FLOW_SRP, &error);
  g_assert_null (refused);
  assert_error (error, KS_CLOUD_ERROR_AUTH_FLOW);
  g_clear_error (&error);

  /* An app client with a secret: the administrator's to mend, not a
   * wrong password. */
  g_atomic_int_set (&proxy->refuse_srp, FALSE);
  g_atomic_int_set (&proxy->want_secret, TRUE);
  for (KsAuthFlow flow = KS_AUTH_FLOW_AUTO; flow <= KS_AUTH_FLOW_PASSWORD; flow++)
    {
      g_autoptr (KsTokens) secret = sign_in (no_srp, "plain", PASSWORD, flow, &error);

      g_assert_null (secret);
      assert_error (error, KS_CLOUD_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, "app client without one"));
      g_clear_error (&error);
    }
  sign_up (no_srp, "secretive", PASSWORD, &error);
  assert_error (error, KS_CLOUD_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "client secret"));
}

static void
test_errors (void)
{
  g_autoptr (KsCognitoClient) client = ks_cognito_client_new (soup, info);
  const KsAuthFlow flows[] = { KS_AUTH_FLOW_SRP, KS_AUTH_FLOW_PASSWORD, KS_AUTH_FLOW_AUTO };
  const struct
  {
    const char *password;
    const char *missing;
  } weak[] = {
    { "correct horse battery", "upper case" },
    { "CORRECT HORSE 9 !", "lower case" },
    { "Correct horse battery!", "digit" },
    { "Correcthorsebattery9", "symbol" },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (KsTokens) fake = NULL;

  create_user (client, "errors", PASSWORD);

  for (guint i = 0; i < G_N_ELEMENTS (flows); i++)
    {
      g_autoptr (KsTokens) tokens = sign_in (client, "errors", "Wr0ng-Horse!", flows[i], &error);

      g_assert_null (tokens);
      assert_error (error, KS_CLOUD_ERROR_WRONG_PASSWORD);
      g_clear_error (&error);
    }

  /* Unknown users look like wrong passwords. */
  g_assert_null (sign_in (client, "nobody-here", PASSWORD, KS_AUTH_FLOW_SRP, &error));
  assert_error (error, KS_CLOUD_ERROR_WRONG_PASSWORD);
  g_clear_error (&error);

  /* Whether the client knows the policy (discovery) or the server
   * answers (an outside pool's policy is not known): the error names
   * what is missing. */
  for (guint known = 0; known < 2; known++)
    {
      g_autoptr (KsServerInfo) unknown = ks_server_info_copy (info);
      g_autoptr (KsCognitoClient) asker = NULL;

      g_clear_pointer (&unknown->password_policy, g_free);
      asker = ks_cognito_client_new (soup, known ? info : unknown);
      sign_up (asker, "weak", "short", &error);
      assert_error (error, KS_CLOUD_ERROR_INVALID_PASSWORD);
      g_assert_nonnull (strstr (error->message, known ? "at least 8 characters" : "too short"));
      g_clear_error (&error);

      /* Long enough, but the policy wants more. */
      for (guint i = 0; i < G_N_ELEMENTS (weak); i++)
        {
          sign_up (asker, "weak", weak[i].password, &error);
          assert_error (error, KS_CLOUD_ERROR_INVALID_PASSWORD);
          g_assert_nonnull (strstr (error->message, weak[i].missing));
          g_clear_error (&error);
        }
    }

  sign_up (client, "errors", PASSWORD, &error);
  assert_error (error, KS_CLOUD_ERROR_USERNAME_EXISTS);
  g_clear_error (&error);

  sign_up (client, "has space", PASSWORD, &error);
  assert_error (error, KS_CLOUD_ERROR_INVALID_PARAMETER);
  g_clear_error (&error);

  /* A pool that mails codes wants an address, and the error says so. */
  {
    g_autoptr (GAsyncResult) result = NULL;

    ks_cognito_client_sign_up_async (client, "no-address", PASSWORD, NULL, NULL, ks_test_store_result, &result);
    g_assert_false (ks_cognito_client_sign_up_finish (client, ks_test_wait_result (&result), NULL, &error));
    assert_error (error, KS_CLOUD_ERROR_EMAIL_REQUIRED);
    g_assert_nonnull (strstr (error->message, "email address"));
    g_clear_error (&error);
  }

  fake = refresh (client, "errors", "not-a-refresh-token", &error);
  g_assert_null (fake);
  assert_error (error, KS_CLOUD_ERROR_NOT_SIGNED_IN);
}

static void
test_forgot_password (void)
{
  g_autoptr (KsCognitoClient) client = ks_cognito_client_new (soup, info);
  g_autoptr (GAsyncResult) asked = NULL;
  g_autoptr (GAsyncResult) wrong = NULL;
  g_autoptr (GAsyncResult) reset = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsTokens) old = NULL;
  g_autoptr (KsTokens) tokens = NULL;
  g_autofree char *code = NULL;

  create_user (client, "forgetful", PASSWORD);

  ks_cognito_client_forgot_password_async (client, "forgetful", NULL, ks_test_store_result, &asked);
  assert_finish_ok (ks_cognito_client_forgot_password_finish (client, ks_test_wait_result (&asked), &error));
  code = read_code ("password-reset-codes", "forgetful");

  ks_cognito_client_confirm_forgot_password_async (client, "forgetful",
                                                   g_str_equal (code, "000000") ? "111111" : "000000",
                                                   NEW_PASSWORD, NULL, ks_test_store_result, &wrong);
  g_assert_false (ks_cognito_client_confirm_forgot_password_finish (client, ks_test_wait_result (&wrong),
                                                                    &error));
  assert_error (error, KS_CLOUD_ERROR_CODE_MISMATCH);
  g_clear_error (&error);

  ks_cognito_client_confirm_forgot_password_async (client, "forgetful", code, NEW_PASSWORD, NULL,
                                                   ks_test_store_result, &reset);
  g_assert_true (ks_cognito_client_confirm_forgot_password_finish (client, ks_test_wait_result (&reset),
                                                                   &error));
  g_assert_no_error (error);

  old = sign_in (client, "forgetful", PASSWORD, KS_AUTH_FLOW_SRP, &error);
  g_assert_null (old);
  assert_error (error, KS_CLOUD_ERROR_WRONG_PASSWORD);
  g_clear_error (&error);
  tokens = sign_in (client, "forgetful", NEW_PASSWORD, KS_AUTH_FLOW_SRP, &error);
  g_assert_no_error (error);
  assert_tokens (tokens, TRUE);
}

static char *
describe_policy (const KsPasswordPolicy *policy)
{
  g_autoptr (KsServerInfo) with_policy = ks_server_info_copy (info);
  g_autoptr (KsCognitoClient) client = NULL;

  *with_policy->password_policy = *policy;
  client = ks_cognito_client_new (soup, with_policy);
  return ks_cognito_client_describe_password_policy (client);
}

/* A known policy is checked before anything is sent, and said to the
 * user before they try. */
static void
test_password_policy (void)
{
  g_autoptr (KsServerInfo) nowhere = ks_server_info_copy (info);
  g_autoptr (KsServerInfo) unknown = ks_server_info_copy (info);
  g_autoptr (KsCognitoClient) client = NULL;
  g_autoptr (KsCognitoClient) other = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char       *hint = NULL;
  const KsPasswordPolicy digits = { .minimum_length = 1, .require_numbers = TRUE };
  const KsPasswordPolicy lengths[] = { { .minimum_length = 6 }, { .minimum_length = 1 } };

  /* Nothing listens there: a request would fail as a network error. */
  g_free (nowhere->cognito_endpoint);
  nowhere->cognito_endpoint = g_strdup ("http://127.0.0.1:9");
  nowhere->password_policy->minimum_length = 30;
  client = ks_cognito_client_new (soup, nowhere);

  sign_up (client, "strict", PASSWORD, &error);
  assert_error (error, KS_CLOUD_ERROR_INVALID_PASSWORD);
  g_assert_cmpstr (error->message, ==, "Choose a password of at least 30 characters.");
  g_clear_error (&error);
  ks_cognito_client_confirm_forgot_password_async (client, "strict", "123456", "alllowercase-but-30-characters!!",
                                                   NULL, ks_test_store_result, &result);
  g_assert_false (ks_cognito_client_confirm_forgot_password_finish (client, ks_test_wait_result (&result),
                                                                    &error));
  assert_error (error, KS_CLOUD_ERROR_INVALID_PASSWORD);
  g_assert_nonnull (strstr (error->message, "upper case"));
  g_clear_error (&error);
  sign_up (client, "strict", "Corr3ct-Horse-Battery-Staple-Twice!", &error);
  assert_error (error, KS_CLOUD_ERROR_NETWORK);
  g_clear_error (&error);

  hint = ks_cognito_client_describe_password_policy (client);
  g_assert_cmpstr (hint, ==, "At least 30 characters, with an upper case letter, a lower case letter, a digit and "
                             "a symbol, such as ! or %.");
  g_clear_pointer (&hint, g_free);

  /* An outside pool's policy is not known: nothing to say, the pool decides. */
  g_clear_pointer (&unknown->password_policy, g_free);
  other = ks_cognito_client_new (soup, unknown);
  g_assert_null (ks_cognito_client_describe_password_policy (other));

  hint = describe_policy (&digits);
  g_assert_cmpstr (hint, ==, "With a digit.");
  g_clear_pointer (&hint, g_free);
  hint = describe_policy (&lengths[0]);
  g_assert_cmpstr (hint, ==, "At least 6 characters.");
  g_clear_pointer (&hint, g_free);
  hint = describe_policy (&lengths[1]);
  g_assert_null (hint);
}

/* ---- KsSession ---- */

typedef struct
{
  Proxy        *proxy;
  KsProfile    *profile;
  KsTokenStore *store;
  KsSession    *session;
  char         *store_dir;
} SessionFixture;

static void
session_setup (SessionFixture *fixture,
               gconstpointer   data)
{
  const char *username = data;
  g_autoptr (KsServerInfo) proxied = NULL;
  g_autoptr (KsCognitoClient) client = ks_cognito_client_new (soup, info);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  create_user (client, username, PASSWORD);
  fixture->proxy = proxy_new ();
  proxied = info_via (fixture->proxy);
  fixture->profile = ks_profile_new ("test", ks_test_server_get_base_url (server), proxied);
  fixture->store_dir = g_dir_make_tmp ("ks-store-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = ks_token_store_new (KS_TOKEN_STORE_FILE, fixture->store_dir);
  fixture->session = ks_session_new (soup, fixture->profile, fixture->store);
  g_assert_false (ks_session_get_signed_in (fixture->session));
  g_assert_cmpint (ks_session_get_access_token_lifetime (fixture->session), ==, -1);

  ks_session_sign_in_async (fixture->session, username, PASSWORD, KS_AUTH_FLOW_AUTO, NULL,
                            ks_test_store_result, &result);
  assert_finish_ok (ks_session_sign_in_finish (fixture->session, ks_test_wait_result (&result), &error));
  g_assert_true (ks_session_get_signed_in (fixture->session));
  g_assert_cmpstr (ks_session_get_username (fixture->session), ==, username);
  g_assert_true (g_uuid_string_is_valid (ks_session_get_user_id (fixture->session)));
}

static void
session_teardown (SessionFixture *fixture,
                  gconstpointer   data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->profile, ks_profile_free);
  g_clear_pointer (&fixture->proxy, proxy_free);
  ks_test_remove_tree (fixture->store_dir);
  g_free (fixture->store_dir);
}

static char *
get_token (KsSession  *session,
           const char *rejected,
           GError    **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_token_source_get_access_token_async (KS_TOKEN_SOURCE (session), rejected, NULL,
                                          ks_test_store_result, &result);
  return ks_token_source_get_access_token_finish (KS_TOKEN_SOURCE (session),
                                                  ks_test_wait_result (&result), error);
}

static char *
stored_token (SessionFixture *fixture,
              const char     *username)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *token;

  ks_token_store_lookup_async (fixture->store, "test", username, NULL, ks_test_store_result, &result);
  token = ks_token_store_lookup_finish (fixture->store, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return token;
}

/* @n requests at once, all with @rejected: (nullable); returns the one
 * token they all got. */
static char *
get_tokens_at_once (KsSession  *session,
                    const char *rejected,
                    guint       n)
{
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (g_object_unref);
  char *common = NULL;

  g_ptr_array_set_size (results, n);
  for (guint i = 0; i < n; i++)
    ks_token_source_get_access_token_async (KS_TOKEN_SOURCE (session), rejected, NULL, ks_test_store_result,
                                            &results->pdata[i]);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *token = NULL;

      token = ks_token_source_get_access_token_finish (KS_TOKEN_SOURCE (session),
                                                       ks_test_wait_result ((GAsyncResult **) &results->pdata[i]),
                                                       &error);
      g_assert_no_error (error);
      if (common == NULL)
        common = g_strdup (token);
      g_assert_cmpstr (token, ==, common);
    }
  return common;
}

static void
test_session_coalesce (SessionFixture *fixture,
                       gconstpointer   data)
{
  g_autofree char *first = get_token (fixture->session, NULL, NULL);
  g_autofree char *fresh = NULL;

  g_assert_nonnull (first);
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy->refreshes), ==, 0);

  /* Twenty requests all had the same token refused: one refresh. */
  fresh = get_tokens_at_once (fixture->session, first, 20);
  g_assert_cmpstr (fresh, !=, first);
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy->refreshes), ==, 1);
  assert_api_accepts (fresh, ks_session_get_username (fixture->session));

  /* The old token refused again changes nothing: it is not current. */
  g_free (get_token (fixture->session, first, NULL));
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy->refreshes), ==, 1);
}

static void
wait_seconds (double seconds)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
    }
}

static void
test_session_proactive (SessionFixture *fixture,
                        gconstpointer   data)
{
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  /* Tokens of 8 s are refreshed when 2 s are left (a quarter). */
  g_atomic_int_set (&fixture->proxy->expires_in, 8);
  ks_session_sign_in_async (fixture->session, ks_session_get_username (fixture->session), PASSWORD,
                            KS_AUTH_FLOW_SRP, NULL, ks_test_store_result, &result);
  assert_finish_ok (ks_session_sign_in_finish (fixture->session, ks_test_wait_result (&result), &error));
  g_assert_cmpint (ks_session_get_access_token_lifetime (fixture->session), <=, 8);
  g_assert_cmpint (ks_session_get_access_token_lifetime (fixture->session), >=, 6);

  first = get_tokens_at_once (fixture->session, NULL, 10);
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy->refreshes), ==, 0);

  wait_seconds (6.5);
  second = get_tokens_at_once (fixture->session, NULL, 10);
  g_assert_cmpstr (second, !=, first);
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy->refreshes), ==, 1);
  g_assert_cmpint (ks_session_get_access_token_lifetime (fixture->session), >=, 6);
}

static void
test_session_refused (SessionFixture *fixture,
                      gconstpointer   data)
{
  KsCognitoClient *client = ks_session_get_cognito (fixture->session);
  g_autofree char *token = get_token (fixture->session, NULL, NULL);
  g_autofree char *stored = stored_token (fixture, ks_session_get_username (fixture->session));
  g_autofree char *after = NULL;
  g_autofree char *none = NULL;
  g_autofree char *gone = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (stored);

  /* Signed out elsewhere: the next refresh is refused. */
  ks_cognito_client_global_sign_out_async (client, token, NULL, ks_test_store_result, &result);
  assert_finish_ok (ks_cognito_client_global_sign_out_finish (client, ks_test_wait_result (&result), &error));

  after = get_token (fixture->session, token, &error);
  g_assert_null (after);
  assert_error (error, KS_CLOUD_ERROR_NOT_SIGNED_IN);
  g_clear_error (&error);
  g_assert_false (ks_session_get_signed_in (fixture->session));
  g_assert_null (ks_session_get_user_id (fixture->session));

  none = get_token (fixture->session, NULL, &error);
  assert_error (error, KS_CLOUD_ERROR_NOT_SIGNED_IN);

  /* The secret goes too (removed in the background). */
  wait_seconds (0.5);
  gone = stored_token (fixture, "refused");
  g_assert_null (gone);
}

static void
test_session_sign_out (SessionFixture *fixture,
                       gconstpointer   data)
{
  g_autofree char *stored = stored_token (fixture, ks_session_get_username (fixture->session));
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) restored = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsTokens) refused = NULL;
  g_autoptr (KsSession) again = NULL;

  ks_session_sign_out_async (fixture->session, NULL, ks_test_store_result, &result);
  assert_finish_ok (ks_session_sign_out_finish (fixture->session, ks_test_wait_result (&result), &error));
  g_assert_false (ks_session_get_signed_in (fixture->session));
  g_assert_null (ks_session_get_username (fixture->session));
  g_assert_cmpint (ks_session_get_access_token_lifetime (fixture->session), ==, -1);

  /* GlobalSignOut revoked the refresh token, and the store forgot it. */
  refused = refresh (ks_session_get_cognito (fixture->session), "signout", stored, &error);
  assert_error (error, KS_CLOUD_ERROR_NOT_SIGNED_IN);
  g_clear_error (&error);

  again = ks_session_new (soup, fixture->profile, fixture->store);
  ks_session_restore_async (again, "signout", NULL, ks_test_store_result, &restored);
  g_assert_false (ks_session_restore_finish (again, ks_test_wait_result (&restored), &error));
  assert_error (error, KS_CLOUD_ERROR_NOT_SIGNED_IN);
}

static void
test_session_restore (SessionFixture *fixture,
                      gconstpointer   data)
{
  g_autoptr (KsSession) again = ks_session_new (soup, fixture->profile, fixture->store);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;

  ks_session_restore_async (again, "restore", NULL, ks_test_store_result, &result);
  assert_finish_ok (ks_session_restore_finish (again, ks_test_wait_result (&result), &error));
  g_assert_true (ks_session_get_signed_in (again));
  g_assert_cmpstr (ks_session_get_username (again), ==, "restore");
  g_assert_nonnull (ks_session_get_user_id (again));
  g_assert_cmpstr (ks_session_get_user_id (again), ==, ks_session_get_user_id (fixture->session));
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy->refreshes), ==, 1);

  token = get_token (again, NULL, &error);
  g_assert_no_error (error);
  assert_api_accepts (token, "restore");
  g_assert_cmpint (g_atomic_int_get (&fixture->proxy->refreshes), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cloud/cognito/lifecycle", test_lifecycle);
  g_test_add_func ("/cloud/cognito/password-flow", test_password_flow);
  g_test_add_func ("/cloud/cognito/errors", test_errors);
  g_test_add_func ("/cloud/cognito/forgot-password", test_forgot_password);
  g_test_add_func ("/cloud/cognito/password-policy", test_password_policy);
  g_test_add ("/cloud/session/coalesce", SessionFixture, "coalesce", session_setup,
              test_session_coalesce, session_teardown);
  g_test_add ("/cloud/session/proactive", SessionFixture, "proactive", session_setup,
              test_session_proactive, session_teardown);
  g_test_add ("/cloud/session/refused", SessionFixture, "refused", session_setup,
              test_session_refused, session_teardown);
  g_test_add ("/cloud/session/sign-out", SessionFixture, "signout", session_setup,
              test_session_sign_out, session_teardown);
  g_test_add ("/cloud/session/restore", SessionFixture, "restore", session_setup,
              test_session_restore, session_teardown);

  server = ks_test_server_new ();
  ks_test_server_start (server);
  soup = ks_cloud_soup_session_new ();
  /* The system proxy settings need schemas the isolated dirs lack. */
  soup_session_set_proxy_resolver (soup, NULL);
  ks_discover_async (soup, ks_test_server_get_base_url (server), NULL, ks_test_store_result, &result);
  info = ks_discover_finish (ks_test_wait_result (&result), &error);
  g_assert_no_error (error);

  status = g_test_run ();

  ks_server_info_free (info);
  g_object_unref (soup);
  ks_test_server_stop (server);
  ks_test_server_free (server);
  return status;
}
