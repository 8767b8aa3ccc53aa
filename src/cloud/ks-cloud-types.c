/* ks-cloud-types.c: API v1 objects and their strict parsers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ks-cloud-error.h"
#include "ks-cloud-types-private.h"
#include "ks-json.h"

/* Replies are parsed before they are trusted: a core parse error (a
 * missing or wrongly typed member) becomes a protocol error of the
 * client library, naming the member but never its value. */
static gboolean
protocol_error (GError    **error,
                GError     *local,
                const char *what)
{
  if (local->domain == KS_CLOUD_ERROR)
    g_propagate_error (error, local);
  else
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                   _ ("Malformed %s in the server’s reply: %s"), what, local->message);
      g_error_free (local);
    }

  return FALSE;
}

static gboolean
fail (GError    **error,
      const char *what,
      const char *problem)
{
  g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
               _ ("Malformed %s in the server’s reply: %s"), what, problem);
  return FALSE;
}

/* Core errors, not yet wrapped. Absent or null is fine unless @required. */
static gboolean
read_string (JsonObject *object,
             const char *name,
             gboolean    required,
             char      **out,
             GError    **error)
{
  JsonNode   *node = json_object_get_member (object, name);
  const char *value = NULL;

  if (!required && (node == NULL || JSON_NODE_HOLDS_NULL (node)))
    return TRUE;
  if (!ks_json_object_get_string_member_checked (object, name, TRUE, &value, error))
    return FALSE;

  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

gboolean
ks_cloud_dup_string (JsonObject *object,
                     const char *name,
                     char      **out,
                     GError    **error)
{
  GError *local = NULL;

  if (!read_string (object, name, TRUE, out, &local))
    return protocol_error (error, local, "object");

  return TRUE;
}

gboolean
ks_cloud_dup_nullable_string (JsonObject *object,
                              const char *name,
                              char      **out,
                              GError    **error)
{
  GError *local = NULL;

  if (!read_string (object, name, FALSE, out, &local))
    return protocol_error (error, local, "object");

  return TRUE;
}

gboolean
ks_cloud_get_int (JsonObject *object,
                  const char *name,
                  gboolean    required,
                  gint64      min,
                  gint64      max,
                  gint64     *out,
                  GError    **error)
{
  GError *local = NULL;

  if (!ks_json_object_get_int64_member_checked (object, name, required, min, max, out, &local))
    return protocol_error (error, local, "object");

  return TRUE;
}

gboolean
ks_cloud_get_object (JsonObject  *object,
                     const char  *name,
                     gboolean     required,
                     JsonObject **out,
                     GError     **error)
{
  JsonNode        *node = json_object_get_member (object, name);
  g_autofree char *problem = NULL;

  *out = NULL;
  if (node == NULL && !required)
    return TRUE;
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      *out = json_node_get_object (node);
      return TRUE;
    }

  problem = g_strdup_printf (node == NULL ? "Member “%s” is missing" : "Member “%s” is not an object", name);
  return fail (error, "object", problem);
}

static JsonArray *
get_array (JsonObject *object,
           const char *name,
           gboolean    required,
           GError    **error)
{
  JsonNode        *node = json_object_get_member (object, name);
  g_autofree char *problem = NULL;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    return json_node_get_array (node);
  if (node == NULL && !required)
    return NULL;

  problem = g_strdup_printf (node == NULL ? "Member “%s” is missing" : "Member “%s” is not an array", name);
  fail (error, "object", problem);
  return NULL;
}

JsonObject *
ks_cloud_root_object (JsonNode   *root,
                      const char *what,
                      GError    **error)
{
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    return json_node_get_object (root);

  fail (error, what, "not a JSON object");
  return NULL;
}

GPtrArray *
ks_cloud_parse_object_array (JsonObject       *object,
                             const char       *name,
                             gboolean          required,
                             KsObjectParseFunc parse,
                             GDestroyNotify    free_func,
                             GError          **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (free_func);
  GError    *local = NULL;
  JsonArray *array = get_array (object, name, required, &local);

  if (local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      gpointer  item;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *problem = g_strdup_printf ("element %u of “%s” is not an object", i, name);
          fail (error, "list", problem);
          return NULL;
        }
      item = parse (json_node_get_object (node), error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (items, item);
    }

  return g_steal_pointer (&items);
}

