/* ks-srp-server.c: Cognito's SRP-6a, the server side: verifiers and
 * PASSWORD_VERIFIER sessions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <openssl/crypto.h>

#include "ks-srp-internal.h"

#define SRP_SALT_LEN 16

struct _KsSrpServer
{
  KsSrpGroup group;
  char      *pool_name;
  char      *user_id;
  char      *salt; /* padHex form */
  BIGNUM    *b;    /* secret */
  char      *srp_b;
  BIGNUM    *u;
  BIGNUM    *S; /* secret */
  guint8     key[KS_SRP_KEY_LEN];
};

char *
ks_srp_make_verifier_with_salt (const char *pool_id,
                                const char *user_id_for_srp,
                                const char *password,
                                const char *salt_hex,
                                GError    **error)
{
  g_autofree char *pool_name = ks_srp_pool_name_from_id (pool_id, error);
  g_autoptr (BIGNUM) x = NULL;
  g_autoptr (BIGNUM) v = NULL;
  g_autoptr (BN_CTX) ctx = NULL;
  KsSrpGroup group;

  if (pool_name == NULL)
    return NULL;
  x = ks_srp_compute_x_checked (pool_name, user_id_for_srp, password, salt_hex, error);
  if (x == NULL)
    return NULL;

  ctx = ks_srp_bn_ctx_new ();
  ks_srp_group_init (&group);
  v = ks_srp_mod_exp_secret (group.g, x, group.N, ctx);
  ks_srp_group_clear (&group);
  return ks_srp_bn_to_hex (v);
}

gboolean
ks_srp_make_verifier (const char *pool_id,
                      const char *user_id_for_srp,
                      const char *password,
                      char      **out_salt_hex,
                      char      **out_verifier_hex,
                      GError    **error)
{
  guint8 bytes[SRP_SALT_LEN];
  g_autoptr (BIGNUM) salt = NULL;
  g_autofree char *salt_hex = NULL;
  char            *verifier_hex;

  g_return_val_if_fail (out_salt_hex != NULL, FALSE);
  g_return_val_if_fail (out_verifier_hex != NULL, FALSE);

  ks_random_bytes (bytes, sizeof bytes);
  salt = ks_srp_bn_from_bytes (bytes, sizeof bytes);
  /* Sent as stored, so store it the way clients will hash it. */
  salt_hex = ks_srp_bn_to_padded_hex (salt);
  verifier_hex = ks_srp_make_verifier_with_salt (pool_id, user_id_for_srp,
                                                 password, salt_hex, error);
  if (verifier_hex == NULL)
    return FALSE;

  *out_salt_hex = g_steal_pointer (&salt_hex);
  *out_verifier_hex = verifier_hex;
  return TRUE;
}

/* The verifier is password-equivalent, so it stays in range and secret. */
static BIGNUM *
verifier_from_hex (const KsSrpGroup *group,
                   const char       *hex,
                   GError          **error)
{
  g_autoptr (BIGNUM) v = ks_srp_bn_from_hex (hex, "Verifier", error);

  if (v != NULL && (BN_is_zero (v) || BN_cmp (v, group->N) >= 0))
    {
      g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_MALFORMED,
                   "Verifier is out of range");
      return NULL;
    }
  return g_steal_pointer (&v);
}

/* B = (k * v + g^b) mod N */
static BIGNUM *
server_public (const KsSrpGroup *group,
               const BIGNUM     *v,
               const BIGNUM     *b)
{
  g_autoptr (BN_CTX) ctx = ks_srp_bn_ctx_new ();
  g_autoptr (BIGNUM) gb = ks_srp_mod_exp_secret (group->g, b, group->N, ctx);
  BIGNUM *B = ks_srp_bn_new ();

  ks_srp_bn_check (BN_mod_mul (B, group->k, v, group->N, ctx));
  ks_srp_bn_check (BN_mod_add (B, B, gb, group->N, ctx));
  return B;
}

/* S = (A * v^u)^b mod N */
static BIGNUM *
server_premaster (const KsSrpGroup *group,
                  const BIGNUM     *A,
                  const BIGNUM     *v,
                  const BIGNUM     *u,
                  const BIGNUM     *b)
{
  g_autoptr (BN_CTX) ctx = ks_srp_bn_ctx_new ();
  g_autoptr (BIGNUM) base = ks_srp_mod_exp_secret (v, u, group->N, ctx);

  ks_srp_bn_check (BN_mod_mul (base, A, base, group->N, ctx));
  return ks_srp_mod_exp_secret (base, b, group->N, ctx);
}

static gboolean
server_setup (KsSrpServer *self,
              const char  *verifier_hex,
              const char  *srp_a_hex,
              GError     **error)
{
  g_autoptr (BIGNUM) v = verifier_from_hex (&self->group, verifier_hex, error);
  g_autoptr (BIGNUM) A = NULL;
  g_autoptr (BIGNUM) B = NULL;

  if (v == NULL)
    return FALSE;
  A = ks_srp_bn_from_hex (srp_a_hex, "SRP_A", error);
  if (A == NULL || !ks_srp_check_public_value (&self->group, A, "SRP_A", error))
    return FALSE;
  B = server_public (&self->group, v, self->b);
  if (!ks_srp_check_public_value (&self->group, B, "SRP_B", error))
    return FALSE;
  self->u = ks_srp_compute_u (A, B, error);
  if (self->u == NULL)
    return FALSE;

  self->srp_b = ks_srp_bn_to_hex (B);
  self->S = server_premaster (&self->group, A, v, self->u, self->b);
  ks_srp_derive_key (self->u, self->S, self->key);
  return TRUE;
}

