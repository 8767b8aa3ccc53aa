/* ks-api-calls.c: the typed calls of the REST API v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ks-api-client-private.h"
#include "ks-cloud-error.h"
#include "ks-encoding.h"

/* Long polls wait at most this long (docs/api.md). */
#define MAX_WAIT_SECONDS 60

GString *
ks_api_path_new (const char *first,
                 ...)
{
  GString *path = g_string_new (NULL);
  va_list  args;

  va_start (args, first);
  for (const char *segment = first; segment != NULL; segment = va_arg (args, const char *))
    {
      g_autofree char *encoded = ks_uri_encode (segment, TRUE);

      g_string_append_c (path, '/');
      g_string_append (path, encoded);
    }
  va_end (args);

  return path;
}

void
ks_api_path_add_query (GString    *path,
                       const char *name,
                       const char *value)
{
  g_autofree char *encoded = NULL;

  if (value == NULL)
    return;

  encoded = ks_uri_encode (value, TRUE);
  g_string_append_printf (path, "%c%s=%s", strchr (path->str, '?') != NULL ? '&' : '?', name, encoded);
}

void
ks_api_path_add_uint (GString    *path,
                      const char *name,
                      guint       value)
{
  g_autofree char *text = g_strdup_printf ("%u", value);

  ks_api_path_add_query (path, name, value > 0 ? text : NULL);
}

JsonNode *
ks_api_object_body (const char *first_name,
                    ...)
{
  JsonObject *object = json_object_new ();
  JsonNode   *node = json_node_new (JSON_NODE_OBJECT);
  va_list     args;

  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    json_object_set_string_member (object, name, va_arg (args, const char *));
  va_end (args);

  json_node_take_object (node, object);
  return node;
}

void
ks_api_client_run_call (KsApiClient        *self,
                        const char         *method,
                        GString            *path,
                        JsonNode           *body,
                        KsApiParseFunc      parse,
                        GDestroyNotify      result_free,
                        gpointer            source_tag,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  KsApiCallSpec spec = {
    .method = method,
    .path = g_string_free (path, FALSE),
    .body = body,
    .idempotent = !g_str_equal (method, "POST") && !g_str_equal (method, "PATCH"),
    .parse = parse,
    .result_free = result_free,
  };

  g_return_if_fail (KS_IS_API_CLIENT (self));

  ks_api_client_run (self, &spec, source_tag, cancellable, callback, user_data);
}

/* ---- The generic call ---- */

static gboolean
method_is_idempotent (const char *method)
{
  return g_str_equal (method, "GET") || g_str_equal (method, "PUT") ||
         g_str_equal (method, "DELETE") || g_str_equal (method, "HEAD");
}

void
ks_api_client_call_async (KsApiClient        *self,
                          const char         *method,
                          const char         *path_and_query,
                          JsonNode           *body,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  KsApiCallSpec spec = {
    .method = g_intern_string (method),
    .path = g_strdup (path_and_query),
    .body = body != NULL ? json_node_copy (body) : NULL,
    .idempotent = method_is_idempotent (method),
  };

  g_return_if_fail (KS_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL && path_and_query != NULL && path_and_query[0] == '/');

  ks_api_client_run (self, &spec, ks_api_client_call_async, cancellable, callback, user_data);
}

JsonNode *
ks_api_client_call_finish (KsApiClient  *self,
                           GAsyncResult *result,
                           guint        *out_status,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (out_status != NULL)
    *out_status = ks_api_client_run_get_status (result);

  return ks_api_client_run_finish (self, result, ks_api_client_call_async, error);
}

/* ---- Parsers of whole replies ---- */

gpointer
ks_api_parse_photo (JsonNode *root,
                    GError  **error)
{
  JsonObject *object = ks_cloud_root_object (root, "photo", error);

  return object != NULL ? ks_photo_new_from_json (object, error) : NULL;
}

/* {"status": "committed", "photo": {…}} */
static gpointer
parse_committed (JsonNode *root,
                 GError  **error)
{
  JsonObject      *object = ks_cloud_root_object (root, "commit reply", error);
  JsonObject      *photo = NULL;
  g_autofree char *status = NULL;

  if (object == NULL || !ks_cloud_dup_string (object, "status", &status, error))
    return NULL;
  if (!g_str_equal (status, "committed"))
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL,
                   _ ("The server’s commit reply is malformed: unknown status"));
      return NULL;
    }
  if (!ks_cloud_get_object (object, "photo", TRUE, &photo, error))
    return NULL;

  return ks_photo_new_from_json (photo, error);
}

typedef struct
{
  char *sub;
  char *username;
} Me;

