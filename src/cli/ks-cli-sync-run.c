/* ks-cli-sync-run.c: sync run [--once]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>

#include "ks-cli-sync.h"

#include "ks-sync-engine.h"

typedef struct
{
  KsCli   *cli;
  guint    uploaded;
  guint    existed;
  guint    failed;
  gboolean once;
  GError  *stuck; /* with --once: why it cannot finish now */
} Run;

static void
file_done_cb (KsSyncEngine *engine,
              const char   *path,
              const char   *photo_id,
              gboolean      existed,
              Run          *run)
{
  if (existed)
    run->existed++;
  else
    run->uploaded++;
  if (!run->cli->json)
    {
      g_print (existed ? _ ("Already uploaded: %s\n") : _ ("Uploaded: %s\n"), path);
      /* A line as it happens, also into a pipe or a log. */
      fflush (stdout);
    }
}

static void
file_failed_cb (KsSyncEngine *engine,
                const char   *path,
                const GError *error,
                Run          *run)
{
  run->failed++;
  ks_cli_fail_item (path, error);
}

/* Why the engine waits (state OFFLINE), as an error to show. */
static GError *
wait_error (KsSyncEngine *engine)
{
  const char *reason = ks_sync_engine_get_last_error (engine);

  switch (ks_sync_engine_get_wait (engine))
    {
    case KS_SYNC_WAIT_METERED:
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                                  _ ("Not uploading on a metered network; "
                                     "--allow-metered uploads anyway."));
    case KS_SYNC_WAIT_BATTERY:
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY,
                                  _ ("Not uploading on a low battery; "
                                     "--allow-low-battery uploads anyway."));
    case KS_SYNC_WAIT_CACHE:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_NO_SPACE, _ ("%s. Photos wait and are tried again; nothing is lost."),
                          reason != NULL ? reason : _ ("Thumbnails cannot be written"));
    case KS_SYNC_WAIT_OFFLINE:
    case KS_SYNC_WAIT_NONE:
    default:
      return g_error_new (G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, _ ("Offline: %s"),
                          reason != NULL ? reason : _ ("the server cannot be reached."));
    }
}

static void
state_cb (KsSyncEngine *engine,
          GParamSpec   *pspec,
          Run          *run)
{
  KsSyncState state = ks_sync_engine_get_state (engine);

  /* --once is for scripts: waiting, possibly for hours, for a resume,
   * a charger, another network or the server is not finishing. What is
   * done is in the journal; the next run goes on from there. */
  if (run->once && run->stuck == NULL && state == KS_SYNC_STATE_PAUSED)
    run->stuck = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_BUSY,
                                      _ ("Syncing is paused. “keepsake-cli sync resume” resumes it."));
  else if (run->once && run->stuck == NULL && state == KS_SYNC_STATE_OFFLINE)
    run->stuck = wait_error (engine);
  if (run->stuck != NULL)
    {
      g_main_context_wakeup (NULL);
      return;
    }

  if (run->cli->json)
    return;
  if (state == KS_SYNC_STATE_OFFLINE)
    {
      g_autoptr (GError) waiting = wait_error (engine);

      g_printerr ("%s\n", waiting->message);
    }
  else if (state == KS_SYNC_STATE_PAUSED)
    g_printerr (_ ("Paused.\n"));
}

static KsSyncEngine *
engine_new (KsCli     *cli,
            KsJournal *journal)
{
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "keepsake", cli->profile_name, NULL);
  KsSyncEngine    *engine = ks_sync_engine_new (journal, cli->api, ks_cli_get_soup (cli), cache);

  if (cli->limiter != NULL)
    ks_sync_engine_set_bandwidth_limit (engine, ks_rate_limiter_get_rate (cli->limiter));
  return engine;
}

static int
summary (Run          *run,
         KsSyncEngine *engine)
{
  guint64 queued = 0, done = 0, failed = 0;

  ks_sync_engine_get_counts (engine, &queued, &done, &failed);
  if (run->cli->json)
    {
      g_autoptr (JsonNode) node = NULL;
      JsonObject *object = ks_cli_json_root (&node);

      json_object_set_int_member (object, "uploaded", run->uploaded);
      json_object_set_int_member (object, "already_uploaded", run->existed);
      json_object_set_int_member (object, "failed", (gint64) failed);
      json_object_set_int_member (object, "done", (gint64) done);
      json_object_set_int_member (object, "waiting", (gint64) queued);
      ks_cli_print_json (node);
    }
  else
    g_print (_ ("%u uploaded, %u already there, %" G_GUINT64_FORMAT " failed "
                "(“keepsake-cli sync errors” says why); %" G_GUINT64_FORMAT " photos in sync.\n"),
             run->uploaded, run->existed, failed, done);
  return failed > 0 ? KS_CLI_EXIT_PARTIAL : KS_CLI_EXIT_OK;
}

