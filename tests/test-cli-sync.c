/* test-cli-sync.c: keepsake-cli sync add|remove|list|run|status|pause|
 * resume|errors|retry|ignore|start-over, end to end against the real server (file token store)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <signal.h>

#include "ks-test-util.h"
#include "test-cli-common.h"
#include "test-fake-nm.h"
#include "test-fake-upower.h"

#define FILE_STORE "--token-store=file"
#define WAIT_MS 30000

/* A private session bus for fake services, made before any thread is
 * (it sets DBUS_SESSION_BUS_ADDRESS and forks a watcher). keepsake-cli
 * looks for UPower there only when told: KEEPSAKE_UPOWER_BUS=session.
 * It is every keepsake-cli's system bus too, so that the machine's
 * NetworkManager, on a metered network or not, does not decide what
 * these tests upload. Not a second GTestDBus: GLib 2.74 leaks its
 * watcher's pipe into the second dbus-daemon, and a failed test would
 * leave both running, and the test's output open. */
static GTestDBus *test_bus;

static JsonObject *
object_of (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static JsonArray *
array_of (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_node_get_array (node);
}

/* A folder of the user's, made now. */
static char *
make_folder (CliUser    *user,
             const char *name)
{
  char *path = g_build_filename (user->home, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
  return path;
}

/* A PNG cut off halfway: its decoder fills in grey, only the missing
 * IEND tells. */
static char *
write_truncated_png (const char *dir,
                     const char *name)
{
  char            *path = cli_write_png (dir, name, 80, 60, 99);
  g_autofree char *data = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_true (g_file_set_contents (path, data, (gssize) len / 2, &error));
  g_assert_no_error (error);
  return path;
}

static void
write_text (const char *dir,
            const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "not a photo\n", -1, &error));
  g_assert_no_error (error);
}

/* The line of a table that starts with @first (a folder's path). */
static char *
table_row (const char *table,
           const char *first)
{
  g_auto (GStrv) lines = g_strsplit (table, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], first) && lines[i][strlen (first)] == ' ')
      return g_strdup (lines[i]);
  g_error ("No row for %s in:\n%s", first, table);
}

static JsonObject *
find_folder (JsonArray  *folders,
             const char *path)
{
  for (guint i = 0; i < json_array_get_length (folders); i++)
    {
      JsonObject *folder = json_array_get_object_element (folders, i);

      if (g_strcmp0 (json_object_get_string_member (folder, "path"), path) == 0)
        return folder;
    }
  return NULL;
}

/* sha256 -> album_ids array length, of every photo on the server. */
static GHashTable *
server_photos (CliUser *user)
{
  g_auto (CliRun) run = cli_run (user, NULL, "--json", "ls");
  g_autoptr (JsonNode) root = cli_json (&run);
  JsonArray  *photos = json_object_get_array_member (object_of (root), "photos");
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (photos); i++)
    {
      JsonObject *photo = json_array_get_object_element (photos, i);
      JsonArray  *albums = json_object_get_array_member (photo, "album_ids");

      g_assert_false (g_hash_table_contains (table, json_object_get_string_member (photo, "sha256")));
      g_hash_table_insert (table, g_strdup (json_object_get_string_member (photo, "sha256")),
                           GUINT_TO_POINTER (json_array_get_length (albums)));
    }
  return table;
}

static void
assert_status (CliUser *user,
               gboolean running,
               gboolean paused,
               gint64   done,
               gint64   failed,
               gint64   skipped)
{
  g_auto (CliRun) run = cli_run (user, NULL, "--json", "sync", "status");
  g_autoptr (JsonNode) root = cli_json (&run);
  JsonObject *status = object_of (root);

  g_assert_cmpint (json_object_get_boolean_member (status, "running"), ==, running);
  g_assert_cmpint (json_object_get_boolean_member (status, "paused"), ==, paused);
  g_assert_cmpint (json_object_get_int_member (status, "queued"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (status, "done"), ==, done);
  g_assert_cmpint (json_object_get_int_member (status, "failed"), ==, failed);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (status, "files"), "skipped"), ==,
                   skipped);
}

