/* ks-journal-changes.c: what scans, the watcher and the engine record
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-journal-private.h"

static void
bind_stat (KsJournalStmt       *stmt,
           gint64               folder_id,
           const char          *path,
           const KsJournalStat *st)
{
  sqlite3_bind_int64 (stmt, 1, folder_id);
  ks_sqlite_bind_text (stmt, 2, path);
  sqlite3_bind_int64 (stmt, 3, st->size);
  sqlite3_bind_int64 (stmt, 4, st->mtime);
  sqlite3_bind_int64 (stmt, 5, (gint64) st->inode);
  sqlite3_bind_int64 (stmt, 6, (gint64) st->device);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
}

/* Runs an UPDATE ... RETURNING id over a file's stat; 0 when no row. */
static gboolean
run_stat (KsJournal           *self,
          const char          *sql,
          gint64               folder_id,
          const char          *path,
          const KsJournalStat *st,
          gint64              *out_id,
          GError             **error)
{
  KsJournalStmt *stmt = ks_journal_prepare (self, sql, error);
  int            rc;

  if (stmt == NULL)
    return FALSE;

  *out_id = 0;
  bind_stat (stmt, folder_id, path, st);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    *out_id = sqlite3_column_int64 (stmt, 0);
  ks_journal_stmt_release (stmt);

  if (rc != SQLITE_DONE)
    {
      ks_journal_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

#define SCAN_GEN "(SELECT scan_gen FROM folders WHERE id = ?1)"

/* ---- what a scan saw ---- */

void
ks_journal_seen_free (KsJournalSeen *seen)
{
  g_free (seen->bits);
  g_free (seen);
}

static void
mark_seen (KsJournal *self,
           gint64     folder_id,
           gint64     file_id)
{
  KsJournalSeen *seen = g_hash_table_lookup (self->scans, &folder_id);
  gsize          byte = (gsize) file_id / 8;

  if (seen == NULL || file_id <= 0)
    return;
  if (byte >= seen->n_bytes)
    {
      gsize n_bytes = MAX (MAX (seen->n_bytes * 2, byte + 1), 4096);

      seen->bits = g_realloc (seen->bits, n_bytes);
      memset (seen->bits + seen->n_bytes, 0, n_bytes - seen->n_bytes);
      seen->n_bytes = n_bytes;
    }
  seen->bits[byte] |= (guint8) (1u << (file_id % 8));
}

/* ks_scan_seen (folder_id, file_id): whether the folder's scan in
 * progress found the file unchanged. */
static void
scan_seen_fn (sqlite3_context *context,
              int              argc,
              sqlite3_value  **argv)
{
  KsJournal     *self = sqlite3_user_data (context);
  gint64         folder_id = sqlite3_value_int64 (argv[0]);
  gint64         file_id = sqlite3_value_int64 (argv[1]);
  KsJournalSeen *seen = g_hash_table_lookup (self->scans, &folder_id);
  gsize          byte = (gsize) file_id / 8;

  sqlite3_result_int (context, seen != NULL && file_id > 0 && byte < seen->n_bytes &&
                                   (seen->bits[byte] & (1u << (file_id % 8))) != 0);
}

gboolean
ks_journal_register_functions (KsJournal *self,
                               GError   **error)
{
  int rc = sqlite3_create_function_v2 (self->sql.db, "ks_scan_seen", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, self,
                                       scan_seen_fn, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      ks_journal_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

/* ---- recording files ---- */

/* The row of @path and whether @st matches it: a read, no write. */
static gboolean
lookup (KsJournal           *self,
        gint64               folder_id,
        const char          *path,
        const KsJournalStat *st,
        gint64              *out_id,
        gboolean            *out_same,
        GError             **error)
{
  KsJournalStmt *stmt = ks_journal_prepare (self,
                                            "SELECT id, size, mtime, inode, device FROM files"
                                            " WHERE folder_id = ?1 AND path = ?2",
                                            error);
  int            rc;

  if (stmt == NULL)
    return FALSE;
  *out_id = 0;
  *out_same = FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  ks_sqlite_bind_text (stmt, 2, path);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      guint64 device = (guint64) sqlite3_column_int64 (stmt, 4);

      *out_id = sqlite3_column_int64 (stmt, 0);
      *out_same = sqlite3_column_int64 (stmt, 1) == st->size && sqlite3_column_int64 (stmt, 2) == st->mtime &&
                  (guint64) sqlite3_column_int64 (stmt, 3) == st->inode &&
                  (st->device == 0 || device == st->device);
      rc = SQLITE_DONE;
    }
  ks_journal_stmt_release (stmt);
  if (rc != SQLITE_DONE)
    {
      ks_journal_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

/* In a transaction: the file is new, or differs from its row. */
static gboolean
upsert (KsJournal           *self,
        gint64               folder_id,
        const char          *path,
        const KsJournalStat *st,
        KsJournalUpsert     *out_change,
        gint64              *out_id,
        GError             **error)
{
  KsJournalParams p = { .id = folder_id };
  gboolean        same = FALSE;

  /* Another connection may have written it since the first look. */
  if (!lookup (self, folder_id, path, st, out_id, &same, error))
    return FALSE;
  *out_change = KS_JOURNAL_UPSERT_UNCHANGED;
  if (same)
    return TRUE;

  if (!run_stat (self,
                 "UPDATE files SET size = ?3, mtime = ?4, inode = ?5, device = iif (?6 = 0, device, ?6),"
                 "  prev_sha256 = coalesce (sha256, prev_sha256), sha256 = NULL, state = 'new',"
                 "  attempts = 0, next_attempt_at = 0, last_error = NULL, changed_at = ?7,"
                 "  seen_gen = " SCAN_GEN
                 " WHERE folder_id = ?1 AND path = ?2 RETURNING id",
                 folder_id, path, st, out_id, error))
    return FALSE;
  *out_change = KS_JOURNAL_UPSERT_CHANGED;
  if (*out_id != 0)
    {
      p.id = *out_id;
      return ks_journal_run_params (self, "DELETE FROM file_errors WHERE file_id = ?1", &p, error);
    }

  *out_change = KS_JOURNAL_UPSERT_NEW;
  if (!run_stat (self,
                 "INSERT INTO files (folder_id, path, size, mtime, inode, device, state, changed_at, seen_gen)"
                 " SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'new', ?7, scan_gen FROM folders WHERE id = ?1"
                 " RETURNING id",
                 folder_id, path, st, out_id, error))
    return FALSE;
  if (*out_id == 0)
    {
      ks_journal_set_not_found (error, "folder", folder_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
ks_journal_upsert_file (KsJournal           *self,
                        gint64               folder_id,
                        const char          *path,
                        const KsJournalStat *stat,
                        KsJournalUpsert     *out_change,
                        gint64              *out_file_id,
                        GError             **error)
{
  KsJournalUpsert change = KS_JOURNAL_UPSERT_UNCHANGED;
  gint64          id = 0;
  gboolean        same = FALSE;
  gboolean        ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (path != NULL && stat != NULL, FALSE);

  /* The common case of a rescan, a file as it was: nothing written. */
  ks_journal_lock (self);
  ok = lookup (self, folder_id, path, stat, &id, &same, error);
  if (ok && !same)
    ok = ks_journal_change_begin (self, error) &&
         ks_journal_change_end (self, upsert (self, folder_id, path, stat, &change, &id, error), error);
  if (ok)
    mark_seen (self, folder_id, id);
  g_rec_mutex_unlock (&self->lock);
  if (!ok)
    return FALSE;

  if (out_change != NULL)
    *out_change = change;
  if (out_file_id != NULL)
    *out_file_id = id;
  return TRUE;
}

gboolean
ks_journal_remove_file (KsJournal *self,
                        gint64     file_id,
                        GError   **error)
{
  KsJournalParams p = { .id = file_id };

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  return ks_journal_update_file (self, "DELETE FROM files WHERE id = ?1\0", &p, error);
}

gboolean
ks_journal_rename_file (KsJournal  *self,
                        gint64      folder_id,
                        const char *old_path,
                        const char *new_path,
                        GError    **error)
{
  KsJournalParams p = { .id = folder_id, .text2 = old_path, .text3 = new_path };
  guint           changes = 0;
  gboolean        ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (old_path != NULL && new_path != NULL, FALSE);

  if (g_str_equal (old_path, new_path))
    return TRUE;
  if (!ks_journal_change_begin (self, error))
    return FALSE;

  /* The file the move replaced is gone; the moved one keeps its row. */
  ok = ks_journal_change_file (self,
                               "DELETE FROM files WHERE folder_id = ?1 AND path = ?3\0"
                               "UPDATE files SET path = ?3, seen_gen = " SCAN_GEN " WHERE folder_id = ?1 AND path = ?2\0",
                               &p, &changes, error);
  if (ok && changes == 0)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND, "%s is not in the sync journal", old_path);
      ok = FALSE;
    }
  return ks_journal_change_end (self, ok, error);
}

/* "dir/" prefixes compared with substr(), which needs no LIKE escaping. */
#define UNDER(param) "substr (path, 1, length (" param ") + 1) = " param " || '/'"

gboolean
ks_journal_rename_dir (KsJournal  *self,
                       gint64      folder_id,
                       const char *old_path,
                       const char *new_path,
                       GError    **error)
{
  KsJournalParams p = { .id = folder_id, .text2 = old_path, .text3 = new_path };
  gboolean        ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (old_path != NULL && new_path != NULL, FALSE);

  if (g_str_equal (old_path, new_path))
    return TRUE;
  if (!ks_journal_change_begin (self, error))
    return FALSE;

  ok = ks_journal_change_file (self,
                               "DELETE FROM files WHERE folder_id = ?1 AND " UNDER ("?3") "\0"
                                                                                          "UPDATE files SET path = ?3 || substr (path, length (?2) + 1), seen_gen = " SCAN_GEN
                                                                                          " WHERE folder_id = ?1 AND " UNDER ("?2") "\0",
                               &p, NULL, error);
  return ks_journal_change_end (self, ok, error);
}

gboolean
ks_journal_remove_dir (KsJournal  *self,
                       gint64      folder_id,
                       const char *path,
                       GError    **error)
{
  KsJournalParams p = { .id = folder_id, .text2 = path };
  gboolean        ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!ks_journal_change_begin (self, error))
    return FALSE;
  ok = ks_journal_change_file (self, "DELETE FROM files WHERE folder_id = ?1 AND " UNDER ("?2") "\0", &p, NULL, error);
  return ks_journal_change_end (self, ok, error);
}

gboolean
ks_journal_begin_scan (KsJournal *self,
                       gint64     folder_id,
                       GError   **error)
{
  KsJournalParams p = { .id = folder_id };
  KsJournalSeen  *seen;
  guint           changes = 0;
  gboolean        ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  if (!ks_journal_change_begin (self, error))
    return FALSE;
  ok = ks_journal_change_file (self, "UPDATE folders SET scan_gen = scan_gen + 1 WHERE id = ?1\0", &p, &changes, error);
  if (ok && changes == 0)
    {
      ks_journal_set_not_found (error, "folder", folder_id);
      ok = FALSE;
    }
  if (ok)
    {
      /* A scan begun again starts over. */
      seen = g_new0 (KsJournalSeen, 1);
      seen->folder_id = folder_id;
      g_hash_table_replace (self->scans, &seen->folder_id, seen);
    }
  return ks_journal_change_end (self, ok, error);
}

gboolean
ks_journal_finish_scan (KsJournal *self,
                        gint64     folder_id,
                        guint     *out_n_removed,
                        GError   **error)
{
  KsJournalParams p = { .id = folder_id, .num4 = g_get_real_time () };
  guint           removed = 0, changes = 0;
  gboolean        ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  if (!ks_journal_change_begin (self, error))
    return FALSE;
  /* Without what the scan saw, every row would look gone. */
  ok = g_hash_table_contains (self->scans, &folder_id);
  if (!ok)
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FAILED,
                 "No scan of folder %" G_GINT64_FORMAT " is in progress in this journal", folder_id);
  ok = ok &&
       ks_journal_change_file (self,
                               "DELETE FROM files WHERE folder_id = ?1 AND NOT ks_scan_seen (?1, id)"
                               "  AND seen_gen < " SCAN_GEN "\0",
                               &p, &removed, error) &&
       ks_journal_change_file (self, "UPDATE folders SET last_scan_at = ?4 WHERE id = ?1\0", &p, &changes, error);
  if (ok && changes == 0)
    {
      ks_journal_set_not_found (error, "folder", folder_id);
      ok = FALSE;
    }
  if (ok)
    g_hash_table_remove (self->scans, &folder_id);
  if (!ks_journal_change_end (self, ok, error))
    return FALSE;

  if (out_n_removed != NULL)
    *out_n_removed = removed;
  return TRUE;
}

/* ---- the engine's progress ---- */

gboolean
ks_journal_set_state (KsJournal         *self,
                      gint64             file_id,
                      KsJournalFileState state,
                      GError           **error)
{
  KsJournalParams p = { .id = file_id, .text2 = ks_journal_file_state_to_string (state) };

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (state < KS_JOURNAL_N_FILE_STATES, FALSE);

  return ks_journal_update_file (self, "UPDATE files SET state = ?2 WHERE id = ?1\0", &p, error);
}

gboolean
ks_journal_set_priority (KsJournal *self,
                         gint64     file_id,
                         int        priority,
                         GError   **error)
{
  KsJournalParams p = { .id = file_id, .num4 = priority };

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  return ks_journal_update_file (self, "UPDATE files SET priority = ?4 WHERE id = ?1\0", &p, error);
}

static gboolean
same_stat (const KsJournalFile *file,
           const KsJournalStat *st)
{
  return file->stat.size == st->size && file->stat.mtime == st->mtime &&
         file->stat.inode == st->inode &&
         (st->device == 0 || file->stat.device == 0 || file->stat.device == st->device);
}

gboolean
ks_journal_set_hashed (KsJournal           *self,
                       gint64               file_id,
                       const KsJournalStat *stat,
                       const char          *sha256,
                       KsJournalFileState   next_state,
                       GError             **error)
{
  KsJournalParams p = { .id = file_id, .text2 = sha256, .text3 = ks_journal_file_state_to_string (next_state) };
  g_autoptr (KsJournalFile) file = NULL;
  gboolean ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (stat != NULL && sha256 != NULL, FALSE);
  g_return_val_if_fail (next_state < KS_JOURNAL_N_FILE_STATES, FALSE);

  if (!ks_journal_change_begin (self, error))
    return FALSE;

  file = ks_journal_get_file (self, file_id, error);
  ok = file != NULL;
  if (ok && !same_stat (file, stat))
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED, "%s changed while it was being read", file->path);
      ok = FALSE;
    }

  /* Same bytes as the photo it already is: nothing to upload. Other
   * bytes: a new version of that photo. */
  ok = ok && ks_journal_run_params (self,
                                    "UPDATE files SET"
                                    "  state = CASE WHEN photo_id IS NOT NULL AND prev_sha256 IS ?2 THEN 'done' ELSE ?3 END,"
                                    "  replaces_photo_id = CASE WHEN photo_id IS NOT NULL AND prev_sha256 IS NOT ?2"
                                    "                      THEN photo_id ELSE replaces_photo_id END,"
                                    "  photo_id = CASE WHEN prev_sha256 IS ?2 THEN photo_id END,"
                                    "  sha256 = ?2, prev_sha256 = NULL"
                                    " WHERE id = ?1",
                                    &p, error);
  return ks_journal_change_end (self, ok, error);
}

gboolean
ks_journal_set_done (KsJournal  *self,
                     gint64      file_id,
                     const char *sha256,
                     const char *photo_id,
                     GError    **error)
{
  KsJournalParams p = { .id = file_id, .text2 = sha256, .text3 = photo_id };
  g_autoptr (KsJournalFile) file = NULL;
  guint    changes = 0;
  gboolean ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (sha256 != NULL && photo_id != NULL, FALSE);

  if (!ks_journal_change_begin (self, error))
    return FALSE;

  ok = ks_journal_change_file (self,
                               "DELETE FROM file_errors WHERE file_id = ?1"
                               "  AND (SELECT sha256 FROM files WHERE id = ?1) IS ?2\0"
                               "UPDATE files SET state = 'done', photo_id = ?3, attempts = 0, next_attempt_at = 0,"
                               "  last_error = NULL, priority = 0 WHERE id = ?1 AND sha256 IS ?2\0",
                               &p, &changes, error);
  if (!ok || changes > 0)
    return ks_journal_change_end (self, ok, error);

  /* Changed since it was hashed, and not hashed again yet: the photo
   * uploaded is the version the new content replaces. */
  if (!ks_journal_run_params (self,
                              "UPDATE files SET photo_id = ?3, replaces_photo_id = NULL"
                              " WHERE id = ?1 AND sha256 IS NULL AND prev_sha256 IS ?2 AND photo_id IS NULL",
                              &p, error) ||
      !ks_journal_change_end (self, TRUE, error))
    return FALSE;

  file = ks_journal_get_file (self, file_id, error);
  if (file != NULL)
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED, "%s changed while it was being uploaded", file->path);
  return FALSE;
}

gboolean
ks_journal_record_error (KsJournal    *self,
                         gint64        file_id,
                         const GError *failure,
                         gint64        retry_at,
                         GError      **error)
{
  KsJournalParams p = { .id = file_id,
                        .text2 = failure->message,
                        .text3 = g_quark_to_string (failure->domain),
                        .num4 = retry_at,
                        .num5 = failure->code,
                        .num6 = g_get_real_time () };

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (failure != NULL, FALSE);

  /* For an unknown file the INSERT adds nothing and the UPDATE touches
   * nothing: _NOT_FOUND. */
  return ks_journal_update_file (self,
                                 "INSERT INTO file_errors (file_id, at, domain, code, message)"
                                 " SELECT id, ?6, ?3, ?5, ?2 FROM files WHERE id = ?1\0"
                                 "UPDATE files SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?4,"
                                 "  state = CASE WHEN ?4 = 0 THEN 'failed' WHEN sha256 IS NULL THEN 'new' ELSE 'queued' END"
                                 " WHERE id = ?1\0",
                                 &p, error);
}

gboolean
ks_journal_retry (KsJournal *self,
                  gint64     file_id,
                  guint     *out_n_retried,
                  GError   **error)
{
  KsJournalParams p = { .id = file_id };
  guint           changes = 0;
  gboolean        ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  if (!ks_journal_change_begin (self, error))
    return FALSE;

  ok = ks_journal_change_file (self,
                               "DELETE FROM file_errors WHERE file_id IN"
                               "  (SELECT id FROM files WHERE state = 'failed' AND (?1 = 0 OR id = ?1))\0"
                               "UPDATE files SET state = CASE WHEN sha256 IS NULL THEN 'new' ELSE 'queued' END,"
                               "  attempts = 0, next_attempt_at = 0, last_error = NULL"
                               " WHERE state = 'failed' AND (?1 = 0 OR id = ?1)\0",
                               &p, &changes, error);
  if (ok && changes == 0 && file_id != 0)
    {
      g_autoptr (KsJournalFile) file = ks_journal_get_file (self, file_id, error);

      ok = file != NULL;
    }
  if (!ks_journal_change_end (self, ok, error))
    return FALSE;

  if (out_n_retried != NULL)
    *out_n_retried = changes;
  return TRUE;
}

/* The error rows of a failed file, before it stops being one. */
#define FORGET_ERRORS \
  "DELETE FROM file_errors WHERE file_id IN (SELECT id FROM files WHERE state = 'failed' AND id = ?1)\0"

gboolean
ks_journal_dismiss (KsJournal *self,
                    gint64     file_id,
                    gboolean   forget,
                    GError   **error)
{
  KsJournalParams p = { .id = file_id };

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  return ks_journal_update_file (self,
                                 forget ? FORGET_ERRORS "DELETE FROM files WHERE state = 'failed' AND id = ?1\0"
                                        : FORGET_ERRORS
                                     "UPDATE files SET state = 'skipped', attempts = 0, next_attempt_at = 0,"
                                     "  last_error = NULL WHERE state = 'failed' AND id = ?1\0",
                                 &p, error);
}

gboolean
ks_journal_forget_photo (KsJournal *self,
                         gint64     file_id,
                         GError   **error)
{
  KsJournalParams p = { .id = file_id };

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  return ks_journal_update_file (self,
                                 "UPDATE files SET state = 'new', sha256 = NULL, prev_sha256 = NULL, photo_id = NULL,"
                                 "  replaces_photo_id = NULL, attempts = 0, next_attempt_at = 0, last_error = NULL"
                                 " WHERE id = ?1 AND state = 'done'\0",
                                 &p, error);
}
