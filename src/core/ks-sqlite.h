/* ks-sqlite.h: what Keepsake's SQLite databases do the same way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sync journal, the album cache and the server's database each say
 * in their own words what went wrong (a full disk is the user's to fix
 * for the journal, a log line for the server): @set_error turns a result
 * code and SQLite's words for it (@detail) into that error. These
 * functions call it at once, before anything else runs on the
 * connection, so sqlite3_errmsg() is the failure's own.
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef void (*KsSqliteErrorFunc) (gpointer    owner,
                                   int         rc,
                                   const char *detail,
                                   GError    **error);

typedef struct
{
  sqlite3          *db; /* owned by the owner, nullable until opened */
  KsSqliteErrorFunc set_error;
  gpointer          owner;
} KsSqlite;

/* The owner's error for @rc, in SQLite's words for the connection's last
 * failure (or for @rc, before the connection is open). */
void ks_sqlite_set_error (const KsSqlite *self,
                          int             rc,
                          GError        **error);

/* The files of the database at @path: itself, then its write-ahead log
 * and shared-memory index beside it ("-wal", "-shm"), which exist only
 * while it is open or after a crash. */
GStrv ks_sqlite_files (const char *path);

/* NULL binds NULL. */
void ks_sqlite_bind_text (sqlite3_stmt *stmt,
                          int           index,
                          const char   *text);
/* A copy of the column's text, NULL for NULL. */
char *ks_sqlite_column_dup_text (sqlite3_stmt *stmt,
                                 int           column);

/* A cache of prepared statements: SQL text → sqlite3_stmt. The text is
 * a literal, its address the key: looking it up costs no hashing of
 * the SQL. */
GHashTable *ks_sqlite_statements_new (void);
/* The statement for @sql from @statements, prepared (persistent) the
 * first time. As left by its last use: reset it after. */
sqlite3_stmt *ks_sqlite_prepare_cached (const KsSqlite *self,
                                        GHashTable     *statements,
                                        const char     *sql,
                                        GError        **error);
/* Steps @stmt to its end, past any rows. */
gboolean ks_sqlite_run (const KsSqlite *self,
                        sqlite3_stmt   *stmt,
                        GError        **error);
/* One or more statements without parameters or results. */
gboolean ks_sqlite_exec (const KsSqlite *self,
                         const char     *sql,
                         GError        **error);
/* The first column of the first row of @sql; a query with no row is an
 * error (SQLITE_DONE). */
gboolean ks_sqlite_query_int (const KsSqlite *self,
                              const char     *sql,
                              gint64         *out,
                              GError        **error);
gboolean ks_sqlite_query_text (const KsSqlite *self,
                               const char     *sql,
                               char          **out,
                               GError        **error);

/* PRAGMA quick_check, which reads every page so that a damaged file is
 * refused when it is opened, not halfway through its work (it skips
 * integrity_check's index cross-checks, so it stays fast on a large
 * library). A damaged file is the owner's SQLITE_CORRUPT error, with
 * what the check found, on one line, for its detail. */
gboolean ks_sqlite_quick_check (const KsSqlite *self,
                                GError        **error);

/* The file's schema version (`PRAGMA user_version`), and whether it is
 * another program's: a file with tables or a version but without
 * @application_id. */
gboolean ks_sqlite_read_schema (const KsSqlite *self,
                                gint32          application_id,
                                gint64         *out_version,
                                gboolean       *out_foreign,
                                GError        **error);
/* Takes the file from version *@inout_version to @n_steps: @steps[i]
 * goes from i to i + 1, each in a transaction of its own that also
 * stamps the version and, unless it is 0, @application_id. On failure
 * that step is rolled back and *@inout_version is the version the file
 * stays at. */
gboolean ks_sqlite_migrate (const KsSqlite    *self,
                            const char *const *steps,
                            gsize              n_steps,
                            gint32             application_id,
                            gint64            *inout_version,
                            GError           **error);

G_END_DECLS
