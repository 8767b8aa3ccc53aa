/* ks-server-connections.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup 3.2 (Debian 12) never closes a kept-alive connection that the
 * client closes while idle (fixed upstream in 3.4, d20c6601): its socket
 * and descriptor stay open for the life of the process. The server
 * accepts connections itself, so it keeps them here and closes the idle
 * ones whose peer has gone, or that have been idle too long, which also
 * stops a silent client from holding a connection forever.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "ks-server-connections.h"
#include "ks-server-stream.h"

/* How often idle connections are looked at. */
#define SWEEP_INTERVAL_SECONDS 1

typedef struct
{
  GSocketConnection *connection; /* owned */
  KsServerStream    *stream;     /* owned: what libsoup reads and writes */
  gboolean           busy;
  gint64             idle_since;
} Connection;

struct _KsServerConnections
{
  /* "host:port" of the peer -> Connection*. Keyed by address because
   * libsoup 3.2 gives messages on accepted streams no GSocket. */
  GHashTable *by_peer;
  guint       sweep_id;
  gint64      idle_timeout_us;
};

static void
connection_free (gpointer data)
{
  Connection *conn = data;

  g_object_unref (conn->stream);
  g_object_unref (conn->connection);
  g_free (conn);
}

/* TRUE when the peer has closed its end or the connection broke. A
 * request in flight is libsoup's business; only idle ones are peeked. */
static gboolean
peer_gone (GSocket *socket)
{
  char    byte;
  ssize_t n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  if (n == 0)
    return TRUE;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

static gboolean
should_close (KsServerConnections *self,
              Connection          *conn,
              gint64               now)
{
  GSocket *socket = g_socket_connection_get_socket (conn->connection);

  if (conn->busy)
    return FALSE;
  return now - conn->idle_since > self->idle_timeout_us || peer_gone (socket);
}

static gboolean
sweep_cb (gpointer user_data)
{
  KsServerConnections *self = user_data;
  gint64               now = g_get_monotonic_time ();
  GHashTableIter       iter;
  gpointer             value;

  g_hash_table_iter_init (&iter, self->by_peer);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Connection *conn = value;

      if (g_socket_is_closed (g_socket_connection_get_socket (conn->connection)))
        g_hash_table_iter_remove (&iter);
      else if (should_close (self, conn, now))
        {
          g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
          g_hash_table_iter_remove (&iter);
        }
    }

  return G_SOURCE_CONTINUE;
}

KsServerConnections *
ks_server_connections_new (guint idle_timeout_seconds)
{
  KsServerConnections *self = g_new0 (KsServerConnections, 1);

  self->by_peer = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, connection_free);
  self->idle_timeout_us = (gint64) idle_timeout_seconds * G_USEC_PER_SEC;
  self->sweep_id = g_timeout_add_seconds (SWEEP_INTERVAL_SECONDS, sweep_cb, self);

  return self;
}

void
ks_server_connections_free (KsServerConnections *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_hash_table_unref (self->by_peer);
  g_free (self);
}

/**
 * ks_server_connections_add:
 * @remote: @connection's remote address
 *
 * Returns: (transfer none): the stream to hand to libsoup for @connection
 */
GIOStream *
ks_server_connections_add (KsServerConnections *self,
                           GSocketConnection   *connection,
                           GSocketAddress      *remote)
{
  Connection *conn = g_new0 (Connection, 1);

  conn->connection = g_object_ref (connection);
  conn->stream = ks_server_stream_new (connection);
  conn->idle_since = g_get_monotonic_time ();
  g_hash_table_replace (self->by_peer,
                        g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote)), conn);

  return G_IO_STREAM (conn->stream);
}

/* See ks_server_stream_take_dotted(). */
gboolean
ks_server_connections_take_dotted (KsServerConnections *self,
                                   GSocketAddress      *remote,
                                   const char          *path)
{
  g_autofree char *key = NULL;
  Connection      *conn;

  if (remote == NULL)
    return FALSE;

  key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));
  conn = g_hash_table_lookup (self->by_peer, key);

  return conn != NULL && ks_server_stream_take_dotted (conn->stream, path);
}

void
ks_server_connections_set_busy (KsServerConnections *self,
                                GSocketAddress      *remote,
                                gboolean             busy)
{
  g_autofree char *key = NULL;
  Connection      *conn;

  if (remote == NULL)
    return;

  key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));
  conn = g_hash_table_lookup (self->by_peer, key);
  if (conn == NULL)
    return;

  conn->busy = busy;
  if (!busy)
    conn->idle_since = g_get_monotonic_time ();
}

/**
 * ks_server_connections_lookup:
 * @remote: (nullable): a message's remote address
 *
 * Returns: (transfer none) (nullable): the socket of the open connection
 *   from @remote, for what libsoup 3.2 does not give a message accepted
 *   with soup_server_accept_iostream()
 */
GSocket *
ks_server_connections_lookup (KsServerConnections *self,
                              GSocketAddress      *remote)
{
  g_autofree char *key = NULL;
  Connection      *conn;
  GSocket         *socket;

  if (remote == NULL)
    return NULL;

  key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));
  conn = g_hash_table_lookup (self->by_peer, key);
  if (conn == NULL)
    return NULL;

  socket = g_socket_connection_get_socket (conn->connection);
  return g_socket_is_closed (socket) ? NULL : socket;
}

guint
ks_server_connections_get_count (KsServerConnections *self)
{
  return g_hash_table_size (self->by_peer);
}

void
ks_server_connections_close_all (KsServerConnections *self)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->by_peer);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Connection *conn = value;

      g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
      g_hash_table_iter_remove (&iter);
    }
}
