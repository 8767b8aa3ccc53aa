/* test-sync-crash.c: SIGKILL the sync engine again and again; every
 * photo still ends up on the server exactly once
 *
 * The test binary runs itself as the child ("--child JOURNAL CACHE URL"),
 * an engine over the journal in a temp dir, with the access token in
 * KS_CRASH_TOKEN.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include "test-sync-photos.h"

#define N_SMALL 300
#define N_KILLS 14
/* Over the server's multipart threshold: 5 parts of 16 MiB. */
#define BIG_SIZE ((gsize) 64 * 1024 * 1024 + 1024 * 1024 + 5)
#define PART_SIZE ((gsize) 16 * 1024 * 1024)
/* Slow enough for kills to land in the middle of the big upload. */
#define CHILD_RATE (48 * 1024 * 1024)

/* ---- the child ---- */

#define CRASH_TYPE_TOKENS (crash_tokens_get_type ())
G_DECLARE_FINAL_TYPE (CrashTokens, crash_tokens, CRASH, TOKENS, GObject)

struct _CrashTokens
{
  GObject parent_instance;
};

static void
crash_tokens_get_async (KsTokenSource      *source,
                        const char         *rejected,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (source, cancellable, callback, user_data);

  g_task_return_pointer (task, g_strdup (g_getenv ("KS_CRASH_TOKEN")), g_free);
}

static char *
crash_tokens_get_finish (KsTokenSource *source,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
crash_tokens_iface_init (KsTokenSourceInterface *iface)
{
  iface->get_access_token_async = crash_tokens_get_async;
  iface->get_access_token_finish = crash_tokens_get_finish;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (CrashTokens, crash_tokens, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_TOKEN_SOURCE, crash_tokens_iface_init))

static void
crash_tokens_class_init (CrashTokensClass *klass)
{
}

static void
crash_tokens_init (CrashTokens *self)
{
}

static int
run_child (const char *journal_path,
           const char *cache,
           const char *api_url)
{
  g_autoptr (SoupSession) soup = soup_session_new_with_options ("timeout", 60, NULL);
  g_autoptr (CrashTokens) tokens = g_object_new (CRASH_TYPE_TOKENS, NULL);
  g_autoptr (KsApiClient) client = NULL;
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (KsSyncEngine) engine = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  soup_session_set_proxy_resolver (soup, NULL);
  client = ks_api_client_new (soup, api_url, KS_TOKEN_SOURCE (tokens));
  journal = ks_journal_open (journal_path, &error);
  if (journal == NULL)
    g_error ("child: %s", error->message);
  engine = ks_sync_engine_new (journal, client, soup, cache);
  ks_sync_engine_set_bandwidth_limit (engine, CHILD_RATE);
  ks_sync_engine_sync_async (engine, NULL, ks_test_store_result, &result);
  ks_test_wait_result (&result);
  if (!ks_sync_engine_sync_finish (engine, result, &error))
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  ks_sync_engine_stop (engine);
  return 0;
}

/* ---- the parent ---- */

static KsTestApi *api;

typedef struct
{
  char *dir;
  char *folder;
  char *journal;
  char *cache;
  char *api_url;
  char *token;
} Crash;

static GSubprocess *
spawn (Crash *crash)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr (GError) error = NULL;
  GSubprocess *child;

  g_subprocess_launcher_setenv (launcher, "KS_CRASH_TOKEN", crash->token, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, "/proc/self/exe", "--child", crash->journal, crash->cache,
                                       crash->api_url, NULL);
  g_assert_no_error (error);
  return child;
}

static void
sleep_ms (guint ms)
{
  g_usleep (ms * 1000);
}

/* Returns TRUE when the kill landed on a running engine. */
static gboolean
kill_child (GSubprocess *child)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (child, SIGKILL);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  if (g_subprocess_get_if_exited (child))
    {
      /* Finished before the kill: only a clean finish is fine. */
      g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
      return FALSE;
    }
  g_assert_true (g_subprocess_get_if_signaled (child));
  return TRUE;
}

static void
wait_child (GSubprocess *child,
            guint        timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (g_subprocess_get_identifier (child) != NULL)
    {
      /* g_subprocess_get_identifier() turns NULL once reaped. */
      if (g_get_monotonic_time () > deadline)
        {
          g_subprocess_force_exit (child);
          g_error ("The last run did not finish in %u s", timeout_s);
        }
      g_main_context_iteration (NULL, FALSE);
      sleep_ms (50);
    }
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
}

/* A real JPEG, then padding after its end marker up to @size: a large
 * photo as far as every reader is concerned. */
