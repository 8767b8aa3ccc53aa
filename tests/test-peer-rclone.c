/* test-peer-rclone.c: rclone, a third-party S3 client, against the
 * built-in S3 store: a tree in, the same tree back out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "ks-hash.h"
#include "test-s3-client.h"

#define MIB (1024 * 1024)
#define REMOTE "ks"
#define REMOTE_VAR "KS"

typedef struct
{
  KsTestServer *server;
  KsTestS3     *s3;
  char         *rclone;
  char         *root; /* temp dir: config, source, copy back */
  char         *config;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer user_data)
{
  fixture->rclone = g_find_program_in_path ("rclone");
  if (fixture->rclone == NULL)
    return;

  fixture->server = ks_test_server_new ();
  ks_test_server_start (fixture->server);
  fixture->s3 = ks_test_s3_new (fixture->server);
  fixture->root = g_dir_make_tmp ("ks-test-rclone-XXXXXX", NULL);
  g_assert_nonnull (fixture->root);
  fixture->config = g_build_filename (fixture->root, "rclone.conf", NULL);
  g_assert_true (g_file_set_contents (fixture->config, "", 0, NULL));
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer user_data)
{
  if (fixture->root != NULL)
    ks_test_remove_tree (fixture->root);
  g_clear_pointer (&fixture->s3, ks_test_s3_free);
  if (fixture->server != NULL)
    ks_test_server_stop (fixture->server);
  g_clear_pointer (&fixture->server, ks_test_server_free);
  g_free (fixture->root);
  g_free (fixture->config);
  g_free (fixture->rclone);
}

static gboolean
skip_without_rclone (Fixture *fixture)
{
  if (fixture->rclone != NULL)
    return FALSE;

  g_test_skip ("rclone is not installed (Debian: apt install rclone)");
  return TRUE;
}

static void
add_setting (GStrvBuilder *builder,
             const char   *name,
             const char   *value)
{
  g_autofree char *variable = g_strconcat ("RCLONE_CONFIG_" REMOTE_VAR "_", name, "=", value, NULL);

  g_strv_builder_add (builder, variable);
}

/* The caller's environment without anything that would send rclone
 * elsewhere (proxies, AWS settings), plus the remote "ks". */
static char **
rclone_environ (Fixture    *fixture,
                const char *secret)
{
  g_auto (GStrv) inherited = g_get_environ ();
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; inherited[i] != NULL; i++)
    {
      g_autofree char *lower = g_ascii_strdown (inherited[i], -1);

      if (!g_str_has_prefix (inherited[i], "AWS_") && !g_str_has_prefix (inherited[i], "RCLONE_") &&
          strstr (lower, "proxy=") == NULL)
        g_strv_builder_add (builder, inherited[i]);
    }

  add_setting (builder, "TYPE", "s3");
  add_setting (builder, "PROVIDER", "Other");
  add_setting (builder, "ENV_AUTH", "false");
  add_setting (builder, "ENDPOINT", ks_test_s3_get_endpoint (fixture->s3));
  add_setting (builder, "REGION", "us-east-1");
  add_setting (builder, "FORCE_PATH_STYLE", "true");
  add_setting (builder, "ACCESS_KEY_ID", ks_test_s3_get_access_key_id (fixture->s3));
  add_setting (builder, "SECRET_ACCESS_KEY", secret);

  return g_strv_builder_end (builder);
}

/* Runs rclone with @args (NULL-terminated); returns its exit status. */
static int
run_rclone (Fixture    *fixture,
            const char *secret,
            char      **out_stdout,
            const char *first_arg,
            ...)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) env = rclone_environ (fixture, secret);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  va_list          args;

  g_ptr_array_add (argv, fixture->rclone);
  g_ptr_array_add (argv, (gpointer) "--config");
  g_ptr_array_add (argv, fixture->config);
  g_ptr_array_add (argv, (gpointer) "--retries=1");
  g_ptr_array_add (argv, (gpointer) "--low-level-retries=1");
  va_start (args, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, env);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  g_test_message ("rclone %s: %s", first_arg, err);
  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out);

  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

static void
write_file (const char *root,
            const char *relative,
            GBytes     *contents)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, g_bytes_get_data (contents, NULL), (gssize) g_bytes_get_size (contents),
                       &error);
  g_assert_no_error (error);
}

/* Unicode, spaces, nesting, an empty file and one big enough that rclone
 * uploads it in parts. */
static char *
make_source_tree (Fixture *fixture)
{
  static const struct
  {
    const char *name;
    gsize       size;
  } files[] = {
    { "héllo wörld.txt", 12 },
    { "日本語/写真 1.jpg", 300 * 1024 },
    { "with space/a b.bin", 4096 },
    { "nested/deep/er/x.txt", 1 },
    { "empty.txt", 0 },
    { "big/video.bin", 41 * MIB },
  };
  char *source = g_build_filename (fixture->root, "source", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (GBytes) contents = ks_test_s3_random_bytes (files[i].size, i + 1);

      write_file (source, files[i].name, contents);
    }

  return source;
}

