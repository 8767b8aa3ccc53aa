/* ks-cached-albums.c: the shared albums as the cache has them, read off the main thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cached-albums.h"

void
ks_cached_albums_free (KsCachedAlbums *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->albums, g_ptr_array_unref);
  g_clear_pointer (&self->cover_ids, g_ptr_array_unref);
  g_free (self);
}

static KsAlbum *
album_new (const KsCachedAlbum *cached)
{
  KsAlbum *album = g_new0 (KsAlbum, 1);

  album->id = g_strdup (cached->id);
  album->name = g_strdup (cached->name);
  album->owner = g_strdup (cached->owner);
  album->role = g_strdup (cached->role);
  album->photo_count = cached->photo_count;
  album->created_at = g_strdup (cached->created_at);
  album->updated_at = g_strdup (cached->updated_at);
  return album;
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KsCache *cache = source_object;
  GError  *error = NULL;
  g_autoptr (GPtrArray) cached = ks_cache_list_albums (cache, TRUE, &error);
  g_autoptr (KsCachedAlbums) self = NULL;
  g_autofree char *cursor = NULL;

  if (cached == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  self = g_new0 (KsCachedAlbums, 1);
  self->albums = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_album_free);
  self->cover_ids = g_ptr_array_new_with_free_func (g_free);
  cursor = ks_cache_dup_cursor (cache);
  self->synced = cursor != NULL || ks_cache_get_status (cache).synced_at > 0;
  for (guint i = 0; i < cached->len; i++)
    {
      KsCachedAlbum *album = g_ptr_array_index (cached, i);
      g_autoptr (GPtrArray) photos = ks_cache_list_photos (cache, album->id, NULL);
      KsCachedPhoto *newest = photos != NULL && photos->len > 0 ? g_ptr_array_index (photos, 0) : NULL;

      g_ptr_array_add (self->albums, album_new (album));
      g_ptr_array_add (self->cover_ids, newest != NULL ? g_strdup (newest->id) : NULL);
    }
  g_task_return_pointer (task, g_steal_pointer (&self), (GDestroyNotify) ks_cached_albums_free);
}

void
ks_cached_albums_read_async (KsCache            *cache,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KS_IS_CACHE (cache));

  task = g_task_new (cache, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cached_albums_read_async);
  g_task_run_in_thread (task, read_thread);
}

KsCachedAlbums *
ks_cached_albums_read_finish (GAsyncResult *result,
                              GError      **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_cached_albums_read_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
