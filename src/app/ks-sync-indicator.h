/* ks-sync-indicator.h: the header bar button that says how syncing goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-sync-engine.h"
#include "ks-upload-queue.h"

G_BEGIN_DECLS

#define KS_TYPE_SYNC_INDICATOR (ks_sync_indicator_get_type ())
G_DECLARE_FINAL_TYPE (KsSyncIndicator, ks_sync_indicator, KS, SYNC_INDICATOR, GtkWidget)

/*
 * One state for the window's uploads (@queue) and the folder sync
 * (@engine): up to date, syncing N of M, paused, offline with the
 * engine's reason, stopped, or failures with a Retry. The popover shows
 * the overall progress and the engine's recent activity. Pausing and
 * resuming are the window's win.pause-uploads and win.resume-uploads.
 */
/* @queue: (nullable) */
void ks_sync_indicator_set_queue (KsSyncIndicator *self,
                                  KsUploadQueue   *queue);
/* @engine: (nullable) */
void ks_sync_indicator_set_engine (KsSyncIndicator *self,
                                   KsSyncEngine    *engine);

/* @error: (nullable) why the engine could not start (its journal). */
void ks_sync_indicator_set_journal_error (KsSyncIndicator *self,
                                          const GError    *error);

/* What the button says, as its tooltip: "Up to Date", "Syncing 3 of 10"… */
const char *ks_sync_indicator_get_title (KsSyncIndicator *self);

G_END_DECLS
