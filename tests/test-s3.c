/* test-s3.c: the built-in S3 store over HTTP — objects, ranges, digests,
 * signatures, presigned URLs, keys, listings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "test-s3-client.h"

typedef KsTestS3Fixture Fixture;

static GBytes *
text_bytes (const char *text)
{
  return g_bytes_new (text, strlen (text));
}

static void
put_text (Fixture    *fixture,
          const char *key,
          const char *text)
{
  g_autoptr (GBytes) body = text_bytes (text);
  g_autoptr (GBytes) reply = NULL;
  guint status = 0;

  reply = ks_test_s3_request (fixture->s3, "PUT", key, NULL, body, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
}

static void
assert_object (Fixture    *fixture,
               const char *key,
               const char *text)
{
  g_autoptr (GBytes) reply = NULL;
  guint status = 0;

  reply = ks_test_s3_request (fixture->s3, "GET", key, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_cmpmem (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply), text, strlen (text));
}

static void
assert_no_object (Fixture    *fixture,
                  const char *key)
{
  g_autoptr (SoupMessage) msg = ks_test_s3_message (fixture->s3, "GET", key, NULL, NULL);
  g_autoptr (GBytes) reply = NULL;

  ks_test_s3_sign (fixture->s3, msg, NULL);
  reply = ks_test_s3_send (fixture->s3, msg);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_NOT_FOUND, "NoSuchKey");
}

static void
test_put_get_head_delete (Fixture      *fixture,
                          gconstpointer user_data)
{
  g_autoptr (GBytes) body = text_bytes ("hello, world\n");
  g_autoptr (SoupMessage) put = ks_test_s3_message (fixture->s3, "PUT", "dir/hello world.txt", NULL, body);
  g_autoptr (SoupMessage) head = ks_test_s3_message (fixture->s3, "HEAD", "dir/hello world.txt", NULL, NULL);
  g_autoptr (GBytes) reply = NULL;
  g_autofree char    *md5 = ks_test_s3_md5_hex (body);
  g_autofree char    *etag = g_strdup_printf ("\"%s\"", md5);
  SoupMessageHeaders *headers;
  guint               status = 0;

  soup_message_headers_replace (soup_message_get_request_headers (put), "Content-Type", "text/plain");
  soup_message_headers_replace (soup_message_get_request_headers (put), "x-amz-meta-Origin", "tést");
  ks_test_s3_sign (fixture->s3, put, NULL);
  g_bytes_unref (ks_test_s3_send (fixture->s3, put));
  g_assert_cmpuint (soup_message_get_status (put), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (put), "ETag"), ==, etag);

  assert_object (fixture, "dir/hello world.txt", "hello, world\n");

  ks_test_s3_sign (fixture->s3, head, NULL);
  g_bytes_unref (ks_test_s3_send (fixture->s3, head));
  headers = soup_message_get_response_headers (head);
  g_assert_cmpuint (soup_message_get_status (head), ==, SOUP_STATUS_OK);
  g_assert_cmpint (soup_message_headers_get_content_length (headers), ==, 13);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "ETag"), ==, etag);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Content-Type"), ==, "text/plain");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "x-amz-meta-origin"), ==, "tést");
  g_assert_nonnull (soup_message_headers_get_one (headers, "Last-Modified"));

  put_text (fixture, "dir/hello world.txt", "replaced");
  assert_object (fixture, "dir/hello world.txt", "replaced");

  reply = ks_test_s3_request (fixture->s3, "DELETE", "dir/hello world.txt", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NO_CONTENT);
  assert_no_object (fixture, "dir/hello world.txt");
  g_clear_pointer (&reply, g_bytes_unref);
  /* Deleting what is not there is fine, as in S3. */
  reply = ks_test_s3_request (fixture->s3, "DELETE", "dir/hello world.txt", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_NO_CONTENT);
}

static void
test_empty_object (Fixture      *fixture,
                   gconstpointer user_data)
{
  put_text (fixture, "empty", "");
  assert_object (fixture, "empty", "");
}

typedef struct
{
  const char *range;
  guint       status;
  const char *body;
  const char *content_range;
} RangeCase;

