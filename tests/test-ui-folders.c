/* test-ui-folders.c: folders kept in sync, from the Folders page
 *
 * A folder of photos (and a damaged one, and a note) added with
 * win.add-folder: its row shows the album, the photos reach the library
 * once each, the damaged file is listed with its error; a photo saved
 * into the folder later arrives; pausing holds a new one back and says
 * so; a dropped folder is offered for syncing; the album dialog; a
 * folder that goes away and comes back; and removing a folder keeps its
 * photos. Each test starts where the
 * previous one ended (ks-ui-harness.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ks-test-util.h"
#include "ks-ui-harness.h"

#define N_TRIPS 4
#define N_BEACH 2
#define ANY -1

static char *trips_dir;
static char *beach_dir;
static char *screens_dir;
static guint n_library; /* photos the library should show */

/* --- What the Folders page says */

typedef struct
{
  const char *path;
  const char *album;   /* NULL: any */
  int         done;    /* ANY, or exactly */
  int         waiting; /* ANY, or at least */
  int         failed;  /* ANY, or exactly */
} FolderCheck;

/* The "path|album|done|waiting|failed" entry of @path, or NULL. */
static GStrv
folder_fields (GVariant   *state,
               const char *path)
{
  g_autofree const char **folders = NULL;

  if (!g_variant_lookup (state, "folders", "^a&s", &folders))
    return NULL;
  for (guint i = 0; folders[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (folders[i], "|", 5);

      if (g_strv_length (fields) == 5 && g_str_equal (fields[0], path))
        return g_steal_pointer (&fields);
    }
  return NULL;
}

static gboolean
check_folder (GVariant     *state,
              gconstpointer data)
{
  const FolderCheck *want = data;
  g_auto (GStrv) fields = folder_fields (state, want->path);

  return fields != NULL && (want->album == NULL || g_str_equal (fields[1], want->album)) &&
         (want->done == ANY || g_ascii_strtoll (fields[2], NULL, 10) == want->done) &&
         (want->waiting == ANY || g_ascii_strtoll (fields[3], NULL, 10) >= want->waiting) &&
         (want->failed == ANY || g_ascii_strtoll (fields[4], NULL, 10) == want->failed);
}

static gboolean
check_no_folder (GVariant     *state,
                 gconstpointer path)
{
  g_auto (GStrv) fields = folder_fields (state, path);

  return fields == NULL && ui_check_page (state, "folders");
}

/* The library as the window has it, without reloading it. */
static gboolean
check_library_count (GVariant     *state,
                     gconstpointer count)
{
  return ui_state_uint (state, "library-count") == GPOINTER_TO_UINT (count);
}

/* From the server again: every photo exactly once. */
static void
assert_library_reloaded (guint count)
{
  ui_widget ("type:KsWindow", "action", "win.show-page::library");
  ui_widget ("type:KsWindow", "action", "win.reload");
  g_variant_unref (ui_wait_for ("the library from the server", ui_check_library, GUINT_TO_POINTER (count), 60));
}

static void
show_folders (void)
{
  ui_widget ("type:KsWindow", "action", "win.show-page::folders");
  g_variant_unref (ui_wait_for ("the Folders page", ui_check_page, "folders", 30));
}

static void
make_dir (const char *path)
{
  g_assert_cmpint (g_mkdir_with_parents (path, 0700), ==, 0);
}

/* --- The steps */

static void
test_add_folder (void)
{
  FolderCheck             row = { trips_dir, "Trips", ANY, ANY, ANY };
  g_autofree char        *script = NULL;
  g_autofree const char **titles = NULL;
  g_autoptr (GVariant) state = NULL;

  ui_sign_up_local ("carol");
  show_folders ();
  state = ui_wait_for ("the empty Folders page", ui_check_label, "No Synced Folders", 30);
  g_clear_pointer (&state, g_variant_unref);

  /* Here Ctrl+O ("Add Photos" elsewhere) asks for a folder. */
  ui_widget ("type:KsWindow", "action", "win.add-photos");
  state = ui_wait_for ("the folder chooser", ui_check_window, "GtkFileChooserDialog", 30);
  g_assert_true (g_variant_lookup (state, "window-titles", "^a&s", &titles));
  g_assert_true (g_strv_contains (titles, "Add Folder"));
  g_assert_false (g_strv_contains (titles, "Add Photos"));
  g_clear_pointer (&state, g_variant_unref);
  ui_widget ("type:GtkFileChooserDialog", "close", "");
  g_variant_unref (ui_wait_for ("the chooser to close", ui_check_no_window, "GtkFileChooserDialog", 30));

  /* Photos, one cut short (damaged), and a note that is not a photo. */
  make_dir (trips_dir);
  ui_make_photos ("Trips/trip", N_TRIPS, 11);
  script = g_strdup_printf ("head -c 6000 '%s/trip-00.jpg' > '%s/broken.jpg'\n"
                            "echo 'packing list' > '%s/notes.txt'\n",
                            trips_dir, trips_dir, trips_dir);
  ui_run_shell (script);

  ui_activate (WINDOW_PATH, "add-folder", g_variant_new ("(ss)", trips_dir, "default"));
  state = ui_wait_for ("the folder's row", check_folder, &row, 30);
  g_assert_true (ui_check_page (state, "folders"));
  g_assert_true (ui_state_has_label (state, "Trips"));
  g_assert_true (ui_state_has_label (state, "~/Pictures/Trips"));
  g_assert_false (ui_state_has_label (state, "No Synced Folders"));
}

static gboolean
check_failure_listed (GVariant     *state,
                      gconstpointer data)
{
  g_autofree const char **failures = NULL;
  g_autofree char        *prefix = g_build_filename (trips_dir, "broken.jpg|", NULL);

  if (!g_variant_lookup (state, "folder-failures", "^a&s", &failures))
    return FALSE;
  for (guint i = 0; failures[i] != NULL; i++)
    if (g_str_has_prefix (failures[i], prefix) && strstr (failures[i], "broken.jpg") != NULL &&
        strstr (failures[i] + strlen (prefix), "incomplete") != NULL)
      return ui_state_has_label (state, "broken.jpg") && ui_state_has_label (state, "Retry");
  return FALSE;
}

static void
test_photos_synced (void)
{
  FolderCheck synced = { trips_dir, "Trips", N_TRIPS, 0, 1 };
  g_autoptr (GVariant) state = NULL;
  g_autofree const char **failures = NULL;

  /* Good photos up, the damaged one failed, the note skipped. */
  state = ui_wait_for ("the folder synced", check_folder, &synced, 180);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the row saying so", ui_check_label, "Into “Trips” · 4 photos synced · 1 failed", 30);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the damaged file listed with its error", check_failure_listed, NULL, 30);
  g_assert_true (g_variant_lookup (state, "folder-failures", "^a&s", &failures));
  g_assert_cmpuint (g_strv_length ((GStrv) failures), ==, 1);
  g_clear_pointer (&state, g_variant_unref);
  ui_screenshot ("folders-first-sync");

  /* Into the library as they arrive, then the same from the server. */
  n_library = N_TRIPS;
  state = ui_wait_for ("the synced photos in the library", check_library_count, GUINT_TO_POINTER (n_library), 60);
  g_clear_pointer (&state, g_variant_unref);
  assert_library_reloaded (n_library);

  /* The new album named after the folder. */
  ui_widget ("type:KsWindow", "action", "win.show-page::albums");
  state = ui_wait_for ("the folder's album", ui_check_label, "Trips", 30);
  g_assert_true (ui_check_page (state, "albums"));
}

