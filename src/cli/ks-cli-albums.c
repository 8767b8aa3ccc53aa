/* ks-cli-albums.c: albums, their members and share links
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli.h"

#define MAX_ADD 200

static void
free_row (gpointer row)
{
  g_strfreev (row);
}

static GPtrArray *
table_new (const char *first,
           ...)
{
  GPtrArray    *rows = g_ptr_array_new_with_free_func (free_row);
  GStrvBuilder *builder = g_strv_builder_new ();
  va_list       args;

  va_start (args, first);
  for (const char *column = first; column != NULL; column = va_arg (args, const char *))
    g_strv_builder_add (builder, column);
  va_end (args);
  g_ptr_array_add (rows, g_strv_builder_end (builder));
  g_strv_builder_unref (builder);
  return rows;
}

/* Parses the command line, connects and finds the album in argv[1]. */
static KsAlbum *
begin (KsCli              *cli,
       const KsCliCommand *command,
       const GOptionEntry *entries,
       int                *argc,
       char             ***argv,
       int                 min_args,
       int                 max_args,
       int                *out_exit)
{
  g_autoptr (GError) error = NULL;
  KsAlbum *album;

  if (!ks_cli_parse_command (cli, command, entries, argc, argv, min_args, max_args, out_exit))
    return NULL;
  if (!ks_cli_connect (cli, &error) || (album = ks_cli_find_album (cli, (*argv)[1], &error)) == NULL)
    {
      *out_exit = ks_cli_fail (error);
      return NULL;
    }
  return album;
}

int
ks_cli_cmd_albums (KsCli              *cli,
                   const KsCliCommand *command,
                   int                 argc,
                   char              **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  if (!ks_cli_connect (cli, &error) || (albums = ks_cli_list_albums (cli, &error)) == NULL)
    return ks_cli_fail (error);

  if (cli->json)
    {
      g_autoptr (JsonNode) node = NULL;
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < albums->len; i++)
        json_array_add_element (array, ks_cli_album_to_json (g_ptr_array_index (albums, i)));
      json_object_set_array_member (ks_cli_json_root (&node), "albums", array);
      ks_cli_print_json (node);
      return KS_CLI_EXIT_OK;
    }

  /* TRANSLATORS: column headings of `keepsake-cli albums` */
  rows = table_new (_ ("NAME"), _ ("PHOTOS"), _ ("ROLE"), _ ("OWNER"), _ ("ID"), NULL);
  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);
      char    *row[] = { album->name, g_strdup_printf ("%" G_GINT64_FORMAT, album->photo_count),
                         album->role, album->owner, album->id, NULL };

      g_ptr_array_add (rows, g_strdupv (row));
      g_free (row[1]);
    }
  ks_cli_print_table (rows);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_album_create (KsCli              *cli,
                         const KsCliCommand *command,
                         int                 argc,
                         char              **argv)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (!ks_cli_connect (cli, &error))
    return ks_cli_fail (error);

  ks_api_client_create_album_async (cli->api, argv[1], cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  album = ks_api_client_create_album_finish (cli->api, result, &error);
  if (album == NULL)
    return ks_cli_fail (error);

  if (cli->json)
    {
      g_autoptr (JsonNode) node = ks_cli_album_to_json (album);

      ks_cli_print_json (node);
    }
  else
    g_print (_ ("Created album “%s” (%s).\n"), album->name, album->id);
  return KS_CLI_EXIT_OK;
}

static gboolean
add_batch (KsCli             *cli,
           const char        *album_id,
           const char *const *ids,
           JsonArray         *added,
           JsonArray         *already,
           GError           **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_auto (GStrv) out_added = NULL;
  g_auto (GStrv) out_already = NULL;

  ks_api_client_add_album_photos_async (cli->api, album_id, ids, cli->cancellable,
                                        ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_api_client_add_album_photos_finish (cli->api, result, &out_added, &out_already, error))
    return FALSE;
  for (guint i = 0; out_added != NULL && out_added[i] != NULL; i++)
    json_array_add_string_element (added, out_added[i]);
  for (guint i = 0; out_already != NULL && out_already[i] != NULL; i++)
    json_array_add_string_element (already, out_already[i]);
  return TRUE;
}

