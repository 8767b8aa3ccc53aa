/* ks-cli-photos.c: ls [ALBUM], download PHOTO|ALBUM DIR
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ks-hash.h"
#include "ks-transfer.h"

static const char *const *
album_ids_of (GHashTable *map,
              KsPhoto    *photo)
{
  GPtrArray *ids = g_hash_table_lookup (map, photo->id);

  return ids != NULL ? (const char *const *) ids->pdata : NULL;
}

static void
print_photos (KsCli     *cli,
              GPtrArray *photos,
              gboolean   with_owner)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  /* TRANSLATORS: column headings of `keepsake-cli ls` */
  g_ptr_array_add (rows, g_strsplit (with_owner ? _ ("NAME|SIZE|TAKEN|OWNER|ID") : _ ("NAME|SIZE|TAKEN|ID"), "|", -1));
  for (guint i = 0; i < photos->len; i++)
    {
      KsPhoto         *photo = g_ptr_array_index (photos, i);
      g_autofree char *size = g_format_size (photo->size);
      const char      *taken = photo->taken_at != NULL ? photo->taken_at : "-";
      char            *with[] = { photo->file_name, size, (char *) taken, photo->owner, photo->id, NULL };
      char            *without[] = { photo->file_name, size, (char *) taken, photo->id, NULL };

      g_ptr_array_add (rows, g_strdupv (with_owner ? with : without));
    }
  ks_cli_print_table (rows);
}

int
ks_cli_cmd_ls (KsCli              *cli,
               const KsCliCommand *command,
               int                 argc,
               char              **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GHashTable) map = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonArray *array;
  int        exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 1, &exit_code))
    return exit_code;
  if (!ks_cli_connect (cli, &error))
    return ks_cli_fail (error);
  if (argc > 1 && (album = ks_cli_find_album (cli, argv[1], &error)) == NULL)
    return ks_cli_fail (error);

  photos = album != NULL ? ks_cli_list_album_photos (cli, album->id, &error) : ks_cli_list_own_photos (cli, &error);
  if (photos == NULL)
    return ks_cli_fail (error);
  if (!cli->json)
    {
      print_photos (cli, photos, album != NULL);
      return KS_CLI_EXIT_OK;
    }

  /* Which albums hold each photo: a listing of every album, so only
   * for the JSON, which says. */
  if ((map = ks_cli_map_photo_albums (cli, &error)) == NULL)
    return ks_cli_fail (error);

  array = json_array_new ();
  for (guint i = 0; i < photos->len; i++)
    {
      KsPhoto *photo = g_ptr_array_index (photos, i);

      json_array_add_element (array, ks_cli_photo_to_json (photo, album_ids_of (map, photo)));
    }
  json_object_set_array_member (ks_cli_json_root (&node), "photos", array);
  ks_cli_print_json (node);
  return KS_CLI_EXIT_OK;
}

/* ---- download ---- */

typedef struct
{
  KsCli      *cli;
  const char *album_id; /* nullable: the caller's own photos */
  GFile      *dir;
  JsonArray  *done;
  JsonArray  *failed;
  guint       n_ok;
  int         last_exit;
} Download;

/* A server-supplied name only becomes a path when it is a plain one. */
static char *
local_name (KsPhoto *photo)
{
  const char *name = photo->file_name;

  if (name == NULL || name[0] == '\0' || name[0] == '.' || strchr (name, '/') != NULL ||
      strchr (name, '\\') != NULL || !g_utf8_validate (name, -1, NULL))
    return g_strdup (photo->id);
  return g_strdup (name);
}

static char *
disambiguated_name (KsPhoto    *photo,
                    const char *name)
{
  const char      *dot = strrchr (name, '.');
  g_autofree char *stem = dot != NULL ? g_strndup (name, dot - name) : g_strdup (name);

  return g_strdup_printf ("%s (%.8s)%s", stem, photo->id, dot != NULL ? dot : "");
}

static void
hash_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  char   *hex = ks_sha256_file (task_data, NULL, cancellable, &error);

  if (hex == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, hex, g_free);
}

