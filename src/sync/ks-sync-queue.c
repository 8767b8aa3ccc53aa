/* ks-sync-queue.c: from a journal row to a photo on the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-backoff.h"
#include "ks-cloud-error.h"
#include "ks-image-info.h"
#include "ks-sync-engine-private.h"

/*
 * A job is one file on its way: hashed and thumbnailed on the pool
 * (journal HASHING), then waiting for an upload slot (QUEUED, in
 * self->ready), uploaded (UPLOADING), added to its album, DONE. The
 * journal's state is written before each step, so a crash anywhere
 * leaves a row that ks_sync_queue_reset_stale() puts back in the queue;
 * the server's dedupe by SHA-256 and the journal's resume records make
 * doing a step twice cost nothing.
 */

static KsSyncJob *
job_new (KsSyncEngine  *self,
         KsSyncFolder  *folder,
         KsJournalFile *file)
{
  KsSyncJob       *job = g_new0 (KsSyncJob, 1);
  g_autofree char *dir_name = g_strdup_printf ("%" G_GINT64_FORMAT, file->id);

  job->engine = g_object_ref (self);
  job->file_id = file->id;
  job->folder_id = file->folder_id;
  job->priority = file->priority;
  job->stat = file->stat;
  job->path = ks_sync_folder_file_path (folder, file->path);
  job->file = g_file_new_for_path (job->path);
  job->thumb_dir = g_file_new_build_filename (self->cache_dir, "thumbs", dir_name, NULL);
  job->sha256 = g_strdup (file->sha256);
  job->cancellable = g_cancellable_new ();
  job->rel_path = g_strdup (file->path);
  job->attempts = file->attempts;
  g_hash_table_insert (self->jobs, &job->file_id, job);
  return job;
}

static void
remove_thumbnails (KsSyncJob *job)
{
  g_autofree char *dir = g_file_get_path (job->thumb_dir);
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      g_unlink (child);
    }
  g_rmdir (dir);
}

static void
job_free (KsSyncJob *job)
{
  remove_thumbnails (job);
  g_clear_pointer (&job->thumbs, ks_thumbnails_free);
  g_object_unref (job->file);
  g_object_unref (job->thumb_dir);
  g_object_unref (job->cancellable);
  g_free (job->path);
  g_free (job->sha256);
  g_free (job->rel_path);
  g_free (job->photo_id);
  g_object_unref (job->engine);
  g_free (job);
}

/* The job leaves the engine; the journal says what comes next. */
void
ks_sync_job_finish (KsSyncJob *job)
{
  KsSyncEngine *self = job->engine;

  g_hash_table_remove (self->jobs, &job->file_id);
  g_queue_remove (&self->ready, job);
  g_ptr_array_remove (self->album_waiters, job);
  ks_sync_job_leave_album_add (job);
  ks_sync_job_release_slot (job);
  ks_sync_queue_pump (self);
  ks_sync_engine_queue_refresh (self);
  job_free (job);
}

/* Its bytes are sent (or it never started): the upload slot goes to the
 * next file, a copy of the same content may go on. The album add after
 * a commit is one small request, batched with others; holding a slot
 * through it left the line idle for a round trip a photo. */
void
ks_sync_job_release_slot (KsSyncJob *job)
{
  KsSyncEngine *self = job->engine;

  if (!job->uploading)
    return;
  job->uploading = FALSE;
  self->n_uploading--;
  g_hash_table_remove (self->busy_shas, job->sha256);
  ks_sync_queue_pump (self);
}

/* Back to where a later pump picks it up, unless something else (the
 * watcher) has changed the row meanwhile. */
void
ks_sync_job_revert_state (KsSyncJob *job)
{
  KsSyncEngine *self = job->engine;
  g_autoptr (KsJournalFile) file = ks_journal_get_file (self->journal, job->file_id, NULL);

  if (file != NULL && (file->state == KS_JOURNAL_FILE_HASHING || file->state == KS_JOURNAL_FILE_UPLOADING))
    ks_journal_set_state (self->journal, file->id,
                          file->sha256 != NULL ? KS_JOURNAL_FILE_QUEUED : KS_JOURNAL_FILE_NEW, NULL);
}

