/* ks-token-store.h: where the refresh token lives between runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ks-profile.h"

G_BEGIN_DECLS

#define KS_TYPE_TOKEN_STORE (ks_token_store_get_type ())
G_DECLARE_FINAL_TYPE (KsTokenStore, ks_token_store, KS, TOKEN_STORE, GObject)

/* KS_TOKEN_STORE_SECRET_SERVICE: libsecret, schema
 * "io.github.keepsake.Keepsake.Account", attributes "profile" and
 * "username". No Secret Service on the bus is
 * KS_CLOUD_ERROR_NO_SECRET_SERVICE with a sentence saying what to do.
 *
 * KS_TOKEN_STORE_FILE: @dir/tokens/<profile>.json, 0600 in a 0700 dir,
 * for headless machines that opt in (weaker: anyone who can read the
 * user's files can read it). @dir: (nullable) defaults to
 * g_get_user_state_dir()/keepsake. */
KsTokenStore    *ks_token_store_new (KsTokenStoreKind kind,
                                     const char      *dir);
KsTokenStoreKind ks_token_store_get_kind (KsTokenStore *self);

void     ks_token_store_save_async (KsTokenStore       *self,
                                    const char         *profile,
                                    const char         *username,
                                    const char         *refresh_token,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean ks_token_store_save_finish (KsTokenStore *self,
                                     GAsyncResult *result,
                                     GError      **error);

/* Returns NULL without an error when nothing is stored. */
void  ks_token_store_lookup_async (KsTokenStore       *self,
                                   const char         *profile,
                                   const char         *username,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
char *ks_token_store_lookup_finish (KsTokenStore *self,
                                    GAsyncResult *result,
                                    GError      **error);

/* Removing what is not there is not an error. */
void     ks_token_store_clear_async (KsTokenStore       *self,
                                     const char         *profile,
                                     const char         *username,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data);
gboolean ks_token_store_clear_finish (KsTokenStore *self,
                                      GAsyncResult *result,
                                      GError      **error);

G_END_DECLS
