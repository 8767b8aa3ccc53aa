/* test-api-input.c: bad input of every kind is a clear 4xx, never a 500
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-test-api.h"

typedef struct
{
  KsTestApi  *api;
  KsTestUser *alice;
  char       *album;
} Fixture;

static void
fixture_set_up (Fixture      *f,
                gconstpointer data)
{
  g_autoptr (JsonNode) album = NULL;
  g_autoptr (JsonNode) member = NULL;
  g_autofree char *path = NULL;

  f->api = ks_test_api_new ();
  f->alice = ks_test_api_user (f->api, "alice");
  ks_test_api_user (f->api, "bob");
  album = ks_test_api_expect (f->api, f->alice->token, "POST", "/v1/albums", "{\"name\":\"Input\"}", 201);
  f->album = g_strdup (ks_test_json_get_string (album, "id"));
  path = g_strdup_printf ("/v1/albums/%s/members", f->album);
  member = ks_test_api_expect (f->api, f->alice->token, "POST", path, "{\"username\":\"bob\",\"role\":\"viewer\"}", 201);
}

static void
fixture_tear_down (Fixture      *f,
                   gconstpointer data)
{
  ks_test_api_free (f->api);
  g_free (f->album);
}

static void
expect_400 (Fixture    *f,
            const char *method,
            const char *path,
            const char *body)
{
  ks_test_api_expect_error (f->api, f->alice->token, method, path, body, 400, "BadRequest");
}

static char *
album_path (Fixture    *f,
            const char *suffix)
{
  return g_strdup_printf ("/v1/albums/%s%s", f->album, suffix);
}

static void
test_malformed_json (Fixture      *f,
                     gconstpointer data)
{
  static const char *const bodies[] = {
    "{\"name\":",
    "{\"name\":\"a\",}",
    "{'name':'a'}",
    "[\"name\"]",
    "\"name\"",
    "{\"name\":\"a\"} {}",
    "{\"name\":\"\xff\xfe\"}",
    "{\"name\":\"a\\u0000b\"}",
    "{\"name\":\"\\ud800\"}",
    "{\"name\":\"a\"} // comment",
    "",
  };
  g_autoptr (GString) deep = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    expect_400 (f, "POST", "/v1/albums", bodies[i]);

  for (guint i = 0; i < 100; i++)
    g_string_append (deep, "{\"a\":");
  g_string_append (deep, "1");
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '}');
  expect_400 (f, "POST", "/v1/albums", deep->str);
}

static void
test_oversized_json (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr (GString) body = g_string_new ("{\"name\":\"");

  while (body->len < 1024 * 1024 + 10)
    g_string_append (body, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  g_string_append (body, "\"}");

  ks_test_api_expect_error (f->api, f->alice->token, "POST", "/v1/albums", body->str, 413, "PayloadTooLarge");
}

static void
test_unknown_fields (Fixture      *f,
                     gconstpointer data)
{
  g_autofree char *members = album_path (f, "/members");
  g_autofree char *links = album_path (f, "/links");
  g_autofree char *album = album_path (f, "");

  expect_400 (f, "POST", "/v1/albums", "{\"name\":\"a\",\"owner\":\"bob\"}");
  expect_400 (f, "PATCH", album, "{\"name\":\"a\",\"id\":\"x\"}");
  expect_400 (f, "POST", members, "{\"username\":\"bob\",\"role\":\"viewer\",\"sub\":\"x\"}");
  expect_400 (f, "POST", links, "{\"expires_in\":60,\"token\":\"mine\"}");
  expect_400 (f, "POST", "/v1/photos/prepare",
              "{\"sha256\":\"0000000000000000000000000000000000000000000000000000000000000000\","
              "\"size\":1,\"content_type\":\"image/jpeg\",\"file_name\":\"a\",\"width\":1,\"height\":1,"
              "\"key\":\"originals/bob/x\"}");
  expect_400 (f, "GET", "/v1/photos?owner=bob", NULL);
  expect_400 (f, "GET", "/v1/albums?all=true", NULL);
}

/* A valid prepare body with one member replaced. */
static char *
prepare_with (const char *member,
              const char *value)
{
  const char *names[] = { "sha256", "size", "content_type", "file_name", "taken_at", "width", "height", "thumbnails" };
  const char *values[] = {
    "\"a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3\"", "1000", "\"image/jpeg\"",
    "\"a.jpg\"", "\"2024-01-02T03:04:05Z\"", "10", "20",
    "[{\"name\":\"grid\",\"size\":10,\"sha256\":\"a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3\"}]"
  };
  GString *body = g_string_new ("{");

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *v = g_str_equal (names[i], member) ? value : values[i];

      if (v == NULL)
        continue;
      g_string_append_printf (body, "%s\"%s\":%s", body->len > 1 ? "," : "", names[i], v);
    }
  g_string_append_c (body, '}');

  return g_string_free (body, FALSE);
}

