/* ks-srp-internal.h: the group and the math ks-srp.c shares with
 * ks-srp-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Library-internal: tests include ks-srp-private.h, which stays free of
 * OpenSSL types.
 */
#pragma once

#include <openssl/bn.h>

#include "ks-hash.h"
#include "ks-srp-private.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_clear_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BN_CTX, BN_CTX_free)

typedef struct
{
  BIGNUM *N;
  BIGNUM *g;
  BIGNUM *k;
} KsSrpGroup;

/* Bignum helpers: abort when OpenSSL fails (out of memory). */
void    ks_srp_bn_check (int ok);
BIGNUM *ks_srp_bn_new (void);
BN_CTX *ks_srp_bn_ctx_new (void);
BIGNUM *ks_srp_bn_from_bytes (const guint8 *bytes,
                              gsize         len);
char   *ks_srp_bn_to_padded_hex (const BIGNUM *n);
char   *ks_srp_bn_to_hex (const BIGNUM *n);

/* Input checks; @what names the field in the error message. */
gboolean ks_srp_check_not_empty (const char *value,
                                 const char *what,
                                 GError    **error);
BIGNUM  *ks_srp_bn_from_hex (const char *hex,
                             const char *what,
                             GError    **error);
guint8  *ks_srp_decode_base64 (const char *text,
                               const char *what,
                               gsize      *out_len,
                               GError    **error);
char    *ks_srp_pool_name_from_id (const char *pool_id,
                                   GError    **error);
BIGNUM  *ks_srp_random_secret (void);
BIGNUM  *ks_srp_secret_from_hex (const char *hex,
                                 const char *what,
                                 GError    **error);

void     ks_srp_group_init (KsSrpGroup *group);
void     ks_srp_group_clear (KsSrpGroup *group);
BIGNUM  *ks_srp_mod_exp_secret (const BIGNUM *base,
                                const BIGNUM *exponent,
                                const BIGNUM *N,
                                BN_CTX       *ctx);
gboolean ks_srp_check_public_value (const KsSrpGroup *group,
                                    const BIGNUM     *value,
                                    const char       *what,
                                    GError          **error);
BIGNUM  *ks_srp_compute_u (const BIGNUM *A,
                           const BIGNUM *B,
                           GError      **error);
BIGNUM  *ks_srp_compute_x_checked (const char *pool_name,
                                   const char *user_id,
                                   const char *password,
                                   const char *salt_hex,
                                   GError    **error);
void     ks_srp_derive_key (const BIGNUM *u,
                            const BIGNUM *S,
                            guint8        key[KS_SRP_KEY_LEN]);
void     ks_srp_sign_claim_raw (const guint8  key[KS_SRP_KEY_LEN],
                                const char   *pool_name,
                                const char   *user_id,
                                const guint8 *secret_block,
                                gsize         secret_block_len,
                                const char   *timestamp,
                                guint8        mac[KS_SHA256_LEN]);

G_END_DECLS
