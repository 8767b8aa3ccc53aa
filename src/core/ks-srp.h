/* ks-srp.h: Cognito's SRP-6a (USER_SRP_AUTH), client and server sides
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KS_SRP_ERROR (ks_srp_error_quark ())

/**
 * KsSrpError:
 * @KS_SRP_ERROR_INVALID_PUBLIC_VALUE: A or B is a multiple of N, or u is 0
 * @KS_SRP_ERROR_MALFORMED: an input is empty, too long, or not valid
 *   hex/base64, or the user pool id is not "<region>_<name>"
 * @KS_SRP_ERROR_BAD_SIGNATURE: the password claim does not match (wrong
 *   password)
 */
typedef enum
{
  KS_SRP_ERROR_INVALID_PUBLIC_VALUE,
  KS_SRP_ERROR_MALFORMED,
  KS_SRP_ERROR_BAD_SIGNATURE,
} KsSrpError;

GQuark ks_srp_error_quark (void);

typedef struct _KsSrpClient KsSrpClient;
typedef struct _KsSrpServer KsSrpServer;

/* Client: send ks_srp_client_get_srp_a() as SRP_A, then answer the
 * PASSWORD_VERIFIER challenge with ks_srp_client_compute_claim(). */
KsSrpClient *ks_srp_client_new (const char *pool_id,
                                GError    **error);
const char  *ks_srp_client_get_srp_a (KsSrpClient *self);
/* Returns PASSWORD_CLAIM_SIGNATURE (base64). SALT and SRP_B are hex in
 * any case, SECRET_BLOCK strict base64 as Cognito sends it. */
char *ks_srp_client_compute_claim (KsSrpClient *self,
                                   const char  *user_id_for_srp,
                                   const char  *password,
                                   const char  *salt_hex,
                                   const char  *srp_b_hex,
                                   const char  *secret_block_b64,
                                   const char  *timestamp,
                                   GError     **error);
void  ks_srp_client_free (KsSrpClient *self);

/* Server: a random 16-byte salt (in padHex form, as it must be sent) and
 * the verifier g^x mod N, both hex, to store for the user. */
gboolean ks_srp_make_verifier (const char *pool_id,
                               const char *user_id_for_srp,
                               const char *password,
                               char      **out_salt_hex,
                               char      **out_verifier_hex,
                               GError    **error);

/* One PASSWORD_VERIFIER exchange. _new() draws a random b; a stateless
 * server keeps b (ks_srp_server_dup_private_b()) in the encrypted
 * SECRET_BLOCK and rebuilds the session with _new_with_b(). */
KsSrpServer *ks_srp_server_new (const char *pool_id,
                                const char *user_id_for_srp,
                                const char *salt_hex,
                                const char *verifier_hex,
                                const char *srp_a_hex,
                                GError    **error);
KsSrpServer *ks_srp_server_new_with_b (const char *pool_id,
                                       const char *user_id_for_srp,
                                       const char *salt_hex,
                                       const char *verifier_hex,
                                       const char *srp_a_hex,
                                       const char *private_b_hex,
                                       GError    **error);
/* SRP_B and SALT challenge parameters (SALT re-encoded in padHex form). */
const char *ks_srp_server_get_srp_b (KsSrpServer *self);
const char *ks_srp_server_get_salt (KsSrpServer *self);
char       *ks_srp_server_dup_private_b (KsSrpServer *self);
gboolean    ks_srp_server_verify_claim (KsSrpServer *self,
                                        const char  *secret_block_b64,
                                        const char  *timestamp,
                                        const char  *signature_b64,
                                        GError     **error);
void        ks_srp_server_free (KsSrpServer *self);

/* "Tue Nov 3 05:07:09 UTC 2026": English names, day not zero-padded,
 * in UTC whatever the zone of @datetime. */
char *ks_srp_format_timestamp (GDateTime *datetime);

/* SECRET_HASH = base64 (HMAC-SHA256 (client_secret, username || client_id)) */
char *ks_cognito_secret_hash (const char *username,
                              const char *client_id,
                              const char *client_secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSrpClient, ks_srp_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsSrpServer, ks_srp_server_free)

G_END_DECLS