/* Whether @file already holds @photo's bytes: then it is left alone. */
static gboolean
holds_photo (Download *dl,
             GFile    *file,
             KsPhoto  *photo)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GTask) task = NULL;
  g_autoptr (GFileInfo) info = NULL;
  g_autofree char *hex = NULL;

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (info == NULL || g_file_info_get_size (info) != photo->size)
    return FALSE;

  task = g_task_new (NULL, dl->cli->cancellable, ks_cli_store_result_cb, &result);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, hash_thread);
  ks_cli_wait (&result);
  hex = g_task_propagate_pointer (G_TASK (result), NULL);
  return hex != NULL && g_ascii_strcasecmp (hex, photo->sha256) == 0;
}

/* Where @photo goes, or NULL when its bytes are there already. */
static GFile *
choose_dest (Download *dl,
             KsPhoto  *photo)
{
  g_autofree char *name = local_name (photo);
  g_autofree char *other = NULL;
  g_autoptr (GFile) dest = g_file_get_child (dl->dir, name);

  if (!g_file_query_exists (dest, NULL))
    return g_steal_pointer (&dest);
  if (holds_photo (dl, dest, photo))
    return NULL;

  other = disambiguated_name (photo, name);
  g_clear_object (&dest);
  dest = g_file_get_child (dl->dir, other);
  if (g_file_query_exists (dest, NULL) && holds_photo (dl, dest, photo))
    return NULL;
  return g_steal_pointer (&dest);
}

/* Presigned URLs live an hour: a big album can outlast them. */
static char *
fresh_url (Download *dl,
           KsPhoto  *photo,
           GError  **error)
{
  g_autoptr (GPtrArray) photos = NULL;
  KsPhoto *again;

  if (dl->album_id == NULL)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (KsPhoto) own = NULL;

      ks_api_client_get_photo_async (dl->cli->api, photo->id, dl->cli->cancellable, ks_cli_store_result_cb, &result);
      ks_cli_wait (&result);
      own = ks_api_client_get_photo_finish (dl->cli->api, result, error);
      return own != NULL ? g_strdup (own->url_original) : NULL;
    }

  photos = ks_cli_list_album_photos (dl->cli, dl->album_id, error);
  if (photos == NULL || (again = ks_cli_match_photo (photos, photo->id, error)) == NULL)
    return NULL;
  return g_strdup (again->url_original);
}

static gboolean
fetch (Download   *dl,
       KsPhoto    *photo,
       const char *url,
       GFile      *dest,
       GError    **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KsCliProgress) progress = NULL;
  g_autofree char *label = g_file_get_basename (dest);

  if (url == NULL)
    {
      g_set_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_PROTOCOL, _ ("The server gave no address to download it from"));
      return FALSE;
    }
  progress = ks_cli_progress_new (label);
  ks_download_async (ks_cli_get_soup (dl->cli), url, dest, photo->sha256, photo->size, dl->cli->limiter,
                     ks_cli_progress_update, progress, dl->cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  return ks_download_finish (result, error);
}

