/* ks-sigv4.c: AWS Signature Version 4: requests, canonical form, signing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-sigv4-private.h"

G_DEFINE_QUARK (ks_sigv4_error_quark, ks_sigv4_error)

static KsSigv4Pair *
pair_new (const char *name,
          const char *value)
{
  KsSigv4Pair *pair = g_new (KsSigv4Pair, 1);

  pair->name = g_strdup (name);
  pair->value = g_strdup (value != NULL ? value : "");

  return pair;
}

static void
pair_free (gpointer data)
{
  KsSigv4Pair *pair = data;

  g_free (pair->name);
  g_free (pair->value);
  g_free (pair);
}

static int
pair_cmp (gconstpointer a,
          gconstpointer b)
{
  const KsSigv4Pair *pa = *(KsSigv4Pair *const *) a;
  const KsSigv4Pair *pb = *(KsSigv4Pair *const *) b;
  int                c = strcmp (pa->name, pb->name);

  return c != 0 ? c : strcmp (pa->value, pb->value);
}

static int
str_ptr_cmp (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Request */

KsSigv4Request *
ks_sigv4_request_new (const char *method,
                      const char *path)
{
  KsSigv4Request *req;

  g_return_val_if_fail (method != NULL && path != NULL, NULL);

  req = g_new0 (KsSigv4Request, 1);
  req->method = g_strdup (method);
  req->path = g_strdup (path);
  req->query = g_ptr_array_new_with_free_func (pair_free);
  req->headers = g_ptr_array_new_with_free_func (pair_free);

  return req;
}

void
ks_sigv4_request_free (KsSigv4Request *req)
{
  if (req == NULL)
    return;

  g_free (req->method);
  g_free (req->path);
  g_ptr_array_unref (req->query);
  g_ptr_array_unref (req->headers);
  g_free (req->payload_hash);
  g_free (req);
}

gboolean
ks_sigv4_is_token (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
        return FALSE;
    }

  return TRUE;
}

static char *
decode_component (const char *text,
                  gssize      len,
                  const char *what,
                  GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *decoded = ks_uri_decode (text, len, &local_error);

  if (decoded == NULL)
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Invalid %s: %s", what, local_error->message);
      return NULL;
    }
  if (!g_utf8_validate (decoded, -1, NULL))
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Invalid %s: not UTF-8", what);
      return NULL;
    }

  return g_steal_pointer (&decoded);
}

static gboolean
parse_query (KsSigv4Request *req,
             const char     *raw_query,
             GError        **error)
{
  g_auto (GStrv) parts = g_strsplit (raw_query, "&", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char      *eq = strchr (parts[i], '=');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (*parts[i] == '\0')
        continue;
      name = decode_component (parts[i], eq != NULL ? eq - parts[i] : -1,
                               "query parameter name", error);
      if (name == NULL)
        return FALSE;
      value = decode_component (eq != NULL ? eq + 1 : "", -1,
                                "query parameter value", error);
      if (value == NULL)
        return FALSE;
      g_ptr_array_add (req->query, pair_new (name, value));
    }

  return TRUE;
}

/* '+' in a query stays a '+': SigV4 clients percent-encode spaces. */
KsSigv4Request *
ks_sigv4_request_new_from_target (const char *method,
                                  const char *raw_path,
                                  const char *raw_query,
                                  GError    **error)
{
  g_autoptr (KsSigv4Request) req = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (method != NULL && raw_path != NULL, NULL);

  if (!ks_sigv4_is_token (method) || raw_path[0] != '/')
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   ks_sigv4_is_token (method) ? "Request path must start with '/'"
                                              : "Invalid request method");
      return NULL;
    }
  path = decode_component (raw_path, -1, "request path", error);
  if (path == NULL)
    return NULL;

  req = ks_sigv4_request_new (method, path);
  if (raw_query != NULL && !parse_query (req, raw_query, error))
    return NULL;

  return g_steal_pointer (&req);
}

void
ks_sigv4_request_add_query (KsSigv4Request *req,
                            const char     *name,
                            const char     *value)
{
  g_return_if_fail (req != NULL && name != NULL);

  g_ptr_array_add (req->query, pair_new (name, value));
}

void
ks_sigv4_request_add_header (KsSigv4Request *req,
                             const char     *name,
                             const char     *value)
{
  g_return_if_fail (req != NULL && name != NULL);

  g_ptr_array_add (req->headers, pair_new (name, value));
}

