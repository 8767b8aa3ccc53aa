/* test-sync-journal.c: the sync journal and its resume records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ks-journal.h"
#include "ks-sqlite.h"
#include "ks-sync-error.h"
#include "ks-test-util.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

typedef struct
{
  char      *dir;
  char      *path;
  KsJournal *journal;
  gint64     folder; /* "/photos", added by set-up */
} Fixture;

static void
fixture_set_up (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  fx->dir = g_dir_make_tmp ("ks-journal-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "journal.db", NULL);
  fx->journal = ks_journal_open (fx->path, &error);
  g_assert_no_error (error);
  fx->folder = ks_journal_add_folder (fx->journal, "/photos", "album-1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (fx->folder, >, 0);
}

static void
fixture_tear_down (Fixture      *fx,
                   gconstpointer data)
{
  g_auto (GStrv) files = ks_sqlite_files (fx->path);

  g_clear_object (&fx->journal);
  for (guint i = 0; files[i] != NULL; i++)
    g_unlink (files[i]);
  g_rmdir (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

static void
reopen (Fixture *fx)
{
  g_autoptr (GError) error = NULL;

  g_clear_object (&fx->journal);
  fx->journal = ks_journal_open (fx->path, &error);
  g_assert_no_error (error);
}

static KsJournalStat
make_stat (gint64 size,
           gint64 mtime)
{
  return (KsJournalStat){ size, mtime, (guint64) size * 7, 42 };
}

static gint64
add_file (Fixture    *fx,
          const char *path,
          gint64      size)
{
  g_autoptr (GError) error = NULL;
  KsJournalStat   st = make_stat (size, 1000);
  KsJournalUpsert change;
  gint64          id = 0;

  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, path, &st, &change, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_NEW);
  return id;
}

static KsJournalFile *
get_file (Fixture *fx,
          gint64   id)
{
  g_autoptr (GError) error = NULL;
  KsJournalFile *file = ks_journal_get_file (fx->journal, id, &error);

  g_assert_no_error (error);
  return file;
}

static void
assert_state (Fixture           *fx,
              gint64             id,
              KsJournalFileState state)
{
  g_autoptr (KsJournalFile) file = get_file (fx, id);

  g_assert_cmpstr (ks_journal_file_state_to_string (file->state), ==, ks_journal_file_state_to_string (state));
}

static void
set_state (Fixture           *fx,
           gint64             id,
           KsJournalFileState state)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ks_journal_set_state (fx->journal, id, state, &error));
  g_assert_no_error (error);
}

/* Hashed and queued, as the engine does after reading the file. */
static void
hash_file (Fixture    *fx,
           gint64      id,
           const char *sha256)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournalFile) file = get_file (fx, id);

  g_assert_true (ks_journal_set_hashed (fx->journal, id, &file->stat, sha256, KS_JOURNAL_FILE_QUEUED, &error));
  g_assert_no_error (error);
}

static guint64
count_state (Fixture           *fx,
             KsJournalFileState state)
{
  g_autoptr (GError) error = NULL;
  guint64 counts[KS_JOURNAL_N_FILE_STATES];

  g_assert_true (ks_journal_count_states (fx->journal, 0, counts, &error));
  g_assert_no_error (error);
  return counts[state];
}

/* The counts the journal keeps (by triggers) are what counting its rows
 * gives, for the whole journal and for each folder. */
static void
assert_counts_kept (const char *path,
                    KsJournal  *journal)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) folders = ks_journal_list_folders (journal, &error);

  g_assert_no_error (error);
  for (guint i = 0; i <= folders->len; i++)
    {
      gint64  folder_id = i < folders->len ? ((KsJournalFolder *) folders->pdata[i])->id : 0;
      guint64 counts[KS_JOURNAL_N_FILE_STATES];

      g_assert_true (ks_journal_count_states (journal, folder_id, counts, &error));
      g_assert_no_error (error);
      for (int state = 0; state < KS_JOURNAL_N_FILE_STATES; state++)
        {
          g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM files WHERE state = '%s'"
                                                  " AND (%" G_GINT64_FORMAT " = 0 OR folder_id = %" G_GINT64_FORMAT ")",
                                                  ks_journal_file_state_to_string (state), folder_id, folder_id);

          g_assert_cmpuint (counts[state], ==, (guint64) ks_test_sqlite_int (path, sql));
        }
    }
}

/* ---- opening ---- */

static void
test_open_reopen (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  gint64 id = add_file (fx, "a.jpg", 10);

  reopen (fx);
  folders = ks_journal_list_folders (fx->journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 1);
  assert_state (fx, id, KS_JOURNAL_FILE_NEW);
  g_assert_cmpstr (ks_journal_get_path (fx->journal), ==, fx->path);

  g_clear_object (&fx->journal);
  g_assert_cmpint (ks_test_sqlite_int (fx->path, "PRAGMA user_version"), ==, ks_journal_get_schema_version ());
  g_assert_cmpint (ks_test_sqlite_int (fx->path, "PRAGMA application_id"), ==, 0x4b534a4c);
  g_assert_cmpint (ks_test_sqlite_int (fx->path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), ==, 1);
  reopen (fx);
}

