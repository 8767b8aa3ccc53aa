/* test-idp-unit.c: the IdP's pieces that HTTP cannot reach well: sealed
 * SECRET_BLOCKs over time, TIMESTAMP parsing, input rules, and
 * ks_idp_verify_access_token() for the other modules
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-code-file.h"
#include "ks-encoding.h"
#include "ks-idp-private.h"
#include "ks-jwt.h"
#include "ks-password-policy.h"
#include "ks-test-server.h"

#define POOL "us-east-1_TestPool"
#define NOW G_GINT64_CONSTANT (1795000000)

static const guint8 key[KS_IDP_SECRET_KEY_LEN] = "0123456789abcdef0123456789abcde";

static char *
seal_sample (gint64 expires_at)
{
  KsIdpChallenge challenge = {
    .user_id = (char *) "Alice",
    .private_b = (char *) "0abcdef",
    .srp_a = (char *) "123456789",
    .expires_at = expires_at,
  };

  return ks_idp_challenge_seal (key, POOL, &challenge);
}

static void
assert_refused (const guint8 *with_key,
                const char   *pool,
                const char   *block,
                gint64        now)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsIdpChallenge) challenge = ks_idp_challenge_open (with_key, pool, block, now, &error);

  g_assert_null (challenge);
  g_assert_error (error, KS_IDP_ERROR, KS_IDP_ERROR_NOT_AUTHORIZED);
}

static void
test_secret_block_round_trip (void)
{
  g_autofree char *block = seal_sample (NOW + 300);
  g_autofree char *again = seal_sample (NOW + 300);
  g_autoptr (GError) error = NULL;
  g_autoptr (KsIdpChallenge) challenge = ks_idp_challenge_open (key, POOL, block, NOW, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (challenge->user_id, ==, "Alice");
  g_assert_cmpstr (challenge->private_b, ==, "0abcdef");
  g_assert_cmpstr (challenge->srp_a, ==, "123456789");
  g_assert_cmpint (challenge->expires_at, ==, NOW + 300);
  /* A fresh nonce each time: equal contents never look alike. */
  g_assert_cmpstr (block, !=, again);
  g_assert_null (strstr (block, "Alice"));
}

static void
test_secret_block_refused (void)
{
  g_autofree char   *block = seal_sample (NOW + 300);
  guint8             other_key[KS_IDP_SECRET_KEY_LEN];
  gsize              len = 0;
  g_autofree guint8 *bytes = ks_base64_decode (block, &len, NULL);

  assert_refused (key, POOL, block, NOW + 300);
  assert_refused (key, POOL, block, NOW + 301);
  assert_refused (key, "us-east-1_Other", block, NOW);
  memcpy (other_key, key, sizeof other_key);
  other_key[0] ^= 1;
  assert_refused (other_key, POOL, block, NOW);

  /* Every bit of every byte counts. */
  for (gsize i = 0; i < len; i++)
    for (guint bit = 0; bit < 8; bit++)
      {
        g_autofree char *changed = NULL;

        bytes[i] ^= (guint8) (1u << bit);
        changed = ks_base64_encode (bytes, len);
        bytes[i] ^= (guint8) (1u << bit);
        assert_refused (key, POOL, changed, NOW);
      }

  for (gsize cut = 0; cut < len; cut++)
    {
      g_autofree char *shorter = ks_base64_encode (bytes, cut);

      assert_refused (key, POOL, shorter, NOW);
    }
  assert_refused (key, POOL, "not base64!", NOW);
  assert_refused (key, POOL, "", NOW);
}