void
ks_sigv4_request_set_payload_hash (KsSigv4Request *req,
                                   const char     *hex_or_unsigned_payload)
{
  g_return_if_fail (req != NULL);

  g_free (req->payload_hash);
  req->payload_hash = g_strdup (hex_or_unsigned_payload);
}

const char *
ks_sigv4_request_get_method (const KsSigv4Request *req)
{
  g_return_val_if_fail (req != NULL, NULL);

  return req->method;
}

const char *
ks_sigv4_request_get_path (const KsSigv4Request *req)
{
  g_return_val_if_fail (req != NULL, NULL);

  return req->path;
}

const char *
ks_sigv4_request_get_query (const KsSigv4Request *req,
                            const char           *name)
{
  g_return_val_if_fail (req != NULL && name != NULL, NULL);

  for (guint i = 0; i < req->query->len; i++)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (req->query, i);

      if (strcmp (pair->name, name) == 0)
        return pair->value;
    }

  return NULL;
}

const char *
ks_sigv4_request_get_header (const KsSigv4Request *req,
                             const char           *name)
{
  g_return_val_if_fail (req != NULL && name != NULL, NULL);

  for (guint i = 0; i < req->headers->len; i++)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (req->headers, i);

      if (g_ascii_strcasecmp (pair->name, name) == 0)
        return pair->value;
    }

  return NULL;
}

static void
remove_matching (GPtrArray  *pairs,
                 const char *name,
                 gboolean    ignore_case)
{
  for (guint i = pairs->len; i > 0; i--)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (pairs, i - 1);

      if (ignore_case ? g_ascii_strcasecmp (pair->name, name) == 0
                      : strcmp (pair->name, name) == 0)
        g_ptr_array_remove_index (pairs, i - 1);
    }
}

static void
set_header (KsSigv4Request *req,
            const char     *name,
            const char     *value)
{
  remove_matching (req->headers, name, TRUE);
  g_ptr_array_add (req->headers, pair_new (name, value));
}

static const char *
payload_hash (const KsSigv4Request *req)
{
  return req->payload_hash != NULL ? req->payload_hash : KS_SIGV4_EMPTY_SHA256;
}

/* Canonical request */

/* Like Python's posixpath.normpath, as the AWS test suite expects, keeping
 * a trailing slash. */
static char *
normalize_path (const char *path)
{
  g_auto (GStrv) segments = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new ();
  GString *out = g_string_new (NULL);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      if (*segments[i] == '\0' || strcmp (segments[i], ".") == 0)
        continue;
      if (strcmp (segments[i], "..") != 0)
        g_ptr_array_add (kept, segments[i]);
      else if (kept->len > 0)
        g_ptr_array_remove_index (kept, kept->len - 1);
    }
  for (guint i = 0; i < kept->len; i++)
    g_string_append_printf (out, "/%s", (const char *) g_ptr_array_index (kept, i));
  if (out->len == 0 || g_str_has_suffix (path, "/"))
    g_string_append_c (out, '/');

  return g_string_free (out, FALSE);
}

char *
ks_sigv4_encode_path (const char   *path,
                      KsSigv4Flavor flavor)
{
  g_autofree char *prepared = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  switch (flavor)
    {
    case KS_SIGV4_FLAVOR_S3:
      prepared = g_strconcat (path[0] == '/' ? "" : "/", path, NULL);
      break;
    case KS_SIGV4_FLAVOR_GENERIC:
      prepared = normalize_path (path);
      break;
    default:
      g_return_val_if_reached (NULL);
    }

  return ks_uri_encode (prepared, FALSE);
}

char *
ks_sigv4_canonical_query (const KsSigv4Request *req)
{
  g_autoptr (GPtrArray) encoded = NULL;
  GString *out;

  g_return_val_if_fail (req != NULL, NULL);

  encoded = g_ptr_array_new_with_free_func (pair_free);
  out = g_string_new (NULL);

  for (guint i = 0; i < req->query->len; i++)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (req->query, i);
      KsSigv4Pair       *enc;

      if (strcmp (pair->name, "X-Amz-Signature") == 0)
        continue;
      enc = g_new (KsSigv4Pair, 1);
      enc->name = ks_uri_encode (pair->name, TRUE);
      enc->value = ks_uri_encode (pair->value, TRUE);
      g_ptr_array_add (encoded, enc);
    }
  g_ptr_array_sort (encoded, pair_cmp);

  for (guint i = 0; i < encoded->len; i++)
    {
      const KsSigv4Pair *enc = g_ptr_array_index (encoded, i);

      g_string_append_printf (out, "%s%s=%s", i > 0 ? "&" : "", enc->name, enc->value);
    }

  return g_string_free (out, FALSE);
}

