/* ks-server-db.c: open, check and migrate the server's SQLite database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-server-db.h"
#include "ks-server-error.h"
#include "ks-sqlite-checkpointer.h"
#include "ks-sqlite.h"

/* How long a writer waits for another one before SQLITE_BUSY. */
#define BUSY_TIMEOUT_MS 5000

/* WAL sizes, in pages, that start a checkpoint on the worker and one in
 * the COMMIT itself (ks-sqlite-checkpointer.h). The worker waits for
 * 4,000 rather than SQLite's 1,000: new rows land on random B-tree
 * pages, rewritten by many transactions in between, and a checkpoint
 * copies each page once. */
#define CHECKPOINT_PAGES 4000
#define CHECKPOINT_INLINE_PAGES 16000

/* Every connection's. NORMAL is durable across application crashes in
 * WAL mode; only a power cut can lose the last transactions. A 32 MiB
 * page cache (the default is 2 MiB) keeps the photos' B-trees in memory
 * a while longer. */
#define CONNECTION_PRAGMAS       \
  "PRAGMA foreign_keys = ON;"    \
  "PRAGMA synchronous = NORMAL;" \
  "PRAGMA cache_size = -32768;"

/* Beside the database once it closed cleanly, see was_closed_cleanly(). */
#define CLEAN_SUFFIX "-clean"

struct _KsServerDb
{
  GObject parent_instance;

  KsSqlite sql; /* .db owned, nullable */
  char    *path;
  char    *clean_path; /* the clean-shutdown marker */
  int      schema_version;
  gboolean opened;  /* open succeeded: a clean close leaves the marker */
  gboolean checked; /* open ran quick_check */

