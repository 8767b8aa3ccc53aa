/* ks-account.c: the server the app talks to and who is signed in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-account.h"
#include "ks-cloud-error.h"
#include "ks-local-server.h"
#include "ks-profile.h"

struct _KsAccount
{
  GObject parent_instance;

  GSettings     *settings;
  SoupSession   *soup;
  KsLocalServer *local_server; /* nullable: only for KS_LOCAL_PROFILE */
  KsProfile     *profile;      /* nullable until connected */
  KsSession     *session;      /* nullable until connected */
  KsApiClient   *api;          /* nullable until connected */
  gboolean       signed_in;
};

G_DEFINE_FINAL_TYPE (KsAccount, ks_account, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONNECTED,
  PROP_SIGNED_IN,
  PROP_USERNAME,
  PROP_SERVER_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_account_dispose (GObject *object)
{
  KsAccount *self = KS_ACCOUNT (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->api);
  g_clear_object (&self->session);
  g_clear_pointer (&self->profile, ks_profile_free);
  g_clear_object (&self->local_server);
  g_clear_object (&self->soup);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_account_parent_class)->dispose (object);
}

static void
ks_account_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KsAccount *self = KS_ACCOUNT (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, ks_account_get_connected (self));
      break;
    case PROP_SIGNED_IN:
      g_value_set_boolean (value, self->signed_in);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, ks_account_get_username (self));
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, ks_account_get_server_url (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_account_class_init (KsAccountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_account_dispose;
  object_class->get_property = ks_account_get_property;

  properties[PROP_CONNECTED] =
      g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SIGNED_IN] =
      g_param_spec_boolean ("signed-in", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_USERNAME] =
      g_param_spec_string ("username", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SERVER_URL] =
      g_param_spec_string ("server-url", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_account_init (KsAccount *self)
{
  self->soup = ks_cloud_soup_session_new ();
}

KsAccount *
ks_account_new (GSettings *settings)
{
  KsAccount *self = g_object_new (KS_TYPE_ACCOUNT, NULL);

  self->settings = g_object_ref (settings);
  return self;
}

gboolean
ks_account_get_connected (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), FALSE);

  return self->session != NULL;
}

gboolean
ks_account_get_signed_in (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), FALSE);

  return self->signed_in;
}

const char *
ks_account_get_username (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->signed_in ? ks_session_get_username (self->session) : NULL;
}

const char *
ks_account_get_last_username (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->profile != NULL ? self->profile->username : NULL;
}

const char *
ks_account_get_server_url (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->profile != NULL ? self->profile->url : NULL;
}

gboolean
ks_account_is_local (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), FALSE);

  return self->profile != NULL && g_str_equal (self->profile->name, KS_LOCAL_PROFILE);
}

SoupSession *
ks_account_get_soup (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->soup;
}

KsSession *
ks_account_get_session (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->session;
}

KsApiClient *
ks_account_get_api (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->api;
}

KsCognitoClient *
ks_account_get_cognito (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->session != NULL ? ks_session_get_cognito (self->session) : NULL;
}

const char *
ks_account_get_profile_name (KsAccount *self)
{
  g_return_val_if_fail (KS_IS_ACCOUNT (self), NULL);

  return self->profile != NULL ? self->profile->name : NULL;
}

gboolean
ks_account_has_profile (KsAccount *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "profile");

  return *name != '\0';
}

GPtrArray *
ks_account_list_known_profiles (KsAccount *self)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = ks_profile_list (NULL, &error);
  GPtrArray *profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_profile_free);

  g_return_val_if_fail (KS_IS_ACCOUNT (self), profiles);

  if (names == NULL)
    {
      g_debug ("No saved profiles: %s", error->message);
      return profiles;
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr (GError) load_error = NULL;
      KsProfile *profile = ks_profile_load (NULL, names[i], &load_error);

      if (profile == NULL)
        g_debug ("Profile “%s” left out: %s", names[i], load_error->message);
      else if (profile->username == NULL)
        ks_profile_free (profile);
      else
        g_ptr_array_add (profiles, profile);
    }
  return profiles;
}

void
ks_account_choose_profile (KsAccount  *self,
                           const char *name)
{
  g_return_if_fail (KS_IS_ACCOUNT (self));
  g_return_if_fail (ks_profile_name_is_valid (name));

  g_settings_set_string (self->settings, "profile", name);
}

