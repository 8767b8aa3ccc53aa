/* ks-sync-engine.c: the engine's object: properties, state, start, stop
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "ks-cloud-error.h"
#include "ks-sync-engine-private.h"

#define MAX_ACTIVITY 200
#define REFRESH_MS 250

G_DEFINE_FINAL_TYPE (KsSyncEngine, ks_sync_engine, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_PAUSED,
  PROP_N_QUEUED,
  PROP_N_DONE,
  PROP_N_FAILED,
  PROP_BYTES_DONE,
  PROP_BYTES_TOTAL,
  PROP_CURRENT_FILES,
  PROP_LAST_ERROR,
  PROP_MAX_UPLOADS,
  PROP_BANDWIDTH_LIMIT,
  PROP_ALLOW_METERED,
  PROP_ALLOW_LOW_BATTERY,
  PROP_BATTERY_THRESHOLD,
  PROP_RESCAN_INTERVAL,
  PROP_SETTLE_INTERVAL,
  PROP_MAX_ATTEMPTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
guint              ks_sync_engine_signals[KS_SYNC_N_SIGNALS];

GType
ks_sync_state_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { KS_SYNC_STATE_IDLE, "KS_SYNC_STATE_IDLE", "idle" },
        { KS_SYNC_STATE_SCANNING, "KS_SYNC_STATE_SCANNING", "scanning" },
        { KS_SYNC_STATE_SYNCING, "KS_SYNC_STATE_SYNCING", "syncing" },
        { KS_SYNC_STATE_PAUSED, "KS_SYNC_STATE_PAUSED", "paused" },
        { KS_SYNC_STATE_OFFLINE, "KS_SYNC_STATE_OFFLINE", "offline" },
        { KS_SYNC_STATE_ERROR, "KS_SYNC_STATE_ERROR", "error" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static ("KsSyncState", values));
    }
  return type;
}

const char *
ks_sync_state_to_string (KsSyncState state)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (KS_TYPE_SYNC_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  return value != NULL ? value->value_nick : "unknown";
}

/* ---- state ---- */

gboolean
ks_sync_engine_can_hash (KsSyncEngine *self)
{
  return self->started && !self->paused && self->fatal == NULL;
}

gboolean
ks_sync_engine_can_upload (KsSyncEngine *self)
{
  return ks_sync_engine_can_hash (self) && !self->offline && !(self->metered && !self->allow_metered) &&
         !self->low_battery;
}

void
ks_sync_engine_set_last_error (KsSyncEngine *self,
                               const char   *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

void
ks_sync_engine_complete_sync_tasks (KsSyncEngine *self,
                                    const GError *error)
{
  g_autoptr (GPtrArray) tasks = g_steal_pointer (&self->sync_tasks);

  self->sync_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

void
ks_sync_engine_update_state (KsSyncEngine *self)
{
  KsSyncState state;
  gboolean    busy = g_hash_table_size (self->jobs) > 0;

  if (self->fatal != NULL)
    state = KS_SYNC_STATE_ERROR;
  else if (self->paused)
    state = KS_SYNC_STATE_PAUSED;
  else if (self->offline || self->cache_full ||
           (((self->metered && !self->allow_metered) || self->low_battery) && self->pending > 0))
    state = KS_SYNC_STATE_OFFLINE;
  else if (busy || (self->pending > 0 && self->n_scans == 0))
    state = KS_SYNC_STATE_SYNCING;
  else if (self->n_scans > 0)
    state = KS_SYNC_STATE_SCANNING;
  else
    state = KS_SYNC_STATE_IDLE;

  if (state != self->state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

void
ks_sync_engine_set_fatal (KsSyncEngine *self,
                          const GError *error)
{
  if (self->fatal != NULL)
    return;
  /* Told through the state, "last-error" and the sync tasks; a log
   * line on top would only repeat it. */
  g_debug ("Sync stopped: %s", error->message);
  self->fatal = g_error_copy (error);
  ks_sync_engine_set_last_error (self, error->message);
  ks_sync_queue_cancel_all (self);
  ks_sync_engine_update_state (self);
  ks_sync_engine_complete_sync_tasks (self, error);
}

static void
notify_if (KsSyncEngine *self,
           guint64      *field,
           guint64       value,
           int           prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
update_current_files (KsSyncEngine *self)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) files = NULL;
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((KsSyncJob *) value)->uploading)
      g_strv_builder_add (builder, ((KsSyncJob *) value)->path);
  files = g_strv_builder_end (builder);
  if (self->current_files != NULL && g_strv_equal ((const char *const *) files, (const char *const *) self->current_files))
    return;
  g_strfreev (self->current_files);
  self->current_files = g_steal_pointer (&files);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_FILES]);
}

