/* ks-s3-get.c: GetObject (with Range), HeadObject, DeleteObject
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ks-s3-private.h"
#include "ks-server-http.h"

/* The response is read from disk and sent this much at a time, one chunk
 * in memory per download whatever the object's size. */
#define CHUNK_SIZE (128 * 1024)

typedef enum
{
  RANGE_NONE,
  RANGE_OK,
  RANGE_UNSATISFIABLE,
} RangeResult;

typedef struct
{
  SoupServerMessage *msg; /* unowned: this lives in its data */
  int                fd;
  guint64            offset;
  guint64            remaining;
  gboolean           reading; /* a worker thread uses the fields above */
} Reader;

static gboolean
parse_offset (const char *text,
              gsize       len,
              guint64    *out)
{
  g_autofree char *copy = g_strndup (text, len);

  return len > 0 && strspn (copy, "0123456789") == len &&
         g_ascii_string_to_unsigned (copy, 10, 0, G_MAXINT64, out, NULL);
}

/**
 * parse_range:
 *
 * One range of "bytes=first-last", "bytes=first-" or "bytes=-suffix".
 * Anything else (several ranges, other units, bad syntax) is ignored, as
 * RFC 9110 allows and S3 does: the whole object is sent.
 */
static RangeResult
parse_range (const char *header,
             guint64     size,
             guint64    *out_start,
             guint64    *out_end)
{
  const char *spec;
  const char *dash;
  guint64     first = 0, last = size - 1;

  if (header == NULL || !g_str_has_prefix (header, "bytes="))
    return RANGE_NONE;
  spec = header + strlen ("bytes=");
  dash = strchr (spec, '-');
  if (dash == NULL || strchr (spec, ',') != NULL)
    return RANGE_NONE;

  if (dash == spec)
    {
      if (!parse_offset (dash + 1, strlen (dash + 1), &first))
        return RANGE_NONE;
      if (first == 0 || size == 0)
        return RANGE_UNSATISFIABLE;
      first = first >= size ? 0 : size - first;
    }
  else
    {
      if (!parse_offset (spec, (gsize) (dash - spec), &first) ||
          (dash[1] != '\0' && !parse_offset (dash + 1, strlen (dash + 1), &last)))
        return RANGE_NONE;
      if (dash[1] != '\0' && last < first)
        return RANGE_NONE;
      if (first >= size)
        return RANGE_UNSATISFIABLE;
      last = MIN (last, size - 1);
    }

  *out_start = first;
  *out_end = last;
  return RANGE_OK;
}

static void
set_object_headers (SoupServerMessage *msg,
                    const KsS3Meta    *meta)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr (GDateTime) mtime = g_date_time_new_from_unix_utc (meta->mtime_unix);
  g_autofree char *last_modified = soup_date_time_to_string (mtime, SOUP_DATE_HTTP);
  GHashTableIter   iter;
  gpointer         name, value;

  soup_message_headers_replace (headers, "ETag", meta->etag);
  soup_message_headers_replace (headers, "Last-Modified", last_modified);
  soup_message_headers_replace (headers, "Accept-Ranges", "bytes");
  if (meta->content_type != NULL)
    soup_message_headers_replace (headers, "Content-Type", meta->content_type);
  if (meta->checksum_sha256 != NULL)
    soup_message_headers_replace (headers, "x-amz-checksum-sha256", meta->checksum_sha256);

  g_hash_table_iter_init (&iter, meta->user_meta);
  while (g_hash_table_iter_next (&iter, &name, &value))
    soup_message_headers_replace (headers, name, value);
}

static void
reader_free (Reader *reader)
{
  close (reader->fd);
  g_free (reader);
}

/* Nothing sensible to say halfway through a body: cut the connection, the
 * client sees a short response. */
static void
abort_response (SoupServerMessage *msg)
{
  KsS3Request *req = ks_s3_request_get (msg);
  g_autoptr (GIOStream) stream = NULL;

  req->finished = TRUE;
  ks_server_http_log_access (msg, TRUE);
  stream = soup_server_message_steal_connection (msg);
  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
}

static void
read_thread_cb (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Reader *reader = task_data;
  gsize   len = (gsize) MIN (CHUNK_SIZE, reader->remaining);
  guint8 *buf = g_malloc (len);
  gssize  n;

  do
    n = pread (reader->fd, buf, len, (off_t) reader->offset);
  while (n < 0 && errno == EINTR);

  if (n <= 0)
    {
      int saved_errno = errno;

      g_free (buf);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                               n < 0 ? g_strerror (saved_errno) : "the file is short");
      return;
    }

  g_task_return_pointer (task, g_bytes_new_take (buf, (gsize) n), (GDestroyNotify) g_bytes_unref);
}

