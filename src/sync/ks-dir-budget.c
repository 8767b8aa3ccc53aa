/* ks-dir-budget.c: a size budget for a directory of cached files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "ks-dir-budget.h"

#define SHA256_HEX_LEN 64

struct _KsDirBudget
{
  GObject parent_instance;

  /* Set at construction, read from any thread. */
  char  *dir;    /* owned */
  char  *suffix; /* owned */
  gint64 budget;

  /* Names being read or written, name -> count; any thread. */
  GMutex      lock;
  GHashTable *held;

  /* Main thread only. */
  gint64     total;        /* -1: not scanned yet */
  gint64     threshold;    /* a trim starts when the total is above it */
  gint64     added_during; /* bytes written while a trim ran */
  gboolean   trimming;
  gboolean   again;
  GPtrArray *waiters; /* GTask, nullable */
  guint      start_id;
};

G_DEFINE_FINAL_TYPE (KsDirBudget, ks_dir_budget, G_TYPE_OBJECT)

/* One of our files, as the scan saw it. */
typedef struct
{
  char   *name;
  gint64  size;
  gint64  mtime; /* ns since the epoch */
  guint64 inode;
} Entry;

static void
entry_clear (gpointer data)
{
  g_free (((Entry *) data)->name);
}

static gint64
low_water (KsDirBudget *self)
{
  return self->budget / 5 * 4;
}

static gint64
stat_mtime (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void
ks_dir_budget_dispose (GObject *object)
{
  KsDirBudget *self = KS_DIR_BUDGET (object);

  g_clear_handle_id (&self->start_id, g_source_remove);

  G_OBJECT_CLASS (ks_dir_budget_parent_class)->dispose (object);
}

static void
ks_dir_budget_finalize (GObject *object)
{
  KsDirBudget *self = KS_DIR_BUDGET (object);

  /* A trim under way, and its waiters, hold references: none is left. */
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_free (self->dir);
  g_free (self->suffix);
  g_hash_table_unref (self->held);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (ks_dir_budget_parent_class)->finalize (object);
}

static void
ks_dir_budget_class_init (KsDirBudgetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_dir_budget_dispose;
  object_class->finalize = ks_dir_budget_finalize;
}

static void
ks_dir_budget_init (KsDirBudget *self)
{
  g_mutex_init (&self->lock);
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->total = -1;
}

KsDirBudget *
ks_dir_budget_new (const char *dir,
                   const char *suffix,
                   gint64      budget)
{
  KsDirBudget *self;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (suffix != NULL, NULL);
  g_return_val_if_fail (budget > 0, NULL);

  self = g_object_new (KS_TYPE_DIR_BUDGET, NULL);
  self->dir = g_strdup (dir);
  self->suffix = g_strdup (suffix);
  self->budget = budget;
  self->threshold = budget;
  return self;
}

gint64
ks_dir_budget_get_total (KsDirBudget *self)
{
  g_return_val_if_fail (KS_IS_DIR_BUDGET (self), -1);

  return self->total;
}

gboolean
ks_dir_budget_name_is_ours (const char *name,
                            const char *suffix)
{
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (suffix != NULL, FALSE);

  for (guint i = 0; i < SHA256_HEX_LEN; i++)
    if (!g_ascii_isxdigit (name[i]))
      return FALSE;
  return g_str_equal (name + SHA256_HEX_LEN, suffix);
}

/* --- Holds and touches, from any thread */

void
ks_dir_budget_hold (KsDirBudget *self,
                    const char  *name)
{
  gpointer key, count;

  g_return_if_fail (KS_IS_DIR_BUDGET (self));
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->lock);
  if (g_hash_table_lookup_extended (self->held, name, &key, &count))
    g_hash_table_insert (self->held, g_strdup (name), GUINT_TO_POINTER (GPOINTER_TO_UINT (count) + 1));
  else
    g_hash_table_insert (self->held, g_strdup (name), GUINT_TO_POINTER (1));
  g_mutex_unlock (&self->lock);
}

void
ks_dir_budget_release (KsDirBudget *self,
                       const char  *name)
{
  guint count;

  g_return_if_fail (KS_IS_DIR_BUDGET (self));
  g_return_if_fail (name != NULL);

  g_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->held, name));
  if (count > 1)
    g_hash_table_insert (self->held, g_strdup (name), GUINT_TO_POINTER (count - 1));
  else if (count == 1)
    g_hash_table_remove (self->held, name);
  else
    g_critical ("%s: %s was not held", G_STRFUNC, name);
  g_mutex_unlock (&self->lock);
}

