/* test-cloud-upload.c: KsUploader against the real keepsake-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks-sigv4.h"
#include "ks-upload-private.h"
#include "test-cloud-transfer.h"

/* Bigger than the server's multipart threshold (64 MiB): five parts of
 * 16 MiB, the last one short. */
#define MULTIPART_SIZE ((gsize) 64 * MiB + MiB + 5)

static KsTestApi *api;

typedef struct
{
  goffset       done;
  goffset       total;
  guint         calls;
  goffset       act_at;      /* do something once done reaches this */
  GCancellable *cancellable; /* ... cancel it */
  const char   *change_path; /* ... or change this file in place */
} Progress;

/* Overwrites a few bytes in the middle, then puts the modification time
 * back: only the bytes can tell. */
static void
change_in_place (const char *path)
{
  struct stat before;
  int         fd = open (path, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (fstat (fd, &before), ==, 0);
  g_assert_cmpint (pwrite (fd, "changed!", 8, 3 * MiB / 2), ==, 8);
  g_assert_cmpint (futimens (fd, (struct timespec[2]){ before.st_atim, before.st_mtim }), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);
}

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  Progress *progress = user_data;

  progress->done = done;
  progress->total = total;
  progress->calls++;

  if (progress->act_at > 0 && done >= progress->act_at)
    {
      progress->act_at = 0;
      if (progress->cancellable != NULL)
        g_cancellable_cancel (progress->cancellable);
      if (progress->change_path != NULL)
        change_in_place (progress->change_path);
    }
}

static void
assert_download (Xfer       *xfer,
                 const char *url,
                 const char *sha256,
                 gint64      size)
{
  g_autofree char *path = xfer_path (xfer, "downloaded");
  g_autofree char *got = NULL;
  g_autoptr (GError) error = NULL;
  guint64 got_size = 0;

  g_assert_nonnull (url);
  g_assert_true (xfer_download (xfer->soup, url, path, sha256, size, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Hashed again here, independently of the download's own check. */
  got = xfer_file_sha256 (path, &got_size);
  g_assert_cmpstr (got, ==, sha256);
  g_assert_cmpuint (got_size, ==, (guint64) size);
  g_unlink (path);
}

/* ---- Tests ---- */

static void
test_small (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "small");
  g_autofree char *path = xfer_path (xfer, "IMG_0001.JPG");
  g_autofree char *grid = xfer_path (xfer, "grid.jpg");
  g_autofree char *preview = xfer_path (xfer, "preview.jpg");
  g_autofree char *sha256 = xfer_write_file (path, "small", 200 * KiB + 7);
  g_autofree char *grid_sha256 = xfer_write_file (grid, "small/grid", 5 * KiB);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, 200 * KiB + 7, "IMG_0001.JPG");
  g_autoptr (KsUploader) uploader = ks_uploader_new (xfer->client, xfer->soup, NULL, NULL);
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  Progress progress = { 0 };
  gboolean existed = TRUE;

  g_free (xfer_write_file (preview, "small/preview", 20 * KiB));
  xfer_request_add_thumbnail (request, "grid", grid);
  xfer_request_add_thumbnail (request, "preview", preview);

  photo = xfer_upload (uploader, path, request, grid, preview, progress_cb, &progress, NULL,
                       &existed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_assert_false (existed);
  g_assert_cmpstr (photo->sha256, ==, sha256);
  g_assert_cmpint (photo->size, ==, 200 * KiB + 7);
  g_assert_cmpstr (photo->file_name, ==, "IMG_0001.JPG");
  g_assert_cmpuint (photo->thumbnails->len, ==, 2);
  g_assert_cmpuint (xfer_count_photos (xfer), ==, 1);

  /* Progress ends with everything, thumbnails included. */
  g_assert_cmpint (progress.total, ==, 200 * KiB + 7 + 5 * KiB + 20 * KiB);
  g_assert_cmpint (progress.done, ==, progress.total);
  g_assert_cmpuint (progress.calls, >=, 1);

  assert_download (xfer, photo->url_original, sha256, 200 * KiB + 7);
  assert_download (xfer, photo->url_grid, grid_sha256, 5 * KiB);
}

/* A second upload of the same bytes sends none of them. */
static void
test_exists (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "exists");
  g_autofree char *path = xfer_path (xfer, "IMG_0002.JPG");
  g_autofree char *sha256 = xfer_write_file (path, "exists", 300 * KiB);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, 300 * KiB, "IMG_0002.JPG");
  g_autoptr (KsUploader) uploader = ks_uploader_new (xfer->client, xfer->soup, NULL, NULL);
  g_autoptr (KsPhoto) first = NULL;
  g_autoptr (KsPhoto) second = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *commit = NULL;
  Progress         progress = { 0 };
  gboolean         existed = TRUE;
  guint            puts;

  first = xfer_upload (uploader, path, request, NULL, NULL, NULL, NULL, NULL, &existed, &error);
  g_assert_no_error (error);
  g_assert_false (existed);
  key = g_strdup_printf ("/originals/%s/%s", xfer->user->sub, first->id);
  commit = g_strdup_printf ("\"POST /v1/photos/%s/commit\" 200 ", first->id);
  xfer_wait_log (api, commit);
  puts = xfer_count_log (api, "PUT", "/s3/", 200);
  g_assert_cmpuint (xfer_count_log (api, "PUT", key, 200), ==, 1);

  second = xfer_upload (uploader, path, request, NULL, NULL, progress_cb, &progress, NULL,
                        &existed, &error);
  g_assert_no_error (error);
  g_assert_true (existed);
  g_assert_cmpstr (second->id, ==, first->id);
  g_assert_cmpint (progress.done, ==, progress.total);

  /* The "exists" prepare is the last request: nothing was PUT since. */
  xfer_wait_log (api, "\"POST /v1/photos/prepare\" 200 ");
  g_assert_cmpuint (xfer_count_log (api, "PUT", "/s3/", 200), ==, puts);
  g_assert_cmpuint (xfer_count_photos (xfer), ==, 1);
}

