/* test-dir-budget.c: a cache directory kept under its budget, least
 * recently used first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* nftw() */
#define _GNU_SOURCE

#include <fcntl.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks-dir-budget.h"

#define N_FILES 20
#define FILE_SIZE 1000
/* 20,000 bytes of ours: over it, trimmed to 8,000 (80%), 12 files. */
#define BUDGET 10000
#define LOW_WATER 8000
#define N_TRIMMED 12
#define DAY (24 * 60 * 60)
#define WAIT_USEC (30 * G_USEC_PER_SEC)

typedef struct
{
  char        *tmp;
  char        *dir;
  char        *names[N_FILES]; /* oldest first */
  KsDirBudget *budget;
} Fixture;

static char *
name_for (const char *seed)
{
  g_autofree char *sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, seed, -1);

  return g_strconcat (sha256, ".jpg", NULL);
}

/* @name in the fixture's directory, @size bytes, last modified @age
 * seconds ago. */
static void
write_file (Fixture    *f,
            const char *name,
            gsize       size,
            gint64      age)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *data = g_malloc0 (size + 1);
  struct timespec  times[2] = { { 0, UTIME_OMIT }, { (time_t) (g_get_real_time () / G_USEC_PER_SEC - age), 0 } };
  FILE            *fp = fopen (path, "wb");

  g_assert_nonnull (fp);
  memset (data, 't', size);
  g_assert_cmpuint (fwrite (data, 1, size, fp), ==, size);
  g_assert_cmpint (fclose (fp), ==, 0);
  g_assert_cmpint (utimensat (AT_FDCWD, path, times, 0), ==, 0);
}

static gboolean
exists (Fixture    *f,
        const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  struct stat      st;

  return lstat (path, &st) == 0;
}

static gint64
mtime_of (Fixture    *f,
          const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  struct stat      st;

  g_assert_cmpint (lstat (path, &st), ==, 0);
  return st.st_mtime;
}

/* Our files on disk, by a scan of our own. */
static gint64
disk_total (Fixture *f)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;
  gint64      total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      struct stat      st;

      if (ks_dir_budget_name_is_ours (name, ".jpg") && lstat (path, &st) == 0 && S_ISREG (st.st_mode))
        total += st.st_size;
    }
  return total;
}

static gboolean
set_immutable (const char *path,
               gboolean    on)
{
  int      fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  int      flags = 0;
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok)
    {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ok = ioctl (fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
  close (fd);
  return ok;
}

static int
rm_cb (const char        *path,
       const struct stat *st,
       int                flag,
       struct FTW        *ftw)
{
  if (flag == FTW_F)
    set_immutable (path, FALSE);
  chmod (path, 0755);
  return remove (path);
}

/* N_FILES of ours, FILE_SIZE bytes each, a minute apart, two days old;
 * nothing else. */
static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-dir-budget-XXXXXX", &error);
  g_assert_no_error (error);
  f->dir = g_build_filename (f->tmp, "thumbs", NULL);
  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *seed = g_strdup_printf ("photo-%u", i);

      f->names[i] = name_for (seed);
      write_file (f, f->names[i], FILE_SIZE, 2 * DAY - i * 60);
    }
  f->budget = ks_dir_budget_new (f->dir, ".jpg", BUDGET);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->budget);
  nftw (f->tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  for (guint i = 0; i < N_FILES; i++)
    g_free (f->names[i]);
  g_free (f->dir);
  g_free (f->tmp);
}

static void
trim (Fixture           *f,
      KsDirBudgetReport *report)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ks_dir_budget_trim (f->budget, report, NULL, &error));
  g_assert_no_error (error);
  /* What it says is left is what is left. */
  g_assert_cmpint (report->total, ==, disk_total (f));
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
trim_async (Fixture           *f,
            KsDirBudgetReport *report)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_USEC;

  ks_dir_budget_trim_async (f->budget, NULL, store_result_cb, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  g_assert_true (ks_dir_budget_trim_finish (f->budget, result, report, &error));
  g_assert_no_error (error);
}

