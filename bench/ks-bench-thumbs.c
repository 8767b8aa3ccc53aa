/* ks-bench-thumbs.c: the sync engine's local work per photo, timed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ks-bench-thumbs [--jobs N] [--repeat R] FILE...
 *
 * Runs ks_thumbnails_make() (one read: SHA-256, decode at scale, the
 * 1280 px preview and the 256 px grid thumbnail as JPEG) on every FILE,
 * R times, on N threads (default: the cores), and prints photos a second
 * and CPU milliseconds a photo. bench/sync-thumbs.sh compares it with
 * vipsthumbnail.
 */
#include "config.h"

#include <sys/resource.h>

#include <glib/gstdio.h>

#include "ks-thumbnailer.h"

typedef struct
{
  GPtrArray *files; /* GFile */
  guint      repeat;
  char      *out_dir;
  gint       next; /* atomic */
  gint       failed;
} Work;

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (double) usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double) usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec / 1e6;
}

static gpointer
worker (gpointer data)
{
  Work *work = data;
  guint n = work->files->len * work->repeat;
  gint  i;

  while ((i = g_atomic_int_add (&work->next, 1)) < (gint) n)
    {
      GFile           *file = g_ptr_array_index (work->files, (guint) i % work->files->len);
      g_autofree char *name = g_strdup_printf ("%d", i);
      g_autoptr (GFile) dir = g_file_new_build_filename (work->out_dir, name, NULL);
      g_autoptr (KsThumbnails) thumbs = NULL;
      g_autoptr (GError) error = NULL;

      g_file_make_directory (dir, NULL, NULL);
      thumbs = ks_thumbnails_make (file, dir, NULL, &error);
      if (thumbs == NULL)
        {
          g_printerr ("%s: %s\n", g_file_peek_path (file), error->message);
          g_atomic_int_inc (&work->failed);
          continue;
        }
      g_file_delete (thumbs->grid, NULL, NULL);
      g_file_delete (thumbs->preview, NULL, NULL);
      g_file_delete (dir, NULL, NULL);
    }
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  int                jobs = (int) g_get_num_processors ();
  int                repeat = 1;
  const GOptionEntry entries[] = {
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Threads (default: the cores)", "N" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "Times over the files", "R" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE…");
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Work   work = { 0 };
  gint64 start;
  double cpu, wall;
  guint  n;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc < 2 || jobs < 1 || repeat < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "Usage: ks-bench-thumbs [--jobs N] [--repeat R] FILE…");
      return 2;
    }

  work.files = g_ptr_array_new_with_free_func (g_object_unref);
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (work.files, g_file_new_for_commandline_arg (argv[i]));
  work.repeat = (guint) repeat;
  work.out_dir = g_dir_make_tmp ("ks-bench-thumbs-XXXXXX", &error);
  if (work.out_dir == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  cpu = cpu_seconds ();
  start = g_get_monotonic_time ();
  for (int i = 0; i < jobs; i++)
    g_ptr_array_add (threads, g_thread_new ("bench-thumbs", worker, &work));
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));
  wall = (g_get_monotonic_time () - start) / 1e6;
  cpu = cpu_seconds () - cpu;
  n = work.files->len * work.repeat - (guint) work.failed;

  g_print ("photos: %u on %d threads, %.2f s: %.1f photos/s, %.1f ms CPU a photo\n", n, jobs, wall, n / wall,
           n > 0 ? cpu * 1000 / n : 0.0);
  g_rmdir (work.out_dir);
  g_free (work.out_dir);
  g_ptr_array_unref (work.files);
  return work.failed > 0 ? 1 : 0;
}
