/* ks-sync-upload.c: a hashed file to the server and into its album
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cloud-error.h"
#include "ks-sync-engine-private.h"

static void
mark_done (KsSyncJob *job)
{
  KsSyncEngine *self = job->engine;
  g_autoptr (GError) error = NULL;

  if (!ks_journal_set_done (self->journal, job->file_id, job->sha256, job->photo_id, &error))
    {
      /* Changed meanwhile: its new content is queued already. Gone: the
       * cloud keeps the photo anyway. */
      if (!g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED) &&
          !g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND))
        ks_sync_engine_set_fatal (self, error);
      ks_sync_job_finish (job);
      return;
    }
  g_signal_emit (self, ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_DONE], 0, job->path, job->photo_id,
                 job->existed);
  ks_sync_engine_add_activity (self, job->existed ? KS_SYNC_ACTIVITY_EXISTED : KS_SYNC_ACTIVITY_UPLOADED,
                               job->path, job->photo_id, NULL);
  ks_sync_job_finish (job);
}

static void
upload_failed (KsSyncJob    *job,
               const GError *error)
{
  KsSyncEngine *self = job->engine;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      ks_sync_job_revert_state (job);
      ks_sync_job_finish (job);
    }
  else if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK))
    {
      /* Not the file's fault: no attempt counted. */
      ks_sync_job_revert_state (job);
      ks_sync_engine_go_offline (self, error);
      ks_sync_job_finish (job);
    }
  else if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN) ||
           g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_UNAUTHORIZED))
    {
      ks_sync_job_revert_state (job);
      ks_sync_engine_set_fatal (self, error);
      ks_sync_job_finish (job);
    }
  else if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FILE_CHANGED))
    ks_sync_job_file_changed (job);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    ks_sync_job_file_missing (job, error);
  else
    ks_sync_job_record_failure (job, error, ks_cloud_error_is_transient (error) || error->domain == G_IO_ERROR);
}

/* ---- Album adds ---- */

/*
 * One request at a time an album: the photos that are ready meanwhile go
 * together in the next, so a burst of uploads costs a request every few
 * photos instead of one each, and a single photo waits for nothing.
 */
#define ALBUM_ADD_MAX 100

typedef struct
{
  KsSyncEngine *engine; /* owned */
  char         *album_id;
  GArray       *file_ids; /* of gint64: the jobs in this request */
} AlbumAdd;

static void album_add_next (KsSyncEngine *self,
                            const char   *album_id);

/* ---- An edit replaces its old version in the album ---- */

/*
 * An edited file is a new photo. Once that is in the album, the photo
 * it replaces leaves the album, so the album shows the newest version;
 * the old one stays in the library, where it can be added back. It
 * stays in the album too while another file (a copy, in any folder
 * feeding this album) still is that photo. A file edited again while a
 * version is being uploaded: that version still takes the old one's
 * place, and the journal keeps it as the photo the next one replaces.
 */
typedef struct
{
  KsSyncEngine *engine; /* owned */
  gint64        file_id;
} ReplacedRemove;

static gboolean
replaced_photo_in_use (KsSyncEngine *self,
                       gint64        file_id,
                       const char   *photo_id,
                       const char   *album_id)
{
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer       value;

  files = ks_journal_list_files_of_photo (self->journal, photo_id, &error);
  if (files == NULL)
    {
      g_debug ("Keeping photo %s in album %s: %s", photo_id, album_id, error->message);
      return TRUE;
    }
  for (guint i = 0; i < files->len; i++)
    {
      KsJournalFile *file = files->pdata[i];
      KsSyncFolder  *folder = g_hash_table_lookup (self->folders, &file->folder_id);

      if (file->id != file_id && (folder == NULL || g_strcmp0 (folder->album_id, album_id) == 0))
        return TRUE;
    }

  /* A copy being uploaded has the photo's id before the journal does. */
  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((KsSyncJob *) value)->file_id != file_id && g_strcmp0 (((KsSyncJob *) value)->photo_id, photo_id) == 0)
      return TRUE;
  return FALSE;
}

static void
replaced_removed_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ReplacedRemove *remove = user_data;
  KsSyncJob      *job = g_hash_table_lookup (remove->engine->jobs, &remove->file_id);
  g_autoptr (GError) error = NULL;

  ks_api_client_remove_album_photo_finish (KS_API_CLIENT (source), result, &error);
  if (job != NULL && job->stage == KS_SYNC_JOB_ALBUM_ADD)
    {
      /* Offline or a passing failure: the upload runs again (the photo
       * is there already) and so does this. Anything else (no longer
       * in the album, not ours to remove) leaves the album as it is. */
      if (error != NULL &&
          (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK) || ks_cloud_error_is_transient (error) ||
           g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN) ||
           g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_UNAUTHORIZED)))
        upload_failed (job, error);
      else
        {
          if (error != NULL)
            g_debug ("The version %s replaces stays in its album: %s", job->path, error->message);
          mark_done (job);
        }
    }
  g_object_unref (remove->engine);
  g_free (remove);
}

