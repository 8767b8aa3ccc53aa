/* ks-bench-app.c: the desktop app's launch, memory and scrolling with a
 * large library
 *
 *   ks-bench-app --app BUILD/src/app/keepsake --url http://127.0.0.1:PORT
 *                [--launches 3] [--speed 10000] [--no-scroll] [--cold]
 *
 * Run by bench/app-library.sh inside Xvfb, a session bus and a
 * throwaway keyring with a fresh HOME. Signs in once through the
 * welcome page (server by URL) and quits once the first screen's
 * thumbnails are on disk, then launches the app --launches times, each
 * until every tile on screen shows its thumbnail, and once more with
 * the thumbnail cache on disk emptied first (--cold: every time); that
 * last launch then scrolls the library from top to bottom and back at
 * --speed px/s with the test hooks' "scroll" verb
 * (src/app/ks-test-hooks-perf.h). Prints one line per measurement.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#define APP_BUS_NAME "io.github.keepsake.Keepsake"
#define APP_PATH "/io/github/keepsake/Keepsake"

static GDBusConnection *bus;
static GSubprocess     *app;
static char            *app_binary;
static gboolean         app_exited;

/* --- Talking to the app (as tests/ks-ui-harness.c does) */

static void
activate (const char *action,
          GVariant   *parameter)
{
  GVariantBuilder params;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;

  g_variant_builder_init (&params, G_VARIANT_TYPE ("av"));
  if (parameter != NULL)
    g_variant_builder_add (&params, "v", parameter);
  reply = g_dbus_connection_call_sync (bus, APP_BUS_NAME, APP_PATH, "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", action, &params, NULL), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);
  if (reply == NULL)
    g_error ("%s: %s", action, error->message);
}

static void
widget (const char *selector,
        const char *verb,
        const char *argument)
{
  activate ("test-widget", g_variant_new ("(sss)", selector, verb, argument));
}

static GVariant *
get_state (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GVariant) child = NULL;
  g_autoptr (GError) error = NULL;

  activate ("test-state", NULL);
  reply = g_dbus_connection_call_sync (bus, APP_BUS_NAME, APP_PATH, "org.gtk.Actions", "Describe",
                                       g_variant_new ("(s)", "test-state"), G_VARIANT_TYPE ("((bgav))"),
                                       G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);
  if (reply == NULL)
    g_error ("test-state: %s", error->message);
  g_variant_get (reply, "((bg@av))", NULL, NULL, &state);
  child = g_variant_get_child_value (state, 0);
  return g_variant_get_variant (child);
}

static const char *
state_string (GVariant   *state,
              const char *key)
{
  const char *value = "";

  g_variant_lookup (state, key, "&s", &value);
  return value;
}

static gint64
state_int64 (GVariant   *state,
             const char *key)
{
  gint64 value = 0;

  g_variant_lookup (state, key, "x", &value);
  return value;
}

static guint
state_uint (GVariant   *state,
            const char *key)
{
  guint32 value = 0;

  g_variant_lookup (state, key, "u", &value);
  return value;
}

typedef gboolean (*Check) (GVariant *state, gconstpointer data);

static GVariant *
wait_for (const char   *what,
          Check         check,
          gconstpointer data,
          double        seconds,
          double        poll_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (TRUE)
    {
      g_autoptr (GVariant) state = get_state ();

      if (check (state, data))
        return g_steal_pointer (&state);
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *text = g_variant_print (state, FALSE);

          g_error ("timed out waiting for %s; last state: %.2000s", what, text);
        }
      g_usleep ((gulong) (poll_seconds * G_USEC_PER_SEC));
    }
}

static gboolean
check_setup_page (GVariant     *state,
                  gconstpointer page)
{
  return g_str_equal (state_string (state, "setup-page"), page) &&
         g_str_equal (state_string (state, "stack"), "setup");
}

static gboolean
check_library (GVariant     *state,
               gconstpointer data)
{
  return g_str_equal (state_string (state, "stack"), "main") && state_uint (state, "library-count") > 0;
}

static gboolean
check_thumbnails (GVariant     *state,
                  gconstpointer data)
{
  return state_int64 (state, "perf-thumbnails-frame") != 0;
}

static gboolean
check_scrolled (GVariant     *state,
                gconstpointer data)
{
  gboolean done = FALSE;

  g_variant_lookup (state, "scroll-done", "b", &done);
  if (!done && isatty (STDERR_FILENO))
    fprintf (stderr, "\r  %u photos listed, %u frames  ", state_uint (state, "library-count"),
             state_uint (state, "scroll-frames"));
  return done;
}

/* --- Starting and stopping */

static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
app_exited_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  app_exited = TRUE;
}

