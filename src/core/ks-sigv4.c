/* ks-sigv4.c: AWS Signature Version 4
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-sigv4.h"

#define AMZ_DATE_LEN 16
#define SIGNATURE_HEX_LEN 64
#define SCOPE_TERMINATOR "aws4_request"

/* clang-format off */
G_DEFINE_QUARK (ks-sigv4-error-quark, ks_sigv4_error)
/* clang-format on */

typedef struct
{
  char *name;
  char *value;
} Pair;

struct _KsSigv4Request
{
  char      *method;
  char      *path;         /* decoded */
  GPtrArray *query;        /* of Pair, decoded, in order */
  GPtrArray *headers;      /* of Pair, names as given, in order */
  char      *payload_hash; /* nullable: hash of the empty body */
};

static Pair *
pair_new (const char *name,
          const char *value)
{
  Pair *pair = g_new (Pair, 1);

  pair->name = g_strdup (name);
  pair->value = g_strdup (value != NULL ? value : "");

  return pair;
}

static void
pair_free (gpointer data)
{
  Pair *pair = data;

  g_free (pair->name);
  g_free (pair->value);
  g_free (pair);
}

static int
pair_cmp (gconstpointer a,
          gconstpointer b)
{
  const Pair *pa = *(Pair *const *) a;
  const Pair *pb = *(Pair *const *) b;
  int         c = strcmp (pa->name, pb->name);

  return c != 0 ? c : strcmp (pa->value, pb->value);
}

static int
str_ptr_cmp (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Untrusted input echoed in an error message: short and printable. */
static char *
quote_input (const char *text)
{
  g_autofree char *head = g_strndup (text, 64);

  return g_strescape (head, NULL);
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

static gboolean
is_token (const char *text)
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

  if (!is_token (method) || raw_path[0] != '/')
    {
      g_set_error (error, KS_SIGV4_ERROR, KS_SIGV4_ERROR_MALFORMED,
                   is_token (method) ? "Request path must start with '/'"
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
      const Pair *pair = g_ptr_array_index (req->query, i);

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
      const Pair *pair = g_ptr_array_index (req->headers, i);

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
      const Pair *pair = g_ptr_array_index (pairs, i - 1);

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
      const Pair *pair = g_ptr_array_index (req->query, i);
      Pair       *enc;

      if (strcmp (pair->name, "X-Amz-Signature") == 0)
        continue;
      enc = g_new (Pair, 1);
      enc->name = ks_uri_encode (pair->name, TRUE);
      enc->value = ks_uri_encode (pair->value, TRUE);
      g_ptr_array_add (encoded, enc);
    }
  g_ptr_array_sort (encoded, pair_cmp);

  for (guint i = 0; i < encoded->len; i++)
    {
      const Pair *enc = g_ptr_array_index (encoded, i);

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
      const Pair *pair = g_ptr_array_index (req->headers, i);

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
      const Pair      *pair = g_ptr_array_index (req->headers, i);
      g_autofree char *lname = g_ascii_strdown (pair->name, -1);

      if (strcmp (lname, "authorization") != 0 &&
          !g_ptr_array_find_with_equal_func (names, lname, g_str_equal, NULL))
        g_ptr_array_add (names, g_steal_pointer (&lname));
    }
  g_ptr_array_sort (names, str_ptr_cmp);
  g_ptr_array_add (names, NULL);

  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static char *
build_canonical_request (const KsSigv4Request *req,
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

  return build_canonical_request (req, flavor, signed_headers, payload_hash (req));
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
  ks_hmac_sha256 (k_service, sizeof k_service, SCOPE_TERMINATOR,
                  strlen (SCOPE_TERMINATOR), out);
}

static char *
compute_signature (const char *secret,
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
  return g_strdup_printf ("%.8s/%s/%s/" SCOPE_TERMINATOR, amz_date,
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

  creq = build_canonical_request (req, flavor, (const char *const *) names,
                                  payload_hash (req));
  sts = ks_sigv4_string_to_sign (amz_date, scope, creq);

  *out_scope = g_steal_pointer (&scope);
  *out_signed = g_strjoinv (";", names);
  return compute_signature (creds->secret_access_key, amz_date, creds->region,
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

/* Verification */

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
      const Pair *pair = g_ptr_array_index (pairs, i);

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
         check_scope_part ("terminator", f->terminator, SCOPE_TERMINATOR, error);
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

      if (!is_token (names[i]) || strcmp (lower, names[i]) != 0 ||
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
      const Pair      *pair = g_ptr_array_index (req->headers, i);
      g_autofree char *lname = g_ascii_strdown (pair->name, -1);

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
  creq = build_canonical_request (req, KS_SIGV4_FLAVOR_S3, signed_headers,
                                  f->presigned ? KS_SIGV4_UNSIGNED_PAYLOAD : f->payload_hash);
  sts = ks_sigv4_string_to_sign (f->amz_date, scope, creq);
  expected = compute_signature (secret, f->amz_date, f->region, f->service, sts);
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
