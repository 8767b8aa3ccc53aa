/* ks-api-link-page.c: a share link opened in a web browser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-api-private.h"

/*
 * Whoever gets a link opens it in a browser, which asks for HTML: the
 * same route then answers with a page of the album's thumbnails instead
 * of the JSON the apps read. A thumbnail opens its preview in a viewer
 * over the page, with the previous and next photo a click away: each
 * viewer is a section shown while it is the URL's fragment (:target),
 * the preview its background, which browsers load only once it shows
 * (an <img> in a hidden section they load at once, lazy or not). The
 * page is static: no script runs (the Content-Security-Policy says so),
 * no form, nothing from elsewhere but the images; the presigned URLs in
 * it expire, so it is never cached, and no Referer carries the link's
 * token to the image host.
 */

#define PAGE_CSP                                                                                               \
  "default-src 'none'; img-src http: https:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; " \
  "frame-ancestors 'none'"

#define PAGE_STYLE                                                                                           \
  "body{margin:0;font-family:Cantarell,system-ui,sans-serif;background:#fafafa;color:#2e2e2e}"               \
  "header{padding:24px 24px 12px}h1{margin:0;font-size:1.6em}p{margin:.4em 0;color:#6e6e6e}"                 \
  "main{padding:9px 21px;line-height:0}"                                                                     \
  "main a{display:inline-block;margin:3px}"                                                                  \
  "main img{width:160px;height:160px;object-fit:cover;border-radius:6px;background:#ddd}"                    \
  "nav{padding:12px 24px 24px}a{color:#1c71d8}"                                                              \
  ".viewer{display:none;position:fixed;top:0;right:0;bottom:0;left:0;line-height:0;"                         \
  "background:rgba(0,0,0,.92) no-repeat center/contain}.viewer:target{display:block}"                        \
  ".viewer a{position:absolute;color:#fff;text-decoration:none;font-size:40px;line-height:1;"                \
  "padding:16px 20px;background:rgba(0,0,0,.4);border-radius:8px}.viewer a:hover{background:rgba(0,0,0,.7)}" \
  ".viewer .close{top:12px;right:12px}.viewer .prev,.viewer .next{top:50%;margin-top:-36px}"                 \
  ".viewer .prev{left:12px}.viewer .next{right:12px}"                                                        \
  "@media (prefers-color-scheme:dark){body{background:#242424;color:#fff}p{color:#aaa}"                      \
  "main img{background:#383838}main a,nav a{color:#78aeed}}"

gboolean
ks_api_link_page_wanted (SoupServerMessage *msg)
{
  const char *accept = soup_message_headers_get_list (soup_server_message_get_request_headers (msg), "Accept");

  return accept != NULL && strstr (accept, "text/html") != NULL;
}

static void
append_head (GString    *page,
             const char *title)
{
  g_autofree char *escaped = g_markup_escape_text (title, -1);

  g_string_append (page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                         "<meta name=\"robots\" content=\"noindex\">\n");
  g_string_append_printf (page, "<title>%s — Keepsake</title>\n", escaped);
  g_string_append (page, "<style>" PAGE_STYLE "</style>\n</head>\n<body>\n");
}

/* "22 November 2026, 15:45 UTC"; the text as it came if it is no time. */
static char *
format_expiry (const char *iso8601)
{
  g_autoptr (GDateTime) when = iso8601 != NULL ? g_date_time_new_from_iso8601 (iso8601, NULL) : NULL;

  if (when == NULL)
    return g_strdup (iso8601 != NULL ? iso8601 : "");
  return g_date_time_format (when, "%-d %B %Y, %H:%M UTC");
}

typedef struct
{
  const char *grid;
  const char *preview;
} Shown;

/* The photos that have a grid thumbnail, in the album's order. */
static GArray *
shown_photos (JsonObject *root)
{
  JsonArray *photos = json_object_get_array_member (root, "photos");
  guint      n = photos != NULL ? json_array_get_length (photos) : 0;
  GArray    *shown = g_array_sized_new (FALSE, FALSE, sizeof (Shown), n);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *urls = json_object_get_object_member (json_array_get_object_element (photos, i), "urls");
      Shown       photo = { 0 };

      photo.grid = urls != NULL ? json_object_get_string_member_with_default (urls, "grid", NULL) : NULL;
      photo.preview = urls != NULL ? json_object_get_string_member_with_default (urls, "preview", photo.grid) : NULL;
      if (photo.grid != NULL)
        g_array_append_val (shown, photo);
    }
  return shown;
}