static void
assert_open_refused (const char *path,
                     KsSyncError code,
                     const char *message_part)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize            before_len = 0, after_len = 0;
  g_autoptr (KsJournal) journal = NULL;

  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  journal = ks_journal_open (path, &error);
  g_assert_null (journal);
  g_assert_error (error, KS_SYNC_ERROR, code);
  g_assert_nonnull (strstr (error->message, message_part));

  /* Never recreated or emptied: the user's state may still be rescued. */
  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_open_refuses (Fixture      *fx,
                   gconstpointer data)
{
  g_autofree char *garbage = g_build_filename (fx->dir, "garbage.db", NULL);
  g_autofree char *foreign = g_build_filename (fx->dir, "foreign.db", NULL);
  g_autofree char *newer = g_build_filename (fx->dir, "newer.db", NULL);
  char             noise[8192];
  sqlite3         *db = NULL;

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (char) (i * 131 + 7);
  g_assert_true (g_file_set_contents (garbage, noise, sizeof noise, NULL));
  assert_open_refused (garbage, KS_SYNC_ERROR_JOURNAL_DAMAGED, "damaged");

  g_assert_cmpint (sqlite3_open (foreign, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (x); INSERT INTO notes VALUES (1);", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  assert_open_refused (foreign, KS_SYNC_ERROR_JOURNAL, "not a Keepsake sync journal");

  g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE future (x); PRAGMA application_id = 1263749708;"
                                     "PRAGMA user_version = 99;",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  assert_open_refused (newer, KS_SYNC_ERROR_JOURNAL, "written by a newer Keepsake");

  g_unlink (garbage);
  g_unlink (foreign);
  g_unlink (newer);
}

/* A journal schema version 1 wrote (tests/journal-v1.sql) opens with
 * every row kept, its files counted, and the unused index gone. */
static void
test_open_upgrade (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dump_path = g_test_build_filename (G_TEST_DIST, "journal-v1.sql", NULL);
  g_autofree char *dump = NULL;
  g_autofree char *path = g_build_filename (fx->dir, "v1.db", NULL);
  g_autoptr (KsJournal) journal = NULL;
  g_autoptr (KsJournalFile) failed = NULL;
  g_autoptr (GPtrArray) errors = NULL;
  guint64  counts[KS_JOURNAL_N_FILE_STATES];
  sqlite3 *db = NULL;

  g_assert_true (g_file_get_contents (dump_path, &dump, NULL, &error));
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, dump, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (ks_test_sqlite_int (path, "PRAGMA user_version"), ==, 1);

  journal = ks_journal_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ks_test_sqlite_int (path, "PRAGMA user_version"), ==, ks_journal_get_schema_version ());
  g_assert_cmpint (ks_test_sqlite_int (path, "SELECT count(*) FROM sqlite_schema WHERE name = 'files_sha256'"), ==, 0);

  g_assert_true (ks_journal_count_states (journal, 0, counts, &error));
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_DONE], ==, 2);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_QUEUED], ==, 1);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_SKIPPED], ==, 1);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_FAILED], ==, 1);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_NEW], ==, 2);
  g_assert_true (ks_journal_count_states (journal, 2, counts, &error));
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_NEW], ==, 2);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_DONE], ==, 0);
  failed = ks_journal_get_file (journal, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (failed->path, ==, "broken.jpg");
  g_assert_cmpstr (failed->last_error, ==, "Not a JPEG file: starts with 0x00 0x00");
  errors = ks_journal_list_errors (journal, 10, &error);
  g_assert_cmpuint (errors->len, ==, 1);

  /* Counted from then on: a change of state, a folder removed. */
  g_assert_true (ks_journal_set_state (journal, 6, KS_JOURNAL_FILE_QUEUED, &error));
  g_assert_no_error (error);
  assert_counts_kept (path, journal);
  g_assert_true (ks_journal_remove_folder (journal, 2, &error));
  g_assert_no_error (error);
  assert_counts_kept (path, journal);
  g_assert_cmpint (ks_test_sqlite_int (path, "SELECT count(*) FROM file_counts WHERE folder_id = 2"), ==, 0);

  g_clear_object (&journal);
  g_unlink (path);
}

/* Real damage: pages of a journal with content overwritten. */
static void
test_open_corrupt (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *moved = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (GPtrArray) unfinished = NULL;
  guint64        counts[KS_JOURNAL_N_FILE_STATES];
  gsize          len = 0, moved_len = 0;
  guint          n_folders = 0;
  gint64         drops;
  KsJournalStat  st = make_stat (4321, 1000);
  KsJournalFile *dropped;

  g_assert_cmpint (ks_journal_add_folder (fx->journal, "/more photos", NULL, &error), >, 0);
  g_assert_cmpint (ks_journal_add_folder (fx->journal, "/camera", "name:Camera", &error), >, 0);
  drops = ks_journal_add_folder (fx->journal, "drop:album-2", "album-2", &error);
  g_assert_cmpint (drops, >, 0);
  /* Two photos dropped on the album: one still to upload, one that is
   * not a photo. */
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("/home/me/Desktop/dropped-%d.jpg", i);
      gint64           id = 0;

      g_assert_true (ks_journal_upsert_file (fx->journal, drops, name, &st, NULL, &id, &error));
      g_assert_true (ks_journal_set_priority (fx->journal, id, 10, &error));
      if (i == 1)
        g_assert_true (ks_journal_set_state (fx->journal, id, KS_JOURNAL_FILE_SKIPPED, &error));
      g_assert_no_error (error);
    }
  g_assert_true (ks_journal_begin (fx->journal, &error));
  for (int i = 0; i < 2000; i++)
    {
      g_autofree char *name = g_strdup_printf ("dir/IMG_%05d.jpg", i);

      add_file (fx, name, i + 1);
    }
  g_assert_true (ks_journal_commit (fx->journal, &error));
  g_clear_object (&fx->journal); /* checkpoints the WAL into the file */

  g_assert_true (g_file_get_contents (fx->path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 16 * 4096);
  for (gsize off = 4 * 4096; off < 12 * 4096; off += 97)
    contents[off] ^= 0x5a;
  g_assert_true (g_file_set_contents (fx->path, contents, (gssize) len, NULL));

  assert_open_refused (fx->path, KS_SYNC_ERROR_JOURNAL_DAMAGED, "damaged");

  /* Starting over: the damaged file kept aside as it was, a new journal
   * watching the same folders into the same albums, their files to be
   * looked at again. */
  fx->journal = ks_journal_start_over (fx->path, &aside, &n_folders, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->journal);
  g_assert_true (g_str_has_prefix (aside, fx->path));
  g_assert_nonnull (strstr (aside, ".damaged-"));
  g_assert_true (g_file_get_contents (aside, &moved, &moved_len, NULL));
  g_assert_cmpmem (contents, len, moved, moved_len);
  g_assert_cmpuint (n_folders, ==, 3); /* the drop's record is no folder */
  folders = ks_journal_list_folders (fx->journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 4);
  /* By path. */
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[0])->path, ==, "/camera");
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[0])->album_id, ==, "name:Camera");
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[1])->path, ==, "/more photos");
  g_assert_null (((KsJournalFolder *) folders->pdata[1])->album_id);
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[2])->path, ==, "/photos");
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[2])->album_id, ==, "album-1");
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[3])->path, ==, "drop:album-2");
  /* The watched folders' files are found again by their scans; the photo
   * dropped and still to upload is in no folder, and queued again as it
   * was. */
  g_assert_true (ks_journal_count_states (fx->journal, 0, counts, &error));
  for (guint i = 0; i < KS_JOURNAL_N_FILE_STATES; i++)
    g_assert_cmpuint (counts[i], ==, (i == KS_JOURNAL_FILE_NEW ? 1 : 0));
  unfinished = ks_journal_list_unfinished (fx->journal, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unfinished->len, ==, 1);
  dropped = unfinished->pdata[0];
  g_assert_cmpint (dropped->folder_id, ==, ((KsJournalFolder *) folders->pdata[3])->id);
  g_assert_cmpstr (dropped->path, ==, "/home/me/Desktop/dropped-0.jpg");
  g_assert_cmpint (dropped->stat.size, ==, 4321);
  reopen (fx);
  g_assert_cmpint (g_unlink (aside), ==, 0);

  /* A journal whose folders cannot be read either: a new, empty one. */
  g_clear_object (&fx->journal);
  g_clear_pointer (&aside, g_free);
  for (gsize off = 0; off < len; off++)
    contents[off] = (char) (off * 131 + 7);
  g_assert_true (g_file_set_contents (fx->path, contents, (gssize) len, NULL));
  fx->journal = ks_journal_start_over (fx->path, &aside, &n_folders, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_folders, ==, 0);
  g_assert_true (g_file_test (aside, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_unlink (aside), ==, 0);
}

