/* ks-sync-service.c: what keeps running while someone is signed in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-sync-error.h"
#include "ks-sync-service.h"

struct _KsSyncService
{
  GObject parent_instance;

  KsAccount        *account;
  GSettings        *settings;
  KsSyncEngine     *engine;     /* nullable */
  KsCache          *cache;      /* nullable */
  KsFeedFollower   *follower;   /* nullable */
  KsUploadQueue    *queue;      /* nullable */
  KsThumbnailCache *thumbnails; /* owned */
  GCancellable     *cancellable;
  GError           *journal_error; /* nullable: why there is no engine */
  gboolean          starting_over;
};

G_DEFINE_FINAL_TYPE (KsSyncService, ks_sync_service, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ENGINE,
  PROP_CACHE,
  PROP_FOLLOWER,
  PROP_UPLOAD_QUEUE,
  PROP_JOURNAL_ERROR,
  N_PROPS
};

enum
{
  SIGNAL_NOTIFICATION,
  SIGNAL_FAILED,
  SIGNAL_STARTED_OVER,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

/* --- Settings */

static void
apply_settings (KsSyncService *self)
{
  guint kbps = g_settings_get_uint (self->settings, "bandwidth-limit-kbps");

  if (self->engine != NULL)
    {
      ks_sync_engine_set_allow_metered (self->engine,
                                        g_settings_get_boolean (self->settings, "upload-on-metered"));
      ks_sync_engine_set_allow_low_battery (self->engine,
                                            g_settings_get_boolean (self->settings, "upload-on-battery"));
      /* kilobits a second, as network settings say it */
      ks_sync_engine_set_bandwidth_limit (self->engine, (guint64) kbps * 1000 / 8);
    }
  if (self->cache != NULL)
    ks_cache_set_budget (self->cache,
                         (gint64) g_settings_get_uint (self->settings, "cache-budget-mib") * 1024 * 1024);
}

/* --- Starting and stopping */

static void
notification_cb (KsSyncService      *self,
                 KsFeedNotification *notification)
{
  g_signal_emit (self, signals[SIGNAL_NOTIFICATION], 0, notification);
}

typedef struct
{
  KsSyncService *self;
  GCancellable  *cancellable; /* the start it belongs to */
} OpenData;

static OpenData *
open_data_new (KsSyncService *self)
{
  OpenData *data = g_new0 (OpenData, 1);

  data->self = g_object_ref (self);
  data->cancellable = g_object_ref (self->cancellable);
  return data;
}

/* Frees @data; whether the start it belongs to is still the current one
 * (not stopped since, nor stopped and started again). */
static gboolean
open_data_free_is_current (OpenData *data)
{
  gboolean current = data->cancellable == data->self->cancellable &&
                     !g_cancellable_is_cancelled (data->cancellable);

  g_object_unref (data->cancellable);
  g_object_unref (data->self);
  g_free (data);
  return current;
}

static void
cache_opened_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  OpenData *data = user_data;
  g_autoptr (KsSyncService) self = g_object_ref (data->self);
  gboolean current = open_data_free_is_current (data);
  g_autoptr (KsCache) cache = NULL;
  g_autoptr (GError) error = NULL;

  cache = ks_cache_open_finish (result, &error);
  if (cache == NULL || !current)
    {
      if (cache == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_warning ("Shared albums will not work offline: %s", error->message);
          g_signal_emit (self, signals[SIGNAL_FAILED], 0, error->message);
        }
      return;
    }

  self->cache = g_steal_pointer (&cache);
  self->follower = ks_feed_follower_new (self->cache);
  g_signal_connect_swapped (self->follower, "notification", G_CALLBACK (notification_cb), self);
  apply_settings (self);
  ks_feed_follower_start (self->follower);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWER]);
}

typedef struct
{
  char    *path;
  gboolean start_over; /* the journal at @path is damaged: replace it */
  char    *aside;      /* out, with start_over: where the damaged one went */
  guint    n_folders;  /* out, with start_over: the folders it still gave */
} JournalOpen;

static void
journal_open_free (JournalOpen *open)
{
  g_free (open->path);
  g_free (open->aside);
  g_free (open);
}

static void
set_journal_error (KsSyncService *self,
                   const GError  *error)
{
  if (self->journal_error == NULL && error == NULL)
    return;
  g_clear_error (&self->journal_error);
  self->journal_error = error != NULL ? g_error_copy (error) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOURNAL_ERROR]);
}

/* The journal is checked as it opens (PRAGMA quick_check reads every
 * page): on a worker thread. */
