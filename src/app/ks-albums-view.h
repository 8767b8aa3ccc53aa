/* ks-albums-view.h: the user's albums, or the ones friends shared
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-api-client.h"
#include "ks-thumbnail-cache.h"

G_BEGIN_DECLS

#define KS_TYPE_ALBUMS_VIEW (ks_albums_view_get_type ())
G_DECLARE_FINAL_TYPE (KsAlbumsView, ks_albums_view, KS, ALBUMS_VIEW, GtkWidget)

/*
 * Property "shared": FALSE lists the albums the user owns, TRUE the ones
 * others shared with them (role viewer or contributor).
 *
 * Signals:
 *   "album-activated" (const KsAlbum *album): valid during the emission
 *   "files-dropped" (const KsAlbum *album, GListModel *files): files
 *     dropped on an album the user may add to
 */
/* Both (nullable); @cache draws the albums' covers. */
void ks_albums_view_set_api (KsAlbumsView     *self,
                             KsApiClient      *api,
                             KsThumbnailCache *cache);
void ks_albums_view_reload (KsAlbumsView *self);

/* (nullable) the album with @id, if listed */
const KsAlbum *ks_albums_view_lookup (KsAlbumsView *self,
                                      const char   *id);

/* Translated "Owner", "Contributor", "Viewer" */
const char *ks_album_role_to_label (const char *role);

G_END_DECLS
