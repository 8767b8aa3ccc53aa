/* ks-sigv4-verify.c: SigV4 verification, the server side
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-hash.h"
#include "ks-sigv4-private.h"

#define AMZ_DATE_LEN 16
#define SIGNATURE_HEX_LEN 64

/* Untrusted input echoed in an error message: short and printable. */
static char *
quote_input (const char *text)
{
  g_autofree char *head = g_strndup (text, 64);

  return g_strescape (head, NULL);
}

typedef struct
{
  gboolean presigned;
  char    *algorithm;
  char    *credential;
  char    *amz_date;
  char    *expires; /* presigned only */
  char    *signed_headers;
  char    *signature;
  char    *payload_hash; /* header auth only */
  char    *key_id;       /* the credential's parts */
  char    *date8;
  char    *region;
  char    *service;
  char    *terminator;
} AuthFields;

static void
auth_fields_clear (AuthFields *fields)
{
  g_free (fields->algorithm);
  g_free (fields->credential);
  g_free (fields->amz_date);
  g_free (fields->expires);
  g_free (fields->signed_headers);
  g_free (fields->signature);
  g_free (fields->payload_hash);
  g_free (fields->key_id);
  g_free (fields->date8);
  g_free (fields->region);
  g_free (fields->service);
  g_free (fields->terminator);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AuthFields, auth_fields_clear)

static gboolean
find_once (GPtrArray  *pairs,
           const char *name,
           gboolean    ignore_case,
           char      **out,
           GError    **error)
{
  const char *found = NULL;

  for (guint i = 0; i < pairs->len; i++)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (pairs, i);

      if (ignore_case ? g_ascii_strcasecmp (pair->name, name) != 0
                      : strcmp (pair->name, name) != 0)
        continue;
      if (found != NULL)
        {
          g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                       "%s appears more than once", name);
          return FALSE;
        }
      found = pair->value;
    }
  *out = g_strdup (found);

  return TRUE;
}

static gboolean
require_fields (const AuthFields *fields,
                GError          **error)
{
  const char *missing = NULL;

  if (fields->algorithm == NULL || *fields->algorithm == '\0')
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Missing signing algorithm");
      return FALSE;
    }
  if (strcmp (fields->algorithm, KS_SIGV4_ALGORITHM) != 0)
    {
      g_autofree char *quoted = quote_input (fields->algorithm);

      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_UNSUPPORTED_ALGORITHM,
                   "Unsupported signing algorithm “%s”", quoted);
      return FALSE;
    }
  if (fields->credential == NULL)
    missing = "Credential";
  else if (fields->signed_headers == NULL)
    missing = "SignedHeaders";
  else if (fields->signature == NULL)
    missing = "Signature";
  else if (fields->amz_date == NULL)
    missing = fields->presigned ? "X-Amz-Date" : "x-amz-date header";
  else if (fields->presigned && fields->expires == NULL)
    missing = "X-Amz-Expires";
  if (missing != NULL)
    g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                 "Missing %s", missing);

  return missing == NULL;
}

static gboolean
parse_presigned (const KsSigv4Request *req,
                 AuthFields           *f,
                 GError              **error)
{
  g_autofree char *token = NULL; /* only checked for duplicates */

  f->presigned = TRUE;

  return find_once (req->query, "X-Amz-Algorithm", FALSE, &f->algorithm, error) &&
         find_once (req->query, "X-Amz-Credential", FALSE, &f->credential, error) &&
         find_once (req->query, "X-Amz-Date", FALSE, &f->amz_date, error) &&
         find_once (req->query, "X-Amz-Expires", FALSE, &f->expires, error) &&
         find_once (req->query, "X-Amz-SignedHeaders", FALSE, &f->signed_headers, error) &&
         find_once (req->query, "X-Amz-Signature", FALSE, &f->signature, error) &&
         find_once (req->query, "X-Amz-Security-Token", FALSE, &token, error) &&
         require_fields (f, error);
}

static char **
slot_for_key (AuthFields *f,
              const char *key)
{
  if (strcmp (key, "Credential") == 0)
    return &f->credential;
  if (strcmp (key, "SignedHeaders") == 0)
    return &f->signed_headers;
  if (strcmp (key, "Signature") == 0)
    return &f->signature;

  return NULL;
}

