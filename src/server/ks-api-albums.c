/* ks-api-albums.c: albums, and who may do what with one
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"

static const char *const name_members[] = { "name", NULL };

/* id, name, owner's username, created, updated, live photos, then role */
#define ALBUM_COLUMNS                                                           \
  "a.id, a.name, u.username, a.created_at, a.updated_at, "                      \
  "(SELECT count (*) FROM album_photos ap JOIN photos p ON p.id = ap.photo_id " \
  "  WHERE ap.album_id = a.id AND p.deleted_at IS NULL)"

void
ks_api_album_clear (KsApiAlbum *album)
{
  g_clear_pointer (&album->id, g_free);
  g_clear_pointer (&album->owner, g_free);
}

static const char *
role_error (KsApiRole min_role)
{
  if (min_role == KS_API_ROLE_OWNER)
    return "Only the album's owner can do this";

  return "Viewers of an album cannot change it";
}

/**
 * ks_api_album_lookup:
 * @param: the path capture with the album id
 * @min_role: the least role the caller needs
 *
 * An album the caller has no part in is not found (404), so ids do not
 * leak; one they have too small a part in is 403.
 */
gboolean
ks_api_album_lookup (KsApiRequest *req,
                     const char   *param,
                     KsApiRole     min_role,
                     KsApiAlbum   *out,
                     GError      **error)
{
  const char *id = ks_api_param_id (req, param, error);
  g_autoptr (KsApiStmt) stmt = NULL;
  KsApiRole role;
  int       rc;

  stmt = id != NULL ? ks_api_stmt (req->api,
                                   "SELECT a.owner, m.role FROM albums a "
                                   "LEFT JOIN album_members m ON m.album_id = a.id AND m.user_sub = ?2 "
                                   "WHERE a.id = ?1",
                                   error)
                    : NULL;
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, req->sub);
  rc = ks_api_step (req->api, stmt, error);
  if (rc < 0)
    return FALSE;

  role = KS_API_ROLE_NONE;
  if (rc == SQLITE_ROW && g_str_equal (ks_api_column_text (stmt, 0), req->sub))
    role = KS_API_ROLE_OWNER;
  else if (rc == SQLITE_ROW)
    role = ks_api_role_from_string (ks_api_column_text (stmt, 1));

  if (role == KS_API_ROLE_NONE)
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                           "There is no album with this id that you can see");
      return FALSE;
    }
  if (role < min_role)
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_FORBIDDEN, role_error (min_role));
      return FALSE;
    }

  out->id = g_strdup (id);
  out->owner = g_strdup (ks_api_column_text (stmt, 0));
  out->role = role;
  return TRUE;
}

static JsonObject *
album_from_row (KsApiStmt *stmt,
                KsApiRole  role)
{
  JsonObject *album = json_object_new ();

  json_object_set_string_member (album, "id", ks_api_column_text (stmt, 0));
  json_object_set_string_member (album, "name", ks_api_column_text (stmt, 1));
  json_object_set_string_member (album, "owner", ks_api_column_text (stmt, 2));
  json_object_set_string_member (album, "role", ks_api_role_to_string (role));
  json_object_set_int_member (album, "photo_count", sqlite3_column_int64 (stmt, 5));
  ks_api_set_time (album, "created_at", sqlite3_column_int64 (stmt, 3));
  ks_api_set_time (album, "updated_at", sqlite3_column_int64 (stmt, 4));

  return album;
}

static JsonNode *
album_reply (KsApiRequest *req,
             const char   *id,
             KsApiRole     role,
             GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api,
                      "SELECT " ALBUM_COLUMNS " FROM albums a "
                      "JOIN api_users u ON u.sub = a.owner WHERE a.id = ?1",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, id);
  if (ks_api_step (req->api, stmt, error) != SQLITE_ROW)
    return NULL;

  return ks_api_object_node (album_from_row (stmt, role));
}

static gboolean
parse_name (KsApiRequest *req,
            JsonObject  **out_body,
            const char  **out_name,
            GError      **error)
{
  g_autoptr (JsonObject) body = NULL;

  if (!ks_api_check_query (req, NULL, error))
    return FALSE;

  body = ks_api_parse_body (req, name_members, FALSE, error);
  if (body == NULL ||
      !ks_api_get_string (body, "name", TRUE, out_name, error) ||
      !ks_api_check_text (*out_name, "album name", KS_API_NAME_MAX_CHARS, error))
    return FALSE;

  *out_body = g_steal_pointer (&body);
  return TRUE;
}

static gboolean
insert_album (KsApiRequest *req,
              const char   *id,
              const char   *name,
              GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api,
                      "INSERT INTO albums (id, owner, name, created_at, updated_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?4)",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, req->sub);
  ks_sqlite_bind_text (stmt, 3, name);
  sqlite3_bind_int64 (stmt, 4, req->now);

  return ks_api_step_done (req->api, stmt, error);
}

