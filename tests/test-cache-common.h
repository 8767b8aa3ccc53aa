/* test-cache-common.h: users with an album cache each, against the real
 * keepsake-server
 *
 * Shared by the test-cache*.c programs; the helpers are static and may go
 * unused in one of them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "ks-cache.h"
#include "ks-cloud-error.h"
#include "ks-feed-follower.h"
#include "ks-hash.h"
#include "ks-test-cloud.h"

/* Generous: loopback answers in milliseconds, ASan on two busy cores in
 * well under a second. */
#define WAIT_MS 10000

typedef struct
{
  KsTestApi   *api;
  SoupSession *soup;
  char        *root;
} Fixture;

/* One user at one machine: a cache, its follower, what it was told. */
typedef struct
{
  KsTestUser        *user;
  KsTestTokenSource *tokens;
  KsApiClient       *client;
  KsCache           *cache;
  KsFeedFollower    *follower;
  GPtrArray         *notes; /* KsFeedNotification */
  guint              n_synced;
  char              *dir;
} Client;

static G_GNUC_UNUSED void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  fx->api = ks_test_api_new ();
  fx->soup = soup_session_new ();
  fx->root = g_dir_make_tmp ("ks-test-cache-XXXXXX", NULL);
  g_assert_nonnull (fx->root);
}

static G_GNUC_UNUSED void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  ks_test_api_free (fx->api);
  g_object_unref (fx->soup);
  ks_test_remove_tree (fx->root);
  g_free (fx->root);
}

static G_GNUC_UNUSED char *
api_url (Fixture *fx)
{
  return g_strconcat (ks_test_server_get_base_url (ks_test_api_get_server (fx->api)), "/v1", NULL);
}

static G_GNUC_UNUSED gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

static G_GNUC_UNUSED gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @check (data) holds, at most @timeout_ms;
 * returns the milliseconds it took. A time out fails the test. */
typedef gboolean (*CheckFunc) (gpointer data);

