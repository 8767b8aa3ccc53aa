/* ks-upload-types.c: POST /v1/photos/prepare, its request and its reply
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-cloud-types-private.h"

/* S3's limit on the parts of one multipart upload. */
#define MAX_PARTS 10000

static gboolean
fail (GError    **error,
      const char *problem)
{
  g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
               _ ("Malformed upload in the server’s reply: %s"), problem);
  return FALSE;
}

KsPrepareRequest *
ks_prepare_request_new (void)
{
  KsPrepareRequest *self = g_new0 (KsPrepareRequest, 1);

  self->thumbnails = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_thumbnail_info_free);
  return self;
}

KsPrepareRequest *
ks_prepare_request_copy (const KsPrepareRequest *self)
{
  KsPrepareRequest *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = ks_prepare_request_new ();
  copy->sha256 = g_strdup (self->sha256);
  copy->size = self->size;
  copy->content_type = g_strdup (self->content_type);
  copy->file_name = g_strdup (self->file_name);
  copy->taken_at = g_strdup (self->taken_at);
  copy->width = self->width;
  copy->height = self->height;
  for (guint i = 0; self->thumbnails != NULL && i < self->thumbnails->len; i++)
    {
      const KsThumbnailInfo *thumb = g_ptr_array_index (self->thumbnails, i);

      g_ptr_array_add (copy->thumbnails, ks_thumbnail_info_new (thumb->name, thumb->size, thumb->sha256));
    }

  return copy;
}

void
ks_prepare_request_free (KsPrepareRequest *self)
{
  if (self == NULL)
    return;

  g_free (self->sha256);
  g_free (self->content_type);
  g_free (self->file_name);
  g_free (self->taken_at);
  g_clear_pointer (&self->thumbnails, g_ptr_array_unref);
  g_free (self);
}

static void
set_string (JsonObject *object,
            const char *name,
            const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
}

/* Members left NULL are left out, so the server names what is missing. */
JsonNode *
ks_prepare_request_to_json (const KsPrepareRequest *self)
{
  JsonObject *object = json_object_new ();
  JsonNode   *node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (self != NULL, NULL);

  set_string (object, "sha256", self->sha256);
  json_object_set_int_member (object, "size", self->size);
  set_string (object, "content_type", self->content_type);
  set_string (object, "file_name", self->file_name);
  set_string (object, "taken_at", self->taken_at);
  json_object_set_int_member (object, "width", self->width);
  json_object_set_int_member (object, "height", self->height);
  if (self->thumbnails != NULL && self->thumbnails->len > 0)
    {
      JsonArray *thumbs = json_array_sized_new (self->thumbnails->len);

      for (guint i = 0; i < self->thumbnails->len; i++)
        {
          const KsThumbnailInfo *thumb = g_ptr_array_index (self->thumbnails, i);
          JsonObject            *item = json_object_new ();

          set_string (item, "name", thumb->name);
          json_object_set_int_member (item, "size", thumb->size);
          set_string (item, "sha256", thumb->sha256);
          json_array_add_object_element (thumbs, item);
        }
      json_object_set_array_member (object, "thumbnails", thumbs);
    }

  json_node_take_object (node, object);
  return node;
}

void
ks_upload_part_free (KsUploadPart *self)
{
  if (self == NULL)
    return;

  g_free (self->url);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsUploadPart, ks_upload_part_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsUploadTarget, ks_upload_target_free)

static gpointer
upload_part_new_from_json (JsonObject *object,
                           GError    **error)
{
  g_autoptr (KsUploadPart) self = g_new0 (KsUploadPart, 1);
  gint64 number = 0;

  if (!ks_cloud_get_int (object, "part_number", TRUE, 1, MAX_PARTS, &number, error) ||
      !ks_cloud_get_int (object, "size", TRUE, 1, G_MAXINT64, &self->size, error) ||
      !ks_cloud_dup_string (object, "url", &self->url, error))
    return NULL;

  self->part_number = (int) number;
  return g_steal_pointer (&self);
}

void
ks_upload_target_free (KsUploadTarget *self)
{
  if (self == NULL)
    return;

  g_free (self->target);
  g_free (self->url);
  g_clear_pointer (&self->headers, g_hash_table_unref);
  g_free (self->upload_id);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_free (self->complete_url);
  g_free (self);
}

static gboolean
check_method (JsonObject *object,
              const char *expected,
              GError    **error)
{
  g_autofree char *method = NULL;

  if (!ks_cloud_dup_nullable_string (object, "method", &method, error))
    return FALSE;
  if (method != NULL && !g_str_equal (method, expected))
    return fail (error, "unexpected method");

  return TRUE;
}