/* TRUE if @job's photo replaces another, which is leaving @album_id:
 * the job is done when it has. */
static gboolean
remove_replaced (KsSyncJob  *job,
                 const char *album_id)
{
  KsSyncEngine *self = job->engine;
  g_autoptr (KsJournalFile) file = ks_journal_get_file (self->journal, job->file_id, NULL);
  ReplacedRemove *remove;

  if (file == NULL || file->replaces_photo_id == NULL || g_strcmp0 (file->replaces_photo_id, job->photo_id) == 0 ||
      g_strcmp0 (file->sha256 != NULL ? file->sha256 : file->prev_sha256, job->sha256) != 0 ||
      replaced_photo_in_use (self, job->file_id, file->replaces_photo_id, album_id))
    return FALSE;

  remove = g_new0 (ReplacedRemove, 1);
  remove->engine = g_object_ref (self);
  remove->file_id = job->file_id;
  ks_api_client_remove_album_photo_async (self->api, album_id, file->replaces_photo_id, NULL, replaced_removed_cb,
                                          remove);
  return TRUE;
}

static void
album_add_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AlbumAdd     *add = user_data;
  KsSyncEngine *self = add->engine;
  g_autoptr (GError) error = NULL;

  ks_api_client_add_album_photos_finish (KS_API_CLIENT (source), result, NULL, NULL, &error);
  g_hash_table_remove (self->albums_adding, add->album_id);

  /* By id: a job may have gone meanwhile. */
  for (guint i = 0; i < add->file_ids->len; i++)
    {
      KsSyncJob *job = g_hash_table_lookup (self->jobs, &g_array_index (add->file_ids, gint64, i));

      if (job == NULL || job->stage != KS_SYNC_JOB_ALBUM_ADD)
        continue;
      if (error != NULL)
        upload_failed (job, error);
      else if (!remove_replaced (job, add->album_id))
        mark_done (job);
    }

  album_add_next (self, add->album_id);
  g_object_unref (add->engine);
  g_free (add->album_id);
  g_array_unref (add->file_ids);
  g_free (add);
}

static void
album_add_next (KsSyncEngine *self,
                const char   *album_id)
{
  GPtrArray *waiting = g_hash_table_lookup (self->album_adds, album_id);
  g_autoptr (GPtrArray) ids = NULL;
  AlbumAdd *add;
  guint     n;

  if (waiting == NULL || g_hash_table_contains (self->albums_adding, album_id))
    return;

  n = MIN (waiting->len, ALBUM_ADD_MAX);
  add = g_new0 (AlbumAdd, 1);
  add->engine = g_object_ref (self);
  add->album_id = g_strdup (album_id);
  add->file_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  ids = g_ptr_array_new_full (n + 1, g_free);
  for (guint i = 0; i < n; i++)
    {
      KsSyncJob *job = g_ptr_array_index (waiting, i);

      g_array_append_val (add->file_ids, job->file_id);
      g_ptr_array_add (ids, g_strdup (job->photo_id));
    }
  g_ptr_array_add (ids, NULL);
  g_ptr_array_remove_range (waiting, 0, n);
  if (waiting->len == 0)
    g_hash_table_remove (self->album_adds, album_id);

  g_hash_table_add (self->albums_adding, g_strdup (album_id));
  /* Not any one job's cancellable: the others are in it too. A job
   * cancelled meanwhile is done once its photo is in the album. */
  ks_api_client_add_album_photos_async (self->api, album_id, (const char *const *) ids->pdata, NULL,
                                        album_add_cb, add);
}

/* Takes @job out of an album add not yet sent. */
void
ks_sync_job_leave_album_add (KsSyncJob *job)
{
  KsSyncEngine  *self = job->engine;
  GHashTableIter iter;
  gpointer       waiting;

  if (job->stage != KS_SYNC_JOB_ALBUM_ADD)
    return;
  g_hash_table_iter_init (&iter, self->album_adds);
  while (g_hash_table_iter_next (&iter, NULL, &waiting))
    if (g_ptr_array_remove (waiting, job))
      {
        if (((GPtrArray *) waiting)->len == 0)
          g_hash_table_iter_remove (&iter);
        return;
      }
}

