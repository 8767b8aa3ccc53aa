/* ks-thumbnail-cache.c: grid thumbnails, on disk and decoded in memory
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-thumbnail-cache.h"
#include "ks-transfer.h"

/* 256 px JPEGs decode to ~200 KiB each: about 80 MiB at most, on top of
 * what the visible tiles hold. */
#define MEMORY_ENTRIES 400

struct _KsThumbnailCache
{
  GObject parent_instance;

  SoupSession *soup;
  char        *dir;
  GHashTable  *textures; /* key -> GList link in @lru; data is an Entry */
  GQueue       lru;      /* Entry, most recent first */
  GHashTable  *loads;    /* key -> Load */
};

G_DEFINE_FINAL_TYPE (KsThumbnailCache, ks_thumbnail_cache, G_TYPE_OBJECT)

typedef struct
{
  char       *key;
  GdkTexture *texture;
} Entry;

/* One download + decode that one or more callers wait for. */
typedef struct
{
  KsThumbnailCache *cache;
  char             *key;
  GFile            *file;
  GCancellable     *cancellable;
  GPtrArray        *waiters; /* Waiter */
} Load;

typedef struct
{
  Load         *load;
  GTask        *task;
  GCancellable *cancellable; /* nullable */
  gulong        cancelled_id;
} Waiter;

static void
entry_free (Entry *entry)
{
  g_free (entry->key);
  g_object_unref (entry->texture);
  g_free (entry);
}

static void
ks_thumbnail_cache_dispose (GObject *object)
{
  KsThumbnailCache *self = KS_THUMBNAIL_CACHE (object);

  g_clear_pointer (&self->textures, g_hash_table_unref);
  g_queue_clear_full (&self->lru, (GDestroyNotify) entry_free);
  g_clear_pointer (&self->loads, g_hash_table_unref);
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (ks_thumbnail_cache_parent_class)->dispose (object);
}

static void
ks_thumbnail_cache_finalize (GObject *object)
{
  g_free (KS_THUMBNAIL_CACHE (object)->dir);

  G_OBJECT_CLASS (ks_thumbnail_cache_parent_class)->finalize (object);
}

static void
ks_thumbnail_cache_class_init (KsThumbnailCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_thumbnail_cache_dispose;
  object_class->finalize = ks_thumbnail_cache_finalize;
}

static void
ks_thumbnail_cache_init (KsThumbnailCache *self)
{
  self->textures = g_hash_table_new (g_str_hash, g_str_equal);
  self->loads = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
}

KsThumbnailCache *
ks_thumbnail_cache_new (SoupSession *soup,
                        const char  *dir)
{
  KsThumbnailCache *self = g_object_new (KS_TYPE_THUMBNAIL_CACHE, NULL);

  self->soup = g_object_ref (soup);
  self->dir = g_strdup (dir);
  g_mkdir_with_parents (dir, 0700);
  return self;
}

static GFile *
file_for_key (KsThumbnailCache *self,
              const char       *key)
{
  g_autofree char *name = g_strconcat (key, ".jpg", NULL);

  return g_file_new_build_filename (self->dir, name, NULL);
}

GdkTexture *
ks_thumbnail_cache_peek (KsThumbnailCache *self,
                         KsPhotoItem      *item)
{
  const char *key = ks_photo_item_get_grid_sha256 (item, NULL);
  GList      *link;

  g_return_val_if_fail (KS_IS_THUMBNAIL_CACHE (self), NULL);

  link = key != NULL ? g_hash_table_lookup (self->textures, key) : NULL;
  if (link == NULL)
    return NULL;

  g_queue_unlink (&self->lru, link);
  g_queue_push_head_link (&self->lru, link);
  return ((Entry *) link->data)->texture;
}

static void
remember (KsThumbnailCache *self,
          const char       *key,
          GdkTexture       *texture)
{
  Entry *entry;

  if (g_hash_table_contains (self->textures, key))
    return;

  entry = g_new0 (Entry, 1);
  entry->key = g_strdup (key);
  entry->texture = g_object_ref (texture);
  g_queue_push_head (&self->lru, entry);
  g_hash_table_insert (self->textures, entry->key, self->lru.head);

  while (self->lru.length > MEMORY_ENTRIES)
    {
      Entry *oldest = g_queue_pop_tail (&self->lru);

      g_hash_table_remove (self->textures, oldest->key);
      entry_free (oldest);
    }
}

static void
load_free (Load *load)
{
  g_object_unref (load->cache);
  g_free (load->key);
  g_object_unref (load->file);
  g_object_unref (load->cancellable);
  g_ptr_array_unref (load->waiters);
  g_free (load);
}

/* Disconnects and frees @waiter, handing @texture or @error to its task. */
static void
waiter_return (Waiter     *waiter,
               GdkTexture *texture,
               GError     *error)
{
  g_autoptr (GTask) task = waiter->task;

  if (waiter->cancelled_id != 0)
    g_signal_handler_disconnect (waiter->cancellable, waiter->cancelled_id);
  g_clear_object (&waiter->cancellable);
  g_free (waiter);

  if (texture != NULL)
    g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
  else
    g_task_return_error (task, g_error_copy (error));
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     Waiter       *waiter)
{
  Load *load = waiter->load;
  g_autoptr (GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  "Cancelled");

  g_ptr_array_remove (load->waiters, waiter);
  waiter_return (waiter, NULL, error);
  /* The last one to lose interest stops the download. */
  if (load->waiters->len == 0)
    g_cancellable_cancel (load->cancellable);
}

