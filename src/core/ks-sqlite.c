/* ks-sqlite.c: what Keepsake's SQLite databases do the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-sqlite.h"

void
ks_sqlite_set_error (const KsSqlite *self,
                     int             rc,
                     GError        **error)
{
  self->set_error (self->owner, rc, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc), error);
}

GStrv
ks_sqlite_files (const char *path)
{
  char **files = g_new0 (char *, 4);

  files[0] = g_strdup (path);
  files[1] = g_strconcat (path, "-wal", NULL);
  files[2] = g_strconcat (path, "-shm", NULL);
  return files;
}

void
ks_sqlite_bind_text (sqlite3_stmt *stmt,
                     int           index,
                     const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

char *
ks_sqlite_column_dup_text (sqlite3_stmt *stmt,
                           int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

GHashTable *
ks_sqlite_statements_new (void)
{
  return g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) sqlite3_finalize);
}

sqlite3_stmt *
ks_sqlite_prepare_cached (const KsSqlite *self,
                          GHashTable     *statements,
                          const char     *sql,
                          GError        **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (statements, sql);
  int           rc;

  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      ks_sqlite_set_error (self, rc, error);
      return NULL;
    }

  g_hash_table_insert (statements, (gpointer) sql, stmt);
  return stmt;
}

gboolean
ks_sqlite_run (const KsSqlite *self,
               sqlite3_stmt   *stmt,
               GError        **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    {
      ks_sqlite_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
ks_sqlite_exec (const KsSqlite *self,
                const char     *sql,
                GError        **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      ks_sqlite_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

/* Steps a one-off statement to its first row, which the caller reads
 * before finalizing it. */
static sqlite3_stmt *
query_row (const KsSqlite *self,
           const char     *sql,
           GError        **error)
{
  sqlite3_stmt *stmt = NULL;
  int           rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ks_sqlite_set_error (self, rc, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

gboolean
ks_sqlite_query_int (const KsSqlite *self,
                     const char     *sql,
                     gint64         *out,
                     GError        **error)
{
  sqlite3_stmt *stmt = query_row (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

gboolean
ks_sqlite_query_text (const KsSqlite *self,
                      const char     *sql,
                      char          **out,
                      GError        **error)
{
  sqlite3_stmt *stmt = query_row (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  *out = ks_sqlite_column_dup_text (stmt, 0);
  sqlite3_finalize (stmt);
  return TRUE;
}

gboolean
ks_sqlite_quick_check (const KsSqlite *self,
                       GError        **error)
{
  g_autofree char *result = NULL;

  if (!ks_sqlite_query_text (self, "PRAGMA quick_check", &result, error))
    return FALSE;
  if (g_strcmp0 (result, "ok") == 0)
    return TRUE;

  /* "*** in database main ***\nPage 5: …": one line, for a log. */
  if (result != NULL)
    g_strdelimit (result, "\r\n", ' ');
  self->set_error (self->owner, SQLITE_CORRUPT, result != NULL ? result : "?", error);
  return FALSE;
}

gboolean
ks_sqlite_read_schema (const KsSqlite *self,
                       gint32          application_id,
                       gint64         *out_version,
                       gboolean       *out_foreign,
                       GError        **error)
{
  gint64 app_id, n_objects;

  if (!ks_sqlite_query_int (self, "PRAGMA application_id", &app_id, error) ||
      !ks_sqlite_query_int (self, "PRAGMA user_version", out_version, error) ||
      !ks_sqlite_query_int (self, "SELECT count(*) FROM sqlite_schema", &n_objects, error))
    return FALSE;

  *out_foreign = (n_objects > 0 || *out_version != 0) && app_id != application_id;
  return TRUE;
}

gboolean
ks_sqlite_migrate (const KsSqlite    *self,
                   const char *const *steps,
                   gsize              n_steps,
                   gint32             application_id,
                   gint64            *inout_version,
                   GError           **error)
{
  for (gint64 i = MAX (*inout_version, 0); i < (gint64) n_steps; i++)
    {
      g_autofree char *stamp = NULL;

      if (application_id != 0)
        stamp = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT "; PRAGMA application_id = %" G_GINT32_FORMAT ";",
                                 i + 1, application_id);
      else
        stamp = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT ";", i + 1);

      if (!ks_sqlite_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!ks_sqlite_exec (self, steps[i], error) || !ks_sqlite_exec (self, stamp, error) ||
          !ks_sqlite_exec (self, "COMMIT", error))
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      *inout_version = i + 1;
    }
  return TRUE;
}
