/* ks-cache-files.c: thumbnails, previews and originals on disk
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ks-cache-private.h"
#include "ks-hash.h"
#include "ks-transfer.h"

#define PARTIAL_SUFFIX ".ks-partial"
/* A URL this close to expiring is fetched again before use. */
#define URL_MARGIN_USEC (60 * G_USEC_PER_SEC)

static char *
blob_key (const char     *photo_id,
          KsCacheFileKind kind)
{
  return g_strconcat (photo_id, "/", ks_cache_file_kind_to_string (kind), NULL);
}

GFile *
ks_cache_dup_file_path (KsCache        *self,
                        const char     *photo_id,
                        KsCacheFileKind kind)
{
  g_autofree char *relative = ks_cache_blob_path (photo_id, kind);

  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return g_file_new_build_filename (self->dir, relative, NULL);
}

void
ks_cache_unlink_paths (const char *dir,
                       GPtrArray  *paths)
{
  for (guint i = 0; paths != NULL && i < paths->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (paths, i), NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        g_debug ("Could not remove %s: %s", path, g_strerror (errno));
    }
}

/* ---- the sweep at open: the disk agrees with the database ---- */

static void
sweep_subdir (const char *dir,
              const char *sub,
              GHashTable *states,
              GHashTable *seen)
{
  g_autofree char *path = g_build_filename (dir, "files", sub, NULL);
  g_autoptr (GDir) handle = g_dir_open (path, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *relative = g_build_filename ("files", sub, name, NULL);
      g_autofree char *full = g_build_filename (path, name, NULL);
      const char      *state;

      if (name[0] == '.' && g_str_has_suffix (name, PARTIAL_SUFFIX))
        {
          g_autofree char *target_name = g_strndup (name + 1, strlen (name) - 1 - strlen (PARTIAL_SUFFIX));
          g_autofree char *target = g_build_filename ("files", sub, target_name, NULL);

          /* A partial download of a file still wanted is resumed. */
          if (g_strcmp0 (g_hash_table_lookup (states, target), "missing") == 0)
            continue;
        }
      else if ((state = g_hash_table_lookup (states, relative)) != NULL && g_str_equal (state, "present"))
        {
          g_hash_table_add (seen, g_steal_pointer (&relative));
          continue;
        }
      g_debug ("Cache: removing unknown file %s", full);
      g_unlink (full);
    }
}

gboolean
ks_cache_sweep_files (KsCacheDb  *db,
                      const char *dir,
                      GError    **error)
{
  g_autoptr (GHashTable) states = ks_cache_db_blob_states (db, error);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *files = g_build_filename (dir, "files", NULL);
  g_autoptr (GDir) handle = NULL;
  GHashTableIter iter;
  gpointer       key, value;
  const char    *name;

  if (states == NULL)
    return FALSE;
  g_mkdir_with_parents (files, 0700);
  handle = g_dir_open (files, 0, NULL);
  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    sweep_subdir (dir, name, states, seen);

  /* Rows that claim a file the disk lost: fetch them again. */
  g_hash_table_iter_init (&iter, states);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autofree char *base = g_path_get_basename (key);
      char            *dot = strrchr (base, '.');
      KsCacheFileKind  kind;

      if (!g_str_equal (value, "present") || g_hash_table_contains (seen, key) || dot == NULL)
        continue;
      *dot = '\0';
      if (ks_cache_file_kind_from_string (dot + 1, &kind) &&
          !ks_cache_db_set_blob_state (db, base, kind, NULL, "missing", error) && error != NULL && *error != NULL)
        return FALSE;
    }
  return TRUE;
}

/* ---- eviction ---- */

static void
evict_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  KsCache *self = source;
  gint64   budget = *(gint64 *) task_data;
  g_autoptr (GPtrArray) unlink = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;

  if (!ks_cache_db_begin (self->db, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!ks_cache_db_evict (self->db, budget, unlink, &error))
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
  g_task_return_int (task, unlink->len);
}

/* One eviction at a time; callers of ks_cache_evict_async() hear back
 * once none is pending, so they see the files gone. */
