/* ks-cached-offline-bar.h: "Offline — showing the copies on this computer"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "ks-cache.h"

G_BEGIN_DECLS

#define KS_TYPE_CACHED_OFFLINE_BAR (ks_cached_offline_bar_get_type ())
G_DECLARE_FINAL_TYPE (KsCachedOfflineBar, ks_cached_offline_bar, KS, CACHED_OFFLINE_BAR, GtkWidget)

/*
 * A bar for the top of a page that shows what the shared-album cache
 * has: revealed while the cache's "offline" is TRUE, saying since when
 * the copies are current ("offline-since", kept up to date), with a
 * button that asks the change-feed follower to try the server now.
 * libadwaita 1.2 has no AdwBanner; this is a GtkInfoBar.
 */
GtkWidget *ks_cached_offline_bar_new (void);

/* @cache: (nullable) nothing is shown without one */
void     ks_cached_offline_bar_set_cache (KsCachedOfflineBar *self,
                                          KsCache            *cache);
gboolean ks_cached_offline_bar_get_revealed (KsCachedOfflineBar *self);

G_END_DECLS
