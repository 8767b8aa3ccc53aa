/* ks-cognito-client.c: Cognito user pool operations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-cognito-client.h"
#include "ks-cognito-private.h"
#include "ks-json.h"
#include "ks-srp.h"

struct _KsCognitoClient
{
  GObject       parent_instance;
  SoupSession  *session; /* owned */
  KsServerInfo *server;  /* owned */
};

G_DEFINE_FINAL_TYPE (KsCognitoClient, ks_cognito_client, G_TYPE_OBJECT)

static void
ks_cognito_client_finalize (GObject *object)
{
  KsCognitoClient *self = KS_COGNITO_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->server, ks_server_info_free);

  G_OBJECT_CLASS (ks_cognito_client_parent_class)->finalize (object);
}

static void
ks_cognito_client_class_init (KsCognitoClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_cognito_client_finalize;
}

static void
ks_cognito_client_init (KsCognitoClient *self)
{
}

KsCognitoClient *
ks_cognito_client_new (SoupSession        *session,
                       const KsServerInfo *server)
{
  KsCognitoClient *self;

  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (server != NULL, NULL);

  self = g_object_new (KS_TYPE_COGNITO_CLIENT, NULL);
  self->session = g_object_ref (session);
  self->server = ks_server_info_copy (server);
  return self;
}

/* ---- Requests ---- */

static JsonObject *
new_body (KsCognitoClient *self)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "ClientId", self->server->client_id);
  return body;
}

static void
add_secret_hash (KsCognitoClient *self,
                 JsonObject      *object,
                 const char      *member,
                 const char      *username)
{
  char *hash;

  if (self->server->client_secret == NULL)
    return;

  hash = ks_cognito_secret_hash (username, self->server->client_id, self->server->client_secret);
  json_object_set_string_member (object, member, hash);
  ks_cloud_secret_free (hash);
}

/* Username operations: ClientId, Username, SecretHash. */
static JsonObject *
new_user_body (KsCognitoClient *self,
               const char      *username)
{
  JsonObject *body = new_body (self);

  json_object_set_string_member (body, "Username", username);
  add_secret_hash (self, body, "SecretHash", username);
  return body;
}

static void
call (KsCognitoClient    *self,
      const char         *operation,
      JsonObject         *body,
      KsCognitoContext    context,
      GCancellable       *cancellable,
      GAsyncReadyCallback callback,
      gpointer            user_data)
{
  ks_cognito_call_async (self->session, self->server->cognito_endpoint, operation, body, context,
                         self, cancellable, callback, user_data);
  json_object_unref (body);
}

/* Operations whose reply only says it worked. */
static void
empty_reply_cb (GObject      *source,
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
    g_task_return_boolean (task, TRUE);
}

static void
call_for_boolean (KsCognitoClient    *self,
                  gpointer            source_tag,
                  const char         *operation,
                  JsonObject         *body,
                  KsCognitoContext    context,
                  GCancellable       *cancellable,
                  GAsyncReadyCallback callback,
                  gpointer            user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  call (self, operation, body, context, cancellable, empty_reply_cb, task);
}

static gboolean
finish_boolean (KsCognitoClient *self,
                GAsyncResult    *result,
                gpointer         source_tag,
                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- SignUp and codes ---- */

static void
sign_up_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (KsCognitoReply) reply = NULL;
  GError  *error = NULL;
  gboolean confirmed = FALSE;

  reply = ks_cognito_call_finish (result, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!ks_json_object_get_boolean_member_checked (reply, "UserConfirmed", TRUE, &confirmed,
                                                  &error))
    {
      g_debug ("SignUp reply: %s", error->message);
      g_error_free (error);
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                               _ ("The sign-in service sent a reply Keepsake does not understand."));
      return;
    }

  g_task_return_int (task, confirmed ? 1 : 0);
}

char *
ks_cognito_client_describe_password_policy (KsCognitoClient *self)
{
  g_return_val_if_fail (KS_IS_COGNITO_CLIENT (self), NULL);

  if (self->server->password_policy == NULL)
    return NULL;
  return ks_cloud_describe_password_policy (self->server->password_policy);
}

