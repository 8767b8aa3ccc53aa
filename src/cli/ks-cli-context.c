/* ks-cli-context.c: the profile, token store, session and API client a
 * command works with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

G_DEFINE_QUARK (ks - cli - error - quark, ks_cli_error)

void
ks_cli_clear (KsCli *cli)
{
  g_clear_object (&cli->limiter);
  g_clear_pointer (&cli->limit_rate_opt, g_free);
  g_clear_object (&cli->api);
  g_clear_object (&cli->session);
  g_clear_object (&cli->store);
  g_clear_object (&cli->soup);
  g_clear_pointer (&cli->profile, ks_profile_free);
  g_clear_object (&cli->cancellable);
  g_clear_pointer (&cli->profile_name, g_free);
  g_clear_pointer (&cli->token_store_opt, g_free);
  g_clear_pointer (&cli->config_dir, g_free);
}

void
ks_cli_store_result_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

void
ks_cli_wait (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
}

SoupSession *
ks_cli_get_soup (KsCli *cli)
{
  if (cli->soup == NULL)
    cli->soup = ks_cloud_soup_session_new ();
  return cli->soup;
}

gboolean
ks_cli_parse_token_store (const char       *text,
                          KsTokenStoreKind *out_kind,
                          GError          **error)
{
  if (g_strcmp0 (text, "secret-service") == 0)
    *out_kind = KS_TOKEN_STORE_SECRET_SERVICE;
  else if (g_strcmp0 (text, "file") == 0)
    *out_kind = KS_TOKEN_STORE_FILE;
  else
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
                   _ ("Unknown token store “%s”: use “secret-service” or “file”."), text);
      return FALSE;
    }
  return TRUE;
}

KsProfile *
ks_cli_load_profile (KsCli   *cli,
                     GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) names = NULL;

  if (cli->profile != NULL)
    return cli->profile;

  names = ks_profile_list (cli->config_dir, &local_error);
  if (names == NULL && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (names == NULL || names[0] == NULL)
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("No server is set up for profile “%s”: run “keepsake-cli server add URL” first."),
                   cli->profile_name);
      return NULL;
    }
  /* Others are (the app's, say): one of them may be what was meant. */
  if (!g_strv_contains ((const char *const *) names, cli->profile_name))
    {
      g_autofree char *known = g_strjoinv (", ", names);

      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG,
                   _ ("No server is set up for profile “%s”: run “keepsake-cli server add URL” first, "
                      "or choose a profile set up here with --profile (%s)."),
                   cli->profile_name, known);
      return NULL;
    }

  cli->profile = ks_profile_load (cli->config_dir, cli->profile_name, error);
  return cli->profile;
}

KsTokenStore *
ks_cli_get_token_store (KsCli   *cli,
                        GError **error)
{
  KsTokenStoreKind kind;

  if (cli->store != NULL)
    return cli->store;

  if (cli->token_store_opt != NULL)
    {
      if (!ks_cli_parse_token_store (cli->token_store_opt, &kind, error))
        return NULL;
    }
  else if (ks_cli_load_profile (cli, error) != NULL)
    kind = cli->profile->token_store;
  else
    return NULL;

  cli->store = ks_token_store_new (kind, NULL);
  return cli->store;
}

static KsSession *
ensure_session (KsCli   *cli,
                GError **error)
{
  KsTokenStore *store;

  if (cli->session != NULL)
    return cli->session;

  if (ks_cli_load_profile (cli, error) == NULL)
    return NULL;
  store = ks_cli_get_token_store (cli, error);
  if (store == NULL)
    return NULL;

  cli->session = ks_session_new (ks_cli_get_soup (cli), cli->profile, store);
  return cli->session;
}

static void
make_api (KsCli *cli)
{
  g_clear_object (&cli->api);
  cli->api = ks_api_client_new (ks_cli_get_soup (cli), cli->profile->server->api_url,
                                KS_TOKEN_SOURCE (cli->session));
}

/* The library says "sign in again"; here that means a command. */
static void
set_not_signed_in (KsCli   *cli,
                   GError **error)
{
  if (g_strcmp0 (cli->profile_name, "default") == 0)
    g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN,
                 _ ("You are not signed in: run “keepsake-cli login USERNAME” first."));
  else
    g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN,
                 _ ("You are not signed in: run “keepsake-cli --profile %s login USERNAME” first."),
                 cli->profile_name);
}

gboolean
ks_cli_connect (KsCli   *cli,
                GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) local_error = NULL;
  KsSession *session;

  if (cli->api != NULL)
    return TRUE;

  session = ensure_session (cli, error);
  if (session == NULL)
    return FALSE;
  if (cli->profile->username == NULL)
    {
      set_not_signed_in (cli, error);
      return FALSE;
    }

  ks_session_restore_async (session, cli->profile->username, cli->cancellable,
                            ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_session_restore_finish (session, result, &local_error))
    {
      if (g_error_matches (local_error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN))
        set_not_signed_in (cli, error);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  make_api (cli);
  return TRUE;
}

KsSession *
ks_cli_new_session (KsCli   *cli,
                    GError **error)
{
  KsSession *session = ensure_session (cli, error);

  if (session != NULL)
    make_api (cli);
  return session;
}