void
ks_sync_queue_album_ready (KsSyncJob    *job,
                           const char   *album_id,
                           const GError *error)
{
  KsSyncEngine *self = job->engine;
  GPtrArray    *waiting;

  if (error != NULL)
    upload_failed (job, error);
  else if (album_id == NULL || job->deleted)
    mark_done (job);
  else
    {
      job->stage = KS_SYNC_JOB_ALBUM_ADD;
      waiting = g_hash_table_lookup (self->album_adds, album_id);
      if (waiting == NULL)
        {
          waiting = g_ptr_array_new ();
          g_hash_table_insert (self->album_adds, g_strdup (album_id), waiting);
        }
      g_ptr_array_add (waiting, job);
      album_add_next (self, album_id);
    }
}

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  KsSyncJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsPhoto) photo = ks_api_client_restore_photo_finish (KS_API_CLIENT (source), result, &error);

  if (photo == NULL)
    {
      upload_failed (job, error);
      return;
    }
  job->deleted = FALSE;
  job->stage = KS_SYNC_JOB_ALBUM_WAIT;
  ks_sync_album_resolve (job->engine, job);
}

static void
upload_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KsSyncJob *job = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsPhoto) photo = ks_uploader_upload_photo_finish (KS_UPLOADER (source), result, &job->existed,
                                                               &error);

  if (photo == NULL)
    {
      upload_failed (job, error);
      return;
    }
  ks_sync_job_release_slot (job);
  job->photo_id = g_strdup (photo->id);
  job->deleted = photo->deleted_at != NULL;
  /* Deleted by the user: a watched folder leaves it so, but a file
   * dropped by hand is asked for again. */
  if (job->deleted && job->priority >= KS_SYNC_PRIORITY_USER)
    {
      ks_api_client_restore_photo_async (job->engine->api, job->photo_id, job->cancellable, restored_cb, job);
      return;
    }
  job->stage = KS_SYNC_JOB_ALBUM_WAIT;
  ks_sync_album_resolve (job->engine, job);
}

static void
progress_cb (goffset  done,
             goffset  total,
             gpointer user_data)
{
  KsSyncJob    *job = user_data;
  KsSyncEngine *self = job->engine;

  self->bytes_total += total - job->bytes_total;
  job->bytes_total = total;
  self->bytes_done += done - job->bytes_done;
  job->bytes_done = done;
  g_signal_emit (self, ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_PROGRESS], 0, job->path, (guint64) done,
                 (guint64) total);
  ks_sync_engine_queue_refresh (self);
}

/* The server wants RFC 3339 with an offset; EXIF often has none, and
 * then the camera's clock was, as far as anyone knows, local time. */
static char *
normalize_taken_at (const char *text)
{
  g_autoptr (GDateTime) with_offset = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autoptr (GTimeZone) tz = NULL;

  if (text == NULL)
    return NULL;
  with_offset = g_date_time_new_from_iso8601 (text, NULL);
  if (with_offset != NULL)
    return g_strdup (text);
  tz = g_time_zone_new_local ();
  local = g_date_time_new_from_iso8601 (text, tz);
  return local != NULL ? g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

static KsPrepareRequest *
prepare_request_new (KsSyncJob *job)
{
  KsThumbnails     *thumbs = job->thumbs;
  KsPrepareRequest *request = ks_prepare_request_new ();

  request->sha256 = g_strdup (thumbs->sha256);
  request->size = thumbs->size;
  request->content_type = g_strdup (thumbs->info->content_type);
  request->file_name = g_path_get_basename (job->path);
  request->taken_at = normalize_taken_at (thumbs->info->taken_at);
  request->width = thumbs->info->width;
  request->height = thumbs->info->height;
  if (thumbs->grid != NULL)
    g_ptr_array_add (request->thumbnails, ks_thumbnail_info_new ("grid", thumbs->grid_size, thumbs->grid_sha256));
  if (thumbs->preview != NULL)
    g_ptr_array_add (request->thumbnails, ks_thumbnail_info_new ("preview", thumbs->preview_size, thumbs->preview_sha256));
  return request;
}

void
ks_sync_job_start_upload (KsSyncEngine *self,
                          KsSyncJob    *job)
{
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (GError) error = NULL;

  if (!ks_journal_set_state (self->journal, job->file_id, KS_JOURNAL_FILE_UPLOADING, &error))
    {
      ks_sync_job_finish (job);
      return;
    }
  job->stage = KS_SYNC_JOB_UPLOADING;
  job->uploading = TRUE;
  self->n_uploading++;
  g_hash_table_add (self->busy_shas, job->sha256);
  request = prepare_request_new (job);
  ks_uploader_upload_photo_async (self->uploader, job->file, request, job->thumbs->grid,
                                  job->thumbs->preview, progress_cb, job, job->cancellable,
                                  upload_done_cb, job);
}
