/* test-rsa-key.c: RSA keys, RS256 and key sets (RFC 7515, 7517, 7638)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "ks-core-error.h"
#include "ks-encoding.h"
#include "ks-jwks.h"
#include "ks-jwt.h"
#include "ks-rsa-key.h"
#include "ks-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM, OSSL_PARAM_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)

/* RFC 7638 §3.1 (the RFC 7517 A.1 key "2011-04-29"). */
#define RFC7638_N "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJ"         \
                  "ECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY36" \
                  "8QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2N" \
                  "cRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

/* RFC 7515 Appendix A.2: the RS256 example key, input and signature. */
#define RFC7515_N "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0B"         \
                  "m4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdb" \
                  "BYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmo" \
                  "udF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
#define RFC7515_D "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2N"          \
                  "XOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRL" \
                  "I9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuh" \
                  "LhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"
#define RFC7515_P "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_P" \
                  "y5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"
#define RFC7515_Q "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeL" \
                  "QeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"
#define RFC7515_DP "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKn" \
                   "u1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0"
#define RFC7515_DQ "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0" \
                   "ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU"
#define RFC7515_QI "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5c" \
                   "Y7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"
#define RFC7515_HEADER "{\"alg\":\"RS256\"}"
#define RFC7515_PAYLOAD "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
#define RFC7515_SIGNING_INPUT "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dH" \
                              "A6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define RFC7515_SIGNATURE "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5Y"                   \
                          "Kt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMH" \
                          "lb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipU" \
                          "TI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"

static KsRsaKey *
key_from_pem (const char *pem)
{
  g_autoptr (GError) error = NULL;
  KsRsaKey *key = ks_rsa_key_new_from_pem (pem, &error);

  g_assert_no_error (error);
  return key;
}

static JsonObject *
jwk_with (const char *n,
          const char *e)
{
  JsonObject *jwk = json_object_new ();

  json_object_set_string_member (jwk, "kty", "RSA");
  if (n != NULL)
    json_object_set_string_member (jwk, "n", n);
  if (e != NULL)
    json_object_set_string_member (jwk, "e", e);
  return jwk;
}

/* A made-up modulus: @len bytes, first byte @first, odd. */
static char *
fake_modulus (gsize  len,
              guint8 first)
{
  g_autofree guint8 *bytes = g_malloc (len);

  memset (bytes, 0x5a, len);
  bytes[0] = first;
  bytes[len - 1] |= 1;
  return ks_base64url_encode (bytes, len);
}

static void
assert_jwk_fails (JsonObject *jwk,
                  KsCoreError code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsRsaKey) key = ks_rsa_key_new_from_jwk (jwk, &error);

  g_assert_error (error, KS_CORE_ERROR, (gint) code);
  g_assert_null (key);
  json_object_unref (jwk);
}

/* ---- RSA keys ---- */

static void
test_thumbprint_rfc7638 (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) jwk = jwk_with (RFC7638_N, "AQAB");
  g_autoptr (KsRsaKey) key = NULL;
  g_autoptr (JsonObject) exported = NULL;

  /* Optional members must not change the thumbprint. */
  json_object_set_string_member (jwk, "alg", "RS256");
  json_object_set_string_member (jwk, "kid", "2011-04-29");
  key = ks_rsa_key_new_from_jwk (jwk, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_rsa_key_get_kid (key), ==, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  g_assert_false (ks_rsa_key_has_private (key));
  g_assert_null (ks_rsa_key_to_private_pem (key));

  exported = ks_rsa_key_to_public_jwk (key);
  g_assert_cmpstr (json_object_get_string_member (exported, "n"), ==, RFC7638_N);
  g_assert_cmpstr (json_object_get_string_member (exported, "e"), ==, "AQAB");
  g_assert_cmpstr (json_object_get_string_member (exported, "kty"), ==, "RSA");
  g_assert_cmpstr (json_object_get_string_member (exported, "alg"), ==, "RS256");
  g_assert_cmpstr (json_object_get_string_member (exported, "use"), ==, "sig");
  g_assert_cmpstr (json_object_get_string_member (exported, "kid"), ==, ks_rsa_key_get_kid (key));
  g_assert_cmpuint (json_object_get_size (exported), ==, 6);
}

