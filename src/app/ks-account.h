/* ks-account.h: the server the app talks to and who is signed in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "ks-api-client.h"
#include "ks-session.h"

G_BEGIN_DECLS

/* The profile of the server the app starts itself ("This computer"). */
#define KS_LOCAL_PROFILE "local"

#define KS_TYPE_ACCOUNT (ks_account_get_type ())
G_DECLARE_FINAL_TYPE (KsAccount, ks_account, KS, ACCOUNT, GObject)

/*
 * Owns the profile in use (GSettings "profile"), the SoupSession, the
 * KsSession, the API client, and the local server when the profile
 * is KS_LOCAL_PROFILE.
 *
 * Properties (notify on change):
 *   "connected"  a server is chosen and reachable
 *   "signed-in"  gboolean
 *   "username"   (nullable)
 *   "server-url" (nullable) what the user typed, or the local URL
 */
KsAccount *ks_account_new (GSettings *settings);

gboolean    ks_account_get_connected (KsAccount *self);
gboolean    ks_account_get_signed_in (KsAccount *self);
const char *ks_account_get_username (KsAccount *self);
const char *ks_account_get_server_url (KsAccount *self);
gboolean    ks_account_is_local (KsAccount *self);
/* (nullable) the active profile's name, until disconnected */
const char  *ks_account_get_profile_name (KsAccount *self);
SoupSession *ks_account_get_soup (KsAccount *self);
/* (nullable) until connected / signed in */
KsSession   *ks_account_get_session (KsAccount *self);
KsApiClient *ks_account_get_api (KsAccount *self);

/* Has a server been chosen on an earlier run? */
gboolean ks_account_has_profile (KsAccount *self);
/* The saved profiles someone has signed in to (here or with
 * keepsake-cli), as KsProfiles sorted by name: the accounts used on
 * this computer. */
GPtrArray *ks_account_list_known_profiles (KsAccount *self);
/* Makes @name the profile ks_account_open_async() opens. */
void ks_account_choose_profile (KsAccount  *self,
                                const char *name);

/* Later launches: loads the saved profile, starts the local server if it
 * is ours, and restores the session from the keyring. Finishes TRUE when
 * connected, signed in or not: "signed-in" says which. */
void     ks_account_open_async (KsAccount          *self,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);
gboolean ks_account_open_finish (KsAccount    *self,
                                 GAsyncResult *result,
                                 GError      **error);

/* First run: @url NULL for this computer, else a server by URL
 * (discovery). Saves the profile and makes it the active one. */
void     ks_account_connect_async (KsAccount          *self,
                                   const char         *url,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean ks_account_connect_finish (KsAccount    *self,
                                    GAsyncResult *result,
                                    GError      **error);

/* Back to the first-run choice; the saved profile stays on disk. */
void ks_account_disconnect (KsAccount *self);

/* The remembered username of the active profile (nullable). */
const char *ks_account_get_last_username (KsAccount *self);

/* Signs in and remembers the username in the profile. A keyring that
 * cannot keep the token still signs in: *out_warning says so. */
void     ks_account_sign_in_async (KsAccount          *self,
                                   const char         *username,
                                   const char         *password,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
gboolean ks_account_sign_in_finish (KsAccount    *self,
                                    GAsyncResult *result,
                                    char        **out_warning,
                                    GError      **error);

void     ks_account_sign_out_async (KsAccount          *self,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
gboolean ks_account_sign_out_finish (KsAccount    *self,
                                     GAsyncResult *result,
                                     GError      **error);

/* The Cognito client of the connected server, for sign-up, codes and
 * password resets. (nullable) until connected. */
KsCognitoClient *ks_account_get_cognito (KsAccount *self);

/* Stops the local server; call once, when the app quits. */
void ks_account_shutdown (KsAccount *self);

G_END_DECLS
