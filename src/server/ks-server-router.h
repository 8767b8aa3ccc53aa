/* ks-server-router.h: the route table behind ks_server_add_route()
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-server.h"

G_BEGIN_DECLS

typedef struct _KsServerRouter KsServerRouter;

typedef enum
{
  KS_SERVER_ROUTER_FOUND,
  KS_SERVER_ROUTER_NO_PATH,
  KS_SERVER_ROUTER_NO_METHOD,
} KsServerRouterResult;

KsServerRouter      *ks_server_router_new (void);
void                 ks_server_router_free (KsServerRouter *self);
KsServerRoute       *ks_server_router_add (KsServerRouter *self,
                                           const char     *method,
                                           const char     *pattern,
                                           KsServerHandler handler,
                                           gpointer        user_data,
                                           GDestroyNotify  destroy);
KsServerRouterResult ks_server_router_lookup (KsServerRouter *self,
                                              const char     *method,
                                              const char     *path,
                                              KsServerRoute **out_route,
                                              GHashTable    **out_params,
                                              char          **out_allow);

goffset ks_server_route_get_max_body_size (KsServerRoute *route);
void    ks_server_route_invoke (KsServerRoute     *route,
                                KsServer          *server,
                                SoupServerMessage *msg,
                                GHashTable        *params,
                                gboolean           early);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsServerRouter, ks_server_router_free)

G_END_DECLS
