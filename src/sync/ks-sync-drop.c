/* ks-sync-drop.c: files dropped on the window or an album
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Where each file goes is decided on the main thread (string work:
 * its watched folder, or the album's drop record); the files are looked
 * at and written to the journal on a worker, since a folder of
 * thousands of photos costs seconds of stat() and inserts. The worker's
 * transactions end every few milliseconds and let the main thread in,
 * which may be waiting to record an upload.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-sync-engine-private.h"

typedef struct
{
  char         *path; /* canonical, or the URI of a file elsewhere */
  gint64        folder_id;
  gsize         rel; /* where in path the folder's relative path starts */
  KsJournalStat stat;
  GError       *error;   /* owned, nullable: why the file is not queued */
  gboolean      skipped; /* known not to be a photo */
} Drop;

typedef struct
{
  KsJournal *journal; /* owned */
  GArray    *drops;   /* Drop, owned */
  int        priority;
  GTask     *caller; /* owned: completed once the signals are out */
} DropJob;

static void
drop_clear (Drop *drop)
{
  g_free (drop->path);
  g_clear_error (&drop->error);
}

static void
drop_job_free (DropJob *job)
{
  g_object_unref (job->journal);
  g_array_unref (job->drops);
  g_clear_object (&job->caller);
  g_free (job);
}

/* The drop record of @album_id (nullable), made on first use. */
static KsSyncFolder *
drop_record (KsSyncEngine *self,
             const char   *album_id,
             GError      **error)
{
  g_autofree char *drop_path = g_strconcat (KS_SYNC_DROP_PREFIX, album_id != NULL ? album_id : "", NULL);
  g_autoptr (KsJournalFolder) record = NULL;
  KsSyncFolder *folder;
  gint64        id;

  record = ks_journal_find_folder (self->journal, drop_path, error);
  if (record == NULL)
    {
      if (error != NULL && *error != NULL)
        return NULL;
      id = ks_journal_add_folder (self->journal, drop_path, album_id, error);
      if (id == 0 || (record = ks_journal_get_folder (self->journal, id, error)) == NULL)
        return NULL;
    }
  folder = g_hash_table_lookup (self->folders, &record->id);
  return folder != NULL ? folder : ks_sync_engine_add_record (self, record);
}

/* The watched folder holding @path when its photos go where the drop
 * says (and it is not paused), else NULL. */
static KsSyncFolder *
watched_folder_for (KsSyncEngine *self,
                    const char   *path,
                    const char   *album_id)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->folders);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      KsSyncFolder *folder = value;
      gsize         len = strlen (folder->path);

      if (folder->root == NULL || strncmp (path, folder->path, len) != 0 || path[len] != '/')
        continue;
      if (folder->paused || (album_id != NULL && g_strcmp0 (folder->album_id, album_id) != 0))
        return NULL;
      return folder;
    }
  return NULL;
}

/* Where @file goes, on the main thread: its watched folder, or the drop
 * record (made on first use, in @record). drop->path names the file
 * either way, as the signals do. */
static void
drop_prepare (KsSyncEngine  *self,
              GFile         *file,
              const char    *album_id,
              KsSyncFolder **record,
              Drop          *drop)
{
  g_autofree char *path = g_file_get_path (file);
  KsSyncFolder    *folder;

  if (path == NULL)
    {
      drop->path = g_file_get_uri (file);
      g_set_error (&drop->error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _ ("%s is not a file on this computer."),
                   drop->path);
      return;
    }
  drop->path = g_canonicalize_filename (path, NULL);
  folder = watched_folder_for (self, drop->path, album_id);
  if (folder != NULL)
    {
      drop->folder_id = folder->id;
      drop->rel = strlen (folder->path) + 1;
      return;
    }
  if (*record == NULL)
    *record = drop_record (self, album_id, &drop->error);
  if (*record != NULL)
    {
      drop->folder_id = (*record)->id;
      drop->rel = 1;
    }
}

