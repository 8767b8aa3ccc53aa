/* test-sync-engine.c: watched folders to the real keepsake-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include "ks-sync-error.h"
#include "ks-test-proxy.h"
#include "ks-test-util.h"
#include "test-sync-photos.h"

#define SETTLE_MS 300

static KsTestApi *api;

typedef struct
{
  KsTestUser        *user;
  KsTestTokenSource *tokens;
  SoupSession       *soup;
  KsApiClient       *client;
  char              *dir;
  char              *folder; /* the watched folder */
  KsJournal         *journal;
  KsSyncEngine      *engine;
  guint              n_done;
  guint              n_existed;
  GPtrArray         *failed; /* paths */
  KsTestProxy       *proxy;  /* nullable: between the engine and the API */
} Fx;

static void
file_done_cb (KsSyncEngine *engine,
              const char   *path,
              const char   *photo_id,
              gboolean      existed,
              Fx           *fx)
{
  g_test_message ("done: %s%s", path, existed ? " (existed)" : "");
  fx->n_done++;
  fx->n_existed += existed;
}

static void
file_failed_cb (KsSyncEngine *engine,
                const char   *path,
                const GError *error,
                Fx           *fx)
{
  g_test_message ("failed: %s: %s", path, error->message);
  g_ptr_array_add (fx->failed, g_path_get_basename (path));
}

static KsSyncEngine *
engine_new (Fx *fx)
{
  g_autofree char *cache = g_build_filename (fx->dir, "cache", NULL);
  KsSyncEngine    *engine = ks_sync_engine_new (fx->journal, fx->client, fx->soup, cache);

  ks_sync_engine_set_settle_interval (engine, SETTLE_MS);
  ks_sync_engine_set_retry_base (engine, 50);
  ks_sync_engine_set_max_attempts (engine, 3);
  g_signal_connect (engine, "file-done", G_CALLBACK (file_done_cb), fx);
  g_signal_connect (engine, "file-failed", G_CALLBACK (file_failed_cb), fx);
  return engine;
}

static void
fx_set_up (Fx           *fx,
           gconstpointer data)
{
  static guint     n_users;
  g_autofree char *name = g_strdup_printf ("sync-user-%u", ++n_users);
  g_autofree char *api_url = g_strconcat (fx->proxy != NULL ? ks_test_proxy_get_url (fx->proxy)
                                                            : ks_test_server_get_base_url (ks_test_api_get_server (api)),
                                          "/v1", NULL);
  g_autofree char *journal = NULL;
  g_autoptr (GError) error = NULL;

  fx->user = ks_test_api_user (api, name);
  fx->tokens = ks_test_token_source_new (api, fx->user, 3600);
  fx->soup = soup_session_new_with_options ("timeout", 60, NULL);
  soup_session_set_proxy_resolver (fx->soup, NULL);
  fx->client = ks_api_client_new (fx->soup, api_url, KS_TOKEN_SOURCE (fx->tokens));
  ks_api_client_set_retry_policy (fx->client, 3, 50, 500);
  fx->dir = g_dir_make_tmp ("ks-sync-engine-XXXXXX", &error);
  g_assert_no_error (error);
  fx->folder = g_build_filename (fx->dir, "Holiday 2024", NULL);
  g_assert_cmpint (g_mkdir (fx->folder, 0700), ==, 0);
  journal = g_build_filename (fx->dir, "journal.db", NULL);
  fx->journal = ks_journal_open (journal, &error);
  g_assert_no_error (error);
  fx->failed = g_ptr_array_new_with_free_func (g_free);
  fx->engine = engine_new (fx);
}

/* The API behind a proxy, to hold its replies. */
static void
fx_set_up_proxied (Fx           *fx,
                   gconstpointer data)
{
  fx->proxy = ks_test_proxy_new (ks_test_server_get_base_url (ks_test_api_get_server (api)));
  fx_set_up (fx, data);
}

static void
fx_tear_down (Fx           *fx,
              gconstpointer data)
{
  ks_sync_engine_stop (fx->engine);
  g_clear_object (&fx->engine);
  g_clear_object (&fx->journal);
  g_clear_object (&fx->client);
  g_clear_object (&fx->tokens);
  g_clear_object (&fx->soup);
  g_ptr_array_unref (fx->failed);
  g_clear_pointer (&fx->proxy, ks_test_proxy_free);
  photo_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->folder);
}

/* ---- waiting, always bounded ---- */

/* Lets the main loop run for @ms: watchers settle, nothing should
 * happen that the test then checks did not. */
static void
spin (Fx   *fx,
      guint ms)
{
  gint64 until = g_get_monotonic_time () + ms * 1000;

  sync_wait_for (fx->engine, sync_time_passed, NULL, &until, "time to pass");
}

static gboolean
n_done_reached (Fx           *fx,
                gconstpointer data)
{
  return fx->n_done >= GPOINTER_TO_UINT (data);
}

/* PUTs the built-in S3 store accepted: one per original, thumbnail or
 * part actually sent. A request of our own flushes the access log. */
static guint
count_puts (void)
{
  static guint     n_marks;
  KsTestServer    *server = ks_test_api_get_server (api);
  g_autofree char *mark = g_strdup_printf ("/v1/log-mark-%u", ++n_marks);
  guint            status = 0;
  g_autoptr (JsonNode) reply = ks_test_api_call (api, NULL, "GET", mark, NULL, &status);
  g_autofree char *log = NULL;
  g_auto (GStrv) lines = NULL;
  guint count = 0;

  g_assert_true (ks_test_server_wait_for_log (server, mark, 10000));
  log = ks_test_server_dup_log (server);
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "\"PUT /s3/") != NULL && strstr (lines[i], "\" 200 ") != NULL)
      count++;
  return count;
}

static KsJournalFile *
find_file (Fx         *fx,
           const char *rel_path)
{
  g_autoptr (KsJournalFolder) folder = ks_journal_find_folder (fx->journal, fx->folder, NULL);

  g_assert_nonnull (folder);
  return ks_journal_find_file (fx->journal, folder->id, rel_path, NULL);
}

static void
assert_known (Fx         *fx,
              const char *rel_path,
              gboolean    known)
{
  g_autoptr (KsJournalFile) file = find_file (fx, rel_path);

  g_assert_cmpint (file != NULL, ==, known);
}

static GPtrArray *
list_albums (Fx *fx)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *albums;

  ks_api_client_list_albums_async (fx->client, NULL, ks_test_store_result, &result);
  albums = ks_api_client_list_albums_finish (fx->client, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_ptr_array_set_free_func (albums, (GDestroyNotify) ks_album_free);
  return albums;
}

static KsAlbum *
only_album (Fx         *fx,
            const char *name)
{
  g_autoptr (GPtrArray) albums = list_albums (fx);

  g_assert_cmpuint (albums->len, ==, 1);
  g_assert_cmpstr (((KsAlbum *) albums->pdata[0])->name, ==, name);
  return g_ptr_array_steal_index (albums, 0);
}

static KsAlbum *
create_album (Fx         *fx,
              const char *name)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  KsAlbum *album;

  ks_api_client_create_album_async (fx->client, name, NULL, ks_test_store_result, &result);
  album = ks_api_client_create_album_finish (fx->client, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return album;
}

