/* ks-cognito-sign-in.c: USER_SRP_AUTH and USER_PASSWORD_AUTH
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-cognito-client.h"
#include "ks-cognito-private.h"
#include "ks-json.h"
#include "ks-srp.h"

typedef struct
{
  char        *username;
  char        *password; /* wiped */
  KsAuthFlow   flow;
  KsSrpClient *srp;     /* nullable */
  char        *user_id; /* USER_ID_FOR_SRP */
  char        *salt;
  char        *srp_b;
  char        *secret_block;
  char        *session; /* nullable, Cognito's challenge session */
  char        *timestamp;
} SignIn;

static void
sign_in_free (SignIn *data)
{
  g_free (data->username);
  ks_cloud_secret_free (data->password);
  g_clear_pointer (&data->srp, ks_srp_client_free);
  g_free (data->user_id);
  g_free (data->salt);
  g_free (data->srp_b);
  g_free (data->secret_block);
  g_free (data->session);
  g_free (data->timestamp);
  g_free (data);
}

static KsCognitoClient *
task_client (GTask *task)
{
  return KS_COGNITO_CLIENT (g_task_get_source_object (task));
}

static void
return_protocol_error (GTask      *task,
                       const char *what)
{
  g_debug ("Sign-in reply: %s", what);
  g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                           _ ("The sign-in service sent a reply Keepsake does not understand."));
}

/* The end of either flow: tokens, or a challenge we cannot answer. */
static void
return_tokens (GTask      *task,
               JsonObject *reply)
{
  const char *challenge = NULL;
  GError     *error = NULL;
  KsTokens   *tokens;

  if (ks_json_object_get_string_member_checked (reply, "ChallengeName", TRUE, &challenge, NULL))
    {
      g_debug ("Unsupported sign-in challenge %s", challenge);
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FAILED,
                               _ ("This account needs a sign-in step Keepsake does not support "
                                  "yet (%s)."),
                               challenge);
      return;
    }

  tokens = ks_cognito_tokens_from_reply (reply, TRUE, &error);
  if (tokens == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, tokens, (GDestroyNotify) ks_tokens_free);
}

static void
final_reply_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (KsCognitoReply) reply = NULL;
  GError *error = NULL;

  reply = ks_cognito_call_finish (result, &error);
  if (reply == NULL)
    g_task_return_error (task, error);
  else
    return_tokens (task, reply);
}

/* ---- USER_PASSWORD_AUTH ---- */

static void
start_password (GTask *task)
{
  KsCognitoClient *self = task_client (task);
  SignIn          *data = g_task_get_task_data (task);
  JsonObject      *body = ks_cognito_client_new_body (self);
  JsonObject      *parameters = json_object_new ();

  json_object_set_string_member (body, "AuthFlow", "USER_PASSWORD_AUTH");
  json_object_set_string_member (parameters, "USERNAME", data->username);
  json_object_set_string_member (parameters, "PASSWORD", data->password);
  ks_cognito_client_add_secret_hash (self, parameters, data->username);
  json_object_set_object_member (body, "AuthParameters", parameters);

  ks_cognito_client_call (self, "InitiateAuth", body, KS_COGNITO_CONTEXT_SIGN_IN,
                          g_task_get_cancellable (task), final_reply_cb, task);
}

/* ---- USER_SRP_AUTH ---- */

/* The 3072-bit arithmetic runs on GIO's worker pool. */
static void
claim_thread (GTask        *claim_task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SignIn *data = task_data;
  GError *error = NULL;
  char   *signature;

  signature = ks_srp_client_compute_claim (data->srp, data->user_id, data->password, data->salt,
                                           data->srp_b, data->secret_block, data->timestamp,
                                           &error);
  if (signature == NULL)
    g_task_return_error (claim_task, error);
  else
    g_task_return_pointer (claim_task, signature, (GDestroyNotify) ks_cloud_secret_free);
}

static void
claim_ready_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCognitoClient *self = task_client (task);
  SignIn          *data = g_task_get_task_data (task);
  JsonObject      *body;
  JsonObject      *responses;
  GError          *error = NULL;
  char            *signature;

  signature = g_task_propagate_pointer (G_TASK (result), &error);
  if (signature == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }
  if (signature == NULL)
    {
      g_debug ("SRP claim: %s", error->message);
      g_error_free (error);
      return_protocol_error (task, "SRP challenge parameters");
      return;
    }

  body = ks_cognito_client_new_body (self);
  json_object_set_string_member (body, "ChallengeName", "PASSWORD_VERIFIER");
  if (data->session != NULL)
    json_object_set_string_member (body, "Session", data->session);
  responses = json_object_new ();
  json_object_set_string_member (responses, "USERNAME", data->user_id);
  json_object_set_string_member (responses, "PASSWORD_CLAIM_SECRET_BLOCK", data->secret_block);
  json_object_set_string_member (responses, "TIMESTAMP", data->timestamp);
  json_object_set_string_member (responses, "PASSWORD_CLAIM_SIGNATURE", signature);
  ks_cognito_client_add_secret_hash (self, responses, data->user_id);
  json_object_set_object_member (body, "ChallengeResponses", responses);
  ks_cloud_secret_free (signature);

  ks_cognito_client_call (self, "RespondToAuthChallenge", body, KS_COGNITO_CONTEXT_SIGN_IN,
                          g_task_get_cancellable (task), final_reply_cb,
                          g_object_ref (task));
}

