/* test-srp.c: Cognito SRP against the shared vectors, and both sides
 * against each other
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/bn.h>

#include "ks-encoding.h"
#include "ks-hash.h"
#include "ks-srp-private.h"
#include "ks-test-util.h"

#define VECTORS_FILE "testdata/cognito-srp-vectors.txt"
#define N_VECTORS 3
#define TEST_POOL_ID "eu-west-3_KsTest42"
#define OK_TIME "Thu Jan 1 00:00:00 UTC 1970"

/* ---- the vectors file ------------------------------------------------ */

typedef struct
{
  char *pool_id;
  char *pool_name;
  char *user;
  char *password;
  char *salt;
  char *salt_padded; /* nullable */
  char *x;           /* nullable */
  char *v;
  char *a;
  char *A;
  char *b; /* nullable: vector 1 has none */
  char *B;
  char *u;
  char *S;
  char *hkdf;
  char *secret_block; /* nullable: base64 */
  char *secret_raw;   /* nullable: hex, when not strict base64 */
  char *timestamp;
  char *signature;
} Vector;

typedef struct
{
  char  *N;
  char  *k;
  Vector vectors[N_VECTORS];
} Vectors;

static void
vectors_free (Vectors *self)
{
  g_free (self->N);
  g_free (self->k);
  for (guint i = 0; i < N_VECTORS; i++)
    {
      char **fields = (char **) &self->vectors[i];

      for (gsize j = 0; j < sizeof (Vector) / sizeof (char *); j++)
        g_free (fields[j]);
    }
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Vectors, vectors_free)

