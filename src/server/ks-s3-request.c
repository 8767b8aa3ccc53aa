/* ks-s3-request.c: one S3 request — authenticate, classify, dispatch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-s3-private.h"

/* Query parameters naming sub-resources this store does not have. */
static const char *const unsupported_subresources[] = {
  "acl",
  "tagging",
  "torrent",
  "retention",
  "legal-hold",
  "attributes",
  "restore",
  "select",
  "versionId",
  NULL,
};

typedef enum
{
  OP_SERVICE,
  OP_BUCKET,
  OP_PUT_OBJECT,
  OP_UPLOAD_PART,
  OP_GET_OBJECT,
  OP_DELETE_OBJECT,
  OP_CREATE_MULTIPART,
  OP_COMPLETE_MULTIPART,
  OP_ABORT_MULTIPART,
  OP_LIST_PARTS,
  OP_NOT_IMPLEMENTED,
  OP_BAD_METHOD,
} Op;

static GQuark
request_quark (void)
{
  return g_quark_from_static_string ("ks-s3-request");
}

static void
request_free (KsS3Request *req)
{
  if (req->body_free != NULL)
    req->body_free (req->body);
  g_clear_pointer (&req->target, ks_sigv4_request_free);
  g_clear_pointer (&req->auth, ks_sigv4_auth_free);
  g_free (req->bucket);
  g_free (req->key);
  ks_s3_store_unref (req->store);
  g_free (req);
}

KsS3Request *
ks_s3_request_get (SoupServerMessage *msg)
{
  return g_object_get_qdata (G_OBJECT (msg), request_quark ());
}

const char *
ks_s3_request_query (KsS3Request *req,
                     const char  *name)
{
  return ks_sigv4_request_get_query (req->target, name);
}

const char *
ks_s3_request_header (KsS3Request *req,
                      const char  *name)
{
  return soup_message_headers_get_one (soup_server_message_get_request_headers (req->msg), name);
}

void
ks_s3_request_fail (KsS3Request *req,
                    KsS3Error    code,
                    const char  *format,
                    ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (KS_S3_ERROR, code, format, args);
  va_end (args);

  ks_s3_error_respond (req->msg, error);
}

static void
finished_cb (SoupServerMessage *msg,
             KsS3Request       *req)
{
  req->finished = TRUE;
}

static void
set_request_id (SoupServerMessage *msg)
{
  guint8           id[8];
  g_autofree char *hex = NULL;

  ks_random_bytes (id, sizeof id);
  hex = ks_hex_encode (id, sizeof id);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "x-amz-request-id", hex);
}

static KsS3Request *
request_new (KsS3Store         *store,
             SoupServerMessage *msg,
             GHashTable        *params)
{
  KsS3Request *req = g_new0 (KsS3Request, 1);
  const char  *key = g_hash_table_lookup (params, "key");

  req->store = ks_s3_store_ref (store);
  req->msg = msg;
  req->bucket = g_strdup (g_hash_table_lookup (params, "bucket"));
  req->key = key != NULL && *key != '\0' ? g_strdup (key) : NULL;
  g_object_set_qdata_full (G_OBJECT (msg), request_quark (), req, (GDestroyNotify) request_free);
  g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), req);
  set_request_id (msg);

  return req;
}

static gboolean
has_unsupported_subresource (KsS3Request *req)
{
  for (guint i = 0; unsupported_subresources[i] != NULL; i++)
    {
      if (ks_s3_request_query (req, unsupported_subresources[i]) != NULL)
        return TRUE;
    }

  return FALSE;
}

static Op
classify_object (KsS3Request *req,
                 const char  *method)
{
  gboolean upload = ks_s3_request_query (req, "uploadId") != NULL;

  if (has_unsupported_subresource (req) || ks_s3_request_header (req, "x-amz-copy-source") != NULL)
    return OP_NOT_IMPLEMENTED;

  if (g_str_equal (method, SOUP_METHOD_PUT))
    return upload || ks_s3_request_query (req, "partNumber") != NULL ? OP_UPLOAD_PART
                                                                     : OP_PUT_OBJECT;
  if (g_str_equal (method, SOUP_METHOD_GET))
    return upload ? OP_LIST_PARTS : OP_GET_OBJECT;
  if (g_str_equal (method, SOUP_METHOD_HEAD))
    return OP_GET_OBJECT;
  if (g_str_equal (method, SOUP_METHOD_DELETE))
    return upload ? OP_ABORT_MULTIPART : OP_DELETE_OBJECT;
  if (g_str_equal (method, SOUP_METHOD_POST) && ks_s3_request_query (req, "uploads") != NULL)
    return OP_CREATE_MULTIPART;
  if (g_str_equal (method, SOUP_METHOD_POST) && upload)
    return OP_COMPLETE_MULTIPART;

  return OP_BAD_METHOD;
}

static Op
classify (KsS3Request *req)
{
  if (req->bucket == NULL)
    return OP_SERVICE;
  if (req->key == NULL)
    return OP_BUCKET;

  return classify_object (req, soup_server_message_get_method (req->msg));
}