/* "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" */
static gboolean
parse_authorization (const char *value,
                     AuthFields *f,
                     GError    **error)
{
  gsize alg_len = strcspn (value, " ");
  g_auto (GStrv) parts = NULL;

  f->algorithm = g_strndup (value, alg_len);
  if (strcmp (f->algorithm, KS_SIGV4_ALGORITHM) != 0)
    return require_fields (f, error);

  parts = g_strsplit (value + alg_len, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char  *part = g_strstrip (parts[i]);
      char  *eq = strchr (part, '=');
      char **slot;

      if (eq != NULL)
        *eq = '\0';
      slot = slot_for_key (f, part);
      if (eq == NULL || slot == NULL || *slot != NULL)
        {
          g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                       "Malformed Authorization header");
          return FALSE;
        }
      *slot = g_strdup (eq + 1);
    }

  return TRUE;
}

static gboolean
parse_header_auth (const KsSigv4Request *req,
                   AuthFields           *f,
                   GError              **error)
{
  g_autofree char *authorization = NULL;

  f->presigned = FALSE;

  return find_once (req->headers, "authorization", TRUE, &authorization, error) &&
         parse_authorization (authorization, f, error) &&
         find_once (req->headers, "x-amz-date", TRUE, &f->amz_date, error) &&
         find_once (req->headers, "x-amz-content-sha256", TRUE, &f->payload_hash, error) &&
         require_fields (f, error);
}

static gboolean
is_lower_hex (const char *text,
              gsize       len)
{
  if (strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (text[i]) && (text[i] < 'a' || text[i] > 'f'))
        return FALSE;
    }

  return TRUE;
}

static gboolean
valid_payload_hash (const char *value)
{
  return value != NULL && (is_lower_hex (value, SIGNATURE_HEX_LEN) ||
                           strcmp (value, KS_SIGV4_UNSIGNED_PAYLOAD) == 0);
}

static gboolean
parse_fields (const KsSigv4Request *req,
              AuthFields           *f,
              GError              **error)
{
  gboolean in_query = ks_sigv4_request_get_query (req, "X-Amz-Algorithm") != NULL ||
                      ks_sigv4_request_get_query (req, "X-Amz-Signature") != NULL ||
                      ks_sigv4_request_get_query (req, "X-Amz-Credential") != NULL;
  gboolean in_header = ks_sigv4_request_get_header (req, "authorization") != NULL;

  if (in_query == in_header)
    {
      g_set_error (error, KS_SIGV4_ERROR,
                   in_query ? KS_SIGV4_ERROR_MALFORMED : KS_SIGV4_ERROR_MISSING_AUTH,
                   in_query ? "Only one authentication mechanism is allowed"
                            : "The request is not signed");
      return FALSE;
    }
  if (!(in_query ? parse_presigned (req, f, error) : parse_header_auth (req, f, error)))
    return FALSE;

  if (!is_lower_hex (f->signature, SIGNATURE_HEX_LEN))
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Signature is not 64 lower-case hex digits");
      return FALSE;
    }
  /* Streaming (chunked) payload signatures are not supported. */
  if (!f->presigned && !valid_payload_hash (f->payload_hash))
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Missing or unsupported x-amz-content-sha256");
      return FALSE;
    }

  return TRUE;
}

static GDateTime *
parse_amz_date (const char *text)
{
  static const guint8 starts[] = { 0, 4, 6, 9, 11, 13 };
  int                 v[G_N_ELEMENTS (starts)] = { 0 };

  if (strlen (text) != AMZ_DATE_LEN || text[8] != 'T' || text[15] != 'Z')
    return NULL;
  for (guint field = 0; field < G_N_ELEMENTS (starts); field++)
    {
      guint end = starts[field] + (field == 0 ? 4u : 2u);

      for (guint i = starts[field]; i < end; i++)
        {
          if (!g_ascii_isdigit (text[i]))
            return NULL;
          v[field] = v[field] * 10 + (text[i] - '0');
        }
    }

  return g_date_time_new_utc (v[0], v[1], v[2], v[3], v[4], v[5]);
}

static gboolean
parse_credential (AuthFields *f,
                  GError    **error)
{
  g_auto (GStrv) parts = g_strsplit (f->credential, "/", -1);

  if (g_strv_length (parts) != 5 || *parts[0] == '\0')
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Credential is not <key>/<date>/<region>/<service>/aws4_request");
      return FALSE;
    }
  f->key_id = g_strdup (parts[0]);
  f->date8 = g_strdup (parts[1]);
  f->region = g_strdup (parts[2]);
  f->service = g_strdup (parts[3]);
  f->terminator = g_strdup (parts[4]);

  return TRUE;
}