GStrv
ks_cloud_dup_string_array (JsonObject *object,
                           const char *name,
                           GError    **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  GError    *local = NULL;
  JsonArray *array = get_array (object, name, TRUE, &local);

  if (array == NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_autofree char *problem = g_strdup_printf ("element %u of “%s” is not a string", i, name);
          fail (error, "list", problem);
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (node));
    }

  return g_strv_builder_end (builder);
}

/* ---- Simple objects, described by tables of their members ---- */

typedef enum
{
  FIELD_STRING,   /* required */
  FIELD_OPTIONAL, /* absent or null: NULL */
  FIELD_INT,      /* required, >= 0 */
  FIELD_OPTIONAL_INT,
  FIELD_BOOLEAN,
} FieldType;

typedef struct
{
  const char *name;
  FieldType   type;
  gsize       offset;
} Field;

static gboolean
parse_fields (JsonObject  *object,
              const Field *fields,
              gsize        n_fields,
              gpointer     out,
              const char  *what,
              GError     **error)
{
  for (gsize i = 0; i < n_fields; i++)
    {
      const char *name = fields[i].name;
      gpointer    field = G_STRUCT_MEMBER_P (out, fields[i].offset);
      GError     *local = NULL;
      gboolean    ok;

      switch (fields[i].type)
        {
        case FIELD_STRING:
        case FIELD_OPTIONAL:
          ok = read_string (object, name, fields[i].type == FIELD_STRING, field, &local);
          break;
        case FIELD_INT:
        case FIELD_OPTIONAL_INT:
          ok = ks_json_object_get_int64_member_checked (object, name, fields[i].type == FIELD_INT,
                                                        0, G_MAXINT64, field, &local);
          break;
        case FIELD_BOOLEAN:
          ok = ks_json_object_get_boolean_member_checked (object, name, TRUE, field, &local);
          break;
        default:
          g_assert_not_reached ();
        }
      if (!ok)
        return protocol_error (error, local, what);
    }

  return TRUE;
}

#define FIELD(type, member, kind)                \
  {                                              \
#member, kind, G_STRUCT_OFFSET(type, member) \
  }

/* Frees the strings @fields point to in @object: what parse_fields ()
 * filled, so a member added to a table is freed with it. */
static void
free_fields (const Field *fields,
             gsize        n_fields,
             gpointer     object)
{
  for (gsize i = 0; i < n_fields; i++)
    if (fields[i].type == FIELD_STRING || fields[i].type == FIELD_OPTIONAL)
      g_free (G_STRUCT_MEMBER (char *, object, fields[i].offset));
}

KsThumbnailInfo *
ks_thumbnail_info_new (const char *name,
                       gint64      size,
                       const char *sha256)
{
  KsThumbnailInfo *self = g_new0 (KsThumbnailInfo, 1);

  self->name = g_strdup (name);
  self->size = size;
  self->sha256 = g_strdup (sha256);
  return self;
}

void
ks_thumbnail_info_free (KsThumbnailInfo *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  g_free (self->sha256);
  g_free (self);
}

static const Field thumbnail_fields[] = {
  FIELD (KsThumbnailInfo, name, FIELD_STRING),
  FIELD (KsThumbnailInfo, size, FIELD_INT),
  FIELD (KsThumbnailInfo, sha256, FIELD_STRING),
};

static gpointer
thumbnail_info_new_from_json (JsonObject *object,
                              GError    **error)
{
  g_autoptr (KsThumbnailInfo) self = g_new0 (KsThumbnailInfo, 1);

  if (!parse_fields (object, thumbnail_fields, G_N_ELEMENTS (thumbnail_fields), self, "thumbnail", error))
    return NULL;

  return g_steal_pointer (&self);
}

/* Link pages show only id, type, size, taken_at and thumbnail URLs. */
static const Field photo_fields[] = {
  FIELD (KsPhoto, id, FIELD_STRING),
  FIELD (KsPhoto, content_type, FIELD_STRING),
  FIELD (KsPhoto, width, FIELD_INT),
  FIELD (KsPhoto, height, FIELD_INT),
  FIELD (KsPhoto, taken_at, FIELD_OPTIONAL),
  FIELD (KsPhoto, sha256, FIELD_OPTIONAL),
  FIELD (KsPhoto, size, FIELD_OPTIONAL_INT),
  FIELD (KsPhoto, file_name, FIELD_OPTIONAL),
  FIELD (KsPhoto, created_at, FIELD_OPTIONAL),
  FIELD (KsPhoto, committed_at, FIELD_OPTIONAL),
  FIELD (KsPhoto, deleted_at, FIELD_OPTIONAL),
  FIELD (KsPhoto, urls_expire_at, FIELD_OPTIONAL),
  FIELD (KsPhoto, owner, FIELD_OPTIONAL),
  FIELD (KsPhoto, added_by, FIELD_OPTIONAL),
  FIELD (KsPhoto, added_at, FIELD_OPTIONAL),
};

