/* ks-api-links.c: time-limited share links to an album
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-api-private.h"
#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-server-urls.h"

/*
 * A link is a random token; the server keeps only its SHA-256, so the
 * database alone opens no album. Whoever holds the token sees the album's
 * name and its photos' thumbnails (never originals, names or owners)
 * until the link expires or the owner revokes it.
 */

static const char *const create_members[] = { "expires_in", NULL };
static const char *const open_params[] = { "cursor", "limit", NULL };

/* 32 bytes in unpadded base64url. */
#define TOKEN_LEN 43

static JsonObject *
link_object (const char *id,
             gint64      created_at,
             gint64      expires_at,
             gint64      now)
{
  JsonObject *link = json_object_new ();

  json_object_set_string_member (link, "id", id);
  ks_api_set_time (link, "created_at", created_at);
  ks_api_set_time (link, "expires_at", expires_at);
  json_object_set_boolean_member (link, "expired", expires_at <= now);

  return link;
}

static gboolean
insert_link (KsApiRequest *req,
             const char   *id,
             const char   *album_id,
             const char   *token_hash,
             gint64        expires_at,
             GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api,
                      "INSERT INTO share_links (id, album_id, token_sha256, created_by, "
                      "  created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, album_id);
  ks_sqlite_bind_text (stmt, 3, token_hash);
  ks_sqlite_bind_text (stmt, 4, req->sub);
  sqlite3_bind_int64 (stmt, 5, req->now);
  sqlite3_bind_int64 (stmt, 6, expires_at);

  return ks_api_step_done (req->api, stmt, error);
}

/* POST /v1/albums/{id}/links {"expires_in": seconds}: the owner only. The
 * reply is the only time the token is seen. */
JsonNode *
ks_api_links_create (KsApiRequest *req,
                     guint        *status,
                     GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (JsonObject) body = NULL;
  g_autofree char *id = ks_api_new_id ();
  g_autofree char *token = NULL;
  g_autofree char *token_hash = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *url = NULL;
  guint8           bytes[KS_API_LINK_TOKEN_BYTES];
  gint64           expires_in = 0;
  JsonObject      *link;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_OWNER, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      (body = ks_api_parse_body (req, create_members, FALSE, error)) == NULL ||
      !ks_api_get_int (body, "expires_in", TRUE, KS_API_LINK_MIN_LIFETIME,
                       KS_API_LINK_MAX_LIFETIME, &expires_in, error))
    return NULL;

  ks_random_bytes (bytes, sizeof bytes);
  token = ks_base64url_encode (bytes, sizeof bytes);
  token_hash = ks_sha256_hex (token, strlen (token));
  if (!insert_link (req, id, album.id, token_hash, req->now + expires_in, error))
    return NULL;

  api_url = ks_server_urls_api (ks_server_get_public_url (req->api->server));
  url = g_strconcat (api_url, "/links/", token, NULL);
  link = link_object (id, req->now, req->now + expires_in, req->now);
  json_object_set_string_member (link, "token", token);
  json_object_set_string_member (link, "url", url);

  *status = SOUP_STATUS_CREATED;
  return ks_api_object_node (link);
}

/* GET /v1/albums/{id}/links: the owner only; links not revoked. */
JsonNode *
ks_api_links_list (KsApiRequest *req,
                   guint        *status,
                   GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (KsApiStmt) stmt = NULL;
  g_autoptr (JsonArray) links = json_array_new ();
  JsonObject *reply;
  int         rc;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_OWNER, &album, error) ||
      !ks_api_check_query (req, NULL, error))
    return NULL;

  stmt = ks_api_stmt (req->api,
                      "SELECT id, created_at, expires_at FROM share_links "
                      "WHERE album_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, id",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, album.id);
  while ((rc = ks_api_step (req->api, stmt, error)) == SQLITE_ROW)
    json_array_add_object_element (links, link_object (ks_api_column_text (stmt, 0),
                                                       sqlite3_column_int64 (stmt, 1),
                                                       sqlite3_column_int64 (stmt, 2),
                                                       req->now));
  if (rc < 0)
    return NULL;

  reply = json_object_new ();
  json_object_set_array_member (reply, "links", g_steal_pointer (&links));
  return ks_api_object_node (reply);
}

/* DELETE /v1/albums/{id}/links/{link_id}: the owner only */
JsonNode *
ks_api_links_revoke (KsApiRequest *req,
                     guint        *status,
                     GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (KsApiStmt) stmt = NULL;
  const char *link_id = NULL;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_OWNER, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      (link_id = ks_api_param_id (req, "link", error)) == NULL)
    return NULL;

  stmt = ks_api_stmt (req->api,
                      "UPDATE share_links SET revoked_at = ?3 "
                      "WHERE id = ?1 AND album_id = ?2 AND revoked_at IS NULL",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, link_id);
  ks_sqlite_bind_text (stmt, 2, album.id);
  sqlite3_bind_int64 (stmt, 3, req->now);
  if (!ks_api_step_done (req->api, stmt, error))
    return NULL;

  if (sqlite3_changes (req->api->db) == 0)
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                           "This album has no such link");
      return NULL;
    }

  *status = SOUP_STATUS_NO_CONTENT;
  return NULL;
}

