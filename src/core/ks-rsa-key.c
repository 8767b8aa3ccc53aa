/* ks-rsa-key.c: RSA keys for RS256, in PEM and JWK form
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "ks-core-error.h"
#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-rsa-key.h"

#define RSA_GENERATE_BITS 2048
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
/* OpenSSL refuses public exponents over 64 bits for big moduli anyway. */
#define RSA_MAX_E_BYTES 8

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_DECODER_CTX, OSSL_DECODER_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM, OSSL_PARAM_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)

struct _KsRsaKey
{
  EVP_PKEY *pkey; /* owned */
  char     *n;    /* owned: base64url, minimal big-endian */
  char     *e;    /* owned: base64url, minimal big-endian */
  char     *kid;  /* owned: RFC 7638 thumbprint */
  gboolean  has_private;
};

/* OpenSSL's reason goes to the debug log; callers get a stable sentence. */
static void
set_crypto_error (GError    **error,
                  const char *what)
{
  unsigned long code = ERR_get_error ();

  if (code != 0)
    {
      char reason[256];

      ERR_error_string_n (code, reason, sizeof reason);
      g_debug ("%s: %s", what, reason);
    }
  ERR_clear_error ();
  g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_CRYPTO, "%s", what);
}

static void
ks_rsa_key_clear (gpointer data)
{
  KsRsaKey *self = data;

  EVP_PKEY_free (self->pkey);
  g_free (self->n);
  g_free (self->e);
  g_free (self->kid);
}

KsRsaKey *
ks_rsa_key_ref (KsRsaKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
ks_rsa_key_unref (KsRsaKey *self)
{
  g_return_if_fail (self != NULL);

  g_atomic_rc_box_release_full (self, ks_rsa_key_clear);
}

static char *
bignum_to_base64url (const BIGNUM *bn)
{
  int                len = BN_num_bytes (bn);
  g_autofree guint8 *buf = g_malloc (MAX (len, 1));

  BN_bn2bin (bn, buf);
  return ks_base64url_encode (buf, (gsize) len);
}

/* RFC 7638 §3.2: the required members only, sorted, no whitespace. Both
 * values are base64url, so they need no JSON escaping. */
static char *
compute_thumbprint (const char *n,
                    const char *e)
{
  g_autofree char *canonical = g_strdup_printf ("{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}",
                                                e, n);
  guint8           digest[KS_SHA256_LEN];

  ks_sha256 (canonical, strlen (canonical), digest);
  return ks_base64url_encode (digest, sizeof digest);
}

/* Same limits for every way a key comes in: a key we would not issue
 * tokens with is not one we accept tokens from. */
static gboolean
check_public_numbers (const BIGNUM *n,
                      const BIGNUM *e,
                      GError      **error)
{
  int bits = BN_num_bits (n);

  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID,
                   "RSA modulus of %d bits is outside %d to %d bits",
                   bits, RSA_MIN_BITS, RSA_MAX_BITS);
      return FALSE;
    }
  if (!BN_is_odd (n))
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID,
                   "RSA modulus is even");
      return FALSE;
    }
  if (!BN_is_odd (e) || BN_is_one (e) || BN_num_bytes (e) > RSA_MAX_E_BYTES)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID,
                   "RSA public exponent is not an odd number from 3 to 2^64");
      return FALSE;
    }

  return TRUE;
}

/* Takes @pkey, which must be an RSA key. */
static KsRsaKey *
rsa_key_new_take (EVP_PKEY *pkey,
                  gboolean  has_private,
                  GError  **error)
{
  g_autoptr (EVP_PKEY) owned = pkey;
  g_autoptr (BIGNUM) n = NULL;
  g_autoptr (BIGNUM) e = NULL;
  KsRsaKey *self;

  if (!EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
      !EVP_PKEY_get_bn_param (pkey, OSSL_PKEY_PARAM_RSA_E, &e))
    {
      set_crypto_error (error, "Could not read the RSA public key");
      return NULL;
    }
  if (!check_public_numbers (n, e, error))
    return NULL;

  self = g_atomic_rc_box_new0 (KsRsaKey);
  self->pkey = g_steal_pointer (&owned);
  self->n = bignum_to_base64url (n);
  self->e = bignum_to_base64url (e);
  self->kid = compute_thumbprint (self->n, self->e);
  self->has_private = has_private;

  return self;
}

KsRsaKey *
ks_rsa_key_generate (GError **error)
{
  g_autoptr (EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);
  EVP_PKEY *pkey = NULL;

  if (ctx == NULL ||
      EVP_PKEY_keygen_init (ctx) <= 0 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits (ctx, RSA_GENERATE_BITS) <= 0 ||
      EVP_PKEY_generate (ctx, &pkey) <= 0)
    {
      set_crypto_error (error, "Could not generate an RSA key");
      return NULL;
    }

  return rsa_key_new_take (pkey, TRUE, error);
}