/* Trimmed, with inner runs of white space collapsed to one space. */
static void
append_header_value (GString    *out,
                     const char *value)
{
  gsize    start = out->len;
  gboolean pending_space = FALSE;

  for (const char *p = value; *p; p++)
    {
      if (g_ascii_isspace (*p))
        {
          pending_space = out->len > start;
          continue;
        }
      if (pending_space)
        g_string_append_c (out, ' ');
      pending_space = FALSE;
      g_string_append_c (out, *p);
    }
}

static void
append_canonical_header (GString              *out,
                         const KsSigv4Request *req,
                         const char           *lname)
{
  gboolean first = TRUE;

  g_string_append_printf (out, "%s:", lname);
  for (guint i = 0; i < req->headers->len; i++)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (req->headers, i);

      if (g_ascii_strcasecmp (pair->name, lname) != 0)
        continue;
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      append_header_value (out, pair->value);
    }
  g_string_append_c (out, '\n');
}

/* Lower-case, sorted, unique names of all headers but Authorization. */
static char **
all_header_names (const KsSigv4Request *req)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < req->headers->len; i++)
    {
      const KsSigv4Pair *pair = g_ptr_array_index (req->headers, i);
      g_autofree char   *lname = g_ascii_strdown (pair->name, -1);

      if (strcmp (lname, "authorization") != 0 &&
          !g_ptr_array_find_with_equal_func (names, lname, g_str_equal, NULL))
        g_ptr_array_add (names, g_steal_pointer (&lname));
    }
  g_ptr_array_sort (names, str_ptr_cmp);
  g_ptr_array_add (names, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

char *
ks_sigv4_build_canonical_request (const KsSigv4Request *req,
                                  KsSigv4Flavor         flavor,
                                  const char *const    *signed_headers,
                                  const char           *payload)
{
  g_autofree char *path = ks_sigv4_encode_path (req->path, flavor);
  g_autofree char *query = ks_sigv4_canonical_query (req);
  g_autofree char *joined = g_strjoinv (";", (char **) signed_headers);
  GString         *out = g_string_new (NULL);

  g_string_append_printf (out, "%s\n%s\n%s\n", req->method, path, query);
  for (guint i = 0; signed_headers[i] != NULL; i++)
    append_canonical_header (out, req, signed_headers[i]);
  g_string_append_printf (out, "\n%s\n%s", joined, payload);

  return g_string_free (out, FALSE);
}

/* @signed_headers: lower-case and sorted, or NULL for every header. */
char *
ks_sigv4_canonical_request (const KsSigv4Request *req,
                            KsSigv4Flavor         flavor,
                            const char *const    *signed_headers)
{
  g_auto (GStrv) all = NULL;

  g_return_val_if_fail (req != NULL, NULL);

  if (signed_headers == NULL)
    signed_headers = (const char *const *) (all = all_header_names (req));

  return ks_sigv4_build_canonical_request (req, flavor, signed_headers, payload_hash (req));
}

/* Signing */

char *
ks_sigv4_string_to_sign (const char *amz_date,
                         const char *credential_scope,
                         const char *canonical_request)
{
  g_autofree char *hash = NULL;

  g_return_val_if_fail (amz_date != NULL && credential_scope != NULL, NULL);
  g_return_val_if_fail (canonical_request != NULL, NULL);

  hash = ks_sha256_hex (canonical_request, strlen (canonical_request));

  return g_strdup_printf ("%s\n%s\n%s\n%s", KS_SIGV4_ALGORITHM, amz_date,
                          credential_scope, hash);
}

void
ks_sigv4_signing_key (const char *secret,
                      const char *date8,
                      const char *region,
                      const char *service,
                      guint8      out[32])
{
  g_autofree char *k_secret = NULL;
  guint8           k_date[KS_SHA256_LEN];
  guint8           k_region[KS_SHA256_LEN];
  guint8           k_service[KS_SHA256_LEN];

  g_return_if_fail (secret != NULL && date8 != NULL);
  g_return_if_fail (region != NULL && service != NULL);

  k_secret = g_strconcat ("AWS4", secret, NULL);
  ks_hmac_sha256 (k_secret, strlen (k_secret), date8, strlen (date8), k_date);
  ks_hmac_sha256 (k_date, sizeof k_date, region, strlen (region), k_region);
  ks_hmac_sha256 (k_region, sizeof k_region, service, strlen (service), k_service);
  ks_hmac_sha256 (k_service, sizeof k_service, KS_SIGV4_SCOPE_TERMINATOR,
                  strlen (KS_SIGV4_SCOPE_TERMINATOR), out);
}

char *
ks_sigv4_compute_signature (const char *secret,
                            const char *amz_date,
                            const char *region,
                            const char *service,
                            const char *string_to_sign)
{
  g_autofree char *date8 = g_strndup (amz_date, 8);
  guint8           key[KS_SHA256_LEN];
  guint8           mac[KS_SHA256_LEN];

  ks_sigv4_signing_key (secret, date8, region, service, key);
  ks_hmac_sha256 (key, sizeof key, string_to_sign, strlen (string_to_sign), mac);

  return ks_hex_encode (mac, sizeof mac);
}

char *
ks_sigv4_format_amz_date (GDateTime *time)
{
  g_autoptr (GDateTime) utc = NULL;

  g_return_val_if_fail (time != NULL, NULL);

  utc = g_date_time_to_utc (time);
  return g_date_time_format (utc, "%Y%m%dT%H%M%SZ");
}

static char *
credential_scope (const char               *amz_date,
                  const KsSigv4Credentials *creds)
{
  return g_strdup_printf ("%.8s/%s/%s/" KS_SIGV4_SCOPE_TERMINATOR, amz_date,
                          creds->region, creds->service);
}

static gboolean
credentials_valid (const KsSigv4Credentials *creds)
{
  return creds != NULL && creds->access_key_id != NULL &&
         creds->secret_access_key != NULL && creds->region != NULL &&
         creds->service != NULL;
}

/* Signs every header of @req; returns the signature, and the scope and
 * signed header list through the out arguments. */
static char *
sign_all_headers (KsSigv4Request           *req,
                  const KsSigv4Credentials *creds,
                  const char               *amz_date,
                  KsSigv4Flavor             flavor,
                  char                    **out_scope,
                  char                    **out_signed)
{
  g_auto (GStrv) names = all_header_names (req);
  g_autofree char *scope = credential_scope (amz_date, creds);
  g_autofree char *creq = NULL;
  g_autofree char *sts = NULL;

  creq = ks_sigv4_build_canonical_request (req, flavor, (const char *const *) names,
                                           payload_hash (req));
  sts = ks_sigv4_string_to_sign (amz_date, scope, creq);

  *out_scope = g_steal_pointer (&scope);
  *out_signed = g_strjoinv (";", names);
  return ks_sigv4_compute_signature (creds->secret_access_key, amz_date, creds->region,
                                     creds->service, sts);
}

char *
ks_sigv4_sign_request (KsSigv4Request           *req,
                       const KsSigv4Credentials *creds,
                       GDateTime                *now,
                       KsSigv4Flavor             flavor)
{
  g_autofree char *amz_date = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *signed_list = NULL;
  g_autofree char *signature = NULL;

  g_return_val_if_fail (req != NULL, NULL);
  g_return_val_if_fail (credentials_valid (creds), NULL);
  g_return_val_if_fail (now != NULL, NULL);

  amz_date = ks_sigv4_format_amz_date (now);
  set_header (req, "x-amz-date", amz_date);
  if (creds->session_token != NULL)
    set_header (req, "x-amz-security-token", creds->session_token);
  if (flavor == KS_SIGV4_FLAVOR_S3)
    set_header (req, "x-amz-content-sha256", payload_hash (req));

  signature = sign_all_headers (req, creds, amz_date, flavor, &scope, &signed_list);

  return g_strdup_printf ("%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                          KS_SIGV4_ALGORITHM, creds->access_key_id, scope,
                          signed_list, signature);
}

/* Presigning */

static gboolean
parse_port (const char *text,
            guint      *out_port)
{
  guint64 port = 0;

  if (*text == '\0' || strlen (text) > 5 || strspn (text, "0123456789") != strlen (text) ||
      !g_ascii_string_to_unsigned (text, 10, 1, 65535, &port, NULL))
    return FALSE;
  *out_port = (guint) port;

  return TRUE;
}

/* The authority of "scheme://authority[/]", or NULL. */
static char *
endpoint_authority (const char *endpoint,
                    gboolean   *out_https)
{
  const char *rest;
  gsize       len;

  *out_https = g_str_has_prefix (endpoint, "https://");
  if (!*out_https && !g_str_has_prefix (endpoint, "http://"))
    return NULL;
  rest = strstr (endpoint, "://") + 3;
  len = strcspn (rest, "/");
  if (len == 0 || strcspn (rest, "?#@ \t\r\n") < len ||
      (rest[len] != '\0' && strcmp (rest + len, "/") != 0))
    return NULL;

  return g_strndup (rest, len);
}

/* Drops the scheme's default port; FALSE for a bad port or IPv6 literal. */
static gboolean
strip_default_port (char    *authority,
                    gboolean https)
{
  const char *bracket = strchr (authority, ']');
  char       *colon = strrchr (authority, ':');
  guint       port = 0;

  if ((authority[0] == '[') != (bracket != NULL))
    return FALSE;
  if (colon == NULL || (bracket != NULL && colon < bracket))
    return TRUE;
  if (!parse_port (colon + 1, &port))
    return FALSE;
  if (port == (https ? 443u : 80u))
    *colon = '\0';

  return TRUE;
}

/* "scheme://host[:port]" → "scheme://host" and the Host header value,
 * the port left out when it is the scheme's default. */
static gboolean
parse_endpoint (const char *endpoint,
                char      **out_base,
                char      **out_host,
                GError    **error)
{
  gboolean         https = FALSE;
  g_autofree char *authority = endpoint_authority (endpoint, &https);

  if (authority == NULL || !strip_default_port (authority, https))
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   "Endpoint is not scheme://host[:port]");
      return FALSE;
    }
  *out_host = g_strdup (authority);
  *out_base = g_strdup_printf ("%s://%s", https ? "https" : "http", authority);

  return TRUE;
}

