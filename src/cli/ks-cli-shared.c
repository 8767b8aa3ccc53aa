/* ks-cli-shared.c: shared, cache ls, pin, unpin, cache status|budget|clear,
 * watch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli-shared.h"

#include <stdio.h>

#include "ks-cache.h"
#include "ks-feed-follower.h"

#define FEED_PAGE 500

/* ---- the cache of this profile ---- */

typedef struct
{
  KsCache *cache;
  GError  *offline; /* why the server was not asked; nullable */
} Cached;

static void
cached_clear (Cached *cached)
{
  g_clear_object (&cached->cache);
  g_clear_error (&cached->offline);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Cached, cached_clear)

static gboolean
is_offline_error (const GError *error)
{
  return ks_cli_exit_code_for_error (error) == KS_CLI_EXIT_NETWORK;
}

/* Opens the cache of the signed-in user. @online: connect first; a
 * server out of reach is not an error then, only a note in @cached. */
static gboolean
open_cache (KsCli   *cli,
            gboolean online,
            Cached  *cached,
            GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *dir = NULL;

  if (ks_cli_load_profile (cli, error) == NULL)
    return FALSE;
  if (cli->profile->username == NULL || online)
    {
      if (!ks_cli_connect (cli, &local_error) && !is_offline_error (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      cached->offline = g_steal_pointer (&local_error);
    }

  dir = ks_cache_default_dir (cli->profile_name);
  ks_cache_open_async (dir, cli->profile->username, cli->api, cli->api != NULL ? ks_cli_get_soup (cli) : NULL,
                       cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  cached->cache = ks_cache_open_finish (result, error);
  if (cached->cache == NULL)
    return FALSE;
  ks_cache_set_background_downloads (cached->cache, FALSE);
  ks_cache_set_rate_limiter (cached->cache, cli->limiter);
  if (cached->offline != NULL)
    ks_cache_set_offline (cached->cache, TRUE);
  return TRUE;
}

/* Reads the change feed to its end and applies it. */
static gboolean
sync_once (KsCli   *cli,
           KsCache *cache,
           GError **error)
{
  for (;;)
    {
      g_autoptr (GAsyncResult) result = NULL;
      g_autoptr (GAsyncResult) applied = NULL;
      g_autoptr (KsChangePage) page = NULL;
      g_autofree char *cursor = ks_cache_dup_cursor (cache);

      ks_api_client_get_changes_async (cli->api, cursor, 0, FEED_PAGE, cli->cancellable, ks_cli_store_result_cb,
                                       &result);
      ks_cli_wait (&result);
      page = ks_api_client_get_changes_finish (cli->api, result, error);
      if (page == NULL)
        return FALSE;
      ks_cache_apply_changes_async (cache, page->events, page->cursor, cli->cancellable, ks_cli_store_result_cb,
                                    &applied);
      ks_cli_wait (&applied);
      if (!ks_cache_apply_changes_finish (cache, applied, error))
        return FALSE;
      if (!page->more)
        return TRUE;
    }
}

/* Up to date if the server answers; from the cache with a note if not. */
static gboolean
open_synced (KsCli   *cli,
             Cached  *cached,
             GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!open_cache (cli, TRUE, cached, error))
    return FALSE;
  if (cached->offline == NULL && !sync_once (cli, cached->cache, &local_error))
    {
      if (!is_offline_error (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      ks_cache_set_offline (cached->cache, TRUE);
      cached->offline = g_steal_pointer (&local_error);
    }
  return TRUE;
}

static char *
format_time (gint64   usec,
             gboolean rfc3339)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = NULL;

  if (usec <= 0 || utc == NULL)
    return NULL;
  if (rfc3339)
    return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

/* Offline and never synced: nothing to show, exit 4. Otherwise, with
 * @print, one line on stderr saying how old the answer is. */
static int
note_offline (Cached  *cached,
              gboolean print)
{
  KsCacheStatus    status;
  g_autofree char *when = NULL;
  g_autofree char *sentence = NULL;

  if (cached->offline == NULL)
    return KS_CLI_EXIT_OK;
  status = ks_cache_get_status (cached->cache);
  if (status.synced_at == 0)
    return ks_cli_fail (cached->offline);
  if (!print)
    return KS_CLI_EXIT_OK;
  when = format_time (status.synced_at, FALSE);
  sentence = ks_cli_error_sentence (cached->offline);
  /* TRANSLATORS: the first %s is why (a sentence), the second a date */
  g_printerr (_ ("keepsake-cli: %s Showing the cache as of %s.\n"), sentence, when);
  return KS_CLI_EXIT_OK;
}

static void
set_offline_members (JsonObject *object,
                     Cached     *cached)
{
  KsCacheStatus    status = ks_cache_get_status (cached->cache);
  g_autofree char *synced = format_time (status.synced_at, TRUE);

  json_object_set_boolean_member (object, "offline", cached->offline != NULL);
  if (synced != NULL)
    json_object_set_string_member (object, "synced_at", synced);
  else
    json_object_set_null_member (object, "synced_at");
}

/* By id, or by a name only one cached album has. */
static KsCachedAlbum *
find_album (KsCache    *cache,
            const char *spec,
            GError    **error)
{
  g_autoptr (GPtrArray) albums = ks_cache_list_albums (cache, FALSE, error);
  KsCachedAlbum *found = NULL;
  guint          n_named = 0, index = 0;

  if (albums == NULL)
    return NULL;
  for (guint i = 0; i < albums->len; i++)
    {
      KsCachedAlbum *album = g_ptr_array_index (albums, i);

      if (g_strcmp0 (album->id, spec) == 0)
        return g_ptr_array_steal_index (albums, i);
      if (g_strcmp0 (album->name, spec) == 0 && n_named++ == 0)
        found = album;
    }
  if (n_named > 1)
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_AMBIGUOUS,
                   _ ("Several albums are called “%s”: name it by its id (see “keepsake-cli shared”)"), spec);
      return NULL;
    }
  if (found == NULL)
    {
      g_set_error (error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND, _ ("No album called “%s”"), spec);
      return NULL;
    }
  g_ptr_array_find (albums, found, &index);
  return g_ptr_array_steal_index (albums, index);
}

static JsonNode *
album_to_json (const KsCachedAlbum *album)
{
  JsonNode   *node;
  JsonObject *object = ks_cli_json_root (&node);

  json_object_set_string_member (object, "id", album->id);
  json_object_set_string_member (object, "name", album->name);
  json_object_set_string_member (object, "owner", album->owner);
  json_object_set_string_member (object, "role", album->role);
  json_object_set_int_member (object, "photo_count", album->photo_count);
  json_object_set_boolean_member (object, "pinned", album->pinned);
  json_object_set_boolean_member (object, "keep_originals", album->keep_originals);
  return node;
}

/* ---- shared ---- */

int
ks_cli_cmd_shared (KsCli              *cli,
                   const KsCliCommand *command,
                   int                 argc,
                   char              **argv)
{
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonArray *array;
  int        exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  if (!open_synced (cli, &cached, &error))
    return ks_cli_fail (error);
  if ((exit_code = note_offline (&cached, TRUE)) != KS_CLI_EXIT_OK)
    return exit_code;
  if ((albums = ks_cache_list_albums (cached.cache, TRUE, &error)) == NULL)
    return ks_cli_fail (error);

  if (cli->json)
    {
      JsonObject *root = ks_cli_json_root (&node);

      array = json_array_new ();
      for (guint i = 0; i < albums->len; i++)
        json_array_add_element (array, album_to_json (g_ptr_array_index (albums, i)));
      json_object_set_array_member (root, "albums", array);
      set_offline_members (root, &cached);
      ks_cli_print_json (node);
      return KS_CLI_EXIT_OK;
    }

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (rows, g_strsplit (_ ("NAME|OWNER|ROLE|PHOTOS|PINNED"), "|", -1));
  for (guint i = 0; i < albums->len; i++)
    {
      KsCachedAlbum *album = g_ptr_array_index (albums, i);
      char         **row = g_new0 (char *, 6);

      row[0] = g_strdup (album->name);
      row[1] = g_strdup (album->owner);
      row[2] = g_strdup (album->role);
      row[3] = g_strdup_printf ("%" G_GINT64_FORMAT, album->photo_count);
      row[4] = g_strdup (album->keep_originals ? _ ("with originals") : album->pinned ? _ ("yes")
                                                                                      : "");
      g_ptr_array_add (rows, row);
    }
  if (albums->len == 0)
    g_print ("%s\n", _ ("Nobody has shared an album with you yet."));
  else
    ks_cli_print_table (rows);
  return KS_CLI_EXIT_OK;
}

/* ---- cache ls ---- */

static JsonNode *
photo_to_json (KsCache             *cache,
               const KsCachedPhoto *photo)
{
  static const KsCacheFileKind kinds[] = { KS_CACHE_FILE_GRID, KS_CACHE_FILE_PREVIEW, KS_CACHE_FILE_ORIGINAL };
  const gboolean               have[] = { photo->has_grid, photo->has_preview, photo->has_original };
  JsonNode                    *node;
  JsonObject                  *object = ks_cli_json_root (&node);
  JsonObject                  *files = json_object_new ();

  json_object_set_string_member (object, "id", photo->id);
  json_object_set_string_member (object, "file_name", photo->file_name != NULL ? photo->file_name : "");
  json_object_set_string_member (object, "owner", photo->owner != NULL ? photo->owner : "");
  json_object_set_string_member (object, "added_by", photo->added_by);
  json_object_set_string_member (object, "added_at", photo->added_at);
  json_object_set_string_member (object, "sha256", photo->sha256);
  json_object_set_int_member (object, "size", photo->size);
  json_object_set_int_member (object, "width", photo->width);
  json_object_set_int_member (object, "height", photo->height);
  if (photo->taken_at != NULL)
    json_object_set_string_member (object, "taken_at", photo->taken_at);
  else
    json_object_set_null_member (object, "taken_at");
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr (GFile) file = ks_cache_dup_file_path (cache, photo->id, kinds[i]);

      if (have[i])
        json_object_set_string_member (files, ks_cache_file_kind_to_string (kinds[i]), g_file_peek_path (file));
      else
        json_object_set_null_member (files, ks_cache_file_kind_to_string (kinds[i]));
    }
  json_object_set_object_member (object, "files", files);
  return node;
}

int
ks_cli_cmd_cache_ls (KsCli              *cli,
                     const KsCliCommand *command,
                     int                 argc,
                     char              **argv)
{
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (KsCachedAlbum) album = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (JsonNode) node = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (!open_synced (cli, &cached, &error))
    return ks_cli_fail (error);
  if ((exit_code = note_offline (&cached, FALSE)) != KS_CLI_EXIT_OK)
    return exit_code;
  if ((album = find_album (cached.cache, argv[1], &error)) == NULL ||
      (photos = ks_cache_list_photos (cached.cache, album->id, &error)) == NULL)
    return ks_cli_fail (error);
  note_offline (&cached, TRUE);

  if (cli->json)
    {
      JsonObject *root = ks_cli_json_root (&node);
      JsonArray  *array = json_array_new ();

      for (guint i = 0; i < photos->len; i++)
        json_array_add_element (array, photo_to_json (cached.cache, g_ptr_array_index (photos, i)));
      json_object_set_member (root, "album", album_to_json (album));
      json_object_set_array_member (root, "photos", array);
      set_offline_members (root, &cached);
      ks_cli_print_json (node);
      return KS_CLI_EXIT_OK;
    }

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (rows, g_strsplit (_ ("FILE|ADDED BY|SIZE|CACHED"), "|", -1));
  for (guint i = 0; i < photos->len; i++)
    {
      KsCachedPhoto *photo = g_ptr_array_index (photos, i);
      char         **row = g_new0 (char *, 5);

      row[0] = g_strdup (photo->file_name != NULL ? photo->file_name : photo->id);
      row[1] = g_strdup (photo->added_by);
      row[2] = g_format_size (photo->size);
      row[3] = g_strjoin (" ", photo->has_grid ? _ ("grid") : "-", photo->has_preview ? _ ("preview") : "-",
                          photo->has_original ? _ ("original") : "-", NULL);
      g_ptr_array_add (rows, row);
    }
  ks_cli_print_table (rows);
  return KS_CLI_EXIT_OK;
}

/* ---- pin, unpin ---- */

int
ks_cli_cmd_pin (KsCli              *cli,
                const KsCliCommand *command,
                int                 argc,
                char              **argv)
{
  gboolean           originals = FALSE;
  const GOptionEntry entries[] = {
    { "originals", 0, 0, G_OPTION_ARG_NONE, &originals, N_ ("Keep the originals too, not only thumbnails and previews"), NULL },
    { NULL }
  };
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (KsCachedAlbum) album = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  guint failed = 0;
  int   exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (!open_synced (cli, &cached, &error))
    return ks_cli_fail (error);
  if ((album = find_album (cached.cache, argv[1], &error)) == NULL ||
      !ks_cache_set_pinned (cached.cache, album->id, TRUE, originals, &error))
    return ks_cli_fail (error);
  if (cached.offline != NULL)
    {
      /* TRANSLATORS: %s is an album name */
      g_print (_ ("Pinned “%s”; its files will download once the server can be reached.\n"), album->name);
      return KS_CLI_EXIT_OK;
    }

  ks_cache_download_album_async (cached.cache, album->id, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_cache_download_album_finish (cached.cache, result, &failed, &error))
    return ks_cli_fail (error);
  if (failed > 0)
    {
      g_printerr (g_dngettext (GETTEXT_PACKAGE, "keepsake-cli: %u file of “%s” could not be downloaded.\n",
                               "keepsake-cli: %u files of “%s” could not be downloaded.\n", failed),
                  failed, album->name);
      return KS_CLI_EXIT_PARTIAL;
    }
  g_print (_ ("Pinned “%s”: available offline.\n"), album->name);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_unpin (KsCli              *cli,
                  const KsCliCommand *command,
                  int                 argc,
                  char              **argv)
{
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (KsCachedAlbum) album = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (!open_cache (cli, FALSE, &cached, &error) || (album = find_album (cached.cache, argv[1], &error)) == NULL ||
      !ks_cache_set_pinned (cached.cache, album->id, FALSE, FALSE, &error))
    return ks_cli_fail (error);
  g_print (_ ("Unpinned “%s”.\n"), album->name);
  return KS_CLI_EXIT_OK;
}

/* ---- cache status, budget, clear ---- */

int
ks_cli_cmd_cache_status (KsCli              *cli,
                         const KsCliCommand *command,
                         int                 argc,
                         char              **argv)
{
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *synced = NULL;
  KsCacheStatus    status;
  JsonArray       *pinned;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  if (!open_cache (cli, FALSE, &cached, &error) || (albums = ks_cache_list_albums (cached.cache, FALSE, &error)) == NULL)
    return ks_cli_fail (error);
  status = ks_cache_get_status (cached.cache);
  pinned = json_array_new ();
  for (guint i = 0; i < albums->len; i++)
    {
      KsCachedAlbum *album = g_ptr_array_index (albums, i);

      if (album->pinned)
        json_array_add_element (pinned, album_to_json (album));
    }

  if (cli->json)
    {
      JsonObject *root = ks_cli_json_root (&node);

      json_object_set_string_member (root, "dir", ks_cache_get_dir (cached.cache));
      json_object_set_int_member (root, "used", status.used);
      json_object_set_int_member (root, "budget", status.budget);
      json_object_set_int_member (root, "albums", status.n_albums);
      json_object_set_int_member (root, "photos", status.n_photos);
      json_object_set_int_member (root, "files", status.n_files);
      json_object_set_int_member (root, "cursor", status.cursor);
      json_object_set_array_member (root, "pinned", pinned);
      set_offline_members (root, &cached);
      ks_cli_print_json (node);
      return KS_CLI_EXIT_OK;
    }

  {
    g_autofree char *used = g_format_size_full (status.used, G_FORMAT_SIZE_IEC_UNITS);
    g_autofree char *budget = g_format_size_full (status.budget, G_FORMAT_SIZE_IEC_UNITS);

    synced = format_time (status.synced_at, FALSE);
    g_print (_ ("Cache:   %s\n"), ks_cache_get_dir (cached.cache));
    g_print (_ ("Size:    %s of %s\n"), used, budget);
    g_print (_ ("Albums:  %u, %u photos, %u files\n"), status.n_albums, status.n_photos, status.n_files);
    g_print (_ ("Synced:  %s\n"), synced != NULL ? synced : _ ("never"));
    g_print (_ ("Pinned:"));
    for (guint i = 0; i < json_array_get_length (pinned); i++)
      g_print ("%s %s", i > 0 ? "," : "",
               json_object_get_string_member (json_array_get_object_element (pinned, i), "name"));
    g_print ("%s\n", json_array_get_length (pinned) == 0 ? _ (" none") : "");
  }
  json_array_unref (pinned);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_cache_budget (KsCli              *cli,
                         const KsCliCommand *command,
                         int                 argc,
                         char              **argv)
{
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *text = NULL;
  guint64          bytes = 0;
  guint            removed = 0;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (!ks_cli_parse_rate (argv[1], &bytes, &error) || bytes == 0)
    return ks_cli_usage_error (command, _ ("“%s” is not a size: use 500M, 2G or a number of bytes"), argv[1]);
  if (!open_cache (cli, FALSE, &cached, &error))
    return ks_cli_fail (error);
  ks_cache_set_budget (cached.cache, (gint64) MIN (bytes, (guint64) G_MAXINT64));
  ks_cache_evict_async (cached.cache, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_cache_evict_finish (cached.cache, result, &removed, &error))
    return ks_cli_fail (error);
  text = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
  g_print (_ ("The cache may now use %s.\n"), text);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_cache_clear (KsCli              *cli,
                        const KsCliCommand *command,
                        int                 argc,
                        char              **argv)
{
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  if (!open_cache (cli, FALSE, &cached, &error))
    return ks_cli_fail (error);
  ks_cache_clear_async (cached.cache, cli->cancellable, ks_cli_store_result_cb, &result);
  ks_cli_wait (&result);
  if (!ks_cache_clear_finish (cached.cache, result, &error))
    return ks_cli_fail (error);
  g_print ("%s\n", _ ("The cache is empty."));
  return KS_CLI_EXIT_OK;
}

/* ---- watch ---- */

static void
notification_cb (KsFeedFollower     *follower,
                 KsFeedNotification *note,
                 gpointer            user_data)
{
  KsCli *cli = user_data;

  if (cli->json)
    {
      g_autoptr (JsonNode) node = NULL;
      JsonObject      *root = ks_cli_json_root (&node);
      JsonArray       *actors = json_array_new ();
      g_autofree char *text = NULL;

      json_object_set_string_member (root, "kind", note->kind == KS_FEED_NOTIFICATION_ALBUM_SHARED ? "album_shared" : "photos_added");
      json_object_set_string_member (root, "actor", note->actor);
      for (guint i = 0; note->actors[i] != NULL; i++)
        json_array_add_string_element (actors, note->actors[i]);
      json_object_set_array_member (root, "actors", actors);
      json_object_set_string_member (root, "album_id", note->album_id);
      json_object_set_string_member (root, "album_name", note->album_name);
      json_object_set_int_member (root, "count", note->count);
      text = json_to_string (node, FALSE);
      g_print ("%s\n", text);
    }
  else
    {
      g_autofree char *text = ks_feed_notification_to_string (note);

      g_print ("%s.\n", text);
    }
  fflush (stdout);
}

static void
offline_cb (KsCache    *cache,
            GParamSpec *pspec,
            gpointer    user_data)
{
  if (ks_cache_get_offline (cache))
    g_printerr ("%s\n", _ ("keepsake-cli: the server cannot be reached; retrying."));
  else
    g_printerr ("%s\n", _ ("keepsake-cli: connected again."));
}

int
ks_cli_cmd_watch (KsCli              *cli,
                  const KsCliCommand *command,
                  int                 argc,
                  char              **argv)
{
  int                window_ms = 3000;
  const GOptionEntry entries[] = {
    { "window", 0, 0, G_OPTION_ARG_INT, &window_ms, N_ ("Gather an album's news for MS milliseconds (default 3000)"), N_ ("MS") },
    { NULL }
  };
  g_auto (Cached) cached = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (KsFeedFollower) follower = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  if (window_ms < 0)
    return ks_cli_usage_error (command, _ ("The window cannot be negative"));
  if (!open_cache (cli, TRUE, &cached, &error))
    return ks_cli_fail (error);
  if (cli->api == NULL && cli->session == NULL)
    return ks_cli_fail (cached.offline);
  if (cli->api == NULL)
    {
      /* Offline at the start: the session keeps its refresh token, so
       * the follower can sign in again once the server answers. */
      cli->api = ks_api_client_new (ks_cli_get_soup (cli), cli->profile->server->api_url,
                                    KS_TOKEN_SOURCE (cli->session));
      g_clear_object (&cached.cache);
      g_clear_error (&cached.offline);
      if (!open_cache (cli, FALSE, &cached, &error))
        return ks_cli_fail (error);
    }
  ks_cache_set_background_downloads (cached.cache, TRUE);
  g_signal_connect (cached.cache, "notify::offline", G_CALLBACK (offline_cb), cli);

  follower = ks_feed_follower_new (cached.cache);
  ks_feed_follower_set_coalesce_window (follower, (guint) window_ms);
  g_signal_connect (follower, "notification", G_CALLBACK (notification_cb), cli);
  ks_feed_follower_start (follower);

  while (!g_cancellable_is_cancelled (cli->cancellable))
    g_main_context_iteration (NULL, TRUE);

  ks_feed_follower_flush_notifications (follower);
  ks_feed_follower_stop (follower);
  g_signal_handlers_disconnect_by_data (cached.cache, cli);
  ks_cache_stop (cached.cache);
  /* Let the cancelled requests finish before the objects go. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return KS_CLI_EXIT_OK;
}
