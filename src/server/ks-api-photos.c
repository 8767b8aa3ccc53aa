/* ks-api-photos.c: POST /v1/photos/prepare and /v1/photos/{id}/commit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-api-private.h"
#include "ks-encoding.h"
#include "ks-json.h"
#include "ks-s3-store.h"
#include "ks-server-http.h"

/*
 * Uploading is prepare → PUT to presigned URLs → commit. Prepare dedupes
 * by SHA-256 per user and leaves a pending row (invisible everywhere but
 * to commit); a second prepare of the same bytes reuses that row, so an
 * interrupted upload resumes under the same photo id. Commit checks every
 * object in the store before the photo becomes visible.
 */

#define N_THUMBS 2

static const char *const thumb_names[N_THUMBS] = { "grid", "preview" };

typedef struct
{
  const char *sha256;
  gint64      size;
  const char *content_type;
  const char *file_name;
  const char *taken_at; /* nullable */
  gint64      width;
  gint64      height;
  gint64      thumb_size[N_THUMBS]; /* -1: none */
  const char *thumb_sha256[N_THUMBS];
} PrepareInput;

static const char *const prepare_members[] = {
  "sha256", "size", "content_type", "file_name", "taken_at", "width", "height", "thumbnails", NULL
};
static const char *const thumb_members[] = { "name", "size", "sha256", NULL };

static gboolean
fail (GError    **error,
      KsApiError  code,
      const char *message)
{
  g_set_error_literal (error, KS_API_ERROR, code, message);
  return FALSE;
}

/* ---- prepare: input ---- */

static gboolean
parse_thumb (JsonNode     *node,
             PrepareInput *in,
             GError      **error)
{
  JsonObject *thumb;
  const char *name = NULL;
  int         i;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, KS_API_ERROR_BAD_REQUEST, "Each of “thumbnails” must be an object");
  thumb = json_node_get_object (node);

  if (!ks_json_object_check_members (thumb, thumb_members, NULL))
    return fail (error, KS_API_ERROR_BAD_REQUEST,
                 "A thumbnail has only “name”, “size” and “sha256”");
  if (!ks_api_get_string (thumb, "name", TRUE, &name, error))
    return FALSE;

  for (i = 0; i < N_THUMBS && !g_str_equal (name, thumb_names[i]); i++)
    ;
  if (i == N_THUMBS)
    return fail (error, KS_API_ERROR_BAD_REQUEST, "A thumbnail “name” is “grid” or “preview”");
  if (in->thumb_size[i] >= 0)
    return fail (error, KS_API_ERROR_BAD_REQUEST, "Each thumbnail name may appear only once");

  return ks_api_get_int (thumb, "size", TRUE, 1, KS_API_MAX_THUMB_SIZE, &in->thumb_size[i], error) &&
         ks_api_get_string (thumb, "sha256", TRUE, &in->thumb_sha256[i], error) &&
         ks_api_check_sha256 (in->thumb_sha256[i], "thumbnail", error);
}

