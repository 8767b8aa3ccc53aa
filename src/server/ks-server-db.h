/* ks-server-db.h: the server's SQLite database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define KS_TYPE_SERVER_DB (ks_server_db_get_type ())

G_DECLARE_FINAL_TYPE (KsServerDb, ks_server_db, KS, SERVER_DB, GObject)

/* A name of our own, so g_autoptr() on it can never clash with another
 * layer's cleanup function for sqlite3_stmt. */
typedef sqlite3_stmt KsServerDbStmt;

KsServerDb *ks_server_db_open (const char *path,
                               GError    **error);
KsServerDb *ks_server_db_open_sibling (KsServerDb *self,
                                       GError    **error);
const char *ks_server_db_get_path (KsServerDb *self);
sqlite3    *ks_server_db_get_handle (KsServerDb *self);
sqlite3    *ks_server_db_open_connection (KsServerDb *self,
                                          GError    **error);
int         ks_server_db_get_schema_version (KsServerDb *self);
gboolean    ks_server_db_was_checked (KsServerDb *self);
int         ks_server_db_get_latest_version (void);

gboolean        ks_server_db_exec (KsServerDb *self,
                                   const char *sql,
                                   GError    **error);
KsServerDbStmt *ks_server_db_prepare (KsServerDb *self,
                                      const char *sql,
                                      GError    **error);
void            ks_server_db_set_error (KsServerDb *self,
                                        int         rc,
                                        GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsServerDbStmt, sqlite3_finalize)

G_END_DECLS
