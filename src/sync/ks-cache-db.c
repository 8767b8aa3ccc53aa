/* ks-cache-db.c: opening, schema, transactions and what follows the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cache-db-private.h"

/* "KSCA": tells our file from any other SQLite database. */
#define APPLICATION_ID 0x4b534341
#define BUSY_TIMEOUT_MS 10000

/*
 * migrations[i] takes the file from `PRAGMA user_version` i to i + 1.
 * Never edit a released step; add one. Times the server gave are kept as
 * its text; local times are µs since the epoch.
 */
static const char *const migrations[] = {
  "CREATE TABLE meta ("
  "  key   TEXT NOT NULL PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ") STRICT;"
  "CREATE TABLE albums ("
  "  id             TEXT    NOT NULL PRIMARY KEY,"
  "  name           TEXT    NOT NULL,"
  "  owner          TEXT    NOT NULL,"
  "  role           TEXT    NOT NULL,"
  "  photo_count    INTEGER NOT NULL,"
  "  created_at     TEXT,"
  "  updated_at     TEXT,"
  "  pinned         INTEGER NOT NULL DEFAULT 0,"
  "  keep_originals INTEGER NOT NULL DEFAULT 0"
  ") STRICT;"
  "CREATE TABLE members ("
  "  album_id TEXT    NOT NULL REFERENCES albums (id) ON DELETE CASCADE,"
  "  username TEXT    NOT NULL,"
  "  role     TEXT    NOT NULL,"
  "  added_at TEXT,"
  "  position INTEGER NOT NULL,"
  "  PRIMARY KEY (album_id, username)"
  ") STRICT;"
  "CREATE TABLE photos ("
  "  id           TEXT    NOT NULL PRIMARY KEY,"
  "  owner        TEXT,"
  "  content_type TEXT,"
  "  width        INTEGER NOT NULL,"
  "  height       INTEGER NOT NULL,"
  "  taken_at     TEXT,"
  "  sha256       TEXT    NOT NULL,"
  "  size         INTEGER NOT NULL,"
  "  file_name    TEXT,"
  "  url_original TEXT,"
  "  url_grid     TEXT,"
  "  url_preview  TEXT,"
  "  urls_expire  INTEGER NOT NULL DEFAULT 0," /* µs */
  "  viewed_at    INTEGER NOT NULL"            /* µs; first cached until viewed */
  ") STRICT;"
  "CREATE INDEX photos_viewed ON photos (viewed_at, id);"
  "CREATE TABLE album_photos ("
  "  album_id TEXT    NOT NULL REFERENCES albums (id) ON DELETE CASCADE,"
  "  photo_id TEXT    NOT NULL REFERENCES photos (id) ON DELETE CASCADE,"
  "  added_by TEXT,"
  "  added_at TEXT,"
  "  position INTEGER NOT NULL,"
  "  PRIMARY KEY (album_id, photo_id)"
  ") STRICT;"
  "CREATE INDEX album_photos_photo ON album_photos (photo_id);"
  "CREATE TABLE blobs ("
  "  photo_id TEXT    NOT NULL REFERENCES photos (id) ON DELETE CASCADE,"
  "  kind     TEXT    NOT NULL CHECK (kind IN ('grid', 'preview', 'original')),"
  "  sha256   TEXT    NOT NULL,"
  "  size     INTEGER NOT NULL,"
  "  state    TEXT    NOT NULL CHECK (state IN ('missing', 'present', 'evicted')),"
  "  PRIMARY KEY (photo_id, kind)"
  ") STRICT;"
  "CREATE INDEX blobs_state ON blobs (state);",
};

void
ks_cache_blob_free (KsCacheBlob *self)
{
  if (self == NULL)
    return;
  g_free (self->photo_id);
  g_free (self->sha256);
  g_free (self->url);
  g_free (self);
}

/* ---- helpers ---- */

static void
set_error_cb (gpointer    owner,
              int         rc,
              const char *detail,
              GError    **error)
{
  KsCacheDb *self = owner;

  g_debug ("Cache %s: %s (%d)", self->path, detail, rc);
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED,
                   _ ("The album cache %s is damaged; it is started afresh the next time it is opened"),
                   self->path);
      break;
    case SQLITE_FULL:
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   _ ("The disk holding the album cache %s is full"), self->path);
      break;
    default:
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   _ ("The album cache %s failed: %s"), self->path, detail);
      break;
    }
}