static void
open_journal_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  JournalOpen     *open = task_data;
  const char      *path = open->path;
  g_autofree char *dir = g_path_get_dirname (path);
  GError          *error = NULL;
  KsJournal       *journal;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved), _ ("Cannot create %s: %s"),
                               dir, g_strerror (saved));
      return;
    }
  if (open->start_over)
    journal = ks_journal_start_over (path, &open->aside, &open->n_folders, &error);
  else
    journal = ks_journal_open (path, &error);
  if (journal == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, journal, g_object_unref);
}

static void
journal_opened_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  OpenData *data = user_data;
  g_autoptr (KsSyncService) self = g_object_ref (data->self);
  gboolean     current = open_data_free_is_current (data);
  JournalOpen *open = g_task_get_task_data (G_TASK (result));
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *cache_dir = NULL;

  journal = g_task_propagate_pointer (G_TASK (result), &error);
  if (current)
    self->starting_over = FALSE;
  if (journal == NULL || !current)
    {
      if (journal == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_warning ("Folders will not sync: %s", error->message);
          if (current)
            set_journal_error (self, error);
          g_signal_emit (self, signals[SIGNAL_FAILED], 0, error->message);
        }
      return;
    }
  set_journal_error (self, NULL);

  cache_dir = g_build_filename (g_get_user_cache_dir (), "keepsake",
                                ks_account_get_profile_name (self->account), NULL);
  self->engine = ks_sync_engine_new (journal, ks_account_get_api (self->account),
                                     ks_account_get_soup (self->account), cache_dir);
  apply_settings (self);
  ks_sync_engine_start (self->engine);
  if (self->queue != NULL)
    ks_upload_queue_set_engine (self->queue, self->engine);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
  if (open->start_over)
    g_signal_emit (self, signals[SIGNAL_STARTED_OVER], 0, open->n_folders, open->aside);
}

static void
open_journal (KsSyncService *self,
              gboolean       start_over)
{
  g_autoptr (GTask) task = g_task_new (NULL, self->cancellable, journal_opened_cb, open_data_new (self));
  JournalOpen *open = g_new0 (JournalOpen, 1);

  open->path = ks_sync_default_journal_path (ks_account_get_profile_name (self->account));
  open->start_over = start_over;
  g_task_set_source_tag (task, open_journal);
  g_task_set_task_data (task, open, (GDestroyNotify) journal_open_free);
  g_task_run_in_thread (task, open_journal_thread);
}

/* Created on the first ask after signing in: windows and the service
 * both react to "signed-in", in no order they could rely on. */
static void
ensure_queue (KsSyncService *self)
{
  if (self->queue != NULL || !ks_account_get_signed_in (self->account))
    return;

  self->queue = ks_upload_queue_new (self->account, self->thumbnails);
  if (self->engine != NULL)
    ks_upload_queue_set_engine (self->queue, self->engine);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_QUEUE]);
}

static void
start (KsSyncService *self)
{
  const char      *profile = ks_account_get_profile_name (self->account);
  g_autofree char *cache_dir = NULL;

  if (self->engine != NULL || self->cancellable != NULL || profile == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  open_journal (self, FALSE);

  cache_dir = ks_cache_default_dir (profile);
  ks_cache_open_async (cache_dir, ks_account_get_username (self->account),
                       ks_account_get_api (self->account), ks_account_get_soup (self->account),
                       self->cancellable, cache_opened_cb, open_data_new (self));
}

static void
stop (KsSyncService *self)
{
  gboolean had_engine = self->engine != NULL;
  gboolean had_cache = self->cache != NULL;
  gboolean had_queue = self->queue != NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->follower != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->follower, self);
      ks_feed_follower_stop (self->follower);
    }
  g_clear_object (&self->follower);
  if (self->cache != NULL)
    ks_cache_stop (self->cache);
  g_clear_object (&self->cache);
  /* What was dropped and not uploaded waits in the journal. */
  if (self->queue != NULL)
    ks_upload_queue_set_engine (self->queue, NULL);
  g_clear_object (&self->queue);
  if (self->engine != NULL)
    ks_sync_engine_stop (self->engine);
  g_clear_object (&self->engine);
  self->starting_over = FALSE;
  set_journal_error (self, NULL);

  if (had_queue)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOAD_QUEUE]);
  if (had_engine)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
  if (had_cache)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWER]);
    }
}

static void
signed_in_changed_cb (KsSyncService *self)
{
  if (ks_account_get_signed_in (self->account))
    {
      ensure_queue (self);
      start (self);
    }
  else
    stop (self);
}

/* --- GObject */