static void
test_new_photo (void)
{
  FolderCheck synced = { trips_dir, "Trips", N_TRIPS + 1, 0, 1 };

  show_folders ();
  ui_make_photos ("Trips/later", 1, 50);
  g_variant_unref (ui_wait_for ("the new photo synced", check_folder, &synced, 120));
  n_library++;
  g_variant_unref (ui_wait_for ("the new photo in the library", check_library_count, GUINT_TO_POINTER (n_library), 60));
}

static gboolean
check_paused (GVariant     *state,
              gconstpointer data)
{
  gboolean paused = FALSE;

  g_variant_lookup (state, "engine-paused", "b", &paused);
  return paused && g_str_equal (ui_state_string (state, "sync-status"), "Uploads Paused") &&
         g_str_equal (ui_state_string (state, "engine-state"), "paused");
}

/* Paused, a new photo waits (and the indicator says so); resumed, it
 * arrives. */
static void
test_pause_resume (void)
{
  FolderCheck waiting = { trips_dir, "Trips", N_TRIPS + 1, 1, 1 };
  FolderCheck synced = { trips_dir, "Trips", N_TRIPS + 2, 0, 1 };
  g_autoptr (GVariant) state = NULL;
  gint64 until;

  ui_widget ("type:KsWindow", "action", "win.pause-uploads");
  g_variant_unref (ui_wait_for ("sync to pause", check_paused, NULL, 30));
  ui_make_photos ("Trips/paused", 1, 70);
  state = ui_wait_for ("the new photo waiting", check_folder, &waiting, 60);
  g_assert_true (ui_state_has_label (state, "1 waiting"));
  g_assert_true (ui_state_has_label (state, "Syncing is paused"));
  g_clear_pointer (&state, g_variant_unref);
  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popup", "");
  state = ui_wait_for ("the popover saying so", ui_check_label, "photo is waiting", 30);
  ui_screenshot ("paused");

  /* Nothing moves for a while. */
  until = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_clear_pointer (&state, g_variant_unref);
      state = ui_get_state ();
      g_assert_true (check_folder (state, &waiting));
      g_assert_cmpuint (ui_state_uint (state, "library-count"), ==, n_library);
      g_usleep (200 * 1000);
    }

  ui_widget ("type:KsWindow", "action", "win.resume-uploads");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the waiting photo synced", check_folder, &synced, 120);
  n_library++;
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("it in the library", check_library_count, GUINT_TO_POINTER (n_library), 60);
  g_assert_false (ui_state_has_label (state, "Uploads Paused"));
  ui_widget ("type:KsSyncIndicator>type:GtkMenuButton", "popdown", "");
}

