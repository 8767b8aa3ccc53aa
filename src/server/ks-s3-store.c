/* ks-s3-store.c: the built-in S3-compatible store — state, routes and the
 * API the other modules use
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-encoding.h"
#include "ks-s3-private.h"
#include "ks-server-urls.h"

/*
 * One bucket, path-style, under KS_SERVER_PATH_S3:
 *
 *   /s3                       ListBuckets
 *   /s3/{bucket}              bucket requests (list, location, head)
 *   /s3/{bucket}/{key...}     object and multipart requests
 *
 * Every request is signed with the data directory's key pair (SigV4, in
 * the Authorization header or a presigned query). Objects are files under
 * the data directory's objects/, see ks-s3-object.c.
 */
#define MULTIPART_DIR ".multipart"

static GQuark
store_quark (void)
{
  return g_quark_from_static_string ("ks-s3-store");
}

static void
store_clear (KsS3Store *store)
{
  g_free (store->bucket);
  g_free (store->objects_path);
  g_free (store->multipart_path);
  g_free ((char *) store->auth.path_prefix);
  ks_s3_index_free (store->index);
  g_hash_table_unref (store->busy_uploads);
}

KsS3Store *
ks_s3_store_ref (KsS3Store *store)
{
  return g_rc_box_acquire (store);
}

void
ks_s3_store_unref (KsS3Store *store)
{
  g_rc_box_release_full (store, (GDestroyNotify) store_clear);
}

KsS3Store *
ks_s3_store_get (KsServer *server)
{
  return g_object_get_qdata (G_OBJECT (server), store_quark ());
}

static void
index_object_cb (KsS3Meta *meta,
                 gpointer  user_data)
{
  KsS3Store *store = user_data;

  ks_s3_index_lock (store->index);
  ks_s3_index_put_locked (store->index, meta);
  ks_s3_index_unlock (store->index);
  ks_s3_meta_free (meta);
}

static KsS3Store *
store_new (KsServer *server)
{
  KsServerDataDir *data_dir = ks_server_get_data_dir (server);
  KsS3Store       *store = g_rc_box_new0 (KsS3Store);

  store->server = server;
  store->bucket = g_strdup (ks_server_data_dir_get_bucket (data_dir));
  store->objects_path = g_strdup (ks_server_data_dir_get_objects_path (data_dir));
  store->multipart_path = g_build_filename (store->objects_path, MULTIPART_DIR, NULL);
  store->index = ks_s3_index_new ();
  store->busy_uploads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  store->auth.region = ks_server_data_dir_get_region (data_dir);
  store->auth.access_key_id = ks_server_data_dir_get_access_key_id (data_dir);
  store->auth.secret_access_key = ks_server_data_dir_get_secret_access_key (data_dir);

  /* Before the first request, so nothing writes while we look. */
  ks_s3_objects_scan (store->objects_path, index_object_cb, store);
  ks_s3_upload_cleanup (store);
  g_debug ("S3 store: %u objects in %s", ks_s3_index_count (store->index), store->objects_path);

  return store;
}

/* The public URL's path, if the server sits behind a prefix. */
static void
public_url_changed_cb (KsServer   *server,
                       GParamSpec *pspec,
                       KsS3Store  *store)
{
  const char *public_url = ks_server_get_public_url (server);
  g_autoptr (GUri) uri = NULL;

  g_free ((char *) store->auth.path_prefix);
  store->auth.path_prefix = NULL;
  if (public_url != NULL)
    uri = g_uri_parse (public_url, G_URI_FLAGS_ENCODED, NULL);
  if (uri != NULL && *g_uri_get_path (uri) != '\0')
    store->auth.path_prefix = g_strdup (g_uri_get_path (uri));
}

