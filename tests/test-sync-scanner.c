/* test-sync-scanner.c: full scans in bounded batches, root identity
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* nftw() */
#define _GNU_SOURCE

#include <errno.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "ks-scanner.h"
#include "ks-sync-error.h"

#define N_DIRS 40
#define N_PER_DIR 75
#define N_FILES (N_DIRS * N_PER_DIR)
#define BATCH_SIZE 100
#define WAIT_MS 60000

typedef struct
{
  char         *tmp;
  char         *root_path;
  GFile        *root;
  GHashTable   *seen; /* path -> size */
  guint         n_batches;
  guint         max_batch;
  GPtrArray    *errors; /* "path: code" */
  KsScanEntry   last;   /* path not kept */
  GCancellable *cancel_after_first;
  GAsyncResult *result;
} Fixture;

static int
rm_cb (const char        *path,
       const struct stat *st,
       int                flag,
       struct FTW        *ftw)
{
  chmod (path, 0755);
  return remove (path);
}

static void
write_file (const char *dir,
            const char *name,
            gsize       size)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *data = g_malloc0 (size + 1);
  FILE            *fp = fopen (path, "wb");

  /* Plain writes: thousands of g_file_set_contents() are slow. */
  g_assert_nonnull (fp);
  memset (data, 'p', size);
  g_assert_cmpuint (fwrite (data, 1, size, fp), ==, size);
  g_assert_cmpint (fclose (fp), ==, 0);
}

/* @n_dirs directories two levels deep, N_PER_DIR files each (file i of
 * directory d has d + i bytes), plus names and links to skip. */
static void
make_tree (Fixture *f,
           guint    n_dirs)
{
  g_autofree char *outside = g_build_filename (f->tmp, "outside", NULL);
  g_autofree char *hidden = g_build_filename (f->root_path, ".hidden", NULL);
  g_autofree char *link = g_build_filename (f->root_path, "link-out", NULL);
  g_autofree char *flink = g_build_filename (f->root_path, "file-link.jpg", NULL);
  g_autofree char *target = g_build_filename (f->root_path, "d0", "f0.jpg", NULL);

  for (guint d = 0; d < n_dirs; d++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/d%u/sub%u", f->root_path, d % 4, d);

      if (d < 4)
        {
          g_free (dir);
          dir = g_strdup_printf ("%s/d%u", f->root_path, d);
        }
      g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
      for (guint i = 0; i < N_PER_DIR; i++)
        {
          g_autofree char *name = g_strdup_printf ("f%u.jpg", i);

          write_file (dir, name, d + i);
        }
    }

  g_assert_cmpint (g_mkdir_with_parents (outside, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (hidden, 0755), ==, 0);
  write_file (outside, "o.jpg", 1);
  write_file (hidden, "h.jpg", 1);
  write_file (f->root_path, ".h.jpg", 1);
  write_file (f->root_path, "dl.jpg.part", 1);
  write_file (f->root_path, "dl.jpg.crdownload", 1);
  write_file (f->root_path, "edit.jpg~", 1);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (symlink (target, flink), ==, 0);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-scanner-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (f->tmp, 0755), ==, 0);
  f->root_path = g_build_filename (f->tmp, "root", NULL);
  g_assert_cmpint (g_mkdir (f->root_path, 0755), ==, 0);
  f->root = g_file_new_for_path (f->root_path);
  f->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->errors = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  nftw (f->tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
  g_clear_object (&f->result);
  g_clear_object (&f->cancel_after_first);
  g_hash_table_unref (f->seen);
  g_ptr_array_unref (f->errors);
  g_object_unref (f->root);
  g_free (f->root_path);
  g_free (f->tmp);
}

static void
batch_cb (KsScanner *scanner,
          GPtrArray *entries,
          Fixture   *f)
{
  g_assert_cmpuint (entries->len, >, 0);
  g_assert_cmpuint (entries->len, <=, ks_scanner_get_batch_size (scanner));
  f->n_batches++;
  f->max_batch = MAX (f->max_batch, entries->len);

  for (guint i = 0; i < entries->len; i++)
    {
      KsScanEntry *e = g_ptr_array_index (entries, i);

      g_assert_false (g_path_is_absolute (e->path));
      g_assert_true (g_hash_table_insert (f->seen, g_strdup (e->path), GSIZE_TO_POINTER (e->size)));
      g_assert_cmpuint (e->inode, >, 0);
      g_assert_cmpint (e->mtime, >, 0);
      f->last = *e;
      f->last.path = NULL;
    }
  if (f->cancel_after_first != NULL)
    g_cancellable_cancel (f->cancel_after_first);
}

static void
path_error_cb (KsScanner    *scanner,
               const char   *path,
               const GError *error,
               Fixture      *f)
{
  g_assert_nonnull (error);
  g_ptr_array_add (f->errors, g_strdup_printf ("%s: %d", path, error->domain == G_IO_ERROR ? error->code : -1));
}

static void
scan_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *f = user_data;

  f->result = g_object_ref (result);
}

