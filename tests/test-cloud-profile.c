/* test-cloud-profile.c: profiles.ini and discovery, against the real
 * server and a small server of bad documents
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "ks-cloud-error.h"
#include "ks-profile.h"
#include "ks-test-cloud.h"

static KsTestServer *server;
static SoupSession  *soup;

static KsServerInfo *
discover (const char *url,
          GError    **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_discover_async (soup, url, NULL, ks_test_store_result, &result);
  return ks_discover_finish (ks_test_wait_result (&result), error);
}

/* ---- Against keepsake-server ---- */

static void
test_discover (void)
{
  const char      *base = ks_test_server_get_base_url (server);
  g_autofree char *with_slash = g_strconcat (base, "/", NULL);
  g_autofree char *document = g_strconcat (base, "/.well-known/keepsake.json", NULL);
  g_autofree char *api_url = g_strconcat (base, "/v1", NULL);
  g_autoptr (JsonNode) expected = NULL;
  const char *const urls[] = { base, with_slash, document };
  guint             status = 0;

  expected = ks_test_server_get_json (server, "/.well-known/keepsake.json", &status);
  g_assert_cmpuint (status, ==, 200);

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsServerInfo) info = discover (urls[i], &error);
      g_autoptr (KsServerInfo) copy = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (info->api_url, ==, api_url);
      g_assert_cmpstr (info->cognito_endpoint, ==, ks_test_json_get_string (expected, "cognito.endpoint"));
      g_assert_cmpstr (info->region, ==, ks_test_json_get_string (expected, "cognito.region"));
      g_assert_cmpstr (info->user_pool_id, ==, ks_test_json_get_string (expected, "cognito.user_pool_id"));
      g_assert_cmpstr (info->client_id, ==, ks_test_json_get_string (expected, "cognito.client_id"));
      g_assert_null (info->client_secret);
      /* The built-in service says what a new password needs. */
      g_assert_nonnull (info->password_policy);
      g_assert_cmpuint (info->password_policy->minimum_length, ==,
                        ks_test_json_get_int (expected, "cognito.password_policy.minimum_length"));
      g_assert_cmpuint (info->password_policy->minimum_length, ==, 8);
      g_assert_true (info->password_policy->require_uppercase && info->password_policy->require_lowercase &&
                     info->password_policy->require_numbers && info->password_policy->require_symbols);

      copy = ks_server_info_copy (info);
      g_assert_cmpstr (copy->client_id, ==, info->client_id);
      g_assert_true (copy->password_policy != info->password_policy);
      g_assert_cmpmem (copy->password_policy, sizeof *copy->password_policy, info->password_policy,
                       sizeof *info->password_policy);
    }
}

/* What people type: no scheme means plain HTTP to this computer (where a
 * local server listens) and HTTPS anywhere else; a scheme stays. */
static void
test_server_address (void)
{
  const struct
  {
    const char *address;
    const char *url;
  } cases[] = {
    { "127.0.0.1:8357", "http://127.0.0.1:8357" },
    { "  localhost:8357/ ", "http://localhost:8357/" },
    { "LocalHost", "http://LocalHost" },
    { "[::1]:8357", "http://[::1]:8357" },
    { "127.1.2.3", "http://127.1.2.3" },
    { "photos.example.org", "https://photos.example.org" },
    { "localhost.example.org:8443", "https://localhost.example.org:8443" },
    { "192.0.2.1:8357", "https://192.0.2.1:8357" },
    { "http://photos.example.org", "http://photos.example.org" },
    { "https://127.0.0.1:8357", "https://127.0.0.1:8357" },
    { "not a host", "https://not a host" },
  };
  g_autofree char *typed = g_strdup_printf ("127.0.0.1:%u", ks_test_server_get_port (server));
  g_autofree char *url = ks_profile_url_from_address (typed);
  g_autoptr (GError) error = NULL;
  g_autoptr (KsServerInfo) info = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = ks_profile_url_from_address (cases[i].address);
      g_assert_cmpstr (got, ==, cases[i].url);
    }

  /* The real server, as typed. */
  g_assert_cmpstr (url, ==, ks_test_server_get_base_url (server));
  info = discover (url, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
}

