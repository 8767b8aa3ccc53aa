/* ks-viewer.h: one photo at a time, full window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "ks-api-client.h"
#include "ks-thumbnail-cache.h"

G_BEGIN_DECLS

#define KS_TYPE_VIEWER (ks_viewer_get_type ())
G_DECLARE_FINAL_TYPE (KsViewer, ks_viewer, KS, VIEWER, GtkWidget)

/*
 * Shows the 1280 px preview of a KsPhotoItem in a list, cached on disk
 * by its SHA-256 so it opens offline the next time, with the grid
 * thumbnail standing in while it loads. Photos of an album the
 * shared-album cache feeds (ks-cached-photo-list.h) come from the cache
 * instead, with no network when it has them. Left/Right and swipes move
 * through the list; pinch, Ctrl+scroll and Ctrl+plus/minus/0 zoom.
 *
 * Signals:
 *   "close" (): Escape or Back, the grid should come back
 */
void ks_viewer_set_services (KsViewer         *self,
                             KsApiClient      *api,
                             SoupSession      *soup,
                             KsThumbnailCache *thumbnails,
                             const char       *cache_dir);

/* @album_name: (nullable) the album the photos are from, for the
 * details. */
void ks_viewer_show (KsViewer   *self,
                     GListModel *photos,
                     guint       position,
                     const char *album_name);
/* Forgets the list: nothing shown, downloads for the preview stop. */
void  ks_viewer_clear (KsViewer *self);
guint ks_viewer_get_position (KsViewer *self);
/* Whether the preview (not the thumbnail standing in) is on screen, and
 * its size in pixels. */
gboolean ks_viewer_get_preview_size (KsViewer *self,
                                     int      *out_width,
                                     int      *out_height);

G_END_DECLS
