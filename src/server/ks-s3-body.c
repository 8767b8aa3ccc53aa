/* ks-s3-body.c: request bodies — uploads streamed to disk, small ones
 * hashed, refused ones drained or hung up on
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-s3-private.h"
#include "ks-server-http.h"

/* After an error reply the rest of the body is still read, so the reply
 * can be sent on HTTP/1.1, but only this much; then we hang up. */
#define DRAIN_MAX (G_GUINT64_CONSTANT (16) * 1024 * 1024)
#define DEFAULT_CONTENT_TYPE "binary/octet-stream"
#define USER_META_PREFIX "x-amz-meta-"

typedef struct
{
  KsS3Request *req; /* unowned: owns this */
  guint64      max_size;
  guint64      received;
  guint64      drained;
  gboolean     failed; /* answered with an error */
  gboolean     complete;
  gboolean     hung_up;
  KsSha256    *sha256;
  /* Uploads only: */
  GChecksum *md5;       /* nullable */
  int        fd;        /* -1: none */
  char      *temp_path; /* nullable: nothing to clean up */
  char      *part_path; /* nullable: an object, not a part */
  KsS3Meta  *meta;      /* nullable */
  gint64     expect_length;
  GBytes    *expect_md5;    /* nullable: Content-MD5 */
  GBytes    *expect_sha256; /* nullable: x-amz-checksum-sha256 */
} Body;

static void
discard_temp (Body *body)
{
  if (body->fd >= 0)
    close (body->fd);
  body->fd = -1;
  if (body->temp_path != NULL)
    g_unlink (body->temp_path);
  g_clear_pointer (&body->temp_path, g_free);
}

/* Also when the client went away halfway: nothing half-written stays. */
static void
body_free (Body *body)
{
  discard_temp (body);
  ks_sha256_free (body->sha256);
  g_clear_pointer (&body->md5, g_checksum_free);
  g_free (body->part_path);
  g_clear_pointer (&body->meta, ks_s3_meta_free);
  g_clear_pointer (&body->expect_md5, g_bytes_unref);
  g_clear_pointer (&body->expect_sha256, g_bytes_unref);
  g_free (body);
}

static gboolean
hang_up_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  KsS3Request       *req = ks_s3_request_get (msg);
  g_autoptr (GIOStream) stream = NULL;

  /* A stolen message is never "finished": log it, and forget it. */
  if (req != NULL)
    req->finished = TRUE;
  ks_server_http_log_access (msg, TRUE);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);

  return G_SOURCE_REMOVE;
}

/* From an idle, not from inside libsoup's read loop. */
static void
hang_up (Body *body)
{
  g_autoptr (GSource) idle = g_idle_source_new ();
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();

  body->hung_up = TRUE;
  soup_server_message_pause (body->req->msg);
  g_source_set_callback (idle, hang_up_cb, g_object_ref (body->req->msg), g_object_unref);
  g_source_attach (idle, context);
}

/* Whether a body is (still) coming that an error reply leaves unread. */
static gboolean
has_body (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_NONE:
      return FALSE;
    case SOUP_ENCODING_CONTENT_LENGTH:
      return soup_message_headers_get_content_length (headers) > 0;
    case SOUP_ENCODING_UNRECOGNIZED:
    case SOUP_ENCODING_EOF:
    case SOUP_ENCODING_CHUNKED:
    case SOUP_ENCODING_BYTERANGES:
    default:
      return TRUE;
    }
}

static void
body_fail (Body         *body,
           const GError *error)
{
  SoupServerMessage *msg = body->req->msg;
  SoupMessageBody   *request_body = soup_server_message_get_request_body (msg);

  if (body->failed)
    return;

  body->failed = TRUE;
  discard_temp (body);
  soup_message_body_set_accumulate (request_body, FALSE);
  soup_message_body_truncate (request_body);
  ks_s3_error_respond (msg, error);
  if (!body->complete && has_body (msg))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Connection", "close");
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              Body              *body)
{
  g_autoptr (GError) error = NULL;
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (chunk, &len);

  if (body->failed)
    {
      body->drained += len;
      if (body->drained > DRAIN_MAX && !body->hung_up)
        hang_up (body);
      return;
    }

  body->received += len;
  if (body->received > body->max_size)
    {
      g_set_error (&error, KS_S3_ERROR, KS_S3_ERROR_ENTITY_TOO_LARGE,
                   "Your proposed upload exceeds the maximum allowed size of %" G_GUINT64_FORMAT
                   " bytes",
                   body->max_size);
      body_fail (body, error);
      return;
    }

  ks_sha256_update (body->sha256, data, len);
  if (body->md5 != NULL)
    g_checksum_update (body->md5, data, len);
  if (body->fd >= 0 && !ks_s3_file_write_all (body->fd, data, len, &error))
    body_fail (body, error);
}