/* Runs the main context until the running total is at most @total. */
static void
wait_for_total (Fixture *f,
                gint64   total)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_USEC;

  while ((ks_dir_budget_get_total (f->budget) < 0 || ks_dir_budget_get_total (f->budget) > total) &&
         g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), >=, 0);
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), <=, total);
}

/* The main context for @usec, whatever happens. */
static void
spin (gint64 usec)
{
  gint64 deadline = g_get_monotonic_time () + usec;

  while (g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

static void
test_names (void)
{
  g_autofree char *ours = name_for ("x");
  g_autofree char *upper_hex = g_ascii_strup (ours, 64);
  g_autofree char *upper = g_strconcat (upper_hex, ".jpg", NULL);
  g_autofree char *temp = g_strconcat (ours, ".Ab12Cd", NULL);
  g_autofree char *bare = g_strndup (ours, 64);

  g_assert_true (ks_dir_budget_name_is_ours (ours, ".jpg"));
  g_assert_true (ks_dir_budget_name_is_ours (upper, ".jpg"));
  g_assert_true (ks_dir_budget_name_is_ours (bare, ""));
  /* g_file_set_contents()'s temporary files, and the like. */
  g_assert_false (ks_dir_budget_name_is_ours (temp, ".jpg"));
  g_assert_false (ks_dir_budget_name_is_ours (ours, ".png"));
  g_assert_false (ks_dir_budget_name_is_ours (ours + 1, ".jpg"));
  g_assert_false (ks_dir_budget_name_is_ours (bare, ".jpg"));
  g_assert_false (ks_dir_budget_name_is_ours ("", ".jpg"));
  g_assert_false (ks_dir_budget_name_is_ours ("notes.txt", ".jpg"));
  bare[10] = 'g';
  g_assert_false (ks_dir_budget_name_is_ours (bare, ""));
}

static void
test_oldest_first (Fixture      *f,
                   gconstpointer data)
{
  KsDirBudgetReport report;

  trim (f, &report);
  g_assert_cmpint (report.total, <=, LOW_WATER);
  g_assert_cmpint (report.total, ==, (N_FILES - N_TRIMMED) * FILE_SIZE);
  g_assert_cmpuint (report.n_files, ==, N_FILES - N_TRIMMED);
  g_assert_cmpuint (report.n_removed, ==, N_TRIMMED);
  g_assert_cmpint (report.removed_bytes, ==, N_TRIMMED * FILE_SIZE);
  g_assert_cmpuint (report.n_skipped, ==, 0);
  g_assert_cmpuint (report.n_failed, ==, 0);
  for (guint i = 0; i < N_FILES; i++)
    g_assert_cmpint (exists (f, f->names[i]), ==, i >= N_TRIMMED);

  /* Under budget now: nothing more goes. */
  trim (f, &report);
  g_assert_cmpuint (report.n_removed, ==, 0);
  g_assert_cmpint (report.total, ==, (N_FILES - N_TRIMMED) * FILE_SIZE);
}

static void
test_under_budget (Fixture      *f,
                   gconstpointer data)
{
  KsDirBudgetReport report;

  /* Over 80% but not over the budget: a trim waits until it is. */
  g_clear_object (&f->budget);
  f->budget = ks_dir_budget_new (f->dir, ".jpg", N_FILES * FILE_SIZE);
  trim (f, &report);
  g_assert_cmpuint (report.n_removed, ==, 0);
  g_assert_cmpuint (report.n_files, ==, N_FILES);
  g_assert_cmpint (report.total, ==, N_FILES * FILE_SIZE);
}

static void
test_foreign (Fixture      *f,
              gconstpointer data)
{
  g_autofree char  *temp = g_strconcat (f->names[0], ".Ab12Cd", NULL);
  g_autofree char  *leftover = g_strconcat (f->names[1], ".Xy34Zw", NULL);
  g_autofree char  *png = g_strdup (f->names[1]);
  g_autofree char  *subdir = name_for ("a directory");
  g_autofree char  *link = name_for ("a symlink");
  g_autofree char  *link_path = g_build_filename (f->dir, link, NULL);
  g_autofree char  *subdir_path = g_build_filename (f->dir, subdir, NULL);
  const char       *foreign[] = { "notes.txt", temp, png, "abc.jpg", ".hidden.jpg" };
  KsDirBudgetReport report;

  /* Older and larger than any of ours: first to go, were they ours. */
  memcpy (png + 64, ".png", 4);
  for (guint i = 0; i < G_N_ELEMENTS (foreign); i++)
    write_file (f, foreign[i], 50000, i == 1 ? 60 : 30 * DAY);
  /* Ours, a temporary file an hour old: a crash left it. */
  write_file (f, leftover, 50000, 61 * 60);
  g_assert_cmpint (g_mkdir (subdir_path, 0700), ==, 0);
  g_assert_cmpint (symlink ("notes.txt", link_path), ==, 0);

  trim (f, &report);
  g_assert_cmpuint (report.n_removed, ==, N_TRIMMED);
  g_assert_cmpint (report.total, ==, (N_FILES - N_TRIMMED) * FILE_SIZE);
  g_assert_cmpuint (report.n_leftovers, ==, 1);
  g_assert_false (exists (f, leftover));
  /* The temporary file of a minute ago may be being written. */
  for (guint i = 0; i < G_N_ELEMENTS (foreign); i++)
    g_assert_true (exists (f, foreign[i]));
  g_assert_true (exists (f, subdir));
  g_assert_true (exists (f, link));
  for (guint i = 0; i < N_FILES; i++)
    g_assert_cmpint (exists (f, f->names[i]), ==, i >= N_TRIMMED);
}

static void
test_touch (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *future = name_for ("future");
  gint64           now = g_get_real_time () / G_USEC_PER_SEC;
  gint64           recent;

  /* Two days old: marked used now. */
  g_assert_true (ks_dir_budget_touch (f->budget, f->names[0]));
  g_assert_cmpint (ABS (mtime_of (f, f->names[0]) - now), <=, 5);
  /* Then not again within the hour: reading is not a write each time. */
  write_file (f, f->names[1], FILE_SIZE, 10 * 60);
  recent = mtime_of (f, f->names[1]);
  g_assert_false (ks_dir_budget_touch (f->budget, f->names[0]));
  g_assert_false (ks_dir_budget_touch (f->budget, f->names[1]));
  g_assert_cmpint (mtime_of (f, f->names[1]), ==, recent);
  /* A clock set back: the file is in the future, touched. */
  write_file (f, future, FILE_SIZE, -2 * DAY);
  g_assert_true (ks_dir_budget_touch (f->budget, future));
  g_assert_cmpint (ABS (mtime_of (f, future) - now), <=, 5);
  /* Nothing there: nothing done. */
  g_assert_false (ks_dir_budget_touch (f->budget, "missing.jpg"));
  g_assert_false (exists (f, "missing.jpg"));
}

static void
test_touched_survive (Fixture      *f,
                      gconstpointer data)
{
  KsDirBudgetReport report;

  /* The two oldest were read: the next twelve go instead. */
  g_assert_true (ks_dir_budget_touch (f->budget, f->names[0]));
  g_assert_true (ks_dir_budget_touch (f->budget, f->names[1]));
  trim (f, &report);
  g_assert_cmpuint (report.n_removed, ==, N_TRIMMED);
  g_assert_cmpint (report.total, <=, LOW_WATER);
  g_assert_true (exists (f, f->names[0]));
  g_assert_true (exists (f, f->names[1]));
  for (guint i = 2; i < N_FILES; i++)
    g_assert_cmpint (exists (f, f->names[i]), ==, i >= N_TRIMMED + 2);
}

static void
test_held_survive (Fixture      *f,
                   gconstpointer data)
{
  KsDirBudgetReport report;

  /* Being read (twice over) and being written: skipped. */
  ks_dir_budget_hold (f->budget, f->names[0]);
  ks_dir_budget_hold (f->budget, f->names[0]);
  ks_dir_budget_release (f->budget, f->names[0]);
  ks_dir_budget_hold (f->budget, f->names[1]);
  trim (f, &report);
  g_assert_cmpuint (report.n_skipped, ==, 2);
  g_assert_cmpuint (report.n_removed, ==, N_TRIMMED);
  g_assert_cmpint (report.total, <=, LOW_WATER);
  g_assert_true (exists (f, f->names[0]));
  g_assert_true (exists (f, f->names[1]));
  for (guint i = 2; i < N_FILES; i++)
    g_assert_cmpint (exists (f, f->names[i]), ==, i >= N_TRIMMED + 2);

  /* Released: still the oldest, the next trim's first. */
  ks_dir_budget_release (f->budget, f->names[0]);
  ks_dir_budget_release (f->budget, f->names[1]);
  write_file (f, f->names[2], 3 * FILE_SIZE, 0);
  trim (f, &report);
  g_assert_cmpuint (report.n_skipped, ==, 0);
  g_assert_cmpuint (report.n_removed, ==, 3);
  g_assert_false (exists (f, f->names[0]));
  g_assert_false (exists (f, f->names[1]));
  g_assert_false (exists (f, f->names[N_TRIMMED + 2]));
  g_assert_true (exists (f, f->names[N_TRIMMED + 3]));
}

static void
test_empty_and_missing (Fixture      *f,
                        gconstpointer data)
{
  g_autofree char *empty = g_build_filename (f->tmp, "empty", NULL);
  g_autofree char *missing = g_build_filename (f->tmp, "missing", NULL);
  g_autoptr (GError) error = NULL;
  KsDirBudgetReport report;

  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  g_clear_object (&f->budget);
  f->budget = ks_dir_budget_new (empty, ".jpg", BUDGET);
  g_assert_true (ks_dir_budget_trim (f->budget, &report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (report.total, ==, 0);
  g_assert_cmpuint (report.n_files, ==, 0);
  g_assert_cmpuint (report.n_removed, ==, 0);
  trim_async (f, &report);
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), ==, 0);

  g_clear_object (&f->budget);
  f->budget = ks_dir_budget_new (missing, ".jpg", BUDGET);
  g_assert_true (ks_dir_budget_trim (f->budget, &report, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (report.total, ==, 0);
  g_assert_cmpuint (report.n_files, ==, 0);
  g_assert_false (ks_dir_budget_touch (f->budget, f->names[0]));
  trim_async (f, &report);
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), ==, 0);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

static void
test_unlink_fails (Fixture      *f,
                   gconstpointer data)
{
  g_autofree char  *oldest = g_build_filename (f->dir, f->names[0], NULL);
  KsDirBudgetReport report;

  /* Root removes files from a read-only directory; not an immutable one. */
  if (set_immutable (oldest, TRUE))
    {
      trim (f, &report);
      set_immutable (oldest, FALSE);
      g_assert_cmpuint (report.n_failed, ==, 1);
      g_assert_cmpuint (report.n_removed, ==, N_TRIMMED);
      g_assert_cmpint (report.total, <=, LOW_WATER);
      g_assert_true (exists (f, f->names[0]));
      for (guint i = 1; i < N_FILES; i++)
        g_assert_cmpint (exists (f, f->names[i]), ==, i >= N_TRIMMED + 1);
    }
  else if (geteuid () != 0)
    {
      /* Every unlink fails: the trim goes through them all and says so. */
      g_assert_cmpint (g_chmod (f->dir, 0500), ==, 0);
      trim (f, &report);
      g_assert_cmpint (g_chmod (f->dir, 0700), ==, 0);
      g_assert_cmpuint (report.n_failed, ==, N_FILES);
      g_assert_cmpuint (report.n_removed, ==, 0);
      g_assert_cmpint (report.total, ==, N_FILES * FILE_SIZE);
    }
  else
    g_test_skip ("Cannot make an unlink fail here (root, no immutable files)");
}

static void
test_async (Fixture      *f,
            gconstpointer data)
{
  KsDirBudgetReport report;

  trim_async (f, &report);
  g_assert_cmpuint (report.n_removed, ==, N_TRIMMED);
  g_assert_cmpint (report.total, ==, disk_total (f));
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), ==, report.total);
}

/* The running total: no scan while it says the files are under budget,
 * a trim on a worker thread as soon as it says they are over. */
static void
test_running_total (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char  *unaccounted = name_for ("unaccounted");
  char             *added[6];
  KsDirBudgetReport report;

  /* Five files of ours on disk when it starts. */
  for (guint i = 5; i < N_FILES; i++)
    {
      g_autofree char *path = g_build_filename (f->dir, f->names[i], NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), ==, -1);
  ks_dir_budget_add (f->budget, FILE_SIZE); /* before the scan: ignored */
  ks_dir_budget_start (f->budget, 0);
  wait_for_total (f, 5 * FILE_SIZE);
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), ==, 5 * FILE_SIZE);

  /* Over budget on disk, but not by what it was told: left alone. */
  write_file (f, unaccounted, 6 * FILE_SIZE, 60 * 60);
  for (guint i = 0; i < G_N_ELEMENTS (added); i++)
    {
      g_autofree char *seed = g_strdup_printf ("added-%u", i);

      added[i] = name_for (seed);
      write_file (f, added[i], FILE_SIZE, 30 * 60 - i * 60);
      ks_dir_budget_add (f->budget, FILE_SIZE);
      if (i < 5)
        {
          spin (G_USEC_PER_SEC / 10);
          g_assert_cmpint (ks_dir_budget_get_total (f->budget), ==, (6 + i) * FILE_SIZE);
          g_assert_true (exists (f, f->names[0]));
        }
    }

  /* 11,000 by its count: trimmed to 8,000 of the 17,000 on disk, the
   * oldest first. */
  wait_for_total (f, LOW_WATER);
  g_assert_cmpint (ks_dir_budget_get_total (f->budget), ==, 6 * FILE_SIZE);
  g_assert_cmpint (disk_total (f), ==, 6 * FILE_SIZE);
  for (guint i = 0; i < 5; i++)
    g_assert_false (exists (f, f->names[i]));
  g_assert_false (exists (f, unaccounted));
  for (guint i = 0; i < G_N_ELEMENTS (added); i++)
    {
      g_assert_true (exists (f, added[i]));
      g_free (added[i]);
    }

  /* A trim asked for meanwhile reports the same. */
  trim_async (f, &report);
  g_assert_cmpuint (report.n_removed, ==, 0);
  g_assert_cmpint (report.total, ==, 6 * FILE_SIZE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/dir-budget/names", test_names);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/dir-budget/oldest-first", test_oldest_first);
  ADD ("/dir-budget/under-budget", test_under_budget);
  ADD ("/dir-budget/foreign", test_foreign);
  ADD ("/dir-budget/touch", test_touch);
  ADD ("/dir-budget/touched-survive", test_touched_survive);
  ADD ("/dir-budget/held-survive", test_held_survive);
  ADD ("/dir-budget/empty-and-missing", test_empty_and_missing);
  ADD ("/dir-budget/unlink-fails", test_unlink_fails);
  ADD ("/dir-budget/async", test_async);
  ADD ("/dir-budget/running-total", test_running_total);
#undef ADD

  return g_test_run ();
}
