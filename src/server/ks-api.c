/* ks-api.c: REST API v1 — routes, the bearer-token middleware, replies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-api-private.h"
#include "ks-hash.h"
#include "ks-idp.h"
#include "ks-json.h"
#include "ks-jwt.h"
#include "ks-server-http.h"
#include "ks-server-urls.h"

G_DEFINE_QUARK (ks_api_error_quark, ks_api_error)

/* Verified tokens are remembered by their hash until they expire, so a
 * busy client costs one RSA verification an hour, not one a request. */
#define IDENTITY_CACHE_MAX 10000

typedef struct
{
  char  *sub;
  char  *username;
  gint64 exp; /* Unix time, seconds */
} KsApiIdentity;

typedef struct
{
  KsApi       *api; /* a reference */
  KsApiHandler handler;
  gboolean public;
} Route;

static const struct
{
  const char  *method;
  const char  *pattern;
  KsApiHandler handler;
} routes[] = {
  { "GET", "/me", ks_api_me_get },
  { "POST", "/photos/prepare", ks_api_photos_prepare },
  { "GET", "/photos", ks_api_photos_list },
  { "GET", "/photos/{photo}", ks_api_photos_get },
  { "DELETE", "/photos/{photo}", ks_api_photos_delete },
  { "POST", "/photos/{photo}/commit", ks_api_photos_commit },
  { "POST", "/photos/{photo}/restore", ks_api_photos_restore },
  { "POST", "/albums", ks_api_albums_create },
  { "GET", "/albums", ks_api_albums_list },
  { "GET", "/albums/{album}", ks_api_albums_get },
  { "PATCH", "/albums/{album}", ks_api_albums_rename },
  { "DELETE", "/albums/{album}", ks_api_albums_delete },
  { "GET", "/albums/{album}/photos", ks_api_album_photos_list },
  { "POST", "/albums/{album}/photos", ks_api_album_photos_add },
  { "GET", "/albums/{album}/photos/{photo}", ks_api_album_photos_get },
  { "DELETE", "/albums/{album}/photos/{photo}", ks_api_album_photos_remove },
  { "GET", "/albums/{album}/members", ks_api_members_list },
  { "POST", "/albums/{album}/members", ks_api_members_add },
  { "PATCH", "/albums/{album}/members/{username}", ks_api_members_update },
  { "DELETE", "/albums/{album}/members/{username}", ks_api_members_remove },
  { "GET", "/albums/{album}/links", ks_api_links_list },
  { "POST", "/albums/{album}/links", ks_api_links_create },
  { "DELETE", "/albums/{album}/links/{link}", ks_api_links_revoke },
  { "GET", "/changes", ks_api_changes_get },
};

/* ---- Replies ---- */

static const struct
{
  guint       status;
  const char *code;
} error_replies[] = {
  [KS_API_ERROR_BAD_REQUEST] = { SOUP_STATUS_BAD_REQUEST, KS_SERVER_HTTP_BAD_REQUEST },
  [KS_API_ERROR_UNAUTHORIZED] = { SOUP_STATUS_UNAUTHORIZED, "Unauthorized" },
  [KS_API_ERROR_FORBIDDEN] = { SOUP_STATUS_FORBIDDEN, "Forbidden" },
  [KS_API_ERROR_NOT_FOUND] = { SOUP_STATUS_NOT_FOUND, KS_SERVER_HTTP_NOT_FOUND },
  [KS_API_ERROR_CONFLICT] = { SOUP_STATUS_CONFLICT, "Conflict" },
  [KS_API_ERROR_GONE] = { SOUP_STATUS_GONE, "Gone" },
  [KS_API_ERROR_PRECONDITION_FAILED] = { SOUP_STATUS_PRECONDITION_FAILED, "PreconditionFailed" },
};

static gboolean
is_api_error (const GError *error)
{
  return error->domain == KS_API_ERROR && (guint) error->code < G_N_ELEMENTS (error_replies);
}

