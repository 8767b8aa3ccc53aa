/* ks-cached-thumbnails.c: grid thumbnails from the shared-album cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-cached-thumbnails.h"

/* 256 px JPEGs decode to ~200 KiB each. */
#define MEMORY_ENTRIES 300

struct _KsCachedThumbnails
{
  GObject parent_instance;

  KsCache    *cache;    /* weak: the cache owns us */
  GHashTable *textures; /* photo id (owned) -> GList link in @lru */
  GQueue      lru;      /* Entry, most recent first */
};

static void ks_cached_thumbnails_source_init (KsThumbnailSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KsCachedThumbnails, ks_cached_thumbnails, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_THUMBNAIL_SOURCE, ks_cached_thumbnails_source_init))

typedef struct
{
  char       *photo_id;
  GdkTexture *texture;
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->photo_id);
  g_object_unref (entry->texture);
  g_free (entry);
}

static void
ks_cached_thumbnails_dispose (GObject *object)
{
  KsCachedThumbnails *self = KS_CACHED_THUMBNAILS (object);

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_weak_pointer (&self->cache);
  g_clear_pointer (&self->textures, g_hash_table_unref);
  g_queue_clear_full (&self->lru, (GDestroyNotify) entry_free);

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
  self->textures = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
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
  GList *link;

  g_return_val_if_fail (KS_IS_CACHED_THUMBNAILS (self), NULL);

  link = photo_id != NULL && self->textures != NULL ? g_hash_table_lookup (self->textures, photo_id) : NULL;
  if (link == NULL)
    return NULL;
  g_queue_unlink (&self->lru, link);
  g_queue_push_head_link (&self->lru, link);
  return ((Entry *) link->data)->texture;
}

static void
remember (KsCachedThumbnails *self,
          const char         *photo_id,
          GdkTexture         *texture)
{
  Entry *entry;

  if (self->textures == NULL || g_hash_table_contains (self->textures, photo_id))
    return;
  entry = g_new0 (Entry, 1);
  entry->photo_id = g_strdup (photo_id);
  entry->texture = g_object_ref (texture);
  g_queue_push_head (&self->lru, entry);
  g_hash_table_insert (self->textures, entry->photo_id, self->lru.head);

  while (self->lru.length > MEMORY_ENTRIES)
    {
      Entry *oldest = g_queue_pop_tail (&self->lru);

      g_hash_table_remove (self->textures, oldest->photo_id);
      entry_free (oldest);
    }
}

/* --- Decoding */

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError     *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_file (G_FILE (task_data), &error);

  if (texture != NULL)
    g_task_return_pointer (task, texture, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
ks_cached_thumbnails_decode_async (GFile              *file,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (G_IS_FILE (file));

  g_task_set_source_tag (task, ks_cached_thumbnails_decode_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, decode_thread);
}

GdkTexture *
ks_cached_thumbnails_decode_finish (GAsyncResult *result,
                                    GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
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
  GdkTexture         *texture = ks_cached_thumbnails_decode_finish (result, &error);

  if (texture == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  remember (self, g_task_get_task_data (task), texture);
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
  ks_cached_thumbnails_decode_async (file, cancellable, decoded_cb, g_steal_pointer (&task));
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
    texture = ks_cached_thumbnails_decode_finish (result, &error);
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
    ks_cached_thumbnails_decode_async (local, cancellable, source_loaded_cb, task);
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