  KsSqliteCheckpointer *checkpointer; /* owned, nullable */
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
  /* 2: the IdP's secrets and sessions. Passwords are only an SRP salt
   * and verifier; refresh tokens only their SHA-256. Times are Unix
   * seconds. */
  "CREATE TABLE idp_accounts ("
  "  sub            TEXT    NOT NULL PRIMARY KEY REFERENCES users (sub) ON DELETE CASCADE,"
  "  salt           TEXT    NOT NULL," /* hex, as sent in SALT */
  "  verifier       TEXT    NOT NULL," /* hex */
  "  confirmed      INTEGER NOT NULL DEFAULT 0,"
  "  email_verified INTEGER NOT NULL DEFAULT 0,"
  "  updated_at     INTEGER NOT NULL"
  ") STRICT;"
  "CREATE TABLE idp_codes ("
  "  sub        TEXT    NOT NULL REFERENCES users (sub) ON DELETE CASCADE,"
  "  purpose    TEXT    NOT NULL CHECK (purpose IN ('confirm', 'reset')),"
  "  code       TEXT    NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  attempts   INTEGER NOT NULL DEFAULT 0," /* wrong codes tried */
  "  sends      INTEGER NOT NULL DEFAULT 1," /* codes sent since first_sent */
  "  first_sent INTEGER NOT NULL,"
  "  PRIMARY KEY (sub, purpose)"
  ") STRICT;"
  "CREATE TABLE idp_sessions ("
  "  token_hash TEXT    NOT NULL PRIMARY KEY," /* SHA-256 hex of the refresh token */
  "  sub        TEXT    NOT NULL REFERENCES users (sub) ON DELETE CASCADE,"
  "  origin_jti TEXT    NOT NULL UNIQUE,"
  "  auth_time  INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  revoked    INTEGER NOT NULL DEFAULT 0"
  ") STRICT;"
  "CREATE INDEX idp_sessions_sub ON idp_sessions (sub);"
  /* Answered PASSWORD_VERIFIER challenges, so none is answered twice. */
  "CREATE TABLE idp_used_challenges ("
  "  challenge_hash TEXT    NOT NULL PRIMARY KEY,"
  "  expires_at     INTEGER NOT NULL"
  ") STRICT;"
  /* Failed sign-ins by the name tried, known or not, for the throttle. */
  "CREATE TABLE idp_sign_in_failures ("
  "  username     TEXT    NOT NULL PRIMARY KEY COLLATE NOCASE,"
  "  failures     INTEGER NOT NULL,"
  "  window_start INTEGER NOT NULL,"
  "  locked_until INTEGER NOT NULL DEFAULT 0"
  ") STRICT;",
  /* 3: the REST API (ks-api*.c). Users as the API has seen them (the
   * token's sub and username), photos (pending until committed; list_seq
   * orders the library; keyed by id alone, as a prepare writes few
   * B-trees), albums, members, share links (only the token's
   * SHA-256), and the change feed: events, each with a row per reader. */
  "CREATE TABLE api_users ("
  "  sub        TEXT    NOT NULL PRIMARY KEY,"
  "  username   TEXT    NOT NULL UNIQUE COLLATE NOCASE,"
  "  created_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE TABLE photos ("
  "  id             TEXT    NOT NULL PRIMARY KEY,"
  "  owner          TEXT    NOT NULL REFERENCES api_users (sub),"
  "  sha256         TEXT    NOT NULL,"
  "  size           INTEGER NOT NULL,"
  "  content_type   TEXT    NOT NULL,"
  "  file_name      TEXT    NOT NULL,"
  "  taken_at       TEXT," /* RFC 3339 as the client sent it */
  "  width          INTEGER NOT NULL,"
  "  height         INTEGER NOT NULL,"
  "  grid_size      INTEGER,"
  "  grid_sha256    TEXT,"
  "  preview_size   INTEGER,"
  "  preview_sha256 TEXT,"
  "  upload_id      TEXT," /* a pending multipart upload */
  "  created_at     INTEGER NOT NULL,"
  "  committed_at   INTEGER,"
  "  list_seq       INTEGER," /* the seq of its photo_committed event */
  "  deleted_at     INTEGER"
  ") STRICT, WITHOUT ROWID;"
  /* One committed and one pending photo per user and content. */
  "CREATE UNIQUE INDEX photos_content ON photos (owner, sha256, committed_at IS NULL);"
  "CREATE INDEX photos_library ON photos (owner, list_seq) WHERE list_seq IS NOT NULL;"
  "CREATE TABLE albums ("
  "  id         TEXT    NOT NULL PRIMARY KEY,"
  "  owner      TEXT    NOT NULL REFERENCES api_users (sub),"
  "  name       TEXT    NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL"
  ") STRICT;"
  "CREATE INDEX albums_owner ON albums (owner);"
  "CREATE TABLE album_members ("
  "  album_id TEXT    NOT NULL REFERENCES albums (id) ON DELETE CASCADE,"
  "  user_sub TEXT    NOT NULL REFERENCES api_users (sub),"
  "  role     TEXT    NOT NULL CHECK (role IN ('viewer', 'contributor')),"
  "  added_at INTEGER NOT NULL,"
  "  PRIMARY KEY (album_id, user_sub)"
  ") STRICT, WITHOUT ROWID;"
  "CREATE INDEX album_members_user ON album_members (user_sub);"
  "CREATE TABLE album_photos ("
  "  num      INTEGER PRIMARY KEY,"
  "  album_id TEXT    NOT NULL REFERENCES albums (id) ON DELETE CASCADE,"
  "  photo_id TEXT    NOT NULL REFERENCES photos (id),"
  "  added_by TEXT    NOT NULL REFERENCES api_users (sub),"
  "  added_at INTEGER NOT NULL,"
  "  UNIQUE (album_id, photo_id)"
  ") STRICT;"
  "CREATE INDEX album_photos_list ON album_photos (album_id, num);"
  "CREATE INDEX album_photos_photo ON album_photos (photo_id);"
  "CREATE TABLE share_links ("
  "  id           TEXT    NOT NULL PRIMARY KEY,"
  "  album_id     TEXT    NOT NULL REFERENCES albums (id) ON DELETE CASCADE,"
  "  token_sha256 TEXT    NOT NULL UNIQUE,"
  "  created_by   TEXT    NOT NULL REFERENCES api_users (sub),"
  "  created_at   INTEGER NOT NULL,"
  "  expires_at   INTEGER NOT NULL,"
  "  revoked_at   INTEGER"
  ") STRICT;"
  "CREATE INDEX share_links_album ON share_links (album_id);"
  /* No foreign keys: events outlive the albums and photos they name. */
  "CREATE TABLE events ("
  "  seq      INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  type     TEXT    NOT NULL,"
  "  album_id TEXT,"
  "  photo_id TEXT,"
  "  actor    TEXT    NOT NULL," /* sub */
  "  member   TEXT,"             /* sub */
  "  role     TEXT,"
  "  name     TEXT,"
  "  at       INTEGER NOT NULL"
  ") STRICT;"
  "CREATE TABLE event_recipients ("
  "  user_sub TEXT    NOT NULL,"
  "  seq      INTEGER NOT NULL REFERENCES events (seq),"
  "  PRIMARY KEY (user_sub, seq)"
  ") STRICT, WITHOUT ROWID;",
  /* 4: the cleanup sweep (ks-api-sweep.c) finds photos never committed
   * by their last prepare, and deleted ones by their deletion. */
  "ALTER TABLE photos ADD COLUMN prepared_at INTEGER;"
  "UPDATE photos SET prepared_at = created_at WHERE committed_at IS NULL;"
  "CREATE INDEX photos_pending ON photos (prepared_at) WHERE committed_at IS NULL;"
  "CREATE INDEX photos_deleted ON photos (deleted_at) WHERE deleted_at IS NOT NULL;",
};