gboolean
ks_dir_budget_touch (KsDirBudget *self,
                     const char  *name)
{
  g_autofree char *path = NULL;
  struct timespec  times[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
  struct stat      st;
  gint64           age;

  g_return_val_if_fail (KS_IS_DIR_BUDGET (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  path = g_build_filename (self->dir, name, NULL);
  if (lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  /* Either way: a clock set back leaves mtimes in the future. */
  age = g_get_real_time () - stat_mtime (&st) / 1000;
  if (ABS (age) < KS_DIR_BUDGET_TOUCH_INTERVAL)
    return FALSE;
  if (utimensat (AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) != 0)
    {
      g_debug ("Could not mark %s as used: %s", path, g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* --- Trimming, blocking */

/* g_file_set_contents()'s temporary file for one of ours,
 * "<name>.XXXXXX", that a crash left behind. */
static gboolean
is_leftover (KsDirBudget       *self,
             const char        *name,
             const struct stat *st)
{
  gsize            ours = SHA256_HEX_LEN + strlen (self->suffix);
  g_autofree char *base = NULL;

  if (strlen (name) != ours + 7 || name[ours] != '.' || !S_ISREG (st->st_mode))
    return FALSE;
  base = g_strndup (name, ours);
  return ks_dir_budget_name_is_ours (base, self->suffix) &&
         g_get_real_time () - stat_mtime (st) / 1000 > KS_DIR_BUDGET_LEFTOVER_AGE;
}

/* Our files in @dir (open), into @entries; their sizes added to
 * @report. Temporary files left by a crash are removed. */
static void
scan (KsDirBudget       *self,
      DIR               *dir,
      GArray            *entries,
      KsDirBudgetReport *report)
{
  struct dirent *dent;

  while ((dent = readdir (dir)) != NULL)
    {
      struct stat st;
      Entry       entry;

      if (dent->d_name[0] == '.' || fstatat (dirfd (dir), dent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        continue;
      if (is_leftover (self, dent->d_name, &st))
        {
          if (unlinkat (dirfd (dir), dent->d_name, 0) == 0)
            report->n_leftovers++;
          continue;
        }
      if (!S_ISREG (st.st_mode) || !ks_dir_budget_name_is_ours (dent->d_name, self->suffix))
        continue;
      entry.name = g_strdup (dent->d_name);
      entry.size = st.st_size;
      entry.mtime = stat_mtime (&st);
      entry.inode = st.st_ino;
      g_array_append_val (entries, entry);
      report->total += entry.size;
      report->n_files++;
    }
}

/* Least recently used first; names break ties, for a stable order. */
static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const Entry *ea = a, *eb = b;

  if (ea->mtime != eb->mtime)
    return ea->mtime < eb->mtime ? -1 : 1;
  return strcmp (ea->name, eb->name);
}

typedef enum
{
  REMOVE_DONE,
  REMOVE_GONE,
  REMOVE_SKIPPED,
  REMOVE_FAILED,
} RemoveResult;

/* Under the lock, so that a reader or writer cannot start on the file
 * between the check and the unlink: it finds the file or it does not. */
static RemoveResult
remove_entry (KsDirBudget *self,
              DIR         *dir,
              const Entry *entry)
{
  RemoveResult result;
  struct stat  st;

  g_mutex_lock (&self->lock);
  if (g_hash_table_contains (self->held, entry->name))
    result = REMOVE_SKIPPED;
  else if (fstatat (dirfd (dir), entry->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    result = errno == ENOENT ? REMOVE_GONE : REMOVE_FAILED;
  else if (st.st_ino != entry->inode || stat_mtime (&st) != entry->mtime)
    result = REMOVE_SKIPPED; /* read or written again since the scan */
  else if (unlinkat (dirfd (dir), entry->name, 0) == 0)
    result = REMOVE_DONE;
  else
    result = errno == ENOENT ? REMOVE_GONE : REMOVE_FAILED;
  if (result == REMOVE_FAILED)
    g_debug ("Could not remove %s/%s: %s", self->dir, entry->name, g_strerror (errno));
  g_mutex_unlock (&self->lock);
  return result;
}

gboolean
ks_dir_budget_trim (KsDirBudget       *self,
                    KsDirBudgetReport *out,
                    GCancellable      *cancellable,
                    GError           **error)
{
  g_autoptr (GArray) entries = NULL;
  KsDirBudgetReport report = { 0 };
  DIR              *dir;
  gint64            target;

  g_return_val_if_fail (KS_IS_DIR_BUDGET (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dir = opendir (self->dir);
  if (dir == NULL && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Could not read %s: %s", self->dir,
                   g_strerror (saved));
      return FALSE;
    }
  if (dir == NULL)
    {
      if (out != NULL)
        *out = report;
      return TRUE;
    }

  entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  g_array_set_clear_func (entries, entry_clear);
  scan (self, dir, entries, &report);

  target = low_water (self);
  if (report.total > self->budget)
    {
      g_array_sort (entries, compare_entries);
      for (guint i = 0; i < entries->len && report.total > target; i++)
        {
          const Entry *entry = &g_array_index (entries, Entry, i);

          if (g_cancellable_is_cancelled (cancellable))
            break;
          switch (remove_entry (self, dir, entry))
            {
            case REMOVE_DONE:
              report.n_removed++;
              report.removed_bytes += entry->size;
              G_GNUC_FALLTHROUGH;
            case REMOVE_GONE:
              report.total -= entry->size;
              report.n_files--;
              break;
            case REMOVE_SKIPPED:
              report.n_skipped++;
              break;
            case REMOVE_FAILED:
            default:
              report.n_failed++;
              break;
            }
        }
      g_debug ("%s: %u files removed (%" G_GINT64_FORMAT " bytes), %" G_GINT64_FORMAT " bytes left", self->dir,
               report.n_removed, report.removed_bytes, report.total);
    }
  closedir (dir);

  if (out != NULL)
    *out = report;
  return TRUE;
}

/* --- The running total, on the main thread */

static void start_trim (KsDirBudget *self);

static void
trim_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  KsDirBudgetReport *report = g_new0 (KsDirBudgetReport, 1);
  GError            *error = NULL;

  if (!ks_dir_budget_trim (source_object, report, cancellable, &error))
    {
      g_free (report);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, report, g_free);
}

static void
trim_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  KsDirBudget                  *self = KS_DIR_BUDGET (source);
  g_autofree KsDirBudgetReport *report = NULL;
  g_autoptr (GPtrArray) waiters = NULL;
  g_autoptr (GError) error = NULL;
  gint64 margin = self->budget - low_water (self);

  self->trimming = FALSE;
  report = g_task_propagate_pointer (G_TASK (result), &error);
  /* Whatever could not go (held, failing) stays over budget: the next
   * trim waits for a margin's worth of new files, not the next one. */
  if (report != NULL)
    {
      self->total = report->total + self->added_during;
      self->threshold = MAX (self->budget, report->total + margin);
    }
  else
    {
      g_debug ("Trimming %s: %s", self->dir, error->message);
      if (self->total >= 0)
        self->threshold = MAX (self->budget, self->total + margin);
    }
  self->added_during = 0;

  if (self->again)
    {
      self->again = FALSE;
      start_trim (self);
      return;
    }
  waiters = g_steal_pointer (&self->waiters);
  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);

      if (report != NULL)
        g_task_return_pointer (task, g_memdup2 (report, sizeof *report), g_free);
      else
        g_task_return_error (task, g_error_copy (error));
    }
  if (self->total > self->threshold)
    start_trim (self);
}

static void
start_trim (KsDirBudget *self)
{
  g_autoptr (GTask) task = NULL;

  if (self->trimming)
    return;
  self->trimming = TRUE;
  self->added_during = 0;
  task = g_task_new (self, NULL, trim_done_cb, NULL);
  g_task_set_source_tag (task, start_trim);
  g_task_run_in_thread (task, trim_thread);
}

static gboolean
start_cb (gpointer user_data)
{
  KsDirBudget *self = user_data;

  self->start_id = 0;
  start_trim (self);
  return G_SOURCE_REMOVE;
}

void
ks_dir_budget_start (KsDirBudget *self,
                     guint        delay_seconds)
{
  g_return_if_fail (KS_IS_DIR_BUDGET (self));

  g_clear_handle_id (&self->start_id, g_source_remove);
  if (delay_seconds == 0)
    start_trim (self);
  else
    self->start_id = g_timeout_add_seconds_full (G_PRIORITY_LOW, delay_seconds, start_cb, self, NULL);
}

void
ks_dir_budget_add (KsDirBudget *self,
                   gint64       bytes)
{
  g_return_if_fail (KS_IS_DIR_BUDGET (self));

  if (self->trimming)
    self->added_during += bytes;
  /* Before the first scan: it counts what is on disk by then. */
  if (self->total < 0)
    return;
  self->total += bytes;
  if (!self->trimming && self->total > self->threshold)
    start_trim (self);
}

void
ks_dir_budget_trim_async (KsDirBudget        *self,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  GTask *task;

  g_return_if_fail (KS_IS_DIR_BUDGET (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_dir_budget_trim_async);
  if (self->waiters == NULL)
    self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->waiters, task);
  if (self->trimming)
    self->again = TRUE;
  else
    start_trim (self);
}

gboolean
ks_dir_budget_trim_finish (KsDirBudget       *self,
                           GAsyncResult      *result,
                           KsDirBudgetReport *out,
                           GError           **error)
{
  g_autofree KsDirBudgetReport *report = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  report = g_task_propagate_pointer (G_TASK (result), error);
  if (report == NULL)
    return FALSE;
  if (out != NULL)
    *out = *report;
  return TRUE;
}
