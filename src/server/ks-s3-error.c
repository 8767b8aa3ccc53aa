/* ks-s3-error.c: S3 error codes, statuses and <Error> replies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-s3-error.h"
#include "ks-s3-xml.h"

G_DEFINE_QUARK (ks_s3_error_quark, ks_s3_error)

typedef struct
{
  guint       status;
  const char *name;
} ErrorInfo;

/* Indexed by KsS3Error; the statuses are the ones S3 documents. */
static const ErrorInfo error_infos[] = {
  [KS_S3_ERROR_INTERNAL] = { SOUP_STATUS_INTERNAL_SERVER_ERROR, "InternalError" },
  [KS_S3_ERROR_ACCESS_DENIED] = { SOUP_STATUS_FORBIDDEN, "AccessDenied" },
  [KS_S3_ERROR_SIGNATURE_DOES_NOT_MATCH] = { SOUP_STATUS_FORBIDDEN, "SignatureDoesNotMatch" },
  [KS_S3_ERROR_REQUEST_TIME_TOO_SKEWED] = { SOUP_STATUS_FORBIDDEN, "RequestTimeTooSkewed" },
  [KS_S3_ERROR_INVALID_ACCESS_KEY_ID] = { SOUP_STATUS_FORBIDDEN, "InvalidAccessKeyId" },
  [KS_S3_ERROR_AUTHORIZATION_HEADER_MALFORMED] = { SOUP_STATUS_BAD_REQUEST, "AuthorizationHeaderMalformed" },
  [KS_S3_ERROR_AUTHORIZATION_QUERY_PARAMETERS_ERROR] = { SOUP_STATUS_BAD_REQUEST, "AuthorizationQueryParametersError" },
  [KS_S3_ERROR_NO_SUCH_KEY] = { SOUP_STATUS_NOT_FOUND, "NoSuchKey" },
  [KS_S3_ERROR_NO_SUCH_BUCKET] = { SOUP_STATUS_NOT_FOUND, "NoSuchBucket" },
  [KS_S3_ERROR_NO_SUCH_UPLOAD] = { SOUP_STATUS_NOT_FOUND, "NoSuchUpload" },
  [KS_S3_ERROR_INVALID_PART] = { SOUP_STATUS_BAD_REQUEST, "InvalidPart" },
  [KS_S3_ERROR_INVALID_PART_ORDER] = { SOUP_STATUS_BAD_REQUEST, "InvalidPartOrder" },
  [KS_S3_ERROR_ENTITY_TOO_SMALL] = { SOUP_STATUS_BAD_REQUEST, "EntityTooSmall" },
  [KS_S3_ERROR_ENTITY_TOO_LARGE] = { SOUP_STATUS_BAD_REQUEST, "EntityTooLarge" },
  [KS_S3_ERROR_INVALID_RANGE] = { SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, "InvalidRange" },
  [KS_S3_ERROR_BAD_DIGEST] = { SOUP_STATUS_BAD_REQUEST, "BadDigest" },
  [KS_S3_ERROR_INVALID_DIGEST] = { SOUP_STATUS_BAD_REQUEST, "InvalidDigest" },
  [KS_S3_ERROR_CONTENT_SHA256_MISMATCH] = { SOUP_STATUS_BAD_REQUEST, "XAmzContentSHA256Mismatch" },
  [KS_S3_ERROR_INCOMPLETE_BODY] = { SOUP_STATUS_BAD_REQUEST, "IncompleteBody" },
  [KS_S3_ERROR_MALFORMED_XML] = { SOUP_STATUS_BAD_REQUEST, "MalformedXML" },
  [KS_S3_ERROR_INVALID_ARGUMENT] = { SOUP_STATUS_BAD_REQUEST, "InvalidArgument" },
  [KS_S3_ERROR_INVALID_REQUEST] = { SOUP_STATUS_BAD_REQUEST, "InvalidRequest" },
  [KS_S3_ERROR_INVALID_URI] = { SOUP_STATUS_BAD_REQUEST, "InvalidURI" },
  [KS_S3_ERROR_KEY_TOO_LONG] = { SOUP_STATUS_BAD_REQUEST, "KeyTooLongError" },
  [KS_S3_ERROR_METHOD_NOT_ALLOWED] = { SOUP_STATUS_METHOD_NOT_ALLOWED, "MethodNotAllowed" },
  [KS_S3_ERROR_NOT_IMPLEMENTED] = { SOUP_STATUS_NOT_IMPLEMENTED, "NotImplemented" },
  [KS_S3_ERROR_OPERATION_ABORTED] = { SOUP_STATUS_CONFLICT, "OperationAborted" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_infos) == KS_S3_ERROR_OPERATION_ABORTED + 1);

guint
ks_s3_error_get_status (KsS3Error code)
{
  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (error_infos), SOUP_STATUS_INTERNAL_SERVER_ERROR);

  return error_infos[code].status;
}

const char *
ks_s3_error_get_name (KsS3Error code)
{
  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (error_infos), "InternalError");

  return error_infos[code].name;
}

/**
 * ks_s3_error_respond:
 * @error: a %KS_S3_ERROR; any other error is logged and answered as
 *   InternalError, its message kept from the client
 *
 * Replies <Error><Code/><Message/><Resource/><RequestId/></Error> with the
 * code's status (headers only for HEAD).
 */
void
ks_s3_error_respond (SoupServerMessage *msg,
                     const GError      *error)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  KsS3Error           code = KS_S3_ERROR_INTERNAL;
  const char         *message = "We encountered an internal error. Please try again.";
  GString            *xml;

  if (error->domain == KS_S3_ERROR)
    {
      code = (KsS3Error) error->code;
      message = error->message;
    }
  else
    {
      g_warning ("S3 request %s failed: %s",
                 g_uri_get_path (soup_server_message_get_uri (msg)), error->message);
    }

  xml = ks_s3_xml_begin ("Error");
  ks_s3_xml_add (xml, "Code", ks_s3_error_get_name (code));
  ks_s3_xml_add (xml, "Message", message);
  ks_s3_xml_add (xml, "Resource", g_uri_get_path (soup_server_message_get_uri (msg)));
  ks_s3_xml_add (xml, "RequestId", soup_message_headers_get_one (headers, "x-amz-request-id"));
  ks_s3_xml_respond (msg, ks_s3_error_get_status (code), xml, "Error");
}
