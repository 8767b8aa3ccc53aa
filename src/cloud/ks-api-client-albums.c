/* ks-api-client-albums.c: albums, their photos, members and share links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-api-client-private.h"

/* ---- Parsers of whole replies ---- */

static gpointer
parse_album (JsonNode *root,
             GError  **error)
{
  JsonObject *object = ks_cloud_root_object (root, "album", error);

  return object != NULL ? ks_album_new_from_json (object, error) : NULL;
}

static gpointer
parse_member (JsonNode *root,
              GError  **error)
{
  JsonObject *object = ks_cloud_root_object (root, "member", error);

  return object != NULL ? ks_member_new_from_json (object, error) : NULL;
}

static gpointer
parse_link (JsonNode *root,
            GError  **error)
{
  JsonObject *object = ks_cloud_root_object (root, "share link", error);

  return object != NULL ? ks_link_new_from_json (object, error) : NULL;
}

static gpointer
parse_list (JsonNode         *root,
            const char       *name,
            KsObjectParseFunc parse,
            GDestroyNotify    free_func,
            GError          **error)
{
  JsonObject *object = ks_cloud_root_object (root, "list", error);

  return object != NULL ? ks_cloud_parse_object_array (object, name, TRUE, parse, free_func, error) : NULL;
}

static gpointer
parse_albums (JsonNode *root,
              GError  **error)
{
  return parse_list (root, "albums", (KsObjectParseFunc) ks_album_new_from_json,
                     (GDestroyNotify) ks_album_free, error);
}

static gpointer
parse_members (JsonNode *root,
               GError  **error)
{
  return parse_list (root, "members", (KsObjectParseFunc) ks_member_new_from_json,
                     (GDestroyNotify) ks_member_free, error);
}

static gpointer
parse_links (JsonNode *root,
             GError  **error)
{
  return parse_list (root, "links", (KsObjectParseFunc) ks_link_new_from_json,
                     (GDestroyNotify) ks_link_free, error);
}

typedef struct
{
  GStrv added;
  GStrv already;
} Added;

static void
added_free (Added *added)
{
  g_strfreev (added->added);
  g_strfreev (added->already);
  g_free (added);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Added, added_free)

static gpointer
parse_added (JsonNode *root,
             GError  **error)
{
  g_autoptr (Added) added = g_new0 (Added, 1);
  JsonObject *object = ks_cloud_root_object (root, "album photos reply", error);

  if (object == NULL ||
      (added->added = ks_cloud_dup_string_array (object, "added", error)) == NULL ||
      (added->already = ks_cloud_dup_string_array (object, "already_in_album", error)) == NULL)
    return NULL;

  return g_steal_pointer (&added);
}

/* ---- Albums ---- */

void
ks_api_client_create_album_async (KsApiClient        *self,
                                  const char         *name,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  ks_api_client_run_call (self, "POST", ks_api_path_new ("albums", NULL), ks_api_object_body ("name", name, NULL), parse_album,
                          (GDestroyNotify) ks_album_free, ks_api_client_create_album_async, cancellable, callback, user_data);
}

KsAlbum *
ks_api_client_create_album_finish (KsApiClient  *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_create_album_async, error);
}

void
ks_api_client_list_albums_async (KsApiClient        *self,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  ks_api_client_run_call (self, "GET", ks_api_path_new ("albums", NULL), NULL, parse_albums, (GDestroyNotify) g_ptr_array_unref,
                          ks_api_client_list_albums_async, cancellable, callback, user_data);
}

GPtrArray *
ks_api_client_list_albums_finish (KsApiClient  *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_list_albums_async, error);
}

void
ks_api_client_get_album_async (KsApiClient        *self,
                               const char         *album_id,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  ks_api_client_run_call (self, "GET", ks_api_path_new ("albums", album_id, NULL), NULL, parse_album,
                          (GDestroyNotify) ks_album_free, ks_api_client_get_album_async, cancellable, callback, user_data);
}

KsAlbum *
ks_api_client_get_album_finish (KsApiClient  *self,
                                GAsyncResult *result,
                                GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_get_album_async, error);
}

