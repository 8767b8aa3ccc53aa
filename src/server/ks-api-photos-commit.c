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

/* ---- A commit waiting for the store ---- */

/* What the photo's row says one of its objects must be. */
typedef struct
{
  char  *what;
  char  *key;
  gint64 size;
  char  *sha256;
} Expected;

static void
expected_clear (Expected *expected)
{
  g_free (expected->what);
  g_free (expected->key);
  g_free (expected->sha256);
}

/* A commit whose request is paused while the store completes the upload
 * or is asked about the objects, both on a worker thread: a bucket's
 * answers come over the network. */
typedef struct
{
  KsApiPaused paused;
  KsApi      *api; /* a reference */
  char       *sub;
  char       *username;
  char       *id;
  gint64      now;
  gboolean    multipart;
  GArray     *expected; /* of Expected; read by the worker */
} Commit;

static void
commit_free (Commit *commit)
{
  ks_api_paused_clear (&commit->paused);
  ks_api_unref (commit->api);
  g_free (commit->sub);
  g_free (commit->username);
  g_free (commit->id);
  g_clear_pointer (&commit->expected, g_array_unref);
  g_free (commit);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Commit, commit_free)

/* Pauses @req's message until it is answered. */
static Commit *
commit_new (KsApiRequest *req,
            const char   *id)
{
  Commit *commit = g_new0 (Commit, 1);

  ks_api_paused_init (&commit->paused, req->msg);
  commit->api = ks_api_ref (req->api);
  commit->sub = g_strdup (req->sub);
  commit->username = g_strdup (req->username);
  commit->id = g_strdup (id);
  commit->now = req->now;

  return commit;
}

/* ---- Checking the objects, on a worker ---- */

