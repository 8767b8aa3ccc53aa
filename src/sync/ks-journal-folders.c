/* ks-journal-folders.c: watched folders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-journal-private.h"

void
ks_journal_folder_free (KsJournalFolder *self)
{
  if (self == NULL)
    return;

  g_free (self->path);
  g_free (self->album_id);
  g_free (self->pause_reason);
  g_free (self);
}

#define FOLDER_COLUMNS "id, path, album_id, root_device, root_inode, paused, pause_reason, added_at, last_scan_at"

static KsJournalFolder *
folder_from_row (KsJournalStmt *stmt)
{
  KsJournalFolder *folder = g_new0 (KsJournalFolder, 1);

  folder->id = sqlite3_column_int64 (stmt, 0);
  folder->path = ks_sqlite_column_dup_text (stmt, 1);
  folder->album_id = ks_sqlite_column_dup_text (stmt, 2);
  folder->root_device = (guint64) sqlite3_column_int64 (stmt, 3);
  folder->root_inode = (guint64) sqlite3_column_int64 (stmt, 4);
  folder->paused = sqlite3_column_int (stmt, 5) != 0;
  folder->pause_reason = ks_sqlite_column_dup_text (stmt, 6);
  folder->added_at = sqlite3_column_int64 (stmt, 7);
  folder->last_scan_at = sqlite3_column_int64 (stmt, 8);
  return folder;
}

/* Runs a folder query bound to @id or @path; rows go into @out. */
static gboolean
query_folders (KsJournal  *self,
               const char *sql,
               gint64      id,
               const char *path,
               GPtrArray  *out,
               GError    **error)
{
  KsJournalStmt *stmt;
  int            rc = SQLITE_ERROR;

  ks_journal_lock (self);
  stmt = ks_journal_prepare (self, sql, error);
  if (stmt != NULL)
    {
      if (path != NULL)
        ks_sqlite_bind_text (stmt, 1, path);
      else if (id != 0)
        sqlite3_bind_int64 (stmt, 1, id);

      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (out, folder_from_row (stmt));
      if (rc != SQLITE_DONE)
        ks_journal_set_error (self, rc, error);
      ks_journal_stmt_release (stmt);
    }
  g_rec_mutex_unlock (&self->lock);

  return rc == SQLITE_DONE;
}

GPtrArray *
ks_journal_list_folders (KsJournal *self,
                         GError   **error)
{
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_journal_folder_free);

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);

  if (!query_folders (self, "SELECT " FOLDER_COLUMNS " FROM folders ORDER BY path", 0, NULL, folders, error))
    return NULL;
  return g_steal_pointer (&folders);
}

KsJournalFolder *
ks_journal_get_folder (KsJournal *self,
                       gint64     folder_id,
                       GError   **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_journal_folder_free);

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);

  if (!query_folders (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE id = ?", folder_id, NULL, found, error))
    return NULL;
  if (found->len == 0)
    {
      ks_journal_set_not_found (error, "folder", folder_id);
      return NULL;
    }
  return g_ptr_array_steal_index (found, 0);
}

KsJournalFolder *
ks_journal_find_folder (KsJournal  *self,
                        const char *path,
                        GError    **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_journal_folder_free);

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!query_folders (self, "SELECT " FOLDER_COLUMNS " FROM folders WHERE path = ?", 0, path, found, error) ||
      found->len == 0)
    return NULL;
  return g_ptr_array_steal_index (found, 0);
}

gint64
ks_journal_add_folder (KsJournal  *self,
                       const char *path,
                       const char *album_id,
                       GError    **error)
{
  g_autoptr (KsJournalFolder) existing = NULL;
  g_autoptr (GError) local_error = NULL;
  KsJournalStmt *stmt = NULL;
  gboolean       ok;
  gint64         id = 0;

  g_return_val_if_fail (KS_IS_JOURNAL (self), 0);
  g_return_val_if_fail (path != NULL, 0);

  if (!ks_journal_change_begin (self, error))
    return 0;

  existing = ks_journal_find_folder (self, path, &local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (existing != NULL)
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_EXISTS, "%s is already watched", path);
  else
    stmt = ks_journal_prepare (self, "INSERT INTO folders (path, album_id, added_at) VALUES (?, ?, ?)", error);

  ok = stmt != NULL;
  if (ok)
    {
      ks_sqlite_bind_text (stmt, 1, path);
      ks_sqlite_bind_text (stmt, 2, album_id);
      sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
      ok = ks_journal_run (self, stmt, error);
      id = sqlite3_last_insert_rowid (self->sql.db);
      ks_journal_stmt_release (stmt);
    }

  return ks_journal_change_end (self, ok, error) ? id : 0;
}

/* One UPDATE or DELETE of a folder by id (?1) with up to three values
 * (?2 text, ?3, ?4): binding a parameter a statement does not use is a
 * harmless SQLITE_RANGE. No such folder is _NOT_FOUND. */
static gboolean
change_folder (KsJournal  *self,
               const char *sql,
               gint64      folder_id,
               const char *text,
               gint64      a,
               gint64      b,
               GError    **error)
{
  KsJournalStmt *stmt;
  gboolean       ok;

  if (!ks_journal_change_begin (self, error))
    return FALSE;

  stmt = ks_journal_prepare (self, sql, error);
  ok = stmt != NULL;
  if (ok)
    {
      sqlite3_bind_int64 (stmt, 1, folder_id);
      ks_sqlite_bind_text (stmt, 2, text);
      sqlite3_bind_int64 (stmt, 3, a);
      sqlite3_bind_int64 (stmt, 4, b);
      ok = ks_journal_run (self, stmt, error);
      ks_journal_stmt_release (stmt);
    }
  if (ok && sqlite3_changes (self->sql.db) == 0)
    {
      ks_journal_set_not_found (error, "folder", folder_id);
      ok = FALSE;
    }

  return ks_journal_change_end (self, ok, error);
}

gboolean
ks_journal_remove_folder (KsJournal *self,
                          gint64     folder_id,
                          GError   **error)
{
  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  /* Files and their errors go by ON DELETE CASCADE. */
  return change_folder (self, "DELETE FROM folders WHERE id = ?1",
                        folder_id, NULL, 0, 0, error);
}

gboolean
ks_journal_set_folder_album (KsJournal  *self,
                             gint64      folder_id,
                             const char *album_id,
                             GError    **error)
{
  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  return change_folder (self, "UPDATE folders SET album_id = ?2 WHERE id = ?1",
                        folder_id, album_id, 0, 0, error);
}

gboolean
ks_journal_set_folder_paused (KsJournal  *self,
                              gint64      folder_id,
                              gboolean    paused,
                              const char *reason,
                              GError    **error)
{
  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  return change_folder (self, "UPDATE folders SET pause_reason = CASE WHEN ?3 THEN ?2 END, paused = ?3 WHERE id = ?1",
                        folder_id, reason, paused ? 1 : 0, 0, error);
}

gboolean
ks_journal_set_folder_root (KsJournal *self,
                            gint64     folder_id,
                            guint64    device,
                            guint64    inode,
                            GError   **error)
{
  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  return change_folder (self, "UPDATE folders SET root_device = ?3, root_inode = ?4 WHERE id = ?1",
                        folder_id, NULL, (gint64) device, (gint64) inode, error);
}
