/* test-cloud-faults.c: KsApiClient when the network and the server misbehave
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-api-client.h"
#include "ks-cloud-error.h"
#include "ks-hash.h"
#include "ks-test-cloud.h"
#include "ks-test-proxy.h"

#define MAX_ATTEMPTS 4
#define ERROR_BODY "{\"error\":{\"code\":\"InternalError\",\"message\":\"Something broke\"}}"
#define UNAUTHORIZED_BODY "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"The access token has expired\"}}"
/* An access token this far in the past is still inside the server's 60 s
 * leeway for 3 s, then expired for real. */
#define NEARLY_EXPIRED (-57)

typedef struct
{
  KsTestApi         *api;
  KsTestProxy       *proxy;
  SoupSession       *soup;
  KsTestUser        *user;
  KsTestTokenSource *tokens;
  KsApiClient       *client; /* through the proxy, quick retries */
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autofree char *api_url = NULL;

  f->api = ks_test_api_new ();
  f->proxy = ks_test_proxy_new (ks_test_server_get_base_url (ks_test_api_get_server (f->api)));
  api_url = g_strconcat (ks_test_proxy_get_url (f->proxy), "/v1", NULL);
  f->soup = soup_session_new_with_options ("timeout", 30, NULL);
  soup_session_set_proxy_resolver (f->soup, NULL);
  f->user = ks_test_api_user (f->api, "faye");
  f->tokens = ks_test_token_source_new (f->api, f->user, GPOINTER_TO_INT (data) != 0 ? NEARLY_EXPIRED : 3600);
  f->client = ks_api_client_new (f->soup, api_url, KS_TOKEN_SOURCE (f->tokens));
  ks_api_client_set_retry_policy (f->client, MAX_ATTEMPTS, 10, 40);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->client);
  g_clear_object (&f->tokens);
  g_clear_object (&f->soup);
  g_clear_pointer (&f->proxy, ks_test_proxy_free);
  g_clear_pointer (&f->api, ks_test_api_free);
}

/* ---- Running calls ---- */

static GAsyncResult *
get_me_result (KsApiClient  *client,
               GCancellable *cancellable)
{
  GAsyncResult *result = NULL;

  ks_api_client_get_me_async (client, cancellable, ks_test_store_result, &result);
  return ks_test_wait_result (&result);
}

/* GET /v1/me, which every test user may call. */
static gboolean
get_me (KsApiClient *client,
        GError     **error)
{
  g_autoptr (GAsyncResult) result = get_me_result (client, NULL);
  g_autofree char *username = NULL;
  gboolean         ok = ks_api_client_get_me_finish (client, result, NULL, &username, error);

  g_assert_true (ok == (username != NULL));
  return ok;
}

static GPtrArray *
list_albums (KsApiClient *client,
             GError     **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_api_client_list_albums_async (client, NULL, ks_test_store_result, &result);
  return ks_api_client_list_albums_finish (client, ks_test_wait_result (&result), error);
}

static KsAlbum *
create_album (KsApiClient *client,
              GError     **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_api_client_create_album_async (client, "Faults", NULL, ks_test_store_result, &result);
  return ks_api_client_create_album_finish (client, ks_test_wait_result (&result), error);
}

static void
assert_error (GError *error,
              int     code)
{
  if (error != NULL)
    g_test_message ("error: %s", error->message);
  g_assert_error (error, KS_CLOUD_ERROR, code);
}

/* ---- Statuses ---- */

static void
test_retry_500 (Fixture      *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", 1, 500, ERROR_BODY, NULL);
  g_assert_true (get_me (f->client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, 2);
}

/* Creating an album twice is not the same as once: no retry. */
static void
test_no_retry_500_post (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = NULL;

  ks_test_proxy_add_status (f->proxy, "POST", "/v1/albums", 1, 500, ERROR_BODY, NULL);
  album = create_album (f->client, &error);
  assert_error (error, KS_CLOUD_ERROR_SERVER);
  g_assert_cmpstr (error->message, ==, "Something broke");
  g_assert_null (album);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "POST", "/v1/albums"), ==, 1);
}

