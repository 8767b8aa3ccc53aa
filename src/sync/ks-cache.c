/* ks-cache.c: the object, opening, reading, pins and the budget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "ks-cache-private.h"
#include "ks-sqlite.h"

G_DEFINE_FINAL_TYPE (KsCache, ks_cache, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_OFFLINE,
  PROP_OFFLINE_SINCE,
  PROP_BUDGET,
  N_PROPS
};

enum
{
  SIGNAL_CHANGED,
  SIGNAL_FILE_READY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

#define DEFAULT_CONCURRENCY 4

static void
ks_cache_dispose (GObject *object)
{
  ks_cache_stop (KS_CACHE (object));
  G_OBJECT_CLASS (ks_cache_parent_class)->dispose (object);
}

static void
ks_cache_finalize (GObject *object)
{
  KsCache *self = KS_CACHE (object);

  g_clear_object (&self->cancellable);
  g_queue_clear_full (&self->serial_queue, g_object_unref);
  g_clear_pointer (&self->evict_waiters, g_ptr_array_unref);
  g_clear_pointer (&self->busy, g_hash_table_unref);
  g_clear_pointer (&self->failed, g_hash_table_unref);
  g_clear_pointer (&self->db, ks_cache_db_free);
  g_clear_object (&self->limiter);
  g_clear_object (&self->soup);
  g_clear_object (&self->api);
  g_free (self->username);
  g_free (self->dir);
  G_OBJECT_CLASS (ks_cache_parent_class)->finalize (object);
}

static void
ks_cache_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  KsCache *self = KS_CACHE (object);

  switch (prop_id)
    {
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;
    case PROP_OFFLINE_SINCE:
      g_value_set_int64 (value, self->offline_since);
      break;
    case PROP_BUDGET:
      g_value_set_int64 (value, self->budget);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_cache_class_init (KsCacheClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_cache_dispose;
  object_class->finalize = ks_cache_finalize;
  object_class->get_property = ks_cache_get_property;

  properties[PROP_OFFLINE] = g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OFFLINE_SINCE] = g_param_spec_int64 ("offline-since", NULL, NULL, 0, G_MAXINT64, 0,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BUDGET] = g_param_spec_int64 ("budget", NULL, NULL, 0, G_MAXINT64, KS_CACHE_DEFAULT_BUDGET,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_FILE_READY] = g_signal_new ("file-ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                             NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
}

static void
ks_cache_init (KsCache *self)
{
  self->budget = KS_CACHE_DEFAULT_BUDGET;
  self->concurrency = DEFAULT_CONCURRENCY;
  self->background = TRUE;
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->serial_queue);
  self->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
ks_cache_emit_changed (KsCache    *self,
                       const char *album_id)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0, album_id);
}

void
ks_cache_emit_file_ready (KsCache        *self,
                          const char     *photo_id,
                          KsCacheFileKind kind)
{
  g_signal_emit (self, signals[SIGNAL_FILE_READY], 0, photo_id, (int) kind);
}

char *
ks_cache_default_dir (const char *profile_name)
{
  return g_build_filename (g_get_user_cache_dir (), "keepsake", profile_name, NULL);
}

/* ---- opening ---- */

typedef struct
{
  char      *dir;
  char      *username;
  KsCacheDb *db;
  gint64     budget;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->dir);
  g_free (data->username);
  g_clear_pointer (&data->db, ks_cache_db_free);
  g_free (data);
}

/* A cache holds one user's view: another user starts from nothing. */
static gboolean
check_owner (OpenData *data,
             GError  **error)
{
  g_autofree char *stored = ks_cache_db_get_meta (data->db, "username");
  g_autoptr (GPtrArray) unlink = g_ptr_array_new_with_free_func (g_free);

  if (stored != NULL && g_ascii_strcasecmp (stored, data->username) == 0)
    return TRUE;
  if (stored != NULL)
    g_debug ("Cache %s belonged to another user: emptying it", data->dir);
  if (!ks_cache_db_begin (data->db, error))
    return FALSE;
  if (!ks_cache_db_clear (data->db, unlink, error) ||
      !ks_cache_db_set_meta (data->db, "username", data->username, error))
    {
      ks_cache_db_rollback (data->db);
      return FALSE;
    }
  return ks_cache_db_commit (data->db, error);
}