static void
read_cb (GObject      *source_object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (SoupServerMessage) msg = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_task_propagate_pointer (G_TASK (result), &error);
  KsS3Request     *req = ks_s3_request_get (msg);
  Reader          *reader = g_object_get_data (G_OBJECT (msg), "ks-s3-reader");
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  reader->reading = FALSE;
  if (req->finished)
    return;

  if (bytes == NULL)
    {
      g_warning ("Reading %s failed: %s", req->key, error->message);
      abort_response (msg);
      return;
    }

  reader->offset += g_bytes_get_size (bytes);
  reader->remaining -= g_bytes_get_size (bytes);
  soup_message_body_append_bytes (body, bytes);
  if (reader->remaining == 0)
    soup_message_body_complete (body);
  soup_server_message_unpause (msg);
}

/* The message stays alive (and the reader with it) until read_cb. */
static void
reader_read_next (Reader *reader)
{
  g_autoptr (GTask) task = NULL;

  if (reader->reading || reader->remaining == 0)
    return;

  reader->reading = TRUE;
  task = g_task_new (NULL, NULL, read_cb, g_object_ref (reader->msg));
  g_task_set_source_tag (task, reader_read_next);
  g_task_set_task_data (task, reader, NULL);
  g_task_run_in_thread (task, read_thread_cb);
}

static void
wrote_chunk_cb (SoupServerMessage *msg,
                Reader            *reader)
{
  reader_read_next (reader);
}

/* Takes @fd. libsoup asks for the next chunk after each one it wrote,
 * and pauses itself until it comes. */
static void
stream_body (KsS3Request *req,
             int          fd,
             guint64      start,
             guint64      length)
{
  Reader *reader = g_new0 (Reader, 1);

  reader->msg = req->msg;
  reader->fd = fd;
  reader->offset = start;
  reader->remaining = length;
  g_object_set_data_full (G_OBJECT (req->msg), "ks-s3-reader", reader, (GDestroyNotify) reader_free);

  soup_message_body_set_accumulate (soup_server_message_get_response_body (req->msg), FALSE);
  g_signal_connect (req->msg, "wrote-chunk", G_CALLBACK (wrote_chunk_cb), reader);
  soup_server_message_pause (req->msg);
  reader_read_next (reader);
}

static KsS3Meta *
open_object (KsS3Request *req,
             int         *out_fd)
{
  g_autofree char *path = ks_s3_object_path (req->store->objects_path, req->key);
  g_autoptr (GError) error = NULL;
  g_autoptr (KsS3Meta) meta = ks_s3_file_open (path, out_fd, &error);

  if (meta != NULL && g_str_equal (meta->key, req->key))
    return g_steal_pointer (&meta);

  if (meta != NULL)
    close (*out_fd);
  if (meta != NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    ks_s3_request_fail (req, KS_S3_ERROR_NO_SUCH_KEY, "The specified key does not exist.");
  else
    ks_s3_error_respond (req->msg, error);

  return NULL;
}

static gboolean
answer_range (KsS3Request    *req,
              const KsS3Meta *meta,
              guint64        *start,
              guint64        *length)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (req->msg);
  guint64             first = 0, last = 0;
  g_autofree char    *unsatisfied = NULL;

  switch (parse_range (ks_s3_request_header (req, "Range"), meta->size, &first, &last))
    {
    case RANGE_OK:
      soup_message_headers_set_content_range (headers, (goffset) first, (goffset) last,
                                              (goffset) meta->size);
      soup_server_message_set_status (req->msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      *start = first;
      *length = last - first + 1;
      return TRUE;

    case RANGE_UNSATISFIABLE:
      unsatisfied = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, meta->size);
      ks_s3_request_fail (req, KS_S3_ERROR_INVALID_RANGE, "The requested range is not satisfiable");
      soup_message_headers_replace (headers, "Content-Range", unsatisfied);
      return FALSE;

    case RANGE_NONE:
    default:
      soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
      *start = 0;
      *length = meta->size;
      return TRUE;
    }
}

/* GetObject and HeadObject: the same headers, HEAD without the bytes. */
void
ks_s3_get_object (KsS3Request *req)
{
  int      fd = -1;
  guint64  start = 0, length = 0;
  gboolean head = g_str_equal (soup_server_message_get_method (req->msg), SOUP_METHOD_HEAD);
  g_autoptr (KsS3Meta) meta = open_object (req, &fd);

  if (meta == NULL)
    return;

  if (!answer_range (req, meta, &start, &length))
    {
      close (fd);
      return;
    }

  set_object_headers (req->msg, meta);
  soup_message_headers_set_content_length (soup_server_message_get_response_headers (req->msg),
                                           (goffset) length);
  if (head || length == 0)
    close (fd);
  else
    stream_body (req, fd, start, length);
}

static gboolean
delete_thread (KsS3Request *req,
               gpointer     data,
               GError     **error)
{
  return ks_s3_store_remove (req->store, req->key, error);
}

static void
delete_done (KsS3Request  *req,
             gpointer      data,
             const GError *error)
{
  if (error != NULL)
    ks_s3_error_respond (req->msg, error);
  else
    soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
ks_s3_delete_object (KsS3Request *req)
{
  ks_s3_request_run_in_thread (req, delete_thread, delete_done, NULL, NULL);
}