/* ---- The public side ---- */

static gboolean
is_token (const char *token)
{
  if (strlen (token) != TOKEN_LEN)
    return FALSE;

  for (const char *p = token; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

/* The album a token opens: its id and name; 404 or 410 otherwise. */
static gboolean
open_link (KsApiRequest *req,
           char        **out_album_id,
           JsonObject   *out_album,
           GError      **error)
{
  const char      *token = g_hash_table_lookup (req->params, "token");
  g_autofree char *token_hash = NULL;
  g_autoptr (KsApiStmt) stmt = NULL;
  int rc;

  if (!is_token (token))
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND, "There is no such link");
      return FALSE;
    }

  token_hash = ks_sha256_hex (token, strlen (token));
  stmt = ks_api_stmt (req->api,
                      "SELECT a.id, a.name, l.expires_at, l.revoked_at FROM share_links l "
                      "JOIN albums a ON a.id = l.album_id WHERE l.token_sha256 = ?1",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, token_hash);
  rc = ks_api_step (req->api, stmt, error);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND, "There is no such link");
  else if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 3) != SQLITE_NULL)
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_GONE, "This link was revoked");
  else if (rc == SQLITE_ROW && sqlite3_column_int64 (stmt, 2) <= req->now)
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_GONE, "This link has expired");
  else if (rc == SQLITE_ROW)
    {
      *out_album_id = g_strdup (ks_api_column_text (stmt, 0));
      json_object_set_string_member (out_album, "name", ks_api_column_text (stmt, 1));
      ks_api_set_time (out_album, "link_expires_at", sqlite3_column_int64 (stmt, 2));
      return TRUE;
    }

  return FALSE;
}

static JsonNode *
link_photos (KsApiRequest *req,
             GError      **error)
{
  g_autoptr (JsonObject) album = json_object_new ();
  g_autoptr (KsApiStmt) stmt = NULL;
  g_autoptr (JsonArray) photos = json_array_new ();
  g_autofree char *album_id = NULL;
  gint64           cursor = G_MAXINT64;
  gint64           limit = KS_API_PAGE_DEFAULT;
  gint64           next = 0;
  JsonNode        *reply;
  int              rc;

  if (!ks_api_check_query (req, open_params, error) ||
      !ks_api_query_cursor (req, &cursor, error) ||
      !ks_api_query_int (req, "limit", 1, KS_API_PAGE_MAX, &limit, error) ||
      !open_link (req, &album_id, album, error))
    return NULL;

  stmt = ks_api_stmt (req->api,
                      "SELECT " KS_API_PHOTO_COLUMNS ", ap.num "
                      "FROM album_photos ap JOIN photos p ON p.id = ap.photo_id "
                      "WHERE ap.album_id = ?1 AND ap.num < ?2 AND p.deleted_at IS NULL "
                      "ORDER BY ap.num DESC LIMIT ?3",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, album_id);
  sqlite3_bind_int64 (stmt, 2, cursor);
  sqlite3_bind_int64 (stmt, 3, limit + 1);
  while ((rc = ks_api_step (req->api, stmt, error)) == SQLITE_ROW)
    {
      if (json_array_get_length (photos) == (guint) limit)
        break;
      next = sqlite3_column_int64 (stmt, KS_API_PHOTO_N_COLUMNS);
      json_array_add_object_element (photos, ks_api_photo_from_row (req, stmt, KS_API_PHOTO_URL_THUMBS));
    }
  if (rc < 0)
    return NULL;

  reply = ks_api_list_node ("photos", g_steal_pointer (&photos), rc == SQLITE_ROW ? next : 0);
  json_object_set_object_member (json_node_get_object (reply), "album", g_steal_pointer (&album));
  return reply;
}

/* GET /v1/links/{token}?cursor=C&limit=N, without a token of the IdP:
 * JSON, or a page for a browser (one that accepts text/html). */
JsonNode *
ks_api_links_open (KsApiRequest *req,
                   guint        *status,
                   GError      **error)
{
  g_autoptr (GError) page_error = NULL;
  g_autoptr (JsonNode) reply = NULL;

  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "Vary", "Accept");
  if (!ks_api_link_page_wanted (req->msg))
    return link_photos (req, error);

  reply = link_photos (req, &page_error);
  ks_api_link_page_respond (req->msg, reply, page_error);
  *status = KS_API_PAUSED;
  return NULL;
}
