/* ks-rate-limiter.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-rate-limiter-private.h"

/*
 * A token bucket that may go into debt: reserving more than the bucket
 * holds succeeds at once and tells the caller how long to wait until the
 * debt is paid. So concurrent transfers queue up fairly (each waits for
 * what the ones before it took) without the limiter keeping a queue, and
 * a chunk bigger than the bucket still goes through.
 *
 * A new bucket starts empty: a limit means "no faster than this" from
 * the first byte on, not "after a free second's worth".
 */

#define MIN_BURST (64 * 1024)

struct _KsRateLimiter
{
  GObject parent_instance;

  GMutex  mutex;
  guint64 rate;   /* bytes a second, 0 = unlimited */
  double  tokens; /* bytes; negative while in debt */
  gint64  last;   /* µs, monotonic: when @tokens was last brought up to date */
};

G_DEFINE_FINAL_TYPE (KsRateLimiter, ks_rate_limiter, G_TYPE_OBJECT)

static void
ks_rate_limiter_finalize (GObject *object)
{
  KsRateLimiter *self = KS_RATE_LIMITER (object);

  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ks_rate_limiter_parent_class)->finalize (object);
}

static void
ks_rate_limiter_class_init (KsRateLimiterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_rate_limiter_finalize;
}

static void
ks_rate_limiter_init (KsRateLimiter *self)
{
  g_mutex_init (&self->mutex);
}

static double
capacity (guint64 rate)
{
  return (double) MAX (rate, MIN_BURST);
}

/* With the mutex held. */
static void
refill_locked (KsRateLimiter *self,
               gint64         now_us)
{
  if (now_us > self->last && self->rate > 0)
    {
      double earned = (double) (now_us - self->last) * (double) self->rate / G_USEC_PER_SEC;

      self->tokens = MIN (capacity (self->rate), self->tokens + earned);
    }
  self->last = MAX (self->last, now_us);
}

KsRateLimiter *
ks_rate_limiter_new_at (guint64 bytes_per_second,
                        gint64  now_us)
{
  KsRateLimiter *self = g_object_new (KS_TYPE_RATE_LIMITER, NULL);

  self->rate = bytes_per_second;
  self->last = now_us;
  return self;
}

KsRateLimiter *
ks_rate_limiter_new (guint64 bytes_per_second)
{
  return ks_rate_limiter_new_at (bytes_per_second, g_get_monotonic_time ());
}

void
ks_rate_limiter_set_rate_at (KsRateLimiter *self,
                             guint64        bytes_per_second,
                             gint64         now_us)
{
  g_return_if_fail (KS_IS_RATE_LIMITER (self));

  g_mutex_lock (&self->mutex);
  refill_locked (self, now_us);
  if (self->rate == 0 || bytes_per_second == 0)
    self->tokens = 0; /* no credit carried over from (or into) "unlimited" */
  self->rate = bytes_per_second;
  self->tokens = MIN (self->tokens, capacity (bytes_per_second));
  g_mutex_unlock (&self->mutex);
}

void
ks_rate_limiter_set_rate (KsRateLimiter *self,
                          guint64        bytes_per_second)
{
  ks_rate_limiter_set_rate_at (self, bytes_per_second, g_get_monotonic_time ());
}

guint64
ks_rate_limiter_get_rate (KsRateLimiter *self)
{
  guint64 rate;

  g_return_val_if_fail (KS_IS_RATE_LIMITER (self), 0);

  g_mutex_lock (&self->mutex);
  rate = self->rate;
  g_mutex_unlock (&self->mutex);

  return rate;
}

gint64
ks_rate_limiter_reserve_at (KsRateLimiter *self,
                            gsize          bytes,
                            gint64         now_us)
{
  gint64 wait = 0;

  g_return_val_if_fail (KS_IS_RATE_LIMITER (self), 0);

  g_mutex_lock (&self->mutex);
  if (self->rate > 0)
    {
      refill_locked (self, now_us);
      self->tokens -= (double) bytes;
      if (self->tokens < 0)
        {
          double exact = -self->tokens * G_USEC_PER_SEC / (double) self->rate;

          /* Rounded up, without libm's ceil () */
          wait = (gint64) exact;
          if ((double) wait < exact)
            wait++;
        }
    }
  g_mutex_unlock (&self->mutex);

  return wait;
}

gint64
ks_rate_limiter_reserve (KsRateLimiter *self,
                         gsize          bytes)
{
  return ks_rate_limiter_reserve_at (self, bytes, g_get_monotonic_time ());
}

/* ---- Waiting on the main context ---- */

typedef struct
{
  GSource *timeout; /* owned */
  GSource *cancel;  /* owned, nullable */
} AcquireData;

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
acquire_data_free (AcquireData *data)
{
  destroy_source (&data->timeout);
  destroy_source (&data->cancel);
  g_free (data);
}

static gboolean
acquire_timeout_cb (gpointer user_data)
{
  GTask       *task = user_data;
  AcquireData *data = g_task_get_task_data (task);

  destroy_source (&data->cancel);
  g_task_return_boolean (task, TRUE);

  return G_SOURCE_REMOVE;
}

/* A cancellable source, not a signal handler: it runs on the task's
 * context, whichever thread cancelled. */
static gboolean
acquire_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask       *task = user_data;
  AcquireData *data = g_task_get_task_data (task);

  destroy_source (&data->timeout);
  g_task_return_error_if_cancelled (task);

  return G_SOURCE_REMOVE;
}

void
ks_rate_limiter_acquire_async (KsRateLimiter      *self,
                               gsize               bytes,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  AcquireData *data;
  gint64       wait;

  g_return_if_fail (KS_IS_RATE_LIMITER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ks_rate_limiter_acquire_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  wait = ks_rate_limiter_reserve (self, bytes);
  if (wait == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  data = g_new0 (AcquireData, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) acquire_data_free);
  /* Rounded up: waking early would only mean waiting again. */
  data->timeout = g_timeout_source_new ((guint) ((wait + 999) / 1000));
  g_task_attach_source (task, data->timeout, acquire_timeout_cb);
  if (cancellable != NULL)
    {
      data->cancel = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, data->cancel, (GSourceFunc) (void (*) (void)) acquire_cancelled_cb);
    }
}

gboolean
ks_rate_limiter_acquire_finish (KsRateLimiter *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
