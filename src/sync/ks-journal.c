/* ks-journal.c: opening, schema, transactions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-journal-private.h"

/* How long a writer waits for another connection (the CLI while the app
 * runs) before SQLITE_BUSY. */
#define BUSY_TIMEOUT_MS 10000
/* WAL sizes, in pages, that start a checkpoint on a worker (SQLite's
 * own threshold) and one in the COMMIT (ks-sqlite-checkpointer.h). */
#define CHECKPOINT_PAGES 1000
#define CHECKPOINT_INLINE_PAGES 16000
/* How long a batch holds the journal before ks_journal_yield() lets
 * the others in, and how long it waits for them at most. */
#define BATCH_HOLD_USEC (4 * G_TIME_SPAN_MILLISECOND)
#define BATCH_YIELD_USEC (2 * G_TIME_SPAN_MILLISECOND)
/* "KSJL": tells our file from any other SQLite database. */
#define APPLICATION_ID 0x4b534a4c

G_DEFINE_FINAL_TYPE_WITH_CODE (KsJournal, ks_journal, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_RESUME_STORE, ks_journal_resume_store_init))

/*
 * migrations[i] takes the file from `PRAGMA user_version` i to i + 1, in
 * one transaction. Never edit a released step; add one. Times are µs
 * since the epoch, as GLib gives them; inodes and devices are stored as
 * signed 64-bit integers, bit for bit.
 */
static const char *const migrations[] = {
  /* 1: folders, files and their errors, multipart uploads. */
  "CREATE TABLE folders ("
  "  id           INTEGER PRIMARY KEY,"
  "  path         TEXT    NOT NULL UNIQUE,"
  "  album_id     TEXT,"
  "  root_device  INTEGER NOT NULL DEFAULT 0,"
  "  root_inode   INTEGER NOT NULL DEFAULT 0,"
  "  paused       INTEGER NOT NULL DEFAULT 0,"
  "  pause_reason TEXT,"
  "  added_at     INTEGER NOT NULL,"
  "  last_scan_at INTEGER NOT NULL DEFAULT 0,"
  "  scan_gen     INTEGER NOT NULL DEFAULT 0" /* the scan in progress or last */
  ") STRICT;"
  "CREATE TABLE files ("
  "  id                INTEGER PRIMARY KEY,"
  "  folder_id         INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  path              TEXT    NOT NULL,"
  "  size              INTEGER NOT NULL,"
  "  mtime             INTEGER NOT NULL,"
  "  inode             INTEGER NOT NULL,"
  "  device            INTEGER NOT NULL,"
  "  sha256            TEXT," /* of the current content, once hashed */
  "  prev_sha256       TEXT," /* of the content photo_id holds, after a change */
  "  photo_id          TEXT,"
  "  replaces_photo_id TEXT,"
  "  state             TEXT    NOT NULL CHECK (state IN ('new', 'settling', 'hashing',"
  "                      'queued', 'uploading', 'done', 'failed', 'skipped')),"
  "  attempts          INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt_at   INTEGER NOT NULL DEFAULT 0,"
  "  last_error        TEXT,"
  "  priority          INTEGER NOT NULL DEFAULT 0,"
  "  changed_at        INTEGER NOT NULL,"
  "  seen_gen          INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (folder_id, path)"
  ") STRICT;"
  "CREATE INDEX files_queue ON files (state, priority DESC, changed_at, id);"
  "CREATE INDEX files_sha256 ON files (sha256) WHERE sha256 IS NOT NULL;"
  "CREATE TABLE file_errors ("
  "  id      INTEGER PRIMARY KEY,"
  "  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,"
  "  at      INTEGER NOT NULL,"
  "  domain  TEXT    NOT NULL,"
  "  code    INTEGER NOT NULL,"
  "  message TEXT    NOT NULL"
  ") STRICT;"
  "CREATE INDEX file_errors_file ON file_errors (file_id);"
  "CREATE TABLE uploads ("
  "  sha256     TEXT    NOT NULL PRIMARY KEY,"
  "  photo_id   TEXT    NOT NULL,"
  "  upload_id  TEXT    NOT NULL,"
  "  part_size  INTEGER NOT NULL,"
  "  file_size  INTEGER NOT NULL,"
  "  file_mtime INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE TABLE upload_parts ("
  "  sha256      TEXT    NOT NULL REFERENCES uploads (sha256) ON DELETE CASCADE,"
  "  part_number INTEGER NOT NULL CHECK (part_number >= 1),"
  "  etag        TEXT    NOT NULL,"
  "  PRIMARY KEY (sha256, part_number)"
  ") STRICT, WITHOUT ROWID;",

  /* 2: how many files each folder has in each state, kept by triggers:
   * the engine reads the counts four times a second while it works, and
   * counting the rows of a 100,000-file library took 10–20 ms each time.
   * The index on sha256 served a lookup that is gone. */
  "DROP INDEX files_sha256;"
  "CREATE TABLE file_counts ("
  "  folder_id INTEGER NOT NULL,"
  "  state     TEXT    NOT NULL,"
  "  n         INTEGER NOT NULL,"
  "  PRIMARY KEY (folder_id, state)"
  ") STRICT, WITHOUT ROWID;"
  "INSERT INTO file_counts SELECT folder_id, state, count(*) FROM files GROUP BY folder_id, state;"
  "CREATE TRIGGER files_count_insert AFTER INSERT ON files BEGIN"
  "  INSERT INTO file_counts VALUES (NEW.folder_id, NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;"
  "END;"
  "CREATE TRIGGER files_count_delete AFTER DELETE ON files BEGIN"
  "  UPDATE file_counts SET n = n - 1 WHERE folder_id = OLD.folder_id AND state = OLD.state;"
  "END;"
  "CREATE TRIGGER files_count_update AFTER UPDATE OF folder_id, state ON files"
  "  WHEN OLD.folder_id IS NOT NEW.folder_id OR OLD.state IS NOT NEW.state BEGIN"
  "  UPDATE file_counts SET n = n - 1 WHERE folder_id = OLD.folder_id AND state = OLD.state;"
  "  INSERT INTO file_counts VALUES (NEW.folder_id, NEW.state, 1) ON CONFLICT DO UPDATE SET n = n + 1;"
  "END;"
  /* The folder's files go by ON DELETE CASCADE, which fires the trigger
   * above for each; then nothing is left to count. */
  "CREATE TRIGGER folders_count_delete AFTER DELETE ON folders BEGIN"
  "  DELETE FROM file_counts WHERE folder_id = OLD.id;"
  "END;",

  /* 3: the files a photo stands for, asked when an edit replaces it in
   * its album (the old version leaves only if no other file is it). */
  "CREATE INDEX files_photo ON files (photo_id) WHERE photo_id IS NOT NULL;",
};