/* Group 1 of the first of the patterns that matches, or NULL. */
static char *
find (const char *text,
      const char *pattern,
      const char *fallback)
{
  g_autoptr (GRegex) regex = g_regex_new (pattern, G_REGEX_MULTILINE, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  g_assert_nonnull (regex);
  if (g_regex_match (regex, text, 0, &match))
    return g_match_info_fetch (match, 1);
  return fallback != NULL ? find (text, fallback, NULL) : NULL;
}

/* The last "= <hex>" on the line that starts with @label. */
static char *
find_number (const char *text,
             const char *label)
{
  g_autofree char *pattern = g_strdup_printf ("^%s\\b.*= ([0-9a-f]+)[ \\t]*$", label);

  return find (text, pattern, NULL);
}

static void
parse_vector (const char *text,
              Vector     *v)
{
  v->pool_name = find (text, "poolName[^=\\n]*= ?(\\w+)", NULL);
  v->pool_id = find (text, "UserPoolId ([\\w-]+_\\w+)", NULL);
  if (v->pool_id == NULL)
    v->pool_id = g_strconcat ("us-east-1_", v->pool_name, NULL);
  v->user = find (text, "^USER_ID_FOR_SRP = (.*\\S)", " user=(\\S+)");
  v->password = find (text, "^password = (.*\\S)", " password=(\\S+)");
  v->salt = find (text, "SALT(?: \\(hex as sent\\) = |=)([0-9a-f]+)", NULL);
  v->salt_padded = find (text, "padHex\\(salt\\) = ([0-9a-f]+)", NULL);
  v->x = find_number (text, "x");
  v->v = find_number (text, "v");
  v->a = find (text, "^a = ([0-9a-f]+)", NULL);
  v->A = find (text, "; A = ([0-9a-f]+)", "^SRP_A\\b.*= ([0-9a-f]+)[ \\t]*$");
  v->b = find (text, "^b = ([0-9a-f]+)", NULL);
  v->B = find_number (text, "(?:B|SRP_B)");
  v->u = find_number (text, "u");
  v->S = find_number (text, "S");
  v->hkdf = find_number (text, "HKDF");
  v->secret_block = find (text, "^SECRET_BLOCK \\(base64\\) = (\\S+)", NULL);
  v->secret_raw = find (text, "lenient base64 -> bytes ([0-9a-f]+)", NULL);
  v->timestamp = find (text, "TIMESTAMP ?= ?'([^']*)'", NULL);
  v->signature = find (text, "^(?:signature|PASSWORD_CLAIM_SIGNATURE)\\b.*= ([A-Za-z0-9+/]+=*)[ \\t]*$", NULL);
}

static void
assert_vector_complete (const Vector *v)
{
  const char *required[] = {
    v->pool_name,
    v->user,
    v->password,
    v->salt,
    v->v,
    v->a,
    v->A,
    v->B,
    v->u,
    v->S,
    v->hkdf,
    v->timestamp,
    v->signature,
  };

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    g_assert_nonnull (required[i]);
  g_assert_true (v->secret_block != NULL || v->secret_raw != NULL);
}

/* NULL (test marked as not run) when the shared data is absent. */
static Vectors *
load_vectors (void)
{
  g_autofree char *text = ks_test_read_shared (VECTORS_FILE, NULL);
  g_auto (GStrv) sections = NULL;
  Vectors *self;

  if (text == NULL)
    return NULL;

  sections = g_regex_split_simple ("\\n-{10,}\\n", text, 0, 0);
  g_assert_cmpuint (g_strv_length (sections), ==, N_VECTORS + 1);

  self = g_new0 (Vectors, 1);
  self->N = find (sections[0], "^N \\(.*= ([0-9A-Fa-f]+)[ \\t]*$", NULL);
  self->k = find (sections[0], "^k = ([0-9a-f]+)", NULL);
  g_assert_nonnull (self->N);
  g_assert_nonnull (self->k);

  for (guint i = 0; i < N_VECTORS; i++)
    {
      g_autofree char *title = g_strdup_printf ("Vector %u ", i + 1);

      g_assert_true (g_str_has_prefix (sections[i + 1], title));
      parse_vector (sections[i + 1], &self->vectors[i]);
      assert_vector_complete (&self->vectors[i]);
    }
  return self;
}

/* ---- independent helpers --------------------------------------------- */

/* The padHex rule, on a minimal hex string. */
static char *
pad_hex (const char *hex)
{
  if (strlen (hex) % 2 != 0)
    return g_strconcat ("0", hex, NULL);
  if (g_ascii_xdigit_value (hex[0]) >= 8)
    return g_strconcat ("00", hex, NULL);
  return g_strdup (hex);
}

static void
derive_key_from_hex (const char *u_hex,
                     const char *s_hex,
                     guint8      key[KS_SRP_KEY_LEN])
{
  static const char  info[] = "Caldera Derived Key\001";
  g_autofree guint8 *u = NULL;
  g_autofree guint8 *s = NULL;
  gsize              u_len, s_len;
  guint8             prk[KS_SHA256_LEN];
  guint8             okm[KS_SHA256_LEN];

  u = ks_hex_decode (u_hex, &u_len, NULL);
  s = ks_hex_decode (s_hex, &s_len, NULL);
  g_assert_true (u != NULL && s != NULL);
  ks_hmac_sha256 (u, u_len, s, s_len, prk);
  ks_hmac_sha256 (prk, sizeof prk, info, sizeof info - 1, okm);
  memcpy (key, okm, KS_SRP_KEY_LEN);
}

static void
assert_key_hex (const guint8 key[KS_SRP_KEY_LEN],
                const char  *expected)
{
  g_autofree char *hex = ks_hex_encode (key, KS_SRP_KEY_LEN);

  g_assert_cmpstr (hex, ==, expected);
}

/* @hex times @factor, in minimal lower-case hex. */
static char *
multiply_hex (const char *hex,
              guint       factor)
{
  BIGNUM *n = NULL;
  char   *bn_hex;
  char   *out;

  g_assert_cmpint (BN_hex2bn (&n, hex), >, 0);
  g_assert_true (BN_mul_word (n, factor));
  bn_hex = BN_bn2hex (n);
  out = g_ascii_strdown (bn_hex[0] == '0' && bn_hex[1] != '\0' ? bn_hex + 1 : bn_hex, -1);
  OPENSSL_free (bn_hex);
  BN_free (n);
  return out;
}

/* ---- known answers --------------------------------------------------- */

static void
test_group (void)
{
  g_autoptr (Vectors) vectors = load_vectors ();
  g_autofree char *N = NULL;
  g_autofree char *N_expected = NULL;
  g_autofree char *k = NULL;

  if (vectors == NULL)
    return;

  N = ks_srp_dup_n_hex ();
  N_expected = g_ascii_strdown (vectors->N, -1);
  g_assert_cmpstr (N, ==, N_expected);
  g_assert_cmpuint (strlen (N), ==, 768);
  k = ks_srp_dup_k_hex ();
  g_assert_cmpstr (k, ==, vectors->k);
}

static void
test_vector_verifier (gconstpointer data)
{
  g_autoptr (Vectors) vectors = load_vectors ();
  g_autoptr (GError) error = NULL;
  g_autofree char *v = NULL;
  Vector          *t;

  if (vectors == NULL)
    return;
  t = &vectors->vectors[GPOINTER_TO_UINT (data)];

  if (t->x != NULL)
    {
      g_autofree char *x = ks_srp_compute_x_hex (t->pool_id, t->user, t->password,
                                                 t->salt, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (x, ==, t->x);
    }

  v = ks_srp_make_verifier_with_salt (t->pool_id, t->user, t->password, t->salt, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (v, ==, t->v);

  /* Leading zero nibbles of SALT do not change what is hashed. */
  if (t->salt_padded != NULL)
    {
      g_autofree char *v2 = ks_srp_make_verifier_with_salt (t->pool_id, t->user, t->password,
                                                            t->salt_padded, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (v2, ==, t->v);
    }
}

static void
check_client_claim (KsSrpClient *client,
                    Vector      *t,
                    const guint8 key[KS_SRP_KEY_LEN])
{
  g_autoptr (GError) error = NULL;
  g_autofree char   *signature = NULL;
  g_autofree guint8 *raw = NULL;
  gsize              raw_len;

  if (t->secret_block != NULL)
    {
      signature = ks_srp_client_compute_claim (client, t->user, t->password, t->salt, t->B,
                                               t->secret_block, t->timestamp, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (signature, ==, t->signature);
      g_clear_pointer (&signature, g_free);
      raw = ks_base64_decode (t->secret_block, &raw_len, &error);
    }
  else
    {
      /* Not strict base64 ('secret'): sign the bytes it decodes to. */
      raw = ks_hex_decode (t->secret_raw, &raw_len, &error);
    }
  g_assert_no_error (error);

  signature = ks_srp_sign_claim (key, t->pool_name, t->user, raw, raw_len, t->timestamp);
  g_assert_cmpstr (signature, ==, t->signature);
}

static void
test_vector_client (gconstpointer data)
{
  g_autoptr (Vectors) vectors = load_vectors ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSrpClient) client = NULL;
  g_autofree char *u = NULL;
  g_autofree char *S = NULL;
  guint8           key[KS_SRP_KEY_LEN];
  Vector          *t;

  if (vectors == NULL)
    return;
  t = &vectors->vectors[GPOINTER_TO_UINT (data)];

  client = ks_srp_client_new_with_a (t->pool_id, t->a, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_srp_client_get_srp_a (client), ==, t->A);
  g_assert_null (ks_srp_client_dup_u_hex (client));

  g_assert_true (ks_srp_client_derive_key (client, t->user, t->password, t->salt, t->B,
                                           key, &error));
  g_assert_no_error (error);
  u = ks_srp_client_dup_u_hex (client);
  S = ks_srp_client_dup_s_hex (client);
  g_assert_cmpstr (u, ==, t->u);
  g_assert_cmpstr (S, ==, t->S);
  assert_key_hex (key, t->hkdf);

  check_client_claim (client, t, key);
}

static void
test_vector_server (gconstpointer data)
{
  g_autoptr (Vectors) vectors = load_vectors ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSrpServer) server = NULL;
  g_autofree char *u = NULL;
  g_autofree char *S = NULL;
  g_autofree char *b = NULL;
  guint8           key[KS_SRP_KEY_LEN];
  Vector          *t;

  if (vectors == NULL)
    return;
  t = &vectors->vectors[GPOINTER_TO_UINT (data)];
  g_assert_nonnull (t->b);

  server = ks_srp_server_new_with_b (t->pool_id, t->user, t->salt, t->v, t->A, t->b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_srp_server_get_srp_b (server), ==, t->B);
  g_assert_cmpstr (ks_srp_server_get_salt (server), ==, t->salt_padded);
  b = ks_srp_server_dup_private_b (server);
  g_assert_cmpstr (b, ==, t->b);

  u = ks_srp_server_dup_u_hex (server);
  S = ks_srp_server_dup_s_hex (server);
  g_assert_cmpstr (u, ==, t->u);
  g_assert_cmpstr (S, ==, t->S);
  ks_srp_server_get_key (server, key);
  assert_key_hex (key, t->hkdf);

  g_assert_true (ks_srp_server_verify_claim (server, t->secret_block, t->timestamp,
                                             t->signature, &error));
  g_assert_no_error (error);
}

/* Vector 3's B is below 2^3064: padHex(B) is 766 digits, and B sent
 * zero-padded to 768 digits or in upper case is the same number. */
static void
test_short_b (void)
{
  g_autoptr (Vectors) vectors = load_vectors ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSrpClient) client = NULL;
  g_autofree char *zeros = NULL;
  g_autofree char *padded = NULL;
  g_autofree char *upper = NULL;
  guint8           key[KS_SRP_KEY_LEN];
  Vector          *t;

  if (vectors == NULL)
    return;
  t = &vectors->vectors[2];
  g_assert_cmpuint (strlen (t->B), <, 768);

  client = ks_srp_client_new_with_a (t->pool_id, t->a, &error);
  g_assert_no_error (error);
  zeros = g_strnfill (768 - strlen (t->B), '0');
  padded = g_strconcat (zeros, t->B, NULL);
  g_assert_true (ks_srp_client_derive_key (client, t->user, t->password, t->salt, padded,
                                           key, &error));
  g_assert_no_error (error);
  assert_key_hex (key, t->hkdf);

  upper = g_ascii_strup (t->B, -1);
  g_assert_true (ks_srp_client_derive_key (client, t->user, t->password, t->salt, upper,
                                           key, &error));
  g_assert_no_error (error);
  assert_key_hex (key, t->hkdf);
}

/* padHex(S) is shorter than 768 digits for about one S in 512 (S below
 * 2^3063). Search b for one (deterministic, bounded), and check that both
 * sides hash that short form: a fixed-width 384-byte S gives another key. */
static void
test_short_s (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSrpClient) client = NULL;
  g_autoptr (KsSrpServer) server = NULL;
  g_autofree char *v = NULL;
  g_autofree char *u = NULL;
  g_autofree char *S = NULL;
  g_autofree char *s_padded = NULL;
  g_autofree char *u_padded = NULL;
  g_autofree char *zeros = NULL;
  g_autofree char *s_fixed = NULL;
  guint8           server_key[KS_SRP_KEY_LEN];
  guint8           client_key[KS_SRP_KEY_LEN];
  guint8           expected[KS_SRP_KEY_LEN];

  v = ks_srp_make_verifier_with_salt (TEST_POOL_ID, "short-s", "hunter2", "00c0ffee", &error);
  g_assert_no_error (error);
  client = ks_srp_client_new_with_a (TEST_POOL_ID, "5eed5eed5eed5eed5eed5eed", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 8192 && (S == NULL || strlen (s_padded) >= 768); i++)
    {
      g_autofree char *b = g_strdup_printf ("%x", 0x10000u + i);

      g_clear_pointer (&server, ks_srp_server_free);
      g_clear_pointer (&S, g_free);
      g_clear_pointer (&s_padded, g_free);
      server = ks_srp_server_new_with_b (TEST_POOL_ID, "short-s", "00c0ffee", v,
                                         ks_srp_client_get_srp_a (client), b, &error);
      g_assert_no_error (error);
      S = ks_srp_server_dup_s_hex (server);
      s_padded = pad_hex (S);
    }
  g_assert_cmpuint (strlen (s_padded), <, 768);

  ks_srp_server_get_key (server, server_key);
  g_assert_true (ks_srp_client_derive_key (client, "short-s", "hunter2",
                                           ks_srp_server_get_salt (server),
                                           ks_srp_server_get_srp_b (server),
                                           client_key, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (client_key, sizeof client_key, server_key, sizeof server_key);

  u = ks_srp_server_dup_u_hex (server);
  u_padded = pad_hex (u);
  derive_key_from_hex (u_padded, s_padded, expected);
  g_assert_cmpmem (server_key, sizeof server_key, expected, sizeof expected);

  zeros = g_strnfill (768 - strlen (S), '0');
  s_fixed = g_strconcat (zeros, S, NULL);
  derive_key_from_hex (u_padded, s_fixed, expected);
  g_assert_true (memcmp (server_key, expected, sizeof expected) != 0);
}

static void
test_timestamp (void)
{
  static const struct
  {
    int         year, month, day, hour, minute, second;
    int         offset_hours;
    const char *expected;
  } cases[] = {
    /* Expected strings from `LC_ALL=C date -u '+%a %b %-d %H:%M:%S UTC %Y'`. */
    { 1970, 1, 1, 0, 0, 0, 0, "Thu Jan 1 00:00:00 UTC 1970" },
    { 2024, 2, 29, 9, 5, 3, 0, "Thu Feb 29 09:05:03 UTC 2024" },
    { 2000, 12, 31, 23, 59, 59, 0, "Sun Dec 31 23:59:59 UTC 2000" },
    /* 01:30 at +02:00 is the day before in UTC. */
    { 2025, 6, 1, 1, 30, 0, 2, "Sat May 31 23:30:00 UTC 2025" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GTimeZone) tz = g_time_zone_new_offset (cases[i].offset_hours * 3600);
      g_autoptr (GDateTime) dt = g_date_time_new (tz, cases[i].year, cases[i].month, cases[i].day,
                                                  cases[i].hour, cases[i].minute, cases[i].second);
      g_autofree char *text = ks_srp_format_timestamp (dt);

      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

/* ---- both sides ------------------------------------------------------ */

static char *
random_text (GRand *rand,
             guint  max_chars)
{
  static const gunichar ranges[][2] = {
    { 0x21, 0x7e },
    { 0xa1, 0xff },
    { 0x391, 0x3c9 },
    { 0x4e00, 0x4fff },
    { 0x1f600, 0x1f64f },
  };
  guint    n = (guint) g_rand_int_range (rand, 1, (gint32) max_chars + 1);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      const gunichar *r = ranges[g_rand_int_range (rand, 0, G_N_ELEMENTS (ranges))];

      g_string_append_unichar (text, r[0] + (gunichar) g_rand_int_range (rand, 0, (gint32) (r[1] - r[0] + 1)));
    }
  return g_string_free (text, FALSE);
}

/* One USER_SRP_AUTH round trip with @attempt as the password, the
 * server rebuilt from b the way a stateless server would. */
static gboolean
handshake (const char *user,
           const char *salt,
           const char *verifier,
           const char *attempt,
           const char *secret_block,
           GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KsSrpClient) client = ks_srp_client_new (TEST_POOL_ID, &local_error);
  g_autoptr (KsSrpServer) first = NULL;
  g_autoptr (KsSrpServer) server = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *timestamp = ks_srp_format_timestamp (now);
  g_autofree char *b = NULL;
  g_autofree char *signature = NULL;

  g_assert_no_error (local_error);
  first = ks_srp_server_new (TEST_POOL_ID, user, salt, verifier,
                             ks_srp_client_get_srp_a (client), &local_error);
  g_assert_no_error (local_error);
  b = ks_srp_server_dup_private_b (first);
  server = ks_srp_server_new_with_b (TEST_POOL_ID, user, salt, verifier,
                                     ks_srp_client_get_srp_a (client), b, &local_error);
  g_assert_no_error (local_error);
  g_assert_cmpstr (ks_srp_server_get_srp_b (server), ==, ks_srp_server_get_srp_b (first));

  signature = ks_srp_client_compute_claim (client, user, attempt, ks_srp_server_get_salt (server),
                                           ks_srp_server_get_srp_b (server), secret_block,
                                           timestamp, &local_error);
  g_assert_no_error (local_error);
  return ks_srp_server_verify_claim (server, secret_block, timestamp, signature, error);
}

static void
test_handshake (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr (GTimer) timer = g_timer_new ();
  guint users = 0;

  for (; users < 50 && (users < 5 || g_timer_elapsed (timer, NULL) < 60.0); users++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *user = random_text (rand, 24);
      g_autofree char *password = random_text (rand, 32);
      g_autofree char *wrong = g_strconcat (password, "x", NULL);
      g_autofree char *salt = NULL;
      g_autofree char *verifier = NULL;
      guint8           block[48];
      g_autofree char *block_b64 = NULL;

      for (guint i = 0; i < sizeof block; i++)
        block[i] = (guint8) g_rand_int (rand);
      block_b64 = ks_base64_encode (block, sizeof block);

      g_assert_true (ks_srp_make_verifier (TEST_POOL_ID, user, password, &salt, &verifier, &error));
      g_assert_no_error (error);
      g_assert_true (handshake (user, salt, verifier, password, block_b64, &error));
      g_assert_no_error (error);
      g_assert_false (handshake (user, salt, verifier, wrong, block_b64, &error));
      g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_BAD_SIGNATURE);
    }
  g_test_message ("%u users in %.1f s", users, g_timer_elapsed (timer, NULL));
}

static void
test_make_verifier_salt (void)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 32; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *verifier = NULL;
      char            *salt = NULL;

      g_assert_true (ks_srp_make_verifier (TEST_POOL_ID, "u", "p", &salt, &verifier, &error));
      g_assert_no_error (error);
      g_assert_true (g_hash_table_add (seen, salt));
      /* padHex form: even, sign byte only in front of a set top bit. */
      g_assert_cmpuint (strlen (salt) % 2, ==, 0);
      g_assert_cmpuint (strlen (salt), <=, 34);
      if (g_str_has_prefix (salt, "00"))
        g_assert_cmpint (g_ascii_xdigit_value (salt[2]), >=, 8);
      else
        g_assert_cmpint (g_ascii_xdigit_value (salt[0]), <, 8);
    }
}

