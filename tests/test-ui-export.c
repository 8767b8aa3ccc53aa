/* test-ui-export.c: dragging photos out of the grid to Files
 *
 * The app's grid builds what a drag carries and the test-widget hook
 * reads it as text/uri-list, the way a drop in Files does: the originals
 * must arrive byte for byte (downloaded and checked by SHA-256, or copied
 * while still uploading), under their own names, in a directory of the
 * drag's own, which the app removes a day later.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "ks-ui-harness.h"
#include "test-cloud-transfer.h"

#define N_PHOTOS 3
#define GRID "library_grid"

static char *
export_root (void)
{
  return g_build_filename (g_get_user_cache_dir (), "keepsake", "export", NULL);
}

static void
assert_same_bytes (const char *exported,
                   const char *original)
{
  g_autofree char *a = xfer_file_sha256 (exported, NULL);
  g_autofree char *b = xfer_file_sha256 (original, NULL);

  g_test_message ("%s: %s", exported, a);
  g_assert_cmpstr (a, ==, b);
}

static gboolean
check_drag_export (GVariant     *state,
                   gconstpointer data)
{
  g_autoptr (GVariant) paths = g_variant_lookup_value (state, "drag-export", G_VARIANT_TYPE_STRING_ARRAY);

  return paths != NULL || *ui_state_string (state, "drag-export-error") != '\0';
}

/* What a drop of the drag started on the photo at @position reads; NULL
 * and *@out_error when the drop failed. Every drag has its own
 * directory under the export root. */
static GStrv
drag_export (guint  position,
             char **out_error)
{
  g_autofree char *argument = g_strdup_printf ("%u", position);
  g_autofree char *root = export_root ();
  g_autofree char *dir = NULL;
  g_autoptr (GVariant) state = NULL;
  GStrv paths = NULL;

  ui_widget (GRID, "drag-export", argument);
  state = ui_wait_for ("the drag's files", check_drag_export, NULL, 60);
  if (!g_variant_lookup (state, "drag-export", "^as", &paths))
    {
      *out_error = g_strdup (ui_state_string (state, "drag-export-error"));
      return NULL;
    }
  *out_error = NULL;
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autofree char *parent = g_path_get_dirname (paths[i]);
      g_autofree char *grandparent = g_path_get_dirname (parent);

      g_assert_true (g_path_is_absolute (paths[i]));
      g_assert_cmpstr (grandparent, ==, root);
      if (dir == NULL)
        dir = g_steal_pointer (&parent);
      else
        g_assert_cmpstr (parent, ==, dir);
    }
  return paths;
}

static GStrv
drag_export_ok (guint position)
{
  g_autofree char *error = NULL;
  GStrv            paths = drag_export (position, &error);

  g_assert_cmpstr (error, ==, NULL);
  return paths;
}

