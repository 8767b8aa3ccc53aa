/* test-cloud-keyring.c: the refresh token in the Secret Service (a
 * throwaway gnome-keyring, see run-with-keyring.sh) and nowhere else;
 * no Secret Service; the file store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "ks-cloud-error.h"
#include "ks-profile.h"
#include "ks-session.h"
#include "ks-test-cloud.h"

/* A _finish () that returns TRUE, the error printed if not. */
#define assert_finish_ok(call) \
  G_STMT_START                 \
  {                            \
    gboolean ok_ = (call);     \
    g_assert_no_error (error); \
    g_assert_true (ok_);       \
  }                            \
  G_STMT_END

#define PASSWORD "Keyr1ng-Horse-Battery"
#define USERNAME "keyring-user"
#define PROFILE "home"

static KsTestServer *server;
static SoupSession  *soup;
static char         *home; /* the wrapper's HOME, with the keyring's files */

/* What the application stores, spelled out here on purpose: a change to
 * the schema would strand every user's sign-in. */
static const SecretSchema schema = {
  "io.github.keepsake.Keepsake.Account",
  SECRET_SCHEMA_NONE,
  {
      { "profile", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
  },
  0,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
};

static char *
keyring_lookup (void)
{
  g_autoptr (GError) error = NULL;
  char *secret = secret_password_lookup_sync (&schema, NULL, &error, "profile", PROFILE, "username",
                                              USERNAME, NULL);

  g_assert_no_error (error);
  return secret;
}

static gboolean
contains (const char *haystack,
          gsize       len,
          const char *needle)
{
  gsize needle_len = strlen (needle);

  for (gsize i = 0; i + needle_len <= len; i++)
    if (memcmp (haystack + i, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

/* Every regular file under @dir holding @needle; counts the files read. */
static void
find_in_tree (const char *dir,
              const char *needle,
              GPtrArray  *found,
              guint      *n_files)
{
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize            len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          find_in_tree (path, needle, found, n_files);
          continue;
        }
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || !g_file_get_contents (path, &contents, &len, NULL))
        continue;
      (*n_files)++;
      if (contains (contents, len, needle))
        g_ptr_array_add (found, g_strdup (path));
    }
}

static void
assert_not_on_disk (const char *secret)
{
  const char *dirs[] = {
    g_get_user_config_dir (),
    g_get_user_data_dir (),
    g_get_user_state_dir (),
    g_get_user_cache_dir (),
    g_get_home_dir (),
    home,
  };
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  guint n_files = 0;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    find_in_tree (dirs[i], secret, found, &n_files);

  /* The search did read something: profiles.ini at least. */
  g_assert_cmpuint (n_files, >, 0);
  for (guint i = 0; i < found->len; i++)
    g_test_message ("refresh token found in %s", (char *) g_ptr_array_index (found, i));
  g_assert_cmpuint (found->len, ==, 0);
}

static void
assert_api_accepts (KsSession *session)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (server, "GET", "/v1/me");
  g_autofree char *token = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr (GBytes) body = NULL;

  ks_token_source_get_access_token_async (KS_TOKEN_SOURCE (session), NULL, NULL, ks_test_store_result,
                                          &result);
  token = ks_token_source_get_access_token_finish (KS_TOKEN_SOURCE (session),
                                                   ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  bearer = g_strconcat ("Bearer ", token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  body = ks_test_server_send (server, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
}

static KsProfile *
make_profile (void)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsServerInfo) info = NULL;
  g_autoptr (KsProfile) profile = NULL;

  ks_discover_async (soup, ks_test_server_get_base_url (server), NULL, ks_test_store_result, &result);
  info = ks_discover_finish (ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  profile = ks_profile_new (PROFILE, ks_test_server_get_base_url (server), info);
  g_assert_true (ks_profile_save (profile, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&profile);
}

static void
test_secret_service (void)
{
  g_autoptr (KsProfile) profile = make_profile ();
  g_autoptr (KsTokenStore) store = ks_token_store_new (KS_TOKEN_STORE_SECRET_SERVICE, NULL);
  g_autoptr (KsSession) session = ks_session_new (soup, profile, store);
  g_autoptr (KsSession) restored = NULL;
  g_autoptr (GAsyncResult) signed_up = NULL;
  g_autoptr (GAsyncResult) signed_in = NULL;
  g_autoptr (GAsyncResult) restoring = NULL;
  g_autoptr (GAsyncResult) signed_out = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *gone = NULL;
  gboolean         confirmed = FALSE;

  ks_cognito_client_sign_up_async (ks_session_get_cognito (session), USERNAME, PASSWORD, "k@example.org",
                                   NULL, ks_test_store_result, &signed_up);
  assert_finish_ok (ks_cognito_client_sign_up_finish (ks_session_get_cognito (session),
                                                      ks_test_wait_result (&signed_up), &confirmed, &error));
  g_assert_true (confirmed);
  g_assert_null (keyring_lookup ());

  ks_session_sign_in_async (session, USERNAME, PASSWORD, KS_AUTH_FLOW_AUTO, NULL, ks_test_store_result,
                            &signed_in);
  assert_finish_ok (ks_session_sign_in_finish (session, ks_test_wait_result (&signed_in), &error));

  secret = keyring_lookup ();
  g_assert_nonnull (secret);
  g_assert_cmpuint (strlen (secret), >=, 32);
  assert_not_on_disk (secret);

  /* A new run: the keyring is all it has. */
  restored = ks_session_new (soup, profile, store);
  ks_session_restore_async (restored, USERNAME, NULL, ks_test_store_result, &restoring);
  assert_finish_ok (ks_session_restore_finish (restored, ks_test_wait_result (&restoring), &error));
  g_assert_true (ks_session_get_signed_in (restored));
  assert_api_accepts (restored);

  ks_session_sign_out_async (restored, NULL, ks_test_store_result, &signed_out);
  assert_finish_ok (ks_session_sign_out_finish (restored, ks_test_wait_result (&signed_out), &error));
  gone = keyring_lookup ();
  g_assert_null (gone);
}

static void
test_no_secret_service (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr (KsTokenStore) store = NULL;
      g_autoptr (GAsyncResult) saved = NULL;
      g_autoptr (GAsyncResult) looked_up = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *token = NULL;

      g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/keepsake-test-bus", TRUE);
      store = ks_token_store_new (KS_TOKEN_STORE_SECRET_SERVICE, NULL);

      ks_token_store_save_async (store, PROFILE, USERNAME, "a-refresh-token", NULL, ks_test_store_result,
                                 &saved);
      g_assert_false (ks_token_store_save_finish (store, ks_test_wait_result (&saved), &error));
      g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NO_SECRET_SERVICE);
      g_assert_nonnull (strstr (error->message, "keyring"));
      g_assert_null (strstr (error->message, "a-refresh-token"));
      g_print ("%s\n", error->message);
      g_clear_error (&error);

      ks_token_store_lookup_async (store, PROFILE, USERNAME, NULL, ks_test_store_result, &looked_up);
      token = ks_token_store_lookup_finish (store, ks_test_wait_result (&looked_up), &error);
      g_assert_null (token);
      g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NO_SECRET_SERVICE);
      return;
    }

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*No keyring is available*");
}

