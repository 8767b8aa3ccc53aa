/* test-api-photos.c: /v1/me and /v1/photos against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sqlite3.h>
#include <string.h>

#include "ks-hash.h"
#include "ks-test-api.h"

#define MiB (1024 * 1024)

static void
test_me (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  g_autoptr (JsonNode) me = ks_test_api_expect (api, alice->token, "GET", "/v1/me", NULL, 200);

  g_assert_cmpstr (ks_test_json_get_string (me, "sub"), ==, alice->sub);
  g_assert_cmpstr (ks_test_json_get_string (me, "username"), ==, "alice");
  g_assert_true (g_str_has_suffix (ks_test_json_get_string (me, "created_at"), "Z"));
}

static void
test_unauthorized (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  g_autofree char *expired = ks_test_api_mint_token (api, "0f6b0c5e-1d2a-4a8e-9d59-1f0f2f1e1a01", "bob", -3600);
  g_autofree char *forged = ks_test_api_forge_token (api, "0f6b0c5e-1d2a-4a8e-9d59-1f0f2f1e1a01", "bob");
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (ks_test_api_get_server (api), "GET", "/v1/me");
  g_autoptr (GBytes) body = ks_test_server_send (ks_test_api_get_server (api), msg);
  g_autoptr (JsonNode) reply = NULL;
  const char *challenge;

  g_assert_cmpuint (soup_message_get_status (msg), ==, 401);
  challenge = soup_message_headers_get_one (soup_message_get_response_headers (msg), "WWW-Authenticate");
  g_assert_true (g_str_has_prefix (challenge, "Bearer"));
  reply = ks_test_parse_json (body);
  g_assert_cmpstr (ks_test_json_get_string (reply, "error.code"), ==, "Unauthorized");

  ks_test_api_expect_error (api, expired, "GET", "/v1/me", NULL, 401, "Unauthorized");
  ks_test_api_expect_error (api, forged, "GET", "/v1/me", NULL, 401, "Unauthorized");
  ks_test_api_expect_error (api, "not.a.token", "GET", "/v1/photos", NULL, 401, "Unauthorized");
  ks_test_api_expect_error (api, "", "GET", "/v1/photos", NULL, 401, "Unauthorized");
}

/* A real account of the built-in IdP: sign up, sign in with
 * USER_PASSWORD_AUTH, and use its access token. */
static void
test_real_sign_in (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  g_autofree char *token = ks_test_api_sign_in (api, "real-user", "Corr3ct-Horse");
  g_autoptr (JsonNode) me = ks_test_api_expect (api, token, "GET", "/v1/me", NULL, 200);
  g_autoptr (JsonNode) photos = ks_test_api_expect (api, token, "GET", "/v1/photos", NULL, 200);

  g_assert_cmpstr (ks_test_json_get_string (me, "username"), ==, "real-user");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (ks_test_api_root (photos), "photos")), ==, 0);
}

static void
assert_fetches (KsTestApi  *api,
                JsonObject *urls,
                const char *name,
                GBytes     *expected)
{
  guint status = 0;
  g_autoptr (GBytes) got = ks_test_api_fetch (api, ks_test_api_object_string (urls, name), &status);

  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_bytes_equal (got, expected));
}

