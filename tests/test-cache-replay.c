/* test-cache-replay.c: events seen twice, a cursor reset and a follower
 * killed mid-sync all end in the cache a fresh one builds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include "test-cache-common.h"

/* ---- a fixed token, for the child process ---- */

#define TEST_TYPE_FIXED_TOKEN (test_fixed_token_get_type ())
G_DECLARE_FINAL_TYPE (TestFixedToken, test_fixed_token, TEST, FIXED_TOKEN, GObject)

struct _TestFixedToken
{
  GObject parent_instance;
  char   *token;
};

static void test_fixed_token_iface_init (KsTokenSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestFixedToken, test_fixed_token, G_TYPE_OBJECT, G_IMPLEMENT_INTERFACE (KS_TYPE_TOKEN_SOURCE, test_fixed_token_iface_init))

static void
test_fixed_token_get_async (KsTokenSource      *source,
                            const char         *rejected,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (source, cancellable, callback, user_data);

  g_task_return_pointer (task, g_strdup (TEST_FIXED_TOKEN (source)->token), g_free);
}

static char *
test_fixed_token_get_finish (KsTokenSource *source,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_fixed_token_iface_init (KsTokenSourceInterface *iface)
{
  iface->get_access_token_async = test_fixed_token_get_async;
  iface->get_access_token_finish = test_fixed_token_get_finish;
}

static void
test_fixed_token_class_init (TestFixedTokenClass *klass)
{
}

static void
test_fixed_token_init (TestFixedToken *self)
{
}

/* The child: follows the feed into $KS_CHILD_DIR, one download at a
 * time, until it is killed. */
static int
run_child (void)
{
  g_autoptr (TestFixedToken) tokens = g_object_new (TEST_TYPE_FIXED_TOKEN, NULL);
  g_autoptr (SoupSession) soup = soup_session_new ();
  g_autoptr (KsApiClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KsCache) cache = NULL;
  g_autoptr (KsFeedFollower) follower = NULL;
  g_autoptr (GError) error = NULL;

  tokens->token = g_strdup (g_getenv ("KS_CHILD_TOKEN"));
  client = ks_api_client_new (soup, g_getenv ("KS_CHILD_URL"), KS_TOKEN_SOURCE (tokens));
  ks_cache_open_async (g_getenv ("KS_CHILD_DIR"), g_getenv ("KS_CHILD_USER"), client, soup, NULL,
                       ks_test_store_result, &result);
  cache = ks_cache_open_finish (ks_test_wait_result (&result), &error);
  if (cache == NULL)
    g_error ("child: %s", error->message);
  ks_cache_set_download_concurrency (cache, 1);
  follower = ks_feed_follower_new (cache);
  ks_feed_follower_start (follower);
  for (;;)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}

static GSubprocess *
spawn_child (Fixture    *fx,
             KsTestUser *user,
             const char *dir)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *token = ks_test_api_mint_token (fx->api, user->sub, user->username, 3600);
  g_autofree char *url = api_url (fx);
  g_autoptr (GError) error = NULL;
  GSubprocess *child;

  g_subprocess_launcher_setenv (launcher, "KS_TEST_CACHE_CHILD", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_CHILD_DIR", dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_CHILD_URL", url, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_CHILD_TOKEN", token, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_CHILD_USER", user->username, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, exe, NULL);
  g_assert_no_error (error);
  return child;
}

static void
kill_child (GSubprocess *child)
{
  g_subprocess_send_signal (child, SIGKILL);
  g_assert_true (g_subprocess_wait (child, NULL, NULL));
}

/* The feed's last seq for @user, as the server says. */
static gint64
latest_seq (Fixture    *fx,
            KsTestUser *user)
{
  g_autoptr (JsonNode) page = ks_test_api_expect (fx->api, user->token, "GET", "/v1/changes?limit=500", NULL, 200);

  g_assert_false (json_object_get_boolean_member (ks_test_api_root (page), "more"));
  return g_ascii_strtoll (ks_test_json_get_string (page, "cursor"), NULL, 10);
}

typedef struct
{
  const char *dir;
  gint64      n_files;
  gint64      cursor;
} Settled;

static gboolean
settled_cb (gpointer data)
{
  Settled *settled = data;

  return db_count (settled->dir, "SELECT count(*) FROM blobs WHERE state = 'present'") == settled->n_files &&
         db_count (settled->dir, "SELECT CAST (value AS INTEGER) FROM meta WHERE key = 'cursor'") == settled->cursor;
}

static gboolean
some_files_cb (gpointer data)
{
  Settled *settled = data;

  return db_count (settled->dir, "SELECT count(*) FROM blobs WHERE state = 'present'") >= 1;
}

/* Two albums shared with bob; adds, a removal, a rename. Returns how
 * many photos bob sees. */