guint
ks_api_error_status (const GError *error)
{
  return is_api_error (error) ? error_replies[error->code].status : SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

static void
respond_error (SoupServerMessage *msg,
               const GError      *error)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (!is_api_error (error))
    {
      /* Details stay in the log: they may name files or SQL. */
      g_warning ("API request failed: %s", error->message);
      ks_server_http_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                    KS_SERVER_HTTP_INTERNAL_ERROR,
                                    "The server could not handle this request");
      return;
    }

  /* RFC 6750: no error code when no credentials were sent at all. */
  if (error->code == KS_API_ERROR_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate",
                                  soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                "Authorization") == NULL
                                      ? "Bearer realm=\"keepsake\""
                                      : "Bearer realm=\"keepsake\", error=\"invalid_token\"");
  ks_server_http_respond_error (msg, error_replies[error->code].status,
                                error_replies[error->code].code, "%s", error->message);
}

/**
 * ks_api_respond:
 * @node: (nullable): the body, for a success
 * @error: (nullable): the failure
 *
 * Answers a request the way every API route answers (docs/api.md).
 */
void
ks_api_respond (SoupServerMessage *msg,
                guint              status,
                JsonNode          *node,
                const GError      *error)
{
  if (error != NULL)
    respond_error (msg, error);
  else if (node != NULL)
    ks_server_http_respond_json (msg, status, node);
  else
    soup_server_message_set_status (msg, status, NULL);
}

static void
paused_disconnected_cb (SoupServerMessage *msg,
                        KsApiPaused       *self)
{
  g_signal_handler_disconnect (msg, self->disconnected_id);
  g_clear_object (&self->msg);
}

/* Pauses @msg until ks_api_paused_respond(). */
void
ks_api_paused_init (KsApiPaused       *self,
                    SoupServerMessage *msg)
{
  self->msg = g_object_ref (msg);
  self->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (paused_disconnected_cb), self);
  soup_server_message_pause (msg);
}

/* Answers as ks_api_respond() does, if the client is still there. */
void
ks_api_paused_respond (KsApiPaused  *self,
                       guint         status,
                       JsonNode     *node,
                       const GError *error)
{
  if (self->msg == NULL)
    return;

  ks_api_respond (self->msg, status, node, error);
  soup_server_message_unpause (self->msg);
  ks_api_paused_clear (self);
}

/* The same with JSON text written already. */
void
ks_api_paused_respond_json_bytes (KsApiPaused *self,
                                  guint        status,
                                  GBytes      *json)
{
  if (self->msg == NULL)
    return;

  ks_server_http_respond_json_bytes (self->msg, status, json);
  soup_server_message_unpause (self->msg);
  ks_api_paused_clear (self);
}

void
ks_api_paused_clear (KsApiPaused *self)
{
  if (self->msg == NULL)
    return;

  g_signal_handler_disconnect (self->msg, self->disconnected_id);
  g_clear_object (&self->msg);
}

/* ---- Identities ---- */

static void
identity_free (KsApiIdentity *identity)
{
  g_free (identity->sub);
  g_free (identity->username);
  g_free (identity);
}

/* Becomes an object key segment: refuse anything unusual even though
 * the token is signed. Cognito's are UUIDs. */
static gboolean
is_valid_sub (const char *sub)
{
  gsize len = strlen (sub);

  if (len == 0 || len > 128)
    return FALSE;
  for (const char *p = sub; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

static KsApiIdentity *
identity_from_claims (JsonObject *claims,
                      GError    **error)
{
  const char    *sub = NULL;
  const char    *username = NULL;
  gint64         exp = 0;
  KsApiIdentity *identity;

  if (!ks_json_object_get_string_member_checked (claims, "sub", TRUE, &sub, NULL) ||
      !ks_json_object_get_string_member_checked (claims, "username", TRUE, &username, NULL) ||
      !ks_json_object_get_int64_member_checked (claims, "exp", TRUE, 0, G_MAXINT64, &exp, NULL) ||
      !is_valid_sub (sub) || !ks_api_check_username (username, NULL))
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_UNAUTHORIZED,
                           "The access token lacks a usable “sub” or “username”");
      return NULL;
    }

  identity = g_new0 (KsApiIdentity, 1);
  identity->sub = g_strdup (sub);
  identity->username = g_strdup (username);
  identity->exp = exp;

  return identity;
}