/* Five parts, three at a time, byte-exact at the other end. */
static void
test_multipart (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "multipart");
  g_autofree char *path = xfer_path (xfer, "PANORAMA.JPG");
  g_autofree char *resume_dir = xfer_path (xfer, "resume");
  g_autofree char *sha256 = xfer_write_file (path, "multipart", MULTIPART_SIZE);
  g_autofree char *record = g_strdup_printf ("%s/%s.json", resume_dir, sha256);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, MULTIPART_SIZE, "PANORAMA.JPG");
  g_autoptr (KsResumeFile) resume = ks_resume_file_new (resume_dir);
  g_autoptr (KsUploader) uploader = ks_uploader_new (xfer->client, xfer->soup,
                                                     KS_RESUME_STORE (resume), NULL);
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *commit = NULL;
  Progress         progress = { 0 };

  photo = xfer_upload (uploader, path, request, NULL, NULL, progress_cb, &progress, NULL, NULL,
                       &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_assert_cmpstr (photo->sha256, ==, sha256);
  g_assert_cmpint (photo->size, ==, (gint64) MULTIPART_SIZE);
  g_assert_cmpint (progress.done, ==, (goffset) MULTIPART_SIZE);
  g_assert_cmpint (progress.total, ==, (goffset) MULTIPART_SIZE);

  /* Each part once, then the record of the upload is gone. */
  key = g_strdup_printf ("/originals/%s/%s", xfer->user->sub, photo->id);
  commit = g_strdup_printf ("\"POST /v1/photos/%s/commit\" 200 ", photo->id);
  xfer_wait_log (api, commit);
  g_assert_cmpuint (xfer_count_log (api, "PUT", key, 200), ==, 5);
  g_assert_cmpuint (xfer_count_log (api, "POST", key, 200), ==, 1);
  g_assert_false (g_file_test (record, G_FILE_TEST_EXISTS));

  assert_download (xfer, photo->url_original, sha256, MULTIPART_SIZE);
}

static void
test_file_changed (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "changed");
  g_autofree char *path = xfer_path (xfer, "IMG_0003.JPG");
  g_autofree char *sha256 = xfer_write_file (path, "changed", 2 * MiB);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, 2 * MiB, "IMG_0003.JPG");
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (4 * MiB);
  g_autoptr (KsUploader) uploader = ks_uploader_new (xfer->client, xfer->soup, NULL, limiter);
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  Progress progress = { .act_at = 256 * KiB, .change_path = path };

  photo = xfer_upload (uploader, path, request, NULL, NULL, progress_cb, &progress, NULL, NULL,
                       &error);
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FILE_CHANGED);
  g_assert_null (photo);
  g_assert_cmpint (progress.act_at, ==, 0); /* it did change */
  g_assert_cmpuint (xfer_count_photos (xfer), ==, 0);
}

