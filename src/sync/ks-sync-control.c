/* ks-sync-control.c: folder records and the control file, for the engine
 * and for other processes (keepsake-cli) alike
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ks-sync-engine-private.h"

#define CONTROL_GROUP "sync"

char *
ks_sync_default_journal_path (const char *profile_name)
{
  g_return_val_if_fail (profile_name != NULL, NULL);

  return g_build_filename (g_get_user_state_dir (), "keepsake", profile_name, "journal.db", NULL);
}

gint64
ks_sync_journal_add_folder (KsJournal  *journal,
                            GFile      *folder,
                            KsSyncAlbum album,
                            const char *album_value,
                            GError    **error)
{
  g_autofree char *path = g_file_get_path (folder);
  g_autofree char *canonical = NULL;
  g_autofree char *album_id = NULL;

  g_return_val_if_fail (KS_IS_JOURNAL (journal), 0);
  g_return_val_if_fail (G_IS_FILE (folder), 0);

  if (path == NULL)
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FAILED, _ ("Only local folders can be watched."));
      return 0;
    }
  canonical = g_canonicalize_filename (path, NULL);
  if (!g_file_test (canonical, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FOLDER_GONE, _ ("%s is not a folder."), canonical);
      return 0;
    }

  switch (album)
    {
    case KS_SYNC_ALBUM_DEFAULT:
      {
        g_autofree char *base = g_path_get_basename (canonical);

        album_id = g_strconcat (KS_SYNC_ALBUM_NAME_PREFIX, base, NULL);
      }
      break;
    case KS_SYNC_ALBUM_NAMED:
      g_return_val_if_fail (album_value != NULL && *album_value != '\0', 0);
      album_id = g_strconcat (KS_SYNC_ALBUM_NAME_PREFIX, album_value, NULL);
      break;
    case KS_SYNC_ALBUM_ID:
      g_return_val_if_fail (album_value != NULL, 0);
      album_id = g_strdup (album_value);
      break;
    case KS_SYNC_ALBUM_NONE:
    default:
      break;
    }

  return ks_journal_add_folder (journal, canonical, album_id, error);
}

KsSyncAlbum
ks_sync_folder_get_album (const KsJournalFolder *folder,
                          const char           **out_value)
{
  const char *value = folder->album_id;
  KsSyncAlbum kind = KS_SYNC_ALBUM_ID;

  if (value == NULL)
    kind = KS_SYNC_ALBUM_NONE;
  else if (g_str_has_prefix (value, KS_SYNC_ALBUM_NAME_PREFIX))
    {
      kind = KS_SYNC_ALBUM_NAMED;
      value += strlen (KS_SYNC_ALBUM_NAME_PREFIX);
    }
  if (out_value != NULL)
    *out_value = value;
  return kind;
}

static char *
control_path (const char *journal_path)
{
  return g_strconcat (journal_path, ".control", NULL);
}

static GKeyFile *
control_load (const char *journal_path)
{
  g_autofree char *path = control_path (journal_path);
  GKeyFile        *keys = g_key_file_new ();

  g_key_file_load_from_file (keys, path, G_KEY_FILE_NONE, NULL);
  return keys;
}

static gboolean
control_save (const char *journal_path,
              GKeyFile   *keys,
              GError    **error)
{
  g_autofree char *path = control_path (journal_path);

  return g_key_file_save_to_file (keys, path, error);
}

gboolean
ks_sync_control_set_paused (const char *journal_path,
                            gboolean    paused,
                            GError    **error)
{
  g_autoptr (GKeyFile) keys = control_load (journal_path);

  if (g_key_file_get_boolean (keys, CONTROL_GROUP, "paused", NULL) == paused &&
      g_key_file_has_key (keys, CONTROL_GROUP, "paused", NULL))
    return TRUE;
  g_key_file_set_boolean (keys, CONTROL_GROUP, "paused", paused);
  return control_save (journal_path, keys, error);
}

gboolean
ks_sync_control_get_paused (const char *journal_path)
{
  g_autoptr (GKeyFile) keys = control_load (journal_path);

  return g_key_file_get_boolean (keys, CONTROL_GROUP, "paused", NULL);
}

gint64
ks_sync_control_get_folders (const char *journal_path)
{
  g_autoptr (GKeyFile) keys = control_load (journal_path);

  return g_key_file_get_int64 (keys, CONTROL_GROUP, "folders", NULL);
}

gboolean
ks_sync_control_touch_folders (const char *journal_path,
                               GError    **error)
{
  g_autoptr (GKeyFile) keys = control_load (journal_path);
  gint64 gen = g_key_file_get_int64 (keys, CONTROL_GROUP, "folders", NULL);

  g_key_file_set_int64 (keys, CONTROL_GROUP, "folders", gen + 1);
  return control_save (journal_path, keys, error);
}
