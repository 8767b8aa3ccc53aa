/* ks-sync-folder.c: one watched folder: its watcher and its scans
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-image-info.h"
#include "ks-scanner.h"
#include "ks-sync-engine-private.h"

gboolean
ks_sync_folder_is_drop (const char *record_path)
{
  return g_str_has_prefix (record_path, KS_SYNC_DROP_PREFIX);
}

KsSyncFolder *
ks_sync_folder_new (KsSyncEngine          *engine,
                    const KsJournalFolder *record)
{
  KsSyncFolder *self = g_new0 (KsSyncFolder, 1);
  const char   *value = NULL;

  self->engine = engine;
  self->id = record->id;
  self->path = g_strdup (record->path);
  self->paused = record->paused;
  if (!ks_sync_folder_is_drop (record->path))
    self->root = g_file_new_for_path (record->path);
  self->album_kind = ks_sync_folder_get_album (record, &value);
  if (self->album_kind == KS_SYNC_ALBUM_ID)
    self->album_id = g_strdup (value);
  else if (self->album_kind == KS_SYNC_ALBUM_NAMED)
    self->album_name = g_strdup (value);
  return self;
}

void
ks_sync_folder_free (KsSyncFolder *self)
{
  ks_sync_folder_stop (self);
  g_clear_object (&self->root);
  g_free (self->path);
  g_free (self->album_id);
  g_free (self->album_name);
  g_free (self);
}

char *
ks_sync_folder_file_path (KsSyncFolder *self,
                          const char   *rel_path)
{
  if (self->root == NULL)
    return g_strconcat ("/", rel_path, NULL);
  return g_build_filename (self->path, rel_path, NULL);
}

/* ---- scans, on a worker thread with a main context of its own ---- */

typedef struct
{
  KsJournal *journal; /* owned */
  GFile     *root;    /* owned */
  gint64     folder_id;
  guint      n_files;
  guint      n_removed;
  GError    *batch_error;
} ScanData;

static void
scan_data_free (ScanData *data)
{
  g_object_unref (data->journal);
  g_object_unref (data->root);
  g_clear_error (&data->batch_error);
  g_free (data);
}

/* A new or changed file that is no photo by its first bytes nor by its
 * name (notes, videos, sidecars) is skipped here, on the scan's thread,
 * rather than sent through the thumbnailer's pool only to be skipped. */
static gboolean
skip_early (ScanData   *data,
            const char *rel_path)
{
  g_autofree char *path = NULL;

  if (ks_image_info_name_has_image_extension (rel_path))
    return FALSE;
  path = g_build_filename (g_file_peek_path (data->root), rel_path, NULL);
  return !ks_image_info_path_may_be_image (path);
}

/* One transaction per batch: a warm rescan is mostly lookups that find
 * the file unchanged and write nothing. A batch of new files takes
 * longer (each is inserted, and sniffed unless its name says photo), so
 * the transaction ends every few milliseconds and lets in the main
 * thread, which may be waiting to read the counts or record an upload. */
static void
scan_batch_cb (KsScanner *scanner,
               GPtrArray *entries,
               gpointer   user_data)
{
  ScanData *data = user_data;
  guint     committed = 0;

  if (data->batch_error != NULL || !ks_journal_begin (data->journal, &data->batch_error))
    return;
  for (guint i = 0; i < entries->len; i++)
    {
      KsScanEntry    *entry = g_ptr_array_index (entries, i);
      KsJournalStat   st = { entry->size, entry->mtime, entry->inode, entry->device };
      KsJournalUpsert change = KS_JOURNAL_UPSERT_UNCHANGED;
      gint64          id = 0;
      gboolean        yielded, ok;

      ok = ks_journal_yield (data->journal, &yielded, &data->batch_error);
      if (yielded)
        {
          data->n_files += i - committed;
          committed = i;
        }
      if (!ok)
        return;
      if (!ks_journal_upsert_file (data->journal, data->folder_id, entry->path, &st, &change, &id,
                                   &data->batch_error) ||
          (change != KS_JOURNAL_UPSERT_UNCHANGED && skip_early (data, entry->path) &&
           !ks_journal_set_state (data->journal, id, KS_JOURNAL_FILE_SKIPPED, &data->batch_error)))
        {
          ks_journal_rollback (data->journal);
          return;
        }
    }
  if (!ks_journal_commit (data->journal, &data->batch_error))
    return;
  data->n_files += entries->len - committed;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
scan_run (ScanData     *data,
          GCancellable *cancellable,
          GError      **error)
{
  g_autoptr (KsScanner) scanner = ks_scanner_new (data->root);
  g_autoptr (GAsyncResult) result = NULL;
  GMainContext  *context = g_main_context_get_thread_default ();
  KsRootIdentity identity;

  if (!ks_journal_begin_scan (data->journal, data->folder_id, error))
    return FALSE;
  g_signal_connect (scanner, "batch", G_CALLBACK (scan_batch_cb), data);
  ks_scanner_scan_async (scanner, cancellable, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  if (!ks_scanner_scan_finish (scanner, result, NULL, error))
    return FALSE;
  if (data->batch_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&data->batch_error));
      return FALSE;
    }
  /* Only a complete scan of the same root may forget what it missed. */
  if (!ks_root_identity_read (data->root, &identity, error) ||
      !ks_journal_finish_scan (data->journal, data->folder_id, &data->n_removed, error))
    return FALSE;
  return ks_journal_set_folder_root (data->journal, data->folder_id, identity.device, identity.inode, error);
}

