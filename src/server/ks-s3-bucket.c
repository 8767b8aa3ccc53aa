/* ks-s3-bucket.c: ListBuckets, ListObjects (V1 and V2), and the bucket
 * requests clients make before they upload
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-s3-private.h"

#define DEFAULT_MAX_KEYS 1000
#define OWNER_ID "keepsake"

/* Bucket sub-resources a client may ask about; none is supported. */
static const char *const unsupported_subresources[] = {
  "acl",
  "cors",
  "delete",
  "encryption",
  "lifecycle",
  "logging",
  "notification",
  "policy",
  "replication",
  "tagging",
  "uploads",
  "versioning",
  "versions",
  "website",
  "object-lock",
  "ownershipControls",
  "publicAccessBlock",
  "accelerate",
  "requestPayment",
  NULL,
};

typedef struct
{
  gboolean      v2;
  gboolean      url_encode;
  KsS3ListQuery query;
  const char   *start_after;
  const char   *token; /* as sent */
  char         *after; /* owned: from the token */
} ListRequest;

static gboolean
parse_max_keys (const char *text,
                guint      *out,
                GError    **error)
{
  guint64 value = 0;

  if (text == NULL)
    {
      *out = DEFAULT_MAX_KEYS;
      return TRUE;
    }
  if (strspn (text, "0123456789") != strlen (text) || strlen (text) > 10 ||
      !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &value, NULL))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                           "Provided max-keys not an integer or within integer range");
      return FALSE;
    }
  *out = (guint) MIN (value, DEFAULT_MAX_KEYS);

  return TRUE;
}

/* Continuation tokens are the last key or prefix sent, base64url. */
static char *
decode_token (const char *token,
              GError    **error)
{
  gsize              len = 0;
  g_autofree guint8 *data = ks_base64url_decode (token, &len, NULL);

  if (data == NULL || len == 0 || len > KS_S3_MAX_KEY_BYTES ||
      memchr (data, '\0', len) != NULL || !g_utf8_validate ((char *) data, (gssize) len, NULL))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                           "The continuation token provided is incorrect");
      return NULL;
    }

  return g_strndup ((char *) data, len);
}

static gboolean
parse_list_request (KsS3Request *req,
                    ListRequest *list,
                    GError     **error)
{
  const char *encoding = ks_s3_request_query (req, "encoding-type");
  const char *prefix = ks_s3_request_query (req, "prefix");

  list->v2 = g_strcmp0 (ks_s3_request_query (req, "list-type"), "2") == 0;
  list->query.prefix = prefix != NULL ? prefix : "";
  list->query.delimiter = ks_s3_request_query (req, "delimiter");
  if (encoding != NULL && !g_str_equal (encoding, "url"))
    {
      g_set_error_literal (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_ARGUMENT,
                           "Invalid Encoding Method specified in Request");
      return FALSE;
    }
  list->url_encode = encoding != NULL;
  if (!parse_max_keys (ks_s3_request_query (req, "max-keys"), &list->query.max_keys, error))
    return FALSE;

  if (!list->v2)
    {
      list->query.after = ks_s3_request_query (req, "marker");
      return TRUE;
    }

  list->start_after = ks_s3_request_query (req, "start-after");
  list->token = ks_s3_request_query (req, "continuation-token");
  if (list->token != NULL && (list->after = decode_token (list->token, error)) == NULL)
    return FALSE;
  list->query.after = list->after != NULL ? list->after : list->start_after;

  return TRUE;
}

/* With encoding-type=url, every key-like value is URI-encoded ('/' kept). */
static void
add_key_like (GString     *xml,
              ListRequest *list,
              const char  *name,
              const char  *value)
{
  g_autofree char *encoded = NULL;

  if (list->url_encode && value != NULL)
    encoded = ks_uri_encode (value, FALSE);
  ks_s3_xml_add (xml, name, encoded != NULL ? encoded : value);
}

static void
add_contents (GString         *xml,
              ListRequest     *list,
              const KsS3Entry *entry)
{
  ks_s3_xml_open (xml, "Contents");
  add_key_like (xml, list, "Key", entry->key);
  ks_s3_xml_add_time (xml, "LastModified", entry->mtime_unix);
  ks_s3_xml_add (xml, "ETag", entry->etag);
  ks_s3_xml_add_uint (xml, "Size", entry->size);
  ks_s3_xml_add (xml, "StorageClass", "STANDARD");
  if (!list->v2)
    {
      ks_s3_xml_open (xml, "Owner");
      ks_s3_xml_add (xml, "ID", OWNER_ID);
      ks_s3_xml_add (xml, "DisplayName", OWNER_ID);
      ks_s3_xml_close (xml, "Owner");
    }
  ks_s3_xml_close (xml, "Contents");
}

