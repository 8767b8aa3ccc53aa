/* ks-bench-stalls.c: how long a program's main loop stops answering
 *
 * Preloaded into a GLib program (LD_PRELOAD), it adds a 2 ms timer to
 * the default main context, which the program's main thread iterates,
 * and at exit writes to KS_BENCH_STALLS (a file) or stderr the longest
 * time the timer came late and how often it came over a frame (16 ms)
 * late: what a window on that thread would have dropped.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#define TICK_US 2000
#define FRAME_US 16667

static gint64 first_tick, last_tick, longest, longest_at;
static guint  n_ticks, n_over_frame;

static gboolean
tick_cb (gpointer user_data)
{
  gint64 now = g_get_monotonic_time ();

  if (last_tick != 0)
    {
      gint64 late = now - last_tick - TICK_US;

      if (late > longest)
        {
          longest = late;
          longest_at = last_tick - first_tick;
        }
      n_over_frame += late > FRAME_US ? 1 : 0;
    }
  else
    first_tick = now;
  last_tick = now;
  n_ticks++;
  return G_SOURCE_CONTINUE;
}

static void
report (void)
{
  const char *path = g_getenv ("KS_BENCH_STALLS");
  FILE       *out = path != NULL ? fopen (path, "a") : stderr;

  if (out == NULL || n_ticks == 0)
    return;
  fprintf (out, "%s's main loop: %.2f s, longest stall %.1f ms (from %.2f s), %u stalls over a frame (16.7 ms), %u ticks\n",
           program_invocation_short_name, (double) (last_tick - first_tick) / G_USEC_PER_SEC, (double) longest / 1000.0,
           (double) longest_at / G_USEC_PER_SEC, n_over_frame, n_ticks);
  if (out != stderr)
    fclose (out);
}

__attribute__ ((constructor)) static void
ks_bench_stalls_init (void)
{
  GSource *source = g_timeout_source_new (TICK_US / 1000);

  g_source_set_static_name (source, "[ks-bench] stall probe");
  g_source_set_callback (source, tick_cb, NULL, NULL);
  g_source_attach (source, NULL);
  g_source_unref (source);
  atexit (report);
}
