/* test-cli-keyring.c: keepsake-cli with the Secret Service token store,
 * inside run-with-keyring.sh (a throwaway gnome-keyring)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <libsecret/secret.h>

#include "test-cli-common.h"

static const SecretSchema account_schema = {
  "io.github.keepsake.Keepsake.Account",
  SECRET_SCHEMA_NONE,
  {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
  },
};

static char *
lookup_secret (const char *username)
{
  g_autoptr (GError) error = NULL;
  char *secret = secret_password_lookup_sync (&account_schema, NULL, &error, "profile", "default", "username",
                                              username, NULL);

  g_assert_no_error (error);
  return secret;
}

static void
test_keyring_session (CliFixture   *fx,
                      gconstpointer data)
{
  CliUser         *alice = &fx->users[0];
  g_autofree char *photo = cli_write_png (alice->home, "garden.png", 50, 20, 3);
  g_autofree char *sha = cli_file_sha256 (photo);
  g_autofree char *down = g_build_filename (alice->home, "down", NULL);
  g_autofree char *tokens_dir = g_build_filename (alice->home, ".local/state/keepsake/tokens", NULL);
  g_autofree char *refresh = NULL;
  g_autofree char *after = NULL;

  cli_sign_up (fx, alice, NULL);

  /* The refresh token is in the keyring and in no file of the user's. */
  refresh = lookup_secret ("alice");
  g_assert_nonnull (refresh);
  g_assert_cmpuint (strlen (refresh), >=, 16);
  g_assert_false (cli_tree_contains (alice->home, refresh));
  g_assert_false (g_file_test (tokens_dir, G_FILE_TEST_EXISTS));

  {
    g_auto (CliRun) run = cli_run (alice, NULL, "whoami");

    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "alice on "));
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "upload", photo, "--album", "Garden");
    g_assert_cmpint (run.status, ==, 0);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "--json", "ls", "Garden");
    g_autoptr (JsonNode) root = cli_json (&run);
    JsonArray  *photos = json_object_get_array_member (json_node_get_object (root), "photos");
    JsonObject *entry;

    g_assert_cmpuint (json_array_get_length (photos), ==, 1);
    entry = json_array_get_object_element (photos, 0);
    g_assert_cmpstr (json_object_get_string_member (entry, "sha256"), ==, sha);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (entry, "album_ids")), ==, 1);
  }
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "download", "Garden", down);
    g_autofree char *path = g_build_filename (down, "garden.png", NULL);
    g_autofree char *hex = NULL;

    g_assert_cmpint (run.status, ==, 0);
    hex = cli_file_sha256 (path);
    g_assert_cmpstr (hex, ==, sha);
  }
  g_assert_false (cli_tree_contains (alice->home, refresh));

  {
    g_auto (CliRun) run = cli_run (alice, NULL, "logout");
    g_assert_cmpint (run.status, ==, 0);
  }
  after = lookup_secret ("alice");
  g_assert_null (after);
  {
    g_auto (CliRun) run = cli_run (alice, NULL, "whoami");

    g_assert_cmpint (run.status, ==, 3);
    cli_assert_one_line_error (&run);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cli-keyring/session", CliFixture, NULL, cli_fixture_setup, test_keyring_session,
              cli_fixture_teardown);

  return g_test_run ();
}