/* Encrypted PEM is not supported: fail instead of prompting on a tty. */
static int
refuse_passphrase_cb (char *buf,
                      int   size,
                      int   rwflag,
                      void *user_data)
{
  return -1;
}

static EVP_PKEY *
pem_decode (const char *pem,
            int         selection)
{
  g_autoptr (BIO) bio = BIO_new_mem_buf (pem, -1);
  g_autoptr (OSSL_DECODER_CTX) ctx = NULL;
  EVP_PKEY *pkey = NULL;

  ctx = OSSL_DECODER_CTX_new_for_pkey (&pkey, "PEM", NULL, "RSA", selection, NULL, NULL);
  if (bio == NULL || ctx == NULL)
    return NULL;
  OSSL_DECODER_CTX_set_pem_password_cb (ctx, refuse_passphrase_cb, NULL);
  if (!OSSL_DECODER_from_bio (ctx, bio))
    {
      EVP_PKEY_free (pkey);
      return NULL;
    }

  return pkey;
}

KsRsaKey *
ks_rsa_key_new_from_pem (const char *pem,
                         GError    **error)
{
  EVP_PKEY *pkey;
  gboolean  has_private = TRUE;

  g_return_val_if_fail (pem != NULL, NULL);

  /* Selections are strict: KEYPAIR only matches private-key PEM. */
  pkey = pem_decode (pem, EVP_PKEY_KEYPAIR);
  if (pkey == NULL)
    {
      has_private = FALSE;
      pkey = pem_decode (pem, EVP_PKEY_PUBLIC_KEY);
    }
  ERR_clear_error ();
  if (pkey == NULL)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                   "Not an unencrypted RSA key in PEM form");
      return NULL;
    }
  if (!EVP_PKEY_is_a (pkey, "RSA"))
    {
      EVP_PKEY_free (pkey);
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID, "Not an RSA key");
      return NULL;
    }

  return rsa_key_new_take (pkey, has_private, error);
}

static const char *
jwk_get_string (JsonObject *jwk,
                const char *name,
                GError    **error)
{
  JsonNode *node = json_object_get_member (jwk, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                   "JWK member “%s” is missing or not a string", name);
      return NULL;
    }

  return json_node_get_string (node);
}

/* RFC 7518 §6.3.1: unsigned big-endian in the fewest octets, base64url. */
static BIGNUM *
jwk_get_bignum (JsonObject *jwk,
                const char *name,
                gsize       max_bytes,
                GError    **error)
{
  const char        *text = jwk_get_string (jwk, name, error);
  g_autofree guint8 *bytes = NULL;
  gsize              len = 0;

  if (text == NULL)
    return NULL;
  /* Cheap bound first: no decoding of megabytes to refuse them. */
  if (strlen (text) > (max_bytes * 4 + 2) / 3)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID,
                   "JWK member “%s” is too large", name);
      return NULL;
    }
  bytes = ks_base64url_decode (text, &len, NULL);
  if (bytes == NULL || len == 0 || bytes[0] == 0)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                   "JWK member “%s” is not a minimal base64url integer", name);
      return NULL;
    }

  return BN_bin2bn (bytes, (int) len, NULL);
}

static EVP_PKEY *
pkey_from_public_numbers (const BIGNUM *n,
                          const BIGNUM *e,
                          GError      **error)
{
  g_autoptr (OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new ();
  g_autoptr (OSSL_PARAM) params = NULL;
  g_autoptr (EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);
  EVP_PKEY *pkey = NULL;

  if (bld == NULL || ctx == NULL ||
      !OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_N, n) ||
      !OSSL_PARAM_BLD_push_BN (bld, OSSL_PKEY_PARAM_RSA_E, e) ||
      (params = OSSL_PARAM_BLD_to_param (bld)) == NULL ||
      EVP_PKEY_fromdata_init (ctx) <= 0 ||
      EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    {
      set_crypto_error (error, "Could not build an RSA key from its JWK");
      return NULL;
    }

  return pkey;
}

KsRsaKey *
ks_rsa_key_new_from_jwk (JsonObject *jwk,
                         GError    **error)
{
  const char *kty;
  g_autoptr (BIGNUM) n = NULL;
  g_autoptr (BIGNUM) e = NULL;
  EVP_PKEY *pkey;

  g_return_val_if_fail (jwk != NULL, NULL);

  kty = jwk_get_string (jwk, "kty", error);
  if (kty == NULL)
    return NULL;
  if (strcmp (kty, "RSA") != 0)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID,
                   "JWK key type is not RSA");
      return NULL;
    }
  if ((n = jwk_get_bignum (jwk, "n", RSA_MAX_BITS / 8, error)) == NULL ||
      (e = jwk_get_bignum (jwk, "e", RSA_MAX_E_BYTES, error)) == NULL ||
      !check_public_numbers (n, e, error))
    return NULL;

  pkey = pkey_from_public_numbers (n, e, error);
  if (pkey == NULL)
    return NULL;

  return rsa_key_new_take (pkey, FALSE, error);
}

