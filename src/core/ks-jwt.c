/* ks-jwt.c: RS256 JSON Web Tokens, as Amazon Cognito issues them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-json.h"
#include "ks-jwt-private.h"

/* No JWT or JWKS nests deeper; json-glib recurses without a limit. */
#define JSON_MAX_DEPTH 32
/* Fractional NumericDates beyond this cannot be converted safely. */
#define MAX_SECONDS 1e15

G_DEFINE_QUARK (ks_jwt_error_quark, ks_jwt_error)

/* Segments point into the token; the signing input is its start. */
typedef struct
{
  const char *header;
  gsize       header_len;
  const char *payload;
  gsize       payload_len;
  const char *signature;
  gsize       signature_len;
} TokenParts;

/* ---- JSON helpers ---- */

JsonObject *
ks_jwt_parse_object (const char *data,
                     gsize       len,
                     const char *what,
                     GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) root = NULL;

  root = ks_json_parse_strict (data, (gssize) len, JSON_MAX_DEPTH, &local_error);
  if (root == NULL)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "%s: %s", what, local_error->message);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "%s is not a JSON object", what);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

gboolean
ks_jwt_lookup_string (JsonObject  *object,
                      const char  *name,
                      const char **out,
                      GError     **error)
{
  g_autoptr (GError) local_error = NULL;

  *out = NULL;
  if (!ks_json_object_get_string_member_checked (object, name, FALSE, out, &local_error))
    {
      g_set_error_literal (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, local_error->message);
      return FALSE;
    }

  return TRUE;
}

static char *
object_to_json (JsonObject *object,
                gsize      *out_len)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr (JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, out_len);
}

static char *
object_to_base64url (JsonObject *object)
{
  gsize            len = 0;
  g_autofree char *json = object_to_json (object, &len);

  return ks_base64url_encode ((const guint8 *) json, len);
}

/* ---- Tokens ---- */

static gboolean
split_token (const char *token,
             TokenParts *parts,
             GError    **error)
{
  gsize       len = strnlen (token, KS_JWT_MAX_LEN + 1);
  const char *end = token + len;
  const char *dot1, *dot2 = NULL;

  if (len > KS_JWT_MAX_LEN)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "Token is longer than %d bytes", KS_JWT_MAX_LEN);
      return FALSE;
    }
  dot1 = memchr (token, '.', len);
  if (dot1 != NULL)
    dot2 = memchr (dot1 + 1, '.', (gsize) (end - dot1 - 1));
  if (dot2 == NULL || memchr (dot2 + 1, '.', (gsize) (end - dot2 - 1)) != NULL ||
      dot1 == token || dot2 == dot1 + 1)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "Token is not three segments with a header and a payload");
      return FALSE;
    }

  parts->header = token;
  parts->header_len = (gsize) (dot1 - token);
  parts->payload = dot1 + 1;
  parts->payload_len = (gsize) (dot2 - dot1 - 1);
  parts->signature = dot2 + 1;
  parts->signature_len = (gsize) (end - dot2 - 1);

  return TRUE;
}

static guint8 *
decode_segment (const char *segment,
                gsize       len,
                gsize      *out_len,
                GError    **error)
{
  g_autofree char *text = g_strndup (segment, len);
  guint8          *data = ks_base64url_decode (text, out_len, NULL);

  if (data == NULL)
    g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                 "Token segment is not unpadded base64url");

  return data;
}

static JsonObject *
decode_json_segment (const char *segment,
                     gsize       len,
                     const char *what,
                     GError    **error)
{
  gsize              data_len = 0;
  g_autofree guint8 *data = decode_segment (segment, len, &data_len, error);

  if (data == NULL)
    return NULL;

  return ks_jwt_parse_object ((const char *) data, data_len, what, error);
}

/* Returns the key to verify with, borrowed from @jwks. Header members a
 * token could use to pick its own key ("jwk", "jku", "x5u") are ignored. */