static void
test_prepare_upload_commit (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("sunset", 5000);
  g_autoptr (GBytes) grid = ks_test_api_photo_bytes ("sunset/grid", 200);
  g_autoptr (GBytes) preview = ks_test_api_photo_bytes ("sunset/preview", 900);
  g_autofree char *body = ks_test_api_prepare_body (original, grid, preview, "Sonnenuntergang 🌅.jpg");
  g_autoptr (JsonNode) prepared = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  JsonArray       *uploads = json_object_get_array_member (ks_test_api_root (prepared), "uploads");
  const char      *id = ks_test_json_get_string (prepared, "photo_id");
  g_autofree char *commit = g_strdup_printf ("/v1/photos/%s/commit", id);
  g_autofree char *get = g_strdup_printf ("/v1/photos/%s", id);
  g_autoptr (JsonNode) early = NULL;
  g_autoptr (JsonNode) committed = NULL;
  g_autoptr (JsonNode) photo = NULL;
  JsonObject *urls;

  g_assert_cmpstr (ks_test_json_get_string (prepared, "status"), ==, "upload");
  g_assert_cmpuint (json_array_get_length (uploads), ==, 3);
  g_assert_cmpstr (ks_test_api_object_string (ks_test_api_find_upload (uploads, "original"), "method"), ==, "PUT");
  g_assert_nonnull (strstr (ks_test_api_object_string (ks_test_api_find_upload (uploads, "grid"), "url"), "/thumbs/"));

  /* Not visible, and not committable, before the bytes are there. */
  ks_test_api_expect_error (api, alice->token, "GET", get, NULL, 404, "NotFound");
  ks_test_api_expect_error (api, alice->token, "POST", commit, NULL, 412, "PreconditionFailed");

  /* Presigned PUTs are bound to the declared bytes. */
  g_assert_cmpuint (ks_test_api_put (api, ks_test_api_find_upload (uploads, "original"), grid), !=, 200);
  g_assert_cmpuint (ks_test_api_put (api, ks_test_api_find_upload (uploads, "original"), original), ==, 200);
  g_assert_cmpuint (ks_test_api_put (api, ks_test_api_find_upload (uploads, "grid"), grid), ==, 200);
  ks_test_api_expect_error (api, alice->token, "POST", commit, NULL, 412, "PreconditionFailed");
  g_assert_cmpuint (ks_test_api_put (api, ks_test_api_find_upload (uploads, "preview"), preview), ==, 200);

  committed = ks_test_api_expect (api, alice->token, "POST", commit, "{}", 200);
  g_assert_cmpstr (ks_test_json_get_string (committed, "status"), ==, "committed");
  early = ks_test_api_expect (api, alice->token, "POST", commit, NULL, 200);

  photo = ks_test_api_expect (api, alice->token, "GET", get, NULL, 200);
  g_assert_cmpstr (ks_test_json_get_string (photo, "file_name"), ==, "Sonnenuntergang 🌅.jpg");
  g_assert_cmpstr (ks_test_json_get_string (photo, "taken_at"), ==, "2024-05-01T12:34:56+02:00");
  urls = json_object_get_object_member (ks_test_api_root (photo), "urls");
  assert_fetches (api, urls, "original", original);
  assert_fetches (api, urls, "grid", grid);
  assert_fetches (api, urls, "preview", preview);
}

static void
test_dedupe_and_resume (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  KsTestUser *bob = ks_test_api_user (api, "bob");
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("dup", 4000);
  g_autofree char *body = ks_test_api_prepare_body (original, NULL, NULL, "a.jpg");
  g_autoptr (JsonNode) first = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  g_autoptr (JsonNode) again = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  g_autoptr (JsonNode) other = ks_test_api_expect (api, bob->token, "POST", "/v1/photos/prepare", body, 201);
  const char      *id = ks_test_json_get_string (first, "photo_id");
  JsonArray       *uploads = json_object_get_array_member (ks_test_api_root (again), "uploads");
  g_autofree char *commit = g_strdup_printf ("/v1/photos/%s/commit", id);
  g_autoptr (JsonNode) committed = NULL;
  g_autoptr (JsonNode) exists = NULL;

  /* An unfinished upload resumes under the same id; each user has their own. */
  g_assert_cmpstr (ks_test_json_get_string (again, "photo_id"), ==, id);
  g_assert_cmpstr (ks_test_json_get_string (other, "photo_id"), !=, id);
  g_assert_cmpuint (json_array_get_length (uploads), ==, 1);

  g_assert_cmpuint (ks_test_api_put (api, json_array_get_object_element (uploads, 0), original), ==, 200);
  committed = ks_test_api_expect (api, alice->token, "POST", commit, NULL, 200);

  exists = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body, 200);
  g_assert_cmpstr (ks_test_json_get_string (exists, "status"), ==, "exists");
  g_assert_cmpstr (ks_test_json_get_string (exists, "photo.id"), ==, id);
}

/* ---- Many prepares at once ---- */

typedef struct
{
  guint  n_left;
  guint *status; /* one a request */
  char **reply;  /* the body of each, NUL-terminated */
} Concurrent;

typedef struct
{
  Concurrent  *all;
  SoupMessage *msg;
  guint        index;
} OneCall;

static void
concurrent_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  OneCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  g_assert_no_error (error);
  call->all->status[call->index] = soup_message_get_status (call->msg);
  call->all->reply[call->index] = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  call->all->n_left--;
  g_object_unref (call->msg);
  g_free (call);
}

static void
send_concurrent (SoupSession *session,
                 Concurrent  *all,
                 guint        index,
                 const char  *method,
                 const char  *url,
                 const char  *token,
                 const char  *body)
{
  OneCall         *call = g_new0 (OneCall, 1);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

  call->all = all;
  call->index = index;
  call->msg = soup_message_new (method, url);
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Authorization", bearer);
  if (body != NULL)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (call->msg, "application/json", bytes);
    }
  all->n_left++;
  soup_session_send_and_read_async (session, call->msg, G_PRIORITY_DEFAULT, NULL, concurrent_done_cb, call);
}

