/* ks-sync-engine-run.c: starting, stopping, folders, pause, retries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-sync-engine-private.h"

#define STOP_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* Two engines on one journal would upload everything twice over. */
static gboolean
take_lock (KsSyncEngine *self,
           GError      **error)
{
  g_autofree char *path = g_strconcat (ks_journal_get_path (self->journal), ".lock", NULL);
  int              fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0 || flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;

      if (fd >= 0)
        close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FAILED,
                     _ ("Another Keepsake is already syncing these folders."));
      else
        g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL, _ ("Cannot lock %s: %s"), path,
                     g_strerror (saved));
      return FALSE;
    }
  self->lock_fd = fd;
  return TRUE;
}

static void
release_lock (KsSyncEngine *self)
{
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  self->lock_fd = -1;
}

/* Thumbnails of jobs a crash interrupted. */
static void
clean_thumbnails (KsSyncEngine *self)
{
  g_autofree char *dir = g_build_filename (self->cache_dir, "thumbs", NULL);
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *sub = g_build_filename (dir, name, NULL);
      g_autoptr (GDir) inner = g_dir_open (sub, 0, NULL);
      const char *file;

      while (inner != NULL && (file = g_dir_read_name (inner)) != NULL)
        {
          g_autofree char *path = g_build_filename (sub, file, NULL);

          g_unlink (path);
        }
      g_rmdir (sub);
    }
}

KsSyncFolder *
ks_sync_engine_add_record (KsSyncEngine          *self,
                           const KsJournalFolder *record)
{
  KsSyncFolder *folder = ks_sync_folder_new (self, record);

  g_hash_table_insert (self->folders, &folder->id, folder);
  if (self->started)
    ks_sync_folder_start (folder);
  return folder;
}

static void
drop_folder (KsSyncEngine *self,
             gint64        folder_id)
{
  ks_sync_queue_cancel_folder (self, folder_id);
  g_hash_table_remove (self->folders, &folder_id);
}

/* The journal's folders, as another process may have changed them. */
static void
load_folders (KsSyncEngine *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = ks_journal_list_folders (self->journal, &error);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GList) ids = NULL;

  if (records == NULL)
    {
      ks_sync_engine_set_fatal (self, error);
      return;
    }
  for (guint i = 0; i < records->len; i++)
    {
      KsJournalFolder *record = g_ptr_array_index (records, i);

      g_hash_table_add (seen, &record->id);
      if (!g_hash_table_contains (self->folders, &record->id))
        ks_sync_engine_add_record (self, record);
    }
  ids = g_hash_table_get_keys (self->folders);
  for (GList *l = ids; l != NULL; l = l->next)
    if (!g_hash_table_contains (seen, l->data))
      drop_folder (self, *(gint64 *) l->data);
}

static void
apply_paused (KsSyncEngine *self,
              gboolean      paused)
{
  if (self->paused == !!paused)
    return;
  self->paused = !!paused;
  if (paused)
    ks_sync_queue_cancel_all (self);
  else
    ks_sync_queue_pump (self);
  ks_sync_engine_update_state (self);
  ks_sync_engine_notify_paused (self);
}

void
ks_sync_engine_set_paused (KsSyncEngine *self,
                           gboolean      paused)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  /* Remembered across restarts, and seen by other processes. */
  if (!ks_sync_control_set_paused (ks_journal_get_path (self->journal), paused, &error))
    g_warning ("Could not save the pause: %s", error->message);
  apply_paused (self, paused);
}

static void
control_changed_cb (GFileMonitor     *monitor,
                    GFile            *file,
                    GFile            *other,
                    GFileMonitorEvent event,
                    KsSyncEngine     *self)
{
  const char *journal_path = ks_journal_get_path (self->journal);
  gint64      folders;

  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_CREATED &&
      event != G_FILE_MONITOR_EVENT_RENAMED && event != G_FILE_MONITOR_EVENT_MOVED_IN)
    return;
  apply_paused (self, ks_sync_control_get_paused (journal_path));
  folders = ks_sync_control_get_folders (journal_path);
  if (folders != self->control_folders)
    {
      self->control_folders = folders;
      load_folders (self);
    }
  /* `keepsake-cli sync retry` and the like changed the journal. */
  ks_sync_queue_pump (self);
  ks_sync_engine_queue_refresh (self);
}

