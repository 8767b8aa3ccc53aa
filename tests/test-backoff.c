/* test-backoff.c: retry delays
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-backoff.h"

static void
test_ceiling (void)
{
  g_assert_cmpuint (ks_backoff_ceiling (250, 0, 30000), ==, 250);
  g_assert_cmpuint (ks_backoff_ceiling (250, 1, 30000), ==, 500);
  g_assert_cmpuint (ks_backoff_ceiling (250, 6, 30000), ==, 16000);
  g_assert_cmpuint (ks_backoff_ceiling (250, 7, 30000), ==, 30000);
  g_assert_cmpuint (ks_backoff_ceiling (250, 1000, 30000), ==, 30000);
  /* No overflow on the way to a huge cap. */
  g_assert_cmpuint (ks_backoff_ceiling (G_MAXUINT64 / 3, 5, G_MAXUINT64), ==, G_MAXUINT64);
  g_assert_cmpuint (ks_backoff_ceiling (0, 10, 100), ==, 0);
}

static void
test_jitter (void)
{
  gboolean full_low = FALSE, full_high = FALSE;
  gboolean equal_low = FALSE, equal_high = FALSE;

  for (guint i = 0; i < 20000; i++)
    {
      guint64 full = ks_backoff_full_jitter (10);
      guint64 equal = ks_backoff_equal_jitter (10);

      g_assert_cmpuint (full, <=, 10);
      g_assert_cmpuint (equal, >=, 5);
      g_assert_cmpuint (equal, <=, 10);
      full_low |= full == 0;
      full_high |= full == 10;
      equal_low |= equal == 5;
      equal_high |= equal == 10;
    }
  /* Both ends are reachable: the range is inclusive. */
  g_assert_true (full_low && full_high && equal_low && equal_high);

  g_assert_cmpuint (ks_backoff_full_jitter (0), ==, 0);
  g_assert_cmpuint (ks_backoff_equal_jitter (1), <=, 1);
  g_assert_cmpuint (ks_backoff_equal_jitter (G_MAXUINT64), >=, G_MAXUINT64 / 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/backoff/ceiling", test_ceiling);
  g_test_add_func ("/backoff/jitter", test_jitter);

  return g_test_run ();
}
