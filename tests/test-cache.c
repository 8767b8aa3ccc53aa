/* test-cache.c: friends' albums reach the cache live, stay offline and
 * leave when access goes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "test-cache-common.h"

#define N_LIVE 3

static void
test_share_live_offline (Fixture      *fx,
                         gconstpointer data)
{
  KsTestUser *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser *bob = ks_test_api_user (fx->api, "bob");
  g_autoptr (Client) client = client_new (fx, bob, "bob");
  g_autofree char *album = create_album (fx, alice, "Holidays");
  g_autofree char *album_path = g_strdup_printf ("/v1/albums/%s", album);
  char            *ids[N_LIVE + 1] = { NULL };
  char            *seeds[N_LIVE + 1] = { NULL };
  Expect           expect = { client, album, NULL, NULL, 0 };
  g_autoptr (GPtrArray) members = NULL;
  g_autoptr (GPtrArray) albums = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (KsCachedAlbum) cached = NULL;
  g_autoptr (GError) error = NULL;
  gint64 before_stop, worst = 0;

  ks_feed_follower_start (client->follower);
  share_album (fx, alice, album, bob, "viewer");
  wait_until (has_album_cb, &expect, WAIT_MS, "the shared album");

  /* Each addition reaches bob's cache, thumbnails included, on its own. */
  for (guint i = 0; i < N_LIVE; i++)
    {
      gint64 ms;

      seeds[i] = g_strdup_printf ("live-%u", i);
      ids[i] = add_new_photo (fx, alice, album, seeds[i]);
      expect.photo_id = ids[i];
      ms = wait_until (has_photo_cb, &expect, WAIT_MS, "alice's new photo in bob's cache");
      g_test_message ("photo %u: in bob's cache with its thumbnails %" G_GINT64_FORMAT " ms after the commit", i, ms);
      worst = MAX (worst, ms);
    }
  g_assert_cmpint (worst, <, WAIT_MS);

  cached = ks_cache_get_album (client->cache, album, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cached->owner, ==, "alice");
  g_assert_cmpstr (cached->role, ==, "viewer");
  g_assert_cmpint (cached->photo_count, ==, N_LIVE);
  members = ks_cache_list_members (client->cache, album, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 2);
  g_assert_cmpstr (((KsCachedMember *) members->pdata[0])->username, ==, "alice");
  g_assert_cmpstr (((KsCachedMember *) members->pdata[0])->role, ==, "owner");
  g_assert_cmpstr (((KsCachedMember *) members->pdata[1])->role, ==, "viewer");

  /* Renames and role changes show up. */
  {
    g_autofree char *path = g_strdup_printf ("/v1/albums/%s/members/bob", album);
    g_autoptr (JsonNode) renamed = ks_test_api_expect (fx->api, alice->token, "PATCH", album_path,
                                                       "{\"name\": \"Summer\"}", 200);
    g_autoptr (JsonNode) promoted = ks_test_api_expect (fx->api, alice->token, "PATCH", path,
                                                        "{\"role\": \"contributor\"}", 200);
    g_autoptr (KsCachedAlbum) now = NULL;

    expect.name = "Summer";
    wait_until (has_album_cb, &expect, WAIT_MS, "the new name");
    expect.name = NULL;
    for (gint64 end = g_get_monotonic_time () + WAIT_MS * 1000; g_get_monotonic_time () < end;)
      {
        g_clear_pointer (&now, ks_cached_album_free);
        now = ks_cache_get_album (client->cache, album, NULL);
        if (g_str_equal (now->role, "contributor"))
          break;
        spin (10);
      }
    g_assert_cmpstr (now->role, ==, "contributor");
  }

  /* The server goes away: everything cached is still there. */
  before_stop = g_get_real_time ();
  ks_test_server_stop (ks_test_api_get_server (fx->api));
  expect.n = 1;
  wait_until (offline_cb, &expect, WAIT_MS, "the cache to say it is offline");
  g_assert_cmpint (ks_cache_get_offline_since (client->cache), >=, before_stop);
  g_assert_cmpint (ks_cache_get_offline_since (client->cache), <=, g_get_real_time ());

  albums = ks_cache_list_albums (client->cache, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (albums->len, ==, 1);
  g_assert_cmpstr (((KsCachedAlbum *) albums->pdata[0])->name, ==, "Summer");
  photos = ks_cache_list_photos (client->cache, album, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (photos->len, ==, N_LIVE);
  g_assert_cmpstr (((KsCachedPhoto *) photos->pdata[0])->id, ==, ids[N_LIVE - 1]); /* newest first */
  for (guint i = 0; i < N_LIVE; i++)
    {
      assert_file (client, ids[i], seeds[i], KS_CACHE_FILE_GRID);
      assert_file (client, ids[i], seeds[i], KS_CACHE_FILE_PREVIEW);
    }
  {
    /* Not pinned: the original was never fetched, and cannot be now. */
    g_autoptr (GBytes) original = cache_read (client, ids[0], KS_CACHE_FILE_ORIGINAL, &error);

    g_assert_null (original);
    g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NETWORK);
    g_clear_error (&error);
  }

  /* Back: the follower notices by itself. */
  ks_test_server_restart (ks_test_api_get_server (fx->api));
  expect.n = 0;
  wait_until (offline_cb, &expect, WAIT_MS, "the cache to be online again");
  g_assert_cmpint (ks_cache_get_offline_since (client->cache), ==, 0);

  /* A removed photo leaves: rows and files. */
  {
    g_autofree char *path = g_strdup_printf ("/v1/albums/%s/photos/%s", album, ids[0]);

    api_call_204 (fx, alice, "DELETE", path);
    expect.photo_id = ids[0];
    wait_until (lacks_photo_cb, &expect, WAIT_MS, "the removed photo to leave");
    g_assert_false (file_exists (client, ids[0], KS_CACHE_FILE_GRID));
    g_assert_false (file_exists (client, ids[0], KS_CACHE_FILE_PREVIEW));
    g_assert_true (file_exists (client, ids[1], KS_CACHE_FILE_GRID));
  }

  /* Access revoked: nothing of the album stays. */
  {
    g_autofree char *path = g_strdup_printf ("/v1/albums/%s/members/bob", album);
    KsCacheStatus    status;
    g_autofree char *dump = NULL;

    api_call_204 (fx, alice, "DELETE", path);
    wait_until (lacks_album_cb, &expect, WAIT_MS, "the album to leave bob's cache");
    status = ks_cache_get_status (client->cache);
    g_assert_cmpuint (status.n_photos, ==, 0);
    g_assert_cmpuint (status.n_files, ==, 0);
    g_assert_cmpint (status.used, ==, 0);
    for (guint i = 1; i < N_LIVE; i++)
      g_assert_false (file_exists (client, ids[i], KS_CACHE_FILE_GRID));
    dump = dump_cache (client->dir);
    g_assert_null (strstr (dump, "file "));
  }

  for (guint i = 0; i < N_LIVE; i++)
    {
      g_free (ids[i]);
      g_free (seeds[i]);
    }
}

