/* ks-profile.h: servers the user has added, and how to find them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "ks-cloud-types.h"

G_BEGIN_DECLS

typedef enum
{
  KS_TOKEN_STORE_SECRET_SERVICE,
  KS_TOKEN_STORE_FILE, /* explicit opt-in for headless machines, 0600 */
} KsTokenStoreKind;

/* One server the user signs in to. Saved in
 * $XDG_CONFIG_HOME/keepsake/profiles.ini (a GKeyFile, one group per
 * profile); no secret is ever written there. */
typedef struct
{
  char            *name; /* "default", "home-nas", ... */
  char            *url;  /* what the user typed */
  KsServerInfo    *server;
  char            *username; /* the signed-in user, NULL if none */
  KsTokenStoreKind token_store;
} KsProfile;

KsProfile *ks_profile_new (const char         *name,
                           const char         *url,
                           const KsServerInfo *server);
KsProfile *ks_profile_copy (const KsProfile *self);
void       ks_profile_free (KsProfile *self);

/* Profile names: 1-64 of [A-Za-z0-9._-], not starting with '.'. */
gboolean ks_profile_name_is_valid (const char *name);

/* g_get_user_config_dir()/keepsake */
char *ks_profile_default_config_dir (void);

/* @config_dir: (nullable) for the default. Missing file = no profiles.
 * A missing profile is KS_CLOUD_ERROR_CONFIG naming it. */
KsProfile *ks_profile_load (const char *config_dir,
                            const char *name,
                            GError    **error);
/* Atomic rewrite of profiles.ini (0600, dir 0700), other profiles kept. */
gboolean ks_profile_save (const KsProfile *profile,
                          const char      *config_dir,
                          GError         **error);
gboolean ks_profile_remove (const char *config_dir,
                            const char *name,
                            GError    **error);
/* (transfer full): names, sorted. */
GStrv ks_profile_list (const char *config_dir,
                       GError    **error);

/* A server's address as a person types it, as a URL: with its scheme if
 * it has one; otherwise http:// for this computer (localhost, 127.0.0.1,
 * [::1], which is how a server here listens) and https:// for any other
 * host. Blanks around it are dropped; nothing is checked. */
char *ks_profile_url_from_address (const char *address);

/* GET {url}/.well-known/keepsake.json (also accepts the document's own
 * URL). http:// only for loopback hosts; everything else must be https
 * with certificate checks on. */
void          ks_discover_async (SoupSession        *session,
                                 const char         *url,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
KsServerInfo *ks_discover_finish (GAsyncResult *result,
                                  GError      **error);

/* The SoupSession every client object shares: a user agent naming
 * Keepsake and its version, sensible timeouts, TLS checks on. */
SoupSession *ks_cloud_soup_session_new (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsProfile, ks_profile_free)

G_END_DECLS