/*
 * Prepares are committed in batches on a thread of their own, while
 * other requests read and write on the main loop. Many at once, over 16
 * connections: the same bytes get one photo id however the batches
 * fall, bytes already committed answer "exists", a read in between sees
 * what was answered before it, and every row is in the database after.
 */
static void
test_prepare_concurrent (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  const char      *base = ks_test_server_get_base_url (ks_test_api_get_server (api));
  g_autofree char *prepare_url = g_strconcat (base, "/v1/photos/prepare", NULL);
  g_autofree char *list_url = g_strconcat (base, "/v1/photos", NULL);
  g_autoptr (SoupSession) session = g_object_new (SOUP_TYPE_SESSION, "max-conns", 16,
                                                  "max-conns-per-host", 16, NULL);
  g_autoptr (GBytes) done_bytes = ks_test_api_photo_bytes ("done", 3000);
  g_autofree char *done_body = ks_test_api_prepare_body (done_bytes, NULL, NULL, "done.jpg");
  g_autoptr (JsonNode) done_prepared = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare",
                                                           done_body, 201);
  const char      *done_id = ks_test_json_get_string (done_prepared, "photo_id");
  JsonArray       *uploads = json_object_get_array_member (ks_test_api_root (done_prepared), "uploads");
  g_autofree char *commit = g_strdup_printf ("/v1/photos/%s/commit", done_id);
  g_autoptr (JsonNode) committed = NULL;
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  enum
  {
    N_DISTINCT = 12,
    N_COPIES = 4,
    N_CALLS = N_DISTINCT * N_COPIES + N_COPIES + N_COPIES
  };
  char      *bodies[N_DISTINCT] = { NULL };
  guint      status[N_CALLS] = { 0 };
  char      *reply[N_CALLS] = { NULL };
  Concurrent all = { 0, status, reply };
  guint      n = 0;
  int        pending = 0;

  g_assert_cmpuint (ks_test_api_put (api, json_array_get_object_element (uploads, 0), done_bytes), ==, 200);
  committed = ks_test_api_expect (api, alice->token, "POST", commit, NULL, 200);

  for (guint i = 0; i < N_DISTINCT; i++)
    {
      g_autofree char *seed = g_strdup_printf ("many-%u", i);
      g_autoptr (GBytes) bytes = ks_test_api_photo_bytes (seed, 1000 + i);

      bodies[i] = ks_test_api_prepare_body (bytes, NULL, NULL, "m.jpg");
    }
  /* Copies of each far apart, the committed photo and reads among them. */
  for (guint copy = 0; copy < N_COPIES; copy++)
    {
      for (guint i = 0; i < N_DISTINCT; i++)
        send_concurrent (session, &all, n++, "POST", prepare_url, alice->token, bodies[i]);
      send_concurrent (session, &all, n++, "POST", prepare_url, alice->token, done_body);
      send_concurrent (session, &all, n++, "GET", list_url, alice->token, NULL);
    }
  g_assert_cmpuint (n, ==, N_CALLS);
  while (all.n_left > 0)
    g_main_context_iteration (NULL, TRUE);

  n = 0;
  for (guint copy = 0; copy < N_COPIES; copy++)
    {
      for (guint i = 0; i < N_DISTINCT; i++, n++)
        {
          g_autoptr (JsonNode) node = json_from_string (reply[n], NULL);
          const char *id;
          const char *seen;

          g_assert_cmpuint (status[n], ==, 201);
          g_assert_cmpstr (ks_test_json_get_string (node, "status"), ==, "upload");
          id = ks_test_json_get_string (node, "photo_id");
          seen = g_hash_table_lookup (ids, bodies[i]);
          if (seen == NULL)
            g_hash_table_insert (ids, g_strdup (bodies[i]), g_strdup (id));
          else
            g_assert_cmpstr (id, ==, seen);
        }
      {
        g_autoptr (JsonNode) exists = json_from_string (reply[n], NULL);

        g_assert_cmpuint (status[n], ==, 200);
        g_assert_cmpstr (ks_test_json_get_string (exists, "status"), ==, "exists");
        g_assert_cmpstr (ks_test_json_get_string (exists, "photo.id"), ==, done_id);
        n++;
      }
      /* Pending photos are not listed; the committed one is. */
      g_assert_cmpuint (status[n], ==, 200);
      g_assert_nonnull (strstr (reply[n], done_id));
      n++;
    }
  for (guint i = 0; i < N_CALLS; i++)
    g_free (reply[i]);
  for (guint i = 0; i < N_DISTINCT; i++)
    g_free (bodies[i]);

  /* Twelve distinct photos, each one pending row. */
  g_assert_cmpuint (g_hash_table_size (ids), ==, N_DISTINCT);
  {
    g_autofree char *path = ks_test_server_dup_data_path (ks_test_api_get_server (api), "keepsake.db");
    sqlite3         *db = NULL;
    GHashTableIter   iter;
    gpointer         id;

    g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    sqlite3_busy_timeout (db, 5000);
    g_hash_table_iter_init (&iter, ids);
    while (g_hash_table_iter_next (&iter, NULL, &id))
      {
        sqlite3_stmt *stmt = NULL;

        g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM photos WHERE id = ?1 "
                                                 "AND committed_at IS NULL",
                                             -1, &stmt, NULL),
                         ==, SQLITE_OK);
        sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
        g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
        pending += sqlite3_column_int (stmt, 0);
        sqlite3_finalize (stmt);
      }
    sqlite3_close (db);
  }
  g_assert_cmpint (pending, ==, N_DISTINCT);
}

