/* test-cloud-api.c: every call of KsApiClient against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "ks-api-client.h"
#include "ks-cloud-error.h"
#include "ks-hash.h"
#include "ks-test-cloud.h"

static GAsyncResult **
reset_result (GAsyncResult **result)
{
  g_clear_object (result);
  return result;
}

/* Runs fn_async (client, args..., NULL, store, &res) to its end and
 * yields the result; `res` must be a GAsyncResult * in scope. */
#define CALL(fn, client, ...) \
  (fn##_async (client, __VA_ARGS__, NULL, ks_test_store_result, reset_result (&res)), ks_test_wait_result (&res))
#define CALL0(fn, client) \
  (fn##_async (client, NULL, ks_test_store_result, reset_result (&res)), ks_test_wait_result (&res))

typedef struct
{
  KsTestApi         *api;
  SoupSession       *soup;
  KsTestUser        *users[3]; /* owner, member, stranger */
  KsTestTokenSource *tokens[3];
  KsApiClient       *clients[3];
} Fixture;

enum
{
  OWNER,
  MEMBER,
  STRANGER
};

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const char *const names[] = { "olive", data != NULL ? data : "mallory", "sam" };
  g_autofree char  *api_url = NULL;

  f->api = ks_test_api_new ();
  api_url = g_strconcat (ks_test_server_get_base_url (ks_test_api_get_server (f->api)), "/v1", NULL);
  f->soup = soup_session_new ();
  soup_session_set_proxy_resolver (f->soup, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      f->users[i] = ks_test_api_user (f->api, names[i]);
      f->tokens[i] = ks_test_token_source_new (f->api, f->users[i], 3600);
      f->clients[i] = ks_api_client_new (f->soup, api_url, KS_TOKEN_SOURCE (f->tokens[i]));
    }
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->clients); i++)
    {
      g_clear_object (&f->clients[i]);
      g_clear_object (&f->tokens[i]);
    }
  g_clear_object (&f->soup);
  g_clear_pointer (&f->api, ks_test_api_free);
}

/* ---- Me ---- */

static void
test_me (Fixture      *f,
         gconstpointer data)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sub = NULL;
  g_autofree char *username = NULL;

  g_assert_true (ks_api_client_get_me_finish (f->clients[OWNER], CALL0 (ks_api_client_get_me, f->clients[OWNER]),
                                              &sub, &username, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sub, ==, f->users[OWNER]->sub);
  g_assert_cmpstr (username, ==, "olive");
  g_assert_true (g_str_has_suffix (ks_api_client_get_api_url (f->clients[OWNER]), "/v1"));
}

/* ---- Photos ---- */

static JsonObject *
upload_json (const KsUploadTarget *target)
{
  JsonObject    *upload = json_object_new ();
  JsonObject    *headers = json_object_new ();
  GHashTableIter iter;
  gpointer       name, value;

  g_hash_table_iter_init (&iter, target->headers);
  while (g_hash_table_iter_next (&iter, &name, &value))
    json_object_set_string_member (headers, name, value);
  json_object_set_string_member (upload, "url", target->url);
  json_object_set_object_member (upload, "headers", headers);
  return upload;
}

static KsPrepareRequest *
prepare_request (GBytes *original,
                 GBytes *grid,
                 GBytes *preview)
{
  KsPrepareRequest *request = ks_prepare_request_new ();
  GBytes           *thumbs[] = { grid, preview };
  const char       *names[] = { "grid", "preview" };

  request->sha256 = ks_sha256_hex (g_bytes_get_data (original, NULL), g_bytes_get_size (original));
  request->size = (gint64) g_bytes_get_size (original);
  request->content_type = g_strdup ("image/jpeg");
  request->file_name = g_strdup ("Strand 🏖.jpg");
  request->taken_at = g_strdup ("2024-05-01T12:34:56+02:00");
  request->width = 4000;
  request->height = 3000;
  for (guint i = 0; i < G_N_ELEMENTS (thumbs); i++)
    {
      g_autofree char *sha256 = ks_sha256_hex (g_bytes_get_data (thumbs[i], NULL), g_bytes_get_size (thumbs[i]));

      g_ptr_array_add (request->thumbnails, ks_thumbnail_info_new (names[i], (gint64) g_bytes_get_size (thumbs[i]), sha256));
    }

  return request;
}