/* A contributor's photos reach the owner and the other members; a photo
 * two albums hold stays while one of them does. */
static void
test_contributor (Fixture      *fx,
                  gconstpointer data)
{
  KsTestUser *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser *bob = ks_test_api_user (fx->api, "bob");
  KsTestUser *carol = ks_test_api_user (fx->api, "carol");
  g_autoptr (Client) at_alice = client_new (fx, alice, "alice");
  g_autoptr (Client) at_carol = client_new (fx, carol, "carol");
  g_autofree char *trip = create_album (fx, alice, "Trip");
  g_autofree char *best = create_album (fx, alice, "Best of");
  g_autofree char *by_bob = NULL;
  g_autofree char *both = NULL;
  Expect           expect = { NULL, NULL, NULL, NULL, 0 };

  share_album (fx, alice, trip, bob, "contributor");
  share_album (fx, alice, trip, carol, "viewer");
  share_album (fx, alice, best, carol, "viewer");
  ks_feed_follower_start (at_alice->follower);
  ks_feed_follower_start (at_carol->follower);

  by_bob = add_new_photo (fx, bob, trip, "bob-1");
  expect = (Expect){ at_alice, trip, by_bob, NULL, 0 };
  wait_until (has_photo_cb, &expect, WAIT_MS, "bob's photo at alice's");
  expect.client = at_carol;
  wait_until (has_photo_cb, &expect, WAIT_MS, "bob's photo at carol's");
  assert_file (at_carol, by_bob, "bob-1", KS_CACHE_FILE_PREVIEW);
  {
    g_autoptr (KsCachedPhoto) photo = find_photo (at_carol, trip, by_bob);

    g_assert_cmpstr (photo->owner, ==, "bob");
    g_assert_cmpstr (photo->added_by, ==, "bob");
  }

  /* In two albums: removing it from one keeps it (and its files). */
  both = add_new_photo (fx, alice, trip, "both");
  add_photos (fx, alice, best, (const char *const[]){ both, NULL });
  expect = (Expect){ at_carol, best, both, NULL, 0 };
  wait_until (has_photo_cb, &expect, WAIT_MS, "the shared photo in Best of");
  expect.album_id = trip;
  wait_until (has_photo_cb, &expect, WAIT_MS, "the shared photo in Trip");
  {
    g_autofree char *path = g_strdup_printf ("/v1/albums/%s/photos/%s", trip, both);

    api_call_204 (fx, alice, "DELETE", path);
    wait_until (lacks_photo_cb, &expect, WAIT_MS, "the photo to leave Trip");
  }
  expect.album_id = best;
  g_assert_true (has_photo_cb (&expect));
  g_assert_true (file_exists (at_carol, both, KS_CACHE_FILE_GRID));

  /* The album deleted: its photo goes, the other album's stay. */
  {
    g_autofree char *path = g_strdup_printf ("/v1/albums/%s", best);

    api_call_204 (fx, alice, "DELETE", path);
    wait_until (lacks_album_cb, &expect, WAIT_MS, "Best of to leave carol's cache");
  }
  g_assert_false (file_exists (at_carol, both, KS_CACHE_FILE_GRID));
  g_assert_false (file_exists (at_carol, both, KS_CACHE_FILE_PREVIEW));
  g_assert_true (file_exists (at_carol, by_bob, KS_CACHE_FILE_GRID));

  /* No notification for what alice did herself; carol heard of bob. */
  ks_feed_follower_flush_notifications (at_alice->follower);
  for (guint i = 0; i < at_alice->notes->len; i++)
    g_assert_cmpstr (((KsFeedNotification *) at_alice->notes->pdata[i])->actor, !=, "alice");
}

