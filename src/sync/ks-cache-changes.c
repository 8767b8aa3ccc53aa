/* ks-cache-changes.c: a page of the change feed, applied
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-cache-private.h"

/*
 * Events are hints, not patches: what an event removed is removed at once
 * (no private photo stays a moment longer than needed), and every album
 * an event touched is fetched again whole. The cache thus ends where the
 * server is, whatever order, repetition or gap the events came in.
 */
typedef struct
{
  GPtrArray *events; /* KsEvent, owned ref */
  char      *cursor;
  gboolean   resync_all;
  GPtrArray *dirty; /* album ids to fetch, in order */
  guint      next;  /* index into dirty */
  GPtrArray *unlink;
} Apply;

static void
apply_free (Apply *apply)
{
  g_clear_pointer (&apply->events, g_ptr_array_unref);
  g_free (apply->cursor);
  g_clear_pointer (&apply->dirty, g_ptr_array_unref);
  g_clear_pointer (&apply->unlink, g_ptr_array_unref);
  g_free (apply);
}

static void
mark_dirty (Apply      *apply,
            const char *album_id,
            gboolean    dirty)
{
  guint index;

  if (album_id == NULL || !g_uuid_string_is_valid (album_id))
    return;
  if (g_ptr_array_find_with_equal_func (apply->dirty, album_id, g_str_equal, &index))
    {
      if (dirty)
        return;
      g_ptr_array_remove_index (apply->dirty, index);
    }
  else if (dirty)
    g_ptr_array_add (apply->dirty, g_strdup (album_id));
}

static gboolean
apply_event (KsCache       *self,
             Apply         *apply,
             const KsEvent *event,
             GError       **error)
{
  const char *type = event->type;
  gboolean    me = event->member != NULL && g_ascii_strcasecmp (event->member, self->username) == 0;

  if (g_strcmp0 (type, "album_deleted") == 0 || (g_strcmp0 (type, "member_removed") == 0 && me))
    {
      mark_dirty (apply, event->album_id, FALSE);
      return event->album_id == NULL || ks_cache_db_delete_album (self->db, event->album_id, apply->unlink, error);
    }
  if (g_strcmp0 (type, "photo_removed") == 0 && event->photo_id != NULL)
    {
      mark_dirty (apply, event->album_id, TRUE);
      return event->album_id == NULL ||
             ks_cache_db_remove_photo (self->db, event->album_id, event->photo_id, apply->unlink, error);
    }
  if (g_strcmp0 (type, "photo_deleted") == 0 && event->photo_id != NULL)
    {
      g_auto (GStrv) albums = ks_cache_db_albums_of_photo (self->db, event->photo_id);

      for (guint i = 0; albums[i] != NULL; i++)
        mark_dirty (apply, albums[i], TRUE);
      return ks_cache_db_remove_photo (self->db, NULL, event->photo_id, apply->unlink, error);
    }
  /* Which albums hold a restored photo, no event says. */
  if (g_strcmp0 (type, "photo_restored") == 0)
    apply->resync_all = TRUE;
  else if (g_strcmp0 (type, "photo_committed") != 0)
    mark_dirty (apply, event->album_id, TRUE);
  return TRUE;
}

static void
apply_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  KsCache *self = source;
  Apply   *apply = task_data;
  GError  *error = NULL;

  if (!ks_cache_db_begin (self->db, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < apply->events->len; i++)
    if (!apply_event (self, apply, g_ptr_array_index (apply->events, i), &error))
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
  ks_cache_unlink_paths (self->dir, apply->unlink);
  g_ptr_array_set_size (apply->unlink, 0);
  g_task_return_boolean (task, TRUE);
}

/* The cursor only moves forward: a page seen again leaves it. */
static gboolean
store_cursor (KsCache    *self,
              const char *cursor,
              GError    **error)
{
  g_autofree char *stored = ks_cache_db_get_meta (self->db, "cursor");
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());

  if (!ks_cache_db_set_meta (self->db, "synced_at", now, error))
    return FALSE;
  if (cursor == NULL)
    return TRUE;
  if (stored != NULL && g_ascii_strtoll (stored, NULL, 10) >= g_ascii_strtoll (cursor, NULL, 10))
    return TRUE;
  return ks_cache_db_set_meta (self->db, "cursor", cursor, error);
}

static void fetch_next (GTask *task);

static void
finish (GTask  *task,
        GError *error)
{
  KsCache *self = g_task_get_source_object (task);
  Apply   *apply = g_task_get_task_data (task);

  if (error == NULL && !store_cursor (self, apply->cursor, &error))
    g_debug ("Cache: could not store the cursor");
  if (error != NULL && ks_cache_error_is_offline (error))
    ks_cache_set_offline (self, TRUE);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  ks_cache_serial_done (self);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      finish (task, error);
      return;
    }
  fetch_next (task);
}

