/* ks-watcher-events.c: monitor events as file-level news
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With G_FILE_MONITOR_WATCH_MOVES a rename inside one directory is
 * RENAMED on its monitor, and a move between two watched directories
 * is MOVED_OUT on the source's (with the destination) plus MOVED_IN on
 * the destination's (with the source): the MOVED_OUT reports it.
 */
#include "config.h"

#include <sys/stat.h>

#include "ks-watcher-private.h"

/* Relative to the root; NULL for the root itself and outside it. */
static char *
rel_of (KsWatcher *self,
        GFile     *file)
{
  return file != NULL ? g_file_get_relative_path (self->root, file) : NULL;
}

void
ks_watcher_on_created (KsWatcher  *self,
                       const char *rel,
                       gboolean    complete)
{
  GStatBuf st;

  if (ks_watcher_rel_is_ignored (rel))
    return;
  /* Gone already (a temporary file renamed into place): the record
   * still tells its rename or removal apart from a known file's. */
  if (!ks_watcher_path_stat (self, rel, &st))
    ks_watcher_note_change (self, rel, KS_CHANGE_WRITE, TRUE);
  else if (S_ISDIR (st.st_mode))
    ks_watcher_add_dir (self, rel, TRUE);
  else if (S_ISREG (st.st_mode))
    ks_watcher_note_change (self, rel, complete ? KS_CHANGE_DONE : KS_CHANGE_WRITE, TRUE);
}

void
ks_watcher_on_removed (KsWatcher  *self,
                       const char *rel)
{
  if (ks_watcher_rel_is_ignored (rel))
    return;
  if (ks_watcher_has_dir (self, rel))
    {
      ks_watcher_remove_subtree (self, rel);
      ks_watcher_queue_removal (self, rel, TRUE);
    }
  else if (!ks_watcher_forget (self, rel))
    ks_watcher_queue_removal (self, rel, FALSE);
}

/* @new_rel: (nullable): NULL when moved out of the root. */
void
ks_watcher_on_moved (KsWatcher  *self,
                     const char *old_rel,
                     const char *new_rel)
{
  gboolean old_ignored = ks_watcher_rel_is_ignored (old_rel);
  gboolean new_ignored = new_rel == NULL || ks_watcher_rel_is_ignored (new_rel);
  gboolean had_dir;
  GStatBuf st;

  if (old_ignored && new_ignored)
    return;
  if (old_ignored)
    {
      ks_watcher_on_created (self, new_rel, TRUE);
      return;
    }
  if (new_ignored)
    {
      ks_watcher_on_removed (self, old_rel);
      return;
    }

  had_dir = ks_watcher_has_dir (self, old_rel);
  if (had_dir || (ks_watcher_path_stat (self, new_rel, &st) && S_ISDIR (st.st_mode)))
    {
      /* The old monitors report under stale paths: watch anew. */
      ks_watcher_remove_subtree (self, old_rel);
      ks_watcher_rename_records (self, old_rel, new_rel);
      ks_watcher_add_dir (self, new_rel, !had_dir);
      g_signal_emit (self, ks_watcher_signals[KS_WATCHER_SIGNAL_DIR_RENAMED], 0, old_rel, new_rel);
      return;
    }

  if (!ks_watcher_rename_records (self, old_rel, new_rel))
    g_signal_emit (self, ks_watcher_signals[KS_WATCHER_SIGNAL_FILE_RENAMED], 0, old_rel, new_rel);
}

static void
on_changed (KsWatcher  *self,
            const char *rel,
            KsChange    change)
{
  if (ks_watcher_rel_is_ignored (rel) || ks_watcher_has_dir (self, rel))
    return;
  ks_watcher_note_change (self, rel, change, FALSE);
}

/* The other half of a move between two watched directories comes as
 * MOVED_OUT on the source's monitor; that one reports it. */
static gboolean
move_seen_at_source (KsWatcher  *self,
                     const char *other_rel)
{
  g_autofree char *dir = NULL;
  KsWatch         *w;

  if (other_rel == NULL || ks_watcher_rel_is_ignored (other_rel))
    return FALSE;
  dir = g_path_get_dirname (other_rel);
  w = g_hash_table_lookup (self->watches, g_str_equal (dir, ".") ? "" : dir);
  return w != NULL && w->monitor != NULL;
}

static void
on_self_event (KsWatch          *w,
               GFileMonitorEvent event)
{
  /* A subdirectory's own deletion or move is its parent's news. */
  if (*w->rel == '\0' && (event == G_FILE_MONITOR_EVENT_DELETED ||
                          event == G_FILE_MONITOR_EVENT_MOVED_OUT ||
                          event == G_FILE_MONITOR_EVENT_RENAMED))
    {
      g_autofree char *reason =
          g_strdup_printf ("The folder “%s” was removed or moved", w->self->root_path);

      ks_watcher_enter_paused (w->self, reason);
    }
}

void
ks_watcher_monitor_changed_cb (GFileMonitor     *monitor,
                               GFile            *child,
                               GFile            *other,
                               GFileMonitorEvent event,
                               gpointer          user_data)
{
  KsWatch         *w = user_data;
  KsWatcher       *self = w->self;
  g_autofree char *rel = NULL;
  g_autofree char *other_rel = NULL;

  if (!ks_watcher_is_active (self))
    return;

  if (event == G_FILE_MONITOR_EVENT_UNMOUNTED)
    {
      g_autofree char *dir = g_strdup (w->rel);
      g_autofree char *reason = NULL;

      if (*dir != '\0')
        {
          /* A disk mounted inside the tree: watch what is there now. */
          ks_watcher_remove_subtree (self, dir);
          ks_watcher_add_dir (self, dir, FALSE);
          return;
        }
      reason = g_strdup_printf ("The disk holding “%s” was removed", self->root_path);
      ks_watcher_enter_paused (self, reason);
      return;
    }

  rel = rel_of (self, child);
  if (rel == NULL ? *w->rel == '\0' : g_str_equal (rel, w->rel))
    {
      on_self_event (w, event);
      return;
    }
  if (rel == NULL)
    return;
  other_rel = rel_of (self, other);

  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CREATED:
      ks_watcher_on_created (self, rel, FALSE);
      break;
    case G_FILE_MONITOR_EVENT_CHANGED:
      on_changed (self, rel, KS_CHANGE_WRITE);
      break;
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
      on_changed (self, rel, KS_CHANGE_DONE);
      break;
    case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
      on_changed (self, rel, KS_CHANGE_ATTRIBUTE);
      break;
    case G_FILE_MONITOR_EVENT_DELETED:
      ks_watcher_on_removed (self, rel);
      break;
    case G_FILE_MONITOR_EVENT_MOVED_IN:
      if (!move_seen_at_source (self, other_rel))
        ks_watcher_on_created (self, rel, TRUE);
      break;
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    case G_FILE_MONITOR_EVENT_RENAMED:
      ks_watcher_on_moved (self, rel, other_rel);
      break;
    case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
    case G_FILE_MONITOR_EVENT_UNMOUNTED:
    case G_FILE_MONITOR_EVENT_MOVED:
    default:
      break;
    }
}