static KsFeedNotification *
note_at (Client *client,
         guint   i)
{
  return g_ptr_array_index (client->notes, i);
}

static void
test_notifications (Fixture      *fx,
                    gconstpointer data)
{
  KsTestUser *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser *bob = ks_test_api_user (fx->api, "bob");
  KsTestUser *carol = ks_test_api_user (fx->api, "carol");
  g_autoptr (Client) client = client_new (fx, bob, "bob");
  g_autoptr (Client) late = NULL;
  g_autofree char *album = create_album (fx, alice, "Party");
  g_autofree char *text = NULL;
  Expect           expect = { client, album, NULL, NULL, 1 };
  char            *ids[4] = { NULL };

  /* Wide enough for three requests on a loaded sanitizer build. */
  ks_feed_follower_set_coalesce_window (client->follower, 2000);
  /* What happened before the first sync is not news: let it finish. */
  ks_feed_follower_start (client->follower);
  wait_until (synced_once_cb, &expect, WAIT_MS, "bob's first sync");
  share_album (fx, alice, album, bob, "contributor");
  wait_until (n_notes_cb, &expect, WAIT_MS, "the share notification");
  g_assert_cmpint (note_at (client, 0)->kind, ==, KS_FEED_NOTIFICATION_ALBUM_SHARED);
  g_assert_cmpstr (note_at (client, 0)->actor, ==, "alice");
  g_assert_cmpstr (note_at (client, 0)->album_id, ==, album);
  g_assert_cmpstr (note_at (client, 0)->album_name, ==, "Party");
  text = ks_feed_notification_to_string (note_at (client, 0));
  g_assert_cmpstr (text, ==, "alice shared “Party” with you");
  g_clear_pointer (&text, g_free);

  /* Three additions in quick succession: one notification. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *seed = g_strdup_printf ("party-%u", i);

      ids[i] = ks_test_api_upload_photo (fx->api, alice, seed);
    }
  for (guint i = 0; i < 3; i++)
    add_photos (fx, alice, album, (const char *const[]){ ids[i], NULL });
  expect.n = 2;
  wait_until (n_notes_cb, &expect, WAIT_MS, "the photos notification");
  spin (2200); /* a window more: nothing else comes */
  g_assert_cmpuint (client->notes->len, ==, 2);
  g_assert_cmpint (note_at (client, 1)->kind, ==, KS_FEED_NOTIFICATION_PHOTOS_ADDED);
  g_assert_cmpuint (note_at (client, 1)->count, ==, 3);
  g_assert_cmpstr (note_at (client, 1)->actor, ==, "alice");
  text = ks_feed_notification_to_string (note_at (client, 1));
  g_assert_cmpstr (text, ==, "alice added 3 photos to “Party”");

  /* Bob's own photo: in his cache, no notification. */
  ids[3] = add_new_photo (fx, bob, album, "bob-own");
  expect.photo_id = ids[3];
  wait_until (has_photo_cb, &expect, WAIT_MS, "bob's own photo");
  spin (2200);
  g_assert_cmpuint (client->notes->len, ==, 2);

  /* Carol's first sync is not news, even of her own share. */
  share_album (fx, alice, album, carol, "viewer");
  late = client_new (fx, carol, "carol");
  ks_feed_follower_start (late->follower);
  expect = (Expect){ late, album, ids[3], NULL, 0 };
  wait_until (has_photo_cb, &expect, WAIT_MS, "carol's first sync");
  spin (600);
  g_assert_cmpuint (late->notes->len, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_free (ids[i]);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cache/share-live-offline", Fixture, NULL, fixture_setup, test_share_live_offline, fixture_teardown);
  g_test_add ("/cache/contributor", Fixture, NULL, fixture_setup, test_contributor, fixture_teardown);
  g_test_add ("/cache/notifications", Fixture, NULL, fixture_setup, test_notifications, fixture_teardown);
  return g_test_run ();
}
