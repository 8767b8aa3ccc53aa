/* test-cloud-transfer.h: what the upload, download and resume tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <glib/gstdio.h>

#include "ks-api-client.h"
#include "ks-cloud-error.h"
#include "ks-hash.h"
#include "ks-test-cloud.h"
#include "ks-test-proxy.h"
#include "ks-transfer.h"

#define KiB 1024
#define MiB (1024 * 1024)

/* One user of the shared server, with a client of their own and a temp
 * directory that goes away with them. */
typedef struct
{
  KsTestApi         *api; /* unowned */
  KsTestUser        *user;
  KsTestTokenSource *tokens;
  SoupSession       *soup;
  KsApiClient       *client;
  char              *dir;
} Xfer;

static G_GNUC_UNUSED SoupSession *
xfer_session_new (void)
{
  SoupSession *soup = soup_session_new_with_options ("timeout", 120, NULL);

  soup_session_set_proxy_resolver (soup, NULL);
  return soup;
}

/* Before g_test_init (): a session with a proxy resolver makes GIO load
 * the default resolver too, and the desktop's (GNOME settings) cannot
 * work in the tests' isolated XDG directories. */
static G_GNUC_UNUSED void
xfer_init (void)
{
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
}

/* A session whose every request goes through @proxy, as through an HTTP
 * proxy: the presigned URLs still name the server, so their signatures
 * hold, and the proxy sees (and may fail) each request. */
static G_GNUC_UNUSED SoupSession *
xfer_session_new_proxied (KsTestProxy *proxy)
{
  SoupSession *soup = soup_session_new_with_options ("timeout", 120, NULL);
  g_autoptr (GProxyResolver) resolver = g_simple_proxy_resolver_new (ks_test_proxy_get_url (proxy),
                                                                     NULL);

  soup_session_set_proxy_resolver (soup, resolver);
  return soup;
}

static G_GNUC_UNUSED Xfer *
xfer_new (KsTestApi  *api,
          const char *username)
{
  Xfer            *self = g_new0 (Xfer, 1);
  KsTestServer    *server = ks_test_api_get_server (api);
  g_autofree char *api_url = g_strconcat (ks_test_server_get_base_url (server), "/v1", NULL);
  g_autoptr (GError) error = NULL;

  self->api = api;
  self->user = ks_test_api_user (api, username);
  self->tokens = ks_test_token_source_new (api, self->user, 3600);
  self->soup = xfer_session_new ();
  self->client = ks_api_client_new (self->soup, api_url, KS_TOKEN_SOURCE (self->tokens));
  self->dir = g_dir_make_tmp ("ks-xfer-XXXXXX", &error);
  g_assert_no_error (error);

  return self;
}

static G_GNUC_UNUSED void
xfer_free (Xfer *self)
{
  g_object_unref (self->client);
  g_object_unref (self->soup);
  g_object_unref (self->tokens);
  ks_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Xfer, xfer_free)

static G_GNUC_UNUSED char *
xfer_path (Xfer       *self,
           const char *name)
{
  return g_build_filename (self->dir, name, NULL);
}

/* Noise of @size bytes after a JPEG's magic, different for each @seed,
 * written in chunks (never whole in memory). Returns its SHA-256. */
static G_GNUC_UNUSED char *
xfer_write_file (const char *path,
                 const char *seed,
                 gsize       size)
{
  g_autoptr (KsSha256) sha = ks_sha256_new ();
  g_autofree guint8 *buf = g_malloc (MiB);
  guint8             digest[KS_SHA256_LEN];
  guint32            state;
  FILE              *out = fopen (path, "wb");

  g_assert_nonnull (out);
  ks_sha256 (seed, strlen (seed), digest);
  memcpy (&state, digest, sizeof state);
  state |= 1;

  for (gsize done = 0; done < size;)
    {
      gsize n = MIN (size - done, (gsize) MiB);

      for (gsize i = 0; i < n; i++)
        {
          state ^= state << 13;
          state ^= state >> 17;
          state ^= state << 5;
          buf[i] = (guint8) state;
        }
      if (done == 0 && n >= 3)
        memcpy (buf, "\xff\xd8\xff", 3);
      g_assert_cmpuint (fwrite (buf, 1, n, out), ==, n);
      ks_sha256_update (sha, buf, n);
      done += n;
    }
  g_assert_cmpint (fclose (out), ==, 0);

  return ks_sha256_finish_hex (sha);
}

