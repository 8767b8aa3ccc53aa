/* ks-textures.h: image files decoded off the main thread, and the
 * textures kept of them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Any image file as a texture, decoded on a worker thread. */
void        ks_texture_load_async (GFile              *file,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data);
GdkTexture *ks_texture_load_finish (GAsyncResult *result,
                                    GError      **error);

/*
 * Textures by key, most recently used first. Each costs its width ×
 * height × @bytes_per_pixel, or 1 with @bytes_per_pixel 0 (a budget that
 * counts textures); past @budget the least recently used go, never the
 * last one added. Main thread only.
 */
typedef struct _KsTextureLru KsTextureLru;

KsTextureLru *ks_texture_lru_new (gsize budget,
                                  guint bytes_per_pixel);
void          ks_texture_lru_free (KsTextureLru *self);
/* (nullable) (transfer none): the texture, now the most recently used */
GdkTexture *ks_texture_lru_lookup (KsTextureLru *self,
                                   const char   *key);
/* Keeps @texture under @key unless the key is there already. */
void  ks_texture_lru_insert (KsTextureLru *self,
                             const char   *key,
                             GdkTexture   *texture);
guint ks_texture_lru_get_length (KsTextureLru *self);
gsize ks_texture_lru_get_cost (KsTextureLru *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsTextureLru, ks_texture_lru_free)

G_END_DECLS