/* The SHA-256 of each photo in the album. */
static GHashTable *
album_photo_shas (Fx         *fx,
                  const char *album_id)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsPhotoPage) page = NULL;
  GHashTable *shas = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  ks_api_client_list_album_photos_async (fx->client, album_id, NULL, 200, NULL, ks_test_store_result, &result);
  page = ks_api_client_list_album_photos_finish (fx->client, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_null (page->cursor);
  for (guint i = 0; i < page->photos->len; i++)
    g_hash_table_add (shas, g_strdup (((KsPhoto *) page->photos->pdata[i])->sha256));
  g_assert_cmpuint (g_hash_table_size (shas), ==, page->photos->len);
  return shas;
}

static guint
count_album_photos (Fx         *fx,
                    const char *album_id)
{
  g_autoptr (GHashTable) shas = album_photo_shas (fx, album_id);

  return g_hash_table_size (shas);
}

static void
add_folder (Fx         *fx,
            const char *path,
            KsSyncAlbum album,
            const char *value)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;

  g_assert_true (ks_sync_engine_add_folder (fx->engine, file, album, value, &error));
  g_assert_no_error (error);
}

/* Drops @files and waits until they are in the journal (or failed). */
static gboolean
drop_files (Fx         *fx,
            GList      *files,
            const char *album_id,
            GError    **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  ks_sync_engine_upload_files_async (fx->engine, files, album_id, KS_SYNC_PRIORITY_USER, NULL, ks_test_store_result,
                                     &result);
  return ks_sync_engine_upload_files_finish (fx->engine, ks_test_wait_result (&result), error);
}

static void
drop_file (Fx         *fx,
           const char *path,
           const char *album_id)
{
  g_autolist (GFile) files = g_list_append (NULL, g_file_new_for_path (path));
  g_autoptr (GError) error = NULL;

  g_assert_true (drop_files (fx, files, album_id, &error));
  g_assert_no_error (error);
}

/* ---- checking what the server has ---- */

static GBytes *
fetch (const char *url)
{
  guint   status = 0;
  GBytes *bytes;

  g_assert_nonnull (url);
  bytes = ks_test_api_fetch (api, url, &status);
  g_assert_cmpuint (status, ==, 200);
  return bytes;
}

static void
assert_colour (GdkPixbuf *pixbuf,
               int        x,
               int        y,
               guint32    rgb)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
                    x * gdk_pixbuf_get_n_channels (pixbuf);

  for (int c = 0; c < 3; c++)
    g_assert_cmpint (ABS ((int) p[c] - (int) ((rgb >> (16 - 8 * c)) & 0xff)), <, 48);
}

/* The grid thumbnail is upright whatever the EXIF orientation said. */
static void
assert_grid_upright (KsPhoto *photo,
                     int      w,
                     int      h)
{
  g_autoptr (GBytes) bytes = fetch (photo->url_grid);
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("jpeg", &error);
  GdkPixbuf *grid;
  int        gw, gh;

  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, bytes, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  grid = gdk_pixbuf_loader_get_pixbuf (loader);
  gw = gdk_pixbuf_get_width (grid), gh = gdk_pixbuf_get_height (grid);
  g_assert_cmpint (MAX (gw, gh), <=, 256);
  g_assert_cmpint (gw > gh, ==, w > h);
  for (int q = 0; q < 4; q++)
    assert_colour (grid, (q % 2 == 0 ? gw / 4 : gw * 3 / 4), (q < 2 ? gh / 4 : gh * 3 / 4), quadrant_colours[q]);
}

/* ---- tests ---- */

static const struct
{
  const char *path;
  int         w, h, orientation;
} good_photos[] = {
  { "IMG_0001.jpg", 320, 240, 1 },
  { "IMG_0002.JPG", 64, 48, 2 },
  { "IMG_0003.jpeg", 1600, 1200, 3 },
  { "IMG_0004.jpg", 200, 300, 4 },
  { "2024/05/IMG_0005.jpg", 300, 200, 5 },
  { "2024/05/IMG_0006.jpg", 480, 640, 6 },
  { "2024/06/IMG_0007.jpg", 90, 60, 7 },
  { "2024/06/deep/er/IMG_0008.jpg", 640, 360, 8 },
};

static void
test_initial_sync (Fx           *fx,
                   gconstpointer data)
{
  g_autoptr (GHashTable) local = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) photos = NULL;
  g_autoptr (GPtrArray) errors = NULL;
  g_autoptr (GBytes) sample = photo_jpeg (400, 300, 1, 999);
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (KsJournalFile) notes = NULL;
  const char *bad[] = { "truncated.jpg", "header-only.jpg", "text.png" };
  gsize       sample_len = 0;
  const char *sample_data = g_bytes_get_data (sample, &sample_len);
  guint       puts;

  for (guint i = 0; i < G_N_ELEMENTS (good_photos); i++)
    {
      g_autofree char *path = g_build_filename (fx->folder, good_photos[i].path, NULL);
      g_autoptr (GBytes) jpeg = photo_jpeg (good_photos[i].w, good_photos[i].h, good_photos[i].orientation, i);

      g_hash_table_insert (local, photo_write (path, jpeg), GUINT_TO_POINTER (i));
    }
  {
    g_autofree char *p1 = g_build_filename (fx->folder, "truncated.jpg", NULL);
    g_autofree char *p2 = g_build_filename (fx->folder, "header-only.jpg", NULL);
    g_autofree char *p3 = g_build_filename (fx->folder, "text.png", NULL);
    g_autofree char *p4 = g_build_filename (fx->folder, "notes.txt", NULL);
    g_autofree char *p5 = g_build_filename (fx->folder, ".hidden.jpg", NULL);
    g_autofree char *p6 = g_build_filename (fx->folder, "download.jpg.part", NULL);

    g_assert_true (g_file_set_contents (p1, sample_data, sample_len * 2 / 3, NULL));
    g_assert_true (g_file_set_contents (p2, sample_data, 300, NULL));
    g_assert_true (g_file_set_contents (p3, "just text", -1, NULL));
    g_assert_true (g_file_set_contents (p4, "a note, not a photo", -1, NULL));
    g_assert_true (g_file_set_contents (p5, sample_data, sample_len, NULL));
    g_assert_true (g_file_set_contents (p6, sample_data, sample_len, NULL));
  }

  add_folder (fx, fx->folder, KS_SYNC_ALBUM_DEFAULT, NULL);
  sync_wait_synced (fx->engine);

  /* Every good photo once, byte for byte, thumbnails upright. */
  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, G_N_ELEMENTS (good_photos));
  for (guint i = 0; i < G_N_ELEMENTS (good_photos); i++)
    {
      GHashTableIter iter;
      gpointer       sha, index;

      g_hash_table_iter_init (&iter, local);
      while (g_hash_table_iter_next (&iter, &sha, &index))
        if (GPOINTER_TO_UINT (index) == i)
          {
            KsPhoto *photo = g_hash_table_lookup (photos, sha);
            g_autoptr (GBytes) original = NULL;
            g_autofree char *got = NULL;

            g_assert_nonnull (photo);
            original = fetch (photo->url_original);
            got = photo_sha256 (g_bytes_get_data (original, NULL), g_bytes_get_size (original));
            g_assert_cmpstr (got, ==, sha);
            g_assert_cmpint (photo->width, ==, good_photos[i].w);
            g_assert_cmpint (photo->height, ==, good_photos[i].h);
            assert_grid_upright (photo, good_photos[i].w, good_photos[i].h);
          }
    }

  /* Each bad file reported once, in the journal and by a signal; the
   * note is not a photo, and not an error either. */
  errors = ks_journal_list_errors (fx->journal, 100, NULL);
  g_assert_cmpuint (errors->len, ==, G_N_ELEMENTS (bad));
  g_assert_cmpuint (fx->failed->len, ==, G_N_ELEMENTS (bad));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (KsJournalFile) file = find_file (fx, bad[i]);

      g_assert_true (g_ptr_array_find_with_equal_func (fx->failed, bad[i], g_str_equal, NULL));
      g_assert_nonnull (file);
      g_assert_cmpint (file->state, ==, KS_JOURNAL_FILE_FAILED);
      g_assert_nonnull (file->last_error);
    }
  notes = find_file (fx, "notes.txt");
  g_assert_cmpint (notes->state, ==, KS_JOURNAL_FILE_SKIPPED);
  assert_known (fx, ".hidden.jpg", FALSE);

  /* A new album named after the folder, with all of them. */
  album = only_album (fx, "Holiday 2024");
  g_assert_cmpuint (count_album_photos (fx, album->id), ==, G_N_ELEMENTS (good_photos));

  /* A restart re-reads nothing and sends nothing. */
  puts = count_puts ();
  ks_sync_engine_stop (fx->engine);
  g_clear_object (&fx->engine);
  fx->engine = engine_new (fx);
  fx->n_done = 0;
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->n_done, ==, 0);
  g_assert_cmpuint (count_puts (), ==, puts);
  g_clear_pointer (&photos, g_hash_table_unref);
  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, G_N_ELEMENTS (good_photos));
}