static gboolean
parse_headers (KsUploadTarget *self,
               JsonObject     *headers,
               GError        **error)
{
  JsonObjectIter iter;
  const char    *name;
  JsonNode      *value;

  self->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  json_object_iter_init (&iter, headers);
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        return fail (error, "a header value is not a string");
      g_hash_table_replace (self->headers, g_strdup (name), g_strdup (json_node_get_string (value)));
    }

  return TRUE;
}

/* Parts must come in order, 1 to n, as the complete request lists them. */
static gboolean
parse_multipart (KsUploadTarget *self,
                 JsonObject     *object,
                 GError        **error)
{
  JsonObject *complete = NULL;

  if (!ks_cloud_dup_string (object, "upload_id", &self->upload_id, error) ||
      !ks_cloud_get_int (object, "part_size", TRUE, 1, G_MAXINT64, &self->part_size, error) ||
      !ks_cloud_get_object (object, "complete", TRUE, &complete, error) ||
      !check_method (complete, "POST", error) ||
      !ks_cloud_dup_string (complete, "url", &self->complete_url, error))
    return FALSE;

  self->parts = ks_cloud_parse_object_array (object, "parts", TRUE, upload_part_new_from_json,
                                             (GDestroyNotify) ks_upload_part_free, error);
  if (self->parts == NULL)
    return FALSE;
  if (self->parts->len == 0)
    return fail (error, "no parts");
  for (guint i = 0; i < self->parts->len; i++)
    {
      KsUploadPart *part = g_ptr_array_index (self->parts, i);

      if (part->part_number != (int) i + 1)
        return fail (error, "parts out of order");
    }

  return TRUE;
}

static gpointer
upload_target_new_from_json (JsonObject *object,
                             GError    **error)
{
  g_autoptr (KsUploadTarget) self = g_new0 (KsUploadTarget, 1);
  JsonObject *headers = NULL;

  if (!ks_cloud_dup_string (object, "target", &self->target, error) ||
      !check_method (object, "PUT", error))
    return NULL;

  if (json_object_has_member (object, "upload_id"))
    {
      if (!parse_multipart (self, object, error))
        return NULL;
    }
  else if (!ks_cloud_dup_string (object, "url", &self->url, error) ||
           !ks_cloud_get_object (object, "headers", TRUE, &headers, error) ||
           !parse_headers (self, headers, error))
    return NULL;

  return g_steal_pointer (&self);
}

KsPrepareReply *
ks_prepare_reply_new_from_json (JsonNode *root,
                                GError  **error)
{
  g_autoptr (KsPrepareReply) self = g_new0 (KsPrepareReply, 1);
  JsonObject      *object = ks_cloud_root_object (root, "prepare reply", error);
  JsonObject      *photo = NULL;
  g_autofree char *status = NULL;

  if (object == NULL || !ks_cloud_dup_string (object, "status", &status, error))
    return NULL;

  if (g_str_equal (status, "exists"))
    {
      self->exists = TRUE;
      if (!ks_cloud_get_object (object, "photo", TRUE, &photo, error))
        return NULL;
      self->photo = ks_photo_new_from_json (photo, error);
      return self->photo != NULL ? g_steal_pointer (&self) : NULL;
    }
  if (!g_str_equal (status, "upload"))
    {
      fail (error, "unknown status");
      return NULL;
    }

  if (!ks_cloud_dup_string (object, "photo_id", &self->photo_id, error) ||
      !ks_cloud_dup_string (object, "expires_at", &self->expires_at, error))
    return NULL;
  self->uploads = ks_cloud_parse_object_array (object, "uploads", TRUE, upload_target_new_from_json,
                                               (GDestroyNotify) ks_upload_target_free, error);
  if (self->uploads == NULL)
    return NULL;
  if (self->uploads->len == 0)
    {
      fail (error, "nothing to upload");
      return NULL;
    }

  return g_steal_pointer (&self);
}

void
ks_prepare_reply_free (KsPrepareReply *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->photo, ks_photo_free);
  g_free (self->photo_id);
  g_free (self->expires_at);
  g_clear_pointer (&self->uploads, g_ptr_array_unref);
  g_free (self);
}

KsPartEtag *
ks_part_etag_new (int         part_number,
                  const char *etag)
{
  KsPartEtag *self = g_new0 (KsPartEtag, 1);

  self->part_number = part_number;
  self->etag = g_strdup (etag);
  return self;
}

void
ks_part_etag_free (KsPartEtag *self)
{
  if (self == NULL)
    return;

  g_free (self->etag);
  g_free (self);
}
