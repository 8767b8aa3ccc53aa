/* ks-sqlite-checkpointer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-sqlite-checkpointer.h"

struct _KsSqliteCheckpointer
{
  sqlite3     *handle; /* the writers' connection, not owned */
  char        *path;
  int          pages;
  int          inline_pages;
  GThreadPool *pool;              /* owned: one thread at most */
  sqlite3     *checkpoint_handle; /* owned, nullable: the worker's */
  gint         queued;            /* atomic */
};

static void
checkpoint_job (gpointer data,
                gpointer user_data)
{
  KsSqliteCheckpointer *self = data;
  int                   rc;

  g_atomic_int_set (&self->queued, 0);

  if (self->checkpoint_handle == NULL)
    {
      rc = sqlite3_open_v2 (self->path, &self->checkpoint_handle, SQLITE_OPEN_READWRITE, NULL);
      /* A connection only sees the WAL once it has read something. */
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (self->checkpoint_handle, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          g_warning ("Cannot open %s to checkpoint it: %s", self->path, sqlite3_errstr (rc));
          g_clear_pointer (&self->checkpoint_handle, sqlite3_close);
          return;
        }
    }

  rc = sqlite3_wal_checkpoint_v2 (self->checkpoint_handle, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY)
    g_warning ("Checkpointing %s: %s", self->path, sqlite3_errmsg (self->checkpoint_handle));
}

/* Runs in the COMMIT, on the writer's thread. */
static int
wal_hook_cb (void       *user_data,
             sqlite3    *handle,
             const char *name,
             int         pages)
{
  KsSqliteCheckpointer *self = user_data;

  if (pages >= self->inline_pages)
    sqlite3_wal_checkpoint_v2 (handle, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  else if (pages >= self->pages && g_atomic_int_compare_and_exchange (&self->queued, 0, 1))
    g_thread_pool_push (self->pool, self, NULL);
  return SQLITE_OK;
}

KsSqliteCheckpointer *
ks_sqlite_checkpointer_new (sqlite3    *handle,
                            const char *path,
                            int         pages,
                            int         inline_pages)
{
  KsSqliteCheckpointer *self;

  g_return_val_if_fail (handle != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (pages > 0 && inline_pages >= pages, NULL);

  self = g_new0 (KsSqliteCheckpointer, 1);
  self->handle = handle;
  self->path = g_strdup (path);
  self->pages = pages;
  self->inline_pages = inline_pages;
  self->pool = g_thread_pool_new (checkpoint_job, NULL, 1, FALSE, NULL);
  sqlite3_wal_hook (handle, wal_hook_cb, self);
  return self;
}

void
ks_sqlite_checkpointer_add_connection (KsSqliteCheckpointer *self,
                                       sqlite3              *handle)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (handle != NULL);

  sqlite3_wal_hook (handle, wal_hook_cb, self);
}

void
ks_sqlite_checkpointer_free (KsSqliteCheckpointer *self)
{
  if (self == NULL)
    return;

  sqlite3_wal_hook (self->handle, NULL, NULL);
  g_thread_pool_free (self->pool, TRUE, TRUE);
  /* Closed before the writers' connection, so that theirs is the last
   * and checkpoints what is left. */
  if (self->checkpoint_handle != NULL)
    sqlite3_close (self->checkpoint_handle);
  g_free (self->path);
  g_free (self);
}
