/* ks-server.c: the SoupServer, request dispatch and the access log
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include <gio/gunixsocketaddress.h>

#include "ks-encoding.h"
#include "ks-hash.h"

#include "ks-server.h"
#include "ks-api.h"
#include "ks-idp.h"
#include "ks-s3-store.h"
#include "ks-server-connections.h"
#include "ks-server-discovery.h"
#include "ks-server-error.h"
#include "ks-server-http.h"
#include "ks-server-router.h"
#include "ks-server-urls.h"
#include "ks-server-bucket.h"
#include "ks-server-user-pool.h"

struct _KsServer
{
  GObject parent_instance;

  SoupServer          *soup;
  GSocketService      *service;     /* nullable until listening */
  KsServerConnections *connections; /* owned */
  KsServerRouter      *router;
  KsServerDataDir     *data_dir;
  KsServerDb          *db;
  KsServerUserPool    *user_pool; /* nullable: the built-in sign-in service */
  KsServerBucket      *bucket;    /* nullable: the built-in S3 store */

  char    *public_url; /* nullable until listening */
  char    *listen_url; /* nullable until listening */
  gboolean auto_confirm;
};

G_DEFINE_FINAL_TYPE (KsServer, ks_server, G_TYPE_OBJECT)

/* Pending connections the kernel queues while the main loop is busy. */
#define LISTEN_BACKLOG 128
/* A kept-alive connection with no request for this long is closed. */
#define IDLE_TIMEOUT_SECONDS 60

enum
{
  PROP_0,
  PROP_DATA_DIR,
  PROP_DB,
  PROP_USER_POOL,
  PROP_BUCKET,
  PROP_PUBLIC_URL,
  PROP_AUTO_CONFIRM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* What the router said about a request, kept on the message from the
 * early handler (headers read) to the handler (body read). */
typedef struct
{
  KsServerRouterResult result;
  KsServerRoute       *route;  /* unowned: routes live as long as the server */
  GHashTable          *params; /* nullable */
  char                *allow;  /* nullable */
} Dispatch;

static GQuark
dispatch_quark (void)
{
  return g_quark_from_static_string ("ks-server-dispatch");
}

static void
dispatch_free (Dispatch *dispatch)
{
  g_clear_pointer (&dispatch->params, g_hash_table_unref);
  g_free (dispatch->allow);
  g_free (dispatch);
}

/*
 * Every feature is a module that adds its routes to the server; this is
 * the list. A module with state passes it as the routes' user data, with
 * a destroy notify.
 */
static void
add_builtin_modules (KsServer *self)
{
  ks_server_discovery_register (self);
  if (self->user_pool == NULL)
    ks_idp_register (self);
  if (self->bucket == NULL)
    ks_s3_store_register (self);
  ks_api_register (self);
}

static Dispatch *
get_dispatch (KsServer          *self,
              SoupServerMessage *msg)
{
  Dispatch   *dispatch = g_object_get_qdata (G_OBJECT (msg), dispatch_quark ());
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  if (dispatch != NULL)
    return dispatch;

  dispatch = g_new0 (Dispatch, 1);
  /* A dot segment libsoup resolved away is still a 404 (docs/api.md);
   * S3 answers those in its own shape (its signatures cover the raw path). */
  if (ks_server_connections_take_dotted (self->connections, soup_server_message_get_remote_address (msg),
                                         path) &&
      !g_str_equal (path, KS_SERVER_PATH_S3) && !g_str_has_prefix (path, KS_SERVER_PATH_S3 "/"))
    dispatch->result = KS_SERVER_ROUTER_NO_PATH;
  else
    dispatch->result = ks_server_router_lookup (self->router, soup_server_message_get_method (msg), path,
                                                &dispatch->route, &dispatch->params, &dispatch->allow);
  g_object_set_qdata_full (G_OBJECT (msg), dispatch_quark (), dispatch,
                           (GDestroyNotify) dispatch_free);

  return dispatch;
}

static void
respond_unrouted (SoupServerMessage *msg,
                  Dispatch          *dispatch)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (dispatch->result == KS_SERVER_ROUTER_NO_METHOD)
    {
      soup_message_headers_replace (headers, "Allow", dispatch->allow);
      ks_server_http_respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                    KS_SERVER_HTTP_METHOD_NOT_ALLOWED,
                                    "This resource does not support %s",
                                    soup_server_message_get_method (msg));
    }
  else
    {
      ks_server_http_respond_error (msg, SOUP_STATUS_NOT_FOUND, KS_SERVER_HTTP_NOT_FOUND,
                                    "There is nothing at this address");
    }
}

