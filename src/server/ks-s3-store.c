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
#include "ks-server-bucket.h"
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
  ks_s3_scan_clear_waiting (store);
  ks_s3_index_free (store->index);
  ks_s3_presigner_free (store->presigner);
  g_hash_table_unref (store->busy_uploads);
  g_mutex_clear (&store->busy_mutex);
  g_mutex_clear (&store->scan_mutex);
  g_cond_clear (&store->scan_cond);
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
  g_mutex_init (&store->busy_mutex);
  g_queue_init (&store->waiting);
  g_mutex_init (&store->scan_mutex);
  g_cond_init (&store->scan_cond);
  store->auth.region = ks_server_data_dir_get_region (data_dir);
  store->auth.access_key_id = ks_server_data_dir_get_access_key_id (data_dir);
  store->auth.secret_access_key = ks_server_data_dir_get_secret_access_key (data_dir);
  {
    KsSigv4Credentials creds = { .access_key_id = store->auth.access_key_id,
                                 .secret_access_key = store->auth.secret_access_key,
                                 .region = store->auth.region };

    store->presigner = ks_s3_presigner_new (&creds);
  }

  /* Beside the requests: the server does not wait for it. */
  ks_s3_scan_start (store);

  return store;
}

/* The server's reference, dropped as it goes, after the scan has stopped
 * and its workers are joined: they use the store without a reference. */
static void
store_detach (KsS3Store *store)
{
  ks_s3_scan_stop (store);
  ks_s3_store_unref (store);
}

/* The public URL's path, if the server sits behind a prefix, and where
 * presigned URLs point. */
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

  if (uri != NULL)
    {
      g_autofree char *endpoint = ks_server_urls_s3 (public_url);
      g_autofree char *bucket_url = g_strconcat (endpoint, "/", store->bucket, "/", NULL);

      ks_s3_presigner_set_bucket_url (store->presigner, bucket_url);
    }
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
  g_object_set_qdata_full (G_OBJECT (server), store_quark (), store, (GDestroyNotify) store_detach);
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

gboolean
ks_s3_store_claim_upload (KsS3Store  *store,
                          const char *upload_id)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&store->busy_mutex);

  if (g_hash_table_contains (store->busy_uploads, upload_id))
    return FALSE;

  g_hash_table_add (store->busy_uploads, g_strdup (upload_id));
  return TRUE;
}

void
ks_s3_store_release_upload (KsS3Store  *store,
                            const char *upload_id)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&store->busy_mutex);

  g_hash_table_remove (store->busy_uploads, upload_id);
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

/* The built-in store's copy of an object's metadata. */
static gboolean
head_file (KsS3Store      *store,
           const char     *key,
           KsS3ObjectInfo *out,
           GError        **error)
{
  g_autofree char *path = ks_s3_object_path (store->objects_path, key);
  g_autoptr (KsS3Meta) meta = ks_s3_file_open (path, NULL, error);

  if (meta == NULL)
    return FALSE;

  out->size = meta->size;
  out->etag = g_steal_pointer (&meta->etag);
  out->sha256 = g_steal_pointer (&meta->sha256);
  out->mtime_unix = meta->mtime_unix;
  return TRUE;
}

/* A bucket's, with the SHA-256 read through the object when S3 does not
 * keep it (a multipart upload, or a store without checksums). */
static gboolean
head_bucket_object (KsServerBucket *bucket,
                    const char     *key,
                    KsS3ObjectInfo *out,
                    GCancellable   *cancellable,
                    GError        **error)
{
  guint64 size = 0;

  if (!ks_server_bucket_head (bucket, key, out, cancellable, error))
    return FALSE;
  if (out->sha256 != NULL)
    return TRUE;

  out->sha256 = ks_server_bucket_digest (bucket, key, &size, cancellable, error);
  if (out->sha256 == NULL)
    {
      ks_s3_object_info_clear (out);
      return FALSE;
    }
  /* Replaced meanwhile: what was read is what counts. */
  out->size = size;
  return TRUE;
}

/**
 * ks_s3_store_head:
 * @error: G_IO_ERROR_NOT_FOUND for no such object,
 *   G_IO_ERROR_INVALID_ARGUMENT for a key the store refuses
 *
 * The object's size, ETag and SHA-256: the built-in store's from disk,
 * a bucket's from HeadObject or, when S3 has no SHA-256 of it, by reading
 * the object through. Blocks: call it from a worker thread.
 */