static void
remove_database (const char *path)
{
  g_auto (GStrv) files = ks_sqlite_files (path);

  for (guint i = 0; files[i] != NULL; i++)
    {
      if (g_unlink (files[i]) != 0 && errno != ENOENT)
        g_debug ("Could not remove %s: %s", files[i], g_strerror (errno));
    }
}

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenData        *data = task_data;
  g_autofree char *path = g_build_filename (data->dir, "cache.db", NULL);
  g_autofree char *budget = NULL;
  GError          *error = NULL;

  if (g_mkdir_with_parents (data->dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _ ("Could not create the album cache %s: %s"), data->dir, g_strerror (saved));
      return;
    }
  data->db = ks_cache_db_open (path, &error);
  /* It holds nothing the server does not: a damaged one starts afresh,
   * and the sweep removes the files it listed. */
  if (data->db == NULL && g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED))
    {
      g_message ("The album cache %s is damaged; starting it afresh", path);
      g_clear_error (&error);
      remove_database (path);
      data->db = ks_cache_db_open (path, &error);
    }
  if (data->db == NULL || !check_owner (data, &error) || !ks_cache_sweep_files (data->db, data->dir, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  budget = ks_cache_db_get_meta (data->db, "budget");
  data->budget = budget != NULL ? g_ascii_strtoll (budget, NULL, 10) : KS_CACHE_DEFAULT_BUDGET;
  g_task_return_boolean (task, TRUE);
}

void
ks_cache_open_async (const char         *dir,
                     const char         *username,
                     KsApiClient        *api,
                     SoupSession        *soup,
                     GCancellable       *cancellable,
                     GAsyncReadyCallback callback,
                     gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  KsCache  *self;
  OpenData *data;

  g_return_if_fail (dir != NULL);
  g_return_if_fail (username != NULL);

  self = g_object_new (KS_TYPE_CACHE, NULL);
  self->dir = g_strdup (dir);
  self->username = g_strdup (username);
  g_set_object (&self->api, api);
  g_set_object (&self->soup, soup);

  data = g_new0 (OpenData, 1);
  data->dir = g_strdup (dir);
  data->username = g_strdup (username);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cache_open_async);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);
  g_task_run_in_thread (task, open_thread);
  g_object_unref (self);
}

KsCache *
ks_cache_open_finish (GAsyncResult *result,
                      GError      **error)
{
  KsCache  *self = g_task_get_source_object (G_TASK (result));
  OpenData *data = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_cache_open_async, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  self->db = g_steal_pointer (&data->db);
  self->budget = data->budget > 0 ? data->budget : KS_CACHE_DEFAULT_BUDGET;
  return g_object_ref (self);
}

/* ---- properties and settings ---- */

const char *
ks_cache_get_dir (KsCache *self)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return self->dir;
}

const char *
ks_cache_get_username (KsCache *self)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return self->username;
}

KsApiClient *
ks_cache_get_api (KsCache *self)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return self->api;
}

gboolean
ks_cache_get_offline (KsCache *self)
{
  g_return_val_if_fail (KS_IS_CACHE (self), FALSE);
  return self->offline;
}

gint64
ks_cache_get_offline_since (KsCache *self)
{
  g_return_val_if_fail (KS_IS_CACHE (self), 0);
  return self->offline_since;
}

void
ks_cache_set_offline (KsCache *self,
                      gboolean offline)
{
  g_return_if_fail (KS_IS_CACHE (self));

  if (self->offline == !!offline)
    return;
  self->offline = !!offline;
  self->offline_since = offline ? g_get_real_time () : 0;
  g_debug ("Cache %s: %s", self->dir, offline ? "offline" : "online again");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE_SINCE]);
  if (!offline)
    {
      /* What failed for want of a network may work now. */
      g_hash_table_remove_all (self->failed);
      ks_cache_kick_downloads (self);
    }
}

gint64
ks_cache_get_budget (KsCache *self)
{
  g_return_val_if_fail (KS_IS_CACHE (self), 0);
  return self->budget;
}

void
ks_cache_set_budget (KsCache *self,
                     gint64   bytes)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (KS_IS_CACHE (self));
  g_return_if_fail (bytes > 0);

  text = g_strdup_printf ("%" G_GINT64_FORMAT, bytes);
  if (!ks_cache_db_set_meta (self->db, "budget", text, &error))
    g_warning ("Could not store the cache budget: %s", error->message);
  if (self->budget == bytes)
    return;
  self->budget = bytes;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUDGET]);
  ks_cache_schedule_evict (self);
}

