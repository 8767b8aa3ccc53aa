/* ks-cli-upload.c: upload FILE... [--album NAME]
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#include <glib/gstdio.h>

#include "ks-resume-store.h"
#include "ks-thumbnailer.h"
#include "ks-transfer.h"

typedef struct
{
  KsCli      *cli;
  KsUploader *uploader;  /* owned */
  GFile      *thumb_dir; /* owned */
  GPtrArray  *ids;       /* char *, owned: what was uploaded */
  JsonArray  *done;      /* owned */
  JsonArray  *failed;    /* owned */
  const char *album_id;  /* nullable */
  int         last_exit;
} Upload;

/* Thumbnails are made here and deleted after each photo; whatever an
 * interrupted one left goes too. */
static void
remove_dir (GFile *dir)
{
  g_autofree char *path = g_file_get_path (dir);
  g_autoptr (GDir) handle = g_dir_open (path, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_unlink (child);
    }
  g_rmdir (path);
}

static void
upload_clear (Upload *up)
{
  g_clear_object (&up->uploader);
  if (up->thumb_dir != NULL)
    remove_dir (up->thumb_dir);
  g_clear_object (&up->thumb_dir);
  g_clear_pointer (&up->ids, g_ptr_array_unref);
  g_clear_pointer (&up->done, json_array_unref);
  g_clear_pointer (&up->failed, json_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Upload, upload_clear)

/* The server wants RFC 3339 with an offset; EXIF often has none, and
 * then the camera's clock was, as far as anyone knows, local time. */
static char *
normalize_taken_at (const char *text)
{
  g_autoptr (GDateTime) with_offset = NULL;
  g_autoptr (GDateTime) local = NULL;
  g_autoptr (GTimeZone) tz = NULL;

  if (text == NULL)
    return NULL;
  with_offset = g_date_time_new_from_iso8601 (text, NULL);
  if (with_offset != NULL)
    return g_strdup (text);
  tz = g_time_zone_new_local ();
  local = g_date_time_new_from_iso8601 (text, tz);
  return local != NULL ? g_date_time_format (local, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

static KsPrepareRequest *
prepare_request_new (GFile        *file,
                     KsThumbnails *thumbs)
{
  KsPrepareRequest *request = ks_prepare_request_new ();

  request->sha256 = g_strdup (thumbs->sha256);
  request->size = thumbs->size;
  request->content_type = g_strdup (thumbs->info->content_type);
  request->file_name = g_file_get_basename (file);
  request->taken_at = normalize_taken_at (thumbs->info->taken_at);
  request->width = thumbs->info->width;
  request->height = thumbs->info->height;
  if (thumbs->grid != NULL)
    g_ptr_array_add (request->thumbnails, ks_thumbnail_info_new ("grid", thumbs->grid_size, thumbs->grid_sha256));
  if (thumbs->preview != NULL)
    g_ptr_array_add (request->thumbnails,
                     ks_thumbnail_info_new ("preview", thumbs->preview_size, thumbs->preview_sha256));
  return request;
}

static void
delete_thumbnails (KsThumbnails *thumbs)
{
  if (thumbs->grid != NULL)
    g_file_delete (thumbs->grid, NULL, NULL);
  if (thumbs->preview != NULL)
    g_file_delete (thumbs->preview, NULL, NULL);
}

static KsPhoto *
upload_one (Upload     *up,
            GFile      *file,
            const char *label,
            gboolean   *out_existed,
            gboolean   *out_restored,
            GError    **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KsThumbnails) thumbs = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (KsCliProgress) progress = NULL;
  KsPhoto *photo;

  ks_thumbnails_make_async (file, up->thumb_dir, G_PRIORITY_DEFAULT, up->cli->cancellable,
                            ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  thumbs = ks_thumbnails_make_finish (result, error);
  if (thumbs == NULL)
    return NULL;
  g_clear_object (&result);

  request = prepare_request_new (file, thumbs);
  progress = ks_cli_progress_new (label);
  ks_uploader_upload_photo_async (up->uploader, file, request, thumbs->grid, thumbs->preview,
                                  ks_cli_progress_update, progress, up->cli->cancellable,
                                  ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  photo = ks_uploader_upload_photo_finish (up->uploader, result, out_existed, error);
  delete_thumbnails (thumbs);
  /* Deleted before: uploading it again is asking for it back. */
  if (photo != NULL && photo->deleted_at != NULL)
    {
      g_autofree char *id = g_strdup (photo->id);

      g_clear_object (&result);
      g_clear_pointer (&photo, ks_photo_free);
      ks_api_client_restore_photo_async (up->cli->api, id, up->cli->cancellable,
                                         ks_cli_store_result_cb, &result);
      ks_cli_wait (&result);
      photo = ks_api_client_restore_photo_finish (up->cli->api, result, error);
      *out_restored = photo != NULL;
    }
  return photo;
}

static void
note_failure (Upload       *up,
              const char   *path,
              const GError *error)
{
  g_autofree char *sentence = ks_cli_error_sentence (error);
  JsonObject      *object = json_object_new ();

  ks_cli_fail_item (path, error);
  json_object_set_string_member (object, "path", path);
  json_object_set_string_member (object, "error", sentence);
  json_array_add_object_element (up->failed, object);
  up->last_exit = ks_cli_exit_code_for_error (error);
}

static void
note_success (Upload     *up,
              const char *path,
              KsPhoto    *photo,
              gboolean    existed,
              gboolean    restored)
{
  const char *album_ids[] = { up->album_id, NULL };
  JsonNode   *node = ks_cli_photo_to_json (photo, album_ids);

  json_object_set_string_member (json_node_get_object (node), "path", path);
  json_object_set_string_member (json_node_get_object (node), "status",
                                 restored ? "restored" : existed ? "exists"
                                                                 : "uploaded");
  json_array_add_element (up->done, node);
  g_ptr_array_add (up->ids, g_strdup (photo->id));

  if (!up->cli->json)
    {
      if (restored)
        g_print (_ ("%s was in the trash: restored (%s).\n"), path, photo->id);
      else if (existed)
        g_print (_ ("%s was already uploaded (%s).\n"), path, photo->id);
      else
        g_print (_ ("Uploaded %s (%s).\n"), path, photo->id);
    }
}

static gboolean
upload_all (Upload  *up,
            int      n_files,
            char   **files,
            GError **error)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (files[i]);
      g_autoptr (KsPhoto) photo = NULL;
      g_autoptr (GError) local_error = NULL;
      g_autofree char *label = n_files > 1 ? g_strdup_printf ("[%d/%d] %s", i + 1, n_files, files[i])
                                           : g_strdup (files[i]);
      gboolean         existed = FALSE;
      gboolean         restored = FALSE;

      photo = upload_one (up, file, label, &existed, &restored, &local_error);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (photo == NULL)
        note_failure (up, files[i], local_error);
      else
        note_success (up, files[i], photo, existed, restored);
    }
  return TRUE;
}

/* The album named by --album, made when the user has none by that name. */
static KsAlbum *
find_or_create_album (KsCli      *cli,
                      const char *name,
                      GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  KsAlbum *album = ks_cli_find_album (cli, name, &local_error);

  if (album != NULL || !g_error_matches (local_error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND))
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return album;
    }

  ks_api_client_create_album_async (cli->api, name, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  return ks_api_client_create_album_finish (cli->api, result, error);
}

static KsUploader *
uploader_new (KsCli *cli)
{
  g_autofree char *dir = g_build_filename (g_get_user_state_dir (), "keepsake", "uploads", NULL);
  g_autoptr (KsResumeFile) resume = ks_resume_file_new (dir);

  return ks_uploader_new (cli->api, ks_cli_get_soup (cli), KS_RESUME_STORE (resume), cli->limiter);
}

static int
finish (Upload  *up,
        KsAlbum *album)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object = ks_cli_json_root (&node);
  guint       n_failed = json_array_get_length (up->failed);

  if (up->cli->json)
    {
      json_object_set_array_member (object, "photos", json_array_ref (up->done));
      json_object_set_array_member (object, "failed", json_array_ref (up->failed));
      if (album != NULL)
        json_object_set_string_member (object, "album_id", album->id);
      else
        json_object_set_null_member (object, "album_id");
      ks_cli_print_json (node);
    }
  else if (album != NULL && up->ids->len > 0)
    g_print (g_dngettext (GETTEXT_PACKAGE, "Added %u photo to “%s”.\n", "Added %u photos to “%s”.\n",
                          up->ids->len),
             up->ids->len, album->name);

  if (n_failed == 0)
    return KS_CLI_EXIT_OK;
  return up->ids->len > 0 ? KS_CLI_EXIT_PARTIAL : up->last_exit;
}

int
ks_cli_cmd_upload (KsCli              *cli,
                   const KsCliCommand *command,
                   int                 argc,
                   char              **argv)
{
  g_autofree char   *album_name = NULL;
  const GOptionEntry entries[] = {
    { "album", 0, 0, G_OPTION_ARG_STRING, &album_name, N_ ("Add the photos to this album (made if you have none by that name)"), N_ ("NAME") },
    { NULL }
  };
  g_auto (Upload) up = { .cli = cli };
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 1, -1, &exit_code))
    return exit_code;
  if (!ks_cli_connect (cli, &error))
    return ks_cli_fail (error);
  if (album_name != NULL && (album = find_or_create_album (cli, album_name, &error)) == NULL)
    return ks_cli_fail (error);

  tmp = g_dir_make_tmp ("keepsake-cli-XXXXXX", &error);
  if (tmp == NULL)
    return ks_cli_fail (error);
  up.thumb_dir = g_file_new_for_path (tmp);
  up.uploader = uploader_new (cli);
  up.ids = g_ptr_array_new_with_free_func (g_free);
  up.done = json_array_new ();
  up.failed = json_array_new ();
  up.album_id = album != NULL ? album->id : NULL;

  if (!upload_all (&up, argc - 1, argv + 1, &error))
    return ks_cli_fail (error);
  if (album != NULL && up.ids->len > 0 && !ks_cli_add_to_album (cli, album->id, up.ids, NULL, &error))
    return ks_cli_fail (error);

  return finish (&up, album);
}