static void
test_range (Fixture      *fixture,
            gconstpointer user_data)
{
  static const RangeCase cases[] = {
    { "bytes=2-5", SOUP_STATUS_PARTIAL_CONTENT, "2345", "bytes 2-5/10" },
    { "bytes=7-", SOUP_STATUS_PARTIAL_CONTENT, "789", "bytes 7-9/10" },
    { "bytes=-3", SOUP_STATUS_PARTIAL_CONTENT, "789", "bytes 7-9/10" },
    { "bytes=-20", SOUP_STATUS_PARTIAL_CONTENT, "0123456789", "bytes 0-9/10" },
    { "bytes=5-100", SOUP_STATUS_PARTIAL_CONTENT, "56789", "bytes 5-9/10" },
    { "bytes=9-9", SOUP_STATUS_PARTIAL_CONTENT, "9", "bytes 9-9/10" },
    { "bytes=10-", SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL, "bytes */10" },
    { "bytes=-0", SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL, "bytes */10" },
    { "bytes=5-2", SOUP_STATUS_OK, "0123456789", NULL },
    { "bytes=0-1,4-5", SOUP_STATUS_OK, "0123456789", NULL },
    { "items=0-1", SOUP_STATUS_OK, "0123456789", NULL },
    { "bytes=x-1", SOUP_STATUS_OK, "0123456789", NULL },
  };

  put_text (fixture, "digits", "0123456789");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SoupMessage) msg = ks_test_s3_message (fixture->s3, "GET", "digits", NULL, NULL);
      SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
      g_autoptr (GBytes) reply = NULL;

      g_test_message ("Range: %s", cases[i].range);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", cases[i].range);
      ks_test_s3_sign (fixture->s3, msg, NULL);
      reply = ks_test_s3_send (fixture->s3, msg);
      g_assert_cmpuint (soup_message_get_status (msg), ==, cases[i].status);
      g_assert_cmpstr (soup_message_headers_get_one (headers, "Content-Range"), ==, cases[i].content_range);
      if (cases[i].body != NULL)
        g_assert_cmpmem (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                         cases[i].body, strlen (cases[i].body));
      else
        ks_test_s3_assert_error (msg, reply, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "InvalidRange");
    }
}

/* Sends @body for @key with @name: @value added and signed. */
static SoupMessage *
put_with_header (Fixture    *fixture,
                 const char *key,
                 GBytes     *body,
                 const char *name,
                 const char *value,
                 const char *payload_hash,
                 GBytes    **out_reply)
{
  SoupMessage *msg = ks_test_s3_message (fixture->s3, "PUT", key, NULL, body);

  if (name != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), name, value);
  ks_test_s3_sign (fixture->s3, msg, payload_hash);
  *out_reply = ks_test_s3_send (fixture->s3, msg);

  return msg;
}

static char *
base64_of_hex (const char *hex)
{
  gsize              len = 0;
  g_autofree guint8 *bin = ks_hex_decode (hex, &len, NULL);

  return ks_base64_encode (bin, len);
}

static void
assert_put_refused (Fixture    *fixture,
                    GBytes     *body,
                    const char *name,
                    const char *value,
                    const char *payload_hash,
                    const char *code)
{
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = put_with_header (fixture, "digest", body, name, value, payload_hash, &reply);
  g_autofree char *objects = ks_test_server_dup_data_path (fixture->server, "objects");
  g_autoptr (GPtrArray) files = NULL;

  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_BAD_REQUEST, code);
  assert_no_object (fixture, "digest");
  files = ks_test_s3_list_files (objects);
  g_assert_cmpuint (files->len, ==, 0);
}

