/* test-api-albums.c: albums, their photos and their members
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ks-test-api.h"

static char *
create_album (KsTestApi  *api,
              KsTestUser *owner,
              const char *name)
{
  g_autofree char *body = g_strdup_printf ("{\"name\":\"%s\"}", name);
  g_autoptr (JsonNode) album = ks_test_api_expect (api, owner->token, "POST", "/v1/albums", body, 201);

  g_assert_cmpstr (ks_test_json_get_string (album, "name"), ==, name);
  g_assert_cmpstr (ks_test_json_get_string (album, "role"), ==, "owner");
  g_assert_cmpstr (ks_test_json_get_string (album, "owner"), ==, owner->username);

  return g_strdup (ks_test_json_get_string (album, "id"));
}

static JsonArray *
member_array (JsonNode   *node,
              const char *name)
{
  return json_object_get_array_member (ks_test_api_root (node), name);
}

static void
add_member (KsTestApi  *api,
            KsTestUser *owner,
            const char *album,
            KsTestUser *member,
            const char *role)
{
  g_autofree char *path = g_strdup_printf ("/v1/albums/%s/members", album);
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"role\":\"%s\"}", member->username, role);
  g_autoptr (JsonNode) reply = ks_test_api_expect (api, owner->token, "POST", path, body, 201);

  g_assert_cmpstr (ks_test_json_get_string (reply, "role"), ==, role);
}

static void
add_photo (KsTestApi  *api,
           KsTestUser *user,
           const char *album,
           const char *photo,
           guint       status)
{
  g_autofree char *path = g_strdup_printf ("/v1/albums/%s/photos", album);
  g_autofree char *body = g_strdup_printf ("{\"photo_ids\":[\"%s\"]}", photo);
  g_autoptr (JsonNode) reply = ks_test_api_expect (api, user->token, "POST", path, body, status);
}

static gint64
photo_count (KsTestApi  *api,
             KsTestUser *user,
             const char *album)
{
  g_autofree char *path = g_strdup_printf ("/v1/albums/%s", album);
  g_autoptr (JsonNode) reply = ks_test_api_expect (api, user->token, "GET", path, NULL, 200);

  return json_object_get_int_member (ks_test_api_root (reply), "photo_count");
}

static void
test_crud (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *bob = ks_test_api_user (api, "bob");
  g_autofree char *id = create_album (api, alice, "Ferien in Zürich 🏔");
  g_autofree char *other = create_album (api, alice, "Second");
  g_autofree char *path = g_strdup_printf ("/v1/albums/%s", id);
  g_autoptr (JsonNode) list = ks_test_api_expect (api, alice->token, "GET", "/v1/albums", NULL, 200);
  g_autoptr (JsonNode) bobs = ks_test_api_expect (api, bob->token, "GET", "/v1/albums", NULL, 200);
  g_autoptr (JsonNode) renamed = NULL;
  g_autoptr (JsonNode) same = NULL;
  g_autoptr (JsonNode) gone = NULL;

  g_assert_cmpuint (json_array_get_length (member_array (list, "albums")), ==, 2);
  g_assert_cmpuint (json_array_get_length (member_array (bobs, "albums")), ==, 0);
  ks_test_api_expect_error (api, bob->token, "GET", path, NULL, 404, "NotFound");

  renamed = ks_test_api_expect (api, alice->token, "PATCH", path, "{\"name\":\"%2e%2e ἀλφα\"}", 200);
  g_assert_cmpstr (ks_test_json_get_string (renamed, "name"), ==, "%2e%2e ἀλφα");
  same = ks_test_api_expect (api, alice->token, "PATCH", path, "{\"name\":\"%2e%2e ἀλφα\"}", 200);
  ks_test_api_expect_error (api, bob->token, "PATCH", path, "{\"name\":\"mine\"}", 404, "NotFound");
  ks_test_api_expect_error (api, bob->token, "DELETE", path, NULL, 404, "NotFound");

  gone = ks_test_api_expect (api, alice->token, "DELETE", path, NULL, 204);
  g_assert_null (gone);
  ks_test_api_expect_error (api, alice->token, "GET", path, NULL, 404, "NotFound");
  ks_test_api_expect_error (api, alice->token, "DELETE", path, NULL, 404, "NotFound");
}

static void
test_album_photos (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *bob = ks_test_api_user (api, "bob");
  g_autofree char *album = create_album (api, alice, "Trip");
  g_autofree char *p1 = ks_test_api_upload_photo (api, alice, "p1");
  g_autofree char *p2 = ks_test_api_upload_photo (api, alice, "p2");
  g_autofree char *bobs = ks_test_api_upload_photo (api, bob, "bob's");
  g_autofree char *path = g_strdup_printf ("/v1/albums/%s/photos", album);
  g_autofree char *both = g_strdup_printf ("{\"photo_ids\":[\"%s\",\"%s\",\"%s\"]}", p1, p2, p1);
  g_autofree char *remove = g_strdup_printf ("/v1/albums/%s/photos/%s", album, p1);
  g_autofree char *del = g_strdup_printf ("/v1/photos/%s", p2);
  g_autofree char *restore = g_strdup_printf ("/v1/photos/%s/restore", p2);
  g_autoptr (JsonNode) added = ks_test_api_expect (api, alice->token, "POST", path, both, 200);
  g_autoptr (JsonNode) again = ks_test_api_expect (api, alice->token, "POST", path, both, 200);
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) deleted = NULL;
  g_autoptr (JsonNode) restored = NULL;
  g_autoptr (JsonNode) removed = NULL;
  JsonObject *first;

  g_assert_cmpuint (json_array_get_length (member_array (added, "added")), ==, 2);
  g_assert_cmpuint (json_array_get_length (member_array (again, "already_in_album")), ==, 2);

  /* Only one's own, committed photos; all or nothing. */
  add_photo (api, alice, album, bobs, 404);
  add_photo (api, alice, album, "00000000-0000-4000-8000-000000000000", 404);
  g_assert_cmpint (photo_count (api, alice, album), ==, 2);

  list = ks_test_api_expect (api, alice->token, "GET", path, NULL, 200);
  first = json_array_get_object_element (member_array (list, "photos"), 0);
  g_assert_cmpstr (ks_test_api_object_string (first, "owner"), ==, "alice");
  g_assert_cmpstr (ks_test_api_object_string (first, "added_by"), ==, "alice");
  g_assert_nonnull (json_object_get_object_member (first, "urls"));

  /* A deleted photo leaves the album until it is restored. */
  deleted = ks_test_api_expect (api, alice->token, "DELETE", del, NULL, 200);
  g_assert_cmpint (photo_count (api, alice, album), ==, 1);
  add_photo (api, alice, album, p2, 404);
  restored = ks_test_api_expect (api, alice->token, "POST", restore, NULL, 200);
  g_assert_cmpint (photo_count (api, alice, album), ==, 2);

  removed = ks_test_api_expect (api, alice->token, "DELETE", remove, NULL, 204);
  ks_test_api_expect_error (api, alice->token, "DELETE", remove, NULL, 404, "NotFound");
  g_assert_cmpint (photo_count (api, alice, album), ==, 1);
}

