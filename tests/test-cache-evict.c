/* test-cache-evict.c: the budget, pins, originals kept offline, damaged
 * files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "ks-test-util.h"
#include "test-cache-common.h"

/* grid (300 bytes) + preview (1000 bytes) of ks_test_api_upload_photo */
#define PHOTO_FILES 1300

typedef struct
{
  char *id;
  char *seed;
} Photo;

static Photo *
add_many (Fixture    *fx,
          KsTestUser *user,
          const char *album,
          const char *prefix,
          guint       n)
{
  Photo *photos = g_new0 (Photo, n);

  for (guint i = 0; i < n; i++)
    {
      photos[i].seed = g_strdup_printf ("%s-%u", prefix, i);
      photos[i].id = add_new_photo (fx, user, album, photos[i].seed);
    }
  return photos;
}

static void
photos_free (Photo *photos,
             guint  n)
{
  for (guint i = 0; i < n; i++)
    {
      g_free (photos[i].id);
      g_free (photos[i].seed);
    }
  g_free (photos);
}

static void
evict_now (Client *client,
           gint64  budget)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  ks_cache_set_budget (client->cache, budget);
  ks_cache_evict_async (client->cache, NULL, ks_test_store_result, &result);
  ks_cache_evict_finish (client->cache, ks_test_wait_result (&result), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ks_cache_get_budget (client->cache), ==, budget);
}

static gboolean
cached (Client     *client,
        const char *album,
        Photo      *photo)
{
  g_autoptr (KsCachedPhoto) row = find_photo (client, album, photo->id);

  g_assert_nonnull (row); /* eviction keeps the rows */
  g_assert_cmpint (row->has_grid, ==, file_exists (client, photo->id, KS_CACHE_FILE_GRID));
  return row->has_grid && row->has_preview;
}

static void
test_evict (Fixture      *fx,
            gconstpointer data)
{
  KsTestUser *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser *bob = ks_test_api_user (fx->api, "bob");
  g_autoptr (Client) client = client_new (fx, bob, "bob");
  g_autofree char *pinned = create_album (fx, alice, "Pinned");
  g_autofree char *other = create_album (fx, alice, "Other");
  Photo           *p, *o;
  Expect           expect = { client, NULL, NULL, NULL, 14 };
  g_autoptr (GError) error = NULL;
  KsCacheStatus status;

  share_album (fx, alice, pinned, bob, "viewer");
  share_album (fx, alice, other, bob, "viewer");
  p = add_many (fx, alice, pinned, "pinned", 3);
  o = add_many (fx, alice, other, "other", 4);
  ks_feed_follower_start (client->follower);
  wait_until (files_complete_cb, &expect, WAIT_MS, "every thumbnail");
  g_assert_true (ks_cache_set_pinned (client->cache, pinned, TRUE, FALSE, &error));
  g_assert_no_error (error);

  /* Viewed in the order o0 o1 o2 o3 o0: o1 is the least recent. */
  for (guint i = 0; i < 5; i++)
    {
      g_usleep (2000);
      g_assert_true (ks_cache_mark_viewed (client->cache, o[i % 4].id, &error));
    }

  status = ks_cache_get_status (client->cache);
  g_assert_cmpint (status.used, ==, 7 * PHOTO_FILES);
  evict_now (client, status.used - 2 * PHOTO_FILES);
  g_assert_false (cached (client, other, &o[1]));
  g_assert_false (cached (client, other, &o[2]));
  g_assert_true (cached (client, other, &o[3]));
  g_assert_true (cached (client, other, &o[0]));
  for (guint i = 0; i < 3; i++)
    g_assert_true (cached (client, pinned, &p[i]));
  g_assert_cmpint (ks_cache_get_status (client->cache).used, ==, 5 * PHOTO_FILES);

  /* A budget nothing fits in: the pinned album stays anyway. */
  evict_now (client, 1);
  for (guint i = 0; i < 4; i++)
    g_assert_false (cached (client, other, &o[i]));
  for (guint i = 0; i < 3; i++)
    g_assert_true (cached (client, pinned, &p[i]));
  g_assert_cmpint (ks_cache_get_status (client->cache).used, ==, 3 * PHOTO_FILES);

  /* Evicted is not lost: opening fetches it again. */
  evict_now (client, KS_CACHE_DEFAULT_BUDGET);
  assert_file (client, o[1].id, o[1].seed, KS_CACHE_FILE_GRID);
  g_assert_true (file_exists (client, o[1].id, KS_CACHE_FILE_GRID));

  /* Unpinned, the album goes like the others. */
  g_assert_true (ks_cache_set_pinned (client->cache, pinned, FALSE, FALSE, &error));
  evict_now (client, 1);
  for (guint i = 0; i < 3; i++)
    g_assert_false (cached (client, pinned, &p[i]));

  /* Pinned with originals: everything comes back, originals too, and
   * stays readable with the server gone. */
  evict_now (client, KS_CACHE_DEFAULT_BUDGET);
  g_assert_true (ks_cache_set_pinned (client->cache, other, TRUE, TRUE, &error));
  expect.n = 4 * 3;
  wait_until (files_complete_cb, &expect, WAIT_MS, "the originals of the pinned album");
  ks_feed_follower_stop (client->follower);
  ks_test_server_stop (ks_test_api_get_server (fx->api));
  for (guint i = 0; i < 4; i++)
    {
      assert_file (client, o[i].id, o[i].seed, KS_CACHE_FILE_ORIGINAL);
      assert_file (client, o[i].id, o[i].seed, KS_CACHE_FILE_PREVIEW);
    }

  photos_free (p, 3);
  photos_free (o, 4);
}