static void
test_cancel (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "cancel");
  g_autofree char *path = xfer_path (xfer, "IMG_0004.JPG");
  g_autofree char *sha256 = xfer_write_file (path, "cancel", 2 * MiB);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, 2 * MiB, "IMG_0004.JPG");
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (4 * MiB);
  g_autoptr (KsUploader) uploader = ks_uploader_new (xfer->client, xfer->soup, NULL, limiter);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  Progress progress = { .act_at = 256 * KiB, .cancellable = cancellable };

  photo = xfer_upload (uploader, path, request, NULL, NULL, progress_cb, &progress, cancellable,
                       NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (photo);
  g_assert_cmpint (progress.done, <, 2 * MiB);
  g_assert_cmpuint (xfer_count_photos (xfer), ==, 0);

  /* Nothing was left in a state that stops a later upload. */
  g_clear_error (&error);
  ks_rate_limiter_set_rate (limiter, 0);
  photo = xfer_upload (uploader, path, request, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (xfer_count_photos (xfer), ==, 1);
}

/* ---- Expiring URLs ----
 *
 * The uploader talks through a proxy that swaps prepare's first reply
 * for one of our making: with a real URL signed (with the server's own
 * S3 key) twenty minutes ago for one minute, which the server refuses as
 * S3 does, or with an "expires_at" about to pass. */

static char *
presign_expired (const char *url,
                 JsonObject *headers)
{
  KsTestServer    *server = ks_test_api_get_server (api);
  g_autofree char *creds_path = ks_test_server_dup_data_path (server, "s3-credentials.json");
  g_autofree char *creds_text = NULL;
  g_autoptr (JsonNode) creds = NULL;
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *path = g_uri_unescape_string (g_uri_get_path (uri), NULL);
  g_autoptr (GHashTable) query = g_uri_parse_params (g_uri_get_query (uri), -1, "&",
                                                     G_URI_PARAMS_NONE, NULL);
  g_auto (GStrv) scope = g_strsplit (g_hash_table_lookup (query, "X-Amz-Credential"), "/", -1);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add_minutes (now, -20);
  g_autoptr (GError) error = NULL;
  KsSigv4Credentials sigv4 = { .region = scope[2], .service = "s3" };
  KsSigv4Request    *req = ks_sigv4_request_new ("PUT", path);
  char              *expired;

  g_file_get_contents (creds_path, &creds_text, NULL, &error);
  g_assert_no_error (error);
  creds = json_from_string (creds_text, &error);
  g_assert_no_error (error);
  sigv4.access_key_id = ks_test_json_get_string (creds, "access_key_id");
  sigv4.secret_access_key = ks_test_json_get_string (creds, "secret_access_key");

  ks_sigv4_request_add_header (req, "content-length",
                               json_object_get_string_member (headers, "Content-Length"));
  ks_sigv4_request_add_header (req, "x-amz-checksum-sha256",
                               json_object_get_string_member (headers, "x-amz-checksum-sha256"));
  expired = ks_sigv4_presign_url (ks_test_server_get_base_url (server), req, &sigv4, then, 60,
                                  &error);
  g_assert_no_error (error);
  ks_sigv4_request_free (req);

  return expired;
}

/* Prepare's reply for @request, as the server gives it, then doctored:
 * the original's URL expired, or (@expires_in > 0) "expires_at" that far
 * away. */
static char *
doctored_prepare_target (Xfer                   *xfer,
                         const KsPrepareRequest *request,
                         gint64                  expires_in,
                         const char             *target)
{
  g_autoptr (JsonNode) body = ks_prepare_request_to_json (request);
  g_autofree char *text = json_to_string (body, FALSE);
  g_autoptr (JsonNode) reply = ks_test_api_expect (api, xfer->user->token, "POST",
                                                   "/v1/photos/prepare", text, 201);
  JsonObject *root = ks_test_api_root (reply);
  JsonArray  *uploads = json_object_get_array_member (root, "uploads");
  JsonObject *original = NULL;

  for (guint i = 0; i < json_array_get_length (uploads); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (uploads, i), "target"),
                   target) == 0)
      original = json_array_get_object_element (uploads, i);
  g_assert_nonnull (original);
  if (expires_in > 0)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr (GDateTime) soon = g_date_time_add_seconds (now, (double) expires_in);
      g_autofree char *expires_at = g_date_time_format (soon, "%Y-%m-%dT%H:%M:%SZ");

      json_object_set_string_member (root, "expires_at", expires_at);
    }
  else
    {
      g_autofree char *expired = presign_expired (json_object_get_string_member (original, "url"),
                                                  json_object_get_object_member (original, "headers"));

      json_object_set_string_member (original, "url", expired);
    }

  return json_to_string (reply, FALSE);
}

static char *
doctored_prepare (Xfer                   *xfer,
                  const KsPrepareRequest *request,
                  gint64                  expires_in)
{
  return doctored_prepare_target (xfer, request, expires_in, "original");
}

/* An uploader whose every request, the API's and the presigned ones,
 * goes through a proxy of its own, with connections enough for several
 * photos at once. */
typedef struct
{
  Xfer        *xfer;
  KsTestProxy *proxy;
  SoupSession *soup;
  KsApiClient *client;
  KsUploader  *uploader;
} Proxied;

