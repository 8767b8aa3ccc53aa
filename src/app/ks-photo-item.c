/* ks-photo-item.c: one photo in a grid, uploaded or on its way
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-photo-item.h"

struct _KsPhotoItem
{
  GObject parent_instance;

  KsPhoto         *photo;    /* nullable until uploaded */
  GFile           *original; /* nullable: only for uploads */
  char            *title;
  KsPhotoItemState state;
  double           progress;
  char            *error;           /* nullable */
  GFile           *local_thumbnail; /* nullable */
  char            *local_grid_sha256;
  char            *album_id;   /* nullable: listed from this album */
  gint64           urls_until; /* real time, µs; 0: not read yet */
};

G_DEFINE_FINAL_TYPE (KsPhotoItem, ks_photo_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_PROGRESS,
  PROP_ERROR,
  PROP_LOCAL_THUMBNAIL,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ks_photo_item_finalize (GObject *object)
{
  KsPhotoItem *self = KS_PHOTO_ITEM (object);

  g_clear_pointer (&self->photo, ks_photo_free);
  g_clear_object (&self->original);
  g_clear_object (&self->local_thumbnail);
  g_free (self->title);
  g_free (self->error);
  g_free (self->local_grid_sha256);
  g_free (self->album_id);

  G_OBJECT_CLASS (ks_photo_item_parent_class)->finalize (object);
}

static void
ks_photo_item_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KsPhotoItem *self = KS_PHOTO_ITEM (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_PROGRESS:
      g_value_set_double (value, self->progress);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_LOCAL_THUMBNAIL:
      g_value_set_object (value, self->local_thumbnail);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ks_photo_item_class_init (KsPhotoItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ks_photo_item_finalize;
  object_class->get_property = ks_photo_item_get_property;

  properties[PROP_STATE] =
      g_param_spec_int ("state", NULL, NULL, KS_PHOTO_ITEM_READY, KS_PHOTO_ITEM_FAILED,
                        KS_PHOTO_ITEM_READY,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PROGRESS] =
      g_param_spec_double ("progress", NULL, NULL, 0, 1, 0,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR] =
      g_param_spec_string ("error", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOCAL_THUMBNAIL] =
      g_param_spec_object ("local-thumbnail", NULL, NULL, G_TYPE_FILE,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TITLE] =
      g_param_spec_string ("title", NULL, NULL, NULL,
                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ks_photo_item_init (KsPhotoItem *self)
{
}

KsPhotoItem *
ks_photo_item_new (KsPhoto *photo)
{
  KsPhotoItem *self = g_object_new (KS_TYPE_PHOTO_ITEM, NULL);

  self->photo = photo;
  self->title = g_strdup (photo->file_name != NULL ? photo->file_name : photo->id);
  return self;
}

KsPhotoItem *
ks_photo_item_new_pending (GFile *original)
{
  KsPhotoItem *self = g_object_new (KS_TYPE_PHOTO_ITEM, NULL);

  self->original = g_object_ref (original);
  self->title = g_file_get_basename (original);
  self->state = KS_PHOTO_ITEM_PREPARING;
  return self;
}

const KsPhoto *
ks_photo_item_get_photo (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->photo;
}

const char *
ks_photo_item_get_id (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->photo != NULL ? self->photo->id : NULL;
}

GFile *
ks_photo_item_get_original (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->original;
}

const char *
ks_photo_item_get_title (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->title;
}

KsPhotoItemState
ks_photo_item_get_state (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), KS_PHOTO_ITEM_READY);

  return self->state;
}

double
ks_photo_item_get_progress (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), 0);

  return self->progress;
}

const char *
ks_photo_item_get_error (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->error;
}

GFile *
ks_photo_item_get_local_thumbnail (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->local_thumbnail;
}

const char *
ks_photo_item_get_grid_sha256 (KsPhotoItem *self,
                               gint64      *out_size)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  if (out_size != NULL)
    *out_size = -1;
  if (self->photo == NULL)
    return self->local_grid_sha256;

  for (guint i = 0; i < self->photo->thumbnails->len; i++)
    {
      KsThumbnailInfo *info = g_ptr_array_index (self->photo->thumbnails, i);

      if (g_strcmp0 (info->name, "grid") == 0)
        {
          if (out_size != NULL)
            *out_size = info->size;
          return info->sha256;
        }
    }
  return NULL;
}