static void
fetch_next (GTask *task)
{
  KsCache *self = g_task_get_source_object (task);
  Apply   *apply = g_task_get_task_data (task);

  if (apply->next >= apply->dirty->len)
    {
      finish (task, NULL);
      return;
    }
  ks_cache_fetch_album_async (self, g_ptr_array_index (apply->dirty, apply->next++),
                              g_task_get_cancellable (task), fetched_cb, g_object_ref (task));
}

static void
prune_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  KsCache *self = source;
  Apply   *apply = task_data;
  g_auto (GStrv) cached = ks_cache_db_album_ids (self->db, NULL);
  GError *error = NULL;

  if (!ks_cache_db_begin (self->db, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; cached != NULL && cached[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (apply->dirty, cached[i], g_str_equal, NULL) &&
        !ks_cache_db_delete_album (self->db, cached[i], apply->unlink, &error))
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
  ks_cache_unlink_paths (self->dir, apply->unlink);
  g_task_return_boolean (task, TRUE);
}

static void
pruned_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    finish (task, error);
  else
    fetch_next (task);
}

/* Every album the server lists is fetched; the others go. */
static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCache *self = g_task_get_source_object (task);
  Apply   *apply = g_task_get_task_data (task);
  GError  *error = NULL;
  g_autoptr (GPtrArray) albums = ks_api_client_list_albums_finish (KS_API_CLIENT (source), result, &error);
  g_autoptr (GTask) prune = NULL;

  if (albums == NULL)
    {
      finish (task, error);
      return;
    }
  g_ptr_array_set_free_func (albums, (GDestroyNotify) ks_album_free);
  for (guint i = 0; i < albums->len; i++)
    mark_dirty (apply, ((KsAlbum *) g_ptr_array_index (albums, i))->id, TRUE);

  prune = g_task_new (self, g_task_get_cancellable (task), pruned_cb, g_object_ref (task));
  g_task_set_task_data (prune, apply, NULL);
  g_task_run_in_thread (prune, prune_thread);
}

static void
applied_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsCache *self = KS_CACHE (source);
  Apply   *apply = g_task_get_task_data (task);
  GError  *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      finish (task, error);
      return;
    }
  ks_cache_emit_changed (self, NULL);
  if (!apply->resync_all)
    {
      fetch_next (task);
      return;
    }
  if (self->api == NULL)
    {
      finish (task, g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_SIGNED_IN, _ ("Not connected")));
      return;
    }
  ks_api_client_list_albums_async (self->api, g_task_get_cancellable (task), listed_cb, g_object_ref (task));
}

static void
apply_start (GTask *task)
{
  KsCache         *self = g_task_get_source_object (task);
  Apply           *apply = g_task_get_task_data (task);
  g_autofree char *stored = ks_cache_db_get_meta (self->db, "cursor");
  g_autoptr (GTask) thread_task = g_task_new (self, g_task_get_cancellable (task), applied_cb, g_object_ref (task));

  /* A first sync knows nothing the events before it did not say. */
  if (stored == NULL)
    apply->resync_all = TRUE;
  g_task_set_task_data (thread_task, apply, NULL);
  g_task_run_in_thread (thread_task, apply_thread);
}

static void
start (KsCache            *self,
       GPtrArray          *events,
       const char         *cursor,
       gboolean            resync_all,
       GCancellable       *cancellable,
       GAsyncReadyCallback callback,
       gpointer            user_data,
       gpointer            source_tag)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  Apply *apply = g_new0 (Apply, 1);

  g_task_set_source_tag (task, source_tag);
  apply->events = events != NULL ? g_ptr_array_ref (events) : g_ptr_array_new ();
  apply->cursor = g_strdup (cursor);
  apply->resync_all = resync_all;
  apply->dirty = g_ptr_array_new_with_free_func (g_free);
  apply->unlink = g_ptr_array_new_with_free_func (g_free);
  g_task_set_task_data (task, apply, (GDestroyNotify) apply_free);
  ks_cache_serial_run (self, task, apply_start);
}

void
ks_cache_apply_changes_async (KsCache            *self,
                              GPtrArray          *events,
                              const char         *cursor,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_return_if_fail (KS_IS_CACHE (self));
  g_return_if_fail (events != NULL);

  start (self, events, cursor, FALSE, cancellable, callback, user_data, ks_cache_apply_changes_async);
}

gboolean
ks_cache_apply_changes_finish (KsCache      *self,
                               GAsyncResult *result,
                               GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ks_cache_refresh_async (KsCache            *self,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_return_if_fail (KS_IS_CACHE (self));

  start (self, NULL, NULL, TRUE, cancellable, callback, user_data, ks_cache_refresh_async);
}

gboolean
ks_cache_refresh_finish (KsCache      *self,
                         GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
