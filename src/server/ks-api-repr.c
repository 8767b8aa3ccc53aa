/* ks-api-repr.c: how the API writes times, roles, photos and lists
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-api-private.h"
#include "ks-s3-store.h"
#include "ks-sigv4.h"

G_STATIC_ASSERT (KS_API_DOWNLOAD_URL_MAX_LIFETIME <= KS_SIGV4_MAX_EXPIRES);

static const char *const role_names[] = {
  [KS_API_ROLE_NONE] = "none",
  [KS_API_ROLE_VIEWER] = "viewer",
  [KS_API_ROLE_CONTRIBUTOR] = "contributor",
  [KS_API_ROLE_OWNER] = "owner",
};

/* RFC 3339 in UTC, whole seconds: "2024-05-01T12:34:56Z". */
char *
ks_api_format_time (gint64 unix_time)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  if (time == NULL)
    return g_strdup ("1970-01-01T00:00:00Z");

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

void
ks_api_set_time (JsonObject *object,
                 const char *name,
                 gint64      unix_time)
{
  g_autofree char *text = ks_api_format_time (unix_time);

  json_object_set_string_member (object, name, text);
}

/* A time column that may be NULL; null in JSON then. */
void
ks_api_set_nullable_time (JsonObject *object,
                          KsApiStmt  *stmt,
                          int         column,
                          const char *name)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_object_set_null_member (object, name);
  else
    ks_api_set_time (object, name, sqlite3_column_int64 (stmt, column));
}

const char *
ks_api_role_to_string (KsApiRole role)
{
  return role_names[role];
}

/* KS_API_ROLE_NONE for anything unknown. */
KsApiRole
ks_api_role_from_string (const char *text)
{
  for (guint i = KS_API_ROLE_VIEWER; i < G_N_ELEMENTS (role_names); i++)
    {
      if (g_strcmp0 (text, role_names[i]) == 0)
        return (KsApiRole) i;
    }

  return KS_API_ROLE_NONE;
}

/* (transfer full): takes @object */
JsonNode *
ks_api_object_node (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

/* {"<name>": [...], "cursor": "<next>" | null}; takes @items. */
JsonNode *
ks_api_list_node (const char *name,
                  JsonArray  *items,
                  gint64      next_cursor)
{
  JsonObject      *object = json_object_new ();
  g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, next_cursor);

  json_object_set_array_member (object, name, items);
  if (next_cursor > 0)
    json_object_set_string_member (object, "cursor", cursor);
  else
    json_object_set_null_member (object, "cursor");

  return ks_api_object_node (object);
}

char *
ks_api_original_key (const char *owner,
                     const char *photo_id)
{
  return g_strdup_printf ("originals/%s/%s", owner, photo_id);
}

/* @name: "grid" or "preview" */
char *
ks_api_thumb_key (const char *owner,
                  const char *photo_id,
                  const char *name)
{
  return g_strdup_printf ("thumbs/%s/%s/%s.jpg", owner, photo_id, name);
}

char *
ks_api_new_id (void)
{
  return g_uuid_string_random ();
}

static void
add_thumb (JsonArray  *thumbs,
           KsApiStmt  *stmt,
           const char *name,
           int         size_column)
{
  JsonObject *thumb;

  if (sqlite3_column_type (stmt, size_column) == SQLITE_NULL)
    return;

  thumb = json_object_new ();
  json_object_set_string_member (thumb, "name", name);
  json_object_set_int_member (thumb, "size", sqlite3_column_int64 (stmt, size_column));
  json_object_set_string_member (thumb, "sha256", ks_api_column_text (stmt, size_column + 1));
  json_array_add_object_element (thumbs, thumb);
}

static void
add_details (JsonObject *photo,
             KsApiStmt  *stmt)
{
  JsonArray *thumbs = json_array_new ();

  json_object_set_string_member (photo, "sha256", ks_api_column_text (stmt, KS_API_PHOTO_COL_SHA256));
  json_object_set_int_member (photo, "size", sqlite3_column_int64 (stmt, KS_API_PHOTO_COL_SIZE));
  json_object_set_string_member (photo, "file_name", ks_api_column_text (stmt, KS_API_PHOTO_COL_FILE_NAME));
  add_thumb (thumbs, stmt, "grid", KS_API_PHOTO_COL_GRID_SIZE);
  add_thumb (thumbs, stmt, "preview", KS_API_PHOTO_COL_PREVIEW_SIZE);
  json_object_set_array_member (photo, "thumbnails", thumbs);
}