static char *
write_photo (Fx         *fx,
             const char *rel_path,
             guint32     seed)
{
  g_autofree char *path = g_build_filename (fx->folder, rel_path, NULL);
  g_autoptr (GBytes) jpeg = photo_jpeg (320, 240, 1, seed);

  return photo_write (path, jpeg);
}

/* Written in pieces, slower than a camera import but faster than the
 * settle interval: one upload, of the whole file. */
static char *
write_slowly (Fx         *fx,
              const char *rel_path,
              guint32     seed)
{
  g_autofree char *path = g_build_filename (fx->folder, rel_path, NULL);
  g_autoptr (GBytes) jpeg = photo_jpeg (640, 480, 6, seed);
  gsize         len = 0;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  FILE         *out = fopen (path, "wb");

  g_assert_nonnull (out);
  for (gsize off = 0; off < len; off += len / 5 + 1)
    {
      g_assert_cmpuint (fwrite (data + off, 1, MIN (len / 5 + 1, len - off), out), >, 0);
      fflush (out);
      spin (fx, SETTLE_MS / 3);
    }
  fclose (out);
  return photo_sha256 (data, len);
}

static void
test_watch (Fx           *fx,
            gconstpointer data)
{
  g_autofree char *sub1 = g_build_filename (fx->folder, "sub1", NULL);
  g_autofree char *sub2 = g_build_filename (fx->folder, "sub2", NULL);
  g_autofree char *path_a = g_build_filename (fx->folder, "a.jpg", NULL);
  g_autofree char *path_b = g_build_filename (fx->folder, "b.jpg", NULL);
  g_autofree char *path_c1 = g_build_filename (sub1, "c.jpg", NULL);
  g_autofree char *path_c2 = g_build_filename (sub2, "c.jpg", NULL);
  g_autofree char *sha_a = NULL, *sha_slow = NULL, *sha_c = NULL, *sha_edit = NULL;
  g_autofree char *path_copy = g_build_filename (fx->folder, "c-copy.jpg", NULL);
  g_autofree char *sha_c_edit = NULL, *copied = NULL;
  gsize            copied_len = 0;
  g_autoptr (GHashTable) in_album = NULL;
  g_autofree char *old_photo = NULL;
  g_autoptr (KsJournalFile) renamed = NULL;
  g_autoptr (KsJournalFile) moved = NULL;
  g_autoptr (KsJournalFolder) record = NULL;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GHashTable) photos = NULL;
  guint puts;

  g_assert_cmpint (g_mkdir (sub1, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (sub2, 0700), ==, 0);
  g_free (write_photo (fx, "first.jpg", 100));
  sha_c = write_photo (fx, "sub1/c.jpg", 101);
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NAMED, "Watched");
  ks_sync_engine_start (fx->engine);
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->n_done, ==, 2);

  /* A new file. */
  sha_a = write_photo (fx, "a.jpg", 102);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (3), "the new file");

  /* A slow writer: uploaded once, complete. */
  sha_slow = write_slowly (fx, "slow.jpg", 103);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (4), "the slowly written file");
  spin (fx, SETTLE_MS * 3);
  g_assert_cmpuint (fx->n_done, ==, 4);
  g_assert_cmpuint (fx->failed->len, ==, 0);
  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, 4);
  g_assert_true (g_hash_table_contains (photos, sha_slow));
  g_assert_true (g_hash_table_contains (photos, sha_a));
  g_clear_pointer (&photos, g_hash_table_unref);

  /* A rename and a move between subfolders upload nothing. */
  puts = count_puts ();
  g_assert_cmpint (g_rename (path_a, path_b), ==, 0);
  g_assert_cmpint (g_rename (path_c1, path_c2), ==, 0);
  spin (fx, SETTLE_MS * 4);
  g_assert_cmpuint (fx->n_done, ==, 4);
  g_assert_cmpuint (count_puts (), ==, puts);
  assert_known (fx, "a.jpg", FALSE);
  assert_known (fx, "sub1/c.jpg", FALSE);
  renamed = find_file (fx, "b.jpg");
  moved = find_file (fx, "sub2/c.jpg");
  g_assert_nonnull (renamed);
  g_assert_nonnull (moved);
  g_assert_cmpint (renamed->state, ==, KS_JOURNAL_FILE_DONE);
  g_assert_cmpstr (renamed->sha256, ==, sha_a);
  g_assert_cmpstr (moved->sha256, ==, sha_c);

  /* An edit is a new version: the album shows it instead of the old
   * one, which stays in the library. */
  album = only_album (fx, "Watched");
  g_assert_cmpuint (count_album_photos (fx, album->id), ==, 4);
  old_photo = g_strdup (renamed->photo_id);
  sha_edit = write_photo (fx, "b.jpg", 104);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (5), "the edit");
  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, 5);
  g_assert_true (g_hash_table_contains (photos, sha_edit));
  g_assert_true (g_hash_table_contains (photos, sha_a));
  g_clear_pointer (&photos, g_hash_table_unref);
  g_clear_pointer (&renamed, ks_journal_file_free);
  renamed = find_file (fx, "b.jpg");
  g_assert_cmpstr (renamed->sha256, ==, sha_edit);
  g_assert_cmpstr (renamed->photo_id, !=, old_photo);
  in_album = album_photo_shas (fx, album->id);
  g_assert_cmpuint (g_hash_table_size (in_album), ==, 4);
  g_assert_true (g_hash_table_contains (in_album, sha_edit));
  g_assert_false (g_hash_table_contains (in_album, sha_a));
  g_clear_pointer (&in_album, g_hash_table_unref);

  /* The edited file's old version stays while a copy of it is watched. */
  g_assert_true (g_file_get_contents (path_c2, &copied, &copied_len, NULL));
  g_assert_true (g_file_set_contents (path_copy, copied, (gssize) copied_len, NULL));
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (6), "the copy");
  sha_c_edit = write_photo (fx, "sub2/c.jpg", 105);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (7), "the copied file's edit");
  in_album = album_photo_shas (fx, album->id);
  g_assert_cmpuint (g_hash_table_size (in_album), ==, 5);
  g_assert_true (g_hash_table_contains (in_album, sha_c_edit));
  g_assert_true (g_hash_table_contains (in_album, sha_c));
  g_clear_pointer (&in_album, g_hash_table_unref);
  g_assert_cmpint (g_unlink (path_copy), ==, 0);

  /* A delete forgets the file, not the photo. */
  g_assert_cmpint (g_unlink (path_b), ==, 0);
  spin (fx, SETTLE_MS * 4);
  assert_known (fx, "b.jpg", FALSE);
  g_assert_cmpuint (g_hash_table_size (photos = photo_list_server (fx->client)), ==, 6);

  /* The whole folder gone: paused, nothing forgotten, nothing deleted. */
  photo_remove_tree (fx->folder);
  spin (fx, SETTLE_MS * 4);
  record = ks_journal_find_folder (fx->journal, fx->folder, NULL);
  g_assert_true (record->paused);
  assert_known (fx, "slow.jpg", TRUE);
  assert_known (fx, "first.jpg", TRUE);
  assert_known (fx, "sub2/c.jpg", TRUE);
  g_clear_pointer (&photos, g_hash_table_unref);
  g_assert_cmpuint (g_hash_table_size (photos = photo_list_server (fx->client)), ==, 6);
  g_assert_cmpuint (count_album_photos (fx, album->id), ==, 5);
}

