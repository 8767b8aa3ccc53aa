/* ks-cached-thumbnails.c: grid thumbnails from the shared-album cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-cached-thumbnails.h"
#include "ks-textures.h"

/* 256 px JPEGs decode to ~200 KiB each. */
#define MEMORY_ENTRIES 300

struct _KsCachedThumbnails
{
  GObject parent_instance;

  KsCache      *cache;    /* weak: the cache owns us */
  KsTextureLru *textures; /* by photo id */
};

static void ks_cached_thumbnails_source_init (KsThumbnailSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsCachedThumbnails, ks_cached_thumbnails, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_THUMBNAIL_SOURCE, ks_cached_thumbnails_source_init))

static void
ks_cached_thumbnails_dispose (GObject *object)
{
  KsCachedThumbnails *self = KS_CACHED_THUMBNAILS (object);

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_weak_pointer (&self->cache);
  g_clear_pointer (&self->textures, ks_texture_lru_free);

  G_OBJECT_CLASS (ks_cached_thumbnails_parent_class)->dispose (object);
}

static void
ks_cached_thumbnails_class_init (KsCachedThumbnailsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_cached_thumbnails_dispose;
}

static void
ks_cached_thumbnails_init (KsCachedThumbnails *self)
{
  self->textures = ks_texture_lru_new (MEMORY_ENTRIES, 0);
}

static void
file_ready_cb (KsCache            *cache,
               const char         *photo_id,
               int                 kind,
               KsCachedThumbnails *self)
{
  if (kind == KS_CACHE_FILE_GRID)
    g_signal_emit_by_name (self, "ready", photo_id);
}

KsCachedThumbnails *
ks_cached_thumbnails_get (KsCache *cache)
{
  static GQuark       quark;
  KsCachedThumbnails *self;

  g_return_val_if_fail (KS_IS_CACHE (cache), NULL);

  if (quark == 0)
    quark = g_quark_from_static_string ("ks-cached-thumbnails");
  self = g_object_get_qdata (G_OBJECT (cache), quark);
  if (self != NULL)
    return self;

  self = g_object_new (KS_TYPE_CACHED_THUMBNAILS, NULL);
  g_set_weak_pointer (&self->cache, cache);
  g_signal_connect (cache, "file-ready", G_CALLBACK (file_ready_cb), self);
  g_object_set_qdata_full (G_OBJECT (cache), quark, self, g_object_unref);
  return self;
}

GdkTexture *
ks_cached_thumbnails_peek (KsCachedThumbnails *self,
                           const char         *photo_id)
{
  g_return_val_if_fail (KS_IS_CACHED_THUMBNAILS (self), NULL);

  return self->textures != NULL ? ks_texture_lru_lookup (self->textures, photo_id) : NULL;
}

/* --- Loading: the cache's file, then decoding it */

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCachedThumbnails *self = g_task_get_source_object (task);
  GError             *error = NULL;
  GdkTexture         *texture = ks_texture_load_finish (result, &error);

  if (texture == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (self->textures != NULL)
    ks_texture_lru_insert (self->textures, g_task_get_task_data (task), texture);
  g_task_return_pointer (task, texture, g_object_unref);
}

static void
file_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError       *error = NULL;
  g_autoptr (GFile) file = ks_cache_get_file_finish (KS_CACHE (source), result, &error);

  if (file == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ks_texture_load_async (file, cancellable, decoded_cb, g_steal_pointer (&task));
}

void
ks_cached_thumbnails_load_async (KsCachedThumbnails *self,
                                 const char         *photo_id,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  GdkTexture *texture;

  g_return_if_fail (KS_IS_CACHED_THUMBNAILS (self));
  g_return_if_fail (photo_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cached_thumbnails_load_async);
  g_task_set_task_data (task, g_strdup (photo_id), g_free);

  texture = ks_cached_thumbnails_peek (self, photo_id);
  if (texture != NULL)
    g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
  else if (self->cache == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s",
                             _ ("The copies on this computer are closed."));
  else
    ks_cache_get_file_async (self->cache, photo_id, KS_CACHE_FILE_GRID, cancellable, file_cb,
                             g_steal_pointer (&task));
}

GdkTexture *
ks_cached_thumbnails_load_finish (KsCachedThumbnails *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- As a KsThumbnailSource: photos of a cached album */

static GdkTexture *
source_peek (KsThumbnailSource *source,
             KsPhotoItem       *item)
{
  const char *id = ks_photo_item_get_id (item);

  return id != NULL ? ks_cached_thumbnails_peek (KS_CACHED_THUMBNAILS (source), id) : NULL;
}

static void
source_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError     *error = NULL;
  GdkTexture *texture;

  if (KS_IS_CACHED_THUMBNAILS (source))
    texture = ks_cached_thumbnails_load_finish (KS_CACHED_THUMBNAILS (source), result, &error);
  else
    texture = ks_texture_load_finish (result, &error);
  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
source_load_async (KsThumbnailSource  *source,
                   KsPhotoItem        *item,
                   GCancellable       *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer            user_data)
{
  KsCachedThumbnails *self = KS_CACHED_THUMBNAILS (source);
  GTask              *task = g_task_new (self, cancellable, callback, user_data);
  const char         *id = ks_photo_item_get_id (item);
  GFile              *local = ks_photo_item_get_local_thumbnail (item);

  g_task_set_source_tag (task, source_load_async);
  /* An upload from here has its thumbnail on disk until the cache has it. */
  if (local != NULL && ks_photo_item_get_state (item) != KS_PHOTO_ITEM_READY)
    ks_texture_load_async (local, cancellable, source_loaded_cb, task);
  else if (id != NULL)
    ks_cached_thumbnails_load_async (self, id, cancellable, source_loaded_cb, task);
  else
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s",
                               _ ("This photo has no thumbnail yet."));
      g_object_unref (task);
    }
}

static GdkTexture *
source_load_finish (KsThumbnailSource *source,
                    GAsyncResult      *result,
                    GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ks_cached_thumbnails_source_init (KsThumbnailSourceInterface *iface)
{
  iface->peek = source_peek;
  iface->load_async = source_load_async;
  iface->load_finish = source_load_finish;
}