/* ---- refusals -------------------------------------------------------- */

static void
test_reject_zero_a (void)
{
  g_autofree char *salt = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *N = ks_srp_dup_n_hex ();
  g_autofree char *N_upper = g_ascii_strup (N, -1);
  g_autofree char *N_lead = g_strconcat ("000", N, NULL);
  g_autofree char *N2 = multiply_hex (N, 2);
  g_autofree char *N7 = multiply_hex (N, 7);
  const char      *values[] = { "0", "00", "0000", N, N_upper, N_lead, N2, N7 };

  g_assert_true (ks_srp_make_verifier (TEST_POOL_ID, "bob", "pw", &salt, &verifier, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsSrpServer) server = NULL;

      server = ks_srp_server_new (TEST_POOL_ID, "bob", salt, verifier, values[i], &error);
      g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_INVALID_PUBLIC_VALUE);
      g_assert_null (server);
    }
}

static void
test_reject_zero_b (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSrpClient) client = ks_srp_client_new (TEST_POOL_ID, &error);
  g_autofree char *N = ks_srp_dup_n_hex ();
  g_autofree char *N2 = multiply_hex (N, 2);
  g_autofree char *N5 = multiply_hex (N, 5);
  const char      *values[] = { "0", "000", N, N2, N5 };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *signature = NULL;
      guint8           key[KS_SRP_KEY_LEN];

      g_assert_false (ks_srp_client_derive_key (client, "bob", "pw", "0a", values[i], key, &error));
      g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_INVALID_PUBLIC_VALUE);
      g_clear_error (&error);
      signature = ks_srp_client_compute_claim (client, "bob", "pw", "0a", values[i], "AAAA",
                                               OK_TIME, &error);
      g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_INVALID_PUBLIC_VALUE);
      g_assert_null (signature);
      g_clear_error (&error);
    }
  g_assert_null (ks_srp_client_dup_u_hex (client));
}

