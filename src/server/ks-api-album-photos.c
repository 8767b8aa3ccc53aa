/* ks-api-album-photos.c: the photos in an album
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"

static const char *const list_params[] = { "cursor", "limit", NULL };
static const char *const add_members[] = { "photo_ids", NULL };

/* An album's photo with who owns it and who added it when; the columns
 * after KS_API_PHOTO_COLUMNS follow. */
#define ALBUM_PHOTO_SELECT                                              \
  "SELECT " KS_API_PHOTO_COLUMNS ", ap.num, ab.username, ow.username, " \
  "  ap.added_at "                                                      \
  "FROM album_photos ap JOIN photos p ON p.id = ap.photo_id "           \
  "JOIN api_users ab ON ab.sub = ap.added_by "                          \
  "JOIN api_users ow ON ow.sub = p.owner "

enum
{
  COL_NUM = KS_API_PHOTO_N_COLUMNS,
  COL_ADDED_BY,
  COL_OWNER_NAME,
  COL_ADDED_AT,
};

/* @stmt: on a row of ALBUM_PHOTO_SELECT. Returns: (transfer full): the
 * photo as members see it, with fresh presigned GETs. */
static JsonObject *
album_photo_from_row (KsApiRequest *req,
                      KsApiStmt    *stmt)
{
  JsonObject *photo = ks_api_photo_from_row (req, stmt, KS_API_PHOTO_MEMBER_VIEW);

  json_object_set_string_member (photo, "owner", ks_api_column_text (stmt, COL_OWNER_NAME));
  json_object_set_string_member (photo, "added_by", ks_api_column_text (stmt, COL_ADDED_BY));
  ks_api_set_time (photo, "added_at", sqlite3_column_int64 (stmt, COL_ADDED_AT));

  return photo;
}

/* GET /v1/albums/{id}/photos?cursor=C&limit=N: newest added first, with
 * presigned GETs for every member. Deleted photos are left out. */
JsonNode *
ks_api_album_photos_list (KsApiRequest *req,
                          guint        *status,
                          GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (KsApiStmt) stmt = NULL;
  g_autoptr (JsonArray) photos = json_array_new ();
  gint64 cursor = G_MAXINT64;
  gint64 limit = KS_API_PAGE_DEFAULT;
  gint64 next = 0;
  int    rc;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_VIEWER, &album, error) ||
      !ks_api_check_query (req, list_params, error) ||
      !ks_api_query_cursor (req, &cursor, error) ||
      !ks_api_query_int (req, "limit", 1, KS_API_PAGE_MAX, &limit, error))
    return NULL;

  stmt = ks_api_stmt (req->api,
                      ALBUM_PHOTO_SELECT
                      "WHERE ap.album_id = ?1 AND ap.num < ?2 AND p.deleted_at IS NULL "
                      "ORDER BY ap.num DESC LIMIT ?3",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, album.id);
  sqlite3_bind_int64 (stmt, 2, cursor);
  sqlite3_bind_int64 (stmt, 3, limit + 1);
  while ((rc = ks_api_step (req->api, stmt, error)) == SQLITE_ROW)
    {
      if (json_array_get_length (photos) == (guint) limit)
        break;
      next = sqlite3_column_int64 (stmt, COL_NUM);
      json_array_add_object_element (photos, album_photo_from_row (req, stmt));
    }
  if (rc < 0)
    return NULL;

  return ks_api_list_node ("photos", g_steal_pointer (&photos), rc == SQLITE_ROW ? next : 0);
}

/* GET /v1/albums/{id}/photos/{photo_id}: one photo as the list shows it,
 * for members to renew its URLs (GET /v1/photos/{id} serves only the
 * caller's own). */
JsonNode *
ks_api_album_photos_get (KsApiRequest *req,
                         guint        *status,
                         GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (KsApiStmt) stmt = NULL;
  const char *photo_id = NULL;
  int         rc;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_VIEWER, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      (photo_id = ks_api_param_id (req, "photo", error)) == NULL)
    return NULL;

  stmt = ks_api_stmt (req->api,
                      ALBUM_PHOTO_SELECT
                      "WHERE ap.album_id = ?1 AND ap.photo_id = ?2 "
                      "  AND p.committed_at IS NOT NULL AND p.deleted_at IS NULL",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, album.id);
  ks_sqlite_bind_text (stmt, 2, photo_id);
  rc = ks_api_step (req->api, stmt, error);
  if (rc == SQLITE_DONE)
    g_set_error (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                 "Photo %s is not in this album (or has been deleted)", photo_id);
  if (rc != SQLITE_ROW)
    return NULL;

  return ks_api_object_node (album_photo_from_row (req, stmt));
}

/* The ids, each a valid id, without repeats, in the order given. */
static GPtrArray *
parse_photo_ids (KsApiRequest *req,
                 JsonObject   *body,
                 GError      **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  JsonArray *array = NULL;

  if (!ks_api_get_array (body, "photo_ids", TRUE, KS_API_ADD_PHOTOS_MAX, &array, error))
    return NULL;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode   *node = json_array_get_element (array, i);
      const char *id;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_BAD_REQUEST,
                               "“photo_ids” must be an array of strings");
          return NULL;
        }
      id = json_node_get_string (node);
      if (!ks_api_check_id (id, "photo", error))
        return NULL;
      if (!g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
        g_ptr_array_add (ids, (gpointer) id);
    }
  if (ids->len == 0)
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_BAD_REQUEST,
                           "“photo_ids” must name at least one photo");
      return NULL;
    }

  return g_steal_pointer (&ids);
}