/* A second prepare may declare other sizes for the same content; the
 * bytes already stored then do not match, and commit says so. */
static void
test_commit_mismatch (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("liar", 4000);
  g_autoptr (GBytes) grid = ks_test_api_photo_bytes ("liar/grid", 100);
  g_autoptr (GBytes) other_grid = ks_test_api_photo_bytes ("liar/grid2", 120);
  g_autofree char *body = ks_test_api_prepare_body (original, grid, NULL, "a.jpg");
  g_autofree char *body2 = ks_test_api_prepare_body (original, other_grid, NULL, "a.jpg");
  g_autoptr (JsonNode) first = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body, 201);
  JsonArray *uploads = json_object_get_array_member (ks_test_api_root (first), "uploads");
  g_autoptr (JsonNode) second = NULL;
  g_autofree char *commit = g_strdup_printf ("/v1/photos/%s/commit", ks_test_json_get_string (first, "photo_id"));

  g_assert_cmpuint (ks_test_api_put (api, ks_test_api_find_upload (uploads, "original"), original), ==, 200);
  g_assert_cmpuint (ks_test_api_put (api, ks_test_api_find_upload (uploads, "grid"), grid), ==, 200);
  second = ks_test_api_expect (api, alice->token, "POST", "/v1/photos/prepare", body2, 201);
  ks_test_api_expect_error (api, alice->token, "POST", commit, NULL, 409, "Conflict");
  ks_test_api_expect_error (api, alice->token, "POST", commit, "{\"parts\":[]}", 400, "BadRequest");
}

static const char *
list_id (JsonNode *list,
         guint     i)
{
  JsonArray *photos = json_object_get_array_member (ks_test_api_root (list), "photos");

  return ks_test_api_object_string (json_array_get_object_element (photos, i), "id");
}

static guint
list_length (JsonNode *list)
{
  return json_array_get_length (json_object_get_array_member (ks_test_api_root (list), "photos"));
}

static void
test_list_paging_delete_restore (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  KsTestUser *bob = ks_test_api_user (api, "bob");
  char       *ids[5] = { NULL };
  g_autoptr (JsonNode) page1 = NULL;
  g_autoptr (JsonNode) page2 = NULL;
  g_autoptr (JsonNode) page3 = NULL;
  g_autoptr (JsonNode) deleted = NULL;
  g_autoptr (JsonNode) without = NULL;
  g_autoptr (JsonNode) with = NULL;
  g_autoptr (JsonNode) restored = NULL;
  g_autoptr (JsonNode) bobs = NULL;
  g_autofree char *path2 = NULL;
  g_autofree char *path3 = NULL;
  g_autofree char *del = NULL;
  g_autofree char *restore = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *seed = g_strdup_printf ("photo-%u", i);
      ids[i] = ks_test_api_upload_photo (api, alice, seed);
    }

  /* Newest first, two at a time. */
  page1 = ks_test_api_expect (api, alice->token, "GET", "/v1/photos?limit=2", NULL, 200);
  g_assert_cmpuint (list_length (page1), ==, 2);
  g_assert_cmpstr (list_id (page1, 0), ==, ids[4]);
  path2 = g_strdup_printf ("/v1/photos?limit=2&cursor=%s", ks_test_json_get_string (page1, "cursor"));
  page2 = ks_test_api_expect (api, alice->token, "GET", path2, NULL, 200);
  g_assert_cmpstr (list_id (page2, 0), ==, ids[2]);
  path3 = g_strdup_printf ("/v1/photos?limit=2&cursor=%s", ks_test_json_get_string (page2, "cursor"));
  page3 = ks_test_api_expect (api, alice->token, "GET", path3, NULL, 200);
  g_assert_cmpuint (list_length (page3), ==, 1);
  g_assert_cmpstr (list_id (page3, 0), ==, ids[0]);
  g_assert_true (json_object_get_null_member (ks_test_api_root (page3), "cursor"));

  /* Others see none of it. */
  bobs = ks_test_api_expect (api, bob->token, "GET", "/v1/photos", NULL, 200);
  g_assert_cmpuint (list_length (bobs), ==, 0);

  del = g_strdup_printf ("/v1/photos/%s", ids[4]);
  ks_test_api_expect_error (api, bob->token, "DELETE", del, NULL, 404, "NotFound");
  deleted = ks_test_api_expect (api, alice->token, "DELETE", del, NULL, 200);
  g_assert_false (json_object_get_null_member (ks_test_api_root (deleted), "deleted_at"));
  g_clear_pointer (&deleted, json_node_unref);
  deleted = ks_test_api_expect (api, alice->token, "DELETE", del, NULL, 200);

  without = ks_test_api_expect (api, alice->token, "GET", "/v1/photos", NULL, 200);
  g_assert_cmpuint (list_length (without), ==, 4);
  with = ks_test_api_expect (api, alice->token, "GET", "/v1/photos?deleted=true", NULL, 200);
  g_assert_cmpuint (list_length (with), ==, 5);

  restore = g_strdup_printf ("/v1/photos/%s/restore", ids[4]);
  restored = ks_test_api_expect (api, alice->token, "POST", restore, NULL, 200);
  g_assert_true (json_object_get_null_member (ks_test_api_root (restored), "deleted_at"));

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_free (ids[i]);
}