/* Headers are in, the body is not: route, enforce the body limit, and let
 * the route look at the request before its body is read. */
static void
early_handler_cb (SoupServer        *soup,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  KsServer *self = user_data;
  Dispatch *dispatch = get_dispatch (self, msg);

  ks_server_connections_set_busy (self->connections, soup_server_message_get_remote_address (msg), TRUE);

  /* Too large is said first, whatever the path: the client should not
   * be sending that much to this server at all. */
  if (dispatch->result != KS_SERVER_ROUTER_FOUND)
    {
      ks_server_http_limit_body (msg, KS_SERVER_HTTP_JSON_MAX_BODY);
      ks_server_http_discard_body (msg);
      if (soup_server_message_get_status (msg) == 0)
        respond_unrouted (msg, dispatch);
      return;
    }

  ks_server_http_limit_body (msg, ks_server_route_get_max_body_size (dispatch->route));
  if (soup_server_message_get_status (msg) == 0)
    ks_server_route_invoke (dispatch->route, self, msg, dispatch->params, TRUE);
}

static void
handler_cb (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  KsServer *self = user_data;
  Dispatch *dispatch = get_dispatch (self, msg);

  if (dispatch->result != KS_SERVER_ROUTER_FOUND)
    respond_unrouted (msg, dispatch);
  else
    ks_server_route_invoke (dispatch->route, self, msg, dispatch->params, FALSE);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  ks_server_http_track (msg);
}

static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  KsServer *self = user_data;

  ks_server_connections_set_busy (self->connections, soup_server_message_get_remote_address (msg), FALSE);
  ks_server_http_log_access (msg, FALSE);
}

/* libsoup says "aborted" for an I/O error and also for a 500. */
static void
request_aborted_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  KsServer *self = user_data;

  ks_server_connections_set_busy (self->connections, soup_server_message_get_remote_address (msg), FALSE);
  ks_server_http_log_access (msg, TRUE);
}

static void
ks_server_constructed (GObject *object)
{
  KsServer        *self = (KsServer *) object;
  g_autofree char *server_header = g_strdup_printf ("keepsake-server/%s", PACKAGE_VERSION);

  G_OBJECT_CLASS (ks_server_parent_class)->constructed (object);

  g_assert (self->data_dir != NULL && self->db != NULL);

  /* Raw paths: S3 signatures cover the path exactly as sent, and the
   * router decodes segment by segment. */
  self->soup = soup_server_new ("server-header", server_header,
                                "raw-paths", TRUE,
                                NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler_cb, self, NULL);
  self->connections = ks_server_connections_new (IDLE_TIMEOUT_SECONDS);
  soup_server_add_handler (self->soup, NULL, handler_cb, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_finished_cb), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (request_aborted_cb), self);

  add_builtin_modules (self);
}

static void
ks_server_dispose (GObject *object)
{
  KsServer *self = (KsServer *) object;

  if (self->soup != NULL)
    ks_server_disconnect (self);
  g_clear_object (&self->service);
  g_clear_object (&self->soup);
  g_clear_pointer (&self->connections, ks_server_connections_free);
  g_clear_pointer (&self->router, ks_server_router_free);

  G_OBJECT_CLASS (ks_server_parent_class)->dispose (object);
}

static void
ks_server_finalize (GObject *object)
{
  KsServer *self = (KsServer *) object;

  g_clear_object (&self->data_dir);
  g_clear_object (&self->db);
  g_clear_object (&self->user_pool);
  g_clear_object (&self->bucket);
  g_free (self->public_url);
  g_free (self->listen_url);

  G_OBJECT_CLASS (ks_server_parent_class)->finalize (object);
}