/* Identical bytes anywhere cost no upload; folders may share an album,
 * or have none. */
typedef struct
{
  const char *path;
  guint       count;
} ProxyPosts;

static gboolean
proxy_posts_reached (Fx           *fx,
                     gconstpointer data)
{
  const ProxyPosts *posts = data;

  return ks_test_proxy_count (fx->proxy, "POST", posts->path) >= posts->count;
}

/* Edited again while the first edit is being added to its album: the
 * album ends with the newest version alone, the library with all three. */
static void
test_edit_during_upload (Fx           *fx,
                         gconstpointer data)
{
  g_autofree char *sha_first = NULL, *sha_edit = NULL, *sha_again = NULL;
  g_autofree char *adds = NULL;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (GHashTable) in_album = NULL;
  g_autoptr (GHashTable) photos = NULL;
  g_autoptr (KsJournalFile) file = NULL;
  ProxyPosts posts;

  sha_first = write_photo (fx, "edited.jpg", 300);
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NAMED, "Edits");
  ks_sync_engine_start (fx->engine);
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->n_done, ==, 1);
  album = only_album (fx, "Edits");

  /* The first edit's album add waits at the proxy while the file is
   * edited again. */
  adds = g_strdup_printf ("/v1/albums/%s/photos", album->id);
  ks_test_proxy_clear_rules (fx->proxy);
  ks_test_proxy_add_delay (fx->proxy, "POST", adds, 1, 3000);
  posts.path = adds;
  posts.count = ks_test_proxy_count (fx->proxy, "POST", adds) + 1;
  sha_edit = write_photo (fx, "edited.jpg", 301);
  sync_wait_for (fx->engine, (SyncDone) proxy_posts_reached, fx, &posts, "the first edit's album add");
  sha_again = write_photo (fx, "edited.jpg", 302);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (2), "the second edit");
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->failed->len, ==, 0);

  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, 3);
  g_assert_true (g_hash_table_contains (photos, sha_first));
  g_assert_true (g_hash_table_contains (photos, sha_edit));
  g_assert_true (g_hash_table_contains (photos, sha_again));
  in_album = album_photo_shas (fx, album->id);
  g_assert_true (g_hash_table_contains (in_album, sha_again));
  g_assert_false (g_hash_table_contains (in_album, sha_edit));
  g_assert_false (g_hash_table_contains (in_album, sha_first));
  g_assert_cmpuint (g_hash_table_size (in_album), ==, 1);
  file = find_file (fx, "edited.jpg");
  g_assert_cmpint (file->state, ==, KS_JOURNAL_FILE_DONE);
  g_assert_cmpstr (file->sha256, ==, sha_again);
}

static void
test_dedupe (Fx           *fx,
             gconstpointer data)
{
  g_autofree char *other = g_build_filename (fx->dir, "Other", NULL);
  g_autofree char *loose = g_build_filename (fx->dir, "Loose", NULL);
  g_autofree char *copy1 = g_build_filename (other, "copy.jpg", NULL);
  g_autofree char *copy2 = g_build_filename (fx->folder, "sub/again.jpg", NULL);
  g_autofree char *single = g_build_filename (loose, "single.jpg", NULL);
  g_autoptr (GBytes) jpeg = photo_jpeg (800, 600, 1, 200);
  g_autoptr (GBytes) jpeg2 = photo_jpeg (300, 300, 1, 201);
  g_autoptr (GHashTable) photos = NULL;
  g_autoptr (KsAlbum) album = NULL;
  g_autofree char *sha = NULL;
  guint            puts;

  g_assert_cmpint (g_mkdir (other, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (loose, 0700), ==, 0);
  g_free (write_photo (fx, "original.jpg", 200));
  g_free (photo_write (copy2, jpeg));
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NAMED, "Trips");
  add_folder (fx, other, KS_SYNC_ALBUM_NAMED, "Trips");
  add_folder (fx, loose, KS_SYNC_ALBUM_NONE, NULL);
  ks_sync_engine_start (fx->engine);
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->n_done, ==, 2);

  puts = count_puts ();
  sha = photo_write (copy1, jpeg);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (3), "the copy");
  g_assert_cmpuint (fx->n_existed, >=, 1);
  g_assert_cmpuint (count_puts (), ==, puts);

  g_free (photo_write (single, jpeg2));
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (4), "the loose photo");

  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, 3);
  g_assert_true (g_hash_table_contains (photos, sha));
  album = only_album (fx, "Trips");
  g_assert_cmpuint (count_album_photos (fx, album->id), ==, 2);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static gboolean
failed_reached (Fx           *fx,
                gconstpointer data)
{
  return fx->failed->len >= GPOINTER_TO_UINT (data);
}

/* Dropped files: into the album the user dropped them on, in the
 * journal before anything else happens (a drop record for those outside
 * watched folders, and for a watched file whose folder feeds another
 * album); what is not a photo or not there fails, and a file already
 * uploaded is done at once. */
