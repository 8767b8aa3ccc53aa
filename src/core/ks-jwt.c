/* ks-jwt.c: RS256 JSON Web Tokens and key sets, as Amazon Cognito issues them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-encoding.h"
#include "ks-jwt.h"

/* Cognito's jwks.json is two keys in about 1 KiB. */
#define JWKS_MAX_LEN   (256 * 1024)
#define JWKS_MAX_KEYS  64
/* No JWT or JWKS nests deeper; json-glib recurses without a limit. */
#define JSON_MAX_DEPTH 32
/* Fractional NumericDates beyond this cannot be converted safely. */
#define MAX_SECONDS    1e15

G_DEFINE_QUARK (ks-jwt-error-quark, ks_jwt_error)

typedef struct
{
  char     *kid;  /* owned */
  KsRsaKey *key;  /* owned */
} JwksEntry;

struct _KsJwks
{
  GPtrArray *entries;  /* owned: JwksEntry */
};

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

/* json-glib 1.6 accepts comments, single quotes, hex, trailing values,
 * and wraps integers that overflow. Tokens get strict RFC 8259 only, of
 * bounded depth, with no integer json-glib cannot hold. */
typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
} JsonScan;

static gboolean scan_value (JsonScan *s);

static void
scan_space (JsonScan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_char (JsonScan *s,
           char      c)
{
  if (s->p >= s->end || *s->p != c)
    return FALSE;
  s->p++;
  return TRUE;
}

static gboolean
scan_word (JsonScan   *s,
           const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, word, len) != 0)
    return FALSE;
  s->p += len;
  return TRUE;
}

static gsize
scan_digits (JsonScan *s)
{
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return (gsize) (s->p - start);
}

static gboolean
scan_hex4 (JsonScan *s,
           guint    *out)
{
  *out = 0;
  for (guint i = 0; i < 4; i++)
    {
      int v = s->p < s->end ? g_ascii_xdigit_value (*s->p++) : -1;

      if (v < 0)
        return FALSE;
      *out = (*out << 4) | (guint) v;
    }

  return TRUE;
}

/* After "\\u". json-glib turns \u0000 into a NUL that silently cuts the
 * C string short, and a lone surrogate into invalid UTF-8. */
static gboolean
scan_unicode_escape (JsonScan *s)
{
  guint unit, low;

  if (!scan_hex4 (s, &unit) || unit == 0 || (unit >= 0xdc00 && unit <= 0xdfff))
    return FALSE;
  if (unit < 0xd800 || unit > 0xdbff)
    return TRUE;

  return scan_char (s, '\\') && scan_char (s, 'u') && scan_hex4 (s, &low) &&
         low >= 0xdc00 && low <= 0xdfff;
}

static gboolean
scan_string (JsonScan *s)
{
  if (!scan_char (s, '"'))
    return FALSE;
  while (s->p < s->end && *s->p != '"')
    {
      char c = *s->p++;

      if ((guchar) c < 0x20)
        return FALSE;
      if (c != '\\')
        continue;
      if (scan_char (s, 'u'))
        {
          if (!scan_unicode_escape (s))
            return FALSE;
        }
      else if (s->p >= s->end || strchr ("\"\\/bfnrt", *s->p++) == NULL)
        return FALSE;
    }

  return scan_char (s, '"');
}

static gboolean
scan_number (JsonScan *s)
{
  const char *start;
  gsize digits;

  scan_char (s, '-');
  start = s->p;
  digits = scan_digits (s);
  if (digits == 0 || (digits > 1 && *start == '0') || digits > 18)
    return FALSE;
  if (scan_char (s, '.') && scan_digits (s) == 0)
    return FALSE;
  if (scan_char (s, 'e') || scan_char (s, 'E'))
    {
      if (!scan_char (s, '+'))
        scan_char (s, '-');
      if (scan_digits (s) == 0)
        return FALSE;
    }

  return TRUE;
}