/* Returns the monotonic time just before the exec. */
static gint64
launch (void)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GError) error = NULL;
  gint64 started, deadline;

  g_subprocess_launcher_setenv (launcher, "KEEPSAKE_TEST_HOOKS", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  started = g_get_monotonic_time ();
  app = g_subprocess_launcher_spawn (launcher, &error, app_binary, NULL);
  if (app == NULL)
    g_error ("%s: %s", app_binary, error->message);
  app_exited = FALSE;
  g_subprocess_wait_async (app, NULL, app_exited_cb, NULL);

  deadline = started + 60 * G_USEC_PER_SEC;
  while (TRUE)
    {
      g_autoptr (GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", APP_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      if (reply != NULL)
        g_variant_get (reply, "(b)", &has_owner);
      if (has_owner)
        break;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (app_exited || g_get_monotonic_time () > deadline)
        g_error ("the app did not start");
      g_usleep (10 * 1000);
    }
  return started;
}

static void
quit (void)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_dbus_connection_call (bus, APP_BUS_NAME, APP_PATH, "org.gtk.Actions", "Activate",
                          g_variant_new ("(s@ava{sv})", "quit", g_variant_new_array (G_VARIANT_TYPE_VARIANT, NULL, 0), NULL),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  while (!app_exited && g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (20 * 1000);
    }
  if (!app_exited)
    {
      g_subprocess_force_exit (app);
      g_error ("the app did not quit");
    }
  g_clear_object (&app);
}

/* --- Measuring */

/* VmRSS and VmHWM of the app, in MiB. */
static void
read_memory (double *rss,
             double *peak)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", g_subprocess_get_identifier (app));
  g_autofree char *status = NULL;
  const char      *line;

  *rss = *peak = 0;
  if (!g_file_get_contents (path, &status, NULL, NULL))
    return;
  if ((line = strstr (status, "VmRSS:")) != NULL)
    *rss = g_ascii_strtod (line + strlen ("VmRSS:"), NULL) / 1024;
  if ((line = strstr (status, "VmHWM:")) != NULL)
    *peak = g_ascii_strtod (line + strlen ("VmHWM:"), NULL) / 1024;
}