/* Counts come from the journal, at most a few times a second. */
static void
refresh_counts (KsSyncEngine *self)
{
  guint64        counts[KS_JOURNAL_N_FILE_STATES] = { 0 };
  guint64        queued, pending;
  GHashTableIter iter;
  gpointer       value;

  if (!ks_journal_count_states (self->journal, 0, counts, NULL))
    return;
  queued = counts[KS_JOURNAL_FILE_NEW] + counts[KS_JOURNAL_FILE_SETTLING] + counts[KS_JOURNAL_FILE_HASHING] +
           counts[KS_JOURNAL_FILE_QUEUED] + counts[KS_JOURNAL_FILE_UPLOADING];
  pending = queued;
  g_hash_table_iter_init (&iter, self->folders);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      KsSyncFolder *folder = value;
      guint64       paused[KS_JOURNAL_N_FILE_STATES] = { 0 };

      if (!folder->paused || !ks_journal_count_states (self->journal, folder->id, paused, NULL))
        continue;
      pending -= paused[KS_JOURNAL_FILE_NEW] + paused[KS_JOURNAL_FILE_SETTLING] + paused[KS_JOURNAL_FILE_HASHING] +
                 paused[KS_JOURNAL_FILE_QUEUED] + paused[KS_JOURNAL_FILE_UPLOADING];
    }
  self->pending = pending;

  g_object_freeze_notify (G_OBJECT (self));
  notify_if (self, &self->counts[0], queued, PROP_N_QUEUED);
  notify_if (self, &self->counts[1], counts[KS_JOURNAL_FILE_DONE], PROP_N_DONE);
  notify_if (self, &self->counts[2], counts[KS_JOURNAL_FILE_FAILED], PROP_N_FAILED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_DONE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
  update_current_files (self);
  ks_sync_engine_update_state (self);
  g_object_thaw_notify (G_OBJECT (self));
}

static gboolean
refresh_cb (gpointer user_data)
{
  KsSyncEngine *self = user_data;

  self->refresh_id = 0;
  if (!self->started)
    return G_SOURCE_REMOVE;
  refresh_counts (self);

  /* Everything scanned, nothing in flight, nothing due now or later. */
  if (self->sync_tasks->len > 0 && self->n_scans == 0 && g_hash_table_size (self->jobs) == 0 && self->fatal == NULL)
    {
      if (self->pending == 0)
        ks_sync_engine_complete_sync_tasks (self, NULL);
      else if (self->retry_id == 0 && self->pump_id == 0 && ks_sync_queue_next_retry (self) == 0)
        ks_sync_queue_pump (self);
    }
  return G_SOURCE_REMOVE;
}

void
ks_sync_engine_queue_refresh (KsSyncEngine *self)
{
  if (self->refresh_id == 0 && self->started)
    self->refresh_id = g_timeout_add (REFRESH_MS, refresh_cb, self);
}

void
ks_sync_engine_add_activity (KsSyncEngine      *self,
                             KsSyncActivityKind kind,
                             const char        *path,
                             const char        *photo_id,
                             const char        *message)
{
  g_autoptr (KsSyncActivity) item = ks_sync_activity_new (kind, path, photo_id, message);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->activity));

  if (n >= MAX_ACTIVITY)
    g_list_store_splice (self->activity, MAX_ACTIVITY - 1, n - (MAX_ACTIVITY - 1), NULL, 0);
  g_list_store_insert (self->activity, 0, item);
}

/* ---- the object ---- */

