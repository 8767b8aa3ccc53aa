/* ks-thumbnail-source.c: where a photo tile gets its thumbnail
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-thumbnail-source.h"

G_DEFINE_INTERFACE (KsThumbnailSource, ks_thumbnail_source, G_TYPE_OBJECT)

static void
ks_thumbnail_source_default_init (KsThumbnailSourceInterface *iface)
{
  g_signal_new ("ready", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 1, G_TYPE_STRING);
}

GdkTexture *
ks_thumbnail_source_peek (KsThumbnailSource *self,
                          KsPhotoItem       *item)
{
  g_return_val_if_fail (KS_IS_THUMBNAIL_SOURCE (self), NULL);
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (item), NULL);

  return KS_THUMBNAIL_SOURCE_GET_IFACE (self)->peek (self, item);
}

void
ks_thumbnail_source_load_async (KsThumbnailSource  *self,
                                KsPhotoItem        *item,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_return_if_fail (KS_IS_THUMBNAIL_SOURCE (self));
  g_return_if_fail (KS_IS_PHOTO_ITEM (item));

  KS_THUMBNAIL_SOURCE_GET_IFACE (self)->load_async (self, item, cancellable, callback, user_data);
}

GdkTexture *
ks_thumbnail_source_load_finish (KsThumbnailSource *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (KS_IS_THUMBNAIL_SOURCE (self), NULL);

  return KS_THUMBNAIL_SOURCE_GET_IFACE (self)->load_finish (self, result, error);
}