static gboolean
rescan_cb (gpointer user_data)
{
  ks_sync_engine_rescan (user_data);
  return G_SOURCE_CONTINUE;
}

void
ks_sync_engine_set_rescan_interval (KsSyncEngine *self,
                                    guint         seconds)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  if (self->rescan_interval == seconds)
    return;
  self->rescan_interval = seconds;
  g_clear_handle_id (&self->rescan_id, g_source_remove);
  if (self->started && seconds > 0)
    self->rescan_id = g_timeout_add_seconds (seconds, rescan_cb, self);
  ks_sync_engine_notify_rescan_interval (self);
}

void
ks_sync_engine_rescan (KsSyncEngine *self)
{
  GHashTableIter iter;
  gpointer       value;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  g_hash_table_iter_init (&iter, self->folders);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ks_sync_folder_rescan (value);
}

void
ks_sync_engine_start (KsSyncEngine *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) control = NULL;
  const char    *journal_path;
  GHashTableIter iter;
  gpointer       value;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  if (self->started)
    return;
  self->started = TRUE;
  if (!take_lock (self, &error))
    {
      ks_sync_engine_set_fatal (self, error);
      return;
    }

  journal_path = ks_journal_get_path (self->journal);
  clean_thumbnails (self);
  ks_sync_queue_reset_stale (self);
  ks_sync_engine_watch_network (self, TRUE);
  ks_sync_engine_watch_power (self, TRUE);

  control = g_file_new_for_path (self->control_path);
  self->control_monitor = g_file_monitor_file (control, G_FILE_MONITOR_NONE, NULL, NULL);
  if (self->control_monitor != NULL)
    g_signal_connect (self->control_monitor, "changed", G_CALLBACK (control_changed_cb), self);
  self->control_folders = ks_sync_control_get_folders (journal_path);
  apply_paused (self, ks_sync_control_get_paused (journal_path));

  load_folders (self);
  g_hash_table_iter_init (&iter, self->folders);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ks_sync_folder_start (value);
  if (self->rescan_interval > 0)
    self->rescan_id = g_timeout_add_seconds (self->rescan_interval, rescan_cb, self);
  ks_sync_queue_next_retry (self);
  ks_sync_queue_pump (self);
  ks_sync_engine_queue_refresh (self);
}

void
ks_sync_engine_stop (KsSyncEngine *self)
{
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  if (!self->started)
    return;

  self->started = FALSE;
  ks_sync_queue_cancel_all (self);
  g_hash_table_remove_all (self->folders);
  /* What was cancelled still reports back; let it, so the journal says
   * where each file stands. */
  while ((g_hash_table_size (self->jobs) > 0 || self->n_scans > 0) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (self->context, TRUE);
  if (g_hash_table_size (self->jobs) > 0)
    g_warning ("%u uploads did not stop in time", g_hash_table_size (self->jobs));

  g_clear_handle_id (&self->pump_id, g_source_remove);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->rescan_id, g_source_remove);
  g_clear_handle_id (&self->cache_retry_id, g_source_remove);
  self->cache_full = FALSE;
  self->cache_retry_delay_ms = 0;
  if (self->control_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->control_monitor, self);
      g_file_monitor_cancel (self->control_monitor);
      g_clear_object (&self->control_monitor);
    }
  ks_sync_engine_watch_network (self, FALSE);
  ks_sync_engine_watch_power (self, FALSE);
  release_lock (self);

  g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("Sync was stopped."));
  ks_sync_engine_complete_sync_tasks (self, error);
}

/* ---- folders ---- */