static void
me_free (Me *me)
{
  g_free (me->sub);
  g_free (me->username);
  g_free (me);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Me, me_free)

static gpointer
parse_me (JsonNode *root,
          GError  **error)
{
  g_autoptr (Me) me = g_new0 (Me, 1);
  JsonObject *object = ks_cloud_root_object (root, "account", error);

  if (object == NULL || !ks_cloud_dup_string (object, "sub", &me->sub, error) ||
      !ks_cloud_dup_string (object, "username", &me->username, error))
    return NULL;

  return g_steal_pointer (&me);
}

gpointer
ks_api_parse_photo_page (JsonNode *root,
                         GError  **error)
{
  return ks_photo_page_new_from_json (root, error);
}

static gpointer
parse_change_page (JsonNode *root,
                   GError  **error)
{
  return ks_change_page_new_from_json (root, error);
}

static gpointer
parse_link_page (JsonNode *root,
                 GError  **error)
{
  return ks_link_page_new_from_json (root, error);
}

static gpointer
parse_prepare (JsonNode *root,
               GError  **error)
{
  return ks_prepare_reply_new_from_json (root, error);
}

/* ---- Me ---- */

void
ks_api_client_get_me_async (KsApiClient        *self,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  ks_api_client_run_call (self, "GET", ks_api_path_new ("me", NULL), NULL, parse_me, (GDestroyNotify) me_free,
                          ks_api_client_get_me_async, cancellable, callback, user_data);
}

gboolean
ks_api_client_get_me_finish (KsApiClient  *self,
                             GAsyncResult *result,
                             char        **out_sub,
                             char        **out_username,
                             GError      **error)
{
  g_autoptr (Me) me = ks_api_client_run_finish (self, result, ks_api_client_get_me_async, error);

  if (me == NULL)
    return FALSE;
  if (out_sub != NULL)
    *out_sub = g_steal_pointer (&me->sub);
  if (out_username != NULL)
    *out_username = g_steal_pointer (&me->username);

  return TRUE;
}

/* ---- Photos ---- */

void
ks_api_client_prepare_photo_async (KsApiClient            *self,
                                   const KsPrepareRequest *request,
                                   GCancellable           *cancellable,
                                   GAsyncReadyCallback     callback,
                                   gpointer                user_data)
{
  /* The server makes prepare idempotent: a repeat resumes the upload. */
  KsApiCallSpec spec = {
    .method = "POST",
    .path = g_strdup ("/photos/prepare"),
    .body = ks_prepare_request_to_json (request),
    .idempotent = TRUE,
    .parse = parse_prepare,
    .result_free = (GDestroyNotify) ks_prepare_reply_free,
  };

  g_return_if_fail (KS_IS_API_CLIENT (self));
  g_return_if_fail (request != NULL);

  ks_api_client_run (self, &spec, ks_api_client_prepare_photo_async, cancellable, callback, user_data);
}

KsPrepareReply *
ks_api_client_prepare_photo_finish (KsApiClient  *self,
                                    GAsyncResult *result,
                                    GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_prepare_photo_async, error);
}

static JsonNode *
commit_body (GPtrArray *parts)
{
  JsonObject *object = json_object_new ();
  JsonNode   *node = json_node_new (JSON_NODE_OBJECT);

  if (parts != NULL && parts->len > 0)
    {
      JsonArray *array = json_array_sized_new (parts->len);

      for (guint i = 0; i < parts->len; i++)
        {
          const KsPartEtag *part = g_ptr_array_index (parts, i);
          JsonObject       *item = json_object_new ();

          json_object_set_int_member (item, "part_number", part->part_number);
          json_object_set_string_member (item, "etag", part->etag);
          json_array_add_object_element (array, item);
        }
      json_object_set_array_member (object, "parts", array);
    }

  json_node_take_object (node, object);
  return node;
}

void
ks_api_client_commit_photo_async (KsApiClient        *self,
                                  const char         *photo_id,
                                  GPtrArray          *parts,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  /* Commit is idempotent on the server too. */
  KsApiCallSpec spec = {
    .method = "POST",
    .path = g_string_free (ks_api_path_new ("photos", photo_id, "commit", NULL), FALSE),
    .body = commit_body (parts),
    .idempotent = TRUE,
    .parse = parse_committed,
    .result_free = (GDestroyNotify) ks_photo_free,
  };

  g_return_if_fail (KS_IS_API_CLIENT (self));

  ks_api_client_run (self, &spec, ks_api_client_commit_photo_async, cancellable, callback, user_data);
}

KsPhoto *
ks_api_client_commit_photo_finish (KsApiClient  *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_commit_photo_async, error);
}

