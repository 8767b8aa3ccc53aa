/* test-jwt.c: RSA keys, JWKS and RS256 JWTs (RFC 7515, 7517, 7519, 7638)
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
#include "ks-hash.h"
#include "ks-jwt.h"
#include "ks-rsa-key.h"
#include "ks-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM, OSSL_PARAM_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)

#define NOW       G_GINT64_CONSTANT (1700000000)
#define ISSUER    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Keepsake"
#define CLIENT_ID "3n4b5urk1ft4fl3mg5e62d9ado"

/* RFC 7638 §3.1 (the RFC 7517 A.1 key "2011-04-29"). */
#define RFC7638_N "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJ" \
  "ECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY36" \
  "8QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2N" \
  "cRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

/* RFC 7515 Appendix A.2: the RS256 example key, input and signature. */
#define RFC7515_N "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0B" \
  "m4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdb" \
  "BYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmo" \
  "udF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
#define RFC7515_D "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2N" \
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
#define RFC7515_SIGNATURE "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5Y" \
  "Kt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMH" \
  "lb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipU" \
  "TI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"

/* Key generation is slow under ASan: three keys, made once. */
static KsRsaKey *test_keys[3];

static KsRsaKey *
get_key (guint i)
{
  g_autoptr(GError) error = NULL;

  if (test_keys[i] == NULL)
    test_keys[i] = ks_rsa_key_generate (&error);
  g_assert_no_error (error);

  return test_keys[i];
}

static KsJwtExpect
expect_for (const char *token_use)
{
  KsJwtExpect expect = { ISSUER, token_use, CLIENT_ID, NOW, 60 };

  return expect;
}

/* What Cognito puts in its access and id tokens. */
static JsonObject *
make_claims (const char *token_use)
{
  JsonObject *claims = json_object_new ();

  json_object_set_string_member (claims, "sub", "7d8ca528-4931-4254-9273-ea5ee853f271");
  json_object_set_string_member (claims, "iss", ISSUER);
  if (g_str_equal (token_use, "access"))
    {
      json_object_set_string_member (claims, "client_id", CLIENT_ID);
      json_object_set_string_member (claims, "scope", "aws.cognito.signin.user.admin");
      json_object_set_string_member (claims, "username", "alice");
    }
  else
    {
      json_object_set_string_member (claims, "aud", CLIENT_ID);
      json_object_set_string_member (claims, "cognito:username", "alice");
      json_object_set_boolean_member (claims, "email_verified", TRUE);
    }
  json_object_set_string_member (claims, "token_use", token_use);
  json_object_set_int_member (claims, "auth_time", NOW - 10);
  json_object_set_int_member (claims, "iat", NOW - 10);
  json_object_set_int_member (claims, "exp", NOW + 3600);
  json_object_set_string_member (claims, "jti", "5f3c2a0e-0000-4000-8000-000000000001");

  return claims;
}

static KsJwks *
jwks_of (KsRsaKey *key)
{
  KsJwks *jwks = ks_jwks_new ();

  ks_jwks_add_key (jwks, key);
  return jwks;
}

static char *
sign_claims (KsRsaKey   *key,
             JsonObject *claims)
{
  g_autoptr(GError) error = NULL;
  char *token = ks_jwt_sign (key, claims, &error);

  g_assert_no_error (error);
  return token;
}

/* Signs segments as given, for tokens no honest issuer would make. */
static char *
sign_segments (KsRsaKey   *key,
               const char *header_b64,
               const char *payload_b64)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *input = g_strconcat (header_b64, ".", payload_b64, NULL);
  g_autoptr(GBytes) sig = ks_rsa_key_sign_rs256 (key, input, strlen (input), &error);
  g_autofree char *sig_b64 = NULL;

  g_assert_no_error (error);
  sig_b64 = ks_base64url_encode (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
  return g_strconcat (input, ".", sig_b64, NULL);
}

static char *
b64 (const char *text)
{
  return ks_base64url_encode ((const guint8 *) text, strlen (text));
}

static char *
sign_raw (KsRsaKey   *key,
          const char *header,
          const char *payload)
{
  g_autofree char *header_b64 = b64 (header);
  g_autofree char *payload_b64 = b64 (payload);

  return sign_segments (key, header_b64, payload_b64);
}

static char *
default_header (KsRsaKey *key)
{
  return g_strdup_printf ("{\"kid\":\"%s\",\"alg\":\"RS256\"}", ks_rsa_key_get_kid (key));
}

static char *
claims_text (JsonObject *claims)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), claims);

  return json_to_string (node, FALSE);
}

static void
assert_verify_fails (const char        *token,
                     KsJwks            *jwks,
                     const KsJwtExpect *expect,
                     KsJwtError         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = ks_jwt_verify (token, jwks, expect, &error);

  g_assert_error (error, KS_JWT_ERROR, (gint) code);
  g_assert_null (claims);
}

static void
assert_verify_ok (const char        *token,
                  KsJwks            *jwks,
                  const KsJwtExpect *expect)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = ks_jwt_verify (token, jwks, expect, &error);

  g_assert_no_error (error);
  g_assert_nonnull (claims);
}

static char *
bio_to_string (BIO *bio)
{
  char *data = NULL;
  long len = BIO_get_mem_data (bio, &data);

  return g_strndup (data, (gsize) len);
}

static EVP_PKEY *
pkey_of (KsRsaKey *key)
{
  g_autofree char *pem = ks_rsa_key_to_private_pem (key);
  g_autoptr(BIO) bio = BIO_new_mem_buf (pem, -1);
  EVP_PKEY *pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);

  g_assert_nonnull (pkey);
  return pkey;
}

