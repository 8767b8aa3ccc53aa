/* ks-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-test-util.h"

static gboolean
running_in_ci (void)
{
  const char *ci = g_getenv ("CI");

  return ci != NULL && g_ascii_strcasecmp (ci, "true") == 0;
}

/*
 * Returns the absolute path of a file in the shared protocol data, or NULL
 * after marking the test as not run when the data is absent. In CI the
 * data must be there, so its absence fails the test instead.
 */
char *
ks_test_shared_path (const char *relative_path)
{
  const char *dir = g_getenv ("KS_SHARED_DIR");
  g_autofree char *path = NULL;

  if (dir == NULL)
    dir = "../shared";
  path = g_build_filename (dir, relative_path, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);

  if (running_in_ci ())
    {
      g_test_message ("shared test data missing: %s", path);
      g_test_fail ();
    }
  else
    {
      g_autofree char *msg = g_strdup_printf ("did not run: shared test data not found at %s", path);
      g_test_skip (msg);
    }

  return NULL;
}

char *
ks_test_read_shared (const char *relative_path,
                     gsize      *out_len)
{
  g_autofree char *path = ks_test_shared_path (relative_path);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (path == NULL)
    return NULL;

  g_file_get_contents (path, &contents, out_len, &error);
  g_assert_no_error (error);

  return contents;
}

/* Truncations, bit flips and random bytes for parser robustness tests.
 * Every string is NUL-terminated and may contain any other byte. */
char **
ks_test_garbage_strings (guint32 seed,
                         guint   count)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < count; i++)
    {
      guint len = (guint) g_rand_int_range (rand, 0, 96);
      char *s = g_malloc (len + 1);

      for (guint j = 0; j < len; j++)
        s[j] = (char) g_rand_int_range (rand, 1, 256);
      s[len] = '\0';
      g_ptr_array_add (out, s);
    }
  g_ptr_array_add (out, NULL);

  return (char **) g_ptr_array_free (out, FALSE);
}
