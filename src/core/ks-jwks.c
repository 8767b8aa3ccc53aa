/* ks-jwks.c: JSON Web Key Sets (RFC 7517) of RS256 keys
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-jwks.h"
#include "ks-jwt-private.h"

/* Cognito's jwks.json is two keys in about 1 KiB. */
#define JWKS_MAX_LEN (256 * 1024)
#define JWKS_MAX_KEYS 64

typedef struct
{
  char     *kid; /* owned */
  KsRsaKey *key; /* owned */
} JwksEntry;

struct _KsJwks
{
  GPtrArray *entries; /* owned: JwksEntry */
};

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
  g_autoptr (JsonObject) root = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonArray *keys;

  g_return_val_if_fail (self != NULL, NULL);

  root = json_object_new ();
  keys = json_array_new ();
  for (guint i = 0; i < self->entries->len; i++)
    {
      JwksEntry  *entry = g_ptr_array_index (self->entries, i);
      JsonObject *jwk = ks_rsa_key_to_public_jwk (entry->key);

      json_object_set_string_member (jwk, "kid", entry->kid);
      json_array_add_object_element (keys, jwk);
    }
  json_object_set_array_member (root, "keys", keys);

  node = json_node_init_object (json_node_alloc (), root);

  return json_to_string (node, FALSE);
}

static gboolean
jwk_is_rs256_signing_key (JsonObject *jwk,
                          gboolean   *usable,
                          GError    **error)
{
  const char *kty, *use, *alg;

  if (!ks_jwt_lookup_string (jwk, "kty", &kty, error) ||
      !ks_jwt_lookup_string (jwk, "use", &use, error) ||
      !ks_jwt_lookup_string (jwk, "alg", &alg, error))
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
jwks_add_jwk (KsJwks   *self,
              JsonNode *node,
              GError  **error)
{
  JsonObject *jwk;
  const char *kid;
  gboolean    usable = FALSE;
  g_autoptr (KsRsaKey) key = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED, "Key is not an object");
      return FALSE;
    }
  jwk = json_node_get_object (node);
  if (!jwk_is_rs256_signing_key (jwk, &usable, error) ||
      !ks_jwt_lookup_string (jwk, "kid", &kid, error))
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
jwks_get_keys (JsonObject *root,
               GError    **error)
{
  JsonNode  *node = json_object_get_member (root, "keys");
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
ks_jwks_new_from_json (const char *json,
                       gssize      len,
                       GError    **error)
{
  g_autoptr (JsonObject) root = NULL;
  g_autoptr (KsJwks) self = NULL;
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
  root = ks_jwt_parse_object (json, (gsize) len, "Key set", error);
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
