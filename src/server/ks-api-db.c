/* ks-api-db.c: cached statements and transactions for the API
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"
#include "ks-server-error.h"

struct _KsApiTransaction
{
  KsApi   *api;
  gboolean done;
};

/* A KsSqliteErrorFunc: @db is the connection. */
static void
set_db_error_cb (gpointer    db,
                 int         rc,
                 const char *detail,
                 GError    **error)
{
  g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
               "database: %s (%s)", detail, sqlite3_errstr (rc));
}

static void
set_db_error (sqlite3 *db,
              int      rc,
              GError **error)
{
  set_db_error_cb (db, rc, sqlite3_errmsg (db), error);
}

void
ks_api_set_db_error (KsApi   *api,
                     int      rc,
                     GError **error)
{
  set_db_error (api->db, rc, error);
}

/**
 * ks_api_stmt_on:
 * @stmts: SQL text → statement, the cache of @db's
 * @sql: a string that outlives the module (a literal): it is the cache key
 *
 * Returns: (transfer none): the statement, ready to bind; hold it with
 *   g_autoptr (KsApiStmt) so it is reset after use
 */
KsApiStmt *
ks_api_stmt_on (sqlite3    *db,
                GHashTable *stmts,
                const char *sql,
                GError    **error)
{
  const KsSqlite on = { db, set_db_error_cb, db };

  return ks_sqlite_prepare_cached (&on, stmts, sql, error);
}

/* SQLITE_ROW or SQLITE_DONE, or -1 with @error set. */
int
ks_api_step_on (sqlite3   *db,
                KsApiStmt *stmt,
                GError   **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;

  set_db_error (db, rc, error);
  return -1;
}

/* The main loop's connection. */
KsApiStmt *
ks_api_stmt (KsApi      *api,
             const char *sql,
             GError    **error)
{
  return ks_api_stmt_on (api->db, api->stmts, sql, error);
}

void
ks_api_stmt_release (KsApiStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

void
ks_api_clear_statements (KsApi *api)
{
  GHashTableIter iter;
  gpointer       stmt;

  if (api->stmts == NULL)
    return;

  g_hash_table_iter_init (&iter, api->stmts);
  while (g_hash_table_iter_next (&iter, NULL, &stmt))
    sqlite3_finalize (stmt);
  g_hash_table_remove_all (api->stmts);
}

int
ks_api_step (KsApi     *api,
             KsApiStmt *stmt,
             GError   **error)
{
  return ks_api_step_on (api->db, stmt, error);
}

gboolean
ks_api_step_done (KsApi     *api,
                  KsApiStmt *stmt,
                  GError   **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_DONE)
    return TRUE;

  ks_api_set_db_error (api, rc, error);
  return FALSE;
}

const char *
ks_api_column_text (KsApiStmt *stmt,
                    int        column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

/* ---- Transactions ---- */

static gboolean
exec (KsApi      *api,
      const char *sql,
      GError    **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (api, sql, error);

  return stmt != NULL && ks_api_step_done (api, stmt, error);
}

KsApiTransaction *
ks_api_transaction_begin (KsApi   *api,
                          GError **error)
{
  KsApiTransaction *txn;

  g_return_val_if_fail (api->wake == NULL, NULL);

  ks_api_batch_flush (api);

  /* IMMEDIATE: take the write lock now, not halfway through. */
  if (!exec (api, "BEGIN IMMEDIATE", error))
    return NULL;

  txn = g_new0 (KsApiTransaction, 1);
  txn->api = api;
  api->wake = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  return txn;
}

gboolean
ks_api_transaction_commit (KsApiTransaction *txn,
                           GError          **error)
{
  KsApi *api = txn->api;
  g_autoptr (GHashTable) wake = NULL;

  g_return_val_if_fail (!txn->done, FALSE);

  if (!exec (api, "COMMIT", error))
    return FALSE;

  txn->done = TRUE;
  wake = g_steal_pointer (&api->wake);
  ks_api_changes_wake (api, wake);

  return TRUE;
}

void
ks_api_transaction_free (KsApiTransaction *txn)
{
  g_autoptr (GError) error = NULL;

  if (!txn->done)
    {
      /* SQLite may have rolled back already, after some errors. */
      if (!sqlite3_get_autocommit (txn->api->db) && !exec (txn->api, "ROLLBACK", &error))
        g_warning ("Rolling back: %s", error->message);
      g_clear_pointer (&txn->api->wake, g_hash_table_unref);
    }
  g_free (txn);
}