static void
add_route (KsServer   *server,
           KsS3Store  *store,
           const char *pattern)
{
  KsServerRoute *route = ks_server_add_route (server, NULL, pattern, ks_s3_request_handler_cb,
                                              ks_s3_store_ref (store),
                                              (GDestroyNotify) ks_s3_store_unref);

  ks_server_route_set_early_handler (route, ks_s3_request_early_cb);
  /* Each operation sets its own limit, see ks-s3-body.c. */
  ks_server_route_set_max_body_size (route, -1);
}

void
ks_s3_store_register (KsServer *server)
{
  KsS3Store *store;

  g_return_if_fail (KS_IS_SERVER (server));
  g_return_if_fail (ks_s3_store_get (server) == NULL);

  store = store_new (server);
  g_object_set_qdata_full (G_OBJECT (server), store_quark (), store,
                           (GDestroyNotify) ks_s3_store_unref);
  g_signal_connect (server, "notify::public-url", G_CALLBACK (public_url_changed_cb), store);
  public_url_changed_cb (server, NULL, store);

  add_route (server, store, KS_SERVER_PATH_S3);
  add_route (server, store, KS_SERVER_PATH_S3 "/{bucket}");
  add_route (server, store, KS_SERVER_PATH_S3 "/{bucket}/{key*}");
}

gboolean
ks_s3_store_commit (KsS3Store      *store,
                    int             fd,
                    const char     *temp,
                    const KsS3Meta *meta,
                    GError        **error)
{
  g_autofree char *path = ks_s3_object_path (store->objects_path, meta->key);
  g_autofree char *dir = g_path_get_dirname (path);
  gboolean         ok = ks_s3_file_sync (fd, error);

  close (fd);
  if (!ok)
    return FALSE;

  ks_s3_index_lock (store->index);
  ok = ks_s3_file_rename (temp, path, error);
  if (ok)
    ks_s3_index_put_locked (store->index, meta);
  ks_s3_index_unlock (store->index);

  return ok && ks_s3_file_sync_dir (dir, error);
}

/* Removing what is not there is fine, as in S3. */
gboolean
ks_s3_store_remove (KsS3Store  *store,
                    const char *key,
                    GError    **error)
{
  g_autofree char *path = ks_s3_object_path (store->objects_path, key);
  g_autofree char *dir = g_path_get_dirname (path);
  int              saved_errno = 0;

  ks_s3_index_lock (store->index);
  if (g_unlink (path) != 0)
    saved_errno = errno;
  if (saved_errno == 0 || saved_errno == ENOENT)
    ks_s3_index_remove_locked (store->index, key);
  ks_s3_index_unlock (store->index);

  if (saved_errno == ENOENT)
    return TRUE;
  if (saved_errno != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "cannot remove %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  return ks_s3_file_sync_dir (dir, error);
}

/* ---- the API for the other modules ---- */

void
ks_s3_object_info_clear (KsS3ObjectInfo *info)
{
  g_clear_pointer (&info->etag, g_free);
  g_clear_pointer (&info->sha256, g_free);
}

static gboolean
check_key (const char *key,
           GError    **error)
{
  g_autoptr (GError) local_error = NULL;

  if (ks_s3_key_validate (key, &local_error))
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, local_error->message);
  return FALSE;
}

/**
 * ks_s3_store_head:
 * @error: G_IO_ERROR_NOT_FOUND for no such object,
 *   G_IO_ERROR_INVALID_ARGUMENT for a key the store refuses
 *
 * Reads the object's metadata from disk; blocks, briefly.
 */
gboolean
ks_s3_store_head (KsServer       *server,
                  const char     *key,
                  KsS3ObjectInfo *out,
                  GError        **error)
{
  KsS3Store       *store = ks_s3_store_get (server);
  g_autofree char *path = NULL;
  g_autoptr (KsS3Meta) meta = NULL;

  g_return_val_if_fail (store != NULL && key != NULL && out != NULL, FALSE);

  if (!check_key (key, error))
    return FALSE;

  path = ks_s3_object_path (store->objects_path, key);
  meta = ks_s3_file_open (path, NULL, error);
  if (meta == NULL)
    return FALSE;

  out->size = meta->size;
  out->etag = g_steal_pointer (&meta->etag);
  out->sha256 = g_steal_pointer (&meta->sha256);
  out->mtime_unix = meta->mtime_unix;
  return TRUE;
}