static void
test_digests (Fixture      *fixture,
              gconstpointer user_data)
{
  g_autoptr (GBytes) body = text_bytes ("the bytes that were meant");
  g_autoptr (GBytes) other = text_bytes ("some other bytes");
  g_autofree char *sha256 = ks_test_s3_sha256_hex (body);
  g_autofree char *other_sha256 = ks_test_s3_sha256_hex (other);
  g_autofree char *checksum = base64_of_hex (sha256);
  g_autofree char *other_checksum = base64_of_hex (other_sha256);
  g_autofree char *other_md5_hex = ks_test_s3_md5_hex (other);
  g_autofree char *md5_hex = ks_test_s3_md5_hex (body);
  g_autofree char *other_md5 = base64_of_hex (other_md5_hex);
  g_autofree char *md5 = base64_of_hex (md5_hex);
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  assert_put_refused (fixture, body, "x-amz-checksum-sha256", other_checksum, NULL, "BadDigest");
  assert_put_refused (fixture, body, "x-amz-checksum-sha256", "bm90IGEgZGlnZXN0", NULL, "InvalidRequest");
  assert_put_refused (fixture, body, "Content-MD5", other_md5, NULL, "BadDigest");
  assert_put_refused (fixture, body, "Content-MD5", "nonsense", NULL, "InvalidDigest");
  assert_put_refused (fixture, body, NULL, NULL, other_sha256, "XAmzContentSHA256Mismatch");

  msg = put_with_header (fixture, "digest", body, "x-amz-checksum-sha256", checksum, NULL, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "x-amz-checksum-sha256"),
                   ==, checksum);
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);
  msg = put_with_header (fixture, "digest", body, "Content-MD5", md5, KS_SIGV4_UNSIGNED_PAYLOAD, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  assert_object (fixture, "digest", "the bytes that were meant");
}

static void
assert_get_refused (Fixture    *fixture,
                    guint       status,
                    const char *code)
{
  g_autoptr (SoupMessage) msg = ks_test_s3_message (fixture->s3, "GET", "secret", NULL, NULL);
  g_autoptr (GBytes) reply = NULL;

  ks_test_s3_sign (fixture->s3, msg, NULL);
  reply = ks_test_s3_send (fixture->s3, msg);
  ks_test_s3_assert_error (msg, reply, status, code);
}

static void
test_auth_refused (Fixture      *fixture,
                   gconstpointer user_data)
{
  KsTestS3        *s3 = fixture->s3;
  g_autofree char *key_id = g_strdup (ks_test_s3_get_access_key_id (s3));
  g_autofree char *secret = g_strdup (ks_test_s3_get_secret (s3));
  g_autoptr (SoupMessage) unsigned_msg = ks_test_s3_message (s3, "GET", "secret", NULL, NULL);
  g_autoptr (GBytes) reply = NULL;

  put_text (fixture, "secret", "s3cr3t");

  ks_test_s3_set_credentials (s3, key_id, "wrong/secret/wrong/secret/wrong/secret12");
  assert_get_refused (fixture, SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch");
  ks_test_s3_set_credentials (s3, "AKIAUNKNOWNUNKNOWN00", secret);
  assert_get_refused (fixture, SOUP_STATUS_FORBIDDEN, "InvalidAccessKeyId");
  ks_test_s3_set_credentials (s3, key_id, secret);

  ks_test_s3_set_clock_offset (s3, -3600);
  assert_get_refused (fixture, SOUP_STATUS_FORBIDDEN, "RequestTimeTooSkewed");
  ks_test_s3_set_clock_offset (s3, 0);

  ks_test_s3_set_region (s3, "eu-west-1");
  assert_get_refused (fixture, SOUP_STATUS_BAD_REQUEST, "AuthorizationHeaderMalformed");
  ks_test_s3_set_region (s3, "us-east-1");

  reply = ks_test_s3_send (s3, unsigned_msg);
  ks_test_s3_assert_error (unsigned_msg, reply, SOUP_STATUS_FORBIDDEN, "AccessDenied");

  assert_object (fixture, "secret", "s3cr3t");
}

static SoupMessage *
send_url (Fixture    *fixture,
          const char *method,
          const char *url,
          GBytes     *body,
          GBytes    **out_reply)
{
  SoupMessage *msg = soup_message_new (method, url);

  g_assert_nonnull (msg);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, NULL, body);
  *out_reply = ks_test_server_send (fixture->server, msg);

  return msg;
}

static void
assert_url_refused (Fixture    *fixture,
                    const char *method,
                    const char *url,
                    GBytes     *body,
                    guint       status,
                    const char *code)
{
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = send_url (fixture, method, url, body, &reply);

  ks_test_s3_assert_error (msg, reply, status, code);
}

