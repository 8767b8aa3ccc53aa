/* ks-journal-files.c: files, their states and errors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-journal-private.h"

static const char *const state_names[KS_JOURNAL_N_FILE_STATES] = {
  "new",
  "settling",
  "hashing",
  "queued",
  "uploading",
  "done",
  "failed",
  "skipped",
};

const char *
ks_journal_file_state_to_string (KsJournalFileState state)
{
  g_return_val_if_fail (state < KS_JOURNAL_N_FILE_STATES, NULL);
  return state_names[state];
}

static KsJournalFileState
state_from_string (const char *name)
{
  for (guint i = 0; i < KS_JOURNAL_N_FILE_STATES; i++)
    if (g_strcmp0 (name, state_names[i]) == 0)
      return (KsJournalFileState) i;
  return KS_JOURNAL_FILE_NEW; /* the CHECK constraint makes this unreachable */
}

void
ks_journal_file_free (KsJournalFile *self)
{
  if (self == NULL)
    return;

  g_free (self->path);
  g_free (self->sha256);
  g_free (self->photo_id);
  g_free (self->replaces_photo_id);
  g_free (self->prev_sha256);
  g_free (self->last_error);
  g_free (self);
}

void
ks_journal_error_free (KsJournalError *self)
{
  if (self == NULL)
    return;

  g_free (self->folder_path);
  g_free (self->path);
  g_free (self->domain);
  g_free (self->message);
  g_free (self);
}

#define FILE_COLUMNS                                                          \
  "f.id, f.folder_id, f.path, f.size, f.mtime, f.inode, f.device, f.sha256, " \
  "f.photo_id, f.replaces_photo_id, f.state, f.attempts, f.next_attempt_at, " \
  "f.last_error, f.priority, f.changed_at, f.prev_sha256"

static gpointer
file_from_row (KsJournalStmt *stmt)
{
  KsJournalFile *file = g_new0 (KsJournalFile, 1);

  file->id = sqlite3_column_int64 (stmt, 0);
  file->folder_id = sqlite3_column_int64 (stmt, 1);
  file->path = ks_sqlite_column_dup_text (stmt, 2);
  file->stat.size = sqlite3_column_int64 (stmt, 3);
  file->stat.mtime = sqlite3_column_int64 (stmt, 4);
  file->stat.inode = (guint64) sqlite3_column_int64 (stmt, 5);
  file->stat.device = (guint64) sqlite3_column_int64 (stmt, 6);
  file->sha256 = ks_sqlite_column_dup_text (stmt, 7);
  file->photo_id = ks_sqlite_column_dup_text (stmt, 8);
  file->replaces_photo_id = ks_sqlite_column_dup_text (stmt, 9);
  file->state = state_from_string ((const char *) sqlite3_column_text (stmt, 10));
  file->attempts = sqlite3_column_int (stmt, 11);
  file->next_attempt_at = sqlite3_column_int64 (stmt, 12);
  file->last_error = ks_sqlite_column_dup_text (stmt, 13);
  file->priority = sqlite3_column_int (stmt, 14);
  file->changed_at = sqlite3_column_int64 (stmt, 15);
  file->prev_sha256 = ks_sqlite_column_dup_text (stmt, 16);
  return file;
}

static gpointer
error_from_row (KsJournalStmt *stmt)
{
  KsJournalError *entry = g_new0 (KsJournalError, 1);

  entry->file_id = sqlite3_column_int64 (stmt, 0);
  entry->folder_path = ks_sqlite_column_dup_text (stmt, 1);
  entry->path = ks_sqlite_column_dup_text (stmt, 2);
  entry->at = sqlite3_column_int64 (stmt, 3);
  entry->domain = ks_sqlite_column_dup_text (stmt, 4);
  entry->code = sqlite3_column_int (stmt, 5);
  entry->message = ks_sqlite_column_dup_text (stmt, 6);
  return entry;
}