static char *
encode_pem (EVP_PKEY   *pkey,
            int         selection,
            const char *structure)
{
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  g_autoptr(OSSL_ENCODER_CTX) ctx = NULL;

  ctx = OSSL_ENCODER_CTX_new_for_pkey (pkey, selection, "PEM", structure, NULL);
  g_assert_true (OSSL_ENCODER_to_bio (ctx, bio));
  return bio_to_string (bio);
}

static KsRsaKey *
key_from_pem (const char *pem)
{
  g_autoptr(GError) error = NULL;
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
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRsaKey) key = ks_rsa_key_new_from_jwk (jwk, &error);

  g_assert_error (error, KS_CORE_ERROR, (gint) code);
  g_assert_null (key);
  json_object_unref (jwk);
}

/* ---- RSA keys ---- */

static void
test_thumbprint_rfc7638 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) jwk = jwk_with (RFC7638_N, "AQAB");
  g_autoptr(KsRsaKey) key = NULL;
  g_autoptr(JsonObject) exported = NULL;

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
  g_autoptr(GError) error = NULL;
  KsRsaKey *key = get_key (0);
  g_autoptr(JsonObject) jwk = ks_rsa_key_to_public_jwk (key);
  g_autoptr(KsRsaKey) pub = ks_rsa_key_new_from_jwk (jwk, &error);
  g_autoptr(GBytes) sig = NULL;
  g_autofree char *token = NULL;

  g_assert_no_error (error);
  g_assert_true (ks_rsa_key_has_private (key));
  g_assert_cmpuint (strlen (ks_rsa_key_get_kid (key)), ==, 43);
  g_assert_cmpstr (ks_rsa_key_get_kid (pub), ==, ks_rsa_key_get_kid (key));
  g_assert_cmpstr (ks_rsa_key_get_kid (get_key (1)), !=, ks_rsa_key_get_kid (key));
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
  KsRsaKey *key = get_key (0);
  g_autoptr(EVP_PKEY) pkey = pkey_of (key);
  g_autofree char *pkcs8 = ks_rsa_key_to_private_pem (key);
  struct { int selection; const char *structure; const char *begin; gboolean priv; } forms[] = {
    { EVP_PKEY_KEYPAIR, "PrivateKeyInfo", "-----BEGIN PRIVATE KEY-----", TRUE },
    { EVP_PKEY_KEYPAIR, "type-specific", "-----BEGIN RSA PRIVATE KEY-----", TRUE },
    { EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo", "-----BEGIN PUBLIC KEY-----", FALSE },
    { EVP_PKEY_PUBLIC_KEY, "type-specific", "-----BEGIN RSA PUBLIC KEY-----", FALSE },
  };

  g_assert_true (g_str_has_prefix (pkcs8, "-----BEGIN PRIVATE KEY-----"));
  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *pem = encode_pem (pkey, forms[i].selection, forms[i].structure);
      g_autoptr(KsRsaKey) loaded = key_from_pem (pem);
      g_autoptr(KsJwks) jwks = jwks_of (loaded);
      g_autoptr(JsonObject) claims = make_claims ("access");
      g_autofree char *token = sign_claims (key, claims);
      KsJwtExpect expect = expect_for ("access");

      g_test_message ("PEM form %s", forms[i].begin);
      g_assert_true (g_str_has_prefix (pem, forms[i].begin));
      g_assert_cmpint (ks_rsa_key_has_private (loaded), ==, forms[i].priv);
      g_assert_cmpstr (ks_rsa_key_get_kid (loaded), ==, ks_rsa_key_get_kid (key));
      assert_verify_ok (token, jwks, &expect);
    }
}

static void
assert_pem_fails (const char *pem,
                  KsCoreError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRsaKey) key = ks_rsa_key_new_from_pem (pem, &error);

  g_assert_error (error, KS_CORE_ERROR, (gint) code);
  g_assert_null (key);
}

static void
test_pem_refused (void)
{
  g_autoptr(EVP_PKEY) ec = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  g_autoptr(EVP_PKEY) small = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) 1024);
  g_autoptr(EVP_PKEY) pkey = pkey_of (get_key (0));
  g_autoptr(BIO) bio = BIO_new (BIO_s_mem ());
  g_autofree char *pem = ks_rsa_key_to_private_pem (get_key (0));
  g_autofree char *ec_pem = encode_pem (ec, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
  g_autofree char *small_pem = encode_pem (small, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
  g_autofree char *encrypted = NULL;
  g_auto(GStrv) garbage = ks_test_garbage_strings (7515, 200);

  g_assert_true (PEM_write_bio_PrivateKey (bio, pkey, EVP_aes_256_cbc (),
                                           (const unsigned char *) "secret", 6, NULL, NULL));
  encrypted = bio_to_string (bio);

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
  g_autoptr(GError) error = NULL;
  g_autoptr(KsRsaKey) ok2048 = NULL;
  g_autoptr(KsRsaKey) ok8192 = NULL;
  g_autoptr(KsRsaKey) ok_e64 = NULL;
  JsonObject *jwk;
  guint8 bytes[257] = { 0, 0xc3 };

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
  assert_jwk_fails (jwk_with (RFC7638_N, "AQAA"), KS_CORE_ERROR_INVALID);      /* even */
  assert_jwk_fails (jwk_with (RFC7638_N, "AQ"), KS_CORE_ERROR_INVALID);        /* 1 */
  assert_jwk_fails (jwk_with (RFC7638_N, "AAEAAQ"), KS_CORE_ERROR_PARSE);      /* leading 0 */
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
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) jwk = jwk_with (RFC7515_N, "AQAB");
  KsRsaKey *key = ks_rsa_key_new_from_jwk (jwk, &error);

  g_assert_no_error (error);
  return key;
}

