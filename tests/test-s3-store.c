/* test-s3-store.c: the S3 store's API for the other server modules —
 * head, delete, multipart and presigned URLs — on a KsServer in-process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-s3-private.h"
#include "test-s3-client.h"

#define MIB (1024 * 1024)

/* The server runs on a thread of its own with its own main context, so
 * the test can block in synchronous HTTP calls. */
typedef struct
{
  char            *root;
  KsServerDataDir *data_dir;
  KsServerDb      *db;
  KsServer        *server; /* owned by the server thread */
  GMainContext    *context;
  GMainLoop       *loop;
  GThread         *thread;
  GMutex           mutex;
  GCond            cond;
  gboolean         ready;
  char            *base_url;
  SoupSession     *session;
} Fixture;

static gpointer
server_thread (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autoptr (GSocketAddress) address = ks_server_parse_address ("127.0.0.1:0", NULL);
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (fixture->context);
  fixture->server = ks_server_new (fixture->data_dir, fixture->db);
  ks_server_listen (fixture->server, address, &error);
  g_assert_no_error (error);

  g_mutex_lock (&fixture->mutex);
  fixture->base_url = g_strdup (ks_server_get_listen_url (fixture->server));
  fixture->ready = TRUE;
  g_cond_signal (&fixture->cond);
  g_mutex_unlock (&fixture->mutex);

  g_main_loop_run (fixture->loop);
  ks_server_disconnect (fixture->server);
  g_clear_object (&fixture->server);
  while (g_main_context_iteration (fixture->context, FALSE))
    ;
  g_main_context_pop_thread_default (fixture->context);

  return NULL;
}

static void
start_server (Fixture *fixture)
{
  fixture->ready = FALSE;
  fixture->context = g_main_context_new ();
  fixture->loop = g_main_loop_new (fixture->context, FALSE);
  fixture->thread = g_thread_new ("ks-test-server", server_thread, fixture);
  g_mutex_lock (&fixture->mutex);
  while (!fixture->ready)
    g_cond_wait (&fixture->cond, &fixture->mutex);
  g_mutex_unlock (&fixture->mutex);
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
stop_server (Fixture *fixture)
{
  g_main_context_invoke (fixture->context, quit_cb, fixture->loop);
  g_thread_join (fixture->thread);
  g_clear_pointer (&fixture->loop, g_main_loop_unref);
  g_clear_pointer (&fixture->context, g_main_context_unref);
  g_clear_pointer (&fixture->base_url, g_free);
}

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;

  fixture->root = g_dir_make_tmp ("ks-test-s3-store-XXXXXX", &error);
  g_assert_no_error (error);
  data = g_build_filename (fixture->root, "data", NULL);
  fixture->data_dir = ks_server_data_dir_open (data, NULL, &error);
  g_assert_no_error (error);
  fixture->db = ks_server_db_open (ks_server_data_dir_get_db_path (fixture->data_dir), &error);
  g_assert_no_error (error);

  g_mutex_init (&fixture->mutex);
  g_cond_init (&fixture->cond);
  start_server (fixture);

  fixture->session = soup_session_new_with_options ("timeout", 30, NULL);
  soup_session_set_proxy_resolver (fixture->session, NULL);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer user_data)
{
  g_clear_object (&fixture->session);
  stop_server (fixture);
  g_mutex_clear (&fixture->mutex);
  g_cond_clear (&fixture->cond);
  g_clear_object (&fixture->db);
  g_clear_object (&fixture->data_dir);
  ks_test_remove_tree (fixture->root);
  g_free (fixture->root);
}

/* @body and @checksum nullable; returns the status. */
static guint
send_url (Fixture    *fixture,
          const char *method,
          const char *url,
          GBytes     *body,
          const char *checksum,
          GBytes    **out_reply)
{
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) reply = NULL;

  g_assert_nonnull (msg);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, NULL, body);
  if (checksum != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-amz-checksum-sha256", checksum);
  reply = soup_session_send_and_read (fixture->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (out_reply != NULL)
    *out_reply = g_steal_pointer (&reply);

  return soup_message_get_status (msg);
}

static char *
checksum_of (GBytes *bytes)
{
  guint8 digest[KS_SHA256_LEN];

  ks_sha256 (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), digest);
  return ks_base64_encode (digest, sizeof digest);
}