static void
test_drops (Fx           *fx,
            gconstpointer data)
{
  g_autofree char *loose = g_build_filename (fx->dir, "Loose", NULL);
  g_autofree char *a = g_build_filename (loose, "a.jpg", NULL);
  g_autofree char *b = g_build_filename (loose, "b.jpg", NULL);
  g_autofree char *note = g_build_filename (loose, "note.jpg", NULL);
  g_autofree char *missing = g_build_filename (loose, "missing.jpg", NULL);
  g_autofree char *watched = g_build_filename (fx->folder, "original.jpg", NULL);
  g_autofree char *drop_path = NULL;
  g_autoptr (KsAlbum) album = NULL;
  g_autoptr (KsJournalFolder) record = NULL;
  g_autoptr (KsJournalFile) row = NULL;
  g_autoptr (GHashTable) photos = NULL;
  g_autoptr (GError) error = NULL;
  g_autolist (GFile) files = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  guint n_prepared = 0, n_progress = 0, puts;

  g_assert_cmpint (g_mkdir (loose, 0700), ==, 0);
  g_free (write_photo (fx, "original.jpg", 300));
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NAMED, "Trips");
  ks_sync_engine_start (fx->engine);
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->n_done, ==, 1);

  album = create_album (fx, "Dropped");
  {
    g_autoptr (GBytes) jpeg_a = photo_jpeg (640, 480, 6, 301);
    g_autoptr (GBytes) jpeg_b = photo_jpeg (480, 640, 1, 302);

    g_free (photo_write (a, jpeg_a));
    g_free (photo_write (b, jpeg_b));
  }
  g_assert_true (g_file_set_contents (note, "not a photo", -1, NULL));
  g_signal_connect_swapped (fx->engine, "file-prepared", G_CALLBACK (count_cb), &n_prepared);
  g_signal_connect_swapped (fx->engine, "file-progress", G_CALLBACK (count_cb), &n_progress);

  files = g_list_append (files, g_file_new_for_path (a));
  files = g_list_append (files, g_file_new_for_path (b));
  files = g_list_append (files, g_file_new_for_path (note));
  files = g_list_append (files, g_file_new_for_path (missing));
  files = g_list_append (files, g_file_new_for_path (watched));
  files = g_list_append (files, g_file_new_for_uri ("sftp://example.invalid/elsewhere.jpg"));
  ks_sync_engine_upload_files_async (fx->engine, files, album->id, KS_SYNC_PRIORITY_USER, NULL, ks_test_store_result,
                                     &result);
  /* The files are looked at on a worker. */
  g_assert_cmpuint (fx->failed->len, ==, 0);
  g_assert_true (ks_sync_engine_upload_files_finish (fx->engine, ks_test_wait_result (&result), &error));
  g_assert_no_error (error);
  /* Not there, or not here: said once they are in the journal. */
  g_assert_cmpuint (fx->failed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fx->failed, 0), ==, "missing.jpg");
  g_assert_cmpstr (g_ptr_array_index (fx->failed, 1), ==, "elsewhere.jpg");
  /* In the journal before anything is uploaded. */
  drop_path = g_strconcat ("drop:", album->id, NULL);
  record = ks_journal_find_folder (fx->journal, drop_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (record);
  row = ks_journal_find_file (fx->journal, record->id, a + 1, &error);
  g_assert_nonnull (row);
  g_assert_cmpint (row->priority, ==, KS_SYNC_PRIORITY_USER);
  g_clear_pointer (&row, ks_journal_file_free);
  /* The watched file goes to the dropped-on album as well. */
  row = ks_journal_find_file (fx->journal, record->id, watched + 1, &error);
  g_assert_nonnull (row);

  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (4), "the dropped photos");
  sync_wait_for (fx->engine, (SyncDone) failed_reached, fx, GUINT_TO_POINTER (3), "the note to fail");
  g_assert_cmpstr (g_ptr_array_index (fx->failed, 2), ==, "note.jpg");
  g_assert_cmpuint (n_prepared, >=, 3);
  g_assert_cmpuint (n_progress, >, 0);
  /* The watched photo was already there: no upload, only the album. */
  g_assert_cmpuint (fx->n_existed, ==, 1);
  g_assert_cmpuint (count_album_photos (fx, album->id), ==, 3);
  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, 3);

  /* Dropped again, uploaded already: asked for, not sent. */
  puts = count_puts ();
  drop_file (fx, a, NULL);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (5), "the photo dropped again");
  spin (fx, 200);
  g_assert_cmpuint (fx->n_done, ==, 5);
  g_assert_cmpuint (count_puts (), ==, puts);
  g_assert_cmpuint (fx->n_existed, ==, 2);
  g_assert_cmpuint (fx->failed->len, ==, 3);
}

static void
collect_path_cb (GPtrArray  *paths,
                 const char *path)
{
  g_ptr_array_add (paths, g_strdup (path));
}

static guint64
engine_n_failed (KsSyncEngine *engine)
{
  guint64 n = 0;

  g_object_get (engine, "n-failed", &n, NULL);
  return n;
}

static gboolean
n_failed_is (gpointer      subject,
             gconstpointer data)
{
  return engine_n_failed (subject) == GPOINTER_TO_UINT (data);
}

/* Failed files the user gives up on: a watched one is left alone until
 * it changes (a rescan does not bring it back; repaired, it goes up); a
 * dropped one is forgotten, so that dropping it again tries it anew. */
static void
test_dismiss (Fx           *fx,
              gconstpointer data)
{
  g_autoptr (GBytes) jpeg = photo_jpeg (320, 240, 1, 77);
  g_autoptr (GPtrArray) dismissed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (KsJournalFolder) record = NULL;
  g_autoptr (KsJournalFolder) drops = NULL;
  g_autoptr (KsJournalFile) row = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *broken = g_build_filename (fx->folder, "broken.jpg", NULL);
  g_autofree char *note = g_build_filename (fx->dir, "note.jpg", NULL);
  gsize            len = 0;
  const char      *bytes = g_bytes_get_data (jpeg, &len);
  gint64           id;

  g_assert_true (g_file_set_contents (broken, bytes, len / 2, NULL));
  g_assert_true (g_file_set_contents (note, "not a photo", -1, NULL));
  g_signal_connect_swapped (fx->engine, "file-dismissed", G_CALLBACK (collect_path_cb), dismissed);
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NONE, NULL);
  ks_sync_engine_start (fx->engine);
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->failed->len, ==, 1);
  sync_wait_for (fx->engine, n_failed_is, fx->engine, GUINT_TO_POINTER (1), "the failure counted");

  record = ks_journal_find_folder (fx->journal, fx->folder, &error);
  g_assert_no_error (error);
  row = ks_journal_find_file (fx->journal, record->id, "broken.jpg", &error);
  g_assert_cmpint (row->state, ==, KS_JOURNAL_FILE_FAILED);
  id = row->id;
  g_clear_pointer (&row, ks_journal_file_free);

  g_assert_true (ks_sync_engine_dismiss (fx->engine, id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dismissed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (dismissed, 0), ==, broken);
  row = ks_journal_find_file (fx->journal, record->id, "broken.jpg", &error);
  g_assert_cmpint (row->state, ==, KS_JOURNAL_FILE_SKIPPED);
  g_clear_pointer (&row, ks_journal_file_free);
  sync_wait_for (fx->engine, n_failed_is, fx->engine, GUINT_TO_POINTER (0), "no failure counted");
  /* Once only: it is no longer failed. */
  g_assert_false (ks_sync_engine_dismiss (fx->engine, id, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A rescan leaves it alone. */
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->failed->len, ==, 1);
  g_assert_cmpuint (engine_n_failed (fx->engine), ==, 0);

  /* Repaired: a change like any other, seen by the watcher, uploaded. */
  g_assert_cmpuint (fx->n_done, ==, 0);
  g_free (photo_write (broken, jpeg));
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (1), "the repaired photo");
  g_assert_cmpuint (fx->failed->len, ==, 1);
  row = ks_journal_find_file (fx->journal, record->id, "broken.jpg", &error);
  g_assert_cmpint (row->state, ==, KS_JOURNAL_FILE_DONE);
  g_clear_pointer (&row, ks_journal_file_free);

  /* Dropped, failed, dismissed: forgotten; dropped again, tried again. */
  drop_file (fx, note, NULL);
  sync_wait_for (fx->engine, (SyncDone) failed_reached, fx, GUINT_TO_POINTER (2), "the note to fail");
  drops = ks_journal_find_folder (fx->journal, "drop:", &error);
  g_assert_no_error (error);
  row = ks_journal_find_file (fx->journal, drops->id, note + 1, &error);
  g_assert_cmpint (row->state, ==, KS_JOURNAL_FILE_FAILED);
  g_assert_true (ks_sync_engine_dismiss (fx->engine, row->id, &error));
  g_assert_no_error (error);
  g_clear_pointer (&row, ks_journal_file_free);
  g_assert_cmpstr (g_ptr_array_index (dismissed, 1), ==, note);
  g_assert_null (ks_journal_find_file (fx->journal, drops->id, note + 1, &error));
  g_assert_no_error (error);
  sync_wait_for (fx->engine, n_failed_is, fx->engine, GUINT_TO_POINTER (0), "no failure counted");
  drop_file (fx, note, NULL);
  sync_wait_for (fx->engine, (SyncDone) failed_reached, fx, GUINT_TO_POINTER (3), "the note to fail again");
}

