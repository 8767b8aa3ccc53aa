/* ks-journal-resume.c: multipart uploads in progress, as a KsResumeStore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-journal-private.h"

static KsResumeRecord *
ks_journal_resume_load (KsResumeStore *store,
                        const char    *sha256,
                        GError       **error)
{
  KsJournal      *self = KS_JOURNAL (store);
  KsResumeRecord *record = NULL;
  KsJournalStmt  *stmt;
  int             rc = SQLITE_ERROR;

  ks_journal_lock (self);
  stmt = ks_journal_prepare (self,
                             "SELECT u.photo_id, u.upload_id, u.part_size, u.file_size, u.file_mtime,"
                             "       p.part_number, p.etag"
                             "  FROM uploads u LEFT JOIN upload_parts p USING (sha256)"
                             " WHERE u.sha256 = ?",
                             error);
  if (stmt != NULL)
    {
      ks_sqlite_bind_text (stmt, 1, sha256);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          if (record == NULL)
            record = ks_resume_record_new (sha256, (const char *) sqlite3_column_text (stmt, 0),
                                           (const char *) sqlite3_column_text (stmt, 1),
                                           sqlite3_column_int64 (stmt, 2), sqlite3_column_int64 (stmt, 3),
                                           sqlite3_column_int64 (stmt, 4));
          if (sqlite3_column_type (stmt, 5) != SQLITE_NULL)
            g_hash_table_insert (record->etags, GINT_TO_POINTER (sqlite3_column_int (stmt, 5)),
                                 ks_sqlite_column_dup_text (stmt, 6));
        }
      if (rc != SQLITE_DONE)
        {
          ks_journal_set_error (self, rc, error);
          g_clear_pointer (&record, ks_resume_record_free);
        }
      ks_journal_stmt_release (stmt);
    }
  g_rec_mutex_unlock (&self->lock);

  return record;
}

static gboolean
insert_part (KsJournal  *self,
             const char *sha256,
             int         part_number,
             const char *etag,
             GError    **error)
{
  KsJournalStmt *stmt = ks_journal_prepare (self, "INSERT OR REPLACE INTO upload_parts VALUES (?, ?, ?)", error);
  gboolean       ok;

  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, sha256);
  sqlite3_bind_int (stmt, 2, part_number);
  ks_sqlite_bind_text (stmt, 3, etag);
  ok = ks_journal_run (self, stmt, error);
  ks_journal_stmt_release (stmt);
  return ok;
}

/* A recorded part must never be sent again, even after a power cut: these
 * commits alone are synced to disk. */
static gboolean
durable_change_begin (KsJournal *self,
                      GError   **error)
{
  ks_journal_lock (self);
  if (!self->in_batch)
    sqlite3_exec (self->sql.db, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
  if (ks_journal_change_begin (self, error))
    return TRUE;
  if (!self->in_batch)
    sqlite3_exec (self->sql.db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  g_rec_mutex_unlock (&self->lock);
  return FALSE;
}

static gboolean
durable_change_end (KsJournal *self,
                    gboolean   ok,
                    GError   **error)
{
  ok = ks_journal_change_end (self, ok, error);
  if (!self->in_batch)
    sqlite3_exec (self->sql.db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
  g_rec_mutex_unlock (&self->lock);
  return ok;
}

static gboolean
ks_journal_resume_begin (KsResumeStore        *store,
                         const KsResumeRecord *record,
                         GError              **error)
{
  KsJournal     *self = KS_JOURNAL (store);
  KsJournalStmt *stmt;
  gboolean       ok;

  g_return_val_if_fail (record != NULL && record->sha256 != NULL && record->upload_id != NULL, FALSE);

  if (!durable_change_begin (self, error))
    return FALSE;

  /* REPLACE deletes the old row first, and its parts with it. */
  stmt = ks_journal_prepare (self, "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  ok = stmt != NULL;
  if (ok)
    {
      ks_sqlite_bind_text (stmt, 1, record->sha256);
      ks_sqlite_bind_text (stmt, 2, record->photo_id != NULL ? record->photo_id : "");
      ks_sqlite_bind_text (stmt, 3, record->upload_id);
      sqlite3_bind_int64 (stmt, 4, record->part_size);
      sqlite3_bind_int64 (stmt, 5, record->file_size);
      sqlite3_bind_int64 (stmt, 6, record->file_mtime);
      sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
      ok = ks_journal_run (self, stmt, error);
      ks_journal_stmt_release (stmt);
    }

  if (ok && record->etags != NULL)
    {
      GHashTableIter iter;
      gpointer       key, value;

      g_hash_table_iter_init (&iter, record->etags);
      while (ok && g_hash_table_iter_next (&iter, &key, &value))
        ok = insert_part (self, record->sha256, GPOINTER_TO_INT (key), value, error);
    }

  return durable_change_end (self, ok, error);
}

static gboolean
ks_journal_resume_add_part (KsResumeStore *store,
                            const char    *sha256,
                            const char    *upload_id,
                            int            part_number,
                            const char    *etag,
                            GError       **error)
{
  KsJournal     *self = KS_JOURNAL (store);
  KsJournalStmt *stmt;
  gboolean       ok, current = FALSE;

  g_return_val_if_fail (sha256 != NULL && upload_id != NULL && etag != NULL, FALSE);

  if (!durable_change_begin (self, error))
    return FALSE;

  stmt = ks_journal_prepare (self, "SELECT 1 FROM uploads WHERE sha256 = ? AND upload_id = ?", error);
  ok = stmt != NULL;
  if (ok)
    {
      ks_sqlite_bind_text (stmt, 1, sha256);
      ks_sqlite_bind_text (stmt, 2, upload_id);
      current = sqlite3_step (stmt) == SQLITE_ROW;
      ks_journal_stmt_release (stmt);
    }

  /* A part of an upload that was replaced or removed meanwhile. */
  if (ok && !current)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND,
                   "No upload %s in progress for this file", upload_id);
      ok = FALSE;
    }

  ok = ok && insert_part (self, sha256, part_number, etag, error);
  return durable_change_end (self, ok, error);
}

static gboolean
ks_journal_resume_remove (KsResumeStore *store,
                          const char    *sha256,
                          GError       **error)
{
  KsJournal     *self = KS_JOURNAL (store);
  KsJournalStmt *stmt;
  gboolean       ok;

  if (!ks_journal_change_begin (self, error))
    return FALSE;

  stmt = ks_journal_prepare (self, "DELETE FROM uploads WHERE sha256 = ?", error);
  ok = stmt != NULL;
  if (ok)
    {
      ks_sqlite_bind_text (stmt, 1, sha256);
      ok = ks_journal_run (self, stmt, error);
      ks_journal_stmt_release (stmt);
    }

  return ks_journal_change_end (self, ok, error);
}

void
ks_journal_resume_store_init (KsResumeStoreInterface *iface)
{
  iface->load = ks_journal_resume_load;
  iface->begin = ks_journal_resume_begin;
  iface->add_part = ks_journal_resume_add_part;
  iface->remove = ks_journal_resume_remove;
}