static gboolean
scan_container (JsonScan *s,
                char      close)
{
  if (++s->depth > JSON_MAX_DEPTH)
    return FALSE;
  s->p++;
  scan_space (s);
  if (scan_char (s, close))
    {
      s->depth--;
      return TRUE;
    }
  for (;;)
    {
      if (close == '}')
        {
          if (!scan_string (s))
            return FALSE;
          scan_space (s);
          if (!scan_char (s, ':'))
            return FALSE;
          scan_space (s);
        }
      if (!scan_value (s))
        return FALSE;
      scan_space (s);
      if (scan_char (s, close))
        break;
      if (!scan_char (s, ','))
        return FALSE;
      scan_space (s);
    }
  s->depth--;

  return TRUE;
}

static gboolean
scan_value (JsonScan *s)
{
  if (s->p >= s->end)
    return FALSE;

  switch (*s->p)
    {
    case '{':
      return scan_container (s, '}');
    case '[':
      return scan_container (s, ']');
    case '"':
      return scan_string (s);
    case 't':
      return scan_word (s, "true");
    case 'f':
      return scan_word (s, "false");
    case 'n':
      return scan_word (s, "null");
    default:
      return scan_number (s);
    }
}

static gboolean
json_is_strict (const char *text,
                gsize       len)
{
  JsonScan s = { text, text + len, 0 };

  scan_space (&s);
  if (!scan_value (&s))
    return FALSE;
  scan_space (&s);

  return s.p == s.end;
}

static JsonObject *
parse_json_object (const char  *data,
                   gsize        len,
                   const char  *what,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  JsonNode *root;

  /* g_utf8_validate() also refuses NUL bytes within @len. */
  if (!g_utf8_validate (data, (gssize) len, NULL) || !json_is_strict (data, len))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "%s is not strict UTF-8 JSON", what);
      return NULL;
    }

  text = g_strndup (data, len);
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local_error))
    g_debug ("%s: %s", what, local_error->message);
  root = local_error == NULL ? json_parser_get_root (parser) : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "%s is not a JSON object", what);
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

static char *
object_to_json (JsonObject *object,
                gsize      *out_len)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, out_len);
}

static char *
object_to_base64url (JsonObject *object)
{
  gsize len = 0;
  g_autofree char *json = object_to_json (object, &len);

  return ks_base64url_encode ((const guint8 *) json, len);
}

/* Absent leaves *out NULL; present but not a string is malformed. */
static gboolean
lookup_string (JsonObject  *object,
               const char  *name,
               const char **out,
               GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "“%s” is not a string", name);
      return FALSE;
    }
  *out = json_node_get_string (node);

  return TRUE;
}

/* ---- Key sets ---- */

static void
jwks_entry_free (gpointer data)
{
  JwksEntry *entry = data;

  g_free (entry->kid);
  ks_rsa_key_unref (entry->key);
  g_free (entry);
}

static void
ks_jwks_clear (gpointer data)
{
  KsJwks *self = data;

  g_ptr_array_unref (self->entries);
}

KsJwks *
ks_jwks_new (void)
{
  KsJwks *self = g_atomic_rc_box_new0 (KsJwks);

  self->entries = g_ptr_array_new_with_free_func (jwks_entry_free);
  return self;
}

KsJwks *
ks_jwks_ref (KsJwks *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
ks_jwks_unref (KsJwks *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, ks_jwks_clear);
}

static JwksEntry *
jwks_find (KsJwks     *self,
           const char *kid)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      JwksEntry *entry = g_ptr_array_index (self->entries, i);

      if (strcmp (entry->kid, kid) == 0)
        return entry;
    }

  return NULL;
}

/* A key can be listed under a kid of the issuer's choosing: Cognito's
 * are not RFC 7638 thumbprints. */
static void
jwks_insert (KsJwks     *self,
             const char *kid,
             KsRsaKey   *key)
{
  JwksEntry *entry = jwks_find (self, kid);

  if (entry == NULL)
    {
      entry = g_new0 (JwksEntry, 1);
      entry->kid = g_strdup (kid);
      g_ptr_array_add (self->entries, entry);
    }
  else
    ks_rsa_key_unref (entry->key);
  entry->key = ks_rsa_key_ref (key);
}

void
ks_jwks_add_key (KsJwks   *self,
                 KsRsaKey *key)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  jwks_insert (self, ks_rsa_key_get_kid (key), key);
}