static void
bind_params (KsJournalStmt         *stmt,
             const KsJournalParams *p)
{
  sqlite3_bind_int64 (stmt, 1, p->id);
  ks_sqlite_bind_text (stmt, 2, p->text2);
  ks_sqlite_bind_text (stmt, 3, p->text3);
  sqlite3_bind_int64 (stmt, 4, p->num4);
  sqlite3_bind_int64 (stmt, 5, p->num5);
  sqlite3_bind_int64 (stmt, 6, p->num6);
}

/* Runs one statement; the lock must be held. */
gboolean
ks_journal_run_params (KsJournal             *self,
                       const char            *sql,
                       const KsJournalParams *p,
                       GError               **error)
{
  KsJournalStmt *stmt = ks_journal_prepare (self, sql, error);
  gboolean       ok;

  if (stmt == NULL)
    return FALSE;
  bind_params (stmt, p);
  ok = ks_journal_run (self, stmt, error);
  ks_journal_stmt_release (stmt);
  return ok;
}

/* Inside a change: the statements @sql (separated by NUL, ending in an
 * empty one) run in order; the last one must touch a row of file @id. */
gboolean
ks_journal_change_file (KsJournal             *self,
                        const char            *sql,
                        const KsJournalParams *p,
                        guint                 *out_changes,
                        GError               **error)
{
  gboolean ok = TRUE;

  for (const char *s = sql; ok && *s != '\0'; s += strlen (s) + 1)
    ok = ks_journal_run_params (self, s, p, error);
  if (out_changes != NULL)
    *out_changes = ok ? (guint) sqlite3_changes (self->sql.db) : 0;
  return ok;
}

/* One change of file @p->id: its statements, and _NOT_FOUND when the
 * last one touched nothing. */
gboolean
ks_journal_update_file (KsJournal             *self,
                        const char            *sql,
                        const KsJournalParams *p,
                        GError               **error)
{
  guint    changes = 0;
  gboolean ok;

  if (!ks_journal_change_begin (self, error))
    return FALSE;

  ok = ks_journal_change_file (self, sql, p, &changes, error);
  if (ok && changes == 0)
    {
      ks_journal_set_not_found (error, "file", p->id);
      ok = FALSE;
    }
  return ks_journal_change_end (self, ok, error);
}

/* Collects a query's rows with @from_row; NULL on error. */
static GPtrArray *
query (KsJournal             *self,
       const char            *sql,
       const KsJournalParams *p,
       gpointer (*from_row) (KsJournalStmt *),
       GDestroyNotify free_func,
       GError       **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (free_func);
  KsJournalStmt *stmt;
  int            rc = SQLITE_ERROR;

  ks_journal_lock (self);
  stmt = ks_journal_prepare (self, sql, error);
  if (stmt != NULL)
    {
      bind_params (stmt, p);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (rows, from_row (stmt));
      if (rc != SQLITE_DONE)
        ks_journal_set_error (self, rc, error);
      ks_journal_stmt_release (stmt);
    }
  g_rec_mutex_unlock (&self->lock);

  return rc == SQLITE_DONE ? g_steal_pointer (&rows) : NULL;
}

static KsJournalFile *
query_one_file (KsJournal             *self,
                const char            *sql,
                const KsJournalParams *p,
                GError               **error)
{
  g_autoptr (GPtrArray) rows = query (self, sql, p, file_from_row, (GDestroyNotify) ks_journal_file_free, error);

  if (rows == NULL || rows->len == 0)
    return NULL;
  return g_ptr_array_steal_index (rows, 0);
}

/* ---- finding files ---- */

KsJournalFile *
ks_journal_get_file (KsJournal *self,
                     gint64     file_id,
                     GError   **error)
{
  KsJournalParams p = { .id = file_id };
  g_autoptr (GError) local_error = NULL;
  KsJournalFile *file;

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);

  file = query_one_file (self, "SELECT " FILE_COLUMNS " FROM files f WHERE f.id = ?1", &p, &local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (file == NULL)
    ks_journal_set_not_found (error, "file", file_id);
  return file;
}

