/* test-sqlite-checkpointer.c: a WAL database's checkpoints on a worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ks-sqlite-checkpointer.h"

#define PAGE 4096

typedef struct
{
  char    *dir;
  char    *path;
  char    *wal;
  sqlite3 *db;
} Fixture;

static void
fixture_set_up (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->dir = g_dir_make_tmp ("ks-checkpoint-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "data.db", NULL);
  fx->wal = g_strconcat (fx->path, "-wal", NULL);
  g_assert_cmpint (sqlite3_open (fx->path, &fx->db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (fx->db,
                                 "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                                 "CREATE TABLE t (x BLOB);",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
}

static void
fixture_tear_down (Fixture      *fx,
                   gconstpointer data)
{
  g_autofree char *shm = g_strconcat (fx->path, "-shm", NULL);

  if (fx->db != NULL)
    sqlite3_close (fx->db);
  g_unlink (fx->path);
  g_unlink (fx->wal);
  g_unlink (shm);
  g_rmdir (fx->dir);
  g_free (fx->wal);
  g_free (fx->path);
  g_free (fx->dir);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* About @n_pages pages of the WAL, in one transaction of @db's. */
static void
write_pages (sqlite3 *db,
             int      n_pages)
{
  g_autofree char *sql = g_strdup_printf ("INSERT INTO t VALUES (randomblob (%d))", n_pages * PAGE);

  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
}

/* Until @path is at least @size bytes; FALSE after 10 s. */
static gboolean
wait_for_size (const char *path,
               gint64      size)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (file_size (path) < size)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}

/* Below the worker's threshold nothing is checkpointed, not even at
 * SQLite's own 1,000 pages: the automatic checkpoint is replaced. */
static void
test_replaces_automatic (Fixture      *fx,
                         gconstpointer data)
{
  g_autoptr (KsSqliteCheckpointer) checkpointer = ks_sqlite_checkpointer_new (fx->db, fx->path, 5000, 10000);
  gint64 before = file_size (fx->path);

  write_pages (fx->db, 1500);
  g_assert_cmpint (file_size (fx->wal), >=, 1500 * PAGE);
  g_assert_cmpint (file_size (fx->path), ==, before);
}

/* Past the threshold the worker copies the WAL into the database, and
 * the next transaction starts the WAL over. */
static void
test_worker (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr (KsSqliteCheckpointer) checkpointer = ks_sqlite_checkpointer_new (fx->db, fx->path, 100, 100000);
  gint64 before = file_size (fx->path);
  gint64 wal;

  write_pages (fx->db, 150);
  g_assert_true (wait_for_size (fx->path, before + 150 * PAGE));
  /* Waits for the checkpoint to finish. */
  g_clear_pointer (&checkpointer, ks_sqlite_checkpointer_free);
  wal = file_size (fx->wal);
  write_pages (fx->db, 10);
  g_assert_cmpint (file_size (fx->wal), ==, wal);
}

/* A connection added later queues to the same worker. */
static void
test_other_connection (Fixture      *fx,
                       gconstpointer data)
{
  g_autoptr (KsSqliteCheckpointer) checkpointer = ks_sqlite_checkpointer_new (fx->db, fx->path, 100, 100000);
  gint64   before = file_size (fx->path);
  sqlite3 *other = NULL;

  g_assert_cmpint (sqlite3_open (fx->path, &other), ==, SQLITE_OK);
  ks_sqlite_checkpointer_add_connection (checkpointer, other);
  write_pages (other, 150);
  g_assert_true (wait_for_size (fx->path, before + 150 * PAGE));
  sqlite3_close (other);
}

/* Past the inline threshold the COMMIT checkpoints itself. */
static void
test_inline (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr (KsSqliteCheckpointer) checkpointer = ks_sqlite_checkpointer_new (fx->db, fx->path, 100, 100);
  gint64 before = file_size (fx->path);

  write_pages (fx->db, 150);
  g_assert_cmpint (file_size (fx->path), >=, before + 150 * PAGE);
}

/* Freed while a checkpoint may run, then closed: the last connection
 * checkpoints the rest and removes the WAL; nothing is lost. */
static void
test_free_and_close (Fixture      *fx,
                     gconstpointer data)
{
  KsSqliteCheckpointer *checkpointer = ks_sqlite_checkpointer_new (fx->db, fx->path, 100, 100000);
  sqlite3_stmt         *stmt = NULL;

  for (int i = 0; i < 5; i++)
    write_pages (fx->db, 120);
  ks_sqlite_checkpointer_free (checkpointer);
  g_assert_cmpint (sqlite3_close (fx->db), ==, SQLITE_OK);
  fx->db = NULL;
  g_assert_false (g_file_test (fx->wal, G_FILE_TEST_EXISTS));

  g_assert_cmpint (sqlite3_open (fx->path, &fx->db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (fx->db, "SELECT count(*), sum(length (x)) FROM t", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 5);
  g_assert_cmpint (sqlite3_column_int64 (stmt, 1), ==, 5 * 120 * PAGE);
  sqlite3_finalize (stmt);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/sqlite-checkpointer/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("replaces-automatic", test_replaces_automatic);
  ADD ("worker", test_worker);
  ADD ("other-connection", test_other_connection);
  ADD ("inline", test_inline);
  ADD ("free-and-close", test_free_and_close);
#undef ADD

  return g_test_run ();
}