static void
assert_waited (Fixture *f,
               gint64   at_least_ms)
{
  gint64 first = ks_test_proxy_request_time (f->proxy, "GET", "/v1/me", 0);
  gint64 second = ks_test_proxy_request_time (f->proxy, "GET", "/v1/me", 1);

  g_assert_cmpint (first, >, 0);
  g_assert_cmpint (second, >, 0);
  g_test_message ("waited %" G_GINT64_FORMAT " ms", (second - first) / 1000);
  g_assert_cmpint (second - first, >=, at_least_ms * 1000);
  g_assert_cmpint (second - first, <, 10 * G_USEC_PER_SEC);
}

static void
test_retry_after_seconds (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", 1, 429, NULL, "1");
  g_assert_true (get_me (f->client, &error));
  g_assert_no_error (error);
  assert_waited (f, 950);
}

static void
test_retry_after_date (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) later = g_date_time_add_seconds (now, 3);
  g_autofree char *date = soup_date_time_to_string (later, SOUP_DATE_HTTP);

  /* Whole seconds: three from now is at least two. */
  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", 1, 503, NULL, date);
  g_assert_true (get_me (f->client, &error));
  g_assert_no_error (error);
  assert_waited (f, 1900);
}

static void
test_unavailable_forever (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = NULL;

  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", KS_TEST_PROXY_ALWAYS, 503, NULL, NULL);
  g_assert_false (get_me (f->client, &error));
  assert_error (error, KS_CLOUD_ERROR_SERVER);
  g_assert_true (ks_cloud_error_is_transient (error));
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, MAX_ATTEMPTS);

  g_clear_error (&error);
  ks_test_proxy_add_status (f->proxy, "GET", "/v1/albums", KS_TEST_PROXY_ALWAYS, 429, NULL, "0");
  albums = list_albums (f->client, &error);
  assert_error (error, KS_CLOUD_ERROR_THROTTLED);
  g_assert_null (albums);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/albums"), ==, MAX_ATTEMPTS);
}

static void
test_error_body_malformed (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", 1, 404, "<html>not json", NULL);
  g_assert_false (get_me (f->client, &error));
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "404"));
}

/* ---- Slow, cut and broken replies ---- */

static void
test_slow_reply (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 started = g_get_monotonic_time ();

  ks_test_proxy_add_delay (f->proxy, "GET", "/v1/me", 1, 1500);
  g_assert_true (get_me (f->client, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 1400 * 1000);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, 1);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
assert_cancelled_promptly (KsApiClient *client)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  gint64 started = g_get_monotonic_time ();

  g_timeout_add (200, cancel_cb, cancellable);
  result = get_me_result (client, cancellable);
  g_assert_false (ks_api_client_get_me_finish (client, result, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 2 * G_USEC_PER_SEC);
}

static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr (KsApiClient) patient = NULL;
  g_autofree char *api_url = g_strconcat (ks_test_proxy_get_url (f->proxy), "/v1", NULL);

  /* While the reply is on its way... */
  ks_test_proxy_add_delay (f->proxy, "GET", "/v1/me", 1, 10000);
  assert_cancelled_promptly (f->client);

  /* ... and while waiting to retry. */
  patient = ks_api_client_new (f->soup, api_url, KS_TOKEN_SOURCE (f->tokens));
  ks_api_client_set_retry_policy (patient, 5, 5000, 5000);
  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", KS_TEST_PROXY_ALWAYS, 503, NULL, "5");
  assert_cancelled_promptly (patient);
}

static void
test_truncated (Fixture      *f,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (KsAlbum) album = create_album (f->client, &error);

  g_assert_no_error (error);

  /* Once: the retry gets it whole. */
  ks_test_proxy_add_truncate (f->proxy, "GET", "/v1/albums", 1, 20);
  albums = list_albums (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (albums->len, ==, 1);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/albums"), ==, 2);
  g_clear_pointer (&albums, g_ptr_array_unref);

  /* Always: a clean error, no crash. */
  ks_test_proxy_add_truncate (f->proxy, "GET", "/v1/albums", KS_TEST_PROXY_ALWAYS, 20);
  albums = list_albums (f->client, &error);
  g_assert_null (albums);
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_true (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL) ||
                 g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK));
}