/* ---- Clean shutdowns ---- */

/*
 * PRAGMA quick_check reads every page: a second on a 100,000-photo
 * library with a cold cache, more as it grows, before the server can
 * answer. It finds a file damaged by a crash, a power cut, the disk, or
 * another program. So it runs at open unless the last close was clean
 * and the file is as that close left it: the close writes a marker
 * naming the file's identity, size and mtime (only if no -wal is left,
 * i.e. every connection closed and the last one checkpointed), and open
 * removes the marker, durably, before anything writes. A crash, a
 * failed close, a file replaced, restored or written by anything else
 * since: the check runs. Damage that keeps size and mtime while the
 * server is stopped (bit rot) then shows as SQLITE_CORRUPT errors on
 * the requests that meet it rather than at start.
 */
static char *
describe_file (const char *path)
{
  struct stat st;

  if (stat (path, &st) != 0)
    return NULL;

  return g_strdup_printf ("keepsake-server clean shutdown 1\n"
                          "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT
                          " %" G_GINT64_FORMAT ".%09ld\n",
                          (guint64) st.st_dev, (guint64) st.st_ino, (gint64) st.st_size,
                          (gint64) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
}

static gboolean
has_wal (KsServerDb *self)
{
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);

  return g_file_test (wal, G_FILE_TEST_EXISTS);
}

static gboolean
was_closed_cleanly (KsServerDb *self)
{
  g_autofree char *marker = NULL;
  g_autofree char *now = NULL;

  if (!g_file_get_contents (self->clean_path, &marker, NULL, NULL))
    return FALSE;

  now = describe_file (self->path);
  return now != NULL && g_str_equal (marker, now) && !has_wal (self);
}

static gboolean
sync_dir_of (const char *path,
             GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int              fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int              saved_errno = 0;

  if (fd < 0 || fsync (fd) != 0)
    saved_errno = errno;
  if (fd >= 0)
    close (fd);
  if (saved_errno != 0)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE, "cannot sync %s: %s", dir,
                   g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* Before the first write: a crash from here on must find no marker. */
static gboolean
remove_clean_marker (KsServerDb *self,
                     GError    **error)
{
  if (g_unlink (self->clean_path) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return TRUE;
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE, "cannot remove %s: %s",
                   self->clean_path, g_strerror (saved_errno));
      return FALSE;
    }

  return sync_dir_of (self->clean_path, error);
}