static G_GNUC_UNUSED gint64
wait_until (CheckFunc   check,
            gpointer    data,
            guint       timeout_ms,
            const char *what)
{
  gint64   start = g_get_monotonic_time ();
  gboolean expired = FALSE;
  guint    id = g_timeout_add (timeout_ms, timeout_cb, &expired);
  /* The checks read the database, which can change without an event the
   * test hears about: look every 10 ms too. */
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!check (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (expired)
    g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
  g_source_remove (id);
  return (g_get_monotonic_time () - start) / 1000;
}

/* Runs the main loop for @ms. */
static G_GNUC_UNUSED void
spin (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, timeout_cb, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- the server side, as other users act ---- */

static G_GNUC_UNUSED char *
create_album (Fixture    *fx,
              KsTestUser *owner,
              const char *name)
{
  g_autofree char *body = g_strdup_printf ("{\"name\": \"%s\"}", name);
  g_autoptr (JsonNode) album = ks_test_api_expect (fx->api, owner->token, "POST", "/v1/albums", body, 201);

  return g_strdup (ks_test_json_get_string (album, "id"));
}

static G_GNUC_UNUSED void
share_album (Fixture    *fx,
             KsTestUser *owner,
             const char *album_id,
             KsTestUser *with,
             const char *role)
{
  g_autofree char *path = g_strdup_printf ("/v1/albums/%s/members", album_id);
  g_autofree char *body = g_strdup_printf ("{\"username\": \"%s\", \"role\": \"%s\"}", with->username, role);
  g_autoptr (JsonNode) member = ks_test_api_expect (fx->api, owner->token, "POST", path, body, 201);
}

static G_GNUC_UNUSED void
add_photos (Fixture           *fx,
            KsTestUser        *user,
            const char        *album_id,
            const char *const *photo_ids)
{
  g_autofree char *path = g_strdup_printf ("/v1/albums/%s/photos", album_id);
  g_autoptr (GString) body = g_string_new ("{\"photo_ids\": [");
  g_autoptr (JsonNode) reply = NULL;

  for (guint i = 0; photo_ids[i] != NULL; i++)
    g_string_append_printf (body, "%s\"%s\"", i > 0 ? ", " : "", photo_ids[i]);
  g_string_append (body, "]}");
  reply = ks_test_api_expect (fx->api, user->token, "POST", path, body->str, 200);
}

/* Uploads a photo (seeded by @seed) and adds it to @album_id. */
static G_GNUC_UNUSED char *
add_new_photo (Fixture    *fx,
               KsTestUser *user,
               const char *album_id,
               const char *seed)
{
  char *id = ks_test_api_upload_photo (fx->api, user, seed);

  add_photos (fx, user, album_id, (const char *const[]){ id, NULL });
  return id;
}

static G_GNUC_UNUSED void
api_call_204 (Fixture    *fx,
              KsTestUser *user,
              const char *method,
              const char *path)
{
  g_autoptr (JsonNode) reply = ks_test_api_expect (fx->api, user->token, method, path, NULL, 204);
}

/* What ks_test_api_upload_photo () sent as the @kind file of @seed. */
static G_GNUC_UNUSED GBytes *
expected_bytes (const char     *seed,
                KsCacheFileKind kind)
{
  g_autofree char *sub = g_strconcat (seed, "/", ks_cache_file_kind_to_string (kind), NULL);

  switch (kind)
    {
    case KS_CACHE_FILE_GRID:
      return ks_test_api_photo_bytes (sub, 300);
    case KS_CACHE_FILE_PREVIEW:
      return ks_test_api_photo_bytes (sub, 1000);
    case KS_CACHE_FILE_ORIGINAL:
    default:
      return ks_test_api_photo_bytes (seed, 3000 + strlen (seed));
    }
}

/* ---- clients ---- */

static G_GNUC_UNUSED void
note_cb (KsFeedFollower     *follower,
         KsFeedNotification *note,
         gpointer            user_data)
{
  Client *client = user_data;

  g_ptr_array_add (client->notes, ks_feed_notification_copy (note));
}

static G_GNUC_UNUSED void
synced_cb (KsFeedFollower *follower,
           gint64          cursor,
           gpointer        user_data)
{
  Client *client = user_data;

  client->n_synced++;
}

static G_GNUC_UNUSED KsCache *
open_cache_at (Fixture     *fx,
               const char  *dir,
               const char  *username,
               KsApiClient *client)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  KsCache *cache;

  ks_cache_open_async (dir, username, client, client != NULL ? fx->soup : NULL, NULL, ks_test_store_result,
                       &result);
  cache = ks_cache_open_finish (ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  return cache;
}

/* @name: the cache's directory under the fixture's root. */
static G_GNUC_UNUSED Client *
client_new (Fixture    *fx,
            KsTestUser *user,
            const char *name)
{
  Client          *client = g_new0 (Client, 1);
  g_autofree char *url = api_url (fx);

  client->user = user;
  client->dir = g_build_filename (fx->root, name, NULL);
  client->tokens = ks_test_token_source_new (fx->api, user, 3600);
  client->client = ks_api_client_new (fx->soup, url, KS_TOKEN_SOURCE (client->tokens));
  /* A server that went away is news at once, not after five tries. */
  ks_api_client_set_retry_policy (client->client, 1, 50, 100);
  client->cache = open_cache_at (fx, client->dir, user->username, client->client);
  client->follower = ks_feed_follower_new (client->cache);
  ks_feed_follower_set_backoff (client->follower, 100, 1000);
  ks_feed_follower_set_coalesce_window (client->follower, 300);
  client->notes = g_ptr_array_new_with_free_func ((GDestroyNotify) ks_feed_notification_free);
  g_signal_connect (client->follower, "notification", G_CALLBACK (note_cb), client);
  g_signal_connect (client->follower, "synced", G_CALLBACK (synced_cb), client);
  return client;
}

static G_GNUC_UNUSED void
client_free (Client *client)
{
  if (client->follower != NULL)
    ks_feed_follower_stop (client->follower);
  g_clear_object (&client->follower);
  if (client->cache != NULL)
    ks_cache_stop (client->cache);
  /* Cancelled requests and threads still hold the cache: let them end. */
  spin (50);
  g_clear_object (&client->cache);
  g_object_unref (client->client);
  g_object_unref (client->tokens);
  g_ptr_array_unref (client->notes);
  g_free (client->dir);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

/* Regular files under @path, however deep; files may vanish meanwhile. */
static G_GNUC_UNUSED guint
count_files (const char *path)
{
  g_autoptr (GDir) handle = g_dir_open (path, 0, NULL);
  const char *name;
  guint       n = 0;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        n += count_files (child);
      else if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
        n++;
    }
  return n;
}

/* ---- what a cache holds ---- */

typedef struct
{
  Client     *client;
  const char *album_id;
  const char *photo_id;
  const char *name;
  guint       n;
} Expect;

static G_GNUC_UNUSED KsCachedPhoto *
find_photo (Client     *client,
            const char *album_id,
            const char *photo_id)
{
  g_autoptr (GPtrArray) photos = ks_cache_list_photos (client->cache, album_id, NULL);

  for (guint i = 0; photos != NULL && i < photos->len; i++)
    {
      KsCachedPhoto *photo = g_ptr_array_index (photos, i);

      if (g_str_equal (photo->id, photo_id))
        return g_ptr_array_steal_index (photos, i);
    }
  return NULL;
}

/* The photo's rows and both thumbnails are there. */
static G_GNUC_UNUSED gboolean
has_photo_cb (gpointer data)
{
  Expect *expect = data;
  g_autoptr (KsCachedPhoto) photo = find_photo (expect->client, expect->album_id, expect->photo_id);

  return photo != NULL && photo->has_grid && photo->has_preview;
}

static G_GNUC_UNUSED gboolean file_exists (Client         *client,
                                           const char     *photo_id,
                                           KsCacheFileKind kind);

/* Rows go first, files right after the commit: wait for both. */
static G_GNUC_UNUSED gboolean
lacks_photo_cb (gpointer data)
{
  Expect *expect = data;
  g_autoptr (KsCachedPhoto) photo = find_photo (expect->client, expect->album_id, expect->photo_id);
  g_autoptr (KsCachedPhoto) anywhere = NULL;
  g_autoptr (GPtrArray) albums = ks_cache_list_albums (expect->client->cache, FALSE, NULL);

  if (photo != NULL)
    return FALSE;
  for (guint i = 0; albums != NULL && i < albums->len && anywhere == NULL; i++)
    anywhere = find_photo (expect->client, ((KsCachedAlbum *) albums->pdata[i])->id, expect->photo_id);
  return anywhere != NULL || (!file_exists (expect->client, expect->photo_id, KS_CACHE_FILE_GRID) &&
                              !file_exists (expect->client, expect->photo_id, KS_CACHE_FILE_PREVIEW));
}

static G_GNUC_UNUSED gboolean
has_album_cb (gpointer data)
{
  Expect *expect = data;
  g_autoptr (KsCachedAlbum) album = ks_cache_get_album (expect->client->cache, expect->album_id, NULL);

  return album != NULL && (expect->name == NULL || g_str_equal (album->name, expect->name));
}

/* The album's rows, and the files of photos no other album holds. */
static G_GNUC_UNUSED gboolean
lacks_album_cb (gpointer data)
{
  Expect *expect = data;
  g_autoptr (KsCachedAlbum) album = ks_cache_get_album (expect->client->cache, expect->album_id, NULL);
  KsCacheStatus    status = ks_cache_get_status (expect->client->cache);
  g_autofree char *files = g_build_filename (expect->client->dir, "files", NULL);

  return album == NULL && count_files (files) == status.n_files;
}

static G_GNUC_UNUSED gboolean
offline_cb (gpointer data)
{
  Expect *expect = data;

  return ks_cache_get_offline (expect->client->cache) == (expect->n != 0);
}

/* The follower applied a page (the first sync is done). */
static G_GNUC_UNUSED gboolean
synced_once_cb (gpointer data)
{
  Expect *expect = data;

  return expect->client->n_synced >= 1;
}

static G_GNUC_UNUSED gboolean
n_notes_cb (gpointer data)
{
  Expect *expect = data;

  return expect->client->notes->len >= expect->n;
}

/* Every file the database knows is on disk. */
static G_GNUC_UNUSED gboolean
files_complete_cb (gpointer data)
{
  Expect       *expect = data;
  KsCacheStatus status = ks_cache_get_status (expect->client->cache);

  return status.n_files == expect->n;
}

/* The file of @kind, opened through the cache (verified). */
static G_GNUC_UNUSED GBytes *
cache_read (Client         *client,
            const char     *photo_id,
            KsCacheFileKind kind,
            GError        **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GFile) file = NULL;

  ks_cache_get_file_async (client->cache, photo_id, kind, NULL, ks_test_store_result, &result);
  file = ks_cache_get_file_finish (client->cache, ks_test_wait_result (&result), error);
  if (file == NULL)
    return NULL;
  return g_file_load_bytes (file, NULL, NULL, error);
}

static G_GNUC_UNUSED void
assert_file (Client         *client,
             const char     *photo_id,
             const char     *seed,
             KsCacheFileKind kind)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = cache_read (client, photo_id, kind, &error);
  g_autoptr (GBytes) expected = expected_bytes (seed, kind);

  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bytes, expected));
}

