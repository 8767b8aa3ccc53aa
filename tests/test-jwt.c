/* test-jwt.c: RS256 JWTs as Cognito issues them (RFC 7515, 7519)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/evp.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-jwt.h"
#include "ks-rsa-key.h"
#include "ks-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)

static char *
default_header (KsRsaKey *key)
{
  return g_strdup_printf ("{\"kid\":\"%s\",\"alg\":\"RS256\"}", ks_rsa_key_get_kid (key));
}

/* ---- Tokens ---- */

static void
test_roundtrip (void)
{
  const char *uses[] = { "access", "id" };
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));

  for (guint i = 0; i < G_N_ELEMENTS (uses); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) claims = ks_test_jwt_claims_new (uses[i]);
      g_autofree char *token = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
      g_auto (GStrv) parts = g_strsplit (token, ".", -1);
      g_autofree guint8 *header = NULL;
      g_autofree char   *expected_header = default_header (ks_test_rsa_key (0));
      g_autoptr (JsonObject) got = NULL;
      gsize       len = 0;
      KsJwtExpect expect = ks_test_jwt_expect (uses[i]);
      KsJwtExpect either = ks_test_jwt_expect (NULL);

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
      g_assert_cmpint (json_object_get_int_member (got, "exp"), ==, KS_TEST_JWT_NOW + 3600);
      ks_test_jwt_assert_verify_ok (token, jwks, &either);
    }
}