void
ks_cache_db_set_error (KsCacheDb *self,
                       int        rc,
                       GError   **error)
{
  ks_sqlite_set_error (&self->sql, rc, error);
}

sqlite3_stmt *
ks_cache_db_prepare (KsCacheDb  *self,
                     const char *sql,
                     GError    **error)
{
  sqlite3_stmt *stmt = ks_sqlite_prepare_cached (&self->sql, self->statements, sql, error);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  return stmt;
}

gboolean
ks_cache_db_step_done (KsCacheDb    *self,
                       sqlite3_stmt *stmt,
                       GError      **error)
{
  gboolean ok = ks_sqlite_run (&self->sql, stmt, error);

  sqlite3_reset (stmt);
  return ok;
}

/* One statement with text parameters (NULL-terminated), run to its end. */
gboolean
ks_cache_db_exec_args (KsCacheDb  *self,
                       const char *sql,
                       GError    **error,
                       ...)
{
  sqlite3_stmt *stmt;
  const char   *arg;
  va_list       args;
  int           i = 1;
  gboolean      ok;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, sql, error);
  if (stmt == NULL)
    {
      g_rec_mutex_unlock (&self->lock);
      return FALSE;
    }
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    ks_sqlite_bind_text (stmt, i++, arg);
  va_end (args);
  ok = ks_cache_db_step_done (self, stmt, error);
  g_rec_mutex_unlock (&self->lock);
  return ok;
}

char *
ks_cache_blob_path (const char     *photo_id,
                    KsCacheFileKind kind)
{
  g_autofree char *name = g_strconcat (photo_id, ".", ks_cache_file_kind_to_string (kind), NULL);
  char             prefix[3] = { photo_id[0], photo_id[0] != '\0' ? photo_id[1] : '\0', '\0' };

  return g_build_filename ("files", prefix, name, NULL);
}

/* ---- transactions ---- */

gboolean
ks_cache_db_begin (KsCacheDb *self,
                   GError   **error)
{
  g_rec_mutex_lock (&self->lock);
  if (!ks_sqlite_exec (&self->sql, "BEGIN IMMEDIATE", error))
    {
      g_rec_mutex_unlock (&self->lock);
      return FALSE;
    }
  return TRUE;
}

gboolean
ks_cache_db_commit (KsCacheDb *self,
                    GError   **error)
{
  gboolean ok = ks_sqlite_exec (&self->sql, "COMMIT", error);

  if (!ok)
    sqlite3_exec (self->sql.db, "ROLLBACK", NULL, NULL, NULL);
  g_rec_mutex_unlock (&self->lock);
  return ok;
}

void
ks_cache_db_rollback (KsCacheDb *self)
{
  sqlite3_exec (self->sql.db, "ROLLBACK", NULL, NULL, NULL);
  g_rec_mutex_unlock (&self->lock);
}

/* ---- opening ---- */

static gboolean
migrate (KsCacheDb *self,
         GError   **error)
{
  gint64   version;
  gboolean foreign;

  if (!ks_sqlite_read_schema (&self->sql, APPLICATION_ID, &version, &foreign, error))
    return FALSE;
  if (foreign)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL, _ ("%s is not a Keepsake album cache"), self->path);
      return FALSE;
    }
  if (version > (gint64) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   _ ("The album cache %s was written by a newer Keepsake"), self->path);
      return FALSE;
    }

  return ks_sqlite_migrate (&self->sql, migrations, G_N_ELEMENTS (migrations), APPLICATION_ID, &version, error);
}