static void
print_memory (const char *when,
              GVariant   *state)
{
  double  rss, peak;
  guint32 textures = 0;
  guint64 bytes = 0;

  read_memory (&rss, &peak);
  g_variant_lookup (state, "thumbnails-in-memory", "u", &textures);
  g_variant_lookup (state, "thumbnail-bytes-in-memory", "t", &bytes);
  printf ("memory %s: RSS %.0f MiB, peak %.0f MiB; %u photos listed, %u textures cached (%.0f MiB)\n",
          when, rss, peak, state_uint (state, "library-count"), textures, bytes / 1048576.0);
  fflush (stdout);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Nearest rank; @sorted is not empty. */
static double
percentile (GArray *sorted,
            double  p)
{
  guint rank = (guint) (p / 100 * sorted->len + 0.999999);

  return g_array_index (sorted, double, CLAMP (rank, 1, sorted->len) - 1);
}

static void
print_series (const char *name,
              GVariant   *state,
              const char *key)
{
  g_autoptr (GVariant) value = g_variant_lookup_value (state, key, G_VARIANT_TYPE ("ad"));
  const double *values;
  gsize         n = 0;
  g_autoptr (GArray) sorted = NULL;
  guint over16 = 0, over33 = 0;

  if (value == NULL)
    return;
  values = g_variant_get_fixed_array (value, &n, sizeof (double));
  if (n == 0)
    return;
  sorted = g_array_sized_new (FALSE, FALSE, sizeof (double), (guint) n);
  g_array_append_vals (sorted, values, (guint) n);
  g_array_sort (sorted, compare_doubles);
  for (gsize i = 0; i < n; i++)
    {
      over16 += g_array_index (sorted, double, i) > 16.7;
      over33 += g_array_index (sorted, double, i) > 33.4;
    }
  printf ("  %s: %" G_GSIZE_FORMAT " frames, median %.1f ms, p95 %.1f, p99 %.1f, max %.1f; "
          "> 16.7 ms: %u (%.1f %%), > 33.4 ms: %u\n",
          name, n, percentile (sorted, 50), percentile (sorted, 95), percentile (sorted, 99),
          g_array_index (sorted, double, n - 1), over16, 100.0 * over16 / n, over33);
}

static void
scroll (const char *name,
        double      speed)
{
  g_autofree char *argument = g_strdup_printf ("%.0f", speed);
  g_autoptr (GVariant) state = NULL;
  gboolean gave_up = FALSE;

  widget ("library_grid>grid_view", "scroll", argument);
  state = wait_for ("the scroll", check_scrolled, NULL, 3600, 1);
  if (isatty (STDERR_FILENO))
    fprintf (stderr, "\n");
  printf ("scroll %s at %.0f px/s: %.1f s, %u photos listed, waiting for pages %.1f s\n", name, speed,
          state_int64 (state, "scroll-seconds-us") / 1e6, state_uint (state, "library-count"),
          state_int64 (state, "scroll-stalled-us") / 1e6);
  g_variant_lookup (state, "scroll-gave-up", "b", &gave_up);
  if (gave_up)
    printf ("  STOPPED: no new page for a minute\n");
  print_series ("paint to paint", state, "scroll-intervals");
  print_series ("frame clock", state, "scroll-clock-intervals");
  print_series ("frame start to paint end", state, "scroll-work");
  print_memory (g_str_equal (name, "down") ? "after scrolling through" : "after scrolling back", state);
}

static void
sign_in (const char *url,
         const char *username,
         const char *password)
{
  launch ();
  g_variant_unref (wait_for ("the welcome page", check_setup_page, "welcome", 60, 0.1));
  widget ("remote_row", "activate", "");
  g_variant_unref (wait_for ("the server page", check_setup_page, "server", 30, 0.1));
  widget ("server_entry", "set-text", url);
  widget ("connect_button", "activate", "");
  g_variant_unref (wait_for ("the sign-in page", check_setup_page, "sign-in", 60, 0.1));
  widget ("sign_in_username", "set-text", username);
  widget ("sign_in_password", "set-text", password);
  widget ("sign_in_button", "activate", "");
  g_variant_unref (wait_for ("the library", check_library, NULL, 120, 0.1));
  /* The first screen's thumbnails on disk: the launches that follow are
   * a user's next ones. */
  g_variant_unref (wait_for ("the thumbnails", check_thumbnails, NULL, 300, 0.1));
  quit ();
}

static void
empty_thumbnail_cache (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "keepsake", "thumbs", NULL);
  g_autoptr (GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
}

static void
measure_launch (guint    number,
                gboolean cold)
{
  g_autoptr (GVariant) state = NULL;
  gint64 started;

  if (cold)
    empty_thumbnail_cache ();
  started = launch ();
  g_variant_unref (wait_for ("the thumbnails", check_thumbnails, NULL, 300, 0.05));
  /* Settle, then what it holds with the library open. */
  g_usleep (3 * G_USEC_PER_SEC);
  state = get_state ();
  printf ("launch %u%s: first grid frame %.0f ms, all %u tiles on screen with thumbnails %.0f ms "
          "(exec to process start %.0f ms)\n",
          number, cold ? " (thumbnail cache emptied)" : "",
          (state_int64 (state, "perf-first-grid-frame") - started) / 1e3,
          state_uint (state, "perf-tiles-on-screen"),
          (state_int64 (state, "perf-thumbnails-frame") - started) / 1e3,
          (state_int64 (state, "perf-process-start") - started) / 1e3);
  print_memory ("with the library open", state);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *url = NULL;
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  int              launches = 3;
  double           speed = 10000;
  gboolean         no_scroll = FALSE;
  gboolean         cold = FALSE;
  GOptionEntry     entries[] = {
        { "app", 0, 0, G_OPTION_ARG_FILENAME, &app_binary, "The keepsake binary", "PATH" },
        { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server URL", "URL" },
        { "user", 0, 0, G_OPTION_ARG_STRING, &username, "User (default: bench)", "NAME" },
        { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Password", "PASSWORD" },
        { "launches", 0, 0, G_OPTION_ARG_INT, &launches, "Launches measured (default: 3)", "N" },
        { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, "Scrolling speed (default: 10000)", "PX/S" },
        { "no-scroll", 0, 0, G_OPTION_ARG_NONE, &no_scroll, "Launch only", NULL },
        { "cold", 0, 0, G_OPTION_ARG_NONE, &cold, "Empty the thumbnail cache before each launch", NULL },
        G_OPTION_ENTRY_NULL
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- measure the app");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || app_binary == NULL || url == NULL ||
      launches < 1 || speed <= 0)
    {
      g_printerr ("usage: ks-bench-app --app PATH --url URL [--launches N] [--speed PX/S]%s%s\n",
                  error != NULL ? ": " : "", error != NULL ? error->message : "");
      return 2;
    }
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    g_error ("session bus: %s", error->message);

  sign_in (url, username != NULL ? username : "bench", password != NULL ? password : "Bench-Passw0rd!x");
  /* Then one more with nothing on disk, which goes on scrolling. */
  for (int i = 1; i <= launches + 1; i++)
    {
      measure_launch ((guint) i, cold || i > launches);
      if (i <= launches || no_scroll)
        quit ();
    }
  if (!no_scroll)
    {
      g_autoptr (GVariant) state = NULL;

      scroll ("down", speed);
      scroll ("up", -speed);
      widget ("library_grid", "malloc-trim", "");
      state = get_state ();
      print_memory ("after malloc_trim()", state);
      quit ();
    }
  g_clear_object (&bus);
  return 0;
}