int
ks_journal_get_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

/* ---- helpers shared with ks-journal-files.c ---- */

void
ks_journal_stmt_release (KsJournalStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static void
set_error_cb (gpointer    owner,
              int         rc,
              const char *detail,
              GError    **error)
{
  KsJournal *self = owner;

  g_debug ("Journal %s: %s (%d)", self->path, detail, rc);
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED,
                   _ ("The list of synced folders (%s) is damaged. It was left as it is."), self->path);
      break;
    case SQLITE_FULL:
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   "The disk holding the sync journal %s is full", self->path);
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   "The sync journal %s cannot be written (%s)", self->path, detail);
      break;
    default:
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   "The sync journal %s failed: %s", self->path, detail);
      break;
    }
}

void
ks_journal_set_error (KsJournal *self,
                      int        rc,
                      GError   **error)
{
  ks_sqlite_set_error (&self->sql, rc, error);
}

void
ks_journal_set_not_found (GError    **error,
                          const char *what,
                          gint64      id)
{
  g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND,
               "No %s with id %" G_GINT64_FORMAT " in the sync journal", what, id);
}

KsJournalStmt *
ks_journal_prepare (KsJournal  *self,
                    const char *sql,
                    GError    **error)
{
  return ks_sqlite_prepare_cached (&self->sql, self->statements, sql, error);
}

gboolean
ks_journal_run (KsJournal     *self,
                KsJournalStmt *stmt,
                GError       **error)
{
  return ks_sqlite_run (&self->sql, stmt, error);
}

static gboolean
exec (KsJournal  *self,
      const char *sql,
      GError    **error)
{
  return ks_sqlite_exec (&self->sql, sql, error);
}

/* ---- transactions ---- */

gboolean
ks_journal_change_begin (KsJournal *self,
                         GError   **error)
{
  ks_journal_lock (self);

  /* IMMEDIATE takes the write lock up front: a deferred transaction that
   * reads first can fail at its first write when another connection
   * wrote in between, and waiting would not help it. */
  if (!exec (self, self->in_batch ? "SAVEPOINT change" : "BEGIN IMMEDIATE", error))
    {
      g_rec_mutex_unlock (&self->lock);
      return FALSE;
    }
  return TRUE;
}

