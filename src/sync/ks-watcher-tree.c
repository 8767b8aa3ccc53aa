/* ks-watcher-tree.c: a monitor per directory, listings, polling fallback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib's inotify backend never fails g_file_monitor_directory() when
 * the watch limit is reached: it quietly puts the directory on a list
 * it retries every few seconds and delivers nothing meanwhile. So each
 * directory is first tried on a private inotify descriptor (and the
 * watch dropped at once): ENOSPC there means the directory is polled.
 *
 * A directory's monitor is created before the directory is read, so a
 * file created in between is seen twice (harmless) rather than never.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

#include "ks-image-info.h"
#include "ks-watcher-private.h"

typedef enum
{
  PROBE_OK,
  PROBE_FULL,
  PROBE_GONE,
} Probe;

typedef struct
{
  char      *rel;
  guint      serial;
  gboolean   report;     /* files found are news */
  gboolean   with_files; /* else directories only */
  int        error;      /* errno, 0 when read */
  GPtrArray *entries;    /* KsPollEntry */
} Listing;

typedef struct
{
  char      *root_path;
  GPtrArray *listings; /* Listing */
} ListJob;

static void
poll_entry_free (gpointer data)
{
  KsPollEntry *entry = data;

  g_free (entry->name);
  g_free (entry);
}

static void
listing_free (gpointer data)
{
  Listing *listing = data;

  g_free (listing->rel);
  g_clear_pointer (&listing->entries, g_ptr_array_unref);
  g_free (listing);
}

static void
list_job_free (gpointer data)
{
  ListJob *job = data;

  g_free (job->root_path);
  g_ptr_array_unref (job->listings);
  g_free (job);
}

static void
watch_free (gpointer data)
{
  KsWatch *w = data;

  if (w->monitor != NULL)
    ks_watcher_dispose_monitor (g_steal_pointer (&w->monitor));
  else
    w->self->n_polled--;
  g_clear_pointer (&w->baseline, g_hash_table_unref);
  g_free (w->rel);
  g_free (w);
}

/* ---- listing, on a worker thread ---- */

