/* test-api-authz.c: who may do what, endpoint by endpoint
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-test-api.h"

/*
 * Every endpoint against every kind of caller: the album's owner (alice),
 * a contributor (carol), a viewer (victor), a stranger (sam), and no,
 * an expired and a forged token (alice's claims). Each cell runs on a
 * fresh album, so a cell that succeeds changes nothing for the next.
 */
enum
{
  OWNER,
  CONTRIBUTOR,
  VIEWER,
  STRANGER,
  NO_TOKEN,
  EXPIRED,
  FORGED,
  N_CALLERS,
};

static const char *const caller_names[N_CALLERS] = {
  "owner",
  "contributor",
  "viewer",
  "stranger",
  "no token",
  "expired token",
  "forged token",
};
static const char *const usernames[] = { "alice", "carol", "victor", "sam" };

typedef struct
{
  const char *method;
  const char *path; /* {album} {photo} {cphoto} {myphoto} {link} {token} */
  const char *body; /* nullable, same placeholders */
  guint       status[N_CALLERS];
} Row;

#define AUTHED(o, c, v, s)    \
  {                           \
    o, c, v, s, 401, 401, 401 \
  }

static const char *const prepare_body =
    "{\"sha256\":\"b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c\","
    "\"size\":1000,\"content_type\":\"image/png\",\"file_name\":\"x.png\",\"width\":1,\"height\":1}";

static const Row rows[] = {
  { "GET", "/v1/me", NULL, AUTHED (200, 200, 200, 200) },
  { "POST", "/v1/photos/prepare", NULL /* prepare_body */, AUTHED (201, 201, 201, 201) },
  { "GET", "/v1/photos", NULL, AUTHED (200, 200, 200, 200) },
  { "GET", "/v1/photos/{photo}", NULL, AUTHED (200, 404, 404, 404) },
  { "POST", "/v1/photos/{photo}/commit", NULL, AUTHED (200, 404, 404, 404) },
  { "DELETE", "/v1/photos/{photo}", NULL, AUTHED (200, 404, 404, 404) },
  { "POST", "/v1/photos/{photo}/restore", NULL, AUTHED (200, 404, 404, 404) },
  { "POST", "/v1/albums", "{\"name\":\"New\"}", AUTHED (201, 201, 201, 201) },
  { "GET", "/v1/albums", NULL, AUTHED (200, 200, 200, 200) },
  { "GET", "/v1/albums/{album}", NULL, AUTHED (200, 200, 200, 404) },
  { "PATCH", "/v1/albums/{album}", "{\"name\":\"Renamed\"}", AUTHED (200, 403, 403, 404) },
  { "DELETE", "/v1/albums/{album}", NULL, AUTHED (204, 403, 403, 404) },
  { "GET", "/v1/albums/{album}/photos", NULL, AUTHED (200, 200, 200, 404) },
  { "GET", "/v1/albums/{album}/photos/{cphoto}", NULL, AUTHED (200, 200, 200, 404) },
  { "POST", "/v1/albums/{album}/photos", "{\"photo_ids\":[\"{myphoto}\"]}", AUTHED (200, 200, 403, 404) },
  { "DELETE", "/v1/albums/{album}/photos/{cphoto}", NULL, AUTHED (204, 204, 403, 404) },
  { "DELETE", "/v1/albums/{album}/photos/{photo}", NULL, AUTHED (204, 403, 403, 404) },
  { "GET", "/v1/albums/{album}/members", NULL, AUTHED (200, 200, 200, 404) },
  { "POST", "/v1/albums/{album}/members", "{\"username\":\"sam\",\"role\":\"viewer\"}", AUTHED (201, 403, 403, 404) },
  { "PATCH", "/v1/albums/{album}/members/victor", "{\"role\":\"contributor\"}", AUTHED (200, 403, 403, 404) },
  { "DELETE", "/v1/albums/{album}/members/victor", NULL, AUTHED (204, 403, 204, 404) },
  { "DELETE", "/v1/albums/{album}/members/carol", NULL, AUTHED (204, 204, 403, 404) },
  { "GET", "/v1/albums/{album}/links", NULL, AUTHED (200, 403, 403, 404) },
  { "POST", "/v1/albums/{album}/links", "{\"expires_in\":3600}", AUTHED (201, 403, 403, 404) },
  { "DELETE", "/v1/albums/{album}/links/{link}", NULL, AUTHED (204, 403, 403, 404) },
  { "GET", "/v1/changes", NULL, AUTHED (200, 200, 200, 200) },
  { "GET", "/v1/links/{token}", NULL, { 200, 200, 200, 200, 200, 200, 200 } },
};

