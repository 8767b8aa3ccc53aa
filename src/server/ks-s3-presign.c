/* ks-s3-presign.c: presigned URLs for the built-in store or a bucket, fast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <time.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-s3-presign.h"
#include "ks-server-urls.h"

/*
 * Every prepare and every photo read presigns two to four URLs, so this
 * is on the API's hot path. ks_sigv4_presign_url() is the reference; this
 * writes the same URL for the few shapes the API asks for, but derives
 * the signing key once a day and parses the bucket's URL once, and
 * builds the canonical request in one buffer. test-s3-store checks that
 * both give the same URL, byte for byte.
 */

struct _KsS3Presigner
{
  GMutex mutex;
  char  *access_key_id;
  char  *secret;
  char  *session_token; /* nullable; URI-encoded */
  char  *region;

  /* From the bucket's URL: */
  char *base;       /* nullable until set; scheme://host[:port], the
                     * default port left out */
  const char *host; /* the Host header: points into base */
  char       *path; /* URI-encoded, ends in "/": keys go after it */

  /* For one day: */
  char   date8[9];
  guint8 signing_key[KS_SHA256_LEN];
  char  *scope;      /* {date8}/{region}/s3/aws4_request */
  char  *credential; /* "{access key id}/{scope}", URI-encoded */
};

/* Signs with @creds (their service is always "s3"). */
KsS3Presigner *
ks_s3_presigner_new (const KsSigv4Credentials *creds)
{
  KsS3Presigner *self = g_new0 (KsS3Presigner, 1);

  g_mutex_init (&self->mutex);
  self->access_key_id = g_strdup (creds->access_key_id);
  self->secret = g_strdup (creds->secret_access_key);
  if (creds->session_token != NULL)
    self->session_token = ks_uri_encode (creds->session_token, TRUE);
  self->region = g_strdup (creds->region);

  return self;
}

void
ks_s3_presigner_free (KsS3Presigner *self)
{
  if (self == NULL)
    return;

  g_mutex_clear (&self->mutex);
  g_free (self->access_key_id);
  g_free (self->secret);
  g_free (self->session_token);
  g_free (self->region);
  g_free (self->base);
  g_free (self->path);
  g_free (self->scope);
  g_free (self->credential);
  g_free (self);
}

/* Like ks_uri_encode() with "/" kept, without a copy for the usual key. */
static void
append_encoded (GString    *out,
                const char *text,
                gboolean    encode_slash)
{
  gsize plain = strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/");

  if (text[plain] == '\0' && (!encode_slash || strchr (text, '/') == NULL))
    {
      g_string_append_len (out, text, (gssize) plain);
      return;
    }

  {
    g_autofree char *encoded = ks_uri_encode (text, encode_slash);

    g_string_append (out, encoded);
  }
}

/**
 * ks_s3_presigner_set_bucket_url:
 * @bucket_url: where the bucket's keys are, "{scheme}://{host}[:{port}]/
 *   {path}/": path style ("…/{bucket}/") or virtual-hosted
 *   ("https://{bucket}.s3.{region}.amazonaws.com/"); its path unescaped
 *   and escaped again as SigV4 wants it
 *
 * Thread-safe: URLs signed after it returns use it.
 *
 * Returns: FALSE for a URL that cannot be parsed
 */
gboolean
ks_s3_presigner_set_bucket_url (KsS3Presigner *self,
                                const char    *bucket_url)
{
  g_autoptr (GUri) uri = g_uri_parse (bucket_url, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GString) encoded = g_string_new (NULL);
  const char *scheme;
  int         port;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  port = g_uri_get_port (uri);
  if ((g_str_equal (scheme, "http") && port == 80) || (g_str_equal (scheme, "https") && port == 443))
    port = -1;

  path = g_uri_unescape_string (g_uri_get_path (uri), NULL);
  if (path == NULL)
    return FALSE;
  append_encoded (encoded, path, FALSE);
  if (encoded->len == 0 || encoded->str[encoded->len - 1] != '/')
    g_string_append_c (encoded, '/');

  locker = g_mutex_locker_new (&self->mutex);
  g_free (self->base);
  self->base = g_uri_join (G_URI_FLAGS_ENCODED, scheme, NULL, g_uri_get_host (uri), port, "",
                           NULL, NULL);
  self->host = self->base + strlen (scheme) + 3;
  g_free (self->path);
  self->path = g_string_free (g_steal_pointer (&encoded), FALSE);
  return TRUE;
}

static void
update_day (KsS3Presigner *self,
            const char    *amz_date)
{
  g_autofree char *credential = NULL;

  memcpy (self->date8, amz_date, 8);
  self->date8[8] = '\0';
  ks_sigv4_signing_key (self->secret, self->date8, self->region, "s3", self->signing_key);

  g_free (self->scope);
  self->scope = g_strdup_printf ("%s/%s/s3/aws4_request", self->date8, self->region);
  credential = g_strdup_printf ("%s/%s", self->access_key_id, self->scope);
  g_free (self->credential);
  self->credential = ks_uri_encode (credential, TRUE);
}