/* Damages @user's sync journal: the root page of its files. */
static void
damage_journal (CliUser *user)
{
  g_autofree char *state = g_build_filename (user->home, ".local", "state", NULL);
  g_autofree char *journal = ks_test_find_journal (state);

  ks_test_sqlite_damage (journal, "files");
}

/* Every command once, and what each prints and returns. */
static void
test_commands (CliFixture   *fx,
               gconstpointer data)
{
  CliUser         *alice = &fx->users[0];
  g_autofree char *holiday = make_folder (alice, "Holiday");
  g_autofree char *loose = make_folder (alice, "Loose");
  g_autofree char *trip = make_folder (alice, "Trip photos");
  g_autofree char *a = cli_write_png (holiday, "a.png", 64, 48, 1);
  g_autofree char *b = cli_write_png (holiday, "b.png", 40, 30, 2);
  g_autofree char *c = cli_write_png (holiday, "c.png", 32, 32, 3);
  g_autofree char *d = cli_write_png (loose, "d.png", 20, 20, 4);
  g_autofree char *broken = write_truncated_png (holiday, "broken.png");
  g_autoptr (GHashTable) photos = NULL;
  g_autofree char *holiday_album = NULL;

  write_text (holiday, "notes.txt");
  cli_sign_up (fx, alice, FILE_STORE);

  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "list");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "No folders are watched."));
  }

  /* add: the default album, a named one, none; twice is an error. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", holiday);
    g_autofree char *expected = g_strdup_printf ("Watching %s; photos go to “Holiday” (made on the first upload).\n",
                                                 holiday);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", holiday);

    cli_assert_one_line_error (&run);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "already watched"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", "--album", "X", "--no-album", loose);

    g_assert_cmpint (run.status, ==, 2);
    g_assert_nonnull (strstr (run.err, "either --album or --no-album"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", "--no-album", loose);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "photos go to (no album)"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "add", "--album", "Summer", trip);
    g_autoptr (JsonNode) root = cli_json (&run);

    g_assert_cmpstr (json_object_get_string_member (object_of (root), "path"), ==, trip);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", "/nonexistent/keepsake-folder");

    cli_assert_one_line_error (&run);
  }

  /* list, as a table and as JSON. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "list");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "FOLDER"));
    g_assert_nonnull (strstr (run.out, holiday));
    g_assert_nonnull (strstr (run.out, loose));
    g_assert_nonnull (strstr (run.out, "“Summer” (made on the first upload)"));
    g_assert_nonnull (strstr (run.out, "watched"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "list");
    g_autoptr (JsonNode) root = cli_json (&run);
    JsonObject *folder;

    g_assert_cmpuint (json_array_get_length (array_of (root)), ==, 3);
    folder = find_folder (array_of (root), holiday);
    g_assert_nonnull (folder);
    g_assert_false (json_object_get_boolean_member (folder, "paused"));
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (folder, "files"), "done"), ==, 0);
  }

  /* remove: gone from the list; twice is an error. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "remove", trip);
    g_autofree char *expected = g_strdup_printf ("No longer watching %s. Its photos stay in the cloud.\n", trip);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, expected);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "remove", trip);

    cli_assert_one_line_error (&run);
    g_assert_nonnull (strstr (run.err, "is not a watched folder"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "list");
    g_autoptr (JsonNode) root = cli_json (&run);

    g_assert_cmpuint (json_array_get_length (array_of (root)), ==, 2);
    g_assert_null (find_folder (array_of (root), trip));
  }
  assert_status (alice, FALSE, FALSE, 0, 0, 0);

  /* run --once: the good photos up, the damaged one reported, exit 5. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");
    g_autofree char *line_a = g_strdup_printf ("Uploaded: %s\n", a);
    g_autofree char *line_d = g_strdup_printf ("Uploaded: %s\n", d);

    g_assert_cmpint (run.status, ==, 5);
    g_assert_nonnull (strstr (run.out, line_a));
    g_assert_nonnull (strstr (run.out, line_d));
    g_assert_nonnull (strstr (run.out, "4 uploaded, 0 already there, 1 failed"));
    g_assert_nonnull (strstr (run.err, broken));
    g_assert_null (strstr (run.out, "notes.txt"));
  }
  photos = server_photos (alice);
  g_assert_cmpuint (g_hash_table_size (photos), ==, 4);
  {
    const char *in_album[] = { a, b, c };

    for (guint i = 0; i < G_N_ELEMENTS (in_album); i++)
      {
        g_autofree char *sha = cli_file_sha256 (in_album[i]);

        g_assert_true (g_hash_table_contains (photos, sha));
        g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (photos, sha)), ==, 1);
      }
  }
  {
    g_autofree char *sha = cli_file_sha256 (d);

    g_assert_true (g_hash_table_contains (photos, sha));
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (photos, sha)), ==, 0);
  }

  /* The folder's album exists now: listed by its name, and its id. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "list");
    g_autoptr (JsonNode) root = cli_json (&run);
    JsonObject *folder = find_folder (array_of (root), holiday);
    g_auto (CliRun) table = cli_run (alice, NULL, "sync", "list");
    g_autofree char *row = NULL;

    g_assert_cmpstr (json_object_get_string_member (folder, "album"), ==, "Holiday");
    holiday_album = g_strdup (json_object_get_string_member (folder, "album_id"));
    g_assert_true (g_uuid_string_is_valid (holiday_album));
    g_assert_null (json_object_get_string_member (find_folder (array_of (root), loose), "album_id"));
    row = table_row (table.out, holiday);
    g_assert_nonnull (strstr (row, " Holiday "));
    g_assert_null (strstr (row, holiday_album));
  }

  /* errors: the damaged file and why. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "errors");
    g_autofree char *where = g_strdup_printf ("  %s: ", broken);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, where));
    g_assert_nonnull (strstr (run.out, "incomplete"));
    g_assert_true (strchr (run.out, '\n') == run.out + strlen (run.out) - 1);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "errors");
    g_autoptr (JsonNode) root = cli_json (&run);
    JsonObject *entry;

    g_assert_cmpuint (json_array_get_length (array_of (root)), ==, 1);
    entry = json_array_get_object_element (array_of (root), 0);
    g_assert_cmpstr (json_object_get_string_member (entry, "path"), ==, broken);
    g_assert_nonnull (strstr (json_object_get_string_member (entry, "message"), "broken.png"));
    g_assert_nonnull (json_object_get_string_member (entry, "at"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "status");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Sync: not running\n"));
    g_assert_nonnull (strstr (run.out, "Uploaded: 4\n"));
    g_assert_nonnull (strstr (run.out, "Waiting: 0\n"));
    g_assert_nonnull (strstr (run.out, "Failed: 1\n"));
    g_assert_nonnull (strstr (run.out, "Skipped (not photos, or ignored): 1\n"));
  }
  assert_status (alice, FALSE, FALSE, 4, 1, 1);

  /* retry: tried again by the next run, and failing again. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "retry");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "1 file will be tried again.\n");
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "status");
    g_autoptr (JsonNode) root = cli_json (&run);

    g_assert_cmpint (json_object_get_int_member (object_of (root), "failed"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (object_of (root), "queued"), ==, 1);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "run", "--once");
    g_autoptr (JsonNode) root = cli_json_with_status (&run, 5);
    JsonObject *summary = object_of (root);

    g_assert_cmpint (json_object_get_int_member (summary, "uploaded"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (summary, "failed"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (summary, "done"), ==, 4);
  }

  /* ignore: given up on until it changes; a run is clean again. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "ignore", broken);
    g_autofree char *said = g_strdup_printf ("%s will not be tried again unless it changes.\n", broken);

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, said);
  }
  assert_status (alice, FALSE, FALSE, 4, 0, 2);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "errors");

    g_assert_cmpstr (run.out, ==, "No errors.\n");
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "0 uploaded, 0 already there, 0 failed"));
  }
  /* Only failed files: not twice, not a good one. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "ignore", broken);

    g_assert_cmpint (run.status, ==, 1);
    cli_assert_one_line_error (&run);
    g_assert_nonnull (strstr (run.err, "sync errors"));
  }

  /* The file repaired: uploaded, the error gone, exit 0. */
  g_assert_cmpint (g_unlink (broken), ==, 0);
  g_free (cli_write_png (holiday, "broken.png", 80, 60, 5));
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "1 uploaded, 0 already there, 0 failed"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "errors");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "No errors.\n");
  }
  assert_status (alice, FALSE, FALSE, 5, 0, 1);

  /* pause and resume, remembered for the next run. */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "pause");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "Sync paused.\n");
  }
  assert_status (alice, FALSE, TRUE, 5, 0, 1);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "status");

    g_assert_nonnull (strstr (run.out, "Sync: not running, paused\n"));
  }
  /* run --once while paused does not wait for a resume: it says so. */
  g_free (cli_write_png (loose, "e.png", 24, 24, 5));
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");

    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.out, "0 uploaded"));
    cli_assert_one_line_error (&run);
    g_assert_nonnull (strstr (run.err, "Syncing is paused"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "resume");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_cmpstr (run.out, ==, "Sync resumed.\n");
  }
  /* Nor for a server that is gone: exit 4, the photo still to do. */
  ks_test_server_stop (fx->server);
  {
    /* The list is the journal's: albums by id then. */
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "list");
    g_autofree char *row = NULL;

    g_assert_cmpint (run.status, ==, 0);
    row = table_row (run.out, holiday);
    g_assert_nonnull (strstr (row, holiday_album));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");

    g_assert_cmpint (run.status, ==, 4);
    cli_assert_one_line_error (&run);
    g_assert_nonnull (strstr (run.err, "could not be reached"));
  }
  ks_test_server_restart (fx->server); /* on the same port */
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "1 uploaded, 0 already there, 0 failed"));
  }
  assert_status (alice, FALSE, FALSE, 6, 0, 1);

  /* A damaged journal: commands say so and how to start over, which
   * keeps the folders; the next run sends nothing again. */
  damage_journal (alice);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "list");

    g_assert_cmpint (run.status, ==, 1);
    cli_assert_one_line_error (&run);
    g_assert_nonnull (strstr (run.err, "is damaged"));
    g_assert_nonnull (strstr (run.err, "keepsake-cli sync start-over"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "start-over");
    g_autoptr (JsonNode) node = NULL;
    JsonObject *object = NULL;

    g_assert_cmpint (run.status, ==, 0);
    node = cli_json (&run);
    object = object_of (node);
    g_assert_cmpint (json_object_get_int_member (object, "folders"), ==, 2);
    g_assert_true (g_file_test (json_object_get_string_member (object, "damaged"), G_FILE_TEST_IS_REGULAR));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "start-over");

    g_assert_cmpint (run.status, ==, 1);
    g_assert_nonnull (strstr (run.err, "is not damaged"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");

    g_test_message ("%s%s", run.out, run.err);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "0 uploaded, 6 already there, 0 failed"));
  }
}