/* "relative path  sha256" lines for every file under @dir, sorted. */
static char *
tree_digest (const char *dir)
{
  g_autoptr (GPtrArray) files = ks_test_s3_list_files (dir);
  GString *digest = g_string_new (NULL);

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (files, i), NULL);
      g_autoptr (GFile) file = g_file_new_for_path (path);
      g_autoptr (GError) error = NULL;
      g_autofree char *sha256 = ks_sha256_file (file, NULL, NULL, &error);

      g_assert_no_error (error);
      g_string_append_printf (digest, "%s  %s\n", (char *) g_ptr_array_index (files, i), sha256);
    }

  return g_string_free (digest, FALSE);
}

static void
test_copy_in_and_out (Fixture      *fixture,
                      gconstpointer user_data)
{
  const char      *secret = NULL;
  g_autofree char *source = NULL;
  g_autofree char *back = NULL;
  g_autofree char *source_digest = NULL;
  g_autofree char *back_digest = NULL;
  g_autofree char *listing = NULL;
  g_autoptr (SoupMessage) head = NULL;
  g_autoptr (GBytes) reply = NULL;
  const char *etag;

  if (skip_without_rclone (fixture))
    return;

  secret = ks_test_s3_get_secret (fixture->s3);
  source = make_source_tree (fixture);
  back = g_build_filename (fixture->root, "back", NULL);

  g_assert_cmpint (run_rclone (fixture, secret, NULL, "copy", source, REMOTE ":keepsake/peer",
                               "--s3-upload-cutoff=5M", "--s3-chunk-size=5M", NULL),
                   ==, 0);

  /* The big file went up in parts. */
  head = ks_test_s3_message (fixture->s3, "HEAD", "peer/big/video.bin", NULL, NULL);
  ks_test_s3_sign (fixture->s3, head, NULL);
  reply = ks_test_s3_send (fixture->s3, head);
  g_assert_cmpuint (soup_message_get_status (head), ==, SOUP_STATUS_OK);
  etag = soup_message_headers_get_one (soup_message_get_response_headers (head), "ETag");
  g_assert_true (g_str_has_suffix (etag, "-9\""));

  g_assert_cmpint (run_rclone (fixture, secret, &listing, "lsf", "-R", REMOTE ":keepsake/peer", NULL), ==, 0);
  g_assert_nonnull (strstr (listing, "日本語/写真 1.jpg"));
  g_assert_cmpint (run_rclone (fixture, secret, NULL, "check", source, REMOTE ":keepsake/peer", NULL), ==, 0);
  g_assert_cmpint (run_rclone (fixture, secret, NULL, "copy", REMOTE ":keepsake/peer", back, NULL), ==, 0);

  source_digest = tree_digest (source);
  back_digest = tree_digest (back);
  g_assert_cmpstr (back_digest, ==, source_digest);
}

static void
test_delete (Fixture      *fixture,
             gconstpointer user_data)
{
  g_autoptr (GBytes) contents = ks_test_s3_random_bytes (100, 7);
  g_autofree char *etag1 = NULL;
  g_autofree char *etag2 = NULL;
  g_autofree char *listing = NULL;

  if (skip_without_rclone (fixture))
    return;

  etag1 = ks_test_s3_put (fixture->s3, "d/keep.bin", contents);
  etag2 = ks_test_s3_put (fixture->s3, "d/drop.txt", contents);
  g_assert_cmpint (run_rclone (fixture, ks_test_s3_get_secret (fixture->s3), NULL, "delete",
                               REMOTE ":keepsake/d", "--include=*.txt", NULL),
                   ==, 0);
  g_assert_cmpint (run_rclone (fixture, ks_test_s3_get_secret (fixture->s3), &listing, "lsf",
                               REMOTE ":keepsake/d", NULL),
                   ==, 0);
  g_assert_cmpstr (listing, ==, "keep.bin\n");
}

static void
test_wrong_secret (Fixture      *fixture,
                   gconstpointer user_data)
{
  g_autoptr (GBytes) contents = ks_test_s3_random_bytes (100, 8);
  g_autoptr (GBytes) reply = NULL;
  g_autofree char *source = NULL;
  g_autofree char *etag = NULL;
  guint            status = 0;

  if (skip_without_rclone (fixture))
    return;

  etag = ks_test_s3_put (fixture->s3, "private.bin", contents);
  source = g_build_filename (fixture->root, "source", NULL);
  write_file (source, "f.bin", contents);

  g_assert_cmpint (run_rclone (fixture, "WRONGwrongWRONGwrongWRONGwrongWRONGwrong", NULL, "lsf",
                               REMOTE ":keepsake", NULL),
                   !=, 0);
  g_assert_cmpint (run_rclone (fixture, "WRONGwrongWRONGwrongWRONGwrongWRONGwrong", NULL, "copy",
                               source, REMOTE ":keepsake/intruder", NULL),
                   !=, 0);
  reply = ks_test_s3_request (fixture->s3, "HEAD", "intruder/f.bin", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/peer/rclone/copy-in-and-out", Fixture, NULL, fixture_set_up, test_copy_in_and_out,
              fixture_tear_down);
  g_test_add ("/peer/rclone/delete", Fixture, NULL, fixture_set_up, test_delete, fixture_tear_down);
  g_test_add ("/peer/rclone/wrong-secret", Fixture, NULL, fixture_set_up, test_wrong_secret,
              fixture_tear_down);

  return g_test_run ();
}