gboolean
ks_s3_store_head (KsServer       *server,
                  const char     *key,
                  KsS3ObjectInfo *out,
                  GCancellable   *cancellable,
                  GError        **error)
{
  KsServerBucket *bucket = ks_server_get_bucket (server);
  KsS3Store      *store = ks_s3_store_get (server);

  g_return_val_if_fail ((store != NULL || bucket != NULL) && key != NULL && out != NULL, FALSE);

  if (!check_key (key, error))
    return FALSE;
  if (bucket != NULL)
    return head_bucket_object (bucket, key, out, cancellable, error);

  return head_file (store, key, out, error);
}

/* Blocks: call it from a worker thread. */
gboolean
ks_s3_store_delete (KsServer   *server,
                    const char *key,
                    GError    **error)
{
  KsServerBucket *bucket = ks_server_get_bucket (server);
  KsS3Store      *store = ks_s3_store_get (server);

  g_return_val_if_fail ((store != NULL || bucket != NULL) && key != NULL, FALSE);

  if (!check_key (key, error))
    return FALSE;
  if (bucket != NULL)
    return ks_server_bucket_delete (bucket, key, NULL, error);

  return ks_s3_store_remove (store, key, error);
}

/* Blocks: call it from a worker thread. */
char *
ks_s3_store_create_multipart (KsServer   *server,
                              const char *key,
                              GError    **error)
{
  KsServerBucket *bucket = ks_server_get_bucket (server);
  KsS3Store      *store = ks_s3_store_get (server);
  g_autoptr (KsS3Meta) template = NULL;

  g_return_val_if_fail ((store != NULL || bucket != NULL) && key != NULL, NULL);

  if (!check_key (key, error))
    return NULL;
  if (bucket != NULL)
    return ks_server_bucket_create_multipart (bucket, key, NULL, error);

  template = ks_s3_meta_new (key);
  return ks_s3_upload_create (store, template, error);
}

typedef struct
{
  KsS3Store      *store;  /* owned; or: */
  KsServerBucket *bucket; /* owned */
  char           *key;
  char           *upload_id;
  GPtrArray      *parts; /* of KsS3CompletePart */
} CompleteJob;

static void
complete_job_free (CompleteJob *job)
{
  g_clear_pointer (&job->store, ks_s3_store_unref);
  g_clear_object (&job->bucket);
  g_free (job->key);
  g_free (job->upload_id);
  g_ptr_array_unref (job->parts);
  g_free (job);
}

/* The store's errors as ks-s3-store.h promises them. */
static GError *
complete_error (GError *error)
{
  GIOErrorEnum code;

  if (error->domain != KS_S3_ERROR)
    return error;

  switch (error->code)
    {
    case KS_S3_ERROR_NO_SUCH_UPLOAD:
      code = G_IO_ERROR_NOT_FOUND;
      break;
    case KS_S3_ERROR_INVALID_PART:
    case KS_S3_ERROR_INVALID_PART_ORDER:
      code = G_IO_ERROR_INVALID_DATA;
      break;
    case KS_S3_ERROR_ENTITY_TOO_SMALL:
    case KS_S3_ERROR_ENTITY_TOO_LARGE:
      code = G_IO_ERROR_INVALID_ARGUMENT;
      break;
    default:
      code = G_IO_ERROR_FAILED;
      break;
    }

  {
    GError *converted = g_error_new_literal (G_IO_ERROR, code, error->message);

    g_error_free (error);
    return converted;
  }
}

