/* ks-cache-db-private.h: what the cache database's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "ks-cache-db.h"
#include "ks-sqlite.h"
#include "ks-sync-error.h"

G_BEGIN_DECLS

struct _KsCacheDb
{
  KsSqlite    sql; /* .db owned */
  char       *path;
  GRecMutex   lock;
  GHashTable *statements; /* SQL text (static) -> sqlite3_stmt, owned */
};

void ks_cache_db_set_error (KsCacheDb *self,
                            int        rc,
                            GError   **error);
/* Cached and reset; the caller holds the lock. */
sqlite3_stmt *ks_cache_db_prepare (KsCacheDb  *self,
                                   const char *sql,
                                   GError    **error);
gboolean      ks_cache_db_step_done (KsCacheDb    *self,
                                     sqlite3_stmt *stmt,
                                     GError      **error);
/* Text parameters, NULL-terminated (a NULL value cannot be passed). */
gboolean ks_cache_db_exec_args (KsCacheDb  *self,
                                const char *sql,
                                GError    **error,
                                ...) G_GNUC_NULL_TERMINATED;
/* Photos no album holds any more, and their files. */
gboolean ks_cache_db_drop_orphans (KsCacheDb *self,
                                   GPtrArray *unlink,
                                   GError   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsCacheDb, ks_cache_db_free)

G_END_DECLS