static void
proxied_init (Proxied    *self,
              const char *username)
{
  g_autoptr (GProxyResolver) resolver = NULL;
  g_autofree char *api_url = g_strconcat (ks_test_server_get_base_url (ks_test_api_get_server (api)), "/v1", NULL);

  self->xfer = xfer_new (api, username);
  self->proxy = ks_test_proxy_new (ks_test_server_get_base_url (ks_test_api_get_server (api)));
  resolver = g_simple_proxy_resolver_new (ks_test_proxy_get_url (self->proxy), NULL);
  self->soup = soup_session_new_with_options ("timeout", 120, "max-conns", 24, "max-conns-per-host", 12,
                                              "proxy-resolver", resolver, NULL);
  self->client = ks_api_client_new (self->soup, api_url, KS_TOKEN_SOURCE (self->xfer->tokens));
  self->uploader = ks_uploader_new (self->client, self->soup, NULL, NULL);
}

static void
proxied_clear (Proxied *self)
{
  g_object_unref (self->uploader);
  g_object_unref (self->client);
  g_object_unref (self->soup);
  ks_test_proxy_free (self->proxy);
  xfer_free (self->xfer);
}

/* S3 refuses the original's PUT as expired: prepare again, then succeed. */
static void
test_expired_url (void)
{
  Proxied          e;
  g_autofree char *path = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *doctored = NULL;
  g_autofree char *key = NULL;
  g_autofree char *commit = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;

  proxied_init (&e, "expired");
  path = xfer_path (e.xfer, "IMG_0005.JPG");
  sha256 = xfer_write_file (path, "expired", 100 * KiB);
  request = xfer_request_new (sha256, 100 * KiB, "IMG_0005.JPG");
  doctored = doctored_prepare (e.xfer, request, 0);
  ks_test_proxy_add_body (e.proxy, "POST", "/v1/photos/prepare", 1, doctored);

  photo = xfer_upload (e.uploader, path, request, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_assert_cmpuint (ks_test_proxy_count (e.proxy, "POST", "/v1/photos/prepare"), ==, 2);

  /* The server did refuse one PUT, then took the next. */
  key = g_strdup_printf ("/originals/%s/%s", e.xfer->user->sub, photo->id);
  commit = g_strdup_printf ("\"POST /v1/photos/%s/commit\" 200 ", photo->id);
  xfer_wait_log (api, commit);
  g_assert_cmpuint (xfer_count_log (api, "PUT", key, 403), ==, 1);
  g_assert_cmpuint (xfer_count_log (api, "PUT", key, 200), ==, 1);
  assert_download (e.xfer, photo->url_original, sha256, 100 * KiB);

  /* Expiring again and again is an error in the end, not a loop. */
  g_clear_pointer (&photo, ks_photo_free);
  g_clear_pointer (&doctored, g_free);
  g_free (request->sha256);
  request->sha256 = xfer_write_file (path, "expired again", 100 * KiB);
  doctored = doctored_prepare (e.xfer, request, 0);
  ks_test_proxy_add_body (e.proxy, "POST", "/v1/photos/prepare", KS_TEST_PROXY_ALWAYS, doctored);
  photo = xfer_upload (e.uploader, path, request, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED);
  g_assert_null (photo);
  g_assert_cmpuint (xfer_count_photos (e.xfer), ==, 1);

  proxied_clear (&e);
}

/* The original's PUT refused as Amazon S3 refuses a URL presigned with
 * a role's temporary keys that have since expired: prepare again (the
 * server signs with its new keys), then succeed. */
static void
test_expired_token (void)
{
  Proxied          p;
  g_autofree char *path = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;

  proxied_init (&p, "token");
  path = xfer_path (p.xfer, "IMG_0008.JPG");
  sha256 = xfer_write_file (path, "expired token", 100 * KiB);
  request = xfer_request_new (sha256, 100 * KiB, "IMG_0008.JPG");
  ks_test_proxy_add_status (p.proxy, "PUT", "/s3/", 1, 400,
                            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ExpiredToken</Code>"
                            "<Message>The provided token has expired.</Message></Error>",
                            NULL);
  photo = xfer_upload (p.uploader, path, request, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_assert_cmpuint (ks_test_proxy_count (p.proxy, "POST", "/v1/photos/prepare"), ==, 2);
  g_assert_cmpuint (ks_test_proxy_count (p.proxy, "PUT", "/s3/"), ==, 2);
  assert_download (p.xfer, photo->url_original, sha256, 100 * KiB);
  proxied_clear (&p);
}

/* ---- A store that closes a kept-alive connection unanswered ---- */

/*
 * Blocking, on a thread of its own: answers the first PUT on the first
 * connection and keeps it open, reads the whole second PUT on it and
 * closes it without a word, as a server whose idle timeout races the
 * request does; then answers on a second connection, keeping what came.
 */
typedef struct
{
  GSocketListener *listener;
  guint16          port;
  GThread         *thread;
  guint            requests;
  gsize            last_length; /* of the last PUT answered */
  char            *last_sha256;
} RacyStore;

static gboolean
racy_read_request (GDataInputStream *in,
                   gsize            *out_length,
                   char            **out_sha256)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint64 length = 0;
  guint8  buffer[16 * KiB];
  char   *line;

  while ((line = g_data_input_stream_read_line (in, NULL, NULL, NULL)) != NULL)
    {
      gboolean end = *g_strchomp (line) == '\0';

      if (g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        length = g_ascii_strtoull (line + 15, NULL, 10);
      g_free (line);
      if (end)
        break;
    }
  if (line == NULL)
    return FALSE;
  for (guint64 left = length; left > 0;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buffer, MIN (left, sizeof buffer), NULL, NULL);

      if (n <= 0)
        return FALSE;
      g_checksum_update (sum, buffer, n);
      left -= (guint64) n;
    }
  *out_length = length;
  *out_sha256 = g_strdup (g_checksum_get_string (sum));
  return TRUE;
}

static gpointer
racy_store_thread (gpointer user_data)
{
  RacyStore  *self = user_data;
  const char *ok = "HTTP/1.1 200 OK\r\nETag: \"racy\"\r\nContent-Length: 0\r\n\r\n";

  for (guint connection = 0; connection < 2; connection++)
    {
      g_autoptr (GSocketConnection) conn = g_socket_listener_accept (self->listener, NULL, NULL, NULL);
      g_autoptr (GDataInputStream) in = NULL;
      gsize length;
      char *sha256;

      g_assert_nonnull (conn);
      in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
      while (racy_read_request (in, &length, &sha256))
        {
          if (++self->requests == 2)
            {
              g_free (sha256);
              break;
            }
          self->last_length = length;
          g_free (self->last_sha256);
          self->last_sha256 = sha256;
          g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), ok, strlen (ok), NULL,
                                     NULL, NULL);
        }
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }
  return NULL;
}

