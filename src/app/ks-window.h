/* ks-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ks-application.h"

G_BEGIN_DECLS

#define KS_TYPE_WINDOW (ks_window_get_type ())
G_DECLARE_FINAL_TYPE (KsWindow, ks_window, KS, WINDOW, AdwApplicationWindow)

KsWindow *ks_window_new (KsApplication *application);

/* Uploads @files (GFile, files or folders) to the library, or to the
 * album on screen when @to_album and the user may add to it. Before
 * sign-in they wait for it. */
void ks_window_import_files (KsWindow   *self,
                             GListModel *files,
                             gboolean    to_album);

/* Looks the album up (the API, else the shared-album cache) and shows
 * it; for notifications. Nothing happens while signed out. */
void ks_window_open_album_by_id (KsWindow   *self,
                                 const char *album_id);

void ks_window_toast (KsWindow   *self,
                      const char *message);

G_END_DECLS