KsCacheDb *
ks_cache_db_open (const char *path,
                  GError    **error)
{
  g_autoptr (KsCacheDb) self = g_new0 (KsCacheDb, 1);
  g_autofree char *mode = NULL;
  int              rc;

  g_rec_mutex_init (&self->lock);
  self->path = g_strdup (path);
  self->sql.set_error = set_error_cb;
  self->sql.owner = self;
  self->statements = ks_sqlite_statements_new ();

  rc = sqlite3_open_v2 (path, &self->sql.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      ks_cache_db_set_error (self, rc, error);
      return NULL;
    }
  sqlite3_busy_timeout (self->sql.db, BUSY_TIMEOUT_MS);

  /* A damaged file is found here, where it can be started afresh, not
   * halfway through a fetch. */
  if (!ks_sqlite_quick_check (&self->sql, error))
    return NULL;
  if (!ks_sqlite_query_text (&self->sql, "PRAGMA journal_mode = WAL", &mode, error))
    return NULL;
  if (g_ascii_strcasecmp (mode != NULL ? mode : "", "wal") != 0)
    {
      ks_cache_db_set_error (self, sqlite3_errcode (self->sql.db), error);
      return NULL;
    }
  /* NORMAL: a crash of the program loses nothing in WAL mode; a power cut
   * may lose the last commits, which the feed's cursor then replays. */
  if (!ks_sqlite_exec (&self->sql,
                       "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"
                       "CREATE TEMP TABLE listed (photo_id TEXT PRIMARY KEY) STRICT;",
                       error) ||
      !migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_cache_db_free (KsCacheDb *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->sql.db != NULL)
    sqlite3_close (self->sql.db);
  g_rec_mutex_clear (&self->lock);
  g_free (self->path);
  g_free (self);
}

/* ---- meta ---- */

char *
ks_cache_db_get_meta (KsCacheDb  *self,
                      const char *key)
{
  sqlite3_stmt *stmt;
  char         *value = NULL;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, "SELECT value FROM meta WHERE key = ?", NULL);
  if (stmt != NULL)
    {
      ks_sqlite_bind_text (stmt, 1, key);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        value = ks_sqlite_column_dup_text (stmt, 0);
      sqlite3_reset (stmt);
    }
  g_rec_mutex_unlock (&self->lock);
  return value;
}

gboolean
ks_cache_db_set_meta (KsCacheDb  *self,
                      const char *key,
                      const char *value,
                      GError    **error)
{
  if (value == NULL)
    return ks_cache_db_exec_args (self, "DELETE FROM meta WHERE key = ?", error, key, NULL);
  return ks_cache_db_exec_args (self,
                                "INSERT INTO meta (key, value) VALUES (?, ?) "
                                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                error, key, value, NULL);
}

/* ---- albums and members ---- */

gboolean
ks_cache_db_put_album (KsCacheDb     *self,
                       const KsAlbum *album,
                       GError       **error)
{
  g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (album->photo_count, 0));

  return ks_cache_db_exec_args (self,
                                "INSERT INTO albums (id, name, owner, role, photo_count, created_at, updated_at) "
                                "VALUES (?1, ?2, ?3, ?4, CAST (?5 AS INTEGER), ?6, ?7) "
                                "ON CONFLICT (id) DO UPDATE SET name = ?2, owner = ?3, role = ?4, "
                                "photo_count = CAST (?5 AS INTEGER), created_at = ?6, updated_at = ?7",
                                error, album->id, album->name, album->owner, album->role, count,
                                album->created_at != NULL ? album->created_at : "",
                                album->updated_at != NULL ? album->updated_at : "", NULL);
}

gboolean
ks_cache_db_put_members (KsCacheDb  *self,
                         const char *album_id,
                         GPtrArray  *members,
                         GError    **error)
{
  if (!ks_cache_db_exec_args (self, "DELETE FROM members WHERE album_id = ?", error, album_id, NULL))
    return FALSE;
  for (guint i = 0; i < members->len; i++)
    {
      const KsMember  *member = g_ptr_array_index (members, i);
      g_autofree char *position = g_strdup_printf ("%u", i);

      if (!ks_cache_db_exec_args (self,
                                  "INSERT OR REPLACE INTO members (album_id, username, role, added_at, position) "
                                  "VALUES (?, ?, ?, ?, CAST (? AS INTEGER))",
                                  error, album_id, member->username, member->role,
                                  member->added_at != NULL ? member->added_at : "", position, NULL))
        return FALSE;
    }
  return TRUE;
}

gboolean
ks_cache_db_has_album (KsCacheDb  *self,
                       const char *album_id)
{
  sqlite3_stmt *stmt;
  gboolean      found = FALSE;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, "SELECT 1 FROM albums WHERE id = ?", NULL);
  if (stmt != NULL)
    {
      ks_sqlite_bind_text (stmt, 1, album_id);
      found = sqlite3_step (stmt) == SQLITE_ROW;
      sqlite3_reset (stmt);
    }
  g_rec_mutex_unlock (&self->lock);
  return found;
}

