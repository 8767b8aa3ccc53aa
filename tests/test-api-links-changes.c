/* test-api-links-changes.c: share links, and the change feed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-test-api.h"

static char *
create_album (KsTestApi  *api,
              KsTestUser *owner,
              const char *name)
{
  g_autofree char *body = g_strdup_printf ("{\"name\":\"%s\"}", name);
  g_autoptr (JsonNode) album = ks_test_api_expect (api, owner->token, "POST", "/v1/albums", body, 201);

  return g_strdup (ks_test_json_get_string (album, "id"));
}

static void
call_ok (KsTestApi  *api,
         KsTestUser *user,
         const char *method,
         const char *body,
         guint       status,
         const char *format,
         ...) G_GNUC_PRINTF (6, 7);

static void
call_ok (KsTestApi  *api,
         KsTestUser *user,
         const char *method,
         const char *body,
         guint       status,
         const char *format,
         ...)
{
  g_autofree char *path = NULL;
  g_autoptr (JsonNode) reply = NULL;
  va_list args;

  va_start (args, format);
  path = g_strdup_vprintf (format, args);
  va_end (args);
  reply = ks_test_api_expect (api, user->token, method, path, body, status);
}

static JsonArray *
array (JsonNode   *node,
       const char *name)
{
  return json_object_get_array_member (ks_test_api_root (node), name);
}

/* ---- Share links ---- */

static void
test_links (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *carol = ks_test_api_user (api, "carol");
  KsTestUser      *sam = ks_test_api_user (api, "sam");
  g_autofree char *album = create_album (api, alice, "Linked");
  g_autofree char *photo = ks_test_api_upload_photo (api, alice, "linked-1");
  g_autofree char *links = g_strdup_printf ("/v1/albums/%s/links", album);
  g_autofree char *body = g_strdup ("{\"username\":\"carol\",\"role\":\"contributor\"}");
  g_autoptr (JsonNode) link = NULL;
  g_autoptr (JsonNode) opened = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) revoked = NULL;
  g_autofree char *open = NULL;
  g_autofree char *revoke = NULL;
  const char      *token;
  JsonObject      *shown;
  JsonObject      *urls;

  call_ok (api, alice, "POST", body, 201, "/v1/albums/%s/members", album);
  g_free (body);
  body = g_strdup_printf ("{\"photo_ids\":[\"%s\"]}", photo);
  call_ok (api, alice, "POST", body, 200, "/v1/albums/%s/photos", album);

  ks_test_api_expect_error (api, alice->token, "POST", links, "{\"expires_in\":59}", 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "POST", links, "{\"expires_in\":2592001}", 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "POST", links, "{\"expires_in\":\"3600\"}", 400, "BadRequest");
  ks_test_api_expect_error (api, carol->token, "POST", links, "{\"expires_in\":3600}", 403, "Forbidden");
  ks_test_api_expect_error (api, sam->token, "POST", links, "{\"expires_in\":3600}", 404, "NotFound");

  link = ks_test_api_expect (api, alice->token, "POST", links, "{\"expires_in\":3600}", 201);
  token = ks_test_json_get_string (link, "token");
  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_true (g_str_has_suffix (ks_test_json_get_string (link, "url"), token));

  /* Anyone with the token: the name and thumbnails, nothing else. */
  open = g_strdup_printf ("/v1/links/%s", token);
  opened = ks_test_api_expect (api, NULL, "GET", open, NULL, 200);
  g_assert_cmpstr (ks_test_json_get_string (opened, "album.name"), ==, "Linked");
  g_assert_cmpuint (json_array_get_length (array (opened, "photos")), ==, 1);
  shown = json_array_get_object_element (array (opened, "photos"), 0);
  g_assert_false (json_object_has_member (shown, "file_name"));
  g_assert_false (json_object_has_member (shown, "sha256"));
  urls = json_object_get_object_member (shown, "urls");
  g_assert_true (json_object_has_member (urls, "grid"));
  g_assert_true (json_object_has_member (urls, "preview"));
  g_assert_false (json_object_has_member (urls, "original"));

  ks_test_api_expect_error (api, NULL, "GET", "/v1/links/nonsense", NULL, 404, "NotFound");
  ks_test_api_expect_error (api, NULL, "GET", "/v1/links/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, 404, "NotFound");

  list = ks_test_api_expect (api, alice->token, "GET", links, NULL, 200);
  g_assert_cmpuint (json_array_get_length (array (list, "links")), ==, 1);
  ks_test_api_expect_error (api, carol->token, "GET", links, NULL, 403, "Forbidden");

  revoke = g_strdup_printf ("%s/%s", links, ks_test_json_get_string (link, "id"));
  revoked = ks_test_api_expect (api, alice->token, "DELETE", revoke, NULL, 204);
  ks_test_api_expect_error (api, NULL, "GET", open, NULL, 410, "Gone");
  ks_test_api_expect_error (api, alice->token, "DELETE", revoke, NULL, 404, "NotFound");
}