/* ---- folders ---- */

static void
test_folders (Fixture      *fx,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) folders = NULL;
  g_autoptr (KsJournalFolder) found = NULL;
  g_autoptr (KsJournalFolder) got = NULL;
  gint64 other, file;

  g_assert_cmpint (ks_journal_add_folder (fx->journal, "/photos", NULL, &error), ==, 0);
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_EXISTS);
  g_clear_error (&error);

  other = ks_journal_add_folder (fx->journal, "/media/card/DCIM", NULL, &error);
  g_assert_no_error (error);
  folders = ks_journal_list_folders (fx->journal, &error);
  g_assert_cmpuint (folders->len, ==, 2);
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[0])->path, ==, "/media/card/DCIM");
  g_assert_null (((KsJournalFolder *) folders->pdata[0])->album_id);
  g_assert_cmpstr (((KsJournalFolder *) folders->pdata[1])->album_id, ==, "album-1");

  g_assert_true (ks_journal_set_folder_paused (fx->journal, other, TRUE, "The disk was removed", &error));
  g_assert_true (ks_journal_set_folder_album (fx->journal, other, "album-2", &error));
  g_assert_true (ks_journal_set_folder_root (fx->journal, other, G_MAXUINT64 - 1, 1234, &error));
  g_assert_no_error (error);
  found = ks_journal_find_folder (fx->journal, "/media/card/DCIM", &error);
  g_assert_true (found->paused);
  g_assert_cmpstr (found->pause_reason, ==, "The disk was removed");
  g_assert_cmpstr (found->album_id, ==, "album-2");
  g_assert_cmpuint (found->root_device, ==, G_MAXUINT64 - 1);
  g_assert_cmpuint (found->root_inode, ==, 1234);
  g_assert_cmpint (found->added_at, >, 0);

  g_assert_true (ks_journal_set_folder_paused (fx->journal, other, FALSE, "ignored", &error));
  got = ks_journal_get_folder (fx->journal, other, &error);
  g_assert_false (got->paused);
  g_assert_null (got->pause_reason);

  g_assert_null (ks_journal_find_folder (fx->journal, "/nowhere", &error));
  g_assert_no_error (error);
  g_assert_null (ks_journal_get_folder (fx->journal, 999, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (ks_journal_set_folder_album (fx->journal, 999, NULL, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Removing a folder forgets its files and their errors. */
  file = add_file (fx, "x.jpg", 5);
  {
    g_autoptr (GError) failure = g_error_new_literal (KS_SYNC_ERROR, KS_SYNC_ERROR_CORRUPT, "bad");

    g_assert_true (ks_journal_record_error (fx->journal, file, failure, 0, &error));
  }
  g_assert_true (ks_journal_remove_folder (fx->journal, fx->folder, &error));
  g_assert_no_error (error);
  g_assert_null (ks_journal_get_file (fx->journal, file, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&folders, g_ptr_array_unref);
  folders = ks_journal_list_errors (fx->journal, 10, &error);
  g_assert_cmpuint (folders->len, ==, 0);
  g_assert_false (ks_journal_remove_folder (fx->journal, fx->folder, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  assert_counts_kept (fx->path, fx->journal);
}

/* ---- files ---- */

static void
test_upsert (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  KsJournalStat   base = { 100, 5000, 77, 3 };
  KsJournalStat   variants[4];
  KsJournalUpsert change;
  gint64          id = 0, again = 0;

  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "sub/a.jpg", &base, &change, &id, &error));
  g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_NEW);
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "sub/a.jpg", &base, &change, &again, &error));
  g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_UNCHANGED);
  g_assert_cmpint (again, ==, id);

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    variants[i] = base;
  variants[0].size++;
  variants[1].mtime++;
  variants[2].inode++;
  variants[3].device++;
  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autoptr (KsJournalFile) file = NULL;

      hash_file (fx, id, SHA_A);
      g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "sub/a.jpg", &variants[i], &change, &again, &error));
      g_assert_no_error (error);
      g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_CHANGED);
      g_assert_cmpint (again, ==, id);

      file = get_file (fx, id);
      g_assert_cmpint (file->state, ==, KS_JOURNAL_FILE_NEW);
      g_assert_null (file->sha256); /* must be hashed again */
      g_assert_true (memcmp (&file->stat, &variants[i], sizeof (KsJournalStat)) == 0);
      g_assert_cmpint (file->folder_id, ==, fx->folder);
      g_assert_cmpstr (file->path, ==, "sub/a.jpg");
    }

  /* A watcher event knows no device: the stored one stands. */
  {
    KsJournalStat no_device = variants[3];
    g_autoptr (KsJournalFile) file = NULL;

    no_device.device = 0;
    g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "sub/a.jpg", &no_device, &change, NULL, &error));
    g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_UNCHANGED);
    no_device.size++;
    g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "sub/a.jpg", &no_device, &change, NULL, &error));
    g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_CHANGED);
    file = get_file (fx, id);
    g_assert_cmpuint (file->stat.device, ==, variants[3].device);
    variants[3].size++;
  }

  g_assert_false (ks_journal_upsert_file (fx->journal, 999, "b.jpg", &base, NULL, NULL, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  reopen (fx);
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "sub/a.jpg", &variants[3], &change, NULL, &error));
  g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_UNCHANGED);
}

