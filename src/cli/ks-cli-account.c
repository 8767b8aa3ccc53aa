/* ks-cli-account.c: server add, signup, confirm, login, logout, whoami
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

static int
print_done (KsCli      *cli,
            JsonNode   *node,
            const char *text)
{
  g_autoptr (JsonNode) owned = node;

  if (cli->json)
    ks_cli_print_json (node);
  else
    g_print ("%s\n", text);
  return KS_CLI_EXIT_OK;
}

/* Forget who was signed in to this profile, here and in the token store. */
static void
forget_user (KsCli     *cli,
             KsProfile *profile)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  KsTokenStore *store;

  if (profile->username == NULL)
    return;
  store = ks_token_store_new (profile->token_store, NULL);
  ks_token_store_clear_async (store, profile->name, profile->username, cli->cancellable,
                              ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_token_store_clear_finish (store, result, &error))
    g_debug ("Cannot remove the stored token: %s", error->message);
  g_object_unref (store);
}

int
ks_cli_cmd_server_add (KsCli              *cli,
                       const KsCliCommand *command,
                       int                 argc,
                       char              **argv)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsServerInfo) server = NULL;
  g_autoptr (KsProfile) profile = NULL;
  g_autoptr (KsProfile) old = NULL;
  g_autofree char *text = NULL;
  g_autofree char *url = NULL;
  JsonNode        *node;
  JsonObject      *object;
  KsTokenStoreKind kind = KS_TOKEN_STORE_SECRET_SERVICE;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (cli->token_store_opt != NULL && !ks_cli_parse_token_store (cli->token_store_opt, &kind, &error))
    return ks_cli_fail (error);

  url = ks_profile_url_from_address (argv[1]);
  ks_discover_async (ks_cli_get_soup (cli), url, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  server = ks_discover_finish (result, &error);
  if (server == NULL)
    return ks_cli_fail (error);

  /* A profile pointed elsewhere signs its user out here. */
  old = ks_profile_load (cli->config_dir, cli->profile_name, NULL);
  if (old != NULL && old->username != NULL)
    forget_user (cli, old);

  profile = ks_profile_new (cli->profile_name, url, server);
  profile->token_store = kind;
  if (!ks_profile_save (profile, cli->config_dir, &error))
    return ks_cli_fail (error);

  object = ks_cli_json_root (&node);
  json_object_set_string_member (object, "profile", profile->name);
  json_object_set_string_member (object, "url", profile->url);
  json_object_set_string_member (object, "api_url", server->api_url);
  text = g_strdup_printf (_ ("Added %s as profile “%s”."), profile->url, profile->name);
  return print_done (cli, node, text);
}

int
ks_cli_cmd_signup (KsCli              *cli,
                   const KsCliCommand *command,
                   int                 argc,
                   char              **argv)
{
  g_autofree char   *email = NULL;
  gboolean           from_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "email", 0, 0, G_OPTION_ARG_STRING, &email, N_ ("E-mail address for the confirmation code"), N_ ("ADDRESS") },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &from_stdin, N_ ("Read the password from the first line of standard input"), NULL },
    { NULL }
  };
  g_autoptr (KsCliPassword) password = NULL;
  g_autoptr (KsCognitoClient) cognito = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean         confirmed = FALSE;
  JsonNode        *node;
  JsonObject      *object;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (ks_cli_load_profile (cli, &error) == NULL)
    return ks_cli_fail (error);
  password = ks_cli_read_password (from_stdin, TRUE, cli->cancellable, &error);
  if (password == NULL)
    return ks_cli_fail (error);

  cognito = ks_cognito_client_new (ks_cli_get_soup (cli), cli->profile->server);
  ks_cognito_client_sign_up_async (cognito, argv[1], password, email, cli->cancellable,
                                   ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_cognito_client_sign_up_finish (cognito, result, &confirmed, &error))
    {
      g_autoptr (GError) hinted = NULL;

      /* Say how to give it. */
      if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_EMAIL_REQUIRED))
        hinted = g_error_new (error->domain, error->code, "%s %s", error->message,
                              _ ("Give one with --email ADDRESS."));
      return ks_cli_fail (hinted != NULL ? hinted : error);
    }

  object = ks_cli_json_root (&node);
  json_object_set_string_member (object, "username", argv[1]);
  json_object_set_boolean_member (object, "confirmed", confirmed);
  if (confirmed)
    text = g_strdup_printf (_ ("Account “%s” created. Sign in with “keepsake-cli login %s”."), argv[1], argv[1]);
  else
    text = g_strdup_printf (_ ("Account “%s” created. Confirm it with the code you were sent: "
                               "“keepsake-cli confirm %s CODE”."),
                            argv[1], argv[1]);
  return print_done (cli, node, text);
}

int
ks_cli_cmd_confirm (KsCli              *cli,
                    const KsCliCommand *command,
                    int                 argc,
                    char              **argv)
{
  g_autoptr (KsCognitoClient) cognito = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  JsonNode        *node;
  JsonObject      *object;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 2, 2, &exit_code))
    return exit_code;
  if (ks_cli_load_profile (cli, &error) == NULL)
    return ks_cli_fail (error);

  cognito = ks_cognito_client_new (ks_cli_get_soup (cli), cli->profile->server);
  ks_cognito_client_confirm_sign_up_async (cognito, argv[1], argv[2], cli->cancellable,
                                           ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_cognito_client_confirm_sign_up_finish (cognito, result, &error))
    return ks_cli_fail (error);

  object = ks_cli_json_root (&node);
  json_object_set_string_member (object, "username", argv[1]);
  json_object_set_boolean_member (object, "confirmed", TRUE);
  text = g_strdup_printf (_ ("Account “%s” confirmed. Sign in with “keepsake-cli login %s”."), argv[1], argv[1]);
  return print_done (cli, node, text);
}