void
ks_cache_stop (KsCache *self)
{
  g_return_if_fail (KS_IS_CACHE (self));
  g_cancellable_cancel (self->cancellable);
}

void
ks_cache_set_download_concurrency (KsCache *self,
                                   guint    n)
{
  g_return_if_fail (KS_IS_CACHE (self));
  self->concurrency = MAX (n, 1);
  ks_cache_kick_downloads (self);
}

void
ks_cache_set_rate_limiter (KsCache       *self,
                           KsRateLimiter *limiter)
{
  g_return_if_fail (KS_IS_CACHE (self));
  g_set_object (&self->limiter, limiter);
}

void
ks_cache_set_background_downloads (KsCache *self,
                                   gboolean enabled)
{
  g_return_if_fail (KS_IS_CACHE (self));
  self->background = enabled;
  ks_cache_kick_downloads (self);
}

void
ks_cache_fetch_missing (KsCache *self)
{
  g_return_if_fail (KS_IS_CACHE (self));
  ks_cache_kick_downloads (self);
}

/* ---- reading ---- */

GPtrArray *
ks_cache_list_albums (KsCache *self,
                      gboolean shared_only,
                      GError **error)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return ks_cache_db_list_albums (self->db, shared_only ? self->username : NULL, error);
}

KsCachedAlbum *
ks_cache_get_album (KsCache    *self,
                    const char *album_id,
                    GError    **error)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return ks_cache_db_get_album (self->db, album_id, error);
}

GPtrArray *
ks_cache_list_members (KsCache    *self,
                       const char *album_id,
                       GError    **error)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return ks_cache_db_list_members (self->db, album_id, error);
}

GPtrArray *
ks_cache_list_photos (KsCache    *self,
                      const char *album_id,
                      GError    **error)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return ks_cache_db_list_photos (self->db, album_id, error);
}

KsCacheStatus
ks_cache_get_status (KsCache *self)
{
  KsCacheStatus status = { 0 };

  g_return_val_if_fail (KS_IS_CACHE (self), status);
  ks_cache_db_get_status (self->db, &status);
  status.budget = self->budget;
  return status;
}

char *
ks_cache_dup_cursor (KsCache *self)
{
  g_return_val_if_fail (KS_IS_CACHE (self), NULL);
  return ks_cache_db_get_meta (self->db, "cursor");
}

gboolean
ks_cache_reset_cursor (KsCache *self,
                       GError **error)
{
  g_return_val_if_fail (KS_IS_CACHE (self), FALSE);
  return ks_cache_db_set_meta (self->db, "cursor", NULL, error);
}

gboolean
ks_cache_mark_viewed (KsCache    *self,
                      const char *photo_id,
                      GError    **error)
{
  g_return_val_if_fail (KS_IS_CACHE (self), FALSE);
  return ks_cache_db_touch_photo (self->db, photo_id, error);
}

gboolean
ks_cache_set_pinned (KsCache    *self,
                     const char *album_id,
                     gboolean    pinned,
                     gboolean    keep_originals,
                     GError    **error)
{
  g_return_val_if_fail (KS_IS_CACHE (self), FALSE);

  if (!ks_cache_db_set_pinned (self->db, album_id, pinned, keep_originals, error))
    return FALSE;
  ks_cache_emit_changed (self, album_id);
  if (pinned)
    ks_cache_kick_downloads (self);
  else
    ks_cache_schedule_evict (self);
  return TRUE;
}

/* ---- clearing ---- */

static void
clear_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  KsCache *self = source;
  g_autoptr (GPtrArray) unlink = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;

  if (!ks_cache_db_begin (self->db, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!ks_cache_db_clear (self->db, unlink, &error) ||
      !ks_cache_db_set_meta (self->db, "username", self->username, &error))
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
  /* Whatever else is there (partial downloads) goes too. */
  if (!ks_cache_sweep_files (self->db, self->dir, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
ks_cache_clear_async (KsCache            *self,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (KS_IS_CACHE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_cache_clear_async);
  g_hash_table_remove_all (self->failed);
  g_task_run_in_thread (task, clear_thread);
}

gboolean
ks_cache_clear_finish (KsCache      *self,
                       GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  ks_cache_emit_changed (self, NULL);
  return TRUE;
}