static void
test_lifecycle (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournalFile) done = NULL;
  g_autoptr (KsJournalFile) edited = NULL;
  g_autoptr (GPtrArray) of_photo = NULL;
  g_autoptr (KsJournalFile) touched = NULL;
  g_autoptr (KsJournalFile) forgotten = NULL;
  gint64        id = add_file (fx, "a.jpg", 10);
  KsJournalStat stale = make_stat (11, 1000);
  KsJournalStat edit = make_stat (20, 2000);
  KsJournalStat touch = make_stat (20, 3000);

  set_state (fx, id, KS_JOURNAL_FILE_HASHING);
  /* An edit while hashing: the digest is not recorded. */
  g_assert_false (ks_journal_set_hashed (fx->journal, id, &stale, SHA_A, KS_JOURNAL_FILE_QUEUED, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED);
  g_clear_error (&error);
  assert_state (fx, id, KS_JOURNAL_FILE_HASHING);

  hash_file (fx, id, SHA_A);
  assert_state (fx, id, KS_JOURNAL_FILE_QUEUED);
  set_state (fx, id, KS_JOURNAL_FILE_UPLOADING);
  g_assert_false (ks_journal_set_done (fx->journal, id, SHA_B, "photo-x", &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED);
  g_clear_error (&error);
  g_assert_true (ks_journal_set_done (fx->journal, id, SHA_A, "photo-1", &error));
  g_assert_no_error (error);
  done = get_file (fx, id);
  g_assert_cmpint (done->state, ==, KS_JOURNAL_FILE_DONE);
  g_assert_cmpstr (done->photo_id, ==, "photo-1");
  g_assert_cmpstr (done->sha256, ==, SHA_A);

  /* Edited: new bytes become a new version of photo-1. */
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "a.jpg", &edit, NULL, NULL, &error));
  hash_file (fx, id, SHA_B);
  edited = get_file (fx, id);
  g_assert_cmpint (edited->state, ==, KS_JOURNAL_FILE_QUEUED);
  g_assert_null (edited->photo_id);
  g_assert_cmpstr (edited->replaces_photo_id, ==, "photo-1");
  of_photo = ks_journal_list_files_of_photo (fx->journal, "photo-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (of_photo->len, ==, 0);
  g_clear_pointer (&of_photo, g_ptr_array_unref);
  g_assert_true (ks_journal_set_done (fx->journal, id, SHA_B, "photo-2", &error));
  of_photo = ks_journal_list_files_of_photo (fx->journal, "photo-2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (of_photo->len, ==, 1);
  g_assert_cmpint (((KsJournalFile *) of_photo->pdata[0])->id, ==, id);
  g_clear_pointer (&of_photo, g_ptr_array_unref);

  /* Touched: same bytes, so straight back to done without an upload. */
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "a.jpg", &touch, NULL, NULL, &error));
  assert_state (fx, id, KS_JOURNAL_FILE_NEW);
  hash_file (fx, id, SHA_B);
  touched = get_file (fx, id);
  g_assert_cmpint (touched->state, ==, KS_JOURNAL_FILE_DONE);
  g_assert_cmpstr (touched->photo_id, ==, "photo-2");
  g_assert_no_error (error);

  /* Its photo purged on the server: uploaded again as a new file, the
   * same bytes included (no version of a photo that is gone). */
  g_assert_true (ks_journal_forget_photo (fx->journal, id, &error));
  g_assert_no_error (error);
  forgotten = get_file (fx, id);
  g_assert_cmpint (forgotten->state, ==, KS_JOURNAL_FILE_NEW);
  g_assert_null (forgotten->photo_id);
  g_assert_null (forgotten->sha256);
  hash_file (fx, id, SHA_B);
  g_clear_pointer (&forgotten, ks_journal_file_free);
  forgotten = get_file (fx, id);
  g_assert_cmpint (forgotten->state, ==, KS_JOURNAL_FILE_QUEUED);
  g_assert_null (forgotten->replaces_photo_id);
  /* Only an uploaded file has a photo to forget. */
  g_assert_false (ks_journal_forget_photo (fx->journal, id, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_false (ks_journal_set_state (fx->journal, 999, KS_JOURNAL_FILE_DONE, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  assert_counts_kept (fx->path, fx->journal);
}

/* Edited again while a version was being uploaded: that version is the
 * photo the newest content replaces, or is the file again if the bytes
 * came back. */
static void
test_edited_during_upload (Fixture      *fx,
                           gconstpointer data)
{
  static const char sha_c[] = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournalFile) moved_on = NULL;
  g_autoptr (KsJournalFile) newest = NULL;
  g_autoptr (KsJournalFile) restored = NULL;
  gint64        id = add_file (fx, "a.jpg", 10);
  KsJournalStat edit = make_stat (20, 2000);
  KsJournalStat again = make_stat (30, 3000);
  KsJournalStat back = make_stat (20, 4000);
  KsJournalStat later = make_stat (40, 5000);

  hash_file (fx, id, SHA_A);
  g_assert_true (ks_journal_set_done (fx->journal, id, SHA_A, "photo-1", &error));
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "a.jpg", &edit, NULL, NULL, &error));
  hash_file (fx, id, SHA_B);
  set_state (fx, id, KS_JOURNAL_FILE_UPLOADING);
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "a.jpg", &again, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_false (ks_journal_set_done (fx->journal, id, SHA_B, "photo-2", &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED);
  g_clear_error (&error);
  moved_on = get_file (fx, id);
  g_assert_cmpint (moved_on->state, ==, KS_JOURNAL_FILE_NEW);
  g_assert_null (moved_on->sha256);
  g_assert_cmpstr (moved_on->prev_sha256, ==, SHA_B);
  g_assert_cmpstr (moved_on->photo_id, ==, "photo-2");
  g_assert_null (moved_on->replaces_photo_id);
  hash_file (fx, id, sha_c);
  newest = get_file (fx, id);
  g_assert_cmpint (newest->state, ==, KS_JOURNAL_FILE_QUEUED);
  g_assert_null (newest->photo_id);
  g_assert_cmpstr (newest->replaces_photo_id, ==, "photo-2");

  /* The same again, but the bytes come back to the version uploaded:
   * nothing more to send. */
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "a.jpg", &back, NULL, NULL, &error));
  g_assert_false (ks_journal_set_done (fx->journal, id, sha_c, "photo-3", &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED);
  g_clear_error (&error);
  hash_file (fx, id, sha_c);
  restored = get_file (fx, id);
  g_assert_cmpint (restored->state, ==, KS_JOURNAL_FILE_DONE);
  g_assert_cmpstr (restored->photo_id, ==, "photo-3");

  /* A stale upload of content the file no longer had changes nothing. */
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "a.jpg", &later, NULL, NULL, &error));
  g_assert_false (ks_journal_set_done (fx->journal, id, SHA_A, "photo-x", &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CHANGED);
  g_clear_error (&error);
  g_clear_pointer (&restored, ks_journal_file_free);
  restored = get_file (fx, id);
  g_assert_cmpstr (restored->photo_id, ==, "photo-3");
  g_assert_cmpstr (restored->prev_sha256, ==, sha_c);
  assert_counts_kept (fx->path, fx->journal);
}