static KsRsaKey *
check_header (const TokenParts *parts,
              KsJwks           *jwks,
              GError          **error)
{
  g_autoptr (JsonObject) header = NULL;
  const char *alg, *kid;
  KsRsaKey   *key;

  header = decode_json_segment (parts->header, parts->header_len, "Token header", error);
  if (header == NULL ||
      !ks_jwt_lookup_string (header, "alg", &alg, error) ||
      !ks_jwt_lookup_string (header, "kid", &kid, error))
    return NULL;
  /* "none", and HS256 keyed with our public key, never reach a key. */
  if (alg == NULL || strcmp (alg, "RS256") != 0)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_UNSUPPORTED_ALGORITHM,
                   "Token algorithm is not RS256");
      return NULL;
    }
  /* RFC 7515 §4.1.11: extensions we do not know must not be ignored. */
  if (json_object_has_member (header, "crit"))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "Token header has critical extensions");
      return NULL;
    }
  if (kid == NULL || (key = ks_jwks_lookup (jwks, kid)) == NULL)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_UNKNOWN_KEY,
                   "Token is not signed by a known key");
      return NULL;
    }

  return key;
}

static gboolean
check_signature (const char       *token,
                 const TokenParts *parts,
                 KsRsaKey         *key,
                 GError          **error)
{
  gsize              signed_len = parts->header_len + 1 + parts->payload_len;
  gsize              sig_len = 0;
  g_autofree guint8 *sig = NULL;

  sig = decode_segment (parts->signature, parts->signature_len, &sig_len, error);
  if (sig == NULL)
    return FALSE;
  if (!ks_rsa_key_verify_rs256 (key, token, signed_len, sig, sig_len))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_BAD_SIGNATURE,
                   "Token signature is not valid");
      return FALSE;
    }

  return TRUE;
}

/* ---- Claims ---- */

/* RFC 7519 §2 NumericDate: seconds, possibly fractional. */
static gboolean
lookup_time (JsonObject *claims,
             const char *name,
             gboolean   *present,
             gint64     *out,
             GError    **error)
{
  JsonNode *node = json_object_get_member (claims, name);
  GType     type = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : 0;
  double    seconds;

  *present = node != NULL;
  if (node == NULL)
    return TRUE;
  if (type == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  seconds = type == G_TYPE_DOUBLE ? json_node_get_double (node) : MAX_SECONDS;
  /* Written so that NaN fails too. */
  if (!(seconds > -MAX_SECONDS && seconds < MAX_SECONDS))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "Claim “%s” is not a time in seconds", name);
      return FALSE;
    }
  *out = (gint64) seconds;

  return TRUE;
}

static gboolean
check_times (JsonObject        *claims,
             const KsJwtExpect *expect,
             GError           **error)
{
  gint64   now = expect->now_unix != 0 ? expect->now_unix : g_get_real_time () / G_USEC_PER_SEC;
  gint64   leeway = expect->leeway_seconds;
  gint64   exp = 0, iat = 0, nbf = 0;
  gboolean has_exp, has_iat, has_nbf;

  if (!lookup_time (claims, "exp", &has_exp, &exp, error) ||
      !lookup_time (claims, "iat", &has_iat, &iat, error) ||
      !lookup_time (claims, "nbf", &has_nbf, &nbf, error))
    return FALSE;
  if (!has_exp)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MISSING_CLAIM, "Token has no “exp”");
      return FALSE;
    }
  if (exp <= now - leeway)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_EXPIRED, "Token has expired");
      return FALSE;
    }
  if ((has_iat && iat > now + leeway) || (has_nbf && nbf > now + leeway))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_NOT_YET_VALID,
                   "Token is not valid yet; is the clock right?");
      return FALSE;
    }

  return TRUE;
}

static gboolean
require_string (JsonObject  *claims,
                const char  *name,
                const char **out,
                GError     **error)
{
  if (!ks_jwt_lookup_string (claims, name, out, error))
    return FALSE;
  if (*out == NULL)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MISSING_CLAIM,
                   "Token has no “%s”", name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_string_claim (JsonObject *claims,
                    const char *name,
                    const char *expected,
                    KsJwtError  code,
                    GError    **error)
{
  const char *value;

  if (!require_string (claims, name, &value, error))
    return FALSE;
  if (strcmp (value, expected) != 0)
    {
      g_set_error (error, KS_JWT_ERROR, code, "Token “%s” is not the expected one", name);
      return FALSE;
    }

  return TRUE;
}

static const char *
check_token_use (JsonObject *claims,
                 const char *expected,
                 GError    **error)
{
  const char *use;

  if (!require_string (claims, "token_use", &use, error))
    return NULL;
  if ((strcmp (use, "access") != 0 && strcmp (use, "id") != 0) ||
      (expected != NULL && strcmp (use, expected) != 0))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_WRONG_TOKEN_USE,
                   "Token is not an %s token", expected != NULL ? expected : "access or id");
      return NULL;
    }

  return use;
}