static void
scan_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GError) error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (context);
  ok = scan_run (task_data, cancellable, &error);
  g_main_context_pop_thread_default (context);

  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KsSyncEngine *engine = KS_SYNC_ENGINE (source);
  ScanData     *data = g_task_get_task_data (G_TASK (result));
  KsSyncFolder *self = g_hash_table_lookup (engine->folders, &data->folder_id);
  g_autoptr (GError) error = NULL;

  engine->n_scans--;
  g_task_propagate_boolean (G_TASK (result), &error);
  if (self != NULL && self->scan_cancellable == g_task_get_cancellable (G_TASK (result)))
    g_clear_object (&self->scan_cancellable);
  if (!engine->started || self == NULL)
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (self->rescan_pending)
        ks_sync_folder_rescan (self);
      ks_sync_engine_update_state (engine);
      return;
    }

  if (error != NULL && !g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FOLDER_GONE))
    {
      g_warning ("Scan of %s failed: %s", self->path, error->message);
      if (g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL) ||
          g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED))
        ks_sync_engine_set_fatal (engine, error);
    }
  else if (error != NULL && self->watcher != NULL)
    ks_watcher_check_root (self->watcher);
  else
    g_debug ("Scanned %s: %u files, %u gone", self->path, data->n_files, data->n_removed);

  g_signal_emit (engine, ks_sync_engine_signals[KS_SYNC_SIGNAL_SCAN_FINISHED], 0, self->path, data->n_files);
  if (self->rescan_pending)
    ks_sync_folder_rescan (self);
  ks_sync_queue_pump (engine);
  ks_sync_engine_queue_refresh (engine);
}

void
ks_sync_folder_rescan (KsSyncFolder *self)
{
  KsSyncEngine *engine = self->engine;
  g_autoptr (GTask) task = NULL;
  ScanData *data;

  if (self->root == NULL || self->paused)
    return;
  if (self->scan_cancellable != NULL)
    {
      self->rescan_pending = TRUE;
      return;
    }
  if (self->watcher != NULL && !ks_watcher_check_root (self->watcher))
    return;

  self->rescan_pending = FALSE;
  self->scan_cancellable = g_cancellable_new ();
  data = g_new0 (ScanData, 1);
  data->journal = g_object_ref (engine->journal);
  data->root = g_object_ref (self->root);
  data->folder_id = self->id;

  task = g_task_new (engine, self->scan_cancellable, scan_done_cb, NULL);
  g_task_set_source_tag (task, ks_sync_folder_rescan);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_data_free);
  engine->n_scans++;
  g_task_run_in_thread (task, scan_thread);
  ks_sync_engine_update_state (engine);
}

/* ---- what the watcher says ---- */

static void
file_settled_cb (KsWatcher    *watcher,
                 const char   *path,
                 gint64        size,
                 gint64        mtime,
                 guint64       inode,
                 KsSyncFolder *self)
{
  g_autofree char *abs_path = ks_sync_folder_file_path (self, path);
  g_autoptr (GError) error = NULL;
  KsJournalStat   st = { size, mtime, inode, 0 };
  KsJournalUpsert change;
  GStatBuf        buf;

  if (g_lstat (abs_path, &buf) != 0)
    return;
  st.device = buf.st_dev;
  if (!ks_journal_upsert_file (self->engine->journal, self->id, path, &st, &change, NULL, &error))
    {
      g_warning ("Could not record %s: %s", abs_path, error->message);
      return;
    }
  if (change != KS_JOURNAL_UPSERT_UNCHANGED)
    {
      ks_sync_queue_pump (self->engine);
      ks_sync_engine_queue_refresh (self->engine);
    }
}

static void
file_renamed_cb (KsWatcher    *watcher,
                 const char   *old_path,
                 const char   *new_path,
                 KsSyncFolder *self)
{
  g_autoptr (GError) error = NULL;

  if (ks_journal_rename_file (self->engine->journal, self->id, old_path, new_path, &error))
    return;
  if (!g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND))
    g_warning ("Could not record a rename in %s: %s", self->path, error->message);
  /* Never seen under its old name: it is new here. */
  ks_sync_folder_rescan (self);
}