static JsonObject *
prepare_multipart (KsTestApi  *api,
                   KsTestUser *user,
                   GBytes     *original,
                   JsonNode  **out_prepared,
                   char      **out_commit)
{
  g_autofree char *body = ks_test_api_prepare_body (original, NULL, NULL, "pano.tif");
  JsonNode        *prepared = ks_test_api_expect (api, user->token, "POST", "/v1/photos/prepare", body, 201);

  *out_prepared = prepared;
  *out_commit = g_strdup_printf ("/v1/photos/%s/commit", ks_test_json_get_string (prepared, "photo_id"));
  return ks_test_api_find_upload (json_object_get_array_member (ks_test_api_root (prepared), "uploads"), "original");
}

/* Above the threshold, parts: presigned UploadParts and a presigned
 * CompleteMultipartUpload, then commit. */
static void
test_multipart (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  gsize       size = 64 * MiB + 5;
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("panorama", size);
  g_autoptr (JsonNode) prepared = NULL;
  g_autofree char *commit = NULL;
  JsonObject      *upload = prepare_multipart (api, alice, original, &prepared, &commit);
  g_autoptr (GPtrArray) etags = NULL;
  g_autoptr (GString) xml = g_string_new ("<CompleteMultipartUpload>");
  g_autofree char *with_parts = NULL;
  g_autoptr (SoupMessage) complete = NULL;
  g_autoptr (GBytes) xml_bytes = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (JsonNode) committed = NULL;
  g_autoptr (JsonNode) again = NULL;

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (upload, "parts")), ==, 5);
  etags = ks_test_api_put_parts (api, upload, original, 0);
  for (guint i = 0; i < etags->len; i++)
    g_string_append_printf (xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>", i + 1,
                            (const char *) g_ptr_array_index (etags, i));
  g_string_append (xml, "</CompleteMultipartUpload>");

  ks_test_api_expect_error (api, alice->token, "POST", commit, NULL, 412, "PreconditionFailed");
  complete = soup_message_new ("POST", ks_test_api_object_string (json_object_get_object_member (upload, "complete"), "url"));
  g_assert_nonnull (complete);
  xml_bytes = g_bytes_new (xml->str, xml->len);
  soup_message_set_request_body_from_bytes (complete, "application/xml", xml_bytes);
  reply = ks_test_server_send (ks_test_api_get_server (api), complete);
  g_assert_cmpuint (soup_message_get_status (complete), ==, 200);

  /* The parts too, after the client completed the upload itself. */
  with_parts = ks_test_api_parts_body (etags);
  committed = ks_test_api_expect (api, alice->token, "POST", commit, with_parts, 200);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (ks_test_api_root (committed), "photo"), "size"), ==, size);
  again = ks_test_api_expect (api, alice->token, "POST", commit, with_parts, 200);
}

/* Commit with "parts" completes the upload in the server: no presigned
 * CompleteMultipartUpload needed. */