static void
set_token_error (const GError *jwt_error,
                 GError      **error)
{
  if (g_error_matches (jwt_error, KS_JWT_ERROR, KS_JWT_ERROR_EXPIRED))
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_UNAUTHORIZED,
                         "The access token has expired");
  else
    g_set_error (error, KS_API_ERROR, KS_API_ERROR_UNAUTHORIZED,
                 "The access token is not valid: %s", jwt_error->message);
}

static const char *
bearer_token (SoupServerMessage *msg,
              GError           **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char         *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL || g_ascii_strncasecmp (value, "Bearer ", 7) != 0 || value[7] == '\0')
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_UNAUTHORIZED,
                           "This request needs “Authorization: Bearer <access token>”");
      return NULL;
    }

  return value + 7;
}

static KsApiIdentity *
authenticate (KsApi             *api,
              SoupServerMessage *msg,
              gint64             now,
              GError           **error)
{
  const char      *token = bearer_token (msg, error);
  g_autofree char *key = NULL;
  g_autoptr (JsonObject) claims = NULL;
  g_autoptr (GError) jwt_error = NULL;
  KsApiIdentity *identity;

  if (token == NULL)
    return NULL;

  key = ks_sha256_hex (token, strlen (token));
  identity = g_hash_table_lookup (api->identities, key);
  if (identity != NULL && identity->exp > now)
    return identity;

  if (ks_server_get_user_pool (api->server) != NULL)
    claims = ks_server_user_pool_verify_access_token (ks_server_get_user_pool (api->server), token, &jwt_error);
  else
    claims = ks_idp_verify_access_token (api->server, token, &jwt_error);
  if (claims == NULL)
    {
      set_token_error (jwt_error, error);
      return NULL;
    }

  identity = identity_from_claims (claims, error);
  if (identity == NULL)
    return NULL;

  if (g_hash_table_size (api->identities) >= IDENTITY_CACHE_MAX)
    g_hash_table_remove_all (api->identities);
  g_hash_table_replace (api->identities, g_steal_pointer (&key), identity);

  return identity;
}

/* The first request of a user creates their row; members are added by
 * username, so the API must know it. Cognito usernames never change. */
static gboolean
ensure_user (KsApi         *api,
             KsApiIdentity *identity,
             gint64         now,
             GError       **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  int rc;

  if (g_hash_table_contains (api->known_users, identity->sub))
    return TRUE;

  /* Not beside the prepares' writer. */
  ks_api_batch_flush (api);

  stmt = ks_api_stmt (api,
                      "INSERT INTO api_users (sub, username, created_at) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT (sub) DO NOTHING",
                      error);
  if (stmt == NULL)
    return FALSE;
  ks_sqlite_bind_text (stmt, 1, identity->sub);
  ks_sqlite_bind_text (stmt, 2, identity->username);
  sqlite3_bind_int64 (stmt, 3, now);
  rc = sqlite3_step (stmt);
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      g_set_error (error, KS_API_ERROR, KS_API_ERROR_CONFLICT,
                   "The username “%s” belongs to another account here", identity->username);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    {
      ks_api_set_db_error (api, rc, error);
      return FALSE;
    }

  g_hash_table_add (api->known_users, g_strdup (identity->sub));
  return TRUE;
}

/* ---- Dispatch ---- */

static GHashTable *
parse_query (SoupServerMessage *msg,
             GError           **error)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  GHashTable *params;

  if (query == NULL || *query == '\0')
    return g_hash_table_new (g_str_hash, g_str_equal);

  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  if (params == NULL)
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_BAD_REQUEST,
                         "The query string is malformed");

  return params;
}

static void
route_cb (KsServer          *server,
          SoupServerMessage *msg,
          GHashTable        *params,
          gpointer           user_data)
{
  Route       *route = user_data;
  KsApiRequest req = { route->api, msg, params, NULL, NULL, NULL, g_get_real_time () / G_USEC_PER_SEC };
  g_autoptr (GHashTable) query = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  guint status = SOUP_STATUS_OK;

  /* Only prepares join the group commit; anything else may write, or
   * answer about what a prepare wrote, so it goes after the COMMIT. */
  if (route->handler != ks_api_photos_prepare)
    ks_api_batch_flush (route->api);

  query = parse_query (msg, &error);
  req.query = query;
  if (query != NULL && !route->public)
    {
      KsApiIdentity *identity = authenticate (route->api, msg, req.now, &error);

      if (identity != NULL && ensure_user (route->api, identity, req.now, &error))
        {
          req.sub = identity->sub;
          req.username = identity->username;
        }
    }

  if (error == NULL)
    node = route->handler (&req, &status, &error);
  if (error != NULL || status != KS_API_PAUSED)
    ks_api_respond (msg, status, node, error);
}