static void
read_listing (const char *root_path,
              Listing    *listing)
{
  g_autofree char *path = g_build_filename (root_path, listing->rel, NULL);
  int              flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  struct dirent   *de;
  DIR             *dir;
  int              fd;

  /* Only the root may be a symlink. */
  fd = open (path, *listing->rel ? flags | O_NOFOLLOW : flags);
  if (fd < 0 || (dir = fdopendir (fd)) == NULL)
    {
      listing->error = errno;
      if (fd >= 0)
        close (fd);
      return;
    }

  listing->entries = g_ptr_array_new_with_free_func (poll_entry_free);
  while ((de = readdir (dir)) != NULL)
    {
      KsPollEntry *entry;
      struct stat  st;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0 ||
          de->d_type == DT_LNK || ks_image_info_name_is_ignored (de->d_name))
        continue;
      if (!listing->with_files && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
        continue;
      if (fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (!S_ISDIR (st.st_mode) && !(listing->with_files && S_ISREG (st.st_mode)))
        continue;

      entry = g_new0 (KsPollEntry, 1);
      entry->name = g_strdup (de->d_name);
      entry->is_dir = S_ISDIR (st.st_mode);
      entry->size = st.st_size;
      entry->mtime = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
      entry->inode = st.st_ino;
      g_ptr_array_add (listing->entries, entry);
    }
  closedir (dir);
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ListJob *job = task_data;

  for (guint i = 0; i < job->listings->len && !g_cancellable_is_cancelled (cancellable); i++)
    read_listing (job->root_path, g_ptr_array_index (job->listings, i));
  g_task_return_boolean (task, TRUE);
}

static void
list_async (KsWatcher          *self,
            GPtrArray          *listings,
            GAsyncReadyCallback callback)
{
  g_autoptr (GTask) task = g_task_new (self, self->cancellable, callback, NULL);
  ListJob *job = g_new0 (ListJob, 1);

  job->root_path = g_strdup (self->root_path);
  job->listings = listings;
  g_task_set_source_tag (task, list_async);
  g_task_set_name (task, "[ks] watcher listing");
  g_task_set_task_data (task, job, list_job_free);
  g_task_run_in_thread (task, list_thread);
}

/* The listings of a finished task, or NULL when its setup was dropped. */
static GPtrArray *
list_finish (GAsyncResult *result)
{
  GTask   *task = G_TASK (result);
  ListJob *job = g_task_get_task_data (task);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return NULL;
  return job->listings;
}

/* ---- monitors ---- */

/* One descriptor for the process: inotify instances are few per user. */
static int
probe_fd (void)
{
  static gsize fd_once = 0;
  static int   fd = -1;

  if (g_once_init_enter (&fd_once))
    {
#ifdef __linux__
      fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
#endif
      g_once_init_leave (&fd_once, 1);
    }
  return fd;
}

static Probe
probe_watch (const char *path)
{
#ifdef __linux__
  static GMutex lock;
  char          buf[4096] __attribute__ ((aligned (__alignof__(struct inotify_event))));
  int           fd = probe_fd ();
  int           wd, saved_errno;

  if (fd < 0)
    return PROBE_OK;
  g_mutex_lock (&lock);
  wd = inotify_add_watch (fd, path, IN_DELETE_SELF | IN_ONLYDIR);
  saved_errno = errno;
  if (wd >= 0)
    {
      inotify_rm_watch (fd, wd);
      /* Drain the IN_IGNORED that removing the watch queued. */
      while (read (fd, buf, sizeof buf) > 0)
        ;
    }
  g_mutex_unlock (&lock);

  if (wd < 0 && saved_errno == ENOSPC)
    return PROBE_FULL;
  if (wd < 0 && (saved_errno == ENOENT || saved_errno == ENOTDIR))
    return PROBE_GONE;
#endif
  return PROBE_OK;
}

static gboolean
degraded_cb (gpointer user_data)
{
  KsWatcher       *self = user_data;
  g_autofree char *reason = NULL;

  self->degraded_id = 0;
  g_object_notify (G_OBJECT (self), "degraded");
  if (self->force_polling)
    reason = g_strdup_printf ("“%s” is polled for changes, as asked", self->root_path);
  else
    reason = g_strdup_printf ("The system cannot watch more folders: parts of “%s” are "
                              "checked for changes every %u seconds instead",
                              self->root_path, MAX (self->poll_ms / 1000, 1));
  g_signal_emit (self, ks_watcher_signals[KS_WATCHER_SIGNAL_DEGRADED], 0, reason);
  return G_SOURCE_REMOVE;
}

static void
set_degraded (KsWatcher *self)
{
  if (self->degraded)
    return;
  self->degraded = TRUE;
  /* Not from inside whatever is adding directories. */
  self->degraded_id = g_idle_add (degraded_cb, self);
}

static KsWatch *
watch_dir (KsWatcher  *self,
           const char *rel)
{
  g_autofree char *path = g_build_filename (self->root_path, rel, NULL);
  g_autoptr (GFile) dir = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  gboolean polled = self->force_polling;
  KsWatch *w;

  if (!polled)
    {
      Probe probe = probe_watch (path);

      if (probe == PROBE_GONE)
        return NULL;
      polled = probe == PROBE_FULL;
    }

  w = g_new0 (KsWatch, 1);
  w->self = self;
  w->rel = g_strdup (rel);
  w->serial = ++self->next_serial;
  if (!polled)
    {
      w->monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
      if (w->monitor == NULL)
        g_debug ("Cannot monitor %s, polling it: %s", path, error->message);
      else
        g_signal_connect (w->monitor, "changed",
                          G_CALLBACK (ks_watcher_monitor_changed_cb), w);
    }
  if (w->monitor == NULL)
    {
      self->n_polled++;
      set_degraded (self);
    }
  g_hash_table_insert (self->watches, w->rel, w);
  return w;
}

static void add_dir_listed_cb (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data);

/* ---- directories found, watched a few at a time ---- */

/* Watching a directory costs two inotify_add_watch(), each of which
 * visits every entry of the directory in the kernel: a tree of a hundred
 * directories of a thousand photos took 30–40 ms, all in the callback
 * that listed their parent. They are watched from an idle source
 * instead, for at most this long an iteration. Each is still watched
 * before it is read, so nothing written meanwhile is missed. */
#define PENDING_SLICE_USEC (4 * G_TIME_SPAN_MILLISECOND)

/* Set-up is done once nothing is being listed or waits to be watched. */
static void
check_setup_done (KsWatcher *self)
{
  if (self->listings == 0 && self->state == KS_WATCHER_STARTING)
    ks_watcher_setup_done (self);
}

typedef struct
{
  char    *rel;
  gboolean report;
} PendingDir;

static void
pending_dir_free (gpointer data)
{
  PendingDir *pending = data;

  g_free (pending->rel);
  g_free (pending);
}

static gboolean
watch_pending_cb (gpointer user_data)
{
  KsWatcher *self = user_data;
  gint64     deadline = g_get_monotonic_time () + PENDING_SLICE_USEC;

  while (!g_queue_is_empty (&self->pending) && g_get_monotonic_time () < deadline)
    {
      PendingDir *pending = g_queue_pop_head (&self->pending);

      ks_watcher_add_dir (self, pending->rel, pending->report);
      self->listings--;
      pending_dir_free (pending);
    }
  if (!g_queue_is_empty (&self->pending))
    return G_SOURCE_CONTINUE;

  self->pending_id = 0;
  check_setup_done (self);
  return G_SOURCE_REMOVE;
}

static void
queue_dir (KsWatcher  *self,
           const char *rel,
           gboolean    report)
{
  PendingDir *pending = g_new0 (PendingDir, 1);

  pending->rel = g_strdup (rel);
  pending->report = report;
  g_queue_push_tail (&self->pending, pending);
  /* Set-up is not done while directories wait. */
  self->listings++;
  if (self->pending_id == 0)
    {
      g_autoptr (GSource) source = g_idle_source_new ();

      g_source_set_static_name (source, "[ks] watcher directories");
      g_source_set_callback (source, watch_pending_cb, self, NULL);
      self->pending_id = g_source_attach (source, NULL);
    }
}

void
ks_watcher_add_dir (KsWatcher  *self,
                    const char *rel,
                    gboolean    report)
{
  GPtrArray *listings;
  KsWatch   *w;
  Listing   *listing;

  if (g_hash_table_contains (self->watches, rel))
    return;
  w = watch_dir (self, rel);
  if (w == NULL)
    return;

  listing = g_new0 (Listing, 1);
  listing->rel = g_strdup (rel);
  listing->serial = w->serial;
  listing->report = report;
  listing->with_files = report || w->monitor == NULL;
  listings = g_ptr_array_new_full (1, listing_free);
  g_ptr_array_add (listings, listing);
  self->listings++;
  list_async (self, listings, add_dir_listed_cb);
  ks_watcher_update_poll_timer (self);
}

static void
add_dir_listed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  KsWatcher *self = KS_WATCHER (source);
  GPtrArray *listings = list_finish (result);
  Listing   *listing;
  KsWatch   *w;

  if (listings == NULL)
    return;
  self->listings--;
  listing = g_ptr_array_index (listings, 0);
  w = g_hash_table_lookup (self->watches, listing->rel);

  if (w != NULL && w->serial == listing->serial && listing->entries != NULL)
    {
      if (w->monitor == NULL)
        w->baseline = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, poll_entry_free);

      for (guint i = 0; i < listing->entries->len; i++)
        {
          KsPollEntry     *entry = g_ptr_array_index (listing->entries, i);
          g_autofree char *child = ks_watcher_child_rel (listing->rel, entry->name);

          if (entry->is_dir)
            queue_dir (self, child, listing->report);
          else if (listing->report)
            ks_watcher_note_change (self, child, KS_CHANGE_WRITE, TRUE);
        }
      /* Adding subdirectories never removes a watch: @w is still valid. */
      if (w->baseline != NULL)
        {
          while (listing->entries->len > 0)
            {
              KsPollEntry *entry = g_ptr_array_steal_index_fast (listing->entries, 0);

              g_hash_table_replace (w->baseline, entry->name, entry);
            }
        }
    }
  else if (listing->error != 0 && listing->error != ENOENT)
    g_debug ("Cannot read %s/%s: %s", self->root_path, listing->rel, g_strerror (listing->error));

  check_setup_done (self);
}

