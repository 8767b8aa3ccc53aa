/* test-cloud-resume.c: KsResumeFile, and a multipart upload that survives
 * the death of its process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <sys/stat.h>

#include "test-cloud-transfer.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define MULTIPART_SIZE ((gsize) 64 * MiB + MiB + 5)
#define N_PARTS 5
#define CHILD_RATE (16 * MiB)

static KsTestApi *api;

/* ---- KsResumeFile ---- */

static char *
make_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("ks-resume-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
test_file_round_trip (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, SHA_A ".json", NULL);
  g_autoptr (KsResumeFile) store = ks_resume_file_new (dir);
  g_autoptr (KsResumeFile) other = NULL;
  g_autoptr (KsResumeRecord) record = ks_resume_record_new (SHA_A, "photo", "upload-1", 16 * MiB,
                                                            MULTIPART_SIZE, 1234567890123456);
  g_autoptr (KsResumeRecord) loaded = NULL;
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  g_assert_null (ks_resume_store_load (KS_RESUME_STORE (store), SHA_A, &error));
  g_assert_no_error (error);

  /* Parts in the record given to begin are not taken over. */
  g_hash_table_insert (record->etags, GINT_TO_POINTER (4), g_strdup ("\"stale\""));
  g_assert_true (ks_resume_store_begin (KS_RESUME_STORE (store), record, &error));
  g_assert_no_error (error);
  g_assert_true (ks_resume_store_add_part (KS_RESUME_STORE (store), SHA_A, "upload-1", 2,
                                           "\"etag-2\"", &error));
  g_assert_true (ks_resume_store_add_part (KS_RESUME_STORE (store), SHA_A, "upload-1", 1,
                                           "\"etag-1\"", &error));
  g_assert_no_error (error);

  /* What another process (a new store) reads back. */
  other = ks_resume_file_new (dir);
  loaded = ks_resume_store_load (KS_RESUME_STORE (other), SHA_A, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);
  g_assert_cmpstr (loaded->sha256, ==, SHA_A);
  g_assert_cmpstr (loaded->photo_id, ==, "photo");
  g_assert_cmpstr (loaded->upload_id, ==, "upload-1");
  g_assert_cmpint (loaded->part_size, ==, 16 * MiB);
  g_assert_cmpint (loaded->file_size, ==, (gint64) MULTIPART_SIZE);
  g_assert_cmpint (loaded->file_mtime, ==, 1234567890123456);
  g_assert_cmpuint (g_hash_table_size (loaded->etags), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (loaded->etags, GINT_TO_POINTER (1)), ==, "\"etag-1\"");
  g_assert_cmpstr (g_hash_table_lookup (loaded->etags, GINT_TO_POINTER (2)), ==, "\"etag-2\"");

  /* Private to the user. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Another upload of the same file forgets the old parts. */
  g_free (record->upload_id);
  record->upload_id = g_strdup ("upload-2");
  g_assert_true (ks_resume_store_begin (KS_RESUME_STORE (other), record, &error));
  g_assert_false (ks_resume_store_add_part (KS_RESUME_STORE (other), SHA_A, "upload-1", 3,
                                            "\"etag-3\"", &error));
  g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_pointer (&loaded, ks_resume_record_free);
  loaded = ks_resume_store_load (KS_RESUME_STORE (store), SHA_A, &error);
  g_assert_cmpstr (loaded->upload_id, ==, "upload-2");
  g_assert_cmpuint (g_hash_table_size (loaded->etags), ==, 0);

  g_assert_true (ks_resume_store_remove (KS_RESUME_STORE (store), SHA_A, &error));
  g_assert_true (ks_resume_store_remove (KS_RESUME_STORE (store), SHA_A, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&loaded, ks_resume_record_free);
  g_assert_null (ks_resume_store_load (KS_RESUME_STORE (other), SHA_A, &error));
  g_assert_no_error (error);

  ks_test_remove_tree (dir);
}

/* A damaged record costs only the parts it listed. */
static void
test_file_damaged (void)
{
  static const char *const damaged[] = {
    "",
    "{\"version\": 1",
    "[]",
    "{\"version\": 2, \"sha256\": \"" SHA_A "\", \"photo_id\": \"p\", \"upload_id\": \"u\", "
    "\"part_size\": 1, \"file_size\": 1, \"file_mtime\": 1, \"parts\": []}",
    "{\"version\": 1, \"sha256\": \"" SHA_A "\", \"photo_id\": \"p\", \"upload_id\": \"u\", "
    "\"part_size\": 1, \"file_size\": 1, \"file_mtime\": 1, \"parts\": [{\"part_number\": 0, "
    "\"etag\": \"x\"}]}",
    "{\"version\": 1, \"sha256\": \"bbbb\", \"photo_id\": \"p\", \"upload_id\": \"u\", "
    "\"part_size\": 1, \"file_size\": 1, \"file_mtime\": 1, \"parts\": []}",
  };
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, SHA_A ".json", NULL);
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_autoptr (KsResumeFile) store = ks_resume_file_new (dir);

      g_file_set_contents (path, damaged[i], -1, &error);
      g_assert_no_error (error);
      g_assert_null (ks_resume_store_load (KS_RESUME_STORE (store), SHA_A, &error));
      g_assert_no_error (error);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }

  /* Only a SHA-256 becomes a file name. */
  {
    g_autoptr (KsResumeFile) store = ks_resume_file_new (dir);

    g_assert_null (ks_resume_store_load (KS_RESUME_STORE (store), "../../etc/passwd", &error));
    g_assert_error (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_FAILED);
  }

  ks_test_remove_tree (dir);
}