static char *
write_big (const char *path)
{
  g_autoptr (GBytes) jpeg = photo_jpeg (1200, 800, 6, 7777);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *pad = g_malloc (1024 * 1024);
  gsize              len = 0, written;
  const guint8      *data = g_bytes_get_data (jpeg, &len);
  FILE              *out = fopen (path, "wb");

  g_assert_nonnull (out);
  g_assert_cmpuint (fwrite (data, 1, len, out), ==, len);
  g_checksum_update (sum, data, len);
  for (written = len; written < BIG_SIZE; written += MIN (BIG_SIZE - written, 1024 * 1024))
    {
      gsize n = MIN (BIG_SIZE - written, 1024 * 1024);

      for (gsize i = 0; i < n; i++)
        pad[i] = (guint8) ((written + i) * 2654435761u >> 24);
      g_assert_cmpuint (fwrite (pad, 1, n, out), ==, n);
      g_checksum_update (sum, pad, n);
    }
  g_assert_cmpint (fclose (out), ==, 0);
  return g_strdup (g_checksum_get_string (sum));
}

/* The server's access log so far, flushed up to a request of ours. */
static char *
dup_log (const char *mark)
{
  KsTestServer    *server = ks_test_api_get_server (api);
  guint            status = 0;
  g_autofree char *path = g_strdup_printf ("/v1/crash-mark-%s", mark);
  g_autoptr (JsonNode) reply = ks_test_api_call (api, NULL, "GET", path, NULL, &status);

  g_assert_true (ks_test_server_wait_for_log (server, path, 10000));
  return ks_test_server_dup_log (server);
}

/* PUTs of @key the store accepted in @log[@from, @to). */
static guint
count_puts (const char *log,
            gsize       from,
            gsize       to,
            const char *key)
{
  g_autofree char *part = g_strndup (log + from, to - from);
  g_auto (GStrv) lines = g_strsplit (part, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "\"PUT ") != NULL && strstr (lines[i], key) != NULL &&
        strstr (lines[i], "\" 200 ") != NULL && strstr (lines[i], " aborted") == NULL)
      count++;
  return count;
}

/* After a kill: where the log was, and how many parts of the big one
 * the journal had recorded as finished. */
typedef struct
{
  gsize log_len;
  guint recorded;
} Checkpoint;

static Checkpoint
checkpoint (Crash      *crash,
            const char *big_sha,
            guint       n)
{
  g_autofree char *mark = g_strdup_printf ("%u", n);
  g_autofree char *log = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (KsResumeRecord) record = NULL;
  Checkpoint point;

  /* A part whose bytes were all sent may still be stored after the
   * kill; let the server finish it before looking. */
  sleep_ms (300);
  log = dup_log (mark);
  point.log_len = strlen (log);
  journal = ks_journal_open (crash->journal, &error);
  g_assert_no_error (error);
  record = ks_resume_store_load (KS_RESUME_STORE (journal), big_sha, &error);
  g_assert_no_error (error);
  point.recorded = record != NULL ? g_hash_table_size (record->etags) : 0;
  return point;
}

