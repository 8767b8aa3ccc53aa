/* ks-session.c: tokens of one signed-in user, refreshed one at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-cloud-private.h"
#include "ks-json.h"
#include "ks-jwt.h"
#include "ks-session.h"

/* Refresh when less than this is left, or a quarter of the lifetime. */
#define REFRESH_MARGIN_SECONDS 300

struct _KsSession
{
  GObject          parent_instance;
  SoupSession     *soup;
  KsProfile       *profile;
  KsTokenStore    *store;
  KsCognitoClient *cognito;
  char            *username; /* nullable */
  char            *user_id;  /* nullable */
  KsTokens        *tokens;   /* nullable; access and ID tokens may be NULL */
  GPtrArray       *waiters;  /* GTask, for the refresh in flight */
  gboolean         refreshing;
  guint            generation; /* changes at each sign-in and sign-out */
};

static void ks_session_token_source_init (KsTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsSession, ks_session, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_TOKEN_SOURCE, ks_session_token_source_init))

enum
{
  PROP_0,
  PROP_PROFILE,
  PROP_USERNAME,
  PROP_SIGNED_IN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GError *
not_signed_in_error (void)
{
  return g_error_new_literal (KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN,
                              _ ("You are signed out. Sign in again to continue."));
}

/* ---- State ---- */

static void
set_state (KsSession  *self,
           const char *username,
           KsTokens   *tokens)
{
  gboolean was_signed_in = self->tokens != NULL;
  gboolean username_changed = g_strcmp0 (self->username, username) != 0;
  g_autoptr (JsonObject) claims = NULL;
  const char *sub = NULL;

  g_clear_pointer (&self->tokens, ks_tokens_free);
  g_clear_pointer (&self->user_id, g_free);
  self->tokens = tokens;
  if (username_changed)
    {
      g_free (self->username);
      self->username = g_strdup (username);
    }

  if (tokens != NULL && tokens->id_token != NULL &&
      (claims = ks_jwt_peek_claims (tokens->id_token, NULL)) != NULL &&
      ks_json_object_get_string_member_checked (claims, "sub", TRUE, &sub, NULL))
    self->user_id = g_strdup (sub);

  if (username_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
  if (was_signed_in != (tokens != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
}

/* The pool's own spelling of the name, which SECRET_HASH needs. */
static char *
username_from_tokens (const KsTokens *tokens,
                      const char     *fallback)
{
  g_autoptr (JsonObject) claims = ks_jwt_peek_claims (tokens->access_token, NULL);
  const char *username = NULL;

  if (claims != NULL &&
      ks_json_object_get_string_member_checked (claims, "username", TRUE, &username, NULL) &&
      *username != '\0')
    return g_strdup (username);
  return g_strdup (fallback);
}

static gboolean
token_is_fresh (KsSession *self)
{
  const KsTokens *tokens = self->tokens;
  gint64          margin;

  if (tokens == NULL || tokens->access_token == NULL)
    return FALSE;

  margin = MIN (REFRESH_MARGIN_SECONDS, tokens->expires_in / 4);
  return g_get_real_time () < tokens->obtained_at + (tokens->expires_in - margin) * G_USEC_PER_SEC;
}

static void
store_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!ks_token_store_clear_finish (KS_TOKEN_STORE (source), result, &error))
    g_debug ("Could not remove the stored sign-in: %s", error->message);
}

static void
store_saved_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  if (!ks_token_store_save_finish (KS_TOKEN_STORE (source), result, &error))
    g_debug ("Could not store the new refresh token: %s", error->message);
}

/* ---- Refresh: one at a time, for every waiter ---- */

typedef struct
{
  KsSession *self; /* owned */
  guint      generation;
} RefreshData;

static void
answer_waiters (KsSession    *self,
                const GError *error)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&self->waiters);

  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (g_task_return_error_if_cancelled (task))
        continue;
      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, g_strdup (self->tokens->access_token),
                               (GDestroyNotify) ks_cloud_secret_free);
    }
}

static void
refresh_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  RefreshData *data = user_data;
  KsSession   *self = data->self;
  g_autoptr (GError) error = NULL;
  KsTokens *tokens;

  tokens = ks_cognito_client_refresh_finish (KS_COGNITO_CLIENT (source), result, &error);
  if (data->generation == self->generation)
    self->refreshing = FALSE;

  if (data->generation != self->generation)
    {
      /* Signed out (or in again) meanwhile: the waiters were answered. */
      g_clear_pointer (&tokens, ks_tokens_free);
    }
  else if (tokens != NULL)
    {
      g_autofree char *username = username_from_tokens (tokens, self->username);

      if (tokens->refresh_token != NULL)
        ks_token_store_save_async (self->store, self->profile->name, username,
                                   tokens->refresh_token, NULL, store_saved_cb, NULL);
      else
        tokens->refresh_token = g_strdup (self->tokens->refresh_token);
      set_state (self, username, tokens);
      answer_waiters (self, NULL);
    }
  else if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN))
    {
      g_debug ("Refresh token refused: signing out");
      ks_token_store_clear_async (self->store, self->profile->name, self->username, NULL,
                                  store_done_cb, NULL);
      self->generation++;
      set_state (self, NULL, NULL);
      answer_waiters (self, error);
    }
  else
    answer_waiters (self, error);

  g_object_unref (data->self);
  g_free (data);
}