static void
test_link_expiry_and_album_delete (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  g_autofree char *album = create_album (api, alice, "Short-lived");
  g_autofree char *links = g_strdup_printf ("/v1/albums/%s/links", album);
  g_autoptr (JsonNode) expiring = ks_test_api_expect (api, alice->token, "POST", links, "{\"expires_in\":60}", 201);
  g_autoptr (JsonNode) other = ks_test_api_expect (api, alice->token, "POST", links, "{\"expires_in\":600}", 201);
  g_autofree char *open_expiring = g_strdup_printf ("/v1/links/%s", ks_test_json_get_string (expiring, "token"));
  g_autofree char *open_other = g_strdup_printf ("/v1/links/%s", ks_test_json_get_string (other, "token"));
  g_autofree char *sql = g_strdup_printf ("UPDATE share_links SET expires_at = expires_at - 61 WHERE id = '%s'",
                                          ks_test_json_get_string (expiring, "id"));
  g_autoptr (JsonNode) opened = ks_test_api_expect (api, NULL, "GET", open_other, NULL, 200);

  ks_test_api_sql (api, sql);
  ks_test_api_expect_error (api, NULL, "GET", open_expiring, NULL, 410, "Gone");

  call_ok (api, alice, "DELETE", NULL, 204, "/v1/albums/%s", album);
  ks_test_api_expect_error (api, NULL, "GET", open_other, NULL, 404, "NotFound");
}

/* A share link as a browser opens it. */
typedef struct
{
  guint status;
  char *content_type;
  char *csp;
  char *referrer;
  char *cache;
  char *body;
} Page;

static void
page_clear (Page *page)
{
  g_free (page->content_type);
  g_free (page->csp);
  g_free (page->referrer);
  g_free (page->cache);
  g_free (page->body);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Page, page_clear)

static void
open_in_browser (KsTestApi  *api,
                 const char *path,
                 const char *accept,
                 Page       *page)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = ks_test_server_new_message (ks_test_api_get_server (api), "GET", path);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;
  SoupMessageHeaders *headers;

  soup_session_set_proxy_resolver (session, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", accept);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  headers = soup_message_get_response_headers (msg);
  page->status = soup_message_get_status (msg);
  page->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  page->csp = g_strdup (soup_message_headers_get_one (headers, "Content-Security-Policy"));
  page->referrer = g_strdup (soup_message_headers_get_one (headers, "Referrer-Policy"));
  page->cache = g_strdup (soup_message_headers_get_one (headers, "Cache-Control"));
  page->body = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Vary"), ==, "Accept");
}

/* Every page, an album's or an error's: HTML that runs nothing. */
static void
assert_html_page (Page *page,
                  guint status)
{
  g_assert_cmpuint (page->status, ==, status);
  g_assert_cmpstr (page->content_type, ==, "text/html; charset=utf-8");
  g_assert_nonnull (strstr (page->csp, "default-src 'none'"));
  g_assert_null (strstr (page->csp, "script-src"));
  g_assert_cmpstr (page->referrer, ==, "no-referrer");
  g_assert_cmpstr (page->cache, ==, "no-store");
  g_assert_true (g_str_has_prefix (page->body, "<!DOCTYPE html>"));
  g_assert_null (strstr (page->body, "<script"));
}

/* The src of each <img> whose markup starts with @tag ("<img src=\"" for
 * the grid's), unescaped. */
static GPtrArray *
page_urls (const char *body,
           const char *tag)
{
  GPtrArray  *urls = g_ptr_array_new_with_free_func (g_free);
  const char *at = body;

  while ((at = strstr (at, tag)) != NULL)
    {
      const char      *start = at + strlen (tag);
      const char      *end = start + strcspn (start, "\"'");
      g_autofree char *escaped = g_strndup (start, end - start);
      g_auto (GStrv) parts = g_strsplit (escaped, "&amp;", -1);

      g_assert_null (strchr (escaped, '<'));
      g_ptr_array_add (urls, g_strjoinv ("&", parts));
      at = end;
    }
  return urls;
}