static gboolean
under (const char *rel,
       const char *dir)
{
  gsize len = strlen (dir);

  if (len == 0)
    return TRUE;
  return strncmp (rel, dir, len) == 0 && (rel[len] == '\0' || rel[len] == '/');
}

void
ks_watcher_remove_subtree (KsWatcher  *self,
                           const char *rel)
{
  GHashTableIter iter;
  gpointer       key;

  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (under (key, rel))
        g_hash_table_iter_remove (&iter);
    }
  ks_watcher_update_poll_timer (self);
}

gboolean
ks_watcher_has_dir (KsWatcher  *self,
                    const char *rel)
{
  return g_hash_table_contains (self->watches, rel);
}

/* ---- polling ---- */

typedef struct
{
  char    *rel;
  gboolean is_dir;
  guint64  inode;
} Seen;

static void
seen_free (gpointer data)
{
  Seen *seen = data;

  g_free (seen->rel);
  g_free (seen);
}

static void
add_seen (GPtrArray         *array,
          const char        *dir_rel,
          const KsPollEntry *entry)
{
  Seen *seen = g_new0 (Seen, 1);

  seen->rel = ks_watcher_child_rel (dir_rel, entry->name);
  seen->is_dir = entry->is_dir;
  seen->inode = entry->inode;
  g_ptr_array_add (array, seen);
}

