/* test-cli-common.h: running keepsake-cli ($KS_CLI_BINARY) as a new user
 * would, against the real keepsake-server
 *
 * Shared by test-cli.c and test-cli-keyring.c, each one program: the
 * helpers are static and may go unused in one of them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ks-hash.h"
#include "ks-test-server.h"

#define CLI_PASSWORD "Correct-Horse-7-Battery"

/* One person at one machine: a home and XDG dirs nobody else uses. */
typedef struct
{
  char  *username;
  char  *home;
  char **env;
} CliUser;

typedef struct
{
  KsTestServer *server;
  char         *root; /* temp dir holding the homes and test files */
  CliUser       users[2];
} CliFixture;

typedef struct
{
  int   status; /* exit status */
  char *out;
  char *err;
} CliRun;

static G_GNUC_UNUSED void
cli_run_clear (CliRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliRun, cli_run_clear)

static G_GNUC_UNUSED void
cli_user_init (CliUser    *user,
               const char *root,
               const char *username)
{
  static const char *const dirs[][2] = {
    { "XDG_CONFIG_HOME", ".config" },
    { "XDG_DATA_HOME", ".local/share" },
    { "XDG_STATE_HOME", ".local/state" },
    { "XDG_CACHE_HOME", ".cache" },
  };

  user->username = g_strdup (username);
  user->home = g_build_filename (root, username, NULL);
  g_assert_cmpint (g_mkdir_with_parents (user->home, 0700), ==, 0);

  user->env = g_get_environ ();
  user->env = g_environ_setenv (user->env, "HOME", user->home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (user->home, dirs[i][1], NULL);

      user->env = g_environ_setenv (user->env, dirs[i][0], path, TRUE);
    }
  /* G_TEST_OPTION_ISOLATE_DIRS points these at empty dirs; a user's
   * programs see the system's (GIO's proxy settings schemas live there). */
  user->env = g_environ_unsetenv (user->env, "XDG_DATA_DIRS");
  user->env = g_environ_unsetenv (user->env, "XDG_CONFIG_DIRS");
  user->env = g_environ_unsetenv (user->env, "G_MESSAGES_DEBUG");
  user->env = g_environ_setenv (user->env, "GSETTINGS_BACKEND", "memory", TRUE);
  user->env = g_environ_setenv (user->env, "LC_ALL", "C.UTF-8", TRUE);
}

static G_GNUC_UNUSED void
cli_user_clear (CliUser *user)
{
  g_clear_pointer (&user->username, g_free);
  g_clear_pointer (&user->home, g_free);
  g_clear_pointer (&user->env, g_strfreev);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliUser, cli_user_clear)

static G_GNUC_UNUSED void
cli_fixture_setup (CliFixture   *fx,
                   gconstpointer data)
{
  fx->root = g_dir_make_tmp ("ks-test-cli-XXXXXX", NULL);
  g_assert_nonnull (fx->root);
  cli_user_init (&fx->users[0], fx->root, "alice");
  cli_user_init (&fx->users[1], fx->root, "bob");

  /* No --auto-confirm: the confirmation code is read where the server
   * leaves it, as the README's session does. */
  fx->server = ks_test_server_new ();
  ks_test_server_start (fx->server);
}

static G_GNUC_UNUSED void
cli_fixture_teardown (CliFixture   *fx,
                      gconstpointer data)
{
  if (ks_test_server_is_running (fx->server))
    ks_test_server_stop (fx->server);
  ks_test_server_free (fx->server);
  for (guint i = 0; i < G_N_ELEMENTS (fx->users); i++)
    cli_user_clear (&fx->users[i]);
  ks_test_remove_tree (fx->root);
  g_free (fx->root);
}

/* Longer than any command takes under the sanitizers, shorter than
 * meson's limit for the whole test. */
#define CLI_RUN_TIMEOUT_S 180