static const char *const presign_params[] = {
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-Security-Token",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
};

static void
add_presign_params (KsSigv4Request           *req,
                    const KsSigv4Credentials *creds,
                    const char               *amz_date,
                    guint                     expires_seconds)
{
  g_auto (GStrv) names = all_header_names (req);
  g_autofree char *signed_list = g_strjoinv (";", names);
  g_autofree char *scope = credential_scope (amz_date, creds);
  g_autofree char *credential = g_strdup_printf ("%s/%s", creds->access_key_id, scope);
  g_autofree char *expires = g_strdup_printf ("%u", expires_seconds);

  for (guint i = 0; i < G_N_ELEMENTS (presign_params); i++)
    remove_matching (req->query, presign_params[i], FALSE);

  ks_sigv4_request_add_query (req, "X-Amz-Algorithm", KS_SIGV4_ALGORITHM);
  ks_sigv4_request_add_query (req, "X-Amz-Credential", credential);
  ks_sigv4_request_add_query (req, "X-Amz-Date", amz_date);
  ks_sigv4_request_add_query (req, "X-Amz-Expires", expires);
  if (creds->session_token != NULL)
    ks_sigv4_request_add_query (req, "X-Amz-Security-Token", creds->session_token);
  ks_sigv4_request_add_query (req, "X-Amz-SignedHeaders", signed_list);
}