/* ---- malformed input ------------------------------------------------- */

typedef enum
{
  KIND_POOL,
  KIND_HEX,
  KIND_BASE64,
} InputKind;

/* Tiny secrets keep thousands of calls fast; only validation is tested. */
#define N_ARGS 6
static const char *const client_defaults[N_ARGS] = { TEST_POOL_ID, "0a", "2b", "AAAA" };
static const char *const server_defaults[N_ARGS] = { "0a", "5", "2", "3", "AAAA", "AAAA" };

/* args: pool id, SALT, SRP_B, SECRET_BLOCK */
static gboolean
client_call (const char **args,
             GError     **error)
{
  g_autoptr (KsSrpClient) client = ks_srp_client_new_with_a (args[0], "3", error);
  g_autofree char *signature = NULL;

  if (client == NULL)
    return FALSE;
  signature = ks_srp_client_compute_claim (client, "bob", "pw", args[1], args[2], args[3],
                                           OK_TIME, error);
  return signature != NULL;
}

/* args: SALT, verifier, SRP_A, b, SECRET_BLOCK, signature. Even valid
 * input fails in the end, with BAD_SIGNATURE. */
static gboolean
server_call (const char **args,
             GError     **error)
{
  g_autoptr (KsSrpServer) server = ks_srp_server_new_with_b (TEST_POOL_ID, "bob", args[0],
                                                             args[1], args[2], args[3], error);

  if (server == NULL)
    return FALSE;
  return ks_srp_server_verify_claim (server, args[4], OK_TIME, args[5], error);
}