static void
ks_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KsSyncEngine *self = KS_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;
    case PROP_N_QUEUED:
    case PROP_N_DONE:
    case PROP_N_FAILED:
      g_value_set_uint64 (value, self->counts[prop_id - PROP_N_QUEUED]);
      break;
    case PROP_BYTES_DONE:
      g_value_set_uint64 (value, self->bytes_done);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->bytes_total);
      break;
    case PROP_CURRENT_FILES:
      g_value_set_boxed (value, self->current_files);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_MAX_UPLOADS:
      g_value_set_uint (value, self->max_uploads);
      break;
    case PROP_BANDWIDTH_LIMIT:
      g_value_set_uint64 (value, self->bandwidth);
      break;
    case PROP_ALLOW_METERED:
      g_value_set_boolean (value, self->allow_metered);
      break;
    case PROP_ALLOW_LOW_BATTERY:
      g_value_set_boolean (value, self->allow_low_battery);
      break;
    case PROP_BATTERY_THRESHOLD:
      g_value_set_uint (value, self->battery_threshold);
      break;
    case PROP_RESCAN_INTERVAL:
      g_value_set_uint (value, self->rescan_interval);
      break;
    case PROP_SETTLE_INTERVAL:
      g_value_set_uint (value, self->settle_ms);
      break;
    case PROP_MAX_ATTEMPTS:
      g_value_set_uint (value, self->max_attempts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_sync_engine_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KsSyncEngine *self = KS_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_PAUSED:
      ks_sync_engine_set_paused (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_UPLOADS:
      ks_sync_engine_set_max_uploads (self, g_value_get_uint (value));
      break;
    case PROP_BANDWIDTH_LIMIT:
      ks_sync_engine_set_bandwidth_limit (self, g_value_get_uint64 (value));
      break;
    case PROP_ALLOW_METERED:
      ks_sync_engine_set_allow_metered (self, g_value_get_boolean (value));
      break;
    case PROP_ALLOW_LOW_BATTERY:
      ks_sync_engine_set_allow_low_battery (self, g_value_get_boolean (value));
      break;
    case PROP_BATTERY_THRESHOLD:
      ks_sync_engine_set_battery_threshold (self, g_value_get_uint (value));
      break;
    case PROP_RESCAN_INTERVAL:
      ks_sync_engine_set_rescan_interval (self, g_value_get_uint (value));
      break;
    case PROP_SETTLE_INTERVAL:
      ks_sync_engine_set_settle_interval (self, g_value_get_uint (value));
      break;
    case PROP_MAX_ATTEMPTS:
      ks_sync_engine_set_max_attempts (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_sync_engine_dispose (GObject *object)
{
  KsSyncEngine *self = KS_SYNC_ENGINE (object);

  ks_sync_engine_stop (self);
  G_OBJECT_CLASS (ks_sync_engine_parent_class)->dispose (object);
}

static void
ks_sync_engine_finalize (GObject *object)
{
  KsSyncEngine *self = KS_SYNC_ENGINE (object);

  g_hash_table_unref (self->folders);
  g_hash_table_unref (self->jobs);
  g_hash_table_unref (self->busy_shas);
  g_ptr_array_unref (self->album_waiters);
  g_hash_table_unref (self->album_adds);
  g_hash_table_unref (self->albums_adding);
  g_ptr_array_unref (self->sync_tasks);
  g_clear_object (&self->uploader);
  g_clear_object (&self->limiter);
  g_clear_object (&self->api);
  g_clear_object (&self->soup);
  g_clear_object (&self->journal);
  g_clear_object (&self->activity);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->fatal);
  g_strfreev (self->current_files);
  g_free (self->last_error);
  g_free (self->battery_message);
  g_free (self->cache_dir);
  g_free (self->control_path);
  G_OBJECT_CLASS (ks_sync_engine_parent_class)->finalize (object);
}

static GParamSpec *
uint_param (const char *name,
            guint       min,
            guint       max,
            guint       def)
{
  return g_param_spec_uint (name, NULL, NULL, min, max, def,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
uint64_param (const char *name,
              GParamFlags flags)
{
  return g_param_spec_uint64 (name, NULL, NULL, 0, G_MAXUINT64, 0, flags | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static void
ks_sync_engine_class_init (KsSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags   ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags   rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GType         type = G_TYPE_FROM_CLASS (klass);

  object_class->get_property = ks_sync_engine_get_property;
  object_class->set_property = ks_sync_engine_set_property;
  object_class->dispose = ks_sync_engine_dispose;
  object_class->finalize = ks_sync_engine_finalize;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, KS_TYPE_SYNC_STATE, KS_SYNC_STATE_IDLE, ro);
  properties[PROP_PAUSED] = g_param_spec_boolean ("paused", NULL, NULL, FALSE, rw);
  properties[PROP_N_QUEUED] = uint64_param ("n-queued", G_PARAM_READABLE);
  properties[PROP_N_DONE] = uint64_param ("n-done", G_PARAM_READABLE);
  properties[PROP_N_FAILED] = uint64_param ("n-failed", G_PARAM_READABLE);
  properties[PROP_BYTES_DONE] = uint64_param ("bytes-done", G_PARAM_READABLE);
  properties[PROP_BYTES_TOTAL] = uint64_param ("bytes-total", G_PARAM_READABLE);
  properties[PROP_CURRENT_FILES] = g_param_spec_boxed ("current-files", NULL, NULL, G_TYPE_STRV, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_MAX_UPLOADS] = uint_param ("max-uploads", 1, 64, KS_SYNC_DEFAULT_MAX_UPLOADS);
  properties[PROP_BANDWIDTH_LIMIT] = uint64_param ("bandwidth-limit", G_PARAM_READWRITE);
  properties[PROP_ALLOW_METERED] = g_param_spec_boolean ("allow-metered", NULL, NULL, FALSE, rw);
  properties[PROP_ALLOW_LOW_BATTERY] = g_param_spec_boolean ("allow-low-battery", NULL, NULL, FALSE, rw);
  properties[PROP_BATTERY_THRESHOLD] = uint_param ("battery-threshold", 0, 100, KS_SYNC_DEFAULT_BATTERY_THRESHOLD);
  properties[PROP_RESCAN_INTERVAL] = uint_param ("rescan-interval", 0, G_MAXUINT, KS_SYNC_DEFAULT_RESCAN_INTERVAL);
  properties[PROP_SETTLE_INTERVAL] = uint_param ("settle-interval", 10, G_MAXUINT, KS_WATCHER_DEFAULT_SETTLE_MS);
  properties[PROP_MAX_ATTEMPTS] = uint_param ("max-attempts", 1, 1000, KS_SYNC_DEFAULT_MAX_ATTEMPTS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_PREPARED] =
      g_signal_new ("file-prepared", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_STRING, G_TYPE_FILE, G_TYPE_STRING);
  ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_PROGRESS] =
      g_signal_new ("file-progress", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_STRING, G_TYPE_UINT64, G_TYPE_UINT64);
  ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_DONE] =
      g_signal_new ("file-done", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_FAILED] =
      g_signal_new ("file-failed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                    G_TYPE_STRING, G_TYPE_ERROR);
  ks_sync_engine_signals[KS_SYNC_SIGNAL_FILE_DISMISSED] =
      g_signal_new ("file-dismissed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  ks_sync_engine_signals[KS_SYNC_SIGNAL_SCAN_FINISHED] =
      g_signal_new ("scan-finished", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                    G_TYPE_STRING, G_TYPE_UINT);
}

static void
ks_sync_engine_init (KsSyncEngine *self)
{
  self->lock_fd = -1;
  self->folders = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) ks_sync_folder_free);
  self->jobs = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->busy_shas = g_hash_table_new (g_str_hash, g_str_equal);
  self->album_waiters = g_ptr_array_new ();
  self->album_adds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->albums_adding = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->sync_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->activity = g_list_store_new (KS_TYPE_SYNC_ACTIVITY);
  self->max_uploads = KS_SYNC_DEFAULT_MAX_UPLOADS;
  self->max_hashing = MAX (2, g_get_num_processors ());
  self->max_attempts = KS_SYNC_DEFAULT_MAX_ATTEMPTS;
  self->battery_threshold = KS_SYNC_DEFAULT_BATTERY_THRESHOLD;
  self->rescan_interval = KS_SYNC_DEFAULT_RESCAN_INTERVAL;
  self->settle_ms = KS_WATCHER_DEFAULT_SETTLE_MS;
  self->retry_base_ms = 2000;
  self->probe_delay_ms = 500;
}

KsSyncEngine *
ks_sync_engine_new (KsJournal   *journal,
                    KsApiClient *api,
                    SoupSession *soup,
                    const char  *cache_dir)
{
  KsSyncEngine *self;

  g_return_val_if_fail (KS_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (KS_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (SOUP_IS_SESSION (soup), NULL);
  g_return_val_if_fail (cache_dir != NULL, NULL);

  self = g_object_new (KS_TYPE_SYNC_ENGINE, NULL);
  self->journal = g_object_ref (journal);
  self->api = g_object_ref (api);
  self->soup = g_object_ref (soup);
  self->cache_dir = g_strdup (cache_dir);
  self->control_path = g_strconcat (ks_journal_get_path (journal), ".control", NULL);
  self->limiter = ks_rate_limiter_new (0);
  self->uploader = ks_uploader_new (api, soup, KS_RESUME_STORE (journal), self->limiter);
  ks_uploader_set_max_transfers (self->uploader, self->max_uploads);
  self->context = g_main_context_ref_thread_default ();
  self->paused = ks_sync_control_get_paused (ks_journal_get_path (journal));
  return self;
}

/* ---- simple accessors ---- */

KsJournal *
ks_sync_engine_get_journal (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), NULL);
  return self->journal;
}

KsSyncState
ks_sync_engine_get_state (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), KS_SYNC_STATE_ERROR);
  return self->state;
}

gboolean
ks_sync_engine_get_paused (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), FALSE);
  return self->paused;
}