static GPtrArray *
page_images (const char *body)
{
  return page_urls (body, "<img src=\"");
}

/* Every URL in @urls fetched without an account: the bytes of @seeds'
 * @kind ("grid", "preview") thumbnails of @size, in that order. */
static void
assert_fetched (KsTestApi         *api,
                GPtrArray         *urls,
                const char *const *seeds,
                const char        *kind,
                gsize              size)
{
  g_assert_cmpuint (urls->len, ==, g_strv_length ((char **) seeds));
  for (guint i = 0; i < urls->len; i++)
    {
      g_autofree char *seed = g_strdup_printf ("%s/%s", seeds[i], kind);
      g_autoptr (GBytes) expected = ks_test_api_photo_bytes (seed, size);
      g_autoptr (GBytes) fetched = NULL;
      guint status = 0;

      fetched = ks_test_api_fetch (api, g_ptr_array_index (urls, i), &status);
      g_assert_cmpuint (status, ==, 200);
      g_assert_true (g_bytes_equal (fetched, expected));
    }
}

static void
test_link_page (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  g_autofree char *album = create_album (api, alice, "Tom & Jerry's <b>trip</b>");
  g_autofree char *first = ks_test_api_upload_photo (api, alice, "page-1");
  g_autofree char *second = ks_test_api_upload_photo (api, alice, "page-2");
  g_autofree char *body = g_strdup_printf ("{\"photo_ids\":[\"%s\",\"%s\"]}", first, second);
  g_autofree char *links = g_strdup_printf ("/v1/albums/%s/links", album);
  g_autoptr (JsonNode) link = NULL;
  g_autoptr (JsonNode) json = NULL;
  g_autoptr (JsonNode) revoked = NULL;
  g_autoptr (GPtrArray) images = NULL;
  g_autofree char *open = NULL;
  g_autofree char *paged = NULL;
  g_autofree char *older = NULL;
  g_autofree char *revoke = NULL;
  g_auto (Page) page = { 0 };
  g_auto (Page) one = { 0 };
  g_auto (Page) next = { 0 };
  g_auto (Page) gone = { 0 };
  g_auto (Page) unknown = { 0 };
  const char       *browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  const char *const newest_first[] = { "page-2", "page-1", NULL };
  g_autoptr (GPtrArray) previews = NULL;
  g_autofree char *first_viewer = NULL;
  const char      *viewer;
  const char      *nav;

  call_ok (api, alice, "POST", body, 200, "/v1/albums/%s/photos", album);
  link = ks_test_api_expect (api, alice->token, "POST", links, "{\"expires_in\":3600}", 201);
  open = g_strdup_printf ("/v1/links/%s", ks_test_json_get_string (link, "token"));

  /* The name escaped, every thumbnail there and loadable by anyone. */
  open_in_browser (api, open, browser, &page);
  assert_html_page (&page, 200);
  g_assert_nonnull (strstr (page.body, "<h1>Tom &amp; Jerry&apos;s &lt;b&gt;trip&lt;/b&gt;</h1>"));
  g_assert_null (strstr (page.body, "<b>trip"));
  g_assert_nonnull (strstr (page.body, "works until "));
  g_assert_null (strstr (page.body, "Older photos"));
  images = page_images (page.body);
  assert_fetched (api, images, newest_first, "grid", 300);

  /* Each thumbnail opens its preview over the page, with the next and
   * previous photo a link away and Close back at the thumbnail. */
  previews = page_urls (page.body, "style=\"background-image:url('");
  assert_fetched (api, previews, newest_first, "preview", 1000);
  g_assert_nonnull (strstr (page.body, "<a id=\"t1\" href=\"#p1\"><img src=\""));
  g_assert_nonnull (strstr (page.body, "<a id=\"t2\" href=\"#p2\"><img src=\""));
  viewer = strstr (page.body, "<section class=\"viewer\" id=\"p1\" role=\"img\" aria-label=\"Photo 1 of 2\"");
  g_assert_nonnull (viewer);
  first_viewer = g_strndup (viewer, strstr (viewer, "</section>") - viewer);
  g_assert_null (strstr (first_viewer, "class=\"prev\""));
  g_assert_nonnull (strstr (viewer, "<a class=\"next\" href=\"#p2\""));
  g_assert_nonnull (strstr (viewer, "<a class=\"close\" href=\"#t1\""));
  viewer = strstr (page.body, "<section class=\"viewer\" id=\"p2\" role=\"img\" aria-label=\"Photo 2 of 2\"");
  g_assert_nonnull (viewer);
  g_assert_nonnull (strstr (viewer, "<a class=\"prev\" href=\"#p1\""));
  g_assert_null (strstr (viewer, "class=\"next\""));
  g_assert_nonnull (strstr (page.csp, "img-src"));

  /* A page at a time, the way the page's own link goes on. */
  paged = g_strdup_printf ("%s?limit=1", open);
  open_in_browser (api, paged, browser, &one);
  assert_html_page (&one, 200);
  g_clear_pointer (&images, g_ptr_array_unref);
  images = page_images (one.body);
  g_assert_cmpuint (images->len, ==, 1);
  nav = strstr (one.body, "<nav><a href=\"?cursor=");
  g_assert_nonnull (nav);
  older = g_strdup_printf ("%s%.*s", open, (int) strcspn (nav + strlen ("<nav><a href=\""), "\""),
                           nav + strlen ("<nav><a href=\""));
  open_in_browser (api, older, browser, &next);
  assert_html_page (&next, 200);
  g_clear_pointer (&images, g_ptr_array_unref);
  images = page_images (next.body);
  g_assert_cmpuint (images->len, ==, 1);

  /* The apps still get JSON, asked for or not. */
  json = ks_test_api_expect (api, NULL, "GET", open, NULL, 200);
  g_assert_cmpstr (ks_test_json_get_string (json, "album.name"), ==, "Tom & Jerry's <b>trip</b>");

  /* A link that no longer works says so, as a page. */
  open_in_browser (api, "/v1/links/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", browser, &unknown);
  assert_html_page (&unknown, 404);
  g_assert_nonnull (strstr (unknown.body, "There is no such link"));
  revoke = g_strdup_printf ("%s/%s", links, ks_test_json_get_string (link, "id"));
  revoked = ks_test_api_expect (api, alice->token, "DELETE", revoke, NULL, 204);
  open_in_browser (api, open, browser, &gone);
  assert_html_page (&gone, 410);
  g_assert_nonnull (strstr (gone.body, "This link was revoked"));
  g_assert_null (strstr (gone.body, "<img"));
}