static void
verify (Crash      *crash,
        GHashTable *local,
        const char *big_sha,
        GArray     *points)
{
  KsTestUser *user = ks_test_api_user (api, "crash");
  g_autoptr (KsTestTokenSource) tokens = ks_test_token_source_new (api, user, 3600);
  g_autoptr (SoupSession) soup = soup_session_new_with_options ("timeout", 120, NULL);
  g_autoptr (KsApiClient) client = NULL;
  g_autoptr (GHashTable) photos = NULL;
  GHashTableIter iter;
  gpointer       sha, value;

  soup_session_set_proxy_resolver (soup, NULL);
  client = ks_api_client_new (soup, crash->api_url, KS_TOKEN_SOURCE (tokens));
  photos = photo_list_server (client); /* asserts: no SHA-256 twice */
  g_assert_cmpuint (g_hash_table_size (photos), ==, g_hash_table_size (local));

  /* The same set, and every original byte for byte. */
  g_hash_table_iter_init (&iter, photos);
  while (g_hash_table_iter_next (&iter, &sha, &value))
    {
      KsPhoto *photo = value;
      guint    status = 0;
      g_autoptr (GBytes) bytes = NULL;
      g_autofree char *got = NULL;

      g_assert_true (g_hash_table_contains (local, sha));
      bytes = ks_test_api_fetch (api, photo->url_original, &status);
      g_assert_cmpuint (status, ==, 200);
      got = photo_sha256 (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      g_assert_cmpstr (got, ==, sha);
      g_assert_cmpuint (photo->thumbnails->len, ==, 2);
    }

  /* No part the journal recorded as finished was ever sent again: each
   * run sends at most the parts not recorded when the last one died,
   * the last one included. (A part stored by the server after
   * its sender died was never recorded, and may go twice.) */
  {
    KsPhoto         *big = g_hash_table_lookup (photos, big_sha);
    g_autofree char *key = g_strdup_printf ("/originals/%s/%s", user->sub, big->id);
    g_autofree char *log = dup_log ("end");
    guint            n_parts = (BIG_SIZE + PART_SIZE - 1) / PART_SIZE;
    gsize            from = 0;

    for (guint k = 0; k < points->len; k++)
      {
        Checkpoint *point = &g_array_index (points, Checkpoint, k);
        guint       sent = count_puts (log, from, point->log_len, key);
        guint       allowed = k == 0 ? n_parts : n_parts - g_array_index (points, Checkpoint, k - 1).recorded;

        g_test_message ("run %u: %u parts sent, %u recorded when it died", k + 1, sent, point->recorded);
        g_assert_cmpuint (sent, <=, allowed);
        from = point->log_len;
      }
    g_assert_cmpuint (count_puts (log, from, strlen (log), key), <=,
                      n_parts - g_array_index (points, Checkpoint, points->len - 1).recorded);
    g_assert_cmpuint (count_puts (log, 0, strlen (log), key), >=, n_parts);
  }
}

static void
test_crash (void)
{
  KsTestUser *user = ks_test_api_user (api, "crash");
  Crash       crash = { 0 };
  g_autoptr (GHashTable) local = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) last = NULL;
  g_autofree char *big_path = NULL;
  g_autofree char *big_sha = NULL;
  g_autoptr (GArray) points = g_array_new (FALSE, FALSE, sizeof (Checkpoint));
  guint kills = 0;

  crash.dir = g_dir_make_tmp ("ks-sync-crash-XXXXXX", &error);
  g_assert_no_error (error);
  crash.folder = g_build_filename (crash.dir, "Pictures", NULL);
  crash.journal = g_build_filename (crash.dir, "journal.db", NULL);
  crash.cache = g_build_filename (crash.dir, "cache", NULL);
  crash.api_url = g_strconcat (ks_test_server_get_base_url (ks_test_api_get_server (api)), "/v1", NULL);
  crash.token = ks_test_api_mint_token (api, user->sub, user->username, 3600);
  g_assert_cmpint (g_mkdir (crash.folder, 0700), ==, 0);

  /* The big one first, so that the first kills land in its parts. */
  big_path = g_build_filename (crash.folder, "PANORAMA.JPG", NULL);
  big_sha = write_big (big_path);
  g_hash_table_add (local, g_strdup (big_sha));
  journal = ks_journal_open (crash.journal, &error);
  g_assert_no_error (error);
  folder = g_file_new_for_path (crash.folder);
  g_assert_cmpint (ks_sync_journal_add_folder (journal, folder, KS_SYNC_ALBUM_DEFAULT, NULL, &error), >, 0);
  g_assert_no_error (error);
  g_clear_object (&journal);

  /* Until N_KILLS kills have landed on a running engine (bounded): a
   * run that finished before its kill gets new photos for the next, and
   * the next kill comes sooner. */
  for (guint i = 0, next = 0, window = 1200; kills < N_KILLS && i < 4 * N_KILLS; i++)
    {
      g_autoptr (GSubprocess) child = spawn (&crash);
      gboolean   landed;
      Checkpoint point;
      guint      more;

      sleep_ms ((guint) g_test_rand_int_range ((gint32) window / 6, (gint32) window));
      landed = kill_child (child);
      kills += landed;
      window = landed ? MIN (window * 3 / 2, 1200) : MAX (window / 2, 150);
      point = checkpoint (&crash, big_sha, i);
      g_array_append_val (points, point);
      g_test_message ("kill %u at %" G_GINT64_FORMAT ": %s", i + 1, g_get_real_time () / 1000 % 100000,
                      landed ? "landed" : "after the end");
      more = i == 0 ? N_SMALL : landed ? 0
                                       : 30;
      for (guint end = next + more; next < end; next++)
        {
          g_autofree char *name = g_strdup_printf ("%02u/IMG_%04u.jpg", next % 7, next);
          g_autofree char *path = g_build_filename (crash.folder, name, NULL);
          g_autoptr (GBytes) jpeg = photo_jpeg (96 + next % 5 * 16, 72 + next % 3 * 16, 1 + next % 8, 10000 + next);

          g_hash_table_add (local, photo_write (path, jpeg));
        }
    }
  g_assert_cmpuint (kills, >=, N_KILLS);

  last = spawn (&crash);
  wait_child (last, 400);
  verify (&crash, local, big_sha, points);

  photo_remove_tree (crash.dir);
  g_free (crash.dir);
  g_free (crash.folder);
  g_free (crash.journal);
  g_free (crash.cache);
  g_free (crash.api_url);
  g_free (crash.token);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  if (argc == 5 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], argv[3], argv[4]);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  api = ks_test_api_new ();
  g_test_add_func ("/sync-crash/sigkill", test_crash);
  ret = g_test_run ();
  ks_test_api_free (api);
  return ret;
}
