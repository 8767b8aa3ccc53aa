/* ks-api-validate.c: strict checks of everything a request carries
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-api-private.h"
#include "ks-core-error.h"
#include "ks-json.h"

/* Request bodies are flat; nothing legitimate nests deeper. */
#define BODY_MAX_DEPTH 8

static gboolean
bad_request (GError    **error,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_request (GError    **error,
             const char *format,
             ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (KS_API_ERROR, KS_API_ERROR_BAD_REQUEST, format, args);
  va_end (args);

  return FALSE;
}

/* Core's parse errors say what is wrong with the text: pass them on. */
static gboolean
bad_request_from (GError  *local_error,
                  GError **error)
{
  bad_request (error, "%s", local_error->message);
  g_error_free (local_error);
  return FALSE;
}

/**
 * ks_api_parse_body:
 * @allowed: the member names the object may have
 * @optional: whether an empty body stands for {}
 *
 * Returns: (transfer full): the body, a JSON object with no other members
 */
JsonObject *
ks_api_parse_body (KsApiRequest      *req,
                   const char *const *allowed,
                   gboolean           optional,
                   GError           **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (req->msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr (JsonNode) root = NULL;
  GError     *local_error = NULL;
  gsize       len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonObject *object;

  if (len == 0 && optional)
    return json_object_new ();
  if (len == 0)
    {
      bad_request (error, "The request needs a JSON object as its body");
      return NULL;
    }

  root = ks_json_parse_strict (data, (gssize) len, BODY_MAX_DEPTH, &local_error);
  if (root == NULL)
    {
      bad_request_from (local_error, error);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      bad_request (error, "The request body is not a JSON object");
      return NULL;
    }

  object = json_node_get_object (root);
  if (!ks_json_object_check_members (object, allowed, &local_error))
    {
      bad_request_from (local_error, error);
      return NULL;
    }

  return json_object_ref (object);
}

gboolean
ks_api_check_query (KsApiRequest      *req,
                    const char *const *allowed,
                    GError           **error)
{
  GHashTableIter iter;
  gpointer       name;

  g_hash_table_iter_init (&iter, req->query);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      if (allowed == NULL || !g_strv_contains (allowed, name))
        return bad_request (error, "Unknown query parameter “%s”", (const char *) name);
    }

  return TRUE;
}

/* @inout: the default in, the value out */
gboolean
ks_api_query_int (KsApiRequest *req,
                  const char   *name,
                  gint64        min,
                  gint64        max,
                  gint64       *inout,
                  GError      **error)
{
  const char *text = g_hash_table_lookup (req->query, name);

  if (text == NULL)
    return TRUE;

  if (!g_ascii_string_to_signed (text, 10, min, max, inout, NULL))
    return bad_request (error, "Query parameter “%s” must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                        name, min, max);

  return TRUE;
}

gboolean
ks_api_query_bool (KsApiRequest *req,
                   const char   *name,
                   gboolean     *inout,
                   GError      **error)
{
  const char *text = g_hash_table_lookup (req->query, name);

  if (text == NULL)
    return TRUE;

  if (g_str_equal (text, "true"))
    *inout = TRUE;
  else if (g_str_equal (text, "false"))
    *inout = FALSE;
  else
    return bad_request (error, "Query parameter “%s” must be true or false", name);

  return TRUE;
}

/* Cursors are what an earlier reply said; @out keeps its default when
 * there is none. */
gboolean
ks_api_query_cursor (KsApiRequest *req,
                     gint64       *out,
                     GError      **error)
{
  const char *text = g_hash_table_lookup (req->query, "cursor");

  if (text == NULL)
    return TRUE;

  if (!g_ascii_string_to_signed (text, 10, 0, G_MAXINT64, out, NULL))
    return bad_request (error, "“cursor” must be a cursor from an earlier reply");

  return TRUE;
}

/* Ids are lower-case UUIDs, as ks_api_new_id() makes them. */
gboolean
ks_api_check_id (const char *id,
                 const char *what,
                 GError    **error)
{
  gsize len = strlen (id);

  for (gsize i = 0; i < len && len == 36; i++)
    {
      gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;

      if (dash ? id[i] != '-' : !(g_ascii_isdigit (id[i]) || (id[i] >= 'a' && id[i] <= 'f')))
        return bad_request (error, "This is not a valid %s id", what);
    }
  if (len != 36)
    return bad_request (error, "This is not a valid %s id", what);

  return TRUE;
}

/* A path capture named @name that must be an id. */
const char *
ks_api_param_id (KsApiRequest *req,
                 const char   *name,
                 GError      **error)
{
  const char *id = g_hash_table_lookup (req->params, name);

  g_assert (id != NULL);
  if (!ks_api_check_id (id, name, error))
    return NULL;

  return id;
}

gboolean
ks_api_get_string (JsonObject  *object,
                   const char  *name,
                   gboolean     required,
                   const char **out,
                   GError     **error)
{
  GError *local_error = NULL;

  if (!ks_json_object_get_string_member_checked (object, name, required, out, &local_error))
    return bad_request_from (local_error, error);

  return TRUE;
}

gboolean
ks_api_get_int (JsonObject *object,
                const char *name,
                gboolean    required,
                gint64      min,
                gint64      max,
                gint64     *out,
                GError    **error)
{
  GError *local_error = NULL;

  if (!ks_json_object_get_int64_member_checked (object, name, required, min, max, out, &local_error))
    return bad_request_from (local_error, error);

  return TRUE;
}

/* (out) (transfer none) (nullable): NULL when absent and not @required */
gboolean
ks_api_get_array (JsonObject *object,
                  const char *name,
                  gboolean    required,
                  guint       max_len,
                  JsonArray **out,
                  GError    **error)
{
  JsonNode *node = json_object_get_member (object, name);

  *out = NULL;
  if (node == NULL && !required)
    return TRUE;
  if (node == NULL)
    return bad_request (error, "Member “%s” is missing", name);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bad_request (error, "Member “%s” is not an array", name);
  if (json_array_get_length (json_node_get_array (node)) > max_len)
    return bad_request (error, "Member “%s” has more than %u items", name, max_len);

  *out = json_node_get_array (node);
  return TRUE;
}

/* "viewer" or "contributor": the roles a member can have. */
gboolean
ks_api_get_role (JsonObject *object,
                 const char *name,
                 KsApiRole  *out,
                 GError    **error)
{
  const char *text = NULL;
  KsApiRole   role;

  if (!ks_api_get_string (object, name, TRUE, &text, error))
    return FALSE;

  role = ks_api_role_from_string (text);
  if (role != KS_API_ROLE_VIEWER && role != KS_API_ROLE_CONTRIBUTOR)
    return bad_request (error, "Member “%s” must be “viewer” or “contributor”", name);

  *out = role;
  return TRUE;
}

static gboolean
is_bad_char (gunichar c)
{
  GUnicodeType type = g_unichar_type (c);

  return g_unichar_iscntrl (c) || type == G_UNICODE_LINE_SEPARATOR ||
         type == G_UNICODE_PARAGRAPH_SEPARATOR || type == G_UNICODE_SURROGATE ||
         type == G_UNICODE_UNASSIGNED;
}

/* A name people gave: any script, no control characters, not blank,
 * not "." or "..", at most @max_chars characters. */
gboolean
ks_api_check_text (const char *text,
                   const char *what,
                   guint       max_chars,
                   GError    **error)
{
  gboolean blank = TRUE;

  if (g_utf8_strlen (text, -1) > (glong) max_chars)
    return bad_request (error, "The %s is longer than %u characters", what, max_chars);
  if (g_str_equal (text, ".") || g_str_equal (text, ".."))
    return bad_request (error, "The %s cannot be “%s”", what, text);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_bad_char (c))
        return bad_request (error, "The %s contains a control or unassigned character U+%04X",
                            what, c);
      if (!g_unichar_isspace (c))
        blank = FALSE;
    }
  if (blank)
    return bad_request (error, "The %s is empty", what);

  return TRUE;
}

