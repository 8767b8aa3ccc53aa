/* ks-json.c: strict JSON for untrusted input, and checked member access
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "ks-core-error.h"
#include "ks-json.h"

/* An integer part this long always fits in a gint64. */
#define MAX_INTEGER_DIGITS 18

/* json-glib 1.6 accepts comments, single quotes, hex, trailing values,
 * and wraps integers that overflow. Untrusted text gets strict RFC 8259
 * only, of bounded depth, with no integer json-glib cannot hold.
 *
 * On failure, s->p is left on the offending byte and s->problem says
 * what is wrong with it. */
typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
  guint       max_depth;
  char       *problem; /* owned, nullable */
} JsonScan;

static gboolean scan_value (JsonScan *s);

/* Only the first, innermost, problem is kept. */
static gboolean
scan_fail (JsonScan   *s,
           const char *problem)
{
  if (s->problem == NULL)
    s->problem = g_strdup (s->p < s->end ? problem : "unexpected end of input");

  return FALSE;
}

static gboolean
scan_fail_at (JsonScan   *s,
              const char *at,
              const char *problem)
{
  if (s->problem == NULL)
    s->p = at;

  return scan_fail (s, problem);
}

static void
scan_space (JsonScan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_char (JsonScan *s,
           char      c)
{
  if (s->p >= s->end || *s->p != c)
    return FALSE;
  s->p++;
  return TRUE;
}

static gboolean
scan_word (JsonScan   *s,
           const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, word, len) != 0)
    return scan_fail (s, "expected a value");
  s->p += len;
  return TRUE;
}

static gsize
scan_digits (JsonScan *s)
{
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return (gsize) (s->p - start);
}

static gboolean
scan_hex4 (JsonScan *s,
           guint    *out)
{
  *out = 0;
  for (guint i = 0; i < 4; i++)
    {
      int v = s->p < s->end ? g_ascii_xdigit_value (*s->p) : -1;

      if (v < 0)
        return scan_fail (s, "\\u is not followed by four hex digits");
      *out = (*out << 4) | (guint) v;
      s->p++;
    }

  return TRUE;
}

/* After "\\u". json-glib turns \u0000 into a NUL that silently cuts the
 * C string short, and a lone surrogate into invalid UTF-8. */
static gboolean
scan_unicode_escape (JsonScan *s)
{
  const char *escape = s->p - 2;
  guint       unit, low = 0;

  if (!scan_hex4 (s, &unit))
    return FALSE;
  if (unit == 0)
    return scan_fail_at (s, escape, "\\u0000 is not allowed");
  if (unit >= 0xdc00 && unit <= 0xdfff)
    return scan_fail_at (s, escape, "\\u escape is a lone surrogate");
  if (unit < 0xd800 || unit > 0xdbff)
    return TRUE;
  if (!scan_char (s, '\\') || !scan_char (s, 'u') || !scan_hex4 (s, &low) ||
      low < 0xdc00 || low > 0xdfff)
    return scan_fail_at (s, escape, "\\u escape is a lone surrogate");

  return TRUE;
}

static gboolean
scan_string (JsonScan   *s,
             const char *expected)
{
  if (!scan_char (s, '"'))
    return scan_fail (s, expected);
  while (s->p < s->end && *s->p != '"')
    {
      if ((guchar) *s->p < 0x20)
        return scan_fail (s, "string has a control character");
      if (!scan_char (s, '\\'))
        {
          s->p++;
          continue;
        }
      if (scan_char (s, 'u'))
        {
          if (!scan_unicode_escape (s))
            return FALSE;
        }
      else if (s->p < s->end && *s->p != '\0' && strchr ("\"\\/bfnrt", *s->p) != NULL)
        s->p++;
      else
        return scan_fail (s, "string has an invalid escape");
    }

  return scan_char (s, '"') || scan_fail (s, "unexpected end of input");
}

static gboolean
scan_number (JsonScan *s)
{
  const char *start;
  gsize       digits;

  scan_char (s, '-');
  start = s->p;
  digits = scan_digits (s);
  if (digits == 0)
    return scan_fail (s, "expected a value");
  if (digits > 1 && *start == '0')
    return scan_fail_at (s, start, "number has a leading zero");
  if (digits > MAX_INTEGER_DIGITS)
    return scan_fail_at (s, start, "number has more than 18 integer digits");
  if (scan_char (s, '.') && scan_digits (s) == 0)
    return scan_fail (s, "number has no digits after the point");
  if (scan_char (s, 'e') || scan_char (s, 'E'))
    {
      if (!scan_char (s, '+'))
        scan_char (s, '-');
      if (scan_digits (s) == 0)
        return scan_fail (s, "number has no exponent digits");
    }

  return TRUE;
}

static gboolean
scan_member_name (JsonScan *s)
{
  if (!scan_string (s, "expected a member name"))
    return FALSE;
  scan_space (s);
  if (!scan_char (s, ':'))
    return scan_fail (s, "expected “:”");
  scan_space (s);

  return TRUE;
}