static G_GNUC_UNUSED gboolean
file_exists (Client         *client,
             const char     *photo_id,
             KsCacheFileKind kind)
{
  g_autoptr (GFile) file = ks_cache_dup_file_path (client->cache, photo_id, kind);

  return g_file_query_exists (file, NULL);
}

/* ---- comparing two caches ---- */

static G_GNUC_UNUSED int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static G_GNUC_UNUSED void
append_files (GString    *out,
              const char *dir,
              const char *relative)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  g_autoptr (GDir) handle = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (relative, g_ptr_array_index (names, i), NULL);
      g_autofree char *full = g_build_filename (dir, child, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *sha = NULL;
      gsize            len = 0;

      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          append_files (out, dir, child);
          continue;
        }
      g_assert_true (g_file_get_contents (full, &contents, &len, NULL));
      sha = ks_sha256_hex (contents, len);
      g_string_append_printf (out, "file %s %s\n", child, sha);
    }
}

/* The tables that matter and the files, as text: two caches of the same
 * user that followed the same server must give the same. */
static G_GNUC_UNUSED char *
dump_cache (const char *dir)
{
  static const char *const queries[] = {
    "SELECT 'meta', key, value FROM meta WHERE key IN ('cursor', 'username') ORDER BY key",
    "SELECT 'album', id, name, owner, role, photo_count, pinned, keep_originals FROM albums ORDER BY id",
    "SELECT 'member', album_id, username, role, position FROM members ORDER BY album_id, username",
    "SELECT 'photo', id, owner, content_type, width, height, taken_at, sha256, size, file_name "
    "FROM photos ORDER BY id",
    "SELECT 'in', album_id, photo_id, added_by, added_at, position FROM album_photos ORDER BY album_id, photo_id",
    "SELECT 'blob', photo_id, kind, sha256, size, state FROM blobs ORDER BY photo_id, kind",
  };
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  GString         *out = g_string_new (NULL);
  sqlite3         *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, queries[q], -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            g_string_append_printf (out, "%s%s", c > 0 ? "|" : "", (const char *) sqlite3_column_text (stmt, c));
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  append_files (out, dir, "files");
  return g_string_free (out, FALSE);
}

static G_GNUC_UNUSED gint64
db_count (const char *dir,
          const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  sqlite3         *db = NULL;
  sqlite3_stmt    *stmt = NULL;
  gint64           value = -1;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);
      if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
        value = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
    }
  sqlite3_close (db);
  return value;
}