/* ---- The change feed ---- */

static JsonNode *
changes (KsTestApi  *api,
         KsTestUser *user,
         const char *query)
{
  g_autofree char *path = g_strconcat ("/v1/changes", query, NULL);

  return ks_test_api_expect (api, user->token, "GET", path, NULL, 200);
}

/* "type:album" for each event about @album, in order, joined by spaces;
 * member events add ":member:role". */
static char *
summarize (JsonNode   *feed,
           const char *album)
{
  JsonArray *events = array (feed, "events");
  GString   *out = g_string_new (NULL);
  gint64     last = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      JsonNode   *album_id = json_object_get_member (event, "album_id");
      gint64      seq = json_object_get_int_member (event, "seq");

      g_assert_cmpint (seq, >, last);
      last = seq;
      g_assert_nonnull (json_object_get_string_member (event, "actor"));
      g_assert_nonnull (json_object_get_string_member (event, "at"));
      if (g_str_equal (json_object_get_string_member (event, "type"), "photo_deleted"))
        g_string_append (out, "photo_deleted ");
      if (JSON_NODE_HOLDS_NULL (album_id) || !g_str_equal (json_node_get_string (album_id), album))
        continue;

      g_string_append (out, json_object_get_string_member (event, "type"));
      if (json_object_has_member (event, "member"))
        g_string_append_printf (out, ":%s", json_object_get_string_member (event, "member"));
      if (json_object_has_member (event, "role"))
        g_string_append_printf (out, ":%s", json_object_get_string_member (event, "role"));
      g_string_append_c (out, ' ');
    }
  if (last > 0)
    {
      g_autofree char *cursor = g_strdup_printf ("%" G_GINT64_FORMAT, last);
      g_assert_cmpstr (json_object_get_string_member (ks_test_api_root (feed), "cursor"), ==, cursor);
    }

  return g_strchomp (g_string_free (out, FALSE));
}