/* Cognito's rule: 1..128 characters of [\p{L}\p{M}\p{S}\p{N}\p{P}]. */
gboolean
ks_api_check_username (const char *username,
                       GError    **error)
{
  glong n = g_utf8_strlen (username, -1);

  if (n < 1 || n > KS_API_USERNAME_MAX_CHARS)
    return bad_request (error, "A username has 1 to %d characters", KS_API_USERNAME_MAX_CHARS);

  for (const char *p = username; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar     c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (g_unichar_isspace (c) || is_bad_char (c) || type == G_UNICODE_PRIVATE_USE ||
          type == G_UNICODE_FORMAT)
        return bad_request (error, "This is not a valid username");
    }

  return TRUE;
}

/* Lower-case hex, 64 digits. */
gboolean
ks_api_check_sha256 (const char *hex,
                     const char *what,
                     GError    **error)
{
  gsize len = strlen (hex);

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (hex[i]) && !(hex[i] >= 'a' && hex[i] <= 'f'))
        len = 0;
    }
  if (len != 64)
    return bad_request (error, "The %s SHA-256 must be 64 lower-case hex digits", what);

  return TRUE;
}

static gboolean
matches_template (const char *text,
                  const char *template)
{
  for (; *template != '\0'; text++, template ++)
    {
      if (*template == 'd' ? !g_ascii_isdigit (*text) : *text != *template)
        return FALSE;
    }

  return TRUE;
}

/* RFC 3339 date-time: 2024-05-01T12:34:56[.fraction](Z|+hh:mm|-hh:mm). */
gboolean
ks_api_check_rfc3339 (const char *text,
                      const char *what,
                      GError    **error)
{
  const char *p = text + 19;
  g_autoptr (GDateTime) parsed = NULL;

  if (strlen (text) > 64 || strlen (text) < 20 || !matches_template (text, "dddd-dd-dd"))
    return bad_request (error, "“%s” must be an RFC 3339 date-time", what);
  if ((text[10] != 'T' && text[10] != 't') || !matches_template (text + 11, "dd:dd:dd"))
    return bad_request (error, "“%s” must be an RFC 3339 date-time", what);

  if (*p == '.')
    {
      for (p++; g_ascii_isdigit (*p); p++)
        ;
      if (p == text + 20)
        return bad_request (error, "“%s” must be an RFC 3339 date-time", what);
    }
  if (!((g_ascii_toupper (*p) == 'Z' && p[1] == '\0') ||
        ((*p == '+' || *p == '-') && strlen (p) == 6 && matches_template (p + 1, "dd:dd"))))
    return bad_request (error, "“%s” needs a time zone (Z or ±hh:mm)", what);

  /* The shape is right; GLib checks the ranges (month 13, 25:00…). */
  parsed = g_date_time_new_from_iso8601 (text, NULL);
  if (parsed == NULL)
    return bad_request (error, "“%s” is not a valid date-time", what);

  return TRUE;
}

/* image/<subtype>, no parameters. */
gboolean
ks_api_check_content_type (const char *text,
                           GError    **error)
{
  const char *subtype = text + strlen ("image/");
  gsize       len = strlen (text);

  if (!g_str_has_prefix (text, "image/") || len <= 6 || len > 100)
    return bad_request (error, "“content_type” must be an image type such as image/jpeg");

  for (const char *p = subtype; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("!#$&^_.+-", *p) == NULL)
        return bad_request (error, "“content_type” must be an image type such as image/jpeg");
    }

  return TRUE;
}
