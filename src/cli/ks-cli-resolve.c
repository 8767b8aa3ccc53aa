/* ks-cli-resolve.c: albums and photos as the user names them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#include <string.h>

#define PAGE_SIZE 200

GPtrArray *
ks_cli_list_albums (KsCli   *cli,
                    GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  GPtrArray *albums;

  ks_api_client_list_albums_async (cli->api, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  albums = ks_api_client_list_albums_finish (cli->api, result, error);
  if (albums != NULL)
    g_ptr_array_set_free_func (albums, (GDestroyNotify) ks_album_free);
  return albums;
}

static char *
describe_matches (GPtrArray *albums)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);

      if (i > 0)
        g_string_append (text, ", ");
      /* TRANSLATORS: an album id, then its owner's username */
      g_string_append_printf (text, _ ("%s (owner %s)"), album->id, album->owner);
    }
  return g_string_free (text, FALSE);
}

/* An id, or a name exactly as shown by `albums`. */
KsAlbum *
ks_cli_find_album (KsCli      *cli,
                   const char *name_or_id,
                   GError    **error)
{
  g_autoptr (GPtrArray) albums = ks_cli_list_albums (cli, error);
  g_autoptr (GPtrArray) matches = NULL;
  g_autofree char *list = NULL;

  if (albums == NULL)
    return NULL;

  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);

      if (g_strcmp0 (album->id, name_or_id) == 0)
        return g_ptr_array_steal_index (albums, i);
    }

  matches = g_ptr_array_new ();
  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);

      if (g_strcmp0 (album->name, name_or_id) == 0)
        g_ptr_array_add (matches, album);
    }

  if (matches->len == 1)
    {
      guint index;

      g_ptr_array_find (albums, matches->pdata[0], &index);
      return g_ptr_array_steal_index (albums, index);
    }
  if (matches->len == 0)
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND,
                   _ ("You have no album named “%s”"), name_or_id);
      return NULL;
    }

  list = describe_matches (matches);
  g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_AMBIGUOUS,
               _ ("Several albums are named “%s”; name one by its id: %s"), name_or_id, list);
  return NULL;
}

static gboolean
append_page (GPtrArray   *photos,
             KsPhotoPage *page,
             char       **cursor)
{
  while (page->photos->len > 0)
    g_ptr_array_add (photos, g_ptr_array_steal_index (page->photos, 0));
  g_free (*cursor);
  *cursor = g_steal_pointer (&page->cursor);
  return *cursor != NULL;
}

static GPtrArray *
list_photos (KsCli      *cli,
             const char *album_id,
             GError    **error)
{
  g_autoptr (GPtrArray) photos = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_photo_free);
  g_autofree char *cursor = NULL;
  gboolean         more = TRUE;

  while (more)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (KsPhotoPage) page = NULL;

      if (album_id != NULL)
        ks_api_client_list_album_photos_async (cli->api, album_id, cursor, PAGE_SIZE,
                                               cli->cancellable, ks_cli_store_result_cb, &result);
      else
        ks_api_client_list_photos_async (cli->api, cursor, PAGE_SIZE, FALSE, cli->cancellable,
                                         ks_cli_store_result_cb, &result);
      ks_cli_wait (&result);
      page = album_id != NULL
                 ? ks_api_client_list_album_photos_finish (cli->api, result, error)
                 : ks_api_client_list_photos_finish (cli->api, result, error);
      if (page == NULL)
        return NULL;
      more = append_page (photos, page, &cursor);
    }

  return g_steal_pointer (&photos);
}

GPtrArray *
ks_cli_list_own_photos (KsCli   *cli,
                        GError **error)
{
  return list_photos (cli, NULL, error);
}

GPtrArray *
ks_cli_list_album_photos (KsCli      *cli,
                          const char *album_id,
                          GError    **error)
{
  return list_photos (cli, album_id, error);
}

/* NULL-terminated, so each value reads as a string vector too. */
static void
terminate_values (GHashTable *map)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, map);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (value, NULL);
}

GHashTable *
ks_cli_map_photo_albums (KsCli   *cli,
                         GError **error)
{
  g_autoptr (GPtrArray) albums = ks_cli_list_albums (cli, error);
  g_autoptr (GHashTable) map = NULL;

  if (albums == NULL)
    return NULL;

  map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);
      g_autoptr (GPtrArray) photos = list_photos (cli, album->id, error);

      if (photos == NULL)
        return NULL;
      for (guint j = 0; j < photos->len; j++)
        {
          KsPhoto   *photo = g_ptr_array_index (photos, j);
          GPtrArray *ids = g_hash_table_lookup (map, photo->id);

          if (ids == NULL)
            {
              ids = g_ptr_array_new_with_free_func (g_free);
              g_hash_table_insert (map, g_strdup (photo->id), ids);
            }
          g_ptr_array_add (ids, g_strdup (album->id));
        }
    }

  terminate_values (map);
  return g_steal_pointer (&map);
}

static gboolean
is_sha256 (const char *text)
{
  if (strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

/* By id, then SHA-256, then file name (which may be ambiguous). */
KsPhoto *
ks_cli_match_photo (GPtrArray  *photos,
                    const char *spec,
                    GError    **error)
{
  KsPhoto *by_name = NULL;
  guint    n_by_name = 0;

  for (guint i = 0; i < photos->len; i++)
    {
      KsPhoto *photo = g_ptr_array_index (photos, i);

      if (g_strcmp0 (photo->id, spec) == 0)
        return photo;
      if (is_sha256 (spec) && g_ascii_strcasecmp (photo->sha256, spec) == 0)
        return photo;
      if (g_strcmp0 (photo->file_name, spec) == 0 && (by_name == NULL || g_strcmp0 (by_name->id, photo->id) != 0))
        {
          by_name = photo;
          n_by_name++;
        }
    }

  if (n_by_name == 1)
    return by_name;
  if (n_by_name > 1)
    g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_AMBIGUOUS,
                 _ ("Several photos are named “%s”; name one by its id (see “keepsake-cli ls”)"), spec);
  else
    g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND, _ ("No photo “%s”"), spec);
  return NULL;
}
