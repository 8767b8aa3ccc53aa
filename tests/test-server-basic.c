/* test-server-basic.c: keepsake-server starts, answers, stops and refuses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <sqlite3.h>

#include "ks-server-db.h"
#include "ks-server-http.h"
#include "ks-test-server.h"

#define DISCOVERY "/.well-known/keepsake.json"

static char *
read_data_file (KsTestServer *server,
                const char   *name)
{
  g_autofree char *path = ks_test_server_dup_data_path (server, name);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  return contents;
}

static void
write_data_file (KsTestServer *server,
                 const char   *name,
                 const char   *contents,
                 gssize        len)
{
  g_autofree char *path = ks_test_server_dup_data_path (server, name);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (ks_test_server_get_data_dir (server), 0700), ==, 0);
  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static JsonNode *
get_discovery (KsTestServer *server)
{
  guint     status = 0;
  JsonNode *root = ks_test_server_get_json (server, DISCOVERY, &status);

  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  return root;
}

static void
assert_error_body (GBytes     *body,
                   const char *code)
{
  g_autoptr (JsonNode) root = ks_test_parse_json (body);

  g_assert_cmpstr (ks_test_json_get_string (root, "error.code"), ==, code);
  g_assert_cmpstr (ks_test_json_get_string (root, "error.message"), !=, "");
}

static void
test_start_prints_line (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autofree char *expected = NULL;

  ks_test_server_start (server);
  g_assert_cmpuint (ks_test_server_get_port (server), >, 0);
  expected = g_strdup_printf ("http://127.0.0.1:%u", ks_test_server_get_port (server));
  g_assert_cmpstr (ks_test_server_get_base_url (server), ==, expected);
  ks_test_server_stop (server);
}

static void
assert_url (JsonNode   *root,
            const char *member,
            const char *base,
            const char *suffix)
{
  g_autofree char *expected = g_strconcat (base, suffix, NULL);

  g_assert_cmpstr (ks_test_json_get_string (root, member), ==, expected);
}

static void
test_discovery_fields (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *base;
  const char *pool;
  const char *client;

  ks_test_server_start (server);
  base = ks_test_server_get_base_url (server);
  root = get_discovery (server);

  assert_url (root, "api_url", base, "/v1");
  assert_url (root, "cognito.endpoint", base, "/cognito");
  assert_url (root, "s3.endpoint", base, "/s3");
  g_assert_cmpstr (ks_test_json_get_string (root, "cognito.region"), ==, "us-east-1");
  g_assert_cmpstr (ks_test_json_get_string (root, "s3.region"), ==, "us-east-1");
  g_assert_cmpstr (ks_test_json_get_string (root, "s3.bucket"), ==, "keepsake");
  g_assert_cmpstr (ks_test_json_get_string (root, "version"), ==, PACKAGE_VERSION);
  /* The policy its built-in service applies (/idp/password-policy). */
  g_assert_cmpint (ks_test_json_get_int (root, "cognito.password_policy.minimum_length"), ==, 8);
  g_assert_true (ks_test_json_get_boolean (root, "cognito.password_policy.require_uppercase"));
  g_assert_true (ks_test_json_get_boolean (root, "cognito.password_policy.require_lowercase"));
  g_assert_true (ks_test_json_get_boolean (root, "cognito.password_policy.require_numbers"));
  g_assert_true (ks_test_json_get_boolean (root, "cognito.password_policy.require_symbols"));

  pool = ks_test_json_get_string (root, "cognito.user_pool_id");
  client = ks_test_json_get_string (root, "cognito.client_id");
  g_assert_true (g_regex_match_simple ("^us-east-1_[A-Za-z0-9]{9}$", pool, 0, 0));
  g_assert_true (g_regex_match_simple ("^[a-z0-9]{26}$", client, 0, 0));

  ks_test_server_stop (server);
}

static void
test_discovery_public_url (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (JsonNode) root = NULL;
  const char *base = "https://photos.example.org/keepsake";

  ks_test_server_add_args (server, "--public-url", "https://photos.example.org/keepsake/", NULL);
  ks_test_server_start (server);
  root = get_discovery (server);

  assert_url (root, "api_url", base, "/v1");
  assert_url (root, "cognito.endpoint", base, "/cognito");
  assert_url (root, "s3.endpoint", base, "/s3");
  ks_test_server_stop (server);
}

