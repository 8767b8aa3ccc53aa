/* test-sync-power.c: uploads wait on a low battery, told by a fake UPower
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A private bus (GTestDBus) with a fake org.freedesktop.UPower exporting
 * the display device (test-fake-upower.h); the engine finds it there
 * through KEEPSAKE_UPOWER_BUS=session and syncs to the real
 * keepsake-server.
 */
#include "config.h"

#include "test-fake-upower.h"
#include "test-sync-photos.h"

#define N_PHOTOS 6

static KsTestApi *api;
static GTestDBus *test_bus;

/* ---- an engine on a watched folder ---- */

typedef struct
{
  KsTestUser        *user;
  KsTestTokenSource *tokens;
  SoupSession       *soup;
  KsApiClient       *client;
  char              *dir;
  char              *folder;
  KsJournal         *journal;
  KsSyncEngine      *engine;
  GHashTable        *local; /* SHA-256s of the photos written */
  guint              n_done;
  FakeUPower        *upower;
} Fx;

static void
file_done_cb (KsSyncEngine *engine,
              const char   *path,
              const char   *photo_id,
              gboolean      existed,
              Fx           *fx)
{
  fx->n_done++;
}

static void
fx_set_up (Fx           *fx,
           gconstpointer data)
{
  static guint     n_users;
  g_autofree char *name = g_strdup_printf ("power-user-%u", ++n_users);
  g_autofree char *api_url = g_strconcat (ks_test_server_get_base_url (ks_test_api_get_server (api)), "/v1", NULL);
  g_autofree char *journal = NULL;
  g_autofree char *cache = NULL;
  g_autoptr (GError) error = NULL;

  fx->user = ks_test_api_user (api, name);
  fx->tokens = ks_test_token_source_new (api, fx->user, 3600);
  fx->soup = soup_session_new_with_options ("timeout", 60, NULL);
  soup_session_set_proxy_resolver (fx->soup, NULL);
  fx->client = ks_api_client_new (fx->soup, api_url, KS_TOKEN_SOURCE (fx->tokens));
  fx->dir = g_dir_make_tmp ("ks-sync-power-XXXXXX", &error);
  g_assert_no_error (error);
  fx->folder = g_build_filename (fx->dir, "Photos", NULL);
  fx->local = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < N_PHOTOS; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/IMG_%04u.jpg", fx->folder, i);
      g_autoptr (GBytes) jpeg = photo_jpeg (320, 240, 1, 0x5000 + i);

      g_hash_table_add (fx->local, photo_write (path, jpeg));
    }
  journal = g_build_filename (fx->dir, "journal.db", NULL);
  fx->journal = ks_journal_open (journal, &error);
  g_assert_no_error (error);
  cache = g_build_filename (fx->dir, "cache", NULL);
  fx->engine = ks_sync_engine_new (fx->journal, fx->client, fx->soup, cache);
  ks_sync_engine_set_settle_interval (fx->engine, 300);
  g_signal_connect (fx->engine, "file-done", G_CALLBACK (file_done_cb), fx);
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
  g_clear_pointer (&fx->upower, fake_upower_free);
  g_hash_table_unref (fx->local);
  photo_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->folder);
}

static gboolean
battery_reported (Fx           *fx,
                  gconstpointer data)
{
  const char *error = ks_sync_engine_get_last_error (fx->engine);

  return error != NULL && strstr (error, "battery") != NULL;
}

static gboolean
error_mentions (Fx           *fx,
                gconstpointer data)
{
  const char *error = ks_sync_engine_get_last_error (fx->engine);

  return error != NULL && strstr (error, data) != NULL;
}

static gboolean
no_error (Fx           *fx,
          gconstpointer data)
{
  return ks_sync_engine_get_last_error (fx->engine) == NULL;
}

static void
add_folder (Fx *fx)
{
  g_autoptr (GFile) file = g_file_new_for_path (fx->folder);
  g_autoptr (GError) error = NULL;

  g_assert_true (ks_sync_engine_add_folder (fx->engine, file, KS_SYNC_ALBUM_NONE, NULL, &error));
  g_assert_no_error (error);
}

/* Every photo of the folder on the server, once, byte for byte. */
static void
assert_all_uploaded (Fx *fx)
{
  g_autoptr (GHashTable) photos = photo_list_server (fx->client);
  GHashTableIter iter;
  gpointer       sha;

  g_assert_cmpuint (g_hash_table_size (photos), ==, N_PHOTOS);
  g_hash_table_iter_init (&iter, fx->local);
  while (g_hash_table_iter_next (&iter, &sha, NULL))
    g_assert_true (g_hash_table_contains (photos, sha));
  g_assert_cmpuint (fx->n_done, ==, N_PHOTOS);
}

