/* ks-s3-multipart.c: CreateMultipartUpload, CompleteMultipartUpload,
 * AbortMultipartUpload, ListParts (UploadPart is an upload like PutObject,
 * see ks-s3-body.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-s3-private.h"

#define DEFAULT_MAX_PARTS 1000

typedef struct
{
  KsS3Store *store;     /* owned */
  char      *upload_id; /* owned; marked busy while this lives */
  GPtrArray *parts;     /* nullable: of KsS3CompletePart */
  KsS3Meta  *meta;      /* nullable: the upload's template, then the result */
} Job;

static Job *
job_new (KsS3Request *req,
         const char  *upload_id)
{
  Job *job = g_new0 (Job, 1);

  job->store = ks_s3_store_ref (req->store);
  job->upload_id = g_strdup (upload_id);
  return job;
}

static void
job_free (Job *job)
{
  if (job->upload_id != NULL)
    ks_s3_store_release_upload (job->store, job->upload_id);
  g_free (job->upload_id);
  g_clear_pointer (&job->parts, g_ptr_array_unref);
  g_clear_pointer (&job->meta, ks_s3_meta_free);
  ks_s3_store_unref (job->store);
  g_free (job);
}

/* One complete or abort at a time per upload; S3 answers a second one
 * like this too. */
static gboolean
claim_upload (KsS3Request *req,
              const char  *upload_id)
{
  if (!ks_s3_store_claim_upload (req->store, upload_id))
    {
      ks_s3_request_fail (req, KS_S3_ERROR_OPERATION_ABORTED,
                          "A conflicting conditional operation is currently in progress "
                          "against this resource. Please try again.");
      return FALSE;
    }

  return TRUE;
}

/* ---- CreateMultipartUpload ---- */

static gboolean
create_thread (KsS3Request *req,
               gpointer     data,
               GError     **error)
{
  Job *job = data;

  job->upload_id = ks_s3_upload_create (req->store, job->meta, error);
  return job->upload_id != NULL;
}

static void
create_done (KsS3Request  *req,
             gpointer      data,
             const GError *error)
{
  Job     *job = data;
  GString *xml;

  if (error != NULL)
    {
      ks_s3_error_respond (req->msg, error);
      return;
    }

  xml = ks_s3_xml_begin ("InitiateMultipartUploadResult");
  ks_s3_xml_add (xml, "Bucket", req->store->bucket);
  ks_s3_xml_add (xml, "Key", req->key);
  ks_s3_xml_add (xml, "UploadId", job->upload_id);
  ks_s3_xml_respond (req->msg, SOUP_STATUS_OK, xml, "InitiateMultipartUploadResult");

  /* Not busy: that is for complete and abort. */
  g_clear_pointer (&job->upload_id, g_free);
}

void
ks_s3_multipart_create (KsS3Request *req)
{
  g_autoptr (GError) error = NULL;
  KsS3Meta *meta = ks_s3_body_meta_from_headers (req, &error);
  Job      *job;

  if (meta == NULL)
    {
      ks_s3_error_respond (req->msg, error);
      return;
    }

  job = job_new (req, NULL);
  job->meta = meta;
  ks_s3_request_run_in_thread (req, create_thread, create_done, job, (GDestroyNotify) job_free);
}

/* ---- CompleteMultipartUpload ---- */

static gboolean
complete_thread (KsS3Request *req,
                 gpointer     data,
                 GError     **error)
{
  Job *job = data;

  job->meta = ks_s3_upload_complete (req->store, job->upload_id, req->key, job->parts, error);
  return job->meta != NULL;
}

static void
complete_done (KsS3Request  *req,
               gpointer      data,
               const GError *error)
{
  Job             *job = data;
  g_autofree char *location = NULL;
  GString         *xml;

  if (error != NULL)
    {
      ks_s3_error_respond (req->msg, error);
      return;
    }

  location = g_uri_to_string (soup_server_message_get_uri (req->msg));
  if (strchr (location, '?') != NULL)
    *strchr (location, '?') = '\0';
  xml = ks_s3_xml_begin ("CompleteMultipartUploadResult");
  ks_s3_xml_add (xml, "Location", location);
  ks_s3_xml_add (xml, "Bucket", req->store->bucket);
  ks_s3_xml_add (xml, "Key", req->key);
  ks_s3_xml_add (xml, "ETag", job->meta->etag);
  ks_s3_xml_respond (req->msg, SOUP_STATUS_OK, xml, "CompleteMultipartUploadResult");
}