static char *
picture (const char *name)
{
  return g_build_filename (ui.photo_dir, name, NULL);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Photos are titled by file name: one of the two export-00.jpg, or the
 * one photo of that name. */
static void
assert_original_of (const char *exported)
{
  g_autofree char *name = g_path_get_basename (exported);
  g_autofree char *original = picture (name);
  g_autofree char *dup = g_build_filename (ui.photo_dir, "other", name, NULL);
  g_autofree char *got = xfer_file_sha256 (exported, NULL);
  g_autofree char *want = xfer_file_sha256 (original, NULL);

  if (g_str_equal (name, "export-00.jpg") && !g_str_equal (got, want))
    {
      g_free (want);
      want = xfer_file_sha256 (dup, NULL);
    }
  g_assert_cmpstr (got, ==, want);
}

static gboolean
check_selected (GVariant     *state,
                gconstpointer text)
{
  return ui_check_page (state, "library") && ui_state_has_label (state, text);
}

/* --- The steps: each test starts where the previous one ended */

static void
test_sign_up (void)
{
  g_autofree char *root = export_root ();
  g_autofree char *script = NULL;

  /* What drags of earlier runs left: one from two days ago, one fresh. */
  script = g_strdup_printf ("mkdir -p '%s/stale/inner' '%s/recent'\n"
                            "echo old > '%s/stale/inner/old.jpg'\n"
                            "echo new > '%s/recent/new.jpg'\n"
                            "touch -d '2 days ago' '%s/stale/inner' '%s/stale'\n",
                            root, root, root, root, root, root);
  ui_run_shell (script);
  ui_sign_up_local ("carol");
}

/* Once signed in, on a worker: the old export goes, the recent stays. */
static void
test_prune (void)
{
  g_autofree char *root = export_root ();
  g_autofree char *stale = g_build_filename (root, "stale", NULL);
  g_autofree char *recent = g_build_filename (root, "recent", "new.jpg", NULL);
  gint64           deadline = g_get_monotonic_time () + (gint64) (30 * ui.time_scale * G_USEC_PER_SEC);

  while (g_file_test (stale, G_FILE_TEST_EXISTS))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
  g_assert_true (g_file_test (recent, G_FILE_TEST_IS_REGULAR));
}

static void
test_upload (void)
{
  g_autoptr (GVariant) state = NULL;
  g_autofree char *dup_dir = g_build_filename (ui.photo_dir, "other", NULL);
  g_autofree char *script = NULL;
  g_autofree char *dup_uri = NULL;
  g_autoptr (GVariant) uris = NULL;
  GVariantBuilder         builder;
  g_autofree const char **names = NULL;

  /* Three photos, and a different one with the first one's name. */
  ui_make_photos ("export", N_PHOTOS, 11);
  script = g_strdup_printf ("mkdir -p '%s' && convert -size 320x240 gradient:navy-gold '%s/export-00.jpg'",
                            dup_dir, dup_dir);
  ui_run_shell (script);
  {
    g_autofree char *path = g_build_filename (dup_dir, "export-00.jpg", NULL);
    dup_uri = g_filename_to_uri (path, NULL, NULL);
  }
  uris = g_variant_ref_sink (ui_photo_uris ("export", N_PHOTOS));
  names = g_variant_get_strv (uris, NULL);
  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; names[i] != NULL; i++)
    g_variant_builder_add (&builder, "s", names[i]);
  g_variant_builder_add (&builder, "s", dup_uri);

  ui_activate (WINDOW_PATH, "import-uris", g_variant_builder_end (&builder));
  state = ui_wait_for ("the uploads", ui_check_uploads_done, NULL, 120);
  g_clear_pointer (&state, g_variant_unref);

  /* From the server: no local file to copy, the originals download. */
  ui_widget ("type:KsWindow", "action", "win.reload");
  state = ui_wait_for ("the photos", ui_check_library, GUINT_TO_POINTER (N_PHOTOS + 1), 60);
}

/* Dragged from a selected photo: the whole selection, each original
 * under its own name (the second export-00.jpg made unique). */
static void
test_drag_selection (void)
{
  g_auto (GStrv) paths = NULL;
  g_autofree char *dup = g_build_filename (ui.photo_dir, "other", "export-00.jpg", NULL);
  g_autofree char *first = picture ("export-00.jpg");
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *expected[] = { "export-00 (2).jpg", "export-00.jpg", "export-01.jpg", "export-02.jpg" };

  ui_widget (GRID ">grid_view", "action", "list.select-all");
  g_variant_unref (ui_wait_for ("all photos selected", check_selected, "4 Selected", 30));
  ui_screenshot ("selected");

  paths = drag_export_ok (1);
  g_assert_cmpuint (g_strv_length (paths), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; paths[i] != NULL; i++)
    g_ptr_array_add (names, g_path_get_basename (paths[i]));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (names, i), ==, expected[i]);

  dir = g_path_get_dirname (paths[0]);
  for (guint i = 2; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *exported = g_build_filename (dir, expected[i], NULL);
      g_autofree char *original = picture (expected[i]);

      assert_same_bytes (exported, original);
    }
  /* The two export-00.jpg: each original once, in either order. */
  {
    g_autofree char *a = g_build_filename (dir, "export-00.jpg", NULL);
    g_autofree char *b = g_build_filename (dir, "export-00 (2).jpg", NULL);
    g_autofree char *sha_a = xfer_file_sha256 (a, NULL);
    g_autofree char *sha_b = xfer_file_sha256 (b, NULL);
    g_autofree char *sha_first = xfer_file_sha256 (first, NULL);
    g_autofree char *sha_dup = xfer_file_sha256 (dup, NULL);

    g_assert_cmpstr (sha_first, !=, sha_dup);
    g_assert_true ((g_str_equal (sha_a, sha_first) && g_str_equal (sha_b, sha_dup)) ||
                   (g_str_equal (sha_a, sha_dup) && g_str_equal (sha_b, sha_first)));
  }
}

