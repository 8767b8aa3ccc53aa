/* ks-api-sweep.c: removing what nobody will come back for
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"
#include "ks-s3-store.h"

/*
 * A periodic sweep removes photos never committed some time after their
 * last prepare, and soft-deleted photos some time after their deletion,
 * with their objects and multipart uploads. Rows go first, in one
 * transaction per batch, so a photo is either all there or gone from the
 * API; the objects are removed afterwards on a worker thread, so a crash
 * in between can only leave unreachable objects behind, never a photo
 * without its bytes. A sweep that finds a full batch goes on at once.
 */

#define SWEEP_BATCH 200

typedef struct
{
  char *key;
  char *upload_id; /* nullable: a multipart upload to abort */
} Removal;

static void
removal_free (Removal *removal)
{
  g_free (removal->key);
  g_free (removal->upload_id);
  g_free (removal);
}

static void
add_removal (GPtrArray  *removals,
             char       *key,
             const char *upload_id)
{
  Removal *removal = g_new0 (Removal, 1);

  removal->key = key;
  removal->upload_id = g_strdup (upload_id);
  g_ptr_array_add (removals, removal);
}

/* ---- Objects, on a worker ---- */

static void
remove_objects_cb (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  KsServer  *server = source_object;
  GPtrArray *removals = task_data;

  for (guint i = 0; i < removals->len; i++)
    {
      Removal *removal = g_ptr_array_index (removals, i);
      g_autoptr (GError) error = NULL;

      if ((removal->upload_id != NULL &&
           !ks_s3_store_abort_multipart (server, removal->key, removal->upload_id, &error)) ||
          (removal->upload_id == NULL && !ks_s3_store_delete (server, removal->key, &error)))
        g_warning ("Cleanup: cannot remove %s: %s", removal->key, error->message);
    }

  g_task_return_boolean (task, TRUE);
}

static void
remove_objects (KsServer  *server,
                GPtrArray *removals)
{
  g_autoptr (GTask) task = g_task_new (server, NULL, NULL, NULL);

  g_task_set_source_tag (task, remove_objects);
  g_task_set_task_data (task, g_ptr_array_ref (removals), (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, remove_objects_cb);
}

/* ---- Rows ---- */

/* Columns of both queries. */
enum
{
  COL_ID,
  COL_OWNER,
  COL_UPLOAD_ID,
  COL_HAS_GRID,
  COL_HAS_PREVIEW,
};

static const char *const pending_sql =
    "SELECT id, owner, upload_id, grid_size IS NOT NULL, preview_size IS NOT NULL "
    "FROM photos WHERE committed_at IS NULL AND prepared_at < ?1 ORDER BY prepared_at LIMIT ?2";
static const char *const deleted_sql =
    "SELECT id, owner, upload_id, grid_size IS NOT NULL, preview_size IS NOT NULL "
    "FROM photos WHERE deleted_at < ?1 ORDER BY deleted_at LIMIT ?2";

static gboolean
delete_photo (KsApi      *api,
              const char *id,
              GError    **error)
{
  g_autoptr (KsApiStmt) from_albums = ks_api_stmt (api, "DELETE FROM album_photos WHERE photo_id = ?1",
                                                   error);
  g_autoptr (KsApiStmt) photo = NULL;

  if (from_albums == NULL)
    return FALSE;
  ks_sqlite_bind_text (from_albums, 1, id);
  if (!ks_api_step_done (api, from_albums, error))
    return FALSE;

  photo = ks_api_stmt (api, "DELETE FROM photos WHERE id = ?1", error);
  if (photo == NULL)
    return FALSE;
  ks_sqlite_bind_text (photo, 1, id);
  return ks_api_step_done (api, photo, error);
}

/*
 * Deletes up to SWEEP_BATCH rows that @sql finds (older than @before)
 * and adds their objects to @removals. Returns the count, -1 for an error.
 */
static int
sweep_rows (KsApi      *api,
            const char *sql,
            gint64      before,
            GPtrArray  *removals,
            GError    **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (api, sql, error);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, before);
  sqlite3_bind_int64 (stmt, 2, SWEEP_BATCH);
  while ((rc = ks_api_step (api, stmt, error)) == SQLITE_ROW)
    {
      const char *id = ks_api_column_text (stmt, COL_ID);
      const char *owner = ks_api_column_text (stmt, COL_OWNER);

      g_ptr_array_add (ids, g_strdup (id));
      /* A completed upload that was never committed left an object. */
      add_removal (removals, ks_api_original_key (owner, id), NULL);
      if (sqlite3_column_type (stmt, COL_UPLOAD_ID) != SQLITE_NULL)
        add_removal (removals, ks_api_original_key (owner, id), ks_api_column_text (stmt, COL_UPLOAD_ID));
      if (sqlite3_column_int (stmt, COL_HAS_GRID))
        add_removal (removals, ks_api_thumb_key (owner, id, "grid"), NULL);
      if (sqlite3_column_int (stmt, COL_HAS_PREVIEW))
        add_removal (removals, ks_api_thumb_key (owner, id, "preview"), NULL);
    }
  if (rc != SQLITE_DONE)
    return -1;
  ks_api_stmt_release (stmt);

  for (guint i = 0; i < ids->len; i++)
    {
      if (!delete_photo (api, g_ptr_array_index (ids, i), error))
        return -1;
    }

  return (int) ids->len;
}

