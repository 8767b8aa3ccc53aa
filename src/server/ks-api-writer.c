/* ks-api-writer.c: group commit of prepares, on a thread of their own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"
#include "ks-server-db.h"
#include "ks-server-error.h"

/*
 * A prepare is mostly database work: a dedupe lookup, an INSERT and its
 * share of a COMMIT. Done on the main loop, that work stopped it from
 * reading and answering other requests. So prepares are queued as
 * writes; the writer thread, with its own connection, runs all the
 * writes queued meanwhile in one transaction and COMMITs it, and only
 * then are their requests answered, back on the main loop. Nothing is
 * answered before it is committed, so a crash loses only prepares nobody
 * got an answer for.
 *
 * The main loop's connection never writes beside it: every other route
 * drains the writer first (ks_api_batch_flush(), from route_cb() and
 * ks_api_transaction_begin()), and nothing but the main loop queues
 * writes, so once drained it stays idle until the main loop returns.
 */

struct _KsApiWriter
{
  KsApi      *api; /* unowned: it owns the writer */
  KsServerDb *db;  /* owned */
  sqlite3    *handle;
  GHashTable *stmts; /* SQL text → statement, on @handle */
  GThread    *thread;

  GMutex     mutex;
  GCond      cond;
  GPtrArray *queued;  /* of KsApiWrite, owned: pushed, not yet taken */
  GPtrArray *done;    /* of KsApiWrite, owned: run, not yet answered */
  gboolean   running; /* a batch is being written */
  gboolean   stopping;
  GSource   *answer; /* owned, nullable: will answer @done */
};

static void
write_free (KsApiWrite *write)
{
  ks_api_paused_clear (&write->paused);
  g_clear_error (&write->error);
  write->vtable->free (write);
}

/* ---- On the writer thread ---- */

/* As ks_api_stmt(), on the writer's connection. */
KsApiStmt *
ks_api_writer_stmt (KsApiWriter *writer,
                    const char  *sql,
                    GError     **error)
{
  return ks_api_stmt_on (writer->handle, writer->stmts, sql, error);
}

int
ks_api_writer_step (KsApiWriter *writer,
                    KsApiStmt   *stmt,
                    GError     **error)
{
  return ks_api_step_on (writer->handle, stmt, error);
}

static gboolean
exec (KsApiWriter *writer,
      const char  *sql,
      GError     **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_writer_stmt (writer, sql, error);

  return stmt != NULL && ks_api_writer_step (writer, stmt, error) == SQLITE_DONE;
}

static void
fail_all (GPtrArray    *batch,
          const GError *error)
{
  for (guint i = 0; i < batch->len; i++)
    {
      KsApiWrite *write = g_ptr_array_index (batch, i);

      g_clear_error (&write->error);
      write->error = g_error_copy (error);
    }
}

static void
write_batch (KsApiWriter *writer,
             GPtrArray   *batch)
{
  g_autoptr (GError) error = NULL;

  if (!exec (writer, "BEGIN IMMEDIATE", &error))
    {
      fail_all (batch, error);
      return;
    }

  for (guint i = 0; i < batch->len; i++)
    {
      KsApiWrite *write = g_ptr_array_index (batch, i);

      /* A failed statement undoes itself; after some errors SQLite
       * rolls the whole transaction back, and the batch with it. */
      if (!write->vtable->run (write, writer, &write->error) && sqlite3_get_autocommit (writer->handle))
        {
          g_set_error_literal (&error, KS_SERVER_ERROR, KS_SERVER_ERROR_DATABASE,
                               "database: the batch was rolled back");
          fail_all (batch, error);
          return;
        }
    }

  if (!exec (writer, "COMMIT", &error))
    {
      if (!sqlite3_get_autocommit (writer->handle))
        exec (writer, "ROLLBACK", NULL);
      fail_all (batch, error);
    }
}

static gboolean answer_cb (gpointer user_data);

static gpointer
writer_thread (gpointer user_data)
{
  KsApiWriter *writer = user_data;

  g_mutex_lock (&writer->mutex);
  for (;;)
    {
      g_autoptr (GPtrArray) batch = NULL;

      while (writer->queued->len == 0 && !writer->stopping)
        g_cond_wait (&writer->cond, &writer->mutex);
      if (writer->queued->len == 0)
        break;

      batch = g_steal_pointer (&writer->queued);
      writer->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
      writer->running = TRUE;
      g_mutex_unlock (&writer->mutex);

      write_batch (writer, batch);

      g_mutex_lock (&writer->mutex);
      /* The array's free function is dropped: @done owns them now. */
      g_ptr_array_set_free_func (batch, NULL);
      g_ptr_array_extend_and_steal (writer->done, g_steal_pointer (&batch));
      writer->running = FALSE;
      g_cond_broadcast (&writer->cond);
      if (writer->answer == NULL)
        {
          writer->answer = g_idle_source_new ();
          g_source_set_priority (writer->answer, G_PRIORITY_DEFAULT);
          g_source_set_callback (writer->answer, answer_cb, writer, NULL);
          g_source_attach (writer->answer, writer->api->context);
        }
    }
  g_mutex_unlock (&writer->mutex);

  return NULL;
}