char *
ks_sigv4_presign_url (const char               *endpoint,
                      KsSigv4Request           *req,
                      const KsSigv4Credentials *creds,
                      GDateTime                *now,
                      guint                     expires_seconds,
                      GError                  **error)
{
  g_autofree char *base = NULL;
  g_autofree char *host = NULL;
  g_autofree char *amz_date = NULL;
  g_autofree char *scope = NULL;
  g_autofree char *signed_list = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;

  g_return_val_if_fail (endpoint != NULL && req != NULL && now != NULL, NULL);
  g_return_val_if_fail (credentials_valid (creds), NULL);

  if (expires_seconds < 1 || expires_seconds > KS_SIGV4_MAX_EXPIRES)
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_BAD_EXPIRES,
                   "Expiry must be 1 to %u seconds, not %u",
                   KS_SIGV4_MAX_EXPIRES, expires_seconds);
      return NULL;
    }
  if (!parse_endpoint (endpoint, &base, &host, error))
    return NULL;

  amz_date = ks_sigv4_format_amz_date (now);
  set_header (req, "host", host);
  ks_sigv4_request_set_payload_hash (req, KS_SIGV4_UNSIGNED_PAYLOAD);
  add_presign_params (req, creds, amz_date, expires_seconds);
  signature = sign_all_headers (req, creds, amz_date, KS_SIGV4_FLAVOR_S3,
                                &scope, &signed_list);

  path = ks_sigv4_encode_path (req->path, KS_SIGV4_FLAVOR_S3);
  query = ks_sigv4_canonical_query (req);
  return g_strdup_printf ("%s%s?%s&X-Amz-Signature=%s", base, path, query, signature);
}
