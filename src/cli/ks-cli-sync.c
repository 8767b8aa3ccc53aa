/* ks-cli-sync.c: sync add|remove|list|run|status|pause|resume|errors|retry|ignore
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-cli-sync.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ks-sync-engine.h"

char *
ks_cli_sync_journal_path (KsCli *cli)
{
  return ks_sync_default_journal_path (cli->profile_name);
}

KsJournal *
ks_cli_sync_open_journal (const char *path,
                          GError    **error)
{
  g_autoptr (GError) local_error = NULL;
  KsJournal *journal = ks_journal_open (path, &local_error);

  if (journal == NULL && g_error_matches (local_error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED))
    g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED,
                 _ ("%s “keepsake-cli sync start-over” starts a new one that watches the same folders."),
                 local_error->message);
  else if (journal == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return journal;
}

static KsJournal *
open_journal (KsCli   *cli,
              GError **error)
{
  g_autofree char *path = ks_cli_sync_journal_path (cli);
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), _ ("Cannot create %s: %s"), dir,
                   g_strerror (errno));
      return NULL;
    }
  return ks_cli_sync_open_journal (path, error);
}

/* Whether a `sync run` (or the app) holds the journal's lock now. */
static gboolean
engine_running (KsJournal *journal)
{
  g_autofree char *path = g_strconcat (ks_journal_get_path (journal), ".lock", NULL);
  int              fd = g_open (path, O_RDWR | O_CLOEXEC, 0);
  gboolean         running;

  if (fd < 0)
    return FALSE;
  running = flock (fd, LOCK_EX | LOCK_NB) != 0;
  close (fd);
  return running;
}

static const char *
album_text (const KsJournalFolder *folder,
            char                 **out_owned)
{
  const char *value = NULL;

  switch (ks_sync_folder_get_album (folder, &value))
    {
    case KS_SYNC_ALBUM_NONE:
      return _ ("(no album)");
    case KS_SYNC_ALBUM_NAMED:
      *out_owned = g_strdup_printf (_ ("“%s” (made on the first upload)"), value);
      return *out_owned;
    case KS_SYNC_ALBUM_ID:
    case KS_SYNC_ALBUM_DEFAULT:
    default:
      return value;
    }
}

int
ks_cli_cmd_sync_add (KsCli              *cli,
                     const KsCliCommand *command,
                     int                 argc,
                     char              **argv)
{
  g_autofree char   *album = NULL;
  gboolean           no_album = FALSE;
  const GOptionEntry entries[] = {
    { "album", 0, 0, G_OPTION_ARG_STRING, &album, N_ ("Put the photos in this album (made if you have none by that name)"), N_ ("NAME") },
    { "no-album", 0, 0, G_OPTION_ARG_NONE, &no_album, N_ ("Upload the photos without putting them in an album"), NULL },
    { NULL }
  };
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (KsJournalFolder) record = NULL;
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *owned = NULL;
  KsSyncAlbum      kind = KS_SYNC_ALBUM_DEFAULT;
  gint64           id;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, entries, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  if (album != NULL && no_album)
    return ks_cli_usage_error (command, _ ("Use either --album or --no-album."));
  if (album != NULL)
    kind = KS_SYNC_ALBUM_NAMED;
  else if (no_album)
    kind = KS_SYNC_ALBUM_NONE;

  journal = open_journal (cli, &error);
  folder = g_file_new_for_commandline_arg (argv[1]);
  if (journal == NULL || (id = ks_sync_journal_add_folder (journal, folder, kind, album, &error)) == 0 ||
      (record = ks_journal_get_folder (journal, id, &error)) == NULL ||
      !ks_sync_control_touch_folders (ks_journal_get_path (journal), &error))
    return ks_cli_fail (error);

  if (!cli->json)
    g_print (_ ("Watching %s; photos go to %s.\n"), record->path, album_text (record, &owned));
  else
    {
      g_autoptr (JsonNode) node = NULL;
      JsonObject *object = ks_cli_json_root (&node);

      json_object_set_string_member (object, "path", record->path);
      json_object_set_string_member (object, "album", album_text (record, &owned));
      ks_cli_print_json (node);
    }
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_sync_remove (KsCli              *cli,
                        const KsCliCommand *command,
                        int                 argc,
                        char              **argv)
{
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (KsJournalFolder) record = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  int              exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 1, 1, &exit_code))
    return exit_code;
  journal = open_journal (cli, &error);
  if (journal == NULL)
    return ks_cli_fail (error);
  path = g_canonicalize_filename (argv[1], NULL);
  record = ks_journal_find_folder (journal, path, &error);
  if (record == NULL && error == NULL)
    g_set_error (&error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND, _ ("%s is not a watched folder."), path);
  if (record == NULL || !ks_journal_remove_folder (journal, record->id, &error) ||
      !ks_sync_control_touch_folders (ks_journal_get_path (journal), &error))
    return ks_cli_fail (error);
  if (!cli->json)
    g_print (_ ("No longer watching %s. Its photos stay in the cloud.\n"), path);
  return KS_CLI_EXIT_OK;
}