static char *
put_file (SoupSession *soup,
          const char  *url,
          const char  *path,
          gsize        length,
          const char  *sha256,
          GError     **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GAsyncResult) result = NULL;

  ks_upload_put_async (soup, url, NULL, file, 0, length, sha256, NULL, NULL, "the photo", NULL,
                       ks_test_store_result, &result);
  return ks_upload_put_finish (ks_test_wait_result (&result), error);
}

/* libsoup sends the PUT again on a new connection by itself, and the
 * second time it must carry the bytes again (libsoup 3.2 drops a
 * streamed body then, and sent the PUT empty). */
static void
test_restarted_put (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "restarted");
  /* One connection: the second PUT goes out on the one the first used. */
  g_autoptr (SoupSession) soup = soup_session_new_with_options ("max-conns", 1, "max-conns-per-host", 1, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autofree char *url = NULL;
  g_autofree char *path = xfer_path (xfer, "IMG_0010.JPG");
  g_autofree char *sha256 = xfer_write_file (path, "restarted", 300 * KiB);
  g_autofree char *etag = NULL;
  g_autoptr (GError) error = NULL;
  RacyStore store = { 0 };

  soup_session_set_proxy_resolver (soup, NULL);
  store.listener = g_socket_listener_new ();
  g_socket_listener_add_address (store.listener, address, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/keepsake/originals/racy",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  store.thread = g_thread_new ("racy-store", racy_store_thread, &store);

  etag = put_file (soup, url, path, 300 * KiB, sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (etag, ==, "\"racy\"");
  g_clear_pointer (&etag, g_free);

  etag = put_file (soup, url, path, 300 * KiB, sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (etag, ==, "\"racy\"");
  g_assert_cmpuint (store.requests, ==, 3);
  g_assert_cmpuint (store.last_length, ==, 300 * KiB);
  g_assert_cmpstr (store.last_sha256, ==, sha256);

  /* The second connection ends with the session. */
  g_clear_object (&soup);
  g_thread_join (store.thread);
  g_socket_listener_close (store.listener);
  g_object_unref (store.listener);
  g_free (store.last_sha256);
}

/* ---- Transfer slots ---- */

#define SLOW_PUT_MS 400

typedef struct
{
  Proxied       p;
  GAsyncResult *results[3];
  GCancellable *cancellables[3];
} Slots;

static void
slots_clear (Slots *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->results); i++)
    {
      g_clear_object (&self->results[i]);
      g_clear_object (&self->cancellables[i]);
    }
  proxied_clear (&self->p);
}

/* Starts the upload of a new photo, the @i-th of the round. */
static void
slots_start_one (Slots *self,
                 guint  i,
                 int    round)
{
  g_autofree char *name = g_strdup_printf ("IMG_%d%u.JPG", round, i);
  g_autofree char *path = xfer_path (self->p.xfer, name);
  g_autofree char *sha256 = xfer_write_file (path, name, 200 * KiB);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, 200 * KiB, name);
  g_autoptr (GFile) file = g_file_new_for_path (path);

  g_clear_object (&self->results[i]);
  g_clear_object (&self->cancellables[i]);
  self->cancellables[i] = g_cancellable_new ();
  ks_uploader_upload_photo_async (self->p.uploader, file, request, NULL, NULL, NULL, NULL, self->cancellables[i],
                                  ks_test_store_result, &self->results[i]);
}