static void
arm_retry (KsSyncEngine *self,
           gint64        at);

static gboolean
retry_cb (gpointer user_data)
{
  KsSyncEngine *self = user_data;
  gint64        next;

  self->retry_id = 0;
  ks_sync_queue_pump (self);
  next = ks_sync_queue_next_retry (self);
  if (next > 0)
    arm_retry (self, next);
  return G_SOURCE_REMOVE;
}

static void
arm_retry (KsSyncEngine *self,
           gint64        at)
{
  gint64 delay_ms = MAX (0, (at - g_get_real_time ()) / 1000) + 1;

  if (self->retry_id != 0)
    return;
  self->retry_id = g_timeout_add ((guint) MIN (delay_ms, G_MAXUINT), retry_cb, self);
}

/* Doubling from the base, capped at 15 minutes; "equal jitter" so that
 * many files failing at once do not come back at once. */
static gint64
backoff_us (KsSyncEngine *self,
            int           attempts)
{
  guint64 ceiling = ks_backoff_ceiling ((guint64) self->retry_base_ms * 1000, (guint) MAX (attempts, 0),
                                        (guint64) 15 * 60 * G_USEC_PER_SEC);

  return (gint64) ks_backoff_equal_jitter (ceiling);
}

void
ks_sync_job_record_failure (KsSyncJob    *job,
                            const GError *error,
                            gboolean      transient)
{
  KsSyncEngine *self = job->engine;
  gint64        retry_at = 0;
  g_autoptr (GError) local_error = NULL;

  if (transient && (guint) job->attempts + 1 < self->max_attempts)
    retry_at = g_get_real_time () + backoff_us (self, job->attempts);
  if (!ks_journal_record_error (self->journal, job->file_id, error, retry_at, &local_error) &&
      !g_error_matches (local_error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND))
    g_warning ("Could not record an error of %s: %s", job->path, local_error->message);

  if (retry_at > 0)
    {
      g_debug ("%s: %s; again in %" G_GINT64_FORMAT " ms", job->path, error->message,
               (retry_at - g_get_real_time ()) / 1000);
      arm_retry (self, retry_at);
    }
  else
    {
      g_signal_emit (self, ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_FAILED], 0, job->path, error);
      ks_sync_engine_add_activity (self, KS_SYNC_ACTIVITY_FAILED, job->path, NULL, error->message);
    }
  ks_sync_job_finish (job);
}

/* The file is not what the job read: record what it is now. */
void
ks_sync_job_file_changed (KsSyncJob *job)
{
  KsSyncEngine *self = job->engine;
  g_autoptr (KsJournalFile) row = ks_journal_get_file (self->journal, job->file_id, NULL);
  GStatBuf buf;

  if (row != NULL && g_strcmp0 (row->path, job->rel_path) == 0 && g_lstat (job->path, &buf) == 0)
    {
      KsJournalStat st = { buf.st_size, (gint64) buf.st_mtim.tv_sec * G_USEC_PER_SEC + buf.st_mtim.tv_nsec / 1000,
                           buf.st_ino, buf.st_dev };

      ks_journal_upsert_file (self->journal, row->folder_id, row->path, &st, NULL, NULL, NULL);
    }
  ks_sync_job_revert_state (job);
  ks_sync_job_finish (job);
}

/* Missing at its path: gone (the watcher tells the journal), or renamed
 * (the journal already knows the new name). */
void
ks_sync_job_file_missing (KsSyncJob    *job,
                          const GError *error)
{
  KsSyncEngine *self = job->engine;
  g_autoptr (KsJournalFile) row = ks_journal_get_file (self->journal, job->file_id, NULL);

  if (row != NULL && g_strcmp0 (row->path, job->rel_path) == 0)
    {
      ks_sync_job_record_failure (job, error, TRUE);
      return;
    }
  ks_sync_job_revert_state (job);
  ks_sync_job_finish (job);
}

