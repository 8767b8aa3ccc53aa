/* ks-s3-scan.c: the start-up scan that indexes the store, beside requests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-s3-private.h"

/*
 * Listing needs every object in the index, and the index is rebuilt from
 * the object files at every start: on a large store, 300,000 files to
 * open and read, tens of seconds with a cold cache. So the server does
 * not wait for it: the scan runs on workers, one fan-out directory per
 * job, while requests are served. Reads, writes and deletes go to the
 * files and need no index (a commit or delete updates it as ever, and
 * the scan does not undo that, see ks-s3-index.c); a listing waits for
 * the scan to finish. Temp files of earlier runs are removed on the way;
 * this run's are named apart (ks-s3-object.c).
 */

/* A cold scan waits on the disk: 8 reads at once index the 100,000-photo
 * store of docs/performance.md in 16 s, where one at a time took 40. */
#define SCAN_THREADS 8

typedef struct
{
  SoupServerMessage *msg; /* owned: keeps the KsS3Request alive */
  KsS3IndexedFunc    func;
} Waiter;

static GMutex   hold_mutex;
static GCond    hold_cond;
static gboolean hold_scans;

/* Tests: while held, scans wait before they start. */
void
ks_s3_scan_hold_for_testing (gboolean hold)
{
  g_mutex_lock (&hold_mutex);
  hold_scans = hold;
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_mutex);
}

static gboolean
is_cancelled (KsS3Store *store)
{
  return g_atomic_int_get (&store->scan_cancelled);
}

static void
wait_while_held (KsS3Store *store)
{
  g_mutex_lock (&hold_mutex);
  while (hold_scans && !is_cancelled (store))
    g_cond_wait (&hold_cond, &hold_mutex);
  g_mutex_unlock (&hold_mutex);
}

static gboolean
scanned_cb (KsS3Meta *meta,
            gpointer  user_data)
{
  KsS3Store *store = user_data;

  ks_s3_index_put_scanned (store->index, meta);
  ks_s3_meta_free (meta);

  return !is_cancelled (store);
}

static void
waiter_free (Waiter *waiter)
{
  g_object_unref (waiter->msg);
  g_free (waiter);
}

/* The server's thread, once every job is done. */
static gboolean
scan_done_cb (gpointer user_data)
{
  KsS3Store *store = user_data;
  Waiter    *waiter;

  g_mutex_lock (&store->scan_mutex);
  g_clear_pointer (&store->scan_done_source, g_source_unref);
  g_mutex_unlock (&store->scan_mutex);

  store->indexed = TRUE;
  g_debug ("S3 store: %u objects in %s, indexed in %.1f s", ks_s3_index_count (store->index),
           store->objects_path, (double) (g_get_monotonic_time () - store->scan_started) / G_USEC_PER_SEC);

  while ((waiter = g_queue_pop_head (&store->waiting)) != NULL)
    {
      KsS3Request *req = ks_s3_request_get (waiter->msg);

      if (!req->finished)
        {
          waiter->func (req);
          soup_server_message_unpause (waiter->msg);
        }
      waiter_free (waiter);
    }

  return G_SOURCE_REMOVE;
}

/* The last job to finish tells the server's thread, unless stopped. */
static void
job_done (KsS3Store *store)
{
  if (!g_atomic_int_dec_and_test (&store->scan_jobs))
    return;

  ks_s3_index_end_scan (store->index);
  g_mutex_lock (&store->scan_mutex);
  if (!is_cancelled (store))
    {
      store->scan_done_source = g_idle_source_new ();
      g_source_set_callback (store->scan_done_source, scan_done_cb, store, NULL);
      g_source_attach (store->scan_done_source, store->scan_context);
    }
  store->scanning = FALSE;
  g_cond_broadcast (&store->scan_cond);
  g_mutex_unlock (&store->scan_mutex);
}

/* One fan-out directory (1 to 256), or the multipart uploads (0). */
static void
scan_job (gpointer data,
          gpointer user_data)
{
  KsS3Store *store = user_data;
  guint      job = GPOINTER_TO_UINT (data) - 1;

  wait_while_held (store);
  if (is_cancelled (store))
    ;
  else if (job == 0)
    ks_s3_upload_cleanup (store);
  else
    ks_s3_objects_scan_fan_dir (store->objects_path, job - 1, scanned_cb, store);

  job_done (store);
}

/* Starts indexing @store's objects; returns at once. */
void
ks_s3_scan_start (KsS3Store *store)
{
  g_return_if_fail (store->scan_pool == NULL);

  /* The token's random bytes drawn here, not on a scan thread: OpenSSL
   * keeps a random generator per thread, which a pool thread alive at
   * exit never frees. */
  ks_s3_run_temp_prefix ();
  store->scan_started = g_get_monotonic_time ();
  store->scan_context = g_main_context_ref_thread_default ();
  store->scanning = TRUE;
  store->scan_jobs = KS_S3_FAN_DIRS + 1;
  ks_s3_index_begin_scan (store->index);

  store->scan_pool = g_thread_pool_new (scan_job, store, SCAN_THREADS, FALSE, NULL);
  for (guint job = 0; job <= KS_S3_FAN_DIRS; job++)
    g_thread_pool_push (store->scan_pool, GUINT_TO_POINTER (job + 1), NULL);
}

/**
 * ks_s3_scan_stop:
 *
 * Stops the scan, if it still runs, and waits for its workers: they use
 * the store, and at exit they must not be reading objects (OpenSSL,
 * which hashes their keys, tears itself down). The store is not indexed
 * afterwards. The server's thread.
 */
void
ks_s3_scan_stop (KsS3Store *store)
{
  g_atomic_int_set (&store->scan_cancelled, TRUE);
  g_mutex_lock (&hold_mutex);
  g_cond_broadcast (&hold_cond);
  g_mutex_unlock (&hold_mutex);

  g_mutex_lock (&store->scan_mutex);
  while (store->scanning)
    g_cond_wait (&store->scan_cond, &store->scan_mutex);
  if (store->scan_done_source != NULL)
    g_source_destroy (store->scan_done_source);
  g_clear_pointer (&store->scan_done_source, g_source_unref);
  g_mutex_unlock (&store->scan_mutex);

  if (store->scan_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&store->scan_pool), FALSE, TRUE);
  g_clear_pointer (&store->scan_context, g_main_context_unref);
  ks_s3_scan_clear_waiting (store);
}

/**
 * ks_s3_store_when_indexed:
 *
 * Runs @func on @req now if the start-up scan is done, or else pauses
 * the message and runs it (and resumes) when the scan is. Main thread.
 */
void
ks_s3_store_when_indexed (KsS3Request    *req,
                          KsS3IndexedFunc func)
{
  Waiter *waiter;

  if (req->store->indexed)
    {
      func (req);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->msg = g_object_ref (req->msg);
  waiter->func = func;
  soup_server_message_pause (req->msg);
  g_queue_push_tail (&req->store->waiting, waiter);
}

void
ks_s3_scan_clear_waiting (KsS3Store *store)
{
  g_queue_clear_full (&store->waiting, (GDestroyNotify) waiter_free);
}