/* Replies that are not what docs/api.md says: never retried. */
static void
test_malformed (Fixture      *f,
                gconstpointer data)
{
  static const struct
  {
    const char *body;
    const char *named; /* nullable */
  } replies[] = {
    { "{\"albums\": [", NULL },
    { "[]", NULL },
    { "{\"albums\": {}}", "albums" },
    { "{\"albums\": [7]}", "albums" },
    { "{\"albums\": [{\"id\":\"a\",\"name\":\"n\",\"owner\":\"o\",\"role\":\"owner\",\"photo_count\":\"3\","
      "\"created_at\":\"t\",\"updated_at\":\"t\"}]}",
      "photo_count" },
    { "{\"albums\": [{\"id\":\"a\",\"name\":null,\"owner\":\"o\",\"role\":\"owner\",\"photo_count\":3,"
      "\"created_at\":\"t\",\"updated_at\":\"t\"}]}",
      "name" },
    { "{\"albums\": [{\"id\":\"a\",\"owner\":\"o\",\"role\":\"owner\",\"photo_count\":3,"
      "\"created_at\":\"t\",\"updated_at\":\"t\"}]}",
      "name" },
    { "{\"albums\": [{\"id\":\"a\",\"name\":\"n\",\"owner\":\"o\",\"role\":\"owner\",\"photo_count\":3.5,"
      "\"created_at\":\"t\",\"updated_at\":\"t\"}]}",
      "photo_count" },
    { "", NULL },
    { "{\"albums\": []} trailing", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) albums = NULL;

      ks_test_proxy_reset_counts (f->proxy);
      ks_test_proxy_add_body (f->proxy, "GET", "/v1/albums", 1, replies[i].body);
      albums = list_albums (f->client, &error);
      assert_error (error, KS_CLOUD_ERROR_PROTOCOL);
      g_assert_null (albums);
      if (replies[i].named != NULL)
        g_assert_nonnull (strstr (error->message, replies[i].named));
      g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/albums"), ==, 1);
    }
}

