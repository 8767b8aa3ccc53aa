/* ks-cache-fetch.c: opening a cached file, fetching an album's files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "ks-cache-private.h"
#include "ks-hash.h"

/* ---- one file, verified ---- */

typedef struct
{
  char           *photo_id;
  KsCacheFileKind kind;
  KsCacheBlob    *blob; /* set by the thread */
} FileData;

static void
file_data_free (FileData *data)
{
  g_free (data->photo_id);
  ks_cache_blob_free (data->blob);
  g_free (data);
}

/* Size first (cheap), then every byte: a file that does not hash to
 * what the server said is never handed out. */
static gboolean
verify (GFile        *file,
        KsCacheBlob  *blob,
        GCancellable *cancellable)
{
  g_autoptr (GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                                                  cancellable, NULL);
  g_autofree char *sha256 = NULL;
  guint64          size = 0;

  if (info == NULL || g_file_info_get_size (info) != blob->size)
    return FALSE;
  sha256 = ks_sha256_file (file, &size, cancellable, NULL);
  return sha256 != NULL && (gint64) size == blob->size && g_str_equal (sha256, blob->sha256);
}

static void
verify_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  KsCache  *self = source;
  FileData *data = task_data;
  g_autoptr (GFile) file = NULL;
  GError *error = NULL;

  ks_cache_db_touch_photo (self->db, data->photo_id, NULL);
  data->blob = ks_cache_db_get_blob (self->db, data->photo_id, data->kind, &error);
  if (data->blob == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  file = ks_cache_dup_file_path (self, data->photo_id, data->kind);
  if (verify (file, data->blob, cancellable))
    {
      ks_cache_db_set_blob_state (self->db, data->photo_id, data->kind, data->blob->sha256, "present", NULL);
      g_task_return_pointer (task, g_steal_pointer (&file), g_object_unref);
      return;
    }
  if (g_file_query_exists (file, NULL))
    g_debug ("Cache: %s is damaged; fetching it again", g_file_peek_path (file));
  if (!g_file_delete (file, NULL, &error) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_debug ("Could not remove %s: %s", g_file_peek_path (file), error->message);
  g_clear_error (&error);
  ks_cache_db_set_blob_state (self->db, data->photo_id, data->kind, NULL, "missing", NULL);
  g_task_return_pointer (task, NULL, NULL);
}

static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCache  *self = KS_CACHE (source);
  FileData *data = g_task_get_task_data (task);
  GError   *error = NULL;
  GFile    *file;

  file = g_task_propagate_pointer (G_TASK (result), &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (file != NULL)
    {
      g_task_return_pointer (task, file, g_object_unref);
      return;
    }
  if (self->soup == NULL || self->offline)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK,
                               _ ("The file is not in the cache and the server cannot be reached"));
      return;
    }
  ks_cache_start_job (self, g_steal_pointer (&data->blob), FALSE, task);
}

void
ks_cache_get_file_async (KsCache            *self,
                         const char         *photo_id,
                         KsCacheFileKind     kind,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GTask) verify_task = NULL;
  FileData *data;

  g_return_if_fail (KS_IS_CACHE (self));
  g_return_if_fail (photo_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cache_get_file_async);
  data = g_new0 (FileData, 1);
  data->photo_id = g_strdup (photo_id);
  data->kind = kind;
  g_task_set_task_data (task, data, (GDestroyNotify) file_data_free);

  verify_task = g_task_new (self, cancellable, verified_cb, g_steal_pointer (&task));
  g_task_set_task_data (verify_task, data, NULL);
  g_task_run_in_thread (verify_task, verify_thread);
}

GFile *
ks_cache_get_file_finish (KsCache      *self,
                          GAsyncResult *result,
                          GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_cache_get_file_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- every file of one album ---- */

typedef struct
{
  char       *album_id;
  GHashTable *tried; /* keys of files fetched (or tried) by this call */
  guint       pending;
  guint       failed;
  GError     *stop; /* offline, or the database failed: start nothing more */
  gboolean    done;
} AlbumData;

static void
album_data_free (AlbumData *data)
{
  g_free (data->album_id);
  g_hash_table_unref (data->tried);
  g_clear_error (&data->stop);
  g_free (data);
}

static void album_next (GTask *task);

static void
album_file_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  AlbumData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = g_task_propagate_pointer (G_TASK (result), &error);

  data->pending--;
  if (file == NULL)
    {
      g_debug ("Cache: album file failed: %s", error->message);
      data->failed++;
      if (ks_cache_error_is_offline (error) && data->stop == NULL)
        data->stop = g_steal_pointer (&error);
    }
  album_next (task);
}

static void
album_start_more (GTask *task)
{
  KsCache   *self = g_task_get_source_object (task);
  AlbumData *data = g_task_get_task_data (task);
  g_autoptr (GPtrArray) blobs = NULL;

  blobs = ks_cache_db_next_blobs (self->db, data->album_id, data->tried, self->concurrency, &data->stop);
  for (guint i = 0; blobs != NULL && i < blobs->len && data->pending < self->concurrency; i++)
    {
      KsCacheBlob *blob = g_ptr_array_index (blobs, i);
      g_autoptr (GTask) file_task = g_task_new (self, g_task_get_cancellable (task), album_file_cb,
                                                g_object_ref (task));
      char *key = g_strconcat (blob->photo_id, "/", ks_cache_file_kind_to_string (blob->kind), NULL);

      g_hash_table_add (data->tried, key);
      data->pending++;
      g_task_set_source_tag (file_task, ks_cache_get_file_async);
      ks_cache_start_job (self, g_steal_pointer (&blobs->pdata[i]), FALSE, file_task);
    }
}

/* A window of fetches as wide as the background's; a file that fails
 * counts once and is not tried again in this call. */
static void
album_next (GTask *task)
{
  AlbumData    *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (data->done)
    return;
  if (data->stop == NULL && !g_cancellable_is_cancelled (cancellable))
    album_start_more (task);
  if (data->pending > 0)
    return;

  data->done = TRUE;
  if (g_task_return_error_if_cancelled (task))
    return;
  if (data->stop != NULL)
    g_task_return_error (task, g_error_copy (data->stop));
  else
    g_task_return_boolean (task, TRUE);
}

void
ks_cache_download_album_async (KsCache            *self,
                               const char         *album_id,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  AlbumData *data;

  g_return_if_fail (KS_IS_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cache_download_album_async);
  data = g_new0 (AlbumData, 1);
  data->album_id = g_strdup (album_id);
  data->tried = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) album_data_free);
  album_next (task);
}

gboolean
ks_cache_download_album_finish (KsCache      *self,
                                GAsyncResult *result,
                                guint        *out_failed,
                                GError      **error)
{
  AlbumData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  data = g_task_get_task_data (G_TASK (result));
  if (out_failed != NULL)
    *out_failed = data->failed;
  return g_task_propagate_boolean (G_TASK (result), error);
}