static void
test_unknown_key (void)
{
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *payload = ks_test_json_text (claims);
  g_autofree char *other = ks_test_jwt_sign (ks_test_rsa_key (1), claims);
  g_autofree char *no_kid = ks_test_jwt_sign_raw (ks_test_rsa_key (0), "{\"alg\":\"RS256\"}", payload);
  g_autofree char *empty_kid = ks_test_jwt_sign_raw (ks_test_rsa_key (0), "{\"alg\":\"RS256\",\"kid\":\"\"}",
                                                     payload);
  g_autofree char *number_kid = ks_test_jwt_sign_raw (ks_test_rsa_key (0), "{\"alg\":\"RS256\",\"kid\":7}",
                                                      payload);
  g_autoptr (KsJwks) empty = ks_jwks_new ();
  g_autofree char *ok = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  ks_test_jwt_assert_verify_fails (other, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  ks_test_jwt_assert_verify_fails (no_kid, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  ks_test_jwt_assert_verify_fails (empty_kid, jwks, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  ks_test_jwt_assert_verify_fails (number_kid, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  ks_test_jwt_assert_verify_fails (ok, empty, &expect, KS_JWT_ERROR_UNKNOWN_KEY);
  ks_test_jwt_assert_verify_ok (ok, jwks, &expect);
}

/* The classic confusions: "none", and HS256 keyed with the public key
 * the verifier already holds, in every form an attacker could find it. */
static void
test_algorithms_refused (void)
{
  KsRsaKey *key = ks_test_rsa_key (0);
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (key);
  g_autofree char *jwks_json = ks_jwks_to_json (jwks);
  g_autoptr (JsonObject) jwk = ks_rsa_key_to_public_jwk (key);
  g_autoptr (EVP_PKEY) pkey = ks_test_rsa_key_to_pkey (key);
  g_autofree char *spki = ks_test_pem_encode (pkey, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo");
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *payload = ks_test_json_text (claims);
  g_autofree char *payload_b64 = ks_test_b64 (payload);
  const char      *secrets[] = { jwks_json, spki, json_object_get_string_member (jwk, "n") };
  struct
  {
    const char *alg;
    KsJwtError  code;
  } algs[] = {
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
  KsJwtExpect expect = ks_test_jwt_expect ("access");

  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      g_autofree char *header = g_strdup_printf ("{\"alg\":\"HS256\",\"kid\":\"%s\"}", ks_rsa_key_get_kid (key));
      g_autofree char *header_b64 = ks_test_b64 (header);
      g_autofree char *input = g_strconcat (header_b64, ".", payload_b64, NULL);
      g_autofree char *mac_b64 = NULL;
      g_autofree char *token = NULL;
      guint8           mac[KS_SHA256_LEN];

      ks_hmac_sha256 (secrets[i], strlen (secrets[i]), input, strlen (input), mac);
      mac_b64 = ks_base64url_encode (mac, sizeof mac);
      token = g_strconcat (input, ".", mac_b64, NULL);
      ks_test_jwt_assert_verify_fails (token, jwks, &expect, KS_JWT_ERROR_UNSUPPORTED_ALGORITHM);
    }

  for (guint i = 0; i < G_N_ELEMENTS (algs); i++)
    {
      g_autofree char *header = g_strdup_printf ("{\"alg\":%s,\"kid\":\"%s\"}", algs[i].alg, ks_rsa_key_get_kid (key));
      g_autofree char *header_b64 = ks_test_b64 (header);
      g_autofree char *unsigned_token = g_strconcat (header_b64, ".", payload_b64, ".", NULL);
      g_autofree char *signed_token = ks_test_jwt_sign_raw (key, header, payload);

      g_test_message ("alg %s", algs[i].alg);
      ks_test_jwt_assert_verify_fails (unsigned_token, jwks, &expect, algs[i].code);
      ks_test_jwt_assert_verify_fails (signed_token, jwks, &expect, algs[i].code);
    }
}

static void
test_header_refused (void)
{
  KsRsaKey   *key = ks_test_rsa_key (0);
  const char *kid = ks_rsa_key_get_kid (key);
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (key);
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *payload = ks_test_json_text (claims);
  g_autoptr (JsonObject) attacker_jwk = ks_rsa_key_to_public_jwk (ks_test_rsa_key (2));
  g_autofree char *attacker_text = ks_test_json_text (attacker_jwk);
  g_autofree char *no_alg = g_strdup_printf ("{\"kid\":\"%s\"}", kid);
  g_autofree char *crit = g_strdup_printf ("{\"alg\":\"RS256\",\"kid\":\"%s\",\"crit\":[\"exp\"],\"exp\":1}", kid);
  g_autofree char *embedded = g_strdup_printf ("{\"alg\":\"RS256\",\"kid\":\"%s\",\"jwk\":%s}", kid, attacker_text);
  g_autofree char *jku = g_strdup_printf ("{\"alg\":\"RS256\",\"kid\":\"%s\",\"jku\":\"https://evil.example/jwks.json\"}", kid);
  g_autofree char *t1 = ks_test_jwt_sign_raw (key, no_alg, payload);
  g_autofree char *t2 = ks_test_jwt_sign_raw (key, crit, payload);
  g_autofree char *t3 = ks_test_jwt_sign_raw (ks_test_rsa_key (2), embedded, payload);
  g_autofree char *t4 = ks_test_jwt_sign_raw (ks_test_rsa_key (1), jku, payload);
  g_autofree char *t5 = ks_test_jwt_sign_raw (key, jku, payload);
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  ks_test_jwt_assert_verify_fails (t1, jwks, &expect, KS_JWT_ERROR_UNSUPPORTED_ALGORITHM);
  ks_test_jwt_assert_verify_fails (t2, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  /* A token never brings its own key. */
  ks_test_jwt_assert_verify_fails (t3, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
  ks_test_jwt_assert_verify_fails (t4, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
  ks_test_jwt_assert_verify_ok (t5, jwks, &expect);
}

/* ---- Claims ---- */

typedef struct
{
  const char *use;      /* token_use the claims are made for */
  const char *set;      /* JSON object whose members replace the claims' */
  const char *remove;   /* claim to drop, or NULL */
  const char *expected; /* KsJwtExpect.token_use */
  guint       leeway;
  gint        code; /* KsJwtError, or -1 for success */
} ClaimsCase;

#define OK (-1)
static const ClaimsCase claims_cases[] = {
  /* exp must be > now - leeway (KS_TEST_JWT_NOW is 1700000000). */
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
  { "id", "{\"aud\":[5,\"" KS_TEST_JWT_CLIENT_ID "\"]}", NULL, "id", 60, KS_JWT_ERROR_MALFORMED },
  /* iss */
  { "access", "{\"iss\":\"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other\"}", NULL, "access", 60, KS_JWT_ERROR_WRONG_ISSUER },
  { "access", "{\"iss\":\"" KS_TEST_JWT_ISSUER "/\"}", NULL, "access", 60, KS_JWT_ERROR_WRONG_ISSUER },
  { "id", "{\"iss\":\"" KS_TEST_JWT_ISSUER "x\"}", NULL, "id", 60, KS_JWT_ERROR_WRONG_ISSUER },
  { "id", NULL, "iss", "id", 60, KS_JWT_ERROR_MISSING_CLAIM },
  /* token_use */
  { "id", NULL, NULL, "access", 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", NULL, NULL, "id", 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", "{\"token_use\":\"refresh\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", "{\"token_use\":\"ACCESS\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_TOKEN_USE },
  { "access", NULL, "token_use", NULL, 60, KS_JWT_ERROR_MISSING_CLAIM },
  /* Access tokens name their app client in client_id. */
  { "access", "{\"client_id\":\"someotherclient\"}", NULL, "access", 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "access", "{\"client_id\":\"" KS_TEST_JWT_CLIENT_ID "x\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "access", NULL, "client_id", "access", 60, KS_JWT_ERROR_MISSING_CLAIM },
  { "access", "{\"aud\":\"" KS_TEST_JWT_CLIENT_ID "\",\"client_id\":null}", NULL, NULL, 60, KS_JWT_ERROR_MALFORMED },
  /* Id tokens in aud, a string or an array of strings. */
  { "id", "{\"aud\":\"someotherclient\"}", NULL, "id", 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "id", "{\"aud\":[\"someotherclient\",\"" KS_TEST_JWT_CLIENT_ID "\"]}", NULL, "id", 60, OK },
  { "id", "{\"aud\":[\"someotherclient\"]}", NULL, "id", 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "id", "{\"aud\":[]}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_AUDIENCE },
  { "id", NULL, "aud", "id", 60, KS_JWT_ERROR_MISSING_CLAIM },
  { "id", "{\"client_id\":\"" KS_TEST_JWT_CLIENT_ID "\",\"aud\":\"someotherclient\"}", NULL, NULL, 60, KS_JWT_ERROR_WRONG_AUDIENCE },
};

static void
test_claims (void)
{
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));

  for (guint i = 0; i < G_N_ELEMENTS (claims_cases); i++)
    {
      const ClaimsCase *c = &claims_cases[i];
      g_autoptr (JsonObject) claims = ks_test_jwt_claims_new (c->use);
      g_autofree char *token = NULL;
      KsJwtExpect      expect = ks_test_jwt_expect (c->expected);

      g_test_message ("claims case %u: %s %s -%s", i, c->use,
                      c->set != NULL ? c->set : "", c->remove != NULL ? c->remove : "");
      if (c->set != NULL)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (JsonNode) set = json_from_string (c->set, &error);
          JsonObjectIter iter;
          const char    *name;
          JsonNode      *value;

          g_assert_no_error (error);
          json_object_iter_init (&iter, json_node_get_object (set));
          while (json_object_iter_next (&iter, &name, &value))
            json_object_set_member (claims, name, json_node_copy (value));
        }
      if (c->remove != NULL)
        json_object_remove_member (claims, c->remove);
      token = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
      expect.leeway_seconds = c->leeway;
      if (c->code == OK)
        ks_test_jwt_assert_verify_ok (token, jwks, &expect);
      else
        ks_test_jwt_assert_verify_fails (token, jwks, &expect, (KsJwtError) c->code);
    }
}

static void
test_current_time (void)
{
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *old = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  g_autofree char *fresh = NULL;
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  json_object_set_int_member (claims, "exp", g_get_real_time () / G_USEC_PER_SEC + 600);
  fresh = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  ks_test_jwt_assert_verify_ok (old, jwks, &expect);
  expect.now_unix = 0;
  ks_test_jwt_assert_verify_fails (old, jwks, &expect, KS_JWT_ERROR_EXPIRED);
  ks_test_jwt_assert_verify_ok (fresh, jwks, &expect);
}

/* ---- Damaged tokens ---- */

static void
test_truncated (void)
{
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *token = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  gsize            signed_len = (gsize) (strrchr (token, '.') - token);
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  ks_test_jwt_assert_verify_ok (token, jwks, &expect);
  for (gsize len = 0; len < strlen (token); len++)
    {
      g_autofree char *prefix = g_strndup (token, len);
      g_autoptr (GError) error = NULL;
      g_autoptr (GError) peek_error = NULL;
      g_autoptr (JsonObject) got = ks_jwt_verify (prefix, jwks, &expect, &error);
      g_autoptr (JsonObject) peeked = ks_jwt_peek_claims (prefix, &peek_error);

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
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *token = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  g_autofree char *other = NULL;
  char            *sig = strrchr (token, '.') + 1;
  gsize            sig_len = strlen (sig);
  g_autofree char *signed_part = g_strndup (token, (gsize) (sig - token));
  g_autofree char *spliced = NULL;
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  /* Every signature character, swapped for another valid one: A and Q
   * differ only in bits that the last character carries too. */
  for (gsize i = 0; i < sig_len; i++)
    {
      g_autofree char *copy = g_strdup (token);
      char            *c = copy + (sig - token) + i;

      *c = *c == 'A' ? 'Q' : 'A';
      ks_test_jwt_assert_verify_fails (copy, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
    }
  /* Every payload character; any change breaks the signature first. */
  for (char *p = strchr (token, '.') + 1; p < sig - 1; p++)
    {
      g_autofree char *copy = g_strdup (token);

      copy[p - token] = *p == 'e' ? 'f' : 'e';
      ks_test_jwt_assert_verify_fails (copy, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
    }

  /* A genuine signature of another token. */
  json_object_set_string_member (claims, "username", "mallory");
  other = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  spliced = g_strconcat (signed_part, strrchr (other, '.') + 1, NULL);
  ks_test_jwt_assert_verify_fails (spliced, jwks, &expect, KS_JWT_ERROR_BAD_SIGNATURE);
}

static void
test_bad_base64 (void)
{
  KsRsaKey *key = ks_test_rsa_key (0);
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (key);
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *header = default_header (key);
  g_autofree char *h = ks_test_b64 (header);
  g_autofree char *payload = ks_test_json_text (claims);
  g_autofree char *p = ks_test_b64 (payload);
  g_autofree char *h_padded = g_strconcat (h, "=", NULL);
  g_autofree char *p_padded = g_strconcat (p, "==", NULL);
  g_autofree char *token = ks_test_jwt_sign_segments (key, h, p);
  char            *sig = strrchr (token, '.') + 1;
  g_autofree char *sig_padded = g_strconcat (token, "==", NULL);
  g_autofree char *sig_newline = g_strconcat (token, "\n", NULL);
  g_autofree char *leading_space = g_strconcat (" ", token, NULL);
  g_autofree char *sig_plus = g_strdup (token);
  g_autofree char *sig_slash = g_strdup (token);
  /* Signed, so what fails is the encoding and not the signature. */
  const char *segments[][2] = {
    { h_padded, p },
    { h, p_padded },
    { "*", p },
    { "eyJ+", p },
    { h, "eyJ/" },
    { h, "eyJpc3MiOiJ4In0%" },
    { h, "eyJpc3M iOiJ4In0" },
    { h, "eyJpc3MiOiJ4In0\n" },
  };
  const char *tokens[] = { sig_padded, sig_newline, leading_space, sig_plus, sig_slash };
  KsJwtExpect expect = ks_test_jwt_expect ("access");

  sig_plus[sig - token] = '+';
  sig_slash[sig - token + 5] = '/';
  ks_test_jwt_assert_verify_ok (token, jwks, &expect);
  for (guint i = 0; i < G_N_ELEMENTS (segments); i++)
    {
      g_autofree char *bad = ks_test_jwt_sign_segments (key, segments[i][0], segments[i][1]);

      g_test_message ("segments %u: %s", i, bad);
      ks_test_jwt_assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    ks_test_jwt_assert_verify_fails (tokens[i], jwks, &expect, KS_JWT_ERROR_MALFORMED);
}

/* Each header or payload is signed, so only its shape can fail it. */
static void
test_json_shapes (void)
{
  KsRsaKey *key = ks_test_rsa_key (0);
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (key);
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *header = default_header (key);
  g_autofree char *payload = ks_test_json_text (claims);
  g_autofree char *deep = NULL;
  g_autofree char *header_trailing = g_strconcat (header, " {}", NULL);
  g_autofree char *header_var = g_strconcat ("var h = ", header, NULL);
  g_autofree char *payload_var = g_strconcat ("var c = ", payload, ";", NULL);
  g_autofree char *payload_trailing = g_strconcat (payload, "{}", NULL);
  g_autofree char *nested_ok = NULL;
  const char      *headers[] = { "[]", "\"RS256\"", "42", "null", "{\"alg\":\"RS256\",", "\xff{}" };
  /* Only objects will do. The strict syntax has its own cases in
   * test-json; a few here show that tokens go through it. */
  const char *payloads[] = {
    "[]",
    "\"x\"",
    "true",
    "{",
    "{\"iss\":\"\xc3\x28\"}",
    "{} {}",
    "/*c*/{}",
    "{'exp':1}",
    /* json-glib would wrap the first to -1 and make the second inf. */
    "{\"exp\":99999999999999999999}",
    "{\"exp\":1e400}",
    /* A NUL would cut the issuer short; lone surrogates are not text. */
    "{\"iss\":\"" KS_TEST_JWT_ISSUER "\\u0000x\"}",
    "{\"a\":\"\\ud800x\"}",
  };
  KsJwtExpect expect = ks_test_jwt_expect ("access");
  GString    *nest = g_string_new ("{\"exp\":");

  /* Inside an object, so that only the depth limit can refuse it. */
  for (guint i = 0; i < 40; i++)
    g_string_append (nest, "[");
  for (guint i = 0; i < 40; i++)
    g_string_append (nest, "]");
  g_string_append (nest, "}");
  deep = g_string_free (nest, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *bad = ks_test_jwt_sign_raw (key, headers[i], payload);

      ks_test_jwt_assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *bad = ks_test_jwt_sign_raw (key, header, payloads[i]);

      ks_test_jwt_assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
  {
    const char *more[][2] = {
      { header_trailing, payload },
      { header_var, payload },
      { deep, payload },
      { header, payload_var },
      { header, payload_trailing },
      { header, deep },
    };

    for (guint i = 0; i < G_N_ELEMENTS (more); i++)
      {
        g_autofree char *bad = ks_test_jwt_sign_raw (key, more[i][0], more[i][1]);

        ks_test_jwt_assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
      }
  }
  {
    /* A NUL byte inside the JSON. */
    static const guint8 with_nul[] = "{\"iss\":\"a\0b\"}";
    g_autofree char    *h = ks_test_b64 (header);
    g_autofree char    *p = ks_base64url_encode (with_nul, sizeof with_nul - 1);
    g_autofree char    *bad = ks_test_jwt_sign_segments (key, h, p);

    ks_test_jwt_assert_verify_fails (bad, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  }

  /* Ordinary nesting in custom claims is fine. */
  nested_ok = g_strdup_printf ("%.*s,\"custom:deep\":[[[[[[[[1]]]]]]]],\"custom:e\":\"\\ud83d\\ude00\\u00e9\"}",
                               (int) strlen (payload) - 1, payload);
  {
    g_autofree char *good = ks_test_jwt_sign_raw (key, header, nested_ok);

    ks_test_jwt_assert_verify_ok (good, jwks, &expect);
  }
}

static void
test_structure (void)
{
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *token = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  g_autofree char *four = g_strconcat (token, ".", NULL);
  g_autofree char *four_sig = g_strconcat (token, ".x", NULL);
  g_autofree char *too_long = g_strnfill (KS_JWT_MAX_LEN + 1, 'a');
  const char      *tokens[] = { "", ".", "..", "...", "a", "a.b", "a.b.c.d", ".b.c", "a..c",
                                "eyJ9.eyJ9", four, four_sig, too_long };
  KsJwtExpect      expect = ks_test_jwt_expect ("access");

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) peeked = ks_jwt_peek_claims (tokens[i], &error);

      g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
      g_assert_null (peeked);
      ks_test_jwt_assert_verify_fails (tokens[i], jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }
}

static void
test_size_limit (void)
{
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *big = g_strnfill (10000, 'x');
  g_autofree char *huge = g_strnfill (KS_JWT_MAX_LEN, 'x');
  g_autofree char *token = NULL;
  g_autoptr (GError) error = NULL;
  KsJwtExpect expect = ks_test_jwt_expect ("access");

  json_object_set_string_member (claims, "custom:big", big);
  token = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  ks_test_jwt_assert_verify_ok (token, jwks, &expect);
  g_clear_pointer (&token, g_free);

  json_object_set_string_member (claims, "custom:big", huge);
  token = ks_jwt_sign (ks_test_rsa_key (0), claims, &error);
  g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
  g_assert_null (token);

  /* Validly signed, but over the limit: refused before decoding. */
  {
    g_autofree char *header = default_header (ks_test_rsa_key (0));
    g_autofree char *payload = ks_test_json_text (claims);
    g_autofree char *oversized = ks_test_jwt_sign_raw (ks_test_rsa_key (0), header, payload);

    ks_test_jwt_assert_verify_fails (oversized, jwks, &expect, KS_JWT_ERROR_MALFORMED);
  }
}

static void
test_garbage_tokens (void)
{
  g_autoptr (KsJwks) jwks = ks_test_jwks_new_with (ks_test_rsa_key (0));
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *token = ks_test_jwt_sign (ks_test_rsa_key (0), claims);
  g_auto (GStrv) garbage = ks_test_garbage_strings (7519, 300);
  g_autoptr (GRand) rand = g_rand_new_with_seed (7519);
  KsJwtExpect expect = ks_test_jwt_expect ("access");

  for (guint i = 0; garbage[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) peeked = ks_jwt_peek_claims (garbage[i], &error);

      g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
      g_assert_null (peeked);
      ks_test_jwt_assert_verify_fails (garbage[i], jwks, &expect, KS_JWT_ERROR_MALFORMED);
    }

  /* Random byte damage to a good token is always refused. */
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *copy = g_strdup (token);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) got = NULL;
      gsize pos = (gsize) g_rand_int_range (rand, 0, (gint32) strlen (token));
      char  c = (char) g_rand_int_range (rand, 1, 256);

      copy[pos] = c != token[pos] ? c : (char) (c ^ 0x40);
      got = ks_jwt_verify (copy, jwks, &expect, &error);
      g_assert_null (got);
      g_assert_true (error != NULL && error->domain == KS_JWT_ERROR);
    }
}

static void
test_peek (void)
{
  g_autoptr (JsonObject) claims = ks_test_jwt_claims_new ("access");
  g_autofree char *token = ks_test_jwt_sign (ks_test_rsa_key (1), claims);
  g_autoptr (JsonObject) peeked = NULL;
  g_autoptr (GError) error = NULL;

  /* Unknown key, and long expired under the real clock: still readable. */
  peeked = ks_jwt_peek_claims (token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (peeked, "username"), ==, "alice");
  g_assert_cmpint (json_object_get_int_member (peeked, "exp"), ==, KS_TEST_JWT_NOW + 3600);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/jwt/roundtrip", test_roundtrip);
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
  ks_test_rsa_keys_clear ();

  return ret;
}