/* Found, but nothing hashed, uploaded or on the server. */
static void
assert_waiting (Fx *fx)
{
  guint64 counts[KS_JOURNAL_N_FILE_STATES] = { 0 };
  g_autoptr (GHashTable) photos = NULL;
  g_autoptr (GError) error = NULL;
  gint64 until = g_get_monotonic_time () + 1500 * 1000;

  /* Time enough for the photos to be hashed and sent several times over. */
  sync_wait_for (fx->engine, sync_time_passed, NULL, &until, "time to pass");
  g_assert_true (ks_journal_count_states (fx->journal, 0, counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts[KS_JOURNAL_FILE_NEW], ==, N_PHOTOS);
  g_assert_cmpuint (fx->n_done, ==, 0);
  photos = photo_list_server (fx->client);
  g_assert_cmpuint (g_hash_table_size (photos), ==, 0);
  g_assert_cmpint (ks_sync_engine_get_state (fx->engine), ==, KS_SYNC_STATE_OFFLINE);
}

/* On battery at 15 %: everything waits, and says why; plugged in, it
 * all goes at once. */
static void
test_low_battery_waits (Fx           *fx,
                        gconstpointer data)
{
  const char *message;

  fx->upower = fake_upower_new (g_test_dbus_get_bus_address (test_bus), FAKE_UPOWER_STATE_DISCHARGING, 15.4);
  ks_sync_engine_start (fx->engine);
  /* Known before any file is: a first upload cannot slip through. */
  sync_wait_for (fx->engine, (SyncDone) battery_reported, fx, NULL, "the battery to be read");
  message = ks_sync_engine_get_last_error (fx->engine);
  g_assert_nonnull (strstr (message, "15 %"));
  g_assert_nonnull (strstr (message, "20 %"));
  g_assert_nonnull (strstr (message, "plugged in"));

  add_folder (fx);
  sync_wait_for (fx->engine, sync_state_is, fx->engine, GINT_TO_POINTER (KS_SYNC_STATE_OFFLINE), "the engine to wait");
  assert_waiting (fx);
  g_assert_true (battery_reported (fx, NULL));

  /* Running lower still: the same wait, the message follows. */
  fake_upower_set (fx->upower, FAKE_UPOWER_STATE_DISCHARGING, 12);
  sync_wait_for (fx->engine, (SyncDone) error_mentions, fx, "12 %", "the new level");
  g_assert_cmpuint (fx->n_done, ==, 0);

  fake_upower_set (fx->upower, FAKE_UPOWER_STATE_CHARGING, 12.5);
  sync_wait_synced (fx->engine);
  assert_all_uploaded (fx);
  g_assert_null (ks_sync_engine_get_last_error (fx->engine));
  g_assert_cmpint (ks_sync_engine_get_state (fx->engine), ==, KS_SYNC_STATE_IDLE);
}

/* "allow-low-battery": the same battery, uploads go on. */
static void
test_allow_low_battery (Fx           *fx,
                        gconstpointer data)
{
  fx->upower = fake_upower_new (g_test_dbus_get_bus_address (test_bus), FAKE_UPOWER_STATE_DISCHARGING, 15);
  ks_sync_engine_start (fx->engine);
  sync_wait_for (fx->engine, (SyncDone) battery_reported, fx, NULL, "the battery to be read");

  ks_sync_engine_set_allow_low_battery (fx->engine, TRUE);
  g_assert_null (ks_sync_engine_get_last_error (fx->engine));
  add_folder (fx);
  sync_wait_synced (fx->engine);
  assert_all_uploaded (fx);
  g_assert_null (ks_sync_engine_get_last_error (fx->engine));
}

/* Discharging above the threshold is fine; a lower threshold lifts the
 * wait; UPower going away means mains. */
static void
test_threshold_and_no_upower (Fx           *fx,
                              gconstpointer data)
{
  ks_sync_engine_set_battery_threshold (fx->engine, 50);
  fx->upower = fake_upower_new (g_test_dbus_get_bus_address (test_bus), FAKE_UPOWER_STATE_DISCHARGING, 60);
  ks_sync_engine_start (fx->engine);

  /* Down to 40 %: below the threshold of 50. */
  fake_upower_set (fx->upower, FAKE_UPOWER_STATE_DISCHARGING, 40);
  sync_wait_for (fx->engine, (SyncDone) battery_reported, fx, NULL, "the battery to be read");
  g_assert_nonnull (strstr (ks_sync_engine_get_last_error (fx->engine), "50 %"));
  ks_sync_engine_set_battery_threshold (fx->engine, 30);
  g_assert_null (ks_sync_engine_get_last_error (fx->engine));
  ks_sync_engine_set_battery_threshold (fx->engine, 50);
  g_assert_true (battery_reported (fx, NULL));

  add_folder (fx);
  sync_wait_for (fx->engine, sync_state_is, fx->engine, GINT_TO_POINTER (KS_SYNC_STATE_OFFLINE), "the engine to wait");
  assert_waiting (fx);

  fake_upower_vanish (fx->upower);
  sync_wait_for (fx->engine, (SyncDone) no_error, fx, NULL, "UPower to be gone");
  sync_wait_synced (fx->engine);
  assert_all_uploaded (fx);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_setenv ("KEEPSAKE_UPOWER_BUS", "session", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  api = ks_test_api_new ();
  g_test_add ("/sync-power/low-battery-waits", Fx, NULL, fx_set_up, test_low_battery_waits, fx_tear_down);
  g_test_add ("/sync-power/allow-low-battery", Fx, NULL, fx_set_up, test_allow_low_battery, fx_tear_down);
  g_test_add ("/sync-power/threshold-and-no-upower", Fx, NULL, fx_set_up, test_threshold_and_no_upower,
              fx_tear_down);
  ret = g_test_run ();
  ks_test_api_free (api);
  g_test_dbus_down (test_bus);
  g_object_unref (test_bus);
  return ret;
}