/* A folder dropped on the window uploads, and may be kept in sync: its
 * photos are then not uploaded twice. */
static void
test_drop_folder (void)
{
  FolderCheck      synced = { beach_dir, "Beach", N_BEACH, 0, 0 };
  g_autofree char *uri = g_filename_to_uri (beach_dir, NULL, NULL);
  const char      *uris[] = { uri, NULL };
  g_autoptr (GVariant) state = NULL;

  make_dir (beach_dir);
  ui_make_photos ("Beach/beach", N_BEACH, 60);
  ui_widget ("type:KsWindow", "action", "win.show-page::library");
  ui_activate (WINDOW_PATH, "import-uris", g_variant_new_strv (uris, -1));
  state = ui_wait_for ("the offer to keep it in sync", ui_check_label, "Keep “Beach” in sync?", 30);
  ui_screenshot ("drop-folder");
  ui_widget ("type:AdwToastWidget>type:GtkButton", "activate", "");

  show_folders ();
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the dropped folder synced", check_folder, &synced, 120);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the dropped photos uploaded", ui_check_uploads_done, NULL, 120);
  n_library += N_BEACH;
  assert_library_reloaded (n_library);
}

static gboolean
check_no_toast (GVariant     *state,
                gconstpointer data)
{
  return !ui_state_has_label (state, "in sync");
}