static JsonObject *
counts_to_json (const guint64 *counts)
{
  JsonObject *object = json_object_new ();

  for (int s = 0; s < KS_JOURNAL_N_FILE_STATES; s++)
    json_object_set_int_member (object, ks_journal_file_state_to_string (s), (gint64) counts[s]);
  return object;
}

static guint64
count_queued (const guint64 *counts)
{
  return counts[KS_JOURNAL_FILE_NEW] + counts[KS_JOURNAL_FILE_SETTLING] + counts[KS_JOURNAL_FILE_HASHING] +
         counts[KS_JOURNAL_FILE_QUEUED] + counts[KS_JOURNAL_FILE_UPLOADING];
}

/* The names of the albums folders feed, by id, when the server answers;
 * NULL offline or signed out (the list is the journal's, and shows ids
 * then). */
static GHashTable *
album_names (KsCli     *cli,
             GPtrArray *folders)
{
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GError) error = NULL;
  GHashTable *names;
  gboolean    any = FALSE;

  for (guint i = 0; i < folders->len && !any; i++)
    any = ks_sync_folder_get_album (g_ptr_array_index (folders, i), NULL) == KS_SYNC_ALBUM_ID;
  if (!any)
    return NULL;
  if (!ks_cli_connect (cli, &error) || (albums = ks_cli_list_albums (cli, &error)) == NULL)
    {
      g_debug ("Album names not looked up: %s", error->message);
      return NULL;
    }

  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < albums->len; i++)
    {
      KsAlbum *album = g_ptr_array_index (albums, i);

      g_hash_table_insert (names, g_strdup (album->id), g_strdup (album->name));
    }
  return names;
}