void
ks_sync_engine_set_max_uploads (KsSyncEngine *self,
                                guint         n)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  n = CLAMP (n, 1, 64);
  if (self->max_uploads == n)
    return;
  self->max_uploads = n;
  ks_uploader_set_max_transfers (self->uploader, n);
  ks_sync_queue_pump (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_UPLOADS]);
}

void
ks_sync_engine_set_bandwidth_limit (KsSyncEngine *self,
                                    guint64       bytes_per_second)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  if (self->bandwidth == bytes_per_second)
    return;
  self->bandwidth = bytes_per_second;
  ks_rate_limiter_set_rate (self->limiter, bytes_per_second);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BANDWIDTH_LIMIT]);
}

void
ks_sync_engine_set_allow_metered (KsSyncEngine *self,
                                  gboolean      allow)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  if (self->allow_metered == !!allow)
    return;
  self->allow_metered = !!allow;
  ks_sync_queue_pump (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_METERED]);
}

void
ks_sync_engine_set_allow_low_battery (KsSyncEngine *self,
                                      gboolean      allow)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  if (self->allow_low_battery == !!allow)
    return;
  self->allow_low_battery = !!allow;
  ks_sync_power_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ALLOW_LOW_BATTERY]);
}

void
ks_sync_engine_set_battery_threshold (KsSyncEngine *self,
                                      guint         percent)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  percent = MIN (percent, 100);
  if (self->battery_threshold == percent)
    return;
  self->battery_threshold = percent;
  ks_sync_power_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BATTERY_THRESHOLD]);
}

