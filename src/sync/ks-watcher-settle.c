/* ks-watcher-settle.c: changes waiting to settle, removals waiting for
 * the root check
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One timer ticks while anything waits, a few times per settle
 * interval; with nothing pending there is no timer at all.
 */
#include "config.h"

#include <sys/stat.h>

#include "ks-watcher-private.h"

typedef struct
{
  gint64   size;
  gint64   mtime; /* µs */
  guint64  inode;
  gboolean valid;
} Snapshot;

typedef struct
{
  gint64   last_event; /* monotonic µs */
  gboolean hint;       /* closed after its last write */
  gboolean is_new;     /* appeared while watched, never reported */
  gboolean reported;   /* lingering after a report, to drop echoes */
  gint64   reported_at;
  Snapshot snap; /* at the last event or check */
  Snapshot reported_as;
} Record;

typedef struct
{
  char    *rel;
  Snapshot snap;
} Settled;

static void
settled_free (gpointer data)
{
  Settled *s = data;

  g_free (s->rel);
  g_free (s);
}

gboolean
ks_watcher_path_stat (KsWatcher  *self,
                      const char *rel,
                      GStatBuf   *st)
{
  g_autofree char *path = g_build_filename (self->root_path, rel, NULL);

  return g_lstat (path, st) == 0;
}

static void
snapshot_from_stat (Snapshot       *snap,
                    const GStatBuf *st)
{
  snap->size = st->st_size;
  snap->mtime = (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
  snap->inode = st->st_ino;
  snap->valid = TRUE;
}

static gboolean
snapshot_equal (const Snapshot *a,
                const Snapshot *b)
{
  return a->valid && b->valid && a->size == b->size && a->mtime == b->mtime &&
         a->inode == b->inode;
}

static gint64
hint_delay_us (KsWatcher *self)
{
  return (gint64) MAX (self->settle_ms / 5, 20) * 1000;
}

static gboolean tick_cb (gpointer user_data);

static void
ensure_tick (KsWatcher *self)
{
  guint interval = CLAMP (self->settle_ms / 5, 10, 250);

  if (self->tick_id != 0)
    return;
  self->tick_id = g_timeout_add (interval, tick_cb, self);
  g_source_set_name_by_id (self->tick_id, "[ks] watcher settle");
}

void
ks_watcher_note_change (KsWatcher  *self,
                        const char *rel,
                        KsChange    change,
                        gboolean    is_new)
{
  Record  *record = g_hash_table_lookup (self->records, rel);
  GStatBuf st;

  if (record == NULL)
    {
      record = g_new0 (Record, 1);
      record->is_new = is_new;
      g_hash_table_insert (self->records, g_strdup (rel), record);
    }

  record->last_event = g_get_monotonic_time ();
  record->reported = FALSE;
  if (change == KS_CHANGE_DONE)
    record->hint = TRUE;
  else if (change == KS_CHANGE_WRITE)
    record->hint = FALSE;

  if (ks_watcher_path_stat (self, rel, &st) && S_ISREG (st.st_mode))
    snapshot_from_stat (&record->snap, &st);
  else
    record->snap.valid = FALSE;

  ensure_tick (self);
}

/* TRUE when @rel was a new file nobody has heard of yet. */
gboolean
ks_watcher_forget (KsWatcher  *self,
                   const char *rel)
{
  Record  *record = g_hash_table_lookup (self->records, rel);
  gboolean unknown = record != NULL && record->is_new && !record->reported_as.valid;

  g_hash_table_remove (self->records, rel);
  return unknown;
}

static gboolean
has_prefix_dir (const char *rel,
                const char *dir)
{
  gsize len = strlen (dir);

  return strncmp (rel, dir, len) == 0 && rel[len] == '/';
}

/* Moves the record of @old_rel, and those under it when it is a
 * directory. TRUE when @old_rel was a file nobody has heard of yet. */
gboolean
ks_watcher_rename_records (KsWatcher  *self,
                           const char *old_rel,
                           const char *new_rel)
{
  g_autoptr (GPtrArray) moved = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer       key, value;
  gboolean       unknown = FALSE;
  Record        *record;

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (has_prefix_dir (key, old_rel))
        {
          g_ptr_array_add (moved, g_strconcat (new_rel, (char *) key + strlen (old_rel), NULL));
          g_ptr_array_add (moved, value);
          g_hash_table_iter_steal (&iter);
          g_free (key);
        }
    }
  for (guint i = 0; i < moved->len; i += 2)
    g_hash_table_replace (self->records, moved->pdata[i], moved->pdata[i + 1]);

  if (g_hash_table_steal_extended (self->records, old_rel, &key, &value))
    {
      record = value;
      unknown = record->is_new && !record->reported_as.valid;
      g_free (key);
      g_hash_table_replace (self->records, g_strdup (new_rel), record);
    }
  return unknown;
}