static SoupMessage *
put_presigned (Fixture    *fixture,
               const char *url,
               GBytes     *body,
               const char *checksum,
               GBytes    **out_reply)
{
  SoupMessage *msg = soup_message_new ("PUT", url);

  soup_message_set_request_body_from_bytes (msg, NULL, body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-amz-checksum-sha256", checksum);
  *out_reply = ks_test_server_send (fixture->server, msg);

  return msg;
}

static void
test_presigned (Fixture      *fixture,
                gconstpointer user_data)
{
  g_autoptr (GBytes) body = text_bytes ("uploaded with a presigned URL");
  g_autoptr (GBytes) longer = text_bytes ("uploaded with a presigned URL, and more");
  g_autofree char *sha256 = ks_test_s3_sha256_hex (body);
  g_autofree char *checksum = base64_of_hex (sha256);
  g_autofree char *length = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (body));
  g_autofree char *put = ks_test_s3_presign (fixture->s3, "PUT", "pre/signed", NULL, 300, NULL,
                                             "content-length", length,
                                             "x-amz-checksum-sha256", checksum, NULL);
  g_autofree char *get = ks_test_s3_presign (fixture->s3, "GET", "pre/signed", NULL, 300, NULL, NULL, NULL);
  g_autoptr (GDateTime) past = g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC - 7200);
  g_autofree char *expired = ks_test_s3_presign (fixture->s3, "GET", "pre/signed", NULL, 60, past, NULL, NULL);
  g_autofree char *tampered = g_strdup (get);
  g_autofree char *other_key = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  GString *replaced;

  /* The checksum and the length are signed headers: the uploader must
   * send them, and send them as signed. */
  assert_url_refused (fixture, "PUT", put, body, SOUP_STATUS_BAD_REQUEST,
                      "AuthorizationQueryParametersError");
  msg = put_presigned (fixture, put, longer, checksum, &reply);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch");
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);
  msg = put_presigned (fixture, put, body, checksum, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);

  msg = send_url (fixture, "GET", get, NULL, &reply);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpmem (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                   g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  assert_url_refused (fixture, "GET", expired, NULL, SOUP_STATUS_FORBIDDEN, "AccessDenied");
  assert_url_refused (fixture, "DELETE", get, NULL, SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch");
  tampered[strlen (tampered) - 1] = tampered[strlen (tampered) - 1] == '0' ? '1' : '0';
  assert_url_refused (fixture, "GET", tampered, NULL, SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch");
  replaced = g_string_new (get);
  g_string_replace (replaced, "pre/signed", "pre/other", 1);
  other_key = g_string_free (replaced, FALSE);
  assert_url_refused (fixture, "GET", other_key, NULL, SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch");
}

/* A presigned length holds even for a chunked body: libsoup would never
 * send one, so this is typed by hand. */
static void
test_presigned_length_chunked (Fixture      *fixture,
                               gconstpointer user_data)
{
  g_autofree char *url = ks_test_s3_presign (fixture->s3, "PUT", "chunked", NULL, 300, NULL,
                                             "content-length", "5", NULL);
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (GIOStream) stream = ks_test_server_connect_raw (fixture->server);
  g_autofree char *request = g_strdup_printf ("PUT %s?%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                              "Content-Length: 5\r\n"
                                              "Transfer-Encoding: chunked\r\n\r\n"
                                              "9\r\n123456789\r\n0\r\n\r\n",
                                              g_uri_get_path (uri), g_uri_get_query (uri),
                                              ks_test_server_get_port (fixture->server));
  g_autofree char *response = NULL;

  ks_test_raw_write (stream, request);
  response = ks_test_raw_read_until (stream, "</Error>");
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 400"));
  g_assert_nonnull (strstr (response, "<Code>IncompleteBody</Code>"));
  assert_no_object (fixture, "chunked");
}

typedef struct
{
  const char *raw_path;
  guint       status;
} PathCase;

/* A PUT of "evil" to @raw_path, signed as a client would sign that path
 * (not at all if it does not decode). */
static char *
raw_put (Fixture    *fixture,
         const char *raw_path)
{
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new_from_target ("PUT", raw_path, NULL, NULL);
  g_autofree char *host = g_strdup_printf ("127.0.0.1:%u", ks_test_server_get_port (fixture->server));
  g_autofree char *hash = ks_sha256_hex ("evil", 4);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char   *authorization = NULL;
  KsSigv4Credentials creds = {
    .access_key_id = ks_test_s3_get_access_key_id (fixture->s3),
    .secret_access_key = ks_test_s3_get_secret (fixture->s3),
    .region = "us-east-1",
    .service = "s3",
  };

  if (req == NULL)
    return g_strdup_printf ("PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 4\r\n"
                            "Connection: close\r\n\r\nevil",
                            raw_path, host);

  ks_sigv4_request_add_header (req, "host", host);
  ks_sigv4_request_set_payload_hash (req, hash);
  authorization = ks_sigv4_sign_request (req, &creds, now, KS_SIGV4_FLAVOR_S3);
  return g_strdup_printf ("PUT %s HTTP/1.1\r\nHost: %s\r\nx-amz-date: %s\r\n"
                          "x-amz-content-sha256: %s\r\nAuthorization: %s\r\n"
                          "Content-Length: 4\r\nConnection: close\r\n\r\nevil",
                          raw_path, host, ks_sigv4_request_get_header (req, "x-amz-date"), hash,
                          authorization);
}

/*
 * Keys that would be traps on a file system: refused, nothing written
 * anywhere. libsoup resolves dot segments, %2e ones included, before the
 * store sees the path: a request signed for the path it sent then fails
 * its signature (403), or leads nowhere (404). The router refuses an
 * encoded NUL (404); the store's key rules refuse the rest (400).
 */
static void
test_bad_keys (Fixture      *fixture,
               gconstpointer user_data)
{
  g_autofree char *long_key = g_strnfill (1025, 'k');
  g_autofree char *long_path = g_strconcat ("/s3/keepsake/", long_key, NULL);
  const PathCase   cases[] = {
      { "/s3/keepsake/a/../../../escaped", 404 },
      { "/s3/keepsake/a/%2e%2e/%2E%2E/escaped", 403 },
      { "/s3/keepsake/a/%2e%2e/escaped", 403 },
      { "/s3/keepsake/..", 404 },
      { "/s3/keepsake/./x", 403 },
      { "/s3/keepsake/a%00b", 404 },
      { "/s3/keepsake//etc/passwd", 400 },
      { "/s3/keepsake/a%5C..%5Cb", 400 },
      { "/s3/keepsake/a%01b", 400 },
      { "/s3/keepsake/%FF%FE", 400 },
      { long_path, 400 },
  };
  g_autofree char *data_dir = g_strdup (ks_test_server_get_data_dir (fixture->server));
  g_autofree char *root = g_path_get_dirname (data_dir);
  g_autoptr (GPtrArray) before = ks_test_s3_list_files (root);
  g_autoptr (GPtrArray) after = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GIOStream) stream = ks_test_server_connect_raw (fixture->server);
      g_autofree char *request = raw_put (fixture, cases[i].raw_path);
      g_autofree char *response = NULL;
      g_autofree char *expected = g_strdup_printf ("HTTP/1.1 %u ", cases[i].status);

      g_test_message ("PUT %.60s", cases[i].raw_path);
      ks_test_raw_write (stream, request);
      response = ks_test_raw_read_until (stream, "\r\n\r\n");
      g_test_message ("%.40s", response);
      g_assert_true (g_str_has_prefix (response, expected));
    }

  after = ks_test_s3_list_files (root);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < after->len; i++)
    g_assert_cmpstr (g_ptr_array_index (after, i), ==, g_ptr_array_index (before, i));
}

