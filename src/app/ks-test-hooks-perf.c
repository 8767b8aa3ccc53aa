/* ks-test-hooks-perf.c: what bench/ measures the app with
 *
 * Development only (KEEPSAKE_TEST_HOOKS): timestamps and frame times,
 * read through the test-state hook (bench/ks-bench-app.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include "ks-photo-tile.h"
#include "ks-test-hooks-perf.h"
#include "ks-window-private.h"

/* --- Launch */

static gint64 process_start;    /* monotonic µs */
static gint64 first_grid_frame; /* 0 until painted */
static gint64 thumbnails_frame;
static guint  tiles_on_screen;

/* The kernel's start time of this process (clock ticks since boot), on
 * the monotonic clock. */
static gint64
read_process_start (void)
{
  g_autofree char   *stat = NULL;
  const char        *fields;
  struct timespec    boot, mono;
  unsigned long long ticks = 0;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      (fields = strrchr (stat, ')')) == NULL ||
      sscanf (fields + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
              &ticks) != 1)
    return 0;
  clock_gettime (CLOCK_BOOTTIME, &boot);
  clock_gettime (CLOCK_MONOTONIC, &mono);
  return (gint64) (ticks * G_USEC_PER_SEC / (unsigned long long) sysconf (_SC_CLK_TCK)) -
         ((boot.tv_sec - mono.tv_sec) * G_USEC_PER_SEC + (boot.tv_nsec - mono.tv_nsec) / 1000);
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Tiles inside the visible part of @view, and how many show a picture. */
static guint
count_tiles_on_screen (GtkWidget *view,
                       guint     *with_thumbnail)
{
  graphene_rect_t visible, bounds;
  guint           n = 0;

  *with_thumbnail = 0;
  graphene_rect_init (&visible, 0, 0, gtk_widget_get_width (view), gtk_widget_get_height (view));
  for (GtkWidget *child = gtk_widget_get_first_child (view); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *tile = gtk_widget_get_first_child (child);
      GtkWidget *picture;

      if (tile == NULL || !KS_IS_PHOTO_TILE (tile) || !gtk_widget_get_child_visible (child) ||
          !gtk_widget_compute_bounds (child, view, &bounds) ||
          !graphene_rect_intersection (&visible, &bounds, NULL))
        continue;
      n++;
      picture = find_descendant (tile, GTK_TYPE_PICTURE);
      if (picture != NULL && gtk_picture_get_paintable (GTK_PICTURE (picture)) != NULL)
        (*with_thumbnail)++;
    }
  return n;
}

static GtkWidget *
library_view (KsWindow *window)
{
  if (window->library_grid == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window->library_grid)))
    return NULL;
  return find_descendant (GTK_WIDGET (window->library_grid), GTK_TYPE_GRID_VIEW);
}

static void
launch_after_paint_cb (GdkFrameClock *clock,
                       KsWindow      *window)
{
  GtkWidget *view = library_view (window);
  guint      n, painted;

  if (view == NULL || !gtk_widget_get_mapped (view))
    return;
  n = count_tiles_on_screen (view, &painted);
  if (n == 0)
    return;
  if (first_grid_frame == 0)
    first_grid_frame = g_get_monotonic_time ();
  if (painted == n)
    {
      thumbnails_frame = g_get_monotonic_time ();
      tiles_on_screen = n;
      g_signal_handlers_disconnect_by_func (clock, launch_after_paint_cb, window);
    }
}

static void
window_realized_cb (GtkWidget *window)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (launch_after_paint_cb), window, 0);
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window)
{
  if (KS_IS_WINDOW (window) && first_grid_frame == 0)
    g_signal_connect_after (window, "realize", G_CALLBACK (window_realized_cb), NULL);
}

void
ks_test_hooks_perf_install (KsApplication *app)
{
  process_start = read_process_start ();
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
}

/* --- Scrolling */

