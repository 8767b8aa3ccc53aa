/* ks-cognito-call.c: one Cognito JSON request, its reply or its error
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ks-backoff.h"
#include "ks-cloud-private.h"
#include "ks-cognito-private.h"
#include "ks-json.h"
#include "ks-jwt.h"

#define TARGET_PREFIX "AWSCognitoIdentityProviderService."
#define CONTENT_TYPE "application/x-amz-json-1.1"
#define REPLY_MAX_DEPTH 16
#define MAX_ATTEMPTS 3
#define RETRY_BASE_MS 250

typedef struct
{
  SoupSession     *session;  /* owned */
  GUri            *endpoint; /* owned */
  char            *target;
  GBytes          *body; /* owned, wiped when freed */
  SoupMessage     *msg;  /* owned, nullable */
  KsCognitoContext context;
  guint            attempt;
} CallData;

static void
call_data_free (CallData *data)
{
  g_clear_object (&data->session);
  g_clear_pointer (&data->endpoint, g_uri_unref);
  g_free (data->target);
  g_clear_pointer (&data->body, g_bytes_unref);
  g_clear_object (&data->msg);
  g_free (data);
}

static void
wipe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    ks_cognito_wipe_object (json_node_get_object (node));
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        wipe_node (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      char *text = (char *) json_node_get_string (node);

      explicit_bzero (text, strlen (text));
    }
}

/* Request and reply bodies hold passwords and tokens: overwrite their
 * strings before json-glib frees them. */
void
ks_cognito_wipe_object (JsonObject *object)
{
  JsonObjectIter iter;
  JsonNode      *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, NULL, &node))
    wipe_node (node);
}

void
ks_cognito_reply_free (KsCognitoReply *reply)
{
  if (reply == NULL)
    return;

  ks_cognito_wipe_object (reply);
  json_object_unref (reply);
}

static void
wipe_text (gpointer text)
{
  ks_cloud_secret_free (text);
}

static GBytes *
body_to_bytes (JsonObject *body)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  char *text;
  gsize len = 0;

  json_node_set_object (root, body);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &len);
  return g_bytes_new_with_free_func (text, len, wipe_text, text);
}

static void send_attempt (GTask *task);

static gboolean
retry_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    send_attempt (g_object_ref (task));
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (GTask *task)
{
  CallData *data = g_task_get_task_data (task);
  guint     delay = (guint) ks_backoff_equal_jitter (ks_backoff_ceiling (RETRY_BASE_MS, 2 * (data->attempt - 1), G_MAXUINT));
  GSource  *source;

  g_debug ("Cognito %s throttled, retrying in %u ms", data->target, delay);

  source = g_timeout_source_new (delay);
  g_source_set_callback (source, retry_cb, task, g_object_unref);
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

static GError *
error_from_reply (CallData *data,
                  guint     status,
                  JsonNode *root)
{
  JsonObject *object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *type = NULL;
  const char *message = NULL;

  if (object != NULL &&
      ks_json_object_get_string_member_checked (object, "__type", TRUE, &type, NULL))
    {
      if (!ks_json_object_get_string_member_checked (object, "message", FALSE, &message, NULL))
        message = NULL;
      /* cognito-local and others spell the member "Message". */
      if (message == NULL &&
          !ks_json_object_get_string_member_checked (object, "Message", FALSE, &message, NULL))
        message = NULL;
      return ks_cloud_error_from_cognito (type, message, data->context);
    }

  g_debug ("Cognito %s: HTTP %u without an error type", data->target, status);
  if (status >= 500)
    return g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_SERVER,
                                _ ("The sign-in service has a problem: try again later."));
  if (status == 429)
    return g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_THROTTLED,
                                _ ("Too many attempts: wait a few minutes and try again."));

  return g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                              _ ("The sign-in service sent a reply Keepsake does not understand."));
}

static void
call_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  CallData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (JsonNode) root = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, ks_cloud_error_from_transport (error));
      return;
    }

  status = soup_message_get_status (data->msg);
  root = ks_json_parse_strict (g_bytes_get_size (bytes) > 0 ? g_bytes_get_data (bytes, NULL) : "",
                               g_bytes_get_size (bytes), REPLY_MAX_DEPTH, &error);
  if (g_bytes_get_size (bytes) > 0)
    explicit_bzero ((gpointer) g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (root == NULL)
    g_debug ("Cognito %s: HTTP %u, %s", data->target, status, error->message);

  if (status != SOUP_STATUS_OK)
    {
      GError *reply_error = error_from_reply (data, status, root);

      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        ks_cognito_wipe_object (json_node_get_object (root));
      if (g_error_matches (reply_error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_THROTTLED) &&
          data->attempt < MAX_ATTEMPTS)
        {
          g_error_free (reply_error);
          schedule_retry (g_steal_pointer (&task));
          return;
        }
      g_task_return_error (task, reply_error);
      return;
    }

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                               _ ("The sign-in service sent a reply Keepsake does not understand."));
      return;
    }

  g_task_return_pointer (task, json_object_ref (json_node_get_object (root)),
                         (GDestroyNotify) ks_cognito_reply_free);
}

