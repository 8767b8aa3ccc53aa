/* main.c: keepsake-cli, the client library in a terminal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"
#include "ks-cli-shared.h"
#include "ks-cli-sync.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <glib-unix.h>

static const KsCliCommand commands[] = {
  { "server add", N_ ("URL"), N_ ("Set up the server at URL for this profile."), ks_cli_cmd_server_add },
  { "signup", N_ ("USERNAME"), N_ ("Create an account."), ks_cli_cmd_signup },
  { "confirm", N_ ("USERNAME CODE"), N_ ("Confirm a new account with the code it was sent."), ks_cli_cmd_confirm },
  { "login", N_ ("USERNAME"), N_ ("Sign in."), ks_cli_cmd_login },
  { "logout", "", N_ ("Sign out, here and on the server."), ks_cli_cmd_logout },
  { "whoami", "", N_ ("Show who is signed in, and where."), ks_cli_cmd_whoami },
  { "upload", N_ ("FILE…"), N_ ("Upload photos."), ks_cli_cmd_upload },
  { "albums", "", N_ ("List your albums and those shared with you."), ks_cli_cmd_albums },
  { "album create", N_ ("NAME"), N_ ("Create an album."), ks_cli_cmd_album_create },
  { "album add", N_ ("ALBUM PHOTO…"), N_ ("Add photos (by file name, id or SHA-256) to an album."), ks_cli_cmd_album_add },
  { "share", N_ ("ALBUM USER"), N_ ("Share an album with someone."), ks_cli_cmd_share },
  { "unshare", N_ ("ALBUM USER"), N_ ("Stop sharing an album with someone."), ks_cli_cmd_unshare },
  { "members", N_ ("ALBUM"), N_ ("List who is in an album."), ks_cli_cmd_members },
  { "link create", N_ ("ALBUM"), N_ ("Make a link anyone can open to see an album."), ks_cli_cmd_link_create },
  { "ls", N_ ("[ALBUM]"), N_ ("List your photos, or an album's."), ks_cli_cmd_ls },
  { "download", N_ ("PHOTO|ALBUM DIR"), N_ ("Download a photo or a whole album into DIR."), ks_cli_cmd_download },
  { "shared", "", N_ ("List the albums shared with you (from the cache when offline)."), ks_cli_cmd_shared },
  { "pin", N_ ("ALBUM"), N_ ("Keep an album available offline."), ks_cli_cmd_pin },
  { "unpin", N_ ("ALBUM"), N_ ("Let an album's files be evicted again."), ks_cli_cmd_unpin },
  { "cache ls", N_ ("ALBUM"), N_ ("List an album's photos (from the cache when offline)."), ks_cli_cmd_cache_ls },
  { "cache status", "", N_ ("Show the cache's size, budget and pinned albums."), ks_cli_cmd_cache_status },
  { "cache budget", N_ ("SIZE"), N_ ("Set how much the cache may use (500M, 2G…)."), ks_cli_cmd_cache_budget },
  { "cache clear", "", N_ ("Empty the cache."), ks_cli_cmd_cache_clear },
  { "watch", "", N_ ("Follow changes and print friends' news until interrupted."), ks_cli_cmd_watch },
  { "sync add", N_ ("FOLDER"), N_ ("Watch FOLDER and upload its photos."), ks_cli_cmd_sync_add },
  { "sync remove", N_ ("FOLDER"), N_ ("Stop watching FOLDER (its photos stay in the cloud)."), ks_cli_cmd_sync_remove },
  { "sync list", "", N_ ("List the watched folders."), ks_cli_cmd_sync_list },
  { "sync run", "", N_ ("Sync the watched folders (--once: until done)."), ks_cli_cmd_sync_run },
  { "sync status", "", N_ ("Show what sync is doing."), ks_cli_cmd_sync_status },
  { "sync pause", "", N_ ("Pause uploads, here and in a running sync."), ks_cli_cmd_sync_pause },
  { "sync resume", "", N_ ("Resume uploads."), ks_cli_cmd_sync_resume },
  { "sync errors", "", N_ ("List the files that could not be uploaded, and why."), ks_cli_cmd_sync_errors },
  { "sync retry", "", N_ ("Try the failed files again."), ks_cli_cmd_sync_retry },
  { "sync ignore", N_ ("FILE…"), N_ ("Stop trying to upload failed files until they change."), ks_cli_cmd_sync_ignore },
  { "sync start-over", "", N_ ("Replace a damaged sync journal, keeping its folders."), ks_cli_cmd_sync_start_over },
};

typedef struct
{
  gboolean help;
  gboolean version;
} GlobalFlags;

static char *
commands_help (void)
{
  GString *text = g_string_new (_ ("Commands:"));

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *usage = g_strconcat (commands[i].name, " ", _ (commands[i].parameters), NULL);

      g_string_append_printf (text, "\n  %s", usage);
      for (glong width = g_utf8_strlen (usage, -1); width < 30; width++)
        g_string_append_c (text, ' ');
      g_string_append_printf (text, " %s", _ (commands[i].summary));
    }
  g_string_append_printf (text, "\n\n%s", _ ("“keepsake-cli COMMAND --help” shows a command's options. "
                                             "Exit codes: 0 success, 1 failure, 2 bad usage, 3 not signed in "
                                             "or refused, 4 server unreachable, 5 some files failed, "
                                             "130 interrupted."));
  return g_string_free (text, FALSE);
}

static GOptionContext *
global_context_new (KsCli       *cli,
                    GlobalFlags *flags)
{
  const GOptionEntry entries[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, &cli->profile_name, N_ ("Which server profile to use (default: “default”)"), N_ ("NAME") },
    { "token-store", 0, 0, G_OPTION_ARG_STRING, &cli->token_store_opt,
      N_ ("Where to keep the sign-in: secret-service (the default) or file (weaker, for headless machines)"), N_ ("STORE") },
    { "limit-rate", 0, 0, G_OPTION_ARG_STRING, &cli->limit_rate_opt, N_ ("Limit uploads and downloads to RATE bytes a second (500K, 2M…)"), N_ ("RATE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, N_ ("Print JSON instead of text"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &flags->version, N_ ("Print the version and exit"), NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &flags->help, N_ ("Show this help"), NULL },
    { NULL }
  };
  g_autofree char *description = commands_help ();
  GOptionContext  *context = g_option_context_new (_ ("COMMAND [ARGUMENTS…]"));

  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _ ("Keepsake from the command line: accounts, uploads, albums, sharing."));
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  return context;
}

/* "album create" matches argv "album" "create"; returns the words used. */
static const KsCliCommand *
find_command (int    argc,
              char **argv,
              int   *out_words)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto (GStrv) words = g_strsplit (commands[i].name, " ", 2);

      if (g_strcmp0 (words[0], argv[0]) != 0)
        continue;
      if (words[1] == NULL)
        {
          *out_words = 1;
          return &commands[i];
        }
      if (argc > 1 && g_strcmp0 (words[1], argv[1]) == 0)
        {
          *out_words = 2;
          return &commands[i];
        }
    }
  return NULL;
}