gboolean
ks_rsa_key_has_private (KsRsaKey *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->has_private;
}

char *
ks_rsa_key_to_private_pem (KsRsaKey *self)
{
  g_autoptr (BIO) bio = NULL;
  char *data = NULL;
  long  len;

  g_return_val_if_fail (self != NULL, NULL);

  if (!self->has_private)
    return NULL;

  bio = BIO_new (BIO_s_mem ());
  if (bio == NULL ||
      !PEM_write_bio_PrivateKey (bio, self->pkey, NULL, NULL, 0, NULL, NULL))
    {
      set_crypto_error (NULL, "Could not write the private key as PEM");
      return NULL;
    }
  len = BIO_get_mem_data (bio, &data);

  return g_strndup (data, (gsize) len);
}

const char *
ks_rsa_key_get_kid (KsRsaKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->kid;
}

JsonObject *
ks_rsa_key_to_public_jwk (KsRsaKey *self)
{
  JsonObject *jwk;

  g_return_val_if_fail (self != NULL, NULL);

  /* Sorted like Cognito's jwks.json. */
  jwk = json_object_new ();
  json_object_set_string_member (jwk, "alg", "RS256");
  json_object_set_string_member (jwk, "e", self->e);
  json_object_set_string_member (jwk, "kid", self->kid);
  json_object_set_string_member (jwk, "kty", "RSA");
  json_object_set_string_member (jwk, "n", self->n);
  json_object_set_string_member (jwk, "use", "sig");

  return jwk;
}

/* Digest SHA-256 and PKCS#1 v1.5 padding, set explicitly rather than
 * trusting defaults: both are what makes this RS256 and not PS256. */
static EVP_MD_CTX *
rs256_context_new (KsRsaKey *self,
                   gboolean  sign)
{
  g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  EVP_PKEY_CTX *pctx = NULL;
  int           ok;

  if (ctx == NULL)
    return NULL;
  if (sign)
    ok = EVP_DigestSignInit_ex (ctx, &pctx, "SHA256", NULL, NULL, self->pkey, NULL);
  else
    ok = EVP_DigestVerifyInit_ex (ctx, &pctx, "SHA256", NULL, NULL, self->pkey, NULL);
  if (ok <= 0 || EVP_PKEY_CTX_set_rsa_padding (pctx, RSA_PKCS1_PADDING) <= 0)
    return NULL;

  return g_steal_pointer (&ctx);
}

GBytes *
ks_rsa_key_sign_rs256 (KsRsaKey   *self,
                       const void *data,
                       gsize       len,
                       GError    **error)
{
  g_autoptr (EVP_MD_CTX) ctx = NULL;
  g_autofree guint8 *sig = NULL;
  size_t             sig_len = 0;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (!self->has_private)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID,
                   "A public RSA key cannot sign");
      return NULL;
    }

  ctx = rs256_context_new (self, TRUE);
  if (ctx == NULL || EVP_DigestSign (ctx, NULL, &sig_len, data, len) <= 0)
    {
      set_crypto_error (error, "Could not sign with the RSA key");
      return NULL;
    }
  sig = g_malloc (sig_len);
  if (EVP_DigestSign (ctx, sig, &sig_len, data, len) <= 0)
    {
      set_crypto_error (error, "Could not sign with the RSA key");
      return NULL;
    }

  return g_bytes_new_take (g_steal_pointer (&sig), sig_len);
}

gboolean
ks_rsa_key_verify_rs256 (KsRsaKey     *self,
                         const void   *data,
                         gsize         len,
                         const guint8 *signature,
                         gsize         signature_len)
{
  g_autoptr (EVP_MD_CTX) ctx = NULL;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (signature != NULL || signature_len == 0, FALSE);

  /* RFC 8017 §8.2.2: a signature is exactly as long as the modulus. */
  if (signature_len != (gsize) EVP_PKEY_get_size (self->pkey))
    return FALSE;

  ctx = rs256_context_new (self, FALSE);
  ok = ctx != NULL &&
       EVP_DigestVerify (ctx, signature, signature_len, data, len) == 1;
  ERR_clear_error ();

  return ok;
}
