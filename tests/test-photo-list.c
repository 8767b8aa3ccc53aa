/* test-photo-list.c: the photo lists the app's grids show
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-photo-item.h"
#include "ks-photo-list.h"

typedef struct
{
  guint n_changes;
  guint position, removed, added;
} Changes;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Changes    *changes)
{
  changes->n_changes++;
  changes->position = position;
  changes->removed = removed;
  changes->added = added;
}

static void
reload_nothing (GObject     *feeder,
                KsPhotoList *list)
{
}

static KsPhotoItem *
pending (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  return ks_photo_item_new_pending (file);
}

static void
assert_order (KsPhotoList       *list,
              const char *const *paths)
{
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, g_strv_length ((char **) paths));
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr (KsPhotoItem) item = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_cmpstr (g_file_peek_path (ks_photo_item_get_original (item)), ==, paths[i]);
    }
}

/* Placeholders of a drop go first, the last dropped first, as one
 * change however many there are. */
static void
test_prepend_items (void)
{
  g_autoptr (GObject) feeder = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr (KsPhotoList) list = ks_photo_list_new_fed (NULL, feeder, reload_nothing);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) none = g_ptr_array_new ();
  g_autoptr (KsPhotoItem) first = pending ("/photos/a.jpg");
  const char *const order[] = { "/photos/d.jpg", "/photos/c.jpg", "/photos/b.jpg", "/photos/a.jpg", NULL };
  const char *const after[] = { "/photos/e.jpg", "/photos/d.jpg", "/photos/c.jpg", "/photos/b.jpg",
                                "/photos/a.jpg", NULL };
  Changes           changes = { 0 };

  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &changes);
  ks_photo_list_prepend (list, first);
  g_assert_cmpuint (changes.n_changes, ==, 1);

  g_ptr_array_add (items, pending ("/photos/b.jpg"));
  g_ptr_array_add (items, pending ("/photos/c.jpg"));
  g_ptr_array_add (items, pending ("/photos/d.jpg"));
  ks_photo_list_prepend_items (list, items);
  g_assert_cmpuint (changes.n_changes, ==, 2);
  g_assert_cmpuint (changes.position, ==, 0);
  g_assert_cmpuint (changes.removed, ==, 0);
  g_assert_cmpuint (changes.added, ==, 3);
  assert_order (list, order);

  ks_photo_list_prepend_items (list, none);
  g_assert_cmpuint (changes.n_changes, ==, 2);

  /* The list holds its own references. */
  g_ptr_array_set_size (items, 0);
  g_ptr_array_add (items, pending ("/photos/e.jpg"));
  ks_photo_list_prepend_items (list, items);
  g_clear_pointer (&items, g_ptr_array_unref);
  assert_order (list, after);

  ks_photo_list_remove (list, first);
  g_assert_cmpuint (changes.position, ==, 4);
  g_assert_cmpuint (changes.removed, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/photo-list/prepend-items", test_prepend_items);

  return g_test_run ();
}
