/* test-s3-client.c: a small signing S3 client for the S3 store's tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "test-s3-client.h"

#define BUCKET "keepsake"

struct _KsTestS3
{
  KsTestServer *server; /* unowned */
  char         *endpoint;
  char         *access_key_id;
  char         *secret;
  char         *region;
  gint64        clock_offset;
};

static JsonNode *
read_credentials (KsTestServer *server)
{
  const char      *binary = g_getenv ("KS_SERVER_BINARY");
  const char      *argv[] = { binary, "--data-dir", ks_test_server_get_data_dir (server),
                              "--public-url", ks_test_server_get_base_url (server), "credentials",
                              NULL };
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  int status = 0;

  g_assert_nonnull (binary);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  bytes = g_bytes_new (out, strlen (out));
  return ks_test_parse_json (bytes);
}

/* Reads the endpoint and the key pair from `keepsake-server credentials`. */
KsTestS3 *
ks_test_s3_new (KsTestServer *server)
{
  KsTestS3 *self = g_new0 (KsTestS3, 1);
  g_autoptr (JsonNode) creds = read_credentials (server);

  self->server = server;
  self->endpoint = g_strdup (ks_test_json_get_string (creds, "endpoint"));
  self->access_key_id = g_strdup (ks_test_json_get_string (creds, "access_key_id"));
  self->secret = g_strdup (ks_test_json_get_string (creds, "secret_access_key"));
  self->region = g_strdup (ks_test_json_get_string (creds, "region"));
  g_assert_cmpstr (ks_test_json_get_string (creds, "bucket"), ==, BUCKET);

  return self;
}

void
ks_test_s3_free (KsTestS3 *self)
{
  if (self == NULL)
    return;

  g_free (self->endpoint);
  g_free (self->access_key_id);
  g_free (self->secret);
  g_free (self->region);
  g_free (self);
}

const char *
ks_test_s3_get_endpoint (KsTestS3 *self)
{
  return self->endpoint;
}

const char *
ks_test_s3_get_access_key_id (KsTestS3 *self)
{
  return self->access_key_id;
}

const char *
ks_test_s3_get_secret (KsTestS3 *self)
{
  return self->secret;
}

void
ks_test_s3_set_credentials (KsTestS3   *self,
                            const char *access_key_id,
                            const char *secret)
{
  g_free (self->access_key_id);
  g_free (self->secret);
  self->access_key_id = g_strdup (access_key_id);
  self->secret = g_strdup (secret);
}

void
ks_test_s3_set_region (KsTestS3   *self,
                       const char *region)
{
  g_free (self->region);
  self->region = g_strdup (region);
}

void
ks_test_s3_set_clock_offset (KsTestS3 *self,
                             gint64    seconds)
{
  self->clock_offset = seconds;
}

char *
ks_test_s3_path (KsTestS3   *self,
                 const char *key)
{
  g_autofree char *encoded = key != NULL ? ks_uri_encode (key, FALSE) : NULL;

  if (key == NULL)
    return g_strdup ("/s3/" BUCKET);

  return g_strconcat ("/s3/" BUCKET "/", encoded, NULL);
}

SoupMessage *
ks_test_s3_message (KsTestS3   *self,
                    const char *method,
                    const char *key,
                    const char *query,
                    GBytes     *body)
{
  g_autofree char *path = ks_test_s3_path (self, key);
  g_autofree char *target = g_strconcat (path, query != NULL ? "?" : "", query, NULL);
  SoupMessage     *msg = ks_test_server_new_message (self->server, method, target);

  if (body != NULL)
    {
      soup_message_set_request_body_from_bytes (msg, NULL, body);
      g_object_set_data_full (G_OBJECT (msg), "ks-test-s3-body", g_bytes_ref (body),
                              (GDestroyNotify) g_bytes_unref);
    }

  return msg;
}

static GDateTime *
now (KsTestS3 *self)
{
  g_autoptr (GDateTime) utc = g_date_time_new_now_utc ();

  return g_date_time_add_seconds (utc, (gdouble) self->clock_offset);
}

static KsSigv4Credentials
credentials (KsTestS3 *self)
{
  KsSigv4Credentials creds = {
    .access_key_id = self->access_key_id,
    .secret_access_key = self->secret,
    .region = self->region,
    .service = "s3",
  };

  return creds;
}