static Body *
body_new (KsS3Request *req,
          guint64      max_size,
          gboolean     keep)
{
  Body *body = g_new0 (Body, 1);

  body->req = req;
  body->max_size = max_size;
  body->fd = -1;
  body->expect_length = -1;
  body->sha256 = ks_sha256_new ();
  req->body = body;
  req->body_free = (GDestroyNotify) body_free;

  soup_message_body_set_accumulate (soup_server_message_get_request_body (req->msg), keep);
  g_signal_connect (req->msg, "got-chunk", G_CALLBACK (got_chunk_cb), body);

  return body;
}

/**
 * ks_s3_body_reject:
 *
 * Answers @error before the body is read; the body is then drained,
 * up to a point.
 */
void
ks_s3_body_reject (KsS3Request  *req,
                   const GError *error)
{
  Body *body = body_new (req, 0, FALSE);

  body_fail (body, error);
}

/* Bodies that are not uploads: hashed, kept if @keep, at most
 * KS_S3_MAX_SMALL_BODY. */
void
ks_s3_body_begin_small (KsS3Request *req,
                        gboolean     keep)
{
  body_new (req, KS_S3_MAX_SMALL_BODY, keep);
}

static gboolean
check_payload_hash (KsS3Request  *req,
                    const guint8 *digest,
                    GError      **error)
{
  const char      *expected = req->auth->payload_hash;
  g_autofree char *hex = NULL;

  if (g_str_equal (expected, KS_SIGV4_UNSIGNED_PAYLOAD))
    return TRUE;

  hex = ks_hex_encode (digest, KS_SHA256_LEN);
  if (g_str_equal (hex, expected))
    return TRUE;

  g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_CONTENT_SHA256_MISMATCH,
                       "The provided 'x-amz-content-sha256' header does not match what was "
                       "computed.");
  return FALSE;
}

gboolean
ks_s3_body_check_small (KsS3Request *req,
                        GError     **error)
{
  Body  *body = req->body;
  guint8 digest[KS_SHA256_LEN];

  g_return_val_if_fail (body != NULL, FALSE);

  body->complete = TRUE;
  ks_sha256_finish (body->sha256, digest);
  return check_payload_hash (req, digest, error);
}

/* ---- uploads ---- */

static gboolean
parse_length (const char *text,
              gint64     *out)
{
  guint64 value = 0;

  if (text == NULL || strspn (text, "0123456789") != strlen (text) ||
      !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;
  *out = (gint64) value;

  return TRUE;
}

static gboolean
check_length (KsS3Request *req,
              Body        *body,
              GError     **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (req->msg);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (guint64) soup_message_headers_get_content_length (headers) > body->max_size)
    {
      g_set_error (error, KS_S3_ERROR, KS_S3_ERROR_ENTITY_TOO_LARGE,
                   "Your proposed upload exceeds the maximum allowed size of %" G_GUINT64_FORMAT
                   " bytes",
                   body->max_size);
      return FALSE;
    }

  /* A presigned URL bound to a length holds for the body, however sent. */
  if (g_strv_contains ((const char *const *) req->auth->signed_headers, "content-length") &&
      !parse_length (ks_s3_request_header (req, "Content-Length"), &body->expect_length))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                           "Content-Length is not a number");
      return FALSE;
    }

  return TRUE;
}

static GBytes *
decode_digest (const char *text,
               gsize       expected_len)
{
  gsize   len = 0;
  guint8 *digest = ks_base64_decode (text, &len, NULL);

  if (digest == NULL || len != expected_len)
    {
      g_free (digest);
      return NULL;
    }

  return g_bytes_new_take (digest, len);
}