static void
set_signed_in (KsAccount *self,
               gboolean   signed_in)
{
  if (self->signed_in == signed_in)
    return;
  self->signed_in = signed_in;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNED_IN]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

/* The session signs itself out when the server refuses its refresh
 * token; the window follows through "signed-in". Signing in is only
 * complete when the session's call finishes, not at its notification. */
static void
session_signed_in_cb (KsSession  *session,
                      GParamSpec *pspec,
                      KsAccount  *self)
{
  if (!ks_session_get_signed_in (session))
    set_signed_in (self, FALSE);
}

/* Takes @profile and builds the client objects over it. */
static void
use_profile (KsAccount *self,
             KsProfile *profile)
{
  g_autoptr (KsTokenStore) store = NULL;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->api);
  g_clear_object (&self->session);
  g_clear_pointer (&self->profile, ks_profile_free);

  self->profile = profile;
  if (profile != NULL)
    {
      store = ks_token_store_new (profile->token_store, NULL);
      self->session = ks_session_new (self->soup, profile, store);
      g_signal_connect (self->session, "notify::signed-in", G_CALLBACK (session_signed_in_cb), self);
      self->api = ks_api_client_new (self->soup, profile->server->api_url,
                                     KS_TOKEN_SOURCE (self->session));
    }

  set_signed_in (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
}