/* Only a user's own, committed, not deleted photos go into albums. */
static gboolean
check_own_photo (KsApiRequest *req,
                 const char   *id,
                 GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  int rc;

  stmt = ks_api_stmt (req->api,
                      "SELECT 1 FROM photos WHERE id = ?1 AND owner = ?2 "
                      "AND committed_at IS NOT NULL AND deleted_at IS NULL",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, req->sub);
  rc = ks_api_step (req->api, stmt, error);
  if (rc == SQLITE_DONE)
    g_set_error (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                 "You have no photo %s (only your own uploaded photos can be added)", id);

  return rc == SQLITE_ROW;
}

static gboolean
add_one (KsApiRequest *req,
         const char   *album_id,
         const char   *photo_id,
         gboolean     *out_added,
         GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  KsApiEvent event = { .type = "photo_added", .album_id = album_id, .photo_id = photo_id };

  stmt = ks_api_stmt (req->api,
                      "INSERT INTO album_photos (album_id, photo_id, added_by, added_at) "
                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (album_id, photo_id) DO NOTHING",
                      error);
  if (stmt == NULL || !check_own_photo (req, photo_id, error))
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, album_id);
  ks_sqlite_bind_text (stmt, 2, photo_id);
  ks_sqlite_bind_text (stmt, 3, req->sub);
  sqlite3_bind_int64 (stmt, 4, req->now);
  if (!ks_api_step_done (req->api, stmt, error))
    return FALSE;

  *out_added = sqlite3_changes (req->api->db) > 0;
  return !*out_added || ks_api_event_emit (req, &event, KS_API_AUDIENCE_ALBUM, NULL, error);
}

/* POST /v1/albums/{id}/photos {"photo_ids": [...]}: owner or contributor,
 * all or nothing. */
JsonNode *
ks_api_album_photos_add (KsApiRequest *req,
                         guint        *status,
                         GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  g_autoptr (KsApiTransaction) txn = NULL;
  g_autoptr (JsonArray) added = json_array_new ();
  g_autoptr (JsonArray) present = json_array_new ();
  JsonObject *reply;

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_CONTRIBUTOR, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      (body = ks_api_parse_body (req, add_members, FALSE, error)) == NULL ||
      (ids = parse_photo_ids (req, body, error)) == NULL ||
      (txn = ks_api_transaction_begin (req->api, error)) == NULL)
    return NULL;

  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      gboolean    was_added = FALSE;

      if (!add_one (req, album.id, id, &was_added, error))
        return NULL;
      json_array_add_string_element (was_added ? added : present, id);
    }
  if (!ks_api_transaction_commit (txn, error))
    return NULL;

  reply = json_object_new ();
  json_object_set_array_member (reply, "added", g_steal_pointer (&added));
  json_object_set_array_member (reply, "already_in_album", g_steal_pointer (&present));
  return ks_api_object_node (reply);
}

/* Who added @photo_id to the album; FALSE with 404 if it is not in it. */
static gboolean
find_added_by (KsApiRequest *req,
               const char   *album_id,
               const char   *photo_id,
               char        **out_sub,
               GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  int rc;

  stmt = ks_api_stmt (req->api,
                      "SELECT added_by FROM album_photos WHERE album_id = ?1 AND photo_id = ?2",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, album_id);
  ks_sqlite_bind_text (stmt, 2, photo_id);
  rc = ks_api_step (req->api, stmt, error);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND,
                         "This photo is not in this album");
  if (rc != SQLITE_ROW)
    return FALSE;

  *out_sub = g_strdup (ks_api_column_text (stmt, 0));
  return TRUE;
}

static gboolean
remove_one (KsApiRequest *req,
            const char   *album_id,
            const char   *photo_id,
            GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api,
                      "DELETE FROM album_photos WHERE album_id = ?1 AND photo_id = ?2", error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, album_id);
  ks_sqlite_bind_text (stmt, 2, photo_id);
  return ks_api_step_done (req->api, stmt, error);
}

/* DELETE /v1/albums/{id}/photos/{photo_id}: the owner, or whoever added
 * the photo (a contributor, or one since made a viewer). */
JsonNode *
ks_api_album_photos_remove (KsApiRequest *req,
                            guint        *status,
                            GError      **error)
{
  g_auto (KsApiAlbum) album = { 0 };
  g_autoptr (KsApiTransaction) txn = NULL;
  g_autofree char *added_by = NULL;
  const char      *photo_id = NULL;
  KsApiEvent       event = { .type = "photo_removed" };

  if (!ks_api_album_lookup (req, "album", KS_API_ROLE_VIEWER, &album, error) ||
      !ks_api_check_query (req, NULL, error) ||
      (photo_id = ks_api_param_id (req, "photo", error)) == NULL ||
      !find_added_by (req, album.id, photo_id, &added_by, error))
    return NULL;

  if (album.role != KS_API_ROLE_OWNER && !g_str_equal (added_by, req->sub))
    {
      g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_FORBIDDEN,
                           "Only the album's owner or whoever added a photo can remove it");
      return NULL;
    }

  event.album_id = album.id;
  event.photo_id = photo_id;
  txn = ks_api_transaction_begin (req->api, error);
  if (txn == NULL || !ks_api_event_emit (req, &event, KS_API_AUDIENCE_ALBUM, NULL, error) ||
      !remove_one (req, album.id, photo_id, error) || !ks_api_transaction_commit (txn, error))
    return NULL;

  *status = SOUP_STATUS_NO_CONTENT;
  return NULL;
}