static void
add_waiter (Load         *load,
            GTask        *task,
            GCancellable *cancellable)
{
  Waiter *waiter = g_new0 (Waiter, 1);

  waiter->load = load;
  waiter->task = task;
  g_ptr_array_add (load->waiters, waiter);
  if (cancellable != NULL)
    {
      waiter->cancellable = g_object_ref (cancellable);
      waiter->cancelled_id = g_signal_connect (cancellable, "cancelled",
                                               G_CALLBACK (waiter_cancelled_cb), waiter);
    }
}

/* Hands the result to every waiter still interested, then forgets the
 * load. */
static void
load_finish (Load       *load,
             GdkTexture *texture,
             GError     *error)
{
  g_autoptr (GPtrArray) waiters = g_steal_pointer (&load->waiters);

  load->waiters = g_ptr_array_new ();
  if (texture != NULL)
    remember (load->cache, load->key, texture);
  if (g_hash_table_lookup (load->cache->loads, load->key) == load)
    g_hash_table_remove (load->cache->loads, load->key);

  for (guint i = 0; i < waiters->len; i++)
    waiter_return (g_ptr_array_index (waiters, i), texture, error);
  load_free (load);
}

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GFile      *file = task_data;
  GError     *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_file (file, &error);

  if (texture != NULL)
    g_task_return_pointer (task, texture, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (texture == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* A damaged file would fail forever: drop it, download again next
       * time. */
      g_debug ("Decoding thumbnail %s: %s", load->key, error->message);
      g_file_delete (load->file, NULL, NULL);
    }
  load_finish (load, texture, error);
}

static void
decode (Load *load)
{
  g_autoptr (GTask) task = g_task_new (NULL, load->cancellable, decoded_cb, load);

  g_task_set_source_tag (task, decode);
  g_task_set_task_data (task, g_object_ref (load->file), g_object_unref);
  g_task_run_in_thread (task, decode_thread);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr (GError) error = NULL;

  if (!ks_download_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Downloading thumbnail %s: %s", load->key, error->message);
      load_finish (load, NULL, error);
      return;
    }
  decode (load);
}

static void
start_load (KsThumbnailCache *self,
            Load             *load,
            KsPhotoItem      *item,
            gint64            size)
{
  GFile      *local = ks_photo_item_get_local_thumbnail (item);
  const char *url = ks_photo_item_get_grid_url (item);
  g_autoptr (GError) error = NULL;

  if (g_file_query_exists (load->file, NULL))
    decode (load);
  else if (local != NULL)
    {
      g_object_unref (load->file);
      load->file = g_object_ref (local);
      decode (load);
    }
  else if (url != NULL)
    ks_download_async (self->soup, url, load->file, load->key, size, NULL, NULL, NULL,
                       load->cancellable, downloaded_cb, load);
  else
    {
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                   _ ("This photo has no thumbnail."));
      load_finish (load, NULL, error);
    }
}

void
ks_thumbnail_cache_load_async (KsThumbnailCache   *self,
                               KsPhotoItem        *item,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  const char *key;
  gint64      size;
  GdkTexture *texture;
  Load       *load;

  g_return_if_fail (KS_IS_THUMBNAIL_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_thumbnail_cache_load_async);

  key = ks_photo_item_get_grid_sha256 (item, &size);
  texture = ks_thumbnail_cache_peek (self, item);
  if (texture != NULL)
    {
      g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      return;
    }
  if (key == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "%s", _ ("This photo has no thumbnail."));
      return;
    }

  /* A load every waiter gave up on is on its way out: start afresh. */
  load = g_hash_table_lookup (self->loads, key);
  if (load == NULL || g_cancellable_is_cancelled (load->cancellable))
    {
      load = g_new0 (Load, 1);
      load->cache = g_object_ref (self);
      load->key = g_strdup (key);
      load->file = file_for_key (self, key);
      load->cancellable = g_cancellable_new ();
      load->waiters = g_ptr_array_new ();
      g_hash_table_replace (self->loads, load->key, load);
      add_waiter (load, g_steal_pointer (&task), cancellable);
      start_load (self, load, item, size);
    }
  else
    add_waiter (load, g_steal_pointer (&task), cancellable);
}

GdkTexture *
ks_thumbnail_cache_load_finish (KsThumbnailCache *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
ks_thumbnail_cache_add_file (KsThumbnailCache *self,
                             const char       *sha256,
                             GFile            *file)
{
  g_autoptr (GFile) dest = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (KS_IS_THUMBNAIL_CACHE (self));

  dest = file_for_key (self, sha256);
  if (!g_file_copy (file, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    g_debug ("Caching a local thumbnail: %s", error->message);
}
