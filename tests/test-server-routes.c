/* test-server-routes.c: KsServer in-process, as a server module sees it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-server-http.h"
#include "ks-server-router.h"
#include "ks-server.h"
#include "ks-test-server.h"

static void
noop_cb (KsServer          *server,
         SoupServerMessage *msg,
         GHashTable        *params,
         gpointer           user_data)
{
}

static void
assert_lookup (KsServerRouter *router,
               const char     *method,
               const char     *path,
               KsServerRoute  *route,
               const char     *param,
               const char     *value)
{
  KsServerRoute *found = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autofree char     *allow = NULL;
  KsServerRouterResult result;

  result = ks_server_router_lookup (router, method, path, &found, &params, &allow);
  g_assert_cmpint (result, ==, route != NULL ? KS_SERVER_ROUTER_FOUND : KS_SERVER_ROUTER_NO_PATH);
  g_assert_true (found == route);
  if (param != NULL)
    g_assert_cmpstr (g_hash_table_lookup (params, param), ==, value);
}

static void
test_router (void)
{
  g_autoptr (KsServerRouter) router = ks_server_router_new ();
  KsServerRoute *album_get = ks_server_router_add (router, "GET", "/v1/albums/{album}", noop_cb, NULL, NULL);
  KsServerRoute *album_post = ks_server_router_add (router, "POST", "/v1/albums/{album}", noop_cb, NULL, NULL);
  KsServerRoute *albums = ks_server_router_add (router, "GET", "/v1/albums", noop_cb, NULL, NULL);
  KsServerRoute *object = ks_server_router_add (router, NULL, "/s3/{bucket}/{key*}", noop_cb, NULL, NULL);
  KsServerRoute *found = NULL;
  g_autoptr (GHashTable) params = NULL;
  g_autofree char *allow = NULL;

  assert_lookup (router, "GET", "/v1/albums/abc%20d", album_get, "album", "abc d");
  assert_lookup (router, "POST", "/v1/albums/x%2Fy", album_post, "album", "x/y");
  assert_lookup (router, "HEAD", "/v1/albums/x", album_get, "album", "x");
  assert_lookup (router, "GET", "/v1/albums", albums, NULL, NULL);
  assert_lookup (router, "PUT", "/s3/keepsake/originals/u%20/p", object, "key", "originals/u /p");
  assert_lookup (router, "GET", "/s3/keepsake/", object, "key", "");
  assert_lookup (router, "GET", "/s3/keepsake", NULL, NULL, NULL);
  assert_lookup (router, "GET", "/v1/albums/", NULL, NULL, NULL);
  assert_lookup (router, "GET", "/v1/albums/%zz", NULL, NULL, NULL);
  assert_lookup (router, "GET", "/v1/albums/%00", NULL, NULL, NULL);
  assert_lookup (router, "GET", "/v1/albums/%2e%2E", NULL, NULL, NULL);
  assert_lookup (router, "GET", "/s3/keepsake/a/../b", NULL, NULL, NULL);
  assert_lookup (router, "GET", "/s3/keepsake/a/%2e%2e%2fb", NULL, NULL, NULL);
  assert_lookup (router, "GET", "*", NULL, NULL, NULL);

  g_assert_cmpint (ks_server_router_lookup (router, "DELETE", "/v1/albums/x", &found, &params, &allow),
                   ==, KS_SERVER_ROUTER_NO_METHOD);
  g_assert_cmpstr (allow, ==, "GET, HEAD, POST");
}

static void
echo_cb (KsServer          *server,
         SoupServerMessage *msg,
         GHashTable        *params,
         gpointer           user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = ks_server_http_parse_json_object (msg, &error);
  g_autoptr (JsonObject) reply = json_object_new ();
  g_autoptr (JsonNode) root = NULL;

  if (body == NULL)
    {
      ks_server_http_respond_error (msg, SOUP_STATUS_BAD_REQUEST, KS_SERVER_HTTP_BAD_REQUEST,
                                    "%s", error->message);
      return;
    }

  json_object_set_string_member (reply, "name", g_hash_table_lookup (params, "name"));
  json_object_set_object_member (reply, "body", g_steal_pointer (&body));
  root = json_node_init_object (json_node_alloc (), reply);
  ks_server_http_respond_json (msg, SOUP_STATUS_OK, root);
}

/* Refuses before the body is read unless the client says the magic word. */
static void
upload_early_cb (KsServer          *server,
                 SoupServerMessage *msg,
                 GHashTable        *params,
                 gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_one (headers, "X-Test-Allow") == NULL)
    ks_server_http_respond_error (msg, SOUP_STATUS_FORBIDDEN, "Forbidden", "Not you");
}

static void
upload_cb (KsServer          *server,
           SoupServerMessage *msg,
           GHashTable        *params,
           gpointer           user_data)
{
  g_autofree char *size = g_strdup_printf ("%" G_GOFFSET_FORMAT,
                                           soup_server_message_get_request_body (msg)->length);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, size, strlen (size));
}

