/* ks-cache-sync.c: following the server: albums fetched again, events
 * applied
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cache-private.h"

#define PAGE_LIMIT 200

/*
 * Everything that writes what the server said runs one at a time, in
 * the order it was asked for. Otherwise an album fetched for fresh URLs
 * just before an event removed a photo could be stored just after, and
 * bring the photo back.
 */
void
ks_cache_serial_done (KsCache *self)
{
  GTask            *next;
  KsCacheSerialFunc func;

  self->serial_busy = FALSE;
  next = g_queue_pop_head (&self->serial_queue);
  if (next == NULL)
    return;
  func = g_object_get_data (G_OBJECT (next), "ks-serial-func");
  ks_cache_serial_run (self, next, func);
  g_object_unref (next);
}

void
ks_cache_serial_run (KsCache          *self,
                     GTask            *task,
                     KsCacheSerialFunc func)
{
  if (self->serial_busy)
    {
      g_object_set_data (G_OBJECT (task), "ks-serial-func", func);
      g_queue_push_tail (&self->serial_queue, g_object_ref (task));
      return;
    }
  self->serial_busy = TRUE;
  func (task);
}

/* ---- one album ---- */

typedef struct
{
  char      *album_id;
  KsAlbum   *album;   /* NULL when the server no longer shows it to us */
  GPtrArray *members; /* KsMember */
  GPtrArray *photos;  /* KsPhoto */
  char      *cursor;  /* of the next page */
} AlbumFetch;

static void
album_fetch_free (AlbumFetch *fetch)
{
  g_free (fetch->album_id);
  g_clear_pointer (&fetch->album, ks_album_free);
  g_clear_pointer (&fetch->members, g_ptr_array_unref);
  g_clear_pointer (&fetch->photos, g_ptr_array_unref);
  g_free (fetch->cursor);
  g_free (fetch);
}

static gboolean
is_gone (const GError *error)
{
  return g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_FOUND) ||
         g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FORBIDDEN);
}

static void
store_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  KsCache    *self = source;
  AlbumFetch *fetch = task_data;
  g_autoptr (GPtrArray) unlink = g_ptr_array_new_with_free_func (g_free);
  GError  *error = NULL;
  gboolean ok;

  if (!ks_cache_db_begin (self->db, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (fetch->album == NULL)
    ok = ks_cache_db_delete_album (self->db, fetch->album_id, unlink, &error);
  else
    ok = ks_cache_db_put_album (self->db, fetch->album, &error) &&
         ks_cache_db_put_members (self->db, fetch->album_id, fetch->members, &error) &&
         ks_cache_db_put_album_photos (self->db, fetch->album_id, fetch->photos, unlink, &error);
  if (!ok)
    {
      ks_cache_db_rollback (self->db);
      g_task_return_error (task, error);
      return;
    }
  if (!ks_cache_db_commit (self->db, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  ks_cache_unlink_paths (self->dir, unlink);
  g_task_return_boolean (task, TRUE);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCache    *self = KS_CACHE (source);
  AlbumFetch *fetch = g_task_get_task_data (task);
  GError     *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  ks_cache_emit_changed (self, fetch->album_id);
  ks_cache_emit_changed (self, NULL);
  ks_cache_kick_downloads (self);
  g_task_return_boolean (task, TRUE);
}

static void
store_album (GTask *task)
{
  KsCache *self = g_task_get_source_object (task);
  g_autoptr (GTask) store = g_task_new (self, g_task_get_cancellable (task), stored_cb, g_object_ref (task));

  ks_cache_set_offline (self, FALSE);
  g_task_set_task_data (store, g_task_get_task_data (task), NULL);
  g_task_run_in_thread (store, store_thread);
}

static void
photos_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  AlbumFetch *fetch = g_task_get_task_data (task);
  GError     *error = NULL;
  g_autoptr (KsPhotoPage) page = ks_api_client_list_album_photos_finish (KS_API_CLIENT (source), result, &error);

  if (page == NULL && is_gone (error))
    {
      g_clear_error (&error);
      g_clear_pointer (&fetch->album, ks_album_free);
      store_album (task);
      return;
    }
  if (page == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < page->photos->len; i++)
    g_ptr_array_add (fetch->photos, g_steal_pointer (&page->photos->pdata[i]));
  g_free (fetch->cursor);
  fetch->cursor = g_steal_pointer (&page->cursor);
  if (fetch->cursor == NULL)
    {
      store_album (task);
      return;
    }
  ks_api_client_list_album_photos_async (KS_API_CLIENT (source), fetch->album_id, fetch->cursor, PAGE_LIMIT,
                                         g_task_get_cancellable (task), photos_cb, g_object_ref (task));
}

static void
members_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  AlbumFetch *fetch = g_task_get_task_data (task);
  GError     *error = NULL;

  fetch->members = ks_api_client_list_members_finish (KS_API_CLIENT (source), result, &error);
  if (fetch->members == NULL && is_gone (error))
    {
      g_clear_error (&error);
      g_clear_pointer (&fetch->album, ks_album_free);
      store_album (task);
      return;
    }
  if (fetch->members == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ks_api_client_list_album_photos_async (KS_API_CLIENT (source), fetch->album_id, NULL, PAGE_LIMIT,
                                         g_task_get_cancellable (task), photos_cb, g_object_ref (task));
}

static void
album_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  AlbumFetch *fetch = g_task_get_task_data (task);
  GError     *error = NULL;

  fetch->album = ks_api_client_get_album_finish (KS_API_CLIENT (source), result, &error);
  if (fetch->album == NULL && is_gone (error))
    {
      g_debug ("Cache: album %s is gone for us", fetch->album_id);
      g_clear_error (&error);
      store_album (task);
      return;
    }
  if (fetch->album == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ks_api_client_list_members_async (KS_API_CLIENT (source), fetch->album_id, g_task_get_cancellable (task),
                                    members_cb, g_object_ref (task));
}

void
ks_cache_fetch_album_async (KsCache            *self,
                            const char         *album_id,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  AlbumFetch *fetch = g_new0 (AlbumFetch, 1);

  g_task_set_source_tag (task, ks_cache_fetch_album_async);
  fetch->album_id = g_strdup (album_id);
  fetch->photos = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_photo_free);
  g_task_set_task_data (task, fetch, (GDestroyNotify) album_fetch_free);
  if (self->api == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN, _ ("Not connected"));
      return;
    }
  ks_api_client_get_album_async (self->api, album_id, cancellable, album_cb, g_steal_pointer (&task));
}

static void
serial_fetched_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCache *self = KS_CACHE (source);
  GError  *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  ks_cache_serial_done (self);
}

static void
refresh_album_start (GTask *task)
{
  KsCache *self = g_task_get_source_object (task);

  ks_cache_fetch_album_async (self, g_task_get_task_data (task), g_task_get_cancellable (task),
                              serial_fetched_cb, g_object_ref (task));
}

void
ks_cache_refresh_album_async (KsCache            *self,
                              const char         *album_id,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, ks_cache_refresh_album_async);
  g_task_set_task_data (task, g_strdup (album_id), g_free);
  ks_cache_serial_run (self, task, refresh_album_start);
}

gboolean
ks_cache_refresh_album_finish (KsCache      *self,
                               GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
