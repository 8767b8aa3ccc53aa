/* ks-sync-album.c: the album a watched folder feeds, found or made once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-sync-engine-private.h"

/* One resolution at a time, so two folders naming one album (or a
 * burst of uploads from one folder) make it once. After a crash between
 * making the album and recording it, the album is found by its name. */

static void resolve_next (KsSyncEngine *self);

static void
finish_waiters (KsSyncEngine *self,
                gint64        folder_id,
                const char   *album_id,
                const GError *error)
{
  g_autoptr (GPtrArray) done = g_ptr_array_new ();

  for (guint i = 0; i < self->album_waiters->len;)
    {
      KsSyncJob *job = g_ptr_array_index (self->album_waiters, i);

      if (job->folder_id == folder_id || error != NULL)
        {
          g_ptr_array_add (done, job);
          g_ptr_array_remove_index (self->album_waiters, i);
        }
      else
        i++;
    }
  self->album_busy = FALSE;
  for (guint i = 0; i < done->len; i++)
    ks_sync_queue_album_ready (g_ptr_array_index (done, i), album_id, error);
  resolve_next (self);
}

typedef struct
{
  KsSyncEngine *engine; /* owned */
  gint64        folder_id;
  char         *name;
} Resolve;

static void
resolve_free (Resolve *resolve)
{
  g_object_unref (resolve->engine);
  g_free (resolve->name);
  g_free (resolve);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Resolve, resolve_free)

static void
resolved (Resolve      *resolve,
          const char   *album_id,
          const GError *error)
{
  KsSyncEngine *self = resolve->engine;
  KsSyncFolder *folder = g_hash_table_lookup (self->folders, &resolve->folder_id);
  g_autoptr (GError) local_error = NULL;

  if (album_id != NULL && folder != NULL)
    {
      if (!ks_journal_set_folder_album (self->journal, folder->id, album_id, &local_error))
        g_warning ("Could not record the album of %s: %s", folder->path, local_error->message);
      g_free (folder->album_id);
      folder->album_id = g_strdup (album_id);
      folder->album_kind = KS_SYNC_ALBUM_ID;
    }
  finish_waiters (self, resolve->folder_id, album_id, error);
}

static void
create_album_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr (Resolve) resolve = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = ks_api_client_create_album_finish (KS_API_CLIENT (source), result, &error);

  resolved (resolve, album != NULL ? album->id : NULL, error);
}

static void
list_albums_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (Resolve) resolve = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = ks_api_client_list_albums_finish (KS_API_CLIENT (source), result, &error);
  KsSyncEngine *self = resolve->engine;
  const char   *name;

  if (albums == NULL)
    {
      resolved (resolve, NULL, error);
      return;
    }
  g_ptr_array_set_free_func (albums, (GDestroyNotify) ks_album_free);
  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);

      if (g_strcmp0 (album->name, resolve->name) == 0 && g_strcmp0 (album->role, "owner") == 0)
        {
          resolved (resolve, album->id, NULL);
          return;
        }
    }
  name = resolve->name;
  ks_api_client_create_album_async (self->api, name, NULL, create_album_cb, g_steal_pointer (&resolve));
}

static void
resolve_next (KsSyncEngine *self)
{
  KsSyncJob    *job;
  KsSyncFolder *folder;
  Resolve      *resolve;

  if (self->album_busy || self->album_waiters->len == 0)
    return;

  job = g_ptr_array_index (self->album_waiters, 0);
  folder = g_hash_table_lookup (self->folders, &job->folder_id);
  if (folder == NULL || folder->album_kind != KS_SYNC_ALBUM_NAMED)
    {
      finish_waiters (self, job->folder_id, folder != NULL ? folder->album_id : NULL, NULL);
      return;
    }

  self->album_busy = TRUE;
  resolve = g_new0 (Resolve, 1);
  resolve->engine = g_object_ref (self);
  resolve->folder_id = folder->id;
  resolve->name = g_strdup (folder->album_name);
  ks_api_client_list_albums_async (self->api, NULL, list_albums_cb, resolve);
}

void
ks_sync_album_resolve (KsSyncEngine *self,
                       KsSyncJob    *job)
{
  KsSyncFolder *folder = g_hash_table_lookup (self->folders, &job->folder_id);

  if (folder == NULL || folder->album_kind != KS_SYNC_ALBUM_NAMED)
    {
      ks_sync_queue_album_ready (job, folder != NULL ? folder->album_id : NULL, NULL);
      return;
    }
  g_ptr_array_add (self->album_waiters, job);
  resolve_next (self);
}