static gboolean
parse_digests (KsS3Request *req,
               Body        *body,
               GError     **error)
{
  const char *md5 = ks_s3_request_header (req, "Content-MD5");
  const char *sha256 = ks_s3_request_header (req, "x-amz-checksum-sha256");

  if (md5 != NULL && (body->expect_md5 = decode_digest (md5, KS_S3_MD5_LEN)) == NULL)
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_DIGEST,
                           "The Content-MD5 you specified was invalid.");
      return FALSE;
    }
  if (sha256 != NULL && (body->expect_sha256 = decode_digest (sha256, KS_SHA256_LEN)) == NULL)
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_REQUEST,
                           "Value for x-amz-checksum-sha256 header is invalid.");
      return FALSE;
    }

  return TRUE;
}

static gboolean
add_user_meta (KsS3Meta   *meta,
               const char *name,
               const char *value,
               gsize      *total,
               GError    **error)
{
  *total += strlen (name) - strlen (USER_META_PREFIX) + strlen (value);
  if (*total > KS_S3_MAX_USER_META_BYTES || !g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                   "User metadata must be UTF-8 and at most %d bytes",
                   KS_S3_MAX_USER_META_BYTES);
      return FALSE;
    }

  g_hash_table_insert (meta->user_meta, g_ascii_strdown (name, -1), g_strdup (value));
  return TRUE;
}

/* What the object will be stored with: Content-Type, x-amz-meta-*. */
KsS3Meta *
ks_s3_body_meta_from_headers (KsS3Request *req,
                              GError     **error)
{
  g_autoptr (KsS3Meta) meta = ks_s3_meta_new (req->key);
  const char            *content_type = ks_s3_request_header (req, "Content-Type");
  SoupMessageHeadersIter iter;
  const char            *name, *value;
  gsize                  total = 0;

  if (content_type != NULL && !g_utf8_validate (content_type, -1, NULL))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                           "Content-Type must be UTF-8");
      return NULL;
    }
  meta->content_type = g_strdup (content_type != NULL ? content_type : DEFAULT_CONTENT_TYPE);

  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (req->msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strncasecmp (name, USER_META_PREFIX, strlen (USER_META_PREFIX)) == 0 &&
          !add_user_meta (meta, name, value, &total, error))
        return NULL;
    }

  return g_steal_pointer (&meta);
}

static gboolean
parse_part_number (const char *text,
                   guint      *out)
{
  guint64 value = 0;

  if (text == NULL || strspn (text, "0123456789") != strlen (text) || strlen (text) > 5 ||
      !g_ascii_string_to_unsigned (text, 10, 1, KS_S3_MAX_PARTS, &value, NULL))
    return FALSE;
  *out = (guint) value;

  return TRUE;
}

/* Where the bytes go: a temp file beside the object, or in the upload. */
static gboolean
open_target (KsS3Request *req,
             Body        *body,
             GError     **error)
{
  const char      *upload_id = ks_s3_request_query (req, "uploadId");
  const char      *part = ks_s3_request_query (req, "partNumber");
  g_autofree char *dir = NULL;
  g_autoptr (KsS3Meta) upload = NULL;
  guint part_number = 0;

  if (upload_id == NULL && part == NULL)
    {
      dir = ks_s3_object_dir (req->store->objects_path, req->key);
    }
  else if (upload_id == NULL || !parse_part_number (part, &part_number))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                           "Part number must be an integer between 1 and 10000, inclusive, "
                           "with an uploadId");
      return FALSE;
    }
  else
    {
      upload = ks_s3_upload_open (req->store, upload_id, req->key, &dir, error);
      if (upload == NULL)
        return FALSE;
      body->part_path = ks_s3_upload_part_path (dir, part_number);
    }

  body->fd = ks_s3_file_create_temp (dir, &body->temp_path, error);
  return body->fd >= 0;
}

/**
 * ks_s3_body_begin_upload:
 *
 * PutObject and UploadPart: from here on each chunk is hashed and written
 * to a temp file as it arrives; memory does not grow with the body.
 */