typedef struct
{
  gboolean (*call) (const char **args, GError **error);
  const char *const *defaults;
  guint              index;
  InputKind          kind;
} Input;

static const Input inputs[] = {
  { client_call, client_defaults, 0, KIND_POOL },
  { client_call, client_defaults, 1, KIND_HEX },
  { client_call, client_defaults, 2, KIND_HEX },
  { client_call, client_defaults, 3, KIND_BASE64 },
  { server_call, server_defaults, 0, KIND_HEX },
  { server_call, server_defaults, 1, KIND_HEX },
  { server_call, server_defaults, 2, KIND_HEX },
  { server_call, server_defaults, 3, KIND_HEX },
  { server_call, server_defaults, 4, KIND_BASE64 },
  { server_call, server_defaults, 5, KIND_BASE64 },
};

static gboolean
try_input (const Input *input,
           const char  *value,
           GError     **error)
{
  const char *args[N_ARGS];

  memcpy (args, input->defaults, sizeof args);
  args[input->index] = value;
  return input->call (args, error);
}

static void
assert_malformed (const Input *input,
                  const char  *value)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (try_input (input, value, &error));
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
}

static void
test_malformed (void)
{
  g_autofree char *long_hex = g_strnfill (1025, '7');
  g_autofree char *N = ks_srp_dup_n_hex ();
  const char      *bad_pools[] = {
         "",
         "nounderscore",
         "_abc",
         "us-east-1_",
         "us-east-1_ab-c",
         "us_east_1_abc",
         "us east-1_abc",
         NULL,
  };
  const char *bad_hex[] = {
    "",
    "g",
    "0x12",
    "12 34",
    " 12",
    "12\n",
    "-1",
    "+1",
    "\xc3\xa9",
    "12g4",
    long_hex,
    NULL,
  };
  const char *bad_base64[] = {
    "",
    "secret",
    "@@@@",
    "AAA",
    "AA=A",
    "A===",
    "AAAA AAAA",
    "AAB=",
    "AA-_",
    NULL,
  };
  const char **bad[] = {
    [KIND_POOL] = bad_pools,
    [KIND_HEX] = bad_hex,
    [KIND_BASE64] = bad_base64,
  };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    for (const char **value = bad[inputs[i].kind]; *value != NULL; value++)
      assert_malformed (&inputs[i], *value);

  /* Zero secrets and out-of-range verifiers are refused, not used. */
  assert_malformed (&inputs[7], "000");
  assert_malformed (&inputs[5], "0");
  assert_malformed (&inputs[5], N);
  g_assert_null (ks_srp_client_new_with_a (TEST_POOL_ID, "0", &error));
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
}