gboolean
ks_cli_add_to_album (KsCli      *cli,
                     const char *album_id,
                     GPtrArray  *ids,
                     JsonNode  **out_result,
                     GError    **error)
{
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object = ks_cli_json_root (&node);
  JsonArray  *added = json_array_new ();
  JsonArray  *already = json_array_new ();

  json_object_set_array_member (object, "added", added);
  json_object_set_array_member (object, "already_in_album", already);
  for (guint start = 0; start < ids->len; start += MAX_ADD)
    {
      g_autoptr (GPtrArray) batch = g_ptr_array_new ();

      for (guint i = start; i < ids->len && i < start + MAX_ADD; i++)
        g_ptr_array_add (batch, g_ptr_array_index (ids, i));
      g_ptr_array_add (batch, NULL);
      if (!add_batch (cli, album_id, (const char *const *) batch->pdata, added, already, error))
        return FALSE;
    }

  if (out_result != NULL)
    *out_result = g_steal_pointer (&node);
  return TRUE;
}

int
ks_cli_cmd_album_add (KsCli              *cli,
                      const KsCliCommand *command,
                      int                 argc,
                      char              **argv)
{
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_autoptr (JsonNode) result = NULL;
  int exit_code;

  album = begin (cli, command, NULL, &argc, &argv, 2, -1, &exit_code);
  if (album == NULL)
    return exit_code;
  photos = ks_cli_list_own_photos (cli, &error);
  if (photos == NULL)
    return ks_cli_fail (error);

  for (int i = 2; i < argc; i++)
    {
      KsPhoto *photo = ks_cli_match_photo (photos, argv[i], &error);

      if (photo == NULL)
        return ks_cli_fail (error);
      g_ptr_array_add (ids, photo->id);
    }

  if (!ks_cli_add_to_album (cli, album->id, ids, &result, &error))
    return ks_cli_fail (error);

  if (cli->json)
    ks_cli_print_json (result);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE, "Added %u photo to “%s”.\n", "Added %u photos to “%s”.\n",
                          ids->len),
             ids->len, album->name);
  return KS_CLI_EXIT_OK;
}

static gboolean
parse_role (const char *role,
            GError    **error)
{
  if (g_strcmp0 (role, "viewer") == 0 || g_strcmp0 (role, "contributor") == 0)
    return TRUE;
  g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_USAGE,
               _ ("Unknown role “%s”: use “viewer” or “contributor”"), role);
  return FALSE;
}