static void
ks_server_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  KsServer *self = KS_SERVER (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_object (value, self->data_dir);
      break;

    case PROP_DB:
      g_value_set_object (value, self->db);
      break;

    case PROP_USER_POOL:
      g_value_set_object (value, self->user_pool);
      break;

    case PROP_BUCKET:
      g_value_set_object (value, self->bucket);
      break;

    case PROP_PUBLIC_URL:
      g_value_set_string (value, self->public_url);
      break;

    case PROP_AUTO_CONFIRM:
      g_value_set_boolean (value, self->auto_confirm);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_server_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  KsServer *self = KS_SERVER (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_object (value);
      break;

    case PROP_DB:
      self->db = g_value_dup_object (value);
      break;

    case PROP_USER_POOL:
      self->user_pool = g_value_dup_object (value);
      break;

    case PROP_BUCKET:
      self->bucket = g_value_dup_object (value);
      break;

    case PROP_PUBLIC_URL:
      ks_server_set_public_url (self, g_value_get_string (value));
      break;

    case PROP_AUTO_CONFIRM:
      ks_server_set_auto_confirm (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_server_class_init (KsServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ks_server_constructed;
  object_class->dispose = ks_server_dispose;
  object_class->finalize = ks_server_finalize;
  object_class->get_property = ks_server_get_property;
  object_class->set_property = ks_server_set_property;

  properties[PROP_DATA_DIR] =
      g_param_spec_object ("data-dir", NULL, NULL, KS_TYPE_SERVER_DATA_DIR,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DB] =
      g_param_spec_object ("db", NULL, NULL, KS_TYPE_SERVER_DB,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* An outside Cognito user pool whose tokens the API trusts; unset,
   * the server is its own sign-in service. */
  properties[PROP_USER_POOL] =
      g_param_spec_object ("user-pool", NULL, NULL, KS_TYPE_SERVER_USER_POOL,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* An outside S3 bucket for the photos' bytes; unset, the server
   * keeps them in its built-in store. */
  properties[PROP_BUCKET] =
      g_param_spec_object ("bucket", NULL, NULL, KS_TYPE_SERVER_BUCKET,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* The URL clients reach the server at; the listening URL if unset. */
  properties[PROP_PUBLIC_URL] =
      g_param_spec_string ("public-url", NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Sign-ups are confirmed without a code (no mail server here). */
  properties[PROP_AUTO_CONFIRM] =
      g_param_spec_boolean ("auto-confirm", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_server_init (KsServer *self)
{
  self->router = ks_server_router_new ();
}

KsServer *
ks_server_new (KsServerDataDir *data_dir,
               KsServerDb      *db)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (data_dir), NULL);
  g_return_val_if_fail (KS_IS_SERVER_DB (db), NULL);

  return g_object_new (KS_TYPE_SERVER,
                       "data-dir", data_dir,
                       "db", db,
                       NULL);
}

/**
 * ks_server_new_full:
 * @user_pool: (nullable): an outside Cognito user pool instead of the
 *   built-in sign-in service: the API trusts its tokens and clients are
 *   sent there to sign in
 * @bucket: (nullable): an outside S3 bucket instead of the built-in store:
 *   presigned URLs point there
 */
KsServer *
ks_server_new_full (KsServerDataDir  *data_dir,
                    KsServerDb       *db,
                    KsServerUserPool *user_pool,
                    KsServerBucket   *bucket)
{
  g_return_val_if_fail (KS_IS_SERVER_DATA_DIR (data_dir), NULL);
  g_return_val_if_fail (KS_IS_SERVER_DB (db), NULL);
  g_return_val_if_fail (user_pool == NULL || KS_IS_SERVER_USER_POOL (user_pool), NULL);
  g_return_val_if_fail (bucket == NULL || KS_IS_SERVER_BUCKET (bucket), NULL);

  return g_object_new (KS_TYPE_SERVER,
                       "data-dir", data_dir,
                       "db", db,
                       "user-pool", user_pool,
                       "bucket", bucket,
                       NULL);
}

KsServerDataDir *
ks_server_get_data_dir (KsServer *self)
{
  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  return self->data_dir;
}

KsServerDb *
ks_server_get_db (KsServer *self)
{
  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  return self->db;
}

KsServerUserPool *
ks_server_get_user_pool (KsServer *self)
{
  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  return self->user_pool;
}

KsServerBucket *
ks_server_get_bucket (KsServer *self)
{
  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  return self->bucket;
}

const char *
ks_server_get_public_url (KsServer *self)
{
  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  return self->public_url;
}

/**
 * ks_server_set_public_url:
 * @public_url: (nullable): a URL normalized by
 *   ks_server_urls_normalize_public(), or %NULL for the listening URL
 */
void
ks_server_set_public_url (KsServer   *self,
                          const char *public_url)
{
  g_return_if_fail (KS_IS_SERVER (self));

  if (public_url == NULL)
    public_url = self->listen_url;

  if (g_strcmp0 (self->public_url, public_url) == 0)
    return;

  g_free (self->public_url);
  self->public_url = g_strdup (public_url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PUBLIC_URL]);
}

/**
 * ks_server_get_message_socket:
 *
 * Returns: (transfer none) (nullable): the socket @msg came on
 */
GSocket *
ks_server_get_message_socket (KsServer          *self,
                              SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  /* libsoup 3.2 has none for a connection from soup_server_accept_iostream(). */
  if (socket == NULL)
    socket = ks_server_connections_lookup (self->connections, soup_server_message_get_remote_address (msg));

  return socket;
}

gboolean
ks_server_get_auto_confirm (KsServer *self)
{
  g_return_val_if_fail (KS_IS_SERVER (self), FALSE);

  return self->auto_confirm;
}

void
ks_server_set_auto_confirm (KsServer *self,
                            gboolean  auto_confirm)
{
  g_return_if_fail (KS_IS_SERVER (self));

  auto_confirm = !!auto_confirm;
  if (self->auto_confirm == auto_confirm)
    return;

  self->auto_confirm = auto_confirm;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_CONFIRM]);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  KsServer *self = user_data;
  g_autoptr (GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr (GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);

  /* Gone before we got to it. */
  if (local == NULL || remote == NULL)
    return TRUE;

  g_socket_set_option (g_socket_connection_get_socket (connection),
                       IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  soup_server_accept_iostream (self->soup, ks_server_connections_add (self->connections, connection, remote),
                               local, remote, NULL);

  return TRUE;
}

/* libsoup 3.2 keeps a connection open after a response only while the
 * server has a listener of its own (request_finished() checks for one);
 * with none it closes every connection after one request, without a
 * "Connection: close" to warn the client. So give it a listener nobody
 * can reach: an abstract Unix socket with a random name. */
static gboolean
add_keepalive_listener (KsServer *self,
                        GError  **error)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *name = NULL;
  guint8           random[16];

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return FALSE;

  ks_random_bytes (random, sizeof random);
  hex = ks_hex_encode (random, sizeof random);
  name = g_strconcat ("keepsake-server-", hex, NULL);
  address = g_unix_socket_address_new_with_type (name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);

  return g_socket_bind (socket, address, FALSE, error) &&
         g_socket_listen (socket, error) &&
         soup_server_listen_socket (self->soup, socket, 0, error);
}

static void
set_listen_error (GSocketAddress *address,
                  GError         *local_error,
                  GError        **error)
{
  g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_LISTEN,
                 "cannot listen on %s: the address is already in use", where);
  else
    g_set_error (error, KS_SERVER_ERROR, KS_SERVER_ERROR_LISTEN,
                 "cannot listen on %s: %s", where, local_error->message);
}

/**
 * ks_server_listen:
 * @address: where to listen; port 0 picks a free port
 * @error: %KS_SERVER_ERROR_LISTEN
 */
gboolean
ks_server_listen (KsServer       *self,
                  GSocketAddress *address,
                  GError        **error)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (KS_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  /* Accepting here rather than in soup_server_listen(): libsoup before 3.4
   * leaks the socket of every connection it accepts itself (upstream
   * b545d5f0), descriptor included, so a server on Debian 12's 3.2 would
   * run out of descriptors. tests/test-server-basic.c checks. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), LISTEN_BACKLOG);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, &local_error))
    {
      set_listen_error (address, local_error, error);
      return FALSE;
    }

  if (!add_keepalive_listener (self, error))
    return FALSE;

  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (service);
  self->service = g_steal_pointer (&service);

  self->listen_url = ks_server_address_to_url (effective);
  if (self->public_url == NULL)
    ks_server_set_public_url (self, self->listen_url);

  return TRUE;
}

/* "http://HOST:PORT", with the port picked for port 0. */
const char *
ks_server_get_listen_url (KsServer *self)
{
  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  return self->listen_url;
}

/* Stops listening and closes every connection. */
void
ks_server_disconnect (KsServer *self)
{
  g_return_if_fail (KS_IS_SERVER (self));

  if (self->service != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }
  soup_server_disconnect (self->soup);
  ks_server_connections_close_all (self->connections);
  ks_server_http_flush_log ();
}

/**
 * ks_server_add_route:
 * @method: (nullable): an HTTP method, or %NULL for any; a GET route
 *   answers HEAD too
 * @pattern: an absolute path with "{name}" segments and an optional final
 *   "{name*}" for the rest, e.g. "/v1/albums/{album}/photos"
 * @handler: called once the request body is read (or streamed, see
 *   ks_server_route_set_early_handler())
 * @user_data: passed to @handler
 * @destroy: (nullable): frees @user_data with the server
 *
 * This is how a module offers its API. Routes are matched in the order
 * they were added.
 *
 * Returns: (transfer none): the route, to set its options on
 */
KsServerRoute *
ks_server_add_route (KsServer       *self,
                     const char     *method,
                     const char     *pattern,
                     KsServerHandler handler,
                     gpointer        user_data,
                     GDestroyNotify  destroy)
{
  g_return_val_if_fail (KS_IS_SERVER (self), NULL);

  return ks_server_router_add (self->router, method, pattern, handler, user_data, destroy);
}