const char *
ks_photo_item_get_grid_url (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->photo != NULL ? self->photo->url_grid : NULL;
}

const char *
ks_photo_item_get_album_id (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), NULL);

  return self->album_id;
}

void
ks_photo_item_set_album_id (KsPhotoItem *self,
                            const char  *album_id)
{
  g_return_if_fail (KS_IS_PHOTO_ITEM (self));

  g_free (self->album_id);
  self->album_id = g_strdup (album_id);
}

gboolean
ks_photo_item_get_urls_expiring (KsPhotoItem *self)
{
  g_return_val_if_fail (KS_IS_PHOTO_ITEM (self), FALSE);

  if (self->photo == NULL)
    return FALSE;
  /* Read when first asked: most listed photos never are. A reply
   * without a valid expiry time is trusted until a download fails. */
  if (self->urls_until == 0)
    {
      g_autoptr (GDateTime) until = NULL;

      if (self->photo->urls_expire_at != NULL)
        until = g_date_time_new_from_iso8601 (self->photo->urls_expire_at, NULL);
      self->urls_until = until != NULL ? g_date_time_to_unix (until) * G_USEC_PER_SEC : G_MAXINT64;
    }
  return self->urls_until < g_get_real_time () + KS_PHOTO_ITEM_URL_MARGIN;
}

void
ks_photo_item_renew_urls (KsPhotoItem *self,
                          KsPhoto     *fresh)
{
  g_return_if_fail (KS_IS_PHOTO_ITEM (self));
  g_return_if_fail (fresh != NULL);

  if (self->photo == NULL || g_strcmp0 (self->photo->id, fresh->id) != 0)
    {
      ks_photo_free (fresh);
      return;
    }
  g_free (self->photo->url_original);
  self->photo->url_original = g_steal_pointer (&fresh->url_original);
  g_free (self->photo->url_grid);
  self->photo->url_grid = g_steal_pointer (&fresh->url_grid);
  g_free (self->photo->url_preview);
  self->photo->url_preview = g_steal_pointer (&fresh->url_preview);
  g_free (self->photo->urls_expire_at);
  self->photo->urls_expire_at = g_steal_pointer (&fresh->urls_expire_at);
  self->urls_until = 0;
  ks_photo_free (fresh);
}

static void
set_state (KsPhotoItem     *self,
           KsPhotoItemState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
ks_photo_item_set_preparing (KsPhotoItem *self)
{
  g_return_if_fail (KS_IS_PHOTO_ITEM (self));

  g_clear_pointer (&self->error, g_free);
  ks_photo_item_set_progress (self, 0);
  set_state (self, KS_PHOTO_ITEM_PREPARING);
}

void
ks_photo_item_set_uploading (KsPhotoItem *self,
                             GFile       *local_thumbnail,
                             const char  *grid_sha256)
{
  g_return_if_fail (KS_IS_PHOTO_ITEM (self));

  g_free (self->local_grid_sha256);
  self->local_grid_sha256 = g_strdup (grid_sha256);
  if (g_set_object (&self->local_thumbnail, local_thumbnail))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOCAL_THUMBNAIL]);
  set_state (self, KS_PHOTO_ITEM_UPLOADING);
}

void
ks_photo_item_set_progress (KsPhotoItem *self,
                            double       progress)
{
  g_return_if_fail (KS_IS_PHOTO_ITEM (self));

  progress = CLAMP (progress, 0, 1);
  if (self->progress == progress)
    return;
  self->progress = progress;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);
}

void
ks_photo_item_set_failed (KsPhotoItem *self,
                          const char  *error)
{
  g_return_if_fail (KS_IS_PHOTO_ITEM (self));

  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  set_state (self, KS_PHOTO_ITEM_FAILED);
}

void
ks_photo_item_set_photo (KsPhotoItem *self,
                         KsPhoto     *photo)
{
  g_return_if_fail (KS_IS_PHOTO_ITEM (self));

  g_clear_pointer (&self->photo, ks_photo_free);
  self->photo = photo;
  self->urls_until = 0;
  ks_photo_item_set_progress (self, 1);
  set_state (self, KS_PHOTO_ITEM_READY);
}