static gboolean
check_scope_part (const char *what,
                  const char *got,
                  const char *expected,
                  GError    **error)
{
  g_autofree char *quoted = NULL;

  if (strcmp (got, expected) == 0)
    return TRUE;

  quoted = quote_input (got);
  g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_BAD_CREDENTIAL_SCOPE,
               "Credential %s “%s” should be “%s”", what, quoted, expected);
  return FALSE;
}

static gboolean
check_scope (const AuthFields           *f,
             const KsSigv4VerifyOptions *opts,
             GError                    **error)
{
  g_autofree char *date8 = g_strndup (f->amz_date, 8);

  return check_scope_part ("date", f->date8, date8, error) &&
         check_scope_part ("region", f->region, opts->region, error) &&
         check_scope_part ("service", f->service, opts->service, error) &&
         check_scope_part ("terminator", f->terminator, KS_SIGV4_SCOPE_TERMINATOR, error);
}

static gboolean
parse_expires (const char *text,
               gint64     *out_seconds,
               GError    **error)
{
  guint64 value = 0;

  if (strspn (text, "0123456789") != strlen (text) || strlen (text) > 7 ||
      !g_ascii_string_to_unsigned (text, 10, 1, KS_SIGV4_MAX_EXPIRES, &value, NULL))
    {
      g_autofree char *quoted = quote_input (text);

      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_BAD_EXPIRES,
                   "X-Amz-Expires “%s” is not 1 to %u seconds", quoted,
                   KS_SIGV4_MAX_EXPIRES);
      return FALSE;
    }
  *out_seconds = (gint64) value;

  return TRUE;
}

/* Lower-case header names, strictly ascending. */
static char **
parse_signed_headers (const char *text,
                      GError    **error)
{
  g_auto (GStrv) names = g_strsplit (text, ";", -1);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *lower = g_ascii_strdown (names[i], -1);

      if (!ks_sigv4_is_token (names[i]) || strcmp (lower, names[i]) != 0 ||
          (i > 0 && strcmp (names[i - 1], names[i]) >= 0))
        {
          g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                       "SignedHeaders must be sorted lower-case header names");
          return NULL;
        }
    }

  return g_steal_pointer (&names);
}

static gboolean
check_signed_headers (const KsSigv4Request *req,
                      const char *const    *names,
                      GError              **error)
{
  if (!g_strv_contains (names, "host"))
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_HEADER_NOT_SIGNED,
                   "The host header is not signed");
      return FALSE;
    }
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (ks_sigv4_request_get_header (req, names[i]) == NULL)
        {
          g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                       "Signed header %s is missing", names[i]);
          return FALSE;
        }
    }
  for (guint i = 0; i < req->headers->len; i++)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (req->headers, i);
      g_autofree char   *lname = g_ascii_strdown (pair->name, -1);

      if (g_str_has_prefix (lname, "x-amz-") && !g_strv_contains (names, lname))
        {
          g_autofree char *quoted = quote_input (lname);

          g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_HEADER_NOT_SIGNED,
                       "Header %s is present but not signed", quoted);
          return FALSE;
        }
    }

  return TRUE;
}

/* Only called with times no later than now, so always in range. */
static char *
format_unix (gint64 unix_time)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  return ks_sigv4_format_amz_date (time);
}