int
ks_cli_cmd_sync_list (KsCli              *cli,
                      const KsCliCommand *command,
                      int                 argc,
                      char              **argv)
{
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr (GHashTable) names = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();
  int        exit_code;

  json_node_take_array (node, array);
  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  journal = open_journal (cli, &error);
  if (journal == NULL || (folders = ks_journal_list_folders (journal, &error)) == NULL)
    return ks_cli_fail (error);
  names = album_names (cli, folders);

  g_ptr_array_add (rows, g_strsplit (_ ("FOLDER|ALBUM|DONE|QUEUED|FAILED|STATE"), "|", -1));
  for (guint i = 0; i < folders->len; i++)
    {
      KsJournalFolder *folder = g_ptr_array_index (folders, i);
      guint64          counts[KS_JOURNAL_N_FILE_STATES] = { 0 };
      g_autofree char *owned = NULL;
      const char      *album = album_text (folder, &owned);
      const char      *album_id = NULL;
      const char      *name = NULL;
      char           **row;
      JsonObject      *object;

      if (g_str_has_prefix (folder->path, "drop:"))
        continue;
      if (!ks_journal_count_states (journal, folder->id, counts, &error))
        return ks_cli_fail (error);
      if (ks_sync_folder_get_album (folder, &album_id) != KS_SYNC_ALBUM_ID)
        album_id = NULL;
      if (album_id != NULL && names != NULL)
        name = g_hash_table_lookup (names, album_id);
      row = g_new0 (char *, 7);
      row[0] = g_strdup (folder->path);
      row[1] = g_strdup (name != NULL ? name : album);
      row[2] = g_strdup_printf ("%" G_GUINT64_FORMAT, counts[KS_JOURNAL_FILE_DONE]);
      row[3] = g_strdup_printf ("%" G_GUINT64_FORMAT, count_queued (counts));
      row[4] = g_strdup_printf ("%" G_GUINT64_FORMAT, counts[KS_JOURNAL_FILE_FAILED]);
      row[5] = folder->paused ? g_strdup_printf (_ ("paused: %s"), folder->pause_reason ? folder->pause_reason : "")
                              : g_strdup (_ ("watched"));
      g_ptr_array_add (rows, row);

      object = json_object_new ();
      json_object_set_string_member (object, "path", folder->path);
      json_object_set_string_member (object, "album", name != NULL ? name : album);
      json_object_set_string_member (object, "album_id", album_id);
      json_object_set_boolean_member (object, "paused", folder->paused);
      json_object_set_object_member (object, "files", counts_to_json (counts));
      json_array_add_object_element (array, object);
    }

  if (cli->json)
    ks_cli_print_json (node);
  else if (rows->len == 1)
    g_print (_ ("No folders are watched. Add one with “keepsake-cli sync add FOLDER”.\n"));
  else
    ks_cli_print_table (rows);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_sync_status (KsCli              *cli,
                        const KsCliCommand *command,
                        int                 argc,
                        char              **argv)
{
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  guint64     counts[KS_JOURNAL_N_FILE_STATES] = { 0 };
  JsonObject *object = ks_cli_json_root (&node);
  gboolean    paused, running;
  int         exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  journal = open_journal (cli, &error);
  if (journal == NULL || !ks_journal_count_states (journal, 0, counts, &error))
    return ks_cli_fail (error);
  paused = ks_sync_control_get_paused (ks_journal_get_path (journal));
  running = engine_running (journal);

  if (cli->json)
    {
      json_object_set_boolean_member (object, "running", running);
      json_object_set_boolean_member (object, "paused", paused);
      json_object_set_int_member (object, "queued", (gint64) count_queued (counts));
      json_object_set_int_member (object, "done", (gint64) counts[KS_JOURNAL_FILE_DONE]);
      json_object_set_int_member (object, "failed", (gint64) counts[KS_JOURNAL_FILE_FAILED]);
      json_object_set_object_member (object, "files", counts_to_json (counts));
      ks_cli_print_json (node);
      return KS_CLI_EXIT_OK;
    }
  g_print (_ ("Sync: %s%s\n"), running ? _ ("running") : _ ("not running"), paused ? _ (", paused") : "");
  g_print (_ ("Uploaded: %" G_GUINT64_FORMAT "\nWaiting: %" G_GUINT64_FORMAT "\nFailed: %" G_GUINT64_FORMAT
              "\nSkipped (not photos, or ignored): %" G_GUINT64_FORMAT "\n"),
           counts[KS_JOURNAL_FILE_DONE], count_queued (counts), counts[KS_JOURNAL_FILE_FAILED],
           counts[KS_JOURNAL_FILE_SKIPPED]);
  return KS_CLI_EXIT_OK;
}

static int
set_paused (KsCli              *cli,
            const KsCliCommand *command,
            int                 argc,
            char              **argv,
            gboolean            paused)
{
  g_autofree char *path = ks_cli_sync_journal_path (cli);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  int exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  g_mkdir_with_parents (dir, 0700);
  if (!ks_sync_control_set_paused (path, paused, &error))
    return ks_cli_fail (error);
  if (!cli->json)
    g_print ("%s\n", paused ? _ ("Sync paused.") : _ ("Sync resumed."));
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_sync_pause (KsCli              *cli,
                       const KsCliCommand *command,
                       int                 argc,
                       char              **argv)
{
  return set_paused (cli, command, argc, argv, TRUE);
}

int
ks_cli_cmd_sync_resume (KsCli              *cli,
                        const KsCliCommand *command,
                        int                 argc,
                        char              **argv)
{
  return set_paused (cli, command, argc, argv, FALSE);
}

int
ks_cli_cmd_sync_errors (KsCli              *cli,
                        const KsCliCommand *command,
                        int                 argc,
                        char              **argv)
{
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (GPtrArray) errors = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();
  int        exit_code;

  json_node_take_array (node, array);
  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  journal = open_journal (cli, &error);
  if (journal == NULL || (errors = ks_journal_list_errors (journal, 1000, &error)) == NULL)
    return ks_cli_fail (error);

  for (guint i = 0; i < errors->len; i++)
    {
      KsJournalError  *entry = g_ptr_array_index (errors, i);
      g_autofree char *path = g_str_has_prefix (entry->folder_path, "drop:")
                                  ? g_strconcat ("/", entry->path, NULL)
                                  : g_build_filename (entry->folder_path, entry->path, NULL);
      g_autoptr (GDateTime) at = g_date_time_new_from_unix_utc (entry->at / G_USEC_PER_SEC);
      g_autofree char *when = g_date_time_format_iso8601 (at);
      JsonObject      *object = json_object_new ();

      json_object_set_string_member (object, "path", path);
      json_object_set_string_member (object, "at", when);
      json_object_set_string_member (object, "domain", entry->domain);
      json_object_set_int_member (object, "code", entry->code);
      json_object_set_string_member (object, "message", entry->message);
      json_array_add_object_element (array, object);
      if (!cli->json)
        g_print ("%s  %s: %s\n", when, path, entry->message);
    }
  if (cli->json)
    ks_cli_print_json (node);
  else if (errors->len == 0)
    g_print (_ ("No errors.\n"));
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_sync_retry (KsCli              *cli,
                       const KsCliCommand *command,
                       int                 argc,
                       char              **argv)
{
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (GError) error = NULL;
  guint n = 0;
  int   exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;
  journal = open_journal (cli, &error);
  if (journal == NULL || !ks_journal_retry (journal, 0, &n, &error) ||
      !ks_sync_control_touch_folders (ks_journal_get_path (journal), &error))
    return ks_cli_fail (error);
  if (!cli->json)
    g_print (g_dngettext (GETTEXT_PACKAGE, "%u file will be tried again.\n", "%u files will be tried again.\n", n), n);
  return KS_CLI_EXIT_OK;
}

/* Gives up on the failed file at @path in every folder that has it
 * (a watched folder, or the drop records of the albums it was dropped
 * on); FALSE with no error when none has it failed. */
static gboolean
ignore_file (KsJournal  *journal,
             GPtrArray  *folders,
             const char *path,
             GError    **error)
{
  gboolean found = FALSE;

  for (guint i = 0; i < folders->len; i++)
    {
      KsJournalFolder *folder = g_ptr_array_index (folders, i);
      gboolean         dropped = !g_path_is_absolute (folder->path);
      gsize            len = strlen (folder->path);
      const char      *rel = NULL;
      g_autoptr (KsJournalFile) file = NULL;

      /* Dropped files are kept by their absolute path. */
      if (dropped)
        rel = path + 1;
      else if (strncmp (path, folder->path, len) == 0 && path[len] == '/')
        rel = path + len + 1;
      if (rel == NULL)
        continue;
      file = ks_journal_find_file (journal, folder->id, rel, error);
      if (file == NULL && error != NULL && *error != NULL)
        return FALSE;
      if (file == NULL || file->state != KS_JOURNAL_FILE_FAILED)
        continue;
      if (!ks_journal_dismiss (journal, file->id, dropped, error))
        return FALSE;
      found = TRUE;
    }
  return found;
}

int
ks_cli_cmd_sync_ignore (KsCli              *cli,
                        const KsCliCommand *command,
                        int                 argc,
                        char              **argv)
{
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonArray *ignored = json_array_new ();
  int        exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 1, -1, &exit_code))
    return exit_code;
  journal = open_journal (cli, &error);
  folders = journal != NULL ? ks_journal_list_folders (journal, &error) : NULL;
  if (folders == NULL)
    {
      json_array_unref (ignored);
      return ks_cli_fail (error);
    }

  json_object_set_array_member (ks_cli_json_root (&node), "ignored", ignored);
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *path = g_canonicalize_filename (argv[i], NULL);

      if (!ignore_file (journal, folders, path, &error))
        {
          if (error == NULL)
            g_set_error (&error, KS_CLI_ERROR, KS_CLI_ERROR_NOT_FOUND,
                         _ ("%s is not a file that failed to upload (“keepsake-cli sync errors” lists them)."), path);
          return ks_cli_fail (error);
        }
      json_array_add_string_element (ignored, path);
      if (!cli->json)
        g_print (_ ("%s will not be tried again unless it changes.\n"), path);
    }
  if (!ks_sync_control_touch_folders (ks_journal_get_path (journal), &error))
    return ks_cli_fail (error);
  if (cli->json)
    ks_cli_print_json (node);
  return KS_CLI_EXIT_OK;
}