static void
test_bad_urls (void)
{
  const struct
  {
    const char  *url;
    KsCloudError code;
  } cases[] = {
    { "ftp://127.0.0.1/", KS_CLOUD_ERROR_CONFIG },
    { "file:///etc/passwd", KS_CLOUD_ERROR_CONFIG },
    { "not a url", KS_CLOUD_ERROR_CONFIG },
    { "https://", KS_CLOUD_ERROR_CONFIG },
    { "https://user:pw@example.org/", KS_CLOUD_ERROR_CONFIG },
    /* Plain http leaves the machine: refused before any connection. */
    { "http://example.org", KS_CLOUD_ERROR_CONFIG },
    { "http://192.0.2.1:8080/", KS_CLOUD_ERROR_CONFIG },
    { "http://localhost.example.org/", KS_CLOUD_ERROR_CONFIG },
    /* Loopback is fine, but nothing listens on port 1. */
    { "http://127.0.0.1:1", KS_CLOUD_ERROR_NETWORK },
    { "http://[::1]:1/", KS_CLOUD_ERROR_NETWORK },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsServerInfo) info = discover (cases[i].url, &error);

      g_test_message ("%s: %s", cases[i].url, error != NULL ? error->message : "(no error)");
      g_assert_null (info);
      g_assert_error (error, KS_CLOUD_ERROR, cases[i].code);
      g_assert_true (g_str_has_suffix (error->message, ".") || g_str_has_suffix (error->message, ")."));
    }
}

/* ---- Bad documents, from a server on a thread of its own ---- */