static KsSrpServer *
server_new_take_b (const char *pool_id,
                   const char *user_id_for_srp,
                   const char *salt_hex,
                   const char *verifier_hex,
                   const char *srp_a_hex,
                   BIGNUM     *b,
                   GError    **error)
{
  g_autoptr (KsSrpServer) self = g_new0 (KsSrpServer, 1);
  g_autoptr (BIGNUM) salt = NULL;

  self->b = b;
  ks_srp_group_init (&self->group);
  self->pool_name = ks_srp_pool_name_from_id (pool_id, error);
  if (self->pool_name == NULL ||
      !ks_srp_check_not_empty (user_id_for_srp, "USER_ID_FOR_SRP", error))
    return NULL;
  self->user_id = g_strdup (user_id_for_srp);

  salt = ks_srp_bn_from_hex (salt_hex, "SALT", error);
  if (salt == NULL)
    return NULL;
  self->salt = ks_srp_bn_to_padded_hex (salt);

  if (!server_setup (self, verifier_hex, srp_a_hex, error))
    return NULL;
  return g_steal_pointer (&self);
}

KsSrpServer *
ks_srp_server_new (const char *pool_id,
                   const char *user_id_for_srp,
                   const char *salt_hex,
                   const char *verifier_hex,
                   const char *srp_a_hex,
                   GError    **error)
{
  return server_new_take_b (pool_id, user_id_for_srp, salt_hex, verifier_hex,
                            srp_a_hex, ks_srp_random_secret (), error);
}

KsSrpServer *
ks_srp_server_new_with_b (const char *pool_id,
                          const char *user_id_for_srp,
                          const char *salt_hex,
                          const char *verifier_hex,
                          const char *srp_a_hex,
                          const char *private_b_hex,
                          GError    **error)
{
  BIGNUM *b = ks_srp_secret_from_hex (private_b_hex, "b", error);

  if (b == NULL)
    return NULL;
  return server_new_take_b (pool_id, user_id_for_srp, salt_hex, verifier_hex,
                            srp_a_hex, b, error);
}

const char *
ks_srp_server_get_srp_b (KsSrpServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->srp_b;
}

const char *
ks_srp_server_get_salt (KsSrpServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->salt;
}

char *
ks_srp_server_dup_private_b (KsSrpServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ks_srp_bn_to_hex (self->b);
}

gboolean
ks_srp_server_verify_claim (KsSrpServer *self,
                            const char  *secret_block_b64,
                            const char  *timestamp,
                            const char  *signature_b64,
                            GError     **error)
{
  g_autofree guint8 *secret_block = NULL;
  g_autofree guint8 *signature = NULL;
  gsize              secret_block_len, signature_len;
  guint8             expected[KS_SHA256_LEN];
  gboolean           ok;

  g_return_val_if_fail (self != NULL, FALSE);

  secret_block = ks_srp_decode_base64 (secret_block_b64, "PASSWORD_CLAIM_SECRET_BLOCK",
                                       &secret_block_len, error);
  if (secret_block == NULL || !ks_srp_check_not_empty (timestamp, "TIMESTAMP", error))
    return FALSE;
  signature = ks_srp_decode_base64 (signature_b64, "PASSWORD_CLAIM_SIGNATURE",
                                    &signature_len, error);
  if (signature == NULL)
    return FALSE;

  ks_srp_sign_claim_raw (self->key, self->pool_name, self->user_id, secret_block,
                         secret_block_len, timestamp, expected);
  ok = signature_len == sizeof expected &&
       ks_memeq_constant_time (signature, expected, sizeof expected);
  OPENSSL_cleanse (expected, sizeof expected);
  if (!ok)
    g_set_error (error, KS_SRP_ERROR, KS_SRP_ERROR_BAD_SIGNATURE,
                 "Incorrect username or password");
  return ok;
}

char *
ks_srp_server_dup_u_hex (KsSrpServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ks_srp_bn_to_hex (self->u);
}

char *
ks_srp_server_dup_s_hex (KsSrpServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ks_srp_bn_to_hex (self->S);
}

void
ks_srp_server_get_key (KsSrpServer *self,
                       guint8       key[KS_SRP_KEY_LEN])
{
  g_return_if_fail (self != NULL);

  memcpy (key, self->key, KS_SRP_KEY_LEN);
}

void
ks_srp_server_free (KsSrpServer *self)
{
  if (self == NULL)
    return;

  ks_srp_group_clear (&self->group);
  g_free (self->pool_name);
  g_free (self->user_id);
  g_free (self->salt);
  BN_clear_free (self->b);
  g_free (self->srp_b);
  BN_free (self->u);
  BN_clear_free (self->S);
  OPENSSL_cleanse (self->key, sizeof self->key);
  g_free (self);
}
