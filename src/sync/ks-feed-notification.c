/* ks-feed-notification.c: what a friend did, in one sentence
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-feed-follower.h"

G_DEFINE_BOXED_TYPE (KsFeedNotification, ks_feed_notification, ks_feed_notification_copy, ks_feed_notification_free)

KsFeedNotification *
ks_feed_notification_copy (const KsFeedNotification *self)
{
  KsFeedNotification *copy = g_new0 (KsFeedNotification, 1);

  copy->kind = self->kind;
  copy->album_id = g_strdup (self->album_id);
  copy->album_name = g_strdup (self->album_name);
  copy->actor = g_strdup (self->actor);
  copy->actors = g_strdupv (self->actors);
  copy->count = self->count;
  copy->at = self->at;
  return copy;
}

void
ks_feed_notification_free (KsFeedNotification *self)
{
  if (self == NULL)
    return;
  g_free (self->album_id);
  g_free (self->album_name);
  g_free (self->actor);
  g_strfreev (self->actors);
  g_free (self);
}

/* "alice", "alice and bob", "alice and 2 others" */
static char *
who (const KsFeedNotification *self)
{
  guint n = self->actors != NULL ? g_strv_length (self->actors) : 0;

  if (n <= 1)
    return g_strdup (self->actor);
  if (n == 2)
    /* TRANSLATORS: two usernames */
    return g_strdup_printf (_ ("%s and %s"), self->actors[0], self->actors[1]);
  /* TRANSLATORS: a username and how many more people */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s and %u other", "%s and %u others", n - 1),
                          self->actors[0], n - 1);
}

char *
ks_feed_notification_to_string (const KsFeedNotification *self)
{
  g_autofree char *actor = who (self);

  switch (self->kind)
    {
    case KS_FEED_NOTIFICATION_ALBUM_SHARED:
      /* TRANSLATORS: “alice shared Holidays with you” */
      return g_strdup_printf (_ ("%s shared “%s” with you"), actor, self->album_name);
    case KS_FEED_NOTIFICATION_PHOTOS_ADDED:
    default:
      /* TRANSLATORS: “alice added 3 photos to Holidays” */
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s added %u photo to “%s”",
                                           "%s added %u photos to “%s”", self->count),
                              actor, self->count, self->album_name);
    }
}
