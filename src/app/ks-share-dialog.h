/* ks-share-dialog.h: who can see an album, and its links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ks-api-client.h"

G_BEGIN_DECLS

#define KS_TYPE_SHARE_DIALOG (ks_share_dialog_get_type ())
G_DECLARE_FINAL_TYPE (KsShareDialog, ks_share_dialog, KS, SHARE_DIALOG, AdwPreferencesWindow)

/* For the album's owner: add friends as viewers or contributors, remove
 * them, create, copy and revoke time-limited links. */
KsShareDialog *ks_share_dialog_new (KsApiClient *api,
                                    const char  *album_id,
                                    const char  *album_name);

G_END_DECLS