static gboolean
parse_thumbs (JsonObject   *body,
              PrepareInput *in,
              GError      **error)
{
  JsonArray *thumbs = NULL;

  for (int i = 0; i < N_THUMBS; i++)
    in->thumb_size[i] = -1;

  if (!ks_api_get_array (body, "thumbnails", FALSE, N_THUMBS, &thumbs, error))
    return FALSE;

  for (guint i = 0; thumbs != NULL && i < json_array_get_length (thumbs); i++)
    {
      if (!parse_thumb (json_array_get_element (thumbs, i), in, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
check_file_name (const char *name,
                 GError    **error)
{
  if (!ks_api_check_text (name, "file name", KS_API_FILE_NAME_MAX_CHARS, error))
    return FALSE;
  if (strchr (name, '/') != NULL || strchr (name, '\\') != NULL)
    return fail (error, KS_API_ERROR_BAD_REQUEST, "The file name must not contain “/” or “\\”");

  return TRUE;
}

static gboolean
parse_prepare (JsonObject   *body,
               PrepareInput *in,
               GError      **error)
{
  return ks_api_get_string (body, "sha256", TRUE, &in->sha256, error) &&
         ks_api_check_sha256 (in->sha256, "photo", error) &&
         ks_api_get_int (body, "size", TRUE, 1, KS_API_MAX_ORIGINAL_SIZE, &in->size, error) &&
         ks_api_get_string (body, "content_type", TRUE, &in->content_type, error) &&
         ks_api_check_content_type (in->content_type, error) &&
         ks_api_get_string (body, "file_name", TRUE, &in->file_name, error) &&
         check_file_name (in->file_name, error) &&
         ks_api_get_string (body, "taken_at", FALSE, &in->taken_at, error) &&
         (in->taken_at == NULL || ks_api_check_rfc3339 (in->taken_at, "taken_at", error)) &&
         ks_api_get_int (body, "width", TRUE, 1, KS_API_MAX_DIMENSION, &in->width, error) &&
         ks_api_get_int (body, "height", TRUE, 1, KS_API_MAX_DIMENSION, &in->height, error) &&
         parse_thumbs (body, in, error);
}

/* ---- prepare: the row ---- */

/* Columns after KS_API_PHOTO_COLUMNS in find_existing(). */
#define COL_UPLOAD_ID KS_API_PHOTO_N_COLUMNS

/*
 * What the caller already has with these bytes, in one query: a
 * committed photo (*out_reply: {"status": "exists"}), else a pending one
 * (*out_id, and *out_upload_id when its multipart upload can go on,
 * which needs the same size), else nothing. FALSE only for an error.
 */
static gboolean
find_existing (KsApiRequest *req,
               PrepareInput *in,
               JsonNode    **out_reply,
               char        **out_id,
               char        **out_upload_id,
               GError      **error)
{
  g_autoptr (KsApiStmt) stmt = NULL;
  JsonObject *reply;
  int         rc;

  stmt = ks_api_stmt (req->api,
                      "SELECT " KS_API_PHOTO_COLUMNS ", p.upload_id FROM photos p "
                      "WHERE p.owner = ?1 AND p.sha256 = ?2 "
                      "ORDER BY p.committed_at IS NULL LIMIT 1",
                      error);
  if (stmt == NULL)
    return FALSE;

  ks_sqlite_bind_text (stmt, 1, req->sub);
  ks_sqlite_bind_text (stmt, 2, in->sha256);
  rc = ks_api_step (req->api, stmt, error);
  if (rc != SQLITE_ROW)
    return rc == SQLITE_DONE;

  if (sqlite3_column_type (stmt, KS_API_PHOTO_COL_COMMITTED_AT) == SQLITE_NULL)
    {
      *out_id = g_strdup (ks_api_column_text (stmt, 0));
      if (sqlite3_column_int64 (stmt, KS_API_PHOTO_COL_SIZE) == in->size)
        *out_upload_id = g_strdup (ks_api_column_text (stmt, COL_UPLOAD_ID));
      return TRUE;
    }

  reply = json_object_new ();
  json_object_set_string_member (reply, "status", "exists");
  json_object_set_object_member (reply, "photo",
                                 ks_api_photo_from_row (req, stmt, KS_API_PHOTO_OWNER_VIEW));
  *out_reply = ks_api_object_node (reply);
  return TRUE;
}

static const char pending_sql[] =
    "INSERT INTO photos (id, owner, sha256, size, content_type, file_name, "
    "  taken_at, width, height, grid_size, grid_sha256, preview_size, "
    "  preview_sha256, upload_id, created_at, prepared_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15) "
    "ON CONFLICT (id) DO UPDATE SET size = ?4, content_type = ?5, "
    "  file_name = ?6, taken_at = ?7, width = ?8, height = ?9, "
    "  grid_size = ?10, grid_sha256 = ?11, preview_size = ?12, "
    "  preview_sha256 = ?13, upload_id = ?14, prepared_at = ?15";

/* @stmt: pending_sql, on whichever connection writes it */
static void
bind_pending (KsApiStmt    *stmt,
              PrepareInput *in,
              const char   *owner,
              const char   *id,
              const char   *upload_id,
              gint64        now)
{
  ks_sqlite_bind_text (stmt, 1, id);
  ks_sqlite_bind_text (stmt, 2, owner);
  ks_sqlite_bind_text (stmt, 3, in->sha256);
  sqlite3_bind_int64 (stmt, 4, in->size);
  ks_sqlite_bind_text (stmt, 5, in->content_type);
  ks_sqlite_bind_text (stmt, 6, in->file_name);
  ks_sqlite_bind_text (stmt, 7, in->taken_at);
  sqlite3_bind_int64 (stmt, 8, in->width);
  sqlite3_bind_int64 (stmt, 9, in->height);
  for (int i = 0; i < N_THUMBS; i++)
    {
      if (in->thumb_size[i] >= 0)
        sqlite3_bind_int64 (stmt, 10 + 2 * i, in->thumb_size[i]);
      ks_sqlite_bind_text (stmt, 11 + 2 * i, in->thumb_sha256[i]);
    }
  ks_sqlite_bind_text (stmt, 14, upload_id);
  sqlite3_bind_int64 (stmt, 15, now);
}

static gboolean
save_pending (KsApiRequest *req,
              PrepareInput *in,
              const char   *id,
              const char   *upload_id,
              GError      **error)
{
  g_autoptr (KsApiStmt) stmt = ks_api_stmt (req->api, pending_sql, error);

  if (stmt == NULL)
    return FALSE;
  bind_pending (stmt, in, req->sub, id, upload_id, req->now);

  return ks_api_step_done (req->api, stmt, error);
}

/* ---- prepare: the presigned uploads ---- */

/*
 * The reply is written as JSON text directly: it is the hot path of an
 * upload, and a tree of JsonObjects only to print it cost a tenth of a
 * prepare. Its strings are URLs, ids and names of our own, escaped all
 * the same.
 */
static void
append_string (GString    *out,
               const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if ((guchar) *p < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

/* "name":"value", with a comma before unless first */
static void
append_member (GString    *out,
               const char *name,
               const char *value)
{
  if (out->len > 0 && out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  append_string (out, name);
  g_string_append_c (out, ':');
  append_string (out, value);
}

static void
append_int_member (GString    *out,
                   const char *name,
                   gint64      value)
{
  if (out->len > 0 && out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  append_string (out, name);
  g_string_append_printf (out, ":%" G_GINT64_FORMAT, value);
}

static void
append_single_upload (GString    *out,
                      KsServer   *server,
                      const char *target,
                      const char *key,
                      gint64      size,
                      const char *sha256)
{
  KsS3PresignOptions options = { .content_length = size, .checksum_sha256 = sha256 };
  g_autofree char   *url = ks_s3_store_presign (server, "PUT", key, KS_API_UPLOAD_EXPIRY, &options);
  gsize              digest_len = 0;
  g_autofree guint8 *digest = ks_hex_decode (sha256, &digest_len, NULL);
  g_autofree char   *checksum = ks_base64_encode (digest, digest_len);
  g_autofree char   *length = g_strdup_printf ("%" G_GINT64_FORMAT, size);

  g_string_append_c (out, '{');
  append_member (out, "target", target);
  append_member (out, "method", "PUT");
  append_member (out, "url", url);
  g_string_append (out, ",\"headers\":{");
  append_member (out, "Content-Length", length);
  append_member (out, "x-amz-checksum-sha256", checksum);
  g_string_append (out, "}}");
}

/* CompleteMultipartUpload, presigned, for clients that complete the
 * upload themselves (see ks-api-photos-commit.c). */
static void
append_complete_request (GString    *out,
                         KsServer   *server,
                         const char *key,
                         const char *upload_id)
{
  KsS3PresignOptions options = { .content_length = -1, .upload_id = upload_id };
  g_autofree char   *url = ks_s3_store_presign (server, "POST", key, KS_API_UPLOAD_EXPIRY, &options);

  g_string_append (out, ",\"complete\":{");
  append_member (out, "method", "POST");
  append_member (out, "url", url);
  g_string_append_c (out, '}');
}

static void
append_multipart_upload (GString    *out,
                         KsServer   *server,
                         const char *key,
                         gint64      size,
                         const char *upload_id)
{
  guint n_parts = (guint) ((size + KS_API_PART_SIZE - 1) / KS_API_PART_SIZE);

  g_string_append_c (out, '{');
  append_member (out, "target", "original");
  append_member (out, "method", "PUT");
  append_member (out, "upload_id", upload_id);
  append_int_member (out, "part_size", KS_API_PART_SIZE);
  g_string_append (out, ",\"parts\":[");
  for (guint i = 1; i <= n_parts; i++)
    {
      gint64             part_size = MIN (KS_API_PART_SIZE, size - (gint64) (i - 1) * KS_API_PART_SIZE);
      KsS3PresignOptions options = { .content_length = part_size, .upload_id = upload_id, .part_number = i };
      g_autofree char   *url = ks_s3_store_presign (server, "PUT", key, KS_API_UPLOAD_EXPIRY, &options);

      g_string_append (out, i > 1 ? ",{" : "{");
      append_int_member (out, "part_number", i);
      append_int_member (out, "size", part_size);
      append_member (out, "url", url);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
  append_complete_request (out, server, key, upload_id);
  g_string_append_c (out, '}');
}

/* (transfer full): the 201 reply's JSON text. Any thread. */
static GBytes *
upload_reply (KsServer     *server,
              const char   *owner,
              gint64        now,
              PrepareInput *in,
              const char   *id,
              const char   *upload_id)
{
  g_autofree char *key = ks_api_original_key (owner, id);
  g_autofree char *expires_at = ks_api_format_time (now + ks_s3_store_url_lifetime (server, KS_API_UPLOAD_EXPIRY, now));
  GString         *out = g_string_sized_new (4096);

  g_string_append_c (out, '{');
  append_member (out, "status", "upload");
  append_member (out, "photo_id", id);
  append_member (out, "expires_at", expires_at);
  g_string_append (out, ",\"uploads\":[");
  if (upload_id != NULL)
    append_multipart_upload (out, server, key, in->size, upload_id);
  else
    append_single_upload (out, server, "original", key, in->size, in->sha256);

  for (int i = 0; i < N_THUMBS; i++)
    {
      g_autofree char *thumb_key = ks_api_thumb_key (owner, id, thumb_names[i]);

      if (in->thumb_size[i] < 0)
        continue;
      g_string_append_c (out, ',');
      append_single_upload (out, server, thumb_names[i], thumb_key, in->thumb_size[i],
                            in->thumb_sha256[i]);
    }
  g_string_append (out, "]}");

  return g_string_free_to_bytes (out);
}

/* ---- prepare: on the writer thread ---- */

/* A prepare of a single-PUT upload, as the writer runs it. */
typedef struct
{
  KsApiWrite   parent;
  KsServer    *server; /* unowned: outlives the API */
  char        *owner;
  char        *username;
  gint64       now;
  PrepareInput in;         /* points into @strings */
  char        *strings[6]; /* owned, nullable */
  gboolean     exists;     /* a committed photo has these bytes */
  GBytes      *reply;      /* the 201's, once written */
} PrepareWrite;

static const char existing_sql[] =
    "SELECT id, committed_at IS NOT NULL FROM photos WHERE owner = ?1 AND sha256 = ?2 "
    "ORDER BY committed_at IS NULL LIMIT 1";

/* As find_existing() and save_pending(); the reply is written here too,
 * off the main loop. */
static gboolean
prepare_write_run (KsApiWrite  *write,
                   KsApiWriter *writer,
                   GError     **error)
{
  PrepareWrite *self = (PrepareWrite *) write;
  g_autoptr (KsApiStmt) find = ks_api_writer_stmt (writer, existing_sql, error);
  g_autoptr (KsApiStmt) insert = NULL;
  g_autofree char *id = NULL;
  int              rc;

  if (find == NULL)
    return FALSE;
  ks_sqlite_bind_text (find, 1, self->owner);
  ks_sqlite_bind_text (find, 2, self->in.sha256);
  rc = ks_api_writer_step (writer, find, error);
  if (rc < 0)
    return FALSE;
  if (rc == SQLITE_ROW && sqlite3_column_int (find, 1) != 0)
    {
      /* Answered from the main loop's connection, which sees it. */
      self->exists = TRUE;
      return TRUE;
    }
  id = rc == SQLITE_ROW ? g_strdup (ks_api_column_text (find, 0)) : ks_api_new_id ();

  insert = ks_api_writer_stmt (writer, pending_sql, error);
  if (insert == NULL)
    return FALSE;
  bind_pending (insert, &self->in, self->owner, id, NULL, self->now);
  if (ks_api_writer_step (writer, insert, error) != SQLITE_DONE)
    return FALSE;

  self->reply = upload_reply (self->server, self->owner, self->now, &self->in, id, NULL);
  return TRUE;
}

static void
prepare_write_finish (KsApiWrite        *write,
                      KsApi             *api,
                      SoupServerMessage *msg,
                      const GError      *error)
{
  PrepareWrite *self = (PrepareWrite *) write;
  KsApiRequest  req = { api, msg, NULL, NULL, self->owner, self->username, self->now };
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) existing = NULL;
  g_autofree char *id = NULL;
  g_autofree char *upload_id = NULL;

  if (error != NULL)
    ks_api_respond (msg, SOUP_STATUS_CREATED, NULL, error);
  else if (!self->exists)
    ks_server_http_respond_json_bytes (msg, SOUP_STATUS_CREATED, self->reply);
  else if (find_existing (&req, &self->in, &existing, &id, &upload_id, &local_error) && existing != NULL)
    ks_api_respond (msg, SOUP_STATUS_OK, existing, NULL);
  else
    {
      if (local_error == NULL)
        g_set_error_literal (&local_error, KS_API_ERROR, KS_API_ERROR_CONFLICT,
                             "The photo changed while it was being prepared; try again");
      ks_api_respond (msg, SOUP_STATUS_OK, NULL, local_error);
    }
}

static void
prepare_write_free (KsApiWrite *write)
{
  PrepareWrite *self = (PrepareWrite *) write;

  g_free (self->owner);
  g_free (self->username);
  for (guint i = 0; i < G_N_ELEMENTS (self->strings); i++)
    g_free (self->strings[i]);
  g_clear_pointer (&self->reply, g_bytes_unref);
  g_free (self);
}

static const KsApiWriteVTable prepare_write_vtable = {
  prepare_write_run,
  prepare_write_finish,
  prepare_write_free,
};

/* Copies @in: the request's body goes when the handler returns. */
static KsApiWrite *
prepare_write_new (KsApiRequest *req,
                   PrepareInput *in)
{
  PrepareWrite *self = g_new0 (PrepareWrite, 1);
  const char   *strings[] = { in->sha256, in->content_type, in->file_name, in->taken_at,
                              in->thumb_sha256[0], in->thumb_sha256[1] };

  G_STATIC_ASSERT (N_THUMBS == 2);
  G_STATIC_ASSERT (G_N_ELEMENTS (strings) == G_N_ELEMENTS (self->strings));

  self->parent.vtable = &prepare_write_vtable;
  self->server = req->api->server;
  self->owner = g_strdup (req->sub);
  self->username = g_strdup (req->username);
  self->now = req->now;
  self->in = *in;
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    self->strings[i] = g_strdup (strings[i]);
  self->in.sha256 = self->strings[0];
  self->in.content_type = self->strings[1];
  self->in.file_name = self->strings[2];
  self->in.taken_at = self->strings[3];
  self->in.thumb_sha256[0] = self->strings[4];
  self->in.thumb_sha256[1] = self->strings[5];

  return &self->parent;
}

/* ---- prepare: a new multipart upload ---- */

/* A prepare paused while the store creates the upload, on a worker: a
 * bucket's answer comes over the network. */
typedef struct
{
  KsApiPaused paused;
  KsApi      *api;   /* a reference */
  KsApiWrite *input; /* a PrepareWrite: the request's copy */
  char       *id;
  char       *key;
  char       *upload_id; /* the worker's */
} UploadCreation;

static void
upload_creation_free (UploadCreation *creation)
{
  ks_api_paused_clear (&creation->paused);
  ks_api_unref (creation->api);
  prepare_write_free (creation->input);
  g_free (creation->id);
  g_free (creation->key);
  g_free (creation->upload_id);
  g_free (creation);
}

static void
create_upload_thread_cb (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  UploadCreation *creation = task_data;
  GError         *error = NULL;

  creation->upload_id = ks_s3_store_create_multipart (source_object, creation->key, &error);
  if (creation->upload_id != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
abort_upload_thread_cb (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  char **key_and_id = task_data;
  g_autoptr (GError) error = NULL;

  if (!ks_s3_store_abort_multipart (source_object, key_and_id[0], key_and_id[1], &error))
    g_warning ("Cannot abort the unused upload of %s: %s", key_and_id[0], error->message);
  g_task_return_boolean (task, TRUE);
}

/* The upload was created for nothing: another prepare of the same bytes
 * made one meanwhile, or it could not be saved. */
static void
abort_upload (UploadCreation *creation)
{
  g_autoptr (GTask) task = g_task_new (creation->api->server, NULL, NULL, NULL);
  char **key_and_id = g_new0 (char *, 3);

  key_and_id[0] = g_strdup (creation->key);
  key_and_id[1] = g_strdup (creation->upload_id);
  g_task_set_source_tag (task, abort_upload);
  g_task_set_task_data (task, key_and_id, (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, abort_upload_thread_cb);
}

static void
upload_created_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  UploadCreation *creation = g_task_get_task_data (G_TASK (result));
  PrepareWrite   *input = (PrepareWrite *) creation->input;
  g_autoptr (GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  KsApiRequest req = { creation->api, creation->paused.msg, NULL, query,
                       input->owner, input->username, input->now };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) existing = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autofree char *id = NULL;
  g_autofree char *upload_id = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      ks_api_paused_respond (&creation->paused, SOUP_STATUS_CREATED, NULL, error);
      return;
    }

  /* The store was asked outside the database: another prepare of these
   * bytes may have saved its own upload meanwhile. */
  ks_api_batch_flush (creation->api);
  if (!find_existing (&req, &input->in, &existing, &id, &upload_id, &error) || existing != NULL)
    ks_api_paused_respond (&creation->paused, SOUP_STATUS_OK, existing, error);
  else if (upload_id != NULL)
    reply = upload_reply (creation->api->server, input->owner, input->now, &input->in, id, upload_id);
  else if (!save_pending (&req, &input->in, id != NULL ? id : creation->id, creation->upload_id, &error))
    ks_api_paused_respond (&creation->paused, SOUP_STATUS_CREATED, NULL, error);
  else
    {
      reply = upload_reply (creation->api->server, input->owner, input->now, &input->in,
                            id != NULL ? id : creation->id, creation->upload_id);
      g_clear_pointer (&creation->upload_id, g_free); /* saved: keep it */
    }

  if (creation->upload_id != NULL)
    abort_upload (creation);
  if (reply != NULL)
    ks_api_paused_respond_json_bytes (&creation->paused, SOUP_STATUS_CREATED, reply);
}

/* Pauses the request; upload_created_cb() answers it. */
static void
create_upload (KsApiRequest *req,
               PrepareInput *in,
               const char   *id)
{
  UploadCreation *creation = g_new0 (UploadCreation, 1);
  g_autoptr (GTask) task = NULL;

  ks_api_paused_init (&creation->paused, req->msg);
  creation->api = ks_api_ref (req->api);
  creation->input = prepare_write_new (req, in);
  creation->id = g_strdup (id);
  creation->key = ks_api_original_key (req->sub, id);

  task = g_task_new (req->api->server, NULL, upload_created_cb, NULL);
  g_task_set_source_tag (task, create_upload);
  g_task_set_task_data (task, creation, (GDestroyNotify) upload_creation_free);
  g_task_run_in_thread (task, create_upload_thread_cb);
}

/* POST /v1/photos/prepare */
JsonNode *
ks_api_photos_prepare (KsApiRequest *req,
                       guint        *status,
                       GError      **error)
{
  g_autoptr (JsonObject) body = ks_api_parse_body (req, prepare_members, FALSE, error);
  g_autofree char *id = NULL;
  g_autofree char *upload_id = NULL;
  g_autoptr (GBytes) reply = NULL;
  PrepareInput in = { 0 };
  JsonNode    *existing = NULL;

  if (body == NULL || !ks_api_check_query (req, NULL, error) || !parse_prepare (body, &in, error))
    return NULL;

  /* Answered once the row is committed, with the other prepares queued
   * meanwhile (group commit, see ks-api-writer.c). */
  if (in.size <= KS_API_MULTIPART_THRESHOLD && req->api->writer != NULL)
    {
      ks_api_batch_push (req->api, req->msg, prepare_write_new (req, &in));
      *status = KS_API_PAUSED;
      return NULL;
    }

  /* A multipart upload is created in the store, which a crash could
   * leave behind; it is rare enough to be written here, alone. */
  ks_api_batch_flush (req->api);
  if (!find_existing (req, &in, &existing, &id, &upload_id, error))
    return NULL;
  if (existing != NULL)
    return existing;
  if (id == NULL)
    id = ks_api_new_id ();

  if (in.size > KS_API_MULTIPART_THRESHOLD && upload_id == NULL)
    {
      create_upload (req, &in, id);
      *status = KS_API_PAUSED;
      return NULL;
    }
  if (in.size <= KS_API_MULTIPART_THRESHOLD)
    g_clear_pointer (&upload_id, g_free);

  if (!save_pending (req, &in, id, upload_id, error))
    return NULL;

  reply = upload_reply (req->api->server, req->sub, req->now, &in, id, upload_id);
  ks_server_http_respond_json_bytes (req->msg, SOUP_STATUS_CREATED, reply);
  *status = KS_API_PAUSED;
  return NULL;
}