static void
test_wrong_types_and_values (Fixture      *f,
                             gconstpointer data)
{
  static const char *const bad[][2] = {
    { "sha256", "1" },
    { "sha256", "\"A665A45920422F9D417E4867EFDC4FB8A04A1F3FFF1FA07E998E86F7F7A27AE3\"" },
    { "sha256", "\"a665a459\"" },
    { "sha256", NULL },
    { "size", "\"1000\"" },
    { "size", "1000.0" },
    { "size", "-1" },
    { "size", "0" },
    { "size", "1e30" },
    { "size", "99999999999999999" },
    { "content_type", "\"text/plain\"" },
    { "content_type", "\"image/\"" },
    { "content_type", "\"image/jpeg; charset=x\"" },
    { "content_type", "null" },
    { "file_name", "\"../etc/passwd\"" },
    { "file_name", "\"..\"" },
    { "file_name", "\"\"" },
    { "file_name", "\"a\\nb\"" },
    { "taken_at", "\"2024-13-01T00:00:00Z\"" },
    { "taken_at", "\"2024-05-01\"" },
    { "taken_at", "\"2024-05-01T12:00:00\"" },
    { "taken_at", "\"yesterday\"" },
    { "taken_at", "1714567890" },
    { "width", "0" },
    { "height", "true" },
    { "thumbnails", "{}" },
    { "thumbnails", "[1]" },
    { "thumbnails", "[{\"name\":\"huge\",\"size\":1,\"sha256\":\"a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3\"}]" },
    { "thumbnails", "[{\"name\":\"grid\",\"size\":1}]" },
    { "thumbnails", "[{\"name\":\"grid\",\"size\":1,\"sha256\":\"a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3\",\"x\":1}]" },
    { "thumbnails", "[{\"name\":\"grid\",\"size\":1,\"sha256\":\"a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3\"},"
                    "{\"name\":\"grid\",\"size\":1,\"sha256\":\"a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3\"}]" },
  };
  g_autofree char *good = prepare_with ("", NULL);
  g_autofree char *photos = album_path (f, "/photos");
  g_autofree char *members = album_path (f, "/members");
  g_autofree char *bob = album_path (f, "/members/bob");
  g_autofree char *links = album_path (f, "/links");
  g_autoptr (JsonNode) ok = ks_test_api_expect (f->api, f->alice->token, "POST", "/v1/photos/prepare", good, 201);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *body = prepare_with (bad[i][0], bad[i][1]);

      g_test_message ("prepare with %s = %s", bad[i][0], bad[i][1]);
      expect_400 (f, "POST", "/v1/photos/prepare", body);
    }

  expect_400 (f, "POST", "/v1/albums", "{\"name\":1}");
  expect_400 (f, "POST", "/v1/albums", "{\"name\":null}");
  expect_400 (f, "POST", "/v1/albums", "{\"name\":[\"a\"]}");
  expect_400 (f, "POST", "/v1/albums", "{}");
  expect_400 (f, "POST", photos, "{\"photo_ids\":\"x\"}");
  expect_400 (f, "POST", photos, "{\"photo_ids\":[1]}");
  expect_400 (f, "POST", photos, "{\"photo_ids\":[]}");
  expect_400 (f, "POST", photos, "{\"photo_ids\":[\"../../etc\"]}");
  expect_400 (f, "POST", members, "{\"username\":\"bob\",\"role\":5}");
  expect_400 (f, "POST", members, "{\"username\":\"bob\",\"role\":\"admin\"}");
  expect_400 (f, "POST", members, "{\"username\":[],\"role\":\"viewer\"}");
  expect_400 (f, "PATCH", bob, "{\"role\":\"owner\"}");
  expect_400 (f, "POST", links, "{\"expires_in\":true}");
  expect_400 (f, "POST", links, "{\"expires_in\":60.5}");
  expect_400 (f, "GET", "/v1/photos?limit=201", NULL);
  expect_400 (f, "GET", "/v1/photos?limit=abc", NULL);
  expect_400 (f, "GET", "/v1/photos?deleted=yes", NULL);
  expect_400 (f, "GET", "/v1/photos?cursor=1e3", NULL);
}