gboolean
ks_journal_change_end (KsJournal *self,
                       gboolean   ok,
                       GError   **error)
{
  if (ok)
    ok = exec (self, self->in_batch ? "RELEASE change" : "COMMIT", error);
  if (!ok)
    sqlite3_exec (self->sql.db, self->in_batch ? "ROLLBACK TO change; RELEASE change" : "ROLLBACK",
                  NULL, NULL, NULL);

  g_rec_mutex_unlock (&self->lock);
  return ok;
}

gboolean
ks_journal_begin (KsJournal *self,
                  GError   **error)
{
  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);

  ks_journal_lock (self);
  g_return_val_if_fail (!self->in_batch, (g_rec_mutex_unlock (&self->lock), FALSE));

  if (!exec (self, "BEGIN IMMEDIATE", error))
    {
      g_rec_mutex_unlock (&self->lock);
      return FALSE;
    }
  self->in_batch = TRUE;
  self->batch_began = g_get_monotonic_time ();
  return TRUE; /* the lock stays held until commit or rollback */
}

gboolean
ks_journal_commit (KsJournal *self,
                   GError   **error)
{
  gboolean ok;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->in_batch, FALSE);

  ok = exec (self, "COMMIT", error);
  if (!ok)
    sqlite3_exec (self->sql.db, "ROLLBACK", NULL, NULL, NULL);
  self->in_batch = FALSE;
  g_rec_mutex_unlock (&self->lock);
  return ok;
}

void
ks_journal_rollback (KsJournal *self)
{
  g_return_if_fail (KS_IS_JOURNAL (self));
  g_return_if_fail (self->in_batch);

  sqlite3_exec (self->sql.db, "ROLLBACK", NULL, NULL, NULL);
  self->in_batch = FALSE;
  g_rec_mutex_unlock (&self->lock);
}

gboolean
ks_journal_yield (KsJournal *self,
                  gboolean  *out_committed,
                  GError   **error)
{
  gint64 deadline;

  g_return_val_if_fail (KS_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->in_batch, FALSE);

  *out_committed = FALSE;
  if (g_get_monotonic_time () - self->batch_began < BATCH_HOLD_USEC)
    return TRUE;
  if (!ks_journal_commit (self, error))
    return FALSE;
  *out_committed = TRUE;

  /* A mutex gives no turns: a thread that unlocks and locks again at
   * once gets it back before the one it woke has run. */
  deadline = g_get_monotonic_time () + BATCH_YIELD_USEC;
  while (g_atomic_int_get (&self->n_waiting) > 0 && g_get_monotonic_time () < deadline)
    g_thread_yield ();
  return ks_journal_begin (self, error);
}

void
ks_journal_set_size_limit (KsJournal *self,
                           gint64     max_bytes)
{
  g_autofree char *sql = NULL;
  gint64           page_size = 4096;

  g_return_if_fail (KS_IS_JOURNAL (self));

  ks_journal_lock (self);
  ks_sqlite_query_int (&self->sql, "PRAGMA page_size", &page_size, NULL);
  sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                         max_bytes > 0 ? MAX (max_bytes / page_size, 1) : G_MAXINT32);
  sqlite3_exec (self->sql.db, sql, NULL, NULL, NULL);
  g_rec_mutex_unlock (&self->lock);
}

/* ---- opening ---- */

static gboolean
check_identity (KsJournal *self,
                gint64    *out_version,
                GError   **error)
{
  gboolean foreign;

  if (!ks_sqlite_read_schema (&self->sql, APPLICATION_ID, out_version, &foreign, error))
    return FALSE;

  if (foreign)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   "%s is not a Keepsake sync journal", self->path);
      return FALSE;
    }
  if (*out_version > ks_journal_get_schema_version ())
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   "The sync journal %s was written by a newer Keepsake (schema %" G_GINT64_FORMAT
                   "; this one knows up to %d)",
                   self->path, *out_version, ks_journal_get_schema_version ());
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure (KsJournal *self,
           GError   **error)
{
  g_autofree char *mode = NULL;

  if (!ks_sqlite_query_text (&self->sql, "PRAGMA journal_mode = WAL", &mode, NULL) ||
      g_ascii_strcasecmp (mode != NULL ? mode : "", "wal") != 0)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL,
                   "The sync journal %s cannot use write-ahead logging", self->path);
      return FALSE;
    }

  /* NORMAL survives a crash of the application in WAL mode; only a power
   * cut can lose the last commits, and the server's digest check makes a
   * lost "done" cost a question, not an upload. */
  return exec (self, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;", error) &&
         ks_journal_register_functions (self, error);
}