void
ks_s3_multipart_complete (KsS3Request *req)
{
  const char *upload_id = ks_s3_request_query (req, "uploadId");
  g_autoptr (GBytes) xml = soup_message_body_flatten (soup_server_message_get_request_body (req->msg));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) parts = NULL;
  Job *job;

  parts = ks_s3_xml_parse_complete (g_bytes_get_data (xml, NULL), g_bytes_get_size (xml), &error);
  if (parts == NULL)
    {
      ks_s3_error_respond (req->msg, error);
      return;
    }
  if (!claim_upload (req, upload_id))
    return;

  job = job_new (req, upload_id);
  job->parts = g_steal_pointer (&parts);
  ks_s3_request_run_in_thread (req, complete_thread, complete_done, job, (GDestroyNotify) job_free);
}

/* ---- AbortMultipartUpload ---- */

static gboolean
abort_thread (KsS3Request *req,
              gpointer     data,
              GError     **error)
{
  Job *job = data;

  return ks_s3_upload_abort (req->store, job->upload_id, req->key, error);
}

static void
abort_done (KsS3Request  *req,
            gpointer      data,
            const GError *error)
{
  if (error != NULL)
    ks_s3_error_respond (req->msg, error);
  else
    soup_server_message_set_status (req->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
ks_s3_multipart_abort (KsS3Request *req)
{
  const char *upload_id = ks_s3_request_query (req, "uploadId");

  if (claim_upload (req, upload_id))
    ks_s3_request_run_in_thread (req, abort_thread, abort_done, job_new (req, upload_id),
                                 (GDestroyNotify) job_free);
}

/* ---- ListParts ---- */

static gboolean
parse_count (const char *text,
             guint       default_value,
             guint       max,
             guint      *out)
{
  guint64 value = 0;

  if (text == NULL)
    {
      *out = default_value;
      return TRUE;
    }
  if (strspn (text, "0123456789") != strlen (text) || strlen (text) > 10 ||
      !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &value, NULL))
    return FALSE;
  *out = (guint) MIN (value, max);

  return TRUE;
}

static void
add_part (GString        *xml,
          const KsS3Part *part)
{
  ks_s3_xml_open (xml, "Part");
  ks_s3_xml_add_uint (xml, "PartNumber", part->number);
  ks_s3_xml_add_time (xml, "LastModified", part->meta->mtime_unix);
  ks_s3_xml_add (xml, "ETag", part->meta->etag);
  ks_s3_xml_add_uint (xml, "Size", part->meta->size);
  ks_s3_xml_close (xml, "Part");
}

static void
respond_parts (KsS3Request *req,
               GPtrArray   *parts,
               guint        marker,
               guint        max_parts)
{
  gboolean truncated = parts->len > max_parts;
  guint    count = MIN (parts->len, max_parts);
  GString *xml = ks_s3_xml_begin ("ListPartsResult");

  ks_s3_xml_add (xml, "Bucket", req->store->bucket);
  ks_s3_xml_add (xml, "Key", req->key);
  ks_s3_xml_add (xml, "UploadId", ks_s3_request_query (req, "uploadId"));
  ks_s3_xml_add_uint (xml, "PartNumberMarker", marker);
  if (count > 0)
    ks_s3_xml_add_uint (xml, "NextPartNumberMarker",
                        ((KsS3Part *) g_ptr_array_index (parts, count - 1))->number);
  ks_s3_xml_add_uint (xml, "MaxParts", max_parts);
  ks_s3_xml_add_bool (xml, "IsTruncated", truncated);
  ks_s3_xml_add (xml, "StorageClass", "STANDARD");
  for (guint i = 0; i < count; i++)
    add_part (xml, g_ptr_array_index (parts, i));
  ks_s3_xml_respond (req->msg, SOUP_STATUS_OK, xml, "ListPartsResult");
}

/* Reads a directory and a footer per part: quick enough to do here. */
void
ks_s3_multipart_list_parts (KsS3Request *req)
{
  g_autofree char *dir = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsS3Meta) upload = NULL;
  g_autoptr (GPtrArray) parts = NULL;
  guint marker = 0, max_parts = 0;

  if (!parse_count (ks_s3_request_query (req, "part-number-marker"), 0, KS_S3_MAX_PARTS, &marker) ||
      !parse_count (ks_s3_request_query (req, "max-parts"), DEFAULT_MAX_PARTS, DEFAULT_MAX_PARTS,
                    &max_parts))
    {
      ks_s3_request_fail (req, KS_S3_ERROR_INVALID_ARGUMENT,
                          "max-parts and part-number-marker must be non-negative integers");
      return;
    }

  upload = ks_s3_upload_open (req->store, ks_s3_request_query (req, "uploadId"), req->key, &dir,
                              &error);
  if (upload != NULL)
    parts = ks_s3_upload_list_parts (dir, marker + 1, &error);
  if (parts == NULL)
    ks_s3_error_respond (req->msg, error);
  else
    respond_parts (req, parts, marker, max_parts);
}