static void
complete_thread_cb (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  CompleteJob *job = task_data;
  GError      *error = NULL;
  g_autoptr (KsS3Meta) meta = NULL;

  if (job->bucket != NULL)
    {
      if (ks_server_bucket_complete_multipart (job->bucket, job->key, job->upload_id, job->parts,
                                               cancellable, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      return;
    }

  meta = ks_s3_upload_complete (job->store, job->upload_id, job->key, job->parts, &error);
  ks_s3_store_release_upload (job->store, job->upload_id);

  if (meta != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, complete_error (error));
}

/**
 * ks_s3_store_complete_multipart_async:
 * @parts: (array length=n_parts): every part, in order
 *
 * Completes a multipart upload from inside the server, exactly as a
 * CompleteMultipartUpload request would: the parts are checked, copied
 * into the object on a worker thread and committed like a PUT.
 */
void
ks_s3_store_complete_multipart_async (KsServer                *server,
                                      const char              *key,
                                      const char              *upload_id,
                                      const KsS3CompletedPart *parts,
                                      guint                    n_parts,
                                      GCancellable            *cancellable,
                                      GAsyncReadyCallback      callback,
                                      gpointer                 user_data)
{
  KsServerBucket *bucket = ks_server_get_bucket (server);
  KsS3Store      *store = ks_s3_store_get (server);
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  CompleteJob *job;

  g_return_if_fail ((store != NULL || bucket != NULL) && key != NULL && upload_id != NULL);
  g_return_if_fail (parts != NULL || n_parts == 0);

  task = g_task_new (server, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_s3_store_complete_multipart_async);

  if (!check_key (key, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (n_parts == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "An upload is completed from at least one part");
      return;
    }
  if (store != NULL && !ks_s3_store_claim_upload (store, upload_id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "This upload is being completed or aborted already");
      return;
    }

  job = g_new0 (CompleteJob, 1);
  if (bucket != NULL)
    job->bucket = g_object_ref (bucket);
  else
    job->store = ks_s3_store_ref (store);
  job->key = g_strdup (key);
  job->upload_id = g_strdup (upload_id);
  job->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_s3_complete_part_free);
  for (guint i = 0; i < n_parts; i++)
    {
      KsS3CompletePart *part = g_new0 (KsS3CompletePart, 1);

      part->part_number = parts[i].part_number;
      part->etag = g_strdup (parts[i].etag);
      g_ptr_array_add (job->parts, part);
    }

  g_task_set_task_data (task, job, (GDestroyNotify) complete_job_free);
  g_task_run_in_thread (task, complete_thread_cb);
}

/**
 * ks_s3_store_complete_multipart_finish:
 * @error: G_IO_ERROR_NOT_FOUND: no such upload (it may have been
 *   completed already); G_IO_ERROR_INVALID_DATA: a part is missing, its
 *   ETag differs, or the parts are out of order; G_IO_ERROR_INVALID_ARGUMENT:
 *   a part but the last is under 5 MiB, or the whole too large;
 *   G_IO_ERROR_BUSY: another request is completing or aborting it
 */
gboolean
ks_s3_store_complete_multipart_finish (KsServer     *server,
                                       GAsyncResult *result,
                                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, server), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Removes an upload and its parts; one that is not there is fine.
 * Blocks: call it from a worker thread. */
gboolean
ks_s3_store_abort_multipart (KsServer   *server,
                             const char *key,
                             const char *upload_id,
                             GError    **error)
{
  KsServerBucket *bucket = ks_server_get_bucket (server);
  KsS3Store      *store = ks_s3_store_get (server);
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail ((store != NULL || bucket != NULL) && key != NULL && upload_id != NULL, FALSE);

  if (!check_key (key, error))
    return FALSE;
  if (bucket != NULL)
    return ks_server_bucket_abort_multipart (bucket, key, upload_id, NULL, error);
  if (!ks_s3_store_claim_upload (store, upload_id))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           "This upload is being completed or aborted already");
      return FALSE;
    }

  ok = ks_s3_upload_abort (store, upload_id, key, &local_error);
  ks_s3_store_release_upload (store, upload_id);
  if (ok || g_error_matches (local_error, KS_S3_ERROR, KS_S3_ERROR_NO_SUCH_UPLOAD))
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * ks_s3_store_presign:
 * @options: (nullable): what else to bind into the signature
 *
 * For the built-in store, host and path prefix come from the server's
 * public URL, so the URL works for whoever reaches the server there; for
 * a bucket, the URL is the bucket's. Thread-safe.
 */
char *
ks_s3_store_presign (KsServer                 *server,
                     const char               *method,
                     const char               *key,
                     guint                     expires_seconds,
                     const KsS3PresignOptions *options)
{
  return ks_s3_store_presign_at (server, method, key, expires_seconds, options,
                                 g_get_real_time () / G_USEC_PER_SEC);
}

/* The same, signed at @now_unix. */
char *
ks_s3_store_presign_at (KsServer                 *server,
                        const char               *method,
                        const char               *key,
                        guint                     expires_seconds,
                        const KsS3PresignOptions *options,
                        gint64                    now_unix)
{
  KsServerBucket *bucket = ks_server_get_bucket (server);
  KsS3Store      *store = ks_s3_store_get (server);

  g_return_val_if_fail (store != NULL || bucket != NULL, NULL);

  if (bucket != NULL)
    return ks_server_bucket_presign (bucket, method, key, expires_seconds, options, now_unix);

  return ks_s3_presigner_sign (store->presigner, method, key, expires_seconds, options, now_unix);
}

guint
ks_s3_store_url_lifetime (KsServer *server,
                          guint     wanted,
                          gint64    now_unix)
{
  KsServerBucket *bucket = ks_server_get_bucket (server);

  return bucket != NULL ? ks_server_bucket_url_lifetime (bucket, wanted, now_unix) : wanted;
}