static void
test_feed_visibility (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *carol = ks_test_api_user (api, "carol");
  KsTestUser      *sam = ks_test_api_user (api, "sam");
  g_autofree char *p1 = ks_test_api_upload_photo (api, alice, "feed-1");
  g_autofree char *p2 = ks_test_api_upload_photo (api, alice, "feed-2");
  g_autofree char *album = create_album (api, alice, "Feed");
  g_autofree char *add1 = g_strdup_printf ("{\"photo_ids\":[\"%s\"]}", p1);
  g_autofree char *add2 = g_strdup_printf ("{\"photo_ids\":[\"%s\"]}", p2);
  g_autoptr (JsonNode) alices = NULL;
  g_autoptr (JsonNode) carols = NULL;
  g_autoptr (JsonNode) sams = NULL;
  g_autofree char *alice_summary = NULL;
  g_autofree char *carol_summary = NULL;

  call_ok (api, alice, "POST", "{\"username\":\"carol\",\"role\":\"contributor\"}", 201, "/v1/albums/%s/members", album);
  call_ok (api, alice, "POST", add1, 200, "/v1/albums/%s/photos", album);
  call_ok (api, alice, "PATCH", "{\"name\":\"Feed!\"}", 200, "/v1/albums/%s", album);
  call_ok (api, alice, "PATCH", "{\"role\":\"viewer\"}", 200, "/v1/albums/%s/members/carol", album);
  call_ok (api, alice, "DELETE", NULL, 200, "/v1/photos/%s", p1);
  call_ok (api, alice, "DELETE", NULL, 204, "/v1/albums/%s/members/carol", album);
  call_ok (api, alice, "POST", add2, 200, "/v1/albums/%s/photos", album);
  call_ok (api, alice, "DELETE", NULL, 204, "/v1/albums/%s", album);

  alices = changes (api, alice, "");
  alice_summary = summarize (alices, album);
  g_assert_cmpstr (alice_summary, ==,
                   "album_created member_added:carol:contributor photo_added album_renamed "
                   "role_changed:carol:viewer photo_deleted member_removed:carol photo_added album_deleted");

  /* Carol reads from her joining to her leaving, her leaving included. */
  carols = changes (api, carol, "");
  carol_summary = summarize (carols, album);
  g_assert_cmpstr (carol_summary, ==,
                   "member_added:carol:contributor photo_added album_renamed role_changed:carol:viewer "
                   "photo_deleted member_removed:carol");

  sams = changes (api, sam, "");
  g_assert_cmpuint (json_array_get_length (array (sams, "events")), ==, 0);
  g_assert_cmpstr (ks_test_json_get_string (sams, "cursor"), ==, "0");
}

static void
test_feed_paging (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");
  g_autoptr (JsonNode) page1 = NULL;
  g_autoptr (JsonNode) page2 = NULL;
  g_autofree char *next = NULL;

  for (guint i = 0; i < 3; i++)
    g_free (create_album (api, alice, "Paged"));

  page1 = changes (api, alice, "?limit=2");
  g_assert_cmpuint (json_array_get_length (array (page1, "events")), ==, 2);
  g_assert_true (json_object_get_boolean_member (ks_test_api_root (page1), "more"));
  next = g_strdup_printf ("?limit=2&cursor=%s", ks_test_json_get_string (page1, "cursor"));
  page2 = changes (api, alice, next);
  g_assert_cmpuint (json_array_get_length (array (page2, "events")), ==, 1);
  g_assert_false (json_object_get_boolean_member (ks_test_api_root (page2), "more"));
}

typedef struct
{
  char     *url;
  char     *token;
  guint     status;
  JsonNode *reply;
  gint64    elapsed_ms;
} Poll;