static JsonObject *
find_album (JsonNode   *list,
            const char *id)
{
  JsonArray *albums = member_array (list, "albums");

  for (guint i = 0; i < json_array_get_length (albums); i++)
    {
      JsonObject *album = json_array_get_object_element (albums, i);

      if (g_str_equal (ks_test_api_object_string (album, "id"), id))
        return album;
    }

  return NULL;
}

static void
test_members (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *carol = ks_test_api_user (api, "carol");
  KsTestUser      *victor = ks_test_api_user (api, "victor");
  KsTestUser      *sam = ks_test_api_user (api, "sam");
  g_autofree char *album = create_album (api, alice, "Shared");
  g_autofree char *members = g_strdup_printf ("/v1/albums/%s/members", album);
  g_autofree char *victor_path = g_strdup_printf ("/v1/albums/%s/members/victor", album);
  g_autofree char *carol_path = g_strdup_printf ("/v1/albums/%s/members/carol", album);
  g_autofree char *alice_path = g_strdup_printf ("/v1/albums/%s/members/alice", album);
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) victors = NULL;
  g_autoptr (JsonNode) patched = NULL;
  g_autoptr (JsonNode) left = NULL;
  g_autoptr (JsonNode) carols = NULL;
  JsonObject *seen;

  add_member (api, alice, album, carol, "contributor");
  add_member (api, alice, album, victor, "viewer");
  ks_test_api_expect_error (api, alice->token, "POST", members,
                            "{\"username\":\"nobody\",\"role\":\"viewer\"}", 404, "NotFound");
  ks_test_api_expect_error (api, alice->token, "POST", members,
                            "{\"username\":\"alice\",\"role\":\"viewer\"}", 409, "Conflict");
  ks_test_api_expect_error (api, alice->token, "POST", members,
                            "{\"username\":\"CAROL\",\"role\":\"viewer\"}", 409, "Conflict");
  ks_test_api_expect_error (api, alice->token, "POST", members,
                            "{\"username\":\"sam\",\"role\":\"owner\"}", 400, "BadRequest");
  ks_test_api_expect_error (api, carol->token, "POST", members,
                            "{\"username\":\"sam\",\"role\":\"viewer\"}", 403, "Forbidden");

  list = ks_test_api_expect (api, victor->token, "GET", members, NULL, 200);
  g_assert_cmpuint (json_array_get_length (member_array (list, "members")), ==, 3);
  g_assert_cmpstr (ks_test_api_object_string (json_array_get_object_element (member_array (list, "members"), 0), "role"),
                   ==, "owner");
  ks_test_api_expect_error (api, sam->token, "GET", members, NULL, 404, "NotFound");

  victors = ks_test_api_expect (api, victor->token, "GET", "/v1/albums", NULL, 200);
  seen = find_album (victors, album);
  g_assert_nonnull (seen);
  g_assert_cmpstr (ks_test_api_object_string (seen, "role"), ==, "viewer");
  g_assert_cmpstr (ks_test_api_object_string (seen, "owner"), ==, "alice");

  patched = ks_test_api_expect (api, alice->token, "PATCH", victor_path, "{\"role\":\"contributor\"}", 200);
  g_assert_cmpstr (ks_test_json_get_string (patched, "role"), ==, "contributor");
  g_clear_pointer (&patched, json_node_unref);
  patched = ks_test_api_expect (api, alice->token, "PATCH", victor_path, "{\"role\":\"viewer\"}", 200);
  ks_test_api_expect_error (api, alice->token, "PATCH", alice_path, "{\"role\":\"viewer\"}", 404, "NotFound");
  ks_test_api_expect_error (api, victor->token, "PATCH", carol_path, "{\"role\":\"viewer\"}", 403, "Forbidden");

  /* Members leave by themselves; only the owner removes others. */
  ks_test_api_expect_error (api, victor->token, "DELETE", carol_path, NULL, 403, "Forbidden");
  ks_test_api_expect_error (api, alice->token, "DELETE", alice_path, NULL, 409, "Conflict");
  left = ks_test_api_expect (api, victor->token, "DELETE", victor_path, NULL, 204);
  ks_test_api_expect_error (api, victor->token, "GET", members, NULL, 404, "NotFound");
  g_clear_pointer (&victors, json_node_unref);
  victors = ks_test_api_expect (api, victor->token, "GET", "/v1/albums", NULL, 200);
  g_assert_null (find_album (victors, album));

  g_clear_pointer (&left, json_node_unref);
  left = ks_test_api_expect (api, alice->token, "DELETE", carol_path, NULL, 204);
  carols = ks_test_api_expect (api, carol->token, "GET", "/v1/albums", NULL, 200);
  g_assert_null (find_album (carols, album));
}