static void
file_removed_cb (KsWatcher    *watcher,
                 const char   *path,
                 KsSyncFolder *self)
{
  g_autoptr (KsJournalFile) file = ks_journal_find_file (self->engine->journal, self->id, path, NULL);

  /* The cloud keeps its copy: only the journal forgets the file. */
  if (file == NULL)
    return;
  ks_sync_queue_cancel_file (self->engine, file->id);
  ks_journal_remove_file (self->engine->journal, file->id, NULL);
  ks_sync_engine_queue_refresh (self->engine);
}

static void
dir_renamed_cb (KsWatcher    *watcher,
                const char   *old_path,
                const char   *new_path,
                KsSyncFolder *self)
{
  g_autoptr (GError) error = NULL;

  if (!ks_journal_rename_dir (self->engine->journal, self->id, old_path, new_path, &error))
    g_warning ("Could not record a rename in %s: %s", self->path, error->message);
}

static void
dir_removed_cb (KsWatcher    *watcher,
                const char   *path,
                KsSyncFolder *self)
{
  g_autoptr (GError) error = NULL;

  if (!ks_journal_remove_dir (self->engine->journal, self->id, path, &error))
    g_warning ("Could not record a removal in %s: %s", self->path, error->message);
  ks_sync_engine_queue_refresh (self->engine);
}

static void
set_paused (KsSyncFolder *self,
            gboolean      paused,
            const char   *reason)
{
  g_autoptr (GError) error = NULL;

  if (!ks_journal_set_folder_paused (self->engine->journal, self->id, paused, reason, &error))
    g_warning ("Could not record the state of %s: %s", self->path, error->message);
  if (self->paused == paused)
    return;
  self->paused = paused;
  ks_sync_engine_add_activity (self->engine, paused ? KS_SYNC_ACTIVITY_FOLDER_PAUSED : KS_SYNC_ACTIVITY_FOLDER_RESUMED,
                               self->path, NULL, reason);
  ks_sync_engine_queue_refresh (self->engine);
}

static void
paused_cb (KsWatcher    *watcher,
           const char   *reason,
           KsSyncFolder *self)
{
  /* Never read as "everything was deleted": the journal keeps every
   * file, the cloud every photo, until the root is back. */
  g_cancellable_cancel (self->scan_cancellable);
  ks_sync_queue_cancel_folder (self->engine, self->id);
  set_paused (self, TRUE, reason);
}

static void
resumed_cb (KsWatcher    *watcher,
            KsSyncFolder *self)
{
  set_paused (self, FALSE, NULL);
  ks_sync_queue_reset_stale (self->engine);
  ks_sync_folder_rescan (self);
}

static void
degraded_cb (KsWatcher    *watcher,
             const char   *reason,
             KsSyncFolder *self)
{
  g_message ("%s is polled instead of watched: %s", self->path, reason);
  ks_sync_engine_add_activity (self->engine, KS_SYNC_ACTIVITY_FOLDER_RESUMED, self->path, NULL, reason);
}

void
ks_sync_folder_start (KsSyncFolder *self)
{
  if (self->root == NULL || self->watcher != NULL)
    return;

  /* Watch first, then scan: nothing falls in between. */
  self->watcher = ks_watcher_new (self->root);
  ks_watcher_set_settle_interval (self->watcher, self->engine->settle_ms);
  g_signal_connect (self->watcher, "file-settled", G_CALLBACK (file_settled_cb), self);
  g_signal_connect (self->watcher, "file-renamed", G_CALLBACK (file_renamed_cb), self);
  g_signal_connect (self->watcher, "file-removed", G_CALLBACK (file_removed_cb), self);
  g_signal_connect (self->watcher, "dir-renamed", G_CALLBACK (dir_renamed_cb), self);
  g_signal_connect (self->watcher, "dir-removed", G_CALLBACK (dir_removed_cb), self);
  g_signal_connect (self->watcher, "paused", G_CALLBACK (paused_cb), self);
  g_signal_connect (self->watcher, "resumed", G_CALLBACK (resumed_cb), self);
  g_signal_connect (self->watcher, "degraded", G_CALLBACK (degraded_cb), self);
  ks_watcher_start (self->watcher);

  if (ks_watcher_get_state (self->watcher) == KS_WATCHER_PAUSED)
    set_paused (self, TRUE, _ ("The folder is missing."));
  else
    {
      set_paused (self, FALSE, NULL);
      ks_sync_folder_rescan (self);
    }
}

void
ks_sync_folder_stop (KsSyncFolder *self)
{
  if (self->scan_cancellable != NULL)
    g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  if (self->watcher != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->watcher, self);
      ks_watcher_stop (self->watcher);
      g_clear_object (&self->watcher);
    }
}
