/* ks-backoff.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-backoff.h"

guint64
ks_backoff_ceiling (guint64 base,
                    guint   doublings,
                    guint64 cap)
{
  guint64 delay = base;

  for (guint i = 0; i < doublings && delay < cap; i++)
    delay = delay > G_MAXUINT64 / 2 ? G_MAXUINT64 : delay * 2;
  return MIN (delay, cap);
}

static guint64
uniform (guint64 low,
         guint64 high)
{
  if (high <= low)
    return low;
  return low + (guint64) (g_random_double () * (double) (high - low + 1));
}

guint64
ks_backoff_full_jitter (guint64 ceiling)
{
  return MIN (uniform (0, ceiling), ceiling);
}

guint64
ks_backoff_equal_jitter (guint64 ceiling)
{
  return MIN (uniform (ceiling / 2, ceiling), ceiling);
}
