/* test-cloud-download.c: ks_download_async () against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <sys/resource.h>

#include "test-cloud-transfer.h"

#define SIZE (1 * MiB + 123)
#define PARTIAL_SIZE (300 * KiB)

static KsTestApi *api;

/* A committed photo of SIZE bytes, uploaded without the code under test. */
typedef struct
{
  Xfer   *xfer;
  GBytes *bytes;
  char   *sha256;
  char   *id;
  char   *url;
  char   *dest;
  char   *partial;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  const char *name = data;
  g_autoptr (JsonNode) prepared = NULL;
  g_autoptr (JsonNode) committed = NULL;
  g_autofree char *body = NULL;
  g_autofree char *commit = NULL;
  JsonArray       *uploads;

  fixture->xfer = xfer_new (api, name);
  fixture->bytes = ks_test_api_photo_bytes (name, SIZE);
  fixture->sha256 = ks_sha256_hex (g_bytes_get_data (fixture->bytes, NULL), SIZE);

  body = ks_test_api_prepare_body (fixture->bytes, NULL, NULL, "IMG_0001.JPG");
  prepared = ks_test_api_expect (api, fixture->xfer->user->token, "POST", "/v1/photos/prepare",
                                 body, 201);
  uploads = json_object_get_array_member (ks_test_api_root (prepared), "uploads");
  g_assert_cmpuint (ks_test_api_put (api, json_array_get_object_element (uploads, 0),
                                     fixture->bytes),
                    ==, 200);
  fixture->id = g_strdup (ks_test_json_get_string (prepared, "photo_id"));
  commit = g_strdup_printf ("/v1/photos/%s/commit", fixture->id);
  committed = ks_test_api_expect (api, fixture->xfer->user->token, "POST", commit, NULL, 200);
  fixture->url = g_strdup (ks_test_json_get_string (committed, "photo.urls.original"));

  fixture->dest = xfer_path (fixture->xfer, "photo.jpg");
  fixture->partial = xfer_path (fixture->xfer, ".photo.jpg.ks-partial");
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  xfer_free (fixture->xfer);
  g_bytes_unref (fixture->bytes);
  g_free (fixture->sha256);
  g_free (fixture->id);
  g_free (fixture->url);
  g_free (fixture->dest);
  g_free (fixture->partial);
}

static void
assert_file_is (const char *path,
                GBytes     *bytes)
{
  g_autofree char *contents = NULL;
  gsize            len = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
write_partial (Fixture    *fixture,
               const void *data,
               gsize       len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (fixture->partial, data, (gssize) len, &error);
  g_assert_no_error (error);
}

static char *
object_path (Fixture *fixture)
{
  return g_strdup_printf ("/originals/%s/%s", fixture->xfer->user->sub, fixture->id);
}

typedef struct
{
  goffset       done;
  goffset       total;
  goffset       cancel_at;
  GCancellable *cancellable;
} Progress;

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  Progress *progress = user_data;

  progress->done = done;
  progress->total = total;
  if (progress->cancellable != NULL && done >= progress->cancel_at)
    g_cancellable_cancel (progress->cancellable);
}

/* ---- Tests ---- */