/* Compares one polled directory with what it held last time. */
static void
diff_listing (KsWatch   *w,
              Listing   *listing,
              GPtrArray *created,
              GPtrArray *removed,
              GPtrArray *changed)
{
  g_autoptr (GHashTable) now = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, poll_entry_free);
  GHashTableIter iter;
  gpointer       value;

  while (listing->entries->len > 0)
    {
      KsPollEntry *entry = g_ptr_array_steal_index_fast (listing->entries, 0);
      KsPollEntry *old = g_hash_table_lookup (w->baseline, entry->name);

      if (old == NULL || old->is_dir != entry->is_dir)
        {
          if (old != NULL)
            add_seen (removed, w->rel, old);
          add_seen (created, w->rel, entry);
        }
      else if (old->inode != entry->inode)
        {
          add_seen (removed, w->rel, old);
          add_seen (created, w->rel, entry);
        }
      else if (!entry->is_dir && (old->size != entry->size || old->mtime != entry->mtime))
        add_seen (changed, w->rel, entry);
      g_hash_table_replace (now, entry->name, entry);
    }

  g_hash_table_iter_init (&iter, w->baseline);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      KsPollEntry *old = value;

      if (!g_hash_table_contains (now, old->name))
        add_seen (removed, w->rel, old);
    }

  g_clear_pointer (&w->baseline, g_hash_table_unref);
  w->baseline = g_steal_pointer (&now);
}

/* (transfer full) (nullable): the creation of @gone's inode, taken out
 * of @created. */
static Seen *
take_pair (GPtrArray  *created,
           const Seen *gone)
{
  for (guint j = 0; j < created->len; j++)
    {
      Seen *c = g_ptr_array_index (created, j);

      if (c->inode == gone->inode && c->is_dir == gone->is_dir)
        return g_ptr_array_steal_index (created, j);
    }
  return NULL;
}

static gboolean
has_rel (GPtrArray  *seen,
         const char *rel)
{
  for (guint i = 0; i < seen->len; i++)
    if (g_str_equal (((Seen *) g_ptr_array_index (seen, i))->rel, rel))
      return TRUE;
  return FALSE;
}

/*
 * A removal and a creation of the same inode: a rename. A round lists
 * the directories one after another, so a move from one to another can
 * land between their listings and its creation show a round after its
 * removal: a removal left without a pair waits one round for it.
 */
