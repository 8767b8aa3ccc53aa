/* ks-sqlite-checkpointer.h: a WAL database's checkpoints on a worker
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _KsSqliteCheckpointer KsSqliteCheckpointer;

/* Replaces SQLite's automatic checkpoint, which copies the WAL into the
 * database and fsyncs it inside the COMMIT that takes the WAL past 1,000
 * pages, with one on a worker thread and a connection of its own, queued
 * by the COMMIT that takes it past @pages. PASSIVE, so it never blocks a
 * writer; but the WAL only starts over once a checkpoint has caught up
 * with the last COMMIT, which a worker racing a busy writer may never
 * do, so past @inline_pages the COMMIT checkpoints too, with little left
 * to copy by then. @handle is a WAL connection to @path; free the
 * checkpointer before closing it. */
KsSqliteCheckpointer *ks_sqlite_checkpointer_new (sqlite3    *handle,
                                                  const char *path,
                                                  int         pages,
                                                  int         inline_pages);
/* Another connection to the same database, whose COMMITs queue
 * checkpoints to the same worker. Close it before freeing @self. */
void ks_sqlite_checkpointer_add_connection (KsSqliteCheckpointer *self,
                                            sqlite3              *handle);
/* Waits for a running checkpoint. */
void ks_sqlite_checkpointer_free (KsSqliteCheckpointer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSqliteCheckpointer, ks_sqlite_checkpointer_free)

G_END_DECLS
