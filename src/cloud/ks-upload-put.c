/* ks-upload-put.c: one PUT of a file range, and completing a multipart
 * upload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-cloud-private.h"
#include "ks-upload-private.h"
#include "ks-upload-stream.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

typedef struct
{
  SoupMessage    *msg;      /* owned */
  KsUploadStream *stream;   /* owned */
  KsProgress     *progress; /* unowned, nullable: outlives the request */
  char           *expected; /* nullable */
  char           *what;
  /* To read the range again if libsoup sends the PUT again */
  GFile         *file; /* owned */
  goffset        offset;
  goffset        length;
  KsRateLimiter *limiter; /* owned, nullable */
} PutData;

static void
put_data_free (PutData *data)
{
  if (data->msg != NULL)
    g_signal_handlers_disconnect_by_data (data->msg, data);
  g_clear_object (&data->msg);
  g_clear_object (&data->file);
  g_clear_object (&data->limiter);
  if (data->stream != NULL)
    ks_upload_stream_disconnect (data->stream);
  g_clear_object (&data->stream);
  g_free (data->expected);
  g_free (data->what);
  g_free (data);
}

static void
stream_progress_cb (gssize   delta,
                    gpointer user_data)
{
  PutData *data = user_data;

  if (data->progress != NULL)
    ks_progress_add (data->progress, delta);
}

/* The file is checked first: a server refusing a changed body (BadDigest)
 * is the consequence, not the cause. */
static GError *
put_error (PutData      *data,
           const GError *transport_error,
           GBytes       *body)
{
  g_autofree char *sha256 = ks_upload_stream_dup_sha256 (data->stream);
  guint            status = soup_message_get_status (data->msg);

  if (ks_upload_stream_get_file_changed (data->stream) ||
      (data->expected != NULL && sha256 != NULL && g_strcmp0 (sha256, data->expected) != 0))
    return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_FILE_CHANGED,
                        _ ("%s changed while it was uploaded."), data->what);
  if (transport_error != NULL)
    return ks_cloud_error_from_transport (transport_error);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    return ks_transfer_error_from_s3 (status, body, data->what);
  if (data->expected != NULL && sha256 == NULL)
    return g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_FAILED,
                        _ ("The upload of %s ended before all of it was sent."), data->what);

  return NULL;
}

static void
put_sent_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  PutData *data = g_task_get_task_data (task);
  g_autoptr (GError) transport_error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               &transport_error);
  GError     *error = put_error (data, transport_error, body);
  const char *etag;

  ks_upload_stream_disconnect (data->stream);
  if (error != NULL)
    {
      if (data->progress != NULL)
        ks_progress_add (data->progress, -(gssize) ks_upload_stream_get_position (data->stream));
      g_task_return_error (task, error);
      return;
    }

  etag = soup_message_headers_get_one (soup_message_get_response_headers (data->msg), "ETag");
  g_task_return_pointer (task, g_strdup (etag != NULL ? etag : ""), g_free);
}

static void
set_body (PutData *data)
{
  if (data->stream != NULL)
    {
      ks_upload_stream_disconnect (data->stream);
      g_object_unref (data->stream);
    }
  data->stream = ks_upload_stream_new (data->file, data->offset, data->length, data->expected != NULL,
                                       data->limiter, stream_progress_cb, data);
  soup_message_set_request_body (data->msg, NULL, G_INPUT_STREAM (data->stream), data->length);
}

/*
 * libsoup sends a PUT again by itself when the kept-alive connection it
 * went out on closed before any answer (a server's idle timeout racing
 * the request). libsoup 3.2 then drops a streamed body and would send
 * the PUT empty, which the store refuses (the signed length differs) and
 * the photo would fail: give it the range again, from its start.
 */
static void
put_restarted_cb (SoupMessage *msg,
                  gpointer     user_data)
{
  PutData *data = user_data;
  goffset  sent = ks_upload_stream_get_position (data->stream);

  g_debug ("Sending %s again on another connection", data->what);
  if (data->progress != NULL && sent > 0)
    ks_progress_add (data->progress, -(gssize) sent);
  set_body (data);
}