/* ---- A token source for the child process: one fixed token ---- */

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
test_fixed_token_finalize (GObject *object)
{
  g_free (TEST_FIXED_TOKEN (object)->token);
  G_OBJECT_CLASS (test_fixed_token_parent_class)->finalize (object);
}

static void
test_fixed_token_class_init (TestFixedTokenClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_fixed_token_finalize;
}

static void
test_fixed_token_init (TestFixedToken *self)
{
}

/* ---- The child: a slow upload, to be killed ---- */

static int
run_child (void)
{
  g_autoptr (TestFixedToken) tokens = g_object_new (TEST_TYPE_FIXED_TOKEN, NULL);
  g_autoptr (SoupSession) soup = xfer_session_new ();
  g_autoptr (KsApiClient) client = NULL;
  g_autoptr (KsResumeFile) resume = ks_resume_file_new (g_getenv ("KS_TEST_RESUME_DIR"));
  g_autoptr (KsRateLimiter) limiter = ks_rate_limiter_new (CHILD_RATE);
  g_autoptr (KsUploader) uploader = NULL;
  g_autoptr (KsPrepareRequest) request = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;

  tokens->token = g_strdup (g_getenv ("KS_TEST_TOKEN"));
  client = ks_api_client_new (soup, g_getenv ("KS_TEST_API_URL"), KS_TOKEN_SOURCE (tokens));
  uploader = ks_uploader_new (client, soup, KS_RESUME_STORE (resume), limiter);
  ks_uploader_set_part_concurrency (uploader, 1);
  request = xfer_request_new (g_getenv ("KS_TEST_SHA256"), MULTIPART_SIZE, "PANORAMA.JPG");

  photo = xfer_upload (uploader, g_getenv ("KS_TEST_FILE"), request, NULL, NULL, NULL, NULL, NULL,
                       NULL, &error);
  /* Getting here means the parent did not kill us in time. */
  g_printerr ("child: upload finished: %s\n", error != NULL ? error->message : "committed");
  return 1;
}

/* ---- The parent ---- */