void
ks_api_client_rename_album_async (KsApiClient        *self,
                                  const char         *album_id,
                                  const char         *name,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  ks_api_client_run_call (self, "PATCH", ks_api_path_new ("albums", album_id, NULL), ks_api_object_body ("name", name, NULL),
                          parse_album, (GDestroyNotify) ks_album_free, ks_api_client_rename_album_async, cancellable,
                          callback, user_data);
}

KsAlbum *
ks_api_client_rename_album_finish (KsApiClient  *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_rename_album_async, error);
}

void
ks_api_client_delete_album_async (KsApiClient        *self,
                                  const char         *album_id,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  ks_api_client_run_call (self, "DELETE", ks_api_path_new ("albums", album_id, NULL), NULL, NULL, NULL,
                          ks_api_client_delete_album_async, cancellable, callback, user_data);
}

gboolean
ks_api_client_delete_album_finish (KsApiClient  *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return ks_api_client_run_finish_boolean (self, result, ks_api_client_delete_album_async, error);
}

void
ks_api_client_list_album_photos_async (KsApiClient        *self,
                                       const char         *album_id,
                                       const char         *cursor,
                                       guint               limit,
                                       GCancellable       *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer            user_data)
{
  GString *path = ks_api_path_new ("albums", album_id, "photos", NULL);

  ks_api_path_add_query (path, "cursor", cursor);
  ks_api_path_add_uint (path, "limit", limit);
  ks_api_client_run_call (self, "GET", path, NULL, ks_api_parse_photo_page, (GDestroyNotify) ks_photo_page_free,
                          ks_api_client_list_album_photos_async, cancellable, callback, user_data);
}

KsPhotoPage *
ks_api_client_list_album_photos_finish (KsApiClient  *self,
                                        GAsyncResult *result,
                                        GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_list_album_photos_async, error);
}

void
ks_api_client_get_album_photo_async (KsApiClient        *self,
                                     const char         *album_id,
                                     const char         *photo_id,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  ks_api_client_run_call (self, "GET", ks_api_path_new ("albums", album_id, "photos", photo_id, NULL), NULL,
                          ks_api_parse_photo, (GDestroyNotify) ks_photo_free, ks_api_client_get_album_photo_async,
                          cancellable, callback, user_data);
}

KsPhoto *
ks_api_client_get_album_photo_finish (KsApiClient  *self,
                                      GAsyncResult *result,
                                      GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_get_album_photo_async, error);
}

void
ks_api_client_add_album_photos_async (KsApiClient        *self,
                                      const char         *album_id,
                                      const char *const  *photo_ids,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  JsonObject *object = json_object_new ();
  JsonArray  *ids = json_array_new ();
  JsonNode   *body = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; photo_ids != NULL && photo_ids[i] != NULL; i++)
    json_array_add_string_element (ids, photo_ids[i]);
  json_object_set_array_member (object, "photo_ids", ids);
  json_node_take_object (body, object);

  ks_api_client_run_call (self, "POST", ks_api_path_new ("albums", album_id, "photos", NULL), body, parse_added,
                          (GDestroyNotify) added_free, ks_api_client_add_album_photos_async, cancellable, callback, user_data);
}

gboolean
ks_api_client_add_album_photos_finish (KsApiClient  *self,
                                       GAsyncResult *result,
                                       GStrv        *out_added,
                                       GStrv        *out_already,
                                       GError      **error)
{
  g_autoptr (Added) added = ks_api_client_run_finish (self, result, ks_api_client_add_album_photos_async, error);

  if (added == NULL)
    return FALSE;
  if (out_added != NULL)
    *out_added = g_steal_pointer (&added->added);
  if (out_already != NULL)
    *out_already = g_steal_pointer (&added->already);

  return TRUE;
}

void
ks_api_client_remove_album_photo_async (KsApiClient        *self,
                                        const char         *album_id,
                                        const char         *photo_id,
                                        GCancellable       *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data)
{
  ks_api_client_run_call (self, "DELETE", ks_api_path_new ("albums", album_id, "photos", photo_id, NULL), NULL, NULL, NULL,
                          ks_api_client_remove_album_photo_async, cancellable, callback, user_data);
}

gboolean
ks_api_client_remove_album_photo_finish (KsApiClient  *self,
                                         GAsyncResult *result,
                                         GError      **error)
{
  return ks_api_client_run_finish_boolean (self, result, ks_api_client_remove_album_photo_async, error);
}