static guint
make_history (Fixture    *fx,
              KsTestUser *alice,
              KsTestUser *bob,
              guint       per_album)
{
  g_autofree char *a = create_album (fx, alice, "First");
  g_autofree char *b = create_album (fx, alice, "Second");
  g_autofree char *removed = NULL;
  g_autofree char *path = NULL;

  share_album (fx, alice, a, bob, "viewer");
  share_album (fx, alice, b, bob, "contributor");
  for (guint i = 0; i < per_album; i++)
    {
      g_autofree char *seed_a = g_strdup_printf ("a-%u", i);
      g_autofree char *seed_b = g_strdup_printf ("b-%u", i);
      g_autofree char *id_a = add_new_photo (fx, alice, a, seed_a);
      g_autofree char *id_b = add_new_photo (fx, alice, b, seed_b);
    }
  removed = add_new_photo (fx, alice, a, "removed");
  path = g_strdup_printf ("/v1/albums/%s/photos/%s", a, removed);
  api_call_204 (fx, alice, "DELETE", path);
  g_free (path);
  path = g_strdup_printf ("/v1/albums/%s", b);
  {
    g_autoptr (JsonNode) renamed = ks_test_api_expect (fx->api, alice->token, "PATCH", path,
                                                       "{\"name\": \"Second, renamed\"}", 200);
  }
  return 2 * per_album;
}

static char *
build_fresh (Fixture    *fx,
             KsTestUser *user,
             const char *name,
             Settled    *settled)
{
  g_autoptr (Client) fresh = client_new (fx, user, name);

  settled->dir = fresh->dir;
  ks_feed_follower_start (fresh->follower);
  wait_until (settled_cb, settled, WAIT_MS, "a fresh cache");
  ks_feed_follower_stop (fresh->follower);
  return dump_cache (fresh->dir);
}

static void
apply_page (Client       *client,
            KsChangePage *page)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  ks_cache_apply_changes_async (client->cache, page->events, page->cursor, NULL, ks_test_store_result, &result);
  ks_cache_apply_changes_finish (client->cache, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
}

static void
test_replay (Fixture      *fx,
             gconstpointer data)
{
  KsTestUser *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser *bob = ks_test_api_user (fx->api, "bob");
  g_autoptr (Client) client = client_new (fx, bob, "bob");
  guint            n_photos = make_history (fx, alice, bob, 3);
  Settled          settled = { client->dir, 2 * n_photos, latest_seq (fx, bob) };
  g_autofree char *built = NULL;
  g_autofree char *fresh = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (KsChangePage) page = NULL;
  g_autoptr (GError) error = NULL;

  ks_feed_follower_start (client->follower);
  wait_until (settled_cb, &settled, WAIT_MS, "bob's cache to settle");
  ks_feed_follower_stop (client->follower);
  built = dump_cache (client->dir);
  g_assert_nonnull (strstr (built, "Second, renamed"));

  /* Every event since the start, applied twice more. */
  ks_api_client_get_changes_async (client->client, NULL, 0, 500, NULL, ks_test_store_result, &result);
  page = ks_api_client_get_changes_finish (client->client, ks_test_wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->events->len, >, 10);
  apply_page (client, page);
  apply_page (client, page);
  wait_until (settled_cb, &settled, WAIT_MS, "the replayed cache to settle");
  {
    g_autofree char *replayed = dump_cache (client->dir);

    g_assert_cmpstr (replayed, ==, built);
  }

  /* The cursor forgotten: the follower reads it all again. */
  g_assert_true (ks_cache_reset_cursor (client->cache, &error));
  g_assert_no_error (error);
  ks_feed_follower_start (client->follower);
  wait_until (settled_cb, &settled, WAIT_MS, "the cache to settle after a reset");
  ks_feed_follower_stop (client->follower);
  {
    g_autofree char *reread = dump_cache (client->dir);

    g_assert_cmpstr (reread, ==, built);
  }

  fresh = build_fresh (fx, bob, "bob-fresh", &settled);
  g_assert_cmpstr (fresh, ==, built);
}

static void
test_kill_restart (Fixture      *fx,
                   gconstpointer data)
{
  KsTestUser      *alice = ks_test_api_user (fx->api, "alice");
  KsTestUser      *bob = ks_test_api_user (fx->api, "bob");
  g_autofree char *dir = g_build_filename (fx->root, "bob", NULL);
  guint            n_photos = make_history (fx, alice, bob, 6);
  Settled          settled = { dir, 2 * n_photos, latest_seq (fx, bob) };
  g_autofree char *killed = NULL;
  g_autofree char *fresh = NULL;
  GSubprocess     *child;

  /* Killed once some files are in, then again right after it started. */
  child = spawn_child (fx, bob, dir);
  wait_until (some_files_cb, &settled, WAIT_MS, "the child's first files");
  kill_child (child);
  g_test_message ("killed with %" G_GINT64_FORMAT " of %u files in",
                  db_count (dir, "SELECT count(*) FROM blobs WHERE state = 'present'"), 2 * n_photos);
  g_object_unref (child);

  child = spawn_child (fx, bob, dir);
  spin (30);
  kill_child (child);
  g_object_unref (child);

  child = spawn_child (fx, bob, dir);
  wait_until (settled_cb, &settled, WAIT_MS, "the restarted child to settle");
  kill_child (child);
  g_object_unref (child);
  killed = dump_cache (dir);

  fresh = build_fresh (fx, bob, "bob-fresh", &settled);
  g_assert_cmpstr (killed, ==, fresh);
  g_assert_null (strstr (killed, "partial"));
}

int
main (int    argc,
      char **argv)
{
  if (g_getenv ("KS_TEST_CACHE_CHILD") != NULL)
    return run_child ();

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cache/replay", Fixture, NULL, fixture_setup, test_replay, fixture_teardown);
  g_test_add ("/cache/kill-restart", Fixture, NULL, fixture_setup, test_kill_restart, fixture_teardown);
  return g_test_run ();
}