static gboolean
scan_container (JsonScan *s,
                char      close)
{
  if (++s->depth > s->max_depth)
    {
      g_autofree char *problem = g_strdup_printf ("nested more than %u deep", s->max_depth);

      return scan_fail (s, problem);
    }
  s->p++;
  scan_space (s);
  if (scan_char (s, close))
    {
      s->depth--;
      return TRUE;
    }
  for (;;)
    {
      if (close == '}' && !scan_member_name (s))
        return FALSE;
      if (!scan_value (s))
        return FALSE;
      scan_space (s);
      if (scan_char (s, close))
        break;
      if (!scan_char (s, ','))
        return scan_fail (s, close == '}' ? "expected “,” or “}”" : "expected “,” or “]”");
      scan_space (s);
    }
  s->depth--;

  return TRUE;
}

static gboolean
scan_value (JsonScan *s)
{
  if (s->p >= s->end)
    return scan_fail (s, "expected a value");

  switch (*s->p)
    {
    case '{':
      return scan_container (s, '}');
    case '[':
      return scan_container (s, ']');
    case '"':
      return scan_string (s, "expected a value");
    case 't':
      return scan_word (s, "true");
    case 'f':
      return scan_word (s, "false");
    case 'n':
      return scan_word (s, "null");
    default:
      return scan_number (s);
    }
}

/* Returns what is wrong with @text and where, or NULL. */
static char *
check_syntax (const char *text,
              gsize       len,
              guint       max_depth,
              gsize      *offset)
{
  JsonScan s = { text, text + len, 0, max_depth, NULL };
  gboolean ok;

  scan_space (&s);
  ok = scan_value (&s);
  if (ok)
    {
      scan_space (&s);
      ok = s.p == s.end || scan_fail (&s, "text goes on after the value");
    }
  *offset = (gsize) (s.p - text);
  if (ok)
    g_clear_pointer (&s.problem, g_free);
  else if (s.problem == NULL)
    s.problem = g_strdup ("syntax error");

  return s.problem;
}

JsonNode *
ks_json_parse_strict (const char *text,
                      gssize      len,
                      guint       max_depth,
                      GError    **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *problem = NULL;
  const char      *bad = NULL;
  gsize            offset = 0;
  JsonNode        *root = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (len < 0)
    len = (gssize) strlen (text);
  /* With a length, g_utf8_validate() also stops at a NUL. */
  if (!g_utf8_validate (text, len, &bad))
    {
      offset = (gsize) (bad - text);
      problem = g_strdup (*bad == '\0' ? "NUL byte" : "not valid UTF-8");
    }
  else
    problem = check_syntax (text, (gsize) len, max_depth, &offset);
  if (problem != NULL)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                   "Invalid JSON at byte %" G_GSIZE_FORMAT ": %s", offset, problem);
      return NULL;
    }

  parser = json_parser_new ();
  copy = g_strndup (text, (gsize) len);
  if (json_parser_load_from_data (parser, copy, len, &local_error))
    root = json_parser_steal_root (parser);
  else
    g_debug ("json-glib refused strict JSON: %s", local_error->message);
  if (root == NULL)
    g_set_error_literal (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE, "JSON text could not be parsed");

  return root;
}

/* ---- Checked member access ---- */

static gboolean
lookup_member (JsonObject *object,
               const char *name,
               gboolean    required,
               JsonNode  **out,
               GError    **error)
{
  *out = json_object_get_member (object, name);
  if (*out == NULL && required)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE, "Member “%s” is missing", name);
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_value_type (JsonNode   *node,
                  GType       type,
                  const char *name,
                  const char *type_name,
                  GError    **error)
{
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE,
                   "Member “%s” is not %s", name, type_name);
      return FALSE;
    }

  return TRUE;
}

gboolean
ks_json_object_get_string_member_checked (JsonObject  *object,
                                          const char  *name,
                                          gboolean     required,
                                          const char **out,
                                          GError     **error)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!lookup_member (object, name, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!check_value_type (node, G_TYPE_STRING, name, "a string", error))
    return FALSE;
  *out = json_node_get_string (node);

  return TRUE;
}

gboolean
ks_json_object_get_int64_member_checked (JsonObject *object,
                                         const char *name,
                                         gboolean    required,
                                         gint64      min,
                                         gint64      max,
                                         gint64     *out,
                                         GError    **error)
{
  JsonNode *node;
  gint64    value;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (min <= max, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!lookup_member (object, name, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!check_value_type (node, G_TYPE_INT64, name, "an integer", error))
    return FALSE;
  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_INVALID,
                   "Member “%s” is not between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                   name, min, max);
      return FALSE;
    }
  *out = value;

  return TRUE;
}

gboolean
ks_json_object_get_boolean_member_checked (JsonObject *object,
                                           const char *name,
                                           gboolean    required,
                                           gboolean   *out,
                                           GError    **error)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!lookup_member (object, name, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!check_value_type (node, G_TYPE_BOOLEAN, name, "a boolean", error))
    return FALSE;
  *out = json_node_get_boolean (node);

  return TRUE;
}

gboolean
ks_json_object_check_members (JsonObject        *object,
                              const char *const *allowed,
                              GError           **error)
{
  JsonObjectIter iter;
  const char    *name;
  JsonNode      *node;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (allowed != NULL, FALSE);

  /* In document order, so the error names the first stray member. */
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    {
      if (!g_strv_contains (allowed, name))
        {
          g_set_error (error, KS_CORE_ERROR, KS_CORE_ERROR_PARSE, "Member “%s” is not allowed", name);
          return FALSE;
        }
    }

  return TRUE;
}