/* A newer server may add members. */
static void
test_unknown_members (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = NULL;
  KsAlbum *album;

  ks_test_proxy_add_body (f->proxy, "GET", "/v1/albums", 1,
                          "{\"albums\": [{\"id\":\"a\",\"name\":\"n\",\"owner\":\"o\",\"role\":\"viewer\","
                          "\"photo_count\":3,\"created_at\":\"t\",\"updated_at\":\"u\",\"colour\":[1,{}]}],"
                          "\"next\":{\"x\":null}}");
  albums = list_albums (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (albums->len, ==, 1);
  album = g_ptr_array_index (albums, 0);
  g_assert_cmpstr (album->role, ==, "viewer");
  g_assert_cmpint (album->photo_count, ==, 3);
}

#define MULTIPART_ORIGINAL                                                                    \
  "{\"target\":\"original\",\"method\":\"PUT\",\"upload_id\":\"u-1\",\"part_size\":16777216," \
  "\"parts\":[{\"part_number\":1,\"size\":16777216,\"url\":\"http://s/1\"},"                  \
  "{\"part_number\":2,\"size\":5,\"url\":\"http://s/2\"}],\"complete\":{\"method\":\"POST\",\"url\":\"http://s/c\"}}"
#define SINGLE_GRID \
  "{\"target\":\"grid\",\"method\":\"PUT\",\"url\":\"http://s/g\",\"headers\":{\"Content-Length\":\"300\",\"x-amz-checksum-sha256\":\"c2hh\"}}"
#define UPLOAD_REPLY(uploads) "{\"status\":\"upload\",\"photo_id\":\"p-1\",\"expires_at\":\"t\",\"uploads\":[" uploads "]}"

static KsPrepareReply *
prepare (KsApiClient *client,
         GError     **error)
{
  g_autoptr (KsPrepareRequest) request = ks_prepare_request_new ();
  g_autoptr (GAsyncResult) result = NULL;

  request->sha256 = ks_sha256_hex ("x", 1);
  request->size = 1;
  request->content_type = g_strdup ("image/jpeg");
  request->file_name = g_strdup ("x.jpg");
  request->width = request->height = 1;
  ks_api_client_prepare_photo_async (client, request, NULL, ks_test_store_result, &result);
  return ks_api_client_prepare_photo_finish (client, ks_test_wait_result (&result), error);
}

/* Multipart replies need 64 MiB originals from the server: made up here. */
static void
test_prepare_replies (Fixture      *f,
                      gconstpointer data)
{
  static const char *const malformed[] = {
    UPLOAD_REPLY (""),
    "{\"status\":\"maybe\",\"photo_id\":\"p-1\"}",
    "{\"status\":\"exists\"}",
    "{\"status\":\"exists\",\"photo\":{\"id\":\"p\"}}",
    UPLOAD_REPLY ("{\"target\":\"grid\",\"url\":\"http://s/g\",\"headers\":{\"Content-Length\":300}}"),
    UPLOAD_REPLY ("{\"target\":\"grid\",\"url\":\"http://s/g\"}"),
    UPLOAD_REPLY ("{\"target\":\"grid\",\"method\":\"GET\",\"url\":\"http://s/g\",\"headers\":{}}"),
    UPLOAD_REPLY ("{\"target\":\"original\",\"upload_id\":\"u\",\"part_size\":1,\"complete\":{\"url\":\"c\"},"
                  "\"parts\":[{\"part_number\":2,\"size\":1,\"url\":\"http://s/2\"}]}"),
    UPLOAD_REPLY ("{\"target\":\"original\",\"upload_id\":\"u\",\"part_size\":1,\"parts\":[]}"),
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (KsPrepareReply) reply = NULL;
  KsUploadTarget *original, *grid;
  KsUploadPart   *last;

  ks_test_proxy_add_body (f->proxy, "POST", "/v1/photos/prepare", 1, UPLOAD_REPLY (MULTIPART_ORIGINAL "," SINGLE_GRID));
  reply = prepare (f->client, &error);
  g_assert_no_error (error);
  g_assert_false (reply->exists);
  g_assert_cmpstr (reply->photo_id, ==, "p-1");
  g_assert_cmpuint (reply->uploads->len, ==, 2);
  original = g_ptr_array_index (reply->uploads, 0);
  g_assert_cmpstr (original->upload_id, ==, "u-1");
  g_assert_null (original->url);
  g_assert_cmpint (original->part_size, ==, 16777216);
  g_assert_cmpstr (original->complete_url, ==, "http://s/c");
  g_assert_cmpuint (original->parts->len, ==, 2);
  last = g_ptr_array_index (original->parts, 1);
  g_assert_cmpint (last->part_number, ==, 2);
  g_assert_cmpint (last->size, ==, 5);
  g_assert_cmpstr (last->url, ==, "http://s/2");
  grid = g_ptr_array_index (reply->uploads, 1);
  g_assert_cmpstr (grid->url, ==, "http://s/g");
  g_assert_cmpstr (g_hash_table_lookup (grid->headers, "x-amz-checksum-sha256"), ==, "c2hh");
  g_assert_null (grid->parts);

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autoptr (KsPrepareReply) bad = NULL;

      g_clear_error (&error);
      ks_test_proxy_add_body (f->proxy, "POST", "/v1/photos/prepare", 1, malformed[i]);
      bad = prepare (f->client, &error);
      assert_error (error, KS_CLOUD_ERROR_PROTOCOL);
      g_assert_null (bad);
    }
}

/* ---- Connections ---- */

static void
test_dropped (Fixture      *f,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = NULL;

  ks_test_proxy_add_drop (f->proxy, "GET", "/v1/me", 1);
  g_assert_true (get_me (f->client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, 2);

  /* The request may have been carried out: not sent again. */
  ks_test_proxy_add_drop (f->proxy, "POST", "/v1/albums", 1);
  album = create_album (f->client, &error);
  assert_error (error, KS_CLOUD_ERROR_NETWORK);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "POST", "/v1/albums"), ==, 1);
}