static void
add_url (KsApiRequest *req,
         JsonObject   *urls,
         const char   *name,
         const char   *key)
{
  KsS3PresignOptions options = { .content_length = -1 };
  char              *url = ks_s3_store_presign (req->api->server, "GET", key,
                                                req->api->download_url_lifetime, &options);

  json_object_set_string_member (urls, name, url);
  g_free (url);
}

/* Presigned GETs, only for what the caller may read. */
static void
add_urls (KsApiRequest   *req,
          JsonObject     *photo,
          KsApiStmt      *stmt,
          KsApiPhotoFlags flags)
{
  const char *id = ks_api_column_text (stmt, KS_API_PHOTO_COL_ID);
  const char *owner = ks_api_column_text (stmt, KS_API_PHOTO_COL_OWNER);
  JsonObject *urls = json_object_new ();

  if (flags & KS_API_PHOTO_URL_ORIGINAL)
    {
      g_autofree char *key = ks_api_original_key (owner, id);
      add_url (req, urls, "original", key);
    }
  for (int i = 0; i < 2 && (flags & KS_API_PHOTO_URL_THUMBS); i++)
    {
      const char      *name = i == 0 ? "grid" : "preview";
      g_autofree char *key = ks_api_thumb_key (owner, id, name);

      if (sqlite3_column_type (stmt, i == 0 ? KS_API_PHOTO_COL_GRID_SIZE : KS_API_PHOTO_COL_PREVIEW_SIZE) != SQLITE_NULL)
        add_url (req, urls, name, key);
    }

  json_object_set_object_member (photo, "urls", urls);
  ks_api_set_time (photo, "urls_expire_at",
                   req->now + ks_s3_store_url_lifetime (req->api->server, req->api->download_url_lifetime, req->now));
}

/**
 * ks_api_photo_from_row:
 * @stmt: on a row of KS_API_PHOTO_COLUMNS
 *
 * Returns: (transfer full): the photo as replies show it to the caller
 */
JsonObject *
ks_api_photo_from_row (KsApiRequest   *req,
                       KsApiStmt      *stmt,
                       KsApiPhotoFlags flags)
{
  JsonObject *photo = json_object_new ();
  const char *taken_at = ks_api_column_text (stmt, KS_API_PHOTO_COL_TAKEN_AT);

  json_object_set_string_member (photo, "id", ks_api_column_text (stmt, KS_API_PHOTO_COL_ID));
  json_object_set_string_member (photo, "content_type", ks_api_column_text (stmt, KS_API_PHOTO_COL_CONTENT_TYPE));
  json_object_set_int_member (photo, "width", sqlite3_column_int64 (stmt, KS_API_PHOTO_COL_WIDTH));
  json_object_set_int_member (photo, "height", sqlite3_column_int64 (stmt, KS_API_PHOTO_COL_HEIGHT));
  if (taken_at != NULL)
    json_object_set_string_member (photo, "taken_at", taken_at);
  else
    json_object_set_null_member (photo, "taken_at");

  if (flags & KS_API_PHOTO_DETAILS)
    add_details (photo, stmt);
  if (flags & KS_API_PHOTO_PRIVATE)
    {
      ks_api_set_time (photo, "created_at", sqlite3_column_int64 (stmt, KS_API_PHOTO_COL_CREATED_AT));
      ks_api_set_nullable_time (photo, stmt, KS_API_PHOTO_COL_COMMITTED_AT, "committed_at");
      ks_api_set_nullable_time (photo, stmt, KS_API_PHOTO_COL_DELETED_AT, "deleted_at");
    }
  if (flags & (KS_API_PHOTO_URL_ORIGINAL | KS_API_PHOTO_URL_THUMBS))
    add_urls (req, photo, stmt, flags);

  return photo;
}

gint64
ks_api_photo_row_list_seq (KsApiStmt *stmt)
{
  return sqlite3_column_int64 (stmt, KS_API_PHOTO_COL_LIST_SEQ);
}