static void
hash_failed (KsSyncJob    *job,
             const GError *error)
{
  KsSyncEngine *self = job->engine;
  KsSyncFolder *folder = g_hash_table_lookup (self->folders, &job->folder_id);
  /* What the user dropped was meant to be a photo: say it is not. */
  gboolean dropped = folder != NULL && folder->root == NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      ks_sync_job_revert_state (job);
      ks_sync_job_finish (job);
    }
  else if (g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED))
    ks_sync_job_file_changed (job);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    ks_sync_job_file_missing (job, error);
  else if (g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CACHE))
    {
      /* Not the photo's fault: no attempt counted, and the others wait. */
      ks_sync_job_revert_state (job);
      ks_sync_job_finish (job);
      ks_sync_engine_wait_for_cache (self, error);
    }
  else if (g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_IMAGE) && !dropped &&
           !ks_image_info_name_has_image_extension (job->rel_path))
    {
      /* Notes, videos, sidecars: not ours, and not an error. */
      ks_journal_set_state (self->journal, job->file_id, KS_JOURNAL_FILE_SKIPPED, NULL);
      ks_sync_engine_add_activity (self, KS_SYNC_ACTIVITY_SKIPPED, job->path, NULL, error->message);
      ks_sync_job_finish (job);
    }
  else if (error->domain == KS_SYNC_ERROR)
    ks_sync_job_record_failure (job, error, FALSE);
  else
    ks_sync_job_record_failure (job, error, TRUE);
}

static void
enqueue_ready (KsSyncJob *job)
{
  KsSyncEngine *self = job->engine;
  GList        *l;

  job->stage = KS_SYNC_JOB_READY;
  for (l = self->ready.head; l != NULL; l = l->next)
    if (((KsSyncJob *) l->data)->priority < job->priority)
      break;
  if (l != NULL)
    g_queue_insert_before (&self->ready, l, job);
  else
    g_queue_push_tail (&self->ready, job);
  ks_sync_queue_pump (self);
}

static void
hash_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KsSyncJob    *job = user_data;
  KsSyncEngine *self = job->engine;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournalFile) row = NULL;

  self->n_hashing--;
  job->thumbs = ks_thumbnails_make_finish (result, &error);
  if (job->thumbs == NULL)
    {
      hash_failed (job, error);
      return;
    }
  self->cache_retry_delay_ms = 0;
  if (job->thumbs->size != job->stat.size || job->thumbs->mtime != job->stat.mtime)
    {
      ks_sync_job_file_changed (job);
      return;
    }
  if (!ks_journal_set_hashed (self->journal, job->file_id, &job->stat, job->thumbs->sha256,
                              KS_JOURNAL_FILE_QUEUED, &error))
    {
      if (!g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED) &&
          !g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND))
        ks_sync_engine_set_fatal (self, error);
      ks_sync_job_finish (job);
      return;
    }
  g_free (job->sha256);
  job->sha256 = g_strdup (job->thumbs->sha256);
  g_signal_emit (self, ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_PREPARED], 0, job->path, job->thumbs->grid,
                 job->thumbs->grid_sha256);

  /* The same bytes as the photo it already is (touched, restored). */
  row = ks_journal_get_file (self->journal, job->file_id, NULL);
  if (row == NULL || row->state == KS_JOURNAL_FILE_DONE)
    {
      ks_sync_job_finish (job);
      return;
    }
  /* The same bytes elsewhere (a copy, another folder) cost no upload
   * either: the server says so when asked, before any byte is sent, and
   * it alone knows whether that photo has since been deleted. */
  enqueue_ready (job);
}