static void
test_timestamps (void)
{
  const struct
  {
    const char *text;
    gint64      unix_time; /* 0: refused */
  } cases[] = {
    { "Tue Nov 3 05:07:09 UTC 2026", 1793682429 },
    { "Tue Nov 03 05:07:09 UTC 2026", 1793682429 },
    { "Tue Nov  3 05:07:09 UTC 2026", 1793682429 },
    { "Sat Jan 10 23:59:00 UTC 2026", 1768089540 },
    { "Wed Nov 3 05:07:09 UTC 2026", 0 },
    { "Tue Nov 3 05:07:09 GMT 2026", 0 },
    { "Tue nov 3 05:07:09 UTC 2026", 0 },
    { "Tue Nov 31 05:07:09 UTC 2026", 0 },
    { "Tue Nov 3 24:07:09 UTC 2026", 0 },
    { "Tue Nov 3 05:07 UTC 2026", 0 },
    { "Tue Nov 3 05:07:09:01 UTC 2026", 0 },
    { "Tue Nov 3 05:07:09 UTC 2026 extra", 0 },
    { "Tue Nov +3 05:07:09 UTC 2026", 0 },
    { "Tue Nov 3 05:07:09 UTC", 0 },
    { "", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64   when = 0;
      gboolean ok = ks_idp_parse_timestamp (cases[i].text, &when);

      g_test_message ("%s", cases[i].text);
      g_assert_cmpint (ok, ==, cases[i].unix_time != 0);
      if (ok)
        g_assert_cmpint (when, ==, cases[i].unix_time);
    }
}

static void
test_input_rules (void)
{
  const char *const good_passwords[] = { "Abcdef1!", "Passw0rd with space", "Ünïcødé-1aB", "aB3^xxxx" };
  const char *const bad_passwords[] = { "Ünïcødé-1a", " Abcdef1!", "Abcdef1! ", "Abcde1!", "abcdef1!", "ABCDEF1!", "Abcdefg!", "Abcdefg1", "" };
  const char *const good_names[] = { "alice", "Alice.Example+tag@example.org", "ünïcødé", "..", "a/b" };
  const char *const bad_names[] = { "", "a b", "a\tb", "a\nb", "a\x7f" };

  for (guint i = 0; i < G_N_ELEMENTS (good_passwords); i++)
    g_assert_true (ks_idp_check_password (good_passwords[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_passwords); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (ks_idp_check_password (bad_passwords[i], &error));
      g_assert_true (g_error_matches (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PASSWORD) ||
                     g_error_matches (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PARAMETER));
    }
  for (guint i = 0; i < G_N_ELEMENTS (good_names); i++)
    g_assert_true (ks_idp_check_username (good_names[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    g_assert_false (ks_idp_check_username (bad_names[i], NULL));

  g_assert_true (ks_idp_check_email ("a@b", NULL));
  g_assert_false (ks_idp_check_email ("@b", NULL));
  g_assert_false (ks_idp_check_email ("a@", NULL));
  g_assert_false (ks_idp_check_email ("a b@c", NULL));
  g_assert_false (ks_idp_check_email ("a@b@c", NULL));
}

/* The rules themselves, as the built-in service and the clients apply
 * them: length in characters, ASCII letters and digits, Cognito's
 * symbols. */
static void
test_password_policy (void)
{
  const KsPasswordPolicy *cognito = &ks_password_policy_default;
  const KsPasswordPolicy  letters = { .minimum_length = 3, .require_lowercase = TRUE };
  const KsPasswordPolicy  none = { 0 };
  const struct
  {
    const KsPasswordPolicy *policy;
    const char             *password;
    KsPasswordProblem       problem;
    const char             *cognito_reason; /* nullable: accepted, or not the policy */
  } cases[] = {
    { cognito, "Abcdef1!", KS_PASSWORD_PROBLEM_NONE, NULL },
    { cognito, "Abcde1!", KS_PASSWORD_PROBLEM_TOO_SHORT, "Password not long enough" },
    /* Characters, not bytes: seven in eight bytes, eight in nine. */
    { cognito, "Abcdé1!", KS_PASSWORD_PROBLEM_TOO_SHORT, "Password not long enough" },
    { cognito, "Abcdéf1!", KS_PASSWORD_PROBLEM_NONE, NULL },
    { cognito, "Übcdéf1!", KS_PASSWORD_PROBLEM_NO_UPPERCASE, "Password must have uppercase characters" },
    { cognito, "ABCDEF1!", KS_PASSWORD_PROBLEM_NO_LOWERCASE, "Password must have lowercase characters" },
    { cognito, "Abcdefg!", KS_PASSWORD_PROBLEM_NO_NUMBER, "Password must have numeric characters" },
    { cognito, "Abcdefg1", KS_PASSWORD_PROBLEM_NO_SYMBOL, "Password must have symbol characters" },
    /* Not one of Cognito's symbols. */
    { cognito, "Abcdef1€", KS_PASSWORD_PROBLEM_NO_SYMBOL, "Password must have symbol characters" },
    { cognito, "Abcd ef1", KS_PASSWORD_PROBLEM_NONE, NULL },
    { cognito, "Abcdef1`", KS_PASSWORD_PROBLEM_NONE, NULL },
    { cognito, "Abcdef1\\", KS_PASSWORD_PROBLEM_NONE, NULL },
    /* Length first, whatever else is missing. */
    { cognito, "abc", KS_PASSWORD_PROBLEM_TOO_SHORT, "Password not long enough" },
    { cognito, "", KS_PASSWORD_PROBLEM_TOO_SHORT, "Password not long enough" },
    { &letters, "abc", KS_PASSWORD_PROBLEM_NONE, NULL },
    { &letters, "ab", KS_PASSWORD_PROBLEM_TOO_SHORT, NULL },
    { &letters, "ABC", KS_PASSWORD_PROBLEM_NO_LOWERCASE, NULL },
    { &none, "", KS_PASSWORD_PROBLEM_NONE, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].password);
      g_assert_cmpint (ks_password_policy_check (cases[i].policy, cases[i].password), ==, cases[i].problem);
      if (cases[i].policy == cognito)
        {
          g_autoptr (GError) error = NULL;
          gboolean ok = ks_idp_check_password (cases[i].password, &error);

          g_assert_cmpint (ok, ==, cases[i].cognito_reason == NULL);
          if (cases[i].cognito_reason != NULL)
            {
              g_autofree char *message = g_strconcat ("Password did not conform with policy: ",
                                                      cases[i].cognito_reason, NULL);

              g_assert_error (error, KS_IDP_ERROR, KS_IDP_ERROR_INVALID_PASSWORD);
              g_assert_cmpstr (error->message, ==, message);
            }
        }
    }

  /* Every symbol Cognito lists counts as one. */
  for (const char *p = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "; *p != '\0'; p++)
    {
      g_autofree char *password = g_strdup_printf ("Abcdef1%c", *p);

      g_assert_cmpint (ks_password_policy_check (cognito, password), ==, KS_PASSWORD_PROBLEM_NONE);
    }
}

static void
test_code_paths (void)
{
  const struct
  {
    const char *username;
    const char *file;
  } cases[] = {
    { "alice", "alice" },
    { "a.b+c@d", "a.b+c@d" },
    { "..", "%2E." },
    { ".hidden", "%2Ehidden" },
    { "../up", "%2E.%2Fup" },
    { "a/b", "a%2Fb" },
    { "ü", "%C3%BC" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = ks_code_file_path ("/data", KS_CODE_CONFIRM, cases[i].username);
      g_autofree char *expected = g_build_filename ("/data", "confirmation-codes", cases[i].file, NULL);

      g_assert_cmpstr (path, ==, expected);
    }
}

/* ---- ks_idp_verify_access_token() ---- */

typedef struct
{
  char       *root;
  KsServer   *server;
  KsRsaKey   *key;
  const char *issuer;
  const char *client_id;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data_path = NULL;
  g_autoptr (KsServerDataDir) data_dir = NULL;
  g_autoptr (KsServerDb) db = NULL;

  fixture->root = g_dir_make_tmp ("test-idp-unit-XXXXXX", &error);
  g_assert_no_error (error);
  data_path = g_build_filename (fixture->root, "data", NULL);
  data_dir = ks_server_data_dir_open (data_path, NULL, &error);
  g_assert_no_error (error);
  db = ks_server_db_open (ks_server_data_dir_get_db_path (data_dir), &error);
  g_assert_no_error (error);

  fixture->server = ks_server_new (data_dir, db);
  ks_server_set_public_url (fixture->server, "https://photos.example.org");
  fixture->key = ks_server_data_dir_get_signing_key (data_dir);
  fixture->client_id = ks_server_data_dir_get_client_id (data_dir);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  g_clear_object (&fixture->server);
  ks_test_remove_tree (fixture->root);
  g_free (fixture->root);
}

static JsonObject *
access_claims (Fixture *fixture)
{
  KsServerDataDir *data_dir = ks_server_get_data_dir (fixture->server);
  JsonObject      *claims = json_object_new ();
  g_autofree char *issuer = g_strconcat ("https://photos.example.org/cognito/",
                                         ks_server_data_dir_get_user_pool_id (data_dir), NULL);
  gint64           now = g_get_real_time () / G_USEC_PER_SEC;

  json_object_set_string_member (claims, "sub", "7d8ca528-4931-4254-9273-ea5ee853f271");
  json_object_set_string_member (claims, "iss", issuer);
  json_object_set_string_member (claims, "client_id", ks_server_data_dir_get_client_id (data_dir));
  json_object_set_string_member (claims, "token_use", "access");
  json_object_set_string_member (claims, "username", "alice");
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + 3600);
  return claims;
}

static void
assert_verify (Fixture    *fixture,
               JsonObject *claims,
               int         code)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = ks_jwt_sign (fixture->key, claims, &error);
  g_autoptr (JsonObject) verified = NULL;

  g_assert_no_error (error);
  verified = ks_idp_verify_access_token (fixture->server, token, &error);
  if (code < 0)
    {
      g_assert_no_error (error);
      g_assert_cmpstr (json_object_get_string_member (verified, "username"), ==, "alice");
    }
  else
    {
      g_assert_null (verified);
      g_assert_error (error, KS_JWT_ERROR, code);
    }
}

static void
test_verify_access_token (Fixture      *fixture,
                          gconstpointer data)
{
  g_autoptr (JsonObject) good = access_claims (fixture);
  g_autoptr (JsonObject) id = access_claims (fixture);
  g_autoptr (JsonObject) expired = access_claims (fixture);
  g_autoptr (JsonObject) leeway = access_claims (fixture);
  g_autoptr (JsonObject) other_client = access_claims (fixture);
  g_autoptr (JsonObject) other_issuer = access_claims (fixture);
  g_autoptr (GError) error = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  assert_verify (fixture, good, -1);
  json_object_set_string_member (id, "token_use", "id");
  assert_verify (fixture, id, KS_JWT_ERROR_WRONG_TOKEN_USE);
  json_object_set_int_member (expired, "exp", now - 120);
  assert_verify (fixture, expired, KS_JWT_ERROR_EXPIRED);
  json_object_set_int_member (leeway, "exp", now - 30);
  assert_verify (fixture, leeway, -1);
  json_object_set_string_member (other_client, "client_id", "someone-else");
  assert_verify (fixture, other_client, KS_JWT_ERROR_WRONG_AUDIENCE);
  json_object_set_string_member (other_issuer, "iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X");
  assert_verify (fixture, other_issuer, KS_JWT_ERROR_WRONG_ISSUER);

  g_assert_null (ks_idp_verify_access_token (fixture->server, "not.a.token", &error));
  g_assert_error (error, KS_JWT_ERROR, KS_JWT_ERROR_MALFORMED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/idp/secret-block/round-trip", test_secret_block_round_trip);
  g_test_add_func ("/idp/secret-block/refused", test_secret_block_refused);
  g_test_add_func ("/idp/timestamps", test_timestamps);
  g_test_add_func ("/idp/input-rules", test_input_rules);
  g_test_add_func ("/idp/password-policy", test_password_policy);
  g_test_add_func ("/idp/code-paths", test_code_paths);
  g_test_add ("/idp/verify-access-token", Fixture, NULL, fixture_set_up, test_verify_access_token,
              fixture_tear_down);

  return g_test_run ();
}
