/* ks-srp.c: Cognito's SRP-6a (USER_SRP_AUTH): group, shared math, client
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Follows amazon-cognito-identity-js (AuthenticationHelper.js) to the
 * byte: 3072-bit group of RFC 5054 with g = 2, numbers hashed in their
 * padHex() form, x salted with the pool name, the "Caldera Derived Key"
 * HKDF and the PASSWORD_CLAIM_SIGNATURE over pool name, user, secret
 * block and timestamp.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ks-encoding.h"
#include "ks-srp-internal.h"

/* Far above the 770 hex digits of the largest padded value mod N, far
 * below anything that would make the arithmetic slow. */
#define SRP_MAX_HEX_LEN 1024
/* Size of the random a and b, as amazon-cognito-identity-js draws a. */
#define SRP_SECRET_LEN 128
#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

G_DEFINE_QUARK (ks_srp_error_quark, ks_srp_error)

struct _KsSrpClient
{
  KsSrpGroup group;
  char      *pool_name;
  BIGNUM    *a; /* secret */
  BIGNUM    *A;
  char      *srp_a;
  BIGNUM    *u; /* nullable: from the last key derivation */
  BIGNUM    *S; /* nullable, secret */
};

/* Bignum calls fail only when memory runs out or on a programming error;
 * like g_malloc(), abort instead of threading an error through every line
 * of arithmetic. */
void
ks_srp_bn_check (int ok)
{
  if (!ok)
    g_error ("OpenSSL bignum operation failed");
}

BIGNUM *
ks_srp_bn_new (void)
{
  BIGNUM *n = BN_new ();

  ks_srp_bn_check (n != NULL);
  return n;
}

BN_CTX *
ks_srp_bn_ctx_new (void)
{
  BN_CTX *ctx = BN_CTX_new ();

  ks_srp_bn_check (ctx != NULL);
  return ctx;
}

BIGNUM *
ks_srp_bn_from_bytes (const guint8 *bytes,
                      gsize         len)
{
  BIGNUM *n = BN_bin2bn (bytes, (int) len, NULL);

  ks_srp_bn_check (n != NULL);
  return n;
}

/* padHex() of amazon-cognito-identity-js, as bytes: the minimal big-endian
 * form with a 0x00 in front when the top bit is set, like Java's
 * BigInteger.toByteArray(). Not a fixed width: zero-filling short values
 * to 384 bytes makes about one login in a few hundred fail. */
static guint8 *
bn_to_padded (const BIGNUM *n,
              gsize        *out_len)
{
  gsize   len = (gsize) BN_num_bytes (n);
  gsize   prefix = (len == 0 || BN_is_bit_set (n, (int) len * 8 - 1)) ? 1 : 0;
  guint8 *out = g_malloc0 (prefix + len);

  BN_bn2bin (n, out + prefix);
  *out_len = prefix + len;
  return out;
}

static void
bytes_free_secret (guint8 *bytes,
                   gsize   len)
{
  OPENSSL_cleanse (bytes, len);
  g_free (bytes);
}

/* Copies of secrets are wiped before they are freed. */
char *
ks_srp_bn_to_padded_hex (const BIGNUM *n)
{
  gsize   len;
  guint8 *bytes = bn_to_padded (n, &len);
  char   *hex = ks_hex_encode (bytes, len);

  bytes_free_secret (bytes, len);
  return hex;
}

/* Minimal hex, JavaScript's toString(16): what goes on the wire as SRP_A
 * and SRP_B, and how the test vectors print numbers. */
char *
ks_srp_bn_to_hex (const BIGNUM *n)
{
  char       *padded = ks_srp_bn_to_padded_hex (n);
  const char *p = padded;
  char       *hex;

  while (p[0] == '0' && p[1] != '\0')
    p++;
  hex = g_strdup (p);
  bytes_free_secret ((guint8 *) padded, strlen (padded));
  return hex;
}

gboolean
ks_srp_check_not_empty (const char *value,
                        const char *what,
                        GError    **error)
{
  if (value != NULL && value[0] != '\0')
    return TRUE;

  g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED, "%s is empty", what);
  return FALSE;
}