static void
test_discovery_head (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) body = NULL;

  ks_test_server_start (server);
  msg = ks_test_server_new_message (server, SOUP_METHOD_HEAD, DISCOVERY);
  body = ks_test_server_send (server, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
  ks_test_server_stop (server);
}

static void
test_not_found (void)
{
  const char *paths[] = { "/", "/nope", "/v2/photos?x=1", "/.well-known/keepsake.json/",
                          "/.well-known/keepsake%2Ejson%00" };
  g_autoptr (KsTestServer) server = ks_test_server_new ();

  ks_test_server_start (server);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (SoupMessage) msg = ks_test_server_new_message (server, SOUP_METHOD_GET, paths[i]);
      g_autoptr (GBytes) body = ks_test_server_send (server, msg);

      g_test_message ("GET %s", paths[i]);
      g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_NOT_FOUND);
      g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                       ==, "application/json");
      assert_error_body (body, KS_SERVER_HTTP_NOT_FOUND);
    }
  ks_test_server_stop (server);
}

static void
test_method_not_allowed (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) request = g_bytes_new_static ("{}", 2);
  g_autoptr (GBytes) body = NULL;

  ks_test_server_start (server);
  msg = ks_test_server_new_message (server, SOUP_METHOD_POST, DISCOVERY);
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  body = ks_test_server_send (server, msg);

  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Allow"),
                   ==, "GET, HEAD");
  assert_error_body (body, KS_SERVER_HTTP_METHOD_NOT_ALLOWED);
  ks_test_server_stop (server);
}

static guint
post_zeros (KsTestServer *server,
            const char   *path,
            gsize         size)
{
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (server, SOUP_METHOD_POST, path);
  g_autofree char *zeros = g_malloc0 (size);
  g_autoptr (GBytes) request = g_bytes_new_take (g_steal_pointer (&zeros), size);
  g_autoptr (GBytes) body = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  body = ks_test_server_send (server, msg);
  if (soup_message_get_status (msg) == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    assert_error_body (body, KS_SERVER_HTTP_PAYLOAD_TOO_LARGE);

  return soup_message_get_status (msg);
}

static void
test_body_too_large (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (JsonNode) root = NULL;

  ks_test_server_start (server);
  g_assert_cmpuint (post_zeros (server, "/v2/photos", 2 * 1024 * 1024), ==, 413);
  g_assert_cmpuint (post_zeros (server, DISCOVERY, 1024 * 1024 + 1), ==, 413);
  g_assert_cmpuint (post_zeros (server, "/v2/photos", 1024 * 1024), ==, 404);
  root = get_discovery (server);
  ks_test_server_stop (server);
}

/* With Expect: 100-continue the body is refused before it is sent. */
static void
test_body_too_large_expect (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (GIOStream) stream = NULL;
  g_autofree char *reply = NULL;

  ks_test_server_start (server);
  stream = ks_test_server_connect_raw (server);
  ks_test_raw_write (stream, "POST /v2/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Type: application/json\r\nContent-Length: 1073741824\r\n"
                             "Expect: 100-continue\r\n\r\n");
  reply = ks_test_raw_read_until (stream, "\r\n\r\n");
  g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 413 "));
  ks_test_server_stop (server);
}

/* A client that sends a huge body anyway is cut off, not read forever. */
static void
test_body_too_large_hang_up (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (GIOStream) stream = NULL;
  g_autofree char *zeros = g_malloc0 (64 * 1024);
  GOutputStream   *out;
  gsize            sent = 0;

  ks_test_server_start (server);
  stream = ks_test_server_connect_raw (server);
  out = g_io_stream_get_output_stream (stream);
  ks_test_raw_write (stream, "POST /v2/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Content-Length: 1073741824\r\n\r\n");

  while (sent < 512 * 1024 * 1024)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_output_stream_write (out, zeros, 64 * 1024, NULL, &error);

      if (n < 0)
        break;
      sent += (gsize) n;
    }

  g_test_message ("cut off after %" G_GSIZE_FORMAT " bytes", sent);
  g_assert_cmpuint (sent, >=, 16 * 1024 * 1024);
  g_assert_cmpuint (sent, <, 512 * 1024 * 1024);
  json_node_unref (get_discovery (server));
  ks_test_server_stop (server);
}