/* ---- a running `sync run` ---- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  char             *line;
  gboolean          done;
} Daemon;

static Daemon *
daemon_start (CliUser *user)
{
  const char *binary = g_getenv ("KS_CLI_BINARY");
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GError) error = NULL;
  Daemon *daemon = g_new0 (Daemon, 1);

  g_subprocess_launcher_set_environ (launcher, user->env);
  g_subprocess_launcher_set_cwd (launcher, user->home);
  daemon->process = g_subprocess_launcher_spawn (launcher, &error, binary, "sync", "run", NULL);
  g_assert_no_error (error);
  daemon->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon->process));
  return daemon;
}

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Daemon *daemon = user_data;

  daemon->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  daemon->done = TRUE;
}

static gboolean
expire_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Reads what the daemon prints until @expected, within WAIT_MS. */
static void
daemon_wait_for (Daemon     *daemon,
                 const char *expected)
{
  gboolean expired = FALSE;
  guint    id = g_timeout_add (WAIT_MS, expire_cb, &expired);

  do
    {
      daemon->done = FALSE;
      g_clear_pointer (&daemon->line, g_free);
      g_data_input_stream_read_line_async (daemon->out, G_PRIORITY_DEFAULT, NULL, line_cb, daemon);
      while (!daemon->done)
        {
          if (expired)
            g_error ("keepsake-cli sync run did not print “%s” in %u ms", expected, WAIT_MS);
          g_main_context_iteration (NULL, TRUE);
        }
      g_assert_nonnull (daemon->line);
      g_test_message ("sync run: %s", daemon->line);
    }
  while (g_strcmp0 (daemon->line, expected) != 0);
  g_source_remove (id);
}