/* Starts uploads of @n new photos at once. */
static void
slots_start (Slots *self,
             guint  n,
             int    round)
{
  for (guint i = 0; i < n; i++)
    slots_start_one (self, i, round);
}

static KsPhoto *
slots_finish (Slots   *self,
              guint    i,
              GError **error)
{
  return ks_uploader_upload_photo_finish (self->p.uploader, ks_test_wait_result (&self->results[i]), NULL, error);
}

/* The first @n photos started are uploaded. */
static void
slots_assert_uploaded (Slots *self,
                       guint  n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsPhoto) photo = slots_finish (self, i, &error);

      g_assert_no_error (error);
      g_assert_nonnull (photo);
    }
}

static gint64
put_time (Slots *self,
          guint  i)
{
  return ks_test_proxy_request_time (self->p.proxy, "PUT", "/s3/", i);
}

/* Runs the main context for @ms: the proxy's thread wakes nothing here. */
static void
run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
wait_for_requests (KsTestProxy *proxy,
                   const char  *method,
                   const char  *path_prefix,
                   guint        n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (ks_test_proxy_count (proxy, method, path_prefix) < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      run_for (1);
    }
}

/* Photos send their bytes at most max-transfers at once, and prepare
 * meanwhile; one cancelled while it waits for a slot ends at once. */
static void
test_transfer_slots (void)
{
  Slots s = { 0 };

  proxied_init (&s.p, "slots");
  ks_test_proxy_add_delay (s.p.proxy, "PUT", "/s3/", KS_TEST_PROXY_ALWAYS, SLOW_PUT_MS);

  /* One slot: the PUTs one after the other, the prepares all at once. */
  ks_uploader_set_max_transfers (s.p.uploader, 1);
  slots_start (&s, 3, 1);
  slots_assert_uploaded (&s, 3);
  g_assert_cmpuint (ks_test_proxy_count (s.p.proxy, "PUT", "/s3/"), ==, 3);
  g_assert_cmpuint (ks_test_proxy_count (s.p.proxy, "POST", "/v1/photos/prepare"), ==, 3);
  for (guint i = 1; i < 3; i++)
    g_assert_cmpint (put_time (&s, i) - put_time (&s, i - 1), >=, (SLOW_PUT_MS - 50) * 1000);
  g_assert_cmpint (ks_test_proxy_request_time (s.p.proxy, "POST", "/v1/photos/prepare", 2), <, put_time (&s, 1));

  /* Three slots: the three PUTs together. */
  ks_test_proxy_reset_counts (s.p.proxy);
  ks_uploader_set_max_transfers (s.p.uploader, 3);
  slots_start (&s, 3, 2);
  slots_assert_uploaded (&s, 3);
  g_assert_cmpuint (ks_test_proxy_count (s.p.proxy, "PUT", "/s3/"), ==, 3);
  g_assert_cmpint (put_time (&s, 2) - put_time (&s, 0), <, SLOW_PUT_MS * 1000);

  /* One slot, taken by the first photo: the second, prepared and
   * waiting, is cancelled and ends before the first's PUT is answered. */
  ks_test_proxy_reset_counts (s.p.proxy);
  ks_test_proxy_clear_rules (s.p.proxy);
  ks_test_proxy_add_delay (s.p.proxy, "PUT", "/s3/", KS_TEST_PROXY_ALWAYS, 5 * SLOW_PUT_MS);
  ks_uploader_set_max_transfers (s.p.uploader, 1);
  slots_start (&s, 1, 3);
  wait_for_requests (s.p.proxy, "PUT", "/s3/", 1);
  slots_start_one (&s, 1, 3);
  wait_for_requests (s.p.proxy, "POST", "/v1/photos/prepare", 2);
  /* Its prepare's answer is in. */
  run_for (SLOW_PUT_MS / 4);
  g_cancellable_cancel (s.cancellables[1]);
  {
    g_autoptr (GError) error = NULL;
    gint64 cancelled_at = g_get_monotonic_time ();
    g_autoptr (KsPhoto) photo = slots_finish (&s, 1, &error);

    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (photo);
    /* Not when the slot came free. */
    g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, SLOW_PUT_MS * 1000);
    g_assert_null (s.results[0]);
  }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (KsPhoto) photo = slots_finish (&s, 0, &error);

    g_assert_no_error (error);
    g_assert_nonnull (photo);
  }
  g_assert_cmpuint (ks_test_proxy_count (s.p.proxy, "PUT", "/s3/"), ==, 1);

  slots_clear (&s);
}