static void
evict_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  KsCache *self = KS_CACHE (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) waiters = NULL;
  gssize n = g_task_propagate_int (G_TASK (result), &error);

  self->evicting = FALSE;
  if (n < 0)
    g_warning ("Could not evict from the album cache: %s", error->message);
  else
    self->evicted += (guint) n;
  if (n > 0)
    ks_cache_emit_changed (self, NULL);
  if (self->evict_again && !g_cancellable_is_cancelled (self->cancellable))
    {
      ks_cache_schedule_evict (self);
      return;
    }

  waiters = g_steal_pointer (&self->evict_waiters);
  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_int (task, self->evicted);
    }
  self->evicted = 0;
}

void
ks_cache_schedule_evict (KsCache *self)
{
  g_autoptr (GTask) task = NULL;
  gint64 *budget;

  if (self->evicting)
    {
      self->evict_again = TRUE;
      return;
    }
  self->evicting = TRUE;
  self->evict_again = FALSE;
  budget = g_new (gint64, 1);
  *budget = self->budget;
  task = g_task_new (self, NULL, evict_done_cb, NULL);
  g_task_set_source_tag (task, ks_cache_schedule_evict);
  g_task_set_task_data (task, budget, g_free);
  g_task_run_in_thread (task, evict_thread);
}

void
ks_cache_evict_async (KsCache            *self,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KS_IS_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cache_evict_async);
  if (self->evict_waiters == NULL)
    self->evict_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->evict_waiters, task);
  ks_cache_schedule_evict (self);
}

gboolean
ks_cache_evict_finish (KsCache      *self,
                       GAsyncResult *result,
                       guint        *out_removed,
                       GError      **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (out_removed != NULL)
    *out_removed = (guint) n;
  return TRUE;
}

/* ---- downloads ---- */

typedef struct
{
  KsCache     *self; /* owned */
  KsCacheBlob *blob; /* owned */
  char        *key;  /* owned */
  gboolean     background;
  gboolean     refreshed; /* fresh URLs were fetched once already */
} Job;

static void job_download (Job *job);

gboolean
ks_cache_error_is_offline (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK) ||
      g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_SERVER))
    return TRUE;
  return error->domain == G_RESOLVER_ERROR || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
}

static void
job_finish (Job    *job,
            GError *error)
{
  KsCache *self = job->self;
  g_autoptr (GPtrArray) waiters = NULL;
  gpointer stolen_key = NULL, stolen_value = NULL;

  if (g_hash_table_steal_extended (self->busy, job->key, &stolen_key, &stolen_value))
    {
      g_free (stolen_key);
      waiters = stolen_value;
    }
  if (job->background)
    self->n_running--;

  if (error != NULL && ks_cache_error_is_offline (error))
    ks_cache_set_offline (self, TRUE);
  else if (error != NULL && job->background && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("Cache: giving up on %s for now: %s", job->key, error->message);
      g_hash_table_add (self->failed, g_strdup (job->key));
    }

  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, ks_cache_dup_file_path (self, job->blob->photo_id, job->blob->kind),
                               g_object_unref);
    }

  if (error == NULL)
    {
      ks_cache_emit_file_ready (self, job->blob->photo_id, job->blob->kind);
      ks_cache_schedule_evict (self);
    }
  g_clear_error (&error);
  ks_cache_blob_free (job->blob);
  g_free (job->key);
  g_free (job);
  ks_cache_kick_downloads (self);
  /* The job's reference may be the last one: drop it once self is no longer used. */
  g_object_unref (self);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Job         *job = user_data;
  KsCache     *self = job->self;
  GError      *error = NULL;
  KsCacheBlob *blob;

  if (!ks_cache_refresh_album_finish (self, result, &error))
    {
      job_finish (job, error);
      return;
    }
  blob = ks_cache_db_get_blob (self->db, job->blob->photo_id, job->blob->kind, &error);
  if (blob == NULL)
    {
      job_finish (job, error);
      return;
    }
  ks_cache_blob_free (job->blob);
  job->blob = blob;
  job_download (job);
}