static void
add_list_header (GString              *xml,
                 KsS3Request          *req,
                 ListRequest          *list,
                 const KsS3ListResult *result)
{
  ks_s3_xml_add (xml, "Name", req->store->bucket);
  add_key_like (xml, list, "Prefix", list->query.prefix);
  if (list->query.delimiter != NULL)
    add_key_like (xml, list, "Delimiter", list->query.delimiter);
  ks_s3_xml_add_uint (xml, "MaxKeys", list->query.max_keys);
  if (list->url_encode)
    ks_s3_xml_add (xml, "EncodingType", "url");
  ks_s3_xml_add_bool (xml, "IsTruncated", result->truncated);

  if (!list->v2)
    {
      add_key_like (xml, list, "Marker", list->query.after);
      if (result->truncated)
        add_key_like (xml, list, "NextMarker", result->last);
      return;
    }

  ks_s3_xml_add_uint (xml, "KeyCount", result->contents->len + result->prefixes->len);
  if (list->start_after != NULL)
    add_key_like (xml, list, "StartAfter", list->start_after);
  if (list->token != NULL)
    ks_s3_xml_add (xml, "ContinuationToken", list->token);
  if (result->truncated)
    {
      g_autofree char *next = ks_base64url_encode ((const guint8 *) result->last,
                                                   strlen (result->last));

      ks_s3_xml_add (xml, "NextContinuationToken", next);
    }
}

static void
list_objects (KsS3Request *req)
{
  ListRequest list = { 0 };
  g_auto (KsS3ListResult) result = { 0 };
  g_autoptr (GError) error = NULL;
  GString *xml;

  if (!parse_list_request (req, &list, &error))
    {
      ks_s3_error_respond (req->msg, error);
      g_free (list.after);
      return;
    }

  ks_s3_index_list (req->store->index, &list.query, &result);

  xml = ks_s3_xml_begin ("ListBucketResult");
  add_list_header (xml, req, &list, &result);
  for (guint i = 0; i < result.contents->len; i++)
    add_contents (xml, &list, g_ptr_array_index (result.contents, i));
  for (guint i = 0; i < result.prefixes->len; i++)
    {
      ks_s3_xml_open (xml, "CommonPrefixes");
      add_key_like (xml, &list, "Prefix", g_ptr_array_index (result.prefixes, i));
      ks_s3_xml_close (xml, "CommonPrefixes");
    }
  ks_s3_xml_respond (req->msg, SOUP_STATUS_OK, xml, "ListBucketResult");
  g_free (list.after);
}

static void
list_buckets (KsS3Request *req)
{
  GString *xml = ks_s3_xml_begin ("ListAllMyBucketsResult");

  ks_s3_xml_open (xml, "Owner");
  ks_s3_xml_add (xml, "ID", OWNER_ID);
  ks_s3_xml_add (xml, "DisplayName", OWNER_ID);
  ks_s3_xml_close (xml, "Owner");
  ks_s3_xml_open (xml, "Buckets");
  ks_s3_xml_open (xml, "Bucket");
  ks_s3_xml_add (xml, "Name", req->store->bucket);
  ks_s3_xml_add_time (xml, "CreationDate", 0);
  ks_s3_xml_close (xml, "Bucket");
  ks_s3_xml_close (xml, "Buckets");
  ks_s3_xml_respond (req->msg, SOUP_STATUS_OK, xml, "ListAllMyBucketsResult");
}

/* S3 says nothing for us-east-1, the region's name elsewhere. */
static void
get_location (KsS3Request *req)
{
  const char *region = req->store->auth.region;
  GString    *xml = ks_s3_xml_begin ("LocationConstraint");

  if (!g_str_equal (region, "us-east-1"))
    {
      g_autofree char *escaped = g_markup_escape_text (region, -1);

      g_string_append (xml, escaped);
    }
  ks_s3_xml_respond (req->msg, SOUP_STATUS_OK, xml, "LocationConstraint");
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

static void
bucket_get (KsS3Request *req)
{
  if (ks_s3_request_query (req, "location") != NULL)
    get_location (req);
  else if (has_unsupported_subresource (req))
    ks_s3_request_fail (req, KS_S3_ERROR_NOT_IMPLEMENTED,
                        "A query you provided implies functionality that is not implemented");
  else
    ks_s3_store_when_indexed (req, list_objects);
}

/* The one bucket always exists: creating it again is fine (as S3 says in
 * us-east-1), deleting it is not. */
void
ks_s3_bucket_handle (KsS3Request *req)
{
  const char *method = soup_server_message_get_method (req->msg);

  if (req->bucket == NULL && g_str_equal (method, SOUP_METHOD_GET))
    list_buckets (req);
  else if (req->bucket == NULL)
    ks_s3_request_fail (req, KS_S3_ERROR_METHOD_NOT_ALLOWED,
                        "The specified method is not allowed against this resource");
  else if (g_str_equal (method, SOUP_METHOD_GET))
    bucket_get (req);
  else if (g_str_equal (method, SOUP_METHOD_HEAD))
    soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  else if (g_str_equal (method, SOUP_METHOD_PUT) && !has_unsupported_subresource (req))
    soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  else if (g_str_equal (method, SOUP_METHOD_DELETE) && !has_unsupported_subresource (req))
    ks_s3_request_fail (req, KS_S3_ERROR_ACCESS_DENIED, "This server's bucket cannot be deleted");
  else if (has_unsupported_subresource (req))
    ks_s3_request_fail (req, KS_S3_ERROR_NOT_IMPLEMENTED,
                        "A query you provided implies functionality that is not implemented");
  else
    ks_s3_request_fail (req, KS_S3_ERROR_METHOD_NOT_ALLOWED,
                        "The specified method is not allowed against this resource");
}