int
ks_cli_cmd_share (KsCli              *cli,
                  const KsCliCommand *command,
                  int                 argc,
                  char              **argv)
{
  g_autofree char   *role = NULL;
  const GOptionEntry entries[] = {
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, N_ ("viewer (the default) or contributor"), N_ ("ROLE") },
    { NULL }
  };
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (KsMember) member = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 2, 2, &exit_code))
    return exit_code;
  if (role == NULL)
    role = g_strdup ("viewer");
  if (!parse_role (role, &error))
    return ks_cli_usage_error (command, "%s", error->message);
  if (!ks_cli_connect (cli, &error) || (album = ks_cli_find_album (cli, argv[1], &error)) == NULL)
    return ks_cli_fail (error);

  ks_api_client_add_member_async (cli->api, album->id, argv[2], role, cli->cancellable,
                                  ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  member = ks_api_client_add_member_finish (cli->api, result, &error);
  if (member == NULL)
    return ks_cli_fail (error);

  if (cli->json)
    {
      g_autoptr (JsonNode) node = ks_cli_member_to_json (member);

      ks_cli_print_json (node);
    }
  else
    /* TRANSLATORS: album name, username, role */
    g_print (_ ("Shared “%s” with %s as %s.\n"), album->name, member->username, member->role);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_unshare (KsCli              *cli,
                    const KsCliCommand *command,
                    int                 argc,
                    char              **argv)
{
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;
  int         exit_code;

  album = begin (cli, command, NULL, &argc, &argv, 2, 2, &exit_code);
  if (album == NULL)
    return exit_code;

  ks_api_client_remove_member_async (cli->api, album->id, argv[2], cli->cancellable,
                                     ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_api_client_remove_member_finish (cli->api, result, &error))
    return ks_cli_fail (error);

  object = ks_cli_json_root (&node);
  json_object_set_string_member (object, "album_id", album->id);
  json_object_set_string_member (object, "username", argv[2]);
  if (cli->json)
    ks_cli_print_json (node);
  else
    g_print (_ ("%s is no longer in “%s”.\n"), argv[2], album->name);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_members (KsCli              *cli,
                    const KsCliCommand *command,
                    int                 argc,
                    char              **argv)
{
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) members = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  int exit_code;

  album = begin (cli, command, NULL, &argc, &argv, 1, 1, &exit_code);
  if (album == NULL)
    return exit_code;

  ks_api_client_list_members_async (cli->api, album->id, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  members = ks_api_client_list_members_finish (cli->api, result, &error);
  if (members == NULL)
    return ks_cli_fail (error);
  g_ptr_array_set_free_func (members, (GDestroyNotify) ks_member_free);

  if (cli->json)
    {
      g_autoptr (JsonNode) node = NULL;
      JsonObject *object = ks_cli_json_root (&node);
      JsonArray  *array = json_array_new ();

      for (guint i = 0; i < members->len; i++)
        json_array_add_element (array, ks_cli_member_to_json (g_ptr_array_index (members, i)));
      json_object_set_string_member (object, "album_id", album->id);
      json_object_set_array_member (object, "members", array);
      ks_cli_print_json (node);
      return KS_CLI_EXIT_OK;
    }

  /* TRANSLATORS: column headings of `keepsake-cli members` */
  rows = table_new (_ ("USERNAME"), _ ("ROLE"), _ ("SINCE"), NULL);
  for (guint i = 0; i < members->len; i++)
    {
      KsMember *member = g_ptr_array_index (members, i);
      char     *row[] = { member->username, member->role, member->added_at != NULL ? member->added_at : (char *) "", NULL };

      g_ptr_array_add (rows, g_strdupv (row));
    }
  ks_cli_print_table (rows);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_link_create (KsCli              *cli,
                        const KsCliCommand *command,
                        int                 argc,
                        char              **argv)
{
  g_autofree char   *expires = NULL;
  const GOptionEntry entries[] = {
    { "expires", 0, 0, G_OPTION_ARG_STRING, &expires, N_ ("How long the link works, 1m to 30d (default 24h)"), N_ ("DURATION") },
    { NULL }
  };
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (KsLink) link = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  gint64 seconds = 24 * 3600;
  int    exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (expires != NULL && !ks_cli_parse_duration (expires, &seconds, &error))
    return ks_cli_usage_error (command, "%s", error->message);
  if (!ks_cli_connect (cli, &error) || (album = ks_cli_find_album (cli, argv[1], &error)) == NULL)
    return ks_cli_fail (error);

  ks_api_client_create_link_async (cli->api, album->id, seconds, cli->cancellable,
                                   ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  link = ks_api_client_create_link_finish (cli->api, result, &error);
  if (link == NULL)
    return ks_cli_fail (error);

  if (cli->json)
    {
      g_autoptr (JsonNode) node = ks_cli_link_to_json (link);

      ks_cli_print_json (node);
    }
  else
    /* TRANSLATORS: the link's URL, then when it expires */
    g_print (_ ("%s\nAnyone with this link can see “%s” until %s.\n"), link->url, album->name,
             link->expires_at);
  return KS_CLI_EXIT_OK;
}