static KsRsaKey *
rfc7515_private_key (void)
{
  const char *names[] = {
    OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
    OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
    OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
  };
  const char *values[] = {
    RFC7515_N, "AQAB", RFC7515_D, RFC7515_P, RFC7515_Q, RFC7515_DP, RFC7515_DQ, RFC7515_QI,
  };
  BIGNUM *bns[G_N_ELEMENTS (values)];
  g_autoptr(OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new ();
  g_autoptr(OSSL_PARAM) params = NULL;
  g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name (NULL, "RSA", NULL);
  g_autoptr(EVP_PKEY) pkey = NULL;
  g_autofree char *pem = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = 0;
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

  pem = encode_pem (pkey, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
  return key_from_pem (pem);
}

static void
test_rfc7515_verify (void)
{
  g_autoptr(KsRsaKey) key = rfc7515_public_key ();
  g_autoptr(KsJwks) jwks = jwks_of (key);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *sig = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *token = g_strconcat (RFC7515_SIGNING_INPUT, ".", RFC7515_SIGNATURE, NULL);
  gsize sig_len = 0;
  KsJwtExpect expect = expect_for (NULL);

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
  assert_verify_fails (token, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
}

static void
test_rfc7515_sign (void)
{
  g_autoptr(KsRsaKey) key = rfc7515_private_key ();
  g_autoptr(KsRsaKey) pub = rfc7515_public_key ();
  g_autoptr(GError) error = NULL;
  g_autofree char *header_b64 = b64 (RFC7515_HEADER);
  g_autofree char *payload_b64 = b64 (RFC7515_PAYLOAD);
  g_autofree char *input = g_strconcat (header_b64, ".", payload_b64, NULL);
  g_autoptr(GBytes) sig = NULL;
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

/* ---- Tokens ---- */

static void
test_roundtrip (void)
{
  const char *uses[] = { "access", "id" };
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));

  for (guint i = 0; i < G_N_ELEMENTS (uses); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) claims = make_claims (uses[i]);
      g_autofree char *token = sign_claims (get_key (0), claims);
      g_auto(GStrv) parts = g_strsplit (token, ".", -1);
      g_autofree guint8 *header = NULL;
      g_autofree char *expected_header = default_header (get_key (0));
      g_autoptr(JsonObject) got = NULL;
      gsize len = 0;
      KsJwtExpect expect = expect_for (uses[i]);
      KsJwtExpect either = expect_for (NULL);

      g_assert_cmpuint (g_strv_length (parts), ==, 3);
      g_assert_null (strchr (token, '='));
      header = ks_base64url_decode (parts[0], &len, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (header, len, expected_header, strlen (expected_header));

      got = ks_jwt_verify (token, jwks, &expect, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (got, "token_use"), ==, uses[i]);
      g_assert_cmpstr (json_object_get_string_member (got, "sub"), ==,
                       json_object_get_string_member (claims, "sub"));
      g_assert_cmpint (json_object_get_int_member (got, "exp"), ==, NOW + 3600);
      assert_verify_ok (token, jwks, &either);
    }
}

static void
test_rfc7515_key_roundtrip (void)
{
  g_autoptr(KsRsaKey) key = rfc7515_private_key ();
  g_autoptr(KsRsaKey) pub = rfc7515_public_key ();
  g_autoptr(KsJwks) jwks = jwks_of (pub);
  g_autoptr(JsonObject) claims = make_claims ("id");
  g_autofree char *token = sign_claims (key, claims);
  KsJwtExpect expect = expect_for ("id");

  assert_verify_ok (token, jwks, &expect);
}

static void
test_jwks_picks_by_kid (void)
{
  g_autoptr(KsJwks) built = ks_jwks_new ();
  g_autoptr(KsJwks) parsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  KsJwtExpect expect = expect_for ("access");

  for (guint i = 0; i < 3; i++)
    ks_jwks_add_key (built, get_key (i));
  ks_jwks_add_key (built, get_key (1));  /* replaces, does not repeat */
  g_assert_cmpuint (ks_jwks_get_n_keys (built), ==, 3);
  json = ks_jwks_to_json (built);
  g_assert_null (strstr (json, "\"d\""));
  parsed = ks_jwks_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ks_jwks_get_n_keys (parsed), ==, 3);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonObject) claims = make_claims ("access");
      g_autofree char *token = sign_claims (get_key (i), claims);
      KsRsaKey *found = ks_jwks_lookup (parsed, ks_rsa_key_get_kid (get_key (i)));

      g_assert_nonnull (found);
      g_assert_false (ks_rsa_key_has_private (found));
      assert_verify_ok (token, parsed, &expect);
    }
  g_assert_null (ks_jwks_lookup (parsed, "no-such-kid"));
  g_assert_true (ks_jwks_ref (parsed) == parsed);
  ks_jwks_unref (parsed);
}

