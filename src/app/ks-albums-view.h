/* ks-albums-view.h: the user's albums, or the ones friends shared
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-api-client.h"
#include "ks-cache.h"
#include "ks-thumbnail-cache.h"

G_BEGIN_DECLS

#define KS_TYPE_ALBUMS_VIEW (ks_albums_view_get_type ())
G_DECLARE_FINAL_TYPE (KsAlbumsView, ks_albums_view, KS, ALBUMS_VIEW, GtkWidget)

/*
 * Property "shared": FALSE lists the albums the user owns, TRUE the ones
 * others shared with them (role viewer or contributor).
 *
 * The shared view lists from the shared-album cache once it is set (and
 * has synced once), with no network: owner, role, photo count and cover
 * come from the cache, the list follows its "changed" signal, and a bar
 * says when the copies are all there is. Without a cache, or before its
 * first sync, it asks the API like the user's own albums.
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
/* @cache: (nullable) the shared-album cache; only the shared view uses it */
void ks_albums_view_set_cache (KsAlbumsView *self,
                               KsCache      *cache);

/* What is listed, and whether it came from the cache. */
guint    ks_albums_view_get_n_albums (KsAlbumsView *self);
gboolean ks_albums_view_get_from_cache (KsAlbumsView *self);

/* (nullable) the album with @id, if listed */
const KsAlbum *ks_albums_view_lookup (KsAlbumsView *self,
                                      const char   *id);

/* Translated "Owner", "Contributor", "Viewer" */
const char *ks_album_role_to_label (const char *role);

G_END_DECLS