static G_GNUC_UNUSED void
cli_run_store_result (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static G_GNUC_UNUSED gboolean
cli_run_timed_out (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs keepsake-cli with @first_arg... as @user, feeding @input (nullable)
 * on stdin. A crash (a signal, a sanitizer abort) fails the test, and so
 * does a run that takes more than CLI_RUN_TIMEOUT_S. */
static G_GNUC_UNUSED CliRun
cli_runv (CliUser           *user,
          const char        *input,
          const char *const *args)
{
  const char *binary = g_getenv ("KS_CLI_BINARY");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  GMainContext    *context;
  GSource         *timeout;
  GAsyncResult    *result = NULL;
  gboolean         timed_out = FALSE;
  CliRun           run = { 0 };

  g_assert_nonnull (binary);
  g_ptr_array_add (argv, (gpointer) binary);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, user->env);
  g_subprocess_launcher_set_cwd (launcher, user->home);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  line = g_strjoinv (" ", (char **) args);

  /* Bounded: a command that hangs fails the test with its name. */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  timeout = g_timeout_source_new_seconds (CLI_RUN_TIMEOUT_S);
  g_source_set_callback (timeout, cli_run_timed_out, &timed_out, NULL);
  g_source_attach (timeout, context);
  g_subprocess_communicate_utf8_async (process, input != NULL ? input : "", NULL, cli_run_store_result, &result);
  while (result == NULL && !timed_out)
    g_main_context_iteration (context, TRUE);
  if (timed_out)
    {
      g_subprocess_force_exit (process);
      g_error ("keepsake-cli %s did not finish in %d s", line, CLI_RUN_TIMEOUT_S);
    }
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_subprocess_communicate_utf8_finish (process, result, &run.out, &run.err, &error);
  g_assert_no_error (error);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  g_test_message ("%s$ keepsake-cli %s\n%s%s[exit %d]", user->username, line, run.out, run.err,
                  g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1);
  g_assert_true (g_subprocess_get_if_exited (process));
  run.status = g_subprocess_get_exit_status (process);

  /* Never a token or a password on the terminal. */
  g_assert_null (strstr (run.out, CLI_PASSWORD));
  g_assert_null (strstr (run.err, CLI_PASSWORD));
  g_assert_null (strstr (run.err, "eyJ"));
  g_assert_null (strstr (run.out, "eyJ"));
  /* Not a terminal: no progress lines. */
  g_assert_null (strchr (run.err, '\r'));

  return run;
}

#define cli_run(user, input, ...) \
  cli_runv ((user), (input), (const char *const[]){ __VA_ARGS__, NULL })

/* A failure is one sentence on one line. */
static G_GNUC_UNUSED void
cli_assert_one_line_error (const CliRun *run)
{
  g_assert_cmpint (run->status, !=, 0);
  g_assert_true (g_str_has_prefix (run->err, "keepsake-cli: "));
  g_assert_true (g_str_has_suffix (run->err, ".\n"));
  g_assert_true (strchr (run->err, '\n') == run->err + strlen (run->err) - 1);
}

/* A run that exited with @status, and its JSON output. */
static G_GNUC_UNUSED JsonNode *
cli_json_with_status (const CliRun *run,
                      int           status)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (run->status, ==, status);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

static G_GNUC_UNUSED JsonNode *
cli_json (const CliRun *run)
{
  return cli_json_with_status (run, 0);
}

static G_GNUC_UNUSED char *
cli_read_code (CliFixture *fx,
               const char *username)
{
  g_autofree char *name = g_build_filename ("confirmation-codes", username, NULL);
  g_autofree char *path = ks_test_server_dup_data_path (fx->server, name);
  g_autoptr (GError) error = NULL;
  char *code = NULL;

  g_file_get_contents (path, &code, NULL, &error);
  g_assert_no_error (error);
  return g_strstrip (code);
}

/* server add, signup, confirm, login: the README's first steps. */
static G_GNUC_UNUSED void
cli_sign_up (CliFixture *fx,
             CliUser    *user,
             const char *token_store)
{
  g_autofree char *email = g_strconcat (user->username, "@example.org", NULL);
  g_autofree char *code = NULL;
  const char      *store = token_store != NULL ? token_store : "--profile=default";

  {
    g_auto (CliRun) run = cli_run (user, NULL, store, "server", "add", ks_test_server_get_base_url (fx->server));
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (user, CLI_PASSWORD "\n", "signup", user->username, "--email", email,
                                   "--password-stdin");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, "confirm"));
  }
  code = cli_read_code (fx, user->username);
  {
    g_auto (CliRun) run = cli_run (user, NULL, "confirm", user->username, code);
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (user, CLI_PASSWORD "\n", "login", user->username, "--password-stdin");
    g_assert_cmpint (run.status, ==, 0);
    g_assert_nonnull (strstr (run.out, user->username));
  }
}

