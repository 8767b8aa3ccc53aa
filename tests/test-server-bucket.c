/* test-server-bucket.c: keepsake-server keeping the photos in an outside
 * S3 bucket (--s3-bucket), here another keepsake-server's S3 store, which
 * checks every signature and checksum as S3 does
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-hash.h"
#include "ks-test-api.h"
#include "test-fake-role.h"
#include "test-s3-client.h"

#define MiB (1024 * 1024)

typedef struct
{
  KsTestServer *store; /* the bucket's service */
  KsTestS3     *s3;    /* looks into the bucket with its owner's keys */
  KsTestApi    *api;   /* the server under test */
  char         *bucket_url;
} Fixture;

/* A server (not started) whose photos go to @fixture's bucket. */
static KsTestServer *
bucket_server (Fixture *fixture)
{
  KsTestServer *server = ks_test_server_new ();

  ks_test_server_add_args (server, "--s3-bucket", "keepsake", "--s3-endpoint",
                           ks_test_s3_get_endpoint (fixture->s3), "--s3-region", "us-east-1", NULL);
  ks_test_server_setenv (server, "AWS_ACCESS_KEY_ID", ks_test_s3_get_access_key_id (fixture->s3));
  ks_test_server_setenv (server, "AWS_SECRET_ACCESS_KEY", ks_test_s3_get_secret (fixture->s3));
  return server;
}

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer user_data)
{
  fixture->store = ks_test_server_new ();
  ks_test_server_start (fixture->store);
  fixture->s3 = ks_test_s3_new (fixture->store);
  fixture->bucket_url = g_strconcat (ks_test_s3_get_endpoint (fixture->s3), "/keepsake/", NULL);
  fixture->api = ks_test_api_new_for_server (bucket_server (fixture));
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer user_data)
{
  g_clear_pointer (&fixture->api, ks_test_api_free);
  g_clear_pointer (&fixture->s3, ks_test_s3_free);
  ks_test_server_stop (fixture->store);
  g_clear_pointer (&fixture->store, ks_test_server_free);
  g_free (fixture->bucket_url);
}

/* The status of HeadObject on @key in the bucket. */
static guint
bucket_status (Fixture    *fixture,
               const char *key)
{
  guint status = 0;
  g_autoptr (GBytes) body = ks_test_s3_request (fixture->s3, "HEAD", key, NULL, NULL, &status);

  return status;
}

static JsonObject *
original_upload (JsonNode *prepared)
{
  return ks_test_api_find_upload (json_object_get_array_member (ks_test_api_root (prepared), "uploads"),
                                  "original");
}

static void
assert_fetches (Fixture    *fixture,
                const char *url,
                GBytes     *expected)
{
  guint status = 0;
  g_autoptr (GBytes) fetched = ks_test_api_fetch (fixture->api, url, &status);

  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_str_has_prefix (url, fixture->bucket_url));
  g_assert_true (g_bytes_equal (fetched, expected));
}

/* Uploads go to the bucket, downloads come from it, and the server has
 * no store of its own to offer. */