/* URLs about to expire are not even tried. */
static void
test_expiring_url (void)
{
  Proxied          e;
  g_autofree char *path = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *doctored = NULL;
  g_autofree char *key = NULL;
  g_autofree char *commit = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;

  proxied_init (&e, "expiring");
  path = xfer_path (e.xfer, "IMG_0006.JPG");
  sha256 = xfer_write_file (path, "expiring", 100 * KiB);
  request = xfer_request_new (sha256, 100 * KiB, "IMG_0006.JPG");
  doctored = doctored_prepare (e.xfer, request, 10);
  ks_test_proxy_add_body (e.proxy, "POST", "/v1/photos/prepare", 1, doctored);

  photo = xfer_upload (e.uploader, path, request, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_assert_cmpuint (ks_test_proxy_count (e.proxy, "POST", "/v1/photos/prepare"), ==, 2);

  key = g_strdup_printf ("/originals/%s/%s", e.xfer->user->sub, photo->id);
  commit = g_strdup_printf ("\"POST /v1/photos/%s/commit\" 200 ", photo->id);
  xfer_wait_log (api, commit);
  g_assert_cmpuint (xfer_count_log (api, "PUT", key, 200), ==, 1);

  proxied_clear (&e);
}

/*
 * The thumbnails go beside the original. One whose URL expired sends the
 * job back to prepare once they are all back, and only what is missing
 * is sent again; one the store refuses fails the upload, uncommitted.
 */
static void
test_thumbnail_faults (void)
{
  Proxied          e;
  g_autofree char *path = NULL;
  g_autofree char *grid = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *grid_sha256 = NULL;
  g_autofree char *doctored = NULL;
  g_autofree char *original_key = NULL;
  g_autofree char *grid_key = NULL;
  g_autofree char *preview_key = NULL;
  g_autofree char *commit = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;

  proxied_init (&e, "thumbs");
  path = xfer_path (e.xfer, "IMG_0007.JPG");
  grid = xfer_path (e.xfer, "grid.jpg");
  preview = xfer_path (e.xfer, "preview.jpg");
  sha256 = xfer_write_file (path, "thumbs", 300 * KiB);
  grid_sha256 = xfer_write_file (grid, "thumbs/grid", 6 * KiB);
  g_free (xfer_write_file (preview, "thumbs/preview", 40 * KiB));
  request = xfer_request_new (sha256, 300 * KiB, "IMG_0007.JPG");
  xfer_request_add_thumbnail (request, "grid", grid);
  xfer_request_add_thumbnail (request, "preview", preview);
  doctored = doctored_prepare_target (e.xfer, request, 0, "grid");
  ks_test_proxy_add_body (e.proxy, "POST", "/v1/photos/prepare", 1, doctored);

  photo = xfer_upload (e.uploader, path, request, grid, preview, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_assert_cmpuint (ks_test_proxy_count (e.proxy, "POST", "/v1/photos/prepare"), ==, 2);

  original_key = g_strdup_printf ("/originals/%s/%s", e.xfer->user->sub, photo->id);
  grid_key = g_strdup_printf ("/thumbs/%s/%s/grid.jpg", e.xfer->user->sub, photo->id);
  preview_key = g_strdup_printf ("/thumbs/%s/%s/preview.jpg", e.xfer->user->sub, photo->id);
  commit = g_strdup_printf ("\"POST /v1/photos/%s/commit\" 200 ", photo->id);
  xfer_wait_log (api, commit);
  g_assert_cmpuint (xfer_count_log (api, "PUT", grid_key, 403), ==, 1);
  g_assert_cmpuint (xfer_count_log (api, "PUT", grid_key, 200), ==, 1);
  g_assert_cmpuint (xfer_count_log (api, "PUT", original_key, 200), ==, 1);
  g_assert_cmpuint (xfer_count_log (api, "PUT", preview_key, 200), ==, 1);
  assert_download (e.xfer, photo->url_grid, grid_sha256, 6 * KiB);

  /* The store refuses the preview (its bytes are not the declared
   * ones): an error, and nothing committed. */
  g_clear_pointer (&photo, ks_photo_free);
  g_free (request->sha256);
  request->sha256 = xfer_write_file (path, "thumbs again", 300 * KiB);
  g_free (xfer_write_file (preview, "thumbs/other preview", 40 * KiB));
  photo = xfer_upload (e.uploader, path, request, grid, preview, NULL, NULL, NULL, NULL, &error);
  g_assert_nonnull (error);
  g_assert_null (photo);
  g_assert_cmpuint (xfer_count_photos (e.xfer), ==, 1);

  proxied_clear (&e);
}

typedef struct
{
  GAsyncResult *result;
  guint         late_reports; /* progress heard after the result */
} Late;

static void
late_progress_cb (goffset  done,
                  goffset  total,
                  gpointer user_data)
{
  Late *late = user_data;

  if (late->result != NULL)
    late->late_reports++;
}

/* The original's PUT fails while its preview's is still out: the upload
 * ends with the original's error, and its caller, who may free what the
 * progress callback points at then, hears nothing when the preview's
 * PUT ends later and takes its bytes back. */
static void
test_late_thumbnail (void)
{
  Proxied          p;
  g_autofree char *path = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFile) preview_file = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  Late late = { 0 };

  proxied_init (&p, "late");
  path = xfer_path (p.xfer, "IMG_0011.JPG");
  preview = xfer_path (p.xfer, "preview.jpg");
  sha256 = xfer_write_file (path, "late", 300 * KiB);
  request = xfer_request_new (sha256, 300 * KiB, "IMG_0011.JPG");
  file = g_file_new_for_path (path);
  preview_file = g_file_new_for_path (preview);

  /* The store refuses the preview (other bytes than declared), late. */
  g_free (xfer_write_file (preview, "late/preview", 40 * KiB));
  xfer_request_add_thumbnail (request, "preview", preview);
  g_free (xfer_write_file (preview, "late/other preview", 40 * KiB));
  ks_test_proxy_add_status (p.proxy, "PUT", "/s3/keepsake/originals/", 1, 500, NULL, NULL);
  ks_test_proxy_add_delay (p.proxy, "PUT", "/s3/keepsake/thumbs/", 1, 500);

  ks_uploader_upload_photo_async (p.uploader, file, request, NULL, preview_file, late_progress_cb, &late, NULL,
                                  ks_test_store_result, &late.result);
  photo = ks_uploader_upload_photo_finish (p.uploader, ks_test_wait_result (&late.result), NULL, &error);
  g_assert_nonnull (error);
  g_assert_null (photo);
  g_assert_cmpuint (ks_test_proxy_count (p.proxy, "PUT", "/s3/keepsake/thumbs/"), ==, 1);

  /* The preview's answer comes back meanwhile. */
  run_for (1000);
  g_assert_cmpuint (late.late_reports, ==, 0);
  g_clear_object (&late.result);
  proxied_clear (&p);
}

/* 2 MiB at 4 MiB/s from an empty bucket: half a second at least. */
static void
test_rate_limit (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "limited");
  g_autofree char *path = xfer_path (xfer, "IMG_0006.JPG");
  g_autofree char *sha256 = xfer_write_file (path, "limited", 2 * MiB);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, 2 * MiB, "IMG_0006.JPG");
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (4 * MiB);
  g_autoptr (KsUploader) uploader = ks_uploader_new (xfer->client, xfer->soup, NULL, limiter);
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  Progress progress = { 0 };
  gint64   start = g_get_monotonic_time ();
  gint64   elapsed;

  photo = xfer_upload (uploader, path, request, NULL, NULL, progress_cb, &progress, NULL, NULL,
                       &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_test_message ("2 MiB at 4 MiB/s took %" G_GINT64_FORMAT " ms", elapsed / 1000);
  g_assert_cmpint (elapsed, >=, 400 * 1000);
  g_assert_cmpint (elapsed, <, 20 * G_USEC_PER_SEC);
  /* Reported along the way, at most ten times a second. */
  g_assert_cmpuint (progress.calls, >=, 3);
  g_assert_cmpuint (progress.calls, <=, elapsed / (G_USEC_PER_SEC / 10) + 2);
  g_assert_cmpint (progress.done, ==, 2 * MiB);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  xfer_init ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cloud/upload/small", test_small);
  g_test_add_func ("/cloud/upload/exists", test_exists);
  g_test_add_func ("/cloud/upload/multipart", test_multipart);
  g_test_add_func ("/cloud/upload/file-changed", test_file_changed);
  g_test_add_func ("/cloud/upload/cancel", test_cancel);
  g_test_add_func ("/cloud/upload/expired-url", test_expired_url);
  g_test_add_func ("/cloud/upload/expiring-url", test_expiring_url);
  g_test_add_func ("/cloud/upload/expired-token", test_expired_token);
  g_test_add_func ("/cloud/upload/restarted", test_restarted_put);
  g_test_add_func ("/cloud/upload/transfer-slots", test_transfer_slots);
  g_test_add_func ("/cloud/upload/thumbnail-faults", test_thumbnail_faults);
  g_test_add_func ("/cloud/upload/late-thumbnail", test_late_thumbnail);
  g_test_add_func ("/cloud/upload/rate-limit", test_rate_limit);

  api = ks_test_api_new ();
  status = g_test_run ();
  ks_test_api_free (api);

  return status;
}