static void
start_refresh (KsSession *self)
{
  RefreshData *data;

  if (self->refreshing)
    return;

  data = g_new0 (RefreshData, 1);
  data->self = g_object_ref (self);
  data->generation = self->generation;
  self->refreshing = TRUE;
  ks_cognito_client_refresh_async (self->cognito, self->username, self->tokens->refresh_token,
                                   NULL, refresh_cb, data);
}

static void
ks_session_get_access_token_async (KsTokenSource      *source,
                                   const char         *rejected,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  KsSession *self = KS_SESSION (source);
  GTask     *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ks_session_get_access_token_async);

  if (self->tokens == NULL)
    {
      g_task_return_error (task, not_signed_in_error ());
      g_object_unref (task);
      return;
    }
  if (token_is_fresh (self) && g_strcmp0 (rejected, self->tokens->access_token) != 0)
    {
      g_task_return_pointer (task, g_strdup (self->tokens->access_token),
                             (GDestroyNotify) ks_cloud_secret_free);
      g_object_unref (task);
      return;
    }

  g_ptr_array_add (self->waiters, task);
  start_refresh (self);
}

static char *
ks_session_get_access_token_finish (KsTokenSource *source,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ks_session_token_source_init (KsTokenSourceInterface *iface)
{
  iface->get_access_token_async = ks_session_get_access_token_async;
  iface->get_access_token_finish = ks_session_get_access_token_finish;
}

/* ---- GObject ---- */

static void
ks_session_dispose (GObject *object)
{
  KsSession *self = KS_SESSION (object);

  g_clear_object (&self->cognito);
  g_clear_object (&self->store);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (ks_session_parent_class)->dispose (object);
}

static void
ks_session_finalize (GObject *object)
{
  KsSession *self = KS_SESSION (object);

  g_clear_pointer (&self->profile, ks_profile_free);
  g_free (self->username);
  g_free (self->user_id);
  g_clear_pointer (&self->tokens, ks_tokens_free);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (ks_session_parent_class)->finalize (object);
}

static void
ks_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KsSession *self = KS_SESSION (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_string (value, ks_session_get_profile_name (self));
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_SIGNED_IN:
      g_value_set_boolean (value, self->tokens != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_session_class_init (KsSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_session_dispose;
  object_class->finalize = ks_session_finalize;
  object_class->get_property = ks_session_get_property;

  properties[PROP_PROFILE] =
      g_param_spec_string ("profile", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_USERNAME] =
      g_param_spec_string ("username", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SIGNED_IN] =
      g_param_spec_boolean ("signed-in", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_session_init (KsSession *self)
{
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
}

KsSession *
ks_session_new (SoupSession     *soup,
                const KsProfile *profile,
                KsTokenStore    *store)
{
  KsSession *self;

  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (profile != NULL && profile->server != NULL, NULL);
  g_return_val_if_fail (KS_IS_TOKEN_STORE (store), NULL);

  self = g_object_new (KS_TYPE_SESSION, NULL);
  self->soup = g_object_ref (soup);
  self->profile = ks_profile_copy (profile);
  self->store = g_object_ref (store);
  self->cognito = ks_cognito_client_new (soup, profile->server);
  return self;
}

const char *
ks_session_get_profile_name (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);

  return self->profile != NULL ? self->profile->name : NULL;
}

const char *
ks_session_get_username (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);

  return self->username;
}

gboolean
ks_session_get_signed_in (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), FALSE);

  return self->tokens != NULL;
}

KsCognitoClient *
ks_session_get_cognito (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);

  return self->cognito;
}

const char *
ks_session_get_user_id (KsSession *self)
{
  g_return_val_if_fail (KS_IS_SESSION (self), NULL);

  return self->user_id;
}

gint64
ks_session_get_access_token_lifetime (KsSession *self)
{
  gint64 left;

  g_return_val_if_fail (KS_IS_SESSION (self), -1);

  if (self->tokens == NULL || self->tokens->access_token == NULL)
    return -1;

  left = self->tokens->obtained_at + self->tokens->expires_in * G_USEC_PER_SEC - g_get_real_time ();
  return MAX (left, 0) / G_USEC_PER_SEC;
}

