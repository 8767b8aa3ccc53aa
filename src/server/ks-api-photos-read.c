/* ks-api-photos-read.c: GET /v1/me, the photo list, one photo, soft
 * delete and restore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"

static const char *const list_params[] = { "cursor", "limit", "deleted", NULL };

/* Pending photos are nobody's business but commit's. */
static const char *const own_photo_sql =
    "SELECT " KS_API_PHOTO_COLUMNS " FROM photos p "
    "WHERE p.id = ?1 AND p.owner = ?2 AND p.committed_at IS NOT NULL";

static gboolean
not_found (GError **error)
{
  g_set_error_literal (error, KS_API_ERROR, KS_API_ERROR_NOT_FOUND, "You have no photo with this id");
  return FALSE;
}

/* GET /v1/me */
JsonNode *
ks_api_me_get (KsApiRequest *req,
               guint        *status,
               GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  JsonObject *me;

  if (!ks_api_check_query (req, NULL, error))
    return NULL;

  stmt = ks_api_stmt (req->api, "SELECT created_at FROM api_users WHERE sub = ?1", error);
  if (stmt == NULL)
    return NULL;
  ks_sqlite_bind_text (stmt, 1, req->sub);
  if (ks_api_step (req->api, stmt, error) != SQLITE_ROW)
    return NULL;

  me = json_object_new ();
  json_object_set_string_member (me, "sub", req->sub);
  json_object_set_string_member (me, "username", req->username);
  ks_api_set_time (me, "created_at", sqlite3_column_int64 (stmt, 0));

  return ks_api_object_node (me);
}

/* GET /v1/photos?cursor=C&limit=N&deleted=true: the caller's committed
 * photos, newest commit first. */
JsonNode *
ks_api_photos_list (KsApiRequest *req,
                    guint        *status,
                    GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  g_autoptr (JsonArray) photos = json_array_new ();
  gint64   cursor = G_MAXINT64;
  gint64   limit = KS_API_PAGE_DEFAULT;
  gint64   next = 0;
  gboolean deleted = FALSE;
  int      rc;

  if (!ks_api_check_query (req, list_params, error) ||
      !ks_api_query_cursor (req, &cursor, error) ||
      !ks_api_query_int (req, "limit", 1, KS_API_PAGE_MAX, &limit, error) ||
      !ks_api_query_bool (req, "deleted", &deleted, error))
    return NULL;

  stmt = ks_api_stmt (req->api,
                      "SELECT " KS_API_PHOTO_COLUMNS " FROM photos p "
                      "WHERE p.owner = ?1 AND p.list_seq IS NOT NULL AND p.list_seq < ?2 "
                      "  AND (?3 OR p.deleted_at IS NULL) "
                      "ORDER BY p.list_seq DESC LIMIT ?4",
                      error);
  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, req->sub);
  sqlite3_bind_int64 (stmt, 2, cursor);
  sqlite3_bind_int (stmt, 3, deleted);
  sqlite3_bind_int64 (stmt, 4, limit + 1);
  while ((rc = ks_api_step (req->api, stmt, error)) == SQLITE_ROW)
    {
      /* One more than asked for says there is a next page. */
      if (json_array_get_length (photos) == (guint) limit)
        break;
      next = ks_api_photo_row_list_seq (stmt);
      json_array_add_object_element (photos, ks_api_photo_from_row (req, stmt, KS_API_PHOTO_OWNER_VIEW));
    }
  if (rc < 0)
    return NULL;

  return ks_api_list_node ("photos", g_steal_pointer (&photos), rc == SQLITE_ROW ? next : 0);
}

static JsonNode *
own_photo_reply (KsApiRequest *req,
                 const char   *id,
                 GError      **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (req->api, own_photo_sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;

  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, req->sub);
  rc = ks_api_step (req->api, stmt, error);
  if (rc == SQLITE_DONE)
    not_found (error);
  if (rc != SQLITE_ROW)
    return NULL;

  return ks_api_object_node (ks_api_photo_from_row (req, stmt, KS_API_PHOTO_OWNER_VIEW));
}

/* GET /v1/photos/{id}: the caller's own, with presigned GETs. */
JsonNode *
ks_api_photos_get (KsApiRequest *req,
                   guint        *status,
                   GError      **error)
{
  const char *id = ks_api_param_id (req, "photo", error);

  if (id == NULL || !ks_api_check_query (req, NULL, error))
    return NULL;

  return own_photo_reply (req, id, error);
}

/* Sets or clears deleted_at; FALSE in *out_changed if it already was. */
static gboolean
set_deleted (KsApiRequest *req,
             const char   *id,
             gboolean      deleted,
             gboolean     *out_changed,
             GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;

  stmt = ks_api_stmt (req->api,
                      "UPDATE photos SET deleted_at = CASE WHEN ?3 THEN ?4 END "
                      "WHERE id = ?1 AND owner = ?2 AND committed_at IS NOT NULL "
                      "  AND (deleted_at IS NULL) = ?3",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, req->sub);
  sqlite3_bind_int (stmt, 3, deleted);
  sqlite3_bind_int64 (stmt, 4, req->now);
  if (!ks_api_step_done (req->api, stmt, error))
    return FALSE;

  *out_changed = sqlite3_changes (req->api->db) > 0;
  return TRUE;
}

/* One transaction: the flag and the event. Asking twice is no error. */
static JsonNode *
change_deleted (KsApiRequest *req,
                gboolean      deleted,
                GError      **error)
{
  const char *id = ks_api_param_id (req, "photo", error);
  g_autoptr (KsApiTransaction) txn = NULL;
  KsApiEvent event = { .type = deleted ? "photo_deleted" : "photo_restored" };
  gboolean   changed = FALSE;

  if (id == NULL || !ks_api_check_query (req, NULL, error))
    return NULL;
  event.photo_id = id;

  txn = ks_api_transaction_begin (req->api, error);
  if (txn == NULL || !set_deleted (req, id, deleted, &changed, error))
    return NULL;
  if (changed && !ks_api_event_emit (req, &event, KS_API_AUDIENCE_PHOTO, NULL, error))
    return NULL;
  if (!ks_api_transaction_commit (txn, error))
    return NULL;

  return own_photo_reply (req, id, error);
}

/* DELETE /v1/photos/{id}: soft; the photo leaves lists and albums until
 * restored. */
JsonNode *
ks_api_photos_delete (KsApiRequest *req,
                      guint        *status,
                      GError      **error)
{
  return change_deleted (req, TRUE, error);
}

/* POST /v1/photos/{id}/restore */
JsonNode *
ks_api_photos_restore (KsApiRequest *req,
                       guint        *status,
                       GError      **error)
{
  g_autoptr (JsonObject) body = ks_api_parse_body (req, (const char *const[]){ NULL }, TRUE, error);

  if (body == NULL)
    return NULL;

  return change_deleted (req, FALSE, error);
}