gboolean
ks_s3_store_delete (KsServer   *server,
                    const char *key,
                    GError    **error)
{
  KsS3Store *store = ks_s3_store_get (server);

  g_return_val_if_fail (store != NULL && key != NULL, FALSE);

  return check_key (key, error) && ks_s3_store_remove (store, key, error);
}

char *
ks_s3_store_create_multipart (KsServer   *server,
                              const char *key,
                              GError    **error)
{
  KsS3Store *store = ks_s3_store_get (server);
  g_autoptr (KsS3Meta) template = NULL;

  g_return_val_if_fail (store != NULL && key != NULL, NULL);

  if (!check_key (key, error))
    return NULL;

  template = ks_s3_meta_new (key);
  return ks_s3_upload_create (store, template, error);
}

static void
add_presign_headers (KsSigv4Request           *req,
                     const KsS3PresignOptions *options)
{
  if (options->content_length >= 0)
    {
      g_autofree char *length = g_strdup_printf ("%" G_GINT64_FORMAT, options->content_length);

      ks_sigv4_request_add_header (req, "content-length", length);
    }
  if (options->checksum_sha256 != NULL)
    {
      gsize              len = 0;
      g_autofree guint8 *digest = ks_hex_decode (options->checksum_sha256, &len, NULL);
      g_autofree char   *base64 = NULL;

      g_return_if_fail (digest != NULL && len == 32);
      base64 = ks_base64_encode (digest, len);
      ks_sigv4_request_add_header (req, "x-amz-checksum-sha256", base64);
    }
  if (options->upload_id != NULL)
    {
      g_autofree char *part = g_strdup_printf ("%u", options->part_number);

      if (options->part_number != 0)
        ks_sigv4_request_add_query (req, "partNumber", part);
      ks_sigv4_request_add_query (req, "uploadId", options->upload_id);
    }
}

/**
 * ks_s3_store_presign:
 * @options: (nullable): what else to bind into the signature
 *
 * Host and path prefix come from the server's public URL, so the URL
 * works for whoever reaches the server there.
 */
char *
ks_s3_store_presign (KsServer                 *server,
                     const char               *method,
                     const char               *key,
                     guint                     expires_seconds,
                     const KsS3PresignOptions *options)
{
  KsS3Store  *store = ks_s3_store_get (server);
  const char *public_url = ks_server_get_public_url (server);
  g_autoptr (GUri) uri = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (KsSigv4Request) req = NULL;
  g_autoptr (GError) error = NULL;
  char              *url;
  KsSigv4Credentials creds = { 0 };

  g_return_val_if_fail (store != NULL && public_url != NULL, NULL);
  g_return_val_if_fail (method != NULL && key != NULL, NULL);

  uri = g_uri_parse (public_url, G_URI_FLAGS_ENCODED, NULL);
  g_return_val_if_fail (uri != NULL, NULL);
  endpoint = g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                         g_uri_get_port (uri), "", NULL, NULL);
  prefix = g_uri_unescape_string (g_uri_get_path (uri), NULL);
  path = g_strconcat (prefix != NULL ? prefix : "", KS_SERVER_PATH_S3 "/", store->bucket, "/",
                      key, NULL);

  req = ks_sigv4_request_new (method, path);
  if (options != NULL)
    add_presign_headers (req, options);

  creds.access_key_id = store->auth.access_key_id;
  creds.secret_access_key = store->auth.secret_access_key;
  creds.region = store->auth.region;
  creds.service = "s3";
  url = ks_sigv4_presign_url (endpoint, req, &creds, now, expires_seconds, &error);
  if (url == NULL)
    g_critical ("Cannot presign %s: %s", key, error->message);

  return url;
}