static void
send_attempt (GTask *task)
{
  CallData *data = g_task_get_task_data (task);

  data->attempt++;
  g_clear_object (&data->msg);
  data->msg = soup_message_new_from_uri (SOUP_METHOD_POST, data->endpoint);
  soup_message_headers_replace (soup_message_get_request_headers (data->msg), "X-Amz-Target",
                                data->target);
  soup_message_set_request_body_from_bytes (data->msg, CONTENT_TYPE, data->body);
  soup_session_send_and_read_async (data->session, data->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), call_read_cb, task);
}

void
ks_cognito_call_async (SoupSession        *session,
                       const char         *endpoint,
                       const char         *operation,
                       JsonObject         *body,
                       KsCognitoContext    context,
                       gpointer            source_object,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  GTask    *task = g_task_new (source_object, cancellable, callback, user_data);
  CallData *data = g_new0 (CallData, 1);

  g_task_set_source_tag (task, ks_cognito_call_async);
  data->session = g_object_ref (session);
  data->endpoint = g_uri_parse (endpoint, SOUP_HTTP_URI_FLAGS, NULL);
  data->target = g_strconcat (TARGET_PREFIX, operation, NULL);
  data->body = body_to_bytes (body);
  data->context = context;
  ks_cognito_wipe_object (body);
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);

  if (data->endpoint == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                               _ ("The sign-in address “%s” is not a web address."), endpoint);
      g_object_unref (task);
      return;
    }

  send_attempt (task);
}

KsCognitoReply *
ks_cognito_call_finish (GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_cognito_call_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
malformed (GError    **error,
           const char *what)
{
  g_debug ("Cognito reply: %s", what);
  g_set_error_literal (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                       _ ("The sign-in service sent a reply Keepsake does not understand."));
  return FALSE;
}

/* Some Cognito look-alikes leave ExpiresIn out; the token says it too. */
static gboolean
lifetime_from_token (const char *access_token,
                     gint64     *out,
                     GError    **error)
{
  g_autoptr (JsonObject) claims = ks_jwt_peek_claims (access_token, NULL);
  gint64 exp = 0;
  gint64 iat = 0;

  if (claims == NULL ||
      !ks_json_object_get_int64_member_checked (claims, "exp", TRUE, 1, G_MAXINT64, &exp, NULL) ||
      !ks_json_object_get_int64_member_checked (claims, "iat", TRUE, 1, G_MAXINT64, &iat, NULL) ||
      exp <= iat)
    return malformed (error, "no ExpiresIn and no usable exp/iat");

  *out = exp - iat;
  return TRUE;
}

KsTokens *
ks_cognito_tokens_from_reply (JsonObject *reply,
                              gboolean    need_refresh,
                              GError    **error)
{
  g_autoptr (KsTokens) tokens = g_new0 (KsTokens, 1);
  JsonNode   *node = json_object_get_member (reply, "AuthenticationResult");
  JsonObject *result;
  const char *access = NULL;
  const char *id = NULL;
  const char *refresh = NULL;
  gint64      expires_in = -1;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      malformed (error, "no AuthenticationResult");
      return NULL;
    }
  result = json_node_get_object (node);

  if (!ks_json_object_get_string_member_checked (result, "AccessToken", TRUE, &access, NULL) ||
      !ks_json_object_get_string_member_checked (result, "IdToken", TRUE, &id, NULL) ||
      !ks_json_object_get_string_member_checked (result, "RefreshToken", need_refresh, &refresh,
                                                 NULL) ||
      !ks_json_object_get_int64_member_checked (result, "ExpiresIn", FALSE, 1, G_MAXINT32,
                                                &expires_in, NULL) ||
      *access == '\0' || *id == '\0' || (refresh != NULL && *refresh == '\0'))
    {
      malformed (error, "AuthenticationResult members");
      return NULL;
    }
  if (expires_in < 0 && !lifetime_from_token (access, &expires_in, error))
    return NULL;

  tokens->access_token = g_strdup (access);
  tokens->id_token = g_strdup (id);
  tokens->refresh_token = g_strdup (refresh);
  tokens->expires_in = expires_in;
  tokens->obtained_at = g_get_real_time ();
  return g_steal_pointer (&tokens);
}