static int
run_once (Run          *run,
          KsSyncEngine *engine)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  ks_sync_engine_sync_async (engine, run->cli->cancellable, ks_cli_store_result_cb, &result);
  while (result == NULL && !g_cancellable_is_cancelled (run->cli->cancellable) && run->stuck == NULL)
    g_main_context_iteration (NULL, TRUE);
  ks_sync_engine_stop (engine);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!ks_sync_engine_sync_finish (engine, result, &error))
    {
      if (run->stuck != NULL)
        {
          /* What got done, then why the rest did not. */
          summary (run, engine);
          return ks_cli_fail (run->stuck);
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return KS_CLI_EXIT_INTERRUPTED;
      return ks_cli_fail (error);
    }
  return summary (run, engine);
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  g_main_context_wakeup (NULL);
}

/* Until SIGINT or SIGTERM, or an error that stops the engine (another
 * process syncing, a damaged journal, the account gone). */
static int
run_forever (Run          *run,
             KsSyncEngine *engine)
{
  gulong handler = g_cancellable_connect (run->cli->cancellable, G_CALLBACK (cancelled_cb), NULL, NULL);
  g_autoptr (GError) error = NULL;

  ks_sync_engine_start (engine);
  while (!g_cancellable_is_cancelled (run->cli->cancellable) && ks_sync_engine_get_error (engine) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_disconnect (run->cli->cancellable, handler);
  if (ks_sync_engine_get_error (engine) != NULL)
    error = g_error_copy (ks_sync_engine_get_error (engine));
  ks_sync_engine_stop (engine);
  if (error != NULL)
    return ks_cli_fail (error);
  if (!run->cli->json)
    g_printerr (_ ("Stopped.\n"));
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_sync_run (KsCli              *cli,
                     const KsCliCommand *command,
                     int                 argc,
                     char              **argv)
{
  gboolean           once = FALSE;
  gboolean           allow_metered = FALSE;
  gboolean           allow_low_battery = FALSE;
  const GOptionEntry entries[] = {
    { "once", 0, 0, G_OPTION_ARG_NONE, &once, N_ ("Scan, upload what is new, then exit"), NULL },
    { "allow-metered", 0, 0, G_OPTION_ARG_NONE, &allow_metered, N_ ("Upload on a metered network too"),
      NULL },
    { "allow-low-battery", 0, 0, G_OPTION_ARG_NONE, &allow_low_battery,
      N_ ("Upload on a low battery too"), NULL },
    { NULL }
  };
  g_autofree char *path = ks_cli_sync_journal_path (cli);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (KsSyncEngine) engine = NULL;
  g_autoptr (GError) error = NULL;
  Run run = { .cli = cli };
  int exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  /* Before the connection, whose requests run the main loop: opening
   * reads the whole journal (quick_check), which would stall it. */
  g_mkdir_with_parents (dir, 0700);
  journal = ks_cli_sync_open_journal (path, &error);
  if (journal == NULL)
    return ks_cli_fail (error);
  if (!ks_cli_connect (cli, &error))
    return ks_cli_fail (error);

  engine = engine_new (cli, journal);
  ks_sync_engine_set_allow_metered (engine, allow_metered);
  ks_sync_engine_set_allow_low_battery (engine, allow_low_battery);
  run.once = once;
  g_signal_connect (engine, "file-done", G_CALLBACK (file_done_cb), &run);
  g_signal_connect (engine, "file-failed", G_CALLBACK (file_failed_cb), &run);
  g_signal_connect (engine, "notify::state", G_CALLBACK (state_cb), &run);
  exit_code = once ? run_once (&run, engine) : run_forever (&run, engine);
  g_signal_handlers_disconnect_by_data (engine, &run);
  g_clear_error (&run.stuck);
  return exit_code;
}