/* POST /v1/albums {"name"} */
JsonNode *
ks_api_albums_create (KsApiRequest *req,
                      guint        *status,
                      GError      **error)
{
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (KsApiTransaction) txn = NULL;
  g_autofree char *id = ks_api_new_id ();
  const char      *name = NULL;
  KsApiEvent       event = { .type = "album_created", .album_id = id };

  if (!parse_name (req, &body, &name, error))
    return NULL;
  event.name = name;

  txn = ks_api_transaction_begin (req->api, error);
  if (txn == NULL || !insert_album (req, id, name, error) ||
      !ks_api_event_emit (req, &event, KS_API_AUDIENCE_ALBUM, NULL, error) ||
      !ks_api_transaction_commit (txn, error))
    return NULL;

  *status = SOUP_STATUS_CREATED;
  return album_reply (req, id, KS_API_ROLE_OWNER, error);
}

/* GET /v1/albums: the caller's and those shared with them, newest first */
JsonNode *
ks_api_albums_list (KsApiRequest *req,
                    guint        *status,
                    GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  g_autoptr (JsonArray) albums = json_array_new ();
  JsonObject *reply;
  int         rc;

  if (!ks_api_check_query (req, NULL, error))
    return NULL;

  stmt = ks_api_stmt (req->api,
                      "SELECT " ALBUM_COLUMNS ", 'owner' FROM albums a "
                      "JOIN api_users u ON u.sub = a.owner WHERE a.owner = ?1 "
                      "UNION ALL "
                      "SELECT " ALBUM_COLUMNS ", m.role FROM album_members m "
                      "JOIN albums a ON a.id = m.album_id JOIN api_users u ON u.sub = a.owner "
                      "WHERE m.user_sub = ?1 "
                      "ORDER BY 4 DESC, 1",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, req->sub);
  while ((rc = ks_api_step (req->api, stmt, error)) == SQLITE_ROW)
    json_array_add_object_element (albums,
                                   album_from_row (stmt, ks_api_role_from_string (ks_api_column_text (stmt, 6))));
  if (rc < 0)
    return NULL;

  reply = json_object_new ();
  json_object_set_array_member (reply, "albums", g_steal_pointer (&albums));
  return ks_api_object_node (reply);
}

/* GET /v1/albums/{id} */
JsonNode *
ks_api_albums_get (KsApiRequest *req,
                   guint        *status,
                   GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };

  if (!ks_api_check_query (req, NULL, error) ||
      !ks_api_album_lookup (req, "album", KS_API_ROLE_VIEWER, &album, error))
    return NULL;

  return album_reply (req, album.id, album.role, error);
}

static gboolean
update_name (KsApiRequest *req,
             const char   *id,
             const char   *name,
             gboolean     *out_changed,
             GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api,
                      "UPDATE albums SET name = ?2, updated_at = ?3 WHERE id = ?1 AND name IS NOT ?2",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, name);
  sqlite3_bind_int64 (stmt, 3, req->now);
  if (!ks_api_step_done (req->api, stmt, error))
    return FALSE;

  *out_changed = sqlite3_changes (req->api->db) > 0;
  return TRUE;
}

/* PATCH /v1/albums/{id} {"name"}: the owner only */
JsonNode *
ks_api_albums_rename (KsApiRequest *req,
                      guint        *status,
                      GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (KsApiTransaction) txn = NULL;
  const char *name = NULL;
  gboolean    changed = FALSE;
  KsApiEvent  event = { .type = "album_renamed" };

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_OWNER, &album, error) ||
      !parse_name (req, &body, &name, error))
    return NULL;
  event.album_id = album.id;
  event.name = name;

  txn = ks_api_transaction_begin (req->api, error);
  if (txn == NULL || !update_name (req, album.id, name, &changed, error) ||
      (changed && !ks_api_event_emit (req, &event, KS_API_AUDIENCE_ALBUM, NULL, error)) ||
      !ks_api_transaction_commit (txn, error))
    return NULL;

  return album_reply (req, album.id, album.role, error);
}

static gboolean
delete_album (KsApiRequest *req,
              const char   *id,
              GError      **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (req->api, "DELETE FROM albums WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, id);
  return ks_api_step_done (req->api, stmt, error);
}

/* DELETE /v1/albums/{id}: the owner only; members, photos in it and share
 * links go with it, the photos themselves stay. */
JsonNode *
ks_api_albums_delete (KsApiRequest *req,
                      guint        *status,
                      GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (KsApiTransaction) txn = NULL;
  KsApiEvent event = { .type = "album_deleted" };

  if (!ks_api_check_query (req, NULL, error) ||
      !ks_api_album_lookup (req, "album", KS_API_ROLE_OWNER, &album, error))
    return NULL;
  event.album_id = album.id;

  /* The event first: its readers are the members the delete removes. */
  txn = ks_api_transaction_begin (req->api, error);
  if (txn == NULL || !ks_api_event_emit (req, &event, KS_API_AUDIENCE_ALBUM, NULL, error) ||
      !delete_album (req, album.id, error) || !ks_api_transaction_commit (txn, error))
    return NULL;

  *status = SOUP_STATUS_NO_CONTENT;
  return NULL;
}