/* ---- Images without an image library: a PNG written by hand. ---- */

static G_GNUC_UNUSED guint32
png_crc (const guint8 *data,
         gsize         len,
         guint32       crc)
{
  crc = ~crc;
  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & -(crc & 1u));
    }
  return ~crc;
}

static G_GNUC_UNUSED void
png_chunk (GByteArray   *png,
           const char   *type,
           const guint8 *data,
           gsize         len)
{
  guint32 be_len = GUINT32_TO_BE ((guint32) len);
  guint32 crc = png_crc ((const guint8 *) type, 4, 0);

  crc = png_crc (data, len, crc);
  crc = GUINT32_TO_BE (crc);
  g_byte_array_append (png, (const guint8 *) &be_len, 4);
  g_byte_array_append (png, (const guint8 *) type, 4);
  g_byte_array_append (png, data, len);
  g_byte_array_append (png, (const guint8 *) &crc, 4);
}

static G_GNUC_UNUSED GBytes *
zlib_compress (const guint8 *data,
               gsize         len)
{
  g_autoptr (GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, -1);
  g_autoptr (GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (out, data, len, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

/* An RGB PNG, @width x @height, its pixels drawn from @seed. */
static G_GNUC_UNUSED char *
cli_write_png (const char *dir,
               const char *name,
               guint       width,
               guint       height,
               guint32     seed)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8              ihdr[13] = { 0 };
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  g_autoptr (GBytes) compressed = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GError) error = NULL;
  char   *path = g_build_filename (dir, name, NULL);
  guint32 be;

  be = GUINT32_TO_BE (width);
  memcpy (ihdr, &be, 4);
  be = GUINT32_TO_BE (height);
  memcpy (ihdr + 4, &be, 4);
  ihdr[8] = 8; /* bit depth */
  ihdr[9] = 2; /* RGB */

  for (guint y = 0; y < height; y++)
    {
      g_byte_array_append (raw, (const guint8 *) "", 1); /* filter: none */
      for (guint x = 0; x < width * 3; x++)
        {
          guint8 value = (guint8) g_rand_int_range (rand, 0, 256);

          g_byte_array_append (raw, &value, 1);
        }
    }
  compressed = zlib_compress (raw->data, raw->len);

  g_byte_array_append (png, signature, sizeof signature);
  png_chunk (png, "IHDR", ihdr, sizeof ihdr);
  png_chunk (png, "IDAT", g_bytes_get_data (compressed, NULL), g_bytes_get_size (compressed));
  png_chunk (png, "IEND", NULL, 0);

  g_file_set_contents (path, (const char *) png->data, png->len, &error);
  g_assert_no_error (error);
  return path;
}

static G_GNUC_UNUSED char *
cli_file_sha256 (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  char *hex = ks_sha256_file (file, NULL, NULL, &error);

  g_assert_no_error (error);
  return hex;
}

/* Whether @needle is in any file under @dir. */
static G_GNUC_UNUSED gboolean
cli_tree_contains (const char *dir,
                   const char *needle)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize            len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (cli_tree_contains (path, needle))
            return TRUE;
        }
      else if (g_file_get_contents (path, &contents, &len, NULL) &&
               g_strstr_len (contents, len, needle) != NULL)
        return TRUE;
    }
  return FALSE;
}
