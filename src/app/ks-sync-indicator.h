/* ks-sync-indicator.h: the header bar button that says how syncing goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-upload-queue.h"

G_BEGIN_DECLS

#define KS_TYPE_SYNC_INDICATOR (ks_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (KsSyncIndicator, ks_sync_indicator, KS, SYNC_INDICATOR, GtkWidget)

/* @queue: (nullable) */
void ks_sync_indicator_set_queue (KsSyncIndicator *self,
                                  KsUploadQueue   *queue);

G_END_DECLS
