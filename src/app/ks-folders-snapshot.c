/* ks-folders-snapshot.c: what the journal says about watched folders, read off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-folders-snapshot.h"

#define MAX_ERRORS 400
#define MAX_FAILURES 50

static void
folder_info_free (KsFolderInfo *info)
{
  g_free (info->path);
  g_free (info->album_value);
  g_free (info->pause_reason);
  g_free (info);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsFolderInfo, folder_info_free)

static void
folder_failure_free (KsFolderFailure *failure)
{
  g_free (failure->path);
  g_free (failure->message);
  g_free (failure);
}

void
ks_folders_snapshot_free (KsFoldersSnapshot *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->folders, g_ptr_array_unref);
  g_clear_pointer (&self->failures, g_ptr_array_unref);
  g_free (self);
}

gboolean
ks_folders_snapshot_covers (const KsFoldersSnapshot *self,
                            const char              *path)
{
  g_return_val_if_fail (path != NULL, FALSE);

  for (guint i = 0; self != NULL && i < self->folders->len; i++)
    {
      const KsFolderInfo *info = g_ptr_array_index (self->folders, i);
      gsize               len = strlen (info->path);

      if (strncmp (path, info->path, len) == 0 && (path[len] == '\0' || path[len] == '/'))
        return TRUE;
    }
  return FALSE;
}

/* ---- on the worker ---- */

static KsFolderInfo *
read_folder (KsJournal       *journal,
             KsJournalFolder *record,
             GError         **error)
{
  g_autoptr (KsFolderInfo) info = g_new0 (KsFolderInfo, 1);
  guint64     counts[KS_JOURNAL_N_FILE_STATES] = { 0 };
  const char *value = NULL;

  if (!ks_journal_count_states (journal, record->id, counts, error))
    return NULL;
  info->id = record->id;
  info->path = g_strdup (record->path);
  info->album = ks_sync_folder_get_album (record, &value);
  info->album_value = g_strdup (value);
  info->paused = record->paused;
  info->pause_reason = g_strdup (record->pause_reason);
  info->missing = !g_file_test (record->path, G_FILE_TEST_IS_DIR);
  info->done = counts[KS_JOURNAL_FILE_DONE];
  info->waiting = counts[KS_JOURNAL_FILE_NEW] + counts[KS_JOURNAL_FILE_SETTLING] +
                  counts[KS_JOURNAL_FILE_HASHING] + counts[KS_JOURNAL_FILE_QUEUED] +
                  counts[KS_JOURNAL_FILE_UPLOADING];
  info->failed = counts[KS_JOURNAL_FILE_FAILED];
  return g_steal_pointer (&info);
}

/* The error list has every attempt; only files still FAILED count,
 * each once, with its newest error. */
static GPtrArray *
read_failures (KsJournal *journal,
               GError   **error)
{
  g_autoptr (GPtrArray) errors = ks_journal_list_errors (journal, MAX_ERRORS, error);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GPtrArray) failures = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_failure_free);

  if (errors == NULL)
    return NULL;
  for (guint i = 0; i < errors->len && failures->len < MAX_FAILURES; i++)
    {
      KsJournalError *entry = g_ptr_array_index (errors, i);
      g_autoptr (KsJournalFile) file = NULL;
      KsFolderFailure *failure;

      if (g_hash_table_contains (seen, &entry->file_id))
        continue;
      g_hash_table_add (seen, &entry->file_id);
      file = ks_journal_get_file (journal, entry->file_id, NULL);
      if (file == NULL || file->state != KS_JOURNAL_FILE_FAILED)
        continue;

      failure = g_new0 (KsFolderFailure, 1);
      failure->file_id = entry->file_id;
      /* Files of drop records are kept by their absolute path. */
      if (g_path_is_absolute (entry->folder_path))
        failure->path = g_build_filename (entry->folder_path, entry->path, NULL);
      else
        failure->path = g_strconcat ("/", entry->path, NULL);
      failure->message = g_strdup (entry->message);
      g_ptr_array_add (failures, failure);
    }
  return g_steal_pointer (&failures);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KsJournal *journal = task_data;
  g_autoptr (KsFoldersSnapshot) snapshot = g_new0 (KsFoldersSnapshot, 1);
  g_autoptr (GPtrArray) records = NULL;
  GError *error = NULL;

  records = ks_journal_list_folders (journal, &error);
  snapshot->folders = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_info_free);
  for (guint i = 0; records != NULL && i < records->len && error == NULL; i++)
    {
      KsJournalFolder *record = g_ptr_array_index (records, i);
      KsFolderInfo    *info;

      /* Records of dropped files are not folders the user chose. */
      if (!g_path_is_absolute (record->path))
        continue;
      if ((info = read_folder (journal, record, &error)) != NULL)
        g_ptr_array_add (snapshot->folders, info);
    }
  if (error == NULL)
    snapshot->failures = read_failures (journal, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, g_steal_pointer (&snapshot), (GDestroyNotify) ks_folders_snapshot_free);
}

void
ks_folders_snapshot_read_async (KsJournal          *journal,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KS_IS_JOURNAL (journal));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_folders_snapshot_read_async);
  g_task_set_task_data (task, g_object_ref (journal), g_object_unref);
  g_task_run_in_thread (task, read_thread);
}

KsFoldersSnapshot *
ks_folders_snapshot_read_finish (GAsyncResult *result,
                                 GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