static gboolean
migrate (KsJournal *self,
         gint64     version,
         GError   **error)
{
  gint64 reached = version;

  if (!ks_sqlite_migrate (&self->sql, migrations, G_N_ELEMENTS (migrations), APPLICATION_ID, &reached, error))
    {
      g_prefix_error (error, "Upgrading the sync journal to schema %" G_GINT64_FORMAT ": ", reached + 1);
      return FALSE;
    }
  if (reached > version)
    g_debug ("Upgraded %s from schema %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, self->path, version, reached);
  return TRUE;
}

KsJournal *
ks_journal_open (const char *path,
                 GError    **error)
{
  g_autoptr (KsJournal) self = NULL;
  gint64 version = 0;
  int    rc;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (KS_TYPE_JOURNAL, NULL);
  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->sql.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      ks_journal_set_error (self, rc, error);
      return NULL;
    }
  sqlite3_extended_result_codes (self->sql.db, TRUE);
  sqlite3_busy_timeout (self->sql.db, BUSY_TIMEOUT_MS);

  /* quick_check reads every page: a damaged file is refused here, not
   * halfway through a sync. */
  if (!ks_sqlite_quick_check (&self->sql, error) ||
      !check_identity (self, &version, error) ||
      !configure (self, error) ||
      !migrate (self, version, error))
    return NULL;

  /* Its commits run on the app's main thread: the copying and fsyncing
   * goes to a worker. */
  self->checkpointer = ks_sqlite_checkpointer_new (self->sql.db, path, CHECKPOINT_PAGES, CHECKPOINT_INLINE_PAGES);
  return g_steal_pointer (&self);
}