static void
leave_clean_marker (KsServerDb *self)
{
  g_autofree char *now = NULL;
  g_autoptr (GError) error = NULL;

  /* Another connection is still open, or the last checkpoint failed. */
  if (has_wal (self))
    {
      g_debug ("%s closed with its WAL left: the next start checks it", self->path);
      return;
    }

  now = describe_file (self->path);
  if (now != NULL &&
      !g_file_set_contents_full (self->clean_path, now, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &error))
    g_warning ("Cannot write %s: %s", self->clean_path, error->message);
}

static void
ks_server_db_finalize (GObject *object)
{
  KsServerDb *self = (KsServerDb *) object;

  g_clear_pointer (&self->checkpointer, ks_sqlite_checkpointer_free);
  if (self->sql.db != NULL && sqlite3_close (self->sql.db) != SQLITE_OK)
    g_critical ("Closing %s: %s", self->path, sqlite3_errmsg (self->sql.db));
  else if (self->opened)
    leave_clean_marker (self);
  g_free (self->path);
  g_free (self->clean_path);

  G_OBJECT_CLASS (ks_server_db_parent_class)->finalize (object);
}

static void
ks_server_db_class_init (KsServerDbClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_server_db_finalize;
}

static void
set_error_cb (gpointer    owner,
              int         rc,
              const char *detail,
              GError    **error)
{
  KsServerDb *self = owner;
  int         primary = rc & 0xff;

  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_CORRUPT,
                 "database %s is corrupt (%s)", self->path, detail);
  else
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
                 "database %s: %s", self->path, detail);
}

void
ks_server_db_set_error (KsServerDb *self,
                        int         rc,
                        GError    **error)
{
  ks_sqlite_set_error (&self->sql, rc, error);
}

static void
ks_server_db_init (KsServerDb *self)
{
  self->sql.set_error = set_error_cb;
  self->sql.owner = self;
}

gboolean
ks_server_db_exec (KsServerDb *self,
                   const char *sql,
                   GError    **error)
{
  g_return_val_if_fail (KS_IS_SERVER_DB (self), FALSE);

  return ks_sqlite_exec (&self->sql, sql, error);
}

KsServerDbStmt *
ks_server_db_prepare (KsServerDb *self,
                      const char *sql,
                      GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int           rc;

  g_return_val_if_fail (KS_IS_SERVER_DB (self), NULL);

  rc = sqlite3_prepare_v2 (self->sql.db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      ks_server_db_set_error (self, rc, error);
      return NULL;
    }

  return stmt;
}

static gboolean
configure (KsServerDb *self,
           GError    **error)
{
  g_autofree char *mode = NULL;

  if (!ks_sqlite_query_text (&self->sql, "PRAGMA journal_mode = WAL", &mode, error))
    return FALSE;

  if (g_ascii_strcasecmp (mode != NULL ? mode : "", "wal") != 0)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
                   "database %s: cannot switch to WAL mode (got %s)", self->path, mode);
      return FALSE;
    }

  return ks_server_db_exec (self, CONNECTION_PRAGMAS, error);
}

static gboolean
migrate (KsServerDb *self,
         GError    **error)
{
  gint64 version, reached;

  if (!ks_sqlite_query_int (&self->sql, "PRAGMA user_version", &version, error))
    return FALSE;

  if (version < 0 || version > ks_server_db_get_latest_version ())
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
                   "database %s has schema version %" G_GINT64_FORMAT "; this keepsake-server only knows up to %d",
                   self->path, version, ks_server_db_get_latest_version ());
      return FALSE;
    }

  reached = version;
  if (!ks_sqlite_migrate (&self->sql, migrations, G_N_ELEMENTS (migrations), 0, &reached, error))
    {
      g_prefix_error (error, "upgrading to schema %" G_GINT64_FORMAT ": ", reached + 1);
      return FALSE;
    }
  if (reached > version)
    g_debug ("Upgraded %s from schema %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, self->path, version, reached);

  self->schema_version = ks_server_db_get_latest_version ();
  return TRUE;
}