static const char *
bad_document (const char *path,
              guint      *status)
{
  static const struct
  {
    const char *name;
    const char *body;
  } documents[] = {
    { "/good", "{\"api_url\":\"http://127.0.0.1:9/v1/\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/cognito\","
               "\"region\":\"eu-west-1\",\"user_pool_id\":\"eu-west-1_Pool\",\"client_id\":\"abc\"},"
               "\"s3\":{},\"version\":\"9\",\"extra\":true}" },
    { "/truncated", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{" },
    { "/not-json", "<html>Welcome to nginx!</html>" },
    { "/empty", "" },
    { "/array", "[]" },
    { "/comments", "{/* hi */}" },
    { "/no-cognito", "{\"api_url\":\"http://127.0.0.1:9/v1\"}" },
    { "/cognito-string", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":\"x\"}" },
    { "/missing-client", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                         "\"region\":\"r\",\"user_pool_id\":\"r_p\"}}" },
    { "/number-client", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                        "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":5}}" },
    { "/null-region", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                      "\"region\":null,\"user_pool_id\":\"r_p\",\"client_id\":\"c\"}}" },
    { "/empty-client", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                       "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":\"\"}}" },
    { "/remote-http", "{\"api_url\":\"http://example.org/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                      "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":\"c\"}}" },
    { "/relative", "{\"api_url\":\"/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                   "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":\"c\"}}" },
    { "/policy", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                 "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":\"c\",\"password_policy\":"
                 "{\"minimum_length\":12,\"require_uppercase\":false,\"require_lowercase\":true,"
                 "\"require_numbers\":false,\"require_symbols\":true,\"later\":1}}}" },
    { "/policy-string", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                        "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":\"c\",\"password_policy\":\"8\"}}" },
    { "/policy-length", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                        "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":\"c\",\"password_policy\":"
                        "{\"minimum_length\":-1,\"require_uppercase\":true,\"require_lowercase\":true,"
                        "\"require_numbers\":true,\"require_symbols\":true}}}" },
    { "/policy-partial", "{\"api_url\":\"http://127.0.0.1:9/v1\",\"cognito\":{\"endpoint\":\"http://127.0.0.1:9/c\","
                         "\"region\":\"r\",\"user_pool_id\":\"r_p\",\"client_id\":\"c\",\"password_policy\":"
                         "{\"minimum_length\":8,\"require_uppercase\":\"yes\"}}}" },
  };
  g_autofree char *name = g_strndup (path, strlen (path) - strlen ("/.well-known/keepsake.json"));

  *status = 200;
  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    if (g_str_equal (name, documents[i].name))
      return documents[i].body;

  *status = g_str_equal (name, "/error") ? 500 : 404;
  return "{\"error\":{\"code\":\"NotFound\",\"message\":\"no\"}}";
}

static void
bad_handler (SoupServerMessage *msg,
             const char        *path,
             gpointer           user_data)
{
  guint       status = 404;
  const char *body = "";

  if (g_str_has_prefix (path, "/huge/"))
    {
      g_autofree char *huge = g_strnfill (100 * 1024, ' ');

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, huge, strlen (huge));
      return;
    }
  if (g_str_has_suffix (path, "/.well-known/keepsake.json"))
    body = bad_document (path, &status);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
test_malformed_documents (void)
{
  const char *const bad[] = {
    "truncated",
    "not-json",
    "empty",
    "array",
    "comments",
    "no-cognito",
    "cognito-string",
    "missing-client",
    "number-client",
    "null-region",
    "empty-client",
    "remote-http",
    "relative",
    "policy-string",
    "policy-length",
    "policy-partial",
    "missing",
    "error",
    "huge",
  };
  g_autoptr (KsTestHttp) bad_server = ks_test_http_new (bad_handler, NULL);
  g_autofree char *base = g_strconcat (ks_test_http_get_url (bad_server), "/", NULL);
  g_autofree char *good = NULL;
  g_autoptr (KsServerInfo) info = NULL;
  g_autoptr (GError) error = NULL;

  /* The test server itself works: unknown members ignored, slashes trimmed. */
  good = g_strconcat (base, "good", NULL);
  info = discover (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->api_url, ==, "http://127.0.0.1:9/v1");
  g_assert_cmpstr (info->client_id, ==, "abc");
  g_assert_null (info->password_policy);

  /* A policy is read as the server says it, later members ignored. */
  g_clear_pointer (&info, ks_server_info_free);
  g_free (good);
  good = g_strconcat (base, "policy", NULL);
  info = discover (good, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info->password_policy);
  g_assert_cmpuint (info->password_policy->minimum_length, ==, 12);
  g_assert_false (info->password_policy->require_uppercase);
  g_assert_true (info->password_policy->require_lowercase);
  g_assert_false (info->password_policy->require_numbers);
  g_assert_true (info->password_policy->require_symbols);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *url = g_strconcat (base, bad[i], NULL);
      g_autoptr (KsServerInfo) nothing = discover (url, &error);

      g_test_message ("%s: %s", bad[i], error != NULL ? error->message : "(no error)");
      g_assert_null (nothing);
      if (g_str_equal (bad[i], "error"))
        g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_SERVER);
      else
        g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG);
      g_clear_error (&error);
    }
}

/* ---- profiles.ini ---- */

static KsServerInfo *
sample_info (const char *host)
{
  KsServerInfo *info = g_new0 (KsServerInfo, 1);

  info->api_url = g_strdup_printf ("https://%s/v1", host);
  info->cognito_endpoint = g_strdup_printf ("https://%s/cognito", host);
  info->region = g_strdup ("eu-west-1");
  info->user_pool_id = g_strdup ("eu-west-1_Pool");
  info->client_id = g_strdup ("client-id");
  return info;
}

static void
assert_mode (const char *path,
             guint       mode)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static void