static G_GNUC_UNUSED char *
xfer_file_sha256 (const char *path,
                  guint64    *out_size)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  char *sha256 = ks_sha256_file (file, out_size, NULL, &error);

  g_assert_no_error (error);
  return sha256;
}

static G_GNUC_UNUSED KsPrepareRequest *
xfer_request_new (const char *sha256,
                  gint64      size,
                  const char *file_name)
{
  KsPrepareRequest *request = ks_prepare_request_new ();

  request->sha256 = g_strdup (sha256);
  request->size = size;
  request->content_type = g_strdup ("image/jpeg");
  request->file_name = g_strdup (file_name);
  request->taken_at = g_strdup ("2024-05-01T12:34:56+02:00");
  request->width = 4000;
  request->height = 3000;

  return request;
}

static G_GNUC_UNUSED void
xfer_request_add_thumbnail (KsPrepareRequest *request,
                            const char       *name,
                            const char       *path)
{
  guint64          size = 0;
  g_autofree char *sha256 = xfer_file_sha256 (path, &size);

  g_ptr_array_add (request->thumbnails, ks_thumbnail_info_new (name, (gint64) size, sha256));
}

static G_GNUC_UNUSED KsPhoto *
xfer_upload (KsUploader             *uploader,
             const char             *path,
             const KsPrepareRequest *request,
             const char             *grid,
             const char             *preview,
             KsProgressFunc          progress,
             gpointer                progress_data,
             GCancellable           *cancellable,
             gboolean               *out_existed,
             GError                **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) grid_file = grid != NULL ? g_file_new_for_path (grid) : NULL;
  g_autoptr (GFile) preview_file = preview != NULL ? g_file_new_for_path (preview) : NULL;
  g_autoptr (GAsyncResult) result = NULL;

  ks_uploader_upload_photo_async (uploader, file, request, grid_file, preview_file, progress,
                                  progress_data, cancellable, ks_test_store_result, &result);
  return ks_uploader_upload_photo_finish (uploader, ks_test_wait_result (&result), out_existed,
                                          error);
}

static G_GNUC_UNUSED gboolean
xfer_download (SoupSession   *soup,
               const char    *url,
               const char    *path,
               const char    *sha256,
               gint64         size,
               KsRateLimiter *limiter,
               KsProgressFunc progress,
               gpointer       progress_data,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr (GFile) dest = g_file_new_for_path (path);
  g_autoptr (GAsyncResult) result = NULL;

  ks_download_async (soup, url, dest, sha256, size, limiter, progress, progress_data, cancellable,
                     ks_test_store_result, &result);
  return ks_download_finish (ks_test_wait_result (&result), error);
}

/* GET /v1/photos: how many committed photos the user has. */
static G_GNUC_UNUSED guint
xfer_count_photos (Xfer *self)
{
  g_autoptr (JsonNode) reply = ks_test_api_expect (self->api, self->user->token, "GET",
                                                   "/v1/photos", NULL, 200);

  return json_array_get_length (json_object_get_array_member (ks_test_api_root (reply), "photos"));
}

/* Access log lines of @method on a path containing @path_part that
 * finished with @status. */
static G_GNUC_UNUSED guint
xfer_count_log (KsTestApi  *api,
                const char *method,
                const char *path_part,
                guint       status)
{
  g_autofree char *log = ks_test_server_dup_log (ks_test_api_get_server (api));
  g_autofree char *request = g_strdup_printf ("\"%s ", method);
  g_autofree char *ending = g_strdup_printf ("\" %u ", status);
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  guint count = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *start = strstr (lines[i], request);
      const char *path = start != NULL ? strstr (start, path_part) : NULL;

      if (path != NULL && strstr (path, ending) != NULL && strstr (lines[i], " aborted") == NULL)
        count++;
    }

  return count;
}

/* The access log is written a moment after each reply: waits for a line
 * with @needle, so every line before it is there too. */
static G_GNUC_UNUSED void
xfer_wait_log (KsTestApi  *api,
               const char *needle)
{
  g_assert_true (ks_test_server_wait_for_log (ks_test_api_get_server (api), needle, 10000));
}