static void
test_generate_and_jwk_roundtrip (void)
{
  g_autoptr (GError) error = NULL;
  KsRsaKey *key = ks_test_rsa_key (0);
  g_autoptr (JsonObject) jwk = ks_rsa_key_to_public_jwk (key);
  g_autoptr (KsRsaKey) pub = ks_rsa_key_new_from_jwk (jwk, &error);
  g_autoptr (GBytes) sig = NULL;
  g_autofree char *token = NULL;

  g_assert_no_error (error);
  g_assert_true (ks_rsa_key_has_private (key));
  g_assert_cmpuint (strlen (ks_rsa_key_get_kid (key)), ==, 43);
  g_assert_cmpstr (ks_rsa_key_get_kid (pub), ==, ks_rsa_key_get_kid (key));
  g_assert_cmpstr (ks_rsa_key_get_kid (ks_test_rsa_key (1)), !=, ks_rsa_key_get_kid (key));
  /* 2048 bits: a 256-byte modulus. */
  g_assert_cmpuint (strlen (json_object_get_string_member (jwk, "n")), ==, 342);

  sig = ks_rsa_key_sign_rs256 (pub, "x", 1, &error);
  g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID);
  g_assert_null (sig);
  g_clear_error (&error);
  token = ks_jwt_sign (pub, jwk, &error);
  g_assert_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID);
  g_assert_null (token);

  g_assert_true (ks_rsa_key_ref (key) == key);
  ks_rsa_key_unref (key);
}

static void
test_pem_forms (void)
{
  KsRsaKey *key = ks_test_rsa_key (0);
  g_autoptr (EVP_PKEY) pkey = ks_test_rsa_key_to_pkey (key);
  g_autofree char *pkcs8 = ks_rsa_key_to_private_pem (key);
  struct
  {
    int         selection;
    const char *structure;
    const char *begin;
    gboolean    priv;
  } forms[] = {
    { EVP_PKEY_KEYPAIR, "PrivateKeyInfo", "-----BEGIN PRIVATE KEY-----", TRUE },
    { EVP_PKEY_KEYPAIR, "type-specific", "-----BEGIN RSA PRIVATE KEY-----", TRUE },
    { EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo", "-----BEGIN PUBLIC KEY-----", FALSE },
    { EVP_PKEY_PUBLIC_KEY, "type-specific", "-----BEGIN RSA PUBLIC KEY-----", FALSE },
  };

  g_assert_true (g_str_has_prefix (pkcs8, "-----BEGIN PRIVATE KEY-----"));
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *pem = ks_test_pem_encode (pkey, forms[i].selection, forms[i].structure);
      g_autoptr (KsRsaKey) loaded = key_from_pem (pem);
      g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (loaded);
      g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
      g_autofree char *token = ks_test_jwt_sign (key, claims);
      KsJwtExpect      expect = ks_test_jwt_expect ("access");

      g_test_message ("PEM form %s", forms[i].begin);
      g_assert_true (g_str_has_prefix (pem, forms[i].begin));
      g_assert_cmpint (ks_rsa_key_has_private (loaded), ==, forms[i].priv);
      g_assert_cmpstr (ks_rsa_key_get_kid (loaded), ==, ks_rsa_key_get_kid (key));
      ks_test_jwt_assert_verify_ok (token, jwks, &expect);
    }
}

static void
assert_pem_fails (const char *pem,
                  KsCoreError code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsRsaKey) key = ks_rsa_key_new_from_pem (pem, &error);

  g_assert_error (error, KS_CORE_ERROR, (gint) code);
  g_assert_null (key);
}