static const Field photo_url_fields[] = {
  { "original", FIELD_OPTIONAL, G_STRUCT_OFFSET (KsPhoto, url_original) },
  { "grid", FIELD_OPTIONAL, G_STRUCT_OFFSET (KsPhoto, url_grid) },
  { "preview", FIELD_OPTIONAL, G_STRUCT_OFFSET (KsPhoto, url_preview) },
};

KsPhoto *
ks_photo_new_from_json (JsonObject *object,
                        GError    **error)
{
  g_autoptr (KsPhoto) self = g_new0 (KsPhoto, 1);
  JsonObject *urls = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  self->size = -1;
  if (!parse_fields (object, photo_fields, G_N_ELEMENTS (photo_fields), self, "photo", error) ||
      !ks_cloud_get_object (object, "urls", FALSE, &urls, error))
    return NULL;
  if (urls != NULL &&
      !parse_fields (urls, photo_url_fields, G_N_ELEMENTS (photo_url_fields), self, "photo URLs", error))
    return NULL;

  self->thumbnails = ks_cloud_parse_object_array (object, "thumbnails", FALSE,
                                                  thumbnail_info_new_from_json,
                                                  (GDestroyNotify) ks_thumbnail_info_free, error);
  if (self->thumbnails == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_photo_free (KsPhoto *self)
{
  if (self == NULL)
    return;

  free_fields (photo_fields, G_N_ELEMENTS (photo_fields), self);
  free_fields (photo_url_fields, G_N_ELEMENTS (photo_url_fields), self);
  g_clear_pointer (&self->thumbnails, g_ptr_array_unref);
  g_free (self);
}

static const Field album_fields[] = {
  FIELD (KsAlbum, id, FIELD_STRING),
  FIELD (KsAlbum, name, FIELD_STRING),
  FIELD (KsAlbum, owner, FIELD_STRING),
  FIELD (KsAlbum, role, FIELD_STRING),
  FIELD (KsAlbum, photo_count, FIELD_INT),
  FIELD (KsAlbum, created_at, FIELD_STRING),
  FIELD (KsAlbum, updated_at, FIELD_STRING),
};

KsAlbum *
ks_album_new_from_json (JsonObject *object,
                        GError    **error)
{
  g_autoptr (KsAlbum) self = g_new0 (KsAlbum, 1);

  g_return_val_if_fail (object != NULL, NULL);

  if (!parse_fields (object, album_fields, G_N_ELEMENTS (album_fields), self, "album", error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_album_free (KsAlbum *self)
{
  if (self == NULL)
    return;

  free_fields (album_fields, G_N_ELEMENTS (album_fields), self);
  g_free (self);
}

static const Field member_fields[] = {
  FIELD (KsMember, username, FIELD_STRING),
  FIELD (KsMember, role, FIELD_STRING),
  FIELD (KsMember, added_at, FIELD_STRING),
};

KsMember *
ks_member_new_from_json (JsonObject *object,
                         GError    **error)
{
  g_autoptr (KsMember) self = g_new0 (KsMember, 1);

  g_return_val_if_fail (object != NULL, NULL);

  if (!parse_fields (object, member_fields, G_N_ELEMENTS (member_fields), self, "member", error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_member_free (KsMember *self)
{
  if (self == NULL)
    return;

  free_fields (member_fields, G_N_ELEMENTS (member_fields), self);
  g_free (self);
}

static const Field link_fields[] = {
  FIELD (KsLink, id, FIELD_STRING),
  FIELD (KsLink, token, FIELD_OPTIONAL),
  FIELD (KsLink, url, FIELD_OPTIONAL),
  FIELD (KsLink, created_at, FIELD_STRING),
  FIELD (KsLink, expires_at, FIELD_STRING),
  FIELD (KsLink, expired, FIELD_BOOLEAN),
};

KsLink *
ks_link_new_from_json (JsonObject *object,
                       GError    **error)
{
  g_autoptr (KsLink) self = g_new0 (KsLink, 1);

  g_return_val_if_fail (object != NULL, NULL);

  if (!parse_fields (object, link_fields, G_N_ELEMENTS (link_fields), self, "share link", error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_link_free (KsLink *self)
{
  if (self == NULL)
    return;

  /* The token is a bearer secret for the album. */
  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  free_fields (link_fields, G_N_ELEMENTS (link_fields), self);
  g_free (self);
}

static const Field event_fields[] = {
  FIELD (KsEvent, seq, FIELD_INT),
  FIELD (KsEvent, type, FIELD_STRING),
  FIELD (KsEvent, album_id, FIELD_OPTIONAL),
  FIELD (KsEvent, photo_id, FIELD_OPTIONAL),
  FIELD (KsEvent, member, FIELD_OPTIONAL),
  FIELD (KsEvent, role, FIELD_OPTIONAL),
  FIELD (KsEvent, name, FIELD_OPTIONAL),
  FIELD (KsEvent, actor, FIELD_STRING),
  FIELD (KsEvent, at, FIELD_STRING),
};

KsEvent *
ks_event_new_from_json (JsonObject *object,
                        GError    **error)
{
  g_autoptr (KsEvent) self = g_new0 (KsEvent, 1);

  g_return_val_if_fail (object != NULL, NULL);

  if (!parse_fields (object, event_fields, G_N_ELEMENTS (event_fields), self, "event", error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_event_free (KsEvent *self)
{
  if (self == NULL)
    return;

  free_fields (event_fields, G_N_ELEMENTS (event_fields), self);
  g_free (self);
}

/* ---- Pages ---- */

KsPhotoPage *
ks_photo_page_new_from_json (JsonNode *root,
                             GError  **error)
{
  g_autoptr (KsPhotoPage) self = g_new0 (KsPhotoPage, 1);
  JsonObject *object = ks_cloud_root_object (root, "photo list", error);

  if (object == NULL)
    return NULL;

  self->photos = ks_cloud_parse_object_array (object, "photos", TRUE,
                                              (KsObjectParseFunc) ks_photo_new_from_json,
                                              (GDestroyNotify) ks_photo_free, error);
  if (self->photos == NULL || !ks_cloud_dup_nullable_string (object, "cursor", &self->cursor, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_photo_page_free (KsPhotoPage *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->photos, g_ptr_array_unref);
  g_free (self->cursor);
  g_free (self);
}

KsChangePage *
ks_change_page_new_from_json (JsonNode *root,
                              GError  **error)
{
  g_autoptr (KsChangePage) self = g_new0 (KsChangePage, 1);
  JsonObject *object = ks_cloud_root_object (root, "change list", error);
  GError     *local = NULL;

  if (object == NULL)
    return NULL;

  self->events = ks_cloud_parse_object_array (object, "events", TRUE,
                                              (KsObjectParseFunc) ks_event_new_from_json,
                                              (GDestroyNotify) ks_event_free, error);
  if (self->events == NULL || !ks_cloud_dup_string (object, "cursor", &self->cursor, error))
    return NULL;
  if (!ks_json_object_get_boolean_member_checked (object, "more", TRUE, &self->more, &local))
    {
      protocol_error (error, local, "change list");
      return NULL;
    }

  return g_steal_pointer (&self);
}

void
ks_change_page_free (KsChangePage *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_free (self->cursor);
  g_free (self);
}

KsLinkPage *
ks_link_page_new_from_json (JsonNode *root,
                            GError  **error)
{
  g_autoptr (KsLinkPage) self = g_new0 (KsLinkPage, 1);
  JsonObject *object = ks_cloud_root_object (root, "shared album", error);
  JsonObject *album = NULL;

  if (object == NULL || !ks_cloud_get_object (object, "album", TRUE, &album, error) ||
      !ks_cloud_dup_string (album, "name", &self->album_name, error) ||
      !ks_cloud_dup_string (album, "link_expires_at", &self->link_expires_at, error))
    return NULL;

  self->photos = ks_cloud_parse_object_array (object, "photos", TRUE,
                                              (KsObjectParseFunc) ks_photo_new_from_json,
                                              (GDestroyNotify) ks_photo_free, error);
  if (self->photos == NULL || !ks_cloud_dup_nullable_string (object, "cursor", &self->cursor, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
ks_link_page_free (KsLinkPage *self)
{
  if (self == NULL)
    return;

  g_free (self->album_name);
  g_free (self->link_expires_at);
  g_clear_pointer (&self->photos, g_ptr_array_unref);
  g_free (self->cursor);
  g_free (self);
}