/* Any case, odd length allowed (SRP_A is sent without padding). */
BIGNUM *
ks_srp_bn_from_hex (const char *hex,
                    const char *what,
                    GError    **error)
{
  gsize   len = hex != NULL ? strlen (hex) : 0;
  guint8 *bytes = NULL;
  gsize   n_bytes;
  BIGNUM *n;

  if (len > 0 && len <= SRP_MAX_HEX_LEN)
    {
      g_autofree char *even = g_strconcat (len % 2 ? "0" : "", hex, NULL);

      bytes = ks_hex_decode (even, &n_bytes, NULL);
      OPENSSL_cleanse (even, strlen (even));
    }
  if (bytes == NULL)
    {
      g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED,
                   "%s is not a hexadecimal number of 1 to %d digits",
                   what, SRP_MAX_HEX_LEN);
      return NULL;
    }

  n = ks_srp_bn_from_bytes (bytes, n_bytes);
  bytes_free_secret (bytes, n_bytes);
  return n;
}

guint8 *
ks_srp_decode_base64 (const char *text,
                      const char *what,
                      gsize      *out_len,
                      GError    **error)
{
  guint8 *bytes;

  if (!ks_srp_check_not_empty (text, what, error))
    return NULL;

  bytes = ks_base64_decode (text, out_len, NULL);
  if (bytes == NULL)
    g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED,
                 "%s is not valid base64", what);
  return bytes;
}

/* "us-east-1_AbC123" -> "AbC123"; the format CognitoUserPool accepts,
 * without '_' in the region so that every client splits it alike. */
char *
ks_srp_pool_name_from_id (const char *pool_id,
                          GError    **error)
{
  const char *sep = pool_id != NULL ? strchr (pool_id, '_') : NULL;

  if (sep == NULL || sep == pool_id || sep[1] == '\0' ||
      strspn (pool_id, ALNUM "-") != (gsize) (sep - pool_id) ||
      strspn (sep + 1, ALNUM) != strlen (sep + 1))
    {
      g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED,
                   "User pool id is not of the form <region>_<name>");
      return NULL;
    }
  return g_strdup (sep + 1);
}

/* Never zero, so that g^a is never 1. */
BIGNUM *
ks_srp_random_secret (void)
{
  guint8  bytes[SRP_SECRET_LEN];
  BIGNUM *n = NULL;

  do
    {
      g_clear_pointer (&n, BN_clear_free);
      ks_random_bytes (bytes, sizeof bytes);
      n = ks_srp_bn_from_bytes (bytes, sizeof bytes);
    }
  while (BN_is_zero (n));

  OPENSSL_cleanse (bytes, sizeof bytes);
  return n;
}

BIGNUM *
ks_srp_secret_from_hex (const char *hex,
                        const char *what,
                        GError    **error)
{
  g_autoptr (BIGNUM) n = ks_srp_bn_from_hex (hex, what, error);

  if (n != NULL && BN_is_zero (n))
    {
      g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED,
                   "%s is zero", what);
      return NULL;
    }
  return g_steal_pointer (&n);
}

static void
sha256_update_padded (KsSha256     *sha,
                      const BIGNUM *n)
{
  gsize   len;
  guint8 *bytes = bn_to_padded (n, &len);

  ks_sha256_update (sha, bytes, len);
  bytes_free_secret (bytes, len);
}

/* H(padHex(a) || padHex(b)), for k and u. */
static BIGNUM *
hash_padded_pair (const BIGNUM *a,
                  const BIGNUM *b)
{
  g_autoptr (KsSha256) sha = ks_sha256_new ();
  guint8 digest[KS_SHA256_LEN];

  sha256_update_padded (sha, a);
  sha256_update_padded (sha, b);
  ks_sha256_finish (sha, digest);
  return ks_srp_bn_from_bytes (digest, sizeof digest);
}

void
ks_srp_group_init (KsSrpGroup *group)
{
  group->N = BN_get_rfc3526_prime_3072 (NULL);
  group->g = ks_srp_bn_new ();
  ks_srp_bn_check (group->N != NULL && BN_set_word (group->g, 2));
  group->k = hash_padded_pair (group->N, group->g);
}

void
ks_srp_group_clear (KsSrpGroup *group)
{
  g_clear_pointer (&group->N, BN_free);
  g_clear_pointer (&group->g, BN_free);
  g_clear_pointer (&group->k, BN_free);
}

/* Secret exponents only ever go through the constant-time ladder. */
BIGNUM *
ks_srp_mod_exp_secret (const BIGNUM *base,
                       const BIGNUM *exponent,
                       const BIGNUM *N,
                       BN_CTX       *ctx)
{
  BIGNUM *r = ks_srp_bn_new ();

  ks_srp_bn_check (BN_mod_exp_mont_consttime (r, base, exponent, N, ctx, NULL));
  return r;
}