KsRsaKey *
ks_jwks_lookup (KsJwks     *self,
                const char *kid)
{
  JwksEntry *entry;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (kid != NULL, NULL);

  entry = jwks_find (self, kid);
  return entry != NULL ? entry->key : NULL;
}

guint
ks_jwks_get_n_keys (KsJwks *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->entries->len;
}

char *
ks_jwks_to_json (KsJwks *self)
{
  g_autoptr(JsonObject) root = NULL;
  JsonArray *keys;

  g_return_val_if_fail (self != NULL, NULL);

  root = json_object_new ();
  keys = json_array_new ();
  for (guint i = 0; i < self->entries->len; i++)
    {
      JwksEntry *entry = g_ptr_array_index (self->entries, i);
      JsonObject *jwk = ks_rsa_key_to_public_jwk (entry->key);

      json_object_set_string_member (jwk, "kid", entry->kid);
      json_array_add_object_element (keys, jwk);
    }
  json_object_set_array_member (root, "keys", keys);

  return object_to_json (root, NULL);
}

static gboolean
jwk_is_rs256_signing_key (JsonObject  *jwk,
                          gboolean    *usable,
                          GError     **error)
{
  const char *kty, *use, *alg;

  if (!lookup_string (jwk, "kty", &kty, error) ||
      !lookup_string (jwk, "use", &use, error) ||
      !lookup_string (jwk, "alg", &alg, error))
    return FALSE;
  if (kty == NULL)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "Key has no “kty”");
      return FALSE;
    }
  *usable = strcmp (kty, "RSA") == 0 &&
            (use == NULL || strcmp (use, "sig") == 0) &&
            (alg == NULL || strcmp (alg, "RS256") == 0);

  return TRUE;
}

static gboolean
jwks_add_jwk (KsJwks    *self,
              JsonNode  *node,
              GError   **error)
{
  JsonObject *jwk;
  const char *kid;
  gboolean usable = FALSE;
  g_autoptr(KsRsaKey) key = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "Key is not an object");
      return FALSE;
    }
  jwk = json_node_get_object (node);
  if (!jwk_is_rs256_signing_key (jwk, &usable, error) ||
      !lookup_string (jwk, "kid", &kid, error))
    return FALSE;
  /* Other kinds of key may share the set; they are not for us. */
  if (!usable)
    return TRUE;

  key = ks_rsa_key_new_from_jwk (jwk, &local_error);
  if (key == NULL)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "%s", local_error->message);
      return FALSE;
    }
  if (kid == NULL)
    kid = ks_rsa_key_get_kid (key);
  if (*kid == '\0' || jwks_find (self, kid) != NULL)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "Key has an empty or repeated “kid”");
      return FALSE;
    }
  jwks_insert (self, kid, key);

  return TRUE;
}

static JsonArray *
jwks_get_keys (JsonObject  *root,
               GError     **error)
{
  JsonNode *node = json_object_get_member (root, "keys");
  JsonArray *keys;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "Key set has no “keys” array");
      return NULL;
    }
  keys = json_node_get_array (node);
  if (json_array_get_length (keys) > JWKS_MAX_KEYS)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "Key set has more than %d keys", JWKS_MAX_KEYS);
      return NULL;
    }

  return keys;
}

KsJwks *
ks_jwks_new_from_json (const char  *json,
                       gssize       len,
                       GError     **error)
{
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(KsJwks) self = NULL;
  JsonArray *keys;

  g_return_val_if_fail (json != NULL, NULL);

  if (len < 0)
    len = (gssize) strnlen (json, JWKS_MAX_LEN + 1);
  if (len > JWKS_MAX_LEN)
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                   "Key set is longer than %d bytes", JWKS_MAX_LEN);
      return NULL;
    }
  root = parse_json_object (json, (gsize) len, "Key set", error);
  if (root == NULL || (keys = jwks_get_keys (root, error)) == NULL)
    return NULL;

  self = ks_jwks_new ();
  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      if (!jwks_add_jwk (self, json_array_get_element (keys, i), error))
        {
          g_prefix_error (error, "Key %u of the key set: ", i);
          return NULL;
        }
    }

  return g_steal_pointer (&self);
}