/* A long poll on a thread of its own, with a session of its own. */
static gpointer
poll_thread (gpointer user_data)
{
  Poll *poll = user_data;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 90, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", poll->url);
  g_autofree char *auth = g_strconcat ("Bearer ", poll->token, NULL);
  g_autoptr (GBytes) body = NULL;
  gint64 start = g_get_monotonic_time ();

  soup_session_set_proxy_resolver (session, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  poll->elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  poll->status = soup_message_get_status (msg);
  if (body != NULL && g_bytes_get_size (body) > 0)
    poll->reply = ks_test_parse_json (body);

  return NULL;
}

static GThread *
start_poll (KsTestApi  *api,
            KsTestUser *user,
            const char *query,
            Poll       *poll)
{
  poll->url = g_strconcat (ks_test_server_get_base_url (ks_test_api_get_server (api)), "/v1/changes", query, NULL);
  poll->token = g_strdup (user->token);

  return g_thread_new ("long-poll", poll_thread, poll);
}

static void
poll_clear (Poll *poll)
{
  g_free (poll->url);
  g_free (poll->token);
  g_clear_pointer (&poll->reply, json_node_unref);
}

static void
test_long_poll_wakes (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser      *alice = ks_test_api_user (api, "alice");
  KsTestUser      *carol = ks_test_api_user (api, "carol");
  g_autofree char *album = create_album (api, alice, "Live");
  g_autoptr (JsonNode) now = NULL;
  g_autofree char *query = NULL;
  Poll             poll = { 0 };
  Poll             other = { 0 };
  GThread         *thread;
  GThread         *other_thread;
  JsonArray       *events;

  call_ok (api, alice, "POST", "{\"username\":\"carol\",\"role\":\"viewer\"}", 201, "/v1/albums/%s/members", album);
  now = changes (api, carol, "");
  query = g_strdup_printf ("?wait=30&cursor=%s", ks_test_json_get_string (now, "cursor"));
  thread = start_poll (api, carol, query, &poll);
  other_thread = start_poll (api, alice, "?wait=2&cursor=999999", &other);

  g_usleep (G_USEC_PER_SEC / 2);
  call_ok (api, alice, "PATCH", "{\"name\":\"Live!\"}", 200, "/v1/albums/%s", album);
  g_thread_join (thread);
  g_thread_join (other_thread);

  g_assert_cmpuint (poll.status, ==, 200);
  g_assert_cmpint (poll.elapsed_ms, >=, 400);
  g_assert_cmpint (poll.elapsed_ms, <, 10000);
  events = array (poll.reply, "events");
  g_assert_cmpuint (json_array_get_length (events), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 0), "type"), ==, "album_renamed");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, 0), "name"), ==, "Live!");

  /* A cursor past everything: nothing came within the wait. */
  g_assert_cmpuint (other.status, ==, 200);
  g_assert_cmpint (other.elapsed_ms, >=, 1500);
  g_assert_cmpuint (json_array_get_length (array (other.reply, "events")), ==, 0);
  g_assert_cmpstr (ks_test_json_get_string (other.reply, "cursor"), ==, "999999");

  poll_clear (&poll);
  poll_clear (&other);
}

/* A client that hangs up while waiting is let go at once, not after
 * the wait, and the server carries on. */
static void
test_long_poll_disconnect (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestServer *server = ks_test_api_get_server (api);
  KsTestUser   *alice = ks_test_api_user (api, "alice");
  guint         files = ks_test_server_count_open_files (server);
  g_autoptr (GIOStream) stream = ks_test_server_connect_raw (server);
  g_autofree char *request = g_strdup_printf ("GET /v1/changes?wait=60&cursor=100 HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
                                              alice->token);
  g_autoptr (JsonNode) after = NULL;
  gint64 start;

  ks_test_raw_write (stream, request);
  g_usleep (G_USEC_PER_SEC / 2);
  g_io_stream_close (stream, NULL, NULL);
  start = g_get_monotonic_time ();

  g_assert_true (ks_test_server_wait_for_log (server, "\"GET /v1/changes\"", 10000));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  after = changes (api, alice, "");

  /* Its connection is closed too. */
  for (guint i = 0; i < 100 && ks_test_server_count_open_files (server) > files; i++)
    g_usleep (G_USEC_PER_SEC / 20);
  g_assert_cmpuint (ks_test_server_count_open_files (server), <=, files);
}

static void
test_feed_bad_input (void)
{
  g_autoptr (KsTestApi) api = ks_test_api_new ();
  KsTestUser *alice = ks_test_api_user (api, "alice");

  ks_test_api_expect_error (api, alice->token, "GET", "/v1/changes?cursor=abc", NULL, 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "GET", "/v1/changes?cursor=-1", NULL, 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "GET", "/v1/changes?wait=61", NULL, 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "GET", "/v1/changes?limit=0", NULL, 400, "BadRequest");
  ks_test_api_expect_error (api, alice->token, "GET", "/v1/changes?since=1", NULL, 400, "BadRequest");
  ks_test_api_expect_error (api, NULL, "GET", "/v1/changes?wait=5", NULL, 401, "Unauthorized");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/api/links/create-open-revoke", test_links);
  g_test_add_func ("/api/links/expiry-and-album-delete", test_link_expiry_and_album_delete);
  g_test_add_func ("/api/links/browser-page", test_link_page);
  g_test_add_func ("/api/changes/visibility", test_feed_visibility);
  g_test_add_func ("/api/changes/paging", test_feed_paging);
  g_test_add_func ("/api/changes/long-poll-wakes", test_long_poll_wakes);
  g_test_add_func ("/api/changes/long-poll-disconnect", test_long_poll_disconnect);
  g_test_add_func ("/api/changes/bad-input", test_feed_bad_input);

  return g_test_run ();
}