/* One batch of each kind; TRUE if there may be more. */
static gboolean
sweep_once (KsApi   *api,
            GError **error)
{
  g_autoptr (KsApiTransaction) txn = ks_api_transaction_begin (api, error);
  g_autoptr (GPtrArray) removals = g_ptr_array_new_with_free_func ((GDestroyNotify) removal_free);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  int    pending;
  int    deleted;

  if (txn == NULL)
    return FALSE;

  pending = sweep_rows (api, pending_sql, now - api->cleanup.pending_lifetime, removals, error);
  deleted = pending < 0 ? -1 : sweep_rows (api, deleted_sql, now - api->cleanup.deleted_retention, removals, error);
  if (deleted < 0 || !ks_api_transaction_commit (txn, error))
    return FALSE;

  if (pending > 0 || deleted > 0)
    {
      g_message ("Cleanup: removed %d photos never committed and %d deleted ones", pending, deleted);
      remove_objects (api->server, removals);
    }

  return pending == SWEEP_BATCH || deleted == SWEEP_BATCH;
}

static void schedule (KsApi *api,
                      guint  seconds);

static gboolean
sweep_cb (gpointer user_data)
{
  KsApi *api = user_data;
  g_autoptr (GError) error = NULL;
  gboolean more;

  g_clear_pointer (&api->sweep_source, g_source_unref);
  more = sweep_once (api, &error);
  if (error != NULL)
    g_warning ("Cleanup failed: %s", error->message);

  schedule (api, more ? 0 : api->cleanup.interval);
  return G_SOURCE_REMOVE;
}

static void
schedule (KsApi *api,
          guint  seconds)
{
  ks_api_sweep_stop (api);
  if (api->cleanup.interval == 0)
    return;

  api->sweep_source = seconds == 0 ? g_idle_source_new () : g_timeout_source_new_seconds (seconds);
  g_source_set_callback (api->sweep_source, sweep_cb, api, NULL);
  g_source_attach (api->sweep_source, api->context);
}

void
ks_api_sweep_stop (KsApi *api)
{
  if (api->sweep_source == NULL)
    return;

  g_source_destroy (api->sweep_source);
  g_clear_pointer (&api->sweep_source, g_source_unref);
}

/* Sets the options and starts over; the first sweep comes a minute
 * after the start (or one interval, if shorter), so that a server
 * restarted more often than the interval still sweeps. */
void
ks_api_sweep_configure (KsApi                     *api,
                        const KsApiCleanupOptions *options)
{
  g_return_if_fail (options->pending_lifetime > 0 && options->deleted_retention >= 0);

  api->cleanup = *options;
  schedule (api, MIN (api->cleanup.interval, 60));
}

/**
 * ks_api_set_cleanup:
 *
 * Replaces the cleanup sweep's options (see #KsApiCleanupOptions).
 */
void
ks_api_set_cleanup (KsServer                  *server,
                    const KsApiCleanupOptions *options)
{
  KsApi *api = ks_api_get (server);

  g_return_if_fail (api != NULL && options != NULL);

  ks_api_sweep_configure (api, options);
}