/* ---- On the main loop ---- */

/* Answers what the writer has committed (or failed to). */
static void
answer (KsApiWriter *writer)
{
  g_autoptr (GPtrArray) done = NULL;

  g_mutex_lock (&writer->mutex);
  /* Every other route comes here: most find nothing to answer. */
  if (writer->done->len == 0 && writer->answer == NULL)
    {
      g_mutex_unlock (&writer->mutex);
      return;
    }
  done = g_steal_pointer (&writer->done);
  writer->done = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
  if (writer->answer != NULL)
    {
      g_source_destroy (writer->answer);
      g_clear_pointer (&writer->answer, g_source_unref);
    }
  g_mutex_unlock (&writer->mutex);

  for (guint i = 0; i < done->len; i++)
    {
      KsApiWrite *write = g_ptr_array_index (done, i);

      if (write->paused.msg == NULL)
        continue;
      write->vtable->finish (write, writer->api, write->paused.msg, write->error);
      soup_server_message_unpause (write->paused.msg);
    }
}

static gboolean
answer_cb (gpointer user_data)
{
  answer (user_data);
  return G_SOURCE_REMOVE;
}

gboolean
ks_api_writer_start (KsApi   *api,
                     GError **error)
{
  KsServerDb  *db = ks_server_get_db (api->server);
  KsApiWriter *writer;
  sqlite3     *handle;

  g_return_val_if_fail (api->writer == NULL, FALSE);

  handle = ks_server_db_open_connection (db, error);
  if (handle == NULL)
    return FALSE;

  writer = g_new0 (KsApiWriter, 1);
  writer->api = api;
  writer->db = g_object_ref (db);
  writer->handle = handle;
  writer->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) sqlite3_finalize);
  g_mutex_init (&writer->mutex);
  g_cond_init (&writer->cond);
  writer->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
  writer->done = g_ptr_array_new_with_free_func ((GDestroyNotify) write_free);
  writer->thread = g_thread_new ("ks-api-writer", writer_thread, writer);
  api->writer = writer;

  return TRUE;
}

/* Writes and answers whatever is queued, then ends the thread. */
void
ks_api_writer_stop (KsApi *api)
{
  KsApiWriter *writer = g_steal_pointer (&api->writer);

  if (writer == NULL)
    return;

  g_mutex_lock (&writer->mutex);
  writer->stopping = TRUE;
  g_cond_broadcast (&writer->cond);
  g_mutex_unlock (&writer->mutex);
  g_thread_join (writer->thread);
  answer (writer);

  g_hash_table_unref (writer->stmts);
  sqlite3_close (writer->handle);
  g_object_unref (writer->db);
  g_ptr_array_unref (writer->queued);
  g_ptr_array_unref (writer->done);
  g_mutex_clear (&writer->mutex);
  g_cond_clear (&writer->cond);
  g_free (writer);
}

/**
 * ks_api_batch_push:
 * @write: (transfer full): what to run in the next batch
 *
 * Pauses @msg; @write's finish() answers it once its batch is committed.
 */
void
ks_api_batch_push (KsApi             *api,
                   SoupServerMessage *msg,
                   KsApiWrite        *write)
{
  KsApiWriter *writer = api->writer;

  g_return_if_fail (writer != NULL);

  ks_api_paused_init (&write->paused, msg);

  g_mutex_lock (&writer->mutex);
  g_ptr_array_add (writer->queued, write);
  g_cond_broadcast (&writer->cond);
  g_mutex_unlock (&writer->mutex);
}

/* Waits until everything queued is committed, and answers it. */
void
ks_api_batch_flush (KsApi *api)
{
  KsApiWriter *writer = api->writer;

  if (writer == NULL)
    return;

  g_mutex_lock (&writer->mutex);
  while (writer->queued->len > 0 || writer->running)
    g_cond_wait (&writer->cond, &writer->mutex);
  g_mutex_unlock (&writer->mutex);

  answer (writer);
}
