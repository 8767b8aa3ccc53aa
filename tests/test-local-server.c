/* test-local-server.c: the server the app runs for "This computer"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "ks-local-server.h"

#define WAIT_LIMIT_S 30

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* The keepsake-server processes this test started, by pid: those whose
 * parent is this process (/proc/PID/stat: "pid (comm) state ppid ..."). */
static GArray *
server_children (void)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  g_assert_nonnull (proc);
  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *stat = NULL;
      const char      *comm_end;
      char             state;
      int              ppid = 0;
      GPid             pid = atoi (name);

      if (pid <= 0 || !g_file_get_contents (path, &stat, NULL, NULL) ||
          (comm_end = strrchr (stat, ')')) == NULL ||
          sscanf (comm_end + 1, " %c %d", &state, &ppid) != 2)
        continue;
      if (ppid == getpid () && state != 'Z' && strstr (stat, "(keepsake-serve") != NULL)
        g_array_append_val (pids, pid);
    }
  return pids;
}

static GPid
only_server_child (void)
{
  g_autoptr (GArray) pids = server_children ();

  g_assert_cmpuint (pids->len, ==, 1);
  return g_array_index (pids, GPid, 0);
}

/* The HTTP status of an unauthenticated request to @url, 0 if nothing
 * answers. */
static guint
status_of (SoupSession *soup,
           const char  *url)
{
  g_autofree char *albums = g_strconcat (url, "/v1/albums", NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", albums);
  g_autoptr (GBytes) body = soup_session_send_and_read (soup, msg, NULL, NULL);

  return body != NULL ? soup_message_get_status (msg) : 0;
}

/* Spins the main loop until @url answers from a process other than
 * @old_pid; returns the new one. */
static GPid
wait_back (SoupSession *soup,
           const char  *url,
           GPid         old_pid)
{
  gint64 until = g_get_monotonic_time () + WAIT_LIMIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < until)
    {
      g_autoptr (GArray) pids = server_children ();

      if (pids->len == 1 && g_array_index (pids, GPid, 0) != old_pid && status_of (soup, url) == 401)
        return g_array_index (pids, GPid, 0);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
  g_error ("the server did not come back on %s within %d s", url, WAIT_LIMIT_S);
}

/* Killed, it comes back on the same address, twice in a row too.
 * Stopped, it stays stopped. */
static void
test_restarts (void)
{
  g_autoptr (KsLocalServer) server = ks_local_server_new ();
  g_autoptr (SoupSession) soup = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) left = NULL;
  g_autofree char *url = NULL;
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "keepsake", "server", NULL);
  gint64           killed_at;
  GPid             first, second, third;

  soup_session_set_proxy_resolver (soup, NULL);
  ks_local_server_start_async (server, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  url = ks_local_server_start_finish (server, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));
  g_assert_cmpuint (status_of (soup, url), ==, 401);
  g_assert_true (g_file_test (data_dir, G_FILE_TEST_IS_DIR));
  first = only_server_child ();

  g_assert_cmpint (kill (first, SIGKILL), ==, 0);
  killed_at = g_get_monotonic_time ();
  second = wait_back (soup, url, first);
  g_test_message ("back after %.2f s", (g_get_monotonic_time () - killed_at) / 1e6);
  g_assert_cmpstr (ks_local_server_get_url (server), ==, url);

  /* Stopped again at once: started again, a little later. */
  g_assert_cmpint (kill (second, SIGKILL), ==, 0);
  third = wait_back (soup, url, second);
  g_assert_cmpint (third, !=, first);
  g_assert_cmpstr (ks_local_server_get_url (server), ==, url);

  ks_local_server_stop (server);
  g_assert_null (ks_local_server_get_url (server));
  for (guint i = 0; i < 50; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20000);
    }
  left = server_children ();
  g_assert_cmpuint (left->len, ==, 0);
  g_assert_cmpuint (status_of (soup, url), ==, 0);
}

/* A server that cannot start says why; the error shows its last line. */
static void
test_start_fails (void)
{
  g_autoptr (KsLocalServer) server = ks_local_server_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ks-local-server-XXXXXX", NULL);
  g_autofree char *script = g_build_filename (dir, "keepsake-server", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("KEEPSAKE_SERVER"));
  g_autofree char *url = NULL;

  g_assert_true (g_file_set_contents (script,
                                      "#!/bin/sh\n"
                                      "echo 'starting' >&2\n"
                                      "echo 'keepsake-server: database /d/keepsake.db is corrupt (Page 2)' >&2\n"
                                      "exit 1\n",
                                      -1, NULL));
  g_assert_cmpint (g_chmod (script, 0755), ==, 0);
  g_setenv ("KEEPSAKE_SERVER", script, TRUE);

  ks_local_server_start_async (server, NULL, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  url = ks_local_server_start_finish (server, result, &error);
  g_assert_null (url);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "The photo server on this computer stopped while starting: "
                   "database /d/keepsake.db is corrupt (Page 2)");
  g_assert_null (ks_local_server_get_url (server));

  if (saved != NULL)
    g_setenv ("KEEPSAKE_SERVER", saved, TRUE);
  g_unlink (script);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  if (g_getenv ("KS_SERVER_BINARY") != NULL)
    g_setenv ("KEEPSAKE_SERVER", g_getenv ("KS_SERVER_BINARY"), TRUE);

  g_test_add_func ("/local-server/restarts", test_restarts);
  g_test_add_func ("/local-server/start-fails", test_start_fails);

  return g_test_run ();
}