static void
test_pem_refused (void)
{
  g_autoptr (EVP_PKEY) ec = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  g_autoptr (EVP_PKEY) small = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 1024);
  g_autoptr (EVP_PKEY) pkey = ks_test_rsa_key_to_pkey (ks_test_rsa_key (0));
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  g_autofree char *pem = ks_rsa_key_to_private_pem (ks_test_rsa_key (0));
  g_autofree char *ec_pem = ks_test_pem_encode (ec, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
  g_autofree char *small_pem = ks_test_pem_encode (small, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
  g_autofree char *encrypted = NULL;
  g_auto (GStrv) garbage = ks_test_garbage_strings (7515, 200);

  g_assert_true (PEM_write_bio_PrivateKey (bio, pkey, EVP_aes_256_cbc (),
                                           (const unsigned char *) "secret", 6, NULL, NULL));
  encrypted = ks_test_bio_to_string (bio);

  assert_pem_fails ("", KS_CORE_ERROR_PARSE);
  assert_pem_fails (encrypted, KS_CORE_ERROR_PARSE);
  pem[strlen (pem) / 2] = '\0';
  assert_pem_fails (pem, KS_CORE_ERROR_PARSE);
  assert_pem_fails (ec_pem, KS_CORE_ERROR_PARSE);
  assert_pem_fails (small_pem, KS_CORE_ERROR_INVALID);
  for (guint i = 0; garbage[i] != NULL; i++)
    assert_pem_fails (garbage[i], KS_CORE_ERROR_PARSE);
}

static void
test_jwk_refused (void)
{
  g_autofree char *n2048 = fake_modulus (256, 0x80);
  g_autofree char *n2047 = fake_modulus (256, 0x7f);
  g_autofree char *n8192 = fake_modulus (1024, 0xff);
  g_autofree char *n8200 = fake_modulus (1025, 0x01);
  g_autofree char *n512 = fake_modulus (64, 0xc3);
  g_autofree char *padded = g_strconcat (RFC7638_N, "==", NULL);
  g_autofree char *plus = g_strdup (RFC7638_N);
  g_autofree char *zero = NULL;
  g_autofree char *even = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsRsaKey) ok2048 = NULL;
  g_autoptr (KsRsaKey) ok8192 = NULL;
  g_autoptr (KsRsaKey) ok_e64 = NULL;
  JsonObject *jwk;
  guint8      bytes[257] = { 0, 0xc3 };

  bytes[256] = 0x01;
  zero = ks_base64url_encode (bytes, sizeof bytes);
  bytes[0] = 0xc3;
  bytes[256] = 0x02;
  even = ks_base64url_encode (bytes, 256 + 1);
  plus[10] = '+';

  /* The limits themselves are accepted. */
  jwk = jwk_with (n2048, "AQAB");
  ok2048 = ks_rsa_key_new_from_jwk (jwk, &error);
  json_object_unref (jwk);
  g_assert_no_error (error);
  jwk = jwk_with (n8192, "AQAB");
  ok8192 = ks_rsa_key_new_from_jwk (jwk, &error);
  json_object_unref (jwk);
  g_assert_no_error (error);
  jwk = jwk_with (n2048, "gAAAAAAAAAE");
  ok_e64 = ks_rsa_key_new_from_jwk (jwk, &error);
  json_object_unref (jwk);
  g_assert_no_error (error);

  assert_jwk_fails (jwk_with (n2047, "AQAB"), KS_CORE_ERROR_INVALID);
  assert_jwk_fails (jwk_with (n512, "AQAB"), KS_CORE_ERROR_INVALID);
  assert_jwk_fails (jwk_with (n8200, "AQAB"), KS_CORE_ERROR_INVALID);
  assert_jwk_fails (jwk_with (even, "AQAB"), KS_CORE_ERROR_INVALID);
  assert_jwk_fails (jwk_with (zero, "AQAB"), KS_CORE_ERROR_PARSE);
  assert_jwk_fails (jwk_with (padded, "AQAB"), KS_CORE_ERROR_PARSE);
  assert_jwk_fails (jwk_with (plus, "AQAB"), KS_CORE_ERROR_PARSE);
  assert_jwk_fails (jwk_with ("", "AQAB"), KS_CORE_ERROR_PARSE);
  assert_jwk_fails (jwk_with (NULL, "AQAB"), KS_CORE_ERROR_PARSE);
  assert_jwk_fails (jwk_with (RFC7638_N, NULL), KS_CORE_ERROR_PARSE);
  assert_jwk_fails (jwk_with (RFC7638_N, "AQAA"), KS_CORE_ERROR_INVALID);         /* even */
  assert_jwk_fails (jwk_with (RFC7638_N, "AQ"), KS_CORE_ERROR_INVALID);           /* 1 */
  assert_jwk_fails (jwk_with (RFC7638_N, "AAEAAQ"), KS_CORE_ERROR_PARSE);         /* leading 0 */
  assert_jwk_fails (jwk_with (RFC7638_N, "AQAAAAAAAAAB"), KS_CORE_ERROR_INVALID); /* 72 bits */

  jwk = jwk_with (RFC7638_N, "AQAB");
  json_object_set_int_member (jwk, "n", 65537);
  assert_jwk_fails (jwk, KS_CORE_ERROR_PARSE);
  jwk = jwk_with (RFC7638_N, "AQAB");
  json_object_set_string_member (jwk, "kty", "EC");
  assert_jwk_fails (jwk, KS_CORE_ERROR_INVALID);
  jwk = jwk_with (RFC7638_N, "AQAB");
  json_object_remove_member (jwk, "kty");
  assert_jwk_fails (jwk, KS_CORE_ERROR_PARSE);
}