static gboolean
run_scan (Fixture      *f,
          KsScanner    *scanner,
          GCancellable *cancellable,
          KsScanStats  *stats,
          GError      **error)
{
  gint64 end = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;

  g_signal_connect (scanner, "batch", G_CALLBACK (batch_cb), f);
  g_signal_connect (scanner, "path-error", G_CALLBACK (path_error_cb), f);
  ks_scanner_scan_async (scanner, cancellable, scan_done_cb, f);
  while (f->result == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (f->result);
  return ks_scanner_scan_finish (scanner, f->result, stats, error);
}

static void
test_tree (Fixture      *f,
           gconstpointer data)
{
  g_autoptr (KsScanner) scanner = ks_scanner_new (f->root);
  g_autoptr (GError) error = NULL;
  KsScanStats stats;

  make_tree (f, N_DIRS);
  ks_scanner_set_batch_size (scanner, BATCH_SIZE);
  g_assert_true (run_scan (f, scanner, NULL, &stats, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (g_hash_table_size (f->seen), ==, N_FILES);
  g_assert_cmpuint (stats.n_files, ==, N_FILES);
  g_assert_cmpuint (stats.n_batches, ==, f->n_batches);
  g_assert_cmpuint (f->n_batches, >=, N_FILES / BATCH_SIZE);
  g_assert_cmpuint (f->max_batch, <=, BATCH_SIZE);
  g_assert_cmpuint (stats.n_errors, ==, 0);
  g_assert_cmpuint (stats.n_dirs, ==, N_DIRS + 1);
  g_assert_cmpuint (f->errors->len, ==, 0);

  g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (f->seen, "d1/sub9/f3.jpg")), ==, 9 + 3);
  g_assert_true (g_hash_table_contains (f->seen, "d0/f0.jpg"));
  g_assert_false (g_hash_table_contains (f->seen, "file-link.jpg"));
  g_assert_false (g_hash_table_contains (f->seen, "link-out/o.jpg"));
  g_assert_false (g_hash_table_contains (f->seen, ".hidden/h.jpg"));
  g_assert_false (g_hash_table_contains (f->seen, ".h.jpg"));
  g_assert_false (g_hash_table_contains (f->seen, "dl.jpg.part"));
  g_assert_false (g_hash_table_contains (f->seen, "edit.jpg~"));
}

static void
test_entry_fields (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr (KsScanner) scanner = ks_scanner_new (f->root);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->root_path, "one.jpg", NULL);
  GStatBuf         st;

  write_file (f->root_path, "one.jpg", 1234);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_true (run_scan (f, scanner, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (f->seen), ==, 1);
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (f->seen, "one.jpg")), ==, 1234);
  g_assert_cmpuint (f->n_batches, ==, 1);
  g_assert_cmpint (f->last.size, ==, 1234);
  g_assert_cmpuint (f->last.inode, ==, st.st_ino);
  g_assert_cmpuint (f->last.device, ==, st.st_dev);
  g_assert_cmpint (f->last.mtime, ==, (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000);
}

