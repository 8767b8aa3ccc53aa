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

/* The cleanup sweep: photos never committed go some time after their
 * last prepare, deleted photos some time after their deletion, with
 * their objects. Times in seconds. */
typedef struct
{
  guint  interval;          /* between sweeps; 0: never sweep */
  gint64 pending_lifetime;  /* > 0 */
  gint64 deleted_retention; /* >= 0 */
} KsApiCleanupOptions;

#define KS_API_CLEANUP_INTERVAL (60 * 60)
#define KS_API_CLEANUP_PENDING_LIFETIME (24 * 60 * 60)
#define KS_API_CLEANUP_DELETED_RETENTION (30 * 24 * 60 * 60)

void ks_api_set_cleanup (KsServer                  *server,
                         const KsApiCleanupOptions *options);

/* How long the presigned GETs of photo replies live, in seconds: 1 to
 * SigV4's limit for presigned URLs, 7 days. */
#define KS_API_DOWNLOAD_URL_LIFETIME (60 * 60)
#define KS_API_DOWNLOAD_URL_MAX_LIFETIME (7 * 24 * 60 * 60)

void ks_api_set_download_url_lifetime (KsServer *server,
                                       guint     seconds);

G_END_DECLS