static void
expect_status (Fixture    *f,
               const char *method,
               const char *path,
               const char *body,
               guint       status)
{
  g_autoptr (JsonNode) reply = ks_test_api_expect (f->api, f->alice->token, method, path, body, status);

  /* Even the router's refusals are JSON errors. */
  g_assert_nonnull (reply);
  g_assert_nonnull (ks_test_json_get_string (reply, "error.message"));
}

static void
test_path_tricks (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr (GString) long_id = g_string_new ("/v1/albums/");
  g_autoptr (GString) long_name = g_string_new (NULL);
  g_autofree char *long_member = NULL;
  g_autofree char *dotdot_member = album_path (f, "/members/%2e%2e");
  g_autofree char *nul_member = album_path (f, "/members/a%00b");
  g_autofree char *slash_member = album_path (f, "/members/..%2F..%2Fetc");
  g_autofree char *members = album_path (f, "/members");

  expect_status (f, "GET", "/v1/albums/..", NULL, 404);
  expect_status (f, "GET", "/v1/albums/%2e%2e", NULL, 404);
  expect_status (f, "GET", "/v1/albums/%2E%2e%2Fphotos", NULL, 404);
  expect_status (f, "GET", "/v1/albums/%00", NULL, 404);
  expect_status (f, "GET", "/v1/photos/..%2F..%2Fsigning-key.pem", NULL, 404);
  expect_status (f, "GET", "/v1/photos/signing-key.pem", NULL, 400);
  expect_status (f, "GET", "/v1/albums/not-an-id", NULL, 400);
  expect_status (f, "GET", "/v1/albums/00000000-0000-4000-8000-00000000000G", NULL, 400);
  expect_status (f, "GET", "/v1/albums/00000000-0000-4000-8000-000000000000", NULL, 404);
  expect_status (f, "GET", "/v1/links/..%2F..", NULL, 404);
  for (guint i = 0; i < 500; i++)
    g_string_append (long_id, "0123456789");
  expect_status (f, "GET", long_id->str, NULL, 400);

  expect_status (f, "DELETE", dotdot_member, NULL, 404);
  expect_status (f, "DELETE", nul_member, NULL, 404);
  expect_status (f, "DELETE", slash_member, NULL, 404);
  for (guint i = 0; i < 129; i++)
    g_string_append_c (long_name, 'u');
  long_member = g_strdup_printf ("%s/%s", members, long_name->str);
  expect_status (f, "DELETE", long_member, NULL, 400);
  g_string_prepend (long_name, "{\"username\":\"");
  g_string_append (long_name, "\",\"role\":\"viewer\"}");
  expect_status (f, "POST", members, long_name->str, 400);
  expect_status (f, "POST", members, "{\"username\":\"../../etc/passwd\",\"role\":\"viewer\"}", 404);
  expect_status (f, "POST", members, "{\"username\":\"a b\",\"role\":\"viewer\"}", 400);
}

