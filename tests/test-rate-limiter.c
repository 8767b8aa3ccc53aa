/* test-rate-limiter.c: the token bucket's arithmetic, with a clock of our
 * own, and its waits on the main context
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-rate-limiter-private.h"
#include "ks-test-cloud.h"

#define KiB 1024
#define MiB (1024 * 1024)
#define T0 ((gint64) 1000 * G_USEC_PER_SEC)

static void
test_unlimited (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (0, T0);

  g_assert_cmpuint (ks_rate_limiter_get_rate (limiter), ==, 0);
  for (int i = 0; i < 100; i++)
    g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 100 * MiB, T0), ==, 0);
}

/* A new bucket is empty: the limit holds from the first byte. */
static void
test_starts_empty (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (1000, T0);

  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 1000, T0), ==, G_USEC_PER_SEC);
}

/* Reservations queue up: each waits for the debt of the ones before. */
static void
test_debt_queues (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (MiB, T0);

  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, MiB, T0), ==, 1 * G_USEC_PER_SEC);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, MiB, T0), ==, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, MiB / 2, T0), ==, 5 * G_USEC_PER_SEC / 2);
  /* Two seconds later, half a second of debt is left. */
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 0, T0 + 2 * G_USEC_PER_SEC), ==,
                   G_USEC_PER_SEC / 2);
}

static void
test_refill (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (1000, T0);

  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 1000, T0), ==, G_USEC_PER_SEC);
  /* Paid off after one second, then half a second earns 500. */
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 500, T0 + 3 * G_USEC_PER_SEC / 2), ==, 0);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 1, T0 + 3 * G_USEC_PER_SEC / 2), ==, 1000);
  /* A clock going backwards earns nothing and costs nothing. */
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 0, T0), ==, 1000);
}

/* Idle time earns one second's worth at most... */
static void
test_burst_cap (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (100 * KiB, T0);
  gint64 later = T0 + (gint64) 60 * G_USEC_PER_SEC;

  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 100 * KiB, later), ==, 0);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, KiB, later), ==, G_USEC_PER_SEC / 100);
}

/* ...but never less than 64 KiB, so slow limits still allow a chunk. */
static void
test_min_burst (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (KiB, T0);
  gint64 later = T0 + (gint64) 3600 * G_USEC_PER_SEC;

  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 64 * KiB, later), ==, 0);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, KiB, later), ==, G_USEC_PER_SEC);
}

static void
test_set_rate (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (1000, T0);

  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 5000, T0), ==, 5 * G_USEC_PER_SEC);

  /* Lifting the limit forgets the debt... */
  ks_rate_limiter_set_rate_at (limiter, 0, T0);
  g_assert_cmpuint (ks_rate_limiter_get_rate (limiter), ==, 0);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 5000, T0), ==, 0);

  /* ...and a new limit starts empty. */
  ks_rate_limiter_set_rate_at (limiter, 2000, T0 + 10 * G_USEC_PER_SEC);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 2000, T0 + 10 * G_USEC_PER_SEC), ==,
                   G_USEC_PER_SEC);

  /* Lowering the rate keeps the debt, paid at the new rate. */
  ks_rate_limiter_set_rate_at (limiter, 1000, T0 + 10 * G_USEC_PER_SEC);
  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 0, T0 + 10 * G_USEC_PER_SEC), ==,
                   2 * G_USEC_PER_SEC);
}

/* ---- Threads ---- */

#define N_THREADS 4
#define N_RESERVES 1000

static gpointer
reserve_thread (gpointer data)
{
  KsRateLimiter *limiter = data;

  for (int i = 0; i < N_RESERVES; i++)
    ks_rate_limiter_reserve_at (limiter, 10, T0);

  return NULL;
}

/* Nothing is lost between threads: the debt is the sum of all. */
static void
test_threads (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new_at (1000, T0);
  GThread *threads[N_THREADS];

  for (int i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("reserve", reserve_thread, limiter);
  for (int i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (ks_rate_limiter_reserve_at (limiter, 0, T0), ==,
                   (gint64) N_THREADS * N_RESERVES * 10 * G_USEC_PER_SEC / 1000);
}

/* ---- Waiting on the main context ---- */

static void
test_acquire (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (4 * MiB);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  /* 1 MiB at 4 MiB/s from an empty bucket: a quarter of a second. */
  ks_rate_limiter_acquire_async (limiter, MiB, NULL, ks_test_store_result, &result);
  g_assert_true (ks_rate_limiter_acquire_finish (limiter, ks_test_wait_result (&result), &error));
  g_assert_no_error (error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, >=, 240 * 1000);
  g_assert_cmpint (elapsed, <, 5 * G_USEC_PER_SEC);

  /* Unlimited: at once. */
  g_clear_object (&result);
  ks_rate_limiter_set_rate (limiter, 0);
  start = g_get_monotonic_time ();
  ks_rate_limiter_acquire_async (limiter, 100 * MiB, NULL, ks_test_store_result, &result);
  g_assert_true (ks_rate_limiter_acquire_finish (limiter, ks_test_wait_result (&result), &error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_acquire_cancel (void)
{
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (MiB);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* A minute's wait, cancelled after 50 ms. */
  ks_rate_limiter_acquire_async (limiter, 60 * MiB, cancellable, ks_test_store_result, &result);
  g_timeout_add (50, cancel_cb, cancellable);
  g_assert_false (ks_rate_limiter_acquire_finish (limiter, ks_test_wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);

  /* Already cancelled: fails without waiting. */
  g_clear_object (&result);
  g_clear_error (&error);
  ks_rate_limiter_acquire_async (limiter, MiB, cancellable, ks_test_store_result, &result);
  g_assert_false (ks_rate_limiter_acquire_finish (limiter, ks_test_wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/rate-limiter/unlimited", test_unlimited);
  g_test_add_func ("/rate-limiter/starts-empty", test_starts_empty);
  g_test_add_func ("/rate-limiter/debt-queues", test_debt_queues);
  g_test_add_func ("/rate-limiter/refill", test_refill);
  g_test_add_func ("/rate-limiter/burst-cap", test_burst_cap);
  g_test_add_func ("/rate-limiter/min-burst", test_min_burst);
  g_test_add_func ("/rate-limiter/set-rate", test_set_rate);
  g_test_add_func ("/rate-limiter/threads", test_threads);
  g_test_add_func ("/rate-limiter/acquire", test_acquire);
  g_test_add_func ("/rate-limiter/acquire-cancel", test_acquire_cancel);

  return g_test_run ();
}
