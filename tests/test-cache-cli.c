/* test-cache-cli.c: shared, cache ls, pin, unpin, cache status|budget|
 * clear and watch, end to end with the file token store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include "test-cli-common.h"

#define FILE_STORE "--token-store=file"
#define WAIT_MS 20000

static JsonObject *
root_of (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static JsonArray *
array_of (JsonNode   *node,
          const char *member)
{
  g_assert_true (json_object_has_member (root_of (node), member));
  return json_object_get_array_member (root_of (node), member);
}

/* ---- watch, a long-running child ---- */

typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
  char             *line; /* the last line read */
  gboolean          done;
} Watch;

static Watch *
watch_start (CliUser *user)
{
  const char *binary = g_getenv ("KS_CLI_BINARY");
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;
  Watch *watch = g_new0 (Watch, 1);

  g_subprocess_launcher_set_environ (launcher, user->env);
  g_subprocess_launcher_set_cwd (launcher, user->home);
  watch->process = g_subprocess_launcher_spawn (launcher, &error, binary, "--json", "watch", "--window", "300", NULL);
  g_assert_no_error (error);
  watch->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (watch->process));
  return watch;
}

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Watch *watch = user_data;

  watch->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  watch->done = TRUE;
}

static gboolean
expire_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* The next line watch prints, within WAIT_MS. */
static JsonNode *
watch_read (Watch *watch)
{
  gboolean expired = FALSE;
  guint    id = g_timeout_add (WAIT_MS, expire_cb, &expired);
  g_autoptr (GError) error = NULL;
  JsonNode *node;

  watch->done = FALSE;
  g_clear_pointer (&watch->line, g_free);
  g_data_input_stream_read_line_async (watch->out, G_PRIORITY_DEFAULT, NULL, line_cb, watch);
  while (!watch->done && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("keepsake-cli watch printed nothing in %u ms", WAIT_MS);
  g_source_remove (id);
  g_assert_nonnull (watch->line);
  g_test_message ("watch: %s", watch->line);
  node = json_from_string (watch->line, &error);
  g_assert_no_error (error);
  return node;
}

static void
watch_stop (Watch *watch)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (watch->process, SIGTERM);
  g_subprocess_wait (watch->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (watch->process));
  g_assert_cmpint (g_subprocess_get_exit_status (watch->process), ==, 0);
  g_object_unref (watch->out);
  g_object_unref (watch->process);
  g_free (watch->line);
  g_free (watch);
}