test_profiles (void)
{
  g_autofree char *dir = ks_profile_default_config_dir ();
  g_autofree char *path = g_build_filename (dir, "profiles.ini", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (KsServerInfo) home_info = sample_info ("home.example.org");
  g_autoptr (KsServerInfo) work_info = sample_info ("work.example.org");
  g_autoptr (KsProfile) home = ks_profile_new ("home-nas", "home.example.org", home_info);
  g_autoptr (KsProfile) work = ks_profile_new ("work", "https://work.example.org", work_info);
  g_autoptr (KsProfile) loaded = NULL;
  g_autoptr (KsProfile) copy = NULL;
  g_autoptr (KsProfile) gone = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) names = NULL;
  g_auto (GStrv) empty = NULL;

  g_assert_cmpstr (dir + strlen (dir) - strlen ("/keepsake"), ==, "/keepsake");
  empty = ks_profile_list (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);

  home->username = g_strdup ("alice");
  home->token_store = KS_TOKEN_STORE_FILE;
  home->server->client_secret = g_strdup ("Secret-Never-Written");
  home->server->password_policy = g_new0 (KsPasswordPolicy, 1);
  *home->server->password_policy = (KsPasswordPolicy){ .minimum_length = 10,
                                                       .require_uppercase = TRUE,
                                                       .require_numbers = TRUE };
  g_assert_true (ks_profile_save (home, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ks_profile_save (work, NULL, &error));
  g_assert_no_error (error);
  assert_mode (dir, 0700);
  assert_mode (path, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "Secret-Never-Written"));

  names = ks_profile_list (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), ==, 2);
  g_assert_cmpstr (names[0], ==, "home-nas");
  g_assert_cmpstr (names[1], ==, "work");

  loaded = ks_profile_load (NULL, "home-nas", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->url, ==, "home.example.org");
  g_assert_cmpstr (loaded->username, ==, "alice");
  g_assert_cmpint (loaded->token_store, ==, KS_TOKEN_STORE_FILE);
  g_assert_cmpstr (loaded->server->api_url, ==, home_info->api_url);
  g_assert_cmpstr (loaded->server->cognito_endpoint, ==, home_info->cognito_endpoint);
  g_assert_cmpstr (loaded->server->user_pool_id, ==, "eu-west-1_Pool");
  g_assert_nonnull (loaded->server->password_policy);
  g_assert_cmpmem (loaded->server->password_policy, sizeof (KsPasswordPolicy), home->server->password_policy,
                   sizeof (KsPasswordPolicy));
  copy = ks_profile_copy (loaded);
  g_assert_cmpstr (copy->username, ==, "alice");

  /* Saving again replaces; the other profile stays. */
  work->username = g_strdup ("bob");
  g_assert_true (ks_profile_save (work, NULL, &error));
  g_assert_true (ks_profile_remove (NULL, "home-nas", &error));
  g_assert_no_error (error);
  gone = ks_profile_load (NULL, "home-nas", &error);
  g_assert_null (gone);
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "home-nas"));
  g_clear_error (&error);
  g_assert_false (ks_profile_remove (NULL, "home-nas", &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG);
  g_clear_error (&error);

  g_strfreev (names);
  names = ks_profile_list (NULL, &error);
  g_assert_cmpuint (g_strv_length (names), ==, 1);
  g_clear_pointer (&loaded, ks_profile_free);
  loaded = ks_profile_load (NULL, "work", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->username, ==, "bob");
  g_assert_cmpint (loaded->token_store, ==, KS_TOKEN_STORE_SECRET_SERVICE);
  g_assert_null (loaded->server->password_policy);
}