static KsSigv4Request *
request_for (SoupMessage *msg)
{
  GUri            *uri = soup_message_get_uri (msg);
  g_autofree char *host = g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  g_autoptr (GError) error = NULL;
  KsSigv4Request        *req;
  SoupMessageHeadersIter iter;
  const char            *name, *value;

  req = ks_sigv4_request_new_from_target (soup_message_get_method (msg), g_uri_get_path (uri),
                                          g_uri_get_query (uri), &error);
  g_assert_no_error (error);
  ks_sigv4_request_add_header (req, "host", host);
  soup_message_headers_iter_init (&iter, soup_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    ks_sigv4_request_add_header (req, name, value);

  return req;
}

void
ks_test_s3_sign (KsTestS3    *self,
                 SoupMessage *msg,
                 const char  *payload_hash)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  GBytes             *body = g_object_get_data (G_OBJECT (msg), "ks-test-s3-body");
  g_autoptr (KsSigv4Request) req = request_for (msg);
  g_autoptr (GDateTime) time = now (self);
  g_autofree char   *hash = NULL;
  g_autofree char   *authorization = NULL;
  KsSigv4Credentials creds = credentials (self);

  if (payload_hash == NULL)
    hash = body != NULL ? ks_test_s3_sha256_hex (body) : g_strdup (KS_SIGV4_EMPTY_SHA256);
  ks_sigv4_request_set_payload_hash (req, payload_hash != NULL ? payload_hash : hash);
  authorization = ks_sigv4_sign_request (req, &creds, time, KS_SIGV4_FLAVOR_S3);

  soup_message_headers_replace (headers, "x-amz-date", ks_sigv4_request_get_header (req, "x-amz-date"));
  soup_message_headers_replace (headers, "x-amz-content-sha256",
                                ks_sigv4_request_get_header (req, "x-amz-content-sha256"));
  soup_message_headers_replace (headers, "Authorization", authorization);
}

GBytes *
ks_test_s3_send (KsTestS3    *self,
                 SoupMessage *msg)
{
  return ks_test_server_send (self->server, msg);
}

GBytes *
ks_test_s3_request (KsTestS3   *self,
                    const char *method,
                    const char *key,
                    const char *query,
                    GBytes     *body,
                    guint      *out_status)
{
  g_autoptr (SoupMessage) msg = ks_test_s3_message (self, method, key, query, body);
  GBytes *response;

  ks_test_s3_sign (self, msg, NULL);
  response = ks_test_s3_send (self, msg);
  if (out_status != NULL)
    *out_status = soup_message_get_status (msg);

  return response;
}

char *
ks_test_s3_raw_head (KsTestS3   *self,
                     const char *method,
                     const char *key,
                     const char *query,
                     const char *payload_hash,
                     gint64      content_length)
{
  g_autoptr (SoupMessage) msg = ks_test_s3_message (self, method, key, query, NULL);
  SoupMessageHeaders    *headers = soup_message_get_request_headers (msg);
  GUri                  *uri = soup_message_get_uri (msg);
  GString               *text = g_string_new (NULL);
  SoupMessageHeadersIter iter;
  const char            *name, *value;

  if (content_length >= 0)
    soup_message_headers_set_content_length (headers, content_length);
  ks_test_s3_sign (self, msg, payload_hash);

  g_string_append_printf (text, "%s %s%s%s HTTP/1.1\r\nHost: %s:%d\r\n", method, g_uri_get_path (uri),
                          query != NULL ? "?" : "", query != NULL ? query : "", g_uri_get_host (uri),
                          g_uri_get_port (uri));
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (text, "%s: %s\r\n", name, value);
  g_string_append (text, "\r\n");

  return g_string_free (text, FALSE);
}

static void
add_query (KsSigv4Request *req,
           const char     *query)
{
  g_auto (GStrv) pairs = g_strsplit (query, "&", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char            *eq = strchr (pairs[i], '=');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (eq != NULL)
        *eq = '\0';
      name = g_uri_unescape_string (pairs[i], NULL);
      value = g_uri_unescape_string (eq != NULL ? eq + 1 : "", NULL);
      ks_sigv4_request_add_query (req, name, value);
    }
}

char *
ks_test_s3_presign (KsTestS3   *self,
                    const char *method,
                    const char *key,
                    const char *query,
                    guint       expires,
                    GDateTime  *time,
                    const char *first_header,
                    ...)
{
  g_autofree char *path = g_strconcat ("/s3/" BUCKET "/", key, NULL);
  g_autoptr (KsSigv4Request) req = ks_sigv4_request_new (method, path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) default_time = now (self);
  KsSigv4Credentials creds = credentials (self);
  char              *url;
  va_list            args;

  if (query != NULL)
    add_query (req, query);
  va_start (args, first_header);
  for (const char *name = first_header; name != NULL; name = va_arg (args, const char *))
    ks_sigv4_request_add_header (req, name, va_arg (args, const char *));
  va_end (args);

  url = ks_sigv4_presign_url (ks_test_server_get_base_url (self->server), req, &creds,
                              time != NULL ? time : default_time, expires, &error);
  g_assert_no_error (error);
  return url;
}

void
ks_test_s3_assert_error (SoupMessage *msg,
                         GBytes      *body,
                         guint        status,
                         const char  *code)
{
  g_autofree char *sent = NULL;

  g_assert_cmpuint (soup_message_get_status (msg), ==, status);
  if (g_str_equal (soup_message_get_method (msg), SOUP_METHOD_HEAD))
    return;

  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
                   ==, "application/xml");
  sent = ks_test_s3_xml_value (body, "Code");
  g_assert_cmpstr (sent, ==, code);
}

