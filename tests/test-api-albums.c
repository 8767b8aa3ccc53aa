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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/api/albums/crud", test_crud);
  g_test_add_func ("/api/albums/photos", test_album_photos);
  g_test_add_func ("/api/albums/members", test_members);
  g_test_add_func ("/api/albums/roles-and-urls", test_roles_and_urls);

  return g_test_run ();
}