gboolean
ks_sync_engine_add_folder (KsSyncEngine *self,
                           GFile        *folder,
                           KsSyncAlbum   album,
                           const char   *album_value,
                           GError      **error)
{
  g_autoptr (KsJournalFolder) record = NULL;
  gint64 id;

  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), FALSE);

  id = ks_sync_journal_add_folder (self->journal, folder, album, album_value, error);
  if (id == 0)
    return FALSE;
  record = ks_journal_get_folder (self->journal, id, error);
  if (record == NULL)
    return FALSE;
  ks_sync_control_touch_folders (ks_journal_get_path (self->journal), NULL);
  self->control_folders = ks_sync_control_get_folders (ks_journal_get_path (self->journal));
  ks_sync_engine_add_record (self, record);
  ks_sync_engine_queue_refresh (self);
  return TRUE;
}

static KsJournalFolder *
find_record (KsSyncEngine *self,
             GFile        *folder,
             GError      **error)
{
  g_autofree char *path = g_file_get_path (folder);
  g_autofree char *canonical = path != NULL ? g_canonicalize_filename (path, NULL) : NULL;
  g_autoptr (GError) local_error = NULL;
  KsJournalFolder *record = canonical != NULL ? ks_journal_find_folder (self->journal, canonical, &local_error) : NULL;

  if (record == NULL && local_error == NULL)
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND, _ ("%s is not a watched folder."),
                 canonical != NULL ? canonical : g_file_peek_path (folder));
  else if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return record;
}

gboolean
ks_sync_engine_remove_folder (KsSyncEngine *self,
                              GFile        *folder,
                              GError      **error)
{
  g_autoptr (KsJournalFolder) record = NULL;

  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), FALSE);

  record = find_record (self, folder, error);
  if (record == NULL)
    return FALSE;
  drop_folder (self, record->id);
  if (!ks_journal_remove_folder (self->journal, record->id, error))
    return FALSE;
  ks_sync_control_touch_folders (ks_journal_get_path (self->journal), NULL);
  self->control_folders = ks_sync_control_get_folders (ks_journal_get_path (self->journal));
  ks_sync_engine_queue_refresh (self);
  return TRUE;
}

gboolean
ks_sync_engine_retry (KsSyncEngine *self,
                      gint64        file_id,
                      GError      **error)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), FALSE);

  if (!ks_journal_retry (self->journal, file_id, NULL, error))
    return FALSE;
  ks_sync_queue_pump (self);
  ks_sync_engine_queue_refresh (self);
  return TRUE;
}

gboolean
ks_sync_engine_dismiss (KsSyncEngine *self,
                        gint64        file_id,
                        GError      **error)
{
  g_autoptr (KsJournalFile) file = NULL;
  g_autofree char *path = NULL;
  KsSyncFolder    *folder;

  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), FALSE);

  file = ks_journal_get_file (self->journal, file_id, error);
  if (file == NULL)
    return FALSE;
  folder = g_hash_table_lookup (self->folders, &file->folder_id);
  if (folder == NULL)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND, "No folder with id %" G_GINT64_FORMAT,
                   file->folder_id);
      return FALSE;
    }
  /* Drops have no scan to find the file again; a watched folder's would. */
  if (!ks_journal_dismiss (self->journal, file_id, folder->root == NULL, error))
    return FALSE;

  path = ks_sync_folder_file_path (folder, file->path);
  g_signal_emit (self, ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_DISMISSED], 0, path);
  ks_sync_engine_queue_refresh (self);
  return TRUE;
}

/* ---- sync once ---- */

void
ks_sync_engine_sync_async (KsSyncEngine       *self,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_sync_engine_sync_async);
  g_task_set_check_cancellable (task, TRUE);
  ks_sync_engine_start (self);
  if (self->fatal != NULL)
    {
      g_task_return_error (task, g_error_copy (self->fatal));
      return;
    }
  g_ptr_array_add (self->sync_tasks, g_steal_pointer (&task));
  ks_sync_engine_queue_refresh (self);
}

gboolean
ks_sync_engine_sync_finish (KsSyncEngine *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
