/* ks-textures.c: image files decoded off the main thread, and the
 * textures kept of them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-textures.h"

/* --- Decoding */

static void
load_thread (GTask        *task,
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
ks_texture_load_async (GFile              *file,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (G_IS_FILE (file));

  g_task_set_source_tag (task, ks_texture_load_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, load_thread);
}

GdkTexture *
ks_texture_load_finish (GAsyncResult *result,
                        GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_texture_load_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- Keeping them */

struct _KsTextureLru
{
  GHashTable *links; /* key -> GList link in @order */
  GQueue      order; /* Entry, most recent first */
  gsize       cost;
  gsize       budget;
  guint       bytes_per_pixel;
};

typedef struct
{
  char       *key;
  GdkTexture *texture;
  gsize       cost;
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->key);
  g_object_unref (entry->texture);
  g_free (entry);
}

KsTextureLru *
ks_texture_lru_new (gsize budget,
                    guint bytes_per_pixel)
{
  KsTextureLru *self = g_new0 (KsTextureLru, 1);

  self->links = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->order);
  self->budget = budget;
  self->bytes_per_pixel = bytes_per_pixel;
  return self;
}

void
ks_texture_lru_free (KsTextureLru *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->links);
  g_queue_clear_full (&self->order, (GDestroyNotify) entry_free);
  g_free (self);
}

GdkTexture *
ks_texture_lru_lookup (KsTextureLru *self,
                       const char   *key)
{
  GList *link = key != NULL ? g_hash_table_lookup (self->links, key) : NULL;

  if (link == NULL)
    return NULL;
  g_queue_unlink (&self->order, link);
  g_queue_push_head_link (&self->order, link);
  return ((Entry *) link->data)->texture;
}

void
ks_texture_lru_insert (KsTextureLru *self,
                       const char   *key,
                       GdkTexture   *texture)
{
  Entry *entry;

  if (g_hash_table_contains (self->links, key))
    return;

  entry = g_new0 (Entry, 1);
  entry->key = g_strdup (key);
  entry->texture = g_object_ref (texture);
  entry->cost = self->bytes_per_pixel == 0 ? 1
                                           : (gsize) gdk_texture_get_width (texture) *
                                                 gdk_texture_get_height (texture) * self->bytes_per_pixel;
  g_queue_push_head (&self->order, entry);
  g_hash_table_insert (self->links, entry->key, self->order.head);
  self->cost += entry->cost;

  while (self->cost > self->budget && self->order.length > 1)
    {
      Entry *oldest = g_queue_pop_tail (&self->order);

      g_hash_table_remove (self->links, oldest->key);
      self->cost -= oldest->cost;
      entry_free (oldest);
    }
}

guint
ks_texture_lru_get_length (KsTextureLru *self)
{
  return self->order.length;
}

gsize
ks_texture_lru_get_cost (KsTextureLru *self)
{
  return self->cost;
}