/* GET /v1/me: the server records a user at their first API call, and
 * only recorded users can be added to albums. */
static gboolean
fetch_me (KsCli   *cli,
          char   **out_sub,
          char   **out_username,
          GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_api_client_get_me_async (cli->api, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  return ks_api_client_get_me_finish (cli->api, result, out_sub, out_username, error);
}

int
ks_cli_cmd_login (KsCli              *cli,
                  const KsCliCommand *command,
                  int                 argc,
                  char              **argv)
{
  gboolean           from_stdin = FALSE;
  const GOptionEntry entries[] = {
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &from_stdin, N_ ("Read the password from the first line of standard input"), NULL },
    { NULL }
  };
  g_autoptr (KsCliPassword) password = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sub = NULL;
  g_autofree char *username = NULL;
  g_autofree char *previous = NULL;
  g_autofree char *text = NULL;
  KsSession       *session;
  KsTokenStore    *store;
  KsTokenStoreKind kind;
  JsonNode        *node;
  JsonObject      *object;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (ks_cli_load_profile (cli, &error) == NULL)
    return ks_cli_fail (error);
  store = ks_cli_get_token_store (cli, &error);
  if (store == NULL)
    return ks_cli_fail (error);
  kind = ks_token_store_get_kind (store);
  password = ks_cli_read_password (from_stdin, FALSE, cli->cancellable, &error);
  if (password == NULL)
    return ks_cli_fail (error);

  previous = g_steal_pointer (&cli->profile->username);
  session = ks_cli_new_session (cli, &error);
  if (session == NULL)
    return ks_cli_fail (error);
  ks_session_sign_in_async (session, argv[1], password, KS_AUTH_FLOW_AUTO, cli->cancellable,
                            ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_session_sign_in_finish (session, result, &error))
    return ks_cli_fail (error);

  /* Someone else signed in here before: their secret goes. */
  if (previous != NULL && g_ascii_strcasecmp (previous, argv[1]) != 0)
    {
      KsProfile old = *cli->profile;

      old.username = previous;
      forget_user (cli, &old);
    }

  cli->profile->username = g_strdup (ks_session_get_username (session));
  if (cli->profile->username == NULL)
    cli->profile->username = g_strdup (argv[1]);
  cli->profile->token_store = kind;
  if (!ks_profile_save (cli->profile, cli->config_dir, &error))
    return ks_cli_fail (error);

  if (!fetch_me (cli, &sub, &username, &error))
    return ks_cli_fail (error);

  object = ks_cli_json_root (&node);
  json_object_set_string_member (object, "username", username);
  json_object_set_string_member (object, "sub", sub);
  text = g_strdup_printf (_ ("Signed in as %s."), username);
  return print_done (cli, node, text);
}

int
ks_cli_cmd_logout (KsCli              *cli,
                   const KsCliCommand *command,
                   int                 argc,
                   char              **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *username = NULL;
  JsonNode        *node;
  JsonObject      *object;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  if (ks_cli_load_profile (cli, &error) == NULL)
    return ks_cli_fail (error);

  username = g_strdup (cli->profile->username);
  if (username != NULL)
    {
      /* GlobalSignOut when the session still works; the local secret goes
       * in every case, so an offline logout still logs out. */
      if (ks_cli_connect (cli, &error))
        {
          g_autoptr (GAsyncResult) result = NULL;

          ks_session_sign_out_async (cli->session, cli->cancellable, ks_cli_store_result_cb, &result);
          ks_cli_wait (&result);
          ks_session_sign_out_finish (cli->session, result, &error);
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return ks_cli_fail (error);
      if (error != NULL)
        g_debug ("Signing out locally only: %s", error->message);

      forget_user (cli, cli->profile);
      g_clear_pointer (&cli->profile->username, g_free);
      g_clear_error (&error);
      if (!ks_profile_save (cli->profile, cli->config_dir, &error))
        return ks_cli_fail (error);
    }

  object = ks_cli_json_root (&node);
  if (username != NULL)
    json_object_set_string_member (object, "username", username);
  else
    json_object_set_null_member (object, "username");
  text = username != NULL ? g_strdup_printf (_ ("Signed out %s."), username) : g_strdup (_ ("Nobody was signed in."));
  return print_done (cli, node, text);
}

int
ks_cli_cmd_whoami (KsCli              *cli,
                   const KsCliCommand *command,
                   int                 argc,
                   char              **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sub = NULL;
  g_autofree char *username = NULL;
  g_autofree char *text = NULL;
  JsonNode        *node;
  JsonObject      *object;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  if (!ks_cli_connect (cli, &error) || !fetch_me (cli, &sub, &username, &error))
    return ks_cli_fail (error);

  object = ks_cli_json_root (&node);
  json_object_set_string_member (object, "username", username);
  json_object_set_string_member (object, "sub", sub);
  json_object_set_string_member (object, "profile", cli->profile->name);
  json_object_set_string_member (object, "server", cli->profile->url);
  /* TRANSLATORS: username, server URL, profile name */
  text = g_strdup_printf (_ ("%s on %s (profile “%s”)"), username, cli->profile->url, cli->profile->name);
  return print_done (cli, node, text);
}