void
ks_upload_put_async (SoupSession        *soup,
                     const char         *url,
                     GHashTable         *headers,
                     GFile              *file,
                     goffset             offset,
                     goffset             length,
                     const char         *expected_sha256,
                     KsRateLimiter      *limiter,
                     KsProgress         *progress,
                     const char         *what,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  PutData            *data = g_new0 (PutData, 1);
  SoupMessageHeaders *request_headers;
  GHashTableIter      iter;
  gpointer            name, value;

  g_task_set_source_tag (task, ks_upload_put_async);
  g_task_set_task_data (task, data, (GDestroyNotify) put_data_free);
  data->progress = progress;
  data->expected = g_strdup (expected_sha256);
  data->what = g_strdup (what);

  data->msg = soup_message_new (SOUP_METHOD_PUT, url);
  if (data->msg == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                               _ ("The server gave an invalid upload address for %s."), what);
      return;
    }

  request_headers = soup_message_get_request_headers (data->msg);
  if (headers != NULL)
    {
      g_hash_table_iter_init (&iter, headers);
      while (g_hash_table_iter_next (&iter, &name, &value))
        {
          /* libsoup sends the length it is given with the body. */
          if (g_ascii_strcasecmp (name, "Content-Length") != 0)
            soup_message_headers_replace (request_headers, name, value);
        }
    }

  data->file = g_object_ref (file);
  data->offset = offset;
  data->length = length;
  data->limiter = limiter != NULL ? g_object_ref (limiter) : NULL;
  set_body (data);
  g_signal_connect (data->msg, "restarted", G_CALLBACK (put_restarted_cb), data);
  soup_session_send_and_read_async (soup, data->msg, G_PRIORITY_DEFAULT, cancellable,
                                    put_sent_cb, g_steal_pointer (&task));
}

char *
ks_upload_put_finish (GAsyncResult *result,
                      GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_upload_put_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- CompleteMultipartUpload ---- */

static GBytes *
complete_xml (GHashTable *etags,
              guint       n_parts)
{
  GString *xml = g_string_new ("<CompleteMultipartUpload xmlns=\"" S3_XMLNS "\">");

  for (guint i = 1; i <= n_parts; i++)
    {
      g_autofree char *etag = g_markup_escape_text (g_hash_table_lookup (etags, GUINT_TO_POINTER (i)), -1);

      g_string_append_printf (xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
                              i, etag);
    }
  g_string_append (xml, "</CompleteMultipartUpload>");

  return g_string_free_to_bytes (xml);
}

static void
complete_sent_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  SoupMessage *msg = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               &error);
  guint status = soup_message_get_status (msg);

  if (body == NULL)
    g_task_return_error (task, ks_cloud_error_from_transport (error));
  else if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    g_task_return_error (task, ks_transfer_error_from_s3 (status, body, _ ("the upload’s last step")));
  else if (ks_transfer_body_is_s3_error (body))
    g_task_return_error (task, ks_transfer_error_from_s3 (SOUP_STATUS_INTERNAL_SERVER_ERROR, body,
                                                          _ ("the upload’s last step")));
  else
    g_task_return_boolean (task, TRUE);
}

void
ks_upload_complete_async (SoupSession        *soup,
                          const char         *url,
                          GHashTable         *etags,
                          guint               n_parts,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GBytes) body = NULL;
  SoupMessage *msg;

  g_task_set_source_tag (task, ks_upload_complete_async);
  msg = soup_message_new (SOUP_METHOD_POST, url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                               _ ("The server gave an invalid address to complete an upload."));
      return;
    }
  g_task_set_task_data (task, msg, g_object_unref);

  body = complete_xml (etags, n_parts);
  soup_message_set_request_body_from_bytes (msg, "application/xml", body);
  soup_session_send_and_read_async (soup, msg, G_PRIORITY_DEFAULT, cancellable,
                                    complete_sent_cb, g_steal_pointer (&task));
}

gboolean
ks_upload_complete_finish (GAsyncResult *result,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