/* ---- Module ---- */

static GQuark
api_quark (void)
{
  return g_quark_from_static_string ("ks-api");
}

/* (transfer none): the server's API module */
KsApi *
ks_api_get (KsServer *server)
{
  return g_object_get_qdata (G_OBJECT (server), api_quark ());
}

static void
api_clear (KsApi *api)
{
  ks_api_sweep_stop (api);
  ks_api_changes_clear (api);
  ks_api_writer_stop (api);
  ks_api_clear_statements (api);
  g_clear_pointer (&api->stmts, g_hash_table_unref);
  g_clear_pointer (&api->identities, g_hash_table_unref);
  g_clear_pointer (&api->known_users, g_hash_table_unref);
  g_clear_pointer (&api->waiters, g_hash_table_unref);
  g_clear_pointer (&api->context, g_main_context_unref);
}

KsApi *
ks_api_ref (KsApi *api)
{
  return g_rc_box_acquire (api);
}

void
ks_api_unref (KsApi *api)
{
  g_rc_box_release_full (api, (GDestroyNotify) api_clear);
}

static void
route_free (Route *route)
{
  ks_api_unref (route->api);
  g_free (route);
}

static void
add_route (KsApi       *api,
           const char  *method,
           const char  *pattern,
           KsApiHandler handler,
           gboolean public)
{
  g_autofree char *path = g_strconcat (KS_SERVER_PATH_API, pattern, NULL);
  Route           *route = g_new0 (Route, 1);

  route->api = ks_api_ref (api);
  route->handler = handler;
  route->public = public;
  ks_server_add_route (api->server, method, path, route_cb, route, (GDestroyNotify) route_free);
}

void
ks_api_register (KsServer *server)
{
  KsApi *api = g_rc_box_new0 (KsApi);
  g_autoptr (GError) error = NULL;
  const KsApiCleanupOptions cleanup = {
    .interval = KS_API_CLEANUP_INTERVAL,
    .pending_lifetime = KS_API_CLEANUP_PENDING_LIFETIME,
    .deleted_retention = KS_API_CLEANUP_DELETED_RETENTION,
  };

  api->server = server;
  api->context = g_main_context_ref_thread_default ();
  api->db = ks_server_db_get_handle (ks_server_get_db (server));
  api->stmts = g_hash_table_new (g_str_hash, g_str_equal);
  api->identities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) identity_free);
  api->known_users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  api->waiters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  api->download_url_lifetime = KS_API_DOWNLOAD_URL_LIFETIME;

  /* Without it, prepares write on the main loop. */
  if (!ks_api_writer_start (api, &error))
    g_warning ("Prepares will not be batched: %s", error->message);

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    add_route (api, routes[i].method, routes[i].pattern, routes[i].handler, FALSE);
  add_route (api, SOUP_METHOD_GET, "/links/{token}", ks_api_links_open, TRUE);

  /* Unowned: the routes keep the module as long as the server. */
  g_object_set_qdata (G_OBJECT (server), api_quark (), api);
  ks_api_sweep_configure (api, &cleanup);
  ks_api_unref (api);
}

/**
 * ks_api_set_download_url_lifetime:
 * @seconds: 1 to %KS_API_DOWNLOAD_URL_MAX_LIFETIME
 *
 * Sets how long the presigned GETs handed out from now on live.
 */
void
ks_api_set_download_url_lifetime (KsServer *server,
                                  guint     seconds)
{
  KsApi *api = ks_api_get (server);

  g_return_if_fail (api != NULL);
  g_return_if_fail (seconds >= 1 && seconds <= KS_API_DOWNLOAD_URL_MAX_LIFETIME);

  api->download_url_lifetime = seconds;
}