static void
start_hash (KsSyncEngine *self,
            KsSyncJob    *job)
{
  g_autoptr (GError) error = NULL;

  if (!ks_journal_set_state (self->journal, job->file_id, KS_JOURNAL_FILE_HASHING, &error))
    {
      ks_sync_job_revert_state (job);
      ks_sync_job_finish (job);
      /* Gone from the journal meanwhile (its folder removed): nothing to
       * do. Otherwise the journal fails (its disk full): the engine
       * stops and says why, as for any other change it cannot record,
       * rather than take the same photo again at once, over and over. */
      if (!g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND))
        ks_sync_engine_set_fatal (self, error);
      return;
    }
  if (!g_file_make_directory_with_parents (job->thumb_dir, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_autoptr (GError) cache_error = NULL;

      /* Tried again for the next photo at once, it would fail the same
       * way, over and over. */
      ks_sync_error_set_cache (&cache_error, job->thumb_dir, error);
      ks_sync_job_revert_state (job);
      ks_sync_job_finish (job);
      ks_sync_engine_wait_for_cache (self, cache_error);
      return;
    }
  job->stage = KS_SYNC_JOB_HASHING;
  self->n_hashing++;
  ks_thumbnails_make_async (job->file, job->thumb_dir, G_PRIORITY_LOW, job->cancellable,
                            hash_done_cb, job);
}

/* ---- scheduling ---- */

static void
start_uploads (KsSyncEngine *self)
{
  GList *l = self->ready.head;

  while (l != NULL && self->n_uploading < KS_SYNC_PHOTOS_PER_SLOT * self->max_uploads)
    {
      KsSyncJob *job = l->data;
      GList     *next = l->next;

      /* A copy of what is being uploaded waits, then costs nothing. */
      if (!g_hash_table_contains (self->busy_shas, job->sha256))
        {
          g_queue_delete_link (&self->ready, l);
          ks_sync_job_start_upload (self, job);
        }
      l = next;
    }
}

static guint
start_files (KsSyncEngine      *self,
             KsJournalFileState state,
             guint              room)
{
  g_autoptr (GPtrArray) files = NULL;
  guint started = 0;

  files = ks_journal_next_files (self->journal, state, g_get_real_time (), room + g_hash_table_size (self->jobs),
                                 NULL);
  for (guint i = 0; files != NULL && i < files->len && started < room; i++)
    {
      KsJournalFile *file = g_ptr_array_index (files, i);
      KsSyncFolder  *folder = g_hash_table_lookup (self->folders, &file->folder_id);

      if (folder == NULL || g_hash_table_contains (self->jobs, &file->id))
        continue;
      start_hash (self, job_new (self, folder, file));
      started++;
    }
  g_clear_pointer (&files, g_ptr_array_unref);
  return started;
}

static void
start_hashing (KsSyncEngine *self)
{
  guint in_flight = self->n_hashing + self->ready.length + self->n_uploading;
  guint window = self->max_hashing + (KS_SYNC_PHOTOS_PER_SLOT + 1) * self->max_uploads;
  guint room;

  if (in_flight >= window || self->n_hashing >= self->max_hashing)
    return;
  room = MIN (window - in_flight, self->max_hashing - self->n_hashing);
  /* Hashed before a restart first: they are closest to done. */
  room -= start_files (self, KS_JOURNAL_FILE_QUEUED, room);
  if (room > 0)
    start_files (self, KS_JOURNAL_FILE_NEW, room);
}

static gboolean
pump_cb (gpointer user_data)
{
  KsSyncEngine *self = user_data;

  self->pump_id = 0;
  if (!self->started || ks_sync_power_pending (self))
    return G_SOURCE_REMOVE;
  if (ks_sync_engine_can_upload (self))
    start_uploads (self);
  /* On a low battery, decoding waits with the uploads it feeds. What is
   * hashed already still uploads while the cache is full: that frees
   * its thumbnails. */
  if (ks_sync_engine_can_hash (self) && !self->low_battery && !self->cache_full)
    start_hashing (self);
  ks_sync_engine_update_state (self);
  return G_SOURCE_REMOVE;
}

#define CACHE_RETRY_FIRST_MS 1000
#define CACHE_RETRY_MAX_MS (30 * 1000)

static gboolean
cache_retry_cb (gpointer user_data)
{
  KsSyncEngine *self = user_data;

  self->cache_retry_id = 0;
  self->cache_full = FALSE;
  ks_sync_engine_update_state (self);
  ks_sync_queue_pump (self);
  return G_SOURCE_REMOVE;
}