/* RFC 7519 §4.1.3: "aud" is a string or an array of strings. */
static gboolean
check_aud (JsonObject *claims,
           const char *client_id,
           GError    **error)
{
  JsonNode  *node = json_object_get_member (claims, "aud");
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return check_string_claim (claims, "aud", client_id, KS_JWT_ERROR_WRONG_AUDIENCE, error);

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "“aud” has a non-string");
          return FALSE;
        }
      if (strcmp (json_node_get_string (element), client_id) == 0)
        return TRUE;
    }
  g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_WRONG_AUDIENCE, "Token “aud” is not the expected one");

  return FALSE;
}

static gboolean
check_claims (JsonObject        *claims,
              const KsJwtExpect *expect,
              GError           **error)
{
  const char *use;

  if (!check_times (claims, expect, error) ||
      !check_string_claim (claims, "iss", expect->issuer, KS_JWT_ERROR_WRONG_ISSUER, error) ||
      (use = check_token_use (claims, expect->token_use, error)) == NULL)
    return FALSE;

  /* Cognito access tokens carry "client_id" and no "aud". */
  if (strcmp (use, "access") == 0)
    return check_string_claim (claims, "client_id", expect->client_id,
                               KS_JWT_ERROR_WRONG_AUDIENCE, error);
  return check_aud (claims, expect->client_id, error);
}

char *
ks_jwt_sign (KsRsaKey   *key,
             JsonObject *claims,
             GError    **error)
{
  g_autoptr (JsonObject) header = json_object_new ();
  g_autofree char *header_b64 = NULL;
  g_autofree char *claims_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *sig_b64 = NULL;
  g_autoptr (GBytes) sig = NULL;
  char *token;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (claims != NULL, NULL);

  json_object_set_string_member (header, "kid", ks_rsa_key_get_kid (key));
  json_object_set_string_member (header, "alg", "RS256");
  header_b64 = object_to_base64url (header);
  claims_b64 = object_to_base64url (claims);
  signing_input = g_strconcat (header_b64, ".", claims_b64, NULL);

  sig = ks_rsa_key_sign_rs256 (key, signing_input, strlen (signing_input), error);
  if (sig == NULL)
    return NULL;
  sig_b64 = ks_base64url_encode (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));

  token = g_strconcat (signing_input, ".", sig_b64, NULL);
  if (strlen (token) > KS_JWT_MAX_LEN)
    {
      g_free (token);
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "Token would be longer than %d bytes", KS_JWT_MAX_LEN);
      return NULL;
    }

  return token;
}

JsonObject *
ks_jwt_verify (const char        *token,
               KsJwks            *jwks,
               const KsJwtExpect *expect,
               GError           **error)
{
  TokenParts parts;
  KsRsaKey  *key;
  g_autoptr (JsonObject) claims = NULL;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (jwks != NULL, NULL);
  g_return_val_if_fail (expect != NULL, NULL);
  g_return_val_if_fail (expect->issuer != NULL && expect->client_id != NULL, NULL);
  g_return_val_if_fail (expect->token_use == NULL || g_str_equal (expect->token_use, "access") ||
                            g_str_equal (expect->token_use, "id"),
                        NULL);
  g_return_val_if_fail (expect->now_unix >= 0 && expect->now_unix < (gint64) MAX_SECONDS, NULL);

  if (!split_token (token, &parts, error) ||
      (key = check_header (&parts, jwks, error)) == NULL ||
      !check_signature (token, &parts, key, error))
    return NULL;

  /* Claims are parsed only once they are known to be the issuer's. */
  claims = decode_json_segment (parts.payload, parts.payload_len, "Token claims", error);
  if (claims == NULL || !check_claims (claims, expect, error))
    return NULL;

  return g_steal_pointer (&claims);
}

JsonObject *
ks_jwt_peek_claims (const char *token,
                    GError    **error)
{
  TokenParts parts;

  g_return_val_if_fail (token != NULL, NULL);

  if (!split_token (token, &parts, error))
    return NULL;

  return decode_json_segment (parts.payload, parts.payload_len, "Token claims", error);
}