static void
assert_error (GError     *error,
              int         code,
              const char *message_part)
{
  if (error != NULL)
    g_test_message ("error: %s", error->message);
  g_assert_error (error, KS_CLOUD_ERROR, code);
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_upload (Fixture      *f,
             gconstpointer data)
{
  KsApiClient *client = f->clients[OWNER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) original = ks_test_api_photo_bytes ("upload", 5000);
  g_autoptr (GBytes) grid = ks_test_api_photo_bytes ("upload/grid", 300);
  g_autoptr (GBytes) preview = ks_test_api_photo_bytes ("upload/preview", 900);
  g_autoptr (KsPrepareRequest) request = prepare_request (original, grid, preview);
  g_autoptr (KsPrepareRequest) copy = ks_prepare_request_copy (request);
  g_autoptr (KsPrepareReply) reply = NULL;
  g_autoptr (KsPrepareReply) again = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (KsPhoto) early = NULL;

  reply = ks_api_client_prepare_photo_finish (client, CALL (ks_api_client_prepare_photo, client, copy), &error);
  g_assert_no_error (error);
  g_assert_false (reply->exists);
  g_assert_nonnull (reply->photo_id);
  g_assert_nonnull (reply->expires_at);
  g_assert_cmpuint (reply->uploads->len, ==, 3);

  /* The bytes are not there yet. */
  early = ks_api_client_commit_photo_finish (client, CALL (ks_api_client_commit_photo, client, reply->photo_id, NULL), &error);
  assert_error (error, KS_CLOUD_ERROR_PRECONDITION, NULL);
  g_assert_null (early);
  g_clear_error (&error);

  for (guint i = 0; i < reply->uploads->len; i++)
    {
      KsUploadTarget *target = g_ptr_array_index (reply->uploads, i);
      g_autoptr (JsonObject) upload = upload_json (target);
      GBytes *bytes = g_str_equal (target->target, "original") ? original : g_str_equal (target->target, "grid") ? grid
                                                                                                                 : preview;

      g_assert_null (target->upload_id);
      g_assert_nonnull (g_hash_table_lookup (target->headers, "x-amz-checksum-sha256"));
      g_assert_cmpuint (ks_test_api_put (f->api, upload, bytes), ==, 200);
    }

  photo = ks_api_client_commit_photo_finish (client, CALL (ks_api_client_commit_photo, client, reply->photo_id, NULL), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (photo->id, ==, reply->photo_id);
  g_assert_cmpstr (photo->sha256, ==, request->sha256);
  g_assert_cmpint (photo->size, ==, 5000);
  g_assert_cmpstr (photo->file_name, ==, "Strand 🏖.jpg");
  g_assert_cmpstr (photo->taken_at, ==, "2024-05-01T12:34:56+02:00");
  g_assert_cmpint (photo->width, ==, 4000);
  g_assert_cmpuint (photo->thumbnails->len, ==, 2);
  g_assert_nonnull (photo->committed_at);
  g_assert_null (photo->deleted_at);
  g_assert_nonnull (photo->url_original);
  g_assert_nonnull (photo->url_preview);

  /* The same content again: nothing to send. */
  again = ks_api_client_prepare_photo_finish (client, CALL (ks_api_client_prepare_photo, client, request), &error);
  g_assert_no_error (error);
  g_assert_true (again->exists);
  g_assert_cmpstr (again->photo->id, ==, photo->id);
  g_assert_null (again->uploads);
}

static void
test_bad_requests (Fixture      *f,
                   gconstpointer data)
{
  KsApiClient *client = f->clients[OWNER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsPrepareRequest) request = ks_prepare_request_new ();
  g_autoptr (KsPrepareReply) reply = NULL;
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (KsAlbum) album = NULL;

  /* 400 with the server's own sentence, which names the member. */
  request->sha256 = g_strdup ("not hex");
  request->size = 10;
  request->content_type = g_strdup ("image/jpeg");
  request->file_name = g_strdup ("a.jpg");
  request->width = request->height = 10;
  reply = ks_api_client_prepare_photo_finish (client, CALL (ks_api_client_prepare_photo, client, request), &error);
  assert_error (error, KS_CLOUD_ERROR_BAD_REQUEST, "SHA-256");
  g_assert_null (reply);
  g_clear_error (&error);

  photo = ks_api_client_commit_photo_finish (client, CALL (ks_api_client_commit_photo, client, "3f2b1c4d-0000-4000-8000-000000000001", NULL), &error);
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
  g_clear_error (&error);

  /* An id that would be a different path if it were not encoded. */
  album = ks_api_client_get_album_finish (client, CALL (ks_api_client_get_album, client, "../photos"), &error);
  g_assert_null (album);
  g_assert_true (g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_BAD_REQUEST) ||
                 g_error_matches (error, KS_CLOUD_ERROR, KS_CLOUD_ERROR_NOT_FOUND));
}

static void
test_photo_lifecycle (Fixture      *f,
                      gconstpointer data)
{
  KsApiClient *client = f->clients[OWNER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = ks_test_api_upload_photo (f->api, f->users[OWNER], "life");
  g_autoptr (KsPhoto) photo = NULL;
  g_autoptr (KsPhoto) deleted = NULL;
  g_autoptr (KsPhoto) restored = NULL;
  g_autoptr (KsPhoto) hidden = NULL;
  g_autoptr (KsPhotoPage) live = NULL;
  g_autoptr (KsPhotoPage) all = NULL;

  photo = ks_api_client_get_photo_finish (client, CALL (ks_api_client_get_photo, client, id), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (photo->id, ==, id);
  g_assert_nonnull (photo->created_at);

  hidden = ks_api_client_get_photo_finish (f->clients[STRANGER], CALL (ks_api_client_get_photo, f->clients[STRANGER], id), &error);
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
  g_clear_error (&error);

  deleted = ks_api_client_delete_photo_finish (client, CALL (ks_api_client_delete_photo, client, id), &error);
  g_assert_no_error (error);
  g_assert_nonnull (deleted->deleted_at);

  live = ks_api_client_list_photos_finish (client, CALL (ks_api_client_list_photos, client, NULL, 0, FALSE), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->photos->len, ==, 0);
  g_assert_null (live->cursor);
  all = ks_api_client_list_photos_finish (client, CALL (ks_api_client_list_photos, client, NULL, 0, TRUE), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->photos->len, ==, 1);
  g_assert_nonnull (((KsPhoto *) g_ptr_array_index (all->photos, 0))->deleted_at);

  restored = ks_api_client_restore_photo_finish (client, CALL (ks_api_client_restore_photo, client, id), &error);
  g_assert_no_error (error);
  g_assert_null (restored->deleted_at);
}

static void
test_photo_paging (Fixture      *f,
                   gconstpointer data)
{
  KsApiClient *client = f->clients[OWNER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  guint            pages = 0;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *seed = g_strdup_printf ("page-%u", i);
      g_free (ks_test_api_upload_photo (f->api, f->users[OWNER], seed));
    }

  do
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (KsPhotoPage) page = ks_api_client_list_photos_finish (client, CALL (ks_api_client_list_photos, client, cursor, 2, FALSE), &error);

      g_assert_no_error (error);
      g_assert_cmpuint (page->photos->len, ==, pages < 2 ? 2 : 1);
      for (guint i = 0; i < page->photos->len; i++)
        g_assert_true (g_hash_table_add (seen, g_strdup (((KsPhoto *) g_ptr_array_index (page->photos, i))->id)));
      g_free (cursor);
      cursor = g_steal_pointer (&page->cursor);
      pages++;
    }
  while (cursor != NULL);

  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 5);
}

/* ---- Albums and members ---- */

static KsAlbum *
create_album (Fixture    *f,
              const char *name)
{
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  KsAlbum *album = ks_api_client_create_album_finish (f->clients[OWNER], CALL (ks_api_client_create_album, f->clients[OWNER], name), &error);

  g_assert_no_error (error);
  return album;
}

static void
test_albums (Fixture      *f,
             gconstpointer data)
{
  KsApiClient *owner = f->clients[OWNER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = create_album (f, "Holidays 🏖");
  g_autoptr (KsAlbum) renamed = NULL;
  g_autoptr (KsAlbum) got = NULL;
  g_autoptr (KsAlbum) refused = NULL;
  g_autoptr (GPtrArray) albums = NULL;

  g_assert_cmpstr (album->name, ==, "Holidays 🏖");
  g_assert_cmpstr (album->owner, ==, "olive");
  g_assert_cmpstr (album->role, ==, "owner");
  g_assert_cmpint (album->photo_count, ==, 0);
  g_assert_nonnull (album->created_at);
  g_assert_nonnull (album->updated_at);

  renamed = ks_api_client_rename_album_finish (owner, CALL (ks_api_client_rename_album, owner, album->id, "Summer"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (renamed->name, ==, "Summer");

  albums = ks_api_client_list_albums_finish (owner, CALL0 (ks_api_client_list_albums, owner), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (albums->len, ==, 1);
  g_assert_cmpstr (((KsAlbum *) g_ptr_array_index (albums, 0))->name, ==, "Summer");

  got = ks_api_client_get_album_finish (owner, CALL (ks_api_client_get_album, owner, album->id), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->id, ==, album->id);

  /* Someone else's album does not exist, as far as they can tell. */
  refused = ks_api_client_get_album_finish (f->clients[STRANGER], CALL (ks_api_client_get_album, f->clients[STRANGER], album->id), &error);
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
  g_clear_error (&error);

  g_assert_true (ks_api_client_delete_album_finish (owner, CALL (ks_api_client_delete_album, owner, album->id), &error));
  g_assert_no_error (error);
  g_assert_false (ks_api_client_delete_album_finish (owner, CALL (ks_api_client_delete_album, owner, album->id), &error));
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
}

static KsMember *
add_member (Fixture    *f,
            const char *album_id,
            const char *username,
            const char *role,
            GError    **error)
{
  g_autoptr (GAsyncResult) res = NULL;

  return ks_api_client_add_member_finish (f->clients[OWNER], CALL (ks_api_client_add_member, f->clients[OWNER], album_id, username, role), error);
}

/* The member's name has characters that only survive proper encoding. */
static void
test_members (Fixture      *f,
              gconstpointer data)
{
  const char  *name = f->users[MEMBER]->username;
  KsApiClient *owner = f->clients[OWNER], *member = f->clients[MEMBER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = create_album (f, "Shared");
  g_autoptr (KsMember) added = add_member (f, album->id, name, "viewer", &error);
  g_autoptr (KsMember) twice = NULL;
  g_autoptr (KsMember) unknown = NULL;
  g_autoptr (KsMember) promoted = NULL;
  g_autoptr (KsAlbum) seen = NULL;
  g_autoptr (KsAlbum) refused = NULL;
  g_autoptr (GPtrArray) members = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (added->username, ==, name);
  g_assert_cmpstr (added->role, ==, "viewer");
  g_assert_nonnull (added->added_at);

  twice = add_member (f, album->id, name, "viewer", &error);
  assert_error (error, KS_CLOUD_ERROR_CONFLICT, NULL);
  g_clear_error (&error);
  unknown = add_member (f, album->id, "nobody-ever", "viewer", &error);
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
  g_clear_error (&error);

  members = ks_api_client_list_members_finish (member, CALL (ks_api_client_list_members, member, album->id), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (members->len, ==, 2);
  g_assert_cmpstr (((KsMember *) g_ptr_array_index (members, 0))->role, ==, "owner");
  g_assert_cmpstr (((KsMember *) g_ptr_array_index (members, 1))->username, ==, name);

  seen = ks_api_client_get_album_finish (member, CALL (ks_api_client_get_album, member, album->id), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seen->role, ==, "viewer");
  refused = ks_api_client_rename_album_finish (member, CALL (ks_api_client_rename_album, member, album->id, "Mine"), &error);
  assert_error (error, KS_CLOUD_ERROR_FORBIDDEN, NULL);
  g_clear_error (&error);

  promoted = ks_api_client_set_member_role_finish (owner, CALL (ks_api_client_set_member_role, owner, album->id, name, "contributor"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (promoted->role, ==, "contributor");

  /* The owner cannot leave; the member can. */
  g_assert_false (ks_api_client_remove_member_finish (owner, CALL (ks_api_client_remove_member, owner, album->id, "olive"), &error));
  assert_error (error, KS_CLOUD_ERROR_CONFLICT, NULL);
  g_clear_error (&error);
  g_assert_true (ks_api_client_remove_member_finish (member, CALL (ks_api_client_remove_member, member, album->id, name), &error));
  g_assert_no_error (error);
  g_assert_false (ks_api_client_remove_member_finish (owner, CALL (ks_api_client_remove_member, owner, album->id, name), &error));
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
}

static void
test_album_photos (Fixture      *f,
                   gconstpointer data)
{
  KsApiClient *owner = f->clients[OWNER], *member = f->clients[MEMBER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = create_album (f, "Together");
  g_autoptr (KsMember) added = add_member (f, album->id, f->users[MEMBER]->username, "contributor", &error);
  g_autofree char *mine = ks_test_api_upload_photo (f->api, f->users[OWNER], "mine");
  g_autofree char *theirs = ks_test_api_upload_photo (f->api, f->users[MEMBER], "theirs");
  const char      *owner_ids[] = { mine, mine, NULL };
  const char      *member_ids[] = { theirs, NULL };
  g_auto (GStrv) now = NULL;
  g_auto (GStrv) before = NULL;
  g_autofree char *cursor = NULL;
  guint            count = 0;

  g_assert_no_error (error);
  g_assert_true (ks_api_client_add_album_photos_finish (owner, CALL (ks_api_client_add_album_photos, owner, album->id, owner_ids), &now, &before, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (now), ==, 1);
  g_assert_cmpuint (g_strv_length (before), ==, 0);
  g_clear_pointer (&now, g_strfreev);
  g_clear_pointer (&before, g_strfreev);
  g_assert_true (ks_api_client_add_album_photos_finish (owner, CALL (ks_api_client_add_album_photos, owner, album->id, owner_ids), &now, &before, &error));
  g_assert_cmpuint (g_strv_length (now), ==, 0);
  g_assert_cmpstr (before[0], ==, mine);
  g_assert_true (ks_api_client_add_album_photos_finish (member, CALL (ks_api_client_add_album_photos, member, album->id, member_ids), NULL, NULL, &error));
  g_assert_no_error (error);

  /* One a page, newest first. */
  do
    {
      g_autoptr (KsPhotoPage) page = ks_api_client_list_album_photos_finish (member, CALL (ks_api_client_list_album_photos, member, album->id, cursor, 1), &error);
      KsPhoto *photo;

      g_assert_no_error (error);
      g_assert_cmpuint (page->photos->len, ==, 1);
      photo = g_ptr_array_index (page->photos, 0);
      g_assert_cmpstr (photo->id, ==, count == 0 ? theirs : mine);
      g_assert_cmpstr (photo->owner, ==, count == 0 ? f->users[MEMBER]->username : "olive");
      g_assert_cmpstr (photo->added_by, ==, photo->owner);
      g_assert_nonnull (photo->added_at);
      g_assert_null (photo->created_at);
      g_free (cursor);
      cursor = g_steal_pointer (&page->cursor);
      count++;
    }
  while (cursor != NULL);
  g_assert_cmpuint (count, ==, 2);

  g_assert_false (ks_api_client_remove_album_photo_finish (member, CALL (ks_api_client_remove_album_photo, member, album->id, mine), &error));
  assert_error (error, KS_CLOUD_ERROR_FORBIDDEN, NULL);
  g_clear_error (&error);
  g_assert_true (ks_api_client_remove_album_photo_finish (owner, CALL (ks_api_client_remove_album_photo, owner, album->id, mine), &error));
  g_assert_no_error (error);
}

/* ---- Links ---- */

static void
test_links (Fixture      *f,
            gconstpointer data)
{
  KsApiClient *owner = f->clients[OWNER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) album = create_album (f, "Public");
  g_autofree char *photo = ks_test_api_upload_photo (f->api, f->users[OWNER], "public");
  const char      *ids[] = { photo, NULL };
  g_autoptr (KsLink) link = NULL;
  g_autoptr (KsLink) refused = NULL;
  g_autoptr (GPtrArray) links = NULL;
  g_autoptr (KsLinkPage) page = NULL;
  g_autoptr (KsLinkPage) gone = NULL;
  KsLink  *listed;
  KsPhoto *shown;

  g_assert_true (ks_api_client_add_album_photos_finish (owner, CALL (ks_api_client_add_album_photos, owner, album->id, ids), NULL, NULL, &error));
  link = ks_api_client_create_link_finish (owner, CALL (ks_api_client_create_link, owner, album->id, 3600), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (link->token), ==, 43);
  g_assert_true (g_str_has_suffix (link->url, link->token));
  g_assert_false (link->expired);

  refused = ks_api_client_create_link_finish (f->clients[STRANGER], CALL (ks_api_client_create_link, f->clients[STRANGER], album->id, 3600), &error);
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
  g_clear_error (&error);

  links = ks_api_client_list_links_finish (owner, CALL (ks_api_client_list_links, owner, album->id), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (links->len, ==, 1);
  listed = g_ptr_array_index (links, 0);
  g_assert_cmpstr (listed->id, ==, link->id);
  g_assert_null (listed->token);

  /* The stranger's client: whatever token it has, none is sent. */
  page = ks_api_client_open_link_finish (f->clients[STRANGER], CALL (ks_api_client_open_link, f->clients[STRANGER], link->token, NULL, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (page->album_name, ==, "Public");
  g_assert_nonnull (page->link_expires_at);
  g_assert_cmpuint (page->photos->len, ==, 1);
  shown = g_ptr_array_index (page->photos, 0);
  g_assert_cmpstr (shown->id, ==, photo);
  g_assert_nonnull (shown->url_grid);
  g_assert_null (shown->url_original);
  g_assert_null (shown->sha256);
  g_assert_cmpint (shown->size, ==, -1);
  g_assert_null (page->cursor);

  g_assert_true (ks_api_client_revoke_link_finish (owner, CALL (ks_api_client_revoke_link, owner, album->id, link->id), &error));
  g_assert_no_error (error);
  gone = ks_api_client_open_link_finish (owner, CALL (ks_api_client_open_link, owner, link->token, NULL, 0), &error);
  assert_error (error, KS_CLOUD_ERROR_GONE, NULL);
  g_clear_error (&error);
  g_assert_false (ks_api_client_revoke_link_finish (owner, CALL (ks_api_client_revoke_link, owner, album->id, link->id), &error));
  assert_error (error, KS_CLOUD_ERROR_NOT_FOUND, NULL);
}

/* ---- Changes ---- */

static gboolean
quit_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, quit_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_changes (Fixture      *f,
              gconstpointer data)
{
  KsApiClient *owner = f->clients[OWNER];
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (KsAlbum) first = create_album (f, "One");
  g_autoptr (KsAlbum) second = create_album (f, "Two");
  g_autoptr (KsChangePage) start = NULL;
  g_autoptr (KsChangePage) rest = NULL;
  g_autoptr (KsChangePage) quiet = NULL;
  g_autoptr (KsChangePage) woken = NULL;
  g_autoptr (GAsyncResult) poll = NULL;
  g_autoptr (JsonNode) third = NULL;
  KsEvent *event;
  gint64   started;

  start = ks_api_client_get_changes_finish (owner, CALL (ks_api_client_get_changes, owner, NULL, 0, 1), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (start->events->len, ==, 1);
  g_assert_true (start->more);
  event = g_ptr_array_index (start->events, 0);
  g_assert_cmpstr (event->type, ==, "album_created");
  g_assert_cmpstr (event->album_id, ==, first->id);
  g_assert_cmpstr (event->name, ==, "One");
  g_assert_cmpstr (event->actor, ==, "olive");
  g_assert_null (event->photo_id);

  rest = ks_api_client_get_changes_finish (owner, CALL (ks_api_client_get_changes, owner, start->cursor, 0, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rest->events->len, ==, 1);
  g_assert_false (rest->more);
  g_assert_cmpint (((KsEvent *) g_ptr_array_index (rest->events, 0))->seq, >, event->seq);

  /* Nothing happens: the wait runs out (the server counts it in whole
   * seconds, so 2 may be a little over 1). */
  started = g_get_monotonic_time ();
  quiet = ks_api_client_get_changes_finish (owner, CALL (ks_api_client_get_changes, owner, rest->cursor, 2, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (quiet->events->len, ==, 0);
  g_assert_cmpstr (quiet->cursor, ==, rest->cursor);
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 1000 * 1000);

  /* Something happens: the poll returns at once, long before its wait. */
  started = g_get_monotonic_time ();
  ks_api_client_get_changes_async (owner, rest->cursor, 30, 0, NULL, ks_test_store_result, &poll);
  run_for (500);
  g_assert_null (poll);
  third = ks_test_api_expect (f->api, f->users[OWNER]->token, "POST", "/v1/albums", "{\"name\":\"Three\"}", 201);
  woken = ks_api_client_get_changes_finish (owner, ks_test_wait_result (&poll), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (woken->events->len, ==, 1);
  g_assert_cmpstr (((KsEvent *) g_ptr_array_index (woken->events, 0))->name, ==, "Three");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, fn, data) g_test_add ("/cloud-api/" path, Fixture, data, fixture_setup, fn, fixture_teardown)
  ADD ("me", test_me, NULL);
  ADD ("photos/upload", test_upload, NULL);
  ADD ("photos/bad-requests", test_bad_requests, NULL);
  ADD ("photos/lifecycle", test_photo_lifecycle, NULL);
  ADD ("photos/paging", test_photo_paging, NULL);
  ADD ("albums/crud", test_albums, NULL);
  ADD ("albums/members", test_members, NULL);
  ADD ("albums/members-encoded-name", test_members, "zoë?a#b%2F&c+d;e");
  ADD ("albums/photos", test_album_photos, NULL);
  ADD ("links", test_links, NULL);
  ADD ("changes", test_changes, NULL);
#undef ADD

  return g_test_run ();
}