gboolean
ks_srp_check_public_value (const KsSrpGroup *group,
                           const BIGNUM     *value,
                           const char       *what,
                           GError          **error)
{
  g_autoptr (BN_CTX) ctx = ks_srp_bn_ctx_new ();
  g_autoptr (BIGNUM) r = ks_srp_bn_new ();

  ks_srp_bn_check (BN_nnmod (r, value, group->N, ctx));
  if (!BN_is_zero (r))
    return TRUE;

  g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_INVALID_PUBLIC_VALUE,
               "%s is a multiple of N", what);
  return FALSE;
}

/* u = H(padHex(A) || padHex(B)), with A and B as sent, not reduced. */
BIGNUM *
ks_srp_compute_u (const BIGNUM *A,
                  const BIGNUM *B,
                  GError      **error)
{
  g_autoptr (BIGNUM) u = hash_padded_pair (A, B);

  if (BN_is_zero (u))
    {
      g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_INVALID_PUBLIC_VALUE,
                   "The scrambling parameter u is zero");
      return NULL;
    }
  return g_steal_pointer (&u);
}

/* x = H(padHex(salt) || H(poolName || user || ":" || password)) */
static BIGNUM *
compute_x (const char   *pool_name,
           const char   *user_id,
           const char   *password,
           const BIGNUM *salt)
{
  g_autoptr (KsSha256) inner = ks_sha256_new ();
  g_autoptr (KsSha256) outer = ks_sha256_new ();
  guint8  digest[KS_SHA256_LEN];
  BIGNUM *x;

  ks_sha256_update (inner, pool_name, strlen (pool_name));
  ks_sha256_update (inner, user_id, strlen (user_id));
  ks_sha256_update (inner, ":", 1);
  ks_sha256_update (inner, password, strlen (password));
  ks_sha256_finish (inner, digest);

  sha256_update_padded (outer, salt);
  ks_sha256_update (outer, digest, sizeof digest);
  ks_sha256_finish (outer, digest);

  x = ks_srp_bn_from_bytes (digest, sizeof digest);
  OPENSSL_cleanse (digest, sizeof digest);
  return x;
}

/* The inputs every x needs, parsed and checked. */
BIGNUM *
ks_srp_compute_x_checked (const char *pool_name,
                          const char *user_id,
                          const char *password,
                          const char *salt_hex,
                          GError    **error)
{
  g_autoptr (BIGNUM) salt = NULL;

  if (!ks_srp_check_not_empty (user_id, "USER_ID_FOR_SRP", error))
    return NULL;
  if (password == NULL)
    {
      g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED, "No password");
      return NULL;
    }
  salt = ks_srp_bn_from_hex (salt_hex, "SALT", error);
  if (salt == NULL)
    return NULL;

  return compute_x (pool_name, user_id, password, salt);
}

/* The derived key: HMAC(HMAC(padHex(u), padHex(S)), info || 0x01),
 * first 16 bytes. */
void
ks_srp_derive_key (const BIGNUM *u,
                   const BIGNUM *S,
                   guint8        key[KS_SRP_KEY_LEN])
{
  static const char  info[] = "Caldera Derived Key\001";
  gsize              u_len, s_len;
  g_autofree guint8 *u_bytes = bn_to_padded (u, &u_len);
  guint8            *s_bytes = bn_to_padded (S, &s_len);
  guint8             prk[KS_SHA256_LEN];
  guint8             okm[KS_SHA256_LEN];

  ks_hmac_sha256 (u_bytes, u_len, s_bytes, s_len, prk);
  ks_hmac_sha256 (prk, sizeof prk, info, sizeof info - 1, okm);
  memcpy (key, okm, KS_SRP_KEY_LEN);

  bytes_free_secret (s_bytes, s_len);
  OPENSSL_cleanse (prk, sizeof prk);
  OPENSSL_cleanse (okm, sizeof okm);
}

void
ks_srp_sign_claim_raw (const guint8  key[KS_SRP_KEY_LEN],
                       const char   *pool_name,
                       const char   *user_id,
                       const guint8 *secret_block,
                       gsize         secret_block_len,
                       const char   *timestamp,
                       guint8        mac[KS_SHA256_LEN])
{
  g_autoptr (GByteArray) msg = g_byte_array_new ();

  g_byte_array_append (msg, (const guint8 *) pool_name, (guint) strlen (pool_name));
  g_byte_array_append (msg, (const guint8 *) user_id, (guint) strlen (user_id));
  g_byte_array_append (msg, secret_block, (guint) secret_block_len);
  g_byte_array_append (msg, (const guint8 *) timestamp, (guint) strlen (timestamp));
  ks_hmac_sha256 (key, KS_SRP_KEY_LEN, msg->data, msg->len, mac);
}

