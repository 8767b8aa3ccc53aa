/* ks-idp-store.h: the IdP's rows in the server database
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-server-db.h"

G_BEGIN_DECLS

typedef struct
{
  char    *sub;
  char    *username; /* as signed up; lookups ignore ASCII case */
  char    *email;
  char    *salt;     /* hex */
  char    *verifier; /* hex */
  gboolean confirmed;
  gboolean email_verified;
} KsIdpUser;

typedef struct
{
  char    *sub;
  char    *origin_jti;
  gint64   auth_time;
  gint64   expires_at;
  gboolean revoked;
} KsIdpSession;

typedef enum
{
  KS_IDP_CODE_OK, /* and used up */
  KS_IDP_CODE_MISMATCH,
  KS_IDP_CODE_EXPIRED,
  KS_IDP_CODE_NONE,
  KS_IDP_CODE_EXHAUSTED, /* too many wrong tries: ask for a new one */
} KsIdpCodeCheck;

void ks_idp_user_free (KsIdpUser *user);
void ks_idp_session_free (KsIdpSession *session);

/* A transaction that takes the write lock at once. */
gboolean ks_idp_store_begin (KsServerDb *db,
                             GError    **error);
gboolean ks_idp_store_commit (KsServerDb *db,
                              GError    **error);
void     ks_idp_store_rollback (KsServerDb *db);

/* *out_user is NULL when there is no such user. */
gboolean ks_idp_store_find_user (KsServerDb *db,
                                 const char *username,
                                 KsIdpUser **out_user,
                                 GError    **error);
gboolean ks_idp_store_find_user_by_sub (KsServerDb *db,
                                        const char *sub,
                                        KsIdpUser **out_user,
                                        GError    **error);
/* KS_IDP_ERROR_USERNAME_EXISTS for a taken name. */
gboolean ks_idp_store_add_user (KsServerDb      *db,
                                const KsIdpUser *user,
                                gint64           now,
                                GError         **error);
gboolean ks_idp_store_confirm_user (KsServerDb *db,
                                    const char *sub,
                                    gint64      now,
                                    GError    **error);
gboolean ks_idp_store_set_password (KsServerDb *db,
                                    const char *sub,
                                    const char *salt,
                                    const char *verifier,
                                    gint64      now,
                                    GError    **error);

/* @purpose: "confirm" or "reset". A new code replaces the old one. */
/* KS_IDP_ERROR_LIMIT_EXCEEDED after KS_IDP_MAX_SENDS codes within
 * KS_IDP_SEND_WINDOW: nobody's mailbox gets flooded through us. */
gboolean       ks_idp_store_put_code (KsServerDb *db,
                                      const char *sub,
                                      const char *purpose,
                                      const char *code,
                                      gint64      now,
                                      gint64      expires_at,
                                      GError    **error);
KsIdpCodeCheck ks_idp_store_check_code (KsServerDb *db,
                                        const char *sub,
                                        const char *purpose,
                                        const char *code,
                                        gint64      now,
                                        GError    **error);

gboolean      ks_idp_store_add_session (KsServerDb         *db,
                                        const char         *token_hash,
                                        const KsIdpSession *session,
                                        GError            **error);
KsIdpSession *ks_idp_store_find_session (KsServerDb *db,
                                         const char *token_hash,
                                         GError    **error);
/* A session that does not exist counts as revoked. */
gboolean ks_idp_store_is_session_revoked (KsServerDb *db,
                                          const char *origin_jti,
                                          gboolean   *out_revoked,
                                          GError    **error);
gboolean ks_idp_store_revoke_sessions (KsServerDb *db,
                                       const char *sub,
                                       GError    **error);
gboolean ks_idp_store_revoke_session (KsServerDb *db,
                                      const char *token_hash,
                                      GError    **error);

/* Records @challenge_hash; *out_fresh is FALSE if it was seen before. */
gboolean ks_idp_store_use_challenge (KsServerDb *db,
                                     const char *challenge_hash,
                                     gint64      expires_at,
                                     gint64      now,
                                     gboolean   *out_fresh,
                                     GError    **error);

/* *out_locked_until is 0 when the name is not locked out. */
gboolean ks_idp_store_get_lockout (KsServerDb *db,
                                   const char *username,
                                   gint64      now,
                                   gint64     *out_locked_until,
                                   GError    **error);
gboolean ks_idp_store_add_failure (KsServerDb *db,
                                   const char *username,
                                   gint64      now,
                                   GError    **error);
gboolean ks_idp_store_clear_failures (KsServerDb *db,
                                      const char *username,
                                      GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsIdpUser, ks_idp_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsIdpSession, ks_idp_session_free)

G_END_DECLS