typedef struct
{
  GtkWidget     *widget; /* owned */
  GtkAdjustment *adjustment;
  KsPhotoList   *list; /* nullable, owned */
  double         speed;
  double         position;
  guint          tick_id;
  gulong         after_paint_id;
  gint64         started;
  gint64         last_frame_time;
  gint64         tick_start;
  gint64         last_paint;
  gint64         stalled_us;
  gint64         stall_started; /* 0 unless waiting at the end */
  gboolean       gave_up;
  GArray        *intervals;       /* double ms: paint end to paint end */
  GArray        *clock_intervals; /* double ms: frame clock's frame times */
  GArray        *work;            /* double ms: frame start to paint end */
  gboolean       done;
} ScrollRun;

static ScrollRun *scroll_run; /* nullable: the last one, until the next */

static void
scroll_run_free (ScrollRun *run)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (run->widget);

  if (run->tick_id != 0)
    gtk_widget_remove_tick_callback (run->widget, run->tick_id);
  if (clock != NULL)
    g_clear_signal_handler (&run->after_paint_id, clock);
  g_clear_object (&run->widget);
  g_clear_object (&run->list);
  g_array_unref (run->intervals);
  g_array_unref (run->clock_intervals);
  g_array_unref (run->work);
  g_free (run);
}

static void
add_ms (GArray *array,
        gint64  us)
{
  double ms = us / 1000.0;

  g_array_append_val (array, ms);
}

static void
scroll_after_paint_cb (GdkFrameClock *clock,
                       ScrollRun     *run)
{
  gint64 now = g_get_monotonic_time ();

  if (run->last_paint != 0)
    add_ms (run->intervals, now - run->last_paint);
  if (run->tick_start != 0)
    add_ms (run->work, now - run->tick_start);
  run->last_paint = now;
  run->tick_start = 0;
  if (run->done)
    g_clear_signal_handler (&run->after_paint_id, clock);
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  ScrollRun *run = user_data;
  gint64     frame_time = gdk_frame_clock_get_frame_time (clock);
  double     lower = gtk_adjustment_get_lower (run->adjustment);
  double     end = gtk_adjustment_get_upper (run->adjustment) - gtk_adjustment_get_page_size (run->adjustment);
  gboolean   more = run->list != NULL && !ks_photo_list_get_complete (run->list);

  run->tick_start = g_get_monotonic_time ();
  if (run->last_frame_time == 0)
    run->position = gtk_adjustment_get_value (run->adjustment);
  else
    {
      gint64 dt = frame_time - run->last_frame_time;

      add_ms (run->clock_intervals, dt);
      run->position += run->speed * dt / G_USEC_PER_SEC;
      /* Waiting for the next page at the end of what is listed. */
      if (run->speed > 0 && run->position >= end && more)
        {
          run->stalled_us += dt;
          if (run->stall_started == 0)
            run->stall_started = frame_time;
        }
      else
        run->stall_started = 0;
    }
  run->last_frame_time = frame_time;
  run->position = CLAMP (run->position, lower, MAX (end, lower));
  gtk_adjustment_set_value (run->adjustment, run->position);

  /* A minute without a page: the list is stuck, say so. */
  run->gave_up = run->stall_started != 0 && frame_time - run->stall_started > 60 * G_USEC_PER_SEC;
  if ((run->speed > 0 && run->position >= end && !more) || (run->speed < 0 && run->position <= lower) ||
      run->gave_up)
    {
      run->done = TRUE;
      run->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

gboolean
ks_test_hooks_perf_scroll (GtkWidget  *widget,
                           const char *argument)
{
  GtkWidget *grid = gtk_widget_get_ancestor (widget, KS_TYPE_PHOTO_GRID);
  ScrollRun *run;
  double     speed = g_ascii_strtod (argument, NULL);

  if (!GTK_IS_SCROLLABLE (widget) || speed == 0 ||
      gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (widget)) == NULL)
    return FALSE;

  g_clear_pointer (&scroll_run, scroll_run_free);
  run = g_new0 (ScrollRun, 1);
  run->widget = g_object_ref (widget);
  run->adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (widget));
  if (grid != NULL && ks_photo_grid_get_model (KS_PHOTO_GRID (grid)) != NULL)
    run->list = g_object_ref (ks_photo_grid_get_model (KS_PHOTO_GRID (grid)));
  run->speed = speed;
  run->started = g_get_monotonic_time ();
  run->intervals = g_array_new (FALSE, FALSE, sizeof (double));
  run->clock_intervals = g_array_new (FALSE, FALSE, sizeof (double));
  run->work = g_array_new (FALSE, FALSE, sizeof (double));
  run->tick_id = gtk_widget_add_tick_callback (widget, scroll_tick_cb, run, NULL);
  run->after_paint_id = g_signal_connect (gtk_widget_get_frame_clock (widget), "after-paint",
                                          G_CALLBACK (scroll_after_paint_cb), run);
  scroll_run = run;
  return TRUE;
}