char *
ks_srp_sign_claim (const guint8  key[KS_SRP_KEY_LEN],
                   const char   *pool_name,
                   const char   *user_id_for_srp,
                   const guint8 *secret_block,
                   gsize         secret_block_len,
                   const char   *timestamp)
{
  guint8 mac[KS_SHA256_LEN];

  g_return_val_if_fail (pool_name != NULL && user_id_for_srp != NULL, NULL);
  g_return_val_if_fail (timestamp != NULL, NULL);

  ks_srp_sign_claim_raw (key, pool_name, user_id_for_srp, secret_block,
                         secret_block_len, timestamp, mac);
  return ks_base64_encode (mac, sizeof mac);
}

char *
ks_srp_dup_n_hex (void)
{
  g_autoptr (BIGNUM) N = BN_get_rfc3526_prime_3072 (NULL);

  ks_srp_bn_check (N != NULL);
  return ks_srp_bn_to_hex (N);
}

char *
ks_srp_dup_k_hex (void)
{
  KsSrpGroup group;
  char      *hex;

  ks_srp_group_init (&group);
  hex = ks_srp_bn_to_hex (group.k);
  ks_srp_group_clear (&group);
  return hex;
}

char *
ks_srp_compute_x_hex (const char *pool_id,
                      const char *user_id_for_srp,
                      const char *password,
                      const char *salt_hex,
                      GError    **error)
{
  g_autofree char *pool_name = ks_srp_pool_name_from_id (pool_id, error);
  g_autoptr (BIGNUM) x = NULL;

  if (pool_name == NULL)
    return NULL;
  x = ks_srp_compute_x_checked (pool_name, user_id_for_srp, password, salt_hex, error);
  return x != NULL ? ks_srp_bn_to_hex (x) : NULL;
}

/* ---- client ---------------------------------------------------------- */

static KsSrpClient *
client_new_take_a (const char *pool_id,
                   BIGNUM     *a,
                   GError    **error)
{
  g_autoptr (KsSrpClient) self = g_new0 (KsSrpClient, 1);
  g_autoptr (BN_CTX) ctx = ks_srp_bn_ctx_new ();

  self->a = a;
  self->pool_name = ks_srp_pool_name_from_id (pool_id, error);
  if (self->pool_name == NULL)
    return NULL;

  ks_srp_group_init (&self->group);
  self->A = ks_srp_mod_exp_secret (self->group.g, self->a, self->group.N, ctx);
  self->srp_a = ks_srp_bn_to_hex (self->A);
  return g_steal_pointer (&self);
}

KsSrpClient *
ks_srp_client_new (const char *pool_id,
                   GError    **error)
{
  return client_new_take_a (pool_id, ks_srp_random_secret (), error);
}

KsSrpClient *
ks_srp_client_new_with_a (const char *pool_id,
                          const char *private_a_hex,
                          GError    **error)
{
  BIGNUM *a = ks_srp_secret_from_hex (private_a_hex, "a", error);

  return a != NULL ? client_new_take_a (pool_id, a, error) : NULL;
}

const char *
ks_srp_client_get_srp_a (KsSrpClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->srp_a;
}

/* S = (B - k * g^x) ^ (a + u * x) mod N */
static BIGNUM *
client_premaster (const KsSrpGroup *group,
                  const BIGNUM     *B,
                  const BIGNUM     *a,
                  const BIGNUM     *u,
                  const BIGNUM     *x)
{
  g_autoptr (BN_CTX) ctx = ks_srp_bn_ctx_new ();
  g_autoptr (BIGNUM) gx = ks_srp_mod_exp_secret (group->g, x, group->N, ctx);
  g_autoptr (BIGNUM) base = ks_srp_bn_new ();
  g_autoptr (BIGNUM) exponent = ks_srp_bn_new ();

  ks_srp_bn_check (BN_mod_mul (base, group->k, gx, group->N, ctx));
  ks_srp_bn_check (BN_mod_sub (base, B, base, group->N, ctx));
  ks_srp_bn_check (BN_mul (exponent, u, x, ctx));
  ks_srp_bn_check (BN_add (exponent, exponent, a));
  return ks_srp_mod_exp_secret (base, exponent, group->N, ctx);
}

