/* ks-server-stream.h: a connection as libsoup reads it, with an eye on
 * the request lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KS_TYPE_SERVER_STREAM (ks_server_stream_get_type ())

G_DECLARE_FINAL_TYPE (KsServerStream, ks_server_stream, KS, SERVER_STREAM, GIOStream)

/* Reads and writes @connection; closing it closes @connection. */
KsServerStream *ks_server_stream_new (GSocketConnection *connection);
gboolean        ks_server_stream_take_dotted (KsServerStream *self,
                                              const char     *path);

G_END_DECLS
