/* ks-feed-follower.h: the change feed, followed into the album cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "ks-cache.h"

G_BEGIN_DECLS

typedef enum
{
  KS_FEED_NOTIFICATION_PHOTOS_ADDED, /* "alice added 3 photos to Holidays" */
  KS_FEED_NOTIFICATION_ALBUM_SHARED, /* "alice shared Holidays with you" */
} KsFeedNotificationKind;

/* What happened in one album during one coalescing window. */
typedef struct
{
  KsFeedNotificationKind kind;
  char                  *album_id;
  char                  *album_name;
  char                  *actor;  /* the first to act */
  GStrv                  actors; /* everyone who did, in order */
  guint                  count;  /* photos added (1 for a share) */
  gint64                 at;     /* g_get_real_time () of the last event */
} KsFeedNotification;

#define KS_TYPE_FEED_NOTIFICATION (ks_feed_notification_get_type ())
GType               ks_feed_notification_get_type (void) G_GNUC_CONST;
KsFeedNotification *ks_feed_notification_copy (const KsFeedNotification *self);
void                ks_feed_notification_free (KsFeedNotification *self);
/* One translated sentence without a full stop. */
char *ks_feed_notification_to_string (const KsFeedNotification *self);

#define KS_TYPE_FEED_FOLLOWER (ks_feed_follower_get_type ())
G_DECLARE_FINAL_TYPE (KsFeedFollower, ks_feed_follower, KS, FEED_FOLLOWER, GObject)

/*
 * One long poll on GET /v1/changes at a time (wait 50 s by default), its
 * cursor kept in @cache; each page is applied to the cache before the
 * next is asked for. No timer runs while the server answers: an idle
 * follower is one request held open by the server.
 *
 * When the server cannot be reached the cache is marked offline and the
 * follower waits, doubling from 1 s up to 5 minutes, with jitter; it
 * asks again at once when GNetworkMonitor says the network came back,
 * or when ks_feed_follower_wake() is called.
 *
 * Notifications: "FRIEND added N photos to ALBUM" and "FRIEND shared
 * ALBUM with you", gathered per album over a window (3 s by default)
 * from the first event, never for the user's own actions, never for
 * what happened before the cache's first sync, never twice for an
 * event.
 *
 * Signals:
 *   "notification" (KsFeedNotification *)
 *   "synced" (gint64 cursor): a page was applied
 *   "failed" (GError *): a poll or its application failed (it is retried)
 * Properties: "running" gboolean.
 */
KsFeedFollower *ks_feed_follower_new (KsCache *cache);

KsCache *ks_feed_follower_get_cache (KsFeedFollower *self);
void     ks_feed_follower_start (KsFeedFollower *self);
void     ks_feed_follower_stop (KsFeedFollower *self);
gboolean ks_feed_follower_get_running (KsFeedFollower *self);
/* Ends a backoff wait now. */
void ks_feed_follower_wake (KsFeedFollower *self);
/* Emits what is gathered now instead of at the end of its window. */
void ks_feed_follower_flush_notifications (KsFeedFollower *self);

/* Tuning, mostly for tests. */
void ks_feed_follower_set_wait (KsFeedFollower *self,
                                guint           seconds);
void ks_feed_follower_set_backoff (KsFeedFollower *self,
                                   guint           base_ms,
                                   guint           max_ms);
void ks_feed_follower_set_coalesce_window (KsFeedFollower *self,
                                           guint           ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsFeedNotification, ks_feed_notification_free)

G_END_DECLS