/* Cognito's kids are its own strings, not RFC 7638 thumbprints. */
static void
test_jwks_issuer_kid (void)
{
  g_autoptr(JsonObject) jwk = ks_rsa_key_to_public_jwk (get_key (0));
  g_autofree char *jwk_text = claims_text (jwk);
  g_autofree char *json = NULL;
  g_autofree char *again = NULL;
  g_autoptr(KsJwks) jwks = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *payload = claims_text (claims);
  g_autofree char *ours = sign_claims (get_key (0), claims);
  g_autofree char *theirs = NULL;
  KsJwtExpect expect = expect_for ("access");

  json_object_set_string_member (jwk, "kid", "tVKUeC3xcKNX3kRwfZzULYdXvNW5Ke4Q3IwYnyZ1Cjw=");
  g_free (jwk_text);
  jwk_text = claims_text (jwk);
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

  theirs = sign_raw (get_key (0), "{\"kid\":\"tVKUeC3xcKNX3kRwfZzULYdXvNW5Ke4Q3IwYnyZ1Cjw=\","
                     "\"alg\":\"RS256\"}", payload);
  assert_verify_ok (theirs, jwks, &expect);
  assert_verify_fails (ours, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
}

static void
test_unknown_key (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *payload = claims_text (claims);
  g_autofree char *other = sign_claims (get_key (1), claims);
  g_autofree char *no_kid = sign_raw (get_key (0), "{\"alg\":\"RS256\"}", payload);
  g_autofree char *empty_kid = sign_raw (get_key (0), "{\"alg\":\"RS256\",\"kid\":\"\"}", payload);
  g_autofree char *number_kid = sign_raw (get_key (0), "{\"alg\":\"RS256\",\"kid\":7}", payload);
  g_autoptr(KsJwks) empty = ks_jwks_new ();
  g_autofree char *ok = sign_claims (get_key (0), claims);
  KsJwtExpect expect = expect_for ("access");

  assert_verify_fails (other, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  assert_verify_fails (no_kid, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  assert_verify_fails (empty_kid, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  assert_verify_fails (number_kid, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  assert_verify_fails (ok, empty, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  assert_verify_ok (ok, jwks, &expect);
}

/* The classic confusions: "none", and HS256 keyed with the public key
 * the verifier already holds, in every form an attacker could find it. */
static void
test_algorithms_refused (void)
{
  KsRsaKey *key = get_key (0);
  g_autoptr(KsJwks) jwks = jwks_of (key);
  g_autofree char *jwks_json = ks_jwks_to_json (jwks);
  g_autoptr(JsonObject) jwk = ks_rsa_key_to_public_jwk (key);
  g_autoptr(EVP_PKEY) pkey = pkey_of (key);
  g_autofree char *spki = encode_pem (pkey, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo");
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *payload = claims_text (claims);
  g_autofree char *payload_b64 = b64 (payload);
  const char *secrets[] = { jwks_json, spki, json_object_get_string_member (jwk, "n") };
  struct { const char *alg; KsJwtError code; } algs[] = {
    { "\"HS256\"", KS_JWT_ERROR_UNSUPPORTED_ALGORITHM },
    { "\"RS512\"", KS_JWT_ERROR_UNSUPPORTED_ALGORITHM },
    { "\"PS256\"", KS_JWT_ERROR_UNSUPPORTED_ALGORITHM },
    { "\"rs256\"", KS_JWT_ERROR_UNSUPPORTED_ALGORITHM },
    { "\"RS256 \"", KS_JWT_ERROR_UNSUPPORTED_ALGORITHM },
    { "\"none\"", KS_JWT_ERROR_UNSUPPORTED_ALGORITHM },
    { "\"\"", KS_JWT_ERROR_UNSUPPORTED_ALGORITHM },
    { "256", KS_JWT_ERROR_MALFORMED },
    { "[\"RS256\"]", KS_JWT_ERROR_MALFORMED },
    { "null", KS_JWT_ERROR_MALFORMED },
  };
  KsJwtExpect expect = expect_for ("access");

  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      g_autofree char *header = g_strdup_printf ("{\"alg\":\"HS256\",\"kid\":\"%s\"}", ks_rsa_key_get_kid (key));
      g_autofree char *header_b64 = b64 (header);
      g_autofree char *input = g_strconcat (header_b64, ".", payload_b64, NULL);
      g_autofree char *mac_b64 = NULL;
      g_autofree char *token = NULL;
      guint8 mac[KS_SHA256_LEN];

      ks_hmac_sha256 (secrets[i], strlen (secrets[i]), input, strlen (input), mac);
      mac_b64 = ks_base64url_encode (mac, sizeof mac);
      token = g_strconcat (input, ".", mac_b64, NULL);
      assert_verify_fails (token, jwks, &expect, KS_JWT_ERROR_UNSUPPORTED_ALGORITHM);
    }

  for (guint i = 0; i < G_N_ELEMENTS (algs); i++)
    {
      g_autofree char *header = g_strdup_printf ("{\"alg\":%s,\"kid\":\"%s\"}", algs[i].alg, ks_rsa_key_get_kid (key));
      g_autofree char *header_b64 = b64 (header);
      g_autofree char *unsigned_token = g_strconcat (header_b64, ".", payload_b64, ".", NULL);
      g_autofree char *signed_token = sign_raw (key, header, payload);

      g_test_message ("alg %s", algs[i].alg);
      assert_verify_fails (unsigned_token, jwks, &expect, algs[i].code);
      assert_verify_fails (signed_token, jwks, &expect, algs[i].code);
    }
}

static void
test_header_refused (void)
{
  KsRsaKey *key = get_key (0);
  const char *kid = ks_rsa_key_get_kid (key);
  g_autoptr(KsJwks) jwks = jwks_of (key);
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *payload = claims_text (claims);
  g_autoptr(JsonObject) attacker_jwk = ks_rsa_key_to_public_jwk (get_key (2));
  g_autofree char *attacker_text = claims_text (attacker_jwk);
  g_autofree char *no_alg = g_strdup_printf ("{\"kid\":\"%s\"}", kid);
  g_autofree char *crit = g_strdup_printf ("{\"alg\":\"RS256\",\"kid\":\"%s\",\"crit\":[\"exp\"],\"exp\":1}", kid);
  g_autofree char *embedded = g_strdup_printf ("{\"alg\":\"RS256\",\"kid\":\"%s\",\"jwk\":%s}", kid, attacker_text);
  g_autofree char *jku = g_strdup_printf ("{\"alg\":\"RS256\",\"kid\":\"%s\",\"jku\":\"https://evil.example/jwks.json\"}", kid);
  g_autofree char *t1 = sign_raw (key, no_alg, payload);
  g_autofree char *t2 = sign_raw (key, crit, payload);
  g_autofree char *t3 = sign_raw (get_key (2), embedded, payload);
  g_autofree char *t4 = sign_raw (get_key (1), jku, payload);
  g_autofree char *t5 = sign_raw (key, jku, payload);
  KsJwtExpect expect = expect_for ("access");

  assert_verify_fails (t1, jwks, &expect, KS_JWT_ERROR_UNSUPPORTED_ALGORITHM);
  assert_verify_fails (t2, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  /* A token never brings its own key. */
  assert_verify_fails (t3, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
  assert_verify_fails (t4, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
  assert_verify_ok (t5, jwks, &expect);
}

/* ---- Claims ---- */

typedef struct
{
  const char *use;       /* token_use the claims are made for */
  const char *set;       /* JSON object whose members replace the claims' */
  const char *remove;    /* claim to drop, or NULL */
  const char *expected;  /* KsJwtExpect.token_use */
  guint       leeway;
  gint        code;      /* KsJwtError, or -1 for success */
} ClaimsCase;

#define OK (-1)
static const ClaimsCase claims_cases[] = {
  /* exp must be > now - leeway (NOW is 1700000000). */
  { "access", "{\"exp\":1699999939}", NULL, "access", 60, KS_JWT_ERROR_EXPIRED },
  { "access", "{\"exp\":1699999940}", NULL, "access", 60, KS_JWT_ERROR_EXPIRED },
  { "access", "{\"exp\":1699999941}", NULL, "access", 60, OK },
  { "access", "{\"exp\":1700000000}", NULL, "access", 0, KS_JWT_ERROR_EXPIRED },
  { "access", "{\"exp\":1700000001}", NULL, "access", 0, OK },
  { "access", "{\"exp\":1700000100.5}", NULL, "access", 0, OK },
  { "access", "{\"exp\":-1}", NULL, "access", 60, KS_JWT_ERROR_EXPIRED },
  { "access", "{\"exp\":999999999999999999}", NULL, "access", 60, OK },
  { "access", NULL, "exp", "access", 60, KS_JWT_ERROR_MISSING_CLAIM },
  /* iat and nbf must be <= now + leeway; iat is optional. */
  { "id", "{\"iat\":1700000061}", NULL, "id", 60, KS_JWT_ERROR_NOT_YET_VALID },
  { "id", "{\"iat\":1700000060}", NULL, "id", 60, OK },
  { "id", "{\"iat\":1700000001}", NULL, "id", 0, KS_JWT_ERROR_NOT_YET_VALID },
  { "id", "{\"nbf\":1700000061}", NULL, "id", 60, KS_JWT_ERROR_NOT_YET_VALID },
  { "id", "{\"nbf\":1700000000}", NULL, "id", 60, OK },
  { "id", NULL, "iat", "id", 60, OK },
  /* Wrong types are malformed, whatever their value. */
  { "access", "{\"exp\":\"1700003600\"}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"exp\":true}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"exp\":null}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"exp\":1e300}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"exp\":{}}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"iat\":\"now\"}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"nbf\":[]}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"iss\":5}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"token_use\":[\"access\"]}", NULL, NULL, 60, KS_JWT_ERROR_MALFORMED },
  { "access", "{\"client_id\":{}}", NULL, "access", 60, KS_JWT_ERROR_MALFORMED },
  { "id", "{\"aud\":5}", NULL, "id", 60, KS_JWT_ERROR_MALFORMED },
  { "id", "{\"aud\":[5,\"" CLIENT_ID "\"]}", NULL, "id", 60, KS_JWT_ERROR_MALFORMED },
  /* iss */
  { "access", "{\"iss\":\"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other\"}", NULL, "access", 60, KS_JWT_ERROR_WRONG_ISSUER },
  { "access", "{\"iss\":\"" ISSUER "/\"}", NULL, "access", 60, KS_JWT_ERROR_WRONG_ISSUER },
  { "id", "{\"iss\":\"" ISSUER "x\"}", NULL, "id", 60, KS_JWT_ERROR_WRONG_ISSUER },
  { "id", NULL, "iss", "id", 60, KS_JWT_ERROR_MISSING_CLAIM },
  /* token_use */
  { "id", NULL, NULL, "access", 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", NULL, NULL, "id", 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", "{\"token_use\":\"refresh\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", "{\"token_use\":\"ACCESS\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", NULL, "token_use", NULL, 60, KS_JWT_ERROR_MISSING_CLAIM },
  /* Access tokens name their app client in client_id. */
  { "access", "{\"client_id\":\"someotherclient\"}", NULL, "access", 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "access", "{\"client_id\":\"" CLIENT_ID "x\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "access", NULL, "client_id", "access", 60, KS_JWT_ERROR_MISSING_CLAIM },
  { "access", "{\"aud\":\"" CLIENT_ID "\",\"client_id\":null}", NULL, NULL, 60, KS_JWT_ERROR_MALFORMED },
  /* Id tokens in aud, a string or an array of strings. */
  { "id", "{\"aud\":\"someotherclient\"}", NULL, "id", 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "id", "{\"aud\":[\"someotherclient\",\"" CLIENT_ID "\"]}", NULL, "id", 60, OK },
  { "id", "{\"aud\":[\"someotherclient\"]}", NULL, "id", 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "id", "{\"aud\":[]}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "id", NULL, "aud", "id", 60, KS_JWT_ERROR_MISSING_CLAIM },
  { "id", "{\"client_id\":\"" CLIENT_ID "\",\"aud\":\"someotherclient\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_AUDIENCE },
};

static void
test_claims (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));

  for (guint i = 0; i < G_N_ELEMENTS (claims_cases); i++)
    {
      const ClaimsCase *c = &claims_cases[i];
      g_autoptr(JsonObject) claims = make_claims (c->use);
      g_autofree char *token = NULL;
      KsJwtExpect expect = expect_for (c->expected);

      g_test_message ("claims case %u: %s %s -%s", i, c->use,
                      c->set != NULL ? c->set : "", c->remove != NULL ? c->remove : "");
      if (c->set != NULL)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(JsonNode) set = json_from_string (c->set, &error);
          JsonObjectIter iter;
          const char *name;
          JsonNode *value;

          g_assert_no_error (error);
          json_object_iter_init (&iter, json_node_get_object (set));
          while (json_object_iter_next (&iter, &name, &value))
            json_object_set_member (claims, name, json_node_copy (value));
        }
      if (c->remove != NULL)
        json_object_remove_member (claims, c->remove);
      token = sign_claims (get_key (0), claims);
      expect.leeway_seconds = c->leeway;
      if (c->code == OK)
        assert_verify_ok (token, jwks, &expect);
      else
        assert_verify_fails (token, jwks, &expect, (KsJwtError) c->code);
    }
}

static void
test_current_time (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *old = sign_claims (get_key (0), claims);
  g_autofree char *fresh = NULL;
  KsJwtExpect expect = expect_for ("access");

  json_object_set_int_member (claims, "exp", g_get_real_time () / G_USEC_PER_SEC + 600);
  fresh = sign_claims (get_key (0), claims);
  assert_verify_ok (old, jwks, &expect);
  expect.now_unix = 0;
  assert_verify_fails (old, jwks, &expect, KS_JWT_ERROR_EXPIRED);
  assert_verify_ok (fresh, jwks, &expect);
}

/* ---- Damaged tokens ---- */

static void
test_truncated (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *token = sign_claims (get_key (0), claims);
  gsize signed_len = (gsize) (strrchr (token, '.') - token);
  KsJwtExpect expect = expect_for ("access");

  assert_verify_ok (token, jwks, &expect);
  for (gsize len = 0; len < strlen (token); len++)
    {
      g_autofree char *prefix = g_strndup (token, len);
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) peek_error = NULL;
      g_autoptr(JsonObject) got = ks_jwt_verify (prefix, jwks, &expect, &error);
      g_autoptr(JsonObject) peeked = ks_jwt_peek_claims (prefix, &peek_error);

      g_assert_null (got);
      g_assert_true (error != NULL && error->domain == KS_JWT_ERROR);
      if (len <= signed_len)
        g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
      else if (error->code != KS_JWT_ERROR_MALFORMED)
        g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_BAD_SIGNATURE);
      g_assert_true ((peeked == NULL) != (peek_error == NULL));
    }
}

static void
test_tampered (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *token = sign_claims (get_key (0), claims);
  g_autofree char *other = NULL;
  char *sig = strrchr (token, '.') + 1;
  gsize sig_len = strlen (sig);
  g_autofree char *signed_part = g_strndup (token, (gsize) (sig - token));
  g_autofree char *spliced = NULL;
  KsJwtExpect expect = expect_for ("access");

  /* Every signature character, swapped for another valid one: A and Q
   * differ only in bits that the last character carries too. */
  for (gsize i = 0; i < sig_len; i++)
    {
      g_autofree char *copy = g_strdup (token);
      char *c = copy + (sig - token) + i;

      *c = *c == 'A' ? 'Q' : 'A';
      assert_verify_fails (copy, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
    }
  /* Every payload character; any change breaks the signature first. */
  for (char *p = strchr (token, '.') + 1; p < sig - 1; p++)
    {
      g_autofree char *copy = g_strdup (token);

      copy[p - token] = *p == 'e' ? 'f' : 'e';
      assert_verify_fails (copy, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
    }

  /* A genuine signature of another token. */
  json_object_set_string_member (claims, "username", "mallory");
  other = sign_claims (get_key (0), claims);
  spliced = g_strconcat (signed_part, strrchr (other, '.') + 1, NULL);
  assert_verify_fails (spliced, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
}

static void
test_bad_base64 (void)
{
  KsRsaKey *key = get_key (0);
  g_autoptr(KsJwks) jwks = jwks_of (key);
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *header = default_header (key);
  g_autofree char *h = b64 (header);
  g_autofree char *payload = claims_text (claims);
  g_autofree char *p = b64 (payload);
  g_autofree char *h_padded = g_strconcat (h, "=", NULL);
  g_autofree char *p_padded = g_strconcat (p, "==", NULL);
  g_autofree char *token = sign_segments (key, h, p);
  char *sig = strrchr (token, '.') + 1;
  g_autofree char *sig_padded = g_strconcat (token, "==", NULL);
  g_autofree char *sig_newline = g_strconcat (token, "\n", NULL);
  g_autofree char *leading_space = g_strconcat (" ", token, NULL);
  g_autofree char *sig_plus = g_strdup (token);
  g_autofree char *sig_slash = g_strdup (token);
  /* Signed, so what fails is the encoding and not the signature. */
  const char *segments[][2] = {
    { h_padded, p }, { h, p_padded }, { "*", p }, { "eyJ+", p }, { h, "eyJ/" },
    { h, "eyJpc3MiOiJ4In0%" }, { h, "eyJpc3M iOiJ4In0" }, { h, "eyJpc3MiOiJ4In0\n" },
  };
  const char *tokens[] = { sig_padded, sig_newline, leading_space, sig_plus, sig_slash };
  KsJwtExpect expect = expect_for ("access");

  sig_plus[sig - token] = '+';
  sig_slash[sig - token + 5] = '/';
  assert_verify_ok (token, jwks, &expect);
  for (guint i = 0; i < G_N_ELEMENTS (segments); i++)
    {
      g_autofree char *bad = sign_segments (key, segments[i][0], segments[i][1]);

      g_test_message ("segments %u: %s", i, bad);
      assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    assert_verify_fails (tokens[i], jwks, &expect, KS_JWT_ERROR_MALFORMED);
}

/* Each header or payload is signed, so only its shape can fail it. */
static void
test_json_shapes (void)
{
  KsRsaKey *key = get_key (0);
  g_autoptr(KsJwks) jwks = jwks_of (key);
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *header = default_header (key);
  g_autofree char *payload = claims_text (claims);
  g_autofree char *deep = NULL;
  g_autofree char *header_trailing = g_strconcat (header, " {}", NULL);
  g_autofree char *header_var = g_strconcat ("var h = ", header, NULL);
  g_autofree char *payload_var = g_strconcat ("var c = ", payload, ";", NULL);
  g_autofree char *payload_trailing = g_strconcat (payload, "{}", NULL);
  g_autofree char *nested_ok = NULL;
  const char *headers[] = { "[]", "\"RS256\"", "42", "null", "{\"alg\":\"RS256\",", "\xff{}" };
  /* Strictly JSON: json-glib alone would take most of these. */
  const char *payloads[] = {
    "[]", "\"x\"", "{", "true", "{\"iss\":\"\xc3\x28\"}", "\xef\xbb\xbf{}", "{} {}", "{}\n[]",
    "/*c*/{}", "{\"exp\":1}//", "{'exp':1}", "{\"exp\":0x10}", "{\"exp\":01}", "{\"exp\":.5}",
    "{\"exp\":1.}", "{\"exp\":1e}", "{\"exp\":-}", "{\"a\":\"\\x41\"}", "{\"a\":\"\t\"}",
    "{\"a\":\"\\u12\"}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":[1,]}", "{\"a\":tru}", "{\"a\":\"x}",
    /* json-glib would wrap the first to -1 and make the second inf. */
    "{\"exp\":99999999999999999999}", "{\"exp\":1e400}",
    /* A NUL would cut the issuer short; lone surrogates are not text. */
    "{\"iss\":\"" ISSUER "\\u0000x\"}", "{\"a\":\"\\ud800x\"}", "{\"a\":\"\\udc00\"}",
    "{\"a\":\"\\ud800\\u0041\"}",
  };
  KsJwtExpect expect = expect_for ("access");
  GString *nest = g_string_new ("{\"exp\":");

  /* Inside an object, so that only the depth limit can refuse it. */
  for (guint i = 0; i < 40; i++)
    g_string_append (nest, "[");
  for (guint i = 0; i < 40; i++)
    g_string_append (nest, "]");
  g_string_append (nest, "}");
  deep = g_string_free (nest, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *bad = sign_raw (key, headers[i], payload);

      assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *bad = sign_raw (key, header, payloads[i]);

      assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
  {
    const char *more[][2] = {
      { header_trailing, payload }, { header_var, payload }, { deep, payload },
      { header, payload_var }, { header, payload_trailing }, { header, deep },
    };

    for (guint i = 0; i < G_N_ELEMENTS (more); i++)
      {
        g_autofree char *bad = sign_raw (key, more[i][0], more[i][1]);

        assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
      }
  }
  {
    /* A NUL byte inside the JSON. */
    static const guint8 with_nul[] = "{\"iss\":\"a\0b\"}";
    g_autofree char *h = b64 (header);
    g_autofree char *p = ks_base64url_encode (with_nul, sizeof with_nul - 1);
    g_autofree char *bad = sign_segments (key, h, p);

    assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  }

  /* Ordinary nesting in custom claims is fine. */
  nested_ok = g_strdup_printf ("%.*s,\"custom:deep\":[[[[[[[[1]]]]]]]],\"custom:e\":\"\\ud83d\\ude00\\u00e9\"}",
                               (int) strlen (payload) - 1, payload);
  {
    g_autofree char *good = sign_raw (key, header, nested_ok);

    assert_verify_ok (good, jwks, &expect);
  }
}

static void
test_structure (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *token = sign_claims (get_key (0), claims);
  g_autofree char *four = g_strconcat (token, ".", NULL);
  g_autofree char *four_sig = g_strconcat (token, ".x", NULL);
  g_autofree char *too_long = g_strnfill (KS_JWT_MAX_LEN + 1, 'a');
  const char *tokens[] = { "", ".", "..", "...", "a", "a.b", "a.b.c.d", ".b.c", "a..c",
                           "eyJ9.eyJ9", four, four_sig, too_long };
  KsJwtExpect expect = expect_for ("access");

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) peeked = ks_jwt_peek_claims (tokens[i], &error);

      g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
      g_assert_null (peeked);
      assert_verify_fails (tokens[i], jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
}

static void
test_size_limit (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *big = g_strnfill (10000, 'x');
  g_autofree char *huge = g_strnfill (KS_JWT_MAX_LEN, 'x');
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  KsJwtExpect expect = expect_for ("access");

  json_object_set_string_member (claims, "custom:big", big);
  token = sign_claims (get_key (0), claims);
  assert_verify_ok (token, jwks, &expect);
  g_clear_pointer (&token, g_free);

  json_object_set_string_member (claims, "custom:big", huge);
  token = ks_jwt_sign (get_key (0), claims, &error);
  g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
  g_assert_null (token);

  /* Validly signed, but over the limit: refused before decoding. */
  {
    g_autofree char *header = default_header (get_key (0));
    g_autofree char *payload = claims_text (claims);
    g_autofree char *oversized = sign_raw (get_key (0), header, payload);

    assert_verify_fails (oversized, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  }
}

static void
test_garbage_tokens (void)
{
  g_autoptr(KsJwks) jwks = jwks_of (get_key (0));
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *token = sign_claims (get_key (0), claims);
  g_auto(GStrv) garbage = ks_test_garbage_strings (7519, 300);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7519);
  KsJwtExpect expect = expect_for ("access");

  for (guint i = 0; garbage[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) peeked = ks_jwt_peek_claims (garbage[i], &error);

      g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
      g_assert_null (peeked);
      assert_verify_fails (garbage[i], jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }

  /* Random byte damage to a good token is always refused. */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *copy = g_strdup (token);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) got = NULL;
      gsize pos = (gsize) g_rand_int_range (rand, 0, (gint32) strlen (token));
      char c = (char) g_rand_int_range (rand, 1, 256);

      copy[pos] = c != token[pos] ? c : (char) (c ^ 0x40);
      got = ks_jwt_verify (copy, jwks, &expect, &error);
      g_assert_null (got);
      g_assert_true (error != NULL && error->domain == KS_JWT_ERROR);
    }
}

static void
test_peek (void)
{
  g_autoptr(JsonObject) claims = make_claims ("access");
  g_autofree char *token = sign_claims (get_key (1), claims);
  g_autoptr(JsonObject) peeked = NULL;
  g_autoptr(GError) error = NULL;

  /* Unknown key, and long expired under the real clock: still readable. */
  peeked = ks_jwt_peek_claims (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (peeked, "username"), ==, "alice");
  g_assert_cmpint (json_object_get_int_member (peeked, "exp"), ==, NOW + 3600);
}

/* ---- Key set documents ---- */

static void
assert_jwks_fails (const char *json,
                   gssize      len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJwks) jwks = ks_jwks_new_from_json (json, len, &error);

  g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
  g_assert_null (jwks);
}

static void
test_jwks_refused (void)
{
  g_autoptr(JsonObject) jwk = ks_rsa_key_to_public_jwk (get_key (0));
  g_autofree char *k = claims_text (jwk);
  g_autofree char *tiny = fake_modulus (64, 0xc3);
  g_autofree char *tiny_doc = g_strdup_printf ("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}]}", tiny);
  g_autofree char *twice = g_strdup_printf ("{\"keys\":[%s,%s]}", k, k);
  g_autofree char *kid_number = g_strdup_printf ("{\"keys\":[%.*s,\"kid\":1}]}", (int) strlen (k) - 1, k);
  g_autofree char *kid_empty = g_strdup_printf ("{\"keys\":[%.*s,\"kid\":\"\"}]}", (int) strlen (k) - 1, k);
  g_autofree char *with_nul = g_strdup_printf ("{\"keys\":[%s]}", k);
  g_autofree char *oversized = g_strnfill (256 * 1024 + 1, ' ');
  g_auto(GStrv) garbage = ks_test_garbage_strings (7517, 500);
  g_autoptr(GString) many = g_string_new ("{\"keys\":[");
  g_autoptr(GError) error = NULL;
  g_autoptr(KsJwks) good = NULL;
  g_autoptr(KsJwks) empty = NULL;
  const char *docs[] = {
    "", "[]", "null", "{}", "{\"keys\":{}}", "{\"keys\":\"x\"}", "{\"keys\":null}",
    "{\"keys\":[1]}", "{\"keys\":[[]]}", "{\"keys\":[{}]}", "{\"keys\":[{\"kty\":5}]}",
    "{\"keys\":[{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}",
    "{\"keys\":[{\"kty\":\"RSA\",\"n\":5,\"e\":\"AQAB\"}]}",
    "{\"keys\":[{\"kty\":\"RSA\",\"use\":5}]}",
    "var jwks = {\"keys\":[]}", "{\"keys\":[]} {}",
    "{\"keys\":[],\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    tiny_doc, twice, kid_number, kid_empty, oversized,
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

  g_test_add_func ("/jwt/rsa/thumbprint-rfc7638", test_thumbprint_rfc7638);
  g_test_add_func ("/jwt/rsa/generate-jwk-roundtrip", test_generate_and_jwk_roundtrip);
  g_test_add_func ("/jwt/rsa/pem-forms", test_pem_forms);
  g_test_add_func ("/jwt/rsa/pem-refused", test_pem_refused);
  g_test_add_func ("/jwt/rsa/jwk-refused", test_jwk_refused);
  g_test_add_func ("/jwt/rfc7515/verify", test_rfc7515_verify);
  g_test_add_func ("/jwt/rfc7515/sign", test_rfc7515_sign);
  g_test_add_func ("/jwt/rfc7515/key-roundtrip", test_rfc7515_key_roundtrip);
  g_test_add_func ("/jwt/roundtrip", test_roundtrip);
  g_test_add_func ("/jwt/jwks/picks-by-kid", test_jwks_picks_by_kid);
  g_test_add_func ("/jwt/jwks/issuer-kid", test_jwks_issuer_kid);
  g_test_add_func ("/jwt/jwks/refused", test_jwks_refused);
  g_test_add_func ("/jwt/verify/unknown-key", test_unknown_key);
  g_test_add_func ("/jwt/verify/algorithms", test_algorithms_refused);
  g_test_add_func ("/jwt/verify/header", test_header_refused);
  g_test_add_func ("/jwt/verify/claims", test_claims);
  g_test_add_func ("/jwt/verify/current-time", test_current_time);
  g_test_add_func ("/jwt/verify/truncated", test_truncated);
  g_test_add_func ("/jwt/verify/tampered", test_tampered);
  g_test_add_func ("/jwt/verify/bad-base64", test_bad_base64);
  g_test_add_func ("/jwt/verify/json-shapes", test_json_shapes);
  g_test_add_func ("/jwt/verify/structure", test_structure);
  g_test_add_func ("/jwt/verify/garbage", test_garbage_tokens);
  g_test_add_func ("/jwt/sign/size-limit", test_size_limit);
  g_test_add_func ("/jwt/peek", test_peek);

  ret = g_test_run ();

  for (guint i = 0; i < G_N_ELEMENTS (test_keys); i++)
    g_clear_pointer (&test_keys[i], ks_rsa_key_unref);

  return ret;
}