KsJournalFile *
ks_journal_find_file (KsJournal  *self,
                      gint64      folder_id,
                      const char *path,
                      GError    **error)
{
  KsJournalParams p = { .id = folder_id, .text2 = path };

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  return query_one_file (self, "SELECT " FILE_COLUMNS " FROM files f WHERE f.folder_id = ?1 AND f.path = ?2",
                         &p, error);
}

GPtrArray *
ks_journal_next_files (KsJournal         *self,
                       KsJournalFileState state,
                       gint64             now,
                       guint              limit,
                       GError           **error)
{
  KsJournalParams p = { .text2 = ks_journal_file_state_to_string (state), .num4 = now, .num5 = limit };

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (state < KS_JOURNAL_N_FILE_STATES, NULL);

  return query (self,
                "SELECT " FILE_COLUMNS " FROM files f JOIN folders d ON d.id = f.folder_id"
                " WHERE f.state = ?2 AND f.next_attempt_at <= ?4 AND NOT d.paused"
                " ORDER BY f.priority DESC, f.changed_at, f.id LIMIT ?5",
                &p, file_from_row, (GDestroyNotify) ks_journal_file_free, error);
}

GPtrArray *
ks_journal_list_unfinished (KsJournal *self,
                            int        min_priority,
                            GError   **error)
{
  KsJournalParams p = { .num4 = min_priority };

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);

  /* Served by the files_queue index (state, priority): no scan of the table. */
  return query (self,
                "SELECT " FILE_COLUMNS " FROM files f"
                " WHERE f.state IN ('new', 'settling', 'hashing', 'queued', 'uploading') AND f.priority >= ?4"
                " ORDER BY f.changed_at, f.id",
                &p, file_from_row, (GDestroyNotify) ks_journal_file_free, error);
}

GPtrArray *
ks_journal_list_files_of_photo (KsJournal  *self,
                                const char *photo_id,
                                GError    **error)
{
  KsJournalParams p = { .text2 = photo_id };

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (photo_id != NULL, NULL);

  /* Served by the files_photo index. */
  return query (self, "SELECT " FILE_COLUMNS " FROM files f WHERE f.photo_id = ?2 ORDER BY f.id", &p, file_from_row,
                (GDestroyNotify) ks_journal_file_free, error);
}

GPtrArray *
ks_journal_list_errors (KsJournal *self,
                        guint      limit,
                        GError   **error)
{
  KsJournalParams p = { .num5 = limit };

  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);

  return query (self,
                "SELECT e.file_id, d.path, f.path, e.at, e.domain, e.code, e.message"
                "  FROM file_errors e JOIN files f ON f.id = e.file_id JOIN folders d ON d.id = f.folder_id"
                " ORDER BY e.at DESC, e.id DESC LIMIT ?5",
                &p, error_from_row, (GDestroyNotify) ks_journal_error_free, error);
}

static gpointer
count_from_row (KsJournalStmt *stmt)
{
  guint64 *row = g_new (guint64, 2);

  row[0] = state_from_string ((const char *) sqlite3_column_text (stmt, 0));
  row[1] = (guint64) sqlite3_column_int64 (stmt, 1);
  return row;
}

gboolean
ks_journal_count_states (KsJournal *self,
                         gint64     folder_id,
                         guint64    counts[KS_JOURNAL_N_FILE_STATES],
                         GError   **error)
{
  KsJournalParams p = { .id = folder_id };
  g_autoptr (GPtrArray) rows = NULL;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  rows = query (self, "SELECT state, sum(n) FROM file_counts WHERE ?1 = 0 OR folder_id = ?1 GROUP BY state",
                &p, count_from_row, g_free, error);
  if (rows == NULL)
    return FALSE;

  memset (counts, 0, sizeof (guint64) * KS_JOURNAL_N_FILE_STATES);
  for (guint i = 0; i < rows->len; i++)
    {
      const guint64 *row = rows->pdata[i];

      counts[row[0]] += row[1];
    }
  return TRUE;
}