/* Clients that close a kept-alive connection must not cost the server a
 * file descriptor each (libsoup 3.2 lost them). */
static void
test_no_descriptor_leak (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  guint before;
  guint after = 0;

  ks_test_server_start (server);
  before = ks_test_server_count_open_files (server);
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr (GIOStream) stream = ks_test_server_connect_raw (server);
      g_autofree char *reply = NULL;

      ks_test_raw_write (stream, "GET " DISCOVERY " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      reply = ks_test_raw_read_until (stream, "\"version\"");
      g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 200 "));
      g_io_stream_close (stream, NULL, NULL);
    }
  /* The server notices the closes asynchronously: give it a moment. */
  for (guint tries = 0; tries < 50; tries++)
    {
      after = ks_test_server_count_open_files (server);
      if (after <= before + 2)
        break;
      g_usleep (100 * 1000);
    }

  g_test_message ("descriptors: %u before, %u after", before, after);
  g_assert_cmpuint (after, <=, before + 2);
  ks_test_server_stop (server);
}

/* One connection serves request after request: clients with a keep-alive
 * pool (the AWS SDKs, rclone, libsoup) must not send into a closed socket.
 * libsoup 3.2 closes connections silently unless the server has a
 * listener of its own; ks_server_listen() gives it one. */
static void
test_keep_alive (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (GIOStream) stream = NULL;

  ks_test_server_start (server);
  stream = ks_test_server_connect_raw (server);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *reply = NULL;

      ks_test_raw_write (stream, "GET " DISCOVERY " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      reply = ks_test_raw_read_until (stream, "\"version\"");
      g_assert_true (g_str_has_prefix (reply, "HTTP/1.1 200 "));
      g_assert_null (g_strstr_len (reply, -1, "Connection: close"));
    }
  ks_test_server_stop (server);
}

static void
test_sigterm_and_sigint (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autofree char *log = NULL;

  ks_test_server_start (server);
  json_node_unref (get_discovery (server));
  g_assert_cmpint (ks_test_server_stop_with_signal (server, SIGTERM), ==, 0);
  ks_test_server_start (server);
  g_assert_cmpint (ks_test_server_stop_with_signal (server, SIGINT), ==, 0);

  log = ks_test_server_dup_log (server);
  g_assert_null (strstr (log, "CRITICAL"));
  g_assert_null (strstr (log, "WARNING"));
}

static void
assert_same_identity (JsonNode *before,
                      JsonNode *after)
{
  g_assert_cmpstr (ks_test_json_get_string (before, "cognito.user_pool_id"),
                   ==, ks_test_json_get_string (after, "cognito.user_pool_id"));
  g_assert_cmpstr (ks_test_json_get_string (before, "cognito.client_id"),
                   ==, ks_test_json_get_string (after, "cognito.client_id"));
}

static void
test_restart_keeps_identity (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (JsonNode) after = NULL;
  g_autoptr (JsonNode) after_crash = NULL;
  g_autofree char *key = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *creds = NULL;
  g_autofree char *creds_after = NULL;

  ks_test_server_start (server);
  before = get_discovery (server);
  key = read_data_file (server, "signing-key.pem");
  creds = read_data_file (server, "s3-credentials.json");
  g_assert_true (g_str_has_prefix (key, "-----BEGIN PRIVATE KEY-----"));

  ks_test_server_restart (server);
  after = get_discovery (server);
  assert_same_identity (before, after);

  ks_test_server_kill (server);
  ks_test_server_start (server);
  after_crash = get_discovery (server);
  assert_same_identity (before, after_crash);
  ks_test_server_stop (server);

  key_after = read_data_file (server, "signing-key.pem");
  creds_after = read_data_file (server, "s3-credentials.json");
  g_assert_cmpstr (key, ==, key_after);
  g_assert_cmpstr (creds, ==, creds_after);
}

static void
assert_mode (KsTestServer *server,
             const char   *name,
             guint         mode)
{
  g_autofree char *path = ks_test_server_dup_data_path (server, name);
  struct stat      st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}