/* The same rules for properly signed requests: 400 InvalidArgument. */
static void
test_bad_keys_signed (Fixture      *fixture,
                      gconstpointer user_data)
{
  static const char *const keys[] = { "/leading", "back\\slash", "tab\there" };
  g_autofree char         *long_key = g_strnfill (1025, 'k');

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr (GBytes) body = text_bytes ("x");
      g_autoptr (GBytes) reply = NULL;
      g_autoptr (SoupMessage) msg = put_with_header (fixture, keys[i], body, NULL, NULL, NULL, &reply);

      ks_test_s3_assert_error (msg, reply, SOUP_STATUS_BAD_REQUEST, "InvalidArgument");
    }

  {
    g_autoptr (GBytes) body = text_bytes ("x");
    g_autoptr (GBytes) reply = NULL;
    g_autoptr (SoupMessage) msg = put_with_header (fixture, long_key, body, NULL, NULL, NULL, &reply);

    ks_test_s3_assert_error (msg, reply, SOUP_STATUS_BAD_REQUEST, "KeyTooLongError");
  }
  /* 1024 bytes is fine. */
  long_key[1024] = '\0';
  put_text (fixture, long_key, "long");
  assert_object (fixture, long_key, "long");
}

static GPtrArray *
list (Fixture    *fixture,
      const char *query,
      const char *element,
      GBytes    **out_reply)
{
  guint   status = 0;
  GBytes *reply = ks_test_s3_request (fixture->s3, "GET", NULL, query, NULL, &status);

  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  *out_reply = reply;
  return ks_test_s3_xml_values (reply, element);
}