static char *
read_all (GInputStream *stream)
{
  g_autoptr (GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr (GError) error = NULL;

  g_output_stream_splice (memory, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (memory)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)));
}

/* SIGTERM: it stops cleanly. Returns what it printed on stderr. */
static char *
daemon_stop (Daemon *daemon)
{
  g_autoptr (GError) error = NULL;
  char *err;

  g_subprocess_send_signal (daemon->process, SIGTERM);
  err = read_all (g_subprocess_get_stderr_pipe (daemon->process));
  g_subprocess_wait (daemon->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (daemon->process));
  g_assert_cmpint (g_subprocess_get_exit_status (daemon->process), ==, 0);
  g_object_unref (daemon->out);
  g_object_unref (daemon->process);
  g_free (daemon->line);
  g_free (daemon);
  return err;
}

static gboolean
engine_running (CliUser *user)
{
  g_auto (CliRun) run = cli_run (user, NULL, "--json", "sync", "status");
  g_autoptr (JsonNode) root = cli_json (&run);

  return json_object_get_boolean_member (object_of (root), "running");
}

/* ---- what a sync run did ---- */

/* It does not wait: exits @status saying @message, uploads nothing. */
static void
assert_once_refused (CliUser    *user,
                     int         status,
                     const char *message)
{
  g_auto (CliRun) run = cli_run (user, NULL, "sync", "run", "--once");
  g_autofree char *err = g_strdup_printf ("keepsake-cli: %s\n", message);

  g_assert_cmpint (run.status, ==, status);
  g_assert_nonnull (strstr (run.out, "0 uploaded, 0 already there, 0 failed"));
  g_assert_null (strstr (run.out, "Uploaded:"));
  cli_assert_one_line_error (&run);
  g_assert_cmpstr (run.err, ==, err);
}