void
ks_s3_body_begin_upload (KsS3Request *req)
{
  Body *body = body_new (req, KS_S3_MAX_PUT_SIZE, FALSE);
  g_autoptr (GError) error = NULL;

  body->md5 = g_checksum_new (G_CHECKSUM_MD5);
  if (!check_length (req, body, &error) ||
      !parse_digests (req, body, &error) ||
      (body->meta = ks_s3_body_meta_from_headers (req, &error)) == NULL ||
      !open_target (req, body, &error))
    body_fail (body, error);
}

static gboolean
digest_matches (GBytes       *expected,
                const guint8 *digest,
                gsize         len)
{
  return expected == NULL || (g_bytes_get_size (expected) == len &&
                              memcmp (g_bytes_get_data (expected, NULL), digest, len) == 0);
}

static gboolean
check_digests (Body    *body,
               GError **error)
{
  guint8 sha256[KS_SHA256_LEN];
  guint8 md5[KS_S3_MD5_LEN];
  gsize  md5_len = sizeof md5;

  ks_sha256_finish (body->sha256, sha256);
  g_checksum_get_digest (body->md5, md5, &md5_len);

  if (body->expect_length >= 0 && body->received != (guint64) body->expect_length)
    g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INCOMPLETE_BODY,
                         "You did not provide the number of bytes specified by the "
                         "Content-Length HTTP header");
  else if (!check_payload_hash (body->req, sha256, error))
    return FALSE;
  else if (!digest_matches (body->expect_sha256, sha256, sizeof sha256))
    g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_BAD_DIGEST,
                         "The SHA256 you specified did not match the calculated checksum.");
  else if (!digest_matches (body->expect_md5, md5, md5_len))
    g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_BAD_DIGEST,
                         "The Content-MD5 you specified did not match what we received.");
  else
    {
      g_autofree char *md5_hex = ks_hex_encode (md5, md5_len);

      body->meta->size = body->received;
      body->meta->etag = g_strdup_printf ("\"%s\"", md5_hex);
      body->meta->sha256 = ks_hex_encode (sha256, sizeof sha256);
      body->meta->checksum_sha256 = g_strdup (ks_s3_request_header (body->req, "x-amz-checksum-sha256"));
      body->meta->mtime_unix = g_get_real_time () / G_USEC_PER_SEC;
      return TRUE;
    }

  return FALSE;
}

static gboolean
commit_part (Body    *body,
             int      fd,
             GError **error)
{
  g_autofree char *dir = g_path_get_dirname (body->part_path);
  g_autoptr (GError) local_error = NULL;
  gboolean ok = ks_s3_file_sync (fd, error);

  close (fd);
  if (!ok)
    return FALSE;

  /* Gone: aborted (or completed) while this part came in. */
  if (!ks_s3_file_rename (body->temp_path, body->part_path, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_NO_SUCH_UPLOAD,
                             "The specified upload does not exist");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return ks_s3_file_sync_dir (dir, error);
}

static gboolean
commit_thread (KsS3Request *req,
               gpointer     data,
               GError     **error)
{
  Body    *body = data;
  int      fd = body->fd;
  gboolean ok;

  body->fd = -1;
  if (body->part_path != NULL)
    ok = commit_part (body, fd, error);
  else
    ok = ks_s3_store_commit (req->store, fd, body->temp_path, body->meta, error);

  if (ok)
    g_clear_pointer (&body->temp_path, g_free);

  return ok;
}

static void
commit_done (KsS3Request  *req,
             gpointer      data,
             const GError *error)
{
  Body               *body = data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);

  if (error != NULL)
    {
      ks_s3_error_respond (req->msg, error);
      return;
    }

  soup_message_headers_replace (headers, "ETag", body->meta->etag);
  if (body->meta->checksum_sha256 != NULL)
    soup_message_headers_replace (headers, "x-amz-checksum-sha256", body->meta->checksum_sha256);
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
}

/* The whole body is on disk: check it, then commit it off the main thread. */
void
ks_s3_body_finish_upload (KsS3Request *req)
{
  Body *body = req->body;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (body != NULL && !body->failed);

  body->complete = TRUE;
  if (!check_digests (body, &error) ||
      !ks_s3_file_append_meta (body->fd, body->meta, &error))
    {
      body_fail (body, error);
      return;
    }

  ks_s3_request_run_in_thread (req, commit_thread, commit_done, body, NULL);
}