static void
assert_values (GPtrArray  *values,
               const char *expected)
{
  g_autofree char *joined = NULL;

  g_ptr_array_add (values, NULL);
  joined = g_strjoinv ("|", (char **) values->pdata);
  g_ptr_array_remove_index (values, values->len - 1);
  g_assert_cmpstr (joined, ==, expected);
}

static void
assert_list (Fixture    *fixture,
             const char *query,
             const char *element,
             const char *expected)
{
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GPtrArray) values = list (fixture, query, element, &reply);

  g_test_message ("?%s → %s", query, expected);
  assert_values (values, expected);
}

static void
test_list (Fixture      *fixture,
           gconstpointer user_data)
{
  static const char *const keys[] = { "a/1", "a/2", "a/b/3", "b", "c d", "é", "a+b" };
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GPtrArray) page = NULL;
  g_autofree char *token = NULL;
  g_autofree char *query = NULL;
  g_autofree char *truncated = NULL;
  guint            status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    put_text (fixture, keys[i], keys[i]);

  assert_list (fixture, "list-type=2", "Key", "a+b|a/1|a/2|a/b/3|b|c d|é");
  assert_list (fixture, "list-type=2&prefix=a%2F", "Key", "a/1|a/2|a/b/3");
  assert_list (fixture, "delimiter=%2F&list-type=2", "Key", "a+b|b|c d|é");
  assert_list (fixture, "delimiter=%2F&list-type=2", "Prefix", "|a/");
  assert_list (fixture, "delimiter=%2F&list-type=2&prefix=a%2F", "Prefix", "a/|a/b/");
  assert_list (fixture, "list-type=2&start-after=a%2F2", "Key", "a/b/3|b|c d|é");
  assert_list (fixture, "encoding-type=url&list-type=2&prefix=c", "Key", "c%20d");
  assert_list (fixture, "marker=b", "Key", "c d|é");
  assert_list (fixture, "delimiter=%2F&marker=a%2F", "Key", "b|c d|é");

  page = list (fixture, "list-type=2&max-keys=2", "Key", &reply);
  assert_values (page, "a+b|a/1");
  truncated = ks_test_s3_xml_value (reply, "IsTruncated");
  g_assert_cmpstr (truncated, ==, "true");
  g_clear_pointer (&truncated, g_free);
  token = ks_test_s3_xml_value (reply, "NextContinuationToken");
  g_clear_pointer (&page, g_ptr_array_unref);
  g_clear_pointer (&reply, g_bytes_unref);
  query = g_strdup_printf ("continuation-token=%s&list-type=2&max-keys=5", token);
  page = list (fixture, query, "Key", &reply);
  assert_values (page, "a/2|a/b/3|b|c d|é");
  truncated = ks_test_s3_xml_value (reply, "IsTruncated");
  g_assert_cmpstr (truncated, ==, "false");
  g_clear_pointer (&reply, g_bytes_unref);

  reply = ks_test_s3_request (fixture->s3, "GET", NULL, "list-type=2&max-keys=lots", NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_BAD_REQUEST);
}