static void
test_multipart_commit_completes (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  gsize       size = 64 * MiB + 1000;
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("wide", size);
  g_autoptr (JsonNode) prepared = NULL;
  g_autofree char *commit = NULL;
  JsonObject      *upload = NULL;
  g_autoptr (GPtrArray) etags = NULL;
  g_autoptr (GPtrArray) wrong = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) short_list = g_ptr_array_new ();
  g_autofree char *body = NULL;
  g_autofree char *wrong_body = NULL;
  g_autofree char *short_body = NULL;
  g_autoptr (JsonNode) committed = NULL;
  g_autoptr (JsonNode) listed = NULL;
  JsonObject *photo;
  guint       status = 0;
  g_autoptr (GBytes) fetched = NULL;

  /* Part 2 missing: the store cannot complete it yet. */
  upload = prepare_multipart (api, alice, original, &prepared, &commit);
  etags = ks_test_api_put_parts (api, upload, original, 2);
  g_free (g_ptr_array_index (etags, 1));
  g_ptr_array_index (etags, 1) = g_strdup ("\"0123456789abcdef0123456789abcdef\"");
  body = ks_test_api_parts_body (etags);
  ks_test_api_expect_error (api, alice->token, "POST", commit, body, 412, "PreconditionFailed");

  /* All there, but an ETag that is not the part's. */
  g_clear_pointer (&etags, g_ptr_array_unref);
  etags = ks_test_api_put_parts (api, upload, original, 0);
  for (guint i = 0; i < etags->len; i++)
    g_ptr_array_add (wrong, g_strdup (i == 0 ? "\"ffffffffffffffffffffffffffffffff\"" : g_ptr_array_index (etags, i)));
  wrong_body = ks_test_api_parts_body (wrong);
  ks_test_api_expect_error (api, alice->token, "POST", commit, wrong_body, 412, "PreconditionFailed");

  /* A part left out is a bad request: all parts, in order. */
  g_ptr_array_add (short_list, g_ptr_array_index (etags, 0));
  short_body = ks_test_api_parts_body (short_list);
  ks_test_api_expect_error (api, alice->token, "POST", commit, short_body, 400, "BadRequest");

  g_free (body);
  body = ks_test_api_parts_body (etags);
  committed = ks_test_api_expect (api, alice->token, "POST", commit, body, 200);
  photo = json_object_get_object_member (ks_test_api_root (committed), "photo");
  g_assert_cmpstr (json_object_get_string_member (ks_test_api_root (committed), "status"), ==, "committed");
  g_assert_cmpint (json_object_get_int_member (photo, "size"), ==, size);
  fetched = ks_test_api_fetch (api, json_object_get_string_member (json_object_get_object_member (photo, "urls"), "original"), &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (g_bytes_equal (fetched, original));

  /* Idempotent, and the photo is listed. */
  g_clear_pointer (&committed, json_node_unref);
  committed = ks_test_api_expect (api, alice->token, "POST", commit, body, 200);
  listed = ks_test_api_expect (api, alice->token, "GET", "/v1/photos", NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (ks_test_api_root (listed), "photos")), ==, 1);
}

static char *
sql_printf (const char *format,
            ...) G_GNUC_PRINTF (1, 2);

static char *
sql_printf (const char *format,
            ...)
{
  va_list args;
  char   *sql;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);

  return sql;
}

/* Polls @path until it answers @status, for up to 20 s. */
static void
wait_for_status (KsTestApi  *api,
                 const char *token,
                 const char *method,
                 const char *path,
                 guint       status)
{
  for (guint i = 0; i < 200; i++)
    {
      guint got = 0;
      g_autoptr (JsonNode) ignored = ks_test_api_call (api, token, method, path, NULL, &got);

      if (got == status)
        return;
      g_usleep (100 * 1000);
    }
  g_error ("%s %s never answered %u", method, path, status);
}

static void
wait_for_fetch_status (KsTestApi  *api,
                       const char *url,
                       guint       status)
{
  for (guint i = 0; i < 200; i++)
    {
      guint got = 0;
      g_autoptr (GBytes) ignored = ks_test_api_fetch (api, url, &got);

      if (got == status)
        return;
      g_usleep (100 * 1000);
    }
  g_error ("%s never answered %u", url, status);
}

static char *
prepare_pending (KsTestApi  *api,
                 KsTestUser *user,
                 const char *seed,
                 gsize       size,
                 gboolean    upload,
                 char      **out_upload_id)
{
  g_autoptr (GBytes) bytes = ks_test_api_photo_bytes (seed, size);
  g_autofree char *body = ks_test_api_prepare_body (bytes, NULL, NULL, "p.jpg");
  g_autoptr (JsonNode) prepared = ks_test_api_expect (api, user->token, "POST", "/v1/photos/prepare", body, 201);
  JsonObject *original = ks_test_api_find_upload (json_object_get_array_member (ks_test_api_root (prepared), "uploads"),
                                                  "original");

  if (upload)
    g_assert_cmpuint (ks_test_api_put (api, original, bytes), ==, 200);
  if (out_upload_id != NULL)
    *out_upload_id = g_strdup (ks_test_api_object_string (original, "upload_id"));

  return g_strdup (ks_test_json_get_string (prepared, "photo_id"));
}