void
ks_sync_engine_set_settle_interval (KsSyncEngine *self,
                                    guint         msec)
{
  GHashTableIter iter;
  gpointer       value;

  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  if (self->settle_ms == msec)
    return;
  self->settle_ms = msec;
  g_hash_table_iter_init (&iter, self->folders);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((KsSyncFolder *) value)->watcher != NULL)
      ks_watcher_set_settle_interval (((KsSyncFolder *) value)->watcher, msec);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTLE_INTERVAL]);
}

void
ks_sync_engine_set_max_attempts (KsSyncEngine *self,
                                 guint         n)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  n = MAX (n, 1);
  if (self->max_attempts == n)
    return;
  self->max_attempts = n;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_ATTEMPTS]);
}

void
ks_sync_engine_set_retry_base (KsSyncEngine *self,
                               guint         base_ms)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  self->retry_base_ms = MAX (base_ms, 1);
}

void
ks_sync_engine_get_counts (KsSyncEngine *self,
                           guint64      *out_queued,
                           guint64      *out_done,
                           guint64      *out_failed)
{
  g_return_if_fail (KS_IS_SYNC_ENGINE (self));
  refresh_counts (self);
  if (out_queued != NULL)
    *out_queued = self->counts[0];
  if (out_done != NULL)
    *out_done = self->counts[1];
  if (out_failed != NULL)
    *out_failed = self->counts[2];
}

GStrv
ks_sync_engine_dup_current_files (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), NULL);
  return self->current_files != NULL ? g_strdupv (self->current_files) : g_new0 (char *, 1);
}

const char *
ks_sync_engine_get_last_error (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), NULL);
  return self->last_error;
}

KsSyncWait
ks_sync_engine_get_wait (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), KS_SYNC_WAIT_NONE);

  if (self->state != KS_SYNC_STATE_OFFLINE)
    return KS_SYNC_WAIT_NONE;
  if (self->cache_full)
    return KS_SYNC_WAIT_CACHE;
  if (self->offline)
    return KS_SYNC_WAIT_OFFLINE;
  if (self->metered && !self->allow_metered)
    return KS_SYNC_WAIT_METERED;
  return KS_SYNC_WAIT_BATTERY;
}

const GError *
ks_sync_engine_get_error (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), NULL);
  return self->fatal;
}

GListModel *
ks_sync_engine_get_activity (KsSyncEngine *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ENGINE (self), NULL);
  return G_LIST_MODEL (self->activity);
}

void
ks_sync_engine_notify_paused (KsSyncEngine *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

void
ks_sync_engine_notify_rescan_interval (KsSyncEngine *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESCAN_INTERVAL]);
}