static void
test_file_modes (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  mode_t old_umask = umask (022);

  ks_test_server_start (server);
  umask (old_umask);
  ks_test_server_stop (server);

  assert_mode (server, ".", 0700);
  assert_mode (server, "objects", 0700);
  assert_mode (server, "server.json", 0600);
  assert_mode (server, "signing-key.pem", 0600);
  assert_mode (server, "s3-credentials.json", 0600);
  assert_mode (server, "keepsake.db", 0600);
  assert_mode (server, "keepsake.db-clean", 0600);
}

static JsonNode *
run_credentials (KsTestServer *server)
{
  g_autofree char *out = NULL;
  g_autoptr (GBytes) bytes = NULL;

  g_assert_cmpint (ks_test_server_run (server, "credentials", &out, NULL), ==, 0);
  bytes = g_bytes_new (out, strlen (out));

  return ks_test_parse_json (bytes);
}

static void
test_credentials (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (JsonNode) creds = NULL;
  g_autoptr (JsonNode) again = NULL;
  g_autoptr (JsonNode) discovery = NULL;
  g_autoptr (JsonNode) file = NULL;
  g_autofree char *file_text = NULL;
  g_autoptr (GBytes) file_bytes = NULL;

  ks_test_server_add_args (server, "--public-url", "http://photos.local:9000", NULL);
  creds = run_credentials (server);
  g_assert_cmpstr (ks_test_json_get_string (creds, "endpoint"), ==, "http://photos.local:9000/s3");
  g_assert_cmpstr (ks_test_json_get_string (creds, "region"), ==, "us-east-1");
  g_assert_cmpstr (ks_test_json_get_string (creds, "bucket"), ==, "keepsake");
  g_assert_true (g_regex_match_simple ("^AKIA[A-Z0-9]{16}$",
                                       ks_test_json_get_string (creds, "access_key_id"), 0, 0));
  g_assert_true (g_regex_match_simple ("^[A-Za-z0-9+/]{40}$",
                                       ks_test_json_get_string (creds, "secret_access_key"), 0, 0));

  file_text = read_data_file (server, "s3-credentials.json");
  file_bytes = g_bytes_new (file_text, strlen (file_text));
  file = ks_test_parse_json (file_bytes);
  g_assert_cmpstr (ks_test_json_get_string (creds, "secret_access_key"),
                   ==, ks_test_json_get_string (file, "secret_access_key"));

  /* Same keys while a server runs, and its discovery agrees. */
  ks_test_server_start (server);
  again = run_credentials (server);
  discovery = get_discovery (server);
  g_assert_cmpstr (ks_test_json_get_string (creds, "access_key_id"),
                   ==, ks_test_json_get_string (again, "access_key_id"));
  g_assert_cmpstr (ks_test_json_get_string (creds, "endpoint"),
                   ==, ks_test_json_get_string (discovery, "s3.endpoint"));
  ks_test_server_stop (server);
}

static void
test_credentials_needs_url (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();

  ks_test_server_assert_refuses (server, "credentials", "--public-url");
}

static void
test_refuses_data_dir_file (void)
{
  g_autoptr (KsTestServer) owner = ks_test_server_new ();
  g_autofree char *file = NULL;
  g_autoptr (KsTestServer) server = NULL;

  write_data_file (owner, "plain-file", "x", 1);
  file = ks_test_server_dup_data_path (owner, "plain-file");
  server = ks_test_server_new_for_data_dir (file);
  ks_test_server_assert_refuses (server, NULL, "is not a directory");
}

static void
test_refuses_data_dir_uncreatable (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new_for_data_dir ("/proc/keepsake-test/data");

  ks_test_server_assert_refuses (server, NULL, "cannot create directory /proc/keepsake-test/data");
}

static void
test_refuses_data_dir_read_only (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();

  g_assert_cmpint (g_mkdir_with_parents (ks_test_server_get_data_dir (server), 0500), ==, 0);
  ks_test_server_assert_refuses (server, NULL, "is not writable");
}