/* `sync run --once [@flag]` uploads @paths (NULL-terminated), no more. */
static void
assert_once_uploads (CliUser           *user,
                     const char        *flag,
                     const char *const *paths)
{
  g_auto (CliRun) run = cli_run (user, NULL, "sync", "run", "--once", flag);
  guint            n = g_strv_length ((char **) paths);
  g_autofree char *summary = g_strdup_printf ("%u uploaded, 0 already there, 0 failed", n);

  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = g_strdup_printf ("Uploaded: %s\n", paths[i]);

      g_assert_nonnull (strstr (run.out, line));
    }
  g_assert_nonnull (strstr (run.out, summary));
  g_assert_cmpstr (run.err, ==, "");
}

/* The server holds the photos of @paths (NULL-terminated) and no other. */
static void
assert_server_holds (CliUser           *user,
                     const char *const *paths)
{
  g_autoptr (GHashTable) photos = server_photos (user);

  g_assert_cmpuint (g_hash_table_size (photos), ==, g_strv_length ((char **) paths));
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *sha = cli_file_sha256 (paths[i]);

      g_assert_true (g_hash_table_contains (photos, sha));
    }
}

/* One `sync run` holds the journal: a second refuses, with or without
 * --once; the first watches, uploads what appears, stops on SIGTERM. */