static gboolean
download_one (Download *dl,
              KsPhoto  *photo,
              GFile   **out_dest,
              GError  **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *url = NULL;

  *out_dest = choose_dest (dl, photo);
  if (*out_dest == NULL)
    return TRUE;
  if (fetch (dl, photo, photo->url_original, *out_dest, &local_error))
    return TRUE;
  if (!g_error_matches (local_error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_URL_EXPIRED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  url = fresh_url (dl, photo, error);
  return url != NULL && fetch (dl, photo, url, *out_dest, error);
}

static void
note_result (Download     *dl,
             KsPhoto      *photo,
             GFile        *dest,
             const GError *error)
{
  g_autofree char *path = dest != NULL ? g_file_get_path (dest) : NULL;
  JsonObject      *object = json_object_new ();

  json_object_set_string_member (object, "id", photo->id);
  json_object_set_string_member (object, "file_name", photo->file_name);
  if (error != NULL)
    {
      g_autofree char *sentence = ks_cli_error_sentence (error);

      ks_cli_fail_item (photo->file_name, error);
      json_object_set_string_member (object, "error", sentence);
      json_array_add_object_element (dl->failed, object);
      dl->last_exit = ks_cli_exit_code_for_error (error);
      return;
    }

  dl->n_ok++;
  json_object_set_string_member (object, "sha256", photo->sha256);
  json_object_set_int_member (object, "size", photo->size);
  json_object_set_string_member (object, "status", path != NULL ? "downloaded" : "exists");
  if (path != NULL)
    json_object_set_string_member (object, "path", path);
  json_array_add_object_element (dl->done, object);
  if (dl->cli->json)
    return;
  if (path != NULL)
    g_print (_ ("Downloaded %s.\n"), path);
  else
    g_print (_ ("%s is already there.\n"), photo->file_name);
}

static int
download_all (Download  *dl,
              GPtrArray *photos)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object = ks_cli_json_root (&node);

  dl->done = json_array_new ();
  dl->failed = json_array_new ();
  json_object_set_array_member (object, "photos", json_array_ref (dl->done));
  json_object_set_array_member (object, "failed", json_array_ref (dl->failed));

  for (guint i = 0; i < photos->len; i++)
    {
      KsPhoto *photo = g_ptr_array_index (photos, i);
      g_autoptr (GFile) dest = NULL;
      g_autoptr (GError) error = NULL;

      if (!download_one (dl, photo, &dest, &error) && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return ks_cli_fail (error);
      note_result (dl, photo, dest, error);
    }

  if (dl->cli->json)
    ks_cli_print_json (node);
  if (json_array_get_length (dl->failed) == 0)
    return KS_CLI_EXIT_OK;
  return dl->n_ok > 0 ? KS_CLI_EXIT_PARTIAL : dl->last_exit;
}

static GPtrArray *
take_one (GPtrArray *photos,
          KsPhoto   *photo)
{
  GPtrArray *one = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_photo_free);
  guint      index;

  g_ptr_array_find (photos, photo, &index);
  g_ptr_array_add (one, g_ptr_array_steal_index (photos, index));
  return one;
}

/* A photo the caller can see only through an album. */
static GPtrArray *
find_in_albums (KsCli      *cli,
                const char *spec,
                char      **out_album_id,
                GError    **error)
{
  g_autoptr (GPtrArray) albums = ks_cli_list_albums (cli, error);

  if (albums == NULL)
    return NULL;
  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);
      g_autoptr (GPtrArray) photos = ks_cli_list_album_photos (cli, album->id, error);
      KsPhoto *photo;

      if (photos == NULL)
        return NULL;
      photo = ks_cli_match_photo (photos, spec, NULL);
      if (photo != NULL)
        {
          *out_album_id = g_strdup (album->id);
          return take_one (photos, photo);
        }
    }

  g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND, _ ("No album or photo is called “%s”"), spec);
  return NULL;
}

/* An album by name or id; else one photo of the caller's own, or of any
 * album they are in. */
static GPtrArray *
resolve_download (KsCli      *cli,
                  const char *spec,
                  char      **out_album_id,
                  GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (KsAlbum) album = ks_cli_find_album (cli, spec, &local_error);
  g_autoptr (GPtrArray) photos = NULL;
  KsPhoto *photo;

  if (album != NULL)
    {
      *out_album_id = g_strdup (album->id);
      return ks_cli_list_album_photos (cli, album->id, error);
    }
  if (!g_error_matches (local_error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  g_clear_error (&local_error);
  photos = ks_cli_list_own_photos (cli, error);
  if (photos == NULL)
    return NULL;
  photo = ks_cli_match_photo (photos, spec, &local_error);
  if (photo != NULL)
    return take_one (photos, photo);
  if (!g_error_matches (local_error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return find_in_albums (cli, spec, out_album_id, error);
}

int
ks_cli_cmd_download (KsCli              *cli,
                     const KsCliCommand *command,
                     int                 argc,
                     char              **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GFile) dir = NULL;
  g_autofree char *album_id = NULL;
  Download         dl = { .cli = cli };
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 2, 2, &exit_code))
    return exit_code;
  if (!ks_cli_connect (cli, &error))
    return ks_cli_fail (error);
  photos = resolve_download (cli, argv[1], &album_id, &error);
  if (photos == NULL)
    return ks_cli_fail (error);

  if (g_mkdir_with_parents (argv[2], 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Cannot make the folder “%s”: %s"), argv[2], g_strerror (saved_errno));
      return ks_cli_fail (error);
    }

  dir = g_file_new_for_commandline_arg (argv[2]);
  dl.dir = dir;
  dl.album_id = album_id;
  exit_code = download_all (&dl, photos);
  g_clear_pointer (&dl.done, json_array_unref);
  g_clear_pointer (&dl.failed, json_array_unref);
  return exit_code;
}
