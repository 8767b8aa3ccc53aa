/* ks-api-photos-commit.c: POST /v1/photos/{id}/commit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-api-private.h"
#include "ks-json.h"
#include "ks-s3-store.h"

/* Column of the photo query after KS_API_PHOTO_COLUMNS. */
#define COL_UPLOAD_ID KS_API_PHOTO_N_COLUMNS

static const char *const commit_members[] = { "parts", NULL };
static const char *const part_members[] = { "part_number", "etag", NULL };

#define ETAG_MAX_LEN 200

typedef struct
{
  guint       part_number;
  const char *etag; /* points into the request body */
} Part;

static const char *const photo_sql =
    "SELECT " KS_API_PHOTO_COLUMNS ", p.upload_id FROM photos p "
    "WHERE p.id = ?1 AND p.owner = ?2";

static gboolean
fail (GError    **error,
      KsApiError  code,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError    **error,
      KsApiError  code,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (KS_API_ERROR, code, format, args);
  va_end (args);

  return FALSE;
}

/* ---- The parts of a multipart upload ---- */

static gboolean
parse_part (JsonNode *node,
            guint     expected_number,
            Part     *out,
            GError  **error)
{
  JsonObject *part;
  gint64      number = 0;
  const char *etag = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, KS_API_ERROR_BAD_REQUEST, "Each of “parts” must be an object");
  part = json_node_get_object (node);
  if (!ks_json_object_check_members (part, part_members, NULL))
    return fail (error, KS_API_ERROR_BAD_REQUEST, "A part has only “part_number” and “etag”");

  if (!ks_api_get_int (part, "part_number", TRUE, 1, KS_API_MAX_PARTS, &number, error) ||
      !ks_api_get_string (part, "etag", TRUE, &etag, error))
    return FALSE;
  if (number != expected_number)
    return fail (error, KS_API_ERROR_BAD_REQUEST,
                 "“parts” must list part numbers 1, 2, 3… in order, each once");
  if (*etag == '\0' || strlen (etag) > ETAG_MAX_LEN || !g_str_is_ascii (etag))
    return fail (error, KS_API_ERROR_BAD_REQUEST, "Part %u has no valid “etag”", expected_number);

  out->part_number = expected_number;
  out->etag = etag;
  return TRUE;
}

/* (transfer container): parts pointing into @body */
static GArray *
parse_parts (JsonObject *body,
             gint64      size,
             GError    **error)
{
  g_autoptr (GArray) parts = g_array_new (FALSE, TRUE, sizeof (Part));
  guint      n_parts = (guint) ((size + KS_API_PART_SIZE - 1) / KS_API_PART_SIZE);
  JsonArray *array = NULL;

  if (!ks_api_get_array (body, "parts", TRUE, KS_API_MAX_PARTS, &array, error))
    return NULL;
  if (json_array_get_length (array) != n_parts)
    {
      fail (error, KS_API_ERROR_BAD_REQUEST, "This upload has %u parts, not %u",
            n_parts, json_array_get_length (array));
      return NULL;
    }

  g_array_set_size (parts, n_parts);
  for (guint i = 0; i < n_parts; i++)
    {
      if (!parse_part (json_array_get_element (array, i), i + 1,
                       &g_array_index (parts, Part, i), error))
        return NULL;
    }

  return g_steal_pointer (&parts);
}

/*
 * ks-s3-store.h has no call that completes a multipart upload from inside
 * the server, so the client completes it itself with the presigned
 * CompleteMultipartUpload URL that prepare gave ("complete"), as it would
 * with S3, and commit then checks the result like any other object. The
 * parts are still checked here, so a client that sends them keeps working
 * once the store can complete uploads for the API.
 */
static gboolean
complete_multipart (KsApiRequest *req,
                    KsApiStmt    *photo,
                    JsonObject   *body,
                    GError      **error)
{
  g_autoptr (GArray) parts = NULL;

  if (!json_object_has_member (body, "parts"))
    return TRUE;

  parts = parse_parts (body, sqlite3_column_int64 (photo, KS_API_PHOTO_COL_SIZE), error);
  return parts != NULL;
}

/* ---- Checking the objects ---- */