/* Moves @from (and its -wal and -shm, when there) to @to. */
static gboolean
move_aside (const char *from,
            const char *to,
            GError    **error)
{
  g_auto (GStrv) src = ks_sqlite_files (from);
  g_auto (GStrv) dest = ks_sqlite_files (to);

  for (guint i = 0; src[i] != NULL; i++)
    {
      if (g_rename (src[i], dest[i]) != 0 && (i == 0 || errno != ENOENT))
        {
          int saved = errno;

          g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL, _ ("Cannot move %s aside: %s"), src[i],
                       g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close)

/* The damaged journal moved aside to @path, or NULL when even that
 * fails: what it still gives is read from it. */
static sqlite3 *
open_damaged (const char *path)
{
  sqlite3 *db = NULL;
  int      rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL);

  if (rc == SQLITE_OK)
    return db;
  g_debug ("Damaged journal %s: %s", path, sqlite3_errstr (rc));
  sqlite3_close (db);
  return NULL;
}

/* The folders (path, album) the damaged journal @db (nullable) at @path
 * still gives, in order, as many as it gives before a damaged page stops
 * it. */
static GPtrArray *
read_damaged_folders (sqlite3    *db,
                      const char *path)
{
  GPtrArray    *folders = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_journal_folder_free);
  sqlite3_stmt *stmt = NULL;
  int           rc;

  if (db == NULL)
    return folders;
  rc = sqlite3_prepare_v2 (db, "SELECT path, album_id FROM folders ORDER BY id", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KsJournalFolder *folder = g_new0 (KsJournalFolder, 1);

      folder->path = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      folder->album_id = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      if (folder->path != NULL)
        g_ptr_array_add (folders, folder);
      else
        ks_journal_folder_free (folder);
      rc = SQLITE_OK;
    }
  if (rc != SQLITE_DONE)
    g_debug ("Damaged journal %s: %u folders read, then %s", path, folders->len, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return folders;
}

/* The files dropped on the window (those of records that are no folder
 * on disk) that the damaged journal @db (nullable) at @path still gives
 * and that were still to upload, queued again in @into as they were: the
 * photos were dropped once and are in no watched folder to be found
 * again. A damaged page ends the reading, not the start over. */
static gboolean
requeue_damaged_drops (sqlite3    *db,
                       const char *path,
                       KsJournal  *into,
                       guint      *out_n_drops,
                       GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  GError       *local_error = NULL;
  int           rc;

  *out_n_drops = 0;
  if (db == NULL)
    return TRUE;
  rc = sqlite3_prepare_v2 (db,
                           "SELECT d.path, f.path, f.size, f.mtime, f.inode, f.device, f.priority"
                           "  FROM files f JOIN folders d ON d.id = f.folder_id"
                           "  WHERE substr (d.path, 1, 1) <> '/'"
                           "    AND f.state IN ('new', 'settling', 'hashing', 'queued', 'uploading')"
                           "  ORDER BY f.id",
                           -1, &stmt, NULL);
  if (rc == SQLITE_OK && ks_journal_begin (into, &local_error))
    {
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          const char   *record = (const char *) sqlite3_column_text (stmt, 0);
          const char   *file = (const char *) sqlite3_column_text (stmt, 1);
          KsJournalStat st = { sqlite3_column_int64 (stmt, 2), sqlite3_column_int64 (stmt, 3),
                               (guint64) sqlite3_column_int64 (stmt, 4), (guint64) sqlite3_column_int64 (stmt, 5) };
          g_autoptr (KsJournalFolder) folder = NULL;
          gint64 file_id = 0;

          if (record == NULL || file == NULL)
            continue;
          /* None when its record was past the damage. */
          folder = ks_journal_find_folder (into, record, &local_error);
          if (folder == NULL && local_error == NULL)
            continue;
          if (folder == NULL || !ks_journal_upsert_file (into, folder->id, file, &st, NULL, &file_id, &local_error) ||
              !ks_journal_set_priority (into, file_id, sqlite3_column_int (stmt, 6), &local_error))
            break;
          (*out_n_drops)++;
        }
      if (local_error != NULL)
        ks_journal_rollback (into);
      else
        ks_journal_commit (into, &local_error);
    }
  if (rc != SQLITE_DONE)
    g_debug ("Damaged journal %s: %u dropped files read, then %s", path, *out_n_drops, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

KsJournal *
ks_journal_start_over (const char *path,
                       char      **out_aside,
                       guint      *out_n_folders,
                       GError    **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *aside = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (KsJournal) self = NULL;
  g_autoptr (sqlite3) damaged = NULL;
  guint n_folders = 0, n_drops = 0;

  g_return_val_if_fail (path != NULL, NULL);

  for (guint i = 0; aside == NULL || g_file_test (aside, G_FILE_TEST_EXISTS); i++)
    {
      g_free (aside);
      aside = i == 0 ? g_strdup_printf ("%s.damaged-%s", path, stamp)
                     : g_strdup_printf ("%s.damaged-%s-%u", path, stamp, i);
    }
  if (!move_aside (path, aside, error))
    return NULL;

  damaged = open_damaged (aside);
  folders = read_damaged_folders (damaged, aside);
  self = ks_journal_open (path, error);
  if (self == NULL)
    return NULL;
  for (guint i = 0; i < folders->len; i++)
    {
      KsJournalFolder *folder = folders->pdata[i];
      g_autoptr (GError) local_error = NULL;

      /* Drops keep a record of their own, not a folder on disk. */
      if (ks_journal_add_folder (self, folder->path, folder->album_id, &local_error) != 0)
        n_folders += g_path_is_absolute (folder->path);
      else if (!g_error_matches (local_error, KS_SYNC_ERROR, KS_SYNC_ERROR_EXISTS))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  if (!requeue_damaged_drops (damaged, aside, self, &n_drops, error))
    return NULL;

  g_debug ("Journal %s started over with %u folders and %u dropped files; the damaged one is %s", path, n_folders,
           n_drops, aside);
  if (out_aside != NULL)
    *out_aside = g_steal_pointer (&aside);
  if (out_n_folders != NULL)
    *out_n_folders = n_folders;
  return g_steal_pointer (&self);
}

const char *
ks_journal_get_path (KsJournal *self)
{
  g_return_val_if_fail (KS_IS_JOURNAL (self), NULL);
  return self->path;
}

/* ---- GObject ---- */

static void
ks_journal_finalize (GObject *object)
{
  KsJournal *self = (KsJournal *) object;

  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->scans, g_hash_table_unref);
  g_clear_pointer (&self->checkpointer, ks_sqlite_checkpointer_free);
  if (self->sql.db != NULL && sqlite3_close (self->sql.db) != SQLITE_OK)
    g_critical ("Closing the sync journal %s: %s", self->path, sqlite3_errmsg (self->sql.db));
  g_free (self->path);
  g_rec_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ks_journal_parent_class)->finalize (object);
}

static void
ks_journal_class_init (KsJournalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_journal_finalize;
}

static void
ks_journal_init (KsJournal *self)
{
  g_rec_mutex_init (&self->lock);
  self->sql.set_error = set_error_cb;
  self->sql.owner = self;
  self->statements = ks_sqlite_statements_new ();
  self->scans = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) ks_journal_seen_free);
}