void
ks_watcher_queue_removal (KsWatcher  *self,
                          const char *rel,
                          gboolean    is_dir)
{
  if (g_hash_table_size (self->removals) == 0)
    self->removals_since = g_get_monotonic_time ();
  g_hash_table_replace (self->removals, g_strdup (rel), GINT_TO_POINTER (is_dir));
  ensure_tick (self);
}

/* The root first: a vanished root explains every removal at once, and
 * then none of them is reported. */
static void
flush_removals (KsWatcher *self)
{
  g_autoptr (GHashTable) removals = NULL;
  GList *sorted;

  if (!ks_watcher_check_root (self))
    return;

  removals = g_steal_pointer (&self->removals);
  self->removals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sorted = g_list_sort (g_hash_table_get_keys (removals), (GCompareFunc) g_strcmp0);

  for (GList *l = sorted; l != NULL && ks_watcher_is_active (self); l = l->next)
    {
      const char *rel = l->data;
      gboolean    is_dir = GPOINTER_TO_INT (g_hash_table_lookup (removals, rel));
      GStatBuf    st;

      /* Something took its place since: its own event covers it. */
      if (ks_watcher_path_stat (self, rel, &st))
        continue;
      g_signal_emit (self, ks_watcher_signals[is_dir ? KS_WATCHER_SIGNAL_DIR_REMOVED : KS_WATCHER_SIGNAL_FILE_REMOVED], 0, rel);
    }
  g_list_free (sorted);
}

/* Returns a Settled when @record is ready to be reported, and drops
 * records that are done. */
static Settled *
check_record (KsWatcher      *self,
              GHashTableIter *iter,
              const char     *rel,
              Record         *record,
              gint64          now)
{
  gint64   settle_us = (gint64) self->settle_ms * 1000;
  gint64   need = record->hint ? hint_delay_us (self) : settle_us;
  Snapshot snap = { 0 };
  GStatBuf st;
  Settled *settled;

  if (record->reported)
    {
      if (now - record->reported_at >= 2 * settle_us)
        g_hash_table_iter_remove (iter);
      return NULL;
    }
  if (now - record->last_event < need)
    return NULL;

  if (!ks_watcher_path_stat (self, rel, &st) || !S_ISREG (st.st_mode))
    {
      g_hash_table_iter_remove (iter);
      return NULL;
    }
  snapshot_from_stat (&snap, &st);
  if (!snapshot_equal (&snap, &record->snap))
    {
      /* Still being written without telling us: wait a full interval. */
      record->snap = snap;
      record->last_event = now;
      record->hint = FALSE;
      return NULL;
    }

  record->reported = TRUE;
  record->reported_at = now;
  if (snapshot_equal (&snap, &record->reported_as))
    return NULL;
  record->reported_as = snap;
  record->is_new = FALSE;

  settled = g_new0 (Settled, 1);
  settled->rel = g_strdup (rel);
  settled->snap = snap;
  return settled;
}

static gboolean
tick_cb (gpointer user_data)
{
  KsWatcher *self = user_data;
  g_autoptr (GPtrArray) settled = g_ptr_array_new_with_free_func (settled_free);
  gint64         now = g_get_monotonic_time ();
  guint          tick_id = self->tick_id;
  GHashTableIter iter;
  gpointer       key, value;

  if (g_hash_table_size (self->removals) > 0 &&
      now - self->removals_since >= (gint64) self->settle_ms * 1000)
    {
      flush_removals (self);
      if (self->tick_id != tick_id)
        return G_SOURCE_REMOVE; /* paused or stopped meanwhile */
    }

  g_hash_table_iter_init (&iter, self->records);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Settled *s = check_record (self, &iter, key, value, now);

      if (s != NULL)
        g_ptr_array_add (settled, s);
    }

  if (g_hash_table_size (self->records) == 0 && g_hash_table_size (self->removals) == 0)
    self->tick_id = 0;

  for (guint i = 0; i < settled->len && ks_watcher_is_active (self); i++)
    {
      Settled *s = settled->pdata[i];

      g_signal_emit (self, ks_watcher_signals[KS_WATCHER_SIGNAL_FILE_SETTLED], 0,
                     s->rel, s->snap.size, s->snap.mtime, s->snap.inode);
    }

  return self->tick_id == tick_id && tick_id != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void
ks_watcher_settle_init (KsWatcher *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->removals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Pending changes are dropped: after a pause or stop a rescan finds
 * them again. */
void
ks_watcher_settle_clear (KsWatcher *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->records != NULL)
    g_hash_table_remove_all (self->records);
  if (self->removals != NULL)
    g_hash_table_remove_all (self->removals);
}