/* ---- RFC 7515 Appendix A.2 ---- */

static KsRsaKey *
rfc7515_public_key (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) jwk = jwk_with (RFC7515_N, "AQAB");
  KsRsaKey *key = ks_rsa_key_new_from_jwk (jwk, &error);

  g_assert_no_error (error);
  return key;
}

static KsRsaKey *
rfc7515_private_key (void)
{
  const char *names[] = {
    OSSL_PKEY_PARAM_RSA_N,
    OSSL_PKEY_PARAM_RSA_E,
    OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1,
    OSSL_PKEY_PARAM_RSA_FACTOR2,
    OSSL_PKEY_PARAM_RSA_EXPONENT1,
    OSSL_PKEY_PARAM_RSA_EXPONENT2,
    OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
  };
  const char *values[] = {
    RFC7515_N,
    "AQAB",
    RFC7515_D,
    RFC7515_P,
    RFC7515_Q,
    RFC7515_DP,
    RFC7515_DQ,
    RFC7515_QI,
  };
  BIGNUM *bns[G_N_ELEMENTS (values)];
  g_autoptr (OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new ();
  g_autoptr (OSSL_PARAM) params = NULL;
  g_autoptr (EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);
  g_autoptr (EVP_PKEY) pkey = NULL;
  g_autofree char *pem = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr (GError) error = NULL;
      gsize              len = 0;
      g_autofree guint8 *bytes = ks_base64url_decode (values[i], &len, &error);

      g_assert_no_error (error);
      bns[i] = BN_bin2bn (bytes, (int) len, NULL);
      g_assert_true (OSSL_PARAM_BLD_push_BN (bld, names[i], bns[i]));
    }
  params = OSSL_PARAM_BLD_to_param (bld);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    BN_clear_free (bns[i]);
  g_assert_cmpint (EVP_PKEY_fromdata_init (ctx), ==, 1);
  g_assert_cmpint (EVP_PKEY_fromdata (ctx, &pkey, EVP_PKEY_KEYPAIR, params), ==, 1);

  pem = ks_test_pem_encode (pkey, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
  return key_from_pem (pem);
}

static void
test_rfc7515_verify (void)
{
  g_autoptr (KsRsaKey) key = rfc7515_public_key ();
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (key);
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *sig = NULL;
  g_autoptr (JsonObject) claims = NULL;
  g_autofree char *token = g_strconcat (RFC7515_SIGNING_INPUT, ".", RFC7515_SIGNATURE, NULL);
  gsize            sig_len = 0;
  KsJwtExpect      expect = ks_test_jwt_expect (NULL);

  sig = ks_base64url_decode (RFC7515_SIGNATURE, &sig_len, &error);
  g_assert_no_error (error);
  g_assert_true (ks_rsa_key_verify_rs256 (key, RFC7515_SIGNING_INPUT,
                                          strlen (RFC7515_SIGNING_INPUT), sig, sig_len));
  g_assert_false (ks_rsa_key_verify_rs256 (key, RFC7515_SIGNING_INPUT,
                                           strlen (RFC7515_SIGNING_INPUT) - 1, sig, sig_len));
  g_assert_false (ks_rsa_key_verify_rs256 (key, RFC7515_SIGNING_INPUT,
                                           strlen (RFC7515_SIGNING_INPUT), sig, sig_len - 1));
  sig[100] ^= 0x01;
  g_assert_false (ks_rsa_key_verify_rs256 (key, RFC7515_SIGNING_INPUT,
                                           strlen (RFC7515_SIGNING_INPUT), sig, sig_len));

  claims = ks_jwt_peek_claims (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, "joe");
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, 1300819380);
  g_assert_true (json_object_get_boolean_member (claims, "http://example.com/is_root"));

  /* Valid signature, but Cognito tokens name their key: no kid, no key. */
  ks_test_jwt_assert_verify_fails (token, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
}

static void
test_rfc7515_sign (void)
{
  g_autoptr (KsRsaKey) key = rfc7515_private_key ();
  g_autoptr (KsRsaKey) pub = rfc7515_public_key ();
  g_autoptr (GError) error = NULL;
  g_autofree char *header_b64 = ks_test_b64 (RFC7515_HEADER);
  g_autofree char *payload_b64 = ks_test_b64 (RFC7515_PAYLOAD);
  g_autofree char *input = g_strconcat (header_b64, ".", payload_b64, NULL);
  g_autoptr (GBytes) sig = NULL;
  g_autofree char *sig_b64 = NULL;

  g_assert_true (ks_rsa_key_has_private (key));
  g_assert_cmpstr (ks_rsa_key_get_kid (key), ==, ks_rsa_key_get_kid (pub));
  g_assert_cmpstr (input, ==, RFC7515_SIGNING_INPUT);

  /* PKCS#1 v1.5 is deterministic: the RFC's exact signature. */
  sig = ks_rsa_key_sign_rs256 (key, input, strlen (input), &error);
  g_assert_no_error (error);
  sig_b64 = ks_base64url_encode (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
  g_assert_cmpstr (sig_b64, ==, RFC7515_SIGNATURE);
}

static void
test_rfc7515_key_roundtrip (void)
{
  g_autoptr (KsRsaKey) key = rfc7515_private_key ();
  g_autoptr (KsRsaKey) pub = rfc7515_public_key ();
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (pub);
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("id");
  g_autofree char *token = ks_test_jwt_sign (key, claims);
  KsJwtExpect      expect = ks_test_jwt_expect ("id");

  ks_test_jwt_assert_verify_ok (token, jwks, &expect);
}

/* ---- Key sets ---- */

static void
test_jwks_picks_by_kid (void)
{
  g_autoptr (KsJwks) built = ks_jwks_new ();
  g_autoptr (KsJwks) parsed = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  for (guint i = 0; i < 3; i++)
    ks_jwks_add_key (built, ks_test_rsa_key (i));
  ks_jwks_add_key (built, ks_test_rsa_key (1)); /* replaces, does not repeat */
  g_assert_cmpuint (ks_jwks_get_n_keys (built), ==, 3);
  json = ks_jwks_to_json (built);
  g_assert_null (strstr (json, "\"d\""));
  parsed = ks_jwks_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ks_jwks_get_n_keys (parsed), ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
      g_autofree char *token = ks_test_jwt_sign (ks_test_rsa_key (i), claims);
      KsRsaKey        *found = ks_jwks_lookup (parsed, ks_rsa_key_get_kid (ks_test_rsa_key (i)));

      g_assert_nonnull (found);
      g_assert_false (ks_rsa_key_has_private (found));
      ks_test_jwt_assert_verify_ok (token, parsed, &expect);
    }
  g_assert_null (ks_jwks_lookup (parsed, "no-such-kid"));
  g_assert_true (ks_jwks_ref (parsed) == parsed);
  ks_jwks_unref (parsed);
}

/* Cognito's kids are its own strings, not RFC 7638 thumbprints. */
static void
test_jwks_issuer_kid (void)
{
  g_autoptr (JsonObject) jwk = ks_rsa_key_to_public_jwk (ks_test_rsa_key (0));
  g_autofree char *jwk_text = ks_test_json_text (jwk);
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autoptr (KsJwks) jwks = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *payload = ks_test_json_text (claims);
  g_autofree char *ours = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  g_autofree char *theirs = NULL;
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  json_object_set_string_member (jwk, "kid", "tVKUeC3xcKNX3kRwfZzULYdXvNW5Ke4Q3IwYnyZ1Cjw=");
  g_free (jwk_text);
  jwk_text = ks_test_json_text (jwk);
  /* Keys that are not RS256 signing keys are skipped, not fatal. */
  json = g_strdup_printf ("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"a\",\"y\":\"b\"},"
                          "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
                          "{\"kty\":\"RSA\",\"alg\":\"RS512\",\"n\":\"AQAB\",\"e\":\"AQAB\"},%s]}",
                          jwk_text);
  jwks = ks_jwks_new_from_json (json, (gssize) strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ks_jwks_get_n_keys (jwks), ==, 1);
  again = ks_jwks_to_json (jwks);
  g_assert_nonnull (strstr (again, "\"tVKUeC3xcKNX3kRwfZzULYdXvNW5Ke4Q3IwYnyZ1Cjw=\""));

  theirs = ks_test_jwt_sign_raw (ks_test_rsa_key (0),
                                 "{\"kid\":\"tVKUeC3xcKNX3kRwfZzULYdXvNW5Ke4Q3IwYnyZ1Cjw=\",\"alg\":\"RS256\"}",
                                 payload);
  ks_test_jwt_assert_verify_ok (theirs, jwks, &expect);
  ks_test_jwt_assert_verify_fails (ours, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
}

/* ---- Key set documents ---- */

static void
assert_jwks_fails (const char *json,
                   gssize      len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJwks) jwks = ks_jwks_new_from_json (json, len, &error);

  g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
  g_assert_null (jwks);
}

static void
test_jwks_refused (void)
{
  g_autoptr (JsonObject) jwk = ks_rsa_key_to_public_jwk (ks_test_rsa_key (0));
  g_autofree char *k = ks_test_json_text (jwk);
  g_autofree char *tiny = fake_modulus (64, 0xc3);
  g_autofree char *tiny_doc = g_strdup_printf ("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}]}", tiny);
  g_autofree char *twice = g_strdup_printf ("{\"keys\":[%s,%s]}", k, k);
  g_autofree char *kid_number = g_strdup_printf ("{\"keys\":[%.*s,\"kid\":1}]}", (int) strlen (k) - 1, k);
  g_autofree char *kid_empty = g_strdup_printf ("{\"keys\":[%.*s,\"kid\":\"\"}]}", (int) strlen (k) - 1, k);
  g_autofree char *with_nul = g_strdup_printf ("{\"keys\":[%s]}", k);
  g_autofree char *oversized = g_strnfill (256 * 1024 + 1, ' ');
  g_auto (GStrv) garbage = ks_test_garbage_strings (7517, 500);
  g_autoptr (GString) many = g_string_new ("{\"keys\":[");
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJwks) good = NULL;
  g_autoptr (KsJwks) empty = NULL;
  const char *docs[] = {
    "",
    "[]",
    "null",
    "{}",
    "{\"keys\":{}}",
    "{\"keys\":\"x\"}",
    "{\"keys\":null}",
    "{\"keys\":[1]}",
    "{\"keys\":[[]]}",
    "{\"keys\":[{}]}",
    "{\"keys\":[{\"kty\":5}]}",
    "{\"keys\":[{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}",
    "{\"keys\":[{\"kty\":\"RSA\",\"n\":5,\"e\":\"AQAB\"}]}",
    "{\"keys\":[{\"kty\":\"RSA\",\"use\":5}]}",
    "var jwks = {\"keys\":[]}",
    "{\"keys\":[]} {}",
    "{\"keys\":[],\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    tiny_doc,
    twice,
    kid_number,
    kid_empty,
    oversized,
  };

  for (guint i = 0; i < G_N_ELEMENTS (docs); i++)
    {
      g_test_message ("JWKS case %u", i);
      assert_jwks_fails (docs[i], -1);
    }
  for (guint i = 0; garbage[i] != NULL; i++)
    assert_jwks_fails (garbage[i], -1);
  for (guint i = 0; i < 65; i++)
    g_string_append_printf (many, "%s{\"kty\":\"oct\",\"k\":\"AA\"}", i > 0 ? "," : "");
  g_string_append (many, "]}");
  assert_jwks_fails (many->str, (gssize) many->len);

  /* len is honoured: a prefix is cut JSON, and a NUL inside is refused. */
  good = ks_jwks_new_from_json (with_nul, (gssize) strlen (with_nul), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ks_jwks_get_n_keys (good), ==, 1);
  assert_jwks_fails (with_nul, (gssize) strlen (with_nul) - 1);
  assert_jwks_fails (with_nul, (gssize) strlen (with_nul) + 1);
  empty = ks_jwks_new_from_json ("{\"keys\":[]}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ks_jwks_get_n_keys (empty), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/rsa-key/thumbprint-rfc7638", test_thumbprint_rfc7638);
  g_test_add_func ("/rsa-key/generate-jwk-roundtrip", test_generate_and_jwk_roundtrip);
  g_test_add_func ("/rsa-key/pem-forms", test_pem_forms);
  g_test_add_func ("/rsa-key/pem-refused", test_pem_refused);
  g_test_add_func ("/rsa-key/jwk-refused", test_jwk_refused);
  g_test_add_func ("/rsa-key/rfc7515/verify", test_rfc7515_verify);
  g_test_add_func ("/rsa-key/rfc7515/sign", test_rfc7515_sign);
  g_test_add_func ("/rsa-key/rfc7515/key-roundtrip", test_rfc7515_key_roundtrip);
  g_test_add_func ("/rsa-key/jwks/picks-by-kid", test_jwks_picks_by_kid);
  g_test_add_func ("/rsa-key/jwks/issuer-kid", test_jwks_issuer_kid);
  g_test_add_func ("/rsa-key/jwks/refused", test_jwks_refused);

  ret = g_test_run ();
  ks_test_rsa_keys_clear ();

  return ret;
}