static guint
recorded_parts (const char *dir,
                const char *sha256)
{
  g_autoptr (KsResumeFile) store = ks_resume_file_new (dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (KsResumeRecord) record = ks_resume_store_load (KS_RESUME_STORE (store), sha256, &error);

  g_assert_no_error (error);
  return record != NULL ? g_hash_table_size (record->etags) : 0;
}

static GSubprocess *
spawn_child (Xfer       *xfer,
             const char *path,
             const char *resume_dir,
             const char *sha256)
{
  KsTestServer *server = ks_test_api_get_server (api);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *api_url = g_strconcat (ks_test_server_get_base_url (server), "/v1", NULL);
  g_autofree char *token = ks_test_api_mint_token (api, xfer->user->sub, xfer->user->username, 3600);
  g_autoptr (GError) error = NULL;
  GSubprocess *child;

  g_assert_nonnull (self_exe);
  g_subprocess_launcher_setenv (launcher, "KS_TEST_RESUME_CHILD", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_TEST_API_URL", api_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_TEST_TOKEN", token, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_TEST_FILE", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_TEST_RESUME_DIR", resume_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "KS_TEST_SHA256", sha256, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_exe, NULL);
  g_assert_no_error (error);

  return child;
}

static gboolean
tick_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
sleep_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, tick_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/*
 * The child uploads slowly, one part at a time; once it has recorded two
 * parts it is killed. Then the same upload in this process sends only
 * the parts that were not recorded: the server sees each part stored
 * exactly once, and the object is the file.
 */
static void
test_killed (void)
{
  g_autoptr (Xfer) xfer = xfer_new (api, "resume");
  g_autofree char *path = xfer_path (xfer, "PANORAMA.JPG");
  g_autofree char *resume_dir = xfer_path (xfer, "resume");
  g_autofree char *sha256 = xfer_write_file (path, "resume", MULTIPART_SIZE);
  g_autoptr (GSubprocess) child = spawn_child (xfer, path, resume_dir, sha256);
  g_autoptr (KsPrepareRequest) request = xfer_request_new (sha256, MULTIPART_SIZE, "PANORAMA.JPG");
  g_autoptr (KsResumeFile) resume = NULL;
  g_autoptr (KsUploader) uploader = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *commit = NULL;
  g_autofree char *downloaded = xfer_path (xfer, "downloaded");
  gint64           deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  guint            recorded;

  while (recorded_parts (resume_dir, sha256) < 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_assert_nonnull (g_subprocess_get_identifier (child)); /* still running */
      sleep_ms (20);
    }
  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));

  recorded = recorded_parts (resume_dir, sha256);
  g_test_message ("The child recorded %u parts", recorded);
  g_assert_cmpuint (recorded, >=, 2);
  g_assert_cmpuint (recorded, <, N_PARTS);
  g_assert_cmpuint (xfer_count_photos (xfer), ==, 0);

  resume = ks_resume_file_new (resume_dir);
  uploader = ks_uploader_new (xfer->client, xfer->soup, KS_RESUME_STORE (resume), NULL);
  photo = xfer_upload (uploader, path, request, NULL, NULL, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  g_assert_cmpstr (photo->sha256, ==, sha256);
  g_assert_cmpuint (recorded_parts (resume_dir, sha256), ==, 0);

  /* Every part stored once: the recorded ones were not sent again. */
  key = g_strdup_printf ("/originals/%s/%s", xfer->user->sub, photo->id);
  commit = g_strdup_printf ("\"POST /v1/photos/%s/commit\" 200 ", photo->id);
  xfer_wait_log (api, commit);
  g_assert_cmpuint (xfer_count_log (api, "PUT", key, 200), ==, N_PARTS);

  /* And the object is the file, byte for byte. */
  g_assert_true (xfer_download (xfer->soup, photo->url_original, downloaded, NULL, -1, NULL, NULL,
                                NULL, NULL, &error));
  g_assert_no_error (error);
  g_free (key);
  key = xfer_file_sha256 (downloaded, NULL);
  g_assert_cmpstr (key, ==, sha256);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  if (g_getenv ("KS_TEST_RESUME_CHILD") != NULL)
    return run_child ();

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cloud/resume/file/round-trip", test_file_round_trip);
  g_test_add_func ("/cloud/resume/file/damaged", test_file_damaged);
  g_test_add_func ("/cloud/resume/killed", test_killed);

  api = ks_test_api_new ();
  status = g_test_run ();
  ks_test_api_free (api);

  return status;
}