static void
test_album_names (Fixture      *f,
                  gconstpointer data)
{
  static const char *const bad[] = {
    "{\"name\":\"\"}",
    "{\"name\":\"   \"}",
    "{\"name\":\"..\"}",
    "{\"name\":\".\"}",
    "{\"name\":\"a\\u0007b\"}",
    "{\"name\":\"line\\nbreak\"}",
    "{\"name\":\"a\\u2028b\"}",
  };
  g_autoptr (GString) max = g_string_new ("{\"name\":\"");
  g_autoptr (GString) over = NULL;
  g_autoptr (JsonNode) created = NULL;
  g_autoptr (JsonNode) unicode = NULL;
  g_autoptr (JsonNode) verbatim = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    expect_400 (f, "POST", "/v1/albums", bad[i]);

  /* 200 characters is fine however many bytes they take; 201 is not. */
  for (guint i = 0; i < 200; i++)
    g_string_append (max, "📷");
  over = g_string_new (max->str);
  g_string_append (max, "\"}");
  g_string_append (over, "x\"}");
  created = ks_test_api_expect (f->api, f->alice->token, "POST", "/v1/albums", max->str, 201);
  expect_400 (f, "POST", "/v1/albums", over->str);

  unicode = ks_test_api_expect (f->api, f->alice->token, "POST", "/v1/albums",
                                "{\"name\":\"日本の写真 Ünïcödé ﷽ e\\u0301\"}", 201);
  g_assert_cmpstr (ks_test_json_get_string (unicode, "name"), ==, "日本の写真 Ünïcödé ﷽ e\xcc\x81");

  /* Names are only ever text: an escaped dot-dot is kept as written. */
  verbatim = ks_test_api_expect (f->api, f->alice->token, "POST", "/v1/albums", "{\"name\":\"%2e%2e/%00\"}", 201);
  g_assert_cmpstr (ks_test_json_get_string (verbatim, "name"), ==, "%2e%2e/%00");
}

/* The statuses of the replies in @text, in order. */
static char *
statuses (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = strstr (text, "HTTP/1.1 "); p != NULL; p = strstr (p + 1, "HTTP/1.1 "))
    g_string_append_printf (out, "%s%.3s", out->len > 0 ? " " : "", p + 9);

  return g_string_free (out, FALSE);
}

static char *
raw_request (Fixture    *f,
             const char *method,
             const char *target,
             const char *body,
             gboolean    last)
{
  return g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                          "Content-Length: %zu\r\n%s\r\n%s",
                          method, target, f->alice->token, body != NULL ? strlen (body) : 0,
                          last ? "Connection: close\r\n" : "", body != NULL ? body : "");
}

/*
 * libsoup resolves dot segments, encoded or not, before any handler sees
 * the path (/v1/albums/%2E%2e/photos would be /v1/photos); the server
 * still answers 404 for them, also pipelined, and a body that looks like
 * a request line does not make it refuse another path.
 */
static void
test_dot_segments_resolved (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr (GIOStream) stream = ks_test_server_connect_raw (ks_test_api_get_server (f->api));
  const char *const requests[][3] = {
    { "GET", "/v1/albums/%2E%2e/photos", NULL },
    { "GET", "/v1/photos", NULL },
    { "GET", "/v1/albums/%2e%2E", NULL },
    { "GET", "/v1/%2e%2e/v1/me", NULL },
    { "GET", "/v1/albums/../photos?limit=1", NULL },
    { "GET", "/v1/albums/./me/../../me", NULL },
    { "GET", "/v1/me", NULL },
    { "GET", "http://127.0.0.1/v1/albums/%2e%2e/photos", NULL },
    { "POST", "/v1/albums", "GET /v1/albums/%2e%2e/me HTTP/1.1\r\n" },
    { "GET", "/v1/photos", NULL },
  };
  g_autoptr (GString) all = g_string_new (NULL);
  g_autofree char *replies = NULL;
  g_autofree char *got = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autofree char *request = raw_request (f, requests[i][0], requests[i][1], requests[i][2],
                                              i + 1 == G_N_ELEMENTS (requests));

      g_string_append (all, request);
    }
  ks_test_raw_write (stream, all->str);
  replies = ks_test_raw_read_until (stream, "never in a reply");
  got = statuses (replies);
  g_assert_cmpstr (got, ==, "404 200 404 404 404 404 200 404 400 200");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/api/input/malformed-json", test_malformed_json);
  ADD ("/api/input/oversized-json", test_oversized_json);
  ADD ("/api/input/unknown-fields", test_unknown_fields);
  ADD ("/api/input/wrong-types-and-values", test_wrong_types_and_values);
  ADD ("/api/input/path-tricks", test_path_tricks);
  ADD ("/api/input/dot-segments-resolved", test_dot_segments_resolved);
  ADD ("/api/input/album-names", test_album_names);
#undef ADD

  return g_test_run ();
}