typedef struct
{
  KsTestApi  *api;
  KsTestUser *users[4];
  char       *photos[4]; /* each user's own, committed */
  char       *expired;
  char       *forged;
} World;

typedef struct
{
  char *album;
  char *link;
  char *token;
} Cell;

static void
world_init (World *world)
{
  world->api = ks_test_api_new ();
  for (guint i = 0; i < G_N_ELEMENTS (usernames); i++)
    {
      world->users[i] = ks_test_api_user (world->api, usernames[i]);
      world->photos[i] = ks_test_api_upload_photo (world->api, world->users[i], usernames[i]);
    }
  world->expired = ks_test_api_mint_token (world->api, world->users[OWNER]->sub, "alice", -3600);
  world->forged = ks_test_api_forge_token (world->api, world->users[OWNER]->sub, "alice");
}

static void
world_clear (World *world)
{
  ks_test_api_free (world->api);
  for (guint i = 0; i < G_N_ELEMENTS (world->photos); i++)
    g_free (world->photos[i]);
  g_free (world->expired);
  g_free (world->forged);
}

static void
as (World      *world,
    guint       who,
    const char *method,
    const char *body,
    guint       status,
    const char *format,
    ...) G_GNUC_PRINTF (6, 7);

static void
as (World      *world,
    guint       who,
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
  reply = ks_test_api_expect (world->api, world->users[who]->token, method, path, body, status);
}

/* alice's album: carol contributes, victor views; alice's and carol's
 * photos in it; one share link. */
static void
cell_init (World *world,
           Cell  *cell)
{
  KsTestApi *api = world->api;
  g_autoptr (JsonNode) album = ks_test_api_expect (api, world->users[OWNER]->token, "POST", "/v1/albums",
                                                   "{\"name\":\"Matrix\"}", 201);
  g_autofree char *links = NULL;
  g_autofree char *alices = g_strdup_printf ("{\"photo_ids\":[\"%s\"]}", world->photos[OWNER]);
  g_autofree char *carols = g_strdup_printf ("{\"photo_ids\":[\"%s\"]}", world->photos[CONTRIBUTOR]);
  g_autoptr (JsonNode) link = NULL;

  cell->album = g_strdup (ks_test_json_get_string (album, "id"));
  as (world, OWNER, "POST", "{\"username\":\"carol\",\"role\":\"contributor\"}", 201, "/v1/albums/%s/members", cell->album);
  as (world, OWNER, "POST", "{\"username\":\"victor\",\"role\":\"viewer\"}", 201, "/v1/albums/%s/members", cell->album);
  as (world, OWNER, "POST", alices, 200, "/v1/albums/%s/photos", cell->album);
  as (world, CONTRIBUTOR, "POST", carols, 200, "/v1/albums/%s/photos", cell->album);

  links = g_strdup_printf ("/v1/albums/%s/links", cell->album);
  link = ks_test_api_expect (api, world->users[OWNER]->token, "POST", links, "{\"expires_in\":3600}", 201);
  cell->link = g_strdup (ks_test_json_get_string (link, "id"));
  cell->token = g_strdup (ks_test_json_get_string (link, "token"));
}

/* Undoes what a cell may have done to what cells share. */
static void
cell_clear (World *world,
            Cell  *cell)
{
  as (world, OWNER, "POST", NULL, 200, "/v1/photos/%s/restore", world->photos[OWNER]);
  g_free (cell->album);
  g_free (cell->link);
  g_free (cell->token);
}