/* What of the process's size is the allocator's, not the app's: memory
 * freed but kept by malloc goes back to the system. */
gboolean
ks_test_hooks_perf_trim (void)
{
  malloc_trim (0);
  return TRUE;
}

/* --- State */

static void
add_int64 (GVariantBuilder *builder,
           const char      *key,
           gint64           value)
{
  g_variant_builder_add (builder, "{sv}", key, g_variant_new_int64 (value));
}

static void
add_doubles (GVariantBuilder *builder,
             const char      *key,
             GArray          *array)
{
  g_variant_builder_add (builder, "{sv}", key,
                         g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, array->data, array->len,
                                                    sizeof (double)));
}

static void
add_cache_state (GVariantBuilder *builder,
                 KsApplication   *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (KS_IS_WINDOW (l->data) && KS_WINDOW (l->data)->cache != NULL)
      {
        guint n = 0;
        gsize bytes = ks_thumbnail_cache_get_memory_size (KS_WINDOW (l->data)->cache, &n);

        g_variant_builder_add (builder, "{sv}", "thumbnails-in-memory", g_variant_new_uint32 (n));
        g_variant_builder_add (builder, "{sv}", "thumbnail-bytes-in-memory", g_variant_new_uint64 (bytes));
        return;
      }
}

void
ks_test_hooks_perf_add_state (GVariantBuilder *builder,
                              KsApplication   *app)
{
  gboolean done;

  add_cache_state (builder, app);
  add_int64 (builder, "perf-now", g_get_monotonic_time ());
  add_int64 (builder, "perf-process-start", process_start);
  add_int64 (builder, "perf-first-grid-frame", first_grid_frame);
  add_int64 (builder, "perf-thumbnails-frame", thumbnails_frame);
  g_variant_builder_add (builder, "{sv}", "perf-tiles-on-screen", g_variant_new_uint32 (tiles_on_screen));

  if (scroll_run == NULL)
    return;
  /* Done once the last frame is painted. */
  done = scroll_run->done && scroll_run->after_paint_id == 0;
  g_variant_builder_add (builder, "{sv}", "scroll-done", g_variant_new_boolean (done));
  g_variant_builder_add (builder, "{sv}", "scroll-value",
                         g_variant_new_double (gtk_adjustment_get_value (scroll_run->adjustment)));
  g_variant_builder_add (builder, "{sv}", "scroll-frames", g_variant_new_uint32 (scroll_run->work->len));
  if (!done)
    return;
  add_int64 (builder, "scroll-seconds-us", scroll_run->last_paint - scroll_run->started);
  add_int64 (builder, "scroll-stalled-us", scroll_run->stalled_us);
  g_variant_builder_add (builder, "{sv}", "scroll-gave-up", g_variant_new_boolean (scroll_run->gave_up));
  add_doubles (builder, "scroll-intervals", scroll_run->intervals);
  add_doubles (builder, "scroll-clock-intervals", scroll_run->clock_intervals);
  add_doubles (builder, "scroll-work", scroll_run->work);
}