static void
test_download (Fixture      *fixture,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  Progress progress = { 0 };

  g_assert_true (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256,
                                SIZE, NULL, progress_cb, &progress, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
  g_assert_false (g_file_test (fixture->partial, G_FILE_TEST_EXISTS));
  g_assert_cmpint (progress.done, ==, SIZE);
  g_assert_cmpint (progress.total, ==, SIZE);

  /* Without a checksum or size to check, too. */
  g_unlink (fixture->dest);
  g_assert_true (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, NULL, -1, NULL,
                                progress_cb, &progress, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
  g_assert_cmpint (progress.done, ==, SIZE);
}

/* A partial from an earlier attempt: only the rest is fetched. */
static void
test_resume (Fixture      *fixture,
             gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = object_path (fixture);
  g_autofree char *needle = g_strdup_printf ("%s\" 206 %d ", key, SIZE - PARTIAL_SIZE);

  write_partial (fixture, g_bytes_get_data (fixture->bytes, NULL), PARTIAL_SIZE);
  g_assert_true (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256,
                                SIZE, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
  g_assert_false (g_file_test (fixture->partial, G_FILE_TEST_EXISTS));

  /* The server sent a 206 of the missing bytes, and nothing else. */
  xfer_wait_log (api, needle);
  g_assert_cmpuint (xfer_count_log (api, "GET", key, 200), ==, 0);
  g_assert_cmpuint (xfer_count_log (api, "GET", key, 206), ==, 1);
}

static void
test_checksum_mismatch (Fixture      *fixture,
                        gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *wrong = g_strnfill (64, 'a');
  g_autofree char *garbage = g_strnfill (PARTIAL_SIZE, 'x');

  g_assert_false (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, wrong, SIZE,
                                 NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CHECKSUM);
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (fixture->partial, G_FILE_TEST_EXISTS));

  /* A partial that is not the object's beginning: caught at the end,
   * and thrown away, so the next attempt starts clean. */
  g_clear_error (&error);
  write_partial (fixture, garbage, PARTIAL_SIZE);
  g_assert_false (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256,
                                 SIZE, NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CHECKSUM);
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (fixture->partial, G_FILE_TEST_EXISTS));

  g_clear_error (&error);
  g_assert_true (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256,
                                SIZE, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
}

/* No room for the whole photo (a file size limit on this process fails
 * writes as a full disk does): the error names the file asked for, the
 * destination is not created, and what was written is kept and
 * continued once there is room. */
static void
test_disk_full (Fixture      *fixture,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *key = object_path (fixture);
  g_autofree char *ranged = g_strdup_printf ("%s\" 206 ", key);
  g_autofree char *partial = NULL;
  gsize            partial_len = 0;
  struct rlimit    saved, limited;
  void (*old_handler) (int);
  gboolean ok;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limited = saved;
  limited.rlim_cur = PARTIAL_SIZE;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limited), ==, 0);
  ok = xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256, SIZE, NULL, NULL, NULL,
                      NULL, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, old_handler);

  g_assert_false (ok);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fixture->dest));
  g_assert_nonnull (strstr (error->message, g_strerror (EFBIG)));
  g_assert_null (strstr (error->message, "ks-partial"));
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (fixture->partial, &partial, &partial_len, NULL));
  g_assert_cmpuint (partial_len, >, 0);
  g_assert_cmpuint (partial_len, <=, PARTIAL_SIZE);
  g_assert_cmpmem (partial, partial_len, g_bytes_get_data (fixture->bytes, NULL), partial_len);

  g_clear_error (&error);
  g_assert_true (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256, SIZE, NULL, NULL,
                                NULL, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
  g_assert_false (g_file_test (fixture->partial, G_FILE_TEST_EXISTS));
  /* The access log is written in batches: wait for the line itself. */
  xfer_wait_log (api, ranged);
  g_assert_cmpuint (xfer_count_log (api, "GET", key, 206), ==, 1);
}