static gboolean
check_time (const AuthFields *f,
            gint64            signed_at,
            gint64            expires,
            gint64            now,
            gint64            skew,
            GError          **error)
{
  g_autofree char *now_text = format_unix (now);

  if (f->presigned && now > signed_at + expires)
    {
      g_autofree char *end = format_unix (signed_at + expires);

      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_EXPIRED,
                   "Signature expired at %s (now %s)", end, now_text);
      return FALSE;
    }
  if (f->presigned && now < signed_at - skew)
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_EXPIRED,
                   "Signature not yet valid: %s is later than %s", f->amz_date, now_text);
      return FALSE;
    }
  if (!f->presigned && (now > signed_at + skew || now < signed_at - skew))
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_TIME_SKEWED,
                   "Request time %s is too far from server time %s", f->amz_date, now_text);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_signature (const KsSigv4Request       *req,
                 const AuthFields           *f,
                 const char *const          *signed_headers,
                 const KsSigv4VerifyOptions *opts,
                 GError                    **error)
{
  const char      *secret = opts->lookup (f->key_id, opts->user_data);
  g_autofree char *scope = NULL;
  g_autofree char *creq = NULL;
  g_autofree char *sts = NULL;
  g_autofree char *expected = NULL;

  if (secret == NULL)
    {
      g_autofree char *quoted = quote_input (f->key_id);

      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_UNKNOWN_ACCESS_KEY,
                   "Unknown access key “%s”", quoted);
      return FALSE;
    }

  scope = g_strdup_printf ("%s/%s/%s/%s", f->date8, f->region, f->service, f->terminator);
  creq = ks_sigv4_build_canonical_request (req, KS_SIGV4_FLAVOR_S3, signed_headers,
                                           f->presigned ? KS_SIGV4_UNSIGNED_PAYLOAD : f->payload_hash);
  sts = ks_sigv4_string_to_sign (f->amz_date, scope, creq);
  expected = ks_sigv4_compute_signature (secret, f->amz_date, f->region, f->service, sts);
  if (!ks_streq_constant_time (expected, f->signature))
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_SIGNATURE_MISMATCH,
                   "The request signature does not match");
      return FALSE;
    }

  return TRUE;
}

void
ks_sigv4_auth_free (KsSigv4Auth *auth)
{
  if (auth == NULL)
    return;

  g_free (auth->access_key_id);
  g_strfreev (auth->signed_headers);
  g_free (auth->payload_hash);
  g_free (auth);
}

/* A presigned request's body is unsigned unless the signer also signed an
 * x-amz-content-sha256 header. */
static char *
auth_payload_hash (const KsSigv4Request *req,
                   const AuthFields     *f,
                   const char *const    *signed_headers)
{
  const char *header = ks_sigv4_request_get_header (req, "x-amz-content-sha256");

  if (!f->presigned)
    return g_strdup (f->payload_hash);
  if (header != NULL && g_strv_contains (signed_headers, "x-amz-content-sha256"))
    return g_strdup (header);

  return g_strdup (KS_SIGV4_UNSIGNED_PAYLOAD);
}

KsSigv4Auth *
ks_sigv4_verify (const KsSigv4Request       *received,
                 const KsSigv4VerifyOptions *opts,
                 GError                    **error)
{
  g_auto (AuthFields) f = { 0 };
  g_auto (GStrv) signed_headers = NULL;
  g_autoptr (GDateTime) signed_at = NULL;
  gint64       expires = 0;
  KsSigv4Auth *auth;

  g_return_val_if_fail (received != NULL && opts != NULL, NULL);
  g_return_val_if_fail (opts->region != NULL && opts->service != NULL, NULL);
  g_return_val_if_fail (opts->now != NULL && opts->lookup != NULL, NULL);

  if (!parse_fields (received, &f, error) ||
      !parse_credential (&f, error))
    return NULL;
  signed_at = parse_amz_date (f.amz_date);
  if (signed_at == NULL)
    {
      g_autofree char *quoted = quote_input (f.amz_date);

      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Invalid X-Amz-Date “%s”", quoted);
      return NULL;
    }
  if (!check_scope (&f, opts, error) ||
      (f.presigned && !parse_expires (f.expires, &expires, error)))
    return NULL;
  signed_headers = parse_signed_headers (f.signed_headers, error);
  if (signed_headers == NULL ||
      !check_signed_headers (received, (const char *const *) signed_headers, error) ||
      !check_time (&f, g_date_time_to_unix (signed_at), expires,
                   g_date_time_to_unix (opts->now),
                   opts->max_skew_seconds != 0 ? opts->max_skew_seconds : KS_SIGV4_DEFAULT_SKEW,
                   error) ||
      !check_signature (received, &f, (const char *const *) signed_headers, opts, error))
    return NULL;

  auth = g_new0 (KsSigv4Auth, 1);
  auth->access_key_id = g_strdup (f.key_id);
  auth->payload_hash = auth_payload_hash (received, &f, (const char *const *) signed_headers);
  auth->signed_headers = g_steal_pointer (&signed_headers);
  auth->presigned = f.presigned;
  auth->expires_at_unix = f.presigned ? g_date_time_to_unix (signed_at) + expires : 0;

  return auth;
}