/* A file dropped again, in the drop's transaction. Uploaded before:
 * through the queue again, which asks the server (the photo may have
 * been deleted, or purged, since), restores it and adds it to the
 * album. Failed: another try. */
static gboolean
drop_requeue (KsJournal *journal,
              Drop      *drop,
              gint64     file_id,
              GError   **error)
{
  g_autoptr (KsJournalFile) row = ks_journal_get_file (journal, file_id, error);

  if (row == NULL)
    return FALSE;
  switch (row->state)
    {
    case KS_JOURNAL_FILE_DONE:
      return ks_journal_forget_photo (journal, row->id, error);
    case KS_JOURNAL_FILE_FAILED:
      return ks_journal_retry (journal, row->id, NULL, error);
    case KS_JOURNAL_FILE_SKIPPED:
      drop->skipped = TRUE;
      return TRUE;
    case KS_JOURNAL_FILE_NEW:
    case KS_JOURNAL_FILE_SETTLING:
    case KS_JOURNAL_FILE_HASHING:
    case KS_JOURNAL_FILE_QUEUED:
    case KS_JOURNAL_FILE_UPLOADING:
    case KS_JOURNAL_N_FILE_STATES:
    default:
      return TRUE;
    }
}

/* FALSE when @drop is no regular file here. */
static gboolean
drop_stat (Drop *drop)
{
  GStatBuf buf;

  if (g_stat (drop->path, &buf) != 0 || !S_ISREG (buf.st_mode))
    {
      g_set_error (&drop->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _ ("%s is not a file."), drop->path);
      return FALSE;
    }
  drop->stat = (KsJournalStat){ buf.st_size, (gint64) buf.st_mtim.tv_sec * G_USEC_PER_SEC + buf.st_mtim.tv_nsec / 1000,
                                buf.st_ino, buf.st_dev };
  return TRUE;
}

static gboolean
drop_journal (KsJournal *journal,
              Drop      *drop,
              int        priority,
              GError   **error)
{
  gint64 file_id = 0;

  return ks_journal_upsert_file (journal, drop->folder_id, drop->path + drop->rel, &drop->stat, NULL, &file_id,
                                 error) &&
         ks_journal_set_priority (journal, file_id, priority, error) &&
         drop_requeue (journal, drop, file_id, error);
}

/* Every drop from @from on that is still going gets @error. */
static void
drop_fail_rest (GArray       *drops,
                guint         from,
                const GError *error)
{
  for (guint i = from; i < drops->len; i++)
    {
      Drop *drop = &g_array_index (drops, Drop, i);

      if (drop->error == NULL)
        drop->error = g_error_copy (error);
    }
}

static void
drop_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  DropJob *job = task_data;
  GError  *error = NULL;
  guint    uncommitted = 0; /* the first drop since the last COMMIT */

  if (g_cancellable_set_error_if_cancelled (cancellable, &error) || !ks_journal_begin (job->journal, &error))
    goto failed;
  for (guint i = 0; i < job->drops->len; i++)
    {
      Drop    *drop = &g_array_index (job->drops, Drop, i);
      gboolean yielded, ok;

      ok = ks_journal_yield (job->journal, &yielded, &error);
      if (yielded)
        uncommitted = i;
      if (!ok)
        goto failed;
      /* Given up on: what is written stays, the rest is not written. */
      if (yielded && g_cancellable_set_error_if_cancelled (cancellable, &error))
        {
          ks_journal_rollback (job->journal);
          goto failed;
        }
      if (drop->error != NULL || !drop_stat (drop))
        continue;
      if (!drop_journal (job->journal, drop, job->priority, &error))
        {
          ks_journal_rollback (job->journal);
          goto failed;
        }
    }
  if (!ks_journal_commit (job->journal, &error))
    goto failed;
  g_task_return_boolean (task, TRUE);
  return;

failed:
  drop_fail_rest (job->drops, uncommitted, error);
  g_task_return_error (task, error);
}