/* The signed headers, each "name:value\n", and their names. */
static void
append_headers (GString                  *out,
                GString                  *names,
                const char               *host,
                const KsS3PresignOptions *options)
{
  if (options != NULL && options->content_length >= 0)
    {
      g_string_append_printf (out, "content-length:%" G_GINT64_FORMAT "\n", options->content_length);
      g_string_append (names, "content-length;");
    }
  g_string_append_printf (out, "host:%s\n", host);
  g_string_append (names, "host");
  if (options != NULL && options->checksum_sha256 != NULL)
    {
      gsize              len = 0;
      g_autofree guint8 *digest = ks_hex_decode (options->checksum_sha256, &len, NULL);
      g_autofree char   *base64 = NULL;

      g_return_if_fail (digest != NULL && len == KS_SHA256_LEN);
      base64 = ks_base64_encode (digest, len);
      g_string_append_printf (out, "x-amz-checksum-sha256:%s\n", base64);
      g_string_append (names, ";x-amz-checksum-sha256");
    }
}

/* The canonical query, which is also the URL's query without the
 * signature: parameters sorted by name, "X-Amz-…" before the lower-case
 * ones. */
static void
append_query (GString                  *out,
              KsS3Presigner            *self,
              const char               *amz_date,
              guint                     expires_seconds,
              const char               *signed_names,
              const KsS3PresignOptions *options)
{
  g_string_append_printf (out,
                          "X-Amz-Algorithm=" KS_SIGV4_ALGORITHM "&X-Amz-Credential=%s"
                          "&X-Amz-Date=%s&X-Amz-Expires=%u",
                          self->credential, amz_date, expires_seconds);
  if (self->session_token != NULL)
    g_string_append_printf (out, "&X-Amz-Security-Token=%s", self->session_token);
  g_string_append (out, "&X-Amz-SignedHeaders=");
  for (const char *p = signed_names; *p != '\0'; p++)
    {
      if (*p == ';')
        g_string_append (out, "%3B");
      else
        g_string_append_c (out, *p);
    }

  if (options != NULL && options->upload_id != NULL)
    {
      if (options->part_number != 0)
        g_string_append_printf (out, "&partNumber=%u", options->part_number);
      g_string_append (out, "&uploadId=");
      append_encoded (out, options->upload_id, TRUE);
    }
}

/**
 * ks_s3_presigner_sign:
 * @options: (nullable): what else to bind into the signature
 * @now_unix: the signing time
 *
 * Thread-safe.
 *
 * Returns: (transfer full) (nullable): the URL, NULL for a bad argument
 *   or before a bucket URL is set
 */
char *
ks_s3_presigner_sign (KsS3Presigner            *self,
                      const char               *method,
                      const char               *key,
                      guint                     expires_seconds,
                      const KsS3PresignOptions *options,
                      gint64                    now_unix)
{
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (GString) path = NULL;
  g_autoptr (GString) query = NULL;
  g_autoptr (GString) names = g_string_new (NULL);
  g_autoptr (GString) headers = g_string_new (NULL);
  g_autofree char *creq = NULL;
  g_autofree char *creq_hash = NULL;
  g_autofree char *sts = NULL;
  char             amz_date[17];
  guint8           mac[KS_SHA256_LEN];
  g_autofree char *signature = NULL;
  time_t           t = (time_t) now_unix;
  struct tm        tm;

  g_return_val_if_fail (method != NULL && key != NULL, NULL);
  g_return_val_if_fail (expires_seconds >= 1 && expires_seconds <= KS_SIGV4_MAX_EXPIRES, NULL);

  if (gmtime_r (&t, &tm) == NULL || strftime (amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm) != 16)
    g_return_val_if_reached (NULL);

  locker = g_mutex_locker_new (&self->mutex);
  g_return_val_if_fail (self->base != NULL, NULL);
  if (self->scope == NULL || memcmp (self->date8, amz_date, 8) != 0)
    update_day (self, amz_date);

  path = g_string_new (self->path);
  append_encoded (path, key, FALSE);
  query = g_string_sized_new (512);

  append_headers (headers, names, self->host, options);
  append_query (query, self, amz_date, expires_seconds, names->str, options);
  creq = g_strconcat (method, "\n", path->str, "\n", query->str, "\n", headers->str, "\n",
                      names->str, "\n" KS_SIGV4_UNSIGNED_PAYLOAD, NULL);

  creq_hash = ks_sha256_hex (creq, strlen (creq));
  sts = g_strconcat (KS_SIGV4_ALGORITHM "\n", amz_date, "\n", self->scope, "\n", creq_hash, NULL);
  ks_hmac_sha256 (self->signing_key, sizeof self->signing_key, sts, strlen (sts), mac);
  signature = ks_hex_encode (mac, sizeof mac);

  return g_strconcat (self->base, path->str, "?", query->str, "&X-Amz-Signature=", signature, NULL);
}