static void
test_roles_and_urls (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *carol = ks_test_api_user (api, "carol");
  KsTestUser      *victor = ks_test_api_user (api, "victor");
  g_autofree char *album = create_album (api, alice, "Roles");
  g_autofree char *alices = ks_test_api_upload_photo (api, alice, "alice-1");
  g_autofree char *carols = ks_test_api_upload_photo (api, carol, "carol-1");
  g_autofree char *victors = ks_test_api_upload_photo (api, victor, "victor-1");
  g_autofree char *photos = g_strdup_printf ("/v1/albums/%s/photos", album);
  g_autofree char *remove_alices = g_strdup_printf ("%s/%s", photos, alices);
  g_autofree char *remove_carols = g_strdup_printf ("%s/%s", photos, carols);
  g_autofree char *alices_photo = g_strdup_printf ("/v1/photos/%s", alices);
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) removed = NULL;
  JsonObject *urls;
  guint       status = 0;
  g_autoptr (GBytes) fetched = NULL;

  add_member (api, alice, album, carol, "contributor");
  add_member (api, alice, album, victor, "viewer");
  add_photo (api, alice, album, alices, 200);
  add_photo (api, carol, album, carols, 200);
  add_photo (api, carol, album, alices, 404);
  add_photo (api, victor, album, victors, 403);

  /* Members read everything in the album, with URLs that work. */
  list = ks_test_api_expect (api, victor->token, "GET", photos, NULL, 200);
  g_assert_cmpuint (json_array_get_length (member_array (list, "photos")), ==, 2);
  urls = json_object_get_object_member (json_array_get_object_element (member_array (list, "photos"), 0), "urls");
  fetched = ks_test_api_fetch (api, ks_test_api_object_string (urls, "original"), &status);
  g_assert_cmpuint (status, ==, 200);
  ks_test_api_expect_error (api, victor->token, "GET", alices_photo, NULL, 404, "NotFound");

  ks_test_api_expect_error (api, carol->token, "DELETE", remove_alices, NULL, 403, "Forbidden");
  ks_test_api_expect_error (api, victor->token, "DELETE", remove_carols, NULL, 403, "Forbidden");
  removed = ks_test_api_expect (api, carol->token, "DELETE", remove_carols, NULL, 204);
}