static void
test_refuses_busy_port (void)
{
  g_autoptr (KsTestServer) first = ks_test_server_new ();
  g_autoptr (KsTestServer) second = ks_test_server_new ();
  g_autofree char *listen = NULL;

  ks_test_server_start (first);
  listen = g_strdup_printf ("127.0.0.1:%u", ks_test_server_get_port (first));
  ks_test_server_set_listen (second, listen);
  ks_test_server_assert_refuses (second, NULL, "already in use");
  ks_test_server_stop (first);
}

static void
test_refuses_locked_data_dir (void)
{
  g_autoptr (KsTestServer) first = ks_test_server_new ();
  g_autoptr (KsTestServer) second = NULL;

  ks_test_server_start (first);
  second = ks_test_server_new_for_data_dir (ks_test_server_get_data_dir (first));
  ks_test_server_assert_refuses (second, NULL, "in use by another keepsake-server");
  ks_test_server_stop (first);
}

static void
test_refuses_corrupt_files (void)
{
  const struct
  {
    const char *name;
    const char *contents;
  } cases[] = {
    { "keepsake.db", NULL /* random bytes */ },
    { "signing-key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" },
    { "server.json", "{\"region\": " },
    { "server.json", "{\"region\": \"us-east-1\", \"user_pool_id\": 7, \"client_id\": \"x\"}" },
    { "s3-credentials.json", "[]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (KsTestServer) server = ks_test_server_new ();
      g_autofree char *why = g_strconcat (cases[i].name, " is corrupt", NULL);
      guint8           garbage[8192];

      for (gsize j = 0; j < sizeof garbage; j++)
        garbage[j] = (guint8) g_test_rand_int ();
      if (cases[i].contents != NULL)
        write_data_file (server, cases[i].name, cases[i].contents, -1);
      else
        write_data_file (server, cases[i].name, (const char *) garbage, sizeof garbage);

      ks_test_server_assert_refuses (server, NULL, why);
    }
}

static void
exec_sql (const char *db_path,
          const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

/* The first column of the first row, valid until the next call. */
static const char *
query_text (const char *db_path,
            const char *sql)
{
  static char   result[256];
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_strlcpy (result, (const char *) sqlite3_column_text (stmt, 0), sizeof result);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  return result;
}

static void
test_refuses_newer_schema (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autofree char *db_path = NULL;

  ks_test_server_start (server);
  ks_test_server_stop (server);
  db_path = ks_test_server_dup_data_path (server, "keepsake.db");
  exec_sql (db_path, "PRAGMA user_version = 99;");
  ks_test_server_assert_refuses (server, NULL, "schema version 99");
}

static void
test_refuses_bad_options (void)
{
  g_autoptr (KsTestServer) bad_listen = ks_test_server_new ();
  g_autoptr (KsTestServer) bad_url = ks_test_server_new ();
  g_autoptr (KsTestServer) bad_region = ks_test_server_new ();
  g_autoptr (KsTestServer) no_lifetime = ks_test_server_new ();
  g_autoptr (KsTestServer) long_lifetime = ks_test_server_new ();
  g_autoptr (KsTestServer) server = ks_test_server_new ();

  ks_test_server_set_listen (bad_listen, "photos.example.org:80");
  ks_test_server_assert_refuses (bad_listen, NULL, "not an address to listen on");
  ks_test_server_add_args (bad_url, "--public-url", "ftp://example.org", NULL);
  ks_test_server_assert_refuses (bad_url, NULL, "invalid public URL");
  ks_test_server_add_args (bad_region, "--region", "Mars!", NULL);
  ks_test_server_assert_refuses (bad_region, NULL, "not a region name");
  /* Presigned URLs live 1 s to 7 days (SigV4's limit). */
  ks_test_server_add_args (no_lifetime, "--download-url-lifetime", "0", NULL);
  ks_test_server_assert_refuses (no_lifetime, NULL, "--download-url-lifetime must be from 1s to 7d");
  ks_test_server_add_args (long_lifetime, "--download-url-lifetime", "8d", NULL);
  ks_test_server_assert_refuses (long_lifetime, NULL, "--download-url-lifetime must be from 1s to 7d");
  ks_test_server_assert_refuses (server, "frobnicate", "unknown command");
}

/* --cognito-user-pool: checked before anything is opened, and its keys
 * read before the server answers anyone. */
static void
test_refuses_user_pool_options (void)
{
  g_autoptr (KsTestServer) alone = ks_test_server_new ();
  g_autoptr (KsTestServer) not_http = ks_test_server_new ();
  g_autoptr (KsTestServer) insecure = ks_test_server_new ();
  g_autoptr (KsTestServer) no_pool = ks_test_server_new ();
  g_autoptr (KsTestServer) bad_client = ks_test_server_new ();
  g_autoptr (KsTestServer) confirming = ks_test_server_new ();
  g_autoptr (KsTestServer) unreachable = ks_test_server_new ();
  g_autoptr (KsTestServer) unknown = ks_test_server_new ();
  g_autoptr (KsTestServer) other = ks_test_server_new ();
  g_autofree char *unknown_pool = NULL;

  ks_test_server_add_args (alone, "--cognito-user-pool", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123", NULL);
  ks_test_server_assert_refuses (alone, NULL, "--cognito-user-pool and --cognito-client-id go together");
  ks_test_server_add_args (not_http, "--cognito-user-pool", "ftp://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
                           "--cognito-client-id", "abc123", NULL);
  ks_test_server_assert_refuses (not_http, NULL, "invalid --cognito-user-pool URL");
  ks_test_server_add_args (insecure, "--cognito-user-pool", "http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
                           "--cognito-client-id", "abc123", NULL);
  ks_test_server_assert_refuses (insecure, NULL, "must use https unless the pool runs on this machine");
  ks_test_server_add_args (no_pool, "--cognito-user-pool", "https://cognito-idp.eu-west-1.amazonaws.com/",
                           "--cognito-client-id", "abc123", NULL);
  ks_test_server_assert_refuses (no_pool, NULL, "must end with the pool's id");
  ks_test_server_add_args (bad_client, "--cognito-user-pool", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
                           "--cognito-client-id", "abc/../123", NULL);
  ks_test_server_assert_refuses (bad_client, NULL, "--cognito-client-id wants the app client's id");
  ks_test_server_add_args (confirming, "--auto-confirm", "--cognito-user-pool", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
                           "--cognito-client-id", "abc123", NULL);
  ks_test_server_assert_refuses (confirming, NULL, "--auto-confirm is for the built-in sign-in service");

  /* Nothing listens on port 1. */
  ks_test_server_add_args (unreachable, "--cognito-user-pool", "http://127.0.0.1:1/eu-west-1_AbC123",
                           "--cognito-client-id", "abc123", NULL);
  ks_test_server_assert_refuses (unreachable, NULL, "cannot read the signing keys of the user pool at http://127.0.0.1:1/eu-west-1_AbC123/.well-known/jwks.json");
  /* Another keepsake-server's sign-in service has one pool, not this one. */
  ks_test_server_start (other);
  unknown_pool = g_strconcat (ks_test_server_get_base_url (other), "/cognito/us-east-1_Nope", NULL);
  ks_test_server_add_args (unknown, "--cognito-user-pool", unknown_pool, "--cognito-client-id", "abc123", NULL);
  ks_test_server_assert_refuses (unknown, NULL, "HTTP 404");
  ks_test_server_stop (other);
}

static void
test_database_schema (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autofree char *db_path = NULL;
  sqlite3         *db = NULL;

  ks_test_server_start (server);
  ks_test_server_stop (server);
  db_path = ks_test_server_dup_data_path (server, "keepsake.db");

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO users VALUES ('s1', 'Alice', NULL, 0);", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  /* Usernames are unique without regard to case. */
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO users VALUES ('s2', 'alice', NULL, 0);", NULL, NULL, NULL),
                   ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  /* A second start migrates nothing and keeps the data. */
  ks_test_server_start (server);
  ks_test_server_stop (server);
  {
    g_autofree char *latest = g_strdup_printf ("%d", ks_server_db_get_latest_version ());
    g_assert_cmpstr (query_text (db_path, "PRAGMA user_version"), ==, latest);
  }
  g_assert_cmpstr (query_text (db_path, "PRAGMA journal_mode"), ==, "wal");
  g_assert_cmpstr (query_text (db_path, "SELECT count(*) FROM users"), ==, "1");
}

static gboolean
data_file_exists (KsTestServer *server,
                  const char   *name)
{
  g_autofree char *path = ks_test_server_dup_data_path (server, name);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Overwrites the root page of @table with garbage: a damage opening the
 * database does not meet, but PRAGMA quick_check does. With
 * @keep_mtime, size, inode and mtime stay as they were. */
static void
damage_table (const char *db_path,
              const char *table,
              gboolean    keep_mtime)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rootpage FROM sqlite_schema WHERE name = '%s'", table);
  gint64           page = g_ascii_strtoll (query_text (db_path, sql), NULL, 10);
  gint64           page_size = g_ascii_strtoll (query_text (db_path, "PRAGMA page_size"), NULL, 10);
  g_autofree char *garbage = g_malloc (page_size);
  struct stat      before;
  int              fd;

  g_assert_cmpint (page, >, 1);
  g_assert_cmpint (stat (db_path, &before), ==, 0);
  memset (garbage, 0xff, page_size);
  fd = g_open (db_path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, garbage, page_size, (page - 1) * page_size), ==, page_size);
  g_assert_cmpint (close (fd), ==, 0);

  if (keep_mtime)
    {
      struct timespec times[2] = { before.st_atim, before.st_mtim };

      g_assert_cmpint (utimensat (AT_FDCWD, db_path, times, 0), ==, 0);
    }
}

/* In-process: a clean close leaves the marker, the next open skips the
 * check and takes the marker away until its own close; a database
 * changed since is checked. */
static void
test_database_clean_close (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("ks-test-db-XXXXXX", &error);
  g_autofree char *path = g_build_filename (root, "keepsake.db", NULL);
  g_autofree char *marker = g_build_filename (root, "keepsake.db-clean", NULL);
  g_autoptr (KsServerDb) db = NULL;
  g_autoptr (KsServerDb) sibling = NULL;
  struct timespec times[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };

  g_assert_no_error (error);
  db = ks_server_db_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (ks_server_db_was_checked (db));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_clear_object (&db);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  db = ks_server_db_open (path, &error);
  g_assert_no_error (error);
  g_assert_false (ks_server_db_was_checked (db));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  /* A sibling's close is not the database's. */
  sibling = ks_server_db_open_sibling (db, &error);
  g_assert_no_error (error);
  g_assert_true (ks_server_db_exec (sibling, "CREATE TABLE t (x);", &error));
  g_clear_object (&sibling);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_clear_object (&db);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  /* Written by something else while the server was stopped. */
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
  db = ks_server_db_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (ks_server_db_was_checked (db));
  g_clear_object (&db);

  ks_test_remove_tree (root);
}

/* Started and stopped: the marker left, and the database's path. */
static char *
stopped_cleanly (KsTestServer *server)
{
  ks_test_server_start (server);
  ks_test_server_stop (server);
  g_assert_true (data_file_exists (server, "keepsake.db-clean"));
  return ks_test_server_dup_data_path (server, "keepsake.db");
}

/* After a SIGKILL the next start checks, and refuses a damaged file. */
static void
test_database_checked_after_crash (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autofree char *db_path = stopped_cleanly (server);

  /* Damage that leaves no trace in size or mtime is not looked for
   * after a clean shutdown... */
  damage_table (db_path, "share_links", TRUE);
  ks_test_server_start (server);
  g_assert_false (data_file_exists (server, "keepsake.db-clean"));

  /* ...but after a crash it is. */
  ks_test_server_kill (server);
  g_assert_false (data_file_exists (server, "keepsake.db-clean"));
  ks_test_server_assert_refuses (server, NULL, "keepsake.db is corrupt");
}

/* A clean shutdown, then the file changed: checked, and refused. */
static void
test_database_checked_after_change (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autofree char *db_path = stopped_cleanly (server);

  damage_table (db_path, "share_links", FALSE);
  ks_test_server_assert_refuses (server, NULL, "keepsake.db is corrupt");
}

static void
test_access_log (void)
{
  g_autoptr (KsTestServer) server = ks_test_server_new ();
  g_autoptr (SoupMessage) get = NULL;
  g_autoptr (SoupMessage) post = NULL;
  g_autoptr (GBytes) secret_body = g_bytes_new_static ("{\"password\": \"bodysecret\"}", 26);
  g_autoptr (GBytes) body1 = NULL;
  g_autoptr (GBytes) body2 = NULL;
  g_autofree char *log = NULL;

  ks_test_server_start (server);
  get = ks_test_server_new_message (server, SOUP_METHOD_GET,
                                    DISCOVERY "?X-Amz-Signature=feedface&token=querysecret");
  soup_message_headers_replace (soup_message_get_request_headers (get), "Authorization",
                                "Bearer headersecret");
  body1 = ks_test_server_send (server, get);
  post = ks_test_server_new_message (server, SOUP_METHOD_POST, "/v1/sessions?x=querysecret");
  soup_message_set_request_body_from_bytes (post, "application/json", secret_body);
  body2 = ks_test_server_send (server, post);

  g_assert_true (ks_test_server_wait_for_log (server, "\"GET " DISCOVERY "\" 200 ", 10000));
  g_assert_true (ks_test_server_wait_for_log (server, "\"POST /v1/sessions\" 404 ", 10000));
  ks_test_server_stop (server);

  log = ks_test_server_dup_log (server);
  g_test_message ("log: %s", log);
  g_assert_nonnull (strstr (log, "127.0.0.1 \"GET " DISCOVERY "\" 200 "));
  g_assert_null (strchr (log, '?'));
  g_assert_null (strstr (log, "feedface"));
  g_assert_null (strstr (log, "querysecret"));
  g_assert_null (strstr (log, "headersecret"));
  g_assert_null (strstr (log, "bodysecret"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server/start/prints-listening-line", test_start_prints_line);
  g_test_add_func ("/server/discovery/fields", test_discovery_fields);
  g_test_add_func ("/server/discovery/public-url", test_discovery_public_url);
  g_test_add_func ("/server/discovery/head", test_discovery_head);
  g_test_add_func ("/server/http/not-found", test_not_found);
  g_test_add_func ("/server/http/method-not-allowed", test_method_not_allowed);
  g_test_add_func ("/server/http/body-too-large", test_body_too_large);
  g_test_add_func ("/server/http/body-too-large-expect", test_body_too_large_expect);
  g_test_add_func ("/server/http/body-too-large-hang-up", test_body_too_large_hang_up);
  g_test_add_func ("/server/http/no-descriptor-leak", test_no_descriptor_leak);
  g_test_add_func ("/server/http/keep-alive", test_keep_alive);
  g_test_add_func ("/server/lifecycle/sigterm-sigint", test_sigterm_and_sigint);
  g_test_add_func ("/server/lifecycle/restart-keeps-identity", test_restart_keeps_identity);
  g_test_add_func ("/server/files/modes", test_file_modes);
  g_test_add_func ("/server/credentials/json", test_credentials);
  g_test_add_func ("/server/credentials/needs-url", test_credentials_needs_url);
  g_test_add_func ("/server/refuses/data-dir-file", test_refuses_data_dir_file);
  g_test_add_func ("/server/refuses/data-dir-uncreatable", test_refuses_data_dir_uncreatable);
  /* Root may write into a 0500 directory, so there is nothing to refuse;
   * data-dir-uncreatable covers the failing path for root. */
  if (geteuid () != 0)
    g_test_add_func ("/server/refuses/data-dir-read-only", test_refuses_data_dir_read_only);
  g_test_add_func ("/server/refuses/busy-port", test_refuses_busy_port);
  g_test_add_func ("/server/refuses/locked-data-dir", test_refuses_locked_data_dir);
  g_test_add_func ("/server/refuses/corrupt-files", test_refuses_corrupt_files);
  g_test_add_func ("/server/refuses/newer-schema", test_refuses_newer_schema);
  g_test_add_func ("/server/refuses/bad-options", test_refuses_bad_options);
  g_test_add_func ("/server/refuses/user-pool-options", test_refuses_user_pool_options);
  g_test_add_func ("/server/db/schema", test_database_schema);
  g_test_add_func ("/server/db/clean-close", test_database_clean_close);
  g_test_add_func ("/server/db/checked-after-crash", test_database_checked_after_crash);
  g_test_add_func ("/server/db/checked-after-change", test_database_checked_after_change);
  g_test_add_func ("/server/log/access", test_access_log);

  return g_test_run ();
}