void
ks_sync_engine_wait_for_cache (KsSyncEngine *self,
                               const GError *error)
{
  if (self->cache_full || !self->started)
    return;
  g_debug ("Waiting for the cache: %s", error->message);
  self->cache_full = TRUE;
  ks_sync_engine_set_last_error (self, error->message);
  self->cache_retry_delay_ms = self->cache_retry_delay_ms == 0
                                   ? CACHE_RETRY_FIRST_MS
                                   : MIN (self->cache_retry_delay_ms * 2, CACHE_RETRY_MAX_MS);
  self->cache_retry_id = g_timeout_add (self->cache_retry_delay_ms, cache_retry_cb, self);
  ks_sync_engine_update_state (self);
  ks_sync_engine_complete_sync_tasks (self, error);
}

void
ks_sync_queue_pump (KsSyncEngine *self)
{
  if (self->pump_id == 0 && self->started)
    self->pump_id = g_idle_add (pump_cb, self);
}

gint64
ks_sync_queue_next_retry (KsSyncEngine *self)
{
  const KsJournalFileState states[] = { KS_JOURNAL_FILE_NEW, KS_JOURNAL_FILE_QUEUED };
  gint64                   now = g_get_real_time ();
  gint64                   next = 0;

  for (guint s = 0; s < G_N_ELEMENTS (states); s++)
    {
      g_autoptr (GPtrArray) files = ks_journal_next_files (self->journal, states[s], G_MAXINT64, 256, NULL);

      for (guint i = 0; files != NULL && i < files->len; i++)
        {
          KsJournalFile *file = g_ptr_array_index (files, i);

          if (file->next_attempt_at > now && (next == 0 || file->next_attempt_at < next))
            next = file->next_attempt_at;
        }
    }
  if (next > 0)
    arm_retry (self, next);
  return next;
}

static void
cancel_job (KsSyncJob *job)
{
  if (job->stage == KS_SYNC_JOB_READY || job->stage == KS_SYNC_JOB_ALBUM_WAIT)
    {
      ks_sync_job_revert_state (job);
      ks_sync_job_finish (job);
    }
  else
    g_cancellable_cancel (job->cancellable);
}

static void
cancel_where (KsSyncEngine *self,
              gint64        folder_id,
              gint64        file_id)
{
  g_autoptr (GList) jobs = g_hash_table_get_values (self->jobs);

  for (GList *l = jobs; l != NULL; l = l->next)
    {
      KsSyncJob *job = l->data;

      if ((folder_id == 0 || job->folder_id == folder_id) && (file_id == 0 || job->file_id == file_id))
        cancel_job (job);
    }
}

void
ks_sync_queue_cancel_folder (KsSyncEngine *self,
                             gint64        folder_id)
{
  cancel_where (self, folder_id, 0);
}

void
ks_sync_queue_cancel_file (KsSyncEngine *self,
                           gint64        file_id)
{
  cancel_where (self, 0, file_id);
}

void
ks_sync_queue_cancel_all (KsSyncEngine *self)
{
  cancel_where (self, 0, 0);
}

/* What a crash (or a paused folder) left HASHING or UPLOADING. */
void
ks_sync_queue_reset_stale (KsSyncEngine *self)
{
  const KsJournalFileState states[] = { KS_JOURNAL_FILE_HASHING, KS_JOURNAL_FILE_UPLOADING };

  for (guint s = 0; s < G_N_ELEMENTS (states); s++)
    {
      guint reset;

      do
        {
          g_autoptr (GPtrArray) files = ks_journal_next_files (self->journal, states[s], G_MAXINT64, 512, NULL);

          reset = 0;
          for (guint i = 0; files != NULL && i < files->len; i++)
            {
              KsJournalFile *file = g_ptr_array_index (files, i);

              if (g_hash_table_contains (self->jobs, &file->id))
                continue;
              ks_journal_set_state (self->journal, file->id,
                                    file->sha256 != NULL ? KS_JOURNAL_FILE_QUEUED : KS_JOURNAL_FILE_NEW, NULL);
              reset++;
            }
        }
      while (reset > 0);
    }
}
