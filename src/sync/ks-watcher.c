/* ks-watcher.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Events of the per-directory monitors become file-level news here; a
 * root that goes away pauses everything instead, since an unmounted
 * disk or a deleted folder must never read as "every photo deleted".
 */
#include "config.h"

#include <sys/stat.h>

#include "ks-image-info.h"
#include "ks-watcher-private.h"

guint ks_watcher_signals[KS_WATCHER_N_SIGNALS];

enum
{
  PROP_0,
  PROP_ROOT,
  PROP_SETTLE_INTERVAL,
  PROP_POLL_INTERVAL,
  PROP_FORCE_POLLING,
  PROP_STATE,
  PROP_DEGRADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (KsWatcherState, ks_watcher_state, G_DEFINE_ENUM_VALUE (KS_WATCHER_STOPPED, "stopped"), G_DEFINE_ENUM_VALUE (KS_WATCHER_STARTING, "starting"), G_DEFINE_ENUM_VALUE (KS_WATCHER_WATCHING, "watching"), G_DEFINE_ENUM_VALUE (KS_WATCHER_PAUSED, "paused"))

G_DEFINE_FINAL_TYPE (KsWatcher, ks_watcher, G_TYPE_OBJECT)

static void begin_setup (KsWatcher *self);

/* ---- small helpers ---- */

char *
ks_watcher_child_rel (const char *dir_rel,
                      const char *name)
{
  return *dir_rel ? g_strconcat (dir_rel, "/", name, NULL) : g_strdup (name);
}

gboolean
ks_watcher_rel_is_ignored (const char *rel)
{
  g_auto (GStrv) parts = g_strsplit (rel, "/", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (ks_image_info_name_is_ignored (parts[i]))
        return TRUE;
    }
  return FALSE;
}

static gboolean
unref_idle_cb (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

/* Monitors are dropped from their own "changed" handlers: the last
 * unref waits for an idle. */
void
ks_watcher_dispose_monitor (GFileMonitor *monitor)
{
  GSource *source;

  g_signal_handlers_disconnect_matched (monitor, G_SIGNAL_MATCH_ID,
                                        g_signal_lookup ("changed", G_TYPE_FILE_MONITOR),
                                        0, NULL, NULL, NULL);
  g_file_monitor_cancel (monitor);
  source = g_idle_source_new ();
  g_source_set_callback (source, unref_idle_cb, monitor, g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

void
ks_watcher_set_state (KsWatcher     *self,
                      KsWatcherState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- pausing and resuming ---- */

static void watch_ancestor (KsWatcher *self);

static gboolean
try_resume (KsWatcher *self)
{
  KsRootIdentity identity;

  if (self->state != KS_WATCHER_PAUSED)
    return FALSE;
  /* A mount point without its disk is an empty directory: not back. */
  if (!ks_root_identity_read (self->root, &identity, NULL) ||
      (self->had_mount && !identity.mount_point))
    {
      watch_ancestor (self);
      return FALSE;
    }

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->resume_idle_id, g_source_remove);
  if (self->ancestor_monitor != NULL)
    ks_watcher_dispose_monitor (g_steal_pointer (&self->ancestor_monitor));

  self->identity = identity;
  self->had_mount = identity.mount_point;
  self->resuming = TRUE;
  begin_setup (self);
  return TRUE;
}

static gboolean
resume_idle_cb (gpointer user_data)
{
  KsWatcher *self = user_data;

  self->resume_idle_id = 0;
  try_resume (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_resume_check (KsWatcher *self)
{
  if (self->resume_idle_id == 0 && self->state == KS_WATCHER_PAUSED)
    self->resume_idle_id = g_idle_add (resume_idle_cb, self);
}

static gboolean
retry_cb (gpointer user_data)
{
  KsWatcher *self = user_data;

  if (try_resume (self))
    return G_SOURCE_REMOVE; /* try_resume() cleared retry_id */
  return G_SOURCE_CONTINUE;
}

static void
ancestor_changed_cb (GFileMonitor     *monitor,
                     GFile            *child,
                     GFile            *other,
                     GFileMonitorEvent event,
                     gpointer          user_data)
{
  schedule_resume_check (KS_WATCHER (user_data));
}

/* The nearest existing parent of the root sees it come back at once. */
static void
watch_ancestor (KsWatcher *self)
{
  g_autofree char *path = g_path_get_dirname (self->root_path);
  g_autoptr (GFile) dir = NULL;

  while (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      char *up = g_path_get_dirname (path);

      g_free (path);
      path = up;
    }
  dir = g_file_new_for_path (path);

  if (self->ancestor_monitor != NULL)
    {
      if (g_object_get_data (G_OBJECT (self->ancestor_monitor), "ks-path") != NULL &&
          g_str_equal (g_object_get_data (G_OBJECT (self->ancestor_monitor), "ks-path"), path))
        return;
      ks_watcher_dispose_monitor (g_steal_pointer (&self->ancestor_monitor));
    }

  self->ancestor_monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_NONE, NULL, NULL);
  if (self->ancestor_monitor == NULL)
    return;
  g_object_set_data_full (G_OBJECT (self->ancestor_monitor), "ks-path",
                          g_steal_pointer (&path), g_free);
  g_signal_connect (self->ancestor_monitor, "changed", G_CALLBACK (ancestor_changed_cb), self);
}

static void
stop_waiting (KsWatcher *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->resume_idle_id, g_source_remove);
  if (self->ancestor_monitor != NULL)
    ks_watcher_dispose_monitor (g_steal_pointer (&self->ancestor_monitor));
}

void
ks_watcher_enter_paused (KsWatcher  *self,
                         const char *reason)
{
  g_debug ("Pausing %s: %s", self->root_path, reason);
  ks_watcher_tree_clear (self);
  ks_watcher_settle_clear (self);
  self->resuming = FALSE;
  ks_watcher_set_state (self, KS_WATCHER_PAUSED);

  self->retry_id = g_timeout_add (MAX (self->poll_ms, 10), retry_cb, self);
  g_source_set_name_by_id (self->retry_id, "[ks] watcher paused");
  watch_ancestor (self);
  /* A replaced root may be back already. */
  schedule_resume_check (self);

  g_signal_emit (self, ks_watcher_signals[KS_WATCHER_SIGNAL_PAUSED], 0, reason);
}

static void
pause_gone (KsWatcher *self)
{
  g_autofree char *reason =
      g_strdup_printf ("The folder “%s” was removed or moved", self->root_path);

  ks_watcher_enter_paused (self, reason);
}

gboolean
ks_watcher_check_root (KsWatcher *self)
{
  KsRootIdentity   now;
  g_autofree char *reason = NULL;

  g_return_val_if_fail (KS_IS_WATCHER (self), FALSE);

  if (!ks_watcher_is_active (self))
    return FALSE;

  if (!ks_root_identity_read (self->root, &now, NULL))
    reason = g_strdup_printf ("The folder “%s” is missing", self->root_path);
  else if (now.device != self->identity.device)
    reason = g_strdup_printf ("The disk holding “%s” was removed or changed", self->root_path);
  else if (now.inode != self->identity.inode)
    reason = g_strdup_printf ("The folder “%s” was replaced", self->root_path);

  if (reason != NULL)
    ks_watcher_enter_paused (self, reason);
  return ks_watcher_is_active (self);
}

static void
mounts_changed_cb (GUnixMountMonitor *mounts,
                   gpointer           user_data)
{
  KsWatcher *self = user_data;

  if (self->state == KS_WATCHER_PAUSED)
    schedule_resume_check (self);
  else
    ks_watcher_check_root (self);
}

/* ---- setup ---- */

static void
begin_setup (KsWatcher *self)
{
  ks_watcher_set_state (self, KS_WATCHER_STARTING);
  ks_watcher_add_dir (self, "", FALSE);
  if (!ks_watcher_has_dir (self, ""))
    pause_gone (self);
  else if (self->listings == 0)
    ks_watcher_setup_done (self);
}

void
ks_watcher_setup_done (KsWatcher *self)
{
  ks_watcher_set_state (self, KS_WATCHER_WATCHING);
  if (self->resuming)
    {
      self->resuming = FALSE;
      g_signal_emit (self, ks_watcher_signals[KS_WATCHER_SIGNAL_RESUMED], 0);
    }
}

void
ks_watcher_start (KsWatcher *self)
{
  KsRootIdentity identity;

  g_return_if_fail (KS_IS_WATCHER (self));

  if (self->state != KS_WATCHER_STOPPED)
    return;

  self->mounts = g_unix_mount_monitor_get ();
  g_signal_connect (self->mounts, "mounts-changed", G_CALLBACK (mounts_changed_cb), self);

  if (!ks_root_identity_read (self->root, &identity, NULL))
    {
      g_autofree char *reason = g_strdup_printf ("The folder “%s” is missing", self->root_path);

      /* Paused from the start, and resumed once it exists. */
      self->had_mount = FALSE;
      self->state = KS_WATCHER_STARTING;
      ks_watcher_enter_paused (self, reason);
      return;
    }

  self->identity = identity;
  self->had_mount = identity.mount_point;
  self->resuming = FALSE;
  begin_setup (self);
}

void
ks_watcher_stop (KsWatcher *self)
{
  g_return_if_fail (KS_IS_WATCHER (self));

  ks_watcher_tree_clear (self);
  ks_watcher_settle_clear (self);
  stop_waiting (self);
  if (self->mounts != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->mounts, self);
      g_clear_object (&self->mounts);
    }
  self->resuming = FALSE;
  if (self->degraded)
    {
      self->degraded = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEGRADED]);
    }
  ks_watcher_set_state (self, KS_WATCHER_STOPPED);
}

/* ---- object ---- */

KsWatcher *
ks_watcher_new (GFile *root)
{
  g_return_val_if_fail (G_IS_FILE (root), NULL);

  return g_object_new (KS_TYPE_WATCHER, "root", root, NULL);
}

GFile *
ks_watcher_get_root (KsWatcher *self)
{
  g_return_val_if_fail (KS_IS_WATCHER (self), NULL);

  return self->root;
}

KsWatcherState
ks_watcher_get_state (KsWatcher *self)
{
  g_return_val_if_fail (KS_IS_WATCHER (self), KS_WATCHER_STOPPED);

  return self->state;
}

gboolean
ks_watcher_get_degraded (KsWatcher *self)
{
  g_return_val_if_fail (KS_IS_WATCHER (self), FALSE);

  return self->degraded;
}

void
ks_watcher_set_settle_interval (KsWatcher *self,
                                guint      msec)
{
  g_return_if_fail (KS_IS_WATCHER (self));

  if (self->settle_ms == msec)
    return;
  self->settle_ms = msec;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTLE_INTERVAL]);
}