typedef struct
{
  GBytes  *body;
  gboolean done;
} SendResult;

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  SendResult *send = user_data;
  g_autoptr (GError) error = NULL;

  send->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  send->done = TRUE;
}

/* Client and server share this thread's main context. */
static guint
send_in_process (SoupSession *session,
                 const char  *method,
                 const char  *url,
                 GBytes      *request,
                 gboolean     chunked,
                 const char  *header,
                 char       **out_body)
{
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  SendResult send = { NULL, FALSE };
  g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (request);

  soup_message_set_request_body (msg, "application/json", stream,
                                 chunked ? -1 : (gssize) g_bytes_get_size (request));
  if (header != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), header, "yes");
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &send);
  while (!send.done)
    g_main_context_iteration (NULL, TRUE);

  if (out_body != NULL)
    *out_body = g_strndup (g_bytes_get_data (send.body, NULL), g_bytes_get_size (send.body));
  g_bytes_unref (send.body);

  return soup_message_get_status (msg);
}

static KsServer *
start_in_process (const char *root)
{
  g_autofree char *path = g_build_filename (root, "data", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (KsServerDataDir) data_dir = ks_server_data_dir_open (path, NULL, &error);
  g_autoptr (KsServerDb) db = NULL;
  g_autoptr (KsServer) server = NULL;
  g_autoptr (GSocketAddress) address = ks_server_parse_address ("127.0.0.1:0", &error);
  KsServerRoute *route;

  g_assert_no_error (error);
  db = ks_server_db_open (ks_server_data_dir_get_db_path (data_dir), &error);
  g_assert_no_error (error);
  g_assert_cmpint (ks_server_db_get_schema_version (db), ==, ks_server_db_get_latest_version ());

  server = ks_server_new (data_dir, db);
  ks_server_add_route (server, "POST", "/test/echo/{name}", echo_cb, NULL, NULL);
  route = ks_server_add_route (server, "PUT", "/test/small", upload_cb, NULL, NULL);
  ks_server_route_set_max_body_size (route, 16);
  route = ks_server_add_route (server, "PUT", "/test/upload", upload_cb, NULL, NULL);
  ks_server_route_set_max_body_size (route, -1);
  ks_server_route_set_early_handler (route, upload_early_cb);

  ks_server_listen (server, address, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&server);
}

static void
test_in_process_routes (void)
{
  g_autofree char *root = g_dir_make_tmp ("ks-test-server-XXXXXX", NULL);
  g_autoptr (KsServer) server = start_in_process (root);
  g_autoptr (SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  const char      *base = ks_server_get_listen_url (server);
  g_autofree char *echo = g_strconcat (base, "/test/echo/b%C3%B6b", NULL);
  g_autofree char *small = g_strconcat (base, "/test/small", NULL);
  g_autofree char *upload = g_strconcat (base, "/test/upload", NULL);
  g_autoptr (GBytes) json = g_bytes_new_static ("{\"x\": 1}", 8);
  g_autoptr (GBytes) not_json = g_bytes_new_static ("{x", 2);
  g_autoptr (GBytes) array = g_bytes_new_static ("[1]", 3);
  g_autoptr (GBytes) big = g_bytes_new_take (g_malloc0 (3 * 1024 * 1024 / 2), 3 * 1024 * 1024 / 2);
  g_autoptr (GBytes) seventeen = g_bytes_new_static ("{\"a\":\"0123456789\"}", 17);
  g_autoptr (GBytes) sixteen = g_bytes_new_static ("{\"a\":\"012345678\"}", 16);
  g_autofree char *reply = NULL;

  g_assert_cmpstr (ks_server_get_public_url (server), ==, base);
  g_assert_cmpuint (send_in_process (session, "POST", echo, json, FALSE, NULL, &reply), ==, 200);
  g_assert_cmpstr (reply, ==, "{\"name\":\"b\303\266b\",\"body\":{\"x\":1}}");
  g_assert_cmpuint (send_in_process (session, "POST", echo, not_json, FALSE, NULL, NULL), ==, 400);
  g_assert_cmpuint (send_in_process (session, "POST", echo, array, TRUE, NULL, NULL), ==, 400);
  g_assert_cmpuint (send_in_process (session, "POST", echo, big, TRUE, NULL, NULL), ==, 413);
  g_assert_cmpuint (send_in_process (session, "PUT", small, seventeen, FALSE, NULL, NULL), ==, 413);
  g_assert_cmpuint (send_in_process (session, "PUT", small, sixteen, TRUE, NULL, NULL), ==, 200);
  g_assert_cmpuint (send_in_process (session, "PUT", upload, big, FALSE, NULL, NULL), ==, 403);
  g_clear_pointer (&reply, g_free);
  g_assert_cmpuint (send_in_process (session, "PUT", upload, big, TRUE, "X-Test-Allow", &reply), ==, 200);
  g_assert_cmpstr (reply, ==, "1572864");

  soup_session_abort (session);
  g_clear_object (&server);
  ks_test_remove_tree (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/server-routes/router", test_router);
  g_test_add_func ("/server-routes/handlers", test_in_process_routes);

  return g_test_run ();
}