/* ---- Members ---- */

void
ks_api_client_list_members_async (KsApiClient        *self,
                                  const char         *album_id,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  ks_api_client_run_call (self, "GET", ks_api_path_new ("albums", album_id, "members", NULL), NULL, parse_members,
                          (GDestroyNotify) g_ptr_array_unref, ks_api_client_list_members_async, cancellable, callback, user_data);
}

GPtrArray *
ks_api_client_list_members_finish (KsApiClient  *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_list_members_async, error);
}

void
ks_api_client_add_member_async (KsApiClient        *self,
                                const char         *album_id,
                                const char         *username,
                                const char         *role,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  ks_api_client_run_call (self, "POST", ks_api_path_new ("albums", album_id, "members", NULL),
                          ks_api_object_body ("username", username, "role", role, NULL), parse_member,
                          (GDestroyNotify) ks_member_free, ks_api_client_add_member_async, cancellable, callback, user_data);
}

KsMember *
ks_api_client_add_member_finish (KsApiClient  *self,
                                 GAsyncResult *result,
                                 GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_add_member_async, error);
}

void
ks_api_client_set_member_role_async (KsApiClient        *self,
                                     const char         *album_id,
                                     const char         *username,
                                     const char         *role,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  ks_api_client_run_call (self, "PATCH", ks_api_path_new ("albums", album_id, "members", username, NULL),
                          ks_api_object_body ("role", role, NULL), parse_member, (GDestroyNotify) ks_member_free,
                          ks_api_client_set_member_role_async, cancellable, callback, user_data);
}

KsMember *
ks_api_client_set_member_role_finish (KsApiClient  *self,
                                      GAsyncResult *result,
                                      GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_set_member_role_async, error);
}

void
ks_api_client_remove_member_async (KsApiClient        *self,
                                   const char         *album_id,
                                   const char         *username,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  ks_api_client_run_call (self, "DELETE", ks_api_path_new ("albums", album_id, "members", username, NULL), NULL, NULL, NULL,
                          ks_api_client_remove_member_async, cancellable, callback, user_data);
}

gboolean
ks_api_client_remove_member_finish (KsApiClient  *self,
                                    GAsyncResult *result,
                                    GError      **error)
{
  return ks_api_client_run_finish_boolean (self, result, ks_api_client_remove_member_async, error);
}

/* ---- Share links ---- */

void
ks_api_client_create_link_async (KsApiClient        *self,
                                 const char         *album_id,
                                 gint64              expires_in,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  JsonObject *object = json_object_new ();
  JsonNode   *body = json_node_new (JSON_NODE_OBJECT);

  json_object_set_int_member (object, "expires_in", expires_in);
  json_node_take_object (body, object);
  ks_api_client_run_call (self, "POST", ks_api_path_new ("albums", album_id, "links", NULL), body, parse_link,
                          (GDestroyNotify) ks_link_free, ks_api_client_create_link_async, cancellable, callback, user_data);
}

KsLink *
ks_api_client_create_link_finish (KsApiClient  *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_create_link_async, error);
}

void
ks_api_client_list_links_async (KsApiClient        *self,
                                const char         *album_id,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  ks_api_client_run_call (self, "GET", ks_api_path_new ("albums", album_id, "links", NULL), NULL, parse_links,
                          (GDestroyNotify) g_ptr_array_unref, ks_api_client_list_links_async, cancellable, callback, user_data);
}

GPtrArray *
ks_api_client_list_links_finish (KsApiClient  *self,
                                 GAsyncResult *result,
                                 GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_list_links_async, error);
}

void
ks_api_client_revoke_link_async (KsApiClient        *self,
                                 const char         *album_id,
                                 const char         *link_id,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  ks_api_client_run_call (self, "DELETE", ks_api_path_new ("albums", album_id, "links", link_id, NULL), NULL, NULL, NULL,
                          ks_api_client_revoke_link_async, cancellable, callback, user_data);
}

gboolean
ks_api_client_revoke_link_finish (KsApiClient  *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return ks_api_client_run_finish_boolean (self, result, ks_api_client_revoke_link_async, error);
}