/* Starts over: whatever was in flight answers to nobody. */
static void
reset (KsSession  *self,
       const char *username,
       KsTokens   *tokens)
{
  g_autoptr (GError) error = not_signed_in_error ();

  self->generation++;
  self->refreshing = FALSE;
  set_state (self, username, tokens);
  answer_waiters (self, error);
}

/* ---- Sign-in ---- */

static void
sign_in_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (ks_token_store_save_finish (KS_TOKEN_STORE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsSession       *self = g_task_get_source_object (task);
  g_autofree char *username = NULL;
  GError          *error = NULL;
  KsTokens        *tokens;

  tokens = ks_cognito_client_sign_in_finish (KS_COGNITO_CLIENT (source), result, &error);
  if (tokens == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  username = username_from_tokens (tokens, g_task_get_task_data (task));
  reset (self, username, tokens);
  ks_token_store_save_async (self->store, self->profile->name, username, tokens->refresh_token,
                             g_task_get_cancellable (task), sign_in_saved_cb,
                             g_object_ref (task));
}

void
ks_session_sign_in_async (KsSession          *self,
                          const char         *username,
                          const char         *password,
                          KsAuthFlow          flow,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KS_IS_SESSION (self));
  g_return_if_fail (username != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_session_sign_in_async);
  g_task_set_task_data (task, g_strdup (username), g_free);
  ks_cognito_client_sign_in_async (self->cognito, username, password, flow, cancellable,
                                   sign_in_cb, task);
}

gboolean
ks_session_sign_in_finish (KsSession    *self,
                           GAsyncResult *result,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_session_sign_in_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Restore ---- */

static void
restore_refreshed_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  char   *token;

  token = ks_token_source_get_access_token_finish (KS_TOKEN_SOURCE (source), result, &error);
  if (token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  ks_cloud_secret_free (token);
  g_task_return_boolean (task, TRUE);
}

static void
restore_lookup_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsSession *self = g_task_get_source_object (task);
  GError    *error = NULL;
  KsTokens  *tokens;
  char      *refresh_token;

  refresh_token = ks_token_store_lookup_finish (KS_TOKEN_STORE (source), result, &error);
  if (refresh_token == NULL)
    {
      g_task_return_error (task, error != NULL ? error : not_signed_in_error ());
      return;
    }

  /* Signed in from here on; the refresh fills in the access token. */
  tokens = g_new0 (KsTokens, 1);
  tokens->refresh_token = refresh_token;
  reset (self, g_task_get_task_data (task), tokens);
  ks_token_source_get_access_token_async (KS_TOKEN_SOURCE (self), NULL,
                                          g_task_get_cancellable (task), restore_refreshed_cb,
                                          g_object_ref (task));
}

void
ks_session_restore_async (KsSession          *self,
                          const char         *username,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KS_IS_SESSION (self));
  g_return_if_fail (username != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_session_restore_async);
  g_task_set_task_data (task, g_strdup (username), g_free);
  ks_token_store_lookup_async (self->store, self->profile->name, username, cancellable,
                               restore_lookup_cb, task);
}

gboolean
ks_session_restore_finish (KsSession    *self,
                           GAsyncResult *result,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_session_restore_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Sign-out ---- */

static void
sign_out_cleared_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (ks_token_store_clear_finish (KS_TOKEN_STORE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
global_sign_out_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  /* Best effort: the local sign-out happens whatever the server says. */
  if (!ks_cognito_client_global_sign_out_finish (KS_COGNITO_CLIENT (source), result, &error))
    g_debug ("GlobalSignOut failed: %s", error->message);

  ks_token_store_clear_async (self->store, self->profile->name, g_task_get_task_data (task),
                              NULL, sign_out_cleared_cb, g_object_ref (task));
}

void
ks_session_sign_out_async (KsSession          *self,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  GTask *task;
  char  *access_token = NULL;

  g_return_if_fail (KS_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_session_sign_out_async);
  if (self->username == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  g_task_set_task_data (task, g_strdup (self->username), g_free);
  if (self->tokens != NULL)
    access_token = g_strdup (self->tokens->access_token);
  reset (self, NULL, NULL);

  if (access_token != NULL)
    ks_cognito_client_global_sign_out_async (self->cognito, access_token, cancellable,
                                             global_sign_out_cb, task);
  else
    ks_token_store_clear_async (self->store, self->profile->name, g_task_get_task_data (task),
                                NULL, sign_out_cleared_cb, task);
  ks_cloud_secret_free (access_token);
}

gboolean
ks_session_sign_out_finish (KsSession    *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_session_sign_out_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