/* The id of the photo with these bytes the server lists (not deleted),
 * or NULL. */
static char *
server_photo_id (Fx         *fx,
                 const char *sha)
{
  g_autoptr (GHashTable) photos = photo_list_server (fx->client);
  KsPhoto *photo = g_hash_table_lookup (photos, sha);

  return photo != NULL ? g_strdup (photo->id) : NULL;
}

/* Waits for the @n_done-th file done, with no failure on the way. */
static void
wait_done (Fx         *fx,
           guint       n_done,
           const char *what)
{
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (n_done), what);
  g_assert_cmpuint (fx->failed->len, ==, 0);
}

static void
delete_photo (Fx         *fx,
              const char *photo_id)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsPhoto) deleted = NULL;

  ks_api_client_delete_photo_async (fx->client, photo_id, NULL, ks_test_store_result, &result);
  deleted = ks_api_client_delete_photo_finish (fx->client, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (deleted->deleted_at);
}

/* A photo in the server's trash: the same bytes turning up in a watched
 * folder leave it there (the user deleted it); a drop of the file, or of
 * a copy, restores it into the album it was dropped on; once the trash
 * has been emptied for good, a drop uploads it again. */
static void
test_trashed (Fx           *fx,
              gconstpointer data)
{
  KsTestServer    *server = ks_test_api_get_server (api);
  g_autofree char *loose = g_build_filename (fx->dir, "Loose", NULL);
  g_autofree char *original = g_build_filename (fx->folder, "original.jpg", NULL);
  g_autofree char *copy = g_build_filename (fx->folder, "copy.jpg", NULL);
  g_autofree char *loose_copy = g_build_filename (loose, "again.jpg", NULL);
  g_autofree char *sha = NULL;
  g_autofree char *purge = NULL;
  g_autofree char *again = NULL;
  g_autofree char *first_id = NULL;
  g_autoptr (GBytes) jpeg = photo_jpeg (640, 480, 1, 401);
  g_autoptr (KsAlbum) trips = NULL;
  g_autoptr (KsAlbum) dropped = NULL;

  g_assert_cmpint (g_mkdir (loose, 0700), ==, 0);
  sha = photo_write (original, jpeg);
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NAMED, "Trips");
  ks_sync_engine_start (fx->engine);
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->n_done, ==, 1);
  trips = only_album (fx, "Trips");
  first_id = server_photo_id (fx, sha);
  g_assert_nonnull (first_id);
  dropped = create_album (fx, "Dropped");

  /* A copy in the watched folder: known content, left in the trash. */
  delete_photo (fx, first_id);
  g_free (photo_write (copy, jpeg));
  wait_done (fx, 2, "the copy");
  g_assert_null (server_photo_id (fx, sha));
  g_assert_cmpuint (count_album_photos (fx, trips->id), ==, 0);

  /* The uploaded file dropped on an album: restored, and in it. */
  drop_file (fx, original, dropped->id);
  wait_done (fx, 3, "the drop");
  g_assert_cmpstr (again = server_photo_id (fx, sha), ==, first_id);
  g_clear_pointer (&again, g_free);
  g_assert_cmpuint (count_album_photos (fx, dropped->id), ==, 1);
  g_assert_cmpuint (count_album_photos (fx, trips->id), ==, 1);

  /* A copy the journal has never seen, dropped: the server knows it. */
  delete_photo (fx, first_id);
  g_free (photo_write (loose_copy, jpeg));
  drop_file (fx, loose_copy, NULL);
  wait_done (fx, 4, "the dropped copy");
  g_assert_cmpstr (again = server_photo_id (fx, sha), ==, first_id);
  g_clear_pointer (&again, g_free);

  /* Deleted long enough ago that the sweep removes it for good. */
  delete_photo (fx, first_id);
  purge = g_strdup_printf ("UPDATE photos SET deleted_at = deleted_at - 31 * 86400 WHERE id = '%s'", first_id);
  ks_test_api_sql (api, purge);
  ks_test_server_stop (server);
  ks_test_server_add_args (server, "--sweep-interval", "1", NULL);
  ks_test_server_restart (server);
  g_assert_true (ks_test_server_wait_for_log (server, "removed 0 photos never committed and 1 deleted", 10000));
  drop_file (fx, original, dropped->id);
  wait_done (fx, 5, "the drop after the purge");
  again = server_photo_id (fx, sha);
  g_assert_nonnull (again);
  g_assert_cmpstr (again, !=, first_id);
  g_assert_cmpuint (count_album_photos (fx, dropped->id), ==, 1);
}

/* Fills @path's file system with one file, and returns its path. */
static char *
fill_disk (const char *dir)
{
  char *path = g_build_filename (dir, "filler", NULL);
  int   fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  char  block[4096] = { 0 };

  g_assert_cmpint (fd, >=, 0);
  while (write (fd, block, sizeof block) > 0)
    ;
  g_assert_cmpint (errno, ==, ENOSPC);
  close (fd);
  return path;
}

static gboolean
waits_for_cache (gpointer      engine,
                 gconstpointer data)
{
  return ks_sync_engine_get_wait (engine) == KS_SYNC_WAIT_CACHE;
}

/* The disk the thumbnails go to is full: the photos wait, none failed
 * and no attempt counted, nothing tried over and over; a run to the end
 * says why it stopped. Once there is room they upload. @data "inodes":
 * full as in no inode left, so that not even a photo's thumbnail
 * directory can be made; otherwise no block left. */