static char *
xml_unescape (const char *text)
{
  GString *out = g_string_new (text);

  g_string_replace (out, "&lt;", "<", 0);
  g_string_replace (out, "&gt;", ">", 0);
  g_string_replace (out, "&quot;", "\"", 0);
  g_string_replace (out, "&apos;", "'", 0);
  g_string_replace (out, "&#39;", "'", 0);
  g_string_replace (out, "&amp;", "&", 0);

  return g_string_free (out, FALSE);
}

GPtrArray *
ks_test_s3_xml_values (GBytes     *xml,
                       const char *element)
{
  g_autofree char *pattern = g_strdup_printf ("<%s>(.*?)</%s>", element, element);
  g_autoptr (GRegex) regex = g_regex_new (pattern, G_REGEX_DOTALL, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *text = g_strndup (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml));
  GPtrArray       *values = g_ptr_array_new_with_free_func (g_free);

  g_regex_match (regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *value = g_match_info_fetch (match, 1);

      g_ptr_array_add (values, xml_unescape (value));
      g_match_info_next (match, NULL);
    }

  return values;
}

/* The first value, or NULL. */
char *
ks_test_s3_xml_value (GBytes     *xml,
                      const char *element)
{
  g_autoptr (GPtrArray) values = ks_test_s3_xml_values (xml, element);

  return values->len > 0 ? g_strdup (g_ptr_array_index (values, 0)) : NULL;
}

GBytes *
ks_test_s3_random_bytes (gsize   len,
                         guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  guint32 *words = g_malloc (len + sizeof (guint32));

  for (gsize i = 0; i < len / sizeof (guint32) + 1; i++)
    words[i] = g_rand_int (rand);

  return g_bytes_new_take (words, len);
}

char *
ks_test_s3_md5_hex (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_MD5, bytes);
}

char *
ks_test_s3_sha256_hex (GBytes *bytes)
{
  return ks_sha256_hex (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The server is the process whose command line names its data dir. */
static char *
server_status_path (KsTestServer *server)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *cmdline_path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize            len = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (cmdline_path, &cmdline, &len, NULL))
        continue;
      for (gsize i = 0; i + 1 < len; i++)
        {
          if (cmdline[i] == '\0')
            cmdline[i] = ' ';
        }
      if (strstr (cmdline, "keepsake-server") != NULL && strstr (cmdline, " credentials") == NULL &&
          strstr (cmdline, ks_test_server_get_data_dir (server)) != NULL)
        return g_build_filename ("/proc", name, "status", NULL);
    }

  g_assert_not_reached ();
}

guint64
ks_test_s3_server_memory_kib (KsTestServer *server,
                              const char   *field)
{
  g_autofree char *path = server_status_path (server);
  g_autofree char *status = NULL;
  g_autofree char *prefix = g_strconcat (field, ":", NULL);
  const char      *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, prefix);
  g_assert_nonnull (line);

  return g_ascii_strtoull (line + strlen (prefix), NULL, 10);
}

static void
list_files_into (const char *root,
                 const char *relative,
                 GPtrArray  *out)
{
  g_autofree char *dir = g_build_filename (root, relative, NULL);
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *child = g_build_filename (relative, name, NULL);
      g_autofree char *full = g_build_filename (root, child, NULL);

      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        list_files_into (root, child, out);
      else
        g_ptr_array_add (out, g_steal_pointer (&child));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
ks_test_s3_list_files (const char *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  list_files_into (dir, "", files);
  g_ptr_array_sort (files, compare_strings);
  return files;
}

void
ks_test_s3_fixture_set_up (KsTestS3Fixture *fixture,
                           gconstpointer    user_data)
{
  fixture->server = ks_test_server_new ();
  ks_test_server_start (fixture->server);
  fixture->s3 = ks_test_s3_new (fixture->server);
}

void
ks_test_s3_fixture_tear_down (KsTestS3Fixture *fixture,
                              gconstpointer    user_data)
{
  ks_test_s3_free (fixture->s3);
  if (ks_test_server_is_running (fixture->server))
    ks_test_server_stop (fixture->server);
  ks_test_server_free (fixture->server);
}

char *
ks_test_s3_put (KsTestS3   *self,
                const char *key,
                GBytes     *body)
{
  g_autoptr (SoupMessage) msg = ks_test_s3_message (self, "PUT", key, NULL, body);
  g_autoptr (GBytes) reply = NULL;

  ks_test_s3_sign (self, msg, NULL);
  reply = ks_test_s3_send (self, msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);

  return g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag"));
}

GBytes *
ks_test_s3_get (KsTestS3   *self,
                const char *key)
{
  guint   status = 0;
  GBytes *bytes = ks_test_s3_request (self, "GET", key, NULL, NULL, &status);

  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  return bytes;
}

void
ks_test_s3_assert_bytes (GBytes *bytes,
                         GBytes *expected)
{
  g_autofree char *got = ks_test_s3_sha256_hex (bytes);
  g_autofree char *want = ks_test_s3_sha256_hex (expected);

  g_assert_cmpuint (g_bytes_get_size (bytes), ==, g_bytes_get_size (expected));
  g_assert_cmpstr (got, ==, want);
}