static gboolean
read_challenge (SignIn     *data,
                JsonObject *reply)
{
  JsonNode   *node = json_object_get_member (reply, "ChallengeParameters");
  JsonObject *parameters;
  const char *user_id = NULL;
  const char *salt = NULL;
  const char *srp_b = NULL;
  const char *secret_block = NULL;
  const char *session = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  parameters = json_node_get_object (node);
  if (!ks_json_object_get_string_member_checked (parameters, "USER_ID_FOR_SRP", TRUE, &user_id,
                                                 NULL) ||
      !ks_json_object_get_string_member_checked (parameters, "SALT", TRUE, &salt, NULL) ||
      !ks_json_object_get_string_member_checked (parameters, "SRP_B", TRUE, &srp_b, NULL) ||
      !ks_json_object_get_string_member_checked (parameters, "SECRET_BLOCK", TRUE, &secret_block,
                                                 NULL) ||
      !ks_json_object_get_string_member_checked (reply, "Session", FALSE, &session, NULL))
    return FALSE;

  data->user_id = g_strdup (user_id);
  data->salt = g_strdup (salt);
  data->srp_b = g_strdup (srp_b);
  data->secret_block = g_strdup (secret_block);
  data->session = g_strdup (session);
  return TRUE;
}

static void
srp_challenge_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (KsCognitoReply) reply = NULL;
  g_autoptr (GTask) claim_task = NULL;
  g_autoptr (GDateTime) now = NULL;
  SignIn     *data = g_task_get_task_data (task);
  const char *challenge = NULL;
  GError     *error = NULL;

  reply = ks_cognito_call_finish (result, &error);
  if (reply == NULL)
    {
      if (data->flow == KS_AUTH_FLOW_AUTO &&
          g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_AUTH_FLOW))
        {
          g_debug ("USER_SRP_AUTH refused, trying USER_PASSWORD_AUTH");
          g_error_free (error);
          start_password (g_steal_pointer (&task));
          return;
        }
      g_task_return_error (task, error);
      return;
    }

  if (!ks_json_object_get_string_member_checked (reply, "ChallengeName", TRUE, &challenge, NULL) ||
      !g_str_equal (challenge, "PASSWORD_VERIFIER"))
    {
      return_tokens (task, reply);
      return;
    }
  if (!read_challenge (data, reply))
    {
      return_protocol_error (task, "PASSWORD_VERIFIER parameters");
      return;
    }

  now = g_date_time_new_now_utc ();
  data->timestamp = ks_srp_format_timestamp (now);
  claim_task = g_task_new (task_client (task), g_task_get_cancellable (task), claim_ready_cb,
                           g_object_ref (task));
  g_task_set_task_data (claim_task, data, NULL);
  g_task_run_in_thread (claim_task, claim_thread);
}

static void
srp_new_thread (GTask        *srp_task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError      *error = NULL;
  KsSrpClient *srp = ks_srp_client_new (task_data, &error);

  if (srp == NULL)
    g_task_return_error (srp_task, error);
  else
    g_task_return_pointer (srp_task, srp, (GDestroyNotify) ks_srp_client_free);
}

static void
srp_ready_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCognitoClient *self = task_client (task);
  SignIn          *data = g_task_get_task_data (task);
  JsonObject      *body;
  JsonObject      *parameters;
  GError          *error = NULL;

  data->srp = g_task_propagate_pointer (G_TASK (result), &error);
  if (data->srp == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }
  if (data->srp == NULL)
    {
      g_debug ("SRP: %s", error->message);
      g_error_free (error);
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                               _ ("The server’s user pool id is malformed: contact its "
                                  "administrator."));
      return;
    }

  body = ks_cognito_client_new_body (self);
  json_object_set_string_member (body, "AuthFlow", "USER_SRP_AUTH");
  parameters = json_object_new ();
  json_object_set_string_member (parameters, "USERNAME", data->username);
  json_object_set_string_member (parameters, "SRP_A", ks_srp_client_get_srp_a (data->srp));
  ks_cognito_client_add_secret_hash (self, parameters, data->username);
  json_object_set_object_member (body, "AuthParameters", parameters);

  ks_cognito_client_call (self, "InitiateAuth", body, KS_COGNITO_CONTEXT_SIGN_IN,
                          g_task_get_cancellable (task), srp_challenge_cb, g_object_ref (task));
}

void
ks_cognito_client_sign_in_async (KsCognitoClient    *self,
                                 const char         *username,
                                 const char         *password,
                                 KsAuthFlow          flow,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  GTask  *task;
  GTask  *srp_task;
  SignIn *data;

  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (username != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cognito_client_sign_in_async);
  data = g_new0 (SignIn, 1);
  data->username = g_strdup (username);
  data->password = g_strdup (password);
  data->flow = flow;
  g_task_set_task_data (task, data, (GDestroyNotify) sign_in_free);

  if (flow == KS_AUTH_FLOW_PASSWORD)
    {
      start_password (task);
      return;
    }

  srp_task = g_task_new (self, cancellable, srp_ready_cb, task);
  g_task_set_task_data (srp_task, g_strdup (ks_cognito_client_get_server (self)->user_pool_id),
                        g_free);
  g_task_run_in_thread (srp_task, srp_new_thread);
  g_object_unref (srp_task);
}

KsTokens *
ks_cognito_client_sign_in_finish (KsCognitoClient *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_cognito_client_sign_in_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