/* Dragged from a photo outside the selection: that photo alone; from
 * the only selected one: that one. Each drag has a new directory. */
static void
test_drag_single (void)
{
  g_auto (GStrv) from_selected = NULL;
  g_auto (GStrv) from_other = NULL;
  g_auto (GStrv) again = NULL;
  g_autofree char *name_other = NULL;

  ui_widget (GRID ">grid_view", "action", "list.select-item((uint32 0, false, false))");
  g_variant_unref (ui_wait_for ("one photo selected", check_selected, "1 Selected", 30));

  from_selected = drag_export_ok (0);
  from_other = drag_export_ok (2);
  g_assert_cmpuint (g_strv_length (from_selected), ==, 1);
  g_assert_cmpuint (g_strv_length (from_other), ==, 1);
  name_other = g_path_get_basename (from_other[0]);
  assert_original_of (from_selected[0]);
  assert_original_of (from_other[0]);
  {
    /* Two different photos. */
    g_autofree char *a = xfer_file_sha256 (from_selected[0], NULL);
    g_autofree char *b = xfer_file_sha256 (from_other[0], NULL);

    g_assert_cmpstr (a, !=, b);
  }

  /* The same photo again: a directory of its own, the same name. */
  again = drag_export_ok (2);
  g_assert_cmpuint (g_strv_length (again), ==, 1);
  g_assert_cmpstr (again[0], !=, from_other[0]);
  {
    g_autofree char *name = g_path_get_basename (again[0]);
    g_autofree char *a = xfer_file_sha256 (again[0], NULL);
    g_autofree char *b = xfer_file_sha256 (from_other[0], NULL);

    g_assert_cmpstr (name, ==, name_other);
    g_assert_cmpstr (a, ==, b);
  }
  ui_widget (GRID, "action", "grid.unselect-all");
}

/* Still uploading (paused): copied from the file on this computer. */
static void
test_drag_uploading (void)
{
  g_auto (GStrv) paths = NULL;
  g_autofree char *original = picture ("pending-00.jpg");
  g_autofree char *name = NULL;

  ui_make_photos ("pending", 1, 60);
  ui_widget ("type:KsWindow", "action", "win.pause-uploads");
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("pending", 1));
  g_variant_unref (ui_wait_for ("the placeholder", ui_check_library, GUINT_TO_POINTER (N_PHOTOS + 2), 30));
  ui_screenshot ("uploading");

  paths = drag_export_ok (0);
  g_assert_cmpuint (g_strv_length (paths), ==, 1);
  name = g_path_get_basename (paths[0]);
  g_assert_cmpstr (name, ==, "pending-00.jpg");
  assert_same_bytes (paths[0], original);
}

/* A photo that cannot be exported: the drop fails, the window says so. */
static void
test_drag_failure (void)
{
  g_autofree char *gone = picture ("gone-00.jpg");
  g_autofree char *error = NULL;
  g_autoptr (GVariant) state = NULL;
  GStrv paths;

  ui_make_photos ("gone", 1, 61);
  ui_activate (WINDOW_PATH, "import-uris", ui_photo_uris ("gone", 1));
  g_variant_unref (ui_wait_for ("the placeholder", ui_check_library, GUINT_TO_POINTER (N_PHOTOS + 3), 30));
  g_assert_cmpint (g_unlink (gone), ==, 0);

  paths = drag_export (0, &error);
  g_assert_null (paths);
  g_assert_nonnull (error);
  g_test_message ("drop failed: %s", error);
  state = ui_wait_for ("a toast", ui_check_label, "could not be exported", 30);
  g_assert_true (ui_state_has_label (state, "“gone-00.jpg” could not be exported: Its file on this computer is gone."));
  ui_screenshot ("export-failed");
  ui_quit_app ();
}

int
main (int   argc,
      char *argv[])
{
  ui_init (&argc, &argv, "ui-export");

  g_test_add_func ("/ui-export/sign-up", test_sign_up);
  g_test_add_func ("/ui-export/prune", test_prune);
  g_test_add_func ("/ui-export/upload", test_upload);
  g_test_add_func ("/ui-export/drag-selection", test_drag_selection);
  g_test_add_func ("/ui-export/drag-single", test_drag_single);
  g_test_add_func ("/ui-export/drag-uploading", test_drag_uploading);
  g_test_add_func ("/ui-export/drag-failure", test_drag_failure);
  return ui_finish (g_test_run ());
}