static void
test_bucket (Fixture      *fixture,
             gconstpointer user_data)
{
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GPtrArray) names = NULL;
  guint status = 0;

  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_request (fixture->s3, "HEAD", NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_request (fixture->s3, "PUT", NULL, NULL, NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_clear_pointer (&reply, g_bytes_unref);
  reply = ks_test_s3_request (fixture->s3, "GET", NULL, "location", NULL, &status);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (g_bytes_get_data (reply, NULL), "<LocationConstraint"));
  g_clear_pointer (&reply, g_bytes_unref);

  msg = soup_message_new ("GET", ks_test_s3_get_endpoint (fixture->s3));
  ks_test_s3_sign (fixture->s3, msg, NULL);
  reply = ks_test_s3_send (fixture->s3, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  names = ks_test_s3_xml_values (reply, "Name");
  assert_values (names, "keepsake");
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);

  msg = ks_test_server_new_message (fixture->server, "GET", "/s3/other?list-type=2");
  ks_test_s3_sign (fixture->s3, msg, NULL);
  reply = ks_test_s3_send (fixture->s3, msg);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_NOT_FOUND, "NoSuchBucket");
  g_clear_object (&msg);
  g_clear_pointer (&reply, g_bytes_unref);

  msg = ks_test_s3_message (fixture->s3, "PATCH", "object", NULL, NULL);
  ks_test_s3_sign (fixture->s3, msg, NULL);
  reply = ks_test_s3_send (fixture->s3, msg);
  ks_test_s3_assert_error (msg, reply, SOUP_STATUS_METHOD_NOT_ALLOWED, "MethodNotAllowed");
}

/* Declared too large: refused before a byte of it is sent. */
static void
test_too_large (Fixture      *fixture,
                gconstpointer user_data)
{
  g_autoptr (SoupMessage) msg = ks_test_s3_message (fixture->s3, "PUT", "huge", NULL, NULL);
  g_autoptr (GIOStream) stream = ks_test_server_connect_raw (fixture->server);
  SoupMessageHeaders    *headers = soup_message_get_request_headers (msg);
  SoupMessageHeadersIter iter;
  const char            *name, *value;
  GString               *request = g_string_new ("PUT /s3/keepsake/huge HTTP/1.1\r\n");
  g_autofree char       *text = NULL;
  g_autofree char       *response = NULL;

  soup_message_headers_replace (headers, "Content-Length", "6442450944");
  ks_test_s3_sign (fixture->s3, msg, KS_SIGV4_UNSIGNED_PAYLOAD);
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (request, "%s: %s\r\n", name, value);
  g_string_append_printf (request, "Host: 127.0.0.1:%u\r\nExpect: 100-continue\r\n\r\n",
                          ks_test_server_get_port (fixture->server));
  text = g_string_free (request, FALSE);

  ks_test_raw_write (stream, text);
  response = ks_test_raw_read_until (stream, "</Error>");
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 400"));
  g_assert_nonnull (strstr (response, "<Code>EntityTooLarge</Code>"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, ks_test_s3_fixture_set_up, func, ks_test_s3_fixture_tear_down)
  ADD ("/s3/object/put-get-head-delete", test_put_get_head_delete);
  ADD ("/s3/object/empty", test_empty_object);
  ADD ("/s3/object/range", test_range);
  ADD ("/s3/object/digests", test_digests);
  ADD ("/s3/object/too-large", test_too_large);
  ADD ("/s3/auth/refused", test_auth_refused);
  ADD ("/s3/presigned/put-get", test_presigned);
  ADD ("/s3/presigned/length-chunked", test_presigned_length_chunked);
  ADD ("/s3/keys/raw-paths", test_bad_keys);
  ADD ("/s3/keys/signed", test_bad_keys_signed);
  ADD ("/s3/bucket/list", test_list);
  ADD ("/s3/bucket/requests", test_bucket);
#undef ADD

  return g_test_run ();
}
