/* ks-cli-options.c: each command's options and arguments
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#include <stdio.h>
#include <string.h>

#define MIN_EXPIRES 60
#define MAX_EXPIRES (30 * 24 * 3600)

int
ks_cli_usage_error (const KsCliCommand *command,
                    const char         *format,
                    ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* One sentence: the hint ends it. */
  g_strchomp (message);
  if (g_str_has_suffix (message, "."))
    message[strlen (message) - 1] = '\0';

  if (command != NULL)
    /* TRANSLATORS: the first %s is a sentence, the second a command name */
    g_printerr (_ ("keepsake-cli: %s (see “keepsake-cli %s --help”).\n"), message, command->name);
  else
    g_printerr (_ ("keepsake-cli: %s (see “keepsake-cli --help”).\n"), message);
  return KS_CLI_EXIT_USAGE;
}

static GOptionContext *
command_context_new (KsCli              *cli,
                     const KsCliCommand *command,
                     const GOptionEntry *entries,
                     gboolean           *help)
{
  const GOptionEntry common[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli->json, N_ ("Print JSON instead of text"), NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, help, N_ ("Show help for this command"), NULL },
    { NULL }
  };
  g_autofree char *parameters = g_strconcat (command->name, " ", _ (command->parameters), NULL);
  GOptionContext  *context = g_option_context_new (parameters);

  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _ (command->summary));
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, common, GETTEXT_PACKAGE);

  return context;
}

gboolean
ks_cli_parse_command (KsCli              *cli,
                      const KsCliCommand *command,
                      const GOptionEntry *entries,
                      int                *argc,
                      char             ***argv,
                      int                 min_args,
                      int                 max_args,
                      int                *out_exit)
{
  gboolean help = FALSE;
  g_autoptr (GOptionContext) context = command_context_new (cli, command, entries, &help);
  g_autoptr (GError) error = NULL;
  int n_args;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *out_exit = ks_cli_usage_error (command, "%s", error->message);
      return FALSE;
    }
  if (help)
    {
      g_autofree char *text = g_option_context_get_help (context, TRUE, NULL);

      fputs (text, stdout);
      *out_exit = KS_CLI_EXIT_OK;
      return FALSE;
    }

  n_args = *argc - 1;
  if (n_args < min_args)
    {
      *out_exit = ks_cli_usage_error (command, _ ("Missing arguments: %s %s"), command->name,
                                      _ (command->parameters));
      return FALSE;
    }
  if (max_args >= 0 && n_args > max_args)
    {
      *out_exit = ks_cli_usage_error (command, _ ("Unexpected argument “%s”"), (*argv)[max_args + 1]);
      return FALSE;
    }

  return TRUE;
}

/* "500K", "2M", "1G" (binary multiples) or plain bytes a second. */
gboolean
ks_cli_parse_rate (const char *text,
                   guint64    *out_bytes_per_second,
                   GError    **error)
{
  guint64 value = 0;
  char   *end = NULL;
  int     shift;

  if (g_ascii_isdigit (text[0]))
    value = g_ascii_strtoull (text, &end, 10);

  switch (end != NULL ? g_ascii_toupper (end[0]) : '?')
    {
    case '\0':
      shift = 0;
      break;
    case 'K':
      shift = 10;
      break;
    case 'M':
      shift = 20;
      break;
    case 'G':
      shift = 30;
      break;
    default:
      shift = -1;
      break;
    }

  if (shift < 0 || (shift > 0 && end[1] != '\0') || value == 0 || value > (G_MAXUINT64 >> 30))
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
                   _ ("“%s” is not a rate: use bytes a second, as in 500K, 2M or 1G"), text);
      return FALSE;
    }

  *out_bytes_per_second = value << shift;
  return TRUE;
}

/* "90s", "30m", "24h", "7d": share links live 1 minute to 30 days. */
gboolean
ks_cli_parse_duration (const char *text,
                       gint64     *out_seconds,
                       GError    **error)
{
  guint64 value = 0;
  char   *end = NULL;
  gint64  unit;

  if (text != NULL && g_ascii_isdigit (text[0]))
    value = g_ascii_strtoull (text, &end, 10);

  switch (end != NULL && end[0] != '\0' && end[1] == '\0' ? end[0] : '\0')
    {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 24 * 3600;
      break;
    default:
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
                   _ ("“%s” is not a duration: use a number and a unit, as in 90s, 30m, 24h or 7d"),
                   text != NULL ? text : "");
      return FALSE;
    }

  if (value > MAX_EXPIRES / unit || (gint64) value * unit < MIN_EXPIRES)
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
                   _ ("A link can live from 1 minute to 30 days, not %s"), text);
      return FALSE;
    }

  *out_seconds = (gint64) value * unit;
  return TRUE;
}