static gboolean
check_object (KsApiRequest *req,
              const char   *what,
              const char   *key,
              gint64        size,
              const char   *sha256,
              GError      **error)
{
  KsS3ObjectInfo info = { 0 };
  g_autoptr (GError) local_error = NULL;
  gboolean ok = FALSE;

  if (!ks_s3_store_head (req->api->server, key, &info, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return fail (error, KS_API_ERROR_PRECONDITION_FAILED,
                     "The %s has not been uploaded yet (or, in parts, not completed)", what);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (info.size != (guint64) size)
    fail (error, KS_API_ERROR_CONFLICT,
          "The uploaded %s has %" G_GUINT64_FORMAT " bytes, not the %" G_GINT64_FORMAT " declared",
          what, info.size, size);
  else if (g_strcmp0 (info.sha256, sha256) != 0)
    fail (error, KS_API_ERROR_CONFLICT, "The uploaded %s does not match its declared SHA-256", what);
  else
    ok = TRUE;

  ks_s3_object_info_clear (&info);
  return ok;
}

static gboolean
check_objects (KsApiRequest *req,
               KsApiStmt    *photo,
               GError      **error)
{
  const char      *id = ks_api_column_text (photo, KS_API_PHOTO_COL_ID);
  g_autofree char *key = ks_api_original_key (req->sub, id);

  if (!check_object (req, "original", key, sqlite3_column_int64 (photo, KS_API_PHOTO_COL_SIZE),
                     ks_api_column_text (photo, KS_API_PHOTO_COL_SHA256), error))
    return FALSE;

  for (int i = 0; i < 2; i++)
    {
      const char      *name = i == 0 ? "grid" : "preview";
      int              column = KS_API_PHOTO_COL_GRID_SIZE + 2 * i;
      g_autofree char *thumb_key = ks_api_thumb_key (req->sub, id, name);
      g_autofree char *what = g_strdup_printf ("%s thumbnail", name);

      if (sqlite3_column_type (photo, column) != SQLITE_NULL &&
          !check_object (req, what, thumb_key, sqlite3_column_int64 (photo, column),
                         ks_api_column_text (photo, column + 1), error))
        return FALSE;
    }

  return TRUE;
}

/* ---- Commit ---- */

static gboolean
mark_committed (KsApiRequest *req,
                const char   *id,
                GError      **error)
{
  g_autoptr (KsApiTransaction) txn = ks_api_transaction_begin (req->api, error);
  g_autoptr (KsApiStmt) stmt = NULL;
  KsApiEvent event = { .type = "photo_committed", .photo_id = id };
  gint64     seq;

  if (txn == NULL)
    return FALSE;

  /* The event's seq orders GET /v1/photos: newest commit first, and
   * unique without an index of its own. */
  seq = ks_api_event_emit (req, &event, KS_API_AUDIENCE_ME, NULL, error);
  stmt = seq > 0 ? ks_api_stmt (req->api,
                                "UPDATE photos SET committed_at = ?2, upload_id = NULL, list_seq = ?3 "
                                "WHERE id = ?1 AND committed_at IS NULL",
                                error)
                 : NULL;
  if (stmt == NULL)
    return FALSE;
  ks_api_bind_text (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, req->now);
  sqlite3_bind_int64 (stmt, 3, seq);

  return ks_api_step_done (req->api, stmt, error) &&
         ks_api_transaction_commit (txn, error);
}

static JsonNode *
committed_reply (KsApiRequest *req,
                 const char   *id,
                 GError      **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (req->api, photo_sql, error);
  JsonObject *reply;

  if (stmt == NULL)
    return NULL;
  ks_api_bind_text (stmt, 1, id);
  ks_api_bind_text (stmt, 2, req->sub);
  if (ks_api_step (req->api, stmt, error) != SQLITE_ROW)
    return NULL;

  reply = json_object_new ();
  json_object_set_string_member (reply, "status", "committed");
  json_object_set_object_member (reply, "photo",
                                 ks_api_photo_from_row (req, stmt, KS_API_PHOTO_OWNER_VIEW));
  return ks_api_object_node (reply);
}

/* Checks and commits a pending photo; the statement is on its row. */
static gboolean
commit_pending (KsApiRequest *req,
                KsApiStmt    *photo,
                JsonObject   *body,
                GError      **error)
{
  gboolean multipart = sqlite3_column_type (photo, COL_UPLOAD_ID) != SQLITE_NULL;

  if (!multipart && json_object_has_member (body, "parts"))
    return fail (error, KS_API_ERROR_BAD_REQUEST, "This photo was not uploaded in parts");
  if (multipart && !complete_multipart (req, photo, body, error))
    return FALSE;

  return check_objects (req, photo, error);
}

/* POST /v1/photos/{id}/commit: idempotent, a committed photo is 200. */
JsonNode *
ks_api_photos_commit (KsApiRequest *req,
                      guint        *status,
                      GError      **error)
{
  const char *id = ks_api_param_id (req, "photo", error);
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (KsApiStmt) photo = NULL;
  int rc;

  if (id == NULL || !ks_api_check_query (req, NULL, error))
    return NULL;
  body = ks_api_parse_body (req, commit_members, TRUE, error);
  photo = body != NULL ? ks_api_stmt (req->api, photo_sql, error) : NULL;
  if (photo == NULL)
    return NULL;

  ks_api_bind_text (photo, 1, id);
  ks_api_bind_text (photo, 2, req->sub);
  rc = ks_api_step (req->api, photo, error);
  if (rc == SQLITE_DONE)
    fail (error, KS_API_ERROR_NOT_FOUND, "You have no photo with this id");
  if (rc != SQLITE_ROW)
    return NULL;

  if (sqlite3_column_type (photo, KS_API_PHOTO_COL_COMMITTED_AT) == SQLITE_NULL)
    {
      if (!commit_pending (req, photo, body, error))
        return NULL;
      ks_api_stmt_release (photo);
      if (!mark_committed (req, id, error))
        return NULL;
    }
  ks_api_stmt_release (photo);

  return committed_reply (req, id, error);
}