static void
test_malformed_fields (void)
{
  g_autoptr (KsSrpClient) client = ks_srp_client_new_with_a (TEST_POOL_ID, "3", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *salt = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *signature = NULL;
  guint8           key[KS_SRP_KEY_LEN];

  g_assert_false (ks_srp_client_derive_key (client, "", "pw", "0a", "2b", key, &error));
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (ks_srp_client_derive_key (client, NULL, "pw", "0a", "2b", key, &error));
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
  g_clear_error (&error);
  signature = ks_srp_client_compute_claim (client, "bob", "pw", "0a", "2b", "AAAA", "", &error);
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
  g_assert_null (signature);
  g_clear_error (&error);

  g_assert_false (ks_srp_make_verifier ("nope", "bob", "pw", &salt, &verifier, &error));
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
  g_assert_null (salt);
  g_assert_null (verifier);
  g_clear_error (&error);
  g_assert_false (ks_srp_make_verifier (TEST_POOL_ID, "", "pw", &salt, &verifier, &error));
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
  g_clear_error (&error);

  g_assert_null (ks_srp_server_new (TEST_POOL_ID, "", "0a", "5", "2", &error));
  g_assert_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED);
}

static void
test_garbage (void)
{
  g_auto (GStrv) garbage = ks_test_garbage_strings (g_test_rand_int (), 300);
  guint refused = 0, total = 0;

  for (guint i = 0; garbage[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (inputs); j++)
      {
        g_autoptr (GError) error = NULL;
        gboolean ok = try_input (&inputs[j], garbage[i], &error);

        total++;
        /* The server never accepts the fixed signature. */
        g_assert_true (!ok || inputs[j].call == client_call);
        if (ok)
          continue;
        g_assert_true (error->domain == KS_SRP_ERROR);
        if (error->code == KS_SRP_ERROR_MALFORMED)
          refused++;
      }
  /* Random bytes are almost never valid hex, base64 or a pool id. */
  g_assert_cmpuint (refused, >, total * 9 / 10);
}

/* ---- leftovers ------------------------------------------------------- */

static void
test_hex_case (void)
{
  g_autoptr (Vectors) vectors = load_vectors ();
  g_autoptr (GError) error = NULL;
  g_autoptr (KsSrpServer) server = NULL;
  g_autofree char *salt = NULL;
  g_autofree char *v = NULL;
  g_autofree char *A = NULL;
  g_autofree char *b = NULL;
  guint8           key[KS_SRP_KEY_LEN];
  Vector          *t;

  if (vectors == NULL)
    return;
  t = &vectors->vectors[1];
  salt = g_ascii_strup (t->salt, -1);
  v = g_ascii_strup (t->v, -1);
  A = g_ascii_strup (t->A, -1);
  b = g_ascii_strup (t->b, -1);

  server = ks_srp_server_new_with_b (t->pool_id, t->user, salt, v, A, b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ks_srp_server_get_srp_b (server), ==, t->B);
  g_assert_cmpstr (ks_srp_server_get_salt (server), ==, t->salt_padded);
  ks_srp_server_get_key (server, key);
  assert_key_hex (key, t->hkdf);
}

static void
test_secret_hash (void)
{
  static const struct
  {
    const char *username, *client_id, *secret, *expected;
  } cases[] = {
    /* printf '%s' "$username$client_id" |
     *   openssl dgst -sha256 -hmac "$secret" -binary | base64 */
    { "alice", "7abc123clientid", "s3cr3t-client-secret",
      "iK6ICpeb/t5N47+xh2CPtwUbezU/x2BleBs5BbyRWVc=" },
    { "zo\xc3\xab@example.org", "1example23456789",
      "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z",
      "iCSZsWkU5tKYfzf11w1/ZjDQtW2F0x2q6tFAoTvln+Y=" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *hash = ks_cognito_secret_hash (cases[i].username, cases[i].client_id,
                                                      cases[i].secret);

      g_assert_cmpstr (hash, ==, cases[i].expected);
    }
}

static void
add_vector_tests (const char   *name,
                  GTestDataFunc func,
                  guint         first)
{
  for (guint i = first; i < N_VECTORS; i++)
    {
      g_autofree char *path = g_strdup_printf ("/srp/vector%u/%s", i + 1, name);

      g_test_add_data_func (path, GUINT_TO_POINTER (i), func);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/srp/group", test_group);
  add_vector_tests ("verifier", test_vector_verifier, 0);
  add_vector_tests ("client", test_vector_client, 0);
  /* Vector 1's B came from a verifier the file does not give, so its
   * server side cannot be rebuilt; vectors 2 and 3 cover that side. */
  add_vector_tests ("server", test_vector_server, 1);
  g_test_add_func ("/srp/short-b", test_short_b);
  g_test_add_func ("/srp/short-s", test_short_s);
  g_test_add_func ("/srp/hex-case", test_hex_case);
  g_test_add_func ("/srp/timestamp", test_timestamp);
  g_test_add_func ("/srp/secret-hash", test_secret_hash);
  g_test_add_func ("/srp/make-verifier/salt", test_make_verifier_salt);
  g_test_add_func ("/srp/handshake", test_handshake);
  g_test_add_func ("/srp/reject/zero-a", test_reject_zero_a);
  g_test_add_func ("/srp/reject/zero-b", test_reject_zero_b);
  g_test_add_func ("/srp/malformed/inputs", test_malformed);
  g_test_add_func ("/srp/malformed/fields", test_malformed_fields);
  g_test_add_func ("/srp/malformed/garbage", test_garbage);

  return g_test_run ();
}
