/* ks-test-util.h: helpers shared by the test programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <openssl/types.h>

#include "ks-jwt.h"

G_BEGIN_DECLS

char *ks_test_shared_path (const char *relative_path);
/* The first column of @sql's first row, read through a connection of
 * its own (read-only) to the SQLite database at @path. */
gint64 ks_test_sqlite_int (const char *path,
                           const char *sql);
/* Overwrites the root page of @table in the SQLite file at @path, its
 * write-ahead log folded in first: damage PRAGMA quick_check finds. */
void ks_test_sqlite_damage (const char *path,
                            const char *table);
/* The sync journal of the first profile under @state_dir (an
 * XDG_STATE_HOME). */
char  *ks_test_find_journal (const char *state_dir);
char  *ks_test_read_shared (const char *relative_path,
                            gsize      *out_len);
char **ks_test_garbage_strings (guint32 seed,
                                guint   count);

/* ---- RSA keys and tokens (test-jwt, test-rsa-key) ---- */

#define KS_TEST_JWT_NOW G_GINT64_CONSTANT (1700000000)
#define KS_TEST_JWT_ISSUER "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Keepsake"
#define KS_TEST_JWT_CLIENT_ID "3n4b5urk1ft4fl3mg5e62d9ado"
#define KS_TEST_N_RSA_KEYS 3

/* (transfer none) Generated on first use and kept: slow under ASan. */
KsRsaKey *ks_test_rsa_key (guint i);
void      ks_test_rsa_keys_clear (void);
/* Like the key's own PEM, as OpenSSL sees it. */
EVP_PKEY *ks_test_rsa_key_to_pkey (KsRsaKey *key);
char     *ks_test_pem_encode (EVP_PKEY   *pkey,
                              int         selection,
                              const char *structure);
char     *ks_test_bio_to_string (BIO *bio);

char *ks_test_b64 (const char *text);
char *ks_test_json_text (JsonObject *object);
/* What Cognito puts in its access and id tokens, for KS_TEST_JWT_*. */
JsonObject *ks_test_jwt_claims_new (const char *token_use);
KsJwtExpect ks_test_jwt_expect (const char *token_use);
KsJwks     *ks_test_jwks_new_with (KsRsaKey *key);
char       *ks_test_jwt_sign (KsRsaKey   *key,
                              JsonObject *claims);
/* Signs segments as given, for tokens no honest issuer would make. */
char *ks_test_jwt_sign_segments (KsRsaKey   *key,
                                 const char *header_b64,
                                 const char *payload_b64);
char *ks_test_jwt_sign_raw (KsRsaKey   *key,
                            const char *header,
                            const char *payload);
void  ks_test_jwt_assert_verify_ok (const char        *token,
                                    KsJwks            *jwks,
                                    const KsJwtExpect *expect);
void  ks_test_jwt_assert_verify_fails (const char        *token,
                                       KsJwks            *jwks,
                                       const KsJwtExpect *expect,
                                       KsJwtError         code);

G_END_DECLS
