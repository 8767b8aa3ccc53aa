/* ks-cached-photo-list.c: an album's photos as the shared-album cache has them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cached-photo-list.h"

struct _KsCachedPhotoList
{
  GObject parent_instance;

  KsCache      *cache;
  char         *album_id;
  KsPhotoList  *list; /* weak: it owns us */
  GCancellable *cancellable;
  gboolean      reading;
  gboolean      read_again;
};

G_DEFINE_FINAL_TYPE (KsCachedPhotoList, ks_cached_photo_list, G_TYPE_OBJECT)

static GQuark
item_cache_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("ks-cached-photo-item-cache");
  return quark;
}

KsPhotoItem *
ks_cached_photo_item_new (KsCache             *cache,
                          const KsCachedPhoto *cached)
{
  KsPhoto     *photo = g_new0 (KsPhoto, 1);
  KsPhotoItem *item;

  g_return_val_if_fail (KS_IS_CACHE (cache), NULL);

  photo->id = g_strdup (cached->id);
  photo->content_type = g_strdup (cached->content_type);
  photo->width = cached->width;
  photo->height = cached->height;
  photo->taken_at = g_strdup (cached->taken_at);
  photo->sha256 = g_strdup (cached->sha256);
  photo->size = cached->size;
  photo->file_name = g_strdup (cached->file_name);
  photo->owner = g_strdup (cached->owner);
  photo->added_by = g_strdup (cached->added_by);
  photo->added_at = g_strdup (cached->added_at);
  /* No sizes or hashes of the thumbnails here: the cache keeps those. */
  photo->thumbnails = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_thumbnail_info_free);

  item = ks_photo_item_new (photo);
  g_object_set_qdata_full (G_OBJECT (item), item_cache_quark (), g_object_ref (cache), g_object_unref);
  return item;
}

KsCache *
ks_cached_photo_item_get_cache (KsPhotoItem *item)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (item), NULL);

  return g_object_get_qdata (G_OBJECT (item), item_cache_quark ());
}

/* --- Reading the album's rows on a worker */

static void read_photos (KsCachedPhotoList *self);

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KsCachedPhotoList *self = source_object;
  GError            *error = NULL;
  GPtrArray         *photos = ks_cache_list_photos (self->cache, self->album_id, &error);

  if (photos != NULL)
    g_task_return_pointer (task, photos, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  KsCachedPhotoList *self = KS_CACHED_PHOTO_LIST (source);
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GError) error = NULL;

  self->reading = FALSE;
  photos = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->list == NULL)
    return;
  if (self->read_again)
    {
      read_photos (self);
      return;
    }

  if (photos == NULL)
    {
      g_warning ("Reading the photos of album %s from the cache: %s", self->album_id, error->message);
      ks_photo_list_set_items (self->list, NULL, error->message);
      return;
    }
  for (guint i = 0; i < photos->len; i++)
    g_ptr_array_add (items, ks_cached_photo_item_new (self->cache, g_ptr_array_index (photos, i)));
  ks_photo_list_set_items (self->list, items, NULL);
}

/* One read at a time; changes during a read ask for one more. */
static void
read_photos (KsCachedPhotoList *self)
{
  g_autoptr (GTask) task = NULL;

  if (self->reading)
    {
      self->read_again = TRUE;
      return;
    }
  self->reading = TRUE;
  self->read_again = FALSE;
  task = g_task_new (self, self->cancellable, listed_cb, NULL);
  g_task_set_source_tag (task, read_photos);
  g_task_run_in_thread (task, list_thread);
}

static void
reload_cb (GObject     *feeder,
           KsPhotoList *list)
{
  read_photos (KS_CACHED_PHOTO_LIST (feeder));
}

/* NULL: the album list changed, which may be this album going away. */
static void
cache_changed_cb (KsCachedPhotoList *self,
                  const char        *album_id)
{
  if (album_id == NULL || g_strcmp0 (album_id, self->album_id) == 0)
    read_photos (self);
}

/* --- GObject */

static void
ks_cached_photo_list_dispose (GObject *object)
{
  KsCachedPhotoList *self = KS_CACHED_PHOTO_LIST (object);

  g_cancellable_cancel (self->cancellable);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_weak_pointer (&self->list);

  G_OBJECT_CLASS (ks_cached_photo_list_parent_class)->dispose (object);
}

static void
ks_cached_photo_list_finalize (GObject *object)
{
  KsCachedPhotoList *self = KS_CACHED_PHOTO_LIST (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->cache);
  g_free (self->album_id);

  G_OBJECT_CLASS (ks_cached_photo_list_parent_class)->finalize (object);
}

static void
ks_cached_photo_list_class_init (KsCachedPhotoListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_cached_photo_list_dispose;
  object_class->finalize = ks_cached_photo_list_finalize;
}

static void
ks_cached_photo_list_init (KsCachedPhotoList *self)
{
  self->cancellable = g_cancellable_new ();
}

KsPhotoList *
ks_cached_photo_list_new (KsCache    *cache,
                          const char *album_id)
{
  g_autoptr (KsCachedPhotoList) self = NULL;
  KsPhotoList *list;

  g_return_val_if_fail (KS_IS_CACHE (cache), NULL);
  g_return_val_if_fail (album_id != NULL, NULL);

  self = g_object_new (KS_TYPE_CACHED_PHOTO_LIST, NULL);
  self->cache = g_object_ref (cache);
  self->album_id = g_strdup (album_id);
  list = ks_photo_list_new_fed (album_id, G_OBJECT (self), reload_cb);
  g_set_weak_pointer (&self->list, list);
  g_signal_connect_swapped (cache, "changed", G_CALLBACK (cache_changed_cb), self);
  return list;
}

KsCachedPhotoList *
ks_cached_photo_list_from_list (KsPhotoList *list)
{
  GObject *feeder;

  g_return_val_if_fail (KS_IS_PHOTO_LIST (list), NULL);

  feeder = ks_photo_list_get_feeder (list);
  return KS_IS_CACHED_PHOTO_LIST (feeder) ? KS_CACHED_PHOTO_LIST (feeder) : NULL;
}

KsCache *
ks_cached_photo_list_get_cache (KsCachedPhotoList *self)
{
  g_return_val_if_fail (KS_IS_CACHED_PHOTO_LIST (self), NULL);

  return self->cache;
}

KsCachedThumbnails *
ks_cached_photo_list_get_thumbnails (KsCachedPhotoList *self)
{
  g_return_val_if_fail (KS_IS_CACHED_PHOTO_LIST (self), NULL);

  return ks_cached_thumbnails_get (self->cache);
}