/* The sweep: pending photos long after their last prepare and deleted
 * photos past the retention go, with their objects and uploads; the
 * rest stays. */
static void
test_cleanup_sweep (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestServer    *server = ks_test_api_get_server (api);
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  g_autofree char *old_deleted = ks_test_api_upload_photo (api, alice, "old-deleted");
  g_autofree char *new_deleted = ks_test_api_upload_photo (api, alice, "new-deleted");
  g_autofree char *kept = ks_test_api_upload_photo (api, alice, "kept");
  g_autofree char *upload_id = NULL;
  g_autofree char *old_pending = prepare_pending (api, alice, "old-pending", 3000, TRUE, NULL);
  g_autofree char *old_multipart = prepare_pending (api, alice, "old-multipart", 64 * MiB + 1, FALSE, &upload_id);
  g_autofree char *new_pending = prepare_pending (api, alice, "new-pending", 3000, FALSE, NULL);
  g_autofree char *upload_dir = g_strconcat ("objects/.multipart/", upload_id, NULL);
  g_autofree char *upload_path = ks_test_server_dup_data_path (server, upload_dir);
  g_autofree char *path = g_strdup_printf ("/v1/photos/%s", old_deleted);
  g_autofree char *add = g_strdup_printf ("{\"photo_ids\":[\"%s\"]}", old_deleted);
  g_autofree char *album_photos = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *commit_path = NULL;
  g_autoptr (JsonNode) photo = ks_test_api_expect (api, alice->token, "GET", path, NULL, 200);
  g_autoptr (JsonNode) album = ks_test_api_expect (api, alice->token, "POST", "/v1/albums", "{\"name\":\"Trip\"}", 201);
  g_autoptr (JsonNode) added = NULL;
  g_autoptr (JsonNode) listed = NULL;
  g_autoptr (JsonNode) old_pending_url = NULL;
  g_autofree char *original_url = g_strdup (ks_test_json_get_string (photo, "urls.original"));

  g_assert_true (g_file_test (upload_path, G_FILE_TEST_IS_DIR));
  album_photos = g_strdup_printf ("/v1/albums/%s/photos", ks_test_json_get_string (album, "id"));
  added = ks_test_api_expect (api, alice->token, "POST", album_photos, add, 200);
  g_clear_pointer (&photo, json_node_unref);
  photo = ks_test_api_expect (api, alice->token, "DELETE", path, NULL, 200);
  g_free (path);
  path = g_strdup_printf ("/v1/photos/%s", new_deleted);
  g_clear_pointer (&photo, json_node_unref);
  photo = ks_test_api_expect (api, alice->token, "DELETE", path, NULL, 200);

  sql = sql_printf ("UPDATE photos SET deleted_at = deleted_at - 31 * 86400 WHERE id = '%s';"
                    "UPDATE photos SET deleted_at = deleted_at - 29 * 86400 WHERE id = '%s';"
                    "UPDATE photos SET prepared_at = prepared_at - 86401 WHERE id IN ('%s', '%s');"
                    "UPDATE photos SET prepared_at = prepared_at - 86000 WHERE id = '%s';",
                    old_deleted, new_deleted, old_pending, old_multipart, new_pending);
  ks_test_api_sql (api, sql);
  ks_test_server_add_args (server, "--sweep-interval", "1", NULL);
  ks_test_server_restart (server);

  g_free (path);
  path = g_strdup_printf ("/v1/photos/%s", old_deleted);
  wait_for_status (api, alice->token, "GET", path, 404);
  wait_for_fetch_status (api, original_url, 404);
  for (guint i = 0; i < 200 && g_file_test (upload_path, G_FILE_TEST_EXISTS); i++)
    g_usleep (100 * 1000);
  g_assert_false (g_file_test (upload_path, G_FILE_TEST_EXISTS));

  commit_path = g_strdup_printf ("/v1/photos/%s/commit", old_pending);
  ks_test_api_expect_error (api, alice->token, "POST", commit_path, NULL, 404, "NotFound");
  g_free (commit_path);
  commit_path = g_strdup_printf ("/v1/photos/%s/commit", old_multipart);
  ks_test_api_expect_error (api, alice->token, "POST", commit_path, NULL, 404, "NotFound");
  g_free (commit_path);
  commit_path = g_strdup_printf ("/v1/photos/%s/commit", new_pending);
  ks_test_api_expect_error (api, alice->token, "POST", commit_path, NULL, 412, "PreconditionFailed");

  g_free (path);
  path = g_strdup_printf ("/v1/photos/%s", new_deleted);
  g_clear_pointer (&photo, json_node_unref);
  photo = ks_test_api_expect (api, alice->token, "GET", path, NULL, 200);
  g_free (path);
  path = g_strdup_printf ("/v1/photos/%s", kept);
  g_clear_pointer (&photo, json_node_unref);
  photo = ks_test_api_expect (api, alice->token, "GET", path, NULL, 200);
  listed = ks_test_api_expect (api, alice->token, "GET", album_photos, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (ks_test_api_root (listed), "photos")), ==, 0);
}

