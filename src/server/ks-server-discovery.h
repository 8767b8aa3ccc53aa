/* ks-server-discovery.h: GET /.well-known/keepsake.json
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-server.h"

G_BEGIN_DECLS

void ks_server_discovery_register (KsServer *server);

G_END_DECLS