static gboolean
check_object (KsServer       *server,
              const Expected *expected,
              GCancellable   *cancellable,
              GError        **error)
{
  KsS3ObjectInfo info = { 0 };
  g_autoptr (GError) local_error = NULL;
  gboolean ok = FALSE;

  if (!ks_s3_store_head (server, expected->key, &info, cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return fail (error, KS_API_ERROR_PRECONDITION_FAILED,
                     "The %s has not been uploaded yet (or, in parts, not completed)", expected->what);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (info.size != (guint64) expected->size)
    fail (error, KS_API_ERROR_CONFLICT,
          "The uploaded %s has %" G_GUINT64_FORMAT " bytes, not the %" G_GINT64_FORMAT " declared",
          expected->what, info.size, expected->size);
  else if (g_strcmp0 (info.sha256, expected->sha256) != 0)
    fail (error, KS_API_ERROR_CONFLICT, "The uploaded %s does not match its declared SHA-256",
          expected->what);
  else
    ok = TRUE;

  ks_s3_object_info_clear (&info);
  return ok;
}

static void
check_thread_cb (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Commit *commit = task_data;
  GError *error = NULL;

  for (guint i = 0; i < commit->expected->len; i++)
    {
      if (!check_object (source_object, &g_array_index (commit->expected, Expected, i), cancellable,
                         &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

static void
add_expected (GArray     *expected,
              const char *what,
              char       *key,
              gint64      size,
              const char *sha256)
{
  Expected item = { g_strdup (what), key, size, g_strdup (sha256) };

  g_array_append_val (expected, item);
}

/* The objects the pending photo in @photo's row must have. */
static GArray *
expected_objects (KsApiRequest *req,
                  KsApiStmt    *photo)
{
  const char *id = ks_api_column_text (photo, KS_API_PHOTO_COL_ID);
  GArray     *expected = g_array_new (FALSE, TRUE, sizeof (Expected));

  g_array_set_clear_func (expected, (GDestroyNotify) expected_clear);
  add_expected (expected, "original", ks_api_original_key (req->sub, id),
                sqlite3_column_int64 (photo, KS_API_PHOTO_COL_SIZE),
                ks_api_column_text (photo, KS_API_PHOTO_COL_SHA256));

  for (int i = 0; i < 2; i++)
    {
      const char      *name = i == 0 ? "grid" : "preview";
      int              column = KS_API_PHOTO_COL_GRID_SIZE + 2 * i;
      g_autofree char *what = g_strdup_printf ("%s thumbnail", name);

      if (sqlite3_column_type (photo, column) != SQLITE_NULL)
        add_expected (expected, what, ks_api_thumb_key (req->sub, id, name),
                      sqlite3_column_int64 (photo, column), ks_api_column_text (photo, column + 1));
    }

  return expected;
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
  ks_sqlite_bind_text (stmt, 1, id);
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
  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, req->sub);
  if (ks_api_step (req->api, stmt, error) != SQLITE_ROW)
    return NULL;

  reply = json_object_new ();
  json_object_set_string_member (reply, "status", "committed");
  json_object_set_object_member (reply, "photo",
                                 ks_api_photo_from_row (req, stmt, KS_API_PHOTO_OWNER_VIEW));
  return ks_api_object_node (reply);
}

/* A multipart upload whose object is there but wrong is spent: forget
 * it, so that a new prepare starts a new one. */
static void
forget_upload (KsApiRequest *req,
               const char   *id)
{
  g_autoptr (KsApiTransaction) txn = ks_api_transaction_begin (req->api, NULL);
  g_autoptr (KsApiStmt) stmt = NULL;

  if (txn == NULL ||
      (stmt = ks_api_stmt (req->api, "UPDATE photos SET upload_id = NULL WHERE id = ?1", NULL)) == NULL)
    return;
  ks_sqlite_bind_text (stmt, 1, id);
  if (ks_api_step_done (req->api, stmt, NULL))
    ks_api_transaction_commit (txn, NULL);
}

static void checked_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data);

/*
 * The photo's current row decides: gone (404), committed already (the
 * reply), or pending: then its objects are checked on a worker, and it
 * is committed and answered from there (NULL, *started). @commit: the
 * paused request, taken (set to NULL) if the check starts; made from
 * @req then if it points to NULL.
 */
static JsonNode *
commit_photo (KsApiRequest *req,
              const char   *id,
              Commit      **commit,
              gboolean     *started,
              GError      **error)
{
  g_autoptr (KsApiStmt) photo = ks_api_stmt (req->api, photo_sql, error);
  g_autoptr (GTask) task = NULL;
  int rc;

  *started = FALSE;
  if (photo == NULL)
    return NULL;
  ks_sqlite_bind_text (photo, 1, id);
  ks_sqlite_bind_text (photo, 2, req->sub);
  rc = ks_api_step (req->api, photo, error);
  if (rc == SQLITE_DONE)
    fail (error, KS_API_ERROR_NOT_FOUND, "You have no photo with this id");
  if (rc != SQLITE_ROW)
    return NULL;

  if (sqlite3_column_type (photo, KS_API_PHOTO_COL_COMMITTED_AT) != SQLITE_NULL)
    {
      ks_api_stmt_release (photo);
      return committed_reply (req, id, error);
    }

  if (*commit == NULL)
    *commit = commit_new (req, id);
  (*commit)->multipart = sqlite3_column_type (photo, COL_UPLOAD_ID) != SQLITE_NULL;
  (*commit)->expected = expected_objects (req, photo);
  ks_api_stmt_release (photo);

  task = g_task_new (req->api->server, NULL, checked_cb, NULL);
  g_task_set_source_tag (task, commit_photo);
  g_task_set_task_data (task, g_steal_pointer (commit), (GDestroyNotify) commit_free);
  g_task_run_in_thread (task, check_thread_cb);
  *started = TRUE;
  return NULL;
}

static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Commit *commit = g_task_get_task_data (G_TASK (result));
  g_autoptr (GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  KsApiRequest req = { commit->api, commit->paused.msg, NULL, query, commit->sub, commit->username, commit->now };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* A multipart upload whose object is there but wrong is spent. */
      if (commit->multipart && g_error_matches (error, KS_API_ERROR, KS_API_ERROR_CONFLICT))
        forget_upload (&req, commit->id);
    }
  else if (mark_committed (&req, commit->id, &error))
    node = committed_reply (&req, commit->id, &error);

  /* Committed even if the client has gone: its next commit is a 200. */
  ks_api_paused_respond (&commit->paused, SOUP_STATUS_OK, node, error);
}

/* ---- Completing a multipart upload ---- */

/* The store's refusal, in the API's words. */
static void
set_completion_error (const GError *store_error,
                      GError      **error)
{
  if (g_error_matches (store_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA))
    fail (error, KS_API_ERROR_PRECONDITION_FAILED,
          "The parts are not all uploaded as listed: %s", store_error->message);
  else if (g_error_matches (store_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    fail (error, KS_API_ERROR_CONFLICT,
          "The uploaded parts do not have the sizes prepare gave: %s", store_error->message);
  else if (g_error_matches (store_error, G_IO_ERROR, G_IO_ERROR_BUSY))
    fail (error, KS_API_ERROR_CONFLICT, "Another request is completing this upload");
  else
    g_propagate_error (error, g_error_copy (store_error));
}

static void
completed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (Commit) commit = user_data;
  g_autoptr (GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  KsApiRequest req = { commit->api, commit->paused.msg, NULL, query, commit->sub, commit->username, commit->now };
  g_autoptr (GError) store_error = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  gboolean started = FALSE;

  /* No such upload: perhaps the client completed it with the presigned
   * URL; the object check says whether it is there. */
  if (!ks_s3_store_complete_multipart_finish (KS_SERVER (source), result, &store_error) &&
      !g_error_matches (store_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    set_completion_error (store_error, &error);
  if (commit->paused.msg == NULL)
    return;

  if (error == NULL)
    node = commit_photo (&req, commit->id, &commit, &started, &error);
  if (!started)
    ks_api_paused_respond (&commit->paused, SOUP_STATUS_OK, node, error);
}

static void
complete_upload (KsApiRequest *req,
                 const char   *id,
                 const char   *upload_id,
                 GArray       *parts)
{
  Commit            *commit = commit_new (req, id);
  g_autofree char   *key = ks_api_original_key (req->sub, id);
  KsS3CompletedPart *completed = g_new0 (KsS3CompletedPart, parts->len);

  for (guint i = 0; i < parts->len; i++)
    {
      completed[i].part_number = g_array_index (parts, Part, i).part_number;
      completed[i].etag = g_array_index (parts, Part, i).etag;
    }

  ks_s3_store_complete_multipart_async (req->api->server, key, upload_id, completed, parts->len,
                                        NULL, completed_cb, commit);
  g_free (completed);
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
  g_autoptr (GArray) parts = NULL;
  g_autofree char *upload_id = NULL;
  int              rc;

  if (id == NULL || !ks_api_check_query (req, NULL, error))
    return NULL;
  body = ks_api_parse_body (req, commit_members, TRUE, error);
  photo = body != NULL ? ks_api_stmt (req->api, photo_sql, error) : NULL;
  if (photo == NULL)
    return NULL;

  ks_sqlite_bind_text (photo, 1, id);
  ks_sqlite_bind_text (photo, 2, req->sub);
  rc = ks_api_step (req->api, photo, error);
  if (rc == SQLITE_DONE)
    fail (error, KS_API_ERROR_NOT_FOUND, "You have no photo with this id");
  if (rc != SQLITE_ROW)
    return NULL;

  /* Parts: the server completes the multipart upload itself, unless the
   * photo is committed already. */
  if (json_object_has_member (body, "parts") &&
      sqlite3_column_type (photo, KS_API_PHOTO_COL_COMMITTED_AT) == SQLITE_NULL)
    {
      upload_id = g_strdup (ks_api_column_text (photo, COL_UPLOAD_ID));
      if (upload_id == NULL)
        {
          fail (error, KS_API_ERROR_BAD_REQUEST, "This photo was not uploaded in parts");
          return NULL;
        }
      parts = parse_parts (body, sqlite3_column_int64 (photo, KS_API_PHOTO_COL_SIZE), error);
      if (parts == NULL)
        return NULL;
    }
  ks_api_stmt_release (photo);

  if (parts == NULL)
    {
      Commit   *commit = NULL;
      gboolean  started = FALSE;
      JsonNode *node = commit_photo (req, id, &commit, &started, error);

      if (started)
        *status = KS_API_PAUSED;
      return node;
    }

  complete_upload (req, id, upload_id, parts);
  *status = KS_API_PAUSED;
  return NULL;
}
