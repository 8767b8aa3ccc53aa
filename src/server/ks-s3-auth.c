/* ks-s3-auth.c: SigV4 on incoming S3 requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-s3-auth.h"
#include "ks-s3-error.h"

#define SERVICE "s3"

/**
 * ks_s3_auth_parse:
 * @path_prefix: (nullable): put before the path, as the client saw it
 *   before a reverse proxy took it off
 */
KsSigv4Request *
ks_s3_auth_parse (SoupServerMessage *msg,
                  const char        *path_prefix,
                  GError           **error)
{
  GUri               *uri = soup_server_message_get_uri (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char    *path = g_strconcat (path_prefix != NULL ? path_prefix : "",
                                       g_uri_get_path (uri), NULL);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KsSigv4Request) req = NULL;
  SoupMessageHeadersIter iter;
  const char            *name, *value;

  req = ks_sigv4_request_new_from_target (soup_server_message_get_method (msg), path,
                                          g_uri_get_query (uri), &local_error);
  if (req == NULL)
    {
      g_set_error (error, KS_S3_ERROR, KS_S3_ERROR_INVALID_URI,
                   "Couldn't parse the specified URI: %s", local_error->message);
      return NULL;
    }

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    ks_sigv4_request_add_header (req, name, value);

  return g_steal_pointer (&req);
}

static const char *
lookup_secret_cb (const char *access_key_id,
                  gpointer    user_data)
{
  const KsS3AuthConfig *config = user_data;

  if (!g_str_equal (access_key_id, config->access_key_id))
    return NULL;

  return config->secret_access_key;
}

static KsS3Error
translate_code (int      sigv4_code,
                gboolean presigned)
{
  switch ((KsSigv4Error) sigv4_code)
    {
    case KS_SIGV4_ERROR_MISSING_AUTH:
    case KS_SIGV4_ERROR_EXPIRED:
    case KS_SIGV4_ERROR_HEADER_NOT_SIGNED:
      return KS_S3_ERROR_ACCESS_DENIED;
    case KS_SIGV4_ERROR_MALFORMED:
    case KS_SIGV4_ERROR_BAD_CREDENTIAL_SCOPE:
    case KS_SIGV4_ERROR_BAD_EXPIRES:
      return presigned ? KS_S3_ERROR_AUTHORIZATION_QUERY_PARAMETERS_ERROR
                       : KS_S3_ERROR_AUTHORIZATION_HEADER_MALFORMED;
    case KS_SIGV4_ERROR_UNSUPPORTED_ALGORITHM:
      return KS_S3_ERROR_INVALID_ARGUMENT;
    case KS_SIGV4_ERROR_UNKNOWN_ACCESS_KEY:
      return KS_S3_ERROR_INVALID_ACCESS_KEY_ID;
    case KS_SIGV4_ERROR_TIME_SKEWED:
      return KS_S3_ERROR_REQUEST_TIME_TOO_SKEWED;
    case KS_SIGV4_ERROR_SIGNATURE_MISMATCH:
      return KS_S3_ERROR_SIGNATURE_DOES_NOT_MATCH;
    default:
      return KS_S3_ERROR_ACCESS_DENIED;
    }
}

/* S3's messages, with the verifier's detail where it helps the client. */
static void
translate_error (const GError         *sigv4_error,
                 const KsSigv4Request *req,
                 GError              **error)
{
  gboolean presigned = ks_sigv4_request_get_query (req, "X-Amz-Algorithm") != NULL ||
                       ks_sigv4_request_get_query (req, "X-Amz-Signature") != NULL;
  KsS3Error code = translate_code (sigv4_error->code, presigned);

  if (code == KS_S3_ERROR_SIGNATURE_DOES_NOT_MATCH)
    g_set_error_literal (error, KS_S3_ERROR, code,
                         "The request signature we calculated does not match the signature "
                         "you provided. Check your key and signing method.");
  else if (code == KS_S3_ERROR_INVALID_ACCESS_KEY_ID)
    g_set_error_literal (error, KS_S3_ERROR, code,
                         "The AWS Access Key Id you provided does not exist in our records.");
  else if (sigv4_error->code == KS_SIGV4_ERROR_EXPIRED)
    g_set_error (error, KS_S3_ERROR, code, "Request has expired: %s", sigv4_error->message);
  else
    g_set_error_literal (error, KS_S3_ERROR, code, sigv4_error->message);
}

static KsSigv4Auth *
verify_once (const KsSigv4Request *req,
             const KsS3AuthConfig *config,
             GError              **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  KsSigv4VerifyOptions opts = {
    .region = config->region,
    .service = SERVICE,
    .now = now,
    .lookup = lookup_secret_cb,
    .user_data = (gpointer) config,
  };

  return ks_sigv4_verify (req, &opts, error);
}

/**
 * ks_s3_auth_verify:
 *
 * A client that reached us through a reverse proxy signed the path with
 * the public URL's prefix, which the proxy took off; a client on the
 * listening address signed it without. Both are tried.
 */
KsSigv4Auth *
ks_s3_auth_verify (SoupServerMessage    *msg,
                   const KsSigv4Request *req,
                   const KsS3AuthConfig *config,
                   GError              **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KsSigv4Request) prefixed = NULL;
  KsSigv4Auth *auth = verify_once (req, config, &local_error);

  if (auth == NULL && config->path_prefix != NULL && *config->path_prefix != '\0' &&
      g_error_matches (local_error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_SIGNATURE_MISMATCH))
    {
      prefixed = ks_s3_auth_parse (msg, config->path_prefix, NULL);
      if (prefixed != NULL)
        auth = verify_once (prefixed, config, NULL);
    }

  if (auth == NULL)
    {
      g_debug ("S3 authentication failed: %s", local_error->message);
      translate_error (local_error, req, error);
    }

  return auth;
}
