/* ks-server.h: keepsake-server, its listening socket and its routes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "ks-server-data-dir.h"
#include "ks-server-db.h"
#include "ks-server-user-pool.h"

G_BEGIN_DECLS

#define KS_TYPE_SERVER (ks_server_get_type ())

G_DECLARE_FINAL_TYPE (KsServer, ks_server, KS, SERVER, GObject)

typedef struct _KsServerRoute KsServerRoute;
/* ks-server-bucket.h, which needs this header */
typedef struct _KsServerBucket KsServerBucket;

/**
 * KsServerHandler:
 * @server: the server
 * @msg: the request; the handler sets its status and body, or pauses it
 *   (soup_server_message_pause()) and does so later
 * @params: (element-type utf8 utf8): the pattern's captures by name,
 *   percent-decoded; empty for a pattern without any, never %NULL
 * @user_data: what was passed to ks_server_add_route()
 */
typedef void (*KsServerHandler) (KsServer          *server,
                                 SoupServerMessage *msg,
                                 GHashTable        *params,
                                 gpointer           user_data);

KsServer *ks_server_new (KsServerDataDir *data_dir,
                         KsServerDb      *db);
KsServer *ks_server_new_full (KsServerDataDir  *data_dir,
                              KsServerDb       *db,
                              KsServerUserPool *user_pool,
                              KsServerBucket   *bucket);

KsServerDataDir *ks_server_get_data_dir (KsServer *self);
KsServerDb      *ks_server_get_db (KsServer *self);
/* (nullable): %NULL when the server is its own sign-in service */
KsServerUserPool *ks_server_get_user_pool (KsServer *self);
/* (nullable): %NULL when the server keeps the photos in its own store */
KsServerBucket *ks_server_get_bucket (KsServer *self);
const char     *ks_server_get_public_url (KsServer *self);
void            ks_server_set_public_url (KsServer   *self,
                                          const char *public_url);
GSocket        *ks_server_get_message_socket (KsServer          *self,
                                              SoupServerMessage *msg);
gboolean        ks_server_get_auto_confirm (KsServer *self);
void            ks_server_set_auto_confirm (KsServer *self,
                                            gboolean  auto_confirm);

gboolean    ks_server_listen (KsServer       *self,
                              GSocketAddress *address,
                              GError        **error);
const char *ks_server_get_listen_url (KsServer *self);
void        ks_server_disconnect (KsServer *self);

KsServerRoute *ks_server_add_route (KsServer       *self,
                                    const char     *method,
                                    const char     *pattern,
                                    KsServerHandler handler,
                                    gpointer        user_data,
                                    GDestroyNotify  destroy);
void           ks_server_route_set_max_body_size (KsServerRoute *route,
                                                  goffset        max_size);
void           ks_server_route_set_early_handler (KsServerRoute  *route,
                                                  KsServerHandler early_handler);

GSocketAddress *ks_server_parse_address (const char *host_port,
                                         GError    **error);
char           *ks_server_address_to_url (GSocketAddress *address);

G_END_DECLS