static void
test_cancel (Fixture      *f,
             gconstpointer data)
{
  g_autoptr (KsScanner) scanner = ks_scanner_new (f->root);
  g_autoptr (GError) error = NULL;
  KsScanStats stats;

  make_tree (f, 10);
  ks_scanner_set_batch_size (scanner, 50);
  f->cancel_after_first = g_cancellable_new ();
  g_assert_false (run_scan (f, scanner, f->cancel_after_first, &stats, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Nothing is emitted once cancelled. */
  g_assert_cmpuint (f->n_batches, ==, 1);
  g_assert_cmpuint (g_hash_table_size (f->seen), ==, 50);
  g_assert_cmpuint (stats.n_files, <, 10 * N_PER_DIR);
}

static void
test_unreadable_subdir (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr (KsScanner) scanner = ks_scanner_new (f->root);
  g_autoptr (GError) error = NULL;
  g_autofree char *locked = g_build_filename (f->root_path, "b", "locked", NULL);
  g_autofree char *open_dir = g_build_filename (f->root_path, "c", NULL);
  g_autofree char *expected = g_strdup_printf ("b/locked: %d", G_IO_ERROR_PERMISSION_DENIED);
  gboolean         as_nobody = FALSE;
  KsScanStats      stats;
  gboolean         ok;

  g_assert_cmpint (g_mkdir_with_parents (locked, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (open_dir, 0755), ==, 0);
  write_file (locked, "secret.jpg", 3);
  write_file (open_dir, "fine.jpg", 4);
  write_file (f->root_path, "top.jpg", 5);
  g_assert_cmpint (g_chmod (locked, 0), ==, 0);

  /* Permissions do not stop root: scan as nobody then. */
  if (geteuid () == 0)
    {
      if (seteuid (65534) != 0)
        {
          g_test_skip ("running as root and cannot switch to nobody");
          return;
        }
      as_nobody = TRUE;
    }
  ok = run_scan (f, scanner, NULL, &stats, &error);
  if (as_nobody)
    g_assert_cmpint (seteuid (0), ==, 0);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (f->errors->len, ==, 1);
  g_assert_cmpstr (f->errors->pdata[0], ==, expected);
  g_assert_cmpuint (stats.n_errors, ==, 1);
  g_assert_cmpuint (g_hash_table_size (f->seen), ==, 2);
  g_assert_true (g_hash_table_contains (f->seen, "c/fine.jpg"));
  g_assert_true (g_hash_table_contains (f->seen, "top.jpg"));
}

static void
test_root_missing (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr (GFile) missing = g_file_get_child (f->root, "nope");
  g_autoptr (KsScanner) scanner = ks_scanner_new (missing);
  g_autoptr (GError) error = NULL;
  KsRootIdentity identity;

  g_assert_false (run_scan (f, scanner, NULL, NULL, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FOLDER_GONE);
  g_assert_cmpuint (f->n_batches, ==, 0);
  g_clear_error (&error);

  g_assert_false (ks_root_identity_read (missing, &identity, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FOLDER_GONE);
}

static void
test_root_identity (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *aside = g_build_filename (f->tmp, "aside", NULL);
  g_autofree char *link = g_build_filename (f->tmp, "link", NULL);
  g_autoptr (GFile) link_file = g_file_new_for_path (link);
  g_autoptr (GError) error = NULL;
  KsRootIdentity a, b, c;

  g_assert_true (ks_root_identity_read (f->root, &a, &error));
  g_assert_no_error (error);
  g_assert_false (a.mount_point);
  g_assert_true (ks_root_identity_read (f->root, &b, NULL));
  g_assert_true (ks_root_identity_equal (&a, &b));

  /* A symlinked root is the directory it points to. */
  g_assert_cmpint (symlink (f->root_path, link), ==, 0);
  g_assert_true (ks_root_identity_read (link_file, &c, NULL));
  g_assert_true (ks_root_identity_equal (&a, &c));

  /* Replaced while the old one still exists: a different directory. */
  g_assert_cmpint (g_rename (f->root_path, aside), ==, 0);
  g_assert_cmpint (g_mkdir (f->root_path, 0755), ==, 0);
  g_assert_true (ks_root_identity_read (f->root, &b, NULL));
  g_assert_false (ks_root_identity_equal (&a, &b));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/scanner/tree", test_tree);
  ADD ("/scanner/entry-fields", test_entry_fields);
  ADD ("/scanner/cancel", test_cancel);
  ADD ("/scanner/unreadable-subdir", test_unreadable_subdir);
  ADD ("/scanner/root-missing", test_root_missing);
  ADD ("/scanner/root-identity", test_root_identity);
#undef ADD

  return g_test_run ();
}