static void
write_file (GFile      *file,
            const char *contents,
            gssize      len)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (g_file_peek_path (file), contents, len, &error);
  g_assert_no_error (error);
}

static void
test_corrupt (Fixture      *fx,
              gconstpointer data)
{
  KsTestUser *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser *bob = ks_test_api_user (fx->api, "bob");
  g_autoptr (Client) client = client_new (fx, bob, "bob");
  g_autofree char *album = create_album (fx, alice, "Fragile");
  g_autofree char *junk = NULL;
  g_autofree char *junk_dir = NULL;
  g_autofree char *stray = NULL;
  Expect           expect = { client, NULL, NULL, NULL, 4 };
  Photo           *p;
  g_autoptr (GError) error = NULL;

  share_album (fx, alice, album, bob, "viewer");
  p = add_many (fx, alice, album, "fragile", 2);
  ks_feed_follower_start (client->follower);
  wait_until (files_complete_cb, &expect, WAIT_MS, "the thumbnails");

  /* Same size, other bytes; then a truncated file. */
  {
    g_autoptr (GFile) grid = ks_cache_dup_file_path (client->cache, p[0].id, KS_CACHE_FILE_GRID);
    g_autoptr (GFile) preview = ks_cache_dup_file_path (client->cache, p[1].id, KS_CACHE_FILE_PREVIEW);
    char garbage[300];

    memset (garbage, 'x', sizeof garbage);
    write_file (grid, garbage, sizeof garbage);
    write_file (preview, "short", -1);
  }
  assert_file (client, p[0].id, p[0].seed, KS_CACHE_FILE_GRID);
  assert_file (client, p[1].id, p[1].seed, KS_CACHE_FILE_PREVIEW);

  /* Files the database does not know go at the next open. */
  junk = g_build_filename (client->dir, "files", "zz", "junk.grid", NULL);
  stray = g_build_filename (client->dir, "files", "zz", ".gone.preview.ks-partial", NULL);
  junk_dir = g_path_get_dirname (junk);
  g_assert_cmpint (g_mkdir_with_parents (junk_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (junk, "junk", -1, NULL));
  g_assert_true (g_file_set_contents (stray, "stray", -1, NULL));
  g_clear_pointer (&client, client_free);
  client = client_new (fx, bob, "bob");
  g_assert_false (g_file_test (junk, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (ks_cache_get_status (client->cache).n_files, ==, 4);

  /* A damaged database: started afresh, the files it listed swept away,
   * and the album fetched again. */
  {
    g_autofree char *db = g_build_filename (client->dir, "cache.db", NULL);
    g_autoptr (GFile) grid = ks_cache_dup_file_path (client->cache, p[0].id, KS_CACHE_FILE_GRID);

    g_clear_pointer (&client, client_free);
    ks_test_sqlite_damage (db, "photos");
    g_assert_true (g_file_query_exists (grid, NULL));

    client = client_new (fx, bob, "bob");
    expect.client = client;
    g_assert_cmpuint (ks_cache_get_status (client->cache).n_files, ==, 0);
    g_assert_false (g_file_query_exists (grid, NULL));
    ks_feed_follower_start (client->follower);
    wait_until (files_complete_cb, &expect, WAIT_MS, "the thumbnails fetched again");
  }

  /* Offline, a damaged file is removed and refused, never shown. */
  ks_test_server_stop (ks_test_api_get_server (fx->api));
  {
    g_autoptr (GFile) grid = ks_cache_dup_file_path (client->cache, p[1].id, KS_CACHE_FILE_GRID);
    g_autoptr (GBytes) bytes = NULL;
    char garbage[300];

    memset (garbage, 'y', sizeof garbage);
    write_file (grid, garbage, sizeof garbage);
    bytes = cache_read (client, p[1].id, KS_CACHE_FILE_GRID, &error);
    g_assert_null (bytes);
    g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK);
    g_assert_false (g_file_query_exists (grid, NULL));
  }
  {
    g_autoptr (KsCachedPhoto) row = find_photo (client, album, p[1].id);

    g_assert_false (row->has_grid);
    g_assert_true (row->has_preview);
  }
  assert_file (client, p[0].id, p[0].seed, KS_CACHE_FILE_GRID);
  photos_free (p, 2);
}

static gboolean
any_file_cb (gpointer data)
{
  Expect *expect = data;

  return ks_cache_get_status (expect->client->cache).n_files > 0;
}

/* Background downloads hold the cache; stopped, it goes at once, and
 * nothing more comes down. */
static void
test_stop (Fixture      *fx,
           gconstpointer data)
{
  KsTestUser *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser *bob = ks_test_api_user (fx->api, "bob");
  g_autoptr (Client) client = client_new (fx, bob, "bob");
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (2 * PHOTO_FILES);
  g_autofree char *album = create_album (fx, alice, "Slow");
  g_autofree char *files = g_build_filename (client->dir, "files", NULL);
  Expect           expect = { client, NULL, NULL, NULL, 0 };
  gpointer         cache = client->cache;
  gpointer         follower = client->follower;
  Photo           *p;
  guint            n_files;

  share_album (fx, alice, album, bob, "viewer");
  p = add_many (fx, alice, album, "slow", 12);
  /* 24 files at about four a second, two at a time. */
  ks_cache_set_rate_limiter (client->cache, limiter);
  ks_cache_set_download_concurrency (client->cache, 2);
  ks_feed_follower_start (client->follower);
  wait_until (any_file_cb, &expect, WAIT_MS, "the first file");

  /* The follower goes first: the downloads hold the last references. */
  ks_feed_follower_stop (client->follower);
  g_object_add_weak_pointer (G_OBJECT (client->follower), &follower);
  g_clear_object (&client->follower);
  for (guint i = 0; i < 100 && follower != NULL; i++)
    spin (20);
  g_assert_null (follower);
  ks_cache_stop (client->cache);
  g_object_add_weak_pointer (G_OBJECT (cache), &cache);
  g_clear_object (&client->cache);
  for (guint i = 0; i < 100 && cache != NULL; i++)
    spin (20);
  g_assert_null (cache);

  n_files = count_files (files);
  g_assert_cmpuint (n_files, >, 0);
  g_assert_cmpuint (n_files, <, 24);
  spin (500);
  g_assert_cmpuint (count_files (files), ==, n_files);

  /* Opened again, it fetches the rest. */
  client->cache = open_cache_at (fx, client->dir, bob->username, client->client);
  client->follower = ks_feed_follower_new (client->cache);
  ks_feed_follower_start (client->follower);
  expect.n = 24;
  wait_until (files_complete_cb, &expect, WAIT_MS, "the rest of the thumbnails");
  for (guint i = 0; i < 12; i++)
    assert_file (client, p[i].id, p[i].seed, KS_CACHE_FILE_GRID);
  photos_free (p, 12);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cache/evict", Fixture, NULL, fixture_setup, test_evict, fixture_teardown);
  g_test_add ("/cache/corrupt", Fixture, NULL, fixture_setup, test_corrupt, fixture_teardown);
  g_test_add ("/cache/stop", Fixture, NULL, fixture_setup, test_stop, fixture_teardown);
  return g_test_run ();
}
