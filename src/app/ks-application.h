/* ks-application.h: the Keepsake application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ks-account.h"
#include "ks-sync-service.h"

G_BEGIN_DECLS

#define KS_SCHEMA_ID "io.github.keepsake.Keepsake"

#define KS_TYPE_APPLICATION (ks_application_get_type ())
G_DECLARE_FINAL_TYPE (KsApplication, ks_application, KS, APPLICATION, AdwApplication)

KsApplication *ks_application_new (void);

GSettings *ks_application_get_settings (KsApplication *self);
KsAccount *ks_application_get_account (KsApplication *self);
/* Folders, the shared-album cache and the change feed. */
KsSyncService *ks_application_get_sync_service (KsApplication *self);

G_END_DECLS
