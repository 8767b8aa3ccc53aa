/* ks-feed-follower.c: the long-poll loop, backoff, notifications
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-backoff.h"
#include "ks-cloud-error.h"
#include "ks-feed-follower.h"

#define DEFAULT_WAIT_SECONDS 50
#define DEFAULT_BACKOFF_BASE_MS 1000
#define DEFAULT_BACKOFF_MAX_MS (5 * 60 * 1000)
#define DEFAULT_COALESCE_MS 3000
#define PAGE_LIMIT 500

struct _KsFeedFollower
{
  GObject          parent_instance;
  KsCache         *cache;       /* owned */
  GCancellable    *cancellable; /* owned, nullable: while running */
  GNetworkMonitor *monitor;     /* unowned: the default one */
  gulong           monitor_id;

  guint    wait_seconds;
  guint    backoff_base_ms;
  guint    backoff_max_ms;
  guint    coalesce_ms;
  guint    attempts; /* failures in a row */
  guint    retry_id; /* backoff timer */
  gboolean polling;

  /* Notifications: events after @seen_seq only; none while catching up
   * from an empty cache. */
  gint64     seen_seq;
  gboolean   catching_up;
  GPtrArray *pending; /* KsFeedNotification, one per kind and album */
  guint      flush_id;
};

G_DEFINE_FINAL_TYPE (KsFeedFollower, ks_feed_follower, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

enum
{
  SIGNAL_NOTIFICATION,
  SIGNAL_SYNCED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint       signals[N_SIGNALS];

static void poll_now (KsFeedFollower *self);

static void
ks_feed_follower_dispose (GObject *object)
{
  KsFeedFollower *self = KS_FEED_FOLLOWER (object);

  ks_feed_follower_stop (self);
  g_clear_handle_id (&self->flush_id, g_source_remove);
  G_OBJECT_CLASS (ks_feed_follower_parent_class)->dispose (object);
}

static void
ks_feed_follower_finalize (GObject *object)
{
  KsFeedFollower *self = KS_FEED_FOLLOWER (object);

  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (ks_feed_follower_parent_class)->finalize (object);
}

static void
ks_feed_follower_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  KsFeedFollower *self = KS_FEED_FOLLOWER (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->cancellable != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_feed_follower_class_init (KsFeedFollowerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ks_feed_follower_dispose;
  object_class->finalize = ks_feed_follower_finalize;
  object_class->get_property = ks_feed_follower_get_property;

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_NOTIFICATION] = g_signal_new ("notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 1,
                                               KS_TYPE_FEED_NOTIFICATION | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
ks_feed_follower_init (KsFeedFollower *self)
{
  self->wait_seconds = DEFAULT_WAIT_SECONDS;
  self->backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
  self->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
  self->coalesce_ms = DEFAULT_COALESCE_MS;
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_feed_notification_free);
}

KsFeedFollower *
ks_feed_follower_new (KsCache *cache)
{
  KsFeedFollower *self;

  g_return_val_if_fail (KS_IS_CACHE (cache), NULL);

  self = g_object_new (KS_TYPE_FEED_FOLLOWER, NULL);
  self->cache = g_object_ref (cache);
  return self;
}

KsCache *
ks_feed_follower_get_cache (KsFeedFollower *self)
{
  g_return_val_if_fail (KS_IS_FEED_FOLLOWER (self), NULL);
  return self->cache;
}

gboolean
ks_feed_follower_get_running (KsFeedFollower *self)
{
  g_return_val_if_fail (KS_IS_FEED_FOLLOWER (self), FALSE);
  return self->cancellable != NULL;
}

void
ks_feed_follower_set_wait (KsFeedFollower *self,
                           guint           seconds)
{
  g_return_if_fail (KS_IS_FEED_FOLLOWER (self));
  self->wait_seconds = MIN (seconds, 60);
}

void
ks_feed_follower_set_backoff (KsFeedFollower *self,
                              guint           base_ms,
                              guint           max_ms)
{
  g_return_if_fail (KS_IS_FEED_FOLLOWER (self));
  self->backoff_base_ms = MAX (base_ms, 1);
  self->backoff_max_ms = MAX (max_ms, self->backoff_base_ms);
}

void
ks_feed_follower_set_coalesce_window (KsFeedFollower *self,
                                      guint           ms)
{
  g_return_if_fail (KS_IS_FEED_FOLLOWER (self));
  self->coalesce_ms = ms;
}

/* ---- notifications ---- */

static gboolean
is_me (KsFeedFollower *self,
       const char     *username)
{
  return username != NULL && g_ascii_strcasecmp (username, ks_cache_get_username (self->cache)) == 0;
}

void
ks_feed_follower_flush_notifications (KsFeedFollower *self)
{
  g_autoptr (GPtrArray) pending = NULL;

  g_return_if_fail (KS_IS_FEED_FOLLOWER (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  pending = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_feed_notification_free);

  for (guint i = 0; i < pending->len; i++)
    {
      KsFeedNotification *note = g_ptr_array_index (pending, i);
      g_autoptr (KsCachedAlbum) album = ks_cache_get_album (self->cache, note->album_id, NULL);

      /* Access gone again, or the album deleted: nothing to open. */
      if (album == NULL)
        continue;
      g_free (note->album_name);
      note->album_name = g_strdup (album->name);
      g_signal_emit (self, signals[SIGNAL_NOTIFICATION], 0, note);
    }
}

static gboolean
flush_cb (gpointer user_data)
{
  KsFeedFollower *self = user_data;

  self->flush_id = 0;
  ks_feed_follower_flush_notifications (self);
  return G_SOURCE_REMOVE;
}

static void
gather (KsFeedFollower        *self,
        KsFeedNotificationKind kind,
        const KsEvent         *event)
{
  KsFeedNotification *note = NULL;

  for (guint i = 0; i < self->pending->len && note == NULL; i++)
    {
      KsFeedNotification *candidate = g_ptr_array_index (self->pending, i);

      if (candidate->kind == kind && g_str_equal (candidate->album_id, event->album_id))
        note = candidate;
    }
  if (note == NULL)
    {
      note = g_new0 (KsFeedNotification, 1);
      note->kind = kind;
      note->album_id = g_strdup (event->album_id);
      note->album_name = g_strdup (event->name);
      note->actor = g_strdup (event->actor);
      note->actors = g_new0 (char *, 1);
      g_ptr_array_add (self->pending, note);
    }
  if (!g_strv_contains ((const char *const *) note->actors, event->actor))
    {
      guint n = g_strv_length (note->actors);

      note->actors = g_renew (char *, note->actors, n + 2);
      note->actors[n] = g_strdup (event->actor);
      note->actors[n + 1] = NULL;
    }
  note->count++;
  note->at = g_get_real_time ();

  if (self->flush_id == 0)
    self->flush_id = g_timeout_add (self->coalesce_ms, flush_cb, self);
}

static void
notice_events (KsFeedFollower *self,
               GPtrArray      *events)
{
  for (guint i = 0; i < events->len; i++)
    {
      const KsEvent *event = g_ptr_array_index (events, i);

      if (event->seq <= self->seen_seq)
        continue;
      self->seen_seq = event->seq;
      if (self->catching_up || event->album_id == NULL || event->actor == NULL || is_me (self, event->actor))
        continue;
      if (g_strcmp0 (event->type, "photo_added") == 0)
        gather (self, KS_FEED_NOTIFICATION_PHOTOS_ADDED, event);
      else if (g_strcmp0 (event->type, "member_added") == 0 && is_me (self, event->member))
        gather (self, KS_FEED_NOTIFICATION_ALBUM_SHARED, event);
    }
}

/* ---- the loop ---- */

static gboolean
retry_cb (gpointer user_data)
{
  KsFeedFollower *self = user_data;

  self->retry_id = 0;
  poll_now (self);
  return G_SOURCE_REMOVE;
}

/* Exponential, with jitter over the upper half so many clients that lost
 * the same server do not come back in step. */
static void
back_off (KsFeedFollower *self,
          const GError   *error)
{
  guint64 delay = ks_backoff_equal_jitter (ks_backoff_ceiling (self->backoff_base_ms, self->attempts, self->backoff_max_ms));
  self->attempts++;

  g_debug ("Change feed: %s; next try in %" G_GUINT64_FORMAT " ms", error->message, delay);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
  if (ks_cloud_error_is_transient (error) || error->domain != KS_CLOUD_ERROR)
    ks_cache_set_offline (self->cache, TRUE);
  self->retry_id = g_timeout_add ((guint) delay, retry_cb, self);
}

typedef struct
{
  KsFeedFollower *self; /* owned */
  KsChangePage   *page; /* owned */
} Applying;

static void
applied_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Applying       *applying = user_data;
  KsFeedFollower *self = applying->self;
  g_autoptr (KsChangePage) page = applying->page;
  g_autoptr (GError) error = NULL;

  g_free (applying);
  self->polling = FALSE;
  if (!ks_cache_apply_changes_finish (KS_CACHE (source), result, &error))
    {
      if (self->cancellable != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        poll_now (self);
      else if (self->cancellable != NULL)
        back_off (self, error);
      g_object_unref (self);
      return;
    }

  self->attempts = 0;
  notice_events (self, page->events);
  if (!page->more)
    self->catching_up = FALSE;
  g_signal_emit (self, signals[SIGNAL_SYNCED], 0, g_ascii_strtoll (page->cursor, NULL, 10));
  if (self->cancellable != NULL)
    poll_now (self);
  g_object_unref (self);
}

static void
changes_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KsFeedFollower *self = user_data;
  g_autoptr (GError) error = NULL;
  KsChangePage *page = ks_api_client_get_changes_finish (KS_API_CLIENT (source), result, &error);
  Applying     *applying;

  if (page == NULL)
    {
      self->polling = FALSE;
      /* Cancelled by a stop: a start since then is waiting for us. */
      if (self->cancellable != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        poll_now (self);
      else if (self->cancellable != NULL)
        back_off (self, error);
      g_object_unref (self);
      return;
    }

  ks_cache_set_offline (self->cache, FALSE);
  applying = g_new0 (Applying, 1);
  applying->self = self; /* the poll's reference */
  applying->page = page;
  ks_cache_apply_changes_async (self->cache, page->events, page->cursor, self->cancellable, applied_cb, applying);
}

static void
poll_now (KsFeedFollower *self)
{
  g_autofree char *cursor = NULL;
  gboolean         first;

  if (self->cancellable == NULL || self->polling)
    return;
  g_clear_handle_id (&self->retry_id, g_source_remove);

  cursor = ks_cache_dup_cursor (self->cache);
  first = cursor == NULL;
  self->polling = TRUE;
  /* Catching up asks without waiting; after that the server holds the
   * request until something happens. */
  ks_api_client_get_changes_async (ks_cache_get_api (self->cache), cursor,
                                   first || self->catching_up ? 0 : self->wait_seconds, PAGE_LIMIT,
                                   self->cancellable, changes_cb, g_object_ref (self));
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         user_data)
{
  KsFeedFollower *self = user_data;

  if (available && self->retry_id != 0)
    {
      g_debug ("Change feed: the network is back");
      ks_feed_follower_wake (self);
    }
}

void
ks_feed_follower_wake (KsFeedFollower *self)
{
  g_return_if_fail (KS_IS_FEED_FOLLOWER (self));

  if (self->retry_id == 0)
    return;
  self->attempts = 0;
  poll_now (self);
}

void
ks_feed_follower_start (KsFeedFollower *self)
{
  g_autofree char *cursor = NULL;

  g_return_if_fail (KS_IS_FEED_FOLLOWER (self));
  g_return_if_fail (ks_cache_get_api (self->cache) != NULL);

  if (self->cancellable != NULL)
    return;
  cursor = ks_cache_dup_cursor (self->cache);
  self->seen_seq = cursor != NULL ? g_ascii_strtoll (cursor, NULL, 10) : 0;
  self->catching_up = cursor == NULL;
  self->attempts = 0;
  self->cancellable = g_cancellable_new ();
  self->monitor = g_network_monitor_get_default ();
  self->monitor_id = g_signal_connect (self->monitor, "network-changed", G_CALLBACK (network_changed_cb), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  ks_cache_fetch_missing (self->cache);
  poll_now (self);
}

void
ks_feed_follower_stop (KsFeedFollower *self)
{
  g_return_if_fail (KS_IS_FEED_FOLLOWER (self));

  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_signal_handler (&self->monitor_id, self->monitor);
  self->monitor = NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}