/* Cancelled halfway: no destination; the partial is kept and continued. */
static void
test_cancel (Fixture      *fixture,
             gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (2 * MiB);
  g_autoptr (GError) error = NULL;
  Progress         progress = { .cancel_at = 256 * KiB, .cancellable = cancellable };
  g_autofree char *key = object_path (fixture);
  g_autofree char *needle = NULL;
  guint64          partial_size = 0;
  g_autofree char *unused = NULL;

  g_assert_false (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256,
                                 SIZE, limiter, progress_cb, &progress, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (fixture->partial, G_FILE_TEST_EXISTS));
  unused = xfer_file_sha256 (fixture->partial, &partial_size);
  g_assert_cmpuint (partial_size, >=, 256 * KiB);
  g_assert_cmpuint (partial_size, <, SIZE);

  g_clear_error (&error);
  g_assert_true (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256,
                                SIZE, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
  needle = g_strdup_printf ("%s\" 206 %" G_GUINT64_FORMAT " ", key, SIZE - partial_size);
  xfer_wait_log (api, needle);
}

/* An existing destination is replaced by a rename, never rewritten, and
 * kept as it was when the download fails. */
static void
test_replace (Fixture      *fixture,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) old = g_bytes_new_static ("old contents", 12);
  g_autofree char *wrong = g_strnfill (64, 'b');
  GStatBuf         before, after;

  g_file_set_contents (fixture->dest, "old contents", 12, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (fixture->dest, &before), ==, 0);

  g_assert_false (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, wrong, SIZE,
                                 NULL, NULL, NULL, NULL, &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_CHECKSUM);
  assert_file_is (fixture->dest, old);

  g_clear_error (&error);
  g_assert_true (xfer_download (fixture->xfer->soup, fixture->url, fixture->dest, fixture->sha256,
                                SIZE, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
  g_assert_cmpint (g_stat (fixture->dest, &after), ==, 0);
  g_assert_cmpuint (after.st_ino, !=, before.st_ino);
}

#define EXPIRED_BODY                                                             \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>" \
  "<Message>Request has expired</Message></Error>"

/* Amazon S3's answer to a URL whose temporary keys have expired. */
#define EXPIRED_TOKEN_BODY                                                       \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ExpiredToken</Code>" \
  "<Message>The provided token has expired.</Message></Error>"

/* Faults on the way: an expired URL and a reply cut short keep the
 * partial for the next attempt. */
static void
test_faults (Fixture      *fixture,
             gconstpointer data)
{
  KsTestServer *server = ks_test_api_get_server (api);
  g_autoptr (KsTestProxy) proxy = ks_test_proxy_new (ks_test_server_get_base_url (server));
  g_autoptr (SoupSession) soup = xfer_session_new_proxied (proxy);
  g_autoptr (GError) error = NULL;
  guint64          partial_size = 0;
  g_autofree char *unused = NULL;

  ks_test_proxy_add_status (proxy, "GET", "/s3/", 1, 403, EXPIRED_BODY, NULL);
  g_assert_false (xfer_download (soup, fixture->url, fixture->dest, fixture->sha256, SIZE, NULL,
                                 NULL, NULL, NULL, &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED);
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  ks_test_proxy_add_status (proxy, "GET", "/s3/", 1, 400, EXPIRED_TOKEN_BODY, NULL);
  g_assert_false (xfer_download (soup, fixture->url, fixture->dest, fixture->sha256, SIZE, NULL,
                                 NULL, NULL, NULL, &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED);
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));

  g_clear_error (&error);
  ks_test_proxy_add_truncate (proxy, "GET", "/s3/", 1, 200 * KiB);
  g_assert_false (xfer_download (soup, fixture->url, fixture->dest, fixture->sha256, SIZE, NULL,
                                 NULL, NULL, NULL, &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK);
  g_assert_false (g_file_test (fixture->dest, G_FILE_TEST_EXISTS));
  unused = xfer_file_sha256 (fixture->partial, &partial_size);
  g_assert_cmpuint (partial_size, ==, 200 * KiB);

  g_clear_error (&error);
  g_assert_true (xfer_download (soup, fixture->url, fixture->dest, fixture->sha256, SIZE, NULL,
                                NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_file_is (fixture->dest, fixture->bytes);
  g_assert_cmpuint (ks_test_proxy_count (proxy, "GET", "/s3/"), ==, 4);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  xfer_init ();
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, name, func) \
  g_test_add ("/cloud/download/" path, Fixture, name, fixture_set_up, func, fixture_tear_down)
  ADD ("plain", "plain", test_download);
  ADD ("resume", "resume", test_resume);
  ADD ("checksum-mismatch", "mismatch", test_checksum_mismatch);
  ADD ("cancel", "cancel", test_cancel);
  ADD ("disk-full", "disk-full", test_disk_full);
  ADD ("replace", "replace", test_replace);
  ADD ("faults", "faults", test_faults);
#undef ADD

  api = ks_test_api_new ();
  status = g_test_run ();
  ks_test_api_free (api);

  return status;
}
