/* ks-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include "ks-encoding.h"
#include "ks-test-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free)

static KsRsaKey *test_rsa_keys[KS_TEST_N_RSA_KEYS];

static gboolean
running_in_ci (void)
{
  const char *ci = g_getenv ("CI");

  return ci != NULL && g_ascii_strcasecmp (ci, "true") == 0;
}

/*
 * Returns the absolute path of a file in the shared protocol data, or NULL
 * after marking the test as not run when the data is absent. In CI the
 * data must be there, so its absence fails the test instead.
 */
char *
ks_test_shared_path (const char *relative_path)
{
  const char      *dir = g_getenv ("KS_SHARED_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL)
    dir = "../shared";
  path = g_build_filename (dir, relative_path, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);

  if (running_in_ci ())
    {
      g_test_message ("shared test data missing: %s", path);
      g_test_fail ();
    }
  else
    {
      g_autofree char *msg = g_strdup_printf ("did not run: shared test data not found at %s", path);
      g_test_skip (msg);
    }

  return NULL;
}

char *
ks_test_read_shared (const char *relative_path,
                     gsize      *out_len)
{
  g_autofree char *path = ks_test_shared_path (relative_path);
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  if (path == NULL)
    return NULL;

  g_file_get_contents (path, &contents, out_len, &error);
  g_assert_no_error (error);

  return contents;
}

/* Truncations, bit flips and random bytes for parser robustness tests.
 * Every string is NUL-terminated and may contain any other byte. */
char **
ks_test_garbage_strings (guint32 seed,
                         guint   count)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < count; i++)
    {
      guint len = (guint) g_rand_int_range (rand, 0, 96);
      char *s = g_malloc (len + 1);

      for (guint j = 0; j < len; j++)
        s[j] = (char) g_rand_int_range (rand, 1, 256);
      s[len] = '\0';
      g_ptr_array_add (out, s);
    }
  g_ptr_array_add (out, NULL);

  return (char **) g_ptr_array_free (out, FALSE);
}

/* ---- RSA keys and tokens ---- */

KsRsaKey *
ks_test_rsa_key (guint i)
{
  g_autoptr (GError) error = NULL;

  g_assert_cmpuint (i, <, KS_TEST_N_RSA_KEYS);
  if (test_rsa_keys[i] == NULL)
    test_rsa_keys[i] = ks_rsa_key_generate (&error);
  g_assert_no_error (error);

  return test_rsa_keys[i];
}

void
ks_test_rsa_keys_clear (void)
{
  for (guint i = 0; i < KS_TEST_N_RSA_KEYS; i++)
    g_clear_pointer (&test_rsa_keys[i], ks_rsa_key_unref);
}

EVP_PKEY *
ks_test_rsa_key_to_pkey (KsRsaKey *key)
{
  g_autofree char *pem = ks_rsa_key_to_private_pem (key);
  g_autoptr (BIO) bio = BIO_new_mem_buf (pem, -1);
  EVP_PKEY *pkey = PEM_read_bio_PrivateKey (bio, NULL, NULL, NULL);

  g_assert_nonnull (pkey);
  return pkey;
}

char *
ks_test_pem_encode (EVP_PKEY   *pkey,
                    int         selection,
                    const char *structure)
{
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  g_autoptr (OSSL_ENCODER_CTX) ctx = NULL;

  ctx = OSSL_ENCODER_CTX_new_for_pkey (pkey, selection, "PEM", structure, NULL);
  g_assert_true (OSSL_ENCODER_to_bio (ctx, bio));
  return ks_test_bio_to_string (bio);
}

char *
ks_test_bio_to_string (BIO *bio)
{
  char *data = NULL;
  long  len = BIO_get_mem_data (bio, &data);

  return g_strndup (data, (gsize) len);
}

char *
ks_test_b64 (const char *text)
{
  return ks_base64url_encode ((const guint8 *) text, strlen (text));
}

char *
ks_test_json_text (JsonObject *object)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