static void
test_running (CliFixture   *fx,
              gconstpointer data)
{
  CliUser         *alice = &fx->users[0];
  g_autofree char *folder = make_folder (alice, "Camera");
  g_autofree char *first = cli_write_png (folder, "first.png", 64, 48, 11);
  g_autofree char *expected = g_strdup_printf ("Uploaded: %s", first);
  g_autofree char *later = NULL;
  g_autofree char *err = NULL;
  Daemon          *daemon;

  cli_sign_up (fx, alice, FILE_STORE);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", folder);
    g_assert_cmpint (run.status, ==, 0);
  }
  daemon = daemon_start (alice);
  daemon_wait_for (daemon, expected);
  g_assert_true (engine_running (alice));

  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run", "--once");

    cli_assert_one_line_error (&run);
    g_assert_cmpint (run.status, ==, 1);
    g_assert_cmpstr (run.err, ==, "keepsake-cli: Another Keepsake is already syncing these folders.\n");
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "run");

    cli_assert_one_line_error (&run);
    g_assert_nonnull (strstr (run.err, "Another Keepsake is already syncing these folders."));
  }

  /* Still watching: a photo landing in the folder goes up. */
  later = cli_write_png (folder, "later.png", 50, 40, 12);
  g_free (expected);
  expected = g_strdup_printf ("Uploaded: %s", later);
  daemon_wait_for (daemon, expected);
  assert_server_holds (alice, (const char *const[]){ first, later, NULL });

  err = daemon_stop (daemon);
  g_assert_true (g_str_has_suffix (err, "Stopped.\n"));
  g_assert_false (engine_running (alice));
  assert_status (alice, FALSE, FALSE, 2, 0, 0);
}

/* ---- a low battery ---- */

/* keepsake-cli asks the fake on the test's bus; the fake answers from
 * its own thread while cli_runv () blocks. */
static FakeUPower *
use_fake_upower (CliUser *user,
                 guint32  state,
                 double   percentage)
{
  const char *address = g_test_dbus_get_bus_address (test_bus);

  user->env = g_environ_setenv (user->env, "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
  user->env = g_environ_setenv (user->env, "KEEPSAKE_UPOWER_BUS", "session", TRUE);
  return fake_upower_new (address, state, percentage);
}

/* On battery at 5 % (the threshold is 20 %), --once does not wait for a
 * charger: it says why and uploads nothing. --allow-low-battery uploads;
 * plugged in, so does a plain --once. */
static void
test_low_battery (CliFixture   *fx,
                  gconstpointer data)
{
  CliUser         *alice = &fx->users[0];
  g_autofree char *camera = make_folder (alice, "Camera");
  g_autofree char *a = cli_write_png (camera, "a.png", 64, 48, 21);
  g_autofree char *b = cli_write_png (camera, "b.png", 40, 30, 22);
  g_autofree char *c = NULL;
  FakeUPower      *upower;

  cli_sign_up (fx, alice, FILE_STORE);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", camera);
    g_assert_cmpint (run.status, ==, 0);
  }
  upower = use_fake_upower (alice, FAKE_UPOWER_STATE_DISCHARGING, 5);

  assert_once_refused (alice, 1, "Not uploading on a low battery; --allow-low-battery uploads anyway.");
  assert_server_holds (alice, (const char *const[]){ NULL });
  assert_once_uploads (alice, "--allow-low-battery", (const char *const[]){ a, b, NULL });

  /* Plugged in, still at 5 %: a new photo goes without asking. */
  c = cli_write_png (camera, "c.png", 32, 32, 23);
  fake_upower_set (upower, FAKE_UPOWER_STATE_CHARGING, 5);
  assert_once_uploads (alice, NULL, (const char *const[]){ c, NULL });
  assert_server_holds (alice, (const char *const[]){ a, b, c, NULL });
  assert_status (alice, FALSE, FALSE, 3, 0, 0);

  fake_upower_free (upower);
}

/* ---- a metered network ---- */

#define METERED_MESSAGE "Not uploading on a metered network; --allow-metered uploads anyway."

