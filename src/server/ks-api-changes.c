/* ks-api-changes.c: GET /v1/changes, the change feed, with long polling
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <sys/socket.h>

#include <glib-unix.h>

#include "ks-api-private.h"

/*
 * A request that finds no event waits, paused, as a Waiter listed under
 * its user. A transaction that wrote events for that user wakes it after
 * COMMIT (ks_api_changes_wake()); its timeout answers it with no events.
 * While paused libsoup reads nothing from the connection, so the waiter
 * watches the socket itself to notice a client that hung up.
 */
typedef struct
{
  KsApi             *api;
  SoupServerMessage *msg; /* owned */
  char              *sub;
  gint64             cursor;
  gint64             limit;
  GSource           *timeout; /* owned */
  GSource           *watch;   /* owned, nullable */
  gulong             disconnected_id;
} Waiter;

static const char *const query_params[] = { "cursor", "wait", "limit", NULL };

static void
set_optional (JsonObject *event,
              const char *name,
              KsApiStmt  *stmt,
              int         column)
{
  const char *text = ks_api_column_text (stmt, column);

  if (text != NULL)
    json_object_set_string_member (event, name, text);
}

static JsonObject *
event_from_row (KsApiStmt *stmt)
{
  JsonObject *event = json_object_new ();

  json_object_set_int_member (event, "seq", sqlite3_column_int64 (stmt, 0));
  json_object_set_string_member (event, "type", ks_api_column_text (stmt, 1));
  if (sqlite3_column_type (stmt, 2) == SQLITE_NULL)
    json_object_set_null_member (event, "album_id");
  else
    json_object_set_string_member (event, "album_id", ks_api_column_text (stmt, 2));
  set_optional (event, "photo_id", stmt, 3);
  json_object_set_string_member (event, "actor", ks_api_column_text (stmt, 4));
  ks_api_set_time (event, "at", sqlite3_column_int64 (stmt, 5));
  set_optional (event, "member", stmt, 6);
  set_optional (event, "role", stmt, 7);
  set_optional (event, "name", stmt, 8);

  return event;
}

/* {"events": [...], "cursor": "<last seq>", "more": bool}; the cursor
 * stays @cursor when there are none. */
static JsonNode *
query_events (KsApi      *api,
              const char *sub,
              gint64      cursor,
              gint64      limit,
              guint      *out_count,
              GError    **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  g_autoptr (JsonArray) events = json_array_new ();
  g_autoptr (JsonObject) reply = json_object_new ();
  g_autofree char *cursor_text = NULL;
  gboolean         more = FALSE;
  int              rc;

  stmt = ks_api_stmt (api,
                      "SELECT e.seq, e.type, e.album_id, e.photo_id, a.username, e.at, "
                      "       m.username, e.role, e.name "
                      "FROM event_recipients r JOIN events e ON e.seq = r.seq "
                      "JOIN api_users a ON a.sub = e.actor "
                      "LEFT JOIN api_users m ON m.sub = e.member "
                      "WHERE r.user_sub = ?1 AND r.seq > ?2 ORDER BY r.seq LIMIT ?3",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, sub);
  sqlite3_bind_int64 (stmt, 2, cursor);
  sqlite3_bind_int64 (stmt, 3, limit + 1);
  while ((rc = ks_api_step (api, stmt, error)) == SQLITE_ROW)
    {
      if (json_array_get_length (events) == (guint) limit)
        {
          more = TRUE;
          continue;
        }
      cursor = sqlite3_column_int64 (stmt, 0);
      json_array_add_object_element (events, event_from_row (stmt));
    }
  if (rc != SQLITE_DONE)
    return NULL;

  *out_count = json_array_get_length (events);
  cursor_text = g_strdup_printf ("%" G_GINT64_FORMAT, cursor);
  json_object_set_array_member (reply, "events", g_steal_pointer (&events));
  json_object_set_string_member (reply, "cursor", cursor_text);
  json_object_set_boolean_member (reply, "more", more);

  return ks_api_object_node (g_steal_pointer (&reply));
}

/* ---- Waiters ---- */

static void
waiter_free (Waiter *waiter)
{
  GQueue *queue = g_hash_table_lookup (waiter->api->waiters, waiter->sub);

  g_assert (queue != NULL);
  g_queue_remove (queue, waiter);
  if (g_queue_is_empty (queue))
    {
      g_hash_table_remove (waiter->api->waiters, waiter->sub);
      g_queue_free (queue);
    }

  g_signal_handler_disconnect (waiter->msg, waiter->disconnected_id);
  g_source_destroy (waiter->timeout);
  g_source_unref (waiter->timeout);
  if (waiter->watch != NULL)
    {
      g_source_destroy (waiter->watch);
      g_source_unref (waiter->watch);
    }
  g_object_unref (waiter->msg);
  g_free (waiter->sub);
  g_free (waiter);
}

/* Answers with whatever is there now and lets libsoup send it; unless
 * @force, only if there is something (a wake-up for events before the
 * waiter's cursor is none for it). */