static void
apply_diff (KsWatcher *self,
            GPtrArray *created,
            GPtrArray *removed,
            GPtrArray *changed)
{
  g_autoptr (GPtrArray) earlier = g_steal_pointer (&self->unpaired);

  self->unpaired = g_ptr_array_new_with_free_func (seen_free);
  for (guint i = 0; i < changed->len; i++)
    {
      Seen *seen = g_ptr_array_index (changed, i);

      ks_watcher_note_change (self, seen->rel, KS_CHANGE_WRITE, FALSE);
    }

  for (guint i = 0; earlier != NULL && i < earlier->len && ks_watcher_is_active (self); i++)
    {
      Seen *gone = g_ptr_array_index (earlier, i);
      Seen *found = take_pair (created, gone);

      if (found != NULL)
        ks_watcher_on_moved (self, gone->rel, found->rel);
      else
        ks_watcher_on_removed (self, gone->rel);
      g_clear_pointer (&found, seen_free);
    }

  while (removed->len > 0 && ks_watcher_is_active (self))
    {
      Seen *gone = g_ptr_array_steal_index (removed, 0);
      Seen *found = take_pair (created, gone);

      if (found == NULL && !has_rel (created, gone->rel))
        {
          g_ptr_array_add (self->unpaired, gone);
          continue;
        }
      /* Replaced in place (another inode at the same path): gone now. */
      if (found != NULL)
        ks_watcher_on_moved (self, gone->rel, found->rel);
      else
        ks_watcher_on_removed (self, gone->rel);
      seen_free (gone);
      g_clear_pointer (&found, seen_free);
    }

  /* Handlers of the signals above may have stopped the watcher. */
  for (guint i = 0; i < created->len && ks_watcher_is_active (self); i++)
    {
      Seen *seen = g_ptr_array_index (created, i);

      ks_watcher_on_created (self, seen->rel, FALSE);
    }
}

static void
poll_listed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  KsWatcher *self = KS_WATCHER (source);
  GPtrArray *listings = list_finish (result);
  g_autoptr (GPtrArray) created = g_ptr_array_new_with_free_func (seen_free);
  g_autoptr (GPtrArray) removed = g_ptr_array_new_with_free_func (seen_free);
  g_autoptr (GPtrArray) changed = g_ptr_array_new_with_free_func (seen_free);

  if (listings == NULL)
    return;
  self->polling = FALSE;
  if (!ks_watcher_check_root (self))
    return;

  for (guint i = 0; i < listings->len; i++)
    {
      Listing *listing = g_ptr_array_index (listings, i);
      KsWatch *w = g_hash_table_lookup (self->watches, listing->rel);

      /* A directory gone is seen missing from its parent. */
      if (w == NULL || w->serial != listing->serial || w->baseline == NULL ||
          listing->entries == NULL)
        continue;
      diff_listing (w, listing, created, removed, changed);
    }
  apply_diff (self, created, removed, changed);
}

static gboolean
poll_cb (gpointer user_data)
{
  KsWatcher     *self = user_data;
  GPtrArray     *listings;
  GHashTableIter iter;
  gpointer       value;

  if (self->polling)
    return G_SOURCE_CONTINUE;

  listings = g_ptr_array_new_with_free_func (listing_free);
  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      KsWatch *w = value;
      Listing *listing;

      if (w->monitor != NULL || w->baseline == NULL)
        continue;
      listing = g_new0 (Listing, 1);
      listing->rel = g_strdup (w->rel);
      listing->serial = w->serial;
      listing->with_files = TRUE;
      g_ptr_array_add (listings, listing);
    }

  if (listings->len == 0)
    {
      g_ptr_array_unref (listings);
      return G_SOURCE_CONTINUE;
    }
  self->polling = TRUE;
  list_async (self, listings, poll_listed_cb);
  return G_SOURCE_CONTINUE;
}

void
ks_watcher_update_poll_timer (KsWatcher *self)
{
  gboolean want = self->n_polled > 0 &&
                  (self->state == KS_WATCHER_STARTING || self->state == KS_WATCHER_WATCHING);

  if (want && self->poll_id == 0)
    {
      self->poll_id = g_timeout_add (MAX (self->poll_ms, 10), poll_cb, self);
      g_source_set_name_by_id (self->poll_id, "[ks] watcher poll");
    }
  else if (!want)
    g_clear_handle_id (&self->poll_id, g_source_remove);
}

/* ---- setup and teardown ---- */

void
ks_watcher_tree_init (KsWatcher *self)
{
  self->watches = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, watch_free);
  self->cancellable = g_cancellable_new ();
}

/* Drops every watch and forgets the listings in flight. */
void
ks_watcher_tree_clear (KsWatcher *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->listings = 0;
  g_queue_clear_full (&self->pending, pending_dir_free);
  g_clear_handle_id (&self->pending_id, g_source_remove);
  self->polling = FALSE;
  g_clear_pointer (&self->unpaired, g_ptr_array_unref);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_handle_id (&self->degraded_id, g_source_remove);
  if (self->watches != NULL)
    g_hash_table_remove_all (self->watches);
}