static void
test_cache_full (Fx           *fx,
                 gconstpointer data)
{
  gboolean         inodes = g_strcmp0 (data, "inodes") == 0;
  g_autofree char *cache = g_build_filename (fx->dir, "cache", NULL);
  g_autofree char *filler = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) files = NULL;
  guint64 counts[KS_JOURNAL_N_FILE_STATES];

  g_assert_cmpint (g_mkdir (cache, 0700), ==, 0);
  /* The root and thumbs/ take the only two inodes. */
  if (mount ("keepsake-test", cache, "tmpfs", 0, inodes ? "size=512k,nr_inodes=2" : "size=512k") != 0)
    {
      g_autofree char *why = g_strdup_printf ("cannot mount a tmpfs here: %s", g_strerror (errno));

      g_test_skip (why);
      return;
    }
  if (inodes)
    {
      g_autofree char *thumbs = g_build_filename (cache, "thumbs", NULL);

      g_assert_cmpint (g_mkdir (thumbs, 0700), ==, 0);
    }
  else
    filler = fill_disk (cache);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("p%u.jpg", i);

      g_free (write_photo (fx, name, 300 + i));
    }
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NONE, NULL);
  ks_sync_engine_start (fx->engine);

  ks_sync_engine_sync_async (fx->engine, NULL, ks_test_store_result, &result);
  sync_wait_for (fx->engine, sync_result_arrived, NULL, &result, "the sync to stop");
  g_assert_false (ks_sync_engine_sync_finish (fx->engine, result, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_CACHE);
  g_assert_nonnull (strstr (error->message, "The disk is full"));
  g_clear_error (&error);
  g_assert_cmpint (ks_sync_engine_get_state (fx->engine), ==, KS_SYNC_STATE_OFFLINE);
  g_assert_true (waits_for_cache (fx->engine, NULL));

  /* Waiting, not trying each photo in turn until it fails for good. */
  spin (fx, 300);
  g_assert_cmpuint (fx->failed->len, ==, 0);
  g_assert_true (ks_journal_count_states (fx->journal, 0, counts, NULL));
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_FAILED], ==, 0);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_DONE], ==, 0);
  files = ks_journal_list_unfinished (fx->journal, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (files->len, ==, 3);
  for (guint i = 0; i < files->len; i++)
    g_assert_cmpint (((KsJournalFile *) files->pdata[i])->attempts, ==, 0);

  /* Room again: the next try finds it. */
  if (inodes)
    g_assert_cmpint (mount (NULL, cache, NULL, MS_REMOUNT, "size=512k,nr_inodes=100"), ==, 0);
  else
    g_assert_cmpint (g_unlink (filler), ==, 0);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (3), "the uploads");
  g_assert_cmpuint (fx->failed->len, ==, 0);
  g_assert_false (waits_for_cache (fx->engine, NULL));
  sync_wait_synced (fx->engine);

  ks_sync_engine_stop (fx->engine);
  g_assert_cmpint (umount (cache), ==, 0);
}

/* The journal cannot record that a photo is being read (as on a full
 * disk; here a trigger refuses it): the engine stops and says why, the
 * photo waits, nothing is marked failed. */
static void
test_journal_fails (Fx           *fx,
                    gconstpointer data)
{
  g_autofree char *journal_path = g_build_filename (fx->dir, "journal.db", NULL);
  const GError    *error;
  sqlite3         *db = NULL;
  guint64          counts[KS_JOURNAL_N_FILE_STATES];

  g_free (write_photo (fx, "a.jpg", 500));
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NONE, NULL);
  g_assert_cmpint (sqlite3_open (journal_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TRIGGER refuse_hashing BEFORE UPDATE OF state ON files"
                                 " WHEN NEW.state = 'hashing' BEGIN SELECT RAISE (ABORT, 'refused by the test'); END;",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  ks_sync_engine_start (fx->engine);
  sync_wait_for (fx->engine, sync_state_is, fx->engine, GINT_TO_POINTER (KS_SYNC_STATE_ERROR), "the engine to stop");
  error = ks_sync_engine_get_error (fx->engine);
  g_assert_error ((GError *) error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL);
  g_assert_nonnull (strstr (error->message, "refused by the test"));
  g_assert_cmpuint (fx->failed->len, ==, 0);
  g_assert_true (ks_journal_count_states (fx->journal, 0, counts, NULL));
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_NEW], ==, 1);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_FAILED], ==, 0);
}

/* The server goes away mid-sync: offline, then done once it is back. */
static void
test_offline (Fx           *fx,
              gconstpointer data)
{
  KsTestServer *server = ks_test_api_get_server (api);
  g_autoptr (GHashTable) local = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) photos = NULL;
  const guint n = 16;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("IMG_%04u.jpg", i);

      g_hash_table_add (local, write_photo (fx, name, 300 + i));
    }
  /* Slow enough to be caught in the middle. */
  ks_sync_engine_set_bandwidth_limit (fx->engine, 256 * 1024);
  ks_sync_engine_set_max_uploads (fx->engine, 1);
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_DEFAULT, NULL);
  ks_sync_engine_start (fx->engine);
  sync_wait_for (fx->engine, (SyncDone) n_done_reached, fx, GUINT_TO_POINTER (2), "the first uploads");
  g_assert_cmpuint (fx->n_done, <, n);

  ks_test_server_stop (server);
  sync_wait_for (fx->engine, sync_state_is, fx->engine, GINT_TO_POINTER (KS_SYNC_STATE_OFFLINE), "offline");
  g_assert_cmpuint (fx->failed->len, ==, 0);
  ks_sync_engine_set_bandwidth_limit (fx->engine, 0);
  ks_test_server_restart (server);

  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->failed->len, ==, 0);
  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, n);
  {
    GHashTableIter iter;
    gpointer       sha;

    g_hash_table_iter_init (&iter, local);
    while (g_hash_table_iter_next (&iter, &sha, NULL))
      g_assert_true (g_hash_table_contains (photos, sha));
  }
}

/* A big drop, given up on, then with the journal filling up halfway
 * through: what was written in the drop's earlier transactions stays,
 * every other file gets "file-failed" with the reason, and dropped
 * again once there is room, they go in. */