int
ks_cli_cmd_sync_start_over (KsCli              *cli,
                            const KsCliCommand *command,
                            int                 argc,
                            char              **argv)
{
  g_autofree char *path = ks_cli_sync_journal_path (cli);
  g_autofree char *aside = NULL;
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  guint n_folders = 0;
  int   exit_code;

  if (!ks_cli_parse_command (cli, command, NULL, &argc, &argv, 0, 0, &exit_code))
    return exit_code;

  /* Only a damaged journal: a sound one, or one another Keepsake wrote,
   * is not this command's to replace. */
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_printerr (_ ("There is no sync journal at %s: nothing to do.\n"), path);
      return KS_CLI_EXIT_FAILURE;
    }
  journal = ks_journal_open (path, &error);
  if (journal != NULL)
    {
      g_printerr (_ ("The sync journal %s is not damaged: nothing to do.\n"), path);
      return KS_CLI_EXIT_FAILURE;
    }
  if (!g_error_matches (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL_DAMAGED))
    return ks_cli_fail (error);
  g_clear_error (&error);

  journal = ks_journal_start_over (path, &aside, &n_folders, &error);
  if (journal == NULL)
    return ks_cli_fail (error);
  if (cli->json)
    {
      JsonObject *object = json_object_new ();

      node = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (node, object);
      json_object_set_string_member (object, "damaged", aside);
      json_object_set_int_member (object, "folders", n_folders);
      ks_cli_print_json (node);
      return KS_CLI_EXIT_OK;
    }
  g_print (_ ("The damaged journal is now %s.\n"), aside);
  g_print (g_dngettext (GETTEXT_PACKAGE,
                        "%u folder is watched again; the next sync run looks at its files again, and sends "
                        "nothing the server has already.\n",
                        "%u folders are watched again; the next sync run looks at their files again, and "
                        "sends nothing the server has already.\n",
                        n_folders),
           n_folders);
  return KS_CLI_EXIT_OK;
}
