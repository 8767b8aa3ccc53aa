/* ks-srp-private.h: SRP intermediates, for known-answer tests only
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-srp.h"

G_BEGIN_DECLS

#define KS_SRP_KEY_LEN 16

/* Numbers come out as minimal lower-case hex (JavaScript's toString(16)). */
char *ks_srp_dup_n_hex (void);
char *ks_srp_dup_k_hex (void);
char *ks_srp_compute_x_hex (const char *pool_id,
                            const char *user_id_for_srp,
                            const char *password,
                            const char *salt_hex,
                            GError    **error);
char *ks_srp_make_verifier_with_salt (const char *pool_id,
                                      const char *user_id_for_srp,
                                      const char *password,
                                      const char *salt_hex,
                                      GError    **error);

KsSrpClient *ks_srp_client_new_with_a (const char *pool_id,
                                       const char *private_a_hex,
                                       GError    **error);
/* The "HKDF" key of ks_srp_client_compute_claim(), without the claim. */
gboolean ks_srp_client_derive_key (KsSrpClient *self,
                                   const char  *user_id_for_srp,
                                   const char  *password,
                                   const char  *salt_hex,
                                   const char  *srp_b_hex,
                                   guint8       key[KS_SRP_KEY_LEN],
                                   GError     **error);
/* u and S of the last successful derivation; NULL before one. */
char *ks_srp_client_dup_u_hex (KsSrpClient *self);
char *ks_srp_client_dup_s_hex (KsSrpClient *self);

char *ks_srp_server_dup_u_hex (KsSrpServer *self);
char *ks_srp_server_dup_s_hex (KsSrpServer *self);
void  ks_srp_server_get_key (KsSrpServer *self,
                             guint8       key[KS_SRP_KEY_LEN]);

/* The claim over raw SECRET_BLOCK bytes, for inputs that are not strict
 * base64 (third-party vectors). Returns base64. */
char *ks_srp_sign_claim (const guint8  key[KS_SRP_KEY_LEN],
                         const char   *pool_name,
                         const char   *user_id_for_srp,
                         const guint8 *secret_block,
                         gsize         secret_block_len,
                         const char   *timestamp);

G_END_DECLS
