/* ks-photo-fetch.c: a photo's preview or original, downloaded to a file
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "ks-cached-photo-list.h"
#include "ks-cloud-error.h"
#include "ks-photo-fetch.h"

typedef struct
{
  KsApiClient     *api;
  SoupSession     *soup;
  KsPhotoItem     *item;
  KsPhotoFetchKind kind;
  GFile           *dest;
  KsProgressFunc   progress;
  gpointer         progress_data;
  gboolean         renewed;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_object_unref (data->api);
  g_object_unref (data->soup);
  g_object_unref (data->item);
  g_object_unref (data->dest);
  g_free (data);
}

const char *
ks_photo_fetch_preview_sha256 (const KsPhoto *photo,
                               gint64        *out_size)
{
  for (guint i = 0; photo != NULL && i < photo->thumbnails->len; i++)
    {
      KsThumbnailInfo *info = g_ptr_array_index (photo->thumbnails, i);

      if (g_strcmp0 (info->name, "preview") == 0)
        {
          if (out_size != NULL)
            *out_size = info->size;
          return info->sha256;
        }
    }
  if (out_size != NULL)
    *out_size = -1;
  return NULL;
}

/* ---- fresh download URLs ---- */

static void
renewed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  KsPhotoItem *item = g_task_get_source_object (task);
  GError      *error = NULL;
  KsPhoto     *photo;

  if (ks_photo_item_get_album_id (item) != NULL)
    photo = ks_api_client_get_album_photo_finish (KS_API_CLIENT (source), result, &error);
  else
    photo = ks_api_client_get_photo_finish (KS_API_CLIENT (source), result, &error);
  if (photo == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ks_photo_item_renew_urls (item, photo);
  g_task_return_boolean (task, TRUE);
}

void
ks_photo_renew_urls_async (KsApiClient        *api,
                           KsPhotoItem        *item,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (item, cancellable, callback, user_data);
  const char *album_id = ks_photo_item_get_album_id (item);

  g_task_set_source_tag (task, ks_photo_renew_urls_async);
  if (ks_photo_item_get_id (item) == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_FOUND, "%s",
                               _ ("This photo has not finished uploading."));
      return;
    }
  /* An album's photo may be another member's, which only the album
   * serves; the library's are the user's own. */
  if (album_id != NULL)
    ks_api_client_get_album_photo_async (api, album_id, ks_photo_item_get_id (item), cancellable,
                                         renewed_cb, g_steal_pointer (&task));
  else
    ks_api_client_get_photo_async (api, ks_photo_item_get_id (item), cancellable, renewed_cb,
                                   g_steal_pointer (&task));
}

gboolean
ks_photo_renew_urls_finish (GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ks_photo_renew_urls_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- downloads ---- */

static void start_download (GTask *task);

static void
renewed_for_download_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!ks_photo_renew_urls_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  start_download (g_steal_pointer (&task));
}

/* Takes @task. */
static void
renew_then_download (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);

  data->renewed = TRUE;
  ks_photo_renew_urls_async (data->api, data->item, g_task_get_cancellable (task), renewed_for_download_cb,
                             task);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData *data = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  if (ks_download_finish (result, &error))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED) && !data->renewed)
    {
      renew_then_download (g_steal_pointer (&task));
      return;
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

/* Takes @task. */
static void
start_download (GTask *task)
{
  FetchData     *data = g_task_get_task_data (task);
  const KsPhoto *photo = ks_photo_item_get_photo (data->item);
  const char    *url, *sha256;
  gint64         size;

  if (data->kind == KS_PHOTO_FETCH_PREVIEW)
    {
      url = photo->url_preview;
      sha256 = ks_photo_fetch_preview_sha256 (photo, &size);
    }
  else
    {
      url = photo->url_original;
      sha256 = photo->sha256;
      size = photo->size;
    }

  /* Listed without URLs, or listed long ago: ask for fresh ones first
   * rather than have the store refuse. */
  if ((url == NULL || ks_photo_item_get_urls_expiring (data->item)) && !data->renewed)
    {
      renew_then_download (task);
      return;
    }
  if (url == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_FOUND, "%s",
                               _ ("This photo is not available for download."));
      g_object_unref (task);
      return;
    }
  ks_download_async (data->soup, url, data->dest, sha256, size, NULL, data->progress,
                     data->progress_data, g_task_get_cancellable (task), downloaded_cb, task);
}

static void
copied_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (g_file_copy_finish (G_FILE (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
cached_file_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  FetchData    *data = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) file = ks_cache_get_file_finish (KS_CACHE (source), result, &error);

  if (file != NULL)
    {
      g_file_copy_async (file, data->dest, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT, cancellable, NULL,
                         NULL, copied_cb, g_steal_pointer (&task));
      return;
    }
  if (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK))
    {
      g_debug ("From the cache: %s", error->message);
      g_clear_error (&error);
      g_set_error_literal (&error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK,
                           data->kind == KS_PHOTO_FETCH_ORIGINAL
                               ? _ ("The original is not on this computer, and the server cannot be reached. "
                                    "Try again when you are online.")
                               : _ ("The preview is not on this computer, and the server cannot be reached."));
    }
  g_task_return_error (task, g_steal_pointer (&error));
}

void
ks_photo_fetch_async (KsApiClient        *api,
                      SoupSession        *soup,
                      KsPhotoItem        *item,
                      KsPhotoFetchKind    kind,
                      GFile              *dest,
                      KsProgressFunc      progress,
                      gpointer            progress_data,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  const KsPhoto *photo = ks_photo_item_get_photo (item);
  GFile         *original = ks_photo_item_get_original (item);
  KsCache       *cache = ks_cached_photo_item_get_cache (item);
  FetchData     *data = g_new0 (FetchData, 1);

  g_task_set_source_tag (task, ks_photo_fetch_async);
  data->api = g_object_ref (api);
  data->soup = g_object_ref (soup);
  data->item = g_object_ref (item);
  data->kind = kind;
  data->dest = g_object_ref (dest);
  data->progress = progress;
  data->progress_data = progress_data;
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);

  /* Just uploaded from here: the bytes are on disk already. */
  if (original != NULL && (kind == KS_PHOTO_FETCH_ORIGINAL || photo == NULL))
    {
      g_file_copy_async (original, dest, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT, cancellable,
                         NULL, NULL, copied_cb, g_steal_pointer (&task));
      return;
    }
  if (photo == NULL)
    {
      g_task_return_new_error (task, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_FOUND, "%s",
                               _ ("This photo has not finished uploading."));
      return;
    }
  if (cache != NULL)
    {
      ks_cache_get_file_async (cache, photo->id,
                               kind == KS_PHOTO_FETCH_ORIGINAL ? KS_CACHE_FILE_ORIGINAL : KS_CACHE_FILE_PREVIEW,
                               cancellable, cached_file_cb, g_steal_pointer (&task));
      return;
    }
  start_download (g_steal_pointer (&task));
}

gboolean
ks_photo_fetch_finish (GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

GFile *
ks_photo_fetch_unique_file (GFile      *dir,
                            const char *name)
{
  g_autofree char *base = NULL;
  const char      *dot = strrchr (name, '.');
  GFile           *file = g_file_get_child (dir, name);

  if (!g_file_query_exists (file, NULL))
    return file;
  base = dot != NULL && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  for (guint i = 2;; i++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s (%u)%s", base, i,
                                                    dot != NULL && dot != name ? dot : "");

      g_object_unref (file);
      file = g_file_get_child (dir, candidate);
      if (!g_file_query_exists (file, NULL))
        return file;
    }
}