/* What a presigned GET serves has the SHA-256 the photo names. */
static void
assert_fetches (KsTestApi  *api,
                JsonObject *urls,
                const char *name,
                const char *sha256)
{
  guint status = 0;
  g_autoptr (GBytes) body = ks_test_api_fetch (api, ks_test_api_object_string (urls, name), &status);
  g_autofree char *fetched = NULL;

  g_assert_cmpuint (status, ==, 200);
  fetched = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);
  g_assert_cmpstr (fetched, ==, sha256);
}

/* The single photo is the list's element, but for its fresh URLs. */
static void
assert_same_photo (JsonObject *listed,
                   JsonObject *got)
{
  g_autoptr (GList) names = json_object_get_members (listed);

  g_assert_cmpuint (json_object_get_size (got), ==, json_object_get_size (listed));
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;

      g_assert_true (json_object_has_member (got, name));
      if (!g_str_equal (name, "urls") && !g_str_equal (name, "urls_expire_at"))
        g_assert_true (json_node_equal (json_object_get_member (listed, name),
                                        json_object_get_member (got, name)));
    }
}

static void
test_get_photo (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *carol = ks_test_api_user (api, "carol");
  KsTestUser      *victor = ks_test_api_user (api, "victor");
  g_autofree char *album = create_album (api, alice, "One by one");
  g_autofree char *other = create_album (api, alice, "Elsewhere");
  g_autofree char *kept = ks_test_api_upload_photo (api, carol, "carol-kept");
  g_autofree char *removed = ks_test_api_upload_photo (api, carol, "carol-removed");
  g_autofree char *elsewhere = ks_test_api_upload_photo (api, alice, "alice-elsewhere");
  g_autofree char *photos = g_strdup_printf ("/v1/albums/%s/photos", album);
  g_autofree char *kept_path = g_strdup_printf ("%s/%s", photos, kept);
  g_autofree char *removed_path = g_strdup_printf ("%s/%s", photos, removed);
  g_autofree char *elsewhere_path = g_strdup_printf ("%s/%s", photos, elsewhere);
  g_autofree char *unknown_path = g_strdup_printf ("%s/00000000-0000-4000-8000-000000000000", photos);
  g_autofree char *bad_path = g_strdup_printf ("%s/not-an-id", photos);
  g_autofree char *query_path = g_strdup_printf ("%s?limit=1", kept_path);
  g_autofree char *delete_kept = g_strdup_printf ("/v1/photos/%s", kept);
  g_autofree char *restore_kept = g_strdup_printf ("/v1/photos/%s/restore", kept);
  g_autofree char *uncommit = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) gone = NULL;
  g_autoptr (JsonNode) changed = NULL;
  KsTestUser *readers[] = { alice, victor };

  add_member (api, alice, album, carol, "contributor");
  add_member (api, alice, album, victor, "viewer");
  add_photo (api, carol, album, kept, 200);
  add_photo (api, carol, album, removed, 200);
  add_photo (api, alice, other, elsewhere, 200);
  list = ks_test_api_expect (api, alice->token, "GET", photos, NULL, 200);

  /* The owner and a viewer read a contributor's photo, URLs included. */
  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      g_autoptr (JsonNode) reply = ks_test_api_expect (api, readers[i]->token, "GET", kept_path, NULL, 200);
      JsonObject *photo = ks_test_api_root (reply);
      JsonObject *urls = json_object_get_object_member (photo, "urls");
      JsonObject *grid = json_array_get_object_element (json_object_get_array_member (photo, "thumbnails"), 0);

      g_assert_cmpstr (ks_test_api_object_string (photo, "id"), ==, kept);
      g_assert_cmpstr (ks_test_api_object_string (photo, "owner"), ==, "carol");
      g_assert_cmpstr (ks_test_api_object_string (photo, "added_by"), ==, "carol");
      g_assert_nonnull (ks_test_api_object_string (photo, "urls_expire_at"));
      g_assert_false (json_object_has_member (photo, "committed_at"));
      assert_same_photo (json_array_get_object_element (member_array (list, "photos"), 1), photo);
      g_assert_cmpstr (ks_test_api_object_string (grid, "name"), ==, "grid");
      assert_fetches (api, urls, "original", ks_test_api_object_string (photo, "sha256"));
      assert_fetches (api, urls, "grid", ks_test_api_object_string (grid, "sha256"));
    }

  ks_test_api_expect_error (api, alice->token, "GET", bad_path, NULL, 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "GET", query_path, NULL, 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "GET", unknown_path, NULL, 404, "NotFound");
  ks_test_api_expect_error (api, victor->token, "GET", elsewhere_path, NULL, 404, "NotFound");

  gone = ks_test_api_expect (api, carol->token, "DELETE", removed_path, NULL, 204);
  ks_test_api_expect_error (api, victor->token, "GET", removed_path, NULL, 404, "NotFound");

  /* Soft-deleted: gone from the album until restored. */
  changed = ks_test_api_expect (api, carol->token, "DELETE", delete_kept, NULL, 200);
  ks_test_api_expect_error (api, alice->token, "GET", kept_path, NULL, 404, "NotFound");
  g_clear_pointer (&changed, json_node_unref);
  changed = ks_test_api_expect (api, carol->token, "POST", restore_kept, NULL, 200);
  g_clear_pointer (&changed, json_node_unref);
  changed = ks_test_api_expect (api, victor->token, "GET", kept_path, NULL, 200);

  /* Never the case through the API, but a pending photo is no one's to see. */
  uncommit = g_strdup_printf ("UPDATE photos SET committed_at = NULL WHERE id = '%s';", kept);
  ks_test_api_sql (api, uncommit);
  ks_test_api_expect_error (api, alice->token, "GET", kept_path, NULL, 404, "NotFound");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/api/albums/crud", test_crud);
  g_test_add_func ("/api/albums/photos", test_album_photos);
  g_test_add_func ("/api/albums/members", test_members);
  g_test_add_func ("/api/albums/roles-and-urls", test_roles_and_urls);
  g_test_add_func ("/api/albums/get-photo", test_get_photo);

  return g_test_run ();
}