/* keepsake-cli's GIO asks the fake on the test's bus, as its system bus. */
static FakeNM *
use_fake_nm (CliUser *user,
             guint32  metered)
{
  const char *address = g_test_dbus_get_bus_address (test_bus);

  user->env = g_environ_setenv (user->env, "DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  user->env = g_environ_setenv (user->env, "GIO_USE_NETWORK_MONITOR", "networkmanager", TRUE);
  return fake_nm_new (address, metered);
}

/* GIO falls back to netlink, never metered, when NetworkManager does not
 * answer: each run must have read the fake for its outcome to count. */
static void
assert_nm_asked (FakeNM *nm,
                 guint  *reads)
{
  guint now = fake_nm_get_reads (nm);

  g_assert_cmpuint (now, >, *reads);
  *reads = now;
}

/* On a metered network, known or guessed, --once does not wait for
 * another one: it says why and uploads nothing. --allow-metered uploads;
 * off it, so does a plain --once. */
static void
test_metered (CliFixture   *fx,
              gconstpointer data)
{
  CliUser         *alice = &fx->users[0];
  g_autofree char *camera = make_folder (alice, "Camera");
  g_autofree char *a = cli_write_png (camera, "a.png", 64, 48, 31);
  g_autofree char *b = cli_write_png (camera, "b.png", 40, 30, 32);
  g_autofree char *c = NULL;
  FakeNM          *nm;
  guint            reads = 0;

  cli_sign_up (fx, alice, FILE_STORE);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "sync", "add", camera);
    g_assert_cmpint (run.status, ==, 0);
  }
  nm = use_fake_nm (alice, FAKE_NM_METERED_YES);

  assert_once_refused (alice, 4, METERED_MESSAGE);
  assert_nm_asked (nm, &reads);
  fake_nm_set_metered (nm, FAKE_NM_METERED_GUESS_YES);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "sync", "run", "--once");
    g_autoptr (JsonNode) root = cli_json_with_status (&run, 4);
    JsonObject *summary = object_of (root);

    g_assert_cmpint (json_object_get_int_member (summary, "uploaded"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (summary, "failed"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (summary, "done"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (summary, "waiting"), >, 0);
    g_assert_cmpstr (run.err, ==, "keepsake-cli: " METERED_MESSAGE "\n");
  }
  assert_nm_asked (nm, &reads);
  assert_server_holds (alice, (const char *const[]){ NULL });

  assert_once_uploads (alice, "--allow-metered", (const char *const[]){ a, b, NULL });
  assert_nm_asked (nm, &reads);

  /* Off the metered network: a new photo goes without asking. */
  c = cli_write_png (camera, "c.png", 32, 32, 33);
  fake_nm_set_metered (nm, FAKE_NM_METERED_NO);
  assert_once_uploads (alice, NULL, (const char *const[]){ c, NULL });
  assert_nm_asked (nm, &reads);
  assert_server_holds (alice, (const char *const[]){ a, b, c, NULL });
  assert_status (alice, FALSE, FALSE, 3, 0, 0);

  /* Watching, on a metered network: it says why it waits, and uploads
   * once the network is no longer metered. */
  {
    g_autofree char *d = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *err = NULL;
    Daemon          *daemon;

    fake_nm_set_metered (nm, FAKE_NM_METERED_YES);
    d = cli_write_png (camera, "d.png", 36, 30, 34);
    expected = g_strdup_printf ("Uploaded: %s", d);
    daemon = daemon_start (alice);
    g_usleep (1500 * 1000);
    assert_server_holds (alice, (const char *const[]){ a, b, c, NULL });
    fake_nm_set_metered (nm, FAKE_NM_METERED_NO);
    daemon_wait_for (daemon, expected);

    err = daemon_stop (daemon);
    g_assert_nonnull (strstr (err, METERED_MESSAGE "\n"));
    g_assert_null (strstr (err, "(null)"));
  }
  assert_status (alice, FALSE, FALSE, 4, 0, 0);

  fake_nm_free (nm);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  /* The users' environments copy this one's. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", g_test_dbus_get_bus_address (test_bus), TRUE);
  g_test_add ("/cli-sync/commands", CliFixture, NULL, cli_fixture_setup, test_commands, cli_fixture_teardown);
  g_test_add ("/cli-sync/running", CliFixture, NULL, cli_fixture_setup, test_running, cli_fixture_teardown);
  g_test_add ("/cli-sync/low-battery", CliFixture, NULL, cli_fixture_setup, test_low_battery, cli_fixture_teardown);
  g_test_add ("/cli-sync/metered", CliFixture, NULL, cli_fixture_setup, test_metered, cli_fixture_teardown);
  ret = g_test_run ();
  g_test_dbus_down (test_bus);
  g_object_unref (test_bus);
  return ret;
}