static void
test_drop_journal_full (Fx           *fx,
                        gconstpointer data)
{
  g_autofree char *loose = g_build_filename (fx->dir, "Big", NULL);
  g_autofree char *journal_path = g_build_filename (fx->dir, "journal.db", NULL);
  g_autoptr (GBytes) jpeg = photo_jpeg (64, 48, 1, 400);
  g_autolist (GFile) files = NULL;
  g_autolist (GFile) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsJournalFolder) record = NULL;
  guint64 counts[KS_JOURNAL_N_FILE_STATES] = { 0 };
  guint   n_files = 600, n_journaled;
  gint64  pages;

  g_assert_cmpint (g_mkdir (loose, 0700), ==, 0);
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/IMG_%05u_with_a_long_name_as_cameras_never_make.jpg", loose, i);
      g_autoptr (GByteArray) bytes = g_byte_array_new ();

      g_byte_array_append (bytes, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
      g_byte_array_append (bytes, (const guint8 *) &i, sizeof i);
      g_assert_true (g_file_set_contents (path, (const char *) bytes->data, bytes->len, NULL));
      files = g_list_prepend (files, g_file_new_for_path (path));
    }
  files = g_list_reverse (files);

  /* Given up on before it started: nothing written, nothing said. */
  {
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    g_autoptr (GAsyncResult) result = NULL;

    g_cancellable_cancel (cancellable);
    ks_sync_engine_upload_files_async (fx->engine, files, NULL, KS_SYNC_PRIORITY_USER, cancellable,
                                       ks_test_store_result, &result);
    g_assert_false (ks_sync_engine_upload_files_finish (fx->engine, ks_test_wait_result (&result), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_true (ks_journal_count_states (fx->journal, 0, counts, &error));
    g_assert_cmpuint (counts[KS_JOURNAL_FILE_NEW], ==, 0);
    g_assert_cmpuint (fx->failed->len, ==, 0);
  }

  /* Room for about half of them. */
  drop_file (fx, g_file_peek_path (files->data), NULL);
  pages = ks_test_sqlite_int (journal_path, "PRAGMA page_count");
  ks_journal_set_size_limit (fx->journal, (pages + 12) * 4096);
  g_assert_false (drop_files (fx, files->next, NULL, &error));
  g_assert_error (error, KS_SYNC_ERROR, KS_SYNC_ERROR_JOURNAL);
  g_assert_nonnull (strstr (error->message, "full"));
  g_clear_error (&error);

  record = ks_journal_find_folder (fx->journal, "drop:", &error);
  g_assert_nonnull (record);
  g_assert_true (ks_journal_count_states (fx->journal, record->id, counts, &error));
  n_journaled = (guint) counts[KS_JOURNAL_FILE_NEW];
  g_assert_cmpuint (n_journaled, >, 1);
  g_assert_cmpuint (n_journaled, <, n_files);
  g_assert_cmpuint (fx->failed->len, ==, n_files - n_journaled);
  g_assert_cmpstr (g_ptr_array_index (fx->failed, fx->failed->len - 1), ==,
                   "IMG_00599_with_a_long_name_as_cameras_never_make.jpg");

  ks_journal_set_size_limit (fx->journal, 0);
  for (GList *l = g_list_nth (files, n_journaled); l != NULL; l = l->next)
    again = g_list_prepend (again, g_object_ref (l->data));
  g_assert_true (drop_files (fx, again, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ks_journal_count_states (fx->journal, record->id, counts, &error));
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_NEW], ==, n_files);
}

static GPtrArray *
list_dropped (Fx *fx)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *dropped;

  ks_sync_engine_list_dropped_async (fx->engine, NULL, ks_test_store_result, &result);
  dropped = ks_sync_engine_list_dropped_finish (fx->engine, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (dropped);
  return dropped;
}

static gboolean
file_journaled (Fx           *fx,
                gconstpointer path)
{
  g_autoptr (KsJournalFolder) folder = ks_journal_find_folder (fx->journal, fx->folder, NULL);
  g_autoptr (KsJournalFile) row = folder != NULL ? ks_journal_find_file (fx->journal, folder->id, path, NULL) : NULL;

  return row != NULL;
}

/* What a restarted app shows as still on its way: the dropped files not
 * yet uploaded, by the path the signals give, with their album; not
 * what the background sync found, nor what is done. */
static void
test_drops_listed (Fx           *fx,
                   gconstpointer data)
{
  g_autofree char *loose = g_build_filename (fx->dir, "Loose", NULL);
  g_autofree char *a = g_build_filename (loose, "a.jpg", NULL);
  g_autofree char *watched = g_build_filename (fx->folder, "dropped.jpg", NULL);
  g_autoptr (GBytes) jpeg = photo_jpeg (320, 240, 1, 501);
  g_autoptr (GPtrArray) dropped = NULL;
  g_autoptr (KsAlbum) album = NULL;

  g_assert_cmpint (g_mkdir (loose, 0700), ==, 0);
  g_free (photo_write (a, jpeg));
  g_free (write_photo (fx, "background.jpg", 502));
  g_free (write_photo (fx, "dropped.jpg", 503));
  add_folder (fx, fx->folder, KS_SYNC_ALBUM_NONE, NULL);
  album = create_album (fx, "Dropped");

  ks_sync_engine_set_paused (fx->engine, TRUE);
  ks_sync_engine_start (fx->engine);
  /* Both, whatever order the directory lists them in. */
  sync_wait_for (fx->engine, (SyncDone) file_journaled, fx, "background.jpg", "the scan");
  sync_wait_for (fx->engine, (SyncDone) file_journaled, fx, "dropped.jpg", "the scan");
  dropped = list_dropped (fx);
  g_assert_cmpuint (dropped->len, ==, 0);
  g_clear_pointer (&dropped, g_ptr_array_unref);

  drop_file (fx, a, album->id);
  drop_file (fx, watched, NULL);
  dropped = list_dropped (fx);
  g_assert_cmpuint (dropped->len, ==, 2);
  for (guint i = 0; i < dropped->len; i++)
    {
      KsSyncDropped *file = g_ptr_array_index (dropped, i);

      /* The watched one was in the journal first: the scan found it. */
      g_assert_cmpstr (file->path, ==, i == 0 ? watched : a);
      g_assert_cmpstr (file->album_id, ==, i == 0 ? NULL : album->id);
    }
  g_clear_pointer (&dropped, g_ptr_array_unref);

  ks_sync_engine_set_paused (fx->engine, FALSE);
  sync_wait_synced (fx->engine);
  g_assert_cmpuint (fx->n_done, ==, 3);
  dropped = list_dropped (fx);
  g_assert_cmpuint (dropped->len, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  api = ks_test_api_new ();
  g_test_add ("/sync-engine/initial", Fx, NULL, fx_set_up, test_initial_sync, fx_tear_down);
  g_test_add ("/sync-engine/watch", Fx, NULL, fx_set_up, test_watch, fx_tear_down);
  g_test_add ("/sync-engine/edit-during-upload", Fx, NULL, fx_set_up_proxied, test_edit_during_upload, fx_tear_down);
  g_test_add ("/sync-engine/dedupe", Fx, NULL, fx_set_up, test_dedupe, fx_tear_down);
  g_test_add ("/sync-engine/offline", Fx, NULL, fx_set_up, test_offline, fx_tear_down);
  g_test_add ("/sync-engine/cache-full", Fx, NULL, fx_set_up, test_cache_full, fx_tear_down);
  g_test_add ("/sync-engine/cache-no-inodes", Fx, "inodes", fx_set_up, test_cache_full, fx_tear_down);
  g_test_add ("/sync-engine/journal-fails", Fx, NULL, fx_set_up, test_journal_fails, fx_tear_down);
  g_test_add ("/sync-engine/drops", Fx, NULL, fx_set_up, test_drops, fx_tear_down);
  g_test_add ("/sync-engine/drops-listed", Fx, NULL, fx_set_up, test_drops_listed, fx_tear_down);
  g_test_add ("/sync-engine/dismiss", Fx, NULL, fx_set_up, test_dismiss, fx_tear_down);
  g_test_add ("/sync-engine/drop-journal-full", Fx, NULL, fx_set_up, test_drop_journal_full, fx_tear_down);
  /* Last: it leaves the server sweeping every second. */
  g_test_add ("/sync-engine/trashed", Fx, NULL, fx_set_up, test_trashed, fx_tear_down);
  ret = g_test_run ();
  ks_test_api_free (api);
  return ret;
}