/* Photo @i (from 1) of @n over the page; Close goes back to its
 * thumbnail (#t@i). */
static void
append_viewer (GString     *page,
               const Shown *photo,
               guint        i,
               guint        n)
{
  g_autofree char *open = NULL;

  /* A presigned URL has none of these; anything else would not stay a
   * CSS url('…') in a style attribute. */
  if (strpbrk (photo->preview, "'\"()\\<> \t\r\n") != NULL)
    return;
  open = g_markup_printf_escaped ("<section class=\"viewer\" id=\"p%u\" role=\"img\" aria-label=\"Photo %u of %u\" "
                                  "style=\"background-image:url('%s')\">\n",
                                  i, i, n, photo->preview);
  g_string_append (page, open);
  if (i > 1)
    g_string_append_printf (page, "<a class=\"prev\" href=\"#p%u\" title=\"Previous photo\">‹</a>\n", i - 1);
  if (i < n)
    g_string_append_printf (page, "<a class=\"next\" href=\"#p%u\" title=\"Next photo\">›</a>\n", i + 1);
  g_string_append_printf (page, "<a class=\"close\" href=\"#t%u\" title=\"Back to the album\">×</a>\n", i);
  g_string_append (page, "</section>\n");
}

static void
append_photos (GString    *page,
               JsonObject *root)
{
  g_autoptr (GArray) shown = shown_photos (root);

  if (shown->len == 0)
    {
      g_string_append (page, "<p style=\"padding:0 24px\">There are no photos in this album yet.</p>\n");
      return;
    }
  g_string_append (page, "<main>\n");
  for (guint i = 0; i < shown->len; i++)
    {
      g_autofree char *item = g_markup_printf_escaped ("<a id=\"t%u\" href=\"#p%u\"><img src=\"%s\" "
                                                       "alt=\"Photo %u\" loading=\"lazy\"></a>\n",
                                                       i + 1, i + 1, g_array_index (shown, Shown, i).grid, i + 1);

      g_string_append (page, item);
    }
  g_string_append (page, "</main>\n");
  for (guint i = 0; i < shown->len; i++)
    append_viewer (page, &g_array_index (shown, Shown, i), i + 1, shown->len);
}

static char *
album_page (JsonNode *reply)
{
  JsonObject      *root = json_node_get_object (reply);
  JsonObject      *album = json_object_get_object_member (root, "album");
  const char      *name = json_object_get_string_member_with_default (album, "name", "");
  const char      *cursor = json_object_get_string_member_with_default (root, "cursor", NULL);
  g_autofree char *expiry = format_expiry (json_object_get_string_member_with_default (album, "link_expires_at", NULL));
  g_autofree char *header = NULL;
  GString         *page = g_string_new (NULL);

  append_head (page, name);
  header = g_markup_printf_escaped ("<header>\n<h1>%s</h1>\n<p>Shared with a link that works until %s.</p>\n"
                                    "</header>\n",
                                    name, expiry);
  g_string_append (page, header);
  append_photos (page, root);
  if (cursor != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
      g_autofree char *more = g_markup_printf_escaped ("<nav><a href=\"?cursor=%s\">Older photos</a></nav>\n", escaped);

      g_string_append (page, more);
    }
  g_string_append (page, "</body>\n</html>\n");
  return g_string_free (page, FALSE);
}

static char *
error_page (const char *title,
            const char *message)
{
  g_autofree char *body = g_markup_printf_escaped ("<header>\n<h1>%s</h1>\n<p>%s</p>\n</header>\n", title, message);
  GString         *page = g_string_new (NULL);

  append_head (page, title);
  g_string_append (page, body);
  g_string_append (page, "</body>\n</html>\n");
  return g_string_free (page, FALSE);
}

void
ks_api_link_page_respond (SoupServerMessage *msg,
                          JsonNode          *reply,
                          const GError      *error)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  guint               status = SOUP_STATUS_OK;
  char               *page;

  if (error != NULL)
    status = ks_api_error_status (error);
  if (error == NULL)
    page = album_page (reply);
  else if (status != SOUP_STATUS_INTERNAL_SERVER_ERROR)
    page = error_page (status == SOUP_STATUS_GONE ? "This link no longer works" : "This link does not work",
                       error->message);
  else
    {
      /* Details stay in the log, as for every API reply. */
      g_warning ("Share link page failed: %s", error->message);
      status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
      page = error_page ("Something went wrong", "The server could not show this album. Try again later.");
    }

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Content-Security-Policy", PAGE_CSP);
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, page, strlen (page));
}
