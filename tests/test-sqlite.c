/* test-sqlite.c: what Keepsake's SQLite databases do the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>

#include "ks-sqlite.h"

#define TEST_ERROR (g_quark_from_static_string ("test-sqlite"))
#define APP_ID 0x6b737473 /* "ksts" */

typedef struct
{
  char    *dir;
  char    *path;
  KsSqlite sql;
  int      n_errors;
  int      last_rc;
} Fixture;

/* As the owners do: the code, and the words given for it. */
static void
record_error (gpointer    owner,
              int         rc,
              const char *detail,
              GError    **error)
{
  Fixture *fx = owner;

  fx->n_errors++;
  fx->last_rc = rc;
  g_set_error (error, TEST_ERROR, rc, "%s", detail);
}

static void
open_db (Fixture *fx)
{
  g_assert_cmpint (sqlite3_open (fx->path, &fx->sql.db), ==, SQLITE_OK);
  sqlite3_extended_result_codes (fx->sql.db, TRUE);
}

static void
close_db (Fixture *fx)
{
  g_assert_cmpint (sqlite3_close (fx->sql.db), ==, SQLITE_OK);
  fx->sql.db = NULL;
}

static void
fixture_set_up (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->dir = g_dir_make_tmp ("ks-sqlite-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "data.db", NULL);
  fx->sql.set_error = record_error;
  fx->sql.owner = fx;
  open_db (fx);
}

static void
fixture_tear_down (Fixture      *fx,
                   gconstpointer data)
{
  g_autofree char *journal = g_strconcat (fx->path, "-journal", NULL);

  if (fx->sql.db != NULL)
    close_db (fx);
  g_unlink (fx->path);
  g_unlink (journal);
  g_rmdir (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

static void
test_bind_text (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GHashTable   *statements = ks_sqlite_statements_new ();
  const char   *insert = "INSERT INTO t VALUES (?1)";
  const char   *select = "SELECT x FROM t ORDER BY rowid";
  sqlite3_stmt *stmt;
  const char   *values[] = { "one", NULL, "" };
  char         *text;

  g_assert_true (ks_sqlite_exec (&fx->sql, "CREATE TABLE t (x TEXT)", &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      stmt = ks_sqlite_prepare_cached (&fx->sql, statements, insert, &error);
      g_assert_no_error (error);
      /* The same statement each time: prepared once. */
      g_assert_true (stmt == ks_sqlite_prepare_cached (&fx->sql, statements, insert, NULL));
      ks_sqlite_bind_text (stmt, 1, values[i]);
      g_assert_true (ks_sqlite_run (&fx->sql, stmt, &error));
      g_assert_no_error (error);
      sqlite3_reset (stmt);
    }
  g_assert_cmpuint (g_hash_table_size (statements), ==, 1);

  stmt = ks_sqlite_prepare_cached (&fx->sql, statements, select, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpint (sqlite3_column_type (stmt, 0), ==, values[i] == NULL ? SQLITE_NULL : SQLITE_TEXT);
      text = ks_sqlite_column_dup_text (stmt, 0);
      g_assert_cmpstr (text, ==, values[i]);
      g_free (text);
    }
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_reset (stmt);
  g_assert_cmpint (fx->n_errors, ==, 0);

  /* ks_sqlite_run() steps past the rows of a query to its end. */
  g_assert_true (ks_sqlite_run (&fx->sql, stmt, &error));
  g_assert_no_error (error);
  g_hash_table_unref (statements);
}

/* Errors come through the owner's function, with SQLite's own words
 * for the failure, and nothing is cached. */
static void
test_errors (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GHashTable *statements = ks_sqlite_statements_new ();
  gint64      n = -1;
  char       *text = NULL;

  g_assert_null (ks_sqlite_prepare_cached (&fx->sql, statements, "SELECT * FROM missing", &error));
  g_assert_error (error, TEST_ERROR, SQLITE_ERROR);
  g_assert_nonnull (strstr (error->message, "no such table: missing"));
  g_assert_cmpuint (g_hash_table_size (statements), ==, 0);
  g_clear_error (&error);

  g_assert_false (ks_sqlite_exec (&fx->sql, "CREATE TABLE t (x INTEGER NOT NULL); INSERT INTO t VALUES (NULL)", &error));
  g_assert_error (error, TEST_ERROR, SQLITE_CONSTRAINT_NOTNULL);
  g_assert_nonnull (strstr (error->message, "NOT NULL constraint failed"));
  g_clear_error (&error);

  /* A query without a row has no first column. */
  g_assert_false (ks_sqlite_query_int (&fx->sql, "SELECT x FROM t", &n, &error));
  g_assert_error (error, TEST_ERROR, SQLITE_DONE);
  g_assert_cmpint (n, ==, -1);
  g_clear_error (&error);
  g_assert_false (ks_sqlite_query_text (&fx->sql, "SELECT nonsense FROM", &text, &error));
  g_assert_error (error, TEST_ERROR, SQLITE_ERROR);
  g_assert_null (text);
  g_clear_error (&error);

  g_assert_true (ks_sqlite_query_int (&fx->sql, "SELECT 6 * 7", &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 42);
  g_assert_true (ks_sqlite_query_text (&fx->sql, "SELECT 'six' || 'seven'", &text, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "sixseven");
  g_free (text);
  g_assert_cmpint (fx->n_errors, ==, 4);
  g_hash_table_unref (statements);
}

static const char *const steps[] = {
  "CREATE TABLE a (x INTEGER);",
  "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);",
  "CREATE TABLE c (z INTEGER);",
};

static gint64
pragma (Fixture    *fx,
        const char *sql)
{
  gint64 value = -1;

  g_assert_true (ks_sqlite_query_int (&fx->sql, sql, &value, NULL));
  return value;
}

static void
test_migrate (Fixture      *fx,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *const broken[] = { steps[0], "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1);", steps[2] };
  gint64            version = -1;
  gboolean          foreign = TRUE;

  /* An empty file is nobody's. */
  g_assert_true (ks_sqlite_read_schema (&fx->sql, APP_ID, &version, &foreign, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 0);
  g_assert_false (foreign);

  /* The second step fails: the first stays, the second leaves nothing,
   * and the error is the step's own, not the rollback's. */
  g_assert_false (ks_sqlite_migrate (&fx->sql, broken, G_N_ELEMENTS (broken), APP_ID, &version, &error));
  g_assert_error (error, TEST_ERROR, SQLITE_ERROR);
  g_assert_nonnull (strstr (error->message, "no such table: nowhere"));
  g_clear_error (&error);
  g_assert_cmpint (version, ==, 1);
  g_assert_cmpint (pragma (fx, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (pragma (fx, "PRAGMA application_id"), ==, APP_ID);
  g_assert_cmpint (pragma (fx, "SELECT count(*) FROM sqlite_schema WHERE name = 'b'"), ==, 0);
  g_assert_true (sqlite3_get_autocommit (fx->sql.db));

  /* Opened again, it goes on from where it stopped. */
  close_db (fx);
  open_db (fx);
  g_assert_true (ks_sqlite_read_schema (&fx->sql, APP_ID, &version, &foreign, &error));
  g_assert_cmpint (version, ==, 1);
  g_assert_false (foreign);
  g_assert_true (ks_sqlite_migrate (&fx->sql, steps, G_N_ELEMENTS (steps), APP_ID, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 3);
  g_assert_cmpint (pragma (fx, "PRAGMA user_version"), ==, 3);
  g_assert_cmpint (pragma (fx, "SELECT count(*) FROM b"), ==, 1);
  g_assert_cmpint (pragma (fx, "SELECT count(*) FROM sqlite_schema"), ==, 3);

  /* Up to date: nothing runs again. */
  g_assert_true (ks_sqlite_migrate (&fx->sql, steps, G_N_ELEMENTS (steps), APP_ID, &version, &error));
  g_assert_cmpint (pragma (fx, "SELECT count(*) FROM b"), ==, 1);

  /* Another program's file, or ours under another id. */
  g_assert_true (ks_sqlite_read_schema (&fx->sql, APP_ID + 1, &version, &foreign, &error));
  g_assert_true (foreign);
  g_assert_cmpint (fx->n_errors, ==, 1);
}

/* Without an application id, only the version is stamped. */
static void
test_migrate_versions_only (Fixture      *fx,
                            gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64   version = 0;
  gboolean foreign = TRUE;

  g_assert_true (ks_sqlite_migrate (&fx->sql, steps, 2, 0, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpint (version, ==, 2);
  g_assert_cmpint (pragma (fx, "PRAGMA user_version"), ==, 2);
  g_assert_cmpint (pragma (fx, "PRAGMA application_id"), ==, 0);
  g_assert_true (ks_sqlite_read_schema (&fx->sql, 0, &version, &foreign, &error));
  g_assert_false (foreign);
  g_assert_true (ks_sqlite_read_schema (&fx->sql, APP_ID, &version, &foreign, &error));
  g_assert_true (foreign);
}

static void
test_quick_check (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize            len;
  gint64           page_size;

  g_assert_true (ks_sqlite_exec (&fx->sql,
                                 "PRAGMA page_size = 1024; CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x);"
                                 "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                                 "  INSERT INTO t SELECT printf ('row %08d', i) FROM n;",
                                 &error));
  g_assert_no_error (error);
  g_assert_true (ks_sqlite_quick_check (&fx->sql, &error));
  g_assert_no_error (error);
  g_assert_cmpint (fx->n_errors, ==, 0);
  page_size = pragma (fx, "PRAGMA page_size");
  close_db (fx);

  /* Every page after the first few overwritten with the same bytes: the
   * file still opens, its header is sound, its trees are not. */
  g_assert_true (g_file_get_contents (fx->path, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, (gsize) (8 * page_size));
  for (gsize at = (gsize) (3 * page_size); at + 16 <= len; at += (gsize) page_size)
    memcpy (bytes + at + 8, "\x0d\x00\x00\xff\xff\x00\x00\x00", 8);
  g_assert_true (g_file_set_contents (fx->path, bytes, (gssize) len, NULL));

  /* The owner's damaged error, with what the check found on one line. */
  open_db (fx);
  g_assert_false (ks_sqlite_quick_check (&fx->sql, &error));
  g_assert_error (error, TEST_ERROR, SQLITE_CORRUPT);
  g_assert_true (g_str_has_prefix (error->message, "*** in database main *** "));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_cmpint (fx->n_errors, ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/sqlite/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("bind-text", test_bind_text);
  ADD ("errors", test_errors);
  ADD ("migrate", test_migrate);
  ADD ("migrate/versions-only", test_migrate_versions_only);
  ADD ("quick-check", test_quick_check);
#undef ADD

  return g_test_run ();
}