/* A photo's "urls_expire_at" as Unix time, checked against [@from, @to]
 * plus @lifetime; also what its URLs say. */
static gint64
assert_urls_expire (JsonNode *photo,
                    gint64    from,
                    gint64    to,
                    gint64    lifetime)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_iso8601 (ks_test_json_get_string (photo, "urls_expire_at"), NULL);
  g_autofree char *expires = g_strdup_printf ("X-Amz-Expires=%" G_GINT64_FORMAT "&", lifetime);
  gint64           expire_at;

  g_assert_nonnull (time);
  expire_at = g_date_time_to_unix (time);
  g_assert_cmpint (expire_at, >=, from + lifetime);
  g_assert_cmpint (expire_at, <=, to + lifetime);
  g_assert_nonnull (strstr (ks_test_json_get_string (photo, "urls.original"), expires));
  g_assert_nonnull (strstr (ks_test_json_get_string (photo, "urls.grid"), expires));

  return expire_at;
}

/* --download-url-lifetime: "urls_expire_at" and the URLs agree, and the
 * store refuses a URL once its time is up. */
static void
test_download_url_lifetime (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestServer    *server = ks_test_api_get_server (api);
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  g_autofree char *id = ks_test_api_upload_photo (api, alice, "short-lived");
  g_autofree char *path = g_strdup_printf ("/v1/photos/%s", id);
  g_autoptr (JsonNode) photo = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *text = NULL;
  const char      *url;
  gint64           before = g_get_real_time () / G_USEC_PER_SEC;
  gint64           after;
  guint            status = 0;

  /* An hour by default. */
  photo = ks_test_api_expect (api, alice->token, "GET", path, NULL, 200);
  assert_urls_expire (photo, before, g_get_real_time () / G_USEC_PER_SEC, 3600);

  ks_test_server_add_args (server, "--download-url-lifetime", "2s", NULL);
  ks_test_server_restart (server);
  before = g_get_real_time () / G_USEC_PER_SEC;
  g_clear_pointer (&photo, json_node_unref);
  photo = ks_test_api_expect (api, alice->token, "GET", path, NULL, 200);
  after = g_get_real_time () / G_USEC_PER_SEC;
  assert_urls_expire (photo, before, after, 2);
  url = ks_test_json_get_string (photo, "urls.original");
  body = ks_test_api_fetch (api, url, &status);
  g_assert_cmpuint (status, ==, 200);

  /* Signed no later than @after, so dead by @after + 3 at the latest. */
  while (g_get_real_time () / G_USEC_PER_SEC < after + 3)
    g_usleep (100 * 1000);
  g_clear_pointer (&body, g_bytes_unref);
  body = ks_test_api_fetch (api, url, &status);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_test_message ("expired: %s", text);
  g_assert_cmpuint (status, ==, 403);
  g_assert_nonnull (strstr (text, "<Code>AccessDenied</Code>"));
  g_assert_nonnull (strstr (text, "Request has expired"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/api/me", test_me);
  g_test_add_func ("/api/unauthorized", test_unauthorized);
  g_test_add_func ("/api/real-sign-in", test_real_sign_in);
  g_test_add_func ("/api/photos/prepare-upload-commit", test_prepare_upload_commit);
  g_test_add_func ("/api/photos/dedupe-and-resume", test_dedupe_and_resume);
  g_test_add_func ("/api/photos/prepare-concurrent", test_prepare_concurrent);
  g_test_add_func ("/api/photos/commit-mismatch", test_commit_mismatch);
  g_test_add_func ("/api/photos/list-paging-delete-restore", test_list_paging_delete_restore);
  g_test_add_func ("/api/photos/multipart", test_multipart);
  g_test_add_func ("/api/photos/multipart-commit-completes", test_multipart_commit_completes);
  g_test_add_func ("/api/photos/cleanup-sweep", test_cleanup_sweep);
  g_test_add_func ("/api/photos/download-url-lifetime", test_download_url_lifetime);

  return g_test_run ();
}
