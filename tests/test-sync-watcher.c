/* test-sync-watcher.c: KsWatcher on real directories
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every wait is bounded and generous (suites run in parallel on small
 * machines, some under ASan); quiet periods only check that nothing
 * more happened.
 */
/* nftw() */
#define _GNU_SOURCE

#include <errno.h>
#include <ftw.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/mount.h>

#include "ks-watcher-private.h"
#include "ks-watcher.h"

#define WAIT_MS 20000
#define SETTLE 300
#define QUIET_MS (4 * SETTLE)

typedef struct
{
  char      *tmp;
  char      *root_path;
  GFile     *root;
  KsWatcher *watcher;
  GPtrArray *events;
  int        writer_done; /* atomic */
  guint      early;       /* settles seen before the writer finished */
  gboolean   mounted;
} Fixture;

/* ---- helpers ---- */

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* One main-context iteration, returning after @ms at the latest. */
static void
iterate (guint ms)
{
  gboolean fired = FALSE;
  guint    id = g_timeout_add (ms, flag_cb, &fired);

  g_main_context_iteration (NULL, TRUE);
  if (!fired)
    g_source_remove (id);
}

static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    iterate (50);
}

#define WAIT_FOR(expr)                                                        \
  G_STMT_START                                                                \
  {                                                                           \
    gint64 _end = g_get_monotonic_time () + (gint64) WAIT_MS * 1000;          \
    while (!(expr) && g_get_monotonic_time () < _end)                         \
      iterate (50);                                                           \
    if (!(expr))                                                              \
      g_error ("%s:%d: timed out waiting for %s", __FILE__, __LINE__, #expr); \
  }                                                                           \
  G_STMT_END

static guint
count (Fixture    *f,
       const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    n += g_str_has_prefix (f->events->pdata[i], prefix);
  return n;
}

static void
record (Fixture *f,
        char    *event)
{
  g_test_message ("event: %s", event);
  g_ptr_array_add (f->events, event);
}

static void
settled_cb (KsWatcher  *w,
            const char *path,
            gint64      size,
            gint64      mtime,
            guint64     inode,
            Fixture    *f)
{
  g_assert_cmpint (mtime, >, 0);
  g_assert_cmpuint (inode, >, 0);
  if (!g_atomic_int_get (&f->writer_done))
    f->early++;
  record (f, g_strdup_printf ("settled %s %" G_GINT64_FORMAT, path, size));
}

static void
renamed_cb (KsWatcher  *w,
            const char *from,
            const char *to,
            Fixture    *f)
{
  record (f, g_strdup_printf ("renamed %s %s", from, to));
}

static void
dir_renamed_cb (KsWatcher  *w,
                const char *from,
                const char *to,
                Fixture    *f)
{
  record (f, g_strdup_printf ("dir-renamed %s %s", from, to));
}

static void
removed_cb (KsWatcher  *w,
            const char *path,
            Fixture    *f)
{
  record (f, g_strdup_printf ("removed %s", path));
}

static void
dir_removed_cb (KsWatcher  *w,
                const char *path,
                Fixture    *f)
{
  record (f, g_strdup_printf ("dir-removed %s", path));
}

static void
paused_cb (KsWatcher  *w,
           const char *reason,
           Fixture    *f)
{
  g_assert_nonnull (reason);
  record (f, g_strdup_printf ("paused %s", reason));
}

static void
resumed_cb (KsWatcher *w,
            Fixture   *f)
{
  record (f, g_strdup ("resumed"));
}

static void
degraded_cb (KsWatcher  *w,
             const char *reason,
             Fixture    *f)
{
  record (f, g_strdup_printf ("degraded %s", reason));
}

static char *
path_in (Fixture    *f,
         const char *rel)
{
  return g_build_filename (f->root_path, rel, NULL);
}

static void
write_file (Fixture    *f,
            const char *rel,
            const char *contents)
{
  g_autofree char *path = path_in (f, rel);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
make_dir (Fixture    *f,
          const char *rel)
{
  g_autofree char *path = path_in (f, rel);

  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

static void
move (Fixture    *f,
      const char *from,
      const char *to)
{
  g_autofree char *a = path_in (f, from);
  g_autofree char *b = path_in (f, to);

  g_assert_cmpint (g_rename (a, b), ==, 0);
}

static int
rm_cb (const char        *path,
       const struct stat *st,
       int                flag,
       struct FTW        *ftw)
{
  return remove (path);
}

static void
rm_rf (const char *path)
{
  nftw (path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmp = g_dir_make_tmp ("ks-watcher-XXXXXX", &error);
  g_assert_no_error (error);
  f->root_path = g_build_filename (f->tmp, "root", NULL);
  g_assert_cmpint (g_mkdir (f->root_path, 0755), ==, 0);
  f->root = g_file_new_for_path (f->root_path);
  f->events = g_ptr_array_new_with_free_func (g_free);
  g_atomic_int_set (&f->writer_done, 1);
}

static void
watcher_new (Fixture *f,
             gboolean force_polling)
{
  f->watcher = g_object_new (KS_TYPE_WATCHER, "root", f->root, "force-polling", force_polling,
                             "settle-interval", SETTLE, "poll-interval", 100, NULL);
  g_signal_connect (f->watcher, "file-settled", G_CALLBACK (settled_cb), f);
  g_signal_connect (f->watcher, "file-renamed", G_CALLBACK (renamed_cb), f);
  g_signal_connect (f->watcher, "file-removed", G_CALLBACK (removed_cb), f);
  g_signal_connect (f->watcher, "dir-renamed", G_CALLBACK (dir_renamed_cb), f);
  g_signal_connect (f->watcher, "dir-removed", G_CALLBACK (dir_removed_cb), f);
  g_signal_connect (f->watcher, "paused", G_CALLBACK (paused_cb), f);
  g_signal_connect (f->watcher, "resumed", G_CALLBACK (resumed_cb), f);
  g_signal_connect (f->watcher, "degraded", G_CALLBACK (degraded_cb), f);
}

static void
start (Fixture *f,
       gboolean force_polling)
{
  watcher_new (f, force_polling);
  ks_watcher_start (f->watcher);
  WAIT_FOR (ks_watcher_get_state (f->watcher) == KS_WATCHER_WATCHING);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  if (f->watcher != NULL)
    {
      KsWatcher *weak = f->watcher;

      ks_watcher_stop (f->watcher);
      g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
      g_clear_object (&f->watcher);
      /* Listings in flight hold a reference until they return. */
      WAIT_FOR (weak == NULL);
    }
  spin (50);
  if (f->mounted)
    umount2 (f->root_path, MNT_DETACH);
  rm_rf (f->tmp);
  g_ptr_array_unref (f->events);
  g_object_unref (f->root);
  g_free (f->root_path);
  g_free (f->tmp);
}

/* ---- tests ---- */

static void
test_new_file (Fixture      *f,
               gconstpointer data)
{
  start (f, FALSE);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 1);
  g_assert_false (ks_watcher_get_degraded (f->watcher));

  write_file (f, "a.jpg", "12345");
  WAIT_FOR (count (f, "settled a.jpg 5") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (f->events->len, ==, 1);

  /* Overwritten: settles again, with the new size. */
  write_file (f, "a.jpg", "1234567");
  WAIT_FOR (count (f, "settled a.jpg 7") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (f->events->len, ==, 2);
}

static gpointer
slow_writer_thread (gpointer data)
{
  Fixture         *f = data;
  g_autofree char *path = path_in (f, "slow.jpg");
  char             piece[8192];
  FILE            *fp = fopen (path, "wb");

  g_assert_nonnull (fp);
  memset (piece, 'x', sizeof piece);
  for (guint i = 0; i < 12; i++)
    {
      g_assert_cmpuint (fwrite (piece, 1, sizeof piece, fp), ==, sizeof piece);
      fflush (fp);
      g_usleep (200 * 1000);
    }
  fclose (fp);
  g_atomic_int_set (&f->writer_done, 1);
  return NULL;
}

static void
test_slow_write (Fixture      *f,
                 gconstpointer data)
{
  g_autofree char *expected = g_strdup_printf ("settled slow.jpg %d", 12 * 8192);
  GThread         *writer;

  start (f, FALSE);
  /* A camera import pausing less than the interval between pieces. */
  ks_watcher_set_settle_interval (f->watcher, 1500);
  g_atomic_int_set (&f->writer_done, 0);
  writer = g_thread_new ("slow-writer", slow_writer_thread, f);
  WAIT_FOR (g_atomic_int_get (&f->writer_done));
  g_thread_join (writer);

  WAIT_FOR (count (f, "settled slow.jpg") >= 1);
  spin (3 * 1500);
  g_assert_cmpuint (f->early, ==, 0);
  g_assert_cmpuint (count (f, "settled slow.jpg"), ==, 1);
  g_assert_cmpuint (count (f, expected), ==, 1);
}

static void
test_rename (Fixture      *f,
             gconstpointer data)
{
  start (f, FALSE);
  write_file (f, "a.jpg", "abc");
  WAIT_FOR (count (f, "settled a.jpg") == 1);

  move (f, "a.jpg", "b.jpg");
  WAIT_FOR (count (f, "renamed a.jpg b.jpg") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (f->events->len, ==, 2);
}

static void
test_move_between_dirs (Fixture      *f,
                        gconstpointer data)
{
  make_dir (f, "one");
  make_dir (f, "two/deep");
  start (f, FALSE);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 4);

  write_file (f, "one/p.jpg", "photo");
  WAIT_FOR (count (f, "settled one/p.jpg") == 1);
  move (f, "one/p.jpg", "two/deep/p.jpg");
  WAIT_FOR (count (f, "renamed one/p.jpg two/deep/p.jpg") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (count (f, "renamed"), ==, 1);
  g_assert_cmpuint (count (f, "removed"), ==, 0);
  g_assert_cmpuint (count (f, "settled two"), ==, 0);

  /* A whole directory moved: one event, and it is watched where it is
   * now. */
  move (f, "two", "one/two");
  WAIT_FOR (count (f, "dir-renamed two one/two") == 1);
  WAIT_FOR (ks_watcher_get_n_monitored (f->watcher) == 4);
  write_file (f, "one/two/deep/q.jpg", "q");
  WAIT_FOR (count (f, "settled one/two/deep/q.jpg 1") == 1);
  g_assert_cmpuint (count (f, "removed"), ==, 0);
}

static void
test_new_subdir (Fixture      *f,
                 gconstpointer data)
{
  start (f, FALSE);

  /* Files land before the new directories are watched. */
  make_dir (f, "new/deeper");
  write_file (f, "new/x.jpg", "x");
  write_file (f, "new/deeper/y.jpg", "yy");
  WAIT_FOR (count (f, "settled new/x.jpg 1") == 1);
  WAIT_FOR (count (f, "settled new/deeper/y.jpg 2") == 1);
  WAIT_FOR (ks_watcher_get_n_monitored (f->watcher) == 3);

  write_file (f, "new/deeper/z.jpg", "zzz");
  WAIT_FOR (count (f, "settled new/deeper/z.jpg 3") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (f->events->len, ==, 3);
}

static void
test_delete (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *a = path_in (f, "a.jpg");
  g_autofree char *sub = path_in (f, "sub");

  make_dir (f, "sub");
  write_file (f, "sub/b.jpg", "b");
  start (f, FALSE);
  write_file (f, "a.jpg", "a");
  WAIT_FOR (count (f, "settled a.jpg") == 1);

  g_assert_cmpint (g_unlink (a), ==, 0);
  WAIT_FOR (count (f, "removed a.jpg") == 1);

  rm_rf (sub);
  WAIT_FOR (count (f, "dir-removed sub") == 1);
  /* "dir-removed" covers it; its own event may not have been seen. */
  g_assert_cmpuint (count (f, "removed sub/b.jpg"), <=, 1);
  g_assert_cmpuint (count (f, "paused"), ==, 0);
  WAIT_FOR (ks_watcher_get_n_monitored (f->watcher) == 1);
}

static void
test_root_removed (Fixture      *f,
                   gconstpointer data)
{
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *dir = g_strdup_printf ("d%u", i);
      g_autofree char *rel = g_strdup_printf ("d%u/photo%u.jpg", i, i);

      make_dir (f, dir);
      write_file (f, rel, "data");
    }
  start (f, FALSE);

  rm_rf (f->root_path);
  WAIT_FOR (count (f, "paused") == 1);
  g_assert_cmpint (ks_watcher_get_state (f->watcher), ==, KS_WATCHER_PAUSED);
  spin (QUIET_MS);
  g_assert_cmpuint (count (f, "removed"), ==, 0);
  g_assert_cmpuint (count (f, "dir-removed"), ==, 0);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 0);

  make_dir (f, "");
  WAIT_FOR (count (f, "resumed") == 1);
  g_assert_cmpint (ks_watcher_get_state (f->watcher), ==, KS_WATCHER_WATCHING);
  write_file (f, "back.jpg", "b");
  WAIT_FOR (count (f, "settled back.jpg") == 1);
  g_assert_cmpuint (count (f, "removed"), ==, 0);
}

static void
test_root_replaced (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *aside = g_build_filename (f->tmp, "aside", NULL);

  write_file (f, "a.jpg", "a");
  start (f, FALSE);

  /* Moved away and another folder put in its place at once. */
  g_assert_cmpint (g_rename (f->root_path, aside), ==, 0);
  make_dir (f, "");
  WAIT_FOR (count (f, "paused") == 1);
  WAIT_FOR (count (f, "resumed") == 1);
  g_assert_cmpuint (count (f, "removed"), ==, 0);

  write_file (f, "new.jpg", "n");
  WAIT_FOR (count (f, "settled new.jpg") == 1);
  /* The old folder is not watched any more. */
  {
    g_autofree char *old = g_build_filename (aside, "old.jpg", NULL);

    g_assert_true (g_file_set_contents (old, "o", -1, NULL));
  }
  spin (QUIET_MS);
  g_assert_cmpuint (count (f, "settled old.jpg"), ==, 0);
}

static void
test_root_missing_at_start (Fixture      *f,
                            gconstpointer data)
{
  rm_rf (f->root_path);
  watcher_new (f, FALSE);
  ks_watcher_start (f->watcher);
  g_assert_cmpint (ks_watcher_get_state (f->watcher), ==, KS_WATCHER_PAUSED);
  g_assert_cmpuint (count (f, "paused"), ==, 1);

  make_dir (f, "sub");
  WAIT_FOR (count (f, "resumed") == 1);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 2);
}

static void
test_unmounted (Fixture      *f,
                gconstpointer data)
{
  if (mount ("keepsake-test", f->root_path, "tmpfs", 0, "size=4m") != 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot mount a tmpfs here: %s", g_strerror (errno));

      g_test_skip (why);
      return;
    }
  f->mounted = TRUE;
  make_dir (f, "sub");
  write_file (f, "sub/a.jpg", "a");
  write_file (f, "b.jpg", "b");
  start (f, FALSE);

  g_assert_cmpint (umount (f->root_path), ==, 0);
  f->mounted = FALSE;
  WAIT_FOR (count (f, "paused") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (count (f, "removed"), ==, 0);
  g_assert_cmpuint (count (f, "dir-removed"), ==, 0);
  /* The empty mount point is not the folder coming back. */
  g_assert_cmpuint (count (f, "resumed"), ==, 0);

  g_assert_cmpint (mount ("keepsake-test", f->root_path, "tmpfs", 0, "size=4m"), ==, 0);
  f->mounted = TRUE;
  WAIT_FOR (count (f, "resumed") == 1);
  write_file (f, "c.jpg", "c");
  WAIT_FOR (count (f, "settled c.jpg") == 1);
}

static void
test_ignored (Fixture      *f,
              gconstpointer data)
{
  const char *ignored[] = { ".hidden.jpg", "x.jpg.part", "y.jpg.crdownload", "z.jpg~",
                            "t.tmp", ".cache/a.jpg" };

  make_dir (f, ".cache");
  start (f, FALSE);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (ignored); i++)
    write_file (f, ignored[i], "ignored");
  write_file (f, "ok.jpg", "ok");
  WAIT_FOR (count (f, "settled ok.jpg") == 1);

  /* A finished download is a new file, not a rename. */
  move (f, "x.jpg.part", "x.jpg");
  WAIT_FOR (count (f, "settled x.jpg 7") == 1);
  move (f, "ok.jpg", "ok.jpg~");
  WAIT_FOR (count (f, "removed ok.jpg") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (f->events->len, ==, 3);
}

static void
test_polling (Fixture      *f,
              gconstpointer data)
{
  g_autofree char *gone = path_in (f, "sub/b.jpg");

  make_dir (f, "sub");
  start (f, TRUE);
  WAIT_FOR (count (f, "degraded") == 1);
  g_assert_true (ks_watcher_get_degraded (f->watcher));
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 0);
  g_assert_cmpuint (ks_watcher_get_n_polled (f->watcher), ==, 2);

  write_file (f, "a.jpg", "a");
  WAIT_FOR (count (f, "settled a.jpg 1") == 1);
  write_file (f, "a.jpg", "aaa");
  WAIT_FOR (count (f, "settled a.jpg 3") == 1);
  move (f, "a.jpg", "sub/b.jpg");
  WAIT_FOR (count (f, "renamed a.jpg sub/b.jpg") == 1);
  make_dir (f, "sub/new");
  write_file (f, "sub/new/c.jpg", "cc");
  WAIT_FOR (count (f, "settled sub/new/c.jpg 2") == 1);
  g_assert_cmpint (g_unlink (gone), ==, 0);
  WAIT_FOR (count (f, "removed sub/b.jpg") == 1);
  g_assert_cmpuint (count (f, "removed"), ==, 1);

  rm_rf (f->root_path);
  WAIT_FOR (count (f, "paused") == 1);
  spin (QUIET_MS);
  g_assert_cmpuint (count (f, "removed"), ==, 1);
  g_assert_cmpuint (count (f, "degraded"), ==, 1);
}

/* Hundreds of directories are watched a slice at a time, after the
 * callback that listed them: set-up ends only once every one is
 * watched, and stopping midway leaves none watched and nothing queued. */
static void
test_wide_tree (Fixture      *f,
                gconstpointer data)
{
  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *rel = g_strdup_printf ("d%03u/sub", i);

      make_dir (f, rel);
    }
  start (f, FALSE);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 801);
  g_assert_cmpuint (f->watcher->pending_id, ==, 0);
  write_file (f, "d399/sub/a.jpg", "a");
  WAIT_FOR (count (f, "settled d399/sub/a.jpg") == 1);

  ks_watcher_stop (f->watcher);
  ks_watcher_start (f->watcher);
  WAIT_FOR (f->watcher->pending_id != 0);
  ks_watcher_stop (f->watcher);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 0);
  g_assert_cmpuint (g_queue_get_length (&f->watcher->pending), ==, 0);
  g_assert_cmpuint (f->watcher->pending_id, ==, 0);
  spin (QUIET_MS);
  g_assert_cmpuint (ks_watcher_get_n_monitored (f->watcher), ==, 0);
  g_assert_cmpint (ks_watcher_get_state (f->watcher), ==, KS_WATCHER_STOPPED);
}

/* Nothing pending: no timer left behind. */
static void
test_idle (Fixture      *f,
           gconstpointer data)
{
  make_dir (f, "sub");
  start (f, FALSE);
  write_file (f, "sub/a.jpg", "a");
  WAIT_FOR (count (f, "settled sub/a.jpg") == 1);
  WAIT_FOR (f->watcher->tick_id == 0);
  g_assert_cmpuint (f->watcher->poll_id, ==, 0);
  g_assert_cmpuint (f->watcher->pending_id, ==, 0);
  g_assert_cmpuint (f->watcher->retry_id, ==, 0);
  g_assert_cmpuint (f->watcher->resume_idle_id, ==, 0);
  g_assert_null (f->watcher->ancestor_monitor);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/watcher/new-file", test_new_file);
  ADD ("/watcher/slow-write", test_slow_write);
  ADD ("/watcher/rename", test_rename);
  ADD ("/watcher/move-between-dirs", test_move_between_dirs);
  ADD ("/watcher/new-subdir", test_new_subdir);
  ADD ("/watcher/delete", test_delete);
  ADD ("/watcher/root-removed", test_root_removed);
  ADD ("/watcher/root-replaced", test_root_replaced);
  ADD ("/watcher/root-missing-at-start", test_root_missing_at_start);
  ADD ("/watcher/unmounted", test_unmounted);
  ADD ("/watcher/ignored", test_ignored);
  ADD ("/watcher/polling", test_polling);
  ADD ("/watcher/wide-tree", test_wide_tree);
  ADD ("/watcher/idle", test_idle);
#undef ADD

  return g_test_run ();
}
