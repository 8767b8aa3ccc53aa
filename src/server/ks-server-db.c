/* ks-server-db.c: open, check and migrate the server's SQLite database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-server-db.h"
#include "ks-server-error.h"

/* How long a writer waits for another one before SQLITE_BUSY. */
#define BUSY_TIMEOUT_MS 5000

struct _KsServerDb
{
  GObject parent_instance;

  sqlite3 *handle; /* owned, nullable */
  char    *path;
  int      schema_version;
};

G_DEFINE_FINAL_TYPE (KsServerDb, ks_server_db, G_TYPE_OBJECT)

/*
 * The schema, one step per version: migrations[i] takes a database from
 * `PRAGMA user_version` i to i + 1, in one transaction. Steps are never
 * edited once released; a change is a new step at the end.
 */
static const char *const migrations[] = {
  /* 1: accounts of the built-in IdP. Usernames compare without case, like
   * a Cognito pool created with case-insensitive usernames (the default). */
  "CREATE TABLE users ("
  "  sub        TEXT    NOT NULL PRIMARY KEY,"
  "  username   TEXT    NOT NULL UNIQUE COLLATE NOCASE,"
  "  email      TEXT             COLLATE NOCASE,"
  "  created_at INTEGER NOT NULL" /* Unix time, seconds */
  ") STRICT;",
};

static void
ks_server_db_finalize (GObject *object)
{
  KsServerDb *self = (KsServerDb *) object;

  if (self->handle != NULL && sqlite3_close (self->handle) != SQLITE_OK)
    g_critical ("Closing %s: %s", self->path, sqlite3_errmsg (self->handle));
  g_free (self->path);

  G_OBJECT_CLASS (ks_server_db_parent_class)->finalize (object);
}

static void
ks_server_db_class_init (KsServerDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_server_db_finalize;
}

static void
ks_server_db_init (KsServerDb *self)
{
}

void
ks_server_db_set_error (KsServerDb *self,
                        int         rc,
                        GError    **error)
{
  const char *detail = self->handle != NULL ? sqlite3_errmsg (self->handle) : sqlite3_errstr (rc);
  int         primary = rc & 0xff;

  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_CORRUPT,
                 "database %s is corrupt (%s)", self->path, detail);
  else
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
                 "database %s: %s", self->path, detail);
}

gboolean
ks_server_db_exec (KsServerDb *self,
                   const char *sql,
                   GError    **error)
{
  int rc;

  g_return_val_if_fail (KS_IS_SERVER_DB (self), FALSE);

  rc = sqlite3_exec (self->handle, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      ks_server_db_set_error (self, rc, error);
      return FALSE;
    }

  return TRUE;
}

KsServerDbStmt *
ks_server_db_prepare (KsServerDb *self,
                      const char *sql,
                      GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int           rc;

  g_return_val_if_fail (KS_IS_SERVER_DB (self), NULL);

  rc = sqlite3_prepare_v2 (self->handle, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      ks_server_db_set_error (self, rc, error);
      return NULL;
    }

  return stmt;
}

/* Runs a statement that returns one row and gives its first column. */
static gboolean
query_text (KsServerDb *self,
            const char *sql,
            char      **out_text,
            GError    **error)
{
  g_autoptr (KsServerDbStmt) stmt = ks_server_db_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      ks_server_db_set_error (self, rc, error);
      return FALSE;
    }

  *out_text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return TRUE;
}

/* quick_check reads every page but skips the index cross-checks, so it
 * stays fast on a large library while catching a damaged file. */
static gboolean
check_integrity (KsServerDb *self,
                 GError    **error)
{
  g_autofree char *result = NULL;

  if (!query_text (self, "PRAGMA quick_check", &result, error))
    return FALSE;

  if (g_strcmp0 (result, "ok") != 0)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_CORRUPT,
                   "database %s is corrupt (%s)", self->path, result);
      return FALSE;
    }

  return TRUE;
}

static gboolean
configure (KsServerDb *self,
           GError    **error)
{
  g_autofree char *mode = NULL;

  if (!query_text (self, "PRAGMA journal_mode = WAL", &mode, error))
    return FALSE;

  if (g_ascii_strcasecmp (mode, "wal") != 0)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
                   "database %s: cannot switch to WAL mode (got %s)", self->path, mode);
      return FALSE;
    }

  /* NORMAL is durable across application crashes in WAL mode; only a
   * power cut can lose the last transactions. */
  return ks_server_db_exec (self,
                            "PRAGMA foreign_keys = ON;"
                            "PRAGMA synchronous = NORMAL;",
                            error);
}

static gboolean
apply_migration (KsServerDb *self,
                 guint       index,
                 GError    **error)
{
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %u;", index + 1);

  if (!ks_server_db_exec (self, "BEGIN IMMEDIATE;", error))
    return FALSE;

  if (!ks_server_db_exec (self, migrations[index], error) ||
      !ks_server_db_exec (self, set_version, error))
    {
      sqlite3_exec (self->handle, "ROLLBACK;", NULL, NULL, NULL);
      g_prefix_error (error, "upgrading to schema %u: ", index + 1);
      return FALSE;
    }

  return ks_server_db_exec (self, "COMMIT;", error);
}

static gboolean
migrate (KsServerDb *self,
         GError    **error)
{
  g_autofree char *text = NULL;
  int              version;

  if (!query_text (self, "PRAGMA user_version", &text, error))
    return FALSE;

  version = (int) g_ascii_strtoll (text, NULL, 10);
  if (version < 0 || version > ks_server_db_get_latest_version ())
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
                   "database %s has schema version %d; this keepsake-server only knows up to %d",
                   self->path, version, ks_server_db_get_latest_version ());
      return FALSE;
    }

  for (guint i = (guint) version; i < G_N_ELEMENTS (migrations); i++)
    {
      if (!apply_migration (self, i, error))
        return FALSE;
      g_debug ("Upgraded %s to schema %u", self->path, i + 1);
    }

  self->schema_version = ks_server_db_get_latest_version ();
  return TRUE;
}

/**
 * ks_server_db_open:
 * @path: the database file, created if missing
 * @error: a #KS_SERVER_ERROR; %KS_SERVER_ERROR_CORRUPT for a damaged file
 *
 * Opens the database, checks it, and brings its schema up to date.
 */
KsServerDb *
ks_server_db_open (const char *path,
                   GError    **error)
{
  g_autoptr (KsServerDb) self = g_object_new (KS_TYPE_SERVER_DB, NULL);
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      ks_server_db_set_error (self, rc, error);
      return NULL;
    }

  sqlite3_busy_timeout (self->handle, BUSY_TIMEOUT_MS);

  if (!check_integrity (self, error) ||
      !configure (self, error) ||
      !migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
ks_server_db_get_path (KsServerDb *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DB (self), NULL);

  return self->path;
}

sqlite3 *
ks_server_db_get_handle (KsServerDb *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DB (self), NULL);

  return self->handle;
}

int
ks_server_db_get_schema_version (KsServerDb *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DB (self), 0);

  return self->schema_version;
}

int
ks_server_db_get_latest_version (void)
{
  return (int) G_N_ELEMENTS (migrations);
}
