/* ks-server-connections.h: the server's open connections and their idle
 * time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _KsServerConnections KsServerConnections;

KsServerConnections *ks_server_connections_new (guint idle_timeout_seconds);
void                 ks_server_connections_free (KsServerConnections *self);

GIOStream *ks_server_connections_add (KsServerConnections *self,
                                      GSocketConnection   *connection,
                                      GSocketAddress      *remote);
gboolean   ks_server_connections_take_dotted (KsServerConnections *self,
                                              GSocketAddress      *remote,
                                              const char          *path);
void       ks_server_connections_set_busy (KsServerConnections *self,
                                           GSocketAddress      *remote,
                                           gboolean             busy);
GSocket   *ks_server_connections_lookup (KsServerConnections *self,
                                         GSocketAddress      *remote);
guint      ks_server_connections_get_count (KsServerConnections *self);
void       ks_server_connections_close_all (KsServerConnections *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsServerConnections, ks_server_connections_free)

G_END_DECLS