static void
test_commands (CliFixture   *fx,
               gconstpointer data)
{
  CliUser         *alice = &fx->users[0], *bob = &fx->users[1];
  g_autofree char *a = cli_write_png (alice->home, "beach.png", 64, 48, 1);
  g_autofree char *b = cli_write_png (alice->home, "sunset.png", 40, 30, 2);
  g_autofree char *c = cli_write_png (alice->home, "party.png", 32, 32, 3);
  g_autofree char *cache_dir = g_build_filename (bob->home, ".cache", "keepsake", "default", NULL);
  Watch           *watch;

  cli_sign_up (fx, alice, FILE_STORE);
  cli_sign_up (fx, bob, FILE_STORE);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "upload", a, b, "--album", "Holidays");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "share", "Holidays", "bob");
    g_assert_cmpint (run.status, ==, 0);
  }

  /* shared: alice's album, as bob sees it. */
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "--json", "shared");
    g_autoptr (JsonNode) root = cli_json (&run);
    JsonArray  *albums = array_of (root, "albums");
    JsonObject *album;

    g_assert_cmpuint (json_array_get_length (albums), ==, 1);
    album = json_array_get_object_element (albums, 0);
    g_assert_cmpstr (json_object_get_string_member (album, "name"), ==, "Holidays");
    g_assert_cmpstr (json_object_get_string_member (album, "owner"), ==, "alice");
    g_assert_cmpstr (json_object_get_string_member (album, "role"), ==, "viewer");
    g_assert_false (json_object_get_boolean_member (root_of (root), "offline"));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "shared");
    g_autoptr (JsonNode) root = cli_json (&run);

    g_assert_cmpuint (json_array_get_length (array_of (root, "albums")), ==, 0);
  }

  /* pin: thumbnails and previews on disk. */
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "pin", "Holidays");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Holidays"));
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "--json", "cache", "ls", "Holidays");
    g_autoptr (JsonNode) root = cli_json (&run);
    JsonArray *photos = array_of (root, "photos");

    g_assert_cmpuint (json_array_get_length (photos), ==, 2);
    for (guint i = 0; i < 2; i++)
      {
        JsonObject *files = json_object_get_object_member (json_array_get_object_element (photos, i), "files");

        g_assert_true (g_file_test (json_object_get_string_member (files, "grid"), G_FILE_TEST_IS_REGULAR));
        g_assert_true (g_file_test (json_object_get_string_member (files, "preview"), G_FILE_TEST_IS_REGULAR));
        g_assert_true (json_object_get_null_member (files, "original"));
        g_assert_true (g_str_has_prefix (json_object_get_string_member (files, "grid"), cache_dir));
      }
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "--json", "cache", "status");
    g_autoptr (JsonNode) root = cli_json (&run);
    JsonArray *pinned = array_of (root, "pinned");

    g_assert_cmpint (json_object_get_int_member (root_of (root), "files"), ==, 4);
    g_assert_cmpint (json_object_get_int_member (root_of (root), "used"), >, 0);
    g_assert_cmpint (json_object_get_int_member (root_of (root), "budget"), ==, G_GINT64_CONSTANT (2) << 30);
    g_assert_cmpuint (json_array_get_length (pinned), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (pinned, 0), "name"), ==,
                     "Holidays");
  }

  /* watch: alice's next photo, as one line of JSON. */
  watch = watch_start (bob);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "upload", c, "--album", "Holidays");
    g_autoptr (JsonNode) note = NULL;
    JsonObject *object;

    g_assert_cmpint (run.status, ==, 0);
    note = watch_read (watch);
    object = root_of (note);
    g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "photos_added");
    g_assert_cmpstr (json_object_get_string_member (object, "actor"), ==, "alice");
    g_assert_cmpstr (json_object_get_string_member (object, "album_name"), ==, "Holidays");
    g_assert_cmpint (json_object_get_int_member (object, "count"), ==, 1);
  }
  watch_stop (watch);

  /* The server gone: the cache answers, and says so. */
  ks_test_server_stop (fx->server);
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "--json", "cache", "ls", "Holidays");
    g_autoptr (JsonNode) root = cli_json (&run);

    g_assert_cmpuint (json_array_get_length (array_of (root, "photos")), ==, 3);
    g_assert_true (json_object_get_boolean_member (root_of (root), "offline"));
    g_assert_nonnull (json_object_get_string_member (root_of (root), "synced_at"));
    g_assert_nonnull (strstr (run.err, "Showing the cache as of"));
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "shared");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "Holidays"));
    g_assert_nonnull (strstr (run.out, "alice"));
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "cache", "ls", "Nowhere");

    cli_assert_one_line_error (&run);
    g_assert_cmpint (run.status, ==, 1);
  }

  /* unpin, a budget, clear. */
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "unpin", "Holidays");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "cache", "budget", "1");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "--json", "cache", "status");
    g_autoptr (JsonNode) root = cli_json (&run);

    g_assert_cmpint (json_object_get_int_member (root_of (root), "budget"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (root_of (root), "files"), ==, 0);
    g_assert_cmpuint (json_array_get_length (array_of (root, "pinned")), ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "cache", "budget", "lots");
    g_assert_cmpint (run.status, ==, 2);
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "cache", "clear");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "--json", "cache", "status");
    g_autoptr (JsonNode) root = cli_json (&run);

    g_assert_cmpint (json_object_get_int_member (root_of (root), "albums"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (root_of (root), "photos"), ==, 0);
  }
  /* Nothing cached and no server: an error, not an empty list. */
  {
    g_auto (CliRun) run = cli_run (bob, NULL, "shared");

    cli_assert_one_line_error (&run);
    g_assert_cmpint (run.status, ==, 4);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cache-cli/commands", CliFixture, NULL, cli_fixture_setup, test_commands, cli_fixture_teardown);
  return g_test_run ();
}