/* PUT through a URL bound to the body's length and SHA-256. */
static void
put_presigned (Fixture    *fixture,
               const char *key,
               GBytes     *body)
{
  g_autofree char   *sha256 = ks_test_s3_sha256_hex (body);
  g_autofree char   *checksum = checksum_of (body);
  KsS3PresignOptions options = { .content_length = (gint64) g_bytes_get_size (body),
                                 .checksum_sha256 = sha256 };
  g_autofree char   *url = ks_s3_store_presign (fixture->server, "PUT", key, 300, &options);

  g_assert_cmpuint (send_url (fixture, "PUT", url, body, checksum, NULL), ==, SOUP_STATUS_OK);
}

static void
test_head_delete (Fixture      *fixture,
                  gconstpointer user_data)
{
  g_autoptr (GBytes) body = ks_test_s3_random_bytes (1000, 1);
  g_autofree char *md5 = ks_test_s3_md5_hex (body);
  g_autofree char *etag = g_strdup_printf ("\"%s\"", md5);
  g_autofree char *sha256 = ks_test_s3_sha256_hex (body);
  g_autoptr (GError) error = NULL;
  KsS3ObjectInfo info = { 0 };

  g_assert_false (ks_s3_store_head (fixture->server, "originals/u/p", &info, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  put_presigned (fixture, "originals/u/p", body);
  g_assert_true (ks_s3_store_head (fixture->server, "originals/u/p", &info, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.size, ==, 1000);
  g_assert_cmpstr (info.etag, ==, etag);
  g_assert_cmpstr (info.sha256, ==, sha256);
  g_assert_cmpint (ABS (info.mtime_unix - g_get_real_time () / G_USEC_PER_SEC), <, 60);
  ks_s3_object_info_clear (&info);

  g_assert_true (ks_s3_store_delete (fixture->server, "originals/u/p", &error));
  g_assert_no_error (error);
  g_assert_false (ks_s3_store_head (fixture->server, "originals/u/p", &info, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (ks_s3_store_head (fixture->server, "../escape", &info, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* The URL holds the client to what the API allowed. */
static void
test_presign_bound (Fixture      *fixture,
                    gconstpointer user_data)
{
  g_autoptr (GBytes) body = ks_test_s3_random_bytes (100, 2);
  g_autoptr (GBytes) longer = ks_test_s3_random_bytes (101, 3);
  g_autoptr (GBytes) reply = NULL;
  g_autofree char   *sha256 = ks_test_s3_sha256_hex (body);
  g_autofree char   *checksum = checksum_of (body);
  g_autofree char   *other_checksum = checksum_of (longer);
  KsS3PresignOptions options = { .content_length = 100, .checksum_sha256 = sha256 };
  g_autofree char   *put = ks_s3_store_presign (fixture->server, "PUT", "thumbs/u/p/256.jpg", 300, &options);
  KsS3PresignOptions unbound = { .content_length = -1 };
  g_autofree char   *get = ks_s3_store_presign (fixture->server, "GET", "thumbs/u/p/256.jpg", 300, &unbound);
  g_autofree char   *short_lived = ks_s3_store_presign (fixture->server, "GET", "thumbs/u/p/256.jpg", 1, NULL);
  g_autofree char   *prefix = g_strconcat (fixture->base_url, "/s3/keepsake/thumbs/u/p/256.jpg?", NULL);

  g_assert_true (g_str_has_prefix (put, prefix));
  g_assert_cmpuint (send_url (fixture, "PUT", put, longer, checksum, NULL), ==, SOUP_STATUS_FORBIDDEN);
  g_assert_cmpuint (send_url (fixture, "PUT", put, body, other_checksum, NULL), ==, SOUP_STATUS_FORBIDDEN);
  g_assert_cmpuint (send_url (fixture, "PUT", put, body, NULL, NULL), ==, SOUP_STATUS_BAD_REQUEST);
  g_assert_cmpuint (send_url (fixture, "GET", get, NULL, NULL, NULL), ==, SOUP_STATUS_NOT_FOUND);
  g_assert_cmpuint (send_url (fixture, "PUT", put, body, checksum, NULL), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (send_url (fixture, "GET", get, NULL, NULL, &reply), ==, SOUP_STATUS_OK);
  ks_test_s3_assert_bytes (reply, body);

  g_usleep (2100 * 1000);
  g_assert_cmpuint (send_url (fixture, "GET", short_lived, NULL, NULL, NULL), ==, SOUP_STATUS_FORBIDDEN);
}

static char *
put_part (Fixture    *fixture,
          const char *key,
          const char *upload_id,
          guint       number,
          GBytes     *body)
{
  KsS3PresignOptions options = { .content_length = -1, .upload_id = upload_id, .part_number = number };
  g_autofree char   *url = ks_s3_store_presign (fixture->server, "PUT", key, 300, &options);
  g_autoptr (SoupMessage) msg = soup_message_new ("PUT", url);
  g_autoptr (GBytes) reply = NULL;

  soup_message_set_request_body_from_bytes (msg, NULL, body);
  reply = soup_session_send_and_read (fixture->session, msg, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);

  return g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag"));
}

/* The API's multipart flow: create here, parts and complete presigned. */
static void
test_multipart (Fixture      *fixture,
                gconstpointer user_data)
{
  const char *key = "originals/u/video";
  g_autoptr (GBytes) part1 = ks_test_s3_random_bytes (5 * MIB, 4);
  g_autoptr (GBytes) part2 = ks_test_s3_random_bytes (10, 5);
  g_autoptr (GError) error = NULL;
  g_autofree char *upload_id = ks_s3_store_create_multipart (fixture->server, key, &error);
  g_autofree char *etag1 = NULL;
  g_autofree char *etag2 = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GBytes) body = NULL;
  KsS3PresignOptions options = { .content_length = -1 };
  KsS3ObjectInfo     info = { 0 };

  g_assert_no_error (error);
  g_assert_nonnull (upload_id);
  etag1 = put_part (fixture, key, upload_id, 1, part1);
  etag2 = put_part (fixture, key, upload_id, 2, part2);
  xml = g_strdup_printf ("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part>"
                         "<Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>",
                         etag1, etag2);
  body = g_bytes_new (xml, strlen (xml));
  options.upload_id = upload_id;
  url = ks_s3_store_presign (fixture->server, "POST", key, 300, &options);
  g_assert_cmpuint (send_url (fixture, "POST", url, body, NULL, NULL), ==, SOUP_STATUS_OK);

  g_assert_true (ks_s3_store_head (fixture->server, key, &info, NULL, &error));
  g_assert_cmpuint (info.size, ==, 5 * MIB + 10);
  g_assert_true (g_str_has_suffix (info.etag, "-2\""));
  ks_s3_object_info_clear (&info);

  g_assert_null (ks_s3_store_create_multipart (fixture->server, "bad\\key", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static gboolean
set_public_url_cb (gpointer user_data)
{
  Fixture         *fixture = user_data;
  g_autofree char *url = g_strconcat (fixture->base_url, "/photos", NULL);

  ks_server_set_public_url (fixture->server, url);
  g_mutex_lock (&fixture->mutex);
  fixture->ready = FALSE;
  g_cond_signal (&fixture->cond);
  g_mutex_unlock (&fixture->mutex);

  return G_SOURCE_REMOVE;
}

/* Behind a reverse proxy that takes /photos off, URLs still verify. */
static void
test_public_url_prefix (Fixture      *fixture,
                        gconstpointer user_data)
{
  g_autoptr (GBytes) body = ks_test_s3_random_bytes (10, 6);
  g_autofree char *url = NULL;
  g_autofree char *prefix = g_strconcat (fixture->base_url, "/photos/s3/keepsake/k?", NULL);
  g_autoptr (GString) proxied = NULL;

  g_main_context_invoke (fixture->context, set_public_url_cb, fixture);
  g_mutex_lock (&fixture->mutex);
  while (fixture->ready)
    g_cond_wait (&fixture->cond, &fixture->mutex);
  g_mutex_unlock (&fixture->mutex);

  url = ks_s3_store_presign (fixture->server, "PUT", "k", 300, NULL);
  g_assert_true (g_str_has_prefix (url, prefix));
  proxied = g_string_new (url);
  g_string_replace (proxied, "/photos/s3/", "/s3/", 1);
  g_assert_cmpuint (send_url (fixture, "PUT", proxied->str, body, NULL, NULL), ==, SOUP_STATUS_OK);
}

/* What ks_sigv4_presign_url(), the reference, makes of a request for
 * @key under @endpoint and @bucket_path ("/…/", unescaped). */
static char *
reference_presign_at (const char               *endpoint,
                      const char               *bucket_path,
                      const KsSigv4Credentials *creds,
                      const char               *method,
                      const char               *key,
                      const KsS3PresignOptions *options,
                      GDateTime                *now)
{
  g_autofree char *path = g_strconcat (bucket_path, key, NULL);
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new (method, path);
  g_autoptr (GError) error = NULL;
  char *url;

  if (options != NULL && options->content_length >= 0)
    {
      g_autofree char *length = g_strdup_printf ("%" G_GINT64_FORMAT, options->content_length);

      ks_sigv4_request_add_header (req, "Content-Length", length);
    }
  if (options != NULL && options->checksum_sha256 != NULL)
    {
      gsize              len = 0;
      g_autofree guint8 *digest = ks_hex_decode (options->checksum_sha256, &len, NULL);
      g_autofree char   *base64 = ks_base64_encode (digest, len);

      ks_sigv4_request_add_header (req, "x-amz-checksum-sha256", base64);
    }
  if (options != NULL && options->upload_id != NULL)
    {
      g_autofree char *part = g_strdup_printf ("%u", options->part_number);

      if (options->part_number != 0)
        ks_sigv4_request_add_query (req, "partNumber", part);
      ks_sigv4_request_add_query (req, "uploadId", options->upload_id);
    }

  url = ks_sigv4_presign_url (endpoint, req, creds, now, 900, &error);
  g_assert_no_error (error);
  return url;
}

/* The same for the built-in store under @public_url. */
static char *
reference_presign (Fixture                  *fixture,
                   const char               *public_url,
                   const char               *method,
                   const char               *key,
                   const KsS3PresignOptions *options,
                   GDateTime                *now)
{
  g_autoptr (GUri) uri = g_uri_parse (public_url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char   *endpoint = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL,
                                            g_uri_get_host (uri), g_uri_get_port (uri), "", NULL, NULL);
  g_autofree char   *prefix = g_uri_unescape_string (g_uri_get_path (uri), NULL);
  g_autofree char   *bucket_path = g_strconcat (prefix, "/s3/keepsake/", NULL);
  KsSigv4Credentials creds = {
    .access_key_id = ks_server_data_dir_get_access_key_id (fixture->data_dir),
    .secret_access_key = ks_server_data_dir_get_secret_access_key (fixture->data_dir),
    .region = ks_server_data_dir_get_region (fixture->data_dir),
    .service = "s3",
  };

  return reference_presign_at (endpoint, bucket_path, &creds, method, key, options, now);
}

static gboolean
set_public_url_to_cb (gpointer user_data)
{
  Fixture *fixture = user_data;

  ks_server_set_public_url (fixture->server, g_object_get_data (G_OBJECT (fixture->server), "next-url"));
  g_mutex_lock (&fixture->mutex);
  fixture->ready = FALSE;
  g_cond_signal (&fixture->cond);
  g_mutex_unlock (&fixture->mutex);

  return G_SOURCE_REMOVE;
}

static void
set_public_url (Fixture    *fixture,
                const char *url)
{
  g_object_set_data_full (G_OBJECT (fixture->server), "next-url", g_strdup (url), g_free);
  fixture->ready = TRUE;
  g_main_context_invoke (fixture->context, set_public_url_to_cb, fixture);
  g_mutex_lock (&fixture->mutex);
  while (fixture->ready)
    g_cond_wait (&fixture->cond, &fixture->mutex);
  g_mutex_unlock (&fixture->mutex);
}

/* The store's own presigner writes exactly the reference's URL, for
 * every shape the API asks for, across public URLs and days. */
static void
test_presign_reference (Fixture      *fixture,
                        gconstpointer user_data)
{
  const char *const public_urls[] = {
    NULL, /* the listening URL */
    "https://photos.example.org",
    "https://photos.example.org:443/keep%20sake",
    "http://[::1]:8080/a/b",
    "http://example.org:80",
  };
  const char *const keys[] = {
    "originals/sub-1/3f2b0a4e-0000-4000-8000-000000000000",
    "thumbs/u/p/grid.jpg",
    "odd key/with+plus&amp=é",
  };
  const char              *sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const KsS3PresignOptions options[] = {
    { .content_length = -1 },
    { .content_length = 123, .checksum_sha256 = sha256 },
    { .content_length = 16777216, .upload_id = "up/load+id=", .part_number = 7 },
    { .content_length = -1, .upload_id = "uploadid" },
  };
  const char *const methods[] = { "GET", "PUT", "PUT", "POST" };
  const gint64      times[] = { 1714566896, 1714608000 - 1, 1714608000, 1714694400 + 12345 };

  for (guint u = 0; u < G_N_ELEMENTS (public_urls); u++)
    {
      g_autofree char *public_url = g_strdup (public_urls[u] != NULL ? public_urls[u] : fixture->base_url);

      set_public_url (fixture, public_url);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        for (guint o = 0; o < G_N_ELEMENTS (options); o++)
          for (guint t = 0; t < G_N_ELEMENTS (times); t++)
            {
              g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (times[t]);
              g_autofree char *expected = reference_presign (fixture, public_url, methods[o], keys[k],
                                                             &options[o], now);
              g_autofree char *url = ks_s3_store_presign_at (fixture->server, methods[o], keys[k], 900,
                                                             &options[o], times[t]);

              g_assert_nonnull (url);
              g_assert_cmpstr (url, ==, expected);
            }
    }
}

/* For an outside bucket, virtual-hosted or path-style, with temporary
 * keys: the same URLs as the reference, session token included. */
static void
test_presign_bucket (void)
{
  const KsSigv4Credentials creds = {
    .access_key_id = "ASIAEXAMPLEKEY000001",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    .session_token = "FwoGZXIvYXdzEJr//////////wEaDG+token/with=odd+chars",
    .region = "eu-west-1",
    .service = "s3",
  };
  const struct
  {
    const char *bucket_url;
    const char *endpoint;
    const char *bucket_path;
  } buckets[] = {
    { "https://photos-bucket.s3.eu-west-1.amazonaws.com/", "https://photos-bucket.s3.eu-west-1.amazonaws.com", "/" },
    { "http://127.0.0.1:9000/photos-bucket/", "http://127.0.0.1:9000", "/photos-bucket/" },
  };
  const char              *sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const KsS3PresignOptions options[] = {
    { .content_length = -1 },
    { .content_length = 123, .checksum_sha256 = sha256 },
    { .content_length = 16777216, .upload_id = "up/load+id=", .part_number = 7 },
  };
  const char *const methods[] = { "GET", "PUT", "PUT" };
  g_autoptr (GDateTime) now = g_date_time_new_from_unix_utc (1714566896);

  for (guint b = 0; b < G_N_ELEMENTS (buckets); b++)
    {
      g_autoptr (KsS3Presigner) presigner = ks_s3_presigner_new (&creds);

      g_assert_true (ks_s3_presigner_set_bucket_url (presigner, buckets[b].bucket_url));
      for (guint o = 0; o < G_N_ELEMENTS (options); o++)
        {
          g_autofree char *expected = reference_presign_at (buckets[b].endpoint, buckets[b].bucket_path, &creds,
                                                            methods[o], "originals/sub-1/photo", &options[o], now);
          g_autofree char *url = ks_s3_presigner_sign (presigner, methods[o], "originals/sub-1/photo", 900,
                                                       &options[o], 1714566896);

          g_assert_cmpstr (url, ==, expected);
          g_assert_nonnull (strstr (url, "X-Amz-Security-Token=FwoGZXIvYXdzEJr%2F%2F"));
        }
    }
}

static KsS3Meta *
meta_new (const char *key,
          const char *etag)
{
  KsS3Meta *meta = ks_s3_meta_new (key);

  meta->etag = g_strdup (etag);
  return meta;
}

/* Every key and ETag in @index, "key=etag|…". */
static char *
list_index (KsS3Index *index)
{
  KsS3ListQuery query = { .prefix = "", .max_keys = 1000 };
  g_auto (KsS3ListResult) result = { 0 };
  g_autoptr (GString) out = g_string_new (NULL);

  ks_s3_index_list (index, &query, &result);
  for (guint i = 0; i < result.contents->len; i++)
    {
      KsS3Entry *entry = g_ptr_array_index (result.contents, i);

      g_string_append_printf (out, "%s%s=%s", i > 0 ? "|" : "", entry->key, entry->etag);
    }

  return g_strdup (out->str);
}

/* The scan runs beside commits and deletes: what it read of a key one of
 * them has been at since it began is older, whichever comes last. */
static void
test_index_scan (void)
{
  KsS3Index *index = ks_s3_index_new ();
  g_autoptr (KsS3Meta) old_a = meta_new ("a", "old");
  g_autoptr (KsS3Meta) new_a = meta_new ("a", "new");
  g_autoptr (KsS3Meta) old_b = meta_new ("b", "old");
  g_autoptr (KsS3Meta) c = meta_new ("c", "scanned");
  g_autoptr (KsS3Meta) new_d = meta_new ("d", "new");
  g_autoptr (KsS3Meta) old_d = meta_new ("d", "old");
  g_autofree char *listed = NULL;

  ks_s3_index_begin_scan (index);
  ks_s3_index_lock (index);
  ks_s3_index_put_locked (index, new_a);
  ks_s3_index_remove_locked (index, "b");
  ks_s3_index_unlock (index);
  ks_s3_index_put_scanned (index, old_a);
  ks_s3_index_put_scanned (index, old_b);
  ks_s3_index_put_scanned (index, c);
  ks_s3_index_put_scanned (index, old_d);
  ks_s3_index_lock (index);
  ks_s3_index_put_locked (index, new_d);
  ks_s3_index_unlock (index);
  ks_s3_index_end_scan (index);

  listed = list_index (index);
  g_assert_cmpstr (listed, ==, "a=new|c=scanned|d=new");
  ks_s3_index_free (index);
}

typedef struct
{
  char    *url;
  GBytes  *reply;
  guint    status;
  gboolean done; /* atomic */
} Listing;

static gpointer
list_thread (gpointer user_data)
{
  Listing *listing = user_data;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 30, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", listing->url);
  g_autoptr (GError) error = NULL;

  soup_session_set_proxy_resolver (session, NULL);
  listing->reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  listing->status = soup_message_get_status (msg);
  g_atomic_int_set (&listing->done, TRUE);

  return NULL;
}

static char *
plant_file (Fixture    *fixture,
            const char *fan,
            const char *name)
{
  g_autofree char *dir = g_build_filename (ks_server_data_dir_get_objects_path (fixture->data_dir), fan, NULL);
  char            *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, "half an upload", -1, &error);
  g_assert_no_error (error);

  return path;
}

/*
 * The server answers before its store is indexed: reads, writes and
 * deletes meanwhile, a listing waits for the scan and then shows what
 * they did. The scan removes the temp files of earlier runs, not this
 * one's.
 */
static void
test_scan_beside_requests (Fixture      *fixture,
                           gconstpointer user_data)
{
  g_autoptr (GBytes) body = ks_test_s3_random_bytes (100, 7);
  g_autoptr (GBytes) replaced = ks_test_s3_random_bytes (200, 8);
  g_autofree char *replaced_md5 = ks_test_s3_md5_hex (replaced);
  g_autofree char *stale = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *ours_dir = g_build_filename (ks_server_data_dir_get_objects_path (fixture->data_dir),
                                                "01", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GPtrArray) etags = NULL;
  g_autoptr (GThread) thread = NULL;
  g_autofree char *joined = NULL;
  Listing          listing = { 0 };
  KsS3ObjectInfo   info = { 0 };
  int              fd;

  put_presigned (fixture, "a", body);
  put_presigned (fixture, "b", body);
  put_presigned (fixture, "c", body);
  stop_server (fixture);

  stale = plant_file (fixture, "00", ".tmp-AbCdEf");
  fd = ks_s3_file_create_temp (ours_dir, &ours, &error);
  g_assert_no_error (error);
  close (fd);

  ks_s3_scan_hold_for_testing (TRUE);
  start_server (fixture);

  g_assert_true (ks_s3_store_head (fixture->server, "a", &info, NULL, &error));
  g_assert_no_error (error);
  ks_s3_object_info_clear (&info);
  put_presigned (fixture, "b", replaced);
  g_assert_true (ks_s3_store_delete (fixture->server, "c", &error));
  g_assert_no_error (error);
  put_presigned (fixture, "d", body);

  listing.url = ks_s3_store_presign (fixture->server, "GET", "", 300, NULL);
  thread = g_thread_new ("ks-test-list", list_thread, &listing);
  g_usleep (300 * 1000);
  g_assert_false (g_atomic_int_get (&listing.done));
  g_assert_true (g_file_test (stale, G_FILE_TEST_EXISTS));

  ks_s3_scan_hold_for_testing (FALSE);
  g_thread_join (g_steal_pointer (&thread));
  g_assert_cmpuint (listing.status, ==, SOUP_STATUS_OK);
  keys = ks_test_s3_xml_values (listing.reply, "Key");
  etags = ks_test_s3_xml_values (listing.reply, "ETag");
  g_ptr_array_add (keys, NULL);
  joined = g_strjoinv ("|", (char **) keys->pdata);
  g_assert_cmpstr (joined, ==, "a|b|d");
  g_assert_nonnull (strstr (g_ptr_array_index (etags, 1), replaced_md5));

  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (ours, G_FILE_TEST_EXISTS));
  g_unlink (ours);
  g_free (listing.url);
  g_bytes_unref (listing.reply);
}

/* A server that goes while its scan has not begun stops the scan: no
 * worker outlives it. */
static void
test_stop_during_scan (Fixture      *fixture,
                       gconstpointer user_data)
{
  g_autoptr (GBytes) body = ks_test_s3_random_bytes (10, 9);

  put_presigned (fixture, "a", body);
  stop_server (fixture);

  ks_s3_scan_hold_for_testing (TRUE);
  start_server (fixture);
  stop_server (fixture);
  ks_s3_scan_hold_for_testing (FALSE);

  start_server (fixture);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/s3/store/head-delete", test_head_delete);
  ADD ("/s3/store/presign-bound", test_presign_bound);
  ADD ("/s3/store/presign-reference", test_presign_reference);
  g_test_add_func ("/s3/store/presign-bucket", test_presign_bucket);
  ADD ("/s3/store/multipart", test_multipart);
  ADD ("/s3/store/public-url-prefix", test_public_url_prefix);
  ADD ("/s3/store/scan-beside-requests", test_scan_beside_requests);
  ADD ("/s3/store/stop-during-scan", test_stop_during_scan);
#undef ADD
  g_test_add_func ("/s3/store/index-scan", test_index_scan);

  return g_test_run ();
}