GStrv
ks_cache_db_albums_of_photo (KsCacheDb  *self,
                             const char *photo_id)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, "SELECT album_id FROM album_photos WHERE photo_id = ? ORDER BY album_id", NULL);
  if (stmt != NULL)
    {
      ks_sqlite_bind_text (stmt, 1, photo_id);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
    }
  g_rec_mutex_unlock (&self->lock);
  return g_strv_builder_end (builder);
}

char *
ks_cache_db_album_of_photo (KsCacheDb  *self,
                            const char *photo_id)
{
  g_auto (GStrv) ids = ks_cache_db_albums_of_photo (self, photo_id);

  return ids[0] != NULL ? g_strdup (ids[0]) : NULL;
}

GStrv
ks_cache_db_album_ids (KsCacheDb *self,
                       GError   **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt;
  int           rc;

  g_rec_mutex_lock (&self->lock);
  stmt = ks_cache_db_prepare (self, "SELECT id FROM albums ORDER BY id", error);
  if (stmt == NULL)
    {
      g_rec_mutex_unlock (&self->lock);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  g_rec_mutex_unlock (&self->lock);
  if (rc != SQLITE_DONE)
    {
      ks_cache_db_set_error (self, rc, error);
      return NULL;
    }
  return g_strv_builder_end (builder);
}

/* ---- deleting: photos no album holds any more go, with their files ---- */

static gboolean
collect_paths (KsCacheDb  *self,
               const char *sql,
               const char *arg,
               GPtrArray  *unlink,
               GError    **error)
{
  sqlite3_stmt *stmt = ks_cache_db_prepare (self, sql, error);
  int           rc;

  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, arg);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KsCacheFileKind kind;

      if (ks_cache_file_kind_from_string ((const char *) sqlite3_column_text (stmt, 1), &kind))
        g_ptr_array_add (unlink, ks_cache_blob_path ((const char *) sqlite3_column_text (stmt, 0), kind));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      ks_cache_db_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

gboolean
ks_cache_db_drop_orphans (KsCacheDb *self,
                          GPtrArray *unlink,
                          GError   **error)
{
  return collect_paths (self,
                        "SELECT photo_id, kind FROM blobs WHERE state = 'present' AND ?1 IS NULL "
                        "AND photo_id NOT IN (SELECT photo_id FROM album_photos)",
                        NULL, unlink, error) &&
         ks_cache_db_exec_args (self, "DELETE FROM photos WHERE id NOT IN (SELECT photo_id FROM album_photos)",
                                error, NULL);
}

gboolean
ks_cache_db_delete_album (KsCacheDb  *self,
                          const char *album_id,
                          GPtrArray  *unlink,
                          GError    **error)
{
  return ks_cache_db_exec_args (self, "DELETE FROM albums WHERE id = ?", error, album_id, NULL) &&
         ks_cache_db_drop_orphans (self, unlink, error);
}

gboolean
ks_cache_db_remove_photo (KsCacheDb  *self,
                          const char *album_id,
                          const char *photo_id,
                          GPtrArray  *unlink,
                          GError    **error)
{
  gboolean ok;

  if (album_id != NULL)
    ok = ks_cache_db_exec_args (self, "DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?", error,
                                album_id, photo_id, NULL);
  else
    ok = ks_cache_db_exec_args (self, "DELETE FROM album_photos WHERE photo_id = ?", error, photo_id, NULL);
  return ok && ks_cache_db_drop_orphans (self, unlink, error);
}

gboolean
ks_cache_db_clear (KsCacheDb *self,
                   GPtrArray *unlink,
                   GError   **error)
{
  return collect_paths (self, "SELECT photo_id, kind FROM blobs WHERE state = 'present' AND ?1 IS NULL", NULL,
                        unlink, error) &&
         ks_sqlite_exec (&self->sql,
                         "DELETE FROM album_photos; DELETE FROM blobs; DELETE FROM photos; DELETE FROM members;"
                         "DELETE FROM albums; DELETE FROM meta WHERE key != 'budget';",
                         error);
}