/**
 * ks_server_db_open:
 * @path: the database file, created if missing
 * @error: a #KS_SERVER_ERROR; %KS_SERVER_ERROR_CORRUPT for a damaged file
 *
 * Opens the database, checks it (unless it was closed cleanly and not
 * changed since, see was_closed_cleanly()), and brings its schema up to
 * date. Closing it (its last reference) after every other connection
 * leaves the clean-shutdown marker.
 */
KsServerDb *
ks_server_db_open (const char *path,
                   GError    **error)
{
  g_autoptr (KsServerDb) self = g_object_new (KS_TYPE_SERVER_DB, NULL);
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  self->path = g_strdup (path);
  self->clean_path = g_strconcat (path, CLEAN_SUFFIX, NULL);
  self->checked = !was_closed_cleanly (self);
  if (!remove_clean_marker (self, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &self->sql.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      ks_server_db_set_error (self, rc, error);
      return NULL;
    }

  sqlite3_busy_timeout (self->sql.db, BUSY_TIMEOUT_MS);

  if (!self->checked)
    g_debug ("%s closed cleanly: no quick_check", path);
  if ((self->checked && !ks_sqlite_quick_check (&self->sql, error)) ||
      !configure (self, error) ||
      !migrate (self, error))
    return NULL;

  self->checkpointer = ks_sqlite_checkpointer_new (self->sql.db, path, CHECKPOINT_PAGES, CHECKPOINT_INLINE_PAGES);
  self->opened = TRUE;

  return g_steal_pointer (&self);
}

/**
 * ks_server_db_open_sibling:
 *
 * Another #KsServerDb on @self's file, for a thread whose transactions
 * must not interleave with @self's statements: a connection of
 * ks_server_db_open_connection(), neither checked nor migrated again
 * (@self was). Release it before @self, whose close leaves the
 * clean-shutdown marker.
 */
KsServerDb *
ks_server_db_open_sibling (KsServerDb *self,
                           GError    **error)
{
  KsServerDb *sibling;
  sqlite3    *handle;

  g_return_val_if_fail (KS_IS_SERVER_DB (self), NULL);

  handle = ks_server_db_open_connection (self, error);
  if (handle == NULL)
    return NULL;

  sibling = g_object_new (KS_TYPE_SERVER_DB, NULL);
  sibling->sql.db = handle;
  sibling->path = g_strdup (self->path);
  sibling->schema_version = self->schema_version;
  return sibling;
}

/* Whether open ran PRAGMA quick_check: not after a clean close. */
gboolean
ks_server_db_was_checked (KsServerDb *self)
{
  g_return_val_if_fail (KS_IS_SERVER_DB (self), FALSE);

  return self->checked;
}

/**
 * ks_server_db_open_connection:
 *
 * Another connection to the same database, for a thread of its own:
 * configured as the main one, its COMMITs leave checkpoints to the same
 * worker. Close it with sqlite3_close() before @self goes.
 */
sqlite3 *
ks_server_db_open_connection (KsServerDb *self,
                              GError    **error)
{
  sqlite3 *handle = NULL;
  int      rc;

  g_return_val_if_fail (KS_IS_SERVER_DB (self), NULL);

  rc = sqlite3_open_v2 (self->path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (handle, BUSY_TIMEOUT_MS);
      rc = sqlite3_exec (handle, CONNECTION_PRAGMAS, NULL, NULL, NULL);
    }
  if (rc != SQLITE_OK)
    {
      g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE, "database %s: %s", self->path,
                   handle != NULL ? sqlite3_errmsg (handle) : sqlite3_errstr (rc));
      sqlite3_close (handle);
      return NULL;
    }
  ks_sqlite_checkpointer_add_connection (self->checkpointer, handle);

  return handle;
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

  return self->sql.db;
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
