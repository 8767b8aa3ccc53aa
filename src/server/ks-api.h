/* ks-api.h: the Keepsake REST API v1 (docs/api.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-server.h"

G_BEGIN_DECLS

/* Photos, albums, members, share links and the change feed under
 * KS_SERVER_PATH_API; every route but GET /v1/links/{token} wants an
 * access token of the server's user pool (ks_idp_verify_access_token()). */
void ks_api_register (KsServer *server);

G_END_DECLS