static void
test_server_stopped (Fixture      *f,
                     gconstpointer data)
{
  KsTestServer    *server = ks_test_api_get_server (f->api);
  g_autofree char *api_url = g_strconcat (ks_test_server_get_base_url (server), "/v1", NULL);
  g_autoptr (KsApiClient) direct = ks_api_client_new (f->soup, api_url, KS_TOKEN_SOURCE (f->tokens));
  g_autoptr (GError) error = NULL;

  ks_api_client_set_retry_policy (direct, MAX_ATTEMPTS, 10, 40);
  g_assert_true (get_me (direct, &error));
  ks_test_server_stop (server);

  g_assert_false (get_me (direct, &error));
  assert_error (error, KS_CLOUD_ERROR_NETWORK);
  g_clear_error (&error);

  /* Through the proxy, which then closes the connection too. */
  g_assert_false (get_me (f->client, &error));
  assert_error (error, KS_CLOUD_ERROR_NETWORK);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, MAX_ATTEMPTS);
}

/* ---- Tokens ---- */

static void
test_unauthorized_once (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", 1, 401, UNAUTHORIZED_BODY, NULL);
  g_assert_true (get_me (f->client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ks_test_token_source_get_refresh_count (f->tokens), ==, 1);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, 2);

  /* A fresh token refused too: the caller hears of it. */
  ks_test_proxy_reset_counts (f->proxy);
  ks_test_proxy_add_status (f->proxy, "GET", "/v1/me", 2, 401, UNAUTHORIZED_BODY, NULL);
  g_assert_false (get_me (f->client, &error));
  assert_error (error, KS_CLOUD_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "The access token has expired");
  g_assert_cmpuint (ks_test_token_source_get_refresh_count (f->tokens), ==, 2);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, 2);
}

static char *
prime_token (KsTestTokenSource *tokens)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *token;

  ks_token_source_get_access_token_async (KS_TOKEN_SOURCE (tokens), NULL, NULL, ks_test_store_result, &result);
  token = ks_token_source_get_access_token_finish (KS_TOKEN_SOURCE (tokens), ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return token;
}

/* The token the source holds expires for real (see NEARLY_EXPIRED):
 * every call is refused once, and all of them together cost one refresh. */
static void
test_expired_token (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *stale = prime_token (f->tokens);
  GAsyncResult    *results[8] = { NULL };

  g_usleep (4200 * 1000);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    ks_api_client_get_me_async (f->client, NULL, ks_test_store_result, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (ks_api_client_get_me_finish (f->client, ks_test_wait_result (&results[i]), NULL, NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&results[i]);
    }

  g_assert_cmpuint (ks_test_token_source_get_refresh_count (f->tokens), ==, 1);
  g_assert_cmpuint (ks_test_proxy_count (f->proxy, "GET", "/v1/me"), ==, 2 * G_N_ELEMENTS (results));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn, data) g_test_add ("/cloud-faults/" path, Fixture, data, fixture_setup, fn, fixture_teardown)
  ADD ("status/retry-500-get", test_retry_500, NULL);
  ADD ("status/no-retry-500-post", test_no_retry_500_post, NULL);
  ADD ("status/retry-after-seconds", test_retry_after_seconds, NULL);
  ADD ("status/retry-after-date", test_retry_after_date, NULL);
  ADD ("status/unavailable-forever", test_unavailable_forever, NULL);
  ADD ("status/error-body-malformed", test_error_body_malformed, NULL);
  ADD ("reply/slow", test_slow_reply, NULL);
  ADD ("reply/cancel", test_cancel, NULL);
  ADD ("reply/truncated", test_truncated, NULL);
  ADD ("reply/malformed", test_malformed, NULL);
  ADD ("reply/unknown-members", test_unknown_members, NULL);
  ADD ("reply/prepare", test_prepare_replies, NULL);
  ADD ("connection/dropped", test_dropped, NULL);
  ADD ("connection/server-stopped", test_server_stopped, NULL);
  ADD ("token/unauthorized-once", test_unauthorized_once, NULL);
  ADD ("token/expired", test_expired_token, GINT_TO_POINTER (1));
#undef ADD

  return g_test_run ();
}