static void
test_photos (Fixture      *fixture,
             gconstpointer user_data)
{
  KsTestUser      *alice = ks_test_api_user (fixture->api, "alice");
  KsTestServer    *server = ks_test_api_get_server (fixture->api);
  g_autofree char *id = ks_test_api_upload_photo (fixture->api, alice, "beach");
  g_autofree char *path = g_strdup_printf ("/v1/photos/%s", id);
  g_autofree char *original_key = g_strdup_printf ("originals/%s/%s", alice->sub, id);
  g_autofree char *grid_key = g_strdup_printf ("thumbs/%s/%s/grid.jpg", alice->sub, id);
  g_autoptr (JsonNode) photo = ks_test_api_expect (fixture->api, alice->token, "GET", path, NULL, 200);
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("beach", 3000 + strlen ("beach"));
  g_autoptr (GBytes) grid = ks_test_api_photo_bytes ("beach/grid", 300);
  g_autoptr (JsonNode) discovery = NULL;
  guint status = 0;

  g_assert_cmpuint (bucket_status (fixture, original_key), ==, 200);
  g_assert_cmpuint (bucket_status (fixture, grid_key), ==, 200);
  assert_fetches (fixture, ks_test_json_get_string (photo, "urls.original"), original);
  assert_fetches (fixture, ks_test_json_get_string (photo, "urls.grid"), grid);

  discovery = ks_test_server_get_json (server, "/.well-known/keepsake.json", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (ks_test_json_get_string (discovery, "s3.endpoint"), ==, ks_test_s3_get_endpoint (fixture->s3));
  g_assert_cmpstr (ks_test_json_get_string (discovery, "s3.bucket"), ==, "keepsake");
  g_clear_pointer (&discovery, json_node_unref);
  discovery = ks_test_server_get_json (server, "/s3/keepsake", &status);
  g_assert_cmpuint (status, ==, 404);
}

/* A commit checks what the bucket holds: nothing yet, the wrong bytes,
 * then the right ones, sent without a checksum S3 would keep, so the
 * server reads them through to hash them. */
static void
test_checks (Fixture      *fixture,
             gconstpointer user_data)
{
  KsTestUser *alice = ks_test_api_user (fixture->api, "alice");
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("dunes", 5000);
  g_autoptr (GBytes) other = ks_test_api_photo_bytes ("other", 5000);
  g_autofree char *body = ks_test_api_prepare_body (original, NULL, NULL, "dunes.jpg");
  g_autoptr (JsonNode) prepared = ks_test_api_expect (fixture->api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  const char      *id = ks_test_json_get_string (prepared, "photo_id");
  g_autofree char *commit = g_strdup_printf ("/v1/photos/%s/commit", id);
  g_autofree char *key = g_strdup_printf ("originals/%s/%s", alice->sub, id);
  g_autoptr (JsonNode) committed = NULL;
  g_autoptr (GBytes) reply = NULL;
  guint status = 0;

  ks_test_api_expect_error (fixture->api, alice->token, "POST", commit, NULL, 412, "PreconditionFailed");

  reply = ks_test_s3_request (fixture->s3, "PUT", key, NULL, other, &status);
  g_assert_cmpuint (status, ==, 200);
  ks_test_api_expect_error (fixture->api, alice->token, "POST", commit, NULL, 409, "Conflict");

  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_request (fixture->s3, "PUT", key, NULL, original, &status);
  g_assert_cmpuint (status, ==, 200);
  committed = ks_test_api_expect (fixture->api, alice->token, "POST", commit, NULL, 200);
  g_assert_cmpstr (ks_test_json_get_string (committed, "status"), ==, "committed");

  /* The presigned PUT binds the checksum: other bytes are refused by the
   * bucket itself. */
  g_clear_pointer (&prepared, json_node_unref);
  g_free (body);
  body = ks_test_api_prepare_body (other, NULL, NULL, "other.jpg");
  prepared = ks_test_api_expect (fixture->api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  g_assert_cmpuint (ks_test_api_put (fixture->api, original_upload (prepared), original), !=, 200);
}

/* Above the threshold: the bucket creates the upload, the client sends
 * the parts there, and the server completes it in the bucket. */
static void
test_multipart (Fixture      *fixture,
                gconstpointer user_data)
{
  KsTestUser *alice = ks_test_api_user (fixture->api, "alice");
  gsize       size = 64 * MiB + 7;
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("panorama", size);
  g_autofree char *body = ks_test_api_prepare_body (original, NULL, NULL, "pano.tif");
  g_autoptr (JsonNode) prepared = ks_test_api_expect (fixture->api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  g_autoptr (JsonNode) again = ks_test_api_expect (fixture->api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  JsonObject      *upload = original_upload (prepared);
  const char      *id = ks_test_json_get_string (prepared, "photo_id");
  g_autofree char *commit = g_strdup_printf ("/v1/photos/%s/commit", id);
  g_autofree char *multipart_dir = g_strconcat ("objects/.multipart/", ks_test_api_object_string (upload, "upload_id"), NULL);
  g_autofree char *multipart_path = ks_test_server_dup_data_path (fixture->store, multipart_dir);
  g_autoptr (GPtrArray) etags = NULL;
  g_autofree char *parts = NULL;
  g_autoptr (JsonNode) committed = NULL;
  g_autoptr (JsonNode) photo = NULL;
  g_autofree char *path = g_strdup_printf ("/v1/photos/%s", id);

  /* The upload is the bucket's, and a second prepare reuses it. */
  g_assert_true (g_file_test (multipart_path, G_FILE_TEST_IS_DIR));
  g_assert_cmpstr (ks_test_api_object_string (original_upload (again), "upload_id"), ==,
                   ks_test_api_object_string (upload, "upload_id"));
  g_assert_true (g_str_has_prefix (ks_test_api_object_string (json_array_get_object_element (json_object_get_array_member (upload, "parts"), 0), "url"),
                                   fixture->bucket_url));

  etags = ks_test_api_put_parts (fixture->api, upload, original, 0);
  parts = ks_test_api_parts_body (etags);
  committed = ks_test_api_expect (fixture->api, alice->token, "POST", commit, parts, 200);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (ks_test_api_root (committed), "photo"), "size"), ==, size);
  g_assert_false (g_file_test (multipart_path, G_FILE_TEST_EXISTS));

  photo = ks_test_api_expect (fixture->api, alice->token, "GET", path, NULL, 200);
  assert_fetches (fixture, ks_test_json_get_string (photo, "urls.original"), original);
}

/* The sweep removes a deleted photo's objects and an abandoned upload
 * from the bucket. */
static void
test_sweep (Fixture      *fixture,
            gconstpointer user_data)
{
  KsTestUser      *alice = ks_test_api_user (fixture->api, "alice");
  KsTestServer    *server = ks_test_api_get_server (fixture->api);
  g_autofree char *gone = ks_test_api_upload_photo (fixture->api, alice, "gone");
  g_autofree char *kept = ks_test_api_upload_photo (fixture->api, alice, "kept");
  g_autoptr (GBytes) big = ks_test_api_photo_bytes ("abandoned", 64 * MiB + 1);
  g_autofree char *body = ks_test_api_prepare_body (big, NULL, NULL, "big.tif");
  g_autoptr (JsonNode) prepared = ks_test_api_expect (fixture->api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  g_autofree char *multipart_dir = g_strconcat ("objects/.multipart/", ks_test_api_object_string (original_upload (prepared), "upload_id"), NULL);
  g_autofree char *multipart_path = ks_test_server_dup_data_path (fixture->store, multipart_dir);
  g_autofree char *path = g_strdup_printf ("/v1/photos/%s", gone);
  g_autofree char *gone_key = g_strdup_printf ("originals/%s/%s", alice->sub, gone);
  g_autofree char *kept_key = g_strdup_printf ("originals/%s/%s", alice->sub, kept);
  g_autofree char *sql = NULL;
  g_autoptr (JsonNode) deleted = ks_test_api_expect (fixture->api, alice->token, "DELETE", path, NULL, 200);

  g_assert_true (g_file_test (multipart_path, G_FILE_TEST_IS_DIR));
  sql = g_strdup_printf ("UPDATE photos SET deleted_at = deleted_at - 31 * 86400 WHERE id = '%s';"
                         "UPDATE photos SET prepared_at = prepared_at - 86401 WHERE id = '%s';",
                         gone, ks_test_json_get_string (prepared, "photo_id"));
  ks_test_api_sql (fixture->api, sql);
  ks_test_server_add_args (server, "--sweep-interval", "1", NULL);
  ks_test_server_restart (server);

  for (guint i = 0; i < 200 && (bucket_status (fixture, gone_key) != 404 || g_file_test (multipart_path, G_FILE_TEST_EXISTS)); i++)
    g_usleep (100 * 1000);
  g_assert_cmpuint (bucket_status (fixture, gone_key), ==, 404);
  g_assert_false (g_file_test (multipart_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (bucket_status (fixture, kept_key), ==, 200);
}

/* ---- Keys from the container's role ---- */

static void
wait_for_role_requests (Role *role,
                        guint count)
{
  for (guint i = 0; i < 300 && role_requests (role) < count; i++)
    g_usleep (100 * 1000);
  g_assert_cmpuint (role_requests (role), >=, count);
  /* The server takes the answer on its main loop, just after. */
  g_usleep (500 * 1000);
}

/* @prepared's URLs live between @at_least and @at_most seconds more,
 * as its expires_at says and as its original's URL is signed. */
static void
assert_url_lifetime (JsonNode *prepared,
                     gint64    at_least,
                     gint64    at_most)
{
  const char *when = json_object_get_string_member (ks_test_api_root (prepared), "expires_at");
  g_autoptr (GDateTime) expires_at = g_date_time_new_from_iso8601 (when, NULL);
  g_autoptr (GUri) uri = g_uri_parse (json_object_get_string_member (original_upload (prepared), "url"), G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (GHashTable) params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  gint64 left = g_date_time_to_unix (expires_at) - g_get_real_time () / G_USEC_PER_SEC;
  gint64 signed_for = g_ascii_strtoll (g_hash_table_lookup (params, "X-Amz-Expires"), NULL, 10);

  g_assert_cmpint (left, >=, at_least - 1);
  g_assert_cmpint (left, <=, at_most);
  g_assert_cmpint (signed_for, >=, at_least);
  g_assert_cmpint (signed_for, <=, at_most);
}

/* A server (not started) with no keys of its own: the role gives them. */
static KsTestServer *
role_server (Fixture    *fixture,
             KsTestHttp *endpoint,
             const char *token_file)
{
  KsTestServer    *server = bucket_server (fixture);
  g_autofree char *url = g_strconcat (ks_test_http_get_url (endpoint), ROLE_PATH, NULL);

  ks_test_server_setenv (server, "AWS_ACCESS_KEY_ID", "");
  ks_test_server_setenv (server, "AWS_SECRET_ACCESS_KEY", "");
  ks_test_server_setenv (server, "AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
  ks_test_server_setenv (server, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
  return server;
}

/* Temporary keys from the role, fetched again before they expire and
 * used from then on: uploads work with the first set, are
 * refused by the bucket while the role hands out a wrong one, and work
 * again with the next good set. */
static void
test_role (Fixture      *fixture,
           gconstpointer user_data)
{
  Role role = { .access_key_id = ks_test_s3_get_access_key_id (fixture->s3),
                .secret = ks_test_s3_get_secret (fixture->s3),
                .wrong_from = 2,
                .wrong_until = 2,
                /* short-lived, refreshed halfway: 8 s and 10 s after
                 * they come; then five minutes before they expire */
                .lifetimes = { 16, 20, 3600 } };
  g_autoptr (KsTestHttp) endpoint = NULL;
  g_autoptr (KsTestApi) api = NULL;
  g_autoptr (KsTestServer) wrong_token = NULL;
  g_autoptr (KsTestServer) insecure = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ks-role-XXXXXX", NULL);
  g_autofree char *token_file = g_build_filename (dir, "token", NULL);
  g_autofree char *wrong_file = g_build_filename (dir, "wrong", NULL);
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  g_autoptr (GBytes) bytes = ks_test_api_photo_bytes ("refused", 4000);
  g_autofree char *body = ks_test_api_prepare_body (bytes, NULL, NULL, "refused.jpg");
  g_autoptr (JsonNode) prepared = NULL;
  KsTestUser *alice;

  g_mutex_init (&role.mutex);
  endpoint = ks_test_http_new (role_cb, &role);
  /* As EKS mounts it, with a line end. */
  g_assert_true (g_file_set_contents (token_file, ROLE_TOKEN "\n", -1, NULL));
  g_assert_true (g_file_set_contents (wrong_file, "someone-else", -1, NULL));

  api = ks_test_api_new_for_server (role_server (fixture, endpoint, token_file));
  alice = ks_test_api_user (api, "alice");
  first = ks_test_api_upload_photo (api, alice, "first");
  g_assert_cmpuint (role_requests (&role), ==, 1);

  wait_for_role_requests (&role, 2);
  prepared = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  g_assert_cmpuint (ks_test_api_put (api, original_upload (prepared), bytes), ==, 403);
  /* Those keys live 20 s: so do the URLs made with them, whatever
   * uploads are usually given (15 min). */
  assert_url_lifetime (prepared, 15, 20);

  wait_for_role_requests (&role, 3);
  last = ks_test_api_upload_photo (api, alice, "last");
  g_assert_cmpuint (role_requests (&role), ==, 3);
  /* These live an hour: an upload's usual 15 min. */
  g_clear_pointer (&prepared, json_node_unref);
  prepared = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  assert_url_lifetime (prepared, 15 * 60 - 5, 15 * 60);
  /* Halfway through their lives, not at once. */
  g_assert_cmpint (role.times[2] - role.times[1], >=, 7 * G_USEC_PER_SEC);
  g_assert_cmpint (role.times[3] - role.times[2], >=, 9 * G_USEC_PER_SEC);

  /* The endpoint's refusal, and an endpoint anyone could pose as, stop
   * the start. */
  wrong_token = role_server (fixture, endpoint, wrong_file);
  ks_test_server_assert_refuses (wrong_token, NULL, "refused the authorization token");
  g_assert_cmpuint (role.refused, ==, 1);
  insecure = role_server (fixture, endpoint, token_file);
  ks_test_server_setenv (insecure, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.169.254/creds");
  ks_test_server_assert_refuses (insecure, NULL, "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https");

  g_clear_pointer (&endpoint, ks_test_http_free);
  g_mutex_clear (&role.mutex);
  ks_test_remove_tree (dir);
}

/* ---- Keys from the EC2 instance's role ---- */

/* A server (not started) with no keys of its own, on an instance whose
 * metadata service is at @endpoint. */
static KsTestServer *
instance_server (Fixture    *fixture,
                 const char *endpoint)
{
  KsTestServer *server = bucket_server (fixture);

  ks_test_server_setenv (server, "AWS_ACCESS_KEY_ID", "");
  ks_test_server_setenv (server, "AWS_SECRET_ACCESS_KEY", "");
  ks_test_server_setenv (server, "AWS_EC2_METADATA_DISABLED", "");
  ks_test_server_setenv (server, "AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint);
  return server;
}

/* Keys from the instance profile's role through IMDSv2 (a session token
 * for every fetch, shown on every read), fetched again before they
 * expire; an instance without a role, a role without keys, no metadata
 * service and one anyone could pose as stop the start. */
static void
test_instance (Fixture      *fixture,
               gconstpointer user_data)
{
  Instance instance = { .access_key_id = ks_test_s3_get_access_key_id (fixture->s3),
                        .secret = ks_test_s3_get_secret (fixture->s3),
                        .lifetime = 16 };
  g_autoptr (KsTestHttp) endpoint = NULL;
  g_autoptr (KsTestApi) api = NULL;
  g_autoptr (KsTestServer) no_role = NULL;
  g_autoptr (KsTestServer) no_keys = NULL;
  g_autoptr (KsTestServer) nothing_there = NULL;
  g_autoptr (KsTestServer) insecure = NULL;
  g_autoptr (KsTestServer) disabled = NULL;
  g_autoptr (KsTestServer) bad_mode = NULL;
  g_autofree char *slashed = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  KsTestUser      *alice;

  g_mutex_init (&instance.mutex);
  endpoint = ks_test_http_new (instance_cb, &instance);

  /* Its address as written by hand, with a slash at the end. */
  slashed = g_strconcat (ks_test_http_get_url (endpoint), "/", NULL);
  api = ks_test_api_new_for_server (instance_server (fixture, slashed));
  alice = ks_test_api_user (api, "alice");
  first = ks_test_api_upload_photo (api, alice, "first");
  g_assert_cmpuint (instance_keys (&instance), ==, 1);

  /* Halfway through their 16 s, the next set. */
  for (guint i = 0; i < 300 && instance_keys (&instance) < 2; i++)
    g_usleep (100 * 1000);
  g_assert_cmpuint (instance_keys (&instance), ==, 2);
  g_usleep (500 * 1000);
  second = ks_test_api_upload_photo (api, alice, "second");
  g_assert_cmpstr (first, !=, second);
  g_mutex_lock (&instance.mutex);
  g_assert_cmpuint (instance.sessions, ==, 2);
  g_assert_cmpuint (instance.refused, ==, 0);
  g_assert_cmpint (instance.times[2] - instance.times[1], >=, 7 * G_USEC_PER_SEC);
  g_mutex_unlock (&instance.mutex);

  instance.no_role = TRUE;
  no_role = instance_server (fixture, ks_test_http_get_url (endpoint));
  ks_test_server_assert_refuses (no_role, NULL, "this instance has no role");
  instance.no_role = FALSE;
  instance.code = "AssumeRoleUnauthorizedAccess";
  no_keys = instance_server (fixture, ks_test_http_get_url (endpoint));
  ks_test_server_assert_refuses (no_keys, NULL, "it has no keys to give (Code AssumeRoleUnauthorizedAccess)");
  nothing_there = instance_server (fixture, "http://127.0.0.1:1");
  ks_test_server_assert_refuses (nothing_there, NULL,
                                 "cannot get the bucket's keys from the EC2 instance's metadata service "
                                 "at http://127.0.0.1:1");
  ks_test_server_assert_refuses (nothing_there, NULL, "off EC2, set AWS_ACCESS_KEY_ID");
  insecure = instance_server (fixture, "http://169.254.170.2");
  ks_test_server_assert_refuses (insecure, NULL, "AWS_EC2_METADATA_SERVICE_ENDPOINT must use https");
  disabled = instance_server (fixture, ks_test_http_get_url (endpoint));
  ks_test_server_setenv (disabled, "AWS_EC2_METADATA_DISABLED", "TRUE");
  ks_test_server_assert_refuses (disabled, NULL, "the bucket's keys are missing");
  bad_mode = instance_server (fixture, "");
  ks_test_server_setenv (bad_mode, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5");
  ks_test_server_assert_refuses (bad_mode, NULL, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is IPv4 or IPv6, not “IPv5”");
  g_assert_cmpuint (instance.refused, ==, 0);

  g_clear_pointer (&endpoint, ks_test_http_free);
  g_mutex_clear (&instance.mutex);
}

/* Bad options, and a bucket the server cannot use, stop the start. */
static void
test_refuses (Fixture      *fixture,
              gconstpointer user_data)
{
  g_autoptr (KsTestServer) no_keys = ks_test_server_new ();
  g_autoptr (KsTestServer) wrong_key = bucket_server (fixture);
  g_autoptr (KsTestServer) no_bucket = ks_test_server_new ();
  g_autoptr (KsTestServer) bad_name = bucket_server (fixture);
  g_autoptr (KsTestServer) insecure = bucket_server (fixture);
  g_autoptr (KsTestServer) no_region = ks_test_server_new ();
  g_autoptr (KsTestServer) lone_region = ks_test_server_new ();
  g_autoptr (KsTestServer) credentials = bucket_server (fixture);
  g_autoptr (KsTestServer) unreachable = bucket_server (fixture);
  g_autoptr (KsTestServer) wrong_region = bucket_server (fixture);
  g_autofree char *nosuch = NULL;

  ks_test_server_add_args (no_keys, "--s3-bucket", "keepsake", "--s3-region", "us-east-1", NULL);
  ks_test_server_setenv (no_keys, "AWS_ACCESS_KEY_ID", "");
  ks_test_server_setenv (no_keys, "AWS_SECRET_ACCESS_KEY", "");
  ks_test_server_assert_refuses (no_keys, NULL, "the bucket's keys are missing: set AWS_ACCESS_KEY_ID");
  ks_test_server_setenv (wrong_key, "AWS_SECRET_ACCESS_KEY", "not-the-secret");
  ks_test_server_assert_refuses (wrong_key, NULL, "the keys given may not use bucket keepsake");

  /* The keys are right, the bucket is not there. */
  ks_test_server_add_args (no_bucket, "--s3-bucket", "elsewhere", "--s3-endpoint",
                           ks_test_s3_get_endpoint (fixture->s3), "--s3-region", "us-east-1", NULL);
  ks_test_server_setenv (no_bucket, "AWS_ACCESS_KEY_ID", ks_test_s3_get_access_key_id (fixture->s3));
  ks_test_server_setenv (no_bucket, "AWS_SECRET_ACCESS_KEY", ks_test_s3_get_secret (fixture->s3));
  nosuch = g_strdup_printf ("there is no bucket elsewhere at %s", ks_test_s3_get_endpoint (fixture->s3));
  ks_test_server_assert_refuses (no_bucket, NULL, nosuch);

  ks_test_server_add_args (bad_name, "--s3-bucket", "Bad_Name", NULL);
  ks_test_server_assert_refuses (bad_name, NULL, "--s3-bucket wants a bucket's name");
  ks_test_server_add_args (insecure, "--s3-endpoint", "http://s3.example.org", NULL);
  ks_test_server_assert_refuses (insecure, NULL, "--s3-endpoint must use https unless the store runs on this machine");
  ks_test_server_add_args (no_region, "--s3-bucket", "keepsake", NULL);
  ks_test_server_setenv (no_region, "AWS_REGION", "");
  ks_test_server_setenv (no_region, "AWS_DEFAULT_REGION", "");
  ks_test_server_assert_refuses (no_region, NULL, "the bucket's region (--s3-region, or AWS_REGION) is missing");
  ks_test_server_add_args (lone_region, "--s3-region", "eu-west-1", NULL);
  ks_test_server_assert_refuses (lone_region, NULL, "--s3-region and --s3-endpoint need --s3-bucket");
  ks_test_server_add_args (credentials, "--public-url", "http://127.0.0.1:1", NULL);
  ks_test_server_assert_refuses (credentials, "credentials", "with --s3-bucket there is no built-in store");
  ks_test_server_add_args (unreachable, "--s3-endpoint", "http://127.0.0.1:1", NULL);
  ks_test_server_assert_refuses (unreachable, NULL, "cannot reach bucket keepsake at http://127.0.0.1:1/keepsake/");
  ks_test_server_add_args (wrong_region, "--s3-region", "eu-west-1", NULL);
  ks_test_server_assert_refuses (wrong_region, NULL, "refused the request (400 Bad Request): is it in region eu-west-1?");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/server/bucket/photos", Fixture, NULL, fixture_set_up, test_photos, fixture_tear_down);
  g_test_add ("/server/bucket/checks", Fixture, NULL, fixture_set_up, test_checks, fixture_tear_down);
  g_test_add ("/server/bucket/multipart", Fixture, NULL, fixture_set_up, test_multipart, fixture_tear_down);
  g_test_add ("/server/bucket/sweep", Fixture, NULL, fixture_set_up, test_sweep, fixture_tear_down);
  g_test_add ("/server/bucket/refuses", Fixture, NULL, fixture_set_up, test_refuses, fixture_tear_down);
  g_test_add ("/server/bucket/role", Fixture, NULL, fixture_set_up, test_role, fixture_tear_down);
  g_test_add ("/server/bucket/instance", Fixture, NULL, fixture_set_up, test_instance, fixture_tear_down);

  return g_test_run ();
}
