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

/*
 * Opens the saved profile once at startup, window or not (`keepsake
 * --gapplication-service` has none), and keeps itself running while
 * someone is signed in and "run-in-background" is on, or while dropped
 * photos are still uploading. Friends' photos become desktop
 * notifications ("notifications") whose default action is app.open-album.
 *
 * Properties (notify on change):
 *   "opening"  gboolean, the saved profile is being opened (windows show
 *              their loading page meanwhile)
 */
KsApplication *ks_application_new (void);

GSettings *ks_application_get_settings (KsApplication *self);
KsAccount *ks_application_get_account (KsApplication *self);
/* Folders, the shared-album cache, the change feed and uploads. */
KsSyncService *ks_application_get_sync_service (KsApplication *self);

/* Opens the saved profile unless that is under way or done: at startup,
 * and again from a window's Retry after it failed. */
void     ks_application_open_account (KsApplication *self);
gboolean ks_application_get_opening (KsApplication *self);
/* (nullable) why the last opening failed, as a sentence */
const char *ks_application_get_open_error (KsApplication *self);

/* Whether the app keeps running with no window (it holds itself). */
gboolean ks_application_get_held (KsApplication *self);

G_END_DECLS