/* Presigned URLs live an hour: older ones come with the album again. */
static void
job_refresh_urls (Job *job)
{
  KsCache         *self = job->self;
  g_autofree char *album_id = ks_cache_db_album_of_photo (self->db, job->blob->photo_id);

  job->refreshed = TRUE;
  if (album_id == NULL)
    {
      job_finish (job, g_error_new (KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND,
                                    _ ("The photo is not in any cached album any more")));
      return;
    }
  ks_cache_refresh_album_async (self, album_id, self->cancellable, refreshed_cb, job);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Job     *job = user_data;
  KsCache *self = job->self;
  GError  *error = NULL;

  if (!ks_download_finish (result, &error))
    {
      if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED) && !job->refreshed)
        {
          g_clear_error (&error);
          job_refresh_urls (job);
          return;
        }
      job_finish (job, error);
      return;
    }

  ks_cache_set_offline (self, FALSE);
  if (!ks_cache_db_set_blob_state (self->db, job->blob->photo_id, job->blob->kind, job->blob->sha256, "present",
                                   &error))
    {
      /* The photo left the cache while it downloaded. */
      g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (paths, ks_cache_blob_path (job->blob->photo_id, job->blob->kind));
      ks_cache_unlink_paths (self->dir, paths);
      if (error == NULL)
        error = g_error_new (KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND, _ ("The photo is no longer in the cache"));
    }
  job_finish (job, error);
}

static void
job_download (Job *job)
{
  KsCache *self = job->self;
  g_autoptr (GFile) dest = NULL;
  g_autoptr (GFile) parent = NULL;

  if (self->soup == NULL)
    {
      job_finish (job, g_error_new (KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK, _ ("The file is not in the cache")));
      return;
    }
  if (!job->refreshed && (job->blob->url == NULL || job->blob->expires < g_get_real_time () + URL_MARGIN_USEC))
    {
      job_refresh_urls (job);
      return;
    }
  if (job->blob->url == NULL)
    {
      job_finish (job, g_error_new (KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND, _ ("The server offers no such file")));
      return;
    }

  dest = ks_cache_dup_file_path (self, job->blob->photo_id, job->blob->kind);
  parent = g_file_get_parent (dest);
  g_file_make_directory_with_parents (parent, NULL, NULL);
  ks_download_async (self->soup, job->blob->url, dest, job->blob->sha256, job->blob->size, self->limiter, NULL,
                     NULL, self->cancellable, downloaded_cb, job);
}

void
ks_cache_start_job (KsCache     *self,
                    KsCacheBlob *blob,
                    gboolean     background,
                    GTask       *waiter)
{
  char      *key = blob_key (blob->photo_id, blob->kind);
  GPtrArray *waiters = g_hash_table_lookup (self->busy, key);
  Job       *job;

  if (waiters != NULL)
    {
      if (waiter != NULL)
        g_ptr_array_add (waiters, g_object_ref (waiter));
      ks_cache_blob_free (blob);
      g_free (key);
      return;
    }
  waiters = g_ptr_array_new_with_free_func (g_object_unref);
  if (waiter != NULL)
    g_ptr_array_add (waiters, g_object_ref (waiter));
  g_hash_table_insert (self->busy, g_strdup (key), waiters);

  job = g_new0 (Job, 1);
  job->self = g_object_ref (self);
  job->blob = blob;
  job->key = key;
  job->background = background;
  if (background)
    self->n_running++;
  job_download (job);
}

void
ks_cache_kick_downloads (KsCache *self)
{
  g_autoptr (GPtrArray) blobs = NULL;
  g_autoptr (GHashTable) skip = NULL;
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  gpointer       key;

  if (!self->background || self->offline || self->soup == NULL || self->db == NULL ||
      self->n_running >= self->concurrency || g_cancellable_is_cancelled (self->cancellable))
    return;

  skip = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_iter_init (&iter, self->busy);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (skip, key);
  g_hash_table_iter_init (&iter, self->failed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (skip, key);

  blobs = ks_cache_db_next_blobs (self->db, NULL, skip, self->concurrency - self->n_running, &error);
  if (blobs == NULL)
    {
      g_warning ("Album cache: %s", error->message);
      return;
    }
  while (blobs->len > 0)
    ks_cache_start_job (self, g_ptr_array_steal_index (blobs, 0), TRUE, NULL);
}