static char *
expand (World *world,
        Cell  *cell,
        guint  who,
        const char *template)
{
  const char *myphoto = world->photos[who <= STRANGER ? who : OWNER];
  const char *from[] = { "{album}", "{photo}", "{cphoto}", "{myphoto}", "{link}", "{token}" };
  const char *to[] = { cell->album, world->photos[OWNER], world->photos[CONTRIBUTOR], myphoto, cell->link, cell->token };
  g_autoptr (GString) text = g_string_new (template);

  for (guint i = 0; i < G_N_ELEMENTS (from); i++)
    g_string_replace (text, from[i], to[i], 0);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static const char *
token_of (World *world,
          guint  who)
{
  if (who <= STRANGER)
    return world->users[who]->token;
  if (who == EXPIRED)
    return world->expired;
  if (who == FORGED)
    return world->forged;

  return NULL;
}

static void
run_cell (World     *world,
          const Row *row,
          guint      who)
{
  Cell             cell = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *body = NULL;
  g_autoptr (JsonNode) reply = NULL;
  guint status = 0;

  cell_init (world, &cell);
  path = expand (world, &cell, who, row->path);
  body = row->body != NULL                               ? expand (world, &cell, who, row->body)
         : g_str_equal (row->path, "/v1/photos/prepare") ? g_strdup (prepare_body)
                                                         : NULL;

  reply = ks_test_api_call (world->api, token_of (world, who), row->method, path, body, &status);
  if (status != row->status[who])
    g_test_message ("%s %s as %s: %u, expected %u", row->method, row->path, caller_names[who],
                    status, row->status[who]);
  g_assert_cmpuint (status, ==, row->status[who]);
  if (status >= 400)
    g_assert_nonnull (ks_test_json_get_string (reply, "error.code"));

  cell_clear (world, &cell);
}

static void
test_matrix (void)
{
  World world = { 0 };
  guint cells = 0;

  world_init (&world);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      for (guint who = 0; who < N_CALLERS; who++, cells++)
        run_cell (&world, &rows[i], who);
    }
  g_test_message ("%u cells", cells);
  world_clear (&world);
}

/* Presigned URLs go only to those who may read the object, and each
 * opens only its own object. */
static void
test_presigned_urls (void)
{
  World            world = { 0 };
  Cell             cell = { 0 };
  g_autofree char *path = NULL;
  g_autoptr (JsonNode) list = NULL;
  JsonArray *photos;

  world_init (&world);
  cell_init (&world, &cell);
  path = g_strdup_printf ("/v1/albums/%s/photos", cell.album);
  list = ks_test_api_expect (world.api, world.users[VIEWER]->token, "GET", path, NULL, 200);
  photos = json_object_get_array_member (ks_test_api_root (list), "photos");
  g_assert_cmpuint (json_array_get_length (photos), ==, 2);

  for (guint i = 0; i < json_array_get_length (photos); i++)
    {
      JsonObject      *photo = json_array_get_object_element (photos, i);
      const char      *id = ks_test_api_object_string (photo, "id");
      const char      *url = ks_test_api_object_string (json_object_get_object_member (photo, "urls"), "original");
      g_autofree char *tampered = g_strdup (url);
      char            *at = strstr (tampered, id);
      guint            status = 0;
      g_autoptr (GBytes) ok = NULL;
      g_autoptr (GBytes) refused = NULL;

      g_assert_nonnull (at);
      ok = ks_test_api_fetch (world.api, url, &status);
      g_assert_cmpuint (status, ==, 200);

      /* The same signature for another user's photo opens nothing. */
      memcpy (at, world.photos[STRANGER], strlen (id));
      refused = ks_test_api_fetch (world.api, tampered, &status);
      g_assert_cmpuint (status, ==, 403);
    }

  cell_clear (&world, &cell);
  world_clear (&world);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/api/authz/matrix", test_matrix);
  g_test_add_func ("/api/authz/presigned-urls", test_presigned_urls);

  return g_test_run ();
}
