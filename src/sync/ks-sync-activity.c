/* ks-sync-activity.c: one line of the engine's recent activity
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-sync-engine-private.h"

struct _KsSyncActivity
{
  GObject parent_instance;

  KsSyncActivityKind kind;
  char              *path;
  char              *photo_id; /* nullable */
  char              *message;  /* nullable */
  gint64             time;
};

G_DEFINE_FINAL_TYPE (KsSyncActivity, ks_sync_activity, G_TYPE_OBJECT)

static void
ks_sync_activity_finalize (GObject *object)
{
  KsSyncActivity *self = KS_SYNC_ACTIVITY (object);

  g_free (self->path);
  g_free (self->photo_id);
  g_free (self->message);
  G_OBJECT_CLASS (ks_sync_activity_parent_class)->finalize (object);
}

static void
ks_sync_activity_class_init (KsSyncActivityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ks_sync_activity_finalize;
}

static void
ks_sync_activity_init (KsSyncActivity *self)
{
}

KsSyncActivity *
ks_sync_activity_new (KsSyncActivityKind kind,
                      const char        *path,
                      const char        *photo_id,
                      const char        *message)
{
  KsSyncActivity *self = g_object_new (KS_TYPE_SYNC_ACTIVITY, NULL);

  self->kind = kind;
  self->path = g_strdup (path);
  self->photo_id = g_strdup (photo_id);
  self->message = g_strdup (message);
  self->time = g_get_real_time ();
  return self;
}

KsSyncActivityKind
ks_sync_activity_get_kind (KsSyncActivity *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ACTIVITY (self), KS_SYNC_ACTIVITY_FAILED);
  return self->kind;
}

const char *
ks_sync_activity_get_path (KsSyncActivity *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ACTIVITY (self), NULL);
  return self->path;
}

const char *
ks_sync_activity_get_photo_id (KsSyncActivity *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ACTIVITY (self), NULL);
  return self->photo_id;
}

const char *
ks_sync_activity_get_message (KsSyncActivity *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ACTIVITY (self), NULL);
  return self->message;
}

gint64
ks_sync_activity_get_time (KsSyncActivity *self)
{
  g_return_val_if_fail (KS_IS_SYNC_ACTIVITY (self), 0);
  return self->time;
}