static char *
file_store_call (KsTokenStore *store,
                 const char   *op,
                 const char   *profile,
                 const char   *token,
                 GError      **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  if (g_str_equal (op, "save"))
    {
      ks_token_store_save_async (store, profile, USERNAME, token, NULL, ks_test_store_result, &result);
      return ks_token_store_save_finish (store, ks_test_wait_result (&result), error) ? g_strdup ("ok") : NULL;
    }
  if (g_str_equal (op, "clear"))
    {
      ks_token_store_clear_async (store, profile, USERNAME, NULL, ks_test_store_result, &result);
      return ks_token_store_clear_finish (store, ks_test_wait_result (&result), error) ? g_strdup ("ok") : NULL;
    }
  ks_token_store_lookup_async (store, profile, USERNAME, NULL, ks_test_store_result, &result);
  return ks_token_store_lookup_finish (store, ks_test_wait_result (&result), error);
}

static void
test_file_store (void)
{
  g_autoptr (KsTokenStore) store = ks_token_store_new (KS_TOKEN_STORE_FILE, NULL);
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "keepsake", "tokens", NULL);
  g_autofree char *path = g_build_filename (dir, PROFILE ".json", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *found = NULL;
  g_autofree char *cleared = NULL;
  g_autofree char *missing = NULL;
  g_autofree char *bad = NULL;
  struct stat      st;

  g_assert_cmpint (ks_token_store_get_kind (store), ==, KS_TOKEN_STORE_FILE);
  saved = file_store_call (store, "save", PROFILE, "file-refresh-token", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  found = file_store_call (store, "lookup", PROFILE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found, ==, "file-refresh-token");

  cleared = file_store_call (store, "clear", PROFILE, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  missing = file_store_call (store, "lookup", PROFILE, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (missing);

  /* A profile name never becomes a path outside the store. */
  bad = file_store_call (store, "save", "../escape", "x", &error);
  g_assert_null (bad);
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  home = g_strdup (g_getenv ("HOME"));
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cloud/keyring/secret-service", test_secret_service);
  g_test_add_func ("/cloud/keyring/no-secret-service", test_no_secret_service);
  g_test_add_func ("/cloud/keyring/file-store", test_file_store);

  if (g_test_subprocess ())
    return g_test_run ();

  server = ks_test_server_new ();
  ks_test_server_add_args (server, "--auto-confirm", NULL);
  ks_test_server_start (server);
  soup = ks_cloud_soup_session_new ();
  soup_session_set_proxy_resolver (soup, NULL);

  status = g_test_run ();

  /* libsecret keeps its connection to the service until told. */
  secret_service_disconnect ();
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (soup);
  ks_test_server_stop (server);
  ks_test_server_free (server);
  g_free (home);
  return status;
}