/* A key the store refuses is refused first, signed or not: it says
 * nothing about the store. Then the one key pair may do everything, in
 * the one bucket. */
static gboolean
check_request (KsS3Request *req,
               GError     **error)
{
  KsS3Store *store = req->store;

  if (req->key != NULL && !ks_s3_key_validate (req->key, error))
    return FALSE;

  req->target = ks_s3_auth_parse (req->msg, NULL, error);
  if (req->target == NULL)
    return FALSE;

  req->auth = ks_s3_auth_verify (req->msg, req->target, &store->auth, error);
  if (req->auth == NULL)
    return FALSE;

  if (req->bucket != NULL && !g_str_equal (req->bucket, store->bucket))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_NO_SUCH_BUCKET,
                           "The specified bucket does not exist");
      return FALSE;
    }

  return TRUE;
}

/**
 * ks_s3_request_early_cb:
 *
 * Headers are in: authenticate before a byte of the body is read, then
 * set up how the body will be read.
 */
void
ks_s3_request_early_cb (KsServer          *server,
                        SoupServerMessage *msg,
                        GHashTable        *params,
                        gpointer           user_data)
{
  KsS3Request *req = request_new (user_data, msg, params);
  g_autoptr (GError) error = NULL;
  Op op;

  if (!check_request (req, &error))
    {
      ks_s3_body_reject (req, error);
      return;
    }

  op = classify (req);
  if (op == OP_PUT_OBJECT || op == OP_UPLOAD_PART)
    ks_s3_body_begin_upload (req);
  else
    ks_s3_body_begin_small (req, op == OP_COMPLETE_MULTIPART);
}

static void
dispatch (KsS3Request *req,
          Op           op)
{
  switch (op)
    {
    case OP_SERVICE:
    case OP_BUCKET:
      ks_s3_bucket_handle (req);
      break;
    case OP_PUT_OBJECT:
    case OP_UPLOAD_PART:
      ks_s3_body_finish_upload (req);
      break;
    case OP_GET_OBJECT:
      ks_s3_get_object (req);
      break;
    case OP_DELETE_OBJECT:
      ks_s3_delete_object (req);
      break;
    case OP_CREATE_MULTIPART:
      ks_s3_multipart_create (req);
      break;
    case OP_COMPLETE_MULTIPART:
      ks_s3_multipart_complete (req);
      break;
    case OP_ABORT_MULTIPART:
      ks_s3_multipart_abort (req);
      break;
    case OP_LIST_PARTS:
      ks_s3_multipart_list_parts (req);
      break;
    case OP_NOT_IMPLEMENTED:
      ks_s3_request_fail (req, KS_S3_ERROR_NOT_IMPLEMENTED,
                          "A header or query you provided implies functionality that is "
                          "not implemented");
      break;
    case OP_BAD_METHOD:
    default:
      ks_s3_request_fail (req, KS_S3_ERROR_METHOD_NOT_ALLOWED,
                          "The specified method is not allowed against this resource");
      break;
    }
}

/* The body is in (or was streamed away): do the operation. */
void
ks_s3_request_handler_cb (KsServer          *server,
                          SoupServerMessage *msg,
                          GHashTable        *params,
                          gpointer           user_data)
{
  KsS3Request *req = ks_s3_request_get (msg);
  g_autoptr (GError) error = NULL;
  Op op;

  /* The early handler always runs first and answers any failure. */
  g_return_if_fail (req != NULL && req->auth != NULL);

  op = classify (req);
  if (op != OP_PUT_OBJECT && op != OP_UPLOAD_PART && !ks_s3_body_check_small (req, &error))
    ks_s3_error_respond (msg, error);
  else
    dispatch (req, op);
}

typedef struct
{
  KsS3Request       *req;
  SoupServerMessage *msg; /* owned until done: keeps @req alive */
  KsS3ThreadFunc     func;
  KsS3DoneFunc       done;
  gpointer           data;
  GDestroyNotify     data_free;
} Job;

static void
job_thread_cb (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job    *job = task_data;
  GError *error = NULL;

  if (job->func (job->req, job->data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The task may be freed on the worker thread; whatever touches the
 * message or the store is released here, on the main thread. */
static void
job_done_cb (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (SoupServerMessage) msg = g_steal_pointer (&job->msg);
  g_autoptr (GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  if (!job->req->finished)
    {
      job->done (job->req, job->data, error);
      soup_server_message_unpause (msg);
    }
  if (job->data_free != NULL)
    job->data_free (job->data);
}

void
ks_s3_request_run_in_thread (KsS3Request   *req,
                             KsS3ThreadFunc func,
                             KsS3DoneFunc   done,
                             gpointer       data,
                             GDestroyNotify data_free)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, job_done_cb, NULL);
  Job *job = g_new0 (Job, 1);

  job->req = req;
  job->msg = g_object_ref (req->msg);
  job->func = func;
  job->done = done;
  job->data = data;
  job->data_free = data_free;

  g_task_set_source_tag (task, ks_s3_request_run_in_thread);
  g_task_set_task_data (task, job, g_free);
  soup_server_message_pause (req->msg);
  g_task_run_in_thread (task, job_thread_cb);
}