/* "album", "server", "link": the first word of two-word commands. */
static gboolean
is_command_group (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *space = strchr (commands[i].name, ' ');

      if (space != NULL && strncmp (commands[i].name, word, space - commands[i].name) == 0 &&
          word[space - commands[i].name] == '\0')
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  GCancellable *cancellable;
  guint         id;
} SignalWatch;

static gboolean
cancel_cb (gpointer user_data)
{
  SignalWatch *watch = user_data;

  g_cancellable_cancel (watch->cancellable);
  /* Removing the source gives a second Ctrl+C its default action back. */
  watch->id = 0;
  return G_SOURCE_REMOVE;
}

static int
run (KsCli *cli,
     int    argc,
     char **argv)
{
  GlobalFlags flags = { FALSE, FALSE };
  g_autoptr (GOptionContext) context = global_context_new (cli, &flags);
  g_autoptr (GError) error = NULL;
  const KsCliCommand *command;
  int                 words = 0;

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return ks_cli_usage_error (NULL, "%s", error->message);
  if (flags.version)
    {
      g_print ("keepsake-cli %s\n", PACKAGE_VERSION);
      return KS_CLI_EXIT_OK;
    }
  if (flags.help || argc < 2)
    {
      g_autofree char *text = g_option_context_get_help (context, TRUE, NULL);

      fputs (text, flags.help ? stdout : stderr);
      return flags.help ? KS_CLI_EXIT_OK : KS_CLI_EXIT_USAGE;
    }

  if (cli->profile_name == NULL)
    cli->profile_name = g_strdup ("default");
  if (!ks_profile_name_is_valid (cli->profile_name))
    return ks_cli_usage_error (NULL, _ ("“%s” is not a profile name: use letters, digits, “.”, “_” and “-”."),
                               cli->profile_name);
  if (cli->token_store_opt != NULL)
    {
      KsTokenStoreKind kind;

      if (!ks_cli_parse_token_store (cli->token_store_opt, &kind, &error))
        return ks_cli_usage_error (NULL, "%s", error->message);
    }

  if (cli->limit_rate_opt != NULL)
    {
      guint64 rate;

      if (!ks_cli_parse_rate (cli->limit_rate_opt, &rate, &error))
        return ks_cli_usage_error (NULL, "%s", error->message);
      cli->limiter = ks_rate_limiter_new (rate);
    }

  command = find_command (argc - 1, argv + 1, &words);
  if (command == NULL && is_command_group (argv[1]) && argc > 2)
    return ks_cli_usage_error (NULL, _ ("Unknown command “%s %s”"), argv[1], argv[2]);
  if (command == NULL && is_command_group (argv[1]))
    return ks_cli_usage_error (NULL, _ ("“%s” wants a subcommand"), argv[1]);
  if (command == NULL)
    return ks_cli_usage_error (NULL, _ ("Unknown command “%s”"), argv[1]);

  return command->run (cli, command, argc - words, argv + words);
}

int
main (int    argc,
      char **argv)
{
  KsCli       cli = { 0 };
  SignalWatch on_int, on_term;
  int         exit_code;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("keepsake-cli");

  cli.cancellable = g_cancellable_new ();
  on_int = (SignalWatch){ cli.cancellable, 0 };
  on_term = on_int;
  on_int.id = g_unix_signal_add (SIGINT, cancel_cb, &on_int);
  on_term.id = g_unix_signal_add (SIGTERM, cancel_cb, &on_term);

  exit_code = run (&cli, argc, argv);

  g_clear_handle_id (&on_int.id, g_source_remove);
  g_clear_handle_id (&on_term.id, g_source_remove);
  ks_cli_clear (&cli);
  return exit_code;
}