/* Profile names for servers by URL: the host and port, made valid. */
static char *
profile_name_for_url (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *name = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return g_strdup ("server");
  if (g_uri_get_port (uri) > 0)
    name = g_strdup_printf ("%s-%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else
    name = g_strdup (g_uri_get_host (uri));

  g_strcanon (name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_", '-');
  if (name[0] == '.')
    name[0] = '-';
  if (strlen (name) > 64)
    name[64] = '\0';
  if (g_str_equal (name, KS_LOCAL_PROFILE))
    return g_strdup ("local-server");
  return g_steal_pointer (&name);
}

/* --- Connecting: (local server) → discovery → profile. */

typedef struct
{
  char    *name;    /* profile name */
  char    *url;     /* nullable: the local server's, known once started */
  gboolean restore; /* open: restore the session afterwards */
} ConnectData;

static void
connect_data_free (ConnectData *data)
{
  g_free (data->name);
  g_free (data->url);
  g_free (data);
}

static void
restore_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsAccount *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (ks_session_restore_finish (KS_SESSION (source), result, &error))
    set_signed_in (self, TRUE);
  else if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN))
    g_debug ("No usable session stored: %s", error->message);
  else
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
discover_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsAccount   *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (KsServerInfo) server = NULL;
  g_autoptr (KsProfile) saved = NULL;
  g_autoptr (KsProfile) profile = NULL;
  g_autoptr (GError) error = NULL;

  server = ks_discover_finish (result, &error);
  if (server == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Keep what an earlier run knew (the username), take the new server
   * details: the local server's port changes on every start. */
  saved = ks_profile_load (NULL, data->name, NULL);
  profile = ks_profile_new (data->name, data->url, server);
  if (saved != NULL)
    {
      profile->username = g_strdup (saved->username);
      profile->token_store = saved->token_store;
    }

  if (!ks_profile_save (profile, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_settings_set_string (self->settings, "profile", data->name);
  use_profile (self, g_steal_pointer (&profile));

  if (data->restore && self->profile->username != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      ks_session_restore_async (self->session, self->profile->username, cancellable, restore_cb,
                                g_steal_pointer (&task));
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
discover (GTask *task)
{
  KsAccount   *self = g_task_get_source_object (task);
  ConnectData *data = g_task_get_task_data (task);

  ks_discover_async (self->soup, data->url, g_task_get_cancellable (task), discover_cb, task);
}

static void
local_server_started_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  ConnectData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  data->url = ks_local_server_start_finish (KS_LOCAL_SERVER (source), result, &error);
  if (data->url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  discover (g_steal_pointer (&task));
}

static void
connect_start (KsAccount *self,
               GTask     *task)
{
  ConnectData *data = g_task_get_task_data (task);

  if (g_str_equal (data->name, KS_LOCAL_PROFILE))
    {
      if (self->local_server == NULL)
        self->local_server = ks_local_server_new ();
      ks_local_server_start_async (self->local_server, g_task_get_cancellable (task),
                                   local_server_started_cb, task);
    }
  else
    discover (task);
}

void
ks_account_open_async (KsAccount          *self,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (KsProfile) profile = NULL;
  g_autoptr (GError) error = NULL;
  ConnectData *data;

  g_return_if_fail (KS_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_account_open_async);

  data = g_new0 (ConnectData, 1);
  data->name = g_settings_get_string (self->settings, "profile");
  data->restore = TRUE;
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);

  profile = ks_profile_load (NULL, data->name, &error);
  if (profile == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!g_str_equal (data->name, KS_LOCAL_PROFILE))
    data->url = g_strdup (profile->url);

  connect_start (self, g_steal_pointer (&task));
}

gboolean
ks_account_open_finish (KsAccount    *self,
                        GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ks_account_connect_async (KsAccount          *self,
                          const char         *url,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  ConnectData *data;

  g_return_if_fail (KS_IS_ACCOUNT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_account_connect_async);

  data = g_new0 (ConnectData, 1);
  data->name = url != NULL ? profile_name_for_url (url) : g_strdup (KS_LOCAL_PROFILE);
  data->url = g_strdup (url);
  g_task_set_task_data (task, data, (GDestroyNotify) connect_data_free);

  connect_start (self, g_steal_pointer (&task));
}

gboolean
ks_account_connect_finish (KsAccount    *self,
                           GAsyncResult *result,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ks_account_disconnect (KsAccount *self)
{
  g_return_if_fail (KS_IS_ACCOUNT (self));

  g_settings_set_string (self->settings, "profile", "");
  use_profile (self, NULL);
  if (self->local_server != NULL)
    ks_local_server_stop (self->local_server);
}

/* --- Signing in and out */

static void
me_cb (GObject      *source,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  /* The server records a user at their first API call; friends can only
   * add people it knows. */
  if (!ks_api_client_get_me_finish (KS_API_CLIENT (source), result, NULL, NULL, &error))
    g_debug ("GET /me: %s", error->message);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsAccount *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) save_error = NULL;
  char *warning = NULL;

  if (!ks_session_sign_in_finish (KS_SESSION (source), result, &error))
    {
      if (!ks_session_get_signed_in (KS_SESSION (source)))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* Signed in, but the keyring could not keep the token. */
      warning = g_strdup (error->message);
    }

  g_free (self->profile->username);
  self->profile->username = g_strdup (ks_session_get_username (self->session));
  if (!ks_profile_save (self->profile, NULL, &save_error))
    g_warning ("Could not save the profile: %s", save_error->message);

  set_signed_in (self, TRUE);
  ks_api_client_get_me_async (self->api, NULL, me_cb, NULL);
  g_task_return_pointer (task, warning, g_free);
}

void
ks_account_sign_in_async (KsAccount          *self,
                          const char         *username,
                          const char         *password,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KS_IS_ACCOUNT (self));
  g_return_if_fail (self->session != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_account_sign_in_async);
  ks_session_sign_in_async (self->session, username, password, KS_AUTH_FLOW_AUTO,
                            cancellable, sign_in_cb, g_steal_pointer (&task));
}

gboolean
ks_account_sign_in_finish (KsAccount    *self,
                           GAsyncResult *result,
                           char        **out_warning,
                           GError      **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *warning = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  warning = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (out_warning != NULL)
    *out_warning = g_steal_pointer (&warning);
  return TRUE;
}

static void
sign_out_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsAccount *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (!ks_session_sign_out_finish (KS_SESSION (source), result, &error))
    g_debug ("Signing out: %s", error->message);
  set_signed_in (self, FALSE);
  g_task_return_boolean (task, TRUE);
}

void
ks_account_sign_out_async (KsAccount          *self,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KS_IS_ACCOUNT (self));
  g_return_if_fail (self->session != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_account_sign_out_async);
  ks_session_sign_out_async (self->session, cancellable, sign_out_cb, g_steal_pointer (&task));
}

gboolean
ks_account_sign_out_finish (KsAccount    *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ks_account_shutdown (KsAccount *self)
{
  g_return_if_fail (KS_IS_ACCOUNT (self));

  if (self->local_server != NULL)
    ks_local_server_stop (self->local_server);
}
