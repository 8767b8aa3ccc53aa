/* ks-folders-view.h: the Folders page, watched folders and what failed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-api-client.h"
#include "ks-folders-snapshot.h"
#include "ks-sync-engine.h"

G_BEGIN_DECLS

#define KS_TYPE_FOLDERS_VIEW (ks_folders_view_get_type ())
G_DECLARE_FINAL_TYPE (KsFoldersView, ks_folders_view, KS, FOLDERS_VIEW, GtkWidget)

/*
 * One row per folder of the engine's journal (the one keepsake-cli sync
 * uses): its path, the album its photos go to, how many are synced,
 * waiting and failed, and whether its root is missing; then the files
 * that failed for good, each with its error. The journal is read on a
 * worker, again when the engine says something changed, at most twice a
 * second.
 *
 * Adding goes through the window's win.choose-folder. Actions of the
 * view (on its rows' buttons):
 *   folders.remove (s) a folder's path: asks, then stops watching it
 *   folders.retry  (x) a failed file's journal id, 0 for all of them
 *
 * Signal "toast" (const char *message): something to tell the user.
 */
/* (nullable): why there is no engine; a damaged journal offers to start
 * over ("win.start-over-folders"). */
void ks_folders_view_set_journal_error (KsFoldersView *self,
                                        const GError  *error);
/* Both (nullable); @api names the albums in the rows. */
void ks_folders_view_set_engine (KsFoldersView *self,
                                 KsSyncEngine  *engine,
                                 KsApiClient   *api);
/* Reads the journal again soon (throttled). */
void ks_folders_view_refresh (KsFoldersView *self);

/* Whether @path is a watched folder or inside one, as last read. */
gboolean ks_folders_view_is_watched (KsFoldersView *self,
                                     const char    *path);

/* For the test hooks: "path|album|done|waiting|failed" per folder, and
 * "path|error" per failed file, as last read. */
GStrv ks_folders_view_dup_summary (KsFoldersView *self);
GStrv ks_folders_view_dup_failures (KsFoldersView *self);

G_END_DECLS