JsonObject *
ks_test_jwt_claims_new (const char *token_use)
{
  JsonObject *claims = json_object_new ();

  json_object_set_string_member (claims, "sub", "7d8ca528-4931-4254-9273-ea5ee853f271");
  json_object_set_string_member (claims, "iss", KS_TEST_JWT_ISSUER);
  if (g_str_equal (token_use, "access"))
    {
      json_object_set_string_member (claims, "client_id", KS_TEST_JWT_CLIENT_ID);
      json_object_set_string_member (claims, "scope", "aws.cognito.signin.user.admin");
      json_object_set_string_member (claims, "username", "alice");
    }
  else
    {
      json_object_set_string_member (claims, "aud", KS_TEST_JWT_CLIENT_ID);
      json_object_set_string_member (claims, "cognito:username", "alice");
      json_object_set_boolean_member (claims, "email_verified", TRUE);
    }
  json_object_set_string_member (claims, "token_use", token_use);
  json_object_set_int_member (claims, "auth_time", KS_TEST_JWT_NOW - 10);
  json_object_set_int_member (claims, "iat", KS_TEST_JWT_NOW - 10);
  json_object_set_int_member (claims, "exp", KS_TEST_JWT_NOW + 3600);
  json_object_set_string_member (claims, "jti", "5f3c2a0e-0000-4000-8000-000000000001");

  return claims;
}

KsJwtExpect
ks_test_jwt_expect (const char *token_use)
{
  KsJwtExpect expect = { KS_TEST_JWT_ISSUER, token_use, KS_TEST_JWT_CLIENT_ID, KS_TEST_JWT_NOW, 60 };

  return expect;
}

KsJwks *
ks_test_jwks_new_with (KsRsaKey *key)
{
  KsJwks *jwks = ks_jwks_new ();

  ks_jwks_add_key (jwks, key);
  return jwks;
}

char *
ks_test_jwt_sign (KsRsaKey   *key,
                  JsonObject *claims)
{
  g_autoptr (GError) error = NULL;
  char *token = ks_jwt_sign (key, claims, &error);

  g_assert_no_error (error);
  return token;
}

char *
ks_test_jwt_sign_segments (KsRsaKey   *key,
                           const char *header_b64,
                           const char *payload_b64)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *input = g_strconcat (header_b64, ".", payload_b64, NULL);
  g_autoptr (GBytes) sig = ks_rsa_key_sign_rs256 (key, input, strlen (input), &error);
  g_autofree char *sig_b64 = NULL;

  g_assert_no_error (error);
  sig_b64 = ks_base64url_encode (g_bytes_get_data (sig, NULL), g_bytes_get_size (sig));
  return g_strconcat (input, ".", sig_b64, NULL);
}

char *
ks_test_jwt_sign_raw (KsRsaKey   *key,
                      const char *header,
                      const char *payload)
{
  g_autofree char *header_b64 = ks_test_b64 (header);
  g_autofree char *payload_b64 = ks_test_b64 (payload);

  return ks_test_jwt_sign_segments (key, header_b64, payload_b64);
}

void
ks_test_jwt_assert_verify_ok (const char        *token,
                              KsJwks            *jwks,
                              const KsJwtExpect *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) claims = ks_jwt_verify (token, jwks, expect, &error);

  g_assert_no_error (error);
  g_assert_nonnull (claims);
}

void
ks_test_jwt_assert_verify_fails (const char        *token,
                                 KsJwks            *jwks,
                                 const KsJwtExpect *expect,
                                 KsJwtError         code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) claims = ks_jwt_verify (token, jwks, expect, &error);

  g_assert_error (error, KS_JWT_ERROR, (gint) code);
  g_assert_null (claims);
}

gint64
ks_test_sqlite_int (const char *path,
                    const char *sql)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64        value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

void
ks_test_sqlite_damage (const char *path,
                       const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rootpage FROM sqlite_schema WHERE name = '%s'", table);
  g_autofree char *contents = NULL;
  sqlite3         *db = NULL;
  gsize            len = 0;
  gint64           page, root;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  page = ks_test_sqlite_int (path, "PRAGMA page_size");
  root = ks_test_sqlite_int (path, sql);
  g_assert_cmpint (root, >, 1);

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >=, (gsize) (root * page));
  memset (contents + (root - 1) * page, 0x5a, (gsize) page);
  g_assert_true (g_file_set_contents (path, contents, (gssize) len, NULL));
}

char *
ks_test_find_journal (const char *state_dir)
{
  g_autofree char *root = g_build_filename (state_dir, "keepsake", NULL);
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, "journal.db", NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  g_error ("no sync journal under %s", root);
}