static void
ks_sync_service_dispose (GObject *object)
{
  KsSyncService *self = KS_SYNC_SERVICE (object);

  if (self->account != NULL)
    g_signal_handlers_disconnect_by_data (self->account, self);
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  stop (self);
  g_clear_object (&self->thumbnails);
  g_clear_object (&self->account);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ks_sync_service_parent_class)->dispose (object);
}

static void
ks_sync_service_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  KsSyncService *self = KS_SYNC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;
    case PROP_FOLLOWER:
      g_value_set_object (value, self->follower);
      break;
    case PROP_UPLOAD_QUEUE:
      g_value_set_object (value, self->queue);
      break;
    case PROP_JOURNAL_ERROR:
      g_value_set_boxed (value, self->journal_error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_sync_service_class_init (KsSyncServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags   ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = ks_sync_service_dispose;
  object_class->get_property = ks_sync_service_get_property;

  properties[PROP_ENGINE] = g_param_spec_object ("engine", NULL, NULL, KS_TYPE_SYNC_ENGINE, ro);
  properties[PROP_CACHE] = g_param_spec_object ("cache", NULL, NULL, KS_TYPE_CACHE, ro);
  properties[PROP_FOLLOWER] = g_param_spec_object ("follower", NULL, NULL, KS_TYPE_FEED_FOLLOWER, ro);
  properties[PROP_UPLOAD_QUEUE] = g_param_spec_object ("upload-queue", NULL, NULL, KS_TYPE_UPLOAD_QUEUE, ro);
  properties[PROP_JOURNAL_ERROR] = g_param_spec_boxed ("journal-error", NULL, NULL, G_TYPE_ERROR, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_NOTIFICATION] = g_signal_new ("notification", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                               1, KS_TYPE_FEED_NOTIFICATION);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_STARTED_OVER] = g_signal_new ("started-over", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT,
                                               G_TYPE_STRING);
}

static void
ks_sync_service_init (KsSyncService *self)
{
}

KsSyncService *
ks_sync_service_new (KsAccount *account,
                     GSettings *settings)
{
  KsSyncService   *self;
  g_autofree char *thumbs = g_build_filename (g_get_user_cache_dir (), "keepsake", "thumbs", NULL);

  g_return_val_if_fail (KS_IS_ACCOUNT (account), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KS_TYPE_SYNC_SERVICE, NULL);
  self->account = g_object_ref (account);
  self->settings = g_object_ref (settings);
  self->thumbnails = ks_thumbnail_cache_new (account, thumbs);
  g_signal_connect_object (account, "notify::signed-in", G_CALLBACK (signed_in_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed", G_CALLBACK (apply_settings), self, G_CONNECT_SWAPPED);
  signed_in_changed_cb (self);
  return self;
}

KsSyncEngine *
ks_sync_service_get_engine (KsSyncService *self)
{
  g_return_val_if_fail (KS_IS_SYNC_SERVICE (self), NULL);

  return self->engine;
}

KsCache *
ks_sync_service_get_cache (KsSyncService *self)
{
  g_return_val_if_fail (KS_IS_SYNC_SERVICE (self), NULL);

  return self->cache;
}

KsFeedFollower *
ks_sync_service_get_follower (KsSyncService *self)
{
  g_return_val_if_fail (KS_IS_SYNC_SERVICE (self), NULL);

  return self->follower;
}

KsUploadQueue *
ks_sync_service_get_upload_queue (KsSyncService *self)
{
  g_return_val_if_fail (KS_IS_SYNC_SERVICE (self), NULL);

  ensure_queue (self);
  return self->queue;
}

KsThumbnailCache *
ks_sync_service_get_thumbnails (KsSyncService *self)
{
  g_return_val_if_fail (KS_IS_SYNC_SERVICE (self), NULL);

  return self->thumbnails;
}

const GError *
ks_sync_service_get_journal_error (KsSyncService *self)
{
  g_return_val_if_fail (KS_IS_SYNC_SERVICE (self), NULL);

  return self->journal_error;
}

void
ks_sync_service_start_over (KsSyncService *self)
{
  g_return_if_fail (KS_IS_SYNC_SERVICE (self));

  if (self->engine != NULL || self->cancellable == NULL || self->starting_over ||
      !g_error_matches (self->journal_error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED))
    return;
  self->starting_over = TRUE;
  open_journal (self, TRUE);
}

void
ks_sync_service_shutdown (KsSyncService *self)
{
  g_return_if_fail (KS_IS_SYNC_SERVICE (self));

  g_signal_handlers_disconnect_by_data (self->account, self);
  stop (self);
}