void
ks_api_client_list_photos_async (KsApiClient        *self,
                                 const char         *cursor,
                                 guint               limit,
                                 gboolean            include_deleted,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  GString *path = ks_api_path_new ("photos", NULL);

  ks_api_path_add_query (path, "cursor", cursor);
  ks_api_path_add_uint (path, "limit", limit);
  ks_api_path_add_query (path, "deleted", include_deleted ? "true" : NULL);
  ks_api_client_run_call (self, "GET", path, NULL, ks_api_parse_photo_page, (GDestroyNotify) ks_photo_page_free,
                          ks_api_client_list_photos_async, cancellable, callback, user_data);
}

KsPhotoPage *
ks_api_client_list_photos_finish (KsApiClient  *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_list_photos_async, error);
}

void
ks_api_client_get_photo_async (KsApiClient        *self,
                               const char         *photo_id,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  ks_api_client_run_call (self, "GET", ks_api_path_new ("photos", photo_id, NULL), NULL, ks_api_parse_photo,
                          (GDestroyNotify) ks_photo_free, ks_api_client_get_photo_async, cancellable, callback, user_data);
}

KsPhoto *
ks_api_client_get_photo_finish (KsApiClient  *self,
                                GAsyncResult *result,
                                GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_get_photo_async, error);
}

void
ks_api_client_delete_photo_async (KsApiClient        *self,
                                  const char         *photo_id,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  ks_api_client_run_call (self, "DELETE", ks_api_path_new ("photos", photo_id, NULL), NULL, ks_api_parse_photo,
                          (GDestroyNotify) ks_photo_free, ks_api_client_delete_photo_async, cancellable, callback, user_data);
}

KsPhoto *
ks_api_client_delete_photo_finish (KsApiClient  *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_delete_photo_async, error);
}

void
ks_api_client_restore_photo_async (KsApiClient        *self,
                                   const char         *photo_id,
                                   GCancellable       *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  ks_api_client_run_call (self, "POST", ks_api_path_new ("photos", photo_id, "restore", NULL), NULL, ks_api_parse_photo,
                          (GDestroyNotify) ks_photo_free, ks_api_client_restore_photo_async, cancellable, callback, user_data);
}

KsPhoto *
ks_api_client_restore_photo_finish (KsApiClient  *self,
                                    GAsyncResult *result,
                                    GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_restore_photo_async, error);
}

void
ks_api_client_open_link_async (KsApiClient        *self,
                               const char         *token,
                               const char         *cursor,
                               guint               limit,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  GString      *path = ks_api_path_new ("links", token, NULL);
  KsApiCallSpec spec = {
    .method = "GET",
    .log_path = "/links/…", /* the token opens the album */
    .anonymous = TRUE,
    .idempotent = TRUE,
    .parse = parse_link_page,
    .result_free = (GDestroyNotify) ks_link_page_free,
  };

  g_return_if_fail (KS_IS_API_CLIENT (self));
  g_return_if_fail (token != NULL);

  ks_api_path_add_query (path, "cursor", cursor);
  ks_api_path_add_uint (path, "limit", limit);
  spec.path = g_string_free (path, FALSE);
  ks_api_client_run (self, &spec, ks_api_client_open_link_async, cancellable, callback, user_data);
}

KsLinkPage *
ks_api_client_open_link_finish (KsApiClient  *self,
                                GAsyncResult *result,
                                GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_open_link_async, error);
}

/* ---- Changes ---- */

void
ks_api_client_get_changes_async (KsApiClient        *self,
                                 const char         *cursor,
                                 guint               wait_seconds,
                                 guint               limit,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  GString      *path = ks_api_path_new ("changes", NULL);
  KsApiCallSpec spec = {
    .method = "GET",
    .idempotent = TRUE,
    .timeout = MIN (wait_seconds, MAX_WAIT_SECONDS),
    .parse = parse_change_page,
    .result_free = (GDestroyNotify) ks_change_page_free,
  };

  g_return_if_fail (KS_IS_API_CLIENT (self));

  ks_api_path_add_query (path, "cursor", cursor);
  ks_api_path_add_uint (path, "wait", spec.timeout);
  ks_api_path_add_uint (path, "limit", limit);
  spec.path = g_string_free (path, FALSE);
  ks_api_client_run (self, &spec, ks_api_client_get_changes_async, cancellable, callback, user_data);
}

KsChangePage *
ks_api_client_get_changes_finish (KsApiClient  *self,
                                  GAsyncResult *result,
                                  GError      **error)
{
  return ks_api_client_run_finish (self, result, ks_api_client_get_changes_async, error);
}