static void
test_queue_order (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) next = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autoptr (KsJournalFile) done = NULL;
  gint64        ids[5];
  gint64        paused_folder, paused_file;
  KsJournalStat st = make_stat (1, 1);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *name = g_strdup_printf ("%u.jpg", i);

      ids[i] = add_file (fx, name, i + 1);
      hash_file (fx, ids[i], SHA_A);
      g_usleep (2); /* distinct changed_at */
    }
  g_assert_true (ks_journal_set_priority (fx->journal, ids[3], 10, &error));
  g_assert_no_error (error);

  paused_folder = ks_journal_add_folder (fx->journal, "/paused", NULL, &error);
  g_assert_true (ks_journal_upsert_file (fx->journal, paused_folder, "p.jpg", &st, NULL, &paused_file, &error));
  g_assert_true (ks_journal_set_hashed (fx->journal, paused_file, &st, SHA_B, KS_JOURNAL_FILE_QUEUED, &error));
  g_assert_true (ks_journal_set_folder_paused (fx->journal, paused_folder, TRUE, "gone", &error));

  next = ks_journal_next_files (fx->journal, KS_JOURNAL_FILE_QUEUED, g_get_real_time (), 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (next->len, ==, 3);
  g_assert_cmpint (((KsJournalFile *) next->pdata[0])->id, ==, ids[3]);
  g_assert_cmpint (((KsJournalFile *) next->pdata[1])->id, ==, ids[0]);
  g_assert_cmpint (((KsJournalFile *) next->pdata[2])->id, ==, ids[1]);

  none = ks_journal_next_files (fx->journal, KS_JOURNAL_FILE_UPLOADING, g_get_real_time (), 10, &error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (count_state (fx, KS_JOURNAL_FILE_QUEUED), ==, 6);

  /* A drop's priority lasts until its upload is done. */
  g_assert_true (ks_journal_set_done (fx->journal, ids[3], SHA_A, "photo-3", &error));
  g_assert_no_error (error);
  done = get_file (fx, ids[3]);
  g_assert_cmpint (done->priority, ==, 0);
}

static void
test_errors_and_retry (Fixture      *fx,
                       gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) network = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
  g_autoptr (GError) corrupt = g_error_new_literal (KS_SYNC_ERROR, KS_SYNC_ERROR_CORRUPT, "damaged");
  g_autoptr (GPtrArray) errors = NULL;
  g_autoptr (GPtrArray) due = NULL;
  g_autoptr (KsJournalFile) retried = NULL;
  gint64 queued = add_file (fx, "net.jpg", 1);
  gint64 broken = add_file (fx, "bad.jpg", 2);
  gint64 now = g_get_real_time ();
  guint  n = 0;

  hash_file (fx, queued, SHA_A);
  g_assert_true (ks_journal_record_error (fx->journal, queued, network, now + 60 * G_USEC_PER_SEC, &error));
  g_assert_true (ks_journal_record_error (fx->journal, broken, corrupt, 0, &error));
  g_assert_no_error (error);

  assert_state (fx, queued, KS_JOURNAL_FILE_QUEUED);
  assert_state (fx, broken, KS_JOURNAL_FILE_FAILED);
  due = ks_journal_next_files (fx->journal, KS_JOURNAL_FILE_QUEUED, now, 10, &error);
  g_assert_cmpuint (due->len, ==, 0); /* backing off */
  g_clear_pointer (&due, g_ptr_array_unref);
  due = ks_journal_next_files (fx->journal, KS_JOURNAL_FILE_QUEUED, now + 61 * G_USEC_PER_SEC, 10, &error);
  g_assert_cmpuint (due->len, ==, 1);
  g_assert_cmpint (((KsJournalFile *) due->pdata[0])->attempts, ==, 1);
  g_assert_cmpstr (((KsJournalFile *) due->pdata[0])->last_error, ==, "timed out");

  errors = ks_journal_list_errors (fx->journal, 10, &error);
  g_assert_cmpuint (errors->len, ==, 2);
  {
    KsJournalError *newest = errors->pdata[0];

    g_assert_cmpint (newest->file_id, ==, broken);
    g_assert_cmpstr (newest->folder_path, ==, "/photos");
    g_assert_cmpstr (newest->path, ==, "bad.jpg");
    g_assert_cmpstr (newest->domain, ==, g_quark_to_string (KS_SYNC_ERROR));
    g_assert_cmpint (newest->code, ==, KS_SYNC_ERROR_CORRUPT);
    g_assert_cmpstr (newest->message, ==, "damaged");
  }

  g_assert_false (ks_journal_record_error (fx->journal, 999, corrupt, 0, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (ks_journal_retry (fx->journal, 0, &n, &error));
  g_assert_cmpuint (n, ==, 1);
  retried = get_file (fx, broken);
  g_assert_cmpint (retried->state, ==, KS_JOURNAL_FILE_NEW); /* never hashed */
  g_assert_cmpint (retried->attempts, ==, 0);
  g_assert_null (retried->last_error);
  g_clear_pointer (&errors, g_ptr_array_unref);
  errors = ks_journal_list_errors (fx->journal, 10, &error);
  g_assert_cmpuint (errors->len, ==, 1); /* the network error stays until done */

  g_assert_true (ks_journal_set_done (fx->journal, queued, SHA_A, "photo", &error));
  g_clear_pointer (&errors, g_ptr_array_unref);
  errors = ks_journal_list_errors (fx->journal, 10, &error);
  g_assert_cmpuint (errors->len, ==, 0);

  g_assert_false (ks_journal_retry (fx->journal, 999, NULL, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  assert_counts_kept (fx->path, fx->journal);
}

static void
test_renames (Fixture      *fx,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournalFile) moved = NULL;
  g_autoptr (KsJournalFile) target = NULL;
  gint64 a = add_file (fx, "2023/a.jpg", 1);
  gint64 b = add_file (fx, "2023/b.jpg", 2);
  gint64 c = add_file (fx, "2023x/c.jpg", 3);
  gint64 d = add_file (fx, "2024/d.jpg", 4);

  hash_file (fx, a, SHA_A);
  g_assert_true (ks_journal_set_done (fx->journal, a, SHA_A, "photo-a", &error));

  /* A move keeps the row: digest and photo stay, nothing to upload. */
  g_assert_true (ks_journal_rename_file (fx->journal, fx->folder, "2023/a.jpg", "2023/renamed.jpg", &error));
  g_assert_no_error (error);
  moved = ks_journal_find_file (fx->journal, fx->folder, "2023/renamed.jpg", &error);
  g_assert_cmpint (moved->id, ==, a);
  g_assert_cmpstr (moved->photo_id, ==, "photo-a");

  /* Unknown source: an error, and the would-be target is untouched. */
  g_assert_false (ks_journal_rename_file (fx->journal, fx->folder, "nope.jpg", "2023/b.jpg", &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_state (fx, b, KS_JOURNAL_FILE_NEW);

  /* Over an existing file: that one is replaced. */
  g_assert_true (ks_journal_rename_file (fx->journal, fx->folder, "2023/renamed.jpg", "2023/b.jpg", &error));
  target = ks_journal_find_file (fx->journal, fx->folder, "2023/b.jpg", &error);
  g_assert_cmpint (target->id, ==, a);
  g_assert_null (ks_journal_get_file (fx->journal, b, NULL));

  /* A directory: "2023x" only shares a prefix and must not move. */
  g_assert_true (ks_journal_rename_dir (fx->journal, fx->folder, "2023", "archive/2023", &error));
  g_assert_no_error (error);
  g_clear_pointer (&target, ks_journal_file_free);
  target = ks_journal_find_file (fx->journal, fx->folder, "archive/2023/b.jpg", &error);
  g_assert_cmpint (target->id, ==, a);
  g_clear_pointer (&target, ks_journal_file_free);
  target = get_file (fx, c);
  g_assert_cmpstr (target->path, ==, "2023x/c.jpg");

  g_assert_true (ks_journal_remove_dir (fx->journal, fx->folder, "2024", &error));
  g_assert_null (ks_journal_get_file (fx->journal, d, NULL));
  g_assert_true (ks_journal_remove_file (fx->journal, c, &error));
  g_assert_false (ks_journal_remove_file (fx->journal, c, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  assert_counts_kept (fx->path, fx->journal);
}

static void
test_scan (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  KsJournalStat st = make_stat (1, 1);
  gint64        kept = add_file (fx, "kept.jpg", 1);
  gint64        gone = add_file (fx, "gone.jpg", 2);
  gint64        renamed = add_file (fx, "old.jpg", 3);
  guint         removed = 0;
  g_autoptr (KsJournalFolder) folder = NULL;

  g_assert_true (ks_journal_begin_scan (fx->journal, fx->folder, &error));
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "kept.jpg", &st, NULL, NULL, &error));
  g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, "new.jpg", &st, NULL, NULL, &error));
  /* The watcher reports a rename while the scan runs. */
  g_assert_true (ks_journal_rename_file (fx->journal, fx->folder, "old.jpg", "moved.jpg", &error));
  g_assert_true (ks_journal_finish_scan (fx->journal, fx->folder, &removed, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (removed, ==, 1);
  g_assert_null (ks_journal_get_file (fx->journal, gone, NULL));
  assert_state (fx, kept, KS_JOURNAL_FILE_NEW);
  assert_state (fx, renamed, KS_JOURNAL_FILE_NEW);
  folder = ks_journal_get_folder (fx->journal, fx->folder, &error);
  g_assert_cmpint (folder->last_scan_at, >, 0);

  g_assert_false (ks_journal_begin_scan (fx->journal, 999, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  assert_counts_kept (fx->path, fx->journal);
}

/* The size of the journal's write-ahead log: every page a transaction
 * writes is appended to it (a few hundred rows are far from the
 * automatic checkpoint that would start it over). */
static gint64
wal_size (Fixture *fx)
{
  g_autofree char *wal = g_strconcat (fx->path, "-wal", NULL);
  GStatBuf         st;

  return g_stat (wal, &st) == 0 ? (gint64) st.st_size : 0;
}

/* A rescan of unchanged files writes nothing; a scan cut short (a
 * crash: the journal reopened) forgets nothing, and cannot be finished
 * by a journal that did not begin it. */
static void
test_scan_unchanged (Fixture      *fx,
                     gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gint64 ids[200];
  gint64 before;
  guint  removed = 99;

  g_assert_true (ks_journal_begin (fx->journal, &error));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *path = g_strdup_printf ("d%u/IMG_%04u.jpg", i % 7, i);

      ids[i] = add_file (fx, path, 100 + i);
    }
  g_assert_true (ks_journal_commit (fx->journal, &error));

  g_assert_true (ks_journal_begin_scan (fx->journal, fx->folder, &error));
  before = wal_size (fx);
  g_assert_true (ks_journal_begin (fx->journal, &error));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i += 2)
    {
      g_autofree char *path = g_strdup_printf ("d%u/IMG_%04u.jpg", i % 7, i);
      KsJournalStat    st = make_stat (100 + i, 1000);
      KsJournalUpsert  change = KS_JOURNAL_UPSERT_NEW;
      gint64           id = 0;

      g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, path, &st, &change, &id, &error));
      g_assert_cmpint (change, ==, KS_JOURNAL_UPSERT_UNCHANGED);
      g_assert_cmpint (id, ==, ids[i]);
    }
  g_assert_true (ks_journal_commit (fx->journal, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wal_size (fx), ==, before);

  /* Crash: the half seen is not remembered, and nothing is lost. */
  reopen (fx);
  g_assert_false (ks_journal_finish_scan (fx->journal, fx->folder, &removed, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FAILED);
  g_clear_error (&error);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    assert_state (fx, ids[i], KS_JOURNAL_FILE_NEW);

  /* The next scan, complete: the odd ones are gone. */
  g_assert_true (ks_journal_begin_scan (fx->journal, fx->folder, &error));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i += 2)
    {
      g_autofree char *path = g_strdup_printf ("d%u/IMG_%04u.jpg", i % 7, i);
      KsJournalStat    st = make_stat (100 + i, 1000);

      g_assert_true (ks_journal_upsert_file (fx->journal, fx->folder, path, &st, NULL, NULL, &error));
    }
  g_assert_true (ks_journal_finish_scan (fx->journal, fx->folder, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, G_N_ELEMENTS (ids) / 2);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr (KsJournalFile) file = ks_journal_get_file (fx->journal, ids[i], NULL);

      g_assert_cmpint (file != NULL, ==, i % 2 == 0);
    }
  /* Finished: a second finish has nothing to go by. */
  g_assert_false (ks_journal_finish_scan (fx->journal, fx->folder, &removed, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_FAILED);
  assert_counts_kept (fx->path, fx->journal);
}

/* ---- transactions ---- */

static void
test_batches (Fixture      *fx,
              gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournalFile) committed = NULL;
  gint64 before = add_file (fx, "before.jpg", 1);

  g_assert_true (ks_journal_begin (fx->journal, &error));
  add_file (fx, "rolled-back.jpg", 2);
  set_state (fx, before, KS_JOURNAL_FILE_SKIPPED);
  ks_journal_rollback (fx->journal);
  assert_counts_kept (fx->path, fx->journal);
  g_assert_null (ks_journal_find_file (fx->journal, fx->folder, "rolled-back.jpg", &error));
  assert_state (fx, before, KS_JOURNAL_FILE_NEW);

  /* A failing change inside a batch undoes itself, not the batch. */
  g_assert_true (ks_journal_begin (fx->journal, &error));
  add_file (fx, "committed.jpg", 3);
  g_assert_false (ks_journal_rename_file (fx->journal, fx->folder, "missing.jpg", "before.jpg", &error));
  g_clear_error (&error);
  g_assert_true (ks_journal_commit (fx->journal, &error));
  g_assert_no_error (error);

  reopen (fx);
  assert_state (fx, before, KS_JOURNAL_FILE_NEW);
  committed = ks_journal_find_file (fx->journal, fx->folder, "committed.jpg", &error);
  g_assert_nonnull (committed);
  assert_counts_kept (fx->path, fx->journal);
}

/* A long batch commits what it has once it has held the journal a few
 * milliseconds, and goes on in a new transaction. (Whether it commits
 * sooner depends on the clock, and on how loaded the machine is: not
 * checked.) */
static void
test_yield (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gboolean yielded = FALSE;

  g_assert_true (ks_journal_begin (fx->journal, &error));
  add_file (fx, "first.jpg", 1);
  g_usleep (10 * 1000);
  g_assert_true (ks_journal_yield (fx->journal, &yielded, &error));
  g_assert_no_error (error);
  g_assert_true (yielded);
  g_assert_cmpint (ks_test_sqlite_int (fx->path, "SELECT count(*) FROM files"), ==, 1);

  /* Still a batch: the rest goes with its commit, or not at all. */
  add_file (fx, "second.jpg", 2);
  ks_journal_rollback (fx->journal);
  g_assert_cmpint (ks_test_sqlite_int (fx->path, "SELECT count(*) FROM files"), ==, 1);
  assert_counts_kept (fx->path, fx->journal);
}

/* A full disk, as SQLite sees one: writes fail cleanly, the change is
 * undone, and the journal works again once there is room. */
static void
test_disk_full (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *long_path = NULL;
  g_autoptr (GString) name = g_string_new ("");
  gboolean failed = FALSE;
  guint    added = 0;
  guint64  before[KS_JOURNAL_N_FILE_STATES], after[KS_JOURNAL_N_FILE_STATES];

  ks_journal_set_size_limit (fx->journal, 64 * 1024);
  for (guint i = 0; i < 5000 && !failed; i++)
    {
      KsJournalStat st = make_stat (i + 1, 1);

      g_string_printf (name, "%04u/%0200u.jpg", i, i);
      g_assert_true (ks_journal_count_states (fx->journal, 0, before, NULL));
      failed = !ks_journal_upsert_file (fx->journal, fx->folder, name->str, &st, NULL, NULL, &error);
      added += failed ? 0 : 1;
    }
  g_assert_true (failed);
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL);
  g_assert_nonnull (strstr (error->message, "full"));
  g_clear_error (&error);
  g_assert_true (ks_journal_count_states (fx->journal, 0, after, &error));
  g_assert_cmpmem (before, sizeof before, after, sizeof after);
  g_assert_cmpuint (after[KS_JOURNAL_FILE_NEW], ==, added);

  ks_journal_set_size_limit (fx->journal, 0);
  add_file (fx, "after.jpg", 1);
  reopen (fx);
  g_assert_cmpuint (count_state (fx, KS_JOURNAL_FILE_NEW), ==, added + 1);
  assert_counts_kept (fx->path, fx->journal);
}

/* ---- resume records ---- */

static void
test_resume_store (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (KsResumeRecord) first = ks_resume_record_new (SHA_A, "photo-1", "upload-1", 8 << 20, 100 << 20, 12345);
  g_autoptr (KsResumeRecord) second = ks_resume_record_new (SHA_A, "photo-1", "upload-2", 8 << 20, 100 << 20, 12345);
  g_autoptr (KsResumeRecord) loaded = NULL;
  KsResumeStore *store = KS_RESUME_STORE (fx->journal);

  g_assert_null (ks_resume_store_load (store, SHA_A, &error));
  g_assert_no_error (error);

  g_assert_true (ks_resume_store_begin (store, first, &error));
  g_assert_true (ks_resume_store_add_part (store, SHA_A, "upload-1", 1, "\"etag-1\"", &error));
  g_assert_true (ks_resume_store_add_part (store, SHA_A, "upload-1", 2, "\"etag-2\"", &error));
  g_assert_no_error (error);

  /* A part for an upload that is not (or no longer) the current one. */
  g_assert_false (ks_resume_store_add_part (store, SHA_A, "upload-0", 3, "x", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (ks_resume_store_add_part (store, SHA_B, "upload-1", 3, "x", &error));
  g_clear_error (&error);

  /* Durable: a new connection sees every recorded part. */
  reopen (fx);
  store = KS_RESUME_STORE (fx->journal);
  loaded = ks_resume_store_load (store, SHA_A, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->photo_id, ==, "photo-1");
  g_assert_cmpstr (loaded->upload_id, ==, "upload-1");
  g_assert_cmpint (loaded->part_size, ==, 8 << 20);
  g_assert_cmpint (loaded->file_size, ==, 100 << 20);
  g_assert_cmpint (loaded->file_mtime, ==, 12345);
  g_assert_cmpuint (g_hash_table_size (loaded->etags), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (loaded->etags, GINT_TO_POINTER (2)), ==, "\"etag-2\"");
  g_clear_pointer (&loaded, ks_resume_record_free);

  /* A new upload of the same content forgets the old one's parts, but
   * keeps parts the caller already knows. */
  g_hash_table_insert (second->etags, GINT_TO_POINTER (7), g_strdup ("seven"));
  g_assert_true (ks_resume_store_begin (store, second, &error));
  loaded = ks_resume_store_load (store, SHA_A, &error);
  g_assert_cmpstr (loaded->upload_id, ==, "upload-2");
  g_assert_cmpuint (g_hash_table_size (loaded->etags), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (loaded->etags, GINT_TO_POINTER (7)), ==, "seven");

  /* Records outlive folders: they are keyed by content. */
  g_assert_true (ks_journal_remove_folder (fx->journal, fx->folder, &error));
  g_assert_true (ks_resume_store_remove (store, SHA_A, &error));
  g_assert_no_error (error);
  g_assert_null (ks_resume_store_load (store, SHA_A, &error));
  g_assert_no_error (error);
  g_assert_true (ks_resume_store_remove (store, SHA_B, &error));
}

/* ---- threads ---- */

typedef struct
{
  Fixture *fx;
  guint    index;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;

  for (guint round = 0; round < 20; round++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (ks_journal_begin (w->fx->journal, &error));
      for (guint i = 0; i < 10; i++)
        {
          g_autofree char *name = g_strdup_printf ("t%u/%u-%u.jpg", w->index, round, i);
          KsJournalStat    st = make_stat (i + 1, round);

          g_assert_true (ks_journal_upsert_file (w->fx->journal, w->fx->folder, name, &st, NULL, NULL, &error));
        }
      g_assert_true (ks_journal_commit (w->fx->journal, &error));
      g_assert_no_error (error);
    }
  return NULL;
}

static void
test_threads (Fixture      *fx,
              gconstpointer data)
{
  Worker   workers[4];
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      workers[i] = (Worker){ fx, i };
      threads[i] = g_thread_new ("journal-test", worker_thread, &workers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpuint (count_state (fx, KS_JOURNAL_FILE_NEW), ==, 4 * 20 * 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add ("/sync/journal/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("open/reopen", test_open_reopen);
  ADD ("open/refuses", test_open_refuses);
  ADD ("open/corrupt", test_open_corrupt);
  ADD ("open/upgrade", test_open_upgrade);
  ADD ("folders", test_folders);
  ADD ("files/upsert", test_upsert);
  ADD ("files/lifecycle", test_lifecycle);
  ADD ("files/edited-during-upload", test_edited_during_upload);
  ADD ("files/queue-order", test_queue_order);
  ADD ("files/errors-and-retry", test_errors_and_retry);
  ADD ("files/renames", test_renames);
  ADD ("files/scan", test_scan);
  ADD ("files/scan-unchanged", test_scan_unchanged);
  ADD ("transactions/batches", test_batches);
  ADD ("transactions/yield", test_yield);
  ADD ("transactions/disk-full", test_disk_full);
  ADD ("resume-store", test_resume_store);
  ADD ("threads", test_threads);
#undef ADD

  return g_test_run ();
}