static void
drop_journaled_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  KsSyncEngine *self = KS_SYNC_ENGINE (source);
  DropJob      *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GTask) caller = g_steal_pointer (&job->caller);
  g_autoptr (GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  for (guint i = 0; i < job->drops->len; i++)
    {
      Drop *drop = &g_array_index (job->drops, Drop, i);

      if (drop->error != NULL && !g_error_matches (drop->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_FAILED], 0, drop->path, drop->error);
      else if (drop->error == NULL && drop->skipped)
        {
          g_autofree char *name = g_filename_display_basename (drop->path);
          g_autoptr (GError) not_image = g_error_new (KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_IMAGE,
                                                      _ ("“%s” is not a photo"), name);

          g_signal_emit (self, ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_FAILED], 0, drop->path, not_image);
        }
    }
  ks_sync_queue_pump (self);
  ks_sync_engine_queue_refresh (self);

  if (error != NULL)
    g_task_return_error (caller, g_steal_pointer (&error));
  else
    g_task_return_boolean (caller, TRUE);
}

void
ks_sync_engine_upload_files_async (KsSyncEngine       *self,
                                   GList              *files,
                                   const char         *album_id,
                                   int                 priority,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  KsSyncFolder *record = NULL;
  DropJob      *job;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));

  job = g_new0 (DropJob, 1);
  job->journal = g_object_ref (self->journal);
  job->priority = priority;
  job->drops = g_array_sized_new (FALSE, TRUE, sizeof (Drop), g_list_length (files));
  g_array_set_clear_func (job->drops, (GDestroyNotify) drop_clear);
  for (GList *l = files; l != NULL; l = l->next)
    {
      Drop drop = { 0 };

      drop_prepare (self, l->data, album_id, &record, &drop);
      g_array_append_val (job->drops, drop);
    }

  job->caller = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->caller, ks_sync_engine_upload_files_async);
  task = g_task_new (self, cancellable, drop_journaled_cb, NULL);
  g_task_set_source_tag (task, ks_sync_engine_upload_files_async);
  g_task_set_name (task, "[ks] drop");
  /* The signals are emitted even when the caller gave up. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) drop_job_free);
  g_task_run_in_thread (task, drop_thread);
}

gboolean
ks_sync_engine_upload_files_finish (KsSyncEngine *self,
                                    GAsyncResult *result,
                                    GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, ks_sync_engine_upload_files_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- what is still on its way ---- */

void
ks_sync_dropped_free (KsSyncDropped *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->album_id);
  g_free (self);
}

static void
list_dropped_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GError    *error = NULL;
  GPtrArray *rows = ks_journal_list_unfinished (task_data, KS_SYNC_PRIORITY_USER, &error);

  if (rows == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

void
ks_sync_engine_list_dropped_async (KsSyncEngine       *self,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_sync_engine_list_dropped_async);
  g_task_set_name (task, "[ks] list dropped");
  g_task_set_task_data (task, g_object_ref (self->journal), g_object_unref);
  g_task_run_in_thread (task, list_dropped_thread);
}

/* Rows to paths, on the thread of the engine's folders. */
GPtrArray *
ks_sync_engine_list_dropped_finish (KsSyncEngine *self,
                                    GAsyncResult *result,
                                    GError      **error)
{
  g_autoptr (GPtrArray) rows = NULL;
  GPtrArray *dropped;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, ks_sync_engine_list_dropped_async), NULL);

  rows = g_task_propagate_pointer (G_TASK (result), error);
  if (rows == NULL)
    return NULL;

  dropped = g_ptr_array_new_full (rows->len, (GDestroyNotify) ks_sync_dropped_free);
  for (guint i = 0; i < rows->len; i++)
    {
      KsJournalFile *row = g_ptr_array_index (rows, i);
      KsSyncFolder  *folder = g_hash_table_lookup (self->folders, &row->folder_id);
      KsSyncDropped *file;

      if (folder == NULL) /* removed since */
        continue;
      file = g_new0 (KsSyncDropped, 1);
      file->path = ks_sync_folder_file_path (folder, row->path);
      file->album_id = g_strdup (folder->album_id);
      g_ptr_array_add (dropped, file);
    }
  return dropped;
}