/* Added through the album dialog, into no album. The album named after
 * a folder is one of the user's when they have one by that name. */
static void
test_album_dialog (void)
{
  FolderCheck synced = { screens_dir, "", 1, 0, 0 };
  g_autoptr (GVariant) state = NULL;
  g_autofree char *other_trips = g_build_filename (screens_dir, "Trips", NULL);

  make_dir (screens_dir);
  ui_make_photos ("Screens/screen", 1, 80);
  show_folders ();
  ui_activate (WINDOW_PATH, "sync-folder", g_variant_new_string (other_trips));
  state = ui_wait_for ("the album of that name offered", ui_check_label, "“Trips”, one of your albums", 30);
  ui_widget ("type:AdwMessageDialog", "response", "cancel");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the dialog closed", ui_check_no_window, "AdwMessageDialog", 30);
  g_clear_pointer (&state, g_variant_unref);

  ui_activate (WINDOW_PATH, "sync-folder", g_variant_new_string (screens_dir));
  state = ui_wait_for ("the album dialog", ui_check_label, "“Screens”, made on the first upload", 30);
  g_assert_true (ui_state_has_label (state, "Keep “Screens” in Sync?"));
  g_assert_true (ui_state_has_label (state, "An album named after the folder"));
  g_assert_true (ui_state_has_label (state, "No album"));
  ui_widget ("no_album_check", "activate", "");
  ui_screenshot ("folder-dialog");
  ui_widget ("type:AdwMessageDialog", "response", "add");

  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the folder synced into no album", check_folder, &synced, 120);
  g_assert_true (ui_state_has_label (state, "No album"));
  n_library++;
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("its photo in the library", check_library_count, GUINT_TO_POINTER (n_library), 60);

  /* The page with all three, for the README: no toast, no tooltip. */
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the toasts gone", check_no_toast, NULL, 30);
  ui_run_shell ("if command -v xdotool >/dev/null; then xdotool mousemove 1279 799; fi");
  ui_screenshot ("folders");
}

static gboolean
check_no_label (GVariant     *state,
                gconstpointer text)
{
  return !ui_state_has_label (state, text);
}

/* A folder whose disk went away says so, and nothing is forgotten:
 * back, it shows its photos as synced again. */
static void
test_folder_missing (void)
{
  g_autofree char *away = g_strconcat (screens_dir, "-away", NULL);
  g_autoptr (GVariant) state = NULL;

  show_folders ();
  g_assert_cmpint (g_rename (screens_dir, away), ==, 0);
  state = ui_wait_for ("the folder unavailable", ui_check_label, "Unavailable:", 60);
  ui_screenshot ("folder-missing");
  g_assert_cmpint (g_rename (away, screens_dir), ==, 0);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the folder back", check_no_label, "Unavailable:", 60);
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("its photo still synced", ui_check_label, "No album · 1 photo synced", 30);
}

static gboolean
check_no_failures (GVariant     *state,
                   gconstpointer data)
{
  g_autofree const char **failures = NULL;

  return g_variant_lookup (state, "folder-failures", "^a&s", &failures) && failures[0] == NULL &&
         check_folder (state, data) && !ui_state_has_label (state, "broken.jpg");
}