static void
test_profile_bad_files (void)
{
  g_autofree char  *dir = g_dir_make_tmp ("ks-profiles-XXXXXX", NULL);
  g_autofree char  *path = g_build_filename (dir, "profiles.ini", NULL);
  const char *const bad[] = {
    "not a key file",
    "[p]\nurl=x\n",
    "[p]\nurl=x\napi_url=http://example.org/v1\ncognito_endpoint=https://a/c\nregion=r\n"
    "user_pool_id=r_p\nclient_id=c\n",
    "[p]\nurl=x\napi_url=https://a/v1\ncognito_endpoint=https://a/c\nregion=r\n"
    "user_pool_id=r_p\nclient_id=c\ntoken_store=paper\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsProfile) profile = NULL;

      g_assert_true (g_file_set_contents (path, bad[i], -1, NULL));
      profile = ks_profile_load (dir, "p", &error);
      g_assert_null (profile);
      g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG);
    }

  /* The password policy is only a hint for forms: a wrong one is
   * unknown, the profile still usable. */
  for (guint i = 0; i < 3; i++)
    {
      const char *const lengths[] = { "many", "-1", "1000" };
      g_autofree char  *text = g_strdup_printf ("[p]\nurl=x\napi_url=https://a/v1\ncognito_endpoint=https://a/c\n"
                                                 "region=r\nuser_pool_id=r_p\nclient_id=c\n"
                                                 "password_minimum_length=%s\npassword_requires=symbols;\n",
                                                lengths[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (KsProfile) profile = NULL;

      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      profile = ks_profile_load (dir, "p", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (profile->server->client_id, ==, "c");
      g_assert_null (profile->server->password_policy);
    }

  ks_test_remove_tree (dir);
}

static void
test_profile_names (void)
{
  const char *const good[] = { "default", "home-nas", "a", "A.b_c-1", "0" };
  const char *const bad[] = { "", ".hidden", "..", "a/b", "a b", "ü", "a\n", "[x]" };
  g_autofree char  *long_name = g_strnfill (65, 'x');
  g_autofree char  *max_name = g_strnfill (64, 'x');
  g_autoptr (KsServerInfo) info = sample_info ("example.org");
  g_autoptr (KsProfile) profile = ks_profile_new ("../evil", "https://example.org", info);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (ks_profile_name_is_valid (good[i]));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (ks_profile_name_is_valid (bad[i]));
  g_assert_false (ks_profile_name_is_valid (long_name));
  g_assert_true (ks_profile_name_is_valid (max_name));
  g_assert_false (ks_profile_name_is_valid (NULL));

  g_assert_false (ks_profile_save (profile, NULL, &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CONFIG);
}

static void
test_tokens_copy (void)
{
  KsTokens tokens = { (char *) "id", (char *) "access", NULL, 3600, 42 };
  g_autoptr (KsTokens) copy = ks_tokens_copy (&tokens);

  g_assert_cmpstr (copy->id_token, ==, "id");
  g_assert_cmpstr (copy->access_token, ==, "access");
  g_assert_null (copy->refresh_token);
  g_assert_cmpint (copy->expires_in, ==, 3600);
  g_assert_cmpint (copy->obtained_at, ==, 42);
  g_assert_null (ks_tokens_copy (NULL));
  ks_tokens_free (NULL);
}

/* Three uploads, each sending an original and two thumbnails at once,
 * beside an API call: libsoup's default of two connections a host
 * queued them behind each other. */
static void
test_session_connections (void)
{
  g_autoptr (SoupSession) session = ks_cloud_soup_session_new ();
  guint per_host = 0;
  guint total = 0;

  g_object_get (session, "max-conns-per-host", &per_host, "max-conns", &total, NULL);
  g_assert_cmpuint (per_host, >=, 3 * 3 + 1);
  g_assert_cmpuint (total, >=, 2 * per_host);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cloud/profile/discover", test_discover);
  g_test_add_func ("/cloud/profile/server-address", test_server_address);
  g_test_add_func ("/cloud/profile/bad-urls", test_bad_urls);
  g_test_add_func ("/cloud/profile/malformed-documents", test_malformed_documents);
  g_test_add_func ("/cloud/profile/profiles", test_profiles);
  g_test_add_func ("/cloud/profile/bad-files", test_profile_bad_files);
  g_test_add_func ("/cloud/profile/names", test_profile_names);
  g_test_add_func ("/cloud/profile/tokens", test_tokens_copy);
  g_test_add_func ("/cloud/profile/session-connections", test_session_connections);

  server = ks_test_server_new ();
  ks_test_server_start (server);
  soup = ks_cloud_soup_session_new ();
  soup_session_set_proxy_resolver (soup, NULL);

  status = g_test_run ();

  g_object_unref (soup);
  ks_test_server_stop (server);
  ks_test_server_free (server);
  return status;
}