/* Reports the rule @password breaks, if the policy is known and it
 * breaks one; the server checks again. */
static gboolean
refuse_new_password (KsCognitoClient    *self,
                     const char         *password,
                     gpointer            source_tag,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  const KsPasswordPolicy *policy = self->server->password_policy;
  KsPasswordProblem       problem;

  if (policy == NULL)
    return FALSE;
  problem = ks_password_policy_check (policy, password);
  if (problem == KS_PASSWORD_PROBLEM_NONE)
    return FALSE;

  g_task_report_error (self, callback, user_data, source_tag, ks_cloud_error_new_password (policy, problem));
  return TRUE;
}

void
ks_cognito_client_sign_up_async (KsCognitoClient    *self,
                                 const char         *username,
                                 const char         *password,
                                 const char         *email,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  GTask      *task;
  JsonObject *body;
  JsonArray  *attributes;

  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (username != NULL && password != NULL);

  if (refuse_new_password (self, password, ks_cognito_client_sign_up_async, callback, user_data))
    return;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cognito_client_sign_up_async);

  body = new_user_body (self, username);
  json_object_set_string_member (body, "Password", password);
  attributes = json_array_new ();
  if (email != NULL)
    {
      JsonObject *attribute = json_object_new ();

      json_object_set_string_member (attribute, "Name", "email");
      json_object_set_string_member (attribute, "Value", email);
      json_array_add_object_element (attributes, attribute);
    }
  json_object_set_array_member (body, "UserAttributes", attributes);

  call (self, "SignUp", body, KS_COGNITO_CONTEXT_OTHER, cancellable, sign_up_cb, task);
}

gboolean
ks_cognito_client_sign_up_finish (KsCognitoClient *self,
                                  GAsyncResult    *result,
                                  gboolean        *out_confirmed,
                                  GError         **error)
{
  gssize confirmed;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_cognito_client_sign_up_async,
                        FALSE);

  confirmed = g_task_propagate_int (G_TASK (result), error);
  if (confirmed < 0)
    return FALSE;
  if (out_confirmed != NULL)
    *out_confirmed = confirmed == 1;
  return TRUE;
}

void
ks_cognito_client_confirm_sign_up_async (KsCognitoClient    *self,
                                         const char         *username,
                                         const char         *code,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  JsonObject *body;

  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (username != NULL && code != NULL);

  body = new_user_body (self, username);
  json_object_set_string_member (body, "ConfirmationCode", code);
  call_for_boolean (self, ks_cognito_client_confirm_sign_up_async, "ConfirmSignUp", body,
                    KS_COGNITO_CONTEXT_OTHER, cancellable, callback, user_data);
}

gboolean
ks_cognito_client_confirm_sign_up_finish (KsCognitoClient *self,
                                          GAsyncResult    *result,
                                          GError         **error)
{
  return finish_boolean (self, result, ks_cognito_client_confirm_sign_up_async, error);
}

void
ks_cognito_client_resend_code_async (KsCognitoClient    *self,
                                     const char         *username,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (username != NULL);

  call_for_boolean (self, ks_cognito_client_resend_code_async, "ResendConfirmationCode",
                    new_user_body (self, username), KS_COGNITO_CONTEXT_OTHER, cancellable,
                    callback, user_data);
}

gboolean
ks_cognito_client_resend_code_finish (KsCognitoClient *self,
                                      GAsyncResult    *result,
                                      GError         **error)
{
  return finish_boolean (self, result, ks_cognito_client_resend_code_async, error);
}

/* ---- Passwords ---- */

void
ks_cognito_client_forgot_password_async (KsCognitoClient    *self,
                                         const char         *username,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (username != NULL);

  call_for_boolean (self, ks_cognito_client_forgot_password_async, "ForgotPassword",
                    new_user_body (self, username), KS_COGNITO_CONTEXT_OTHER, cancellable,
                    callback, user_data);
}

gboolean
ks_cognito_client_forgot_password_finish (KsCognitoClient *self,
                                          GAsyncResult    *result,
                                          GError         **error)
{
  return finish_boolean (self, result, ks_cognito_client_forgot_password_async, error);
}