/* The damaged photo, given up on: off the list and out of the counts. */
static void
test_ignore_failed (void)
{
  FolderCheck no_failure = { trips_dir, "Trips", ANY, 0, 0 };
  g_autoptr (GVariant) state = NULL;

  show_folders ();
  state = ui_wait_for ("the damaged file listed", check_failure_listed, NULL, 30);
  g_assert_true (ui_state_has_label (state, "Ignore"));
  ui_widget ("label:_Ignore", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("no failure left", check_no_failures, &no_failure, 30);
  ui_screenshot ("failure-ignored");
}

/* Removed: the row goes, the photos stay. */
static void
test_remove_folder (void)
{
  g_autofree char *action = g_strdup_printf ("folders.remove('%s')", trips_dir);
  g_autoptr (GVariant) state = NULL;
  g_auto (GStrv) beach = NULL;

  show_folders ();
  ui_widget ("type:KsFoldersView", "action", action);
  state = ui_wait_for ("the confirmation", ui_check_label, "stay in Keepsake", 30);
  g_assert_true (ui_state_has_label (state, "Stop Syncing “Trips”?"));
  ui_screenshot ("remove-folder");
  ui_widget ("type:AdwMessageDialog", "response", "remove");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the row gone", check_no_folder, trips_dir, 30);
  beach = folder_fields (state, beach_dir);
  g_assert_nonnull (beach);
  assert_library_reloaded (n_library);
  ui_quit_app ();
}

static guint
count_damaged (const char *journal)
{
  g_autofree char *dir_path = g_path_get_dirname (journal);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint       n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    n += g_str_has_prefix (name, "journal.db.damaged-") && !g_str_has_suffix (name, "-wal") &&
         !g_str_has_suffix (name, "-shm");
  return n;
}

/* A damaged list of folders (the page of its files overwritten): the
 * page says so and offers to start over, which watches again the
 * folders it could still read; the damaged file stays beside. */
static void
test_damaged_journal (void)
{
  g_autofree char *journal = ks_test_find_journal (g_get_user_state_dir ());
  FolderCheck      beach = { beach_dir, "Beach", ANY, ANY, ANY };
  FolderCheck      screens = { screens_dir, NULL, ANY, ANY, ANY };
  g_autoptr (GVariant) state = NULL;

  ks_test_sqlite_damage (journal, "files");
  g_assert_cmpuint (count_damaged (journal), ==, 0);

  ui_launch_app ();
  g_variant_unref (ui_wait_for ("the library", ui_check_library, GUINT_TO_POINTER (n_library), 60));
  show_folders ();
  state = ui_wait_for ("the damaged list", ui_check_label, "The list of synced folders is damaged", 60);
  g_assert_cmpstr (ui_state_string (state, "sync-status"), ==, "Folders Can’t Sync");
  ui_screenshot ("journal-damaged");
  ui_widget ("label:_Start Over", "activate", "");
  g_clear_pointer (&state, g_variant_unref);
  state = ui_wait_for ("the folders read again", check_folder, &beach, 60);
  g_assert_true (check_folder (state, &screens));
  ui_screenshot ("journal-started-over");
  g_assert_cmpuint (count_damaged (journal), ==, 1);
  assert_library_reloaded (n_library);
  ui_quit_app ();
}

int
main (int   argc,
      char *argv[])
{
  int status;

  ui_init (&argc, &argv, "ui-folders");
  trips_dir = g_build_filename (ui.photo_dir, "Trips", NULL);
  beach_dir = g_build_filename (ui.photo_dir, "Beach", NULL);
  screens_dir = g_build_filename (ui.photo_dir, "Screens", NULL);

  g_test_add_func ("/ui-folders/add-folder", test_add_folder);
  g_test_add_func ("/ui-folders/photos-synced", test_photos_synced);
  g_test_add_func ("/ui-folders/new-photo", test_new_photo);
  g_test_add_func ("/ui-folders/pause-resume", test_pause_resume);
  g_test_add_func ("/ui-folders/drop-folder", test_drop_folder);
  g_test_add_func ("/ui-folders/album-dialog", test_album_dialog);
  g_test_add_func ("/ui-folders/folder-missing", test_folder_missing);
  g_test_add_func ("/ui-folders/ignore-failed", test_ignore_failed);
  g_test_add_func ("/ui-folders/remove-folder", test_remove_folder);
  g_test_add_func ("/ui-folders/damaged-journal", test_damaged_journal);
  status = g_test_run ();
  g_free (trips_dir);
  g_free (beach_dir);
  g_free (screens_dir);
  return ui_finish (status);
}