static void
waiter_answer (Waiter  *waiter,
               gboolean force)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  SoupServerMessage *msg;
  guint              count = 0;

  node = query_events (waiter->api, waiter->sub, waiter->cursor, waiter->limit, &count, &error);
  if (count == 0 && error == NULL && !force)
    return;

  msg = g_object_ref (waiter->msg);
  waiter_free (waiter);
  ks_api_respond (msg, SOUP_STATUS_OK, node, error);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

static gboolean
timeout_cb (gpointer user_data)
{
  waiter_answer (user_data, TRUE);
  return G_SOURCE_REMOVE;
}

/* libsoup gave up on the message: nothing is to be sent. */
static void
disconnected_cb (SoupServerMessage *msg,
                 gpointer           user_data)
{
  waiter_free (user_data);
}

/* Readable while paused: the client hung up, or sent its next request
 * early (pipelining). Only the first ends the wait; for the second stop
 * watching, else the level-triggered source would fire in a loop. */
static gboolean
socket_cb (int          fd,
           GIOCondition condition,
           gpointer     user_data)
{
  Waiter *waiter = user_data;
  char    byte;
  ssize_t n = recv (fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0 || (condition & (G_IO_HUP | G_IO_ERR)) != 0)
    {
      g_debug ("Change-feed client went away while waiting");
      waiter_answer (waiter, TRUE);
      return G_SOURCE_REMOVE;
    }

  g_clear_pointer (&waiter->watch, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
watch_socket (Waiter *waiter)
{
  GSocket *socket = ks_server_get_message_socket (waiter->api->server, waiter->msg);
  int      fd = socket != NULL ? g_socket_get_fd (socket) : -1;

  if (fd < 0)
    return;

  /* Not owning @fd: the waiter is gone before libsoup closes it. */
  waiter->watch = g_unix_fd_source_new (fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (waiter->watch, G_SOURCE_FUNC (socket_cb), waiter, NULL);
  g_source_attach (waiter->watch, NULL);
}

static void
wait_for_events (KsApiRequest *req,
                 gint64        cursor,
                 gint64        limit,
                 gint64        wait)
{
  Waiter *waiter = g_new0 (Waiter, 1);
  GQueue *queue = g_hash_table_lookup (req->api->waiters, req->sub);

  waiter->api = req->api;
  waiter->msg = g_object_ref (req->msg);
  waiter->sub = g_strdup (req->sub);
  waiter->cursor = cursor;
  waiter->limit = limit;
  waiter->timeout = g_timeout_source_new_seconds ((guint) wait);
  g_source_set_callback (waiter->timeout, timeout_cb, waiter, NULL);
  g_source_attach (waiter->timeout, NULL);
  waiter->disconnected_id = g_signal_connect (req->msg, "disconnected",
                                              G_CALLBACK (disconnected_cb), waiter);
  watch_socket (waiter);

  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (req->api->waiters, g_strdup (req->sub), queue);
    }
  g_queue_push_tail (queue, waiter);
  soup_server_message_pause (req->msg);
}

/* GET /v1/changes?cursor=C&wait=S&limit=N */
JsonNode *
ks_api_changes_get (KsApiRequest *req,
                    guint        *status,
                    GError      **error)
{
  g_autoptr (JsonNode) node = NULL;
  gint64 cursor = 0;
  gint64 wait = 0;
  gint64 limit = KS_API_CHANGES_PAGE;
  guint  count = 0;

  if (!ks_api_check_query (req, query_params, error) ||
      !ks_api_query_cursor (req, &cursor, error) ||
      !ks_api_query_int (req, "wait", 0, KS_API_CHANGES_MAX_WAIT, &wait, error) ||
      !ks_api_query_int (req, "limit", 1, KS_API_CHANGES_PAGE, &limit, error))
    return NULL;

  node = query_events (req->api, req->sub, cursor, limit, &count, error);
  if (node == NULL || count > 0 || wait == 0)
    return g_steal_pointer (&node);

  wait_for_events (req, cursor, limit, wait);
  *status = KS_API_PAUSED;
  return NULL;
}

/* After a COMMIT: answers the waiters of the users in @subs that now
 * have events. */
void
ks_api_changes_wake (KsApi      *api,
                     GHashTable *subs)
{
  GHashTableIter iter;
  gpointer       sub;

  g_hash_table_iter_init (&iter, subs);
  while (g_hash_table_iter_next (&iter, &sub, NULL))
    {
      GQueue *queue = g_hash_table_lookup (api->waiters, sub);
      GList  *waiters;

      if (queue == NULL)
        continue;

      /* Answering frees a waiter, and with the last one the queue. */
      waiters = g_list_copy (queue->head);
      for (GList *l = waiters; l != NULL; l = l->next)
        waiter_answer (l->data, FALSE);
      g_list_free (waiters);
    }
}

/* The server is going away: drop the waiters without answering. */
void
ks_api_changes_clear (KsApi *api)
{
  GHashTableIter iter;
  gpointer       queue;

  if (api->waiters == NULL)
    return;

  /* Freeing a queue's last waiter frees the queue: start over each time. */
  for (;;)
    {
      g_hash_table_iter_init (&iter, api->waiters);
      if (!g_hash_table_iter_next (&iter, NULL, &queue))
        break;
      waiter_free (g_queue_peek_head (queue));
    }
}