gboolean
ks_srp_client_derive_key (KsSrpClient *self,
                          const char  *user_id_for_srp,
                          const char  *password,
                          const char  *salt_hex,
                          const char  *srp_b_hex,
                          guint8       key[KS_SRP_KEY_LEN],
                          GError     **error)
{
  g_autoptr (BIGNUM) B = NULL;
  g_autoptr (BIGNUM) u = NULL;
  g_autoptr (BIGNUM) x = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  B = ks_srp_bn_from_hex (srp_b_hex, "SRP_B", error);
  if (B == NULL || !ks_srp_check_public_value (&self->group, B, "SRP_B", error))
    return FALSE;
  u = ks_srp_compute_u (self->A, B, error);
  if (u == NULL)
    return FALSE;
  x = ks_srp_compute_x_checked (self->pool_name, user_id_for_srp, password, salt_hex, error);
  if (x == NULL)
    return FALSE;

  g_clear_pointer (&self->S, BN_clear_free);
  self->S = client_premaster (&self->group, B, self->a, u, x);
  g_clear_pointer (&self->u, BN_free);
  self->u = g_steal_pointer (&u);
  ks_srp_derive_key (self->u, self->S, key);
  return TRUE;
}

char *
ks_srp_client_compute_claim (KsSrpClient *self,
                             const char  *user_id_for_srp,
                             const char  *password,
                             const char  *salt_hex,
                             const char  *srp_b_hex,
                             const char  *secret_block_b64,
                             const char  *timestamp,
                             GError     **error)
{
  g_autofree guint8 *secret_block = NULL;
  gsize              secret_block_len;
  guint8             key[KS_SRP_KEY_LEN];
  char              *signature;

  g_return_val_if_fail (self != NULL, NULL);

  secret_block = ks_srp_decode_base64 (secret_block_b64, "SECRET_BLOCK",
                                       &secret_block_len, error);
  if (secret_block == NULL || !ks_srp_check_not_empty (timestamp, "TIMESTAMP", error))
    return NULL;
  if (!ks_srp_client_derive_key (self, user_id_for_srp, password, salt_hex,
                                 srp_b_hex, key, error))
    return NULL;

  signature = ks_srp_sign_claim (key, self->pool_name, user_id_for_srp,
                                 secret_block, secret_block_len, timestamp);
  OPENSSL_cleanse (key, sizeof key);
  return signature;
}

char *
ks_srp_client_dup_u_hex (KsSrpClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->u != NULL ? ks_srp_bn_to_hex (self->u) : NULL;
}

char *
ks_srp_client_dup_s_hex (KsSrpClient *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->S != NULL ? ks_srp_bn_to_hex (self->S) : NULL;
}

void
ks_srp_client_free (KsSrpClient *self)
{
  if (self == NULL)
    return;

  ks_srp_group_clear (&self->group);
  g_free (self->pool_name);
  BN_clear_free (self->a);
  BN_free (self->A);
  g_free (self->srp_a);
  BN_free (self->u);
  BN_clear_free (self->S);
  g_free (self);
}

/* ---- helpers for the requests ---------------------------------------- */

/* Not strftime(): its names follow LC_TIME, Cognito wants English. */
char *
ks_srp_format_timestamp (GDateTime *datetime)
{
  static const char *const days[] = {
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
  };
  static const char *const months[] = {
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  };
  g_autoptr (GDateTime) utc = NULL;

  g_return_val_if_fail (datetime != NULL, NULL);

  utc = g_date_time_to_utc (datetime);
  return g_strdup_printf ("%s %s %d %02d:%02d:%02d UTC %d",
                          days[g_date_time_get_day_of_week (utc) - 1],
                          months[g_date_time_get_month (utc) - 1],
                          g_date_time_get_day_of_month (utc),
                          g_date_time_get_hour (utc),
                          g_date_time_get_minute (utc),
                          g_date_time_get_second (utc),
                          g_date_time_get_year (utc));
}

char *
ks_cognito_secret_hash (const char *username,
                        const char *client_id,
                        const char *client_secret)
{
  g_autofree char *msg = NULL;
  guint8           mac[KS_SHA256_LEN];

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (client_id != NULL, NULL);
  g_return_val_if_fail (client_secret != NULL, NULL);

  msg = g_strconcat (username, client_id, NULL);
  ks_hmac_sha256 (client_secret, strlen (client_secret), msg, strlen (msg), mac);
  return ks_base64_encode (mac, sizeof mac);
}