void
ks_cognito_client_confirm_forgot_password_async (KsCognitoClient    *self,
                                                 const char         *username,
                                                 const char         *code,
                                                 const char         *new_password,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data)
{
  JsonObject *body;

  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (username != NULL && code != NULL && new_password != NULL);

  if (refuse_new_password (self, new_password, ks_cognito_client_confirm_forgot_password_async, callback,
                           user_data))
    return;

  body = new_user_body (self, username);
  json_object_set_string_member (body, "ConfirmationCode", code);
  json_object_set_string_member (body, "Password", new_password);
  call_for_boolean (self, ks_cognito_client_confirm_forgot_password_async,
                    "ConfirmForgotPassword", body, KS_COGNITO_CONTEXT_OTHER, cancellable, callback,
                    user_data);
}

gboolean
ks_cognito_client_confirm_forgot_password_finish (KsCognitoClient *self,
                                                  GAsyncResult    *result,
                                                  GError         **error)
{
  return finish_boolean (self, result, ks_cognito_client_confirm_forgot_password_async, error);
}

/* ---- Tokens ---- */

static void
tokens_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (KsCognitoReply) reply = NULL;
  GError   *error = NULL;
  KsTokens *tokens;

  reply = ks_cognito_call_finish (result, &error);
  if (reply != NULL && (tokens = ks_cognito_tokens_from_reply (reply, FALSE, &error)) != NULL)
    {
      /* Cognito may rotate it; otherwise the caller keeps the one it has. */
      g_task_return_pointer (task, tokens, (GDestroyNotify) ks_tokens_free);
      return;
    }

  g_task_return_error (task, error);
}

void
ks_cognito_client_refresh_async (KsCognitoClient    *self,
                                 const char         *username,
                                 const char         *refresh_token,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  GTask      *task;
  JsonObject *body;
  JsonObject *parameters;

  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (refresh_token != NULL);
  g_return_if_fail (username != NULL || self->server->client_secret == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cognito_client_refresh_async);

  body = new_body (self);
  json_object_set_string_member (body, "AuthFlow", "REFRESH_TOKEN_AUTH");
  parameters = json_object_new ();
  json_object_set_string_member (parameters, "REFRESH_TOKEN", refresh_token);
  add_secret_hash (self, parameters, "SECRET_HASH", username);
  json_object_set_object_member (body, "AuthParameters", parameters);

  call (self, "InitiateAuth", body, KS_COGNITO_CONTEXT_REFRESH, cancellable, tokens_cb, task);
}

KsTokens *
ks_cognito_client_refresh_finish (KsCognitoClient *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_cognito_client_refresh_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ks_cognito_client_global_sign_out_async (KsCognitoClient    *self,
                                         const char         *access_token,
                                         GCancellable       *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer            user_data)
{
  JsonObject *body;

  g_return_if_fail (KS_IS_COGNITO_CLIENT (self));
  g_return_if_fail (access_token != NULL);

  body = json_object_new ();
  json_object_set_string_member (body, "AccessToken", access_token);
  call_for_boolean (self, ks_cognito_client_global_sign_out_async, "GlobalSignOut", body,
                    KS_COGNITO_CONTEXT_TOKEN, cancellable, callback, user_data);
}

gboolean
ks_cognito_client_global_sign_out_finish (KsCognitoClient *self,
                                          GAsyncResult    *result,
                                          GError         **error)
{
  return finish_boolean (self, result, ks_cognito_client_global_sign_out_async, error);
}

/* Sign-in lives in ks-cognito-sign-in.c; it needs these. */
void
ks_cognito_client_call (KsCognitoClient    *self,
                        const char         *operation,
                        JsonObject         *body,
                        KsCognitoContext    context,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  call (self, operation, body, context, cancellable, callback, user_data);
}

JsonObject *
ks_cognito_client_new_body (KsCognitoClient *self)
{
  return new_body (self);
}

void
ks_cognito_client_add_secret_hash (KsCognitoClient *self,
                                   JsonObject      *object,
                                   const char      *username)
{
  add_secret_hash (self, object, "SECRET_HASH", username);
}

const KsServerInfo *
ks_cognito_client_get_server (KsCognitoClient *self)
{
  return self->server;
}