/* ---- Tokens ---- */

static gboolean
split_token (const char  *token,
             TokenParts  *parts,
             GError     **error)
{
  gsize len = strnlen (token, KS_JWT_MAX_LEN + 1);
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
decode_segment (const char  *segment,
                gsize        len,
                gsize       *out_len,
                GError     **error)
{
  g_autofree char *text = g_strndup (segment, len);
  guint8 *data = ks_base64url_decode (text, out_len, NULL);

  if (data == NULL)
    g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED,
                 "Token segment is not unpadded base64url");

  return data;
}

static JsonObject *
decode_json_segment (const char  *segment,
                     gsize        len,
                     const char  *what,
                     GError     **error)
{
  gsize data_len = 0;
  g_autofree guint8 *data = decode_segment (segment, len, &data_len, error);

  if (data == NULL)
    return NULL;

  return parse_json_object ((const char *) data, data_len, what, error);
}

/* Returns the key to verify with, borrowed from @jwks. Header members a
 * token could use to pick its own key ("jwk", "jku", "x5u") are ignored. */
static KsRsaKey *
check_header (const TokenParts  *parts,
              KsJwks            *jwks,
              GError           **error)
{
  g_autoptr(JsonObject) header = NULL;
  const char *alg, *kid;
  KsRsaKey *key;

  header = decode_json_segment (parts->header, parts->header_len, "Token header", error);
  if (header == NULL ||
      !lookup_string (header, "alg", &alg, error) ||
      !lookup_string (header, "kid", &kid, error))
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
check_signature (const char        *token,
                 const TokenParts  *parts,
                 KsRsaKey          *key,
                 GError           **error)
{
  gsize signed_len = parts->header_len + 1 + parts->payload_len;
  gsize sig_len = 0;
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
lookup_time (JsonObject  *claims,
             const char  *name,
             gboolean    *present,
             gint64      *out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (claims, name);
  GType type = node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : 0;
  double seconds;

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
check_times (JsonObject         *claims,
             const KsJwtExpect  *expect,
             GError            **error)
{
  gint64 now = expect->now_unix != 0 ? expect->now_unix : g_get_real_time () / G_USEC_PER_SEC;
  gint64 leeway = expect->leeway_seconds;
  gint64 exp = 0, iat = 0, nbf = 0;
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
  if (!lookup_string (claims, name, out, error))
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
check_string_claim (JsonObject  *claims,
                    const char  *name,
                    const char  *expected,
                    KsJwtError   code,
                    GError     **error)
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
check_token_use (JsonObject  *claims,
                 const char  *expected,
                 GError     **error)
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
check_aud (JsonObject  *claims,
           const char  *client_id,
           GError     **error)
{
  JsonNode *node = json_object_get_member (claims, "aud");
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
check_claims (JsonObject         *claims,
              const KsJwtExpect  *expect,
              GError            **error)
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
ks_jwt_sign (KsRsaKey    *key,
             JsonObject  *claims,
             GError     **error)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree char *header_b64 = NULL;
  g_autofree char *claims_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *sig_b64 = NULL;
  g_autoptr(GBytes) sig = NULL;
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
ks_jwt_verify (const char         *token,
               KsJwks             *jwks,
               const KsJwtExpect  *expect,
               GError            **error)
{
  TokenParts parts;
  KsRsaKey *key;
  g_autoptr(JsonObject) claims = NULL;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (jwks != NULL, NULL);
  g_return_val_if_fail (expect != NULL, NULL);
  g_return_val_if_fail (expect->issuer != NULL && expect->client_id != NULL, NULL);
  g_return_val_if_fail (expect->token_use == NULL || g_str_equal (expect->token_use, "access") ||
                        g_str_equal (expect->token_use, "id"), NULL);
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
ks_jwt_peek_claims (const char  *token,
                    GError     **error)
{
  TokenParts parts;

  g_return_val_if_fail (token != NULL, NULL);

  if (!split_token (token, &parts, error))
    return NULL;

  return decode_json_segment (parts.payload, parts.payload_len, "Token claims", error);
}
