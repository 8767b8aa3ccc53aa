/* ks-photo-grid.h: a grid of photos with its loading and empty states
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-photo-list.h"
#include "ks-thumbnail-cache.h"

G_BEGIN_DECLS

#define KS_TYPE_PHOTO_GRID (ks_photo_grid_get_type ())
G_DECLARE_FINAL_TYPE (KsPhotoGrid, ks_photo_grid, KS, PHOTO_GRID, GtkWidget)

/* Properties: "empty-icon-name", "empty-title", "empty-description" for
 * the AdwStatusPage of an empty list. */

/* Both (nullable): an unset grid shows nothing. */
void ks_photo_grid_set_model (KsPhotoGrid      *self,
                              KsPhotoList      *list,
                              KsThumbnailCache *cache);

KsPhotoList *ks_photo_grid_get_model (KsPhotoGrid *self);

/* @banner: (nullable) a widget shown above the photos (the cache's
 * offline bar); the grid keeps it until it is replaced. */
void ks_photo_grid_set_banner (KsPhotoGrid *self,
                               GtkWidget   *banner);

/* What dragging photos out downloads with; both (nullable). */
void ks_photo_grid_set_services (KsPhotoGrid *self,
                                 KsApiClient *api,
                                 SoupSession *soup);

/* Signals:
 *   "photo-activated" (guint position): Enter or a double click
 *   "selection-changed" () */

/* (transfer container): the selected KsPhotoItems, in grid order */
GPtrArray *ks_photo_grid_get_selected (KsPhotoGrid *self);
void       ks_photo_grid_unselect_all (KsPhotoGrid *self);
/* Scrolls to the photo at @position and focuses it, e.g. when the
 * viewer closes. */
void ks_photo_grid_focus_photo (KsPhotoGrid *self,
                                guint        position);

/* (transfer full) (nullable): what a drag from the photo at @position
 * carries (a KsPhotoExport of its original, or of the whole selection
 * when it is selected); NULL without services. Its failures become
 * toasts. */
GdkContentProvider *ks_photo_grid_create_drag_content (KsPhotoGrid *self,
                                                       guint        position);

G_END_DECLS