guint
ks_watcher_get_settle_interval (KsWatcher *self)
{
  g_return_val_if_fail (KS_IS_WATCHER (self), 0);

  return self->settle_ms;
}

void
ks_watcher_set_poll_interval (KsWatcher *self,
                              guint      msec)
{
  g_return_if_fail (KS_IS_WATCHER (self));

  if (self->poll_ms == msec)
    return;
  self->poll_ms = msec;
  /* Picks the new interval up. */
  g_clear_handle_id (&self->poll_id, g_source_remove);
  ks_watcher_update_poll_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLL_INTERVAL]);
}

guint
ks_watcher_get_poll_interval (KsWatcher *self)
{
  g_return_val_if_fail (KS_IS_WATCHER (self), 0);

  return self->poll_ms;
}

guint
ks_watcher_get_n_monitored (KsWatcher *self)
{
  g_return_val_if_fail (KS_IS_WATCHER (self), 0);

  return g_hash_table_size (self->watches) - self->n_polled;
}

guint
ks_watcher_get_n_polled (KsWatcher *self)
{
  g_return_val_if_fail (KS_IS_WATCHER (self), 0);

  return self->n_polled;
}

static void
ks_watcher_constructed (GObject *object)
{
  KsWatcher *self = KS_WATCHER (object);

  G_OBJECT_CLASS (ks_watcher_parent_class)->constructed (object);

  g_assert (self->root != NULL);
  self->root_path = g_file_get_path (self->root);
  g_return_if_fail (self->root_path != NULL);
}

static void
ks_watcher_dispose (GObject *object)
{
  KsWatcher *self = KS_WATCHER (object);

  ks_watcher_tree_clear (self);
  ks_watcher_settle_clear (self);
  stop_waiting (self);
  if (self->mounts != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->mounts, self);
      g_clear_object (&self->mounts);
    }

  G_OBJECT_CLASS (ks_watcher_parent_class)->dispose (object);
}

static void
ks_watcher_finalize (GObject *object)
{
  KsWatcher *self = KS_WATCHER (object);

  g_clear_pointer (&self->watches, g_hash_table_unref);
  g_clear_pointer (&self->records, g_hash_table_unref);
  g_clear_pointer (&self->removals, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->root);
  g_free (self->root_path);

  G_OBJECT_CLASS (ks_watcher_parent_class)->finalize (object);
}

static void
ks_watcher_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  KsWatcher *self = KS_WATCHER (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      g_value_set_object (value, self->root);
      break;
    case PROP_SETTLE_INTERVAL:
      g_value_set_uint (value, self->settle_ms);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_ms);
      break;
    case PROP_FORCE_POLLING:
      g_value_set_boolean (value, self->force_polling);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_DEGRADED:
      g_value_set_boolean (value, self->degraded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_watcher_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  KsWatcher *self = KS_WATCHER (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      self->root = g_value_dup_object (value);
      break;
    case PROP_SETTLE_INTERVAL:
      ks_watcher_set_settle_interval (self, g_value_get_uint (value));
      break;
    case PROP_POLL_INTERVAL:
      ks_watcher_set_poll_interval (self, g_value_get_uint (value));
      break;
    case PROP_FORCE_POLLING:
      self->force_polling = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_signals (GType type)
{
  const GSignalFlags flags = G_SIGNAL_RUN_LAST;
  const GType        str = G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE;

  ks_watcher_signals[KS_WATCHER_SIGNAL_FILE_SETTLED] =
      g_signal_new ("file-settled", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                    str, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_UINT64);
  ks_watcher_signals[KS_WATCHER_SIGNAL_FILE_RENAMED] =
      g_signal_new ("file-renamed", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, str, str);
  ks_watcher_signals[KS_WATCHER_SIGNAL_FILE_REMOVED] =
      g_signal_new ("file-removed", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, str);
  ks_watcher_signals[KS_WATCHER_SIGNAL_DIR_RENAMED] =
      g_signal_new ("dir-renamed", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 2, str, str);
  ks_watcher_signals[KS_WATCHER_SIGNAL_DIR_REMOVED] =
      g_signal_new ("dir-removed", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, str);
  ks_watcher_signals[KS_WATCHER_SIGNAL_PAUSED] =
      g_signal_new ("paused", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, str);
  ks_watcher_signals[KS_WATCHER_SIGNAL_RESUMED] =
      g_signal_new ("resumed", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  ks_watcher_signals[KS_WATCHER_SIGNAL_DEGRADED] =
      g_signal_new ("degraded", type, flags, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, str);
}

static void
ks_watcher_class_init (KsWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ks_watcher_constructed;
  object_class->dispose = ks_watcher_dispose;
  object_class->finalize = ks_watcher_finalize;
  object_class->get_property = ks_watcher_get_property;
  object_class->set_property = ks_watcher_set_property;

  properties[PROP_ROOT] =
      g_param_spec_object ("root", NULL, NULL, G_TYPE_FILE,
                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTLE_INTERVAL] =
      g_param_spec_uint ("settle-interval", NULL, NULL, 10, 10 * 60 * 1000,
                         KS_WATCHER_DEFAULT_SETTLE_MS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_POLL_INTERVAL] =
      g_param_spec_uint ("poll-interval", NULL, NULL, 10, 24 * 60 * 60 * 1000,
                         KS_WATCHER_DEFAULT_POLL_MS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* For tests, and for file systems inotify does not see (NFS, FUSE). */
  properties[PROP_FORCE_POLLING] =
      g_param_spec_boolean ("force-polling", NULL, NULL, FALSE,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
      g_param_spec_enum ("state", NULL, NULL, KS_TYPE_WATCHER_STATE, KS_WATCHER_STOPPED,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DEGRADED] =
      g_param_spec_boolean ("degraded", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  add_signals (G_TYPE_FROM_CLASS (klass));
}

static void
ks_watcher_init (KsWatcher *self)
{
  self->settle_ms = KS_WATCHER_DEFAULT_SETTLE_MS;
  self->poll_ms = KS_WATCHER_DEFAULT_POLL_MS;
  ks_watcher_tree_init (self);
  ks_watcher_settle_init (self);
}
